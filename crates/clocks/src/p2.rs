//! The WASI 0.2 adapter: the clocks the policy configures, connected to `wall-clock` and
//! `monotonic-clock` with pollables.

use std::sync::{Mutex, OnceLock};

use crate::bindings::exports::wasi::clocks::monotonic_clock::{self, Duration, Instant};
use crate::bindings::exports::wasi::clocks::wall_clock::{self, Datetime};
use crate::bindings::interpose::policy::source;
use crate::bindings::wasi::cli::stderr;
use crate::bindings::wasi::clocks::monotonic_clock as host_monotonic;
use crate::bindings::wasi::io::poll::Pollable;
use interpose_policy::clocks::{
    self as rules, ClockRules, MonotonicRule, VirtualMonotonic, VirtualWall, WallRule,
};
use interpose_policy::compiled;

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
        Clock::Deny => denied("wasi:clocks/wall-clock", "clocks.wall"),
        Clock::Virtual(clock) => virtual_clock(&mut clock.lock().unwrap()),
    }
}

fn monotonic<R>(
    host: impl FnOnce() -> R,
    virtual_clock: impl FnOnce(&mut VirtualMonotonic) -> R,
) -> R {
    match &clocks().monotonic {
        Clock::Host => host(),
        Clock::Deny => denied("wasi:clocks/monotonic-clock", "clocks.monotonic"),
        Clock::Virtual(clock) => virtual_clock(&mut clock.lock().unwrap()),
    }
}

fn ours(time: rules::Datetime) -> Datetime {
    Datetime {
        seconds: time.seconds,
        nanoseconds: time.nanoseconds,
    }
}

/// A pollable that is ready at once: the end of a virtual wait.
fn ready() -> Pollable {
    host_monotonic::subscribe_duration(0)
}

pub struct ClocksAdapter;

impl wall_clock::Guest for ClocksAdapter {
    fn now() -> Datetime {
        wall(|clock| ours(clock.now()))
    }

    fn resolution() -> Datetime {
        wall(|clock| ours(clock.resolution()))
    }
}

impl monotonic_clock::Guest for ClocksAdapter {
    fn now() -> Instant {
        monotonic(host_monotonic::now, VirtualMonotonic::now)
    }

    fn resolution() -> Duration {
        monotonic(host_monotonic::resolution, |clock| clock.resolution())
    }

    fn subscribe_instant(when: Instant) -> Pollable {
        monotonic(
            || host_monotonic::subscribe_instant(when),
            |clock| {
                clock.wait_until(when);
                ready()
            },
        )
    }

    fn subscribe_duration(when: Duration) -> Pollable {
        monotonic(
            || host_monotonic::subscribe_duration(when),
            |clock| {
                clock.wait_for(when);
                ready()
            },
        )
    }
}
