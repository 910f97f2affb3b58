//! Binds a UDP socket to the first argument (`ADDR:PORT`), then sends `ping` to each further
//! `HOST:PORT` argument and waits for the reply; prints `bind: ok` or `bind: err KIND`, then
//! `ADDR: ok REPLY` or `ADDR: err KIND` for each (and the error's message on stderr).

use std::net::UdpSocket;
use std::time::Duration;

fn main() {
    let mut args = std::env::args().skip(1);
    let local = args.next().unwrap_or_else(|| "127.0.0.1:0".into());
    let socket = match UdpSocket::bind(&local) {
        Ok(socket) => {
            println!("bind: ok");
            socket
        }
        Err(e) => {
            println!("bind: err {:?}", e.kind());
            return;
        }
    };
    for addr in args {
        match talk(&socket, &addr) {
            Ok(reply) => println!("{addr}: ok {reply}"),
            Err(e) => {
                println!("{addr}: err {:?}", e.kind());
                eprintln!("{addr}: {e}");
            }
        }
    }
}

fn talk(socket: &UdpSocket, addr: &str) -> std::io::Result<String> {
    socket.send_to(b"ping", addr)?;
    // wasi-libc has no receive timeout for UDP: poll for at most five seconds.
    socket.set_nonblocking(true)?;
    let mut reply = [0u8; 4];
    for _ in 0..500 {
        match socket.recv_from(&mut reply) {
            Ok((n, _)) => return Ok(String::from_utf8_lossy(&reply[..n]).into_owned()),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => return Err(e),
        }
    }
    Err(std::io::ErrorKind::TimedOut.into())
}
