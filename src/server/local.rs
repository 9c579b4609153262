//! An in-process client: requests run against a `Server` with no socket and no journal, through
//! the same parser and `commands::execute` a connection uses. The fuzz targets (fuzz/) and
//! their regression tests drive command execution through it.
//!
//! What a connection would wait for is settled at once instead: a blocking command times out
//! as if its timeout had passed (its waiter is cancelled), DEBUG SLEEP does not sleep, and a
//! command that must wait for the journal, a compaction, a CLIENT PAUSE or SHUTDOWN ends the
//! session (`LocalClient::is_closed`), as would a protocol error or QUIT.
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use super::blocking::Outcome;
use super::clients::{ClientHandle, ClientState};
use super::Server;
use crate::clock::unix_ms_now;
use crate::commands::{self, Action, Context};
use crate::config::{Config, ParseOutcome};
use crate::protocol::parser::Parsed;
use crate::protocol::{ParseLimits, Parser, ReplyWriter};

/// A server without a journal for in-process clients, from command-line style `args` (the
/// program name first); `--appendonly no` is forced.
pub fn in_memory_server(args: &[&str]) -> Result<Arc<Server>, String> {
    let args = args.iter().copied().chain(["--appendonly", "no"]);
    match Config::from_args(args) {
        Ok(ParseOutcome::Run(config)) => Ok(Arc::new(Server::new(*config))),
        Ok(ParseOutcome::Print(text)) => Err(text),
        Err(error) => Err(error.to_string()),
    }
}

/// One client of an in-memory server; unregisters itself when dropped.
pub struct LocalClient {
    server: Arc<Server>,
    handle: Arc<ClientHandle>,
    state: ClientState,
    reply: ReplyWriter,
    parser: Parser,
    closed: bool,
}

impl LocalClient {
    pub fn new(server: &Arc<Server>) -> Self {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        let handle = Arc::new(ClientHandle::new(server.clients.next_id(), addr, addr, -1));
        // Counted like a connection (INFO connected_clients), but never refused by maxclients.
        server.clients.try_reserve(usize::MAX);
        server.clients.register(handle.clone());
        let state = ClientState::new(handle.clone(), !server.requires_auth());
        let reply = ReplyWriter::new(state.protocol);
        Self { server: server.clone(), handle, state, reply, parser: Parser::new(), closed: false }
    }

    /// Whether the session ended (QUIT, a protocol error, or something it cannot wait for).
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Runs every complete request at the front of `input`, as one read of a connection
    /// would; returns the bytes it consumed. Replies accumulate in `take_output`.
    pub fn send(&mut self, input: &[u8]) -> usize {
        let mut consumed = 0usize;
        let now_ms = unix_ms_now();
        self.state.clock = Instant::now();
        while !self.closed {
            let limits = ParseLimits {
                bulk_bytes_max: self
                    .server
                    .settings
                    .hot
                    .proto_max_bulk_len
                    .load(std::sync::atomic::Ordering::Relaxed),
                authenticated: self.state.authenticated,
            };
            let rest = input.get(consumed..).unwrap_or(&[]);
            match self.parser.parse(rest, limits) {
                Ok(Parsed::Command { consumed: used }) => {
                    let args = self.parser.args(rest);
                    self.reply.protocol = self.state.protocol;
                    self.reply.muted = self.state.is_muted();
                    let mut ctx = Context {
                        server: &self.server,
                        client: &mut self.state,
                        reply: &mut self.reply,
                        now_ms,
                    };
                    commands::execute(&mut ctx, args);
                    consumed += used;
                    self.settle_action();
                }
                Ok(Parsed::Nothing { consumed: used }) => consumed += used,
                Ok(Parsed::Incomplete { .. }) => break,
                Err(error) => {
                    self.reply.muted = false;
                    self.reply.error(&error.to_string());
                    self.closed = true;
                }
            }
        }
        consumed
    }

    /// The replies written since the last call.
    pub fn take_output(&mut self) -> Vec<u8> {
        let mut own = Vec::new();
        let mailbox = &self.handle.mailbox;
        // Pub/sub messages and invalidations queued for this client go out after its replies.
        while mailbox.take_into(&mut own, self.state.protocol, usize::MAX) {}
        let mut out = std::mem::take(&mut self.reply.out);
        out.extend_from_slice(&own);
        out
    }

    fn settle_action(&mut self) {
        match self.state.action.take() {
            None | Some(Action::Sleep(_)) => {}
            Some(Action::Block { waiter, .. }) => {
                let outcome = if self.server.blocking.cancel(&waiter) {
                    Outcome::TimedOut
                } else {
                    // Served (or unblocked) by this very client's command: its outcome is set.
                    match waiter.try_outcome() {
                        Some(outcome) => outcome,
                        None => Outcome::TimedOut,
                    }
                };
                if !self.reply.muted {
                    outcome.write(&mut self.reply);
                }
            }
            Some(Action::CloseSilently) => {
                self.reply.out.clear();
                self.closed = true;
            }
            Some(
                Action::Close
                | Action::WaitAof { .. }
                | Action::Shutdown(_)
                | Action::Save { .. }
                | Action::Postpone { .. },
            ) => self.closed = true,
        }
    }
}

impl Drop for LocalClient {
    fn drop(&mut self) {
        let server = &self.server;
        server.pubsub.remove_all(&mut self.state.subscriptions, &self.handle);
        server.monitors.remove(self.handle.id);
        server.watches.unwatch_all(self.handle.id);
        server.tracking.disable(&self.handle);
        if let Some(Action::Block { waiter, .. }) = self.state.action.take() {
            server.blocking.cancel(&waiter);
        }
        server.clients.unregister(self.handle.id);
        server.clients.release();
    }
}
