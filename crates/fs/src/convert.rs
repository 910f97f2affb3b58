//! The exported `wasi:filesystem/types` and the imported one are distinct types to Rust, with the
//! same shape. These conversions copy enums, flags and records across, field by field.

use crate::bindings::exports::wasi::filesystem::types as ours;
use crate::bindings::wasi::filesystem::types as host;

/// `From` between two C-like enums with the same variant names.
macro_rules! convert_enum {
    ($from:path => $to:path { $($variant:ident),* $(,)? }) => {
        impl From<$from> for $to {
            fn from(value: $from) -> Self {
                use $from as F;
                use $to as T;
                match value { $(F::$variant => T::$variant,)* }
            }
        }
    };
}

/// `From` between two flag sets with the same bits.
macro_rules! convert_flags {
    ($from:path => $to:path) => {
        impl From<$from> for $to {
            fn from(value: $from) -> Self {
                <$to>::from_bits_retain(value.bits())
            }
        }
    };
}

convert_enum!(host::ErrorCode => ours::ErrorCode {
    Access, WouldBlock, Already, BadDescriptor, Busy, Deadlock, Quota, Exist, FileTooLarge,
    IllegalByteSequence, InProgress, Interrupted, Invalid, Io, IsDirectory, Loop, TooManyLinks,
    MessageSize, NameTooLong, NoDevice, NoEntry, NoLock, InsufficientMemory, InsufficientSpace,
    NotDirectory, NotEmpty, NotRecoverable, Unsupported, NoTty, NoSuchDevice, Overflow,
    NotPermitted, Pipe, ReadOnly, InvalidSeek, TextFileBusy, CrossDevice,
});

convert_enum!(host::DescriptorType => ours::DescriptorType {
    Unknown, BlockDevice, CharacterDevice, Directory, Fifo, SymbolicLink, RegularFile, Socket,
});

convert_enum!(ours::Advice => host::Advice {
    Normal, Sequential, Random, WillNeed, DontNeed, NoReuse,
});

convert_flags!(host::DescriptorFlags => ours::DescriptorFlags);
convert_flags!(ours::DescriptorFlags => host::DescriptorFlags);
convert_flags!(ours::PathFlags => host::PathFlags);
convert_flags!(ours::OpenFlags => host::OpenFlags);

impl From<host::DescriptorStat> for ours::DescriptorStat {
    fn from(s: host::DescriptorStat) -> Self {
        ours::DescriptorStat {
            type_: s.type_.into(),
            link_count: s.link_count,
            size: s.size,
            data_access_timestamp: s.data_access_timestamp,
            data_modification_timestamp: s.data_modification_timestamp,
            status_change_timestamp: s.status_change_timestamp,
        }
    }
}

impl From<ours::NewTimestamp> for host::NewTimestamp {
    fn from(t: ours::NewTimestamp) -> Self {
        match t {
            ours::NewTimestamp::NoChange => host::NewTimestamp::NoChange,
            ours::NewTimestamp::Now => host::NewTimestamp::Now,
            ours::NewTimestamp::Timestamp(at) => host::NewTimestamp::Timestamp(at),
        }
    }
}

impl From<host::DirectoryEntry> for ours::DirectoryEntry {
    fn from(e: host::DirectoryEntry) -> Self {
        ours::DirectoryEntry {
            type_: e.type_.into(),
            name: e.name,
        }
    }
}

impl From<host::MetadataHashValue> for ours::MetadataHashValue {
    fn from(h: host::MetadataHashValue) -> Self {
        ours::MetadataHashValue {
            lower: h.lower,
            upper: h.upper,
        }
    }
}

/// Host results carry host error codes; ours carry ours.
pub trait IntoOurs<T> {
    fn ours(self) -> Result<T, ours::ErrorCode>;
}

impl<T, U: From<T>> IntoOurs<U> for Result<T, host::ErrorCode> {
    fn ours(self) -> Result<U, ours::ErrorCode> {
        self.map(U::from).map_err(ours::ErrorCode::from)
    }
}
