//! The compiled `fs` rules: `FsRules::listing`, which filters directory listings, decides every
//! entry exactly as `FsRules::access` decides its full path; the composer and the adapters agree
//! on whether paths are checked at all.

use interpose_policy::Policy;
use interpose_policy::fs::FsRules;

fn rules(json: &str) -> FsRules {
    Policy::parse(json, "test.json")
        .unwrap()
        .compile()
        .fs
        .unwrap()
}

const POLICIES: &[&str] = &[
    r#"{"fs": {"mode": "read-only"}}"#,
    r#"{"fs": {"allow": ["/data/**"], "deny": ["/data/secret"]}}"#,
    r#"{"fs": {"allow": ["/data/src/**/*.rs", "/data/README"], "deny": ["**/*.pem", "/data/tmp/**"]}}"#,
    r#"{"fs": {"allow": ["/data/**/c.txt"]}}"#,
    r#"{"fs": {"deny": ["/data/Secret*", "**/node_modules/**"]}}"#,
    r#"{"fs": {"allow": ["/data/a"], "deny": ["/data/a/b"]}}"#,
    // The root itself, allowed or denied, decides everything below it.
    r#"{"fs": {"allow": ["/"]}}"#,
    r#"{"fs": {"allow": ["/data/**"], "deny": ["/"]}}"#,
    // Path rules hide like `deny`.
    r#"{"fs": {"preopens": {"/data/secret": "hide", "/data/tmp": "read-only"}}}"#,
];

const DIRS: &[&str] = &[
    "/",
    "/data",
    "/data/src",
    "/data/src/deep",
    "/data/secret",
    "/data/SECRET",
    "/data/tmp",
    "/data/a",
    "/data/a/b",
    "/data/x/node_modules",
    "/other",
];

const NAMES: &[&str] = &[
    "data",
    "src",
    "secret",
    "SECRET",
    "Secrets",
    "key.pem",
    "KEY.PEM",
    "lib.rs",
    "c.txt",
    "README",
    "tmp",
    "a",
    "b",
    "node_modules",
    "deep",
    "x",
];

#[test]
fn a_listing_decides_each_entry_as_access_decides_its_path() {
    let mut checked = 0;
    for policy in POLICIES {
        let rules = rules(policy);
        for dir in DIRS {
            let listing = rules.listing(dir);
            for name in NAMES {
                let path = interpose_policy::fs::join(dir, [*name]);
                assert_eq!(
                    listing.access(name),
                    rules.access(&path),
                    "{policy}: {path}"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, POLICIES.len() * DIRS.len() * NAMES.len());
}

#[test]
fn listings_hide_denied_entries_and_everything_below_a_denied_directory() {
    use interpose_policy::fs::Access;
    let rules = rules(POLICIES[1]);
    assert_eq!(rules.listing("/data").access("secret"), Access::None);
    assert_eq!(rules.listing("/data").access("public"), Access::Full);
    assert_eq!(
        rules.listing("/data/secret").access("key.pem"),
        Access::None
    );
    // `/data/**` allows what is below `/data`; `/data` itself leads there.
    assert_eq!(rules.listing("/").access("data"), Access::Traverse);
    assert_eq!(rules.listing("/").access("other"), Access::None);
}

#[test]
fn the_composer_and_the_adapter_agree_on_whether_paths_are_checked() {
    // The composer picks the `fs` adapter built without path checks from the policy; the
    // adapter refuses compiled rules that check paths. Both must say the same.
    for json in POLICIES.iter().chain(&[
        r#"{"fs": {}}"#,
        r#"{"fs": {"allow": []}}"#,
        r#"{"fs": {"mode": "deny"}}"#,
        r#"{"fs": {"preopens": {"/tmp": "hide"}}}"#,
    ]) {
        let policy = Policy::parse(json, "test.json").unwrap();
        let fs = policy.fs.as_ref().unwrap();
        assert_eq!(
            fs.filters_paths(),
            policy.compile().fs.unwrap().filters_paths(),
            "{json}"
        );
    }
}

#[test]
fn deny_globs_fold_case_as_a_case_insensitive_filesystem_would() {
    use interpose_policy::fs::Access;
    let denied = |deny: &str, path: &str| {
        let json = format!(r#"{{"fs": {{"allow": ["/data/**"], "deny": [{deny:?}]}}}}"#);
        rules(&json).access(path) == Access::None
    };
    for path in [
        "/data/secrets/key",
        "/data/SECRETS/key",
        "/data/Secrets/key",
        // Long s and dotless i fold to s and i on case-insensitive filesystems.
        "/data/ſecrets/key",
        "/data/SECRETſ/key",
    ] {
        assert!(denied("/data/secrets/**", path), "{path}");
    }
    assert!(denied("/data/config", "/data/confıg"));
    // Sigma: final or not, capital or not, it is one letter.
    assert!(denied("/data/ΟΔΟΣ?", "/data/οδοσα"));
    assert!(denied("/data/οδος", "/data/ΟΔΟΣ"));
    // Classes keep their meaning: `[A-z]` holds `_`, and `[Z-a]` is a valid range.
    assert!(denied("/data/[A-z]*", "/data/_x"));
    assert!(denied("/data/[A-z]*", "/data/Q"));
    assert!(denied("/data/[Z-a]x", "/data/_x"));
    assert!(denied("/data/[Z-a]x", "/data/zX"));
    assert!(!denied("/data/[Z-a]x", "/data/yx"));
    assert!(!denied("/data/secrets/**", "/data/secret/key"));
}

#[test]
fn the_root_allows_or_denies_everything_below_it() {
    use interpose_policy::fs::Access;
    assert_eq!(rules(POLICIES[6]).access("/data/x"), Access::Full);
    assert_eq!(rules(POLICIES[6]).listing("/").access("x"), Access::Full);
    assert_eq!(rules(POLICIES[7]).access("/data/x"), Access::None);
    assert_eq!(
        rules(POLICIES[7]).listing("/data").access("x"),
        Access::None
    );
}
