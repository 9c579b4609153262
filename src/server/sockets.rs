//! Operating-system side of client connections: TCP keepalive on accepted sockets
//! (`tcp-keepalive`), the open-files limit `maxclients` needs, raised at start, and closing
//! finished connections off the serving thread.
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
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

/// Raises the soft RLIMIT_NOFILE to `maxclients + RESERVED_FDS + OUTBOX_FDS` when it is
/// lower, within the hard limit, like Redis's adjustOpenFilesLimit (which asks for the first
/// two). Returns a warning to log when the limit stays below `maxclients + RESERVED_FDS`:
/// the server still runs, and a connection past the limit is refused by the accept loop's
/// error path rather than by `maxclients`.
pub fn raise_open_files_limit(maxclients: u64) -> Option<String> {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let needed = maxclients.saturating_add(limits::RESERVED_FDS);
    let wanted = needed.saturating_add(limits::OUTBOX_FDS);
    let current = getrlimit(Resource::Nofile);
    let soft = current.current.unwrap_or(u64::MAX);
    let hard = current.maximum.unwrap_or(u64::MAX);
    let target = wanted.min(hard);
    let failed = target > soft
        && setrlimit(Resource::Nofile, Rlimit { current: Some(target), ..current }).is_err();
    let now = getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX);
    OPEN_FILES_LIMIT.store(now, Ordering::Relaxed);
    if now >= needed {
        return None;
    }
    if failed {
        return Some(format!(
            "cannot raise the open files limit from {soft} to {target}: maxclients {maxclients} \
             needs {needed} file descriptors"
        ));
    }
    Some(format!(
        "the open files limit is {now} (hard limit {hard}): maxclients {maxclients} needs \
         {needed}; raise it (ulimit -n) or connections past {} may be refused",
        now.saturating_sub(limits::RESERVED_FDS)
    ))
}

/// The soft open-files limit as `raise_open_files_limit` left it (0 before it ran).
static OPEN_FILES_LIMIT: AtomicU64 = AtomicU64::new(0);

/// Socket duplicates the journal's outbox may hold at once (`Journal::hand_over`): what the
/// open-files limit leaves beyond `maxclients` and `RESERVED_FDS`, so that they never take a
/// descriptor a client, a segment or a snapshot needs.
pub fn outbox_descriptors_max(maxclients: u64) -> u64 {
    let limit = OPEN_FILES_LIMIT.load(Ordering::Relaxed);
    limit.saturating_sub(maxclients.saturating_add(limits::RESERVED_FDS))
}

/// What a finished connection leaves behind: its socket and its place under `maxclients`,
/// given back as the socket closes. (Its buffers are freed by the serving thread, where
/// the next connections reuse them at once: freed here, later, they left the heap larger.)
pub struct Leftovers {
    pub stream: tokio::net::TcpStream,
    pub slot: super::ClientSlot,
}

/// Connections waiting for the closing thread at most. Past it the serving thread closes
/// them itself: descriptors waiting to be closed stay bounded when disconnects come faster
/// than the closing thread gets CPU.
const CLOSE_QUEUE_MAX: usize = 128;

/// Ends a finished connection on the `allydb-close` thread: the socket's removal from the
/// reactor and its shutdown and close (the kernel's whole TCP teardown, 14-20 us a
/// connection over loopback with the frees) were most of the serving thread's work when
/// thousands of clients go at once, and every other client's reply waited behind them.
/// Without that thread (it could not start), this is done here.
pub fn close_elsewhere(leftovers: Leftovers) {
    let leftovers = match closer() {
        Some(closer) => match closer.try_send(leftovers) {
            Ok(()) => return,
            Err(TrySendError::Full(leftovers) | TrySendError::Disconnected(leftovers)) => leftovers,
        },
        None => leftovers,
    };
    finish(leftovers);
}

/// Gives the place under `maxclients` back, then sends the FIN (as the tokio stream's
/// shutdown did) and drops the stream: it leaves the reactor and its descriptor closes. The
/// place goes first, as Redis unlinks a client before it closes its socket: a client that
/// sees its connection closed and connects again is never refused for the old one. The
/// descriptor outlives its place only within this call (one per closing thread, inside the
/// 32 descriptors the open-files limit keeps beyond `maxclients`).
fn finish(leftovers: Leftovers) {
    let Leftovers { stream, slot } = leftovers;
    drop(slot);
    let _ = rustix::net::shutdown(&stream, rustix::net::Shutdown::Write);
    drop(stream);
}

/// The closing thread's queue, started on first use.
fn closer() -> Option<&'static SyncSender<Leftovers>> {
    static CLOSER: OnceLock<Option<SyncSender<Leftovers>>> = OnceLock::new();
    CLOSER
        .get_or_init(|| {
            let (tx, rx) = mpsc::sync_channel::<Leftovers>(CLOSE_QUEUE_MAX);
            let started = std::thread::Builder::new()
                .name("allydb-close".into())
                .spawn(move || rx.into_iter().for_each(finish));
            started.ok().map(|_| tx)
        })
        .as_ref()
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
