//! WASI 0.3 end to end: the `tests/programs-p3` app (a Rust 0.3 app built for wasm32-wasip2, so
//! it imports both 0.3 and std's 0.2 interfaces) composed with `env`, `clocks` and `random`
//! policies and run on the embedded wasmtime, as `interpose run` does. Each fact is printed twice,
//! through 0.3 (`p3 ...` lines) and through 0.2 (`p2 ...` lines): one policy section attenuates
//! both versions, each by the adapter of its release.

use std::time::{Duration, Instant};

use interpose::{ComposeError, Composer, RunOptions, RunOutcome, Stdio, load_policy};
use interpose_policy::compiled::Route;
use interpose_tests::{compose, jco, programs, runner, stdout_lines};

const HOST_ENV: &[(&str, &str)] = &[
    ("A", "1"),
    ("GITHUB_TOKEN", "ghp_secret"),
    ("LC_ALL", "C"),
    ("PATH", "/bin"),
];

/// Runs the app with `args` (after the program name) and the host environment above; checks that
/// it finished normally.
fn run_ok(component: &[u8], args: &[&str]) -> RunOutcome {
    let outcome = run(component, args);
    assert!(
        outcome.trap.is_none() && outcome.exit_code == 0,
        "the app failed: {outcome:?}\n{}",
        String::from_utf8_lossy(&outcome.stderr)
    );
    outcome
}

fn run(component: &[u8], args: &[&str]) -> RunOutcome {
    run_with(component, args, RunOptions::default())
}

/// [`run`], with the network, preopens... of `host`.
fn run_with(component: &[u8], args: &[&str], host: RunOptions) -> RunOutcome {
    let options = RunOptions {
        args: ["app"].iter().chain(args).map(|a| a.to_string()).collect(),
        env: HOST_ENV
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        cwd: Some("/host/work".into()),
        stdio: Stdio::Capture,
        ..host
    };
    runner()
        .run_compiled(&interpose_tests::compiled(component), &options)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The lines of `outcome`'s stdout starting with `prefix ` (`p3` or `p2`), without it.
fn lines(outcome: &RunOutcome, prefix: &str) -> Vec<String> {
    stdout_lines(outcome)
        .into_iter()
        .filter_map(|l| l.strip_prefix(&format!("{prefix} ")).map(str::to_owned))
        .collect()
}

fn composed_with(policy: &str) -> Vec<u8> {
    match policy.starts_with('{') {
        true => compose(programs::P3, policy),
        false => {
            Composer::new(load_policy(policy).unwrap())
                .compose(programs::P3)
                .unwrap_or_else(|e| panic!("{policy}: {e}"))
                .component
        }
    }
}

#[test]
fn the_app_imports_both_versions_and_runs_unadapted() {
    let imports = interpose::inspect(programs::P3).unwrap().imports;
    for interface in [
        "wasi:cli/environment@0.3.",
        "wasi:clocks/system-clock@0.3.",
        "wasi:clocks/monotonic-clock@0.3.",
        "wasi:random/insecure-seed@0.3.",
        "wasi:cli/environment@0.2.",
        "wasi:clocks/wall-clock@0.2.",
        "wasi:random/random@0.2.",
    ] {
        assert!(
            imports.iter().any(|i| i.starts_with(interface)),
            "{interface}: {imports:?}"
        );
    }
    // The baseline: the app really prints what the host grants, through both versions.
    let outcome = run_ok(programs::P3, &["env"]);
    for prefix in ["p3", "p2"] {
        assert_eq!(
            lines(&outcome, prefix),
            [
                "env A=1",
                "env GITHUB_TOKEN=ghp_secret",
                "env LC_ALL=C",
                "env PATH=/bin",
                "cwd Some(\"/host/work\")",
                "arg env",
            ],
            "{prefix}"
        );
    }
}

#[test]
fn env_policies_filter_both_versions_alike() {
    for (policy, env) in [
        (
            r#"{"env": {"allow": ["A", "LC_*"], "cwd": "hide"}}"#,
            &["env A=1", "env LC_ALL=C"][..],
        ),
        ("no-secrets", &["env A=1", "env LC_ALL=C", "env PATH=/bin"]),
    ] {
        let outcome = run_ok(&composed_with(policy), &["env"]);
        let expected: Vec<String> = env
            .iter()
            .copied()
            .chain(["cwd None", "arg env"])
            .map(str::to_owned)
            .collect();
        assert_eq!(lines(&outcome, "p3"), expected, "{policy}: 0.3");
        assert_eq!(lines(&outcome, "p2"), expected, "{policy}: 0.2");
    }
    // Arguments and the working directory are replaced on both versions too.
    let outcome = run_ok(
        &composed_with(r#"{"env": {"args": ["x", "env", "y"], "cwd": "/c"}}"#),
        &["env"],
    );
    for prefix in ["p3", "p2"] {
        let seen = lines(&outcome, prefix);
        assert!(
            seen.ends_with(&[
                "cwd Some(\"/c\")".to_owned(),
                "arg env".to_owned(),
                "arg y".to_owned()
            ]),
            "{prefix}: {seen:?}"
        );
    }
}

/// The functions of the instance `component` imports as `import`.
fn imported_functions(component: &[u8], import: &str) -> Vec<String> {
    use wasmparser::component_types::ComponentEntityType;
    let types = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(component)
        .unwrap();
    match types.component_item_for_import(import).unwrap().ty {
        ComponentEntityType::Instance(id) => types[id]
            .exports
            .iter()
            .filter(|(_, item)| matches!(item.ty, ComponentEntityType::Func(_)))
            .map(|(name, _)| name.clone())
            .collect(),
        _ => vec![import.to_owned()],
    }
}

#[test]
fn inspect_shows_each_version_with_its_adapter() {
    let inspection = interpose::inspect(&composed_with("deterministic")).unwrap();
    let route = |import: &str| -> &Route {
        inspection
            .routes
            .iter()
            .find(|(name, _)| name.starts_with(import))
            .map(|(_, route)| route)
            .unwrap_or_else(|| panic!("{import}: {:?}", inspection.routes))
    };
    for (import, adapter) in [
        ("wasi:cli/environment@0.3.", "env-p3"),
        ("wasi:clocks/system-clock@0.3.", "clocks-p3"),
        ("wasi:clocks/monotonic-clock@0.3.", "clocks-p3"),
        ("wasi:random/random@0.3.", "random-p3"),
        ("wasi:random/insecure-seed@0.3.", "random-p3"),
        ("wasi:cli/environment@0.2.", "env"),
        ("wasi:clocks/wall-clock@0.2.", "clocks"),
        ("wasi:random/random@0.2.", "random"),
    ] {
        assert_eq!(route(import), &Route::Adapter(adapter.into()), "{import}");
    }
    assert_eq!(route("wasi:clocks/types@0.3."), &Route::Host);
    let text = inspection.to_string();
    let line = text
        .lines()
        .find(|l| l.contains("wasi:cli/environment@0.3."))
        .unwrap();
    assert!(
        line.contains("attenuated by the `env-p3` adapter"),
        "{line}"
    );
    // Neither version reaches host entropy or the host's wall clock: the host's files (the app
    // reads files through both versions) use the clocks' `datetime` and `instant` types, which
    // are imported without a function.
    let component = composed_with("deterministic");
    for import in &inspection.imports {
        assert!(!import.starts_with("wasi:random/"), "{import}");
        if import.starts_with("wasi:clocks/wall-clock")
            || import.starts_with("wasi:clocks/system-clock")
        {
            assert_eq!(
                imported_functions(&component, import),
                [] as [&str; 0],
                "{import}"
            );
        }
    }
}

#[test]
fn deterministic_freezes_the_clocks_and_virtual_waits_take_no_time() {
    let component = composed_with("deterministic");
    let started = Instant::now();
    let first = run_ok(&component, &["time", "10000"]);
    let elapsed = started.elapsed();
    // Real waits would take 20 s at least: the bound is what they would cost, not a speed.
    assert!(
        elapsed < Duration::from_secs(20),
        "a 10 s virtual wait-for and a 10 s wait-until took {elapsed:?} of real time"
    );
    assert_eq!(
        lines(&first, "p3"),
        [
            "system 1704067200.000000000",
            "system-resolution 1",
            "monotonic 0",
            "monotonic 0",
            "monotonic 0",
            "monotonic-resolution 1",
            "wait-for advanced=true",
            "monotonic-after-wait 10000000000",
            "wait-until reached=true",
        ]
    );
    // One virtual clock for both versions: the 0.3 waits (10 s, then until 20 s) moved the time
    // the 0.2 clock reads.
    assert_eq!(
        lines(&first, "p2"),
        ["wall 1704067200.000000000", "monotonic 20000000000"]
    );
    assert!(
        first.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let second = run_ok(&component, &["time", "10000"]);
    assert_eq!(first.stdout, second.stdout);
}

#[test]
fn stepping_clocks_advance_on_every_read() {
    let component = composed_with(
        r#"{"clocks": {"wall": {"start": "2024-01-01T00:00:00Z", "step": "1s"},
                       "monotonic": {"start": "1s", "step": "1ms"}}}"#,
    );
    let outcome = run_ok(&component, &["time", "20"]);
    assert_eq!(
        lines(&outcome, "p3"),
        [
            "system 1704067200.000000000",
            "system-resolution 1000000000",
            "monotonic 1000000000",
            "monotonic 1001000000",
            "monotonic 1002000000",
            "monotonic-resolution 1000000",
            // Read at 1.003 s, waited 20 ms, read at 1.024 s.
            "wait-for advanced=true",
            "monotonic-after-wait 1024000000",
            "wait-until reached=true",
        ]
    );
}

#[test]
fn without_a_policy_waits_are_real() {
    let started = Instant::now();
    let outcome = run_ok(programs::P3, &["time", "300"]);
    assert!(
        started.elapsed() >= Duration::from_millis(600),
        "wait-for and wait-until of 300 ms each took {:?}",
        started.elapsed()
    );
    assert!(
        lines(&outcome, "p3").contains(&"wait-for advanced=true".to_owned()),
        "{outcome:?}"
    );
    // A policy that changes only the wall clock leaves the monotonic clock (and waits) the host's.
    let component =
        composed_with(r#"{"clocks": {"wall": {"frozen": {"seconds": 86400, "nanoseconds": 5}}}}"#);
    let started = Instant::now();
    let outcome = run_ok(&component, &["time", "300"]);
    assert!(started.elapsed() >= Duration::from_millis(600));
    assert_eq!(lines(&outcome, "p3")[0], "system 86400.000000005");
    assert_eq!(lines(&outcome, "p2")[0], "wall 86400.000000005");
}

#[test]
fn seeded_random_is_reproducible_per_seed_and_one_generator_for_both_versions() {
    let policy = r#"{"random": {"seed": 7}}"#;
    let seven = composed_with(policy);
    let first = run_ok(&seven, &["random"]);
    let second = run_ok(&seven, &["random"]);
    assert_eq!(first.stdout, second.stdout);
    // One generator behind both versions, as one host: the 0.2 calls continue where the 0.3
    // ones left off, so no value comes twice (but `insecure-seed`, the same for every call).
    let p3 = lines(&first, "p3");
    let p2 = lines(&first, "p2");
    assert_eq!(p3.len(), 5, "{p3:?}");
    for (a, b) in p3.iter().zip(&p2).take(4) {
        assert_ne!(a, b);
    }
    assert_eq!(p3[4], p2[4], "insecure-seed");
    // A 0.3 app gets the bytes a 0.2 app gets from the same seed: `time_random`'s first random
    // call is the same 16 bytes of `wasi:random/random`.
    let time_random = interpose_tests::run(
        &compose(programs::TIME_RANDOM, policy),
        RunOptions {
            args: vec!["app".into(), "1".into()],
            ..RunOptions::default()
        },
    );
    let p2_app = stdout_lines(&time_random)
        .into_iter()
        .find(|l| l.starts_with("random-bytes "))
        .unwrap();
    assert_eq!(p3[0], p2_app);
    let eight = run_ok(&composed_with(r#"{"random": {"seed": 8}}"#), &["random"]);
    for (a, b) in lines(&first, "p3").iter().zip(lines(&eight, "p3")) {
        assert_ne!(*a, b);
    }
    // Without a policy, the host's generators: two runs differ.
    let host = || lines(&run_ok(programs::P3, &["random"]), "p3")[0].clone();
    assert_ne!(host(), host());
}

#[test]
fn denied_clocks_and_random_stop_the_app_with_a_message_on_0_3_too() {
    for (policy, args, interface, printed_before) in [
        (
            // The 0.3 clocks are served by the 0.2 adapter, which names its own interfaces.
            r#"{"clocks": {"wall": "deny"}}"#,
            &["time", "1"][..],
            "wasi:clocks/wall-clock",
            0,
        ),
        (
            r#"{"clocks": {"wall": {"frozen": "2024-01-01T00:00:00Z"}, "monotonic": "deny"}}"#,
            &["time", "1"],
            "wasi:clocks/monotonic-clock",
            2,
        ),
        (
            r#"{"random": "deny"}"#,
            &["random"],
            "wasi:random/random",
            0,
        ),
    ] {
        let outcome = run(&composed_with(policy), args);
        interpose_tests::assert_stopped_by_denial(&outcome, interface, policy);
        assert_eq!(stdout_lines(&outcome).len(), printed_before, "{policy}");
    }
}

#[test]
fn built_in_policies_compose_and_run_the_0_3_app() {
    // Env, clocks, random and files sections, denials, and streams at 0.2: composed and run
    // (0.3 files by the `fs-p3` adapter, `tests/fs_p3.rs`).
    for policy in ["deterministic", "no-secrets", "hermetic", "readonly"] {
        let outcome = run_ok(&composed_with(policy), &["env"]);
        assert!(
            lines(&outcome, "p3").contains(&"arg env".to_owned()),
            "{policy}: {outcome:?}"
        );
    }
}

/// A strict policy without `clocks` and `random` sections denies both versions: the denial
/// component serves 0.3 too, and stops the app with a line naming the 0.3 interface.
#[test]
fn a_strict_policy_denies_0_3_clocks_and_random() {
    let component =
        composed_with(r#"{"default": "deny", "env": {}, "stdio": {"stdout": "inherit"}}"#);
    let routes = interpose::inspect(&component).unwrap().routes;
    for (import, route) in &routes {
        if import.starts_with("wasi:clocks/system-clock@0.3.")
            || import.starts_with("wasi:clocks/monotonic-clock@0.")
            || import.starts_with("wasi:random/")
        {
            assert_eq!(route, &Route::Denied, "{import}");
        }
    }
    // `env: {}` shows no variables, and keeps the working directory and arguments.
    let outcome = run_ok(&component, &["env"]);
    for prefix in ["p3", "p2"] {
        assert_eq!(
            lines(&outcome, prefix),
            ["cwd Some(\"/host/work\")", "arg env"],
            "{prefix}"
        );
    }
    for (args, interface, key) in [
        (&["random"][..], "wasi:random/random", "random"),
        (&["time", "1"], "wasi:clocks/system-clock", "clocks.wall"),
    ] {
        let outcome = run(&component, args);
        let stderr = String::from_utf8_lossy(&outcome.stderr);
        assert!(outcome.trap.is_some(), "{args:?}: no trap: {outcome:?}");
        assert!(
            stderr.contains(&format!(
                "interpose: the policy denies `{interface}` (key `{key}`)"
            )),
            "{stderr}"
        );
        assert!(stdout_lines(&outcome).is_empty(), "{outcome:?}");
    }
    // What has no 0.3 adapter or denial is refused, not passed to the host.
    let app = interpose_tests::component_importing(&[(
        "wasi:clocks/timezone@0.3.0",
        "display",
        "(func)",
    )]);
    let strict = interpose_tests::policy(r#"{"default": "deny"}"#);
    let error = match Composer::new(strict).compose(&app) {
        Ok(composition) => panic!("composed: {:?}", composition.routes),
        Err(error) => error,
    };
    assert!(
        matches!(&error, ComposeError::CannotAttenuate { imports, .. } if imports.len() == 1),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("at WASI 0.3, interpose can only pass it through to the host yet"),
        "{error}"
    );
}

/// What a strict policy or `"sockets": "deny"` denies at 0.3 is answered by the denial
/// component as the WIT allows: no socket (`access-denied` from `tcp-socket.create` and from
/// the async `resolve-addresses`), no preopens; the host would have given both.
#[test]
fn denied_0_3_sockets_and_files_answer_access_denied_and_no_preopens() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    // Only the unadapted run reaches it.
    let server = interpose_tests::pong_server(listener, 1);
    let dir = tempfile::tempdir().unwrap();
    let host = || RunOptions {
        network: true,
        preopens: vec![interpose::Preopen {
            host: dir.path().to_owned(),
            guest: "/data".into(),
            writable: false,
        }],
        ..RunOptions::default()
    };
    let observe = |component: &[u8]| {
        let mut seen = Vec::new();
        for args in [
            &["connect", address.as_str()][..],
            &["resolve", "localhost"],
            &["preopens"],
        ] {
            let outcome = run_with(component, args, host());
            assert!(
                outcome.trap.is_none() && outcome.exit_code == 0,
                "{args:?}: {outcome:?}\n{}",
                String::from_utf8_lossy(&outcome.stderr)
            );
            seen.extend(lines(&outcome, "p3"));
        }
        seen
    };

    // Unadapted, the host connects, resolves and preopens.
    let host_answers = observe(programs::P3);
    for line in [
        "tcp-create ok",
        "tcp-connect ok",
        "tcp-reply pong",
        "preopens 1",
        "preopen /data",
    ] {
        assert!(
            host_answers.contains(&line.to_owned()),
            "{line}: {host_answers:?}"
        );
    }

    let denied_sockets = [
        "tcp-create err ErrorCode::AccessDenied",
        "resolve err ErrorCode::AccessDenied",
    ];
    let hermetic = observe(&composed_with("hermetic"));
    assert_eq!(
        hermetic,
        [&denied_sockets[..], &["preopens 0"]].concat(),
        "hermetic"
    );
    let component = composed_with(r#"{"sockets": "deny"}"#);
    let routes = interpose::inspect(&component).unwrap().routes;
    for (import, route) in &routes {
        if import.starts_with("wasi:sockets/") {
            assert_eq!(route, &Route::Denied, "{import}");
        }
    }
    assert_eq!(
        observe(&component),
        [&denied_sockets[..], &["preopens 1", "preopen /data"]].concat(),
        "sockets denied, files from the host"
    );
    assert_eq!(server.join().unwrap(), 1);
}

/// The `sockets` allowlist at 0.3, by the `sockets-p3` adapter (the same rules as at 0.2): an
/// allowed connect reaches the listener, and the data goes through the host's streams; a denied
/// one answers `access-denied` and never reaches its listener; a name not listed is not looked up.
#[test]
fn the_sockets_allowlist_filters_0_3_connects_and_lookups() {
    let allowed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let allowed_address = allowed.local_addr().unwrap();
    let denied = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let denied_address = denied.local_addr().unwrap().to_string();
    let server = interpose_tests::pong_server(allowed, 1);

    let component = composed_with(&format!(
        r#"{{"sockets": {{"connect": ["{allowed_address}"]}}}}"#
    ));
    let routes = interpose::inspect(&component).unwrap().routes;
    let sockets: Vec<_> = routes
        .iter()
        .filter(|(import, _)| import.starts_with("wasi:sockets/"))
        .collect();
    assert!(!sockets.is_empty(), "{routes:?}");
    for (import, route) in sockets {
        assert_eq!(route, &Route::Adapter("sockets-p3".into()), "{import}");
    }
    let host = || RunOptions {
        network: true,
        ..RunOptions::default()
    };
    let run_p3 = |args: &[&str]| lines(&run_with(&component, args, host()), "p3");

    assert_eq!(
        run_p3(&["connect", &allowed_address.to_string()]),
        ["tcp-create ok", "tcp-connect ok", "tcp-reply pong"]
    );
    assert_eq!(
        run_p3(&["connect", &denied_address]),
        ["tcp-create ok", "tcp-connect err ErrorCode::AccessDenied"]
    );
    denied.set_nonblocking(true).unwrap();
    assert!(
        matches!(denied.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "the denied listener was contacted"
    );
    assert_eq!(
        run_p3(&["resolve", "localhost"]),
        ["resolve err ErrorCode::AccessDenied"]
    );
    assert_eq!(server.join().unwrap(), 1);
}

/// jco runs the composed 0.3 app as wasmtime does: the same lines, through both versions, under
/// each policy (`jco::run_p3`: Node 24 and `preview3-shim`; `jco run` itself cannot, jco #617).
/// The virtual waits cost jco no real time either.
#[test]
fn jco_prints_what_wasmtime_prints_for_a_0_3_app() {
    for (policy, args) in [
        ("deterministic", &["env"][..]),
        ("deterministic", &["random"]),
        ("deterministic", &["time", "600000"]),
        ("no-secrets", &["env"]),
    ] {
        let component = composed_with(policy);
        let wasmtime = run_ok(&component, args);
        let started = Instant::now();
        let output = jco::run_p3(&component, args, HOST_ENV, &[]);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{policy} {args:?} on jco: {}\n{stdout}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(
            stdout,
            String::from_utf8_lossy(&wasmtime.stdout),
            "{policy} {args:?}: jco and wasmtime disagree"
        );
        assert!(!stdout.contains("GITHUB_TOKEN"), "{stdout}");
        // Twenty minutes of waits if they were real: the bound is what they would cost.
        assert!(started.elapsed() < Duration::from_secs(600));
    }
    // Unattenuated, jco gives the app what the host has: the hidden variable is there.
    let output = jco::run_p3(programs::P3, &["env"], HOST_ENV, &[]);
    assert!(String::from_utf8_lossy(&output.stdout).contains("p3 env GITHUB_TOKEN=ghp_secret"));
}

/// A component importing only WASI 0.3 clocks (no 0.2 clock the `clocks-p3` adapter could share
/// with the app): the 0.2 clocks behind the adapter are still the policy's, not the host's.
#[test]
fn the_0_2_clocks_behind_the_0_3_adapter_are_the_policys_even_when_the_app_has_none() {
    // `run` (0.2, as a `bin` using the `wasip3` crate exports it) succeeds iff the 0.3 monotonic
    // clock reads `expected` and the system clock `seconds`.
    let app = |expected: u64, seconds: i64| {
        wat::parse_str(format!(
            r#"(component
              (import "wasi:clocks/monotonic-clock@0.3.0" (instance $m
                (export "now" (func (result u64)))))
              (type $instant (record (field "seconds" s64) (field "nanoseconds" u32)))
              (import "wasi:clocks/system-clock@0.3.0" (instance $s
                (export "instant" (type $i (eq $instant)))
                (export "now" (func (result $i)))))
              (core module $mem (memory (export "memory") 1))
              (core instance $memi (instantiate $mem))
              (alias core export $memi "memory" (core memory $memory))
              (core func $now (canon lower (func $m "now")))
              (core func $wall (canon lower (func $s "now") (memory $memory)))
              (core module $app
                (import "m" "memory" (memory 1))
                (import "c" "now" (func $now (result i64)))
                (import "c" "wall" (func $wall (param i32)))
                (func (export "run") (result i32)
                  (call $wall (i32.const 16))
                  (i32.or
                    (i64.ne (call $now) (i64.const {expected}))
                    (i64.ne (i64.load (i32.const 16)) (i64.const {seconds})))))
              (core instance $ci (export "now" (func $now)) (export "wall" (func $wall)))
              (core instance $i (instantiate $app
                (with "m" (instance $memi)) (with "c" (instance $ci))))
              (func $run (result (result)) (canon lift (core func $i "run")))
              (instance $out (export "run" (func $run)))
              (export "wasi:cli/run@0.2.0" (instance $out)))"#
        ))
        .unwrap()
    };
    let policy = r#"{"clocks": {"wall": {"frozen": "2024-01-01T00:00:00Z"},
                                "monotonic": {"start": "5s"}}}"#;
    let run = |component: &[u8]| runner().run(component, &RunOptions::default()).unwrap();
    // The app's own check: exit 0 only with the policy's clocks.
    let composed = compose(&app(5_000_000_000, 1_704_067_200), policy);
    let outcome = run(&composed);
    assert_eq!((outcome.exit_code, outcome.trap), (0, None));
    // And it can tell: unadapted, on the host's clocks, it fails.
    let outcome = run(&app(5_000_000_000, 1_704_067_200));
    assert_eq!((outcome.exit_code, outcome.trap), (1, None));
    // The output imports neither version of the host's wall clock.
    let imports = interpose::inspect(&composed).unwrap().imports;
    assert!(
        !imports
            .iter()
            .any(|i| i.starts_with("wasi:clocks/wall-clock")
                || i.starts_with("wasi:clocks/system-clock")),
        "{imports:?}"
    );
}

/// Denied standard streams at 0.3 are empty ones, as at 0.2 (the `stdio-p3` adapter's): the app
/// reads no input although the host has some, what it writes to a denied stream reaches nothing,
/// every future says `ok`, and the stream the policy leaves alone is the host's.
#[test]
fn denied_0_3_streams_are_empty_as_at_0_2() {
    let input = RunOptions {
        stdin: Some(b"from the host".to_vec()),
        ..RunOptions::default()
    };
    // The baseline: the host takes and gives the bytes.
    let outcome = run_ok(programs::P3, &["stdout", "hello"]);
    assert_eq!(
        stdout_lines(&outcome),
        ["hello", "p3 stdout-written true Ok(())"]
    );
    let outcome = run_with(programs::P3, &["stdin"], input.clone());
    assert_eq!(
        lines(&outcome, "p3"),
        ["stdin-read \"from the host\"", "stdin-done Ok(())"]
    );
    let outcome = run_ok(programs::P3, &["stderr", "seen"]);
    assert!(String::from_utf8_lossy(&outcome.stderr).contains("seen"));

    for policy in [
        r#"{"stdio": {"stdin": "deny", "stderr": "deny"}}"#,
        // Left out under `default: deny`, with stdout granted.
        r#"{"default": "deny", "stdio": {"stdout": "inherit"}}"#,
    ] {
        let component = composed_with(policy);
        let routes = interpose::inspect(&component).unwrap().routes;
        let denied: Vec<_> = routes
            .iter()
            .filter(|(import, _)| {
                import.starts_with("wasi:cli/stdin@0.3.")
                    || import.starts_with("wasi:cli/stderr@0.3.")
            })
            .collect();
        assert_eq!(denied.len(), 2, "{policy}: {routes:?}");
        for (import, route) in denied {
            assert_eq!(
                route,
                &Route::Adapter("stdio-p3".into()),
                "{policy} {import}"
            );
        }
        let outcome = run_ok(&component, &["stdout", "hello"]);
        assert_eq!(
            stdout_lines(&outcome),
            ["hello", "p3 stdout-written true Ok(())"],
            "{policy}"
        );
        let outcome = run_with(&component, &["stdin"], input.clone());
        assert!(outcome.trap.is_none(), "{policy}: {outcome:?}");
        assert_eq!(
            lines(&outcome, "p3"),
            ["stdin-read \"\"", "stdin-done Ok(())"],
            "{policy}"
        );
        let outcome = run_ok(&component, &["stderr", "leaked"]);
        assert!(
            !String::from_utf8_lossy(&outcome.stderr).contains("leaked"),
            "{policy}: {outcome:?}"
        );
        assert_eq!(
            lines(&outcome, "p3"),
            ["stderr-written true Ok(())"],
            "{policy}"
        );
    }
}

/// `"null"` standard streams at 0.3, by the `stdio-p3` adapter: stdin is empty and ends `ok`
/// although the host has bytes; stderr takes all the app writes, says `ok`, and the host gets
/// none of it. The 0.2 streams are `"null"` too, by the 0.2 `stdio` adapter.
#[test]
fn null_0_3_streams_are_empty_and_discard() {
    let component = composed_with(r#"{"stdio": {"stdin": "null", "stderr": "null"}}"#);
    let routes = interpose::inspect(&component).unwrap().routes;
    for (import, route) in &routes {
        if import.starts_with("wasi:cli/stdin@0.3.") || import.starts_with("wasi:cli/stderr@0.3.") {
            assert_eq!(route, &Route::Adapter("stdio-p3".into()), "{import}");
        }
    }
    let input = RunOptions {
        stdin: Some(b"from the host".to_vec()),
        ..RunOptions::default()
    };
    let outcome = run_with(&component, &["stdin"], input);
    assert!(outcome.trap.is_none(), "{outcome:?}");
    assert_eq!(
        lines(&outcome, "p3"),
        ["stdin-read \"\"", "stdin-done Ok(())"]
    );
    let long = "discarded ".repeat(10_000);
    for text in ["leaked", long.as_str()] {
        let outcome = run_ok(&component, &["stderr", text]);
        assert_eq!(lines(&outcome, "p3"), ["stderr-written true Ok(())"]);
        let stderr = String::from_utf8_lossy(&outcome.stderr);
        assert!(
            !stderr.contains("leaked") && !stderr.contains("discarded"),
            "{stderr}"
        );
    }
    // stdout stays the host's.
    let outcome = run_ok(&component, &["stdout", "hello"]);
    assert_eq!(
        stdout_lines(&outcome),
        ["hello", "p3 stdout-written true Ok(())"]
    );
}
