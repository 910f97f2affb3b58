//! `wasi:http/outgoing-handler`, filtered by the policy's `http` allowlist.
//!
//! Exports `outgoing-handler` only, not `wasi:http/types`: the request the app passes to `handle`
//! is the host's own resource. The adapter reads its method, scheme, authority and path, checks
//! them with `interpose_policy::http::HttpRules` (shared with the composer), and either hands the
//! very same request to the host's `handle` or drops it and returns
//! `error-code::HTTP-request-denied`. Headers and bodies never pass through the adapter.
//!
//! Built with the `headers` feature it is the `http-headers` adapter (`headers.rs`), which also
//! changes the headers of the requests it lets through. Built with the `p3` feature it is the
//! WASI 0.3 adapter (`p3.rs`, `wit/p3/world.wit`): the allowlist and the header changes in one,
//! on 0.3's `wasi:http/client`, by the same rules code.

#[cfg(not(any(feature = "headers", feature = "p3")))]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "interpose:adapters/http",
        generate_all,
    });
}

#[cfg(all(feature = "headers", not(feature = "p3")))]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/http-headers",
        world: "interpose:http-headers/http-headers",
        generate_all,
    });
}

#[cfg(feature = "p3")]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/p3",
        world: "interpose:adapters-p3/http",
        generate_all,
    });
}

#[cfg(all(feature = "headers", not(feature = "p3")))]
mod headers;

#[cfg(feature = "p3")]
mod p3;

use std::sync::OnceLock;

use bindings::interpose::policy::source;
#[cfg(not(feature = "p3"))]
use bindings::wasi::http::types::OutgoingRequest;
use bindings::wasi::http::types::{Method, Scheme};
use interpose_policy::compiled;
use interpose_policy::http::HttpRules;

/// The rules, decoded once; `None` if the baked-in policy does not decode (every request is then
/// refused: this adapter fails closed).
fn rules() -> Option<&'static HttpRules> {
    static RULES: OnceLock<Option<HttpRules>> = OnceLock::new();
    RULES
        .get_or_init(|| {
            compiled::load_section(source::len(), source::chunk, |e| e.http)
                .ok()
                .map(Option::unwrap_or_default)
        })
        .as_ref()
}

/// The method as the rules name it (the same type at 0.2 and 0.3).
fn method_name(method: &Method) -> &str {
    match method {
        Method::Get => "GET",
        Method::Head => "HEAD",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Delete => "DELETE",
        Method::Connect => "CONNECT",
        Method::Options => "OPTIONS",
        Method::Trace => "TRACE",
        Method::Patch => "PATCH",
        Method::Other(other) => other,
    }
}

/// The scheme as the rules name it (the same type at 0.2 and 0.3).
fn scheme_name(scheme: &Scheme) -> &str {
    match scheme {
        Scheme::Http => "http",
        Scheme::Https => "https",
        Scheme::Other(other) => other,
    }
}

#[cfg(not(feature = "p3"))]
/// What the rules look at in a host request: method, scheme, authority, path-with-query.
struct Target {
    method: Method,
    scheme: Scheme,
    /// `None` if the request has none (matched as the empty authority).
    authority: Option<String>,
    path: Option<String>,
}

#[cfg(not(feature = "p3"))]
impl Target {
    /// Reads the target of `request`. Without a scheme the host picks one; it is made explicit
    /// (`https`, what hosts default to, wasmtime included) so that what is checked is what is
    /// sent. `Err` if the host refuses that.
    fn of(request: &OutgoingRequest) -> Result<Target, ()> {
        let scheme = match request.scheme() {
            Some(scheme) => scheme,
            None => {
                request.set_scheme(Some(&Scheme::Https))?;
                Scheme::Https
            }
        };
        Ok(Target {
            method: request.method(),
            scheme,
            authority: request.authority(),
            path: request.path_with_query(),
        })
    }

    /// The first rule that lets it through, if any.
    fn rule(&self, rules: &'static HttpRules) -> Option<&'static interpose_policy::http::HttpRule> {
        rules.matching_rule(
            method_name(&self.method),
            scheme_name(&self.scheme),
            self.authority.as_deref().unwrap_or_default(),
            // No path means the empty path: `/` on the wire.
            self.path.as_deref().unwrap_or("/"),
        )
    }
}

const UNDECODABLE: &str =
    "interpose: the baked-in policy does not decode; recompose with this version";

#[cfg(not(any(feature = "headers", feature = "p3")))]
mod check_only {
    use super::bindings::exports::wasi::http::outgoing_handler::Guest;
    use super::bindings::wasi::http::outgoing_handler as host;
    use super::bindings::wasi::http::types::{
        ErrorCode, FutureIncomingResponse, OutgoingRequest, RequestOptions,
    };
    use super::{Target, UNDECODABLE, rules};

    struct HttpAdapter;

    impl Guest for HttpAdapter {
        fn handle(
            request: OutgoingRequest,
            options: Option<RequestOptions>,
        ) -> Result<FutureIncomingResponse, ErrorCode> {
            let Some(rules) = rules() else {
                return Err(ErrorCode::InternalError(Some(UNDECODABLE.into())));
            };
            let target = Target::of(&request).map_err(|()| ErrorCode::HttpRequestUriInvalid)?;
            if target.rule(rules).is_some() {
                host::handle(request, options)
            } else {
                drop(request);
                Err(ErrorCode::HttpRequestDenied)
            }
        }
    }

    super::bindings::export!(HttpAdapter with_types_in super::bindings);
}
