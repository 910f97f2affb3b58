//! Finding a policy: a file, or one of the policies built into the binary.

use std::path::Path;

use interpose_policy::{Policy, PolicyError};

/// The ready-made policies in `policies/`, embedded so they work from any directory.
pub const BUILTINS: &[(&str, &str)] = &[
    ("no-secrets", include_str!("../../policies/no-secrets.json")),
    ("readonly", include_str!("../../policies/readonly.json")),
    (
        "deterministic",
        include_str!("../../policies/deterministic.json"),
    ),
    ("hermetic", include_str!("../../policies/hermetic.json")),
];

#[derive(Debug, thiserror::Error)]
pub enum LoadPolicyError {
    #[error(
        "no policy file `{0}`, and it is not a built-in policy name (built-in: {names})",
        names = builtin_names()
    )]
    NotFound(String),
    #[error("cannot read policy `{path}`: {reason}")]
    Unreadable { path: String, reason: String },
    #[error(transparent)]
    Invalid(#[from] PolicyError),
}

fn builtin_names() -> String {
    BUILTINS
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Loads `spec`: a path to a JSON file, or the name of a built-in policy.
pub fn load_policy(spec: &str) -> Result<Policy, LoadPolicyError> {
    let path = Path::new(spec);
    if path.exists() {
        let text = std::fs::read_to_string(path).map_err(|e| LoadPolicyError::Unreadable {
            path: spec.to_owned(),
            reason: e.to_string(),
        })?;
        return Ok(Policy::parse(&text, spec)?);
    }
    let name = spec.strip_suffix(".json").unwrap_or(spec);
    let name = name.rsplit('/').next().unwrap_or(name);
    match BUILTINS.iter().find(|(builtin, _)| *builtin == name) {
        // A missing path that merely ends in a builtin's name is still a typo, not the builtin.
        Some((_, text)) if !spec.contains('/') || spec.starts_with("policies/") => {
            Ok(Policy::parse(text, &format!("<builtin {name}>"))?)
        }
        _ => Err(LoadPolicyError::NotFound(spec.to_owned())),
    }
}
