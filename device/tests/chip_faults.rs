//! Damaged answers from the card (bad MACs, cut-off or random bytes, wrong status words,
//! timeouts) end in a typed error, never a panic and never wrong data.

use keis_device::chip::emulator::{EmulatedChip, Fault, FaultyTransport, SPECIMEN_CAN, SeededRandom};
use keis_device::chip::{AccessKey, Can, ChipDocument, ChipError, MrzKey, SmError, read_document_with};

fn id_card_can() -> AccessKey {
    Can::new(SPECIMEN_CAN).expect("valid CAN").into()
}

fn passport_key() -> AccessKey {
    MrzKey::new("L898902C", "690806", "940623").expect("valid key").into()
}

fn read_with(chip: EmulatedChip, key: &AccessKey, faults: &[(usize, Fault)]) -> Result<ChipDocument, ChipError> {
    let mut transport = FaultyTransport::new(chip);
    for (at, fault) in faults {
        transport = transport.with_fault(*at, fault.clone());
    }
    read_document_with(transport, key, &mut SeededRandom::new(11))
}

/// The number of exchanges a clean read takes.
fn exchanges(chip: EmulatedChip, key: &AccessKey) -> usize {
    let mut transport = FaultyTransport::new(chip);
    read_document_with(&mut transport, key, &mut SeededRandom::new(11)).expect("clean read");
    transport.exchanges()
}

fn chips() -> [(fn() -> EmulatedChip, AccessKey); 2] {
    [(EmulatedChip::td1_specimen, id_card_can()), (EmulatedChip::td3_specimen, passport_key())]
}

/// A read under a fault either fails with a typed error or returns the true document.
fn check(result: Result<ChipDocument, ChipError>, clean: &ChipDocument) {
    if let Ok(doc) = result {
        assert_eq!(&doc, clean, "a damaged read must not return different data");
    }
}

#[test]
fn a_corrupted_mac_on_any_protected_answer_is_a_secure_messaging_error() {
    for (chip, key) in chips() {
        let clean = read_with(chip(), &key, &[]).expect("clean read");
        let total = exchanges(chip(), &key);
        // The last six exchanges (SELECT and READ BINARY of EF.COM and DG1) are protected.
        for at in total - 6..total {
            let err = read_with(chip(), &key, &[(at, Fault::CorruptMac)]).expect_err("bad MAC");
            assert!(matches!(err, ChipError::SecureMessaging(SmError::MacMismatch)), "{at}: {err:?}");
        }
        for at in 0..total {
            check(read_with(chip(), &key, &[(at, Fault::CorruptMac)]), &clean);
        }
    }
}

#[test]
fn truncated_answers_are_typed_errors() {
    for (chip, key) in chips() {
        let clean = read_with(chip(), &key, &[]).expect("clean read");
        for at in 0..exchanges(chip(), &key) {
            for keep in [0, 1, 2, 3, 10, 20] {
                check(read_with(chip(), &key, &[(at, Fault::Truncate(keep))]), &clean);
            }
        }
    }
}

#[test]
fn wrong_status_words_are_typed_errors() {
    let words = [0x6A82, 0x6982, 0x6700, 0x6C05, 0x6C00, 0x6300, 0x63C0, 0x6983, 0x6282, 0x9000, 0x6F00, 0x6187];
    for (chip, key) in chips() {
        let clean = read_with(chip(), &key, &[]).expect("clean read");
        for at in 0..exchanges(chip(), &key) {
            for sw in words {
                check(read_with(chip(), &key, &[(at, Fault::StatusWord(sw))]), &clean);
            }
        }
    }
}

#[test]
fn a_timeout_is_a_transport_error() {
    let err = read_with(EmulatedChip::td1_specimen(), &id_card_can(), &[(5, Fault::Timeout)]).expect_err("timeout");
    assert!(matches!(err, ChipError::Transport(_)), "{err:?}");
    assert!(err.to_string().contains("hold it still"));
}

#[test]
fn random_garbage_never_panics_nor_yields_wrong_data() {
    let iterations: usize = std::env::var("KEIS_CHIP_FUZZ_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(150);
    let mut rng = SeededRandom::new(0xC41F);
    for (chip, key) in chips() {
        let clean = read_with(chip(), &key, &[]).expect("clean read");
        let total = exchanges(chip(), &key);
        for _ in 0..iterations {
            let mut faults = Vec::new();
            for _ in 0..=rng.below(3) {
                let fault = match rng.below(5) {
                    0 => {
                        let len = rng.below(80);
                        Fault::Replace(rng.bytes(len))
                    }
                    1 => Fault::Truncate(rng.below(60)),
                    2 => Fault::StatusWord(rng.next_u64() as u16),
                    3 => Fault::CorruptMac,
                    _ => {
                        // Plausible framing around random content.
                        let len = rng.below(40);
                        let mut bytes = rng.bytes(len);
                        bytes.extend_from_slice(&[0x90, 0x00]);
                        Fault::Replace(bytes)
                    }
                };
                faults.push((rng.below(total), fault));
            }
            check(read_with(chip(), &key, &faults), &clean);
        }
    }
}
