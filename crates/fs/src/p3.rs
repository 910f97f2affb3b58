//! The WASI 0.3 adapter: exports `wasi:filesystem/types@0.3.0` and `preopens` and implements
//! them with the host's, deciding with the same code as the 0.2 adapter (the crate root and
//! `interpose_policy::fs`).
//!
//! - Every async function that changes something answers `read-only` where the policy does not
//!   let the app change it, before the host is asked.
//! - `write-via-stream` and `append-via-stream` are synchronous functions returning a `future`:
//!   the adapter cannot make a future of its own there (wit-bindgen #1456, #1610), so they are the
//!   host's, called on the host descriptor. That descriptor can only write if the app opened it
//!   with `write`, which `open-at` refuses wherever the policy does not let the app change the
//!   file: then the host itself refuses the write (`bad-descriptor`, the error it gives for a
//!   descriptor opened without `write`).
//! - `read-via-stream` and `read-directory` hand the app the host's `stream` and `future`
//!   untouched: no data passes through the adapter. With path rules, a listing is only the
//!   host's where the policy can hide nothing in the directory; elsewhere it is filtered, in a
//!   stream that a synchronous function cannot make (component-model #677) but the async
//!   listing filter it calls can (`crates/fs-listing`, composed into `fs-paths-p3`).
//! - With path rules, every `*-at` function goes through the walk shared with 0.2
//!   (`crate::paths`, `crate::walk`), awaiting the host's async functions ([`walk::Host`]).

use wit_bindgen::{FutureReader, StreamReader};

use crate::bindings::exports::wasi::filesystem::preopens::Guest as PreopensGuest;
use crate::bindings::exports::wasi::filesystem::types::{
    self as ours, Advice, DescriptorBorrow, DescriptorFlags, DescriptorStat, DescriptorType,
    DirectoryEntry, ErrorCode, Filesize, MetadataHashValue, NewTimestamp, OpenFlags, PathFlags,
};
use crate::bindings::wasi::filesystem::{preopens as host_preopens, types as host};
use crate::{Descriptor, check_writes_anywhere, filters_paths, open_changes, walk};
use interpose_policy::fs::Access;

pub struct Fs;

/// The host's directory operations for the walk ([`walk::Host`]): its async functions.
impl walk::Host for host::Descriptor {
    async fn lstat(&self, name: &str) -> Result<host::DescriptorStat, ErrorCode> {
        self.stat_at(PathFlags::empty(), name.to_owned()).await
    }
    async fn open(
        &self,
        name: &str,
        open_flags: OpenFlags,
        flags: DescriptorFlags,
    ) -> Result<Self, ErrorCode> {
        self.open_at(PathFlags::empty(), name.to_owned(), open_flags, flags)
            .await
    }
    async fn readlink(&self, name: &str) -> Result<String, ErrorCode> {
        self.readlink_at(name.to_owned()).await
    }
    async fn kind(&self) -> Result<DescriptorType, ErrorCode> {
        self.get_type().await
    }
    async fn mkdir(&self, name: &str) -> Result<(), ErrorCode> {
        self.create_directory_at(name.to_owned()).await
    }
    async fn touch(
        &self,
        name: &str,
        atime: &NewTimestamp,
        mtime: &NewTimestamp,
    ) -> Result<(), ErrorCode> {
        self.set_times_at(PathFlags::empty(), name.to_owned(), *atime, *mtime)
            .await
    }
    async fn link(&self, name: &str, to: &Self, new_name: &str) -> Result<(), ErrorCode> {
        self.link_at(PathFlags::empty(), name.to_owned(), to, new_name.to_owned())
            .await
    }
    async fn rename(&self, name: &str, to: &Self, new_name: &str) -> Result<(), ErrorCode> {
        self.rename_at(name.to_owned(), to, new_name.to_owned())
            .await
    }
    async fn symlink(&self, target: &str, name: &str) -> Result<(), ErrorCode> {
        self.symlink_at(target.to_owned(), name.to_owned()).await
    }
    async fn unlink(&self, name: &str) -> Result<(), ErrorCode> {
        self.unlink_file_at(name.to_owned()).await
    }
    async fn rmdir(&self, name: &str) -> Result<(), ErrorCode> {
        self.remove_directory_at(name.to_owned()).await
    }
    async fn hash(&self, name: &str) -> Result<MetadataHashValue, ErrorCode> {
        self.metadata_hash_at(PathFlags::empty(), name.to_owned())
            .await
    }
}

impl ours::Guest for Fs {
    type Descriptor = Descriptor;
}

impl ours::GuestDescriptor for Descriptor {
    fn read_via_stream(
        &self,
        offset: Filesize,
    ) -> (StreamReader<u8>, FutureReader<Result<(), ErrorCode>>) {
        // The host's stream and future themselves: reads cost nothing extra.
        self.host.read_via_stream(offset)
    }

    fn write_via_stream(
        &self,
        data: StreamReader<u8>,
        offset: Filesize,
    ) -> FutureReader<Result<(), ErrorCode>> {
        // The host refuses it on a descriptor opened without `write` (see above).
        self.host.write_via_stream(data, offset)
    }

    fn append_via_stream(&self, data: StreamReader<u8>) -> FutureReader<Result<(), ErrorCode>> {
        self.host.append_via_stream(data)
    }

    async fn advise(
        &self,
        offset: Filesize,
        length: Filesize,
        advice: Advice,
    ) -> Result<(), ErrorCode> {
        self.host.advise(offset, length, advice).await
    }

    async fn sync_data(&self) -> Result<(), ErrorCode> {
        self.host.sync_data().await
    }

    async fn get_flags(&self) -> Result<DescriptorFlags, ErrorCode> {
        let flags = self.host.get_flags().await?;
        Ok(self.visible_flags(flags))
    }

    async fn get_type(&self) -> Result<DescriptorType, ErrorCode> {
        self.host.get_type().await
    }

    async fn set_size(&self, size: Filesize) -> Result<(), ErrorCode> {
        self.check_writable()?;
        self.host.set_size(size).await
    }

    async fn set_times(
        &self,
        data_access_timestamp: NewTimestamp,
        data_modification_timestamp: NewTimestamp,
    ) -> Result<(), ErrorCode> {
        self.check_writable()?;
        self.host
            .set_times(data_access_timestamp, data_modification_timestamp)
            .await
    }

    fn read_directory(
        &self,
    ) -> (
        StreamReader<DirectoryEntry>,
        FutureReader<Result<(), ErrorCode>>,
    ) {
        let (entries, done) = self.host.read_directory();
        // The host's listing, untouched, wherever the policy hides nothing in this directory;
        // elsewhere the filter's (see `crates/fs-listing`).
        #[cfg(feature = "paths")]
        if filters_paths()
            && (self.access != Access::Full || crate::rules().may_hide_below(&self.path))
        {
            return crate::bindings::interpose::adapters_p3::filtered_listing::filter(
                &self.path, entries, done,
            );
        }
        (entries, done)
    }

    async fn sync(&self) -> Result<(), ErrorCode> {
        self.host.sync().await
    }

    async fn create_directory_at(&self, path: String) -> Result<(), ErrorCode> {
        check_writes_anywhere()?;
        if filters_paths() {
            return self.create_directory_at_paths(&path).await;
        }
        self.host.create_directory_at(path).await
    }

    async fn stat(&self) -> Result<DescriptorStat, ErrorCode> {
        let mut stat = self.host.stat().await?;
        crate::visible_stat(&self.path, self.access, &mut stat);
        Ok(stat)
    }

    async fn stat_at(
        &self,
        path_flags: PathFlags,
        path: String,
    ) -> Result<DescriptorStat, ErrorCode> {
        if filters_paths() {
            let follow = path_flags.contains(PathFlags::SYMLINK_FOLLOW);
            return self.stat_at_paths(follow, &path).await;
        }
        self.host.stat_at(path_flags, path).await
    }

    async fn set_times_at(
        &self,
        path_flags: PathFlags,
        path: String,
        data_access_timestamp: NewTimestamp,
        data_modification_timestamp: NewTimestamp,
    ) -> Result<(), ErrorCode> {
        check_writes_anywhere()?;
        if filters_paths() {
            let follow = path_flags.contains(PathFlags::SYMLINK_FOLLOW);
            return self
                .set_times_at_paths(
                    follow,
                    &path,
                    data_access_timestamp,
                    data_modification_timestamp,
                )
                .await;
        }
        self.host
            .set_times_at(
                path_flags,
                path,
                data_access_timestamp,
                data_modification_timestamp,
            )
            .await
    }

    async fn link_at(
        &self,
        old_path_flags: PathFlags,
        old_path: String,
        new_descriptor: DescriptorBorrow<'_>,
        new_path: String,
    ) -> Result<(), ErrorCode> {
        let new = Descriptor::other(&new_descriptor);
        check_writes_anywhere()?;
        if filters_paths() {
            let follow = old_path_flags.contains(PathFlags::SYMLINK_FOLLOW);
            return self.link_at_paths(follow, &old_path, new, &new_path).await;
        }
        self.host
            .link_at(old_path_flags, old_path, &new.host, new_path)
            .await
    }

    async fn open_at(
        &self,
        path_flags: PathFlags,
        path: String,
        open_flags: OpenFlags,
        flags: DescriptorFlags,
    ) -> Result<ours::Descriptor, ErrorCode> {
        let changes = open_changes(open_flags, flags);
        if changes {
            check_writes_anywhere()?;
        }
        if filters_paths() {
            let follow = path_flags.contains(PathFlags::SYMLINK_FOLLOW);
            return self
                .open_at_paths(follow, &path, open_flags, flags, changes)
                .await;
        }
        let opened = self
            .host
            .open_at(path_flags, path, open_flags, flags)
            .await?;
        // Paths are not checked, so the exact name is only informative.
        Ok(Descriptor::handle(opened, self.path.clone(), Access::Full))
    }

    async fn readlink_at(&self, path: String) -> Result<String, ErrorCode> {
        if filters_paths() {
            return self.readlink_at_paths(&path).await;
        }
        self.host.readlink_at(path).await
    }

    async fn remove_directory_at(&self, path: String) -> Result<(), ErrorCode> {
        check_writes_anywhere()?;
        if filters_paths() {
            return self.remove_directory_at_paths(&path).await;
        }
        self.host.remove_directory_at(path).await
    }

    async fn rename_at(
        &self,
        old_path: String,
        new_descriptor: DescriptorBorrow<'_>,
        new_path: String,
    ) -> Result<(), ErrorCode> {
        let new = Descriptor::other(&new_descriptor);
        check_writes_anywhere()?;
        if filters_paths() {
            return self.rename_at_paths(&old_path, new, &new_path).await;
        }
        self.host.rename_at(old_path, &new.host, new_path).await
    }

    async fn symlink_at(&self, old_path: String, new_path: String) -> Result<(), ErrorCode> {
        check_writes_anywhere()?;
        if filters_paths() {
            return self.symlink_at_paths(&old_path, &new_path).await;
        }
        self.host.symlink_at(old_path, new_path).await
    }

    async fn unlink_file_at(&self, path: String) -> Result<(), ErrorCode> {
        check_writes_anywhere()?;
        if filters_paths() {
            return self.unlink_file_at_paths(&path).await;
        }
        self.host.unlink_file_at(path).await
    }

    async fn is_same_object(&self, other: DescriptorBorrow<'_>) -> bool {
        let other = &Descriptor::other(&other).host;
        self.host.is_same_object(other).await
    }

    async fn metadata_hash(&self) -> Result<MetadataHashValue, ErrorCode> {
        self.host.metadata_hash().await
    }

    async fn metadata_hash_at(
        &self,
        path_flags: PathFlags,
        path: String,
    ) -> Result<MetadataHashValue, ErrorCode> {
        if filters_paths() {
            let follow = path_flags.contains(PathFlags::SYMLINK_FOLLOW);
            return self.metadata_hash_at_paths(follow, &path).await;
        }
        self.host.metadata_hash_at(path_flags, path).await
    }
}

impl PreopensGuest for Fs {
    fn get_directories() -> Vec<(ours::Descriptor, String)> {
        crate::preopens(host_preopens::get_directories())
    }
}
