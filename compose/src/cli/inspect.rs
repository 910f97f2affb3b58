//! `interpose inspect`: explain a component.

use std::path::PathBuf;
use std::process::ExitCode;

/// Show a component's imports and exports, the policy baked in, and what still reaches the host.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The component to inspect.
    component: PathBuf,
}

pub fn main(args: Args) -> anyhow::Result<ExitCode> {
    let bytes = super::read_input(&args.component)?;
    super::print(interpose::inspect(&bytes)?)?;
    Ok(ExitCode::SUCCESS)
}
