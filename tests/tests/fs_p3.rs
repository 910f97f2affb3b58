//! WASI 0.3 files end to end: the `tests/programs-p3` app (0.3 files through `wasip3`, and the
//! same through std's 0.2) composed with `fs` policies and run on the embedded wasmtime. One `fs`
//! section attenuates both versions, each by the adapter of its release (`fs-p3` / `fs` without
//! path globs, `fs-paths-p3` / `fs-paths` with them). Every check is of something the host
//! itself grants (the preopen is writable, the files are there), so an adapter that passed the
//! call through would fail it.

use std::path::Path;

use interpose::{Preopen, RunOptions};
use interpose_policy::compiled::Route;
use interpose_tests::{compose, fs_tree, programs, run, stdout_lines};

/// `a.txt`, `sub/b.txt`, and secrets: `.env` and `sub/.env`.
fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("a.txt"), "hello").unwrap();
    std::fs::create_dir(root.join("sub")).unwrap();
    std::fs::write(root.join("sub/b.txt"), "b").unwrap();
    std::fs::write(root.join(".env"), "SECRET=1").unwrap();
    std::fs::write(root.join("sub/.env"), "SECRET=2").unwrap();
    dir
}

/// Every line the app prints for `args`, with `dir` preopened (writable by the host) as `/data`.
fn observe(component: &[u8], dir: &Path, args: &[&str]) -> Vec<String> {
    let outcome = run(
        component,
        RunOptions {
            args: ["app"].iter().chain(args).map(|a| a.to_string()).collect(),
            preopens: vec![Preopen {
                host: dir.to_owned(),
                guest: "/data".into(),
                writable: true,
            }],
            ..RunOptions::default()
        },
    );
    assert_eq!(outcome.exit_code, 0, "{args:?}: {outcome:?}");
    stdout_lines(&outcome)
}

fn route(component: &[u8], import: &str) -> Route {
    interpose::inspect(component)
        .unwrap()
        .routes
        .into_iter()
        .find(|(name, _)| name.starts_with(import))
        .map(|(_, route)| route)
        .unwrap_or_else(|| panic!("no import {import}"))
}

/// `readonly`: every change through 0.3 answers `read-only` and the host directory is left as it
/// was; reads, listings and stats are the host's. The 0.2 files of the same app, by the `fs`
/// adapter, alike.
#[test]
fn readonly_refuses_every_0_3_change_and_reads_the_hosts_files() {
    // Unadapted, the host writes.
    let host = tree();
    assert_eq!(
        observe(programs::P3, host.path(), &["write", "/data/a.txt", "bye"]),
        ["p3 write ok", "p2 write ok"]
    );
    assert_eq!(
        std::fs::read_to_string(host.path().join("a.txt")).unwrap(),
        "bye"
    );
    for (args, answer) in [
        (&["mkdir", "/data/d"][..], "p3 mkdir ok"),
        (&["symlink", "a.txt", "/data/l"], "p3 symlink ok"),
        (&["rename", "/data/sub", "/data/moved"], "p3 rename ok"),
    ] {
        assert_eq!(
            observe(programs::P3, host.path(), args),
            [answer],
            "{args:?}"
        );
    }

    let component = compose(programs::P3, r#"{"fs": {"mode": "read-only"}}"#);
    assert_eq!(
        route(&component, "wasi:filesystem/types@0.3."),
        Route::Adapter("fs-p3".into())
    );
    assert_eq!(
        route(&component, "wasi:filesystem/preopens@0.3."),
        Route::Adapter("fs-p3".into())
    );
    assert_eq!(
        route(&component, "wasi:filesystem/types@0.2."),
        Route::Adapter("fs".into())
    );

    let dir = tree();
    let before = fs_tree::snapshot(dir.path());
    let refused = |args: &[&str]| observe(&component, dir.path(), args);
    let write = refused(&["write", "/data/a.txt", "bye"]);
    assert_eq!(write[0], "p3 write err ErrorCode::ReadOnly");
    assert!(write[1].starts_with("p2 write err "), "{write:?}");
    for (args, answer) in [
        (
            &["mkdir", "/data/d"][..],
            "p3 mkdir err ErrorCode::ReadOnly",
        ),
        (&["rmdir", "/data/sub"], "p3 rmdir err ErrorCode::ReadOnly"),
        (
            &["unlink", "/data/a.txt"],
            "p3 unlink err ErrorCode::ReadOnly",
        ),
        (
            &["symlink", "a.txt", "/data/l"],
            "p3 symlink err ErrorCode::ReadOnly",
        ),
        (
            &["rename", "/data/a.txt", "/data/c.txt"],
            "p3 rename err ErrorCode::ReadOnly",
        ),
    ] {
        assert_eq!(refused(args), [answer], "{args:?}");
    }
    // Opened without `write` (which any mode allows): the host refuses to write through it; the
    // adapter refuses to change its size, and does not show `write`.
    let through_a_reader = refused(&["write-readonly", "/data/a.txt", "bye"]);
    assert!(
        through_a_reader[0].starts_with("p3 write-via-stream err ")
            && through_a_reader[1].starts_with("p3 append-via-stream err "),
        "{through_a_reader:?}"
    );
    assert_eq!(
        through_a_reader[2..],
        [
            "p3 set-size err ErrorCode::ReadOnly",
            "p3 flags ok write=false"
        ]
    );
    assert_eq!(
        fs_tree::snapshot(dir.path()),
        before,
        "the host directory changed"
    );

    // What does not change anything is the host's answer, through both versions.
    assert_eq!(
        refused(&["read", "/data/a.txt"]),
        ["p3 read ok hello", "p2 read ok hello"]
    );
    for args in [
        &["list", "/data"][..],
        &["list", "/data/sub"],
        &["stat", "/data/a.txt"],
        &["stat", "/data/sub"],
    ] {
        assert_eq!(
            refused(args),
            observe(programs::P3, dir.path(), args),
            "{args:?}"
        );
    }
    assert_eq!(
        refused(&["list", "/data"]),
        ["p3 list ok .env a.txt sub", "p2 list ok .env a.txt sub"]
    );
}

/// Path globs at 0.3, by `fs-paths-p3` through the same walk as at 0.2: a hidden file answers
/// `no-entry` like a missing one, however it is named (`..`, a symlink, a renamed parent), for
/// reads, writes and metadata; the rest of the tree is the host's. The 0.2 files of the same
/// app, by `fs-paths`, alike.
#[test]
fn hidden_files_are_missing_at_0_3_however_they_are_reached() {
    let policy = r#"{"fs": {"deny": ["**/.env"]}}"#;
    let dir = tree();
    std::os::unix::fs::symlink(".env", dir.path().join("link")).unwrap();
    // Unadapted, the host shows the secrets.
    assert_eq!(
        observe(programs::P3, dir.path(), &["read", "/data/link"]),
        ["p3 read ok SECRET=1", "p2 read ok SECRET=1"]
    );

    let component = compose(programs::P3, policy);
    assert_eq!(
        route(&component, "wasi:filesystem/types@0.3."),
        Route::Adapter("fs-paths-p3".into())
    );
    assert_eq!(
        route(&component, "wasi:filesystem/types@0.2."),
        Route::Adapter("fs-paths".into())
    );
    let seen = |args: &[&str]| observe(&component, dir.path(), args);
    for path in [
        "/data/.env",
        "/data/sub/.env",
        "/data/sub/../.env",
        "/data/./sub/../sub/.env",
        "/data/link",
    ] {
        let read = seen(&["read", path]);
        assert_eq!(read[0], "p3 read err ErrorCode::NoEntry", "{path}");
        assert_eq!(read[1], "p2 read err NotFound", "{path}");
        let stat = seen(&["stat", path]);
        assert_eq!(stat[0], "p3 stat err ErrorCode::NoEntry", "{path}");
        assert_eq!(stat[2], "p2 stat err NotFound", "{path}");
        let write = seen(&["write", path, "x"]);
        assert_eq!(write[0], "p3 write err ErrorCode::NoEntry", "{path}");
    }
    // The link itself is visible, not where it leads.
    assert_eq!(seen(&["stat", "/data/link"])[1], "p3 lstat ok symlink");
    assert_eq!(
        seen(&["stat", "/data/.env"])[1],
        "p3 lstat err ErrorCode::NoEntry"
    );
    // Neither renamed nor removed: there is nothing by that name.
    for (args, answer) in [
        (
            &["rename", "/data/.env", "/data/env.txt"][..],
            "p3 rename err ErrorCode::NoEntry",
        ),
        (
            &["unlink", "/data/sub/.env"],
            "p3 unlink err ErrorCode::NoEntry",
        ),
        (
            &["symlink", ".env", "/data/l2"],
            "p3 symlink err ErrorCode::NotPermitted",
        ),
    ] {
        assert_eq!(seen(args), [answer], "{args:?}");
    }
    // A renamed parent carries the rule with it: the name-only glob still hides `.env` there.
    assert_eq!(
        seen(&["rename", "/data/sub", "/data/moved"]),
        ["p3 rename ok"]
    );
    assert_eq!(
        seen(&["read", "/data/moved/.env"])[0],
        "p3 read err ErrorCode::NoEntry"
    );
    assert_eq!(
        seen(&["read", "/data/moved/b.txt"]),
        ["p3 read ok b", "p2 read ok b"]
    );
    // Everything else is the host's, changes included.
    assert_eq!(
        seen(&["write", "/data/new.txt", "x"]),
        ["p3 write ok", "p2 write ok"]
    );
    assert_eq!(
        seen(&["read", "/data/a.txt"]),
        ["p3 read ok hello", "p2 read ok hello"]
    );
    // The secrets are where they were.
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".env")).unwrap(),
        "SECRET=1"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("moved/.env")).unwrap(),
        "SECRET=2"
    );
}

/// A 0.3 listing is the host's stream, untouched, where the policy can hide nothing in the
/// directory; elsewhere the adapter cannot filter it (a synchronous function cannot produce a
/// stream of its own yet), so it answers `access` with no entries. At 0.2 the listing is
/// filtered.
#[test]
fn a_0_3_listing_is_the_hosts_or_refused() {
    let dir = tree();
    std::fs::create_dir(dir.path().join("pub")).unwrap();
    std::fs::write(dir.path().join("pub/p.txt"), "p").unwrap();
    let component = compose(programs::P3, r#"{"fs": {"deny": ["/data/sub/.env"]}}"#);
    let seen = |args: &[&str]| observe(&component, dir.path(), args);
    // Nothing below `/data/pub` can be hidden.
    assert_eq!(
        seen(&["list", "/data/pub"]),
        observe(programs::P3, dir.path(), &["list", "/data/pub"])
    );
    assert_eq!(
        seen(&["list", "/data/pub"]),
        ["p3 list ok p.txt", "p2 list ok p.txt"]
    );
    // `/data/sub` holds a hidden entry, and `/data` one below it.
    assert_eq!(
        seen(&["list", "/data/sub"]),
        ["p3 list err ErrorCode::Access", "p2 list ok b.txt"]
    );
    assert_eq!(
        seen(&["list", "/data"]),
        [
            "p3 list err ErrorCode::Access",
            "p2 list ok .env a.txt pub sub"
        ]
    );
}

/// `mode: read-only` with globs: the same refusals as without them, by the walk.
#[test]
fn read_only_with_globs_refuses_changes_at_0_3() {
    let dir = tree();
    let before = fs_tree::snapshot(dir.path());
    let component = compose(
        programs::P3,
        r#"{"fs": {"mode": "read-only", "deny": ["**/.env"]}}"#,
    );
    let seen = |args: &[&str]| observe(&component, dir.path(), args);
    assert_eq!(
        seen(&["write", "/data/a.txt", "x"])[0],
        "p3 write err ErrorCode::ReadOnly"
    );
    assert_eq!(
        seen(&["rename", "/data/sub", "/data/moved"]),
        ["p3 rename err ErrorCode::ReadOnly"]
    );
    assert_eq!(
        seen(&["read", "/data/sub/b.txt"]),
        ["p3 read ok b", "p2 read ok b"]
    );
    assert_eq!(fs_tree::snapshot(dir.path()), before);
}

/// The race of `tests/fs_races.rs` at 0.3: a host thread keeps swapping the allowed `sub/x` with
/// `sub/lnk`, a symlink to the denied `secret`, which holds a secret at the same place, while the
/// app reads `sub/x/KEY` through 0.3 in a loop. The walk opens each directory without following
/// it, so the app sees the public file or nothing, never the secret.
#[test]
fn a_host_thread_swapping_in_a_symlink_cannot_redirect_a_0_3_read() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};

    const KEY: &str = "a/b/c/d/e/f/g/h/key.pem";
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in [
        (format!("sub/x/{KEY}"), "public"),
        (format!("secret/{KEY}"), "SECRET"),
    ] {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    std::os::unix::fs::symlink("../secret", dir.path().join("sub/lnk")).unwrap();
    let component = compose(
        programs::P3,
        r#"{"fs": {"allow": ["/data/**"], "deny": ["/data/secret"]}}"#,
    );
    let path = format!("/data/sub/x/{KEY}");
    let (x, spare, lnk) = (
        dir.path().join("sub/x"),
        dir.path().join("sub/x.swap"),
        dir.path().join("sub/lnk"),
    );
    let stop = AtomicBool::new(false);
    let (seen, rounds) = std::thread::scope(|s| {
        let swapper = s.spawn(|| {
            let start = Instant::now();
            let mut rounds = 0u64;
            while !stop.load(Ordering::Relaxed) && start.elapsed() < Duration::from_secs(60) {
                let _ = std::fs::rename(&x, &spare);
                let _ = std::fs::rename(&lnk, &x);
                let _ = std::fs::rename(&x, &lnk);
                let _ = std::fs::rename(&spare, &x);
                rounds += 1;
            }
            rounds
        });
        let seen = observe(&component, dir.path(), &["read-loop", &path, "2000"]);
        stop.store(true, Ordering::Relaxed);
        (seen, swapper.join().unwrap())
    });
    eprintln!("{seen:?} with {rounds} swap rounds");
    assert!(
        !seen.iter().any(|l| l.contains("SECRET")),
        "a swap redirected a checked path: {seen:?}"
    );
    assert!(
        seen.contains(&"p3 read-loop ok public".to_owned()),
        "{seen:?}"
    );

    // The baseline: swapped for the link, the host follows it to the secret; the adapter does
    // not.
    std::fs::rename(&x, &spare).unwrap();
    std::fs::rename(&lnk, &x).unwrap();
    assert_eq!(
        observe(programs::P3, dir.path(), &["read-loop", &path, "1"]),
        ["p3 read-loop ok SECRET"]
    );
    assert_eq!(
        observe(&component, dir.path(), &["read-loop", &path, "1"]),
        ["p3 read-loop err ErrorCode::NoEntry"]
    );
}
