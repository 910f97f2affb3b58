//! interpose: sandbox WebAssembly components by interposition.
//!
//! A [`Composer`] plugs policy-enforcing adapters in front of an app's WASI imports and bakes the
//! policy in, producing one standard component; a WASI preview 1 core module is first turned into
//! a component ([`adapt`]). [`inspect`] explains a component; [`Runner`] runs one on an embedded
//! wasmtime. The `interpose` CLI is a thin layer over these.

pub mod adapt;
pub mod adapters;
mod composer;
pub mod deny;
pub mod input;
pub mod inspect;
pub mod output;
pub mod plan;
pub mod policy_component;
pub mod policy_source;
pub mod routing;
#[cfg(feature = "run")]
pub mod runner;
pub mod summary;

pub use adapt::{AdaptError, Adapted, Preview1Kind};
pub use composer::{ComposeError, Composer, Composition};
pub use input::{InputError, check_component};
pub use inspect::{Inspection, inspect};
pub use interpose_policy::{Policy, PolicyError};
pub use policy_source::{LoadPolicyError, load_policy};
#[cfg(feature = "run")]
pub use runner::{Preopen, RunError, RunOptions, RunOutcome, Runner, Stdio};
