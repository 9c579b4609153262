//! `timeout`: closing clients idle for longer than the setting, as Redis's
//! clientsCronHandleTimeout does once a second. Connections only publish their last
//! interaction; the decision is made here, so a connection costs no timer of its own.
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use super::clients::ClientHandle;
use super::Server;

/// Closes every client idle for more than `timeout` seconds; returns how many. Redis exempts
/// replicas and monitors (CLIENT_SLAVE), masters, blocked clients (BLPOP and friends, and
/// clients held by CLIENT PAUSE) and pub/sub subscribers. A client inside DEBUG SLEEP or
/// SAVE is not exempt: Redis checks as soon as either lets the server go on, before the
/// reply is written, and closes it without its reply if it has been idle long enough (since
/// it sent the command); here the check closes it during the wait.
/// One pass over the clients, at most once a second: the same cost as Redis's clientsCron.
pub fn close_idle_clients(server: &Server, now: Instant) -> usize {
    let timeout_s = server.settings.hot.timeout_s.load(Relaxed);
    if timeout_s == 0 {
        return 0;
    }
    let mut closed = 0;
    for client in server.clients.all() {
        if is_idle_too_long(&client, now, timeout_s) {
            tracing::debug!("Closing idle client id={}", client.id);
            server.kill_client(&client);
            closed += 1;
        }
    }
    closed
}

/// Redis compares whole seconds (`now - lastinteraction > maxidletime`), so a client with
/// `timeout 1` is closed after two seconds at the earliest; the same rule here.
fn is_idle_too_long(client: &ClientHandle, now: Instant, timeout_s: u64) -> bool {
    if client.mailbox.is_subscribed() || client.is_killed() {
        return false;
    }
    let info = client.info.lock();
    if info.blocked || info.monitor || info.replica {
        return false;
    }
    let idle = now.saturating_duration_since(info.last_interaction);
    idle.as_secs() > timeout_s
}

/// How often the idle check runs (Redis's clientsCron visits every client once a second).
pub const CHECK_INTERVAL: Duration = Duration::from_secs(1);
