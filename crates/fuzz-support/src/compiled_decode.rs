//! The `compiled_decode` target: bytes served as a baked-in policy, read and decoded as the
//! adapters do, and as `interpose inspect` does for a component someone else composed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use interpose_policy::clocks::{
    ClockRules, MonotonicRule, VirtualMonotonic, VirtualWall, WallRule,
};
use interpose_policy::compiled::{
    CompiledPolicy, EnvRules, decode, encode, load_section, read_source,
};
use interpose_policy::fs::FsRules;
use interpose_policy::http::HttpRules;
use interpose_policy::random::{RandomRules, SeededRandom};
use interpose_policy::sockets::SocketRules;
use interpose_policy::stdio::StdioRules;

/// The target: never a panic, whatever the bytes.
pub fn compiled_decode(data: &[u8]) {
    // Served by `interpose:policy/source` 8 bytes at a time, as the adapters read it.
    let len = u32::try_from(data.len()).expect("fuzz inputs are small");
    let chunk = |index: u32| {
        let mut word = [0u8; 8];
        let start = index as usize * 8;
        let end = (start + 8).min(data.len());
        word[..end - start].copy_from_slice(&data[start..end]);
        u64::from_le_bytes(word)
    };
    let bytes = read_source(len, chunk);
    assert_eq!(bytes, data, "read_source reassembles what was served");

    // Each adapter loads its own section (`load_section`, which `load_section_or_stop` stops
    // the app on when it fails: a policy interpose did not make), and runs it.
    if let Ok(Some(env)) = load_section::<EnvRules>(len, &chunk, |e| e.env) {
        exercise_env(&env);
    }
    if let Ok(Some(fs)) = load_section::<FsRules>(len, &chunk, |e| e.fs) {
        exercise_fs(&fs);
    }
    if let Ok(Some(clocks)) = load_section::<ClockRules>(len, &chunk, |e| e.clocks) {
        exercise_clocks(&clocks);
    }
    if let Ok(Some(random)) = load_section::<RandomRules>(len, &chunk, |e| e.random) {
        exercise_random(random);
    }
    if let Ok(Some(http)) = load_section::<HttpRules>(len, &chunk, |e| e.http) {
        exercise_http(&http);
    }
    if let Ok(Some(sockets)) = load_section::<SocketRules>(len, &chunk, |e| e.sockets) {
        exercise_sockets(&sockets);
    }
    let _ = load_section::<StdioRules>(len, &chunk, |e| e.stdio);

    // `inspect` decodes everything and prints its summary.
    if let Ok(policy) = decode(&bytes) {
        let _ = interpose::summary::describe(&policy);
        // What decodes encodes back to the same.
        assert_eq!(decode(&encode(&policy)).as_ref(), Ok(&policy));
    }
}

/// Runs every rule of `policy` over a few inputs, as the adapters would.
pub fn exercise(policy: &CompiledPolicy) {
    if let Some(env) = &policy.env {
        exercise_env(env);
    }
    if let Some(fs) = &policy.fs {
        exercise_fs(fs);
    }
    if let Some(clocks) = &policy.clocks {
        exercise_clocks(clocks);
    }
    if let Some(random) = policy.random {
        exercise_random(random);
    }
    if let Some(http) = &policy.http {
        exercise_http(http);
    }
    if let Some(sockets) = &policy.sockets {
        exercise_sockets(sockets);
    }
}

const NAMES: &[&str] = &["", "PATH", "github_token", "ÄB", "a*b", "İ", "ß", "\u{0}"];

fn exercise_env(env: &EnvRules) {
    for name in NAMES {
        let _ = env.is_visible(name);
    }
    let _ = env.environment(vec![
        ("PATH".into(), "/bin".into()),
        ("ſ".into(), "x".into()),
    ]);
    let _ = env.arguments(|| vec!["app".into(), "x".into()]);
    let _ = env.arguments(Vec::new);
    let _ = env.initial_cwd(|| Some("/".into()));
}

const PATHS: &[&str] = &[
    "/",
    "/data",
    "/data/a.txt",
    "/data/secret/key.pem",
    "/DATA/Secret",
    "/data/sub/../secret",
    "/tmp/x",
    "",
    "relative",
    "/ä/ß/İ",
];

fn exercise_fs(fs: &FsRules) {
    let _ = (fs.filters_paths(), fs.writes_anywhere());
    for path in PATHS {
        let _ = fs.access(path);
        let _ = fs.writable(path);
        let _ = fs.may_hide_below(path);
        let _ = fs.hidden_on_the_way(path);
        let _ = fs.preopen_visible(path);
        let listing = fs.listing(path);
        for name in ["a.txt", "secret", "key.pem", "", "ß"] {
            let _ = listing.access(name);
        }
        for other in PATHS {
            let _ = fs.moves_alike(path, other);
        }
    }
}

fn exercise_clocks(clocks: &ClockRules) {
    let _ = clocks.attenuates();
    if let WallRule::Virtual { start, step } = clocks.wall {
        let mut wall = VirtualWall::new(start, step);
        for _ in 0..3 {
            let now = wall.now();
            let _ = now.to_string();
        }
        let _ = wall.resolution();
    }
    if let MonotonicRule::Virtual { start, step } = clocks.monotonic {
        let mut monotonic = VirtualMonotonic::new(start, step);
        for _ in 0..3 {
            let _ = monotonic.now();
        }
        monotonic.wait_for(u64::MAX);
        monotonic.wait_until(u64::MAX);
        let _ = monotonic.resolution();
    }
}

fn exercise_random(random: RandomRules) {
    if let RandomRules::Seeded(seed) = random {
        let mut rng = SeededRandom::new(seed);
        let _ = (rng.random_bytes(33), rng.random_u64());
        let _ = (
            rng.insecure_bytes(7),
            rng.insecure_u64(),
            rng.insecure_seed(),
        );
    }
}

fn exercise_http(http: &HttpRules) {
    let _ = http.rewrites_headers();
    for (method, scheme, authority, path) in [
        ("GET", "https", "api.example.com", "/v1/users/1?x=y"),
        ("POST", "HTTP", "127.0.0.1:8080", ""),
        ("", "", "", "?"),
        ("GET", "ftp", "user@host:99999", "//a/../b"),
        ("GET", "https", "[::1]:443", "/ä"),
    ] {
        if let Some(rule) = http.matching_rule(method, scheme, authority, path) {
            let _ = rule.rewrite(vec![("Cookie".into(), b"x".to_vec())]);
            let _ = rule.strip_trailers(vec![("x-a".into(), Vec::new())]);
        }
    }
}

fn exercise_sockets(sockets: &SocketRules) {
    let addresses = [
        SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8080),
        SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
        SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 65535),
        SocketAddr::new(IpAddr::V6(Ipv4Addr::new(10, 1, 2, 3).to_ipv6_mapped()), 443),
    ];
    for addr in addresses {
        let _ = sockets.allows_connect(addr);
        let _ = sockets.allows_bind(addr);
        let _ = sockets.allows_udp_remote(addr);
    }
    let _ = sockets.allows_udp();
    for name in [
        "localhost",
        "LOCALHOST.",
        "[::1]",
        "",
        ".",
        "a.internal.example",
    ] {
        let _ = sockets.allows_resolve(name);
    }
}
