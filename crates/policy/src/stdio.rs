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

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum StreamRule {
    /// The host's stream.
    #[default]
    Inherit,
    /// Input at its end at once; output accepted and discarded.
    Null,
    /// Denied: the same as `Null` (reading finds the end at once, writes are discarded).
    Deny,
}
