//! The half of the WASI 0.3 `fs-paths-p3` adapter that filters directory listings.
//!
//! 0.3's `read-directory` is a synchronous function that returns a stream and a future. Where the
//! policy could hide an entry of the listed directory, the adapter must hand the app a stream of
//! its own, and a synchronous export has no task in which to write one (wit-bindgen #1456, #1610;
//! component-model #677). So the `fs` adapter (the *front*, `crates/fs`) calls [`filter`] here,
//! an `async` export lowered synchronously: each call is a task that makes the stream and the
//! future, returns them at once, and goes on after it returned, reading the host's listing and
//! writing the entries the policy shows. The build script composes the two into `fs-paths-p3`.
//!
//! The decision is the 0.2 listing's ([`interpose_policy::fs::Listing::shows`]), from the same
//! compiled `fs` section as the front.

mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/p3",
        world: "interpose:adapters-p3/fs-listing-filter",
        generate_all,
    });
}

use std::sync::OnceLock;

use bindings::exports::interpose::adapters_p3::filtered_listing::Guest;
use bindings::interpose::policy::source;
use bindings::wasi::filesystem::types::{DescriptorType, DirectoryEntry, ErrorCode};
use bindings::{wit_future, wit_stream};
use interpose_policy::compiled;
use interpose_policy::fs::FsRules;
use wit_bindgen::{FutureReader, StreamReader, StreamResult};

/// How many entries are read from the host at a time.
const BATCH: usize = 64;

fn rules() -> &'static FsRules {
    static RULES: OnceLock<FsRules> = OnceLock::new();
    RULES.get_or_init(|| compiled::load_section_or_stop(source::len(), source::chunk, |e| e.fs))
}

struct Filter;

impl Guest for Filter {
    async fn filter(
        dir: String,
        mut entries: StreamReader<DirectoryEntry>,
        done: FutureReader<Result<(), ErrorCode>>,
    ) -> (
        StreamReader<DirectoryEntry>,
        FutureReader<Result<(), ErrorCode>>,
    ) {
        let (mut shown_writer, shown) = wit_stream::new::<DirectoryEntry>();
        // Only if the task below stops before it answers: the app sees an error, never an end
        // that says the listing is whole.
        let (result_writer, result) = wit_future::new(|| Err(ErrorCode::Io));
        wit_bindgen::spawn_local(async move {
            let listing = rules().listing(&dir);
            let mut batch = Vec::with_capacity(BATCH);
            loop {
                let (status, mut read) = entries.read(batch).await;
                read.retain(|entry| {
                    listing.shows(
                        &entry.name,
                        matches!(entry.type_, DescriptorType::Directory),
                    )
                });
                // Left over only if the app dropped the listing: then the host's is dropped too,
                // as the app would have dropped it, and its answer is the app's.
                let app_stopped =
                    !read.is_empty() && !shown_writer.write_all(read).await.is_empty();
                match status {
                    StreamResult::Complete(_) if !app_stopped => batch = Vec::with_capacity(BATCH),
                    _ => break,
                }
            }
            // The app's listing ends after every shown entry, with the host's answer.
            drop(entries);
            drop(shown_writer);
            let _ = result_writer.write(done.await).await;
        });
        (shown, result)
    }
}

bindings::export!(Filter with_types_in bindings);
