//! List values: a double-ended queue of compact elements (OBJECT ENCODING says "listpack"
//! while small, "quicklist" beyond, as Redis 7.2 does for the same sizes).
use std::collections::VecDeque;

use super::compact::CompactBytes;

/// Redis's `list-max-listpack-size -2`: a list stays "listpack" up to 8 KiB of elements.
pub const LISTPACK_BYTES_MAX: usize = 8 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListValue {
    items: VecDeque<CompactBytes>,
}

impl ListValue {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn from_elements<'a>(elements: impl IntoIterator<Item = &'a [u8]>) -> Self {
        Self { items: elements.into_iter().map(CompactBytes::from).collect() }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Pushes at the head (`left`) or the tail.
    pub fn push(&mut self, left: bool, element: &[u8]) {
        if left {
            self.items.push_front(element.into());
        } else {
            self.items.push_back(element.into());
        }
    }

    /// Pops from the head (`left`) or the tail.
    pub fn pop(&mut self, left: bool) -> Option<CompactBytes> {
        if left {
            self.items.pop_front()
        } else {
            self.items.pop_back()
        }
    }

    pub fn get(&self, index: usize) -> Option<&[u8]> {
        self.items.get(index).map(|e| &**e)
    }

    /// Replaces the element at `index`; false if out of range.
    pub fn set(&mut self, index: usize, element: &[u8]) -> bool {
        match self.items.get_mut(index) {
            Some(slot) => {
                *slot = element.into();
                true
            }
            None => false,
        }
    }

    /// Inserts before position `index` (`len` appends); false if beyond the end.
    pub fn insert(&mut self, index: usize, element: &[u8]) -> bool {
        if index > self.items.len() {
            return false;
        }
        self.items.insert(index, element.into());
        true
    }

    /// LREM: removes up to `count` elements equal to `element` from the head (`count` > 0),
    /// from the tail (< 0) or all of them (0). Returns how many went.
    pub fn remove_matching(&mut self, count: i64, element: &[u8]) -> usize {
        let limit = if count == 0 {
            usize::MAX
        } else {
            usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX)
        };
        let mut removed = 0;
        if count >= 0 {
            let mut index = 0;
            while index < self.items.len() && removed < limit {
                if self.items.get(index).is_some_and(|e| **e == *element) {
                    self.items.remove(index);
                    removed += 1;
                } else {
                    index += 1;
                }
            }
        } else {
            let mut index = self.items.len();
            while index > 0 && removed < limit {
                index -= 1;
                if self.items.get(index).is_some_and(|e| **e == *element) {
                    self.items.remove(index);
                    removed += 1;
                }
            }
        }
        removed
    }

    /// Keeps elements `start..=stop` (clamped); a range past the end empties the list.
    pub fn retain_range(&mut self, start: usize, stop: usize) {
        if start > stop || start >= self.items.len() {
            self.items.clear();
            return;
        }
        self.items.truncate(stop.saturating_add(1));
        self.items.drain(..start);
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &[u8]> + ExactSizeIterator {
        self.items.iter().map(|e| &**e)
    }

    fn element_bytes(&self) -> usize {
        self.items.iter().map(|e| e.len()).sum()
    }

    pub fn encoding_name(&self) -> &'static str {
        if self.element_bytes() <= LISTPACK_BYTES_MAX {
            "listpack"
        } else {
            "quicklist"
        }
    }

    pub fn memory_bytes(&self) -> usize {
        self.items.capacity() * std::mem::size_of::<CompactBytes>()
            + self.items.iter().map(CompactBytes::heap_bytes).sum::<usize>()
    }
}
