//! `wasi:random/random`, `insecure` and `insecure-seed`, as the policy's `random` section says:
//! seeded (every value reproducible from the seed, so NOT cryptographically secure) or denied.
//!
//! A `"host"` policy plugs no adapter, so this one never needs the host's generators and does not
//! import them. The generator lives in `interpose_policy::random`, tested natively.
//!
//! Built with the `p3` feature it is the WASI 0.3 adapter (`wit/p3/world.wit`): the same
//! functions (`insecure-seed` is renamed `get-insecure-seed`), from a generator seeded the same
//! way, so a 0.3 app gets the bytes a 0.2 app would for the same seed and calls. It reports a
//! denial on the host's 0.2 stderr.

#[cfg(not(feature = "p3"))]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "interpose:adapters/random",
        generate_all,
    });
}

#[cfg(feature = "p3")]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/p3",
        world: "interpose:adapters-p3/random",
        generate_all,
    });
}

use std::sync::{Mutex, OnceLock};

#[cfg(not(feature = "p3"))]
use bindings::exports::wasi::random::{insecure, insecure_seed, random};
// The WIT of the 0.3 build holds WASI 0.2.0 too (for the report on stderr), so wit-bindgen names
// the modules of both versions with the version.
#[cfg(feature = "p3")]
use bindings::exports::wasi::random0_3_0::{insecure, insecure_seed, random};
use bindings::interpose::policy::source;
#[cfg(not(feature = "p3"))]
use bindings::wasi::cli::stderr;
#[cfg(feature = "p3")]
use bindings::wasi::cli0_2_0::stderr;
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

struct RandomAdapter;

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
    #[cfg(not(feature = "p3"))]
    fn insecure_seed() -> (u64, u64) {
        with("wasi:random/insecure-seed", |g| g.insecure_seed())
    }

    #[cfg(feature = "p3")]
    fn get_insecure_seed() -> (u64, u64) {
        with("wasi:random/insecure-seed", |g| g.insecure_seed())
    }
}

bindings::export!(RandomAdapter with_types_in bindings);
