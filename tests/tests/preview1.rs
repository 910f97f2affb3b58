//! WASI preview 1 core modules (Rust `wasm32-wasip1` builds of the test apps): adapted into
//! components by interpose itself, composed under policies and run on wasmtime, asserting what the
//! app observed.

use std::path::Path;

use interpose::{
    AdaptError, ComposeError, Composer, InputError, Preopen, Preview1Kind, RunError, RunOptions,
    load_policy,
};
use interpose_tests::programs::wasip1;
use interpose_tests::{fs_tree, policy, run, runner, stdout_lines};

/// Composes a preview 1 module with a policy (a built-in name or JSON text), checking that it
/// was adapted as a command.
fn compose(module: &[u8], policy_name_or_json: &str) -> Vec<u8> {
    let policy = match policy_name_or_json.starts_with('{') {
        true => policy(policy_name_or_json),
        false => load_policy(policy_name_or_json).unwrap_or_else(|e| panic!("{e}")),
    };
    let composition = Composer::new(policy)
        .compose(module)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(composition.adapted, Some(Preview1Kind::Command));
    assert!(wasmparser::Parser::is_component(&composition.component));
    composition.component
}

/// The module adapted with no policy: the host's own answers.
fn unconfined(module: &[u8]) -> Vec<u8> {
    let adapted = interpose::adapt::to_component(module).unwrap();
    assert_eq!(adapted.adapted, Some(Preview1Kind::Command));
    adapted.component.into_owned()
}

const HOST_ENV: &[(&str, &str)] = &[
    ("AWS_SECRET_ACCESS_KEY", "aws-secret"),
    ("GITHUB_TOKEN", "ghp_secret"),
    ("HOME", "/home/app"),
    ("LANG", "C.UTF-8"),
];

fn env_lines(component: &[u8]) -> Vec<String> {
    let options = RunOptions {
        args: vec!["env_printer".into(), "one".into(), "two".into()],
        env: HOST_ENV
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..RunOptions::default()
    };
    stdout_lines(&run(component, options))
        .into_iter()
        .filter(|l| l.starts_with("env ") || l.starts_with("arg "))
        .collect()
}

#[test]
fn a_preview1_module_sees_what_the_host_grants() {
    assert_eq!(
        env_lines(&unconfined(wasip1::ENV_PRINTER)),
        [
            "env AWS_SECRET_ACCESS_KEY=aws-secret",
            "env GITHUB_TOKEN=ghp_secret",
            "env HOME=/home/app",
            "env LANG=C.UTF-8",
            "arg one",
            "arg two",
        ]
    );
}

#[test]
fn no_secrets_hides_credentials_from_a_preview1_app() {
    assert_eq!(
        env_lines(&compose(wasip1::ENV_PRINTER, "no-secrets")),
        [
            "env HOME=/home/app",
            "env LANG=C.UTF-8",
            "arg one",
            "arg two"
        ]
    );
}

/// Runs `std_fs` (preview 1) with `dir` preopened as `/data`, writable as far as the host is
/// concerned; one line per operation.
fn fs_ops(component: &[u8], dir: &Path, ops: &[&str]) -> Vec<String> {
    let mut args = vec!["std_fs".to_owned()];
    args.extend(ops.iter().map(|op| op.to_string()));
    let options = RunOptions {
        args,
        preopens: vec![Preopen {
            host: dir.to_owned(),
            guest: "/data".into(),
            writable: true,
        }],
        ..RunOptions::default()
    };
    let lines = stdout_lines(&run(component, options));
    assert_eq!(lines.len(), ops.len(), "one line per operation: {lines:#?}");
    lines
}

fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs_tree::build(dir.path());
    dir
}

#[test]
fn readonly_lets_a_preview1_app_read_but_change_nothing() {
    let ops = [
        "read:/data/a.txt",
        "ls:/data/sub",
        "stat:/data/sub/b.txt",
        "write:/data/a.txt",
        "append:/data/sub/b.txt",
        "write:/data/new.txt",
        "mkdir:/data/newdir",
        "rm:/data/sub/b.txt",
        "rmdir:/data/empty",
    ];
    // Unconfined, every change succeeds: the app really tries.
    let host = fixture();
    assert_eq!(
        fs_ops(&unconfined(wasip1::STD_FS), host.path(), &ops),
        [
            "read:/data/a.txt: ok 5 bytes",
            "ls:/data/sub: ok b.txt,deep",
            "stat:/data/sub/b.txt: ok file 3",
            "write:/data/a.txt: ok wrote",
            "append:/data/sub/b.txt: ok appended",
            "write:/data/new.txt: ok wrote",
            "mkdir:/data/newdir: ok made",
            "rm:/data/sub/b.txt: ok removed",
            "rmdir:/data/empty: ok removed",
        ]
    );

    let dir = fixture();
    let before = fs_tree::snapshot(dir.path());
    let lines = fs_ops(&compose(wasip1::STD_FS, "readonly"), dir.path(), &ops);
    // Reads work; every change fails with an error the app handles (`EROFS`, no trap), and
    // nothing changes on the host.
    assert_eq!(
        lines,
        [
            "read:/data/a.txt: ok 5 bytes",
            "ls:/data/sub: ok b.txt,deep",
            "stat:/data/sub/b.txt: ok file 3",
            "write:/data/a.txt: err ReadOnlyFilesystem",
            "append:/data/sub/b.txt: err ReadOnlyFilesystem",
            "write:/data/new.txt: err ReadOnlyFilesystem",
            "mkdir:/data/newdir: err ReadOnlyFilesystem",
            "rm:/data/sub/b.txt: err ReadOnlyFilesystem",
            "rmdir:/data/empty: err ReadOnlyFilesystem",
        ]
    );
    assert_eq!(fs_tree::snapshot(dir.path()), before);
}

#[test]
fn a_deny_glob_hides_files_from_a_preview1_app() {
    let dir = fixture();
    let policy = r#"{"fs": {"deny": ["/data/secret", "/data/secret/**", "**/*.pem"]}}"#;
    let lines = fs_ops(
        &compose(wasip1::STD_FS, policy),
        dir.path(),
        &[
            "read:/data/a.txt",
            "read:/data/secret/key.pem",
            "read:/data/secret/inner/x",
            "read:/data/sub/../secret/key.pem",
            "stat:/data/secret",
            "ls:/data/secret",
            "read:/data/link_to_secret",
            "write:/data/sub/new.pem",
            "write:/data/sub/new.txt",
        ],
    );
    assert_eq!(
        lines,
        [
            "read:/data/a.txt: ok 5 bytes",
            "read:/data/secret/key.pem: err NotFound",
            "read:/data/secret/inner/x: err NotFound",
            "read:/data/sub/../secret/key.pem: err NotFound",
            "stat:/data/secret: err NotFound",
            "ls:/data/secret: err NotFound",
            "read:/data/link_to_secret: err NotFound",
            "write:/data/sub/new.pem: err NotFound",
            "write:/data/sub/new.txt: ok wrote",
        ]
    );
    assert!(!dir.path().join("sub/new.pem").exists());
    assert_eq!(
        std::fs::read(dir.path().join("sub/new.txt")).unwrap(),
        b"changed"
    );
}

#[test]
fn a_preview1_app_reads_the_stdin_it_is_given() {
    let options = |stdin: Option<&[u8]>| RunOptions {
        stdin: stdin.map(<[u8]>::to_vec),
        ..RunOptions::default()
    };
    let component = compose(wasip1::STDIO_ECHO, r#"{"env": {}}"#);
    let outcome = run(&component, options(Some(b"hello\n")));
    assert_eq!(stdout_lines(&outcome)[0], "stdout: read 6 bytes");
    assert_eq!(
        String::from_utf8_lossy(&outcome.stderr),
        "stderr: read 6 bytes\n"
    );
    // Without stdin bytes (and without `inherit_stdin`), the app reads an empty stream.
    let outcome = run(&component, options(None));
    assert_eq!(stdout_lines(&outcome)[0], "stdout: read 0 bytes");
}

#[test]
fn a_preview1_reactor_is_adapted_as_a_library() {
    let reactor = wat::parse_str(
        r#"(module
             (import "wasi_snapshot_preview1" "random_get" (func (param i32 i32) (result i32)))
             (memory (export "memory") 1)
             (func (export "_initialize")))"#,
    )
    .unwrap();
    let composition = Composer::new(policy(r#"{"random": "deny"}"#))
        .compose(&reactor)
        .unwrap();
    assert_eq!(composition.adapted, Some(Preview1Kind::Reactor));
    // The adapter's `wasi:random/random` (what `random_get` calls) is the app's import now, and
    // the policy decides it.
    let random = composition
        .routes
        .iter()
        .find(|(import, _)| import.starts_with("wasi:random/random@"));
    assert!(
        random.is_some_and(|(_, route)| *route != interpose_policy::compiled::Route::Host),
        "{:?}",
        composition.routes
    );
    let inspection = interpose::inspect(&reactor).unwrap();
    assert_eq!(
        inspection.adapted,
        Some((Preview1Kind::Reactor, reactor.len()))
    );
    assert!(
        matches!(
            runner().run(&composition.component, &RunOptions::default()),
            Err(RunError::NotACommand)
        ),
        "a reactor has no `wasi:cli/run`"
    );
}

#[test]
fn a_core_module_that_is_not_preview1_is_refused_clearly() {
    let module = wat::parse_str(r#"(module (import "env" "foo" (func)))"#).unwrap();
    let error = Composer::new(load_policy("no-secrets").unwrap())
        .compose(&module)
        .unwrap_err();
    assert!(
        matches!(
            error,
            ComposeError::Input(InputError::Adapt(AdaptError::NotWasiPreview1(_)))
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains("`env.foo`"), "{message}");
    assert!(
        message.contains("not a WASI preview 1 program"),
        "{message}"
    );
}

/// The policy a CI sandbox starts from: nothing but a read-only view of the files and the
/// output. The preview 1 adapter asks for stdin before the first file operation; with stdin
/// denied (an empty stream of interpose's own) the files are wrapped so that their streams are
/// interpose's too, and the app runs.
#[test]
fn a_preview1_app_reads_files_under_a_strict_read_only_policy() {
    let policy = r#"{"default": "deny", "fs": {"mode": "read-only"},
                    "stdio": {"stdout": "inherit", "stderr": "inherit"}}"#;
    let composed = compose(wasip1::STD_FS, policy);
    let ops = ["read:/data/a.txt", "ls:/data/sub", "write:/data/a.txt"];
    let raw = fs_ops(&unconfined(wasip1::STD_FS), fixture().path(), &ops[..2]);
    let dir = fixture();
    let before = fs_tree::shape(dir.path());
    let lines = fs_ops(&composed, dir.path(), &ops);
    assert_eq!(lines[..2], raw[..]);
    assert_eq!(lines[2], "write:/data/a.txt: err ReadOnlyFilesystem");
    assert_eq!(fs_tree::shape(dir.path()), before);
}

/// `hermetic` runs a preview 1 app to its end (the adapter asks for stdin before anything else:
/// an empty one) and a wasm32-wasip2 app, each importing nothing from the host but its standard
/// output and error, what `hermetic` lets through (`exit`, and the arguments through the `env`
/// adapter, which hides every variable), and `wasi:io`, which grants nothing by itself.
#[test]
fn hermetic_runs_preview1_and_wasip2_apps_with_only_output_from_the_host() {
    for (app, name) in [
        (wasip1::ENV_PRINTER, "env_printer"),
        (interpose_tests::programs::ENV_PRINTER, "env_printer"),
    ] {
        let composed = Composer::new(load_policy("hermetic").unwrap())
            .compose(app)
            .unwrap_or_else(|e| panic!("{e}"))
            .component;
        let imports = interpose_tests::unversioned_imports(&composed);
        let beyond: Vec<&String> = imports
            .iter()
            .filter(|i| !i.starts_with("wasi:io/"))
            // Whether the inherited output is a terminal, and the types that says it with.
            .filter(|i| !i.starts_with("wasi:cli/terminal-"))
            .filter(|i| {
                ![
                    "wasi:cli/stdout",
                    "wasi:cli/stderr",
                    "wasi:cli/exit",
                    "wasi:cli/environment",
                ]
                .contains(&i.as_str())
            })
            // The virtual clock's ready pollables (the app's clock is the adapter's).
            .filter(|i| *i != "wasi:clocks/monotonic-clock")
            .collect();
        assert!(beyond.is_empty(), "{beyond:?}");
        let options = RunOptions {
            args: vec![name.into(), "one".into()],
            env: HOST_ENV
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..RunOptions::default()
        };
        let lines = stdout_lines(&run(&composed, options));
        assert!(lines.contains(&"arg one".to_owned()), "{lines:?}");
        assert!(!lines.iter().any(|l| l.starts_with("env ")), "{lines:?}");
    }
}

/// `deterministic` makes a preview 1 app's output the same bytes run after run, whatever the
/// host's environment (its clock reads go through the adapter).
#[test]
fn deterministic_makes_a_preview1_app_reproducible() {
    let composed = compose(wasip1::ENV_PRINTER, "deterministic");
    let run_with = |home: &str| {
        let options = RunOptions {
            args: vec!["env_printer".into(), "one".into()],
            env: vec![("HOME".into(), home.into()), ("SECRET".into(), home.into())],
            ..RunOptions::default()
        };
        run(&composed, options).stdout
    };
    let first = run_with("/home/a");
    assert_eq!(first, run_with("/home/b"));
    let text = String::from_utf8_lossy(&first);
    assert!(!text.contains("/home/"), "{text}");
    assert!(text.contains("arg one"), "{text}");
}
