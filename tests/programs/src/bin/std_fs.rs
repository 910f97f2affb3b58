//! Drives the filesystem through Rust's `std::fs` only, so that it builds for wasm32-wasip1 as well
//! as wasm32-wasip2, one operation per argument, and prints one line per operation:
//! `OP: ok DETAILS` or `OP: err KIND` (the `std::io::ErrorKind`). Paths are absolute guest paths
//! (under a preopen).
//!
//! Operations (`:` separates the operation from its path): `read:P` (`N bytes`), `write:P`
//! (create or truncate, then write `changed`), `append:P`, `ls:P` (sorted names), `stat:P`
//! (`file N` or `dir`), `mkdir:P`, `rm:P` (a file), `rmdir:P`.

use std::fs;
use std::io::{self, Write};

fn main() {
    for op in std::env::args().skip(1) {
        let (verb, path) = op.split_once(':').unwrap_or((&op, ""));
        match run(verb, path) {
            Ok(details) => println!("{op}: ok {details}"),
            Err(e) => println!("{op}: err {:?}", e.kind()),
        }
    }
}

fn run(verb: &str, path: &str) -> io::Result<String> {
    match verb {
        "read" => fs::read(path).map(|b| format!("{} bytes", b.len())),
        "write" => fs::write(path, b"changed").map(|()| "wrote".into()),
        "append" => fs::OpenOptions::new()
            .append(true)
            .open(path)?
            .write_all(b"more")
            .map(|()| "appended".into()),
        "ls" => {
            let mut names = fs::read_dir(path)?
                .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
                .collect::<io::Result<Vec<String>>>()?;
            names.sort();
            Ok(names.join(","))
        }
        "stat" => fs::metadata(path).map(|m| match m.is_dir() {
            true => "dir".to_owned(),
            false => format!("file {}", m.len()),
        }),
        "mkdir" => fs::create_dir(path).map(|()| "made".into()),
        "rm" => fs::remove_file(path).map(|()| "removed".into()),
        "rmdir" => fs::remove_dir(path).map(|()| "removed".into()),
        _ => Err(io::Error::new(io::ErrorKind::InvalidInput, "unknown op")),
    }
}
