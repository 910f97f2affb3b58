//! `"null"` and `"deny"` standard streams at WASI 0.3: an empty stdin, and a stdout or stderr
//! that takes what the app writes and discards it, each with a future that says `ok`.
//!
//! 0.3's `read-via-stream` and `write-via-stream` are synchronous functions that return a
//! future (and stdin a stream) of the callee's own. A synchronous export has no task in which to
//! make them: wit-bindgen's futures panic there when written or dropped (wit-bindgen #1456,
//! #1610), and nothing could go on reading the app's stream after the call returns
//! (component-model #677). So the adapter is two components, composed by the build script:
//!
//! - the *sink* (feature `sink`) exports `interpose:adapters-p3/null-streams`, whose functions
//!   are `async`: each call is a task that makes the stream and future, returns them at once, and
//!   goes on after returning (discarding what the app writes, completing the future);
//! - the *front* exports `wasi:cli/stdin`, `stdout` and `stderr` and answers each call by calling
//!   the sink, lowered synchronously: the sink returns before it waits, so the front's
//!   synchronous task never blocks.
//!
//! Nothing reaches the host: the adapter imports only the types of `wasi:cli/types`.

#[cfg(not(feature = "sink"))]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/p3",
        world: "interpose:adapters-p3/stdio",
        // The sink's functions return before they wait: called synchronously, they never block
        // the front's synchronous exports.
        sync: [
            "import:interpose:adapters-p3/null-streams@0.1.0#empty",
            "import:interpose:adapters-p3/null-streams@0.1.0#discard",
        ],
        generate_all,
    });
}

#[cfg(feature = "sink")]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/p3",
        world: "interpose:adapters-p3/stdio-null-sink",
        generate_all,
    });
}

#[cfg(not(feature = "sink"))]
mod front {
    use wit_bindgen::{FutureReader, StreamReader};

    use crate::bindings::exports::wasi::cli::{stderr, stdin, stdout};
    use crate::bindings::interpose::adapters_p3::null_streams as sink;
    use crate::bindings::wasi::cli::types::ErrorCode;

    struct Front;

    impl stdin::Guest for Front {
        fn read_via_stream() -> (StreamReader<u8>, FutureReader<Result<(), ErrorCode>>) {
            sink::empty()
        }
    }

    impl stdout::Guest for Front {
        fn write_via_stream(data: StreamReader<u8>) -> FutureReader<Result<(), ErrorCode>> {
            sink::discard(data)
        }
    }

    impl stderr::Guest for Front {
        fn write_via_stream(data: StreamReader<u8>) -> FutureReader<Result<(), ErrorCode>> {
            sink::discard(data)
        }
    }

    crate::bindings::export!(Front with_types_in crate::bindings);
}

#[cfg(feature = "sink")]
mod sink {
    use wit_bindgen::{FutureReader, StreamReader, StreamResult};

    use crate::bindings::exports::interpose::adapters_p3::null_streams::Guest;
    use crate::bindings::wasi::cli::types::ErrorCode;
    use crate::bindings::{wit_future, wit_stream};

    struct Sink;

    impl Guest for Sink {
        async fn empty() -> (StreamReader<u8>, FutureReader<Result<(), ErrorCode>>) {
            // Ended before anything is written: an empty stdin.
            let (writer, data) = wit_stream::new::<u8>();
            drop(writer);
            let (done, result) = wit_future::new::<Result<(), ErrorCode>>(|| Ok(()));
            wit_bindgen::spawn_local(async move {
                let _ = done.write(Ok(())).await;
            });
            (data, result)
        }

        async fn discard(mut data: StreamReader<u8>) -> FutureReader<Result<(), ErrorCode>> {
            let (done, result) = wit_future::new::<Result<(), ErrorCode>>(|| Ok(()));
            wit_bindgen::spawn_local(async move {
                // Read to the end, keeping nothing.
                let mut buffer = Vec::with_capacity(4096);
                loop {
                    let (status, read) = data.read(buffer).await;
                    match status {
                        StreamResult::Complete(_) => buffer = read,
                        StreamResult::Dropped | StreamResult::Cancelled => break,
                    }
                    buffer.clear();
                }
                let _ = done.write(Ok(())).await;
            });
            result
        }
    }

    crate::bindings::export!(Sink with_types_in crate::bindings);
}
