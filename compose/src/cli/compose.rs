//! `interpose compose`: write the composed component to a file.

use std::path::PathBuf;
use std::process::ExitCode;

use interpose::{Composer, load_policy, output};

/// Compose an app with the adapters its policy needs and write one standard component.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// A policy file, or the name of a built-in policy.
    #[arg(long, short)]
    policy: String,
    /// The app component.
    app: PathBuf,
    /// Where to write the result (default: `APP.composed.wasm` beside the app).
    #[arg(long, short)]
    output: Option<PathBuf>,
}

pub fn main(args: Args) -> anyhow::Result<ExitCode> {
    let policy = load_policy(&args.policy)?;
    let app = super::read_input(&args.app)?;
    let composition = Composer::new(policy).compose(&app)?;
    let out = args
        .output
        .unwrap_or_else(|| output::default_output(&args.app));
    output::write_atomically(&out, &composition.component, &args.app)?;
    if let Some(kind) = composition.adapted {
        eprintln!(
            "adapted the WASI preview 1 {kind} module into a component with wasmtime's preview 1 \
             adapter"
        );
    }
    for (adapter, imports) in composition.plugged() {
        eprintln!(
            "plugged the `{adapter}` adapter into {}",
            imports.join(", ")
        );
    }
    let denied = composition.denied();
    if !denied.is_empty() {
        eprintln!("denied (no longer imported): {}", denied.join(", "));
    }
    let unknown = composition.unknown();
    if !unknown.is_empty() {
        eprintln!(
            "unknown to interpose, passed to the host unattenuated: {}",
            unknown.join(", ")
        );
    }
    if composition.component == app {
        eprintln!("the policy restricts nothing this app imports: the output is a copy of the app");
    } else if composition.adapted.is_some() && composition.plugged().is_empty() && denied.is_empty()
    {
        eprintln!(
            "the policy restricts nothing this app imports: the output is the adapted app, \
             unattenuated"
        );
    }
    eprintln!(
        "wrote {} ({} bytes)",
        out.display(),
        composition.component.len()
    );
    Ok(ExitCode::SUCCESS)
}
