//! The adapters the composer can plug in, and which policy sections need them.

use interpose_adapters::Component;

/// One embedded adapter: the component as built (what it imports and exports is read from it,
/// never listed by hand) and what only its source knows about its imports.
#[derive(Debug)]
pub struct Adapter {
    /// Short name, also the policy section it enforces.
    pub name: &'static str,
    /// The component and the names its world imports and exports.
    pub component: &'static Component,
    /// Interfaces it imports for its own use, never handing their resources to the app: always
    /// the host's, whatever the policy does with the app's (the line a denied clock writes to
    /// stderr, the ready pollables of null streams).
    pub private: &'static [&'static str],
    /// Interfaces of another WASI release it imports and serves its own exports with, deciding
    /// nothing itself: the composer serves them as the policy decides for an app's import of
    /// them (with the adapter of their release), whether or not the app imports them.
    pub decided: &'static [&'static str],
}

impl PartialEq for Adapter {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Adapter {}

/// A row of the table: `component` and what it imports for itself (`private`) or leaves to the
/// policy (`decided`).
const fn row(
    component: &'static Component,
    private: &'static [&'static str],
    decided: &'static [&'static str],
) -> Adapter {
    Adapter {
        name: component.name,
        component,
        private,
        decided,
    }
}

pub const ENV: Adapter = row(&interpose_adapters::ENV, &[], &[]);

/// `env` for an app's WASI 0.3 `wasi:cli/environment`: the same `env` section and rules.
pub const ENV_P3: Adapter = row(&interpose_adapters::ENV_P3, &[], &[]);

/// Modes and preopens only: for `fs` sections without path globs (`readonly.json`). Built
/// without the path-checking code, so it is smaller; it refuses to run with path globs.
pub const FS: Adapter = row(&interpose_adapters::FS, &[], &[]);

/// `fs` for an app's WASI 0.3 `wasi:filesystem`: the same `fs` section, decided by the same code;
/// the streams and futures of files and listings stay the host's.
pub const FS_P3: Adapter = row(&interpose_adapters::FS_P3, &[], &[]);

/// Modes, preopens and `allow`/`deny` path globs.
pub const FS_PATHS: Adapter = row(&interpose_adapters::FS_PATHS, &[], &[]);

/// `fs-paths` for WASI 0.3: the same path rules through the same walk. A listing of a directory
/// where the policy may hide an entry answers `access` (a filtered listing cannot be made yet).
pub const FS_PATHS_P3: Adapter = row(&interpose_adapters::FS_PATHS_P3, &[], &[]);

pub const CLOCKS: Adapter = row(&interpose_adapters::CLOCKS, REPORTS, &[]);

pub const RANDOM: Adapter = row(&interpose_adapters::RANDOM, REPORTS, &[]);

/// `clocks` for WASI 0.3 (`system-clock` is 0.2's `wall-clock`): it serves them with the 0.2
/// clocks the policy decides (the `clocks` adapter), so that an app using both versions has one
/// virtual clock; virtual waits (`wait-for`, `wait-until`) return at once.
pub const CLOCKS_P3: Adapter = row(
    &interpose_adapters::CLOCKS_P3,
    &[],
    &["wasi:clocks/wall-clock", "wasi:clocks/monotonic-clock"],
);

/// `random` for WASI 0.3: it serves them with the 0.2 random numbers the policy decides (the
/// `random` adapter), so that an app using both versions draws from one seeded generator.
pub const RANDOM_P3: Adapter = row(
    &interpose_adapters::RANDOM_P3,
    &[],
    &[
        "wasi:random/random",
        "wasi:random/insecure",
        "wasi:random/insecure-seed",
    ],
);

pub const HTTP: Adapter = row(&interpose_adapters::HTTP, &[], &[]);

/// `http` that also changes headers (`set-headers`, `strip-headers`): it has to wrap
/// `wasi:http/types` as well, so it is only plugged when a rule changes headers.
pub const HTTP_HEADERS: Adapter = row(&interpose_adapters::HTTP_HEADERS, &[], &[]);

pub const SOCKETS: Adapter = row(&interpose_adapters::SOCKETS, &[], &[]);

/// `sockets` for WASI 0.3: the same allowlists (the same rules code) on 0.3's one
/// `wasi:sockets/types` and `ip-name-lookup`; the streams and futures of a socket stay the host's.
pub const SOCKETS_P3: Adapter = row(&interpose_adapters::SOCKETS_P3, &[], &[]);

/// `http` and `http-headers` for WASI 0.3: the same allowlist and header changes (the same rules
/// code) on 0.3's `wasi:http/client`. It wraps nothing else: the app's requests and responses are
/// the host's, and a request whose headers change is replaced by a new host request at `send`,
/// with the app's body stream moved over.
pub const HTTP_P3: Adapter = row(&interpose_adapters::HTTP_P3, &[], &[]);

/// `"null"` and `"deny"` standard streams at WASI 0.3: an empty stdin, a stdout and stderr that
/// discard what the app writes, each with a future that says `ok` (two components composed in
/// one: see `crates/stdio-p3`). Nothing reaches the host, and the other streams stay where the
/// policy sends them.
pub const STDIO_P3: Adapter = row(&interpose_adapters::STDIO_P3, &[], &[]);

/// Standard streams when one is `"null"`: it provides the app's `wasi:io/streams` too.
pub const STDIO: Adapter = row(&interpose_adapters::STDIO, STREAMS_PRIVATE, &[]);

/// `stdio` for an app that also reaches files: it wraps `wasi:filesystem` too, passing every call
/// to the filesystem the policy decides (the host's or the `fs` adapter's), so that the file
/// streams the app gets are this adapter's like the others.
pub const STDIO_FILES: Adapter = row(&interpose_adapters::STDIO_FILES, STREAMS_PRIVATE, &[]);

/// `stdio` for an app that also reaches TCP sockets: it wraps `wasi:sockets/tcp` in front of
/// what the policy decides for them, so that a connection's streams are this adapter's.
pub const STDIO_SOCKETS: Adapter = row(&interpose_adapters::STDIO_SOCKETS, STREAMS_PRIVATE, &[]);

/// `stdio-files` and `stdio-sockets` in one.
pub const STDIO_FILES_SOCKETS: Adapter = row(
    &interpose_adapters::STDIO_FILES_SOCKETS,
    STREAMS_PRIVATE,
    &[],
);

/// `stdio` for an app that reaches HTTP: it wraps `wasi:http` too, and files and TCP sockets.
/// Built against WASI 0.2.12 (as `http-headers`, for `wasi:http/types`); what it wraps that the
/// app does not import is served by a denial component inside, never by the host.
pub const STDIO_ALL: Adapter = row(&interpose_adapters::STDIO_ALL, STREAMS_PRIVATE, &[]);

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

/// The adapter named `name`; the names are the table's own.
pub fn named(name: &str) -> &'static Adapter {
    ALL.iter()
        .find(|a| a.name == name)
        .expect("an adapter of the table")
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
    &ENV_P3,
    &FS,
    &FS_PATHS,
    &FS_P3,
    &FS_PATHS_P3,
    &CLOCKS,
    &CLOCKS_P3,
    &RANDOM,
    &RANDOM_P3,
    &HTTP,
    &HTTP_HEADERS,
    &SOCKETS,
    &SOCKETS_P3,
    &HTTP_P3,
    &STDIO_P3,
    &STDIO,
    &STDIO_FILES,
    &STDIO_SOCKETS,
    &STDIO_FILES_SOCKETS,
    &STDIO_ALL,
];

/// What an adapter that writes a line to the host's stderr before it stops the app imports for
/// it.
const REPORTS: &[&str] = &["wasi:cli/stderr", "wasi:io/streams", "wasi:io/error"];

/// What a stream owner imports for itself: the clock its ready pollables come from.
const STREAMS_PRIVATE: &[&str] = &["wasi:clocks/monotonic-clock"];

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

/// A WASI release interpose serves: an interface at any patch of it is the same interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Release {
    /// 0.2.x: every adapter and stub.
    P2,
    /// 0.3.x: the adapters built for it (`env`, `clocks`, `random`, `sockets`, `fs`, `http`,
    /// `stdio`) and the denial
    /// component's 0.3 rows; no stubs yet.
    P3,
}

/// The release of `name`'s version (an import or export name, or a bare version) if interpose
/// serves it: 0.2.x or 0.3.x, any patch, but no pre-release and nothing else. Build metadata
/// does not count, as in semver.
pub fn release(name: &str) -> Option<Release> {
    let version = version(name).unwrap_or(name);
    let version = version.split_once('+').map_or(version, |(v, _)| v);
    let (release, patch) = if let Some(patch) = version.strip_prefix("0.2.") {
        (Release::P2, patch)
    } else {
        (Release::P3, version.strip_prefix("0.3.")?)
    };
    (!patch.is_empty() && patch.bytes().all(|b| b.is_ascii_digit())).then_some(release)
}

/// Whether two names are the same interface for wiring: the same name, or the same interface at
/// two versions of one release (`wasi:io/streams@0.2.0` and `@0.2.6`; never `@0.2.6` and
/// `@0.3.0`).
pub fn same_interface(a: &str, b: &str) -> bool {
    a == b || (unversioned(a) == unversioned(b) && release(a).is_some() && release(a) == release(b))
}

impl Adapter {
    /// The WASI interfaces it exports (and wraps), without version.
    pub fn interfaces(&self) -> impl Iterator<Item = &'static str> + use<> {
        self.component.exports.iter().map(|e| unversioned(e))
    }

    /// Whether it exports (and wraps) `interface` (without version).
    pub fn serves(&self, interface: &str) -> bool {
        self.interfaces().any(|i| i == interface)
    }

    /// The WASI version it exports its interfaces at (the build script checks there is one). It
    /// serves an app's imports of the same release at any patch (`0.2.0` serves `@0.2.6`,
    /// `0.3.0` serves `@0.3.2`), never another release: 0.2 and 0.3 are different interfaces.
    pub fn version(&self) -> &'static str {
        self.component
            .exports
            .first()
            .and_then(|e| version(e))
            .expect("adapters export versioned interfaces")
    }

    /// The release of what it exports.
    pub fn release(&self) -> Release {
        release(self.version()).expect("adapters export a release interpose serves")
    }
}

/// The adapter that serves `interface` (without version) at `release` for a policy section that
/// `adapter` (a 0.2 row) serves at 0.2; `None` if there is none at that release.
pub fn at_release(adapter: &'static Adapter, release: Release) -> Option<&'static Adapter> {
    match release {
        Release::P2 => Some(adapter),
        Release::P3 => match adapter.name {
            "env" => Some(&ENV_P3),
            "clocks" => Some(&CLOCKS_P3),
            "random" => Some(&RANDOM_P3),
            "sockets" => Some(&SOCKETS_P3),
            "fs" => Some(&FS_P3),
            "fs-paths" => Some(&FS_PATHS_P3),
            // One adapter at 0.3: it does not need to wrap `wasi:http/types` to change headers.
            "http" | "http-headers" => Some(&HTTP_P3),
            "stdio" => Some(&STDIO_P3),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table is checked against the adapters themselves: what each exports is what the table
    /// says it serves, and what it uses privately it imports. A new adapter or WASI version that
    /// disagrees with its row fails here, not in a composition.
    /// What the table says of each adapter's imports, which only its source knows, is checked
    /// against the component: what it uses privately or leaves to the policy it imports. (What
    /// it exports is read from the component itself.)
    #[test]
    fn the_table_matches_the_adapters_worlds() {
        for adapter in ALL {
            let imports = adapter.component.imports;
            for private in adapter.private {
                assert!(
                    imports.iter().any(|i| unversioned(i) == *private),
                    "the `{}` adapter does not import {private}",
                    adapter.name
                );
            }
            // What it leaves to the policy is imported at another release than it exports.
            for decided in adapter.decided {
                assert!(
                    imports.iter().any(|i| unversioned(i) == *decided
                        && release(i).is_some_and(|r| r != adapter.release())),
                    "the `{}` adapter does not import {decided} of another release",
                    adapter.name
                );
            }
            // Every component built is in the table, once.
            assert_eq!(
                interpose_adapters::COMPONENTS
                    .iter()
                    .filter(|c| c.name == adapter.name)
                    .count(),
                1
            );
        }
        assert_eq!(interpose_adapters::COMPONENTS.len(), ALL.len());
    }

    #[test]
    fn releases_are_never_joined() {
        assert!(same_interface(
            "wasi:io/streams@0.2.0",
            "wasi:io/streams@0.2.6"
        ));
        assert!(same_interface(
            "wasi:cli/environment@0.3.0",
            "wasi:cli/environment@0.3.2"
        ));
        assert!(!same_interface(
            "wasi:cli/environment@0.2.6",
            "wasi:cli/environment@0.3.0"
        ));
        assert!(!same_interface(
            "wasi:random/random@0.3.0-rc-2025-09-16",
            "wasi:random/random@0.3.0"
        ));
        assert_eq!(
            release("wasi:clocks/system-clock@0.3.2+x"),
            Some(Release::P3)
        );
        assert_eq!(release("wasi:clocks/system-clock@0.4.0"), None);
        assert_eq!(release("wasi:clocks/system-clock@0.3"), None);
        // Every 0.3 row is the 0.3 build of a 0.2 one.
        for adapter in ALL.iter().filter(|a| a.release() == Release::P3) {
            assert!(
                ALL.iter()
                    .any(|a| at_release(a, Release::P3) == Some(*adapter)),
                "{}",
                adapter.name
            );
        }
        for adapter in ALL.iter().filter(|a| a.release() == Release::P2) {
            assert_eq!(at_release(adapter, Release::P2), Some(*adapter));
            if let Some(p3) = at_release(adapter, Release::P3) {
                assert!(ALL.contains(&p3) && p3.release() == Release::P3);
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
