//! Policy text through parsing, validation, compilation and the `policy check` summary: never a
//! panic, and every error names its location and key.
//! The body is `interpose_fuzz_support::policy_text`, which `tests/tests/fuzz_replay.rs` replays on stable.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| interpose_fuzz_support::policy_text(data));
