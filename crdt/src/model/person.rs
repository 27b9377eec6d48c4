//! People in a case: the applicant and the household, with their identity documents and
//! addresses. Stored leniently (strings, as typed or read from a chip) so that any document
//! a peer sends can be read; [`Person::validate`] says what is wrong and where.

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use super::atomic::atomic_record;

use crate::validate::{self, Date, FieldError, Problems, ValidationError};

/// Codes for [`Person::sex`].
pub const SEXES: &[&str] = &["F", "M"];
/// Codes for [`IdentityDocument::kind`].
pub const ID_DOCUMENT_KINDS: &[&str] =
    &["id_card", "passport_booklet", "foreign_passport", "birth_certificate", "residence_permit", "other"];
/// Codes for [`Member::relation`].
pub const RELATIONS: &[&str] = &["spouse", "child", "parent", "sibling", "grandchild", "grandparent", "ward", "other"];

/// A person: a map of fields in the document, so concurrent edits of different fields
/// (one device fixes the phone, another the patronymic) both survive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(default)]
pub struct Person {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub surname: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub given_name: String,
    /// Empty when the person has none.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub patronymic: String,
    /// `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub birth_date: String,
    /// `F` or `M`, as in the identity document.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub sex: String,
    /// `None` for a person who refused the number on religious grounds (a mark in the
    /// passport) or a child who has none yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rnokpp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unzr: Option<String>,
    pub document: IdentityDocument,
    pub registered_address: Address,
    /// `None` when the person lives at the registered address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual_address: Option<Address>,
    /// Normalised `+380XXXXXXXXX`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

atomic_record!(IdentityDocument, Address);

/// An identity document, captured at once (typed from the document or read from the chip):
/// stored as one value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IdentityDocument {
    /// One of [`ID_DOCUMENT_KINDS`].
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub number: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub issuer: String,
    /// `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub issued_on: String,
    /// `YYYY-MM-DD`; `None` for documents without expiry (a booklet passport).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<String>,
}

/// An address: one value, an address is one fact.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Address {
    /// KATOTTG code of the settlement.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub katottg: String,
    /// Street, building, apartment, as written.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub line: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
}

/// A member of the applicant's household.
#[derive(Debug, Clone, Default, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Member {
    #[key]
    pub id: String,
    /// One of [`RELATIONS`]: how the member is related to the applicant.
    pub relation: String,
    pub person: Person,
}

impl Person {
    /// The full name as printed on documents: surname, given name, patronymic.
    pub fn full_name(&self) -> String {
        [&self.surname, &self.given_name, &self.patronymic]
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Every problem of this record, with field paths under `prefix`.
    pub fn validate(&self, prefix: &str) -> Vec<ValidationError> {
        let mut p = Problems::new(prefix);
        p.check("surname", validate::required(&self.surname));
        p.check("given_name", validate::required(&self.given_name));
        let born = p.check("birth_date", Date::parse_iso(&self.birth_date));
        p.check("sex", validate::one_of(&self.sex, SEXES, "F, M"));
        if let Some(n) = &self.rnokpp {
            p.check("rnokpp", validate::rnokpp(n, born));
        }
        if let Some(n) = &self.unzr {
            p.check("unzr", validate::unzr(n, born));
        }
        if let Some(n) = &self.phone {
            p.check("phone", validate::phone(n));
        }
        let mut problems = p.into_vec();
        problems.extend(self.document.validate(&join(prefix, "document")));
        problems.extend(self.registered_address.validate(&join(prefix, "registered_address")));
        if let Some(a) = &self.actual_address {
            problems.extend(a.validate(&join(prefix, "actual_address")));
        }
        problems
    }
}

impl IdentityDocument {
    pub fn validate(&self, prefix: &str) -> Vec<ValidationError> {
        let mut p = Problems::new(prefix);
        p.check(
            "kind",
            validate::one_of(
                &self.kind,
                ID_DOCUMENT_KINDS,
                "id_card, passport_booklet, foreign_passport, birth_certificate, residence_permit, other",
            ),
        );
        p.check("number", validate::required(&self.number));
        let issued = p.check("issued_on", Date::parse_iso(&self.issued_on));
        let expires = self.expires_on.as_ref().and_then(|e| p.check("expires_on", Date::parse_iso(e)));
        if let (Some(expires), Some(issued)) = (expires, issued)
            && expires < issued
        {
            p.check::<()>("expires_on", Err(FieldError::EndBeforeStart));
        }
        p.into_vec()
    }
}

impl Address {
    pub fn validate(&self, prefix: &str) -> Vec<ValidationError> {
        let mut p = Problems::new(prefix);
        p.check("katottg", validate::katottg(&self.katottg));
        p.check("line", validate::required(&self.line));
        p.into_vec()
    }
}

impl Member {
    pub fn validate(&self, prefix: &str) -> Vec<ValidationError> {
        let mut p = Problems::new(prefix);
        p.check(
            "relation",
            validate::one_of(
                &self.relation,
                RELATIONS,
                "spouse, child, parent, sibling, grandchild, grandparent, ward, other",
            ),
        );
        let mut problems = p.into_vec();
        problems.extend(self.person.validate(prefix));
        problems
    }
}

fn join(prefix: &str, field: &str) -> String {
    if prefix.is_empty() { field.to_owned() } else { format!("{prefix}.{field}") }
}
