//! The real PC/SC path: pcsc-lite, a reader driver and a card answering BAC and secure
//! messaging. In CI the reader is vsmartcard's `vpcd` and the card the Keis emulator
//! served by `scripts/virtual-card.sh start`; on a laptop, put the specimen on a reader.
//! Without a reader this test fails, unless `KEIS_SKIP_PCSC=1` says to skip it.
#![cfg(feature = "pcsc")]

use keis_device::chip::pcsc::{PcscCard, list_readers};
use keis_device::chip::{AccessKey, AccessProtocol, ChipError, MrzFormat, MrzKey, read_document};

fn skip_requested() -> bool {
    std::env::var("KEIS_SKIP_PCSC").is_ok_and(|v| v == "1")
}

fn connect() -> Option<PcscCard> {
    let readers = list_readers();
    let reader = std::env::var("KEIS_PCSC_READER").ok();
    match (readers, PcscCard::connect(reader.as_deref())) {
        (_, Ok(card)) => Some(card),
        (readers, Err(e)) if skip_requested() => {
            eprintln!("skipping the PC/SC test (KEIS_SKIP_PCSC=1): {e}; readers: {readers:?}");
            None
        }
        (readers, Err(e)) => panic!(
            "no card reachable through PC/SC: {e} (readers: {readers:?}). Start the virtual card with \
             `sudo scripts/virtual-card.sh start`, or set KEIS_SKIP_PCSC=1 to skip this test"
        ),
    }
}

#[test]
fn the_specimen_passport_reads_through_pcsc_with_bac() {
    let Some(card) = connect() else { return };
    let key: AccessKey = MrzKey::new("L898902C", "690806", "940623").expect("valid key").into();
    let doc = read_document(card, &key).expect("the specimen reads through PC/SC");
    assert_eq!(doc.access, AccessProtocol::Bac);
    assert_eq!(doc.mrz.format, MrzFormat::Td3);
    assert_eq!(doc.mrz.document_number, "L898902C");
    assert_eq!(doc.mrz.primary_identifier, "ERIKSSON");
    assert_eq!(doc.mrz.secondary_identifier, "ANNA MARIX");
    assert_eq!((doc.mrz.date_of_birth.as_str(), doc.mrz.date_of_expiry.as_str()), ("690806", "940623"));

    // The same reader refuses a wrong MRZ with the user-facing error.
    let Some(card) = connect() else { return };
    let wrong: AccessKey = MrzKey::new("L898902C", "690806", "940624").expect("well-formed").into();
    assert!(matches!(read_document(card, &wrong), Err(ChipError::AccessDenied)));
}
