//! The electronic queue's server side: the live queue of each office, its storage, its
//! HTTP API and live stream, and the citizen's status lookup. The rules are the pure core
//! in [`crate::queue`]; this module gives them time, storage and a network.
//!
//! - [`clock`]: [`Clock`] (system or [`ManualClock`]) and the office's time zone
//!   ([`OfficeZone`], Europe/Kyiv from the bundled tzdb).
//! - [`office`]: the office from TOML (the embedded demo office, `assets/queue/office.toml`).
//! - [`store`]: [`QueueStore`], the narrow storage trait; [`sqlite`]: [`SqliteQueueStore`]
//!   in `<data>/queue.sqlite`.
//! - [`service`]: [`QueueService`]: today's queue per office behind a mutex; each command
//!   is run, committed, then published; a tick task postpones no-shows and closes the day.
//! - `http`, `http_staff`, [`sse`], [`lookup`]: the routes ([`routes`]); [`openapi`]:
//!   their part of `/api/v1/openapi.json`; [`dto`]: the JSON bodies.
//!
//! # Starting the whole application in a test (or a benchmark)
//!
//! [`TestApp::start`] opens a server's stores in a directory, with a [`ManualClock`] that
//! drives sessions and the queue alike and the office of a TOML text (e.g.
//! [`office::DEMO_OFFICE_TOML`]), and answers the full [`crate::app`] router. Serve it on
//! port 0 with [`crate::serve`] for a browser or a load test; call
//! [`QueueService::tick`] after moving the clock (the tick task is off unless asked for).
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use keis_sync_server::queue::Timestamp;
//! use keis_sync_server::queue_api::{ManualClock, TestApp, office::DEMO_OFFICE_TOML};
//!
//! let dir = tempfile::tempdir()?;
//! let clock = ManualClock::new(Timestamp(1_795_417_200_000)); // Mon 2026-11-23 09:00 Kyiv
//! let t = TestApp::start(dir.path(), clock.clone(), DEMO_OFFICE_TOML, None).await?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! tokio::spawn(keis_sync_server::serve(t.app.clone(), listener, std::future::pending()));
//! clock.advance(180_000);
//! t.queue.tick().await?;
//! # Ok(()) }
//! ```

pub mod clock;
pub mod dto;
pub mod error;
mod http;
mod http_staff;
pub mod lookup;
pub mod office;
pub mod openapi;
pub mod service;
pub mod sqlite;
pub mod sse;
pub mod store;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;

pub use clock::{Clock, ManualClock, OfficeZone, SystemClock};
pub use error::ApiError;
pub use lookup::Lookup;
pub use service::{QueueService, Snapshot};
pub use sqlite::SqliteQueueStore;
pub use store::{QueueStore, QueueStoreError};

use crate::auth::Auth;
use crate::store::{SqliteStore, Store};

/// The queue's routes (public, staff, live stream, status lookup). With `queue` `None`
/// the queue routes answer 503 `queue_disabled`; the status lookup works either way.
pub fn routes(queue: Option<Arc<QueueService>>, auth: Arc<Auth>, lookup: Arc<Lookup>) -> Router {
    let state = http::ApiState { queue, auth, lookup };
    http::routes()
        .merge(http_staff::routes())
        .merge(lookup::routes())
        .route("/api/v1/queue/{office}/live", get(sse::live))
        .with_state(state)
}

/// Why the queue could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Office(#[from] office::OfficeError),
    #[error(transparent)]
    Zone(#[from] clock::UnknownZone),
    #[error(transparent)]
    Store(#[from] QueueStoreError),
    #[error("{0}")]
    Queue(#[from] ApiError),
    #[error("the main store cannot be opened: {0}")]
    MainStore(#[from] crate::store::StoreError),
}

/// Opens the queue of a server: the office of `office_file` (or the embedded demo office),
/// in time zone `zone`, over `<data_dir>/queue.sqlite`, ticking every `tick`.
pub async fn open_queue(
    data_dir: &Path,
    office_file: Option<&Path>,
    zone: &str,
    clock: Arc<dyn Clock>,
    tick: Option<Duration>,
) -> Result<Arc<QueueService>, StartError> {
    let office = office::load_office(office_file)?;
    let zone = OfficeZone::named(zone)?;
    let store = Arc::new(SqliteQueueStore::open(data_dir).await?);
    Ok(QueueService::open(vec![office], zone, clock, store, tick).await?)
}

/// A whole application in process, for tests and benchmarks: see the module docs.
pub struct TestApp {
    /// [`crate::app`] with the queue.
    pub app: Router,
    pub queue: Arc<QueueService>,
    pub auth: Arc<Auth>,
    pub store: Arc<dyn Store>,
}

impl TestApp {
    /// The app over stores in `data_dir`, with `clock` for sessions and the queue, the
    /// office of `office_toml` in Europe/Kyiv, and a tick task every `tick` (if given).
    pub async fn start(
        data_dir: &Path,
        clock: ManualClock,
        office_toml: &str,
        tick: Option<Duration>,
    ) -> Result<Self, StartError> {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(data_dir).await?);
        let auth = Arc::new(Auth::new(
            store.clone(),
            crate::auth::AuthConfig::default(),
            Arc::new(clock.clone()),
            Arc::new(ring::rand::SystemRandom::new()),
        ));
        let office = office::parse_office(office_toml)?;
        let queue_store = Arc::new(SqliteQueueStore::open(data_dir).await?);
        let queue = QueueService::open(vec![office], OfficeZone::kyiv(), Arc::new(clock), queue_store, tick).await?;
        let state = crate::AppState { queue: Some(queue.clone()), ..crate::AppState::default() };
        Ok(Self { app: crate::app(state, auth.clone()), queue, auth, store })
    }
}
