//! `POST /api/v1/cases/{id}/actions`: a workflow action taken by an official from the
//! app (hromada officer, back office), written into the stored case document as an event.
//!
//! Needs a session (`Authorization: Bearer <token>`, [`Authenticated`]). The body:
//!
//! ```json
//! {"position_id": "demo-back-office", "action": "record_decision", "comment": "",
//!  "incomplete_reason": null, "batch": null, "keep": null,
//!  "decision": {"granted": true, "amount_kop": 312050, "from": "2026-12-01", "to": "2027-05-31", "reason": ""}}
//! ```
//!
//! `action` is an [`Action::code`]; `incomplete_reason` goes with `submit` and
//! `forward_to_back_office`, `batch` with `export`, `decision` with `record_decision`,
//! `keep` with `resolve`. The server loads the stored case and takes the action with
//! [`CaseDoc::act`] as the named position, at the server's clock, with the embedded
//! catalogue, as the Automerge actor `Hub::action_actor` (per server process and
//! device). The new change then takes the path of a synced change, under the same writer
//! lock: [`authorize`] against the session's positions, appended durably, the journal
//! row upserted, the `write` audited (with the action code), and connected devices of
//! the hromada told (including the calling device's own sync connection, which does
//! not hold the change yet).
//!
//! | answer | when |
//! |---|---|
//! | 200 `{case_id, event_id, status_number, status, status_en}` | stored |
//! | 400 `malformed` | the body cannot be read, an unknown action, a field the action needs is missing |
//! | 401 | no valid session |
//! | 403 `not_your_position` | `position_id` is not one of the session's positions |
//! | 403 `out_of_scope`, `forbidden` | the position's scope does not cover the case; the change is refused |
//! | 404 `not_found` | no such case among the hromadas the device covers (a case of another hromada is not told apart) |
//! | 422 `workflow` | the workflow refuses: wrong status, role, missing comment, …; the message is the [`WorkflowError`] (Ukrainian, then English); nothing is stored |
//!
//! A refused action is audited as `reject` (`workflow:<action>`, `out_of_scope:<action>`).
//!
//! A case stored with an older schema is upgraded by [`CaseDoc::from_automerge`] before
//! the action, so the upgrade goes into the same change (authorised like any other: the
//! schema may rise, never fall).

use std::sync::Arc;

use automerge::AutoCommit;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRef, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use keis_crdt::authz::authorize;
use keis_crdt::workflow::{DecisionRecord, EventRecord};
use keis_crdt::{Action, CaseDoc, CaseError, CaseState, Position, Status, WorkflowError};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::runtime::Handle;

use crate::auth::http::ErrorBody;
use crate::auth::{Auth, Authenticated, SessionInfo};
use crate::openapi::{body, error, object, ok, schema, string};
use crate::store::StoreError;
use crate::sync::check::{Hromadas, case_of, refusal_code};
use crate::sync::{Hub, Write};

/// The route, over the sync [`Hub`] (shared with the sync route); merge into the main router.
pub(crate) fn routes(hub: Arc<Hub>) -> Router {
    Router::new().route("/api/v1/cases/{id}/actions", post(act)).with_state(CasesState { hub })
}

/// What the route shares.
#[derive(Clone)]
struct CasesState {
    hub: Arc<Hub>,
}

impl FromRef<CasesState> for Arc<Auth> {
    fn from_ref(s: &CasesState) -> Self {
        s.hub.auth.clone()
    }
}

/// A decision as the app sends it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    pub granted: bool,
    #[serde(default)]
    pub amount_kop: u64,
    /// `YYYY-MM-DD` (a grant).
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    /// Why it was refused (a refusal).
    #[serde(default)]
    pub reason: String,
}

/// The body of `POST /api/v1/cases/{id}/actions`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    pub position_id: String,
    /// An [`Action::code`].
    pub action: String,
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub incomplete_reason: Option<String>,
    #[serde(default)]
    pub batch: Option<String>,
    #[serde(default)]
    pub decision: Option<DecisionBody>,
    #[serde(default)]
    pub keep: Option<String>,
}

/// What a stored action answers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActionResponse {
    pub case_id: String,
    /// The id of the new event in the case's log.
    pub event_id: String,
    /// 1-8 for an application; `None` for social work or in a conflict.
    pub status_number: Option<u8>,
    /// The status in Ukrainian (or a note that officials acted concurrently).
    pub status: String,
    pub status_en: String,
}

/// Why an action was not stored (a missing session is the extractor's 401).
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("the request is malformed: {0}")]
    Malformed(String),
    #[error(
        "посада «{0}» не належить цьому сеансу / the position «{0}» is not one of this session's positions; act as your own position"
    )]
    NotYourPosition(String),
    #[error("справу не знайдено / no such case among your hromadas")]
    NotFound,
    #[error(transparent)]
    OutOfScope(WorkflowError),
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Workflow(WorkflowError),
    #[error("the stored case cannot be read: {0}")]
    Unreadable(String),
    #[error("storage failed: {0}")]
    Store(#[from] StoreError),
    #[error("the action did not finish: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl IntoResponse for ActionError {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            Self::Malformed(_) => (StatusCode::BAD_REQUEST, "malformed"),
            Self::NotYourPosition(_) => (StatusCode::FORBIDDEN, "not_your_position"),
            Self::OutOfScope(_) => (StatusCode::FORBIDDEN, "out_of_scope"),
            Self::Refused(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Self::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            Self::Workflow(_) => (StatusCode::UNPROCESSABLE_ENTITY, "workflow"),
            Self::Unreadable(_) | Self::Store(_) | Self::Task(_) => {
                tracing::error!(error = %self, "case action failed");
                let message = "the server failed; try again later".to_owned();
                return (StatusCode::INTERNAL_SERVER_ERROR, Json(ErrorBody { error: "server_error".into(), message }))
                    .into_response();
            }
        };
        (status, Json(ErrorBody { error: code.into(), message: self.to_string() })).into_response()
    }
}

impl ActionRequest {
    /// The typed action this request asks for, read the way the case document reads an
    /// event record, so the request and the stored event cannot disagree.
    pub fn to_action(&self) -> Result<Action, ActionError> {
        let record = EventRecord {
            action: self.action.clone(),
            incomplete_reason: self.incomplete_reason.clone(),
            batch: self.batch.clone(),
            decision: self.decision.as_ref().map(|d| DecisionRecord {
                granted: d.granted,
                amount_kop: d.amount_kop,
                from: d.from.clone(),
                to: d.to.clone(),
                reason: d.reason.clone(),
            }),
            keep: self.keep.clone(),
            ..Default::default()
        };
        record.to_action().map_err(|e| match e {
            WorkflowError::MalformedEvent(why) => ActionError::Malformed(format!("«{}»: {why}", self.action)),
            other => ActionError::Malformed(other.to_string()),
        })
    }
}

async fn act(
    State(CasesState { hub }): State<CasesState>,
    Authenticated(info): Authenticated,
    Path(id): Path<String>,
    body: Result<Json<ActionRequest>, JsonRejection>,
) -> Result<Json<ActionResponse>, ActionError> {
    let Json(req) = body.map_err(|e| ActionError::Malformed(e.body_text()))?;
    let position = info
        .positions
        .iter()
        .find(|p| p.id == req.position_id)
        .cloned()
        .ok_or_else(|| ActionError::NotYourPosition(req.position_id.clone()))?;
    let action = req.to_action()?;
    let rt = Handle::current();
    let span = tracing::info_span!("case_action", device_id = %info.device_id, action = action.code());
    // One writer per document, as for synced changes: a blocking lock, so the work runs on
    // a blocking thread that drives the store with `block_on` (see `sync`).
    tokio::task::spawn_blocking(move || {
        span.in_scope(|| {
            let _held = hub.hold(&id);
            rt.block_on(act_locked(&hub, &info, &position, &id, action, &req.comment))
        })
    })
    .await?
    .map(Json)
}

/// The action on the stored case, under its writer lock.
async fn act_locked(
    hub: &Hub,
    info: &SessionInfo,
    position: &Position,
    id: &str,
    action: Action,
    comment: &str,
) -> Result<ActionResponse, ActionError> {
    let stored = hub.store.load(id).await?;
    let Some(stored) = stored.filter(|s| Hromadas::of(&info.positions).covers(&s.scope)) else {
        return Err(ActionError::NotFound);
    };
    let mut am = AutoCommit::load(&stored.concatenated())
        .map_err(|e| ActionError::Unreadable(e.to_string()))?
        .with_actor(hub.action_actor(&info.device_id));
    let old_heads = am.get_heads();
    let before = case_of(&mut am).map_err(|e| ActionError::Unreadable(e.to_string()))?;
    let code = action.code();
    let reject = |what: &'static str| format!("{what}:{code}");
    if !position.scope.covers(&before.hromada, before.district.as_deref()) {
        hub.audit(&info.device_id, id, Some(position), "reject", reject("out_of_scope")).await;
        return Err(ActionError::OutOfScope(WorkflowError::OutOfScope));
    }
    let mut doc = CaseDoc::from_automerge(am).map_err(|e| ActionError::Unreadable(e.to_string()))?;
    let catalogue = crate::journal::catalogue()
        .ok_or_else(|| ActionError::Unreadable("the embedded service catalogue cannot be read".into()))?;
    let event_id = match doc.act(position, action, comment, hub.auth.now_ms(), catalogue) {
        Ok(e) => e,
        Err(CaseError::Workflow(w)) => {
            hub.audit(&info.device_id, id, Some(position), "reject", reject("workflow")).await;
            return Err(ActionError::Workflow(w));
        }
        Err(e) => return Err(ActionError::Unreadable(e.to_string())),
    };
    let after = doc.case().clone();
    if let Err(refusal) = authorize(&info.positions, Some(&before), &after) {
        hub.audit(&info.device_id, id, Some(position), "reject", refusal_code(&refusal).to_owned()).await;
        return Err(ActionError::Refused(refusal.to_string()));
    }
    let bytes = doc.automerge_mut().save_after(&old_heads);
    let origin = format!("{}#action", info.device_id);
    let what = format!("action {code}");
    let write = Write {
        doc: id,
        case: &after,
        bytes: &bytes,
        device: &info.device_id,
        origin: &origin,
        position: Some(position),
        what: Some(&what),
        state: None,
    };
    if let Err(refusal) = hub.store_change(write).await? {
        hub.audit(&info.device_id, id, Some(position), "reject", refusal_code(&refusal).to_owned()).await;
        return Err(ActionError::Refused(refusal.to_string()));
    }
    let (status_number, status, status_en) = match doc.derive().state {
        CaseState::Settled(o) => {
            let n = match o.status {
                Status::Application(a) => Some(a.number()),
                Status::CaseWork(_) => None,
            };
            (n, o.status.label_uk().to_owned(), o.status.label_en().to_owned())
        }
        CaseState::Conflict { .. } => (
            None,
            "Одночасні дії: потрібне рішення".to_owned(),
            "Concurrent actions: a resolution is needed".to_owned(),
        ),
    };
    Ok(ActionResponse { case_id: id.to_owned(), event_id, status_number, status, status_en })
}

/// The OpenAPI paths and schemas of this route, for [`crate::openapi`].
pub(crate) fn openapi() -> (Value, Value) {
    let nullable = |t: &str, d: &str| json!({ "type": [t, "null"], "description": d });
    let schemas = json!({
        "ActionRequest": object(&[
            ("position_id", string("One of the session's positions, acting.")),
            ("action", json!({ "type": "string", "description": "The action's code.", "enum": [
                "submit", "return_for_rework", "forward_to_back_office", "return_to_hromada", "mark_checked",
                "export", "record_decision", "start_assessment", "complete_assessment", "approve_plan",
                "start_monitoring", "resume_delivery", "close", "reopen", "resolve"] })),
            ("comment", nullable("string", "Why (required for returns); empty if omitted.")),
            ("incomplete_reason", nullable("string", "`submit`, `forward_to_back_office`: why the package goes on incomplete.")),
            ("batch", nullable("string", "`export`: the batch (`*.DAT` file).")),
            ("decision", json!({ "oneOf": [schema("DecisionBody"), { "type": "null" }], "description": "`record_decision`." })),
            ("keep", nullable("string", "`resolve`: the conflicting event whose outcome is kept.")),
        ]),
        "DecisionBody": object(&[
            ("granted", json!({ "type": "boolean" })),
            ("amount_kop", nullable("integer", "A grant: kopiykas a month, above 0.")),
            ("from", nullable("string", "A grant: first day, `YYYY-MM-DD`.")),
            ("to", nullable("string", "A grant: last day, `YYYY-MM-DD`.")),
            ("reason", nullable("string", "A refusal: why.")),
        ]),
        "ActionResponse": object(&[
            ("case_id", string("Case id.")),
            ("event_id", string("The new event in the case's log.")),
            ("status_number", json!({ "type": ["integer", "null"], "minimum": 1, "maximum": 8 })),
            ("status", string("The new status in Ukrainian (or a note that officials acted concurrently).")),
            ("status_en", string("The new status in English.")),
        ]),
    });
    let paths = json!({
        "/api/v1/cases/{id}/actions": { "post": {
            "operationId": "caseAction",
            "summary": "Take a workflow action on a stored case (hromada officer, back office).",
            "description": "Written into the case document as an event by the server (its actor per server process and device, its clock), then stored like a synced change: authorised, appended durably, journaled, audited (`write`, with the action code) and announced to connected devices.",
            "security": [{ "bearer": [] }],
            "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" }, "description": "Case id." }],
            "requestBody": body("ActionRequest"),
            "responses": {
                "200": ok("Stored; the new status.", schema("ActionResponse")),
                "400": error("Malformed body, unknown action, or a field the action needs is missing."),
                "401": error("No valid session (missing, expired or unknown token)."),
                "403": error("Not one of the session's positions (`not_your_position`), or the case is outside its scope (`out_of_scope`, `forbidden`); or the device was revoked."),
                "404": error("No such case in the hromadas the device covers."),
                "422": error("The workflow refuses the action (`workflow`); the message says why, Ukrainian first. Nothing is stored."),
                "500": error("The server failed (storage); try again later."),
            },
        }},
    });
    (paths, schemas)
}
