//! `EntryTable`: a shard's entries, stored densely in fixed-size chunks and found through a
//! hash table of 4-byte indexes (`index::SlotIndex`). A power-of-two hash table holding
//! 64-byte entries inline sits 44-87% full, so an entry cost 73-145 bytes (153 measured at
//! 1 M keys of 72 bytes); here a slot is 5.3 bytes (a 64-byte chunk of the index holds 12),
//! so an entry costs its 64 bytes plus 6-12 bytes of table, whatever the fill. Random entries (RANDOMKEY,
//! eviction samples) are O(1).
//!
//! # Copy-on-write by entry
//! A running snapshot saves a table entry by entry (`start_pending`): each entry, as it was
//! when the snapshot reached the table, is handed to the snapshot's saver just before
//! anything changes it, and the compactor saves the entries nothing changed, a run at a time
//! (`save_pending`). A write into a table the snapshot has not finished costs the encoding of
//! the entries it changes (a removal also moves the last entry). Saving the whole shard
//! first made the first writes of a compaction encode most of the keyspace on the serving
//! thread, and saving 64-entry chunks made it encode most of it over the whole compaction
//! (docs/ARCHITECTURE.md, "Compaction").
use std::sync::Arc;

use super::index::{prefetch, SlotIndex};
use super::keyspace::{hash_key, in_read_only_command, Entry, ShardSaver};

/// Entries per chunk: full chunks never move, so no reallocation copies more than one
/// chunk's entries.
const CHUNK: usize = 64;

/// Capacity of a shard's newest chunk, which grows by doubling up to `CHUNK`: allocated
/// whole, its spare slots cost 2.3 KB on average in each of the 256 shards of a database,
/// 6 bytes per key with 100 k keys (memory.sh, small hashes).
const CHUNK_FIRST: usize = 4;

const _: () = assert!(CHUNK.is_power_of_two() && CHUNK_FIRST.is_power_of_two());
const _: () = assert!(CHUNK_FIRST <= CHUNK);

/// How many entries ahead `save_pending` prefetches a value's heap block (and twice as far,
/// the entry): about a memory miss's latency over the time to encode one small entry.
const PREFETCH_AHEAD: usize = 8;

/// Dense storage: entry `i` lives in chunk `i / CHUNK` at `i % CHUNK`; all chunks but the
/// last are full.
#[derive(Default)]
struct Dense {
    chunks: Vec<Vec<Entry>>,
    len: usize,
}

impl Dense {
    fn get(&self, index: usize) -> Option<&Entry> {
        self.chunks.get(index / CHUNK)?.get(index % CHUNK)
    }

    fn get_mut(&mut self, index: usize) -> Option<&mut Entry> {
        self.chunks.get_mut(index / CHUNK)?.get_mut(index % CHUNK)
    }

    fn push(&mut self, entry: Entry) -> usize {
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < CHUNK => {
                if chunk.len() == chunk.capacity() {
                    // Doubling from a power of two stays within CHUNK and lands on it.
                    chunk.reserve_exact(chunk.len().clamp(1, CHUNK - chunk.len()));
                }
                chunk.push(entry);
            }
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK_FIRST);
                chunk.push(entry);
                self.chunks.push(chunk);
            }
        }
        self.len += 1;
        self.len - 1
    }

    /// Removes entry `index`, moving the last entry into its place.
    fn swap_remove(&mut self, index: usize) -> Option<Entry> {
        if index >= self.len {
            return None;
        }
        let last_chunk = self.chunks.last_mut()?;
        let last = last_chunk.pop()?;
        if last_chunk.is_empty() {
            self.chunks.pop();
        }
        self.len -= 1;
        if index == self.len {
            return Some(last);
        }
        self.get_mut(index).map(|slot| std::mem::replace(slot, last))
    }

    fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.chunks.iter().flatten()
    }
}

/// A shard's entries. Indexes are u32: a shard holds at most 4 G entries.
#[derive(Default)]
pub struct EntryTable {
    index: SlotIndex,
    dense: Dense,
    /// The entries a running snapshot has still to save (copy-on-write by entry, above).
    pending: Option<Box<Pending>>,
}

/// What a running snapshot has still to save of a table: the entries below `len` whose bit in
/// `saved` is clear, each exactly as it is now (nothing changed them since `len` was taken).
struct Pending {
    saver: Arc<dyn ShardSaver>,
    db: u32,
    /// Entries the table held when the snapshot reached it; later positions are not in it.
    len: usize,
    /// One bit per position below `len`, set once its entry is saved.
    saved: Vec<u64>,
    /// Positions below `len` not saved yet; at 0 the table is no longer pending.
    left: usize,
    /// Every position before this one is saved (where `save_pending` looks next).
    scanned: usize,
}

impl Pending {
    /// Marks `position` saved; returns false if it was saved already or lies past `len`.
    fn claim(&mut self, position: usize) -> bool {
        if position >= self.len {
            return false;
        }
        let Some(bits) = self.saved.get_mut(position / 64) else { return false };
        let bit = 1u64 << (position % 64);
        if *bits & bit != 0 {
            return false;
        }
        *bits |= bit;
        self.left = self.left.saturating_sub(1);
        true
    }
}

fn slot(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}

impl EntryTable {
    pub fn len(&self) -> usize {
        self.dense.len
    }

    /// Bytes of the hash table that finds the entries (not the entries themselves).
    pub fn index_bytes(&self) -> usize {
        self.index.memory_bytes()
    }

    pub fn is_empty(&self) -> bool {
        self.dense.len == 0
    }

    /// The position of `key`, if present (expired or not).
    pub fn position(&self, hash: u64, key: &[u8]) -> Option<usize> {
        let dense = &self.dense;
        let bucket =
            self.index.find(hash, |i| dense.get(i as usize).is_some_and(|e| *e.key == *key))?;
        self.index.value(bucket).map(|i| i as usize)
    }

    pub fn get(&self, position: usize) -> Option<&Entry> {
        self.dense.get(position)
    }

    /// The entry at `position`, to change: a running snapshot saves it first, unless a
    /// read-only command asks (it only updates the access time, which may show in the
    /// snapshot as it may in a shard saved after the read).
    pub fn get_mut(&mut self, position: usize) -> Option<&mut Entry> {
        if self.pending.is_some() && !in_read_only_command() {
            self.save_entry(position);
        }
        self.dense.get_mut(position)
    }

    /// Makes room for `additional` more entries without rehashing (loading a snapshot).
    pub fn reserve(&mut self, additional: usize) {
        let Self { index, dense, .. } = self;
        index.reserve(additional, |i| dense.get(i as usize).map_or(0, |e| hash_key(&e.key)));
        dense.chunks.reserve(additional.div_ceil(CHUNK));
    }

    /// Adds an entry whose key is not present; returns its position.
    pub fn insert_new(&mut self, hash: u64, entry: Entry) -> usize {
        // No save for a running snapshot: the new position is either past what the snapshot
        // holds, or freed by a removal, which saved what was there (`remove_at` saves the
        // last entry).
        let position = self.dense.push(entry);
        let Self { index, dense, .. } = self;
        index.insert_new(hash, slot(position), |i| {
            dense.get(i as usize).map_or(0, |e| hash_key(&e.key))
        });
        position
    }

    /// Removes the entry at `position` (whose key hashes to `hash`).
    pub fn remove_at(&mut self, hash: u64, position: usize) -> Option<Entry> {
        let wanted = slot(position);
        let bucket = self.index.find(hash, |i| i == wanted)?;
        let last = self.dense.len.checked_sub(1)?;
        if self.pending.is_some() {
            // The last entry moves into `position`: both change. Read-only commands too (an
            // expired key's removal), or the moved entry could be in no save.
            self.save_entry(position);
            self.save_entry(last);
        }
        self.index.remove_at(bucket, hash);
        let entry = self.dense.swap_remove(position)?;
        if position != last {
            // The last entry moved to `position`: point its index slot there.
            let moved_hash = self.dense.get(position).map(|e| hash_key(&e.key))?;
            let old = slot(last);
            let moved = self.index.find(moved_hash, |i| i == old);
            if let Some(i) = moved.and_then(|bucket| self.index.slot_mut(bucket)) {
                *i = wanted;
            }
        }
        Some(entry)
    }

    /// Removes `key`'s entry, if present.
    pub fn remove(&mut self, hash: u64, key: &[u8]) -> Option<Entry> {
        let position = self.position(hash, key)?;
        self.remove_at(hash, position)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.dense.iter()
    }

    /// Keeps the entries for which `keep` is true; returns the ones removed.
    pub fn retain(&mut self, mut keep: impl FnMut(&Entry) -> bool) -> Vec<Entry> {
        let mut removed = Vec::new();
        // From the end: a removal moves the last entry, which was already looked at, into
        // the freed position.
        let mut position = self.dense.len;
        while position > 0 {
            position -= 1;
            let Some(entry) = self.dense.get(position) else { continue };
            if !keep(entry) {
                let hash = hash_key(&entry.key);
                if let Some(gone) = self.remove_at(hash, position) {
                    removed.push(gone);
                }
            }
        }
        removed
    }

    /// Step 1 of warming a lookup of `hash` ahead of time: its index chunk.
    #[inline]
    pub fn prefetch_index(&self, hash: u64) {
        self.index.prefetch_home(hash);
    }

    /// Step 2, once step 1's lines arrived: the entry the index most likely points to.
    #[inline]
    pub fn prefetch_entry(&self, hash: u64) {
        if let Some(entry) = self.index.candidate(hash).and_then(|i| self.dense.get(i as usize)) {
            // A chunk's entries are 16-byte aligned, so most span two lines: both.
            prefetch(entry);
        }
    }

    /// Makes a running snapshot save this table copy-on-write from now on: each entry as it
    /// is now is handed to `saver` (as database `db`'s) before anything changes it, and
    /// `save_pending` saves the rest. Replaces what an earlier snapshot left.
    pub fn start_pending(&mut self, saver: Arc<dyn ShardSaver>, db: u32) {
        let len = self.dense.len;
        self.pending = (len > 0).then(|| {
            let saved = vec![0; len.div_ceil(64)];
            Box::new(Pending { saver, db, len, saved, left: len, scanned: 0 })
        });
    }

    /// Whether a running snapshot has still to save some of this table.
    pub fn is_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// Saves up to `max_entries` of the entries the running snapshot has still to save, in
    /// one call to the saver; returns whether none is left.
    pub fn save_pending(&mut self, max_entries: usize) -> bool {
        let Self { pending, dense, .. } = self;
        let Some(state) = pending.as_deref_mut() else { return true };
        let mut picked: Vec<usize> = Vec::new();
        let mut position = state.scanned;
        while picked.len() < max_entries && state.left > 0 && position < state.len {
            if state.claim(position) {
                picked.push(position);
            }
            position += 1;
        }
        state.scanned = position;
        // Each value is a cold heap block of its own, and copying it into the snapshot was
        // 72 % of the compaction's time (100-byte strings, perf). In two steps, as the
        // pipelined batches are warmed (server/warm.rs): the entry some positions ahead, then
        // the value of the entry half as far, whose line has arrived by then.
        for (i, &p) in picked.iter().enumerate().take(2 * PREFETCH_AHEAD) {
            if let Some(entry) = dense.get(p) {
                prefetch(entry);
                if i < PREFETCH_AHEAD {
                    entry.value.prefetch_heap();
                }
            }
        }
        let mut entries = picked.iter().enumerate().filter_map(|(i, &p)| {
            if let Some(far) = picked.get(i + 2 * PREFETCH_AHEAD).and_then(|&q| dense.get(q)) {
                prefetch(far);
            }
            if let Some(near) = picked.get(i + PREFETCH_AHEAD).and_then(|&q| dense.get(q)) {
                near.value.prefetch_heap();
            }
            dense.get(p)
        });
        state.saver.save(state.db, &mut entries);
        let done = state.left == 0;
        if done {
            *pending = None;
        }
        done
    }

    /// Forgets what a snapshot that ended had still to save (it saves nothing more).
    pub fn drop_pending(&mut self) {
        self.pending = None;
    }

    /// Saves the entry at `position` into the running snapshot unless it is saved or was not
    /// there.
    #[cold]
    fn save_entry(&mut self, position: usize) {
        let Self { pending, dense, .. } = self;
        let Some(state) = pending.as_deref_mut() else { return };
        if !state.claim(position) {
            return;
        }
        debug_assert!(position < dense.len, "entry {position} went before its save");
        state.saver.save(state.db, &mut dense.get(position).into_iter());
        if state.left == 0 {
            *pending = None;
        }
    }

    /// A uniformly random position, if any.
    pub fn random_position(&self) -> Option<usize> {
        (self.dense.len > 0).then(|| fastrand::usize(..self.dense.len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::value::{StrValue, Value};
    use std::collections::HashMap;

    fn entry(key: &str, value: u64) -> Entry {
        Entry::new(key.as_bytes(), Value::Str(StrValue::Int(value as i64)))
    }

    /// The newest chunk doubles up to CHUNK, so a shard's spare slots stay under its size.
    #[test]
    fn newest_chunk_grows_by_doubling() {
        let mut table = EntryTable::default();
        let capacities = |table: &EntryTable| -> Vec<usize> {
            table.dense.chunks.iter().map(Vec::capacity).collect()
        };
        let mut seen = Vec::new();
        for n in 0..(CHUNK + 5) {
            let key = format!("k{n}");
            table.insert_new(hash_key(key.as_bytes()), entry(&key, n as u64));
            let last = capacities(&table).last().copied().unwrap_or(0);
            if seen.last() != Some(&last) {
                seen.push(last);
            }
        }
        assert_eq!(seen, [4, 8, 16, 32, 64, 4, 8]);
        assert_eq!(capacities(&table), [CHUNK, 8]);
        for n in 0..(CHUNK + 5) {
            let key = format!("k{n}");
            let position = table.position(hash_key(key.as_bytes()), key.as_bytes()).unwrap();
            assert_eq!(table.get(position).unwrap().value, Value::Str(StrValue::Int(n as i64)));
        }
    }

    /// Random inserts and removals agree with a HashMap model; every position stays found.
    #[test]
    fn matches_a_model() {
        let mut rng = fastrand::Rng::with_seed(7);
        let mut table = EntryTable::default();
        let mut model: HashMap<String, u64> = HashMap::new();
        for step in 0..20_000u64 {
            let key = format!("k{}", rng.u32(..700));
            let hash = hash_key(key.as_bytes());
            if rng.u8(..3) == 0 {
                let gone = table.remove(hash, key.as_bytes()).map(|e| e.key.to_vec());
                assert_eq!(gone.is_some(), model.remove(&key).is_some(), "step {step}");
            } else if let Some(position) = table.position(hash, key.as_bytes()) {
                table.get_mut(position).unwrap().value = Value::Str(StrValue::Int(step as i64));
                model.insert(key, step);
            } else {
                table.insert_new(hash, entry(&key, step));
                model.insert(key, step);
            }
            assert_eq!(table.len(), model.len());
        }
        for (key, value) in &model {
            let position = table.position(hash_key(key.as_bytes()), key.as_bytes()).unwrap();
            let found = table.get(position).unwrap();
            assert_eq!(found.value, Value::Str(StrValue::Int(*value as i64)));
        }
        let removed = table.retain(|e| e.key.len() % 2 == 0);
        assert_eq!(removed.len() + table.len(), model.len());
        assert!(table.iter().all(|e| e.key.len() % 2 == 0));
        for e in table.iter() {
            assert!(table.position(hash_key(&e.key), &e.key).is_some());
        }
    }
}
