//! Connected clients: each connection's private state, and the shared handle that CLIENT LIST,
//! CLIENT KILL and INFO clients read.
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed, Ordering::Release};
use std::sync::Arc;
use std::time::Instant;

use parking_lot::Mutex;
use tokio::sync::Notify;

use super::pubsub::{Mailbox, Subscriptions};
use crate::commands::Action;
use crate::protocol::Protocol;

/// CLIENT REPLY mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyMode {
    On,
    Off,
    /// Skip the reply of the next command only.
    Skip,
    /// Set by CLIENT REPLY SKIP; becomes `Skip` after the CLIENT REPLY command itself.
    SkipNext,
}

/// Fields other connections may read (CLIENT LIST) or change (CLIENT KILL).
pub struct ClientHandle {
    pub id: u64,
    pub addr: SocketAddr,
    pub local_addr: SocketAddr,
    pub fd: i64,
    pub created: Instant,
    pub info: Mutex<ClientInfo>,
    pub killed: Arc<AtomicBool>,
    pub kill_notify: Notify,
    /// Pub/sub frames and MONITOR lines waiting to be written, and subscription counts.
    pub mailbox: Mailbox,
    /// Set by a change to a key this client watches (CLIENT LIST flag `d`); the connection's
    /// transaction state holds the same flag.
    pub watch_dirty: Arc<AtomicBool>,
    /// CLIENT TRACKING flags and redirect, read by CLIENT LIST and invalidation senders.
    pub tracking: super::tracking::ClientTracking,
}

impl ClientHandle {
    /// A new client's handle: no name, database 0, RESP2, user `default`. `fd` is the
    /// socket's descriptor as CLIENT LIST shows it (-1 for a client without one).
    pub fn new(id: u64, addr: SocketAddr, local_addr: SocketAddr, fd: i64) -> Self {
        Self {
            id,
            addr,
            local_addr,
            fd,
            created: Instant::now(),
            info: Mutex::new(ClientInfo {
                name: Vec::new(),
                lib_name: Vec::new(),
                lib_ver: Vec::new(),
                db: 0,
                protocol: Protocol::Resp2,
                last_command: "",
                last_interaction: Instant::now(),
                query_buffer_bytes: 0,
                query_buffer_free_bytes: 0,
                output_bytes: 0,
                no_evict: false,
                no_touch: false,
                user: "default",
                blocked: false,
                multi: -1,
                monitor: false,
                replica: false,
            }),
            killed: Arc::new(AtomicBool::new(false)),
            kill_notify: Notify::new(),
            mailbox: Mailbox::default(),
            watch_dirty: Arc::default(),
            tracking: super::tracking::ClientTracking::default(),
        }
    }
}

/// The CLIENT LIST fields a connection publishes after each batch.
#[derive(Debug, Clone)]
pub struct ClientInfo {
    pub name: Vec<u8>,
    pub lib_name: Vec<u8>,
    pub lib_ver: Vec<u8>,
    pub db: usize,
    pub protocol: Protocol,
    pub last_command: &'static str,
    pub last_interaction: Instant,
    pub query_buffer_bytes: usize,
    pub query_buffer_free_bytes: usize,
    pub output_bytes: usize,
    pub no_evict: bool,
    pub no_touch: bool,
    pub user: &'static str,
    /// Blocked by a blocking command (flag `b`).
    pub blocked: bool,
    /// Commands queued since MULTI, -1 outside MULTI (`multi=`, flag `x`).
    pub multi: i64,
    /// In MONITOR mode (flag `O`).
    /// A replica's feed (PSYNC): CLIENT LIST flag `S`, TYPE replica.
    pub replica: bool,
    pub monitor: bool,
}

impl ClientInfo {
    /// CLIENT LIST's `tot-mem`: the query buffer (used and free), the replies, and
    /// `queued_bytes` of pub/sub messages.
    fn total_bytes(&self, queued_bytes: usize) -> usize {
        self.query_buffer_bytes + self.query_buffer_free_bytes + self.output_bytes + queued_bytes
    }
}

impl ClientHandle {
    /// Tells the connection to close; false if it was killed already.
    pub fn kill(&self) -> bool {
        let first = self.mark_killed();
        self.kill_notify.notify_one();
        first
    }

    /// Marks the client killed without waking its connection: for one killing itself, which
    /// closes after its reply (`Action::Close`); a wake-up would stop the write of a reply
    /// sent in several turns. False if it was killed already.
    pub fn mark_killed(&self) -> bool {
        // A pusher reads the flag under the blocked clients' lock (`Blocking::take_first`),
        // and passes over this client from then on.
        !self.killed.swap(true, Release)
    }

    pub fn is_killed(&self) -> bool {
        self.killed.load(Relaxed)
    }

    /// Bytes of the client's buffers, as CLIENT LIST's `tot-mem` counts them (the query
    /// buffer, used and free, the replies and the pub/sub queue), and whether it is a
    /// replica's feed: INFO's `mem_clients_normal` / `mem_clients_slaves`.
    pub fn memory_bytes(&self) -> (usize, bool) {
        let info = self.info.lock();
        (info.total_bytes(self.mailbox.pending_bytes()), info.replica)
    }

    /// One CLIENT LIST line (without the trailing newline).
    pub fn list_line(&self) -> String {
        let mailbox = &self.mailbox;
        self.list_line_with_output(mailbox.pending_bytes(), mailbox.pending_frames())
    }

    /// One CLIENT LIST line, with `omem` and `oll` as given (the pub/sub queue's bytes and
    /// frames; a client closed for its output buffer is logged with what it had).
    pub fn list_line_with_output(&self, output_bytes: usize, output_frames: usize) -> String {
        let info = self.info.lock();
        let mailbox = &self.mailbox;
        let (channels, patterns, shard_channels) = (
            mailbox.channels.load(Relaxed),
            mailbox.patterns.load(Relaxed),
            mailbox.shard_channels.load(Relaxed),
        );
        let now = Instant::now();
        let age = now.duration_since(self.created).as_secs();
        let idle = now.duration_since(info.last_interaction).as_secs();
        let mut flags = String::new();
        if info.monitor {
            flags.push('O');
        } else if info.replica {
            flags.push('S');
        }
        if channels + patterns + shard_channels > 0 {
            flags.push('P');
        }
        if info.multi >= 0 {
            flags.push('x');
        }
        if info.blocked {
            flags.push('b');
        }
        let tracking = self.tracking.bits();
        for (bit, letter) in [
            (super::tracking::bits::ON, 't'),
            (super::tracking::bits::BROKEN_REDIRECT, 'R'),
            (super::tracking::bits::BCAST, 'B'),
        ] {
            if tracking & bit != 0 {
                flags.push(letter);
            }
        }
        if self.watch_dirty.load(Relaxed) {
            flags.push('d');
        }
        if info.no_evict {
            flags.push('e');
        }
        if info.no_touch {
            flags.push('T');
        }
        if flags.is_empty() {
            flags.push('N');
        }
        // Redis shows the redirect (0 for none) while tracking, -1 otherwise.
        let redirect = if tracking & super::tracking::bits::ON != 0 {
            i128::from(self.tracking.redirect())
        } else {
            -1
        };
        let cmd = if info.last_command.is_empty() { "NULL" } else { info.last_command };
        format!(
            "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} \
             ssub={} multi={} qbuf={} qbuf-free={} argv-mem=0 multi-mem=0 rbs={} rbp={} obl=0 \
             oll={} omem={} tot-mem={} events=r cmd={} user={} redir={} resp={} lib-name={} \
             lib-ver={}",
            self.id,
            format_addr(&self.addr),
            format_addr(&self.local_addr),
            self.fd,
            String::from_utf8_lossy(&info.name),
            age,
            idle,
            flags,
            info.db,
            channels,
            patterns,
            shard_channels,
            info.multi,
            info.query_buffer_bytes,
            info.query_buffer_free_bytes,
            info.query_buffer_bytes + info.query_buffer_free_bytes,
            info.query_buffer_bytes,
            output_frames,
            output_bytes,
            info.total_bytes(output_bytes),
            cmd,
            info.user,
            redirect,
            info.protocol.number(),
            String::from_utf8_lossy(&info.lib_name),
            String::from_utf8_lossy(&info.lib_ver),
        )
    }
}

/// `ip:port`, with IPv6 in brackets, as Redis prints addresses.
pub fn format_addr(addr: &SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => format!("{}:{}", a.ip(), a.port()),
        SocketAddr::V6(a) => match a.ip().to_ipv4_mapped() {
            Some(v4) => format!("{}:{}", v4, a.port()),
            None => format!("[{}]:{}", a.ip(), a.port()),
        },
    }
}

/// Whether a peer counts as local for protected mode and `enable-protected-configs local`:
/// Redis 7.2's `connIsLocal`, any `127.*` address or `::1`. An IPv4 client of a dual-stack
/// `::` listener arrives as `::ffff:127.x.y.z`, which is the same loopback client.
pub fn is_loopback_peer(addr: &SocketAddr) -> bool {
    addr.ip().to_canonical().is_loopback()
}

/// The state only the connection's own task touches.
pub struct ClientState {
    pub id: u64,
    pub db: usize,
    pub authenticated: bool,
    pub protocol: Protocol,
    pub reply_mode: ReplyMode,
    /// Pub/sub confirmations written while muted, which CLIENT REPLY OFF or SKIP does not
    /// silence (Redis's CLIENT_PUSHING): set aside so that only they survive the muted
    /// command's output (EXEC's included), and sent after it.
    pub pushed: Vec<u8>,
    pub action: Option<Action>,
    pub last_command: &'static str,
    pub commands_processed: u64,
    /// This client's latest journal record: its replies wait until the journal has made
    /// that record as durable as the mode promises.
    pub journal_mark: crate::journal::Mark,
    /// MULTI's queue, EXEC's buffers and WATCH's dirty mark.
    pub transaction: crate::commands::transactions::TransactionState,
    /// When the current command started being timed (batch start, or the previous command's
    /// end), for commandstats.
    pub clock: crate::clock::Tick,
    /// Pub/sub channels, patterns and shard channels this client listens to.
    pub subscriptions: Subscriptions,
    /// In MONITOR mode: every other command's line arrives through the mailbox.
    pub monitor: bool,
    /// Set once a command postponed by CLIENT PAUSE may run: held until it ran, so the next
    /// waiting client goes after it.
    pub pause_ticket: Option<super::pause::Ticket>,
    /// CLIENT TRACKING flags (`server::tracking::bits`), a copy of the handle's that every
    /// command reads without an atomic.
    pub tracking: u32,
    /// CLIENT CACHING YES (OPTIN) or NO (OPTOUT) was given for the next command or transaction.
    pub tracking_caching: bool,
    /// CLIENT NO-TOUCH ON, a copy of the handle's that every command reads without a lock.
    pub no_touch: bool,
    /// The batch modified keys under BCAST prefixes: broadcast when it ends (or waits).
    pub tracking_broadcast: bool,
    /// What REPLCONF told before PSYNC.
    pub replconf: super::replication::Handshake,
    pub handle: Arc<ClientHandle>,
}

impl ClientState {
    pub fn new(handle: Arc<ClientHandle>, authenticated: bool) -> Self {
        Self {
            id: handle.id,
            db: 0,
            authenticated,
            protocol: Protocol::Resp2,
            reply_mode: ReplyMode::On,
            pushed: Vec::new(),
            action: None,
            last_command: "",
            commands_processed: 0,
            journal_mark: crate::journal::Mark::default(),
            transaction: crate::commands::transactions::TransactionState {
                watch_dirty: handle.watch_dirty.clone(),
                ..Default::default()
            },
            clock: crate::clock::Tick::now(),
            subscriptions: Subscriptions::default(),
            monitor: false,
            pause_ticket: None,
            tracking: 0,
            tracking_caching: false,
            no_touch: false,
            tracking_broadcast: false,
            replconf: Default::default(),
            handle,
        }
    }

    /// Advances CLIENT REPLY SKIP after each command.
    pub fn after_command(&mut self) {
        self.reply_mode = match self.reply_mode {
            ReplyMode::SkipNext => ReplyMode::Skip,
            ReplyMode::Skip => ReplyMode::On,
            other => other,
        };
    }

    /// Whether the client is in subscribed mode (RESP2 then only allows the pub/sub commands).
    pub fn is_subscribed(&self) -> bool {
        self.subscriptions.is_active()
    }

    /// Whether the next command's reply is discarded.
    pub fn is_muted(&self) -> bool {
        matches!(self.reply_mode, ReplyMode::Off | ReplyMode::Skip)
    }
}

/// Every connected client, by ID.
#[derive(Default)]
pub struct ClientRegistry {
    clients: Mutex<BTreeMap<u64, Arc<ClientHandle>>>,
    next_id: AtomicU64,
    connected: AtomicUsize,
}

impl ClientRegistry {
    pub fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Relaxed) + 1
    }

    pub fn connected(&self) -> usize {
        self.connected.load(Relaxed)
    }

    /// Reserves a slot if fewer than `max` clients are connected.
    pub fn try_reserve(&self, max: usize) -> bool {
        self.connected.fetch_update(Relaxed, Relaxed, |n| (n < max).then_some(n + 1)).is_ok()
    }

    pub fn release(&self) {
        self.connected.fetch_sub(1, Relaxed);
    }

    pub fn register(&self, handle: Arc<ClientHandle>) {
        self.clients.lock().insert(handle.id, handle);
    }

    pub fn unregister(&self, id: u64) {
        self.clients.lock().remove(&id);
    }

    pub fn get(&self, id: u64) -> Option<Arc<ClientHandle>> {
        self.clients.lock().get(&id).cloned()
    }

    /// A snapshot of all handles, by ascending ID.
    pub fn all(&self) -> Vec<Arc<ClientHandle>> {
        self.clients.lock().values().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::is_loopback_peer;

    #[test]
    fn loopback_is_127_star_and_ipv6_one() {
        for local in ["127.0.0.1:1", "127.3.2.1:1", "[::1]:1", "[::ffff:127.0.0.1]:1"] {
            assert!(is_loopback_peer(&local.parse().unwrap()), "{local}");
        }
        for remote in ["192.0.2.2:1", "0.0.0.0:1", "[fd00::2]:1", "[::ffff:192.0.2.2]:1", "[::]:1"]
        {
            assert!(!is_loopback_peer(&remote.parse().unwrap()), "{remote}");
        }
    }
}
