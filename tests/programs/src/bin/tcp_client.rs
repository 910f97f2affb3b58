//! Connects to each `HOST:PORT` argument over TCP, sends `ping`, and prints what happened:
//! `ADDR: ok REPLY` or `ADDR: err KIND`. The argument `stdin` instead reads the standard input to
//! its end: `stdin: N bytes`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

fn main() {
    for addr in std::env::args().skip(1) {
        if addr == "stdin" {
            let mut input = Vec::new();
            let read = std::io::stdin().read_to_end(&mut input);
            println!("stdin: {:?} bytes", read.map_err(|e| e.kind()));
            continue;
        }
        match talk(&addr) {
            Ok(reply) => println!("{addr}: ok {reply}"),
            Err(e) => println!("{addr}: err {:?}", e.kind()),
        }
    }
}

fn talk(addr: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.write_all(b"ping")?;
    let mut reply = [0u8; 4];
    stream.read_exact(&mut reply)?;
    Ok(String::from_utf8_lossy(&reply).into_owned())
}
