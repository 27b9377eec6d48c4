//! `GET /api/v1/journal`: the journal for the back office, one page at a time.
//!
//! Needs a session (`Authorization: Bearer <token>`, [`Authenticated`]): 401 without
//! one. The caller sees the cases of the hromadas its positions cover (`Scope::All`:
//! every case; a starosta district: its hromada, as sync reads do). Filters, all
//! optional, as query parameters:
//!
//! | parameter | meaning |
//! |---|---|
//! | `status` | status number 1-8 |
//! | `service` | a requested service code |
//! | `hromada`, `district` | KATOTTG code of the hromada, starosta district |
//! | `complete` | `true`/`false`: the document package is complete |
//! | `created_from`, `created_to` | bounds of the case's opening, ms since the epoch, inclusive |
//! | `q` | ten digits: an RNOKPP (exact); else a prefix of the applicant's name or of a word of it |
//! | `limit`, `offset` | page size (1-200, default 50) and rows to skip |
//!
//! Answers `{total, limit, offset, next_offset, rows}`, newest case first; a bad parameter
//! is a 400 `{error, message}`. Every query is written to the audit log (`journal`: the
//! device, its back-office position (else its first), the filters, never the search text) before it runs: a
//! query that cannot be audited is not answered.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use keis_crdt::{Position, Role, Scope};
use serde::{Deserialize, Serialize};

use super::query::{DEFAULT_LIMIT, Search, Visible};
use super::{JournalEntry, JournalQuery, MAX_LIMIT};
use crate::auth::http::ErrorBody;
use crate::auth::{Auth, Authenticated};
use crate::store::{AuditEntry, StoreError};

/// The journal route, with its state; merge into the main router.
pub fn routes(auth: Arc<Auth>) -> Router {
    Router::new().route("/api/v1/journal", get(journal)).with_state(auth)
}

/// Why a journal query was not answered (a missing session is the extractor's 401).
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("the query is malformed ({0}); correct the filters")]
    BadQuery(String),
    #[error("the journal could not be read: {0}")]
    Store(#[from] StoreError),
}

impl IntoResponse for JournalError {
    fn into_response(self) -> Response {
        let (status, code, message) = match &self {
            Self::BadQuery(_) => (StatusCode::BAD_REQUEST, "malformed", self.to_string()),
            Self::Store(e) => {
                tracing::error!(error = %e, "journal query failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "server_error", "the server failed; try again later".into())
            }
        };
        (status, Json(ErrorBody { error: code.into(), message })).into_response()
    }
}

/// The query parameters of `GET /api/v1/journal`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalParams {
    pub status: Option<u8>,
    pub service: Option<String>,
    pub hromada: Option<String>,
    pub district: Option<String>,
    pub complete: Option<bool>,
    pub created_from: Option<i64>,
    pub created_to: Option<i64>,
    pub q: Option<String>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// What `GET /api/v1/journal` answers.
#[derive(Debug, Serialize, Deserialize)]
pub struct JournalResponse {
    pub total: u64,
    pub limit: u32,
    pub offset: u32,
    /// The `offset` of the next page, if there is one.
    pub next_offset: Option<u32>,
    pub rows: Vec<JournalEntry>,
}

fn nonblank(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl JournalParams {
    /// The query these parameters ask for, seen by `visible`.
    pub fn query(self, visible: Visible) -> Result<JournalQuery, JournalError> {
        if let Some(s) = self.status.filter(|s| !(1..=8).contains(s)) {
            return Err(JournalError::BadQuery(format!("status {s}: a status number is 1-8")));
        }
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if limit == 0 || limit > MAX_LIMIT {
            return Err(JournalError::BadQuery(format!("limit {limit}: 1-{MAX_LIMIT} rows per page")));
        }
        if let (Some(f), Some(t)) = (self.created_from, self.created_to)
            && f > t
        {
            return Err(JournalError::BadQuery("created_from is after created_to".into()));
        }
        if self.q.as_ref().is_some_and(|q| q.chars().count() > 200) {
            return Err(JournalError::BadQuery("q: at most 200 characters".into()));
        }
        Ok(JournalQuery {
            visible,
            status: self.status,
            service: nonblank(self.service),
            hromada: nonblank(self.hromada),
            district: nonblank(self.district),
            complete: self.complete,
            created_from: self.created_from,
            created_to: self.created_to,
            search: self.q.as_deref().and_then(Search::parse),
            limit,
            offset: self.offset.unwrap_or(0),
        })
    }
}

/// The hromadas `positions` cover.
pub fn visible(positions: &[Position]) -> Visible {
    let mut set = BTreeSet::new();
    for p in positions {
        match &p.scope {
            Scope::All => return Visible::All,
            Scope::Hromadas(list) => set.extend(list.iter().cloned()),
            Scope::District { hromada, .. } => {
                set.insert(hromada.clone());
            }
        }
    }
    Visible::Hromadas(set.into_iter().collect())
}

/// The position named in the audit line: the back office's if the device holds one (it
/// is the journal's reader), else the first.
fn reading_position(positions: &[Position]) -> Option<&Position> {
    positions.iter().find(|p| p.role == Role::BackOffice).or_else(|| positions.first())
}

async fn journal(
    State(auth): State<Arc<Auth>>,
    Authenticated(session): Authenticated,
    params: Result<Query<JournalParams>, QueryRejection>,
) -> Result<Json<JournalResponse>, JournalError> {
    let Query(params) = params.map_err(|r| JournalError::BadQuery(r.body_text()))?;
    let query = params.query(visible(&session.positions))?;
    let store = auth.store();
    store
        .append_audit(AuditEntry {
            at: auth.now_ms(),
            device_id: session.device_id.clone(),
            position_id: reading_position(&session.positions).map(|p| p.id.clone()),
            case_id: None,
            action: "journal".into(),
            detail: query.summary(),
        })
        .await?;
    let (limit, offset) = (query.limit, query.offset);
    let page = store.journal(query).await?;
    let end = u64::from(offset) + page.rows.len() as u64;
    let next_offset = (end < page.total && !page.rows.is_empty()).then(|| u32::try_from(end).unwrap_or(u32::MAX));
    tracing::debug!(rows = page.rows.len(), total = page.total, "journal page served");
    Ok(Json(JournalResponse { total: page.total, limit, offset, next_offset, rows: page.rows }))
}
