//! The `clocks` and `random` sections end to end: `time_random` (clocks, sleeps, timeouts,
//! `wasi:random`, a `HashMap`) composed with `deterministic.json` and other policies, run on
//! wasmtime and on jco.

use std::time::{Duration, Instant};

use interpose::{Composer, RunOptions, RunOutcome, Stdio, load_policy};
use interpose_tests::{compose, jco, programs, runner, stdout_lines};

/// The app sleeps this long, and waits as long again on each of two timeouts.
const SLEEP_MS: &str = "10000";

fn options(sleep_ms: &str) -> RunOptions {
    RunOptions {
        args: vec!["app".into(), sleep_ms.into()],
        env: vec![("LANG".into(), "C".into()), ("HOME".into(), "/root".into())],
        stdio: Stdio::Capture,
        ..RunOptions::default()
    }
}

fn deterministic() -> Vec<u8> {
    Composer::new(load_policy("deterministic").unwrap())
        .compose(programs::TIME_RANDOM)
        .unwrap()
        .component
}

/// Runs and checks that the app finished normally.
fn run_ok(component: &wasmtime::component::Component, sleep_ms: &str) -> RunOutcome {
    let outcome = runner()
        .run_compiled(component, &options(sleep_ms))
        .unwrap();
    assert!(
        outcome.trap.is_none() && outcome.exit_code == 0,
        "the app failed: {outcome:?}\n{}",
        String::from_utf8_lossy(&outcome.stderr)
    );
    outcome
}

/// The line of `outcome`'s stdout starting with `key `, without the key.
fn line(outcome: &RunOutcome, key: &str) -> String {
    stdout_lines(outcome)
        .into_iter()
        .find_map(|l| l.strip_prefix(&format!("{key} ")).map(str::to_owned))
        .unwrap_or_else(|| panic!("no `{key}` line in {:?}", stdout_lines(outcome)))
}

#[test]
fn deterministic_json_gives_the_same_bytes_every_run_and_sleeps_take_no_time() {
    let component = runner().compile(&deterministic()).unwrap();
    let started = Instant::now();
    let first = run_ok(&component, SLEEP_MS);
    let elapsed = started.elapsed();
    // Real waits would take 30 s at least: the bound is what they would cost, not a speed, so a
    // loaded machine cannot fail it.
    assert!(
        elapsed < Duration::from_secs(30),
        "a 10 s virtual sleep and two 10 s timeouts took {elapsed:?} of real time"
    );
    assert_eq!(
        stdout_lines(&first)[..12],
        [
            "wall 1704067200.000000000",
            "wall-raw 1704067200.000000000",
            "wall-resolution 0.000000001",
            "monotonic 0",
            "monotonic 0",
            "monotonic 0",
            "monotonic-resolution 1",
            "slept 10s",
            "monotonic-after-sleep 10000000000",
            "poll-timeout [0]",
            "after-timeout reached=true",
            "poll-mixed timeout-ready-by-second-poll=true",
        ]
    );
    assert!(
        first.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    for run in 1..20 {
        let again = run_ok(&component, SLEEP_MS);
        assert_eq!(
            String::from_utf8_lossy(&again.stdout),
            String::from_utf8_lossy(&first.stdout),
            "run {run} differs from the first"
        );
    }
}

#[test]
fn without_a_policy_two_runs_differ() {
    // The baseline that makes the test above meaningful: the app really prints host time and
    // host entropy. (A short sleep: these sleeps are real.)
    let component = runner().compile(programs::TIME_RANDOM).unwrap();
    let a = run_ok(&component, "10");
    let b = run_ok(&component, "10");
    for key in [
        "wall",
        "monotonic-after-sleep",
        "random-bytes",
        "random-u64",
        "insecure-bytes",
        "insecure-seed",
    ] {
        assert_ne!(
            line(&a, key),
            line(&b, key),
            "`{key}` is the same in two host runs"
        );
    }
    assert_ne!(a.stdout, b.stdout);
}

#[test]
fn each_seed_gives_its_own_reproducible_values_and_hash_order() {
    let with_seed = |seed: u64| {
        let policy = format!(
            r#"{{"clocks": {{"wall": {{"frozen": "2024-01-01T00:00:00Z"}}, "monotonic": "virtual"}},
                "random": {{"seed": {seed}}}}}"#
        );
        let component = runner()
            .compile(&compose(programs::TIME_RANDOM, &policy))
            .unwrap();
        run_ok(&component, "1")
    };
    let (one, two, one_again) = (with_seed(1), with_seed(2), with_seed(1));
    assert_eq!(one.stdout, one_again.stdout);
    assert_eq!(line(&one, "wall"), line(&two, "wall"));
    for key in [
        "random-bytes",
        "random-u64",
        "insecure-bytes",
        "insecure-u64",
        "insecure-seed",
        "hashmap-order",
    ] {
        assert_ne!(
            line(&one, key),
            line(&two, key),
            "`{key}` does not depend on the seed"
        );
    }
    // Each interface is its own stream: `random` and `insecure` never repeat each other.
    assert_ne!(line(&one, "random-bytes"), line(&one, "insecure-bytes"));
}

#[test]
fn stepping_clocks_advance_on_every_read() {
    let component = compose(
        programs::TIME_RANDOM,
        r#"{"clocks": {"wall": {"start": "2024-01-01T00:00:00Z", "step": "1s"},
                       "monotonic": {"start": "1s", "step": "1ms"}}}"#,
    );
    let outcome = run_ok(&runner().compile(&component).unwrap(), "20");
    assert_eq!(
        stdout_lines(&outcome)[..9],
        [
            "wall 1704067200.000000000",
            "wall-raw 1704067201.000000000",
            "wall-resolution 1.000000000",
            "monotonic 1000000000",
            "monotonic 1001000000",
            "monotonic 1002000000",
            "monotonic-resolution 1000000",
            // `Instant::now()` before and after the sleep: one step for a read and 20 ms of sleep.
            "slept 21ms",
            // 3 reads, `Instant::now()` twice, the sleep: 1 s + 5 ms + 20 ms.
            "monotonic-after-sleep 1025000000",
        ]
    );
}

#[test]
fn a_policy_that_changes_only_the_wall_clock_leaves_sleeps_real() {
    let component = compose(
        programs::TIME_RANDOM,
        r#"{"clocks": {"wall": {"frozen": {"seconds": 86400, "nanoseconds": 5}}}}"#,
    );
    let started = Instant::now();
    let outcome = run_ok(&runner().compile(&component).unwrap(), "300");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "the host's timers were bypassed"
    );
    assert_eq!(line(&outcome, "wall"), "86400.000000005");
    assert_ne!(line(&outcome, "monotonic-after-sleep"), "300000000");
}

#[test]
fn denied_clocks_and_random_stop_the_app_with_a_message() {
    for (policy, interface, printed_before) in [
        (
            r#"{"clocks": {"wall": "deny"}}"#,
            "wasi:clocks/wall-clock",
            0,
        ),
        (
            r#"{"clocks": {"wall": {"frozen": "2024-01-01T00:00:00Z"}, "monotonic": "deny"}}"#,
            "wasi:clocks/monotonic-clock",
            3,
        ),
        (
            r#"{"clocks": {"wall": "host", "monotonic": "virtual"}, "random": "deny"}"#,
            "wasi:random/random",
            12,
        ),
    ] {
        let component = compose(programs::TIME_RANDOM, policy);
        let outcome = runner().run(&component, &options("1")).unwrap();
        interpose_tests::assert_stopped_by_denial(&outcome, interface, policy);
        assert_eq!(stdout_lines(&outcome).len(), printed_before, "{policy}");
    }
}

#[test]
fn the_composed_component_imports_neither_host_entropy_nor_the_host_wall_clock() {
    let imports = |bytes: &[u8]| -> Vec<String> {
        let component = runner().compile(bytes).unwrap();
        let engine = runner().engine();
        component
            .component_type()
            .imports(engine)
            .map(|(name, _)| name.split('@').next().unwrap().to_owned())
            .collect()
    };
    let app = imports(programs::TIME_RANDOM);
    assert!(app.iter().any(|i| i == "wasi:random/random"), "{app:?}");
    assert!(app.iter().any(|i| i == "wasi:clocks/wall-clock"), "{app:?}");
    let composed = imports(&deterministic());
    assert!(
        !composed.iter().any(|i| i.starts_with("wasi:random/")),
        "{composed:?}"
    );
    // A frozen wall clock cannot reach the host's; the host's monotonic clock is still imported
    // for the already-ready pollables that end virtual waits.
    assert!(
        !composed.iter().any(|i| i == "wasi:clocks/wall-clock"),
        "{composed:?}"
    );
    assert!(
        composed.iter().any(|i| i == "wasi:clocks/monotonic-clock"),
        "{composed:?}"
    );
}

#[test]
fn inspect_describes_the_clocks_and_random_sections() {
    let summary = interpose::inspect::describe(&load_policy("deterministic").unwrap().compile());
    for expected in [
        "wall:      frozen at 2024-01-01T00:00:00Z",
        "monotonic: virtual from 0, reads do not move it; waits end at once",
        "random:  seeded with 0 (ChaCha20): reproducible, NOT cryptographically secure",
        "env:",
    ] {
        assert!(summary.contains(expected), "{expected:?} not in\n{summary}");
    }
}

#[test]
fn jco_prints_the_same_bytes_as_wasmtime() {
    let jco = jco::jco();
    let component = deterministic();
    // Ten minutes of virtual sleep and as much again twice in timeouts: if jco waited for real,
    // the run would take half an hour.
    const LONG_SLEEP_MS: &str = "600000";
    let wasmtime = run_ok(&runner().compile(&component).unwrap(), LONG_SLEEP_MS);
    let started = Instant::now();
    let output = jco::run(jco, &component, &[LONG_SLEEP_MS]);
    assert!(
        output.status.success(),
        "jco run failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&wasmtime.stdout),
        "jco and wasmtime disagree"
    );
    // jco transpiles before it runs, which takes a few seconds; the 30 min of waits take none.
    assert!(
        started.elapsed() < Duration::from_secs(600),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn deterministic_json_alone_prints_the_same_bytes_on_wasmtime_and_jco() {
    // No custom policy and no tuning of either host: jco passes the test's own environment, its
    // working directory and a temporary path as the program name; the embedded wasmtime what
    // these options say, which differs on every count.
    let jco = jco::jco();
    let component = Composer::new(load_policy("deterministic").unwrap())
        .compose(programs::ENV_PRINTER)
        .unwrap()
        .component;
    let options = RunOptions {
        args: vec!["/somewhere/app.wasm".into(), "x".into(), "y z".into()],
        env: vec![("LANG".into(), "C".into()), ("HOME".into(), "/root".into())],
        cwd: Some("/host/work".into()),
        stdio: Stdio::Capture,
        ..RunOptions::default()
    };
    let compiled = runner().compile(&component).unwrap();
    let on_wasmtime = || {
        let outcome = runner().run_compiled(&compiled, &options).unwrap();
        assert!(
            outcome.trap.is_none() && outcome.exit_code == 0,
            "{outcome:?}"
        );
        outcome.stdout
    };
    let on_jco = |component: &[u8]| {
        let output = jco::run(jco, component, &["x", "y z"]);
        assert!(
            output.status.success(),
            "jco run failed: {}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        output.stdout
    };
    let expected = "cwd None\nprogram Some(\"app\")\narg x\narg y z\n";
    for (host, stdout) in [
        ("wasmtime", on_wasmtime()),
        ("wasmtime again", on_wasmtime()),
        ("jco", on_jco(&component)),
        ("jco again", on_jco(&component)),
    ] {
        assert_eq!(String::from_utf8_lossy(&stdout), expected, "{host}");
    }
    // The baseline: without the policy the two hosts disagree (the program name at least).
    let raw = runner().run(programs::ENV_PRINTER, &options).unwrap();
    assert_ne!(raw.stdout, on_jco(programs::ENV_PRINTER));
}
