//! The `*-at` functions under path rules, for both WASI releases: each path is resolved by
//! [`walk::at`] and the operation acts on the entry it found, through the directory handle that
//! holds it ([`Host`]). The 0.2 adapter drives these with [`walk::ready`], the 0.3 one awaits
//! them; both only call them when [`crate::filters_paths`] (without the `paths` feature they are
//! left out of the adapter).
//!
//! They take and return the host's types (flags, timestamps, stats); errors are the app's.

use crate::bindings::exports::wasi::filesystem::types::{self as ours, ErrorCode};
use crate::bindings::wasi::filesystem::types as host;
use crate::walk::{self, Final, Host, Slash, Step, lstat};
use crate::{Descriptor, rules};
use interpose_policy::fs::Access;

impl Final {
    /// Refuses changing this entry unless the policy lets the app change it: `read-only` where
    /// it may see but not change it, `no-entry` where what is there is invisible.
    async fn check_change(&self, dir: &host::Descriptor) -> Result<(), ErrorCode> {
        match self.access {
            Access::Full if rules().writable(&self.guest) => Ok(()),
            Access::Full => Err(ErrorCode::ReadOnly),
            // Only directories exist where the app may only pass through.
            _ => match lstat(dir, &self.name).await {
                Ok(stat) if stat.type_ == host::DescriptorType::Directory => {
                    Err(ErrorCode::ReadOnly)
                }
                _ => Err(ErrorCode::NoEntry),
            },
        }
    }

    /// A new link named with a trailing `/`: what the host answers.
    async fn check_new_name(&self, dir: &host::Descriptor) -> Result<(), ErrorCode> {
        if !self.must_be_dir {
            return Ok(());
        }
        match lstat(dir, &self.name).await {
            Err(ErrorCode::NoEntry) => Err(ErrorCode::NoEntry),
            _ => Err(ErrorCode::Exist),
        }
    }

    /// Where the app may only pass through, only directories exist as far as it can tell.
    fn check_visible(&self, found: &host::DescriptorType) -> Result<(), ErrorCode> {
        if self.access == Access::Traverse && *found != host::DescriptorType::Directory {
            return Err(ErrorCode::NoEntry);
        }
        Ok(())
    }
}

/// The host's `stat` of `name` in `dir`, not following it; [`Step::Symlink`] if it is a symlink
/// the caller follows.
async fn stat_step(
    dir: &host::Descriptor,
    fin: &Final,
    follow: bool,
) -> Result<Step<host::DescriptorStat>, ErrorCode> {
    let stat = lstat(dir, &fin.name).await?;
    if stat.type_ == host::DescriptorType::SymbolicLink && (follow || fin.must_be_dir) {
        return Ok(Step::Symlink);
    }
    fin.check_visible(&stat.type_)?;
    Ok(Step::Done(stat))
}

async fn is_directory(dir: &host::Descriptor, name: &str) -> bool {
    lstat(dir, name)
        .await
        .is_ok_and(|s| s.type_ == host::DescriptorType::Directory)
}

impl Descriptor {
    /// Resolves `path` below this descriptor and runs `op` on its last component
    /// ([`walk::at`]).
    async fn at<T>(
        &self,
        path: &str,
        follow: bool,
        op: impl AsyncFnMut(&host::Descriptor, &Final) -> Result<Step<T>, ErrorCode>,
    ) -> Result<T, ErrorCode> {
        walk::at(
            &self.host,
            &self.path,
            self.access,
            path,
            follow,
            Slash::Follow,
            op,
        )
        .await
    }

    /// [`Descriptor::at`] for an operation on the entry itself: a trailing `/` means what
    /// `slash` says.
    async fn at_entry<T>(
        &self,
        path: &str,
        slash: Slash,
        op: impl AsyncFnMut(&host::Descriptor, &Final) -> Result<Step<T>, ErrorCode>,
    ) -> Result<T, ErrorCode> {
        walk::at(&self.host, &self.path, self.access, path, false, slash, op).await
    }

    /// Resolves the directories `path` names before its last component, as the host does
    /// before it looks at that component: their errors (`no-entry`, `not-directory`, `loop`,
    /// `not-permitted`) come first.
    async fn resolve_parent(&self, path: &str) -> Result<(), ErrorCode> {
        let trimmed = path.trim_end_matches('/');
        let parent = match trimmed.rsplit_once('/') {
            // A last `..` is a directory on the way too: it may climb out of the preopen.
            _ if trimmed == ".." || trimmed.ends_with("/..") => format!("{trimmed}/"),
            Some((parent, _)) => format!("{parent}/"),
            None if path.starts_with('/') => "/".to_owned(),
            None => "./".to_owned(),
        };
        self.at(&parent, true, async |dir, fin| {
            if fin.name != "." {
                let stat = lstat(dir, &fin.name).await?;
                fin.check_visible(&stat.type_)?;
                if stat.type_ != host::DescriptorType::Directory {
                    return Err(ErrorCode::NotDirectory);
                }
            }
            Ok(Step::Done(()))
        })
        .await
    }

    pub(crate) async fn create_directory_at_paths(&self, path: &str) -> Result<(), ErrorCode> {
        self.at_entry(path, Slash::Exist, async |dir, fin| {
            fin.check_change(dir).await?;
            dir.mkdir(&fin.name).await.map(Step::Done)
        })
        .await
    }

    pub(crate) async fn stat_at_paths(
        &self,
        follow: bool,
        path: &str,
    ) -> Result<host::DescriptorStat, ErrorCode> {
        self.at(path, follow, async |dir, fin| {
            let mut stat = match stat_step(dir, fin, follow).await? {
                Step::Done(stat) => stat,
                Step::Symlink => return Ok(Step::Symlink),
            };
            if stat.type_ == host::DescriptorType::SymbolicLink {
                // A link's size is the length of its target: not for a target the app may not
                // see. Taken from the text just judged, in the same directory handle, so a link
                // swapped in between cannot lend its length to another.
                stat.size = match dir.readlink(&fin.name).await {
                    Ok(target) if !Descriptor::leads_to_hidden(&fin.guest, &target) => {
                        target.len() as u64
                    }
                    _ => 0,
                };
            }
            crate::visible_stat(&fin.guest, fin.access, &mut stat);
            Ok(Step::Done(stat))
        })
        .await
    }

    pub(crate) async fn set_times_at_paths(
        &self,
        follow: bool,
        path: &str,
        atime: host::NewTimestamp,
        mtime: host::NewTimestamp,
    ) -> Result<(), ErrorCode> {
        self.at(path, follow, async |dir, fin| {
            if let Step::Symlink = stat_step(dir, fin, follow).await? {
                return Ok(Step::Symlink);
            }
            fin.check_change(dir).await?;
            dir.touch(&fin.name, &atime, &mtime).await.map(Step::Done)
        })
        .await
    }

    pub(crate) async fn link_at_paths(
        &self,
        follow: bool,
        old_path: &str,
        new: &Descriptor,
        new_path: &str,
    ) -> Result<(), ErrorCode> {
        self.at(old_path, follow, async |old_dir, old| {
            let stat = match stat_step(old_dir, old, follow).await {
                Ok(Step::Symlink) => return Ok(Step::Symlink),
                Ok(Step::Done(stat)) => stat,
                Err(code) => {
                    // The host resolves the new path before it looks for the entry to link:
                    // its errors come first (`link:missing:file/x` is `not-directory`). Not so
                    // for `missing/`, which it resolves whole first, as a directory.
                    if !old.must_be_dir {
                        new.at_entry(new_path, Slash::Follow, async |_, _| Ok(Step::Done(())))
                            .await?;
                    }
                    return Err(code);
                }
            };
            old.check_change(old_dir).await?;
            let link_target = if stat.type_ == host::DescriptorType::SymbolicLink {
                Some(old_dir.readlink(&old.name).await?)
            } else {
                None
            };
            new.at_entry(new_path, Slash::Follow, async |new_dir, target| {
                target.check_new_name(new_dir).await?;
                target.check_change(new_dir).await?;
                if let Some(link_target) = &link_target {
                    // A new name for a symlink points from where it lands: judge it there, and
                    // where it was.
                    if Descriptor::leads_to_hidden(&old.guest, link_target)
                        || Descriptor::leads_to_hidden(&target.guest, link_target)
                    {
                        return Err(ErrorCode::NoEntry);
                    }
                }
                old_dir
                    .link(&old.name, new_dir, &target.name)
                    .await
                    .map(Step::Done)
            })
            .await
            .map(Step::Done)
        })
        .await
    }

    pub(crate) async fn open_at_paths(
        &self,
        follow: bool,
        path: &str,
        open_flags: host::OpenFlags,
        descriptor_flags: host::DescriptorFlags,
        changes: bool,
    ) -> Result<ours::Descriptor, ErrorCode> {
        let creates = open_flags.contains(host::OpenFlags::CREATE);
        if open_flags.contains(host::OpenFlags::DIRECTORY)
            && open_flags.intersects(
                host::OpenFlags::CREATE | host::OpenFlags::EXCLUSIVE | host::OpenFlags::TRUNCATE,
            )
        {
            // The host checks the flags before it looks at the path.
            return Err(ErrorCode::Invalid);
        }
        let last = path.trim_end_matches('/').rsplit('/').next();
        if creates && path.ends_with('/') && !matches!(last, Some("." | "..")) {
            // What the host answers, whatever the last component is, once the directories before
            // it resolve: their errors come first (`nothere/x/` is `no-entry`). (`.` and `..`
            // are resolved below, as without the `/`.)
            self.resolve_parent(path).await?;
            return Err(ErrorCode::IsDirectory);
        }
        self.at(path, follow, async |dir, fin| {
            if creates && fin.must_be_dir {
                // `.` (and `..`) always exist: with `exclusive`, that comes first.
                if fin.name == "." && open_flags.contains(host::OpenFlags::EXCLUSIVE) {
                    return Err(ErrorCode::Exist);
                }
                return Err(ErrorCode::IsDirectory);
            }
            if fin.access == Access::Traverse {
                // A directory on the way to allowed paths: it may be opened to go further,
                // never changed, and a file here does not exist.
                if let Step::Symlink = stat_step(dir, fin, follow).await? {
                    return Ok(Step::Symlink);
                }
            }
            if changes {
                fin.check_change(dir).await?;
            }
            let mut open_flags = open_flags;
            // A trailing `/`: the walk found a directory (or nothing) there. Opening it as one
            // keeps it one, but the host refuses `directory` with `truncate` or `exclusive`
            // (`invalid`), which the app did not ask for: then answer as the host does for the
            // path with its `/`.
            let asked_directory = open_flags.contains(host::OpenFlags::DIRECTORY);
            if fin.must_be_dir && !asked_directory {
                if open_flags.contains(host::OpenFlags::TRUNCATE) {
                    // A directory cannot be truncated. Answered without opening anything, so
                    // that a file swapped in meanwhile is not truncated either.
                    let stat = lstat(dir, &fin.name).await?;
                    return Err(match stat.type_ {
                        host::DescriptorType::Directory => ErrorCode::IsDirectory,
                        _ => ErrorCode::NotDirectory,
                    });
                }
                if !open_flags.contains(host::OpenFlags::EXCLUSIVE) {
                    open_flags |= host::OpenFlags::DIRECTORY;
                }
            }
            let opened = dir.open(&fin.name, open_flags, descriptor_flags).await?;
            if fin.must_be_dir && !open_flags.contains(host::OpenFlags::DIRECTORY) {
                // Opened without `directory` (`exclusive`): swapped for a file since the walk.
                let found = opened.kind().await?;
                if found != host::DescriptorType::Directory {
                    return Err(ErrorCode::NotDirectory);
                }
            }
            if fin.access == Access::Traverse {
                // Swapped for a file since the check: still invisible.
                let found = opened.kind().await?;
                fin.check_visible(&found)?;
            }
            Ok(Step::Done(Descriptor::handle(
                opened,
                fin.guest.clone(),
                fin.access,
            )))
        })
        .await
    }

    pub(crate) async fn readlink_at_paths(&self, path: &str) -> Result<String, ErrorCode> {
        self.at(path, false, async |dir, fin| {
            if fin.access == Access::Traverse {
                // Only directories exist here: asking the host to read a hidden file as a link
                // would tell it apart from a missing one (`invalid` against `no-entry`).
                return Err(match lstat(dir, &fin.name).await {
                    Ok(stat) if stat.type_ == host::DescriptorType::Directory => ErrorCode::Invalid,
                    _ => ErrorCode::NoEntry,
                });
            }
            let target = dir.readlink(&fin.name).await?;
            // The link is visible; where it points is not, when that place is hidden.
            if Descriptor::leads_to_hidden(&fin.guest, &target) {
                return Err(ErrorCode::Access);
            }
            Ok(Step::Done(target))
        })
        .await
    }

    pub(crate) async fn remove_directory_at_paths(&self, path: &str) -> Result<(), ErrorCode> {
        self.at_entry(path, Slash::Follow, async |dir, fin| {
            if fin.name == "." || fin.must_be_dir {
                // What the host answers for `dir/.` and `dir/`; `no-entry` where nothing is
                // there (`dangling/`).
                if fin.name != "." {
                    lstat(dir, &fin.name).await?;
                }
                return Err(ErrorCode::Invalid);
            }
            fin.check_change(dir).await?;
            // It may look empty and hold hidden entries: the host's `not-empty` would tell.
            // Refused whatever it holds, so the answer says nothing about them.
            if rules().may_hide_below(&fin.guest) {
                return Err(ErrorCode::Access);
            }
            dir.rmdir(&fin.name).await.map(Step::Done)
        })
        .await
    }

    pub(crate) async fn rename_at_paths(
        &self,
        old_path: &str,
        new: &Descriptor,
        new_path: &str,
    ) -> Result<(), ErrorCode> {
        // The host resolves the directories of both paths before it looks at either last
        // component: their errors come first (`rename:link_to_a/:nothere/x` is `no-entry`).
        self.resolve_parent(old_path).await?;
        new.resolve_parent(new_path).await?;
        self.at_entry(old_path, Slash::NoFollow, async |old_dir, old| {
            // Once both parents resolve, the host refuses `.` or `..` as either name (`busy`),
            // then looks for the entry to move, and only then checks the new name:
            // `rename:missing:file/` is `no-entry`, `rename:missing:.` `busy`.
            let new_last = new_path.trim_end_matches('/').rsplit('/').next();
            if matches!(new_last, Some(".." | ".")) {
                // Resolved whole: a `..` may climb out of the preopen (`not-permitted`).
                new.at_entry(new_path, Slash::NoFollow, async |_, _| Ok(Step::Done(())))
                    .await?;
                return Err(ErrorCode::Busy);
            }
            let found = match old.name.as_str() {
                "." => Err(ErrorCode::Busy),
                // A file where the app may only pass through is as missing as a missing one.
                name => match lstat(old_dir, name).await {
                    Ok(stat) => old.check_visible(&stat.type_),
                    Err(code) => Err(code),
                },
            };
            if let Err(code) = found {
                new.resolve_parent(new_path).await?;
                return Err(code);
            }
            new.at_entry(new_path, Slash::NoFollow, async |new_dir, target| {
                if old.name == "." || target.name == "." {
                    // What the host answers for a directory renamed as `.` or onto it.
                    return Err(ErrorCode::Busy);
                }
                old.check_change(old_dir).await?;
                target.check_change(new_dir).await?;
                // Everything below moves with it: the policy must decide it alike under both
                // names, or the move would reveal or expose it.
                if !rules().moves_alike(&old.guest, &target.guest) {
                    return Err(ErrorCode::Access);
                }
                // Replacing a directory that looks empty would tell whether it holds hidden
                // entries.
                if rules().may_hide_below(&target.guest)
                    && is_directory(new_dir, &target.name).await
                {
                    return Err(ErrorCode::Access);
                }
                if (old.must_be_dir || target.must_be_dir)
                    && !is_directory(old_dir, &old.name).await
                {
                    return Err(ErrorCode::NotDirectory);
                }
                old_dir
                    .rename(&old.name, new_dir, &target.name)
                    .await
                    .map(Step::Done)
            })
            .await
            .map(Step::Done)
        })
        .await
    }

    pub(crate) async fn symlink_at_paths(
        &self,
        old_path: &str,
        new_path: &str,
    ) -> Result<(), ErrorCode> {
        if old_path.starts_with('/') {
            // The host refuses an absolute target before it looks at the new path.
            return Err(ErrorCode::NotPermitted);
        }
        // A new name with a trailing `/` is looked up as the host does, following a symlink
        // (`link_to_dir/` exists: `exist`; `a.txt/`: `not-directory`); nothing is made there.
        self.at_entry(new_path, Slash::Follow, async |dir, fin| {
            fin.check_new_name(dir).await?;
            fin.check_change(dir).await?;
            // A link may only point somewhere the app could reach anyway.
            if old_path.starts_with('/') || Descriptor::leads_to_hidden(&fin.guest, old_path) {
                return Err(ErrorCode::NotPermitted);
            }
            dir.symlink(old_path, &fin.name).await.map(Step::Done)
        })
        .await
    }

    pub(crate) async fn unlink_file_at_paths(&self, path: &str) -> Result<(), ErrorCode> {
        self.at_entry(path, Slash::Follow, async |dir, fin| {
            fin.check_change(dir).await?;
            dir.unlink(&fin.name).await.map(Step::Done)
        })
        .await
    }

    pub(crate) async fn metadata_hash_at_paths(
        &self,
        follow: bool,
        path: &str,
    ) -> Result<host::MetadataHashValue, ErrorCode> {
        self.at(path, follow, async |dir, fin| {
            if let Step::Symlink = stat_step(dir, fin, follow).await? {
                return Ok(Step::Symlink);
            }
            dir.hash(&fin.name).await.map(Step::Done)
        })
        .await
    }
}
