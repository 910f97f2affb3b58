//! Standard streams, when one of them is `"null"`: what the `stdio` adapter gives the app for
//! each. (Without `"null"`, streams are the host's or a denial stub's, and no rules are needed.)

use serde::{Deserialize, Serialize};

/// Rules for `wasi:cli/stdin`, `stdout` and `stderr`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StdioRules {
    pub stdin: StreamRule,
    pub stdout: StreamRule,
    pub stderr: StreamRule,
}

// One definition for the policy file and the compiled policy: the names are the file's, the
// adapters' encoding is the variant's index.
/// A standard stream, as `stdio` says it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "native", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum StreamRule {
    /// The host's stream.
    #[default]
    Inherit,
    /// Input at its end at once; output accepted and discarded.
    Null,
    /// Denied: the same as `Null` (reading finds the end at once, writes are discarded), or, for
    /// an app that keeps the host's streams (it serves HTTP), getting it traps.
    Deny,
}
