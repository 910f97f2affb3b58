//! Explaining a component: what it imports and exports, the policy baked in, and what still
//! reaches the host.

use std::fmt;

use interpose_policy::compiled::{self, CompiledPolicy, Route};
use wac_graph::types::{Package, Types};

use crate::adapters::{same_interface, unversioned};
use crate::composer::{ComposeError, check_component};
use crate::{policy_component, routing};

/// What `inspect` found.
#[derive(Debug)]
pub struct Inspection {
    pub size: usize,
    /// What the host must provide, by name.
    pub imports: Vec<String>,
    pub exports: Vec<String>,
    /// The policy baked in by interpose, if this is a composed component.
    pub policy: Option<CompiledPolicy>,
    /// Each interface the app imports and where it leads. For a component interpose did not
    /// compose, every import goes to the host ([`Route::Unknown`] for those interpose does not
    /// know, which no policy could attenuate).
    pub routes: Vec<(String, Route)>,
}

/// Inspects a component.
pub fn inspect(bytes: &[u8]) -> Result<Inspection, ComposeError> {
    check_component(bytes)?;
    let mut types = Types::default();
    let package = Package::from_bytes("component", None, bytes.to_vec(), &mut types)
        .map_err(|e| ComposeError::Invalid(format!("{e:#}")))?;
    let world = &types[package.ty()];
    let policy = policy_component::find_payload(bytes).and_then(|p| compiled::decode(&p).ok());
    let imports: Vec<String> = world.imports.keys().cloned().collect();
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
        imports,
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
                    "denied: a stub refuses every call; the host is never reached".to_owned()
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
            writeln!(f, "  {import}")?;
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
    if let Some(clocks) = &policy.clocks {
        out += &describe_clocks(clocks);
    }
    if let Some(random) = &policy.random {
        out += &describe_random(random);
    }
    if let Some(stdio) = &policy.stdio {
        use interpose_policy::stdio::StreamRule;
        let rule = |rule: StreamRule| match rule {
            StreamRule::Inherit => "the host's (data passes through the `stdio` adapter)",
            StreamRule::Null => "null: empty input, output discarded",
            StreamRule::Deny => "denied: asking for it stops the app",
        };
        out += "  stdio:\n";
        out += &format!("    stdin:  {}\n", rule(stdio.stdin));
        out += &format!("    stdout: {}\n", rule(stdio.stdout));
        out += &format!("    stderr: {}\n", rule(stdio.stderr));
    }
    if let Some(http) = &policy.http {
        out += &describe_http(http);
    }
    if let Some(sockets) = &policy.sockets {
        out += &describe_sockets(sockets);
    }
    out
}

fn describe_sockets(sockets: &interpose_policy::sockets::SocketRules) -> String {
    let mut out = String::from(
        "  sockets: only what these lists allow (the rest fails with access-denied)\n",
    );
    out += &format!("    connect: {}\n", list(&sockets.connect.sources));
    out += &format!("    bind:    {}\n", list(&sockets.bind.sources));
    out += &match &sockets.udp {
        None => "    udp:     denied\n".to_owned(),
        Some(udp) => format!("    udp:     {}\n", list(&udp.sources)),
    };
    out += &format!("    resolve: {}\n", list(&sockets.resolve.sources));
    out
}

fn describe_http(http: &interpose_policy::http::HttpRules) -> String {
    let mut out = String::from(
        "  http: only requests a rule matches are sent (others fail with HTTP-request-denied)\n",
    );
    if http.allow.is_empty() {
        out += "    (no rules: every request is refused)\n";
    }
    let any = || "any".to_owned();
    for rule in &http.allow {
        out += &format!(
            "    - authority {}, methods {}, schemes {}, paths {}\n",
            rule.authority
                .as_ref()
                .map_or_else(any, |g| list(&g.sources)),
            rule.methods.as_ref().map_or_else(any, |m| m.join(", ")),
            rule.schemes.as_ref().map_or_else(any, |s| s.join(", ")),
            rule.paths.as_ref().map_or_else(any, |g| list(&g.sources)),
        );
        // Names only: a value is often a credential, and this output ends up in logs.
        if !rule.set_headers.is_empty() {
            let names: Vec<String> = rule.set_headers.iter().map(|(n, _)| n.clone()).collect();
            out += &format!(
                "      sets headers {} (values not shown)\n",
                names.join(", ")
            );
        }
        if !rule.strip_headers.is_empty() {
            out += &format!("      strips headers {}\n", rule.strip_headers.join(", "));
        }
    }
    out
}

fn describe_fs(fs: &interpose_policy::fs::FsRules) -> String {
    use interpose_policy::fs::{FsMode, PreopenRule};
    let mut out = String::from("  fs:\n");
    out += match fs.mode {
        FsMode::ReadWrite => "    mode:  read-write (as far as the host allows)\n",
        FsMode::ReadOnly if fs.writes_anywhere() => {
            "    mode:  read-only, except where `allow-write` or a path rule allows changes\n"
        }
        FsMode::ReadOnly => "    mode:  read-only: every change fails with `read-only`\n",
        FsMode::Deny => "    mode:  denied: the app sees no preopens\n",
    };
    match &fs.allow {
        None => out += "    allow: everything under the preopens\n",
        Some(allow) => out += &format!("    allow: {}\n", list(&allow.sources)),
    }
    out += &format!("    deny:  {}\n", list(&fs.deny.sources));
    if let Some(allow_write) = &fs.allow_write {
        out += &format!("    allow-write: {}\n", list(&allow_write.sources));
    }
    for (path, rule) in &fs.preopens {
        let rule = match rule {
            PreopenRule::Hide => "hidden",
            PreopenRule::ReadOnly => "read-only",
            PreopenRule::ReadWrite => "read-write",
        };
        out += &format!("    path {path} and below: {rule}\n");
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

fn describe_clocks(clocks: &interpose_policy::clocks::ClockRules) -> String {
    use interpose_policy::ClockDuration;
    use interpose_policy::clocks::{MonotonicRule, WallRule};
    let step = |step: u64| ClockDuration(step).to_string();
    let mut out = String::from("  clocks:\n");
    out += &match clocks.wall {
        WallRule::Host => "    wall:      the host's\n".to_owned(),
        WallRule::Deny => "    wall:      denied: reading it traps\n".to_owned(),
        WallRule::Virtual { start, step: 0 } => format!("    wall:      frozen at {start}\n"),
        WallRule::Virtual { start, step: s } => format!(
            "    wall:      virtual from {start}, +{} per read\n",
            step(s)
        ),
    };
    out += &match clocks.monotonic {
        MonotonicRule::Host => "    monotonic: the host's\n".to_owned(),
        MonotonicRule::Deny => {
            "    monotonic: denied: reading it or waiting on it traps\n".to_owned()
        }
        MonotonicRule::Virtual { start, step: s } => format!(
            "    monotonic: virtual from {}, {}; waits end at once and move it forward\n",
            ClockDuration(start),
            if s == 0 {
                "reads do not move it".to_owned()
            } else {
                format!("+{} per read", step(s))
            }
        ),
    };
    out
}

fn describe_random(random: &interpose_policy::random::RandomRules) -> String {
    use interpose_policy::random::RandomRules;
    match random {
        RandomRules::Host => "  random: the host's\n".to_owned(),
        RandomRules::Deny => "  random: denied: every call traps\n".to_owned(),
        RandomRules::Seeded(seed) => format!(
            "  random: seeded with {seed} (ChaCha20): reproducible, NOT cryptographically secure\n"
        ),
    }
}
