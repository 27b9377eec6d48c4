//! The journal of cases (журнал реєстрації звернень): one summary row per case, the
//! projection the back office filters and pages through.
//!
//! - [`row`]: [`JournalRow`], built from a case document (or a case read from one).
//! - [`query`]: what is stored per case ([`JournalEntry`]), a filter ([`JournalQuery`])
//!   and one page of the answer ([`JournalPage`]).
//! - `sql`: the SQLite table `journal` (migration 0002) behind
//!   [`Store::upsert_journal`](crate::store::Store::upsert_journal) and
//!   [`Store::journal`](crate::store::Store::journal).
//! - [`demo`]: demo cases stored for real (`serve --demo N`).
//! - [`http`]: `GET /api/v1/journal`, authenticated, limited to the caller's hromadas,
//!   every query audited.
//!
//! The projection is kept by the sync host: after it appends accepted changes it
//! recomputes the case's row from the merged document it holds and upserts it.
//!
//! # Personal data
//!
//! The journal holds the applicant's name and RNOKPP by design: it is the back office's
//! register. It stays in the server's database; nothing here logs a row, a name, an
//! RNOKPP or the search text, and the audit line of a query names the filters only.

pub mod demo;
pub mod http;
pub mod query;
pub mod row;
pub(crate) mod sql;

use std::sync::OnceLock;

use keis_crdt::Catalogue;

pub use http::routes;
pub use query::{JournalEntry, JournalPage, JournalQuery, MAX_LIMIT};
pub use row::JournalRow;

/// The embedded service catalogue (package completeness), loaded once per process;
/// `None` if it cannot be read (a build defect, logged once).
pub fn catalogue() -> Option<&'static Catalogue> {
    static CATALOGUE: OnceLock<Option<Catalogue>> = OnceLock::new();
    CATALOGUE
        .get_or_init(|| match Catalogue::embedded() {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::error!(error = %e, "the embedded service catalogue cannot be read; the journal is not kept");
                None
            }
        })
        .as_ref()
}
