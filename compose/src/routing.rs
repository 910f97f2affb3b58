//! Deciding, for each interface an app imports, where the composed component sends it.

use interpose_policy::{
    DefaultAccess, ExitPolicy, FsModePolicy, HttpPolicy, MonotonicClockPolicy, Policy,
    RandomPolicy, SocketsPolicy, StdioPolicy, StreamPolicy, WallClockPolicy,
};

use crate::adapters::{self, Adapter};

/// Where one import goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Straight to the host.
    Host,
    /// Through an adapter that attenuates it.
    Adapter(&'static Adapter),
    /// To a stub that refuses everything, so the host's is never imported.
    Deny,
    /// An interface interpose does not know.
    Unknown,
}

/// What `policy` does with `interface` (without version).
pub fn decide(policy: &Policy, interface: &str) -> Decision {
    let strict = policy.default == DefaultAccess::Deny;
    let unmentioned = if strict {
        Decision::Deny
    } else {
        Decision::Host
    };
    // A `"null"` stream is the stdio adapter's, so all of the app's streams are.
    let null_stdio = policy.stdio.as_ref().is_some_and(StdioPolicy::has_null);
    // For a terminal interface, and a stream when no stream is null. A null stream's terminal
    // interface stays the host's: it only says whether there is a terminal.
    let stream =
        |pick: fn(&StdioPolicy) -> Option<StreamPolicy>| match policy.stdio.as_ref().and_then(pick)
        {
            Some(StreamPolicy::Inherit | StreamPolicy::Null) => Decision::Host,
            Some(StreamPolicy::Deny) => Decision::Deny,
            None => unmentioned,
        };
    match interface {
        "wasi:io/streams" | "wasi:cli/stdin" | "wasi:cli/stdout" | "wasi:cli/stderr"
            if null_stdio =>
        {
            Decision::Adapter(&adapters::STDIO)
        }
        // Plumbing, not capabilities: streams, pollables and errors only act on resources the
        // app got from some other interface, and terminal-input/-output only define types.
        i if i.starts_with("wasi:io/") => Decision::Host,
        "wasi:cli/terminal-input" | "wasi:cli/terminal-output" => Decision::Host,
        // Types and constructors; the capability is `outgoing-handler`. Changing headers needs
        // requests of the adapter's own, though.
        "wasi:http/types" => match &policy.http {
            Some(http) if http.rewrites_headers() => Decision::Adapter(&adapters::HTTP_HEADERS),
            // Its bodies are host streams, which cannot be mixed with a null stream's: with
            // HTTP denied anyway, the types go too.
            Some(HttpPolicy::Deny) if null_stdio => Decision::Deny,
            None if null_stdio && strict => Decision::Deny,
            _ => Decision::Host,
        },

        "wasi:cli/environment" if policy.env.is_some() || strict => {
            Decision::Adapter(&adapters::ENV)
        }
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
            Some(fs) if fs.mode == FsModePolicy::Deny => Decision::Deny,
            Some(fs) if fs.filters_paths() => Decision::Adapter(&adapters::FS_PATHS),
            Some(_) => Decision::Adapter(&adapters::FS),
            None => unmentioned,
        },
        // Each clock goes through the adapter only if the policy changes it (virtual or denied:
        // the adapter traps with a message).
        "wasi:clocks/wall-clock" => match &policy.clocks {
            Some(clocks) if clocks.wall == WallClockPolicy::Host => Decision::Host,
            Some(_) => Decision::Adapter(&adapters::CLOCKS),
            None => unmentioned,
        },
        "wasi:clocks/monotonic-clock" => match &policy.clocks {
            Some(clocks) if clocks.monotonic == MonotonicClockPolicy::Host => Decision::Host,
            Some(_) => Decision::Adapter(&adapters::CLOCKS),
            None => unmentioned,
        },
        "wasi:random/random" | "wasi:random/insecure" | "wasi:random/insecure-seed" => {
            match &policy.random {
                Some(RandomPolicy::Host) => Decision::Host,
                Some(_) => Decision::Adapter(&adapters::RANDOM),
                None => unmentioned,
            }
        }
        "wasi:http/outgoing-handler" => match &policy.http {
            Some(HttpPolicy::Host) => Decision::Host,
            Some(HttpPolicy::Deny) => Decision::Deny,
            Some(http) if http.rewrites_headers() => Decision::Adapter(&adapters::HTTP_HEADERS),
            Some(HttpPolicy::Allow { .. }) => Decision::Adapter(&adapters::HTTP),
            None => unmentioned,
        },
        i if i.starts_with("wasi:sockets/") && adapters::stub(i).is_some() => {
            match &policy.sockets {
                Some(SocketsPolicy::Host) => Decision::Host,
                Some(SocketsPolicy::Deny) => Decision::Deny,
                // The adapter wraps what it exports; the network handle stays the host's.
                Some(SocketsPolicy::Allow(_)) if adapters::SOCKETS.interfaces.contains(&i) => {
                    Decision::Adapter(&adapters::SOCKETS)
                }
                Some(SocketsPolicy::Allow(_)) => Decision::Host,
                None => unmentioned,
            }
        }
        _ => Decision::Unknown,
    }
}

/// Whether `import` (versioned or not) is listed in the policy's `allow-imports`.
pub fn allowed_unknown(policy: &Policy, import: &str) -> bool {
    policy
        .allow_imports
        .iter()
        .any(|allowed| allowed == import || allowed == adapters::unversioned(import))
}
