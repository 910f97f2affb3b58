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

/// A section that is passed through or denied as a whole. No section uses it any more (`sockets`
/// has `SocketsPolicy`, `http` has `HttpPolicy`); kept for library users.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum HostOrDeny {
    Host,
    Deny,
}

impl<'de> Deserialize<'de> for HostOrDeny {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) if s == "host" => Ok(HostOrDeny::Host),
            serde_json::Value::String(s) if s == "deny" => Ok(HostOrDeny::Deny),
            serde_json::Value::Object(_) => Err(de::Error::custom(
                "allowlists are not supported yet by this version of interpose; use \"host\" or \
                 \"deny\"",
            )),
            other => Err(de::Error::custom(format!(
                r#"expected "host" or "deny", found {other}"#
            ))),
        }
    }
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

/// A standard stream: `"inherit"` (the host's) or `"deny"` (getting it traps; its terminal
/// interface too).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StreamPolicy {
    #[default]
    Inherit,
    Deny,
}

impl<'de> Deserialize<'de> for StreamPolicy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        match text.as_str() {
            "inherit" => Ok(StreamPolicy::Inherit),
            "deny" => Ok(StreamPolicy::Deny),
            "null" => Err(de::Error::custom(
                "\"null\" is not supported yet: it needs virtual streams, and interpose hands the \
                 host's streams to the app unchanged; use \"deny\"",
            )),
            other => Err(de::Error::custom(format!(
                r#"expected "inherit" or "deny", found `{other}`"#
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
