//! `cargo bench -p interpose-benches [-- GROUP...]`: runs the benchmarks (quick sizes unless
//! `INTERPOSE_BENCH=full`) and writes `target/bench-results.json`. Groups: read, meta, env,
//! clocks, cpu, instantiate, stdout, compose. Then `cargo run -p interpose-benches --bin report`
//! writes `docs/benchmarks.md` from that file.

use std::path::Path;

use interpose_benches::{Filter, Mode, report, run, target_dir};

fn main() -> anyhow::Result<()> {
    let mode = Mode::from_env()?;
    // cargo passes `--bench`; anything else not starting with `-` selects groups.
    let filter = Filter(
        std::env::args()
            .skip(1)
            .filter(|a| !a.starts_with('-'))
            .collect(),
    );
    eprintln!("interpose benchmarks, {} mode", mode.name);
    let results = run(
        &mode,
        &filter,
        Path::new(env!("CARGO_BIN_EXE_compose-peak")),
        true,
    )?;
    let path = std::env::var_os("INTERPOSE_BENCH_OUT")
        .map(Into::into)
        .unwrap_or_else(|| target_dir().join("bench-results.json"));
    std::fs::write(&path, serde_json::to_string_pretty(&results)?)?;
    println!("{}", report::markdown(&results));
    eprintln!(
        "wrote {}; `cargo run -p interpose-benches --bin report` turns it into docs/benchmarks.md",
        path.display()
    );
    Ok(())
}
