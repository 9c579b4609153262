//! Client-side caching (CLIENT TRACKING): the table of keys each tracking client may hold, the
//! BCAST prefixes, and the invalidation messages. Writes report their keys through
//! `Context::journal` (the same place WATCH learns them), expiry through the keyspace's expiry
//! hook, FLUSHDB and FLUSHALL through their effects; `commands::execute` remembers the keys of
//! read-only commands. The CLIENT subcommands live in `commands::client`.
//!
//! # Cost when nobody tracks
//! `clients` counts the tracking clients; writes read it (one relaxed load) and skip the rest
//! when it is zero. Reads look only at their own connection's flags.
//!
//! # Bounds
//! The key table holds at most `tracking-table-max-keys` keys (0: no bound): a read that takes
//! it over evicts random keys, each with an invalidation, as Redis's `trackingLimitUsedSlots`.
//! Each client's keys are indexed too, so CLIENT TRACKING OFF, RESET and a disconnect remove
//! every entry of the client at once (Redis leaves them to be found lazily).
//!
//! # Lock order
//! The state mutex comes after shard locks (a write invalidates while it holds its keys) and is
//! never held while taking one, nor while delivering: messages are collected under the mutex
//! and queued (mailbox locks, the client registry) after it is released.
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::Mutex;

use super::clients::ClientHandle;
use super::pubsub;
use super::Server;
use crate::limits;
use crate::protocol::Protocol;
use crate::sync::CellScope;

/// A client's tracking flags (Redis's `CLIENT_TRACKING*` bits).
pub mod bits {
    pub const ON: u32 = 1 << 0;
    pub const BCAST: u32 = 1 << 1;
    pub const OPTIN: u32 = 1 << 2;
    pub const OPTOUT: u32 = 1 << 3;
    pub const NOLOOP: u32 = 1 << 4;
    /// The REDIRECT client was gone when an invalidation was due (CLIENT LIST flag `R`).
    pub const BROKEN_REDIRECT: u32 = 1 << 5;
}

/// The pub/sub channel RESP2 redirect targets receive invalidations on.
pub const CHANNEL: &[u8] = b"__redis__:invalidate";

thread_local! {
    /// The NOLOOP tracking client whose command runs on this thread (0: none). A key its
    /// command makes expire, or pushes out of the table, is its own change, as Redis compares
    /// the client to invalidate with `current_client`.
    static RUNNING_NOLOOP: Cell<u64> = const { Cell::new(0) };
}

/// Marks a NOLOOP client's command as running on this thread for as long as the scope lives.
pub fn noloop_scope(client_id: u64) -> CellScope<u64> {
    CellScope::set(&RUNNING_NOLOOP, client_id)
}

/// The NOLOOP client whose command runs on this thread, 0 for none (the expiry hook's
/// "current client").
pub fn running_noloop_client() -> u64 {
    RUNNING_NOLOOP.get()
}

/// What other connections see of a client's tracking (CLIENT LIST, the invalidation senders).
/// Only the client itself changes it, except `BROKEN_REDIRECT`, set by whoever finds the
/// redirect target gone.
#[derive(Debug, Default)]
pub struct ClientTracking {
    pub bits: AtomicU32,
    /// The REDIRECT client ID; 0 for none.
    pub redirect: AtomicU64,
}

impl ClientTracking {
    pub fn bits(&self) -> u32 {
        self.bits.load(Relaxed)
    }

    pub fn redirect(&self) -> u64 {
        self.redirect.load(Relaxed)
    }
}

/// One remembered key and the clients that may hold it (sorted IDs).
struct Entry {
    key: Bytes,
    clients: Vec<u64>,
}

/// Keys stored densely (random eviction in O(1)) and found through an index.
#[derive(Default)]
struct KeyTable {
    entries: Vec<Entry>,
    index: HashMap<Bytes, usize, foldhash::fast::RandomState>,
}

impl KeyTable {
    fn len(&self) -> usize {
        self.entries.len()
    }

    fn position_or_insert(&mut self, key: &[u8]) -> usize {
        if let Some(&at) = self.index.get(key) {
            return at;
        }
        let key = Bytes::copy_from_slice(key);
        let at = self.entries.len();
        self.index.insert(key.clone(), at);
        self.entries.push(Entry { key, clients: Vec::new() });
        at
    }

    fn remove(&mut self, key: &[u8]) -> Option<Entry> {
        let at = self.index.remove(key)?;
        Some(self.take(at))
    }

    /// Removes the entry at `at` (the last one moves into its place); the caller removed its
    /// index entry.
    fn take(&mut self, at: usize) -> Entry {
        let entry = self.entries.swap_remove(at);
        if let Some(moved) = self.entries.get(at) {
            if let Some(slot) = self.index.get_mut(&moved.key) {
                *slot = at;
            }
        }
        entry
    }

    fn remove_random(&mut self) -> Option<Entry> {
        if self.entries.is_empty() {
            return None;
        }
        let at = fastrand::usize(..self.entries.len());
        let key = self.entries.get(at)?.key.clone();
        self.index.remove(&key);
        Some(self.take(at))
    }

    fn clear(&mut self) {
        self.entries = Vec::new();
        self.index = HashMap::default();
    }
}

/// One BCAST prefix: its clients, and the keys modified since the last broadcast, each with
/// the client that changed it last (0: expiry), for NOLOOP.
#[derive(Default)]
struct Prefix {
    clients: Vec<u64>,
    pending: BTreeMap<Bytes, u64>,
}

#[derive(Default)]
struct State {
    keys: KeyTable,
    /// Each default-mode client's keys in `keys`.
    by_client: HashMap<u64, HashSet<Bytes>>,
    /// (key, client) pairs in `keys`.
    items: usize,
    /// Every tracking client.
    trackers: HashMap<u64, Arc<ClientHandle>>,
    prefixes: BTreeMap<Bytes, Prefix>,
    client_prefixes: HashMap<u64, BTreeSet<Bytes>>,
}

impl State {
    /// Removes `client_id` from the entry of `key` in its own index.
    fn unindex(&mut self, client_id: u64, key: &[u8]) {
        if let Some(keys) = self.by_client.get_mut(&client_id) {
            keys.remove(key);
            if keys.is_empty() {
                self.by_client.remove(&client_id);
            }
        }
    }

    /// Takes `entry` out of the per-client index and returns the messages it owes: one for
    /// each client still tracking in default mode, except `skip` (NOLOOP's own change).
    fn owed(&mut self, entry: Entry, skip: u64, out: &mut Vec<Delivery>) {
        self.items -= entry.clients.len();
        for id in &entry.clients {
            self.unindex(*id, &entry.key);
            let Some(handle) = self.trackers.get(id) else { continue };
            let flags = handle.tracking.bits();
            if flags & bits::ON == 0 || flags & bits::BCAST != 0 {
                continue;
            }
            if flags & bits::NOLOOP != 0 && *id == skip {
                continue;
            }
            out.push(Delivery {
                tracker: handle.clone(),
                payload: Payload::Key(entry.key.clone()),
            });
        }
    }
}

/// What an invalidation carries.
enum Payload {
    Key(Bytes),
    /// A RESP array of keys, already encoded (BCAST).
    Keys(Bytes),
    /// Every key (FLUSHDB, FLUSHALL): RESP's null in the tracking client's protocol.
    All,
}

struct Delivery {
    tracker: Arc<ClientHandle>,
    payload: Payload,
}

/// The tracking registry (one per server).
#[derive(Default)]
pub struct Tracking {
    state: Mutex<State>,
    /// Tracking clients (INFO `tracking_clients`).
    clients: AtomicUsize,
    /// Bumped whenever keys leave the table, so a read can tell whether the keys it
    /// remembered before running may have been taken out while it ran.
    epoch: AtomicU64,
    /// Some BCAST prefix has keys waiting to be broadcast.
    broadcast_pending: AtomicBool,
}

/// INFO's figures.
pub struct Figures {
    pub clients: usize,
    pub keys: usize,
    pub items: usize,
    pub prefixes: usize,
}

impl Tracking {
    /// Whether any client tracks (one relaxed load: the write path's only cost otherwise).
    #[inline]
    pub fn is_active(&self) -> bool {
        self.clients.load(Relaxed) != 0
    }

    pub fn epoch(&self) -> u64 {
        self.epoch.load(Relaxed)
    }

    pub fn figures(&self) -> Figures {
        let state = self.state.lock();
        Figures {
            clients: self.clients.load(Relaxed),
            keys: state.keys.len(),
            items: state.items,
            prefixes: state.prefixes.len(),
        }
    }

    /// The BCAST prefixes of `client_id`, sorted.
    pub fn prefixes_of(&self, client_id: u64) -> Vec<Bytes> {
        let state = self.state.lock();
        state
            .client_prefixes
            .get(&client_id)
            .map(|p| p.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Redis's `checkPrefixCollisionsOrReply`: no new prefix may be a prefix of an existing
    /// one of the client or of another new one, nor the other way round. Err is the text.
    pub fn check_prefixes(&self, client_id: u64, new: &[&[u8]]) -> Result<(), String> {
        let overlaps = |a: &[u8], b: &[u8]| {
            let n = a.len().min(b.len());
            a.get(..n) == b.get(..n)
        };
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let state = self.state.lock();
        let existing = state.client_prefixes.get(&client_id);
        for (i, prefix) in new.iter().enumerate() {
            if let Some(old) = existing.and_then(|set| set.iter().find(|p| overlaps(p, prefix))) {
                return Err(format!(
                    "ERR Prefix '{}' overlaps with an existing prefix '{}'. Prefixes for a \
                     single client must not overlap.",
                    text(prefix),
                    text(old)
                ));
            }
            if let Some(other) = new.iter().skip(i + 1).find(|p| overlaps(prefix, p)) {
                return Err(format!(
                    "ERR Prefix '{}' overlaps with another provided prefix '{}'. Prefixes for \
                     a single client must not overlap.",
                    text(prefix),
                    text(other)
                ));
            }
        }
        Ok(())
    }

    /// CLIENT TRACKING ON: sets the client's flags and redirect (clearing a broken redirect)
    /// and, in BCAST mode, adds its prefixes (the empty prefix when none is given).
    pub fn enable(
        &self,
        client: &Arc<ClientHandle>,
        flags: u32,
        redirect: u64,
        prefixes: &[&[u8]],
    ) {
        let mut state = self.state.lock();
        let was_on = client.tracking.bits() & bits::ON != 0;
        client.tracking.redirect.store(redirect, Relaxed);
        client.tracking.bits.store(flags | bits::ON, Relaxed);
        state.trackers.insert(client.id, client.clone());
        if flags & bits::BCAST != 0 {
            let empty: &[&[u8]] = &[b""];
            for prefix in if prefixes.is_empty() { empty } else { prefixes } {
                let entry = state.prefixes.entry(Bytes::copy_from_slice(prefix)).or_default();
                if let Err(at) = entry.clients.binary_search(&client.id) {
                    entry.clients.insert(at, client.id);
                }
                let own = state.client_prefixes.entry(client.id).or_default();
                own.insert(Bytes::copy_from_slice(prefix));
            }
        }
        if !was_on {
            self.clients.fetch_add(1, Relaxed);
        }
    }

    /// CLIENT TRACKING OFF, RESET and disconnection: forgets the client's keys and prefixes.
    pub fn disable(&self, client: &ClientHandle) {
        if client.tracking.bits() & bits::ON == 0 {
            return;
        }
        let mut state = self.state.lock();
        let id = client.id;
        state.trackers.remove(&id);
        for prefix in state.client_prefixes.remove(&id).unwrap_or_default() {
            let now_empty = state.prefixes.get_mut(&prefix).is_some_and(|p| {
                p.clients.retain(|c| *c != id);
                p.clients.is_empty()
            });
            if now_empty {
                state.prefixes.remove(&prefix);
            }
        }
        for key in state.by_client.remove(&id).unwrap_or_default() {
            let Some(&at) = state.keys.index.get(&key) else { continue };
            let now_empty = state.keys.entries.get_mut(at).is_some_and(|entry| {
                if let Ok(found) = entry.clients.binary_search(&id) {
                    entry.clients.remove(found);
                }
                entry.clients.is_empty()
            });
            state.items -= 1;
            if now_empty {
                state.keys.index.remove(&key);
                state.keys.take(at);
            }
        }
        client.tracking.bits.store(0, Relaxed);
        client.tracking.redirect.store(0, Relaxed);
        self.clients.fetch_sub(1, Relaxed);
    }
}

/// Remembers that `client_id` may now cache `keys` (Redis's `trackingRememberKeys`), evicting
/// random keys over `tracking-table-max-keys`. Returns the epoch after that: a caller that
/// remembers before running its command remembers again if it changed meanwhile.
pub fn remember(server: &Server, client_id: u64, keys: &[&[u8]]) -> u64 {
    let tracking = &server.tracking;
    let max_keys = server.settings.hot.tracking_table_max_keys.load(Relaxed);
    let mut owed = Vec::new();
    let epoch = {
        let mut state = tracking.state.lock();
        for key in keys {
            let at = state.keys.position_or_insert(key);
            let Some(entry) = state.keys.entries.get_mut(at) else { continue };
            if let Err(slot) = entry.clients.binary_search(&client_id) {
                entry.clients.insert(slot, client_id);
                let key = entry.key.clone();
                state.items += 1;
                state.by_client.entry(client_id).or_default().insert(key);
            }
        }
        let effort = keys.len() + limits::TRACKING_EVICTIONS_PER_CALL;
        trim(tracking, &mut state, max_keys, effort, client_id, &mut owed);
        tracking.epoch.load(Relaxed)
    };
    send_all(server, owed);
    epoch
}

/// Evicts random keys while the table is over `max_keys` (0: no bound), at most `effort`;
/// `running_id` is the client whose command runs (NOLOOP: no message to it).
fn trim(
    tracking: &Tracking,
    state: &mut State,
    max_keys: u64,
    effort: usize,
    running_id: u64,
    owed: &mut Vec<Delivery>,
) {
    let max = usize::try_from(max_keys).unwrap_or(usize::MAX);
    if max == 0 || state.keys.len() <= max {
        return;
    }
    for _ in 0..effort {
        if state.keys.len() <= max {
            break;
        }
        let Some(entry) = state.keys.remove_random() else { break };
        tracking.epoch.fetch_add(1, Relaxed);
        state.owed(entry, running_id, owed);
    }
}

/// Works off a table left over a lowered `tracking-table-max-keys` (the expiry tick calls it).
pub fn enforce_limit(server: &Server) {
    let tracking = &server.tracking;
    if !tracking.is_active() {
        return;
    }
    let max_keys = server.settings.hot.tracking_table_max_keys.load(Relaxed);
    let mut owed = Vec::new();
    {
        let mut state = tracking.state.lock();
        let effort = limits::TRACKING_EVICTIONS_PER_CALL;
        trim(tracking, &mut state, max_keys, effort, 0, &mut owed);
    }
    send_all(server, owed);
}

/// Keys modified by client `modifier_id` (0: no client, as expiry) while client `running_id`'s
/// command runs (NOLOOP: it gets no message): every default-mode client that may hold one gets
/// an invalidation and the key leaves the table; keys under BCAST prefixes wait for
/// `broadcast`, marked with `modifier_id`. Returns whether something waits for it.
pub fn invalidate<'a>(
    server: &Server,
    keys: impl Iterator<Item = &'a [u8]>,
    modifier_id: u64,
    running_id: u64,
) -> bool {
    let tracking = &server.tracking;
    let mut owed = Vec::new();
    let mut pending = false;
    {
        let mut state = tracking.state.lock();
        for key in keys {
            if !state.prefixes.is_empty() {
                for (prefix, bcast) in state.prefixes.iter_mut() {
                    if key.starts_with(prefix) {
                        bcast.pending.insert(Bytes::copy_from_slice(key), modifier_id);
                        pending = true;
                    }
                }
            }
            if let Some(entry) = state.keys.remove(key) {
                tracking.epoch.fetch_add(1, Relaxed);
                state.owed(entry, running_id, &mut owed);
            }
        }
    }
    if pending {
        tracking.broadcast_pending.store(true, Relaxed);
    }
    send_all(server, owed);
    pending
}

/// FLUSHDB and FLUSHALL (Redis's `trackingInvalidateKeysOnFlush`): every tracking client,
/// BCAST ones too, gets a null invalidation ("every key"), and the table is emptied.
pub fn invalidate_all(server: &Server) {
    let tracking = &server.tracking;
    let owed: Vec<Delivery> = {
        let mut state = tracking.state.lock();
        state.keys.clear();
        state.by_client = HashMap::new();
        state.items = 0;
        tracking.epoch.fetch_add(1, Relaxed);
        let mut trackers: Vec<&Arc<ClientHandle>> = state.trackers.values().collect();
        trackers.sort_unstable_by_key(|t| t.id);
        trackers
            .into_iter()
            .map(|t| Delivery { tracker: t.clone(), payload: Payload::All })
            .collect()
    };
    send_all(server, owed);
}

/// Sends the keys modified under each BCAST prefix since the last call to the prefix's
/// clients, one message per prefix (Redis's `trackingBroadcastInvalidationMessages`, run
/// before it sleeps; here after each command that modified such keys and on the expiry tick).
pub fn broadcast(server: &Server) {
    let tracking = &server.tracking;
    if !tracking.broadcast_pending.swap(false, Relaxed) {
        return;
    }
    let mut owed = Vec::new();
    {
        let mut state = tracking.state.lock();
        let State { prefixes, trackers, .. } = &mut *state;
        for bcast in prefixes.values_mut() {
            if bcast.pending.is_empty() {
                continue;
            }
            let pending = std::mem::take(&mut bcast.pending);
            let everyone = encode_keys(pending.keys().map(|k| &k[..]));
            for id in &bcast.clients {
                let Some(handle) = trackers.get(id) else { continue };
                let payload = if handle.tracking.bits() & bits::NOLOOP != 0 {
                    let others: Vec<&[u8]> =
                        pending.iter().filter(|(_, by)| *by != id).map(|(k, _)| &k[..]).collect();
                    if others.is_empty() {
                        continue;
                    }
                    encode_keys(others.into_iter())
                } else {
                    everyone.clone()
                };
                owed.push(Delivery { tracker: handle.clone(), payload: Payload::Keys(payload) });
            }
        }
    }
    send_all(server, owed);
}

fn send_all(server: &Server, owed: Vec<Delivery>) {
    for delivery in owed {
        send(server, &delivery.tracker, &delivery.payload);
    }
}

/// Redis's `sendTrackingMessage`: to the REDIRECT client if there is one (a RESP3 push, or a
/// `message` on `__redis__:invalidate` if it is a RESP2 subscriber), else to the tracking
/// client itself if it speaks RESP3; a RESP2 client without a redirect gets nothing. A gone
/// redirect marks the client and tells it so (RESP3 only).
fn send(server: &Server, tracker: &Arc<ClientHandle>, payload: &Payload) {
    let tracker_protocol = tracker.info.lock().protocol;
    let redirect = tracker.tracking.redirect();
    let (target, redirected) = if redirect == 0 {
        (tracker.clone(), false)
    } else {
        match server.clients.get(redirect) {
            Some(target) => (target, true),
            None => {
                tracker.tracking.bits.fetch_or(bits::BROKEN_REDIRECT, Relaxed);
                if tracker_protocol == Protocol::Resp3 {
                    let mut frame = Vec::with_capacity(48);
                    frame.extend_from_slice(b"*2\r\n$21\r\ntracking-redir-broken\r\n:");
                    frame.extend_from_slice(itoa::Buffer::new().format(redirect).as_bytes());
                    frame.extend_from_slice(b"\r\n");
                    deliver(server, tracker, &Bytes::from(frame));
                }
                return;
            }
        }
    };
    let mut frame = Vec::with_capacity(64);
    if target.info.lock().protocol == Protocol::Resp3 {
        frame.extend_from_slice(b"*2\r\n$10\r\ninvalidate\r\n");
    } else if redirected && target.mailbox.is_subscribed() {
        frame.extend_from_slice(b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n");
    } else {
        return;
    }
    match payload {
        Payload::Key(key) => frame.extend_from_slice(&encode_keys(std::iter::once(&key[..]))),
        Payload::Keys(encoded) => frame.extend_from_slice(encoded),
        Payload::All => frame.extend_from_slice(match tracker_protocol {
            Protocol::Resp3 => b"_\r\n",
            Protocol::Resp2 => b"$-1\r\n",
        }),
    }
    deliver(server, &target, &Bytes::from(frame));
}

/// Queues a frame under the output limit of the receiver's class (pubsub if subscribed).
fn deliver(server: &Server, target: &ClientHandle, frame: &Bytes) {
    pubsub::deliver(target, frame, server.settings.hot.limit_of(&target.mailbox));
}

/// A RESP array of bulk strings.
fn encode_keys<'a>(keys: impl Iterator<Item = &'a [u8]>) -> Bytes {
    let keys: Vec<&[u8]> = keys.collect();
    pubsub::encode(&keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_table_keeps_its_index_through_removals() {
        let mut table = KeyTable::default();
        for key in [&b"a"[..], b"b", b"c", b"d"] {
            table.position_or_insert(key);
        }
        assert_eq!(table.position_or_insert(b"b"), 1);
        assert!(table.remove(b"a").is_some());
        assert!(table.remove(b"a").is_none());
        for key in [&b"b"[..], b"c", b"d"] {
            let at = table.index.get(key).copied();
            assert_eq!(at.and_then(|at| table.entries.get(at)).map(|e| &e.key[..]), Some(key));
        }
        while table.remove_random().is_some() {}
        assert_eq!(table.len(), 0);
        assert!(table.index.is_empty());
    }

    #[test]
    fn keys_encode_as_a_resp_array() {
        assert_eq!(
            &encode_keys([&b"ab"[..], b""].into_iter())[..],
            b"*2\r\n$2\r\nab\r\n$0\r\n\r\n"
        );
    }
}
