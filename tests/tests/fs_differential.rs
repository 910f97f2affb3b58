//! Host-identical semantics (issue 10): under a policy whose globs hide nothing that exists, the
//! path-checking adapter must answer exactly as the host does. Each scenario of a corpus of
//! tricky paths and operations runs twice, on fresh copies of the same tree: `fs_probe` raw, and
//! `fs_probe` composed with a pass-through path policy (which still gets the `fs-paths`
//! adapter). The lines printed, error codes included, and the final trees must be equal.

use interpose_tests::fs_tree;
use interpose_tests::probe::Probe;

/// Hides one name that never exists: every path is checked, none is hidden.
const PASS_THROUGH: &str = r#"{"fs": {"deny": ["/data/zz-never-exists"]}}"#;

/// Each scenario runs on its own fresh tree ([`fs_tree::build_plain`]); the operations after
/// the first show what the first one did.
const CORPUS: &[&[&str]] = &[
    // Trailing slashes on files, directories, symlinks and missing names.
    &["stat:a.txt/"],
    &["lstat:a.txt/"],
    &["read:a.txt/"],
    &["hash:a.txt/"],
    &["stat:sub/", "lstat:sub/", "ls:sub/"],
    &["stat:link_to_a/"],
    &["lstat:link_to_a/"],
    &["read:link_to_a/"],
    &["stat:link_to_dir/"],
    &["lstat:link_to_dir/"],
    &["ls:link_to_dir/"],
    &["readlink:link_to_a/"],
    &["readlink:link_to_dir/"],
    &["stat:nothere/"],
    &["unlink:a.txt/", "lstat:a.txt"],
    &["unlink:link_to_a/", "lstat:link_to_a"],
    &["unlink:link_to_dir/", "lstat:link_to_dir"],
    &["create:g/", "lstat:g"],
    &["excl:g/", "lstat:g"],
    &["create:a.txt/", "read:a.txt"],
    &["create:sub/", "ls:sub"],
    &["rmdir:empty/", "lstat:empty"],
    &["rmdir:link_to_empty/", "lstat:link_to_empty", "lstat:empty"],
    &["rmdir:link_to_empty", "lstat:link_to_empty"],
    &["mkdir:new/", "lstat:new"],
    &["mkdir:new//", "lstat:new"],
    &["mkdir:a.txt/"],
    &["mkdir:dangling_dir", "lstat:nothere"],
    &["rename:sub/:sub3/", "lstat:sub3", "lstat:sub"],
    &["rename:sub:sub3/", "lstat:sub3"],
    &["rename:a.txt:b/", "lstat:a.txt", "ls:b"],
    &["rename:a.txt/:z", "lstat:z"],
    &["rename:a.txt:z/", "lstat:z", "lstat:a.txt"],
    &["rename:link_to_dir/:ld2", "lstat:ld2", "lstat:sub"],
    &["symlink:a.txt:sl/", "lstat:sl"],
    &["symlink:sub:sl/", "lstat:sl"],
    &["link:a.txt:hl/", "lstat:hl"],
    &["link:a.txt/:hl", "lstat:hl"],
    &["set-times-at:a.txt/"],
    // `.` and `..` after files, directories, missing names and symlinks.
    &["stat:a.txt/."],
    &["stat:a.txt/.."],
    &["stat:a.txt/../sub"],
    &["read:a.txt/../a.txt"],
    &["stat:sub/."],
    &["stat:sub/.."],
    &["stat:."],
    &["lstat:."],
    &["ls:."],
    &["stat:.."],
    &["ls:.."],
    &["read:../a.txt"],
    &["stat:sub/../../x"],
    &["stat:sub/../.."],
    &["stat:sub/deep/../../a.txt"],
    &["stat:nothere/.."],
    &["stat:nothere/../a.txt"],
    &["stat:nothere/x/../.."],
    &["stat:a.txt/x/../.."],
    &["stat:./a.txt"],
    &["stat:./"],
    &["stat:/a.txt"],
    &["stat:/"],
    &["stat:"],
    &["lstat:"],
    &["read:"],
    &["ls:"],
    &["mkdir:"],
    &["unlink:"],
    &["rmdir:"],
    &["readlink:"],
    &["stat:sub//b.txt"],
    &["read:sub//deep//c.txt"],
    &["read:.//sub/./deep/./c.txt"],
    &["mkdir:.", "mkdir:sub/.."],
    &["rmdir:.", "rmdir:sub/..", "rmdir:sub/deep/.."],
    &["unlink:.", "unlink:sub/.."],
    &["rename:.:x"],
    &["rename:sub/..:x"],
    &["rename:a.txt:."],
    &["rename:a.txt:sub/.."],
    // Symlinks to directories followed by `..`: wherever the host pops to, so must we.
    &["stat:link_to_dir/.."],
    &["ls:link_to_dir/.."],
    &["read:link_to_dir/../a.txt"],
    &["read:link_to_dir/../sub/b.txt"],
    &["read:link_to_dir/deep/../b.txt"],
    &["stat:link_to_deep/.."],
    &["ls:link_to_deep/.."],
    &["read:link_to_deep/../b.txt"],
    &["read:link_to_deep/../../a.txt"],
    &["stat:dotdot"],
    &["read:dotdot/a.txt"],
    &["read:sub/up"],
    &["read:escape"],
    &["via:link_to_dir:b.txt"],
    &["via:link_to_dir:../a.txt"],
    &["via:sub:up"],
    &["via:sub:../a.txt"],
    &["via:sub:deep/../b.txt"],
    // Dangling symlinks.
    &["stat:dangling"],
    &["lstat:dangling"],
    &["lstat-size:dangling"],
    &["read:dangling"],
    &["readlink:dangling"],
    &["readlink:dangling_dir"],
    &["hash:dangling"],
    &["stat:dangling_dir"],
    &["create:dangling", "lstat:dangling", "lstat:nothere"],
    &["create:dangling_dir", "lstat:nothere"],
    &["excl:dangling", "lstat:nothere"],
    &["truncate:dangling", "lstat:nothere"],
    &["mkdir:dangling", "lstat:nothere"],
    &["unlink:dangling", "lstat:dangling"],
    &["rmdir:dangling", "lstat:dangling"],
    &["set-times-at:dangling"],
    &["rename:dangling:d2", "lstat:d2", "readlink:d2"],
    &["rename:a.txt:dangling", "lstat:dangling", "lstat:nothere"],
    &["link:dangling:hl", "lstat:hl"],
    // Loops and chains.
    &["stat:loop1"],
    &["lstat:loop1"],
    &["read:loop1"],
    &["stat:loop1/x"],
    &["create:loop1"],
    &["stat:self"],
    &["mkdir:loop1/x"],
    &["read:c0"],
    &["stat:c0"],
    &["read:long0"],
    &["stat:long0"],
    &["read:long5"],
    &["readlink:long0"],
    // Opening without following.
    &["open-nofollow:a.txt"],
    &["open-nofollow:link_to_a"],
    &["open-nofollow:link_to_dir"],
    &["open-nofollow:dangling"],
    &["open-nofollow:link_to_dir/b.txt"],
    &["open-follow:link_to_a"],
    // Creating, exclusively or not, and truncating.
    &["excl:a.txt", "read:a.txt"],
    &["excl:link_to_a", "read:a.txt"],
    &["excl:sub"],
    &["excl:new", "read:new"],
    &["create:sub"],
    &["create:link_to_a", "read:a.txt"],
    &["create:link_to_dir"],
    &["create:nothere/x"],
    &["create:a.txt/x"],
    &["truncate:a.txt", "read:a.txt"],
    &["truncate:link_to_a", "read:a.txt", "lstat:link_to_a"],
    &["truncate:sub"],
    &["truncate:nothere", "lstat:nothere"],
    &["write:link_to_a", "read:a.txt"],
    &["write:sub"],
    &["set-size:link_to_a", "read:a.txt"],
    &["set-times-at:link_to_a"],
    &["set-times-at:link_to_dir"],
    // Links.
    &["link:link_to_a:hl", "lstat:hl", "readlink:hl"],
    &["link:sub:hl"],
    &["link:a.txt:sub"],
    &["link:a.txt:link_to_a"],
    &["link:nothere:hl"],
    &["link:a.txt:nothere/hl"],
    &["link:a.txt:sub/deep/hl", "read:sub/deep/hl"],
    &["symlink:a.txt:link_to_a"],
    &["symlink:a.txt:nothere/sl"],
    &["symlink:x:sub/sl", "readlink:sub/sl"],
    &["symlink::sl"],
    &["symlink:nothere/:sl", "readlink:sl"],
    &["readlink:a.txt"],
    &["readlink:sub"],
    &["readlink:nothere"],
    &["readlink:link_to_a"],
    &["readlink:sub/up"],
    &["readlink:link_to_dir/up"],
    // Removing.
    &["rmdir:full", "ls:full"],
    &["rmdir:a.txt"],
    &["rmdir:nothere"],
    &["rmdir:empty", "lstat:empty"],
    &["rmdir:sub/deep", "ls:sub"],
    &["unlink:sub"],
    &["unlink:nothere"],
    &["unlink:link_to_dir", "lstat:link_to_dir", "ls:sub"],
    &["unlink:link_to_a", "read:a.txt"],
    &["unlink:loop1", "lstat:loop1"],
    &["unlink:link_to_dir/b.txt", "ls:sub"],
    // Renaming.
    &["rename:sub:full"],
    &["rename:empty:full"],
    &["rename:full:empty", "ls:empty"],
    &["rename:sub:a.txt"],
    &["rename:a.txt:sub"],
    &["rename:a.txt:empty"],
    &["rename:a.txt:a.txt"],
    &["rename:sub:sub/deep/x"],
    &["rename:sub:sub"],
    &["rename:nothere:x"],
    &["rename:a.txt:nothere/x"],
    &["rename:link_to_dir:ld2", "lstat:ld2", "ls:ld2"],
    &["rename:link_to_a:sub/la", "read:sub/la"],
    &["rename:sub/up:up", "read:up"],
    &["rename:a.txt:link_to_a", "lstat:link_to_a"],
    &["rename:a.txt:link_to_dir", "lstat:link_to_dir"],
    &["rename:empty:link_to_dir", "lstat:link_to_dir"],
    &["rename:link_to_dir/b.txt:bb", "read:bb"],
    &["rename-from:sub:b.txt:bb", "read:bb"],
    &["rename-from:link_to_dir:deep:dd", "ls:dd"],
    // Metadata hashes and listings.
    &["hash:a.txt"],
    &["hash:nothere"],
    &["hash:link_to_a"],
    &["hash:link_to_dir"],
    &["hash:loop1"],
    &["hash:."],
    &["hash:.."],
    &["ls:a.txt"],
    &["ls:link_to_dir"],
    &["ls:dangling"],
    &["ls:sub/deep"],
    &["flags:."],
    &["flags:sub"],
    &["flags:link_to_dir"],
    &["lstat-size:link_to_a"],
    &["lstat-size:a.txt"],
    &["seek-read:link_to_a:3"],
    &["sync:link_to_dir"],
];

#[test]
fn the_path_adapter_answers_exactly_as_the_host_does() {
    let plugged: Vec<String> = interpose::Composer::new(interpose_tests::policy(PASS_THROUGH))
        .compose(interpose_tests::programs::FS_PROBE)
        .unwrap()
        .plugged()
        .into_iter()
        .map(|(adapter, _)| adapter)
        .collect();
    assert_eq!(plugged, ["fs-paths"], "the path checks must be in the way");
    assert_same_as_host(PASS_THROUGH);
}

/// With a null standard stream, the app's streams are interpose's, so the `stdio-files` adapter
/// wraps the filesystem (and its streams) in front of the host's or the path adapter.
#[test]
fn files_wrapped_for_streams_of_our_own_answer_exactly_as_the_host_does() {
    for policy in [
        r#"{"stdio": {"stdin": "null"}}"#,
        r#"{"fs": {"deny": ["/data/zz-never-exists"]}, "stdio": {"stdin": "null"}}"#,
    ] {
        let composition = interpose::Composer::new(interpose_tests::policy(policy))
            .compose(interpose_tests::programs::FS_PROBE)
            .unwrap();
        let plugged: Vec<String> = composition.plugged().into_iter().map(|(a, _)| a).collect();
        assert!(plugged.contains(&"stdio-files".to_owned()), "{plugged:?}");
        assert_same_as_host(policy);
    }
}

/// Runs the corpus raw and composed with `policy` on fresh trees; every line and every tree
/// must be the same.
fn assert_same_as_host(policy: &str) {
    let raw = Probe::raw();
    let composed = Probe::composed(policy);
    let mut differences = Vec::new();
    for scenario in CORPUS {
        let (host_dir, adapter_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        fs_tree::build_plain(host_dir.path());
        fs_tree::build_plain(adapter_dir.path());
        let host = raw.at(host_dir.path(), scenario);
        let adapter = composed.at(adapter_dir.path(), scenario);
        for (host, adapter) in host.iter().zip(&adapter) {
            if host != adapter {
                differences.push(format!("  host:    {host}\n  adapter: {adapter}"));
            }
        }
        let (host_tree, adapter_tree) = (
            fs_tree::shape(host_dir.path()),
            fs_tree::shape(adapter_dir.path()),
        );
        if host_tree != adapter_tree {
            let mut names: Vec<&String> = host_tree.keys().chain(adapter_tree.keys()).collect();
            names.sort();
            names.dedup();
            for name in names {
                let (h, a) = (host_tree.get(name), adapter_tree.get(name));
                if h != a {
                    differences.push(format!(
                        "  after {scenario:?}, tree entry {name}:\n    host:    {h:?}\n    \
                         adapter: {a:?}"
                    ));
                }
            }
        }
    }
    assert!(
        differences.is_empty(),
        "{} differences between the host and {policy} over {} scenarios:\n{}",
        differences.len(),
        CORPUS.len(),
        differences.join("\n")
    );
}

#[test]
fn the_corpus_really_exercises_the_host() {
    // A differential test passes trivially if everything fails the same way: check that the
    // corpus does reach files, follow links and change the tree on the host.
    let raw = Probe::raw();
    let dir = tempfile::tempdir().unwrap();
    fs_tree::build_plain(dir.path());
    let before = fs_tree::shape(dir.path());
    let lines = raw.at(
        dir.path(),
        &[
            "read:c0",
            "read:link_to_dir/b.txt",
            "read:long0",
            "rename:full:empty",
        ],
    );
    assert_eq!(
        lines,
        [
            format!("read:c0: ok {}", fs_tree::fnv(b"hello")),
            format!("read:link_to_dir/b.txt: ok {}", fs_tree::fnv(b"bee")),
            "read:long0: err loop".to_owned(),
            "rename:full:empty: ok renamed".to_owned(),
        ]
    );
    assert_ne!(fs_tree::shape(dir.path()), before);
}
