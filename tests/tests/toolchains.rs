//! Apps built by real toolchains, componentize-py and componentize-js (installed from PyPI and npm
//! into `target/toolchains` on first use, see `interpose_tests::toolchains`), composed with each
//! built-in policy and run on the embedded wasmtime, asserting what the app observed.
//!
//! Each app (`tests/apps/python/app.py`, `tests/apps/js/app.js`) prints one `key=value` line per
//! observation (environment, a file read and a file write in the preopened `/data`, the wall
//! clock, random bytes, a connection to a local server, stdin) and then `done`; a denied call
//! must show up as an error the app caught, never as a trap. The host always grants everything
//! (except in `*_hermetic_needs_nothing_from_the_host`), so what the app does not see, the policy
//! hid.
//!
//! A componentized app is about 15 to 20 MB and takes seconds to compile, so each (app, policy)
//! pair is composed and compiled once per test binary and shared by the tests that run it.

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use interpose::{Composer, Preopen, RunOptions, RunOutcome, Stdio};
use interpose_tests::{jco, runner, toolchains, unversioned_imports};
use wasmtime::component::Component;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum App {
    Python,
    Js,
}

impl App {
    fn bytes(self) -> &'static [u8] {
        match self {
            App::Python => toolchains::python_app(),
            App::Js => toolchains::js_app(),
        }
    }

    /// What the app writes to `/data/out.txt`.
    fn written(self) -> &'static str {
        match self {
            App::Python => "written by python\n",
            App::Js => "written by js\n",
        }
    }

    /// What the app prints for a write refused with `error-code::read-only`: Python's `OSError`
    /// with `EROFS`, the WIT error code in JS.
    fn read_only_error(self) -> &'static str {
        match self {
            App::Python => "OSError:EROFS",
            App::Js => "read-only",
        }
    }
}

const DATA: &str = "hello from the host";
const STDIN: &[u8] = b"twelve bytes";
const HOST_ENV: &[(&str, &str)] = &[
    ("SECRET_TOKEN", "s3cr3t-value"),
    ("HOME", "/home/app"),
    ("LANG", "C.UTF-8"),
];
/// The wall clock under `deterministic` and `hermetic` (seconds or milliseconds may follow).
const FROZEN: &str = "2024-01-01T00:00:00";

/// A local server the apps connect to (Python opens a TCP connection, JS fetches `http://.../`):
/// it answers any request with `200 OK`. Returns its `127.0.0.1:PORT`.
fn server() -> &'static str {
    static ADDRESS: OnceLock<String> = OnceLock::new();
    ADDRESS.get_or_init(|| {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding a local server");
        let address = listener.local_addr().unwrap().to_string();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                std::thread::spawn(move || answer(stream));
            }
        });
        address
    })
}

fn answer(mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut request = Vec::new();
    let mut buffer = [0; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buffer[..n]),
        }
    }
    let _ =
        stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
}

/// A host that grants the app everything: the variables of [`HOST_ENV`], a writable `/data`
/// holding `data.txt`, the network, HTTP, and [`STDIN`] on stdin.
struct Host {
    dir: tempfile::TempDir,
}

impl Host {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::write(dir.path().join("data.txt"), format!("{DATA}\n")).unwrap();
        Host { dir }
    }

    fn options(&self) -> RunOptions {
        RunOptions {
            args: vec!["app".into(), server().into()],
            env: HOST_ENV
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            preopens: vec![Preopen {
                host: self.dir.path().to_owned(),
                guest: "/data".into(),
                writable: true,
            }],
            network: true,
            http: true,
            stdin: Some(STDIN.to_vec()),
            ..RunOptions::default()
        }
    }

    /// The host directory's files and their contents.
    fn contents(&self) -> BTreeMap<String, Vec<u8>> {
        contents(self.dir.path())
    }
}

fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(entry.path()).unwrap_or_default())
        })
        .collect()
}

type Key = (App, Option<&'static str>);
/// Values computed once per key.
type Memo<T> = OnceLock<Mutex<HashMap<Key, Arc<OnceLock<T>>>>>;

/// `f()`, computed once per key for the whole test binary (tests for the same key wait for it).
fn once<T: Clone>(memo: &Memo<T>, key: Key, f: impl FnOnce() -> T) -> T {
    let cell = memo
        .get_or_init(Default::default)
        .lock()
        .unwrap()
        .entry(key)
        .or_default()
        .clone();
    cell.get_or_init(f).clone()
}

/// The app composed with the built-in `policy`, or as built for `None`.
fn composed(app: App, policy: Option<&'static str>) -> Arc<Vec<u8>> {
    static CACHE: Memo<Arc<Vec<u8>>> = OnceLock::new();
    once(&CACHE, (app, policy), || {
        let bytes = app.bytes();
        Arc::new(match policy {
            None => bytes.to_vec(),
            Some(name) => {
                let policy = interpose::load_policy(name).unwrap_or_else(|e| panic!("{e}"));
                Composer::new(policy)
                    .compose(bytes)
                    .unwrap_or_else(|e| panic!("composing the {app:?} app with {name}: {e}"))
                    .component
            }
        })
    })
}

/// [`composed`], compiled.
fn compiled(app: App, policy: Option<&'static str>) -> Component {
    static CACHE: Memo<Component> = OnceLock::new();
    once(&CACHE, (app, policy), || {
        runner()
            .compile(&composed(app, policy))
            .unwrap_or_else(|e| panic!("compiling the {app:?} app under {policy:?}: {e}"))
    })
}

/// What the app printed: its `key=value` lines, having run to completion.
struct Observed {
    app: App,
    policy: Option<&'static str>,
    outcome: RunOutcome,
    lines: Vec<String>,
}

impl Observed {
    /// The value of the line `key=value`.
    fn get(&self, key: &str) -> &str {
        self.lines
            .iter()
            .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
            .unwrap_or_else(|| panic!("no `{key}=` line\n{self}"))
    }

    fn stdout(&self) -> &[u8] {
        &self.outcome.stdout
    }
}

impl std::fmt::Display for Observed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the {:?} app under {} (exit {}, trap {:?})\n--- stdout\n{}--- stderr\n{}",
            self.app,
            self.policy.unwrap_or("no policy"),
            self.outcome.exit_code,
            self.outcome.trap,
            String::from_utf8_lossy(&self.outcome.stdout),
            String::from_utf8_lossy(&self.outcome.stderr)
        )
    }
}

/// Runs the app under `policy` on a host granting `options`, asserting that it ran to completion.
fn observe(app: App, policy: Option<&'static str>, mut options: RunOptions) -> Observed {
    let component = compiled(app, policy);
    options.stdio = Stdio::Capture;
    let outcome = runner()
        .run_compiled(&component, &options)
        .unwrap_or_else(|e| panic!("running the {app:?} app under {policy:?}: {e}"));
    let lines: Vec<String> = String::from_utf8_lossy(&outcome.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    let observed = Observed {
        app,
        policy,
        outcome,
        lines,
    };
    // Shown with a failing test's output (and with `--nocapture`).
    eprintln!("{observed}");
    assert!(
        observed.outcome.trap.is_none()
            && observed.outcome.exit_code == 0
            && observed.lines.last().map(String::as_str) == Some("done"),
        "the app did not run to completion: {observed}"
    );
    observed
}

fn assert_random_hex(observed: &Observed) {
    let random = observed.get("random");
    assert!(
        random.len() == 16 && random.bytes().all(|b| b.is_ascii_hexdigit()),
        "{observed}"
    );
}

/// Without a policy the app sees everything the host grants: the baseline that shows every
/// observation works.
fn baseline(app: App) {
    let host = Host::new();
    let seen = observe(app, None, host.options());
    assert_eq!(seen.get("env SECRET_TOKEN"), "s3cr3t-value", "{seen}");
    assert_eq!(seen.get("env HOME"), "/home/app", "{seen}");
    assert_eq!(seen.get("env LANG"), "C.UTF-8", "{seen}");
    assert_eq!(seen.get("env count"), "3", "{seen}");
    assert_eq!(seen.get("read data.txt"), DATA, "{seen}");
    assert_eq!(seen.get("write out.txt"), "ok", "{seen}");
    assert_eq!(
        std::fs::read_to_string(host.dir.path().join("out.txt")).unwrap(),
        app.written()
    );
    assert!(!seen.get("time").starts_with(FROZEN), "{seen}");
    assert_random_hex(&seen);
    assert_eq!(seen.get("connect"), "ok", "{seen}");
    assert_eq!(seen.get("stdin"), STDIN.len().to_string(), "{seen}");
}

/// `no-secrets`: the secret is gone, the other variables and everything else stay.
fn no_secrets(app: App) {
    let host = Host::new();
    let seen = observe(app, Some("no-secrets"), host.options());
    assert_eq!(seen.get("env SECRET_TOKEN"), "missing", "{seen}");
    assert_eq!(seen.get("env HOME"), "/home/app", "{seen}");
    assert_eq!(seen.get("env LANG"), "C.UTF-8", "{seen}");
    assert_eq!(seen.get("env count"), "2", "{seen}");
    assert_eq!(seen.get("read data.txt"), DATA, "{seen}");
    assert_eq!(seen.get("write out.txt"), "ok", "{seen}");
    assert_eq!(seen.get("connect"), "ok", "{seen}");
    assert_eq!(seen.get("stdin"), STDIN.len().to_string(), "{seen}");
}

/// `readonly`: reading works, writing fails with an error the app caught, the host directory is
/// unchanged.
fn readonly(app: App) {
    let host = Host::new();
    let before = host.contents();
    let seen = observe(app, Some("readonly"), host.options());
    assert_eq!(seen.get("read data.txt"), DATA, "{seen}");
    assert_eq!(seen.get("write out.txt"), app.read_only_error(), "{seen}");
    assert_eq!(
        host.contents(),
        before,
        "the host directory changed: {seen}"
    );
    // Nothing else is narrowed.
    assert_eq!(seen.get("env SECRET_TOKEN"), "s3cr3t-value", "{seen}");
    assert_eq!(seen.get("connect"), "ok", "{seen}");
    assert_eq!(seen.get("stdin"), STDIN.len().to_string(), "{seen}");
}

/// `deterministic`: two runs print the same bytes, with the clock frozen and the random bytes
/// seeded, even when the host's own variables differ between the runs.
fn deterministic(app: App) {
    let first = observe(app, Some("deterministic"), Host::new().options());
    let host = Host::new();
    let mut options = host.options();
    for (name, value) in &mut options.env {
        if name != "LANG" {
            value.push_str("-elsewhere");
        }
    }
    let second = observe(app, Some("deterministic"), options);
    assert_eq!(
        String::from_utf8_lossy(first.stdout()),
        String::from_utf8_lossy(second.stdout()),
        "two runs differ"
    );
    assert!(first.get("time").starts_with(FROZEN), "{first}");
    assert_random_hex(&first);
    assert_eq!(first.get("env SECRET_TOKEN"), "missing", "{first}");
    assert_eq!(first.get("env HOME"), "missing", "{first}");
    assert_eq!(first.get("read data.txt"), DATA, "{first}");
}

/// `hermetic` on a host granting everything: the app runs to completion seeing no environment, no
/// files, no network (denials it caught as errors), empty stdin and a frozen clock.
fn hermetic(app: App) {
    let host = Host::new();
    let before = host.contents();
    let seen = observe(app, Some("hermetic"), host.options());
    for name in ["SECRET_TOKEN", "HOME", "LANG"] {
        assert_eq!(seen.get(&format!("env {name}")), "missing", "{seen}");
    }
    assert_eq!(seen.get("env count"), "0", "{seen}");
    let read = seen.get("read data.txt");
    assert!(read != DATA && !read.is_empty(), "{seen}");
    let write = seen.get("write out.txt");
    assert!(write != "ok" && !write.is_empty(), "{seen}");
    assert_eq!(
        host.contents(),
        before,
        "the host directory changed: {seen}"
    );
    let connect = seen.get("connect");
    assert!(
        connect != "ok" && connect != "no-address" && !connect.is_empty(),
        "{seen}"
    );
    assert!(seen.get("time").starts_with(FROZEN), "{seen}");
    assert_random_hex(&seen);
    assert_eq!(
        seen.get("stdin"),
        "0",
        "a denied stdin reads as empty: {seen}"
    );
}

/// `hermetic` needs nothing from the host beyond the output streams (and exit): no filesystem,
/// sockets, HTTP, random or stdin import, and it runs on a host granting nothing.
fn hermetic_needs_nothing_from_the_host(app: App) {
    let imports = unversioned_imports(&composed(app, Some("hermetic")));
    let reaching: Vec<&String> = imports
        .iter()
        .filter(|import| {
            [
                "wasi:filesystem/",
                "wasi:sockets/",
                "wasi:http/",
                "wasi:random/",
                "wasi:cli/stdin",
                "wasi:clocks/wall-clock",
            ]
            .iter()
            .any(|denied| import.starts_with(denied))
        })
        .collect();
    assert!(
        reaching.is_empty(),
        "the hermetic {app:?} app still imports {reaching:?} from the host (all imports: \
         {imports:?})"
    );
    let seen = observe(
        app,
        Some("hermetic"),
        RunOptions {
            args: vec!["app".into()],
            ..RunOptions::default()
        },
    );
    assert_eq!(seen.get("env count"), "0", "{seen}");
    assert_eq!(seen.get("connect"), "no-address", "{seen}");
}

#[test]
fn python_without_a_policy_sees_everything() {
    baseline(App::Python);
}

#[test]
fn python_under_no_secrets() {
    no_secrets(App::Python);
}

#[test]
fn python_under_readonly() {
    readonly(App::Python);
}

#[test]
fn python_under_deterministic() {
    deterministic(App::Python);
}

#[test]
fn python_under_hermetic() {
    hermetic(App::Python);
}

#[test]
fn python_hermetic_needs_nothing_from_the_host() {
    hermetic_needs_nothing_from_the_host(App::Python);
}

#[test]
fn js_without_a_policy_sees_everything() {
    baseline(App::Js);
}

#[test]
fn js_under_no_secrets() {
    no_secrets(App::Js);
}

#[test]
fn js_under_readonly() {
    readonly(App::Js);
}

#[test]
fn js_under_deterministic() {
    deterministic(App::Js);
}

#[test]
fn js_under_hermetic() {
    hermetic(App::Js);
}

#[test]
fn js_hermetic_needs_nothing_from_the_host() {
    hermetic_needs_nothing_from_the_host(App::Js);
}

/// The `key=value` lines of a jco run, which must have succeeded.
fn jco_lines(app: App, policy: &'static str, env: &[(&str, &str)]) -> Vec<String> {
    let jco = jco::jco();
    let output = jco::run_with_env(jco, &composed(app, Some(policy)), &[], env);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.lines().last() == Some("done"),
        "the {app:?} app under {policy} on jco did not run to completion ({}):\n--- stdout\n{stdout}\
         --- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout.lines().map(str::to_owned).collect()
}

/// `no-secrets` on jco, a second host (componentize-py's CPython needs WebAssembly extended
/// constant expressions, which Node.js 20 lacks, so only the JS app runs there).
#[test]
fn js_under_no_secrets_on_jco() {
    let lines = jco_lines(App::Js, "no-secrets", HOST_ENV);
    for expected in [
        "env SECRET_TOKEN=missing",
        "env HOME=/home/app",
        "env LANG=C.UTF-8",
    ] {
        assert!(
            lines.iter().any(|l| l == expected),
            "no `{expected}` in {lines:?}"
        );
    }
}

/// `deterministic` prints the same bytes on wasmtime and on jco, given the same grants (jco runs
/// the app with no `/data`, no address to fetch from, an empty stdin, and HTTP, which the JS
/// engine imports for `fetch`).
#[test]
fn js_under_deterministic_prints_the_same_on_jco_and_wasmtime() {
    let on_jco = jco_lines(App::Js, "deterministic", HOST_ENV);
    let on_wasmtime = observe(
        App::Js,
        Some("deterministic"),
        RunOptions {
            args: vec!["app".into()],
            env: HOST_ENV
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            http: true,
            ..RunOptions::default()
        },
    );
    assert_eq!(on_jco, on_wasmtime.lines, "{on_wasmtime}");
}
