//! The adapter components, built from the `crates/*` adapter sources by this crate's build script
//! and embedded, so the `interpose` binary is self-contained.

include!(concat!(env!("OUT_DIR"), "/adapters.rs"));

mod deniable;
pub use deniable::{
    Answer, DENIABLE, DENIAL_ERRORS, Deniable, REPORT_INTERFACE, deniable, deniable_import,
    denial_world,
};
