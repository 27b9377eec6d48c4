//! `/api/v1/openapi.json` cannot drift from the server: the documented operations equal
//! `keis_sync_server::ROUTES` and the `.route("…")` calls in the source, the real
//! application answers each of them (not 404, not 405) and refuses the verbs it does not
//! document (405).

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Method, Request, StatusCode};
use keis_sync_server::auth::Auth;
use keis_sync_server::store::{SqliteStore, Store};
use keis_sync_server::{AppState, ROUTES};
use serde_json::Value;
use tower::ServiceExt;

const VERBS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

async fn app() -> (tempfile::TempDir, Router) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).await.expect("open"));
    let auth = Arc::new(Auth::with_defaults(store));
    (dir, keis_sync_server::app(AppState::default(), auth))
}

async fn status(app: &Router, method: &str, path: &str) -> StatusCode {
    let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).expect("method");
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .body(Body::from("{}"))
        .expect("request");
    app.clone().oneshot(req).await.expect("response").status()
}

async fn served_document(app: &Router) -> Value {
    let req = Request::builder().uri("/api/v1/openapi.json").body(Body::empty()).expect("request");
    let res = app.clone().oneshot(req).await.expect("response");
    assert_eq!(res.status(), StatusCode::OK);
    let body = to_bytes(res.into_body(), 1 << 20).await.expect("body");
    serde_json::from_slice(&body).expect("json")
}

/// (METHOD, path) of every operation in the document.
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (verb, op) in item.as_object().expect("path item") {
            assert!(VERBS.contains(&verb.as_str()), "{path}: {verb}");
            assert!(op["operationId"].is_string(), "{verb} {path} has an operationId");
            assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()), "{verb} {path} has responses");
            ops.insert((verb.to_ascii_uppercase(), path.clone()));
        }
    }
    ops
}

/// The path of every `.route("…"` call in the crate's source.
fn routes_in_source(dir: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            routes_in_source(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("read");
            for piece in text.split(".route(\"").skip(1) {
                out.insert(piece.split('"').next().expect("path").to_owned());
            }
        }
    }
}

#[tokio::test]
async fn the_document_lists_exactly_the_routes_of_the_server() {
    let (_dir, app) = app().await;
    let doc = served_document(&app).await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(&doc, keis_sync_server::openapi::document());

    let listed: BTreeSet<(String, String)> = ROUTES.iter().map(|(m, p)| ((*m).to_owned(), (*p).to_owned())).collect();
    assert_eq!(documented(&doc), listed, "ROUTES and the OpenAPI document disagree");

    let mut in_source = BTreeSet::new();
    routes_in_source(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut in_source);
    let listed_paths: BTreeSet<String> = ROUTES.iter().map(|(_, p)| (*p).to_owned()).collect();
    assert_eq!(in_source, listed_paths, "a router has a route that ROUTES (and the document) lack, or the reverse");
}

#[tokio::test]
async fn every_documented_operation_is_answered_and_no_other_verb_is() {
    let (_dir, app) = app().await;
    let doc = served_document(&app).await;
    let ops = documented(&doc);
    for (path, _) in doc["paths"].as_object().expect("paths") {
        for verb in VERBS {
            let s = status(&app, verb, &with_examples(&doc, path, verb)).await;
            if ops.contains(&(verb.to_ascii_uppercase(), path.clone())) {
                assert!(s != StatusCode::NOT_FOUND && s != StatusCode::METHOD_NOT_ALLOWED, "{verb} {path}: {s}");
                let code = s.as_str().to_owned();
                let responses = &doc["paths"][path][verb]["responses"];
                assert!(responses.get(&code).is_some(), "{verb} {path} answers {s}, which is not documented");
            } else {
                assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED, "{verb} {path}: undocumented verb");
            }
        }
    }
    assert_eq!(status(&app, "get", "/api/v1/nothing-here").await, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn every_error_response_is_the_error_schema() {
    let doc = keis_sync_server::openapi::document();
    let error = &doc["components"]["schemas"]["Error"];
    assert_eq!(error["required"], serde_json::json!(["error", "message"]));
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (verb, op) in item.as_object().expect("item") {
            for (code, res) in op["responses"].as_object().expect("responses") {
                if code.starts_with('4') || code.starts_with('5') {
                    let schema = &res["content"]["application/json"]["schema"]["$ref"];
                    assert_eq!(schema, "#/components/schemas/Error", "{verb} {path} {code}");
                }
            }
        }
    }
}

/// `path` with each path parameter replaced by the `example` the document gives for it, so
/// routes whose parameters must name something real (an office, a desk, a file) are
/// answered rather than refused with 404.
fn with_examples(doc: &Value, path: &str, verb: &str) -> String {
    let mut out = path.to_owned();
    if let Some(params) = doc["paths"][path][verb]["parameters"].as_array() {
        for p in params {
            if p["in"] == "path" && !p["example"].is_null() {
                let value = p["example"].as_str().map_or_else(|| p["example"].to_string(), str::to_owned);
                out = out.replace(&format!("{{{}}}", p["name"].as_str().unwrap_or_default()), &value);
            }
        }
    }
    out
}
