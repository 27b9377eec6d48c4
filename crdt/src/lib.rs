//! `keis-crdt`: the case document of Keis, the offline field kit of Ukrainian social
//! services, and its workflow.
//!
//! One social-services case (справа) is one [Automerge](automerge) document: the applicant
//! and household, the requested services, attached document scans (by hash), chip reads,
//! signatures, visits and case-management notes, resolutions, and the workflow event log.
//! [`Case`] is its typed view (autosurgeon); [`CaseDoc`] keeps the two in step and is the
//! only way changes are made.
//!
//! The crate is pure: no I/O, no async, no clock, no randomness. Time and actor come in as
//! arguments, so the same inputs give the same document on every device.
//!
//! - [`validate`]: RNOKPP, UNZR, dates, KATOTTG, phones, with typed errors naming the field.
//! - [`catalogue`]: the services and the documents each one needs; package completeness.
//! - [`workflow`]: positions, roles and scopes; the eight statuses of an application and
//!   the case-management states; actions, their rules, and the fold that derives status
//!   from the event log, with concurrent contradicting actions shown as a conflict.
//! - [`authz`]: change-level authorisation: may a device's positions make this change to a
//!   case (scope, append-only events, signatures, who edits what in which status).
//! - [`digest`]: the canonical content digest a signature binds to.
//! - [`schema`]: the schema version and the upgrade from version 1.
//! - [`sync`]: the sync protocol, sans I/O: framing and the device and server session state
//!   machines.
//! - [`demo`]: obviously fictional people and cases for the demo, tests and benchmarks.
//!
//! # Two devices, one case, no network
//!
//! A starosta opens a case on a laptop; a social worker's tablet gets a copy. Offline,
//! one corrects the applicant's phone, the other adds a household member. When the devices
//! meet, the case merges and both hold the same document and the same status.
//!
//! ```
//! use keis_crdt::{CaseDoc, CaseKind, Member, NewCase, Position, Role, Scope};
//! use automerge::ActorId;
//!
//! let starosta = Position::new(
//!     "pos-sta-1",
//!     Role::Starosta,
//!     Scope::District { hromada: "UA05020030000031457".into(), district: "north".into() },
//! );
//! let mut laptop = CaseDoc::create(
//!     ActorId::from(b"laptop-0001".as_slice()),
//!     NewCase {
//!         id: "case-7f3a",
//!         number: "2026-000117",
//!         kind: CaseKind::Application,
//!         hromada: "UA05020030000031457",
//!         district: Some("north"),
//!         created_by: &starosta,
//!         at: 1_763_900_000_000,
//!     },
//! )?;
//! let saved = laptop.save();
//! let mut tablet = CaseDoc::load(&saved, ActorId::from(b"tablet-0002".as_slice()))?;
//!
//! laptop.edit(1_763_900_060_000, |case, _| case.applicant.phone = Some("+380671234567".into()))?;
//! tablet.edit(1_763_900_090_000, |case, ids| {
//!     case.household.push(Member { id: ids.next_id(), relation: "child".into(), ..Default::default() })
//! })?;
//!
//! laptop.merge(&mut tablet)?;
//! tablet.merge(&mut laptop)?;
//! assert_eq!(laptop.case(), tablet.case());
//! assert_eq!(laptop.case().applicant.phone.as_deref(), Some("+380671234567"));
//! assert_eq!(laptop.case().household.len(), 1);
//! assert_eq!(laptop.derive().state, tablet.derive().state);
//! # Ok::<(), keis_crdt::CaseError>(())
//! ```

pub mod authz;
pub mod catalogue;
pub mod demo;
pub mod digest;
mod doc;
pub mod lookup;
pub mod model;
pub mod schema;
pub mod sync;
pub mod validate;
pub mod workflow;

pub use catalogue::{Catalogue, PackageStatus};
pub use digest::{ContentDigest, SignatureState, signature_state};
pub use doc::{CaseDoc, CaseError, Ids, NewCase};
pub use model::{
    Address, Attachment, Case, CaseKind, ChipRead, IdentityDocument, Member, Note, Person, RecordMap, RequestedService,
    Resolution, Signature,
};
pub use schema::SCHEMA_VERSION;
pub use workflow::{
    Action, AppStatus, CaseState, CaseWorkState, Decision, Position, Role, Scope, Status, WorkflowError,
};
