//! Denying whole areas, strict policies (`"default": "deny"`), stdio and exit.

use std::io::{Read, Write};
use std::net::TcpListener;

use interpose::{ComposeError, Composer, Policy, RunOptions, Stdio};
use interpose_policy::compiled::Route;
use interpose_tests::{compose, programs, run, runner, stdout_lines, unversioned_imports};

/// Runs without asserting success: traps are the point here.
fn run_raw(component: &[u8], options: RunOptions) -> interpose::RunOutcome {
    let options = RunOptions {
        stdio: Stdio::Capture,
        ..options
    };
    runner().run(component, &options).unwrap()
}

fn args(args: &[&str]) -> RunOptions {
    RunOptions {
        args: args.iter().map(|s| s.to_string()).collect(),
        ..RunOptions::default()
    }
}

#[test]
fn exit_can_be_denied() {
    // WASI 0.2's `exit` only says success or failure.
    let allowed = run_raw(programs::EXIT_WITH, args(&["exit_with", "0"]));
    assert_eq!((allowed.exit_code, allowed.trap.is_none()), (0, true));
    let denied = compose(programs::EXIT_WITH, r#"{"exit": "deny"}"#);
    assert!(!unversioned_imports(&denied).contains(&"wasi:cli/exit".to_owned()));
    let outcome = run_raw(&denied, args(&["exit_with", "0"]));
    assert_eq!(outcome.exit_code, 1);
    assert!(outcome.trap.is_some(), "{outcome:?}");
    assert_eq!(String::from_utf8_lossy(&outcome.stdout), "exiting with 0\n");
}

#[test]
fn stdout_can_be_denied_while_stderr_is_inherited() {
    let policy = r#"{"stdio": {"stdout": "deny"}}"#;
    let composed = compose(programs::ENV_PRINTER, policy);
    let imports = unversioned_imports(&composed);
    assert!(
        !imports.contains(&"wasi:cli/stdout".to_owned()),
        "{imports:?}"
    );
    assert!(
        imports.contains(&"wasi:cli/stderr".to_owned()),
        "{imports:?}"
    );
    let outcome = run_raw(&composed, args(&["env_printer"]));
    assert!(
        outcome.trap.is_some() && outcome.stdout.is_empty(),
        "{outcome:?}"
    );
}

fn echo(component: &[u8], stdin: &[u8]) -> interpose::RunOutcome {
    let outcome = run_raw(
        component,
        RunOptions {
            stdin: Some(stdin.to_vec()),
            ..args(&["stdio_echo"])
        },
    );
    assert!(
        outcome.trap.is_none() && outcome.exit_code == 0,
        "{outcome:?}\nstderr: {}",
        String::from_utf8_lossy(&outcome.stderr)
    );
    outcome
}

/// Strict, so that files, sockets and HTTP (the app's other sources of streams) are denied.
fn null_policy(stdin: &str, stdout: &str) -> String {
    format!(
        r#"{{"default": "deny", "stdio": {{"stdin": "{stdin}", "stdout": "{stdout}", "stderr": "inherit"}}}}"#
    )
}

#[test]
fn null_streams_are_empty_or_discard_what_they_are_given() {
    // Without a policy the app reads its input and writes its output.
    let direct = echo(programs::STDIO_ECHO, b"abc");
    assert!(direct.stdout.starts_with(b"stdout: read 3 bytes\n"));
    assert_eq!(
        direct.stdout.len(),
        "stdout: read 3 bytes\n".len() + 64 * 1024
    );
    assert_eq!(
        String::from_utf8_lossy(&direct.stderr),
        "stderr: read 3 bytes\n"
    );

    let both_null = compose(programs::STDIO_ECHO, &null_policy("null", "null"));
    let outcome = echo(&both_null, b"abc");
    assert!(outcome.stdout.is_empty(), "{outcome:?}");
    assert_eq!(
        String::from_utf8_lossy(&outcome.stderr),
        "stderr: read 0 bytes\n"
    );

    // Inherited streams still work beside a null one (through the adapter).
    let stdout_null = compose(programs::STDIO_ECHO, &null_policy("inherit", "null"));
    let outcome = echo(&stdout_null, b"abc");
    assert!(outcome.stdout.is_empty(), "{outcome:?}");
    assert_eq!(
        String::from_utf8_lossy(&outcome.stderr),
        "stderr: read 3 bytes\n"
    );
    let stdin_null = compose(programs::STDIO_ECHO, &null_policy("null", "inherit"));
    let outcome = echo(&stdin_null, b"abc");
    assert!(
        outcome.stdout.starts_with(b"stdout: read 0 bytes\n"),
        "{outcome:?}"
    );
    assert_eq!(
        outcome.stdout.len(),
        "stdout: read 0 bytes\n".len() + 64 * 1024
    );

    let inspection = interpose::inspect(&both_null).unwrap();
    assert_eq!(
        inspection.route("wasi:cli/stdout"),
        Some(&Route::Adapter("stdio".into()))
    );
    assert!(
        inspection.to_string().contains("stdout: null"),
        "{inspection}"
    );
}

#[test]
fn a_denied_stream_beside_a_null_one_stops_the_app() {
    let composed = compose(
        programs::STDIO_ECHO,
        r#"{"default": "deny", "stdio": {"stdin": "null", "stdout": "deny"}}"#,
    );
    let outcome = run_raw(&composed, args(&["stdio_echo"]));
    assert!(
        outcome.trap.is_some() && outcome.stdout.is_empty(),
        "{outcome:?}"
    );
}

#[test]
fn null_streams_need_the_other_sources_of_streams_denied() {
    // `fs_probe` uses files.
    let composed = Composer::new(interpose_tests::policy(r#"{"stdio": {"stdout": "null"}}"#))
        .compose(programs::FS_PROBE);
    let Err(err) = composed else {
        panic!("composed although the app's files reach the host");
    };
    assert!(
        matches!(err, ComposeError::NullStdioWithStreams(_)),
        "{err}"
    );
    let message = err.to_string();
    assert!(message.contains("`wasi:filesystem/types@"), "{message}");
    assert!(
        message.contains("\"fs\": {\"mode\": \"deny\"}"),
        "{message}"
    );
    // Denying the filesystem is enough for this app.
    compose(
        programs::FS_PROBE,
        r#"{"stdio": {"stdout": "null"}, "fs": {"mode": "deny"}}"#,
    );
    // HTTP bodies are streams too; denying HTTP takes its types along.
    let err = Composer::new(interpose_tests::policy(r#"{"stdio": {"stdout": "null"}}"#))
        .compose(programs::HTTP_CLIENT)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("`wasi:http/types@"), "{err}");
    let composed = compose(
        programs::HTTP_CLIENT,
        r#"{"stdio": {"stdout": "null"}, "http": "deny"}"#,
    );
    let imports = unversioned_imports(&composed);
    assert!(
        !imports.iter().any(|i| i.starts_with("wasi:http/")),
        "{imports:?}"
    );
}

fn echo_server() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    (listener, addr)
}

/// Answers `pong` to at most `connections` clients, then returns.
fn serve(listener: TcpListener, connections: usize) -> std::thread::JoinHandle<usize> {
    std::thread::spawn(move || {
        let mut served = 0;
        for stream in listener.incoming().take(connections) {
            let mut stream = stream.unwrap();
            let mut ping = [0u8; 4];
            if stream.read_exact(&mut ping).is_ok() {
                stream.write_all(b"pong").unwrap();
                served += 1;
            }
        }
        served
    })
}

#[test]
fn sockets_can_be_denied_wholesale() {
    let (listener, addr) = echo_server();
    let server = serve(listener, 1);
    let options = RunOptions {
        network: true,
        ..args(&["tcp_client", &addr])
    };
    // Baseline: the host grants the network and the app reaches the server.
    let direct = run(programs::TCP_CLIENT, options.clone());
    assert_eq!(stdout_lines(&direct), [format!("{addr}: ok pong")]);
    assert_eq!(server.join().unwrap(), 1);

    let composed = compose(programs::TCP_CLIENT, r#"{"sockets": "deny"}"#);
    let imports = unversioned_imports(&composed);
    assert!(
        imports.iter().all(|i| !i.starts_with("wasi:sockets/")),
        "{imports:?}"
    );
    let outcome = run_raw(&composed, options);
    assert!(outcome.trap.is_some(), "{outcome:?}");
    assert!(!String::from_utf8_lossy(&outcome.stdout).contains("pong"));
}

const STRICT: &str = r#"{"default": "deny", "stdio": {"stdout": "inherit", "stderr": "inherit"}}"#;

#[test]
fn a_strict_policy_leaves_only_what_it_opens() {
    let composed = compose(programs::ENV_PRINTER, STRICT);
    let imports = unversioned_imports(&composed);
    let allowed = |i: &String| {
        i.starts_with("wasi:io/")
            || [
                "wasi:cli/stdout",
                "wasi:cli/stderr",
                "wasi:cli/terminal-stdout",
                "wasi:cli/terminal-stderr",
                "wasi:cli/terminal-output",
                "wasi:cli/terminal-input",
                "wasi:cli/environment",
            ]
            .contains(&i.as_str())
    };
    assert!(imports.iter().all(allowed), "{imports:?}");
    let app_imports = unversioned_imports(programs::ENV_PRINTER);
    assert!(
        app_imports.iter().any(|i| !allowed(i)),
        "the app must import something strict denies"
    );

    // The environment is emptied, not trapped: the app still runs.
    let options = RunOptions {
        env: vec![("SECRET".into(), "x".into())],
        ..args(&["env_printer", "arg1"])
    };
    let lines = stdout_lines(&run(&composed, options));
    assert!(lines.iter().all(|l| !l.starts_with("env ")), "{lines:?}");
    assert!(lines.contains(&"arg arg1".to_owned()), "{lines:?}");

    let inspection = interpose::inspect(&composed).unwrap();
    assert_eq!(inspection.route("wasi:cli/exit"), Some(&Route::Denied));
    assert_eq!(inspection.route("wasi:cli/stdin"), Some(&Route::Denied));
    assert_eq!(inspection.route("wasi:cli/stdout"), Some(&Route::Host));
    assert_eq!(
        inspection.route("wasi:cli/environment"),
        Some(&Route::Adapter("env".into()))
    );
    let text = inspection.to_string();
    assert!(text.contains("denied: a stub refuses every call"), "{text}");
}

/// A component importing an interface interpose does not know, built from WAT.
fn app_with_unknown_import() -> Vec<u8> {
    wat::parse_str(
        r#"(component
             (import "my:plugin/api@1.0.0" (instance $api (export "hello" (func))))
             (alias export $api "hello" (func $hello))
             (export "hello" (func $hello)))"#,
    )
    .unwrap()
}

#[test]
fn strict_policies_refuse_unknown_imports_unless_allowed() {
    let app = app_with_unknown_import();
    let strict = Policy::parse(r#"{"default": "deny"}"#, "p.json").unwrap();
    match Composer::new(strict).compose(&app) {
        Err(ComposeError::UndecidedImports(names)) => assert_eq!(names, ["my:plugin/api@1.0.0"]),
        other => panic!("{other:?}"),
    }
    let allowing = Policy::parse(
        r#"{"default": "deny", "allow-imports": ["my:plugin/api"]}"#,
        "p.json",
    )
    .unwrap();
    let composition = Composer::new(allowing).compose(&app).unwrap();
    assert_eq!(
        composition.routes,
        [("my:plugin/api@1.0.0".to_owned(), Route::AllowedUnknown)]
    );
    // Not strict: unknown imports reach the host.
    let lenient = Policy::parse(r#"{"env": {}}"#, "p.json").unwrap();
    assert_eq!(Composer::new(lenient).compose(&app).unwrap().component, app);
}

#[test]
fn the_filesystem_can_be_denied_without_importing_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "hello").unwrap();
    let composed = compose(programs::FS_PROBE, r#"{"fs": {"mode": "deny"}}"#);
    let imports = unversioned_imports(&composed);
    assert!(
        imports.iter().all(|i| !i.starts_with("wasi:filesystem/")),
        "{imports:?}"
    );
    let options = RunOptions {
        preopens: vec![interpose::Preopen {
            host: dir.path().to_owned(),
            guest: "/data".into(),
            writable: true,
        }],
        ..args(&["fs_probe", "preopens", "read:a.txt"])
    };
    assert_eq!(
        stdout_lines(&run(&composed, options)),
        ["preopens: ok ", "read:a.txt: err no-entry"]
    );
}

#[test]
fn hermetic_leaves_exactly_the_expected_imports() {
    let policy = interpose::load_policy("hermetic").unwrap();
    for app in [
        programs::ENV_PRINTER,
        programs::FS_PROBE,
        programs::TCP_CLIENT,
    ] {
        let composition = Composer::new(policy.clone()).compose(app).unwrap();
        let imports = unversioned_imports(&composition.component);
        // Plumbing (streams, pollables, errors, terminal types), the two output streams, exit,
        // and what the env and clocks adapters wrap.
        let expected = [
            "wasi:cli/environment",
            "wasi:cli/exit",
            "wasi:cli/stderr",
            "wasi:cli/stdout",
            "wasi:cli/terminal-input",
            "wasi:cli/terminal-output",
            "wasi:cli/terminal-stderr",
            "wasi:cli/terminal-stdout",
            "wasi:clocks/monotonic-clock",
            "wasi:io/error",
            "wasi:io/poll",
            "wasi:io/streams",
        ];
        let app_imports = unversioned_imports(app);
        let unexpected: Vec<&String> = imports
            .iter()
            .filter(|i| !expected.contains(&i.as_str()))
            .collect();
        assert!(
            unexpected.is_empty(),
            "unexpected imports {unexpected:?} (app: {app_imports:?})"
        );
        for denied in [
            "wasi:filesystem/",
            "wasi:sockets/",
            "wasi:random/",
            "wasi:cli/stdin",
        ] {
            assert!(
                imports.iter().all(|i| !i.starts_with(denied)),
                "{denied} in {imports:?}"
            );
        }
    }
}
