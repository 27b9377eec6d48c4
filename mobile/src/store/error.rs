//! What can go wrong with the local store, in words the user can act on.
//!
//! The variants the unlock screen shows (wrong PIN, too many attempts, locked, wiped) say
//! what to do, Ukrainian first, then English. No variant ever carries a PIN, a key or a
//! decrypted payload.

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "Неправильний PIN-код. Залишилось спроб до стирання даних: {remaining} / Wrong PIN. Attempts left before the local data is wiped: {remaining}"
    )]
    WrongPin { remaining: u32 },
    #[error(
        "Забагато неправильних спроб. Спробуйте знову через {retry_after_s} с / Too many wrong PINs. Try again in {retry_after_s} s"
    )]
    TooManyAttempts { retry_after_s: i64 },
    #[error("Сховище заблоковано. Введіть PIN-код / The store is locked. Enter your PIN")]
    Locked,
    #[error(
        "Дані на цьому пристрої стерто. Зареєструйте пристрій знову й синхронізуйтеся / The data on this device was wiped. Enrol the device again and sync"
    )]
    Wiped,
    #[error("на пристрої немає сховища в {0:?} / there is no store at {0:?} on this device")]
    NoStore(std::path::PathBuf),
    #[error("сховище вже існує в {0:?} / a store already exists at {0:?}")]
    AlreadyExists(std::path::PathBuf),
    #[error("справи {0} немає на пристрої / case {0} is not on this device")]
    NotFound(String),
    #[error("файлу {0} немає на пристрої / blob {0} is not on this device")]
    BlobNotFound(String),
    /// A stored row failed authentication: damaged storage or tampering. The data is not
    /// used; syncing again restores what the server holds.
    #[error(
        "збережені дані пошкоджено або змінено ({what}); синхронізуйтеся знову / stored data is damaged or was tampered with ({what}); sync again"
    )]
    Tampered { what: &'static str },
    #[error("некоректний PIN-код: {0} / unacceptable PIN: {0}")]
    BadPin(&'static str),
    #[error("криптографічна операція не вдалася / a cryptographic operation failed")]
    Crypto,
    #[error("база даних сховища: {0} / the store's database: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("файлова система: {0} / the file system: {0}")]
    Io(#[from] std::io::Error),
    /// Boxed: a case error is large, and rare on this path.
    #[error(transparent)]
    Case(Box<keis_crdt::CaseError>),
    #[error("документ справи пошкоджено: {0} / the case document is damaged: {0}")]
    Automerge(#[from] automerge::AutomergeError),
}

impl From<keis_crdt::CaseError> for StoreError {
    fn from(e: keis_crdt::CaseError) -> Self {
        Self::Case(Box::new(e))
    }
}

impl From<ring::error::Unspecified> for StoreError {
    fn from(_: ring::error::Unspecified) -> Self {
        Self::Crypto
    }
}
