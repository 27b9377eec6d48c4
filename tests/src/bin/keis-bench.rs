//! `keis-bench`: the load benchmarks of Keis.
//!
//! - `keis-bench queue`: the electronic queue's live stream under load (see
//!   `keis_tests::queue_bench`). Run it in release:
//!   `cargo run --release -p keis-tests --bin keis-bench -- queue`.
//! - `keis-bench sync`: the sync server under many tablets (`keis_tests::sync_bench`).

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

#[derive(Debug, Parser)]
#[command(name = "keis-bench", about = "Навантажувальні тести Keis / Keis load benchmarks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The electronic queue: call → display delay with many desks and displays.
    Queue(keis_tests::queue_bench::QueueBenchArgs),
    /// The sync server under load.
    Sync(keis_tests::sync_bench::SyncBenchArgs),
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter(EnvFilter::from_default_env()).with_writer(std::io::stderr).init();
    match Cli::parse().command {
        Command::Queue(args) => keis_tests::queue_bench::run(args),
        Command::Sync(args) => keis_tests::sync_bench::run(args),
    }
}
