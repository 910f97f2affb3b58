//! The `fs` section end to end: `fs_probe` drives `wasi:filesystem` directly against a real host
//! directory, composed with filesystem policies, on wasmtime.

use std::path::Path;

use interpose::{Preopen, RunOptions};
use interpose_tests::fs_tree::{self, BIG_LEN, SECRET, big_contents, fnv};
use interpose_tests::{compose, programs, run, stdout_lines};

/// Runs `fs_probe` with `dir` preopened as `/data` (writable as far as the host is concerned),
/// composed with `policy` if given; returns one line per operation.
fn probe(policy: Option<&str>, dir: &Path, ops: &[&str]) -> Vec<String> {
    let component = match policy {
        Some(policy) => compose(programs::FS_PROBE, policy),
        None => programs::FS_PROBE.to_vec(),
    };
    let mut args = vec!["fs_probe".to_owned()];
    args.extend(ops.iter().map(|s| s.to_string()));
    let options = RunOptions {
        args,
        preopens: vec![Preopen {
            host: dir.to_owned(),
            guest: "/data".into(),
            writable: true,
        }],
        ..RunOptions::default()
    };
    let lines = stdout_lines(&run(&component, options));
    assert_eq!(lines.len(), ops.len(), "one line per operation: {lines:#?}");
    lines
}

fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs_tree::build(dir.path());
    dir
}

const READONLY: &str = r#"{"fs": {"mode": "read-only"}}"#;

/// Every operation that changes something, with a target that exists where one is needed.
const MUTATIONS: &[&str] = &[
    "write:a.txt",
    "open-write:a.txt",
    "create:new.txt",
    "excl:new.txt",
    "truncate:a.txt",
    "write-stream:a.txt",
    "append:a.txt",
    "set-size:a.txt",
    "set-times:a.txt",
    "set-times-at:a.txt",
    "mkdir:newdir",
    "rmdir:empty",
    "unlink:a.txt",
    "rename:a.txt:renamed.txt",
    "link:a.txt:hardlink",
    "symlink:a.txt:newlink",
];

#[test]
fn read_only_allows_every_read() {
    let dir = fixture();
    let before = fs_tree::snapshot(dir.path());
    let ops = [
        "read:a.txt",
        "read:big.bin",
        "read-at:a.txt",
        "seek-read:a.txt:2",
        "stat:a.txt",
        "stat:sub",
        "lstat:link_to_a",
        "ls:sub",
        "read:link_to_a",
        "via:sub:deep/c.txt",
        "readlink:link_to_a",
        "hash:a.txt",
        "sync:a.txt",
        "root-flags",
    ];
    let lines = probe(Some(READONLY), dir.path(), &ops);
    let big = fnv(&big_contents());
    assert_eq!(
        lines,
        [
            format!("read:a.txt: ok {}", fnv(b"hello")),
            format!("read:big.bin: ok {big}"),
            format!("read-at:a.txt: ok {}", fnv(b"hello")),
            format!("seek-read:a.txt:2: ok {}", fnv(b"llo")),
            "stat:a.txt: ok DescriptorType::RegularFile 5".to_owned(),
            "stat:sub: ok DescriptorType::Directory".to_owned(),
            "lstat:link_to_a: ok DescriptorType::SymbolicLink".to_owned(),
            "ls:sub: ok b.txt,deep".to_owned(),
            format!("read:link_to_a: ok {}", fnv(b"hello")),
            format!("via:sub:deep/c.txt: ok {}", fnv(b"sea")),
            "readlink:link_to_a: ok a.txt".to_owned(),
            "hash:a.txt: ok hashed".to_owned(),
            "sync:a.txt: ok synced".to_owned(),
            "root-flags: ok write=false mutate-directory=false".to_owned(),
        ]
    );
    assert!(big.starts_with(&format!("{BIG_LEN} bytes")));
    assert_eq!(
        fs_tree::snapshot(dir.path()),
        before,
        "the host tree changed"
    );
}

#[test]
fn read_only_refuses_every_change_with_read_only() {
    let dir = fixture();
    let before = fs_tree::snapshot(dir.path());
    let lines = probe(Some(READONLY), dir.path(), MUTATIONS);
    for (op, line) in MUTATIONS.iter().zip(&lines) {
        assert_eq!(line, &format!("{op}: err read-only"));
    }
    assert_eq!(
        fs_tree::snapshot(dir.path()),
        before,
        "the host tree changed"
    );
}

#[test]
fn without_a_policy_the_same_changes_succeed() {
    // The baseline that makes the read-only test meaningful: each mutation really works here.
    for op in MUTATIONS {
        let dir = fixture();
        let before = fs_tree::snapshot(dir.path());
        let lines = probe(None, dir.path(), &[op]);
        let opens_only = ["write-stream", "append", "open-write"]
            .iter()
            .any(|o| op.starts_with(o));
        if opens_only {
            // A stream or a writable descriptor is created; writing through it is what changes
            // the file.
            assert!(lines[0].starts_with(&format!("{op}: ok")), "{lines:?}");
        } else {
            assert!(lines[0].starts_with(&format!("{op}: ok")), "{lines:?}");
            assert_ne!(
                fs_tree::snapshot(dir.path()),
                before,
                "{op} changed nothing"
            );
        }
    }
}

#[test]
fn a_read_write_policy_without_globs_changes_nothing_about_access() {
    let dir = fixture();
    let lines = probe(
        Some(r#"{"fs": {}}"#),
        dir.path(),
        &["write:a.txt", "read:a.txt", "root-flags"],
    );
    assert_eq!(
        lines,
        [
            "write:a.txt: ok wrote 7".to_owned(),
            format!("read:a.txt: ok {}", fnv(b"changed")),
            "root-flags: ok write=false mutate-directory=true".to_owned(),
        ]
    );
}

#[test]
fn deny_mode_shows_no_preopens() {
    let dir = fixture();
    let lines = probe(
        Some(r#"{"fs": {"mode": "deny"}}"#),
        dir.path(),
        &["preopens", "read:a.txt"],
    );
    assert_eq!(lines, ["preopens: ok ", "read:a.txt: err no-entry"]);
}

#[test]
fn preopens_can_be_hidden_or_downgraded() {
    let dir = fixture();
    let hidden = probe(
        Some(r#"{"fs": {"preopens": {"/data": "hide"}}}"#),
        dir.path(),
        &["preopens"],
    );
    assert_eq!(hidden, ["preopens: ok "]);
    let ro = probe(
        Some(r#"{"fs": {"preopens": {"data": "read-only"}}}"#),
        dir.path(),
        &["preopens", "write:a.txt", "read:a.txt"],
    );
    assert_eq!(
        ro,
        [
            "preopens: ok /data".to_owned(),
            "write:a.txt: err read-only".to_owned(),
            format!("read:a.txt: ok {}", fnv(b"hello")),
        ]
    );
}

const PATHS: &str = r#"{"fs": {"allow": ["/data/sub/**", "/data/public", "/data/a.txt"], "deny": ["/data/sub/deep"]}}"#;

#[test]
fn path_globs_select_visible_files_and_filter_listings() {
    let dir = fixture();
    let lines = probe(
        Some(PATHS),
        dir.path(),
        &[
            "ls:.",
            "ls:sub",
            "ls:public",
            "read:a.txt",
            "read:sub/b.txt",
            "read:public/readme",
            "read:big.bin",
            "read:sub/deep/c.txt",
            "ls:sub/deep",
            "stat:secret",
            "read:link_to_a",
        ],
    );
    assert_eq!(
        lines,
        [
            "ls:.: ok a.txt,public,sub".to_owned(),
            "ls:sub: ok b.txt".to_owned(),
            "ls:public: ok readme,up".to_owned(),
            format!("read:a.txt: ok {}", fnv(b"hello")),
            format!("read:sub/b.txt: ok {}", fnv(b"bee")),
            format!("read:public/readme: ok {}", fnv(b"public")),
            "read:big.bin: err no-entry".to_owned(),
            "read:sub/deep/c.txt: err no-entry".to_owned(),
            "ls:sub/deep: err no-entry".to_owned(),
            "stat:secret: err no-entry".to_owned(),
            // A link's own name must be reachable too, as for any path: it is not listed, so
            // it does not exist as far as the app can tell.
            "read:link_to_a: err no-entry".to_owned(),
        ]
    );
}

#[test]
fn directories_on_the_way_are_traversable_but_not_readable_as_files() {
    let dir = fixture();
    let lines = probe(
        Some(r#"{"fs": {"allow": ["/data/sub/deep/*.txt"]}}"#),
        dir.path(),
        &[
            "ls:.",
            "ls:sub",
            "read:sub/deep/c.txt",
            "read:sub/b.txt",
            "create:sub/new",
            "mkdir:sub/x",
        ],
    );
    assert_eq!(
        lines,
        [
            "ls:.: ok sub".to_owned(),
            "ls:sub: ok deep".to_owned(),
            format!("read:sub/deep/c.txt: ok {}", fnv(b"sea")),
            "read:sub/b.txt: err no-entry".to_owned(),
            "create:sub/new: err no-entry".to_owned(),
            "mkdir:sub/x: err no-entry".to_owned(),
        ]
    );
}

/// Allows everything under `/data` except `secret`.
const DENY_SECRET: &str = r#"{"fs": {"allow": ["/data/**"], "deny": ["/data/secret"]}}"#;

/// Escape attempts: (operation, expected error code or `None` for "any error").
const ESCAPES: &[(&str, Option<&str>)] = &[
    ("read:secret/key.pem", Some("no-entry")),
    ("read:./secret/key.pem", Some("no-entry")),
    ("read:secret//key.pem", Some("no-entry")),
    ("read:secret/./key.pem", Some("no-entry")),
    ("read:secret/key.pem/", None),
    ("read:sub/../secret/key.pem", Some("no-entry")),
    ("read:sub/deep/../../secret/key.pem", Some("no-entry")),
    ("read:public/../secret/key.pem", Some("no-entry")),
    // `..` after a component that does not exist (or is a file) must not skip checking what
    // follows: the symlink after it leads to the denied directory.
    ("read:nope/../link_to_secret_dir/key.pem", Some("no-entry")),
    ("read:nope/../link_to_secret", Some("no-entry")),
    ("ls:nope/../link_to_secret_dir", Some("no-entry")),
    // As on the host: `a.txt` is a visible file, so `a.txt/..` is `not-directory`.
    (
        "read:a.txt/../link_to_secret_dir/key.pem",
        Some("not-directory"),
    ),
    ("read:../data/secret/key.pem", Some("not-permitted")),
    ("read:../../../../../../etc/passwd", Some("not-permitted")),
    ("read:/data/secret/key.pem", Some("not-permitted")),
    ("read:/etc/passwd", Some("not-permitted")),
    ("read:link_to_secret", Some("no-entry")),
    ("read:link_to_secret_dir/key.pem", Some("no-entry")),
    ("read:public/up", Some("no-entry")),
    ("read:chain1", Some("no-entry")),
    ("read:loop1", Some("loop")),
    ("read:outside", Some("not-permitted")),
    ("read:abs", Some("not-permitted")),
    ("open-nofollow:link_to_secret", None),
    ("read:SECRET/key.pem", Some("no-entry")),
    ("read:Secret/Key.pem", Some("no-entry")),
    ("read:secret\u{200b}/key.pem", Some("no-entry")),
    ("read:\u{ff53}ecret/key.pem", Some("no-entry")),
    ("read:secret\0/key.pem", Some("invalid")),
    ("read-at:secret/key.pem", Some("no-entry")),
    ("seek-read:secret/key.pem:3", Some("no-entry")),
    ("stat:secret/key.pem", Some("no-entry")),
    ("lstat:secret", Some("no-entry")),
    ("stat:link_to_secret", Some("no-entry")),
    ("hash:secret/key.pem", Some("no-entry")),
    ("ls:secret", Some("no-entry")),
    ("ls:link_to_secret_dir", Some("no-entry")),
    ("via:secret:key.pem", Some("no-entry")),
    ("via:public:../secret/key.pem", Some("not-permitted")),
    ("via:sub:../secret/key.pem", Some("not-permitted")),
    // The links are visible; where they point is not.
    ("readlink:link_to_secret", Some("access")),
    ("readlink:public/up", Some("access")),
    ("rename:secret/key.pem:public/stolen", Some("no-entry")),
    ("rename:secret:public/moved", Some("no-entry")),
    ("rename-from:secret:key.pem:stolen", Some("no-entry")),
    ("link:secret/key.pem:public/hard", Some("no-entry")),
    ("link:link_to_secret:public/hard2", Some("no-entry")),
    (
        "symlink:../secret/key.pem:public/newlink",
        Some("not-permitted"),
    ),
    ("symlink:secret:newlink2", Some("not-permitted")),
    ("symlink:/etc/passwd:newlink3", Some("not-permitted")),
    ("create:secret/new", Some("no-entry")),
    ("mkdir:secret/newdir", Some("no-entry")),
    ("unlink:secret/key.pem", Some("no-entry")),
    ("rmdir:secret/inner", Some("no-entry")),
    ("set-times-at:secret/key.pem", Some("no-entry")),
    ("write:link_to_secret", Some("no-entry")),
    ("truncate:chain1", Some("no-entry")),
];

#[test]
fn escape_attempts_are_all_blocked_and_the_host_tree_is_unchanged() {
    let dir = fixture();
    let before = fs_tree::snapshot(dir.path());
    let mut ops: Vec<String> = ESCAPES.iter().map(|(op, _)| op.to_string()).collect();
    // A very long path, and a deep one through an allowed directory.
    ops.push(format!("read:{}secret/key.pem", "sub/".repeat(2000)));
    ops.push(format!("read:{}secret/key.pem", "sub/../".repeat(500)));
    let refs: Vec<&str> = ops.iter().map(String::as_str).collect();
    let lines = probe(Some(DENY_SECRET), dir.path(), &refs);
    let secret = fnv(SECRET);
    for (i, line) in lines.iter().enumerate() {
        assert!(!line.contains(&secret), "leaked: {line}");
        assert!(
            line.starts_with(&format!("{}: err ", ops[i])),
            "not refused: {line:?}"
        );
        if let Some(Some(code)) = ESCAPES.get(i).map(|(_, code)| code) {
            assert!(
                line.ends_with(&format!("err {code}")),
                "expected {code}: {line:?}"
            );
        }
    }
    assert!(ops.len() >= 50);
    assert_eq!(
        fs_tree::snapshot(dir.path()),
        before,
        "the host tree changed"
    );
}

#[test]
fn escape_attempts_succeed_without_the_policy() {
    // The same fixture and probe reach the secret when nothing is interposed, so the escape
    // test above is not passing by accident.
    let dir = fixture();
    let lines = probe(
        None,
        dir.path(),
        &[
            "read:secret/key.pem",
            "read:link_to_secret",
            "read:public/up",
        ],
    );
    for line in lines {
        assert!(line.ends_with(&fnv(SECRET)), "{line}");
    }
}

#[test]
fn a_symlink_swap_cannot_redirect_an_allowed_name() {
    let dir = fixture();
    let lines = probe(
        Some(DENY_SECRET),
        dir.path(),
        &[
            "symlink:sub:swap",
            "read:swap/b.txt",
            "unlink:swap",
            "symlink:secret:swap",
            "read:swap/key.pem",
        ],
    );
    assert_eq!(
        lines,
        [
            "symlink:sub:swap: ok linked".to_owned(),
            format!("read:swap/b.txt: ok {}", fnv(b"bee")),
            "unlink:swap: ok removed".to_owned(),
            "symlink:secret:swap: err not-permitted".to_owned(),
            "read:swap/key.pem: err no-entry".to_owned(),
        ]
    );
    // A swap planted on the host behind the app's back is resolved at each access, too.
    std::os::unix::fs::symlink("secret", dir.path().join("planted")).unwrap();
    let lines = probe(
        Some(DENY_SECRET),
        dir.path(),
        &["read:planted/key.pem", "ls:planted"],
    );
    assert_eq!(
        lines,
        [
            "read:planted/key.pem: err no-entry",
            "ls:planted: err no-entry"
        ]
    );
}

#[test]
fn listings_never_show_denied_entries() {
    let dir = fixture();
    let lines = probe(Some(DENY_SECRET), dir.path(), &["ls:.", "ls:public"]);
    let names: Vec<&str> = lines[0]
        .trim_start_matches("ls:.: ok ")
        .split(',')
        .collect();
    assert!(
        names.contains(&"sub") && names.contains(&"link_to_secret"),
        "{names:?}"
    );
    assert!(!names.contains(&"secret"), "{names:?}");
    assert_eq!(lines[1], "ls:public: ok readme,up");
}

#[test]
fn below_a_double_star_only_directories_on_the_way_are_visible() {
    let dir = fixture();
    let lines = probe(
        Some(r#"{"fs": {"allow": ["/data/**/c.txt"]}}"#),
        dir.path(),
        &[
            "ls:.",
            "ls:sub",
            "stat:sub/b.txt",
            "hash:sub/b.txt",
            "read:sub/b.txt",
            "stat:sub/deep",
            "read:sub/deep/c.txt",
        ],
    );
    assert_eq!(
        lines,
        [
            // Directories may lead to a match; files that do not match are invisible.
            "ls:.: ok empty,public,secret,sub".to_owned(),
            "ls:sub: ok deep".to_owned(),
            "stat:sub/b.txt: err no-entry".to_owned(),
            "hash:sub/b.txt: err no-entry".to_owned(),
            "read:sub/b.txt: err no-entry".to_owned(),
            "stat:sub/deep: ok DescriptorType::Directory".to_owned(),
            format!("read:sub/deep/c.txt: ok {}", fnv(b"sea")),
        ]
    );
}

#[test]
fn policies_without_globs_get_the_fs_adapter_without_path_checks() {
    let plugged = |policy: &str| -> Vec<String> {
        interpose::Composer::new(interpose_tests::policy(policy))
            .compose(programs::FS_PROBE)
            .unwrap()
            .plugged()
            .into_iter()
            .map(|(adapter, _)| adapter)
            .collect()
    };
    assert_eq!(plugged(READONLY), ["fs"]);
    // Preopen rules are path rules: another preopen may reach the same paths.
    assert_eq!(
        plugged(r#"{"fs": {"preopens": {"/data": "hide"}}}"#),
        ["fs-paths"]
    );
    assert_eq!(plugged(DENY_SECRET), ["fs-paths"]);
    assert_eq!(plugged(r#"{"fs": {"deny": ["**/*.pem"]}}"#), ["fs-paths"]);
    // The smaller one really is smaller: that is why there are two.
    assert!(
        interpose::adapters::FS.component.bytes.len()
            < interpose::adapters::FS_PATHS.component.bytes.len()
    );
}
