/// Every WASI interface a policy can deny, and how the denial component answers its functions.
///
/// This is the one list of them: the build script builds the WIT of the denial component from it,
/// and the composer routes and answers by it. A new deniable interface (or WASI version) is a row.
pub const DENIABLE: &[Deniable] = &[
    row("wasi:cli/environment", V0_2_0, Answer::Neutral, "env"),
    row("wasi:cli/exit", V0_2_0, Answer::Trap, "exit"),
    row("wasi:cli/stdin", V0_2_0, Answer::Trap, "stdio.stdin"),
    row("wasi:cli/stdout", V0_2_0, Answer::Trap, "stdio.stdout"),
    row("wasi:cli/stderr", V0_2_0, Answer::Trap, "stdio.stderr"),
    row(
        "wasi:cli/terminal-stdin",
        V0_2_0,
        Answer::Neutral,
        "stdio.stdin",
    ),
    row(
        "wasi:cli/terminal-stdout",
        V0_2_0,
        Answer::Neutral,
        "stdio.stdout",
    ),
    row(
        "wasi:cli/terminal-stderr",
        V0_2_0,
        Answer::Neutral,
        "stdio.stderr",
    ),
    row(
        "wasi:clocks/monotonic-clock",
        V0_2_0,
        Answer::Trap,
        "clocks.monotonic",
    ),
    row(
        "wasi:clocks/wall-clock",
        V0_2_0,
        Answer::Trap,
        "clocks.wall",
    ),
    row("wasi:filesystem/types", V0_2_0, Answer::Refuse, "fs"),
    row("wasi:filesystem/preopens", V0_2_0, Answer::Neutral, "fs"),
    row("wasi:random/random", V0_2_0, Answer::Trap, "random"),
    row("wasi:random/insecure", V0_2_0, Answer::Trap, "random"),
    row("wasi:random/insecure-seed", V0_2_0, Answer::Trap, "random"),
    row("wasi:sockets/network", V0_2_0, Answer::Neutral, "sockets"),
    row(
        "wasi:sockets/instance-network",
        V0_2_0,
        Answer::Neutral,
        "sockets",
    ),
    row(
        "wasi:sockets/ip-name-lookup",
        V0_2_0,
        Answer::Refuse,
        "sockets",
    ),
    row("wasi:sockets/tcp", V0_2_0, Answer::Refuse, "sockets"),
    row(
        "wasi:sockets/tcp-create-socket",
        V0_2_0,
        Answer::Refuse,
        "sockets",
    ),
    row("wasi:sockets/udp", V0_2_0, Answer::Refuse, "sockets"),
    row(
        "wasi:sockets/udp-create-socket",
        V0_2_0,
        Answer::Refuse,
        "sockets",
    ),
    // `wasi:http/types` gained items after 0.2.0, and an export must have every item the app's
    // import names: built against 0.2.12, like the `http-headers` adapter.
    row("wasi:http/types", V0_2_12, Answer::Neutral, "http"),
    row(
        "wasi:http/outgoing-handler",
        V0_2_12,
        Answer::Refuse,
        "http",
    ),
    // WASI 0.3: what a strict policy without `clocks` or `random` denies (`wasi:cli/environment`
    // goes to the `env` adapter instead, as at 0.2). Clocks and random numbers have no error
    // channel at 0.3 either; `wait-for` and `wait-until` are async functions, lifted
    // synchronously here (they trap before they could wait).
    row(
        "wasi:clocks/monotonic-clock",
        V0_3_0,
        Answer::Trap,
        "clocks.monotonic",
    ),
    row(
        "wasi:clocks/system-clock",
        V0_3_0,
        Answer::Trap,
        "clocks.wall",
    ),
    row("wasi:random/random", V0_3_0, Answer::Trap, "random"),
    row("wasi:random/insecure", V0_3_0, Answer::Trap, "random"),
    row("wasi:random/insecure-seed", V0_3_0, Answer::Trap, "random"),
    row("wasi:cli/exit", V0_3_0, Answer::Trap, "exit"),
    // Denied standard streams are `stdio-p3`'s empty ones, as at 0.2; there is no terminal.
    row(
        "wasi:cli/terminal-stdin",
        V0_3_0,
        Answer::Neutral,
        "stdio.stdin",
    ),
    row(
        "wasi:cli/terminal-stdout",
        V0_3_0,
        Answer::Neutral,
        "stdio.stdout",
    ),
    row(
        "wasi:cli/terminal-stderr",
        V0_3_0,
        Answer::Neutral,
        "stdio.stderr",
    ),
    // Files and sockets as at 0.2: no preopens, and every way to a socket refused. What returns
    // a stream or future of its own traps instead: a synchronous lift has no task in which to
    // make one (see `docs/policy.md`); it is reached only through a descriptor or socket the
    // denied calls never hand out.
    row("wasi:filesystem/types", V0_3_0, Answer::Refuse, "fs"),
    row("wasi:filesystem/preopens", V0_3_0, Answer::Neutral, "fs"),
    row("wasi:sockets/types", V0_3_0, Answer::Refuse, "sockets"),
    row(
        "wasi:sockets/ip-name-lookup",
        V0_3_0,
        Answer::Refuse,
        "sockets",
    ),
    // HTTP: requests are built with the host's `wasi:http/types` (data, no capability: the
    // composer routes them to the host at 0.3, because 0.3's `request.new` returns a future of
    // its own, which a synchronous lift cannot make) and refused when sent.
    row("wasi:http/client", V0_3_0, Answer::Refuse, "http"),
    row("wasi:http/handler", V0_3_0, Answer::Refuse, "http"),
];

/// The error case a denied call returns, by the error type a function's `result` carries:
/// (interface defining the type, type name, case). The answer a host without the capability
/// gives.
pub const DENIAL_ERRORS: &[(&str, &str, &str)] = &[
    ("wasi:sockets/network", "error-code", "access-denied"),
    ("wasi:http/types", "error-code", "HTTP-request-denied"),
    ("wasi:filesystem/types", "error-code", "access"),
    // WASI 0.3: sockets have no `network` interface, and name lookup has errors of its own.
    ("wasi:sockets/types", "error-code", "access-denied"),
    ("wasi:sockets/ip-name-lookup", "error-code", "access-denied"),
];

const V0_2_0: &str = "0.2.0";
const V0_2_12: &str = "0.2.12";
const V0_3_0: &str = "0.3.0";

/// One deniable interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deniable {
    /// Without version.
    pub interface: &'static str,
    /// The WASI version the denial component exports it at; it fills imports of any patch of
    /// that release (0.2.x or 0.3.x), never of another.
    pub version: &'static str,
    pub answer: Answer,
    /// The policy key that denies it, named in the line written before a trap.
    pub key: &'static str,
}

const fn row(
    interface: &'static str,
    version: &'static str,
    answer: Answer,
    key: &'static str,
) -> Deniable {
    Deniable {
        interface,
        version,
        answer,
        key,
    }
}

/// How the denial component answers the functions of one interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// The denial error where the function's `result` has one ([`DENIAL_ERRORS`]); otherwise a
    /// trap, after one line on stderr. For interfaces whose other functions can only be reached
    /// through a resource the denied calls never hand out (a socket, a descriptor).
    Refuse,
    /// The denial error where there is one, else a neutral value: nothing, empty, `none`, zero,
    /// the first case, `ok` with a neutral payload, or a fresh resource of the denial component's
    /// own (a request that can be built and is then refused). A trap only where no such value
    /// exists. For interfaces where "nothing there" is the honest answer: no preopens, no
    /// terminal, no variables, a network handle that connects nowhere, HTTP types whose
    /// requests are refused when sent.
    Neutral,
    /// A trap, after one line on stderr naming the function and the policy key: no error channel
    /// and no sensible value (a clock, random bytes, exit, a standard stream that cannot be
    /// replaced by an empty one).
    Trap,
}

/// The WASI 0.2 row for `interface` (without version).
pub fn deniable(interface: &str) -> Option<&'static Deniable> {
    DENIABLE
        .iter()
        .find(|d| d.interface == interface && d.version.starts_with("0.2."))
}

/// The row for `import` (`wasi:random/random@0.3.2`): the same interface at the same release
/// (`0.3` here), any patch; never for a pre-release. Build metadata does not count.
pub fn deniable_import(import: &str) -> Option<&'static Deniable> {
    let (interface, version) = import.split_once('@')?;
    let version = version.split_once('+').map_or(version, |(v, _)| v);
    let (release, patch) = version.rsplit_once('.')?;
    if patch.is_empty() || !patch.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    DENIABLE.iter().find(|d| {
        d.interface == interface && d.version.rsplit_once('.').map(|(r, _)| r) == Some(release)
    })
}

/// The interface through which the denial component writes its one line before a trap.
pub const REPORT_INTERFACE: &str = "interpose:adapters/deny-report@0.1.0";

/// The WIT of a world `world` in package `package` that exports `denied` and imports the
/// report interface: the denial component's. The build script makes it of every row, the
/// composer of what one composition denies.
pub fn denial_world<'a>(
    package: &str,
    world: &str,
    denied: impl IntoIterator<Item = &'a Deniable>,
) -> String {
    let mut source =
        format!("package {package};\nworld {world} {{\n  import {REPORT_INTERFACE};\n");
    for deniable in denied {
        source += &format!("  export {}@{};\n", deniable.interface, deniable.version);
    }
    source + "}\n"
}
