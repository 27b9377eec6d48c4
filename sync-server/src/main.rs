//! `keis-sync-server`: the thin launcher of the server library.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use keis_crdt::{Catalogue, demo};
use keis_sync_server::admin::{self, AdminCommand};
use keis_sync_server::auth::{Auth, Clock, SystemClock};
use keis_sync_server::store::SqliteStore;
use keis_sync_server::{AppState, journal::JournalRow};

#[derive(Parser)]
#[command(version, about = "Keis edge/central server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve HTTP.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "KEIS_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// The data directory (embedded SQLite, blobs); created if missing.
        #[arg(long, env = "KEIS_DATA", default_value = "keis-data")]
        data: PathBuf,
        /// Load this many fictional demo cases.
        #[arg(long, env = "KEIS_DEMO", default_value_t = 0)]
        demo: u32,
    },
    /// Administer devices: list, approve, revoke (works on the data directory directly).
    Admin {
        /// The server's data directory.
        #[arg(long, env = "KEIS_DATA")]
        data: PathBuf,
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Serve { listen, data, demo: n } => {
            let store = Arc::new(SqliteStore::open(&data).await?);
            let auth = Arc::new(Auth::with_defaults(store.clone()));
            let state = AppState { journal: demo_journal(n)?.into() };
            let listener = tokio::net::TcpListener::bind(&listen).await?;
            tracing::info!(data = %data.display(), "data directory open");
            keis_sync_server::serve(keis_sync_server::app(state, auth), listener, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
            store.close().await?;
        }
        Command::Admin { data, command } => {
            let store = SqliteStore::open(&data).await?;
            let result = admin::run(&store, command, SystemClock.now_ms(), &mut std::io::stdout().lock()).await;
            store.close().await?;
            result?;
        }
    }
    Ok(())
}

/// Demo cases at every stage of the application's path.
fn demo_journal(n: u32) -> anyhow::Result<Vec<JournalRow>> {
    let catalogue = Catalogue::embedded()?;
    let mut rows = Vec::new();
    for i in 0..n {
        let actor = automerge::ActorId::from(format!("demo-{i}").as_bytes());
        let at = 1_763_900_000_000 + i64::from(i) * 86_400_000;
        let doc = if i % 2 == 0 { demo::decided_application(actor, i, at)? } else { demo::application(actor, i, at)? };
        rows.push(JournalRow::of(&doc, &catalogue));
    }
    tracing::info!(cases = rows.len(), "demo data loaded");
    Ok(rows)
}
