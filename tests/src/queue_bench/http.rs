//! A minimal HTTP/1.1 client over a kept-alive tokio `TcpStream` (JSON requests with a
//! `Content-Length` answer), and a Server-Sent Events reader: enough for the load harness,
//! with no client library between the measurement and the socket.

use std::net::SocketAddr;

use anyhow::{Context, Result, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One kept-alive connection.
pub struct Conn {
    addr: SocketAddr,
    stream: TcpStream,
    buf: Vec<u8>,
}

/// An answer: status and body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON (`Null` when empty).
    pub fn json(&self) -> Result<serde_json::Value> {
        if self.body.is_empty() {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_slice(&self.body).with_context(|| format!("not JSON: {}", String::from_utf8_lossy(&self.body)))
    }
}

impl Conn {
    pub async fn open(addr: SocketAddr) -> Result<Self> {
        let stream = TcpStream::connect(addr).await.with_context(|| format!("connect {addr}"))?;
        stream.set_nodelay(true)?;
        Ok(Self { addr, stream, buf: Vec::with_capacity(8192) })
    }

    /// Writes a request; the caller reads the reply with [`Conn::reply`] (so it can note
    /// the time between the two).
    pub async fn send(&mut self, method: &str, path: &str, token: Option<&str>, body: Option<&str>) -> Result<()> {
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\n", self.addr);
        if let Some(t) = token {
            req.push_str(&format!("Authorization: Bearer {t}\r\n"));
        }
        let body = body.unwrap_or("");
        if method != "GET" {
            req.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
        }
        req.push_str("\r\n");
        req.push_str(body);
        self.stream.write_all(req.as_bytes()).await?;
        Ok(())
    }

    /// Reads one reply (a `Content-Length` body, or none).
    pub async fn reply(&mut self) -> Result<Reply> {
        let head_end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i;
            }
            self.fill().await?;
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]).into_owned();
        let status: u16 = head.split(' ').nth(1).and_then(|s| s.parse().ok()).context("no status line")?;
        let mut len = 0usize;
        for line in head.lines().skip(1) {
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse().context("bad content-length")?;
                } else if k.eq_ignore_ascii_case("transfer-encoding") {
                    bail!("chunked replies are not supported by the harness: {head}");
                }
            }
        }
        let start = head_end + 4;
        while self.buf.len() < start + len {
            self.fill().await?;
        }
        let body = self.buf[start..start + len].to_vec();
        self.buf.drain(..start + len);
        Ok(Reply { status, body })
    }

    /// Sends a request and reads its reply.
    pub async fn call(&mut self, method: &str, path: &str, token: Option<&str>, body: Option<&str>) -> Result<Reply> {
        self.send(method, path, token, body).await?;
        self.reply().await
    }

    async fn fill(&mut self) -> Result<()> {
        let mut chunk = [0u8; 16384];
        let n = self.stream.read(&mut chunk).await?;
        if n == 0 {
            bail!("the server closed the connection");
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// One Server-Sent Event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Event {
    pub event: String,
    pub id: Option<String>,
    pub data: String,
}

/// Parses a Server-Sent Events stream fed in pieces; chunked transfer framing, if the
/// server uses it, is removed first by [`SseStream`].
#[derive(Debug, Default)]
pub struct SseParser {
    line: Vec<u8>,
    current: Event,
    has_data: bool,
}

impl SseParser {
    /// Feeds bytes; returns the events completed by them.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Event> {
        let mut out = Vec::new();
        for &b in bytes {
            if b != b'\n' {
                self.line.push(b);
                continue;
            }
            if self.line.last() == Some(&b'\r') {
                self.line.pop();
            }
            let line = String::from_utf8_lossy(&self.line).into_owned();
            self.line.clear();
            if line.is_empty() {
                if self.has_data {
                    let mut e = std::mem::take(&mut self.current);
                    if e.event.is_empty() {
                        e.event = "message".into();
                    }
                    out.push(e);
                }
                self.current = Event::default();
                self.has_data = false;
                continue;
            }
            if line.starts_with(':') {
                continue;
            }
            let (field, value) = line.split_once(':').map_or((line.as_str(), ""), |(f, v)| (f, v));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "event" => self.current.event = value.to_owned(),
                "id" => self.current.id = Some(value.to_owned()),
                "data" => {
                    if self.has_data {
                        self.current.data.push('\n');
                    }
                    self.current.data.push_str(value);
                    self.has_data = true;
                }
                _ => {}
            }
        }
        out
    }
}

/// An open SSE response: reads events as they arrive.
pub struct SseStream {
    stream: TcpStream,
    chunked: bool,
    raw: Vec<u8>,
    parser: SseParser,
    ready: std::collections::VecDeque<Event>,
}

impl SseStream {
    /// Opens `path` on `addr` and checks the answer is `200 text/event-stream`.
    pub async fn open(addr: SocketAddr, path: &str) -> Result<Self> {
        let mut stream = TcpStream::connect(addr).await.with_context(|| format!("connect {addr}"))?;
        stream.set_nodelay(true)?;
        let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n");
        stream.write_all(req.as_bytes()).await?;
        let mut raw = Vec::new();
        let head_end = loop {
            if let Some(i) = find(&raw, b"\r\n\r\n") {
                break i;
            }
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                bail!("the server closed the event stream before answering");
            }
            raw.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&raw[..head_end]).to_lowercase();
        if !head.starts_with("http/1.1 200") || !head.contains("text/event-stream") {
            bail!("not an event stream: {head}");
        }
        let chunked = head.contains("transfer-encoding: chunked");
        raw.drain(..head_end + 4);
        Ok(Self { stream, chunked, raw, parser: SseParser::default(), ready: Default::default() })
    }

    /// The next event; an error once the stream ends.
    pub async fn next(&mut self) -> Result<Event> {
        loop {
            if let Some(e) = self.ready.pop_front() {
                return Ok(e);
            }
            let body = self.take_body()?;
            if !body.is_empty() {
                self.ready.extend(self.parser.feed(&body));
                continue;
            }
            let mut chunk = [0u8; 65536];
            let n = self.stream.read(&mut chunk).await?;
            if n == 0 {
                bail!("the event stream ended");
            }
            self.raw.extend_from_slice(&chunk[..n]);
        }
    }

    /// The body bytes available in `raw` (whole chunks only when chunked).
    fn take_body(&mut self) -> Result<Vec<u8>> {
        if !self.chunked {
            return Ok(std::mem::take(&mut self.raw));
        }
        let mut out = Vec::new();
        while let Some(eol) = find(&self.raw, b"\r\n") {
            let size_text = String::from_utf8_lossy(&self.raw[..eol]).into_owned();
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .with_context(|| format!("bad chunk size {size_text:?}"))?;
            if size == 0 {
                bail!("the event stream ended");
            }
            if self.raw.len() < eol + 2 + size + 2 {
                break;
            }
            out.extend_from_slice(&self.raw[eol + 2..eol + 2 + size]);
            self.raw.drain(..eol + 2 + size + 2);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sse_events_are_parsed_across_pieces() {
        let mut p = SseParser::default();
        assert!(p.feed(b": keep-alive\n\nevent: hall\ndata: {\"seq\":").is_empty());
        let e = p.feed(b"3}\n\nid: 4\nevent: call\r\ndata: a\ndata: b\n\n");
        assert_eq!(
            e,
            vec![
                Event { event: "hall".into(), id: None, data: "{\"seq\":3}".into() },
                Event { event: "call".into(), id: Some("4".into()), data: "a\nb".into() },
            ]
        );
    }
}
