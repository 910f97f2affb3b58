//! Builds every adapter crate for `wasm32-unknown-unknown` and turns each core module into a
//! component. Built for that target, an adapter imports exactly what its world imports; built for
//! wasm32-wasip2, std's own WASI imports would be mixed in.

use std::env;
use std::fmt::Write;
use std::path::{Path, PathBuf};

#[path = "src/deniable.rs"]
#[allow(dead_code)]
mod deniable;
mod deny;

/// (name, package, its features) of every adapter. `fs` is built twice: `fs-paths` checks path
/// globs, `fs` leaves that code out (see `crates/fs/Cargo.toml`); so are `http` (`http-headers`
/// also rewrites headers) and `stdio` (`stdio-files`, `stdio-sockets` and `stdio-files-sockets` also wrap the
/// filesystem, TCP sockets or both), and so are `env`, `clocks`, `random`, `sockets`, `fs` and `http` (their `-p3` builds
/// export WASI 0.3).
const ADAPTERS: &[(&str, &str, &[&str])] = &[
    ("env", "interpose-env", &[]),
    // The WASI 0.3 builds of the same crates (`wit/p3/world.wit`).
    ("env-p3", "interpose-env", &["interpose-env/p3"]),
    ("clocks-p3", "interpose-clocks", &["interpose-clocks/p3"]),
    ("random-p3", "interpose-random", &["interpose-random/p3"]),
    ("sockets-p3", "interpose-sockets", &["interpose-sockets/p3"]),
    ("fs-p3", "interpose-fs", &["interpose-fs/p3"]),
    // `fs-paths-p3` is two components, composed below (`COMPOSED`): this and `fs-listing`.
    (
        "fs-paths-p3-front",
        "interpose-fs",
        &["interpose-fs/p3", "interpose-fs/paths"],
    ),
    ("fs-listing", "interpose-fs-listing", &[]),
    ("http-p3", "interpose-http", &["interpose-http/p3"]),
    // `stdio-p3` is two components, composed below into one adapter (see `crates/stdio-p3`).
    ("stdio-p3-front", "interpose-stdio-p3", &[]),
    (
        "stdio-p3-sink",
        "interpose-stdio-p3",
        &["interpose-stdio-p3/sink"],
    ),
    ("fs", "interpose-fs", &[]),
    ("fs-paths", "interpose-fs", &["interpose-fs/paths"]),
    ("clocks", "interpose-clocks", &[]),
    ("random", "interpose-random", &[]),
    ("http", "interpose-http", &[]),
    (
        "http-headers",
        "interpose-http",
        &["interpose-http/headers"],
    ),
    ("sockets", "interpose-sockets", &[]),
    ("stdio", "interpose-stdio", &[]),
    ("stdio-files", "interpose-stdio", &["interpose-stdio/files"]),
    (
        "stdio-sockets",
        "interpose-stdio",
        &["interpose-stdio/sockets"],
    ),
    (
        "stdio-files-sockets",
        "interpose-stdio",
        &["interpose-stdio/files", "interpose-stdio/sockets"],
    ),
    ("stdio-all", "interpose-stdio", &["interpose-stdio/http"]),
];

/// Adapters made of two of the components above: (name, front, the component that fills the
/// front's imports of its own). An async export called synchronously by the front makes the 0.3
/// streams and futures a synchronous export cannot (see `crates/stdio-p3`, `crates/fs-listing`).
const COMPOSED: &[(&str, &str, &str)] = &[
    ("stdio-p3", "stdio-p3-front", "stdio-p3-sink"),
    ("fs-paths-p3", "fs-paths-p3-front", "fs-listing"),
];

fn main() {
    let mut watch = vec!["crates/policy"];
    let dirs: Vec<String> = ADAPTERS
        .iter()
        .map(|(_, package, _)| format!("crates/{}", package.trim_start_matches("interpose-")))
        .collect();
    watch.extend(dirs.iter().map(String::as_str));

    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    let mut consts = String::new();
    let mut all = Vec::new();
    for (name, package, features) in ADAPTERS {
        // One at a time: two builds of one package with other features share an output file.
        let built = interpose_guest_build::build(
            &[package],
            features,
            interpose_guest_build::Kind::Cdylib,
            "wasm32-unknown-unknown",
            &watch,
        );
        let module =
            interpose_guest_build::read(&built, &format!("{}.wasm", package.replace('-', "_")));
        let component = wit_component::ComponentEncoder::default()
            .module(&module)
            .and_then(|e| e.validate(true).encode())
            .unwrap_or_else(|e| panic!("making a component of the {name} adapter: {e:?}"));
        let file = out.join(format!("{name}.wasm"));
        std::fs::write(&file, strip_custom_sections(&component)).unwrap();
        let part = COMPOSED
            .iter()
            .any(|&(_, front, filler)| *name == front || *name == filler);
        if !part {
            all.push(adapter_const(&mut consts, name, &file, &component));
        }
    }
    for (name, front, filler) in COMPOSED {
        let front = std::fs::read(out.join(format!("{front}.wasm"))).unwrap();
        let filler = std::fs::read(out.join(format!("{filler}.wasm"))).unwrap();
        let file = out.join(format!("{name}.wasm"));
        let component = plug(name, &front, &filler);
        std::fs::write(&file, &component).unwrap();
        all.push(adapter_const(&mut consts, name, &file, &component));
    }
    writeln!(
        consts,
        "/// Every adapter component, as built.\npub const COMPONENTS: &[&Component] = &[{}];",
        all.iter()
            .map(|c| format!("&{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    )
    .unwrap();
    let wit = interpose_guest_build::workspace_root().join("wit");
    consts.push_str(&deny::build(&wit, &out));
    std::fs::write(out.join("adapters.rs"), consts).unwrap();
}

/// Writes the `Component` constant of the adapter `name` (built as `file`) and returns its name.
fn adapter_const(consts: &mut String, name: &str, file: &Path, component: &[u8]) -> String {
    let (imports, exports) = world_names(name, component);
    let constant = name.to_uppercase().replace('-', "_");
    writeln!(
        consts,
        "/// The `{name}` adapter component.\npub const {constant}: Component = Component {{\n    \
         name: {name:?},\n    bytes: include_bytes!({file:?}),\n    imports: &{imports:?},\n    \
         exports: &{exports:?},\n}};",
    )
    .unwrap();
    constant
}

/// The names `component` imports and exports, read from its world. An adapter exports one WASI
/// release at one version: the composer serves an app's imports of that release with it.
fn world_names(name: &str, component: &[u8]) -> (Vec<String>, Vec<String>) {
    let decoded = wit_component::decode(component)
        .unwrap_or_else(|e| panic!("reading the world of the {name} adapter: {e:?}"));
    let wit_component::DecodedWasm::Component(resolve, world) = decoded else {
        panic!("the {name} adapter is not a component");
    };
    let world = &resolve.worlds[world];
    let names = |items: &mut dyn Iterator<Item = &wit_parser::WorldKey>| {
        let mut names: Vec<String> = items.map(|key| resolve.name_world_key(key)).collect();
        names.sort();
        names
    };
    let imports = names(&mut world.imports.keys());
    let exports = names(&mut world.exports.keys());
    let versions: std::collections::BTreeSet<Option<&str>> = exports
        .iter()
        .map(|e| e.split_once('@').map(|(_, v)| v))
        .collect();
    assert!(
        versions.len() == 1 && !versions.contains(&None),
        "the {name} adapter must export one WASI version, not {versions:?}"
    );
    (imports, exports)
}

/// The adapter `name`: `socket` with its imports that `plug` exports filled by `plug`'s instance;
/// their other imports are the composition's, `socket`'s exports the composition's.
fn plug(name: &str, socket: &[u8], plug: &[u8]) -> Vec<u8> {
    use wac_graph::types::Package;
    use wac_graph::{CompositionGraph, EncodeOptions};
    let mut graph = CompositionGraph::new();
    let socket = Package::from_bytes("socket", None, socket.to_vec(), graph.types_mut()).unwrap();
    let socket = graph.register_package(socket).unwrap();
    let plug = Package::from_bytes("plug", None, plug.to_vec(), graph.types_mut()).unwrap();
    let plug = graph.register_package(plug).unwrap();
    wac_graph::plug(&mut graph, vec![plug], socket).unwrap();
    graph
        .encode(EncodeOptions::default())
        .unwrap_or_else(|e| panic!("composing {name}: {e:?}"))
}

/// `wasm` (a component or a core module) without its custom sections, at any depth: names and
/// producers are for tools, and every composed component would carry them (the `component-name`
/// section alone was about 10 KB of the `fs` adapter).
fn strip_custom_sections(wasm: &[u8]) -> Vec<u8> {
    const HEADER: usize = 8;
    let is_component = wasm.get(4..HEADER) != Some(&[1, 0, 0, 0][..]);
    let mut out = wasm[..HEADER].to_vec();
    let mut at = HEADER;
    while at < wasm.len() {
        let id = wasm[at];
        let (size, body_start) = read_leb(wasm, at + 1);
        let body = &wasm[body_start..body_start + size];
        at = body_start + size;
        match id {
            0 => {}
            // A nested core module: strip it too.
            1 if is_component => {
                let module = strip_custom_sections(body);
                out.push(1);
                write_leb(&mut out, module.len());
                out.extend_from_slice(&module);
            }
            _ => {
                out.push(id);
                write_leb(&mut out, size);
                out.extend_from_slice(body);
            }
        }
    }
    out
}

fn read_leb(bytes: &[u8], mut at: usize) -> (usize, usize) {
    let (mut value, mut shift) = (0usize, 0);
    loop {
        let byte = bytes[at];
        at += 1;
        value |= usize::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return (value, at);
        }
        shift += 7;
    }
}

fn write_leb(out: &mut Vec<u8>, mut value: usize) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}
