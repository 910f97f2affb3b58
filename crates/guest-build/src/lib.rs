//! Used by build scripts to build wasm guests (adapters, test apps) from this workspace's source.
//!
//! Guests are built by a nested `cargo build` into their own target directory, `target/guests`,
//! shared by every build script and every profile of the outer build, so each guest is compiled
//! once. (The outer target directory is locked by the outer cargo while build scripts run.)

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The profile guests are built with (see the workspace `Cargo.toml`).
pub const PROFILE: &str = "guest";

/// The workspace root, from the build script's `CARGO_MANIFEST_DIR`.
pub fn workspace_root() -> PathBuf {
    let mut dir =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("run from a build script"));
    while !dir.join("rust-toolchain.toml").exists() {
        assert!(dir.pop(), "the workspace root has a rust-toolchain.toml");
    }
    dir
}

/// What to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The packages' binaries (each a component on wasm32-wasip2).
    Binaries,
    /// Only these binaries of the packages (say, those that build for wasm32-wasip1 too).
    Bins(&'static [&'static str]),
    /// The packages' libraries as `cdylib`s (core modules). Adapter crates are plain libraries
    /// so that the native workspace build does not try to link them as shared objects.
    Cdylib,
}

/// Builds `packages` for `target`, with `features` (of those packages) enabled, and returns the
/// directory holding the artifacts. Building the same package again with other features
/// overwrites them: read them first.
///
/// Tells cargo to rerun the build script when the sources under `watch` (relative to the
/// workspace root) change.
pub fn build(
    packages: &[&str],
    features: &[&str],
    kind: Kind,
    target: &str,
    watch: &[&str],
) -> PathBuf {
    let root = workspace_root();
    for path in watch.iter().chain(&["wit", "Cargo.lock", "Cargo.toml"]) {
        println!("cargo:rerun-if-changed={}", root.join(path).display());
    }
    let target_dir = match env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir).join("guests"),
        None => root.join("target").join("guests"),
    };
    let features = features.join(",");
    let features: &[&str] = if features.is_empty() {
        &[]
    } else {
        &["--features", &features]
    };
    match kind {
        Kind::Binaries => cargo(&root, &target_dir, "build", target, packages, features),
        Kind::Bins(bins) => {
            let mut extra = features.to_vec();
            for bin in bins {
                extra.extend(["--bin", bin]);
            }
            cargo(&root, &target_dir, "build", target, packages, &extra);
        }
        // `cargo rustc` takes one package at a time.
        Kind::Cdylib => {
            for package in packages {
                let mut extra = features.to_vec();
                extra.extend(["--crate-type", "cdylib"]);
                cargo(&root, &target_dir, "rustc", target, &[package], &extra);
            }
        }
    }
    target_dir.join(target).join(PROFILE)
}

fn cargo(
    root: &Path,
    target_dir: &Path,
    verb: &str,
    target: &str,
    packages: &[&str],
    extra: &[&str],
) {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args([verb, "--locked", "--profile", PROFILE, "--target", target])
        .arg("--target-dir")
        .arg(target_dir);
    for package in packages {
        cmd.args(["-p", package]);
    }
    cmd.args(extra);
    // The outer build's flags and wrappers (clippy, coverage, host RUSTFLAGS) are not for guests.
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CARGO_PROFILE_RELEASE_DEBUG",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .expect("failed to run cargo for the wasm guests");
    assert!(
        status.success(),
        "building the wasm guests {packages:?} failed"
    );
}

/// Reads a built artifact, with a useful message if it is missing.
pub fn read(dir: &Path, file: &str) -> Vec<u8> {
    let path = dir.join(file);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}
