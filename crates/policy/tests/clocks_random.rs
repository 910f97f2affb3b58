//! The `clocks` and `random` sections: parsing, compiling, and the virtual clocks and seeded
//! generator the adapters run.

use interpose_policy::Policy;
use interpose_policy::clocks::{
    ClockRules, Datetime, MonotonicRule, VirtualMonotonic, VirtualWall, WallRule,
};
use interpose_policy::compiled::decode;
use interpose_policy::random::{RandomRules, SeededRandom};

fn error(text: &str) -> String {
    Policy::parse(text, "p.json").unwrap_err().to_string()
}

fn clocks(json: &str) -> ClockRules {
    let policy = Policy::parse(json, "p.json").unwrap_or_else(|e| panic!("{e}"));
    let compiled = policy.compile();
    assert_eq!(decode(&policy.encode()).unwrap(), compiled);
    compiled.clocks.unwrap()
}

fn random(json: &str) -> RandomRules {
    let policy = Policy::parse(json, "p.json").unwrap_or_else(|e| panic!("{e}"));
    let compiled = policy.compile();
    assert_eq!(decode(&policy.encode()).unwrap(), compiled);
    compiled.random.unwrap()
}

const NEW_YEAR_2024: Datetime = Datetime {
    seconds: 1_704_067_200,
    nanoseconds: 0,
};

#[test]
fn wall_clock_forms() {
    assert_eq!(clocks(r#"{"clocks": {}}"#), ClockRules::default());
    assert!(!clocks(r#"{"clocks": {"wall": "host", "monotonic": "host"}}"#).attenuates());
    assert_eq!(
        clocks(r#"{"clocks": {"wall": "deny"}}"#).wall,
        WallRule::Deny
    );
    let frozen = WallRule::Virtual {
        start: NEW_YEAR_2024,
        step: 0,
    };
    assert_eq!(
        clocks(r#"{"clocks": {"wall": {"frozen": "2024-01-01T00:00:00Z"}}}"#).wall,
        frozen
    );
    assert_eq!(
        clocks(r#"{"clocks": {"wall": {"frozen": "2024-01-01T02:00:00+02:00"}}}"#).wall,
        frozen
    );
    assert_eq!(
        clocks(r#"{"clocks": {"wall": {"frozen": {"seconds": 1704067200}}}}"#).wall,
        frozen
    );
    assert_eq!(
        clocks(r#"{"clocks": {"wall": {"start": {"seconds": 1704067200, "nanoseconds": 5}, "step": "1ms"}}}"#)
            .wall,
        WallRule::Virtual {
            start: Datetime {
                seconds: 1_704_067_200,
                nanoseconds: 5
            },
            step: 1_000_000
        }
    );
    assert!(clocks(r#"{"clocks": {"wall": {"frozen": "2024-01-01T00:00:00Z"}}}"#).attenuates());
}

#[test]
fn monotonic_clock_forms() {
    let monotonic =
        |json: &str| clocks(&format!(r#"{{"clocks": {{"monotonic": {json}}}}}"#)).monotonic;
    assert_eq!(monotonic(r#""host""#), MonotonicRule::Host);
    assert_eq!(monotonic(r#""deny""#), MonotonicRule::Deny);
    assert_eq!(
        monotonic(r#""virtual""#),
        MonotonicRule::Virtual { start: 0, step: 0 }
    );
    assert_eq!(
        monotonic(r#"{"start": 0, "step": "1ms"}"#),
        MonotonicRule::Virtual {
            start: 0,
            step: 1_000_000
        }
    );
    assert_eq!(
        monotonic(r#"{"start": "2s", "step": 500}"#),
        MonotonicRule::Virtual {
            start: 2_000_000_000,
            step: 500
        }
    );
    assert_eq!(
        monotonic(r#"{"step": "10us"}"#),
        MonotonicRule::Virtual {
            start: 0,
            step: 10_000
        }
    );
}

#[test]
fn bad_clocks_are_reported_with_their_key_and_what_was_expected() {
    let cases = [
        (
            r#"{"clocks": "frozen"}"#,
            "`clocks`: invalid type: string \"frozen\", expected an object",
        ),
        (
            r#"{"clocks": {"wal": "host"}}"#,
            "`clocks.wal`: unknown field `wal`, expected `wall` or `monotonic`",
        ),
        (
            r#"{"clocks": {"wall": "frozen"}}"#,
            r#"`clocks.wall`: `frozen` needs a time: {"frozen": "2024-01-01T00:00:00Z"}"#,
        ),
        (
            r#"{"clocks": {"wall": "fixed"}}"#,
            r#"`clocks.wall`: invalid value: string "fixed", expected "host", "deny", {"frozen": TIME} or {"start": TIME, "step": DURATION}"#,
        ),
        (
            r#"{"clocks": {"wall": 5}}"#,
            r#"`clocks.wall`: invalid type: integer `5`, expected "host", "deny", {"frozen": TIME}"#,
        ),
        (
            r#"{"clocks": {"wall": {"frozen": "2024-13-01T00:00:00Z"}}}"#,
            "`clocks.wall.frozen`: invalid time `2024-13-01T00:00:00Z`: the month must be 01 to 12; \
             expected an RFC 3339 time such as \"2024-01-01T00:00:00Z\" or {\"seconds\": S, \"nanoseconds\": N}",
        ),
        (
            r#"{"clocks": {"wall": {"frozen": "2024-01-01"}}}"#,
            "`clocks.wall.frozen`: invalid time `2024-01-01`: it is too short",
        ),
        (
            r#"{"clocks": {"wall": {"frozen": 1704067200}}}"#,
            "`clocks.wall.frozen`: invalid type: integer `1704067200`, expected an RFC 3339 time",
        ),
        (
            r#"{"clocks": {"wall": {"frozen": {"seconds": 1, "nanoseconds": 1000000000}}}}"#,
            "`clocks.wall.frozen`: `nanoseconds` must be below 1000000000, found 1000000000",
        ),
        (
            r#"{"clocks": {"wall": {"frozen": {"secs": 1}}}}"#,
            "`clocks.wall.frozen.secs`: unknown field `secs`, expected `seconds` or `nanoseconds`",
        ),
        (
            r#"{"clocks": {"wall": {"strat": "2024-01-01T00:00:00Z"}}}"#,
            "`clocks.wall.strat`: unknown field `strat`, expected one of `frozen`, `start`, `step`",
        ),
        (
            r#"{"clocks": {"wall": {"step": "1ms"}}}"#,
            "`clocks.wall`: missing field `start`",
        ),
        (
            r#"{"clocks": {"wall": {"frozen": "2024-01-01T00:00:00Z", "step": "1ms"}}}"#,
            "`clocks.wall`: `frozen` cannot be combined with `start` or `step`",
        ),
        (
            r#"{"clocks": {"wall": {"start": "2024-01-01T00:00:00Z", "step": "1 ms"}}}"#,
            "`clocks.wall.step`: invalid duration `1 ms`: unknown unit ` ms`; expected a duration: \
             a whole number and a unit (ns, us, ms, s, m, h) such as \"1ms\", or a number of nanoseconds",
        ),
        (
            r#"{"clocks": {"monotonic": {"start": 0, "step": "5"}}}"#,
            "`clocks.monotonic.step`: invalid duration `5`: the unit is missing",
        ),
        (
            r#"{"clocks": {"monotonic": {"start": -1}}}"#,
            "`clocks.monotonic.start`: invalid value: integer `-1`, expected a duration",
        ),
        (
            r#"{"clocks": {"monotonic": "virtual-time"}}"#,
            r#"`clocks.monotonic`: invalid value: string "virtual-time", expected "host", "deny", "virtual" or {"start": DURATION, "step": DURATION}"#,
        ),
        (
            r#"{"clocks": {"monotonic": {"start": 0, "speed": 2}}}"#,
            "`clocks.monotonic.speed`: unknown field `speed`, expected `start` or `step`",
        ),
        (
            r#"{"clocks": {"monotonic": {"step": "1ms", "step": "2ms"}}}"#,
            "`clocks.monotonic`: duplicate field `step`",
        ),
    ];
    for (json, expected) in cases {
        let message = error(json);
        assert!(
            message.starts_with("p.json:1:") && message.contains(expected),
            "{json}\n  got:      {message}\n  expected: {expected}"
        );
    }
}

#[test]
fn random_forms() {
    assert_eq!(random(r#"{"random": "host"}"#), RandomRules::Host);
    assert_eq!(random(r#"{"random": "deny"}"#), RandomRules::Deny);
    assert_eq!(
        random(r#"{"random": {"seed": 42}}"#),
        RandomRules::Seeded(42)
    );
    assert_eq!(
        random(r#"{"random": {"seed": 18446744073709551615}}"#),
        RandomRules::Seeded(u64::MAX)
    );
    let cases = [
        (
            r#"{"random": "seeded"}"#,
            r#"`random`: invalid value: string "seeded", expected "host", "deny" or {"seed": <unsigned 64-bit integer>}"#,
        ),
        (
            r#"{"random": 42}"#,
            r#"`random`: invalid type: integer `42`, expected "host", "deny" or {"seed""#,
        ),
        (
            r#"{"random": {"seed": -1}}"#,
            "`random.seed`: invalid value: integer `-1`, expected u64",
        ),
        (
            r#"{"random": {"seed": "42"}}"#,
            "`random.seed`: invalid type: string \"42\", expected u64",
        ),
        (
            r#"{"random": {"seed": 1.5}}"#,
            "`random.seed`: invalid type: floating point `1.5`, expected u64",
        ),
        (
            r#"{"random": {"sed": 1}}"#,
            "`random.sed`: unknown field `sed`, expected `seed`",
        ),
        (r#"{"random": {}}"#, "`random`: missing field `seed`"),
    ];
    for (json, expected) in cases {
        let message = error(json);
        assert!(
            message.contains(expected),
            "{json}\n  got:      {message}\n  expected: {expected}"
        );
    }
}

#[test]
fn sections_round_trip_through_serialization() {
    let text = r#"{"clocks": {"wall": {"start": "2024-01-01T00:00:00.5+00:00", "step": "1500us"},
                               "monotonic": {"start": 7, "step": "1ms"}},
                   "random": {"seed": 9}}"#;
    let policy = Policy::parse(text, "p.json").unwrap();
    let json = serde_json::to_value(&policy).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "clocks": {
                "wall": {"start": "2024-01-01T00:00:00.5Z", "step": "1500us"},
                "monotonic": {"start": "7ns", "step": "1ms"}
            },
            "random": {"seed": 9},
            "default": "host"
        })
    );
    let again = Policy::parse(&json.to_string(), "again.json").unwrap();
    assert_eq!(again.compile(), policy.compile());
    for keyword in [
        r#"{"clocks": {"wall": "deny", "monotonic": "virtual"}, "random": "deny"}"#,
        r#"{"clocks": {"wall": {"frozen": "2024-01-01T00:00:00Z"}}, "random": "host"}"#,
    ] {
        let policy = Policy::parse(keyword, "p.json").unwrap();
        let json = serde_json::to_string(&policy).unwrap();
        assert_eq!(
            Policy::parse(&json, "again.json").unwrap().compile(),
            policy.compile(),
            "{json}"
        );
    }
}

#[test]
fn the_schema_describes_clocks_and_random() {
    let schema = Policy::json_schema().to_string();
    for needle in [
        "ClocksPolicy",
        "WallClockPolicy",
        "MonotonicClockPolicy",
        "RandomPolicy",
        "frozen",
        "virtual",
        "seed",
        "date-time",
    ] {
        assert!(schema.contains(needle), "{needle} missing from {schema}");
    }
}

#[test]
fn a_frozen_or_stepping_wall_clock() {
    let mut frozen = VirtualWall::new(NEW_YEAR_2024, 0);
    assert_eq!(frozen.now(), NEW_YEAR_2024);
    assert_eq!(frozen.now(), NEW_YEAR_2024);
    assert_eq!(frozen.resolution(), Datetime::new(0, 1));

    let mut stepping = VirtualWall::new(Datetime::new(10, 999_999_999), 1_000_000);
    assert_eq!(stepping.now(), Datetime::new(10, 999_999_999));
    assert_eq!(stepping.now(), Datetime::new(11, 999_999));
    assert_eq!(stepping.now(), Datetime::new(11, 1_999_999));
    assert_eq!(stepping.resolution(), Datetime::new(0, 1_000_000));

    let mut end = VirtualWall::new(Datetime::new(u64::MAX, 999_999_998), 5);
    end.now();
    assert_eq!(end.now(), Datetime::new(u64::MAX, 999_999_999), "saturates");
    assert_eq!(NEW_YEAR_2024.to_string(), "2024-01-01T00:00:00Z");
}

#[test]
fn virtual_monotonic_time_moves_only_on_reads_with_a_step_and_on_waits() {
    let mut clock = VirtualMonotonic::new(0, 0);
    assert_eq!((clock.now(), clock.now()), (0, 0));
    assert_eq!(clock.resolution(), 1);
    clock.wait_for(10_000_000_000);
    assert_eq!(clock.now(), 10_000_000_000);
    clock.wait_until(5);
    assert_eq!(clock.now(), 10_000_000_000, "never backwards");
    clock.wait_until(12_000_000_000);
    assert_eq!(clock.now(), 12_000_000_000);
    clock.wait_for(u64::MAX);
    assert_eq!(clock.now(), u64::MAX, "saturates");

    let mut stepping = VirtualMonotonic::new(100, 1_000_000);
    assert_eq!(stepping.now(), 100);
    assert_eq!(stepping.now(), 1_000_100);
    stepping.wait_for(1);
    assert_eq!(stepping.now(), 2_000_101);
    assert_eq!(stepping.resolution(), 1_000_000);
}

#[test]
fn the_seeded_generator_is_chacha20_keyed_by_the_seed() {
    use rand_core::{Rng, SeedableRng};
    let mut a = SeededRandom::new(42);
    let mut b = SeededRandom::new(42);
    let mut c = SeededRandom::new(43);
    assert_eq!(a.random_bytes(100), b.random_bytes(100));
    assert_eq!(a.random_u64(), b.random_u64());
    assert_eq!(a.insecure_u64(), b.insecure_u64());
    assert_eq!(a.insecure_seed(), b.insecure_seed());
    assert_eq!(
        a.insecure_seed(),
        a.insecure_seed(),
        "the same on every call"
    );
    assert_ne!(a.random_u64(), c.random_u64());
    assert_ne!(a.insecure_seed(), c.insecure_seed());
    assert_eq!(a.random_bytes(0), Vec::<u8>::new());

    // Stream 0 of the key (seed LE, then zeros) is what `random` returns, independent of how much
    // the other interfaces were used.
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&7u64.to_le_bytes());
    let mut reference = chacha20::ChaCha20Rng::from_seed(key);
    let mut expected = [0u8; 32];
    reference.fill_bytes(&mut expected);
    let mut used = SeededRandom::new(7);
    used.insecure_bytes(1000);
    used.insecure_u64();
    assert_eq!(used.random_bytes(32), expected);
    assert_eq!(used.random_u64(), reference.next_u64());

    // And `insecure` is another stream: different values.
    let mut fresh = SeededRandom::new(7);
    assert_ne!(fresh.insecure_bytes(32), expected);
}
