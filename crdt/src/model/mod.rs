//! The case (справа) as Rust types mapped onto one Automerge document by autosurgeon.

pub(crate) mod atomic;

pub(crate) use atomic::atomic_record;
mod person;
mod raw;
mod read;
mod records;

pub use person::{Address, ID_DOCUMENT_KINDS, IdentityDocument, Member, Person, RELATIONS, SEXES};
pub use records::{Attachment, ChipRead, NOTE_KINDS, Note, RequestedService, Resolution, Signature};

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};

use crate::validate::ValidationError;
use crate::workflow::EventRecord;

/// The kinds of case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CaseKind {
    /// An application for a service (assistance, subsidy, benefit): the eight statuses.
    Application,
    /// A social work case under case management.
    SocialWork,
}

impl CaseKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Application => "application",
            Self::SocialWork => "social_work",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        match s {
            "application" => Some(Self::Application),
            "social_work" => Some(Self::SocialWork),
            _ => None,
        }
    }
}

/// The whole case document. The root of the Automerge document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Case {
    /// Schema version of the document ([`crate::SCHEMA_VERSION`]).
    pub schema: u64,
    /// Globally unique case id.
    pub id: String,
    /// The human case number shown and printed.
    pub number: String,
    /// [`CaseKind::code`].
    pub kind: String,
    /// KATOTTG code of the hromada the case belongs to.
    pub hromada: String,
    /// Starosta district within the hromada, if taken there.
    pub district: Option<String>,
    pub created_at: i64,
    /// Position id that opened the case.
    pub created_by: String,
    pub applicant: Person,
    /// Household members, in the order the applicant listed them; matched by id.
    pub household: Vec<Member>,
    /// The records below are maps from id to record; [`RecordMap::add`] inserts one under
    /// its id, and after hydration each record's `id` is its key.
    pub services: BTreeMap<String, RequestedService>,
    pub attachments: BTreeMap<String, Attachment>,
    pub chip_reads: BTreeMap<String, ChipRead>,
    pub signatures: BTreeMap<String, Signature>,
    pub notes: BTreeMap<String, Note>,
    pub resolutions: BTreeMap<String, Resolution>,
    /// The workflow event log: append-only, never edited.
    pub events: BTreeMap<String, EventRecord>,
}

/// Reads the whole case from `doc` in one pass (see [`CaseDoc`](crate::CaseDoc), which
/// also upgrades older schemas).
pub fn read_case<D: automerge::ReadDoc>(doc: &D) -> Result<Case, autosurgeon::HydrateError> {
    read::case(doc)
}

/// A record kept in a map under its id.
pub trait Keyed {
    fn id(&self) -> &str;
    fn set_id(&mut self, id: String);
}

macro_rules! keyed {
    ($($t:ty),*) => {$(
        impl Keyed for $t {
            fn id(&self) -> &str {
                &self.id
            }

            fn set_id(&mut self, id: String) {
                self.id = id;
            }
        }
    )*};
}

keyed!(RequestedService, Attachment, ChipRead, Signature, Note, Resolution, EventRecord);

/// Inserting records under their ids: `case.attachments.add(attachment)`.
pub trait RecordMap<T> {
    fn add(&mut self, record: T);
}

impl<T: Keyed> RecordMap<T> for BTreeMap<String, T> {
    fn add(&mut self, record: T) {
        self.insert(record.id().to_owned(), record);
    }
}

impl Case {
    /// Gives every record the id it is stored under (the key is the identity; a record
    /// does not store its own id).
    pub(crate) fn adopt_keys(&mut self) {
        fn adopt<T: Keyed>(map: &mut BTreeMap<String, T>) {
            for (k, v) in map.iter_mut() {
                v.set_id(k.clone());
            }
        }
        adopt(&mut self.services);
        adopt(&mut self.attachments);
        adopt(&mut self.chip_reads);
        adopt(&mut self.signatures);
        adopt(&mut self.notes);
        adopt(&mut self.resolutions);
        adopt(&mut self.events);
    }
}

impl Case {
    pub fn case_kind(&self) -> Option<CaseKind> {
        CaseKind::from_code(&self.kind)
    }

    /// Every problem of the applicant's and household's data.
    pub fn validate_people(&self) -> Vec<ValidationError> {
        let mut problems = self.applicant.validate("applicant");
        for (i, m) in self.household.iter().enumerate() {
            problems.extend(m.validate(&format!("household[{i}]")));
        }
        problems
    }

    pub fn service_codes(&self) -> impl Iterator<Item = &str> {
        self.services.values().map(|s| s.code.as_str())
    }
}
