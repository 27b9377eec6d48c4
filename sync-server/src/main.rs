//! `keis-sync-server`: the thin launcher of the server library.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use keis_sync_server::admin::{self, AdminCommand};
use keis_sync_server::auth::{Auth, Clock, SystemClock};
use keis_sync_server::config::{Config, Overrides};
use keis_sync_server::store::SqliteStore;
use keis_sync_server::sync::upstream::UpstreamConfig;
use keis_sync_server::{AppState, journal};

#[derive(Parser)]
#[command(version, about = "Keis edge/central server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve HTTP. Settings: defaults, then the TOML file, then `KEIS_*` environment
    /// variables, then these flags (see `keis-sync-server.example.toml`).
    Serve {
        /// A TOML configuration file.
        #[arg(long, env = "KEIS_CONFIG")]
        config: Option<PathBuf>,
        /// Address to listen on [default: 127.0.0.1:8080; env: KEIS_LISTEN].
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// The data directory (embedded SQLite, blobs); created if missing
        /// [default: keis-data; env: KEIS_DATA].
        #[arg(long)]
        data: Option<PathBuf>,
        /// Load this many fictional demo cases [default: 0; env: KEIS_DEMO].
        #[arg(long)]
        demo: Option<u32>,
        /// Be an edge: sync with this central server, http://host:port
        /// [default: none; env: KEIS_UPSTREAM].
        #[arg(long)]
        upstream: Option<String>,
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
    match Cli::parse().command {
        Command::Serve { config, listen, data, demo, upstream } => {
            let mut c = Config::load(config.as_deref(), |k| std::env::var(k).ok())?;
            c.apply(&Overrides { listen, data, demo });
            c.upstream = upstream.or(c.upstream);
            init_tracing(&c.log);
            let store = Arc::new(SqliteStore::open_with(&c.data, c.store_config()).await?);
            let auth = Arc::new(Auth::new(
                store.clone(),
                c.auth_config(),
                Arc::new(SystemClock),
                Arc::new(ring::rand::SystemRandom::new()),
            ));
            let demo_rows = journal::demo::store_demo(&*store, c.demo, SystemClock.now_ms()).await?;
            let queue = keis_sync_server::queue_api::open_queue(
                &c.data,
                c.queue_office.as_deref(),
                &c.queue_time_zone,
                Arc::new(keis_sync_server::queue_api::SystemClock),
                Some(std::time::Duration::from_millis(c.queue_tick_ms)),
            )
            .await?;
            let state = AppState {
                journal: demo_rows.into(),
                page_size: c.page_size,
                queue: Some(queue.clone()),
                ..AppState::default()
            };
            let listener = tokio::net::TcpListener::bind(c.listen).await?;
            tracing::info!(data = %c.data.display(), "data directory open");
            let hub = Arc::new(keis_sync_server::sync::Hub::new(auth, state.metrics.clone(), state.page_size));
            let uplink = c.upstream.clone().map(|url| {
                tracing::info!(central = %url, "edge: syncing with the central server");
                keis_sync_server::sync::upstream::spawn(hub.clone(), UpstreamConfig::new(url, &c.data))
            });
            keis_sync_server::serve(keis_sync_server::app_on(state, hub), listener, async move {
                let _ = tokio::signal::ctrl_c().await;
                // Live streams end, so the graceful shutdown does not wait for them.
                queue.stop();
            })
            .await?;
            if let Some(u) = uplink {
                u.stop().await;
            }
            store.close().await?;
        }
        Command::Admin { data, command } => {
            init_tracing("info");
            let store = SqliteStore::open(&data).await?;
            let result = admin::run(&store, command, SystemClock.now_ms(), &mut std::io::stdout().lock()).await;
            store.close().await?;
            result?;
        }
    }
    Ok(())
}

/// Logs to stderr; `RUST_LOG`, if set, wins over the configured filter.
fn init_tracing(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(filter))
        .unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}
