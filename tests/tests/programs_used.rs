//! Every program under `tests/programs` is used by a test or a benchmark (as wasmtime's
//! test-programs check theirs): a program nothing runs is dead weight in every build, and a sign
//! that a test was lost.

use std::path::Path;

#[test]
fn every_test_program_is_used() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut sources = String::new();
    for dir in [
        "tests/tests",
        "tests/src",
        "compose/tests",
        "benches/src",
        "benches/benches",
    ] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "rs") && !path.ends_with(file!()) {
                sources += &std::fs::read_to_string(&path).unwrap();
            }
        }
    }
    let mut unused = Vec::new();
    for entry in std::fs::read_dir(root.join("tests/programs/src/bin")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let Some(program) = name.strip_suffix(".rs") else {
            continue;
        };
        // The build script names each program's bytes after it: `fs_probe` is `FS_PROBE`.
        let constant = program.to_uppercase();
        if !sources.contains(&format!("::{constant}")) {
            unused.push(program.to_owned());
        }
    }
    // The WASI 0.3 app (`tests/programs-p3`), one program: `programs::P3`.
    if !sources.contains("programs::P3") {
        unused.push("programs-p3".to_owned());
    }
    assert!(
        unused.is_empty(),
        "test programs no test or benchmark uses: {unused:?}; use them or remove them"
    );
}
