//! Every benchmark still builds and runs: one tiny iteration of each (`cargo test` runs this;
//! the benchmarks themselves never run in CI).

use std::path::Path;

use interpose_benches::{Filter, Mode, report, run};

#[test]
fn every_benchmark_runs_once_at_tiny_sizes() {
    let results = run(
        &Mode::tiny(),
        &Filter::default(),
        Path::new(env!("CARGO_BIN_EXE_compose-peak")),
        false,
    )
    .unwrap_or_else(|e| panic!("{e:#}"));

    let rows = results["rows"].as_array().expect("rows");
    for group in [
        "read",
        "meta",
        "env",
        "clocks",
        "cpu",
        "instantiate",
        "stdout",
        "p3",
    ] {
        assert!(
            rows.iter().any(|r| r["group"] == group),
            "no {group} benchmark ran"
        );
    }
    for row in rows {
        assert!(
            row["direct_median_s"].as_f64().is_some_and(|s| s > 0.0),
            "{row}"
        );
        // Every benchmark has both sides: a row without a composed side is a failure.
        assert_ne!(row["status"], "not available", "{row}");
        let ratio = row["ratio_median"].as_f64().expect("a ratio");
        assert!(ratio.is_finite() && ratio > 0.0, "{row}");
    }
    let sizes = results["sizes"].as_array().expect("sizes");
    assert!(sizes.iter().any(|r| r["kind"] == "adapter"));
    assert!(sizes.iter().any(|r| r["name"] == "readonly.json"));
    let compose = results["compose"].as_array().expect("compose rows");
    assert_eq!(compose.len(), 3);
    for row in compose {
        assert!(
            row["compose_median_s"].as_f64().is_some_and(|s| s > 0.0),
            "{row}"
        );
        assert!(
            row["peak"]["peak_kib"].as_u64().is_some_and(|k| k > 0),
            "{row}"
        );
    }
    assert!(compose[2]["input_bytes"].as_u64() > compose[0]["input_bytes"].as_u64());

    let page = report::markdown(&results);
    assert!(page.contains("| 1. Streamed file read"), "{page}");
    assert!(page.contains("## 7. Compose time"), "{page}");
}
