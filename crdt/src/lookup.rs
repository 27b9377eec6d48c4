//! The citizen's status lookup code: eight digits printed on the signed application, which
//! together with the case number let the citizen ask the server how the application
//! stands, without an account.
//!
//! The code is `SHA-256("keis-lookup-v1" ‖ device signature bytes)` of the first applicant
//! signature (by record id), read as a number modulo 10⁸. The device signature is an
//! Ed25519 signature nobody can predict before signing, so the code is unguessable from
//! the case number; it does not change once printed, as a signature record is never
//! edited. An application nobody signed has no printed copy, and no code.

use sha2::{Digest, Sha256};

use crate::Case;

/// The domain tag of the code's hash.
pub const LOOKUP_DOMAIN: &[u8] = b"keis-lookup-v1";

/// The lookup code of `case`: eight digits, or `None` if the applicant has not signed
/// (no applicant signature with a device signature in hex).
pub fn lookup_code(case: &Case) -> Option<String> {
    let signature = case.signatures.values().find(|s| s.signer == "applicant")?;
    let bytes = hex::decode(signature.device_signature.trim()).ok().filter(|b| !b.is_empty())?;
    let mut h = Sha256::new();
    h.update(LOOKUP_DOMAIN);
    h.update(&bytes);
    let d = h.finalize();
    let n = u64::from_be_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]]) % 100_000_000;
    Some(format!("{n:08}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{RecordMap, Signature};

    fn signature(id: &str, signer: &str, device_signature: &str) -> Signature {
        Signature {
            id: id.into(),
            signer: signer.into(),
            device_signature: device_signature.into(),
            ..Signature::default()
        }
    }

    #[test]
    fn the_code_comes_from_the_first_applicant_signature() {
        let mut case = Case::default();
        assert_eq!(lookup_code(&case), None, "unsigned");
        case.signatures.add(signature("s1", "staff", "aa"));
        assert_eq!(lookup_code(&case), None, "only staff signed");
        case.signatures.add(signature("s3", "applicant", "0102"));
        let code = lookup_code(&case).expect("signed");
        assert_eq!(code.len(), 8);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
        let mut h = Sha256::new();
        h.update(b"keis-lookup-v1");
        h.update([1u8, 2]);
        let d = h.finalize();
        let want = u64::from_be_bytes(d[..8].try_into().expect("8 bytes")) % 100_000_000;
        assert_eq!(code, format!("{want:08}"));
        // A signature with a smaller id comes first.
        case.signatures.add(signature("s2", "applicant", "0103"));
        assert_ne!(lookup_code(&case), Some(code));
    }

    #[test]
    fn an_unreadable_device_signature_gives_no_code() {
        let mut case = Case::default();
        case.signatures.add(signature("s1", "applicant", ""));
        assert_eq!(lookup_code(&case), None);
        case.signatures.add(signature("s1", "applicant", "not hex"));
        assert_eq!(lookup_code(&case), None);
    }
}
