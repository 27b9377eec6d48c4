//! The new-application wizard as a pure state machine: choose services, take the
//! applicant's data (from the ID card chip or typed, validated as it is typed), household
//! members, document scans assigned to the required documents, the applicant's signature,
//! review, submit. Works offline: it only needs the catalogue.

use std::collections::{BTreeMap, BTreeSet};

use keis_crdt::validate::{self, Date, FieldError};
use keis_crdt::{Catalogue, Member, Person};

mod steps;

pub use steps::{Field, Step};

/// What the chip of an ID card gave, shown next to the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipData {
    pub person: Person,
    /// The face photo as a `data:` URL.
    pub photo: Option<String>,
    /// Whether passive/chip authentication succeeded, with the reason when not.
    pub verified: bool,
    pub verdict: String,
    /// How the chip was opened: `PACE` or `BAC`.
    pub access: String,
    /// Passive authentication as recorded in the case: `passed`, `partial` (the data is
    /// the chip's but its issuer could not be traced to a known CSCA), `failed`, or
    /// `not_checked`.
    pub outcome: String,
}

/// A captured document scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    pub id: String,
    pub sha256: String,
    pub mime: String,
    pub size: u64,
    /// A small preview as a `data:` URL.
    pub thumbnail: String,
    /// The document kind it provides, once assigned.
    pub document: Option<String>,
}

/// One line of the required-documents checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecklistItem {
    pub document: String,
    pub done: bool,
}

/// Why the wizard cannot go on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WizardError {
    #[error("оберіть хоча б одну послугу / choose at least one service")]
    NoServices,
    #[error("виправте дані заявника / correct the applicant's data")]
    InvalidApplicant(Vec<(Field, FieldError)>),
    #[error("заповніть дані члена сім'ї {0} / complete household member {0}")]
    InvalidMember(usize),
    #[error("заявник ще не підписав заяву / the applicant has not signed yet")]
    NotSigned,
    /// What was drawn is not a signature (too short, too small).
    #[error("{uk} / {en}")]
    BadSignature { uk: &'static str, en: &'static str },
    #[error("заяву вже подано / the application was already submitted")]
    AlreadySubmitted,
}

/// A stroke of the signature pad: points in pad coordinates.
pub type Stroke = Vec<(f32, f32)>;

/// Everything the wizard collected, for the case service to turn into a case.
#[derive(Debug, Clone, PartialEq)]
pub struct NewApplication {
    pub services: Vec<String>,
    pub applicant: Person,
    pub household: Vec<Member>,
    pub chip: Option<ChipData>,
    pub scans: Vec<Scan>,
    pub signature: Vec<Stroke>,
}

/// The wizard's state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Wizard {
    step: Option<Step>,
    services: BTreeSet<String>,
    fields: BTreeMap<Field, String>,
    chip: Option<ChipData>,
    household: Vec<Member>,
    scans: Vec<Scan>,
    signature: Vec<Stroke>,
}

impl Wizard {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn step(&self) -> Step {
        self.step.unwrap_or(Step::Services)
    }

    pub fn services(&self) -> &BTreeSet<String> {
        &self.services
    }

    /// Adds the service if not chosen, removes it if chosen.
    pub fn toggle_service(&mut self, code: &str) {
        if !self.services.remove(code) {
            self.services.insert(code.to_owned());
        }
    }

    /// The documents the chosen services need, ticked when a scan provides them.
    pub fn checklist(&self, catalogue: &Catalogue) -> Vec<ChecklistItem> {
        let have: BTreeSet<&str> = self.scans.iter().filter_map(|s| s.document.as_deref()).collect();
        catalogue
            .required_for(self.services.iter().map(String::as_str))
            .into_keys()
            .map(|document| ChecklistItem { done: have.contains(document.as_str()), document })
            .collect()
    }

    pub fn value(&self, field: Field) -> &str {
        self.fields.get(&field).map_or("", String::as_str)
    }

    pub fn set(&mut self, field: Field, value: &str) {
        self.fields.insert(field, value.to_owned());
    }

    /// The problem with a field as typed so far. An empty optional field is fine; an empty
    /// required field is only reported by [`Wizard::advance`], not while typing.
    pub fn field_error(&self, field: Field) -> Option<FieldError> {
        let v = self.value(field).trim();
        if v.is_empty() {
            return None;
        }
        let born = Date::parse_iso(self.value(Field::BirthDate).trim()).ok();
        match field {
            Field::BirthDate => Date::parse_iso(v).err(),
            Field::Sex => validate::one_of(v, keis_crdt::model::SEXES, "F, M").err(),
            Field::Rnokpp => validate::rnokpp(v, born).err(),
            Field::Unzr => validate::unzr(v, born).err(),
            Field::Phone => validate::phone(v).err(),
            Field::DocumentIssued => Date::parse_iso(v).err(),
            Field::Katottg => validate::katottg(v).err(),
            Field::Surname | Field::GivenName | Field::Patronymic | Field::DocumentNumber | Field::AddressLine => None,
        }
    }

    fn applicant_problems(&self) -> Vec<(Field, FieldError)> {
        let required = Field::REQUIRED;
        Field::ALL
            .into_iter()
            .filter_map(|f| {
                let missing = required.contains(&f) && self.value(f).trim().is_empty();
                if missing { Some((f, FieldError::Required)) } else { self.field_error(f).map(|e| (f, e)) }
            })
            .collect()
    }

    /// Fills the form from a chip read (what the chip holds; typed values stay where it has
    /// none) and keeps the read (photo, verdict) for review.
    pub fn fill_from_chip(&mut self, chip: ChipData) {
        let p = &chip.person;
        for (field, value) in [
            (Field::Surname, &p.surname),
            (Field::GivenName, &p.given_name),
            (Field::Patronymic, &p.patronymic),
            (Field::BirthDate, &p.birth_date),
            (Field::Sex, &p.sex),
            (Field::DocumentNumber, &p.document.number),
            (Field::DocumentIssued, &p.document.issued_on),
            (Field::Katottg, &p.registered_address.katottg),
            (Field::AddressLine, &p.registered_address.line),
        ] {
            if !value.trim().is_empty() {
                self.set(field, value);
            }
        }
        if let Some(n) = &p.rnokpp {
            self.set(Field::Rnokpp, n);
        }
        if let Some(n) = &p.unzr {
            self.set(Field::Unzr, n);
        }
        self.chip = Some(chip);
    }

    pub fn chip(&self) -> Option<&ChipData> {
        self.chip.as_ref()
    }

    pub fn household(&self) -> &[Member] {
        &self.household
    }

    /// Adds a household member; returns its index.
    pub fn add_member(&mut self, member: Member) -> usize {
        self.household.push(member);
        self.household.len() - 1
    }

    pub fn remove_member(&mut self, index: usize) {
        if index < self.household.len() {
            self.household.remove(index);
        }
    }

    pub fn scans(&self) -> &[Scan] {
        &self.scans
    }

    pub fn add_scan(&mut self, scan: Scan) {
        self.scans.push(scan);
    }

    /// Replaces a scan by a new capture, keeping its assignment.
    pub fn retake(&mut self, id: &str, mut new: Scan) {
        if let Some(s) = self.scans.iter_mut().find(|s| s.id == id) {
            new.document = s.document.take();
            *s = new;
        }
    }

    /// Says which required document a scan provides (`None` un-assigns it).
    pub fn assign(&mut self, id: &str, document: Option<&str>) {
        if let Some(s) = self.scans.iter_mut().find(|s| s.id == id) {
            s.document = document.map(str::to_owned);
        }
    }

    pub fn remove_scan(&mut self, id: &str) {
        self.scans.retain(|s| s.id != id);
    }

    pub fn signature(&self) -> &[Stroke] {
        &self.signature
    }

    /// Records the pad's strokes; strokes of fewer than two points are dots and dropped.
    pub fn sign(&mut self, strokes: Vec<Stroke>) {
        self.signature = strokes.into_iter().filter(|s| s.len() >= 2).collect();
    }

    pub fn clear_signature(&mut self) {
        self.signature.clear();
    }

    /// Whether the current step is complete enough to go on.
    pub fn check_step(&self) -> Result<(), WizardError> {
        match self.step() {
            Step::Services if self.services.is_empty() => Err(WizardError::NoServices),
            Step::Applicant => {
                let problems = self.applicant_problems();
                if problems.is_empty() { Ok(()) } else { Err(WizardError::InvalidApplicant(problems)) }
            }
            Step::Household => match self.members().iter().position(|m| !member_ok(m)) {
                Some(i) => Err(WizardError::InvalidMember(i + 1)),
                None => Ok(()),
            },
            Step::Signature if self.signature.is_empty() => Err(WizardError::NotSigned),
            Step::Signature => match crate::signing::check_pad(&self.signature) {
                Err(crate::signing::SigningError::Capture { uk, en }) => Err(WizardError::BadSignature { uk, en }),
                _ => Ok(()),
            },
            Step::Submitted => Err(WizardError::AlreadySubmitted),
            _ => Ok(()),
        }
    }

    /// Goes to the next step if this one is complete. Documents may be missing: the
    /// package is then submitted as incomplete, which the review shows. The review is the
    /// last step: submitting is [`Wizard::output`], then [`Wizard::mark_submitted`].
    pub fn advance(&mut self) -> Result<Step, WizardError> {
        self.check_step()?;
        if self.step() != Step::Review {
            self.step = Some(self.step().next());
        }
        Ok(self.step())
    }

    pub fn back(&mut self) {
        self.step = Some(self.step().prev());
    }

    /// What was collected, checked step by step.
    pub fn output(&self) -> Result<NewApplication, WizardError> {
        let mut probe = self.clone();
        for step in [Step::Services, Step::Applicant, Step::Household, Step::Signature] {
            probe.step = Some(step);
            probe.check_step()?;
        }
        Ok(NewApplication {
            services: self.services.iter().cloned().collect(),
            applicant: self.applicant(),
            household: self.members(),
            chip: self.chip.clone(),
            scans: self.scans.clone(),
            signature: self.signature.clone(),
        })
    }

    /// Marks the wizard done after the case service accepted the output.
    pub fn mark_submitted(&mut self) {
        self.step = Some(Step::Submitted);
    }

    /// The members as they go into the case: living at the applicant's registered
    /// address unless another one was given.
    fn members(&self) -> Vec<Member> {
        let address = self.applicant().registered_address;
        let mut members = self.household.clone();
        for m in &mut members {
            if m.person.registered_address.line.trim().is_empty() {
                m.person.registered_address = address.clone();
            }
        }
        members
    }

    fn applicant(&self) -> Person {
        let opt = |f| Some(self.value(f).trim().to_owned()).filter(|s| !s.is_empty());
        let mut p = self.chip.as_ref().map(|c| c.person.clone()).unwrap_or_default();
        p.surname = self.value(Field::Surname).trim().to_owned();
        p.given_name = self.value(Field::GivenName).trim().to_owned();
        p.patronymic = self.value(Field::Patronymic).trim().to_owned();
        p.birth_date = self.value(Field::BirthDate).trim().to_owned();
        p.sex = self.value(Field::Sex).trim().to_owned();
        p.rnokpp = opt(Field::Rnokpp);
        p.unzr = opt(Field::Unzr);
        p.phone = opt(Field::Phone).map(|n| validate::phone(&n).unwrap_or(n));
        p.document.number = self.value(Field::DocumentNumber).trim().to_owned();
        p.document.issued_on = self.value(Field::DocumentIssued).trim().to_owned();
        if p.document.kind.is_empty() {
            p.document.kind = "id_card".into();
        }
        p.registered_address.katottg = self.value(Field::Katottg).trim().to_owned();
        p.registered_address.line = self.value(Field::AddressLine).trim().to_owned();
        p
    }
}

/// A member's own data is valid (the address is the applicant's, checked with theirs).
fn member_ok(m: &Member) -> bool {
    m.validate("").iter().all(|p| p.field.contains("registered_address"))
}

#[cfg(test)]
mod tests;
