//! `keis-bench sync` end to end at tiny sizes: both servers start in their own processes,
//! every step runs against each, and the JSON figures hold what was asked for.

use std::process::Command;

use serde_json::Value;

#[test]
fn both_systems_run_every_step_and_report_figures() {
    let out = Command::new(env!("CARGO_BIN_EXE_keis-bench"))
        .args(["sync", "--docs", "12", "--changed-percent", "25", "--devices", "3", "--spread-ms", "50", "--json"])
        .output()
        .expect("run keis-bench");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let runs = report["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 2, "Keis and samod");
    for run in runs {
        let system = run["system"].as_str().unwrap_or_default();
        assert_eq!(run["upload"]["docs"], 12, "{system}");
        assert_eq!(run["change_some"]["docs"], 3, "{system}");
        assert!(run["upload"]["bytes"]["up"].as_u64().unwrap_or(0) > 12 * 1000, "{system}: a case is kilobytes");
        assert!(run["one_change"]["bytes"]["up"].as_u64().unwrap_or(0) > 0, "{system}");
        assert_eq!(run["devices_burst"]["count"], 3, "{system}");
        assert_eq!(run["devices_paced"]["count"], 3, "{system}");
        assert!(run["memory_after_upload"]["rss_kib"].as_u64().unwrap_or(0) > 0, "{system}");
    }
    let keis = &runs[0];
    let reconnect = keis["idle_reconnect"]["bytes"]["up"].as_u64().unwrap_or(u64::MAX)
        + keis["idle_reconnect"]["bytes"]["down"].as_u64().unwrap_or(u64::MAX);
    assert!(reconnect < 1024, "an idle Keis reconnect is a few small frames: {reconnect} B");
}
