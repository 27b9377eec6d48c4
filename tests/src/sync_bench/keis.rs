//! The workload against Keis: the sync server in its own process on a real SQLite
//! directory, tablets over HTTP and the sync WebSocket.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tokio::sync::Barrier;

use super::keis_net::{Session, Tablet, enrol, set_phone};
use super::proc::{ServerProcess, disk_bytes};
use super::report::{Figures, Latency, Step};
use super::{Generated, Plan, Side};

/// The time the benchmark's edits are stamped with.
pub const T0: i64 = 1_763_900_000_000;

/// Runs every step against a fresh Keis server in `dir`.
pub async fn run(plan: &Plan, docs: &[Generated], small: &[Generated], dir: &std::path::Path) -> Result<Figures> {
    let mut server = ServerProcess::start(Side::Keis, dir).await?;
    let mut f = Figures { system: "Keis (SQLite, WAL, synchronous=FULL)".into(), ..Default::default() };
    let mut tablet = enrol(&mut server, "demo").await?;
    for g in docs {
        tablet.device.docs.insert(g.id.clone(), g.doc.clone());
        tablet.device.dirty.insert(g.id.clone());
    }
    f.memory_start = server.memory()?;

    tracing::info!(docs = docs.len(), "keis: upload");
    let t = Instant::now();
    let mut session = Session::start(server.addr, &mut tablet, plan.window).await?;
    f.upload = Step::new(docs.len(), t.elapsed(), session.traffic);
    if !tablet.device.dirty.is_empty() {
        bail!("{} documents were not acknowledged", tablet.device.dirty.len());
    }
    f.memory_after_upload = server.memory()?;

    tracing::info!(docs = plan.changed, "keis: change some");
    let ids: Vec<String> =
        docs.iter().step_by((docs.len() / plan.changed.max(1)).max(1)).map(|g| g.id.clone()).collect();
    let ids = &ids[..plan.changed.min(ids.len())];
    for (i, id) in ids.iter().enumerate() {
        set_phone(&mut tablet.device, id, &format!("+38067{:07}", i), T0 + 200_000)?;
    }
    let (before, t) = (session.traffic, Instant::now());
    session.changed_many(&mut tablet.device, ids).await?;
    f.change_some = Step::new(ids.len(), t.elapsed(), session.traffic.since(before));

    tracing::info!("keis: one change");
    let id = &docs.last().context("no documents")?.id;
    set_phone(&mut tablet.device, id, "+380501234567", T0 + 300_000)?;
    let (before, t) = (session.traffic, Instant::now());
    session.changed(&mut tablet.device, id).await?;
    f.one_change = Step::new(1, t.elapsed(), session.traffic.since(before));
    if !tablet.device.dirty.is_empty() {
        bail!("changes were not acknowledged");
    }
    session.close().await;

    tracing::info!("keis: idle reconnect");
    let t = Instant::now();
    let again = Session::start(server.addr, &mut tablet, plan.window).await?;
    f.idle_reconnect = Step::new(docs.len(), t.elapsed(), again.traffic);
    again.close().await;
    drop(tablet);

    let (burst, paced) = devices(plan, &mut server, small).await?;
    f.devices_burst = burst;
    f.devices_paced = paced;
    f.memory_end = server.memory()?;
    f.disk_bytes = disk_bytes(dir);
    server.stop().await?;
    Ok(f)
}

/// Step 5: every device in its own hromada with one case of its own, all connected;
/// each changes one field at once (burst), then once more spread over the pacing window.
async fn devices(plan: &Plan, server: &mut ServerProcess, small: &[Generated]) -> Result<(Latency, Latency)> {
    tracing::info!(devices = small.len(), "keis: enrol and connect devices");
    let mut sessions = Vec::with_capacity(small.len());
    for (i, g) in small.iter().enumerate() {
        let mut t = enrol(server, &format!("hromada:{}", super::serve::device_hromada(i))).await?;
        t.device.docs.insert(g.id.clone(), g.doc.clone());
        t.device.dirty.insert(g.id.clone());
        let s = Session::start(server.addr, &mut t, plan.window).await?;
        sessions.push((t, s, g.id.clone()));
    }
    tracing::info!("keis: devices change");
    let n = sessions.len();
    let barrier = Arc::new(Barrier::new(n));
    let spread = plan.spread;
    let mut tasks = Vec::with_capacity(n);
    for (i, (mut t, mut s, id)) in sessions.into_iter().enumerate() {
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let a = one_change(&mut t, &mut s, &id, "+380661112233", T0 + 400_000).await?;
            barrier.wait().await;
            tokio::time::sleep(spread.mul_f64(i as f64 / n as f64)).await;
            let b = one_change(&mut t, &mut s, &id, "+380661112244", T0 + 500_000).await?;
            s.close().await;
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

async fn one_change(t: &mut Tablet, s: &mut Session, id: &str, phone: &str, at: i64) -> Result<Duration> {
    let start = Instant::now();
    set_phone(&mut t.device, id, phone, at)?;
    s.changed(&mut t.device, id).await?;
    if t.device.dirty.contains(id) {
        bail!("the change to {id} was not acknowledged");
    }
    Ok(start.elapsed())
}
