//! Differential property tests of the filesystem adapters: random sequences of filesystem
//! operations (opens with random flags, reads, writes, renames, links, symlinks, removals,
//! listings; paths with `.`, `..`, trailing slashes and symlinks) run by `fs_probe` on fresh
//! copies of [`fs_tree::build_plain`], raw and composed, all operations of a sequence in one run.
//!
//! - Under pass-through policies, one that gets the `fs` adapter and one that gets `fs-paths`,
//!   every line and the final tree equal the host's.
//! - Under `readonly`, every operation that changes nothing answers as the host does, every
//!   change fails, and the tree does not change at all.
//! - Under a deny glob hiding `/data/secret` (present in the composed run's tree only), every
//!   operation the adapter allows answers as it does on a host where `secret` does not exist,
//!   the tree ends up as that host's, and nothing of `secret` changes. Operations before the
//!   first that names `secret` answer exactly as there.
//!
//! proptest shrinks a failing sequence to a minimal one, printed with both outputs. The cases
//! are drawn from a fixed seed, so every run checks the same sequences; set
//! `INTERPOSE_FS_SEED=N` for others and `INTERPOSE_FS_CASES=N` for more (see
//! docs/reliability.md).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use interpose_tests::fs_tree;
use interpose_tests::probe::Probe;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};

/// Gets the `fs` adapter (modes only): every path goes to the host untouched.
const PASS_THROUGH_FS: &str = r#"{"fs": {"mode": "read-write"}}"#;
/// Gets the `fs-paths` adapter: every path is walked and checked, and none is hidden.
const PASS_THROUGH_PATHS: &str = r#"{"fs": {"deny": ["/data/zz-never-exists"]}}"#;
/// The built-in `readonly` policy.
const READONLY: &str = include_str!("../../policies/readonly.json");
/// Hides `/data/secret` (case-insensitively), and everything below it.
const DENY_SECRET: &str = r#"{"fs": {"deny": ["/data/secret"]}}"#;

/// Names the paths are mostly made of: entries at the top of [`fs_tree::build_plain`], and
/// names that do not exist yet.
const COMMON: &[&str] = &[
    "a.txt",
    "sub",
    "empty",
    "full",
    "b",
    "link_to_a",
    "link_to_dir",
    "link_to_deep",
    "link_to_empty",
    "dangling",
    "n1",
    "n2",
];

/// And sometimes of: entries further down, more symlinks (to `..`, out of the preopen, loops,
/// chains), `secret` (in the deny-glob test's tree only), `.` and `..`.
const RARE: &[&str] = &[
    "b.txt",
    "deep",
    "c.txt",
    "x",
    "f",
    "up",
    "dangling_dir",
    "dotdot",
    "escape",
    "loop1",
    "self",
    "c0",
    "long0",
    "secret",
    "SECRET",
    "key.pem",
    ".",
    "..",
];

fn name() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        3 => prop::sample::select(COMMON),
        1 => prop::sample::select(RARE),
    ]
}

/// A relative path: one to three names (mostly one), sometimes after `./` or `/`, sometimes with
/// a trailing `/` or `//`.
fn path() -> impl Strategy<Value = String> {
    let names = prop_oneof![
        10 => prop::collection::vec(name(), 1),
        3 => prop::collection::vec(name(), 2),
        1 => prop::collection::vec(name(), 3),
    ];
    let lead = prop_oneof![24 => Just(""), 2 => Just("./"), 1 => Just("/")];
    let trail = prop_oneof![24 => Just(""), 2 => Just("/"), 1 => Just("//")];
    (lead, names, trail)
        .prop_map(|(lead, names, trail)| format!("{lead}{}{trail}", names.join("/")))
}

/// The letters of `fs_probe`'s `open:P:FLAGS`.
fn open_flags() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(&['f', 'c', 'd', 'e', 't', 'r', 'w', 'm'][..]),
        0..=4,
    )
    .prop_map(|mut letters| {
        letters.sort_unstable();
        letters.dedup();
        letters.into_iter().collect()
    })
}

/// One `fs_probe` operation.
fn op() -> impl Strategy<Value = String> {
    let one = |name: &'static str| path().prop_map(move |p| format!("{name}:{p}"));
    let two =
        |name: &'static str| (path(), path()).prop_map(move |(a, b)| format!("{name}:{a}:{b}"));
    prop_oneof![
        3 => (path(), open_flags()).prop_map(|(p, f)| format!("open:{p}:{f}")),
        2 => one("read"),
        1 => one("read-at"),
        2 => one("stat"),
        2 => one("lstat"),
        2 => one("ls"),
        1 => one("readlink"),
        1 => one("hash"),
        1 => one("lstat-size"),
        1 => one("open-nofollow"),
        1 => (path(), 0..8u8).prop_map(|(p, n)| format!("seek-read:{p}:{n}")),
        1 => one("sync"),
        1 => two("via"),
        2 => one("write"),
        1 => one("create"),
        1 => one("excl"),
        1 => one("truncate"),
        1 => one("open-write"),
        1 => one("append"),
        1 => one("write-stream"),
        1 => one("set-size"),
        1 => one("set-times"),
        1 => one("set-times-at"),
        2 => one("mkdir"),
        2 => one("rmdir"),
        2 => one("unlink"),
        2 => two("rename"),
        1 => (path(), path(), path()).prop_map(|(d, a, b)| format!("rename-from:{d}:{a}:{b}")),
        2 => two("link"),
        2 => two("symlink"),
    ]
}

fn sequence() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(op(), 1..=10)
}

/// Whether `op` may change the tree (or opens something for changing it).
fn changes(op: &str) -> bool {
    let name = op.split(':').next().unwrap();
    match name {
        "open" => op
            .rsplit(':')
            .next()
            .is_some_and(|flags| flags.contains(['c', 'e', 't', 'w', 'm'])),
        "write" | "create" | "excl" | "truncate" | "open-write" | "append" | "write-stream"
        | "set-size" | "set-times" | "set-times-at" | "mkdir" | "rmdir" | "unlink" | "rename"
        | "rename-from" | "link" | "symlink" => true,
        _ => false,
    }
}

fn raw() -> &'static Probe {
    static RAW: OnceLock<Probe> = OnceLock::new();
    RAW.get_or_init(Probe::raw)
}

/// A fresh [`fs_tree::build_plain`] tree, with `secret/key.pem` and `secret/inner/x` if asked.
fn tree(with_secret: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs_tree::build_plain(dir.path());
    if with_secret {
        std::fs::create_dir_all(dir.path().join("secret/inner")).unwrap();
        std::fs::write(dir.path().join("secret/key.pem"), fs_tree::SECRET).unwrap();
        std::fs::write(dir.path().join("secret/inner/x"), fs_tree::SECRET).unwrap();
    }
    dir
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs `check` over [`sequence`]s; on a failure, panics with the minimal sequence and why.
fn check_sequences(what: &str, check: impl Fn(&[String]) -> Result<(), String>) {
    let seed = env_number("INTERPOSE_FS_SEED", 14);
    let cases = env_number("INTERPOSE_FS_CASES", 40) as u32;
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 400,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(
        config,
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let result = runner.run(&sequence(), |ops| check(&ops).map_err(TestCaseError::fail));
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, ops)) => {
            panic!("{what} (INTERPOSE_FS_SEED={seed}): minimal failing sequence {ops:?}:\n{reason}")
        }
        Err(TestError::Abort(reason)) => panic!("{what}: aborted: {reason}"),
    }
}

/// The lines of two runs of `ops` side by side, marking those that differ.
fn side_by_side(ops: &[String], left: (&str, &[String]), right: (&str, &[String])) -> String {
    let mut out = String::new();
    for (i, op) in ops.iter().enumerate() {
        let (l, r) = (left.1.get(i), right.1.get(i));
        let mark = if l == r { " " } else { "≠" };
        out += &format!(
            "{mark} {op}\n    {:<9} {}\n    {:<9} {}\n",
            left.0,
            l.map_or("(not run)", |s| s.as_str()),
            right.0,
            r.map_or("(not run)", |s| s.as_str())
        );
    }
    out
}

fn tree_differences(
    left: &BTreeMap<String, String>,
    right: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut names: Vec<&String> = left.keys().chain(right.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter(|name| left.get(*name) != right.get(*name))
        .map(|name| format!("  {name}: {:?} vs {:?}", left.get(name), right.get(name)))
        .collect()
}

fn plugged(policy: &str) -> Vec<String> {
    interpose::Composer::new(interpose_tests::policy(policy))
        .compose(interpose_tests::programs::FS_PROBE)
        .unwrap()
        .plugged()
        .into_iter()
        .map(|(adapter, _)| adapter)
        .collect()
}

/// The pass-through adapters, compiled once.
fn pass_through() -> &'static [(&'static str, Probe); 2] {
    static PROBES: OnceLock<[(&str, Probe); 2]> = OnceLock::new();
    PROBES.get_or_init(|| {
        assert_eq!(plugged(PASS_THROUGH_FS), ["fs"]);
        assert_eq!(plugged(PASS_THROUGH_PATHS), ["fs-paths"]);
        [
            ("fs", Probe::composed(PASS_THROUGH_FS)),
            ("fs-paths", Probe::composed(PASS_THROUGH_PATHS)),
        ]
    })
}

fn check_pass_through(ops: &[String]) -> Result<(), String> {
    let host_dir = tree(false);
    let host = raw().at(host_dir.path(), ops);
    let host_tree = fs_tree::shape(host_dir.path());
    for (name, probe) in pass_through() {
        let dir = tree(false);
        let lines = probe.at(dir.path(), ops);
        let differences = tree_differences(&host_tree, &fs_tree::shape(dir.path()));
        if lines != host || !differences.is_empty() {
            return Err(format!(
                "the `{name}` adapter differs from the host:\n{}{}",
                side_by_side(ops, ("host", &host), (name, &lines)),
                if differences.is_empty() {
                    String::new()
                } else {
                    format!("final trees (host vs {name}):\n{}", differences.join("\n"))
                }
            ));
        }
    }
    Ok(())
}

#[test]
fn pass_through_adapters_answer_and_change_exactly_as_the_host_does() {
    check_sequences("pass-through", check_pass_through);
}

fn readonly() -> &'static Probe {
    static PROBE: OnceLock<Probe> = OnceLock::new();
    PROBE.get_or_init(|| Probe::composed(READONLY))
}

#[test]
fn readonly_answers_reads_as_the_host_does_and_changes_nothing() {
    check_sequences("readonly", check_readonly);
}

fn check_readonly(ops: &[String]) -> Result<(), String> {
    let composed = readonly();
    let dir = tree(false);
    let before = fs_tree::snapshot(dir.path());
    let lines = composed.at(dir.path(), ops);
    let changed = tree_differences(&before, &fs_tree::snapshot(dir.path()));
    if !changed.is_empty() {
        return Err(format!(
            "the tree changed under `readonly`:\n{}\nlines:\n{}",
            changed.join("\n"),
            lines.join("\n")
        ));
    }
    // The host's answers to what changes nothing, on the same (unchanged) tree.
    let reads: Vec<String> = ops.iter().filter(|op| !changes(op)).cloned().collect();
    let host_dir = tree(false);
    let host = raw().at(host_dir.path(), &reads);
    let mut host = host.into_iter();
    let mut expected = Vec::new();
    for (op, line) in ops.iter().zip(&lines) {
        if changes(op) {
            // Refused: some error, never a success.
            let refused = line.starts_with(&format!("{op}: err "));
            expected.push(if refused {
                line.clone()
            } else {
                format!("{op}: err (any)")
            });
        } else {
            expected.push(host.next().unwrap());
        }
    }
    if lines != expected {
        return Err(format!(
            "`readonly` differs from what is expected:\n{}",
            side_by_side(ops, ("expected", &expected), ("readonly", &lines))
        ));
    }
    Ok(())
}

/// The part of a [`fs_tree::shape`] or [`fs_tree::snapshot`] under `secret` (any case), and
/// the rest.
fn split_secret(
    tree: BTreeMap<String, String>,
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    tree.into_iter().partition(|(name, _)| {
        name.split('/')
            .next()
            .unwrap()
            .eq_ignore_ascii_case("secret")
    })
}

fn deny_secret() -> &'static Probe {
    static PROBE: OnceLock<Probe> = OnceLock::new();
    PROBE.get_or_init(|| {
        assert_eq!(plugged(DENY_SECRET), ["fs-paths"]);
        Probe::composed(DENY_SECRET)
    })
}

#[test]
fn a_deny_glob_answers_as_a_host_without_what_it_hides_and_never_changes_it() {
    check_sequences("deny glob", check_deny);
}

fn check_deny(ops: &[String]) -> Result<(), String> {
    let composed = deny_secret();
    let dir = tree(true);
    let (secret_before, _) = split_secret(fs_tree::snapshot(dir.path()));
    let lines = composed.at(dir.path(), ops);
    let (secret_after, _) = split_secret(fs_tree::snapshot(dir.path()));
    let (_, rest) = split_secret(fs_tree::shape(dir.path()));
    let changed = tree_differences(&secret_before, &secret_after);
    if !changed.is_empty() {
        return Err(format!(
            "what the policy hides changed:\n{}\nlines:\n{}",
            changed.join("\n"),
            lines.join("\n")
        ));
    }
    let secret = fs_tree::fnv(fs_tree::SECRET);
    if let Some(line) = lines.iter().find(|l| l.contains(&secret)) {
        return Err(format!("the secret leaked: {line}"));
    }
    // What the adapter allowed, on a host where `secret` does not exist.
    let allowed: Vec<String> = ops
        .iter()
        .zip(&lines)
        .filter(|(op, line)| line.starts_with(&format!("{op}: ok")))
        .map(|(op, _)| op.clone())
        .collect();
    let host_dir = tree(false);
    let host = raw().at(host_dir.path(), &allowed);
    let composed_allowed: Vec<String> = lines
        .iter()
        .zip(ops)
        .filter(|(line, op)| line.starts_with(&format!("{op}: ok")))
        .map(|(line, _)| line.clone())
        .collect();
    if host != composed_allowed {
        return Err(format!(
            "what the adapter allowed answers otherwise on a host without `secret`:\n{}",
            side_by_side(&allowed, ("host", &host), ("deny", &composed_allowed))
        ));
    }
    let differences = tree_differences(&fs_tree::shape(host_dir.path()), &rest);
    if !differences.is_empty() {
        return Err(format!(
            "the trees differ outside `secret` (host without it vs composed):\n{}\nlines:\n{}",
            differences.join("\n"),
            lines.join("\n")
        ));
    }
    // Until an operation names `secret`, every answer is the host's, refusals included.
    let prefix = ops
        .iter()
        .take_while(|op| !op.to_lowercase().contains("secret"))
        .count();
    if prefix > 0 {
        let host_dir = tree(false);
        let host = raw().at(host_dir.path(), &ops[..prefix]);
        if host[..] != lines[..prefix] {
            return Err(format!(
                "before any operation names `secret`, the answers differ from the host's:\n{}",
                side_by_side(&ops[..prefix], ("host", &host), ("deny", &lines[..prefix]))
            ));
        }
    }
    Ok(())
}

/// The minimal sequences the property tests found, each a bug fixed since (docs/reliability.md),
/// checked under every policy on every run.
const REGRESSIONS: &[&[&str]] = &[
    // `fs-paths` answered `is-directory` to a creating open of a path with a trailing `/`
    // before resolving the directories on the way; the host answers their error first.
    &["excl:dangling/a.txt/"],
    &["open:dangling/a.txt/:c"],
    &[
        "create:nothere/x/",
        "create:a.txt/x/",
        "create:link_to_a/x/",
        "create:sub/x/",
        "open:loop1/x//:cw",
        "open:/x/:c",
        "open:sub/../../x/:c",
        "open:escape/:c",
    ],
    // `fs-paths` opened a path with a trailing `/` with `directory` added, which the host
    // refuses with `truncate` or `exclusive` (`invalid`): the host answers `is-directory`,
    // `no-entry`, or opens it.
    &["truncate:sub/"],
    &[
        "open:sub/:t",
        "open:sub/:tw",
        "open:link_to_dir/:t",
        "open:nothere/:t",
        "open:dangling/:t",
        "open:sub/.:t",
        "open:./:t",
        "open:sub/:e",
        "open:sub/:er",
        "open:a.txt/:e",
        "open:sub/:ed",
        "open:loop1/:t",
    ],
    // `fs-paths` answered `no-entry` for a link whose source is missing before resolving the
    // new path, whose errors the host answers first.
    &["link:n1:a.txt/a.txt/a.txt"],
    &[
        "link:n1:a.txt/x",
        "link:n1:a.txt/",
        "link:n1:loop1/x",
        "link:n1:/x",
        "link:n1:../x",
        "link:n1:sub/x/",
        "link:nothere/n1:a.txt/x",
    ],
    // ... but a missing source named with a trailing `/` is resolved whole first.
    &["link:sub/a.txt/:.."],
    &[
        "link:nothere/:a.txt/x",
        "link:dangling/:../x",
        "link:dangling_dir/:loop1/x",
    ],
    // `fs-paths` answered `invalid` to removing `NAME/` where nothing is (a dangling symlink);
    // the host answers `no-entry`.
    &["rmdir:dangling/"],
    &[
        "rmdir:nothere/",
        "rmdir:dangling_dir/",
        "rmdir:sub/nothere/",
        "rmdir:empty/",
        "rmdir:link_to_empty/",
        "rmdir:loop1/",
        "rmdir:dangling/.",
    ],
    // `fs-paths` resolved the new path of a symlink before refusing its absolute target; the
    // host refuses the target first.
    &["symlink:/a.txt:link_to_a/a.txt"],
    &[
        "symlink:/x:nothere/y",
        "symlink:/x:a.txt/",
        "symlink:/x:loop1/y",
        "symlink:/x:../y",
    ],
    // `fs-paths` checked the new name of a rename (a trailing `/` on a file) before looking for
    // the entry to move; the host looks for it first (`no-entry`), and refuses `.` and `..`
    // as either name before both (`busy`).
    &["rename:n1:a.txt/"],
    &[
        "rename:n1:a.txt/x",
        "rename:n1:sub/",
        "rename:n1:loop1/x",
        "rename:n1:../x",
        "rename:nothere/x:a.txt/",
        "rename:.:a.txt/",
        "rename:dangling:a.txt/",
        "rename:nothere:.",
        "rename:nothere:..",
        "rename:a.txt:..",
        "rename:nothere:sub/..",
        "rename:nothere:a.txt/.",
        "rename:nothere:nothere2/.",
        "rename:a.txt:sub/../..",
        "rename:.:loop1/x",
        "rename:sub/..:a.txt/",
    ],
    // ... and resolves the directories of both paths before a trailing `/` on the entry to
    // move is checked.
    &["rename:dangling_dir/:dangling/a.txt"],
    &[
        "rename:link_to_a/:dangling/a.txt",
        "rename:a.txt/:nothere/x",
        "rename:..:nothere/x",
        "rename:../x:nothere/y",
        "rename:sub/..:nothere/x",
        "link:a.txt/:nothere/x",
        "link:link_to_a/:dangling/a.txt",
        "link:..:nothere/x",
    ],
    // `fs-paths` answered `is-directory` to opening `.` with `create` and `directory`; the
    // host refuses the flags first (`invalid`), whatever the path.
    &["open:.:cd"],
    &[
        "open:x/:cd",
        "open:sub:dt",
        "open:nothere/x:de",
        "open:a.txt:cde",
    ],
    // `fs-paths` answered `is-directory` to an exclusive create of `.`; the host answers
    // `exist` (`.` is always there), also with a trailing `/`.
    &["open:.:ce"],
    &[
        "open:sub/.:ce",
        "open:sub/..:ce",
        "open:./:ce",
        "open:sub/./:ce",
        "open:sub/../:ce",
        "open:./:c",
        "open:../:ce",
        "open:nothere/./:c",
    ],
    // `fs-paths` followed a dangling symlink named with a trailing `/` and made the directory
    // it points to; the host's `mkdir` does not follow it (`exist`).
    &["mkdir:dangling/", "lstat:nothere"],
    &[
        "mkdir:link_to_dir/",
        "mkdir:loop1/",
        "mkdir:link_to_a/",
        "mkdir:dangling_dir/",
        "lstat:nothere",
    ],
    // `fs-paths` answered `not-directory` to a link or symlink named `LINK/` where LINK is a
    // symlink to a directory; the host follows it, finds something there, and answers `exist`.
    &["symlink:a.txt:link_to_dir/"],
    &["link:a.txt:link_to_dir/"],
    &[
        "symlink:a.txt:dangling/",
        "symlink:a.txt:link_to_a/",
        "symlink:a.txt:loop1/",
        "symlink:a.txt:sub/",
        "link:a.txt:dangling/",
        "link:a.txt:link_to_a/",
        "link:n1:link_to_dir/",
        "link:link_to_a:link_to_empty/",
        "lstat:nothere",
    ],
];

#[test]
fn regressions_found_by_the_property_tests() {
    for sequence in REGRESSIONS {
        let ops: Vec<String> = sequence.iter().map(|op| op.to_string()).collect();
        for (what, check) in [
            (
                "pass-through",
                check_pass_through as fn(&[String]) -> Result<(), String>,
            ),
            ("readonly", check_readonly),
            ("deny glob", check_deny),
        ] {
            if let Err(message) = check(&ops) {
                panic!("{what}: {ops:?}:\n{message}");
            }
        }
    }
}

#[test]
fn the_generated_sequences_reach_the_host() {
    // A differential test passes trivially if everything fails alike: the generator must
    // produce operations that succeed and change the tree.
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[14; 32]),
    );
    let mut ok = 0;
    let mut changed = 0;
    for _ in 0..16 {
        let ops = sequence().new_tree(&mut runner).unwrap().current();
        let dir = tree(false);
        let before = fs_tree::shape(dir.path());
        let lines = raw().at(dir.path(), &ops);
        ok += lines.iter().filter(|l| l.contains(": ok")).count();
        changed += usize::from(fs_tree::shape(dir.path()) != before);
    }
    assert!(
        ok >= 16 && changed >= 4,
        "{ok} successes, {changed} trees changed"
    );
}

#[test]
fn open_takes_its_flags_from_letters() {
    let dir = tree(false);
    let lines = raw().at(
        dir.path(),
        &[
            "open:a.txt:r",
            "open:sub:dr",
            "open:a.txt:dr",
            "open:new:crw",
            "open:new:cerw",
            "open:link_to_a:r",
            "open:link_to_a:fr",
            "open:a.txt:trw",
            "read:a.txt",
        ],
    );
    assert_eq!(
        lines,
        [
            "open:a.txt:r: ok DescriptorType::RegularFile",
            "open:sub:dr: ok DescriptorType::Directory",
            "open:a.txt:dr: err not-directory",
            "open:new:crw: ok DescriptorType::RegularFile",
            "open:new:cerw: err exist",
            "open:link_to_a:r: err loop",
            "open:link_to_a:fr: ok DescriptorType::RegularFile",
            "open:a.txt:trw: ok DescriptorType::RegularFile",
            &format!("read:a.txt: ok {}", fs_tree::fnv(b"")),
        ]
    );
}
