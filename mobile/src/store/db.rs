//! The SQLite file: schema and the clear-text metadata rows.
//!
//! What is in clear here, and why it is not personal data: case ids (random ids), blob
//! hashes, chunk numbers, the dirty flag, rejection codes, the sync cursor, the device's
//! Automerge actor id (random), the PIN salt and iteration count, the wrapped (sealed)
//! data key, and the wrong-PIN counter. Everything else is sealed ([`super::crypto`]).

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use super::StoreError;
use super::keys::WrappedKey;

pub(crate) const DB_FILE: &str = "keis.db";
const SCHEMA_VERSION: i64 = 2;

const SCHEMA: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    snapshot BLOB NOT NULL,
    next_chunk INTEGER NOT NULL DEFAULT 0,
    dirty INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE chunks (
    case_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (case_id, seq)
);
CREATE TABLE sync_states (case_id TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE rejections (case_id TEXT PRIMARY KEY, code INTEGER NOT NULL, reason BLOB NOT NULL);
";

/// Version 2: each case's sealed list summary (`case_list::CaseSummary`), so the case list
/// opens without loading every case. Cases stored before get theirs when first listed.
const SUMMARIES: &str = "CREATE TABLE summaries (case_id TEXT PRIMARY KEY, data BLOB NOT NULL);";

/// Opens (and if new, creates) the database in `dir`.
pub(crate) fn open(dir: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(dir.join(DB_FILE))?;
    // Freed pages are overwritten, so nothing lingers after a compaction or a delete.
    conn.pragma_update(None, "secure_delete", "ON")?;
    conn.pragma_update(None, "journal_mode", "DELETE")?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version < SCHEMA_VERSION {
        let tx = conn.unchecked_transaction()?;
        if version == 0 {
            tx.execute_batch(SCHEMA)?;
        }
        tx.execute_batch(SUMMARIES)?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        tx.commit()?;
    }
    Ok(conn)
}

pub(crate) fn get(conn: &Connection, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
}

pub(crate) fn set(conn: &Connection, key: &str, value: &[u8]) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

fn get_i64(conn: &Connection, key: &str) -> Result<i64, StoreError> {
    match get(conn, key)? {
        None => Ok(0),
        Some(b) => b.try_into().map(i64::from_be_bytes).map_err(|_| StoreError::Tampered { what: "meta" }),
    }
}

fn set_i64(conn: &Connection, key: &str, v: i64) -> Result<(), StoreError> {
    set(conn, key, &v.to_be_bytes())
}

pub(crate) fn wrapped_key(conn: &Connection) -> Result<WrappedKey, StoreError> {
    let tampered = || StoreError::Tampered { what: "data_key" };
    let salt = get(conn, "salt")?.ok_or_else(tampered)?;
    let iterations = get_i64(conn, "iterations")?;
    let sealed = get(conn, "wrapped_key")?.ok_or_else(tampered)?;
    let iterations = u32::try_from(iterations).map_err(|_| tampered())?;
    Ok(WrappedKey { salt, iterations, sealed })
}

pub(crate) fn set_wrapped_key(conn: &Connection, w: &WrappedKey) -> Result<(), StoreError> {
    let tx = conn.unchecked_transaction()?;
    set(&tx, "salt", &w.salt)?;
    set_i64(&tx, "iterations", i64::from(w.iterations))?;
    set(&tx, "wrapped_key", &w.sealed)?;
    tx.commit()?;
    Ok(())
}

/// Wrong PINs in a row, and the time before which no PIN is tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Attempts {
    pub(crate) failures: u32,
    pub(crate) locked_until: i64,
}

pub(crate) fn attempts(conn: &Connection) -> Result<Attempts, StoreError> {
    let failures = u32::try_from(get_i64(conn, "failures")?).map_err(|_| StoreError::Tampered { what: "meta" })?;
    Ok(Attempts { failures, locked_until: get_i64(conn, "locked_until")? })
}

pub(crate) fn set_attempts(conn: &Connection, a: Attempts) -> Result<(), StoreError> {
    let tx = conn.unchecked_transaction()?;
    set_i64(&tx, "failures", i64::from(a.failures))?;
    set_i64(&tx, "locked_until", a.locked_until)?;
    tx.commit()?;
    Ok(())
}

pub(crate) fn cursor(conn: &Connection) -> Result<u64, StoreError> {
    u64::try_from(get_i64(conn, "cursor")?).map_err(|_| StoreError::Tampered { what: "meta" })
}

pub(crate) fn set_cursor(conn: &Connection, cursor: u64) -> Result<(), StoreError> {
    set_i64(conn, "cursor", i64::try_from(cursor).map_err(|_| StoreError::Tampered { what: "meta" })?)
}
