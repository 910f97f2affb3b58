//! Host directory fixtures for the filesystem tests, and a way to prove they did not change.

use std::collections::BTreeMap;
use std::fs::{File, FileTimes};
use std::os::unix::fs::symlink;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The secret every escape attempt goes after.
pub const SECRET: &[u8] = b"-----BEGIN PRIVATE KEY----- do not leak";

/// Size of `big.bin`: several MiB, read through `read-via-stream`.
pub const BIG_LEN: usize = 6 * 1024 * 1024 + 123;

/// Deterministic pseudo-random bytes.
pub fn big_contents() -> Vec<u8> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    (0..BIG_LEN)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// FNV-1a as printed by `fs_probe`.
pub fn fnv(bytes: &[u8]) -> String {
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{} bytes fnv {hash:016x}", bytes.len())
}

/// Builds the standard tree under `root`:
///
/// ```text
/// a.txt  big.bin  empty/  sub/b.txt  sub/deep/c.txt  public/readme
/// secret/key.pem  secret/inner/x
/// link_to_secret -> secret/key.pem      link_to_secret_dir -> secret
/// public/up -> ../secret/key.pem        chain1 -> chain2 -> secret/key.pem
/// loop1 <-> loop2                       outside -> ../../etc/passwd   abs -> /etc/passwd
/// link_to_a -> a.txt
/// ```
pub fn build(root: &Path) {
    let write = |path: &str, bytes: &[u8]| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    };
    write("a.txt", b"hello");
    write("big.bin", &big_contents());
    write("sub/b.txt", b"bee");
    write("sub/deep/c.txt", b"sea");
    write("public/readme", b"public");
    write("secret/key.pem", SECRET);
    write("secret/inner/x", SECRET);
    std::fs::create_dir(root.join("empty")).unwrap();
    let link = |target: &str, at: &str| symlink(target, root.join(at)).unwrap();
    link("secret/key.pem", "link_to_secret");
    link("secret", "link_to_secret_dir");
    link("../secret/key.pem", "public/up");
    link("chain2", "chain1");
    link("secret/key.pem", "chain2");
    link("loop2", "loop1");
    link("loop1", "loop2");
    link("../../etc/passwd", "outside");
    link("/etc/passwd", "abs");
    link("a.txt", "link_to_a");
}

/// A small tree without secrets, for comparing the host's own answers with the adapter's:
///
/// ```text
/// a.txt  b/f  sub/b.txt  sub/deep/c.txt  empty/  full/x
/// link_to_a -> a.txt          link_to_dir -> sub        link_to_deep -> sub/deep
/// link_to_empty -> empty      dangling -> nothere       dangling_dir -> nothere/
/// sub/up -> ../a.txt          dotdot -> ..              escape -> ../x
/// loop1 <-> loop2             self -> self
/// c0 -> c1 -> ... -> c9 -> a.txt (10 links)   long0 -> ... -> long44 -> a.txt (45 links)
/// ```
///
/// Every file and directory has its times pinned ([`pin_times`]).
pub fn build_plain(root: &Path) {
    let write = |path: &str, bytes: &[u8]| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    };
    write("a.txt", b"hello");
    write("b/f", b"eff");
    write("sub/b.txt", b"bee");
    write("sub/deep/c.txt", b"sea");
    write("full/x", b"ex");
    std::fs::create_dir(root.join("empty")).unwrap();
    let link = |target: &str, at: &str| symlink(target, root.join(at)).unwrap();
    link("a.txt", "link_to_a");
    link("sub", "link_to_dir");
    link("sub/deep", "link_to_deep");
    link("empty", "link_to_empty");
    link("nothere", "dangling");
    link("nothere/", "dangling_dir");
    link("../a.txt", "sub/up");
    link("..", "dotdot");
    link("../x", "escape");
    link("loop2", "loop1");
    link("loop1", "loop2");
    link("self", "self");
    for i in 0..10 {
        let next = if i == 9 {
            "a.txt".to_owned()
        } else {
            format!("c{}", i + 1)
        };
        link(&next, &format!("c{i}"));
    }
    for i in 0..45 {
        let next = if i == 44 {
            "a.txt".to_owned()
        } else {
            format!("long{}", i + 1)
        };
        link(&next, &format!("long{i}"));
    }
    pin_times(root);
}

/// The access and modification time [`pin_times`] gives everything.
pub fn pinned_time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_000_000_000)
}

/// Sets the times of every file and directory below `root` (not symlinks) to [`pinned_time`],
/// so that two trees built at different moments have equal [`shape`]s.
pub fn pin_times(root: &Path) {
    let times = FileTimes::new()
        .set_accessed(pinned_time())
        .set_modified(pinned_time());
    for entry in std::fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        if meta.file_type().is_symlink() {
            continue;
        }
        if meta.is_dir() {
            pin_times(&path);
        }
        // Directories open read-only on Unix, and their times can be set through that.
        File::open(&path).unwrap().set_times(times).unwrap();
    }
}

/// Like [`snapshot`], with each modification time shown as `pinned` if it is still
/// [`pinned_time`] and `changed` otherwise: equal shapes of two trees built with
/// [`build_plain`] mean the same changes happened to both.
pub fn shape(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    walk(root, root, &mut out, &|mtime| {
        if mtime == pinned_time() {
            "pinned".to_owned()
        } else {
            "changed".to_owned()
        }
    });
    out
}

/// Everything observable about a tree: each entry's kind, contents (hashed), link target,
/// permissions and modification time. Equal snapshots mean nothing changed.
pub fn snapshot(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    walk(root, root, &mut out, &|mtime| {
        mtime
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos()
            .to_string()
    });
    out
}

fn walk(
    root: &Path,
    dir: &Path,
    out: &mut BTreeMap<String, String>,
    show_mtime: &dyn Fn(SystemTime) -> String,
) {
    use std::os::unix::fs::PermissionsExt;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        let mtime = show_mtime(meta.modified().unwrap());
        let mode = meta.permissions().mode();
        let description = if meta.file_type().is_symlink() {
            format!("link -> {}", std::fs::read_link(&path).unwrap().display())
        } else if meta.is_dir() {
            walk(root, &path, out, show_mtime);
            format!("dir {mode:o} {mtime}")
        } else {
            format!(
                "file {mode:o} {mtime} {}",
                fnv(&std::fs::read(&path).unwrap())
            )
        };
        out.insert(name, description);
    }
}

/// A host process racing the app: swaps the symlink `lnk` in for the directory `x` and back
/// (`x` to `spare`, `lnk` to `x`, `x` to `lnk`, `spare` to `x`), round after round, until `stop`
/// is set, `max_rounds` rounds are done or `limit` has passed. Returns the rounds it made.
pub fn swap_symlink_in(
    (x, lnk, spare): (&Path, &Path, &Path),
    stop: &std::sync::atomic::AtomicBool,
    max_rounds: u64,
    limit: Duration,
) -> u64 {
    let start = std::time::Instant::now();
    let mut rounds = 0u64;
    while !stop.load(std::sync::atomic::Ordering::Relaxed)
        && rounds < max_rounds
        && start.elapsed() < limit
    {
        let _ = std::fs::rename(x, spare);
        let _ = std::fs::rename(lnk, x);
        let _ = std::fs::rename(x, lnk);
        let _ = std::fs::rename(spare, x);
        rounds += 1;
    }
    rounds
}
