//! What the screens need from the rest of the app, as object-safe traits put into the
//! context, so a launcher passes real services and a test passes fakes. Synchronous on
//! purpose: every call is local (the encrypted store, the card reader, the camera); the
//! network is behind [`SyncService`], which runs in the background and is only polled.

use std::rc::Rc;

use keis_crdt::{Action, Catalogue, Position};
use keis_mobile::case_list::Lang;
use keis_mobile::views::journal::JournalRow;
use keis_mobile::views::text::pick;
use keis_mobile::views::wizard::{ChipData, NewApplication, Scan};

use keis_mobile::views::detail::CaseDetail;

/// Why the PIN did not unlock the store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnlockError {
    #[error(
        "Неправильний PIN-код. Залишилось спроб до стирання даних: {remaining} / Wrong PIN. Attempts left before the local data is wiped: {remaining}"
    )]
    WrongPin { remaining: u32 },
    #[error(
        "Забагато неправильних спроб. Спробуйте знову через {retry_after_s} с / Too many wrong PINs. Try again in {retry_after_s} s"
    )]
    TooManyAttempts { retry_after_s: i64 },
    #[error(
        "Дані на цьому пристрої стерто. Зареєструйте пристрій знову й синхронізуйтеся / The data on this device was wiped. Enrol the device again and sync"
    )]
    Wiped,
    /// Any other failure, already worded as "uk / en".
    #[error("{0}")]
    Other(String),
}

/// A failure of a service call, worded as "uk / en" for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ServiceError(pub String);

impl ServiceError {
    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> &str {
        pick(&self.0, lang)
    }
}

/// Where the device's enrolment with a server stands, while it cannot work yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enrolment {
    /// Never enrolled: the user gives the server's address (`server` is a suggestion,
    /// maybe empty) and a name for the device.
    NotEnrolled { server: String },
    /// Enrolled, waiting for the administrator: show the code to type when approving.
    Pending { server: String, device_id: String, approval_code: String },
}

/// What an unlocked store lets the user do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// Work, as one of these positions (посади).
    Positions(Vec<Position>),
    /// Enrol the device first, or wait for its approval (the store stays unlocked).
    Enrol(Enrolment),
}

/// The user's session: the PIN unlocks the store and tells which positions the user holds.
/// A device without a store (first start, or wiped) makes one with a new PIN, then enrols.
pub trait Session {
    /// There is no store on the device yet, or it was wiped: make one with [`Session::create`].
    fn needs_setup(&self) -> bool;
    /// Makes the store, protected by a new `pin` (see `keis_mobile::store::check_new_pin`),
    /// and leaves it unlocked, not yet enrolled.
    fn create(&self, pin: &str) -> Later<Enrolment>;
    /// Unlocks with `pin`: the positions the user may act as, or what enrolment needs.
    /// The key derivation takes a second on a slow tablet, so it runs off the window.
    fn unlock(&self, pin: &str) -> Later<Access, UnlockError>;
    /// Enrols the device with `server` under `name`; the code for the administrator.
    fn enrol(&self, server: &str, name: &str) -> Later<Enrolment>;
    /// Asks the server whether the device was approved: its positions, or still pending.
    fn check_approval(&self) -> Later<Access>;
    /// Locks the store again (on "lock" or idle).
    fn lock(&self);
    /// The user did something (a tap, a key): the inactivity timer starts again.
    fn touch(&self);
    /// Nobody has touched the app for the store's inactivity time (or the store locked
    /// itself): the screens close and the PIN is asked again.
    fn idle(&self) -> bool;
}

/// An answer the screen awaits (in a task) while the window keeps drawing: the work
/// behind it (the network, the key derivation) runs off the window's thread.
pub type Later<T, E = ServiceError> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, E>>>>;

/// The local cases.
pub trait CaseService {
    /// Every case on the device, as journal rows in `lang`.
    fn rows(&self, lang: Lang) -> Vec<JournalRow>;
    /// One case in detail.
    fn detail(&self, case_id: &str, lang: Lang) -> Result<CaseDetail, ServiceError>;
    /// Creates a case from the wizard's output and submits it to the hromada as `by`;
    /// returns the new case's id.
    fn create_application(&self, app: &NewApplication, by: &Position) -> Result<String, ServiceError>;
    /// The print-ready application (see [`crate::print::application_html`]).
    fn printable(&self, case_id: &str, lang: Lang) -> Result<String, ServiceError>;
    /// Takes a workflow action on a case as `by`.
    fn act(&self, case_id: &str, by: &Position, action: Action, comment: &str) -> Result<(), ServiceError>;
    /// Adds a visit or case-management record of `kind` (one of `keis_crdt::model::NOTE_KINDS`)
    /// authored by `by`.
    fn add_note(&self, case_id: &str, by: &Position, kind: &str, text: &str) -> Result<(), ServiceError>;
    /// A small image of a stored page, as a `data:` URL for an `img`; `None` when the page
    /// is not on this device (yet) or cannot be shown, and the screen shows a placeholder.
    /// Made off the window the first time (a page takes milliseconds to decode), then kept.
    fn thumbnail(&self, sha256: &str) -> Later<Option<String>>;
}

/// The state of synchronisation, polled by the shell.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SyncStatus {
    /// When the last sync finished, in ms since 1970 (UTC); `None` if never.
    pub last_sync_ms: Option<i64>,
    /// Changes made here and not yet sent.
    pub pending_changes: u32,
    /// Their size in bytes (documents and scans).
    pub pending_bytes: u64,
    /// While syncing: how far, 0.0 to 1.0.
    pub progress: Option<f32>,
    /// No connection to the server.
    pub offline: bool,
}

/// Background synchronisation with the server.
pub trait SyncService {
    fn status(&self) -> SyncStatus;
    /// Asks for a sync now (returns at once; progress shows in [`SyncService::status`]).
    fn sync_now(&self) -> Result<(), ServiceError>;
}

pub use keis_mobile::views::chip::ChipAccess;

/// The ID card reader (NFC or PC/SC).
pub trait ChipService {
    /// Reads the card: person data, photo, verification verdict.
    /// A read takes seconds (PACE, the photo): it runs off the window.
    fn read(&self, access: &ChipAccess) -> Later<ChipData>;
}

/// What pressing "capture" gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Capture {
    /// A page, through the scan pipeline and stored.
    Page(Scan),
    /// The platform's camera opened (its own activity on a tablet); the photo comes back
    /// meanwhile and the next press takes it.
    Opened,
}

/// The camera (or a file picker where there is none).
pub trait CameraService {
    /// Captures one page; the scan is already stored and hashed. The pipeline takes a
    /// second on a tablet, so it runs off the window.
    fn capture(&self) -> Later<Capture>;
    /// Takes image files the user chose (a scanner's output, photos sent to the laptop)
    /// through the same pipeline into the store: each one's scan, or why it was refused.
    fn import(&self, paths: Vec<std::path::PathBuf>) -> Later<Vec<Result<Scan, ServiceError>>>;
}

/// Everything the screens use, put into the context by [`crate::App`].
#[derive(Clone)]
pub struct Services {
    pub session: Rc<dyn Session>,
    pub cases: Rc<dyn CaseService>,
    pub sync: Rc<dyn SyncService>,
    pub chip: Rc<dyn ChipService>,
    pub camera: Rc<dyn CameraService>,
    pub catalogue: Rc<Catalogue>,
}

impl PartialEq for Services {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.session, &other.session)
            && Rc::ptr_eq(&self.cases, &other.cases)
            && Rc::ptr_eq(&self.sync, &other.sync)
            && Rc::ptr_eq(&self.chip, &other.chip)
            && Rc::ptr_eq(&self.camera, &other.camera)
            && Rc::ptr_eq(&self.catalogue, &other.catalogue)
    }
}
