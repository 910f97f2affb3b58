//! Deciding, for each interface an app imports, where the composed component sends it.

use std::fmt;

use interpose_policy::compiled::Route;
use interpose_policy::{
    DefaultAccess, ExitPolicy, FsMode, HttpPolicy, MonotonicClockPolicy, Policy, RandomPolicy,
    SocketsPolicy, StdioPolicy, StreamRule, WallClockPolicy,
};

use crate::adapters::{self, Adapter, Release, unversioned};

/// Where one import goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Straight to the host.
    Host,
    /// Through an adapter that attenuates it.
    Adapter(&'static Adapter),
    /// To a stub that refuses everything, so the host's is never imported.
    Deny,
    /// An interface interpose does not know, outside every section of the policy: straight to
    /// the host, unattenuated. `allowed`: `allow-imports` names it (else the policy is not
    /// strict).
    Unknown { allowed: bool },
}

impl Decision {
    /// The route baked into the composed component for it, which `inspect` reports.
    pub fn route(self) -> Route {
        match self {
            Decision::Host => Route::Host,
            Decision::Adapter(adapter) => Route::Adapter(adapter.name.to_owned()),
            Decision::Deny => Route::Denied,
            Decision::Unknown { allowed: true } => Route::AllowedUnknown,
            Decision::Unknown { allowed: false } => Route::Unknown,
        }
    }
}

/// Why an import cannot be composed under a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A strict policy, an import interpose does not know and no section covers, and
    /// `allow-imports` does not name it.
    Undecided,
    /// The policy covers it, and nothing of interpose can attenuate it.
    Unattenuable(Unattenuable),
}

/// A `wasi:*` import that a section of the policy covers (or, under a strict policy, would
/// cover), but that no adapter or stub of interpose serves: WASI of another version than 0.2.x
/// or 0.3.x, a WASI 0.3 interface without a 0.3 adapter (or one a strict policy would deny and the
/// denial component has no 0.3 row for), or an interface interpose does not know. Passing it to the host would
/// walk around the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unattenuable {
    /// The app's import, with its version.
    pub import: String,
    /// The section that covers it.
    pub section: Section,
    /// Whether the policy has that section; if not, `"default": "deny"` stands for it.
    pub in_policy: bool,
}

impl Unattenuable {
    /// Whether its version is the problem (and a 0.2 build of the app would do), rather than an
    /// interface interpose does not know.
    pub fn other_version(&self) -> bool {
        adapters::release(&self.import) != Some(Release::P2)
    }
}

impl fmt::Display for Unattenuable {
    /// `` `wasi:sockets/types@0.3.0` (`sockets` section: interpose cannot attenuate WASI 0.3 yet,
    /// except ...) ``
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` (", self.import)?;
        match self.in_policy {
            true => write!(f, "`{}` section", self.section)?,
            false => write!(f, "`\"default\": \"deny\"`, no `{}` section", self.section)?,
        }
        let interface = unversioned(&self.import);
        match adapters::version(&self.import) {
            _ if !self.other_version() => write!(
                f,
                ": interpose knows no `{interface}` in WASI 0.2, so it cannot attenuate it",
            )?,
            Some(version)
                if adapters::release(version) == Some(Release::P3)
                    && !DECIDED_AS_AT_0_2
                        .iter()
                        .any(|(at_0_3, _)| *at_0_3 == interface) =>
            {
                write!(
                    f,
                    ": interpose knows no `{interface}` in WASI 0.3, so it cannot attenuate it"
                )?
            }
            Some(version)
                if adapters::release(version) == Some(Release::P3)
                    && interface == "wasi:http/handler" =>
            {
                write!(
                    f,
                    ": at WASI 0.3, interpose checks the requests an app sends with \
                     `wasi:http/client`; an imported `wasi:http/handler` (a middleware's next \
                     handler) can be passed through or denied, not checked"
                )?
            }
            Some(version) if adapters::release(version) == Some(Release::P3) => write!(
                f,
                ": at WASI 0.3, interpose can only pass it through to the host yet"
            )?,
            None => write!(
                f,
                ": interpose cannot attenuate an import without a version, only WASI 0.2.x"
            )?,
            Some(version) => {
                // The WASI release: major and minor.
                let mut numbers = version.split(['.', '-', '+']).map(|n| n.parse::<u64>());
                match (numbers.next(), numbers.next()) {
                    (Some(Ok(0)), Some(Ok(minor))) if minor > 2 => {
                        write!(f, ": interpose cannot attenuate WASI 0.{minor} yet")?
                    }
                    (Some(Ok(major)), _) if major > 0 => {
                        write!(f, ": interpose cannot attenuate WASI {major}.x yet")?
                    }
                    _ => write!(
                        f,
                        ": interpose cannot attenuate WASI {version}, only 0.2.x releases"
                    )?,
                }
            }
        }
        write!(f, ")")
    }
}

/// A section of a policy: the area of WASI it decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    Env,
    Fs,
    Clocks,
    Random,
    Sockets,
    Http,
    Stdio,
    Exit,
}

impl Section {
    /// The section that covers `interface` (without version), whatever its version: a whole
    /// package, or in `wasi:cli`, the interfaces of one area. `None`: no section does
    /// (`wasi:io`, other packages, non-WASI interfaces).
    pub fn covering(interface: &str) -> Option<Section> {
        let (package, name) = interface.split_once('/')?;
        Some(match package {
            "wasi:filesystem" => Section::Fs,
            "wasi:clocks" => Section::Clocks,
            "wasi:random" => Section::Random,
            "wasi:sockets" => Section::Sockets,
            "wasi:http" => Section::Http,
            "wasi:cli" => match name {
                "environment" => Section::Env,
                "exit" => Section::Exit,
                _ if name.starts_with("std") || name.starts_with("terminal-") => Section::Stdio,
                _ => return None,
            },
            _ => return None,
        })
    }

    /// Its key in a policy file.
    pub fn key(self) -> &'static str {
        match self {
            Section::Env => "env",
            Section::Fs => "fs",
            Section::Clocks => "clocks",
            Section::Random => "random",
            Section::Sockets => "sockets",
            Section::Http => "http",
            Section::Stdio => "stdio",
            Section::Exit => "exit",
        }
    }

    /// Whether `policy` has this section.
    pub fn in_policy(self, policy: &Policy) -> bool {
        match self {
            Section::Env => policy.env.is_some(),
            Section::Fs => policy.fs.is_some(),
            Section::Clocks => policy.clocks.is_some(),
            Section::Random => policy.random.is_some(),
            Section::Sockets => policy.sockets.is_some(),
            Section::Http => policy.http.is_some(),
            Section::Stdio => policy.stdio.is_some(),
            Section::Exit => policy.exit.is_some(),
        }
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// What `policy` does with `import` (with its version, as the app names it).
///
/// Only WASI 0.2.x interfaces interpose knows are routed. Anything else that a section of the
/// policy covers is refused, under a strict policy even when the policy has no such section (it
/// would deny it): passing it to the host would walk around the policy. What no section covers
/// reaches the host under `"default": "host"`, and under `"deny"` only if `allow-imports` names
/// it.
pub fn decide(policy: &Policy, import: &str, app: &AppContext) -> Result<Decision, Refusal> {
    if let Some(decision) = served(policy, import, app) {
        return Ok(decision);
    }
    let strict = policy.default == DefaultAccess::Deny;
    let unattenuable = |section: Section, in_policy: bool| {
        Err(Refusal::Unattenuable(Unattenuable {
            import: import.to_owned(),
            section,
            in_policy,
        }))
    };
    match Section::covering(unversioned(import)) {
        Some(section) if section.in_policy(policy) => unattenuable(section, true),
        _ if allowed_unknown(policy, import) => Ok(Decision::Unknown { allowed: true }),
        Some(section) if strict => unattenuable(section, false),
        None if strict => Err(Refusal::Undecided),
        _ => Ok(Decision::Unknown { allowed: false }),
    }
}

/// Whether interpose knows `import` (versioned): a WASI 0.2.x interface it routes to an adapter,
/// a stub or the host (plumbing) as a policy says.
pub fn is_known(import: &str) -> bool {
    served(&Policy::default(), import, &AppContext::default()).is_some()
}

/// Where `import` goes for the providers of a composition rather than for the app: for the
/// `stdio-files` adapter, which wraps the filesystem the app reaches, the filesystem the policy
/// decides (the host's, or the `fs` adapter's).
pub fn inner(policy: &Policy, import: &str, app: &AppContext) -> Option<Decision> {
    served(
        policy,
        import,
        &AppContext {
            own_streams: false,
            wrap_files: false,
            wrap_sockets: false,
            wrap_http: false,
            ..*app
        },
    )
}

/// What routing needs to know about the app besides the import at hand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AppContext {
    /// The app's standard streams (and so all its streams) are the `stdio` adapter's: a stream is
    /// `"null"`, or denied and nothing else hands the app host streams.
    pub own_streams: bool,
    /// With own streams, files are reachable: the `stdio-files` adapter owns the streams and
    /// wraps `wasi:filesystem` in front of what the policy decides for it.
    pub wrap_files: bool,
    /// With own streams, TCP sockets are reachable: the stream owner wraps `wasi:sockets/tcp`.
    pub wrap_sockets: bool,
    /// With own streams, HTTP is reachable: the stream owner wraps `wasi:http`.
    pub wrap_http: bool,
    /// The app exports `wasi:http/incoming-handler`: the host hands it requests of its own
    /// `wasi:http/types`, which must then stay the host's.
    pub serves_http: bool,
}

/// Each WASI 0.3 interface interpose routes, and the 0.2 interface whose policy decides it: the
/// same section and rules, whatever version the app asks with.
const DECIDED_AS_AT_0_2: &[(&str, &str)] = &[
    ("wasi:cli/environment", "wasi:cli/environment"),
    ("wasi:cli/exit", "wasi:cli/exit"),
    ("wasi:cli/stdin", "wasi:cli/stdin"),
    ("wasi:cli/stdout", "wasi:cli/stdout"),
    ("wasi:cli/stderr", "wasi:cli/stderr"),
    ("wasi:cli/terminal-input", "wasi:cli/terminal-input"),
    ("wasi:cli/terminal-output", "wasi:cli/terminal-output"),
    ("wasi:cli/terminal-stdin", "wasi:cli/terminal-stdin"),
    ("wasi:cli/terminal-stdout", "wasi:cli/terminal-stdout"),
    ("wasi:cli/terminal-stderr", "wasi:cli/terminal-stderr"),
    // 0.3's wall clock, and the time zone of the host's.
    ("wasi:clocks/system-clock", "wasi:clocks/wall-clock"),
    ("wasi:clocks/timezone", "wasi:clocks/wall-clock"),
    ("wasi:clocks/monotonic-clock", "wasi:clocks/monotonic-clock"),
    ("wasi:filesystem/types", "wasi:filesystem/types"),
    ("wasi:filesystem/preopens", "wasi:filesystem/preopens"),
    ("wasi:random/random", "wasi:random/random"),
    ("wasi:random/insecure", "wasi:random/insecure"),
    ("wasi:random/insecure-seed", "wasi:random/insecure-seed"),
    // Sockets are one resource type at 0.3; the `sockets` section decides them as a whole.
    ("wasi:sockets/types", "wasi:sockets/tcp"),
    ("wasi:sockets/ip-name-lookup", "wasi:sockets/ip-name-lookup"),
    ("wasi:http/types", "wasi:http/types"),
    ("wasi:http/client", "wasi:http/outgoing-handler"),
    ("wasi:http/handler", "wasi:http/outgoing-handler"),
];

/// What `policy` does with `import` if it is a WASI 0.2.x interface interpose knows, or a 0.3.x
/// one of the table above: the routing table. A 0.3 import is decided as its 0.2 counterpart
/// (the same section, the same rules). What the policy passes through goes to the host at any
/// version; what it attenuates takes the 0.3 build of the adapter, and what it denies the
/// denial component's 0.3 row, where there is one: otherwise it is refused (`None`).
fn served(policy: &Policy, import: &str, app: &AppContext) -> Option<Decision> {
    let release = adapters::release(import)?;
    let name = unversioned(import);
    let (interface, app) = match release {
        Release::P2 => (name, *app),
        // Types only (an error code, a duration), like `wasi:io/error` at 0.2.
        Release::P3 if matches!(name, "wasi:cli/types" | "wasi:clocks/types") => {
            return Some(Decision::Host);
        }
        Release::P3 => {
            let (_, at_0_2) = DECIDED_AS_AT_0_2
                .iter()
                .find(|(at_0_3, _)| *at_0_3 == name)?;
            // 0.3 streams are the component model's, not `wasi:io`'s: the 0.2 streams of
            // interpose's own do not reach them.
            let app = AppContext {
                own_streams: false,
                ..*app
            };
            (*at_0_2, app)
        }
    };
    let decision = served_at(policy, interface, import, release, &app)?;
    if release == Release::P2 {
        return Some(decision);
    }
    let std_stream = matches!(
        interface,
        "wasi:cli/stdin" | "wasi:cli/stdout" | "wasi:cli/stderr"
    );
    match decision {
        // A "null" stream is one of interpose's own: the `stdio-p3` adapter's at 0.3. So is a
        // denied one, as at 0.2: an empty stdin, a stdout or stderr that reaches nothing.
        Decision::Host if null_stream(policy, interface) => {
            Some(Decision::Adapter(&adapters::STDIO_P3))
        }
        Decision::Deny if std_stream => Some(Decision::Adapter(&adapters::STDIO_P3)),
        Decision::Host | Decision::Unknown { .. } => Some(decision),
        Decision::Deny => interpose_adapters::deniable_import(import).map(|_| decision),
        Decision::Adapter(adapter) => {
            (adapter.release() == Release::P3 && adapter.serves(name)).then_some(decision)
        }
    }
}

/// Whether `policy` makes the standard stream `interface` (a 0.2 name) `"null"`.
fn null_stream(policy: &Policy, interface: &str) -> bool {
    let Some(stdio) = &policy.stdio else {
        return false;
    };
    let rule = match interface {
        "wasi:cli/stdin" => stdio.stdin,
        "wasi:cli/stdout" => stdio.stdout,
        "wasi:cli/stderr" => stdio.stderr,
        _ => None,
    };
    rule == Some(StreamRule::Null)
}

/// [`served`] for `interface` (its 0.2 name) of `release`.
fn served_at(
    policy: &Policy,
    interface: &str,
    import: &str,
    release: Release,
    app: &AppContext,
) -> Option<Decision> {
    // The adapter of `release` that does the job of `adapter` (a 0.2 row).
    let adapter =
        |adapter: &'static Adapter| adapters::at_release(adapter, release).map(Decision::Adapter);
    let strict = policy.default == DefaultAccess::Deny;
    let unmentioned = if strict {
        Decision::Deny
    } else {
        Decision::Host
    };
    // A terminal interface only says whether there is a terminal; without own streams, a
    // stream. (With own streams, a `"null"` or denied stream is an empty one.)
    let stream =
        |pick: fn(&StdioPolicy) -> Option<StreamRule>| match policy.stdio.as_ref().and_then(pick) {
            Some(StreamRule::Inherit | StreamRule::Null) => Decision::Host,
            Some(StreamRule::Deny) => Decision::Deny,
            None => unmentioned,
        };
    let http_denied = match &policy.http {
        Some(HttpPolicy::Deny) => true,
        None => strict,
        Some(_) => false,
    };
    Some(match interface {
        "wasi:io/streams" | "wasi:cli/stdin" | "wasi:cli/stdout" | "wasi:cli/stderr"
            if app.own_streams =>
        {
            Decision::Adapter(adapters::stream_owner(
                app.wrap_files,
                app.wrap_sockets,
                app.wrap_http,
            ))
        }
        // What hands out streams, when the app's are ours: wrapped by the stream owner in front
        // of what the policy decides for it.
        i if app.own_streams
            && adapters::wrapped_source(i)
            && (app.wrap_files || !i.starts_with("wasi:filesystem/"))
            && (app.wrap_sockets || !i.starts_with("wasi:sockets/"))
            && (app.wrap_http || !i.starts_with("wasi:http/")) =>
        {
            match inner(policy, import, app)? {
                Decision::Deny => Decision::Deny,
                _ => Decision::Adapter(adapters::stream_owner(
                    app.wrap_files,
                    app.wrap_sockets,
                    app.wrap_http,
                )),
            }
        }
        // Plumbing, not capabilities: streams, pollables and errors only act on resources the
        // app got from some other interface, and terminal-input/-output only define types.
        "wasi:io/error" | "wasi:io/poll" | "wasi:io/streams" => Decision::Host,
        "wasi:cli/terminal-input" | "wasi:cli/terminal-output" => Decision::Host,
        // Types and constructors; the capability is `outgoing-handler`. Changing headers needs
        // requests of the adapter's own, though. With HTTP denied, the types are the denial
        // component's (requests can be built, and are refused when sent), so the output does not
        // need HTTP from its host; unless the app serves HTTP with the host's types.
        // At 0.3 the types are the host's whatever the policy: they are data (building a request
        // reaches nothing), `http-p3` changes headers at `send` without wrapping them, and a denied
        // `send` refuses requests of the host's with `HTTP-request-denied`.
        "wasi:http/types" if release == Release::P3 => Decision::Host,
        "wasi:http/types" => match &policy.http {
            Some(http) if http.rewrites_headers() => Decision::Adapter(&adapters::HTTP_HEADERS),
            _ if http_denied && !app.serves_http => Decision::Deny,
            _ => Decision::Host,
        },

        "wasi:cli/environment" if policy.env.is_some() || strict => adapter(&adapters::ENV)?,
        "wasi:cli/environment" => Decision::Host,
        "wasi:cli/stdin" | "wasi:cli/terminal-stdin" => stream(|s| s.stdin),
        "wasi:cli/stdout" | "wasi:cli/terminal-stdout" => stream(|s| s.stdout),
        "wasi:cli/stderr" | "wasi:cli/terminal-stderr" => stream(|s| s.stderr),
        "wasi:cli/exit" => match policy.exit {
            Some(ExitPolicy::Allow) => Decision::Host,
            Some(ExitPolicy::Deny) => Decision::Deny,
            None => unmentioned,
        },
        "wasi:filesystem/types" | "wasi:filesystem/preopens" => match &policy.fs {
            Some(fs) if fs.mode == FsMode::Deny => Decision::Deny,
            Some(fs) if fs.filters_paths() => adapter(&adapters::FS_PATHS)?,
            Some(_) => adapter(&adapters::FS)?,
            None => unmentioned,
        },
        // Each clock goes through the adapter only if the policy changes it (virtual or denied:
        // the adapter traps with a message).
        "wasi:clocks/wall-clock" => match &policy.clocks {
            Some(clocks) if clocks.wall == WallClockPolicy::Host => Decision::Host,
            Some(_) => adapter(&adapters::CLOCKS)?,
            None => unmentioned,
        },
        "wasi:clocks/monotonic-clock" => match &policy.clocks {
            Some(clocks) if clocks.monotonic == MonotonicClockPolicy::Host => Decision::Host,
            Some(_) => adapter(&adapters::CLOCKS)?,
            None => unmentioned,
        },
        "wasi:random/random" | "wasi:random/insecure" | "wasi:random/insecure-seed" => {
            match &policy.random {
                Some(RandomPolicy::Host) => Decision::Host,
                Some(_) => adapter(&adapters::RANDOM)?,
                None => unmentioned,
            }
        }
        "wasi:http/outgoing-handler" => match &policy.http {
            Some(HttpPolicy::Host) => Decision::Host,
            Some(HttpPolicy::Deny) => Decision::Deny,
            // At 0.3, `http-p3` for both (`client` only: an imported `handler` is refused).
            Some(http) if http.rewrites_headers() => adapter(&adapters::HTTP_HEADERS)?,
            Some(HttpPolicy::Rules(_)) => adapter(&adapters::HTTP)?,
            None => unmentioned,
        },
        i if i.starts_with("wasi:sockets/") && interpose_adapters::deniable(i).is_some() => {
            match &policy.sockets {
                Some(SocketsPolicy::Host) => Decision::Host,
                Some(SocketsPolicy::Deny) => Decision::Deny,
                // The adapter wraps what it exports; the network handle stays the host's.
                // At 0.3, `sockets-p3` (the same rules).
                Some(SocketsPolicy::Rules(_)) if adapters::SOCKETS.serves(i) => {
                    adapter(&adapters::SOCKETS)?
                }
                Some(SocketsPolicy::Rules(_)) => Decision::Host,
                None => unmentioned,
            }
        }
        _ => return None,
    })
}

/// Whether `import` (versioned or not) is listed in the policy's `allow-imports`.
pub fn allowed_unknown(policy: &Policy, import: &str) -> bool {
    policy
        .allow_imports
        .iter()
        .any(|allowed| allowed == import || allowed == unversioned(import))
}
