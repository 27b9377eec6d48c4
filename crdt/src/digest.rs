//! The canonical content digest: SHA-256 over exactly the fields an applicant signs, in a
//! fixed order and an unambiguous encoding. A signature binds to this digest, not to the
//! Automerge heads, which move with every unrelated edit (a note, a sync of a visit). A
//! merged edit that changes signed content changes the digest, and the signature then
//! reads "content changed after signing".
//!
//! Signed: case id, number, kind and hromada; every field of the applicant; every household
//! member (by id) with their relation and fields; the requested service codes; the
//! attached documents (kind and SHA-256). Not signed: workflow events, notes, resolutions,
//! chip reads, other signatures, capture metadata.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::model::{Address, Case, IdentityDocument, Person, Signature};

const DOMAIN: &[u8] = b"keis-case-content/1";

/// SHA-256 of the signed content of a case.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContentDigest(pub [u8; 32]);

impl ContentDigest {
    pub fn of(case: &Case) -> Self {
        let mut w = Writer(Sha256::new());
        w.bytes(DOMAIN);
        w.str(&case.id);
        w.str(&case.number);
        w.str(&case.kind);
        w.str(&case.hromada);
        w.person(&case.applicant);
        let mut members: Vec<_> = case.household.iter().collect();
        members.sort_by(|a, b| a.id.cmp(&b.id));
        w.count(members.len());
        for m in members {
            w.str(&m.id);
            w.str(&m.relation);
            w.person(&m.person);
        }
        let mut services: Vec<&str> = case.service_codes().collect();
        services.sort_unstable();
        services.dedup();
        w.count(services.len());
        services.into_iter().for_each(|s| w.str(s));
        let mut docs: Vec<(&str, &str)> =
            case.attachments.values().map(|a| (a.kind.as_str(), a.sha256.as_str())).collect();
        docs.sort_unstable();
        docs.dedup();
        w.count(docs.len());
        for (kind, sha) in docs {
            w.str(kind);
            w.str(&sha.to_ascii_lowercase());
        }
        Self(w.0.finalize().into())
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Debug for ContentDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContentDigest({})", self.to_hex())
    }
}

impl fmt::Display for ContentDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// Whether a signature still covers the case as it is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureState {
    /// The signed content is unchanged.
    Valid,
    /// Signed content was edited after signing (here or on another device, then merged).
    ContentChanged,
}

impl SignatureState {
    pub fn label_uk(self) -> &'static str {
        match self {
            Self::Valid => "Підпис дійсний",
            Self::ContentChanged => "Зміст змінено після підписання",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Valid => "Signature valid",
            Self::ContentChanged => "Content changed after signing",
        }
    }
}

/// The state of `signature` against the current content of `case`.
pub fn signature_state(case: &Case, signature: &Signature) -> SignatureState {
    signature_state_for(&ContentDigest::of(case), signature)
}

/// As [`signature_state`], with the digest computed once for many signatures.
pub fn signature_state_for(current: &ContentDigest, signature: &Signature) -> SignatureState {
    if signature.content_digest.eq_ignore_ascii_case(&current.to_hex()) {
        SignatureState::Valid
    } else {
        SignatureState::ContentChanged
    }
}

/// Length-prefixed fields: no two different contents encode the same.
struct Writer(Sha256);

impl Writer {
    fn bytes(&mut self, b: &[u8]) {
        self.0.update((b.len() as u64).to_be_bytes());
        self.0.update(b);
    }

    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    fn opt(&mut self, s: Option<&str>) {
        match s {
            None => self.0.update([0]),
            Some(s) => {
                self.0.update([1]);
                self.str(s);
            }
        }
    }

    fn count(&mut self, n: usize) {
        self.0.update((n as u64).to_be_bytes());
    }

    fn person(&mut self, p: &Person) {
        for s in [&p.surname, &p.given_name, &p.patronymic, &p.birth_date, &p.sex] {
            self.str(s);
        }
        self.opt(p.rnokpp.as_deref());
        self.opt(p.unzr.as_deref());
        self.document(&p.document);
        self.address(&p.registered_address);
        match &p.actual_address {
            None => self.0.update([0]),
            Some(a) => {
                self.0.update([1]);
                self.address(a);
            }
        }
        self.opt(p.phone.as_deref());
    }

    fn document(&mut self, d: &IdentityDocument) {
        for s in [&d.kind, &d.number, &d.issuer, &d.issued_on] {
            self.str(s);
        }
        self.opt(d.expires_on.as_deref());
    }

    fn address(&mut self, a: &Address) {
        self.str(&a.katottg);
        self.str(&a.line);
        self.opt(a.postcode.as_deref());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Attachment, Member, Note, RecordMap, RequestedService};

    fn sample() -> Case {
        let mut c =
            Case { id: "case-1".into(), number: "001".into(), kind: "application".into(), ..Default::default() };
        c.applicant.surname = "Петренко".into();
        c.applicant.given_name = "Оксана".into();
        c.household.push(Member { id: "m1".into(), relation: "child".into(), ..Default::default() });
        c.household.push(Member { id: "m2".into(), relation: "spouse".into(), ..Default::default() });
        c.services.add(RequestedService { id: "s1".into(), code: "housing_subsidy".into() });
        c.attachments.add(Attachment {
            id: "a1".into(),
            kind: "identity_document".into(),
            sha256: "AB".repeat(32),
            ..Default::default()
        });
        c
    }

    fn a1(c: &mut Case) -> &mut Attachment {
        c.attachments.get_mut("a1").expect("sample attachment")
    }

    #[test]
    fn signed_fields_change_the_digest_and_others_do_not() {
        let base = ContentDigest::of(&sample());
        let changed: Vec<(&str, fn(&mut Case))> = vec![
            ("surname", |c| c.applicant.surname.push('о')),
            ("patronymic", |c| c.applicant.patronymic = "Іванівна".into()),
            ("rnokpp none→empty", |c| c.applicant.rnokpp = Some(String::new())),
            ("actual address", |c| c.applicant.actual_address = Some(Address::default())),
            ("member relation", |c| c.household[0].relation = "ward".into()),
            ("member removed", |c| {
                c.household.pop();
            }),
            ("service added", |c| {
                c.services.add(RequestedService { id: "s2".into(), code: "utility_benefits".into() })
            }),
            ("attachment replaced", |c| a1(c).sha256 = "cd".repeat(32)),
            ("hromada", |c| c.hromada = "UA1".into()),
        ];
        for (what, edit) in changed {
            let mut c = sample();
            edit(&mut c);
            assert_ne!(ContentDigest::of(&c), base, "{what} must be signed");
        }
        let unchanged: Vec<(&str, fn(&mut Case))> = vec![
            ("note", |c| c.notes.add(Note { id: "n".into(), text: "візит".into(), ..Default::default() })),
            ("member order", |c| c.household.reverse()),
            ("attachment hash case", |c| a1(c).sha256.make_ascii_lowercase()),
            ("capture time", |c| a1(c).captured_at = 5),
            ("duplicate service", |c| {
                c.services.add(RequestedService { id: "s9".into(), code: "housing_subsidy".into() })
            }),
        ];
        for (what, edit) in unchanged {
            let mut c = sample();
            edit(&mut c);
            assert_eq!(ContentDigest::of(&c), base, "{what} is not signed content");
        }
    }

    #[test]
    fn field_boundaries_are_unambiguous() {
        let mut a = sample();
        let mut b = sample();
        a.applicant.surname = "Ан".into();
        a.applicant.given_name = "на".into();
        b.applicant.surname = "Анн".into();
        b.applicant.given_name = "а".into();
        assert_ne!(ContentDigest::of(&a), ContentDigest::of(&b));
    }

    #[test]
    fn a_signature_reports_content_changed() {
        let mut case = sample();
        let sig = Signature { content_digest: ContentDigest::of(&case).to_hex().to_uppercase(), ..Default::default() };
        assert_eq!(signature_state(&case, &sig), SignatureState::Valid);
        case.applicant.given_name = "Олена".into();
        assert_eq!(signature_state(&case, &sig), SignatureState::ContentChanged);
    }
}
