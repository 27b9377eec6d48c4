//! The hall display's live stream over a real socket: `hall` on connect and after each
//! change, exactly one `call` per call, and no call sent again to a display that
//! reconnects with `Last-Event-ID`.

mod queue_api_support;

use std::net::SocketAddr;
use std::time::Duration;

use axum::http::StatusCode;
use queue_api_support::{Env, at, env, positions, session};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One server-sent event.
#[derive(Debug, Clone)]
struct Sse {
    event: String,
    id: Option<String>,
    data: Value,
}

struct Client {
    stream: TcpStream,
    buf: String,
}

impl Client {
    /// Opens the stream (HTTP/1.0, so the body is plain until close) with `headers`.
    async fn connect(addr: SocketAddr, query: &str, headers: &str) -> Self {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        let req = format!(
            "GET /api/v1/queue/demo/live{query} HTTP/1.0\r\nHost: x\r\nAccept: text/event-stream\r\n{headers}\r\n"
        );
        stream.write_all(req.as_bytes()).await.expect("write");
        let mut c = Self { stream, buf: String::new() };
        let head = c.until("\r\n\r\n", Duration::from_secs(10)).await.expect("response head");
        assert!(head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(head.to_ascii_lowercase().contains("content-type: text/event-stream"), "{head}");
        c
    }

    /// The text up to and including `end`, or `None` if it does not come within `wait`.
    async fn until(&mut self, end: &str, wait: Duration) -> Option<String> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(i) = self.buf.find(end) {
                let out = self.buf[..i + end.len()].to_owned();
                self.buf.drain(..i + end.len());
                return Some(out);
            }
            let mut chunk = [0u8; 4096];
            let n = tokio::time::timeout_at(deadline, self.stream.read(&mut chunk)).await.ok()?.expect("read");
            assert!(n > 0, "the stream ended");
            self.buf.push_str(std::str::from_utf8(&chunk[..n]).expect("utf-8"));
        }
    }

    /// The next event (skipping keep-alive comments), or `None` within `wait`.
    async fn next(&mut self, wait: Duration) -> Option<Sse> {
        loop {
            let block = self.until("\n\n", wait).await?;
            let mut ev = Sse { event: String::new(), id: None, data: Value::Null };
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    ev.event = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("id:") {
                    ev.id = Some(v.trim().to_owned());
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            if ev.event.is_empty() {
                continue;
            }
            ev.data = serde_json::from_str(&data).expect("json data");
            return Some(ev);
        }
    }

    /// Every event until none comes for 300 ms.
    async fn drain(&mut self) -> Vec<Sse> {
        let mut out = Vec::new();
        while let Some(e) = self.next(Duration::from_millis(300)).await {
            out.push(e);
        }
        out
    }
}

fn calls(events: &[Sse]) -> Vec<String> {
    events.iter().filter(|e| e.event == "call").map(|e| e.data["number"].as_str().unwrap_or("?").to_owned()).collect()
}

async fn serve(e: &Env) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(keis_sync_server::serve(e.t.app.clone(), listener, std::future::pending()));
    addr
}

#[tokio::test]
async fn a_display_gets_the_hall_and_each_call_once() {
    let e = env(at(9, 0)).await;
    let addr = serve(&e).await;
    let token = session(&e, &positions()).await;
    e.sign_in(&token, 2, "cisp-operator-1", "Бойко І. С.").await;
    for _ in 0..3 {
        e.kiosk("birth").await;
    }
    let mut display = Client::connect(addr, "", "").await;
    let first = display.next(Duration::from_secs(5)).await.expect("hall on connect");
    assert_eq!(first.event, "hall");
    assert_eq!(first.data["rows"].as_array().map(Vec::len), Some(3), "{:?}", first.data);
    assert!(display.drain().await.is_empty(), "no calls of before the connection");

    let op = json!({ "position": "cisp-operator-1" });
    let (s, t) = e.staff(&token, "desks/2/call-next", op.clone()).await;
    assert_eq!((s, t["number"].as_str()), (StatusCode::OK, Some("Н-001")));
    let got = display.drain().await;
    assert_eq!(calls(&got), vec!["Н-001"], "{got:?}");
    let call = got.iter().find(|e| e.event == "call").expect("call");
    assert_eq!((call.data["desk"].as_u64(), call.data["operator"].as_str()), (Some(2), Some("Бойко І. С.")));
    assert_eq!(call.data["service_name_uk"], "Допомога при народженні дитини");
    assert_eq!(call.id.as_deref(), Some(call.data["seq"].to_string().as_str()));
    let hall = got.iter().rev().find(|e| e.event == "hall").expect("the hall after the change");
    assert_eq!(hall.data["desks"][1]["ticket"], "Н-001", "{:?}", hall.data);
    let first_call_id = call.id.clone().expect("id");

    // Serving and finishing are changes without a call; the next call is one call.
    for what in ["tickets/0/start", "tickets/0/finish", "desks/2/call-next"] {
        let (s, b) = e.staff(&token, what, op.clone()).await;
        assert_eq!(s, StatusCode::OK, "{what}: {b}");
    }
    let got = display.drain().await;
    assert_eq!(calls(&got), vec!["Н-002"], "{got:?}");
    assert!(got.iter().filter(|e| e.event == "hall").count() >= 1);

    // A display reconnecting after the first call gets the second only; a new one, none.
    let mut back = Client::connect(addr, "", &format!("Last-Event-ID: {first_call_id}\r\n")).await;
    let got = back.drain().await;
    assert_eq!(got.first().map(|e| e.event.as_str()), Some("hall"));
    assert_eq!(calls(&got), vec!["Н-002"], "{got:?}");
    let mut by_query = Client::connect(addr, &format!("?after={first_call_id}"), "").await;
    assert_eq!(calls(&by_query.drain().await), vec!["Н-002"]);
    let mut fresh = Client::connect(addr, "", "").await;
    assert_eq!(calls(&fresh.drain().await), Vec::<String>::new());

    // The no-show's automatic call reaches every display once.
    e.clock.advance(180_000);
    assert_eq!(e.t.queue.tick().await.expect("tick"), 2);
    for (name, c) in [("display", &mut display), ("back", &mut back), ("fresh", &mut fresh)] {
        assert_eq!(calls(&c.drain().await), vec!["Н-003"], "{name}");
    }
}
