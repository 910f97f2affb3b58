//! Golden plans, in the manner of wac's `tests/graphs`: each directory under `tests/plans` holds
//! a `policy.json` and an app given as WAT (`app.wat`: only its import and export names matter),
//! and `plan.txt`, the plan `interpose::plan::plan` makes of them, or the error. Neither a guest
//! build nor wasmtime is needed. Rewrite the expectations with `BLESS=1` and review the diff.

use std::path::Path;

/// A component importing each name as an empty instance and exporting each as one.
fn app(imports: &[&str], exports: &[&str]) -> String {
    let mut text = String::from("(component\n");
    for import in imports {
        text += &format!("  (import \"{import}\" (instance))\n");
    }
    for (i, export) in exports.iter().enumerate() {
        text += &format!("  (instance $e{i})\n  (export \"{export}\" (instance $e{i}))\n");
    }
    text + ")\n"
}

#[test]
fn plans_match_their_golden_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/plans");
    let mut mismatches = Vec::new();
    let mut cases = 0;
    for entry in std::fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        cases += 1;
        let policy_text = std::fs::read_to_string(dir.join("policy.json")).unwrap();
        let wat = std::fs::read_to_string(dir.join("app.wat")).unwrap();
        let component = wat::parse_str(&wat).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let inspection = interpose::inspect(&component).unwrap();
        let actual = match interpose::Policy::parse(&policy_text, "policy.json") {
            Err(e) => format!("error: {e}\n"),
            Ok(policy) => {
                match interpose::plan::plan(&policy, &inspection.imports, &inspection.exports) {
                    Ok(plan) => format!("{plan}{}", plan.wiring()),
                    Err(e) => format!("error: {e}\n"),
                }
            }
        };
        let expected_file = dir.join("plan.txt");
        if std::env::var_os("BLESS").is_some() {
            std::fs::write(&expected_file, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_file).unwrap_or_default();
        if expected != actual {
            mismatches.push(format!(
                "{} differs (BLESS=1 to accept):\n--- expected\n{expected}--- actual\n{actual}",
                dir.display()
            ));
        }
    }
    assert!(cases > 0, "no cases under {}", root.display());
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// Writes the cases below (run once with `WRITE_PLAN_CASES=1` to create or reset them).
#[test]
fn plan_cases_exist() {
    let cli = [
        "wasi:cli/environment@0.2.6",
        "wasi:cli/exit@0.2.6",
        "wasi:cli/stdin@0.2.6",
        "wasi:cli/stdout@0.2.6",
        "wasi:cli/stderr@0.2.6",
        "wasi:io/error@0.2.6",
        "wasi:io/poll@0.2.6",
        "wasi:io/streams@0.2.6",
        "wasi:clocks/monotonic-clock@0.2.6",
        "wasi:clocks/wall-clock@0.2.6",
        "wasi:random/random@0.2.6",
    ];
    let files = [
        "wasi:filesystem/types@0.2.6",
        "wasi:filesystem/preopens@0.2.6",
    ];
    let sockets = [
        "wasi:sockets/network@0.2.6",
        "wasi:sockets/instance-network@0.2.6",
        "wasi:sockets/tcp@0.2.6",
        "wasi:sockets/tcp-create-socket@0.2.6",
        "wasi:sockets/ip-name-lookup@0.2.6",
    ];
    let http = ["wasi:http/types@0.2.6", "wasi:http/outgoing-handler@0.2.6"];
    let everything: Vec<&str> = [&cli[..], &files, &sockets, &http].concat();
    let p3 = [
        "wasi:cli/environment@0.3.2",
        "wasi:clocks/types@0.3.2",
        "wasi:clocks/monotonic-clock@0.3.2",
        "wasi:clocks/system-clock@0.3.2",
        "wasi:random/random@0.3.2",
        "wasi:random/insecure@0.3.2",
        "wasi:random/insecure-seed@0.3.2",
    ];
    let cases: Vec<(&str, &str, Vec<&str>, Vec<&str>)> = vec![
        (
            "no-policy",
            "{}",
            everything.clone(),
            vec!["wasi:cli/run@0.2.6"],
        ),
        (
            "hermetic",
            include_str!("../../policies/hermetic.json"),
            everything.clone(),
            vec![],
        ),
        (
            "readonly",
            include_str!("../../policies/readonly.json"),
            everything.clone(),
            vec![],
        ),
        (
            "strict-files-and-sockets",
            r#"{"default": "deny", "fs": {"mode": "read-only"},
                "sockets": {"connect": ["127.0.0.1:80"]},
                "stdio": {"stdout": "inherit", "stderr": "inherit"}}"#,
            everything
                .iter()
                .copied()
                .filter(|i| !i.starts_with("wasi:http"))
                .collect(),
            vec![],
        ),
        (
            "strict-with-http",
            r#"{"default": "deny", "http": "host",
                "stdio": {"stdout": "inherit", "stderr": "inherit"}}"#,
            [&cli[..], &http].concat(),
            vec![],
        ),
        (
            "null-beside-http",
            r#"{"stdio": {"stdout": "null"}}"#,
            [&cli[..], &http].concat(),
            vec![],
        ),
        (
            "serving-http-denied",
            r#"{"http": "deny"}"#,
            [&cli[..], &http].concat(),
            vec!["wasi:http/incoming-handler@0.2.6"],
        ),
        (
            "wasi-0-3",
            r#"{"clocks": {"monotonic": "virtual"}}"#,
            vec!["wasi:clocks/monotonic-clock@0.3.0"],
            vec![],
        ),
        // 0.3 files under a read-only `fs` section: the `fs-p3` adapter.
        (
            "wasi-0-3-files",
            include_str!("../../policies/readonly.json"),
            vec![
                "wasi:cli/environment@0.3.2",
                "wasi:filesystem/types@0.3.2",
                "wasi:filesystem/preopens@0.3.2",
            ],
            vec!["wasi:cli/run@0.3.2"],
        ),
        // Path globs at 0.3: the `fs-paths-p3` adapter.
        (
            "wasi-0-3-files-globs",
            r#"{"fs": {"deny": ["**/.env"]}}"#,
            vec![
                "wasi:cli/environment@0.3.2",
                "wasi:filesystem/types@0.3.2",
                "wasi:filesystem/preopens@0.3.2",
            ],
            vec!["wasi:cli/run@0.3.2"],
        ),
        // An app reaching files through both versions: one `fs` section, the adapter of each
        // release.
        (
            "mixed-0-2-and-0-3-files",
            include_str!("../../policies/readonly.json"),
            [
                &files[..],
                &[
                    "wasi:filesystem/types@0.3.2",
                    "wasi:filesystem/preopens@0.3.2",
                ],
            ]
            .concat(),
            vec!["wasi:cli/run@0.3.2"],
        ),
        // What a strict policy passes through reaches the host at 0.3 too; a 0.3 "null" stream
        // cannot be made yet: refused.
        (
            "wasi-0-3-passed-through",
            r#"{"default": "deny", "sockets": "host", "http": "host", "exit": "allow",
                "stdio": {"stdout": "inherit", "stderr": "inherit"}}"#,
            vec![
                "wasi:cli/stdout@0.3.2",
                "wasi:cli/stderr@0.3.2",
                "wasi:cli/exit@0.3.2",
                "wasi:sockets/types@0.3.2",
                "wasi:sockets/ip-name-lookup@0.3.2",
                "wasi:http/types@0.3.2",
                "wasi:http/client@0.3.2",
            ],
            vec!["wasi:cli/run@0.3.2"],
        ),
        // Strict policies deny files, sockets and exit at 0.3 as at 0.2, by rows of the denial
        // component.
        (
            "wasi-0-3-hermetic",
            include_str!("../../policies/hermetic.json"),
            vec![
                "wasi:cli/environment@0.3.2",
                "wasi:cli/exit@0.3.2",
                "wasi:filesystem/types@0.3.2",
                "wasi:filesystem/preopens@0.3.2",
                "wasi:sockets/types@0.3.2",
                "wasi:sockets/ip-name-lookup@0.3.2",
            ],
            vec!["wasi:cli/run@0.3.2"],
        ),
        (
            "wasi-0-3-default-deny",
            r#"{"default": "deny"}"#,
            vec![
                "wasi:cli/exit@0.3.2",
                "wasi:filesystem/types@0.3.2",
                "wasi:filesystem/preopens@0.3.2",
                "wasi:sockets/types@0.3.2",
                "wasi:sockets/ip-name-lookup@0.3.2",
            ],
            vec!["wasi:cli/run@0.3.2"],
        ),
        (
            "wasi-0-3-sockets-denied",
            r#"{"sockets": "deny"}"#,
            vec![
                "wasi:sockets/types@0.3.2",
                "wasi:sockets/ip-name-lookup@0.3.2",
            ],
            vec!["wasi:cli/run@0.3.2"],
        ),
        // Requests are built with the host's types (data, no capability) and refused when sent.
        (
            "wasi-0-3-http-denied",
            r#"{"http": "deny"}"#,
            vec!["wasi:http/types@0.3.2", "wasi:http/client@0.3.2"],
            vec!["wasi:cli/run@0.3.2"],
        ),
        (
            "wasi-0-3-serving-http-denied",
            r#"{"http": "deny"}"#,
            vec!["wasi:http/types@0.3.2"],
            vec!["wasi:http/handler@0.3.2"],
        ),
        // The 0.3 build of the http adapter, by the same rules, with or without header changes:
        // `client` through it, the types the host's.
        (
            "wasi-0-3-http-allowlist",
            r#"{"http": {"allow": [{"authority": "example.com", "methods": ["GET"]}]}}"#,
            vec!["wasi:http/types@0.3.2", "wasi:http/client@0.3.2"],
            vec!["wasi:cli/run@0.3.2"],
        ),
        (
            "wasi-0-3-http-headers",
            r#"{"http": {"allow": [{"authority": "api.example.com",
                "set-headers": {"authorization": "Bearer 0123abcd"}, "strip-headers": ["cookie"]}]}}"#,
            vec!["wasi:http/types@0.3.2", "wasi:http/client@0.3.2"],
            vec!["wasi:cli/run@0.3.2"],
        ),
        // A middleware's imported next handler is not checked at 0.3: refused under an
        // allowlist, never passed through.
        (
            "wasi-0-3-http-handler-imported",
            r#"{"http": {"allow": [{"authority": "example.com"}]}}"#,
            vec!["wasi:http/types@0.3.2", "wasi:http/handler@0.3.2"],
            vec!["wasi:http/handler@0.3.2"],
        ),
        // The 0.3 build of the sockets adapter, by the same rules.
        (
            "wasi-0-3-sockets-allowlist",
            r#"{"sockets": {"connect": ["127.0.0.1:8080"], "resolve": ["localhost"]}}"#,
            vec![
                "wasi:sockets/types@0.3.2",
                "wasi:sockets/ip-name-lookup@0.3.2",
            ],
            vec!["wasi:cli/run@0.3.2"],
        ),
        // 0.3's time zone reveals the host's: decided as the wall clock, so a policy that
        // changes or denies that clock refuses it (no 0.3 adapter or denial serves it); never
        // the host's.
        (
            "wasi-0-3-timezone-under-a-frozen-clock",
            include_str!("../../policies/deterministic.json"),
            vec![
                "wasi:clocks/timezone@0.3.2",
                "wasi:clocks/system-clock@0.3.2",
            ],
            vec!["wasi:cli/run@0.3.2"],
        ),
        (
            "wasi-0-3-timezone-under-strict",
            r#"{"default": "deny"}"#,
            vec!["wasi:clocks/timezone@0.3.2"],
            vec!["wasi:cli/run@0.3.2"],
        ),
        // Denied standard streams at 0.3: `stdio-p3`'s empty ones, as at 0.2, and no terminal (the
        // denial component's rows).
        (
            "wasi-0-3-stdio-denied",
            r#"{"stdio": {"stdin": "deny", "stdout": "inherit", "stderr": "deny"}}"#,
            vec![
                "wasi:cli/stdin@0.3.2",
                "wasi:cli/stdout@0.3.2",
                "wasi:cli/stderr@0.3.2",
                "wasi:cli/terminal-stdin@0.3.2",
                "wasi:cli/terminal-stderr@0.3.2",
            ],
            vec!["wasi:cli/run@0.3.2"],
        ),
        // A "null" stream at 0.3: the `stdio-p3` adapter's.
        (
            "wasi-0-3-null-stream",
            r#"{"stdio": {"stdout": "null"}}"#,
            vec!["wasi:cli/stdout@0.3.2"],
            vec!["wasi:cli/run@0.3.2"],
        ),
        // A Rust 0.3 app built for wasm32-wasip2: both versions of each interface, each served
        // by the adapter of its release under the same section.
        (
            "mixed-0-2-and-0-3",
            include_str!("../../policies/deterministic.json"),
            [&cli[..], &p3].concat(),
            vec!["wasi:cli/run@0.3.2"],
        ),
        // Strict without `clocks` and `random`: both versions denied, each by its own row of
        // the denial component.
        (
            "mixed-0-2-and-0-3-strict",
            r#"{"default": "deny", "env": {}, "stdio": {"stdout": "inherit", "stderr": "inherit"},
                "exit": "allow"}"#,
            [&cli[..], &p3].concat(),
            vec!["wasi:cli/run@0.3.2"],
        ),
        (
            "mixed-0-2-and-0-3-hermetic",
            include_str!("../../policies/hermetic.json"),
            [&cli[..], &p3].concat(),
            vec!["wasi:cli/run@0.3.2"],
        ),
        (
            "unknown-import-allowed",
            r#"{"default": "deny", "allow-imports": ["my:plugin/api"]}"#,
            vec![
                "my:plugin/api@1.0.0",
                "wasi:cli/stdout@0.2.6",
                "wasi:io/streams@0.2.6",
            ],
            vec![],
        ),
    ];
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/plans");
    for (name, policy, imports, exports) in cases {
        let dir = root.join(name);
        let wat = app(&imports, &exports);
        if std::env::var_os("WRITE_PLAN_CASES").is_some() {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("policy.json"), policy).unwrap();
            std::fs::write(dir.join("app.wat"), &wat).unwrap();
            continue;
        }
        assert!(
            dir.join("app.wat").exists(),
            "{name}: run with WRITE_PLAN_CASES=1"
        );
    }
}
