//! Builds every adapter crate for `wasm32-unknown-unknown` and turns each core module into a
//! component. Built for that target, an adapter imports exactly what its world imports; built for
//! wasm32-wasip2, std's own WASI imports would be mixed in.

use std::env;
use std::fmt::Write;
use std::path::PathBuf;

mod stubs;

/// (name, package, crate name) of every adapter.
const ADAPTERS: &[(&str, &str, &str)] = &[
    ("env", "interpose-env", "interpose_env"),
    ("fs", "interpose-fs", "interpose_fs"),
    ("clocks", "interpose-clocks", "interpose_clocks"),
    ("random", "interpose-random", "interpose_random"),
    ("http", "interpose-http", "interpose_http"),
    ("sockets", "interpose-sockets", "interpose_sockets"),
];

fn main() {
    let packages: Vec<&str> = ADAPTERS.iter().map(|(_, package, _)| *package).collect();
    let mut watch = vec!["crates/policy"];
    let dirs: Vec<String> = ADAPTERS
        .iter()
        .map(|(name, _, _)| format!("crates/{name}"))
        .collect();
    watch.extend(dirs.iter().map(String::as_str));
    let built = interpose_guest_build::build(
        &packages,
        interpose_guest_build::Kind::Cdylib,
        "wasm32-unknown-unknown",
        &watch,
    );

    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    let mut consts = String::new();
    for (name, _, crate_name) in ADAPTERS {
        let module = interpose_guest_build::read(&built, &format!("{crate_name}.wasm"));
        let component = wit_component::ComponentEncoder::default()
            .module(&module)
            .and_then(|e| e.validate(true).encode())
            .unwrap_or_else(|e| panic!("making a component of the {name} adapter: {e:?}"));
        let file = out.join(format!("{name}.wasm"));
        std::fs::write(&file, component).unwrap();
        writeln!(
            consts,
            "/// The `{name}` adapter component.\npub const {}: &[u8] = include_bytes!({:?});",
            name.to_uppercase(),
            file.display()
        )
        .unwrap();
    }
    let wit = interpose_guest_build::workspace_root().join("wit");
    consts.push_str(&stubs::build(&wit, &out));
    std::fs::write(out.join("adapters.rs"), consts).unwrap();
}
