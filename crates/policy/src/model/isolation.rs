//! The sections that pass an area through or deny it: `default`, `stdio`, `exit`.

use schemars::JsonSchema;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

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
    pub stdin: Option<StreamPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdout: Option<StreamPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stderr: Option<StreamPolicy>,
}

/// A standard stream: `"inherit"` (the host's), `"null"` (empty input, discarded output) or
/// `"deny"` (getting it traps; its terminal interface too).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StreamPolicy {
    #[default]
    Inherit,
    Null,
    Deny,
}

impl StdioPolicy {
    /// Whether some stream is `"null"`: then the `stdio` adapter provides the app's streams.
    pub fn has_null(&self) -> bool {
        [self.stdin, self.stdout, self.stderr].contains(&Some(StreamPolicy::Null))
    }

    /// The rules of the `stdio` adapter; a stream left out follows `default` (`strict`: deny).
    pub fn compile(&self, strict: bool) -> crate::stdio::StdioRules {
        use crate::stdio::StreamRule;
        let rule = |stream: Option<StreamPolicy>| match stream {
            Some(StreamPolicy::Inherit) => StreamRule::Inherit,
            Some(StreamPolicy::Null) => StreamRule::Null,
            Some(StreamPolicy::Deny) => StreamRule::Deny,
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

impl<'de> Deserialize<'de> for StreamPolicy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        match text.as_str() {
            "inherit" => Ok(StreamPolicy::Inherit),
            "deny" => Ok(StreamPolicy::Deny),
            "null" => Ok(StreamPolicy::Null),
            other => Err(de::Error::custom(format!(
                r#"expected "inherit", "null" or "deny", found `{other}`"#
            ))),
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
