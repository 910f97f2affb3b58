//! Policies generated structurally: a small description, [`PolicySpec`], that `arbitrary` fills
//! in from fuzz input and that renders to policy JSON. Almost every rendering is a valid policy
//! (the choices are drawn from what the format accepts); a few strings are not, so that the
//! composer also meets the errors of its policy parser.

use arbitrary::Arbitrary;
use serde_json::{Map, Value, json};

/// A policy, section by section. `None`: the section is left out.
#[derive(Arbitrary, Clone, Debug, PartialEq, Eq)]
pub struct PolicySpec {
    /// `"default": "deny"`.
    pub strict: bool,
    pub env: Option<EnvSpec>,
    pub fs: Option<FsSpec>,
    pub clocks: Option<ClocksSpec>,
    pub random: Option<RandomSpec>,
    pub sockets: Option<SocketsSpec>,
    pub http: Option<HttpSpec>,
    pub stdio: Option<StdioSpec>,
    /// `"exit"`: `true` allows, `false` denies.
    pub exit: Option<bool>,
    /// `allow-imports`.
    pub allow_imports: Vec<ImportName>,
}

#[derive(Arbitrary, Clone, Debug, PartialEq, Eq)]
pub struct EnvSpec {
    pub allow: Vec<NameGlob>,
    pub deny: Vec<NameGlob>,
    pub hide_cwd: bool,
    pub program: Option<Word>,
}

#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FsMode {
    ReadWrite,
    ReadOnly,
    Deny,
}

#[derive(Arbitrary, Clone, Debug, PartialEq, Eq)]
pub struct FsSpec {
    pub mode: Option<FsMode>,
    pub allow: Option<Vec<PathGlob>>,
    pub deny: Vec<PathGlob>,
    pub allow_write: Option<Vec<PathGlob>>,
    pub preopens: Vec<(PathGlob, PreopenRule)>,
}

#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PreopenRule {
    Hide,
    ReadOnly,
    ReadWrite,
}

#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClocksSpec {
    HostBoth,
    Frozen {
        seconds: u32,
        monotonic_virtual: bool,
    },
    Stepping {
        start: u32,
        step: u16,
    },
    DenyWall,
    DenyMonotonic,
    /// Extreme values: the largest durations and times the format takes.
    Extreme,
}

#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RandomSpec {
    Host,
    Deny,
    Seed(u64),
}

#[derive(Arbitrary, Clone, Debug, PartialEq, Eq)]
pub enum SocketsSpec {
    Host,
    Deny,
    Allow {
        connect: Vec<Address>,
        bind: Vec<Address>,
        udp: Option<Vec<Address>>,
        resolve: Vec<HostName>,
    },
}

#[derive(Arbitrary, Clone, Debug, PartialEq, Eq)]
pub enum HttpSpec {
    Host,
    Deny,
    Allow(Vec<HttpRule>),
}

#[derive(Arbitrary, Clone, Debug, PartialEq, Eq)]
pub struct HttpRule {
    pub authority: HostName,
    pub https_only: bool,
    pub get_only: bool,
    /// `set-headers`/`strip-headers`: the rule rewrites headers (the `http-headers` adapter).
    pub rewrites_headers: bool,
}

#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub struct StdioSpec {
    pub stdin: Option<Stream>,
    pub stdout: Option<Stream>,
    pub stderr: Option<Stream>,
}

#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Inherit,
    Null,
    Deny,
}

/// A word for names and values, from a fixed set, or raw text (possibly invalid where it lands).
#[derive(Arbitrary, Clone, Debug, PartialEq, Eq)]
pub enum Word {
    App,
    Empty,
    Unicode,
    Raw(String),
}

impl Word {
    fn text(&self) -> String {
        match self {
            Word::App => "app".into(),
            Word::Empty => String::new(),
            Word::Unicode => "ÄPP-ſ-ß".into(),
            Word::Raw(text) => text.clone(),
        }
    }
}

#[derive(Arbitrary, Clone, Debug, PartialEq, Eq)]
pub enum NameGlob {
    Star,
    Path,
    Prefix,
    Alternatives,
    Class,
    /// Unbalanced: invalid.
    Broken,
    Raw(String),
}

impl NameGlob {
    fn text(&self) -> String {
        match self {
            NameGlob::Star => "*".into(),
            NameGlob::Path => "PATH".into(),
            NameGlob::Prefix => "LC_*".into(),
            NameGlob::Alternatives => "{A,B}*".into(),
            NameGlob::Class => "[!x]?".into(),
            NameGlob::Broken => "[oops".into(),
            NameGlob::Raw(text) => text.clone(),
        }
    }
}

#[derive(Arbitrary, Clone, Debug, PartialEq, Eq)]
pub enum PathGlob {
    Data,
    DataAll,
    Secret,
    Pem,
    Tmp,
    Root,
    /// Not absolute: invalid.
    Relative,
    Raw(String),
}

impl PathGlob {
    fn text(&self) -> String {
        match self {
            PathGlob::Data => "/data".into(),
            PathGlob::DataAll => "/data/**".into(),
            PathGlob::Secret => "/data/secret".into(),
            PathGlob::Pem => "**/*.pem".into(),
            PathGlob::Tmp => "/tmp/".into(),
            PathGlob::Root => "/".into(),
            PathGlob::Relative => "data/**".into(),
            PathGlob::Raw(text) => text.clone(),
        }
    }
}

#[derive(Arbitrary, Clone, Debug, PartialEq, Eq)]
pub enum Address {
    Loopback,
    Network,
    AnyV6,
    EphemeralBind,
    Raw(String),
}

impl Address {
    fn text(&self) -> String {
        match self {
            Address::Loopback => "127.0.0.1:8080".into(),
            Address::Network => "10.0.0.0/8:443".into(),
            Address::AnyV6 => "[::1]:*".into(),
            Address::EphemeralBind => "0.0.0.0:0".into(),
            Address::Raw(text) => text.clone(),
        }
    }
}

#[derive(Arbitrary, Clone, Debug, PartialEq, Eq)]
pub enum HostName {
    Localhost,
    Wildcard,
    WithPort,
    Raw(String),
}

impl HostName {
    fn text(&self) -> String {
        match self {
            HostName::Localhost => "localhost".into(),
            HostName::Wildcard => "*.example.com".into(),
            HostName::WithPort => "127.0.0.1:*".into(),
            HostName::Raw(text) => text.clone(),
        }
    }
}

/// A name for `allow-imports`.
#[derive(Arbitrary, Clone, Debug, PartialEq, Eq)]
pub enum ImportName {
    Plugin,
    PluginVersioned,
    Sockets03,
    Io03,
    Raw(String),
}

impl ImportName {
    pub fn text(&self) -> String {
        match self {
            ImportName::Plugin => "my:plugin/api".into(),
            ImportName::PluginVersioned => "my:plugin/api@1.0.0".into(),
            ImportName::Sockets03 => "wasi:sockets/types@0.3.0".into(),
            ImportName::Io03 => "wasi:io/streams".into(),
            ImportName::Raw(text) => text.clone(),
        }
    }
}

fn texts<T>(items: &[T], text: impl Fn(&T) -> String) -> Value {
    Value::Array(items.iter().map(|i| Value::String(text(i))).collect())
}

fn stream(stream: Stream) -> Value {
    match stream {
        Stream::Inherit => "inherit",
        Stream::Null => "null",
        Stream::Deny => "deny",
    }
    .into()
}

impl PolicySpec {
    /// The policy as JSON.
    pub fn to_json(&self) -> Value {
        let mut policy = Map::new();
        if self.strict {
            policy.insert("default".into(), "deny".into());
        }
        if let Some(env) = &self.env {
            let mut section = json!({
                "allow": texts(&env.allow, NameGlob::text),
                "deny": texts(&env.deny, NameGlob::text),
            });
            if env.hide_cwd {
                section["cwd"] = "hide".into();
            }
            if let Some(program) = &env.program {
                section["args"] = json!({ "program": program.text() });
            }
            policy.insert("env".into(), section);
        }
        if let Some(fs) = &self.fs {
            let mut section = Map::new();
            if let Some(mode) = fs.mode {
                let mode = match mode {
                    FsMode::ReadWrite => "read-write",
                    FsMode::ReadOnly => "read-only",
                    FsMode::Deny => "deny",
                };
                section.insert("mode".into(), mode.into());
            }
            if let Some(allow) = &fs.allow {
                section.insert("allow".into(), texts(allow, PathGlob::text));
            }
            if !fs.deny.is_empty() {
                section.insert("deny".into(), texts(&fs.deny, PathGlob::text));
            }
            if let Some(allow_write) = &fs.allow_write {
                section.insert("allow-write".into(), texts(allow_write, PathGlob::text));
            }
            if !fs.preopens.is_empty() {
                let preopens: Map<String, Value> = fs
                    .preopens
                    .iter()
                    .map(|(path, rule)| {
                        let rule = match rule {
                            PreopenRule::Hide => "hide",
                            PreopenRule::ReadOnly => "read-only",
                            PreopenRule::ReadWrite => "read-write",
                        };
                        (path.text(), rule.into())
                    })
                    .collect();
                section.insert("preopens".into(), preopens.into());
            }
            policy.insert("fs".into(), section.into());
        }
        if let Some(clocks) = self.clocks {
            let section = match clocks {
                ClocksSpec::HostBoth => json!({"wall": "host", "monotonic": "host"}),
                ClocksSpec::Frozen {
                    seconds,
                    monotonic_virtual,
                } => json!({
                    "wall": {"frozen": {"seconds": seconds, "nanoseconds": 0}},
                    "monotonic": if monotonic_virtual { "virtual" } else { "host" },
                }),
                ClocksSpec::Stepping { start, step } => json!({
                    "wall": {"start": {"seconds": start, "nanoseconds": 5}, "step": format!("{step}ms")},
                    "monotonic": {"start": format!("{start}s"), "step": step},
                }),
                ClocksSpec::DenyWall => json!({"wall": "deny"}),
                ClocksSpec::DenyMonotonic => json!({"monotonic": "deny"}),
                ClocksSpec::Extreme => json!({
                    "wall": {"start": {"seconds": u64::MAX, "nanoseconds": 999_999_999u32}, "step": u64::MAX},
                    "monotonic": {"start": u64::MAX, "step": u64::MAX},
                }),
            };
            policy.insert("clocks".into(), section);
        }
        if let Some(random) = self.random {
            let section = match random {
                RandomSpec::Host => "host".into(),
                RandomSpec::Deny => "deny".into(),
                RandomSpec::Seed(seed) => json!({ "seed": seed }),
            };
            policy.insert("random".into(), section);
        }
        if let Some(sockets) = &self.sockets {
            let section = match sockets {
                SocketsSpec::Host => "host".into(),
                SocketsSpec::Deny => "deny".into(),
                SocketsSpec::Allow {
                    connect,
                    bind,
                    udp,
                    resolve,
                } => {
                    let mut section = json!({
                        "connect": texts(connect, Address::text),
                        "bind": texts(bind, Address::text),
                        "resolve": texts(resolve, HostName::text),
                    });
                    if let Some(udp) = udp {
                        section["udp"] = texts(udp, Address::text);
                    }
                    section
                }
            };
            policy.insert("sockets".into(), section);
        }
        if let Some(http) = &self.http {
            let section = match http {
                HttpSpec::Host => "host".into(),
                HttpSpec::Deny => "deny".into(),
                HttpSpec::Allow(rules) => {
                    let rules: Vec<Value> = rules
                        .iter()
                        .map(|rule| {
                            let mut value = json!({ "authority": rule.authority.text() });
                            if rule.https_only {
                                value["schemes"] = json!(["https"]);
                            }
                            if rule.get_only {
                                value["methods"] = json!(["GET", "HEAD"]);
                            }
                            if rule.rewrites_headers {
                                value["set-headers"] = json!({"x-sandboxed": "1"});
                                value["strip-headers"] = json!(["cookie"]);
                            }
                            value
                        })
                        .collect();
                    json!({ "allow": rules })
                }
            };
            policy.insert("http".into(), section);
        }
        if let Some(stdio) = self.stdio {
            let mut section = Map::new();
            for (name, rule) in [
                ("stdin", stdio.stdin),
                ("stdout", stdio.stdout),
                ("stderr", stdio.stderr),
            ] {
                if let Some(rule) = rule {
                    section.insert(name.into(), stream(rule));
                }
            }
            policy.insert("stdio".into(), section.into());
        }
        if let Some(exit) = self.exit {
            policy.insert("exit".into(), if exit { "allow" } else { "deny" }.into());
        }
        if !self.allow_imports.is_empty() {
            policy.insert(
                "allow-imports".into(),
                texts(&self.allow_imports, ImportName::text),
            );
        }
        Value::Object(policy)
    }

    /// Interface name prefixes (`wasi:sockets/`, `wasi:cli/exit`) the policy denies outright,
    /// as a reader of the policy file would tell without knowing how interpose composes: a
    /// composed component must not import any of them from the host.
    pub fn denied_prefixes(&self) -> Vec<&'static str> {
        let mut denied = Vec::new();
        let strict = self.strict;
        match &self.sockets {
            Some(SocketsSpec::Deny) => denied.push("wasi:sockets/"),
            None if strict => denied.push("wasi:sockets/"),
            _ => {}
        }
        match &self.http {
            // Without `set-headers` under another section; the generated apps do not serve HTTP,
            // so `wasi:http/types` is denied along with `outgoing-handler`.
            Some(HttpSpec::Deny) => denied.push("wasi:http/"),
            None if strict => denied.push("wasi:http/"),
            _ => {}
        }
        match &self.fs {
            Some(FsSpec {
                mode: Some(FsMode::Deny),
                ..
            }) => denied.push("wasi:filesystem/"),
            None if strict => denied.push("wasi:filesystem/"),
            _ => {}
        }
        match self.exit {
            Some(false) => denied.push("wasi:cli/exit"),
            None if strict => denied.push("wasi:cli/exit"),
            _ => {}
        }
        if self.clocks.is_none() && strict {
            denied.extend(["wasi:clocks/wall-clock", "wasi:clocks/monotonic-clock"]);
        }
        if self.random.is_none() && strict {
            denied.push("wasi:random/");
        }
        let stdio = self.stdio.unwrap_or(StdioSpec {
            stdin: None,
            stdout: None,
            stderr: None,
        });
        for (rule, interfaces) in [
            (stdio.stdin, ["wasi:cli/stdin", "wasi:cli/terminal-stdin"]),
            (
                stdio.stdout,
                ["wasi:cli/stdout", "wasi:cli/terminal-stdout"],
            ),
            (
                stdio.stderr,
                ["wasi:cli/stderr", "wasi:cli/terminal-stderr"],
            ),
        ] {
            match rule {
                Some(Stream::Deny) => denied.extend(interfaces),
                None if strict => denied.extend(interfaces),
                _ => {}
            }
        }
        denied
    }
}
