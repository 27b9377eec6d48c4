//! The administrator's command line, run as the real binary on a real data directory:
//! list the waiting devices, approve one with its code and positions, list all, revoke.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use keis_sync_server::auth::{Auth, AuthConfig, ManualClock};
use keis_sync_server::store::{DeviceStatus, SqliteStore, Store};
use ring::rand::SystemRandom;

const HROMADA: &str = "UA05020030000031457";

fn admin(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_keis-sync-server"))
        .arg("admin")
        .arg("--data")
        .arg(dir)
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("run keis-sync-server")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Enrols a tablet the way the route does; answers its id and code.
async fn enrol(dir: &Path) -> (String, String) {
    let store = Arc::new(SqliteStore::open(dir).await.expect("open"));
    let auth = Auth::new(
        store.clone(),
        AuthConfig::default(),
        Arc::new(ManualClock::new(1_763_900_000_000)),
        Arc::new(SystemRandom::new()),
    );
    let e = auth.enrol(&[7; 32], "Планшет старости").await.expect("enrol");
    store.close().await.expect("close");
    (e.device_id, e.approval_code.to_string())
}

#[tokio::test]
async fn an_administrator_lists_approves_and_revokes_from_the_command_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (id, code) = enrol(dir.path()).await;

    let list = admin(dir.path(), &["enrol-list"]);
    assert!(list.status.success(), "{list:?}");
    let text = stdout(&list);
    assert!(text.contains(&id) && text.contains("pending") && text.contains("Планшет старости"), "{text}");
    assert!(!text.contains(&code), "the code is never shown by the server: {text}");

    let position = format!("pos-sta-1:userSta:district:{HROMADA}/north");
    let first = if code.starts_with('0') { '1' } else { '0' };
    let wrong_code = format!("{first}{}", &code[1..]);
    let wrong = admin(dir.path(), &["approve", &id, "--code", &wrong_code, "--position", &position]);
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("does not match"), "{wrong:?}");
    let bad_position = admin(dir.path(), &["approve", &id, "--code", &code, "--position", "pos:chief:all"]);
    assert!(!bad_position.status.success());
    assert!(String::from_utf8_lossy(&bad_position.stderr).contains("unknown role"), "{bad_position:?}");

    let office = format!("pos-hro-1:hromada_officer:hromadas:{HROMADA}");
    let ok = admin(dir.path(), &["approve", &id, "--code", &code, "--position", &position, "--position", &office]);
    assert!(ok.status.success(), "{ok:?}");
    assert!(stdout(&ok).contains("approved"), "{ok:?}");

    let all = admin(dir.path(), &["devices"]);
    let text = stdout(&all);
    assert!(text.contains(&position) && text.contains(&office), "{text}");
    assert!(stdout(&admin(dir.path(), &["enrol-list"])).contains("no devices waiting"));

    let revoked = admin(dir.path(), &["revoke", &id]);
    assert!(revoked.status.success(), "{revoked:?}");
    let unknown = admin(dir.path(), &["revoke", "dev-nope"]);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("not enrolled"), "{unknown:?}");

    let store = SqliteStore::open(dir.path()).await.expect("open");
    let device = store.device(&id).await.expect("get").expect("kept");
    assert_eq!(device.status, DeviceStatus::Revoked);
    assert_eq!(device.positions.len(), 2, "positions are kept for the record");
    store.close().await.expect("close");
}
