//! Attachments over HTTP: uploads of the blobs this device holds and its cases refer to,
//! resumable (the server says how much it holds; the upload goes on from there), and
//! downloads of referenced blobs the device lacks. Which blobs went up is a sealed
//! setting, so each goes up once.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use super::SyncError;
use super::access::StoreAccess;
use super::http::{self, Endpoint, Response};
use super::progress::SyncProgress;
use crate::store::{Store, StoreError};

const UPLOADED: &str = "blobs_uploaded";
const MISSING: &str = "blobs_missing";
/// Bytes per `PATCH` (the server takes up to 1 MiB).
pub const CHUNK: usize = 256 * 1024;

/// What the blob routes need.
pub(crate) struct BlobCtx<'a> {
    pub(crate) ep: &'a Endpoint,
    pub(crate) token: &'a str,
    pub(crate) timeout: Duration,
    pub(crate) progress: &'a watch::Sender<SyncProgress>,
}

#[derive(Deserialize)]
struct Status {
    #[serde(default)]
    received: u64,
    #[serde(default)]
    complete: bool,
}

fn uploaded(store: &mut Store) -> Result<BTreeSet<String>, SyncError> {
    match store.setting(UPLOADED)? {
        None => Ok(BTreeSet::new()),
        Some(b) => serde_json::from_slice(&b).map_err(|_| SyncError::Store(StoreError::Tampered { what: "setting" })),
    }
}

fn mark_uploaded(store: &mut Store, hash: &str) -> Result<(), SyncError> {
    let mut set = uploaded(store)?;
    if set.insert(hash.to_owned()) {
        let json = serde_json::to_vec(&set).map_err(|e| SyncError::Local(e.to_string()))?;
        store.set_setting(UPLOADED, &json)?;
    }
    Ok(())
}

/// Referenced blobs on this device that the server has not confirmed yet, and their size.
pub fn pending(store: &mut Store) -> Result<(Vec<String>, u64), SyncError> {
    let done = uploaded(store)?;
    let mut hashes = Vec::new();
    let mut bytes = 0;
    for h in store.referenced_blobs()? {
        if !done.contains(&h) && store.has_blob(&h) {
            bytes += store.blob(&h)?.len() as u64;
            hashes.push(h);
        }
    }
    Ok((hashes, bytes))
}

impl BlobCtx<'_> {
    async fn call(
        &self,
        method: &str,
        path: &str,
        extra: Option<(&str, u64)>,
        body: Vec<u8>,
    ) -> Result<Response, SyncError> {
        let mut headers = vec![("authorization", format!("Bearer {}", self.token))];
        if let Some((name, v)) = extra {
            headers.push((name, v.to_string()));
        }
        let n = body.len();
        let res = http::request(self.ep, method, path, &headers, body, self.timeout).await?;
        self.progress.send_modify(|p| {
            p.bytes(true, n);
            p.bytes(false, res.body.len());
        });
        match res.status {
            401 | 403 => Err(super::session::refusal(&res)),
            _ => Ok(res),
        }
    }

    fn status(res: &Response) -> Result<Status, SyncError> {
        match res.status {
            200 | 201 | 409 => serde_json::from_slice(&res.body).map_err(|e| SyncError::Protocol(e.to_string())),
            status => Err(SyncError::Server { status, message: res.message() }),
        }
    }

    /// Uploads one blob from wherever the server's copy stops.
    async fn upload(&self, hash: &str, bytes: &[u8]) -> Result<(), SyncError> {
        let path = format!("/api/v1/blobs/{hash}");
        let res = self.call("PUT", &path, Some(("x-keis-blob-size", bytes.len() as u64)), Vec::new()).await?;
        let mut st = Self::status(&res)?;
        if st.complete {
            return Ok(());
        }
        let mut offset = st.received;
        let mut refused = 0;
        while (offset as usize) < bytes.len() {
            let start = offset as usize;
            let end = (start + CHUNK).min(bytes.len());
            let res = self.call("PATCH", &path, Some(("x-keis-offset", offset)), bytes[start..end].to_vec()).await?;
            st = Self::status(&res)?;
            refused = if res.status == 409 { refused + 1 } else { 0 };
            if (st.received <= offset && res.status != 409) || refused > 3 {
                return Err(SyncError::Protocol("the server took no bytes of a chunk".into()));
            }
            offset = st.received;
        }
        let res = self.call("POST", &format!("{path}/finish"), None, Vec::new()).await?;
        match res.status {
            200 | 201 => Ok(()),
            status => Err(SyncError::Server { status, message: res.message() }),
        }
    }
}

/// Uploads the pending blobs; returns how many went up.
pub(crate) async fn upload_pending(ctx: &BlobCtx<'_>, store: &mut impl StoreAccess) -> Result<usize, SyncError> {
    let (hashes, bytes) = store.with(pending)?;
    ctx.progress.send_modify(|p| p.pending_bytes = bytes);
    let mut n = 0;
    for h in hashes {
        let data = store.with(|s| s.blob(&h))?;
        ctx.upload(&h, &data).await?;
        store.with(|s| mark_uploaded(s, &h))?;
        n += 1;
        ctx.progress.send_modify(|p| {
            p.blobs_up += 1;
            p.pending_bytes = p.pending_bytes.saturating_sub(data.len() as u64);
        });
    }
    Ok(n)
}

/// When a blob the server did not hold is asked for again: a minute after the first miss,
/// doubling up to an hour, so blobs no device has uploaded yet do not cost a request on
/// every round. A blob first seen in a case is asked for at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Miss {
    pub misses: u32,
    pub next_try_ms: i64,
}

impl Miss {
    /// The server said 404 at `now_ms`.
    pub fn missed(self, now_ms: i64) -> Self {
        let misses = self.misses.saturating_add(1);
        let wait = (60_000i64 << (misses - 1).min(6)).min(3_600_000);
        Self { misses, next_try_ms: now_ms + wait }
    }

    /// Whether to ask again at `now_ms`.
    pub fn due(self, now_ms: i64) -> bool {
        now_ms >= self.next_try_ms
    }
}

fn misses(store: &mut Store) -> Result<BTreeMap<String, Miss>, SyncError> {
    match store.setting(MISSING)? {
        None => Ok(BTreeMap::new()),
        Some(b) => serde_json::from_slice(&b).map_err(|_| SyncError::Store(StoreError::Tampered { what: "setting" })),
    }
}

/// Downloads referenced blobs the device lacks; returns (downloaded, still missing
/// because the server does not hold them yet, asked now or earlier).
pub(crate) async fn download_missing(
    ctx: &BlobCtx<'_>,
    store: &mut impl StoreAccess,
    now_ms: i64,
) -> Result<(usize, usize), SyncError> {
    let (mut got, mut missing) = (0, 0);
    let (known, lacking) = store.with(|s| -> Result<_, SyncError> {
        let lacking: Vec<String> = s.referenced_blobs()?.into_iter().filter(|h| !s.has_blob(h)).collect();
        Ok((misses(s)?, lacking))
    })?;
    let mut next = BTreeMap::new();
    for h in lacking {
        let miss = known.get(&h).copied().unwrap_or_default();
        if !miss.due(now_ms) {
            missing += 1;
            next.insert(h, miss);
            continue;
        }
        let res = ctx.call("GET", &format!("/api/v1/blobs/{h}"), None, Vec::new()).await?;
        match res.status {
            200 if hex::encode(Sha256::digest(&res.body)) == h => {
                store.with(|s| -> Result<(), SyncError> {
                    s.put_blob(&res.body)?;
                    mark_uploaded(s, &h)
                })?;
                got += 1;
                ctx.progress.send_modify(|p| p.blobs_down += 1);
            }
            200 => return Err(SyncError::Protocol(format!("blob {h} does not match its hash"))),
            404 => {
                missing += 1;
                next.insert(h, miss.missed(now_ms));
            }
            status => return Err(SyncError::Server { status, message: res.message() }),
        }
    }
    if next != known {
        let json = serde_json::to_vec(&next).map_err(|e| SyncError::Local(e.to_string()))?;
        store.with(|s| s.set_setting(MISSING, &json))?;
    }
    Ok((got, missing))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_blob_is_asked_for_again_later_and_later() {
        let first = Miss::default();
        assert!(first.due(0), "a blob first seen is asked for at once");
        let m1 = first.missed(1_000);
        assert!(!m1.due(60_999) && m1.due(61_000));
        let m2 = m1.missed(61_000);
        assert_eq!(m2.next_try_ms, 61_000 + 120_000);
        let mut m = m2;
        for _ in 0..20 {
            m = m.missed(0);
        }
        assert_eq!(m.next_try_ms, 3_600_000, "at most an hour");
    }
}
