//! A device with no store yet (first start) or whose store was wiped (revoked, or the
//! tenth wrong PIN): the app opens an *absent* store, and the user makes a new one there
//! with a PIN chosen on the spot. The rule for such a PIN is [`check_new_pin`].

use std::path::Path;
use std::sync::Arc;

use automerge::ActorId;

use super::{Clock, Pin, Rng, Store, StoreConfig, StoreError};

/// Digits a PIN chosen on the device must have at least.
pub const NEW_PIN_DIGITS: usize = 6;
/// And at most (a longer one is a password; nobody types it at a kitchen table).
const MAX_PIN_DIGITS: usize = 12;

/// Why a PIN chosen on the device is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WeakPin {
    #[error("PIN-код має містити лише цифри / The PIN must be digits only")]
    NotDigits,
    #[error("PIN-код має містити від 6 до 12 цифр / The PIN must have 6 to 12 digits")]
    Length,
    #[error(
        "Такий PIN-код легко вгадати (однакові цифри або цифри підряд). Оберіть інший / \
         This PIN is easy to guess (one digit repeated, or digits in a row). Choose another"
    )]
    Guessable,
}

/// Whether `pin` may protect a new store: 6 to 12 digits, not one digit repeated and not
/// a straight run up or down (`123456`, `987654`), the first PINs a thief tries.
/// (The store itself accepts any PIN of 4 characters or more, for scripted set-ups.)
pub fn check_new_pin(pin: &str) -> Result<(), WeakPin> {
    if !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(WeakPin::NotDigits);
    }
    if !(NEW_PIN_DIGITS..=MAX_PIN_DIGITS).contains(&pin.len()) {
        return Err(WeakPin::Length);
    }
    let d: Vec<i16> = pin.bytes().map(|b| i16::from(b - b'0')).collect();
    let steps: Vec<i16> = d.windows(2).map(|w| w[1] - w[0]).collect();
    if steps.iter().all(|&s| s == 0) || steps.iter().all(|&s| s == 1) || steps.iter().all(|&s| s == -1) {
        return Err(WeakPin::Guessable);
    }
    Ok(())
}

impl Store {
    /// Opens the store in `dir` locked, or, if there is none, an absent one that only
    /// [`Store::create_here`] can fill (every other operation says [`StoreError::Wiped`]).
    pub fn open_or_absent(
        dir: &Path,
        config: StoreConfig,
        clock: Arc<dyn Clock>,
        rng: Rng,
    ) -> Result<Self, StoreError> {
        if Self::exists(dir) {
            return Self::open(dir, config, clock, rng);
        }
        Ok(Self {
            dir: dir.to_owned(),
            conn: None,
            config,
            clock,
            rng,
            actor: ActorId::from(&[0u8; 16][..]),
            unlocked: None,
            edits: 0,
        })
    }

    /// Makes a new store protected by `pin` where this absent or wiped one is, and leaves
    /// it unlocked. Refuses to replace a store that exists.
    pub fn create_here(&mut self, pin: &Pin) -> Result<(), StoreError> {
        if self.conn.is_some() || Self::exists(&self.dir) {
            return Err(StoreError::AlreadyExists(self.dir.clone()));
        }
        let fresh = Self::create(&self.dir, pin, self.config, self.clock.clone(), self.rng.clone())?;
        *self = fresh;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_pin_is_six_to_twelve_digits_and_not_a_run() {
        for good in ["482916", "135790", "112233", "000001", "482916482916"] {
            assert_eq!(check_new_pin(good), Ok(()), "{good}");
        }
        assert_eq!(check_new_pin("4829"), Err(WeakPin::Length));
        assert_eq!(check_new_pin("4829164829164"), Err(WeakPin::Length));
        assert_eq!(check_new_pin("48291a"), Err(WeakPin::NotDigits));
        assert_eq!(check_new_pin("４８２９１６"), Err(WeakPin::NotDigits), "full-width digits are not digits here");
        for weak in ["000000", "777777777", "123456", "3456789", "987654", "6543210"] {
            assert_eq!(check_new_pin(weak), Err(WeakPin::Guessable), "{weak}");
        }
    }
}
