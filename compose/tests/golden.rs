//! Golden files: what `interpose policy check` prints for every built-in policy and for the
//! policies in `tests/golden/policies`, what `interpose inspect` prints for a composed app, the
//! JSON Schema of `interpose policy schema` and every compose error, compared byte for byte with
//! the files under `tests/golden`.
//!
//! After a deliberate change of wording, rewrite them with `BLESS=1 cargo test -p interpose --test
//! golden` and review the diff.

use std::path::{Path, PathBuf};
use std::process::Command;

use interpose_tests::programs;

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Runs the `interpose` binary in `dir` and returns its stdout, asserting success.
fn interpose(args: &[&str], dir: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_interpose"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("running interpose");
    assert!(
        out.status.success(),
        "interpose {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// Compares `actual` with the golden file `relative` (under `tests/golden`), or rewrites the file
/// when `BLESS` is set. Returns a description of the mismatch, if any, so that one run reports
/// every file that differs.
fn check(relative: &str, actual: &str) -> Option<String> {
    let path = golden_dir().join(relative);
    if std::env::var_os("BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return None;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    (expected != actual).then(|| {
        format!(
            "{} differs (rerun with BLESS=1 to accept):\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        )
    })
}

fn assert_all_match(mismatches: Vec<String>) {
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// The custom policies, by file name without `.json`.
fn custom_policies() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(golden_dir().join("policies"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|name| name.strip_suffix(".json").map(str::to_owned))
        .collect();
    names.sort();
    assert!(!names.is_empty());
    names
}

#[test]
fn policy_check_of_every_builtin_and_custom_policy() {
    let dir = golden_dir();
    let mut mismatches = Vec::new();
    for (name, _) in interpose::policy_source::BUILTINS {
        let text = interpose(&["policy", "check", name], &dir);
        mismatches.extend(check(&format!("policy-check/{name}.txt"), &text));
    }
    for name in custom_policies() {
        let text = interpose(&["policy", "check", &format!("policies/{name}.json")], &dir);
        mismatches.extend(check(&format!("policy-check/{name}.txt"), &text));
    }
    assert_all_match(mismatches);
}

/// `inspect`'s output with what changes on its own replaced: the size, and interface versions.
fn normalise(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let line = match line.strip_prefix("size: ") {
            Some(_) => "size: <N> bytes".to_owned(),
            None => versions_replaced(line),
        };
        out += &line;
        out.push('\n');
    }
    out
}

/// `@0.2.3` (any `@` followed by digits and dots) becomes `@<version>`.
fn versions_replaced(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find('@') {
        out += &rest[..=at];
        rest = &rest[at + 1..];
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if end > 0 {
            out += "<version>";
            rest = &rest[end..];
        }
    }
    out + rest
}

/// The JSON Schema `interpose policy schema` prints: what editors validate policies with, so a
/// change of the format shows here.
#[test]
fn policy_schema() {
    let text = interpose(&["policy", "schema"], &golden_dir());
    assert_all_match(check("policy-schema.json", &text).into_iter().collect());
}

#[test]
fn inspect_of_a_composed_app() {
    let ws = tempfile::tempdir().unwrap();
    let composed = interpose::Composer::new(interpose::load_policy("no-secrets").unwrap())
        .compose(programs::ENV_PRINTER)
        .unwrap()
        .component;
    std::fs::write(ws.path().join("app.wasm"), composed).unwrap();
    let text = normalise(&interpose(&["inspect", "app.wasm"], ws.path()));
    assert_all_match(
        check("inspect/env_printer.no-secrets.txt", &text)
            .into_iter()
            .collect(),
    );
}

#[test]
fn inspect_prints_the_same_summary_as_policy_check() {
    // One summary for both: what `inspect` prints under "policy baked in" is what `policy check`
    // prints after its first line, for every policy.
    let dir = golden_dir();
    let mut policies: Vec<String> = interpose::policy_source::BUILTINS
        .iter()
        .map(|(name, _)| name.to_string())
        .collect();
    policies.extend(
        custom_policies()
            .into_iter()
            .map(|name| format!("policies/{name}.json")),
    );
    for spec in policies {
        let checked = interpose(&["policy", "check", &spec], &dir);
        let summary = checked.split_once('\n').unwrap().1;
        let policy = interpose::load_policy(dir.join(&spec).to_str().unwrap())
            .or_else(|_| interpose::load_policy(&spec))
            .unwrap();
        // The component that serves the policy inside a composition, as the composer builds it:
        // what `inspect` finds and decodes in a composed component.
        let baked = interpose::policy_component::build(&policy.encode()).unwrap();
        let inspection = interpose::inspect(&baked).unwrap();
        let text = inspection.to_string();
        let (_, baked) = text
            .split_once("policy baked in:\n")
            .unwrap_or_else(|| panic!("{spec}: no policy baked in:\n{text}"));
        assert_eq!(baked, summary, "{spec}");
    }
}

/// The table of every deniable function and its answer in `docs/policy.md`, between its two
/// markers, is what the denial component does: generated from it, rewritten with `BLESS=1`.
#[test]
fn the_denial_table_in_the_docs_is_current() {
    const BEGIN: &str =
        "<!-- denials: generated by `BLESS=1 cargo test -p interpose --test golden` -->\n";
    const END: &str = "<!-- end of denials -->\n";
    let mut table = String::from("| Interface | Functions | Answer when denied |\n|---|---|---|\n");
    let answers = interpose::deny::answers().unwrap();
    // One row per interface and answer, in the order they first appear.
    let mut rows: Vec<(String, Vec<String>, &str)> = Vec::new();
    for answered in &answers {
        let name = answered
            .function
            .split_once(']')
            .map_or(answered.function.as_str(), |(_, n)| n);
        let name = if answered.function.starts_with("[constructor]") {
            format!("`{name}` (constructor)")
        } else {
            format!("`{name}`")
        };
        // WASI 0.2 (0.2.0 or 0.2.12) by name alone; other releases with their version.
        let interface = match answered.version.starts_with("0.2.") {
            true => answered.interface.to_owned(),
            false => format!("{}@{}", answered.interface, answered.version),
        };
        let same = |(row, _, answer): &&mut (String, Vec<String>, &str)| {
            *row == interface && *answer == answered.answer
        };
        match rows.iter_mut().find(|row| same(row)) {
            Some((_, names, _)) => names.push(name),
            None => rows.push((interface, vec![name], &answered.answer)),
        }
    }
    for (interface, names, answer) in rows {
        table.push_str(&format!(
            "| `{interface}` | {} | {answer} |\n",
            names.join(", ")
        ));
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/policy.md");
    let docs = std::fs::read_to_string(&path).unwrap();
    let (before, rest) = docs
        .split_once(BEGIN)
        .expect("the denials marker in docs/policy.md");
    let (current, after) = rest.split_once(END).expect("the end-of-denials marker");
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&path, format!("{before}{BEGIN}{table}{END}{after}")).unwrap();
        return;
    }
    assert_eq!(
        current, table,
        "docs/policy.md's denial table is stale: rerun with BLESS=1 and review the diff"
    );
}

/// Runs the `interpose` binary in `dir`, expecting it to fail; returns its stderr.
fn interpose_fails(case: &str, args: &[&str], dir: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_interpose"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("running interpose");
    assert!(
        !out.status.success(),
        "{case}: interpose {args:?} succeeded: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr).expect("UTF-8 output")
}

/// Every error `interpose compose` can give for a bad input, as the user reads it: one golden
/// file per case under `tests/golden/compose-errors`, with versions normalised. The input is
/// never touched and no output is written.
#[test]
fn compose_errors_read_well() {
    let ws = tempfile::tempdir().unwrap();
    let importing = |imports: &[(&str, &str, &str)]| interpose_tests::component_importing(imports);
    let u64_fn = "(func (result u64))";
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("not-wasm", b"hello".to_vec(), r#"{}"#),
        (
            "truncated-component",
            programs::ENV_PRINTER[..100].to_vec(),
            r#"{}"#,
        ),
        (
            "core-module-not-wasi",
            wat::parse_str(r#"(module (import "env" "foo" (func)))"#).unwrap(),
            r#"{}"#,
        ),
        (
            "unknown-import-under-strict",
            importing(&[("my:plugin/api@1.0.0", "hello", "(func)")]),
            r#"{"default": "deny"}"#,
        ),
        (
            "wasi-0-3-under-a-section",
            importing(&[("wasi:clocks/timezone@0.3.0", "display", u64_fn)]),
            r#"{"clocks": {"wall": {"frozen": "2024-01-01T00:00:00Z"}}}"#,
        ),
        // A strict policy would deny it, and interpose has no 0.3 adapter or denial for it.
        (
            "wasi-0-3-timezone-under-strict",
            importing(&[("wasi:clocks/timezone@0.3.0", "display", u64_fn)]),
            r#"{"default": "deny"}"#,
        ),
        (
            "unknown-wasi-interface-under-strict",
            importing(&[("wasi:clocks/timezone@0.2.1", "f", u64_fn)]),
            r#"{"default": "deny"}"#,
        ),
        (
            "null-stream-in-an-http-server",
            wat::parse_str(
                r#"(component
                     (import "wasi:cli/stdout@0.2.0" (instance $o))
                     (import "wasi:http/types@0.2.0" (instance $t))
                     (instance $h)
                     (export "wasi:http/incoming-handler@0.2.0" (instance $h)))"#,
            )
            .unwrap(),
            r#"{"stdio": {"stdout": "null"}}"#,
        ),
        (
            "mismatched-types",
            importing(&[("wasi:clocks/wall-clock@0.2.0", "now", u64_fn)]),
            r#"{"clocks": {"wall": {"frozen": "2024-01-01T00:00:00Z"}}}"#,
        ),
        (
            "invalid-policy",
            programs::ENV_PRINTER.to_vec(),
            r#"{"env": {"allow": ["["]}}"#,
        ),
        (
            "unknown-policy-key",
            programs::ENV_PRINTER.to_vec(),
            "{\n  \"fs\": {\"mode\": \"read-only\"},\n  \"network\": \"deny\"\n}",
        ),
    ];
    let mut mismatches = Vec::new();
    for (name, app, policy) in &cases {
        std::fs::write(ws.path().join("app.wasm"), app).unwrap();
        std::fs::write(ws.path().join("policy.json"), policy).unwrap();
        let stderr = interpose_fails(
            name,
            &[
                "compose",
                "app.wasm",
                "--policy",
                "policy.json",
                "-o",
                "out.wasm",
            ],
            ws.path(),
        );
        assert!(
            !ws.path().join("out.wasm").exists(),
            "{name}: an output was written"
        );
        assert_eq!(
            std::fs::read(ws.path().join("app.wasm")).unwrap(),
            *app,
            "{name}"
        );
        mismatches.extend(check(
            &format!("compose-errors/{name}.txt"),
            &normalise(&stderr),
        ));
    }
    assert_all_match(mismatches);
}

/// `policy check --app`: where each import of an app would go, from the same plan `compose`
/// wires; and the same refusal as `compose` when it would refuse the app.
#[test]
fn policy_check_with_an_app() {
    let ws = tempfile::tempdir().unwrap();
    std::fs::write(ws.path().join("app.wasm"), programs::ENV_PRINTER).unwrap();
    let text = normalise(&interpose(
        &["policy", "check", "no-secrets", "--app", "app.wasm"],
        ws.path(),
    ));
    let mut mismatches: Vec<String> =
        check("policy-check/with-app/env_printer.no-secrets.txt", &text)
            .into_iter()
            .collect();

    let refused =
        interpose_tests::component_importing(&[("my:plugin/api@1.0.0", "hello", "(func)")]);
    std::fs::write(ws.path().join("plugin.wasm"), refused).unwrap();
    std::fs::write(ws.path().join("strict.json"), r#"{"default": "deny"}"#).unwrap();
    let stderr = interpose_fails(
        "refused",
        &["policy", "check", "strict.json", "--app", "plugin.wasm"],
        ws.path(),
    );
    let composing = interpose_fails(
        "refused",
        &[
            "compose",
            "plugin.wasm",
            "--policy",
            "strict.json",
            "-o",
            "out.wasm",
        ],
        ws.path(),
    );
    assert_eq!(stderr, composing, "the same refusal as compose");
    mismatches.extend(check(
        "policy-check/with-app/unknown-import-under-strict.txt",
        &normalise(&stderr),
    ));
    assert_all_match(mismatches);
}
