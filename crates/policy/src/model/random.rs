//! The `random` section.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::access::{Access, Rules};
use crate::random::RandomRules;

/// The `random` section: `wasi:random/random`, `wasi:random/insecure` and
/// `wasi:random/insecure-seed`. `"deny"`: every call traps.
pub type RandomPolicy = Access<Seeded>;

/// `{"seed": N}`: every value comes from a ChaCha20 generator seeded with `seed`: reproducible,
/// and therefore NOT cryptographically secure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Seeded {
    pub seed: u64,
}

impl Rules for Seeded {
    const NAME: &'static str = "RandomPolicy";
    const FORMS: &'static [&'static str] = &[r#"{"seed": <unsigned 64-bit integer>}"#];
}

impl RandomPolicy {
    pub(super) fn compile(&self) -> RandomRules {
        match *self {
            Access::Host => RandomRules::Host,
            Access::Deny => RandomRules::Deny,
            Access::Rules(Seeded { seed }) => RandomRules::Seeded(seed),
        }
    }
}
