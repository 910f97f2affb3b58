//! Composing an app with the adapters and stubs its policy needs.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use interpose_policy::Policy;
use interpose_policy::compiled::{self, CompiledPolicy, Route};
use wac_graph::types::{
    Interface, InterfaceId, ItemKind, Package, SubtypeChecker, Type, Types, World,
};
use wac_graph::{CompositionGraph, EncodeOptions, NodeId, PackageId};

use crate::adapters::{self, Adapter, unversioned};
use crate::deny;
use crate::input::InputError;
use crate::plan::{self, HostName, Plan, Provider, Source};
use crate::policy_component::{self, SOURCE_INTERFACE};
use crate::routing::{Decision, Unattenuable};

/// Why a component could not be composed.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// The input is not a component interpose can work with.
    #[error(transparent)]
    Input(#[from] InputError),
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
         become interpose's; interpose wraps files, TCP sockets and HTTP for that, but an app \
         serving HTTP gets the host's requests, whose streams are the host's: {}; use \
         \"inherit\" (or \"deny\") for this app's standard streams",
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
    /// What the app was adapted as, if it was a WASI preview 1 core module (see [`crate::adapt`]).
    pub adapted: Option<crate::adapt::Preview1Kind>,
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

    /// The app imports the denial component serves.
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
        // Strict and silent about the environment compiles to an empty one and no host path.
        let compiled = policy.compile();
        Composer { policy, compiled }
    }

    /// The policy, as given.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Where each import of `app` would go under the policy, without composing: what `compose`
    /// wires, or why it would refuse.
    pub fn plan(&self, app: &[u8]) -> Result<Plan, ComposeError> {
        let adapted = crate::input::read(app)?;
        let mut types = Types::default();
        let package = Package::from_bytes("app", None, adapted.component.to_vec(), &mut types)
            .map_err(|e| InputError::Invalid(format!("{e:#}")))?;
        let world = &types[package.ty()];
        let imports: Vec<String> = world.imports.keys().cloned().collect();
        let exports: Vec<String> = world.exports.keys().cloned().collect();
        plan::plan(&self.policy, &imports, &exports)
    }

    /// Plugs the adapters and stubs the policy needs in front of the app's imports. Imports the
    /// policy leaves alone stay connected to the host. A WASI preview 1 core module is first
    /// turned into a component ([`crate::adapt::to_component`]).
    pub fn compose(&self, app: &[u8]) -> Result<Composition, ComposeError> {
        let adapted = crate::input::read(app)?;
        let app: &[u8] = &adapted.component;
        let mut graph = CompositionGraph::new();
        let app_package = Package::from_bytes("app", None, app.to_vec(), graph.types_mut())
            .map_err(|e| InputError::Invalid(format!("{e:#}")))?;
        let app_world = graph.types()[app_package.ty()].clone();

        let imports: Vec<String> = app_world.imports.keys().cloned().collect();
        let exports: Vec<String> = app_world.exports.keys().cloned().collect();
        let plan = plan::plan(&self.policy, &imports, &exports)?;
        let routes = plan.routes();
        if plan.passes_through() {
            return Ok(Composition {
                component: app.to_vec(),
                routes,
                adapted: adapted.adapted,
            });
        }

        let compiled = plan.compiled(&self.compiled);
        let decisions = plan.decisions();
        narrow_denied_type_dependencies(graph.types_mut(), &app_world, &decisions);
        let app_id = graph.register_package(app_package).map_err(internal)?;
        let mut wiring = Wiring {
            graph,
            app_world: &app_world,
            plan: &plan,
            compiled: &compiled,
            host_imports: BTreeMap::new(),
            loaded: BTreeMap::new(),
            providers: BTreeMap::new(),
            policy_export: None,
        };
        wiring.import_what_adapters_wrap(&plan.adapters())?;
        // The policy is baked in even when no adapter reads it (only denials), so that
        // `inspect` can tell what the component does.
        wiring.policy_source()?;
        let app_instance = wiring.graph.instantiate(app_id);
        for import in app_world.imports.keys() {
            let node = wiring.node_for(import, None)?;
            wiring
                .graph
                .set_instantiation_argument(app_instance, import, node)
                .map_err(|e| {
                    let (provider, kind) = match decisions[import] {
                        Decision::Adapter(a) => (a.name.to_owned(), "adapter"),
                        _ => ("deny".to_owned(), "denial component"),
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
        Ok(Composition {
            component,
            routes,
            adapted: adapted.adapted,
        })
    }
}

/// An import whose WIT `use`s a type of another (`wasi:http/types` a clock's `duration`) brings
/// that other interface along wherever it goes, for the type. When the policy denies the other
/// interface, its functions must not come along with it: the dependency is narrowed to the
/// interface's types, so the output imports no function of what the policy denies. So it is when
/// an adapter serves the other interface and it defines no resource (a clock's `datetime` or
/// `instant`, for the host's `wasi:filesystem/types`): the host's clock is not imported for a
/// record type.
fn narrow_denied_type_dependencies(
    types: &mut Types,
    app_world: &World,
    decisions: &BTreeMap<String, Decision>,
) {
    let denied: BTreeSet<&str> = decisions
        .iter()
        .filter(|(name, decision)| match decision {
            Decision::Deny => true,
            Decision::Adapter(_) => app_world.imports.get(*name).is_some_and(|kind| {
                matches!(kind, ItemKind::Instance(id) if !types[*id]
                    .exports
                    .values()
                    .any(|kind| matches!(kind, ItemKind::Type(Type::Resource(_)))))
            }),
            _ => false,
        })
        .map(|(name, _)| name.as_str())
        .collect();
    let mut narrowed = HashMap::new();
    for kind in app_world.imports.values() {
        if let ItemKind::Instance(id) = *kind {
            narrow_uses(types, id, &denied, &mut narrowed);
        }
    }
}

/// Points what `id` uses of a denied interface at a copy of that interface with its types alone.
fn narrow_uses(
    types: &mut Types,
    id: InterfaceId,
    denied: &BTreeSet<&str>,
    narrowed: &mut HashMap<InterfaceId, InterfaceId>,
) {
    let uses: Vec<(String, InterfaceId)> = types[id]
        .uses
        .iter()
        .map(|(name, used)| (name.clone(), used.interface))
        .collect();
    for (name, used) in uses {
        let is_denied = types[used]
            .id
            .as_deref()
            .is_some_and(|interface| denied.contains(interface));
        if !is_denied || narrowed.values().any(|copy| *copy == used) {
            continue;
        }
        let copy = match narrowed.get(&used) {
            Some(copy) => *copy,
            None => {
                let original = &types[used];
                let types_alone = Interface {
                    id: original.id.clone(),
                    uses: original.uses.clone(),
                    exports: original
                        .exports
                        .iter()
                        .filter(|(_, kind)| matches!(kind, ItemKind::Type(_)))
                        .map(|(name, kind)| (name.clone(), *kind))
                        .collect(),
                };
                let copy = types.add_interface(types_alone);
                narrowed.insert(used, copy);
                // What it uses in turn may be denied too.
                narrow_uses(types, copy, denied, narrowed);
                copy
            }
        };
        if let Some(entry) = types[id].uses.get_mut(&name) {
            entry.interface = copy;
        }
    }
}

/// Builds the graph: every interface anyone imports is resolved once, to a host import, an
/// adapter's export or the denial component's, so resources (streams, descriptors) have one
/// type.
struct Wiring<'a> {
    graph: CompositionGraph,
    app_world: &'a World,
    /// What goes where.
    plan: &'a Plan,
    compiled: &'a CompiledPolicy,
    /// Host imports by name.
    host_imports: BTreeMap<String, NodeId>,
    /// Registered providers: their packages and worlds.
    loaded: BTreeMap<Provider, (PackageId, World)>,
    /// Instantiated providers and their worlds.
    providers: BTreeMap<Provider, (NodeId, World)>,
    policy_export: Option<NodeId>,
}

impl Wiring<'_> {
    /// The node that satisfies an import of `name` (versioned) by the app, or by `importer` (a
    /// provider) with `kind` as its type: the plan's [`Source`] of it, made a node.
    fn node_for(
        &mut self,
        name: &str,
        importer: Option<(Provider, ItemKind)>,
    ) -> Result<NodeId, ComposeError> {
        match self.plan.source(importer.map(|(i, _)| i), name)? {
            Source::Provider(provider) => {
                let (instance, world) = self.instantiate(provider)?;
                // Of the release asked for: the denial component may export an interface at 0.2
                // and at 0.3.
                let export = world
                    .exports
                    .keys()
                    .find(|e| {
                        unversioned(e) == unversioned(name)
                            && adapters::release(e) == adapters::release(name)
                    })
                    .ok_or_else(|| internal(format!("{provider} does not export {name}")))?
                    .clone();
                self.graph
                    .alias_instance_export(instance, &export)
                    .map_err(internal)
            }
            Source::Host {
                name: host_name,
                private,
            } => {
                let (host_name, kind) = match (host_name, importer) {
                    (HostName::App(app), _) => {
                        let kind = self.app_world.imports[&app];
                        (app, kind)
                    }
                    (HostName::Own, Some((_, kind))) => (name.to_owned(), kind),
                    (HostName::Own, None) => {
                        return Err(internal(format!("nothing imports {name}")));
                    }
                };
                if let Some(node) = self.host_imports.get(&host_name) {
                    return Ok(*node);
                }
                // What a provider uses privately shares any host import of the interface (at
                // any 0.2.x): the one an adapter wrapping it made has all of its functions.
                if private
                    && let Some(node) = self
                        .host_imports
                        .iter()
                        .find(|(n, _)| adapters::same_interface(n, name))
                        .map(|(_, node)| *node)
                {
                    return Ok(node);
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

    /// Registers `provider`'s package once.
    fn load(&mut self, provider: Provider) -> Result<(PackageId, World), ComposeError> {
        if let Some(loaded) = self.loaded.get(&provider) {
            return Ok(loaded.clone());
        }
        let (name, bytes) = match provider {
            Provider::Adapter(name) => (
                format!("interpose:{name}"),
                adapters::named(name).component.bytes.to_vec(),
            ),
            Provider::Deny => (
                "interpose:deny".to_owned(),
                deny::build(&self.plan.denied).map_err(internal)?,
            ),
            Provider::HostDeny => (
                "interpose:deny-host".to_owned(),
                deny::build(&self.plan.host_denied).map_err(internal)?,
            ),
            Provider::DenyReport => (
                "interpose:deny-report".to_owned(),
                interpose_adapters::DENY_REPORT.to_vec(),
            ),
        };
        let package =
            Package::from_bytes(&name, None, bytes, self.graph.types_mut()).map_err(internal)?;
        let world = self.graph.types()[package.ty()].clone();
        let id = self.graph.register_package(package).map_err(internal)?;
        self.loaded.insert(provider, (id, world.clone()));
        Ok((id, world))
    }

    /// Makes the host imports that adapters wrap, with the adapters' types, before anything
    /// else asks for them: an adapter imports all of what it wraps, so what others import of
    /// the same interface for themselves can share them.
    fn import_what_adapters_wrap(&mut self, used: &[&'static Adapter]) -> Result<(), ComposeError> {
        for adapter in used {
            let (_, world) = self.load(Provider::Adapter(adapter.name))?;
            for (import, kind) in &world.imports {
                let base = unversioned(import);
                if adapter.serves(base)
                    && adapters::release(import) == Some(adapter.release())
                    && !self.plan.host_denied.iter().any(|d| d.interface == base)
                    && !self.host_imports.contains_key(import)
                {
                    let node = self.graph.import(import.clone(), *kind).map_err(internal)?;
                    self.host_imports.insert(import.clone(), node);
                }
            }
        }
        Ok(())
    }

    /// Instantiates `provider` once, wiring its imports.
    fn instantiate(&mut self, provider: Provider) -> Result<(NodeId, World), ComposeError> {
        if let Some((node, world)) = self.providers.get(&provider) {
            return Ok((*node, world.clone()));
        }
        let (id, world) = self.load(provider)?;
        let instance = self.graph.instantiate(id);
        for (import, kind) in &world.imports {
            let node = if import == SOURCE_INTERFACE {
                self.policy_source()?
            } else if import == deny::REPORT_INTERFACE {
                let (report, _) = self.instantiate(Provider::DenyReport)?;
                self.graph
                    .alias_instance_export(report, deny::REPORT_INTERFACE)
                    .map_err(internal)?
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
                    self.misshapen_denied_import().unwrap_or_else(|| {
                        internal(format!("wiring `{import}` into {provider}: {shared:#}"))
                    })
                })?;
                self.graph
                    .set_instantiation_argument(instance, import, own)
                    .map_err(|e| internal(format!("wiring `{import}` into {provider}: {e:#}")))?;
            }
        }
        self.providers.insert(provider, (instance, world.clone()));
        Ok((instance, world))
    }

    /// An app import the denial component serves that is not the WASI interface of its name (a
    /// function of another type, or one WASI does not have): what the wiring of the denial
    /// component trips over when that import lacks the interfaces WASI's depends on.
    fn misshapen_denied_import(&mut self) -> Option<ComposeError> {
        let (_, world) = self.load(Provider::Deny).ok()?;
        let mut cache = HashSet::new();
        let mut checker = SubtypeChecker::new(&mut cache);
        let types = self.graph.types();
        self.app_world.imports.iter().find_map(|(import, kind)| {
            if !self
                .plan
                .imports
                .iter()
                .any(|p| &p.import == import && p.decision == Decision::Deny)
            {
                return None;
            }
            let served = world
                .exports
                .iter()
                .find(|(export, _)| unversioned(export) == unversioned(import))?
                .1;
            let reason = checker.is_subtype(*served, types, *kind, types).err()?;
            Some(ComposeError::Incompatible {
                import: import.clone(),
                provider: "deny".to_owned(),
                kind: "denial component",
                reason: format!("{reason:#}"),
            })
        })
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
