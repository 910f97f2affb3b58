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
use crate::walk::{self, ready};
use crate::{Descriptor, check_writes_anywhere, filters_paths, open_changes, rules};
use interpose_policy::fs::Access;

pub struct Fs;

/// A directory listing, filtered when the policy hides paths.
pub struct DirectoryEntryStream {
    host: host::DirectoryEntryStream,
    /// The rules for the listed directory's entries, when entries must be filtered.
    filter: Option<rules::Listing<'static>>,
}

/// The host's directory operations for the walk ([`walk::Host`]): synchronous at 0.2, so every
/// future is ready at once.
impl walk::Host for host::Descriptor {
    async fn lstat(&self, name: &str) -> Result<host::DescriptorStat, ErrorCode> {
        self.stat_at(host::PathFlags::empty(), name).ours()
    }
    async fn open(
        &self,
        name: &str,
        open_flags: host::OpenFlags,
        flags: host::DescriptorFlags,
    ) -> Result<Self, ErrorCode> {
        self.open_at(host::PathFlags::empty(), name, open_flags, flags)
            .ours()
    }
    async fn readlink(&self, name: &str) -> Result<String, ErrorCode> {
        self.readlink_at(name).ours()
    }
    async fn kind(&self) -> Result<host::DescriptorType, ErrorCode> {
        self.get_type().ours()
    }
    async fn mkdir(&self, name: &str) -> Result<(), ErrorCode> {
        self.create_directory_at(name).ours()
    }
    async fn touch(
        &self,
        name: &str,
        atime: &host::NewTimestamp,
        mtime: &host::NewTimestamp,
    ) -> Result<(), ErrorCode> {
        self.set_times_at(host::PathFlags::empty(), name, *atime, *mtime)
            .ours()
    }
    async fn link(&self, name: &str, to: &Self, new_name: &str) -> Result<(), ErrorCode> {
        self.link_at(host::PathFlags::empty(), name, to, new_name)
            .ours()
    }
    async fn rename(&self, name: &str, to: &Self, new_name: &str) -> Result<(), ErrorCode> {
        self.rename_at(name, to, new_name).ours()
    }
    async fn symlink(&self, target: &str, name: &str) -> Result<(), ErrorCode> {
        self.symlink_at(target, name).ours()
    }
    async fn unlink(&self, name: &str) -> Result<(), ErrorCode> {
        self.unlink_file_at(name).ours()
    }
    async fn rmdir(&self, name: &str) -> Result<(), ErrorCode> {
        self.remove_directory_at(name).ours()
    }
    async fn hash(&self, name: &str) -> Result<host::MetadataHashValue, ErrorCode> {
        self.metadata_hash_at(host::PathFlags::empty(), name).ours()
    }
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
        ready(self.create_directory_at_paths(&path))
    }

    fn stat(&self) -> Result<DescriptorStat, ErrorCode> {
        let mut stat = self.host.stat();
        if let Ok(stat) = &mut stat {
            crate::visible_stat(&self.path, self.access, stat);
        }
        stat.ours()
    }

    fn stat_at(&self, flags: PathFlags, path: String) -> Result<DescriptorStat, ErrorCode> {
        if !filters_paths() {
            return self.host.stat_at(flags.into(), &path).ours();
        }
        let follow = flags.contains(PathFlags::SYMLINK_FOLLOW);
        ready(self.stat_at_paths(follow, &path)).map(Into::into)
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
        ready(self.set_times_at_paths(follow, &path, atime.into(), mtime.into()))
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
        ready(self.link_at_paths(follow, &old_path, new, &new_path))
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
        let follow = flags.contains(PathFlags::SYMLINK_FOLLOW);
        ready(self.open_at_paths(
            follow,
            &path,
            open_flags.into(),
            descriptor_flags.into(),
            changes,
        ))
    }

    fn readlink_at(&self, path: String) -> Result<String, ErrorCode> {
        if !filters_paths() {
            return self.host.readlink_at(&path).ours();
        }
        ready(self.readlink_at_paths(&path))
    }

    fn remove_directory_at(&self, path: String) -> Result<(), ErrorCode> {
        check_writes_anywhere()?;
        if !filters_paths() {
            return self.host.remove_directory_at(&path).ours();
        }
        ready(self.remove_directory_at_paths(&path))
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
        ready(self.rename_at_paths(&old_path, new, &new_path))
    }

    fn symlink_at(&self, old_path: String, new_path: String) -> Result<(), ErrorCode> {
        check_writes_anywhere()?;
        if !filters_paths() {
            return self.host.symlink_at(&old_path, &new_path).ours();
        }
        ready(self.symlink_at_paths(&old_path, &new_path))
    }

    fn unlink_file_at(&self, path: String) -> Result<(), ErrorCode> {
        check_writes_anywhere()?;
        if !filters_paths() {
            return self.host.unlink_file_at(&path).ours();
        }
        ready(self.unlink_file_at_paths(&path))
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
        ready(self.metadata_hash_at_paths(follow, &path)).map(Into::into)
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
                Some(listing) => {
                    listing.shows(&entry.name, entry.type_ == host::DescriptorType::Directory)
                }
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
