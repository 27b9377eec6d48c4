//! The server's configuration: defaults, the TOML file, `KEIS_*` variables and flags, in
//! that order; typed errors that name the key; the shipped example parses to the defaults.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use keis_sync_server::config::{Config, ConfigError, KEYS, Overrides};

fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    move |k| map.get(k).cloned()
}

const EXAMPLE: &str = include_str!("../keis-sync-server.example.toml");

#[test]
fn the_example_file_documents_every_key_and_holds_the_defaults() {
    let c = Config::from_sources(Some(EXAMPLE), env(&[])).expect("example parses");
    assert_eq!(c, Config::default());
    let table: toml::Table = EXAMPLE.parse().expect("toml");
    for key in KEYS {
        assert!(table.contains_key(*key), "{key} is in the example");
        assert!(EXAMPLE.contains(&format!("KEIS_{}", key.to_ascii_uppercase())), "KEIS_ variable of {key}");
    }
    assert_eq!(table.len(), KEYS.len());
}

#[test]
fn file_then_environment_then_flags() {
    let toml = r#"
        listen = "0.0.0.0:9000"
        data = "/var/lib/keis"
        demo = 3
        page_size = 64
        max_blob_bytes = 1_000_000
        challenge_ttl_secs = 30
        session_ttl_secs = 3600
        log = "debug"
    "#;
    let c = Config::from_sources(Some(toml), env(&[])).expect("file");
    assert_eq!(c.listen, "0.0.0.0:9000".parse::<SocketAddr>().expect("addr"));
    assert_eq!((c.demo, c.page_size, c.max_blob_bytes), (3, 64, 1_000_000));
    assert_eq!(c.auth_config().challenge_ttl_ms, 30_000);
    assert_eq!(c.auth_config().session_ttl_ms, 3_600_000);
    assert_eq!(c.store_config().max_blob_size, 1_000_000);
    assert_eq!(c.log, "debug");

    let vars = [("KEIS_DEMO", "7"), ("KEIS_MAX_BLOB_BYTES", "2048"), ("KEIS_DATA", "/srv/keis"), ("OTHER", "x")];
    let mut c = Config::from_sources(Some(toml), env(&vars)).expect("file + env");
    assert_eq!((c.demo, c.max_blob_bytes, c.page_size), (7, 2048, 64));
    assert_eq!(c.data, PathBuf::from("/srv/keis"));

    c.apply(&Overrides { listen: Some("127.0.0.1:1".parse().expect("addr")), data: None, demo: Some(0) });
    assert_eq!(c.listen.port(), 1);
    assert_eq!(c.data, PathBuf::from("/srv/keis"), "no flag keeps the environment's value");
    assert_eq!(c.demo, 0);
}

#[test]
fn no_file_and_no_environment_is_the_defaults() {
    let c = Config::from_sources(None, env(&[])).expect("defaults");
    assert_eq!(c, Config::default());
    assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(c.data, PathBuf::from("keis-data"));
    assert_eq!(c.page_size, keis_sync_server::sync::PAGE_SIZE);
}

#[test]
fn bad_input_says_which_key_and_what_is_expected() {
    let cases: &[(Option<&str>, &[(&str, &str)], &str)] = &[
        (Some("listen = 8080"), &[], "listen"),
        (Some("listen = \"localhost\""), &[], "listen"),
        (Some("demo = -1"), &[], "demo"),
        (Some("demo = \"many\""), &[], "demo"),
        (Some("page_size = 0"), &[], "page_size"),
        (Some("session_ttl_secs = 1"), &[], "session_ttl_secs"),
        (Some("data = \"\""), &[], "data"),
        (None, &[("KEIS_DEMO", "lots")], "KEIS_DEMO"),
        (None, &[("KEIS_LISTEN", "nowhere")], "KEIS_LISTEN"),
        (None, &[("KEIS_MAX_BLOB_BYTES", "0")], "KEIS_MAX_BLOB_BYTES"),
    ];
    for (toml, vars, key) in cases {
        match Config::from_sources(*toml, env(vars)) {
            Err(e @ ConfigError::Value { .. }) => {
                let msg = e.to_string();
                assert!(msg.contains(&format!("`{key}`")) && msg.contains("expected"), "{msg}");
            }
            other => panic!("{toml:?} {vars:?}: {other:?}"),
        }
    }
}

#[test]
fn unknown_keys_and_bad_toml_are_refused() {
    let e = Config::from_sources(Some("listn = \"0.0.0.0:1\""), env(&[])).expect_err("typo");
    assert!(matches!(&e, ConfigError::UnknownKey { key } if key == "listn"), "{e:?}");
    assert!(e.to_string().contains("listen"), "lists the known keys: {e}");
    let e = Config::from_sources(Some("listen = "), env(&[])).expect_err("bad toml");
    assert!(matches!(e, ConfigError::Toml { .. }), "{e:?}");
    let e = Config::from_sources(Some("[store]\nmax_blob_bytes = 1"), env(&[])).expect_err("tables are not keys");
    assert!(matches!(e, ConfigError::UnknownKey { .. }), "{e:?}");
}

#[test]
fn an_unreadable_file_names_its_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nope.toml");
    let e = Config::load(Some(&missing), env(&[])).expect_err("missing");
    assert!(matches!(&e, ConfigError::Read { path, .. } if *path == missing), "{e:?}");
    assert!(e.to_string().contains("nope.toml"));
    let file = dir.path().join("keis.toml");
    std::fs::write(&file, "demo = 2\n").expect("write");
    assert_eq!(Config::load(Some(&file), env(&[])).expect("load").demo, 2);
}
