//! X.509 certificates as passive authentication needs them: the signed TBS bytes, names,
//! validity, public key, key identifiers and whether it is a CA. Parsing is lenient about
//! encodings (the 2015 CSCA-UKRAINE certificate encodes BasicConstraints cA as `01`).

use super::der::{self, DerError, Element, INTEGER, OCTET_STRING, OID, Oid, Reader, SEQUENCE, SET};

/// An algorithm identifier: OID content bytes and the raw parameters, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlgorithmId {
    pub oid: Oid,
    pub params: Option<Vec<u8>>,
}

impl AlgorithmId {
    pub(crate) fn parse(el: Element<'_>, what: &'static str) -> Result<Self, DerError> {
        let mut r = el.check(SEQUENCE, what)?.children(what);
        let oid = r.expect(OID)?.value.to_vec();
        let params = if r.is_empty() {
            None
        } else {
            let p = r.next()?;
            (p.tag != 0x05).then(|| p.raw.to_vec())
        };
        Ok(Self { oid, params })
    }

    /// The OID in dotted form.
    pub fn name(&self) -> String {
        der::oid_text(&self.oid)
    }
}

/// A subject public key: its algorithm and the key bits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKeyInfo {
    pub algorithm: AlgorithmId,
    pub key: Vec<u8>,
}

/// A parsed certificate. Holds only public data of authorities.
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    /// The whole certificate as encoded.
    pub der: Vec<u8>,
    pub(crate) tbs: Vec<u8>,
    pub signature_algorithm: AlgorithmId,
    pub(crate) signature: Vec<u8>,
    pub serial: Vec<u8>,
    pub(crate) issuer: Vec<u8>,
    pub(crate) subject: Vec<u8>,
    /// Validity as encoded (`YYMMDDHHMMSSZ` or `YYYYMMDDHHMMSSZ`).
    pub not_before: String,
    pub not_after: String,
    pub public_key: PublicKeyInfo,
    /// BasicConstraints cA, if the extension is present (read leniently).
    pub is_ca: Option<bool>,
    pub subject_key_id: Option<Vec<u8>>,
    pub authority_key_id: Option<Vec<u8>>,
}

impl std::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject_text())
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

const WHAT: &str = "certificate";

fn time(el: Element<'_>) -> String {
    String::from_utf8_lossy(el.value).into_owned()
}

/// The attributes of a Name: (type OID, value as text).
fn name_attributes(name: &[u8]) -> Vec<(Oid, String)> {
    let Ok(seq) = Element::expect(name, SEQUENCE, "name") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for rdn in seq.children("name").rest().unwrap_or_default().into_iter().filter(|e| e.tag == SET) {
        for atv in rdn.children("name").rest().unwrap_or_default() {
            let mut r = atv.children("name");
            if let (Ok(oid), Ok(value)) = (r.expect(OID), r.next()) {
                out.push((oid.value.to_vec(), String::from_utf8_lossy(value.value).into_owned()));
            }
        }
    }
    out
}

/// Names compared as their attributes, ignoring string types and case: the SOD
/// signer-info issuer of Ukrainian documents is encoded differently from the certificate.
pub(crate) fn names_match(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return true;
    }
    let norm = |n: &[u8]| {
        let mut attrs: Vec<(Oid, String)> =
            name_attributes(n).into_iter().map(|(o, v)| (o, v.trim().to_lowercase())).collect();
        attrs.sort();
        attrs
    };
    let (na, nb) = (norm(a), norm(b));
    !na.is_empty() && na == nb
}

impl Certificate {
    /// Parses a DER certificate (trailing bytes ignored).
    pub fn parse(bytes: &[u8]) -> Result<Self, DerError> {
        let cert = Element::expect(bytes, SEQUENCE, WHAT)?;
        let mut r = cert.children(WHAT);
        let tbs = r.expect(SEQUENCE)?;
        let signature_algorithm = AlgorithmId::parse(r.next()?, WHAT)?;
        let signature = r.next()?.bit_string(WHAT)?.to_vec();
        let mut t = tbs.children(WHAT);
        t.optional(0xA0)?;
        let serial = t.expect(INTEGER)?.value.to_vec();
        // The signed copy of the algorithm must name the same algorithm as the outer one.
        if AlgorithmId::parse(t.expect(SEQUENCE)?, WHAT)?.oid != signature_algorithm.oid {
            return Err(DerError::Unexpected { what: WHAT });
        }
        let issuer = t.expect(SEQUENCE)?.raw.to_vec();
        let mut validity = t.expect(SEQUENCE)?.children(WHAT);
        let (not_before, not_after) = (time(validity.next()?), time(validity.next()?));
        let subject = t.expect(SEQUENCE)?.raw.to_vec();
        let mut spki = t.expect(SEQUENCE)?.children(WHAT);
        let algorithm = AlgorithmId::parse(spki.next()?, WHAT)?;
        let key = spki.next()?.bit_string(WHAT)?.to_vec();
        t.optional(0x81)?;
        t.optional(0x82)?;
        let mut out = Self {
            der: cert.raw.to_vec(),
            tbs: tbs.raw.to_vec(),
            signature_algorithm,
            signature,
            serial,
            issuer,
            subject,
            not_before,
            not_after,
            public_key: PublicKeyInfo { algorithm, key },
            is_ca: None,
            subject_key_id: None,
            authority_key_id: None,
        };
        if let Some(exts) = t.optional(0xA3)? {
            let list = Element::expect(exts.value, SEQUENCE, WHAT)?;
            for ext in list.children(WHAT).rest()? {
                out.apply_extension(ext)?;
            }
        }
        Ok(out)
    }

    fn apply_extension(&mut self, ext: Element<'_>) -> Result<(), DerError> {
        let mut r = ext.children(WHAT);
        let id = r.expect(OID)?.value;
        r.optional(0x01)?;
        let value = r.expect(OCTET_STRING)?.value;
        if id == der::oid("2.5.29.19") {
            // BasicConstraints { cA BOOLEAN DEFAULT FALSE, ... }: any non-zero byte is true.
            let seq = Element::expect(value, SEQUENCE, WHAT)?;
            let ca = seq.children(WHAT).optional(0x01)?;
            self.is_ca = Some(ca.is_some_and(|b| b.value.iter().any(|&v| v != 0)));
        } else if id == der::oid("2.5.29.14") {
            self.subject_key_id = Some(Element::expect(value, OCTET_STRING, WHAT)?.value.to_vec());
        } else if id == der::oid("2.5.29.35") {
            let seq = Element::expect(value, SEQUENCE, WHAT)?;
            self.authority_key_id = seq.children(WHAT).optional(0x80)?.map(|k| k.value.to_vec());
        }
        Ok(())
    }

    /// The subject's country (attribute C), e.g. `UA`.
    pub fn country(&self) -> Option<String> {
        name_attributes(&self.subject).into_iter().find(|(o, _)| *o == der::oid("2.5.4.6")).map(|(_, v)| v)
    }

    /// The subject's common name (attribute CN), e.g. `CSCA-UKRAINE`.
    pub fn common_name(&self) -> Option<String> {
        name_attributes(&self.subject).into_iter().find(|(o, _)| *o == der::oid("2.5.4.3")).map(|(_, v)| v)
    }

    /// The subject as `C=UA, O=…, CN=…` (authorities only; never a person).
    pub fn subject_text(&self) -> String {
        render_name(&self.subject)
    }

    pub fn issuer_text(&self) -> String {
        render_name(&self.issuer)
    }

    /// Whether `self` names `issuer` as its issuer (by name or by key identifier).
    pub(crate) fn may_be_issued_by(&self, issuer: &Certificate) -> bool {
        let by_key = match (&self.authority_key_id, &issuer.subject_key_id) {
            (Some(a), Some(s)) => Some(a == s),
            _ => None,
        };
        by_key.unwrap_or(false) || (by_key.is_none() && names_match(&self.issuer, &issuer.subject))
    }

    /// Checks this certificate's signature with `issuer`'s public key.
    pub fn verify_signed_by(&self, issuer: &Certificate) -> Result<(), super::SignatureError> {
        super::verify::verify(&self.signature_algorithm, None, &issuer.public_key, &self.tbs, &self.signature)
    }

    /// Whether subject and issuer are the same name (a root or a link certificate).
    pub fn is_self_issued(&self) -> bool {
        names_match(&self.subject, &self.issuer)
    }

    pub(crate) fn issuer_raw(&self) -> &[u8] {
        &self.issuer
    }

    pub(crate) fn serial_matches(&self, serial: &[u8]) -> bool {
        strip_zeros(&self.serial) == strip_zeros(serial)
    }
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let skip = b.iter().take(b.len().saturating_sub(1)).take_while(|&&x| x == 0).count();
    b.get(skip..).unwrap_or(b)
}

fn render_name(name: &[u8]) -> String {
    let label = |o: &[u8]| match der::oid_text(o).as_str() {
        "2.5.4.6" => "C".to_owned(),
        "2.5.4.10" => "O".to_owned(),
        "2.5.4.11" => "OU".to_owned(),
        "2.5.4.3" => "CN".to_owned(),
        "2.5.4.5" => "serialNumber".to_owned(),
        "2.5.4.7" => "L".to_owned(),
        other => other.to_owned(),
    };
    name_attributes(name).iter().map(|(o, v)| format!("{}={v}", label(o))).collect::<Vec<_>>().join(", ")
}

/// Reads certificates from a SET/SEQUENCE of them, skipping entries that do not parse.
pub(crate) fn parse_many(reader: Reader<'_>) -> Vec<Certificate> {
    let parsed = reader.rest().unwrap_or_default().into_iter().map(|el| Certificate::parse(el.raw));
    parsed
        .filter_map(|c| c.map_err(|e| tracing::debug!(error = %e, "skipping an unreadable certificate")).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_an_error() {
        assert!(Certificate::parse(&[]).is_err());
        assert!(Certificate::parse(&[0x30, 0x03, 0x30, 0x01, 0x00]).is_err());
        assert!(Certificate::parse(&[0x30, 0x82, 0xFF]).is_err());
    }
}
