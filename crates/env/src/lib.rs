//! `wasi:cli/environment`, filtered by the policy's `env` section.
//!
//! Exports the interface and implements it with the host's, imported under the same name. The
//! rules themselves live in `interpose_policy::compiled::EnvRules`, shared with the composer.
//!
//! Built with the `p3` feature it is the WASI 0.3 adapter (`wit/p3/world.wit`): the interface has
//! the same functions there (only `initial-cwd` is renamed `get-initial-cwd`), decided by the same
//! rules.

#[cfg(not(feature = "p3"))]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "interpose:adapters/env",
        generate_all,
    });
}

#[cfg(feature = "p3")]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/p3",
        world: "interpose:adapters-p3/env",
        generate_all,
    });
}

use std::sync::OnceLock;

use bindings::exports::wasi::cli::environment::Guest;
use bindings::interpose::policy::source;
use bindings::wasi::cli::environment as host;
use interpose_policy::compiled::{self, EnvRules};

struct EnvAdapter;

/// The rules, decoded once. A policy that does not decode was not produced by the composer this
/// adapter was built with; there is no error channel, so that is a trap.
fn rules() -> &'static EnvRules {
    static RULES: OnceLock<EnvRules> = OnceLock::new();
    RULES.get_or_init(|| compiled::load_section_or_stop(source::len(), source::chunk, |e| e.env))
}

impl Guest for EnvAdapter {
    fn get_environment() -> Vec<(String, String)> {
        // `get-environment` should return the same values on every call (the WIT says so), so
        // the host's list is read and filtered once; later calls only copy the result out.
        static VISIBLE: OnceLock<Vec<(String, String)>> = OnceLock::new();
        VISIBLE
            .get_or_init(|| rules().environment(host::get_environment()))
            .clone()
    }

    fn get_arguments() -> Vec<String> {
        rules().arguments(host::get_arguments)
    }

    #[cfg(not(feature = "p3"))]
    fn initial_cwd() -> Option<String> {
        rules().initial_cwd(host::initial_cwd)
    }

    #[cfg(feature = "p3")]
    fn get_initial_cwd() -> Option<String> {
        rules().initial_cwd(host::get_initial_cwd)
    }
}

bindings::export!(EnvAdapter with_types_in bindings);
