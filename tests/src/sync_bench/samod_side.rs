//! The same workload against samod 0.16: a samod repo in its own process with its
//! filesystem storage behind an axum WebSocket route; the devices are samod repos here.
//!
//! "Acknowledged" for samod: the client's sync state for the server's connection says the
//! server has every change of the document (`DocHandle::they_have_our_changes`). The server
//! then holds the changes in memory; it writes them to its files afterwards, without fsync.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use futures_util::future::join_all;
use samod::DocHandle;
use tokio::sync::Barrier;

use super::proc::{ServerProcess, disk_bytes};
use super::report::{Figures, Latency, Step};
use super::samod_net::{Client, set_phone};
use super::{Generated, Plan, Side};

/// How long the byte counters must stay still before a step that has no acknowledgement
/// of its own (the reconnect, trailing messages) is over.
const QUIET: Duration = Duration::from_millis(500);

/// Runs every step against a fresh samod server in `dir`.
pub async fn run(plan: &Plan, docs: &[Generated], small: &[Generated], dir: &Path) -> Result<Figures> {
    let server = ServerProcess::start(Side::Samod, dir).await?;
    let mut f = Figures { system: "samod 0.16 (filesystem storage, no fsync)".into(), ..Default::default() };
    let initial: Vec<automerge::Automerge> = docs.iter().map(|g| g.doc.clone().document().clone()).collect();
    let mut client = Client::connect(server.addr).await?;
    client.settle(QUIET, plan.limit).await;
    f.memory_start = server.memory()?;

    tracing::info!(docs = docs.len(), "samod: upload");
    let (before, t) = (client.counters.now(), Instant::now());
    let mut handles: Vec<DocHandle> = Vec::with_capacity(initial.len());
    for doc in initial {
        handles.push(client.repo.create(doc).await?);
    }
    let conn = client.conn;
    tokio::time::timeout(plan.limit, join_all(handles.iter().map(|h| h.they_have_our_changes(conn)))).await?;
    f.upload = Step::new(handles.len(), t.elapsed(), client.counters.now().since(before));
    client.settle(QUIET, plan.limit).await;
    f.memory_after_upload = server.memory()?;

    tracing::info!(docs = plan.changed, "samod: change some");
    let step = (handles.len() / plan.changed.max(1)).max(1);
    let some: Vec<&DocHandle> = handles.iter().step_by(step).take(plan.changed).collect();
    let (before, t) = (client.counters.now(), Instant::now());
    for (i, h) in some.iter().enumerate() {
        set_phone(h, &format!("+38067{:07}", i))?;
    }
    tokio::time::timeout(plan.limit, join_all(some.iter().map(|h| h.they_have_our_changes(conn)))).await?;
    f.change_some = Step::new(some.len(), t.elapsed(), client.counters.now().since(before));
    client.settle(QUIET, plan.limit).await;

    tracing::info!("samod: one change");
    let last = handles.last().ok_or_else(|| anyhow::anyhow!("no documents"))?;
    let (before, t) = (client.counters.now(), Instant::now());
    set_phone(last, "+380501234567")?;
    tokio::time::timeout(plan.limit, last.they_have_our_changes(conn)).await?;
    let took = t.elapsed();
    client.settle(QUIET, plan.limit).await;
    f.one_change = Step::new(1, took, client.counters.now().since(before));

    tracing::info!("samod: idle reconnect");
    client.dialer.close();
    client.settle(QUIET, plan.limit).await;
    let (before, t) = (client.counters.now(), Instant::now());
    client.reconnect(server.addr).await?;
    let dialled = t.elapsed();
    let until_quiet = client.settle(QUIET.max(Duration::from_secs(2)), plan.limit).await;
    f.idle_reconnect = Step::new(handles.len(), dialled + until_quiet, client.counters.now().since(before));
    client.dialer.close();
    drop(handles);
    client.repo.stop().await;

    let (burst, paced) = devices(plan, &server, small).await?;
    f.devices_burst = burst;
    f.devices_paced = paced;
    f.memory_end = server.memory()?;
    f.disk_bytes = disk_bytes(dir);
    server.stop().await?;
    Ok(f)
}

/// Step 5 as for Keis: a repo per device with one case of its own, all connected; each
/// changes one field at once, then once more spread over the pacing window.
async fn devices(plan: &Plan, server: &ServerProcess, small: &[Generated]) -> Result<(Latency, Latency)> {
    tracing::info!(devices = small.len(), "samod: connect devices");
    let mut clients = Vec::with_capacity(small.len());
    for g in small {
        let c = Client::connect(server.addr).await?;
        let h = c.repo.create(g.doc.clone().document().clone()).await?;
        tokio::time::timeout(plan.limit, h.they_have_our_changes(c.conn)).await?;
        clients.push((c, h));
    }
    tracing::info!("samod: devices change");
    let n = clients.len();
    let barrier = Arc::new(Barrier::new(n));
    let (spread, limit) = (plan.spread, plan.limit);
    let mut tasks = Vec::with_capacity(n);
    for (i, (c, h)) in clients.into_iter().enumerate() {
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let a = one_change(&c, &h, "+380661112233", limit).await?;
            barrier.wait().await;
            tokio::time::sleep(spread.mul_f64(i as f64 / n as f64)).await;
            let b = one_change(&c, &h, "+380661112244", limit).await?;
            c.dialer.close();
            c.repo.stop().await;
            anyhow::Ok((a, b))
        }));
    }
    let (mut burst, mut paced) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for task in tasks {
        let (a, b) = task.await??;
        burst.push(a);
        paced.push(b);
    }
    Ok((Latency::of(&mut burst), Latency::of(&mut paced)))
}

async fn one_change(c: &Client, h: &DocHandle, phone: &str, limit: Duration) -> Result<Duration> {
    let start = Instant::now();
    set_phone(h, phone)?;
    tokio::time::timeout(limit, h.they_have_our_changes(c.conn)).await?;
    Ok(start.elapsed())
}
