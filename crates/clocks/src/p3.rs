//! The WASI 0.3 interfaces: `system-clock` (0.2's `wall-clock`) and `monotonic-clock`, whose waits
//! are async functions. On a virtual monotonic clock `wait-for` and `wait-until` move the clock
//! forward and return at once, costing no real time; on the host's (never routed here by the
//! composer, but served) they wait on the host's.

use super::{VirtualMonotonic, monotonic, virtual_monotonic, wall};
// The WIT holds WASI 0.2.0 too (for the report on stderr), so wit-bindgen names the modules of
// both versions with the version.
use crate::bindings::exports::wasi::clocks0_3_0::monotonic_clock::{self, Duration, Mark};
use crate::bindings::exports::wasi::clocks0_3_0::system_clock::{self, Instant};
use crate::bindings::wasi::clocks0_3_0::monotonic_clock as host_monotonic;
use interpose_policy::clocks as rules;

/// A virtual wall time as a 0.3 instant. Virtual time starts from a policy's date, far inside
/// `s64` seconds; past it (never), the latest instant.
fn instant(time: rules::Datetime) -> Instant {
    Instant {
        seconds: i64::try_from(time.seconds).unwrap_or(i64::MAX),
        nanoseconds: time.nanoseconds,
    }
}

/// A resolution as a 0.3 duration (nanoseconds), saturating.
fn nanos(time: rules::Datetime) -> Duration {
    u64::try_from(time.as_nanos()).unwrap_or(u64::MAX)
}

pub struct ClocksAdapter;

impl system_clock::Guest for ClocksAdapter {
    fn now() -> Instant {
        wall(|clock| instant(clock.now()))
    }

    fn get_resolution() -> Duration {
        wall(|clock| nanos(clock.resolution()))
    }
}

impl monotonic_clock::Guest for ClocksAdapter {
    fn now() -> Mark {
        monotonic(host_monotonic::now, VirtualMonotonic::now)
    }

    fn get_resolution() -> Duration {
        monotonic(host_monotonic::get_resolution, |clock| clock.resolution())
    }

    async fn wait_until(when: Mark) {
        // The lock is released before any await: the virtual wait never awaits.
        match virtual_monotonic() {
            Some(clock) => clock.lock().unwrap().wait_until(when),
            None => host_monotonic::wait_until(when).await,
        }
    }

    async fn wait_for(how_long: Duration) {
        match virtual_monotonic() {
            Some(clock) => clock.lock().unwrap().wait_for(how_long),
            None => host_monotonic::wait_for(how_long).await,
        }
    }
}
