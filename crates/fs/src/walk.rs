//! Resolving a path the way the host would, one component at a time, through directory handles
//! the adapter holds.
//!
//! The host never receives a path of more than one component: each directory on the way is
//! opened with the host's no-follow open, a symlink is read (never followed by the host) and its
//! target walked the same way, and the final operation names a single entry of the last
//! directory handle, without following it. So the object the host acts on is the one that was
//! checked, whatever another instance of the app or a host process renames or swaps meanwhile
//! (the technique of `openat2(RESOLVE_BENEATH)` and of cap-std's manual resolution).
//!
//! Every component is checked against the policy before the host is asked about it: a hidden
//! directory cannot be passed through, even with `..` after it, and a hidden name answers
//! `no-entry` without the host being asked, exactly like a missing one.
//!
//! One walk for both WASI releases: it asks the host through [`Host`], a few directory
//! operations with `async` methods. At 0.3 they are the host's async functions; at 0.2 the
//! host's functions are synchronous, so every future here is ready when first polled, and the
//! 0.2 adapter drives the walk with [`ready`].

use std::collections::VecDeque;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use crate::bindings::exports::wasi::filesystem::types::ErrorCode;
use crate::bindings::wasi::filesystem::types as host;
use crate::rules;
use interpose_policy::fs::{Access, join};

/// What the walk, and the operations on the entry it finds, ask of a host directory: one
/// component each, never following a symlink. Implemented for the host descriptor of each
/// release (`p2.rs`, `p3.rs`); the names differ from the host's own functions on purpose.
pub(crate) trait Host: Sized {
    /// `stat-at` without `symlink-follow`.
    async fn lstat(&self, name: &str) -> Result<host::DescriptorStat, ErrorCode>;
    /// `open-at` without `symlink-follow`.
    async fn open(
        &self,
        name: &str,
        open_flags: host::OpenFlags,
        flags: host::DescriptorFlags,
    ) -> Result<Self, ErrorCode>;
    async fn readlink(&self, name: &str) -> Result<String, ErrorCode>;
    async fn kind(&self) -> Result<host::DescriptorType, ErrorCode>;
    async fn mkdir(&self, name: &str) -> Result<(), ErrorCode>;
    /// `set-times-at` without `symlink-follow`.
    async fn touch(
        &self,
        name: &str,
        atime: &host::NewTimestamp,
        mtime: &host::NewTimestamp,
    ) -> Result<(), ErrorCode>;
    /// `link-at` without `symlink-follow`.
    async fn link(&self, name: &str, to: &Self, new_name: &str) -> Result<(), ErrorCode>;
    async fn rename(&self, name: &str, to: &Self, new_name: &str) -> Result<(), ErrorCode>;
    async fn symlink(&self, target: &str, name: &str) -> Result<(), ErrorCode>;
    async fn unlink(&self, name: &str) -> Result<(), ErrorCode>;
    async fn rmdir(&self, name: &str) -> Result<(), ErrorCode>;
    /// `metadata-hash-at` without `symlink-follow`.
    async fn hash(&self, name: &str) -> Result<host::MetadataHashValue, ErrorCode>;
}

/// The value of a future that is ready when first polled: the walk at 0.2, whose host calls
/// are synchronous. It never waits; a future that would is a bug, and stops the adapter.
#[cfg_attr(feature = "p3", allow(dead_code))]
pub fn ready<T>(future: impl Future<Output = T>) -> T {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(value) => value,
        Poll::Pending => unreachable!("interpose: a WASI 0.2 host call waited"),
    }
}

/// Symlinks followed while resolving one path, as in POSIX's `SYMLOOP_MAX`.
const MAX_SYMLINKS: usize = 40;

/// The last component of a resolved path, handed to the operation with the directory that holds
/// it.
pub struct Final {
    /// One component, or `.` for the directory itself.
    pub name: String,
    /// Its normalised guest path.
    pub guest: String,
    /// What the policy lets the app do with it (never [`Access::None`]).
    pub access: Access,
    /// The path ended with `/`: it must be a directory (symlinks were followed to one).
    pub must_be_dir: bool,
}

/// What an operation on the final component did.
pub enum Step<T> {
    Done(T),
    /// The final component is a symlink, and the caller follows it: read it and go on.
    Symlink,
}

/// What a trailing `/` after a final component that is not a directory means, as the host
/// answers it for each operation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Slash {
    /// A symlink is followed (POSIX); anything else: `not-directory`.
    Follow,
    /// The entry itself is meant: `not-directory` for a symlink too (`rename-at`).
    NoFollow,
    /// Something already there: `exist` (`create-directory-at`).
    Exist,
}

/// A directory reached by the walk: the starting descriptor's own handle, or one it opened.
enum Handle<'a> {
    Borrowed(&'a host::Descriptor),
    Owned(host::Descriptor),
}

struct Dir<'a> {
    handle: Handle<'a>,
    guest: String,
    access: Access,
}

impl Dir<'_> {
    fn host(&self) -> &host::Descriptor {
        match &self.handle {
            Handle::Borrowed(d) => d,
            Handle::Owned(d) => d,
        }
    }
}

/// The host's `stat` of the entry `name` of `dir`, not following a symlink.
pub async fn lstat(dir: &host::Descriptor, name: &str) -> Result<host::DescriptorStat, ErrorCode> {
    dir.lstat(name).await
}

/// Refusals before any lookup, with the codes the host itself returns.
fn check_syntax(path: &str) -> Result<(), ErrorCode> {
    if path.is_empty() {
        Err(ErrorCode::NoEntry)
    } else if path.contains('\0') {
        Err(ErrorCode::Invalid)
    } else if path.starts_with('/') {
        Err(ErrorCode::NotPermitted)
    } else {
        Ok(())
    }
}

fn components(path: &str) -> impl DoubleEndedIterator<Item = String> + '_ {
    path.split('/').filter(|p| !p.is_empty()).map(str::to_owned)
}

/// Resolves `path` below the directory `base` (guest path `guest`, reached with `access`) and
/// runs `op` on its final component. `follow`: a final symlink is followed; `slash`: what a
/// trailing `/` means.
pub async fn at<T>(
    base: &host::Descriptor,
    guest: &str,
    access: Access,
    path: &str,
    follow: bool,
    slash: Slash,
    mut op: impl AsyncFnMut(&host::Descriptor, &Final) -> Result<Step<T>, ErrorCode>,
) -> Result<T, ErrorCode> {
    check_syntax(path)?;
    let mut dirs = vec![Dir {
        handle: Handle::Borrowed(base),
        guest: guest.to_owned(),
        access,
    }];
    let mut pending: VecDeque<String> = components(path).collect();
    let mut trailing = path.ends_with('/');
    let mut followed = 0;
    loop {
        let Some(part) = pending.pop_front() else {
            // Only `.`-like components remained after a symlink: the directory itself.
            pending.push_back(".".to_owned());
            continue;
        };
        let last = pending.is_empty();
        if part == "." || part == ".." {
            if part == ".." {
                if dirs.len() == 1 {
                    return Err(ErrorCode::NotPermitted);
                }
                dirs.pop();
            }
            if !last {
                continue;
            }
            let dir = dirs.last().expect("the base is never popped");
            let fin = Final {
                name: ".".to_owned(),
                guest: dir.guest.clone(),
                access: dir.access,
                must_be_dir: true,
            };
            return match op(dir.host(), &fin).await? {
                Step::Done(done) => Ok(done),
                // `.` is never a symlink.
                Step::Symlink => Err(ErrorCode::Loop),
            };
        }
        let dir = dirs.last().expect("the base is never popped");
        let guest = join(&dir.guest, [part.as_str()]);
        let access = rules().access(&guest);
        if access == Access::None {
            return Err(ErrorCode::NoEntry);
        }
        // Where the policy only lets the app pass through, only directories exist.
        let visible_code = |code: ErrorCode| match code {
            ErrorCode::NotDirectory if access == Access::Traverse => ErrorCode::NoEntry,
            other => other,
        };
        if !last {
            let opened = dir
                .host()
                .open(
                    &part,
                    host::OpenFlags::DIRECTORY,
                    host::DescriptorFlags::READ,
                )
                .await;
            match opened {
                Ok(handle) => dirs.push(Dir {
                    handle: Handle::Owned(handle),
                    guest,
                    access,
                }),
                // A no-follow open of a symlink fails: it may be one.
                Err(code @ (ErrorCode::Loop | ErrorCode::NotDirectory)) => {
                    match splice(
                        dir.host(),
                        &part,
                        &mut pending,
                        &mut trailing,
                        &mut followed,
                    )
                    .await
                    {
                        Ok(()) => {}
                        // A symlink a moment ago, swapped meanwhile: look again (the retries
                        // count as symlinks followed, so they end).
                        Err(None) if code == ErrorCode::Loop => pending.push_front(part),
                        Err(None) => return Err(visible_code(code)),
                        Err(Some(code)) => return Err(code),
                    }
                }
                Err(code) => return Err(code),
            }
            continue;
        }
        if trailing {
            // Must be a directory; a symlink is followed whatever the flags say.
            match lstat(dir.host(), &part).await {
                // `mkdir` does not follow it: something is there (`exist`), as for a file.
                Ok(stat)
                    if stat.type_ == host::DescriptorType::SymbolicLink
                        && slash == Slash::Follow =>
                {
                    match splice(
                        dir.host(),
                        &part,
                        &mut pending,
                        &mut trailing,
                        &mut followed,
                    )
                    .await
                    {
                        Ok(()) => {}
                        Err(None) => pending.push_front(part),
                        Err(Some(code)) => return Err(code),
                    }
                    continue;
                }
                Ok(stat) if stat.type_ != host::DescriptorType::Directory => {
                    return Err(match slash {
                        Slash::Exist => ErrorCode::Exist,
                        _ => visible_code(ErrorCode::NotDirectory),
                    });
                }
                Ok(_) | Err(ErrorCode::NoEntry) => {}
                Err(code) => return Err(code),
            }
        }
        let fin = Final {
            name: part,
            guest,
            access,
            must_be_dir: trailing,
        };
        match op(dir.host(), &fin).await {
            Ok(Step::Done(done)) => return Ok(done),
            Ok(Step::Symlink) | Err(ErrorCode::Loop) if follow || trailing => {
                match splice(
                    dir.host(),
                    &fin.name,
                    &mut pending,
                    &mut trailing,
                    &mut followed,
                )
                .await
                {
                    Ok(()) => {}
                    // Not a symlink any more (swapped meanwhile): look again.
                    Err(None) => pending.push_front(fin.name),
                    Err(Some(code)) => return Err(code),
                }
            }
            Ok(Step::Symlink) => return Err(ErrorCode::Loop),
            Err(code) => return Err(code),
        }
    }
}

/// Reads the symlink `name` in `dir` and puts its target's components in front of `pending`.
/// `Err(None)`: it is not a symlink (any more).
async fn splice(
    dir: &host::Descriptor,
    name: &str,
    pending: &mut VecDeque<String>,
    trailing: &mut bool,
    followed: &mut usize,
) -> Result<(), Option<ErrorCode>> {
    *followed += 1;
    if *followed > MAX_SYMLINKS {
        return Err(Some(ErrorCode::Loop));
    }
    let target: String = dir.readlink(name).await.map_err(|code| match code {
        // Not a symlink, or gone.
        ErrorCode::Invalid | ErrorCode::NoEntry => None,
        // E.g. `not-permitted` for an absolute target, as the host answers.
        code => Some(code),
    })?;
    if target.starts_with('/') {
        // The host refuses absolute targets too.
        return Err(Some(ErrorCode::NotPermitted));
    }
    if target.is_empty() {
        return Err(Some(ErrorCode::NoEntry));
    }
    if pending.is_empty() && target.ends_with('/') {
        *trailing = true;
    }
    for part in components(&target).rev() {
        pending.push_front(part);
    }
    Ok(())
}
