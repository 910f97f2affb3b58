//! The `random` section.

use std::fmt;

use schemars::JsonSchema;
use serde::de::{self, Deserializer, MapAccess, Unexpected, Visitor};
use serde::{Deserialize, Serialize};

use crate::random::RandomRules;

/// The `random` section: `wasi:random/random`, `wasi:random/insecure` and
/// `wasi:random/insecure-seed`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RandomPolicy {
    /// The host's generators.
    #[default]
    Host,
    /// Every call traps.
    Deny,
    /// Every value comes from a ChaCha20 generator seeded with `seed`: reproducible, and
    /// therefore NOT cryptographically secure.
    #[serde(untagged)]
    Seeded { seed: u64 },
}

impl RandomPolicy {
    pub(super) fn compile(&self) -> RandomRules {
        match *self {
            RandomPolicy::Host => RandomRules::Host,
            RandomPolicy::Deny => RandomRules::Deny,
            RandomPolicy::Seeded { seed } => RandomRules::Seeded(seed),
        }
    }
}

impl<'de> Deserialize<'de> for RandomPolicy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct RandomVisitor;
        impl<'de> Visitor<'de> for RandomVisitor {
            type Value = RandomPolicy;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(r#""host", "deny" or {"seed": <unsigned 64-bit integer>}"#)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RandomPolicy, E> {
                match v {
                    "host" => Ok(RandomPolicy::Host),
                    "deny" => Ok(RandomPolicy::Deny),
                    other => Err(E::invalid_value(Unexpected::Str(other), &self)),
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RandomPolicy, A::Error> {
                #[derive(Deserialize)]
                #[serde(deny_unknown_fields)]
                struct Seeded {
                    seed: u64,
                }
                let Seeded { seed } =
                    Seeded::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(RandomPolicy::Seeded { seed })
            }
        }
        d.deserialize_any(RandomVisitor)
    }
}
