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
