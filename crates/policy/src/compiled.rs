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
    /// How the composer connected each of the app's imports. Adapters ignore it; it is baked in
    /// so that `interpose inspect` can report what the composed component does.
    pub routes: Vec<(String, Route)>,
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

/// Encodes a compiled policy for baking into a component.
pub fn encode(policy: &CompiledPolicy) -> Vec<u8> {
    postcard::to_allocvec(policy).expect("encoding into a Vec cannot fail")
}

/// Decodes what [`encode`] produced.
pub fn decode(bytes: &[u8]) -> Result<CompiledPolicy, postcard::Error> {
    postcard::from_bytes(bytes)
}
