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
//! Built with the `p3` feature it is the WASI 0.3 adapter (`wit/p3/world.wit`, module `p3`): the
//! wall clock is `wasi:clocks/system-clock` there, and waiting is the async `wait-for` and
//! `wait-until`, which on a virtual clock only move it forward and return at once. The clocks and
//! the policy section are the same.

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
#[cfg(feature = "p3")]
mod p3;

use std::sync::{Mutex, OnceLock};

use bindings::interpose::policy::source;
#[cfg(not(feature = "p3"))]
use bindings::wasi::cli::stderr;
#[cfg(feature = "p3")]
use bindings::wasi::cli0_2_0::stderr;
use interpose_policy::clocks::{
    ClockRules, MonotonicRule, VirtualMonotonic, VirtualWall, WallRule,
};
use interpose_policy::compiled;

/// What the app calls the wall clock in the messages of a denial.
#[cfg(not(feature = "p3"))]
const WALL: &str = "wasi:clocks/wall-clock";
#[cfg(feature = "p3")]
const WALL: &str = "wasi:clocks/system-clock";

/// One clock as the policy configures it.
enum Clock<V> {
    Host,
    Deny,
    Virtual(Mutex<V>),
}

struct Clocks {
    wall: Clock<VirtualWall>,
    monotonic: Clock<VirtualMonotonic>,
}

/// The clocks, set up on first use. A policy that does not decode was not produced by the
/// composer this adapter was built with; there is no error channel, so that is a trap.
fn clocks() -> &'static Clocks {
    static CLOCKS: OnceLock<Clocks> = OnceLock::new();
    CLOCKS.get_or_init(|| {
        let rules: ClockRules =
            compiled::load_section_or_stop(source::len(), source::chunk, |e| e.clocks);
        Clocks {
            wall: match rules.wall {
                WallRule::Host => Clock::Host,
                WallRule::Deny => Clock::Deny,
                WallRule::Virtual { start, step } => {
                    Clock::Virtual(Mutex::new(VirtualWall::new(start, step)))
                }
            },
            monotonic: match rules.monotonic {
                MonotonicRule::Host => Clock::Host,
                MonotonicRule::Deny => Clock::Deny,
                MonotonicRule::Virtual { start, step } => {
                    Clock::Virtual(Mutex::new(VirtualMonotonic::new(start, step)))
                }
            },
        }
    })
}

/// These functions cannot fail, so the adapter stops the app: says why on the host's stderr,
/// then traps.
fn stop(message: &str) -> ! {
    let _ = stderr::get_stderr().blocking_write_and_flush(message.as_bytes());
    std::process::abort()
}

fn denied(interface: &str, key: &str) -> ! {
    stop(&format!(
        "interpose: the app used {interface}, which the policy denies (`{key}` is \"deny\"); \
         the interface has no error channel, so the app is stopped\n"
    ))
}

fn wall<R>(virtual_clock: impl FnOnce(&mut VirtualWall) -> R) -> R {
    match &clocks().wall {
        // The composer wires a "host" wall clock straight to the host, never here.
        Clock::Host => stop(
            "interpose: internal error: the clocks adapter was plugged for a \"host\" wall \
             clock; please report it\n",
        ),
        Clock::Deny => denied(WALL, "clocks.wall"),
        Clock::Virtual(clock) => virtual_clock(&mut clock.lock().unwrap()),
    }
}

/// The virtual monotonic clock; `None` for the host's. Stops the app if the policy denies it.
fn virtual_monotonic() -> Option<&'static Mutex<VirtualMonotonic>> {
    match &clocks().monotonic {
        Clock::Host => None,
        Clock::Deny => denied("wasi:clocks/monotonic-clock", "clocks.monotonic"),
        Clock::Virtual(clock) => Some(clock),
    }
}

fn monotonic<R>(
    host: impl FnOnce() -> R,
    virtual_clock: impl FnOnce(&mut VirtualMonotonic) -> R,
) -> R {
    match virtual_monotonic() {
        None => host(),
        Some(clock) => virtual_clock(&mut clock.lock().unwrap()),
    }
}

#[cfg(not(feature = "p3"))]
use p2::ClocksAdapter;
#[cfg(feature = "p3")]
use p3::ClocksAdapter;

bindings::export!(ClocksAdapter with_types_in bindings);
