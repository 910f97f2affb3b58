//! Running a (composed) component's `wasi:cli/run` on an embedded wasmtime.

use std::path::PathBuf;

use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::p2::bindings::sync::Command;
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

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
    /// Grant outgoing HTTP requests (`wasi:http/outgoing-handler` and `wasi:http/types`, sent by
    /// wasmtime's own client); the policy may still filter or deny them. Without it, an app that
    /// imports `wasi:http` cannot be instantiated.
    pub http: bool,
    pub stdin: Option<Vec<u8>>,
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
pub struct Runner {
    engine: Engine,
    linker: Linker<Host>,
    /// `linker` plus `wasi:http`, for [`RunOptions::http`].
    http_linker: Linker<Host>,
}

fn wasmtime_error(e: impl std::fmt::Display) -> RunError {
    RunError::Wasmtime(format!("{e:#}"))
}

impl Runner {
    pub fn new() -> Result<Self, RunError> {
        let engine = Engine::new(&Config::new()).map_err(wasmtime_error)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(wasmtime_error)?;
        let mut http_linker = linker.clone();
        wasmtime_wasi_http::p2::add_only_http_to_linker_sync(&mut http_linker)
            .map_err(wasmtime_error)?;
        Ok(Runner {
            engine,
            linker,
            http_linker,
        })
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Compiles a component (for running it several times).
    pub fn compile(&self, component: &[u8]) -> Result<Component, RunError> {
        Component::new(&self.engine, component).map_err(wasmtime_error)
    }

    pub fn run(&self, component: &[u8], options: &RunOptions) -> Result<RunOutcome, RunError> {
        let component = self.compile(component)?;
        self.run_compiled(&component, options)
    }

    pub fn run_compiled(
        &self,
        component: &Component,
        options: &RunOptions,
    ) -> Result<RunOutcome, RunError> {
        let exports_run = component
            .component_type()
            .exports(&self.engine)
            .any(|(name, _)| name.starts_with("wasi:cli/run@0.2"));
        if !exports_run {
            return Err(RunError::NotACommand);
        }

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
        if let Some(stdin) = &options.stdin {
            builder.stdin(MemoryInputPipe::new(stdin.clone()));
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

        let linker = if options.http {
            &self.http_linker
        } else {
            &self.linker
        };
        let command = Command::instantiate(&mut store, component, linker).map_err(|e| {
            let hint = if !options.http && format!("{e:#}").contains("wasi:http/") {
                " (the component imports wasi:http: grant it with `RunOptions::http`, `--http`)"
            } else {
                ""
            };
            RunError::Wasmtime(format!("{e:#}{hint}"))
        })?;
        let (exit_code, trap) = match command.wasi_cli_run().call_run(&mut store) {
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
