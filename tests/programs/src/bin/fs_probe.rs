//! Drives `wasi:filesystem` directly, one operation per argument, and prints one line per
//! operation: `OP ARGS: ok DETAILS` or `OP ARGS: err ERROR-CODE`. Tests run it against a host
//! directory, composed with filesystem policies, and compare the lines.
//!
//! Paths are relative to the first preopen. Operations (`:` separates arguments):
//! `preopens`, `read:P`, `read-at:P` (with `read`, not a stream), `stat:P`, `lstat:P`, `ls:P`,
//! `root-flags`, `write:P`, `create:P`, `excl:P`, `truncate:P`, `open-write:P`, `append:P`,
//! `write-stream:P`, `set-size:P`, `set-times:P`, `set-times-at:P`, `mkdir:P`, `rmdir:P`,
//! `unlink:P`, `rename:OLD:NEW`, `link:OLD:NEW`, `symlink:TARGET:NEW`, `readlink:P`,
//! `open-follow:P` (open with symlink-follow and read), `open-nofollow:P`, `via:DIR:P` (open
//! DIR, then read P relative to it), `rename-from:DIR:OLD:NEW` (rename with a descriptor for
//! DIR as the source), `hash:P` (`metadata-hash-at`), `seek-read:P:OFFSET`, `sync:P`.
//!
//! `use:NAME` makes the preopen named NAME (as in `preopens`) the one later operations are
//! relative to (`ok NAME`, or `err no-entry` if there is none); `flags:P` opens P with
//! `mutate-directory` (else, if refused, read-only) and prints its `get-flags` like
//! `root-flags`; `lstat-size:P` prints the type and size of P itself (a symlink's size is the
//! length of its target); `stdin` reads the standard input to its end and prints how many bytes
//! it held (`ok N bytes`); `open:P:FLAGS` opens P with the flags FLAGS names, one letter each
//! (`f` symlink-follow; `c` create, `d` directory, `e` exclusive, `t` truncate; `r` read, `w`
//! write, `m` mutate-directory), and prints the type of what it opened.
//!
//! Loops for race tests, each bounded by a count and by [`LOOP_SECONDS`], whichever comes first,
//! and printing one summary line: `ok RUNS runs: RESULT xCOUNT; RESULT xCOUNT...` with each
//! distinct result (`ok DETAILS` or `err CODE`) and how often it occurred, sorted.
//! `read-loop:P:N` reads P (as `read`) N times. `swap-loop:A:B:N[:STOP[:PAUSE]]` swaps the
//! entries A and B N times through a third name, `A.swap`: renames A to `A.swap`, B to A, A to
//! B, `A.swap` to A (the results counted are the renames'), then, if PAUSE is given, `stat`s A
//! PAUSE times (so that A is back in place for most of the loop); it stops early once STOP
//! exists (checked every 8 rounds; an empty STOP is never checked).

use std::collections::BTreeMap;

use wasip2::clocks::monotonic_clock;
use wasip2::filesystem::preopens::get_directories;
use wasip2::filesystem::types::{
    Descriptor, DescriptorFlags, DescriptorType, ErrorCode, NewTimestamp, OpenFlags, PathFlags,
};
use wasip2::io::streams::StreamError;

type Result<T> = std::result::Result<T, ErrorCode>;

fn main() {
    let preopens = get_directories();
    let ops: Vec<String> = std::env::args().skip(1).collect();
    // Which preopen the operations are relative to: the first, until `use:NAME`.
    let mut current = 0;
    for op in ops {
        let outcome = match preopens.get(current) {
            _ if op == "preopens" => {
                let names: Vec<&str> = preopens.iter().map(|(_, n)| n.as_str()).collect();
                Ok(names.join(","))
            }
            _ if op == "stdin" => {
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
                    .map(|n| format!("{n} bytes"))
                    .map_err(|_| ErrorCode::Io)
            }
            _ if op.starts_with("use:") => {
                let name = &op["use:".len()..];
                match preopens.iter().position(|(_, n)| n == name) {
                    Some(index) => {
                        current = index;
                        Ok(name.to_owned())
                    }
                    None => Err(ErrorCode::NoEntry),
                }
            }
            Some((root, _)) => run(root, &op),
            None => Err(ErrorCode::NoEntry),
        };
        match outcome {
            Ok(details) => println!("{op}: ok {details}"),
            Err(code) => println!("{op}: err {}", code.name()),
        }
    }
}

const FOLLOW: PathFlags = PathFlags::SYMLINK_FOLLOW;

fn open(
    root: &Descriptor,
    path: &str,
    open: OpenFlags,
    flags: DescriptorFlags,
) -> Result<Descriptor> {
    root.open_at(FOLLOW, path, open, flags)
}

fn open_rw_or_read(root: &Descriptor, path: &str) -> Result<Descriptor> {
    let rw = DescriptorFlags::READ | DescriptorFlags::WRITE;
    open(root, path, OpenFlags::empty(), rw)
        .or_else(|_| open(root, path, OpenFlags::empty(), DescriptorFlags::READ))
}

fn read_all(file: &Descriptor, offset: u64) -> Result<Vec<u8>> {
    let stream = file.read_via_stream(offset)?;
    let mut bytes = Vec::new();
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => bytes.extend(chunk),
            Err(StreamError::Closed) => return Ok(bytes),
            Err(StreamError::LastOperationFailed(_)) => return Err(ErrorCode::Io),
        }
    }
}

/// FNV-1a: enough to compare contents in a line of output.
fn fnv(bytes: &[u8]) -> String {
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{} bytes fnv {hash:016x}", bytes.len())
}

/// The longest a loop (`read-loop`, `swap-loop`) runs, whatever its count.
const LOOP_SECONDS: u64 = 20;

/// Runs `step` up to `count` times or for [`LOOP_SECONDS`], whichever ends first, or until it
/// returns `None`; summarises the distinct results it returned.
fn bounded_loop(count: u64, mut step: impl FnMut(u64) -> Option<Vec<Result<String>>>) -> String {
    let deadline = monotonic_clock::now() + LOOP_SECONDS * 1_000_000_000;
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    let mut runs = 0;
    while runs < count && monotonic_clock::now() < deadline {
        let Some(results) = step(runs) else { break };
        runs += 1;
        for result in results {
            let key = match result {
                Ok(details) => format!("ok {details}"),
                Err(code) => format!("err {}", code.name()),
            };
            *seen.entry(key).or_default() += 1;
        }
    }
    let counts: Vec<String> = seen.iter().map(|(k, n)| format!("{k} x{n}")).collect();
    format!("{runs} runs: {}", counts.join("; "))
}

fn write_bytes(file: &Descriptor) -> Result<String> {
    file.write(b"changed", 0).map(|n| format!("wrote {n}"))
}

fn run(root: &Descriptor, op: &str) -> Result<String> {
    let parts: Vec<&str> = op.split(':').collect();
    let arg = |i: usize| parts.get(i).copied().unwrap_or("");
    let read = DescriptorFlags::READ;
    let rw = DescriptorFlags::READ | DescriptorFlags::WRITE;
    let none = OpenFlags::empty();
    match parts[0] {
        "read" => read_all(&open(root, arg(1), none, read)?, 0).map(|b| fnv(&b)),
        "read-at" => {
            let file = open(root, arg(1), none, read)?;
            let (bytes, _) = file.read(1 << 20, 0)?;
            Ok(fnv(&bytes))
        }
        "seek-read" => {
            let offset: u64 = arg(2).parse().unwrap_or(0);
            read_all(&open(root, arg(1), none, read)?, offset).map(|b| fnv(&b))
        }
        "stat" => root.stat_at(FOLLOW, arg(1)).map(|s| match s.type_ {
            // Directory sizes depend on the host filesystem.
            DescriptorType::RegularFile => format!("{:?} {}", s.type_, s.size),
            other => format!("{other:?}"),
        }),
        "lstat" => root
            .stat_at(PathFlags::empty(), arg(1))
            .map(|s| format!("{:?}", s.type_)),
        "ls" => {
            let dir = open(root, arg(1), OpenFlags::DIRECTORY, read)?;
            let entries = dir.read_directory()?;
            let mut names = Vec::new();
            while let Some(entry) = entries.read_directory_entry()? {
                names.push(entry.name);
            }
            names.sort();
            Ok(names.join(","))
        }
        "root-flags" => {
            let flags = root.get_flags()?;
            Ok(format!(
                "write={} mutate-directory={}",
                flags.contains(DescriptorFlags::WRITE),
                flags.contains(DescriptorFlags::MUTATE_DIRECTORY)
            ))
        }
        "write" => write_bytes(&open(root, arg(1), none, rw)?),
        "open-write" => open(root, arg(1), none, rw).map(|_| "opened".into()),
        "create" => open(root, arg(1), OpenFlags::CREATE, rw).map(|_| "created".into()),
        "excl" => open(root, arg(1), OpenFlags::CREATE | OpenFlags::EXCLUSIVE, rw)
            .map(|_| "created".into()),
        "truncate" => open(root, arg(1), OpenFlags::TRUNCATE, rw).map(|_| "truncated".into()),
        "write-stream" => {
            // Opened for reading only: the host would refuse the write itself; the adapter must
            // refuse creating the stream.
            let file = open(root, arg(1), none, read)?;
            file.write_via_stream(0).map(|_| "stream".into())
        }
        "append" => {
            let file = open(root, arg(1), none, read)?;
            file.append_via_stream().map(|_| "stream".into())
        }
        // Opened for writing where allowed, else for reading: the adapter must refuse the
        // change itself, not only the writable open.
        "set-size" => open_rw_or_read(root, arg(1))?
            .set_size(0)
            .map(|_| "resized".into()),
        "set-times" => open_rw_or_read(root, arg(1))?
            .set_times(NewTimestamp::Now, NewTimestamp::Now)
            .map(|_| "touched".into()),
        "set-times-at" => root
            .set_times_at(FOLLOW, arg(1), NewTimestamp::Now, NewTimestamp::Now)
            .map(|_| "touched".into()),
        "mkdir" => root.create_directory_at(arg(1)).map(|_| "made".into()),
        "rmdir" => root.remove_directory_at(arg(1)).map(|_| "removed".into()),
        "unlink" => root.unlink_file_at(arg(1)).map(|_| "removed".into()),
        "rename" => root
            .rename_at(arg(1), root, arg(2))
            .map(|_| "renamed".into()),
        "link" => root
            .link_at(PathFlags::empty(), arg(1), root, arg(2))
            .map(|_| "linked".into()),
        "symlink" => root.symlink_at(arg(1), arg(2)).map(|_| "linked".into()),
        "readlink" => root.readlink_at(arg(1)),
        "open-follow" => read_all(&open(root, arg(1), none, read)?, 0).map(|b| fnv(&b)),
        "open-nofollow" => {
            let file = root.open_at(PathFlags::empty(), arg(1), none, read)?;
            read_all(&file, 0).map(|b| fnv(&b))
        }
        "via" => {
            let dir = open(root, arg(1), OpenFlags::DIRECTORY, read)?;
            let file = dir.open_at(FOLLOW, arg(2), none, read)?;
            read_all(&file, 0).map(|b| fnv(&b))
        }
        "rename-from" => {
            let dir = open(root, arg(1), OpenFlags::DIRECTORY, rw)?;
            dir.rename_at(arg(2), root, arg(3))
                .map(|_| "renamed".into())
        }
        "hash" => root
            .metadata_hash_at(FOLLOW, arg(1))
            .map(|_| "hashed".into()),
        "flags" => {
            let mutate = read | DescriptorFlags::MUTATE_DIRECTORY;
            let dir =
                open(root, arg(1), none, mutate).or_else(|_| open(root, arg(1), none, read))?;
            let flags = dir.get_flags()?;
            Ok(format!(
                "write={} mutate-directory={}",
                flags.contains(DescriptorFlags::WRITE),
                flags.contains(DescriptorFlags::MUTATE_DIRECTORY)
            ))
        }
        "lstat-size" => root
            .stat_at(PathFlags::empty(), arg(1))
            .map(|s| match s.type_ {
                DescriptorType::Directory => format!("{:?}", s.type_),
                other => format!("{other:?} {}", s.size),
            }),
        "read-loop" => {
            let count = arg(2).parse().unwrap_or(0);
            Ok(bounded_loop(count, |_| {
                let outcome = open(root, arg(1), none, read).and_then(|f| read_all(&f, 0));
                Some(vec![outcome.map(|b| fnv(&b))])
            }))
        }
        "swap-loop" => {
            let (a, b, stop) = (arg(1), arg(2), arg(4));
            let count = arg(3).parse().unwrap_or(0);
            let pause: u64 = arg(5).parse().unwrap_or(0);
            let spare = format!("{a}.swap");
            let rename =
                |from: &str, to: &str| root.rename_at(from, root, to).map(|_| "renamed".to_owned());
            Ok(bounded_loop(count, |round| {
                let stopped = !stop.is_empty()
                    && round % 8 == 0
                    && root.stat_at(PathFlags::empty(), stop).is_ok();
                (!stopped).then(|| {
                    let renames = vec![
                        rename(a, &spare),
                        rename(b, a),
                        rename(a, b),
                        rename(&spare, a),
                    ];
                    for _ in 0..pause {
                        let _ = root.stat_at(PathFlags::empty(), a);
                    }
                    renames
                })
            }))
        }
        "open" => {
            let has = |letter: char| arg(2).contains(letter);
            let pick = |letter: char, flag| {
                if has(letter) {
                    flag
                } else {
                    OpenFlags::empty()
                }
            };
            let path_flags = if has('f') { FOLLOW } else { PathFlags::empty() };
            let open_flags = pick('c', OpenFlags::CREATE)
                | pick('d', OpenFlags::DIRECTORY)
                | pick('e', OpenFlags::EXCLUSIVE)
                | pick('t', OpenFlags::TRUNCATE);
            let mut flags = DescriptorFlags::empty();
            for (letter, flag) in [
                ('r', DescriptorFlags::READ),
                ('w', DescriptorFlags::WRITE),
                ('m', DescriptorFlags::MUTATE_DIRECTORY),
            ] {
                if has(letter) {
                    flags |= flag;
                }
            }
            let file = root.open_at(path_flags, arg(1), open_flags, flags)?;
            file.get_type().map(|t| format!("{t:?}"))
        }
        "sync" => open(root, arg(1), none, read)?
            .sync()
            .map(|_| "synced".into()),
        other => panic!("unknown operation {other}"),
    }
}
