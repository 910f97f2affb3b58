//! `cargo run -p interpose-benches --bin report [RESULTS.json [OUT.md]]`: writes
//! `docs/benchmarks.md` from the results of `cargo bench -p interpose-benches`
//! (`target/bench-results.json` by default).

use std::path::PathBuf;

use anyhow::Context;
use interpose_benches::{report, target_dir, workspace_root};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args_os().skip(1);
    let input = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("bench-results.json"));
    let output = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("docs/benchmarks.md"));
    let text = std::fs::read_to_string(&input).with_context(|| {
        format!(
            "reading {}; run `cargo bench -p interpose-benches` first",
            input.display()
        )
    })?;
    let results: serde_json::Value = serde_json::from_str(&text)?;
    std::fs::write(&output, report::markdown(&results))?;
    eprintln!("wrote {} from {}", output.display(), input.display());
    Ok(())
}
