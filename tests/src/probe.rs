//! `fs_probe`, raw or composed with a policy, compiled once and run as often as needed (also from
//! several threads at once) against host directories.

use std::path::Path;

use interpose::{Preopen, RunOptions, Stdio};
use wasmtime::component::Component;

use crate::{compose, programs, runner};

/// `fs_probe`, compiled: [`Probe::raw`] as built, or [`Probe::composed`] with a policy.
pub struct Probe {
    component: Component,
}

impl Probe {
    /// `fs_probe` with nothing interposed: the host's own answers.
    pub fn raw() -> Probe {
        Probe::compile(programs::FS_PROBE)
    }

    /// `fs_probe` composed with the policy `policy_json`.
    pub fn composed(policy_json: &str) -> Probe {
        Probe::compile(&compose(programs::FS_PROBE, policy_json))
    }

    /// [`Probe::composed`] with `policy_json`, or [`Probe::raw`] without.
    pub fn new(policy_json: Option<&str>) -> Probe {
        match policy_json {
            Some(policy) => Probe::composed(policy),
            None => Probe::raw(),
        }
    }

    fn compile(component: &[u8]) -> Probe {
        let component = runner()
            .compile(component)
            .unwrap_or_else(|e| panic!("{e}"));
        Probe { component }
    }

    /// Runs the operations `ops` with `dir` preopened (writable) as `/data`; one line per
    /// operation.
    pub fn at<S: AsRef<str>>(&self, dir: &Path, ops: &[S]) -> Vec<String> {
        self.run(&[(dir, "/data")], ops)
    }

    /// Runs the operations `ops` with each `(host, guest)` of `preopens` preopened (writable as
    /// far as the host is concerned), in that order; one line per operation.
    pub fn run<S: AsRef<str>>(&self, preopens: &[(&Path, &str)], ops: &[S]) -> Vec<String> {
        let mut args = vec!["fs_probe".to_owned()];
        args.extend(ops.iter().map(|op| op.as_ref().to_owned()));
        let options = RunOptions {
            args,
            preopens: preopens
                .iter()
                .map(|(host, guest)| Preopen {
                    host: host.to_path_buf(),
                    guest: (*guest).to_owned(),
                    writable: true,
                })
                .collect(),
            stdio: Stdio::Capture,
            ..RunOptions::default()
        };
        let outcome = runner()
            .run_compiled(&self.component, &options)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(outcome.trap.is_none(), "fs_probe trapped: {outcome:?}");
        let lines = crate::stdout_lines(&outcome);
        assert_eq!(
            lines.len(),
            ops.len(),
            "one line per operation: {lines:#?}\nstderr: {}",
            String::from_utf8_lossy(&outcome.stderr)
        );
        lines
    }
}
