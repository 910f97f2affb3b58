//! The `env` section end to end: a real app composed with env policies, run on wasmtime.

use interpose::RunOptions;
use interpose_tests::{compose, programs, run, stdout_lines};

const HOST_ENV: &[(&str, &str)] = &[
    ("A", "1"),
    ("B", "2"),
    ("GITHUB_TOKEN", "ghp_secret"),
    ("LC_ALL", "C"),
    ("LC_TIME", "en_GB"),
    ("PATH", "/bin"),
];

fn host_options() -> RunOptions {
    RunOptions {
        env: HOST_ENV
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        args: vec!["app".into(), "host-arg".into()],
        cwd: Some("/host/work".into()),
        ..RunOptions::default()
    }
}

/// The `env NAME=VALUE` lines the app printed.
fn seen_env(component: &[u8]) -> Vec<String> {
    stdout_lines(&run(component, host_options()))
        .into_iter()
        .filter_map(|l| l.strip_prefix("env ").map(str::to_owned))
        .collect()
}

fn seen_env_with(policy: &str) -> Vec<String> {
    seen_env(&compose(programs::ENV_PRINTER, policy))
}

#[test]
fn without_a_policy_the_app_sees_everything() {
    // The baseline: proves the app really prints what the host grants.
    assert_eq!(
        seen_env(programs::ENV_PRINTER),
        [
            "A=1",
            "B=2",
            "GITHUB_TOKEN=ghp_secret",
            "LC_ALL=C",
            "LC_TIME=en_GB",
            "PATH=/bin"
        ]
    );
}

#[test]
fn allow_globs_select_variables() {
    assert_eq!(
        seen_env_with(r#"{"env": {"allow": ["LC_*", "A"]}}"#),
        ["A=1", "LC_ALL=C", "LC_TIME=en_GB"]
    );
}

#[test]
fn deny_globs_override_allow() {
    assert_eq!(
        seen_env_with(r#"{"env": {"allow": ["*"], "deny": ["*TOKEN*", "LC_T?ME"]}}"#),
        ["A=1", "B=2", "LC_ALL=C", "PATH=/bin"]
    );
}

#[test]
fn set_adds_and_overrides_even_without_allow() {
    assert_eq!(
        seen_env_with(r#"{"env": {"set": {"A": "override", "X": "new"}}}"#),
        ["A=override", "X=new"]
    );
}

#[test]
fn set_overrides_an_allowed_variable_once() {
    assert_eq!(
        seen_env_with(r#"{"env": {"allow": ["A", "B"], "set": {"B": "3"}}}"#),
        ["A=1", "B=3"]
    );
}

#[test]
fn empty_allow_hides_everything() {
    assert!(seen_env_with(r#"{"env": {"allow": []}}"#).is_empty());
    assert!(seen_env_with(r#"{"env": {}}"#).is_empty());
}

#[test]
fn alternations_and_classes_work_in_the_adapter() {
    assert_eq!(
        seen_env_with(r#"{"env": {"allow": ["{A,PATH}", "[B-C]"]}}"#),
        ["A=1", "B=2", "PATH=/bin"]
    );
}

#[test]
fn the_working_directory_is_inherited_hidden_or_replaced() {
    let cwd = |component: &[u8]| -> Vec<String> {
        stdout_lines(&run(component, host_options()))
            .into_iter()
            .filter(|l| l.starts_with("cwd "))
            .collect()
    };
    assert_eq!(cwd(programs::ENV_PRINTER), [r#"cwd Some("/host/work")"#]);
    let composed = |policy| compose(programs::ENV_PRINTER, policy);
    assert_eq!(
        cwd(&composed(r#"{"env": {"allow": []}}"#)),
        [r#"cwd Some("/host/work")"#]
    );
    assert_eq!(cwd(&composed(r#"{"env": {"cwd": "hide"}}"#)), ["cwd None"]);
    assert_eq!(
        cwd(&composed(r#"{"env": {"cwd": "/srv/app"}}"#)),
        [r#"cwd Some("/srv/app")"#]
    );
}

#[test]
fn arguments_are_inherited_or_replaced() {
    let args = |policy: &str| -> Vec<String> {
        stdout_lines(&run(
            &compose(programs::ENV_PRINTER, policy),
            host_options(),
        ))
        .into_iter()
        .filter_map(|l| l.strip_prefix("arg ").map(str::to_owned))
        .collect()
    };
    assert_eq!(args(r#"{"env": {"allow": []}}"#), ["host-arg"]);
    assert_eq!(args(r#"{"env": {"args": ["prog", "x", "y"]}}"#), ["x", "y"]);
}

#[test]
fn the_composed_component_imports_only_what_the_app_needed() {
    let composed_bytes = compose(programs::ENV_PRINTER, r#"{"env": {}}"#);
    let app = interpose::inspect(programs::ENV_PRINTER).unwrap();
    let composed = interpose::inspect(&composed_bytes).unwrap();
    // Same interfaces, nothing added (no policy import, no adapter-only import).
    assert_eq!(
        interpose_tests::unversioned_imports(&composed_bytes),
        interpose_tests::unversioned_imports(programs::ENV_PRINTER)
    );
    assert!(composed.policy.as_ref().is_some_and(|p| p.env.is_some()));
    assert!(app.policy.is_none());
}

#[test]
fn the_env_adapter_imports_only_what_it_wraps_and_its_policy() {
    let adapter = interpose::inspect(interpose::adapters::ENV.component.bytes).unwrap();
    let mut imports: Vec<&str> = adapter.imports.iter().map(String::as_str).collect();
    imports.sort();
    assert_eq!(
        imports,
        [
            "interpose:policy/source@0.1.0",
            "wasi:cli/environment@0.2.0"
        ]
    );
}

#[test]
fn the_composed_component_filters_the_same_way_on_jco() {
    let jco = interpose_tests::jco::jco();
    let composed = compose(
        programs::ENV_PRINTER,
        r#"{"env": {"allow": ["KEEP_*"], "set": {"X": "1"}}}"#,
    );
    let env = [("KEEP_A", "a"), ("DROP_B", "b"), ("GITHUB_TOKEN", "t")];
    let output = interpose_tests::jco::run_with_env(jco, &composed, &["arg1"], &env);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let vars: Vec<&str> = stdout.lines().filter(|l| l.starts_with("env ")).collect();
    assert_eq!(vars, ["env KEEP_A=a", "env X=1"], "{stdout}");
    assert!(stdout.contains("arg arg1"), "{stdout}");
    // The same app without interpose sees everything on jco too.
    let direct = interpose_tests::jco::run_with_env(jco, programs::ENV_PRINTER, &[], &env);
    assert!(String::from_utf8_lossy(&direct.stdout).contains("env GITHUB_TOKEN=t"));
}

/// An app importing `wasi:cli/environment` at any 0.2.x patch version, written in WAT.
fn app_importing_environment_at(version: &str) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(component
             (type $env (instance
               (type $pair (tuple string string))
               (type $vars (list $pair))
               (type $get (func (result $vars)))
               (export "get-environment" (func (type $get)))))
             (import "wasi:cli/environment@{version}" (instance $e (type $env)))
             (alias export $e "get-environment" (func $get))
             (export "get" (func $get)))"#
    ))
    .unwrap()
}

#[test]
fn apps_of_any_0_2_patch_version_compose_without_needing_a_newer_host() {
    for version in ["0.2.0", "0.2.3", "0.2.12"] {
        let app = app_importing_environment_at(version);
        let composition = interpose::Composer::new(interpose_tests::policy(r#"{"env": {}}"#))
            .compose(&app)
            .unwrap_or_else(|e| panic!("{version}: {e}"));
        let inspection = interpose::inspect(&composition.component).unwrap();
        // The adapter asks the host for 0.2.0, which every 0.2.x host provides.
        assert_eq!(
            inspection.imports,
            ["wasi:cli/environment@0.2.0"],
            "{version}"
        );
        assert_eq!(inspection.exports, ["get"]);
    }
}

#[test]
fn no_secrets_hides_credentials_whatever_their_case_and_keeps_the_rest() {
    let composed = interpose::Composer::new(interpose::load_policy("no-secrets").unwrap())
        .compose(programs::ENV_PRINTER)
        .unwrap()
        .component;
    let host = [
        ("github_token", "ghp_lower"),
        ("npm_config__authToken", "npm_secret"),
        ("GH_PAT", "ghp_pat"),
        ("CI_JOB_JWT", "eyJjwt"),
        ("DOCKER_AUTH_CONFIG", "{\"auths\":{}}"),
        ("DATABASE_URL", "postgres://u:pw@db/app"),
        ("Aws_Secret_Access_Key", "mixed"),
        ("HOME", "/home/app"),
        ("LANG", "C.UTF-8"),
        ("PATH", "/bin"),
        ("Path", "/bin-too"),
    ];
    let options = RunOptions {
        env: host
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        args: vec!["app".into()],
        cwd: Some("/host/work".into()),
        ..RunOptions::default()
    };
    let lines = stdout_lines(&run(&composed, options.clone()));
    let vars: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("env "))
        .collect();
    // `allow: ["*"]` shows every other name as it is spelled, `Path` included.
    assert_eq!(
        vars,
        [
            "HOME=/home/app",
            "LANG=C.UTF-8",
            "PATH=/bin",
            "Path=/bin-too"
        ],
        "{lines:?}"
    );
    assert!(lines.contains(&"cwd None".to_owned()), "{lines:?}");
    // The baseline: without the policy the app sees every one of them.
    let direct = stdout_lines(&run(programs::ENV_PRINTER, options));
    for (name, value) in host {
        assert!(
            direct.contains(&format!("env {name}={value}")),
            "{name}: {direct:?}"
        );
    }
}
