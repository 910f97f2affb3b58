//! Running a (composed) component's `wasi:cli/run` on an embedded wasmtime.
//!
//! WASI 0.2 commands run synchronously, as they always have. A component that exports the async
//! `wasi:cli/run@0.3.x`, or imports any WASI 0.3 interface, runs on an async store with WASI 0.3
//! linked beside 0.2 (a Rust 0.3 app built for wasm32-wasip2 imports both), inside wasmtime-wasi's
//! tokio runtime; a 0.3 `run` is called with `run_concurrent`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::p2::bindings::CommandPre as AsyncCommandPre;
use wasmtime_wasi::p2::bindings::sync::CommandPre;
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::p3::bindings::CommandPre as P3CommandPre;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttp, WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// Why a component could not be run. A trap or a non-zero exit of the app is not an error: it is
/// reported in [`RunOutcome`].
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(
        "the component does not export `wasi:cli/run`, so it is not a command; only commands can \
         be run (a library or proxy component can still be composed)"
    )]
    NotACommand,
    #[error("cannot preopen `{host}`: {reason}")]
    Preopen { host: PathBuf, reason: String },
    #[error("{0}")]
    Wasmtime(String),
}

/// A host directory made visible to the app.
#[derive(Debug, Clone)]
pub struct Preopen {
    pub host: PathBuf,
    pub guest: String,
    /// Only the host grants writing; the policy may still narrow it.
    pub writable: bool,
}

/// Where the app's output goes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Stdio {
    /// This process's own stdout/stderr.
    #[default]
    Inherit,
    /// Kept in [`RunOutcome`].
    Capture,
}

/// What the host grants the component. The policy baked into a composed component can only
/// narrow this, never widen it.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// `argv`, including the program name.
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub inherit_env: bool,
    /// The working directory reported to the app (`wasi:cli/environment.initial-cwd`); `None`
    /// reports none.
    pub cwd: Option<String>,
    pub preopens: Vec<Preopen>,
    /// Grant the host's network (TCP, UDP, name lookup); the policy may still deny it.
    pub network: bool,
    /// Grant outgoing HTTP requests (0.2's `wasi:http/outgoing-handler` and `wasi:http/types`,
    /// 0.3's `wasi:http/client`, sent by wasmtime's own client); the policy may still filter or
    /// deny them. Without it, an app that imports them cannot be instantiated (0.3's
    /// `wasi:http/types` are always there: data, no capability).
    pub http: bool,
    /// The app's stdin: these bytes; without them, this process's stdin if `inherit_stdin`,
    /// else an empty stream.
    pub stdin: Option<Vec<u8>>,
    /// Forward this process's stdin to the app (as `interpose run` and `wasmtime run` do) when
    /// `stdin` is `None`.
    pub inherit_stdin: bool,
    pub stdio: Stdio,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutcome {
    /// The exit code: 0 for success, 1 for `run` returning an error, the code passed to
    /// `wasi:cli/exit`, or 1 for a trap (described in `trap`).
    pub exit_code: i32,
    pub trap: Option<String>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

struct Host {
    ctx: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
}

impl WasiHttpView for Host {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: wasmtime_wasi_http::default_hooks(),
        }
    }
}

impl WasiView for Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

/// Compiles and runs components; keep one to run many (compiling dominates start-up).
///
/// A component's imports are resolved against the host once ([`CommandPre`]) and reused by
/// every [`Runner::run_compiled`] of it, for the few components run most recently.
pub struct Runner {
    engine: Engine,
    /// WASI 0.2, synchronous.
    linker: Linker<Host>,
    /// `linker` plus `wasi:http`, for [`RunOptions::http`].
    http_linker: Linker<Host>,
    /// WASI 0.2 and 0.3 on an async store, for components that use WASI 0.3.
    async_linker: Linker<Host>,
    /// `async_linker` plus `wasi:http` (0.2 and 0.3's `client`).
    async_http_linker: Linker<Host>,
    /// Where compiled components are kept between processes, if anywhere.
    cache: Option<cache::CompileCache>,
    /// Components prepared for instantiation, most recently used last.
    prepared: Mutex<Vec<Prepared>>,
}

/// A component with its imports resolved against one of the runner's linkers.
struct Prepared {
    /// Where the component's compiled code starts: its identity while `pre` keeps it alive.
    code: usize,
    http: bool,
    pre: Pre,
}

/// A command with its imports resolved, by how it is run.
#[derive(Clone)]
enum Pre {
    /// WASI 0.2 only: run synchronously.
    Sync(CommandPre<Host>),
    /// Exports `wasi:cli/run@0.2.x` but imports WASI 0.3 too: an async store.
    Async(AsyncCommandPre<Host>),
    /// Exports the async `wasi:cli/run@0.3.x`: run with `run_concurrent`.
    P3(P3CommandPre<Host>),
}

/// Whether `name` (an import or export of a component) is a WASI 0.3 interface.
fn is_wasi_p3(name: &str) -> bool {
    name.starts_with("wasi:")
        && name
            .split_once('@')
            .is_some_and(|(_, version)| version.starts_with("0.3."))
}

/// How many prepared components [`Runner::run_compiled`] keeps.
const PREPARED: usize = 16;

fn wasmtime_error(e: impl std::fmt::Display) -> RunError {
    RunError::Wasmtime(format!("{e:#}"))
}

impl Runner {
    /// A runner that compiles components afresh (no cache on disk).
    pub fn new() -> Result<Self, RunError> {
        let mut config = Config::new();
        // On by default in wasmtime 50, but a WASI 0.3 app cannot even be parsed without it.
        config.wasm_component_model_async(true);
        let engine = Engine::new(&config).map_err(wasmtime_error)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(wasmtime_error)?;
        let mut http_linker = linker.clone();
        wasmtime_wasi_http::p2::add_only_http_to_linker_sync(&mut http_linker)
            .map_err(wasmtime_error)?;
        let mut async_linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut async_linker).map_err(wasmtime_error)?;
        wasmtime_wasi::p3::add_to_linker(&mut async_linker).map_err(wasmtime_error)?;
        // WASI 0.3's `wasi:http/types` on every async store: data, no capability (a request built
        // with them goes nowhere without `client`), and what a composed 0.3 app under a denied
        // `http` imports, its requests refused at `send`.
        wasmtime_wasi_http::p3::bindings::http::types::add_to_linker::<_, WasiHttp>(
            &mut async_linker,
            Host::http,
        )
        .map_err(wasmtime_error)?;
        let mut async_http_linker = async_linker.clone();
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut async_http_linker)
            .map_err(wasmtime_error)?;
        wasmtime_wasi_http::p3::bindings::http::client::add_to_linker::<_, WasiHttp>(
            &mut async_http_linker,
            Host::http,
        )
        .map_err(wasmtime_error)?;
        Ok(Runner {
            engine,
            linker,
            http_linker,
            async_linker,
            async_http_linker,
            cache: None,
            prepared: Mutex::new(Vec::new()),
        })
    }

    /// Keeps compiled components in `dir` (created when first needed), so that compiling the
    /// same bytes again, in this process or a later one, loads the result instead. Entries are
    /// keyed by the component's bytes, wasmtime's version and the engine's configuration; the
    /// least recently used are removed when the directory grows past a few dozen entries or
    /// 1 GiB. A cache that cannot be read or written is skipped, never an error.
    pub fn with_cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache = Some(cache::CompileCache::new(dir.into(), &self.engine));
        self
    }

    /// The cache directory [`Runner::with_cache_dir`] is given by `interpose run`:
    /// `$INTERPOSE_CACHE_DIR`, else `interpose` under `$XDG_CACHE_HOME` or `~/.cache`
    /// (`%LOCALAPPDATA%` on Windows). `None` if none of these is set.
    pub fn default_cache_dir() -> Option<PathBuf> {
        let var = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        if let Some(dir) = var("INTERPOSE_CACHE_DIR") {
            return Some(dir);
        }
        let base = var("XDG_CACHE_HOME")
            .filter(|d| d.is_absolute())
            .or_else(|| var("HOME").map(|home| home.join(".cache")))
            .or_else(|| var("LOCALAPPDATA"))?;
        Some(base.join("interpose"))
    }

    /// The cache directory, if this runner has one.
    pub fn cache_dir(&self) -> Option<&Path> {
        self.cache.as_ref().map(|c| c.dir())
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Compiles a component (for running it several times), or loads it from the cache.
    pub fn compile(&self, component: &[u8]) -> Result<Component, RunError> {
        let Some(cache) = &self.cache else {
            return Component::new(&self.engine, component).map_err(wasmtime_error);
        };
        let key = cache.key(component);
        if let Some(compiled) = cache.load(&self.engine, &key) {
            return Ok(compiled);
        }
        let compiled = Component::new(&self.engine, component).map_err(wasmtime_error)?;
        cache.store(&key, &compiled);
        Ok(compiled)
    }

    pub fn run(&self, component: &[u8], options: &RunOptions) -> Result<RunOutcome, RunError> {
        let component = self.compile(component)?;
        // Compiled for this run only: not worth keeping prepared.
        let pre = self.prepare(&component, options.http)?;
        self.run_prepared(&pre, options)
    }

    /// Runs a compiled component. The imports of the last few components run are resolved
    /// once and reused, so running one component many times costs only its instantiation.
    pub fn run_compiled(
        &self,
        component: &Component,
        options: &RunOptions,
    ) -> Result<RunOutcome, RunError> {
        let pre = self.prepared(component, options.http)?;
        self.run_prepared(&pre, options)
    }

    /// `component` prepared for `http` or not, from the recently prepared ones or prepared now
    /// and kept.
    fn prepared(&self, component: &Component, http: bool) -> Result<Pre, RunError> {
        let code = component.image_range().start as usize;
        {
            let mut prepared = self.prepared.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(index) = prepared
                .iter()
                .position(|p| p.code == code && p.http == http)
            {
                let entry = prepared.remove(index);
                let pre = entry.pre.clone();
                prepared.push(entry);
                return Ok(pre);
            }
        }
        let pre = self.prepare(component, http)?;
        let mut prepared = self.prepared.lock().unwrap_or_else(|e| e.into_inner());
        if prepared.len() >= PREPARED {
            prepared.remove(0);
        }
        prepared.push(Prepared {
            code,
            http,
            pre: pre.clone(),
        });
        Ok(pre)
    }

    /// Resolves `component`'s imports against the linker its WASI versions and `http` select.
    fn prepare(&self, component: &Component, http: bool) -> Result<Pre, RunError> {
        let ty = component.component_type();
        let exports: Vec<&str> = ty.exports(&self.engine).map(|(name, _)| name).collect();
        let run_p3 = exports.iter().any(|n| n.starts_with("wasi:cli/run@0.3."));
        let run_p2 = exports.iter().any(|n| n.starts_with("wasi:cli/run@0.2"));
        if !run_p2 && !run_p3 {
            return Err(RunError::NotACommand);
        }
        let uses_p3 = run_p3 || ty.imports(&self.engine).any(|(name, _)| is_wasi_p3(name));
        let linker = match (uses_p3, http) {
            (false, false) => &self.linker,
            (false, true) => &self.http_linker,
            (true, false) => &self.async_linker,
            (true, true) => &self.async_http_linker,
        };
        let pre = linker.instantiate_pre(component).map_err(|e| {
            let hint = if !http && format!("{e:#}").contains("wasi:http/") {
                " (the component imports wasi:http: grant it with `RunOptions::http`, `--http`)"
            } else {
                ""
            };
            RunError::Wasmtime(format!("{e:#}{hint}"))
        })?;
        match (run_p3, uses_p3) {
            (true, _) => P3CommandPre::new(pre).map(Pre::P3),
            (false, true) => AsyncCommandPre::new(pre).map(Pre::Async),
            (false, false) => CommandPre::new(pre).map(Pre::Sync),
        }
        .map_err(wasmtime_error)
    }

    fn run_prepared(&self, pre: &Pre, options: &RunOptions) -> Result<RunOutcome, RunError> {
        let mut builder = WasiCtx::builder();
        // The store is driven synchronously: run blocking filesystem calls on this thread
        // instead of bouncing each one through tokio's blocking pool (several times faster per
        // call, and no change in behaviour).
        builder.allow_blocking_current_thread(true);
        builder.args(&options.args);
        if options.inherit_env {
            builder.inherit_env();
        }
        builder.envs(&options.env);
        if let Some(cwd) = &options.cwd {
            builder.initial_cwd(cwd);
        }
        for preopen in &options.preopens {
            let perms = if preopen.writable {
                FsPerms::ReadWrite
            } else {
                FsPerms::ReadOnly
            };
            builder
                .preopened_dir(&preopen.host, &preopen.guest, perms)
                .map_err(|e| RunError::Preopen {
                    host: preopen.host.clone(),
                    reason: format!("{e:#}"),
                })?;
        }
        if options.network {
            builder
                .inherit_network()
                .allow_tcp(true)
                .allow_udp(true)
                .allow_ip_name_lookup(true);
        }
        match &options.stdin {
            Some(stdin) => {
                builder.stdin(MemoryInputPipe::new(stdin.clone()));
            }
            None if options.inherit_stdin => {
                builder.inherit_stdin();
            }
            None => {}
        }
        let captured = (options.stdio == Stdio::Capture).then(|| {
            (
                MemoryOutputPipe::new(usize::MAX),
                MemoryOutputPipe::new(usize::MAX),
            )
        });
        match &captured {
            Some((out, err)) => {
                builder.stdout(out.clone()).stderr(err.clone());
            }
            None => {
                builder.inherit_stdout().inherit_stderr();
            }
        }
        let host = Host {
            ctx: builder.build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
        };
        let mut store = Store::new(&self.engine, host);
        let ran = match pre {
            Pre::Sync(pre) => {
                let command = pre.instantiate(&mut store).map_err(wasmtime_error)?;
                command.wasi_cli_run().call_run(&mut store)
            }
            Pre::Async(pre) => wasmtime_wasi::runtime::in_tokio(async {
                let command = pre
                    .instantiate_async(&mut store)
                    .await
                    .map_err(wasmtime_error)?;
                Ok(command.wasi_cli_run().call_run(&mut store).await)
            })?,
            Pre::P3(pre) => wasmtime_wasi::runtime::in_tokio(async {
                let command = pre
                    .instantiate_async(&mut store)
                    .await
                    .map_err(wasmtime_error)?;
                let ran = store
                    .run_concurrent(async move |store| command.wasi_cli_run().call_run(store).await)
                    .await;
                // Outer: the store failed; inner: the call trapped or exited.
                Ok(ran.and_then(|ran| ran))
            })?,
        };
        let (exit_code, trap) = match ran {
            Ok(Ok(())) => (0, None),
            Ok(Err(())) => (1, None),
            Err(e) => match e.downcast_ref::<I32Exit>() {
                Some(exit) => (exit.0, None),
                None => (1, Some(format!("{e:?}"))),
            },
        };
        let (stdout, stderr) = match captured {
            Some((out, err)) => (out.contents().to_vec(), err.contents().to_vec()),
            None => (Vec::new(), Vec::new()),
        };
        Ok(RunOutcome {
            exit_code,
            trap,
            stdout,
            stderr,
        })
    }
}

/// Compiled components kept on disk between runs (what `wasmtime run`'s cache does, without its
/// dependencies): one file per component, named by a hash of its bytes and of the engine's
/// compilation settings, written atomically.
mod cache {
    use std::fs;
    use std::hash::{Hash, Hasher};
    use std::io::Write;
    use std::path::{Path, PathBuf};
    use std::time::SystemTime;

    use sha2::{Digest, Sha256};
    use wasmtime::Engine;
    use wasmtime::component::Component;

    /// At most this many entries are kept...
    const MAX_ENTRIES: usize = 32;
    /// ...and at most this many bytes (the most recently used entry is always kept).
    const MAX_BYTES: u64 = 1 << 30;
    const EXTENSION: &str = "cwasm";

    #[derive(Debug)]
    pub(super) struct CompileCache {
        dir: PathBuf,
        /// The hash of the engine's settings (and wasmtime's version) that every key starts from.
        engine: Sha256,
    }

    /// Feeds what a `Hash` writes into SHA-256.
    struct ShaHasher(Sha256);

    impl Hasher for ShaHasher {
        fn write(&mut self, bytes: &[u8]) {
            self.0.update(bytes);
        }
        fn finish(&self) -> u64 {
            unreachable!("only the digest is used")
        }
    }

    impl CompileCache {
        pub(super) fn new(dir: PathBuf, engine: &Engine) -> Self {
            let mut hasher = ShaHasher(Sha256::new());
            b"interpose compile cache 1\0".hash(&mut hasher);
            // Includes wasmtime's version, the target and every setting that changes the code.
            engine.precompile_compatibility_hash().hash(&mut hasher);
            CompileCache {
                dir,
                engine: hasher.0,
            }
        }

        pub(super) fn dir(&self) -> &Path {
            &self.dir
        }

        /// The file name a component's compiled form is kept under.
        pub(super) fn key(&self, component: &[u8]) -> String {
            let digest = self.engine.clone().chain_update(component).finalize();
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            format!("{hex}.{EXTENSION}")
        }

        /// The compiled component kept under `key`, if there is one wasmtime accepts.
        pub(super) fn load(&self, engine: &Engine, key: &str) -> Option<Component> {
            let path = self.dir.join(key);
            if !path.is_file() {
                return None;
            }
            // SAFETY: the file was written by `store` below from `Component::serialize` of an
            // engine with the same settings (they are part of its name), into a temporary file
            // renamed into place, so it is complete and nobody writes to it afterwards; the
            // directory is the user's own. wasmtime also checks its header (version, settings).
            match unsafe { Component::deserialize_file(engine, &path) } {
                Ok(component) => {
                    // Most recently used: pruned last.
                    if let Ok(file) = fs::File::open(&path) {
                        let _ = file.set_modified(SystemTime::now());
                    }
                    Some(component)
                }
                Err(_) => {
                    // Not loadable by this wasmtime: compile afresh and replace it.
                    let _ = fs::remove_file(&path);
                    None
                }
            }
        }

        /// Keeps `component` under `key`; failures leave the cache as it was.
        pub(super) fn store(&self, key: &str, component: &Component) {
            let _ = self.try_store(key, component);
            self.prune(key);
        }

        fn try_store(&self, key: &str, component: &Component) -> Option<()> {
            let bytes = component.serialize().ok()?;
            fs::create_dir_all(&self.dir).ok()?;
            let mut file = tempfile::Builder::new()
                .prefix(".tmp-")
                .tempfile_in(&self.dir)
                .ok()?;
            file.write_all(&bytes).ok()?;
            file.as_file().sync_all().ok()?;
            file.persist(self.dir.join(key)).ok()?;
            Some(())
        }

        /// Removes the least recently used entries beyond the limits, never `keep`.
        fn prune(&self, keep: &str) {
            let Ok(entries) = fs::read_dir(&self.dir) else {
                return;
            };
            let mut files: Vec<(SystemTime, u64, PathBuf)> = entries
                .filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == EXTENSION))
                .filter_map(|e| {
                    let meta = e.metadata().ok()?;
                    Some((meta.modified().ok()?, meta.len(), e.path()))
                })
                .collect();
            // Newest first.
            files.sort_by_key(|(modified, _, _)| std::cmp::Reverse(*modified));
            let mut total = 0;
            for (index, (_, len, path)) in files.iter().enumerate() {
                total += len;
                let over = index >= MAX_ENTRIES || total > MAX_BYTES;
                if over && index > 0 && path.file_name().is_some_and(|n| n != keep) {
                    let _ = fs::remove_file(path);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn importing(name: &str) -> Vec<u8> {
        wat::parse_str(format!(r#"(component (import "{name}" (instance)))"#)).unwrap()
    }

    fn import_names(runner: &Runner, component: &Component) -> Vec<String> {
        component
            .component_type()
            .imports(runner.engine())
            .map(|(name, _)| name.to_owned())
            .collect()
    }

    #[test]
    fn the_cache_keeps_one_file_per_component_and_is_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let runner = Runner::new().unwrap().with_cache_dir(dir.path().join("c"));
        let (a, b) = (importing("a"), importing("b"));
        runner.compile(&a).unwrap();
        let files = || -> Vec<PathBuf> {
            let mut files: Vec<PathBuf> = fs_entries(&dir.path().join("c"));
            files.sort();
            files
        };
        let after_a = files();
        assert_eq!(after_a.len(), 1, "{after_a:?}");
        assert!(after_a[0].extension().is_some_and(|e| e == "cwasm"));
        // Swap b's compiled code in under a's name: compiling a again loads b's, so the file is
        // what is used.
        let compiled_b = runner.compile(&b).unwrap();
        assert_eq!(files().len(), 2);
        std::fs::write(&after_a[0], compiled_b.serialize().unwrap()).unwrap();
        let again = Runner::new().unwrap().with_cache_dir(dir.path().join("c"));
        assert_eq!(import_names(&again, &again.compile(&a).unwrap()), ["b"]);
        // Without a cache, nothing is read.
        let fresh = Runner::new().unwrap();
        assert_eq!(import_names(&fresh, &fresh.compile(&a).unwrap()), ["a"]);
    }

    #[test]
    fn an_unloadable_cache_entry_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let runner = Runner::new().unwrap().with_cache_dir(dir.path());
        let a = importing("a");
        runner.compile(&a).unwrap();
        let file = fs_entries(dir.path()).pop().unwrap();
        std::fs::write(&file, b"not an ELF file").unwrap();
        assert_eq!(import_names(&runner, &runner.compile(&a).unwrap()), ["a"]);
        assert_ne!(std::fs::read(&file).unwrap(), b"not an ELF file");
    }

    /// A WASI 0.2 command (sync `wasi:cli/run@0.2.0`) that imports a WASI 0.3 interface, as a
    /// Rust `bin` using the `wasip3` crate does: it runs on the async linker, and its `run`'s
    /// answer (here the low bit of a 0.3 random number, forced to `status`) is the exit code.
    #[test]
    fn a_0_2_command_importing_wasi_0_3_runs() {
        for (status, exit_code) in [(0, 0), (1, 1)] {
            let wat = format!(
                r#"(component
                  (import "wasi:random/random@0.3.0" (instance $r
                    (export "get-random-u64" (func (result u64)))))
                  (core func $get (canon lower (func $r "get-random-u64")))
                  (core module $m
                    (import "r" "get" (func $get (result i64)))
                    (func (export "run") (result i32)
                      (drop (call $get))
                      (i32.const {status})))
                  (core instance $ri (export "get" (func $get)))
                  (core instance $i (instantiate $m (with "r" (instance $ri))))
                  (func $run (result (result)) (canon lift (core func $i "run")))
                  (instance $out (export "run" (func $run)))
                  (export "wasi:cli/run@0.2.0" (instance $out)))"#
            );
            let component = wat::parse_str(&wat).unwrap();
            let options = RunOptions {
                stdio: Stdio::Capture,
                ..RunOptions::default()
            };
            let outcome = Runner::new().unwrap().run(&component, &options).unwrap();
            assert_eq!(outcome.trap, None);
            assert_eq!(outcome.exit_code, exit_code);
        }
    }

    #[test]
    fn a_component_without_wasi_cli_run_is_not_a_command() {
        let component = importing("wasi:random/random@0.3.0");
        let error = Runner::new()
            .unwrap()
            .run(&component, &RunOptions::default())
            .unwrap_err();
        assert!(matches!(error, RunError::NotACommand), "{error}");
    }

    fn fs_entries(dir: &Path) -> Vec<PathBuf> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect()
    }
}
