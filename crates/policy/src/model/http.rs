//! The `http` section: `wasi:http/outgoing-handler` passed through, denied, or filtered by an
//! allowlist.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

use super::access::{Access, Rules};
use crate::glob::Separator;
use crate::http::{HttpRule, HttpRules};

/// The `http` section: outgoing requests (`wasi:http/outgoing-handler`). `"deny"`: sending a
/// request fails with `HTTP-request-denied`.
pub type HttpPolicy = Access<HttpAllow>;

/// `{"allow": [rules]}`: only requests that one of these rules matches are sent; the others fail
/// with `error-code::HTTP-request-denied`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpAllow {
    #[serde(deserialize_with = "super::objects")]
    pub allow: Vec<HttpRulePolicy>,
    /// Refused here with a hint: header changes belong in a rule.
    #[serde(rename = "set-headers", default, skip_serializing)]
    #[schemars(skip)]
    set_headers: HeadersBelongInRules,
    #[serde(rename = "strip-headers", default, skip_serializing)]
    #[schemars(skip)]
    strip_headers: HeadersBelongInRules,
}

impl HttpAllow {
    pub fn new(allow: Vec<HttpRulePolicy>) -> HttpAllow {
        HttpAllow {
            allow,
            ..HttpAllow::default()
        }
    }
}

impl Rules for HttpAllow {
    const NAME: &'static str = "HttpPolicy";
    const FORMS: &'static [&'static str] = &[r#"{"allow": [rules]}"#];
}

/// One allowlist entry: a request matches if it matches every field given (a field left out
/// matches anything).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpRulePolicy {
    /// A glob over `host[:port]`, matched case-insensitively (`api.example.com`,
    /// `*.example.com`, `127.0.0.1:8080`). The default port of the scheme may be written or not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<AuthorityGlob>,
    /// Methods as WASI reports them, case-sensitive: `GET`, `POST`, ...
    #[serde(
        default,
        deserialize_with = "non_empty",
        skip_serializing_if = "Option::is_none"
    )]
    pub methods: Option<Vec<HttpMethod>>,
    /// `"http"` and/or `"https"`.
    #[serde(
        default,
        deserialize_with = "non_empty",
        skip_serializing_if = "Option::is_none"
    )]
    pub schemes: Option<Vec<HttpScheme>>,
    /// Globs over the request path (the query is ignored): `*` stops at `/`, `**` spans
    /// segments (`/v1/users/*`, `/static/**`).
    #[serde(
        default,
        deserialize_with = "non_empty",
        skip_serializing_if = "Option::is_none"
    )]
    pub paths: Option<Vec<UrlPathGlob>>,
    /// Headers set on the requests this rule lets through, replacing any the app set under the
    /// same name (`{"authorization": "Bearer ..."}`); the app cannot read them.
    #[serde(
        rename = "set-headers",
        default,
        deserialize_with = "settable_headers",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub set_headers: BTreeMap<HeaderName, HeaderValue>,
    /// Headers removed from the requests this rule lets through (`["cookie"]`).
    #[serde(
        rename = "strip-headers",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub strip_headers: Vec<HeaderName>,
}

/// A glob over `host[:port]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct AuthorityGlob(#[schemars(with = "String")] String);

impl AuthorityGlob {
    /// The glob as written. (Only parsing makes one, after validating it: a glob that does not
    /// compile cannot exist, so none can silently match nothing.)
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for AuthorityGlob {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text.contains("://") {
            return Err(de::Error::custom(format!(
                "an authority is `host[:port]`, without scheme (`{text}`); use `schemes` for the \
                 scheme"
            )));
        }
        if text.contains('/') {
            return Err(de::Error::custom(format!(
                "an authority is `host[:port]`, without path (`{text}`); use `paths` for paths"
            )));
        }
        if text.contains('@') {
            return Err(de::Error::custom(format!(
                "an authority glob is `host[:port]`, without user info (`{text}`); user info in \
                 a request is ignored when matching"
            )));
        }
        if text.is_empty() {
            return Err(de::Error::custom(
                "an empty authority matches nothing; leave `authority` out to match any",
            ));
        }
        super::validate_glob(&text, Separator::None).map_err(de::Error::custom)?;
        Ok(AuthorityGlob(text))
    }
}

/// An HTTP method, exactly as WASI reports it (`GET`, or an extension method's own spelling).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct HttpMethod(#[schemars(with = "String")] String);

/// Whether `text` is an RFC 9110 `token`: what methods and header names are made of.
fn is_token(text: &str) -> bool {
    let tchar = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    !text.is_empty() && text.chars().all(tchar)
}

/// The methods `wasi:http/types.method` names; WASI reports them in upper case.
const STANDARD_METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
];

impl<'de> Deserialize<'de> for HttpMethod {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if !is_token(&text) {
            return Err(de::Error::custom(format!(
                "`{text}` is not an HTTP method (a token such as `GET`)"
            )));
        }
        let upper = text.to_ascii_uppercase();
        if upper != text && STANDARD_METHODS.contains(&upper.as_str()) {
            return Err(de::Error::custom(format!(
                "methods are compared case-sensitively, as WASI reports them: write `{upper}`, \
                 not `{text}`"
            )));
        }
        Ok(HttpMethod(text))
    }
}

/// `"http"` or `"https"`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct HttpScheme(#[schemars(with = "SchemeKeyword")] String);

#[derive(JsonSchema)]
#[allow(dead_code)]
enum SchemeKeyword {
    #[serde(rename = "http")]
    Http,
    #[serde(rename = "https")]
    Https,
}

impl<'de> Deserialize<'de> for HttpScheme {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        match text.as_str() {
            "http" | "https" => Ok(HttpScheme(text)),
            other => Err(de::Error::custom(format!(
                r#"expected "http" or "https", found `{other}`"#
            ))),
        }
    }
}

/// A glob over request paths: `*`, `?` and classes stop at `/`, `**` spans segments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct UrlPathGlob(#[schemars(with = "String")] String);

impl UrlPathGlob {
    /// The glob as written. (Only parsing makes one, after validating it: a glob that does not
    /// compile cannot exist, so none can silently match nothing.)
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for UrlPathGlob {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if !(text.starts_with('/') || text.starts_with("**")) {
            return Err(de::Error::custom(format!(
                "path glob `{text}` must start with `/` (such as `/api/**`) or `**/`"
            )));
        }
        super::validate_glob(&text, Separator::Slash).map_err(de::Error::custom)?;
        Ok(UrlPathGlob(text))
    }
}

/// An HTTP header name (an RFC 9110 token), lowercased.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct HeaderName(#[schemars(with = "String")] String);

/// Headers that hosts do not let components set (wasmtime refuses them): setting one would
/// make every request fail.
const FORBIDDEN_HEADERS: [&str; 10] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "transfer-encoding",
    "upgrade",
    "host",
    "http2-settings",
];

impl<'de> Deserialize<'de> for HeaderName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if !is_token(&text) {
            return Err(de::Error::custom(format!(
                "`{text}` is not an HTTP header name (a token such as `authorization`)"
            )));
        }
        Ok(HeaderName(text.to_ascii_lowercase()))
    }
}

fn settable_headers<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<HeaderName, HeaderValue>, D::Error> {
    let headers = BTreeMap::<HeaderName, HeaderValue>::deserialize(d)?;
    if let Some(name) = headers
        .keys()
        .find(|name| FORBIDDEN_HEADERS.contains(&name.0.as_str()))
    {
        return Err(de::Error::custom(format!(
            "`{}` cannot be set: WASI hosts do not let components set it, so every request \
             would fail",
            name.0
        )));
    }
    Ok(headers)
}

/// An HTTP header value: visible ASCII, spaces and tabs, not starting or ending with white space.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct HeaderValue(#[schemars(with = "String")] String);

impl<'de> Deserialize<'de> for HeaderValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if !text
            .chars()
            .all(|c| c == ' ' || c == '\t' || c.is_ascii_graphic())
        {
            return Err(de::Error::custom(
                "a header value may hold visible ASCII characters, spaces and tabs only (no line \
                 breaks)",
            ));
        }
        if text.trim() != text {
            return Err(de::Error::custom(
                "a header value cannot start or end with white space",
            ));
        }
        Ok(HeaderValue(text))
    }
}

/// `set-headers` / `strip-headers` at the level of the `http` section: rejected, so that a
/// credential goes only where one rule allows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct HeadersBelongInRules;

impl<'de> Deserialize<'de> for HeadersBelongInRules {
    fn deserialize<D: Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
        Err(de::Error::custom(
            "header changes belong in the rule of the requests they are for (`\"allow\": \
             [{\"authority\": ..., \"set-headers\": {...}}]`), so that a credential is sent \
             only where that rule allows",
        ))
    }
}

/// `Some(list)` for a non-empty list; an empty one is an error rather than a rule that never
/// matches.
fn non_empty<'de, D, T>(d: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let list = Vec::<T>::deserialize(d)?;
    if list.is_empty() {
        return Err(de::Error::custom(
            "an empty list matches nothing; leave the key out to match anything",
        ));
    }
    Ok(Some(list))
}

impl HttpPolicy {
    /// Whether some rule changes headers ([`HttpRules::rewrites_headers`] of the compiled rules).
    pub fn rewrites_headers(&self) -> bool {
        self.rules().is_some_and(|rules| {
            rules
                .allow
                .iter()
                .any(|rule| !rule.set_headers.is_empty() || !rule.strip_headers.is_empty())
        })
    }

    /// The compiled allowlist; `None` for `"host"` and `"deny"` (no adapter is plugged).
    pub(super) fn compile(&self) -> Option<HttpRules> {
        let allow = self
            .rules()?
            .allow
            .iter()
            .map(|rule| HttpRule {
                authority: rule.authority.as_ref().map(|glob| {
                    super::compile_globs([glob.0.as_str()], Separator::None).case_insensitive()
                }),
                methods: rule
                    .methods
                    .as_ref()
                    .map(|m| m.iter().map(|m| m.0.clone()).collect()),
                schemes: rule
                    .schemes
                    .as_ref()
                    .map(|s| s.iter().map(|s| s.0.clone()).collect()),
                paths: rule.paths.as_ref().map(|paths| {
                    super::compile_globs(paths.iter().map(|p| p.0.as_str()), Separator::Slash)
                }),
                set_headers: rule
                    .set_headers
                    .iter()
                    .map(|(name, value)| (name.0.clone(), value.0.clone()))
                    .collect(),
                strip_headers: rule.strip_headers.iter().map(|n| n.0.clone()).collect(),
            })
            .collect();
        Some(HttpRules { allow })
    }
}
