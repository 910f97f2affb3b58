//! The app the benchmarks (`benches/`) run directly and composed: one binary for every benchmark,
//! so both sides and every policy run the very same code. `bench_app MODE [ARGS]` does one hot
//! loop of raw WASI calls (through the `wasip2` crate, so std adds nothing) and prints one line
//! with a result the benchmark checks. Paths are relative to the first preopen.
//!
//! Modes: `noop`; `read PATH` (`read-via-stream` in 64 KiB chunks); `stat DIR N` (open, stat and
//! close `DIR/f00000.txt` ... for N files); `ls DIR` (`read-directory`, every entry); `env N`
//! (`get-environment` N times); `wall N`, `mono N`, `random N` (N clock or random calls);
//! `cpu N` (N rounds of arithmetic on a memory buffer, no WASI call); `write-stdout N` (N bytes to
//! stdout in 64 KiB writes, each after `check-write`; its result line goes to stderr, since stdout
//! carries the payload).

use wasip2::cli::environment::get_environment;
use wasip2::clocks::{monotonic_clock, wall_clock};
use wasip2::filesystem::preopens::get_directories;
use wasip2::filesystem::types::{Descriptor, DescriptorFlags, OpenFlags, PathFlags};
use wasip2::io::streams::{OutputStream, StreamError};
use wasip2::random::random::get_random_u64;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    let count = |i: usize| -> u64 { arg(i).parse().expect("a count") };
    let line = match arg(0) {
        "noop" => "noop".to_owned(),
        "read" => format!("read {} bytes", read(&root(), arg(1))),
        "stat" => format!("stat {} bytes", stat(&root(), arg(1), count(2))),
        "ls" => format!("ls {} entries", list(&root(), arg(1))),
        "env" => {
            let mut total = 0;
            for _ in 0..count(1) {
                total += get_environment().len();
            }
            format!("env {total} variables")
        }
        "wall" => {
            let mut acc = 0u64;
            for _ in 0..count(1) {
                let now = wall_clock::now();
                acc = acc.wrapping_add(now.seconds ^ u64::from(now.nanoseconds));
            }
            format!("wall {}", acc & 1)
        }
        "mono" => {
            let mut acc = 0u64;
            for _ in 0..count(1) {
                acc = acc.wrapping_add(monotonic_clock::now());
            }
            format!("mono {}", acc & 1)
        }
        "random" => {
            let mut acc = 0u64;
            for _ in 0..count(1) {
                acc ^= get_random_u64();
            }
            format!("random {}", acc & 1)
        }
        "cpu" => format!("cpu {:016x}", cpu(count(1))),
        "write-stdout" => {
            let written = write_all(&wasip2::cli::stdout::get_stdout(), count(1));
            eprintln!("write-stdout {written} bytes");
            return;
        }
        other => panic!("unknown mode {other:?}"),
    };
    println!("{line}");
}

fn root() -> Descriptor {
    let (root, _) = get_directories()
        .into_iter()
        .next()
        .expect("a preopened directory");
    root
}

fn read(root: &Descriptor, path: &str) -> u64 {
    let file = root
        .open_at(
            PathFlags::SYMLINK_FOLLOW,
            path,
            OpenFlags::empty(),
            DescriptorFlags::READ,
        )
        .expect("open");
    let stream = file.read_via_stream(0).expect("read-via-stream");
    let mut total = 0u64;
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => total += chunk.len() as u64,
            Err(StreamError::Closed) => return total,
            Err(e) => panic!("read: {e:?}"),
        }
    }
}

fn stat(root: &Descriptor, dir: &str, n: u64) -> u64 {
    let mut total = 0;
    for i in 0..n {
        let file = root
            .open_at(
                PathFlags::SYMLINK_FOLLOW,
                &format!("{dir}/f{i:05}.txt"),
                OpenFlags::empty(),
                DescriptorFlags::READ,
            )
            .expect("open");
        total += file.stat().expect("stat").size;
        // Dropping the descriptor closes it.
    }
    total
}

fn list(root: &Descriptor, dir: &str) -> u64 {
    let dir = root
        .open_at(
            PathFlags::SYMLINK_FOLLOW,
            dir,
            OpenFlags::DIRECTORY,
            DescriptorFlags::READ,
        )
        .expect("open directory");
    let entries = dir.read_directory().expect("read-directory");
    let mut count = 0;
    while entries
        .read_directory_entry()
        .expect("read-directory-entry")
        .is_some()
    {
        count += 1;
    }
    count
}

/// Writes `n` bytes (a fixed 64 KiB pattern, repeated) to `out`: each write is as large as
/// `check-write` allows, up to 64 KiB; then one `blocking-flush`.
fn write_all(out: &OutputStream, n: u64) -> u64 {
    let chunk: Vec<u8> = (0..64 * 1024u32).map(|i| (i % 251) as u8 + 1).collect();
    let mut left = n;
    while left > 0 {
        let permit = out.check_write().expect("check-write");
        if permit == 0 {
            out.subscribe().block();
            continue;
        }
        let len = left.min(permit).min(chunk.len() as u64) as usize;
        out.write(&chunk[..len]).expect("write");
        left -= len as u64;
    }
    out.blocking_flush().expect("blocking-flush");
    n
}

/// Arithmetic over a 64 KiB buffer: enough work per round that the run is dominated by it.
fn cpu(rounds: u64) -> u64 {
    let mut buffer: Vec<u64> = (0..8192u64).collect();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for round in 0..rounds {
        for slot in buffer.iter_mut() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *slot = slot.wrapping_mul(0x0100_0000_01b3) ^ state ^ round;
        }
    }
    buffer.iter().fold(state, |h, v| h.rotate_left(5) ^ v)
}
