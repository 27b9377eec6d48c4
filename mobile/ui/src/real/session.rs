//! The real [`Session`]: the PIN unlocks the encrypted store; the positions are the ones
//! the device's last server session carried (signing in once if it never has).

use std::rc::Rc;
use std::time::Duration;

use keis_crdt::Position;
use keis_mobile::store::{Pin, Store, StoreError};
use keis_mobile::sync::{Identity, SyncClient, SyncConfig};

use super::sync::RealSync;
use super::{Shared, lock};
use crate::services::{Session, UnlockError};

/// The session over the shared store.
pub struct RealSession {
    store: Shared,
    sync: Rc<RealSync>,
    server: Option<String>,
    timeout: Duration,
}

impl RealSession {
    pub(crate) fn new(store: Shared, sync: Rc<RealSync>, server: Option<String>, timeout: Duration) -> Self {
        Self { store, sync, server, timeout }
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

fn no_positions() -> UnlockError {
    UnlockError::Other(
        "Пристрій не має посад: зареєструйте його (keis enrol), дочекайтеся схвалення адміністратора й синхронізуйтеся / \
         The device holds no positions: enrol it (keis enrol), wait for the administrator's approval and sync"
            .into(),
    )
}

/// The typed positions of the saved identity.
fn saved_positions(store: &mut Store) -> Result<(Option<Identity>, Vec<Position>), UnlockError> {
    let identity = Identity::load(store).map_err(|e| UnlockError::Other(e.to_string()))?;
    let positions = identity.iter().flat_map(|i| i.positions.iter().filter_map(|p| p.position())).collect();
    Ok((identity, positions))
}

/// Signs in once (the session's answer saves the positions), on a thread and runtime of
/// its own: the caller may be inside the renderer's runtime, where blocking on another
/// runtime panics.
fn sign_in(store: &mut Store, timeout: Duration) -> Result<(), UnlockError> {
    std::thread::scope(|scope| {
        let job = scope.spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| UnlockError::Other(e.to_string()))?;
            let mut client = SyncClient::new(SyncConfig { timeout, ..SyncConfig::default() });
            rt.block_on(client.sign_in(store)).map(|_| ()).map_err(|e| UnlockError::Other(e.to_string()))
        });
        job.join()
            .unwrap_or_else(|_| Err(UnlockError::Other("вхід на сервер перервано / the sign-in was aborted".into())))
    })
}

impl RealSession {
    /// The positions of the unlocked store, signing in if none are saved yet.
    fn positions(&self, store: &mut Store) -> Result<Vec<Position>, UnlockError> {
        let (identity, mut positions) = saved_positions(store)?;
        let Some(identity) = identity.filter(|i| !i.device_id.is_empty()) else {
            return Err(no_positions());
        };
        if let Some(s) = &self.server
            && s.trim_end_matches('/') != identity.server.trim_end_matches('/')
        {
            tracing::warn!(given = %s, enrolled = %identity.server, "the device is enrolled with another server; using that one");
        }
        if positions.is_empty() {
            sign_in(store, self.timeout)?;
            positions = saved_positions(store)?.1;
        }
        if positions.is_empty() {
            return Err(no_positions());
        }
        Ok(positions)
    }
}

impl Session for RealSession {
    fn unlock(&self, pin: &str) -> Result<Vec<Position>, UnlockError> {
        let mut store = lock(&self.store);
        store.unlock(&Pin::new(pin)).map_err(unlock_error)?;
        match self.positions(&mut store) {
            Ok(positions) => {
                drop(store);
                self.sync.refresh();
                Ok(positions)
            }
            Err(e) => {
                // Nobody can work without a position: do not leave the data open.
                store.lock();
                Err(e)
            }
        }
    }

    fn lock(&self) {
        lock(&self.store).lock();
    }
}
