//! One client connection: read, parse every complete request, execute, and answer the whole
//! batch with one socket write. Protocol errors are answered, then the connection closes.
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::blocking::{BlockedOp, Outcome, Waiter};
use super::clients::{ClientHandle, ClientState};
use super::stats::Traffic;
use super::Server;
use crate::clock::{unix_ms_now, Tick};
use crate::commands::{self, Acks, Action, Context};
use crate::limits;
use crate::protocol::parser::Parsed;
use crate::protocol::{ParseLimits, Parser, ReplyWriter};

/// Why the batch loop stopped reading.
enum Next {
    Continue,
    Close,
    /// PSYNC: serve a replica on this connection from now on.
    Replicate(Box<super::replication::PsyncRequest>),
}

pub async fn serve(
    server: &Server,
    mut stream: TcpStream,
    handle: Arc<ClientHandle>,
    slot: super::ClientSlot,
    departure: super::Departure,
) {
    let _ = stream.set_nodelay(true);
    let mut state = ClientState::new(handle.clone(), !server.requires_auth());
    let mut reply = ReplyWriter::new(state.protocol);
    let mut parser = Parser::new();
    let mut input = BytesMut::with_capacity(limits::READ_CHUNK_BYTES);
    let mut wanted = 0usize;
    loop {
        reserve_for_read(&mut input, wanted);
        let spare = input.capacity() - input.len();
        // Queued pub/sub messages and MONITOR lines wake the loop too; they go out between
        // batches, never inside another reply.
        // Invalidations (CLIENT TRACKING) may come to any client while someone tracks.
        let listening = state.monitor
            || state.is_subscribed()
            || handle.mailbox.pending_bytes() > 0
            || server.tracking.is_active();
        let read = tokio::select! {
            read = stream.read_buf(&mut input) => read,
            _ = handle.kill_notify.notified() => break,
            () = handle.mailbox.notify.notified(), if listening => {
                if write_messages(server, &state, &mut reply, &mut stream).await.is_err() {
                    break;
                }
                continue;
            }
        };
        let filled = match read {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                server.stats.add_traffic(Traffic::NetInputBytes, n as u64);
                server.stats.add_traffic(Traffic::ReadsProcessed, 1);
                n >= spare
            }
        };
        if handle.is_killed() {
            break;
        }
        let (next, needed) =
            process_batch(server, &mut state, &mut reply, &mut parser, &mut input, &mut stream)
                .await;
        wanted = needed;
        // Killed after the batch's last check: its replies are not sent (one that killed
        // itself, Next::Close, still sends its reply).
        let killed = |next: &Next| handle.is_killed() && !matches!(next, Next::Close);
        if killed(&next) {
            break;
        }
        send_after_sync(server, &state, &mut reply, &stream).await;
        if !wait_for_journal(server, &state).await {
            tracing::warn!(
                "closing client id={} without replying: its writes could not be journaled",
                handle.id
            );
            break;
        }
        if killed(&next) || flush(server, &mut stream, &mut reply, &handle).await.is_err() {
            break;
        }
        match next {
            Next::Continue if !handle.is_killed() => {}
            Next::Replicate(request) if !handle.is_killed() => {
                super::replication::serve_replica(
                    server,
                    &mut stream,
                    &mut input,
                    &handle,
                    *request,
                )
                .await;
                break;
            }
            _ => break,
        }
        let limit = server.settings.hot.client_query_buffer_limit.load(Relaxed);
        if input.len() as u64 > limit {
            tracing::warn!(
                "closing client id={} addr={}: query buffer of {} bytes is over \
                 client-query-buffer-limit ({limit})",
                handle.id,
                super::clients::format_addr(&handle.addr),
                input.len()
            );
            break;
        }
        if input.is_empty() && input.capacity() > limits::BIG_ARGUMENT_BYTES * 32 {
            input = BytesMut::with_capacity(limits::READ_CHUNK_BYTES);
        }
        publish(&handle, &state, &input);
        if filled {
            // The read filled the buffer, so more input is probably waiting: one buffer per
            // turn, as Redis reads once per client per pass of its event loop, keeps a long
            // pipeline from holding the thread (tokio would let it run 128 reads in a row).
            tokio::task::yield_now().await;
        }
    }
    server.pubsub.remove_all(&mut state.subscriptions, &handle);
    // A client still waiting out a CLIENT PAUSE leaves the queue (its ticket's drop).
    state.pause_ticket = None;
    // Out of the registry (and MONITOR, WATCH, tracking) before the socket closes and the
    // maxclients slot is given back, so CLIENT LIST and INFO never count more than the slots.
    drop(departure);
    super::sockets::close_elsewhere(super::sockets::Leftovers { stream, slot });
}

/// Writes queued pub/sub frames, one output chunk at a time: with more queued, the mailbox
/// wakes the loop again, so the client's own commands are read in between.
async fn write_messages(
    server: &Server,
    state: &ClientState,
    reply: &mut ReplyWriter,
    stream: &mut TcpStream,
) -> std::io::Result<()> {
    let mailbox = &state.handle.mailbox;
    let more = mailbox.take_into(&mut reply.out, state.protocol, limits::OUTPUT_FLUSH_BYTES);
    if more {
        mailbox.notify.notify_one();
    }
    flush(server, stream, reply, &state.handle).await
}

/// Grows the read buffer: at least one read chunk, and toward a pending frame's size by
/// doubling what is already buffered, so memory follows the bytes actually received.
fn reserve_for_read(input: &mut BytesMut, wanted: usize) {
    let spare = input.capacity() - input.len();
    let mut want = limits::READ_CHUNK_BYTES;
    if wanted > input.len() + limits::BIG_ARGUMENT_BYTES {
        want = want.max((wanted - input.len()).min(input.len().max(limits::BIG_ARGUMENT_BYTES)));
    }
    // A normal read needs half a chunk of room, not a whole one: a fresh buffer holding a
    // partial frame would otherwise be reallocated (and copied) before its next read.
    let needed = if want > limits::READ_CHUNK_BYTES { want } else { want / 2 };
    if spare < needed {
        input.reserve(want);
    }
}

/// What the parser allows this client now (`proto-max-bulk-len`, and less before AUTH).
pub(super) fn parse_limits(server: &Server, state: &ClientState) -> ParseLimits {
    ParseLimits {
        bulk_bytes_max: server.settings.hot.proto_max_bulk_len.load(Relaxed),
        authenticated: state.authenticated,
    }
}

/// Readies `reply` for the client's next command: its protocol, CLIENT REPLY mode and hard
/// output limit. Per command, not per batch: HELLO, CLIENT REPLY and SUBSCRIBE (the pubsub
/// class) change them mid-batch.
pub(super) fn prepare_reply(server: &Server, state: &ClientState, reply: &mut ReplyWriter) {
    reply.protocol = state.protocol;
    reply.muted = state.is_muted();
    let limit = server.settings.hot.limit_of(&state.handle.mailbox);
    reply.set_output_limit(limit.hard_reply_bytes());
}

/// Executes every complete request in `input`; returns whether to go on, and the size of the
/// incomplete frame at the front (0 if unknown).
async fn process_batch(
    server: &Server,
    state: &mut ClientState,
    reply: &mut ReplyWriter,
    parser: &mut Parser,
    input: &mut BytesMut,
    stream: &mut TcpStream,
) -> (Next, usize) {
    let mut consumed = 0usize;
    let mut now_ms = unix_ms_now();
    state.clock = Tick::now();
    let mut needed = 0usize;
    let mut next = Next::Continue;
    let mut commands_this_turn = 0usize;
    if state.authenticated {
        super::warm::warm_batch(server, state.db, input);
    }
    loop {
        // A client killed meanwhile (CLIENT KILL, also from another serving thread while this
        // batch runs; `timeout`) runs nothing more and is sent nothing more: Redis frees it,
        // output buffer and all, at once. (One killing itself closes through Action::Close
        // below, after its reply.) Checked again before a forced write.
        if state.handle.is_killed() {
            reply.out.clear();
            next = Next::Close;
            break;
        }
        let limits = parse_limits(server, state);
        let rest = input.get(consumed..).unwrap_or(&[]);
        match parser.parse(rest, limits) {
            Ok(Parsed::Command { consumed: used }) => {
                let args = parser.args(rest);
                prepare_reply(server, state, reply);
                let mut ctx = Context { server, client: state, reply, now_ms };
                commands::execute(&mut ctx, args);
                // A postponed command stays in the buffer and is parsed again once it may run.
                if !matches!(state.action, Some(Action::Postpone { .. })) {
                    consumed += used;
                    // The command CLIENT PAUSE held has run: the next waiting client may go.
                    state.pause_ticket = None;
                }
                commands_this_turn += 1;
            }
            Ok(Parsed::Nothing { consumed: used }) => consumed += used,
            Ok(Parsed::Incomplete { needed: n }) => {
                needed = n;
                break;
            }
            Err(error) => {
                let address = super::clients::format_addr(&state.handle.addr);
                tracing::debug!(
                    "protocol error from client id={} addr={address}: {error}",
                    state.id
                );
                server.stats.record_error("ERR");
                reply.muted = false;
                reply.error(&error.to_string());
                next = Next::Close;
                break;
            }
        }
        let action = state.action.take();
        // Any action may have waited (a block, a sleep, WAITAOF, SAVE): commands after it in
        // the batch judge expiry and set deadlines from when they run.
        let waited = action.is_some();
        if action.is_some() {
            // The connection may wait now: BCAST invalidations of the batch so far go first.
            broadcast_invalidations(server, state);
        }
        match action {
            None => {}
            Some(Action::Close) => {
                next = Next::Close;
                break;
            }
            Some(Action::Replicate(request)) => {
                next = Next::Replicate(request);
                break;
            }
            Some(Action::CloseSilently) => {
                reply.out.clear();
                next = Next::Close;
                break;
            }
            Some(Action::Sleep(duration)) => {
                // Killed meanwhile: the check at the loop's top closes without the reply.
                let Some(()) = wait_in_command(state, tokio::time::sleep(duration)).await else {
                    continue;
                };
            }
            Some(Action::WaitAcks { acks, timeout }) => {
                let stays_open =
                    wait_acks(server, state, reply, (acks, timeout), input, stream).await;
                if !stays_open {
                    next = Next::Close;
                    break;
                }
            }
            Some(Action::Save { ticket }) => {
                let Some(result) = wait_in_command(state, server.compaction.wait(ticket)).await
                else {
                    continue; // killed: as for DEBUG SLEEP
                };
                if !state.is_muted() {
                    match result {
                        Ok(()) => reply.ok(),
                        // Redis's bare ERR (shared.err): the reason is in the log.
                        Err(_) => reply.error("ERR"),
                    }
                }
            }
            Some(Action::Shutdown(save)) => {
                *server.shutdown_save.lock() = save;
                server.shutdown.notify_one();
                next = Next::Close;
                break;
            }
            Some(Action::Postpone { is_write }) => {
                let admitted = wait_paused(server, state, reply, input, stream, is_write).await;
                if !admitted {
                    next = Next::Close;
                    break;
                }
                // The held command runs now: deadlines (SET ... EX) count from now.
                now_ms = unix_ms_now();
            }
            Some(Action::Block { waiter, timeout }) => {
                let stays_open =
                    wait_blocked(server, state, reply, input, stream, &waiter, timeout).await;
                if !stays_open {
                    next = Next::Close;
                    break;
                }
            }
        }
        if reply.is_over_limit() {
            // Closed at once, as Redis stops running commands of a client flagged close-ASAP:
            // its replies (a count-driven one cut short among them) never reach the socket,
            // and nothing after this command runs.
            close_over_limit(&state.handle, reply);
            next = Next::Close;
            break;
        }
        let forced_write = reply.out.len() >= limits::OUTPUT_FLUSH_BYTES;
        if forced_write {
            if state.handle.is_killed() {
                reply.out.clear();
                next = Next::Close;
                break;
            }
            if !wait_for_journal(server, state).await {
                reply.out.clear();
                next = Next::Close;
                break;
            }
            if flush(server, stream, reply, &state.handle).await.is_err() {
                next = Next::Close;
                break;
            }
        }
        // Other connections get their turn after each forced write (a pipeline of large
        // replies must not hold the thread for as long as the socket takes them, as Redis
        // writes at most NET_MAX_WRITES_PER_EVENT per client per pass of its event loop), and
        // after COMMANDS_PER_TURN commands (16 KiB of PINGs is 2,730: milliseconds of work in
        // a debug build).
        let turn_over = forced_write || commands_this_turn >= limits::COMMANDS_PER_TURN;
        if turn_over {
            tokio::task::yield_now().await;
            commands_this_turn = 0;
            state.clock = Tick::now();
        }
        if waited || turn_over {
            // Commands after a wait or a yield judge expiry and set deadlines from when they
            // run.
            now_ms = unix_ms_now();
        }
    }
    input.advance(consumed.min(input.len()));
    broadcast_invalidations(server, state);
    (next, needed)
}

/// Sends the BCAST invalidations for keys this client's batch changed: once per batch, as
/// Redis sends them before it sleeps, so a pipeline's keys under one prefix share a message.
fn broadcast_invalidations(server: &Server, state: &mut ClientState) {
    if state.tracking_broadcast {
        state.tracking_broadcast = false;
        super::tracking::broadcast(server);
    }
}

/// Waits for `until` as a blocked client (flag `b`, exempt from `timeout`), buffering input
/// that arrives meanwhile. Returns false, without waiting further, when the connection must
/// close instead: it disconnected, was killed, or went over its query buffer limit.
async fn wait_buffering(
    server: &Server,
    state: &ClientState,
    input: &mut BytesMut,
    stream: &mut TcpStream,
    until: impl std::future::Future<Output = ()>,
) -> bool {
    tokio::pin!(until);
    set_blocked(state, true);
    let limit = server.settings.hot.client_query_buffer_limit.load(Relaxed);
    let go = loop {
        tokio::select! {
            () = &mut until => break true,
            read = stream.read_buf(input) => match read {
                Ok(n) if n > 0 && input.len() as u64 <= limit => {
                    server.stats.add_traffic(Traffic::NetInputBytes, n as u64);
                    server.stats.add_traffic(Traffic::ReadsProcessed, 1);
                }
                _ => break false,
            },
            () = state.handle.kill_notify.notified() => break false,
        }
    };
    set_blocked(state, false);
    go
}

/// Replies to WAIT (the count of replicas, 0) or WAITAOF (`[local fsynced 0|1, replicas
/// 0]`) after waiting as asked. The client counts as blocked meanwhile, as in Redis: flag
/// `b`, exempt from `timeout`, in INFO's `blocked_clients`, ended by CLIENT UNBLOCK (TIMEOUT
/// replies as a timeout would, ERROR with `-UNBLOCKED`); input arriving is buffered. Returns
/// false when the connection must close instead (it disconnected, was killed, or went over
/// its query buffer limit): a wait for replicas without a timeout never ends by itself.
async fn wait_acks(
    server: &Server,
    state: &mut ClientState,
    reply: &mut ReplyWriter,
    wait: (Acks, Option<std::time::Duration>),
    input: &mut BytesMut,
    stream: &mut TcpStream,
) -> bool {
    let (acks, timeout) = wait;
    let mark = state.journal_mark;
    let synced = |server: &Server| server.journal().is_some_and(|j| j.is_synced(mark));
    let sent = wait_for_journal(server, state).await
        && flush(server, stream, reply, &state.handle).await.is_ok();
    if !sent || state.handle.is_killed() {
        reply.out.clear();
        return false;
    }
    let blocking = &server.blocking;
    let waiter = Waiter::new(
        state.id,
        state.handle.killed.clone(),
        state.db,
        Vec::new(),
        BlockedOp::Acknowledgements,
    );
    let waiter = Arc::new(waiter.with_timeout(timeout.is_some()));
    // Shown blocked (CLIENT LIST) before counted (INFO's blocked_clients).
    set_blocked(state, true);
    if !blocking.register(waiter.clone()) {
        // Killed by another client meanwhile: no reply, the connection closes.
        set_blocked(state, false);
        reply.out.clear();
        return false;
    }
    let journal = server.journal();
    // WAITAOF numlocal 1 waits for the local sync first; then the replicas' acknowledgements
    // are counted each time one arrives (a wait for more replicas than there are ends only by
    // its timeout or CLIENT UNBLOCK).
    let done = async {
        if let (Some(journal), Acks::Aof { local: true, .. }) = (journal, acks) {
            journal.wait_synced(mark).await;
        }
        loop {
            let acked = server.replication.acked.notified();
            tokio::pin!(acked);
            acked.as_mut().enable();
            if acks.replicas(server, mark) >= acks.needed() {
                break;
            }
            acked.await;
        }
    };
    let acknowledged = async {
        match timeout {
            Some(limit) => {
                let _ = tokio::time::timeout(limit, done).await;
            }
            None => done.await,
        }
    };
    let mut unblocked: Option<Outcome> = None;
    let until = async {
        tokio::select! {
            () = acknowledged => {}
            outcome = waiter.outcome() => unblocked = Some(outcome),
        }
    };
    let stays_open = wait_buffering(server, state, input, stream, until).await;
    if unblocked.is_none() && !blocking.cancel(&waiter) {
        // CLIENT UNBLOCK took the waiter out just now: its outcome is on its way.
        unblocked = Some(waiter.outcome().await);
    }
    // Killed while waiting (`Server::kill_client`): no reply, the connection closes.
    if !stays_open || unblocked == Some(Outcome::Killed) {
        return false;
    }
    state.clock = Tick::now();
    if let Some(Outcome::Error(text)) = &unblocked {
        server.stats.record_error(text.split(' ').next().unwrap_or("ERR"));
        server.stats.command_failed(state.last_command);
        if !state.is_muted() {
            reply.error(text);
        }
    } else if !state.is_muted() {
        acks.write_reply(reply, server, mark, synced(server));
    }
    true
}

/// Waits while blocked on keys, then writes the blocked command's reply. Replies before
/// it go out first, as Redis sends them before blocking. Input arriving meanwhile is buffered
/// (commands after a blocking one run once it is served); a disconnect leaves the queue before
/// anything is served to this client. Returns false when the connection must close.
async fn wait_blocked(
    server: &Server,
    state: &mut ClientState,
    reply: &mut ReplyWriter,
    input: &mut BytesMut,
    stream: &mut TcpStream,
    waiter: &Arc<Waiter>,
    timeout: Option<std::time::Duration>,
) -> bool {
    let blocking = &server.blocking;
    // The command registered the waiter (INFO's blocked_clients counts it): CLIENT LIST
    // shows it blocked from now on too, not only once the replies before it went out.
    set_blocked(state, true);
    let sent = wait_for_journal(server, state).await
        && flush(server, stream, reply, &state.handle).await.is_ok();
    if !sent {
        reply.out.clear();
        blocking.cancel(waiter);
        return false;
    }
    let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
    let expiry = async {
        match deadline {
            Some(deadline) => tokio::time::sleep_until(deadline).await,
            None => std::future::pending::<()>().await,
        }
    };
    tokio::pin!(expiry);
    let limit = server.settings.hot.client_query_buffer_limit.load(Relaxed);
    // None: close. A client taken out of the queue by someone else gets its outcome at once.
    let outcome = loop {
        tokio::select! {
            // Killed while blocked (`Server::kill_client`): no reply, the connection closes.
            outcome = waiter.outcome() => break (outcome != Outcome::Killed).then_some(outcome),
            () = &mut expiry => {
                let outcome =
                    if blocking.cancel(waiter) { Outcome::TimedOut } else { waiter.outcome().await };
                break (outcome != Outcome::Killed).then_some(outcome);
            }
            read = stream.read_buf(input) => match read {
                Ok(n) if n > 0 && input.len() as u64 <= limit => {
                    server.stats.add_traffic(Traffic::NetInputBytes, n as u64);
                    server.stats.add_traffic(Traffic::ReadsProcessed, 1);
                }
                _ => {
                    if !blocking.cancel(waiter) {
                        let _ = waiter.outcome().await;
                    }
                    break None;
                }
            },
            () = state.handle.kill_notify.notified() => {
                if !blocking.cancel(waiter) {
                    let _ = waiter.outcome().await;
                }
                break None;
            }
        }
    };
    set_blocked(state, false);
    state.clock = Tick::now();
    let Some(outcome) = outcome else { return false };
    if let Outcome::Served { journal_mark, .. } = &outcome {
        state.journal_mark = state.journal_mark.later(*journal_mark);
    }
    if let Outcome::Error(text) = &outcome {
        server.stats.record_error(text.split(' ').next().unwrap_or("ERR"));
        server.stats.command_failed(state.last_command);
    }
    if !reply.muted {
        outcome.write(reply);
    }
    true
}

/// Waits while CLIENT PAUSE holds this client's next command: replies before it go out first,
/// input arriving meanwhile is buffered, and the client's turn comes in arrival order once
/// the pause lets its command through. Holds no lock while waiting. Returns false when the
/// connection must close (disconnected, killed, or over its query buffer limit).
async fn wait_paused(
    server: &Server,
    state: &mut ClientState,
    reply: &mut ReplyWriter,
    input: &mut BytesMut,
    stream: &mut TcpStream,
    is_write: bool,
) -> bool {
    let sent = wait_for_journal(server, state).await
        && flush(server, stream, reply, &state.handle).await.is_ok();
    if !sent {
        reply.out.clear();
        return false;
    }
    // Shown blocked (CLIENT LIST) before counted (INFO's blocked_clients).
    set_blocked(state, true);
    let ticket = server.pause.enqueue(is_write);
    let go = wait_buffering(server, state, input, stream, ticket.admitted()).await;
    state.clock = Tick::now();
    if go {
        state.pause_ticket = Some(ticket);
    }
    go
}

/// Waits for `until` inside a command that Redis runs with the whole server stopped (DEBUG
/// SLEEP, SAVE). None when the client was killed meanwhile (CLIENT KILL, the idle `timeout`):
/// it closes at once, without the reply (`process_batch`'s check of the kill flag). (In Redis a kill can only run after the command,
/// whose reply then goes out first; the idle check, also after it, closes the client before
/// its reply is written.)
async fn wait_in_command<T>(
    state: &mut ClientState,
    until: impl std::future::Future<Output = T>,
) -> Option<T> {
    // Idle since the command came, as Redis counts from its read, not since the replies
    // before it: a client that sat idle, then sent a sleep shorter than `timeout`, stays.
    state.handle.info.lock().last_interaction = Instant::now();
    let result = tokio::select! {
        value = until => Some(value),
        () = state.handle.kill_notify.notified() => None,
    };
    state.clock = Tick::now();
    result
}

/// Publishes the blocked state (CLIENT LIST `flags=b`, `cmd=` the blocking command).
fn set_blocked(state: &ClientState, blocked: bool) {
    let mut info = state.handle.info.lock();
    info.blocked = blocked;
    if !blocked {
        // A client just unblocked is not idle, however long it waited (`timeout`).
        info.last_interaction = Instant::now();
    }
    if !state.last_command.is_empty() {
        info.last_command = state.last_command;
    }
}

/// Holds the batch's replies until its writes are as durable as the journal mode promises.
/// Returns false when they never will be (the journal failed): the caller then drops the
/// replies and closes the connection, so nothing unpersisted is acknowledged.
async fn wait_for_journal(server: &Server, state: &ClientState) -> bool {
    let Some(journal) = server.journal() else { return true };
    if state.journal_mark.seq == 0 || journal.is_durable(state.journal_mark) {
        return true;
    }
    journal.wait_durable(state.journal_mark).await;
    journal.is_durable(state.journal_mark)
}

/// In `always` mode, hands the batch's replies to the journal when they wait for a sync: the
/// thread that runs it sends them the moment it returns (`Journal::hand_over`). Returns once
/// they were sent or given back, with what the socket did not take (or all of them) left in
/// `reply` for `wait_for_journal` and `flush`, which then go on as for any batch. Replies
/// over `WRITE_PER_TURN_BYTES` or the client's hard output limit (its class's:
/// `pubsub` while subscribed, `normal` otherwise) stay with the connection.
async fn send_after_sync(
    server: &Server,
    state: &ClientState,
    reply: &mut ReplyWriter,
    stream: &TcpStream,
) {
    let Some(journal) = server.journal() else { return };
    let bytes = reply.out.len();
    if state.journal_mark.seq == 0
        || journal.mode() != crate::journal::FsyncMode::Always
        || bytes == 0
        || bytes > limits::WRITE_PER_TURN_BYTES
        || server.settings.hot.limit_of(&state.handle.mailbox).is_over_hard(bytes)
    {
        return;
    }
    let descriptors_max =
        super::sockets::outbox_descriptors_max(server.settings.hot.maxclients.load(Relaxed));
    let out = std::mem::take(&mut reply.out);
    let delivery = match journal.hand_over(
        stream,
        &state.handle.killed,
        state.journal_mark,
        out,
        descriptors_max,
    ) {
        Ok(delivery) => delivery,
        Err(out) => {
            reply.out = out;
            return;
        }
    };
    journal.wait_delivered(&delivery).await;
    let (mut out, sent) = delivery.take_back();
    if sent > 0 {
        server.stats.add_traffic(Traffic::NetOutputBytes, sent as u64);
        out.drain(..sent.min(out.len()));
        // A remainder is `flush`'s to send, and to count as a write.
        if out.is_empty() {
            server.stats.add_traffic(Traffic::WritesProcessed, 1);
        }
    }
    reply.out = out;
}

/// Writes the output buffer. A client killed while the write waits for the socket (CLIENT
/// KILL, or over its output buffer limit while it does not read) stops it: the connection
/// then closes. A write that can go at once still does (CLIENT KILL ... SKIPME no replies).
async fn flush(
    server: &Server,
    stream: &mut TcpStream,
    reply: &mut ReplyWriter,
    handle: &ClientHandle,
) -> std::io::Result<()> {
    if reply.out.is_empty() {
        return Ok(());
    }
    // Replies count against the client's class of client-output-buffer-limit: `pubsub` while
    // subscribed, `normal` otherwise (0 0 0, unbounded, by default). Three loads per write.
    let limit = server.settings.hot.limit_of(&handle.mailbox);
    if limit.is_over_hard(reply.out.len()) {
        return Err(close_over_limit(handle, reply));
    }
    let pending = reply.out.len().saturating_sub(limits::OUTPUT_LIMIT_FREE_BYTES) as u64;
    // Over the soft limit, the write must finish within its seconds.
    let soft_deadline = (limit.soft_bytes > 0 && pending >= limit.soft_bytes)
        .then(|| Duration::from_secs(limit.soft_seconds.max(1)));
    let over_soft = async {
        match soft_deadline {
            Some(limit) => tokio::time::sleep(limit).await,
            None => std::future::pending::<()>().await,
        }
    };
    let result = tokio::select! {
        biased;
        result = write_in_turns(stream, &reply.out) => result,
        () = handle.kill_notify.notified() => {
            // Keep the kill visible to the loop, which checks the flag.
            handle.killed.store(true, Relaxed);
            Err(std::io::ErrorKind::ConnectionAborted.into())
        }
        () = over_soft => Err(close_over_limit(handle, reply)),
    };
    server.stats.add_traffic(Traffic::NetOutputBytes, reply.out.len() as u64);
    server.stats.add_traffic(Traffic::WritesProcessed, 1);
    reply.out.clear();
    if reply.out.capacity() > limits::OUTPUT_FLUSH_BYTES * 16 {
        reply.out.shrink_to(limits::OUTPUT_FLUSH_BYTES);
    }
    result
}

/// Writes `out` at most `WRITE_PER_TURN_BYTES` at a time, letting the other connections run
/// in between: a socket that takes megabytes at once (loopback, a fast reader) would
/// otherwise hold the thread for as long as the kernel copies them, as Redis avoids with
/// NET_MAX_WRITES_PER_EVENT.
async fn write_in_turns(stream: &mut TcpStream, out: &[u8]) -> std::io::Result<()> {
    let mut pieces = out.chunks(limits::WRITE_PER_TURN_BYTES).peekable();
    while let Some(piece) = pieces.next() {
        stream.write_all(piece).await?;
        if pieces.peek().is_some() {
            tokio::task::yield_now().await;
        }
    }
    Ok(())
}

/// Closes a client whose pending replies are over its output buffer limit, logged as Redis
/// logs it: discards them and marks the client killed. Returns the error that ends the
/// connection. (LocalClient closes its session the same way.)
pub(super) fn close_over_limit(handle: &ClientHandle, reply: &mut ReplyWriter) -> std::io::Error {
    tracing::warn!(
        "Client {} scheduled to be closed ASAP for overcoming of output buffer limits.",
        handle.list_line_with_output(reply.out.len(), 1)
    );
    reply.out.clear();
    handle.killed.store(true, Relaxed);
    std::io::ErrorKind::ConnectionAborted.into()
}

fn publish(handle: &ClientHandle, state: &ClientState, input: &BytesMut) {
    let mut info = handle.info.lock();
    info.db = state.db;
    info.protocol = state.protocol;
    if !state.last_command.is_empty() {
        info.last_command = state.last_command;
    }
    // After the batch's replies were written: a client reading a long reply is not idle.
    info.last_interaction = Instant::now();
    info.query_buffer_bytes = input.len();
    info.query_buffer_free_bytes = input.capacity() - input.len();
}
