//! What the Android side hands to Rust and back, between the platform's threads (NFC
//! reader callbacks, activity results) and the screens' services: the card last put on
//! the back of the tablet, the photos the camera took, and the one thing Rust asks of
//! Android (open the camera). Pure state: the JNI entry points ([`crate::java`]) fill it,
//! the services ([`crate::nfc`], [`crate::camera`]) take from it, and tests drive it
//! directly.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use keis_device::chip::android::IsoDepLink;

/// A card presented longer ago than this is not used: it has surely left the field, and
/// reading it would only fail with a confusing "card moved away".
pub const TAG_FRESH_FOR: Duration = Duration::from_secs(60);

/// Photos waiting to be taken; older ones are dropped past this (the files stay for the
/// app's cache cleanup).
const MAX_WAITING_PHOTOS: usize = 16;

/// The card's link as the NFC callback hands it over.
pub type Tag = Box<dyn IsoDepLink + Send>;

/// What Rust asks of the Android side.
pub trait Platform: Send + Sync {
    /// Opens the camera; the photo comes back through [`Bridge::photo_taken`].
    fn open_camera(&self) -> Result<(), String>;

    /// Starts looking for a card when "read" finds none (iOS: Core NFC reads only in a
    /// session the user started); Android's reader mode is always on, so by default
    /// nothing.
    fn start_card_reader(&self) -> Result<(), String> {
        Ok(())
    }
}

struct Presented {
    tag: Tag,
    at: Instant,
}

/// The shared state; one per process ([`bridge`]), or one per test.
#[derive(Default)]
pub struct Bridge {
    tag: Mutex<Option<Presented>>,
    photos: Mutex<VecDeque<PathBuf>>,
    platform: OnceLock<Box<dyn Platform>>,
    files_dir: OnceLock<PathBuf>,
}

impl std::fmt::Debug for Bridge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bridge")
            .field("tag", &guard(&self.tag).is_some())
            .field("photos", &guard(&self.photos).len())
            .field("files_dir", &self.files_dir.get())
            .finish_non_exhaustive()
    }
}

/// Locks `m`; a panic on another thread does not make the bridge unusable.
fn guard<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The process's bridge, shared by the JNI entry points and the app's services.
pub fn bridge() -> Arc<Bridge> {
    static BRIDGE: OnceLock<Arc<Bridge>> = OnceLock::new();
    BRIDGE.get_or_init(Arc::default).clone()
}

impl Bridge {
    /// The NFC reader saw a card (the newest replaces any earlier one).
    pub fn tag_presented(&self, tag: Tag, at: Instant) {
        tracing::debug!("an NFC card was presented");
        *guard(&self.tag) = Some(Presented { tag, at });
    }

    /// The card to read now: presented at most [`TAG_FRESH_FOR`] before `now`; taken, so
    /// the next read waits for the card to be presented again.
    pub fn take_tag(&self, now: Instant) -> Option<Tag> {
        let presented = guard(&self.tag).take()?;
        (now.saturating_duration_since(presented.at) <= TAG_FRESH_FOR).then_some(presented.tag)
    }

    /// The camera saved a photo at `path`.
    pub fn photo_taken(&self, path: PathBuf) {
        let mut photos = guard(&self.photos);
        photos.push_back(path);
        while photos.len() > MAX_WAITING_PHOTOS {
            photos.pop_front();
        }
    }

    /// The oldest photo not yet taken into a case.
    pub fn take_photo(&self) -> Option<PathBuf> {
        guard(&self.photos).pop_front()
    }

    /// Set once, when the activity registers: how Rust reaches Android.
    pub fn set_platform(&self, platform: Box<dyn Platform>) {
        if self.platform.set(platform).is_err() {
            tracing::debug!("the platform was already registered");
        }
    }

    /// The registered platform, if the activity has registered.
    pub fn platform(&self) -> Option<&dyn Platform> {
        self.platform.get().map(|p| &**p)
    }

    /// Set once: the app's private files directory (`Context.getFilesDir()`).
    pub fn set_files_dir(&self, dir: PathBuf) {
        if self.files_dir.set(dir).is_err() {
            tracing::debug!("the files directory was already set");
        }
    }

    /// The app's private files directory, once the activity has registered.
    pub fn files_dir(&self) -> Option<&PathBuf> {
        self.files_dir.get()
    }
}

#[cfg(test)]
mod tests {
    use keis_device::chip::android::IsoDepError;

    use super::*;

    struct Dummy;

    impl IsoDepLink for Dummy {
        fn transceive(&mut self, _apdu: &[u8]) -> Result<Vec<u8>, IsoDepError> {
            Ok(vec![0x90, 0x00])
        }
        fn max_transceive_length(&self) -> usize {
            261
        }
        fn extended_length_supported(&self) -> bool {
            false
        }
    }

    #[test]
    fn a_card_is_read_once_and_only_while_fresh() {
        let b = Bridge::default();
        let t0 = Instant::now();
        assert!(b.take_tag(t0).is_none(), "no card yet");
        b.tag_presented(Box::new(Dummy), t0);
        assert!(b.take_tag(t0 + TAG_FRESH_FOR).is_some(), "fresh");
        assert!(b.take_tag(t0 + TAG_FRESH_FOR).is_none(), "taken: the card must be presented again");
        b.tag_presented(Box::new(Dummy), t0);
        assert!(b.take_tag(t0 + TAG_FRESH_FOR + Duration::from_millis(1)).is_none(), "stale");
        assert!(b.take_tag(t0).is_none(), "a stale card is dropped, not kept");
    }

    #[test]
    fn photos_are_taken_oldest_first_and_the_queue_is_bounded() {
        let b = Bridge::default();
        for n in 0..20 {
            b.photo_taken(PathBuf::from(format!("/cache/photo-{n}.jpg")));
        }
        assert_eq!(b.take_photo(), Some(PathBuf::from("/cache/photo-4.jpg")), "the 4 oldest were dropped");
        assert_eq!(std::iter::from_fn(|| b.take_photo()).count(), 15);
    }
}
