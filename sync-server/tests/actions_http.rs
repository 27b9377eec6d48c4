//! `POST /api/v1/cases/{id}/actions` over a real server: a starosta's tablet syncs a
//! submitted application, the hromada officer and the back office take it to a decision
//! over HTTP, and the decision flows back to the tablet through sync.

mod sync_support;

use automerge::ActorId;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use keis_crdt::model::read_case;
use keis_crdt::sync::{ClientSession, Frame};
use keis_crdt::validate::Date;
use keis_crdt::{Action, AppStatus, CaseDoc, CaseState, Catalogue, Decision, Position, Role, Scope, Status, demo};
use keis_sync_server::store::AuditQuery;
use serde_json::{Value, json};
use sync_support::*;
use tower::ServiceExt;

const OTHER_HROMADA: &str = "UA99000000000000099";

/// POSTs `body` to `/api/v1/cases/{id}/actions` with `token`.
async fn post_action(s: &Server, token: &str, id: &str, body: Value) -> (StatusCode, Value) {
    let req = Request::builder()
        .method("POST")
        .uri(format!("/api/v1/cases/{id}/actions"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("request");
    let res = s.app.clone().oneshot(req).await.expect("response");
    let status = res.status();
    let bytes = to_bytes(res.into_body(), 1 << 20).await.expect("body");
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// The action's body with `extra` fields.
fn action(position: &str, action: &str, extra: Value) -> Value {
    let mut body = json!({ "position_id": position, "action": action, "comment": "" });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    body
}

fn grant() -> Value {
    json!({ "decision": { "granted": true, "amount_kop": 312_050, "from": "2026-12-01", "to": "2027-05-31", "reason": "" } })
}

/// A signed demo application submitted on the starosta's tablet; its id.
fn submitted_case(t: &mut Tablet, n: u32) -> String {
    let actor = ActorId::from(format!("tablet-{}-{n}", t.id).as_bytes());
    let mut doc = demo::application(actor, n, T0).expect("demo case");
    let catalogue = Catalogue::embedded().expect("catalogue");
    let starosta = demo::position(Role::Starosta);
    doc.act(&starosta, Action::Submit { incomplete: None }, "", T0 + 100_000, &catalogue).expect("submit");
    let id = doc.case().id.clone();
    t.device.docs.insert(id.clone(), doc.automerge().clone());
    t.device.dirty.insert(id.clone());
    id
}

/// A server with the starosta's, the hromada officer's and the back office's tablets and
/// one submitted case, synced.
async fn setup() -> (Server, Tablet, Tablet, Tablet, String) {
    let s = server().await;
    let mut sta = tablet(&s, &[demo::position(Role::Starosta)]).await;
    let hro = tablet(&s, &[demo::position(Role::HromadaOfficer)]).await;
    let back = tablet(&s, &[demo::position(Role::BackOffice)]).await;
    let id = submitted_case(&mut sta, 1);
    let w = sync(&s, &mut sta).await;
    assert!(w.error.is_none() && sta.device.dirty.is_empty() && sta.device.rejected.is_empty(), "{w:?}");
    assert!(stored(&s, &id).await.is_some());
    (s, sta, hro, back, id)
}

fn status_of(doc: &automerge::AutoCommit) -> (Status, Option<Decision>) {
    match CaseDoc::from_automerge(doc.clone()).expect("a case").derive().state {
        CaseState::Settled(o) => (o.status, o.decision),
        CaseState::Conflict { events, .. } => panic!("conflict: {events:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_back_office_takes_a_case_to_a_decision_that_flows_back_to_the_tablet() {
    let (s, mut sta, hro, back, id) = setup().await;

    // The starosta's tablet stays connected and is told live of the officer's action.
    let mut ws = connect(&s, Some(&sta.token)).await.expect("connect");
    let (cursor, dirty) = sta.device.begin_session();
    let (mut client, first) = ClientSession::start(cursor, dirty, 8);
    let mut wire = Wire::default();
    assert!(drive(&mut ws, &mut client, &mut sta.device, first, &mut wire, None).await);

    let (status, r) =
        post_action(&s, &hro.token, &id, action("demo-hromada", "forward_to_back_office", json!({}))).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["status_number"], 4, "{r}");
    assert_eq!(r["status"], AppStatus::SentToBackOffice.label_uk());
    assert!(!r["event_id"].as_str().unwrap_or_default().is_empty(), "{r}");
    let notice = next_frame(&mut ws).await.expect("a live notice");
    assert!(matches!(&notice, Frame::Changed { docs, .. } if docs.contains(&id)), "{notice:?}");
    drop(ws);

    let steps = [
        ("mark_checked", json!({}), 6),
        ("export", json!({ "batch": "DAT-000001" }), 7),
        ("record_decision", grant(), 8),
    ];
    let mut events = vec![r["event_id"].clone()];
    for (code, extra, number) in steps {
        let (status, r) = post_action(&s, &back.token, &id, action("demo-back-office", code, extra)).await;
        assert_eq!(status, StatusCode::OK, "{code}: {r}");
        assert_eq!(r["status_number"], number, "{code}: {r}");
        assert_eq!(r["case_id"], id.as_str());
        events.push(r["event_id"].clone());
    }

    // The stored case holds the four events, written by the acting positions.
    let (case, _) = stored(&s, &id).await.expect("stored");
    assert_eq!(case.events.len(), 5, "submit and four actions");
    for e in &events {
        assert!(case.events.contains_key(e.as_str().unwrap_or_default()), "{e}");
    }
    let decision = case.events.values().find(|e| e.action == "record_decision").expect("the decision");
    assert_eq!(decision.position, "demo-back-office");

    // The tablet syncs and sees the decision.
    let w = sync(&s, &mut sta).await;
    assert!(w.error.is_none(), "{w:?}");
    let (status, decision) = status_of(&sta.device.docs[&id]);
    assert_eq!(status, Status::Application(AppStatus::DecisionReceived));
    let (from, to) = (Date::parse_iso("2026-12-01").expect("date"), Date::parse_iso("2027-05-31").expect("date"));
    assert_eq!(decision, Some(Decision::Granted { amount_kop: 312_050, from, to }));
    assert_eq!(read_case(&sta.device.docs[&id]).expect("case").events.len(), 5);

    // The journal shows status 8.
    let req = Request::builder()
        .uri("/api/v1/journal")
        .header("authorization", format!("Bearer {}", back.token))
        .body(Body::empty())
        .expect("request");
    let res = s.app.clone().oneshot(req).await.expect("response");
    assert_eq!(res.status(), StatusCode::OK);
    let page: Value = serde_json::from_slice(&to_bytes(res.into_body(), 1 << 20).await.expect("body")).expect("json");
    let row = page["rows"].as_array().and_then(|rows| rows.iter().find(|r| r["id"] == id.as_str())).expect("row");
    assert_eq!(row["status_number"], 8, "{row}");

    // Each action was audited as a write with its code, by the acting device.
    let audit = s.store.audit(AuditQuery { case_id: Some(id.clone()), ..Default::default() }).await.expect("audit");
    let wrote = |device: &str, code: &str| {
        audit.records.iter().any(|r| {
            r.entry.action == "write"
                && r.entry.device_id == device
                && r.entry.detail.ends_with(&format!("action {code}"))
        })
    };
    assert!(wrote(&hro.id, "forward_to_back_office"));
    for code in ["mark_checked", "export", "record_decision"] {
        assert!(wrote(&back.id, code), "{code}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_actions_store_nothing_and_leak_nothing() {
    let (s, sta, hro, _back, id) = setup().await;
    let (_, heads) = stored(&s, &id).await.expect("stored");

    // A starosta position may not record a decision: the workflow's reason, Ukrainian first.
    let sta_positions = [demo::position(Role::Starosta), demo::position(Role::HromadaOfficer)];
    let both = tablet(&s, &sta_positions).await;
    let (status, r) = post_action(&s, &both.token, &id, action("demo-starosta", "record_decision", grant())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
    assert_eq!(r["error"], "workflow");
    let message = r["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("ця посада не може виконати дію"), "{message}");
    assert_eq!(stored(&s, &id).await.expect("stored").1, heads, "nothing stored");

    // A wrong status is a 422 as well (forwarding needs the case at the hromada: it is).
    let (status, r) = post_action(&s, &hro.token, &id, action("demo-hromada", "return_for_rework", json!({}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a return needs a comment: {r}");
    assert_eq!(stored(&s, &id).await.expect("stored").1, heads, "nothing stored");

    // A position the session does not hold.
    let (status, r) = post_action(&s, &hro.token, &id, action("demo-back-office", "mark_checked", json!({}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{r}");
    assert_eq!(r["error"], "not_your_position");

    // A starosta of another district of the same hromada: out of scope.
    let d = Scope::District { hromada: demo::HROMADA.into(), district: "demo-south".into() };
    let south = tablet(&s, &[Position::new("south-starosta", Role::Starosta, d)]).await;
    let (status, r) = post_action(&s, &south.token, &id, action("south-starosta", "submit", json!({}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{r}");
    assert_eq!(r["error"], "out_of_scope");

    // Another hromada's back office is told no more than about a case that does not exist.
    let other_pos = Position::new("other-back", Role::BackOffice, Scope::hromada(OTHER_HROMADA));
    let other = tablet(&s, &[other_pos]).await;
    let (status, theirs) = post_action(&s, &other.token, &id, action("other-back", "mark_checked", json!({}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{theirs}");
    let (status, none) =
        post_action(&s, &other.token, "no-such-case", action("other-back", "mark_checked", json!({}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(theirs, none, "the same answer as for an unknown case");
    assert!(!theirs.to_string().contains(demo::HROMADA));

    // Malformed requests.
    let (status, _) = post_action(&s, &hro.token, &id, action("demo-hromada", "fly_away", json!({}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = post_action(&s, &hro.token, &id, json!({ "action": "export" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(stored(&s, &id).await.expect("stored").1, heads, "nothing stored");

    let audit = s.store.audit(AuditQuery { case_id: Some(id.clone()), ..Default::default() }).await.expect("audit");
    assert!(audit.records.iter().any(|r| r.entry.action == "reject" && r.entry.detail == "workflow:record_decision"));
    assert!(!audit.records.iter().any(|r| r.entry.action == "write" && r.entry.device_id != sta.id));
}
