//! An in-process client: requests run against a `Server` with no socket and no journal, through
//! the same parser and `commands::execute` a connection uses. The fuzz targets (fuzz/) and
//! their regression tests drive command execution through it.
//!
//! What a connection would wait for is settled at once instead: a blocking command times out
//! as if its timeout had passed (its waiter is cancelled), DEBUG SLEEP does not sleep, and a
//! command that must wait for the journal, a compaction, a CLIENT PAUSE or SHUTDOWN ends the
//! session (`LocalClient::is_closed`), as would a protocol error, QUIT or a kill. Replies not yet
//! taken (`take_output`) count against `client-output-buffer-limit`'s hard limit as a
//! connection's pending replies do: at it, the session ends and they are discarded.
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use super::blocking::Outcome;
use super::clients::{ClientHandle, ClientState};
use super::{connection, ClientSlot, Departure, Server};
use crate::clock::{unix_ms_now, Tick};
use crate::commands::{self, Action, Context};
use crate::config::{Config, ParseOutcome};
use crate::protocol::parser::Parsed;
use crate::protocol::{Parser, ReplyWriter};

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
    /// A connection's departure (out of MONITOR, WATCH, tracking, the registry), then its
    /// slot: dropped in this order after `drop`, as a connection's.
    _departure: Departure,
    _slot: ClientSlot,
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
        Self {
            server: server.clone(),
            _departure: Departure { server: server.clone(), handle: handle.clone() },
            _slot: ClientSlot(server.clone()),
            handle,
            state,
            reply,
            parser: Parser::new(),
            closed: false,
        }
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
        self.state.clock = Tick::now();
        while !self.closed {
            // Killed by the other client (CLIENT KILL): as a connection, it runs nothing more
            // and is sent none of the replies not yet taken. (One killing itself closes
            // through Action::Close, after its reply.)
            if self.handle.is_killed() {
                self.reply.out.clear();
                self.closed = true;
                break;
            }
            let limits = connection::parse_limits(&self.server, &self.state);
            let rest = input.get(consumed..).unwrap_or(&[]);
            match self.parser.parse(rest, limits) {
                Ok(Parsed::Command { consumed: used }) => {
                    let args = self.parser.args(rest);
                    connection::prepare_reply(&self.server, &self.state, &mut self.reply);
                    let mut ctx = Context {
                        server: &self.server,
                        client: &mut self.state,
                        reply: &mut self.reply,
                        now_ms,
                    };
                    commands::execute(&mut ctx, args);
                    consumed += used;
                    self.settle_action();
                    if self.reply.is_over_limit() {
                        // As a connection: the client is closed and its replies discarded,
                        // so a reply cut short at the limit is never seen.
                        connection::close_over_limit(&self.handle, &mut self.reply);
                        self.closed = true;
                    }
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
                | Action::WaitAcks { .. }
                | Action::Shutdown(_)
                | Action::Save { .. }
                | Action::Postpone { .. }
                | Action::Replicate(_),
            ) => self.closed = true,
        }
    }
}

impl Drop for LocalClient {
    fn drop(&mut self) {
        let server = &self.server;
        server.pubsub.remove_all(&mut self.state.subscriptions, &self.handle);
        if let Some(Action::Block { waiter, .. }) = self.state.action.take() {
            server.blocking.cancel(&waiter);
        }
        // The rest is the fields' drop: `_departure`, then `_slot`.
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(args: &[&str]) -> Vec<u8> {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for arg in args {
            out.extend_from_slice(format!("${}\r\n{arg}\r\n", arg.len()).as_bytes());
        }
        out
    }

    /// An in-memory server from `args`, and a runtime for its timers (enter it in the test).
    fn server_and_runtime(args: &[&str]) -> (Arc<Server>, tokio::runtime::Runtime) {
        let Ok(server) = in_memory_server(args) else { panic!("server") };
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
        let Ok(runtime) = runtime else { panic!("runtime") };
        (server, runtime)
    }

    fn run(client: &mut LocalClient, args: &[&str]) -> Vec<u8> {
        client.send(&request(args));
        client.take_output()
    }

    /// A reply a client made huge by its count ends the session at the hard limit, and
    /// nothing of it (or of what came before it untaken) is seen; the server goes on.
    #[test]
    fn a_reply_over_the_hard_limit_closes_the_session_and_is_discarded() {
        let limit = ["allydb", "--client-output-buffer-limit", "normal 1mb 0 0"];
        let (server, runtime) = server_and_runtime(&limit);
        let _entered = runtime.enter();
        let mut client = LocalClient::new(&server);
        assert_eq!(run(&mut client, &["SADD", "s", "a", "b", "c"]), b":3\r\n");
        assert_eq!(run(&mut client, &["SRANDMEMBER", "s", "-3"]).len(), 4 + 3 * 7);
        client.send(&request(&["PING"]));
        let huge = request(&["SRANDMEMBER", "s", "-100000000"]);
        client.send(&[huge, request(&["SET", "after", "x"])].concat());
        assert!(client.is_closed());
        assert_eq!(client.take_output(), b"");
        let mut other = LocalClient::new(&server);
        assert_eq!(run(&mut other, &["EXISTS", "after"]), b":0\r\n", "nothing ran after");
        assert_eq!(run(&mut other, &["HSET", "h", "f", "v"]), b":1\r\n");
        other.send(&request(&["HRANDFIELD", "h", "-100000000", "WITHVALUES"]));
        assert!(other.is_closed());
        assert_eq!(other.take_output(), b"");
        let mut third = LocalClient::new(&server);
        assert_eq!(run(&mut third, &["ZADD", "z", "1", "m"]), b":1\r\n");
        third.send(&request(&["ZRANDMEMBER", "z", "-100000000", "WITHSCORES"]));
        assert!(third.is_closed());
        assert_eq!(third.take_output(), b"");
    }

    /// A client killed by another runs nothing more; one killing itself gets its reply.
    #[test]
    fn a_killed_client_runs_nothing_more() {
        let (server, runtime) = server_and_runtime(&["allydb"]);
        let _entered = runtime.enter();
        let mut victim = LocalClient::new(&server);
        let mut killer = LocalClient::new(&server);
        let victim_id = victim.handle.id.to_string();
        assert_eq!(run(&mut killer, &["CLIENT", "KILL", "ID", &victim_id]), b":1\r\n");
        assert_eq!(run(&mut victim, &["SET", "k", "v"]), b"");
        assert!(victim.is_closed());
        assert_eq!(run(&mut killer, &["EXISTS", "k"]), b":0\r\n", "the killed client's SET ran");
        let killer_id = killer.handle.id.to_string();
        let own = ["CLIENT", "KILL", "ID", &killer_id, "SKIPME", "no"];
        assert_eq!(run(&mut killer, &own), b":1\r\n");
        assert!(killer.is_closed());
    }

    /// Without a hard limit (Redis's default `normal 0 0 0`) the reply is whole.
    #[test]
    fn without_a_hard_limit_a_negative_count_is_answered_whole() {
        let (server, runtime) = server_and_runtime(&["allydb"]);
        let _entered = runtime.enter();
        let mut client = LocalClient::new(&server);
        assert_eq!(run(&mut client, &["SADD", "s", "a"]), b":1\r\n");
        let reply = run(&mut client, &["SRANDMEMBER", "s", "-200000"]);
        assert_eq!(reply, [&b"*200000\r\n"[..], &b"$1\r\na\r\n".repeat(200_000)].concat());
        assert!(!client.is_closed());
    }
}
