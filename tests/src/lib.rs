//! Helpers for the end-to-end tests: the test apps, composing them and running them.

use std::sync::OnceLock;

use interpose::{Composer, Policy, RunOptions, RunOutcome, Runner, Stdio};

pub mod fs_tree;
pub mod probe;
pub mod toolchains;

/// The test apps, built from `tests/programs` by this crate's build script.
pub mod programs {
    include!(concat!(env!("OUT_DIR"), "/programs.rs"));
}

/// One runner (engine + linker) for the whole test binary.
pub fn runner() -> &'static Runner {
    static RUNNER: OnceLock<Runner> = OnceLock::new();
    RUNNER.get_or_init(|| Runner::new().expect("creating the wasmtime runner"))
}

/// Parses a policy given as JSON text, panicking with the error if it is invalid.
pub fn policy(json: &str) -> Policy {
    Policy::parse(json, "<test>").unwrap_or_else(|e| panic!("{e}"))
}

/// Composes `app` with `policy` and returns the composed bytes.
pub fn compose(app: &[u8], policy_json: &str) -> Vec<u8> {
    Composer::new(policy(policy_json))
        .compose(app)
        .unwrap_or_else(|e| panic!("{e}"))
        .component
}

/// `component` compiled by [`runner`], kept for the next runs: tests run one composition many
/// times (each attack, each input), and Cranelift would compile it again for each. The last few
/// are kept, so that a binary running hundreds of compositions does not hold them all.
pub fn compiled(component: &[u8]) -> wasmtime::component::Component {
    use std::sync::Mutex;
    const KEPT: usize = 8;
    type Memo = Mutex<Vec<(Vec<u8>, wasmtime::component::Component)>>;
    static COMPILED: OnceLock<Memo> = OnceLock::new();
    let memo = COMPILED.get_or_init(Default::default);
    if let Some((_, compiled)) = memo.lock().unwrap().iter().find(|(b, _)| b == component) {
        return compiled.clone();
    }
    let compiled = runner()
        .compile(component)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut kept = memo.lock().unwrap();
    if kept.len() == KEPT {
        kept.remove(0);
    }
    kept.push((component.to_vec(), compiled.clone()));
    compiled
}

/// Runs a component with captured output.
pub fn run(component: &[u8], mut options: RunOptions) -> RunOutcome {
    options.stdio = Stdio::Capture;
    if options.args.is_empty() {
        options.args.push("app".into());
    }
    let outcome = runner()
        .run_compiled(&compiled(component), &options)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(outcome.trap.is_none(), "the app trapped: {outcome:?}");
    outcome
}

/// A component's imports without versions, sorted (what the host must provide).
pub fn unversioned_imports(component: &[u8]) -> Vec<String> {
    let inspection = interpose::inspect(component).unwrap_or_else(|e| panic!("{e}"));
    let mut names: Vec<String> = inspection
        .imports
        .iter()
        .map(|i| i.split('@').next().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

/// Asserts that an adapter stopped the run for a denied call: a trap, after its line on stderr
/// naming `interface`. `context` says which case failed.
pub fn assert_stopped_by_denial(outcome: &RunOutcome, interface: &str, context: &str) {
    let stderr = String::from_utf8_lossy(&outcome.stderr);
    assert!(outcome.trap.is_some(), "{context}: no trap: {outcome:?}");
    assert!(
        stderr.contains(&format!(
            "interpose: the app used {interface}, which the policy denies"
        )),
        "{context}: {stderr}"
    );
}

/// The app's stdout as lines.
pub fn stdout_lines(outcome: &RunOutcome) -> Vec<String> {
    String::from_utf8_lossy(&outcome.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// A component built from WAT text that imports each `(interface, function, type)`: the
/// (versioned) interface as an instance with that one function (`"(func (result u64))"`), which
/// it re-exports as `f0`, `f1`, ... Enough to compose and inspect: the types need not match the
/// real WASI interface, since interpose decides on names.
pub fn component_importing(imports: &[(&str, &str, &str)]) -> Vec<u8> {
    let mut text = String::from("(component\n");
    for (i, (interface, function, ty)) in imports.iter().enumerate() {
        text += &format!(
            "  (import \"{interface}\" (instance $i{i} (export \"{function}\" {ty})))\n  \
             (alias export $i{i} \"{function}\" (func $f{i}))\n  (export \"f{i}\" (func $f{i}))\n"
        );
    }
    text.push(')');
    wat::parse_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// jco (`@bytecodealliance/jco`), a second, independent WASI 0.2 host running components on
/// Node.js: tests that need a composed component to behave the same on another host use it.
pub mod jco {
    use std::fs::File;
    use std::path::{Path, PathBuf};
    use std::process::{Command, Output, Stdio};
    use std::sync::OnceLock;

    /// The jco release the tests install (pinned, so runs are reproducible).
    pub const VERSION: &str = "1.35.0";

    /// Where jco is installed: `target/jco` in the workspace.
    pub fn dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("tests/ is in the workspace")
            .join("target/jco")
    }

    /// The `jco` script, installed with npm into `target/jco` on first use. Panics if `node` is
    /// not installed: a test that needs jco fails without it, it never passes unchecked.
    pub fn jco() -> &'static Path {
        static JCO: OnceLock<PathBuf> = OnceLock::new();
        JCO.get_or_init(|| {
            let packages = [format!("@bytecodealliance/jco@{VERSION}")];
            install(&dir(), &packages);
            dir().join("node_modules/.bin/jco")
        })
    }

    /// Installs `packages` (each `name@version`) with npm into `prefix`, unless they are there
    /// at those versions; one installer at a time, across test binaries and processes.
    fn install(prefix: &Path, packages: &[String]) {
        let node = Command::new("node").arg("--version").output();
        assert!(
            node.is_ok_and(|out| out.status.success()),
            "`node` is not installed (or not on PATH): the jco tests run composed components on \
             jco, a second host, and need Node.js 20 or newer. Install it and rerun."
        );
        std::fs::create_dir_all(prefix).expect("creating the npm prefix");
        let lock = File::create(prefix.join(".install.lock")).expect("creating the install lock");
        lock.lock().expect("locking the npm prefix");
        let installed = |package: &String| {
            let (name, version) = package.rsplit_once('@').expect("name@version");
            let manifest = prefix.join("node_modules").join(name).join("package.json");
            std::fs::read_to_string(manifest)
                .is_ok_and(|text| text.contains(&format!("\"version\": \"{version}\"")))
        };
        if !packages.iter().all(installed) {
            eprintln!(
                "installing {} into {}",
                packages.join(" "),
                prefix.display()
            );
            let output = Command::new("npm")
                .args(["install", "--no-audit", "--no-fund", "--prefix"])
                .arg(prefix)
                .args(packages)
                .stdin(Stdio::null())
                .output()
                .expect("running npm (it comes with node)");
            assert!(
                output.status.success() && packages.iter().all(installed),
                "npm install {} failed:\n{}{}",
                packages.join(" "),
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        drop(lock);
    }

    /// What runs WASI 0.3 components: Node.js 24, the first release with JSPI on by default
    /// (`WebAssembly.Suspending`, which `@bytecodealliance/preview3-shim` needs), installed from
    /// npm, and jco with that shim. All pinned, in `target/jco-p3`.
    pub const NODE_P3: &str = "24.21.0";
    pub const PREVIEW3_SHIM: &str = "0.7.0";

    /// The npm prefix holding [`NODE_P3`], jco and [`PREVIEW3_SHIM`], installed on first use.
    fn p3_prefix() -> &'static Path {
        static PREFIX: OnceLock<PathBuf> = OnceLock::new();
        PREFIX.get_or_init(|| {
            let prefix = dir().with_file_name("jco-p3");
            let packages = [
                format!("@bytecodealliance/jco@{VERSION}"),
                format!("@bytecodealliance/preview3-shim@{PREVIEW3_SHIM}"),
                format!("node@{NODE_P3}"),
            ];
            install(&prefix, &packages);
            prefix
        })
    }

    /// Runs a WASI 0.3 (or mixed 0.2 + 0.3) `component` on jco with `args` after the program
    /// name, only `env` in its environment, stdin empty, and only `preopens` (guest path, host
    /// directory) as its directories, at 0.2 and 0.3 (the 0.2 shim's default, the whole host
    /// filesystem, is replaced).
    ///
    /// `jco run` cannot: it links `preview2-shim` alone (jco #617). So the component is
    /// transpiled with every 0.3 interface mapped to `preview3-shim` (jco maps only `@0.3.0` by
    /// itself; apps built with the `wasip3` crate import `@0.3.2`), in JSPI mode (an async
    /// function served by another component of a composition, the clocks adapter's `wait-for`,
    /// needs it), and run on Node 24.
    pub fn run_p3(
        component: &[u8],
        args: &[&str],
        env: &[(&str, &str)],
        preopens: &[(&str, &Path)],
    ) -> Output {
        let prefix = p3_prefix();
        let modules = prefix.join("node_modules");
        let node = modules.join(".bin/node");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let out = dir.path();
        std::fs::write(out.join("app.wasm"), component).expect("writing the component");
        // So that the generated module finds both shims.
        std::os::unix::fs::symlink(&modules, out.join("node_modules")).expect("linking the shims");
        let mut map = Vec::new();
        for version in ["0.3.0", "0.3.1", "0.3.2"] {
            for package in ["cli", "clocks", "filesystem", "http", "random", "sockets"] {
                map.push(format!(
                    "wasi:{package}/*@{version}=@bytecodealliance/preview3-shim/{package}#*"
                ));
            }
        }
        let transpiled = Command::new(&node)
            .arg(modules.join("@bytecodealliance/jco/dist/jco.js"))
            .arg("transpile")
            .arg(out.join("app.wasm"))
            .arg("-o")
            .arg(out)
            .args(["-q", "--no-typescript", "--async-mode", "jspi", "--map"])
            .args(&map)
            .stdin(Stdio::null())
            .output()
            .expect("running jco transpile");
        assert!(
            transpiled.status.success(),
            "jco transpile failed:\n{}",
            String::from_utf8_lossy(&transpiled.stderr)
        );
        std::fs::write(out.join("package.json"), r#"{"type":"module"}"#).unwrap();
        // The preopens, set in both shims before the app is loaded; then the app's
        // `wasi:cli/run@0.3` export, awaited; its `Err` is exit status 1.
        let preopens: String = preopens
            .iter()
            .map(|(guest, host)| format!("{guest:?}: {:?}, ", host.display().to_string()))
            .collect();
        std::fs::write(
            out.join("run.mjs"),
            format!(
                "import {{ _setPreopens as p2 }} from '@bytecodealliance/preview2-shim/filesystem';\n\
                 import {{ _setPreopens as p3 }} from '@bytecodealliance/preview3-shim/filesystem';\n\
                 p2({{ {preopens} }});\np3({{ {preopens} }});\n\
                 const {{ run }} = await import('./app.js');\n\
                 try {{ await run.run(); }} catch (e) {{ console.error(e); process.exit(1); }}\n"
            ),
        )
        .unwrap();
        let mut command = Command::new(&node);
        command
            .arg(out.join("run.mjs"))
            .args(args)
            .current_dir(out)
            .stdin(Stdio::null())
            .env_clear()
            .envs(env.iter().copied());
        command.output().expect("running node")
    }

    /// Runs `component` with `jco run`, with `args` after the program name, stdin empty.
    pub fn run(jco: &Path, component: &[u8], args: &[&str]) -> Output {
        run_with_env(jco, component, args, &[])
    }

    /// Like [`run`], with only `env` (and Node's own necessities) in the environment the host
    /// grants.
    pub fn run_with_env(
        jco: &Path,
        component: &[u8],
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Output {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let file = dir.path().join("app.wasm");
        std::fs::write(&file, component).expect("writing the component");
        let mut command = Command::new("node");
        command
            .arg(jco)
            .arg("run")
            .arg(&file)
            .args(args)
            .stdin(Stdio::null());
        if !env.is_empty() {
            command.env_clear().envs(env.iter().copied());
            if let Some(path) = std::env::var_os("PATH") {
                command.env("PATH", path);
            }
        }
        command.output().expect("running jco")
    }
}

/// Answers `pong` to the `ping` of at most `connections` TCP clients of `listener`, closing each
/// after; gives up after a minute. Returns how many it served: the loopback peer the socket
/// tests (0.2 and 0.3) connect to, or must not reach.
pub fn pong_server(
    listener: std::net::TcpListener,
    connections: usize,
) -> std::thread::JoinHandle<usize> {
    use std::io::{ErrorKind, Read, Write};
    use std::time::{Duration, Instant};
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut served = 0;
        while served < connections && Instant::now() < deadline {
            match listener.accept() {
                Ok((mut stream, _)) => {
                    stream.set_nonblocking(false).unwrap();
                    stream
                        .set_read_timeout(Some(Duration::from_secs(10)))
                        .unwrap();
                    let mut ping = [0u8; 4];
                    if stream.read_exact(&mut ping).is_ok() && &ping == b"ping" {
                        stream.write_all(b"pong").unwrap();
                        served += 1;
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => panic!("accept: {e}"),
            }
        }
        served
    })
}
