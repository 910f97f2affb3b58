//! `wasi:filesystem`, attenuated by the policy's `fs` section.
//!
//! Exports `types` and `preopens` and implements them with the host's. Every descriptor the app
//! holds is ours, wrapping a host descriptor with the guest path it names; the app can only
//! reach the host through it.
//!
//! Zero cost where nothing is attenuated: file data never passes through the adapter. At 0.2
//! `wasi:io/streams` is not exported, so `read-via-stream` hands the app the host's own stream;
//! at 0.3 the `stream`s and `future`s of a file or a listing are the host's handles, handed on
//! (a listing the policy could hide an entry of is filtered: `crates/fs-listing`).
//! Without path rules, paths go to the host untouched (the host already confines them to the
//! preopens); with them, each path is walked here one component at a time through directory
//! handles ([`walk`]), so the host acts on exactly the object that was checked.
//!
//! Denials: changes the policy does not allow fail with `read-only`; paths the policy hides fail
//! with `no-entry` (they do not exist as far as the app can tell) and never appear in listings;
//! absolute paths and `..` above the descriptor fail with `not-permitted`, as on the host.
//!
//! Built without the `p3` feature it is the WASI 0.2 adapter (module `p2`); with it, the WASI 0.3
//! one (`wit/p3/world.wit`, module `p3`). Both are compiled from the same decisions (this module,
//! `interpose_policy::fs`) and, with `paths`, the same walk; only the interfaces they wrap differ.

#[cfg(not(feature = "p3"))]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "interpose:adapters/fs",
        generate_all,
    });
}

#[cfg(all(feature = "p3", not(feature = "paths")))]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/p3",
        world: "interpose:adapters-p3/fs",
        // The exported and imported `wasi:filesystem/types` are one Rust type each (`error-code`,
        // the flags, `descriptor-stat`, the payloads of the host's streams and futures), so they
        // can be handed on without conversion.
        merge_structurally_equal_types: true,
        // The walk compares error codes and descriptor types, as it does at 0.2.
        additional_derives: [PartialEq],
        generate_all,
    });
}

/// With path globs, the world also imports the listing filter (`crates/fs-listing`), which the
/// build script composes into the adapter.
#[cfg(all(feature = "p3", feature = "paths"))]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/p3",
        world: "interpose:adapters-p3/fs-paths",
        // The filter returns before it waits: called synchronously from the synchronous
        // `read-directory`, it never blocks it.
        sync: ["import:interpose:adapters-p3/filtered-listing@0.1.0#filter"],
        // As above.
        merge_structurally_equal_types: true,
        additional_derives: [PartialEq],
        generate_all,
    });
}

#[cfg(not(feature = "p3"))]
mod convert;
#[cfg(not(feature = "p3"))]
mod p2;
#[cfg(feature = "p3")]
mod p3;
mod paths;
mod walk;

use std::sync::OnceLock;

use bindings::exports::wasi::filesystem::types::{
    self as ours, DescriptorFlags, ErrorCode, OpenFlags,
};
use bindings::interpose::policy::source;
use bindings::wasi::filesystem::types as host;
use interpose_policy::compiled;
use interpose_policy::fs::{self as rules, Access, FsMode, FsRules};

fn rules() -> &'static FsRules {
    static RULES: OnceLock<FsRules> = OnceLock::new();
    RULES.get_or_init(|| {
        // No error channel reaches here; a policy that does not decode was not made by the
        // composer this adapter was built with.
        let rules: FsRules = compiled::load_section_or_stop(source::len(), source::chunk, |e| e.fs);
        // Fail closed: this build would let every path through.
        assert!(
            cfg!(feature = "paths") || !rules.filters_paths(),
            "interpose: path rules reached the `fs` adapter built without path checks"
        );
        rules
    })
}

/// Whether paths are checked. Built without the `paths` feature this is `false` at compile
/// time, and everything that resolves and matches paths is left out of the adapter.
fn filters_paths() -> bool {
    cfg!(feature = "paths") && rules().filters_paths()
}

/// Changes that can be refused before looking at any path: nothing anywhere may change.
fn check_writes_anywhere() -> Result<(), ErrorCode> {
    if rules().writes_anywhere() {
        Ok(())
    } else {
        Err(ErrorCode::ReadOnly)
    }
}

/// Whether opening with these flags may change something: create, truncate, or a descriptor
/// that can write or change a directory.
fn open_changes(open_flags: OpenFlags, descriptor_flags: DescriptorFlags) -> bool {
    open_flags.intersects(OpenFlags::CREATE | OpenFlags::TRUNCATE | OpenFlags::EXCLUSIVE)
        || descriptor_flags.intersects(DescriptorFlags::WRITE | DescriptorFlags::MUTATE_DIRECTORY)
}

/// A descriptor handed to the app.
pub struct Descriptor {
    host: host::Descriptor,
    /// The normalised guest path this descriptor was opened as, e.g. `/data/sub` (only
    /// meaningful when paths are checked). A move of it, or of a parent, is only allowed when
    /// the policy decides everything below alike under both names, so it stays right.
    path: String,
    /// [`Access::Full`], or [`Access::Traverse`] for a directory the app may only pass through.
    access: Access,
}

impl Descriptor {
    /// Wraps a host descriptor into the resource handed to the app.
    fn handle(host: host::Descriptor, path: String, access: Access) -> ours::Descriptor {
        ours::Descriptor::new(Descriptor { host, path, access })
    }

    /// Whether the policy lets the app change the object this descriptor is.
    fn writable(&self) -> bool {
        if filters_paths() {
            self.access == Access::Full && rules().writable(&self.path)
        } else {
            rules().writes_anywhere()
        }
    }

    fn check_writable(&self) -> Result<(), ErrorCode> {
        if self.writable() {
            Ok(())
        } else {
            Err(ErrorCode::ReadOnly)
        }
    }

    /// The host's flags of this descriptor, without those the policy does not let the app use.
    fn visible_flags(&self, mut flags: DescriptorFlags) -> DescriptorFlags {
        if !self.writable() {
            flags.remove(DescriptorFlags::WRITE | DescriptorFlags::MUTATE_DIRECTORY);
        }
        flags
    }

    /// The descriptor another argument names (for `link-at`, `rename-at`).
    fn other<'a>(other: &'a ours::DescriptorBorrow<'_>) -> &'a Descriptor {
        other.get::<Descriptor>()
    }

    /// Whether the symlink `link` (a guest path) with this `target` names a place the policy
    /// hides: then the app may see the link but not where it points. Judged by the target's
    /// text, which is what would leak; following the link is checked on its own when it happens.
    #[cfg_attr(not(feature = "paths"), allow(dead_code))]
    fn leads_to_hidden(link: &str, target: &str) -> bool {
        if target.starts_with('/') {
            // Outside every preopen: the host refuses to follow it, there is nothing to hide.
            return false;
        }
        let dir = link.rsplit_once('/').map_or("/", |(dir, _)| dir);
        let dir = if dir.is_empty() { "/" } else { dir };
        rules().hidden_on_the_way(&rules::join(dir, [target]))
    }
}

/// What the app may see of the host's `stat` of the object at the guest path `guest`, reached
/// with `access`. A directory's link count is 2 plus the number of its subdirectories on most
/// hosts, and its size grows with its entries (20 bytes an entry on tmpfs): where the policy could
/// hide an entry of it, both would count the hidden ones. Such a directory answers a link count of
/// 1 (what hosts that do not count subdirectories answer) and a size of 0.
fn visible_stat(guest: &str, access: Access, stat: &mut host::DescriptorStat) {
    if filters_paths()
        && stat.type_ == host::DescriptorType::Directory
        && (access != Access::Full || rules().may_hide_below(guest))
    {
        stat.link_count = 1;
        stat.size = 0;
    }
}

/// The host's preopens as the app sees them: none when the policy denies files; with path rules,
/// a preopen that is itself hidden is not handed out (path rules hold for guest paths, whichever
/// preopen reaches them).
fn preopens(host: Vec<(host::Descriptor, String)>) -> Vec<(ours::Descriptor, String)> {
    let rules = rules();
    if rules.mode == FsMode::Deny {
        return Vec::new();
    }
    host.into_iter()
        .filter_map(|(descriptor, name)| {
            let root = rules::preopen_root(&name);
            let access = if filters_paths() {
                rules.access(&root)
            } else {
                Access::Full
            };
            (access != Access::None).then(|| (Descriptor::handle(descriptor, root, access), name))
        })
        .collect()
}

#[cfg(not(feature = "p3"))]
use p2::Fs;
#[cfg(feature = "p3")]
use p3::Fs;

bindings::export!(Fs with_types_in bindings);
