//! Measures the peak memory of one composition in a fresh process (used by the benchmarks):
//! `compose-peak APP.wasm PADDING_BYTES POLICY_JSON` pads the app with a custom section, resets
//! the peak RSS, composes, and prints JSON with the RSS before and the peak during composition.

use std::time::Instant;

use interpose::{Composer, Policy};
use interpose_benches::{padded, proc_status_kib, reset_peak_rss};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, app, padding, policy] = &args[..] else {
        eprintln!("usage: compose-peak APP.wasm PADDING_BYTES POLICY_JSON");
        std::process::exit(2);
    };
    let app = std::fs::read(app).expect("reading the app");
    let input = padded(&app, padding.parse().expect("a byte count"));
    drop(app);
    let policy = Policy::parse(policy, "<compose-peak>").unwrap_or_else(|e| panic!("{e}"));
    let composer = Composer::new(policy);
    let reset = reset_peak_rss();
    let baseline = proc_status_kib("VmRSS");
    let start = Instant::now();
    let composed = composer.compose(&input).unwrap_or_else(|e| panic!("{e}"));
    let seconds = start.elapsed().as_secs_f64();
    let peak = proc_status_kib("VmHWM");
    let output = serde_json::json!({
        "input_bytes": input.len(),
        "output_bytes": composed.component.len(),
        "compose_s": seconds,
        "baseline_kib": baseline,
        "peak_kib": peak,
        // Without the reset, the peak may include building the input.
        "peak_reset": reset,
        "peak_above_baseline_kib": peak.zip(baseline).map(|(p, b)| p.saturating_sub(b)),
    });
    println!("{output}");
}
