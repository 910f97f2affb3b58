//! Waits until stdin is ready, reads all of it, then writes `stdout: read N bytes` (and a 64 KiB
//! block of `x`) to stdout and `stderr: read N bytes` to stderr. Also built for wasm32-wasip1
//! (without the wait and `--clock`).

use std::io::{Read, Write};

fn main() {
    // Imports the monotonic clock without using it, as many apps do (a strict policy denies it).
    #[cfg(not(target_env = "p1"))]
    if std::env::args().any(|a| a == "--clock") {
        println!("{}", wasip2::clocks::monotonic_clock::now());
    }
    // What a poll-based app does first.
    #[cfg(not(target_env = "p1"))]
    wasip2::cli::stdin::get_stdin().subscribe().block();
    let mut input = Vec::new();
    let read = std::io::stdin().read_to_end(&mut input);
    let read = match read {
        Ok(n) => format!("read {n} bytes"),
        Err(e) => format!("read failed: {e}"),
    };
    let mut stdout = std::io::stdout();
    writeln!(stdout, "stdout: {read}").unwrap();
    stdout.write_all(&[b'x'; 64 * 1024]).unwrap();
    stdout.flush().unwrap();
    eprintln!("stderr: {read}");
}
