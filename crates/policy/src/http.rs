//! HTTP rules: which outgoing requests (`wasi:http/outgoing-handler`) the `http` adapter lets
//! through to the host.
//!
//! A request is allowed if some rule matches all of the fields that rule gives; a field a rule
//! leaves out matches anything. The adapter only reads the request (method, scheme, authority,
//! path) and then hands the very same request to the host, or drops it: headers and bodies never
//! pass through this code.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::glob::GlobList;

/// Rules for `wasi:http/outgoing-handler`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HttpRules {
    /// A request is allowed if one of these matches it; none at all denies every request.
    pub allow: Vec<HttpRule>,
}

/// One allowlist entry. `None` fields match anything.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HttpRule {
    /// Over `host[:port]` (without user info), lowercased: host names are case insensitive.
    pub authority: Option<GlobList>,
    /// Compared case-sensitively with the method as WASI reports it (`GET`, `POST`, ...).
    pub methods: Option<Vec<String>>,
    /// `http` or `https`.
    pub schemes: Option<Vec<String>>,
    /// Over the path part of the path-with-query (the query is ignored); `*` stops at `/`.
    pub paths: Option<GlobList>,
    /// Headers set on the requests this rule lets through (names lowercased), replacing any the
    /// app set under the same name; the app never sees them.
    pub set_headers: Vec<(String, String)>,
    /// Headers removed from the requests this rule lets through (names lowercased).
    pub strip_headers: Vec<String>,
}

impl HttpRules {
    /// Whether a request with these parts may be sent. `scheme` is `http`, `https` or another
    /// scheme as given by the app; `authority` and `path_with_query` are empty when the request
    /// has none (a rule with `authority` or `paths` then does not match).
    pub fn allows(
        &self,
        method: &str,
        scheme: &str,
        authority: &str,
        path_with_query: &str,
    ) -> bool {
        self.matching_rule(method, scheme, authority, path_with_query)
            .is_some()
    }

    /// The first rule that matches a request with these parts (see [`HttpRules::allows`]): the
    /// one whose header changes apply to it.
    pub fn matching_rule(
        &self,
        method: &str,
        scheme: &str,
        authority: &str,
        path_with_query: &str,
    ) -> Option<&HttpRule> {
        let scheme = scheme.to_ascii_lowercase();
        let authorities = authority_forms(&scheme, authority);
        let path = request_path(path_with_query);
        self.allow
            .iter()
            .find(|rule| rule.matches(method, &scheme, &authorities, path))
    }

    /// Whether some rule changes headers: then the adapter that can rewrite requests is needed.
    pub fn rewrites_headers(&self) -> bool {
        self.allow.iter().any(HttpRule::rewrites_headers)
    }
}

impl HttpRule {
    pub fn rewrites_headers(&self) -> bool {
        !self.set_headers.is_empty() || !self.strip_headers.is_empty()
    }

    /// The headers to send for a request this rule lets through, given the app's: the stripped
    /// ones and those `set-headers` replaces removed (names compare case-insensitively), then
    /// `set-headers` added.
    pub fn rewrite(&self, headers: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
        let mut out = self.strip_trailers(headers);
        out.extend(
            self.set_headers
                .iter()
                .map(|(name, value)| (name.clone(), value.as_bytes().to_vec())),
        );
        out
    }

    /// The trailers to send after the body of a request this rule let through: without the
    /// names it strips or sets, which the app may not send as trailers either (some servers
    /// merge trailers into the headers).
    pub fn strip_trailers(&self, fields: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
        let changed = |name: &str| {
            self.strip_headers
                .iter()
                .any(|n| n.eq_ignore_ascii_case(name))
                || self
                    .set_headers
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case(name))
        };
        fields
            .into_iter()
            .filter(|(name, _)| !changed(name))
            .collect()
    }

    fn matches(
        &self,
        method: &str,
        scheme: &str,
        authorities: &[String],
        path: Option<&str>,
    ) -> bool {
        let listed = |list: &Option<Vec<String>>, value: &str| {
            list.as_ref()
                .is_none_or(|list| list.iter().any(|item| item == value))
        };
        let listed_explicitly = |list: &Option<Vec<String>>, value: &str| {
            list.as_ref()
                .is_some_and(|list| list.iter().any(|item| item == value))
        };
        // A rule that adds headers (a credential, usually) is stricter where it leaves a key
        // out: `https` only, so that the header never crosses the network in clear, and no
        // `TRACE` or `CONNECT`, which would echo it back to the app or tunnel past it.
        let adds_headers = !self.set_headers.is_empty();
        let scheme_ok = if adds_headers && self.schemes.is_none() {
            scheme == "https"
        } else {
            listed(&self.schemes, scheme)
        };
        let method_ok = if adds_headers && ECHOING_METHODS.contains(&method) {
            listed_explicitly(&self.methods, method)
        } else {
            listed(&self.methods, method)
        };
        method_ok
            && scheme_ok
            && self
                .authority
                .as_ref()
                .is_none_or(|globs| authorities.iter().any(|a| globs.is_match(a)))
            && self
                .paths
                .as_ref()
                .is_none_or(|globs| path.is_some_and(|p| globs.is_match(p)))
    }
}

/// Methods a rule with `set-headers` allows only if it lists them.
const ECHOING_METHODS: [&str; 2] = ["TRACE", "CONNECT"];

/// The spellings of `authority` a rule may match: `host[:port]` without any user info, and, for
/// `http` and `https`, the same destination with the default port made explicit or left out
/// (`example.com` and `example.com:443` for `https`). Empty if there is no host.
fn authority_forms(scheme: &str, authority: &str) -> Vec<String> {
    // `user:pass@host:port`: the host is after the last `@`.
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    if host_port.is_empty() {
        return Vec::new();
    }
    let mut forms = alloc::vec![String::from(host_port)];
    let default_port = match scheme {
        "http" => Some("80"),
        "https" => Some("443"),
        _ => None,
    };
    if let Some(port) = default_port {
        // An IPv6 literal is bracketed: the port is after the `]`.
        let after_host = host_port.rsplit(']').next().unwrap_or_default();
        match after_host.rsplit_once(':') {
            None => forms.push(format!("{host_port}:{port}")),
            Some((_, given)) if given == port => {
                forms.push(String::from(&host_port[..host_port.len() - port.len() - 1]));
            }
            Some(_) => {}
        }
    }
    forms
}

/// The path of a path-with-query, if path globs may be applied to it: it must start with `/`, and
/// it must not contain what a server could turn into another path than the one checked (`.` and
/// `..` segments, also percent-encoded, and encoded or back slashes). `None` matches no path glob.
pub fn request_path(path_with_query: &str) -> Option<&str> {
    let path = path_with_query.split(['?', '#']).next().unwrap_or_default();
    if !path.starts_with('/') || path.contains('\\') || path.chars().any(char::is_control) {
        return None;
    }
    let lower = path.to_ascii_lowercase();
    // Encoded slashes, backslashes and NULs, and `%25` (an encoded `%`, which a server that
    // decodes twice turns into any of them).
    if ["%2f", "%5c", "%00", "%25"]
        .iter()
        .any(|e| lower.contains(e))
    {
        return None;
    }
    let decoded = lower.replace("%2e", ".");
    // A segment's `;parameters` are dropped by some servers (`/a/..;/b` is `/b` to them).
    if decoded
        .split('/')
        .map(|segment| segment.split(';').next().unwrap_or_default())
        .any(|segment| segment == "." || segment == "..")
    {
        return None;
    }
    Some(path)
}
