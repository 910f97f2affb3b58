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
        error(r#"{"env": {"args": "all"}}"#)
            .contains(r#"expected "inherit", a list of strings or {"program": NAME}"#)
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
        error(r#"{"stdio": {"stdin": "nul"}}"#)
            .contains("unknown variant `nul`, expected one of `inherit`, `null`, `deny`")
    );
}

#[test]
fn never_panics_on_arbitrary_input() {
    // Each invalid input is rejected with its line, column and key (`.`: the document as a
    // whole); `None`: valid.
    type Rejection = Option<(usize, usize, &'static str)>;
    let samples: &[(&str, Rejection)] = &[
        ("null", Some((1, 4, "."))),
        ("1", Some((1, 1, "."))),
        ("\"x\"", Some((1, 3, "."))),
        ("\u{0}", Some((1, 1, "."))),
        ("", Some((1, 0, "."))),
        (
            "{\"env\": {\"set\": {\"a\": 1}}}",
            Some((1, 23, "env.set.a")),
        ),
        (
            "{\"env\":{\"allow\":[\"\\\\\"]}}",
            Some((1, 22, "env.allow[0]")),
        ),
        // The duplicate is named in the message: "duplicate field `env`".
        ("{\"env\": {}, \"env\": {}}", Some((1, 17, "."))),
        ("{\"env\": null}", None),
        // serde would read a struct from a JSON array too, field after field; a policy and its
        // sections are objects (docs/reliability.md, finding 14).
        ("[]", Some((1, 0, "."))),
        ("{\"fs\": []}", Some((1, 7, "fs"))),
        (
            "{\"http\": {\"allow\": [[]]}}",
            Some((1, 20, "http.allow[0]")),
        ),
    ];
    for (text, expected) in samples {
        match (Policy::parse(text, "p.json"), expected) {
            (Ok(_), None) => {}
            (Err(e), Some((line, column, key))) => {
                assert_eq!(
                    (e.line, e.column, e.key.as_str()),
                    (*line, *column, *key),
                    "{text:?}: {e}"
                );
                let shown = e.to_string();
                assert!(
                    shown.starts_with(&format!("p.json:{line}:{column}: ")),
                    "{shown}"
                );
                assert!(
                    *key == "." || shown.contains(&format!("`{key}`: ")),
                    "{shown}"
                );
            }
            (result, _) => panic!("{text:?}: {result:?}"),
        }
    }
    // Every prefix of a valid policy is invalid: the error is at its end, and names the key
    // being read, or what holds it while its name is (`.`: the document).
    let valid = r#"{"env": {"allow": ["A*", "{B,C}"], "deny": ["[!x]"], "set": {"K": "V"}}}"#;
    let keys = [
        ".",
        "env",
        "env.allow",
        "env.allow[0]",
        "env.allow[1]",
        "env.deny",
        "env.deny[0]",
        "env.set",
        "env.set.K",
    ];
    for end in 0..valid.len() {
        let e = Policy::parse(&valid[..end], "p.json").unwrap_err();
        let shown = e.to_string();
        assert!(e.message.starts_with("EOF while parsing"), "{shown}");
        assert!(shown.starts_with(&format!("p.json:1:{end}: ")), "{shown}");
        assert!(keys.contains(&e.key.as_str()), "{shown}");
        assert!(
            e.key == "." || shown.contains(&format!("`{}`: ", e.key)),
            "{shown}"
        );
    }
    assert!(Policy::parse(valid, "p.json").is_ok());
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
    use interpose_policy::fs::{Access, FsMode, lexical_components, preopen_root};

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
    fn preopen_rules_are_path_rules_and_the_most_specific_wins() {
        let r = rules(
            r#"{"fs": {"mode": "read-only", "preopens": {"/tmp/": "hide", "./cache": "read-write", "/cache/ro": "read-only"}}}"#,
        );
        assert_eq!(r.mode, FsMode::ReadOnly);
        // Rules hold for guest paths whichever preopen reaches them, so paths are checked.
        assert!(r.filters_paths());
        assert!(r.writes_anywhere());
        assert!(!r.preopen_visible("/tmp"));
        assert_eq!(r.access("/tmp/x"), Access::None);
        assert_eq!(r.access("/TMP/x"), Access::None, "compared like `deny`");
        assert!(r.preopen_visible("/cache"));
        assert!(r.writable("/cache"));
        assert!(r.writable("/cache/a/b"));
        assert!(!r.writable("/cache/ro/a"));
        assert!(!r.writable("/data"));
        let deny = rules(r#"{"fs": {"mode": "deny"}}"#);
        assert!(!deny.preopen_visible("/data"));
        assert!(!deny.writes_anywhere());
        let hidden_by_globs = rules(r#"{"fs": {"allow": ["/data/**"]}}"#);
        assert!(!hidden_by_globs.preopen_visible("/other"));
        assert!(hidden_by_globs.preopen_visible("/data"));
        let readonly = rules(r#"{"fs": {"mode": "read-only"}}"#);
        assert!(!readonly.filters_paths());
        assert!(!readonly.writes_anywhere());
    }

    #[test]
    fn allow_write_makes_only_its_paths_writable() {
        let r =
            rules(r#"{"fs": {"mode": "read-only", "allow-write": ["/data/out/**", "/data/log"]}}"#);
        assert!(r.writable("/data/out/x"));
        assert!(r.writable("/data/log"));
        assert!(r.writable("/data/log/today"));
        assert!(
            !r.writable("/data/out"),
            "`/data/out/**` is below `/data/out`"
        );
        assert!(!r.writable("/data/a.txt"));
        // The same under `read-write`: `allow-write` says where.
        let rw = rules(r#"{"fs": {"allow-write": ["/data/out/**"]}}"#);
        assert!(rw.writable("/data/out/x"));
        assert!(!rw.writable("/data/a.txt"));
    }

    #[test]
    fn moves_are_refused_when_rules_below_depend_on_the_name() {
        let anchored = rules(r#"{"fs": {"deny": ["/data/secret/**"]}}"#);
        assert!(!anchored.moves_alike("/data/secret", "/data/moved"));
        assert!(!anchored.moves_alike("/data/moved", "/data/secret"));
        assert!(anchored.moves_alike("/data/a", "/data/b"));
        assert!(anchored.moves_alike("/data/secret.txt", "/data/b"));
        let ancestor = rules(r#"{"fs": {"deny": ["/data/p/secret"]}}"#);
        assert!(!ancestor.moves_alike("/data/p", "/data/q"));
        assert!(!ancestor.moves_alike("/data", "/other"));
        assert!(ancestor.moves_alike("/data/p/other", "/data/q"));
        assert!(
            !ancestor.moves_alike("/data/P", "/data/q"),
            "deny is case-insensitive"
        );
        // A name-only glob moves with the name.
        let by_name = rules(r#"{"fs": {"deny": ["**/*.pem"]}}"#);
        assert!(by_name.moves_alike("/data/sub", "/data/sub2"));
        // Path rules and `allow-write` count too.
        let rule = rules(r#"{"fs": {"preopens": {"/data/ro": "read-only"}}}"#);
        assert!(!rule.moves_alike("/data", "/other"));
        assert!(!rule.moves_alike("/data/ro", "/data/rw"));
        assert!(rule.moves_alike("/data/a", "/data/b"));
        let write = rules(r#"{"fs": {"mode": "read-only", "allow-write": ["/data/out/**"]}}"#);
        assert!(!write.moves_alike("/data", "/x"));
        assert!(write.moves_alike("/data/out/a", "/data/out/b"));
    }

    #[test]
    fn symlink_targets_are_judged_by_every_directory_they_name() {
        let r = rules(r#"{"fs": {"allow": ["/data/**"], "deny": ["/data/secret"]}}"#);
        assert!(r.hidden_on_the_way("/data/secret/key.pem"));
        assert!(r.hidden_on_the_way("/data/secret/../a.txt"));
        assert!(r.hidden_on_the_way("/data/nope/../secret"));
        assert!(!r.hidden_on_the_way("/data/sub/../a.txt"));
        assert!(!r.hidden_on_the_way("/data/a.txt"));
    }

    #[test]
    fn directories_that_may_hide_entries_are_known() {
        let anchored = rules(r#"{"fs": {"deny": ["/data/secret/**", "/data/p/key"]}}"#);
        assert!(anchored.may_hide_below("/data"));
        assert!(anchored.may_hide_below("/data/p"));
        assert!(anchored.may_hide_below("/data/secret"));
        assert!(!anchored.may_hide_below("/data/other"));
        let by_name = rules(r#"{"fs": {"deny": ["**/*.pem"]}}"#);
        assert!(by_name.may_hide_below("/data/anything"));
        let rule = rules(r#"{"fs": {"preopens": {"/data/secret": "hide"}}}"#);
        assert!(rule.may_hide_below("/data"));
        assert!(!rule.may_hide_below("/data/pub"));
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
