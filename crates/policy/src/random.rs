//! Random rules: what the `random` adapter enforces, and the seeded generator it runs.
//!
//! The generator is ChaCha20 as implemented by the RustCrypto `chacha20` crate (`ChaCha20Rng`,
//! the generator behind `rand`'s `StdRng`). The 32-byte key is the seed as 8 little-endian bytes
//! followed by 24 zero bytes; each interface reads its own stream of that key, so how much one
//! interface is used never changes what another returns:
//!
//! - stream 0: `wasi:random/random` (`get-random-bytes`, `get-random-u64`),
//! - stream 1: `wasi:random/insecure` (`get-insecure-random-bytes`, `get-insecure-random-u64`),
//! - stream 2: `wasi:random/insecure-seed`, whose first two `u64`s are the seed it returns on
//!   every call.
//!
//! Values are the generator's `next_u64` and `fill_bytes` outputs, in call order. The output is a
//! pure function of the seed and of the order of calls: anyone who knows the seed can predict
//! every value. That is the point (reproducible runs), and why a seeded `wasi:random/random` is
//! not secure.

use alloc::vec;
use alloc::vec::Vec;
use chacha20::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// Rules for `wasi:random/random`, `wasi:random/insecure` and `wasi:random/insecure-seed`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum RandomRules {
    /// The host's generators.
    #[default]
    Host,
    /// Every call traps: the functions have no error channel.
    Deny,
    /// Every value comes from a ChaCha20 generator seeded with this.
    Seeded(u64),
}

/// The seeded generators of one run.
#[derive(Debug)]
pub struct SeededRandom {
    secure: ChaCha20Rng,
    insecure: ChaCha20Rng,
    insecure_seed: (u64, u64),
}

impl SeededRandom {
    pub fn new(seed: u64) -> Self {
        let stream = |stream: u64| {
            let mut key = [0u8; 32];
            key[..8].copy_from_slice(&seed.to_le_bytes());
            let mut rng = ChaCha20Rng::from_seed(key);
            rng.set_stream(stream);
            rng
        };
        let mut seeds = stream(2);
        let insecure_seed = (seeds.next_u64(), seeds.next_u64());
        SeededRandom {
            secure: stream(0),
            insecure: stream(1),
            insecure_seed,
        }
    }

    /// `get-random-bytes`.
    pub fn random_bytes(&mut self, len: u64) -> Vec<u8> {
        fill(&mut self.secure, len)
    }

    /// `get-random-u64`.
    pub fn random_u64(&mut self) -> u64 {
        self.secure.next_u64()
    }

    /// `get-insecure-random-bytes`.
    pub fn insecure_bytes(&mut self, len: u64) -> Vec<u8> {
        fill(&mut self.insecure, len)
    }

    /// `get-insecure-random-u64`.
    pub fn insecure_u64(&mut self) -> u64 {
        self.insecure.next_u64()
    }

    /// `insecure-seed`: the same pair on every call, as the interface intends.
    pub fn insecure_seed(&self) -> (u64, u64) {
        self.insecure_seed
    }
}

fn fill(rng: &mut ChaCha20Rng, len: u64) -> Vec<u8> {
    // The host would fail to allocate too; this traps the same way.
    let mut bytes = vec![0; usize::try_from(len).expect("interpose: random byte count too large")];
    rng.fill_bytes(&mut bytes);
    bytes
}
