//! Clock rules: what the `clocks` adapter enforces, and the virtual clocks it runs.
//!
//! A virtual clock is a small state machine: it starts at a fixed value, may advance by a fixed
//! step on every read, and (for the monotonic clock) advances by exactly the requested amount
//! when the app waits. Nothing in it depends on the host, so a run reads the same times on every
//! host, every time.

use serde::{Deserialize, Serialize};

/// Nanoseconds in a second.
pub const NANOS_PER_SEC: u64 = 1_000_000_000;

/// A point in wall-clock time: `wasi:clocks/wall-clock`'s `datetime`, seconds and nanoseconds
/// since the Unix epoch (1970-01-01T00:00:00Z).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Datetime {
    pub seconds: u64,
    /// Always below one second.
    pub nanoseconds: u32,
}

impl Datetime {
    /// `seconds` and `nanoseconds`, carrying whole seconds out of `nanoseconds`.
    pub fn new(seconds: u64, nanoseconds: u64) -> Datetime {
        Datetime::from_nanos(
            u128::from(seconds) * u128::from(NANOS_PER_SEC) + u128::from(nanoseconds),
        )
    }

    /// This time plus `nanos`, saturating at the largest representable time.
    pub fn add_nanos(self, nanos: u64) -> Datetime {
        Datetime::from_nanos(self.as_nanos() + u128::from(nanos))
    }

    /// Nanoseconds since the epoch.
    pub fn as_nanos(self) -> u128 {
        u128::from(self.seconds) * u128::from(NANOS_PER_SEC) + u128::from(self.nanoseconds)
    }

    fn from_nanos(nanos: u128) -> Datetime {
        let per_sec = u128::from(NANOS_PER_SEC);
        match u64::try_from(nanos / per_sec) {
            Ok(seconds) => Datetime {
                seconds,
                nanoseconds: (nanos % per_sec) as u32,
            },
            Err(_) => Datetime {
                seconds: u64::MAX,
                nanoseconds: (NANOS_PER_SEC - 1) as u32,
            },
        }
    }

    /// A duration in nanoseconds as a `datetime` (how `wall-clock.resolution` reports it).
    pub fn from_duration(nanos: u64) -> Datetime {
        Datetime::new(0, nanos)
    }
}

/// Rules for `wasi:clocks/wall-clock` and `wasi:clocks/monotonic-clock`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockRules {
    pub wall: WallRule,
    pub monotonic: MonotonicRule,
}

impl ClockRules {
    /// Whether anything differs from the host's clocks (otherwise no adapter is needed).
    pub fn attenuates(&self) -> bool {
        self.wall != WallRule::Host || self.monotonic != MonotonicRule::Host
    }
}

/// `wasi:clocks/wall-clock`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum WallRule {
    /// The host's clock.
    #[default]
    Host,
    /// Every call traps: the functions have no error channel.
    Deny,
    /// A virtual clock: the first read returns `start`, each read after it `step` nanoseconds
    /// later. `step == 0` is a frozen clock.
    Virtual { start: Datetime, step: u64 },
}

/// `wasi:clocks/monotonic-clock`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum MonotonicRule {
    /// The host's clock and the host's timers.
    #[default]
    Host,
    /// Every call traps: the functions have no error channel.
    Deny,
    /// A virtual clock starting at `start` nanoseconds. Each read returns the current value and
    /// then advances it by `step` (0: reads never advance it). Waits advance it too: see
    /// [`VirtualMonotonic`].
    Virtual { start: u64, step: u64 },
}

/// The state of a virtual wall clock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VirtualWall {
    next: Datetime,
    step: u64,
}

impl VirtualWall {
    pub fn new(start: Datetime, step: u64) -> Self {
        VirtualWall { next: start, step }
    }

    /// `now`: the current time; the clock then moves `step` forward.
    pub fn now(&mut self) -> Datetime {
        let now = self.next;
        self.next = now.add_nanos(self.step);
        now
    }

    /// `resolution`: the step, or one nanosecond for a frozen clock (the finest a `datetime`
    /// can express; a frozen clock never ticks, so any value is as true as another).
    pub fn resolution(&self) -> Datetime {
        Datetime::from_duration(self.step.max(1))
    }
}

/// The state of a virtual monotonic clock.
///
/// Virtual time moves only when the app reads the clock (by `step`, if not 0) or waits:
/// `subscribe-duration(d)` moves it `d` forward and `subscribe-instant(t)` moves it to `t` (if
/// `t` is in the future), at the moment the pollable is created. The pollable is then ready at
/// once, so sleeping costs no real time and every timeout fires immediately, always in the same
/// order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VirtualMonotonic {
    now: u64,
    step: u64,
}

impl VirtualMonotonic {
    pub fn new(start: u64, step: u64) -> Self {
        VirtualMonotonic { now: start, step }
    }

    /// `now`: the current instant; the clock then moves `step` forward.
    pub fn now(&mut self) -> u64 {
        let now = self.now;
        self.now = now.saturating_add(self.step);
        now
    }

    /// `resolution`: the step, or one nanosecond when only waits move the clock (they move it by
    /// any number of nanoseconds).
    pub fn resolution(&self) -> u64 {
        self.step.max(1)
    }

    /// `subscribe-duration(duration)`: the wait is over as soon as it starts.
    pub fn wait_for(&mut self, duration: u64) {
        self.now = self.now.saturating_add(duration);
    }

    /// `subscribe-instant(when)`: virtual time jumps to `when`; never backwards.
    pub fn wait_until(&mut self, when: u64) {
        self.now = self.now.max(when);
    }
}

/// Splits days since the epoch into a proleptic Gregorian (year, month, day).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    // Howard Hinnant's `civil_from_days`.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days since the epoch of a proleptic Gregorian date; `month` 1..=12, `day` 1..=31.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = year - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let month = i64::from(month);
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// RFC 3339 in UTC, with as many fractional digits as needed: `2024-01-01T00:00:00Z`,
/// `2024-01-01T00:00:00.25Z`.
impl core::fmt::Display for Datetime {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let days = (self.seconds / 86_400) as i64;
        let rest = self.seconds % 86_400;
        let (year, month, day) = civil_from_days(days);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            rest / 3600,
            rest / 60 % 60,
            rest % 60
        )?;
        if self.nanoseconds != 0 {
            let mut digits = 9;
            let mut fraction = self.nanoseconds;
            while fraction.is_multiple_of(10) {
                fraction /= 10;
                digits -= 1;
            }
            write!(f, ".{fraction:0digits$}")?;
        }
        f.write_str("Z")
    }
}
