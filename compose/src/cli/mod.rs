//! One module per subcommand.

mod compose;
mod inspect;
mod policy;
#[cfg(feature = "run")]
mod run;

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

/// Sandbox WebAssembly components by interposition: plug policy-enforcing WASI adapters in front
/// of an app's imports and get one standard component back.
#[derive(Parser, Debug)]
#[command(name = "interpose", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    Compose(compose::Args),
    #[cfg(feature = "run")]
    Run(run::Args),
    Inspect(inspect::Args),
    #[command(subcommand)]
    Policy(policy::Command),
}

pub fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Compose(args) => compose::main(args),
        #[cfg(feature = "run")]
        Command::Run(args) => run::main(args),
        Command::Inspect(args) => inspect::main(args),
        Command::Policy(command) => policy::main(command),
    }
}

/// Writes what a command prints to stdout. A reader that has gone (`interpose inspect | head`)
/// is not an error: there is no one left to tell, and `print!` would panic.
fn print(text: impl std::fmt::Display) -> anyhow::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match write!(stdout, "{text}").and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(e).context("cannot write to stdout")
        }
        _ => Ok(()),
    }
}

/// Reads an input component, with the path in the error.
fn read_input(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read `{}`", path.display()))
}
