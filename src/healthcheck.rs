//! `allydb --ping`, the container health check: a small blocking client that sends PING to
//! the configured port (AUTH first when a password is configured) and reports in one line.
//! It shares the server's settings (`Config`) so flags and environment variables mean the same.
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::limits;
use crate::server::pubsub::encode;

/// Sends PING to the server `config` describes; Ok on a `+PONG` reply, otherwise one line
/// saying what happened. Never takes longer than `limits::HEALTHCHECK_TIMEOUT_MS`.
pub fn ping(config: &Config) -> Result<(), String> {
    let address = target(config.bind, config.port);
    let deadline = Instant::now() + Duration::from_millis(limits::HEALTHCHECK_TIMEOUT_MS);
    check(address, config.requirepass.as_deref(), deadline)
        .map_err(|why| format!("{address}: {why}"))
}

/// Where the server can be reached from this machine: its bind address, or loopback when it
/// listens on every interface (the container's `0.0.0.0`), which protected mode never refuses.
pub fn target(bind: IpAddr, port: u16) -> SocketAddr {
    let ip = match bind {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, port)
}

fn check(address: SocketAddr, password: Option<&str>, deadline: Instant) -> Result<(), String> {
    let mut stream = TcpStream::connect_timeout(&address, remaining(deadline)?)
        .map_err(|error| format!("cannot connect: {error}"))?;
    let mut request = Vec::new();
    if let Some(password) = password {
        request.extend_from_slice(&encode(&[b"AUTH", password.as_bytes()]));
    }
    request.extend_from_slice(&encode(&[b"PING"]));
    stream.set_write_timeout(Some(remaining(deadline)?)).map_err(|error| error.to_string())?;
    stream.write_all(&request).map_err(|error| format!("cannot send PING: {error}"))?;
    let mut reader = LineReader { stream, buffer: Vec::new(), deadline };
    // Both replies are read, so a wrong password is named as the cause of a -NOAUTH.
    let auth = match password {
        Some(_) => Some(reader.line()?),
        None => None,
    };
    // A server that refuses the connection (-ERR max number of clients reached) answers the
    // first command and closes: that answer is the cause worth reporting.
    let reply = reader.line().map_err(|why| match &auth {
        Some(auth) if auth != "+OK" => format!("AUTH replied {auth}; then {why}"),
        _ => why,
    })?;
    match auth {
        _ if reply == "+PONG" => Ok(()),
        Some(auth) if auth != "+OK" => Err(format!("AUTH replied {auth}; PING replied {reply}")),
        _ => Err(format!("PING replied {reply}")),
    }
}

/// Time left before `deadline`, or the one-line failure once it has passed (a zero timeout
/// would mean "block forever" to some socket calls).
fn remaining(deadline: Instant) -> Result<Duration, String> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(format!("no reply within {} ms", limits::HEALTHCHECK_TIMEOUT_MS));
    }
    Ok(left)
}

/// Reads reply lines (`+PONG`, `-ERR ...`) up to the deadline; PING and AUTH reply with
/// nothing longer, so a longer or unterminated reply is a failure, not a wait.
struct LineReader {
    stream: TcpStream,
    buffer: Vec<u8>,
    deadline: Instant,
}

impl LineReader {
    fn line(&mut self) -> Result<String, String> {
        loop {
            if let Some(end) = self.buffer.windows(2).position(|pair| pair == b"\r\n") {
                let line: Vec<u8> = self.buffer.drain(..end + 2).take(end).collect();
                return Ok(printable(&line));
            }
            if self.buffer.len() > limits::HEALTHCHECK_REPLY_BYTES_MAX {
                return Err(format!(
                    "reply longer than {} bytes",
                    limits::HEALTHCHECK_REPLY_BYTES_MAX
                ));
            }
            self.stream
                .set_read_timeout(Some(remaining(self.deadline)?))
                .map_err(|error| error.to_string())?;
            let mut chunk = [0u8; 1024];
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err("connection closed before a reply".to_string()),
                Ok(n) => self.buffer.extend_from_slice(chunk.get(..n).unwrap_or_default()),
                Err(error) if is_timeout(&error) => {
                    return Err(format!("no reply within {} ms", limits::HEALTHCHECK_TIMEOUT_MS))
                }
                Err(error) => return Err(format!("cannot read the reply: {error}")),
            }
        }
    }
}

fn is_timeout(error: &std::io::Error) -> bool {
    matches!(error.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)
}

/// The reply as one printable line: the message is for a health-check log.
fn printable(line: &[u8]) -> String {
    String::from_utf8_lossy(line).chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A one-connection fake server that reads the request, then writes `reply`.
    fn fake_server(reply: &'static [u8]) -> (SocketAddr, std::thread::JoinHandle<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let handle = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            stream.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
            let mut request = Vec::new();
            let mut chunk = [0u8; 256];
            while let Ok(n) = stream.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&chunk[..n]);
            }
            stream.write_all(reply).unwrap();
            request
        });
        (address, handle)
    }

    fn soon() -> Instant {
        Instant::now() + Duration::from_secs(3)
    }

    #[test]
    fn unspecified_bind_is_reached_on_loopback() {
        assert_eq!(target("0.0.0.0".parse().unwrap(), 4000), "127.0.0.1:4000".parse().unwrap());
        assert_eq!(target("::".parse().unwrap(), 4000), "[::1]:4000".parse().unwrap());
        assert_eq!(target("10.1.2.3".parse().unwrap(), 7), "10.1.2.3:7".parse().unwrap());
    }

    #[test]
    fn pong_passes_and_auth_goes_first() {
        let (address, server) = fake_server(b"+OK\r\n+PONG\r\n");
        assert_eq!(check(address, Some("s3cret"), soon()), Ok(()));
        assert_eq!(
            server.join().unwrap(),
            b"*2\r\n$4\r\nAUTH\r\n$6\r\ns3cret\r\n*1\r\n$4\r\nPING\r\n".to_vec()
        );
    }

    #[test]
    fn an_error_reply_is_one_line() {
        let (address, _server) =
            fake_server(b"-LOADING Redis is loading the dataset in memory\r\n");
        assert_eq!(
            check(address, None, soon()),
            Err("PING replied -LOADING Redis is loading the dataset in memory".to_string())
        );
        let (address, _server) =
            fake_server(b"-WRONGPASS bad\r\n-NOAUTH Authentication required.\r\n");
        assert_eq!(
            check(address, Some("x"), soon()),
            Err("AUTH replied -WRONGPASS bad; PING replied -NOAUTH Authentication required."
                .to_string())
        );
    }

    #[test]
    fn a_silent_server_fails_at_the_deadline() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let started = Instant::now();
        let result = check(address, None, Instant::now() + Duration::from_millis(300));
        assert_eq!(result, Err(format!("no reply within {} ms", limits::HEALTHCHECK_TIMEOUT_MS)));
        assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
        drop(listener);
    }

    #[test]
    fn a_closed_connection_and_a_flood_fail() {
        let (address, _server) = fake_server(b"");
        assert_eq!(check(address, None, soon()), Err("connection closed before a reply".into()));
        static FLOOD: [u8; 8192] = [b'+'; 8192];
        let (address, _server) = fake_server(&FLOOD);
        assert_eq!(check(address, None, soon()), Err("reply longer than 4096 bytes".into()));
    }
}
