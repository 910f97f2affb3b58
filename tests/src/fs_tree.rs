//! Host directory fixtures for the filesystem tests, and a way to prove they did not change.

use std::collections::BTreeMap;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::time::UNIX_EPOCH;

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

/// Everything observable about a tree: each entry's kind, contents (hashed), link target,
/// permissions and modification time. Equal snapshots mean nothing changed.
pub fn snapshot(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
    use std::os::unix::fs::PermissionsExt;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        let mtime = meta
            .modified()
            .unwrap()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let mode = meta.permissions().mode();
        let description = if meta.file_type().is_symlink() {
            format!("link -> {}", std::fs::read_link(&path).unwrap().display())
        } else if meta.is_dir() {
            walk(root, &path, out);
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
