//! `interpose policy`: the policy format.

use std::process::ExitCode;

use interpose::{Composer, Policy, load_policy};

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Print the JSON Schema of the policy format.
    Schema,
    /// Check a policy file (or built-in name) and summarise what it does.
    Check {
        /// A policy file, or the name of a built-in policy.
        policy: String,
        /// Also say where each import of this component (or preview 1 module) would go under
        /// the policy, without composing; exits non-zero if `compose` would refuse it.
        #[arg(long, value_name = "APP")]
        app: Option<std::path::PathBuf>,
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
        Command::Check { policy, app } => {
            let parsed = load_policy(&policy)?;
            super::print(format_args!("{policy}: valid\n"))?;
            super::print(interpose::summary::describe(&parsed.compile()))?;
            if let Some(app) = app {
                let bytes = super::read_input(&app)?;
                let plan = Composer::new(parsed).plan(&bytes)?;
                super::print(format_args!(
                    "\n{}'s imports under it:\n{plan}",
                    app.display()
                ))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
