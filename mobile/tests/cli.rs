//! The `keis` binary end to end: a store in a tempdir, cases made, listed, shown, signed
//! and submitted from the command line, then enrolment and sync against a real server.

mod server_support;

use std::path::Path;
use std::process::{Command, Output};

use keis_crdt::demo;
use keis_sync_server::admin;
use server_support::{T0, server};

const STAROSTA: &str = "p-sta:userSta:district:UA99000000000000017/demo-north";
/// The starosta position the server approves the device with (`demo::positions`).
const DEMO_STAROSTA: &str = "demo-starosta:userSta:district:UA99000000000000017/demo-north";

fn keis(data: &Path, pin: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_keis"));
    cmd.arg("--data").arg(data).args(["--pin-env", "KEIS_TEST_PIN"]).args(args).env_remove("KEIS_TEST_PIN");
    if let Some(p) = pin {
        cmd.env("KEIS_TEST_PIN", p);
    }
    cmd.output().expect("the binary runs")
}

/// Runs and expects success; stdout.
fn ok(data: &Path, args: &[&str]) -> String {
    let out = keis(data, Some("2468"), args);
    assert!(out.status.success(), "keis {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

fn init(dir: &Path) -> std::path::PathBuf {
    let data = dir.join("tablet");
    ok(&data, &["init", "--kdf-iterations", "1000"]);
    data
}

fn applicant_json(dir: &Path) -> std::path::PathBuf {
    let born = keis_crdt::validate::Date::new(1969, 8, 6).expect("date");
    let spec = serde_json::json!({ "services": ["housing_subsidy"], "applicant": demo::person(7, born) });
    let path = dir.join("case.json");
    std::fs::write(&path, spec.to_string()).expect("write");
    path
}

#[test]
fn a_case_is_made_listed_shown_signed_and_submitted_from_the_command_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = init(dir.path());
    let id = ok(
        &data,
        &[
            "case",
            "new",
            "--service",
            "housing_subsidy",
            "--surname",
            "Прикладна",
            "--given-name",
            "Леся",
            "--position",
            STAROSTA,
        ],
    );
    let id = id.trim().to_owned();
    assert!(id.starts_with("case-"), "{id}");

    let list = ok(&data, &["case", "list"]);
    let row: Vec<&str> = list.lines().find(|l| l.starts_with(&id)).expect("the case is listed").split('\t').collect();
    assert_eq!(row[2..], ["Being formed", "pending", "Прикладна Леся"], "{list}");

    let show: serde_json::Value = serde_json::from_str(&ok(&data, &["case", "show", &id])).expect("JSON");
    assert_eq!(show["services"], serde_json::json!(["housing_subsidy"]));
    assert_eq!(show["hromada"], demo::HROMADA, "taken from the position's scope");
    assert_eq!(show["applicant"]["surname"], "Прикладна");
    assert_eq!(show["dirty"], true);

    // A photographed page: white paper on a dark table, as an RGB PNG.
    let scan = dir.path().join("passport.png");
    let img = image::RgbImage::from_fn(900, 1200, |x, y| {
        let paper = (100..800).contains(&x) && (100..1100).contains(&y);
        let text = paper && y % 40 < 4 && (150..700).contains(&x);
        image::Rgb(if text {
            [20, 20, 20]
        } else if paper {
            [235, 232, 225]
        } else {
            [40, 50, 60]
        })
    });
    img.save(&scan).expect("png");
    let photo_size = std::fs::metadata(&scan).expect("size").len();
    let hash = ok(&data, &["scan", "add", &id, "--kind", "identity_document", scan.to_str().expect("path")]);
    let show: serde_json::Value = serde_json::from_str(&ok(&data, &["case", "show", &id])).expect("JSON");
    let attachment = &show["attachments"][0];
    assert_eq!(attachment["sha256"], hash.trim());
    assert_eq!(attachment["mime"], "image/png", "a document page is a 1-bit PNG");
    let stored = attachment["size"].as_u64().expect("size");
    assert!(stored > 0 && stored < photo_size, "the page was processed: {stored} of {photo_size} bytes");
    let garbage = dir.path().join("broken.png");
    std::fs::write(&garbage, b"not really a png").expect("write");
    let refused =
        keis(&data, Some("2468"), &["scan", "add", &id, "--kind", "rnokpp_card", garbage.to_str().expect("p")]);
    assert!(!refused.status.success(), "an image that does not decode is refused");
    ok(&data, &["scan", "add", &id, "--kind", "rnokpp_card", "--raw", garbage.to_str().expect("path")]);

    // A full applicant from a JSON file, signed, then submitted with a missing document.
    let json = applicant_json(dir.path());
    let id2 = ok(&data, &["case", "new", "--json", json.to_str().expect("path"), "--position", STAROSTA]);
    let id2 = id2.trim();
    let unsigned = keis(&data, Some("2468"), &["submit", id2, "--position", STAROSTA, "--incomplete", "довідка буде"]);
    assert!(!unsigned.status.success(), "no signature yet: the rules refuse");
    let strokes = dir.path().join("strokes.json");
    let wave = |row: f32| -> Vec<[f32; 3]> {
        (0..80).map(|i| [40.0 + i as f32 * 4.0, row + 25.0 * (i as f32 / 5.0).sin(), i as f32 * 12.0]).collect()
    };
    let pad =
        serde_json::json!({ "canvas": { "width": 400.0, "height": 150.0 }, "strokes": [wave(50.0), wave(100.0)] });
    std::fs::write(&strokes, pad.to_string()).expect("write");
    let scribble = dir.path().join("dot.json");
    std::fs::write(&scribble, r#"{"canvas":{"width":400,"height":150},"strokes":[[[10,10,0]]]}"#).expect("write");
    let dot = keis(&data, Some("2468"), &["sign", id2, "--strokes", scribble.to_str().expect("path")]);
    assert!(!dot.status.success(), "a dot is not a signature");
    let image_hash = ok(&data, &["sign", id2, "--strokes", strokes.to_str().expect("path")]);
    let show: serde_json::Value = serde_json::from_str(&ok(&data, &["case", "show", id2])).expect("JSON");
    assert_eq!(show["signatures"][0]["image_sha256"], image_hash.trim());
    let submitted = ok(&data, &["submit", id2, "--position", STAROSTA, "--incomplete", "довідка буде"]);
    assert!(submitted.contains("Sent to the hromada"), "{submitted}");
    assert_eq!(ok(&data, &["case", "list"]).lines().count(), 2);
}

#[test]
fn the_pin_comes_only_from_the_environment_and_a_wrong_one_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = init(dir.path());
    let none = keis(&data, None, &["case", "list"]);
    assert!(!none.status.success());
    assert!(String::from_utf8_lossy(&none.stderr).contains("KEIS_TEST_PIN"), "says which variable to set");
    let wrong = keis(&data, Some("0000"), &["case", "list"]);
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("Wrong PIN"));
    let again = keis(&data, Some("2468"), &["init"]);
    assert!(!again.status.success(), "init does not overwrite a store");
    assert!(keis(&data, Some("2468"), &["case", "show", "case-missing"]).status.code() == Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrol_then_sync_against_a_real_server() {
    let s = server().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let data = init(dir.path());
    let url = s.url();
    let d = data.clone();
    let enrolled = tokio::task::spawn_blocking(move || ok(&d, &["enrol", "--server", &url])).await.expect("join");
    let field =
        |name: &str| enrolled.lines().find_map(|l| l.strip_prefix(&format!("{name}\t"))).expect("printed").to_owned();
    let (device_id, code) = (field("device_id"), field("approval_code"));
    admin::approve(&*s.store, &device_id, &code, &demo::positions(), T0).await.expect("approve");

    let d = data.clone();
    let before = tokio::task::spawn_blocking(move || keis(&d, Some("2468"), &["status"])).await.expect("join");
    assert!(String::from_utf8_lossy(&before.stdout).contains("last_sync_ms\tnever"));

    let json = applicant_json(dir.path());
    let d = data.clone();
    let (id, synced, status) = tokio::task::spawn_blocking(move || {
        // The first sync has not brought the device's positions yet, so name one: the one
        // the server approved (another position's case would be refused).
        let id = ok(&d, &["case", "new", "--json", json.to_str().expect("path"), "--position", DEMO_STAROSTA]);
        let synced = keis(&d, Some("2468"), &["sync"]);
        let status = ok(&d, &["status"]);
        (id.trim().to_owned(), synced, status)
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&synced.stdout);
    assert!(synced.status.success(), "{}", String::from_utf8_lossy(&synced.stderr));
    assert!(stdout.contains("documents\t1\n") && stdout.contains("pending\t0\n"), "{stdout}");
    assert!(String::from_utf8_lossy(&synced.stderr).contains("documents"), "progress on stderr");
    assert!(s.case(&id).await.is_some(), "the server stores the case");
    assert!(status.contains(&format!("device_id\t{device_id}")), "{status}");
    assert!(status.contains("position\tdemo-starosta:userSta:"), "positions from the session: {status}");
    assert!(status.contains("pending_changes\t0") && !status.contains("last_sync_ms\tnever"), "{status}");
}

#[test]
fn a_bad_card_key_is_refused_before_any_reader_or_pin_is_asked_for() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("none");
    let out = keis(&data, None, &["chip", "read", "--can", "12"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ключ доступу") && err.contains("bad access key"), "{err}");
    let out = keis(&data, None, &["chip", "read", "--can", "123456", "--mrz", "L898902C,690806,940623"]);
    assert!(!out.status.success(), "one key, not two");
    if cfg!(not(feature = "pcsc")) {
        let out = keis(&data, None, &["chip", "read", "--can", "123456"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && err.contains("--features pcsc"), "{err}");
    }
}

/// The ICAO specimen passport on the virtual PC/SC card (`scripts/virtual-card.sh`).
#[cfg(feature = "pcsc")]
#[test]
fn the_card_on_the_reader_fills_a_case_applicant_and_is_recorded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = init(dir.path());
    let id = ok(
        &data,
        &[
            "case",
            "new",
            "--service",
            "housing_subsidy",
            "--surname",
            "Набрана",
            "--phone",
            "+380991112233",
            "--position",
            STAROSTA,
        ],
    );
    let id = id.trim();
    let mut args = vec!["chip", "read", "--mrz", "L898902C,690806,940623", "--case", id, "--position", STAROSTA];
    let reader = std::env::var("KEIS_PCSC_READER").ok();
    if let Some(r) = reader.as_deref() {
        args.extend(["--reader", r]);
    }
    let out = keis(&data, Some("2468"), &args);
    if !out.status.success() && std::env::var("KEIS_SKIP_PCSC").is_ok_and(|v| v == "1") {
        return;
    }
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let read: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(read["access"], "BAC");
    assert_eq!(read["person"]["document"]["number"], "L898902C");
    let show: serde_json::Value = serde_json::from_str(&ok(&data, &["case", "show", id])).expect("JSON");
    assert_eq!(show["applicant"]["surname"], read["person"]["surname"], "the chip's name replaced the typed one");
    assert_eq!(show["applicant"]["phone"], "+380991112233", "what the chip lacks stays");
    let record = show["chip_reads"][0].clone();
    assert_eq!(record["access"], "BAC");
    assert_eq!(record["read_by"], "p-sta");
    let wrong = keis(&data, Some("2468"), &["chip", "read", "--mrz", "L898902C,690806,940624", "--case", id]);
    assert!(!wrong.status.success(), "a wrong key is refused");
    let after: serde_json::Value = serde_json::from_str(&ok(&data, &["case", "show", id])).expect("JSON");
    assert_eq!(after["chip_reads"].as_array().map(Vec::len), Some(1), "and changes nothing");
}
