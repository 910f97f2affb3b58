//! The `compose` target: a generated policy and a generated app through
//! `Composer::new(policy).compose(app)`, and the composed component read back.

use arbitrary::{Arbitrary, Unstructured};
use interpose::{ComposeError, Composer, Policy};

use crate::app_gen::AppSpec;
use crate::policy_gen::PolicySpec;

/// One input of the target.
#[derive(Arbitrary, Clone, Debug, PartialEq, Eq)]
pub struct ComposeInput {
    pub policy: PolicySpec,
    pub app: AppSpec,
}

/// What one input came to, for the replay tests' tallies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// The generated app could not be built (skipped).
    NoApp,
    /// The generated policy was invalid.
    InvalidPolicy,
    /// Composed, and everything checked.
    Composed,
    /// Refused with a typed error (not an internal one).
    Refused,
}

/// The target: the input as `arbitrary` reads it from fuzz bytes.
pub fn compose(data: &[u8]) {
    if let Some(input) = ComposeInput::from_bytes(data) {
        check_compose(&input);
    }
}

impl ComposeInput {
    /// The input `arbitrary` reads from fuzz bytes, as the target does.
    pub fn from_bytes(data: &[u8]) -> Option<ComposeInput> {
        ComposeInput::arbitrary_take_rest(Unstructured::new(data)).ok()
    }
}

/// Composes the app with the policy. Never panics unless interpose is wrong: a success is a
/// valid component that imports nothing the policy denies and that `inspect` reads back; a
/// failure is a [`ComposeError`] other than [`ComposeError::Internal`] (which asks to be
/// reported).
pub fn check_compose(input: &ComposeInput) -> Outcome {
    let json = input.policy.to_json().to_string();
    let policy = match crate::policy_text::check_policy_text(&json) {
        Ok(policy) => policy,
        Err(_) => return Outcome::InvalidPolicy,
    };
    let Some(app) = input.app.build() else {
        return Outcome::NoApp;
    };
    check_composition(&policy, input, &app, &json)
}

fn check_composition(
    policy: &Policy,
    input: &ComposeInput,
    app: &crate::app_gen::BuiltApp,
    json: &str,
) -> Outcome {
    let spec = &input.policy;
    let context = || format!("policy: {json}\napp WIT:\n{}", app.wit);
    let composition = match Composer::new(policy.clone()).compose(&app.bytes) {
        Ok(composition) => composition,
        Err(ComposeError::Internal(message)) => {
            panic!("internal composition error: {message}\n{}", context())
        }
        Err(error) => {
            // Its message renders.
            assert!(!error.to_string().is_empty());
            return Outcome::Refused;
        }
    };
    let composed = &composition.component;
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(composed)
        .unwrap_or_else(|e| panic!("the composed component is invalid: {e}\n{}", context()));
    let inspection = interpose::inspect(composed).unwrap_or_else(|e| {
        panic!(
            "inspect cannot read the composed component: {e}\n{}",
            context()
        )
    });
    // What the adapters plugged in import for their own use, never handing it to the app, is
    // the host's whatever the policy says of the app's (see `interpose::adapters::Adapter`).
    let plugged = composition.plugged();
    let mut private: Vec<&str> = interpose::adapters::ALL
        .iter()
        .filter(|adapter| plugged.iter().any(|(name, _)| name == adapter.name))
        .flat_map(|adapter| adapter.private.iter().copied())
        .collect();
    // So is the host stderr on which a denied call's one line is written before the app is
    // stopped (docs/policy.md, "even if the app's stderr is denied").
    if composed != &app.bytes {
        private.extend(interpose::adapters::REPORT_PRIVATE);
    }
    let mut denied = spec.denied_prefixes();
    if app.serves_http {
        // The host hands a serving app requests of its own `wasi:http/types`.
        denied.retain(|prefix| *prefix != "wasi:http/");
        if denied.len() < spec.denied_prefixes().len() {
            denied.push("wasi:http/outgoing-handler");
        }
    }
    // An interface another import `use`s a type of (a clock's `duration` in `wasi:http/types`)
    // may stay imported for that type alone, with no function: nothing of it reaches anyone.
    let type_only = &inspection.types_only;
    for import in &inspection.imports {
        let name = interpose::adapters::unversioned(import);
        if private.contains(&name) || type_only.contains(import) {
            continue;
        }
        if let Some(prefix) = denied.iter().find(|prefix| name.starts_with(**prefix)) {
            panic!(
                "the composed component imports `{import}`, which the policy denies \
                 (`{prefix}`)\nimports: {:?}\nroutes: {:?}\n{}",
                inspection.imports,
                composition.routes,
                context()
            );
        }
    }
    // Every import the composition routes to the denial component is gone from the host's.
    for (import, route) in &composition.routes {
        if *route == interpose_policy::compiled::Route::Denied {
            let name = interpose::adapters::unversioned(import);
            assert!(
                private.contains(&name)
                    || !inspection.imports.iter().any(|i| {
                        interpose::adapters::unversioned(i) == name && !type_only.contains(i)
                    }),
                "`{import}` is denied, yet the composed component imports it: {:?}\n{}",
                inspection.imports,
                context()
            );
        }
    }
    // What `inspect` reads back is what was composed.
    let composed_anything = composed != &app.bytes;
    if composed_anything {
        let baked = inspection.policy.as_ref().unwrap_or_else(|| {
            panic!(
                "a composed component has its policy baked in\n{}",
                context()
            )
        });
        assert_eq!(baked.routes, composition.routes, "{}", context());
        let _ = inspection.to_string();
    }
    Outcome::Composed
}
