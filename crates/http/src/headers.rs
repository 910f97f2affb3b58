//! The `http-headers` adapter: the allowlist of `http`, plus `set-headers` and `strip-headers`.
//!
//! In WASI 0.2 the headers of an outgoing request are fixed when it is created, while its target
//! (method, scheme, authority, path) may be set later, and which rule applies depends on the
//! target. So this adapter exports `wasi:http/types` too, and every resource the app holds is a
//! thin wrapper of the host's:
//!
//! - A request starts as a host *draft* made with the app's headers. Its header changes are
//!   decided when the target can no longer change unseen: when the app takes the body, or at
//!   `handle`. If the matching rule changes headers, the draft is replaced by a host request
//!   made with the changed headers and the same target.
//! - At `handle` the target is checked again. If the rule that applies then changes headers
//!   differently from the one the request was made with (the app changed the target after taking
//!   the body), the request is refused with `HTTP-request-denied`: a credential meant for one
//!   destination never goes to another.
//! - The app reads its own headers back (`outgoing-request.headers`), never the changed ones.
//! - Streams are the host's own (`wasi:io` is not exported): body bytes never pass through here.
//!
//! `incoming-request` and `response-outparam` only come from serving HTTP, which the composer
//! does not allow together with this adapter; they are uninhabited types here.

use std::cell::RefCell;
use std::convert::Infallible;

use crate::bindings::exports::wasi::http::outgoing_handler::Guest as HandlerGuest;
use crate::bindings::exports::wasi::http::types as ours;
use crate::bindings::wasi::http::outgoing_handler as host_handler;
use crate::bindings::wasi::http::types as host;
use crate::bindings::wasi::io::error::Error as IoError;
use crate::bindings::wasi::io::poll::Pollable;
use crate::bindings::wasi::io::streams::{InputStream, OutputStream};
use crate::{Target, UNDECODABLE, rules};
use interpose_policy::http::HttpRule;

mod convert;

struct HttpHeaders;

/// The header changes a request was made with: those of the rule that matched it, or none.
type Changes = Option<&'static HttpRule>;

fn same_changes(a: Changes, b: Changes) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.set_headers == b.set_headers && a.strip_headers == b.strip_headers,
        _ => false,
    }
}

/// The changes the first rule matching `target` makes, `None` if it makes none (or no rule
/// matches).
fn changes_for(target: &Target) -> Changes {
    rules()
        .and_then(|rules| target.rule(rules))
        .and_then(changes_of)
}

/// The changes `rule` makes to a request it lets through, `None` if it makes none.
fn changes_of(rule: &'static HttpRule) -> Changes {
    Some(rule).filter(|rule| rule.rewrites_headers())
}

impl HandlerGuest for HttpHeaders {
    fn handle(
        request: ours::OutgoingRequest,
        options: Option<ours::RequestOptions>,
    ) -> Result<ours::FutureIncomingResponse, ours::ErrorCode> {
        let request: OutgoingRequest = request.into_inner();
        let Some(rules) = rules() else {
            return Err(ours::ErrorCode::InternalError(Some(UNDECODABLE.into())));
        };
        let mut host_request = request.host.into_inner();
        let target =
            Target::of(&host_request).map_err(|()| ours::ErrorCode::HttpRequestUriInvalid)?;
        let Some(rule) = target.rule(rules) else {
            return Err(ours::ErrorCode::HttpRequestDenied);
        };
        let changes = changes_of(rule);
        match request.made_with.into_inner() {
            // The body was taken: the headers are those of that moment's rule.
            Some(made_with) if !same_changes(made_with, changes) => {
                return Err(ours::ErrorCode::HttpRequestDenied);
            }
            Some(_) => {}
            None => {
                if let Some(rule) = changes {
                    host_request = remake(&request.app_headers, &target, rule)
                        .map_err(ours::ErrorCode::InternalError)?;
                }
            }
        }
        let options = options.map(|o| o.into_inner::<RequestOptions>().host);
        host_handler::handle(host_request, options)
            .map(|host| ours::FutureIncomingResponse::new(FutureIncomingResponse { host, changes }))
            .map_err(|e| hide_set_headers(e.into(), changes))
    }
}

/// `code` without the name and size of a header the rule set, should the host report one as too
/// large: the app must not learn what was added to its request.
fn hide_set_headers(code: ours::ErrorCode, changes: Changes) -> ours::ErrorCode {
    let Some(rule) = changes else {
        return code;
    };
    let hidden = |p: &ours::FieldSizePayload| {
        p.field_name.as_deref().is_some_and(|name| {
            rule.set_headers
                .iter()
                .any(|(set, _)| set.eq_ignore_ascii_case(name))
        })
    };
    let blank = || ours::FieldSizePayload {
        field_name: None,
        field_size: None,
    };
    match code {
        ours::ErrorCode::HttpRequestHeaderSize(Some(p)) if hidden(&p) => {
            ours::ErrorCode::HttpRequestHeaderSize(None)
        }
        ours::ErrorCode::HttpRequestTrailerSize(p) if hidden(&p) => {
            ours::ErrorCode::HttpRequestTrailerSize(blank())
        }
        other => other,
    }
}

/// A host request to `target`, with `app_headers` changed by `rule`.
fn remake(
    app_headers: &host::Fields,
    target: &Target,
    rule: &HttpRule,
) -> Result<host::OutgoingRequest, Option<String>> {
    let failed = |what: &str| Some(format!("interpose: {what} on the rewritten request"));
    let headers = host::Fields::from_list(&rule.rewrite(app_headers.entries()))
        .map_err(|e| failed(&format!("the host refused the headers ({e:?})")))?;
    let request = host::OutgoingRequest::new(headers);
    request
        .set_method(&target.method)
        .and_then(|()| request.set_scheme(Some(&target.scheme)))
        .and_then(|()| request.set_authority(target.authority.as_deref()))
        .and_then(|()| request.set_path_with_query(target.path.as_deref()))
        .map_err(|()| failed("setting the target"))?;
    Ok(request)
}

impl ours::Guest for HttpHeaders {
    type Fields = Fields;
    type IncomingRequest = IncomingRequest;
    type OutgoingRequest = OutgoingRequest;
    type RequestOptions = RequestOptions;
    type ResponseOutparam = ResponseOutparam;
    type IncomingResponse = IncomingResponse;
    type IncomingBody = IncomingBody;
    type FutureTrailers = FutureTrailers;
    type OutgoingResponse = OutgoingResponse;
    type OutgoingBody = OutgoingBody;
    type FutureIncomingResponse = FutureIncomingResponse;

    fn http_error_code(err: &IoError) -> Option<ours::ErrorCode> {
        host::http_error_code(err).map(Into::into)
    }
}

/// Headers or trailers. `immutable` for the copies handed out as a request's own headers (the
/// host's children are immutable on the host side already).
pub struct Fields {
    host: host::Fields,
    immutable: bool,
}

impl Fields {
    fn handle(host: host::Fields, immutable: bool) -> ours::Fields {
        ours::Fields::new(Fields { host, immutable })
    }

    fn mutable(&self) -> Result<(), ours::HeaderError> {
        if self.immutable {
            Err(ours::HeaderError::Immutable)
        } else {
            Ok(())
        }
    }
}

impl ours::GuestFields for Fields {
    fn new() -> Self {
        Fields {
            host: host::Fields::new(),
            immutable: false,
        }
    }

    fn from_list(entries: Vec<(String, Vec<u8>)>) -> Result<ours::Fields, ours::HeaderError> {
        host::Fields::from_list(&entries)
            .map(|host| Fields::handle(host, false))
            .map_err(Into::into)
    }

    fn get(&self, name: String) -> Vec<Vec<u8>> {
        self.host.get(&name)
    }

    fn has(&self, name: String) -> bool {
        self.host.has(&name)
    }

    fn set(&self, name: String, value: Vec<Vec<u8>>) -> Result<(), ours::HeaderError> {
        self.mutable()?;
        self.host.set(&name, &value).map_err(Into::into)
    }

    fn delete(&self, name: String) -> Result<(), ours::HeaderError> {
        self.mutable()?;
        self.host.delete(&name).map_err(Into::into)
    }

    fn append(&self, name: String, value: Vec<u8>) -> Result<(), ours::HeaderError> {
        self.mutable()?;
        self.host.append(&name, &value).map_err(Into::into)
    }

    fn entries(&self) -> Vec<(String, Vec<u8>)> {
        self.host.entries()
    }

    fn clone(&self) -> ours::Fields {
        Fields::handle(self.host.clone(), false)
    }
}

/// An outgoing request: the host request (a draft until its headers are decided) and the
/// headers the app gave it.
pub struct OutgoingRequest {
    host: RefCell<host::OutgoingRequest>,
    /// What the app set, and all it ever reads back.
    app_headers: host::Fields,
    /// `Some` once the body was taken: the host request is final, made with these changes.
    made_with: RefCell<Option<Changes>>,
}

impl ours::GuestOutgoingRequest for OutgoingRequest {
    fn new(headers: ours::Fields) -> Self {
        let headers: Fields = headers.into_inner();
        OutgoingRequest {
            app_headers: headers.host.clone(),
            host: RefCell::new(host::OutgoingRequest::new(headers.host)),
            made_with: RefCell::new(None),
        }
    }

    fn body(&self) -> Result<ours::OutgoingBody, ()> {
        if self.made_with.borrow().is_none() {
            // The body belongs to one host request: decide the headers now.
            let target = Target::of(&self.host.borrow())?;
            let changes = changes_for(&target);
            if let Some(rule) = changes {
                let remade = remake(&self.app_headers, &target, rule).map_err(|_| ())?;
                drop(self.host.replace(remade));
            }
            *self.made_with.borrow_mut() = Some(changes);
        }
        let body = self.host.borrow().body()?;
        Ok(ours::OutgoingBody::new(OutgoingBody {
            host: body,
            changes: self.made_with.borrow().flatten(),
        }))
    }

    fn method(&self) -> ours::Method {
        self.host.borrow().method().into()
    }

    fn set_method(&self, method: ours::Method) -> Result<(), ()> {
        self.host.borrow().set_method(&method.into())
    }

    fn path_with_query(&self) -> Option<String> {
        self.host.borrow().path_with_query()
    }

    fn set_path_with_query(&self, path_with_query: Option<String>) -> Result<(), ()> {
        self.host
            .borrow()
            .set_path_with_query(path_with_query.as_deref())
    }

    fn scheme(&self) -> Option<ours::Scheme> {
        self.host.borrow().scheme().map(Into::into)
    }

    fn set_scheme(&self, scheme: Option<ours::Scheme>) -> Result<(), ()> {
        self.host
            .borrow()
            .set_scheme(scheme.map(Into::into).as_ref())
    }

    fn authority(&self) -> Option<String> {
        self.host.borrow().authority()
    }

    fn set_authority(&self, authority: Option<String>) -> Result<(), ()> {
        self.host.borrow().set_authority(authority.as_deref())
    }

    fn headers(&self) -> ours::Fields {
        Fields::handle(self.app_headers.clone(), true)
    }
}

pub struct RequestOptions {
    host: host::RequestOptions,
}

impl ours::GuestRequestOptions for RequestOptions {
    fn new() -> Self {
        RequestOptions {
            host: host::RequestOptions::new(),
        }
    }

    fn connect_timeout(&self) -> Option<u64> {
        self.host.connect_timeout()
    }

    fn set_connect_timeout(&self, duration: Option<u64>) -> Result<(), ()> {
        self.host.set_connect_timeout(duration)
    }

    fn first_byte_timeout(&self) -> Option<u64> {
        self.host.first_byte_timeout()
    }

    fn set_first_byte_timeout(&self, duration: Option<u64>) -> Result<(), ()> {
        self.host.set_first_byte_timeout(duration)
    }

    fn between_bytes_timeout(&self) -> Option<u64> {
        self.host.between_bytes_timeout()
    }

    fn set_between_bytes_timeout(&self, duration: Option<u64>) -> Result<(), ()> {
        self.host.set_between_bytes_timeout(duration)
    }
}

pub struct FutureIncomingResponse {
    host: host::FutureIncomingResponse,
    /// The header changes the request was sent with, hidden from errors.
    changes: Changes,
}

impl ours::GuestFutureIncomingResponse for FutureIncomingResponse {
    fn subscribe(&self) -> Pollable {
        self.host.subscribe()
    }

    fn get(&self) -> Option<Result<Result<ours::IncomingResponse, ours::ErrorCode>, ()>> {
        self.host.get().map(|once| {
            once.map(|result| {
                result
                    .map(|host| ours::IncomingResponse::new(IncomingResponse { host }))
                    .map_err(|e| hide_set_headers(e.into(), self.changes))
            })
        })
    }
}

pub struct IncomingResponse {
    host: host::IncomingResponse,
}

impl ours::GuestIncomingResponse for IncomingResponse {
    fn status(&self) -> u16 {
        self.host.status()
    }

    fn headers(&self) -> ours::Fields {
        Fields::handle(self.host.headers(), true)
    }

    fn consume(&self) -> Result<ours::IncomingBody, ()> {
        let host = self.host.consume()?;
        Ok(ours::IncomingBody::new(IncomingBody { host }))
    }
}

pub struct IncomingBody {
    host: host::IncomingBody,
}

impl ours::GuestIncomingBody for IncomingBody {
    fn stream(&self) -> Result<InputStream, ()> {
        // The host's stream itself: body bytes never pass through the adapter.
        self.host.stream()
    }

    fn finish(this: ours::IncomingBody) -> ours::FutureTrailers {
        let host = host::IncomingBody::finish(this.into_inner::<IncomingBody>().host);
        ours::FutureTrailers::new(FutureTrailers { host })
    }
}

pub struct FutureTrailers {
    host: host::FutureTrailers,
}

impl ours::GuestFutureTrailers for FutureTrailers {
    fn subscribe(&self) -> Pollable {
        self.host.subscribe()
    }

    fn get(&self) -> Option<Result<Result<Option<ours::Fields>, ours::ErrorCode>, ()>> {
        self.host.get().map(|once| {
            once.map(|result| {
                result
                    .map(|trailers| trailers.map(|host| Fields::handle(host, true)))
                    .map_err(Into::into)
            })
        })
    }
}

pub struct OutgoingResponse {
    host: host::OutgoingResponse,
    app_headers: host::Fields,
}

impl ours::GuestOutgoingResponse for OutgoingResponse {
    fn new(headers: ours::Fields) -> Self {
        let headers: Fields = headers.into_inner();
        OutgoingResponse {
            app_headers: headers.host.clone(),
            host: host::OutgoingResponse::new(headers.host),
        }
    }

    fn status_code(&self) -> u16 {
        self.host.status_code()
    }

    fn set_status_code(&self, status_code: u16) -> Result<(), ()> {
        self.host.set_status_code(status_code)
    }

    fn headers(&self) -> ours::Fields {
        Fields::handle(self.app_headers.clone(), true)
    }

    fn body(&self) -> Result<ours::OutgoingBody, ()> {
        let host = self.host.body()?;
        Ok(ours::OutgoingBody::new(OutgoingBody {
            host,
            changes: None,
        }))
    }
}

pub struct OutgoingBody {
    host: host::OutgoingBody,
    /// The header changes of the request this is the body of: they apply to its trailers too.
    changes: Changes,
}

impl ours::GuestOutgoingBody for OutgoingBody {
    fn write(&self) -> Result<OutputStream, ()> {
        // The host's stream itself: body bytes never pass through the adapter.
        self.host.write()
    }

    fn finish(
        this: ours::OutgoingBody,
        trailers: Option<ours::Fields>,
    ) -> Result<(), ours::ErrorCode> {
        let body: OutgoingBody = this.into_inner();
        let mut trailers = trailers.map(|t| t.into_inner::<Fields>().host);
        if let (Some(rule), Some(fields)) = (body.changes, &trailers) {
            let kept = rule.strip_trailers(fields.entries());
            trailers = Some(host::Fields::from_list(&kept).map_err(|e| {
                ours::ErrorCode::InternalError(Some(format!(
                    "interpose: the host refused the trailers ({e:?})"
                )))
            })?);
        }
        host::OutgoingBody::finish(body.host, trailers).map_err(Into::into)
    }
}

/// Only the host creates these, for an app that serves HTTP; none can exist here.
pub struct IncomingRequest(Infallible);

impl ours::GuestIncomingRequest for IncomingRequest {
    fn method(&self) -> ours::Method {
        match self.0 {}
    }

    fn path_with_query(&self) -> Option<String> {
        match self.0 {}
    }

    fn scheme(&self) -> Option<ours::Scheme> {
        match self.0 {}
    }

    fn authority(&self) -> Option<String> {
        match self.0 {}
    }

    fn headers(&self) -> ours::Fields {
        match self.0 {}
    }

    fn consume(&self) -> Result<ours::IncomingBody, ()> {
        match self.0 {}
    }
}

/// Only the host creates these, for an app that serves HTTP; none can exist here.
pub struct ResponseOutparam(Infallible);

impl ours::GuestResponseOutparam for ResponseOutparam {
    fn set(
        param: ours::ResponseOutparam,
        response: Result<ours::OutgoingResponse, ours::ErrorCode>,
    ) {
        // `param` is a `ResponseOutparam`, which cannot exist: this is never called.
        drop((param, response));
    }
}

crate::bindings::export!(HttpHeaders with_types_in crate::bindings);
