//! The adapter components, built from the `crates/*` adapter sources by this crate's build script
//! and embedded, so the `interpose` binary is self-contained.

/// An adapter component as built, with the names its world imports and exports (read from the
/// component by the build script, so no list of them is kept by hand).
#[derive(Debug)]
pub struct Component {
    /// The adapter's name: the build of its crate with its features.
    pub name: &'static str,
    /// The component.
    pub bytes: &'static [u8],
    /// Every name it imports, with versions, sorted.
    pub imports: &'static [&'static str],
    /// Every name it exports, with versions, sorted: all at one WASI version.
    pub exports: &'static [&'static str],
}

include!(concat!(env!("OUT_DIR"), "/adapters.rs"));

mod deniable;
pub use deniable::{
    Answer, DENIABLE, DENIAL_ERRORS, Deniable, REPORT_INTERFACE, deniable, deniable_import,
    denial_world,
};
