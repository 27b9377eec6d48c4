//! The workflow of a case: positions and their roles, the statuses, the actions, the rules
//! that check each action, and the fold that derives the status from the event log.

mod action;
mod error;
mod fold;
mod position;
pub mod rules;
mod status;

pub use action::{Action, Decision, DecisionRecord, EventRecord};
pub use error::WorkflowError;
pub use fold::{CaseHeader, CaseState, Derivation, Outcome, TimelineEntry, derive};
pub use position::{Position, Role, Scope};
pub use status::{AppStatus, CaseWorkState, Status};
