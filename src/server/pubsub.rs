//! Pub/Sub delivery: the registry of channels, patterns and shard channels to subscribers, and
//! each client's mailbox of frames waiting to be written. PUBLISH encodes a frame once and
//! shares its bytes among subscribers; each connection writes its own mailbox (connection.rs).
//!
//! # Lock order
//! A registry lock (channels, patterns, shard channels: never two at once) comes before a
//! mailbox's queue lock. Delivering holds a registry read lock while it takes queue locks.
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::{Mutex, RwLock};
use tokio::sync::Notify;

use super::clients::ClientHandle;
use crate::protocol::Protocol;

type Map<V> = HashMap<Bytes, V, foldhash::fast::RandomState>;

/// Which namespace a subscription lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Namespace {
    Channel,
    Pattern,
    Shard,
}

/// A pub/sub output buffer limit (`client-output-buffer-limit pubsub <hard> <soft> <secs>`);
/// 0 turns a bound off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutputLimit {
    pub hard_bytes: u64,
    pub soft_bytes: u64,
    pub soft_seconds: u64,
}

impl OutputLimit {
    /// The length of a client's pending replies at which it is over the hard limit: their
    /// first `OUTPUT_LIMIT_FREE_BYTES` do not count (limits.rs). 0 when there is no hard
    /// limit, as `ReplyWriter::set_output_limit` takes it.
    pub fn hard_reply_bytes(&self) -> usize {
        if self.hard_bytes == 0 {
            return 0;
        }
        let hard = usize::try_from(self.hard_bytes).unwrap_or(usize::MAX);
        hard.saturating_add(crate::limits::OUTPUT_LIMIT_FREE_BYTES)
    }

    /// Whether `reply_bytes` of pending replies are over the hard limit.
    pub fn is_over_hard(&self, reply_bytes: usize) -> bool {
        let hard_reply_bytes = self.hard_reply_bytes();
        hard_reply_bytes > 0 && reply_bytes >= hard_reply_bytes
    }
}

/// Frames waiting for one client's connection to write them, and its subscription counts
/// (for CLIENT LIST). Bounded by the pubsub output buffer limit: over it, the client is
/// killed and its queue freed.
#[derive(Default)]
pub struct Mailbox {
    /// RESP2 frames (`*3\r\n$7\r\nmessage...`); RESP3 connections write `>` for the `*`.
    queue: Mutex<VecDeque<Bytes>>,
    /// Bytes in `queue`.
    pending_bytes: AtomicUsize,
    /// Milliseconds (since the client connected, plus 1) when the queue first went over the
    /// soft limit; 0 while under it.
    over_soft_since_ms: AtomicU64,
    /// Set once the client is over its limit: nothing more is queued.
    closed: AtomicBool,
    /// Wakes the connection when the queue goes from empty to not empty.
    pub notify: Notify,
    pub channels: AtomicUsize,
    pub patterns: AtomicUsize,
    pub shard_channels: AtomicUsize,
}

impl Mailbox {
    pub fn pending_bytes(&self) -> usize {
        self.pending_bytes.load(Relaxed)
    }

    pub fn pending_frames(&self) -> usize {
        self.queue.lock().len()
    }

    pub fn is_subscribed(&self) -> bool {
        self.channels.load(Relaxed)
            + self.patterns.load(Relaxed)
            + self.shard_channels.load(Relaxed)
            > 0
    }

    /// Moves queued frames into `out` (as `protocol` frames) until `out` holds at least
    /// `budget_bytes` (at least one frame is moved); returns whether frames remain queued.
    pub fn take_into(&self, out: &mut Vec<u8>, protocol: Protocol, budget_bytes: usize) -> bool {
        let mut queue = self.queue.lock();
        let mut taken = 0usize;
        while let Some(frame) = queue.pop_front() {
            taken += frame.len();
            write_frame(out, protocol, &frame);
            if out.len() >= budget_bytes {
                break;
            }
        }
        let more = !queue.is_empty();
        drop(queue);
        self.pending_bytes.fetch_sub(taken, Relaxed);
        more
    }
}

/// Appends a frame for a connection speaking `protocol`: push frames are `>` in RESP3.
/// MONITOR lines (`+...`) are the same in both protocols.
pub fn write_frame(out: &mut Vec<u8>, protocol: Protocol, frame: &[u8]) {
    match (protocol, frame.split_first()) {
        (Protocol::Resp3, Some((b'*', rest))) => {
            out.push(b'>');
            out.extend_from_slice(rest);
        }
        _ => out.extend_from_slice(frame),
    }
}

/// Hands `frame` to every one of `subscribers`: the publisher's own copy goes to `own` (it is
/// written before the PUBLISH reply), the others are delivered. Returns how many received it.
fn fan_out(
    subscribers: &[Arc<ClientHandle>],
    frame: &Bytes,
    limit: OutputLimit,
    publisher_id: u64,
    own: &mut Vec<Bytes>,
) -> usize {
    for client in subscribers {
        if client.id == publisher_id {
            own.push(frame.clone());
        } else {
            deliver(client, frame, limit);
        }
    }
    subscribers.len()
}

/// Queues `frame` for `client`, unless it is already over its limit. Over the limit now, the
/// client is killed (its connection closes at once) and its queue freed, as Redis closes a
/// client "ASAP"; the caller carries on.
pub fn deliver(client: &ClientHandle, frame: &Bytes, limit: OutputLimit) {
    let mailbox = &client.mailbox;
    if mailbox.closed.load(Relaxed) {
        return;
    }
    let was_empty = {
        let mut queue = mailbox.queue.lock();
        let was_empty = queue.is_empty();
        queue.push_back(frame.clone());
        was_empty
    };
    let pending = mailbox.pending_bytes.fetch_add(frame.len(), Relaxed) + frame.len();
    if was_empty {
        mailbox.notify.notify_one();
    }
    if is_over_limit(client, pending as u64, limit) {
        close_over_limit(client);
    }
}

/// Redis's `checkClientOutputBufferLimits`: over the hard limit, or over the soft limit for
/// longer than its seconds (timed from the first time it was seen over).
fn is_over_limit(client: &ClientHandle, pending: u64, limit: OutputLimit) -> bool {
    let mailbox = &client.mailbox;
    if limit.hard_bytes > 0 && pending >= limit.hard_bytes {
        return true;
    }
    if limit.soft_bytes > 0 && pending >= limit.soft_bytes {
        let now_ms = u64::try_from(client.created.elapsed().as_millis()).unwrap_or(u64::MAX - 1);
        let since = mailbox.over_soft_since_ms.load(Relaxed);
        if since == 0 {
            mailbox.over_soft_since_ms.store(now_ms + 1, Relaxed);
            return false;
        }
        return (now_ms + 1).saturating_sub(since) > limit.soft_seconds.saturating_mul(1000);
    }
    if mailbox.over_soft_since_ms.load(Relaxed) != 0 {
        mailbox.over_soft_since_ms.store(0, Relaxed);
    }
    false
}

impl Mailbox {
    /// For a connection that is gone: nothing more is queued, and what was is freed.
    pub fn close(&self) {
        self.closed.store(true, Relaxed);
        drop(std::mem::take(&mut *self.queue.lock()));
        self.pending_bytes.store(0, Relaxed);
    }
}

fn close_over_limit(client: &ClientHandle) {
    let mailbox = &client.mailbox;
    if mailbox.closed.swap(true, Relaxed) {
        return;
    }
    let freed = std::mem::take(&mut *mailbox.queue.lock());
    mailbox.pending_bytes.store(0, Relaxed);
    tracing::warn!(
        "Client {} scheduled to be closed ASAP for overcoming of output buffer limits.",
        client.list_line_with_output(freed.iter().map(Bytes::len).sum(), freed.len())
    );
    drop(freed);
    client.kill();
}

/// A set that remembers insertion order (UNSUBSCRIBE with no argument replies in it).
#[derive(Default)]
pub struct OrderedSet {
    index: HashMap<Bytes, u64, foldhash::fast::RandomState>,
    order: BTreeMap<u64, Bytes>,
    next: u64,
}

impl OrderedSet {
    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Adds `name`; false if it was there.
    pub fn insert(&mut self, name: &[u8]) -> bool {
        if self.index.contains_key(name) {
            return false;
        }
        let name = Bytes::copy_from_slice(name);
        self.next += 1;
        self.index.insert(name.clone(), self.next);
        self.order.insert(self.next, name);
        true
    }

    /// Removes `name`; false if it was not there.
    pub fn remove(&mut self, name: &[u8]) -> bool {
        match self.index.remove(name) {
            Some(seq) => {
                self.order.remove(&seq);
                true
            }
            None => false,
        }
    }

    /// Every name, oldest first.
    pub fn names(&self) -> Vec<Bytes> {
        self.order.values().cloned().collect()
    }
}

/// One client's subscriptions (its own view; the registry holds the reverse).
#[derive(Default)]
pub struct Subscriptions {
    pub channels: OrderedSet,
    pub patterns: OrderedSet,
    pub shard_channels: OrderedSet,
}

impl Subscriptions {
    pub fn set(&self, namespace: Namespace) -> &OrderedSet {
        match namespace {
            Namespace::Channel => &self.channels,
            Namespace::Pattern => &self.patterns,
            Namespace::Shard => &self.shard_channels,
        }
    }

    pub fn set_mut(&mut self, namespace: Namespace) -> &mut OrderedSet {
        match namespace {
            Namespace::Channel => &mut self.channels,
            Namespace::Pattern => &mut self.patterns,
            Namespace::Shard => &mut self.shard_channels,
        }
    }

    /// The count a (un)subscribe confirmation carries: channels plus patterns, or shard
    /// channels for the shard commands.
    pub fn count(&self, namespace: Namespace) -> usize {
        match namespace {
            Namespace::Channel | Namespace::Pattern => self.channels.len() + self.patterns.len(),
            Namespace::Shard => self.shard_channels.len(),
        }
    }

    /// Whether the client is in subscribed mode (any subscription at all).
    pub fn is_active(&self) -> bool {
        !(self.channels.is_empty() && self.patterns.is_empty() && self.shard_channels.is_empty())
    }
}

/// Channel, pattern and shard-channel subscribers, shared by every connection.
#[derive(Default)]
pub struct PubSub {
    channels: RwLock<Map<Vec<Arc<ClientHandle>>>>,
    patterns: RwLock<Map<Vec<Arc<ClientHandle>>>>,
    shard_channels: RwLock<Map<Vec<Arc<ClientHandle>>>>,
    /// Distinct patterns, read by PUBLISH without the lock when there are none.
    pattern_count: AtomicUsize,
}

impl PubSub {
    fn map(&self, namespace: Namespace) -> &RwLock<Map<Vec<Arc<ClientHandle>>>> {
        match namespace {
            Namespace::Channel => &self.channels,
            Namespace::Pattern => &self.patterns,
            Namespace::Shard => &self.shard_channels,
        }
    }

    /// Adds `client` as a subscriber of `name` (the caller checked it was not one).
    pub fn add(&self, namespace: Namespace, name: &[u8], client: &Arc<ClientHandle>) {
        let mut map = self.map(namespace).write();
        match map.get_mut(name) {
            Some(subscribers) => subscribers.push(client.clone()),
            None => {
                map.insert(Bytes::copy_from_slice(name), vec![client.clone()]);
            }
        }
        if namespace == Namespace::Pattern {
            self.pattern_count.store(map.len(), Relaxed);
        }
    }

    /// Removes `client` from `name`'s subscribers; a name left without any is forgotten.
    pub fn remove(&self, namespace: Namespace, name: &[u8], client_id: u64) {
        let mut map = self.map(namespace).write();
        let now_empty = match map.get_mut(name) {
            Some(subscribers) => {
                if let Some(at) = subscribers.iter().position(|c| c.id == client_id) {
                    subscribers.swap_remove(at);
                }
                subscribers.is_empty()
            }
            None => false,
        };
        if now_empty {
            map.remove(name);
        }
        if namespace == Namespace::Pattern {
            self.pattern_count.store(map.len(), Relaxed);
        }
    }

    /// Removes every subscription of a client (disconnect, RESET).
    pub fn remove_all(&self, subscriptions: &mut Subscriptions, client: &ClientHandle) {
        for namespace in [Namespace::Channel, Namespace::Pattern, Namespace::Shard] {
            let set = std::mem::take(subscriptions.set_mut(namespace));
            for name in set.names() {
                self.remove(namespace, &name, client.id);
            }
        }
        client.mailbox.channels.store(0, Relaxed);
        client.mailbox.patterns.store(0, Relaxed);
        client.mailbox.shard_channels.store(0, Relaxed);
    }

    /// PUBLISH or SPUBLISH: queues the message for every subscriber and returns how many
    /// received it (a client subscribed to the channel and to matching patterns counts once
    /// for each). Frames for `publisher_id` itself are returned in `own` instead, so the
    /// caller can put them before its reply, as Redis does.
    pub fn publish(
        &self,
        shard: bool,
        channel: &[u8],
        message: &[u8],
        limit: OutputLimit,
        publisher_id: u64,
        own: &mut Vec<Bytes>,
    ) -> usize {
        let mut receivers = 0usize;
        let map = if shard { &self.shard_channels } else { &self.channels };
        {
            let channels = map.read();
            if let Some(subscribers) = channels.get(channel) {
                let kind: &[u8] = if shard { b"smessage" } else { b"message" };
                let frame = encode(&[kind, channel, message]);
                receivers += fan_out(subscribers, &frame, limit, publisher_id, own);
            }
        }
        if shard || self.pattern_count.load(Relaxed) == 0 {
            return receivers;
        }
        let patterns = self.patterns.read();
        for (pattern, subscribers) in patterns.iter() {
            if !crate::store::glob::matches(pattern, channel, false) {
                continue;
            }
            let frame = encode(&[b"pmessage", pattern, channel, message]);
            receivers += fan_out(subscribers, &frame, limit, publisher_id, own);
        }
        receivers
    }

    /// Names in `namespace` matching `pattern` (all with None), sorted.
    pub fn names(&self, namespace: Namespace, pattern: Option<&[u8]>) -> Vec<Bytes> {
        let map = self.map(namespace).read();
        let mut names: Vec<Bytes> = map
            .keys()
            .filter(|name| pattern.is_none_or(|p| crate::store::glob::matches(p, name, false)))
            .cloned()
            .collect();
        drop(map);
        names.sort_unstable();
        names
    }

    /// Subscribers of `name` in `namespace`.
    pub fn subscriber_count(&self, namespace: Namespace, name: &[u8]) -> usize {
        self.map(namespace).read().get(name).map_or(0, Vec::len)
    }

    /// How many names `namespace` has (INFO pubsub_channels, PUBSUB NUMPAT, ...).
    pub fn len(&self, namespace: Namespace) -> usize {
        self.map(namespace).read().len()
    }
}

/// A RESP2 array of bulk strings, as one shared buffer.
pub(crate) fn encode(parts: &[&[u8]]) -> Bytes {
    let size: usize = parts.iter().map(|p| p.len() + 16).sum::<usize>() + 8;
    let mut out = Vec::with_capacity(size);
    let mut number = itoa::Buffer::new();
    out.push(b'*');
    out.extend_from_slice(number.format(parts.len()).as_bytes());
    out.extend_from_slice(b"\r\n");
    for part in parts {
        out.push(b'$');
        out.extend_from_slice(number.format(part.len()).as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(part);
        out.extend_from_slice(b"\r\n");
    }
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hard_reply_bytes_leaves_the_free_allowance_and_0_unbounded() {
        let limit = |hard_bytes| OutputLimit { hard_bytes, soft_bytes: 0, soft_seconds: 0 };
        assert_eq!(limit(0).hard_reply_bytes(), 0);
        assert_eq!(limit(1).hard_reply_bytes(), 1 + crate::limits::OUTPUT_LIMIT_FREE_BYTES);
        assert_eq!(limit(u64::MAX).hard_reply_bytes(), usize::MAX);
    }

    #[test]
    fn frames_are_encoded_once_for_both_protocols() {
        let frame = encode(&[b"message", b"ch", b"hi"]);
        assert_eq!(&frame[..], b"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n");
        let mut out = Vec::new();
        write_frame(&mut out, Protocol::Resp3, &frame);
        assert_eq!(out, b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n");
    }

    #[test]
    fn ordered_set_keeps_insertion_order() {
        let mut set = OrderedSet::default();
        assert!(set.insert(b"b"));
        assert!(set.insert(b"a"));
        assert!(!set.insert(b"b"));
        assert!(set.insert(b"c"));
        assert!(set.remove(b"a"));
        assert!(!set.remove(b"a"));
        assert_eq!(set.names(), vec![Bytes::from_static(b"b"), Bytes::from_static(b"c")]);
        assert_eq!(set.len(), 2);
    }
}
