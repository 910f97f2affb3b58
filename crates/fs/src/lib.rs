//! `wasi:filesystem`, attenuated by the policy's `fs` section.
//!
//! Exports `types` and `preopens` and implements them with the host's. Every descriptor the app
//! holds is ours, wrapping a host descriptor with the guest path it names and whether it may be
//! changed; the app can only reach the host through it.
//!
//! Zero cost where nothing is attenuated: `wasi:io/streams` is not exported, so
//! `read-via-stream` hands the app the host's own stream and file data never passes through the
//! adapter. Without path globs, paths go to the host untouched (the host already confines them
//! to the preopens); with globs, each path is resolved here (`..`, symlinks) and the resolved
//! path is both checked and the one the host opens.
//!
//! Denials: changes under `read-only` fail with `read-only`; paths the policy hides fail with
//! `no-entry` (they do not exist as far as the app can tell) and never appear in listings;
//! absolute paths and `..` above the descriptor fail with `not-permitted`, as on the host.

mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "interpose:adapters/fs",
        generate_all,
    });
}
mod convert;

use std::collections::VecDeque;
use std::sync::OnceLock;

use bindings::exports::wasi::filesystem::preopens::Guest as PreopensGuest;
use bindings::exports::wasi::filesystem::types::{
    self as ours, Advice, DescriptorBorrow, DescriptorFlags, DescriptorStat, DescriptorType,
    DirectoryEntry, ErrorCode, Filesize, MetadataHashValue, NewTimestamp, OpenFlags, PathFlags,
};
use bindings::interpose::policy::source;
use bindings::wasi::filesystem::{preopens as host_preopens, types as host};
use bindings::wasi::io::error::Error as IoError;
use bindings::wasi::io::streams::{InputStream, OutputStream};
use convert::IntoOurs;
use interpose_policy::compiled;
use interpose_policy::fs::{self as rules, Access, FsRules, PathError, PreopenRule};

/// Symlinks followed while resolving one path, as in POSIX's `SYMLOOP_MAX`.
const MAX_SYMLINKS: usize = 40;

fn rules() -> &'static FsRules {
    static RULES: OnceLock<FsRules> = OnceLock::new();
    RULES.get_or_init(|| {
        // No error channel reaches here; a policy that does not decode was not made by the
        // composer this adapter was built with.
        let rules: FsRules =
            compiled::decode_section(&compiled::read_source(source::len(), source::chunk), |e| {
                e.fs
            })
            .expect("interpose: the baked-in policy does not decode; recompose with this version")
            .unwrap_or_default();
        // Fail closed: this build would let every path through.
        assert!(
            cfg!(feature = "paths") || !rules.filters_paths(),
            "interpose: path globs reached the `fs` adapter built without path checks"
        );
        rules
    })
}

/// Whether paths are checked. Built without the `paths` feature this is `false` at compile
/// time, and everything that resolves and matches paths is left out of the adapter.
fn filters_paths() -> bool {
    cfg!(feature = "paths") && rules().filters_paths()
}

struct Fs;

/// A descriptor handed to the app.
pub struct Descriptor {
    host: host::Descriptor,
    /// The normalised guest path this descriptor names, e.g. `/data/sub`.
    path: String,
    /// Whether the policy lets the app change anything through it.
    writable: bool,
}

/// A directory listing, filtered when the policy hides paths.
pub struct DirectoryEntryStream {
    host: host::DirectoryEntryStream,
    /// The rules for the listed directory's entries, when entries must be filtered.
    filter: Option<rules::Listing<'static>>,
}

/// A path resolved below a descriptor.
struct Resolved {
    /// The normalised guest path.
    guest: String,
    /// What to pass to the host, relative to the descriptor; `.` for the descriptor itself.
    relative: String,
    /// The path flags to pass to the host: symlinks were already followed here when checking.
    flags: host::PathFlags,
    /// What the policy lets the app do with it ([`Access::Full`] when paths are not checked).
    access: Access,
    /// The host's `stat` of the resolved path, when resolving already asked for it (it is not
    /// a symlink): saves asking again.
    stat: Option<host::DescriptorStat>,
}

fn path_error(e: PathError) -> ErrorCode {
    match e {
        PathError::Absolute | PathError::Escapes => ErrorCode::NotPermitted,
        PathError::Nul => ErrorCode::Invalid,
        PathError::Empty => ErrorCode::NoEntry,
    }
}

impl Descriptor {
    /// Wraps a host descriptor into the resource handed to the app.
    fn handle(host: host::Descriptor, path: String, writable: bool) -> ours::Descriptor {
        ours::Descriptor::new(Descriptor {
            host,
            path,
            writable,
        })
    }

    fn check_writable(&self) -> Result<(), ErrorCode> {
        if self.writable {
            Ok(())
        } else {
            Err(ErrorCode::ReadOnly)
        }
    }

    /// Resolves `path` below this descriptor and checks it against the policy. Without path
    /// filtering the path goes to the host as given.
    fn resolve(&self, flags: PathFlags, path: &str, need: Access) -> Result<Resolved, ErrorCode> {
        if !filters_paths() {
            return Ok(Resolved {
                guest: String::new(),
                relative: path.to_owned(),
                flags: flags.into(),
                access: Access::Full,
                stat: None,
            });
        }
        let follow_last = flags.contains(PathFlags::SYMLINK_FOLLOW);
        let (parts, stat) = self.resolve_symlinks(path, follow_last)?;
        let guest = rules::join(&self.path, parts.iter().map(String::as_str));
        let access = rules().access(&guest);
        let permitted = match need {
            Access::Full => access == Access::Full,
            Access::Traverse => access != Access::None,
            Access::None => true,
        };
        if !permitted {
            return Err(ErrorCode::NoEntry);
        }
        let relative = if parts.is_empty() {
            ".".to_owned()
        } else {
            parts.join("/")
        };
        Ok(Resolved {
            guest,
            relative,
            flags: host::PathFlags::empty(),
            access,
            stat,
        })
    }

    /// Applies `.`, `..` and symlinks to `path` as the host would, confined to this descriptor,
    /// and returns the components below it. Symlinks are read from the host, one component at
    /// a time, so the checked path is the one the host will open. Also returns the host's
    /// `stat` of the last component if it was asked for (the last one is followed).
    fn resolve_symlinks(
        &self,
        path: &str,
        follow_last: bool,
    ) -> Result<(Vec<String>, Option<host::DescriptorStat>), ErrorCode> {
        rules::lexical_components(path).map_err(path_error)?;
        let mut pending: VecDeque<String> = path.split('/').map(str::to_owned).collect();
        let mut resolved: Vec<String> = Vec::new();
        let mut followed = 0;
        // Set once a component cannot be stat-ed (it does not exist, or is not a directory).
        // The host cannot walk through it either, so any component after it fails here, `..`
        // included: otherwise `missing/../link` would reach `link` without it being checked.
        let mut missing = false;
        let mut last_stat = None;
        while let Some(part) = pending.pop_front() {
            match part.as_str() {
                "" | "." => continue,
                _ if missing => return Err(ErrorCode::NoEntry),
                ".." => {
                    resolved.pop().ok_or(ErrorCode::NotPermitted)?;
                    continue;
                }
                _ => {}
            }
            resolved.push(part);
            let is_last = pending.iter().all(|p| p.is_empty() || p == ".");
            if is_last && !follow_last {
                continue;
            }
            let here = resolved.join("/");
            last_stat = None;
            match self.host.stat_at(host::PathFlags::empty(), &here) {
                Ok(stat) if stat.type_ == host::DescriptorType::SymbolicLink => {
                    followed += 1;
                    if followed > MAX_SYMLINKS {
                        return Err(ErrorCode::Loop);
                    }
                    let target: String = self.host.readlink_at(&here).ours()?;
                    if target.starts_with('/') {
                        // The host refuses absolute symlink targets too.
                        return Err(ErrorCode::NotPermitted);
                    }
                    resolved.pop();
                    for piece in target.split('/').rev() {
                        pending.push_front(piece.to_owned());
                    }
                }
                Ok(stat) => last_stat = is_last.then_some(stat),
                Err(_) => missing = true,
            }
        }
        Ok((resolved, last_stat))
    }

    /// Whether a symlink at `link` with this `target` leads somewhere the app may reach
    /// (relative targets only, resolved from the link's directory, as the host would).
    fn link_target_reachable(&self, link: &Resolved, target: &str) -> bool {
        if target.starts_with('/') {
            return false;
        }
        let joined = match link.relative.rsplit_once('/') {
            Some((dir, _)) => format!("{dir}/{target}"),
            None => target.to_owned(),
        };
        self.resolve(PathFlags::SYMLINK_FOLLOW, &joined, Access::Traverse)
            .is_ok()
    }

    /// The descriptor another argument names (for `link-at`, `rename-at`).
    fn other<'a>(other: &'a DescriptorBorrow<'_>) -> &'a Descriptor {
        other.get::<Descriptor>()
    }
}

impl Resolved {
    /// The host's `stat` of the resolved path: the one resolving already made, or a new one.
    fn stat_from(&self, at: &host::Descriptor) -> Result<DescriptorStat, ErrorCode> {
        match &self.stat {
            Some(stat) => Ok((*stat).into()),
            None => at.stat_at(self.flags, &self.relative).ours(),
        }
    }
}

/// Whether the app may only pass through `at` (a directory leading to allowed paths).
fn is_traverse_only(at: &Resolved) -> bool {
    at.access == Access::Traverse
}

/// Where the app may only pass through, only directories exist as far as it can tell.
fn only_directories_if_traverse(at: &Resolved, found: DescriptorType) -> Result<(), ErrorCode> {
    if is_traverse_only(at) && found != DescriptorType::Directory {
        return Err(ErrorCode::NoEntry);
    }
    Ok(())
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
        let mut flags: DescriptorFlags = self.host.get_flags().ours()?;
        if !self.writable {
            flags.remove(DescriptorFlags::WRITE | DescriptorFlags::MUTATE_DIRECTORY);
        }
        Ok(flags)
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
        self.check_writable()?;
        let at = self.resolve(PathFlags::empty(), &path, Access::Full)?;
        self.host.create_directory_at(&at.relative).ours()
    }

    fn stat(&self) -> Result<DescriptorStat, ErrorCode> {
        self.host.stat().ours()
    }

    fn stat_at(&self, flags: PathFlags, path: String) -> Result<DescriptorStat, ErrorCode> {
        let at = self.resolve(flags, &path, Access::Traverse)?;
        let stat = at.stat_from(&self.host)?;
        only_directories_if_traverse(&at, stat.type_)?;
        Ok(stat)
    }

    fn set_times_at(
        &self,
        flags: PathFlags,
        path: String,
        atime: NewTimestamp,
        mtime: NewTimestamp,
    ) -> Result<(), ErrorCode> {
        self.check_writable()?;
        let at = self.resolve(flags, &path, Access::Full)?;
        self.host
            .set_times_at(at.flags, &at.relative, atime.into(), mtime.into())
            .ours()
    }

    fn link_at(
        &self,
        old_flags: PathFlags,
        old_path: String,
        new_descriptor: DescriptorBorrow<'_>,
        new_path: String,
    ) -> Result<(), ErrorCode> {
        let new = Descriptor::other(&new_descriptor);
        self.check_writable()?;
        new.check_writable()?;
        let old = self.resolve(old_flags, &old_path, Access::Full)?;
        if filters_paths() {
            // Linking a symlink copies where it points: that place must be reachable too.
            self.resolve(PathFlags::SYMLINK_FOLLOW, &old_path, Access::Full)?;
        }
        let target = new.resolve(PathFlags::empty(), &new_path, Access::Full)?;
        self.host
            .link_at(old.flags, &old.relative, &new.host, &target.relative)
            .ours()
    }

    fn open_at(
        &self,
        flags: PathFlags,
        path: String,
        open_flags: OpenFlags,
        descriptor_flags: DescriptorFlags,
    ) -> Result<ours::Descriptor, ErrorCode> {
        let changes = open_flags
            .intersects(OpenFlags::CREATE | OpenFlags::TRUNCATE | OpenFlags::EXCLUSIVE)
            || descriptor_flags
                .intersects(DescriptorFlags::WRITE | DescriptorFlags::MUTATE_DIRECTORY);
        if changes {
            self.check_writable()?;
        }
        let at = self.resolve(flags, &path, Access::Traverse)?;
        if is_traverse_only(&at) {
            // A directory on the way to allowed paths: it may be opened to go further, never
            // changed, and a file here is not allowed.
            let stat = at.stat_from(&self.host)?;
            if changes {
                return Err(ErrorCode::NoEntry);
            }
            only_directories_if_traverse(&at, stat.type_)?;
        }
        let opened = self
            .host
            .open_at(
                at.flags,
                &at.relative,
                open_flags.into(),
                descriptor_flags.into(),
            )
            .ours()?;
        let path = if filters_paths() {
            at.guest
        } else {
            // Paths are not checked, so the exact name is only informative.
            self.path.clone()
        };
        Ok(Descriptor::handle(opened, path, self.writable))
    }

    fn readlink_at(&self, path: String) -> Result<String, ErrorCode> {
        let at = self.resolve(PathFlags::empty(), &path, Access::Full)?;
        let target: String = self.host.readlink_at(&at.relative).ours()?;
        // Do not reveal where a link points if that place is hidden.
        if filters_paths() && !self.link_target_reachable(&at, &target) {
            return Err(ErrorCode::NoEntry);
        }
        Ok(target)
    }

    fn remove_directory_at(&self, path: String) -> Result<(), ErrorCode> {
        self.check_writable()?;
        let at = self.resolve(PathFlags::empty(), &path, Access::Full)?;
        self.host.remove_directory_at(&at.relative).ours()
    }

    fn rename_at(
        &self,
        old_path: String,
        new_descriptor: DescriptorBorrow<'_>,
        new_path: String,
    ) -> Result<(), ErrorCode> {
        let new = Descriptor::other(&new_descriptor);
        self.check_writable()?;
        new.check_writable()?;
        let old = self.resolve(PathFlags::empty(), &old_path, Access::Full)?;
        let target = new.resolve(PathFlags::empty(), &new_path, Access::Full)?;
        self.host
            .rename_at(&old.relative, &new.host, &target.relative)
            .ours()
    }

    fn symlink_at(&self, old_path: String, new_path: String) -> Result<(), ErrorCode> {
        self.check_writable()?;
        let at = self.resolve(PathFlags::empty(), &new_path, Access::Full)?;
        // A link may only point somewhere the app could reach anyway.
        if filters_paths() && !self.link_target_reachable(&at, &old_path) {
            return Err(ErrorCode::NotPermitted);
        }
        self.host.symlink_at(&old_path, &at.relative).ours()
    }

    fn unlink_file_at(&self, path: String) -> Result<(), ErrorCode> {
        self.check_writable()?;
        let at = self.resolve(PathFlags::empty(), &path, Access::Full)?;
        self.host.unlink_file_at(&at.relative).ours()
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
        let at = self.resolve(flags, &path, Access::Traverse)?;
        let stat = at.stat_from(&self.host)?;
        only_directories_if_traverse(&at, stat.type_)?;
        self.host.metadata_hash_at(at.flags, &at.relative).ours()
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
        let rules = rules();
        host_preopens::get_directories()
            .into_iter()
            .filter_map(|(descriptor, name)| {
                let root = rules::preopen_root(&name);
                let visible = !filters_paths() || rules.access(&root) != Access::None;
                let writable = match rules.preopen_visible(&root, visible) {
                    PreopenRule::Hide => return None,
                    PreopenRule::ReadOnly => false,
                    PreopenRule::ReadWrite => true,
                };
                Some((Descriptor::handle(descriptor, root, writable), name))
            })
            .collect()
    }
}

bindings::export!(Fs with_types_in bindings);
