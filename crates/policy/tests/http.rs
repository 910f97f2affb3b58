//! The `http` section: parsing, errors, and what the compiled allowlist lets through.

use interpose_policy::Policy;
use interpose_policy::http::{HttpRules, request_path};

fn error(json: &str) -> String {
    Policy::parse(json, "p.json").unwrap_err().to_string()
}

fn rules(json: &str) -> HttpRules {
    Policy::parse(json, "p.json")
        .unwrap()
        .compile()
        .http
        .unwrap()
}

#[test]
fn host_and_deny_compile_to_no_rules() {
    for form in [r#""host""#, r#""deny""#] {
        let policy = Policy::parse(&format!(r#"{{"http": {form}}}"#), "p.json").unwrap();
        assert!(policy.compile().http.is_none(), "{form}");
    }
}

#[test]
fn a_missing_field_matches_anything() {
    let r = rules(r#"{"http": {"allow": [{}]}}"#);
    assert!(r.allows("DELETE", "http", "anything:1", "/x?y"));
    assert!(r.allows("GET", "https", "", ""));
}

#[test]
fn no_rules_allow_nothing() {
    let r = rules(r#"{"http": {"allow": []}}"#);
    assert!(!r.allows("GET", "https", "example.com", "/"));
}

#[test]
fn every_given_field_of_one_rule_must_match() {
    let r = rules(
        r#"{"http": {"allow": [
            {"authority": "api.example.com", "methods": ["GET", "HEAD"], "schemes": ["https"],
             "paths": ["/v1/users/*", "/static/**"]},
            {"authority": "127.0.0.1:*", "methods": ["POST"]}
        ]}}"#,
    );
    assert!(r.allows("GET", "https", "api.example.com", "/v1/users/42"));
    assert!(r.allows("HEAD", "https", "api.example.com", "/v1/users/42?full=1"));
    assert!(r.allows("GET", "https", "api.example.com", "/static/a/b/c.css"));
    // `*` does not cross `/`.
    assert!(!r.allows("GET", "https", "api.example.com", "/v1/users/42/keys"));
    assert!(!r.allows("GET", "https", "api.example.com", "/v1/admin"));
    // Each field of the first rule.
    assert!(!r.allows("POST", "https", "api.example.com", "/v1/users/42"));
    assert!(!r.allows("GET", "http", "api.example.com", "/v1/users/42"));
    assert!(!r.allows("GET", "https", "evil.example.com", "/v1/users/42"));
    assert!(!r.allows("GET", "https", "api.example.com.evil.net", "/v1/users/42"));
    // Methods are case-sensitive.
    assert!(!r.allows("get", "https", "api.example.com", "/v1/users/42"));
    // The second rule: any path and scheme, POST only, any port on loopback.
    assert!(r.allows("POST", "http", "127.0.0.1:8080", "/anything"));
    assert!(!r.allows("GET", "http", "127.0.0.1:8080", "/anything"));
    assert!(!r.allows("POST", "http", "127.0.0.2:8080", "/anything"));
}

#[test]
fn authorities_ignore_user_info_and_case_and_default_ports() {
    let r = rules(r#"{"http": {"allow": [{"authority": "*.Example.com"}]}}"#);
    assert!(r.allows("GET", "https", "a.example.com", "/"));
    assert!(r.allows("GET", "https", "A.EXAMPLE.COM", "/"));
    assert!(r.allows("GET", "https", "a.example.com:443", "/"));
    assert!(r.allows("GET", "http", "a.example.com:80", "/"));
    assert!(!r.allows("GET", "http", "a.example.com:443", "/"));
    assert!(!r.allows("GET", "https", "a.example.com:8443", "/"));
    assert!(!r.allows("GET", "https", "a.example.com@evil.net", "/"));
    assert!(r.allows("GET", "https", "evil.net@a.example.com", "/"));
    assert!(!r.allows("GET", "https", "", "/"));

    let r = rules(r#"{"http": {"allow": [{"authority": "example.com:443"}]}}"#);
    assert!(r.allows("GET", "https", "example.com", "/"));
    assert!(!r.allows("GET", "http", "example.com", "/"));

    // `[` starts a glob class: IPv6 literals are escaped.
    let r = rules(r#"{"http": {"allow": [{"authority": "\\[::1\\]:8080"}]}}"#);
    assert!(r.allows("GET", "http", "[::1]:8080", "/"));
    assert!(!r.allows("GET", "http", "[::2]:8080", "/"));
    let r = rules(r#"{"http": {"allow": [{"authority": "\\[::1\\]"}]}}"#);
    assert!(r.allows("GET", "http", "[::1]:80", "/"));
    assert!(r.allows("GET", "http", "[::1]", "/"));
}

#[test]
fn paths_that_a_server_could_rewrite_match_no_path_glob() {
    let r = rules(r#"{"http": {"allow": [{"paths": ["/public/**", "/"]}]}}"#);
    assert!(r.allows("GET", "https", "h", "/public/a.txt"));
    assert!(r.allows("GET", "https", "h", "/?q=1"));
    for sneaky in [
        "/public/../admin",
        "/public/%2e%2e/admin",
        "/public/%2E./admin",
        "/public/./x",
        "/public/a%2fb",
        "/public/a%5Cb",
        "/public\\..\\admin",
        "public/a",
        "",
        "*",
        "/public/..;/admin",
        "/public/.;x/admin",
        "/public/%252e%252e/admin",
        "/public/a%00b",
        "/public/a\u{0}b",
        "/public/a\nb",
    ] {
        assert!(!r.allows("GET", "https", "h", sneaky), "{sneaky}");
    }
    assert_eq!(request_path("/a/b?x=/c#f"), Some("/a/b"));
    assert_eq!(request_path("/a..b/c.d"), Some("/a..b/c.d"));
    // Without path rules, such paths are not examined.
    let r = rules(r#"{"http": {"allow": [{"methods": ["GET"]}]}}"#);
    assert!(r.allows("GET", "https", "h", "/public/../admin"));
}

#[test]
fn precise_errors() {
    let cases = [
        (
            r#"{"http": "allow"}"#,
            r#"expected "host", "deny" or {"allow": [rules]}"#,
        ),
        (
            r#"{"http": {"allow": [{"host": "x"}]}}"#,
            "`http.allow[0].host`: unknown field `host`",
        ),
        (
            r#"{"http": {"allow": [{"authority": "https://x"}]}}"#,
            "without scheme",
        ),
        (
            r#"{"http": {"allow": [{"authority": "x/y"}]}}"#,
            "without path",
        ),
        (
            r#"{"http": {"allow": [{"authority": "[x"}]}}"#,
            "`http.allow[0].authority`: invalid glob",
        ),
        (
            r#"{"http": {"allow": [{"methods": ["get"]}]}}"#,
            "write `GET`, not `get`",
        ),
        (
            r#"{"http": {"allow": [{"methods": ["G T"]}]}}"#,
            "not an HTTP method",
        ),
        (
            r#"{"http": {"allow": [{"methods": []}]}}"#,
            "`http.allow[0].methods`: an empty list matches nothing",
        ),
        (
            r#"{"http": {"allow": [{"schemes": ["ftp"]}]}}"#,
            r#"`http.allow[0].schemes[0]`: expected "http" or "https", found `ftp`"#,
        ),
        (
            r#"{"http": {"allow": [{"paths": ["api/*"]}]}}"#,
            "must start with `/`",
        ),
        (
            r#"{"http": {"allow": [{"paths": ["/a**"]}]}}"#,
            "unsupported glob",
        ),
        (r#"{"http": {}}"#, "missing field `allow`"),
        (
            r#"{"http": {"allow": [], "deny": []}}"#,
            "unknown field `deny`",
        ),
    ];
    for (json, expected) in cases {
        let message = error(json);
        assert!(message.contains(expected), "{json}: {message}");
    }
}

#[test]
fn header_changes_belong_in_rules() {
    for json in [
        r#"{"http": {"allow": [], "set-headers": {"x-a": "1"}}}"#,
        r#"{"http": {"strip-headers": null, "allow": []}}"#,
    ] {
        let message = error(json);
        assert!(
            message.contains("-headers`: header changes belong in the rule"),
            "{message}"
        );
    }
}

#[test]
fn bad_header_changes_are_refused_with_the_reason() {
    let cases = [
        (
            r#"{"http": {"allow": [{"set-headers": {"bad name": "1"}}]}}"#,
            "not an HTTP header name",
        ),
        (
            r#"{"http": {"allow": [{"strip-headers": [""]}]}}"#,
            "not an HTTP header name",
        ),
        (
            r#"{"http": {"allow": [{"set-headers": {"x-a": "1\r\nx-b: 2"}}]}}"#,
            "no line breaks",
        ),
        (
            r#"{"http": {"allow": [{"set-headers": {"x-a": " 1"}}]}}"#,
            "white space",
        ),
        (
            r#"{"http": {"allow": [{"set-headers": {"Host": "evil"}}]}}"#,
            "`host` cannot be set",
        ),
        (
            r#"{"http": {"allow": [{"set-headers": ["x"]}]}}"#,
            "invalid type",
        ),
    ];
    for (json, expected) in cases {
        let message = error(json);
        assert!(message.contains(expected), "{json}: {message}");
        assert!(message.contains("p.json:1:"), "{json}: {message}");
    }
}

#[test]
fn the_first_matching_rule_rewrites_headers_case_insensitively() {
    let http = rules(
        r#"{"http": {"allow": [
            {"authority": "api.example.com", "set-headers": {"Authorization": "Bearer t"},
             "strip-headers": ["Cookie"]},
            {"authority": "*"}
        ]}}"#,
    );
    assert!(http.rewrites_headers());
    let rule = http
        .matching_rule("GET", "https", "api.example.com", "/")
        .unwrap();
    let app = vec![
        ("authorization".to_owned(), b"Bearer forged".to_vec()),
        ("COOKIE".to_owned(), b"a=1".to_vec()),
        ("accept".to_owned(), b"*/*".to_vec()),
    ];
    assert_eq!(
        rule.rewrite(app.clone()),
        [
            ("accept".to_owned(), b"*/*".to_vec()),
            ("authorization".to_owned(), b"Bearer t".to_vec()),
        ]
    );
    // Another authority falls to the second rule, which changes nothing.
    let other = http
        .matching_rule("GET", "https", "evil.example", "/")
        .unwrap();
    assert!(!other.rewrites_headers());
    assert_eq!(other.rewrite(app.clone()), app);
    assert!(!rules(r#"{"http": {"allow": [{}]}}"#).rewrites_headers());
}

#[test]
fn a_rule_that_adds_headers_needs_https_and_refuses_echoing_methods_unless_listed() {
    let adds = rules(r#"{"http": {"allow": [{"set-headers": {"authorization": "t"}}]}}"#);
    assert!(adds.allows("GET", "https", "h", "/"));
    assert!(
        !adds.allows("GET", "http", "h", "/"),
        "a credential in clear"
    );
    assert!(
        !adds.allows("TRACE", "https", "h", "/"),
        "TRACE echoes the request"
    );
    assert!(!adds.allows("CONNECT", "https", "h", "/"));
    // Said explicitly, they are allowed.
    let explicit = rules(
        r#"{"http": {"allow": [{"set-headers": {"a": "t"}, "schemes": ["http"], "methods": ["TRACE"]}]}}"#,
    );
    assert!(explicit.allows("TRACE", "http", "h", "/"));
    // Stripping headers adds nothing to protect: no such defaults.
    let strips = rules(r#"{"http": {"allow": [{"strip-headers": ["cookie"]}]}}"#);
    assert!(strips.allows("TRACE", "http", "h", "/"));
}

#[test]
fn the_allowlist_round_trips_through_the_encoding() {
    let policy = Policy::parse(
        r#"{"http": {"allow": [{"authority": "a:1", "methods": ["GET"], "paths": ["/x/**"]}]}}"#,
        "p.json",
    )
    .unwrap();
    let bytes = policy.encode();
    let decoded = interpose_policy::compiled::decode(&bytes).unwrap();
    assert_eq!(decoded, policy.compile());
    assert!(decoded.http.unwrap().allows("GET", "http", "a:1", "/x/y"));
}

#[test]
fn the_schema_describes_the_allowlist() {
    let schema = serde_json::to_string(&Policy::json_schema()).unwrap();
    for needle in ["HttpRulePolicy", "authority", "methods", "schemes", "paths"] {
        assert!(schema.contains(needle), "{needle} missing from {schema}");
    }
    assert!(schema.contains("set-headers") && schema.contains("strip-headers"));
}
