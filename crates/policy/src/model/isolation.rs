//! The sections that pass an area through or deny it: `default`, `stdio`, `exit`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use crate::stdio::StreamRule;

/// `default`: what happens to an interface the policy does not mention.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DefaultAccess {
    /// Interfaces the policy does not mention reach the host unchanged.
    #[default]
    Host,
    /// Strict: every interface the policy does not mention is denied, and imports interpose
    /// does not know are refused at compose time unless listed in `allow-imports`.
    Deny,
}

/// `stdio`: one rule per standard stream. A stream left out follows `default`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StdioPolicy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdin: Option<StreamRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdout: Option<StreamRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stderr: Option<StreamRule>,
}

impl StdioPolicy {
    /// Whether some stream is `"null"`: then the `stdio` adapter provides the app's streams.
    pub fn has_null(&self) -> bool {
        [self.stdin, self.stdout, self.stderr].contains(&Some(StreamRule::Null))
    }

    /// The rules of the `stdio` adapter; a stream left out follows `default` (`strict`: deny).
    pub fn compile(&self, strict: bool) -> crate::stdio::StdioRules {
        let rule = |stream: Option<StreamRule>| match stream {
            Some(StreamRule::Inherit) => StreamRule::Inherit,
            Some(StreamRule::Null) => StreamRule::Null,
            Some(StreamRule::Deny) => StreamRule::Deny,
            None if strict => StreamRule::Deny,
            None => StreamRule::Inherit,
        };
        crate::stdio::StdioRules {
            stdin: rule(self.stdin),
            stdout: rule(self.stdout),
            stderr: rule(self.stderr),
        }
    }
}

/// `exit`: whether the app may call `wasi:cli/exit`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ExitPolicy {
    #[default]
    Allow,
    /// `exit` traps: the run ends as a failure, whatever status the app asked for.
    Deny,
}
