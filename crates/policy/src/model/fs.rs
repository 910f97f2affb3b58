//! The `fs` section.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

use crate::fs::{FsMode, FsRules, PreopenRule, ancestors_of_glob, preopen_root};
use crate::glob::Separator;

/// The `fs` section: `wasi:filesystem`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FsPolicy {
    /// `"read-write"` (default), `"read-only"` (every change fails with `read-only`) or `"deny"`
    /// (the app sees no preopens).
    #[serde(default)]
    pub mode: FsMode,
    /// Guest paths (`/preopen/...` globs) the app may reach; a match also allows everything
    /// below it. Absent: everything under the preopens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow: Option<Vec<PathGlob>>,
    /// Guest paths that are invisible, with everything below them, even if allowed. Matched
    /// case-insensitively.
    #[serde(default)]
    pub deny: Vec<PathGlob>,
    /// Guest paths (globs) where changes are allowed, with everything below them: read-only
    /// everywhere else. Absent: wherever `mode` allows changes.
    #[serde(
        default,
        rename = "allow-write",
        skip_serializing_if = "Option::is_none"
    )]
    pub allow_write: Option<Vec<PathGlob>>,
    /// Rules for guest paths and everything below them, whichever preopen reaches them:
    /// `"hide"`, `"read-only"` or `"read-write"`. The most specific path wins.
    #[serde(default)]
    pub preopens: BTreeMap<String, PreopenRule>,
}

impl FsPolicy {
    /// Whether paths must be checked against globs or path rules ([`crate::fs::FsRules::filters_paths`] of
    /// the compiled rules).
    pub fn filters_paths(&self) -> bool {
        self.allow.is_some()
            || !self.deny.is_empty()
            || self.allow_write.is_some()
            || !self.preopens.is_empty()
    }
}

/// A glob over absolute guest paths: `*`, `?` and classes stop at `/`, `**` spans directories.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct PathGlob(#[schemars(with = "String")] String);

impl PathGlob {
    /// The glob as written. (Only parsing makes one, after validating it: a glob that does not
    /// compile cannot exist, so none can silently match nothing.)
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for PathGlob {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if !(text.starts_with('/') || text.starts_with("**")) {
            return Err(de::Error::custom(format!(
                "path glob `{text}` must be an absolute guest path such as `/data/**` or start \
                 with `**/`"
            )));
        }
        super::validate_glob(&text, Separator::Slash).map_err(de::Error::custom)?;
        Ok(PathGlob(text))
    }
}

impl FsPolicy {
    pub(super) fn compile(&self) -> FsRules {
        let globs = |globs: &[PathGlob], case_insensitive: bool| {
            let list = super::compile_globs(globs.iter().map(|g| g.0.as_str()), Separator::Slash);
            if case_insensitive {
                list.case_insensitive()
            } else {
                list
            }
        };
        let traverse: Vec<String> = self
            .allow
            .iter()
            .flatten()
            .flat_map(|g| ancestors_of_glob(&g.0))
            .collect();
        FsRules {
            mode: self.mode,
            allow: self.allow.as_ref().map(|allow| globs(allow, false)),
            traverse: super::compile_globs(traverse.iter().map(String::as_str), Separator::Slash),
            deny: globs(&self.deny, true),
            allow_write: self.allow_write.as_ref().map(|g| globs(g, false)),
            preopens: self
                .preopens
                .iter()
                .map(|(path, rule)| (preopen_root(path), *rule))
                .collect(),
        }
    }
}
