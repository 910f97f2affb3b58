//! Issue 10, "No escapes": a checked path cannot be redirected by swapping a symlink in while
//! the adapter works on it, whether the swap comes from another instance of the app sharing the
//! preopen or from a host thread.
//!
//! The victim reads `sub/x/KEY` in a loop, where `sub/x` is an allowed directory holding a public
//! file at [`KEY`]; the attacker keeps swapping `sub/x` with `sub/lnk`, a symlink to the denied
//! `secret`, which holds the secret at the same place. The victim may see the public file or no
//! file at all, never the secret. [`KEY`] is a few directories deep so that an adapter that
//! checks a path and then hands the whole of it to the host leaves a window wide enough to be
//! hit in most runs. Both sides are bounded by a count and by 20 s (`fs_probe`'s loops; the
//! host thread's own bound), so the tests end on a loaded machine; they pass whatever the timing
//! once resolution is race-free.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use interpose_tests::fs_tree::{self, SECRET, fnv};
use interpose_tests::probe::Probe;

/// Allows everything under `/data` except `secret`.
const DENY_SECRET: &str = r#"{"fs": {"allow": ["/data/**"], "deny": ["/data/secret"]}}"#;

/// Reads by the victim, and swap rounds by an attacking instance.
const ROUNDS: u64 = 20_000;

/// The most any loop here runs.
const LIMIT: Duration = Duration::from_secs(20);

/// `stat`s of the directory by the attacking instance each round, after putting it back.
const PAUSE: u32 = 32;

const PUBLIC: &[u8] = b"a public key";

/// Where the victim reads, below `sub/x` (public) or, swapped, `secret`.
const KEY: &str = "a/b/c/d/e/f/g/h/i/j/k/l/key.pem";

/// The standard tree plus the public `sub/x/KEY` and the secret `secret/KEY`.
fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs_tree::build(dir.path());
    for (path, bytes) in [
        (format!("sub/x/{KEY}"), PUBLIC),
        (format!("secret/{KEY}"), SECRET),
    ] {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    dir
}

/// Waits until `path` exists (or, at most, [`LIMIT`]).
fn wait_for(path: &Path) {
    let start = Instant::now();
    while std::fs::symlink_metadata(path).is_err() && start.elapsed() < LIMIT {
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// The victim's reads: checks that the secret never showed and the public file did.
fn check_victim(victim: &str, attacker: &str) {
    eprintln!("victim:   {victim}\nattacker: {attacker}");
    assert!(
        !victim.contains(&fnv(SECRET)),
        "the swap redirected a checked path to the denied directory:\n  victim:   \
         {victim}\n  attacker: {attacker}"
    );
    assert!(
        victim.contains(&format!("ok {} x", fnv(PUBLIC))),
        "the victim never read the public file, so it did not race: {victim}"
    );
}

#[test]
fn a_second_instance_swapping_in_a_symlink_cannot_redirect_a_read() {
    let dir = fixture();
    let probe = Probe::composed(DENY_SECRET);
    let victim_ops = [format!("read-loop:sub/x/{KEY}:{ROUNDS}")];
    let attacker_ops = [
        // Harmless where it is planted: it points at `/data/sub/secret`, which is allowed.
        "symlink:../secret:sub/deep/lnk".to_owned(),
        // One level up, the same target is the denied `/data/secret`.
        "rename:sub/deep/lnk:sub/lnk".to_owned(),
        "create:started".to_owned(),
        // The directory stays in place for a while each round, so that the victim is often
        // walking below it when the link replaces it.
        format!("swap-loop:sub/x:sub/lnk:{ROUNDS}:stop:{PAUSE}"),
    ];
    let (victim, attacker) = std::thread::scope(|s| {
        let attacker = s.spawn(|| probe.at(dir.path(), &attacker_ops));
        wait_for(&dir.path().join("started"));
        let victim = probe.at(dir.path(), &victim_ops);
        std::fs::write(dir.path().join("stop"), b"").unwrap();
        (victim, attacker.join().unwrap())
    });
    check_victim(&victim[0], &attacker.join(" | "));
}

#[test]
fn a_host_thread_swapping_in_a_symlink_cannot_redirect_a_read() {
    let dir = fixture();
    let probe = Probe::composed(DENY_SECRET);
    std::os::unix::fs::symlink("../secret", dir.path().join("sub/lnk")).unwrap();
    let (x, spare, lnk) = (
        dir.path().join("sub/x"),
        dir.path().join("sub/x.swap"),
        dir.path().join("sub/lnk"),
    );
    let stop = AtomicBool::new(false);
    let victim_ops = [format!("read-loop:sub/x/{KEY}:{ROUNDS}")];
    let (victim, rounds) = std::thread::scope(|s| {
        // Far more rounds than the victim reads: the host swaps much faster than the app reads
        // through its adapter, and must keep swapping for as long as it reads.
        let swapper = s.spawn(|| {
            let paths = (x.as_path(), lnk.as_path(), spare.as_path());
            fs_tree::swap_symlink_in(paths, &stop, 100 * ROUNDS, LIMIT)
        });
        let victim = probe.at(dir.path(), &victim_ops);
        stop.store(true, Ordering::Relaxed);
        (victim, swapper.join().unwrap())
    });
    check_victim(&victim[0], &format!("host thread: {rounds} swap rounds"));
}

#[test]
fn without_the_policy_the_swap_reaches_the_secret() {
    // The baseline: the same swap, with nothing interposed, reads the secret (the host follows
    // the link). Without this the tests above could pass by never racing at all.
    let dir = fixture();
    std::os::unix::fs::symlink("../secret", dir.path().join("sub/lnk")).unwrap();
    let read = format!("read:sub/x/{KEY}");
    let lines = Probe::raw().at(
        dir.path(),
        &[
            &read,
            "swap-loop:sub/x:sub/lnk:1",
            "rename:sub/x:sub/x.swap",
            "rename:sub/lnk:sub/x",
            &read,
        ],
    );
    assert_eq!(
        lines,
        [
            format!("{read}: ok {}", fnv(PUBLIC)),
            "swap-loop:sub/x:sub/lnk:1: ok 1 runs: ok renamed x4".to_owned(),
            "rename:sub/x:sub/x.swap: ok renamed".to_owned(),
            "rename:sub/lnk:sub/x: ok renamed".to_owned(),
            format!("{read}: ok {}", fnv(SECRET)),
        ]
    );
}
