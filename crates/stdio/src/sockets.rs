//! `wasi:sockets/tcp`, passed through call for call, so that the streams of a connection are this
//! adapter's when the app's streams are (see [`crate::files`] for files). Policy is not decided
//! here: the sockets this adapter imports are the `sockets` adapter's when the policy has
//! allowlists, else the host's. The network, addresses and errors are `wasi:sockets/network`'s,
//! which is not wrapped: they are the same types on both sides.

use crate::bindings::exports::wasi::io::streams as our_streams;
use crate::bindings::exports::wasi::sockets::tcp::{self as ours, ShutdownType};
use crate::bindings::exports::wasi::sockets::tcp_create_socket::Guest as CreateGuest;
use crate::bindings::wasi::clocks::monotonic_clock::Duration;
use crate::bindings::wasi::io::poll::Pollable;
use crate::bindings::wasi::sockets::network::{
    ErrorCode, IpAddressFamily, IpSocketAddress, Network,
};
use crate::bindings::wasi::sockets::{tcp as host, tcp_create_socket as host_create};
use crate::{InputStream, OutputStream, Stdio};

pub struct TcpSocket(host::TcpSocket);

fn ours(socket: host::TcpSocket) -> ours::TcpSocket {
    ours::TcpSocket::new(TcpSocket(socket))
}

/// A connection's streams, as ours.
fn streams(
    (input, output): (
        crate::bindings::wasi::io::streams::InputStream,
        crate::bindings::wasi::io::streams::OutputStream,
    ),
) -> (our_streams::InputStream, our_streams::OutputStream) {
    (
        our_streams::InputStream::new(InputStream::Host(input)),
        our_streams::OutputStream::new(OutputStream::Host(output)),
    )
}

impl ours::Guest for Stdio {
    type TcpSocket = TcpSocket;
}

impl CreateGuest for Stdio {
    fn create_tcp_socket(family: IpAddressFamily) -> Result<ours::TcpSocket, ErrorCode> {
        host_create::create_tcp_socket(family).map(ours)
    }
}

impl ours::GuestTcpSocket for TcpSocket {
    fn start_bind(&self, network: &Network, local: IpSocketAddress) -> Result<(), ErrorCode> {
        self.0.start_bind(network, local)
    }

    fn finish_bind(&self) -> Result<(), ErrorCode> {
        self.0.finish_bind()
    }

    fn start_connect(&self, network: &Network, remote: IpSocketAddress) -> Result<(), ErrorCode> {
        self.0.start_connect(network, remote)
    }

    fn finish_connect(
        &self,
    ) -> Result<(our_streams::InputStream, our_streams::OutputStream), ErrorCode> {
        self.0.finish_connect().map(streams)
    }

    fn start_listen(&self) -> Result<(), ErrorCode> {
        self.0.start_listen()
    }

    fn finish_listen(&self) -> Result<(), ErrorCode> {
        self.0.finish_listen()
    }

    fn accept(
        &self,
    ) -> Result<
        (
            ours::TcpSocket,
            our_streams::InputStream,
            our_streams::OutputStream,
        ),
        ErrorCode,
    > {
        let (socket, input, output) = self.0.accept()?;
        let (input, output) = streams((input, output));
        Ok((ours(socket), input, output))
    }

    fn local_address(&self) -> Result<IpSocketAddress, ErrorCode> {
        self.0.local_address()
    }

    fn remote_address(&self) -> Result<IpSocketAddress, ErrorCode> {
        self.0.remote_address()
    }

    fn is_listening(&self) -> bool {
        self.0.is_listening()
    }

    fn address_family(&self) -> IpAddressFamily {
        self.0.address_family()
    }

    fn set_listen_backlog_size(&self, value: u64) -> Result<(), ErrorCode> {
        self.0.set_listen_backlog_size(value)
    }

    fn keep_alive_enabled(&self) -> Result<bool, ErrorCode> {
        self.0.keep_alive_enabled()
    }

    fn set_keep_alive_enabled(&self, value: bool) -> Result<(), ErrorCode> {
        self.0.set_keep_alive_enabled(value)
    }

    fn keep_alive_idle_time(&self) -> Result<Duration, ErrorCode> {
        self.0.keep_alive_idle_time()
    }

    fn set_keep_alive_idle_time(&self, value: Duration) -> Result<(), ErrorCode> {
        self.0.set_keep_alive_idle_time(value)
    }

    fn keep_alive_interval(&self) -> Result<Duration, ErrorCode> {
        self.0.keep_alive_interval()
    }

    fn set_keep_alive_interval(&self, value: Duration) -> Result<(), ErrorCode> {
        self.0.set_keep_alive_interval(value)
    }

    fn keep_alive_count(&self) -> Result<u32, ErrorCode> {
        self.0.keep_alive_count()
    }

    fn set_keep_alive_count(&self, value: u32) -> Result<(), ErrorCode> {
        self.0.set_keep_alive_count(value)
    }

    fn hop_limit(&self) -> Result<u8, ErrorCode> {
        self.0.hop_limit()
    }

    fn set_hop_limit(&self, value: u8) -> Result<(), ErrorCode> {
        self.0.set_hop_limit(value)
    }

    fn receive_buffer_size(&self) -> Result<u64, ErrorCode> {
        self.0.receive_buffer_size()
    }

    fn set_receive_buffer_size(&self, value: u64) -> Result<(), ErrorCode> {
        self.0.set_receive_buffer_size(value)
    }

    fn send_buffer_size(&self) -> Result<u64, ErrorCode> {
        self.0.send_buffer_size()
    }

    fn set_send_buffer_size(&self, value: u64) -> Result<(), ErrorCode> {
        self.0.set_send_buffer_size(value)
    }

    fn subscribe(&self) -> Pollable {
        self.0.subscribe()
    }

    fn shutdown(&self, how: ShutdownType) -> Result<(), ErrorCode> {
        self.0.shutdown(match how {
            ShutdownType::Receive => host::ShutdownType::Receive,
            ShutdownType::Send => host::ShutdownType::Send,
            ShutdownType::Both => host::ShutdownType::Both,
        })
    }
}
