//! The plan of a composition: for a policy and the names an app imports and exports, where each
//! import goes, which adapters and denials that takes, and the rules the adapters get. Nothing
//! here looks inside a component or builds one; [`crate::Composer`] wires the plan, `inspect`
//! reports the routes it baked in, and the golden tests under `compose/tests/plans` check it
//! from WAT alone.

use std::collections::BTreeMap;
use std::fmt;

use interpose_adapters::Deniable;
use interpose_policy::compiled::{CompiledPolicy, Route};
use interpose_policy::stdio::{StdioRules, StreamRule};
use interpose_policy::{DefaultAccess, Policy};

use crate::ComposeError;
use crate::adapters::{self, Adapter, OWN_STREAMS, release, same_interface, unversioned};
use crate::routing::{self, AppContext, Decision, Refusal};

/// Where each import of an app goes under a policy.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Each import (as the app names it) and where it goes, in the app's order.
    pub imports: Vec<Planned>,
    /// What routing knew about the app.
    pub context: AppContext,
    /// The `stdio` adapter's rules, when the app's streams are interpose's.
    pub stdio: Option<StdioRules>,
    /// What the denial component serves the app.
    pub denied: Vec<&'static Deniable>,
    /// What a second denial component serves the stream owner in place of the host's standard
    /// streams it must not reach (a null or denied stream), and of what it wraps that the app
    /// does not import, so that the output does not import them.
    pub host_denied: Vec<&'static Deniable>,
    /// Where what adapters leave to the policy ([`Adapter::decided`]) goes when the app does not
    /// import it itself, by the adapter's import.
    pub decided_for_adapters: BTreeMap<String, Decision>,
}

/// A component the composition instantiates to provide interfaces: an adapter, the denial
/// component, or the component through which the denial component reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Provider {
    Adapter(&'static str),
    /// Serves the app what the policy denies it.
    Deny,
    /// Serves the `stdio` adapter the host streams it must not reach (a `"null"` or denied
    /// stream), so that the output does not import them. Its own instance: those are of the
    /// host's `wasi:io`, the app's are the adapter's.
    HostDeny,
    DenyReport,
}

impl Provider {
    /// What it imports for its own use only: always from the host.
    pub fn private(self) -> &'static [&'static str] {
        match self {
            Provider::Adapter(name) => adapters::named(name).private,
            Provider::Deny => &[],
            Provider::HostDeny | Provider::DenyReport => adapters::REPORT_PRIVATE,
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Provider::Adapter(name) => write!(f, "adapter {name}"),
            Provider::Deny => f.write_str("the denial component"),
            Provider::HostDeny => f.write_str("the host-side denial component"),
            Provider::DenyReport => f.write_str("the denial report"),
        }
    }
}

/// What each adapter of a [`Plan`] imports from where: [`Plan::wiring`].
pub struct Wiring<'a>(&'a Plan);

impl fmt::Display for Wiring<'_> {
    /// One line per import: `  clocks-p3 imports wasi:clocks/wall-clock@0.2.0: adapter clocks`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `plan` made sure every source can be found.
        let sources = self.0.adapter_sources().map_err(|_| fmt::Error)?;
        if !sources.is_empty() {
            writeln!(f, "what the adapters import:")?;
        }
        for (adapter, import, source) in sources {
            let source = match source {
                Source::Provider(provider) => provider.to_string(),
                Source::Host {
                    name: HostName::App(app),
                    ..
                } if app != import => format!("host, as {app}"),
                Source::Host { .. } => "host".to_owned(),
            };
            writeln!(f, "  {} imports {import}: {source}", adapter.name)?;
        }
        Ok(())
    }
}

/// Where an import (of the app or of a provider) is satisfied from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The export of another provider, of the import's release.
    Provider(Provider),
    /// A host import.
    Host {
        name: HostName,
        /// Used by the importer for itself only: any host import of the interface at the same
        /// release will do (the one an adapter wrapping it made has all of its functions).
        private: bool,
    },
}

/// The name and type a host import takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostName {
    /// The app's import of that name and its type: the app and the importer share it.
    App(String),
    /// The importer's own name and type (what an adapter wraps, say).
    Own,
}

/// One import of the app in a [`Plan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub import: String,
    /// What serves the app's import.
    pub decision: Decision,
    /// For an import the stream owner wraps (files, TCP sockets): what the policy decides for it,
    /// behind the wrapper.
    pub inner: Option<Decision>,
}

impl Planned {
    /// The route baked in for `inspect`: what the policy decides (behind a stream wrapper, the
    /// policy's own decision).
    pub fn route(&self) -> Route {
        self.inner.unwrap_or(self.decision).route()
    }
}

impl Plan {
    /// The routes baked into the composed component.
    pub fn routes(&self) -> Vec<(String, Route)> {
        self.imports
            .iter()
            .map(|p| (p.import.clone(), p.route()))
            .collect()
    }

    /// What the composition bakes in: the policy's compiled rules (`rules`, from
    /// [`Policy::compile`]), the routes `inspect` reports, and the streams' rules when the app's
    /// streams are interpose's.
    pub fn compiled(&self, rules: &CompiledPolicy) -> CompiledPolicy {
        CompiledPolicy {
            routes: self.routes(),
            stdio: self.stdio.or(rules.stdio),
            ..rules.clone()
        }
    }

    /// Whether composing changes nothing: every import goes to the host.
    pub fn passes_through(&self) -> bool {
        self.imports.iter().all(|p| {
            matches!(p.decision, Decision::Host | Decision::Unknown { .. }) && p.inner.is_none()
        })
    }

    /// The adapters the plan plugs in, in [`adapters::ALL`] order.
    pub fn adapters(&self) -> Vec<&'static Adapter> {
        let uses = |adapter: &Adapter| {
            self.imports.iter().any(|p| {
                [Some(p.decision), p.inner]
                    .into_iter()
                    .flatten()
                    .any(|d| matches!(d, Decision::Adapter(a) if a == adapter))
            })
        };
        adapters::ALL
            .iter()
            .copied()
            .filter(|adapter| uses(adapter))
            .collect()
    }

    /// Each import and its decision.
    pub fn decisions(&self) -> BTreeMap<String, Decision> {
        self.imports
            .iter()
            .map(|p| (p.import.clone(), p.decision))
            .collect()
    }
}

impl fmt::Display for Plan {
    /// One line per import: `wasi:filesystem/types@0.2.0: adapter fs (wrapped by stdio-files)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let decision = |d: Decision| match d {
            Decision::Host => "host".to_owned(),
            Decision::Adapter(adapter) => format!("adapter {}", adapter.name),
            Decision::Deny => "denied".to_owned(),
            Decision::Unknown { allowed: true } => "host (unknown, allowed)".to_owned(),
            Decision::Unknown { allowed: false } => "host (unknown)".to_owned(),
        };
        for planned in &self.imports {
            match planned.inner {
                Some(inner) => writeln!(
                    f,
                    "{}: {} (wrapped by {})",
                    planned.import,
                    decision(inner),
                    decision(planned.decision)
                )?,
                None => writeln!(f, "{}: {}", planned.import, decision(planned.decision))?,
            }
        }
        // The 0.2 stream owner's rules; 0.3's `"null"` streams are `stdio-p3`'s, listed above.
        let owner_serves_the_app = self
            .imports
            .iter()
            .any(|p| matches!(p.decision, Decision::Adapter(a) if OWN_STREAMS.contains(&a)));
        if let Some(stdio) = self.stdio.as_ref().filter(|_| owner_serves_the_app) {
            let rule = |r: StreamRule| match r {
                StreamRule::Inherit => "inherit",
                StreamRule::Null => "null",
                StreamRule::Deny => "deny",
            };
            writeln!(
                f,
                "streams: interpose's own (stdin {}, stdout {}, stderr {})",
                rule(stdio.stdin),
                rule(stdio.stdout),
                rule(stdio.stderr)
            )?;
        }
        Ok(())
    }
}

impl Plan {
    /// Where `importer`'s import `name` (versioned) comes from; the app's own imports with
    /// `importer` `None`.
    pub fn source(&self, importer: Option<Provider>, name: &str) -> Result<Source, ComposeError> {
        let base = unversioned(name);
        // The app's import of the same interface, and what the policy decided for it.
        let app_import = self
            .imports
            .iter()
            .find(|p| same_interface(&p.import, name));
        let app_decision = app_import.map_or(Decision::Host, |p| p.decision);
        let mut decision = app_decision;
        // Whether a host import is the importer's own (its name and type).
        let mut its_own = false;
        let importer_adapter = match importer {
            Some(Provider::Adapter(name)) => Some(adapters::named(name)),
            _ => None,
        };
        let owns_streams = importer_adapter.is_some_and(|a| OWN_STREAMS.contains(&a));
        if let Some(a) = importer_adapter {
            // An adapter wraps its exports' interfaces at its own release only.
            let wraps = a.serves(base) && release(name) == Some(a.release());
            let app_streams_are_ours =
                matches!(app_decision, Decision::Adapter(a) if OWN_STREAMS.contains(&a));
            match app_import.and_then(|p| p.inner) {
                // What a stream owner wraps (files, TCP sockets, HTTP) is the policy's for the
                // owner itself and for every adapter behind it (the `http` adapter's types).
                Some(inner) if !(wraps && !owns_streams) => decision = inner,
                // What an adapter wraps is the host's. When the app's streams are interpose's,
                // so are the streams of every other adapter (the host's file streams the
                // `stdio-files` adapter wraps, say).
                _ if wraps
                    || (base == "wasi:io/streams" && !owns_streams && app_streams_are_ours) =>
                {
                    decision = Decision::Host;
                    its_own = true;
                }
                _ => {}
            }
            // What an adapter leaves to the policy (the 0.2 clocks behind the 0.3 clocks adapter)
            // goes where an app's import of it would, whether or not the app imports it: the
            // 0.2 adapter the policy picks, never the host unless the policy says so.
            if a.decided.contains(&base) && release(name) != Some(a.release()) {
                decision = match app_import {
                    Some(_) => app_decision,
                    None => *self.decided_for_adapters.get(name).ok_or_else(|| {
                        ComposeError::Internal(format!("the `{}` adapter needs {name}", a.name))
                    })?,
                };
                its_own = false;
            }
        }
        // What a provider uses for itself is the host's, whatever the app's goes to.
        let private =
            importer.is_some_and(|i| i == Provider::HostDeny || i.private().contains(&base));
        // The host streams the stream owner replaces, and what it wraps that the app does not
        // reach, are not the host's to serve.
        let replaced_stream = owns_streams
            && (app_import.is_none() || base.starts_with("wasi:cli/std"))
            && self.host_denied.iter().any(|d| d.interface == base);
        let provider = match decision {
            _ if replaced_stream => Some(Provider::HostDeny),
            _ if private => None,
            Decision::Adapter(adapter) => Some(Provider::Adapter(adapter.name)),
            Decision::Deny => Some(Provider::Deny),
            Decision::Host | Decision::Unknown { .. } => None,
        };
        // A provider's import of what it provides itself is the host's (the adapter wraps it),
        // under the adapter's own name and type.
        let wraps_itself =
            (its_own && !replaced_stream) || (provider.is_some() && importer == provider);
        if let Some(provider) = provider.filter(|_| !wraps_itself) {
            return Ok(Source::Provider(provider));
        }
        // Share the app's host import (its name and type) when it has one.
        let app_goes_to_host = matches!(app_decision, Decision::Host | Decision::Unknown { .. });
        let name = match (app_import, importer) {
            (_, Some(_)) if wraps_itself => HostName::Own,
            (Some(p), _) if app_goes_to_host => HostName::App(p.import.clone()),
            (_, Some(_)) => HostName::Own,
            (Some(p), None) => HostName::App(p.import.clone()),
            (None, None) => {
                return Err(ComposeError::Internal(format!("nothing imports {name}")));
            }
        };
        Ok(Source::Host { name, private })
    }

    /// What each adapter imports from where, to print.
    pub fn wiring(&self) -> Wiring<'_> {
        Wiring(self)
    }

    /// The adapters the composition instantiates: those serving the app, and those serving what
    /// adapters leave to the policy.
    pub fn instantiated(&self) -> Vec<&'static Adapter> {
        let mut all = self.adapters();
        for decision in self.decided_for_adapters.values() {
            if let Decision::Adapter(a) = decision
                && !all.contains(a)
            {
                all.push(a);
            }
        }
        all
    }

    /// Where each import of each adapter the composition instantiates comes from (all but the
    /// policy each one reads).
    pub fn adapter_sources(
        &self,
    ) -> Result<Vec<(&'static Adapter, &'static str, Source)>, ComposeError> {
        let mut sources = Vec::new();
        for adapter in self.instantiated() {
            for import in adapter.component.imports {
                if unversioned(import) == "interpose:policy/source" {
                    continue;
                }
                let source = self.source(Some(Provider::Adapter(adapter.name)), import)?;
                sources.push((adapter, *import, source));
            }
        }
        Ok(sources)
    }
}

/// The plan for an app importing `imports` and exporting `exports` (names as in the component,
/// with versions) under `policy`; or why it cannot be composed.
pub fn plan(policy: &Policy, imports: &[String], exports: &[String]) -> Result<Plan, ComposeError> {
    // `incoming-handler` at 0.2, `handler` at 0.3: either way the host hands the app requests
    // of its own types.
    let serves_http = exports.iter().any(|e| {
        unversioned(e) == "wasi:http/incoming-handler"
            || (unversioned(e) == "wasi:http/handler"
                && adapters::release(e) == Some(adapters::Release::P3))
    });
    let own_streams = wants_own_streams(policy, imports);
    let base = AppContext {
        own_streams: false,
        wrap_files: false,
        wrap_sockets: false,
        wrap_http: false,
        serves_http,
    };
    // With streams of interpose's own, files and TCP sockets the app reaches are wrapped too.
    // Only at 0.2: 0.3's streams are the component model's, which never meet `wasi:io`'s.
    let reaches = |prefix: &str| {
        imports.iter().any(|import| {
            let interface = unversioned(import);
            adapters::release(import) == Some(adapters::Release::P2)
                && interface.starts_with(prefix)
                && adapters::wrapped_source(interface)
                && routing::inner(policy, import, &base).is_some_and(|d| d != Decision::Deny)
        })
    };
    let mut context = AppContext {
        own_streams,
        wrap_files: own_streams && reaches("wasi:filesystem/"),
        wrap_sockets: own_streams && reaches("wasi:sockets/"),
        // An app serving HTTP gets the host's requests, of the host's types: those stay.
        wrap_http: own_streams && !serves_http && reaches("wasi:http/"),
        ..base
    };
    let mut decisions = decide(policy, imports, &context)?;
    if context.own_streams {
        // The app's streams become the stream owner's, so nothing may hand it the host's.
        let streams_elsewhere: Vec<String> = decisions
            .iter()
            .filter(|(import, decision)| {
                adapters::STREAM_SOURCES.contains(&unversioned(import))
                    && adapters::release(import) == Some(adapters::Release::P2)
                    && *decision != Decision::Deny
                    && !matches!(decision, Decision::Adapter(a) if adapters::OWN_STREAMS.contains(a))
            })
            .map(|(import, _)| import.clone())
            .collect();
        let has_null = policy.stdio.as_ref().is_some_and(|s| s.has_null());
        if !streams_elsewhere.is_empty() && has_null {
            return Err(ComposeError::NullStdioWithStreams(streams_elsewhere));
        }
        if !streams_elsewhere.is_empty() {
            // Only denied streams: the denial component's, which stop the app when asked for
            // (see docs/policy.md).
            context = base;
            decisions = decide(policy, imports, &context)?;
        }
    }

    let mut planned = Vec::new();
    for (import, decision) in decisions {
        let wrapped = matches!(decision, Decision::Adapter(a) if adapters::OWN_STREAMS.contains(&a))
            && adapters::wrapped_source(unversioned(&import));
        let inner = match wrapped {
            true => Some(
                routing::inner(policy, &import, &context)
                    .ok_or_else(|| ComposeError::Internal(format!("no route for {import}")))?,
            ),
            false => None,
        };
        planned.push(Planned {
            import,
            decision,
            inner,
        });
    }

    // Headers are changed on requests of the adapter's own, which an HTTP server cannot take.
    let wraps_http_types = planned.iter().any(|p| {
        unversioned(&p.import) == "wasi:http/types" && matches!(p.decision, Decision::Adapter(_))
    });
    if let Some(export) = exports
        .iter()
        .find(|e| wraps_http_types && unversioned(e) == "wasi:http/incoming-handler")
    {
        return Err(ComposeError::HeadersWhileServing(export.clone()));
    }

    let strict = policy.default == DefaultAccess::Deny;
    let stdio = context
        .own_streams
        .then(|| policy.stdio.unwrap_or_default().compile(strict));
    let mut host_denied = Vec::new();
    if let Some(stdio) = &stdio {
        for (interface, rule) in [
            ("wasi:cli/stdin", stdio.stdin),
            ("wasi:cli/stdout", stdio.stdout),
            ("wasi:cli/stderr", stdio.stderr),
        ] {
            if rule != StreamRule::Inherit {
                host_denied.extend(interpose_adapters::deniable(interface));
            }
        }
    }
    // One denial component for everything the composition denies.
    let mut denied: Vec<&'static Deniable> = Vec::new();
    for p in planned.iter().filter(|p| p.decision == Decision::Deny) {
        let row = interpose_adapters::deniable_import(&p.import)
            .ok_or_else(|| ComposeError::Internal(format!("nothing can deny {}", p.import)))?;
        if !denied.contains(&row) {
            denied.push(row);
        }
    }
    let mut plan = Plan {
        imports: planned,
        context,
        stdio,
        denied,
        host_denied,
        decided_for_adapters: BTreeMap::new(),
    };
    plan.deny_what_the_app_does_not_reach();
    plan.decide_for_adapters(policy)?;
    // Every adapter's imports have a source.
    plan.adapter_sources()?;
    Ok(plan)
}

impl Plan {
    /// What a stream owner wraps but the app does not import (the files of an app that only
    /// reaches HTTP, say) is served by the host-side denial component, not imported from the
    /// host: the output must not reach what the app cannot.
    fn deny_what_the_app_does_not_reach(&mut self) {
        for owner in self
            .adapters()
            .into_iter()
            .filter(|a| OWN_STREAMS.contains(a))
        {
            for import in owner.component.imports {
                let base = unversioned(import);
                let app_imports = self
                    .imports
                    .iter()
                    .any(|p| same_interface(&p.import, import));
                if app_imports || owner.private.contains(&base) {
                    continue;
                }
                if let Some(row) = interpose_adapters::deniable(base)
                    && !self.host_denied.contains(&row)
                {
                    self.host_denied.push(row);
                }
            }
        }
    }

    /// Decides what adapters leave to the policy and the app does not import, as an app's
    /// import of it would be decided.
    fn decide_for_adapters(&mut self, policy: &Policy) -> Result<(), ComposeError> {
        for adapter in self.adapters() {
            for import in adapter.component.imports {
                let decided = adapter.decided.contains(&unversioned(import))
                    && release(import) != Some(adapter.release());
                let app_imports = self
                    .imports
                    .iter()
                    .any(|p| same_interface(&p.import, import));
                if !decided || app_imports {
                    continue;
                }
                let decision =
                    routing::decide(policy, import, &self.context).map_err(|refusal| {
                        let why = match refusal {
                            Refusal::Undecided => "undecided".to_owned(),
                            Refusal::Unattenuable(u) => u.to_string(),
                        };
                        ComposeError::Internal(format!(
                            "the `{}` adapter needs {import}: {why}",
                            adapter.name
                        ))
                    })?;
                self.decided_for_adapters
                    .insert((*import).to_owned(), decision);
            }
        }
        Ok(())
    }
}

/// Where each import goes in `context`, or every import that cannot be decided.
fn decide(
    policy: &Policy,
    imports: &[String],
    context: &AppContext,
) -> Result<Vec<(String, Decision)>, ComposeError> {
    let mut decisions = Vec::new();
    let mut undecided = Vec::new();
    let mut unattenuable = Vec::new();
    for import in imports {
        match routing::decide(policy, import, context) {
            Ok(decision) => decisions.push((import.clone(), decision)),
            Err(Refusal::Undecided) => undecided.push(import.clone()),
            Err(Refusal::Unattenuable(refused)) => unattenuable.push(refused),
        }
    }
    if !unattenuable.is_empty() {
        return Err(ComposeError::CannotAttenuate {
            imports: unattenuable,
            strict: policy.default == DefaultAccess::Deny,
        });
    }
    if !undecided.is_empty() {
        return Err(ComposeError::UndecidedImports(undecided));
    }
    Ok(decisions)
}

/// Whether the app's standard streams should be interpose's own: one is `"null"`, or one the app
/// imports is denied (an empty stream answers better than a trap).
fn wants_own_streams(policy: &Policy, imports: &[String]) -> bool {
    let stdio = policy.stdio.as_ref();
    if stdio.is_some_and(|s| s.has_null()) {
        return true;
    }
    let strict = policy.default == DefaultAccess::Deny;
    imports.iter().any(|import| {
        let pick = match unversioned(import) {
            "wasi:cli/stdin" => stdio.and_then(|s| s.stdin),
            "wasi:cli/stdout" => stdio.and_then(|s| s.stdout),
            "wasi:cli/stderr" => stdio.and_then(|s| s.stderr),
            _ => return false,
        };
        // Only 0.2 streams can be interpose's own.
        adapters::release(import) == Some(adapters::Release::P2)
            && match pick {
                Some(stream) => stream == StreamRule::Deny,
                None => strict,
            }
    })
}
