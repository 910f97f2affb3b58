//! Parsing policies: what is accepted, and how rejections are reported.

use interpose_policy::Policy;
use interpose_policy::compiled::{ArgsRule, CwdRule, decode};

fn error(text: &str) -> String {
    Policy::parse(text, "p.json").unwrap_err().to_string()
}

#[test]
fn a_full_env_section_parses_and_round_trips_through_the_encoding() {
    let policy = Policy::parse(
        r#"{"env": {"allow": ["A*"], "deny": ["AB"], "set": {"X": "1"}, "args": ["p", "q"], "cwd": "/w"}}"#,
        "p.json",
    )
    .unwrap();
    let compiled = policy.compile();
    assert_eq!(decode(&policy.encode()).unwrap(), compiled);
    let env = compiled.env.unwrap();
    assert!(env.is_visible("ABC") && !env.is_visible("AB") && !env.is_visible("B"));
    assert_eq!(env.args, ArgsRule::Replace(vec!["p".into(), "q".into()]));
    assert_eq!(env.cwd, CwdRule::Set("/w".into()));
    let seen = env.environment(vec![("A".into(), "1".into()), ("X".into(), "host".into())]);
    assert_eq!(
        seen,
        [
            ("A".to_owned(), "1".to_owned()),
            ("X".to_owned(), "1".to_owned())
        ]
    );
}

#[test]
fn an_empty_policy_restricts_nothing() {
    assert!(
        Policy::parse("{}", "p.json")
            .unwrap()
            .compile()
            .env
            .is_none()
    );
}

#[test]
fn errors_name_the_key_line_and_column() {
    assert_eq!(
        error("{\n  \"env\": {\"allow\": [\"ok\", \"[oops\"]}\n}"),
        "p.json:2:34: `env.allow[1]`: invalid glob `[oops`: unclosed character class; missing ']'"
    );
    assert!(
        error(r#"{"env": {"alow": []}}"#)
            .starts_with("p.json:1:15: `env.alow`: unknown field `alow`")
    );
    assert!(error(r#"{"envv": {}}"#).contains("unknown field `envv`, expected one of"));
    assert!(
        error(r#"{"env": {"allow": "A"}}"#)
            .contains("`env.allow`: invalid type: string \"A\", expected a sequence")
    );
    assert!(
        error(r#"{"env": {"args": "all"}}"#).contains(r#"expected "inherit" or a list of strings"#)
    );
    assert!(error(r#"{"env": {"cwd": "rel"}}"#).contains("absolute path"));
    assert!(error(r#"{"env": {}} trailing"#).starts_with("p.json:1:13: trailing characters"));
    assert!(error("{").contains("EOF while parsing"));
    assert!(error("").contains("EOF while parsing"));
}

#[test]
fn sections_of_later_versions_are_rejected_not_ignored() {
    for section in ["fs", "clocks", "random", "sockets", "http", "stdio", "exit"] {
        let message = error(&format!(r#"{{"{section}": "host"}}"#));
        assert!(
            message.contains(&format!("`{section}`: this section is not supported yet")),
            "{message}"
        );
    }
}

#[test]
fn never_panics_on_arbitrary_input() {
    let samples = [
        "null",
        "[]",
        "1",
        "\"x\"",
        "{\"env\": null}",
        "{\"env\": {\"set\": {\"a\": 1}}}",
        "\u{0}",
        "{\"env\":{\"allow\":[\"\\\\\"]}}",
    ];
    for sample in samples {
        let _ = Policy::parse(sample, "p.json");
    }
    // Every prefix of a valid policy.
    let valid = r#"{"env": {"allow": ["A*", "{B,C}"], "deny": ["[!x]"], "set": {"K": "V"}}}"#;
    for end in 0..valid.len() {
        let _ = Policy::parse(&valid[..end], "p.json");
    }
}

#[test]
fn the_schema_describes_every_section() {
    let schema = Policy::json_schema();
    for section in [
        "env", "fs", "clocks", "random", "sockets", "http", "stdio", "exit",
    ] {
        assert!(
            schema["properties"][section].is_object(),
            "{section} missing from {schema}"
        );
    }
    assert_eq!(schema["additionalProperties"], false);
}
