//! Bytes served as a baked-in policy, read and decoded as the adapters do: never a panic.
//! The body is `interpose_fuzz_support::compiled_decode`, which `tests/tests/fuzz_replay.rs` replays on stable.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| interpose_fuzz_support::compiled_decode(data));
