//! The `interpose` binary: every bad input gets one clear line, a non-zero exit, no panic, and
//! the input untouched.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use interpose_tests::programs;

/// `interpose` with `args` in `dir`, stdin empty, and its compilation cache in the target
/// directory (never the user's own).
fn command(args: &[&str], dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_interpose"));
    command
        .args(args)
        .current_dir(dir)
        .env(
            "INTERPOSE_CACHE_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("interpose-cache"),
        )
        .stdin(Stdio::null());
    command
}

fn interpose(args: &[&str], dir: &Path) -> Output {
    command(args, dir).output().expect("running interpose")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts a failure with exit code 2, no panic, and `needle` in the message.
fn assert_fails(out: &Output, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert!(err.contains(needle), "expected `{needle}` in: {err}");
    assert!(!err.contains("panicked"), "panicked: {err}");
    assert!(err.starts_with("error: "), "{err}");
}

struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Self {
        Workspace {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
    fn run(&self, args: &[&str]) -> Output {
        interpose(args, self.path())
    }
}

const ENV_POLICY: &str = r#"{"env": {"allow": ["KEEP"]}}"#;

#[test]
fn compose_writes_beside_the_input_and_leaves_it_untouched() {
    let ws = Workspace::new();
    ws.write("app.wasm", programs::ENV_PRINTER);
    ws.write("policy.json", ENV_POLICY.as_bytes());
    let out = ws.run(&["compose", "--policy", "policy.json", "app.wasm"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(ws.path().join("app.wasm")).unwrap(),
        programs::ENV_PRINTER
    );
    let composed = std::fs::read(ws.path().join("app.composed.wasm")).unwrap();
    assert!(interpose::inspect(&composed).unwrap().policy.is_some());
    assert!(stderr(&out).contains("plugged the `env` adapter"));
    // An ordinary file, created as the umask says like the input was, not a private (0600)
    // temporary file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |name: &str| {
            let meta = std::fs::metadata(ws.path().join(name)).unwrap();
            meta.permissions().mode() & 0o777
        };
        assert_eq!(mode("app.composed.wasm"), mode("app.wasm"));
    }
}

#[test]
fn compose_refuses_to_overwrite_its_input() {
    let ws = Workspace::new();
    ws.write("app.wasm", programs::ENV_PRINTER);
    ws.write("policy.json", ENV_POLICY.as_bytes());
    let out = ws.run(&[
        "compose",
        "-p",
        "policy.json",
        "app.wasm",
        "-o",
        "./app.wasm",
    ]);
    assert_fails(&out, "over the input");
    assert_eq!(
        std::fs::read(ws.path().join("app.wasm")).unwrap(),
        programs::ENV_PRINTER
    );
}

#[test]
fn run_composes_in_memory_and_filters() {
    let ws = Workspace::new();
    ws.write("app.wasm", programs::ENV_PRINTER);
    ws.write("policy.json", ENV_POLICY.as_bytes());
    let out = ws.run(&[
        "run",
        "--policy",
        "policy.json",
        "--env",
        "KEEP=yes",
        "--env",
        "DROP=no",
        "app.wasm",
        "--",
        "a1",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("env KEEP=yes"), "{stdout}");
    assert!(!stdout.contains("DROP"), "{stdout}");
    assert!(stdout.contains("arg a1"), "{stdout}");
    // Nothing written.
    assert!(!ws.path().join("app.composed.wasm").exists());
}

/// A WASI 0.3 app (exporting the async `wasi:cli/run@0.3.x`, importing 0.3 and 0.2) runs with
/// the same flags, composed in memory: its virtual ten-minute waits cost no real time.
#[test]
fn run_runs_a_wasi_0_3_app() {
    let ws = Workspace::new();
    ws.write("app.wasm", programs::P3);
    let started = std::time::Instant::now();
    let out = ws.run(&[
        "run",
        "-p",
        "deterministic",
        "app.wasm",
        "--",
        "time",
        "600000",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Real waits would take twenty minutes: the bound is what they would cost, not a speed.
    assert!(started.elapsed() < std::time::Duration::from_secs(600));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("p3 system 1704067200.000000000\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("p3 monotonic-after-wait 600000000000\n"),
        "{stdout}"
    );
    let out = ws.run(&[
        "run",
        "-p",
        "no-secrets",
        "--env",
        "KEEP=yes",
        "--env",
        "GITHUB_TOKEN=no",
        "app.wasm",
        "--",
        "env",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("p3 env KEEP=yes") && stdout.contains("p2 env KEEP=yes"));
    assert!(!stdout.contains("GITHUB_TOKEN"), "{stdout}");
    // And unadapted, on the host's own WASI 0.3.
    let out = ws.run(&["run", "--env", "GITHUB_TOKEN=yes", "app.wasm", "--", "env"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("p3 env GITHUB_TOKEN=yes"));
}

#[test]
fn not_a_wasm_file() {
    let ws = Workspace::new();
    ws.write("app.wasm", b"#!/bin/sh\necho hi\n");
    assert_fails(
        &ws.run(&["compose", "-p", "no-secrets", "app.wasm"]),
        "not a WebAssembly file",
    );
    assert_fails(&ws.run(&["inspect", "app.wasm"]), "not a WebAssembly file");
    assert_fails(&ws.run(&["run", "app.wasm"]), "not a WebAssembly file");
    assert!(!ws.path().join("app.composed.wasm").exists());
}

#[test]
fn a_core_module_that_is_not_wasi_preview1_is_refused_clearly() {
    let ws = Workspace::new();
    // The smallest core module: magic and version 1.
    ws.write("core.wasm", b"\0asm\x01\0\0\0");
    ws.write(
        "env.wasm",
        &wat::parse_str(r#"(module (import "env" "foo" (func)) (func (export "_start")))"#)
            .unwrap(),
    );
    for (file, why) in [
        (
            "core.wasm",
            "it imports nothing from `wasi_snapshot_preview1`",
        ),
        ("env.wasm", "it imports `env.foo`"),
    ] {
        for args in [
            &["compose", "-p", "no-secrets", file][..],
            &["run", "-p", "no-secrets", file],
            &["run", file],
            &["inspect", file],
        ] {
            let out = ws.run(args);
            assert_fails(&out, "not a WASI preview 1 program");
            assert_fails(&out, why);
            assert_fails(&out, "wasm32-wasip2");
            assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
        }
    }
    assert!(!ws.path().join("core.composed.wasm").exists());
}

#[test]
fn a_preview1_module_is_adapted_composed_inspected_and_run() {
    let ws = Workspace::new();
    ws.write("app.wasm", programs::wasip1::ENV_PRINTER);
    let out = ws.run(&["inspect", "app.wasm"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("adapted: yes, from a WASI preview 1 command module"),
        "{text}"
    );
    assert!(text.contains("wasi:cli/run@"), "{text}");

    ws.write("policy.json", ENV_POLICY.as_bytes());
    let out = ws.run(&["compose", "-p", "policy.json", "app.wasm"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("adapted the WASI preview 1 command module"),
        "{}",
        stderr(&out)
    );
    let composed = std::fs::read(ws.path().join("app.composed.wasm")).unwrap();
    assert!(interpose::inspect(&composed).unwrap().policy.is_some());
    assert_eq!(
        std::fs::read(ws.path().join("app.wasm")).unwrap(),
        programs::wasip1::ENV_PRINTER
    );

    for policy in [&["-p", "policy.json"][..], &[]] {
        let mut args = vec!["run", "--env", "KEEP=yes", "--env", "DROP=no"];
        args.extend(policy);
        args.extend(["app.wasm", "--", "a1"]);
        let out = ws.run(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("env KEEP=yes"), "{stdout}");
        assert_eq!(stdout.contains("DROP"), policy.is_empty(), "{stdout}");
        assert!(stdout.contains("arg a1"), "{stdout}");
    }
}

#[test]
fn run_forwards_stdin_to_the_app() {
    let ws = Workspace::new();
    ws.write("echo.wasm", programs::STDIO_ECHO);
    ws.write("echo1.wasm", programs::wasip1::STDIO_ECHO);
    for (app, policy) in [
        ("echo.wasm", None),
        ("echo.wasm", Some("no-secrets")),
        ("echo1.wasm", Some("no-secrets")),
    ] {
        let mut args = vec!["run"];
        if let Some(policy) = policy {
            args.extend(["-p", policy]);
        }
        args.push(app);
        let mut child = command(&args, ws.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"twelve bytes").unwrap();
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{app}: {}", stderr(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.starts_with("stdout: read 12 bytes\n"),
            "{app} {policy:?}: {}",
            &stdout[..stdout.len().min(200)]
        );
        assert!(
            stderr(&out).contains("stderr: read 12 bytes"),
            "{}",
            stderr(&out)
        );
    }
    // Without input (stdin closed), the app reads nothing.
    let out = ws.run(&["run", "echo.wasm"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("stdout: read 0 bytes\n"));
}

#[test]
fn run_passes_exit_codes_and_traps_through() {
    let ws = Workspace::new();
    ws.write("exit.wasm", programs::EXIT_WITH);
    // WASI 0.2's `exit` carries success or failure (Rust's `exit(7)` calls `exit(err)`): 1, as
    // on `wasmtime run`, and nothing said.
    for (code, status) in [("0", 0), ("7", 1)] {
        let out = ws.run(&["run", "exit.wasm", "--", code]);
        assert_eq!(out.status.code(), Some(status), "{}", stderr(&out));
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("exiting with {code}\n")
        );
        assert_eq!(stderr(&out), "");
    }
    // A trap: reported with the trap's message, and the status of an abort, as `wasmtime run`
    // does.
    ws.write(
        "trap.wasm",
        &wat::parse_str(
            r#"(module
                 (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
                 (memory (export "memory") 1)
                 (func (export "_start") unreachable))"#,
        )
        .unwrap(),
    );
    let out = ws.run(&["run", "trap.wasm"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(134), "{err}");
    assert!(err.starts_with("error: failed to run `trap.wasm`"), "{err}");
    assert!(
        err.contains("wasm `unreachable` instruction executed"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn run_caches_compiled_components_unless_told_not_to() {
    let ws = Workspace::new();
    ws.write("app.wasm", programs::ENV_PRINTER);
    let cache = ws.path().join("cache");
    let entries = || -> Vec<PathBuf> {
        match std::fs::read_dir(&cache) {
            Ok(dir) => dir.map(|e| e.unwrap().path()).collect(),
            Err(_) => Vec::new(),
        }
    };
    let run = |extra: &[&str]| {
        let mut args = vec!["run"];
        args.extend(extra);
        args.extend(["app.wasm", "--", "x"]);
        let out = command(&args, ws.path())
            .env("INTERPOSE_CACHE_DIR", &cache)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(String::from_utf8_lossy(&out.stdout).contains("arg x"));
    };
    run(&["--no-cache"]);
    assert!(entries().is_empty(), "{:?}", entries());
    run(&[]);
    let first = entries();
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(
        first[0].extension().is_some_and(|e| e == "cwasm"),
        "{first:?}"
    );
    // The second run loads that entry (and marks it used) instead of adding another.
    let written = std::fs::metadata(&first[0]).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    run(&[]);
    assert_eq!(entries(), first);
    let used = std::fs::metadata(&first[0]).unwrap().modified().unwrap();
    assert!(used > written, "{written:?} {used:?}");
    // Another policy is another component, so another entry.
    run(&["-p", "no-secrets"]);
    assert_eq!(entries().len(), 2, "{:?}", entries());
}

#[test]
fn a_truncated_component() {
    let ws = Workspace::new();
    ws.write(
        "app.wasm",
        &programs::ENV_PRINTER[..programs::ENV_PRINTER.len() / 2],
    );
    assert_fails(
        &ws.run(&["compose", "-p", "no-secrets", "app.wasm"]),
        "not a valid component",
    );
}

#[test]
fn a_component_without_wasi_cli_run_cannot_run() {
    let ws = Workspace::new();
    // The adapter is a component, but not a command.
    ws.write("lib.wasm", interpose::adapters::ENV.component.bytes);
    assert_fails(
        &ws.run(&["run", "lib.wasm"]),
        "does not export `wasi:cli/run`",
    );
}

#[test]
fn missing_and_unreadable_paths() {
    let ws = Workspace::new();
    ws.write("policy.json", ENV_POLICY.as_bytes());
    assert_fails(
        &ws.run(&["compose", "-p", "policy.json", "missing.wasm"]),
        "cannot read `missing.wasm`",
    );
    assert_fails(
        &ws.run(&["compose", "-p", "nope.json", "missing.wasm"]),
        "no policy file `nope.json`",
    );
    ws.write("app.wasm", programs::ENV_PRINTER);
    let out = ws.run(&[
        "compose",
        "-p",
        "policy.json",
        "app.wasm",
        "-o",
        "no/such/dir/out.wasm",
    ]);
    assert_fails(&out, "cannot write `no/such/dir/out.wasm`");
}

#[test]
fn policy_errors_name_the_key_line_and_column() {
    let ws = Workspace::new();
    ws.write("app.wasm", programs::ENV_PRINTER);
    ws.write(
        "bad.json",
        b"{\n  \"env\": {\n    \"allow\": [\"A\", \"[B\"]\n  }\n}\n",
    );
    let out = ws.run(&["compose", "-p", "bad.json", "app.wasm"]);
    assert_fails(&out, "bad.json:3:");
    assert_fails(&out, "`env.allow[1]`");
    assert_fails(&out, "invalid glob `[B`");
    ws.write("typo.json", b"{\"env\": {\"alow\": []}}");
    assert_fails(
        &ws.run(&["policy", "check", "typo.json"]),
        "unknown field `alow`",
    );
    assert!(!ws.path().join("app.composed.wasm").exists());
}

#[test]
fn policy_schema_is_json_and_check_accepts_builtins() {
    let ws = Workspace::new();
    let out = ws.run(&["policy", "schema"]);
    assert!(out.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(schema["properties"]["env"].is_object(), "{schema}");
    for (name, _) in interpose::policy_source::BUILTINS {
        let out = ws.run(&["policy", "check", name]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
    }
}

#[test]
fn inspect_shows_the_policy_and_what_reaches_the_host() {
    let ws = Workspace::new();
    let composed = interpose_tests::compose(programs::ENV_PRINTER, ENV_POLICY);
    ws.write("c.wasm", &composed);
    let out = ws.run(&["inspect", "c.wasm"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("policy baked in"), "{text}");
    assert!(text.contains("allow: KEEP"), "{text}");
    assert!(text.contains("wasi:cli/environment@0.2.12"), "{text}");
    assert!(text.contains("attenuated by the `env` adapter"), "{text}");
    assert!(text.contains("passed through to the host"), "{text}");
}

/// An app importing a WASI 0.3 interface that no adapter or denial of interpose attenuates the
/// way a frozen wall clock asks (the host's time zone would tell the real one), and
/// `wasi:cli/environment@0.2.0`, which the `env` adapter serves.
fn app_importing_wasi_0_3() -> Vec<u8> {
    interpose_tests::component_importing(&[
        ("wasi:clocks/timezone@0.3.0", "display", "(func)"),
        (
            "wasi:cli/environment@0.2.0",
            "get-arguments",
            "(func (result (list string)))",
        ),
    ])
}

#[test]
fn compose_refuses_a_section_it_cannot_enforce_on_an_import() {
    let ws = Workspace::new();
    ws.write("app.wasm", &app_importing_wasi_0_3());
    ws.write(
        "policy.json",
        br#"{"clocks": {"wall": {"frozen": "2024-01-01T00:00:00Z"}}}"#,
    );
    let out = ws.run(&["compose", "-p", "policy.json", "app.wasm"]);
    assert_fails(&out, "`wasi:clocks/timezone@0.3.0`");
    assert_fails(&out, "at WASI 0.3, interpose can only pass it through");
    assert_fails(&out, "remove the `clocks` section");
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    assert!(!ws.path().join("app.composed.wasm").exists());
    assert_fails(
        &ws.run(&["run", "-p", "policy.json", "app.wasm"]),
        "`wasi:clocks/timezone@0.3.0`",
    );
}

#[test]
fn inspect_marks_imports_interpose_does_not_know() {
    let ws = Workspace::new();
    let app = interpose_tests::component_importing(&[
        ("wasi:keyvalue/store@0.3.0", "get", "(func)"),
        (
            "wasi:cli/environment@0.2.0",
            "get-arguments",
            "(func (result (list string)))",
        ),
    ]);
    ws.write("app.wasm", &app);
    ws.write("policy.json", br#"{"env": {}}"#);
    let out = ws.run(&["compose", "-p", "policy.json", "app.wasm"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("unknown to interpose") && stderr(&out).contains("@0.3.0"),
        "{}",
        stderr(&out)
    );
    for file in ["app.wasm", "app.composed.wasm"] {
        let out = ws.run(&["inspect", file]);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text
            .lines()
            .find(|l| l.contains("wasi:keyvalue/store@0.3.0"))
            .unwrap();
        assert!(line.contains("unknown to interpose"), "{text}");
    }
}

/// A reader that stops early (`interpose policy schema | head -1`) ends the output quietly: no
/// panic, no error.
#[test]
fn output_to_a_reader_that_has_gone_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = command(&["policy", "schema"], dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Closing the only reader before anything is read: every write fails with `EPIPE`.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert!(out.status.success(), "stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
}
