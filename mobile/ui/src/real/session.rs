//! The real [`Session`]: the PIN unlocks the encrypted store (or, on a first start or after
//! a wipe, makes it); the device enrols with the server and waits for approval; the
//! positions are the ones the device's last server session carried (signing in once if it
//! never has).

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use keis_crdt::Position;
use keis_mobile::store::{Pin, Store, StoreError, check_new_pin};
use keis_mobile::sync::{self, Identity, SavedEnrolment, SyncClient, SyncConfig, SyncError};

use super::sync::RealSync;
use super::{ABORTED, Shared, lock, off_the_window, service_error};
use crate::services::{Access, Enrolment, Later, ServiceError, Session, UnlockError};

/// The session over the shared store.
pub struct RealSession {
    net: Net,
    sync: Rc<RealSync>,
    /// When the user last did something; what background work reads does not count.
    last_touch: Rc<Cell<Instant>>,
    idle_after: Duration,
}

/// What the session's network work needs, sent to a thread of its own so the window never
/// waits on the server; the store is locked only for each read or write, not across a
/// request.
#[derive(Clone)]
struct Net {
    store: Shared,
    server: Option<String>,
    timeout: Duration,
}

impl RealSession {
    /// `net`: the server (if the launcher names one) and the request timeout; `idle_after`:
    /// the store's inactivity time.
    pub(crate) fn new(
        store: Shared,
        sync: Rc<RealSync>,
        (server, timeout): (Option<String>, Duration),
        idle_after: Duration,
    ) -> Self {
        Self { net: Net { store, server, timeout }, sync, last_touch: Rc::new(Cell::new(Instant::now())), idle_after }
    }
}

/// The unlock screen's words for a store error.
pub(crate) fn unlock_error(e: StoreError) -> UnlockError {
    match e {
        StoreError::WrongPin { remaining } => UnlockError::WrongPin { remaining },
        StoreError::TooManyAttempts { retry_after_s } => UnlockError::TooManyAttempts { retry_after_s },
        StoreError::Wiped => UnlockError::Wiped,
        other => UnlockError::Other(other.to_string()),
    }
}

/// Why an unlocked store does not open into work.
#[derive(Debug, thiserror::Error)]
enum Closed {
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error(
        "Пристрій схвалено, але вам не призначено жодної посади. Зверніться до адміністратора громади / \
         The device is approved but holds no position. Ask the hromada's administrator"
    )]
    NoPositions,
}

impl From<StoreError> for Closed {
    fn from(e: StoreError) -> Self {
        Self::Sync(e.into())
    }
}

/// The typed positions of the saved identity.
fn saved_positions(store: &mut Store) -> Result<Vec<Position>, SyncError> {
    let identity = Identity::load(store)?;
    Ok(identity.iter().flat_map(|i| i.positions.iter().filter_map(|p| p.position())).collect())
}

/// Runs `job` on a current-thread runtime of its own, on the calling thread: a worker
/// thread of [`off_the_window`], never inside the window's runtime.
fn on_own_runtime<T>(job: impl FnOnce(&tokio::runtime::Runtime) -> Result<T, SyncError>) -> Result<T, SyncError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| SyncError::Local(e.to_string()))?;
    job(&rt)
}

/// Signs in once (the session's answer saves the positions).
fn sign_in(store: &Mutex<Store>, timeout: Duration) -> Result<(), SyncError> {
    on_own_runtime(move |rt| {
        let mut client = SyncClient::new(SyncConfig { timeout, ..SyncConfig::default() });
        rt.block_on(client.sign_in(store)).map(|_| ())
    })
}

fn pending(saved: SavedEnrolment) -> Access {
    Access::Enrol(Enrolment::Pending {
        server: saved.server,
        device_id: saved.enrolment.device_id,
        approval_code: saved.enrolment.approval_code,
    })
}

impl Net {
    fn not_enrolled(&self) -> Access {
        Access::Enrol(Enrolment::NotEnrolled { server: self.server.clone().unwrap_or_default() })
    }

    /// What the unlocked store allows. Unlocking never waits on the server: a device not
    /// yet approved gets its code shown again (the screen then asks, off the window's
    /// thread). Asking signs in: a revoked device wipes its store.
    fn access(&self, ask_server: bool) -> Result<Access, Closed> {
        let Some(saved) = sync::saved_enrolment(&mut lock(&self.store))? else { return Ok(self.not_enrolled()) };
        if let Some(s) = &self.server
            && s.trim_end_matches('/') != saved.server.trim_end_matches('/')
        {
            tracing::warn!(given = %s, enrolled = %saved.server, "the device is enrolled with another server; using that one");
        }
        if !ask_server && !saved.approved {
            return Ok(pending(saved));
        }
        if ask_server {
            match sign_in(&self.store, self.timeout) {
                Ok(()) => {}
                Err(SyncError::Revoked) => {
                    tracing::warn!("the server says this device was revoked: wiping the local data");
                    lock(&self.store).wipe_now()?;
                    return Err(SyncError::Revoked.into());
                }
                Err(e) => return Err(e.into()),
            }
        }
        let positions = saved_positions(&mut lock(&self.store))?;
        if positions.is_empty() {
            return match sync::saved_enrolment(&mut lock(&self.store))? {
                Some(s) if !s.approved => Ok(pending(s)),
                _ => Err(Closed::NoPositions),
            };
        }
        Ok(Access::Positions(positions))
    }

    fn unlock(&self, pin: &Pin) -> Result<Access, UnlockError> {
        lock(&self.store).unlock(pin).map_err(unlock_error)?;
        match self.access(false) {
            Ok(access) => Ok(access),
            Err(Closed::Sync(SyncError::Revoked)) => Err(UnlockError::Wiped),
            Err(e) => {
                // Nobody can work without a position: do not leave the data open.
                lock(&self.store).lock();
                Err(UnlockError::Other(e.to_string()))
            }
        }
    }

    fn enrol(&self, server: &str, name: &str) -> Result<Enrolment, ServiceError> {
        if sync::saved_enrolment(&mut lock(&self.store)).map_err(service_error)?.is_some() {
            return match self.access(false).map_err(service_error)? {
                Access::Enrol(e) => Ok(e),
                Access::Positions(_) => Err(ServiceError(
                    "пристрій уже зареєстровано й схвалено; заблокуйте й розблокуйте його / \
                     the device is already enrolled and approved; lock and unlock it"
                        .into(),
                )),
            };
        }
        let store: &Mutex<Store> = &self.store;
        let e = on_own_runtime(|rt| rt.block_on(sync::enrol(store, server, name))).map_err(service_error)?;
        Ok(Enrolment::Pending { server: server.to_owned(), device_id: e.device_id, approval_code: e.approval_code })
    }

    fn check_approval(&self) -> Result<Access, ServiceError> {
        match self.access(true) {
            Err(Closed::Sync(SyncError::Pending)) => sync::saved_enrolment(&mut lock(&self.store))
                .map_err(service_error)?
                .map(pending)
                .ok_or_else(|| service_error(SyncError::NotEnrolled)),
            other => other.map_err(service_error),
        }
    }
}

/// After the store opened into `access`: the sync worker starts counting.
fn opened(sync: &RealSync, access: Access) -> Access {
    if matches!(access, Access::Positions(_)) {
        sync.refresh();
    }
    access
}

impl Session for RealSession {
    fn needs_setup(&self) -> bool {
        lock(&self.net.store).is_wiped()
    }

    fn create(&self, pin: &str) -> Later<Enrolment> {
        if let Err(e) = check_new_pin(pin) {
            return Box::pin(std::future::ready(Err(service_error(e))));
        }
        let (net, pin) = (self.net.clone(), Pin::new(pin));
        off_the_window(
            move || {
                lock(&net.store).create_here(&pin).map_err(service_error)?;
                match net.not_enrolled() {
                    Access::Enrol(e) => Ok(e),
                    Access::Positions(_) => Err(ServiceError("unreachable".into())),
                }
            },
            || ServiceError(ABORTED.into()),
        )
    }

    fn unlock(&self, pin: &str) -> Later<Access, UnlockError> {
        let (net, pin) = (self.net.clone(), Pin::new(pin));
        let asked = off_the_window(move || net.unlock(&pin), || UnlockError::Other(ABORTED.into()));
        let (sync, last_touch) = (self.sync.clone(), self.last_touch.clone());
        Box::pin(async move {
            let access = asked.await?;
            // Unlocking is the user's doing.
            last_touch.set(Instant::now());
            Ok(opened(&sync, access))
        })
    }

    fn enrol(&self, server: &str, name: &str) -> Later<Enrolment> {
        let (net, server, name) = (self.net.clone(), server.to_owned(), name.to_owned());
        off_the_window(move || net.enrol(&server, &name), || ServiceError(ABORTED.into()))
    }

    fn check_approval(&self) -> Later<Access> {
        let net = self.net.clone();
        let (asked, sync) =
            (off_the_window(move || net.check_approval(), || ServiceError(ABORTED.into())), self.sync.clone());
        Box::pin(async move { Ok(opened(&sync, asked.await?)) })
    }

    fn lock(&self) {
        lock(&self.net.store).lock();
    }

    fn touch(&self) {
        self.last_touch.set(Instant::now());
        lock(&self.net.store).touch();
    }

    fn idle(&self) -> bool {
        self.last_touch.get().elapsed() >= self.idle_after || !lock(&self.net.store).is_unlocked()
    }
}
