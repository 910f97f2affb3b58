//! Denial stubs: for each WASI 0.2 interface a policy can deny, a component that exports it
//! without importing it, so the composed component does not import what the policy denies.
//!
//! Functions trap (`unreachable`): most of these interfaces have no error channel, and a denied
//! interface has nothing to return. `wasi:filesystem/preopens` is the exception: its stub returns
//! no directories, so an app finds no files instead of trapping, and no descriptor (whose
//! methods would trap) can ever exist.

use std::fmt::Write;
use std::path::Path;

use wit_component::{ComponentEncoder, StringEncoding};
use wit_parser::abi::WasmType;
use wit_parser::{
    LiftLowerAbi, ManglingAndAbi, Resolve, WasmExport, WasmExportKind, WorldId, WorldItem,
};

/// Every interface with a stub, unversioned; stubs are built against the vendored WASI 0.2.0
/// (`wasi:http/types`: 0.2.12).
pub const DENIABLE: &[&str] = &[
    "wasi:cli/environment",
    "wasi:cli/exit",
    "wasi:cli/stdin",
    "wasi:cli/stdout",
    "wasi:cli/stderr",
    "wasi:cli/terminal-stdin",
    "wasi:cli/terminal-stdout",
    "wasi:cli/terminal-stderr",
    "wasi:clocks/monotonic-clock",
    "wasi:clocks/wall-clock",
    "wasi:filesystem/types",
    "wasi:filesystem/preopens",
    "wasi:random/random",
    "wasi:random/insecure",
    "wasi:random/insecure-seed",
    "wasi:sockets/network",
    "wasi:sockets/instance-network",
    "wasi:sockets/ip-name-lookup",
    "wasi:sockets/tcp",
    "wasi:sockets/tcp-create-socket",
    "wasi:sockets/udp",
    "wasi:sockets/udp-create-socket",
    "wasi:http/types",
    "wasi:http/outgoing-handler",
];

/// Builds every stub into `out` and returns Rust source listing them.
pub fn build(wit: &Path, out: &Path) -> String {
    let mut listing = String::from(
        "/// Denial stubs: (interface without version, component exporting it at 0.2.0, or\n\
         /// 0.2.12 for `wasi:http/types`).\n\
         pub const STUBS: &[(&str, &[u8])] = &[\n",
    );
    for interface in DENIABLE {
        // `wasi:http/types` gained items after 0.2.0, and an export must have every item the
        // app's import names: its stub is built against 0.2.12, as the `http-headers` adapter.
        let component = if *interface == "wasi:http/types" {
            stub(&wit.join("http-headers"), interface, "0.2.12")
        } else {
            stub(wit, interface, "0.2.0")
        };
        let file = out.join(format!("deny-{}.wasm", interface.replace([':', '/'], "-")));
        std::fs::write(&file, crate::strip_custom_sections(&component)).unwrap();
        writeln!(
            listing,
            "    ({interface:?}, include_bytes!({:?})),",
            file.display()
        )
        .unwrap();
    }
    listing.push_str("];\n");
    listing
}

fn stub(wit: &Path, interface: &str, version: &str) -> Vec<u8> {
    let mut resolve = Resolve::default();
    resolve
        .push_dir(wit)
        .unwrap_or_else(|e| panic!("parsing {}: {e:?}", wit.display()));
    let source =
        format!("package interpose:stub;\nworld stub {{ export {interface}@{version}; }}\n");
    let package = resolve.push_str("stub.wit", &source).unwrap();
    let world = resolve.select_world(&[package], Some("stub")).unwrap();
    let mut module = if interface == "wasi:filesystem/preopens" {
        // `get-directories` returns an empty list: a return area of zeros (pointer, length).
        wat::parse_str(
            r#"(module
                 (memory (export "memory") 1)
                 (func (export "wasi:filesystem/preopens@0.2.0#get-directories") (result i32)
                   i32.const 8))"#,
        )
        .unwrap()
    } else {
        wat::parse_str(trapping_module(&resolve, world)).unwrap()
    };
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        StringEncoding::UTF8,
        false,
    )
    .unwrap();
    ComponentEncoder::default()
        .module(&module)
        .and_then(|e| e.validate(true).encode())
        .unwrap_or_else(|e| panic!("making the stub for {interface}: {e:?}"))
}

/// A core module exporting every function of the world's exports as `unreachable`, and
/// importing nothing. (wit-component's dummy module imports every function of the world's
/// imports, which would make the stub need more of the host than the app it replaces.)
fn trapping_module(resolve: &Resolve, world: WorldId) -> String {
    let mangling = ManglingAndAbi::Legacy(LiftLowerAbi::Sync);
    let mut wat = String::from("(module\n");
    for (key, item) in &resolve.worlds[world].exports {
        let WorldItem::Interface { id, .. } = item else {
            continue;
        };
        for func in resolve.interfaces[*id].functions.values() {
            let signature = resolve.wasm_signature(mangling.export_variant(), func);
            let name = resolve.wasm_export_name(
                mangling,
                WasmExport::Func {
                    interface: Some(key),
                    func,
                    kind: WasmExportKind::Normal,
                },
            );
            write!(wat, "  (func (export {name:?})").unwrap();
            for (kind, types) in [("param", &signature.params), ("result", &signature.results)] {
                for ty in types {
                    let ty = match ty {
                        WasmType::I64 | WasmType::PointerOrI64 => "i64",
                        WasmType::F32 => "f32",
                        WasmType::F64 => "f64",
                        WasmType::I32 | WasmType::Pointer | WasmType::Length => "i32",
                    };
                    write!(wat, " ({kind} {ty})").unwrap();
                }
            }
            wat.push_str(" unreachable)\n");
        }
    }
    wat.push_str("  (memory (export \"memory\") 0)\n");
    wat.push_str(
        "  (func (export \"cabi_realloc\") (param i32 i32 i32 i32) (result i32) unreachable))\n",
    );
    wat
}
