//! `interpose policy`: the policy format.

use std::process::ExitCode;

use interpose::{Policy, load_policy};

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Print the JSON Schema of the policy format.
    Schema,
    /// Check a policy file (or built-in name) and summarise what it does.
    Check {
        /// A policy file, or the name of a built-in policy.
        policy: String,
    },
}

pub fn main(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Schema => {
            super::print(format_args!(
                "{}\n",
                serde_json::to_string_pretty(&Policy::json_schema())?
            ))?;
        }
        Command::Check { policy } => {
            let parsed = load_policy(&policy)?;
            super::print(format_args!("{policy}: valid\n"))?;
            super::print(interpose::summary::describe(&parsed.compile()))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
