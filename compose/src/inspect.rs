//! Explaining a component: what it imports and exports, the policy baked in, and what still
//! reaches the host.

use std::fmt;

use interpose_policy::compiled::{self, CompiledPolicy, Route};
use wac_graph::types::{ItemKind, Package, Types};

use crate::adapters::{same_interface, unversioned};
use crate::input::InputError;
use crate::{policy_component, routing};

/// The summary of a policy (see [`crate::summary`]), printed under "policy baked in".
pub use crate::summary::describe;

/// What `inspect` found.
#[derive(Debug)]
pub struct Inspection {
    /// The component's size (after adapting, for a preview 1 module).
    pub size: usize,
    /// What the input was adapted as and its size, if it was a WASI preview 1 core module: the
    /// rest describes the component made from it (see [`crate::adapt`]).
    pub adapted: Option<(crate::adapt::Preview1Kind, usize)>,
    /// What the host must provide, by name.
    pub imports: Vec<String>,
    /// Those of them imported for their types alone, with no function: what another import
    /// `use`s of an interface the policy denies (a clock's `duration` in `wasi:http/types`).
    pub types_only: Vec<String>,
    pub exports: Vec<String>,
    /// The policy baked in by interpose, if this is a composed component.
    pub policy: Option<CompiledPolicy>,
    /// Each interface the app imports and where it leads. For a component interpose did not
    /// compose, every import goes to the host ([`Route::Unknown`] for those interpose does not
    /// know, which no policy could attenuate).
    pub routes: Vec<(String, Route)>,
}

/// Inspects a component, or the component a WASI preview 1 core module becomes.
pub fn inspect(bytes: &[u8]) -> Result<Inspection, InputError> {
    let input_size = bytes.len();
    let adapted = crate::input::read(bytes)?;
    let bytes: &[u8] = &adapted.component;
    let mut types = Types::default();
    let package = Package::from_bytes("component", None, bytes.to_vec(), &mut types)
        .map_err(|e| InputError::Invalid(format!("{e:#}")))?;
    let world = &types[package.ty()];
    let policy = policy_component::find_payload(bytes).and_then(|p| compiled::decode(&p).ok());
    let imports: Vec<String> = world.imports.keys().cloned().collect();
    let types_only = world
        .imports
        .iter()
        .filter(|(_, kind)| match kind {
            ItemKind::Instance(id) => !types[*id]
                .exports
                .values()
                .any(|item| matches!(item, ItemKind::Func(_))),
            _ => false,
        })
        .map(|(name, _)| name.clone())
        .collect();
    let routes = match &policy {
        Some(policy) => policy.routes.clone(),
        None => imports
            .iter()
            .map(|name| match routing::is_known(name) {
                true => (name.clone(), Route::Host),
                false => (name.clone(), Route::Unknown),
            })
            .collect(),
    };
    let exports = world.exports.keys().cloned().collect();
    Ok(Inspection {
        size: bytes.len(),
        adapted: adapted.adapted.map(|kind| (kind, input_size)),
        imports,
        types_only,
        exports,
        policy,
        routes,
    })
}

impl Inspection {
    /// Where the app's import of `interface` (without version) leads, if it imports it.
    pub fn route(&self, interface: &str) -> Option<&Route> {
        self.routes
            .iter()
            .find(|(name, _)| unversioned(name) == interface)
            .map(|(_, r)| r)
    }

    /// Host imports at a newer version than the app's own import of the same interface:
    /// `(app's import, host import)`. Composing raised what the host must provide there (an
    /// adapter needs the newer version).
    pub fn raised_versions(&self) -> Vec<(&str, &str)> {
        let version = |name: &str| -> Option<Vec<u64>> {
            let (_, v) = name.split_once('@')?;
            v.split('.').map(|n| n.parse().ok()).collect()
        };
        let mut raised = Vec::new();
        for import in &self.imports {
            for (app, _) in &self.routes {
                if same_interface(app, import) && version(app) < version(import) {
                    raised.push((app.as_str(), import.as_str()));
                }
            }
        }
        raised
    }
}

impl fmt::Display for Inspection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "size: {} bytes", self.size)?;
        if let Some((kind, module_size)) = self.adapted {
            writeln!(
                f,
                "adapted: yes, from a WASI preview 1 {kind} module ({module_size} bytes), with \
                 wasmtime's preview 1 adapter (`compose` and `run` adapt it the same way)"
            )?;
        }
        match &self.policy {
            Some(_) => writeln!(f, "composed by interpose: yes")?,
            None => writeln!(f, "composed by interpose: no (no policy baked in)")?,
        }
        writeln!(f, "\ninterfaces the app uses:")?;
        for (name, route) in &self.routes {
            let status = match route {
                Route::Host => "passed through to the host".to_owned(),
                Route::Adapter(adapter) => format!("attenuated by the `{adapter}` adapter"),
                Route::Denied => {
                    "denied: interpose answers every call as a host without it would; the host is never reached".to_owned()
                }
                Route::AllowedUnknown => {
                    "unknown to interpose; let through by `allow-imports`".to_owned()
                }
                Route::Unknown => {
                    "unknown to interpose: passed through to the host unattenuated".to_owned()
                }
            };
            writeln!(f, "  {name:<40} {status}")?;
        }
        writeln!(f, "\nimports (what the host must provide):")?;
        for import in &self.imports {
            match self.types_only.contains(import) {
                true => writeln!(f, "  {import:<40} types only: no function is imported")?,
                false => writeln!(f, "  {import}")?,
            }
        }
        for (app, host) in self.raised_versions() {
            writeln!(
                f,
                "  note: the app imports {app}, the composed component needs {host} from the \
                 host (an adapter is built against it)"
            )?;
        }
        writeln!(f, "\nexports:")?;
        for export in &self.exports {
            writeln!(f, "  {export}")?;
        }
        if let Some(policy) = &self.policy {
            writeln!(f, "\npolicy baked in:")?;
            write!(f, "{}", describe(policy))?;
        }
        Ok(())
    }
}
