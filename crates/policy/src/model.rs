//! The policy file format (JSON), its validation and its compilation.

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::compiled::{self, ArgsRule, CompiledPolicy, CwdRule, EnvRules};
use crate::glob::{self, GlobList, Separator};

mod access;
mod clocks;
mod fs;
mod http;
mod isolation;
mod random;
mod sockets;
pub use crate::fs::{FsMode, PreopenRule};
pub use access::{Access, Rules};
pub use clocks::{
    ClockDuration, ClockTime, ClocksPolicy, MonotonicClockPolicy, MonotonicClockRules,
    WallClockPolicy, WallClockRules,
};
pub use fs::{FsPolicy, PathGlob};
pub use http::{
    AuthorityGlob, HttpAllow, HttpMethod, HttpPolicy, HttpRulePolicy, HttpScheme, UrlPathGlob,
};
pub use isolation::{DefaultAccess, ExitPolicy, StdioPolicy, StreamRule};
pub use random::{RandomPolicy, Seeded};
pub use sockets::{HostNameGlob, SocketAddrRule, SocketsAllow, SocketsPolicy, UdpPolicy};

/// An interpose policy: one optional section per capability area. A missing section leaves that
/// area untouched: the app reaches the host's implementation directly.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "interpose policy")]
pub struct Policy {
    /// The JSON Schema this file follows (ignored; lets editors validate and complete).
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// `wasi:cli/environment`: variables, arguments, working directory.
    #[serde(
        default,
        deserialize_with = "some_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub env: Option<EnvPolicy>,
    /// `wasi:filesystem`: read-only or denied, path allow/deny globs, per-preopen rules.
    #[serde(
        default,
        deserialize_with = "some_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub fs: Option<FsPolicy>,
    /// `wasi:clocks`: the host's, frozen, stepping or virtual wall and monotonic clocks.
    #[serde(
        default,
        deserialize_with = "some_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub clocks: Option<ClocksPolicy>,
    /// `wasi:random`: `"host"`, `"deny"` or `{"seed": N}` (reproducible, not secure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub random: Option<RandomPolicy>,
    /// `wasi:sockets`: `"host"`, `"deny"` or `{"connect": [..], "bind": [..], "udp": ..,
    /// "resolve": [..]}` (address allowlists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sockets: Option<SocketsPolicy>,
    /// `wasi:http` (outgoing requests): `"host"`, `"deny"` or `{"allow": [rules]}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpPolicy>,
    /// `wasi:cli` stdin, stdout, stderr and their terminal interfaces.
    #[serde(
        default,
        deserialize_with = "some_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub stdio: Option<StdioPolicy>,
    /// `wasi:cli/exit`: `"allow"` or `"deny"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit: Option<ExitPolicy>,
    /// What happens to interfaces this policy does not mention: `"host"` (default) passes them
    /// through, `"deny"` denies them (strict).
    #[serde(default)]
    pub default: DefaultAccess,
    /// Imports interpose does not know (non-WASI, or newer WASI) that a strict policy lets
    /// through to the host, by name with or without version (`"my:plugin/api"`); not those a
    /// section of the policy covers (`wasi:sockets/*@0.3.0` with a `sockets` section), which
    /// interpose refuses as it cannot attenuate them.
    #[serde(
        default,
        rename = "allow-imports",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub allow_imports: Vec<String>,
}

/// The `env` section.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvPolicy {
    /// Host variables whose name matches one of these globs are visible (unless denied). Without
    /// `allow`, no host variable is visible. Matched case-sensitively: `PATH` allows `PATH`, not
    /// `Path`.
    #[serde(default)]
    pub allow: Vec<NameGlob>,
    /// Host variables whose name matches one of these globs are hidden, even if allowed. Matched
    /// case-insensitively: `*TOKEN*` hides `github_token` too.
    #[serde(default)]
    pub deny: Vec<NameGlob>,
    /// Variables to add, or to override with these values; always visible.
    #[serde(default)]
    pub set: BTreeMap<String, String>,
    /// `"inherit"` (default) passes the host's arguments; a list replaces them;
    /// `{"program": NAME}` passes them with the program name (the first) replaced by NAME.
    #[serde(default)]
    pub args: ArgsPolicy,
    /// `"inherit"` (default), `"hide"` (no initial working directory) or a path to report.
    #[serde(default)]
    pub cwd: CwdPolicy,
}

/// A glob over names (environment variables): `*` and `?` match any character.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct NameGlob(#[schemars(with = "String")] String);

impl NameGlob {
    /// The glob as written. (Only parsing makes one, after validating it: a glob that does not
    /// compile cannot exist, so none can silently match nothing.)
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for NameGlob {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        validate_glob(&text, Separator::None).map_err(de::Error::custom)?;
        Ok(NameGlob(text))
    }
}

/// Checks `text` with globset (the reference for the syntax) and with our own compiler (what the
/// adapters run); returns the compiled alternatives.
fn validate_glob(text: &str, sep: Separator) -> Result<Vec<glob::Pattern>, String> {
    globset::GlobBuilder::new(text)
        .literal_separator(sep == Separator::Slash)
        .backslash_escape(true)
        .build()
        .map_err(|e| format!("invalid glob `{text}`: {}", e.kind()))?;
    glob::compile::compile(text, sep).map_err(|e| format!("unsupported glob `{text}`: {e}"))
}

fn compile_globs<'a>(globs: impl IntoIterator<Item = &'a str>, sep: Separator) -> GlobList {
    let mut list = GlobList {
        separator: Some(sep),
        ..GlobList::default()
    };
    for text in globs {
        list.sources.push(text.to_owned());
        // Validated while parsing, with this very function on this very text: the glob types
        // can only be made by parsing, so this does not fail.
        list.patterns
            .extend(validate_glob(text, sep).unwrap_or_default());
    }
    list
}

/// `args`: `"inherit"`, a list of strings, or `{"program": NAME}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum ArgsPolicy {
    #[default]
    #[schemars(with = "InheritKeyword")]
    #[serde(serialize_with = "inherit_keyword")]
    Inherit,
    Replace(Vec<String>),
    Program(ProgramName),
}

/// `{"program": NAME}`: the host's arguments, with the program name (the first argument)
/// replaced by NAME, which hosts otherwise set as they like (a path, a temporary file).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgramName {
    /// The program name the app sees as its first argument.
    pub program: String,
}

/// `cwd`: `"inherit"`, `"hide"`, or the path to report.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum CwdPolicy {
    #[default]
    #[schemars(with = "InheritKeyword")]
    #[serde(serialize_with = "inherit_keyword")]
    Inherit,
    #[schemars(with = "HideKeyword")]
    #[serde(serialize_with = "hide_keyword")]
    Hide,
    Path(String),
}

#[derive(JsonSchema)]
#[allow(dead_code)]
enum InheritKeyword {
    #[serde(rename = "inherit")]
    Inherit,
}

#[derive(JsonSchema)]
#[allow(dead_code)]
enum HideKeyword {
    #[serde(rename = "hide")]
    Hide,
}

fn inherit_keyword<S: serde::Serializer>(s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("inherit")
}

fn hide_keyword<S: serde::Serializer>(s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("hide")
}

impl<'de> Deserialize<'de> for ArgsPolicy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ArgsVisitor;
        impl<'de> Visitor<'de> for ArgsVisitor {
            type Value = ArgsPolicy;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(r#""inherit", a list of strings or {"program": NAME}"#)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ArgsPolicy, E> {
                match v {
                    "inherit" => Ok(ArgsPolicy::Inherit),
                    other => Err(E::invalid_value(de::Unexpected::Str(other), &self)),
                }
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ArgsPolicy, A::Error> {
                let mut args = Vec::new();
                while let Some(arg) = seq.next_element::<String>()? {
                    args.push(arg);
                }
                Ok(ArgsPolicy::Replace(args))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<ArgsPolicy, A::Error> {
                let program = ProgramName::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(ArgsPolicy::Program(program))
            }
        }
        d.deserialize_any(ArgsVisitor)
    }
}

impl<'de> Deserialize<'de> for CwdPolicy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Ok(match text.as_str() {
            "inherit" => CwdPolicy::Inherit,
            "hide" => CwdPolicy::Hide,
            path if path.starts_with('/') => CwdPolicy::Path(text),
            other => {
                return Err(de::Error::custom(format!(
                    r#"expected "inherit", "hide" or an absolute path, found `{other}`"#
                )));
            }
        })
    }
}

/// A value serde may read from a JSON object only. A derived struct reads from an array too,
/// field after field, so that `[]` would be a valid empty policy and `{"fs": []}` an `fs`
/// section of defaults: every section and rule that is an object goes through this.
pub(crate) struct Object<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
            type Value = Object<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Object<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Object)
            }
        }
        d.deserialize_map(ObjectVisitor(std::marker::PhantomData))
    }
}

/// `#[serde(deserialize_with)]` for an optional section that is an object.
pub(crate) fn some_object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    // `null` stays what it is in JSON: no section.
    Option::<Object<T>>::deserialize(d).map(|section| section.map(|Object(value)| value))
}

/// `#[serde(deserialize_with)]` for a list of objects.
pub(crate) fn objects<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    Vec::<Object<T>>::deserialize(d).map(|list| list.into_iter().map(|Object(v)| v).collect())
}

/// Why a policy was rejected, with where in the file.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[error("{origin}:{line}:{column}: {}{message}", key_prefix(.key))]
pub struct PolicyError {
    /// The file name, or `<builtin NAME>`.
    pub origin: String,
    /// The key path, e.g. `env.allow[2]`; empty for syntax errors at the top level.
    pub key: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

fn key_prefix(key: &str) -> String {
    if key.is_empty() || key == "." {
        String::new()
    } else {
        format!("`{key}`: ")
    }
}

impl Policy {
    /// Parses and validates a policy. `origin` names the source in error messages.
    pub fn parse(text: &str, origin: &str) -> Result<Policy, PolicyError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let result: Result<Object<Policy>, _> = serde_path_to_error::deserialize(&mut de);
        let result = result.map(|Object(policy)| policy);
        let policy = result.map_err(|e| {
            // serde_path_to_error writes `?` for a key whose name is still being read (the text
            // ends inside it): name what holds it instead.
            let path = e.path().to_string();
            let key = match path.strip_suffix('?') {
                Some(holder) => holder.strip_suffix('.').unwrap_or(".").to_owned(),
                None => path,
            };
            let inner = e.into_inner();
            PolicyError {
                origin: origin.to_owned(),
                key,
                line: inner.line(),
                column: inner.column(),
                message: strip_position(&inner.to_string()),
            }
        })?;
        de.end().map_err(|inner| PolicyError {
            origin: origin.to_owned(),
            key: String::new(),
            line: inner.line(),
            column: inner.column(),
            message: strip_position(&inner.to_string()),
        })?;
        Ok(policy)
    }

    /// The JSON Schema of the policy format.
    pub fn json_schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(Policy)).expect("a schema is valid JSON")
    }

    /// What the adapters execute, and the [`compiled::Outline`] that summaries print.
    ///
    /// A strict policy without an `env` section still gets environment rules: an empty
    /// environment and a hidden working directory (the host's arguments pass).
    pub fn compile(&self) -> CompiledPolicy {
        let strict = self.default == DefaultAccess::Deny;
        let env = match &self.env {
            Some(env) => Some(env.compile()),
            None if strict => Some(
                EnvPolicy {
                    cwd: CwdPolicy::Hide,
                    ..EnvPolicy::default()
                }
                .compile(),
            ),
            None => None,
        };
        CompiledPolicy {
            env,
            fs: self.fs.as_ref().map(FsPolicy::compile),
            clocks: self.clocks.as_ref().map(ClocksPolicy::compile),
            random: self.random.as_ref().map(RandomPolicy::compile),
            http: self.http.as_ref().and_then(HttpPolicy::compile),
            sockets: self.sockets.as_ref().and_then(SocketsPolicy::compile),
            stdio: self
                .stdio
                .as_ref()
                .filter(|stdio| stdio.has_null())
                .map(|stdio| stdio.compile(strict)),
            routes: Vec::new(),
            outline: Some(self.outline()),
        }
    }

    /// How this policy decides each area, as written.
    fn outline(&self) -> compiled::Outline {
        compiled::Outline {
            strict: self.default == DefaultAccess::Deny,
            env: self.env.is_some(),
            sockets: self.sockets.as_ref().map(Access::whole),
            http: self.http.as_ref().map(Access::whole),
            stdio: self.stdio.as_ref().map(|s| compiled::Streams {
                stdin: s.stdin,
                stdout: s.stdout,
                stderr: s.stderr,
            }),
            exit: self.exit.map(|exit| exit == ExitPolicy::Allow),
            allow_imports: self.allow_imports.clone(),
        }
    }

    /// The policy encoded for baking into a component.
    pub fn encode(&self) -> Vec<u8> {
        compiled::encode(&self.compile())
    }
}

impl EnvPolicy {
    fn compile(&self) -> EnvRules {
        EnvRules {
            allow: compile_globs(self.allow.iter().map(|g| g.0.as_str()), Separator::None),
            // Case-insensitive, so that a deny list cannot be walked around by spelling a name
            // in another case (`github_token`, `npm_config__authToken`). `allow` stays exact:
            // that way neither list ever shows more than its author wrote.
            deny: compile_globs(self.deny.iter().map(|g| g.0.as_str()), Separator::None)
                .case_insensitive(),
            set: self
                .set
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            args: match &self.args {
                ArgsPolicy::Inherit => ArgsRule::Inherit,
                ArgsPolicy::Replace(args) => ArgsRule::Replace(args.clone()),
                ArgsPolicy::Program(name) => ArgsRule::Program(name.program.clone()),
            },
            cwd: match &self.cwd {
                CwdPolicy::Inherit => CwdRule::Inherit,
                CwdPolicy::Hide => CwdRule::Hide,
                CwdPolicy::Path(p) => CwdRule::Set(p.clone()),
            },
        }
    }
}

/// serde_json appends " at line L column C" to its messages; we print the position ourselves.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}
