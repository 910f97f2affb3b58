//! The interpose policy model, shared by the composer and the adapters.
//!
//! - [`compiled`] and [`glob`] are what adapters execute; they build for `wasm32-unknown-unknown`
//!   without any native-only dependency.
//! - With the `native` feature (the composer), [`Policy`] parses and validates the JSON format,
//!   derives its JSON Schema and compiles it into a [`compiled::CompiledPolicy`].
#![cfg_attr(not(feature = "native"), no_std)]

extern crate alloc;

pub mod clocks;
pub mod compiled;
pub mod fs;
pub mod glob;
pub mod http;
pub mod random;
pub mod sockets;
pub mod stdio;

#[cfg(feature = "native")]
mod model;
#[cfg(feature = "native")]
pub use model::*;
