//! Turning a WASI preview 1 core module into a component, so that it can be composed and run
//! like any other app.
//!
//! The module is wrapped with the `wasi_snapshot_preview1` adapter of the wasmtime interpose runs
//! on (the `wasi-preview1-component-adapter-provider` crate of the same release), which
//! implements preview 1 on top of WASI 0.2: the same thing `wasm-tools component new --adapt`
//! does. A module that exports `_start` is a command (the component exports `wasi:cli/run`);
//! any other is a reactor (a library).

use std::borrow::Cow;
use std::fmt;

use wasi_preview1_component_adapter_provider::{
    WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME, WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER,
    WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
};
use wasmparser::{Parser, Payload};

/// What a preview 1 module was adapted as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preview1Kind {
    /// It exports `_start`: adapted with the command adapter; the component exports
    /// `wasi:cli/run`, which calls `_start`.
    Command,
    /// It does not export `_start`: adapted with the reactor adapter (a library, not runnable).
    Reactor,
}

impl fmt::Display for Preview1Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Preview1Kind::Command => "command",
            Preview1Kind::Reactor => "reactor",
        })
    }
}

/// Why a core module could not be turned into a component.
#[derive(Debug, thiserror::Error)]
pub enum AdaptError {
    #[error("not a valid core WebAssembly module: {0}")]
    InvalidModule(String),
    #[error(
        "this is a core WebAssembly module that is not a WASI preview 1 program ({0}), so \
         interpose cannot turn it into a component; build the app as a component (for \
         `wasm32-wasip2`) or as a WASI preview 1 module (for `wasm32-wasip1`)"
    )]
    NotWasiPreview1(String),
    #[error(
        "cannot turn this WASI preview 1 {kind} module into a component with the preview 1 \
         adapter: {reason}; build the app for `wasm32-wasip2` instead, or make it a component \
         yourself (`wasm-tools component new app.wasm --adapt \
         wasi_snapshot_preview1.{kind}.wasm`) and pass that"
    )]
    Adapter { kind: Preview1Kind, reason: String },
}

/// An app as a component: the input itself, or the component made from a preview 1 module.
#[derive(Debug, Clone)]
pub struct Adapted<'a> {
    /// The component's bytes (borrowed when the input already was a component).
    pub component: Cow<'a, [u8]>,
    /// What the input was adapted as, if it was a core module.
    pub adapted: Option<Preview1Kind>,
}

/// Returns `bytes` as a component: unchanged if it is not a core module (whether it is a valid
/// component is for [`crate::check_component`] to say), adapted if it is a WASI preview 1 core
/// module, or an error saying what the module is and what to do.
pub fn to_component(bytes: &[u8]) -> Result<Adapted<'_>, AdaptError> {
    if !Parser::is_core_wasm(bytes) {
        return Ok(Adapted {
            component: Cow::Borrowed(bytes),
            adapted: None,
        });
    }
    let module = Module::scan(bytes)?;
    if module.preview1_imports == 0 {
        return Err(AdaptError::NotWasiPreview1(module.not_preview1()));
    }
    if !module.foreign.is_empty() {
        return Err(AdaptError::NotWasiPreview1(format!(
            "it imports {}, which {} not WASI preview 1",
            list(&module.foreign),
            if module.foreign.len() == 1 {
                "is"
            } else {
                "are"
            }
        )));
    }
    let (kind, adapter) = if module.exports_start {
        (
            Preview1Kind::Command,
            WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER,
        )
    } else {
        (
            Preview1Kind::Reactor,
            WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
        )
    };
    let error = |e: anyhow::Error| AdaptError::Adapter {
        kind,
        reason: format!("{e:#}"),
    };
    let component = wit_component::ComponentEncoder::default()
        .module(bytes)
        .map_err(error)?
        .adapter(WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME, adapter)
        .map_err(error)?
        .validate(true)
        .encode()
        .map_err(error)?;
    Ok(Adapted {
        component: Cow::Owned(component),
        adapted: Some(kind),
    })
}

/// What matters about a core module for adapting it.
#[derive(Default)]
struct Module {
    /// Imports from `wasi_snapshot_preview1`.
    preview1_imports: usize,
    /// Imports from `wasi_unstable` (WASI snapshot 0), as `module.name`.
    snapshot0: Vec<String>,
    /// Imports from anything else that is not a component-model name (`wasi:cli/...`, `$root`,
    /// `[export]...`, which bindings generators emit and the encoder understands), as
    /// `module.name`.
    foreign: Vec<String>,
    exports_start: bool,
}

impl Module {
    fn scan(bytes: &[u8]) -> Result<Module, AdaptError> {
        let invalid = |e: wasmparser::BinaryReaderError| AdaptError::InvalidModule(e.to_string());
        let mut module = Module::default();
        for payload in Parser::new(0).parse_all(bytes) {
            match payload.map_err(invalid)? {
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        let import = import.map_err(invalid)?;
                        let name = format!("{}.{}", import.module, import.name);
                        match import.module {
                            WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME => module.preview1_imports += 1,
                            "wasi_unstable" => module.snapshot0.push(name),
                            m if m.contains(':') || m.starts_with(['$', '[']) => {}
                            _ => module.foreign.push(name),
                        }
                    }
                }
                Payload::ExportSection(reader) => {
                    for export in reader {
                        if export.map_err(invalid)?.name == "_start" {
                            module.exports_start = true;
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(module)
    }

    /// Why a module importing nothing from preview 1 is not a preview 1 program.
    fn not_preview1(&self) -> String {
        if !self.snapshot0.is_empty() {
            return format!(
                "it imports {} from `wasi_unstable`, the older WASI snapshot 0, which the preview \
                 1 adapter does not implement",
                list(&self.snapshot0)
            );
        }
        if !self.foreign.is_empty() {
            return format!(
                "it imports {} and nothing from `wasi_snapshot_preview1`",
                list(&self.foreign)
            );
        }
        "it imports nothing from `wasi_snapshot_preview1`".to_owned()
    }
}

/// The first few names, quoted.
fn list(names: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut text = names
        .iter()
        .take(SHOWN)
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        text += &format!(" and {} more", names.len() - SHOWN);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(text: &str) -> Vec<u8> {
        wat::parse_str(text).unwrap()
    }

    #[test]
    fn a_component_is_returned_as_is() {
        let component = module("(component)");
        let adapted = to_component(&component).unwrap();
        assert!(matches!(adapted.component, Cow::Borrowed(_)));
        assert_eq!(adapted.adapted, None);
    }

    #[test]
    fn a_command_and_a_reactor() {
        let command = module(
            r#"(module
                 (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
                 (memory (export "memory") 1)
                 (func (export "_start")))"#,
        );
        let adapted = to_component(&command).unwrap();
        assert_eq!(adapted.adapted, Some(Preview1Kind::Command));
        assert!(Parser::is_component(&adapted.component));
        let reactor = module(
            r#"(module
                 (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
                 (memory (export "memory") 1)
                 (func (export "_initialize")))"#,
        );
        let adapted = to_component(&reactor).unwrap();
        assert_eq!(adapted.adapted, Some(Preview1Kind::Reactor));
    }

    #[test]
    fn modules_that_are_not_preview1() {
        let message = |text: &str| to_component(&module(text)).unwrap_err().to_string();
        let empty = message("(module)");
        assert!(
            empty.contains("imports nothing from `wasi_snapshot_preview1`"),
            "{empty}"
        );
        let env = message(r#"(module (import "env" "foo" (func)))"#);
        assert!(env.contains("`env.foo`"), "{env}");
        let mixed = message(
            r#"(module (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
                       (import "env" "foo" (func)) (func (export "_start")))"#,
        );
        assert!(
            mixed.contains("`env.foo`, which is not WASI preview 1"),
            "{mixed}"
        );
        let old = message(r#"(module (import "wasi_unstable" "fd_write" (func)))"#);
        assert!(old.contains("snapshot 0"), "{old}");
        for text in [empty, env, mixed, old] {
            assert!(text.contains("wasm32-wasip2"), "{text}");
        }
    }

    #[test]
    fn an_invalid_module() {
        let mut bytes = module("(module (func))");
        bytes.truncate(bytes.len() - 2);
        assert!(matches!(
            to_component(&bytes),
            Err(AdaptError::InvalidModule(_))
        ));
    }
}
