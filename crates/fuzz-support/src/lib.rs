//! The bodies of interpose's fuzz targets (`fuzz/fuzz_targets/*.rs`), shared with the tests that
//! replay them on stable over the committed seeds (`tests/tests/fuzz_replay.rs`). Each target
//! takes the fuzzer's bytes and panics only if interpose is wrong. See `docs/reliability.md`.
//!
//! - [`policy_text`]: policy text through parsing, validation, compilation and the summary
//!   `interpose policy check` prints;
//! - [`compose()`]: a generated policy ([`policy_gen`]) and a generated app ([`app_gen`])
//!   through the composer, and the result read back;
//! - [`compiled_decode`]: bytes served as a baked-in policy, decoded as the adapters decode it.

pub mod app_gen;
pub mod compiled_decode;
pub mod compose;
pub mod policy_gen;
pub mod policy_text;

pub use compiled_decode::compiled_decode;
pub use compose::compose;
pub use policy_text::policy_text;
