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
    // One line on stderr says why, naming the interface and the policy key.
    assert_eq!(
        String::from_utf8_lossy(&outcome.stderr).lines().next(),
        Some(
            "interpose: the policy denies `wasi:cli/exit` (key `exit`), and exit() has nothing \
             to answer with, so the app is stopped"
        )
    );
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
    // A denied stdout is an empty sink: the app runs to its end, and nothing comes out.
    let outcome = run_raw(&composed, args(&["env_printer"]));
    assert!(
        outcome.trap.is_none() && outcome.exit_code == 0 && outcome.stdout.is_empty(),
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
fn denied_streams_are_empty_or_discard_what_they_are_given() {
    // Strict: stderr is denied too.
    let composed = compose(
        programs::STDIO_ECHO,
        r#"{"default": "deny", "stdio": {"stdin": "null", "stdout": "deny"}}"#,
    );
    let outcome = echo(&composed, b"abc");
    assert!(
        outcome.stdout.is_empty() && outcome.stderr.is_empty(),
        "{outcome:?}"
    );
    // A denied stdin reads as empty (a preview 1 app asks for it before any file).
    let composed = compose(
        programs::STDIO_ECHO,
        r#"{"default": "deny", "stdio": {"stdout": "inherit", "stderr": "inherit"}}"#,
    );
    assert!(!unversioned_imports(&composed).contains(&"wasi:cli/stdin".to_owned()));
    let outcome = echo(&composed, b"abc");
    assert!(
        outcome.stdout.starts_with(b"stdout: read 0 bytes\n"),
        "{outcome:?}"
    );
    assert_eq!(
        String::from_utf8_lossy(&outcome.stderr),
        "stderr: read 0 bytes\n"
    );
}

#[test]
fn a_denied_stream_beside_files_is_empty_and_files_still_work() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "abc").unwrap();
    let policy = r#"{"default": "deny", "fs": {"mode": "read-only"},
                    "stdio": {"stdout": "inherit", "stderr": "inherit"}}"#;
    let probe = interpose_tests::probe::Probe::composed(policy);
    let lines = probe.at(dir.path(), &["read:a.txt", "stdin", "write:a.txt"]);
    let raw = interpose_tests::probe::Probe::raw().at(dir.path(), &["read:a.txt"]);
    assert_eq!(lines[0], raw[0]);
    assert_eq!(lines[1], "stdin: ok 0 bytes");
    assert_eq!(lines[2], "write:a.txt: err read-only");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.txt")).unwrap(),
        "abc"
    );
}

#[test]
fn a_denied_stream_is_the_denial_components_when_it_cannot_be_empty() {
    // An app serving HTTP gets the host's requests, whose body streams are the host's: its
    // streams cannot be interpose's, so a denied stdin is the denial component's, which stops
    // the app with a line when asked for (as a denied `exit` does, below).
    let serving = wat::parse_str(
        r#"(component
             (import "wasi:cli/stdin@0.2.0" (instance $i (export "get-stdin" (func))))
             (import "wasi:http/types@0.2.0" (instance $t))
             (instance $h)
             (export "wasi:http/incoming-handler@0.2.0" (instance $h)))"#,
    )
    .unwrap();
    let inspection = interpose::inspect(&serving).unwrap();
    let plan = interpose::plan::plan(
        &interpose_tests::policy(r#"{"http": "host", "stdio": {"stdin": "deny"}}"#),
        &inspection.imports,
        &inspection.exports,
    )
    .unwrap();
    let stdin = &plan.imports[0];
    assert_eq!(stdin.decision, interpose::routing::Decision::Deny, "{plan}");
    assert!(plan.stdio.is_none(), "{plan}");
}

#[test]
fn a_denied_stdin_is_empty_beside_http() {
    // HTTP bodies are wrapped too (`stdio-all`), so stdin can be an empty stream of
    // interpose's own.
    let composition = Composer::new(interpose_tests::policy(
        r#"{"http": "host", "stdio": {"stdin": "deny"}}"#,
    ))
    .compose(programs::HTTP_CLIENT)
    .unwrap();
    let plugged: Vec<String> = composition.plugged().into_iter().map(|(a, _)| a).collect();
    assert_eq!(plugged, ["stdio-all"]);
    let imports = unversioned_imports(&composition.component);
    assert!(
        !imports
            .iter()
            .any(|i| i.starts_with("wasi:filesystem") || i.starts_with("wasi:sockets")),
        "what the wrapper wraps and the app does not reach is not imported: {imports:?}"
    );
    let outcome = run_raw(
        &composition.component,
        RunOptions {
            http: true,
            ..args(&["http_client", "stdin"])
        },
    );
    assert_eq!(stdout_lines(&outcome), ["stdin: Ok(0) bytes"]);
}

#[test]
fn null_streams_wrap_every_other_source_of_streams() {
    // Files are wrapped, so that their streams are interpose's too.
    let composition = Composer::new(interpose_tests::policy(r#"{"stdio": {"stdout": "null"}}"#))
        .compose(programs::FS_PROBE)
        .unwrap();
    let plugged: Vec<String> = composition.plugged().into_iter().map(|(a, _)| a).collect();
    assert_eq!(plugged, ["stdio-files"]);
    // So are TCP sockets.
    let composition = Composer::new(interpose_tests::policy(r#"{"stdio": {"stdout": "null"}}"#))
        .compose(programs::TCP_CLIENT)
        .unwrap();
    let plugged: Vec<String> = composition.plugged().into_iter().map(|(a, _)| a).collect();
    assert_eq!(plugged, ["stdio-sockets"]);
    // So is HTTP.
    let composition = Composer::new(interpose_tests::policy(r#"{"stdio": {"stdout": "null"}}"#))
        .compose(programs::HTTP_CLIENT)
        .unwrap();
    let plugged: Vec<String> = composition.plugged().into_iter().map(|(a, _)| a).collect();
    assert_eq!(plugged, ["stdio-all"]);
    // Denying HTTP takes its types along: nothing of HTTP is imported.
    let composed = compose(
        programs::HTTP_CLIENT,
        r#"{"stdio": {"stdout": "null"}, "http": "deny"}"#,
    );
    let imports = unversioned_imports(&composed);
    assert!(
        !imports.iter().any(|i| i.starts_with("wasi:http/")),
        "{imports:?}"
    );
    // An app serving HTTP keeps the host's types (the host's requests come with them), whose
    // body streams cannot be interpose's: a null stream is refused, naming them.
    let serving = wat::parse_str(
        r#"(component
             (import "wasi:cli/stdout@0.2.0" (instance $o))
             (import "wasi:http/types@0.2.0" (instance $t))
             (instance $h)
             (export "wasi:http/incoming-handler@0.2.0" (instance $h)))"#,
    )
    .unwrap();
    let err = Composer::new(interpose_tests::policy(r#"{"stdio": {"stdout": "null"}}"#))
        .compose(&serving)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("`wasi:http/types@"), "{err}");
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
    // Denied as a host without network would: `access-denied`, which the app sees as an error.
    let outcome = run_raw(&composed, options);
    assert!(outcome.trap.is_none(), "{outcome:?}");
    assert_eq!(
        stdout_lines(&outcome),
        [format!("{addr}: err PermissionDenied")]
    );
}

const STRICT: &str = r#"{"default": "deny", "stdio": {"stdout": "inherit", "stderr": "inherit"}}"#;

#[test]
fn a_strict_policy_leaves_only_what_it_opens() {
    let composed = compose(programs::ENV_PRINTER, STRICT);
    let imports = unversioned_imports(&composed);
    // The monotonic clock is the `stdio` adapter's own (ready pollables of its empty stdin);
    // the app's is denied (asserted below).
    let allowed = |i: &String| {
        i.starts_with("wasi:io/")
            || [
                "wasi:clocks/monotonic-clock",
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
    assert_eq!(
        inspection.route("wasi:clocks/monotonic-clock"),
        Some(&Route::Denied)
    );
    assert_eq!(
        inspection.route("wasi:cli/stdin"),
        Some(&Route::Adapter("stdio".into()))
    );
    assert_eq!(
        inspection.route("wasi:cli/stdout"),
        Some(&Route::Adapter("stdio".into()))
    );
    assert_eq!(
        inspection.route("wasi:cli/environment"),
        Some(&Route::Adapter("env".into()))
    );
    let text = inspection.to_string();
    assert!(
        text.contains("denied: interpose answers every call"),
        "{text}"
    );
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

/// WASI 0.3 interfaces interpose does not know, in packages its sections cover. Their types need
/// not be the real ones: interpose decides on the names. (Known 0.3 interfaces are routed by
/// their section: see the golden plans `wasi-0-3-*` and `tests/tests/p3.rs`.)
const SOCKETS_0_3: &str = "wasi:sockets/quic@0.3.0";
const CLOCKS_0_3: &str = "wasi:clocks/calendar@0.3.0";

fn app_importing_wasi_0_3() -> Vec<u8> {
    interpose_tests::component_importing(&[
        (SOCKETS_0_3, "connect", "(func)"),
        (CLOCKS_0_3, "now", "(func (result u64))"),
    ])
}

/// Composes `app` under `policy` (JSON or a built-in name), which must fail.
fn compose_error(app: &[u8], policy: &str) -> ComposeError {
    let policy = match policy.starts_with('{') {
        true => interpose_tests::policy(policy),
        false => interpose::load_policy(policy).unwrap(),
    };
    match Composer::new(policy).compose(app) {
        Ok(composition) => panic!("composed: {:?}", composition.routes),
        Err(e) => e,
    }
}

/// What a [`ComposeError::CannotAttenuate`] refuses: each import, the section covering it, and
/// whether the policy has that section (or `"default": "deny"` stands for it).
fn unattenuable(error: &ComposeError) -> Vec<(&str, &str, bool)> {
    match error {
        ComposeError::CannotAttenuate { imports, .. } => imports
            .iter()
            .map(|u| (u.import.as_str(), u.section.key(), u.in_policy))
            .collect(),
        other => panic!("{other:?}: {other}"),
    }
}

#[test]
fn wasi_imports_a_policy_section_covers_but_interpose_cannot_attenuate_are_refused() {
    let app = app_importing_wasi_0_3();
    for (policy, refused, advice) in [
        (
            r#"{"sockets": "deny", "http": "deny"}"#,
            vec![(SOCKETS_0_3, "sockets", true)],
            "remove the `sockets` section to let the host serve it unattenuated",
        ),
        // Not strict, and no `sockets` section: the sockets import is not refused.
        (
            "deterministic",
            vec![(CLOCKS_0_3, "clocks", true)],
            "remove the `clocks` section to let the host serve it unattenuated",
        ),
        (
            r#"{"default": "deny"}"#,
            vec![
                (SOCKETS_0_3, "sockets", false),
                (CLOCKS_0_3, "clocks", false),
            ],
            "list these imports in `\"allow-imports\"` to let the host serve them unattenuated",
        ),
        (
            "hermetic",
            vec![(SOCKETS_0_3, "sockets", true), (CLOCKS_0_3, "clocks", true)],
            "remove the `sockets` and `clocks` sections and list these imports in \
             `\"allow-imports\"`",
        ),
    ] {
        let error = compose_error(&app, policy);
        assert_eq!(unattenuable(&error), refused, "{policy}");
        let message = error.to_string();
        for (import, _, _) in refused {
            assert!(message.contains(&format!("`{import}`")), "{message}");
        }
        assert!(message.contains("in WASI 0.3"), "{message}");
        assert!(message.contains(advice), "{message}");
        assert!(
            message.contains("a build of the app for WASI 0.2"),
            "{message}"
        );
    }
}

#[test]
fn other_wasi_versions_and_unknown_interfaces_are_refused_under_their_section() {
    for (import, policy, section) in [
        // Unknown interfaces in a package a section covers.
        (
            "wasi:sockets/quic@0.2.0",
            r#"{"sockets": "deny"}"#,
            "sockets",
        ),
        ("wasi:clocks/timezone@0.2.3", "deterministic", "clocks"),
        (
            "wasi:http/incoming-handler@0.2.0",
            r#"{"http": "deny"}"#,
            "http",
        ),
        ("wasi:cli/terminal-foo@0.2.0", r#"{"stdio": {}}"#, "stdio"),
        // Another version of interfaces interpose knows at 0.2.x.
        ("wasi:cli/environment@0.1.0", r#"{"env": {}}"#, "env"),
        (
            "wasi:cli/stdout@0.2.0-rc-2023-11-10",
            r#"{"stdio": {}}"#,
            "stdio",
        ),
        ("wasi:cli/exit@1.0.0", r#"{"exit": "allow"}"#, "exit"),
        (
            "wasi:filesystem/types",
            r#"{"fs": {"mode": "read-only"}}"#,
            "fs",
        ),
        (
            "wasi:random/random@0.3.0-rc-2025-09-16",
            r#"{"random": "host"}"#,
            "random",
        ),
    ] {
        let app = interpose_tests::component_importing(&[(import, "f", "(func)")]);
        let error = compose_error(&app, policy);
        assert_eq!(unattenuable(&error), [(import, section, true)], "{error}");
        let message = error.to_string();
        assert!(message.contains(&format!("`{import}`")), "{message}");
        assert!(message.contains("cannot attenuate"), "{message}");
        assert!(
            message.contains(&format!("remove the `{section}` section")),
            "{message}"
        );
    }
    // Any 0.2.x patch is what the adapters serve, build metadata aside.
    let app = interpose_tests::component_importing(&[(
        "wasi:random/random@0.2.99+build.7",
        "get-random-u64",
        "(func (result u64))",
    )]);
    let composition = Composer::new(interpose_tests::policy(r#"{"random": {"seed": 1}}"#))
        .compose(&app)
        .unwrap();
    assert_eq!(composition.plugged()[0].0, "random");
}

#[test]
fn wasi_imports_outside_the_policy_sections_pass_to_the_host_and_inspect_marks_them() {
    let app = app_importing_wasi_0_3();
    let composition = Composer::new(interpose_tests::policy(r#"{"env": {}}"#))
        .compose(&app)
        .unwrap();
    assert_eq!(composition.component, app);
    assert_eq!(
        composition.routes,
        [
            (SOCKETS_0_3.to_owned(), Route::Unknown),
            (CLOCKS_0_3.to_owned(), Route::Unknown)
        ]
    );
    let inspection = interpose::inspect(&app).unwrap();
    assert_eq!(inspection.route("wasi:sockets/quic"), Some(&Route::Unknown));
    let text = inspection.to_string();
    let line = text.lines().find(|l| l.contains(SOCKETS_0_3)).unwrap();
    assert!(line.contains("unknown to interpose"), "{text}");

    // Composed (the app's environment goes through the adapter): the route baked in says so.
    let app = interpose_tests::component_importing(&[
        (SOCKETS_0_3, "connect", "(func)"),
        (
            "wasi:cli/environment@0.2.0",
            "get-arguments",
            "(func (result (list string)))",
        ),
    ]);
    let composed = interpose_tests::compose(&app, r#"{"env": {}}"#);
    let inspection = interpose::inspect(&composed).unwrap();
    assert_eq!(inspection.route("wasi:sockets/quic"), Some(&Route::Unknown));
    let text = inspection.to_string();
    let line = text.lines().find(|l| l.contains(SOCKETS_0_3)).unwrap();
    assert!(line.contains("unknown to interpose"), "{text}");
    assert!(text.contains("attenuated by the `env` adapter"), "{text}");
}

#[test]
fn a_strict_policy_lets_a_wasi_0_3_import_through_only_when_allowed_and_not_covered() {
    let app = interpose_tests::component_importing(&[(SOCKETS_0_3, "connect", "(func)")]);
    let allowing = r#"{"default": "deny", "allow-imports": ["wasi:sockets/quic"]}"#;
    let composition = Composer::new(interpose_tests::policy(allowing))
        .compose(&app)
        .unwrap();
    assert_eq!(
        composition.routes,
        [(SOCKETS_0_3.to_owned(), Route::AllowedUnknown)]
    );
    // A section of its own still covers it: the policy asks for what interpose cannot do.
    let covered =
        r#"{"default": "deny", "sockets": "deny", "allow-imports": ["wasi:sockets/quic"]}"#;
    let error = compose_error(&app, covered);
    assert_eq!(unattenuable(&error), [(SOCKETS_0_3, "sockets", true)]);
    assert!(
        error.to_string().contains("remove the `sockets` section"),
        "{error}"
    );
    // `wasi:io` is plumbing, nobody's section, and 0.3 has none: strict refuses another version
    // as unknown, `default: host` passes it through.
    let app = interpose_tests::component_importing(&[("wasi:io/streams@0.3.0", "f", "(func)")]);
    match compose_error(&app, r#"{"default": "deny"}"#) {
        ComposeError::UndecidedImports(names) => assert_eq!(names, ["wasi:io/streams@0.3.0"]),
        other => panic!("{other:?}"),
    }
    let lenient = Composer::new(interpose_tests::policy(r#"{"sockets": "deny"}"#));
    let composition = lenient.compose(&app).unwrap();
    assert_eq!(composition.component, app);
    assert_eq!(
        composition.routes,
        [("wasi:io/streams@0.3.0".to_owned(), Route::Unknown)]
    );
    // Under a strict policy, an unknown interface of a WASI package no section covers is refused
    // too; `allow-imports` lets it through.
    let app = interpose_tests::component_importing(&[("wasi:cli/run@0.2.0", "run", "(func)")]);
    assert!(matches!(
        compose_error(&app, r#"{"default": "deny"}"#),
        ComposeError::UndecidedImports(_)
    ));
    let allowing = r#"{"default": "deny", "allow-imports": ["wasi:cli/run@0.2.0"]}"#;
    let composition = Composer::new(interpose_tests::policy(allowing))
        .compose(&app)
        .unwrap();
    assert_eq!(composition.routes[0].1, Route::AllowedUnknown);
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

#[test]
fn denials_answer_alike_on_jco() {
    // The denial component is a plain component: jco runs it as wasmtime does. Sockets and
    // HTTP denied are errors the app sees; under `hermetic` the app runs to its end.
    let jco = interpose_tests::jco::jco();
    let tcp = compose(programs::TCP_CLIENT, r#"{"sockets": "deny"}"#);
    let output = interpose_tests::jco::run(jco, &tcp, &["127.0.0.1:9"]);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "127.0.0.1:9: err PermissionDenied\n",
        "{output:?}"
    );
    let http = compose(programs::HTTP_CLIENT, r#"{"http": "deny"}"#);
    let output = interpose_tests::jco::run(jco, &http, &["GET:http://127.0.0.1:9/"]);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "GET http://127.0.0.1:9/: err ErrorCode::HttpRequestDenied\n",
        "{output:?}"
    );
    let hermetic = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies/hermetic.json"),
    )
    .unwrap();
    let composed = compose(programs::ENV_PRINTER, &hermetic);
    let output = interpose_tests::jco::run(jco, &composed, &["a"]);
    assert!(output.status.success(), "{output:?}");
    let wasmtime = run_raw(&composed, args(&["env_printer", "a"]));
    // The same, but for the program name, which each host picks (`hermetic` keeps it).
    let lines = |out: &[u8]| -> Vec<String> {
        String::from_utf8_lossy(out)
            .lines()
            .filter(|l| !l.starts_with("program "))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(lines(&output.stdout), lines(&wasmtime.stdout));
    assert!(lines(&output.stdout).contains(&"arg a".to_owned()));
}

/// An app importing interpose's own interfaces by name (the baked policy, which can hold
/// credentials a rule injects; the listing filter; the null-stream sink) is never given the
/// composition's: under a lenient policy the import stays the output's, for the host to answer
/// (which has none), and a strict policy refuses it.
#[test]
fn an_app_cannot_reach_interposes_own_interfaces() {
    let lenient = r#"{"fs": {"deny": ["**/secret*"]}, "env": {"allow": ["A"]}}"#;
    let strict = r#"{"default": "deny", "env": {"allow": ["A"]}}"#;
    for import in [
        "interpose:policy/source@0.1.0",
        "interpose:adapters-p3/filtered-listing@0.1.0",
        "interpose:adapters-p3/null-streams@0.1.0",
    ] {
        let app = interpose_tests::component_importing(&[
            (import, "len", "(func (result u32))"),
            (
                "wasi:cli/environment@0.2.0",
                "get-environment",
                "(func (result (list (tuple string string))))",
            ),
        ]);
        let composed = Composer::new(interpose_tests::policy(lenient))
            .compose(&app)
            .unwrap();
        let plugged: Vec<String> = composed.plugged().into_iter().map(|(a, _)| a).collect();
        assert_eq!(plugged, ["env"], "{import}");
        let imports = interpose_tests::unversioned_imports(&composed.component);
        let name = import.split('@').next().unwrap();
        assert!(imports.iter().any(|i| i == name), "{import}: {imports:?}");
        let refused = Composer::new(interpose_tests::policy(strict))
            .compose(&app)
            .unwrap_err();
        assert!(refused.to_string().contains(import), "{refused}");
    }
}
