//! Demo cases stored for real (`serve --demo N`): each fictional case is appended to the
//! store as a document and projected into the journal, so the demo journal comes from
//! the database like any other.

use automerge::ActorId;
use keis_crdt::{CaseError, demo};

use super::{JournalEntry, JournalRow};
use crate::store::{Store, StoreError};

/// Why the demo cases could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("a demo case could not be built: {0}")]
    Case(#[from] CaseError),
    #[error("the demo cases could not be stored: {0}")]
    Store(#[from] StoreError),
    #[error("the embedded service catalogue cannot be read; the build is defective")]
    Catalogue,
}

/// When the first demo case was opened; the others follow a day apart.
const DEMO_T0: i64 = 1_763_900_000_000;

/// Stores `n` demo cases (every other one decided, the others just taken) unless already
/// stored, keeps their journal rows, and answers the rows.
pub async fn store_demo(store: &dyn Store, n: u32, now_ms: i64) -> Result<Vec<JournalRow>, DemoError> {
    let catalogue = super::catalogue().ok_or(DemoError::Catalogue)?;
    let mut rows = Vec::new();
    for i in 0..n {
        let actor = ActorId::from(format!("demo-{i}").as_bytes());
        let at = DEMO_T0 + i64::from(i) * 86_400_000;
        let mut doc =
            if i % 2 == 0 { demo::decided_application(actor, i, at)? } else { demo::application(actor, i, at)? };
        let case = doc.case().clone();
        if store.load(&case.id).await?.is_none() {
            store.append_changes(&case.id, &case.hromada, &doc.save()).await?;
            store.upsert_journal(JournalEntry::of_case(&case, catalogue, now_ms)).await?;
        }
        rows.push(JournalRow::of_case(&case, catalogue));
    }
    tracing::info!(cases = rows.len(), "demo cases stored");
    Ok(rows)
}
