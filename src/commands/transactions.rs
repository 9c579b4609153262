//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH. Between MULTI and EXEC a client's
//! commands are checked and queued (`execute` decides, in Redis's order); EXEC runs them with the
//! keyspace gate held exclusively, so no other client's command interleaves, journals all their
//! effects as one record, and then serves the clients blocked on keys they filled. The WATCH
//! registry lives in `server::watch`.
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::errors::{CommandError, CommandResult};
use super::table::{acl, flags::*, spec, CommandSpec, KeySpan};
use super::{Acks, Action, Context};
use crate::journal::record::{EffectBatch, RECORD_PAYLOAD_BYTES_MAX};
use crate::journal::Effect;
use crate::protocol::Args;
use crate::store::hash_key;

const G: &str = "transactions";
const TRANSACTION: u32 = acl::TRANSACTION;

pub static COMMANDS: &[CommandSpec] = &[
    spec("multi", 1, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, KeySpan::NONE, G, multi)
        .acl(TRANSACTION)
        .doc("1.2.0", "Starts a transaction.", "O(1)", ""),
    // EXCLUSIVE: the queued commands run under the gate EXEC holds, so nobody interleaves.
    spec("exec", 1, NOSCRIPT | LOADING | STALE | SKIP_SLOWLOG | EXCLUSIVE, KeySpan::NONE, G, exec)
        .acl(TRANSACTION)
        .doc(
            "1.2.0",
            "Executes all commands in a transaction.",
            "Depends on commands in the transaction",
            "",
        ),
    spec("discard", 1, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, KeySpan::NONE, G, discard)
        .acl(TRANSACTION)
        .doc(
            "2.0.0",
            "Discards a transaction.",
            "O(N), when N is the number of queued commands",
            "",
        ),
    spec("watch", -2, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, KeySpan::ALL, G, watch)
        .acl(TRANSACTION)
        .doc(
            "2.2.0",
            "Monitors changes to keys to determine the execution of a transaction.",
            "O(1) for every key.",
            "key [key ...]",
        ),
    spec("unwatch", 1, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, KeySpan::NONE, G, unwatch)
        .acl(TRANSACTION)
        .doc("2.2.0", "Forgets about watched keys of a transaction.", "O(1)", ""),
];

/// One client's transaction state.
#[derive(Debug, Default)]
pub struct TransactionState {
    /// The queued commands, between MULTI and EXEC or DISCARD.
    pub queue: Option<Queue>,
    /// Set while EXEC runs the queued commands: their effects and the keys they filled.
    pub exec: Option<ExecBuffer>,
    /// Set by any change to a key this client watches: its next EXEC fails.
    pub watch_dirty: Arc<AtomicBool>,
    /// Whether this client watches keys (the registry is only consulted then).
    pub watching: bool,
}

impl TransactionState {
    /// Whether the client is between MULTI and EXEC.
    pub fn is_queueing(&self) -> bool {
        self.queue.is_some()
    }

    /// Whether EXEC is running this client's queued commands.
    pub fn is_executing(&self) -> bool {
        self.exec.is_some()
    }
}

/// The commands queued between MULTI and EXEC.
#[derive(Debug, Default)]
pub struct Queue {
    commands: Vec<Queued>,
    /// A command was rejected while queueing: EXEC replies EXECABORT.
    failed: bool,
    /// Argument bytes queued, bounded by `client-query-buffer-limit`.
    bytes: u64,
    /// Whether a queued command writes (EXEC is refused with MISCONF if the journal failed).
    has_writes: bool,
    /// Whether a queued command writes or may replicate (CLIENT PAUSE WRITE holds EXEC).
    has_paused_by_write: bool,
    /// Whether a queued command is `denyoom` (EXEC is refused with OOM over `maxmemory`).
    has_denyoom: bool,
}

/// One queued command: its table row and its arguments, copied out of the read buffer.
#[derive(Debug)]
struct Queued {
    spec: &'static CommandSpec,
    base: Vec<u8>,
    spans: Vec<(usize, usize)>,
}

/// (database, key) of keys removed on no client's behalf.
type RemovedKeys = Vec<(u32, Vec<u8>)>;

thread_local! {
    /// Set while this thread runs EXEC's commands: the keys that expired meanwhile (lazily,
    /// when a queued command touched them), whose DELETEs belong in the transaction's record
    /// at the point they happened. Written straight to the journal they would come before
    /// it, and a replay would then delete the key before the transaction's own changes to it
    /// (a RENAME from it, a SET with a deadline already past).
    static EXPIRED_DURING_EXEC: RefCell<Option<RemovedKeys>> =
        const { RefCell::new(None) };
}

/// Called for a key removed on no client's behalf, before its DELETE is journaled: inside
/// EXEC on this thread, keeps the DELETE for the transaction's record and returns true.
/// Nothing else runs while EXEC holds the gate exclusively, so only this thread's removals
/// can happen during it.
pub fn defer_delete_during_exec(db: u32, key: &[u8]) -> bool {
    EXPIRED_DURING_EXEC.with(|deferred| match deferred.borrow_mut().as_mut() {
        Some(keys) => {
            keys.push((db, key.to_vec()));
            true
        }
        None => false,
    })
}

/// Turns deferral on for the EXEC this thread runs; dropping it turns it off, even when a
/// command panics, so that no later removal is kept from the journal.
struct DeferDeletes;

impl DeferDeletes {
    fn start() -> DeferDeletes {
        EXPIRED_DURING_EXEC.with(|deferred| *deferred.borrow_mut() = Some(Vec::new()));
        DeferDeletes
    }
}

impl Drop for DeferDeletes {
    fn drop(&mut self) {
        EXPIRED_DURING_EXEC.with(|deferred| *deferred.borrow_mut() = None);
    }
}

/// What EXEC collects while its commands run.
#[derive(Debug, Default)]
pub struct ExecBuffer {
    /// The transaction's effects, in the order the commands applied them. One batch unless
    /// they outgrow a record (see `buffer`).
    batches: Vec<EffectBatch>,
    /// (database, key) of every list or sorted set filled while clients were blocked.
    ready: Vec<(usize, Vec<u8>)>,
}

impl ExecBuffer {
    /// Adds one command's effects. Commands refuse a change whose effects would not fit the
    /// record (`strings::check_journal_room` counts `buffered_bytes`); should small unchecked
    /// ones still push it over, the effects go on in a second record, logged when written.
    pub fn buffer(&mut self, effects: &[Effect<&[u8]>]) {
        if self.batches.is_empty() {
            self.batches.push(EffectBatch::default());
        }
        let Some(batch) = self.batches.last_mut() else { return };
        let (before, count) = (batch.encoded_bytes(), batch.len());
        for effect in effects {
            batch.push(effect);
        }
        if batch.payload_bytes() > u64::from(RECORD_PAYLOAD_BYTES_MAX) && count > 0 {
            let added = batch.len() - count;
            let rest = batch.split_off(before, added);
            self.batches.push(rest);
        }
    }

    /// Buffers the DELETEs of the keys that expired since the last call
    /// (`defer_delete_during_exec`): called before each command's effects, and after each
    /// command, so that they keep their place among the transaction's changes.
    pub fn buffer_deferred_deletes(&mut self) {
        let keys = EXPIRED_DURING_EXEC
            .with(|deferred| deferred.borrow_mut().as_mut().map(std::mem::take))
            .unwrap_or_default();
        for (db, key) in &keys {
            self.buffer(&[Effect::Delete { db: *db, key: key.as_slice() }]);
        }
    }

    /// Payload bytes of the record being built.
    pub fn buffered_bytes(&self) -> u64 {
        self.batches.last().map_or(0, EffectBatch::payload_bytes)
    }

    /// Notes that clients blocked on `key` in database `db` may now be served.
    pub fn ready(&mut self, db: usize, key: &[u8]) {
        if !self.ready.iter().any(|(d, k)| *d == db && k == key) {
            self.ready.push((db, key.to_vec()));
        }
    }
}

/// Whether `spec` is queued rather than run, for a client in MULTI: everything but EXEC,
/// DISCARD, MULTI, WATCH, QUIT and RESET (Redis's processCommand, step 18).
pub fn is_queued(ctx: &Context<'_>, spec: &CommandSpec) -> bool {
    ctx.client.transaction.is_queueing()
        && !matches!(spec.name, "exec" | "discard" | "multi" | "watch" | "quit" | "reset")
}

/// Queues a command that passed every check; replies +QUEUED.
pub fn queue(ctx: &mut Context<'_>, spec: &'static CommandSpec, args: Args<'_>) {
    let limit = ctx.server.settings.hot.client_query_buffer_limit.load(Ordering::Relaxed);
    let client_id = ctx.client.id;
    let Some(queue) = ctx.client.transaction.queue.as_mut() else { return };
    let bytes: u64 = args.iter().map(|a| a.len() as u64).sum();
    queue.bytes = queue.bytes.saturating_add(bytes);
    if queue.bytes > limit {
        // Queued commands are buffered input: over the query buffer limit the connection
        // closes, as it does for an oversized query buffer.
        tracing::warn!(
            "closing client id={client_id}: its transaction queued {} bytes, over \
             client-query-buffer-limit ({limit})",
            queue.bytes
        );
        ctx.client.action = Some(Action::Close);
        return;
    }
    let mut base = Vec::with_capacity(usize::try_from(bytes).unwrap_or(0));
    let mut spans = Vec::with_capacity(args.len());
    for argument in args.iter() {
        spans.push((base.len(), argument.len()));
        base.extend_from_slice(argument);
    }
    queue.has_writes |= spec.is_write();
    queue.has_paused_by_write |= spec.is_write() || spec.has(MAY_REPLICATE);
    queue.has_denyoom |= spec.has(super::table::flags::DENYOOM);
    queue.commands.push(Queued { spec, base, spans });
    let queued = queue.commands.len();
    publish_multi(ctx, i64::try_from(queued).unwrap_or(i64::MAX));
    ctx.reply.simple("QUEUED");
}

/// A command rejected before it ran (unknown, arity, NOAUTH, MISCONF, ...) inside MULTI marks
/// the transaction failed; a rejected EXEC discards it, naming the reason (Redis's
/// `execCommandAbort`, even outside MULTI). Returns the error to reply.
pub fn rejected(
    ctx: &mut Context<'_>,
    spec: Option<&CommandSpec>,
    error: CommandError,
) -> CommandError {
    if spec.is_some_and(|s| s.name == "exec") {
        discard_state(ctx);
        let text = error.to_string();
        // Errors Redis formats itself lose their ERR code; shared ones (MISCONF, ...) keep it.
        let reason = text.strip_prefix("ERR ").unwrap_or(&text);
        return CommandError::Text(format!("EXECABORT Transaction discarded because of: {reason}"));
    }
    if let Some(queue) = ctx.client.transaction.queue.as_mut() {
        queue.failed = true;
    }
    error
}

/// Whether EXEC must be refused as a write (MISCONF): its transaction holds a write.
pub fn exec_writes(ctx: &Context<'_>, spec: &CommandSpec) -> bool {
    spec.name == "exec" && ctx.client.transaction.queue.as_ref().is_some_and(|q| q.has_writes)
}

/// Whether `spec` is EXEC of a transaction holding a write or a command that may replicate
/// (PUBLISH): CLIENT PAUSE WRITE holds such an EXEC, as Redis does.
pub fn exec_paused_by_write(ctx: &Context<'_>, spec: &CommandSpec) -> bool {
    spec.name == "exec"
        && ctx.client.transaction.queue.as_ref().is_some_and(|q| q.has_paused_by_write)
}

/// Whether EXEC must be refused as `denyoom` (OOM): its transaction holds such a command.
pub fn exec_denyoom(ctx: &Context<'_>, spec: &CommandSpec) -> bool {
    spec.name == "exec" && ctx.client.transaction.queue.as_ref().is_some_and(|q| q.has_denyoom)
}

/// Ends MULTI and forgets watched keys (DISCARD, a failed EXEC, RESET).
pub fn discard_state(ctx: &mut Context<'_>) {
    if ctx.client.transaction.queue.take().is_some() {
        publish_multi(ctx, -1);
    }
    unwatch_all(ctx);
}

/// Forgets the client's watched keys and clears its dirty mark.
fn unwatch_all(ctx: &mut Context<'_>) {
    let state = &mut ctx.client.transaction;
    if state.watching {
        ctx.server.watches.unwatch_all(ctx.client.id);
        state.watching = false;
    }
    state.watch_dirty.store(false, Ordering::SeqCst);
}

/// CLIENT LIST's `multi=` field (-1 outside MULTI) and `x` flag.
fn publish_multi(ctx: &Context<'_>, queued: i64) {
    ctx.client.handle.info.lock().multi = queued;
}

/// MULTI
pub fn multi(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    if ctx.client.transaction.is_queueing() {
        return Err(CommandError::Static("ERR MULTI calls can not be nested"));
    }
    ctx.client.transaction.queue = Some(Queue::default());
    publish_multi(ctx, 0);
    ctx.reply.ok();
    Ok(())
}

/// DISCARD
pub fn discard(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    if !ctx.client.transaction.is_queueing() {
        return Err(CommandError::Static("ERR DISCARD without MULTI"));
    }
    discard_state(ctx);
    ctx.reply.ok();
    Ok(())
}

/// WATCH key [key ...]
pub fn watch(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    if ctx.client.transaction.is_queueing() {
        return Err(CommandError::Static("ERR WATCH inside MULTI is not allowed"));
    }
    let server = ctx.server;
    let db = server.db(ctx.client.db);
    let db_index = ctx.db_index();
    for key in args.iter().skip(1) {
        let hash = hash_key(key);
        // Stored but past its deadline: Redis 7.2 ignores its later removal by expiry.
        let deadline = db.lock(hash).stored_deadline(hash, key);
        let expired = deadline.is_some_and(|d| d != 0 && d <= ctx.now_ms);
        let dirty = &ctx.client.transaction.watch_dirty;
        server.watches.watch(ctx.client.id, dirty, db_index, key, expired);
    }
    ctx.client.transaction.watching = true;
    ctx.reply.ok();
    Ok(())
}

/// UNWATCH
pub fn unwatch(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    unwatch_all(ctx);
    ctx.reply.ok();
    Ok(())
}

/// Whether a watched key changed, or (Redis 7.2) is now past its deadline though it was not
/// at WATCH time.
fn watched_key_changed(ctx: &Context<'_>) -> bool {
    let state = &ctx.client.transaction;
    if !state.watching {
        return false;
    }
    if state.watch_dirty.load(Ordering::SeqCst) {
        return true;
    }
    ctx.server.watches.keys_of(ctx.client.id).into_iter().any(|(db, key, expired_at_watch)| {
        let hash = hash_key(&key);
        let db = ctx.server.db(usize::try_from(db).unwrap_or(usize::MAX));
        let deadline = db.lock(hash).stored_deadline(hash, &key);
        !expired_at_watch && deadline.is_some_and(|d| d != 0 && d <= ctx.now_ms)
    })
}

/// EXEC. Runs with the keyspace gate held exclusively (the `EXCLUSIVE` flag): the queued
/// commands run inside that one section, without taking the gate again.
pub fn exec(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    if !ctx.client.transaction.is_queueing() {
        return Err(CommandError::Static("ERR EXEC without MULTI"));
    }
    // CLIENT INFO inside the transaction shows `cmd=exec`, as in Redis.
    ctx.client.last_command = "exec";
    let changed = watched_key_changed(ctx);
    unwatch_all(ctx);
    let Some(queue) = ctx.client.transaction.queue.take() else { return Ok(()) };
    if queue.failed {
        publish_multi(ctx, -1);
        return Err(CommandError::Static(
            "EXECABORT Transaction discarded because of previous errors.",
        ));
    }
    if changed {
        publish_multi(ctx, -1);
        ctx.reply.null_array();
        return Ok(());
    }
    ctx.reply.array(queue.commands.len());
    ctx.client.transaction.exec = Some(ExecBuffer::default());
    let deferring = DeferDeletes::start();
    let mut sleep = Duration::ZERO;
    let mut pending: Option<Action> = None;
    for command in &queue.commands {
        let args = Args::new(&command.base, &command.spans);
        super::run_queued(ctx, command.spec, args);
        if let Some(buffer) = &mut ctx.client.transaction.exec {
            buffer.buffer_deferred_deletes();
        }
        match ctx.client.action.take() {
            None => {}
            Some(Action::Sleep(duration)) => sleep = sleep.saturating_add(duration),
            Some(Action::WaitAcks { acks, .. }) => reply_wait_now(ctx, acks),
            Some(other) => pending = Some(other),
        }
    }
    let buffer = ctx.client.transaction.exec.take().unwrap_or_default();
    drop(deferring);
    journal_transaction(ctx, &buffer.batches);
    serve_ready(ctx, &buffer.ready);
    publish_multi(ctx, -1);
    if !sleep.is_zero() {
        ctx.client.action = Some(Action::Sleep(sleep));
    }
    if pending.is_some() {
        ctx.client.action = pending;
    }
    Ok(())
}

/// WAIT and WAITAOF inside EXEC cannot wait (no command may block there): they reply at
/// once with what is acknowledged now.
fn reply_wait_now(ctx: &mut Context<'_>, acks: Acks) {
    let mark = ctx.client.journal_mark;
    let synced = matches!(acks, Acks::Aof { local: true, .. })
        && ctx.server.journal().is_some_and(|j| j.is_synced(mark));
    acks.write_reply(ctx.reply, ctx.server, mark, synced);
}

/// Appends the transaction's effects as one record (its replies wait for it, and WAITAOF
/// waits for it). Only a transaction whose effects outgrow one record's limit is split; that
/// is logged, since replay then no longer applies it all or nothing.
fn journal_transaction(ctx: &mut Context<'_>, batches: &[EffectBatch]) {
    let Some(journal) = ctx.server.journal() else { return };
    let batches: Vec<&EffectBatch> = batches.iter().filter(|b| !b.is_empty()).collect();
    if batches.len() > 1 {
        tracing::warn!(
            "client id={}: a transaction's effects outgrew one journal record ({} bytes); \
             journaled as {} records, so a crash between them keeps only the first part",
            ctx.client.id,
            RECORD_PAYLOAD_BYTES_MAX,
            batches.len()
        );
    }
    for batch in batches {
        ctx.client.journal_mark = journal.append_batch(batch);
    }
}

/// Serves the clients blocked on keys the transaction filled, as a push outside MULTI would
/// have at once (Redis serves them after EXEC, too). Each service is its own record, after
/// the transaction's.
fn serve_ready(ctx: &mut Context<'_>, ready: &[(usize, Vec<u8>)]) {
    if ready.is_empty() {
        return;
    }
    let selected = ctx.client.db;
    for (db, key) in ready {
        ctx.client.db = *db;
        super::lists::serve_ready(ctx, key);
        super::sortedsets::serve_ready(ctx, key);
    }
    ctx.client.db = selected;
}
