//! Sends one request with an empty body for each `METHOD:URL` argument through
//! `wasi:http/outgoing-handler` and prints what happened: `METHOD URL: ok STATUS` or
//! `METHOD URL: err ERROR-CODE` (the error code's `Debug` form, e.g. `ErrorCode::HttpRequestDenied`).
//!
//! `METHOD:URL|name=value|...` also sets those headers, and first prints the request's headers
//! as the app reads them back: `METHOD URL: app sees name=value; ...`. `@authority=HOST:PORT`
//! is not a header: it retargets the request after its body was taken; `+name=value` is a
//! trailer, given to `outgoing-body.finish` (and named in a `trailer` header, as HTTP/1.1
//! clients send no others). The argument `stdin`
//! reads the standard input to its end instead: `stdin: N bytes`.

use wasip2::http::outgoing_handler;
use wasip2::http::types::{ErrorCode, Fields, Method, OutgoingBody, OutgoingRequest, Scheme};

fn main() {
    for arg in std::env::args().skip(1) {
        if arg == "stdin" {
            // Reads the standard input to its end: `stdin: N bytes`.
            let mut input = Vec::new();
            let read = std::io::Read::read_to_end(&mut std::io::stdin(), &mut input);
            println!("stdin: {:?} bytes", read.map_err(|e| e.kind()));
            continue;
        }
        let mut parts = arg.split('|');
        let target = parts.next().unwrap_or_default();
        let (retarget, fields): (Vec<_>, Vec<_>) = parts
            .filter_map(|h| h.split_once('='))
            .map(|(name, value)| (name.to_owned(), value.as_bytes().to_vec()))
            .partition(|(name, _)| name == "@authority");
        let (trailers, mut headers): (Vec<_>, Vec<_>) = fields
            .into_iter()
            .partition(|(name, _)| name.starts_with('+'));
        let trailers: Vec<_> = trailers
            .into_iter()
            .map(|(name, value)| (name[1..].to_owned(), value))
            .collect();
        if !trailers.is_empty() {
            let names: Vec<&str> = trailers.iter().map(|(name, _)| name.as_str()).collect();
            headers.push(("trailer".into(), names.join(", ").into_bytes()));
        }
        let retarget = retarget
            .first()
            .map(|(_, value)| String::from_utf8_lossy(value).into_owned());
        let Some((method, url)) = target.split_once(':') else {
            println!("{arg}: bad argument, expected METHOD:URL");
            continue;
        };
        match send(method, url, &headers, &trailers, retarget.as_deref()) {
            Ok(status) => println!("{method} {url}: ok {status}"),
            Err(code) => println!("{method} {url}: err {code:?}"),
        }
    }
}

fn send(
    method: &str,
    url: &str,
    headers: &[(String, Vec<u8>)],
    trailers: &[(String, Vec<u8>)],
    retarget: Option<&str>,
) -> Result<u16, ErrorCode> {
    let invalid = || ErrorCode::InternalError(Some(format!("cannot build a request for {url}")));
    let (scheme, rest) = url.split_once("://").ok_or_else(invalid)?;
    let (authority, path) = match rest.find(['/', '?']) {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, "/"),
    };
    let fields = Fields::from_list(headers).map_err(|e| {
        ErrorCode::InternalError(Some(format!("cannot set the headers {headers:?}: {e:?}")))
    })?;
    let request = OutgoingRequest::new(fields);
    request
        .set_method(&parse_method(method))
        .map_err(|()| invalid())?;
    let scheme = match scheme {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        other => Scheme::Other(other.to_owned()),
    };
    request.set_scheme(Some(&scheme)).map_err(|()| invalid())?;
    request
        .set_authority(Some(authority))
        .map_err(|()| invalid())?;
    request
        .set_path_with_query(Some(path))
        .map_err(|()| invalid())?;
    let body = request.body().map_err(|()| invalid())?;
    if !headers.is_empty() {
        let seen: Vec<String> = request
            .headers()
            .entries()
            .into_iter()
            .map(|(name, value)| format!("{name}={}", String::from_utf8_lossy(&value)))
            .collect();
        println!("{method} {url}: app sees {}", seen.join("; "));
    }
    if let Some(authority) = retarget {
        request
            .set_authority(Some(authority))
            .map_err(|()| invalid())?;
    }

    let response = outgoing_handler::handle(request, None)?;
    let trailers = (!trailers.is_empty())
        .then(|| Fields::from_list(trailers))
        .transpose()
        .map_err(|e| ErrorCode::InternalError(Some(format!("cannot set the trailers: {e:?}"))))?;
    OutgoingBody::finish(body, trailers)?;
    response.subscribe().block();
    let response = match response.get() {
        Some(Ok(result)) => result?,
        _ => return Err(ErrorCode::InternalError(Some("no response".into()))),
    };
    let status = response.status();
    // Read the whole body so that the exchange completes.
    // The body must outlive its stream (the stream is its child resource).
    let body = response.consume();
    if let Some(stream) = body.as_ref().ok().and_then(|body| body.stream().ok()) {
        while stream.blocking_read(4096).is_ok() {}
    }
    Ok(status)
}

fn parse_method(method: &str) -> Method {
    match method {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "DELETE" => Method::Delete,
        "CONNECT" => Method::Connect,
        "OPTIONS" => Method::Options,
        "TRACE" => Method::Trace,
        "PATCH" => Method::Patch,
        other => Method::Other(other.to_owned()),
    }
}
