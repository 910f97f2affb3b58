//! Prints what the app sees of the clocks and of random numbers, one fact per line, so tests can
//! compare runs byte for byte: wall time, monotonic reads, a sleep, timeouts (alone and polled
//! together with a host stream), `wasi:random` values and a `HashMap`'s iteration order (std
//! seeds its hasher from `wasi:random/insecure-seed`).
//!
//! `time_random [SLEEP_MS]` sleeps SLEEP_MS milliseconds (default 10 000) with
//! `std::thread::sleep`, and waits as long again on a `subscribe-instant` timeout.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use wasip2::clocks::{monotonic_clock, wall_clock};
use wasip2::io::poll;
use wasip2::random::{insecure, insecure_seed, random};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn main() {
    let sleep_ms: u64 = match std::env::args().nth(1) {
        Some(arg) => arg.parse().expect("SLEEP_MS is a number of milliseconds"),
        None => 10_000,
    };

    let wall = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    println!("wall {}.{:09}", wall.as_secs(), wall.subsec_nanos());
    let wall = wall_clock::now();
    println!("wall-raw {}.{:09}", wall.seconds, wall.nanoseconds);
    let resolution = wall_clock::resolution();
    println!(
        "wall-resolution {}.{:09}",
        resolution.seconds, resolution.nanoseconds
    );

    for _ in 0..3 {
        println!("monotonic {}", monotonic_clock::now());
    }
    println!("monotonic-resolution {}", monotonic_clock::resolution());

    let before = Instant::now();
    std::thread::sleep(Duration::from_millis(sleep_ms));
    println!("slept {:?}", before.elapsed());
    println!("monotonic-after-sleep {}", monotonic_clock::now());

    // A timeout until an instant, waited on with `poll`.
    let deadline = monotonic_clock::now() + sleep_ms * 1_000_000;
    let timeout = monotonic_clock::subscribe_instant(deadline);
    println!("poll-timeout {:?}", poll::poll(&[&timeout]));
    println!(
        "after-timeout reached={}",
        monotonic_clock::now() >= deadline
    );

    // A timeout in the same poll list as a host stream (stdin, ready at EOF). A virtual timeout
    // is ready at once, but a host may report a ready stream first and the timeout on the next
    // call (wasmtime yields once on an expired timer; jco reports both), so count to two.
    let stdin = wasip2::cli::stdin::get_stdin();
    let readable = stdin.subscribe();
    let timeout = monotonic_clock::subscribe_duration(sleep_ms * 1_000_000);
    let mut polls = 0;
    while !poll::poll(&[&readable, &timeout]).contains(&1) {
        polls += 1;
    }
    println!("poll-mixed timeout-ready-by-second-poll={}", polls <= 1);
    drop((readable, timeout, stdin));

    println!("random-bytes {}", hex(&random::get_random_bytes(16)));
    println!(
        "random-u64 {} {}",
        random::get_random_u64(),
        random::get_random_u64()
    );
    println!(
        "insecure-bytes {}",
        hex(&insecure::get_insecure_random_bytes(16))
    );
    println!("insecure-u64 {}", insecure::get_insecure_random_u64());
    println!("insecure-seed {:?}", insecure_seed::insecure_seed());

    let map: HashMap<u32, ()> = (0..16).map(|key| (key, ())).collect();
    let order: Vec<&u32> = map.keys().collect();
    println!("hashmap-order {order:?}");
}
