//! The sync benchmark (`keis-bench sync`, issue 3): the same workload against Keis and
//! against samod 0.16 (the Rust automerge-repo), each server in its own process on
//! loopback, in one run:
//!
//! 1. new case documents uploaded from one device, until the server acknowledged all;
//! 2. one field changed in a share of them;
//! 3. an idle reconnect of the device that holds them all;
//! 4. a one-field change round trip;
//! 5. many devices connected, each changing one field (all at once, then paced).
//!
//! It prints wall time, WebSocket payload bytes both ways and server RSS (`/proc`), as a
//! table or JSON. `--quick` is a smoke run with small sizes. Run it in release:
//! `cargo run --release -p keis-tests --bin keis-bench -- sync`.

pub mod keis;
pub mod keis_net;
pub mod proc;
pub mod report;
pub mod samod_net;
pub mod samod_side;
pub mod serve;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use automerge::{ActorId, AutoCommit};
use keis_crdt::{CaseDoc, CaseKind, NewCase, demo};

/// Which server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Side {
    Keis,
    Samod,
}

impl Side {
    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Side::Keis => "keis",
            Side::Samod => "samod",
        }
    }
}

/// Sizes and options of the sync benchmark.
#[derive(Debug, Clone, clap::Args)]
pub struct SyncBenchArgs {
    /// New case documents uploaded from one device (step 1).
    #[arg(long, default_value_t = 10_000)]
    pub docs: usize,
    /// Percent of them changed afterwards (step 2).
    #[arg(long, default_value_t = 1.0)]
    pub changed_percent: f64,
    /// Devices connected at once, each changing one field (step 5).
    #[arg(long, default_value_t = 1_000)]
    pub devices: usize,
    /// Milliseconds over which the paced changes of step 5 are spread.
    #[arg(long, default_value_t = 10_000)]
    pub spread_ms: u64,
    /// Documents a Keis session keeps in flight (the field app's default is 8).
    #[arg(long, default_value_t = 8)]
    pub window: usize,
    /// Seconds any one wait may take before the run fails (samod is slow at scale).
    #[arg(long, default_value_t = 3_600)]
    pub limit_s: u64,
    /// A smoke run: 200 documents, 20 devices, 1 s pacing.
    #[arg(long)]
    pub quick: bool,
    /// Only this system.
    #[arg(long, value_enum)]
    pub only: Option<Side>,
    /// Print JSON instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Where the servers keep their data (default: a temporary directory).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Internal: run as this server (the benchmark starts itself with it).
    #[arg(long, value_enum, hide = true)]
    pub serve: Option<Side>,
    /// Internal: the served data directory.
    #[arg(long, hide = true)]
    pub data: Option<PathBuf>,
}

/// The sizes a run uses.
#[derive(Debug, Clone)]
pub struct Plan {
    pub docs: usize,
    pub changed: usize,
    pub devices: usize,
    pub spread: Duration,
    pub window: usize,
    pub limit: Duration,
}

impl Plan {
    /// The sizes `args` ask for (`--quick` overrides them).
    pub fn of(args: &SyncBenchArgs) -> Self {
        let (docs, devices, spread_ms) =
            if args.quick { (200, 20, 1_000) } else { (args.docs.max(1), args.devices, args.spread_ms) };
        let changed = ((docs as f64 * args.changed_percent / 100.0).round() as usize).clamp(1, docs);
        Self {
            docs,
            changed,
            devices,
            spread: Duration::from_millis(spread_ms),
            window: args.window.max(1),
            limit: Duration::from_secs(args.limit_s.max(1)),
        }
    }
}

/// A document made before the clock starts: its id and Automerge document.
#[derive(Debug, Clone)]
pub struct Generated {
    pub id: String,
    pub doc: AutoCommit,
}

/// Runs the benchmark (or, with the hidden `--serve`, one of its servers).
#[allow(clippy::print_stdout)]
pub fn run(args: SyncBenchArgs) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    if let Some(side) = args.serve {
        let data = args.data.context("--serve needs --data")?;
        return rt.block_on(async {
            match side {
                Side::Keis => serve::keis(&data).await,
                Side::Samod => serve::samod(&data).await,
            }
        });
    }
    let plan = Plan::of(&args);
    let temp = tempfile::tempdir()?;
    let root = args.dir.clone().unwrap_or_else(|| temp.path().to_path_buf());
    tracing::info!(?plan, "generating documents");
    let docs = (0..plan.docs).map(|n| application(n as u32)).collect::<Result<Vec<_>>>()?;
    let small = (0..plan.devices).map(device_case).collect::<Result<Vec<_>>>()?;
    let mut runs = Vec::new();
    if args.only != Some(Side::Samod) {
        runs.push(rt.block_on(keis::run(&plan, &docs, &small, &root.join("keis")))?);
        tracing::info!(figures = %serde_json::to_string(&runs[runs.len() - 1])?, "keis done");
    }
    if args.only != Some(Side::Keis) {
        runs.push(rt.block_on(samod_side::run(&plan, &docs, &small, &root.join("samod")))?);
        tracing::info!(figures = %serde_json::to_string(&runs[runs.len() - 1])?, "samod done");
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "plan": format!("{plan:?}"), "runs": runs }))?
        );
    } else {
        println!(
            "keis-bench sync: {} documents, {} changed, {} devices (paced over {} ms), Keis window {}\n\
             bytes: WebSocket binary payloads, client-side count\n",
            plan.docs,
            plan.changed,
            plan.devices,
            plan.spread.as_millis(),
            plan.window
        );
        println!("{}", report::table(&runs));
    }
    Ok(())
}

/// A demo application of realistic size, as one tablet makes it.
fn application(n: u32) -> Result<Generated> {
    let doc = demo::application(ActorId::from(format!("bench-tablet-{n}").as_bytes()), n, keis::T0 + i64::from(n))?;
    Ok(Generated { id: doc.case().id.clone(), doc: doc.automerge().clone() })
}

/// Device `i`'s own small case, in a hromada of its own.
fn device_case(i: usize) -> Result<Generated> {
    let hromada = serve::device_hromada(i);
    let position = serve::positions(&format!("hromada:{hromada}"))
        .and_then(|p| p.into_iter().next())
        .context("a bench position")?;
    let (id, number) = (format!("bench-case-{i:06}"), format!("2026-B{i:06}"));
    let new = NewCase {
        id: &id,
        number: &number,
        kind: CaseKind::Application,
        hromada: &hromada,
        district: None,
        created_by: &position,
        at: keis::T0,
    };
    let doc = CaseDoc::create(ActorId::from(format!("bench-device-{i}").as_bytes()), new)?;
    Ok(Generated { id, doc: doc.automerge().clone() })
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: SyncBenchArgs,
    }

    fn plan(argv: &[&str]) -> Plan {
        Plan::of(&Cli::parse_from(std::iter::once("sync").chain(argv.iter().copied())).args)
    }

    #[test]
    fn sizes_come_from_the_flags_and_quick_overrides_them() {
        let p = plan(&["--docs", "3000", "--devices", "50", "--changed-percent", "2"]);
        assert_eq!((p.docs, p.changed, p.devices), (3000, 60, 50));
        let q = plan(&["--docs", "3000", "--quick"]);
        assert_eq!((q.docs, q.changed, q.devices), (200, 2, 20));
        assert_eq!(plan(&["--docs", "10", "--changed-percent", "0"]).changed, 1, "at least one change");
    }

    #[test]
    fn device_positions_are_their_own_hromada_or_the_demo_ones() {
        let h = serve::device_hromada(7);
        assert_eq!(h.len(), demo::HROMADA.len());
        let own = serve::positions(&format!("hromada:{h}")).expect("a hromada");
        assert_eq!(own.len(), 1);
        assert!(own[0].scope.covers(&h, None) && !own[0].scope.covers(demo::HROMADA, Some(demo::DISTRICT)));
        assert_eq!(serve::positions("demo").map(|p| p.len()), Some(demo::positions().len()));
        assert!(serve::positions("everyone").is_none());
        let case = device_case(7).expect("a case");
        assert_eq!(case.id, "bench-case-000007");
    }
}
