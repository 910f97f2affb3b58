//! Explaining a component: what it imports and exports, the policy baked in, and what still
//! reaches the host.

use std::fmt;

use interpose_policy::compiled::{self, CompiledPolicy};
use wac_graph::types::{Package, Types};

use crate::adapters::{self, unversioned};
use crate::composer::{ComposeError, check_component};
use crate::policy_component;

/// What `inspect` found.
#[derive(Debug)]
pub struct Inspection {
    pub size: usize,
    pub imports: Vec<Import>,
    pub exports: Vec<String>,
    /// The policy baked in by interpose, if this is a composed component.
    pub policy: Option<CompiledPolicy>,
}

/// One import of the component: something the host must provide.
#[derive(Debug)]
pub struct Import {
    pub name: String,
    pub status: ImportStatus,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportStatus {
    /// The app's calls go to the host unchanged.
    PassedThrough,
    /// An adapter sits between the app and this host interface.
    Attenuated { adapter: &'static str },
}

/// Inspects a component.
pub fn inspect(bytes: &[u8]) -> Result<Inspection, ComposeError> {
    check_component(bytes)?;
    let mut types = Types::default();
    let package = Package::from_bytes("component", None, bytes.to_vec(), &mut types)
        .map_err(|e| ComposeError::Invalid(format!("{e:#}")))?;
    let world = &types[package.ty()];
    let policy = policy_component::find_payload(bytes).and_then(|p| compiled::decode(&p).ok());
    let attenuated: Vec<&'static str> = match &policy {
        Some(policy) => adapters::required_by(policy)
            .iter()
            .map(|a| a.name)
            .collect(),
        None => Vec::new(),
    };
    let imports = world
        .imports
        .keys()
        .map(|name| {
            let status = match adapters::for_interface(unversioned(name)) {
                Some(adapter) if attenuated.contains(&adapter.name) => ImportStatus::Attenuated {
                    adapter: adapter.name,
                },
                _ => ImportStatus::PassedThrough,
            };
            Import {
                name: name.clone(),
                status,
            }
        })
        .collect();
    let exports = world.exports.keys().cloned().collect();
    Ok(Inspection {
        size: bytes.len(),
        imports,
        exports,
        policy,
    })
}

impl fmt::Display for Inspection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "size: {} bytes", self.size)?;
        match &self.policy {
            Some(_) => writeln!(f, "composed by interpose: yes")?,
            None => writeln!(f, "composed by interpose: no (no policy baked in)")?,
        }
        writeln!(f, "\nimports (what the host must provide):")?;
        for import in &self.imports {
            let status = match &import.status {
                ImportStatus::PassedThrough => "reaches the host unchanged".to_owned(),
                ImportStatus::Attenuated { adapter } => {
                    format!("only through the `{adapter}` adapter, as the policy allows")
                }
            };
            writeln!(f, "  {:<40} {status}", import.name)?;
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

/// A readable summary of a compiled policy.
pub fn describe(policy: &CompiledPolicy) -> String {
    use interpose_policy::compiled::{ArgsRule, CwdRule};
    let mut out = String::new();
    if let Some(env) = &policy.env {
        out += "  env:\n";
        out += &format!("    allow: {}\n", list(&env.allow.sources));
        out += &format!("    deny:  {}\n", list(&env.deny.sources));
        let set: Vec<String> = env.set.iter().map(|(k, v)| format!("{k}={v}")).collect();
        out += &format!("    set:   {}\n", list(&set));
        out += &match &env.args {
            ArgsRule::Inherit => "    args:  inherited from the host\n".to_owned(),
            ArgsRule::Replace(args) => format!("    args:  replaced by {args:?}\n"),
        };
        out += &match &env.cwd {
            CwdRule::Inherit => "    cwd:   inherited from the host\n".to_owned(),
            CwdRule::Hide => "    cwd:   hidden\n".to_owned(),
            CwdRule::Set(path) => format!("    cwd:   reported as {path:?}\n"),
        };
    }
    if let Some(fs) = &policy.fs {
        out += &describe_fs(fs);
    }
    out
}

fn describe_fs(fs: &interpose_policy::fs::FsRules) -> String {
    use interpose_policy::fs::{FsMode, PreopenRule};
    let mut out = String::from("  fs:\n");
    out += match fs.mode {
        FsMode::ReadWrite => "    mode:  read-write (as far as the host allows)\n",
        FsMode::ReadOnly => "    mode:  read-only: every change fails with `read-only`\n",
        FsMode::Deny => "    mode:  denied: the app sees no preopens\n",
    };
    match &fs.allow {
        None => out += "    allow: everything under the preopens\n",
        Some(allow) => out += &format!("    allow: {}\n", list(&allow.sources)),
    }
    out += &format!("    deny:  {}\n", list(&fs.deny.sources));
    for (path, rule) in &fs.preopens {
        let rule = match rule {
            PreopenRule::Hide => "hidden",
            PreopenRule::ReadOnly => "read-only",
            PreopenRule::ReadWrite => "read-write",
        };
        out += &format!("    preopen {path}: {rule}\n");
    }
    out
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "(none)".to_owned()
    } else {
        items.join(", ")
    }
}
