//! `wasi:clocks/wall-clock` and `wasi:clocks/monotonic-clock`, as the policy's `clocks` section
//! says: the host's, virtual (frozen, stepping, or moved only by waits), or denied.
//!
//! The virtual clocks themselves live in `interpose_policy::clocks`, shared with the composer and
//! tested natively; this crate only connects them to the interfaces.
//!
//! The composer routes a clock here only if the policy changes it (virtual or denied); a
//! `"host"` clock stays wired to the host. So the adapter does not import the host's wall clock
//! at all: a frozen wall clock cannot reach the host's time. It imports the host's monotonic
//! clock for the pollables that end virtual waits.
//!
//! Waiting on a virtual monotonic clock: `wasi:io/poll` is not exported (the app keeps the host's
//! pollables and `poll`), so `subscribe-duration` and `subscribe-instant` move virtual time
//! forward and return a host pollable that is already ready (the host's `subscribe-duration(0)`).
//! A virtual sleep therefore ends at once and costs no real time. In a `poll` list with host
//! pollables (streams, sockets) it is ready at once too, so `poll` returns immediately with it
//! and whichever host pollables are ready then (a host may report a ready host pollable first
//! and the expired timer on the next call: wasmtime yields once on an expired timer).

//!
//! Built with the `p3` feature it is the WASI 0.3 adapter (`wit/p3/world.wit`, module `p3`): it
//! serves `system-clock` (0.3's wall clock) and `monotonic-clock` by calling the 0.2 clocks, which
//! the composer wires to this adapter's 0.2 build as the policy decides. So an app that uses both
//! versions (a Rust 0.3 app built for wasm32-wasip2) has one virtual clock: a 0.3 `wait-for` moves
//! the time std's `Instant` reads, and a stepping clock counts the reads of both.

#[cfg(not(feature = "p3"))]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "interpose:adapters/clocks",
        generate_all,
    });
}

#[cfg(feature = "p3")]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/p3",
        world: "interpose:adapters-p3/clocks",
        generate_all,
    });
}

#[cfg(not(feature = "p3"))]
mod p2;
#[cfg(not(feature = "p3"))]
use p2::ClocksAdapter;

#[cfg(feature = "p3")]
mod p3;
#[cfg(feature = "p3")]
use p3::ClocksAdapter;

bindings::export!(ClocksAdapter with_types_in bindings);
