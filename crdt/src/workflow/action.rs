//! Workflow actions, their decisions, and the event records they are stored as.

use serde::{Deserialize, Serialize};

use super::{Role, Scope, WorkflowError};
use crate::model::atomic_record;
use crate::validate::Date;

/// What a position does to a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Front office sends the application to the hromada. `incomplete`: the reason the
    /// package goes on without every required document.
    Submit {
        incomplete: Option<String>,
    },
    /// Hromada returns the application to the front office for rework.
    ReturnForRework,
    /// Hromada has checked it and forwards it to the back office.
    ForwardToBackOffice {
        incomplete: Option<String>,
    },
    /// Back office returns it to the hromada.
    ReturnToHromada,
    /// Back office has checked it; it is ready for export.
    MarkChecked,
    /// Back office exported it to the state systems in `batch` (a `*.DAT` file).
    Export {
        batch: String,
    },
    /// The decision came back.
    RecordDecision(Decision),
    StartAssessment,
    CompleteAssessment,
    ApprovePlan,
    StartMonitoring,
    ResumeDelivery,
    Close,
    Reopen,
    /// Ends a conflict between concurrent actions by keeping the outcome of `keep`.
    Resolve {
        keep: String,
    },
}

/// The answer of the deciding system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Granted: `amount_kop` in kopiykas a month, for the period `from`..=`to`.
    Granted {
        amount_kop: u64,
        from: Date,
        to: Date,
    },
    Refused {
        reason: String,
    },
}

impl Decision {
    pub(crate) fn check(&self) -> Result<(), WorkflowError> {
        match self {
            Self::Granted { amount_kop: 0, .. } => {
                Err(WorkflowError::InvalidDecision("призначення потребує суми / a grant needs an amount"))
            }
            Self::Granted { from, to, .. } if to < from => Err(WorkflowError::InvalidDecision(
                "період закінчується раніше, ніж починається / the period ends before it starts",
            )),
            Self::Refused { reason } if reason.trim().is_empty() => {
                Err(WorkflowError::InvalidDecision("відмова потребує підстави / a refusal needs a reason"))
            }
            _ => Ok(()),
        }
    }
}

impl Action {
    /// The code stored in the event record.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Submit { .. } => "submit",
            Self::ReturnForRework => "return_for_rework",
            Self::ForwardToBackOffice { .. } => "forward_to_back_office",
            Self::ReturnToHromada => "return_to_hromada",
            Self::MarkChecked => "mark_checked",
            Self::Export { .. } => "export",
            Self::RecordDecision(_) => "record_decision",
            Self::StartAssessment => "start_assessment",
            Self::CompleteAssessment => "complete_assessment",
            Self::ApprovePlan => "approve_plan",
            Self::StartMonitoring => "start_monitoring",
            Self::ResumeDelivery => "resume_delivery",
            Self::Close => "close",
            Self::Reopen => "reopen",
            Self::Resolve { .. } => "resolve",
        }
    }
}

/// A stored decision.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DecisionRecord {
    #[serde(skip_serializing_if = "crate::model::atomic::is_default")]
    pub granted: bool,
    #[serde(skip_serializing_if = "crate::model::atomic::is_default")]
    pub amount_kop: u64,
    /// `YYYY-MM-DD`, empty for a refusal.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub from: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub to: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

atomic_record!(EventRecord);

/// One workflow event as stored in the case document. Append-only.
///
/// `parents` are the ids of the events its author had seen last (the heads of the event
/// graph on their device), which makes concurrency explicit and independent of the
/// transport: two events neither of which precedes the other were concurrent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventRecord {
    /// The key of the event in the log (not stored inside the record).
    #[serde(skip)]
    pub id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parents: Vec<String>,
    /// Unix milliseconds, from the acting device's clock.
    #[serde(skip_serializing_if = "crate::model::atomic::is_default")]
    pub at: i64,
    /// Position id of who acted.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub position: String,
    /// [`Role::code`] of that position when it acted.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub role: String,
    /// [`Scope::code`] of that position when it acted.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub scope: String,
    /// [`Action::code`].
    #[serde(skip_serializing_if = "String::is_empty")]
    pub action: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub comment: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incomplete_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<DecisionRecord>,
    /// For `resolve`: the event whose outcome is kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keep: Option<String>,
}

impl EventRecord {
    /// The typed action this record holds.
    pub fn to_action(&self) -> Result<Action, WorkflowError> {
        let missing = || WorkflowError::MalformedEvent("a field the action needs is missing");
        Ok(match self.action.as_str() {
            "submit" => Action::Submit { incomplete: self.incomplete_reason.clone() },
            "return_for_rework" => Action::ReturnForRework,
            "forward_to_back_office" => Action::ForwardToBackOffice { incomplete: self.incomplete_reason.clone() },
            "return_to_hromada" => Action::ReturnToHromada,
            "mark_checked" => Action::MarkChecked,
            "export" => Action::Export { batch: self.batch.clone().ok_or_else(missing)? },
            "record_decision" => {
                let d = self.decision.as_ref().ok_or_else(missing)?;
                Action::RecordDecision(if d.granted {
                    let date = |s: &str| {
                        Date::parse_iso(s).map_err(|_| WorkflowError::MalformedEvent("a decision date is not a date"))
                    };
                    Decision::Granted { amount_kop: d.amount_kop, from: date(&d.from)?, to: date(&d.to)? }
                } else {
                    Decision::Refused { reason: d.reason.clone() }
                })
            }
            "start_assessment" => Action::StartAssessment,
            "complete_assessment" => Action::CompleteAssessment,
            "approve_plan" => Action::ApprovePlan,
            "start_monitoring" => Action::StartMonitoring,
            "resume_delivery" => Action::ResumeDelivery,
            "close" => Action::Close,
            "reopen" => Action::Reopen,
            "resolve" => Action::Resolve { keep: self.keep.clone().ok_or_else(missing)? },
            _ => return Err(WorkflowError::MalformedEvent("unknown action")),
        })
    }

    pub fn to_role(&self) -> Result<Role, WorkflowError> {
        Role::from_code(&self.role).ok_or(WorkflowError::MalformedEvent("unknown role"))
    }

    pub fn to_scope(&self) -> Result<Scope, WorkflowError> {
        Scope::from_code(&self.scope).ok_or(WorkflowError::MalformedEvent("unreadable scope"))
    }

    /// Fills the action-specific fields of a record from `action`.
    pub(crate) fn set_action(&mut self, action: &Action) {
        self.action = action.code().to_owned();
        match action {
            Action::Submit { incomplete } | Action::ForwardToBackOffice { incomplete } => {
                self.incomplete_reason = incomplete.clone();
            }
            Action::Export { batch } => self.batch = Some(batch.clone()),
            Action::RecordDecision(d) => {
                self.decision = Some(match d {
                    Decision::Granted { amount_kop, from, to } => DecisionRecord {
                        granted: true,
                        amount_kop: *amount_kop,
                        from: from.to_string(),
                        to: to.to_string(),
                        reason: String::new(),
                    },
                    Decision::Refused { reason } => DecisionRecord { reason: reason.clone(), ..Default::default() },
                });
            }
            Action::Resolve { keep } => self.keep = Some(keep.clone()),
            _ => {}
        }
    }
}
