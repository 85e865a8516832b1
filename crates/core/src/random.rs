//! The injectable source of randomness. Domain code draws verification amounts, codes and IDs
//! from a [`Random`]; production uses the operating system's CSPRNG ([`OsRandom`]), tests a
//! [`SeededRandom`] so that a whole run can be replayed from one printed seed.
//!
//! Encryption nonces and API secrets do not come from here: they always use the OS CSPRNG
//! (see `crypto`), because replaying them would be a weakness, not a convenience.

use rand::rngs::StdRng;
use rand::{CryptoRng, RngCore, SeedableRng};
use std::sync::Mutex;
use uuid::Uuid;

pub trait Random: Send + Sync + std::fmt::Debug {
    fn fill(&self, dest: &mut [u8]);

    /// An independent source for one component (`label`), so that work running concurrently
    /// in another component cannot shift this one's draws: a seeded source derives a child
    /// seed from its own seed and the label.
    fn fork(&self, label: &str) -> std::sync::Arc<dyn Random>;
}

/// The operating system's CSPRNG.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

impl Random for OsRandom {
    fn fill(&self, dest: &mut [u8]) {
        rand::rngs::OsRng.fill_bytes(dest);
    }

    fn fork(&self, _label: &str) -> std::sync::Arc<dyn Random> {
        std::sync::Arc::new(OsRandom)
    }
}

/// A deterministic generator (ChaCha, through `StdRng`) started from a seed.
#[derive(Debug)]
pub struct SeededRandom {
    seed: u64,
    rng: Mutex<StdRng>,
}

impl SeededRandom {
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
        }
    }

    /// The seed in `PENNYDROP_SEED` if set (to replay a failure), otherwise a fresh one.
    pub fn from_env_or_fresh() -> Self {
        let seed = std::env::var("PENNYDROP_SEED")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or_else(|| rand::rngs::OsRng.next_u64());
        Self::new(seed)
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }
}

impl Random for SeededRandom {
    fn fill(&self, dest: &mut [u8]) {
        self.rng
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .fill_bytes(dest);
    }

    fn fork(&self, label: &str) -> std::sync::Arc<dyn Random> {
        // FNV-1a of the label, mixed into the parent's seed.
        let salt = label.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        std::sync::Arc::new(SeededRandom::new(self.seed ^ salt))
    }
}

/// A [`Random`] as an `rand` generator, for the rules that take `&mut dyn RngCore`.
pub struct Rng<'a>(pub &'a dyn Random);

impl RngCore for Rng<'_> {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.0.fill(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.0.fill(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.0.fill(dest);
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
        self.0.fill(dest);
        Ok(())
    }
}

/// Both implementations are cryptographically strong generators.
impl CryptoRng for Rng<'_> {}

/// A random (version 4) UUID drawn from `random`.
pub fn uuid(random: &dyn Random) -> Uuid {
    let mut bytes = [0u8; 16];
    random.fill(&mut bytes);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_replays_the_same_draws() {
        let a = SeededRandom::new(7);
        let b = SeededRandom::new(7);
        assert_eq!(uuid(&a), uuid(&b));
        assert_eq!(Rng(&a).next_u64(), Rng(&b).next_u64());
        assert_ne!(uuid(&SeededRandom::new(8)), uuid(&SeededRandom::new(9)));
    }

    #[test]
    fn forks_are_independent_and_replayable() {
        let parent = SeededRandom::new(7);
        let a = parent.fork("ach");
        let again = SeededRandom::new(7).fork("ach");
        assert_eq!(uuid(a.as_ref()), uuid(again.as_ref()));
        assert_ne!(
            uuid(parent.fork("ach").as_ref()),
            uuid(parent.fork("other").as_ref())
        );
    }

    #[test]
    fn uuids_are_version_4() {
        assert_eq!(uuid(&OsRandom).get_version_num(), 4);
        assert_eq!(uuid(&SeededRandom::new(1)).get_version_num(), 4);
    }
}
