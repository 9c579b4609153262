//! Operating-system side of client connections: TCP keepalive on accepted sockets
//! (`tcp-keepalive`), the open-files limit `maxclients` needs, raised at start, and closing
//! finished connections off the serving thread.
use std::os::fd::AsFd;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::OnceLock;
use std::time::Duration;

use crate::limits;

/// Turns on TCP keepalive as Redis's anetKeepAlive does: the first probe after `idle_s`
/// seconds of silence, then one every `idle_s / 3` seconds (at least 1), and the peer is
/// dropped after `TCP_KEEPALIVE_PROBES` unanswered probes. `idle_s == 0` leaves the socket
/// as the kernel made it (keepalive off), as Redis does with `tcp-keepalive 0`.
pub fn set_keepalive(socket: impl AsFd, idle_s: u64) -> std::io::Result<()> {
    if idle_s == 0 {
        return Ok(());
    }
    use rustix::net::sockopt;
    let socket = socket.as_fd();
    sockopt::set_socket_keepalive(socket, true)?;
    sockopt::set_tcp_keepidle(socket, Duration::from_secs(idle_s))?;
    sockopt::set_tcp_keepintvl(socket, Duration::from_secs((idle_s / 3).max(1)))?;
    sockopt::set_tcp_keepcnt(socket, limits::TCP_KEEPALIVE_PROBES)?;
    Ok(())
}

/// Raises the soft RLIMIT_NOFILE to `maxclients + RESERVED_FDS` when it is lower, within the
/// hard limit, like Redis's adjustOpenFilesLimit. Returns a warning to log when the limit
/// stays too low: the server still runs, and a connection past the limit is refused by the
/// accept loop's error path rather than by `maxclients`.
pub fn raise_open_files_limit(maxclients: u64) -> Option<String> {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let wanted = maxclients.saturating_add(limits::RESERVED_FDS);
    let current = getrlimit(Resource::Nofile);
    let soft = current.current.unwrap_or(u64::MAX);
    if soft >= wanted {
        return None;
    }
    let hard = current.maximum.unwrap_or(u64::MAX);
    let target = wanted.min(hard);
    if target > soft
        && setrlimit(Resource::Nofile, Rlimit { current: Some(target), ..current }).is_err()
    {
        return Some(format!(
            "cannot raise the open files limit from {soft} to {target}: maxclients {maxclients} \
             needs {wanted} file descriptors"
        ));
    }
    let now = getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX);
    (now < wanted).then(|| {
        format!(
            "the open files limit is {now} (hard limit {hard}): maxclients {maxclients} needs \
             {wanted}; raise it (ulimit -n) or connections past {} may be refused",
            now.saturating_sub(limits::RESERVED_FDS)
        )
    })
}

/// What a finished connection leaves behind: its socket, its buffers and its place under
/// `maxclients`, given back once the socket is closed.
pub struct Leftovers {
    pub stream: tokio::net::TcpStream,
    pub input: bytes::BytesMut,
    pub output: Vec<u8>,
    pub slot: super::ClientSlot,
}

/// Connections waiting for the closing thread at most. Past it the serving thread closes
/// them itself: descriptors and buffers waiting to be freed stay bounded when disconnects
/// come faster than the closing thread gets CPU.
const CLOSE_QUEUE_MAX: usize = 128;

/// Buffers larger than this are freed by the serving thread (one free each, whatever the
/// size), so a full queue holds at most `CLOSE_QUEUE_MAX` times two of them.
const QUEUED_BUFFER_BYTES_MAX: usize = 64 * 1024;

/// Ends a finished connection on the `allydb-close` thread: the socket's removal from the
/// reactor, its shutdown and close (the kernel's whole TCP teardown, 14-20 us a connection
/// over loopback) and the buffers' frees were most of the serving thread's work when
/// thousands of clients go at once, and every other client's reply waited behind them.
/// Without that thread (it could not start), this is done here.
pub fn close_elsewhere(mut leftovers: Leftovers) {
    if leftovers.input.capacity() > QUEUED_BUFFER_BYTES_MAX {
        leftovers.input = bytes::BytesMut::new();
    }
    if leftovers.output.capacity() > QUEUED_BUFFER_BYTES_MAX {
        leftovers.output = Vec::new();
    }
    let leftovers = match closer() {
        Some(closer) => match closer.try_send(leftovers) {
            Ok(()) => return,
            Err(TrySendError::Full(leftovers) | TrySendError::Disconnected(leftovers)) => leftovers,
        },
        None => leftovers,
    };
    finish(leftovers);
}

/// Sends the FIN (as the tokio stream's shutdown did), then drops everything: the stream
/// leaves the reactor and its descriptor closes.
fn finish(leftovers: Leftovers) {
    let _ = rustix::net::shutdown(&leftovers.stream, rustix::net::Shutdown::Write);
    drop(leftovers);
}

/// The closing thread's queue, started on first use.
fn closer() -> Option<&'static SyncSender<Leftovers>> {
    static CLOSER: OnceLock<Option<SyncSender<Leftovers>>> = OnceLock::new();
    CLOSER
        .get_or_init(|| {
            let (tx, rx) = mpsc::sync_channel::<Leftovers>(CLOSE_QUEUE_MAX);
            let started = std::thread::Builder::new()
                .name("allydb-close".into())
                .spawn(move || close_all(&rx));
            started.ok().map(|_| tx)
        })
        .as_ref()
}

/// The closing thread: finishes each connection it is given and, once disconnects pause
/// (`BURST_OVER` without one) with at least `CLIENTS_GONE_BEFORE_TRIM` fewer clients than the
/// most it saw since its last trim, gives the allocator's free pages back to the OS. The
/// buffers were freed here, so only here is it known that they all are; sequential churn
/// (connect, command, close, over and over) reuses the same pages and never trims.
fn close_all(queue: &Receiver<Leftovers>) {
    const BURST_OVER: Duration = Duration::from_millis(100);
    let mut peak = 0usize;
    let mut last: Option<std::sync::Arc<super::Server>> = None;
    loop {
        // Blocks without a wake-up while nothing happens; polls only to see a burst end.
        let next = if last.is_some() {
            queue.recv_timeout(BURST_OVER)
        } else {
            queue.recv().map_err(|_| RecvTimeoutError::Disconnected)
        };
        match next {
            Ok(leftovers) => {
                // Counted before this one's slot is given back.
                peak = peak.max(leftovers.slot.0.clients.connected());
                last = Some(leftovers.slot.0.clone());
                finish(leftovers);
            }
            Err(RecvTimeoutError::Timeout) => {
                if let Some(server) = last.take() {
                    let connected = server.clients.connected();
                    if peak.saturating_sub(connected) >= limits::CLIENTS_GONE_BEFORE_TRIM {
                        crate::memory::release_free_memory();
                        peak = connected;
                    }
                }
            }
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustix::net::sockopt;

    fn connected_socket() -> (std::net::TcpStream, std::net::TcpListener) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let stream = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        (stream, listener)
    }

    #[test]
    fn keepalive_uses_redis_intervals() {
        let (stream, _listener) = connected_socket();
        set_keepalive(&stream, 300).unwrap();
        assert!(sockopt::socket_keepalive(&stream).unwrap());
        assert_eq!(sockopt::tcp_keepidle(&stream).unwrap(), Duration::from_secs(300));
        assert_eq!(sockopt::tcp_keepintvl(&stream).unwrap(), Duration::from_secs(100));
        assert_eq!(sockopt::tcp_keepcnt(&stream).unwrap(), 3);
        // A short idle time still probes at least once a second.
        set_keepalive(&stream, 2).unwrap();
        assert_eq!(sockopt::tcp_keepidle(&stream).unwrap(), Duration::from_secs(2));
        assert_eq!(sockopt::tcp_keepintvl(&stream).unwrap(), Duration::from_secs(1));
    }

    #[test]
    fn keepalive_zero_leaves_it_off() {
        let (stream, _listener) = connected_socket();
        set_keepalive(&stream, 0).unwrap();
        assert!(!sockopt::socket_keepalive(&stream).unwrap());
    }

    #[test]
    fn open_files_limit_covers_maxclients() {
        use rustix::process::{getrlimit, Resource};
        let before = getrlimit(Resource::Nofile);
        // A small maxclients is already covered: nothing to say, nothing changed.
        assert_eq!(raise_open_files_limit(10), None);
        assert_eq!(getrlimit(Resource::Nofile).current, before.current);
        let hard = before.maximum.unwrap_or(u64::MAX);
        let soft = before.current.unwrap_or(u64::MAX);
        // Asking for more than the hard limit allows is a warning, not a failure.
        if hard < u64::MAX - 100 {
            assert!(raise_open_files_limit(hard).is_some());
            assert!(getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX) >= soft);
        }
    }
}
