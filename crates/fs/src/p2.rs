//! The WASI 0.2 adapter: exports `wasi:filesystem/types@0.2.0` and `preopens` and implements
//! them with the host's (see the crate's documentation).

use crate::bindings::exports::wasi::filesystem::preopens::Guest as PreopensGuest;
use crate::bindings::exports::wasi::filesystem::types::{
    self as ours, Advice, DescriptorBorrow, DescriptorFlags, DescriptorStat, DescriptorType,
    DirectoryEntry, ErrorCode, Filesize, MetadataHashValue, NewTimestamp, OpenFlags, PathFlags,
};
use crate::bindings::wasi::filesystem::{preopens as host_preopens, types as host};
use crate::bindings::wasi::io::error::Error as IoError;
use crate::bindings::wasi::io::streams::{InputStream, OutputStream};
use crate::convert::IntoOurs;
use crate::walk::{self, Final, Slash, Step};
use crate::{Descriptor, check_writes_anywhere, filters_paths, open_changes, rules};
use interpose_policy::fs::Access;

pub struct Fs;

/// A directory listing, filtered when the policy hides paths.
pub struct DirectoryEntryStream {
    host: host::DirectoryEntryStream,
    /// The rules for the listed directory's entries, when entries must be filtered.
    filter: Option<rules::Listing<'static>>,
}

impl Descriptor {
    /// Resolves `path` below this descriptor and runs `op` on its last component
    /// ([`walk::at`]).
    fn at<T>(
        &self,
        path: &str,
        follow: bool,
        op: impl FnMut(&host::Descriptor, &Final) -> Result<Step<T>, ErrorCode>,
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
    }

    /// [`Descriptor::at`] for an operation on the entry itself: a trailing `/` means what
    /// `slash` says.
    fn at_entry<T>(
        &self,
        path: &str,
        slash: Slash,
        op: impl FnMut(&host::Descriptor, &Final) -> Result<Step<T>, ErrorCode>,
    ) -> Result<T, ErrorCode> {
        walk::at(&self.host, &self.path, self.access, path, false, slash, op)
    }

    /// Resolves the directories `path` names before its last component, as the host does
    /// before it looks at that component: their errors (`no-entry`, `not-directory`, `loop`,
    /// `not-permitted`) come first.
    fn resolve_parent(&self, path: &str) -> Result<(), ErrorCode> {
        let trimmed = path.trim_end_matches('/');
        let parent = match trimmed.rsplit_once('/') {
            // A last `..` is a directory on the way too: it may climb out of the preopen.
            _ if trimmed == ".." || trimmed.ends_with("/..") => format!("{trimmed}/"),
            Some((parent, _)) => format!("{parent}/"),
            None if path.starts_with('/') => "/".to_owned(),
            None => "./".to_owned(),
        };
        self.at(&parent, true, |dir, fin| {
            if fin.name != "." {
                let stat = walk::lstat(dir, &fin.name)?;
                fin.check_visible(stat.type_)?;
                if stat.type_ != host::DescriptorType::Directory {
                    return Err(ErrorCode::NotDirectory);
                }
            }
            Ok(Step::Done(()))
        })
    }
}

impl Final {
    /// Refuses changing this entry unless the policy lets the app change it: `read-only` where
    /// it may see but not change it, `no-entry` where what is there is invisible.
    fn check_change(&self, dir: &host::Descriptor) -> Result<(), ErrorCode> {
        match self.access {
            Access::Full if rules().writable(&self.guest) => Ok(()),
            Access::Full => Err(ErrorCode::ReadOnly),
            // Only directories exist where the app may only pass through.
            _ => match walk::lstat(dir, &self.name) {
                Ok(stat) if stat.type_ == host::DescriptorType::Directory => {
                    Err(ErrorCode::ReadOnly)
                }
                _ => Err(ErrorCode::NoEntry),
            },
        }
    }

    /// A new link named with a trailing `/`: what the host answers.
    fn check_new_name(&self, dir: &host::Descriptor) -> Result<(), ErrorCode> {
        if !self.must_be_dir {
            return Ok(());
        }
        match walk::lstat(dir, &self.name) {
            Err(ErrorCode::NoEntry) => Err(ErrorCode::NoEntry),
            _ => Err(ErrorCode::Exist),
        }
    }

    /// Where the app may only pass through, only directories exist as far as it can tell.
    fn check_visible(&self, found: host::DescriptorType) -> Result<(), ErrorCode> {
        if self.access == Access::Traverse && found != host::DescriptorType::Directory {
            return Err(ErrorCode::NoEntry);
        }
        Ok(())
    }
}

/// The host's `stat` of `name` in `dir`, not following it; [`Step::Symlink`] if it is a symlink
/// the caller follows.
fn stat_step(
    dir: &host::Descriptor,
    fin: &Final,
    follow: bool,
) -> Result<Step<host::DescriptorStat>, ErrorCode> {
    let stat = walk::lstat(dir, &fin.name)?;
    if stat.type_ == host::DescriptorType::SymbolicLink && (follow || fin.must_be_dir) {
        return Ok(Step::Symlink);
    }
    fin.check_visible(stat.type_)?;
    Ok(Step::Done(stat))
}

fn is_directory(dir: &host::Descriptor, name: &str) -> bool {
    walk::lstat(dir, name).is_ok_and(|s| s.type_ == host::DescriptorType::Directory)
}

impl ours::Guest for Fs {
    type Descriptor = Descriptor;
    type DirectoryEntryStream = DirectoryEntryStream;

    fn filesystem_error_code(err: &IoError) -> Option<ErrorCode> {
        host::filesystem_error_code(err).map(Into::into)
    }
}

impl ours::GuestDescriptor for Descriptor {
    fn read_via_stream(&self, offset: Filesize) -> Result<InputStream, ErrorCode> {
        // The host's stream itself: reads cost nothing extra.
        self.host.read_via_stream(offset).ours()
    }

    fn write_via_stream(&self, offset: Filesize) -> Result<OutputStream, ErrorCode> {
        self.check_writable()?;
        self.host.write_via_stream(offset).ours()
    }

    fn append_via_stream(&self) -> Result<OutputStream, ErrorCode> {
        self.check_writable()?;
        self.host.append_via_stream().ours()
    }

    fn advise(&self, offset: Filesize, length: Filesize, advice: Advice) -> Result<(), ErrorCode> {
        self.host.advise(offset, length, advice.into()).ours()
    }

    fn sync_data(&self) -> Result<(), ErrorCode> {
        self.host.sync_data().ours()
    }

    fn get_flags(&self) -> Result<DescriptorFlags, ErrorCode> {
        let flags: DescriptorFlags = self.host.get_flags().ours()?;
        Ok(self.visible_flags(flags))
    }

    fn get_type(&self) -> Result<DescriptorType, ErrorCode> {
        self.host.get_type().ours()
    }

    fn set_size(&self, size: Filesize) -> Result<(), ErrorCode> {
        self.check_writable()?;
        self.host.set_size(size).ours()
    }

    fn set_times(&self, atime: NewTimestamp, mtime: NewTimestamp) -> Result<(), ErrorCode> {
        self.check_writable()?;
        self.host.set_times(atime.into(), mtime.into()).ours()
    }

    fn read(&self, length: Filesize, offset: Filesize) -> Result<(Vec<u8>, bool), ErrorCode> {
        self.host.read(length, offset).ours()
    }

    fn write(&self, buffer: Vec<u8>, offset: Filesize) -> Result<Filesize, ErrorCode> {
        self.check_writable()?;
        self.host.write(&buffer, offset).ours()
    }

    fn read_directory(&self) -> Result<ours::DirectoryEntryStream, ErrorCode> {
        let host = self.host.read_directory().ours()?;
        let filter = filters_paths().then(|| rules().listing(&self.path));
        Ok(ours::DirectoryEntryStream::new(DirectoryEntryStream {
            host,
            filter,
        }))
    }

    fn sync(&self) -> Result<(), ErrorCode> {
        self.host.sync().ours()
    }

    fn create_directory_at(&self, path: String) -> Result<(), ErrorCode> {
        check_writes_anywhere()?;
        if !filters_paths() {
            return self.host.create_directory_at(&path).ours();
        }
        self.at_entry(&path, Slash::Exist, |dir, fin| {
            fin.check_change(dir)?;
            dir.create_directory_at(&fin.name).ours().map(Step::Done)
        })
    }

    fn stat(&self) -> Result<DescriptorStat, ErrorCode> {
        self.host.stat().ours()
    }

    fn stat_at(&self, flags: PathFlags, path: String) -> Result<DescriptorStat, ErrorCode> {
        if !filters_paths() {
            return self.host.stat_at(flags.into(), &path).ours();
        }
        let follow = flags.contains(PathFlags::SYMLINK_FOLLOW);
        self.at(&path, follow, |dir, fin| {
            let mut stat = match stat_step(dir, fin, follow)? {
                Step::Done(stat) => stat,
                Step::Symlink => return Ok(Step::Symlink),
            };
            if stat.type_ == host::DescriptorType::SymbolicLink {
                // A link's size is the length of its target: not for a target the app may not
                // see. Taken from the text just judged, in the same directory handle, so a link
                // swapped in between cannot lend its length to another.
                stat.size = match dir.readlink_at(&fin.name) {
                    Ok(target) if !Descriptor::leads_to_hidden(&fin.guest, &target) => {
                        target.len() as u64
                    }
                    _ => 0,
                };
            }
            Ok(Step::Done(stat.into()))
        })
    }

    fn set_times_at(
        &self,
        flags: PathFlags,
        path: String,
        atime: NewTimestamp,
        mtime: NewTimestamp,
    ) -> Result<(), ErrorCode> {
        check_writes_anywhere()?;
        if !filters_paths() {
            return self
                .host
                .set_times_at(flags.into(), &path, atime.into(), mtime.into())
                .ours();
        }
        let follow = flags.contains(PathFlags::SYMLINK_FOLLOW);
        self.at(&path, follow, |dir, fin| {
            if let Step::Symlink = stat_step(dir, fin, follow)? {
                return Ok(Step::Symlink);
            }
            fin.check_change(dir)?;
            dir.set_times_at(
                host::PathFlags::empty(),
                &fin.name,
                atime.into(),
                mtime.into(),
            )
            .ours()
            .map(Step::Done)
        })
    }

    fn link_at(
        &self,
        old_flags: PathFlags,
        old_path: String,
        new_descriptor: DescriptorBorrow<'_>,
        new_path: String,
    ) -> Result<(), ErrorCode> {
        let new = Descriptor::other(&new_descriptor);
        check_writes_anywhere()?;
        if !filters_paths() {
            return self
                .host
                .link_at(old_flags.into(), &old_path, &new.host, &new_path)
                .ours();
        }
        let follow = old_flags.contains(PathFlags::SYMLINK_FOLLOW);
        self.at(&old_path, follow, |old_dir, old| {
            let stat = match stat_step(old_dir, old, follow) {
                Ok(Step::Symlink) => return Ok(Step::Symlink),
                Ok(Step::Done(stat)) => stat,
                Err(code) => {
                    // The host resolves the new path before it looks for the entry to link:
                    // its errors come first (`link:missing:file/x` is `not-directory`). Not so
                    // for `missing/`, which it resolves whole first, as a directory.
                    if !old.must_be_dir {
                        new.at_entry(&new_path, Slash::Follow, |_, _| Ok(Step::Done(())))?;
                    }
                    return Err(code);
                }
            };
            old.check_change(old_dir)?;
            let link_target = if stat.type_ == host::DescriptorType::SymbolicLink {
                let target: String = old_dir.readlink_at(&old.name).ours()?;
                Some(target)
            } else {
                None
            };
            new.at_entry(&new_path, Slash::Follow, |new_dir, target| {
                target.check_new_name(new_dir)?;
                target.check_change(new_dir)?;
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
                    .link_at(host::PathFlags::empty(), &old.name, new_dir, &target.name)
                    .ours()
                    .map(Step::Done)
            })
            .map(Step::Done)
        })
    }

    fn open_at(
        &self,
        flags: PathFlags,
        path: String,
        open_flags: OpenFlags,
        descriptor_flags: DescriptorFlags,
    ) -> Result<ours::Descriptor, ErrorCode> {
        let changes = open_changes(open_flags, descriptor_flags);
        if changes {
            check_writes_anywhere()?;
        }
        if !filters_paths() {
            let opened = self
                .host
                .open_at(
                    flags.into(),
                    &path,
                    open_flags.into(),
                    descriptor_flags.into(),
                )
                .ours()?;
            // Paths are not checked, so the exact name is only informative.
            return Ok(Descriptor::handle(opened, self.path.clone(), Access::Full));
        }
        let creates = open_flags.contains(OpenFlags::CREATE);
        if open_flags.contains(OpenFlags::DIRECTORY)
            && open_flags.intersects(OpenFlags::CREATE | OpenFlags::EXCLUSIVE | OpenFlags::TRUNCATE)
        {
            // The host checks the flags before it looks at the path.
            return Err(ErrorCode::Invalid);
        }
        let last = path.trim_end_matches('/').rsplit('/').next();
        if creates && path.ends_with('/') && !matches!(last, Some("." | "..")) {
            // What the host answers, whatever the last component is, once the directories before
            // it resolve: their errors come first (`nothere/x/` is `no-entry`). (`.` and `..`
            // are resolved below, as without the `/`.)
            self.resolve_parent(&path)?;
            return Err(ErrorCode::IsDirectory);
        }
        let follow = flags.contains(PathFlags::SYMLINK_FOLLOW);
        self.at(&path, follow, |dir, fin| {
            if creates && fin.must_be_dir {
                // `.` (and `..`) always exist: with `exclusive`, that comes first.
                if fin.name == "." && open_flags.contains(OpenFlags::EXCLUSIVE) {
                    return Err(ErrorCode::Exist);
                }
                return Err(ErrorCode::IsDirectory);
            }
            if fin.access == Access::Traverse {
                // A directory on the way to allowed paths: it may be opened to go further,
                // never changed, and a file here does not exist.
                if let Step::Symlink = stat_step(dir, fin, follow)? {
                    return Ok(Step::Symlink);
                }
            }
            if changes {
                fin.check_change(dir)?;
            }
            let mut open_flags: host::OpenFlags = open_flags.into();
            // A trailing `/`: the walk found a directory (or nothing) there. Opening it as one
            // keeps it one, but the host refuses `directory` with `truncate` or `exclusive`
            // (`invalid`), which the app did not ask for: then answer as the host does for the
            // path with its `/`.
            let asked_directory = open_flags.contains(host::OpenFlags::DIRECTORY);
            if fin.must_be_dir && !asked_directory {
                if open_flags.contains(host::OpenFlags::TRUNCATE) {
                    // A directory cannot be truncated. Answered without opening anything, so
                    // that a file swapped in meanwhile is not truncated either.
                    let stat = walk::lstat(dir, &fin.name)?;
                    return Err(match stat.type_ {
                        host::DescriptorType::Directory => ErrorCode::IsDirectory,
                        _ => ErrorCode::NotDirectory,
                    });
                }
                if !open_flags.contains(host::OpenFlags::EXCLUSIVE) {
                    open_flags |= host::OpenFlags::DIRECTORY;
                }
            }
            let opened: host::Descriptor = dir
                .open_at(
                    host::PathFlags::empty(),
                    &fin.name,
                    open_flags,
                    descriptor_flags.into(),
                )
                .ours()?;
            if fin.must_be_dir && !open_flags.contains(host::OpenFlags::DIRECTORY) {
                // Opened without `directory` (`exclusive`): swapped for a file since the walk.
                let found: host::DescriptorType = opened.get_type().ours()?;
                if found != host::DescriptorType::Directory {
                    return Err(ErrorCode::NotDirectory);
                }
            }
            if fin.access == Access::Traverse {
                // Swapped for a file since the check: still invisible.
                let found: host::DescriptorType = opened.get_type().ours()?;
                fin.check_visible(found)?;
            }
            Ok(Step::Done(Descriptor::handle(
                opened,
                fin.guest.clone(),
                fin.access,
            )))
        })
    }

    fn readlink_at(&self, path: String) -> Result<String, ErrorCode> {
        if !filters_paths() {
            return self.host.readlink_at(&path).ours();
        }
        self.at(&path, false, |dir, fin| {
            if fin.access == Access::Traverse {
                // Only directories exist here: asking the host to read a hidden file as a link
                // would tell it apart from a missing one (`invalid` against `no-entry`).
                return Err(match walk::lstat(dir, &fin.name) {
                    Ok(stat) if stat.type_ == host::DescriptorType::Directory => ErrorCode::Invalid,
                    _ => ErrorCode::NoEntry,
                });
            }
            let target: String = dir.readlink_at(&fin.name).ours()?;
            // The link is visible; where it points is not, when that place is hidden.
            if Descriptor::leads_to_hidden(&fin.guest, &target) {
                return Err(ErrorCode::Access);
            }
            Ok(Step::Done(target))
        })
    }

    fn remove_directory_at(&self, path: String) -> Result<(), ErrorCode> {
        check_writes_anywhere()?;
        if !filters_paths() {
            return self.host.remove_directory_at(&path).ours();
        }
        self.at_entry(&path, Slash::Follow, |dir, fin| {
            if fin.name == "." || fin.must_be_dir {
                // What the host answers for `dir/.` and `dir/`; `no-entry` where nothing is
                // there (`dangling/`).
                if fin.name != "." {
                    walk::lstat(dir, &fin.name)?;
                }
                return Err(ErrorCode::Invalid);
            }
            fin.check_change(dir)?;
            // It may look empty and hold hidden entries: the host's `not-empty` would tell.
            // Refused whatever it holds, so the answer says nothing about them.
            if rules().may_hide_below(&fin.guest) {
                return Err(ErrorCode::Access);
            }
            dir.remove_directory_at(&fin.name).ours().map(Step::Done)
        })
    }

    fn rename_at(
        &self,
        old_path: String,
        new_descriptor: DescriptorBorrow<'_>,
        new_path: String,
    ) -> Result<(), ErrorCode> {
        let new = Descriptor::other(&new_descriptor);
        check_writes_anywhere()?;
        if !filters_paths() {
            return self.host.rename_at(&old_path, &new.host, &new_path).ours();
        }
        // The host resolves the directories of both paths before it looks at either last
        // component: their errors come first (`rename:link_to_a/:nothere/x` is `no-entry`).
        self.resolve_parent(&old_path)?;
        new.resolve_parent(&new_path)?;
        self.at_entry(&old_path, Slash::NoFollow, |old_dir, old| {
            // Once both parents resolve, the host refuses `.` or `..` as either name (`busy`),
            // then looks for the entry to move, and only then checks the new name:
            // `rename:missing:file/` is `no-entry`, `rename:missing:.` `busy`.
            let new_last = new_path.trim_end_matches('/').rsplit('/').next();
            if matches!(new_last, Some(".." | ".")) {
                // Resolved whole: a `..` may climb out of the preopen (`not-permitted`).
                new.at_entry(&new_path, Slash::NoFollow, |_, _| Ok(Step::Done(())))?;
                return Err(ErrorCode::Busy);
            }
            let found = match old.name.as_str() {
                "." => Err(ErrorCode::Busy),
                // A file where the app may only pass through is as missing as a missing one.
                name => walk::lstat(old_dir, name).and_then(|stat| old.check_visible(stat.type_)),
            };
            if let Err(code) = found {
                new.resolve_parent(&new_path)?;
                return Err(code);
            }
            new.at_entry(&new_path, Slash::NoFollow, |new_dir, target| {
                if old.name == "." || target.name == "." {
                    // What the host answers for a directory renamed as `.` or onto it.
                    return Err(ErrorCode::Busy);
                }
                old.check_change(old_dir)?;
                target.check_change(new_dir)?;
                // Everything below moves with it: the policy must decide it alike under both
                // names, or the move would reveal or expose it.
                if !rules().moves_alike(&old.guest, &target.guest) {
                    return Err(ErrorCode::Access);
                }
                // Replacing a directory that looks empty would tell whether it holds hidden
                // entries.
                if rules().may_hide_below(&target.guest) && is_directory(new_dir, &target.name) {
                    return Err(ErrorCode::Access);
                }
                if (old.must_be_dir || target.must_be_dir) && !is_directory(old_dir, &old.name) {
                    return Err(ErrorCode::NotDirectory);
                }
                old_dir
                    .rename_at(&old.name, new_dir, &target.name)
                    .ours()
                    .map(Step::Done)
            })
            .map(Step::Done)
        })
    }

    fn symlink_at(&self, old_path: String, new_path: String) -> Result<(), ErrorCode> {
        check_writes_anywhere()?;
        if !filters_paths() {
            return self.host.symlink_at(&old_path, &new_path).ours();
        }
        if old_path.starts_with('/') {
            // The host refuses an absolute target before it looks at the new path.
            return Err(ErrorCode::NotPermitted);
        }
        // A new name with a trailing `/` is looked up as the host does, following a symlink
        // (`link_to_dir/` exists: `exist`; `a.txt/`: `not-directory`); nothing is made there.
        self.at_entry(&new_path, Slash::Follow, |dir, fin| {
            fin.check_new_name(dir)?;
            fin.check_change(dir)?;
            // A link may only point somewhere the app could reach anyway.
            if old_path.starts_with('/') || Descriptor::leads_to_hidden(&fin.guest, &old_path) {
                return Err(ErrorCode::NotPermitted);
            }
            dir.symlink_at(&old_path, &fin.name).ours().map(Step::Done)
        })
    }

    fn unlink_file_at(&self, path: String) -> Result<(), ErrorCode> {
        check_writes_anywhere()?;
        if !filters_paths() {
            return self.host.unlink_file_at(&path).ours();
        }
        self.at_entry(&path, Slash::Follow, |dir, fin| {
            fin.check_change(dir)?;
            dir.unlink_file_at(&fin.name).ours().map(Step::Done)
        })
    }

    fn is_same_object(&self, other: DescriptorBorrow<'_>) -> bool {
        self.host.is_same_object(&Descriptor::other(&other).host)
    }

    fn metadata_hash(&self) -> Result<MetadataHashValue, ErrorCode> {
        self.host.metadata_hash().ours()
    }

    fn metadata_hash_at(
        &self,
        flags: PathFlags,
        path: String,
    ) -> Result<MetadataHashValue, ErrorCode> {
        if !filters_paths() {
            return self.host.metadata_hash_at(flags.into(), &path).ours();
        }
        let follow = flags.contains(PathFlags::SYMLINK_FOLLOW);
        self.at(&path, follow, |dir, fin| {
            if let Step::Symlink = stat_step(dir, fin, follow)? {
                return Ok(Step::Symlink);
            }
            dir.metadata_hash_at(host::PathFlags::empty(), &fin.name)
                .ours()
                .map(Step::Done)
        })
    }
}

impl ours::GuestDirectoryEntryStream for DirectoryEntryStream {
    fn read_directory_entry(&self) -> Result<Option<DirectoryEntry>, ErrorCode> {
        loop {
            let entry: Option<host::DirectoryEntry> = self.host.read_directory_entry().ours()?;
            let Some(entry) = entry else {
                return Ok(None);
            };
            // `cfg!`: without path checks the listing code is left out of the adapter.
            let visible = match self.filter.as_ref().filter(|_| cfg!(feature = "paths")) {
                None => true,
                Some(listing) => match listing.access(&entry.name) {
                    Access::Full => true,
                    Access::Traverse => entry.type_ == host::DescriptorType::Directory,
                    Access::None => false,
                },
            };
            if visible {
                return Ok(Some(entry.into()));
            }
        }
    }
}

impl PreopensGuest for Fs {
    fn get_directories() -> Vec<(ours::Descriptor, String)> {
        crate::preopens(host_preopens::get_directories())
    }
}
