//! Replication by journal shipping (docs/REPLICATION.md): a replica receives its primary's
//! snapshot, then the primary's journal records, applies them and journals them under the
//! same sequence numbers, so the replication offset is the sequence number on both sides.
//!
//! * Primary side (`serve_replica`): a connection that sent `PSYNC` becomes a feeder. It
//!   sends the snapshot in force and the records after it (full resync), or the records
//!   after the replica's sequence number (continue), read from the journal's files
//!   (`journal::feed`), then follows the journal as it is written. The connection's input
//!   carries the replica's `REPLCONF ACK <seq> FACK <synced seq>`.
//! * Replica side (`run_link`): a task connects, sends `REPLCONF` and `PSYNC <replid> <seq>`,
//!   installs a snapshot when told to resync fully, then applies every record with the
//!   keyspace gate held shared, as a command would, and journals it with its own number.
//! * The replication ID names a history of the journal. It is kept in the journal directory
//!   (`REPLICATION`); a primary takes a new one at every start and promotion, and keeps the
//!   previous one (`replid2`) up to the sequence number where the histories part, as Redis's
//!   PSYNC2 does.
use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

use bytes::{Buf, BytesMut};
use parking_lot::Mutex;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Notify;

use super::Server;
use crate::clock::unix_ms_now;
use crate::config::PrimaryAddress;
use crate::journal::feed::{self, Tail};
use crate::journal::record::{decode_record_ref, RecordHeader};
use crate::journal::resync::ResyncError;
use crate::journal::snapshot::received_snapshot_file_name;
use crate::journal::Journal;
use crate::protocol::parser::Parsed;

/// The capability an AllyDB replica announces (`REPLCONF capa`): PSYNC from a client without
/// it (a redis-server replica, which expects RDB) is refused.
pub const CAPABILITY: &str = "allydb-journal-1";

/// How often a primary sends a heartbeat to an idle replica, and a replica its ACK.
const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(1);
/// A replica waits this long before connecting again after a failed attempt.
const RETRY_INTERVAL: Duration = Duration::from_secs(1);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Bytes a feeder sends per socket write.
const SEND_CHUNK_BYTES: usize = 256 * 1024;
/// Unparsed bytes a primary keeps from a replica (which sends only short REPLCONF ACKs).
const ACK_INPUT_BYTES_MAX: usize = 64 * 1024;
/// The file in the journal directory that holds the replication ID.
const STATE_FILE: &str = "REPLICATION";
const STATE_MAGIC: &str = "allydb-replication 1";

/// A replica's link with its primary (Redis's `master_link_status`, ROLE's state).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    Connect,
    Connecting,
    Sync,
    Connected,
}

impl LinkState {
    /// ROLE's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Connect => "connect",
            Self::Connecting => "connecting",
            Self::Sync => "sync",
            Self::Connected => "connected",
        }
    }
}

/// What a client told with REPLCONF before PSYNC.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Handshake {
    pub listening_port: u16,
    pub ip_address: Option<String>,
    pub journal_capable: bool,
}

/// A replica connected to this server, as INFO, ROLE and WAIT see it.
pub struct Replica {
    pub client_id: u64,
    pub ip: String,
    pub port: u16,
    /// Last sequence number the replica applied (`REPLCONF ACK`).
    pub acked_seq: AtomicU64,
    /// Last sequence number on the replica's disk (`FACK`).
    pub synced_seq: AtomicU64,
    pub last_ack_ms: AtomicU64,
    /// Past the snapshot: streaming records.
    pub online: AtomicBool,
}

struct State {
    primary: Option<PrimaryAddress>,
    replid: String,
    replid2: String,
    /// Last sequence number shared with `replid2`'s history; -1 when there is none.
    second_offset: i64,
    link: LinkState,
    /// Bumped whenever the primary changes: a link task of an older generation stops.
    generation: u64,
    last_io: Option<Instant>,
    down_since: Option<Instant>,
    /// The primary's last sequence number, from its heartbeats.
    primary_seq: u64,
    /// Full resync in progress: (started, bytes expected, bytes received).
    transfer: Option<(Instant, u64, u64)>,
}

/// The replication role and links of one server.
pub struct Replication {
    state: Mutex<State>,
    replicas: Mutex<Vec<Arc<Replica>>>,
    /// Woken when a replica acknowledges (WAIT, WAITAOF).
    pub acked: Notify,
    /// Whether this server replicates a primary: read by every write command.
    is_replica: AtomicBool,
    /// Woken when the primary changes or the server stops, for the link task.
    link_changed: Notify,
    server: OnceLock<Weak<Server>>,
    pub sync_full: AtomicU64,
    pub sync_partial_ok: AtomicU64,
    pub sync_partial_err: AtomicU64,
}

fn random_id() -> String {
    (0..40).map(|_| fastrand::choice(b"0123456789abcdef").map_or('0', |&b| char::from(b))).collect()
}

const NO_ID: &str = "0000000000000000000000000000000000000000";

impl Replication {
    pub fn new(primary: Option<PrimaryAddress>) -> Self {
        let is_replica = primary.is_some();
        Self {
            state: Mutex::new(State {
                primary,
                replid: random_id(),
                replid2: NO_ID.to_string(),
                second_offset: -1,
                link: LinkState::Connect,
                generation: 0,
                last_io: None,
                down_since: None,
                primary_seq: 0,
                transfer: None,
            }),
            replicas: Mutex::new(Vec::new()),
            acked: Notify::new(),
            is_replica: AtomicBool::new(is_replica),
            link_changed: Notify::new(),
            server: OnceLock::new(),
            sync_full: AtomicU64::new(0),
            sync_partial_ok: AtomicU64::new(0),
            sync_partial_err: AtomicU64::new(0),
        }
    }

    /// The primary this server replicates (REPLICAOF, `--replicaof`), None for a primary.
    pub fn primary(&self) -> Option<PrimaryAddress> {
        self.state.lock().primary.clone()
    }

    pub fn is_replica(&self) -> bool {
        self.is_replica.load(Ordering::Relaxed)
    }

    /// Called once the journal is loaded: reads the replication ID the directory holds,
    /// takes a new one as a primary (keeping the old as `replid2` up to `last_seq`), and
    /// starts the link of a replica.
    pub fn start(server: &Arc<Server>) {
        let this = &server.replication;
        let _ = this.server.set(Arc::downgrade(server));
        let Some(journal) = server.journal() else {
            if this.is_replica() {
                tracing::warn!(
                    "replicaof ignored: replication needs the journal (--appendonly yes)"
                );
                this.set_primary_state(None);
            }
            return;
        };
        let stored = read_state(&journal.directory);
        let mut state = this.state.lock();
        match (&state.primary, stored) {
            (Some(_), Some(replid)) => state.replid = replid,
            (Some(_), None) => state.replid = NO_ID.to_string(),
            (None, stored) => {
                if let Some(replid) = stored {
                    state.replid2 = replid;
                    state.second_offset = i64::try_from(journal.last_seq()).unwrap_or(i64::MAX);
                }
                write_state_logged(&journal.directory, &state.replid);
            }
        }
        let replica = state.primary.is_some();
        drop(state);
        crate::store::keyspace::set_expiry_held(replica);
        if replica {
            this.spawn_link();
        }
    }

    /// Stops the link (server shutdown).
    pub fn stop(&self) {
        self.state.lock().generation += 1;
        self.link_changed.notify_waiters();
    }

    fn set_primary_state(&self, primary: Option<PrimaryAddress>) {
        let mut state = self.state.lock();
        state.generation += 1;
        state.link = LinkState::Connect;
        state.transfer = None;
        // Redis's master_link_down_since_seconds is -1 until a link that was up goes down.
        state.down_since = None;
        self.is_replica.store(primary.is_some(), Ordering::Release);
        crate::store::keyspace::set_expiry_held(primary.is_some());
        state.primary = primary;
        drop(state);
        self.link_changed.notify_waiters();
    }

    /// REPLICAOF host port: follow `primary`. Returns false when it already does. This
    /// server's own replicas stay connected, as in Redis 7: they follow it down the chain, and
    /// are disconnected only when it resyncs fully (its history is then replaced).
    pub fn replicate(&self, primary: PrimaryAddress) -> bool {
        if self.primary().as_ref() == Some(&primary) {
            return false;
        }
        tracing::info!("REPLICAOF {primary}: connecting to the new primary");
        self.set_primary_state(Some(primary));
        self.spawn_link();
        true
    }

    /// REPLICAOF NO ONE: become a primary, with a new history that shares the current one
    /// up to the last sequence number.
    pub fn promote(&self, journal: Option<&Arc<Journal>>) {
        if self.primary().is_none() {
            return;
        }
        tracing::info!("REPLICAOF NO ONE: this server is a primary now");
        self.set_primary_state(None);
        // Replicas chained behind this one follow the old ID: they reconnect and learn the new
        // one (Redis's replicationUnsetMaster does the same).
        self.disconnect_replicas();
        let mut state = self.state.lock();
        let last = journal.map_or(0, |j| j.last_seq());
        state.replid2 = std::mem::replace(&mut state.replid, random_id());
        state.second_offset = i64::try_from(last).unwrap_or(i64::MAX);
        if let Some(journal) = journal {
            write_state_logged(&journal.directory, &state.replid);
        }
    }

    fn spawn_link(&self) {
        let Some(server) = self.server.get().and_then(Weak::upgrade) else { return };
        let generation = self.state.lock().generation;
        tokio::spawn(async move { run_link(server, generation).await });
    }

    fn disconnect_replicas(&self) {
        let Some(server) = self.server.get().and_then(Weak::upgrade) else { return };
        // Not under the list's lock: a kill takes the replica out of the list.
        let feeds: Vec<u64> = self.replicas.lock().iter().map(|r| r.client_id).collect();
        for id in feeds {
            if let Some(client) = server.clients.get(id) {
                server.kill_client(&client);
            }
        }
    }

    /// The sequence number a replica reports (INFO `slave_repl_offset`, ROLE): 0 while its
    /// history is unknown (a full resync will replace it), so Sentinel never prefers a
    /// replica whose records may be another history's.
    pub fn reported_offset(&self, last_seq: u64) -> u64 {
        if self.state.lock().replid == NO_ID {
            0
        } else {
            last_seq
        }
    }

    /// Forgets the directory's history (a record did not fit): the next PSYNC asks for a full
    /// resync.
    fn forget_history(&self, directory: &Path) {
        self.state.lock().replid = NO_ID.to_string();
        write_state_logged(directory, NO_ID);
    }

    /// (replid, replid2, second_offset) for INFO.
    pub fn ids(&self) -> (String, String, i64) {
        let state = self.state.lock();
        (state.replid.clone(), state.replid2.clone(), state.second_offset)
    }

    /// The replicas connected now.
    pub fn replicas(&self) -> Vec<Arc<Replica>> {
        self.replicas.lock().clone()
    }

    /// Forgets the replica whose feed is client `client_id`, killed (`Server::kill_client`):
    /// WAIT, WAITAOF, INFO replication and ROLE stop counting it at once, as Redis frees a
    /// killed replica, while its feed finishes what it was sending.
    pub fn forget_replica(&self, client_id: u64) {
        self.replicas.lock().retain(|r| r.client_id != client_id);
    }

    /// Replicas that applied (or, with `synced`, have on disk) every record up to `seq`.
    pub fn acknowledged(&self, seq: u64, synced: bool) -> i64 {
        let count = self
            .replicas
            .lock()
            .iter()
            .filter(|r| {
                let acked = if synced { &r.synced_seq } else { &r.acked_seq };
                r.online.load(Ordering::Acquire) && acked.load(Ordering::Acquire) >= seq
            })
            .count();
        i64::try_from(count).unwrap_or(i64::MAX)
    }

    /// What a replica shows in INFO and ROLE.
    pub fn link(&self) -> LinkView {
        let state = self.state.lock();
        LinkView {
            state: state.link,
            last_io_s: state.last_io.map(|t| t.elapsed().as_secs()),
            down_since_s: state.down_since.map(|t| t.elapsed().as_secs()),
            primary_seq: state.primary_seq,
            transfer: state
                .transfer
                .map(|(started, total, read)| (started.elapsed().as_secs(), total, read)),
        }
    }

    fn update(&self, generation: u64, change: impl FnOnce(&mut State)) -> bool {
        let mut state = self.state.lock();
        if state.generation != generation {
            return false;
        }
        change(&mut state);
        true
    }

    fn is_current(&self, generation: u64) -> bool {
        self.state.lock().generation == generation
    }
}

/// A replica's link, for INFO and ROLE.
pub struct LinkView {
    pub state: LinkState,
    pub last_io_s: Option<u64>,
    pub down_since_s: Option<u64>,
    pub primary_seq: u64,
    /// Full resync: (seconds so far, bytes expected, bytes received).
    pub transfer: Option<(u64, u64, u64)>,
}

// ------------------------------------------------------------------------- the state file

/// The replication ID `directory` holds, if its file is there and well formed.
fn read_state(directory: &Path) -> Option<String> {
    let text = std::fs::read_to_string(directory.join(STATE_FILE)).ok()?;
    let mut lines = text.lines();
    if lines.next()? != STATE_MAGIC {
        tracing::warn!("{STATE_FILE}: not a replication state file; ignored");
        return None;
    }
    let replid = lines.next()?.strip_prefix("replid ")?;
    let valid = replid.len() == 40 && replid.bytes().all(|b| b.is_ascii_hexdigit());
    (valid && replid != NO_ID).then(|| replid.to_string())
}

/// Writes the replication ID (or none) atomically: temporary file, sync, rename, directory
/// sync.
fn write_state(directory: &Path, replid: &str) -> std::io::Result<()> {
    let temp = directory.join(format!("{STATE_FILE}.tmp"));
    let mut file = crate::journal::files::create(&temp)?;
    std::io::Write::write_all(&mut file, format!("{STATE_MAGIC}\nreplid {replid}\n").as_bytes())?;
    file.sync_data()?;
    std::fs::rename(&temp, directory.join(STATE_FILE))?;
    std::fs::File::open(directory)?.sync_all()
}

fn write_state_logged(directory: &Path, replid: &str) {
    if let Err(error) = write_state(directory, replid) {
        tracing::warn!("cannot write {STATE_FILE} in {}: {error}", directory.display());
    }
}

// ---------------------------------------------------------------------- the primary side

/// What PSYNC asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PsyncRequest {
    pub replid: String,
    /// The replica's last sequence number (-1: it has nothing, `PSYNC ? -1`).
    pub seq: i64,
    pub handshake: Handshake,
}

/// Serves a replica on a connection that sent PSYNC, until it closes or is killed.
pub async fn serve_replica(
    server: &Server,
    stream: &mut TcpStream,
    input: &mut BytesMut,
    handle: &Arc<super::clients::ClientHandle>,
    request: PsyncRequest,
) {
    let Some(journal) = server.journal() else { return };
    let this = &server.replication;
    let ip = request.handshake.ip_address.clone().unwrap_or_else(|| handle.addr.ip().to_string());
    let replica = Arc::new(Replica {
        client_id: handle.id,
        ip,
        port: request.handshake.listening_port,
        acked_seq: AtomicU64::new(0),
        synced_seq: AtomicU64::new(0),
        last_ack_ms: AtomicU64::new(unix_ms_now()),
        online: AtomicBool::new(false),
    });
    // A replica that reconnects replaces its old feed (one its primary did not see close
    // yet would otherwise count twice in WAIT). Killed once the list's lock is released: a
    // kill takes the replica out of the list.
    let stale: Vec<u64> = {
        let mut replicas = this.replicas.lock();
        let same = |r: &Arc<Replica>| r.ip == replica.ip && r.port == replica.port;
        let stale = replicas.iter().filter(|r| same(r)).map(|r| r.client_id).collect();
        replicas.retain(|r| !same(r));
        replicas.push(replica.clone());
        stale
    };
    for id in stale {
        if let Some(client) = server.clients.get(id) {
            server.kill_client(&client);
        }
    }
    // Killed between its PSYNC and the push above: that kill found nothing to forget, and
    // the removal below does it.
    if !handle.is_killed() {
        handle.info.lock().replica = true;
        let address = super::clients::format_addr(&handle.addr);
        let result = feed_replica(server, journal, stream, input, handle, &replica, &request).await;
        if let Err(error) = result {
            tracing::info!("replica {address} (client id={}): link closed: {error}", handle.id);
        }
    }
    this.replicas.lock().retain(|r| !Arc::ptr_eq(r, &replica));
    this.acked.notify_waiters();
}

/// Where a replica's stream starts.
enum Start {
    Continue(Tail),
    Full(feed::FullSync),
}

/// Whether the replica's history is this server's up to its sequence number.
fn shares_history(this: &Replication, journal: &Journal, request: &PsyncRequest) -> bool {
    let Ok(seq) = u64::try_from(request.seq) else { return false };
    let state = this.state.lock();
    let known = (request.replid == state.replid && seq <= journal.last_seq())
        || (request.replid == state.replid2
            && i64::try_from(seq).is_ok_and(|s| s <= state.second_offset));
    known && request.replid != NO_ID
}

async fn feed_replica(
    server: &Server,
    journal: &Journal,
    stream: &mut TcpStream,
    input: &mut BytesMut,
    handle: &Arc<super::clients::ClientHandle>,
    replica: &Replica,
    request: &PsyncRequest,
) -> std::io::Result<()> {
    let this = &server.replication;
    let directory = journal.directory.clone();
    let continued = if shares_history(this, journal, request) {
        let from = u64::try_from(request.seq).unwrap_or(0) + 1;
        let opening = directory.clone();
        // Finding the record may read most of a segment: not on a serving thread.
        tokio::task::spawn_blocking(move || Tail::open(&opening, from))
            .await
            .map_err(std::io::Error::other)??
    } else {
        None
    };
    let replid = this.state.lock().replid.clone();
    let start = match continued {
        Some(tail) => Start::Continue(tail),
        None => {
            if request.replid != "?" {
                this.sync_partial_err.fetch_add(1, Ordering::Relaxed);
            }
            let directory = directory.clone();
            let full = tokio::task::spawn_blocking(move || feed::open_full(&directory))
                .await
                .map_err(std::io::Error::other)??;
            Start::Full(full)
        }
    };
    let mut tail = match start {
        Start::Continue(tail) => {
            this.sync_partial_ok.fetch_add(1, Ordering::Relaxed);
            tracing::info!(
                "replica client id={}: continuing from sequence number {}",
                handle.id,
                tail.next_seq()
            );
            send(server, stream, format!("+CONTINUE {replid}\r\n").as_bytes()).await?;
            tail
        }
        Start::Full(full) => {
            this.sync_full.fetch_add(1, Ordering::Relaxed);
            let len = full.snapshot.as_ref().map_or(0, |(_, len)| *len);
            tracing::info!(
                "replica client id={}: full resync with the snapshot at sequence number {} \
                 ({len} bytes)",
                handle.id,
                full.seq
            );
            let line = format!("+FULLRESYNC {replid} {}\r\n${len}\r\n", full.seq);
            send(server, stream, line.as_bytes()).await?;
            if let Some((file, len)) = full.snapshot {
                send_file(server, stream, file, len).await?;
            }
            full.tail
        }
    };
    replica.online.store(true, Ordering::Release);
    let mut out = Vec::with_capacity(SEND_CHUNK_BYTES);
    let mut heartbeat = tokio::time::interval(HEARTBEAT_INTERVAL);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let written = journal.progress().written_seq.load(Ordering::Acquire);
        out.clear();
        while out.len() < SEND_CHUNK_BYTES {
            match tail.next_record(written)? {
                Some(record) => out.extend_from_slice(record),
                None => break,
            }
        }
        if !out.is_empty() {
            send(server, stream, &out).await?;
            count_output(server, out.len());
            take_acks(server, input, stream, replica)?;
            if handle.is_killed() {
                return Ok(());
            }
            continue;
        }
        let next = tail.next_seq();
        tokio::select! {
            () = journal.wait_written_past(next - 1) => {}
            _ = heartbeat.tick() => {
                let mut beat = Vec::with_capacity(RecordHeader::ENCODED_BYTES);
                beat.extend_from_slice(&[0u8; 8]);
                beat.extend_from_slice(&journal.last_seq().to_le_bytes());
                send(server, stream, &beat).await?;
            }
            readable = stream.readable() => {
                readable?;
                take_acks(server, input, stream, replica)?;
            }
            _ = handle.kill_notify.notified() => return Ok(()),
        }
        if handle.is_killed() {
            return Ok(());
        }
    }
}

/// `repl-timeout`: how long either side of a link waits for the other before giving up.
fn repl_timeout(server: &Server) -> Duration {
    let seconds = server.settings.get("repl-timeout").and_then(|v| v.parse().ok());
    Duration::from_secs(seconds.unwrap_or(60))
}

/// Writes `bytes` to a replica, giving up after `repl-timeout` (a replica that stopped
/// reading).
async fn send(server: &Server, stream: &mut TcpStream, bytes: &[u8]) -> std::io::Result<()> {
    let limit = repl_timeout(server);
    match tokio::time::timeout(limit, stream.write_all(bytes)).await {
        Ok(result) => result,
        Err(_) => Err(std::io::Error::other(format!(
            "the replica took nothing for {} s (repl-timeout)",
            limit.as_secs()
        ))),
    }
}

fn count_output(server: &Server, bytes: usize) {
    server.stats.add_traffic(super::stats::Traffic::NetReplOutputBytes, bytes as u64);
}

/// Sends `len` bytes of the snapshot `file`.
async fn send_file(
    server: &Server,
    stream: &mut TcpStream,
    file: std::fs::File,
    len: u64,
) -> std::io::Result<()> {
    let file = Arc::new(file);
    let mut offset = 0u64;
    while offset < len {
        let want = usize::try_from((len - offset).min(SEND_CHUNK_BYTES as u64)).unwrap_or(0);
        let reading = file.clone();
        let chunk = tokio::task::spawn_blocking(move || {
            let mut chunk = vec![0u8; want];
            std::os::unix::fs::FileExt::read_exact_at(&*reading, &mut chunk, offset).map(|()| chunk)
        })
        .await
        .map_err(std::io::Error::other)??;
        send(server, stream, &chunk).await?;
        count_output(server, chunk.len());
        offset += want as u64;
    }
    Ok(())
}

/// Takes every complete `REPLCONF ACK <seq> [FACK <seq>]` buffered in `input`, after reading
/// what the socket holds without waiting.
fn take_acks(
    server: &Server,
    input: &mut BytesMut,
    stream: &TcpStream,
    replica: &Replica,
) -> std::io::Result<()> {
    loop {
        match stream.try_read_buf(input) {
            Ok(0) => return Err(std::io::Error::other("the replica closed the connection")),
            Ok(_) if input.len() > ACK_INPUT_BYTES_MAX => {
                return Err(std::io::Error::other("the replica sent more than REPLCONF ACKs"))
            }
            Ok(_) => {}
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(error) => return Err(error),
        }
    }
    let mut parser = crate::protocol::Parser::new();
    let limits = crate::protocol::ParseLimits { bulk_bytes_max: 1 << 10, authenticated: true };
    let mut acked = false;
    loop {
        match parser.parse(input, limits) {
            Ok(Parsed::Command { consumed }) => {
                let args = parser.args(input);
                let words: Vec<&[u8]> = args.iter().collect();
                if let Some((seq, synced)) = parse_ack(&words) {
                    replica.acked_seq.store(seq, Ordering::Release);
                    if let Some(synced) = synced {
                        replica.synced_seq.store(synced, Ordering::Release);
                    }
                    replica.last_ack_ms.store(unix_ms_now(), Ordering::Relaxed);
                    acked = true;
                }
                input.advance(consumed);
            }
            Ok(Parsed::Nothing { consumed }) => input.advance(consumed),
            Ok(Parsed::Incomplete { .. }) => break,
            Err(error) => return Err(std::io::Error::other(error.to_string())),
        }
    }
    if acked {
        server.replication.acked.notify_waiters();
    }
    Ok(())
}

/// `REPLCONF ACK <seq> [FACK <seq>]` as (seq, synced seq).
fn parse_ack(words: &[&[u8]]) -> Option<(u64, Option<u64>)> {
    let number = |w: &[u8]| std::str::from_utf8(w).ok()?.parse::<u64>().ok();
    match words {
        [cmd, ack, seq, rest @ ..]
            if cmd.eq_ignore_ascii_case(b"replconf") && ack.eq_ignore_ascii_case(b"ack") =>
        {
            let synced = match rest {
                [fack, synced] if fack.eq_ignore_ascii_case(b"fack") => Some(number(synced)?),
                _ => None,
            };
            Some((number(seq)?, synced))
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------- the replica side

/// Follows the primary until the generation changes: connects, resyncs, applies records;
/// after a failure waits `RETRY_INTERVAL` and connects again.
async fn run_link(server: Arc<Server>, generation: u64) {
    let this = &server.replication;
    loop {
        let Some(primary) = this.primary() else { return };
        if !this.update(generation, |s| s.link = LinkState::Connecting) {
            return;
        }
        let changed = this.link_changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        let outcome = tokio::select! {
            outcome = follow(&server, &primary, generation) => outcome,
            () = &mut changed => Ok(()),
        };
        if let Err(error) = outcome {
            tracing::warn!("replication link with {primary}: {error}");
        }
        let down = this.update(generation, |s| {
            if s.link == LinkState::Connected {
                s.down_since = Some(Instant::now());
            }
            s.link = LinkState::Connect;
            s.transfer = None;
        });
        if !down {
            return;
        }
        let changed = this.link_changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        tokio::select! {
            () = tokio::time::sleep(RETRY_INTERVAL) => {}
            () = &mut changed => {}
        }
    }
}

/// Reads more from the primary into `buffer`, waiting at most `limit` (`repl-timeout`).
async fn read_some(
    stream: &mut TcpStream,
    buffer: &mut BytesMut,
    limit: Duration,
) -> Result<usize, String> {
    match tokio::time::timeout(limit, stream.read_buf(buffer)).await {
        Err(_) => Err(format!("nothing from the primary for {} s (repl-timeout)", limit.as_secs())),
        Ok(Ok(0)) => Err("the primary closed the connection".into()),
        Ok(Ok(read)) => Ok(read),
        Ok(Err(error)) => Err(format!("read: {error}")),
    }
}

/// Reads one `+...` or `-...` line.
async fn read_line(
    stream: &mut TcpStream,
    buffer: &mut BytesMut,
    limit: Duration,
) -> Result<String, String> {
    loop {
        if let Some(end) = buffer.windows(2).position(|w| w == b"\r\n") {
            let line = String::from_utf8_lossy(buffer.get(..end).unwrap_or(&[])).into_owned();
            buffer.advance(end + 2);
            return Ok(line);
        }
        if buffer.len() > 64 * 1024 {
            return Err("the primary sent a line over 64 KiB".into());
        }
        read_some(stream, buffer, limit).await?;
    }
}

fn command(words: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", words.len());
    for word in words {
        let _ = write!(out, "${}\r\n{word}\r\n", word.len());
    }
    out.into_bytes()
}

async fn ask(
    stream: &mut TcpStream,
    buffer: &mut BytesMut,
    words: &[&str],
    limit: Duration,
) -> Result<String, String> {
    stream.write_all(&command(words)).await.map_err(|e| format!("write: {e}"))?;
    read_line(stream, buffer, limit).await
}

/// One connection to the primary: handshake, resync, then records until an error.
async fn follow(server: &Server, primary: &PrimaryAddress, generation: u64) -> Result<(), String> {
    let this = &server.replication;
    let journal = server.journal().ok_or("no journal")?;
    let connect = TcpStream::connect((primary.host.as_str(), primary.port));
    let mut stream = tokio::time::timeout(CONNECT_TIMEOUT, connect)
        .await
        .map_err(|_| "connect: timed out".to_string())?
        .map_err(|e| format!("connect: {e}"))?;
    let _ = stream.set_nodelay(true);
    let limit = repl_timeout(server);
    let mut buffer = BytesMut::with_capacity(64 * 1024);
    // CONFIG SET masterauth / masteruser take effect at the next connection, as in Redis.
    let setting = |name: &str| server.settings.get(name).filter(|v| !v.is_empty());
    if let Some(password) = setting("masterauth") {
        let user = setting("masteruser");
        let mut words = vec!["AUTH"];
        if let Some(user) = &user {
            words.push(user);
        }
        words.push(&password);
        let reply = ask(&mut stream, &mut buffer, &words, limit).await?;
        if !reply.starts_with('+') {
            return Err(format!("AUTH: {reply}"));
        }
    }
    let port = server.local_addr.lock().map_or(0, |a| a.port()).to_string();
    for words in [["REPLCONF", "listening-port", &port], ["REPLCONF", "capa", CAPABILITY]] {
        let reply = ask(&mut stream, &mut buffer, &words, limit).await?;
        if !reply.starts_with('+') {
            return Err(format!("{}: {reply}", words.join(" ")));
        }
    }
    let (replid, seq) = {
        let state = this.state.lock();
        let last = journal.last_seq();
        // A promoted server that wrote nothing since still shares its former primary's
        // history up to where it parted.
        if i64::try_from(last).is_ok_and(|l| l == state.second_offset) && state.replid2 != NO_ID {
            (state.replid2.clone(), last.to_string())
        } else if state.replid == NO_ID {
            ("?".to_string(), "-1".to_string())
        } else {
            (state.replid.clone(), last.to_string())
        }
    };
    let reply = ask(&mut stream, &mut buffer, &["PSYNC", &replid, &seq], limit).await?;
    let mut words = reply.split(' ');
    match (words.next(), words.next(), words.next()) {
        (Some("+CONTINUE"), Some(replid), None) => {
            tracing::info!("replicating {primary}: continuing after sequence number {seq}");
            adopt_replid(server, journal, replid, generation);
        }
        (Some("+FULLRESYNC"), Some(replid), Some(seq)) => {
            let seq: u64 = seq.parse().map_err(|_| format!("bad FULLRESYNC line: {reply}"))?;
            // This server's replicas follow a history about to be replaced.
            this.disconnect_replicas();
            // Until the snapshot is installed, the directory's history is no known one.
            write_state(&journal.directory, NO_ID).map_err(|e| format!("{STATE_FILE}: {e}"))?;
            this.update(generation, |s| s.replid = NO_ID.to_string());
            receive_snapshot(server, journal, &mut stream, &mut buffer, seq, generation).await?;
            adopt_replid(server, journal, replid, generation);
        }
        _ => return Err(format!("PSYNC refused: {reply}")),
    }
    this.update(generation, |s| {
        s.link = LinkState::Connected;
        s.transfer = None;
        s.down_since = None;
        s.last_io = Some(Instant::now());
    });
    stream_records(server, journal, &mut stream, &mut buffer, generation).await
}

fn adopt_replid(server: &Server, journal: &Journal, replid: &str, generation: u64) {
    let mut changed = false;
    let adopted = server.replication.update(generation, |s| {
        changed = s.replid != replid;
        s.replid = replid.to_string();
        s.replid2 = NO_ID.to_string();
        s.second_offset = -1;
    });
    if adopted {
        write_state_logged(&journal.directory, replid);
        if changed {
            // Chained replicas hold the previous ID: they reconnect with the new one.
            server.replication.disconnect_replicas();
        }
    }
}

/// Receives snapshot `seq` (`$<len>` and the bytes) into the journal directory, then
/// installs it: memory and journal start over from it.
async fn receive_snapshot(
    server: &Server,
    journal: &Journal,
    stream: &mut TcpStream,
    buffer: &mut BytesMut,
    seq: u64,
    generation: u64,
) -> Result<(), String> {
    let limit = repl_timeout(server);
    let line = read_line(stream, buffer, limit).await?;
    let len: u64 = line
        .strip_prefix('$')
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("expected the snapshot's length, got {line:?}"))?;
    let this = &server.replication;
    this.update(generation, |s| {
        s.link = LinkState::Sync;
        s.transfer = Some((Instant::now(), len, 0));
    });
    tracing::info!("full resync: receiving the snapshot at sequence number {seq} ({len} bytes)");
    // Its own name, not the compactor's `snapshot-<seq>.snap.tmp`: a compaction of this
    // server ending meanwhile removes those, and one at the same `seq` writes that very file.
    // Numbered per receive: an earlier link's install may still be loading its own file
    // (through a memory map, which a truncation would turn into SIGBUS) after REPLICAOF
    // moved on, and the primary may send the same `seq` again.
    static RECEIVES: AtomicU64 = AtomicU64::new(0);
    let number = RECEIVES.fetch_add(1, Ordering::Relaxed);
    let temp = RemovedOnDrop(journal.directory.join(received_snapshot_file_name(seq, number)));
    receive_into(server, stream, buffer, &temp.0, len, generation).await?;
    let installing = this.server.get().and_then(Weak::upgrade).ok_or("the server is stopping")?;
    // The install owns the file from here: if this task is dropped meanwhile (REPLICAOF,
    // shutdown), the load still runs to its end, and the file goes only after it.
    tokio::task::spawn_blocking(move || {
        install_snapshot(&installing, &temp.0, seq, len, generation)
    })
    .await
    .map_err(|e| format!("installing the snapshot: {e}"))
    .and_then(|result| result)
}

/// A received snapshot's file, removed when its receive or install ends (after a successful
/// install it is renamed, and the removal finds nothing). Nothing names it; a start removes
/// one a crash left, a runtime cleanup never does.
struct RemovedOnDrop(std::path::PathBuf);

impl Drop for RemovedOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Receives the snapshot's `len` bytes into `temp`, and syncs it.
async fn receive_into(
    server: &Server,
    stream: &mut TcpStream,
    buffer: &mut BytesMut,
    temp: &Path,
    len: u64,
    generation: u64,
) -> Result<(), String> {
    let limit = repl_timeout(server);
    let mut file =
        crate::journal::files::create(temp).map_err(|e| format!("{}: {e}", temp.display()))?;
    let mut received = 0u64;
    while received < len {
        if buffer.is_empty() {
            read_some(stream, buffer, limit).await?;
        }
        let take = usize::try_from((len - received).min(buffer.len() as u64)).unwrap_or(0);
        let chunk = buffer.split_to(take);
        std::io::Write::write_all(&mut file, &chunk)
            .map_err(|e| format!("{}: {e}", temp.display()))?;
        received += take as u64;
        server.replication.update(generation, |s| {
            if let Some(transfer) = &mut s.transfer {
                transfer.2 = received;
            }
        });
    }
    let synced = tokio::task::spawn_blocking(move || file.sync_data()).await;
    synced.map_err(|e| e.to_string())?.map_err(|e| format!("{}: {e}", temp.display()))
}

/// Makes snapshot `seq` (received at `temp`, `len` bytes; none when `len` is 0) the state of
/// memory and of the journal directory (docs/REPLICATION.md, "Full resync").
fn install_snapshot(
    server: &Server,
    temp: &Path,
    seq: u64,
    len: u64,
    generation: u64,
) -> Result<(), String> {
    let journal = server.journal().ok_or("no journal")?;
    if len == 0 && seq != 0 {
        return Err(format!("the primary sent no snapshot for sequence number {seq}"));
    }
    let started = Instant::now();
    let fresh = crate::store::Keyspace::new(server.config.databases);
    if len > 0 {
        let threads = std::thread::available_parallelism().map_or(2, usize::from);
        let (loaded, _) = crate::journal::snapshot::load(temp, &fresh, threads)
            .map_err(|e| format!("the primary's snapshot: {e}"))?;
        if loaded != seq {
            return Err(format!("the snapshot holds sequence number {loaded}, not {seq}"));
        }
    }
    // One compaction at a time, and none while the directory starts over. The gate, held
    // exclusively from the check of the role to the swap, keeps REPLICAOF (EXCLUSIVE) and
    // every command out: nothing is journaled while the journal starts over, and memory and
    // the directory change together.
    let _compactions = server.compaction.exclusive.lock();
    let exclusive = server.keyspace.gate.write();
    // REPLICAOF changed while the snapshot came or loaded: it is not this server's to take.
    if !server.replication.is_current(generation) {
        return Err("the primary changed during the full resync".into());
    }
    // This server's own replicas follow files that are about to hold another history: they
    // reconnect and resynchronise, as Redis's sub-replicas do after their primary's full sync.
    server.replication.disconnect_replicas();
    // Memory changes only once the directory holds the new state. A failure before the
    // directory changes leaves the old state in both, with the history unknown, so the next
    // link resyncs fully; one after it exits (below). The order of the steps on disk, and
    // why a crash at each is safe: `resync::install_snapshot`.
    let received = (len > 0).then_some(temp);
    match crate::journal::resync::install_snapshot(journal, received, seq) {
        Ok(()) => {}
        Err(ResyncError::Untouched(error)) => return Err(error),
        Err(ResyncError::Changed(error)) => {
            // Memory holds the old keyspace and the directory something else: going on could
            // journal writes (after REPLICAOF NO ONE) onto the wrong base. Every step on disk
            // was crash-safe, so a restart loads a consistent state, as redis-server exits
            // when it cannot write its AOF with `appendfsync always`.
            tracing::error!(
                "full resync: the journal directory changed before an error ({error}); \
                 memory no longer matches it, so the server exits; a restart loads either \
                 this server's own state or its primary's"
            );
            std::process::exit(1);
        }
    }
    journal.set_closed_bytes(0);
    for (position, db) in server.keyspace.dbs().enumerate() {
        let index = u32::try_from(position).unwrap_or(u32::MAX);
        server.watches.touch_db(&server.keyspace, index, None);
        if let Some(other) = fresh.db(position) {
            db.swap_with(other);
        }
    }
    if server.tracking.is_active() {
        super::tracking::invalidate_all(server);
    }
    drop(exclusive);
    server.compaction.loaded(Some((seq, len)), journal.live_bytes());
    // The old keyspace is freed outside the gate.
    drop(fresh);
    tracing::info!(
        "full resync: snapshot at sequence number {seq} loaded in {:.3} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Applies the primary's records as they come, and acknowledges them.
async fn stream_records(
    server: &Server,
    journal: &Journal,
    stream: &mut TcpStream,
    buffer: &mut BytesMut,
    generation: u64,
) -> Result<(), String> {
    let this = &server.replication;
    let limit = repl_timeout(server);
    let mut ack_tick = tokio::time::interval(HEARTBEAT_INTERVAL);
    ack_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut acked = (u64::MAX, u64::MAX);
    let mut last_read = tokio::time::Instant::now();
    loop {
        let applied = apply_buffered(server, journal, buffer, generation)?;
        if applied {
            journal.write_now();
        }
        let synced = journal.progress().synced_seq.load(Ordering::Acquire);
        let now = (journal.last_seq(), synced.min(journal.last_seq()));
        if now != acked && (applied || buffer.is_empty()) {
            let ack = command(&["REPLCONF", "ACK", &now.0.to_string(), "FACK", &now.1.to_string()]);
            let sent = tokio::time::timeout(limit, stream.write_all(&ack)).await;
            sent.map_err(|_| "the primary took no ACK for repl-timeout".to_string())?
                .map_err(|e| format!("write: {e}"))?;
            acked = now;
        }
        tokio::select! {
            read = stream.read_buf(buffer) => {
                match read {
                    Ok(0) => return Err("the primary closed the connection".into()),
                    Ok(n) => {
                        server.stats.add_traffic(super::stats::Traffic::NetReplInputBytes, n as u64);
                        this.update(generation, |s| s.last_io = Some(Instant::now()));
                        last_read = tokio::time::Instant::now();
                    }
                    Err(error) => return Err(format!("read: {error}")),
                }
            }
            _ = ack_tick.tick() => acked = (u64::MAX, u64::MAX),
            () = tokio::time::sleep_until(last_read + limit) => {
                return Err(format!(
                    "nothing from the primary for {} s (repl-timeout)",
                    limit.as_secs()
                ));
            }
        }
        if !this.is_current(generation) {
            return Ok(());
        }
    }
}

/// Applies every whole record in `buffer`; returns whether it applied any.
fn apply_buffered(
    server: &Server,
    journal: &Journal,
    buffer: &mut BytesMut,
    generation: u64,
) -> Result<bool, String> {
    let this = &server.replication;
    let mut applied = false;
    while let Some(header) = buffer.get(..RecordHeader::ENCODED_BYTES) {
        let mut len_bytes = [0u8; 4];
        len_bytes.copy_from_slice(header.get(..4).unwrap_or(&[0; 4]));
        let payload = u32::from_le_bytes(len_bytes);
        if payload == 0 {
            // A heartbeat: the primary's last sequence number.
            let mut seq_bytes = [0u8; 8];
            seq_bytes.copy_from_slice(header.get(8..16).unwrap_or(&[0; 8]));
            let seq = u64::from_le_bytes(seq_bytes);
            this.update(generation, |s| s.primary_seq = seq);
            buffer.advance(RecordHeader::ENCODED_BYTES);
            continue;
        }
        let total = RecordHeader::ENCODED_BYTES + payload as usize;
        if buffer.len() < total {
            // Grows with what arrives, not with what a header claims.
            buffer.reserve((total - buffer.len()).min(1 << 20));
            break;
        }
        let bytes = buffer.get(..total).unwrap_or(&[]);
        let (record, used) = decode_record_ref(bytes).map_err(|e| format!("bad record: {e}"))?;
        {
            // REPLICAOF takes the gate exclusively: under it, the role cannot change between
            // this check and the record's journaling.
            let _shared = server.keyspace.gate.read();
            if !this.is_current(generation) {
                return Ok(applied);
            }
            let expected = journal.last_seq() + 1;
            let mut result = if record.seq == expected {
                Ok(())
            } else {
                Err(format!("record {} arrived where {expected} was expected", record.seq))
            };
            for effect in &record.effects {
                if result.is_ok() {
                    result = crate::journal::replay::apply(&server.keyspace, effect, 0)
                        .map_err(|e| format!("record {}: {e}", record.seq));
                }
            }
            if result.is_ok() {
                result = journal.append_encoded(record.seq, bytes.get(..used).unwrap_or(&[]));
            }
            if let Err(error) = result {
                // Memory or the journal may now differ from the primary's history: only a
                // full resync brings them back.
                this.forget_history(&journal.directory);
                return Err(format!("{error}; a full resync follows"));
            }
        }
        server.watches.touch_effects(&record.effects);
        if server.tracking.is_active() {
            invalidate_tracked(server, &record.effects);
        }
        this.update(generation, |s| s.primary_seq = s.primary_seq.max(record.seq));
        buffer.advance(used);
        applied = true;
    }
    Ok(applied)
}

/// CLIENT TRACKING on a replica: the keys a record changes are invalidated as a command's.
fn invalidate_tracked(server: &Server, effects: &[crate::journal::Effect<&[u8]>]) {
    use crate::journal::Effect;
    if effects.iter().any(|e| matches!(e, Effect::FlushDb { .. } | Effect::FlushAll)) {
        super::tracking::invalidate_all(server);
    }
    let keys = effects.iter().flat_map(|e| e.keys().into_iter().flatten().map(|(_, k)| *k));
    super::tracking::invalidate(server, keys, 0, 0);
}

/// INFO's `slave<n>:` value for a replica.
pub fn replica_line(replica: &Replica) -> String {
    let state = if replica.online.load(Ordering::Acquire) { "online" } else { "send_bulk" };
    let lag = unix_ms_now().saturating_sub(replica.last_ack_ms.load(Ordering::Relaxed)) / 1000;
    format!(
        "ip={},port={},state={state},offset={},lag={lag}",
        replica.ip,
        replica.port,
        replica.acked_seq.load(Ordering::Acquire)
    )
}
