//! Every section of a policy composes and runs beside every other: each pair of sections (and
//! each section alone, with and without `"default": "deny"`) is composed with apps that import
//! what the sections decide, and run. Sections were written one at a time; this is where they
//! meet (a null stream beside a virtual clock once failed to compose).

use interpose::{ComposeError, Composer, RunOptions, Stdio};
use interpose_tests::{policy, programs, runner};

/// One setting per section, each one that plugs an adapter or the denial component.
const SECTIONS: &[(&str, &str)] = &[
    ("env", r#"{"allow": ["LANG"], "cwd": "hide"}"#),
    ("fs", r#"{"mode": "read-only", "deny": ["**/*.pem"]}"#),
    (
        "clocks",
        r#"{"wall": {"frozen": "2024-01-01T00:00:00Z"}, "monotonic": "virtual"}"#,
    ),
    ("random", r#"{"seed": 7}"#),
    ("sockets", r#""deny""#),
    ("http", r#""deny""#),
    (
        "stdio",
        r#"{"stdin": "null", "stdout": "inherit", "stderr": "inherit"}"#,
    ),
    ("exit", r#""deny""#),
];

/// (app, arguments): between them they import every section's interfaces.
fn apps() -> [(&'static str, &'static [u8], Vec<String>); 5] {
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    [
        ("env_printer", programs::ENV_PRINTER, args(&["env_printer"])),
        (
            "fs_probe",
            programs::FS_PROBE,
            args(&["fs_probe", "preopens", "stdin"]),
        ),
        (
            "time_random",
            programs::TIME_RANDOM,
            args(&["time_random", "0"]),
        ),
        (
            "tcp_client",
            programs::TCP_CLIENT,
            args(&["tcp_client", "127.0.0.1:9"]),
        ),
        (
            "http_client",
            programs::HTTP_CLIENT,
            args(&["http_client", "GET:http://127.0.0.1:9/"]),
        ),
    ]
}

fn policies() -> Vec<String> {
    let mut policies = Vec::new();
    for default in ["host", "deny"] {
        for (i, (a, a_value)) in SECTIONS.iter().enumerate() {
            policies.push(format!(r#"{{"default": "{default}", "{a}": {a_value}}}"#));
            for (b, b_value) in &SECTIONS[i + 1..] {
                policies.push(format!(
                    r#"{{"default": "{default}", "{a}": {a_value}, "{b}": {b_value}}}"#
                ));
            }
        }
    }
    policies
}

#[test]
fn every_pair_of_sections_composes_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("file.txt"), "x").unwrap();
    let mut runs = 0;
    let mut refusals = 0;
    // Every policy is composed with every app; each policy runs one of them, in turn (running
    // means compiling, which is what takes time).
    let apps = apps();
    for (index, json) in policies().into_iter().enumerate() {
        let composer = Composer::new(policy(&json));
        for (app_index, (name, app, args)) in apps.iter().enumerate() {
            let composition = match composer.compose(app) {
                Ok(composition) => composition,
                // The one refusal by design: a null stream is interpose's own, so files,
                // sockets and HTTP reaching the host would hand the app host streams beside it.
                Err(ComposeError::NullStdioWithStreams(_)) if json.contains(r#""null""#) => {
                    refusals += 1;
                    continue;
                }
                Err(e) => panic!("{name} under {json}: {e}"),
            };
            if app_index != index % apps.len() {
                continue;
            }
            let options = RunOptions {
                args: args.clone(),
                preopens: vec![interpose::Preopen {
                    host: dir.path().to_owned(),
                    guest: "data".into(),
                    writable: true,
                }],
                stdin: Some(b"in".to_vec()),
                network: true,
                http: true,
                stdio: Stdio::Capture,
                ..RunOptions::default()
            };
            let outcome = runner()
                .run(&composition.component, &options)
                .unwrap_or_else(|e| panic!("{name} under {json}: {e}"));
            // A trap only where a denied function has no error to return (a clock or random
            // numbers under `"default": "deny"`), and then after interpose's one line.
            let stderr = String::from_utf8_lossy(&outcome.stderr);
            let explained = stderr.lines().any(|l| l.starts_with("interpose: "));
            assert!(
                (outcome.trap.is_none() && outcome.exit_code == 0)
                    || (outcome.trap.is_some() && explained),
                "{name} under {json}: {outcome:?}\nstderr: {stderr}"
            );
            runs += 1;
        }
    }
    // The refusals are few and expected; most combinations run.
    assert!(
        runs > 40 && refusals < 40,
        "{runs} runs, {refusals} refusals"
    );
}

#[test]
fn a_null_stream_composes_beside_a_clock() {
    // The policy from the report: `interpose:stdio` was registered twice.
    let json = r#"{"fs": {"mode": "deny"}, "sockets": "deny", "http": "deny",
                   "stdio": {"stdin": "null"}, "clocks": {"monotonic": "virtual"}}"#;
    let composition = Composer::new(policy(json))
        .compose(programs::TIME_RANDOM)
        .unwrap_or_else(|e| panic!("{e}"));
    let outcome = interpose_tests::run(
        &composition.component,
        RunOptions {
            args: vec!["time_random".into(), "0".into()],
            ..RunOptions::default()
        },
    );
    assert_eq!(outcome.exit_code, 0);
}
