//! `wasi:http/types` and `outgoing-handler`, passed through call for call, so that the streams of
//! request and response bodies are this adapter's when the app's streams are (see
//! [`crate::files`] for files). Policy is not decided here: the HTTP this adapter imports is the
//! `http` or `http-headers` adapter's when the policy has an allowlist, else the host's.
//!
//! Requests the host hands to an app serving HTTP are of the host's own types, so such an app
//! keeps them: an incoming request or response outparam never exists here.

use std::convert::Infallible;

use crate::bindings::exports::wasi::http::outgoing_handler::Guest as HandlerGuest;
use crate::bindings::exports::wasi::http::types as ours;
use crate::bindings::exports::wasi::io::streams as our_streams;
use crate::bindings::wasi::http::{outgoing_handler as host_handler, types as host};
use crate::bindings::wasi::io::error::Error as IoError;
use crate::bindings::wasi::io::poll::Pollable;
use crate::{InputStream, OutputStream, Stdio};

// The same conversions as the `http-headers` adapter's: both crates generate the same modules.
#[path = "../../http/src/headers/convert.rs"]
mod convert;

pub struct Fields(host::Fields);
pub struct OutgoingRequest(host::OutgoingRequest);
pub struct RequestOptions(host::RequestOptions);
pub struct FutureIncomingResponse(host::FutureIncomingResponse);
pub struct IncomingResponse(host::IncomingResponse);
pub struct IncomingBody(host::IncomingBody);
pub struct FutureTrailers(host::FutureTrailers);
pub struct OutgoingResponse(host::OutgoingResponse);
pub struct OutgoingBody(host::OutgoingBody);
pub struct IncomingRequest(Infallible);
pub struct ResponseOutparam(Infallible);

fn fields(host: host::Fields) -> ours::Fields {
    ours::Fields::new(Fields(host))
}

impl ours::Guest for Stdio {
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

impl HandlerGuest for Stdio {
    fn handle(
        request: ours::OutgoingRequest,
        options: Option<ours::RequestOptions>,
    ) -> Result<ours::FutureIncomingResponse, ours::ErrorCode> {
        let request = request.into_inner::<OutgoingRequest>().0;
        let options = options.map(|o| o.into_inner::<RequestOptions>().0);
        host_handler::handle(request, options)
            .map(|f| ours::FutureIncomingResponse::new(FutureIncomingResponse(f)))
            .map_err(Into::into)
    }
}

impl ours::GuestFields for Fields {
    fn new() -> Self {
        Fields(host::Fields::new())
    }

    fn from_list(entries: Vec<(String, Vec<u8>)>) -> Result<ours::Fields, ours::HeaderError> {
        host::Fields::from_list(&entries)
            .map(fields)
            .map_err(Into::into)
    }

    fn get(&self, name: String) -> Vec<Vec<u8>> {
        self.0.get(&name)
    }

    fn has(&self, name: String) -> bool {
        self.0.has(&name)
    }

    fn set(&self, name: String, value: Vec<Vec<u8>>) -> Result<(), ours::HeaderError> {
        self.0.set(&name, &value).map_err(Into::into)
    }

    fn delete(&self, name: String) -> Result<(), ours::HeaderError> {
        self.0.delete(&name).map_err(Into::into)
    }

    fn append(&self, name: String, value: Vec<u8>) -> Result<(), ours::HeaderError> {
        self.0.append(&name, &value).map_err(Into::into)
    }

    fn entries(&self) -> Vec<(String, Vec<u8>)> {
        self.0.entries()
    }

    fn clone(&self) -> ours::Fields {
        fields(self.0.clone())
    }
}

impl ours::GuestOutgoingRequest for OutgoingRequest {
    fn new(headers: ours::Fields) -> Self {
        OutgoingRequest(host::OutgoingRequest::new(headers.into_inner::<Fields>().0))
    }

    fn body(&self) -> Result<ours::OutgoingBody, ()> {
        self.0
            .body()
            .map(|b| ours::OutgoingBody::new(OutgoingBody(b)))
    }

    fn method(&self) -> ours::Method {
        self.0.method().into()
    }

    fn set_method(&self, method: ours::Method) -> Result<(), ()> {
        self.0.set_method(&method.into())
    }

    fn path_with_query(&self) -> Option<String> {
        self.0.path_with_query()
    }

    fn set_path_with_query(&self, path_with_query: Option<String>) -> Result<(), ()> {
        self.0.set_path_with_query(path_with_query.as_deref())
    }

    fn scheme(&self) -> Option<ours::Scheme> {
        self.0.scheme().map(Into::into)
    }

    fn set_scheme(&self, scheme: Option<ours::Scheme>) -> Result<(), ()> {
        self.0.set_scheme(scheme.map(Into::into).as_ref())
    }

    fn authority(&self) -> Option<String> {
        self.0.authority()
    }

    fn set_authority(&self, authority: Option<String>) -> Result<(), ()> {
        self.0.set_authority(authority.as_deref())
    }

    fn headers(&self) -> ours::Fields {
        fields(self.0.headers())
    }
}

impl ours::GuestRequestOptions for RequestOptions {
    fn new() -> Self {
        RequestOptions(host::RequestOptions::new())
    }

    fn connect_timeout(&self) -> Option<u64> {
        self.0.connect_timeout()
    }

    fn set_connect_timeout(&self, duration: Option<u64>) -> Result<(), ()> {
        self.0.set_connect_timeout(duration)
    }

    fn first_byte_timeout(&self) -> Option<u64> {
        self.0.first_byte_timeout()
    }

    fn set_first_byte_timeout(&self, duration: Option<u64>) -> Result<(), ()> {
        self.0.set_first_byte_timeout(duration)
    }

    fn between_bytes_timeout(&self) -> Option<u64> {
        self.0.between_bytes_timeout()
    }

    fn set_between_bytes_timeout(&self, duration: Option<u64>) -> Result<(), ()> {
        self.0.set_between_bytes_timeout(duration)
    }
}

impl ours::GuestFutureIncomingResponse for FutureIncomingResponse {
    fn subscribe(&self) -> Pollable {
        self.0.subscribe()
    }

    fn get(&self) -> Option<Result<Result<ours::IncomingResponse, ours::ErrorCode>, ()>> {
        self.0.get().map(|outer| {
            outer.map(|inner| {
                inner
                    .map(|r| ours::IncomingResponse::new(IncomingResponse(r)))
                    .map_err(Into::into)
            })
        })
    }
}

impl ours::GuestIncomingResponse for IncomingResponse {
    fn status(&self) -> u16 {
        self.0.status()
    }

    fn headers(&self) -> ours::Fields {
        fields(self.0.headers())
    }

    fn consume(&self) -> Result<ours::IncomingBody, ()> {
        self.0
            .consume()
            .map(|b| ours::IncomingBody::new(IncomingBody(b)))
    }
}

impl ours::GuestIncomingBody for IncomingBody {
    fn stream(&self) -> Result<our_streams::InputStream, ()> {
        self.0
            .stream()
            .map(|s| our_streams::InputStream::new(InputStream::Host(s)))
    }

    fn finish(this: ours::IncomingBody) -> ours::FutureTrailers {
        let body = this.into_inner::<IncomingBody>().0;
        ours::FutureTrailers::new(FutureTrailers(host::IncomingBody::finish(body)))
    }
}

impl ours::GuestFutureTrailers for FutureTrailers {
    fn subscribe(&self) -> Pollable {
        self.0.subscribe()
    }

    fn get(&self) -> Option<Result<Result<Option<ours::Fields>, ours::ErrorCode>, ()>> {
        self.0
            .get()
            .map(|outer| outer.map(|inner| inner.map(|t| t.map(fields)).map_err(Into::into)))
    }
}

impl ours::GuestOutgoingResponse for OutgoingResponse {
    fn new(headers: ours::Fields) -> Self {
        OutgoingResponse(host::OutgoingResponse::new(
            headers.into_inner::<Fields>().0,
        ))
    }

    fn status_code(&self) -> u16 {
        self.0.status_code()
    }

    fn set_status_code(&self, status_code: u16) -> Result<(), ()> {
        self.0.set_status_code(status_code)
    }

    fn headers(&self) -> ours::Fields {
        fields(self.0.headers())
    }

    fn body(&self) -> Result<ours::OutgoingBody, ()> {
        self.0
            .body()
            .map(|b| ours::OutgoingBody::new(OutgoingBody(b)))
    }
}

impl ours::GuestOutgoingBody for OutgoingBody {
    fn write(&self) -> Result<our_streams::OutputStream, ()> {
        self.0
            .write()
            .map(|s| our_streams::OutputStream::new(OutputStream::Host(s)))
    }

    fn finish(
        this: ours::OutgoingBody,
        trailers: Option<ours::Fields>,
    ) -> Result<(), ours::ErrorCode> {
        let body = this.into_inner::<OutgoingBody>().0;
        let trailers = trailers.map(|t| t.into_inner::<Fields>().0);
        host::OutgoingBody::finish(body, trailers).map_err(Into::into)
    }
}

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

impl ours::GuestResponseOutparam for ResponseOutparam {
    fn set(
        param: ours::ResponseOutparam,
        response: Result<ours::OutgoingResponse, ours::ErrorCode>,
    ) {
        // `param` is a `ResponseOutparam`, which cannot exist: this is never called.
        drop((param, response));
    }
}
