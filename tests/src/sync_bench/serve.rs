//! The server side of the benchmark, run in a child process (see [`super::proc`]): the
//! Keis sync server over a SQLite directory, or a samod repo over its filesystem storage
//! behind an axum WebSocket route. Each prints `listening ADDR` and then answers commands
//! on stdin, one line each (`approve DEVICE CODE demo|hromada:CODE` for Keis).

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use axum::Router;
use axum::extract::{State, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;
use keis_crdt::{Position, Role, Scope, demo};
use keis_sync_server::auth::Auth;
use keis_sync_server::store::{SqliteStore, Store};
use keis_sync_server::{AppState, admin};
use tokio::io::{AsyncBufReadExt, BufReader};

/// Serves Keis on `127.0.0.1:0` over the SQLite store in `data` (WAL, `synchronous=FULL`:
/// the server's defaults) until stdin closes.
pub async fn keis(data: &Path) -> Result<()> {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(data).await.context("open the store")?);
    let auth = Arc::new(Auth::with_defaults(store.clone()));
    let app = keis_sync_server::app(AppState::default(), auth);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    announce(listener.local_addr()?)?;
    tokio::spawn(keis_sync_server::serve(app, listener, std::future::pending()));
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = lines.next_line().await? {
        let answer = match approve(&*store, &line).await {
            Ok(()) => "ok".to_owned(),
            Err(e) => format!("error {e:#}"),
        };
        reply(&answer)?;
    }
    Ok(())
}

/// The positions a bench device is approved with: the demo ones, or a starosta of a
/// hromada of its own (`hromada:CODE`), so that it sees only its own cases.
pub fn positions(spec: &str) -> Option<Vec<Position>> {
    match spec {
        "demo" => Some(demo::positions()),
        _ => spec
            .strip_prefix("hromada:")
            .map(|h| vec![Position::new(format!("bench-starosta-{h}"), Role::Starosta, Scope::hromada(h))]),
    }
}

/// Bench device `i`'s own hromada (a made-up KATOTTG code of the right shape).
pub fn device_hromada(i: usize) -> String {
    format!("UA98{i:015}")
}

async fn approve(store: &dyn Store, line: &str) -> Result<()> {
    let mut words = line.split_whitespace();
    let (Some("approve"), Some(id), Some(code), Some(spec)) = (words.next(), words.next(), words.next(), words.next())
    else {
        anyhow::bail!("expected `approve DEVICE CODE demo|hromada:CODE`");
    };
    let positions = positions(spec).context("unknown positions")?;
    admin::approve(store, id, code, &positions, super::keis::T0).await?;
    Ok(())
}

/// Serves a samod repo on `127.0.0.1:0` (WebSocket at `/`) over its filesystem storage in
/// `data`, as a sync server is configured: every peer may read and write, and the server
/// does not announce documents to peers (they ask for what they hold).
pub async fn samod(data: &Path) -> Result<()> {
    let repo = samod::Repo::build_tokio()
        .with_storage(samod::storage::TokioFilesystemStorage::new(data))
        .with_share_policy(samod::ShareConfig::read_write().with_announce(false))
        .load()
        .await;
    let acceptor = repo.make_acceptor(samod::Url::parse("ws://bench/")?)?;
    let app = Router::new().route("/", get(upgrade)).with_state(acceptor);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    announce(listener.local_addr()?)?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while lines.next_line().await?.is_some() {
        reply("ok")?;
    }
    repo.stop().await;
    Ok(())
}

async fn upgrade(State(acceptor): State<samod::AcceptorHandle>, ws: WebSocketUpgrade) -> Response {
    ws.max_message_size(64 << 20).on_upgrade(move |socket| async move {
        if acceptor.accept_axum(socket, None).is_err() {
            tracing::warn!("the samod repo has stopped");
        }
    })
}

#[allow(clippy::print_stdout)]
fn announce(addr: std::net::SocketAddr) -> Result<()> {
    reply(&format!("listening {addr}"))
}

#[allow(clippy::print_stdout)]
fn reply(line: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()?;
    Ok(())
}
