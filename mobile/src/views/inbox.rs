//! What a position may do with a case now: the inbox of the hromada officer and the back
//! office follows the role, and each action says what it needs (a comment, a decision).

use keis_crdt::validate::{Date, FieldError};
use keis_crdt::workflow::rules;
use keis_crdt::{Action, Decision, Role, Status};

use crate::case_list::Lang;
use crate::views::text::pick;

/// The workflow actions an inbox offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKind {
    Submit,
    ReturnForRework,
    Forward,
    ReturnToHromada,
    MarkChecked,
    Export,
    Grant,
    Refuse,
}

impl ActionKind {
    pub const ALL: [ActionKind; 8] = [
        Self::Submit,
        Self::ReturnForRework,
        Self::Forward,
        Self::ReturnToHromada,
        Self::MarkChecked,
        Self::Export,
        Self::Grant,
        Self::Refuse,
    ];

    /// A stable code, used for element ids.
    pub fn code(self) -> &'static str {
        match self {
            Self::Submit => "submit",
            Self::ReturnForRework => "return_for_rework",
            Self::Forward => "forward_to_back_office",
            Self::ReturnToHromada => "return_to_hromada",
            Self::MarkChecked => "mark_checked",
            Self::Export => "export",
            Self::Grant => "grant",
            Self::Refuse => "refuse",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        let (uk, en) = match self {
            Self::Submit => ("Подати до громади", "Submit to the hromada"),
            Self::ReturnForRework => ("Повернути на доопрацювання", "Return for rework"),
            Self::Forward => ("Перевірено, передати до СПСЗН", "Checked, forward to the back office"),
            Self::ReturnToHromada => ("Повернути до громади", "Return to the hromada"),
            Self::MarkChecked => ("Позначити перевіреною", "Mark as checked"),
            Self::Export => ("Вивантажити", "Export"),
            Self::Grant => ("Призначити", "Grant"),
            Self::Refuse => ("Відмовити", "Refuse"),
        };
        if lang == Lang::Uk { uk } else { en }
    }

    /// Whether the action needs a comment saying why.
    pub fn needs_comment(self) -> bool {
        matches!(self, Self::ReturnForRework | Self::ReturnToHromada | Self::Refuse)
    }

    /// A valid example of the action, to ask the rules whether it is possible at all.
    fn probe(self, day: Date) -> Action {
        match self {
            Self::Submit => Action::Submit { incomplete: None },
            Self::ReturnForRework => Action::ReturnForRework,
            Self::Forward => Action::ForwardToBackOffice { incomplete: None },
            Self::ReturnToHromada => Action::ReturnToHromada,
            Self::MarkChecked => Action::MarkChecked,
            Self::Export => Action::Export { batch: "probe".into() },
            Self::Grant => Action::RecordDecision(Decision::Granted { amount_kop: 1, from: day, to: day }),
            Self::Refuse => Action::RecordDecision(Decision::Refused { reason: "probe".into() }),
        }
    }
}

/// The actions `role` may take on a case in `status`.
pub fn available(status: Status, role: Role) -> Vec<ActionKind> {
    let Some(day) = Date::new(2026, 1, 1) else { return Vec::new() };
    ActionKind::ALL.into_iter().filter(|a| rules::transition(status, role, &a.probe(day), "probe").is_ok()).collect()
}

/// What the official typed for an action.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ActionInput {
    pub comment: String,
    /// Export batch identifier.
    pub batch: String,
    /// Grant amount in hryvnias, "3120,50" or "3120.50".
    pub amount: String,
    pub from: String,
    pub to: String,
}

/// Why the typed input does not make an action.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("вкажіть причину в коментарі / give the reason in the comment")]
    CommentRequired,
    #[error("сума: число гривень, наприклад 3120,50 / amount: hryvnias, e.g. 3120.50")]
    Amount,
    #[error("{}", period_message(.0))]
    Date(FieldError),
}

fn period_message(e: &FieldError) -> String {
    let m = e.to_string();
    format!("період призначення: {} / period of the grant: {}", pick(&m, Lang::Uk), pick(&m, Lang::En))
}

/// Parses "3120,50" hryvnias into kopiykas.
pub fn parse_amount(s: &str) -> Option<u64> {
    let s = s.trim().replace(',', ".").replace(' ', "");
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    if whole.is_empty() || frac.len() > 2 || !whole.bytes().chain(frac.bytes()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let kop: u64 = format!("{frac:0<2}").parse().ok()?;
    whole.parse::<u64>().ok()?.checked_mul(100)?.checked_add(kop)
}

/// Builds the action from what was typed.
pub fn build(kind: ActionKind, input: &ActionInput) -> Result<Action, InputError> {
    if kind.needs_comment() && input.comment.trim().is_empty() {
        return Err(InputError::CommentRequired);
    }
    Ok(match kind {
        ActionKind::Grant => {
            let amount_kop = parse_amount(&input.amount).filter(|a| *a > 0).ok_or(InputError::Amount)?;
            let from = Date::parse_iso(input.from.trim()).map_err(InputError::Date)?;
            let to = Date::parse_iso(input.to.trim()).map_err(InputError::Date)?;
            Action::RecordDecision(Decision::Granted { amount_kop, from, to })
        }
        ActionKind::Refuse => Action::RecordDecision(Decision::Refused { reason: input.comment.trim().to_owned() }),
        ActionKind::Export => Action::Export { batch: input.batch.trim().to_owned() },
        ActionKind::Submit => Action::Submit { incomplete: None },
        ActionKind::ReturnForRework => Action::ReturnForRework,
        ActionKind::Forward => Action::ForwardToBackOffice { incomplete: None },
        ActionKind::ReturnToHromada => Action::ReturnToHromada,
        ActionKind::MarkChecked => Action::MarkChecked,
    })
}

#[cfg(test)]
mod tests {
    use keis_crdt::AppStatus;

    use super::*;

    fn app(s: AppStatus) -> Status {
        Status::Application(s)
    }

    #[test]
    fn the_role_decides_the_actions() {
        use ActionKind as K;
        assert_eq!(available(app(AppStatus::SentToHromada), Role::HromadaOfficer), [K::ReturnForRework, K::Forward]);
        assert!(available(app(AppStatus::SentToHromada), Role::BackOffice).is_empty());
        assert_eq!(available(app(AppStatus::SentToBackOffice), Role::BackOffice), [K::ReturnToHromada, K::MarkChecked]);
        assert_eq!(available(app(AppStatus::Exported), Role::BackOffice), [K::Grant, K::Refuse]);
        assert_eq!(available(app(AppStatus::Forming), Role::Starosta), [K::Submit]);
    }

    #[test]
    fn typed_input_becomes_an_action() {
        assert_eq!(parse_amount("3120,50"), Some(312_050));
        assert_eq!(parse_amount("3 120.5"), Some(312_050));
        assert_eq!(parse_amount("12"), Some(1_200));
        for bad in ["", "abc", "1.234", "-5", ",5"] {
            assert_eq!(parse_amount(bad), None, "{bad}");
        }
        let mut input = ActionInput::default();
        assert_eq!(build(ActionKind::ReturnForRework, &input), Err(InputError::CommentRequired));
        input.amount = "3120,50".into();
        input.from = "2026-12-01".into();
        input.to = "2027-05-31".into();
        let Ok(Action::RecordDecision(Decision::Granted { amount_kop, .. })) = build(ActionKind::Grant, &input) else {
            panic!("a grant");
        };
        assert_eq!(amount_kop, 312_050);
        input.to = "2027-02-30".into();
        assert!(matches!(build(ActionKind::Grant, &input), Err(InputError::Date(FieldError::NoSuchDate))));
    }
}
