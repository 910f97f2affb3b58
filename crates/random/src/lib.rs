//! `wasi:random/random`, `insecure` and `insecure-seed`, as the policy's `random` section says:
//! seeded (every value reproducible from the seed, so NOT cryptographically secure) or denied.
//!
//! A `"host"` policy plugs no adapter, so this one never needs the host's generators and does not
//! import them. The generator lives in `interpose_policy::random`, tested natively.
//!
//! Built with the `p3` feature it is the WASI 0.3 adapter (`wit/p3/world.wit`, module `p3`): it
//! serves 0.3's interfaces by calling the 0.2 ones, which the composer wires to this adapter's 0.2
//! build as the policy decides. So an app that uses both versions (a Rust 0.3 app built for
//! wasm32-wasip2) draws from one seeded generator, as it would from one host: a 0.3 call and a
//! 0.2 call never return the same "random" bytes twice. A 0.3 app alone gets the bytes a 0.2 app
//! would for the same seed and calls.

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

#[cfg(not(feature = "p3"))]
mod p2;
#[cfg(not(feature = "p3"))]
use p2::RandomAdapter;

#[cfg(feature = "p3")]
mod p3;
#[cfg(feature = "p3")]
use p3::RandomAdapter;

bindings::export!(RandomAdapter with_types_in bindings);
