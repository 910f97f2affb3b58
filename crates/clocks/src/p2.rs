//! The WASI 0.2 interfaces: `wall-clock`, and `monotonic-clock` with pollables.

use super::{VirtualMonotonic, monotonic, wall};
use crate::bindings::exports::wasi::clocks::monotonic_clock::{self, Duration, Instant};
use crate::bindings::exports::wasi::clocks::wall_clock::{self, Datetime};
use crate::bindings::wasi::clocks::monotonic_clock as host_monotonic;
use crate::bindings::wasi::io::poll::Pollable;
use interpose_policy::clocks as rules;

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
