//! The writer lock of one document: fork, authorise and append see no other append to the
//! document in between, so a connection's cached fork is exactly the stored document.
//!
//! Not a `MutexGuard`: a connection that handles several frames at once holds the locks
//! of the documents it wrote until their group commit is durable (see `host`), and hands
//! each [`Held`] to the task that waits for that commit. Dropping a [`Held`] releases the
//! lock, however its holder ends (a panic included).

use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use super::Hub;

/// A binary lock with explicit acquire and release.
#[derive(Debug, Default)]
pub(crate) struct DocLock {
    held: Mutex<bool>,
    freed: Condvar,
}

fn lock(m: &Mutex<bool>) -> MutexGuard<'_, bool> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl DocLock {
    fn acquire(&self) {
        let mut held = lock(&self.held);
        while *held {
            held = self.freed.wait(held).unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *held = true;
    }

    fn try_acquire(&self) -> bool {
        let mut held = lock(&self.held);
        !std::mem::replace(&mut *held, true)
    }

    fn release(&self) {
        *lock(&self.held) = false;
        self.freed.notify_one();
    }
}

/// The writer lock of one document, held until dropped.
#[derive(Debug)]
pub(crate) struct Held {
    hub: Arc<Hub>,
    doc: String,
    lock: Option<Arc<DocLock>>,
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(l) = self.lock.take() {
            l.release();
            self.hub.release_writer(&self.doc, l);
        }
    }
}

impl Hub {
    /// Waits for the writer lock of `doc`. Blocking: call it on a blocking thread, and
    /// not while holding another document's lock (two connections could wait on each
    /// other).
    pub(crate) fn hold(self: &Arc<Self>, doc: &str) -> Held {
        let l = self.writer(doc);
        l.acquire();
        Held { hub: Arc::clone(self), doc: doc.to_owned(), lock: Some(l) }
    }

    /// The writer lock of `doc` if no one holds it.
    pub(crate) fn try_hold(self: &Arc<Self>, doc: &str) -> Option<Held> {
        let l = self.writer(doc);
        if l.try_acquire() {
            return Some(Held { hub: Arc::clone(self), doc: doc.to_owned(), lock: Some(l) });
        }
        self.release_writer(doc, l);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_is_released_when_dropped_even_on_another_thread() {
        let l = Arc::new(DocLock::default());
        l.acquire();
        assert!(!l.try_acquire(), "held");
        let other = Arc::clone(&l);
        let waiter = std::thread::spawn(move || {
            other.acquire();
            other.release();
        });
        std::thread::sleep(std::time::Duration::from_millis(20));
        l.release();
        waiter.join().expect("the waiter gets the lock once it is released");
        assert!(l.try_acquire(), "free again");
    }
}
