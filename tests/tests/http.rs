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

/// One request as the server received it: the request line (`METHOD TARGET`) and the headers,
/// names lowercased.
type Received = (String, Vec<(String, String)>);

/// The body of each request received, as far as its `content-length` says (empty without one),
/// or its chunks with its trailers (names lowercased) when it was sent chunked.
type Bodies = Arc<Mutex<Vec<(Vec<u8>, Vec<(String, String)>)>>>;

/// A one-thread HTTP/1.1 server on 127.0.0.1 that answers `200 ok` to everything and records
/// each request. It stops when dropped, after `MAX_CONNECTIONS` connections, or after
/// `LIFETIME`, whichever comes first.
struct Server {
    port: u16,
    seen: Arc<Mutex<Vec<Received>>>,
    bodies: Bodies,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let bodies = Bodies::default();
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (seen, bodies, stop) = (seen.clone(), bodies.clone(), stop.clone());
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
                            answer(stream, &seen, &bodies);
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
            bodies,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The request lines received.
    fn seen(&self) -> Vec<String> {
        self.received().into_iter().map(|(line, _)| line).collect()
    }

    fn received(&self) -> Vec<Received> {
        self.seen.lock().unwrap().clone()
    }

    /// The bodies received, as text.
    fn bodies(&self) -> Vec<String> {
        let bodies = self.bodies.lock().unwrap();
        bodies
            .iter()
            .map(|(b, _)| String::from_utf8_lossy(b).into_owned())
            .collect()
    }

    /// The trailers of each request received.
    fn trailers(&self) -> Vec<Vec<(String, String)>> {
        let bodies = self.bodies.lock().unwrap();
        bodies.iter().map(|(_, t)| t.clone()).collect()
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

/// Reads the request line and headers (at most 16 KiB, 5 s) and a body of `content-length`
/// bytes, records them, then replies: recording first, so the test sees the request as soon as
/// the app has its answer.
fn answer(mut stream: TcpStream, seen: &Mutex<Vec<Received>>, bodies: &Bodies) -> Option<()> {
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
    let head_end = head
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(head.len(), |at| at + 4);
    let text = String::from_utf8_lossy(&head[..head_end]).into_owned();
    let mut lines = text.lines();
    let line = lines.next()?;
    let line = line.strip_suffix(" HTTP/1.1").unwrap_or(line).to_owned();
    let headers: Vec<(String, String)> = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or(0)
        .min(1 << 20);
    let mut rest = head[head_end..].to_vec();
    let chunked = headers
        .iter()
        .any(|(name, value)| name == "transfer-encoding" && value.contains("chunked"));
    let (body, trailers) = if chunked {
        read_chunked(&mut stream, rest)
    } else {
        while rest.len() < length {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => rest.extend_from_slice(&buf[..n]),
            }
        }
        (rest, Vec::new())
    };
    bodies.lock().unwrap().push((body, trailers));
    seen.lock().unwrap().push((line, headers));
    let _ =
        stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
    Some(())
}

/// A chunked body (its start already read into `read`) and its trailers: chunks of at most
/// 1 MiB in all, each `SIZE\r\nDATA\r\n`, then `0\r\n`, trailer lines and an empty line.
fn read_chunked(stream: &mut TcpStream, mut read: Vec<u8>) -> (Vec<u8>, Vec<(String, String)>) {
    // Reads more of the request into `read`; `false` at its end.
    let more = |stream: &mut TcpStream, read: &mut Vec<u8>| {
        let mut buf = [0u8; 1024];
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => false,
            Ok(n) => {
                read.extend_from_slice(&buf[..n]);
                true
            }
        }
    };
    // The line starting at `at`, which moves past it.
    let line = |stream: &mut TcpStream, read: &mut Vec<u8>, at: &mut usize| loop {
        if let Some(end) = read[*at..].windows(2).position(|w| w == b"\r\n") {
            let text = String::from_utf8_lossy(&read[*at..*at + end]).into_owned();
            *at += end + 2;
            return Some(text);
        }
        if !more(stream, read) {
            return None;
        }
    };
    let (mut body, mut at) = (Vec::new(), 0);
    while let Some(size) = line(stream, &mut read, &mut at) {
        let Ok(size) = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16)
        else {
            return (body, Vec::new());
        };
        if size == 0 {
            break;
        }
        if size > (1 << 20) - body.len() {
            return (body, Vec::new());
        }
        // The data and its `\r\n` (the data may hold `\r\n` itself).
        while read.len() < at + size + 2 {
            if !more(stream, &mut read) {
                return (body, Vec::new());
            }
        }
        body.extend_from_slice(&read[at..at + size]);
        at += size + 2;
    }
    let mut trailers = Vec::new();
    while let Some(text) = line(stream, &mut read, &mut at).filter(|l| !l.is_empty()) {
        if let Some((name, value)) = text.split_once(':') {
            trailers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    (body, trailers)
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

    // Denied, the output imports nothing of HTTP (so it runs on a host without it), and a
    // request fails as a host would refuse it: `HTTP-request-denied`.
    let denied = compose(programs::HTTP_CLIENT, r#"{"http": "deny"}"#);
    let imports = interpose::inspect(&denied).unwrap().imports;
    assert!(
        !imports.iter().any(|i| i.starts_with("wasi:http/")),
        "{imports:?}"
    );
    let options = RunOptions {
        args: vec!["http_client".into(), request("GET", &url)],
        http: false,
        stdio: Stdio::Capture,
        ..RunOptions::default()
    };
    let outcome = runner().run(&denied, &options).unwrap();
    assert!(outcome.trap.is_none(), "{outcome:?}");
    assert_eq!(
        stdout_lines(&outcome),
        [format!("GET {url}: err ErrorCode::HttpRequestDenied")]
    );
    assert_eq!(a.seen(), ["GET /x"]);
}

/// Headers named `name` in one received request.
fn header<'a>(received: &'a Received, name: &str) -> Vec<&'a str> {
    received
        .1
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

#[test]
fn a_rule_sets_and_strips_headers_that_the_app_never_sees() {
    let (api, other) = (Server::start(), Server::start());
    let json = header_rules(&api, &other, ("Authorization", "Bearer injected"));
    let composition = Composer::new(policy(&json))
        .compose(programs::HTTP_CLIENT)
        .unwrap();
    let plugged: Vec<String> = composition.plugged().into_iter().map(|(a, _)| a).collect();
    assert_eq!(plugged, ["http-headers"]);
    let app_headers = "|authorization=Bearer forged|cookie=session=1|x-app=yes";
    let (to_api, to_other) = (api.url("/v1"), other.url("/v1"));
    let lines = client(
        &composition.component,
        &[
            format!("{}{app_headers}", request("GET", &to_api)),
            format!("{}{app_headers}", request("POST", &to_other)),
            request("GET", "http://127.0.0.2:1/denied"),
        ],
    );
    // The app reads back exactly what it set, on both requests.
    let sees = "app sees authorization=Bearer forged; cookie=session=1; x-app=yes";
    assert_eq!(
        lines,
        [
            format!("GET {to_api}: {sees}"),
            ok("GET", &to_api),
            format!("POST {to_other}: {sees}"),
            ok("POST", &to_other),
            denied("GET", "http://127.0.0.2:1/denied"),
        ]
    );
    // The rule's server got the injected credential instead of the app's, and no cookie.
    let got = api.received();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(header(&got[0], "authorization"), ["Bearer injected"]);
    assert!(header(&got[0], "cookie").is_empty(), "{got:?}");
    assert_eq!(header(&got[0], "x-app"), ["yes"]);
    // The other rule changes nothing: the credential never goes there.
    let got = other.received();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(header(&got[0], "authorization"), ["Bearer forged"]);
    assert_eq!(header(&got[0], "cookie"), ["session=1"]);
}

/// The same rules as above, with trailers: the rule's server gets the app's trailers without
/// the names the rule strips or sets; a rule without header changes leaves them all.
#[test]
fn trailers_lose_the_names_a_rule_strips_or_sets() {
    let (api, other) = (Server::start(), Server::start());
    let component = compose(programs::HTTP_CLIENT, &header_rules(&api, &other, API_KEY));
    let trailers = "|+x-api-key=smuggled|+cookie=session=2|+x-sig=abc";
    for server in [&api, &other] {
        let url = server.url("/upload");
        let lines = client(
            &component,
            &[format!("{}{trailers}", request("POST", &url))],
        );
        assert_eq!(lines.last(), Some(&ok("POST", &url)), "{lines:?}");
    }
    assert_eq!(api.trailers(), [fields(&[("x-sig", "abc")])]);
    assert_eq!(other.trailers(), [smuggled_trailers()]);
}

/// An allowlist of two rules: `api`'s sets the header `set` (name, value) and strips `cookie`,
/// `other`'s changes nothing.
fn header_rules(api: &Server, other: &Server, (name, value): (&str, &str)) -> String {
    format!(
        r#"{{"http": {{"allow": [
            {{"authority": "127.0.0.1:{}", "schemes": ["http"],
              "set-headers": {{"{name}": "{value}"}}, "strip-headers": ["cookie"]}},
            {{"authority": "127.0.0.1:{}"}}
        ]}}}}"#,
        api.port, other.port
    )
}

/// The header the trailer tests' rule sets. (Not `authorization`: HTTP/1.1 clients never send it
/// as a trailer, so it would be missing with or without the rule.)
const API_KEY: (&str, &str) = ("X-Api-Key", "injected");

fn fields(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

/// The trailers the trailer tests send, as a server receives them unchanged.
fn smuggled_trailers() -> Vec<(String, String)> {
    fields(&[
        ("x-api-key", "smuggled"),
        ("cookie", "session=2"),
        ("x-sig", "abc"),
    ])
}

#[test]
fn a_request_retargeted_after_its_headers_were_decided_is_refused() {
    // The credential was added for `api` when the body was taken; pointing the request at
    // another server afterwards must not carry it there.
    let (api, other) = (Server::start(), Server::start());
    let json = format!(
        r#"{{"http": {{"allow": [
            {{"authority": "127.0.0.1:{}", "schemes": ["http"],
              "set-headers": {{"authorization": "Bearer injected"}}}},
            {{"authority": "127.0.0.1:{}"}}
        ]}}}}"#,
        api.port, other.port
    );
    let composed = compose(programs::HTTP_CLIENT, &json);
    let url = api.url("/");
    let retarget = format!("|x=1|@authority=127.0.0.1:{}", other.port);
    let lines = client(&composed, &[format!("{}{retarget}", request("GET", &url))]);
    assert_eq!(lines[1], denied("GET", &url));
    assert!(api.received().is_empty() && other.received().is_empty());
}

#[test]
fn a_credential_is_not_sent_in_clear_unless_the_rule_says_http() {
    let server = Server::start();
    let json = format!(
        r#"{{"http": {{"allow": [
            {{"authority": "127.0.0.1:{}", "set-headers": {{"authorization": "Bearer injected"}}}}
        ]}}}}"#,
        server.port
    );
    let composed = compose(programs::HTTP_CLIENT, &json);
    let url = server.url("/");
    let lines = client(&composed, &[request("GET", &url)]);
    assert_eq!(lines, [denied("GET", &url)]);
    assert!(server.received().is_empty());
}

#[test]
fn without_header_changes_requests_stay_the_hosts_own() {
    // The rewrite above is the adapter's doing: the plain `http` adapter sends what the app set.
    let server = Server::start();
    let json = format!(
        r#"{{"http": {{"allow": [{{"authority": "127.0.0.1:{}"}}]}}}}"#,
        server.port
    );
    let composed = compose(programs::HTTP_CLIENT, &json);
    let url = server.url("/");
    let lines = client(
        &composed,
        &[format!("{}|authorization=mine", request("GET", &url))],
    );
    assert_eq!(lines[1], ok("GET", &url));
    assert_eq!(header(&server.received()[0], "authorization"), ["mine"]);
}

#[test]
fn header_changes_are_refused_for_an_app_that_serves_http() {
    // The export is an empty instance of its own: importing `incoming-handler` under an `http`
    // section would be refused (interpose cannot attenuate it).
    let app = wat::parse_str(
        r#"(component
             (import "wasi:http/types@0.2.0" (instance))
             (instance $h)
             (export "wasi:http/incoming-handler@0.2.0" (instance $h)))"#,
    )
    .unwrap();
    let policy = policy(r#"{"http": {"allow": [{"set-headers": {"x-a": "1"}}]}}"#);
    let error = Composer::new(policy).compose(&app).unwrap_err().to_string();
    assert!(error.contains("the app serves HTTP"), "{error}");
}

#[test]
fn inspect_says_when_header_changes_need_a_newer_host() {
    // The `http-headers` adapter is built against wasi:http 0.2.12 (it must export every item a
    // newer app's import names), so an app of 0.2.0 then needs 0.2.12 from its host.
    let app = wat::parse_str(
        r#"(component
             (import "wasi:http/types@0.2.0" (instance))
             (import "wasi:http/outgoing-handler@0.2.0" (instance)))"#,
    )
    .unwrap();
    let policy = policy(r#"{"http": {"allow": [{"strip-headers": ["cookie"]}]}}"#);
    let composed = Composer::new(policy).compose(&app).unwrap().component;
    let inspection = interpose::inspect(&composed).unwrap();
    assert!(
        inspection
            .raised_versions()
            .contains(&("wasi:http/types@0.2.0", "wasi:http/types@0.2.12")),
        "{inspection}"
    );
    assert!(
        inspection
            .to_string()
            .contains("note: the app imports wasi:http/types@0.2.0")
    );
    // Apps of 0.2.12 need nothing newer.
    let composed = compose(
        programs::HTTP_CLIENT,
        r#"{"http": {"allow": [{"strip-headers": ["cookie"]}]}}"#,
    );
    assert!(
        interpose::inspect(&composed)
            .unwrap()
            .raised_versions()
            .is_empty()
    );
}

/// With a denied stdin (an empty stream of interpose's own), the app's streams are interpose's,
/// so HTTP is wrapped by the `stdio-all` adapter in front of the allowlist: requests still go
/// out as the allowlist says, and response bodies come back through interpose's streams.
#[test]
fn requests_work_when_the_apps_streams_are_interposes() {
    let a = Server::start();
    let json = format!(
        r#"{{"stdio": {{"stdin": "deny"}}, "http": {{"allow": [
            {{"authority": "127.0.0.1:{}", "methods": ["GET", "POST"], "schemes": ["http"]}}
        ]}}}}"#,
        a.port
    );
    let composition = Composer::new(policy(&json))
        .compose(programs::HTTP_CLIENT)
        .unwrap();
    let plugged: Vec<String> = composition.plugged().into_iter().map(|(a, _)| a).collect();
    assert!(
        plugged.contains(&"stdio-all".to_owned()) && plugged.contains(&"http".to_owned()),
        "{plugged:?}"
    );
    let url = a.url("/x");
    assert_eq!(
        client(
            &composition.component,
            &[
                request("GET", &url),
                request("POST", &url),
                request("GET", "http://127.0.0.2:1/denied")
            ]
        ),
        [
            ok("GET", &url),
            ok("POST", &url),
            "GET http://127.0.0.2:1/denied: err ErrorCode::HttpRequestDenied".to_owned()
        ]
    );
    assert_eq!(a.seen(), ["GET /x", "POST /x"]);
}

// ---------------------------------------------------------------------------------------------
// WASI 0.3: `programs::P3_HTTP` (`get`, `post`) through the `http-p3` adapter.

/// Runs the 0.3 app with `args` on a host that grants HTTP if `http`; its stdout lines starting
/// with `p3 `, without it.
fn p3(component: &[u8], args: &[&str], http: bool) -> Vec<String> {
    let options = RunOptions {
        args: ["app"].iter().chain(args).map(|a| a.to_string()).collect(),
        http,
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
        .into_iter()
        .filter_map(|l| l.strip_prefix("p3 ").map(str::to_owned))
        .collect()
}

/// What the 0.3 app prints for a request the server answered.
fn p3_ok() -> Vec<String> {
    [
        "http-new ok",
        "http-status 200",
        "http-body ok",
        "http-transmitted Ok(())",
    ]
    .map(str::to_owned)
    .to_vec()
}

/// What it prints for a request refused at `send`.
fn p3_denied() -> Vec<String> {
    ["http-new ok", "http-send err ErrorCode::HttpRequestDenied"]
        .map(str::to_owned)
        .to_vec()
}

#[test]
fn at_0_3_only_allowed_requests_leave_the_app() {
    let server = Server::start();
    let json = format!(
        r#"{{"http": {{"allow": [{{"authority": "127.0.0.1:{}", "methods": ["GET"],
            "paths": ["/ok"]}}]}}}}"#,
        server.port
    );
    let composition = Composer::new(policy(&json))
        .compose(programs::P3_HTTP)
        .unwrap();
    let plugged: Vec<String> = composition.plugged().into_iter().map(|(a, _)| a).collect();
    assert_eq!(plugged, ["http-p3"]);
    let routes = interpose::inspect(&composition.component).unwrap().routes;
    let route = |prefix: &str| {
        routes
            .iter()
            .find(|(name, _)| name.starts_with(prefix))
            .map(|(_, route)| route.clone())
    };
    assert_eq!(
        route("wasi:http/client@0.3."),
        Some(Route::Adapter("http-p3".into()))
    );
    assert_eq!(route("wasi:http/types@0.3."), Some(Route::Host));

    let component = &composition.component;
    assert_eq!(p3(component, &["get", &server.url("/ok")], true), p3_ok());
    // Another path, another method: refused at `send`, never sent.
    assert_eq!(
        p3(component, &["get", &server.url("/other")], true),
        p3_denied()
    );
    // The refused request is dropped with its body unread: the app's body task sees its stream
    // closed.
    let mut denied_post = p3_denied();
    denied_post.push("http-body-write short".into());
    assert_eq!(
        p3(component, &["post", &server.url("/ok"), "data"], true),
        denied_post
    );
    assert_eq!(server.seen(), ["GET /ok"]);
    // Unchanged, the app's own request reaches the server: its headers as it set them.
    assert_eq!(
        p3(component, &["get", &server.url("/ok"), "x-app=yes"], true),
        p3_ok()
    );
    let got = server.received();
    assert_eq!(header(&got[1], "x-app"), ["yes"], "{got:?}");
}

#[test]
fn at_0_3_a_rule_sets_and_strips_headers_and_the_body_is_moved_over() {
    let (api, other) = (Server::start(), Server::start());
    let json = header_rules(&api, &other, ("Authorization", "Bearer injected"));
    let composition = Composer::new(policy(&json))
        .compose(programs::P3_HTTP)
        .unwrap();
    let plugged: Vec<String> = composition.plugged().into_iter().map(|(a, _)| a).collect();
    assert_eq!(plugged, ["http-p3"]);
    let app_headers = [
        "authorization=Bearer forged",
        "cookie=session=1",
        "x-app=yes",
    ];
    let run = |url: String, body: Option<&str>| {
        let mut args = vec![if body.is_some() { "post" } else { "get" }.to_owned(), url];
        args.extend(body.map(str::to_owned));
        args.extend(app_headers.iter().map(|h| h.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        p3(&composition.component, &args, true)
    };
    let body = "a body of the app's, streamed";
    for (url, body) in [(api.url("/v1"), Some(body)), (api.url("/v2"), None)] {
        let lines = run(url, body);
        assert_eq!(lines, p3_ok());
        assert!(!lines.iter().any(|l| l.contains("injected")), "{lines:?}");
    }
    assert_eq!(run(other.url("/v1"), Some(body)), p3_ok());
    // The rule's server got the injected credential instead of the app's, no cookie, and the
    // app's body through the new request.
    let got = api.received();
    assert_eq!(got.len(), 2, "{got:?}");
    for request in &got {
        assert_eq!(header(request, "authorization"), ["Bearer injected"]);
        assert!(header(request, "cookie").is_empty(), "{got:?}");
        assert_eq!(header(request, "x-app"), ["yes"]);
    }
    assert_eq!(api.seen(), ["POST /v1", "GET /v2"]);
    assert_eq!(api.bodies(), [body, ""]);
    // The other rule changes nothing: the credential never goes there.
    let got = other.received();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(header(&got[0], "authorization"), ["Bearer forged"]);
    assert_eq!(header(&got[0], "cookie"), ["session=1"]);
    assert_eq!(other.bodies(), [body]);
}

/// Trailers cannot smuggle what a rule strips or sets: the rule's server gets the app's trailers
/// without those names, the body whole; a rule without header changes leaves them all.
#[test]
fn at_0_3_trailers_lose_the_names_a_rule_strips_or_sets() {
    let (api, other) = (Server::start(), Server::start());
    let component = compose(programs::P3_HTTP, &header_rules(&api, &other, API_KEY));
    let trailers = ["+x-api-key=smuggled", "+cookie=session=2", "+x-sig=abc"];
    for server in [&api, &other] {
        let url = server.url("/upload");
        let mut args = vec!["post", &url, "a chunked body"];
        args.extend(trailers);
        assert_eq!(p3(&component, &args, true), p3_ok());
        assert_eq!(server.bodies(), ["a chunked body"]);
    }
    assert_eq!(api.trailers(), [fields(&[("x-sig", "abc")])]);
    assert_eq!(other.trailers(), [smuggled_trailers()]);
    // The headers, as with any request of the rule.
    let got = api.received();
    assert_eq!(header(&got[0], "x-api-key"), ["injected"]);
}

#[test]
fn at_0_3_denied_http_answers_at_send_and_imports_no_client() {
    let server = Server::start();
    for json in [
        r#"{"http": "deny"}"#,
        r#"{"default": "deny", "stdio": {"stdout": "inherit"}, "env": {}}"#,
    ] {
        let component = compose(programs::P3_HTTP, json);
        let imports = interpose::inspect(&component).unwrap().imports;
        assert!(
            !imports.iter().any(|i| i.starts_with("wasi:http/client")),
            "{json}: {imports:?}"
        );
        // The host's types build the request; no host HTTP is needed, and `send` refuses it.
        assert_eq!(
            p3(&component, &["get", &server.url("/x")], false),
            p3_denied(),
            "{json}"
        );
    }
    assert!(server.seen().is_empty());
}

#[test]
fn at_0_3_an_imported_handler_is_refused_under_an_allowlist() {
    let app = interpose_tests::component_importing(&[
        ("wasi:http/types@0.3.2", "f", "(func)"),
        ("wasi:http/handler@0.3.2", "handle", "(func)"),
    ]);
    let error = match Composer::new(policy(
        r#"{"http": {"allow": [{"authority": "example.com"}]}}"#,
    ))
    .compose(&app)
    {
        Ok(_) => panic!("an imported handler composed under an allowlist"),
        Err(error) => error,
    };
    let text = error.to_string();
    assert!(
        text.contains("`wasi:http/handler@0.3.2`") && text.contains("not checked"),
        "{text}"
    );
}

/// 0.3 HTTP on jco (`jco::run_p3`, preview3-shim's client): a request the allowlist passes as it
/// is, and one it refuses, print on jco what they print on wasmtime, and the server gets the same
/// request from both.
///
/// What does not run yet: a request whose rule changes headers. The adapter sends a new request
/// with the body stream it took from the app's (`consume-body`), and jco 1.35.0 does not hand a
/// stream that came from the host back to the host's `request.new` (`TypeError: Cannot use 'in'
/// operator to search for 'Symbol(Symbol.asyncIterator)' in undefined`): the app stops and
/// nothing is sent. This test says so until it changes, and then fails.
#[test]
fn at_0_3_jco_sends_what_wasmtime_sends() {
    let (api, other) = (Server::start(), Server::start());
    let component = compose(programs::P3_HTTP, &header_rules(&api, &other, API_KEY));
    let on_jco = |args: &[&str]| interpose_tests::jco::run_p3(&component, args, &[], &[]);
    let other_url = other.url("/v1");
    for args in [
        &["get", &other_url, "cookie=session=1"][..],
        &["post", &other_url, "body"],
        &["get", "http://127.0.0.2:1/denied"],
    ] {
        let wasmtime = p3(&component, args, true);
        let output = on_jco(args);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{args:?} on jco: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let jco: Vec<&str> = stdout
            .lines()
            .filter_map(|l| l.strip_prefix("p3 "))
            .collect();
        assert_eq!(jco, wasmtime, "{args:?}");
    }
    // Each allowed request reached `other` twice, alike; the refused one went nowhere.
    let got = other.received();
    let request = |(line, headers): &Received| {
        let headers: Vec<_> = headers
            .iter()
            .filter(|(n, _)| n != "connection")
            .cloned()
            .collect();
        (line.clone(), headers)
    };
    assert_eq!(got.len(), 4, "{got:?}");
    assert_eq!(request(&got[0]), request(&got[1]));
    assert_eq!(request(&got[2]), request(&got[3]));
    assert_eq!(other.bodies(), ["", "", "body", "body"]);
    // A rule that changes headers: wasmtime sends, jco stops the app before anything is sent.
    let api_url = api.url("/v1");
    let args = ["get", api_url.as_str(), "cookie=session=1"];
    assert_eq!(p3(&component, &args, true), p3_ok());
    let output = on_jco(&args);
    assert!(
        !output.status.success(),
        "header changes now run on jco: assert what they print above"
    );
    assert_eq!(api.seen(), ["GET /v1"]);
}
