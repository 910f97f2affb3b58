//! The one shape most sections and clocks share: `"host"`, `"deny"`, or rules of their own.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer, MapAccess, Unexpected, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::compiled::Whole;

/// An area passed through to the host, denied, or decided by rules `R`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Access<R> {
    /// The host's, unchanged.
    #[default]
    Host,
    /// Denied: the app gets what a host without it would give (see `docs/policy.md`).
    Deny,
    /// Attenuated by these rules.
    Rules(R),
}

impl<R> Access<R> {
    /// Which of the three it is, as summaries record it.
    pub fn whole(&self) -> Whole {
        match self {
            Access::Host => Whole::Host,
            Access::Deny => Whole::Deny,
            Access::Rules(_) => Whole::Rules,
        }
    }

    /// The rules, for `Rules`.
    pub fn rules(&self) -> Option<&R> {
        match self {
            Access::Rules(rules) => Some(rules),
            Access::Host | Access::Deny => None,
        }
    }
}

/// The rules of an [`Access`]: an object (read with `R`'s own `Deserialize`), or a keyword of
/// their own besides `"host"` and `"deny"` (`"virtual"` for the monotonic clock).
pub trait Rules: Sized {
    /// The name of the whole (`WallClockPolicy`), as the JSON Schema calls it.
    const NAME: &'static str;

    /// How errors describe the rules forms: `{"allow": [rules]}`.
    const FORMS: &'static [&'static str];

    /// The rules a keyword other than `"host"` and `"deny"` stands for; `Err(hint)` to say how
    /// to write it instead. By default there are none.
    fn from_keyword(_keyword: &str) -> Option<Result<Self, &'static str>> {
        None
    }
}

impl<'de, R: Rules + Deserialize<'de>> Deserialize<'de> for Access<R> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct AccessVisitor<R>(PhantomData<R>);
        impl<'de, R: Rules + Deserialize<'de>> Visitor<'de> for AccessVisitor<R> {
            type Value = Access<R>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                // `"host", "deny", "virtual" or {...}`
                let forms: Vec<&str> = ["\"host\"", "\"deny\""]
                    .into_iter()
                    .chain(R::FORMS.iter().copied())
                    .collect();
                let (last, rest) = forms.split_last().expect("host and deny at least");
                write!(f, "{} or {last}", rest.join(", "))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Access<R>, E> {
                match v {
                    "host" => Ok(Access::Host),
                    "deny" => Ok(Access::Deny),
                    other => match R::from_keyword(other) {
                        Some(Ok(rules)) => Ok(Access::Rules(rules)),
                        Some(Err(hint)) => Err(E::custom(hint)),
                        None => Err(E::invalid_value(Unexpected::Str(other), &self)),
                    },
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Access<R>, A::Error> {
                R::deserialize(de::value::MapAccessDeserializer::new(map)).map(Access::Rules)
            }
        }
        d.deserialize_any(AccessVisitor(PhantomData))
    }
}

impl<R: Serialize> Serialize for Access<R> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Access::Host => s.serialize_str("host"),
            Access::Deny => s.serialize_str("deny"),
            Access::Rules(rules) => rules.serialize(s),
        }
    }
}

impl<R: Rules + JsonSchema> JsonSchema for Access<R> {
    fn schema_name() -> Cow<'static, str> {
        R::NAME.into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let rules = generator.subschema_for::<R>();
        json_schema!({
            "oneOf": [
                {
                    "description": "\"host\": the host's, unchanged; \"deny\": denied, the app gets what a host without it would give",
                    "type": "string",
                    "enum": ["host", "deny"],
                },
                rules,
            ]
        })
    }
}
