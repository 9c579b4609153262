//! Command dispatch: lookup, arity, authentication, then the family handler; counts stats.
//! Families live in one file each; `table` is the one list of what exists.
pub mod acl;
pub mod arguments;
pub mod bitmaps;
pub mod client;
pub mod cluster;
pub mod collections;
pub mod connection;
pub mod errors;
pub mod geo;
pub mod geohash;
pub mod hashes;
pub mod hyperloglog;
pub mod introspection;
pub mod keys;
pub mod latency;
pub mod lists;
pub mod pubsub;
pub mod replication;
pub mod server;
pub mod sets;
pub mod sortedsets;
pub mod strings;
pub mod table;
pub mod transactions;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

pub use errors::{CommandError, CommandResult};
pub use table::{CommandSpec, KeySpan};

use crate::clock::Tick;
use crate::journal::{Effect, Mark};
use crate::protocol::{Args, ReplyWriter};
use crate::server::blocking::{BlockedOp, Waiter};
use crate::server::clients::ClientState;
use crate::server::tracking::{self, bits as tracking_bits};
use crate::server::Server;
use crate::store::access::no_touch_scope;
use crate::store::keyspace::{read_only_scope, KeyEventScope};
use crate::store::Db;
use table::flags;

/// What the connection must do after a command, beyond sending its reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send what is buffered, then close (QUIT).
    Close,
    /// Close without sending anything more (a cross-protocol attack was detected).
    CloseSilently,
    /// Wait this long before reading further commands (DEBUG SLEEP).
    Sleep(Duration),
    /// Reply to WAIT or WAITAOF once the acknowledgements `acks` asks for are in, after
    /// `timeout` (None waits for ever), or on CLIENT UNBLOCK.
    WaitAcks { acks: Acks, timeout: Option<Duration> },
    /// Stop the server (SHUTDOWN); the reply, if any, is already written.
    Shutdown(crate::server::ShutdownSave),
    /// Reply to SAVE once compaction `ticket` ended.
    Save { ticket: u64 },
    /// Wait, blocked on list or sorted set keys (BLPOP, BZPOPMIN and friends), until served,
    /// `timeout` (None waits for ever), CLIENT UNBLOCK or disconnection; then reply
    /// (`Outcome::write`).
    Block { waiter: Arc<Waiter>, timeout: Option<Duration> },
    /// CLIENT PAUSE holds this command: wait until it may run (`is_write` says whether a
    /// WRITE pause holds it), then run it again from the same input.
    Postpone { is_write: bool },
    /// PSYNC: this connection becomes a replica's feed (`server::replication::serve_replica`)
    /// once the replies before it are sent.
    Replicate(Box<crate::server::replication::PsyncRequest>),
}

/// What WAIT and WAITAOF wait for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acks {
    /// WAIT: `needed` replicas that applied this client's writes; replies their count.
    Replicas { needed: i64 },
    /// WAITAOF: this client's writes synced locally (when `local` is set) and on `replicas`
    /// replicas' disks; replies `[local, replicas]`.
    Aof { local: bool, replicas: i64 },
}

impl Acks {
    /// Replicas that acknowledged the records up to `mark`'s as this wait counts them (all of
    /// them when it belongs to an earlier history, before a full resync: this server was a
    /// replica since).
    pub fn replicas(self, server: &crate::server::Server, mark: Mark) -> i64 {
        let synced = matches!(self, Self::Aof { .. });
        let seq = server.journal().map_or(0, |j| j.seq_now(mark));
        server.replication.acknowledged(seq, synced)
    }

    /// How many replicas must acknowledge.
    pub fn needed(self) -> i64 {
        match self {
            Self::Replicas { needed } => needed,
            Self::Aof { replicas, .. } => replicas,
        }
    }

    /// Writes the reply; `synced` says whether this client's writes are on local disk.
    pub fn write_reply(
        self,
        reply: &mut ReplyWriter,
        server: &crate::server::Server,
        mark: Mark,
        synced: bool,
    ) {
        let replicas = self.replicas(server, mark);
        match self {
            Self::Replicas { .. } => reply.integer(replicas),
            Self::Aof { .. } => {
                reply.array(2);
                reply.integer(i64::from(synced));
                reply.integer(replicas);
            }
        }
    }
}

/// Everything a handler may touch.
pub struct Context<'a> {
    pub server: &'a Server,
    pub client: &'a mut ClientState,
    pub reply: &'a mut ReplyWriter,
    /// Milliseconds since the Unix epoch, read once per batch.
    pub now_ms: u64,
}

impl Context<'_> {
    /// The client's selected database.
    pub fn db(&self) -> &Db {
        self.server.db(self.client.db)
    }

    /// The selected database's index as the journal writes it.
    pub fn db_index(&self) -> u32 {
        u32::try_from(self.client.db).unwrap_or(u32::MAX)
    }

    /// Whether `journal` does anything with effects: a journal, WATCH or CLIENT TRACKING
    /// reads them. Lets a command with many effects skip building them when nothing would.
    pub fn wants_effects(&self) -> bool {
        self.server.journal().is_some()
            || self.server.watches.is_active()
            || self.server.tracking.is_active()
    }

    /// Journals the effects of the running write command (docs/FORMAT.md, "Effects").
    ///
    /// Call it once per command, after the change is applied in memory and while still
    /// holding the shard locks of every key involved: records of two commands on one key must
    /// reach the journal in the order the commands changed memory. A command that changed
    /// nothing journals nothing (pass no effects or skip the call).
    pub fn journal(&mut self, effects: &[Effect<&[u8]>]) {
        if effects.is_empty() {
            return;
        }
        // Every change passes here, journal or not: WATCH learns of it (FLUSHDB, FLUSHALL and
        // SWAPDB tell the registry themselves, before they change anything).
        self.server.watches.touch_effects(effects);
        if self.server.tracking.is_active() {
            self.invalidate_tracked(effects);
        }
        self.journal_unsignalled(effects);
    }

    /// `journal` without telling WATCH or CLIENT TRACKING: for the one change Redis makes
    /// without signalling the key (BITFIELD growing a string whose every write OVERFLOW FAIL
    /// refused), which AllyDB still journals so that a restart finds what memory held.
    pub fn journal_unsignalled(&mut self, effects: &[Effect<&[u8]>]) {
        if let Some(journal) = self.server.journal() {
            match &mut self.client.transaction.exec {
                // Inside EXEC: one record for the whole transaction, written when it ends,
                // with the keys that expired so far in this command ahead of its effects.
                Some(buffer) => {
                    buffer.buffer_deferred_deletes();
                    buffer.buffer(effects);
                }
                None => self.client.journal_mark = journal.append(effects),
            }
        }
    }

    /// Redis's `signalModifiedKey` for a write that leaves `key` as it was (GETEX giving the
    /// deadline it had, APPEND of nothing), so nothing is journaled: Redis signals these all
    /// the same, so WATCH aborts and tracked readers are invalidated as for a change.
    pub fn signal_modified(&mut self, key: &[u8]) {
        self.server.watches.touch_key(self.db_index(), key);
        if self.server.tracking.is_active() {
            self.invalidate_keys(std::iter::once(key));
        }
    }

    /// CLIENT TRACKING: invalidates the keys `effects` change (FLUSHDB and FLUSHALL: every
    /// key); keys under BCAST prefixes are broadcast when the command (or EXEC) ends.
    fn invalidate_tracked(&mut self, effects: &[Effect<&[u8]>]) {
        let server = self.server;
        if effects.iter().any(|e| matches!(e, Effect::FlushDb { .. } | Effect::FlushAll)) {
            tracking::invalidate_all(server);
        }
        let keys = effects.iter().flat_map(|e| e.keys().into_iter().flatten().map(|(_, k)| *k));
        self.invalidate_keys(keys);
    }

    /// CLIENT TRACKING: invalidates `keys`, changed by this client; BCAST prefixes are
    /// broadcast when the command (or EXEC) ends.
    fn invalidate_keys<'k>(&mut self, keys: impl Iterator<Item = &'k [u8]>) {
        let id = self.client.id;
        if tracking::invalidate(self.server, keys, id, id) {
            self.client.tracking_broadcast = true;
        }
    }

    /// Publishes keyspace notification `event` on `key` of the selected database if `class`
    /// (`server::notify`) is enabled; one atomic load when notifications are off. Call it
    /// before writing the reply: a RESP3 subscriber sees its own events first, as in Redis.
    pub fn notify(&mut self, class: u32, event: &str, key: &[u8]) {
        self.notify_in(self.client.db, class, event, key);
    }

    /// `notify` for database `db` (COPY ... DB, MOVE). The `new` and `keymiss` events the
    /// store noted so far go first: Redis publishes them as they happen, before the command's
    /// own events.
    pub fn notify_in(&mut self, db: usize, class: u32, event: &str, key: &[u8]) {
        if self.server.settings.hot.notify_keyspace_events.load(Ordering::Relaxed) == 0 {
            return;
        }
        let mut own = Vec::new();
        let id = self.client.id;
        crate::server::notify::publish_key_events(self.server, id, &mut own);
        crate::server::notify::notify(self.server, class, event, key, db, id, &mut own);
        pubsub::write_own(self, &own);
    }

    /// Publishes the `new` and `keymiss` events the store noted that no `notify` published
    /// yet (a read command's misses). A RESP3 subscriber's own frames go before the reply,
    /// which starts at `reply_start` in the output.
    fn flush_key_events(&mut self, reply_start: usize) {
        if self.server.settings.hot.notify_keyspace_events.load(Ordering::Relaxed) == 0 {
            return;
        }
        let mut own = Vec::new();
        crate::server::notify::publish_key_events(self.server, self.client.id, &mut own);
        if own.is_empty() {
            return;
        }
        let reply = self.reply.out.split_off(reply_start.min(self.reply.out.len()));
        pubsub::write_own(self, &own);
        self.reply.out.extend_from_slice(&reply);
    }

    /// A command other than a push made `key` of database `db` hold a value (RENAME, COPY,
    /// MOVE, SWAPDB): clients blocked on it are served now, or after EXEC inside one (Redis's
    /// `signalKeyAsReady`). The caller holds no shard lock.
    pub fn signal_ready(&mut self, db: usize, key: &[u8]) {
        if self.server.blocking.blocked_clients() == 0 {
            return;
        }
        if let Some(buffer) = &mut self.client.transaction.exec {
            buffer.ready(db, key);
            return;
        }
        let selected = self.client.db;
        self.client.db = db;
        lists::serve_ready(self, key);
        sortedsets::serve_ready(self, key);
        self.client.db = selected;
    }

    /// Inside EXEC, clients blocked on `keys` are served once the transaction ends, as Redis
    /// does: notes the keys (if anyone is blocked) and returns true. Outside, returns false.
    pub fn defers_serving(&mut self, keys: &[&[u8]]) -> bool {
        let Some(buffer) = &mut self.client.transaction.exec else { return false };
        // Nobody can start blocking while EXEC holds the gate: none now means none to serve.
        if self.server.blocking.blocked_clients() > 0 {
            for key in keys {
                buffer.ready(self.client.db, key);
            }
        }
        true
    }

    /// Registers the client as blocked on `keys` (all empty, their shards locked by the
    /// caller, so nobody can add to them before the registration) and tells the connection
    /// to wait.
    /// Inside EXEC nothing blocks: the reply is the one a timeout gives at once (Redis's
    /// CLIENT_DENY_BLOCKING), a null bulk for BLMOVE and BRPOPLPUSH.
    pub fn block(&mut self, keys: &[&[u8]], op: BlockedOp, timeout: Option<Duration>) {
        if self.client.transaction.is_executing() {
            match op {
                BlockedOp::Move { .. } => self.reply.null(),
                _ => self.reply.null_array(),
            }
            return;
        }
        let mut unique: Vec<Vec<u8>> = Vec::with_capacity(keys.len());
        for key in keys {
            if !unique.iter().any(|k| k == key) {
                unique.push(key.to_vec());
            }
        }
        let waiter = Waiter::new(
            self.client.id,
            self.client.handle.killed.clone(),
            self.client.db,
            unique,
            op,
        );
        let waiter = Arc::new(waiter.with_timeout(timeout.is_some()));
        // Shown blocked (CLIENT LIST's flag b) before counted (INFO's blocked_clients); the
        // connection shows the command once it ends.
        self.client.handle.info.lock().blocked = true;
        if !self.server.blocking.register(waiter.clone()) {
            // Killed by another client meanwhile: no reply, the connection closes.
            self.client.handle.info.lock().blocked = false;
            self.client.action = Some(Action::CloseSilently);
            return;
        }
        self.client.action = Some(Action::Block { waiter, timeout });
    }
}

/// Runs one command and writes its reply. Never panics on client input.
pub fn execute(ctx: &mut Context<'_>, args: Args<'_>) {
    let name = args.get(0);
    if name.eq_ignore_ascii_case(b"host:") || name.eq_ignore_ascii_case(b"post") {
        tracing::warn!(
            "possible SECURITY ATTACK detected: a client sent '{}' (cross-protocol scripting?); \
             connection closed",
            String::from_utf8_lossy(name)
        );
        ctx.client.action = Some(Action::CloseSilently);
        return;
    }
    let resolved = resolve(ctx, args);
    if let Ok(spec) = resolved {
        if let Some(is_write) = must_wait(ctx, spec) {
            // Nothing ran and nothing is counted: the command runs again once the pause lets
            // it. CLIENT LIST shows it as the client's command meanwhile, as Redis does.
            ctx.client.last_command = spec.name;
            ctx.client.action = Some(Action::Postpone { is_write });
            return;
        }
    }
    let reply_start = ctx.reply.out.len();
    // `ran`: the command ran (commandstats count it); queued ones run later, inside EXEC.
    let (spec, result, ran) = match resolved {
        Ok(spec) if transactions::is_queued(ctx, spec) => {
            transactions::queue(ctx, spec, args);
            (Some(spec), Ok(()), false)
        }
        Ok(spec) => {
            // Collects the store's `new` and `keymiss` events while the command runs.
            // One relaxed load when notifications are off, and nothing else.
            let tracked = crate::server::notify::tracked_key_events(ctx.server);
            let _key_events = (tracked != 0).then(|| KeyEventScope::new(tracked));
            // CLIENT TRACKING: remembered before the command reads, so a write racing with it on another
            // thread invalidates it; again after if keys left the table meanwhile (a lazy
            // expiry, or that write), so the table still holds them when the reply goes.
            let remembered = tracks_reads(ctx.client, spec).then(|| remember_keys(ctx, spec, args));
            let noloop = ctx.client.tracking & tracking_bits::NOLOOP != 0;
            let _noloop = noloop.then(|| tracking::noloop_scope(ctx.client.id));
            let _no_touch = ctx.client.no_touch.then(|| no_touch_scope(spec.name != "touch"));
            let result = {
                let gate = &ctx.server.keyspace.gate;
                if spec.has(flags::EXCLUSIVE) {
                    let _exclusive = gate.write();
                    (spec.handler)(ctx, args)
                } else {
                    let _shared = gate.read();
                    // PFCOUNT (`may_replicate`) stores its cache: not read-only for a snapshot.
                    let read_only = !spec.is_write() && !spec.has(flags::MAY_REPLICATE);
                    let _scope = read_only_scope(read_only);
                    (spec.handler)(ctx, args)
                }
            };
            if tracked != 0 {
                ctx.flush_key_events(reply_start);
            }
            if let Some(Some(epoch)) = remembered {
                if ctx.server.tracking.epoch() != epoch {
                    remember_keys(ctx, spec, args);
                }
            }
            (Some(spec), result, true)
        }
        Err((spec, error)) => {
            if let Some(spec) = spec {
                ctx.server.stats.command_rejected(spec);
            }
            (None, Err(transactions::rejected(ctx, spec, error)), false)
        }
    };
    if let Err(error) = &result {
        ctx.server.stats.record_error(&error.code());
        ctx.reply.error(&error.to_string());
    }
    if ran && ctx.server.monitors.is_active() {
        if let Some(spec) = spec {
            // After the reply: a monitor sees its own command's line right after its reply.
            feed_monitors(ctx, spec, args, true);
        }
    }
    if let Some(spec) = spec {
        // One clock read per command: this command ran from the previous command's end (or
        // the batch start, see ClientState::clock) until now.
        let finished = Tick::now();
        let elapsed = finished.micros_since(ctx.client.clock);
        ctx.client.clock = finished;
        if ran {
            let elapsed_us = with_pending_sleep(ctx, elapsed);
            ctx.server.stats.command_called(spec, elapsed_us, result.is_err());
            log_if_slow(ctx, spec, args, elapsed_us);
        }
        ctx.client.last_command = spec.name;
    }
    ctx.client.commands_processed += 1;
    if ctx.reply.muted {
        ctx.reply.out.truncate(reply_start);
    }
    if !ctx.client.pushed.is_empty() {
        ctx.reply.out.append(&mut ctx.client.pushed);
    }
    if ctx.client.tracking != 0 {
        after_tracked_command(ctx, name);
    }
    ctx.client.after_command();
}

/// Whether the client remembers the keys `spec` reads (Redis's `call`): read-only commands
/// other than pub/sub ones, for a default-mode tracking client, as OPTIN/OPTOUT and CLIENT
/// CACHING decide.
fn tracks_reads(client: &ClientState, spec: &CommandSpec) -> bool {
    let mode = client.tracking;
    if mode & tracking_bits::ON == 0
        || mode & tracking_bits::BCAST != 0
        || !spec.has(flags::READONLY)
        || spec.has(flags::PUBSUB)
    {
        return false;
    }
    let (optin, optout) = (mode & tracking_bits::OPTIN != 0, mode & tracking_bits::OPTOUT != 0);
    let caching = client.tracking_caching;
    !(optin && !caching || optout && caching)
}

/// Remembers the keys of `args` for the client; the table's epoch, or None without keys.
fn remember_keys(ctx: &Context<'_>, spec: &CommandSpec, args: Args<'_>) -> Option<u64> {
    let positions = spec.key_positions(args.len(), |i| args.get(i)).unwrap_or_default();
    if positions.is_empty() {
        return None;
    }
    let keys: Vec<&[u8]> = positions.iter().map(|&p| args.get(p)).collect();
    Some(tracking::remember(ctx.server, ctx.client.id, &keys))
}

/// After each command of a tracking client: CLIENT CACHING lasts for one command (a whole
/// transaction; CLIENT subcommands keep it), and invalidations already queued for the client
/// (its own change included) follow this reply, as Redis sends them after the command's reply
/// even within a pipeline (CLIENT REPLY OFF does not hide them). The rest go out between
/// batches.
fn after_tracked_command(ctx: &mut Context<'_>, name: &[u8]) {
    let client = &mut *ctx.client;
    if client.tracking_caching
        && !client.transaction.is_queueing()
        && !name.eq_ignore_ascii_case(b"client")
    {
        client.tracking_caching = false;
    }
    let mailbox = &client.handle.mailbox;
    if mailbox.pending_bytes() > 0 {
        mailbox.take_into(&mut ctx.reply.out, client.protocol, crate::limits::OUTPUT_FLUSH_BYTES);
    }
}

/// Runs one command queued by MULTI, inside EXEC: the caller holds the keyspace gate
/// exclusively, so the handler runs without taking it. Writes its reply (or error) into the
/// EXEC array and counts it in commandstats.
pub fn run_queued(ctx: &mut Context<'_>, spec: &'static CommandSpec, args: Args<'_>) {
    let reply_start = ctx.reply.out.len();
    let result = {
        // Redis looks at the client's flag and the queued command at each lookup: TOUCH
        // inside EXEC still touches, and a CLIENT NO-TOUCH OFF queued before applies.
        let _no_touch = no_touch_scope(ctx.client.no_touch && spec.name != "touch");
        (spec.handler)(ctx, args)
    };
    if ctx.server.monitors.is_active() {
        // Not into the output: it holds EXEC's array.
        feed_monitors(ctx, spec, args, false);
    }
    ctx.flush_key_events(reply_start);
    if let Err(error) = &result {
        ctx.server.stats.record_error(&error.code());
        ctx.reply.error(&error.to_string());
    }
    // EXEC holds the gate exclusively: nothing runs between the read and this.
    if tracks_reads(ctx.client, spec) {
        remember_keys(ctx, spec, args);
    }
    let finished = Tick::now();
    let elapsed = finished.micros_since(ctx.client.clock);
    ctx.client.clock = finished;
    let elapsed_us = with_pending_sleep(ctx, elapsed);
    ctx.server.stats.command_called(spec, elapsed_us, result.is_err());
    log_if_slow(ctx, spec, args, elapsed_us);
}

/// A command's duration in microseconds (`elapsed_us` by the command timer), with the DEBUG
/// SLEEP it asked the connection to do next: in Redis the sleep blocks inside the command, so
/// commandstats and SLOWLOG count it.
fn with_pending_sleep(ctx: &Context<'_>, elapsed_us: u64) -> u64 {
    let slept = match &ctx.client.action {
        Some(Action::Sleep(duration)) => u64::try_from(duration.as_micros()).unwrap_or(u64::MAX),
        _ => 0,
    };
    elapsed_us.saturating_add(slept)
}

/// Puts a command that ran for `slowlog-log-slower-than` or longer in the slow log (Redis's
/// `slowlogPushCurrentCommand`): two relaxed loads for a fast one. Commands run inside EXEC go
/// in one by one, EXEC itself (`skip_slowlog`) does not. Passwords show as `(redacted)`, as
/// in Redis: AUTH's, HELLO ... AUTH's and CONFIG SET requirepass's.
fn log_if_slow(ctx: &Context<'_>, spec: &CommandSpec, args: Args<'_>, elapsed_us: u64) {
    let hot = &ctx.server.settings.hot;
    let max_len = hot.slowlog_max_len.load(std::sync::atomic::Ordering::Relaxed);
    let slower_than = hot.slowlog_slower_than_us.load(std::sync::atomic::Ordering::Relaxed);
    if !crate::server::slowlog::wants(slower_than, max_len, elapsed_us)
        || spec.has(flags::SKIP_SLOWLOG)
    {
        return;
    }
    // Only what the log keeps: a slow MSET of a million arguments is not copied to be logged.
    let words: Vec<&[u8]> =
        (0..args.len().min(crate::server::slowlog::ARGS_MAX)).map(|i| args.get(i)).collect();
    let handle = &ctx.client.handle;
    let command = crate::server::slowlog::SlowCommand {
        args: &words,
        argc: args.len(),
        redacted: redactions(spec, args),
        duration_us: elapsed_us,
        peer: crate::server::clients::format_addr(&handle.addr),
        name: handle.info.lock().name.clone(),
    };
    ctx.server.slowlog.push(command, max_len);
}

/// Which arguments MONITOR and SLOWLOG show as `(redacted)`, as Redis's
/// `redactClientCommandArgument` calls decide: AUTH's user and password, HELLO ... AUTH's,
/// and the values of sensitive settings in CONFIG SET name value [name value ...] (which
/// MONITOR never shows anyway: CONFIG is an admin command).
fn redactions<'a>(spec: &CommandSpec, args: Args<'a>) -> impl Fn(usize) -> bool + 'a {
    let name = spec.name;
    let hello = if name == "hello" { hello_redactions(args) } else { Vec::new() };
    move |i| match name {
        "auth" => i >= 1,
        "hello" => hello.contains(&i),
        "config|set" => {
            i >= 3 && i % 2 == 1 && i < args.len() && is_sensitive_setting(args.get(i - 1))
        }
        _ => false,
    }
}

/// Settings whose values Redis never shows in logs (its SENSITIVE_CONFIG).
fn is_sensitive_setting(name: &[u8]) -> bool {
    name.eq_ignore_ascii_case(b"requirepass") || name.eq_ignore_ascii_case(b"masterauth")
}

/// Whether CLIENT PAUSE holds `spec` now: Some(whether it counts as a write) if so. One
/// relaxed load while no pause is in force. Monitors are never paused (Redis exempts them
/// with replicas), and a client whose turn came runs its command.
fn must_wait(ctx: &Context<'_>, spec: &CommandSpec) -> Option<bool> {
    let pause = &ctx.server.pause;
    if pause.mode() == crate::server::pause::PauseMode::None {
        return None;
    }
    if ctx.client.monitor || ctx.client.pause_ticket.is_some() {
        return None;
    }
    let is_write = spec.is_write()
        || spec.has(flags::MAY_REPLICATE)
        || transactions::exec_paused_by_write(ctx, spec);
    pause.holds(is_write).then_some(is_write)
}

/// Sends the line of a command that ran to every monitor, unless it is an admin command
/// or flagged `skip_monitor` (Redis's `call`). Passwords of AUTH and HELLO ... AUTH show as
/// `(redacted)`. The database is the client's after the command (SELECT shows its new one).
/// With `into_reply`, a client that monitors gets its own line in its output, after the
/// command's reply.
fn feed_monitors(ctx: &mut Context<'_>, spec: &CommandSpec, args: Args<'_>, into_reply: bool) {
    if spec.has(flags::ADMIN | flags::SKIP_MONITOR) {
        return;
    }
    let hot = &ctx.server.settings.hot;
    let (normal, pubsub) = (hot.normal_limit(), hot.pubsub_limit());
    let (handle, db) = (&ctx.client.handle, ctx.client.db);
    let own = if into_reply && ctx.client.monitor { Some(&mut ctx.reply.out) } else { None };
    let redacted = redactions(spec, args);
    ctx.server.monitors.feed(handle, db, args, redacted, normal, pubsub, own);
}

/// The argument positions HELLO's monitor line redacts: the user name and password after
/// every AUTH option with both values present. Redis stops at the first bad option or a bad
/// protocol version, showing later passwords; AUTH pairs are redacted wherever they appear.
fn hello_redactions(args: Args<'_>) -> Vec<usize> {
    let mut redacted = Vec::new();
    let mut i = 2;
    while i < args.len() {
        let more = args.len() - 1 - i;
        if args.get(i).eq_ignore_ascii_case(b"auth") && more >= 2 {
            redacted.extend([i + 1, i + 2]);
            i += 3;
        } else if args.get(i).eq_ignore_ascii_case(b"setname") && more >= 1 {
            i += 2;
        } else {
            i += 1;
        }
    }
    redacted
}

/// What a RESP2 client in subscribed mode may run (EXIT is AllyDB's QUIT).
const ALLOWED_WHILE_SUBSCRIBED: &[&str] = &[
    "ping",
    "subscribe",
    "unsubscribe",
    "psubscribe",
    "punsubscribe",
    "ssubscribe",
    "sunsubscribe",
    "quit",
    "exit",
    "reset",
];

type Rejection = (Option<&'static CommandSpec>, CommandError);

/// Lookup, subcommand, arity and authentication checks, in Redis's order.
fn resolve(ctx: &mut Context<'_>, args: Args<'_>) -> Result<&'static CommandSpec, Rejection> {
    let name = args.get(0);
    let Some(mut spec) = table::lookup(name) else {
        return Err((None, CommandError::unknown_command(name, args.iter().skip(1))));
    };
    if !spec.subcommands.is_empty() && args.len() >= 2 {
        let sub = args.get(1);
        match spec.subcommand(sub) {
            Some(found) => spec = found,
            None => return Err((None, CommandError::unknown_subcommand(name, sub))),
        }
    }
    if !spec.arity_ok(args.len()) {
        let error = CommandError::WrongArity { fullname: spec.name.to_string() };
        return Err((Some(spec), error));
    }
    // DEBUG and MODULE's loading subcommands, checked before authentication as in Redis's
    // processCommand.
    if spec.has(flags::PROTECTED) {
        let (command, setting) = if spec.name.starts_with("module") {
            ("MODULE", "enable-module-command")
        } else {
            ("DEBUG", "enable-debug-command")
        };
        let value = ctx.server.settings.get(setting).unwrap_or_default();
        if !server::protected_action_allowed(ctx, &value) {
            return Err((Some(spec), CommandError::protected_command(command, setting)));
        }
    }
    // As Redis's processCommand: a client that never authenticated runs commands once no
    // password is required any more (CONFIG SET requirepass ""), though HELLO still asks it to.
    if !ctx.client.authenticated && !spec.has(flags::NO_AUTH) && ctx.server.requires_auth() {
        return Err((Some(spec), CommandError::NoAuth));
    }
    if ctx.client.transaction.is_queueing() && spec.has(flags::NO_MULTI) {
        return Err((
            Some(spec),
            CommandError::Static("ERR Command not allowed inside a transaction"),
        ));
    }
    // A replica evicts nothing (Redis's replica-ignore-maxmemory): its primary's journal
    // alone changes its keyspace.
    if ctx.server.settings.hot.eviction.maxmemory_bytes.load(Ordering::Relaxed) != 0
        && !ctx.server.replication.is_replica()
    {
        // Every command evicts while memory is over `maxmemory` (Redis's processCommand);
        // those that may grow memory are refused when nothing could be evicted. Inside MULTI
        // so is anything queued, since queueing grows memory too.
        let outcome = crate::server::evict::perform(ctx.server, Some(&mut ctx.client.journal_mark));
        let out_of_memory = outcome == crate::server::evict::Outcome::Fail;
        let grows = spec.has(flags::DENYOOM)
            || transactions::exec_denyoom(ctx, spec)
            || (ctx.client.transaction.is_queueing()
                && !matches!(spec.name, "exec" | "discard" | "quit" | "exit" | "reset"));
        if out_of_memory && grows {
            return Err((Some(spec), CommandError::Static(crate::server::evict::OOM_ERROR)));
        }
    }
    if spec.is_write() || transactions::exec_writes(ctx, spec) {
        // A write the journal cannot persist is refused, never acknowledged (Redis's MISCONF).
        // (No journal exists while loading, so this never hides the LOADING error below.)
        if let Some(failure) = ctx.server.journal().and_then(|j| j.failure()) {
            return Err((Some(spec), CommandError::Text(format!("MISCONF {failure}"))));
        }
        // A replica's keyspace changes only by its primary's journal (its own writes would
        // take sequence numbers the primary's records need): `replica-read-only no` is
        // accepted and changes nothing.
        if ctx.server.replication.is_replica() {
            return Err((
                Some(spec),
                CommandError::Static("READONLY You can't write against a read only replica."),
            ));
        }
    }
    if ctx.client.is_subscribed()
        && ctx.client.protocol == crate::protocol::Protocol::Resp2
        && !ALLOWED_WHILE_SUBSCRIBED.contains(&spec.name)
    {
        return Err((Some(spec), CommandError::Subscribed { fullname: spec.name }));
    }
    if ctx.server.is_loading() && !spec.has(flags::LOADING) {
        return Err((
            Some(spec),
            CommandError::Static("LOADING Redis is loading the dataset in memory"),
        ));
    }
    if ctx.client.monitor
        && (spec.has(flags::WRITE | flags::READONLY | flags::MAY_REPLICATE)
            || transactions::exec_paused_by_write(ctx, spec))
    {
        // A monitor is a replica to Redis, and replicas may not touch the keyspace.
        return Err((
            Some(spec),
            CommandError::Static("ERR Replica can't interact with the keyspace"),
        ));
    }
    Ok(spec)
}
