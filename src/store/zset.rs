//! Sorted set values: members ordered by (score, member bytes). Small sets are one sorted
//! vector ("listpack" in OBJECT ENCODING, as Redis 7.2 names it).
use std::cmp::Ordering;

use super::compact::CompactBytes;

/// Redis's `zset-max-listpack-entries` and `zset-max-listpack-value` defaults.
pub const LISTPACK_ENTRIES_MAX: usize = 128;
pub const LISTPACK_VALUE_BYTES_MAX: usize = 64;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ZSetValue {
    /// Sorted by (score, member); scores are never NaN.
    entries: Vec<(f64, CompactBytes)>,
}

/// Redis's order: by score, then by member bytes.
pub fn compare(a: (f64, &[u8]), b: (f64, &[u8])) -> Ordering {
    a.0.partial_cmp(&b.0).unwrap_or(Ordering::Equal).then_with(|| a.1.cmp(b.1))
}

impl ZSetValue {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.entries.iter().find(|(_, m)| **m == *member).map(|(s, _)| *s)
    }

    /// Sets `member`'s score; true if the member is new.
    pub fn insert(&mut self, score: f64, member: &[u8]) -> bool {
        let existed = self.remove(member);
        let at = self
            .entries
            .partition_point(|(s, m)| compare((*s, m), (score, member)) == Ordering::Less);
        self.entries.insert(at, (score, member.into()));
        !existed
    }

    /// Removes `member`; true if it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self.entries.iter().position(|(_, m)| **m == *member) {
            Some(at) => {
                self.entries.remove(at);
                true
            }
            None => false,
        }
    }

    /// Members in order, lowest score first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (f64, &[u8])> + ExactSizeIterator {
        self.entries.iter().map(|(s, m)| (*s, &**m))
    }

    pub fn encoding_name(&self) -> &'static str {
        let small = self.entries.len() <= LISTPACK_ENTRIES_MAX
            && self.entries.iter().all(|(_, m)| m.len() <= LISTPACK_VALUE_BYTES_MAX);
        if small {
            "listpack"
        } else {
            "skiplist"
        }
    }

    pub fn memory_bytes(&self) -> usize {
        self.entries.capacity() * std::mem::size_of::<(f64, CompactBytes)>()
            + self.entries.iter().map(|(_, m)| m.heap_bytes()).sum::<usize>()
    }
}
