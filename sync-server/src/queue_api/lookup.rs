//! `GET /api/v1/status?number=CASE_NUMBER&code=CODE`: the citizen's status lookup.
//!
//! The case is found by its number in the journal, its document loaded from the main
//! [`Store`] and the code checked against [`keis_crdt::lookup::lookup_code`] (compared as
//! SHA-256 digests, in constant time). A wrong number and a wrong code give the same 404,
//! so the route tells nothing about which cases exist; each client address may ask
//! [`PER_MINUTE`] times a minute (then 429), which makes guessing eight digits hopeless.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use automerge::ActorId;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::{Json, Router, routing::get};
use keis_crdt::CaseDoc;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::clock::Clock;
use super::error::ApiError;
use super::http::{ApiState, query};
use crate::journal::query::Visible;
use crate::journal::{JournalQuery, JournalRow, MAX_LIMIT};
use crate::store::Store;

/// Lookups a client address may make per minute.
pub const PER_MINUTE: u32 = 10;

/// What the lookup needs: the main store, a clock for the rate limit, and the counts.
pub struct Lookup {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    /// Per client: (start of its minute, requests in it).
    seen: Mutex<HashMap<Option<IpAddr>, (i64, u32)>>,
}

impl Lookup {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock, seen: Mutex::new(HashMap::new()) }
    }

    /// Counts a request of `client`; `false` if over the limit.
    fn admit(&self, client: Option<IpAddr>) -> bool {
        let now = self.clock.now().0;
        let Ok(mut seen) = self.seen.lock() else { return false };
        if seen.len() > 10_000 {
            seen.retain(|_, (start, _)| now - *start < 60_000);
        }
        let entry = seen.entry(client).or_insert((now, 0));
        if now - entry.0 >= 60_000 {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= PER_MINUTE
    }
}

/// The client's address, if the server was started with connect info.
pub(crate) struct ClientIp(Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())))
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct StatusQuery {
    number: Option<String>,
    code: Option<String>,
}

/// The answer of a lookup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusView {
    pub number: String,
    pub status: String,
    pub status_number: Option<u8>,
    /// What happens next, in Ukrainian.
    pub next_step: String,
}

/// What the citizen can expect after status `n`.
pub fn next_step(n: Option<u8>) -> &'static str {
    match n {
        Some(1) => "Заяву оформлюють. Підпишіть її та передайте всі документи уповноваженій особі.",
        Some(2) => "Заяву перевіряє уповноважена особа громади.",
        Some(3) => "Заяву повернуто на доопрацювання: зверніться до старости або до ЦНАП, щоб доповнити документи.",
        Some(4) => "Заяву передано до управління соціального захисту населення; чекайте на перевірку.",
        Some(5) => "Заяву повернуто до громади для уточнень; з вами можуть зв'язатися.",
        Some(6) => "Заяву перевірено; її передадуть до державної системи для рішення.",
        Some(7) => "Заяву передано для прийняття рішення; чекайте на відповідь.",
        Some(8) => "Рішення отримано. Подробиці — у старости або в ЦНАП.",
        _ => "Зверніться до свого фахівця або до ЦНАП.",
    }
}

pub(crate) fn routes() -> Router<ApiState> {
    Router::new().route("/api/v1/status", get(status))
}

fn digest(s: &str) -> [u8; 32] {
    Sha256::digest(s.as_bytes()).into()
}

/// Equal digests, compared without an early exit.
fn same(a: &str, b: &str) -> bool {
    digest(a).iter().zip(digest(b).iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn status(
    State(s): State<ApiState>,
    ClientIp(client): ClientIp,
    q: Result<Query<StatusQuery>, QueryRejection>,
) -> Result<Json<StatusView>, ApiError> {
    if !s.lookup.admit(client) {
        return Err(ApiError::RateLimited);
    }
    let q = query(q)?;
    let (Some(number), Some(code)) = (q.number, q.code) else {
        return Err(ApiError::Malformed("number=CASE_NUMBER&code=CODE".into()));
    };
    let (number, code) = (number.trim().to_owned(), code.trim().to_owned());
    if number.is_empty() || number.len() > 64 || code.len() > 16 {
        return Err(ApiError::NotFound);
    }
    let store = &s.lookup.store;
    let Some(id) = find_case(store.as_ref(), &number).await? else { return Err(ApiError::NotFound) };
    let Some(stored) = store.load(&id).await.map_err(|e| ApiError::MainStore(e.to_string()))? else {
        return Err(ApiError::NotFound);
    };
    let doc = CaseDoc::load(&stored.concatenated(), ActorId::from(b"keis-status-lookup".as_slice()))
        .map_err(|e| ApiError::MainStore(e.to_string()))?;
    let case = doc.case();
    let Some(expected) = keis_crdt::lookup::lookup_code(case) else { return Err(ApiError::NotFound) };
    if !same(&expected, &code) {
        return Err(ApiError::NotFound);
    }
    let catalogue = crate::journal::catalogue().ok_or_else(|| ApiError::MainStore("no catalogue".into()))?;
    let row = JournalRow::of_case(case, catalogue);
    Ok(Json(StatusView {
        number: row.number,
        next_step: next_step(row.status_number).to_owned(),
        status: row.status,
        status_number: row.status_number,
    }))
}

/// The id of the case numbered `number`, from the journal.
async fn find_case(store: &dyn Store, number: &str) -> Result<Option<String>, ApiError> {
    let mut offset = 0u32;
    loop {
        let q = JournalQuery { visible: Visible::All, limit: MAX_LIMIT, offset, ..JournalQuery::default() };
        let page = store.journal(q).await.map_err(|e| ApiError::MainStore(e.to_string()))?;
        if let Some(e) = page.rows.iter().find(|e| e.row.number == number) {
            return Ok(Some(e.row.id.clone()));
        }
        let n = u32::try_from(page.rows.len()).unwrap_or(u32::MAX);
        offset = offset.saturating_add(n);
        if n == 0 || u64::from(offset) >= page.total {
            return Ok(None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_compare_by_value() {
        assert!(same("12345678", "12345678"));
        assert!(!same("12345678", "12345679"));
        assert!(!same("12345678", ""));
    }

    #[test]
    fn every_status_has_a_next_step() {
        let steps: std::collections::BTreeSet<&str> = (1..=8).map(|n| next_step(Some(n))).collect();
        assert_eq!(steps.len(), 8);
        assert!(!next_step(None).is_empty());
    }
}
