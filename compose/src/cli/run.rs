//! `interpose run`: compose in memory and run on the embedded wasmtime.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use interpose::{Composer, Preopen, RunOptions, Runner, load_policy};

/// The exit status for a trap, as `wasmtime run` reports one: that of an abort.
const TRAP_EXIT: u8 = if cfg!(windows) { 3 } else { 128 + 6 };

/// Compose an app in memory (if a policy is given) and run it like `wasmtime run`: this
/// process's stdin goes to the app, its exit code is passed through, and a trap is reported with
/// the status of an abort (134). A WASI preview 1 core module is adapted into a component first.
/// Compiled components are cached in `$INTERPOSE_CACHE_DIR`, else `$XDG_CACHE_HOME/interpose` or
/// `~/.cache/interpose`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// A policy file, or the name of a built-in policy; without one the app runs unadapted.
    #[arg(long, short)]
    policy: Option<String>,
    /// Grant a host directory as `HOST::GUEST` (or `DIR`, the same path on both sides). The
    /// policy may narrow what the app can do there.
    #[arg(long = "dir", value_name = "HOST::GUEST")]
    dirs: Vec<String>,
    /// Grant an environment variable `NAME=VALUE`.
    #[arg(long = "env", value_name = "NAME=VALUE")]
    env: Vec<String>,
    /// Grant this process's whole environment (the policy may still filter it).
    #[arg(long)]
    inherit_env: bool,
    /// Report this working directory to the app (`initial-cwd`; the policy may hide or replace
    /// it). Without it the app is told of none.
    #[arg(long, value_name = "PATH")]
    cwd: Option<String>,
    /// Grant the host's network: TCP, UDP and name lookup (the policy may still deny it).
    #[arg(long)]
    network: bool,
    /// Grant outgoing HTTP requests (`wasi:http`; the policy may still filter or deny them).
    #[arg(long)]
    http: bool,
    /// Compile the app afresh instead of using (and filling) the compilation cache.
    #[arg(long)]
    no_cache: bool,
    /// The app: a component, or a WASI preview 1 core module.
    app: PathBuf,
    /// Arguments for the app.
    #[arg(last = true)]
    args: Vec<String>,
}

pub fn main(args: Args) -> anyhow::Result<ExitCode> {
    let app = super::read_input(&args.app)?;
    let component = match &args.policy {
        Some(policy) => Composer::new(load_policy(policy)?).compose(&app)?.component,
        None => interpose::input::read(&app)?.component.into_owned(),
    };
    let mut options = RunOptions {
        inherit_stdin: true,
        inherit_env: args.inherit_env,
        cwd: args.cwd,
        network: args.network,
        http: args.http,
        ..RunOptions::default()
    };
    let name = args
        .app
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    options.args.push(name.clone());
    options.args.extend(args.args);
    for var in &args.env {
        let Some((name, value)) = var.split_once('=') else {
            bail!("--env `{var}` is not NAME=VALUE");
        };
        options.env.push((name.to_owned(), value.to_owned()));
    }
    for dir in &args.dirs {
        let (host, guest) = dir.split_once("::").unwrap_or((dir, dir));
        options.preopens.push(Preopen {
            host: host.into(),
            guest: guest.into(),
            writable: true,
        });
    }
    let mut runner = Runner::new()?;
    if !args.no_cache
        && let Some(dir) = Runner::default_cache_dir()
    {
        runner = runner.with_cache_dir(dir);
    }
    let outcome = runner.run(&component, &options)?;
    if let Some(trap) = &outcome.trap {
        eprintln!("error: failed to run `{name}`: the app trapped: {trap}");
        return Ok(ExitCode::from(TRAP_EXIT));
    }
    Ok(ExitCode::from(u8::try_from(outcome.exit_code).unwrap_or(1)))
}
