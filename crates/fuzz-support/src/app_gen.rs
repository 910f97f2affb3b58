//! Apps generated for the `compose` target: components that import WASI interfaces of real and
//! garbled shapes, at WASI 0.2, 0.3 and other versions, and interfaces interpose does not know;
//! optionally with a component `wasm-smith` generated nested inside, or a `wasm-smith` component
//! alone.
//!
//! Real shapes come from the WASI 0.2.0 WIT the adapters build against (`wit/deps`), with its
//! version rewritten when asked; garbled ones are small WIT interfaces of their own under WASI (or
//! other) names. wit-component turns the world into a component around a dummy core module, as
//! `wasm-tools component embed --dummy` does.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use arbitrary::{Arbitrary, Unstructured};
use wit_parser::{LiftLowerAbi, ManglingAndAbi, Resolve};

/// A generated app.
#[derive(Arbitrary, Clone, Debug, PartialEq, Eq)]
pub enum AppSpec {
    /// A world of WASI and other imports, made into a component.
    World(WorldSpec),
    /// A component `wasm-smith` generates from these bytes (its imports have plain names).
    Smith(SmithSeed),
    /// Raw bytes: rarely a component at all.
    Raw(Vec<u8>),
}

/// Bytes `wasm-smith` builds a component from.
#[derive(Arbitrary, Clone, Debug, PartialEq, Eq)]
pub struct SmithSeed(pub Vec<u8>);

#[derive(Arbitrary, Clone, Debug, PartialEq, Eq)]
pub struct WorldSpec {
    /// The version the real WASI interfaces are written at.
    pub version: RealVersion,
    pub imports: Vec<ImportSpec>,
    /// `export wasi:cli/run`.
    pub exports_run: bool,
    /// `export wasi:http/incoming-handler`: the app serves HTTP.
    pub serves_http: bool,
    /// A `wasm-smith` component nested in the app (defined, not instantiated).
    pub nested: Option<SmithSeed>,
}

#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RealVersion {
    V0_2_0,
    V0_2_3,
    V0_2_12,
    V0_3_0,
    V0_3Rc,
    V1_0_0,
}

impl RealVersion {
    pub fn text(self) -> &'static str {
        match self {
            RealVersion::V0_2_0 => "0.2.0",
            RealVersion::V0_2_3 => "0.2.3",
            RealVersion::V0_2_12 => "0.2.12",
            RealVersion::V0_3_0 => "0.3.0",
            RealVersion::V0_3Rc => "0.3.0-rc-2025-09-16",
            RealVersion::V1_0_0 => "1.0.0",
        }
    }
}

#[derive(Arbitrary, Clone, Debug, PartialEq, Eq)]
pub enum ImportSpec {
    /// A real WASI 0.2 interface, with its real types (at the world's version).
    Real(RealInterface),
    /// An interface of a made-up shape under a WASI or other name.
    Garbled {
        package: PackageName,
        interface: InterfaceName,
        version: GarbledVersion,
        shape: Shape,
    },
}

/// The WASI 0.2 interfaces apps import (`wit/deps`).
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RealInterface {
    CliEnvironment,
    CliExit,
    CliStdin,
    CliStdout,
    CliStderr,
    CliTerminalInput,
    CliTerminalStdout,
    ClocksWallClock,
    ClocksMonotonicClock,
    FilesystemTypes,
    FilesystemPreopens,
    IoStreams,
    IoPoll,
    IoError,
    RandomRandom,
    RandomInsecure,
    RandomInsecureSeed,
    SocketsNetwork,
    SocketsInstanceNetwork,
    SocketsTcp,
    SocketsTcpCreateSocket,
    SocketsUdp,
    SocketsUdpCreateSocket,
    SocketsIpNameLookup,
    HttpTypes,
    HttpOutgoingHandler,
}

impl RealInterface {
    /// Every one of them.
    pub const ALL: [RealInterface; 26] = [
        RealInterface::CliEnvironment,
        RealInterface::CliExit,
        RealInterface::CliStdin,
        RealInterface::CliStdout,
        RealInterface::CliStderr,
        RealInterface::CliTerminalInput,
        RealInterface::CliTerminalStdout,
        RealInterface::ClocksWallClock,
        RealInterface::ClocksMonotonicClock,
        RealInterface::FilesystemTypes,
        RealInterface::FilesystemPreopens,
        RealInterface::IoStreams,
        RealInterface::IoPoll,
        RealInterface::IoError,
        RealInterface::RandomRandom,
        RealInterface::RandomInsecure,
        RealInterface::RandomInsecureSeed,
        RealInterface::SocketsNetwork,
        RealInterface::SocketsInstanceNetwork,
        RealInterface::SocketsTcp,
        RealInterface::SocketsTcpCreateSocket,
        RealInterface::SocketsUdp,
        RealInterface::SocketsUdpCreateSocket,
        RealInterface::SocketsIpNameLookup,
        RealInterface::HttpTypes,
        RealInterface::HttpOutgoingHandler,
    ];

    pub fn name(self) -> &'static str {
        match self {
            RealInterface::CliEnvironment => "wasi:cli/environment",
            RealInterface::CliExit => "wasi:cli/exit",
            RealInterface::CliStdin => "wasi:cli/stdin",
            RealInterface::CliStdout => "wasi:cli/stdout",
            RealInterface::CliStderr => "wasi:cli/stderr",
            RealInterface::CliTerminalInput => "wasi:cli/terminal-input",
            RealInterface::CliTerminalStdout => "wasi:cli/terminal-stdout",
            RealInterface::ClocksWallClock => "wasi:clocks/wall-clock",
            RealInterface::ClocksMonotonicClock => "wasi:clocks/monotonic-clock",
            RealInterface::FilesystemTypes => "wasi:filesystem/types",
            RealInterface::FilesystemPreopens => "wasi:filesystem/preopens",
            RealInterface::IoStreams => "wasi:io/streams",
            RealInterface::IoPoll => "wasi:io/poll",
            RealInterface::IoError => "wasi:io/error",
            RealInterface::RandomRandom => "wasi:random/random",
            RealInterface::RandomInsecure => "wasi:random/insecure",
            RealInterface::RandomInsecureSeed => "wasi:random/insecure-seed",
            RealInterface::SocketsNetwork => "wasi:sockets/network",
            RealInterface::SocketsInstanceNetwork => "wasi:sockets/instance-network",
            RealInterface::SocketsTcp => "wasi:sockets/tcp",
            RealInterface::SocketsTcpCreateSocket => "wasi:sockets/tcp-create-socket",
            RealInterface::SocketsUdp => "wasi:sockets/udp",
            RealInterface::SocketsUdpCreateSocket => "wasi:sockets/udp-create-socket",
            RealInterface::SocketsIpNameLookup => "wasi:sockets/ip-name-lookup",
            RealInterface::HttpTypes => "wasi:http/types",
            RealInterface::HttpOutgoingHandler => "wasi:http/outgoing-handler",
        }
    }
}

#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PackageName {
    Filesystem,
    Sockets,
    Cli,
    Clocks,
    Random,
    Http,
    Io,
    Keyvalue,
    Plugin,
}

impl PackageName {
    fn text(self) -> &'static str {
        match self {
            PackageName::Filesystem => "wasi:filesystem",
            PackageName::Sockets => "wasi:sockets",
            PackageName::Cli => "wasi:cli",
            PackageName::Clocks => "wasi:clocks",
            PackageName::Random => "wasi:random",
            PackageName::Http => "wasi:http",
            PackageName::Io => "wasi:io",
            PackageName::Keyvalue => "wasi:keyvalue",
            PackageName::Plugin => "my:plugin",
        }
    }
}

#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum InterfaceName {
    Types,
    Typez,
    Environment,
    Exit,
    Stdout,
    Tcp,
    WallClock,
    /// WASI 0.3's clock.
    SystemClock,
    Streams,
    Random,
    OutgoingHandler,
    Api,
}

impl InterfaceName {
    fn text(self) -> &'static str {
        match self {
            InterfaceName::Types => "types",
            InterfaceName::Typez => "typez",
            InterfaceName::Environment => "environment",
            InterfaceName::Exit => "exit",
            InterfaceName::Stdout => "stdout",
            InterfaceName::Tcp => "tcp",
            InterfaceName::WallClock => "wall-clock",
            InterfaceName::SystemClock => "system-clock",
            InterfaceName::Streams => "streams",
            InterfaceName::Random => "random",
            InterfaceName::OutgoingHandler => "outgoing-handler",
            InterfaceName::Api => "api",
        }
    }
}

#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum GarbledVersion {
    None,
    V0_1_0,
    V0_2_0,
    V0_2_1,
    V0_2_9,
    V0_3_0,
    V0_3Rc,
    V2_0_0,
}

impl GarbledVersion {
    fn text(self) -> Option<&'static str> {
        Some(match self {
            GarbledVersion::None => return None,
            GarbledVersion::V0_1_0 => "0.1.0",
            GarbledVersion::V0_2_0 => "0.2.0",
            GarbledVersion::V0_2_1 => "0.2.1",
            GarbledVersion::V0_2_9 => "0.2.9",
            GarbledVersion::V0_3_0 => "0.3.0",
            GarbledVersion::V0_3Rc => "0.3.0-rc-2025-09-16",
            GarbledVersion::V2_0_0 => "2.0.0",
        })
    }
}

/// The items of a made-up interface.
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Empty,
    /// A function named like a real one, of another type.
    Func(FuncName, FuncType),
    TwoFuncs(FuncName, FuncName),
    /// A resource with a method.
    Resource(FuncName),
    /// WASI 0.3 style: a function returning a stream, an async function.
    Stream(FuncName),
    Async(FuncName),
}

#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FuncName {
    GetEnvironment,
    Now,
    GetRandomBytes,
    OpenAt,
    Exit,
    GetStdout,
    GetDirectories,
    Handle,
    F,
}

impl FuncName {
    fn text(self) -> &'static str {
        match self {
            FuncName::GetEnvironment => "get-environment",
            FuncName::Now => "now",
            FuncName::GetRandomBytes => "get-random-bytes",
            FuncName::OpenAt => "open-at",
            FuncName::Exit => "exit",
            FuncName::GetStdout => "get-stdout",
            FuncName::GetDirectories => "get-directories",
            FuncName::Handle => "handle",
            FuncName::F => "f",
        }
    }
}

#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FuncType {
    Unit,
    U64,
    StringList,
    Params,
    ResultString,
}

impl FuncType {
    fn text(self) -> &'static str {
        match self {
            FuncType::Unit => "func()",
            FuncType::U64 => "func() -> u64",
            FuncType::StringList => "func() -> list<tuple<string, string>>",
            FuncType::Params => "func(a: u32, b: string, c: list<u8>) -> bool",
            FuncType::ResultString => "func() -> result<string, u8>",
        }
    }
}

impl Shape {
    fn wit(self) -> String {
        match self {
            Shape::Empty => String::new(),
            Shape::Func(name, ty) => format!("  {}: {};\n", name.text(), ty.text()),
            Shape::TwoFuncs(a, b) if a == b => format!("  {}: func();\n", a.text()),
            Shape::TwoFuncs(a, b) => {
                format!("  {}: func();\n  {}: func() -> u32;\n", a.text(), b.text())
            }
            Shape::Resource(method) => format!(
                "  resource descriptor {{\n    {}: func() -> u64;\n  }}\n  get: func() -> descriptor;\n",
                method.text()
            ),
            Shape::Stream(name) => format!("  {}: func() -> stream<u8>;\n", name.text()),
            Shape::Async(name) => format!("  {}: async func(x: u32) -> u32;\n", name.text()),
        }
    }
}

/// The WASI 0.2.0 packages, each one file made of its files, in dependency order.
const REAL_PACKAGES: &[(&str, &[&str])] = &[
    (
        "wasi:io",
        &[
            include_str!("../../../wit/deps/io/error.wit"),
            include_str!("../../../wit/deps/io/poll.wit"),
            include_str!("../../../wit/deps/io/streams.wit"),
            include_str!("../../../wit/deps/io/world.wit"),
        ],
    ),
    (
        "wasi:clocks",
        &[
            include_str!("../../../wit/deps/clocks/monotonic-clock.wit"),
            include_str!("../../../wit/deps/clocks/wall-clock.wit"),
            include_str!("../../../wit/deps/clocks/world.wit"),
        ],
    ),
    (
        "wasi:random",
        &[
            include_str!("../../../wit/deps/random/insecure-seed.wit"),
            include_str!("../../../wit/deps/random/insecure.wit"),
            include_str!("../../../wit/deps/random/random.wit"),
            include_str!("../../../wit/deps/random/world.wit"),
        ],
    ),
    (
        "wasi:filesystem",
        &[
            include_str!("../../../wit/deps/filesystem/preopens.wit"),
            include_str!("../../../wit/deps/filesystem/types.wit"),
            include_str!("../../../wit/deps/filesystem/world.wit"),
        ],
    ),
    (
        "wasi:sockets",
        &[
            include_str!("../../../wit/deps/sockets/instance-network.wit"),
            include_str!("../../../wit/deps/sockets/ip-name-lookup.wit"),
            include_str!("../../../wit/deps/sockets/network.wit"),
            include_str!("../../../wit/deps/sockets/tcp-create-socket.wit"),
            include_str!("../../../wit/deps/sockets/tcp.wit"),
            include_str!("../../../wit/deps/sockets/udp-create-socket.wit"),
            include_str!("../../../wit/deps/sockets/udp.wit"),
            include_str!("../../../wit/deps/sockets/world.wit"),
        ],
    ),
    (
        "wasi:cli",
        &[
            include_str!("../../../wit/deps/cli/command.wit"),
            include_str!("../../../wit/deps/cli/environment.wit"),
            include_str!("../../../wit/deps/cli/exit.wit"),
            include_str!("../../../wit/deps/cli/imports.wit"),
            include_str!("../../../wit/deps/cli/run.wit"),
            include_str!("../../../wit/deps/cli/stdio.wit"),
            include_str!("../../../wit/deps/cli/terminal.wit"),
        ],
    ),
    (
        "wasi:http",
        &[
            include_str!("../../../wit/deps/http/handler.wit"),
            include_str!("../../../wit/deps/http/proxy.wit"),
            include_str!("../../../wit/deps/http/types.wit"),
        ],
    ),
];

/// One WIT source for a real package at `version`: its files joined, with one `package` line.
fn real_package_source(name: &str, files: &[&str], version: &str) -> String {
    let mut text = format!("package {name}@{version};\n");
    for file in files {
        for line in file.lines() {
            if !line.trim_start().starts_with("package ") {
                text += &line.replace("@0.2.0", &format!("@{version}"));
                text.push('\n');
            }
        }
    }
    text
}

/// How building a generated app went.
#[derive(Debug)]
pub struct BuiltApp {
    pub bytes: Vec<u8>,
    /// The WIT of the world, for failure messages (empty for other apps).
    pub wit: String,
    /// Whether the app exports `wasi:http/incoming-handler`.
    pub serves_http: bool,
}

impl AppSpec {
    /// Whether the app imports a WASI interface at a version interpose serves (0.2.x) with a
    /// made-up shape: what no toolchain builds, and what interpose cannot always name as the
    /// app's fault (see `compose::check_compose`).
    pub fn garbles_served_wasi(&self) -> bool {
        let AppSpec::World(world) = self else {
            return false;
        };
        world.imports.iter().any(|import| {
            matches!(
                import,
                ImportSpec::Garbled {
                    package,
                    version: GarbledVersion::V0_2_0 | GarbledVersion::V0_2_1 | GarbledVersion::V0_2_9,
                    ..
                } if package.text().starts_with("wasi:")
            )
        })
    }

    /// The app's bytes. `None`: what was generated cannot be built (a `wasm-smith` seed too short,
    /// a world wit-component refuses); the target skips it.
    pub fn build(&self) -> Option<BuiltApp> {
        match self {
            AppSpec::World(world) => world.build(),
            AppSpec::Smith(seed) => Some(BuiltApp {
                bytes: seed.component()?,
                wit: String::new(),
                serves_http: false,
            }),
            AppSpec::Raw(bytes) => Some(BuiltApp {
                bytes: bytes.clone(),
                wit: String::new(),
                serves_http: false,
            }),
        }
    }
}

impl SmithSeed {
    /// The component `wasm-smith` makes of these bytes, kept small.
    pub fn component(&self) -> Option<Vec<u8>> {
        let mut u = Unstructured::new(&self.0);
        let config = wasm_smith::Config {
            max_components: 2,
            max_instances: 4,
            max_imports: 6,
            max_exports: 6,
            max_funcs: 8,
            max_types: 12,
            max_nesting_depth: 3,
            max_type_size: 100,
            ..wasm_smith::Config::default()
        };
        wasm_smith::Component::new(config, &mut u)
            .ok()
            .map(|c| c.to_bytes())
    }
}

impl WorldSpec {
    /// The world's WIT and the packages it needs.
    pub fn wit(&self) -> (Vec<String>, String) {
        let version = self.version.text();
        let mut sources: Vec<String> = REAL_PACKAGES
            .iter()
            .map(|(name, files)| real_package_source(name, files, version))
            .collect();
        // Made-up interfaces, grouped by package and version; a group that would clash with a
        // real package is left out.
        let mut garbled: BTreeMap<(&str, Option<&str>), BTreeMap<&str, Shape>> = BTreeMap::new();
        for import in &self.imports {
            if let ImportSpec::Garbled {
                package,
                interface,
                version: garbled_version,
                shape,
            } = import
            {
                let key = (package.text(), garbled_version.text());
                let clashes = REAL_PACKAGES
                    .iter()
                    .any(|(name, _)| *name == key.0 && key.1 == Some(version));
                if !clashes {
                    garbled
                        .entry(key)
                        .or_default()
                        .entry(interface.text())
                        .or_insert(*shape);
                }
            }
        }
        let mut world = String::from("package fuzz:app;\n\nworld app {\n");
        let mut imported = BTreeSet::new();
        for import in &self.imports {
            if let ImportSpec::Real(interface) = import
                && imported.insert(interface.name())
            {
                writeln!(world, "  import {}@{version};", interface.name()).unwrap();
            }
        }
        for ((package, garbled_version), interfaces) in &garbled {
            let at = garbled_version.map(|v| format!("@{v}")).unwrap_or_default();
            let mut text = format!("package {package}{at};\n");
            for (interface, shape) in interfaces {
                write!(text, "\ninterface {interface} {{\n{}}}\n", shape.wit()).unwrap();
                writeln!(world, "  import {package}/{interface}{at};").unwrap();
            }
            sources.push(text);
        }
        if self.exports_run {
            writeln!(world, "  export wasi:cli/run@{version};").unwrap();
        }
        if self.serves_http {
            writeln!(world, "  export wasi:http/incoming-handler@{version};").unwrap();
        }
        world.push_str("}\n");
        (sources, world)
    }

    fn build(&self) -> Option<BuiltApp> {
        let (sources, world) = self.wit();
        let mut resolve = Resolve::default();
        for (i, source) in sources.iter().enumerate() {
            resolve.push_source(&format!("dep{i}.wit"), source).ok()?;
        }
        let package = resolve.push_source("app.wit", &world).ok()?;
        let world_id = resolve.select_world(&[package], Some("app")).ok()?;
        let mut module = wit_component::dummy_module(
            &resolve,
            world_id,
            ManglingAndAbi::Legacy(LiftLowerAbi::Sync),
        );
        wit_component::embed_component_metadata(
            &mut module,
            &resolve,
            world_id,
            wit_component::StringEncoding::UTF8,
            false,
        )
        .ok()?;
        let mut bytes = wit_component::ComponentEncoder::default()
            .module(&module)
            .ok()?
            .validate(true)
            .encode()
            .ok()?;
        if let Some(nested) = self.nested.as_ref().and_then(SmithSeed::component) {
            // A nested component section: its id, then the component, length-prefixed.
            use wasm_encoder::Encode;
            bytes.push(wasm_encoder::ComponentSectionId::Component as u8);
            nested.as_slice().encode(&mut bytes);
        }
        Some(BuiltApp {
            bytes,
            wit: format!("{}\n{world}", sources[REAL_PACKAGES.len()..].join("\n")),
            serves_http: self.serves_http,
        })
    }
}
