//! The `sockets` section: parsing, errors, and what the compiled allowlists let through.

use std::net::SocketAddr;

use interpose_policy::Policy;
use interpose_policy::sockets::SocketRules;

fn error(json: &str) -> String {
    Policy::parse(json, "p.json").unwrap_err().to_string()
}

fn rules(json: &str) -> SocketRules {
    Policy::parse(json, "p.json")
        .unwrap()
        .compile()
        .sockets
        .unwrap()
}

fn sa(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

#[test]
fn host_and_deny_compile_to_no_rules() {
    for form in [r#""host""#, r#""deny""#] {
        let policy = Policy::parse(&format!(r#"{{"sockets": {form}}}"#), "p.json").unwrap();
        assert!(policy.compile().sockets.is_none(), "{form}");
    }
    assert!(error(r#"{"sockets": "allow"}"#).contains(r#"expected "host", "deny" or"#));
}

#[test]
fn an_empty_allowlist_allows_nothing() {
    let r = rules(r#"{"sockets": {}}"#);
    assert!(!r.allows_connect(sa("127.0.0.1:80")));
    assert!(!r.allows_bind(sa("0.0.0.0:0")));
    assert!(!r.allows_udp());
    assert!(!r.allows_resolve("localhost"));
}

#[test]
fn address_rule_forms() {
    let r = rules(
        r#"{"sockets": {"connect": ["127.0.0.1:8080", "10.0.0.0/8:1000-1999", "[::1]:*",
            "[fd00::]/8:443", "*:53"]}}"#,
    );
    let allowed = [
        "127.0.0.1:8080",
        "10.1.2.3:1000",
        "10.255.255.255:1999",
        "[::1]:1",
        "[fd12:3456::1]:443",
        "192.0.2.1:53",
        "[2001:db8::1]:53",
        "[::ffff:127.0.0.1]:8080",
    ];
    for a in allowed {
        assert!(r.allows_connect(sa(a)), "{a}");
    }
    let denied = [
        "127.0.0.1:8081",
        "127.0.0.2:8080",
        "10.1.2.3:2000",
        "11.0.0.1:1000",
        "[::2]:1",
        "[fe00::1]:443",
        "192.0.2.1:54",
    ];
    for a in denied {
        assert!(!r.allows_connect(sa(a)), "{a}");
    }
    // Each list governs its own operation.
    assert!(!r.allows_bind(sa("127.0.0.1:8080")));
    assert!(!r.allows_udp_remote(sa("127.0.0.1:8080")));
}

#[test]
fn udp_forms() {
    for deny in ["false", r#""deny""#] {
        assert!(!rules(&format!(r#"{{"sockets": {{"udp": {deny}}}}}"#)).allows_udp());
    }
    let r = rules(r#"{"sockets": {"udp": ["127.0.0.1:53"], "bind": ["0.0.0.0:0"]}}"#);
    assert!(r.allows_udp() && r.allows_udp_remote(sa("127.0.0.1:53")));
    assert!(!r.allows_udp_remote(sa("127.0.0.1:54")));
    assert!(r.allows_bind(sa("0.0.0.0:0")) && !r.allows_bind(sa("0.0.0.0:1")));
    let e = error(r#"{"sockets": {"udp": true}}"#);
    assert!(e.contains("`sockets.udp`: `true` is not a rule"), "{e}");
    let e = error(r#"{"sockets": {"udp": ["127.0.0.1:1", "localhost:53"]}}"#);
    assert!(
        e.contains("`sockets.udp[1]`: host names are not allowed"),
        "{e}"
    );
}

#[test]
fn names_are_matched_case_insensitively() {
    let r = rules(r#"{"sockets": {"resolve": ["localhost", "*.Example.com"]}}"#);
    assert!(r.allows_resolve("localhost") && r.allows_resolve("LocalHost"));
    assert!(r.allows_resolve("localhost."));
    assert!(r.allows_resolve("api.example.COM"));
    assert!(!r.allows_resolve("example.com") && !r.allows_resolve("evil.com"));
    // Literals resolve to themselves; connecting to them is checked.
    assert!(r.allows_resolve("10.0.0.1") && r.allows_resolve("::1"));
}

#[test]
fn errors_name_the_key_and_the_fix() {
    let cases = [
        (
            r#"{"sockets": {"connect": ["127.0.0.1:80", "example.com:443"]}}"#,
            "`sockets.connect[1]`: host names are not allowed in address rules \
             (`example.com:443`)",
        ),
        (
            r#"{"sockets": {"connect": ["localhost"]}}"#,
            "list the name in `resolve` and its addresses here",
        ),
        (
            r#"{"sockets": {"bind": ["127.0.0.1"]}}"#,
            "`sockets.bind[0]`: `127.0.0.1` is not `ADDR:PORTS`",
        ),
        (
            r#"{"sockets": {"connect": ["::1:80"]}}"#,
            "write IPv6 addresses in brackets",
        ),
        (
            r#"{"sockets": {"connect": ["10.0.0.1/8:80"]}}"#,
            "write the network address (`10.0.0.0`)",
        ),
        (
            r#"{"sockets": {"connect": ["10.0.0.0/33:80"]}}"#,
            "`/33` in `10.0.0.0/33:80` is not a prefix length (0 to 32)",
        ),
        (
            r#"{"sockets": {"connect": ["127.0.0.1:70000"]}}"#,
            "`70000` in `127.0.0.1:70000` is not a port",
        ),
        (
            r#"{"sockets": {"connect": ["127.0.0.1:90-80"]}}"#,
            "empty port range `90-80`",
        ),
        (
            r#"{"sockets": {"connect": ["[zz]:80"]}}"#,
            "`zz` in `[zz]:80` is not an IPv6 address",
        ),
        (
            r#"{"sockets": {"connect": ["300.1.1.1:80"]}}"#,
            "`300.1.1.1` in `300.1.1.1:80` is not an IPv4 address",
        ),
        (
            r#"{"sockets": {"connect": ["*/8:80"]}}"#,
            "`*` takes no prefix",
        ),
        (
            r#"{"sockets": {"resolve": ["example.com:443"]}}"#,
            "`sockets.resolve[0]`: `example.com:443` is not a host name glob",
        ),
        (
            r#"{"sockets": {"resolve": ["[a"]}}"#,
            "`sockets.resolve[0]`: invalid glob",
        ),
        (r#"{"sockets": {"listen": []}}"#, "unknown field `listen`"),
    ];
    for (json, expected) in cases {
        let e = error(json);
        assert!(e.contains(expected), "{json}: {e}");
    }
}

#[test]
fn the_allowlists_round_trip_through_the_encoding() {
    let policy = Policy::parse(
        r#"{"sockets": {"connect": ["10.0.0.0/8:*"], "bind": ["[::]:0"], "udp": ["*:53"],
            "resolve": ["*.example.com"]}}"#,
        "p.json",
    )
    .unwrap();
    let compiled = policy.compile();
    let decoded =
        interpose_policy::compiled::decode(&interpose_policy::compiled::encode(&compiled)).unwrap();
    assert_eq!(decoded, compiled);
    let schema = Policy::json_schema().to_string();
    assert!(
        schema.contains("resolve") && schema.contains("connect"),
        "{schema}"
    );
}
