//! The `clocks` section, its times and durations.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer, MapAccess, Unexpected, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::access::{Access, Rules};
use crate::clocks::{
    ClockRules, Datetime, MonotonicRule, NANOS_PER_SEC, WallRule, days_from_civil,
};

const TIME_EXAMPLE: &str =
    r#"an RFC 3339 time such as "2024-01-01T00:00:00Z" or {"seconds": S, "nanoseconds": N}"#;
const DURATION_EXAMPLE: &str = r#"a duration: a whole number and a unit (ns, us, ms, s, m, h) such as "1ms", or a number of nanoseconds"#;

/// The `clocks` section: `wasi:clocks/wall-clock` and `wasi:clocks/monotonic-clock`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClocksPolicy {
    /// `"host"` (default), `"deny"` (reading it traps), `{"frozen": TIME}` or
    /// `{"start": TIME, "step": DURATION}` (each read advances the clock by `step`).
    #[serde(default)]
    pub wall: WallClockPolicy,
    /// `"host"` (default), `"deny"` (reading or waiting traps), `"virtual"` (starts at 0, moves
    /// only when the app waits, and waits are instant) or `{"start": DURATION, "step": DURATION}`
    /// (a virtual clock that also advances by `step` on each read).
    #[serde(default)]
    pub monotonic: MonotonicClockPolicy,
}

/// `clocks.wall`: `"deny"`: reading it traps.
pub type WallClockPolicy = Access<WallClockRules>;

/// A wall clock of interpose's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum WallClockRules {
    /// Every read returns this time.
    Frozen(ClockTime),
    /// The first read returns `start`, each later read `step` more.
    #[serde(untagged)]
    Stepping {
        start: ClockTime,
        #[serde(default)]
        step: ClockDuration,
    },
}

/// `clocks.monotonic`: `"deny"`: reading the clock or waiting on it traps.
pub type MonotonicClockPolicy = Access<MonotonicClockRules>;

/// A monotonic clock of interpose's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MonotonicClockRules {
    /// Virtual time from 0: reads do not advance it; waiting for a duration or an instant moves it
    /// there at once, so sleeps take no real time.
    Virtual,
    /// Virtual time from `start` (default 0) that also advances by `step` on each read.
    #[serde(untagged)]
    Stepping {
        #[serde(default)]
        start: ClockDuration,
        #[serde(default)]
        step: ClockDuration,
    },
}

impl Rules for WallClockRules {
    const NAME: &'static str = "WallClockPolicy";
    const FORMS: &'static [&'static str] = &[
        r#"{"frozen": TIME}"#,
        r#"{"start": TIME, "step": DURATION}"#,
    ];

    fn from_keyword(keyword: &str) -> Option<Result<Self, &'static str>> {
        (keyword == "frozen").then_some(Err(
            r#"`frozen` needs a time: {"frozen": "2024-01-01T00:00:00Z"}"#,
        ))
    }
}

impl Rules for MonotonicClockRules {
    const NAME: &'static str = "MonotonicClockPolicy";
    const FORMS: &'static [&'static str] =
        &[r#""virtual""#, r#"{"start": DURATION, "step": DURATION}"#];

    fn from_keyword(keyword: &str) -> Option<Result<Self, &'static str>> {
        (keyword == "virtual").then_some(Ok(MonotonicClockRules::Virtual))
    }
}

/// A wall-clock time: RFC 3339 text (`"2024-01-01T00:00:00Z"`, `"2024-01-01T01:00:00.5+01:00"`)
/// or `{"seconds": S, "nanoseconds": N}` since the Unix epoch. Written back as RFC 3339 in UTC.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClockTime(Datetime);

/// A duration in nanoseconds: `"500ns"`, `"10us"` (or `"10µs"`), `"1ms"`, `"2s"`, `"5m"`, `"1h"`,
/// or a number of nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClockDuration(pub u64);

impl ClocksPolicy {
    pub(super) fn compile(&self) -> ClockRules {
        ClockRules {
            wall: match self.wall {
                Access::Host => WallRule::Host,
                Access::Deny => WallRule::Deny,
                Access::Rules(WallClockRules::Frozen(time)) => WallRule::Virtual {
                    start: time.0,
                    step: 0,
                },
                Access::Rules(WallClockRules::Stepping { start, step }) => WallRule::Virtual {
                    start: start.0,
                    step: step.0,
                },
            },
            monotonic: match self.monotonic {
                Access::Host => MonotonicRule::Host,
                Access::Deny => MonotonicRule::Deny,
                Access::Rules(MonotonicClockRules::Virtual) => {
                    MonotonicRule::Virtual { start: 0, step: 0 }
                }
                Access::Rules(MonotonicClockRules::Stepping { start, step }) => {
                    MonotonicRule::Virtual {
                        start: start.0,
                        step: step.0,
                    }
                }
            },
        }
    }
}

/// Keys of the object forms of `wall` and `monotonic`. Deserialized as identifiers so that an
/// unknown key is reported with its own path (`clocks.wall.strat`).
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "lowercase")]
enum WallKey {
    Frozen,
    Start,
    Step,
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "lowercase")]
enum MonotonicKey {
    Start,
    Step,
}

fn once<T, E: de::Error>(slot: &mut Option<T>, value: T, name: &'static str) -> Result<(), E> {
    if slot.replace(value).is_some() {
        return Err(E::duplicate_field(name));
    }
    Ok(())
}

impl<'de> Deserialize<'de> for WallClockRules {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct WallVisitor;
        impl<'de> Visitor<'de> for WallVisitor {
            type Value = WallClockRules;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(r#"{"frozen": TIME} or {"start": TIME, "step": DURATION}"#)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WallClockRules, A::Error> {
                let (mut frozen, mut start, mut step) = (None, None, None);
                while let Some(key) = map.next_key::<WallKey>()? {
                    match key {
                        WallKey::Frozen => once(&mut frozen, map.next_value()?, "frozen")?,
                        WallKey::Start => once(&mut start, map.next_value()?, "start")?,
                        WallKey::Step => once(&mut step, map.next_value()?, "step")?,
                    }
                }
                match (frozen, start, step) {
                    (Some(time), None, None) => Ok(WallClockRules::Frozen(time)),
                    (None, Some(start), step) => Ok(WallClockRules::Stepping {
                        start,
                        step: step.unwrap_or_default(),
                    }),
                    (Some(_), _, _) => Err(de::Error::custom(
                        r#"`frozen` cannot be combined with `start` or `step`; a clock that advances is {"start": TIME, "step": DURATION}"#,
                    )),
                    (None, None, _) => Err(de::Error::custom(
                        r#"missing field `start`: expected {"frozen": TIME} or {"start": TIME, "step": DURATION}"#,
                    )),
                }
            }
        }
        d.deserialize_map(WallVisitor)
    }
}

impl<'de> Deserialize<'de> for MonotonicClockRules {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct MonotonicVisitor;
        impl<'de> Visitor<'de> for MonotonicVisitor {
            type Value = MonotonicClockRules;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(r#"{"start": DURATION, "step": DURATION}"#)
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<MonotonicClockRules, A::Error> {
                let (mut start, mut step) = (None, None);
                while let Some(key) = map.next_key::<MonotonicKey>()? {
                    match key {
                        MonotonicKey::Start => once(&mut start, map.next_value()?, "start")?,
                        MonotonicKey::Step => once(&mut step, map.next_value()?, "step")?,
                    }
                }
                Ok(MonotonicClockRules::Stepping {
                    start: start.unwrap_or_default(),
                    step: step.unwrap_or_default(),
                })
            }
        }
        d.deserialize_map(MonotonicVisitor)
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TimeVisitor;
        impl<'de> Visitor<'de> for TimeVisitor {
            type Value = ClockTime;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(TIME_EXAMPLE)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ClockTime, E> {
                parse_rfc3339(v).map(ClockTime).map_err(|why| {
                    E::custom(format!(
                        "invalid time `{v}`: {why}; expected {TIME_EXAMPLE}"
                    ))
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ClockTime, A::Error> {
                #[derive(Deserialize)]
                #[serde(deny_unknown_fields)]
                struct Parts {
                    seconds: u64,
                    #[serde(default)]
                    nanoseconds: u64,
                }
                let parts = Parts::deserialize(de::value::MapAccessDeserializer::new(map))?;
                if parts.nanoseconds >= NANOS_PER_SEC {
                    return Err(de::Error::custom(format!(
                        "`nanoseconds` must be below 1000000000, found {}",
                        parts.nanoseconds
                    )));
                }
                Ok(ClockTime(Datetime::new(parts.seconds, parts.nanoseconds)))
            }
        }
        d.deserialize_any(TimeVisitor)
    }
}

/// 10000-01-01T00:00:00Z: from here on a year has more than the four digits of RFC 3339.
const RFC3339_END: u64 = 253_402_300_800;

impl Serialize for ClockTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.seconds < RFC3339_END {
            return s.collect_str(&self.0);
        }
        // Past year 9999 RFC 3339 has no text for it, and the parser would refuse its own
        // output: written as seconds and nanoseconds instead.
        use serde::ser::SerializeStruct;
        let mut parts = s.serialize_struct("ClockTime", 2)?;
        parts.serialize_field("seconds", &self.0.seconds)?;
        parts.serialize_field("nanoseconds", &self.0.nanoseconds)?;
        parts.end()
    }
}

impl JsonSchema for ClockTime {
    fn schema_name() -> Cow<'static, str> {
        "ClockTime".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A wall-clock time: RFC 3339 text, or seconds and nanoseconds since the Unix epoch.",
            "oneOf": [
                { "type": "string", "format": "date-time", "examples": ["2024-01-01T00:00:00Z"] },
                {
                    "type": "object",
                    "properties": {
                        "seconds": { "type": "integer", "minimum": 0 },
                        "nanoseconds": { "type": "integer", "minimum": 0, "maximum": 999_999_999 }
                    },
                    "required": ["seconds"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

impl<'de> Deserialize<'de> for ClockDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct DurationVisitor;
        impl<'de> Visitor<'de> for DurationVisitor {
            type Value = ClockDuration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(DURATION_EXAMPLE)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ClockDuration, E> {
                Ok(ClockDuration(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ClockDuration, E> {
                u64::try_from(v)
                    .map(ClockDuration)
                    .map_err(|_| E::invalid_value(Unexpected::Signed(v), &self))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ClockDuration, E> {
                parse_duration(v).map(ClockDuration).map_err(|why| {
                    E::custom(format!(
                        "invalid duration `{v}`: {why}; expected {DURATION_EXAMPLE}"
                    ))
                })
            }
        }
        d.deserialize_any(DurationVisitor)
    }
}

impl Serialize for ClockDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl JsonSchema for ClockDuration {
    fn schema_name() -> Cow<'static, str> {
        "ClockDuration".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A duration: a whole number and a unit (ns, us, µs, ms, s, m, h), or a number of nanoseconds.",
            "oneOf": [
                { "type": "string", "pattern": "^[0-9]+(ns|us|µs|ms|s|m|h)?$", "examples": ["1ms"] },
                { "type": "integer", "minimum": 0 }
            ]
        })
    }
}

const UNITS: &[(&str, u64)] = &[
    ("h", 3600 * NANOS_PER_SEC),
    ("m", 60 * NANOS_PER_SEC),
    ("s", NANOS_PER_SEC),
    ("ms", 1_000_000),
    ("us", 1_000),
    ("µs", 1_000),
    ("ns", 1),
];

/// The shortest exact form: `1ms`, `1500us`, `0`.
impl fmt::Display for ClockDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0");
        }
        let (unit, size) = UNITS
            .iter()
            .find(|(_, size)| self.0.is_multiple_of(*size))
            .expect("every duration is a whole number of nanoseconds");
        write!(f, "{}{unit}", self.0 / size)
    }
}

/// `"1ms"` → 1 000 000. A unit is required except for `"0"`.
fn parse_duration(text: &str) -> Result<u64, String> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    if number.is_empty() {
        return Err("it does not start with a whole number".into());
    }
    let number: u64 = number
        .parse()
        .map_err(|_| "the number is too large".to_owned())?;
    let size = match unit {
        "" if number == 0 => 1,
        "" => return Err("the unit is missing".into()),
        unit => match UNITS.iter().find(|(name, _)| *name == unit) {
            Some((_, size)) => *size,
            None => return Err(format!("unknown unit `{unit}`")),
        },
    };
    number
        .checked_mul(size)
        .ok_or_else(|| "it does not fit in 64 bits of nanoseconds (about 584 years)".into())
}

/// RFC 3339 (`date-time` of section 5.6): `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`;
/// `t`, `z` and a space instead of `T` are accepted too. Leap seconds (`:60`) are not.
fn parse_rfc3339(text: &str) -> Result<Datetime, String> {
    let bytes = text.as_bytes();
    let number = |range: std::ops::Range<usize>, what: &str| -> Result<i64, String> {
        let part = text
            .get(range)
            .filter(|p| p.bytes().all(|b| b.is_ascii_digit()));
        part.and_then(|p| p.parse().ok())
            .ok_or_else(|| format!("the {what} is not a number"))
    };
    let separator = |at: usize, expected: &[u8], what: &str| -> Result<(), String> {
        match bytes.get(at) {
            Some(b) if expected.contains(b) => Ok(()),
            _ => Err(format!("expected {what} at character {}", at + 1)),
        }
    };
    if bytes.len() < 20 {
        return Err("it is too short".into());
    }
    let year = number(0..4, "year")?;
    separator(4, b"-", "`-`")?;
    let month = number(5..7, "month")?;
    separator(7, b"-", "`-`")?;
    let day = number(8..10, "day")?;
    separator(10, b"Tt ", "`T`")?;
    let hour = number(11..13, "hour")?;
    separator(13, b":", "`:`")?;
    let minute = number(14..16, "minute")?;
    separator(16, b":", "`:`")?;
    let second = number(17..19, "second")?;
    if !(1..=12).contains(&month) {
        return Err("the month must be 01 to 12".into());
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if day < 1 || day > month_days[month as usize - 1] {
        return Err(format!(
            "day {day:02} does not exist in {year:04}-{month:02}"
        ));
    }
    if hour > 23 || minute > 59 {
        return Err("the time of day is out of range".into());
    }
    if second > 59 {
        return Err("leap seconds and seconds above 59 are not supported".into());
    }
    let mut at = 19;
    let mut nanos = 0u64;
    if bytes[at] == b'.' {
        let digits = bytes[at + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 || digits > 9 {
            return Err("the fraction of a second must have 1 to 9 digits".into());
        }
        let fraction: u64 = text[at + 1..at + 1 + digits].parse().expect("digits");
        nanos = fraction * 10u64.pow(9 - digits as u32);
        at += 1 + digits;
    }
    let offset = match &text[at..] {
        "Z" | "z" => 0,
        zone if zone.len() == 6 && (zone.starts_with('+') || zone.starts_with('-')) => {
            separator(at + 3, b":", "`:` in the offset")?;
            let hours = number(at + 1..at + 3, "offset hour")?;
            let minutes = number(at + 4..at + 6, "offset minute")?;
            if hours > 23 || minutes > 59 {
                return Err("the offset is out of range".into());
            }
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            sign * (hours * 3600 + minutes * 60)
        }
        _ => return Err("it must end with `Z` or an offset such as `+01:00`".into()),
    };
    let seconds = days_from_civil(year, month as u32, day as u32) * 86_400
        + hour * 3600
        + minute * 60
        + second
        - offset;
    let seconds = u64::try_from(seconds)
        .map_err(|_| "it is before 1970-01-01T00:00:00Z, which wasi:clocks cannot express")?;
    Ok(Datetime::new(seconds, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trips_and_honours_offsets() {
        let parse = |t: &str| parse_rfc3339(t).map(|d| (d.seconds, d.nanoseconds));
        assert_eq!(parse("1970-01-01T00:00:00Z"), Ok((0, 0)));
        assert_eq!(parse("2024-01-01T00:00:00Z"), Ok((1_704_067_200, 0)));
        assert_eq!(
            parse("2024-01-01t01:00:00.5+01:00"),
            Ok((1_704_067_200, 500_000_000))
        );
        assert_eq!(
            parse("2023-12-31 19:00:00.000000001-05:00"),
            Ok((1_704_067_200, 1))
        );
        assert_eq!(parse("2024-02-29T12:34:56Z"), Ok((1_709_210_096, 0)));
        assert!(
            parse("2023-02-29T00:00:00Z")
                .unwrap_err()
                .contains("does not exist")
        );
        assert!(
            parse("1969-12-31T23:59:59Z")
                .unwrap_err()
                .contains("before 1970")
        );
        assert!(parse("2024-01-01T00:00:00").is_err());
        assert!(parse("2024-01-01T00:00:60Z").unwrap_err().contains("leap"));
        assert!(parse("2024-01-01T00:00:00.1234567891Z").is_err());
        assert!(parse("2024-1-01T00:00:00Z").is_err());
        for text in [
            "1970-01-01T00:00:00Z",
            "2024-02-29T12:34:56.25Z",
            "2038-01-19T03:14:08.000000001Z",
            "9999-12-31T23:59:59.999999999Z",
        ] {
            assert_eq!(parse_rfc3339(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn durations_need_units_and_print_in_the_largest_exact_one() {
        assert_eq!(parse_duration("1ms"), Ok(1_000_000));
        assert_eq!(parse_duration("10us"), Ok(10_000));
        assert_eq!(parse_duration("10µs"), Ok(10_000));
        assert_eq!(parse_duration("2s"), Ok(2_000_000_000));
        assert_eq!(parse_duration("500ns"), Ok(500));
        assert_eq!(parse_duration("1h"), Ok(3_600_000_000_000));
        assert_eq!(parse_duration("0"), Ok(0));
        assert!(parse_duration("1").unwrap_err().contains("unit is missing"));
        assert!(parse_duration("1 ms").unwrap_err().contains("unknown unit"));
        assert!(
            parse_duration("1.5ms")
                .unwrap_err()
                .contains("unknown unit")
        );
        assert!(parse_duration("ms").unwrap_err().contains("whole number"));
        assert!(
            parse_duration("99999999999h")
                .unwrap_err()
                .contains("64 bits")
        );
        for (ns, text) in [
            (0, "0"),
            (1_000_000, "1ms"),
            (1_500_000, "1500us"),
            (7_200_000_000_000, "2h"),
        ] {
            assert_eq!(ClockDuration(ns).to_string(), text);
        }
    }
}
