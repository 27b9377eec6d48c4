//! The shipped CSCA-UKRAINE certificates load, parse leniently (the 2015 one has a BER
//! BasicConstraints quirk) as CA certificates for UA, and their signatures verify: the two
//! roots by themselves, the 2020 link certificate by the 2015 key (real RSA-4096).

use std::path::Path;

use keis_device::chip::CscaStore;
use keis_device::chip::pki::{Certificate, SignatureError};

fn shipped() -> CscaStore {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/csca");
    CscaStore::load_dir(&dir).expect("assets/csca loads")
}

fn by_file(name: &str) -> Certificate {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/csca/UA").join(name);
    Certificate::parse(&std::fs::read(path).expect("readable")).expect("parses")
}

#[test]
fn the_ukrainian_cscas_load_as_ca_certificates_for_ua() {
    let store = shipped();
    assert_eq!(store.certificates().len(), 3);
    assert_eq!(store.for_country("UA").len(), 3);
    for cert in store.certificates() {
        assert_eq!(cert.common_name().as_deref(), Some("CSCA-UKRAINE"));
        assert_eq!(cert.is_ca, Some(true), "{cert:?} is a CA");
        assert!(cert.is_self_issued());
        assert_eq!(cert.public_key.algorithm.name(), "1.2.840.113549.1.1.1");
    }
    assert_eq!(CscaStore::bundled(), store, "the compiled-in certificates are the shipped files");
}

#[test]
fn the_2015_certificate_with_its_ber_quirk_is_read() {
    let cert = by_file("CSCA-UKRAINE_2015.der");
    // BasicConstraints { cA BOOLEAN 01, pathLen 0 }: not DER, still a CA.
    let quirk = [0x30, 0x06, 0x01, 0x01, 0x01, 0x02, 0x01, 0x00];
    assert!(cert.der.windows(quirk.len()).any(|w| w == quirk));
    assert_eq!(cert.is_ca, Some(true));
    assert_eq!((cert.not_before.as_str(), cert.not_after.as_str()), ("150324125740Z", "300624125740Z"));
}

#[test]
fn the_csca_signatures_verify_and_the_link_joins_the_two_keys() {
    let (old, new, link) =
        (by_file("CSCA-UKRAINE_2015.der"), by_file("CSCA-UKRAINE_2020.der"), by_file("CSCA-UKRAINE_2020_link.der"));
    assert_eq!(old.verify_signed_by(&old), Ok(()));
    assert_eq!(new.verify_signed_by(&new), Ok(()));
    assert_eq!(link.verify_signed_by(&old), Ok(()));
    assert_eq!(link.public_key, new.public_key);
    assert_eq!(link.verify_signed_by(&new), Err(SignatureError::Invalid));
}

#[test]
fn damaged_certificates_are_errors_never_panics() {
    let der = by_file("CSCA-UKRAINE_2015.der").der;
    for cut in 0..der.len() {
        assert!(Certificate::parse(der.get(..cut).unwrap_or_default()).is_err(), "cut at {cut}");
    }
    let genuine = by_file("CSCA-UKRAINE_2015.der");
    for at in (0..der.len()).step_by(3) {
        let mut damaged = der.clone();
        if let Some(b) = damaged.get_mut(at) {
            *b ^= 0x5A;
        }
        // Either unreadable, or read with a signature that no longer verifies.
        if let Ok(cert) = Certificate::parse(&damaged)
            && cert.der == damaged
        {
            assert!(cert.verify_signed_by(&genuine).is_err(), "byte {at} changed undetected");
        }
    }
}
