//! `cargo demo`: the 30-second tour. Builds a real app from source (by this crate's build
//! script), composes it under a policy with the `interpose` library (exactly what `interpose
//! compose` does), shows what `interpose inspect` says, and runs both the original and the
//! composed component on the embedded wasmtime with the same host environment.
//!
//! `cargo demo [POLICY]` uses another policy file or built-in name (default: `no-secrets`).

use std::path::Path;

use anyhow::Context;
use interpose::{Composer, RunOptions, Runner, Stdio, load_policy, output};
use interpose_tests::programs;

fn main() -> anyhow::Result<()> {
    let policy_name = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "no-secrets".into());
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/demo");
    std::fs::create_dir_all(&dir)?;
    let app_path = dir.join("env_printer.wasm");
    std::fs::write(&app_path, programs::ENV_PRINTER)?;

    println!(
        "$ interpose compose --policy {policy_name} {}",
        app_path.display()
    );
    let composition = Composer::new(load_policy(&policy_name)?).compose(programs::ENV_PRINTER)?;
    let out = output::default_output(&app_path);
    output::write_atomically(&out, &composition.component, &app_path)?;
    for (adapter, imports) in composition.plugged() {
        println!(
            "plugged the `{adapter}` adapter into {}",
            imports.join(", ")
        );
    }
    println!(
        "wrote {} ({} bytes)\n",
        out.display(),
        composition.component.len()
    );

    println!("$ interpose inspect {}", out.display());
    print!("{}", interpose::inspect(&composition.component)?);

    let host_env = [
        ("HOME", "/home/demo"),
        ("LANG", "C.UTF-8"),
        ("GITHUB_TOKEN", "ghp_do_not_leak"),
        ("AWS_SECRET_ACCESS_KEY", "also-secret"),
        ("DATABASE_PASSWORD", "hunter2"),
    ];
    let options = RunOptions {
        args: vec!["env_printer".into(), "hello".into()],
        cwd: Some("/home/demo/projects/secret-client".into()),
        env: host_env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        stdio: Stdio::Capture,
        ..RunOptions::default()
    };
    let runner = Runner::new()?;
    for (label, component) in [
        ("original", programs::ENV_PRINTER),
        ("composed", &composition.component[..]),
    ] {
        let outcome = runner.run(component, &options).context("running the app")?;
        println!(
            "\n--- the {label} app sees (exit code {}):",
            outcome.exit_code
        );
        print!("{}", String::from_utf8_lossy(&outcome.stdout));
    }
    Ok(())
}
