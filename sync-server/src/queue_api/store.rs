//! Durable storage of the queue, behind a narrow trait: [`QueueStore`]. The queue's day is
//! the fold of its event log, so the store keeps the log of each (office, date) and each
//! office's booking book; it knows nothing of the rules.
//!
//! The trait names no SQLite type: a PostgreSQL backend maps `queue_events` to a table
//! with `PRIMARY KEY (office, day, seq)` and the events as `JSONB`, and
//! `queue_bookings` to a row per office, both written in one transaction per
//! [`QueueStore::commit`]. [`SqliteQueueStore`](super::sqlite::SqliteQueueStore) is the
//! default backend.

use async_trait::async_trait;

use crate::queue::{BookingBook, Date, QueueEvent};

/// Why the queue's storage failed.
#[derive(Debug, thiserror::Error)]
pub enum QueueStoreError {
    #[error("queue storage failed: {0}")]
    Backend(String),
    #[error("the queue log of {office} on {date} already has event {seq}; another writer?")]
    Conflict { office: String, date: Date, seq: u64 },
    #[error("a stored queue record cannot be read: {0}")]
    Corrupt(String),
}

/// Durable storage of the queue. Every `Ok` is durable (committed) when it returns.
#[async_trait]
pub trait QueueStore: Send + Sync + 'static {
    /// Appends `events` (consecutive `seq`s) to the log of `office` on `date`, and, if
    /// given, replaces the office's booking book, in one transaction.
    async fn commit(
        &self,
        office: &str,
        date: Date,
        events: &[QueueEvent],
        bookings: Option<&BookingBook>,
    ) -> Result<(), QueueStoreError>;

    /// The log of `office` on `date` in `seq` order (empty if the day never opened).
    async fn day(&self, office: &str, date: Date) -> Result<Vec<QueueEvent>, QueueStoreError>;

    /// The logs of `office` from `from` to `to` (inclusive), day by day, each in `seq`
    /// order: what the statistics read.
    async fn days(&self, office: &str, from: Date, to: Date) -> Result<Vec<QueueEvent>, QueueStoreError>;

    /// The office's booking book, if one was saved.
    async fn bookings(&self, office: &str) -> Result<Option<BookingBook>, QueueStoreError>;
}
