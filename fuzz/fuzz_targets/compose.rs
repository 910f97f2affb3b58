//! A generated policy and a generated app (WASI imports of real and garbled shapes, wasm-smith
//! components) through the composer: never a panic; a success validates, imports nothing the
//! policy denies and `inspect` reads it back; a failure is a typed error.
//! The body is `interpose_fuzz_support::compose`, which `tests/tests/fuzz_replay.rs` replays on stable.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| interpose_fuzz_support::compose(data));
