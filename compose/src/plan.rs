//! The plan of a composition: for a policy and the names an app imports and exports, where each
//! import goes, which adapters and denials that takes, and the rules the adapters get. Nothing
//! here looks inside a component or builds one; [`crate::Composer`] wires the plan, `inspect`
//! reports the routes it baked in, and the golden tests under `compose/tests/plans` check it
//! from WAT alone.

use std::collections::BTreeMap;
use std::fmt;

use interpose_adapters::Deniable;
use interpose_policy::compiled::Route;
use interpose_policy::stdio::{StdioRules, StreamRule};
use interpose_policy::{DefaultAccess, Policy};

use crate::ComposeError;
use crate::adapters::{self, Adapter, unversioned};
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
    /// streams it must not reach (a null or denied stream), so that the output does not import
    /// them.
    pub host_denied: Vec<&'static Deniable>,
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

    /// What a wrapped import (of the app) goes on to behind the stream owner.
    pub fn inner(&self) -> BTreeMap<String, Decision> {
        self.imports
            .iter()
            .filter_map(|p| p.inner.map(|inner| (p.import.clone(), inner)))
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
        if let Some(stdio) = &self.stdio {
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
    Ok(Plan {
        imports: planned,
        context,
        stdio,
        denied,
        host_denied,
    })
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
