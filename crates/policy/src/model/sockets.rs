//! The `sockets` section: `wasi:sockets` passed through, denied, or filtered by address
//! allowlists.

use std::fmt;
use std::net::IpAddr;

use schemars::JsonSchema;
use serde::de::{self, Deserializer, SeqAccess, Unexpected, Visitor};
use serde::{Deserialize, Serialize};

use super::access::{Access, Rules};
use crate::glob::Separator;
use crate::sockets::{AddressRule, AddressRules, IpRange, SocketRules};

/// The `sockets` section (`wasi:sockets`: TCP, UDP, name lookup). `"deny"`: every
/// `wasi:sockets` interface is the denial component's (`access-denied`); the allowlist form
/// allows only what its lists allow, and everything else fails with `error-code::access-denied`.
pub type SocketsPolicy = Access<SocketsAllow>;

/// The allowlist form. A key left out allows nothing for its operation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SocketsAllow {
    /// Addresses TCP sockets may connect to (`tcp-socket.start-connect`): `ADDR:PORTS`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub connect: Vec<SocketAddrRule>,
    /// Local addresses TCP and UDP sockets may bind (`start-bind`, also before `listen`):
    /// `ADDR:PORTS`, e.g. `127.0.0.1:*` or `0.0.0.0:8080`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bind: Vec<SocketAddrRule>,
    /// `false` or `"deny"` (default): creating a UDP socket fails. A list: the remote addresses
    /// UDP sockets may be connected to and send datagrams to.
    #[serde(default)]
    pub udp: UdpPolicy,
    /// Globs over the host names `ip-name-lookup.resolve-addresses` may resolve, matched
    /// case-insensitively (`localhost`, `*.example.com`). IP literals always resolve.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resolve: Vec<HostNameGlob>,
}

/// `udp`: denied, or the remote addresses UDP sockets may use.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum UdpPolicy {
    #[default]
    #[schemars(with = "DenyKeyword")]
    #[serde(serialize_with = "deny_keyword")]
    Deny,
    Allow(Vec<SocketAddrRule>),
}

#[derive(JsonSchema)]
#[allow(dead_code)]
enum DenyKeyword {
    #[serde(rename = "deny")]
    Deny,
}

fn deny_keyword<S: serde::Serializer>(s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("deny")
}

impl<'de> Deserialize<'de> for UdpPolicy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct UdpVisitor;
        impl<'de> Visitor<'de> for UdpVisitor {
            type Value = UdpPolicy;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(r#"false, "deny" or a list of "ADDR:PORTS" rules"#)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<UdpPolicy, E> {
                if v {
                    return Err(E::custom(
                        "`true` is not a rule: list the remote addresses UDP may use \
                         (`[\"*:*\"]` for any), or write `false`",
                    ));
                }
                Ok(UdpPolicy::Deny)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<UdpPolicy, E> {
                match v {
                    "deny" => Ok(UdpPolicy::Deny),
                    other => Err(E::invalid_value(Unexpected::Str(other), &self)),
                }
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<UdpPolicy, A::Error> {
                let mut rules = Vec::new();
                while let Some(rule) = seq.next_element::<SocketAddrRule>()? {
                    rules.push(rule);
                }
                Ok(UdpPolicy::Allow(rules))
            }
        }
        d.deserialize_any(UdpVisitor)
    }
}

/// `ADDR:PORTS`: ADDR is an IPv4 or bracketed IPv6 address, optionally with a CIDR prefix
/// (`127.0.0.1`, `10.0.0.0/8`, `[::1]`, `[fd00::]/8`) or `*`; PORTS is `N`, `N-M` or `*`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct SocketAddrRule(#[schemars(with = "String")] String);

impl SocketAddrRule {
    /// The rule as ranges; `Err` says why the text is not a rule.
    pub fn parse(text: &str) -> Result<AddressRule, String> {
        let shape = || {
            format!(
                "`{text}` is not `ADDR:PORTS` (such as `127.0.0.1:8080`, `10.0.0.0/8:1024-2047`, \
                 `[::1]:*` or `*:443`)"
            )
        };
        let (addr, ports) = if let Some(rest) = text.strip_prefix('[') {
            let (inside, after) = rest.split_once(']').ok_or_else(shape)?;
            let (prefix, ports) = after.split_once(':').ok_or_else(shape)?;
            let prefix = match prefix {
                "" => None,
                p => Some(p.strip_prefix('/').ok_or_else(shape)?),
            };
            if inside.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(format!("`{inside}` in `{text}` is not an IPv6 address"));
            }
            ((inside, prefix), ports)
        } else {
            let (addr, ports) = text.rsplit_once(':').ok_or_else(|| {
                if looks_like_name(text) {
                    host_name(text)
                } else {
                    format!("{}: the port is missing (`*` for any)", shape())
                }
            })?;
            if addr.contains(':') {
                return Err(format!(
                    "write IPv6 addresses in brackets, as in `[::1]:80` (`{text}`)"
                ));
            }
            let (ip, prefix) = match addr.split_once('/') {
                Some((ip, prefix)) => (ip, Some(prefix)),
                None => (addr, None),
            };
            if ip != "*" && ip.parse::<std::net::Ipv4Addr>().is_err() {
                return Err(if looks_like_name(ip) {
                    host_name(text)
                } else {
                    format!("`{ip}` in `{text}` is not an IPv4 address")
                });
            }
            ((ip, prefix), ports)
        };
        let ips = match addr {
            ("*", None) => IpRange::Any,
            ("*", Some(_)) => return Err(format!("`*` takes no prefix (`{text}`)")),
            (ip, prefix) => {
                let ip: IpAddr = ip.parse().map_err(|_| shape())?;
                let max = if ip.is_ipv4() { 32 } else { 128 };
                let prefix = match prefix {
                    None => max,
                    Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| {
                        format!("`/{p}` in `{text}` is not a prefix length (0 to {max})")
                    })?,
                };
                let range = IpRange::cidr(ip, prefix);
                let start = match range {
                    IpRange::V4(lo, _) => IpAddr::from(std::net::Ipv4Addr::from(lo)),
                    IpRange::V6(lo, _) => IpAddr::from(std::net::Ipv6Addr::from(lo)),
                    IpRange::Any => ip,
                };
                if start != ip {
                    return Err(format!(
                        "`{text}` has address bits set after the /{prefix} prefix; write the \
                         network address (`{start}`)"
                    ));
                }
                range
            }
        };
        let port = |p: &str| {
            p.parse::<u16>()
                .map_err(|_| format!("`{p}` in `{text}` is not a port (0 to 65535, `N-M` or `*`)"))
        };
        let ports = match ports {
            "*" => (0, u16::MAX),
            range => match range.split_once('-') {
                Some((lo, hi)) => {
                    let (lo, hi) = (port(lo)?, port(hi)?);
                    if lo > hi {
                        return Err(format!("empty port range `{range}` in `{text}`"));
                    }
                    (lo, hi)
                }
                None => {
                    let p = port(range)?;
                    (p, p)
                }
            },
        };
        Ok(AddressRule { ips, ports })
    }
}

fn looks_like_name(text: &str) -> bool {
    text.chars().any(|c| c.is_ascii_alphabetic()) && !text.contains(['[', ']'])
}

fn host_name(text: &str) -> String {
    format!(
        "host names are not allowed in address rules (`{text}`): the adapter sees the addresses \
         sockets use, not names; list the name in `resolve` and its addresses here (such as \
         `127.0.0.1:8080`)"
    )
}

impl<'de> Deserialize<'de> for SocketAddrRule {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        SocketAddrRule::parse(&text).map_err(de::Error::custom)?;
        Ok(SocketAddrRule(text))
    }
}

/// A glob over host names, matched case-insensitively.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct HostNameGlob(#[schemars(with = "String")] String);

impl HostNameGlob {
    /// The glob as written. (Only parsing makes one, after validating it: a glob that does not
    /// compile cannot exist, so none can silently match nothing.)
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for HostNameGlob {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text.is_empty() {
            return Err(de::Error::custom("an empty name glob matches nothing"));
        }
        if text.contains([':', '/']) {
            return Err(de::Error::custom(format!(
                "`{text}` is not a host name glob: `resolve` lists names (`localhost`, \
                 `*.example.com`), without port or scheme"
            )));
        }
        super::validate_glob(&text, Separator::None).map_err(de::Error::custom)?;
        Ok(HostNameGlob(text))
    }
}

fn compile_rules(rules: &[SocketAddrRule]) -> AddressRules {
    AddressRules {
        sources: rules.iter().map(|r| r.0.clone()).collect(),
        // A `SocketAddrRule` is only made by parsing (its field is private): every one parses.
        rules: rules
            .iter()
            .map(|r| SocketAddrRule::parse(&r.0).expect("a SocketAddrRule is made by parsing"))
            .collect(),
    }
}

impl SocketsPolicy {
    /// The compiled allowlists; `None` for `"host"` and `"deny"` (no adapter is plugged).
    pub(super) fn compile(&self) -> Option<SocketRules> {
        let allow = self.rules()?;
        let resolve =
            super::compile_globs(allow.resolve.iter().map(|g| g.0.as_str()), Separator::None)
                .case_insensitive();
        Some(SocketRules {
            connect: compile_rules(&allow.connect),
            bind: compile_rules(&allow.bind),
            udp: match &allow.udp {
                UdpPolicy::Deny => None,
                UdpPolicy::Allow(rules) => Some(compile_rules(rules)),
            },
            resolve,
        })
    }
}

impl Rules for SocketsAllow {
    const NAME: &'static str = "SocketsPolicy";
    const FORMS: &'static [&'static str] =
        &[r#"{"connect": [..], "bind": [..], "udp": .., "resolve": [..]}"#];
}
