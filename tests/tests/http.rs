//! `http`: outgoing requests allowed by an allowlist, against a tiny HTTP/1.1 server on loopback.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use interpose::{Composer, RunOptions, Stdio};
use interpose_policy::compiled::Route;
use interpose_tests::{compose, policy, programs, runner, stdout_lines};

/// The most connections one server accepts, and how long it lives at most.
const MAX_CONNECTIONS: usize = 16;
const LIFETIME: Duration = Duration::from_secs(120);

/// A one-thread HTTP/1.1 server on 127.0.0.1 that answers `200 ok` to everything and records
/// each request line (`METHOD TARGET`). It stops when dropped, after `MAX_CONNECTIONS`
/// connections, or after `LIFETIME`, whichever comes first.
struct Server {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (seen, stop) = (seen.clone(), stop.clone());
            std::thread::spawn(move || {
                let deadline = Instant::now() + LIFETIME;
                let mut served = 0;
                while served < MAX_CONNECTIONS
                    && !stop.load(Ordering::SeqCst)
                    && Instant::now() < deadline
                {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            served += 1;
                            answer(stream, &seen);
                        }
                        Err(e) if e.kind() == ErrorKind::WouldBlock => {
                            std::thread::sleep(Duration::from_millis(10));
                        }
                        Err(_) => break,
                    }
                }
            })
        };
        Server {
            port,
            seen,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads the request line and headers (at most 16 KiB, 5 s), records the request line, then
/// replies: recording first, so the test sees the line as soon as the app has its answer.
fn answer(mut stream: TcpStream, seen: &Mutex<Vec<String>>) -> Option<()> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head);
    let line = text.lines().next()?;
    let line = line.strip_suffix(" HTTP/1.1").unwrap_or(line).to_owned();
    seen.lock().unwrap().push(line);
    let _ =
        stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
    Some(())
}

/// Runs `http_client` with `requests` (`METHOD:URL`) on a host that grants HTTP.
fn client(component: &[u8], requests: &[String]) -> Vec<String> {
    let mut args = vec!["http_client".to_owned()];
    args.extend(requests.iter().cloned());
    let options = RunOptions {
        args,
        http: true,
        stdio: Stdio::Capture,
        ..RunOptions::default()
    };
    let outcome = runner().run(component, &options).unwrap();
    assert!(
        outcome.trap.is_none() && outcome.exit_code == 0,
        "{outcome:?}\nstderr: {}",
        String::from_utf8_lossy(&outcome.stderr)
    );
    stdout_lines(&outcome)
}

fn request(method: &str, url: &str) -> String {
    format!("{method}:{url}")
}

fn ok(method: &str, url: &str) -> String {
    format!("{method} {url}: ok 200")
}

fn denied(method: &str, url: &str) -> String {
    format!("{method} {url}: err ErrorCode::HttpRequestDenied")
}

#[test]
fn the_app_reaches_the_server_without_a_policy() {
    let (a, b) = (Server::start(), Server::start());
    let requests = [
        ("GET", a.url("/api/items?x=1")),
        ("POST", a.url("/api/items")),
        ("GET", a.url("/private")),
        ("GET", b.url("/api/items")),
    ];
    let args: Vec<String> = requests.iter().map(|(m, u)| request(m, u)).collect();
    let lines = client(programs::HTTP_CLIENT, &args);
    let expected: Vec<String> = requests.iter().map(|(m, u)| ok(m, u)).collect();
    assert_eq!(lines, expected);
    assert_eq!(
        a.seen(),
        ["GET /api/items?x=1", "POST /api/items", "GET /private"]
    );
    assert_eq!(b.seen(), ["GET /api/items"]);
}

#[test]
fn only_allowed_requests_leave_the_app() {
    let (a, b) = (Server::start(), Server::start());
    let json = format!(
        r#"{{"http": {{"allow": [
            {{"authority": "127.0.0.1:{}", "methods": ["GET"], "schemes": ["http"],
              "paths": ["/api/*"]}}
        ]}}}}"#,
        a.port
    );
    let composition = Composer::new(policy(&json))
        .compose(programs::HTTP_CLIENT)
        .unwrap();
    let handler = composition
        .routes
        .iter()
        .find(|(import, _)| import.starts_with("wasi:http/outgoing-handler@"))
        .expect("the app imports outgoing-handler");
    assert_eq!(handler.1, Route::Adapter("http".into()));
    // The adapter does not replace `wasi:http/types`: requests and bodies stay the host's.
    let types = composition
        .routes
        .iter()
        .find(|(import, _)| import.starts_with("wasi:http/types@"))
        .expect("the app imports types");
    assert_eq!(types.1, Route::Host);

    let requests = [
        ("GET", a.url("/api/items?x=1"), true),
        ("GET", a.url("/api/other"), true),
        ("POST", a.url("/api/items"), false),
        ("GET", a.url("/private"), false),
        ("GET", a.url("/api/items/deeper"), false),
        ("GET", a.url("/api/../private"), false),
        ("GET", b.url("/api/items"), false),
    ];
    let args: Vec<String> = requests.iter().map(|(m, u, _)| request(m, u)).collect();
    let lines = client(&composition.component, &args);
    let expected: Vec<String> = requests
        .iter()
        .map(|(m, u, allowed)| if *allowed { ok(m, u) } else { denied(m, u) })
        .collect();
    assert_eq!(lines, expected);
    assert_eq!(a.seen(), ["GET /api/items?x=1", "GET /api/other"]);
    assert!(b.seen().is_empty(), "{:?}", b.seen());
}

#[test]
fn an_empty_allowlist_refuses_everything_with_an_error() {
    let a = Server::start();
    let composed = compose(programs::HTTP_CLIENT, r#"{"http": {"allow": []}}"#);
    let url = a.url("/");
    let lines = client(&composed, &[request("GET", &url)]);
    assert_eq!(lines, [denied("GET", &url)]);
    assert!(a.seen().is_empty());
}

#[test]
fn host_passes_through_and_deny_removes_the_handler() {
    let a = Server::start();
    let url = a.url("/x");
    let host = compose(programs::HTTP_CLIENT, r#"{"http": "host"}"#);
    assert_eq!(client(&host, &[request("GET", &url)]), [ok("GET", &url)]);

    let denied = compose(programs::HTTP_CLIENT, r#"{"http": "deny"}"#);
    let imports = interpose::inspect(&denied).unwrap().imports;
    assert!(
        !imports
            .iter()
            .any(|i| i.starts_with("wasi:http/outgoing-handler")),
        "{imports:?}"
    );
    let options = RunOptions {
        args: vec!["http_client".into(), request("GET", &url)],
        http: true,
        stdio: Stdio::Capture,
        ..RunOptions::default()
    };
    let outcome = runner().run(&denied, &options).unwrap();
    assert!(outcome.trap.is_some(), "{outcome:?}");
    assert_eq!(a.seen(), ["GET /x"]);
}
