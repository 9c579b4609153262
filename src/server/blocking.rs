//! Clients blocked on keys (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP on lists; BZPOPMIN,
//! BZPOPMAX, BZMPOP on sorted sets): a FIFO of waiters per (database, key). The commands that
//! add to a list or a sorted set serve waiters; connections wait for their outcome.
//!
//! # Lock order
//! Shard locks come first: a client registers while holding the shard locks of every key it
//! blocks on, and a pusher picks waiters while holding the shard lock of the key it pushed. The
//! registry's own mutex is taken last and never held while taking a shard lock, so a waiter
//! can leave (timeout, disconnect, CLIENT UNBLOCK) at any time without one.
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::Notify;

use crate::protocol::ReplyWriter;

/// What a blocked command does once a key it waits on has elements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockedOp {
    /// BLPOP, BRPOP: pop one element, reply `[key, element]`.
    Pop { left: bool },
    /// BLMPOP: pop up to `count`, reply `[key, [element, ...]]`.
    MultiPop { left: bool, count: usize },
    /// BLMOVE, BRPOPLPUSH: pop, push onto `destination`, reply the element.
    Move { from_left: bool, to_left: bool, destination: Vec<u8> },
    /// BZPOPMIN, BZPOPMAX: pop the lowest (highest) member, reply `[key, member, score]`.
    ZPop { max: bool },
    /// BZMPOP: pop up to `count` members, reply `[key, [[member, score], ...]]`.
    ZMultiPop { max: bool, count: usize },
    /// WAIT, WAITAOF: blocked on no key, registered so that CLIENT UNBLOCK and INFO's
    /// `blocked_clients` see it; the connection writes the reply itself.
    Acknowledgements,
}

/// The type of value a blocked command pops from: a key's waiters of the other type stay
/// blocked when it gets one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockedOn {
    List,
    ZSet,
    /// Nothing a key can get (WAIT, WAITAOF).
    Nothing,
}

impl BlockedOp {
    pub fn blocked_on(&self) -> BlockedOn {
        match self {
            Self::Pop { .. } | Self::MultiPop { .. } | Self::Move { .. } => BlockedOn::List,
            Self::ZPop { .. } | Self::ZMultiPop { .. } => BlockedOn::ZSet,
            Self::Acknowledgements => BlockedOn::Nothing,
        }
    }
}

/// What a served waiter receives, to write as its reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Served {
    KeyElement(Vec<u8>, Vec<u8>),
    KeyElements(Vec<u8>, Vec<Vec<u8>>),
    Element(Vec<u8>),
    /// BZPOPMIN, BZPOPMAX: key, member, score.
    KeyMemberScore(Vec<u8>, Vec<u8>, f64),
    /// BZMPOP: key, then (member, score) pairs in pop order.
    KeyMembers(Vec<u8>, Vec<(Vec<u8>, f64)>),
}

impl Served {
    /// Writes the reply, the same whether the command popped at once or was served later.
    /// Scores are bulk strings in RESP2 and doubles in RESP3 (`ReplyWriter::double`).
    pub fn write(&self, reply: &mut ReplyWriter) {
        match self {
            Self::KeyElement(key, element) => {
                reply.array(2);
                reply.bulk(key);
                reply.bulk(element);
            }
            Self::KeyElements(key, elements) => {
                reply.array(2);
                reply.bulk(key);
                reply.bulk_array(elements.iter().map(Vec::as_slice));
            }
            Self::Element(element) => reply.bulk(element),
            Self::KeyMemberScore(key, member, score) => {
                reply.array(3);
                reply.bulk(key);
                reply.bulk(member);
                reply.double(*score);
            }
            Self::KeyMembers(key, members) => {
                reply.array(2);
                reply.bulk(key);
                reply.array(members.len());
                for (member, score) in members {
                    reply.array(2);
                    reply.bulk(member);
                    reply.double(*score);
                }
            }
        }
    }
}

/// How a block ends, other than by the connection's own timeout or disconnect.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Served; the reply waits until journal record `journal_mark` is durable.
    Served { reply: Served, journal_mark: crate::journal::Mark },
    /// Replied like a timeout (CLIENT UNBLOCK ... TIMEOUT).
    TimedOut,
    /// Replied with this error text (CLIENT UNBLOCK ... ERROR, or WRONGTYPE when served).
    Error(String),
    /// The client was killed while blocked (`Server::kill_client`): no reply, the connection
    /// closes.
    Killed,
}

impl Outcome {
    /// Writes a blocked client's reply once its block ended (the connection calls this).
    pub fn write(&self, reply: &mut ReplyWriter) {
        match self {
            Self::Served { reply: served, .. } => served.write(reply),
            Self::TimedOut => reply.null_array(),
            Self::Error(text) => reply.error(text),
            Self::Killed => {}
        }
    }
}

/// One blocked client.
#[derive(Debug)]
pub struct Waiter {
    pub client_id: u64,
    pub db: usize,
    /// The keys it waits on, without duplicates, in the command's order.
    pub keys: Vec<Vec<u8>>,
    pub op: BlockedOp,
    /// Whether the block ends by itself after a timeout (INFO's `clients_in_timeout_table`).
    pub has_timeout: bool,
    /// The client's kill flag (`ClientHandle::killed`): a killed client is never served.
    killed: Arc<AtomicBool>,
    outcome: Mutex<Option<Outcome>>,
    notify: Notify,
}

/// Waiters are compared by identity (`Action` derives `PartialEq`).
impl PartialEq for Waiter {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Eq for Waiter {}

impl Waiter {
    /// A waiter for client `client_id`, whose kill flag is `killed`.
    pub fn new(
        client_id: u64,
        killed: Arc<AtomicBool>,
        db: usize,
        keys: Vec<Vec<u8>>,
        op: BlockedOp,
    ) -> Self {
        Self {
            client_id,
            db,
            keys,
            op,
            has_timeout: false,
            killed,
            outcome: Mutex::new(None),
            notify: Notify::new(),
        }
    }

    /// Marks the block as ending after a timeout.
    pub fn with_timeout(mut self, has_timeout: bool) -> Self {
        self.has_timeout = has_timeout;
        self
    }

    /// Hands the outcome over. Only whoever removed the waiter from the registry calls this,
    /// exactly once.
    pub fn deliver(&self, outcome: Outcome) {
        *self.outcome.lock() = Some(outcome);
        self.notify.notify_one();
    }

    fn is_killed(&self) -> bool {
        self.killed.load(Ordering::Acquire)
    }

    /// The outcome, if `deliver` was called (an in-process client cannot wait for it).
    pub fn try_outcome(&self) -> Option<Outcome> {
        self.outcome.lock().take()
    }

    /// Waits until `deliver` was called. Cancel-safe.
    pub async fn outcome(&self) -> Outcome {
        loop {
            if let Some(outcome) = self.outcome.lock().take() {
                return outcome;
            }
            self.notify.notified().await;
        }
    }
}

#[derive(Default)]
struct Queues {
    by_key: HashMap<(usize, Vec<u8>), VecDeque<Arc<Waiter>>>,
    by_client: HashMap<u64, Arc<Waiter>>,
}

impl Queues {
    /// Removes `waiter` from every queue; false if it was not registered.
    fn remove(&mut self, waiter: &Arc<Waiter>) -> bool {
        if self.by_client.remove(&waiter.client_id).is_none() {
            return false;
        }
        for key in &waiter.keys {
            let slot = (waiter.db, key.clone());
            if let Some(queue) = self.by_key.get_mut(&slot) {
                queue.retain(|w| !Arc::ptr_eq(w, waiter));
                if queue.is_empty() {
                    self.by_key.remove(&slot);
                }
            }
        }
        true
    }
}

/// Every blocked client, by key (FIFO) and by client ID.
#[derive(Default)]
pub struct Blocking {
    queues: Mutex<Queues>,
    /// Blocked clients: a pusher that reads 0 under its shard lock skips the registry.
    blocked: AtomicUsize,
}

impl Blocking {
    /// Blocked clients (INFO's `blocked_clients`).
    pub fn blocked_clients(&self) -> usize {
        self.blocked.load(Ordering::Acquire)
    }

    /// Keys with at least one waiter (INFO's `total_blocking_keys`).
    pub fn blocking_keys(&self) -> usize {
        self.queues.lock().by_key.len()
    }

    /// Blocked clients whose block has a timeout (INFO's `clients_in_timeout_table`).
    pub fn clients_with_timeout(&self) -> usize {
        if self.blocked_clients() == 0 {
            return 0;
        }
        self.queues.lock().by_client.values().filter(|w| w.has_timeout).count()
    }

    /// Whether client `id` is blocked.
    pub fn is_blocked(&self, id: u64) -> bool {
        self.blocked_clients() > 0 && self.queues.lock().by_client.contains_key(&id)
    }

    /// Adds `waiter` at the back of the queue of each of its keys. The caller holds the shard
    /// locks of all those keys and found them all empty. False, and nothing registered, if its
    /// client was killed: the flag is read under the queues' lock, which
    /// `Server::kill_client` takes after setting it to end the client's block, so a waiter is
    /// either found by that kill or never registered.
    pub fn register(&self, waiter: Arc<Waiter>) -> bool {
        let mut queues = self.queues.lock();
        if waiter.is_killed() {
            return false;
        }
        for key in &waiter.keys {
            queues.by_key.entry((waiter.db, key.clone())).or_default().push_back(waiter.clone());
        }
        if let Some(previous) = queues.by_client.insert(waiter.client_id, waiter) {
            // A connection blocks one command at a time; never reached.
            queues.remove(&previous);
        }
        self.blocked.store(queues.by_client.len(), Ordering::Release);
        true
    }

    /// Removes `waiter` (timeout, disconnect). False if someone already took it: its outcome
    /// is then being delivered.
    pub fn cancel(&self, waiter: &Arc<Waiter>) -> bool {
        let mut queues = self.queues.lock();
        let removed = queues.remove(waiter);
        self.blocked.store(queues.by_client.len(), Ordering::Release);
        removed
    }

    /// Takes the longest-waiting client blocked on `key` for a value of type `on` out of the
    /// registry; waiters for the other type keep their place. The caller holds the key's shard
    /// lock and must deliver an outcome. A killed client's waiter is passed over, whichever
    /// way it was killed (a subscriber over its output limit is killed without ending its
    /// block): what it would pop stays for the next waiter or in the key, where its connection
    /// closing would have lost it. Its connection takes it out (`cancel`).
    pub fn take_first(&self, db: usize, key: &[u8], on: BlockedOn) -> Option<Arc<Waiter>> {
        if self.blocked_clients() == 0 {
            return None;
        }
        let mut queues = self.queues.lock();
        let queue = queues.by_key.get(&(db, key.to_vec()))?;
        let first = queue.iter().find(|w| w.op.blocked_on() == on && !w.is_killed())?.clone();
        queues.remove(&first);
        self.blocked.store(queues.by_client.len(), Ordering::Release);
        Some(first)
    }

    /// The keys that serving the waiters on `keys` may push to (BLMOVE destinations), followed
    /// transitively: a pusher locks their shards too, so it can serve without releasing locks.
    pub fn move_destinations(&self, db: usize, keys: &[&[u8]]) -> Vec<Vec<u8>> {
        if self.blocked_clients() == 0 {
            return Vec::new();
        }
        let queues = self.queues.lock();
        let mut found: Vec<Vec<u8>> = Vec::new();
        let mut pending: Vec<Vec<u8>> = keys.iter().map(|k| k.to_vec()).collect();
        while let Some(key) = pending.pop() {
            let Some(queue) = queues.by_key.get(&(db, key)) else { continue };
            for waiter in queue {
                if let BlockedOp::Move { destination, .. } = &waiter.op {
                    if !found.contains(destination) && !keys.contains(&destination.as_slice()) {
                        found.push(destination.clone());
                        pending.push(destination.clone());
                    }
                }
            }
        }
        found
    }

    /// The keys of database `db` that clients are blocked on (SWAPDB readies them all).
    pub fn keys_in(&self, db: usize) -> Vec<Vec<u8>> {
        if self.blocked_clients() == 0 {
            return Vec::new();
        }
        let queues = self.queues.lock();
        queues.by_key.keys().filter(|(d, _)| *d == db).map(|(_, k)| k.clone()).collect()
    }

    /// CLIENT UNBLOCK: ends client `id`'s block with `outcome`; false if it was not blocked.
    pub fn unblock(&self, id: u64, outcome: Outcome) -> bool {
        let waiter = {
            let mut queues = self.queues.lock();
            let Some(waiter) = queues.by_client.get(&id).cloned() else { return false };
            queues.remove(&waiter);
            self.blocked.store(queues.by_client.len(), Ordering::Release);
            waiter
        };
        waiter.deliver(outcome);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waiter(id: u64, keys: &[&str], op: BlockedOp) -> Arc<Waiter> {
        Arc::new(Waiter::new(
            id,
            Arc::default(),
            0,
            keys.iter().map(|k| k.as_bytes().to_vec()).collect(),
            op,
        ))
    }

    #[test]
    fn fifo_per_key_and_removal_from_every_queue() {
        let blocking = Blocking::default();
        let a = waiter(1, &["x", "y"], BlockedOp::Pop { left: true });
        let b = waiter(2, &["y"], BlockedOp::Pop { left: true });
        assert!(blocking.register(a.clone()));
        assert!(blocking.register(b.clone()));
        assert_eq!(blocking.blocked_clients(), 2);
        assert_eq!(blocking.blocking_keys(), 2);
        let first = blocking.take_first(0, b"y", BlockedOn::List).unwrap();
        assert_eq!(first.client_id, 1);
        assert_eq!(blocking.take_first(0, b"x", BlockedOn::List).map(|w| w.client_id), None);
        assert!(!blocking.cancel(&a));
        assert!(blocking.cancel(&b));
        assert_eq!(blocking.blocked_clients(), 0);
        assert_eq!(blocking.blocking_keys(), 0);
    }

    #[test]
    fn a_killed_client_is_passed_over_and_cannot_register() {
        let blocking = Blocking::default();
        let killed = Arc::new(AtomicBool::new(false));
        let first = Arc::new(Waiter::new(1, killed.clone(), 0, vec![b"k".to_vec()], op_pop()));
        let second = waiter(2, &["k"], op_pop());
        assert!(blocking.register(first.clone()));
        assert!(blocking.register(second.clone()));
        killed.store(true, Ordering::Release);
        let taken = blocking.take_first(0, b"k", BlockedOn::List).map(|w| w.client_id);
        assert_eq!(taken, Some(2));
        assert!(blocking.take_first(0, b"k", BlockedOn::List).is_none());
        // Its connection takes it out.
        assert!(blocking.cancel(&first));
        let again = Arc::new(Waiter::new(1, killed, 0, vec![b"k".to_vec()], op_pop()));
        assert!(!blocking.register(again));
        assert_eq!(blocking.blocked_clients(), 0);
    }

    fn op_pop() -> BlockedOp {
        BlockedOp::Pop { left: true }
    }

    #[test]
    fn waiters_for_another_type_keep_their_place() {
        let blocking = Blocking::default();
        let z = waiter(1, &["k"], BlockedOp::ZPop { max: false });
        let l = waiter(2, &["k"], BlockedOp::Pop { left: true });
        let z2 = waiter(3, &["k"], BlockedOp::ZMultiPop { max: true, count: 2 });
        assert!(blocking.register(z.clone()));
        assert!(blocking.register(l.clone()));
        assert!(blocking.register(z2.clone()));
        let taken = blocking.take_first(0, b"k", BlockedOn::List).map(|w| w.client_id);
        assert_eq!(taken, Some(2));
        assert_eq!(blocking.take_first(0, b"k", BlockedOn::List).map(|w| w.client_id), None);
        let taken = blocking.take_first(0, b"k", BlockedOn::ZSet).map(|w| w.client_id);
        assert_eq!(taken, Some(1));
        let taken = blocking.take_first(0, b"k", BlockedOn::ZSet).map(|w| w.client_id);
        assert_eq!(taken, Some(3));
        assert_eq!(blocking.blocked_clients(), 0);
        assert_eq!(blocking.blocking_keys(), 0);
    }

    #[test]
    fn move_destinations_are_followed() {
        let blocking = Blocking::default();
        let op = |d: &str| BlockedOp::Move {
            from_left: true,
            to_left: true,
            destination: d.as_bytes().to_vec(),
        };
        assert!(blocking.register(waiter(1, &["a"], op("b"))));
        assert!(blocking.register(waiter(2, &["b"], op("c"))));
        assert!(blocking.register(waiter(3, &["c"], op("a"))));
        let mut found = blocking.move_destinations(0, &[b"a"]);
        found.sort();
        assert_eq!(found, vec![b"b".to_vec(), b"c".to_vec()]);
    }

    #[tokio::test]
    async fn unblock_delivers() {
        let blocking = Blocking::default();
        let a = waiter(7, &["x"], BlockedOp::Pop { left: false });
        assert!(blocking.register(a.clone()));
        assert!(blocking.is_blocked(7));
        assert!(blocking.unblock(7, Outcome::TimedOut));
        assert!(!blocking.unblock(7, Outcome::TimedOut));
        assert_eq!(a.outcome().await, Outcome::TimedOut);
    }
}
