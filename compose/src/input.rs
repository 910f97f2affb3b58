//! The component interpose is given: checked to be one, or made from a WASI preview 1 module.
//! What `compose`, `inspect` and `run` read first, with the errors all three give for it.

use crate::adapt::{self, AdaptError, Adapted};

/// Why the input is not a component interpose can work with.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("not a WebAssembly file (it does not start with the `\\0asm` magic number)")]
    NotWasm,
    #[error(
        "this is a core WebAssembly module, not a component; turn a WASI preview 1 module into \
         one with `interpose::adapt::to_component` first (`interpose compose`, `run` and \
         `inspect` do it themselves)"
    )]
    CoreModule,
    /// A core module that could not be turned into a component.
    #[error(transparent)]
    Adapt(#[from] AdaptError),
    #[error("not a valid component: {0}")]
    Invalid(String),
}

/// The input as a valid component: itself, or the component made from a preview 1 module.
pub fn read(bytes: &[u8]) -> Result<Adapted<'_>, InputError> {
    let adapted = adapt::to_component(bytes)?;
    check_component(&adapted.component)?;
    Ok(adapted)
}

/// Checks that `bytes` are a valid component (not a core module, not something else).
pub fn check_component(bytes: &[u8]) -> Result<(), InputError> {
    if wasmparser::Parser::is_core_wasm(bytes) {
        return Err(InputError::CoreModule);
    }
    if !wasmparser::Parser::is_component(bytes) {
        return Err(InputError::NotWasm);
    }
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(bytes)
        .map(drop)
        .map_err(|e| InputError::Invalid(e.to_string()))
}
