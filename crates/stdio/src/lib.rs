//! Standard streams for a policy where one of them is `"null"` or denied.
//!
//! A null stream has to be a stream of our own: WASI 0.2 has no way to ask the host for an empty
//! or discarding one. So this adapter exports `wasi:io/streams`, and every stream the app holds
//! is ours: a null stream, or a wrapper that forwards each call to a host stream (the bytes
//! written or read are copied through the adapter; a splice between two host streams stays on
//! the host). Built with the `files` feature it also wraps `wasi:filesystem`, so that file
//! streams are ours too (`files`), and with `sockets` it wraps `wasi:sockets/tcp` for the streams
//! of connections (`sockets`); the composer plugs the variant the app needs, and only when
//! nothing else that hands out streams (HTTP) reaches the host.
//!
//! A null input stream is at its end (`closed`); a null output stream accepts everything and
//! keeps nothing. Their pollables are ready at once. A denied stream is the same.

/// One world per feature set: `stdio`, `stdio-files`, `stdio-sockets`, `stdio-files-sockets`.
macro_rules! bindings {
    ($path:literal, $world:literal) => {
        mod bindings {
            wit_bindgen::generate!({
                path: $path,
                world: $world,
                generate_all,
            });
        }
    };
}

#[cfg(not(any(feature = "files", feature = "sockets")))]
bindings!("../../wit", "interpose:adapters/stdio");
#[cfg(all(feature = "files", not(feature = "sockets")))]
bindings!("../../wit", "interpose:adapters/stdio-files");
#[cfg(all(feature = "sockets", not(feature = "files")))]
bindings!("../../wit", "interpose:adapters/stdio-sockets");
#[cfg(all(feature = "files", feature = "sockets", not(feature = "http")))]
bindings!("../../wit", "interpose:adapters/stdio-files-sockets");
#[cfg(feature = "http")]
bindings!("../../wit/http-headers", "interpose:http-headers/stdio-all");

#[cfg(feature = "files")]
mod files;
#[cfg(feature = "http")]
mod http;
#[cfg(feature = "sockets")]
mod sockets;

use std::sync::OnceLock;

use bindings::exports::wasi::cli::{stderr, stdin, stdout};
use bindings::exports::wasi::io::streams::{self as ours, StreamError};
use bindings::interpose::policy::source;
use bindings::wasi::cli::{stderr as host_stderr, stdin as host_stdin, stdout as host_stdout};
use bindings::wasi::clocks::monotonic_clock;
use bindings::wasi::io::poll::Pollable;
use bindings::wasi::io::streams as host;
use interpose_policy::compiled;
use interpose_policy::stdio::{StdioRules, StreamRule};

/// What a null output stream says it can take at once.
const NULL_WRITE_BUDGET: u64 = 1 << 20;

fn rules() -> &'static StdioRules {
    static RULES: OnceLock<StdioRules> = OnceLock::new();
    RULES.get_or_init(|| compiled::load_section_or_stop(source::len(), source::chunk, |e| e.stdio))
}

/// A pollable that is ready at once.
fn ready() -> Pollable {
    monotonic_clock::subscribe_duration(0)
}

fn host_error(e: host::StreamError) -> StreamError {
    match e {
        host::StreamError::LastOperationFailed(error) => StreamError::LastOperationFailed(error),
        host::StreamError::Closed => StreamError::Closed,
    }
}

/// The stream `rule` gives the app, `host` being the host's own.
fn stream<T>(rule: StreamRule, host: impl FnOnce() -> T, null: T) -> T {
    match rule {
        StreamRule::Inherit => host(),
        // A denied stream is an empty one: reading finds its end, writes are discarded.
        StreamRule::Null | StreamRule::Deny => null,
    }
}

pub struct Stdio;

pub enum InputStream {
    Host(host::InputStream),
    Null,
}

pub enum OutputStream {
    Host(host::OutputStream),
    Null,
}

impl ours::Guest for Stdio {
    type InputStream = InputStream;
    type OutputStream = OutputStream;
}

impl ours::GuestInputStream for InputStream {
    fn read(&self, len: u64) -> Result<Vec<u8>, StreamError> {
        match self {
            InputStream::Host(host) => host.read(len).map_err(host_error),
            InputStream::Null => Err(StreamError::Closed),
        }
    }

    fn blocking_read(&self, len: u64) -> Result<Vec<u8>, StreamError> {
        match self {
            InputStream::Host(host) => host.blocking_read(len).map_err(host_error),
            InputStream::Null => Err(StreamError::Closed),
        }
    }

    fn skip(&self, len: u64) -> Result<u64, StreamError> {
        match self {
            InputStream::Host(host) => host.skip(len).map_err(host_error),
            InputStream::Null => Err(StreamError::Closed),
        }
    }

    fn blocking_skip(&self, len: u64) -> Result<u64, StreamError> {
        match self {
            InputStream::Host(host) => host.blocking_skip(len).map_err(host_error),
            InputStream::Null => Err(StreamError::Closed),
        }
    }

    fn subscribe(&self) -> Pollable {
        match self {
            InputStream::Host(host) => host.subscribe(),
            InputStream::Null => ready(),
        }
    }
}

impl OutputStream {
    /// Splices from `src` into this stream, blocking or not.
    fn splice_from(
        &self,
        src: ours::InputStreamBorrow<'_>,
        len: u64,
        blocking: bool,
    ) -> Result<u64, StreamError> {
        match (self, src.get::<InputStream>()) {
            // Both the host's: the host moves the bytes itself.
            (OutputStream::Host(dst), InputStream::Host(src)) => if blocking {
                dst.blocking_splice(src, len)
            } else {
                dst.splice(src, len)
            }
            .map_err(host_error),
            (_, InputStream::Null) => Err(StreamError::Closed),
            // Into the void: read and drop.
            (OutputStream::Null, InputStream::Host(src)) => if blocking {
                src.blocking_skip(len)
            } else {
                src.skip(len)
            }
            .map_err(host_error),
        }
    }
}

impl ours::GuestOutputStream for OutputStream {
    fn check_write(&self) -> Result<u64, StreamError> {
        match self {
            OutputStream::Host(host) => host.check_write().map_err(host_error),
            OutputStream::Null => Ok(NULL_WRITE_BUDGET),
        }
    }

    fn write(&self, contents: Vec<u8>) -> Result<(), StreamError> {
        match self {
            OutputStream::Host(host) => host.write(&contents).map_err(host_error),
            OutputStream::Null => Ok(()),
        }
    }

    fn blocking_write_and_flush(&self, contents: Vec<u8>) -> Result<(), StreamError> {
        match self {
            OutputStream::Host(host) => {
                host.blocking_write_and_flush(&contents).map_err(host_error)
            }
            OutputStream::Null => Ok(()),
        }
    }

    fn flush(&self) -> Result<(), StreamError> {
        match self {
            OutputStream::Host(host) => host.flush().map_err(host_error),
            OutputStream::Null => Ok(()),
        }
    }

    fn blocking_flush(&self) -> Result<(), StreamError> {
        match self {
            OutputStream::Host(host) => host.blocking_flush().map_err(host_error),
            OutputStream::Null => Ok(()),
        }
    }

    fn subscribe(&self) -> Pollable {
        match self {
            OutputStream::Host(host) => host.subscribe(),
            OutputStream::Null => ready(),
        }
    }

    fn write_zeroes(&self, len: u64) -> Result<(), StreamError> {
        match self {
            OutputStream::Host(host) => host.write_zeroes(len).map_err(host_error),
            OutputStream::Null => Ok(()),
        }
    }

    fn blocking_write_zeroes_and_flush(&self, len: u64) -> Result<(), StreamError> {
        match self {
            OutputStream::Host(host) => host
                .blocking_write_zeroes_and_flush(len)
                .map_err(host_error),
            OutputStream::Null => Ok(()),
        }
    }

    fn splice(&self, src: ours::InputStreamBorrow<'_>, len: u64) -> Result<u64, StreamError> {
        self.splice_from(src, len, false)
    }

    fn blocking_splice(
        &self,
        src: ours::InputStreamBorrow<'_>,
        len: u64,
    ) -> Result<u64, StreamError> {
        self.splice_from(src, len, true)
    }
}

impl stdin::Guest for Stdio {
    fn get_stdin() -> ours::InputStream {
        let input = stream(
            rules().stdin,
            || InputStream::Host(host_stdin::get_stdin()),
            InputStream::Null,
        );
        ours::InputStream::new(input)
    }
}

impl stdout::Guest for Stdio {
    fn get_stdout() -> ours::OutputStream {
        let output = stream(
            rules().stdout,
            || OutputStream::Host(host_stdout::get_stdout()),
            OutputStream::Null,
        );
        ours::OutputStream::new(output)
    }
}

impl stderr::Guest for Stdio {
    fn get_stderr() -> ours::OutputStream {
        let output = stream(
            rules().stderr,
            || OutputStream::Host(host_stderr::get_stderr()),
            OutputStream::Null,
        );
        ours::OutputStream::new(output)
    }
}

bindings::export!(Stdio with_types_in bindings);
