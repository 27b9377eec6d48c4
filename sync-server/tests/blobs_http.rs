//! The blob HTTP API end to end: a real server on port 0 over real SQLite files, a tablet
//! that signs in and uploads over plain HTTP/1.1 sockets, so an upload can be cut in the
//! middle of a chunk (the socket dropped) and resumed.

mod sync_support;

use std::net::SocketAddr;

use keis_crdt::demo;
use keis_sync_server::store::AuditQuery;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sync_support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CHUNK: usize = 64 * 1024;

struct Reply {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

fn head(method: &str, path: &str, token: Option<&str>, headers: &[(&str, String)], len: usize) -> String {
    let mut h = format!("{method} {path} HTTP/1.1\r\nHost: keis\r\nConnection: close\r\nContent-Length: {len}\r\n");
    if let Some(t) = token {
        h.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    for (k, v) in headers {
        h.push_str(&format!("{k}: {v}\r\n"));
    }
    h.push_str("\r\n");
    h
}

/// One request on a fresh connection; the whole answer.
async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, String)],
    body: &[u8],
) -> Reply {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(head(method, path, token, headers, body.len()).as_bytes()).await.expect("head");
    stream.write_all(body).await.expect("body");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("end of head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status");
    Reply { status, head, body: raw[split + 4..].to_vec() }
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Some bytes that look like a scan: not all the same, not compressible to nothing.
fn scan(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ ((i >> 8) as u8)).collect()
}

fn url(hash: &str) -> String {
    format!("/api/v1/blobs/{hash}")
}

async fn begin(s: &Server, token: &str, hash: &str, size: usize) -> Reply {
    request(s.addr, "PUT", &url(hash), Some(token), &[("X-Keis-Blob-Size", size.to_string())], b"").await
}

async fn patch(s: &Server, token: &str, hash: &str, offset: usize, chunk: &[u8]) -> Reply {
    request(s.addr, "PATCH", &url(hash), Some(token), &[("X-Keis-Offset", offset.to_string())], chunk).await
}

async fn finish(s: &Server, token: &str, hash: &str) -> Reply {
    request(s.addr, "POST", &format!("{}/finish", url(hash)), Some(token), &[], b"").await
}

async fn download(s: &Server, token: &str, hash: &str) -> Reply {
    request(s.addr, "GET", &url(hash), Some(token), &[], b"").await
}

/// Sends `data` from `from` in chunks; the status after the last one.
async fn upload_from(s: &Server, token: &str, hash: &str, data: &[u8], from: usize) -> Value {
    let mut last = Value::Null;
    for (i, chunk) in data[from..].chunks(CHUNK).enumerate() {
        let r = patch(s, token, hash, from + i * CHUNK, chunk).await;
        assert_eq!(r.status, 200, "{}", r.json());
        last = r.json();
    }
    last
}

#[tokio::test]
async fn an_upload_cut_in_the_middle_resumes_and_downloads_the_same_bytes() {
    let s = server().await;
    let t = tablet(&s, &demo::positions()).await;
    let data = scan(5 * CHUNK + 1234, 7);
    let hash = sha(&data);

    let r = begin(&s, &t.token, &hash, data.len()).await;
    assert_eq!(r.status, 200, "{}", r.json());
    assert_eq!(r.json()["complete"], false);
    assert_eq!(r.json()["received"], 0);
    for i in 0..2 {
        assert_eq!(patch(&s, &t.token, &hash, i * CHUNK, &data[i * CHUNK..(i + 1) * CHUNK]).await.status, 200);
    }

    // The third chunk: the head and half the body, then the connection drops.
    let mut cut = TcpStream::connect(s.addr).await.expect("connect");
    let headers = [("X-Keis-Offset", (2 * CHUNK).to_string())];
    cut.write_all(head("PATCH", &url(&hash), Some(&t.token), &headers, CHUNK).as_bytes()).await.expect("head");
    cut.write_all(&data[2 * CHUNK..2 * CHUNK + CHUNK / 2]).await.expect("half");
    drop(cut);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;

    // Asked again, the server says where to resume: after the two whole chunks.
    let r = begin(&s, &t.token, &hash, data.len()).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["received"], 2 * CHUNK, "{}", r.json());
    assert_eq!(r.json()["complete"], false);
    let from = usize::try_from(r.json()["received"].as_u64().expect("received")).expect("usize");
    let last = upload_from(&s, &t.token, &hash, &data, from).await;
    assert_eq!(last["received"], data.len());

    let r = finish(&s, &t.token, &hash).await;
    assert_eq!(r.status, 201, "{}", r.json());
    assert_eq!(r.json()["complete"], true);

    // Another approved tablet downloads the same bytes.
    let other = tablet(&s, &demo::positions()).await;
    let r = download(&s, &other.token, &hash).await;
    assert_eq!(r.status, 200);
    assert!(r.head.to_ascii_lowercase().contains("content-type: application/octet-stream"), "{}", r.head);
    assert!(r.body == data, "downloaded bytes differ");

    // The finished upload is audited, with no more than the hash and size.
    let audit = s.store.audit(AuditQuery::default()).await.expect("audit");
    let line = audit.records.iter().find(|r| r.entry.action == "blob_upload").expect("audited");
    assert_eq!(line.entry.device_id, t.id);
    assert_eq!(line.entry.detail, format!("sha256={hash} size={}", data.len()));

    // Bytes in count only chunks stored (not the cut one); bytes out the download.
    let metrics = String::from_utf8(request(s.addr, "GET", "/metrics", None, &[], b"").await.body).expect("utf-8");
    for dir in ["in", "out"] {
        let line = format!("keis_blob_bytes_total{{direction=\"{dir}\"}} {}", data.len());
        assert!(metrics.lines().any(|l| l == line), "{line} in\n{metrics}");
    }
}

#[tokio::test]
async fn a_wrong_hash_is_refused_and_nothing_is_kept() {
    let s = server().await;
    let t = tablet(&s, &demo::positions()).await;
    let data = scan(3 * CHUNK, 1);
    let claimed = sha(b"something else entirely");

    assert_eq!(begin(&s, &t.token, &claimed, data.len()).await.status, 200);
    upload_from(&s, &t.token, &claimed, &data, 0).await;
    let r = finish(&s, &t.token, &claimed).await;
    assert_eq!(r.status, 422, "{}", r.json());
    assert_eq!(r.json()["error"], "hash_mismatch");
    let message = r.json()["message"].as_str().expect("message").to_owned();
    assert!(message.contains("SHA-256") && message.contains("discarded"), "{message}");

    assert_eq!(s.store.blob_status(&claimed).await.expect("status"), None, "the partial upload is gone");
    let audit = s.store.audit(AuditQuery::default()).await.expect("audit");
    assert!(
        audit.records.iter().any(|r| r.entry.action == "reject" && r.entry.detail.starts_with("blob_hash_mismatch"))
    );
    assert_eq!(download(&s, &t.token, &claimed).await.status, 404);
    let r = begin(&s, &t.token, &claimed, data.len()).await;
    assert_eq!(r.json()["received"], 0, "a retry starts from the beginning");
}

#[tokio::test]
async fn sizes_over_the_limit_are_refused_with_413() {
    let s = server().await;
    let t = tablet(&s, &demo::positions()).await;
    let hash = sha(b"huge");
    // The default store accepts up to 64 MiB; announcing more is refused before any bytes.
    let r = begin(&s, &t.token, &hash, 64 * 1024 * 1024 + 1).await;
    assert_eq!(r.status, 413, "{}", r.json());
    assert_eq!(r.json()["error"], "blob_too_large");
    assert_eq!(s.store.blob_status(&hash).await.expect("status"), None);

    // A chunk past the announced size, or over the chunk limit, is refused too.
    let data = scan(100, 3);
    let hash = sha(&data);
    assert_eq!(begin(&s, &t.token, &hash, data.len()).await.status, 200);
    let r = patch(&s, &t.token, &hash, 0, &scan(200, 3)).await;
    assert_eq!(r.status, 413, "{}", r.json());
    let r = patch(&s, &t.token, &hash, 0, &scan(keis_sync_server::blobs::MAX_CHUNK + 1, 3)).await;
    assert_eq!(r.status, 413, "{}", r.json());
    assert_eq!(r.json()["error"], "chunk_too_large");
    let status = s.store.blob_status(&hash).await.expect("status").expect("under way");
    assert_eq!(status.received, 0, "nothing of the refused chunks was kept");
}

#[tokio::test]
async fn an_existing_blob_is_deduplicated() {
    let s = server().await;
    let a = tablet(&s, &demo::positions()).await;
    let b = tablet(&s, &demo::positions()).await;
    let data = scan(CHUNK + 10, 9);
    let hash = sha(&data);
    assert_eq!(begin(&s, &a.token, &hash, data.len()).await.status, 200);
    upload_from(&s, &a.token, &hash, &data, 0).await;
    assert_eq!(finish(&s, &a.token, &hash).await.status, 201);

    let r = begin(&s, &b.token, &hash, data.len()).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["complete"], true, "nothing to send: {}", r.json());
    let r = finish(&s, &b.token, &hash).await;
    assert_eq!(r.status, 200, "finishing a stored blob again is harmless");
    assert!(download(&s, &b.token, &hash).await.body == data);
}

#[tokio::test]
async fn no_token_is_401() {
    let s = server().await;
    let hash = sha(b"x");
    let size = [("X-Keis-Blob-Size", "1".to_owned())];
    for (method, path) in [("PUT", url(&hash)), ("PATCH", url(&hash)), ("GET", url(&hash))] {
        let r = request(s.addr, method, &path, None, &size, b"").await;
        assert_eq!(r.status, 401, "{method}");
        assert!(r.json()["error"].is_string(), "{method}: {}", r.json());
    }
    let r = request(s.addr, "POST", &format!("{}/finish", url(&hash)), Some("not-a-token"), &[], b"").await;
    assert_eq!(r.status, 401);
    assert_eq!(s.store.blob_status(&hash).await.expect("status"), None);
}

#[tokio::test]
async fn a_wrong_offset_is_409_with_where_to_resume() {
    let s = server().await;
    let t = tablet(&s, &demo::positions()).await;
    let data = scan(3 * CHUNK, 5);
    let hash = sha(&data);
    assert_eq!(begin(&s, &t.token, &hash, data.len()).await.status, 200);
    assert_eq!(patch(&s, &t.token, &hash, 0, &data[..CHUNK]).await.status, 200);

    for wrong in [0, 2 * CHUNK] {
        let r = patch(&s, &t.token, &hash, wrong, &data[wrong..wrong + CHUNK]).await;
        assert_eq!(r.status, 409, "{}", r.json());
        assert_eq!(r.json()["error"], "wrong_offset");
        assert_eq!(r.json()["received"], CHUNK);
    }
    let r = finish(&s, &t.token, &hash).await;
    assert_eq!(r.status, 409, "incomplete: {}", r.json());
    assert_eq!(r.json()["received"], CHUNK);

    upload_from(&s, &t.token, &hash, &data, CHUNK).await;
    assert_eq!(finish(&s, &t.token, &hash).await.status, 201);
    assert!(download(&s, &t.token, &hash).await.body == data);
}

#[tokio::test]
async fn bad_requests_say_what_is_wrong() {
    let s = server().await;
    let t = tablet(&s, &demo::positions()).await;
    let r = request(s.addr, "PUT", &url("ABC"), Some(&t.token), &[("X-Keis-Blob-Size", "1".into())], b"").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], "invalid_hash");
    let r = request(s.addr, "PUT", &url(&sha(b"y")), Some(&t.token), &[], b"").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], "bad_header");
    let r = patch(&s, &t.token, &sha(b"never begun"), 0, b"abc").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"], "no_upload");
    assert_eq!(download(&s, &t.token, &sha(b"absent")).await.status, 404);
}
