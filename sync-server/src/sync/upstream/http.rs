//! The uplink's HTTP side: a minimal HTTP/1.1 client (one connection per request, plain
//! `http://`), and enrolment and sign-in at the central server as any device does
//! (`POST /api/v1/devices`, `/api/v1/session/challenge`, `/api/v1/session`).

use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde_json::{Value, json};
use tokio::net::TcpStream;

use super::UpstreamError;
use crate::auth::{NONCE_LEN, session_message};

/// How long one HTTP exchange with the central server may take.
const TIMEOUT: Duration = Duration::from_secs(15);

/// Where the central server is: `http://host:port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    host: String,
    port: u16,
}

impl Endpoint {
    /// Reads `http://host[:port][/]`.
    pub(crate) fn parse(url: &str) -> Result<Self, UpstreamError> {
        let bad = |why: &str| UpstreamError::BadUrl(format!("{url}: {why}"));
        let rest = url.trim().strip_prefix("http://").ok_or_else(|| bad("only http:// is supported (no TLS yet)"))?;
        let authority = rest.trim_end_matches('/');
        if authority.is_empty() || authority.contains('/') || authority.contains('@') {
            return Err(bad("expected http://host:port"));
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().map_err(|_| bad("the port is not a number"))?),
            None => (authority, 80),
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        Ok(Self { host: host.to_owned(), port })
    }

    pub(crate) fn authority(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    pub(crate) fn ws_url(&self) -> String {
        format!("ws://{}/api/v1/sync", self.authority())
    }
}

/// An answer: status and JSON body (`Null` if not JSON).
#[derive(Debug)]
struct Answer {
    status: u16,
    body: Value,
}

impl Answer {
    fn error_code(&self) -> &str {
        self.body.get("error").and_then(Value::as_str).unwrap_or_default()
    }

    fn refused(self) -> UpstreamError {
        let message = self.body.get("message").and_then(Value::as_str).unwrap_or_default().to_owned();
        UpstreamError::Refused { status: self.status, message }
    }

    fn text(&self, key: &str) -> Result<String, UpstreamError> {
        self.body
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| UpstreamError::Refused { status: self.status, message: format!("no `{key}` in the answer") })
    }
}

async fn post(ep: &Endpoint, path: &str, body: &Value) -> Result<Answer, UpstreamError> {
    let offline = |e: &dyn std::fmt::Display| UpstreamError::Offline(e.to_string());
    let exchange = async {
        let stream = TcpStream::connect(ep.authority()).await.map_err(|e| offline(&e))?;
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| offline(&e))?;
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "HTTP connection to the central server ended");
            }
        });
        let req = hyper::Request::builder()
            .method("POST")
            .uri(path)
            .header("host", ep.authority())
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.to_string())))
            .map_err(|e| UpstreamError::BadUrl(e.to_string()))?;
        let res = sender.send_request(req).await.map_err(|e| offline(&e))?;
        let status = res.status().as_u16();
        let bytes = res.into_body().collect().await.map_err(|e| offline(&e))?.to_bytes();
        Ok(Answer { status, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null) })
    };
    tokio::time::timeout(TIMEOUT, exchange).await.map_err(|_| UpstreamError::Offline("timed out".into()))?
}

/// Enrols the edge's key at the central server: its device id and approval code.
pub(crate) async fn enrol(
    ep: &Endpoint,
    key: &Ed25519KeyPair,
    display_name: &str,
) -> Result<(String, String), UpstreamError> {
    let body = json!({ "public_key": hex::encode(key.public_key().as_ref()), "display_name": display_name });
    let a = post(ep, "/api/v1/devices", &body).await?;
    if a.status != 201 {
        return Err(a.refused());
    }
    Ok((a.text("device_id")?, a.text("approval_code")?))
}

/// Opens a session by challenge-response; the bearer token.
pub(crate) async fn sign_in(ep: &Endpoint, key: &Ed25519KeyPair, device_id: &str) -> Result<String, UpstreamError> {
    let a = post(ep, "/api/v1/session/challenge", &json!({ "device_id": device_id })).await?;
    match (a.status, a.error_code()) {
        (200, _) => {}
        (403, "device_pending") => return Err(UpstreamError::Pending),
        (403, "device_revoked") => return Err(UpstreamError::Revoked),
        (404, _) => return Err(UpstreamError::Unknown),
        _ => return Err(a.refused()),
    }
    let nonce_hex = a.text("nonce")?;
    let nonce: [u8; NONCE_LEN] = hex::decode(&nonce_hex)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| UpstreamError::Refused { status: a.status, message: "a nonce of the wrong form".into() })?;
    let signature = hex::encode(key.sign(&session_message(device_id, &nonce)).as_ref());
    let body = json!({ "device_id": device_id, "nonce": nonce_hex, "signature": signature });
    let a = post(ep, "/api/v1/session", &body).await?;
    if a.status != 200 {
        return Err(a.refused());
    }
    a.text("token")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_read_or_refused() {
        let ep = Endpoint::parse("http://127.0.0.1:8080/").expect("url");
        assert_eq!(ep.authority(), "127.0.0.1:8080");
        assert_eq!(ep.ws_url(), "ws://127.0.0.1:8080/api/v1/sync");
        assert_eq!(Endpoint::parse("http://central.example").expect("url").authority(), "central.example:80");
        for bad in ["https://central.example", "central:80", "http://", "http://h:port", "http://h/x"] {
            assert!(matches!(Endpoint::parse(bad), Err(UpstreamError::BadUrl(_))), "{bad}");
        }
    }
}
