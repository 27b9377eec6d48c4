//! Roles, scopes and positions. Every action is taken by a position (посада), not by a
//! person: a user switches between the positions they may hold, and a stand-in can act
//! for an absent official.

use std::fmt;

/// The roles of the source system (seed 003) and of social work (seed 002).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Authorised person of a starosta district (`userSta`).
    Starosta,
    /// Senior authorised person of a starosta district (`super_userSta`).
    StarostaSuper,
    /// Front-office clerk of a ЦНАП (`userCnap`).
    CnapClerk,
    /// Senior front-office clerk of a ЦНАП (`super_userCnap`).
    CnapSuper,
    /// Authorised person of the hromada (уповноважена особа ОТГ).
    HromadaOfficer,
    /// Specialist of the district social protection department (СПСЗН / УСЗН).
    BackOffice,
    /// Social worker / case manager.
    SocialWorker,
    /// Coordinator of the integrated social services centre.
    Coordinator,
    /// Technical administrator: enrols devices, has no workflow powers.
    Administrator,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::Starosta,
        Role::StarostaSuper,
        Role::CnapClerk,
        Role::CnapSuper,
        Role::HromadaOfficer,
        Role::BackOffice,
        Role::SocialWorker,
        Role::Coordinator,
        Role::Administrator,
    ];

    /// The code stored in documents; the source system's names where it has them.
    pub fn code(self) -> &'static str {
        match self {
            Self::Starosta => "userSta",
            Self::StarostaSuper => "super_userSta",
            Self::CnapClerk => "userCnap",
            Self::CnapSuper => "super_userCnap",
            Self::HromadaOfficer => "hromada_officer",
            Self::BackOffice => "back_office",
            Self::SocialWorker => "social_worker",
            Self::Coordinator => "coordinator",
            Self::Administrator => "administrator",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == s)
    }

    /// Takes applications from residents (front office).
    pub fn is_front_office(self) -> bool {
        matches!(self, Self::Starosta | Self::StarostaSuper | Self::CnapClerk | Self::CnapSuper)
    }

    pub fn label_uk(self) -> &'static str {
        match self {
            Self::Starosta => "Уповноважена особа старостинського округу",
            Self::StarostaSuper => "Старший уповноважений старостинського округу",
            Self::CnapClerk => "Адміністратор ЦНАП",
            Self::CnapSuper => "Старший адміністратор ЦНАП",
            Self::HromadaOfficer => "Уповноважена особа громади",
            Self::BackOffice => "Спеціаліст СПСЗН",
            Self::SocialWorker => "Фахівець із соціальної роботи",
            Self::Coordinator => "Координатор",
            Self::Administrator => "Адміністратор системи",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Which cases a position may act on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Every case (a central office).
    All,
    /// The cases of these hromadas (KATOTTG codes); a district back office serves several.
    Hromadas(Vec<String>),
    /// One starosta district of one hromada.
    District { hromada: String, district: String },
}

impl Scope {
    pub fn hromada(code: impl Into<String>) -> Self {
        Self::Hromadas(vec![code.into()])
    }

    /// Whether a case of `hromada` (and starosta `district`, if any) is in this scope.
    pub fn covers(&self, hromada: &str, district: Option<&str>) -> bool {
        match self {
            Self::All => true,
            Self::Hromadas(list) => list.iter().any(|h| h == hromada),
            Self::District { hromada: h, district: d } => h == hromada && district == Some(d.as_str()),
        }
    }

    /// The compact form stored in event records: `all`, `hromadas:A,B`, `district:H/D`.
    pub fn code(&self) -> String {
        match self {
            Self::All => "all".into(),
            Self::Hromadas(list) => format!("hromadas:{}", list.join(",")),
            Self::District { hromada, district } => format!("district:{hromada}/{district}"),
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        if s == "all" {
            return Some(Self::All);
        }
        if let Some(list) = s.strip_prefix("hromadas:") {
            let list: Vec<String> = list.split(',').filter(|h| !h.is_empty()).map(str::to_owned).collect();
            return (!list.is_empty()).then_some(Self::Hromadas(list));
        }
        let (h, d) = s.strip_prefix("district:")?.split_once('/')?;
        (!h.is_empty() && !d.is_empty()).then(|| Self::District { hromada: h.into(), district: d.into() })
    }
}

/// A position (посада): what acts in the workflow.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Position {
    /// Stable id of the position in the staff directory.
    pub id: String,
    pub role: Role,
    pub scope: Scope,
}

impl Position {
    pub fn new(id: impl Into<String>, role: Role, scope: Scope) -> Self {
        Self { id: id.into(), role, scope }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::from_code(r.code()), Some(r));
        }
        for s in [
            Scope::All,
            Scope::Hromadas(vec!["UA1".into(), "UA2".into()]),
            Scope::District { hromada: "UA1".into(), district: "d7".into() },
        ] {
            assert_eq!(Scope::from_code(&s.code()), Some(s));
        }
        for bad in ["", "hromadas:", "district:UA1", "district:/d", "everything"] {
            assert_eq!(Scope::from_code(bad), None, "{bad}");
        }
    }

    #[test]
    fn scope_coverage() {
        let d = Scope::District { hromada: "A".into(), district: "north".into() };
        assert!(d.covers("A", Some("north")));
        assert!(!d.covers("A", Some("south")));
        assert!(!d.covers("A", None));
        assert!(!d.covers("B", Some("north")));
        let h = Scope::Hromadas(vec!["A".into(), "C".into()]);
        assert!(h.covers("A", None) && h.covers("C", Some("x")) && !h.covers("B", None));
        assert!(Scope::All.covers("Z", None));
    }
}
