//! WATCH: which clients watch which (database, key), and marking them dirty when a watched key
//! changes. Writes report their keys through `Context::journal` (every change passes there,
//! journal or not), expiry deletions through the keyspace's expiry hook, and FLUSHDB, FLUSHALL
//! and SWAPDB call `touch_db` before they empty a database. EXEC, DISCARD, UNWATCH and RESET
//! clear a client's watches; a disconnect clears them too.
//!
//! # Cost when nobody watches
//! `watched` counts the registered (client, key) pairs; writes read it (one atomic load) and
//! skip the registry when it is zero.
//!
//! # Lock order
//! The registry's mutex comes after shard locks (a write touches its keys while still holding
//! them, so a WATCH and a GET that follow it see the write or get the client marked dirty) and
//! is never held while taking a shard lock.
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

use crate::journal::Effect;
use crate::store::{hash_key, Keyspace};

/// One client's watch of one key.
struct Watcher {
    client_id: u64,
    /// Set when the watched key changes: the client's next EXEC fails.
    dirty: Arc<AtomicBool>,
    /// The key was stored but past its deadline when WATCH ran: its removal by expiry is no
    /// logical change (Redis 7.2's `watchedKey.expired`).
    expired_at_watch: bool,
}

#[derive(Default)]
struct Table {
    by_key: HashMap<(u32, Vec<u8>), Vec<Watcher>>,
    by_client: HashMap<u64, Vec<(u32, Vec<u8>)>>,
}

/// Every client's watched keys.
#[derive(Default)]
pub struct Watches {
    table: Mutex<Table>,
    watched: AtomicUsize,
}

/// What a touch found for one watcher.
enum Touch {
    Dirty,
    /// An already expired key was removed: no change, but later ones count.
    ClearExpired,
}

impl Watches {
    /// Whether anyone watches anything (one atomic load: the write path's only cost).
    #[inline]
    pub fn is_active(&self) -> bool {
        self.watched.load(Ordering::SeqCst) != 0
    }

    /// WATCH `key` in `db` for `client_id`, unless it already does; `expired` says the key is
    /// stored but past its deadline.
    pub fn watch(
        &self,
        client_id: u64,
        dirty: &Arc<AtomicBool>,
        db: u32,
        key: &[u8],
        expired: bool,
    ) {
        let mut table = self.table.lock();
        let keys = table.by_client.entry(client_id).or_default();
        if keys.iter().any(|(d, k)| *d == db && k == key) {
            return;
        }
        keys.push((db, key.to_vec()));
        let watcher = Watcher { client_id, dirty: dirty.clone(), expired_at_watch: expired };
        table.by_key.entry((db, key.to_vec())).or_default().push(watcher);
        self.watched.fetch_add(1, Ordering::SeqCst);
    }

    /// The keys `client_id` watches, with whether each was already expired at WATCH time.
    pub fn keys_of(&self, client_id: u64) -> Vec<(u32, Vec<u8>, bool)> {
        let table = self.table.lock();
        let Some(keys) = table.by_client.get(&client_id) else { return Vec::new() };
        keys.iter()
            .map(|(db, key)| {
                let expired = table
                    .by_key
                    .get(&(*db, key.clone()))
                    .and_then(|ws| ws.iter().find(|w| w.client_id == client_id))
                    .is_some_and(|w| w.expired_at_watch);
                (*db, key.clone(), expired)
            })
            .collect()
    }

    /// Forgets every key `client_id` watches (UNWATCH, EXEC, DISCARD, RESET, disconnect).
    pub fn unwatch_all(&self, client_id: u64) {
        if !self.is_active() {
            return;
        }
        let mut table = self.table.lock();
        let Some(keys) = table.by_client.remove(&client_id) else { return };
        for (db, key) in keys {
            let slot = (db, key);
            if let Some(watchers) = table.by_key.get_mut(&slot) {
                watchers.retain(|w| w.client_id != client_id);
                if watchers.is_empty() {
                    table.by_key.remove(&slot);
                }
            }
            self.watched.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Marks the watchers of every key `effects` change dirty. FlushDb, FlushAll and SwapDb
    /// are left to `touch_db`, called before the databases change.
    pub fn touch_effects(&self, effects: &[Effect<&[u8]>]) {
        if !self.is_active() {
            return;
        }
        let mut table = self.table.lock();
        for effect in effects {
            for (db, key) in effect.keys().into_iter().flatten() {
                mark(&mut table, db, key, |_| Touch::Dirty);
            }
        }
    }

    /// Marks the watchers of `key` in `db` dirty: a write that changed nothing the journal
    /// needs, which Redis still signals (`Context::signal_modified`).
    pub fn touch_key(&self, db: u32, key: &[u8]) {
        if !self.is_active() {
            return;
        }
        mark(&mut self.table.lock(), db, key, |_| Touch::Dirty);
    }

    /// A key removed because its deadline passed: its watchers are dirty, except those that
    /// watched it already expired (for them it never logically existed).
    pub fn touch_expired(&self, db: u32, key: &[u8]) {
        if !self.is_active() {
            return;
        }
        let mut table = self.table.lock();
        mark(&mut table, db, key, |w| {
            if w.expired_at_watch {
                Touch::ClearExpired
            } else {
                Touch::Dirty
            }
        });
    }

    /// FLUSHDB, FLUSHALL, SWAPDB: before database `db` is emptied (or swapped with
    /// `replaced_with`), marks dirty the watchers of each watched key of `db` stored in it or
    /// in `replaced_with`, as Redis's `touchAllWatchedKeysInDb`. The caller holds the keyspace
    /// gate exclusively.
    pub fn touch_db(&self, keyspace: &Keyspace, db: u32, replaced_with: Option<u32>) {
        if !self.is_active() {
            return;
        }
        let keys: Vec<Vec<u8>> = {
            let table = self.table.lock();
            table.by_key.keys().filter(|(d, _)| *d == db).map(|(_, k)| k.clone()).collect()
        };
        let stored = |index: u32, key: &[u8]| {
            let hash = hash_key(key);
            let db = usize::try_from(index).ok().and_then(|i| keyspace.db(i));
            db.is_some_and(|d| d.lock(hash).stored_deadline(hash, key).is_some())
        };
        for key in keys {
            let in_emptied = stored(db, &key);
            let in_replacement = replaced_with.is_some_and(|other| stored(other, &key));
            if !in_emptied && !in_replacement {
                continue;
            }
            let mut table = self.table.lock();
            mark(&mut table, db, &key, |w| {
                if w.expired_at_watch && !in_replacement {
                    Touch::ClearExpired
                } else {
                    Touch::Dirty
                }
            });
        }
    }
}

/// Applies `decide` to each watcher of (db, key).
fn mark(table: &mut Table, db: u32, key: &[u8], decide: impl Fn(&Watcher) -> Touch) {
    // A lookup by borrowed key would need a custom Borrow impl for the tuple; watched keys are
    // few, and this runs only while someone watches.
    let Some(watchers) = table.by_key.get_mut(&(db, key.to_vec())) else { return };
    for watcher in watchers {
        match decide(watcher) {
            Touch::Dirty => watcher.dirty.store(true, Ordering::SeqCst),
            Touch::ClearExpired => watcher.expired_at_watch = false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touches_mark_only_watchers_of_the_key() {
        let watches = Watches::default();
        assert!(!watches.is_active());
        let (a, b) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
        watches.watch(1, &a, 0, b"k", false);
        watches.watch(1, &a, 0, b"k", false);
        watches.watch(2, &b, 1, b"k", false);
        assert_eq!(watches.keys_of(1).len(), 1);
        watches.touch_effects(&[Effect::Delete { db: 0, key: b"k" }]);
        assert!(a.load(Ordering::SeqCst));
        assert!(!b.load(Ordering::SeqCst));
        watches.touch_effects(&[Effect::Move { from_db: 3, to_db: 1, key: b"k" }]);
        assert!(b.load(Ordering::SeqCst));
        watches.unwatch_all(1);
        watches.unwatch_all(2);
        assert!(!watches.is_active());
        assert!(watches.keys_of(1).is_empty());
    }

    #[test]
    fn expiry_of_a_key_already_expired_at_watch_is_no_change() {
        let watches = Watches::default();
        let a = Arc::new(AtomicBool::new(false));
        watches.watch(1, &a, 0, b"k", true);
        watches.touch_expired(0, b"k");
        assert!(!a.load(Ordering::SeqCst));
        assert_eq!(watches.keys_of(1), vec![(0, b"k".to_vec(), false)]);
        watches.touch_expired(0, b"k");
        assert!(a.load(Ordering::SeqCst));
    }
}
