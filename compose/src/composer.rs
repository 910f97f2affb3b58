//! Composing an app with the adapters and stubs its policy needs.

use std::collections::BTreeMap;

use interpose_policy::compiled::{self, CompiledPolicy, Route};
use interpose_policy::{DefaultAccess, EnvPolicy, Policy};
use wac_graph::types::{ItemKind, Package, World};
use wac_graph::{CompositionGraph, EncodeOptions, NodeId};

use crate::adapters::{self, Adapter, unversioned};
use crate::policy_component::{self, SOURCE_INTERFACE};
use crate::routing::{self, Decision, Refusal, Unattenuable};

/// Why a component could not be composed.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("not a WebAssembly file (it does not start with the `\\0asm` magic number)")]
    NotWasm,
    #[error(
        "this is a core WebAssembly module, not a component; build the app for `wasm32-wasip2`, \
         or adapt a WASI preview 1 module with `wasm-tools component new app.wasm --adapt \
         wasi_snapshot_preview1.command.wasm -o app.component.wasm`"
    )]
    CoreModule,
    #[error("not a valid component: {0}")]
    Invalid(String),
    #[error(
        "the app imports `{import}`, which the `{provider}` {kind} cannot provide (the types \
         differ); the app may need a newer interpose: {reason}"
    )]
    Incompatible {
        import: String,
        provider: String,
        kind: &'static str,
        reason: String,
    },
    #[error(
        "the app imports {}, which this strict policy (`\"default\": \"deny\"`) cannot decide; \
         list {} in `\"allow-imports\"` to let {} through to the host",
        quoted(.0), if .0.len() == 1 { "it" } else { "them" }, if .0.len() == 1 { "it" } else { "them" }
    )]
    UndecidedImports(Vec<String>),
    #[error("{}", cannot_attenuate(.imports, *.strict))]
    CannotAttenuate {
        /// What the policy covers and interpose cannot attenuate.
        imports: Vec<Unattenuable>,
        /// Whether the policy is strict (`"default": "deny"`).
        strict: bool,
    },
    #[error(
        "a \"null\" stream in `stdio` is a stream of interpose's own, so all of the app's streams \
         become interpose's, and the app's other sources of streams must be denied: {}; deny \
         them (`\"fs\": {{\"mode\": \"deny\"}}`, `\"sockets\": \"deny\"`, `\"http\": \"deny\"`, or \
         `\"default\": \"deny\"`), or use \"deny\" instead of \"null\"",
        quoted(.0)
    )]
    NullStdioWithStreams(Vec<String>),
    #[error(
        "the app serves HTTP (it exports `{0}`), and the policy's `set-headers`/`strip-headers` \
         replace `wasi:http/types`, whose requests the host hands to that export; leave header \
         changes out of the policy for this app"
    )]
    HeadersWhileServing(String),
    #[error("internal composition error (please report it): {0}")]
    Internal(String),
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The message of [`ComposeError::CannotAttenuate`]: each import with what covers it and why
/// interpose cannot attenuate it, then what to do.
fn cannot_attenuate(imports: &[Unattenuable], strict: bool) -> String {
    let list: Vec<String> = imports.iter().map(ToString::to_string).collect();
    let (it, them) = if imports.len() == 1 {
        ("it", "it")
    } else {
        ("them", "these imports")
    };
    let mut sections: Vec<String> = Vec::new();
    for section in imports.iter().filter(|u| u.in_policy).map(|u| u.section) {
        let section = format!("`{section}`");
        if !sections.contains(&section) {
            sections.push(section);
        }
    }
    let remove = match sections.as_slice() {
        [] => String::new(),
        [one] => format!("remove the {one} section"),
        [many @ .., last] => format!("remove the {} and {last} sections", many.join(", ")),
    };
    let to_the_host = match (strict, remove.is_empty()) {
        (false, _) => remove,
        (true, true) => format!("list {them} in `\"allow-imports\"`"),
        (true, false) => format!("{remove} and list {them} in `\"allow-imports\"`"),
    };
    let otherwise = if imports.iter().any(Unattenuable::other_version) {
        "use a build of the app for WASI 0.2 (`wasm32-wasip2`)".to_owned()
    } else {
        format!("build the app without {it}")
    };
    format!(
        "the policy covers {}, which interpose cannot attenuate: {}; {to_the_host} to let the \
         host serve {it} unattenuated, or {otherwise}",
        if imports.len() == 1 {
            "an import of the app"
        } else {
            "imports of the app"
        },
        list.join(", "),
    )
}

fn internal(e: impl std::fmt::Display) -> ComposeError {
    ComposeError::Internal(e.to_string())
}

/// The result of composing an app.
#[derive(Debug)]
pub struct Composition {
    /// The composed component, or the app itself if the policy changes nothing it imports.
    pub component: Vec<u8>,
    /// Each import of the app and where it now leads.
    pub routes: Vec<(String, Route)>,
}

impl Composition {
    /// The adapters plugged in, each with the app imports it implements.
    pub fn plugged(&self) -> Vec<(String, Vec<String>)> {
        let mut by_adapter: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (import, route) in &self.routes {
            if let Route::Adapter(name) = route {
                by_adapter
                    .entry(name.clone())
                    .or_default()
                    .push(import.clone());
            }
        }
        by_adapter.into_iter().collect()
    }

    /// The app imports replaced by denial stubs.
    pub fn denied(&self) -> Vec<String> {
        self.routes
            .iter()
            .filter(|(_, r)| *r == Route::Denied)
            .map(|(i, _)| i.clone())
            .collect()
    }

    /// The app imports interpose does not know, passed to the host unattenuated (outside every
    /// section of the policy, or named by `allow-imports`).
    pub fn unknown(&self) -> Vec<String> {
        self.routes
            .iter()
            .filter(|(_, r)| matches!(r, Route::Unknown | Route::AllowedUnknown))
            .map(|(i, _)| i.clone())
            .collect()
    }
}

/// Composes apps with the adapters a policy needs. Create one per policy and reuse it.
#[derive(Debug, Clone)]
pub struct Composer {
    policy: Policy,
    /// What the adapters execute (without routes).
    compiled: CompiledPolicy,
}

impl Composer {
    pub fn new(policy: Policy) -> Self {
        let compiled = if policy.default == DefaultAccess::Deny && policy.env.is_none() {
            // Strict and silent about the environment: an empty one, and no host path. The
            // policy itself keeps no `env` section: routing tells the two apart.
            Policy {
                env: Some(EnvPolicy {
                    cwd: interpose_policy::CwdPolicy::Hide,
                    ..EnvPolicy::default()
                }),
                ..policy.clone()
            }
            .compile()
        } else {
            policy.compile()
        };
        Composer { policy, compiled }
    }

    /// The policy, as given.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Plugs the adapters and stubs the policy needs in front of the app's imports. Imports the
    /// policy leaves alone stay connected to the host.
    pub fn compose(&self, app: &[u8]) -> Result<Composition, ComposeError> {
        check_component(app)?;
        let mut graph = CompositionGraph::new();
        let app_package = Package::from_bytes("app", None, app.to_vec(), graph.types_mut())
            .map_err(|e| ComposeError::Invalid(format!("{e:#}")))?;
        let app_world = graph.types()[app_package.ty()].clone();

        let mut decisions: BTreeMap<String, Decision> = BTreeMap::new();
        let mut undecided = Vec::new();
        let mut unattenuable = Vec::new();
        let mut routes = Vec::new();
        for import in app_world.imports.keys() {
            match routing::decide(&self.policy, import) {
                Ok(decision) => {
                    routes.push((import.clone(), decision.route()));
                    decisions.insert(import.clone(), decision);
                }
                Err(Refusal::Undecided) => undecided.push(import.clone()),
                Err(Refusal::Unattenuable(refused)) => unattenuable.push(refused),
            }
        }
        if !unattenuable.is_empty() {
            return Err(ComposeError::CannotAttenuate {
                imports: unattenuable,
                strict: self.policy.default == DefaultAccess::Deny,
            });
        }
        if !undecided.is_empty() {
            return Err(ComposeError::UndecidedImports(undecided));
        }
        let through_stdio = |route: &Route| *route == Route::Adapter(adapters::STDIO.name.into());
        if routes.iter().any(|(_, route)| through_stdio(route)) {
            let streams_elsewhere: Vec<String> = routes
                .iter()
                .filter(|(import, route)| {
                    adapters::STREAM_SOURCES.contains(&unversioned(import))
                        && *route != Route::Denied
                })
                .map(|(import, _)| import.clone())
                .collect();
            if !streams_elsewhere.is_empty() {
                return Err(ComposeError::NullStdioWithStreams(streams_elsewhere));
            }
        }
        let wraps_http_types = routes.iter().any(|(import, route)| {
            unversioned(import) == "wasi:http/types" && matches!(route, Route::Adapter(_))
        });
        if let Some(export) = app_world
            .exports
            .keys()
            .find(|e| wraps_http_types && unversioned(e) == "wasi:http/incoming-handler")
        {
            return Err(ComposeError::HeadersWhileServing(export.clone()));
        }
        if routes
            .iter()
            .all(|(_, r)| matches!(r, Route::Host | Route::AllowedUnknown | Route::Unknown))
        {
            return Ok(Composition {
                component: app.to_vec(),
                routes,
            });
        }

        let mut compiled = self.compiled.clone();
        compiled.routes = routes.clone();
        let app_id = graph.register_package(app_package).map_err(internal)?;
        let mut wiring = Wiring {
            graph,
            app_world: &app_world,
            decisions: &decisions,
            compiled: &compiled,
            host_imports: BTreeMap::new(),
            providers: BTreeMap::new(),
            policy_export: None,
        };
        let app_instance = wiring.graph.instantiate(app_id);
        for import in app_world.imports.keys() {
            let node = wiring.node_for(import, None)?;
            wiring
                .graph
                .set_instantiation_argument(app_instance, import, node)
                .map_err(|e| {
                    let (provider, kind) = match decisions[import] {
                        Decision::Adapter(a) => (a.name.to_owned(), "adapter"),
                        _ => (unversioned(import).to_owned(), "denial stub"),
                    };
                    ComposeError::Incompatible {
                        import: import.clone(),
                        provider,
                        kind,
                        reason: format!("{e:#}"),
                    }
                })?;
        }
        for export in app_world.exports.keys() {
            let node = wiring
                .graph
                .alias_instance_export(app_instance, export)
                .map_err(internal)?;
            wiring
                .graph
                .export(node, export.clone())
                .map_err(internal)?;
        }
        let component = wiring
            .graph
            .encode(EncodeOptions {
                define_components: true,
                validate: true,
                processor: None,
            })
            .map_err(|e| internal(format!("{e:#}")))?;
        Ok(Composition { component, routes })
    }
}

/// A component instantiated to provide interfaces: an adapter, or the stub for one interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Provider {
    Adapter(&'static str),
    Stub(&'static str),
}

/// Builds the graph: every interface anyone imports is resolved once, to a host import, an
/// adapter's export or a stub's export, so resources (streams, descriptors) have one type.
struct Wiring<'a> {
    graph: CompositionGraph,
    app_world: &'a World,
    decisions: &'a BTreeMap<String, Decision>,
    compiled: &'a CompiledPolicy,
    /// Host imports by name.
    host_imports: BTreeMap<String, NodeId>,
    /// Instantiated providers and their worlds.
    providers: BTreeMap<Provider, (NodeId, World)>,
    policy_export: Option<NodeId>,
}

impl Wiring<'_> {
    /// The node that satisfies an import of `name` (versioned) by the app, or by `importer` (a
    /// provider) with `kind` as its type.
    fn node_for(
        &mut self,
        name: &str,
        importer: Option<(Provider, ItemKind)>,
    ) -> Result<NodeId, ComposeError> {
        let base = unversioned(name);
        // The app's import of the same interface, and what the policy decided for it.
        let app_import = self
            .app_world
            .imports
            .iter()
            .find(|(n, _)| adapters::same_interface(n, name));
        let decision = app_import
            .map(|(n, _)| self.decisions[n])
            .unwrap_or(Decision::Host);
        // The stdio adapter uses the monotonic clock only for ready pollables
        // (`subscribe-duration(0)`), which grant nothing: a clock denied to the app must not make
        // null streams trap when polled.
        let stdio_adapter =
            importer.is_some_and(|(i, _)| i == Provider::Adapter(adapters::STDIO.name));
        let decision =
            if stdio_adapter && decision == Decision::Deny && base == "wasi:clocks/monotonic-clock"
            {
                Decision::Host
            } else {
                decision
            };
        let provider = match decision {
            Decision::Adapter(adapter) => Some(Provider::Adapter(adapter.name)),
            // Never fall back to the host for something denied.
            Decision::Deny => match adapters::stub(base) {
                Some(_) => Some(Provider::Stub(base_static(base))),
                None => return Err(internal(format!("no denial stub for {base}"))),
            },
            Decision::Host | Decision::Unknown { .. } => None,
        };
        // A provider's import of what it provides itself is the host's (the adapter wraps it),
        // under the adapter's own name and type.
        let wraps_itself = provider.is_some() && importer.map(|(i, _)| i) == provider;
        let provider = provider.filter(|_| !wraps_itself);
        match provider {
            Some(provider) => {
                let (instance, world) = self.instantiate(provider)?;
                let export = world
                    .exports
                    .keys()
                    .find(|e| unversioned(e) == base)
                    .ok_or_else(|| internal(format!("{provider:?} does not export {base}")))?
                    .clone();
                self.graph
                    .alias_instance_export(instance, &export)
                    .map_err(internal)
            }
            None => {
                // Share the app's host import (its name and type) when it has one.
                let (host_name, kind) = match (app_import, importer) {
                    (_, Some((_, k))) if wraps_itself => (name.to_owned(), k),
                    (Some((n, k)), _) if decision != Decision::Deny => (n.clone(), *k),
                    (_, Some((_, k))) => (name.to_owned(), k),
                    (Some((n, k)), None) => (n.clone(), *k),
                    (None, None) => return Err(internal(format!("nothing imports {name}"))),
                };
                if let Some(node) = self.host_imports.get(&host_name) {
                    return Ok(*node);
                }
                let node = self
                    .graph
                    .import(host_name.clone(), kind)
                    .map_err(internal)?;
                self.host_imports.insert(host_name, node);
                Ok(node)
            }
        }
    }

    /// Instantiates `provider` once, wiring its imports.
    fn instantiate(&mut self, provider: Provider) -> Result<(NodeId, World), ComposeError> {
        if let Some((node, world)) = self.providers.get(&provider) {
            return Ok((*node, world.clone()));
        }
        let (name, bytes) = match provider {
            Provider::Adapter(name) => {
                let adapter: &Adapter = adapters::ALL
                    .iter()
                    .find(|a| a.name == name)
                    .expect("known adapter");
                (format!("interpose:{name}"), adapter.component)
            }
            Provider::Stub(interface) => (
                format!("interpose:deny-{}", interface.replace([':', '/'], "-")),
                adapters::stub(interface).expect("known stub"),
            ),
        };
        let package = Package::from_bytes(&name, None, bytes.to_vec(), self.graph.types_mut())
            .map_err(internal)?;
        let world = self.graph.types()[package.ty()].clone();
        let id = self.graph.register_package(package).map_err(internal)?;
        let instance = self.graph.instantiate(id);
        for (import, kind) in &world.imports {
            let node = if import == SOURCE_INTERFACE {
                self.policy_source()?
            } else {
                self.node_for(import, Some((provider, *kind)))?
            };
            if let Err(shared) = self
                .graph
                .set_instantiation_argument(instance, import, node)
            {
                // The app's host import lacks functions this provider calls (an app imports only
                // what it uses). Give the provider its own host import: fine for what it uses
                // privately (say, stderr), and resources it hands to the app come from
                // interfaces it exports, not from this one.
                let is_host_import = self.host_imports.values().any(|n| *n == node);
                let own = match self.host_imports.get(import) {
                    Some(existing) if *existing != node => Some(*existing),
                    Some(_) => None,
                    None if is_host_import => {
                        let own = self.graph.import(import.clone(), *kind).map_err(internal)?;
                        self.host_imports.insert(import.clone(), own);
                        Some(own)
                    }
                    None => None,
                };
                let own = own.ok_or_else(|| {
                    internal(format!("wiring `{import}` into {provider:?}: {shared:#}"))
                })?;
                self.graph
                    .set_instantiation_argument(instance, import, own)
                    .map_err(|e| internal(format!("wiring `{import}` into {provider:?}: {e:#}")))?;
            }
        }
        self.providers.insert(provider, (instance, world.clone()));
        Ok((instance, world))
    }

    /// The generated component serving the compiled policy, instantiated once for all adapters.
    fn policy_source(&mut self) -> Result<NodeId, ComposeError> {
        if let Some(node) = self.policy_export {
            return Ok(node);
        }
        let bytes = policy_component::build(&compiled::encode(self.compiled)).map_err(internal)?;
        let package =
            Package::from_bytes("interpose:policy-data", None, bytes, self.graph.types_mut())
                .map_err(internal)?;
        let id = self.graph.register_package(package).map_err(internal)?;
        let instance = self.graph.instantiate(id);
        let node = self
            .graph
            .alias_instance_export(instance, SOURCE_INTERFACE)
            .map_err(internal)?;
        self.policy_export = Some(node);
        Ok(node)
    }
}

/// The `'static` spelling of a stubbed interface name.
fn base_static(interface: &str) -> &'static str {
    interpose_adapters::STUBS
        .iter()
        .map(|(name, _)| *name)
        .find(|n| *n == interface)
        .expect("known stub")
}

/// Rejects what is not a component, with a message saying what it is instead.
pub fn check_component(bytes: &[u8]) -> Result<(), ComposeError> {
    if wasmparser::Parser::is_core_wasm(bytes) {
        return Err(ComposeError::CoreModule);
    }
    if !wasmparser::Parser::is_component(bytes) {
        return Err(ComposeError::NotWasm);
    }
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(bytes)
        .map(drop)
        .map_err(|e| ComposeError::Invalid(e.to_string()))
}
