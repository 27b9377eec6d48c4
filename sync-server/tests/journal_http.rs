//! `GET /api/v1/journal` over a real server: cases synced by tablets are projected into
//! the journal as they are stored, and the journal is filtered, paged, scoped to the
//! caller's hromadas and audited.

mod sync_support;

use std::collections::BTreeSet;

use automerge::ActorId;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use keis_crdt::{Action, CaseDoc, Catalogue, Position, Role, Scope, demo};
use keis_sync_server::journal::{JournalRow, query::search_key};
use keis_sync_server::store::AuditQuery;
use serde_json::Value;
use sync_support::{Server, T0, Tablet, edit_case, new_case, server, sync, tablet};
use tower::ServiceExt;

/// GETs `/api/v1/journal?{query}` with `token`.
async fn get(s: &Server, token: Option<&str>, query: &str) -> (StatusCode, Value) {
    let mut req = Request::builder().uri(format!("/api/v1/journal?{query}"));
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let res = s.app.clone().oneshot(req.body(Body::empty()).expect("request")).await.expect("response");
    let status = res.status();
    let bytes = to_bytes(res.into_body(), 1 << 20).await.expect("body");
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// The case ids of one answered page, after checking it is a 200.
async fn ids(s: &Server, t: &Tablet, query: &str) -> BTreeSet<String> {
    let (status, page) = get(s, Some(&t.token), query).await;
    assert_eq!(status, StatusCode::OK, "{query}: {page}");
    let rows = page["rows"].as_array().expect("rows");
    assert_eq!(page["total"].as_u64(), Some(rows.len() as u64), "{query}: one page holds all");
    rows.iter().map(|r| r["id"].as_str().expect("id").to_owned()).collect()
}

/// The row the tablet's copy of `id` should have in the journal.
fn expected(t: &Tablet, id: &str) -> JournalRow {
    let doc = CaseDoc::from_automerge(t.device.docs[id].clone()).expect("a case");
    JournalRow::of(&doc, &Catalogue::embedded().expect("catalogue"))
}

fn set(ids: &[&String]) -> BTreeSet<String> {
    ids.iter().map(|s| (*s).clone()).collect()
}

/// Two tablets of the demo hromada, three synced cases (the second with no attachments,
/// the third asking for one service only).
async fn synced() -> (Server, Tablet, Tablet, [String; 3]) {
    let s = server().await;
    let mut a = tablet(&s, &demo::positions()).await;
    let mut b = tablet(&s, &demo::positions()).await;
    let (c1, c2) = (new_case(&mut a, 1), new_case(&mut a, 2));
    edit_case(&mut a, &c2, |case| case.attachments.clear());
    let c3 = new_case(&mut b, 3);
    edit_case(&mut b, &c3, |case| case.services.retain(|_, svc| svc.code == "housing_subsidy"));
    for t in [&mut a, &mut b] {
        let wire = sync(&s, t).await;
        assert!(wire.error.is_none(), "{:?}", wire.error);
    }
    (s, a, b, [c1, c2, c3])
}

#[tokio::test]
async fn synced_cases_are_listed_with_status_and_completeness() {
    let (s, a, b, [c1, c2, c3]) = synced().await;
    let (status, page) = get(&s, Some(&a.token), "").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["total"], 3, "{page}");
    assert_eq!(page["next_offset"], Value::Null);
    for (t, id, complete) in [(&a, &c1, true), (&a, &c2, false), (&b, &c3, true)] {
        let row = page["rows"].as_array().expect("rows").iter().find(|r| r["id"] == **id).expect("listed");
        assert_eq!(row["status_number"], 1, "{row}");
        assert_eq!(row["package_complete"], complete, "{row}");
        assert!(row["updated_at"].as_i64().is_some_and(|u| u > 0), "{row}");
        assert!(row.get("rnokpp").is_none(), "the RNOKPP is searched, not shown: {row}");
        let want = serde_json::to_value(expected(t, id)).expect("json");
        for k in ["number", "hromada", "district", "applicant", "services", "status", "conflict", "created_at"] {
            assert_eq!(row[k], want[k], "{k} of {id}");
        }
    }
    // Newest case first.
    let order: Vec<&str> = page["rows"].as_array().expect("rows").iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(order, [c3.as_str(), c2.as_str(), c1.as_str()]);
}

#[tokio::test]
async fn a_workflow_action_synced_later_updates_the_row() {
    let (s, mut a, _b, [c1, ..]) = synced().await;
    let catalogue = Catalogue::embedded().expect("catalogue");
    a.device.edit(&c1, |d| {
        let mut doc = CaseDoc::from_automerge(std::mem::take(d)).expect("a case");
        let sta = demo::position(Role::Starosta);
        doc.act(&sta, Action::Submit { incomplete: None }, "", T0 + 200_000, &catalogue).expect("submit");
        *d = std::mem::take(doc.automerge_mut());
    });
    let want = expected(&a, &c1);
    assert_ne!(want.status_number, Some(1));
    assert!(sync(&s, &mut a).await.error.is_none());
    let n = want.status_number.expect("a numbered status");
    assert_eq!(ids(&s, &a, &format!("status={n}")).await, set(&[&c1]));
    let (_, page) = get(&s, Some(&a.token), &format!("status={n}")).await;
    assert_eq!(page["rows"][0]["status"], want.status.as_str());
    assert_eq!(ids(&s, &a, "status=1").await.len(), 2, "the other two are still taken");
}

#[tokio::test]
async fn filters_return_exactly_the_matching_rows() {
    let (s, a, b, [c1, c2, c3]) = synced().await;
    assert_eq!(ids(&s, &a, "status=1").await, set(&[&c1, &c2, &c3]));
    assert!(ids(&s, &a, "status=8").await.is_empty());
    assert_eq!(ids(&s, &a, "service=large_family_assistance").await, set(&[&c1, &c2]));
    assert_eq!(ids(&s, &a, "service=housing_subsidy").await, set(&[&c1, &c2, &c3]));
    assert_eq!(ids(&s, &a, "complete=false").await, set(&[&c2]));
    assert_eq!(ids(&s, &a, "complete=true&service=large_family_assistance").await, set(&[&c1]));
    assert_eq!(ids(&s, &a, &format!("hromada={}", demo::HROMADA)).await.len(), 3);
    assert!(ids(&s, &a, "district=elsewhere").await.is_empty());
    assert_eq!(ids(&s, &a, &format!("created_from={}", T0 + 2)).await, set(&[&c2, &c3]));
    assert_eq!(ids(&s, &a, &format!("created_from={}&created_to={}", T0 + 2, T0 + 2)).await, set(&[&c2]));

    // Search by RNOKPP: exact.
    let rnokpp = |t: &Tablet, id: &str| {
        CaseDoc::from_automerge(t.device.docs[id].clone())
            .expect("case")
            .case()
            .applicant
            .rnokpp
            .clone()
            .expect("rnokpp")
    };
    assert_eq!(ids(&s, &a, &format!("q={}", rnokpp(&b, &c3))).await, set(&[&c3]));
    assert!(ids(&s, &a, "q=0000000000").await.is_empty());
    // Search by a name prefix: any case (Ukrainian letters), start of the name or of a word.
    let names: Vec<(String, String)> =
        [(&a, &c1), (&a, &c2), (&b, &c3)].iter().map(|(t, id)| ((*id).clone(), expected(t, id).applicant)).collect();
    for (id, name) in &names {
        for word in name.split_whitespace() {
            let prefix: String = word.chars().take(3).collect();
            let want: BTreeSet<String> = names
                .iter()
                .filter(|(_, n)| search_key(n).split(' ').any(|w| w.starts_with(&search_key(&prefix))))
                .map(|(i, _)| i.clone())
                .collect();
            assert!(want.contains(id));
            let q = prefix.to_uppercase();
            assert_eq!(ids(&s, &a, &format!("q={}", urlencode(&q))).await, want, "prefix {q}");
        }
    }
    assert!(ids(&s, &a, "q=%25").await.is_empty(), "a wildcard is a literal");
}

#[tokio::test]
async fn paging_returns_every_row_once() {
    let (s, a, _b, cases) = synced().await;
    let (mut seen, mut offset, mut pages) = (Vec::new(), Some(0), 0);
    while let Some(o) = offset {
        let (status, page) = get(&s, Some(&a.token), &format!("limit=2&offset={o}")).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["total"], 3);
        seen.extend(page["rows"].as_array().expect("rows").iter().map(|r| r["id"].as_str().expect("id").to_owned()));
        offset = page["next_offset"].as_u64();
        pages += 1;
    }
    assert_eq!(pages, 2);
    seen.sort();
    let mut all = cases.to_vec();
    all.sort();
    assert_eq!(seen, all);
    for bad in ["limit=201", "limit=0", "status=9", "status=x", "created_from=5&created_to=4", "nope=1"] {
        let (status, body) = get(&s, Some(&a.token), bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(body["error"], "malformed");
    }
}

#[tokio::test]
async fn the_journal_is_limited_to_the_callers_hromadas_and_audited() {
    let (s, a, _b, _) = synced().await;
    let other =
        tablet(&s, &[Position::new("other", Role::HromadaOfficer, Scope::hromada("UA11000000000000001"))]).await;
    assert!(ids(&s, &other, "").await.is_empty());
    assert!(ids(&s, &other, &format!("hromada={}", demo::HROMADA)).await.is_empty());
    let central = tablet(&s, &[Position::new("central", Role::BackOffice, Scope::All)]).await;
    assert_eq!(ids(&s, &central, "").await.len(), 3);

    let (status, body) = get(&s, None, "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, _) = get(&s, Some("not-a-token"), "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let _ = get(&s, Some(&a.token), "status=1&q=Шевч").await;
    let audit = s.store.audit(AuditQuery { limit: 1000, ..AuditQuery::default() }).await.expect("audit");
    let lines: Vec<_> = audit.records.iter().map(|r| &r.entry).filter(|e| e.action == "journal").collect();
    assert_eq!(lines.len(), 4, "every answered query is audited");
    let last = lines.iter().find(|e| e.device_id == a.id).expect("a's query");
    assert_eq!(last.position_id.as_deref(), Some("demo-back-office"));
    assert!(last.detail.contains("status=1") && last.detail.contains("search=name"), "{}", last.detail);
    assert!(!last.detail.contains("Шевч") && !last.detail.to_lowercase().contains("шевч"), "{}", last.detail);
}

#[tokio::test]
async fn demo_cases_are_stored_and_journaled() {
    let s = server().await;
    let rows = keis_sync_server::journal::demo::store_demo(&*s.store, 4, T0).await.expect("demo");
    assert_eq!(rows.len(), 4);
    // Twice is a no-op.
    keis_sync_server::journal::demo::store_demo(&*s.store, 4, T0).await.expect("demo again");
    let central = tablet(&s, &[Position::new("central", Role::BackOffice, Scope::All)]).await;
    let (_, page) = get(&s, Some(&central.token), "").await;
    assert_eq!(page["total"], 4, "{page}");
    assert_eq!(ids(&s, &central, "status=8").await.len(), 2, "the decided ones");
    let stored = s.store.load(&rows[0].id).await.expect("load").expect("stored");
    let doc = CaseDoc::load(&stored.concatenated(), ActorId::from(b"t".as_slice())).expect("a case");
    assert_eq!(doc.case().id, rows[0].id);
}

/// Percent-encodes a query value (UTF-8 bytes).
fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}
