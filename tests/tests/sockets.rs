//! The `sockets` allowlists: connects, name lookups, and resolve-then-connect, against echo
//! servers on loopback.

use std::io::ErrorKind;
use std::net::TcpListener;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use interpose::RunOptions;
use interpose_policy::compiled::Route;
use interpose_tests::{compose, pong_server, programs, run, stdout_lines};

/// How long a server waits for its clients before giving up.
const SERVE_FOR: Duration = Duration::from_secs(60);

fn listen(ip: &str) -> Option<(TcpListener, u16)> {
    let listener = TcpListener::bind((ip, 0)).ok()?;
    let port = listener.local_addr().unwrap().port();
    Some((listener, port))
}

/// Whether anyone connected to `listener` (which nobody accepts from): the kernel queues
/// completed connections even when nobody accepts them.
fn was_contacted(listener: &TcpListener) -> bool {
    listener.set_nonblocking(true).unwrap();
    match listener.accept() {
        Ok(_) => true,
        Err(e) if e.kind() == ErrorKind::WouldBlock => false,
        Err(e) => panic!("accept: {e}"),
    }
}

fn client(policy: &str, addrs: &[String]) -> Vec<String> {
    let composed = compose(programs::TCP_CLIENT, policy);
    let mut args = vec!["tcp_client".to_owned()];
    args.extend(addrs.iter().cloned());
    let outcome = run(
        &composed,
        RunOptions {
            args,
            network: true,
            ..RunOptions::default()
        },
    );
    stdout_lines(&outcome)
}

#[test]
fn the_allowlist_form_plugs_the_adapter_and_keeps_the_hosts_network() {
    let composed = compose(
        programs::TCP_CLIENT,
        r#"{"sockets": {"connect": ["127.0.0.1:1"]}}"#,
    );
    let routes = interpose::inspect(&composed).unwrap().routes;
    let route = |name: &str| {
        routes
            .iter()
            .find(|(import, _)| import.split('@').next() == Some(name))
            .map(|(_, route)| route.clone())
    };
    assert_eq!(
        route("wasi:sockets/tcp"),
        Some(Route::Adapter("sockets".into())),
        "{routes:?}"
    );
    assert_eq!(
        route("wasi:sockets/instance-network"),
        Some(Route::Host),
        "{routes:?}"
    );
}

#[test]
fn only_listed_addresses_and_ports_connect() {
    let (allowed, port) = listen("127.0.0.1").unwrap();
    let (other_port, other) = listen("127.0.0.1").unwrap();
    // Another loopback address, same port: the address is checked, not just the port.
    let other_ip = listen("127.0.0.2").and_then(|_| TcpListener::bind(("127.0.0.2", port)).ok());
    let server = pong_server(allowed, 1);

    let policy = format!(r#"{{"sockets": {{"connect": ["127.0.0.1:{port}"]}}}}"#);
    let mut addrs = vec![format!("127.0.0.1:{port}"), format!("127.0.0.1:{other}")];
    if other_ip.is_some() {
        addrs.push(format!("127.0.0.2:{port}"));
    }
    let mut expected = vec![
        format!("127.0.0.1:{port}: ok pong"),
        format!("127.0.0.1:{other}: err PermissionDenied"),
    ];
    if other_ip.is_some() {
        expected.push(format!("127.0.0.2:{port}: err PermissionDenied"));
    }
    assert_eq!(client(&policy, &addrs), expected);
    assert_eq!(server.join().unwrap(), 1);
    assert!(!was_contacted(&other_port));
    if let Some(other_ip) = &other_ip {
        assert!(!was_contacted(other_ip));
    }
}

#[test]
fn ranges_and_cidrs_match() {
    let (listener, port) = listen("127.0.0.1").unwrap();
    let server = pong_server(listener, 1);
    let policy = format!(
        r#"{{"sockets": {{"connect": ["127.0.0.0/8:{}-{port}"]}}}}"#,
        port - 1
    );
    assert_eq!(
        client(&policy, &[format!("127.0.0.1:{port}")]),
        [format!("127.0.0.1:{port}: ok pong")]
    );
    assert_eq!(server.join().unwrap(), 1);
}

#[test]
fn names_resolve_only_if_listed() {
    let (listener, port) = listen("127.0.0.1").unwrap();
    let server = pong_server(listener, 1);
    let connect = format!(r#""connect": ["127.0.0.1:{port}", "[::1]:{port}"]"#);
    let allowed = client(
        &format!(r#"{{"sockets": {{{connect}, "resolve": ["LOCAL*"]}}}}"#),
        &[format!("localhost:{port}")],
    );
    assert_eq!(allowed, [format!("localhost:{port}: ok pong")]);
    assert_eq!(server.join().unwrap(), 1);

    let (listener, port) = listen("127.0.0.1").unwrap();
    let connect = format!(r#""connect": ["127.0.0.1:{port}", "[::1]:{port}"]"#);
    let denied = client(
        &format!(r#"{{"sockets": {{{connect}, "resolve": ["example.com"]}}}}"#),
        &[format!("localhost:{port}")],
    );
    // The lookup fails with `access-denied`, which std reports as `PermissionDenied`.
    assert_eq!(denied, [format!("localhost:{port}: err PermissionDenied")]);
    assert!(!was_contacted(&listener));
}

#[test]
fn an_allowed_name_does_not_allow_its_addresses() {
    let (listener, port) = listen("127.0.0.1").unwrap();
    let policy = format!(
        r#"{{"sockets": {{"connect": ["127.0.0.1:{}"], "resolve": ["localhost"]}}}}"#,
        port.wrapping_add(1)
    );
    assert_eq!(
        client(&policy, &[format!("localhost:{port}")]),
        [format!("localhost:{port}: err PermissionDenied")]
    );
    assert!(!was_contacted(&listener));
}

/// Answers `pong` to at most `datagrams` pings, for at most [`SERVE_FOR`].
fn serve_udp(socket: std::net::UdpSocket, datagrams: usize) -> JoinHandle<usize> {
    socket
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    std::thread::spawn(move || {
        let deadline = Instant::now() + SERVE_FOR;
        let mut served = 0;
        let mut buf = [0u8; 16];
        while served < datagrams && Instant::now() < deadline {
            if let Ok((_, from)) = socket.recv_from(&mut buf) {
                socket.send_to(b"pong", from).unwrap();
                served += 1;
            }
        }
        served
    })
}

fn udp_client(policy: &str, args: &[String]) -> Vec<String> {
    let composed = compose(programs::UDP_CLIENT, policy);
    let mut all = vec!["udp_client".to_owned()];
    all.extend(args.iter().cloned());
    let outcome = run(
        &composed,
        RunOptions {
            args: all,
            network: true,
            ..RunOptions::default()
        },
    );
    stdout_lines(&outcome)
}

#[test]
fn udp_is_denied_unless_listed_and_every_datagram_is_checked() {
    let server = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port();
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    silent.set_nonblocking(true).unwrap();
    let other = silent.local_addr().unwrap().port();
    let served = serve_udp(server, 1);

    let args = [
        "127.0.0.1:0".to_owned(),
        format!("127.0.0.1:{port}"),
        format!("127.0.0.1:{other}"),
    ];
    // `udp` left out: creating a UDP socket fails.
    let denied = udp_client(r#"{"sockets": {"bind": ["127.0.0.1:*"]}}"#, &args);
    assert_eq!(denied, ["bind: err PermissionDenied"]);
    // Binding is checked too.
    let policy = format!(r#"{{"sockets": {{"udp": ["127.0.0.1:{port}"]}}}}"#);
    assert_eq!(udp_client(&policy, &args), ["bind: err PermissionDenied"]);

    let policy =
        format!(r#"{{"sockets": {{"bind": ["127.0.0.1:0"], "udp": ["127.0.0.1:{port}"]}}}}"#);
    assert_eq!(
        udp_client(&policy, &args),
        [
            "bind: ok".to_owned(),
            format!("127.0.0.1:{port}: ok pong"),
            format!("127.0.0.1:{other}: err PermissionDenied"),
        ]
    );
    assert_eq!(served.join().unwrap(), 1);
    let mut buf = [0u8; 16];
    assert!(
        silent.recv_from(&mut buf).is_err(),
        "a denied datagram arrived"
    );
}

#[test]
fn a_strict_policy_can_open_sockets_by_allowlist() {
    let (listener, port) = listen("127.0.0.1").unwrap();
    let server = pong_server(listener, 1);
    // wasi-libc waits for connections with the monotonic clock, which strict would deny.
    let policy = format!(
        r#"{{"default": "deny", "stdio": {{"stdout": "inherit", "stderr": "inherit"}},
            "clocks": {{}}, "sockets": {{"connect": ["127.0.0.1:{port}"]}}}}"#
    );
    assert_eq!(
        client(&policy, &[format!("127.0.0.1:{port}")]),
        [format!("127.0.0.1:{port}: ok pong")]
    );
    assert_eq!(server.join().unwrap(), 1);
    // Strict denies stdin, an empty stream of interpose's own: so the app's streams are all
    // interpose's, and the connection's too, wrapped in front of the allowlist.
    let plugged: Vec<String> = interpose::Composer::new(interpose_tests::policy(&policy))
        .compose(programs::TCP_CLIENT)
        .unwrap()
        .plugged()
        .into_iter()
        .map(|(adapter, _)| adapter)
        .collect();
    assert!(
        plugged.contains(&"stdio-sockets".to_owned()) && plugged.contains(&"sockets".to_owned()),
        "{plugged:?}"
    );
}
