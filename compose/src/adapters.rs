//! The adapters the composer can plug in, and which policy sections need them.

/// One embedded adapter component.
#[derive(Debug)]
pub struct Adapter {
    /// Short name, also the policy section it enforces.
    pub name: &'static str,
    /// The component bytes.
    pub component: &'static [u8],
    /// The WASI interfaces it exports (and wraps), without version.
    pub interfaces: &'static [&'static str],
    /// Interfaces it imports for its own use, never handing their resources to the app: always
    /// the host's, whatever the policy does with the app's (the line a denied clock writes to
    /// stderr, the ready pollables of null streams).
    pub private: &'static [&'static str],
}

impl PartialEq for Adapter {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Adapter {}

pub const ENV: Adapter = Adapter {
    name: "env",
    component: interpose_adapters::ENV,
    interfaces: &["wasi:cli/environment"],
    private: &[],
};

/// Modes and preopens only: for `fs` sections without path globs (`readonly.json`). Built
/// without the path-checking code, so it is smaller; it refuses to run with path globs.
pub const FS: Adapter = Adapter {
    name: "fs",
    component: interpose_adapters::FS,
    interfaces: &["wasi:filesystem/types", "wasi:filesystem/preopens"],
    private: &[],
};

/// Modes, preopens and `allow`/`deny` path globs.
pub const FS_PATHS: Adapter = Adapter {
    name: "fs-paths",
    component: interpose_adapters::FS_PATHS,
    interfaces: &["wasi:filesystem/types", "wasi:filesystem/preopens"],
    private: &[],
};

pub const CLOCKS: Adapter = Adapter {
    name: "clocks",
    component: interpose_adapters::CLOCKS,
    interfaces: &["wasi:clocks/wall-clock", "wasi:clocks/monotonic-clock"],
    private: REPORTS,
};

pub const RANDOM: Adapter = Adapter {
    name: "random",
    component: interpose_adapters::RANDOM,
    interfaces: &[
        "wasi:random/random",
        "wasi:random/insecure",
        "wasi:random/insecure-seed",
    ],
    private: REPORTS,
};

pub const HTTP: Adapter = Adapter {
    name: "http",
    component: interpose_adapters::HTTP,
    interfaces: &["wasi:http/outgoing-handler"],
    private: &[],
};

/// `http` that also changes headers (`set-headers`, `strip-headers`): it has to wrap
/// `wasi:http/types` as well, so it is only plugged when a rule changes headers.
pub const HTTP_HEADERS: Adapter = Adapter {
    name: "http-headers",
    component: interpose_adapters::HTTP_HEADERS,
    interfaces: &["wasi:http/types", "wasi:http/outgoing-handler"],
    private: &[],
};

pub const SOCKETS: Adapter = Adapter {
    name: "sockets",
    component: interpose_adapters::SOCKETS,
    interfaces: &[
        "wasi:sockets/tcp",
        "wasi:sockets/tcp-create-socket",
        "wasi:sockets/udp",
        "wasi:sockets/udp-create-socket",
        "wasi:sockets/ip-name-lookup",
    ],
    private: &[],
};

/// Standard streams when one is `"null"`: it provides the app's `wasi:io/streams` too.
pub const STDIO: Adapter = Adapter {
    name: "stdio",
    component: interpose_adapters::STDIO,
    interfaces: &[
        "wasi:io/streams",
        "wasi:cli/stdin",
        "wasi:cli/stdout",
        "wasi:cli/stderr",
    ],
    private: &["wasi:clocks/monotonic-clock"],
};

/// `stdio` for an app that also reaches files: it wraps `wasi:filesystem` too, passing every call
/// to the filesystem the policy decides (the host's or the `fs` adapter's), so that the file
/// streams the app gets are this adapter's like the others.
pub const STDIO_FILES: Adapter = Adapter {
    name: "stdio-files",
    component: interpose_adapters::STDIO_FILES,
    interfaces: &[
        "wasi:io/streams",
        "wasi:cli/stdin",
        "wasi:cli/stdout",
        "wasi:cli/stderr",
        "wasi:filesystem/types",
        "wasi:filesystem/preopens",
    ],
    private: &["wasi:clocks/monotonic-clock"],
};

/// `stdio` for an app that also reaches TCP sockets: it wraps `wasi:sockets/tcp` in front of
/// what the policy decides for them, so that a connection's streams are this adapter's.
pub const STDIO_SOCKETS: Adapter = Adapter {
    name: "stdio-sockets",
    component: interpose_adapters::STDIO_SOCKETS,
    interfaces: &[
        "wasi:io/streams",
        "wasi:cli/stdin",
        "wasi:cli/stdout",
        "wasi:cli/stderr",
        "wasi:sockets/tcp",
        "wasi:sockets/tcp-create-socket",
    ],
    private: &["wasi:clocks/monotonic-clock"],
};

/// `stdio-files` and `stdio-sockets` in one.
pub const STDIO_FILES_SOCKETS: Adapter = Adapter {
    name: "stdio-files-sockets",
    component: interpose_adapters::STDIO_FILES_SOCKETS,
    interfaces: &[
        "wasi:io/streams",
        "wasi:cli/stdin",
        "wasi:cli/stdout",
        "wasi:cli/stderr",
        "wasi:filesystem/types",
        "wasi:filesystem/preopens",
        "wasi:sockets/tcp",
        "wasi:sockets/tcp-create-socket",
    ],
    private: &["wasi:clocks/monotonic-clock"],
};

/// `stdio` for an app that reaches HTTP: it wraps `wasi:http` too, and files and TCP sockets.
/// Built against WASI 0.2.12 (as `http-headers`, for `wasi:http/types`); what it wraps that the
/// app does not import is served by a denial component inside, never by the host.
pub const STDIO_ALL: Adapter = Adapter {
    name: "stdio-all",
    component: interpose_adapters::STDIO_ALL,
    interfaces: &[
        "wasi:io/streams",
        "wasi:cli/stdin",
        "wasi:cli/stdout",
        "wasi:cli/stderr",
        "wasi:filesystem/types",
        "wasi:filesystem/preopens",
        "wasi:sockets/tcp",
        "wasi:sockets/tcp-create-socket",
        "wasi:http/types",
        "wasi:http/outgoing-handler",
    ],
    private: &["wasi:clocks/monotonic-clock"],
};

/// The adapters whose streams are the app's when it has streams of interpose's own.
pub const OWN_STREAMS: &[&Adapter] = &[
    &STDIO,
    &STDIO_FILES,
    &STDIO_SOCKETS,
    &STDIO_FILES_SOCKETS,
    &STDIO_ALL,
];

/// The adapter owning the app's streams when it reaches files, TCP sockets and/or HTTP, which it
/// wraps.
pub fn stream_owner(files: bool, sockets: bool, http: bool) -> &'static Adapter {
    match (files, sockets, http) {
        (_, _, true) => &STDIO_ALL,
        (false, false, false) => &STDIO,
        (true, false, false) => &STDIO_FILES,
        (false, true, false) => &STDIO_SOCKETS,
        (true, true, false) => &STDIO_FILES_SOCKETS,
    }
}

/// Whether a stream owner wraps `interface` (without version) in front of what the policy
/// decides for it, rather than serving the app's standard streams itself.
pub fn wrapped_source(interface: &str) -> bool {
    interface.starts_with("wasi:filesystem/")
        || interface == "wasi:sockets/tcp"
        || interface == "wasi:sockets/tcp-create-socket"
        || interface == "wasi:http/types"
        || interface == "wasi:http/outgoing-handler"
}

/// The interfaces besides `wasi:cli/std*` that hand the app streams. With a `"null"` standard
/// stream the app's streams are the `stdio` adapter's, so these must be denied.
pub const STREAM_SOURCES: &[&str] = &[
    "wasi:filesystem/types",
    "wasi:sockets/tcp",
    "wasi:http/types",
];

/// Every adapter, in the order they are instantiated.
pub const ALL: &[&Adapter] = &[
    &ENV,
    &FS,
    &FS_PATHS,
    &CLOCKS,
    &RANDOM,
    &HTTP,
    &HTTP_HEADERS,
    &SOCKETS,
    &STDIO,
    &STDIO_FILES,
    &STDIO_SOCKETS,
    &STDIO_FILES_SOCKETS,
    &STDIO_ALL,
];

/// What an adapter that writes a line to the host's stderr before it stops the app imports for
/// it.
const REPORTS: &[&str] = &["wasi:cli/stderr", "wasi:io/streams", "wasi:io/error"];

/// The `deny-report` component (see [`crate::deny`]) imports only for itself.
pub const REPORT_PRIVATE: &[&str] = REPORTS;

/// `wasi:cli/environment@0.2.6` → `wasi:cli/environment`.
pub fn unversioned(name: &str) -> &str {
    name.split_once('@').map_or(name, |(base, _)| base)
}

/// `wasi:cli/environment@0.2.6` → `0.2.6`; `None` without a version.
pub fn version(name: &str) -> Option<&str> {
    name.split_once('@').map(|(_, version)| version)
}

/// Whether `name`'s version is one the adapters and stubs serve: 0.2.x, any patch (they are
/// built against 0.2.0 and fill imports of any 0.2.x), but no pre-release and nothing else.
/// Build metadata does not count, as in semver.
pub fn version_served(name: &str) -> bool {
    let Some(version) = version(name) else {
        return false;
    };
    let version = version.split_once('+').map_or(version, |(v, _)| v);
    version
        .strip_prefix("0.2.")
        .is_some_and(|patch| !patch.is_empty() && patch.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether two names are the same interface for wiring: the same name, or the same interface at
/// two versions the adapters serve (`wasi:io/streams@0.2.0` and `@0.2.6`).
pub fn same_interface(a: &str, b: &str) -> bool {
    a == b || (unversioned(a) == unversioned(b) && version_served(a) && version_served(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table is checked against the adapters themselves: what each exports is what the table
    /// says it serves, and what it uses privately it imports. A new adapter or WASI version that
    /// disagrees with its row fails here, not in a composition.
    #[test]
    fn the_table_matches_the_adapters_worlds() {
        for adapter in ALL {
            let mut types = wac_graph::types::Types::default();
            let package = wac_graph::types::Package::from_bytes(
                adapter.name,
                None,
                adapter.component.to_vec(),
                &mut types,
            )
            .unwrap();
            let world = &types[package.ty()];
            let mut exports: Vec<&str> = world.exports.keys().map(|e| unversioned(e)).collect();
            exports.sort();
            let mut listed = adapter.interfaces.to_vec();
            listed.sort();
            assert_eq!(
                exports, listed,
                "the exports of the `{}` adapter",
                adapter.name
            );
            for private in adapter.private {
                assert!(
                    world.imports.keys().any(|i| unversioned(i) == *private),
                    "the `{}` adapter does not import {private}",
                    adapter.name
                );
            }
            // Built against 0.2.x: routing serves an app's 0.2.x imports with it.
            for export in world.exports.keys() {
                assert!(version_served(export), "{export} of `{}`", adapter.name);
            }
        }
    }

    #[test]
    fn every_stream_owner_is_an_adapter() {
        for owner in OWN_STREAMS {
            assert!(ALL.contains(owner), "{}", owner.name);
        }
        for (files, sockets, http) in [(false, false, false), (true, true, true)] {
            assert!(OWN_STREAMS.contains(&stream_owner(files, sockets, http)));
        }
    }
}
