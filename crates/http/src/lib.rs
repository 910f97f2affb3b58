//! `wasi:http/outgoing-handler`, filtered by the policy's `http` allowlist.
//!
//! Exports `outgoing-handler` only, not `wasi:http/types`: the request the app passes to `handle`
//! is the host's own resource. The adapter reads its method, scheme, authority and path, checks
//! them with `interpose_policy::http::HttpRules` (shared with the composer), and either hands the
//! very same request to the host's `handle` or drops it and returns
//! `error-code::HTTP-request-denied`. Headers and bodies never pass through the adapter.

mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "interpose:adapters/http",
        generate_all,
    });
}

use std::sync::OnceLock;

use bindings::exports::wasi::http::outgoing_handler::Guest;
use bindings::interpose::policy::source;
use bindings::wasi::http::outgoing_handler as host;
use bindings::wasi::http::types::{
    ErrorCode, FutureIncomingResponse, Method, OutgoingRequest, RequestOptions, Scheme,
};
use interpose_policy::compiled;
use interpose_policy::http::HttpRules;

/// The rules, decoded once; `None` if the baked-in policy does not decode (every request is then
/// refused: this adapter fails closed).
fn rules() -> Option<&'static HttpRules> {
    static RULES: OnceLock<Option<HttpRules>> = OnceLock::new();
    RULES
        .get_or_init(|| {
            compiled::decode_section(&source::policy(), |e| e.http)
                .ok()
                .map(Option::unwrap_or_default)
        })
        .as_ref()
}

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

fn scheme_name(scheme: &Scheme) -> &str {
    match scheme {
        Scheme::Http => "http",
        Scheme::Https => "https",
        Scheme::Other(other) => other,
    }
}

struct HttpAdapter;

impl Guest for HttpAdapter {
    fn handle(
        request: OutgoingRequest,
        options: Option<RequestOptions>,
    ) -> Result<FutureIncomingResponse, ErrorCode> {
        let Some(rules) = rules() else {
            return Err(ErrorCode::InternalError(Some(
                "interpose: the baked-in policy does not decode; recompose with this version"
                    .into(),
            )));
        };
        // Without a scheme the host picks one; make it explicit so that what is checked is what
        // is sent. `https` is what hosts default to (wasmtime does).
        let scheme = match request.scheme() {
            Some(scheme) => scheme,
            None => {
                request
                    .set_scheme(Some(&Scheme::Https))
                    .map_err(|()| ErrorCode::HttpRequestUriInvalid)?;
                Scheme::Https
            }
        };
        let method = request.method();
        let authority = request.authority().unwrap_or_default();
        // No path means the empty path: `/` on the wire.
        let path = request.path_with_query().unwrap_or_else(|| "/".into());
        if rules.allows(
            method_name(&method),
            scheme_name(&scheme),
            &authority,
            &path,
        ) {
            host::handle(request, options)
        } else {
            drop(request);
            Err(ErrorCode::HttpRequestDenied)
        }
    }
}

bindings::export!(HttpAdapter with_types_in bindings);
