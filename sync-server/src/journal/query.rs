//! What the journal stores per case and how it is asked: plain data, no I/O.

use keis_crdt::model::Case;
use serde::{Deserialize, Serialize};

use super::JournalRow;

/// Most rows in one page.
pub const MAX_LIMIT: u32 = 200;
/// Rows in a page when the caller does not say.
pub const DEFAULT_LIMIT: u32 = 50;

/// One case as the journal stores it: the row, when the server last updated it, and the
/// applicant's RNOKPP (searched by exact match; not part of the JSON row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    #[serde(flatten)]
    pub row: JournalRow,
    /// When the server last stored a change of the case, milliseconds since the epoch.
    pub updated_at: i64,
    #[serde(skip)]
    pub rnokpp: Option<String>,
}

impl JournalEntry {
    /// The entry of `case` as stored at `updated_at`.
    pub fn of_case(case: &Case, catalogue: &keis_crdt::Catalogue, updated_at: i64) -> Self {
        let rnokpp = case.applicant.rnokpp.clone().filter(|r| !r.is_empty());
        Self { row: JournalRow::of_case(case, catalogue), updated_at, rnokpp }
    }
}

/// Which hromadas a query may see.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Visible {
    /// Every hromada (a position with `Scope::All`).
    #[default]
    All,
    /// Only these (possibly none).
    Hromadas(Vec<String>),
}

/// The text search: a name prefix (of the full name or of any word of it), or an exact
/// RNOKPP (ten digits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    /// Lowercased (Ukrainian letters included) prefix.
    NamePrefix(String),
    Rnokpp(String),
}

impl Search {
    /// Reads the search box: ten digits are an RNOKPP, anything else a name prefix.
    /// `None` if blank.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        if t.is_empty() {
            None
        } else if t.len() == 10 && t.bytes().all(|b| b.is_ascii_digit()) {
            Some(Self::Rnokpp(t.to_owned()))
        } else {
            Some(Self::NamePrefix(search_key(t)))
        }
    }
}

/// The form names are stored and searched in: lowercase, runs of spaces as one.
pub fn search_key(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// A journal query: every filter optional, one page.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JournalQuery {
    pub visible: Visible,
    /// Status number 1-8.
    pub status: Option<u8>,
    /// A service code the case requests.
    pub service: Option<String>,
    pub hromada: Option<String>,
    pub district: Option<String>,
    pub complete: Option<bool>,
    /// `created_at` at or after, milliseconds since the epoch.
    pub created_from: Option<i64>,
    /// `created_at` at or before.
    pub created_to: Option<i64>,
    pub search: Option<Search>,
    /// At most [`MAX_LIMIT`] (a larger value is clamped by the store).
    pub limit: u32,
    pub offset: u32,
}

impl JournalQuery {
    /// The filters in words for the audit log: which are set and their values, except the
    /// search text (only whether there was one).
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = self.status {
            parts.push(format!("status={s}"));
        }
        if let Some(s) = &self.service {
            parts.push(format!("service={s}"));
        }
        if let Some(h) = &self.hromada {
            parts.push(format!("hromada={h}"));
        }
        if let Some(d) = &self.district {
            parts.push(format!("district={d}"));
        }
        if let Some(c) = self.complete {
            parts.push(format!("complete={c}"));
        }
        if let Some(f) = self.created_from {
            parts.push(format!("created_from={f}"));
        }
        if let Some(t) = self.created_to {
            parts.push(format!("created_to={t}"));
        }
        match &self.search {
            Some(Search::NamePrefix(_)) => parts.push("search=name".into()),
            Some(Search::Rnokpp(_)) => parts.push("search=rnokpp".into()),
            None => {}
        }
        parts.push(format!("limit={} offset={}", self.limit, self.offset));
        parts.join(" ")
    }
}

/// One page of the journal, newest case first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalPage {
    /// Rows matching the filters, over all pages.
    pub total: u64,
    pub rows: Vec<JournalEntry>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_box_tells_rnokpp_from_names() {
        assert_eq!(Search::parse(" 3001234567 "), Some(Search::Rnokpp("3001234567".into())));
        assert_eq!(Search::parse("ШЕВЧЕНКО  Тар"), Some(Search::NamePrefix("шевченко тар".into())));
        assert_eq!(Search::parse("Ґалаґан Їжак Єва"), Some(Search::NamePrefix("ґалаґан їжак єва".into())));
        assert_eq!(Search::parse("   "), None);
    }

    #[test]
    fn the_summary_never_holds_the_search_text() {
        let q =
            JournalQuery {
                status: Some(2), search: Search::parse("Шевченко"), limit: 10, ..JournalQuery::default()
            };
        let s = q.summary();
        assert!(s.contains("status=2") && s.contains("search=name"), "{s}");
        assert!(!s.to_lowercase().contains("шевченко"), "{s}");
    }
}
