//! Devices and the audit log: an administrator approves a tablet with its one-time code,
//! binds it to positions, later revokes it; every read and write of a case is recorded and
//! can be looked up by case or by time, newest first.

use keis_crdt::{Position, Role, Scope};
use keis_sync_server::store::{AuditEntry, AuditQuery, DeviceStatus, NewDevice, SqliteStore, Store, StoreError};
use sha2::{Digest, Sha256};

const AT: i64 = 1_763_900_000_000;

fn code_hash(code: &str) -> [u8; 32] {
    Sha256::digest(code.as_bytes()).into()
}

fn tablet(id: &str, key: u8) -> NewDevice {
    NewDevice {
        device_id: id.into(),
        public_key: vec![key; 32],
        display_name: format!("Планшет {id}"),
        approval_code_hash: code_hash("481-223"),
        created_at: AT,
    }
}

#[tokio::test]
async fn a_device_is_enrolled_approved_with_its_code_given_positions_and_revoked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(dir.path()).await.expect("open");
    store.enrol_device(tablet("dev-1", 1)).await.expect("enrol");
    store.enrol_device(tablet("dev-2", 2)).await.expect("enrol");
    let err = store.enrol_device(tablet("dev-1", 3)).await.expect_err("same id");
    assert!(matches!(err, StoreError::DeviceExists { .. }), "{err}");
    let err = store.enrol_device(tablet("dev-3", 1)).await.expect_err("same key");
    assert!(matches!(err, StoreError::DeviceExists { .. }), "{err}");

    let pending = store.device("dev-1").await.expect("get").expect("enrolled");
    assert_eq!(pending.status, DeviceStatus::Pending);
    assert_eq!(pending.approval_code_hash, Some(code_hash("481-223")));
    assert_eq!(pending.public_key, vec![1; 32]);

    let starosta = Position::new(
        "pos-sta-1",
        Role::Starosta,
        Scope::District { hromada: "UA05020030000031457".into(), district: "north".into() },
    );
    let officer = Position::new("pos-hro-1", Role::HromadaOfficer, Scope::hromada("UA05020030000031457"));
    let err = store
        .approve_device("dev-1", code_hash("000-000"), std::slice::from_ref(&starosta), AT + 1)
        .await
        .expect_err("code");
    assert!(matches!(err, StoreError::ApprovalCodeMismatch { .. }), "{err}");
    let approved =
        store.approve_device("dev-1", code_hash("481-223"), std::slice::from_ref(&starosta), AT + 2).await.expect("ok");
    assert_eq!(approved.status, DeviceStatus::Approved);
    assert_eq!(approved.approved_at, Some(AT + 2));
    assert_eq!(approved.approval_code_hash, None, "the code is used up");
    assert_eq!(approved.positions.as_slice(), std::slice::from_ref(&starosta));
    let err = store.approve_device("dev-1", code_hash("481-223"), &[], AT + 3).await.expect_err("twice");
    assert!(matches!(err, StoreError::DeviceStatus { wanted: "pending", .. }), "{err}");

    let both = store.set_device_positions("dev-1", &[starosta.clone(), officer.clone()]).await.expect("positions");
    assert_eq!(both.positions, [officer.clone(), starosta.clone()], "ordered by position id");
    let err = store.set_device_positions("dev-2", std::slice::from_ref(&officer)).await.expect_err("pending");
    assert!(matches!(err, StoreError::DeviceStatus { .. }), "{err}");
    let err = store.revoke_device("dev-9", AT).await.expect_err("unknown");
    assert!(matches!(err, StoreError::UnknownDevice { .. }), "{err}");

    let revoked = store.revoke_device("dev-1", AT + 10).await.expect("revoke");
    assert_eq!((revoked.status, revoked.revoked_at), (DeviceStatus::Revoked, Some(AT + 10)));
    let err = store.set_device_positions("dev-1", &[officer]).await.expect_err("revoked");
    assert!(matches!(err, StoreError::DeviceStatus { status: "revoked", .. }), "{err}");

    let ids = |ds: Vec<keis_sync_server::store::Device>| ds.into_iter().map(|d| d.device_id).collect::<Vec<_>>();
    assert_eq!(ids(store.devices(None).await.expect("all")), ["dev-1", "dev-2"]);
    assert_eq!(ids(store.devices(Some(DeviceStatus::Pending)).await.expect("pending")), ["dev-2"]);
    assert_eq!(ids(store.devices(Some(DeviceStatus::Revoked)).await.expect("revoked")), ["dev-1"]);
    store.close().await.expect("close");

    let store = SqliteStore::open(dir.path()).await.expect("reopen");
    assert_eq!(store.device("dev-1").await.expect("get").expect("kept"), revoked);
    store.close().await.expect("close");
}

fn line(i: i64, case: &str, action: &str) -> AuditEntry {
    AuditEntry {
        at: AT + i * 1_000,
        device_id: format!("dev-{}", i % 3),
        position_id: Some("pos-sta-1".into()),
        case_id: Some(case.into()),
        action: action.into(),
        detail: format!("line {i}"),
    }
}

#[tokio::test]
async fn the_audit_log_is_queried_by_case_and_time_newest_first_in_pages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(dir.path()).await.expect("open");
    for i in 0..25 {
        let (case, action) = if i % 2 == 0 { ("case-a", "read") } else { ("case-b", "write") };
        store.append_audit(line(i, case, action)).await.expect("append");
    }
    store
        .append_audit(AuditEntry { case_id: None, position_id: None, ..line(30, "", "reject") })
        .await
        .expect("append without case");

    let mut seen = Vec::new();
    let mut query = AuditQuery { case_id: Some("case-a".into()), limit: 5, ..Default::default() };
    loop {
        let page = store.audit(query.clone()).await.expect("page");
        assert!(page.records.len() <= 5);
        seen.extend(page.records.iter().map(|r| r.entry.detail.clone()));
        match page.next {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }
    let expected: Vec<String> = (0..25).rev().filter(|i| i % 2 == 0).map(|i| format!("line {i}")).collect();
    assert_eq!(seen, expected, "every line of case-a, newest first, once");

    let range = AuditQuery { from: Some(AT + 10_000), to: Some(AT + 13_000), ..Default::default() };
    let page = store.audit(range).await.expect("range");
    let details: Vec<_> = page.records.iter().map(|r| r.entry.detail.as_str()).collect();
    assert_eq!(details, ["line 12", "line 11", "line 10"]);
    assert_eq!(page.next, None);

    let newest = store.audit(AuditQuery { limit: 1, ..Default::default() }).await.expect("newest");
    assert_eq!(newest.records[0].entry.action, "reject");
    assert_eq!(newest.records[0].entry.case_id, None);
}
