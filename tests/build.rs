//! Builds the apps in `tests/programs` for wasm32-wasip2 (each binary is a component) and exposes
//! them as `interpose_tests::programs::NAME` constants; builds those of [`WASIP1`] for
//! wasm32-wasip1 too (each a preview 1 core module), as `programs::wasip1::NAME`; and the WASI 0.3
//! app of `tests/programs-p3` (a `cdylib` for wasm32-wasip2, made a component by rustc's
//! wasm32-wasip2 linker like the binaries), as `programs::P3`.

use std::fmt::Write;
use std::path::PathBuf;

/// The programs that build for wasm32-wasip1 too (with std only there).
const WASIP1: &[&str] = &["env_printer", "std_fs", "stdio_echo"];

fn main() {
    let root = interpose_guest_build::workspace_root();
    let built = interpose_guest_build::build(
        &["interpose-test-programs"],
        &[],
        interpose_guest_build::Kind::Binaries,
        "wasm32-wasip2",
        &["tests/programs"],
    );
    let mut consts = String::new();
    let bins = std::fs::read_dir(root.join("tests/programs/src/bin")).unwrap();
    let mut names: Vec<String> = bins
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in names {
        let path: PathBuf = built.join(format!("{name}.wasm"));
        assert!(path.exists(), "{} was not built", path.display());
        writeln!(
            consts,
            "/// The `{name}` test app.\npub const {}: &[u8] = include_bytes!({:?});",
            name.to_uppercase(),
            path.display()
        )
        .unwrap();
    }
    let built = interpose_guest_build::build(
        &["interpose-test-programs"],
        &[],
        interpose_guest_build::Kind::Bins(WASIP1),
        "wasm32-wasip1",
        &["tests/programs"],
    );
    consts += "\n/// Some of the apps built for `wasm32-wasip1`: WASI preview 1 core modules.\n";
    consts += "pub mod wasip1 {\n";
    for name in WASIP1 {
        let path: PathBuf = built.join(format!("{name}.wasm"));
        assert!(path.exists(), "{} was not built", path.display());
        writeln!(
            consts,
            "    /// The `{name}` test app, a preview 1 core module.\n    pub const {}: &[u8] = \
             include_bytes!({:?});",
            name.to_uppercase(),
            path.display()
        )
        .unwrap();
    }
    consts += "}\n";
    // Built twice, with and without `http`: one output file, copied away after each build.
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    for (name, features, doc) in [
        ("P3", &[][..], "imports WASI 0.3 and 0.2"),
        (
            "P3_HTTP",
            &["interpose-test-programs-p3/http"][..],
            "with the `get` and `post` commands, so it imports 0.3's `wasi:http` too",
        ),
    ] {
        let built = interpose_guest_build::build(
            &["interpose-test-programs-p3"],
            features,
            interpose_guest_build::Kind::Cdylib,
            "wasm32-wasip2",
            &["tests/programs-p3"],
        );
        let path = built.join("interpose_test_programs_p3.wasm");
        assert!(path.exists(), "{} was not built", path.display());
        let copy = out.join(format!("{}.wasm", name.to_lowercase()));
        std::fs::copy(&path, &copy).unwrap();
        writeln!(
            consts,
            "\n/// The WASI 0.3 test app (`tests/programs-p3`): exports `wasi:cli/run@0.3.x`, \
             {doc}.\npub const {name}: &[u8] = include_bytes!({:?});",
            copy.display()
        )
        .unwrap();
    }
    std::fs::write(out.join("programs.rs"), consts).unwrap();
}
