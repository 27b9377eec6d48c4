//! The queue's public pages in a real browser: Debian's Chromium driven by
//! `tests/browser/queue.spec.mjs` (npm `playwright-core`), against the whole server
//! in-process on a manual clock. A visitor takes tickets at the kiosk (a click, then the
//! keyboard only); the hall display shows them waiting; the operator calls; the hall
//! chimes exactly once (not again after a reload or a reconnect); three simulated minutes
//! later the ticket is postponed and the next one called, with one more chime.
//!
//! The script asks for time on its stdout (`advance <ms>`); this test moves the clock,
//! runs the queue's tick and answers `ok`. Without Chromium or `tests/browser/node_modules`
//! the test is skipped, unless `KEIS_REQUIRE_BROWSER=1` (set by `scripts/test`).
//! `KEIS_SCREENSHOTS=1` saves `docs/screenshots/queue-*.png`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use keis_sync_server::queue_api::office::DEMO_OFFICE_TOML;
use keis_tests::queue_bench::server::QueueServer;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;
use tokio::sync::Mutex;

const POSITION: &str = "demo-queue-operator";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// What the browser test needs, or why it cannot run.
fn browser() -> Result<PathBuf, String> {
    let chromium = std::env::var_os("KEIS_CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    if !chromium.exists() {
        return Err(format!("no Chromium at {} (apt-get install chromium)", chromium.display()));
    }
    if !repo().join("tests/browser/node_modules/playwright-core").exists() {
        return Err("no tests/browser/node_modules (npm ci --prefix tests/browser)".into());
    }
    if std::process::Command::new("node").arg("--version").output().is_err() {
        return Err("no node (Node.js 20 or later)".into());
    }
    Ok(chromium)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hall_chimes_once_per_call_in_chromium() {
    let chromium = match browser() {
        Ok(c) => c,
        Err(why) if std::env::var("KEIS_REQUIRE_BROWSER").as_deref() == Ok("1") => {
            panic!("KEIS_REQUIRE_BROWSER=1 but the browser test cannot run: {why}")
        }
        Err(why) => {
            eprintln!("SKIPPED the_hall_chimes_once_per_call_in_chromium: {why}");
            return;
        }
    };
    let srv = QueueServer::start(DEMO_OFFICE_TOML, &[POSITION.to_owned()]).await.expect("server");
    let mut child = Command::new("node")
        .arg(repo().join("tests/browser/queue.spec.mjs"))
        .current_dir(repo())
        .env("KEIS_BASE_URL", format!("http://{}", srv.addr))
        .env("KEIS_TOKEN", &srv.token)
        .env("KEIS_POSITION", POSITION)
        .env("KEIS_OFFICE", &srv.office)
        .env("KEIS_CHROMIUM", &chromium)
        .env("KEIS_SCREENSHOT_DIR", repo().join("docs/screenshots"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node starts");
    let transcript = Arc::new(Mutex::new(String::new()));
    let stderr = child.stderr.take().expect("stderr");
    let log = transcript.clone();
    let errors = tokio::spawn(async move {
        let mut lines = BufReader::new(stderr).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let mut t = log.lock().await;
            t.push_str(&line);
            t.push('\n');
        }
    });
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let drive = async {
        let mut advanced = 0;
        while let Some(line) = stdout.next_line().await.map_err(|e| e.to_string())? {
            let Some(ms) = line.strip_prefix("advance ") else {
                transcript.lock().await.push_str(&format!("stdout: {line}\n"));
                continue;
            };
            let ms: i64 = ms.trim().parse().map_err(|_| format!("bad request from the script: {line}"))?;
            srv.advance(ms).await.map_err(|e| e.to_string())?;
            advanced += 1;
            stdin.write_all(b"ok\n").await.map_err(|e| e.to_string())?;
        }
        let status = child.wait().await.map_err(|e| e.to_string())?;
        Ok::<_, String>((status, advanced))
    };
    let outcome = tokio::time::timeout(Duration::from_secs(180), drive).await;
    let _ = tokio::time::timeout(Duration::from_secs(5), errors).await;
    let transcript = transcript.lock().await.clone();
    match outcome {
        Err(_) => panic!("the browser test did not finish in 3 minutes; its output:\n{transcript}"),
        Ok(Err(e)) => panic!("driving the browser test failed: {e}; its output:\n{transcript}"),
        Ok(Ok((status, advanced))) => {
            assert!(status.success(), "the browser test failed ({status}); its output:\n{transcript}");
            assert_eq!(advanced, 1, "the script moves the clock once; its output:\n{transcript}");
            assert!(transcript.contains("PASS"), "the script did not report PASS; its output:\n{transcript}");
            eprintln!("{transcript}");
        }
    }
}
