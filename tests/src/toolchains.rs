//! Apps built by real toolchains (componentize-py, componentize-js) from the sources in
//! `tests/apps`, with the toolchains installed from PyPI and npm into `target/toolchains`.
//!
//! Installing and building happen on first use, once per machine: the toolchains stay installed
//! (one directory per pinned version) and each built component is kept under a name that hashes
//! the app's sources, its WIT and the toolchain version, since componentizing takes many seconds.
//! File locks make parallel test binaries install and build once. A missing interpreter, a failed
//! install or a failed build panics with the reason: a test that needs a toolchain never passes
//! without one.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The componentize-py release the tests install from PyPI (pinned, so runs are reproducible).
pub const COMPONENTIZE_PY_VERSION: &str = "0.25.1";

/// The componentize-js release the tests install from npm (pinned; npm resolves its own
/// dependencies, jco and wizer among them, within the ranges it declares).
pub const COMPONENTIZE_JS_VERSION: &str = "0.23.0";

/// The WASI packages (from the workspace's `wit/deps`) each app's world needs.
const PYTHON_WIT_DEPS: &[&str] = &["cli", "clocks", "filesystem", "io", "random", "sockets"];
const JS_WIT_DEPS: &[&str] = &[
    "cli",
    "clocks",
    "filesystem",
    "io",
    "random",
    "sockets",
    "http",
];

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace")
}

/// Where the toolchains and the built apps are kept: `target/toolchains` in the workspace.
pub fn dir() -> PathBuf {
    workspace().join("target/toolchains")
}

/// The componentize-py app of `tests/apps/python`, built on first use.
pub fn python_app() -> &'static [u8] {
    static APP: OnceLock<Vec<u8>> = OnceLock::new();
    APP.get_or_init(|| {
        build_cached(
            "python",
            &format!("componentize-py {COMPONENTIZE_PY_VERSION}"),
            PYTHON_WIT_DEPS,
            |source, out| {
                let toolchain = componentize_py();
                let mut command = Command::new("python3");
                command
                    .env("PYTHONPATH", toolchain)
                    .args([
                        "-c",
                        "import sys; from componentize_py import script; sys.exit(script())",
                    ])
                    .arg("-d")
                    .arg(source.join("wit"))
                    .args(["-w", "app", "componentize", "-p"])
                    .arg(source)
                    .arg("app")
                    .arg("-o")
                    .arg(out);
                command
            },
        )
    })
}

/// The componentize-js app of `tests/apps/js`, built on first use.
pub fn js_app() -> &'static [u8] {
    static APP: OnceLock<Vec<u8>> = OnceLock::new();
    APP.get_or_init(|| {
        build_cached(
            "js",
            &format!("componentize-js {COMPONENTIZE_JS_VERSION}"),
            JS_WIT_DEPS,
            |source, out| {
                let cli = componentize_js();
                let mut command = Command::new("node");
                command
                    .arg(cli)
                    .arg("--wit")
                    .arg(source.join("wit"))
                    .args(["--world-name", "app", "--out"])
                    .arg(out)
                    .arg(source.join("app.js"));
                command
            },
        )
    })
}

/// The directory componentize-py is installed into (for `PYTHONPATH`), installing it with pip
/// on first use.
pub fn componentize_py() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let python = Command::new("python3").arg("--version").output();
        assert!(
            python.is_ok_and(|out| out.status.success()),
            "`python3` is not installed (or not on PATH): the toolchain tests install \
             componentize-py {COMPONENTIZE_PY_VERSION} with pip to build a Python app. Install \
             Python 3.10 or newer with pip and rerun."
        );
        let dir = dir().join(format!("componentize-py-{COMPONENTIZE_PY_VERSION}"));
        install(
            &dir,
            &format!("componentize-py=={COMPONENTIZE_PY_VERSION}"),
            |dir| {
                let mut command = Command::new("python3");
                command
                    .args([
                        "-m",
                        "pip",
                        "install",
                        "--no-input",
                        "--disable-pip-version-check",
                        "--no-warn-script-location",
                        "--target",
                    ])
                    .arg(dir)
                    .arg(format!("componentize-py=={COMPONENTIZE_PY_VERSION}"));
                command
            },
        )
    })
}

/// componentize-js's command-line script, installing it with npm on first use.
pub fn componentize_js() -> &'static Path {
    static CLI: OnceLock<PathBuf> = OnceLock::new();
    CLI.get_or_init(|| {
        let node = Command::new("node").arg("--version").output();
        assert!(
            node.is_ok_and(|out| out.status.success()),
            "`node` is not installed (or not on PATH): the toolchain tests install \
             componentize-js {COMPONENTIZE_JS_VERSION} with npm to build a JS app. Install \
             Node.js 20 or newer and rerun."
        );
        let dir = dir().join(format!("componentize-js-{COMPONENTIZE_JS_VERSION}"));
        let package = format!("@bytecodealliance/componentize-js@{COMPONENTIZE_JS_VERSION}");
        let package_dir = install(&dir, &package, |dir| {
            let mut command = Command::new("npm");
            command
                .args(["install", "--no-audit", "--no-fund", "--prefix"])
                .arg(dir)
                .arg(&package);
            command
        });
        package_dir.join("node_modules/@bytecodealliance/componentize-js/src/cli.js")
    })
}

/// Installs `what` into `dir/pkg` with `installer(dir/pkg)` unless `dir` holds a finished
/// install (a marker written after the installer succeeded), holding a lock so that one process
/// installs at a time; a half-finished install is removed first. Returns `dir/pkg`.
fn install(dir: &Path, what: &str, installer: impl FnOnce(&Path) -> Command) -> PathBuf {
    std::fs::create_dir_all(dir)
        .unwrap_or_else(|e| panic!("creating {} to install {what}: {e}", dir.display()));
    let lock = lock(&dir.join(".install.lock"));
    let marker = dir.join(".installed");
    let package = dir.join("pkg");
    if std::fs::read_to_string(&marker).is_ok_and(|text| text == what) {
        return package;
    }
    if package.exists() {
        std::fs::remove_dir_all(&package).unwrap_or_else(|e| {
            panic!("removing the unfinished install {}: {e}", package.display())
        });
    }
    std::fs::create_dir_all(&package)
        .unwrap_or_else(|e| panic!("creating {} to install {what}: {e}", package.display()));
    eprintln!("installing {what} into {}", package.display());
    let started = std::time::Instant::now();
    let mut command = installer(&package);
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run the installer for {what} ({command:?}): {e}"));
    assert!(
        output.status.success(),
        "installing {what} failed ({command:?}, {}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::write(&marker, what).expect("marking the toolchain installed");
    eprintln!("installed {what} in {:.1?}", started.elapsed());
    drop(lock);
    package
}

/// An exclusive lock on `path` (created if needed), held until dropped, across processes.
fn lock(path: &Path) -> File {
    let file = File::create(path)
        .unwrap_or_else(|e| panic!("creating the lock file {}: {e}", path.display()));
    file.lock()
        .unwrap_or_else(|e| panic!("locking {}: {e}", path.display()));
    file
}

/// The component built from `tests/apps/{name}` by `build(source, out)`, where `source` is a
/// copy of the app's directory with the `wit_deps` packages in `wit/deps`: taken from
/// `target/toolchains/apps` if built before from the same sources and toolchain, else built and
/// kept there (replacing the builds of older sources).
fn build_cached(
    name: &str,
    toolchain: &str,
    wit_deps: &[&str],
    build: impl FnOnce(&Path, &Path) -> Command,
) -> Vec<u8> {
    let app_dir = workspace().join("tests/apps").join(name);
    let wit_dir = workspace().join("wit/deps");
    let mut files = Vec::new();
    collect_files(&app_dir, Path::new(""), &mut files);
    for dep in wit_deps {
        collect_files(
            &wit_dir.join(dep),
            &Path::new("wit/deps").join(dep),
            &mut files,
        );
    }
    files.sort();
    let mut hash = Fnv::default();
    hash.write(toolchain.as_bytes());
    for (relative, absolute) in &files {
        let contents = std::fs::read(absolute)
            .unwrap_or_else(|e| panic!("reading {}: {e}", absolute.display()));
        hash.write(relative.to_string_lossy().as_bytes());
        hash.write(&(contents.len() as u64).to_le_bytes());
        hash.write(&contents);
    }

    let apps = dir().join("apps");
    std::fs::create_dir_all(&apps).expect("creating target/toolchains/apps");
    let cached = apps.join(format!("{name}-{:016x}.wasm", hash.0));
    let lock = lock(&apps.join(format!("{name}.lock")));
    if let Ok(bytes) = std::fs::read(&cached) {
        return bytes;
    }

    // Build from a copy, so that the toolchain's by-products (`__pycache__`, ...) stay out of the
    // source tree and the WIT packages sit where the toolchains look for them.
    let source = tempfile::Builder::new()
        .prefix(&format!("build-{name}-"))
        .tempdir_in(dir())
        .expect("creating a build directory");
    for (relative, absolute) in &files {
        let target = source.path().join(relative);
        std::fs::create_dir_all(target.parent().unwrap()).expect("creating a build directory");
        std::fs::copy(absolute, &target)
            .unwrap_or_else(|e| panic!("copying {}: {e}", absolute.display()));
    }
    let out = source.path().join("app.wasm");
    let mut command = build(source.path(), &out);
    eprintln!("building tests/apps/{name} with {toolchain}");
    let started = std::time::Instant::now();
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {toolchain} ({command:?}): {e}"));
    assert!(
        output.status.success() && out.exists(),
        "building tests/apps/{name} with {toolchain} failed ({command:?}, {}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!(
        "built tests/apps/{name} with {toolchain} in {:.1?}",
        started.elapsed()
    );
    let bytes = std::fs::read(&out).expect("reading the built component");

    // Keep this build only: older ones are of sources that no longer exist.
    if let Ok(entries) = std::fs::read_dir(&apps) {
        for entry in entries.flatten() {
            let file = entry.file_name();
            let file = file.to_string_lossy();
            if file.starts_with(&format!("{name}-")) && file.ends_with(".wasm") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    std::fs::write(&cached, &bytes).expect("caching the built component");
    drop(lock);
    bytes
}

/// Every file under `dir` (but `__pycache__`), as (path under `prefix`, path on disk).
fn collect_files(dir: &Path, prefix: &Path, files: &mut Vec<(PathBuf, PathBuf)>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
        let name = entry.file_name();
        if name == "__pycache__" {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, &prefix.join(&name), files);
        } else {
            files.push((prefix.join(&name), path));
        }
    }
}

/// 64-bit FNV-1a: a hash that is the same in every build, for cache keys.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}
