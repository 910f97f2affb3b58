//! Helpers for the end-to-end tests: the test apps, composing them and running them.

use std::sync::OnceLock;

use interpose::{Composer, Policy, RunOptions, RunOutcome, Runner, Stdio};

pub mod fs_tree;

/// The test apps, built from `tests/programs` by this crate's build script.
pub mod programs {
    include!(concat!(env!("OUT_DIR"), "/programs.rs"));
}

/// One runner (engine + linker) for the whole test binary.
pub fn runner() -> &'static Runner {
    static RUNNER: OnceLock<Runner> = OnceLock::new();
    RUNNER.get_or_init(|| Runner::new().expect("creating the wasmtime runner"))
}

/// Parses a policy given as JSON text, panicking with the error if it is invalid.
pub fn policy(json: &str) -> Policy {
    Policy::parse(json, "<test>").unwrap_or_else(|e| panic!("{e}"))
}

/// Composes `app` with `policy` and returns the composed bytes.
pub fn compose(app: &[u8], policy_json: &str) -> Vec<u8> {
    Composer::new(policy(policy_json))
        .compose(app)
        .unwrap_or_else(|e| panic!("{e}"))
        .component
}

/// Runs a component with captured output.
pub fn run(component: &[u8], mut options: RunOptions) -> RunOutcome {
    options.stdio = Stdio::Capture;
    if options.args.is_empty() {
        options.args.push("app".into());
    }
    let outcome = runner()
        .run(component, &options)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(outcome.trap.is_none(), "the app trapped: {outcome:?}");
    outcome
}

/// The app's stdout as lines.
pub fn stdout_lines(outcome: &RunOutcome) -> Vec<String> {
    String::from_utf8_lossy(&outcome.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}
