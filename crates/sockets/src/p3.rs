//! The WASI 0.3 adapter: exports `wasi:sockets/types` and `ip-name-lookup` and implements them
//! with the host's. Every socket the app holds is ours, wrapping a host socket, so that each
//! address is checked where it is used, by the same rules as at 0.2:
//!
//! - `tcp-socket.connect`: the `connect` rules;
//! - `tcp-socket.bind`, `udp-socket.bind`: the `bind` rules;
//! - `udp-socket.create`: fails unless the policy lists `udp` rules; `udp-socket.connect`, and
//!   `udp-socket.send` with an address: the `udp` rules;
//! - `ip-name-lookup.resolve-addresses`: the `resolve` name globs.
//!
//! The streams and futures of a socket (`send`, `receive`) are the host's, handed over untouched:
//! no data passes through the adapter. `tcp-socket.listen` is refused (`not-supported`): it
//! returns a stream of sockets, which would have to be the adapter's own (each accepted socket
//! wrapped), and a synchronous export cannot make a stream of its own yet (component-model #677,
//! wit-bindgen #1456). Refusing keeps the host's sockets from reaching the app unwrapped.

use std::net::SocketAddr;

use interpose_policy::sockets::SocketRules;
use wit_bindgen::{FutureReader, StreamReader};

use crate::bindings::exports::wasi::sockets::ip_name_lookup as ours_lookup;
use crate::bindings::exports::wasi::sockets::types as ours;
use crate::bindings::wasi::sockets::ip_name_lookup as host_lookup;
use crate::bindings::wasi::sockets::types as host;
use ours::{Duration, ErrorCode, IpAddressFamily, IpSocketAddress};

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

impl ours::Guest for Sockets {
    type TcpSocket = TcpSocket;
    type UdpSocket = UdpSocket;
}

// ---------------------------------------------------------------------------------------------
// TCP

pub struct TcpSocket {
    host: host::TcpSocket,
}

impl ours::GuestTcpSocket for TcpSocket {
    fn create(address_family: IpAddressFamily) -> Result<ours::TcpSocket, ErrorCode> {
        let host = host::TcpSocket::create(address_family)?;
        Ok(ours::TcpSocket::new(TcpSocket { host }))
    }
    fn bind(&self, local_address: IpSocketAddress) -> Result<(), ErrorCode> {
        check(|r| r.allows_bind(socket_addr(&local_address)))?;
        self.host.bind(local_address)
    }
    async fn connect(&self, remote_address: IpSocketAddress) -> Result<(), ErrorCode> {
        check(|r| r.allows_connect(socket_addr(&remote_address)))?;
        self.host.connect(remote_address).await
    }
    fn listen(&self) -> Result<StreamReader<ours::TcpSocket>, ErrorCode> {
        Err(ErrorCode::NotSupported)
    }
    fn send(&self, data: StreamReader<u8>) -> FutureReader<Result<(), ErrorCode>> {
        self.host.send(data)
    }
    fn receive(&self) -> (StreamReader<u8>, FutureReader<Result<(), ErrorCode>>) {
        self.host.receive()
    }
    fn get_local_address(&self) -> Result<IpSocketAddress, ErrorCode> {
        self.host.get_local_address()
    }
    fn get_remote_address(&self) -> Result<IpSocketAddress, ErrorCode> {
        self.host.get_remote_address()
    }
    fn get_is_listening(&self) -> bool {
        self.host.get_is_listening()
    }
    fn get_address_family(&self) -> IpAddressFamily {
        self.host.get_address_family()
    }
    fn set_listen_backlog_size(&self, value: u64) -> Result<(), ErrorCode> {
        self.host.set_listen_backlog_size(value)
    }
    fn get_keep_alive_enabled(&self) -> Result<bool, ErrorCode> {
        self.host.get_keep_alive_enabled()
    }
    fn set_keep_alive_enabled(&self, value: bool) -> Result<(), ErrorCode> {
        self.host.set_keep_alive_enabled(value)
    }
    fn get_keep_alive_idle_time(&self) -> Result<Duration, ErrorCode> {
        self.host.get_keep_alive_idle_time()
    }
    fn set_keep_alive_idle_time(&self, value: Duration) -> Result<(), ErrorCode> {
        self.host.set_keep_alive_idle_time(value)
    }
    fn get_keep_alive_interval(&self) -> Result<Duration, ErrorCode> {
        self.host.get_keep_alive_interval()
    }
    fn set_keep_alive_interval(&self, value: Duration) -> Result<(), ErrorCode> {
        self.host.set_keep_alive_interval(value)
    }
    fn get_keep_alive_count(&self) -> Result<u32, ErrorCode> {
        self.host.get_keep_alive_count()
    }
    fn set_keep_alive_count(&self, value: u32) -> Result<(), ErrorCode> {
        self.host.set_keep_alive_count(value)
    }
    fn get_hop_limit(&self) -> Result<u8, ErrorCode> {
        self.host.get_hop_limit()
    }
    fn set_hop_limit(&self, value: u8) -> Result<(), ErrorCode> {
        self.host.set_hop_limit(value)
    }
    fn get_receive_buffer_size(&self) -> Result<u64, ErrorCode> {
        self.host.get_receive_buffer_size()
    }
    fn set_receive_buffer_size(&self, value: u64) -> Result<(), ErrorCode> {
        self.host.set_receive_buffer_size(value)
    }
    fn get_send_buffer_size(&self) -> Result<u64, ErrorCode> {
        self.host.get_send_buffer_size()
    }
    fn set_send_buffer_size(&self, value: u64) -> Result<(), ErrorCode> {
        self.host.set_send_buffer_size(value)
    }
}

// ---------------------------------------------------------------------------------------------
// UDP

pub struct UdpSocket {
    host: host::UdpSocket,
}

impl ours::GuestUdpSocket for UdpSocket {
    fn create(address_family: IpAddressFamily) -> Result<ours::UdpSocket, ErrorCode> {
        check(SocketRules::allows_udp)?;
        let host = host::UdpSocket::create(address_family)?;
        Ok(ours::UdpSocket::new(UdpSocket { host }))
    }
    fn bind(&self, local_address: IpSocketAddress) -> Result<(), ErrorCode> {
        check(|r| r.allows_bind(socket_addr(&local_address)))?;
        self.host.bind(local_address)
    }
    fn connect(&self, remote_address: IpSocketAddress) -> Result<(), ErrorCode> {
        check(|r| r.allows_udp_remote(socket_addr(&remote_address)))?;
        self.host.connect(remote_address)
    }
    fn disconnect(&self) -> Result<(), ErrorCode> {
        self.host.disconnect()
    }
    async fn send(
        &self,
        data: Vec<u8>,
        remote_address: Option<IpSocketAddress>,
    ) -> Result<(), ErrorCode> {
        // Without an address the datagram goes to the connected peer, checked by `connect`.
        if let Some(remote) = &remote_address {
            check(|r| r.allows_udp_remote(socket_addr(remote)))?;
        }
        self.host.send(data, remote_address).await
    }
    async fn receive(&self) -> Result<(Vec<u8>, IpSocketAddress), ErrorCode> {
        self.host.receive().await
    }
    fn get_local_address(&self) -> Result<IpSocketAddress, ErrorCode> {
        self.host.get_local_address()
    }
    fn get_remote_address(&self) -> Result<IpSocketAddress, ErrorCode> {
        self.host.get_remote_address()
    }
    fn get_address_family(&self) -> IpAddressFamily {
        self.host.get_address_family()
    }
    fn get_unicast_hop_limit(&self) -> Result<u8, ErrorCode> {
        self.host.get_unicast_hop_limit()
    }
    fn set_unicast_hop_limit(&self, value: u8) -> Result<(), ErrorCode> {
        self.host.set_unicast_hop_limit(value)
    }
    fn get_receive_buffer_size(&self) -> Result<u64, ErrorCode> {
        self.host.get_receive_buffer_size()
    }
    fn set_receive_buffer_size(&self, value: u64) -> Result<(), ErrorCode> {
        self.host.set_receive_buffer_size(value)
    }
    fn get_send_buffer_size(&self) -> Result<u64, ErrorCode> {
        self.host.get_send_buffer_size()
    }
    fn set_send_buffer_size(&self, value: u64) -> Result<(), ErrorCode> {
        self.host.set_send_buffer_size(value)
    }
}

// ---------------------------------------------------------------------------------------------
// Name lookup

impl ours_lookup::Guest for Sockets {
    async fn resolve_addresses(
        name: String,
    ) -> Result<Vec<ours_lookup::IpAddress>, ours_lookup::ErrorCode> {
        if !crate::allows(|r| r.allows_resolve(&name)) {
            return Err(ours_lookup::ErrorCode::AccessDenied);
        }
        host_lookup::resolve_addresses(name).await
    }
}
