//! The exported `wasi:http/types` and the imported one are distinct types to Rust, with the same
//! shape. These conversions copy variants and records across.

use crate::bindings::exports::wasi::http::types as ours;
use crate::bindings::wasi::http::types as host;

/// `From` for a variant whose cases have the same names on both sides: `unit` cases without a
/// payload, `same` cases whose payload has the same type on both sides, then explicit arms.
macro_rules! convert_variant {
    ($from:ident => $to:ident {
        unit: [$($unit:ident),* $(,)?],
        same: [$($same:ident),* $(,)?],
        $($arm:pat => $value:expr,)*
    }) => {
        impl From<$from::ErrorCode> for $to::ErrorCode {
            fn from(value: $from::ErrorCode) -> Self {
                use $from::ErrorCode as F;
                use $to::ErrorCode as T;
                match value {
                    $(F::$unit => T::$unit,)*
                    $(F::$same(payload) => T::$same(payload),)*
                    $($arm => $value,)*
                }
            }
        }
    };
}

fn field_size(p: host::FieldSizePayload) -> ours::FieldSizePayload {
    ours::FieldSizePayload {
        field_name: p.field_name,
        field_size: p.field_size,
    }
}

convert_variant!(host => ours {
    unit: [
        DnsTimeout, DestinationNotFound, DestinationUnavailable, DestinationIpProhibited,
        DestinationIpUnroutable, ConnectionRefused, ConnectionTerminated, ConnectionTimeout,
        ConnectionReadTimeout, ConnectionWriteTimeout, ConnectionLimitReached, TlsProtocolError,
        TlsCertificateError, HttpRequestDenied, HttpRequestLengthRequired,
        HttpRequestMethodInvalid, HttpRequestUriInvalid, HttpRequestUriTooLong,
        HttpResponseIncomplete, HttpResponseTimeout, HttpUpgradeFailed, HttpProtocolError,
        LoopDetected, ConfigurationError,
    ],
    same: [
        HttpRequestBodySize, HttpRequestHeaderSectionSize, HttpRequestTrailerSectionSize,
        HttpResponseHeaderSectionSize, HttpResponseBodySize, HttpResponseTrailerSectionSize,
        HttpResponseTransferCoding, HttpResponseContentCoding, InternalError,
    ],
    F::DnsError(p) => T::DnsError(ours::DnsErrorPayload {
        rcode: p.rcode,
        info_code: p.info_code,
    }),
    F::TlsAlertReceived(p) => T::TlsAlertReceived(ours::TlsAlertReceivedPayload {
        alert_id: p.alert_id,
        alert_message: p.alert_message,
    }),
    F::HttpRequestHeaderSize(p) => T::HttpRequestHeaderSize(p.map(field_size)),
    F::HttpRequestTrailerSize(p) => T::HttpRequestTrailerSize(field_size(p)),
    F::HttpResponseHeaderSize(p) => T::HttpResponseHeaderSize(field_size(p)),
    F::HttpResponseTrailerSize(p) => T::HttpResponseTrailerSize(field_size(p)),
});

impl From<host::HeaderError> for ours::HeaderError {
    fn from(value: host::HeaderError) -> Self {
        match value {
            host::HeaderError::InvalidSyntax => ours::HeaderError::InvalidSyntax,
            host::HeaderError::Forbidden => ours::HeaderError::Forbidden,
            host::HeaderError::Immutable => ours::HeaderError::Immutable,
        }
    }
}

/// `From` both ways for `method` and `scheme`, whose only payload is `other(string)`.
macro_rules! convert_both_ways {
    ($ty:ident { $($unit:ident),* $(,)? }) => {
        impl From<host::$ty> for ours::$ty {
            fn from(value: host::$ty) -> Self {
                match value {
                    $(host::$ty::$unit => ours::$ty::$unit,)*
                    host::$ty::Other(other) => ours::$ty::Other(other),
                }
            }
        }

        impl From<ours::$ty> for host::$ty {
            fn from(value: ours::$ty) -> Self {
                match value {
                    $(ours::$ty::$unit => host::$ty::$unit,)*
                    ours::$ty::Other(other) => host::$ty::Other(other),
                }
            }
        }
    };
}

convert_both_ways!(Method {
    Get,
    Head,
    Post,
    Put,
    Delete,
    Connect,
    Options,
    Trace,
    Patch
});
convert_both_ways!(Scheme { Http, Https });
