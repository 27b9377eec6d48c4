//! `keis-sync-server`: the edge (hromada) and central (back office) server.
//!
//! A library with [`router`] and [`serve`], which takes its listener and shutdown signal
//! from outside, so tests run it on port 0; the binary is a thin launcher. Sync, storage,
//! enrolment, authorisation, journal and queue are built on this (issues 3 and 6).
//! [`config`] is what `serve` reads (TOML, `KEIS_*`, flags); [`metrics`] is served at
//! `/metrics`, [`openapi`] at `/api/v1/openapi.json` (its operations are [`ROUTES`]).

pub mod admin;
pub mod auth;
pub mod blobs;
pub mod cases;
pub mod config;
pub mod journal;
pub mod metrics;
pub mod openapi;
pub mod pages;
pub mod queue;
pub mod queue_api;
pub mod store;
pub mod sync;

use std::future::Future;
use std::sync::Arc;

use axum::extract::{FromRef, State};
use axum::{Json, Router, routing::get};
use serde::Serialize;
use tokio::net::TcpListener;

use journal::JournalRow;
use metrics::Metrics;

/// What the handlers of [`router`] share: the journal rows of the demo cases (served
/// unauthenticated at `/api/v1/cases` for the demo; the journal of stored cases is
/// `/api/v1/journal`, see [`journal`]). Also the [`Metrics`] every route
/// counts into and the sync page size ([`app`] hands both to [`sync`]).
#[derive(Debug, Clone)]
pub struct AppState {
    pub journal: Arc<Vec<JournalRow>>,
    pub metrics: Arc<Metrics>,
    /// Changed documents per `Changed` sync frame.
    pub page_size: usize,
    /// The electronic queue ([`queue_api`]); `None`: its routes answer 503.
    pub queue: Option<Arc<queue_api::QueueService>>,
}

impl Default for AppState {
    fn default() -> Self {
        Self { journal: Arc::default(), metrics: Arc::default(), page_size: sync::PAGE_SIZE, queue: None }
    }
}

impl FromRef<AppState> for Arc<Metrics> {
    fn from_ref(s: &AppState) -> Self {
        s.metrics.clone()
    }
}

/// Every route of [`app`] as (method, path template): what `/api/v1/openapi.json`
/// documents. A test holds the document, this list and the routers' `.route(…)` calls
/// to each other; add a route here when you add one to a router.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/metrics"),
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/cases"),
    ("POST", "/api/v1/cases/{id}/actions"),
    ("POST", "/api/v1/devices"),
    ("POST", "/api/v1/session/challenge"),
    ("POST", "/api/v1/session"),
    ("GET", "/api/v1/session"),
    ("GET", "/api/v1/sync"),
    ("GET", "/api/v1/journal"),
    ("PUT", "/api/v1/blobs/{sha256}"),
    ("PATCH", "/api/v1/blobs/{sha256}"),
    ("GET", "/api/v1/blobs/{sha256}"),
    ("POST", "/api/v1/blobs/{sha256}/finish"),
    ("GET", "/api/v1/queue/{office}"),
    ("POST", "/api/v1/queue/{office}/tickets"),
    ("GET", "/api/v1/queue/{office}/hall"),
    ("GET", "/api/v1/queue/{office}/desks/{desk}"),
    ("GET", "/api/v1/queue/{office}/live"),
    ("GET", "/api/v1/queue/{office}/slots"),
    ("POST", "/api/v1/queue/{office}/bookings"),
    ("POST", "/api/v1/queue/{office}/bookings/{id}/cancel"),
    ("POST", "/api/v1/queue/{office}/bookings/{id}/check-in"),
    ("POST", "/api/v1/queue/{office}/desks/{desk}/sign-in"),
    ("POST", "/api/v1/queue/{office}/desks/{desk}/sign-out"),
    ("POST", "/api/v1/queue/{office}/desks/{desk}/call-next"),
    ("GET", "/api/v1/queue/{office}/desks/{desk}/console"),
    ("POST", "/api/v1/queue/{office}/tickets/{id}/{action}"),
    ("GET", "/api/v1/queue/{office}/stats"),
    ("GET", "/api/v1/queue/{office}/stats.csv"),
    ("POST", "/api/v1/queue/{office}/close"),
    ("GET", "/api/v1/status"),
    ("GET", "/queue/{office}/kiosk"),
    ("GET", "/queue/{office}/hall"),
    ("GET", "/queue/{office}/desk/{desk}"),
    ("GET", "/queue/{office}/book"),
    ("GET", "/status"),
    ("GET", "/assets/web/{file}"),
];

/// What `/healthz` answers.
#[derive(Debug, Serialize)]
pub struct Health {
    pub status: &'static str,
    pub version: &'static str,
    /// An edge server's link to the central server (absent on a central server). The
    /// edge serves its devices while it is down, so `status` stays `ok`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uplink: Option<sync::upstream::UplinkHealth>,
}

/// The HTTP routes of the server.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics::handler))
        .route("/api/v1/openapi.json", get(openapi::handler))
        .route("/api/v1/cases", get(cases))
        .with_state(state)
}

async fn cases(State(state): State<AppState>) -> Json<Vec<JournalRow>> {
    Json(state.journal.as_ref().clone())
}

async fn healthz(State(state): State<AppState>) -> Json<Health> {
    let uplink = state.metrics.uplink().as_ref().map(sync::upstream::UplinkHealth::from);
    Json(Health { status: "ok", version: env!("CARGO_PKG_VERSION"), uplink })
}

/// The whole HTTP application: [`router`] with the enrolment and session routes of
/// [`auth`], the sync endpoint of [`sync`], the workflow actions of [`cases`] (sharing
/// the sync writers) and the uploads of [`blobs`] (over the store of `auth`), every request
/// counted in the state's [`Metrics`].
pub fn app(state: AppState, auth: Arc<auth::Auth>) -> Router {
    let hub = Arc::new(sync::Hub::new(auth, state.metrics.clone(), state.page_size));
    app_on(state, hub)
}

/// [`app`] over an existing sync [`sync::Hub`]: an edge server's uplink
/// ([`sync::upstream`]) writes through the same hub as its devices' connections.
pub fn app_on(state: AppState, hub: Arc<sync::Hub>) -> Router {
    let auth = hub.auth.clone();
    let metrics = state.metrics.clone();
    let sync = sync::ws::routes_on(hub.clone());
    let blobs = blobs::routes(auth.clone(), metrics.clone());
    let clock: Arc<dyn queue_api::Clock> =
        state.queue.as_ref().map_or_else(|| Arc::new(queue_api::SystemClock) as _, |q| q.clock());
    let lookup = Arc::new(queue_api::Lookup::new(auth.store().clone(), clock));
    let queue = queue_api::routes(state.queue.clone(), auth.clone(), lookup);
    router(state)
        .merge(auth::routes(auth.clone()))
        .merge(sync)
        .merge(cases::routes(hub))
        .merge(journal::routes(auth))
        .merge(blobs)
        .merge(queue)
        .merge(pages::routes())
        .layer(axum::middleware::from_fn_with_state(metrics, metrics::track))
}

/// Serves `app` on `listener` until `shutdown` completes.
pub async fn serve(
    app: Router,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    tracing::info!(addr = ?listener.local_addr().ok(), "keis-sync-server listening");
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

#[cfg(test)]
mod tests {
    use axum::body::{Body, to_bytes};
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    use super::*;

    #[tokio::test]
    async fn healthz_says_ok() {
        let res = router(AppState::default())
            .oneshot(Request::builder().uri("/healthz").body(Body::empty()).expect("request"))
            .await
            .expect("response");
        assert_eq!(res.status(), StatusCode::OK);
        let body = to_bytes(res.into_body(), 1024).await.expect("body");
        let json: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(json["status"], "ok");
    }

    #[tokio::test]
    async fn serves_on_a_real_port_and_shuts_down() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(router(AppState::default()), listener, async {
            let _ = stopped.await;
        }));
        let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.expect("write");
        let mut reply = String::new();
        stream.read_to_string(&mut reply).await.expect("read");
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
        assert!(reply.contains(r#""status":"ok""#), "{reply}");
        let _ = stop.send(());
        server.await.expect("join").expect("clean shutdown");
    }
}
