//! What the composer needs to make the denial component of a composition: the WIT of every
//! deniable interface ([`DENIABLE`](crate::deniable::DENIABLE)), and the component that writes
//! the denial component's one line to stderr before it traps.
//!
//! The denial component itself is made per composition by the composer, exporting exactly the
//! interfaces that composition denies (see `compose/src/deny.rs`).

use std::path::Path;

use wit_component::{ComponentEncoder, StringEncoding};
use wit_parser::Resolve;

use crate::deniable::DENIABLE;

/// The WASI 0.2.12 packages of `wit/http-headers/deps`, dependencies first.
const WASI_0_2_12: &[&str] = &[
    "io",
    "clocks",
    "random",
    "filesystem",
    "sockets",
    "cli",
    "http",
];

/// The WASI 0.3.0 packages of `wit/p3/deps`, dependencies first.
const WASI_0_3_0: &[&str] = &["clocks", "random", "filesystem", "sockets", "cli", "http"];

/// Writes `deny-wit.wasm` and `deny-report.wasm` into `out` and returns Rust source naming them.
pub fn build(wit: &Path, out: &Path) -> String {
    let mut resolve = Resolve::default();
    resolve
        .push_dir(wit)
        .unwrap_or_else(|e| panic!("parsing {}: {e:?}", wit.display()));
    for package in WASI_0_2_12 {
        let file = wit.join("http-headers/deps").join(format!("{package}.wit"));
        resolve
            .push_file(&file)
            .unwrap_or_else(|e| panic!("parsing {}: {e:?}", file.display()));
    }
    for package in WASI_0_3_0 {
        let file = wit.join("p3/deps").join(format!("{package}-0.3.0.wit"));
        resolve
            .push_file(&file)
            .unwrap_or_else(|e| panic!("parsing {}: {e:?}", file.display()));
    }

    // A world exporting every deniable interface: the composer picks the ones it needs from it.
    let source = crate::deniable::denial_world("interpose:deny@0.1.0", "all", DENIABLE);
    let package = resolve.push_str("deny.wit", &source).unwrap();
    let wit_package = wit_component::encode(&resolve, package, false)
        .unwrap_or_else(|e| panic!("encoding the denial WIT: {e:?}"));
    let wit_file = out.join("deny-wit.wasm");
    std::fs::write(&wit_file, wit_package).unwrap();

    let report = report_component(&resolve);
    let report_file = out.join("deny-report.wasm");
    std::fs::write(&report_file, crate::strip_custom_sections(&report)).unwrap();

    format!(
        "/// The WIT package (encoded) of a world exporting every deniable interface, from which\n\
         /// the composer makes the denial component of a composition.\n\
         pub const DENY_WIT: &[u8] = include_bytes!({:?});\n\
         /// The component exporting `interpose:adapters/deny-report`: writes a line to stderr.\n\
         pub const DENY_REPORT: &[u8] = include_bytes!({:?});\n",
        wit_file.display(),
        report_file.display()
    )
}

/// `deny-report`: `report(message)` writes the message to the host's stderr.
fn report_component(resolve: &Resolve) -> Vec<u8> {
    let adapters = resolve
        .packages
        .iter()
        .find(|(_, p)| p.name.namespace == "interpose" && p.name.name == "adapters")
        .map(|(id, _)| id)
        .unwrap();
    let world = resolve
        .select_world(&[adapters], Some("deny-reporter"))
        .unwrap();
    // The string arrives at 16 (the return area of the write is at 0); a report is one line.
    let mut module = wat::parse_str(
        r#"(module
             (import "wasi:cli/stderr@0.2.0" "get-stderr" (func $get (result i32)))
             (import "wasi:io/streams@0.2.0" "[method]output-stream.blocking-write-and-flush"
               (func $write (param i32 i32 i32 i32)))
             (import "wasi:io/streams@0.2.0" "[resource-drop]output-stream" (func $drop (param i32)))
             (memory (export "memory") 1)
             (func (export "interpose:adapters/deny-report@0.1.0#report") (param i32 i32)
               (local $out i32)
               (local.set $out (call $get))
               (call $write (local.get $out) (local.get 0) (local.get 1) (i32.const 0))
               (call $drop (local.get $out)))
             (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
               (if (i32.gt_u (local.get 3) (i32.const 4096)) (then unreachable))
               (i32.const 16)))"#,
    )
    .unwrap();
    wit_component::embed_component_metadata(
        &mut module,
        resolve,
        world,
        StringEncoding::UTF8,
        false,
    )
    .unwrap();
    ComponentEncoder::default()
        .module(&module)
        .and_then(|e| e.validate(true).encode())
        .unwrap_or_else(|e| panic!("making the deny-report component: {e:?}"))
}
