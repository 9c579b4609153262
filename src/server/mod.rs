//! The server: shared state, the accept loop (maxclients), background tasks (active expiry)
//! and shutdown on SIGINT, SIGTERM or the SHUTDOWN command.
pub mod blocking;
pub mod clients;
pub mod compaction;
pub mod connection;
pub mod evict;
pub mod histogram;
pub mod idle;
pub mod local;
pub mod monitor;
pub mod notify;
pub mod pause;
pub mod pubsub;
pub mod replication;
pub mod settings;
pub mod slowlog;
pub mod sockets;
pub mod stats;
pub mod tracking;
pub mod warm;
pub mod watch;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

use crate::clock::unix_ms_now;
use crate::config::Config;
use crate::limits;
use crate::store::{Db, Keyspace};
use clients::{ClientHandle, ClientRegistry};
use settings::Settings;
use stats::Stats;

/// State shared by every connection.
pub struct Server {
    pub keyspace: Keyspace,
    pub settings: Settings,
    pub clients: ClientRegistry,
    /// Clients blocked on list keys (BLPOP and friends).
    pub blocking: blocking::Blocking,
    /// WATCHed keys and the clients watching them.
    pub watches: watch::Watches,
    /// CLIENT TRACKING: the keys tracking clients may cache, and BCAST prefixes.
    pub tracking: tracking::Tracking,
    /// Pub/sub subscribers by channel, pattern and shard channel.
    pub pubsub: pubsub::PubSub,
    /// Clients in MONITOR mode.
    pub monitors: monitor::Monitors,
    /// SLOWLOG's entries.
    pub slowlog: slowlog::SlowLog,
    /// CLIENT PAUSE in force, and the clients waiting for it to end.
    pub pause: Arc<pause::Pause>,
    pub stats: Stats,
    /// `maxmemory` eviction: the candidate pool and `evicted_keys`.
    pub evictor: evict::Evictor,
    pub config: Config,
    pub started: Instant,
    pub run_id: String,
    /// The address actually bound (port 0 resolved).
    pub local_addr: parking_lot::Mutex<Option<SocketAddr>>,
    /// Unix seconds of the last successful save (LASTSAVE); the start time until then.
    pub last_save_unix_s: AtomicU64,
    pub shutdown: Notify,
    /// Whether to compact on the way out (SHUTDOWN SAVE / NOSAVE).
    pub shutdown_save: parking_lot::Mutex<ShutdownSave>,
    /// The journal, set once replay finished; never set with `--appendonly no`.
    journal: std::sync::OnceLock<Arc<crate::journal::Journal>>,
    /// The runtime's park hook, given the journal when it starts (`run`).
    turn_end: crate::journal::TurnEnd,
    /// True while the journal is being replayed: commands without the `loading` flag get
    /// `-LOADING`, and active expiry waits.
    loading: std::sync::atomic::AtomicBool,
    /// The journal directory's lock, held until exit.
    pub journal_lock: parking_lot::Mutex<Option<std::fs::File>>,
    /// Snapshots and journal rewrites (BGREWRITEAOF, BGSAVE, SAVE, automatic).
    pub compaction: compaction::Compaction,
    /// REPLICAOF: the primary this server follows, or the replicas that follow it.
    pub replication: replication::Replication,
    /// The database every client starts in and that index checks fall back to.
    empty_db: Db,
}

impl Server {
    pub fn new(config: Config) -> Self {
        let run_id: String = (0..40)
            .map(|_| fastrand::choice(b"0123456789abcdef").map_or('0', |&b| char::from(b)))
            .collect();
        Self {
            keyspace: Keyspace::new(config.databases),
            settings: Settings::new(&config),
            clients: ClientRegistry::default(),
            blocking: blocking::Blocking::default(),
            watches: watch::Watches::default(),
            tracking: tracking::Tracking::default(),
            pubsub: pubsub::PubSub::default(),
            monitors: monitor::Monitors::default(),
            slowlog: slowlog::SlowLog::default(),
            pause: Arc::new(pause::Pause::default()),
            stats: Stats::default(),
            evictor: evict::Evictor::default(),
            started: Instant::now(),
            run_id,
            local_addr: parking_lot::Mutex::new(None),
            last_save_unix_s: AtomicU64::new(unix_ms_now() / 1000),
            shutdown: Notify::new(),
            shutdown_save: parking_lot::Mutex::new(ShutdownSave::IfWorthwhile),
            empty_db: Db::default(),
            journal: std::sync::OnceLock::new(),
            turn_end: crate::journal::TurnEnd::default(),
            loading: std::sync::atomic::AtomicBool::new(false),
            journal_lock: parking_lot::Mutex::new(None),
            compaction: compaction::Compaction::default(),
            replication: replication::Replication::new(config.replicaof.clone()),
            config,
        }
    }

    /// Database `index`. Client db indexes are validated on SELECT, so the fallback is never
    /// reached by a client; it keeps this infallible without a panic path.
    pub fn db(&self, index: usize) -> &Db {
        self.keyspace.db(index).unwrap_or(&self.empty_db)
    }

    /// The journal, once replay finished (None while loading or with `--appendonly no`).
    pub fn journal(&self) -> Option<&Arc<crate::journal::Journal>> {
        self.journal.get()
    }

    /// Whether the journal is still being replayed.
    pub fn is_loading(&self) -> bool {
        self.loading.load(Relaxed)
    }

    pub fn requires_auth(&self) -> bool {
        self.settings.hot.requirepass.read().is_some()
    }

    /// Kills another client as Redis frees one (CLIENT KILL, the idle `timeout`, a dropped
    /// replica feed): it leaves the registry at once, so CLIENT LIST and INFO's
    /// `connected_clients` stop counting it; its block ends at once, so a push from now on
    /// goes to the list and not to a connection that is closing; a replica's feed stops
    /// counting in WAIT, WAITAOF and INFO replication. Its connection runs no
    /// further command and closes when it notices; its `maxclients` place is given back when
    /// the socket is closed. False if it was killed already.
    pub fn kill_client(&self, client: &ClientHandle) -> bool {
        let first = client.kill();
        self.clients.unregister(client.id);
        self.blocking.unblock(client.id, blocking::Outcome::Killed);
        self.replication.forget_replica(client.id);
        first
    }
}

/// Error starting the server.
#[derive(Debug)]
pub struct StartError(pub String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

/// Binds, serves until shutdown, then returns.
/// `log_filter` lets CONFIG SET loglevel change the log filter of the binary's subscriber;
/// `turn_end` is what the runtime's `on_thread_park` hook runs (the journal's `always` mode
/// syncs there: `Journal::end_of_turn`).
pub async fn run(
    mut config: Config,
    log_filter: Option<settings::LogFilterHook>,
    turn_end: crate::journal::TurnEnd,
) -> Result<(), StartError> {
    if let Some(warning) = sockets::raise_open_files_limit(config.maxclients) {
        tracing::warn!("{warning}");
    }
    // The journal's directory is fixed now: CONFIG SET dir changes the working directory,
    // and must not move where later segments and snapshots go.
    if let Ok(absolute) = std::path::absolute(&config.persistence_location) {
        config.persistence_location = absolute;
    }
    let address = SocketAddr::new(config.bind, config.port);
    let listener = TcpListener::bind(address)
        .await
        .map_err(|e| StartError(format!("cannot listen on {address}: {e}")))?;
    let mut server = Server::new(config);
    server.turn_end = turn_end;
    let server = Arc::new(server);
    if let Some(hook) = log_filter {
        server.settings.set_log_filter_hook(hook);
    }
    let local = listener.local_addr().unwrap_or(address);
    *server.local_addr.lock() = Some(local);
    tracing::info!(
        "AllyDB {} (Redis {} compatible)",
        crate::ALLYDB_VERSION,
        crate::REDIS_COMPAT_VERSION
    );
    // Replay runs on a blocking thread while clients may already connect: they get -LOADING
    // until it is done, as in Redis. "Ready to accept connections" is logged after it.
    install_expiry_hook(&server);
    // Redis's used_memory_startup: before the data is loaded and the journal's buffers exist
    // (INFO and MEMORY STATS count those as the dataset and `aof.buffer`).
    crate::commands::server::note_startup_memory();
    let (loaded_tx, mut loaded) = tokio::sync::oneshot::channel::<Result<(), StartError>>();
    if server.config.appendonly {
        server.loading.store(true, Relaxed);
        let replaying = server.clone();
        tokio::task::spawn_blocking(move || {
            let result = open_journal(&replaying);
            replaying.loading.store(false, Relaxed);
            let _ = loaded_tx.send(result);
        });
    } else {
        tracing::info!("running without a journal (--appendonly no): data lives in memory only");
        let _ = loaded_tx.send(Ok(()));
    }
    let mut ready = false;

    ignore_file_size_signal();
    let expiry = tokio::spawn(active_expiry(server.clone()));
    let signals = shutdown_signal();
    tokio::pin!(signals);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => accept(&server, stream, peer),
                Err(error) => {
                    // EMFILE and friends: back off briefly instead of spinning.
                    tracing::warn!("accept failed: {error}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            signal = &mut signals => {
                tracing::info!("received {signal}, shutting down");
                break;
            }
            _ = server.shutdown.notified() => {
                tracing::info!("SHUTDOWN requested by a client, shutting down");
                break;
            }
            result = &mut loaded, if !ready => {
                match result {
                    Ok(Ok(())) => {
                        ready = true;
                        if server.journal().is_some() {
                            compaction::Compaction::start(&server).map_err(|e| {
                                StartError(format!("cannot start the compaction thread: {e}"))
                            })?;
                        }
                        replication::Replication::start(&server);
                        tracing::info!("Ready to accept connections tcp on {local}");
                    }
                    Ok(Err(error)) => return Err(error),
                    Err(_) => return Err(StartError("journal replay stopped unexpectedly".into())),
                }
            }
        }
    }
    expiry.abort();
    server.replication.stop();
    for client in server.clients.all() {
        client.kill();
    }
    // A running compaction stops at its next shard; the MANIFEST in force stays as it is.
    server.compaction.stop();
    let save = *server.shutdown_save.lock();
    let compacting = server.clone();
    let _ = tokio::task::spawn_blocking(move || compact_on_exit(&compacting, save)).await;
    if let Some(journal) = server.journal() {
        // Everything acknowledged is written and synced before the process exits.
        journal.shutdown();
        tracing::info!("journal synced up to sequence number {}", journal.last_seq());
    }
    // Only now: a killed client's batch may still be running, and a key it finds expired
    // must be journaled as deleted before its own change (DESIGN.md section 4).
    crate::store::keyspace::set_expiry_hook(None);
    tracing::info!("AllyDB is now ready to exit, bye bye...");
    // The process is about to exit: freeing every key one by one would only delay it
    // (seconds for tens of millions of keys); the OS takes the memory back at once.
    std::mem::forget(server);
    Ok(())
}

/// Whether SHUTDOWN (or a signal) compacts before the process exits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShutdownSave {
    /// SHUTDOWN SAVE.
    Always,
    /// SHUTDOWN NOSAVE.
    Never,
    /// Plain SHUTDOWN, SIGTERM, SIGINT: when the live journal is over
    /// `auto-aof-rewrite-min-size`, so the next start loads a snapshot and at most that much
    /// journal (as Redis saves at shutdown when it has save points). Measured at 10 M keys:
    /// a start took 7.8 s with the tail the earlier rule (over the snapshot's size too) left,
    /// 4.0 s after a compaction; the compaction at exit took 5 s.
    IfWorthwhile,
}

/// The compaction of SHUTDOWN: no client is connected any more, so the snapshot is the
/// final state. A failure only costs the next start time: the journal holds everything.
fn compact_on_exit(server: &Server, save: ShutdownSave) {
    let Some(journal) = server.journal() else { return };
    let min_bytes = server
        .settings
        .get("auto-aof-rewrite-min-size")
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(u64::MAX);
    let live = journal.live_bytes();
    let worthwhile = live > min_bytes;
    let run = match save {
        ShutdownSave::Always => true,
        ShutdownSave::Never => false,
        ShutdownSave::IfWorthwhile => worthwhile,
    };
    if !run || journal.failure().is_some() {
        return;
    }
    tracing::info!("compacting before exit ({live} bytes of journal since the snapshot)");
    let keep_going = std::sync::atomic::AtomicBool::new(false);
    let _exclusive = server.compaction.exclusive.lock();
    // No rdb-key-save-delay here: nobody waits on a slowed save, the exit does.
    match crate::journal::compactor::compact(&server.keyspace, journal, &keep_going, 0) {
        Ok(done) => journal.segments_removed(done.removed_bytes),
        Err(error) => tracing::warn!(
            "compaction before exit failed ({error}); the journal holds every write, the next \
             start replays it"
        ),
    }
}

/// Replays the journal into the keyspace and starts its writer.
fn open_journal(server: &Server) -> Result<(), StartError> {
    let directory = server.config.persistence_location.clone();
    let started = Instant::now();
    // Effects replay as of their own time: nothing expires during replay (now = 0), because
    // the journal holds a Delete for every key that expired before a later change to it.
    // Keys whose deadline passed while the server was down expire as usual afterwards.
    let delay = Duration::from_micros(server.config.key_load_delay);
    let recovered = crate::journal::recovery::recover(&directory, &server.keyspace, 0, delay)
        .map_err(|e| {
            let hint = if e.is_damage() {
                let dir = directory.display();
                format!(
                    ". `allydb-journal verify {dir}` checks every byte, `allydb-journal repair \
                     --dry-run {dir}` shows what a repair would lose, and `allydb-journal repair \
                     {dir}` makes it, after backing up what it changes"
                )
            } else {
                String::new()
            };
            StartError(format!("cannot load the journal: {e}{hint}"))
        })?;
    let keys: usize = server.keyspace.dbs().map(Db::len).sum();
    let snapshot = match recovered.snapshot {
        Some(s) => {
            format!("snapshot at seq {} ({} keys, {} bytes) and ", s.seq, s.entries, s.bytes)
        }
        None => String::new(),
    };
    tracing::info!(
        "journal {}: {snapshot}{} records in {} segment(s) loaded in {:.3} s, {keys} keys, last \
         seq {}",
        directory.display(),
        recovered.records,
        recovered.segments,
        started.elapsed().as_secs_f64(),
        recovered.last_seq
    );
    let mut zeros_ahead = server.config.journal_zeros_ahead;
    if zeros_ahead > 0 {
        if let Some(filesystem) = crate::journal::files::zeros_gain_nothing(&directory) {
            tracing::info!(
                "journal-zeros-ahead: no zeros are written ahead of the journal's records: {} \
                 is on {filesystem}, where they gain nothing",
                directory.display()
            );
            zeros_ahead = 0;
        }
    }
    let journal = crate::journal::Journal::start(
        &directory,
        recovered.segment,
        recovered.last_seq,
        recovered.closed_bytes,
        server.config.appendfsync,
        Duration::from_millis(server.config.persistence_interval),
        zeros_ahead,
    )
    .map_err(|e| StartError(format!("cannot start the journal writer: {e}")))?;
    let journal = Arc::new(journal);
    server.compaction.loaded(recovered.snapshot.map(|s| (s.seq, s.bytes)), journal.live_bytes());
    *server.journal_lock.lock() = Some(recovered.lock);
    server.turn_end.attach(&journal);
    tokio::spawn(journal.clone().relay_wakes());
    let _ = server.journal.set(journal);
    Ok(())
}

/// Every key removed because its deadline passed: its watchers are dirty, and (once the
/// journal runs) the journal records the deletion while the key's shard is still locked.
/// Replay expires nothing (it runs with now = 0), so the journal is not needed before it ends.
fn install_expiry_hook(server: &Arc<Server>) {
    let hooked = server.clone();
    crate::store::keyspace::set_expiry_hook(Some(Box::new(move |db, key| {
        // Expiry runs on no client's behalf: every subscriber gets the event by its mailbox.
        let mut own = Vec::new();
        let db_index = usize::try_from(db).unwrap_or(usize::MAX);
        notify::notify(&hooked, notify::EXPIRED, "expired", key, db_index, 0, &mut own);
        key_removed_in_background(&hooked, db, key);
    })));
}

/// What a key removed on no client's behalf (expiry, eviction) owes the rest of the server:
/// its watchers are dirty, tracking clients that read it are invalidated (BCAST messages go
/// out on the next tick), and the journal records the deletion. Called with the key's shard
/// still locked, so the DELETE is ordered before any later change to the key.
fn key_removed_in_background(server: &Server, db: u32, key: &[u8]) {
    server.watches.touch_expired(db, key);
    if server.tracking.is_active() {
        let running = tracking::running_noloop_client();
        tracking::invalidate(server, std::iter::once(key), 0, running);
    }
    if let Some(journal) = server.journal() {
        // Inside EXEC the transaction's record takes it, in its place among the changes.
        if !crate::commands::transactions::defer_delete_during_exec(db, key) {
            journal.append(&[crate::journal::Effect::Delete { db, key }]);
        }
    }
}

/// Whether protected mode refuses this peer: it is on, the default user has no password, and
/// the peer is not loopback. Checked on accept, as Redis does, so CONFIG SET protected-mode
/// or requirepass applies to the next connection.
fn is_refused_by_protected_mode(server: &Server, peer: &SocketAddr) -> bool {
    server.settings.hot.protected_mode.load(Relaxed)
        && !server.requires_auth()
        && !clients::is_loopback_peer(peer)
}

/// Answers a refused connection with one error line, then closes it. Neither refusal counts
/// in `total_connections_received`, both in `rejected_connections`, as in Redis.
fn refuse(server: &Server, stream: TcpStream, error: String) {
    server.stats.rejected_connections.fetch_add(1, Relaxed);
    tokio::spawn(async move {
        let mut stream = stream;
        let _ = stream.write_all(error.as_bytes()).await;
        let _ = stream.shutdown().await;
    });
}

fn accept(server: &Arc<Server>, stream: TcpStream, peer: SocketAddr) {
    let max = usize::try_from(server.settings.hot.maxclients.load(Relaxed)).unwrap_or(usize::MAX);
    if !server.clients.try_reserve(max) {
        refuse(server, stream, "-ERR max number of clients reached\r\n".into());
        return;
    }
    if is_refused_by_protected_mode(server, &peer) {
        server.clients.release();
        let denied = crate::protocol::error::PROTECTED_MODE_DENIED;
        refuse(server, stream, format!("-{denied}\r\n"));
        return;
    }
    server.stats.connections_received.fetch_add(1, Relaxed);
    let keepalive_s = server.settings.hot.tcp_keepalive_s.load(Relaxed);
    if let Err(error) = sockets::set_keepalive(&stream, keepalive_s) {
        tracing::debug!("cannot set TCP keepalive for {peer}: {error}");
    }
    let id = server.clients.next_id();
    let local_addr = stream.local_addr().unwrap_or(peer);
    let handle = Arc::new(ClientHandle::new(id, peer, local_addr, raw_fd(&stream)));
    server.clients.register(handle.clone());
    // Both dropped when the connection ends, even by a panic in a command.
    let slot = ClientSlot(server.clone());
    let departure = Departure { server: server.clone(), handle: handle.clone() };
    let server = server.clone();
    tokio::spawn(async move { connection::serve(&server, stream, handle, slot, departure).await });
}

/// A connection's place under `maxclients`, given back when dropped: after its socket is
/// closed (`sockets::Leftovers`), so the count never undercounts open descriptors, or during
/// the unwinding of a task that panicked.
pub struct ClientSlot(Arc<Server>);

impl Drop for ClientSlot {
    fn drop(&mut self) {
        self.0.clients.release();
    }
}

/// Takes a finished connection out of MONITOR, WATCH, tracking and the client registry
/// (CLIENT LIST), however its task ended, and closes its mailbox. (Its pub/sub subscriptions
/// live in the task's state, which removes them; after a panic they would stay, counted by
/// PUBLISH and NUMSUB, but the closed mailbox queues nothing.)
pub struct Departure {
    server: Arc<Server>,
    handle: Arc<ClientHandle>,
}

impl Drop for Departure {
    fn drop(&mut self) {
        let id = self.handle.id;
        self.handle.mailbox.close();
        if self.server.monitors.is_active() {
            self.server.monitors.remove(id);
        }
        self.server.watches.unwatch_all(id);
        self.server.tracking.disable(&self.handle);
        self.server.clients.unregister(id);
    }
}

#[cfg(unix)]
fn raw_fd(stream: &TcpStream) -> i64 {
    use std::os::fd::AsRawFd;
    i64::from(stream.as_raw_fd())
}

#[cfg(not(unix))]
fn raw_fd(_stream: &TcpStream) -> i64 {
    -1
}

/// Bounded active expiry: every `EXPIRE_CYCLE_INTERVAL_MS`, examine at most
/// `EXPIRE_CYCLE_KEYS_MAX` keys, shard by shard.
async fn active_expiry(server: Arc<Server>) {
    let mut tick = tokio::time::interval(Duration::from_millis(limits::EXPIRE_CYCLE_INTERVAL_MS));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut idle_checked = Instant::now();
    let mut clients = ClientsSinceTrim::default();
    loop {
        tick.tick().await;
        let now = Instant::now();
        if now.duration_since(idle_checked) >= idle::CHECK_INTERVAL {
            idle_checked = now;
            idle::close_idle_clients(&server, now);
        }
        crate::store::keyspace::tick_access_clock();
        release_memory_of_gone_clients(&server, &mut clients);
        // CLIENT PAUSE stops expiry: keys past their deadline stay until it ends.
        // A replica expires nothing itself: its primary's journal removes keys.
        if server.is_loading()
            || server.pause.mode() != pause::PauseMode::None
            || server.replication.is_replica()
        {
            continue;
        }
        let removed = {
            let _shared = server.keyspace.gate.read();
            server.keyspace.expire_cycle(unix_ms_now(), limits::EXPIRE_CYCLE_KEYS_MAX)
        };
        if removed > 0 {
            server.stats.expired_keys_active.fetch_add(removed, Relaxed);
        }
        // Continues an eviction a command's time slice left unfinished (Redis's eviction
        // timer), so memory returns under `maxmemory` even when no command comes.
        evict::perform(&server, None);
        if server.tracking.is_active() {
            tracking::broadcast(&server);
            tracking::enforce_limit(&server);
        }
    }
}

/// Connected clients as the expiry tick last saw them.
#[derive(Default)]
struct ClientsSinceTrim {
    /// The most connected at once since the last trim.
    peak: usize,
    /// At the previous tick.
    previous: usize,
}

/// Once many clients left since the most there were and the count stopped falling (a burst
/// of connections ended), gives the allocator's free pages back to the OS: without it their
/// buffers' pages stay resident.
fn release_memory_of_gone_clients(server: &Server, clients: &mut ClientsSinceTrim) {
    let connected = server.clients.connected();
    clients.peak = clients.peak.max(connected);
    let settled = connected >= clients.previous;
    clients.previous = connected;
    if settled && clients.peak - connected >= limits::CLIENTS_GONE_BEFORE_TRIM {
        // On a blocking thread: a trim of a large heap takes tens of milliseconds, which the
        // worker thread must spend serving clients (a PING waited 170 ms behind one).
        tokio::task::spawn_blocking(crate::memory::release_free_memory);
        clients.peak = connected;
    }
}

/// Catches SIGXFSZ, whose default action kills the process: a journal write past the file
/// size limit must fail with EFBIG and be refused as MISCONF (then repaired once the limit
/// is raised), like a full disk, rather than take the server down.
fn ignore_file_size_signal() {
    #[cfg(target_os = "linux")]
    {
        use tokio::signal::unix::{signal, SignalKind};
        // SIGXFSZ is 25 on every Linux architecture this builds for (x86, ARM, RISC-V).
        if let Ok(mut file_size) = signal(SignalKind::from_raw(25)) {
            tokio::spawn(async move { while file_size.recv().await.is_some() {} });
        }
    }
}

async fn shutdown_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut terminate = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return "SIGINT";
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => "SIGINT",
            _ = terminate.recv() => "SIGTERM",
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "SIGINT"
    }
}
