//! Where the terminal's nonces and ephemeral keys come from. Injected so that tests replay
//! the ICAO worked examples byte for byte; production uses the operating system.

/// The operating system could not supply randomness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the device could not generate random numbers; restart the app and try again")]
pub struct RandomError;

/// A source of random bytes for RND.IFD, K.IFD and ephemeral private keys.
pub trait RandomSource {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError>;
}

/// The operating system's CSPRNG.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRandom;

impl RandomSource for OsRandom {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError> {
        getrandom::fill(dest).map_err(|_| RandomError)
    }
}

impl<R: RandomSource + ?Sized> RandomSource for &mut R {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError> {
        (**self).fill(dest)
    }
}

/// Replays fixed byte strings in order (tests and worked examples): each `fill` takes the
/// next queued chunk, which must have exactly the requested length.
#[derive(Debug, Clone, Default)]
pub struct ScriptedRandom {
    chunks: std::collections::VecDeque<Vec<u8>>,
}

impl ScriptedRandom {
    pub fn new(chunks: impl IntoIterator<Item = Vec<u8>>) -> Self {
        Self { chunks: chunks.into_iter().collect() }
    }
}

impl RandomSource for ScriptedRandom {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError> {
        match self.chunks.pop_front() {
            Some(chunk) if chunk.len() == dest.len() => {
                dest.copy_from_slice(&chunk);
                Ok(())
            }
            _ => Err(RandomError),
        }
    }
}
