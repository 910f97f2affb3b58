//! Socket rules: which addresses the `sockets` adapter lets an app connect to, bind, or exchange
//! UDP datagrams with, and which names it may resolve.
//!
//! Address rules are checked against the socket address actually used (IP and port), never
//! against a name: the adapter only ever sees addresses at `start-connect`, `start-bind`,
//! `udp-socket.stream` and `outgoing-datagram-stream.send`, so resolving an allowed name to an
//! address that is not listed and then connecting to it is refused.

use alloc::string::String;
use alloc::vec::Vec;
use core::net::{IpAddr, SocketAddr};
use serde::{Deserialize, Serialize};

use crate::glob::GlobList;

/// Rules for `wasi:sockets`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SocketRules {
    /// `tcp-socket.start-connect`.
    pub connect: AddressRules,
    /// `tcp-socket.start-bind` and `udp-socket.start-bind`.
    pub bind: AddressRules,
    /// `None`: creating a UDP socket fails. `Some`: the remote addresses UDP sockets may use
    /// (`udp-socket.stream` with a remote address, and every outgoing datagram's address).
    pub udp: Option<AddressRules>,
    /// Names `ip-name-lookup.resolve-addresses` may resolve (lowercased, case-insensitive).
    pub resolve: GlobList,
}

/// A list of `ADDR:PORTS` rules; an address is allowed if one of them matches it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressRules {
    /// The rules as written in the policy (for `interpose inspect`).
    pub sources: Vec<String>,
    pub rules: Vec<AddressRule>,
}

/// One `ADDR:PORTS` rule, compiled to ranges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressRule {
    pub ips: IpRange,
    /// Inclusive.
    pub ports: (u16, u16),
}

/// A range of addresses of one family (inclusive bounds), or every address (`*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum IpRange {
    Any,
    V4(u32, u32),
    V6(u128, u128),
}

impl IpRange {
    /// `addr/prefix` as a range; `prefix` must be at most 32 (IPv4) or 128 (IPv6).
    pub fn cidr(addr: IpAddr, prefix: u8) -> IpRange {
        match addr {
            IpAddr::V4(v4) => {
                let bits = u32::from(v4);
                let host = u32::MAX.checked_shr(u32::from(prefix)).unwrap_or(0);
                IpRange::V4(bits & !host, bits | host)
            }
            IpAddr::V6(v6) => {
                let bits = u128::from(v6);
                let host = u128::MAX.checked_shr(u32::from(prefix)).unwrap_or(0);
                IpRange::V6(bits & !host, bits | host)
            }
        }
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (*self, ip) {
            (IpRange::Any, _) => true,
            (IpRange::V4(lo, hi), IpAddr::V4(v4)) => (lo..=hi).contains(&u32::from(v4)),
            (IpRange::V6(lo, hi), IpAddr::V6(v6)) => (lo..=hi).contains(&u128::from(v6)),
            _ => false,
        }
    }
}

/// The address a socket address really designates: an IPv4-mapped IPv6 address
/// (`::ffff:a.b.c.d`, which a dual-stack socket uses to reach `a.b.c.d`) is the IPv4 address.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => ip,
        },
        v4 => v4,
    }
}

impl AddressRules {
    /// Whether `addr` (IP and port) is allowed. IPv4-mapped IPv6 addresses are checked as the
    /// IPv4 address they map.
    pub fn allows(&self, addr: SocketAddr) -> bool {
        let ip = canonical(addr.ip());
        let port = addr.port();
        self.rules
            .iter()
            .any(|rule| rule.ips.contains(ip) && (rule.ports.0..=rule.ports.1).contains(&port))
    }
}

impl SocketRules {
    pub fn allows_connect(&self, addr: SocketAddr) -> bool {
        self.connect.allows(addr)
    }

    pub fn allows_bind(&self, addr: SocketAddr) -> bool {
        self.bind.allows(addr)
    }

    pub fn allows_udp(&self) -> bool {
        self.udp.is_some()
    }

    /// Whether UDP datagrams may be sent to (and a UDP socket connected to) `addr`.
    pub fn allows_udp_remote(&self, addr: SocketAddr) -> bool {
        self.udp.as_ref().is_some_and(|rules| rules.allows(addr))
    }

    /// Whether `name` may be resolved. An IP address literal resolves to itself and reveals
    /// nothing, so it is always allowed (connecting to it is checked like any address).
    pub fn allows_resolve(&self, name: &str) -> bool {
        let literal = name.strip_prefix('[').and_then(|n| n.strip_suffix(']'));
        if literal.unwrap_or(name).parse::<IpAddr>().is_ok() {
            return true;
        }
        let name = name.strip_suffix('.').unwrap_or(name);
        !name.is_empty() && self.resolve.is_match(&name.to_ascii_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::{Ipv4Addr, Ipv6Addr};

    fn rule(ip: &str, prefix: u8, ports: (u16, u16)) -> AddressRule {
        AddressRule {
            ips: IpRange::cidr(ip.parse().unwrap(), prefix),
            ports,
        }
    }

    fn rules(list: &[AddressRule]) -> AddressRules {
        AddressRules {
            sources: Vec::new(),
            rules: list.to_vec(),
        }
    }

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn cidr_ranges() {
        assert_eq!(
            IpRange::cidr(IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3)), 8),
            IpRange::V4(0x0a00_0000, 0x0aff_ffff)
        );
        assert_eq!(
            IpRange::cidr(IpAddr::V4(Ipv4Addr::new(1, 2, 3, 4)), 0),
            IpRange::V4(0, u32::MAX)
        );
        assert_eq!(
            IpRange::cidr(IpAddr::V4(Ipv4Addr::new(1, 2, 3, 4)), 32),
            IpRange::V4(0x0102_0304, 0x0102_0304)
        );
        assert_eq!(
            IpRange::cidr(IpAddr::V6(Ipv6Addr::LOCALHOST), 128),
            IpRange::V6(1, 1)
        );
    }

    #[test]
    fn address_and_port_must_both_match() {
        let r = rules(&[
            rule("127.0.0.1", 32, (8080, 8080)),
            rule("10.0.0.0", 8, (1, 1024)),
        ]);
        assert!(r.allows(sa("127.0.0.1:8080")));
        assert!(!r.allows(sa("127.0.0.1:8081")));
        assert!(!r.allows(sa("127.0.0.2:8080")));
        assert!(r.allows(sa("10.200.3.4:443")));
        assert!(!r.allows(sa("10.200.3.4:1025")));
        assert!(!r.allows(sa("11.0.0.1:443")));
        assert!(!r.allows(sa("[::1]:8080")));
        assert!(!rules(&[]).allows(sa("127.0.0.1:8080")));
    }

    #[test]
    fn families_do_not_mix_but_mapped_addresses_are_ipv4() {
        let r = rules(&[rule("127.0.0.1", 32, (80, 80))]);
        assert!(r.allows(sa("[::ffff:127.0.0.1]:80")));
        assert!(!r.allows(sa("[::ffff:127.0.0.2]:80")));
        let v6 = rules(&[rule("fd00::", 8, (0, u16::MAX))]);
        assert!(v6.allows(sa("[fd12::1]:5")));
        assert!(!v6.allows(sa("[fe80::1]:5")));
        assert!(!v6.allows(sa("253.0.0.1:5")));
        let any = rules(&[AddressRule {
            ips: IpRange::Any,
            ports: (53, 53),
        }]);
        assert!(any.allows(sa("8.8.8.8:53")) && any.allows(sa("[::1]:53")));
        assert!(!any.allows(sa("8.8.8.8:54")));
    }

    #[test]
    fn udp_absent_denies_everything() {
        let r = SocketRules::default();
        assert!(!r.allows_udp() && !r.allows_udp_remote(sa("127.0.0.1:1")));
        assert!(!r.allows_connect(sa("127.0.0.1:1")) && !r.allows_bind(sa("0.0.0.0:0")));
    }

    #[test]
    fn literals_always_resolve_names_only_if_listed() {
        let r = SocketRules::default();
        assert!(r.allows_resolve("127.0.0.1") && r.allows_resolve("::1"));
        assert!(r.allows_resolve("[::1]"));
        assert!(!r.allows_resolve("localhost") && !r.allows_resolve(""));
    }
}
