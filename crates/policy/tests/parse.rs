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
fn null_streams_compile_to_stdio_rules_and_the_others_to_none() {
    use interpose_policy::stdio::{StdioRules, StreamRule};
    let compile = |json: &str| Policy::parse(json, "p.json").unwrap().compile().stdio;
    assert_eq!(
        compile(r#"{"stdio": {"stdout": "deny", "stderr": "inherit"}}"#),
        None
    );
    assert_eq!(
        compile(r#"{"stdio": {"stdin": "null"}}"#),
        Some(StdioRules {
            stdin: StreamRule::Null,
            stdout: StreamRule::Inherit,
            stderr: StreamRule::Inherit,
        })
    );
    // Under a strict policy a stream left out is denied.
    assert_eq!(
        compile(r#"{"default": "deny", "stdio": {"stdout": "null", "stderr": "inherit"}}"#),
        Some(StdioRules {
            stdin: StreamRule::Deny,
            stdout: StreamRule::Null,
            stderr: StreamRule::Inherit,
        })
    );
    assert!(
        error(r#"{"stdio": {"stdin": "nul"}}"#).contains(r#"expected "inherit", "null" or "deny""#)
    );
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

mod fs {
    use interpose_policy::Policy;
    use interpose_policy::fs::{Access, FsMode, PreopenRule, lexical_components, preopen_root};

    fn rules(json: &str) -> interpose_policy::fs::FsRules {
        Policy::parse(json, "p.json").unwrap().compile().fs.unwrap()
    }

    #[test]
    fn allow_covers_subtrees_and_deny_wins_case_insensitively() {
        let r = rules(
            r#"{"fs": {"allow": ["/data/pub", "/data/src/**/*.rs"], "deny": ["/data/pub/private*"]}}"#,
        );
        assert_eq!(r.access("/data/pub"), Access::Full);
        assert_eq!(r.access("/data/pub/a/b"), Access::Full);
        assert_eq!(r.access("/data/pub/private.key"), Access::None);
        assert_eq!(r.access("/data/pub/PRIVATE.key"), Access::None);
        assert_eq!(r.access("/data/pub/privatedir/x"), Access::None);
        assert_eq!(r.access("/data/src/a/b/main.rs"), Access::Full);
        assert_eq!(r.access("/data/src/a/b"), Access::Traverse);
        // Below a `**` anything may lead to a match: traversable, so the adapter only lets the
        // app see it if it is a directory.
        assert_eq!(r.access("/data/src/a/b/notes.txt"), Access::Traverse);
        assert_eq!(r.access("/data/other/notes.txt"), Access::None);
        assert_eq!(r.access("/data"), Access::Traverse);
        assert_eq!(r.access("/"), Access::Traverse);
        assert_eq!(r.access("/other"), Access::None);
    }

    #[test]
    fn modes_and_preopens() {
        let r = rules(
            r#"{"fs": {"mode": "read-only", "preopens": {"/tmp/": "hide", "./cache": "read-write"}}}"#,
        );
        assert_eq!(r.mode, FsMode::ReadOnly);
        assert!(!r.filters_paths());
        assert_eq!(r.preopen("/tmp"), PreopenRule::Hide);
        // read-only mode wins over a per-preopen read-write.
        assert_eq!(r.preopen("/cache"), PreopenRule::ReadOnly);
        assert_eq!(r.preopen("/data"), PreopenRule::ReadOnly);
        let deny = rules(r#"{"fs": {"mode": "deny"}}"#);
        assert_eq!(deny.preopen("/data"), PreopenRule::Hide);
        let hidden_by_globs = rules(r#"{"fs": {"allow": ["/data/**"]}}"#);
        assert_eq!(hidden_by_globs.preopen("/other"), PreopenRule::Hide);
        assert_eq!(hidden_by_globs.preopen("/data"), PreopenRule::ReadWrite);
    }

    #[test]
    fn paths_are_normalised_lexically() {
        assert_eq!(preopen_root("."), "/");
        assert_eq!(preopen_root("./data/"), "/data");
        assert_eq!(preopen_root("/a/../b"), "/b");
        assert_eq!(lexical_components("a/./b//c/..").unwrap(), ["a", "b"]);
        assert!(lexical_components("a/../..").is_err());
        assert!(lexical_components("/etc").is_err());
        assert!(lexical_components("a\0b").is_err());
        assert!(lexical_components("").is_err());
    }

    #[test]
    fn bad_fs_sections_are_reported_precisely() {
        let error = |t: &str| Policy::parse(t, "p.json").unwrap_err().to_string();
        assert!(error(r#"{"fs": {"mode": "readonly"}}"#).contains("`fs.mode`: unknown variant `readonly`, expected one of `read-write`, `read-only`, `deny`"));
        assert!(
            error(r#"{"fs": {"allow": ["data/**"]}}"#)
                .contains("`fs.allow[0]`: path glob `data/**` must be an absolute guest path")
        );
        assert!(error(r#"{"fs": {"deny": ["/a/[z-a]"]}}"#).contains("`fs.deny[0]`: invalid glob"));
        assert!(
            error(r#"{"fs": {"preopens": {"/a": "hidden"}}}"#)
                .contains("`fs.preopens./a`: unknown variant `hidden`")
        );
    }
}
