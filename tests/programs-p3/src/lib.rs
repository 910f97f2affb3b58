//! A WASI 0.3 app: prints what it observes through the **0.3** interfaces (`p3 ...` lines), and the
//! same through std's WASI 0.2 ones (`p2 ...` lines), one fact per line, so tests can compare
//! exactly. One component imports both versions of `wasi:cli/environment`, `wasi:clocks` and
//! `wasi:random`, as every Rust WASI 0.3 app built for wasm32-wasip2 does today.
//!
//! It is a `cdylib` exporting the async `wasi:cli/run@0.3.x` (the `wasip3` crate's `export!` does
//! not work in a `bin`), so it can make blocking async calls (`wait-for`); the command is its first
//! argument:
//!
//! - `p3 env`: environment variables, arguments and initial working directory.
//! - `p3 time [WAIT_MS]`: system and monotonic clocks, then `wait-for` WAIT_MS milliseconds
//!   (default 10 000) and `wait-until` as long again.
//! - `p3 random`: 16 bytes and two `u64`s of `wasi:random/random`, the same of `insecure`, and
//!   `insecure-seed`, through 0.3 and then the same calls through 0.2 (under a seeded policy both
//!   versions draw from one generator, so the 0.2 values continue where the 0.3 ones stopped),
//!   then a `HashMap`'s order (std seeds it from 0.2 `insecure-seed`).
//! - `p3 connect ADDR`: a 0.3 TCP socket (`tcp-socket.create`), then an async `connect` to ADDR
//!   (`a.b.c.d:port`); prints what each answered (`p3 tcp-create ok`, `p3 tcp-connect err
//!   ErrorCode::AccessDenied`...). Once connected it sends `ping` through a stream of its own
//!   and prints what the peer sends back until it closes (`p3 tcp-reply pong`).
//! - `p3 resolve NAME`: the async 0.3 `resolve-addresses` of NAME: how many addresses, or the
//!   error.
//! - `p3 preopens`: how many 0.3 preopens there are, and their names.
//! - Files (module `fs`): `read PATH`, `write PATH TEXT`, `write-readonly PATH TEXT`,
//!   `stat PATH`, `list DIR` (each through 0.3, then through std's 0.2), and `list-first DIR`,
//!   `mkdir`, `rmdir`, `unlink`, `symlink TARGET PATH`, `rename FROM TO`, `read-loop PATH N` (0.3
//!   only); for the
//!   benchmarks,
//!   `read-bytes PATH`, `stat-many DIR N` and `list-count DIR`; `at DIR OP ARGS...` runs one `*-at` operation (or a
//!   listing) on a descriptor opened for DIR, 0.3 only (see `fs::run`).
//! - `p3 stdout TEXT`, `p3 stderr TEXT`: writes TEXT and a newline through a stream of its own
//!   given to 0.3's `write-via-stream`, then prints (through std's 0.2 stdout) whether all was
//!   taken and what the future answered: `p3 stdout-written true Ok(())`.
//! - `p3 stdin`: reads 0.3's `read-via-stream` to its end: `p3 stdin-read "..."`, then what its
//!   future answered: `p3 stdin-done Ok(())`.
//! - `p3 get URL [NAME=VALUE...]`, `p3 post URL BODY [NAME=VALUE...]`: one 0.3 HTTP request
//!   (`request.new` with those headers, then the async `client.send`), printing what each step
//!   answered: `p3 http-new ok`, then `p3 http-send err ErrorCode::HttpRequestDenied` or
//!   `p3 http-status 200`, `p3 http-body ...` and `p3 http-transmitted Ok(())` (the future
//!   `request.new` returned). A `post` body is written by a task of its own while the request is
//!   sent, with a `content-length`; `+NAME=VALUE` arguments of a `post` are trailers instead,
//!   and the body is sent chunked with a `trailer` header naming them. Only in the build with the
//!   `http` feature
//!   (`programs::P3_HTTP`): an app importing `wasi:http` needs a host granting it.
//!
//! Natively it is an empty library, so that the workspace builds.

#![cfg(target_arch = "wasm32")]

mod fs;

use std::collections::HashMap;

use wasip3::cli::{environment, stderr, stdin, stdout};
use wasip3::clocks::{monotonic_clock, system_clock};
use wasip3::filesystem::preopens;
#[cfg(feature = "http")]
use wasip3::http::client;
#[cfg(feature = "http")]
use wasip3::http::types::{ErrorCode, Fields, Method, Request, Response, Scheme};
use wasip3::random::{insecure, insecure_seed, random};
use wasip3::sockets::ip_name_lookup;
use wasip3::sockets::types::{IpAddressFamily, IpSocketAddress, Ipv4SocketAddress, TcpSocket};

struct App;

wasip3::cli::command::export!(App);

impl wasip3::exports::cli::run::Guest for App {
    async fn run() -> Result<(), ()> {
        let args = environment::get_arguments();
        match args.get(1).map(String::as_str) {
            Some("env") => env(),
            Some("time") => {
                let wait_ms = match args.get(2) {
                    Some(arg) => arg.parse().map_err(|_| {
                        eprintln!("WAIT_MS is a number of milliseconds, not {arg:?}");
                    })?,
                    None => 10_000,
                };
                time(wait_ms).await;
            }
            Some("random") => random(),
            Some("connect") => {
                let Some(address) = args.get(2).and_then(|a| a.parse().ok()) else {
                    eprintln!("usage: p3 connect a.b.c.d:port");
                    return Err(());
                };
                connect(address).await;
            }
            Some("resolve") => {
                let Some(name) = args.get(2) else {
                    eprintln!("usage: p3 resolve NAME");
                    return Err(());
                };
                resolve(name.clone()).await;
            }
            Some("preopens") => {
                let directories = preopens::get_directories();
                println!("p3 preopens {}", directories.len());
                for (_, name) in directories {
                    println!("p3 preopen {name}");
                }
            }
            Some(which @ ("stdout" | "stderr")) => {
                let text = args.get(2).cloned().unwrap_or_default();
                let (mut tx, rx) = wasip3::wit_stream::new::<u8>();
                let done = match which {
                    "stdout" => stdout::write_via_stream(rx),
                    _ => stderr::write_via_stream(rx),
                };
                let unsent = tx.write_all(format!("{text}\n").into_bytes()).await;
                drop(tx);
                let result = done.await;
                println!("p3 {which}-written {} {result:?}", unsent.is_empty());
            }
            Some("stdin") => {
                let (data, done) = stdin::read_via_stream();
                let bytes = data.collect().await;
                println!("p3 stdin-read {:?}", String::from_utf8_lossy(&bytes));
                println!("p3 stdin-done {:?}", done.await);
            }
            #[cfg(feature = "http")]
            Some(method @ ("get" | "post")) => {
                let body = (method == "post").then(|| args.get(3).cloned().unwrap_or_default());
                let headers = args.iter().skip(if body.is_some() { 4 } else { 3 });
                let Some(url) = args.get(2) else {
                    eprintln!(
                        "usage: p3 get URL [NAME=VALUE...] | post URL BODY [NAME=VALUE | +NAME=VALUE...]"
                    );
                    return Err(());
                };
                // `+NAME=VALUE`: a trailer.
                let (trailers, headers): (Vec<_>, Vec<_>) = headers
                    .filter_map(|h| h.split_once('='))
                    .map(|(name, value)| (name.to_owned(), value.as_bytes().to_vec()))
                    .partition(|(name, _)| name.starts_with('+'));
                let trailers = trailers
                    .into_iter()
                    .map(|(name, value)| (name[1..].to_owned(), value))
                    .collect();
                http(url, body, headers, trailers).await;
            }
            Some(command) if fs::run(command, &args[2..]).await => {}
            other => {
                eprintln!(
                    "usage: p3 env | time [WAIT_MS] | random | connect ADDR | resolve NAME | \
                     preopens | stdout TEXT | stderr TEXT | stdin | get URL [NAME=VALUE...] | post URL BODY [NAME=VALUE...] \
                     (not {other:?})"
                );
                return Err(());
            }
        }
        Ok(())
    }
}

fn env() {
    let mut vars = environment::get_environment();
    vars.sort();
    for (name, value) in vars {
        println!("p3 env {name}={value}");
    }
    println!("p3 cwd {:?}", environment::get_initial_cwd());
    for arg in environment::get_arguments().iter().skip(1) {
        println!("p3 arg {arg}");
    }
    // The same through std (WASI 0.2).
    let mut vars: Vec<(String, String)> = std::env::vars().collect();
    vars.sort();
    for (name, value) in vars {
        println!("p2 env {name}={value}");
    }
    println!("p2 cwd {:?}", wasip2::cli::environment::initial_cwd());
    for arg in std::env::args().skip(1) {
        println!("p2 arg {arg}");
    }
}

async fn time(wait_ms: u64) {
    let now = system_clock::now();
    println!("p3 system {}.{:09}", now.seconds, now.nanoseconds);
    println!("p3 system-resolution {}", system_clock::get_resolution());
    for _ in 0..3 {
        println!("p3 monotonic {}", monotonic_clock::now());
    }
    println!(
        "p3 monotonic-resolution {}",
        monotonic_clock::get_resolution()
    );

    let wait = wait_ms * 1_000_000;
    let before = monotonic_clock::now();
    monotonic_clock::wait_for(wait).await;
    let after = monotonic_clock::now();
    println!(
        "p3 wait-for advanced={}",
        after.saturating_sub(before) >= wait
    );
    println!("p3 monotonic-after-wait {after}");

    let deadline = monotonic_clock::now() + wait;
    monotonic_clock::wait_until(deadline).await;
    println!(
        "p3 wait-until reached={}",
        monotonic_clock::now() >= deadline
    );

    // The same clocks through WASI 0.2 (std reads the wall clock with `wasi:clocks/wall-clock`).
    let wall = wasip2::clocks::wall_clock::now();
    println!("p2 wall {}.{:09}", wall.seconds, wall.nanoseconds);
    println!("p2 monotonic {}", wasip2::clocks::monotonic_clock::now());
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn random() {
    // 0.3's `get-*-bytes` may return fewer bytes than asked (at least one): read until 16.
    fn bytes(read: fn(u64) -> Vec<u8>) -> Vec<u8> {
        let mut out = Vec::new();
        while out.len() < 16 {
            out.extend(read(16 - out.len() as u64));
        }
        out
    }
    println!("p3 random-bytes {}", hex(&bytes(random::get_random_bytes)));
    println!(
        "p3 random-u64 {} {}",
        random::get_random_u64(),
        random::get_random_u64()
    );
    println!(
        "p3 insecure-bytes {}",
        hex(&bytes(insecure::get_insecure_random_bytes))
    );
    println!("p3 insecure-u64 {}", insecure::get_insecure_random_u64());
    println!("p3 insecure-seed {:?}", insecure_seed::get_insecure_seed());

    use wasip2::random as p2;
    println!("p2 random-bytes {}", hex(&p2::random::get_random_bytes(16)));
    println!(
        "p2 random-u64 {} {}",
        p2::random::get_random_u64(),
        p2::random::get_random_u64()
    );
    println!(
        "p2 insecure-bytes {}",
        hex(&p2::insecure::get_insecure_random_bytes(16))
    );
    println!(
        "p2 insecure-u64 {}",
        p2::insecure::get_insecure_random_u64()
    );
    println!("p2 insecure-seed {:?}", p2::insecure_seed::insecure_seed());

    let map: HashMap<u32, ()> = (0..16).map(|key| (key, ())).collect();
    let order: Vec<&u32> = map.keys().collect();
    println!("p2 hashmap-order {order:?}");
}

async fn connect(address: std::net::SocketAddrV4) {
    let socket = match TcpSocket::create(IpAddressFamily::Ipv4) {
        Ok(socket) => socket,
        Err(e) => {
            println!("p3 tcp-create err {e:?}");
            return;
        }
    };
    println!("p3 tcp-create ok");
    let [a, b, c, d] = address.ip().octets();
    let remote = IpSocketAddress::Ipv4(Ipv4SocketAddress {
        port: address.port(),
        address: (a, b, c, d),
    });
    if let Err(e) = socket.connect(remote).await {
        println!("p3 tcp-connect err {e:?}");
        return;
    }
    println!("p3 tcp-connect ok");
    let (mut writer, reader) = wasip3::wit_stream::new::<u8>();
    let sent = socket.send(reader);
    let unsent = writer.write_all(b"ping".to_vec()).await;
    drop(writer);
    if !unsent.is_empty() {
        println!("p3 tcp-send short");
    }
    if let Err(e) = sent.await {
        println!("p3 tcp-send err {e:?}");
    }
    let (data, _done) = socket.receive();
    let reply = data.collect().await;
    println!("p3 tcp-reply {}", String::from_utf8_lossy(&reply));
}

async fn resolve(name: String) {
    match ip_name_lookup::resolve_addresses(name).await {
        Ok(addresses) => println!("p3 resolve ok {}", addresses.len()),
        Err(e) => println!("p3 resolve err {e:?}"),
    }
}

#[cfg(feature = "http")]
async fn http(
    url: &str,
    body: Option<String>,
    mut headers: Vec<(String, Vec<u8>)>,
    app_trailers: Vec<(String, Vec<u8>)>,
) {
    let (scheme, rest) = match url.split_once("://") {
        Some(("http", rest)) => (Scheme::Http, rest),
        Some(("https", rest)) => (Scheme::Https, rest),
        _ => {
            println!("p3 http-url unsupported {url}");
            return;
        }
    };
    let (authority, path) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, "/"),
    };
    if app_trailers.is_empty() {
        if let Some(body) = &body {
            headers.push(("content-length".into(), body.len().to_string().into_bytes()));
        }
    } else {
        // Sent chunked, with the trailers the `trailer` header announces (HTTP/1.1 clients send
        // no others).
        let names: Vec<&str> = app_trailers.iter().map(|(name, _)| name.as_str()).collect();
        headers.push(("trailer".into(), names.join(", ").into_bytes()));
    }
    let fields = match Fields::from_list(&headers) {
        Ok(fields) => fields,
        Err(e) => {
            println!("p3 http-headers err {e:?}");
            return;
        }
    };
    let (body_tx, contents) = match &body {
        Some(_) => {
            let (tx, rx) = wasip3::wit_stream::new::<u8>();
            (Some(tx), Some(rx))
        }
        None => (None, None),
    };
    let (trailers_tx, trailers) =
        wasip3::wit_future::new::<Result<Option<Fields>, ErrorCode>>(|| Ok(None));
    let (request, transmitted) = Request::new(fields, contents, trailers, None);
    println!("p3 http-new ok");
    let method = if body.is_some() {
        Method::Post
    } else {
        Method::Get
    };
    if request.set_method(&method).is_err()
        || request.set_scheme(Some(&scheme)).is_err()
        || request.set_authority(Some(authority)).is_err()
        || request.set_path_with_query(Some(path)).is_err()
    {
        println!("p3 http-target err");
        return;
    }
    if app_trailers.is_empty() {
        drop(trailers_tx);
    } else {
        let fields =
            Fields::from_list(&app_trailers).map_err(|e| println!("p3 http-trailers err {e:?}"));
        let Ok(fields) = fields else { return };
        wasip3::spawn_local(async move {
            let _ = trailers_tx.write(Ok(Some(fields))).await;
        });
    }
    if let (Some(mut tx), Some(body)) = (body_tx, body) {
        wasip3::spawn_local(async move {
            let unsent = tx.write_all(body.into_bytes()).await;
            if !unsent.is_empty() {
                println!("p3 http-body-write short");
            }
        });
    }
    match client::send(request).await {
        Ok(response) => {
            println!("p3 http-status {}", response.get_status_code());
            let (_, result) = wasip3::wit_future::new::<Result<(), ErrorCode>>(|| Ok(()));
            let (data, _trailers) = Response::consume_body(response, result);
            let data = data.collect().await;
            println!("p3 http-body {}", String::from_utf8_lossy(&data));
            println!("p3 http-transmitted {:?}", transmitted.await);
        }
        Err(e) => println!("p3 http-send err {e:?}"),
    }
}
