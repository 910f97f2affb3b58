//! The WASI 0.3 adapter: `wasi:random/random`, `insecure` and `insecure-seed` served by the 0.2
//! interfaces it imports, which the composer wires to the 0.2 build of this adapter as the policy
//! decides for an app's 0.2 random numbers. It decides nothing: the seed, the generators and the
//! denial (and its line on stderr) are the 0.2 adapter's.

// The WIT holds WASI 0.2.0 and 0.3.0, so wit-bindgen names the modules of both with the version.
use crate::bindings::exports::wasi::random0_3_0::{insecure, insecure_seed, random};
use crate::bindings::wasi::random0_2_0::{
    insecure as insecure02, insecure_seed as insecure_seed02, random as random02,
};

pub struct RandomAdapter;

// 0.3 may return fewer bytes than `max-len` asks for; these return all of them, as 0.2 does.
impl random::Guest for RandomAdapter {
    fn get_random_bytes(max_len: u64) -> Vec<u8> {
        random02::get_random_bytes(max_len)
    }

    fn get_random_u64() -> u64 {
        random02::get_random_u64()
    }
}

impl insecure::Guest for RandomAdapter {
    fn get_insecure_random_bytes(max_len: u64) -> Vec<u8> {
        insecure02::get_insecure_random_bytes(max_len)
    }

    fn get_insecure_random_u64() -> u64 {
        insecure02::get_insecure_random_u64()
    }
}

impl insecure_seed::Guest for RandomAdapter {
    fn get_insecure_seed() -> (u64, u64) {
        insecure_seed02::insecure_seed()
    }
}
