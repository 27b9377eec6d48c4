//! [`QueueError`]: every refusal of the queue and of pre-booking. Operators see these
//! messages, so each says in Ukrainian first, then in English, what is wrong.

use super::model::{DeskNo, Timestamp};
use super::ticket::StatusKind;

/// An operator's (or the system's) action on a ticket, named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Call,
    CallAgain,
    StartServing,
    Finish,
    Postpone,
    MarkAbsent,
    Redirect,
    Cancel,
}

impl Action {
    pub fn label_uk(self) -> &'static str {
        match self {
            Self::Call => "викликати",
            Self::CallAgain => "викликати знову",
            Self::StartServing => "почати обробку",
            Self::Finish => "завершити",
            Self::Postpone => "відкласти",
            Self::MarkAbsent => "відсутній",
            Self::Redirect => "перенаправити",
            Self::Cancel => "скасувати",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Call => "call",
            Self::CallAgain => "call again",
            Self::StartServing => "start serving",
            Self::Finish => "finish",
            Self::Postpone => "postpone",
            Self::MarkAbsent => "mark absent",
            Self::Redirect => "redirect",
            Self::Cancel => "cancel",
        }
    }
}

/// Why the queue refused a command (or a stored event on replay).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    #[error(
        "талон {ticket}: дію «{}» не можна виконати, бо талон {} / ticket {ticket}: cannot {} a ticket that is {}",
        .action.label_uk(), .from.label_uk(), .action.label_en(), .from.label_en()
    )]
    IllegalTransition { ticket: String, action: Action, from: StatusKind },
    #[error("стіл {desk} не обслуговує послугу {service} / desk {desk} does not serve {service}")]
    DeskDoesNotServe { desk: DeskNo, service: String },
    #[error(
        "талон {ticket} перенаправлено до столу {only}, а не {desk} / ticket {ticket} is for desk {only}, not {desk}"
    )]
    NotForThisDesk { ticket: String, desk: DeskNo, only: DeskNo },
    #[error(
        "за столом {desk} ще талон {ticket}; спершу завершіть його / desk {desk} still has ticket {ticket}; finish it first"
    )]
    DeskBusy { desk: DeskNo, ticket: String },
    #[error("за столом {desk} немає оператора; увійдіть у чергу / no operator at desk {desk}; sign in to the queue")]
    NoOperator { desk: DeskNo },
    #[error(
        "за столом {desk} працює інша посада, не {actor} / desk {desk} is staffed by another position, not {actor}"
    )]
    NotTheDeskOperator { desk: DeskNo, actor: String },
    #[error("цю дію виконує лише посада, а не система / only a position may do this, not the system")]
    PositionRequired,
    #[error(
        "такий пріоритет не для цього джерела талона (позачергово — лише від працівника, за записом — лише із запису) / this priority does not fit the ticket's source (out of turn: staff only; booked: pre-booking only)"
    )]
    PriorityNotAllowed,
    #[error("немає послуги {code} / no service {code}")]
    UnknownService { code: String },
    #[error("немає столу {desk} / no desk {desk}")]
    UnknownDesk { desk: DeskNo },
    #[error("немає талона №{id} / no ticket #{id}")]
    UnknownTicket { id: u32 },
    #[error("робочий день черги завершено / the queue's day is over")]
    DayClosed,
    #[error(
        "центр зараз зачинено; талон можна взяти в години роботи / the office is closed now; take a ticket during opening hours"
    )]
    OutsideHours,
    #[error(
        "талон {ticket}: час на підхід до столу ще не минув / ticket {ticket}: the time to come to the desk has not run out"
    )]
    NotYetNoShow { ticket: String },
    #[error("час {at} раніше за останню подію черги ({last}) / time {at} is before the queue's last event ({last})", at = .at.0, last = .last.0)]
    TimeWentBackwards { at: Timestamp, last: Timestamp },
    #[error("налаштування центру помилкові: {what} / the office configuration is wrong: {what}")]
    InvalidOffice { what: String },
    #[error("журнал черги має починатися з відкриття дня / a queue log must start with the day's opening")]
    NotOpened,
    #[error("журнал черги пошкоджено біля події {seq}: {what} / the queue log is damaged at event {seq}: {what}")]
    BadLog { seq: u64, what: String },

    #[error("послуга {service} не має попереднього запису / service {service} takes no pre-bookings")]
    NotBookable { service: String },
    #[error("такого часу запису немає / there is no such booking slot")]
    NoSuchSlot,
    #[error("цей час запису вже минув / this booking slot has passed")]
    SlotPassed,
    #[error("на цей час усі місця зайняті; оберіть інший / this slot is full; choose another")]
    SlotFull,
    #[error(
        "цей заявник уже записаний на цю послугу цього дня / this contact already holds a booking for this service that day"
    )]
    AlreadyBooked,
    #[error("немає запису №{id} / no booking #{id}")]
    UnknownBooking { id: u32 },
    #[error("запис №{id} уже скасовано або використано / booking #{id} was already cancelled or used")]
    BookingNotActive { id: u32 },
    #[error("запис №{id} на інший день / booking #{id} is for another day")]
    BookingOtherDay { id: u32 },
}

impl QueueError {
    /// A stable machine-readable code, for the JSON answer of the HTTP layer.
    pub fn code(&self) -> &'static str {
        match self {
            Self::IllegalTransition { .. } => "illegal_transition",
            Self::DeskDoesNotServe { .. } => "desk_does_not_serve",
            Self::NotForThisDesk { .. } => "not_for_this_desk",
            Self::DeskBusy { .. } => "desk_busy",
            Self::NoOperator { .. } => "no_operator",
            Self::NotTheDeskOperator { .. } => "not_the_desk_operator",
            Self::PositionRequired => "position_required",
            Self::PriorityNotAllowed => "priority_not_allowed",
            Self::UnknownService { .. } => "unknown_service",
            Self::UnknownDesk { .. } => "unknown_desk",
            Self::UnknownTicket { .. } => "unknown_ticket",
            Self::DayClosed => "day_closed",
            Self::OutsideHours => "outside_hours",
            Self::NotYetNoShow { .. } => "not_yet_no_show",
            Self::TimeWentBackwards { .. } => "time_went_backwards",
            Self::InvalidOffice { .. } => "invalid_office",
            Self::NotOpened => "not_opened",
            Self::BadLog { .. } => "bad_log",
            Self::NotBookable { .. } => "not_bookable",
            Self::NoSuchSlot => "no_such_slot",
            Self::SlotPassed => "slot_passed",
            Self::SlotFull => "slot_full",
            Self::AlreadyBooked => "already_booked",
            Self::UnknownBooking { .. } => "unknown_booking",
            Self::BookingNotActive { .. } => "booking_not_active",
            Self::BookingOtherDay { .. } => "booking_other_day",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_ukrainian_then_english() {
        let errors = [
            QueueError::IllegalTransition {
                ticket: "С-014".into(),
                action: Action::StartServing,
                from: StatusKind::Postponed,
            },
            QueueError::DeskDoesNotServe { desk: 3, service: "subsidy".into() },
            QueueError::SlotFull,
            QueueError::TimeWentBackwards { at: Timestamp(1), last: Timestamp(2) },
        ];
        for e in errors {
            let text = e.to_string();
            let (uk, en) = text.split_once(" / ").unwrap_or_else(|| panic!("no ' / ' in {text}"));
            assert!(uk.chars().any(|c| ('а'..='я').contains(&c)), "{text}");
            assert!(en.is_ascii() || en.contains('С'), "{text}");
        }
        let e = QueueError::IllegalTransition {
            ticket: "С-014".into(),
            action: Action::StartServing,
            from: StatusKind::Postponed,
        };
        assert_eq!(
            e.to_string(),
            "талон С-014: дію «почати обробку» не можна виконати, бо талон відкладено / ticket С-014: cannot start serving a ticket that is postponed"
        );
    }
}
