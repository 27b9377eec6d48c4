//! A minimal HTTP/1.1 client over hyper's connection API: one connection per request,
//! plain `http://` only (TLS is not built yet). Enough for enrolment, sessions and blobs.

use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::SyncError;

/// Where the server is: `http://host:port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    host: String,
    port: u16,
}

impl Endpoint {
    /// Reads `http://host[:port][/]`.
    pub fn parse(url: &str) -> Result<Self, SyncError> {
        let bad = |why: &str| SyncError::BadUrl(format!("{url}: {why}"));
        let rest = url
            .trim()
            .strip_prefix("http://")
            .ok_or_else(|| bad("only http:// is supported for now (TLS is not built yet)"))?;
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

    /// `host:port`.
    pub fn authority(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// The sync WebSocket's URL.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/api/v1/sync", self.authority())
    }
}

/// A response: status and body.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) body: Bytes,
}

impl Response {
    /// The `error` code of a `{error, message}` refusal, if the body is one.
    pub(crate) fn error_code(&self) -> Option<String> {
        let v: serde_json::Value = serde_json::from_slice(&self.body).ok()?;
        v.get("error")?.as_str().map(str::to_owned)
    }

    /// The `message` of a refusal, or the body as text.
    pub(crate) fn message(&self) -> String {
        serde_json::from_slice::<serde_json::Value>(&self.body)
            .ok()
            .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned))
            .unwrap_or_else(|| String::from_utf8_lossy(&self.body).chars().take(300).collect())
    }
}

/// Sends one request; a failure to connect or a timeout is [`SyncError::Offline`].
pub(crate) async fn request(
    ep: &Endpoint,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
    timeout: Duration,
) -> Result<Response, SyncError> {
    let offline = |e: &dyn std::fmt::Display| SyncError::Offline(e.to_string());
    let exchange = async {
        let stream = TcpStream::connect(ep.authority()).await.map_err(|e| offline(&e))?;
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| offline(&e))?;
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "HTTP connection ended");
            }
        });
        let mut req = hyper::Request::builder().method(method).uri(path).header("host", ep.authority());
        for (name, value) in headers {
            req = req.header(*name, value);
        }
        let req = req.body(Full::new(Bytes::from(body))).map_err(|e| SyncError::BadUrl(e.to_string()))?;
        let res = sender.send_request(req).await.map_err(|e| offline(&e))?;
        let status = res.status().as_u16();
        let body = res.into_body().collect().await.map_err(|e| offline(&e))?.to_bytes();
        Ok(Response { status, body })
    };
    tokio::time::timeout(timeout, exchange).await.map_err(|_| SyncError::Offline("timed out".into()))?
}

/// `POST` a JSON body.
pub(crate) async fn post_json(
    ep: &Endpoint,
    path: &str,
    body: &serde_json::Value,
    timeout: Duration,
) -> Result<Response, SyncError> {
    request(ep, "POST", path, &[("content-type", "application/json".into())], body.to_string().into_bytes(), timeout)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_read_or_refused_with_a_reason() {
        let ep = Endpoint::parse("http://127.0.0.1:8080/").expect("url");
        assert_eq!(ep.authority(), "127.0.0.1:8080");
        assert_eq!(ep.ws_url(), "ws://127.0.0.1:8080/api/v1/sync");
        assert_eq!(Endpoint::parse("http://edge.example").expect("url").authority(), "edge.example:80");
        for bad in ["https://edge.example", "edge.example:80", "http://", "http://h:port", "http://h/x"] {
            assert!(matches!(Endpoint::parse(bad), Err(SyncError::BadUrl(_))), "{bad}");
        }
    }
}
