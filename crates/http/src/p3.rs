//! The WASI 0.3 adapter: exports `wasi:http/client` and implements `send` with the host's. The
//! app's requests and responses are the host's own (`wasi:http/types` is imported, not wrapped):
//! at 0.3 a request is complete when it is sent, so `send` sees all that the host will act on.
//!
//! - `send` reads the request's method, scheme, authority and path-with-query and decides it with
//!   `interpose_policy::http::HttpRules`, as the 0.2 adapters do. A request no rule allows is
//!   dropped and answered with `error-code::HTTP-request-denied`.
//! - An allowed request whose rule changes no headers is handed to the host's `send` as it is.
//! - An allowed request whose rule changes headers (`set-headers`, `strip-headers`) is replaced by
//!   a new host request (`request.new`) with the app's headers changed by the rule, the same
//!   target and options, and the app's body moved over: `request.consume-body` gives the app's
//!   body stream and trailers future, and the stream goes to the new request as it is (the adapter
//!   never reads it). The trailers are passed on without the names the rule strips or sets, and
//!   the new request's transmit result is forwarded to the future the app got from its own
//!   `request.new`, by tasks of the `send` call that outlive its return.
//! - The app never sees the changed headers: it no longer holds the request it sent, and an error
//!   naming a header the rule set is returned without that name.

use interpose_policy::http::HttpRule;

use crate::bindings::exports::wasi::http::client::Guest;
use crate::bindings::wasi::http::client as host;
use crate::bindings::wasi::http::types::{
    ErrorCode, FieldSizePayload, Fields, Method, Request, Response, Scheme, Trailers,
};
use crate::bindings::wit_future;
use crate::{UNDECODABLE, method_name, rules, scheme_name};

struct Http;

/// What the rules look at in a request: method, scheme, authority, path-with-query.
struct Target {
    method: Method,
    scheme: Scheme,
    authority: Option<String>,
    path: Option<String>,
}

impl Target {
    /// Reads the target of `request`. Without a scheme the host picks one; it is made explicit
    /// (`https`, what hosts default to, wasmtime included) so that what is checked is what is
    /// sent.
    fn of(request: &Request) -> Result<Target, ErrorCode> {
        let scheme = match request.get_scheme() {
            Some(scheme) => scheme,
            None => {
                request
                    .set_scheme(Some(&Scheme::Https))
                    .map_err(|()| ErrorCode::HttpRequestUriInvalid)?;
                Scheme::Https
            }
        };
        Ok(Target {
            method: request.get_method(),
            scheme,
            authority: request.get_authority(),
            path: request.get_path_with_query(),
        })
    }

    /// Sets it on `request`.
    fn set_on(&self, request: &Request) -> Result<(), ()> {
        request.set_method(&self.method)?;
        request.set_scheme(Some(&self.scheme))?;
        request.set_authority(self.authority.as_deref())?;
        request.set_path_with_query(self.path.as_deref())
    }
}

impl Guest for Http {
    async fn send(request: Request) -> Result<Response, ErrorCode> {
        let Some(rules) = rules() else {
            return Err(ErrorCode::InternalError(Some(UNDECODABLE.into())));
        };
        let target = Target::of(&request)?;
        let Some(rule) = rules.matching_rule(
            method_name(&target.method),
            scheme_name(&target.scheme),
            target.authority.as_deref().unwrap_or_default(),
            // No path means the empty path: `/` on the wire.
            target.path.as_deref().unwrap_or("/"),
        ) else {
            drop(request);
            return Err(ErrorCode::HttpRequestDenied);
        };
        if !rule.rewrites_headers() {
            // The very request that was checked.
            return host::send(request).await;
        }
        let request = rewritten(request, &target, rule)?;
        host::send(request)
            .await
            .map_err(|e| hide_set_headers(e, rule))
    }
}

/// A new host request to `target` with `request`'s headers changed by `rule`, its options, and
/// its body and trailers moved over. The app's transmit future (of its `request.new`) is
/// completed with the new request's, and the trailers are stripped as `rule` says, by tasks that
/// run on after `send` returns.
fn rewritten(
    request: Request,
    target: &Target,
    rule: &'static HttpRule,
) -> Result<Request, ErrorCode> {
    let failed = |what: &str| {
        ErrorCode::InternalError(Some(format!("interpose: {what} on the rewritten request")))
    };
    let headers = Fields::from_list(&rule.rewrite(request.get_headers().copy_all()))
        .map_err(|e| failed(&format!("the host refused the headers ({e:?})")))?;
    // A copy: the request's own options are its child, gone with it.
    let options = request.get_options().map(|options| options.clone());
    // What the app's transmit future says: the new request's transmit result, forwarded below.
    let (transmitted_tx, transmitted) = wit_future::new::<Result<(), ErrorCode>>(|| {
        Err(ErrorCode::InternalError(Some(
            "interpose: the rewritten request was dropped".into(),
        )))
    });
    let (body, app_trailers) = Request::consume_body(request, transmitted);
    let (trailers_tx, trailers) =
        wit_future::new::<Result<Option<Trailers>, ErrorCode>>(|| Ok(None));
    let (new_request, new_transmitted) = Request::new(headers, Some(body), trailers, options);
    if target.set_on(&new_request).is_err() {
        // Neither task is started: the app's body is dropped with the new request, and its
        // transmit future says why.
        return Err(failed("setting the target"));
    }
    wit_bindgen::spawn_local(async move {
        let trailers = match app_trailers.await {
            Ok(Some(fields)) => Fields::from_list(&rule.strip_trailers(fields.copy_all()))
                .map(Some)
                .map_err(|e| {
                    ErrorCode::InternalError(Some(format!(
                        "interpose: the host refused the trailers ({e:?})"
                    )))
                }),
            other => other,
        };
        let _ = trailers_tx.write(trailers).await;
    });
    wit_bindgen::spawn_local(async move {
        let result = new_transmitted.await.map_err(|e| hide_set_headers(e, rule));
        let _ = transmitted_tx.write(result).await;
    });
    Ok(new_request)
}

/// `code` without the name and size of a header `rule` sets, should the host report one as too
/// large: the app must not learn what was added to its request.
fn hide_set_headers(code: ErrorCode, rule: &HttpRule) -> ErrorCode {
    let hidden = |p: &FieldSizePayload| {
        p.field_name.as_deref().is_some_and(|name| {
            rule.set_headers
                .iter()
                .any(|(set, _)| set.eq_ignore_ascii_case(name))
        })
    };
    match code {
        ErrorCode::HttpRequestHeaderSize(Some(p)) if hidden(&p) => {
            ErrorCode::HttpRequestHeaderSize(None)
        }
        ErrorCode::HttpRequestTrailerSize(p) if hidden(&p) => {
            ErrorCode::HttpRequestTrailerSize(FieldSizePayload {
                field_name: None,
                field_size: None,
            })
        }
        other => other,
    }
}

crate::bindings::export!(Http with_types_in crate::bindings);
