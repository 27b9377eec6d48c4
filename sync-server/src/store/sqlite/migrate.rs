//! Versioned schema migrations of the SQLite backend, applied at open in one transaction.
//!
//! Each migration is a numbered SQL file under `sync-server/migrations/`, compiled in.
//! A released migration is never edited: a change of schema is a new file with the next
//! number. `schema_migrations` records what was applied, so applying twice is a no-op,
//! and a database from a newer server is refused rather than misread.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use crate::store::StoreError;

/// (version, name, SQL), in order.
pub(crate) const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../../../migrations/0001_init.sql")),
    (2, "journal", include_str!("../../../migrations/0002_journal.sql")),
    (3, "edge", include_str!("../../../migrations/0003_edge.sql")),
];

/// The schema version this server writes.
pub(crate) fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}

/// Applies the migrations the database lacks; returns how many ran.
pub(crate) fn apply(conn: &mut Connection, now_ms: i64) -> Result<usize, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY NOT NULL,
             name       TEXT NOT NULL,
             applied_at INTEGER NOT NULL
         ) STRICT",
    )?;
    let current: i64 =
        tx.query_row("SELECT MAX(version) FROM schema_migrations", [], |r| r.get::<_, Option<i64>>(0))?.unwrap_or(0);
    if current > latest() {
        return Err(StoreError::NewerSchema { found: current, known: latest() });
    }
    let mut ran = 0;
    for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        tracing::info!(version, name, "applying storage migration");
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            (version, name, now_ms),
        )?;
        ran += 1;
    }
    tx.commit()?;
    Ok(ran)
}

/// The versions recorded as applied, in order.
pub(crate) fn applied(conn: &Connection) -> Result<Vec<i64>, StoreError> {
    let exists: Option<i64> = conn
        .query_row("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'", [], |r| r.get(0))
        .optional()?;
    if exists.is_none() {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare("SELECT version FROM schema_migrations ORDER BY version")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applying_twice_is_a_no_op() {
        let mut conn = Connection::open_in_memory().expect("open");
        assert_eq!(apply(&mut conn, 1).expect("first"), MIGRATIONS.len());
        assert_eq!(apply(&mut conn, 2).expect("second"), 0);
        assert_eq!(applied(&conn).expect("applied"), (1..=latest()).collect::<Vec<_>>());
    }

    #[test]
    fn a_newer_database_is_refused() {
        let mut conn = Connection::open_in_memory().expect("open");
        apply(&mut conn, 1).expect("apply");
        conn.execute("INSERT INTO schema_migrations VALUES (?1, 'future', 0)", [latest() + 1]).expect("insert");
        let err = apply(&mut conn, 2).expect_err("newer schema");
        assert!(matches!(err, StoreError::NewerSchema { found, .. } if found == latest() + 1), "{err}");
    }

    #[test]
    fn versions_are_increasing() {
        assert!(MIGRATIONS.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
