//! What interposition costs: every benchmark runs the same app directly and composed, on the same
//! wasmtime with the same host permissions, interleaved sample by sample so that machine noise
//! hits both sides alike, and reports the ratio composed / direct.
//!
//! `cargo bench -p interpose-benches` runs the suite (quick sizes unless `INTERPOSE_BENCH=full`)
//! and writes `target/bench-results.json`; `cargo run -p interpose-benches --bin report` turns
//! that file into `docs/benchmarks.md`. The smoke test runs everything at `tiny` sizes.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use interpose::policy_source::BUILTINS;
use interpose::{Composer, Policy, Preopen, RunOptions, Runner, Stdio};
use interpose_tests::programs::BENCH_APP;
use serde_json::{Value, json};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::cli::{OutputFile, StdoutStream};
use wasmtime_wasi::p2::bindings::sync::CommandPre;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

pub mod report;

/// How big and how often.
#[derive(Clone, Debug)]
pub struct Mode {
    pub name: &'static str,
    /// Size of the file read through `read-via-stream`.
    pub read_bytes: u64,
    /// Files opened and stat-ed, and entries in the listed directory.
    pub files: u64,
    pub env_vars: usize,
    pub env_calls: u64,
    pub clock_calls: u64,
    pub cpu_rounds: u64,
    /// Bytes the app writes to stdout (discarded by the host).
    pub stdout_bytes: u64,
    /// Measured samples per side, after `warmup` unmeasured runs per side.
    pub samples: usize,
    pub warmup: usize,
    /// Runs per sample for the streamed read and the stdout benchmark (averages out page-cache
    /// and allocator noise).
    pub read_batch: usize,
    /// Runs per sample for the instantiation benchmark (one run is far below a millisecond).
    pub instantiate_batch: usize,
    /// Bytes of custom-section padding for the two large compose inputs.
    pub compose_padding: [usize; 2],
}

const MIB: u64 = 1024 * 1024;

impl Mode {
    /// The issue's sizes.
    pub fn full() -> Mode {
        Mode {
            name: "full",
            read_batch: 2,
            read_bytes: 256 * MIB,
            files: 10_000,
            env_vars: 1_000,
            env_calls: 10_000,
            clock_calls: 1_000_000,
            cpu_rounds: 40_000,
            stdout_bytes: 256 * MIB,
            samples: 11,
            warmup: 1,
            instantiate_batch: 200,
            compose_padding: [10 * MIB as usize, 40 * MIB as usize],
        }
    }

    /// Smaller sizes, few samples: the default of `cargo bench`, a few minutes on 2 cores.
    pub fn quick() -> Mode {
        Mode {
            name: "quick",
            read_batch: 3,
            read_bytes: 64 * MIB,
            files: 2_000,
            env_vars: 1_000,
            env_calls: 200,
            clock_calls: 200_000,
            cpu_rounds: 10_000,
            stdout_bytes: 64 * MIB,
            samples: 9,
            warmup: 1,
            instantiate_batch: 50,
            compose_padding: [10 * MIB as usize, 20 * MIB as usize],
        }
    }

    /// One tiny iteration of everything: the smoke test.
    pub fn tiny() -> Mode {
        Mode {
            name: "tiny",
            read_batch: 1,
            read_bytes: MIB,
            files: 20,
            env_vars: 20,
            env_calls: 5,
            clock_calls: 100,
            cpu_rounds: 2,
            stdout_bytes: MIB,
            samples: 1,
            warmup: 0,
            instantiate_batch: 1,
            compose_padding: [MIB as usize, 2 * MIB as usize],
        }
    }

    /// From `INTERPOSE_BENCH` (`quick`, the default, `full` or `tiny`).
    pub fn from_env() -> Result<Mode> {
        match std::env::var("INTERPOSE_BENCH").as_deref() {
            Err(_) | Ok("") | Ok("quick") => Ok(Mode::quick()),
            Ok("full") => Ok(Mode::full()),
            Ok("tiny") => Ok(Mode::tiny()),
            Ok(other) => bail!("INTERPOSE_BENCH={other}: expected quick, full or tiny"),
        }
    }
}

/// Read-only, no path globs: `policies/readonly.json`.
pub const READONLY: &str = r#"{"fs": {"mode": "read-only"}}"#;

/// A path policy of 20 globs (10 allow, 10 deny). The benchmark's files are under
/// `/data/many`, allowed by the last `allow` glob, so every other glob is tried first.
pub const PATH20: &str = r#"{"fs": {
  "allow": ["/data/src/**/*.rs", "/data/docs/**", "/data/config/*.toml",
            "/data/assets/**/*.{png,jpg}", "/data/README*", "/data/build/out?",
            "/data/[abc]*/x", "/data/lib/**", "/data/tests/**", "/data/many/*"],
  "deny": ["**/*.pem", "**/.git/**", "**/secret*", "/data/many/*.key", "**/.env",
           "**/id_rsa*", "/data/private/**", "**/*.p12", "**/node_modules/**", "/data/tmp/**"]
}}"#;

/// The environment and filesystem adapters together, for the CPU-bound, instantiation and compose
/// benchmarks.
pub const ENV_AND_FS: &str = r#"{
  "env": {"allow": ["*"], "deny": ["*TOKEN*", "*SECRET*", "AWS_*"], "cwd": "hide"},
  "fs": {"mode": "read-only"}
}"#;

/// Standard input and the filesystem denied: bench_app then reaches no host stream but stdout and
/// stderr, so its streams are the `stdio` adapter's, which wraps the host's stdout and stderr.
pub const STDIN_FS_DENIED: &str = r#"{
  "fs": {"mode": "deny"},
  "stdio": {"stdin": "deny", "stdout": "inherit", "stderr": "inherit"}
}"#;

/// The clocks/random policy the issue asks for, tried when there is no built-in
/// `deterministic` policy.
pub const DETERMINISTIC: &str =
    r#"{"clocks": {"wall": {"frozen": "2024-01-01T00:00:00Z"}}, "random": {"seed": 1}}"#;

/// 50 allow and 50 deny globs over variable names; the benchmark's variables (`VAR_0000`...) are
/// allowed by the last `allow` glob, and one in ten is hidden by a `deny` glob.
pub fn env_policy() -> String {
    let mut allow: Vec<String> = (0..49).map(|i| format!("\"APP{i}_*\"")).collect();
    allow.push("\"VAR_*\"".into());
    let mut deny: Vec<String> = vec![
        "\"*TOKEN*\"".into(),
        "\"*SECRET*\"".into(),
        "\"*PASSWORD*\"".into(),
        "\"*_KEY\"".into(),
        "\"AWS_*\"".into(),
    ];
    deny.extend((0..44).map(|i| format!("\"*_DENY{i}_*\"")));
    deny.push("\"VAR_???9\"".into());
    format!(
        "{{\"env\": {{\"allow\": [{}], \"deny\": [{}]}}}}",
        allow.join(", "),
        deny.join(", ")
    )
}

/// The host environment of the environment benchmark.
fn env_vars(n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| {
            (
                format!("VAR_{i:04}"),
                format!("value of variable number {i}"),
            )
        })
        .collect()
}

/// The goal a ratio is held to.
#[derive(Clone, Copy, Debug)]
pub enum Goal {
    /// The median ratio must not exceed this.
    AtMost(f64),
    /// The median ratio must be within this of 1.00 (noise).
    NearOne(f64),
    /// Reported, no goal.
    Report,
}

impl Goal {
    fn to_json(self) -> Value {
        match self {
            Goal::AtMost(x) => json!({"kind": "at-most", "value": x, "text": format!("<= {x:.2}")}),
            Goal::NearOne(x) => {
                json!({"kind": "near-one", "value": x, "text": format!("1.00 ± {x:.2}")})
            }
            Goal::Report => json!({"kind": "report", "text": "report"}),
        }
    }

    fn met(self, ratio: f64) -> Option<bool> {
        match self {
            Goal::AtMost(x) => Some(ratio <= x),
            Goal::NearOne(x) => Some((ratio - 1.0).abs() <= x),
            Goal::Report => None,
        }
    }
}

fn min(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::INFINITY, f64::min)
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// Which benchmarks to run: all, or those whose group id (`read`, `meta`, `env`, `clocks`,
/// `cpu`, `instantiate`, `stdout`, `p3`, `compose`) is listed.
#[derive(Clone, Debug, Default)]
pub struct Filter(pub Vec<String>);

impl Filter {
    fn wants(&self, group: &str) -> bool {
        self.0.is_empty() || self.0.iter().any(|f| f == group)
    }
}

/// One component compiled for both sides of a comparison.
struct Side {
    component: Component,
    /// The adapters plugged in (composed side only).
    plugged: Vec<String>,
    /// Where the app's `wasi:cli/stdout` leads (`Composition::routes`, as `Host`,
    /// `Adapter("stdio")`...), if it imports it.
    stdout_route: Option<String>,
}

/// How one run of a case is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum How {
    /// `Runner::run_compiled`: instantiate and run, output captured.
    Run,
    /// Instantiate up to where `wasi:cli/run` could be called, and stop ([`BenchHost`]).
    ToEntry,
    /// Instantiate and run with stdout discarded by the host ([`BenchHost`]); the app's line is
    /// on stderr.
    StdoutDiscarded,
}

struct Suite<'a> {
    mode: &'a Mode,
    runner: Runner,
    host: BenchHost,
    direct: Component,
    fixture: tempfile::TempDir,
    rows: Vec<Value>,
    log: bool,
}

/// A comparison: the same arguments and host grants, direct and composed.
struct Case<'a> {
    group: &'static str,
    id: String,
    title: String,
    size: String,
    policy: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
    composed: std::result::Result<&'a Side, String>,
    batch: usize,
    samples: usize,
    how: How,
    goal: Goal,
    /// Whether both sides must print the same line (not when the policy changes what the app
    /// sees, as with the environment or frozen clocks).
    same_output: bool,
}

impl Suite<'_> {
    fn options(&self, args: &[String], env: &[(String, String)]) -> RunOptions {
        let mut all = vec!["bench_app".to_owned()];
        all.extend(args.iter().cloned());
        RunOptions {
            args: all,
            env: env.to_vec(),
            inherit_env: false,
            preopens: vec![Preopen {
                host: self.fixture.path().to_owned(),
                guest: "/data".into(),
                writable: true,
            }],
            stdio: Stdio::Capture,
            ..RunOptions::default()
        }
    }

    /// Runs `component` `batch` times; returns seconds per run and the app's output line.
    fn time(
        &self,
        component: &Component,
        options: &RunOptions,
        batch: usize,
        how: How,
    ) -> Result<(f64, String)> {
        match how {
            How::Run => {}
            How::ToEntry => {
                let seconds = self.host.time_to_entry(component, options, batch)?;
                return Ok((seconds, String::new()));
            }
            How::StdoutDiscarded => return self.host.time_stdout(component, options, batch),
        }
        let mut line = String::new();
        let start = Instant::now();
        for _ in 0..batch {
            let outcome = self
                .runner
                .run_compiled(component, options)
                .map_err(|e| anyhow!("{e}"))?;
            if outcome.exit_code != 0 || outcome.trap.is_some() {
                bail!(
                    "the app failed (exit {}): {}{}",
                    outcome.exit_code,
                    outcome.trap.unwrap_or_default(),
                    String::from_utf8_lossy(&outcome.stderr)
                );
            }
            line = String::from_utf8_lossy(&outcome.stdout).trim().to_owned();
        }
        Ok((start.elapsed().as_secs_f64() / batch as f64, line))
    }

    fn measure(&mut self, case: Case<'_>) -> Result<()> {
        let direct = self.direct.clone();
        self.measure_with(&direct, case)
    }

    /// [`Self::measure`] with another app than the bench app on the direct side.
    fn measure_with(&mut self, direct_app: &Component, case: Case<'_>) -> Result<()> {
        let options = self.options(&case.args, &case.env);
        let mut row = json!({
            "group": case.group,
            "id": case.id,
            "title": case.title,
            "size": case.size,
            "policy": case.policy,
            "goal": case.goal.to_json(),
            "batch": case.batch,
            "samples": case.samples,
        });
        let composed = match case.composed {
            Ok(side) => side,
            Err(reason) => {
                // Still measure the direct side, so the row says what the host costs.
                let mut direct = Vec::new();
                for _ in 0..self.mode.warmup {
                    self.time(direct_app, &options, case.batch, case.how)?;
                }
                for _ in 0..case.samples {
                    direct.push(self.time(direct_app, &options, case.batch, case.how)?.0);
                }
                row["direct_s"] = json!(direct);
                row["direct_min_s"] = json!(min(&direct));
                row["direct_median_s"] = json!(median(&direct));
                row["status"] = json!("not available");
                row["note"] = json!(reason);
                self.log_row(&row);
                self.rows.push(row);
                return Ok(());
            }
        };
        row["plugged"] = json!(composed.plugged);
        for _ in 0..self.mode.warmup {
            self.time(direct_app, &options, case.batch, case.how)?;
            self.time(&composed.component, &options, case.batch, case.how)?;
        }
        let (mut direct, mut composed_s, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        let (mut direct_line, mut composed_line) = (String::new(), String::new());
        for sample in 0..case.samples {
            // Alternate which side goes first, so drift and cache effects hit both alike.
            let (d, c) = if sample % 2 == 0 {
                let d = self.time(direct_app, &options, case.batch, case.how)?;
                let c = self.time(&composed.component, &options, case.batch, case.how)?;
                (d, c)
            } else {
                let c = self.time(&composed.component, &options, case.batch, case.how)?;
                let d = self.time(direct_app, &options, case.batch, case.how)?;
                (d, c)
            };
            direct.push(d.0);
            composed_s.push(c.0);
            ratios.push(c.0 / d.0);
            (direct_line, composed_line) = (d.1, c.1);
        }
        if case.same_output && direct_line != composed_line {
            bail!(
                "{}: the composed app printed {composed_line:?}, the direct one {direct_line:?}",
                case.id
            );
        }
        let ratio_median = median(&ratios);
        let met = case.goal.met(ratio_median);
        row["direct_s"] = json!(direct);
        row["composed_s"] = json!(composed_s);
        row["direct_min_s"] = json!(min(&direct));
        row["direct_median_s"] = json!(median(&direct));
        row["composed_min_s"] = json!(min(&composed_s));
        row["composed_median_s"] = json!(median(&composed_s));
        row["ratio_min"] = json!(min(&ratios));
        row["ratio_median"] = json!(ratio_median);
        row["output"] = json!({"direct": direct_line, "composed": composed_line});
        row["status"] = json!(match met {
            Some(true) => "met",
            Some(false) => "missed",
            None => "report",
        });
        self.log_row(&row);
        self.rows.push(row);
        Ok(())
    }

    fn log_row(&self, row: &Value) {
        if !self.log {
            return;
        }
        let ms = |key: &str| {
            row[key]
                .as_f64()
                .map_or("-".into(), |s| format!("{:.3}", s * 1e3))
        };
        eprintln!(
            "{:<28} direct {:>10} ms  composed {:>10} ms  ratio min {:>6} median {:>6}  {}",
            row["id"].as_str().unwrap_or(""),
            ms("direct_median_s"),
            ms("composed_median_s"),
            row["ratio_min"]
                .as_f64()
                .map_or("-".into(), |r| format!("{r:.3}")),
            row["ratio_median"]
                .as_f64()
                .map_or("-".into(), |r| format!("{r:.3}")),
            row["status"].as_str().unwrap_or(""),
        );
    }
}

/// The store's data for [`BenchHost`].
struct HostState {
    ctx: WasiCtx,
    table: ResourceTable,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

/// The host of the benchmarks that `interpose::Runner` cannot run as they need: instantiating
/// without running (section 6) and running with stdout discarded (section 8). It is the host side
/// of `Runner`: the same engine, `wasmtime-wasi`'s synchronous WASI 0.2 linker, the same grants.
/// Like `Runner::run_compiled`, it resolves each component's imports once (`CommandPre`, when the
/// component is first timed, outside the timing) and instantiates from that, the same for both
/// sides, so what is timed is instantiation proper.
struct BenchHost {
    engine: Engine,
    linker: Linker<HostState>,
    /// The components prepared so far, by where their compiled code starts.
    prepared: RefCell<Vec<(usize, CommandPre<HostState>)>>,
    /// Where discarded stdout goes: `/dev/null`, written on the calling thread, one `write(2)` per
    /// `wasi:io/streams.write` (the kernel drops the bytes without copying them).
    null: OutputFile,
}

impl BenchHost {
    fn new(runner: &Runner) -> Result<Self> {
        let mut linker = Linker::new(runner.engine());
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(|e| anyhow!("{e:#}"))?;
        let null = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/null")
            .context("opening /dev/null")?;
        Ok(BenchHost {
            engine: runner.engine().clone(),
            linker,
            prepared: RefCell::new(Vec::new()),
            null: OutputFile::new(null),
        })
    }

    /// `component` with its imports resolved: prepared now the first time, then reused.
    fn pre(&self, component: &Component) -> Result<CommandPre<HostState>> {
        let code = component.image_range().start as usize;
        if let Some((_, pre)) = self.prepared.borrow().iter().find(|(c, _)| *c == code) {
            return Ok(pre.clone());
        }
        let pre = self
            .linker
            .instantiate_pre(component)
            .map_err(|e| anyhow!("{e:#}"))?;
        let pre = CommandPre::new(pre).map_err(|e| anyhow!("{e:#}"))?;
        self.prepared.borrow_mut().push((code, pre.clone()));
        Ok(pre)
    }

    /// What `Runner` grants: arguments, variables, preopens, filesystem calls on this thread.
    fn builder(options: &RunOptions) -> Result<WasiCtxBuilder> {
        let mut builder = WasiCtx::builder();
        builder.allow_blocking_current_thread(true);
        builder.args(&options.args).envs(&options.env);
        for preopen in &options.preopens {
            let perms = if preopen.writable {
                wasmtime_wasi::FsPerms::ReadWrite
            } else {
                wasmtime_wasi::FsPerms::ReadOnly
            };
            builder
                .preopened_dir(&preopen.host, &preopen.guest, perms)
                .map_err(|e| anyhow!("{e:#}"))?;
        }
        Ok(builder)
    }

    fn store(&self, builder: &mut WasiCtxBuilder) -> Store<HostState> {
        let state = HostState {
            ctx: builder.build(),
            table: ResourceTable::new(),
        };
        Store::new(&self.engine, state)
    }

    /// Seconds per instantiation, over `batch` instantiations.
    fn time_to_entry(
        &self,
        component: &Component,
        options: &RunOptions,
        batch: usize,
    ) -> Result<f64> {
        let pre = self.pre(component)?;
        let start = Instant::now();
        for _ in 0..batch {
            let mut store = self.store(&mut Self::builder(options)?);
            let command = pre.instantiate(&mut store).map_err(|e| anyhow!("{e:#}"))?;
            std::hint::black_box(command.wasi_cli_run());
        }
        Ok(start.elapsed().as_secs_f64() / batch as f64)
    }

    /// Runs a prepared component once with `stdout` as its stdout; returns what it wrote to
    /// stderr.
    fn run(
        &self,
        pre: &CommandPre<HostState>,
        options: &RunOptions,
        stdout: impl StdoutStream + 'static,
    ) -> Result<String> {
        let stderr = MemoryOutputPipe::new(usize::MAX);
        let mut builder = Self::builder(options)?;
        builder.stdout(stdout).stderr(stderr.clone());
        let mut store = self.store(&mut builder);
        let command = pre.instantiate(&mut store).map_err(|e| anyhow!("{e:#}"))?;
        let outcome = command.wasi_cli_run().call_run(&mut store);
        let text = String::from_utf8_lossy(&stderr.contents())
            .trim()
            .to_owned();
        match outcome {
            Ok(Ok(())) => Ok(text),
            Ok(Err(())) => bail!("the app failed: {text}"),
            Err(e) => bail!("the app trapped: {e:?}\n{text}"),
        }
    }

    /// Seconds per run with stdout discarded, over `batch` runs, and the app's line (on stderr).
    fn time_stdout(
        &self,
        component: &Component,
        options: &RunOptions,
        batch: usize,
    ) -> Result<(f64, String)> {
        let pre = self.pre(component)?;
        let mut line = String::new();
        let start = Instant::now();
        for _ in 0..batch {
            line = self.run(&pre, options, self.null.clone())?;
        }
        Ok((start.elapsed().as_secs_f64() / batch as f64, line))
    }

    /// Runs `component` (the bench app, `write-stdout BYTES` in `options`) with its stdout kept,
    /// and checks that the host received `bytes` bytes: that stdout is not a null stream.
    fn check_stdout(&self, component: &Component, options: &RunOptions, bytes: u64) -> Result<()> {
        let kept = MemoryOutputPipe::new(usize::MAX);
        let pre = self.pre(component)?;
        let line = self.run(&pre, options, kept.clone())?;
        let received = kept.contents().len() as u64;
        if received != bytes {
            bail!("the app wrote {bytes} bytes to stdout, the host received {received} ({line})");
        }
        Ok(())
    }
}

/// Composes the bench app with `policy` and compiles it.
fn side(runner: &Runner, policy: &Policy) -> Result<Side> {
    side_of(runner, policy, BENCH_APP)
}

/// Composes `app` with `policy` and compiles it.
fn side_of(runner: &Runner, policy: &Policy, app: &[u8]) -> Result<Side> {
    let composition = Composer::new(policy.clone())
        .compose(app)
        .map_err(|e| anyhow!("{e}"))?;
    let plugged = composition.plugged();
    if plugged.is_empty() {
        bail!("the policy plugs no adapter in front of the app");
    }
    let stdout_route = composition
        .routes
        .iter()
        .find(|(import, _)| import.starts_with("wasi:cli/stdout@"))
        .map(|(_, route)| format!("{route:?}"));
    let component = runner
        .compile(&composition.component)
        .map_err(|e| anyhow!("{e}"))?;
    Ok(Side {
        component,
        plugged: plugged.into_iter().map(|(name, _)| name).collect(),
        stdout_route,
    })
}

fn parse(json: &str, origin: &str) -> Result<Policy> {
    Policy::parse(json, origin).map_err(|e| anyhow!("{e}"))
}

/// The clocks/random policy: the built-in `deterministic` if there is one, else the issue's.
fn deterministic_policy() -> std::result::Result<(String, Policy), String> {
    if let Some((_, text)) = BUILTINS.iter().find(|(name, _)| *name == "deterministic") {
        return Policy::parse(text, "<builtin deterministic>")
            .map(|p| ("deterministic".to_owned(), p))
            .map_err(|e| e.to_string());
    }
    Policy::parse(DETERMINISTIC, "<bench>")
        .map(|p| (DETERMINISTIC.to_owned(), p))
        .map_err(|e| e.to_string())
}

/// Writes the fixture: `docs/big.bin` (real bytes, not sparse) and `many/f00000.txt`...
fn fixture(mode: &Mode, files: bool) -> Result<tempfile::TempDir> {
    use std::io::Write;
    let dir = tempfile::Builder::new()
        .prefix("interpose-bench-")
        .tempdir()?;
    if !files {
        return Ok(dir);
    }
    std::fs::create_dir_all(dir.path().join("docs"))?;
    let mut chunk = vec![0u8; MIB as usize];
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    for byte in chunk.iter_mut() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        *byte = state as u8;
    }
    let mut big = std::io::BufWriter::new(std::fs::File::create(dir.path().join("docs/big.bin"))?);
    let mut left = mode.read_bytes;
    let mut n = 0u8;
    while left > 0 {
        chunk[0] = n;
        n = n.wrapping_add(1);
        let len = left.min(MIB) as usize;
        big.write_all(&chunk[..len])?;
        left -= len as u64;
    }
    big.flush()?;
    let many = dir.path().join("many");
    std::fs::create_dir_all(&many)?;
    for i in 0..mode.files {
        std::fs::write(many.join(format!("f{i:05}.txt")), format!("file {i}\n"))?;
    }
    Ok(dir)
}

fn human_bytes(bytes: u64) -> String {
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    } else if bytes >= 1024 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

/// Runs the suite and returns the results document (what `target/bench-results.json` holds).
/// `peak_exe` is the `compose-peak` helper binary, run in a fresh process to measure the peak
/// memory of one composition.
pub fn run(mode: &Mode, filter: &Filter, peak_exe: &Path, log: bool) -> Result<Value> {
    let started = Instant::now();
    let runner = Runner::new().map_err(|e| anyhow!("{e}"))?;
    let direct = runner.compile(BENCH_APP).map_err(|e| anyhow!("{e}"))?;
    let host = BenchHost::new(&runner)?;
    let mut suite = Suite {
        mode,
        host,
        direct,
        fixture: fixture(
            mode,
            filter.wants("read") || filter.wants("meta") || filter.wants("p3"),
        )?,
        rows: Vec::new(),
        log,
        runner,
    };
    let load_before = loadavg();

    let readonly = parse(READONLY, "<bench readonly>")?;
    let path20 = parse(PATH20, "<bench path20>")?;
    let env_and_fs = parse(ENV_AND_FS, "<bench env+fs>")?;

    // 1. Streamed file read.
    let ro = if filter.wants("read") || filter.wants("meta") {
        Some(side(&suite.runner, &readonly)?)
    } else {
        None
    };
    let paths = if filter.wants("read") || filter.wants("meta") {
        Some(side(&suite.runner, &path20)?)
    } else {
        None
    };
    let samples = mode.samples;
    if let (true, Some(ro), Some(paths)) = (filter.wants("read"), &ro, &paths) {
        for (id, label, composed) in [
            ("read-readonly", "readonly.json", ro),
            ("read-path20", "20 path globs", paths),
        ] {
            suite.measure(Case {
                group: "read",
                id: id.into(),
                title: "Streamed file read (read-via-stream, 64 KiB chunks)".into(),
                size: human_bytes(mode.read_bytes),
                policy: label.into(),
                args: vec!["read".into(), "docs/big.bin".into()],
                env: Vec::new(),
                composed: Ok(composed),
                batch: mode.read_batch,
                // Cheap and the tightest goal: twice the samples.
                samples: samples * 2,
                how: How::Run,
                goal: Goal::AtMost(1.02),
                same_output: true,
            })?;
        }
    }

    // 2. Metadata heavy; with readonly.json (no globs) too, the cost of the extra component
    // hop alone.
    if let (true, Some(ro), Some(paths)) = (filter.wants("meta"), &ro, &paths) {
        for (suffix, label, composed, goal) in [
            ("path20", "20 path globs", paths, Goal::AtMost(1.2)),
            ("readonly", "readonly.json (no globs)", ro, Goal::Report),
        ] {
            suite.measure(Case {
                group: "meta",
                id: format!("meta-open-stat-close-{suffix}"),
                title: "Open + stat + close of small files".into(),
                size: format!("{} files", mode.files),
                policy: label.into(),
                args: vec!["stat".into(), "many".into(), mode.files.to_string()],
                env: Vec::new(),
                composed: Ok(composed),
                batch: 1,
                samples,
                how: How::Run,
                goal,
                same_output: true,
            })?;
            suite.measure(Case {
                group: "meta",
                id: format!("meta-read-directory-{suffix}"),
                title: "read-directory of one large directory".into(),
                size: format!("{} entries", mode.files),
                policy: label.into(),
                args: vec!["ls".into(), "many".into()],
                env: Vec::new(),
                composed: Ok(composed),
                batch: 1,
                samples,
                how: How::Run,
                goal,
                same_output: true,
            })?;
        }
    }

    // 3. Environment; with one `allow: ["*"]` glob too, the cost of the extra hop alone. Few
    // samples: a slow adapter would make this the longest benchmark by far.
    if filter.wants("env") {
        for (suffix, label, json, goal) in [
            (
                "globs100",
                "50 allow + 50 deny globs",
                env_policy(),
                Goal::AtMost(1.5),
            ),
            (
                "allow-all",
                "allow: [\"*\"]",
                r#"{"env": {"allow": ["*"]}}"#.to_owned(),
                Goal::Report,
            ),
        ] {
            let policy = parse(&json, "<bench env>")?;
            let composed = side(&suite.runner, &policy)?;
            suite.measure(Case {
                group: "env",
                id: format!("env-get-environment-{suffix}"),
                title: "get-environment".into(),
                size: format!("{} variables, {} calls", mode.env_vars, mode.env_calls),
                policy: label.into(),
                args: vec!["env".into(), mode.env_calls.to_string()],
                env: env_vars(mode.env_vars),
                composed: Ok(&composed),
                batch: 1,
                samples: samples.min(5),
                how: How::Run,
                goal,
                same_output: false,
            })?;
        }
    }

    // 4. Clocks and random.
    if filter.wants("clocks") {
        let (label, composed) = match deterministic_policy() {
            Ok((label, policy)) => (
                label,
                side(&suite.runner, &policy).map_err(|e| format!("{e:#}")),
            ),
            Err(e) => (
                DETERMINISTIC.to_owned(),
                Err(format!("the clocks/random policy does not parse: {e}")),
            ),
        };
        for (mode_arg, id, title) in [
            ("wall", "clocks-wall-now", "wall-clock now"),
            ("mono", "clocks-monotonic-now", "monotonic-clock now"),
            ("random", "random-u64", "get-random-u64"),
        ] {
            suite.measure(Case {
                group: "clocks",
                id: id.into(),
                title: title.into(),
                size: format!("{} calls", mode.clock_calls),
                policy: label.clone(),
                args: vec![mode_arg.into(), mode.clock_calls.to_string()],
                env: Vec::new(),
                composed: composed.as_ref().map_err(Clone::clone),
                batch: 1,
                samples,
                how: How::Run,
                goal: Goal::Report,
                same_output: false,
            })?;
        }
    }

    // 5. CPU-bound, no attenuated call in the hot loop; and 6. instantiation.
    let all = if filter.wants("cpu") || filter.wants("instantiate") {
        Some(side(&suite.runner, &env_and_fs)?)
    } else {
        None
    };
    if let (true, Some(all)) = (filter.wants("cpu"), &all) {
        suite.measure(Case {
            group: "cpu",
            id: "cpu-bound".into(),
            title: "CPU-bound loop, no WASI call in it".into(),
            size: format!("{} rounds over 64 KiB", mode.cpu_rounds),
            policy: "env + fs adapters".into(),
            args: vec!["cpu".into(), mode.cpu_rounds.to_string()],
            env: Vec::new(),
            composed: Ok(all),
            batch: 1,
            samples,
            how: How::Run,
            goal: Goal::NearOne(0.03),
            same_output: true,
        })?;
    }
    let mut sizes = Vec::new();
    if let (true, Some(all)) = (filter.wants("instantiate"), &all) {
        let mut builtins: Vec<(String, Side)> = Vec::new();
        for (name, text) in BUILTINS {
            let policy = parse(text, &format!("<builtin {name}>"))?;
            match side(&suite.runner, &policy) {
                Ok(s) => builtins.push((format!("{name}.json"), s)),
                Err(e) => eprintln!("instantiate: skipping builtin {name}: {e:#}"),
            }
        }
        let cases = builtins
            .iter()
            .map(|(label, side)| (label.clone(), side))
            .chain([("env + fs adapters".to_owned(), all)]);
        for (label, composed) in cases {
            for (suffix, title, how) in [
                (
                    "entry",
                    "Instantiate a compiled component, up to wasi:cli/run",
                    How::ToEntry,
                ),
                ("noop", "Instantiate and run an empty main", How::Run),
            ] {
                suite.measure(Case {
                    group: "instantiate",
                    id: format!("instantiate-{suffix} {label}"),
                    title: title.into(),
                    size: format!("{} per sample", mode.instantiate_batch),
                    policy: label.clone(),
                    args: vec!["noop".into()],
                    env: Vec::new(),
                    composed: Ok(composed),
                    batch: mode.instantiate_batch,
                    samples,
                    how,
                    goal: Goal::AtMost(1.10),
                    same_output: true,
                })?;
            }
        }
        sizes = size_rows()?;
    }

    // 8. Standard output, discarded by the host: through the `stdio` adapter (one more copy of
    // every write) and straight to the host's stream (zero-copy).
    if filter.wants("stdout") {
        let builtin = |name: &str| -> Result<Policy> {
            let (_, text) = BUILTINS
                .iter()
                .find(|(builtin, _)| *builtin == name)
                .ok_or_else(|| anyhow!("no built-in policy {name}"))?;
            parse(text, &format!("<builtin {name}>"))
        };
        let via_stdio = "Adapter(\"stdio\")";
        let cases = [
            (
                "no-secrets",
                "no-secrets.json (stdout: the host's)",
                builtin("no-secrets")?,
                "Host",
            ),
            (
                "stdin-fs-denied",
                "stdin and fs denied (stdout: the `stdio` adapter's)",
                parse(STDIN_FS_DENIED, "<bench stdin+fs denied>")?,
                via_stdio,
            ),
            (
                "hermetic",
                "hermetic.json (stdout: the `stdio` adapter's)",
                builtin("hermetic")?,
                via_stdio,
            ),
        ];
        let check_bytes = mode.stdout_bytes.min(MIB);
        let check = suite.options(&["write-stdout".into(), check_bytes.to_string()], &[]);
        suite
            .host
            .check_stdout(&suite.direct, &check, check_bytes)
            .context("stdout, direct")?;
        for (id, label, policy, expected) in cases {
            let composed = side(&suite.runner, &policy)?;
            if composed.stdout_route.as_deref() != Some(expected) {
                bail!(
                    "stdout under {label}: routed to {:?}, expected {expected}",
                    composed.stdout_route
                );
            }
            suite
                .host
                .check_stdout(&composed.component, &check, check_bytes)
                .with_context(|| format!("stdout under {label}"))?;
            suite.measure(Case {
                group: "stdout",
                id: format!("stdout-{id}"),
                title: "Write to stdout (64 KiB writes), discarded by the host".into(),
                size: human_bytes(mode.stdout_bytes),
                policy: label.into(),
                args: vec!["write-stdout".into(), mode.stdout_bytes.to_string()],
                env: Vec::new(),
                composed: Ok(&composed),
                batch: mode.read_batch,
                samples: samples * 2,
                how: How::StdoutDiscarded,
                goal: Goal::Report,
                same_output: true,
            })?;
        }
    }

    // 9. A WASI 0.3 app (built with the `wasip3` crate, importing 0.3 and std's 0.2): the
    // same rows for its 0.3 adapters as groups 4 and 6 give the 0.2 ones.
    if filter.wants("p3") {
        let direct_p3 = suite
            .runner
            .compile(interpose_tests::programs::P3)
            .map_err(|e| anyhow!("{e}"))?;
        let (label, deterministic) =
            deterministic_policy().map_err(|e| anyhow!("deterministic: {e}"))?;
        let no_secrets = parse(
            BUILTINS
                .iter()
                .find(|(name, _)| *name == "no-secrets")
                .map(|(_, text)| *text)
                .ok_or_else(|| anyhow!("no built-in no-secrets"))?,
            "<builtin no-secrets>",
        )?;
        let deterministic = side_of(&suite.runner, &deterministic, interpose_tests::programs::P3)?;
        let no_secrets = side_of(&suite.runner, &no_secrets, interpose_tests::programs::P3)?;
        let readonly_p3 = side_of(&suite.runner, &readonly, interpose_tests::programs::P3)?;
        let path20_p3 = side_of(&suite.runner, &path20, interpose_tests::programs::P3)?;
        let files = mode.files.to_string();
        // Files through 0.3 (`fs-p3`, `fs-paths-p3`): the rows of groups 1 and 2. The file's
        // stream is the host's, so a read should cost what it costs directly.
        for (suffix, label, composed, goal) in [
            (
                "readonly",
                "readonly.json",
                &readonly_p3,
                Goal::AtMost(1.02),
            ),
            ("path20", "20 path globs", &path20_p3, Goal::Report),
        ] {
            suite.measure_with(
                &direct_p3,
                Case {
                    group: "p3",
                    id: format!("p3-read-{suffix}"),
                    title: "Streamed file read through 0.3 (read-via-stream, 64 KiB reads)".into(),
                    size: human_bytes(mode.read_bytes),
                    policy: label.into(),
                    args: vec!["read-bytes".into(), "/data/docs/big.bin".into()],
                    env: Vec::new(),
                    composed: Ok(composed),
                    batch: mode.read_batch,
                    samples: samples * 2,
                    how: How::Run,
                    goal,
                    same_output: true,
                },
            )?;
            for (id, title, size, args) in [
                (
                    "open-stat-close",
                    "Open + stat + close of small files through 0.3",
                    format!("{} files", mode.files),
                    vec!["stat-many", "/data/many", &files],
                ),
                (
                    "read-directory",
                    "read-directory of one large directory through 0.3",
                    format!("{} entries", mode.files),
                    vec!["list-count", "/data/many"],
                ),
            ] {
                suite.measure_with(
                    &direct_p3,
                    Case {
                        group: "p3",
                        id: format!("p3-meta-{id}-{suffix}"),
                        title: title.into(),
                        size,
                        policy: label.into(),
                        args: args.into_iter().map(String::from).collect(),
                        env: Vec::new(),
                        composed: Ok(composed),
                        batch: 1,
                        samples,
                        how: How::Run,
                        goal: Goal::Report,
                        same_output: true,
                    },
                )?;
            }
        }
        for (id, title, args, policy, composed, batch) in [
            (
                "p3-instantiate-env",
                "Instantiate, read the environment through 0.3 and 0.2, exit",
                vec!["env".to_owned()],
                "no-secrets.json",
                &no_secrets,
                mode.instantiate_batch,
            ),
            (
                "p3-instantiate-random",
                "Instantiate, draw random bytes through 0.3 and 0.2, exit",
                vec!["random".to_owned()],
                label.as_str(),
                &deterministic,
                mode.instantiate_batch,
            ),
        ] {
            suite.measure_with(
                &direct_p3,
                Case {
                    group: "p3",
                    id: id.into(),
                    title: title.into(),
                    size: format!("{batch} per sample"),
                    policy: policy.into(),
                    args,
                    env: Vec::new(),
                    composed: Ok(composed),
                    batch,
                    samples,
                    how: How::Run,
                    goal: Goal::Report,
                    same_output: false,
                },
            )?;
        }
    }

    // 7. Compose time and peak memory.
    let compose = if filter.wants("compose") {
        compose_rows(mode, &env_and_fs, ENV_AND_FS, peak_exe, log)?
    } else {
        Vec::new()
    };

    let load_after = loadavg();
    Ok(json!({
        "mode": mode.name,
        "sizes_parameters": {
            "read_bytes": mode.read_bytes, "files": mode.files, "env_vars": mode.env_vars,
            "env_calls": mode.env_calls, "clock_calls": mode.clock_calls,
            "cpu_rounds": mode.cpu_rounds, "stdout_bytes": mode.stdout_bytes,
            "samples": mode.samples, "warmup": mode.warmup,
        },
        "environment": environment(load_before, load_after),
        "duration_s": started.elapsed().as_secs_f64(),
        "rows": suite.rows,
        "sizes": sizes,
        "compose": compose,
    }))
}

/// The bytes each adapter adds, and what composing the bench app under each built-in policy
/// adds in total.
fn size_rows() -> Result<Vec<Value>> {
    let mut rows = Vec::new();
    for adapter in interpose::adapters::ALL {
        let mut row = anatomy(adapter.component.bytes);
        row["kind"] = json!("adapter");
        row["name"] = json!(adapter.name);
        row["bytes"] = json!(adapter.component.bytes.len());
        rows.push(row);
    }
    for (name, text) in BUILTINS {
        let policy = parse(text, &format!("<builtin {name}>"))?;
        let composition = match Composer::new(policy).compose(BENCH_APP) {
            Ok(c) => c,
            Err(e) => {
                rows.push(json!({"kind": "policy", "name": name, "error": e.to_string()}));
                continue;
            }
        };
        let added = composition.component.len() as i64 - BENCH_APP.len() as i64;
        let (app_modules, app_memories) = core_counts(BENCH_APP);
        let (modules, memories) = core_counts(&composition.component);
        let goal = (*name == "readonly").then_some(100_000);
        rows.push(json!({
            "kind": "policy",
            "name": format!("{name}.json"),
            "app_bytes": BENCH_APP.len(),
            "composed_bytes": composition.component.len(),
            "added_bytes": added,
            "plugged": composition.plugged().into_iter().map(|(a, _)| a).collect::<Vec<_>>(),
            "app_core_modules": app_modules,
            "app_memories": app_memories,
            "composed_core_modules": modules,
            "composed_memories": memories,
            "goal_bytes": goal,
            "status": goal.map(|g| if added < g { "met" } else { "missed" }),
        }));
    }
    Ok(rows)
}

/// Where a component's bytes are: its core modules' code and data sections, custom sections
/// (names, producers) at any depth, and the rest (component-level types, aliases, instances,
/// canonical functions; core types, imports, exports, names).
pub fn anatomy(component: &[u8]) -> Value {
    use wasmparser::Payload;
    let (mut code, mut data, mut custom) = (0u64, 0u64, 0u64);
    let mut custom_names: Vec<String> = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(component) {
        match payload {
            Ok(Payload::CodeSectionStart { size, .. }) => code += u64::from(size),
            Ok(Payload::DataSection(reader)) => data += reader.range().end - reader.range().start,
            Ok(Payload::CustomSection(reader)) => {
                custom += reader.range().end - reader.range().start;
                if !custom_names.iter().any(|n| n == reader.name()) {
                    custom_names.push(reader.name().to_owned());
                }
            }
            _ => {}
        }
    }
    json!({
        "code_bytes": code,
        "data_bytes": data,
        "custom_bytes": custom,
        "custom_names": custom_names,
        "other_bytes": (component.len() as u64).saturating_sub(code + data + custom),
    })
}

/// How many core modules a component holds and how many linear memories they define: each
/// memory is mapped at instantiation and unmapped when the instance goes away.
pub fn core_counts(component: &[u8]) -> (u32, u32) {
    let (mut modules, mut memories) = (0, 0);
    for payload in wasmparser::Parser::new(0).parse_all(component) {
        match payload {
            Ok(wasmparser::Payload::ModuleSection { .. }) => modules += 1,
            Ok(wasmparser::Payload::MemorySection(reader)) => memories += reader.count(),
            _ => {}
        }
    }
    (modules, memories)
}

/// `app` with a custom section of `padding` bytes appended (still a valid component).
pub fn padded(app: &[u8], padding: usize) -> Vec<u8> {
    use wasm_encoder::ComponentSection;
    let mut bytes = app.to_vec();
    if padding == 0 {
        return bytes;
    }
    let mut data = vec![0u8; padding];
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for chunk in data.chunks_mut(8) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let len = chunk.len();
        chunk.copy_from_slice(&state.to_le_bytes()[..len]);
    }
    wasm_encoder::CustomSection {
        name: "interpose-bench-padding".into(),
        data: data.into(),
    }
    .append_to_component(&mut bytes);
    bytes
}

fn compose_rows(
    mode: &Mode,
    policy: &Policy,
    policy_json: &str,
    peak_exe: &Path,
    log: bool,
) -> Result<Vec<Value>> {
    let composer = Composer::new(policy.clone());
    let dir = tempfile::tempdir()?;
    let app_path = dir.path().join("bench_app.wasm");
    std::fs::write(&app_path, BENCH_APP)?;
    let mut rows = Vec::new();
    let inputs = [0, mode.compose_padding[0], mode.compose_padding[1]];
    for padding in inputs {
        let input = padded(BENCH_APP, padding);
        let validate = || {
            wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
                .validate_all(&input)
                .map(drop)
        };
        validate().context("the padded input does not validate")?;
        composer
            .compose(&input)
            .map_err(|e| anyhow!("{e}"))
            .context("composing the padded input")?;
        let (mut compose_s, mut validate_s, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        let mut output_bytes = 0;
        for sample in 0..mode.samples.max(3) {
            let time = |f: &dyn Fn() -> usize| {
                let start = Instant::now();
                let n = f();
                (start.elapsed().as_secs_f64(), n)
            };
            let run_compose = || {
                composer
                    .compose(&input)
                    .expect("composed above")
                    .component
                    .len()
            };
            let run_validate = || {
                validate().expect("validated above");
                0
            };
            let (c, v) = if sample % 2 == 0 {
                let c = time(&run_compose);
                (c, time(&run_validate))
            } else {
                let v = time(&run_validate);
                (time(&run_compose), v)
            };
            output_bytes = c.1;
            compose_s.push(c.0);
            validate_s.push(v.0);
            ratios.push(c.0 / v.0);
        }
        let peak = peak_memory(peak_exe, &app_path, padding, policy_json)?;
        let fresh_s = peak["compose_s"].as_f64().unwrap_or(f64::INFINITY);
        let row = json!({
            "input": if padding == 0 { "bench_app".to_owned() } else {
                format!("bench_app + {} custom section", human_bytes(padding as u64))
            },
            "input_bytes": input.len(),
            "output_bytes": output_bytes,
            "compose_s": compose_s,
            "compose_min_s": min(&compose_s),
            "compose_median_s": median(&compose_s),
            "validate_median_s": median(&validate_s),
            "ratio_min": min(&ratios),
            "ratio_median": median(&ratios),
            "peak": peak,
            "goal_s": 0.1,
            // `interpose compose` composes once per process: hold the fresh-process time to the
            // goal too.
            "status": if median(&compose_s).max(fresh_s) < 0.1 { "met" } else { "missed" },
        });
        if log {
            eprintln!(
                "compose {:<40} {:>9} bytes  {:>8.2} ms (validation alone {:.2} ms)  peak RSS {} KiB",
                row["input"].as_str().unwrap_or(""),
                input.len(),
                median(&compose_s) * 1e3,
                median(&validate_s) * 1e3,
                row["peak"]["peak_kib"]
            );
        }
        rows.push(row);
    }
    Ok(rows)
}

/// Runs one composition in a fresh `compose-peak` process and returns what it measured.
fn peak_memory(exe: &Path, app: &Path, padding: usize, policy_json: &str) -> Result<Value> {
    let output = Command::new(exe)
        .arg(app)
        .arg(padding.to_string())
        .arg(policy_json)
        .output()
        .with_context(|| format!("running {}", exe.display()))?;
    if !output.status.success() {
        bail!(
            "{} failed: {}",
            exe.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    serde_json::from_slice(&output.stdout).context("reading compose-peak's output")
}

/// `VmRSS`/`VmHWM` of this process, in KiB.
pub fn proc_status_kib(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Resets the peak RSS (`VmHWM`) to the current RSS; false where the kernel does not allow it.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("benches/ is in the workspace")
        .to_owned()
}

/// The target directory (`CARGO_TARGET_DIR` or `target/`).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

fn command_line(program: &str, args: &[&str]) -> Option<String> {
    let output = Command::new(program)
        .args(args)
        .current_dir(workspace_root())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

fn locked_version(package: &str) -> Option<String> {
    let lock = std::fs::read_to_string(workspace_root().join("Cargo.lock")).ok()?;
    let needle = format!("name = \"{package}\"\nversion = \"");
    let at = lock.find(&needle)? + needle.len();
    Some(lock[at..].split('"').next()?.to_owned())
}

/// `YYYY-MM-DD HH:MM UTC` from the system clock.
fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs() as i64;
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60
    )
}

fn environment(load_before: String, load_after: String) -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name")?.split_once(':'))
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_else(|| "unknown".into());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kib: Option<u64> = meminfo.lines().find_map(|l| {
        l.strip_prefix("MemTotal:")?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()
    });
    json!({
        "date": utc_now(),
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "cpu_model": cpu,
        "memory_gib": mem_kib.map(|k| format!("{:.1}", k as f64 / 1024.0 / 1024.0)),
        "os": format!("{} {}", std::env::consts::OS,
            std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default().trim()),
        "rustc": command_line("rustc", &["-V"]),
        "wasmtime": locked_version("wasmtime"),
        "wac_graph": locked_version("wac-graph"),
        "git_commit": command_line("git", &["rev-parse", "--short", "HEAD"]),
        "profile": if cfg!(debug_assertions) { "debug" } else { "release (bench)" },
        "loadavg_before": load_before,
        "loadavg_after": load_after,
    })
}
