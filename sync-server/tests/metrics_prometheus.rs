//! `GET /metrics` after a scripted exchange (enrol, sign in, sync, a refused write): the
//! counters say what happened, the output is valid Prometheus text, and no id of a case
//! or device appears in it.

mod sync_support;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use keis_crdt::sync::Frame;
use keis_crdt::{Position, Role, Scope, demo};
use sync_support::*;
use tower::ServiceExt;

async fn metrics(s: &Server) -> String {
    let req = Request::builder().uri("/metrics").body(Body::empty()).expect("request");
    let res = s.app.clone().oneshot(req).await.expect("response");
    assert_eq!(res.status(), StatusCode::OK);
    let ct = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(ct.starts_with("text/plain; version=0.0.4"), "{ct}");
    let body = to_bytes(res.into_body(), 1 << 20).await.expect("body");
    String::from_utf8(body.to_vec()).expect("utf-8")
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// The labels after `{`, and what follows the closing `}`.
fn parse_labels<'a>(mut rest: &'a str, line: &str) -> (Vec<(String, String)>, &'a str) {
    let mut labels = Vec::new();
    loop {
        if let Some(r) = rest.strip_prefix('}') {
            return (labels, r);
        }
        let eq = rest.find("=\"").unwrap_or_else(|| panic!("label=\"value\" in {line}"));
        let key = &rest[..eq];
        assert!(is_name(key) && !key.contains(':'), "label name {key:?}");
        let body = &rest[eq + 2..];
        let (mut value, mut end) = (String::new(), None);
        let mut it = body.char_indices();
        while let Some((i, c)) = it.next() {
            match c {
                '\\' => match it.next().map(|x| x.1) {
                    Some('\\') => value.push('\\'),
                    Some('"') => value.push('"'),
                    Some('n') => value.push('\n'),
                    other => panic!("bad escape {other:?} in {line}"),
                },
                '"' => {
                    end = Some(i + 1);
                    break;
                }
                c => value.push(c),
            }
        }
        let end = end.unwrap_or_else(|| panic!("unterminated label value in {line}"));
        labels.push((key.to_owned(), value));
        rest = &body[end..];
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
}

/// One sample: name, labels, value. Panics on anything the text format forbids.
fn parse_sample(line: &str) -> (String, Vec<(String, String)>, f64) {
    let name_end = line.find(['{', ' ']).expect("a value follows the name");
    let name = &line[..name_end];
    assert!(is_name(name), "metric name {name:?}");
    let (labels, rest) = match line[name_end..].strip_prefix('{') {
        Some(r) => parse_labels(r, line),
        None => (Vec::new(), &line[name_end..]),
    };
    let value = rest.strip_prefix(' ').expect("one space before the value").split(' ').next().expect("value");
    let v = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        v => v.parse().unwrap_or_else(|_| panic!("value {v:?} in {line}")),
    };
    (name.to_owned(), labels, v)
}

/// Checks the text format and answers every sample as `name{k="v",…}` → value.
fn parse(text: &str) -> HashMap<String, f64> {
    let (mut typed, mut helped, mut samples) = (HashMap::new(), HashSet::new(), HashMap::new());
    assert!(text.ends_with('\n'), "the last line ends with a newline");
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().expect("name");
            assert!(is_name(name) && helped.insert(name.to_owned()), "HELP once per family: {line}");
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split(' ');
            let (name, kind) = (parts.next().expect("name"), parts.next().expect("type"));
            assert!(["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind), "{line}");
            assert!(is_name(name) && typed.insert(name.to_owned(), kind.to_owned()).is_none(), "TYPE once: {line}");
        } else {
            assert!(!line.starts_with('#') && !line.is_empty(), "{line:?}");
            let (name, labels, v) = parse_sample(line);
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| name.strip_suffix(s).filter(|f| typed.get(*f).is_some_and(|k| k == "histogram")))
                .unwrap_or(&name);
            assert!(typed.contains_key(family), "TYPE before samples of {name}");
            let key = if labels.is_empty() {
                name.clone()
            } else {
                let l: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
                format!("{name}{{{}}}", l.join(","))
            };
            assert!(samples.insert(key, v).is_none(), "one sample per label set: {line}");
        }
    }
    samples
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scripted_exchange_shows_in_the_counters() {
    let s = server().await;
    let mut a = tablet(&s, &demo::positions()).await;
    let other = Scope::hromada("UA99000000000000099");
    let mut c = tablet(&s, &[Position::new("other-hromada", Role::HromadaOfficer, other)]).await;
    let id = new_case(&mut a, 1);
    let w = sync(&s, &mut a).await;
    assert!(w.error.is_none() && a.device.dirty.is_empty(), "{w:?}");
    // A device of another hromada opens a case in hromada A: refused.
    let refused = new_case(&mut c, 2);
    sync(&s, &mut c).await;
    assert!(c.device.rejected.contains_key(&refused));

    // While a client is connected the gauge counts it.
    let mut ws = connect(&s, Some(&a.token)).await.expect("connect");
    send(&mut ws, Frame::Hello { cursor: 0 }.encode()).await;
    assert!(matches!(next_frame(&mut ws).await, Some(Frame::Welcome { .. })));
    let m = parse(&metrics(&s).await);
    assert_eq!(m["keis_sync_clients"], 1.0);
    drop(ws);

    // A request to no route is counted under no path of its own.
    let req = Request::builder().uri(format!("/no/such/{id}")).body(Body::empty()).expect("request");
    assert_eq!(s.app.clone().oneshot(req).await.expect("response").status(), StatusCode::NOT_FOUND);

    let mut text = metrics(&s).await;
    for _ in 0..50 {
        if parse(&text)["keis_sync_clients"] == 0.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        text = metrics(&s).await;
    }
    let m = parse(&text);
    let get = |k: &str| m.get(k).copied().unwrap_or_else(|| panic!("{k} missing in\n{text}"));
    assert_eq!(get("keis_sync_clients"), 0.0, "the closed connection is gone");
    assert_eq!(get(r#"keis_http_requests_total{route="/api/v1/devices",method="POST",status="2xx"}"#), 2.0);
    assert_eq!(get(r#"keis_http_requests_total{route="/api/v1/session/challenge",method="POST",status="2xx"}"#), 2.0);
    assert_eq!(get(r#"keis_http_requests_total{route="/api/v1/session",method="POST",status="2xx"}"#), 2.0);
    assert!(get(r#"keis_http_requests_total{route="/metrics",method="GET",status="2xx"}"#) >= 1.0);
    assert_eq!(get(r#"keis_http_requests_total{route="unmatched",method="GET",status="4xx"}"#), 1.0);
    assert!(get(r#"keis_sync_frames_total{direction="in"}"#) >= 4.0);
    assert!(get(r#"keis_sync_frames_total{direction="out"}"#) >= 4.0);
    assert!(get(r#"keis_sync_frame_bytes_total{direction="in"}"#) > 100.0);
    assert!(get(r#"keis_sync_frame_bytes_total{direction="out"}"#) > 10.0);
    assert_eq!(get("keis_sync_changes_accepted_total"), 1.0, "A's new case");
    assert!(get(r#"keis_sync_changes_rejected_total{reason="out_of_scope"}"#) >= 1.0);
    assert_eq!(get("keis_store_append_seconds_count"), 1.0);
    assert_eq!(get(r#"keis_store_append_seconds_bucket{le="+Inf"}"#), 1.0);
    assert!(get("keis_store_append_seconds_sum") > 0.0);

    // Cardinality and privacy: no id of a case or device, no raw path.
    for secret in [&id, &refused, &a.id, &c.id, &a.token] {
        assert!(!text.contains(secret.as_str()), "{secret} leaked into /metrics");
    }
    assert!(!text.contains("/no/such"));
}

#[test]
fn the_parser_rejects_what_prometheus_would() {
    let (name, labels, v) = parse_sample(r#"x_total{a="q\"\\\n",b="2",} 1.5"#);
    assert_eq!((name.as_str(), v), ("x_total", 1.5));
    assert_eq!(labels, vec![("a".to_owned(), "q\"\\\n".to_owned()), ("b".to_owned(), "2".to_owned())]);
    assert_eq!(parse("# HELP x_total A.\n# TYPE x_total counter\nx_total 1\n")["x_total"], 1.0);
    for bad in [
        "# TYPE 1x counter\n1x 1\n",
        "x 1\n",
        "# TYPE x gauge\nx{a=\"b\\q\"} 1\n",
        "# TYPE x gauge\nx{a=\"b\"} one\n",
        "# TYPE x gauge\nx 1\nx 2\n",
    ] {
        assert!(std::panic::catch_unwind(|| parse(bad)).is_err(), "{bad:?}");
    }
}
