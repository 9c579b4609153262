//! `Dense<E>`: the large ("hashtable") encoding of hashes and sets. Entries live in one
//! vector; a `HashTable<u32>` maps each key to its entry's position. Hashes and sets own the
//! encoding choice; this module only keeps the vector and its index in step.
//!
//! Why this shape: a random member is a random position (SPOP, SRANDMEMBER, HRANDFIELD in
//! O(1)); removal is `swap_remove`, fixing the index of the one entry that moved; iteration
//! order is a pure function of the operations applied (journal replay rebuilds it exactly);
//! and an element costs its entry plus about 5 index bytes. SCAN walks positions from the
//! end towards 0: `swap_remove` only moves an entry from the end (already visited, or added
//! after the scan started) to a lower position, so an element present for the whole scan is
//! never skipped, at worst returned twice, which SCAN allows.
use std::hash::BuildHasher;
use std::sync::LazyLock;

use hashbrown::HashTable;

use super::compact::CompactBytes;

/// One seed per process: collection hashes cannot be predicted from outside.
static HASH_STATE: LazyLock<foldhash::fast::FixedState> =
    LazyLock::new(|| foldhash::fast::FixedState::with_seed(fastrand::u64(..)));

#[inline]
fn hash_of(key: &[u8]) -> u64 {
    HASH_STATE.hash_one(key)
}

/// Most entries one collection holds: positions are `u32` (over 100 GiB of entries).
pub const ENTRIES_MAX: usize = u32::MAX as usize;

/// An entry with a key (a set member, or a hash field and its value).
pub trait Keyed {
    fn key(&self) -> &[u8];
}

impl Keyed for CompactBytes {
    fn key(&self) -> &[u8] {
        self
    }
}

impl Keyed for (CompactBytes, CompactBytes) {
    fn key(&self) -> &[u8] {
        &self.0
    }
}

/// Entries in a vector, indexed by key.
///
/// # Invariants
/// `index` holds exactly the positions `0..entries.len()`, each stored under the hash of its
/// entry's key, and no two entries share a key.
#[derive(Clone)]
pub struct Dense<E> {
    entries: Vec<E>,
    index: HashTable<u32>,
}

impl<E> Default for Dense<E> {
    fn default() -> Self {
        Self { entries: Vec::new(), index: HashTable::new() }
    }
}

impl<E: std::fmt::Debug> std::fmt::Debug for Dense<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(&self.entries).finish()
    }
}

/// Equal when the entries are equal in the same order (the index follows from them).
impl<E: PartialEq> PartialEq for Dense<E> {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}

impl<E: Eq> Eq for Dense<E> {}

/// Position of `i` as stored in the index (callers keep `i < ENTRIES_MAX`).
fn slot(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

fn position(slot: u32) -> usize {
    slot as usize
}

impl<E: Keyed> Dense<E> {
    pub fn with_capacity(capacity: usize) -> Self {
        Self { entries: Vec::with_capacity(capacity), index: HashTable::with_capacity(capacity) }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries in their stored order.
    pub fn entries(&self) -> &[E] {
        &self.entries
    }

    /// The position of `key`'s entry.
    pub fn find(&self, key: &[u8]) -> Option<usize> {
        let entries = &self.entries;
        self.index
            .find(hash_of(key), |&i| entries.get(position(i)).is_some_and(|e| e.key() == key))
            .map(|&i| position(i))
    }

    pub fn get(&self, key: &[u8]) -> Option<&E> {
        self.find(key).and_then(|i| self.entries.get(i))
    }

    /// The entry at `i`, mutably. Callers must not change its key.
    pub fn at_mut(&mut self, i: usize) -> Option<&mut E> {
        self.entries.get_mut(i)
    }

    /// Appends `entry` if its key is new: Ok(its position). Err(position of the existing
    /// entry) leaves everything as it was; Err(ENTRIES_MAX) when the collection is full.
    pub fn insert(&mut self, entry: E) -> Result<usize, usize> {
        if self.entries.len() >= ENTRIES_MAX {
            return Err(ENTRIES_MAX);
        }
        let Self { entries, index } = self;
        let key_hash = hash_of(entry.key());
        let found = index.entry(
            key_hash,
            |&i| entries.get(position(i)).is_some_and(|e| e.key() == entry.key()),
            |&i| entries.get(position(i)).map_or(0, |e| hash_of(e.key())),
        );
        match found {
            hashbrown::hash_table::Entry::Occupied(occupied) => Err(position(*occupied.get())),
            hashbrown::hash_table::Entry::Vacant(vacant) => {
                let at = entries.len();
                vacant.insert(slot(at));
                entries.push(entry);
                Ok(at)
            }
        }
    }

    /// Removes `key`'s entry.
    pub fn remove(&mut self, key: &[u8]) -> Option<E> {
        let at = self.find(key)?;
        self.remove_at(at)
    }

    /// Removes the entry at `i`; the last entry takes its place.
    pub fn remove_at(&mut self, i: usize) -> Option<E> {
        let last = self.entries.len().checked_sub(1)?;
        let key_hash = hash_of(self.entries.get(i)?.key());
        if let Ok(found) = self.index.find_entry(key_hash, |&j| position(j) == i) {
            found.remove();
        }
        let removed = self.entries.swap_remove(i);
        if i != last {
            if let Some(moved) = self.entries.get(i) {
                let moved_hash = hash_of(moved.key());
                if let Some(stored) = self.index.find_mut(moved_hash, |&j| position(j) == last) {
                    *stored = slot(i);
                }
            }
        }
        Some(removed)
    }

    /// Approximate heap bytes of the vector and the index (entries' own heap not included).
    pub fn memory_bytes(&self) -> usize {
        self.entries.capacity() * std::mem::size_of::<E>()
            + self.index.capacity() * (std::mem::size_of::<u32>() + 1)
    }
}

impl<E: Keyed> FromIterator<E> for Dense<E> {
    fn from_iter<I: IntoIterator<Item = E>>(iter: I) -> Self {
        let iter = iter.into_iter();
        let mut dense = Self::with_capacity(iter.size_hint().0);
        for entry in iter {
            // Duplicates keep the first entry, as repeated inserts would.
            let _ = dense.insert(entry);
        }
        dense
    }
}

/// One SCAN step over positions `0..len`, walking down from the cursor: visits up to `count`
/// positions below `cursor` (cursor 0 starts at the end) and returns the next cursor, 0 when
/// position 0 was visited. `visit` gets each position.
pub fn scan_positions(len: usize, cursor: u64, count: usize, mut visit: impl FnMut(usize)) -> u64 {
    let start = match cursor {
        0 => len,
        c => usize::try_from(c).unwrap_or(usize::MAX).min(len),
    };
    let stop = start.saturating_sub(count.max(1));
    for i in (stop..start).rev() {
        visit(i);
    }
    u64::try_from(stop).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(n: usize) -> CompactBytes {
        CompactBytes::from(format!("m{n}").as_bytes())
    }

    fn check(dense: &Dense<CompactBytes>) {
        assert_eq!(dense.index.len(), dense.entries.len());
        for (i, entry) in dense.entries.iter().enumerate() {
            assert_eq!(dense.find(entry), Some(i));
        }
    }

    #[test]
    fn insert_find_remove_keep_the_index_in_step() {
        let mut dense = Dense::default();
        for n in 0..1000 {
            assert_eq!(dense.insert(member(n)), Ok(n));
        }
        assert_eq!(dense.insert(member(5)), Err(5));
        check(&dense);
        for n in (0..1000).step_by(3) {
            assert_eq!(dense.remove(&member(n)).as_deref(), Some(member(n).as_ref()));
            assert!(dense.remove(&member(n)).is_none());
        }
        check(&dense);
        assert_eq!(dense.len(), 666);
        while !dense.is_empty() {
            dense.remove_at(0);
            if dense.len() % 97 == 0 {
                check(&dense);
            }
        }
        assert!(dense.remove_at(0).is_none());
    }

    #[test]
    fn removal_order_is_deterministic() {
        let build = || {
            let mut dense: Dense<CompactBytes> = (0..50).map(member).collect();
            dense.remove(&member(3));
            dense.remove(&member(40));
            dense
        };
        assert_eq!(build(), build());
        assert_eq!(&*build().entries()[3], b"m49");
    }

    #[test]
    fn scan_never_misses_an_element_present_throughout() {
        let mut dense: Dense<CompactBytes> = (0..300).map(member).collect();
        let mut seen = std::collections::HashSet::new();
        let mut cursor = 0u64;
        let mut next_new = 300;
        let mut step = 0;
        loop {
            let entries = dense.entries().to_vec();
            cursor = scan_positions(dense.len(), cursor, 7, |i| {
                seen.insert(entries[i].clone());
            });
            // Churn between calls: remove visited and unvisited members, add new ones.
            step += 1;
            dense.remove(&member(step * 7 % 300));
            if step % 2 == 0 {
                dense.remove_at(step % dense.len().max(1));
            }
            let _ = dense.insert(member(next_new));
            next_new += 1;
            if cursor == 0 {
                break;
            }
        }
        // Everything still present that was there from the start was seen.
        for entry in dense.entries() {
            let n: usize = std::str::from_utf8(&entry[1..]).unwrap().parse().unwrap();
            if n < 300 {
                assert!(seen.contains(entry), "{entry:?} missed");
            }
        }
    }

    #[test]
    fn scan_cursor_bounds() {
        let mut visited = Vec::new();
        assert_eq!(scan_positions(5, 0, 2, |i| visited.push(i)), 3);
        assert_eq!(scan_positions(5, 3, 2, |i| visited.push(i)), 1);
        assert_eq!(scan_positions(5, 1, 2, |i| visited.push(i)), 0);
        assert_eq!(visited, vec![4, 3, 2, 1, 0]);
        assert_eq!(scan_positions(5, u64::MAX, 100, |_| {}), 0);
        assert_eq!(scan_positions(0, 0, 10, |_| panic!("nothing to visit")), 0);
    }
}
