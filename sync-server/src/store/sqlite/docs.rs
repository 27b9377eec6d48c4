//! SQL of documents, the change cursor and sync state (tables `docs`, `doc_chunks`,
//! `sync_states`). Plain functions on a connection; the caller picks the thread and the
//! transaction.

use rusqlite::{Connection, OptionalExtension, params};

use super::{from_i64, to_i64};
use crate::store::{ALL_SCOPES, Changed, Chunk, Seq, StoreError, StoredDoc};

pub(crate) fn append(conn: &Connection, doc_id: &str, scope: &str, bytes: &[u8]) -> Result<Seq, StoreError> {
    if scope.is_empty() || scope == ALL_SCOPES {
        return Err(StoreError::InvalidScope { scope: scope.to_owned() });
    }
    let stored: Option<String> =
        conn.query_row("SELECT scope FROM docs WHERE doc_id = ?1", [doc_id], |r| r.get(0)).optional()?;
    match stored {
        Some(stored) if stored != scope => {
            return Err(StoreError::ScopeMismatch { doc_id: doc_id.to_owned(), stored, given: scope.to_owned() });
        }
        Some(_) => {}
        None => {
            conn.prepare_cached("INSERT INTO docs (doc_id, scope, seq) VALUES (?1, ?2, 0)")?
                .execute((doc_id, scope))?;
        }
    }
    conn.prepare_cached("INSERT INTO doc_chunks (doc_id, bytes) VALUES (?1, ?2)")?.execute(params![doc_id, bytes])?;
    let seq = conn.last_insert_rowid();
    conn.prepare_cached("UPDATE docs SET seq = ?2 WHERE doc_id = ?1")?.execute((doc_id, seq))?;
    Ok(Seq(from_i64(seq)))
}

pub(crate) fn load(conn: &Connection, doc_id: &str) -> Result<Option<StoredDoc>, StoreError> {
    // One read transaction, so the snapshot and the chunks are of the same moment.
    conn.execute_batch("BEGIN")?;
    let out = load_in_tx(conn, doc_id);
    conn.execute_batch("COMMIT")?;
    out
}

fn load_in_tx(conn: &Connection, doc_id: &str) -> Result<Option<StoredDoc>, StoreError> {
    let head = conn
        .prepare_cached("SELECT scope, snapshot, snapshot_covers FROM docs WHERE doc_id = ?1")?
        .query_row([doc_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<Vec<u8>>>(1)?, r.get::<_, i64>(2)?)))
        .optional()?;
    let Some((scope, snapshot, snapshot_covers)) = head else { return Ok(None) };
    let mut stmt = conn.prepare_cached("SELECT chunk_id, bytes FROM doc_chunks WHERE doc_id = ?1 ORDER BY chunk_id")?;
    let chunks = stmt
        .query_map([doc_id], |r| Ok(Chunk { seq: Seq(from_i64(r.get(0)?)), bytes: r.get(1)? }))?
        .collect::<Result<Vec<_>, _>>()?;
    let covers = chunks.last().map_or(Seq(from_i64(snapshot_covers)), |c| c.seq);
    Ok(Some(StoredDoc { doc_id: doc_id.to_owned(), scope, snapshot, chunks, covers }))
}

pub(crate) fn compact(conn: &Connection, doc_id: &str, snapshot: &[u8], up_to: Seq) -> Result<(), StoreError> {
    let head: Option<(i64, i64)> = conn
        .query_row("SELECT snapshot_covers, seq FROM docs WHERE doc_id = ?1", [doc_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((covered, latest)) = head else { return Err(StoreError::UnknownDoc { doc_id: doc_id.to_owned() }) };
    let (covered, latest) = (from_i64(covered), from_i64(latest));
    // An older snapshot must never replace a newer one: the chunks in between are gone.
    if up_to.0 < covered {
        return Err(StoreError::StaleCompaction { doc_id: doc_id.to_owned(), covered, given: up_to.0 });
    }
    if up_to.0 > latest {
        return Err(StoreError::CompactionAhead { doc_id: doc_id.to_owned(), given: up_to.0, latest });
    }
    conn.execute(
        "UPDATE docs SET snapshot = ?2, snapshot_covers = ?3 WHERE doc_id = ?1",
        params![doc_id, snapshot, to_i64(up_to.0)],
    )?;
    conn.execute("DELETE FROM doc_chunks WHERE doc_id = ?1 AND chunk_id <= ?2", params![doc_id, to_i64(up_to.0)])?;
    Ok(())
}

pub(crate) fn changed_since(conn: &Connection, scope: &str, cursor: Seq, limit: u32) -> Result<Changed, StoreError> {
    let limit = limit.clamp(1, 10_000);
    let after = to_i64(cursor.0);
    let rows: Vec<(String, i64)> = if scope == ALL_SCOPES {
        let mut stmt = conn.prepare_cached("SELECT doc_id, seq FROM docs WHERE seq > ?1 ORDER BY seq LIMIT ?2")?;
        stmt.query_map(params![after, limit], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?
    } else {
        let mut stmt =
            conn.prepare_cached("SELECT doc_id, seq FROM docs WHERE scope = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3")?;
        stmt.query_map(params![scope, after, limit], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?
    };
    let more = rows.len() == limit as usize;
    let cursor = rows.last().map_or(cursor, |(_, seq)| Seq(from_i64(*seq)));
    Ok(Changed { doc_ids: rows.into_iter().map(|(id, _)| id).collect(), cursor, more })
}

pub(crate) fn sync_state(conn: &Connection, peer_id: &str, doc_id: &str) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT state FROM sync_states WHERE peer_id = ?1 AND doc_id = ?2")?
        .query_row((peer_id, doc_id), |r| r.get(0))
        .optional()?)
}

pub(crate) fn put_sync_state(conn: &Connection, peer_id: &str, doc_id: &str, state: &[u8]) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO sync_states (peer_id, doc_id, state) VALUES (?1, ?2, ?3)
         ON CONFLICT (peer_id, doc_id) DO UPDATE SET state = excluded.state",
    )?
    .execute(params![peer_id, doc_id, state])?;
    Ok(())
}
