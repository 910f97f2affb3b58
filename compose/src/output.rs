//! Writing outputs atomically, never over the input.

use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("refusing to write the output over the input `{0}`; choose another path with -o")]
    WouldOverwriteInput(PathBuf),
    #[error("cannot write `{path}`: {reason}")]
    Io { path: PathBuf, reason: String },
}

/// The default output path: `app.wasm` → `app.composed.wasm`, beside the input.
pub fn default_output(input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    input.with_file_name(format!("{stem}.composed.wasm"))
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so
/// readers never see a partial file and a failure leaves any previous file intact.
pub fn write_atomically(path: &Path, bytes: &[u8], input: &Path) -> Result<(), WriteError> {
    let io = |e: std::io::Error| WriteError::Io {
        path: path.to_owned(),
        reason: e.to_string(),
    };
    if same_file(path, input) {
        return Err(WriteError::WouldOverwriteInput(input.to_owned()));
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    // A temporary file is private (0600); the output is an ordinary file, created as the
    // user's umask says (0644 for most), as a compiler's output would be.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut file = builder.tempfile_in(dir).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.as_file().sync_all().map_err(io)?;
    file.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
