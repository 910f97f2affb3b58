//! The `env` section: how names are matched, the built-in `no-secrets` list, `args`, and what a
//! strict policy does without an `env` section.

use interpose_policy::Policy;
use interpose_policy::compiled::{self, ArgsRule, CwdRule, EnvRules, Outline, Streams, Whole};
use interpose_policy::stdio::StreamRule;

fn env(json: &str) -> EnvRules {
    Policy::parse(json, "p.json")
        .unwrap_or_else(|e| panic!("{e}"))
        .compile()
        .env
        .unwrap()
}

fn error(json: &str) -> String {
    Policy::parse(json, "p.json").unwrap_err().to_string()
}

#[test]
fn deny_globs_match_names_in_any_case() {
    let rules = env(r#"{"env": {"allow": ["*"], "deny": ["*TOKEN*", "AWS_*", "db_pass?ord"]}}"#);
    for hidden in [
        "GITHUB_TOKEN",
        "github_token",
        "Github_Token",
        "npm_config__authToken",
        "aws_secret_access_key",
        "Aws_Region",
        "DB_PASSWORD",
        "db_password",
    ] {
        assert!(!rules.is_visible(hidden), "{hidden} is visible");
    }
    for visible in ["HOME", "path", "TOKE", "AWSX"] {
        assert!(rules.is_visible(visible), "{visible} is hidden");
    }
    // Classes and alternations fold too.
    let rules = env(r#"{"env": {"allow": ["*"], "deny": ["[A-C]_{KEY,PIN}"]}}"#);
    for hidden in ["A_KEY", "b_key", "c_Pin"] {
        assert!(!rules.is_visible(hidden), "{hidden} is visible");
    }
    assert!(rules.is_visible("D_KEY"));
}

#[test]
fn allow_globs_match_names_as_written() {
    // An allow list never shows more than it names: `PATH` is not `Path`.
    let rules = env(r#"{"env": {"allow": ["PATH", "LC_*"]}}"#);
    assert!(rules.is_visible("PATH") && rules.is_visible("LC_ALL"));
    for hidden in ["Path", "path", "lc_all"] {
        assert!(!rules.is_visible(hidden), "{hidden} is visible");
    }
    // A deny in another case still wins over an exact allow.
    let rules = env(r#"{"env": {"allow": ["Secret_Thing"], "deny": ["SECRET_*"]}}"#);
    assert!(!rules.is_visible("Secret_Thing"));
}

#[test]
fn set_names_are_exact_and_override_only_their_own_spelling() {
    let rules = env(r#"{"env": {"allow": ["*"], "set": {"LANG": "C"}}}"#);
    let seen = rules.environment(vec![
        ("LANG".into(), "host".into()),
        ("lang".into(), "other".into()),
    ]);
    assert_eq!(
        seen,
        [
            ("lang".to_owned(), "other".to_owned()),
            ("LANG".to_owned(), "C".to_owned())
        ]
    );
}

/// The built-in `no-secrets` policy, as the composer embeds it.
const NO_SECRETS: &str = include_str!("../../../policies/no-secrets.json");

#[test]
fn no_secrets_hides_common_credential_names_in_any_case() {
    let rules = env(NO_SECRETS);
    for hidden in [
        // From the issue: lower case, mixed case, and names without TOKEN/SECRET/PASSWORD.
        "github_token",
        "npm_config__authToken",
        "GH_PAT",
        "CI_JOB_JWT",
        "CI_JOB_JWT_V2",
        "DOCKER_AUTH_CONFIG",
        "DATABASE_URL",
        // Generic shapes.
        "GITHUB_TOKEN",
        "GH_TOKEN",
        "HF_TOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        "ACTIONS_RUNTIME_TOKEN",
        "SYSTEM_ACCESSTOKEN",
        "CI_JOB_TOKEN",
        "CI_REGISTRY_PASSWORD",
        "CLIENT_SECRET",
        "ARM_CLIENT_SECRET",
        "PGPASSWORD",
        "MYSQL_PWD",
        "FTP_PASSWD",
        "GPG_PASSPHRASE",
        "OPENAI_API_KEY",
        "SENDGRID_APIKEY",
        "STRIPE_SECRET_KEY",
        "ANTHROPIC_API_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AZURE_CLIENT_SECRET",
        "AZURE_STORAGE_CONNECTION_STRING",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "CLOUDSDK_AUTH_ACCESS_TOKEN_FILE",
        "GITHUB_PAT",
        "AZURE_DEVOPS_PAT",
        "HTTP_AUTHORIZATION",
        "SENTRY_DSN",
        "SQLALCHEMY_DATABASE_URI",
        "MONGODB_URI",
        "REDIS_URL",
        "SSH_AUTH_SOCK",
        "NPM_TOKEN",
        "NODE_AUTH_TOKEN",
        "PYPI_API_TOKEN",
        "TWINE_PASSWORD",
        "TWINE_USERNAME",
        "CARGO_REGISTRY_TOKEN",
        "CARGO_REGISTRIES_MY_TOKEN",
        "VAULT_ADDR",
        "VAULT_TOKEN",
        "DOCKER_PASSWORD",
        "DOCKER_CONFIG",
        "KUBECONFIG",
        "NETRC",
        "SLACK_WEBHOOK_URL",
        "PRIVATE_KEY",
        "SIGNING_KEY_ID",
        "SESSION_COOKIE",
    ] {
        assert!(!rules.is_visible(hidden), "no-secrets shows {hidden}");
        assert!(
            !rules.is_visible(&hidden.to_lowercase()),
            "no-secrets shows {}",
            hidden.to_lowercase()
        );
    }
    for visible in [
        "HOME",
        "LANG",
        "LC_ALL",
        "PATH",
        "PWD",
        "OLDPWD",
        "USER",
        "SHELL",
        "TERM",
        "TZ",
        "CI",
        "RUST_LOG",
        "KEYBOARD",
        "MONKEY",
        "PATCH",
        "LD_LIBRARY_PATH",
        "PATH_INFO",
    ] {
        assert!(rules.is_visible(visible), "no-secrets hides {visible}");
    }
    assert_eq!(rules.cwd, CwdRule::Hide);
}

#[test]
fn args_program_replaces_only_the_program_name() {
    let rules = env(r#"{"env": {"args": {"program": "app"}}}"#);
    assert_eq!(rules.args, ArgsRule::Program("app".into()));
    let host = || vec!["/tmp/jco-123/app.wasm".to_owned(), "x".into(), "y".into()];
    assert_eq!(rules.arguments(host), ["app", "x", "y"]);
    // A host that passes no arguments at all still gives the app its program name.
    assert_eq!(rules.arguments(Vec::new), ["app"]);
    let e = error(r#"{"env": {"args": {"program": 1}}}"#);
    assert!(
        e.contains("`env.args") && e.contains("invalid type: integer `1`"),
        "{e}"
    );
    assert!(error(r#"{"env": {"args": {"prog": "x"}}}"#).contains("unknown field `prog`"));
    assert!(error(r#"{"env": {"args": {}}}"#).contains("missing field `program`"));
    let schema = Policy::json_schema().to_string();
    assert!(schema.contains("\"program\""), "{schema}");
}

#[test]
fn a_strict_policy_without_env_compiles_to_an_empty_environment_and_no_cwd() {
    let compiled = Policy::parse(r#"{"default": "deny"}"#, "p.json")
        .unwrap()
        .compile();
    let env = compiled.env.unwrap();
    assert!(env.environment(vec![("A".into(), "1".into())]).is_empty());
    assert_eq!(env.cwd, CwdRule::Hide);
    assert_eq!(env.args, ArgsRule::Inherit);
    assert!(
        !compiled.outline.unwrap().env,
        "the policy has no env section"
    );
}

#[test]
fn the_outline_records_every_section_as_written_and_round_trips() {
    let policy = Policy::parse(
        r#"{"default": "deny", "sockets": "deny", "http": "host", "exit": "deny",
            "stdio": {"stdin": "null", "stdout": "inherit"}, "allow-imports": ["my:api/x"]}"#,
        "p.json",
    )
    .unwrap();
    let compiled = policy.compile();
    assert_eq!(
        compiled.outline,
        Some(Outline {
            strict: true,
            env: false,
            sockets: Some(Whole::Deny),
            http: Some(Whole::Host),
            stdio: Some(Streams {
                stdin: Some(StreamRule::Null),
                stdout: Some(StreamRule::Inherit),
                stderr: None,
            }),
            exit: Some(false),
            allow_imports: vec!["my:api/x".into()],
        })
    );
    let bytes = compiled::encode(&compiled);
    assert_eq!(compiled::decode(&bytes).unwrap(), compiled);
    // Adapters decode their section from the envelope alone, ignoring the outline after it.
    let env: Option<EnvRules> = compiled::decode_section(&bytes, |e| e.env).unwrap();
    assert_eq!(env, compiled.env);
    // A policy baked in without an outline (an older interpose) still decodes.
    let older = compiled::CompiledPolicy {
        outline: None,
        ..compiled.clone()
    };
    assert_eq!(compiled::decode(&compiled::encode(&older)).unwrap(), older);
}
