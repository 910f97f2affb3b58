//! Issue 10, "No escapes": what the path rules hide stays hidden however the app walks, moves,
//! removes or links around it, and whichever preopen it goes through. (The races, a symlink
//! swapped by another instance or by a host thread, are in `fs_races.rs`; host-identical
//! answers where nothing is hidden in `fs_differential.rs`.)

use std::collections::BTreeMap;
use std::path::Path;

use interpose_tests::fs_tree::{self, SECRET, fnv};
use interpose_tests::probe::Probe;

/// Allows everything under `/data` except `secret`.
const DENY_SECRET: &str = r#"{"fs": {"allow": ["/data/**"], "deny": ["/data/secret"]}}"#;

/// The standard tree ([`fs_tree::build`]) plus `extra` files (path, contents) and directories
/// (a path ending in `/`).
fn fixture(extra: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs_tree::build(dir.path());
    for (path, bytes) in extra {
        let path = dir.path().join(path);
        if path.to_string_lossy().ends_with('/') {
            std::fs::create_dir_all(path).unwrap();
        } else {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
    }
    dir
}

/// Runs `ops` composed with `policy` on `dir` preopened as `/data`, and checks the printed lines
/// against `expected`, reporting every line that differs at once.
fn expect(policy: &str, dir: &Path, expected: &[(&str, &str)]) {
    let ops: Vec<&str> = expected.iter().map(|(op, _)| *op).collect();
    let lines = Probe::composed(policy).at(dir, &ops);
    check(&lines, expected);
}

fn check(lines: &[String], expected: &[(&str, &str)]) {
    let wrong: Vec<String> = expected
        .iter()
        .zip(lines)
        .filter(|((op, result), line)| **line != format!("{op}: {result}"))
        .map(|((op, result), line)| format!("  expected `{op}: {result}`\n  got      `{line}`"))
        .collect();
    assert!(
        wrong.is_empty(),
        "{} of {} lines differ:\n{}\nall lines:\n{}",
        wrong.len(),
        lines.len(),
        wrong.join("\n"),
        lines.join("\n")
    );
    let secret = fnv(SECRET);
    for line in lines {
        assert!(!line.contains(&secret), "leaked: {line}");
    }
}

fn assert_unchanged(dir: &Path, before: &BTreeMap<String, String>) {
    let after = fs_tree::snapshot(dir);
    let changed: Vec<String> = before
        .keys()
        .chain(after.keys())
        .filter(|name| before.get(*name) != after.get(*name))
        .map(|name| format!("  {name}: {:?} -> {:?}", before.get(name), after.get(name)))
        .collect();
    assert!(
        changed.is_empty(),
        "the host tree changed:\n{}",
        changed.join("\n")
    );
}

#[test]
fn a_hidden_directory_cannot_be_passed_through_even_when_dotdot_follows() {
    let dir = fixture(&[]);
    let before = fs_tree::snapshot(dir.path());
    expect(
        DENY_SECRET,
        dir.path(),
        &[
            ("stat:secret/key.pem/../..", "err no-entry"),
            ("stat:secret/nothere/../..", "err no-entry"),
            ("stat:nothere/x/../..", "err no-entry"),
            ("stat:secret/..", "err no-entry"),
            ("stat:secret/inner/../..", "err no-entry"),
            ("stat:secret/../a.txt", "err no-entry"),
            ("read:secret/../a.txt", "err no-entry"),
            ("read:secret/inner/../../a.txt", "err no-entry"),
            ("ls:secret/..", "err no-entry"),
            ("hash:secret/..", "err no-entry"),
            ("lstat:secret/../sub", "err no-entry"),
            ("via:secret/..:a.txt", "err no-entry"),
            ("create:secret/../new", "err no-entry"),
            ("mkdir:secret/../newdir", "err no-entry"),
            ("symlink:a.txt:secret/../newlink", "err no-entry"),
            ("rename:secret/../a.txt:moved", "err no-entry"),
            ("rename:a.txt:secret/../moved", "err no-entry"),
            ("link:secret/../a.txt:hard", "err no-entry"),
            ("unlink:secret/../a.txt", "err no-entry"),
        ],
    );
    assert_unchanged(dir.path(), &before);
}

#[test]
fn without_the_policy_the_same_walks_reach_through() {
    // The baseline of the test above: on the host, these walks pass through `secret`.
    let dir = fixture(&[]);
    let lines = Probe::raw().at(
        dir.path(),
        &[
            "stat:secret/..",
            "read:secret/../a.txt",
            "stat:secret/key.pem/../..",
        ],
    );
    assert_eq!(
        lines,
        [
            "stat:secret/..: ok DescriptorType::Directory".to_owned(),
            format!("read:secret/../a.txt: ok {}", fnv(b"hello")),
            // The host refuses walking through a file.
            "stat:secret/key.pem/../..: err not-directory".to_owned(),
        ]
    );
}

/// Operations on a name `X`, to run once for a hidden name and once for a missing one. The
/// mutating ones come last, so a change cannot make the two runs look alike.
const ORACLE: &[&str] = &[
    "stat:X",
    "lstat:X",
    "lstat-size:X",
    "hash:X",
    "ls:X",
    "read:X",
    "open-nofollow:X",
    "readlink:X",
    "stat:X/",
    "stat:X/.",
    "stat:X/..",
    "lstat:X/..",
    "stat:X/../a.txt",
    "read:X/../a.txt",
    "ls:X/..",
    "hash:X/..",
    "stat:X/key.pem",
    "stat:X/key.pem/..",
    "stat:X/key.pem/../..",
    "stat:X/inner/../..",
    "via:X:key.pem",
    "via:X/..:a.txt",
    "set-times-at:X",
    "set-times-at:X/..",
    "rename-from:X:key.pem:stolen",
    "link:X/key.pem:stolen",
    "rename:X/key.pem:stolen",
    "rename:X:moved",
    "unlink:X/key.pem",
    "unlink:X",
    "rmdir:X/inner",
    "rmdir:X",
];

#[test]
fn a_hidden_directory_and_a_missing_one_answer_alike() {
    // The existence oracle: nothing the app can do tells `secret` (hidden) from `nothere`.
    let dir = fixture(&[]);
    let before = fs_tree::snapshot(dir.path());
    let probe = Probe::composed(DENY_SECRET);
    let hidden_ops: Vec<String> = ORACLE.iter().map(|op| op.replace('X', "secret")).collect();
    let missing_ops: Vec<String> = ORACLE.iter().map(|op| op.replace('X', "nothere")).collect();
    let hidden = probe.at(dir.path(), &hidden_ops);
    assert_unchanged(dir.path(), &before);
    let missing = probe.at(dir.path(), &missing_ops);
    let differ: Vec<String> = hidden
        .iter()
        .zip(&missing)
        .filter(|(h, m)| h.replace("secret", "nothere") != **m)
        .map(|(h, m)| format!("  hidden:  {h}\n  missing: {m}"))
        .collect();
    assert!(
        differ.is_empty(),
        "{} of {} operations tell a hidden directory from a missing one:\n{}",
        differ.len(),
        ORACLE.len(),
        differ.join("\n")
    );
    let secret = fnv(SECRET);
    assert!(hidden.iter().all(|line| !line.contains(&secret)));
}

#[test]
fn a_symlink_with_a_hidden_name_is_hidden() {
    let dir = fixture(&[]);
    let before = fs_tree::snapshot(dir.path());
    expect(
        r#"{"fs": {"deny": ["/data/link_to_a"]}}"#,
        dir.path(),
        &[
            ("read:link_to_a", "err no-entry"),
            ("stat:link_to_a", "err no-entry"),
            ("lstat:link_to_a", "err no-entry"),
            ("readlink:link_to_a", "err no-entry"),
            ("open-nofollow:link_to_a", "err no-entry"),
            ("hash:link_to_a", "err no-entry"),
            ("unlink:link_to_a", "err no-entry"),
            ("rename:link_to_a:other", "err no-entry"),
            ("read:a.txt", &format!("ok {}", fnv(b"hello"))),
        ],
    );
    assert_unchanged(dir.path(), &before);
}

#[test]
fn reading_a_hidden_file_as_a_link_answers_like_a_missing_one() {
    // Under `/data/**/c.txt` every directory may lead to a match, so every path is one the app
    // may pass through, and only directories exist there. `readlink-at` used to ask the host
    // first, which answers `invalid` for a file that is not a link: a hidden file told apart
    // from a missing one.
    let dir = fixture(&[]);
    expect(
        r#"{"fs": {"allow": ["/data/**/c.txt"]}}"#,
        dir.path(),
        &[
            ("readlink:a.txt", "err no-entry"),
            ("readlink:sub/b.txt", "err no-entry"),
            ("readlink:nothere", "err no-entry"),
            ("readlink:sub/nothere", "err no-entry"),
            ("readlink:link_to_a", "err no-entry"),
            // A directory is visible there: the host's answer.
            ("readlink:sub", "err invalid"),
        ],
    );
}

#[test]
fn a_symlink_to_a_hidden_target_reveals_nothing_about_it() {
    // Followed, such a link is as good as dangling. Its own metadata must not reveal the target:
    // `lstat` of `link_to_secret` used to show the length of `secret/key.pem` as its size. The
    // link itself is visible (its name is allowed), with its size reading 0 and `readlink`
    // refused with `access`. (`chain1` points at `chain2`, a visible link: where it points is
    // shown, with its true length, and `chain2` is not followed further.) `link_to_a` points at
    // a visible file: its size is the host's, the length of `a.txt`.
    let dir = fixture(&[]);
    let before = fs_tree::snapshot(dir.path());
    let links = [
        "link_to_secret",
        "link_to_secret_dir",
        "public/up",
        "chain1",
        "chain2",
        "link_to_a",
    ];
    let mut ops = Vec::new();
    for link in links {
        for op in [
            "read",
            "stat",
            "open-nofollow",
            "lstat-size",
            "readlink",
            "hash",
        ] {
            ops.push(format!("{op}:{link}"));
        }
    }
    let lines = Probe::composed(DENY_SECRET).at(dir.path(), &ops);
    let secret = fnv(SECRET);
    let mut wrong = Vec::new();
    for (op, line) in ops.iter().zip(&lines) {
        let result = line.strip_prefix(&format!("{op}: ")).unwrap();
        let acceptable: &[&str] = match op.split(':').next().unwrap() {
            "lstat-size" if op.ends_with(":chain1") => &["ok DescriptorType::SymbolicLink 6"],
            "readlink" if op.ends_with(":chain1") => &["ok chain2"],
            "lstat-size" if op.ends_with(":link_to_a") => &["ok DescriptorType::SymbolicLink 5"],
            "readlink" if op.ends_with(":link_to_a") => &["ok a.txt"],
            "read" if op.ends_with(":link_to_a") => &["ok 5 bytes fnv a430d84680aabd0b"],
            "stat" if op.ends_with(":link_to_a") => &["ok DescriptorType::RegularFile 5"],
            "hash" if op.ends_with(":link_to_a") => &["ok hashed"],
            "lstat-size" => &["ok DescriptorType::SymbolicLink 0"],
            "readlink" => &["err access"],
            // `open-nofollow` of a symlink fails on the host with `loop`.
            "open-nofollow" => &["err loop"],
            _ => &["err no-entry"],
        };
        if !acceptable.contains(&result) || line.contains(&secret) {
            wrong.push(format!("  {line}   (expected one of {acceptable:?})"));
        }
    }
    assert!(wrong.is_empty(), "revealed:\n{}", wrong.join("\n"));
    assert_unchanged(dir.path(), &before);
}

#[test]
fn moving_a_directory_whose_contents_are_hidden_is_refused() {
    // `/data/secret/**` hides everything below `secret` but not `secret` itself: under a new name
    // its contents would no longer be hidden.
    let dir = fixture(&[]);
    let before = fs_tree::snapshot(dir.path());
    expect(
        r#"{"fs": {"deny": ["/data/secret/**"]}}"#,
        dir.path(),
        &[
            ("stat:secret", "ok DescriptorType::Directory"),
            ("read:secret/key.pem", "err no-entry"),
            ("rename:secret:moved", "err access"),
            ("read:moved/key.pem", "err no-entry"),
            ("ls:moved", "err no-entry"),
            ("rename:secret:public/moved", "err access"),
            ("read:public/moved/key.pem", "err no-entry"),
            ("read:secret/key.pem", "err no-entry"),
        ],
    );
    assert_unchanged(dir.path(), &before);
}

#[test]
fn moving_an_ancestor_of_a_hidden_directory_is_refused() {
    let dir = fixture(&[("p/secret/key.pem", SECRET), ("p/readme", b"p")]);
    let before = fs_tree::snapshot(dir.path());
    expect(
        r#"{"fs": {"deny": ["/data/p/secret"]}}"#,
        dir.path(),
        &[
            ("read:p/secret/key.pem", "err no-entry"),
            ("rename:p:q", "err access"),
            ("read:q/secret/key.pem", "err no-entry"),
            ("ls:q", "err no-entry"),
            ("rename:p:sub/p", "err access"),
            ("read:sub/p/secret/key.pem", "err no-entry"),
            ("read:p/readme", &format!("ok {}", fnv(b"p"))),
        ],
    );
    assert_unchanged(dir.path(), &before);
}

#[test]
fn moving_a_directory_to_where_the_policy_hides_more_is_refused() {
    // The other direction: under the new name, `out/b.txt` would be hidden. Refused as well,
    // whatever the directory holds: the policy could decide something below it differently.
    let dir = fixture(&[]);
    let before = fs_tree::snapshot(dir.path());
    expect(
        r#"{"fs": {"deny": ["/data/out/b.txt"]}}"#,
        dir.path(),
        &[
            ("rename:sub:out", "err access"),
            ("read:sub/b.txt", &format!("ok {}", fnv(b"bee"))),
        ],
    );
    assert_unchanged(dir.path(), &before);
}

#[test]
fn a_name_only_glob_moves_with_the_name_and_does_not_block() {
    let dir = fixture(&[("sub/k.pem", b"pem")]);
    expect(
        r#"{"fs": {"deny": ["**/*.pem"]}}"#,
        dir.path(),
        &[
            ("read:sub/k.pem", "err no-entry"),
            ("rename:sub:sub2", "ok renamed"),
            ("read:sub2/b.txt", &format!("ok {}", fnv(b"bee"))),
            ("read:sub2/k.pem", "err no-entry"),
            ("ls:sub2", "ok b.txt,deep"),
        ],
    );
    assert!(dir.path().join("sub2/k.pem").exists());
}

#[test]
fn hard_links_to_hidden_files_stay_refused() {
    let dir = fixture(&[]);
    let before = fs_tree::snapshot(dir.path());
    for policy in [DENY_SECRET, r#"{"fs": {"deny": ["/data/secret/**"]}}"#] {
        expect(
            policy,
            dir.path(),
            &[
                ("link:secret/key.pem:stolen", "err no-entry"),
                ("read:stolen", "err no-entry"),
                ("link:secret/inner/x:public/stolen", "err no-entry"),
                ("link:link_to_secret:stolen2", "err no-entry"),
                ("read:stolen2", "err no-entry"),
                ("rename:secret/key.pem:stolen3", "err no-entry"),
                ("read:stolen3", "err no-entry"),
            ],
        );
    }
    assert_unchanged(dir.path(), &before);
}

#[test]
fn removing_a_directory_that_may_hold_hidden_entries_is_refused_alike() {
    // `secret` holds only hidden entries, `vault` nothing at all: the same answer for both, or
    // `not-empty` would reveal that `secret` holds something.
    let dir = fixture(&[("vault/", b"")]);
    let before = fs_tree::snapshot(dir.path());
    expect(
        r#"{"fs": {"deny": ["/data/secret/**", "/data/vault/*"]}}"#,
        dir.path(),
        &[
            ("ls:secret", "ok "),
            ("ls:vault", "ok "),
            ("rmdir:secret", "err access"),
            ("rmdir:vault", "err access"),
            ("rmdir:sub/../vault", "err access"),
        ],
    );
    // With a trailing slash the host itself refuses (`invalid`, even for an empty directory):
    // whatever the answer, it must be the same for both.
    let lines = Probe::composed(r#"{"fs": {"deny": ["/data/secret/**", "/data/vault/*"]}}"#)
        .at(dir.path(), &["rmdir:secret/", "rmdir:vault/"]);
    assert_eq!(
        lines[0].replace("secret", "vault"),
        lines[1],
        "a hidden entry shows through a removal"
    );
    assert!(!lines[0].contains("ok") && !lines[0].contains("not-empty"));
    assert_unchanged(dir.path(), &before);
    // Where the policy can hide nothing below, removal is the host's.
    expect(
        r#"{"fs": {"deny": ["/data/secret/**", "/data/vault/*"]}}"#,
        dir.path(),
        &[
            ("rmdir:sub", "err not-empty"),
            ("rmdir:empty", "ok removed"),
            ("stat:empty", "err no-entry"),
        ],
    );
}

#[test]
fn preopen_rules_apply_to_paths_whichever_preopen_reaches_them() {
    let dir = fixture(&[("pub/readme", b"pub")]);
    let before = fs_tree::snapshot(dir.path());
    let (secret, public) = (dir.path().join("secret"), dir.path().join("pub"));
    let policy = r#"{"fs": {"preopens": {"/data/secret": "hide", "/data/pub": "read-only"}}}"#;
    let ops = [
        ("preopens", "ok /data,/data/pub"),
        ("read:secret/key.pem", "err no-entry"),
        ("stat:secret", "err no-entry"),
        ("ls:secret", "err no-entry"),
        ("read:link_to_secret", "err no-entry"),
        ("read:public/up", "err no-entry"),
        ("read:secret/../a.txt", "err no-entry"),
        ("write:pub/readme", "err read-only"),
        ("create:pub/new", "err read-only"),
        ("mkdir:pub/d", "err read-only"),
        ("unlink:pub/readme", "err read-only"),
        ("rename:pub/readme:stolen", "err read-only"),
        ("rename:a.txt:pub/a.txt", "err read-only"),
        ("set-times-at:pub/readme", "err read-only"),
        ("read:pub/readme", &format!("ok {}", fnv(b"pub"))),
        ("use:/data/pub", "ok /data/pub"),
        ("write:readme", "err read-only"),
        ("create:new", "err read-only"),
        ("root-flags", "ok write=false mutate-directory=false"),
        ("use:/data/secret", "err no-entry"),
    ];
    let op_names: Vec<&str> = ops.iter().map(|(op, _)| *op).collect();
    let lines = Probe::composed(policy).run(
        &[
            (dir.path(), "/data"),
            (&secret, "/data/secret"),
            (&public, "/data/pub"),
        ],
        &op_names,
    );
    check(&lines, &ops);
    assert_unchanged(dir.path(), &before);
}

#[test]
fn allow_write_allows_changes_below_a_path_only() {
    let dir = fixture(&[("out/", b"")]);
    let before = fs_tree::snapshot(dir.path());
    expect(
        r#"{"fs": {"mode": "read-only", "allow-write": ["/data/out/**"]}}"#,
        dir.path(),
        &[
            ("create:out/new", "ok created"),
            ("write:out/new", "ok wrote 7"),
            ("mkdir:out/d", "ok made"),
            ("read:a.txt", &format!("ok {}", fnv(b"hello"))),
            ("write:a.txt", "err read-only"),
            ("write:out/../a.txt", "err read-only"),
            ("mkdir:x", "err read-only"),
            ("create:new", "err read-only"),
            ("unlink:a.txt", "err read-only"),
            ("rename:a.txt:out/a.txt", "err read-only"),
            ("rename:out/new:new", "err read-only"),
            ("symlink:a.txt:newlink", "err read-only"),
            ("root-flags", "ok write=false mutate-directory=false"),
        ],
    );
    let mut after = fs_tree::snapshot(dir.path());
    assert!(after.remove("out/new").is_some());
    assert!(after.remove("out/d").is_some());
    // `out` itself changed (new entries); everything else did not.
    after.remove("out");
    let mut before = before;
    before.remove("out");
    assert_eq!(after, before, "the host tree changed outside `out`");
}

#[test]
fn directories_the_app_may_only_pass_through_cannot_be_changed() {
    // `/data` and `/data/sub` lead to the allowed files; they may be opened and walked, never
    // changed, and no descriptor for them claims otherwise.
    let dir = fixture(&[]);
    let before = fs_tree::snapshot(dir.path());
    expect(
        r#"{"fs": {"allow": ["/data/sub/deep/*.txt"]}}"#,
        dir.path(),
        &[
            ("flags:sub", "ok write=false mutate-directory=false"),
            ("flags:sub/deep", "ok write=false mutate-directory=false"),
            ("root-flags", "ok write=false mutate-directory=false"),
            ("set-times:sub", "err read-only"),
            ("set-times-at:sub", "err read-only"),
            ("set-times:sub/deep", "err read-only"),
            ("set-times-at:sub/deep", "err read-only"),
            ("set-times:.", "err read-only"),
            ("set-times-at:.", "err read-only"),
            ("read:sub/deep/c.txt", &format!("ok {}", fnv(b"sea"))),
        ],
    );
    assert_unchanged(dir.path(), &before);
}

#[test]
fn without_the_policy_the_same_directories_can_be_changed() {
    // The baseline of the test above.
    let dir = fixture(&[]);
    let before = fs_tree::snapshot(dir.path());
    let lines = Probe::raw().at(
        dir.path(),
        &["root-flags", "flags:sub", "set-times:sub", "set-times-at:."],
    );
    assert_eq!(
        lines,
        [
            "root-flags: ok write=false mutate-directory=true",
            // wasmtime never reports `mutate-directory` for a directory opened with `open-at`.
            "flags:sub: ok write=false mutate-directory=false",
            "set-times:sub: ok touched",
            "set-times-at:.: ok touched",
        ]
    );
    assert_ne!(fs_tree::snapshot(dir.path()), before);
}
