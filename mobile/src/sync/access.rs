//! How the sync client reaches the store: a moment at a time, never across a wait on the
//! network. The app shares its store between the screens and the sync worker
//! (`&Mutex<Store>`), so a round holds the screens up for one store operation at most,
//! not for as long as the network takes; the CLI and tests own theirs (`&mut Store`).

use std::sync::{Mutex, PoisonError};

use crate::store::Store;

/// Access to the store for the length of one closure.
pub trait StoreAccess {
    /// Runs `f` with the store (locked for that long, if shared).
    fn with<R>(&mut self, f: impl FnOnce(&mut Store) -> R) -> R;
}

impl StoreAccess for &mut Store {
    fn with<R>(&mut self, f: impl FnOnce(&mut Store) -> R) -> R {
        f(self)
    }
}

impl StoreAccess for &Mutex<Store> {
    fn with<R>(&mut self, f: impl FnOnce(&mut Store) -> R) -> R {
        // A panic on another thread does not make the store unusable.
        f(&mut self.lock().unwrap_or_else(PoisonError::into_inner))
    }
}
