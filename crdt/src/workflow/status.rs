//! The statuses a case can be in: the eight of an application (seed 003, "Статуси
//! електронних документів") and the case-management states of social work (seed 002).

use std::fmt;

use crate::model::CaseKind;

/// The path of an application, numbered as in the source system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AppStatus {
    /// 1. Формування заяви.
    Forming,
    /// 2. Заяву передано до ОТГ.
    SentToHromada,
    /// 3. Заяву повернуто на формування.
    ReturnedForRework,
    /// 4. Заяву перевірено та передано до СПСЗН.
    SentToBackOffice,
    /// 5. Заяву повернуто до ОТГ.
    ReturnedToHromada,
    /// 6. Заяву перевірено на рівні СПСЗН.
    CheckedByBackOffice,
    /// 7. Заяву вивантажено в СПСЗН.
    Exported,
    /// 8. Отримано відповідь по заяві.
    DecisionReceived,
}

impl AppStatus {
    pub const ALL: [AppStatus; 8] = [
        Self::Forming,
        Self::SentToHromada,
        Self::ReturnedForRework,
        Self::SentToBackOffice,
        Self::ReturnedToHromada,
        Self::CheckedByBackOffice,
        Self::Exported,
        Self::DecisionReceived,
    ];

    /// The number of the status in the source system (1-8).
    pub fn number(self) -> u8 {
        match self {
            Self::Forming => 1,
            Self::SentToHromada => 2,
            Self::ReturnedForRework => 3,
            Self::SentToBackOffice => 4,
            Self::ReturnedToHromada => 5,
            Self::CheckedByBackOffice => 6,
            Self::Exported => 7,
            Self::DecisionReceived => 8,
        }
    }

    pub fn label_uk(self) -> &'static str {
        match self {
            Self::Forming => "Формування заяви",
            Self::SentToHromada => "Заяву передано до ОТГ",
            Self::ReturnedForRework => "Заяву повернуто на формування",
            Self::SentToBackOffice => "Заяву перевірено та передано до СПСЗН",
            Self::ReturnedToHromada => "Заяву повернуто до ОТГ",
            Self::CheckedByBackOffice => "Заяву перевірено на рівні СПСЗН",
            Self::Exported => "Заяву вивантажено в СПСЗН",
            Self::DecisionReceived => "Отримано відповідь по заяві",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Forming => "Being formed",
            Self::SentToHromada => "Sent to the hromada",
            Self::ReturnedForRework => "Returned for rework",
            Self::SentToBackOffice => "Checked and sent to the back office",
            Self::ReturnedToHromada => "Returned to the hromada",
            Self::CheckedByBackOffice => "Checked by the back office",
            Self::Exported => "Exported to the state systems",
            Self::DecisionReceived => "Decision received",
        }
    }
}

/// The states of a social work case under case management.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CaseWorkState {
    /// Відкрито: the case is registered.
    Opened,
    /// Оцінювання потреб: assessing the situation and needs.
    Assessment,
    /// Планування: goals and a plan of measures.
    Planning,
    /// Надання послуг: the plan is carried out.
    Delivery,
    /// Моніторинг: monitoring and evaluation.
    Monitoring,
    /// Закрито.
    Closed,
}

impl CaseWorkState {
    pub const ALL: [CaseWorkState; 6] =
        [Self::Opened, Self::Assessment, Self::Planning, Self::Delivery, Self::Monitoring, Self::Closed];

    pub fn label_uk(self) -> &'static str {
        match self {
            Self::Opened => "Відкрито",
            Self::Assessment => "Оцінювання потреб",
            Self::Planning => "Планування",
            Self::Delivery => "Надання послуг",
            Self::Monitoring => "Моніторинг",
            Self::Closed => "Закрито",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Opened => "Opened",
            Self::Assessment => "Needs assessment",
            Self::Planning => "Planning",
            Self::Delivery => "Service delivery",
            Self::Monitoring => "Monitoring",
            Self::Closed => "Closed",
        }
    }
}

/// The status of any case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Application(AppStatus),
    CaseWork(CaseWorkState),
}

impl Status {
    /// Where a case of this kind starts.
    pub fn initial(kind: CaseKind) -> Self {
        match kind {
            CaseKind::Application => Self::Application(AppStatus::Forming),
            CaseKind::SocialWork => Self::CaseWork(CaseWorkState::Opened),
        }
    }

    pub fn label_uk(self) -> &'static str {
        match self {
            Self::Application(s) => s.label_uk(),
            Self::CaseWork(s) => s.label_uk(),
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Application(s) => s.label_en(),
            Self::CaseWork(s) => s.label_en(),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {}", self.label_uk(), self.label_en())
    }
}
