//! Case documents in the store: an encrypted Automerge snapshot per case plus encrypted
//! incremental chunks appended on every change, compacted into a new snapshot now and
//! then; the dirty set (outbox), sync states, refusals and the cursor.

use automerge::{AutoCommit, ChangeHash};
use std::sync::OnceLock;

use keis_crdt::{Case, CaseDoc, Catalogue, Ids};
use rusqlite::{OptionalExtension, params};
use zeroize::Zeroizing;

use super::crypto::RowId;
use super::{Activity, Parts, Store, StoreError, db};
use crate::case_list::CaseSummary;

/// The server refused this device's changes to a case; they are kept locally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub code: u16,
    /// The server's reason, as shown to the user.
    pub reason: String,
}

impl Store {
    /// Saves a case made or changed outside the store (e.g. a new application): merged
    /// into what is stored, appended as a chunk, marked dirty.
    pub fn put_case(&mut self, case: &mut CaseDoc) -> Result<(), StoreError> {
        let id = case.case().id.clone();
        self.edits += 1;
        let p = self.parts(Activity::User)?;
        match p.load_doc(&id)? {
            None => p.store_changes(&id, case.automerge_mut(), &[], true),
            Some(mut stored) => {
                let before = stored.get_heads();
                stored.merge(case.automerge_mut())?;
                p.store_changes(&id, &mut stored, &before, true)
            }
        }
    }

    /// Edits a stored case with [`CaseDoc::edit`]; the change is appended and the case
    /// marked dirty.
    pub fn edit_case<R>(
        &mut self,
        id: &str,
        at: i64,
        f: impl FnOnce(&mut Case, &mut Ids) -> R,
    ) -> Result<R, StoreError> {
        self.edits += 1;
        let p = self.parts(Activity::User)?;
        let doc = p.load_doc(id)?.ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
        let mut case = CaseDoc::from_automerge(doc)?;
        let before = case.heads();
        let out = case.edit(at, f)?;
        p.store_changes(id, case.automerge_mut(), &before, true)?;
        Ok(out)
    }

    /// A stored case, with this device's actor for further changes.
    pub fn case(&mut self, id: &str) -> Result<CaseDoc, StoreError> {
        let p = self.parts(Activity::User)?;
        let doc = p.load_doc(id)?.ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
        Ok(CaseDoc::from_automerge(doc)?)
    }

    /// Every stored case's summary and whether it has changes not yet sent, in id order:
    /// what the case list shows, read without loading the cases. A case whose summary is
    /// missing or unreadable (stored before summaries were kept) gets it computed now.
    pub fn summaries(&mut self) -> Result<Vec<(CaseSummary, bool)>, StoreError> {
        let p = self.parts(Activity::User)?;
        let mut stmt = p.conn.prepare_cached(
            "SELECT c.id, c.dirty, s.data FROM cases c LEFT JOIN summaries s ON s.case_id = c.id ORDER BY c.id",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?, r.get::<_, Option<Vec<u8>>>(2)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        drop(stmt);
        let mut out = Vec::with_capacity(rows.len());
        for (id, dirty, sealed) in rows {
            let kept = sealed
                .and_then(|b| p.key.open(RowId::new("summary", &id, 0), &b).ok())
                .and_then(|b| CaseSummary::decode(&Zeroizing::new(b)));
            let summary = match kept {
                Some(s) => s,
                None => {
                    let Some(doc) = p.load_doc(&id)? else { continue };
                    p.write_summary(&id, &doc)?;
                    let Some(s) = summary_of(&doc) else { continue };
                    s
                }
            };
            out.push((summary, dirty));
        }
        Ok(out)
    }

    /// The ids of all stored cases.
    pub fn case_ids(&mut self) -> Result<Vec<String>, StoreError> {
        let p = self.parts(Activity::User)?;
        p.ids("SELECT id FROM cases ORDER BY id")
    }

    /// Cases changed here and not yet confirmed durable by the server.
    pub fn dirty_cases(&mut self) -> Result<Vec<String>, StoreError> {
        self.parts(Activity::User)?.dirty()
    }

    /// Why the server refused this device's changes to a case, if it did.
    pub fn rejection(&mut self, id: &str) -> Result<Option<Rejection>, StoreError> {
        self.parts(Activity::User)?.rejection(id)
    }

    /// The cases whose changes the server refused (and that wait, kept, on the device).
    pub fn refused_cases(&mut self) -> Result<std::collections::BTreeSet<String>, StoreError> {
        Ok(self.parts(Activity::User)?.ids("SELECT case_id FROM rejections ORDER BY case_id")?.into_iter().collect())
    }

    /// The sync cursor saved last.
    pub fn cursor(&mut self) -> Result<u64, StoreError> {
        db::cursor(self.parts(Activity::User)?.conn)
    }

    /// Rewrites a case as one snapshot, dropping its chunks.
    pub fn compact(&mut self, id: &str) -> Result<(), StoreError> {
        let p = self.parts(Activity::User)?;
        let mut doc = p.load_doc(id)?.ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
        let tx = p.conn.unchecked_transaction()?;
        p.write_snapshot(id, &mut doc)?;
        tx.commit()?;
        Ok(())
    }
}

/// The summary of a stored document, if it is a readable case.
fn summary_of(doc: &AutoCommit) -> Option<CaseSummary> {
    static CATALOGUE: OnceLock<Option<Catalogue>> = OnceLock::new();
    let catalogue = CATALOGUE.get_or_init(|| Catalogue::embedded().ok()).as_ref()?;
    let case = CaseDoc::from_automerge(doc.clone()).ok()?;
    Some(CaseSummary::of(&case, catalogue))
}

fn seq_of(seq: i64) -> Result<u64, StoreError> {
    u64::try_from(seq).map_err(|_| StoreError::Tampered { what: "chunk" })
}

impl Parts<'_> {
    /// Loads a stored document (snapshot and chunks), or `None` if there is none.
    pub(crate) fn load_doc(&self, id: &str) -> Result<Option<AutoCommit>, StoreError> {
        let snapshot: Option<Vec<u8>> =
            self.conn.query_row("SELECT snapshot FROM cases WHERE id = ?1", [id], |r| r.get(0)).optional()?;
        let Some(sealed) = snapshot else { return Ok(None) };
        let mut bytes = Zeroizing::new(self.key.open(RowId::new("case", id, 0), &sealed)?);
        let mut stmt = self.conn.prepare_cached("SELECT seq, data FROM chunks WHERE case_id = ?1 ORDER BY seq")?;
        let rows = stmt.query_map([id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
        for row in rows {
            let (seq, data) = row?;
            let chunk = Zeroizing::new(self.key.open(RowId::new("chunk", id, seq_of(seq)?), &data)?);
            bytes.extend_from_slice(&chunk);
        }
        // Snapshot and chunks concatenated are what Automerge loads in one go.
        Ok(Some(AutoCommit::load(&bytes)?.with_actor(self.actor.clone())))
    }

    /// Stores the changes made to `doc` since `before`: a new document gets a snapshot,
    /// a known one a chunk. `dirty` marks the case for the next sync.
    pub(crate) fn store_changes(
        &self,
        id: &str,
        doc: &mut AutoCommit,
        before: &[ChangeHash],
        dirty: bool,
    ) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let next: Option<i64> =
            tx.query_row("SELECT next_chunk FROM cases WHERE id = ?1", [id], |r| r.get(0)).optional()?;
        match next {
            None if doc.get_heads().is_empty() => return Ok(()),
            None => {
                let sealed = self.key.seal(self.rng, RowId::new("case", id, 0), &Zeroizing::new(doc.save()))?;
                tx.execute("INSERT INTO cases (id, snapshot, dirty) VALUES (?1, ?2, ?3)", params![id, sealed, dirty])?;
            }
            Some(seq) => {
                let chunk = Zeroizing::new(doc.save_after(before));
                if !chunk.is_empty() {
                    let sealed = self.key.seal(self.rng, RowId::new("chunk", id, seq_of(seq)?), &chunk)?;
                    tx.execute(
                        "INSERT INTO chunks (case_id, seq, data) VALUES (?1, ?2, ?3)",
                        params![id, seq, sealed],
                    )?;
                    tx.execute("UPDATE cases SET next_chunk = ?2 WHERE id = ?1", params![id, seq + 1])?;
                }
                if dirty {
                    tx.execute("UPDATE cases SET dirty = 1 WHERE id = ?1", [id])?;
                }
                let chunks: i64 = tx.query_row("SELECT count(*) FROM chunks WHERE case_id = ?1", [id], |r| r.get(0))?;
                if chunks >= i64::from(self.compact_after.max(1)) {
                    self.write_snapshot(id, doc)?;
                }
            }
        }
        self.write_summary(id, doc)?;
        tx.commit()?;
        Ok(())
    }

    /// Keeps the case's [`CaseSummary`] (sealed) for the case list; a document that is not
    /// a readable case (yet) has none.
    pub(crate) fn write_summary(&self, id: &str, doc: &AutoCommit) -> Result<(), StoreError> {
        match summary_of(doc) {
            Some(s) => {
                let sealed = self.key.seal(self.rng, RowId::new("summary", id, 0), &Zeroizing::new(s.encode()))?;
                self.conn.execute(
                    "INSERT INTO summaries (case_id, data) VALUES (?1, ?2) \
                     ON CONFLICT(case_id) DO UPDATE SET data = excluded.data",
                    params![id, sealed],
                )?;
            }
            None => {
                self.conn.execute("DELETE FROM summaries WHERE case_id = ?1", [id])?;
            }
        }
        Ok(())
    }

    /// Replaces the snapshot with the whole of `doc` and drops the chunks. Chunk numbers
    /// go on from where they were, so a dropped chunk's ciphertext never fits a new row.
    fn write_snapshot(&self, id: &str, doc: &mut AutoCommit) -> Result<(), StoreError> {
        let sealed = self.key.seal(self.rng, RowId::new("case", id, 0), &Zeroizing::new(doc.save()))?;
        self.conn.execute("UPDATE cases SET snapshot = ?2 WHERE id = ?1", params![id, sealed])?;
        self.conn.execute("DELETE FROM chunks WHERE case_id = ?1", [id])?;
        Ok(())
    }

    pub(crate) fn ids(&self, sql: &str) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let ids = stmt.query_map([], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
        Ok(ids)
    }

    pub(crate) fn dirty(&self) -> Result<Vec<String>, StoreError> {
        self.ids("SELECT id FROM cases WHERE dirty = 1 ORDER BY id")
    }

    pub(crate) fn clear_dirty(&self, id: &str) -> Result<(), StoreError> {
        self.conn.execute("UPDATE cases SET dirty = 0 WHERE id = ?1", [id])?;
        Ok(())
    }

    pub(crate) fn rejection(&self, id: &str) -> Result<Option<Rejection>, StoreError> {
        let row: Option<(i64, Vec<u8>)> = self
            .conn
            .query_row("SELECT code, reason FROM rejections WHERE case_id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((code, sealed)) = row else { return Ok(None) };
        let code = u16::try_from(code).map_err(|_| StoreError::Tampered { what: "rejection" })?;
        let reason = self.key.open(RowId::new("rejection", id, u64::from(code)), &sealed)?;
        let reason = String::from_utf8(reason).map_err(|_| StoreError::Tampered { what: "rejection" })?;
        Ok(Some(Rejection { code, reason }))
    }

    pub(crate) fn set_rejection(&self, id: &str, code: u16, reason: &str) -> Result<(), StoreError> {
        let sealed = self.key.seal(self.rng, RowId::new("rejection", id, u64::from(code)), reason.as_bytes())?;
        self.conn.execute(
            "INSERT INTO rejections (case_id, code, reason) VALUES (?1, ?2, ?3)
             ON CONFLICT(case_id) DO UPDATE SET code = excluded.code, reason = excluded.reason",
            params![id, code, sealed],
        )?;
        Ok(())
    }

    pub(crate) fn clear_rejection(&self, id: &str) -> Result<(), StoreError> {
        self.conn.execute("DELETE FROM rejections WHERE case_id = ?1", [id])?;
        Ok(())
    }

    /// The persisted sync state of a document (`automerge::sync::State::encode`).
    pub(crate) fn sync_state(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let row: Option<Vec<u8>> =
            self.conn.query_row("SELECT data FROM sync_states WHERE case_id = ?1", [id], |r| r.get(0)).optional()?;
        row.map(|sealed| self.key.open(RowId::new("sync_state", id, 0), &sealed)).transpose()
    }

    pub(crate) fn set_sync_state(&self, id: &str, state: &[u8]) -> Result<(), StoreError> {
        let sealed = self.key.seal(self.rng, RowId::new("sync_state", id, 0), state)?;
        self.conn.execute(
            "INSERT INTO sync_states (case_id, data) VALUES (?1, ?2)
             ON CONFLICT(case_id) DO UPDATE SET data = excluded.data",
            params![id, sealed],
        )?;
        Ok(())
    }
}
