//! The WASI 0.3 adapter: `system-clock` and `monotonic-clock` served by the 0.2 clocks it
//! imports, which the composer wires to the 0.2 build of this adapter (or to the host) as the
//! policy decides for an app's 0.2 clocks. Virtual time therefore lives in one place whichever
//! version the app reads it through, and this module decides nothing: the policy section, the
//! virtual clocks and the denials are the 0.2 adapter's.

// The WIT holds WASI 0.2.0 and 0.3.0, so wit-bindgen names the modules of both with the version.
use crate::bindings::exports::wasi::clocks0_3_0::monotonic_clock::{self, Duration, Mark};
use crate::bindings::exports::wasi::clocks0_3_0::system_clock::{self, Instant};
use crate::bindings::wasi::clocks0_2_0::monotonic_clock as clock02;
use crate::bindings::wasi::clocks0_2_0::wall_clock as wall02;

const NANOS_PER_SEC: u64 = 1_000_000_000;

pub struct ClocksAdapter;

impl system_clock::Guest for ClocksAdapter {
    fn now() -> Instant {
        let now = wall02::now();
        Instant {
            // Past `s64` seconds (never: a policy's date or the host's time), the latest instant.
            seconds: i64::try_from(now.seconds).unwrap_or(i64::MAX),
            nanoseconds: now.nanoseconds,
        }
    }

    fn get_resolution() -> Duration {
        // 0.2 gives a `datetime`, 0.3 nanoseconds; saturating.
        let resolution = wall02::resolution();
        resolution
            .seconds
            .saturating_mul(NANOS_PER_SEC)
            .saturating_add(u64::from(resolution.nanoseconds))
    }
}

impl monotonic_clock::Guest for ClocksAdapter {
    fn now() -> Mark {
        clock02::now()
    }

    fn get_resolution() -> Duration {
        clock02::resolution()
    }

    // The composer plugs this adapter in front of a monotonic clock only if the policy changes
    // it (virtual or denied), and then the 0.2 clock here is the 0.2 adapter's too (the same
    // rule decides it): a virtual wait is done when it is created (virtual time moves, and the
    // pollable is ready at once), a denied one stops the app. So the pollable is only dropped.
    // Not blocking on it also keeps this adapter's `wasi:io/poll` import down to the resource
    // type, which is what the 0.2 adapter imports: the two share the host's.
    async fn wait_until(when: Mark) {
        drop(clock02::subscribe_instant(when));
    }

    async fn wait_for(how_long: Duration) {
        drop(clock02::subscribe_duration(how_long));
    }
}
