//! The WASI 0.2 adapter: the seeded generators (or the denial) the policy configures.
use std::sync::{Mutex, OnceLock};

use crate::bindings::exports::wasi::random::{insecure, insecure_seed, random};
use crate::bindings::interpose::policy::source;
use crate::bindings::wasi::cli::stderr;
use interpose_policy::compiled;
use interpose_policy::random::{RandomRules, SeededRandom};

/// The generators, set up on first use; `None` when the policy denies random numbers.
fn generators() -> &'static Option<Mutex<SeededRandom>> {
    static GENERATORS: OnceLock<Option<Mutex<SeededRandom>>> = OnceLock::new();
    GENERATORS.get_or_init(|| {
        let rules: RandomRules =
            compiled::load_section_or_stop(source::len(), source::chunk, |e| e.random);
        match rules {
            RandomRules::Seeded(seed) => Some(Mutex::new(SeededRandom::new(seed))),
            RandomRules::Deny => None,
            RandomRules::Host => panic!(
                "interpose: the random adapter was plugged for a policy that passes random through"
            ),
        }
    })
}

/// Runs `f` on the seeded generators, or stops the app if the policy denies `interface`: these
/// functions cannot fail, so the adapter says why on the host's stderr, then traps.
fn with<R>(interface: &str, f: impl FnOnce(&mut SeededRandom) -> R) -> R {
    match generators() {
        Some(generators) => f(&mut generators.lock().unwrap()),
        None => {
            let message = format!(
                "interpose: the app used {interface}, which the policy denies (`random` is \
                 \"deny\"); the interface has no error channel, so the app is stopped\n"
            );
            let _ = stderr::get_stderr().blocking_write_and_flush(message.as_bytes());
            std::process::abort()
        }
    }
}

pub struct RandomAdapter;

impl random::Guest for RandomAdapter {
    fn get_random_bytes(len: u64) -> Vec<u8> {
        with("wasi:random/random", |g| g.random_bytes(len))
    }

    fn get_random_u64() -> u64 {
        with("wasi:random/random", SeededRandom::random_u64)
    }
}

impl insecure::Guest for RandomAdapter {
    fn get_insecure_random_bytes(len: u64) -> Vec<u8> {
        with("wasi:random/insecure", |g| g.insecure_bytes(len))
    }

    fn get_insecure_random_u64() -> u64 {
        with("wasi:random/insecure", SeededRandom::insecure_u64)
    }
}

impl insecure_seed::Guest for RandomAdapter {
    fn insecure_seed() -> (u64, u64) {
        with("wasi:random/insecure-seed", |g| g.insecure_seed())
    }
}
