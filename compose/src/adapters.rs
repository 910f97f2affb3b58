//! The adapters the composer can plug in, and which policy sections need them.

use interpose_policy::compiled::CompiledPolicy;

/// One embedded adapter component.
#[derive(Debug)]
pub struct Adapter {
    /// Short name, also the policy section it enforces.
    pub name: &'static str,
    /// The component bytes.
    pub component: &'static [u8],
    /// The WASI interfaces it exports (and wraps), without version.
    pub interfaces: &'static [&'static str],
}

pub const ENV: Adapter = Adapter {
    name: "env",
    component: interpose_adapters::ENV,
    interfaces: &["wasi:cli/environment"],
};

pub const FS: Adapter = Adapter {
    name: "fs",
    component: interpose_adapters::FS,
    interfaces: &["wasi:filesystem/types", "wasi:filesystem/preopens"],
};

/// Every adapter, in the order they are instantiated.
pub const ALL: &[&Adapter] = &[&ENV, &FS];

/// The adapters that `policy` needs, whether or not the app imports what they wrap.
pub fn required_by(policy: &CompiledPolicy) -> Vec<&'static Adapter> {
    let mut adapters = Vec::new();
    if policy.env.is_some() {
        adapters.push(&ENV);
    }
    if policy.fs.is_some() {
        adapters.push(&FS);
    }
    adapters
}

/// The adapter wrapping `interface` (unversioned), if any.
pub fn for_interface(interface: &str) -> Option<&'static Adapter> {
    ALL.iter()
        .copied()
        .find(|a| a.interfaces.contains(&interface))
}

/// `wasi:cli/environment@0.2.6` → `wasi:cli/environment`.
pub fn unversioned(name: &str) -> &str {
    name.split_once('@').map_or(name, |(base, _)| base)
}
