//! [`SqliteQueueStore`]: the queue's log in its own SQLite file, `<data>/queue.sqlite`
//! (WAL, `synchronous=FULL`: a commit is on disk when it returns). The schema is
//! versioned with `PRAGMA user_version`; migrations run in order on open.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

use super::store::{QueueStore, QueueStoreError};
use crate::queue::{BookingBook, Date, QueueEvent};

/// The file name inside the data directory.
pub const FILE_NAME: &str = "queue.sqlite";

/// Numbered migrations; `user_version` is how many ran.
const MIGRATIONS: &[&str] = &["CREATE TABLE queue_events (
        office TEXT NOT NULL,
        day TEXT NOT NULL,
        seq INTEGER NOT NULL,
        at INTEGER NOT NULL,
        event TEXT NOT NULL,
        PRIMARY KEY (office, day, seq)
    ) WITHOUT ROWID;
    CREATE TABLE queue_bookings (
        office TEXT PRIMARY KEY,
        book TEXT NOT NULL
    );"];

/// The queue's SQLite store; cheap to clone.
#[derive(Clone)]
pub struct SqliteQueueStore {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
}

impl std::fmt::Debug for SqliteQueueStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteQueueStore").field("path", &self.path).finish()
    }
}

fn backend(e: impl std::fmt::Display) -> QueueStoreError {
    QueueStoreError::Backend(e.to_string())
}

impl SqliteQueueStore {
    /// Opens (creating if needed) `<data_dir>/queue.sqlite` and migrates it.
    pub async fn open(data_dir: &Path) -> Result<Self, QueueStoreError> {
        let dir = data_dir.to_path_buf();
        tokio::task::spawn_blocking(move || Self::open_blocking(&dir)).await.map_err(backend)?
    }

    fn open_blocking(dir: &Path) -> Result<Self, QueueStoreError> {
        std::fs::create_dir_all(dir).map_err(backend)?;
        let path = dir.join(FILE_NAME);
        let mut conn = Connection::open(&path).map_err(backend)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(backend)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(backend)?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(backend)?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(backend)?;
        let done = usize::try_from(version).unwrap_or(0);
        if done > MIGRATIONS.len() {
            return Err(QueueStoreError::Corrupt(format!(
                "{} has schema version {version}, newer than this server knows ({})",
                path.display(),
                MIGRATIONS.len()
            )));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
            let tx = conn.transaction().map_err(backend)?;
            tx.execute_batch(sql).map_err(backend)?;
            tx.pragma_update(None, "user_version", i64::try_from(i + 1).unwrap_or(i64::MAX)).map_err(backend)?;
            tx.commit().map_err(backend)?;
        }
        Ok(Self { conn: Arc::new(Mutex::new(conn)), path })
    }

    /// Runs `f` on the connection on a blocking thread.
    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, QueueStoreError> + Send + 'static,
    ) -> Result<T, QueueStoreError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().map_err(|_| backend("the queue store's lock is poisoned"))?;
            f(&mut guard)
        })
        .await
        .map_err(backend)?
    }
}

fn read_events(rows: Vec<String>) -> Result<Vec<QueueEvent>, QueueStoreError> {
    rows.iter().map(|t| serde_json::from_str(t).map_err(|e| QueueStoreError::Corrupt(e.to_string()))).collect()
}

#[async_trait]
impl QueueStore for SqliteQueueStore {
    async fn commit(
        &self,
        office: &str,
        date: Date,
        events: &[QueueEvent],
        bookings: Option<&BookingBook>,
    ) -> Result<(), QueueStoreError> {
        let rows: Vec<(u64, i64, String)> = events
            .iter()
            .map(|e| serde_json::to_string(e).map(|j| (e.seq, e.at.0, j)))
            .collect::<Result<_, _>>()
            .map_err(backend)?;
        let book = bookings.map(serde_json::to_string).transpose().map_err(backend)?;
        let (office, day) = (office.to_owned(), date.to_string());
        self.with(move |conn| {
            let tx = conn.transaction().map_err(backend)?;
            {
                let mut insert = tx
                    .prepare_cached(
                        "INSERT INTO queue_events (office, day, seq, at, event) VALUES (?1, ?2, ?3, ?4, ?5)",
                    )
                    .map_err(backend)?;
                for (seq, at, json) in &rows {
                    let seq_i = i64::try_from(*seq).map_err(backend)?;
                    insert.execute(params![office, day, seq_i, at, json]).map_err(|e| match e {
                        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
                            QueueStoreError::Conflict { office: office.clone(), date, seq: *seq }
                        }
                        other => backend(other),
                    })?;
                }
            }
            if let Some(book) = &book {
                tx.execute(
                    "INSERT INTO queue_bookings (office, book) VALUES (?1, ?2)
                     ON CONFLICT (office) DO UPDATE SET book = excluded.book",
                    params![office, book],
                )
                .map_err(backend)?;
            }
            tx.commit().map_err(backend)
        })
        .await
    }

    async fn day(&self, office: &str, date: Date) -> Result<Vec<QueueEvent>, QueueStoreError> {
        self.days(office, date, date).await
    }

    async fn days(&self, office: &str, from: Date, to: Date) -> Result<Vec<QueueEvent>, QueueStoreError> {
        let (office, from, to) = (office.to_owned(), from.to_string(), to.to_string());
        let rows = self
            .with(move |conn| {
                let mut q = conn
                    .prepare_cached(
                        "SELECT event FROM queue_events WHERE office = ?1 AND day >= ?2 AND day <= ?3 ORDER BY day, seq",
                    )
                    .map_err(backend)?;
                let rows = q.query_map(params![office, from, to], |r| r.get::<_, String>(0)).map_err(backend)?;
                rows.collect::<Result<Vec<_>, _>>().map_err(backend)
            })
            .await?;
        read_events(rows)
    }

    async fn bookings(&self, office: &str) -> Result<Option<BookingBook>, QueueStoreError> {
        let office = office.to_owned();
        let text = self
            .with(move |conn| {
                conn.query_row("SELECT book FROM queue_bookings WHERE office = ?1", params![office], |r| {
                    r.get::<_, String>(0)
                })
                .optional()
                .map_err(backend)
            })
            .await?;
        text.map(|t| serde_json::from_str(&t).map_err(|e| QueueStoreError::Corrupt(e.to_string()))).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::{Actor, EventKind, Timestamp};

    fn ev(seq: u64) -> QueueEvent {
        QueueEvent { seq, at: Timestamp(1), by: Actor::System, kind: EventKind::DayClosed }
    }

    #[tokio::test]
    async fn events_survive_reopening_and_a_seq_is_written_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let day = Date::new(2026, 11, 23);
        {
            let s = SqliteQueueStore::open(dir.path()).await.expect("open");
            s.commit("o", day, &[ev(1), ev(2)], Some(&BookingBook::new())).await.expect("commit");
            let again = s.commit("o", day, &[ev(2)], None).await;
            assert!(matches!(again, Err(QueueStoreError::Conflict { seq: 2, .. })), "{again:?}");
        }
        let s = SqliteQueueStore::open(dir.path()).await.expect("reopen");
        assert_eq!(s.day("o", day).await.expect("day"), vec![ev(1), ev(2)]);
        assert_eq!(s.day("o", Date::new(2026, 11, 24)).await.expect("day"), vec![]);
        assert_eq!(s.day("other", day).await.expect("day"), vec![]);
        assert_eq!(s.bookings("o").await.expect("book"), Some(BookingBook::new()));
        assert_eq!(s.bookings("other").await.expect("book"), None);
    }
}
