//! The queue load benchmark (`keis-bench queue`): an office with many desks, a day's
//! tickets issued on a compressed clock, display clients on the live stream (raw HTTP,
//! SSE parsed here) and operators calling at every desk. For every call it measures the
//! delay from the moment the operator's `call-next` request is sent to the moment each
//! display receives the call's `event: call`, and prints count, p50, p95, p99 and max,
//! with the calls per second the server sustained.
//!
//! The server runs in-process on loopback ([`server::QueueServer`]) on a manual clock,
//! which the harness moves so that the tickets are spread over a simulated working day.

pub mod http;
pub mod server;
pub mod stats;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tokio::sync::{Mutex, mpsc};

use http::{Conn, SseStream};
use server::QueueServer;
use stats::{Summary, ms};

/// Sizes of the queue benchmark.
#[derive(Debug, Clone, clap::Args)]
pub struct QueueBenchArgs {
    /// Desks of the office, each with an operator calling.
    #[arg(long, default_value_t = 100)]
    pub desks: u16,
    /// Tickets issued over the simulated day (every one is called once).
    #[arg(long, default_value_t = 5000)]
    pub tickets: usize,
    /// Display clients on the live stream (hall boards and desk monitors).
    #[arg(long, default_value_t = 200)]
    pub displays: usize,
    /// Services of the office (every desk serves all of them).
    #[arg(long, default_value_t = 4)]
    pub services: usize,
    /// Real seconds over which the tickets are issued (the simulated day is compressed
    /// into them).
    #[arg(long, default_value_t = 60)]
    pub seconds: u64,
    /// Real milliseconds an operator spends with a visitor before the next call.
    #[arg(long, default_value_t = 1000)]
    pub serve_ms: u64,
    /// The target p99 call delay in milliseconds: the run fails above it.
    #[arg(long, default_value_t = 200)]
    pub target_p99_ms: u64,
}

/// The figures of one run.
#[derive(Debug, Clone)]
pub struct QueueBenchReport {
    pub calls: usize,
    /// Call notices expected (calls × displays) and received.
    pub expected: usize,
    pub delivered: usize,
    /// Send of `call-next` → `event: call` at a display.
    pub delay: Option<Summary>,
    /// Send of `call-next` → its HTTP reply.
    pub request: Option<Summary>,
    pub calls_per_sec: f64,
    pub wall: Duration,
}

/// The office TOML of the benchmark: `desks` desks serving `services` services, open
/// every day around the clock.
pub fn office_toml(desks: u16, services: usize) -> String {
    const PREFIXES: [&str; 8] = ["А", "Б", "В", "Г", "Д", "Е", "Ж", "К"];
    let mut t = String::from("id = \"bench\"\nname_uk = \"Навантажувальний ЦНАП\"\n[hours]\n");
    for d in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] {
        t.push_str(&format!("{d} = \"00:00-23:59\"\n"));
    }
    let codes: Vec<String> = (0..services.clamp(1, PREFIXES.len())).map(|i| format!("s{i}")).collect();
    for (i, code) in codes.iter().enumerate() {
        t.push_str(&format!(
            "[[services]]\ncode = \"{code}\"\nname_uk = \"Послуга {i}\"\nprefix = \"{}\"\n",
            PREFIXES[i]
        ));
    }
    let list = codes.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
    for n in 1..=desks {
        t.push_str(&format!("[[desks]]\nnumber = {n}\nservices = [{list}]\n"));
    }
    t
}

/// A notice seen by a display: desk, ticket number, when.
type Seen = (u16, String, Instant);

/// Runs the benchmark and prints its figures; an error if a call was not delivered to
/// every display or the p99 delay is over the target.
#[allow(clippy::print_stdout)]
pub fn run(args: QueueBenchArgs) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let report = rt.block_on(bench(&args))?;
    println!(
        "queue bench: {} desks, {} tickets, {} displays, {} services, {} s, serve {} ms",
        args.desks, args.tickets, args.displays, args.services, args.seconds, args.serve_ms
    );
    println!("calls: {}  calls/s: {:.1}  wall: {:.1} s", report.calls, report.calls_per_sec, report.wall.as_secs_f64());
    println!("call notices delivered: {} of {}", report.delivered, report.expected);
    for (name, s) in [("call → display (ms)", report.delay), ("call-next reply (ms)", report.request)] {
        if let Some(s) = s {
            println!(
                "{name}: count {}  p50 {}  p95 {}  p99 {}  max {}",
                s.count,
                ms(s.p50),
                ms(s.p95),
                ms(s.p99),
                ms(s.max)
            );
        }
    }
    if report.delivered < report.expected {
        bail!("{} call notices never reached their display", report.expected - report.delivered);
    }
    let p99 = report.delay.map(|s| s.p99).unwrap_or_default();
    if p99 > Duration::from_millis(args.target_p99_ms) {
        bail!("p99 {} ms is over the target {} ms", ms(p99), args.target_p99_ms);
    }
    Ok(())
}

/// The benchmark itself (for tests with small sizes).
pub async fn bench(args: &QueueBenchArgs) -> Result<QueueBenchReport> {
    if args.desks == 0 || args.tickets == 0 {
        bail!("--desks and --tickets must be at least 1");
    }
    let positions: Vec<String> = (1..=args.desks).map(|n| format!("bench-desk-{n}")).collect();
    let srv = Arc::new(QueueServer::start(&office_toml(args.desks, args.services), &positions).await?);
    let addr = srv.addr;
    let office = srv.office.clone();

    for (i, pos) in positions.iter().enumerate() {
        let body = serde_json::json!({ "position": pos, "name": format!("Оператор {}", i + 1) }).to_string();
        let mut c = Conn::open(addr).await?;
        let r = c
            .call("POST", &format!("/api/v1/queue/{office}/desks/{}/sign-in", i + 1), Some(&srv.token), Some(&body))
            .await?;
        if r.status >= 300 {
            bail!("sign-in at desk {} → {} {}", i + 1, r.status, String::from_utf8_lossy(&r.body));
        }
    }

    // The displays: connected (first hall event seen) before anything is called.
    let (seen_tx, mut seen_rx) = mpsc::unbounded_channel::<Seen>();
    let mut displays = Vec::new();
    for _ in 0..args.displays {
        let mut sse = SseStream::open(addr, &format!("/api/v1/queue/{office}/live")).await?;
        let first = tokio::time::timeout(Duration::from_secs(10), sse.next()).await.context("no first event")??;
        if first.event != "hall" {
            bail!("the live stream began with {:?}, not hall", first.event);
        }
        let tx = seen_tx.clone();
        displays.push(tokio::spawn(async move {
            while let Ok(e) = sse.next().await {
                if e.event != "call" {
                    continue;
                }
                let now = Instant::now();
                let Ok(v) = serde_json::from_str::<serde_json::Value>(&e.data) else { continue };
                let desk = v["desk"].as_u64().and_then(|d| u16::try_from(d).ok()).unwrap_or(0);
                let number = v["number"].as_str().unwrap_or_default().to_owned();
                if tx.send((desk, number, now)).is_err() {
                    break;
                }
            }
        }));
    }
    drop(seen_tx);
    let collector = tokio::spawn(async move {
        let mut all = Vec::new();
        while let Some(s) = seen_rx.recv().await {
            all.push(s);
        }
        all
    });

    // The operators and the ticket issuer.
    let issued = Arc::new(AtomicUsize::new(0));
    let issuing_done = Arc::new(AtomicBool::new(false));
    let sent: Arc<Mutex<HashMap<(u16, String), (Instant, Duration)>>> = Arc::default();
    let started = Instant::now();
    let mut operators = Vec::new();
    for desk in 1..=args.desks {
        let (srv, sent, done, issued) = (srv.clone(), sent.clone(), issuing_done.clone(), issued.clone());
        let pos = positions[usize::from(desk) - 1].clone();
        let serve = Duration::from_millis(args.serve_ms);
        let total = args.tickets;
        operators
            .push(tokio::spawn(async move { operator(&srv, desk, &pos, serve, &sent, &done, &issued, total).await }));
    }
    let issuer = {
        let (srv, issued, done) = (srv.clone(), issued.clone(), issuing_done.clone());
        let (tickets, services, seconds) = (args.tickets, args.services.max(1), args.seconds);
        tokio::spawn(async move {
            let r = issue_tickets(&srv, tickets, services, Duration::from_secs(seconds), &issued).await;
            done.store(true, Ordering::SeqCst);
            r
        })
    };
    issuer.await??;
    for o in operators {
        o.await??;
    }
    let wall = started.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    for d in &displays {
        d.abort();
    }
    let seen = collector.await?;

    let sent = sent.lock().await;
    let calls = sent.len();
    let mut delays = Vec::with_capacity(seen.len());
    for (desk, number, at) in &seen {
        if let Some((t0, _)) = sent.get(&(*desk, number.clone())) {
            delays.push(at.saturating_duration_since(*t0));
        }
    }
    let mut requests: Vec<Duration> = sent.values().map(|(_, d)| *d).collect();
    let first = sent.values().map(|(t, _)| *t).min();
    let last = sent.values().map(|(t, _)| *t).max();
    let span = first.zip(last).map(|(a, b)| b.duration_since(a).as_secs_f64()).unwrap_or_default();
    Ok(QueueBenchReport {
        calls,
        expected: calls * args.displays,
        delivered: delays.len(),
        delay: Summary::of(&mut delays),
        request: Summary::of(&mut requests),
        calls_per_sec: if span > 0.0 { calls as f64 / span } else { 0.0 },
        wall,
    })
}

/// Issues `tickets` kiosk tickets evenly over `over`, moving the server's clock so they
/// span a nine-hour day.
async fn issue_tickets(
    srv: &QueueServer,
    tickets: usize,
    services: usize,
    over: Duration,
    issued: &AtomicUsize,
) -> Result<()> {
    let step = over.div_f64(tickets as f64);
    let sim_step_ms = 9 * 3_600_000 / i64::try_from(tickets).unwrap_or(i64::MAX).max(1);
    let mut conn = Conn::open(srv.addr).await?;
    let start = Instant::now();
    for i in 0..tickets {
        let due = start + step.mul_f64(i as f64);
        tokio::time::sleep_until(due.into()).await;
        srv.clock.advance(sim_step_ms);
        let body = format!("{{\"service\":\"s{}\"}}", i % services);
        let r = conn.call("POST", &format!("/api/v1/queue/{}/tickets", srv.office), None, Some(&body)).await?;
        if r.status != 201 {
            bail!("issuing ticket {i} → {} {}", r.status, String::from_utf8_lossy(&r.body));
        }
        issued.fetch_add(1, Ordering::SeqCst);
    }
    Ok(())
}

/// One desk: call the next ticket, serve it, finish; until every ticket was issued and
/// none is left.
#[allow(clippy::too_many_arguments)]
async fn operator(
    srv: &QueueServer,
    desk: u16,
    position: &str,
    serve: Duration,
    sent: &Mutex<HashMap<(u16, String), (Instant, Duration)>>,
    done: &AtomicBool,
    issued: &AtomicUsize,
    total: usize,
) -> Result<()> {
    let mut conn = Conn::open(srv.addr).await?;
    let office = &srv.office;
    let body = serde_json::json!({ "position": position }).to_string();
    loop {
        let finished = done.load(Ordering::SeqCst) && issued.load(Ordering::SeqCst) >= total;
        let t0 = Instant::now();
        conn.send("POST", &format!("/api/v1/queue/{office}/desks/{desk}/call-next"), Some(&srv.token), Some(&body))
            .await?;
        let r = conn.reply().await?;
        let took = t0.elapsed();
        if r.status >= 300 {
            bail!("call-next at desk {desk} → {} {}", r.status, String::from_utf8_lossy(&r.body));
        }
        let v = r.json()?;
        let Some((id, number)) = called_ticket(&v) else {
            if finished {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        sent.lock().await.insert((desk, number), (t0, took));
        for step in ["start", "finish"] {
            if step == "finish" {
                tokio::time::sleep(serve).await;
            }
            let r = conn
                .call("POST", &format!("/api/v1/queue/{office}/tickets/{id}/{step}"), Some(&srv.token), Some(&body))
                .await?;
            if r.status >= 300 {
                bail!("{step} of ticket {id} at desk {desk} → {} {}", r.status, String::from_utf8_lossy(&r.body));
            }
        }
    }
}

/// The id and number of the ticket a `call-next` answer called, if any.
fn called_ticket(v: &serde_json::Value) -> Option<(u64, String)> {
    let t = if v.get("ticket").is_some_and(serde_json::Value::is_object) { &v["ticket"] } else { v };
    Some((t.get("id")?.as_u64()?, t.get("number")?.as_str()?.to_owned()))
}
