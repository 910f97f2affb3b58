//! `wasi:filesystem`, passed through call for call, so that the streams of files are this
//! adapter's: an app has one stream type, and when it is ours (a null or denied standard stream),
//! a file's stream must be one of ours too. Policy is not decided here: the filesystem this
//! adapter imports is the `fs` adapter's when the policy has rules, else the host's.

use crate::bindings::exports::wasi::filesystem::preopens::Guest as PreopensGuest;
use crate::bindings::exports::wasi::filesystem::types::{
    self as ours, Advice, DescriptorBorrow, DescriptorFlags, DescriptorStat, DescriptorType,
    DirectoryEntry, ErrorCode, Filesize, MetadataHashValue, NewTimestamp, OpenFlags, PathFlags,
};
use crate::bindings::exports::wasi::io::streams as our_streams;
use crate::bindings::wasi::filesystem::{preopens as host_preopens, types as host};
use crate::bindings::wasi::io::error::Error as IoError;
use crate::{InputStream, OutputStream, Stdio};

// The same conversions as the `fs` adapter's: both crates generate the same binding modules.
#[path = "../../fs/src/convert.rs"]
mod convert;
use convert::IntoOurs;

pub struct Descriptor(host::Descriptor);

pub struct DirectoryEntryStream(host::DirectoryEntryStream);

fn ours(descriptor: host::Descriptor) -> ours::Descriptor {
    ours::Descriptor::new(Descriptor(descriptor))
}

fn host<'a>(descriptor: &'a DescriptorBorrow<'_>) -> &'a host::Descriptor {
    &descriptor.get::<Descriptor>().0
}

fn input(stream: crate::bindings::wasi::io::streams::InputStream) -> our_streams::InputStream {
    our_streams::InputStream::new(InputStream::Host(stream))
}

fn output(stream: crate::bindings::wasi::io::streams::OutputStream) -> our_streams::OutputStream {
    our_streams::OutputStream::new(OutputStream::Host(stream))
}

impl ours::Guest for Stdio {
    type Descriptor = Descriptor;
    type DirectoryEntryStream = DirectoryEntryStream;

    fn filesystem_error_code(err: &IoError) -> Option<ErrorCode> {
        host::filesystem_error_code(err).map(Into::into)
    }
}

impl ours::GuestDescriptor for Descriptor {
    fn read_via_stream(&self, offset: Filesize) -> Result<our_streams::InputStream, ErrorCode> {
        self.0.read_via_stream(offset).ours().map(input)
    }

    fn write_via_stream(&self, offset: Filesize) -> Result<our_streams::OutputStream, ErrorCode> {
        self.0.write_via_stream(offset).ours().map(output)
    }

    fn append_via_stream(&self) -> Result<our_streams::OutputStream, ErrorCode> {
        self.0.append_via_stream().ours().map(output)
    }

    fn advise(&self, offset: Filesize, length: Filesize, advice: Advice) -> Result<(), ErrorCode> {
        self.0.advise(offset, length, advice.into()).ours()
    }

    fn sync_data(&self) -> Result<(), ErrorCode> {
        self.0.sync_data().ours()
    }

    fn get_flags(&self) -> Result<DescriptorFlags, ErrorCode> {
        self.0.get_flags().ours()
    }

    fn get_type(&self) -> Result<DescriptorType, ErrorCode> {
        self.0.get_type().ours()
    }

    fn set_size(&self, size: Filesize) -> Result<(), ErrorCode> {
        self.0.set_size(size).ours()
    }

    fn set_times(&self, atime: NewTimestamp, mtime: NewTimestamp) -> Result<(), ErrorCode> {
        self.0.set_times(atime.into(), mtime.into()).ours()
    }

    fn read(&self, length: Filesize, offset: Filesize) -> Result<(Vec<u8>, bool), ErrorCode> {
        self.0.read(length, offset).ours()
    }

    fn write(&self, buffer: Vec<u8>, offset: Filesize) -> Result<Filesize, ErrorCode> {
        self.0.write(&buffer, offset).ours()
    }

    fn read_directory(&self) -> Result<ours::DirectoryEntryStream, ErrorCode> {
        let entries = self.0.read_directory().ours()?;
        Ok(ours::DirectoryEntryStream::new(DirectoryEntryStream(
            entries,
        )))
    }

    fn sync(&self) -> Result<(), ErrorCode> {
        self.0.sync().ours()
    }

    fn create_directory_at(&self, path: String) -> Result<(), ErrorCode> {
        self.0.create_directory_at(&path).ours()
    }

    fn stat(&self) -> Result<DescriptorStat, ErrorCode> {
        self.0.stat().ours()
    }

    fn stat_at(&self, flags: PathFlags, path: String) -> Result<DescriptorStat, ErrorCode> {
        self.0.stat_at(flags.into(), &path).ours()
    }

    fn set_times_at(
        &self,
        flags: PathFlags,
        path: String,
        atime: NewTimestamp,
        mtime: NewTimestamp,
    ) -> Result<(), ErrorCode> {
        self.0
            .set_times_at(flags.into(), &path, atime.into(), mtime.into())
            .ours()
    }

    fn link_at(
        &self,
        old_flags: PathFlags,
        old_path: String,
        new_descriptor: DescriptorBorrow<'_>,
        new_path: String,
    ) -> Result<(), ErrorCode> {
        self.0
            .link_at(
                old_flags.into(),
                &old_path,
                host(&new_descriptor),
                &new_path,
            )
            .ours()
    }

    fn open_at(
        &self,
        flags: PathFlags,
        path: String,
        open_flags: OpenFlags,
        descriptor_flags: DescriptorFlags,
    ) -> Result<ours::Descriptor, ErrorCode> {
        self.0
            .open_at(
                flags.into(),
                &path,
                open_flags.into(),
                descriptor_flags.into(),
            )
            .ours()
            .map(ours)
    }

    fn readlink_at(&self, path: String) -> Result<String, ErrorCode> {
        self.0.readlink_at(&path).ours()
    }

    fn remove_directory_at(&self, path: String) -> Result<(), ErrorCode> {
        self.0.remove_directory_at(&path).ours()
    }

    fn rename_at(
        &self,
        old_path: String,
        new_descriptor: DescriptorBorrow<'_>,
        new_path: String,
    ) -> Result<(), ErrorCode> {
        self.0
            .rename_at(&old_path, host(&new_descriptor), &new_path)
            .ours()
    }

    fn symlink_at(&self, old_path: String, new_path: String) -> Result<(), ErrorCode> {
        self.0.symlink_at(&old_path, &new_path).ours()
    }

    fn unlink_file_at(&self, path: String) -> Result<(), ErrorCode> {
        self.0.unlink_file_at(&path).ours()
    }

    fn is_same_object(&self, other: DescriptorBorrow<'_>) -> bool {
        self.0.is_same_object(host(&other))
    }

    fn metadata_hash(&self) -> Result<MetadataHashValue, ErrorCode> {
        self.0.metadata_hash().ours()
    }

    fn metadata_hash_at(
        &self,
        flags: PathFlags,
        path: String,
    ) -> Result<MetadataHashValue, ErrorCode> {
        self.0.metadata_hash_at(flags.into(), &path).ours()
    }
}

impl ours::GuestDirectoryEntryStream for DirectoryEntryStream {
    fn read_directory_entry(&self) -> Result<Option<DirectoryEntry>, ErrorCode> {
        let entry: Option<host::DirectoryEntry> = self.0.read_directory_entry().ours()?;
        Ok(entry.map(Into::into))
    }
}

impl PreopensGuest for Stdio {
    fn get_directories() -> Vec<(ours::Descriptor, String)> {
        host_preopens::get_directories()
            .into_iter()
            .map(|(descriptor, name)| (ours(descriptor), name))
            .collect()
    }
}
