//! The WASI 0.2 adapter. Exports `tcp`, `tcp-create-socket`, `udp`, `udp-create-socket` and `ip-name-lookup`, and
//! implements them with the host's. Every socket the app holds is ours, wrapping a host socket,
//! so that each address is checked where it is used:
//!
//! - `tcp-socket.start-connect`: the `connect` rules;
//! - `tcp-socket.start-bind`, `udp-socket.start-bind`: the `bind` rules;
//! - `udp-create-socket.create-udp-socket`: fails unless the policy lists `udp` rules;
//!   `udp-socket.stream` with a remote address, and every datagram given to
//!   `outgoing-datagram-stream.send` with an address: the `udp` rules;
//! - `ip-name-lookup.resolve-addresses`: the `resolve` name globs.
//!
//! Everything denied fails with `error-code::access-denied`. The rules see addresses, never
//! names, so resolving an allowed name to an address that is not listed and connecting to it is
//! refused. The network handle is the host's (`network` and `instance-network` are not
//! exported), and so are the streams of a connected TCP socket (`wasi:io` is not exported): data
//! never passes through the adapter.

use std::net::SocketAddr;

use crate::bindings::exports::wasi::sockets::ip_name_lookup as ours_lookup;
use crate::bindings::exports::wasi::sockets::tcp as ours_tcp;
use crate::bindings::exports::wasi::sockets::tcp_create_socket as ours_tcp_create;
use crate::bindings::exports::wasi::sockets::udp as ours_udp;
use crate::bindings::exports::wasi::sockets::udp_create_socket as ours_udp_create;
use crate::bindings::wasi::clocks::monotonic_clock::Duration;
use crate::bindings::wasi::io::poll::Pollable;
use crate::bindings::wasi::io::streams::{InputStream, OutputStream};
use crate::bindings::wasi::sockets::network::{
    ErrorCode, IpAddress, IpAddressFamily, IpSocketAddress, Network,
};
use crate::bindings::wasi::sockets::{
    ip_name_lookup as host_lookup, tcp as host_tcp, tcp_create_socket as host_tcp_create,
    udp as host_udp, udp_create_socket as host_udp_create,
};
use interpose_policy::sockets::SocketRules;

/// `Ok` if `allowed` says so for the rules, `access-denied` otherwise.
fn check(allowed: impl FnOnce(&SocketRules) -> bool) -> Result<(), ErrorCode> {
    if crate::allows(allowed) {
        Ok(())
    } else {
        Err(ErrorCode::AccessDenied)
    }
}

fn socket_addr(addr: &IpSocketAddress) -> SocketAddr {
    match *addr {
        IpSocketAddress::Ipv4(a) => crate::v4(a.address, a.port),
        IpSocketAddress::Ipv6(a) => crate::v6(a.address, a.port, a.flow_info, a.scope_id),
    }
}

pub struct Sockets;

// ---------------------------------------------------------------------------------------------
// TCP

pub struct TcpSocket {
    host: host_tcp::TcpSocket,
}

impl TcpSocket {
    fn wrap(host: host_tcp::TcpSocket) -> ours_tcp::TcpSocket {
        ours_tcp::TcpSocket::new(TcpSocket { host })
    }
}

impl ours_tcp::Guest for Sockets {
    type TcpSocket = TcpSocket;
}

impl ours_tcp_create::Guest for Sockets {
    fn create_tcp_socket(
        address_family: IpAddressFamily,
    ) -> Result<ours_tcp::TcpSocket, ErrorCode> {
        host_tcp_create::create_tcp_socket(address_family).map(TcpSocket::wrap)
    }
}

impl ours_tcp::GuestTcpSocket for TcpSocket {
    fn start_bind(
        &self,
        network: &Network,
        local_address: IpSocketAddress,
    ) -> Result<(), ErrorCode> {
        check(|r| r.allows_bind(socket_addr(&local_address)))?;
        self.host.start_bind(network, local_address)
    }
    fn finish_bind(&self) -> Result<(), ErrorCode> {
        self.host.finish_bind()
    }
    fn start_connect(
        &self,
        network: &Network,
        remote_address: IpSocketAddress,
    ) -> Result<(), ErrorCode> {
        check(|r| r.allows_connect(socket_addr(&remote_address)))?;
        self.host.start_connect(network, remote_address)
    }
    fn finish_connect(&self) -> Result<(InputStream, OutputStream), ErrorCode> {
        self.host.finish_connect()
    }
    fn start_listen(&self) -> Result<(), ErrorCode> {
        self.host.start_listen()
    }
    fn finish_listen(&self) -> Result<(), ErrorCode> {
        self.host.finish_listen()
    }
    fn accept(&self) -> Result<(ours_tcp::TcpSocket, InputStream, OutputStream), ErrorCode> {
        let (socket, input, output) = self.host.accept()?;
        Ok((TcpSocket::wrap(socket), input, output))
    }
    fn local_address(&self) -> Result<IpSocketAddress, ErrorCode> {
        self.host.local_address()
    }
    fn remote_address(&self) -> Result<IpSocketAddress, ErrorCode> {
        self.host.remote_address()
    }
    fn is_listening(&self) -> bool {
        self.host.is_listening()
    }
    fn address_family(&self) -> IpAddressFamily {
        self.host.address_family()
    }
    fn set_listen_backlog_size(&self, value: u64) -> Result<(), ErrorCode> {
        self.host.set_listen_backlog_size(value)
    }
    fn keep_alive_enabled(&self) -> Result<bool, ErrorCode> {
        self.host.keep_alive_enabled()
    }
    fn set_keep_alive_enabled(&self, value: bool) -> Result<(), ErrorCode> {
        self.host.set_keep_alive_enabled(value)
    }
    fn keep_alive_idle_time(&self) -> Result<Duration, ErrorCode> {
        self.host.keep_alive_idle_time()
    }
    fn set_keep_alive_idle_time(&self, value: Duration) -> Result<(), ErrorCode> {
        self.host.set_keep_alive_idle_time(value)
    }
    fn keep_alive_interval(&self) -> Result<Duration, ErrorCode> {
        self.host.keep_alive_interval()
    }
    fn set_keep_alive_interval(&self, value: Duration) -> Result<(), ErrorCode> {
        self.host.set_keep_alive_interval(value)
    }
    fn keep_alive_count(&self) -> Result<u32, ErrorCode> {
        self.host.keep_alive_count()
    }
    fn set_keep_alive_count(&self, value: u32) -> Result<(), ErrorCode> {
        self.host.set_keep_alive_count(value)
    }
    fn hop_limit(&self) -> Result<u8, ErrorCode> {
        self.host.hop_limit()
    }
    fn set_hop_limit(&self, value: u8) -> Result<(), ErrorCode> {
        self.host.set_hop_limit(value)
    }
    fn receive_buffer_size(&self) -> Result<u64, ErrorCode> {
        self.host.receive_buffer_size()
    }
    fn set_receive_buffer_size(&self, value: u64) -> Result<(), ErrorCode> {
        self.host.set_receive_buffer_size(value)
    }
    fn send_buffer_size(&self) -> Result<u64, ErrorCode> {
        self.host.send_buffer_size()
    }
    fn set_send_buffer_size(&self, value: u64) -> Result<(), ErrorCode> {
        self.host.set_send_buffer_size(value)
    }
    fn subscribe(&self) -> Pollable {
        self.host.subscribe()
    }
    fn shutdown(&self, shutdown_type: ours_tcp::ShutdownType) -> Result<(), ErrorCode> {
        self.host.shutdown(match shutdown_type {
            ours_tcp::ShutdownType::Receive => host_tcp::ShutdownType::Receive,
            ours_tcp::ShutdownType::Send => host_tcp::ShutdownType::Send,
            ours_tcp::ShutdownType::Both => host_tcp::ShutdownType::Both,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// UDP

pub struct UdpSocket {
    host: host_udp::UdpSocket,
}

pub struct IncomingDatagramStream {
    host: host_udp::IncomingDatagramStream,
}

pub struct OutgoingDatagramStream {
    host: host_udp::OutgoingDatagramStream,
}

impl ours_udp::Guest for Sockets {
    type UdpSocket = UdpSocket;
    type IncomingDatagramStream = IncomingDatagramStream;
    type OutgoingDatagramStream = OutgoingDatagramStream;
}

impl ours_udp_create::Guest for Sockets {
    fn create_udp_socket(
        address_family: IpAddressFamily,
    ) -> Result<ours_udp::UdpSocket, ErrorCode> {
        check(SocketRules::allows_udp)?;
        let host = host_udp_create::create_udp_socket(address_family)?;
        Ok(ours_udp::UdpSocket::new(UdpSocket { host }))
    }
}

impl ours_udp::GuestUdpSocket for UdpSocket {
    fn start_bind(
        &self,
        network: &Network,
        local_address: IpSocketAddress,
    ) -> Result<(), ErrorCode> {
        check(|r| r.allows_bind(socket_addr(&local_address)))?;
        self.host.start_bind(network, local_address)
    }
    fn finish_bind(&self) -> Result<(), ErrorCode> {
        self.host.finish_bind()
    }
    fn stream(
        &self,
        remote_address: Option<IpSocketAddress>,
    ) -> Result<
        (
            ours_udp::IncomingDatagramStream,
            ours_udp::OutgoingDatagramStream,
        ),
        ErrorCode,
    > {
        if let Some(remote) = &remote_address {
            check(|r| r.allows_udp_remote(socket_addr(remote)))?;
        }
        let (incoming, outgoing) = self.host.stream(remote_address)?;
        Ok((
            ours_udp::IncomingDatagramStream::new(IncomingDatagramStream { host: incoming }),
            ours_udp::OutgoingDatagramStream::new(OutgoingDatagramStream { host: outgoing }),
        ))
    }
    fn local_address(&self) -> Result<IpSocketAddress, ErrorCode> {
        self.host.local_address()
    }
    fn remote_address(&self) -> Result<IpSocketAddress, ErrorCode> {
        self.host.remote_address()
    }
    fn address_family(&self) -> IpAddressFamily {
        self.host.address_family()
    }
    fn unicast_hop_limit(&self) -> Result<u8, ErrorCode> {
        self.host.unicast_hop_limit()
    }
    fn set_unicast_hop_limit(&self, value: u8) -> Result<(), ErrorCode> {
        self.host.set_unicast_hop_limit(value)
    }
    fn receive_buffer_size(&self) -> Result<u64, ErrorCode> {
        self.host.receive_buffer_size()
    }
    fn set_receive_buffer_size(&self, value: u64) -> Result<(), ErrorCode> {
        self.host.set_receive_buffer_size(value)
    }
    fn send_buffer_size(&self) -> Result<u64, ErrorCode> {
        self.host.send_buffer_size()
    }
    fn set_send_buffer_size(&self, value: u64) -> Result<(), ErrorCode> {
        self.host.set_send_buffer_size(value)
    }
    fn subscribe(&self) -> Pollable {
        self.host.subscribe()
    }
}

impl ours_udp::GuestIncomingDatagramStream for IncomingDatagramStream {
    fn receive(&self, max_results: u64) -> Result<Vec<ours_udp::IncomingDatagram>, ErrorCode> {
        Ok(self
            .host
            .receive(max_results)?
            .into_iter()
            .map(|d| ours_udp::IncomingDatagram {
                data: d.data,
                remote_address: d.remote_address,
            })
            .collect())
    }
    fn subscribe(&self) -> Pollable {
        self.host.subscribe()
    }
}

impl ours_udp::GuestOutgoingDatagramStream for OutgoingDatagramStream {
    fn check_send(&self) -> Result<u64, ErrorCode> {
        self.host.check_send()
    }
    fn send(&self, datagrams: Vec<ours_udp::OutgoingDatagram>) -> Result<u64, ErrorCode> {
        // Every datagram with an address is checked before any is sent, so a denied one never
        // leaves, and none after it either. Datagrams without one go to the stream's remote
        // address, checked by `stream`.
        for datagram in &datagrams {
            if let Some(remote) = &datagram.remote_address {
                check(|r| r.allows_udp_remote(socket_addr(remote)))?;
            }
        }
        let datagrams: Vec<host_udp::OutgoingDatagram> = datagrams
            .into_iter()
            .map(|d| host_udp::OutgoingDatagram {
                data: d.data,
                remote_address: d.remote_address,
            })
            .collect();
        self.host.send(&datagrams)
    }
    fn subscribe(&self) -> Pollable {
        self.host.subscribe()
    }
}

// ---------------------------------------------------------------------------------------------
// Name lookup

pub struct ResolveAddressStream {
    host: host_lookup::ResolveAddressStream,
}

impl ours_lookup::Guest for Sockets {
    type ResolveAddressStream = ResolveAddressStream;

    fn resolve_addresses(
        network: &Network,
        name: String,
    ) -> Result<ours_lookup::ResolveAddressStream, ErrorCode> {
        check(|r| r.allows_resolve(&name))?;
        let host = host_lookup::resolve_addresses(network, &name)?;
        Ok(ours_lookup::ResolveAddressStream::new(
            ResolveAddressStream { host },
        ))
    }
}

impl ours_lookup::GuestResolveAddressStream for ResolveAddressStream {
    fn resolve_next_address(&self) -> Result<Option<IpAddress>, ErrorCode> {
        self.host.resolve_next_address()
    }
    fn subscribe(&self) -> Pollable {
        self.host.subscribe()
    }
}
