//! List values: a double-ended queue of compact elements. OBJECT ENCODING follows Redis 7.2:
//! "listpack" while the elements would fit a listpack of `list-max-listpack-size -2` (8 KiB),
//! "quicklist" beyond, and back to "listpack" once a quicklist shrinks to half that size.
use std::collections::VecDeque;

use super::compact::CompactBytes;
use crate::protocol::number::parse_i64;

/// Redis's `list-max-listpack-size -2`: a list stays "listpack" up to 8 KiB of listpack bytes.
pub const LISTPACK_BYTES_MAX: usize = 8 * 1024;

/// A listpack's header (total bytes u32, count u16) and end byte.
const LISTPACK_EMPTY_BYTES: usize = 6 + 1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListValue {
    items: VecDeque<CompactBytes>,
    /// What Redis's listpack of these elements would take (`lpBytes`), for the encoding rules.
    listpack_bytes: usize,
    /// True once converted to "quicklist"; it converts back only when shrinking to half.
    is_quicklist: bool,
}

impl Default for ListValue {
    fn default() -> Self {
        Self { items: VecDeque::new(), listpack_bytes: LISTPACK_EMPTY_BYTES, is_quicklist: false }
    }
}

/// Bytes one element takes in a listpack: its encoding (integers as Redis's `lpStringToInt64`
/// reads them are stored as integers) plus the back-length.
pub fn listpack_entry_bytes(element: &[u8]) -> usize {
    let encoded = match parse_i64(element) {
        Some(n) if (0..=127).contains(&n) => 1,
        Some(n) if (-4096..=4095).contains(&n) => 2,
        Some(n) if (-32_768..=32_767).contains(&n) => 3,
        Some(n) if (-8_388_608..=8_388_607).contains(&n) => 4,
        Some(n) if i32::try_from(n).is_ok() => 5,
        Some(_) => 9,
        None if element.len() < 64 => 1 + element.len(),
        None if element.len() < 4096 => 2 + element.len(),
        None => 5 + element.len(),
    };
    let back_length = match encoded {
        0..=127 => 1,
        128..=16_382 => 2,
        16_383..=2_097_150 => 3,
        2_097_151..=268_435_454 => 4,
        _ => 5,
    };
    encoded + back_length
}

impl ListValue {
    pub fn new() -> Self {
        Self::default()
    }

    /// A list of `elements`, encoded as Redis encodes a list it loads.
    pub fn from_elements<'a>(elements: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let mut list = Self::new();
        for element in elements {
            list.listpack_bytes += listpack_entry_bytes(element);
            list.items.push_back(element.into());
        }
        list.is_quicklist = list.listpack_bytes > LISTPACK_BYTES_MAX;
        list
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Redis's check before adding elements (`listTypeTryConvertListpack`): the listpack's
    /// bytes plus the new elements' raw lengths over the limit make it a quicklist.
    fn grow_check(&mut self, added_bytes: usize) {
        if !self.is_quicklist
            && self.listpack_bytes.saturating_add(added_bytes) > LISTPACK_BYTES_MAX
        {
            self.is_quicklist = true;
        }
    }

    /// Redis's check after removing elements (`listTypeTryConvertQuicklist`, shrinking): back
    /// to listpack once at most half the limit.
    fn shrink_check(&mut self) {
        if self.is_quicklist && self.listpack_bytes <= LISTPACK_BYTES_MAX / 2 {
            self.is_quicklist = false;
        }
    }

    /// Pushes `elements` one by one at the head (`left`) or the tail, as one LPUSH does.
    pub fn push_many<'a>(&mut self, left: bool, elements: impl Iterator<Item = &'a [u8]> + Clone) {
        self.grow_check(elements.clone().map(<[u8]>::len).fold(0, usize::saturating_add));
        for element in elements {
            self.listpack_bytes += listpack_entry_bytes(element);
            if left {
                self.items.push_front(element.into());
            } else {
                self.items.push_back(element.into());
            }
        }
    }

    /// Pushes one element at the head (`left`) or the tail.
    pub fn push(&mut self, left: bool, element: &[u8]) {
        self.push_many(left, std::iter::once(element));
    }

    /// Pops from the head (`left`) or the tail.
    pub fn pop(&mut self, left: bool) -> Option<CompactBytes> {
        let popped = if left { self.items.pop_front() } else { self.items.pop_back() }?;
        self.listpack_bytes -= listpack_entry_bytes(&popped);
        self.shrink_check();
        Some(popped)
    }

    /// Pops up to `count` elements from one end, in popping order.
    pub fn pop_many(&mut self, left: bool, count: usize) -> Vec<CompactBytes> {
        let count = count.min(self.items.len());
        let mut popped = Vec::with_capacity(count);
        for _ in 0..count {
            match self.pop(left) {
                Some(element) => popped.push(element),
                None => break,
            }
        }
        popped
    }

    pub fn get(&self, index: usize) -> Option<&[u8]> {
        self.items.get(index).map(|e| &**e)
    }

    /// Replaces the element at `index`; false if out of range.
    pub fn set(&mut self, index: usize, element: &[u8]) -> bool {
        if index >= self.items.len() {
            return false;
        }
        self.grow_check(element.len());
        let Some(slot) = self.items.get_mut(index) else { return false };
        self.listpack_bytes -= listpack_entry_bytes(slot);
        self.listpack_bytes += listpack_entry_bytes(element);
        *slot = element.into();
        self.shrink_check();
        true
    }

    /// Inserts before position `index` (`len` appends); false if beyond the end.
    pub fn insert(&mut self, index: usize, element: &[u8]) -> bool {
        if index > self.items.len() {
            return false;
        }
        self.grow_check(element.len());
        self.listpack_bytes += listpack_entry_bytes(element);
        self.items.insert(index, element.into());
        true
    }

    /// The index of the first element equal to `pivot`.
    pub fn find(&self, pivot: &[u8]) -> Option<usize> {
        self.items.iter().position(|e| **e == *pivot)
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
        let mut keep = vec![true; self.items.len()];
        if count >= 0 {
            for (index, item) in self.items.iter().enumerate() {
                if removed < limit && **item == *element {
                    keep[index] = false;
                    removed += 1;
                }
            }
        } else {
            for (index, item) in self.items.iter().enumerate().rev() {
                if removed < limit && **item == *element {
                    keep[index] = false;
                    removed += 1;
                }
            }
        }
        if removed > 0 {
            let mut flags = keep.into_iter();
            self.items.retain(|_| flags.next().unwrap_or(true));
            self.listpack_bytes -= removed * listpack_entry_bytes(element);
            self.shrink_check();
        }
        removed
    }

    /// Keeps elements `start..=stop` (clamped); a range past the end empties the list.
    pub fn retain_range(&mut self, start: usize, stop: usize) {
        if start > stop || start >= self.items.len() {
            self.items.clear();
            self.listpack_bytes = LISTPACK_EMPTY_BYTES;
            self.shrink_check();
            return;
        }
        for element in self.items.range(stop.saturating_add(1).min(self.items.len())..) {
            self.listpack_bytes -= listpack_entry_bytes(element);
        }
        self.items.truncate(stop.saturating_add(1));
        for element in self.items.drain(..start) {
            self.listpack_bytes -= listpack_entry_bytes(&element);
        }
        self.shrink_check();
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &[u8]> + ExactSizeIterator {
        self.items.iter().map(|e| &**e)
    }

    /// Elements `start..=stop` (callers clamp both into range).
    pub fn range(&self, start: usize, stop: usize) -> impl ExactSizeIterator<Item = &[u8]> {
        let end = stop.saturating_add(1).min(self.items.len());
        self.items.range(start.min(end)..end).map(|e| &**e)
    }

    pub fn encoding_name(&self) -> &'static str {
        if self.is_quicklist {
            "quicklist"
        } else {
            "listpack"
        }
    }

    pub fn memory_bytes(&self) -> usize {
        self.items.capacity() * std::mem::size_of::<CompactBytes>()
            + self.items.iter().map(CompactBytes::heap_bytes).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(elements: &[&str]) -> ListValue {
        ListValue::from_elements(elements.iter().map(|e| e.as_bytes()))
    }

    fn items(list: &ListValue) -> Vec<String> {
        list.iter().map(|e| String::from_utf8_lossy(e).into_owned()).collect()
    }

    #[test]
    fn push_pop_both_ends() {
        let mut l = ListValue::new();
        l.push_many(true, [&b"a"[..], b"b"].into_iter());
        l.push_many(false, [&b"c"[..]].into_iter());
        assert_eq!(items(&l), ["b", "a", "c"]);
        assert_eq!(l.pop(true).as_deref(), Some(&b"b"[..]));
        assert_eq!(l.pop(false).as_deref(), Some(&b"c"[..]));
        assert_eq!(l.pop_many(true, 10).len(), 1);
        assert!(l.is_empty());
        assert_eq!(l.pop(true), None);
        assert_eq!(l.listpack_bytes, LISTPACK_EMPTY_BYTES);
    }

    #[test]
    fn set_insert_find_range() {
        let mut l = list(&["a", "b", "c"]);
        assert!(l.set(1, b"x"));
        assert!(!l.set(3, b"x"));
        assert!(l.insert(3, b"z"));
        assert!(!l.insert(5, b"z"));
        assert!(l.insert(0, b"first"));
        assert_eq!(items(&l), ["first", "a", "x", "c", "z"]);
        assert_eq!(l.find(b"c"), Some(3));
        assert_eq!(l.find(b"nope"), None);
        let r: Vec<&[u8]> = l.range(1, 2).collect();
        assert_eq!(r, [&b"a"[..], b"x"]);
        assert_eq!(l.range(4, 100).count(), 1);
    }

    #[test]
    fn remove_matching_from_either_end() {
        let mut l = list(&["a", "b", "a", "c", "a"]);
        assert_eq!(l.remove_matching(-2, b"a"), 2);
        assert_eq!(items(&l), ["a", "b", "c"]);
        let mut l = list(&["a", "b", "a", "c", "a"]);
        assert_eq!(l.remove_matching(1, b"a"), 1);
        assert_eq!(items(&l), ["b", "a", "c", "a"]);
        assert_eq!(l.remove_matching(0, b"a"), 2);
        assert_eq!(items(&l), ["b", "c"]);
        assert_eq!(l.remove_matching(0, b"zz"), 0);
    }

    #[test]
    fn retain_range_trims() {
        let mut l = list(&["a", "b", "c", "d"]);
        l.retain_range(1, 2);
        assert_eq!(items(&l), ["b", "c"]);
        l.retain_range(5, 9);
        assert!(l.is_empty());
        assert_eq!(l.listpack_bytes, LISTPACK_EMPTY_BYTES);
    }

    #[test]
    fn entry_sizes_follow_listpack() {
        assert_eq!(listpack_entry_bytes(b"1"), 2);
        assert_eq!(listpack_entry_bytes(b"-1"), 3);
        assert_eq!(listpack_entry_bytes(b"01"), 4);
        assert_eq!(listpack_entry_bytes(b"hello"), 7);
        assert_eq!(listpack_entry_bytes(b"100000"), 5);
        assert_eq!(listpack_entry_bytes(b"10000000000"), 10);
        assert_eq!(listpack_entry_bytes(&[b'x'; 100]), 103);
        assert_eq!(listpack_entry_bytes(&[b'x'; 200]), 204);
    }

    #[test]
    fn encoding_converts_with_hysteresis() {
        let mut l = ListValue::new();
        let element = [b'x'; 100];
        while l.encoding_name() == "listpack" {
            l.push(false, &element);
        }
        // 81 entries of 103 bytes plus the header overflow 8 KiB with the 82nd's raw length.
        assert_eq!(l.len(), 80);
        while l.listpack_bytes > LISTPACK_BYTES_MAX / 2 {
            assert_eq!(l.encoding_name(), "quicklist");
            l.pop(true);
        }
        assert_eq!(l.encoding_name(), "listpack");
        let big = ListValue::from_elements([&[b'y'; LISTPACK_BYTES_MAX][..]]);
        assert_eq!(big.encoding_name(), "quicklist");
        let mut one = ListValue::new();
        one.push(true, &[b'y'; LISTPACK_BYTES_MAX - 7]);
        assert_eq!(one.encoding_name(), "listpack");
        one.set(0, &[b'y'; LISTPACK_BYTES_MAX]);
        assert_eq!(one.encoding_name(), "quicklist");
    }
}
