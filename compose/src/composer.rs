//! Composing an app with the adapters its policy needs.

use std::collections::BTreeMap;

use interpose_policy::Policy;
use interpose_policy::compiled::CompiledPolicy;
use wac_graph::types::{ItemKind, Package};
use wac_graph::{CompositionGraph, EncodeOptions, NodeId};

use crate::adapters::{self, Adapter, unversioned};
use crate::policy_component::{self, SOURCE_INTERFACE};

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
        "the app imports `{import}`, which the `{adapter}` adapter cannot implement (the types \
         differ); the app may need a newer interpose: {reason}"
    )]
    Incompatible {
        import: String,
        adapter: &'static str,
        reason: String,
    },
    #[error("internal composition error (please report it): {0}")]
    Internal(String),
}

fn internal(e: impl std::fmt::Display) -> ComposeError {
    ComposeError::Internal(e.to_string())
}

/// The result of composing an app.
#[derive(Debug)]
pub struct Composition {
    /// The composed component, or the app itself if the policy restricts nothing it imports.
    pub component: Vec<u8>,
    /// The adapters plugged in, each with the app imports it now implements.
    pub plugged: Vec<(&'static str, Vec<String>)>,
    /// Adapters the policy asks for whose interfaces the app does not import: nothing to do.
    pub unneeded: Vec<&'static str>,
}

/// Composes apps with the adapters a policy needs. Create one per policy and reuse it.
#[derive(Debug, Clone)]
pub struct Composer {
    policy: Policy,
    compiled: CompiledPolicy,
}

impl Composer {
    pub fn new(policy: Policy) -> Self {
        let compiled = policy.compile();
        Composer { policy, compiled }
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Plugs the adapters the policy needs in front of the app's matching imports. Imports the
    /// policy does not restrict stay connected to the host.
    pub fn compose(&self, app: &[u8]) -> Result<Composition, ComposeError> {
        check_component(app)?;
        let mut graph = CompositionGraph::new();
        let app_package = Package::from_bytes("app", None, app.to_vec(), graph.types_mut())
            .map_err(|e| ComposeError::Invalid(format!("{e:#}")))?;
        let app_world = &graph.types()[app_package.ty()];
        let app_imports: BTreeMap<String, ItemKind> = app_world
            .imports
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        let app_exports: Vec<String> = app_world.exports.keys().cloned().collect();

        // Which adapter serves which app import.
        let mut plan: Vec<(&'static Adapter, Vec<String>)> = Vec::new();
        let mut unneeded = Vec::new();
        for adapter in adapters::required_by(&self.compiled) {
            let served: Vec<String> = app_imports
                .keys()
                .filter(|name| adapter.interfaces.contains(&unversioned(name)))
                .cloned()
                .collect();
            if served.is_empty() {
                unneeded.push(adapter.name);
            } else {
                plan.push((adapter, served));
            }
        }
        if plan.is_empty() {
            return Ok(Composition {
                component: app.to_vec(),
                plugged: Vec::new(),
                unneeded,
            });
        }

        let app_id = graph.register_package(app_package).map_err(internal)?;
        let policy_bytes = policy_component::build(&self.policy.encode()).map_err(internal)?;
        let policy_package = Package::from_bytes(
            "interpose:policy-data",
            None,
            policy_bytes,
            graph.types_mut(),
        )
        .map_err(internal)?;
        let policy_id = graph.register_package(policy_package).map_err(internal)?;
        let policy_instance = graph.instantiate(policy_id);
        let policy_export = graph
            .alias_instance_export(policy_instance, SOURCE_INTERFACE)
            .map_err(internal)?;

        // Host imports shared by the app and the adapters, by name, so that resources (streams,
        // pollables) flowing between them have one type.
        let plugged_names: Vec<&str> = plan
            .iter()
            .flat_map(|(_, names)| names.iter().map(String::as_str))
            .collect();
        let mut host_imports: BTreeMap<String, NodeId> = BTreeMap::new();

        let mut app_arguments: Vec<(String, NodeId)> = Vec::new();
        for (adapter, served) in &plan {
            let package = Package::from_bytes(
                &format!("interpose:{}", adapter.name),
                None,
                adapter.component.to_vec(),
                graph.types_mut(),
            )
            .map_err(internal)?;
            let adapter_world = graph.types()[package.ty()].clone();
            let id = graph.register_package(package).map_err(internal)?;
            let instance = graph.instantiate(id);
            for (import, kind) in &adapter_world.imports {
                if import == SOURCE_INTERFACE {
                    graph
                        .set_instantiation_argument(instance, import, policy_export)
                        .map_err(internal)?;
                    continue;
                }
                // Use the app's own import of the same interface when it has one and no adapter
                // replaces it: one host instance for both, under the app's version.
                let app_twin = app_imports.iter().find(|(name, _)| {
                    unversioned(name) == unversioned(import)
                        && !plugged_names.contains(&name.as_str())
                });
                let (name, kind) = match app_twin {
                    Some((name, app_kind)) => (name.clone(), *app_kind),
                    None => (import.clone(), *kind),
                };
                let node = match host_imports.get(&name) {
                    Some(node) => *node,
                    None => {
                        let node = graph.import(name.clone(), kind).map_err(internal)?;
                        host_imports.insert(name, node);
                        node
                    }
                };
                graph
                    .set_instantiation_argument(instance, import, node)
                    .map_err(internal)?;
            }
            for app_import in served {
                let export = adapter_world
                    .exports
                    .keys()
                    .find(|e| unversioned(e) == unversioned(app_import))
                    .ok_or_else(|| internal(format!("{} exports no {app_import}", adapter.name)))?;
                let node = graph
                    .alias_instance_export(instance, export)
                    .map_err(internal)?;
                app_arguments.push((app_import.clone(), node));
            }
        }

        let app_instance = graph.instantiate(app_id);
        for (import, node) in &app_arguments {
            let adapter = adapters::for_interface(unversioned(import)).expect("planned above");
            graph
                .set_instantiation_argument(app_instance, import, *node)
                .map_err(|e| ComposeError::Incompatible {
                    import: import.clone(),
                    adapter: adapter.name,
                    reason: format!("{e:#}"),
                })?;
        }
        // The app's other imports: the same host instances the adapters use, or new ones.
        for (import, kind) in &app_imports {
            if plugged_names.contains(&import.as_str()) {
                continue;
            }
            let node = match host_imports.get(import) {
                Some(node) => *node,
                None => graph.import(import.clone(), *kind).map_err(internal)?,
            };
            graph
                .set_instantiation_argument(app_instance, import, node)
                .map_err(internal)?;
        }
        for export in &app_exports {
            let node = graph
                .alias_instance_export(app_instance, export)
                .map_err(internal)?;
            graph.export(node, export.clone()).map_err(internal)?;
        }

        let component = graph
            .encode(EncodeOptions {
                define_components: true,
                validate: true,
                processor: None,
            })
            .map_err(|e| internal(format!("{e:#}")))?;
        let plugged = plan
            .iter()
            .map(|(a, names)| (a.name, names.clone()))
            .collect();
        Ok(Composition {
            component,
            plugged,
            unneeded,
        })
    }
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
