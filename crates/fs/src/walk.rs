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

use std::collections::VecDeque;

use crate::bindings::exports::wasi::filesystem::types::ErrorCode;
use crate::bindings::wasi::filesystem::types as host;
use crate::convert::IntoOurs;
use crate::rules;
use interpose_policy::fs::{Access, join};

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
pub fn lstat(dir: &host::Descriptor, name: &str) -> Result<host::DescriptorStat, ErrorCode> {
    dir.stat_at(host::PathFlags::empty(), name).ours()
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
pub fn at<T>(
    base: &host::Descriptor,
    guest: &str,
    access: Access,
    path: &str,
    follow: bool,
    slash: Slash,
    mut op: impl FnMut(&host::Descriptor, &Final) -> Result<Step<T>, ErrorCode>,
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
    // Reads the symlink `name` in `dir` and puts its target's components in front of `pending`.
    // `Err(None)`: it is not a symlink (any more).
    let mut splice = |dir: &host::Descriptor,
                      name: &str,
                      pending: &mut VecDeque<String>,
                      trailing: &mut bool|
     -> Result<(), Option<ErrorCode>> {
        followed += 1;
        if followed > MAX_SYMLINKS {
            return Err(Some(ErrorCode::Loop));
        }
        let target: String = dir.readlink_at(name).ours().map_err(|code| match code {
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
    };
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
            return match op(dir.host(), &fin)? {
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
            let opened = dir.host().open_at(
                host::PathFlags::empty(),
                &part,
                host::OpenFlags::DIRECTORY,
                host::DescriptorFlags::READ,
            );
            match opened.ours() {
                Ok(handle) => dirs.push(Dir {
                    handle: Handle::Owned(handle),
                    guest,
                    access,
                }),
                // A no-follow open of a symlink fails: it may be one.
                Err(code @ (ErrorCode::Loop | ErrorCode::NotDirectory)) => {
                    match splice(dir.host(), &part, &mut pending, &mut trailing) {
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
            match lstat(dir.host(), &part) {
                // `mkdir` does not follow it: something is there (`exist`), as for a file.
                Ok(stat)
                    if stat.type_ == host::DescriptorType::SymbolicLink
                        && slash == Slash::Follow =>
                {
                    match splice(dir.host(), &part, &mut pending, &mut trailing) {
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
        match op(dir.host(), &fin) {
            Ok(Step::Done(done)) => return Ok(done),
            Ok(Step::Symlink) | Err(ErrorCode::Loop) if follow || trailing => {
                match splice(dir.host(), &fin.name, &mut pending, &mut trailing) {
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
