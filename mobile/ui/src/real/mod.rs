//! The services over the real core: the encrypted store ([`keis_mobile::store`]), the
//! sync client on a background thread ([`keis_mobile::sync`]), the card reader and the
//! scan pipeline ([`keis_device`]). A launcher calls [`services`] once and mounts
//! [`crate::App`] with the result.
//!
//! The store is shared as `Arc<Mutex<Store>>`: the screens read and write it on the UI
//! thread; the sync worker takes it for one step of a round at a time, never while it
//! waits on the network ([`keis_mobile::sync::access`]).

mod camera;
mod cases;
mod chip;
mod session;
mod sync;

use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use keis_crdt::Catalogue;
use keis_mobile::store::{Store, StoreConfig, StoreError, SystemClock};
use keis_mobile::sync::SyncConfig;

pub use camera::RealCamera;
pub use cases::RealCases;
pub use chip::{RealChip, access_key, chip_data};
pub(crate) use keis_mobile::views::chip::data_url;
pub use session::RealSession;
pub use sync::RealSync;

#[cfg(doc)]
use crate::services::Session;
use crate::services::{Later, ServiceError, Services};

/// How the real services are set up.
#[derive(Debug, Clone)]
pub struct RealConfig {
    /// The device's data directory (the encrypted store, made on first start or by
    /// `keis init`).
    pub data_dir: PathBuf,
    /// The server the launcher was told to use: suggested when enrolling; once enrolled,
    /// the store's enrolment names the one used (a different one is logged).
    pub server: Option<String>,
    pub store: StoreConfig,
    pub sync: SyncConfig,
    /// Sync on its own this often while unlocked (`None`: only when asked).
    pub auto_sync: Option<Duration>,
    /// Where the camera service takes its images from: a file path, or a directory whose
    /// newest image is taken.
    pub scan_source: Option<PathBuf>,
    /// The PC/SC reader to use (default: the first with a card).
    pub reader: Option<String>,
}

impl RealConfig {
    /// Production settings for the store in `data_dir`.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            server: None,
            store: StoreConfig::default(),
            sync: SyncConfig::default(),
            auto_sync: Some(Duration::from_secs(300)),
            scan_source: None,
            reader: None,
        }
    }
}

/// Why the real services could not be built.
#[derive(Debug, thiserror::Error)]
pub enum RealError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("каталог послуг: {0} / the service catalogue: {0}")]
    Catalogue(String),
    #[error("не вдалося запустити синхронізацію: {0} / could not start sync: {0}")]
    Worker(#[from] std::io::Error),
}

/// The store as the services share it (a launcher adds its own services over it).
pub type Shared = Arc<Mutex<Store>>;

/// Locks the shared store; a panic on another thread does not make it unusable.
pub(crate) fn lock(store: &Shared) -> MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A store or other failure as the user reads it.
pub(crate) fn service_error(e: impl std::fmt::Display) -> ServiceError {
    ServiceError(e.to_string())
}

/// Runs `job` on a thread of its own; the window awaits the answer and keeps drawing
/// (key derivation, the network, a card read, the scan pipeline, a thumbnail).
/// `aborted`: the answer if the thread could not run or died.
pub fn off_the_window<T: Send + 'static, E: Send + 'static>(
    job: impl FnOnce() -> Result<T, E> + Send + 'static,
    aborted: fn() -> E,
) -> Later<T, E> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new().name("keis-work".into()).spawn(move || {
        let _ = tx.send(job());
    });
    Box::pin(async move {
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "no thread for the work");
            return Err(aborted());
        }
        rx.await.unwrap_or_else(|_| Err(aborted()))
    })
}

pub const ABORTED: &str = "запит перервано; спробуйте ще раз / the request was aborted; try again";

/// The current time in ms since the epoch.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Opens the (locked) store in `config.data_dir`, starts the sync worker and returns the
/// services. Without a store there (first start, or wiped) the session makes one with a
/// PIN the user chooses, then enrols the device ([`Session::needs_setup`]).
pub fn services(config: RealConfig) -> Result<Services, RealError> {
    services_and_store(config).map(|(services, _)| services)
}

/// [`services`], and the shared store under them, for a launcher that replaces the card
/// reader or the camera with its platform's (the Android launcher's NFC and camera).
pub fn services_and_store(config: RealConfig) -> Result<(Services, Shared), RealError> {
    let idle_after = Duration::from_millis(u64::try_from(config.store.idle_lock_ms).unwrap_or(0));
    let store = Store::open_or_absent(&config.data_dir, config.store, Arc::new(SystemClock), rng())?;
    let shared: Shared = Arc::new(Mutex::new(store));
    let catalogue = Rc::new(Catalogue::embedded().map_err(|e| RealError::Catalogue(e.to_string()))?);
    let sync = Rc::new(RealSync::start(shared.clone(), config.sync.clone(), config.auto_sync)?);
    let net = (config.server.clone(), config.sync.timeout);
    let session = Rc::new(RealSession::new(shared.clone(), sync.clone(), net, idle_after));
    let cases = Rc::new(RealCases::new(shared.clone(), (*catalogue).clone(), sync.clone()));
    let camera = Rc::new(RealCamera::new(shared.clone(), config.scan_source.clone()));
    let chip = Rc::new(RealChip::new(config.reader));
    Ok((Services { session, cases, sync, chip, camera, catalogue }, shared))
}

/// The system's randomness, for the store.
pub(crate) fn rng() -> keis_mobile::store::Rng {
    Arc::new(ring::rand::SystemRandom::new())
}

/// `n` random bytes as lowercase hex.
pub(crate) fn random_hex(n: usize) -> Result<String, ServiceError> {
    use ring::rand::SecureRandom as _;
    let mut b = vec![0u8; n];
    ring::rand::SystemRandom::new()
        .fill(&mut b)
        .map_err(|_| ServiceError("немає випадкових чисел / no randomness available".into()))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// Whether `path` names an image the scan pipeline reads.
pub(crate) fn is_image(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref(),
        Some("png" | "jpg" | "jpeg" | "tif" | "tiff")
    )
}
