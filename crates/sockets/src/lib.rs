//! `wasi:sockets`, filtered by the policy's `sockets` allowlists.
//!
//! Built without features it is the WASI 0.2 adapter (module `p2`); with the `p3` feature the
//! WASI 0.3 one (`wit/p3/world.wit`, module `p3`). Both decide with the same rules
//! (`interpose_policy::sockets::SocketRules`, tested natively) on the same addresses; only the
//! interfaces they wrap differ. Everything denied fails with `error-code::access-denied`, and
//! data never passes through the adapter: the streams of a socket are the host's.

#[cfg(not(feature = "p3"))]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "interpose:adapters/sockets",
        generate_all,
    });
}

#[cfg(feature = "p3")]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/p3",
        world: "interpose:adapters-p3/sockets",
        // The exported and imported `wasi:sockets/types` are one Rust type each (`error-code`,
        // `ip-socket-address`, the payloads of the host's streams and futures), so they can be
        // handed on without conversion.
        merge_structurally_equal_types: true,
        generate_all,
    });
}

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::sync::OnceLock;

use bindings::interpose::policy::source;
use interpose_policy::compiled;
use interpose_policy::sockets::SocketRules;

#[cfg(not(feature = "p3"))]
mod p2;
#[cfg(not(feature = "p3"))]
use p2::Sockets;

#[cfg(feature = "p3")]
mod p3;
#[cfg(feature = "p3")]
use p3::Sockets;

/// The rules, decoded once; `None` if the baked-in policy does not decode (everything is then
/// refused: this adapter fails closed).
fn rules() -> Option<&'static SocketRules> {
    static RULES: OnceLock<Option<SocketRules>> = OnceLock::new();
    RULES
        .get_or_init(|| {
            compiled::load_section(source::len(), source::chunk, |e| e.sockets)
                .ok()
                .map(Option::unwrap_or_default)
        })
        .as_ref()
}

/// Whether the rules allow what `allowed` asks; never when they do not decode.
fn allows(allowed: impl FnOnce(&SocketRules) -> bool) -> bool {
    rules().is_some_and(allowed)
}

/// An IPv4 socket address as WASI gives it (both versions), for the rules.
fn v4((x, y, z, w): (u8, u8, u8, u8), port: u16) -> SocketAddr {
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(x, y, z, w), port))
}

/// An IPv6 socket address as WASI gives it (both versions), for the rules.
fn v6(
    (s0, s1, s2, s3, s4, s5, s6, s7): (u16, u16, u16, u16, u16, u16, u16, u16),
    port: u16,
    flow_info: u32,
    scope_id: u32,
) -> SocketAddr {
    SocketAddr::V6(SocketAddrV6::new(
        Ipv6Addr::new(s0, s1, s2, s3, s4, s5, s6, s7),
        port,
        flow_info,
        scope_id,
    ))
}

bindings::export!(Sockets with_types_in bindings);
