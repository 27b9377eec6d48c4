//! `GET /api/v1/openapi.json`: a hand-maintained OpenAPI 3.1 document of every HTTP route
//! of [`app`](crate::app), built with `serde_json`.
//!
//! Kept honest by `tests/openapi_routes.rs`: the documented operations must equal
//! [`ROUTES`](crate::ROUTES) and the `.route(…)` calls in the source, and each must be
//! answered (not 404, not 405) by the real application. Schemas mirror the request and
//! response types of [`auth::http`](crate::auth::http), [`Health`](crate::Health) and
//! [`JournalRow`](crate::journal::JournalRow) (the case actions' are in
//! `cases::openapi`); every refusal is `{error, message}`.

use std::sync::OnceLock;

use axum::Json;
use serde_json::{Map, Value, json};

/// The document, built once.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(build)
}

/// `GET /api/v1/openapi.json`.
pub async fn handler() -> Json<Value> {
    Json(document().clone())
}

pub(crate) fn schema(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn json_content(s: Value) -> Value {
    json!({ "application/json": { "schema": s } })
}

pub(crate) fn ok(description: &str, s: Value) -> Value {
    json!({ "description": description, "content": json_content(s) })
}

pub(crate) fn error(description: &str) -> Value {
    json!({ "description": description, "content": json_content(schema("Error")) })
}

pub(crate) fn body(name: &str) -> Value {
    json!({ "required": true, "content": json_content(schema(name)) })
}

/// An object schema: every property required unless its type allows null.
pub(crate) fn object(props: &[(&str, Value)]) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for (k, v) in props {
        let nullable = v.get("type").and_then(Value::as_array).is_some_and(|t| t.iter().any(|x| x == "null"));
        if !nullable {
            required.push(Value::from(*k));
        }
        properties.insert((*k).to_owned(), v.clone());
    }
    json!({ "type": "object", "properties": properties, "required": required })
}

pub(crate) fn string(description: &str) -> Value {
    json!({ "type": "string", "description": description })
}

fn millis(description: &str) -> Value {
    json!({ "type": "integer", "format": "int64", "description": description })
}

fn schemas() -> Value {
    let hex = |n: usize, what: &str| json!({ "type": "string", "pattern": format!("^[0-9a-fA-F]{{{}}}$", n * 2), "description": what });
    json!({
        "Error": object(&[
            ("error", string("A short stable code, e.g. `malformed`, `no_session`, `device_revoked`.")),
            ("message", string("What went wrong and what the user can do.")),
            ("received", json!({ "type": ["integer", "null"], "description": "Blob routes: bytes the server holds; resume the upload there." })),
        ]),
        "Health": object(&[
            ("status", json!({ "const": "ok" })),
            ("version", string("The server's version.")),
            ("uplink", json!({
                "type": ["object", "null"],
                "description": "An edge server's link to the central server; absent on a central server.",
                "properties": {
                    "connected": { "type": "boolean" },
                    "idle": { "type": "boolean", "description": "Everything known is in sync upstream." },
                    "pending": { "type": "integer", "minimum": 0, "description": "Documents queued or in flight." },
                    "waiting_for_approval": { "type": "boolean" },
                    "last_error": { "type": ["string", "null"], "description": "Why the uplink is down, if it is." },
                },
                "required": ["connected", "idle", "pending", "waiting_for_approval"],
            })),
        ]),
        "JournalRow": object(&[
            ("id", string("Case id.")),
            ("number", string("Case number as shown to officials.")),
            ("hromada", string("Hromada code.")),
            ("district", json!({ "type": ["string", "null"], "description": "Starosta district, if any." })),
            ("applicant", string("The applicant's name.")),
            ("services", json!({ "type": "array", "items": { "type": "string" } })),
            ("status_number", json!({ "type": ["integer", "null"], "minimum": 1, "maximum": 8 })),
            ("status", string("The status in Ukrainian, or a note that officials acted concurrently.")),
            ("conflict", json!({ "type": "boolean" })),
            ("package_complete", json!({ "type": "boolean" })),
            ("created_at", millis("When the case was opened, ms since the Unix epoch.")),
        ]),
        "JournalEntry": { "allOf": [
            schema("JournalRow"),
            object(&[("updated_at", millis("When the server last stored a change of the case."))]),
        ]},
        "JournalPage": object(&[
            ("total", json!({ "type": "integer", "minimum": 0, "description": "Rows matching the filters." })),
            ("limit", json!({ "type": "integer", "minimum": 1, "maximum": 200 })),
            ("offset", json!({ "type": "integer", "minimum": 0 })),
            ("next_offset", json!({ "type": ["integer", "null"], "description": "Offset of the next page, if any." })),
            ("rows", json!({ "type": "array", "items": schema("JournalEntry") })),
        ]),
        "Position": object(&[
            ("id", string("Position id.")),
            ("role", string("Role code, e.g. `userSta`.")),
            ("scope", string("Scope code, e.g. `all`, `hromada:H`, `district:H/D`.")),
        ]),
        "EnrolRequest": object(&[
            ("public_key", hex(32, "Ed25519 public key, 32 bytes in hex.")),
            ("display_name", json!({ "type": "string", "minLength": 1, "maxLength": 80 })),
        ]),
        "EnrolResponse": object(&[
            ("device_id", string("The device's id from now on.")),
            ("approval_code", string("One-time code to show on the device (`1234-5678`).")),
            ("status", json!({ "const": "pending" })),
        ]),
        "ChallengeRequest": object(&[("device_id", string("An enrolled, approved device."))]),
        "ChallengeResponse": object(&[
            ("nonce", hex(32, "32-byte nonce in hex, usable once.")),
            ("expires_at", millis("Milliseconds since the Unix epoch.")),
        ]),
        "SessionRequest": object(&[
            ("device_id", string("The device signing in.")),
            ("nonce", hex(32, "The challenge's nonce.")),
            ("signature", hex(64, "Ed25519 signature of `\"keis-session-v1\" ‖ device_id ‖ nonce`.")),
        ]),
        "SessionResponse": object(&[
            ("token", string("Bearer token for `Authorization: Bearer …`.")),
            ("expires_at", millis("Milliseconds since the Unix epoch.")),
            ("positions", json!({ "type": "array", "items": schema("Position") })),
        ]),
        "BlobStatus": object(&[
            ("size", json!({ "type": "integer", "minimum": 0, "description": "The announced size in bytes." })),
            ("received", json!({ "type": "integer", "minimum": 0, "description": "Bytes held durably; the next chunk starts here." })),
            ("complete", json!({ "type": "boolean", "description": "Stored and verified: nothing (more) to send." })),
        ]),
        "CurrentSession": object(&[
            ("device_id", string("The signed-in device.")),
            ("expires_at", millis("Milliseconds since the Unix epoch.")),
            ("positions", json!({ "type": "array", "items": schema("Position") })),
        ]),
    })
}

/// The query parameters of `GET /api/v1/journal`.
fn journal_parameters() -> Value {
    let p = |name: &str, s: Value, description: &str| json!({ "name": name, "in": "query", "required": false, "schema": s, "description": description });
    let int = |min: i64, max: i64| json!({ "type": "integer", "minimum": min, "maximum": max });
    let ms = json!({ "type": "integer", "format": "int64" });
    json!([
        p("status", int(1, 8), "Status number."),
        p("service", json!({ "type": "string" }), "A requested service code."),
        p("hromada", json!({ "type": "string" }), "Hromada code."),
        p("district", json!({ "type": "string" }), "Starosta district code."),
        p("complete", json!({ "type": "boolean" }), "The document package is complete (or not)."),
        p("created_from", ms.clone(), "Opened at or after, ms since the Unix epoch."),
        p("created_to", ms, "Opened at or before, ms since the Unix epoch."),
        p("q", json!({ "type": "string", "maxLength": 200 }), "Ten digits: RNOKPP (exact); else a name prefix."),
        p("limit", int(1, 200), "Rows per page (default 50)."),
        p("offset", json!({ "type": "integer", "minimum": 0 }), "Rows to skip."),
    ])
}

fn operations() -> Value {
    let bearer = json!([{ "bearer": [] }]);
    let unauthorised = error("No valid session (missing, expired or unknown token).");
    let revoked = error("The device was revoked.");
    let server = error("The server failed (storage); try again later.");
    let malformed = error("The body is not the expected JSON.");
    json!({
        "/healthz": { "get": {
            "operationId": "healthz", "summary": "Liveness.",
            "responses": { "200": ok("The server is up.", schema("Health")) },
        }},
        "/metrics": { "get": {
            "operationId": "metrics", "summary": "Prometheus metrics (text exposition format 0.0.4).",
            "responses": { "200": { "description": "Counters, gauges and histograms; no personal data in labels.",
                "content": { "text/plain": { "schema": { "type": "string" } } } } },
        }},
        "/api/v1/openapi.json": { "get": {
            "operationId": "openapi", "summary": "This document.",
            "responses": { "200": ok("OpenAPI 3.1.", json!({ "type": "object" })) },
        }},
        "/api/v1/cases": { "get": {
            "operationId": "listCases", "summary": "The case journal.",
            "responses": { "200": ok("Journal rows.", json!({ "type": "array", "items": schema("JournalRow") })) },
        }},
        "/api/v1/devices": { "post": {
            "operationId": "enrolDevice", "summary": "Enrol a device; it waits for approval.",
            "requestBody": body("EnrolRequest"),
            "responses": {
                "201": ok("Enrolled, pending approval.", schema("EnrolResponse")),
                "400": error("Malformed body, bad public key or display name."),
                "409": error("This key is already enrolled."),
                "500": server.clone(),
            },
        }},
        "/api/v1/session/challenge": { "post": {
            "operationId": "sessionChallenge", "summary": "A one-time nonce to sign.",
            "requestBody": body("ChallengeRequest"),
            "responses": {
                "200": ok("The challenge.", schema("ChallengeResponse")),
                "400": malformed.clone(),
                "403": error("The device is pending or revoked."),
                "404": error("Unknown device."),
                "429": error("Too many open challenges; try again shortly."),
                "500": server.clone(),
            },
        }},
        "/api/v1/session": {
            "post": {
                "operationId": "openSession", "summary": "Exchange a signed challenge for a bearer token.",
                "requestBody": body("SessionRequest"),
                "responses": {
                    "200": ok("The session.", schema("SessionResponse")),
                    "400": malformed,
                    "401": error("Bad signature, or an unknown, expired or replayed challenge."),
                    "403": error("The device is pending or revoked."),
                    "404": error("Unknown device."),
                    "500": server.clone(),
                },
            },
            "get": {
                "operationId": "currentSession", "summary": "The session of the bearer token.",
                "security": bearer.clone(),
                "responses": {
                    "200": ok("The session.", schema("CurrentSession")),
                    "401": unauthorised.clone(),
                    "403": revoked.clone(),
                    "500": server.clone(),
                },
            },
        },
        "/api/v1/journal": { "get": {
            "operationId": "journal",
            "summary": "The journal of stored cases in the caller's hromadas, filtered, one page.",
            "description": "Newest case first. Every query is written to the audit log (without the search text).",
            "security": bearer.clone(),
            "parameters": journal_parameters(),
            "responses": {
                "200": ok("One page of the journal.", schema("JournalPage")),
                "400": error("A filter is malformed (status not 1-8, limit not 1-200, …)."),
                "401": unauthorised.clone(),
                "403": revoked.clone(),
                "500": server.clone(),
            },
        }},
        "/api/v1/sync": { "get": {
            "operationId": "sync",
            "summary": "The sync WebSocket (binary frames of `keis_crdt::sync`).",
            "description": "A WebSocket upgrade (`Connection: Upgrade`, `Upgrade: websocket`). Each binary message is one frame; text messages and frames above the protocol's maximum are answered with an `Error` frame and closed.",
            "security": bearer,
            "responses": {
                "101": { "description": "Switching to the WebSocket protocol." },
                "400": error("Not a valid WebSocket upgrade request."),
                "401": unauthorised,
                "403": revoked,
                "500": server,
            },
        }},
    })
}

/// The blob routes of [`blobs`](crate::blobs).
fn blob_operations() -> Value {
    let bearer = json!([{ "bearer": [] }]);
    let hash = json!({ "name": "sha256", "in": "path", "required": true,
        "schema": { "type": "string", "pattern": "^[0-9a-f]{64}$" }, "description": "SHA-256 of the bytes, lowercase hex." });
    let number = |name: &str, what: &str| {
        json!({ "name": name, "in": "header", "required": true,
        "schema": { "type": "integer", "minimum": 0 }, "description": what })
    };
    let status = |what: &str| ok(what, schema("BlobStatus"));
    let common = |mut r: Value| {
        r["400"] = error("Not a lowercase SHA-256, or a missing or malformed header.");
        r["401"] = error("No valid session (missing, expired or unknown token).");
        r["403"] = error("The device was revoked.");
        r["500"] = error("The server failed (storage); try again later.");
        r
    };
    json!({
        "/api/v1/blobs/{sha256}": {
            "put": {
                "operationId": "beginBlob", "summary": "Begin or resume an upload.",
                "security": bearer.clone(),
                "parameters": [hash.clone(), number("X-Keis-Blob-Size", "The blob's size in bytes.")],
                "responses": common(json!({
                    "200": status("`complete`: already stored, nothing to send (deduplicated); else send from `received`."),
                    "413": error("Larger than the server accepts."),
                })),
            },
            "patch": {
                "operationId": "putBlobChunk", "summary": "Append a chunk (at most 1 MiB) at `X-Keis-Offset`.",
                "security": bearer.clone(),
                "parameters": [hash.clone(), number("X-Keis-Offset", "Where the chunk starts: the `received` of the server.")],
                "requestBody": { "required": true, "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } },
                "responses": common(json!({
                    "200": status("Stored durably; continue from `received`."),
                    "404": error("No upload of this blob is under way; begin it (PUT)."),
                    "409": error("Wrong offset; `received` says where to resume."),
                    "413": error("The chunk is over 1 MiB or goes past the announced size."),
                })),
            },
            "get": {
                "operationId": "getBlob", "summary": "Download a stored blob (any approved device, for now).",
                "security": bearer.clone(),
                "parameters": [hash.clone()],
                "responses": common(json!({
                    "200": { "description": "The bytes.", "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } },
                    "404": error("Not stored here (or not finished)."),
                })),
            },
        },
        "/api/v1/blobs/{sha256}/finish": { "post": {
            "operationId": "finishBlob", "summary": "Verify the SHA-256 of the uploaded bytes and store the blob.",
            "security": bearer,
            "parameters": [hash],
            "responses": common(json!({
                "200": status("Already stored."),
                "201": status("Verified and stored."),
                "404": error("No upload of this blob is under way."),
                "409": error("Not all bytes received; `received` says where to resume."),
                "422": error("The bytes do not hash to the address; the upload was discarded, send it again."),
            })),
        }},
    })
}

fn extend(all: &mut Value, more: Value) {
    if let (Value::Object(all), Value::Object(more)) = (all, more) {
        all.extend(more);
    }
}

fn build() -> Value {
    let mut paths = operations();
    let mut schemas = schemas();
    let (case_paths, case_schemas) = crate::cases::openapi();
    extend(&mut paths, blob_operations());
    extend(&mut paths, case_paths);
    extend(&mut schemas, case_schemas);
    extend(&mut paths, crate::queue_api::openapi::all_paths());
    extend(&mut schemas, crate::queue_api::openapi::schemas());
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Keis sync server",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Edge (hromada) and central (back office) server of Keis: enrolment, sessions, the sync WebSocket, blob uploads and downloads, the case journal.",
            "license": { "name": "EUPL-1.2", "identifier": "EUPL-1.2" },
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_resolves() {
        fn refs(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    if let Some(Value::String(r)) = m.get("$ref") {
                        out.push(r.clone());
                    }
                    m.values().for_each(|x| refs(x, out));
                }
                Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
                _ => {}
            }
        }
        let doc = document();
        let mut all = Vec::new();
        refs(doc, &mut all);
        assert!(!all.is_empty());
        for r in all {
            let name = r.trim_start_matches("#/components/schemas/");
            assert!(doc["components"]["schemas"].get(name).is_some(), "{r}");
        }
    }
}
