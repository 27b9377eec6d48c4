//! The Android IsoDep bridge tested through the [`Transport`] trait, without a JVM: a fake
//! `IsoDep` forwards to the in-process emulated chip. (`JniIsoDep` itself is compiled with
//! `--features android` but only runs on a device.)
#![cfg(feature = "android")]

use keis_device::chip::android::{IsoDepError, IsoDepLink, IsoDepTransport, SHORT_APDU_MAX};
use keis_device::chip::emulator::{EmulatedChip, SPECIMEN_CAN, SeededRandom};
use keis_device::chip::{
    AccessKey, AccessProtocol, Can, Capabilities, ChipDocument, ChipError, MrzFormat, MrzKey, Transport,
    TransportError, read_document_with,
};

/// The tablet's `IsoDep` as seen from Rust, backed by the emulated chip.
struct FakeIsoDep {
    chip: EmulatedChip,
    max_transceive_length: usize,
    extended_length: bool,
    /// The exchange (from 0) at which the card leaves the field, if any.
    lost_at: Option<usize>,
    /// Another failure to report at that exchange instead of a lost tag.
    failure: Option<IsoDepError>,
    timeout_ms: Option<u32>,
    /// Lengths of the commands that reached the "tag".
    sent: Vec<usize>,
}

impl FakeIsoDep {
    /// A phone without extended-length support: `getMaxTransceiveLength()` = 261.
    fn short(chip: EmulatedChip) -> Self {
        Self {
            chip,
            max_transceive_length: SHORT_APDU_MAX,
            extended_length: false,
            lost_at: None,
            failure: None,
            timeout_ms: None,
            sent: Vec::new(),
        }
    }

    /// A phone with extended length (NXP controllers report 65 279).
    fn extended(chip: EmulatedChip) -> Self {
        Self { max_transceive_length: 65_279, extended_length: true, ..Self::short(chip.with_extended_length(true)) }
    }

    fn with_max(mut self, max: usize) -> Self {
        self.max_transceive_length = max;
        self
    }

    fn losing_tag_at(mut self, exchange: usize) -> Self {
        self.lost_at = Some(exchange);
        self
    }

    fn failing_at(mut self, exchange: usize, failure: IsoDepError) -> Self {
        self.lost_at = Some(exchange);
        self.failure = Some(failure);
        self
    }
}

impl IsoDepLink for FakeIsoDep {
    fn transceive(&mut self, apdu: &[u8]) -> Result<Vec<u8>, IsoDepError> {
        if self.lost_at == Some(self.sent.len()) {
            self.sent.push(apdu.len());
            return Err(self.failure.clone().unwrap_or(IsoDepError::CardMovedAway));
        }
        // The real IsoDep throws if the command is longer than its limit; the transport must
        // never get here with one.
        assert!(apdu.len() <= self.max_transceive_length, "{} > {}", apdu.len(), self.max_transceive_length);
        self.sent.push(apdu.len());
        self.chip.transmit(apdu).map_err(|e| IsoDepError::Link { what: e.to_string() })
    }

    fn max_transceive_length(&self) -> usize {
        self.max_transceive_length
    }

    fn extended_length_supported(&self) -> bool {
        self.extended_length
    }

    fn set_timeout_ms(&mut self, ms: u32) -> Result<(), IsoDepError> {
        self.timeout_ms = Some(ms);
        Ok(())
    }
}

fn can() -> AccessKey {
    Can::new(SPECIMEN_CAN).expect("valid CAN").into()
}

fn read(transport: impl Transport, key: &AccessKey) -> Result<ChipDocument, ChipError> {
    read_document_with(transport, key, &mut SeededRandom::new(7))
}

fn assert_id_card(doc: &ChipDocument) {
    assert_eq!(doc.access, AccessProtocol::Pace);
    assert_eq!(doc.mrz.format, MrzFormat::Td1);
    assert_eq!(doc.mrz.document_number, "D23145890");
    assert_eq!(doc.mrz.primary_identifier, "ERIKSSON");
    assert_eq!(doc.mrz.secondary_identifier, "ANNA MARIA");
}

/// EF.COM carrying an extra 1000-byte object, so that it takes several short reads.
fn large_ef_com() -> Vec<u8> {
    let mut content = hex::decode("5F0104303130375F3606303430303030").expect("hex");
    content.extend_from_slice(&[0x5C, 0x01, 0x61, 0x53, 0x82, 0x03, 0xE8]);
    content.extend(std::iter::repeat_n(0xA5, 1000));
    let mut out = vec![0x60, 0x82];
    out.extend_from_slice(&(content.len() as u16).to_be_bytes());
    out.extend(content);
    out
}

#[test]
fn the_id_card_reads_end_to_end_through_isodep_with_the_can() {
    let mut transport = IsoDepTransport::new(FakeIsoDep::short(EmulatedChip::td1_specimen()));
    assert_eq!(transport.capabilities(), Capabilities { extended_length: false, max_response_len: 258 });
    let doc = read(&mut transport, &can()).expect("read");
    assert_id_card(&doc);
    assert_eq!(transport.last_error(), None);
    let sent = &transport.link().sent;
    assert!(sent.len() > 10, "{sent:?}");
    assert!(sent.iter().all(|&len| len <= SHORT_APDU_MAX), "{sent:?}");
}

#[test]
fn the_id_card_reads_with_the_mrz_and_the_timeout_reaches_the_tag() {
    let mut transport = IsoDepTransport::new(FakeIsoDep::short(EmulatedChip::td1_specimen()));
    transport.set_timeout_ms(keis_device::chip::android::DEFAULT_TIMEOUT_MS).expect("timeout");
    assert_eq!(transport.link().timeout_ms, Some(5_000));
    let key = MrzKey::new("D23145890", "740812", "120415").expect("valid key").into();
    assert_id_card(&read(&mut transport, &key).expect("read"));
}

#[test]
fn an_extended_length_tag_reads_large_files_in_fewer_exchanges() {
    let mut counts = Vec::new();
    for extended in [false, true] {
        let chip = EmulatedChip::td1_specimen().with_file(0x011E, large_ef_com()).with_max_read(4096);
        let link = if extended { FakeIsoDep::extended(chip) } else { FakeIsoDep::short(chip) };
        let mut transport = IsoDepTransport::new(link);
        assert_eq!(transport.capabilities().extended_length, extended);
        let doc = read(&mut transport, &can()).expect("read");
        assert_eq!(doc.com.expect("EF.COM").data_groups, [1]);
        counts.push(transport.into_link().sent.len());
    }
    assert!(counts[1] < counts[0], "{counts:?}");
}

#[test]
fn a_tag_that_carries_only_short_commands_is_read_with_short_reads() {
    // The phone claims extended length, but the tag's transceive limit is the short one:
    // the transport reports short APDUs only and the reader keeps to ≤ 0xDF per read.
    let chip = EmulatedChip::td1_specimen().with_file(0x011E, large_ef_com()).with_max_read(4096);
    let mut transport = IsoDepTransport::new(FakeIsoDep::extended(chip).with_max(SHORT_APDU_MAX));
    assert_eq!(transport.capabilities(), Capabilities { extended_length: false, max_response_len: 258 });
    let doc = read(&mut transport, &can()).expect("read");
    assert_id_card(&doc);
    assert_eq!(doc.com.expect("EF.COM").data_groups, [1]);
    assert!(transport.link().sent.iter().all(|&len| len <= SHORT_APDU_MAX), "{:?}", transport.link().sent);
}

#[test]
fn an_oversized_command_is_refused_before_it_is_sent() {
    let mut transport = IsoDepTransport::new(FakeIsoDep::short(EmulatedChip::td1_specimen()).with_max(16));
    let err = transport.transmit(&[0u8; 17]).expect_err("17 bytes over a 16-byte link");
    let TransportError::Backend(source) = &err else { panic!("{err:?}") };
    assert_eq!(source.downcast_ref::<IsoDepError>(), Some(&IsoDepError::CommandTooLong { len: 17, max: 16 }));
    assert!(transport.link().sent.is_empty(), "nothing reached the tag");
    let text = transport.last_error().expect("kept").to_string();
    assert!(text.contains("17") && text.contains("16") && text.contains(" / "), "{text}");
    // The link still works for commands that fit.
    let answer = transport.transmit(&[0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00]).expect("SELECT MF");
    assert!(answer.len() >= 2);
}

#[test]
fn a_tag_too_small_for_pace_ends_the_read_with_the_typed_error() {
    // PACE's mapping step carries a 65-byte point: it does not fit 64 bytes.
    let mut transport = IsoDepTransport::new(FakeIsoDep::short(EmulatedChip::td1_specimen()).with_max(64));
    let err = read(&mut transport, &can()).expect_err("PACE cannot run");
    let ChipError::Transport(TransportError::Backend(source)) = &err else { panic!("{err:?}") };
    assert!(
        matches!(source.downcast_ref::<IsoDepError>(), Some(IsoDepError::CommandTooLong { max: 64, .. })),
        "{err:?}"
    );
    assert!(matches!(transport.last_error(), Some(IsoDepError::CommandTooLong { max: 64, .. })));
    assert!(transport.link().sent.iter().all(|&len| len <= 64));
}

#[test]
fn a_tag_lost_at_any_point_of_the_read_is_a_typed_error() {
    let mut whole = IsoDepTransport::new(FakeIsoDep::short(EmulatedChip::td1_specimen()));
    read(&mut whole, &can()).expect("read");
    let exchanges = whole.link().sent.len();
    for at in 0..exchanges {
        let mut transport = IsoDepTransport::new(FakeIsoDep::short(EmulatedChip::td1_specimen()).losing_tag_at(at));
        let err = read(&mut transport, &can()).expect_err("tag lost");
        assert!(matches!(err, ChipError::Transport(TransportError::CardRemoved)), "exchange {at}: {err:?}");
        assert_eq!(transport.last_error(), Some(&IsoDepError::CardMovedAway), "exchange {at}");
        assert_eq!(transport.link().sent.len(), at + 1, "nothing is sent after the tag is lost");
    }
    let text = IsoDepError::CardMovedAway.to_string();
    assert!(text.starts_with("картку") && text.ends_with("hold it still on the back of the tablet"), "{text}");
}

#[test]
fn another_link_failure_is_a_backend_error_naming_the_exception() {
    let failure = IsoDepError::Link { what: "java.lang.SecurityException".to_owned() };
    let mut transport =
        IsoDepTransport::new(FakeIsoDep::short(EmulatedChip::td1_specimen()).failing_at(3, failure.clone()));
    let err = read(&mut transport, &can()).expect_err("link failed");
    let ChipError::Transport(TransportError::Backend(source)) = &err else { panic!("{err:?}") };
    assert_eq!(source.downcast_ref::<IsoDepError>(), Some(&failure));
    assert!(transport.last_error().expect("kept").to_string().contains("SecurityException"));
}

#[test]
fn a_boxed_link_and_a_borrowed_link_are_links_too() {
    let mut fake = FakeIsoDep::short(EmulatedChip::td1_specimen());
    assert_id_card(&read(&mut IsoDepTransport::new(&mut fake), &can()).expect("borrowed"));
    assert!(!fake.sent.is_empty());
    let boxed: Box<dyn IsoDepLink> = Box::new(FakeIsoDep::short(EmulatedChip::td1_specimen()));
    let doc = read_document_with(IsoDepTransport::new(boxed), &can(), &mut SeededRandom::new(7)).expect("boxed");
    assert_id_card(&doc);
}
