//! The compiled policy: what the composer bakes into a composed component and what the adapters
//! execute. Both sides use these very types and this very code, so they cannot disagree.

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::glob::GlobList;

/// Everything the adapters of one composed component need to know, encoded with [`encode`] and
/// served to them by the generated policy component.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CompiledPolicy {
    /// `None`: the environment is not attenuated and the app talks to the host directly.
    pub env: Option<EnvRules>,
    /// `None`: the filesystem is not attenuated.
    pub fs: Option<crate::fs::FsRules>,
    /// `None`: the clocks are the host's.
    pub clocks: Option<crate::clocks::ClockRules>,
    /// `None`: random numbers are the host's.
    pub random: Option<crate::random::RandomRules>,
    /// `None`: outgoing HTTP requests are not filtered (passed through or denied as a whole).
    pub http: Option<crate::http::HttpRules>,
    /// `None`: sockets are not filtered (passed through or denied as a whole).
    pub sockets: Option<crate::sockets::SocketRules>,
    /// `None`: no stream is `"null"`; the app gets the host's streams (or stubs).
    pub stdio: Option<crate::stdio::StdioRules>,
    /// How the composer connected each of the app's imports. Adapters ignore it; it is baked in
    /// so that `interpose inspect` can report what the composed component does.
    pub routes: Vec<(String, Route)>,
    /// How the policy decides each area, for summaries; adapters never read it. `None`: baked in
    /// by an interpose that did not record it.
    pub outline: Option<Outline>,
}

/// How the policy, as written, decides each area: what a summary needs beyond the adapters'
/// rules, which say nothing of a section decided as a whole (denied or passed through) nor of a
/// section left out. `interpose policy check` and `interpose inspect` print it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outline {
    /// `"default": "deny"`: what the policy leaves out is denied.
    pub strict: bool,
    /// Whether the policy has an `env` section. (A strict policy without one still has
    /// [`CompiledPolicy::env`]: an empty environment and a hidden working directory.)
    pub env: bool,
    /// The `sockets` section, if any ([`Whole::Rules`]: see [`CompiledPolicy::sockets`]).
    pub sockets: Option<Whole>,
    /// The `http` section, if any ([`Whole::Rules`]: see [`CompiledPolicy::http`]).
    pub http: Option<Whole>,
    /// The `stdio` section, if any.
    pub stdio: Option<Streams>,
    /// The `exit` section, if any: whether the app may exit.
    pub exit: Option<bool>,
    /// `allow-imports`, as written.
    pub allow_imports: Vec<String>,
}

/// A section that passes its area through, denies it, or filters it by rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Whole {
    Host,
    Deny,
    Rules,
}

/// The streams of a `stdio` section as written; `None`: left out (it follows `default`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Streams {
    pub stdin: Option<crate::stdio::StreamRule>,
    pub stdout: Option<crate::stdio::StreamRule>,
    pub stderr: Option<crate::stdio::StreamRule>,
}

/// Where one of the app's imports leads in a composed component.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Route {
    /// Straight to the host.
    Host,
    /// Through the named adapter, which attenuates it.
    Adapter(String),
    /// To a stub that refuses everything; the host is never reached.
    Denied,
    /// Not an interface interpose knows; the policy let it through to the host.
    AllowedUnknown,
    /// Not an interface interpose knows, and outside every section of a policy that is not
    /// strict: straight to the host, unattenuated. (Last, so that routes baked in before it
    /// existed still decode.)
    Unknown,
}

/// Rules for `wasi:cli/environment`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EnvRules {
    pub allow: GlobList,
    pub deny: GlobList,
    /// Added after filtering; they override host variables of the same name.
    pub set: Vec<(String, String)>,
    pub args: ArgsRule,
    pub cwd: CwdRule,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum ArgsRule {
    /// The host's arguments, unchanged.
    #[default]
    Inherit,
    /// Exactly these arguments, whatever the host passes.
    Replace(Vec<String>),
    /// The host's arguments with the first (the program name) replaced by this one, or this one
    /// alone if the host passes none. (Last, so that policies baked in before it still decode.)
    Program(String),
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum CwdRule {
    #[default]
    Inherit,
    /// `initial-cwd` returns `none`: the host's working directory is not revealed.
    Hide,
    /// `initial-cwd` returns this path.
    Set(String),
}

impl EnvRules {
    /// Whether the app may see the host variable `name`.
    pub fn is_visible(&self, name: &str) -> bool {
        self.allow.is_match(name) && !self.deny.is_match(name)
    }

    /// The environment the app sees, given the host's.
    pub fn environment(&self, host: Vec<(String, String)>) -> Vec<(String, String)> {
        let mut vars: Vec<(String, String)> = host
            .into_iter()
            .filter(|(name, _)| self.is_visible(name) && !self.set.iter().any(|(n, _)| n == name))
            .collect();
        vars.extend(self.set.iter().cloned());
        vars
    }

    /// The arguments the app sees, given the host's.
    pub fn arguments(&self, host: impl FnOnce() -> Vec<String>) -> Vec<String> {
        match &self.args {
            ArgsRule::Inherit => host(),
            ArgsRule::Replace(args) => args.clone(),
            ArgsRule::Program(program) => {
                let mut args = host();
                match args.first_mut() {
                    Some(first) => first.clone_from(program),
                    None => args.push(program.clone()),
                }
                args
            }
        }
    }

    /// The initial working directory the app sees, given the host's.
    pub fn initial_cwd(&self, host: impl FnOnce() -> Option<String>) -> Option<String> {
        match &self.cwd {
            CwdRule::Inherit => host(),
            CwdRule::Hide => None,
            CwdRule::Set(path) => Some(path.clone()),
        }
    }
}

/// A compiled policy as it is baked in: each section encoded on its own, so that an adapter
/// decodes (and carries the code to decode) only its own section, not every other adapter's.
///
/// The [`Outline`] follows the envelope, outside it: adapters decode the envelope alone (postcard
/// ignores what follows), and a policy baked in before the outline existed still decodes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub env: Option<Vec<u8>>,
    pub fs: Option<Vec<u8>>,
    pub clocks: Option<Vec<u8>>,
    pub random: Option<Vec<u8>>,
    pub http: Option<Vec<u8>>,
    pub sockets: Option<Vec<u8>>,
    pub stdio: Option<Vec<u8>>,
    pub routes: Vec<u8>,
}

fn to_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    postcard::to_allocvec(value).expect("encoding into a Vec cannot fail")
}

fn from_bytes<T: serde::de::DeserializeOwned>(
    bytes: Option<Vec<u8>>,
) -> Result<Option<T>, postcard::Error> {
    bytes.map(|b| postcard::from_bytes(&b)).transpose()
}

/// Encodes a compiled policy for baking into a component.
pub fn encode(policy: &CompiledPolicy) -> Vec<u8> {
    fn section<T: Serialize>(rules: &Option<T>) -> Option<Vec<u8>> {
        rules.as_ref().map(to_bytes)
    }
    let mut bytes = to_bytes(&Envelope {
        env: section(&policy.env),
        fs: section(&policy.fs),
        clocks: section(&policy.clocks),
        random: section(&policy.random),
        http: section(&policy.http),
        sockets: section(&policy.sockets),
        stdio: section(&policy.stdio),
        routes: to_bytes(&policy.routes),
    });
    if let Some(outline) = &policy.outline {
        bytes.extend(to_bytes(outline));
    }
    bytes
}

/// Reads a compiled policy from `interpose:policy/source`: `len` bytes, served 8 at a time,
/// little-endian, by `chunk`.
pub fn read_source(len: u32, chunk: impl Fn(u32) -> u64) -> Vec<u8> {
    let len = len as usize;
    let mut bytes = Vec::with_capacity(len.next_multiple_of(8));
    for index in 0..len.div_ceil(8) {
        bytes.extend_from_slice(&chunk(index as u32).to_le_bytes());
    }
    bytes.truncate(len);
    bytes
}

/// The section `pick` chooses of the policy an adapter is served through
/// `interpose:policy/source` (its `len` and `chunk` functions): how every adapter loads its
/// rules. `None`: the policy has no such section.
pub fn load_section<T: serde::de::DeserializeOwned>(
    len: u32,
    chunk: impl Fn(u32) -> u64,
    pick: fn(Envelope) -> Option<Vec<u8>>,
) -> Result<Option<T>, postcard::Error> {
    decode_section(&read_source(len, chunk), pick)
}

/// [`load_section`] for an adapter whose functions have no error channel: a policy that does
/// not decode was not made by the composer the adapter was built with, so it stops the app
/// (saying why); a missing section is the default rules.
pub fn load_section_or_stop<T: serde::de::DeserializeOwned + Default>(
    len: u32,
    chunk: impl Fn(u32) -> u64,
    pick: fn(Envelope) -> Option<Vec<u8>>,
) -> T {
    load_section(len, chunk, pick)
        .expect("interpose: the baked-in policy does not decode; recompose with this version")
        .unwrap_or_default()
}

/// Decodes everything [`encode`] produced.
pub fn decode(bytes: &[u8]) -> Result<CompiledPolicy, postcard::Error> {
    let (envelope, rest): (Envelope, _) = postcard::take_from_bytes(bytes)?;
    let outline = match rest {
        [] => None,
        rest => Some(postcard::from_bytes(rest)?),
    };
    Ok(CompiledPolicy {
        env: from_bytes(envelope.env)?,
        fs: from_bytes(envelope.fs)?,
        clocks: from_bytes(envelope.clocks)?,
        random: from_bytes(envelope.random)?,
        http: from_bytes(envelope.http)?,
        sockets: from_bytes(envelope.sockets)?,
        stdio: from_bytes(envelope.stdio)?,
        routes: postcard::from_bytes(&envelope.routes)?,
        outline,
    })
}

/// Decodes one section of what [`encode`] produced, the one `pick` takes from the envelope
/// (`|e| e.fs`). `Ok(None)`: the policy leaves that area alone.
pub fn decode_section<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    pick: fn(Envelope) -> Option<Vec<u8>>,
) -> Result<Option<T>, postcard::Error> {
    from_bytes(pick(postcard::from_bytes(bytes)?))
}
