//! List values. OBJECT ENCODING follows Redis 7.2: "listpack" while the elements would fit a
//! listpack within `list-max-listpack-size` (encoding.rs; -2, 8 KiB, by default), "quicklist"
//! beyond, and back to "listpack" once a quicklist shrinks to half that limit. A "listpack" list is stored packed in one buffer
//! (a few bytes of overhead per element, as Redis's listpack); a "quicklist" one is a
//! double-ended queue of compact elements.
use std::collections::VecDeque;

use super::compact::CompactBytes;
use super::encoding::{self, ListLimit};
use crate::protocol::number::parse_i64;

/// A listpack's header (total bytes u32, count u16) and end byte.
const LISTPACK_EMPTY_BYTES: usize = 6 + 1;

/// The longest element the packed form holds (its length takes at most 15 bits). A longer
/// one (possible in a "listpack" list only with `list-max-listpack-size` -4 or -5) switches to
/// the deque regardless; the reported encoding does not change.
const PACKED_ELEMENT_BYTES_MAX: usize = 0x7fff;

/// Most bytes the packed form holds. Redis's rules count only raw element lengths when a list
/// grows, so a "listpack" of many tiny elements can pass its byte limit (up to 64 KiB with
/// `list-max-listpack-size -5`); every packed edit moves the buffer, so beyond this the deque
/// takes over (the reported encoding does not change).
const PACKED_BYTES_MAX: usize = 64 * 1024;

/// Elements back to back, each as `length, bytes, length reversed`, so it can be walked from
/// either end. A length under 128 takes one byte; else two, the first with its top bit set.
#[derive(Debug, Clone, Default)]
struct Packed {
    bytes: Vec<u8>,
    count: usize,
}

/// The length prefix of an element of `len` bytes (`len` <= PACKED_ELEMENT_BYTES_MAX).
fn length_prefix(len: usize) -> ([u8; 2], usize) {
    if len < 0x80 {
        ([len as u8, 0], 1)
    } else {
        ([0x80 | ((len >> 8) as u8 & 0x7f), (len & 0xff) as u8], 2)
    }
}

impl Packed {
    fn encode(element: &[u8]) -> Vec<u8> {
        let (prefix, width) = length_prefix(element.len());
        let mut out = Vec::with_capacity(element.len() + 2 * width);
        out.extend_from_slice(&prefix[..width]);
        out.extend_from_slice(element);
        out.extend(prefix[..width].iter().rev());
        out
    }

    /// (prefix width, element length) of the entry starting at `offset`.
    fn parse_forward(&self, offset: usize) -> (usize, usize) {
        let first = usize::from(self.bytes.get(offset).copied().unwrap_or(0));
        if first & 0x80 == 0 {
            (1, first)
        } else {
            let second = usize::from(self.bytes.get(offset + 1).copied().unwrap_or(0));
            (2, ((first & 0x7f) << 8) | second)
        }
    }

    /// Byte range of element `index`'s entry.
    fn entry_span(&self, index: usize) -> Option<(usize, usize)> {
        if index >= self.count {
            return None;
        }
        let mut offset = 0;
        for _ in 0..index {
            let (width, len) = self.parse_forward(offset);
            offset += 2 * width + len;
        }
        let (width, len) = self.parse_forward(offset);
        Some((offset, offset + 2 * width + len))
    }

    fn iter(&self) -> PackedIter<'_> {
        PackedIter { bytes: &self.bytes, front: 0, back: self.bytes.len(), remaining: self.count }
    }

    fn push(&mut self, left: bool, element: &[u8]) {
        let entry = Self::encode(element);
        self.reserve(entry.len());
        if left {
            self.bytes.splice(0..0, entry);
        } else {
            self.bytes.extend_from_slice(&entry);
        }
        self.count += 1;
    }

    /// Pushes one by one at the head (`left`, so they end up reversed) or the tail, moving
    /// the existing bytes once.
    fn push_many<'a>(&mut self, left: bool, elements: impl Iterator<Item = &'a [u8]>) {
        if !left {
            elements.for_each(|e| self.push(false, e));
            return;
        }
        let entries: Vec<Vec<u8>> = elements.map(Self::encode).collect();
        let block: Vec<u8> = entries.iter().rev().flatten().copied().collect();
        self.reserve(block.len());
        self.bytes.splice(0..0, block);
        self.count += entries.len();
    }

    /// Pops `count` (at most all) from one end, moving the remaining bytes once.
    fn pop_many(&mut self, left: bool, count: usize) -> Vec<CompactBytes> {
        let count = count.min(self.count);
        let mut iter = self.iter();
        let popped: Vec<CompactBytes> = (0..count)
            .filter_map(|_| if left { iter.next() } else { iter.next_back() })
            .map(CompactBytes::from)
            .collect();
        let (front, back) = (iter.front, iter.back);
        if left {
            self.bytes.drain(..front);
        } else {
            self.bytes.truncate(back);
        }
        self.count -= popped.len();
        popped
    }

    /// Room for `more` bytes, growing by an eighth rather than doubling: the packed form is
    /// about memory, and its edits copy the buffer anyway.
    fn reserve(&mut self, more: usize) {
        if self.bytes.capacity() - self.bytes.len() < more {
            self.bytes.reserve_exact(more.max(self.bytes.len() / 8));
        }
    }

    fn pop(&mut self, left: bool) -> Option<CompactBytes> {
        let mut iter = self.iter();
        let element: CompactBytes = if left { iter.next() } else { iter.next_back() }?.into();
        let (_, width) = length_prefix(element.len());
        let size = 2 * width + element.len();
        if left {
            self.bytes.drain(..size);
        } else {
            self.bytes.truncate(self.bytes.len() - size);
        }
        self.count -= 1;
        Some(element)
    }

    fn replace(&mut self, index: usize, element: &[u8]) -> bool {
        let Some((start, end)) = self.entry_span(index) else { return false };
        let entry = Self::encode(element);
        self.reserve(entry.len().saturating_sub(end - start));
        self.bytes.splice(start..end, entry);
        true
    }

    fn insert(&mut self, index: usize, element: &[u8]) {
        let at = match self.entry_span(index) {
            Some((start, _)) => start,
            None => self.bytes.len(),
        };
        let entry = Self::encode(element);
        self.reserve(entry.len());
        self.bytes.splice(at..at, entry);
        self.count += 1;
    }

    fn from_elements<'a>(elements: impl Iterator<Item = &'a [u8]>) -> Self {
        let mut packed = Self::default();
        for element in elements {
            packed.push(false, element);
        }
        packed.bytes.shrink_to_fit();
        packed
    }
}

/// Walks a `Packed` from both ends.
#[derive(Debug, Clone)]
pub struct PackedIter<'a> {
    bytes: &'a [u8],
    front: usize,
    back: usize,
    remaining: usize,
}

impl<'a> Iterator for PackedIter<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.remaining == 0 {
            return None;
        }
        let first = usize::from(*self.bytes.get(self.front)?);
        let (width, len) = if first & 0x80 == 0 {
            (1, first)
        } else {
            (2, ((first & 0x7f) << 8) | usize::from(*self.bytes.get(self.front + 1)?))
        };
        let element = self.bytes.get(self.front + width..self.front + width + len)?;
        self.front += 2 * width + len;
        self.remaining -= 1;
        Some(element)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl DoubleEndedIterator for PackedIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        let last = usize::from(*self.bytes.get(self.back.checked_sub(1)?)?);
        let (width, len) = if last & 0x80 == 0 {
            (1, last)
        } else {
            let low = usize::from(*self.bytes.get(self.back.checked_sub(2)?)?);
            (2, ((last & 0x7f) << 8) | low)
        };
        let end = self.back.checked_sub(width)?;
        let element = self.bytes.get(end.checked_sub(len)?..end)?;
        self.back = end.checked_sub(len + width)?;
        self.remaining -= 1;
        Some(element)
    }
}

impl ExactSizeIterator for PackedIter<'_> {}

#[derive(Debug, Clone)]
enum Items {
    Packed(Packed),
    Deque(VecDeque<CompactBytes>),
}

/// Iterates a list from either end, whichever way it is stored.
#[derive(Debug, Clone)]
pub enum ListIter<'a> {
    Packed(PackedIter<'a>),
    Deque(std::collections::vec_deque::Iter<'a, CompactBytes>),
}

impl<'a> Iterator for ListIter<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        match self {
            Self::Packed(iter) => iter.next(),
            Self::Deque(iter) => iter.next().map(|e| &**e),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            Self::Packed(iter) => iter.size_hint(),
            Self::Deque(iter) => iter.size_hint(),
        }
    }
}

impl DoubleEndedIterator for ListIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        match self {
            Self::Packed(iter) => iter.next_back(),
            Self::Deque(iter) => iter.next_back().map(|e| &**e),
        }
    }
}

impl ExactSizeIterator for ListIter<'_> {}

#[derive(Debug, Clone)]
pub struct ListValue {
    items: Items,
    /// What Redis's listpack of these elements would take (`lpBytes`), for the encoding rules.
    listpack_bytes: usize,
    /// True once converted to "quicklist"; it converts back only when shrinking to half.
    is_quicklist: bool,
}

impl Default for ListValue {
    fn default() -> Self {
        Self {
            items: Items::Packed(Packed::default()),
            listpack_bytes: LISTPACK_EMPTY_BYTES,
            is_quicklist: false,
        }
    }
}

impl PartialEq for ListValue {
    fn eq(&self, other: &Self) -> bool {
        self.is_quicklist == other.is_quicklist && self.iter().eq(other.iter())
    }
}

impl Eq for ListValue {}

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
    encoded + listpack_backlen_bytes(encoded)
}

/// The bytes of a listpack entry's back length for an entry of `encoded` bytes (Redis's
/// `lpEncodeBacklen`: 7 bits per byte).
pub fn listpack_backlen_bytes(encoded: usize) -> usize {
    match encoded {
        0..=127 => 1,
        128..=16_382 => 2,
        16_383..=2_097_150 => 3,
        2_097_151..=268_435_454 => 4,
        _ => 5,
    }
}

impl ListValue {
    pub fn new() -> Self {
        Self::default()
    }

    /// A list of `elements`, encoded as Redis encodes a list it loads.
    pub fn from_elements<'a>(elements: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let mut deque = VecDeque::new();
        let mut listpack_bytes = LISTPACK_EMPTY_BYTES;
        for element in elements {
            listpack_bytes += listpack_entry_bytes(element);
            deque.push_back(CompactBytes::from(element));
        }
        let mut list = Self { items: Items::Deque(deque), listpack_bytes, is_quicklist: true };
        list.shrink_to(encoding::list_limit());
        list
    }

    pub fn len(&self) -> usize {
        match &self.items {
            Items::Packed(packed) => packed.count,
            Items::Deque(deque) => deque.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Redis's check before adding elements (`listTypeTryConvertListpack`): the listpack's
    /// bytes plus the new elements' raw lengths, or its length plus `added_count`, over the
    /// current limit make it a quicklist.
    fn grow_check(&mut self, added_bytes: usize, added_count: usize) {
        if !self.is_quicklist
            && encoding::list_limit().is_exceeded(
                self.listpack_bytes.saturating_add(added_bytes),
                self.len().saturating_add(added_count),
            )
        {
            self.is_quicklist = true;
            self.unpack();
        }
    }

    /// Redis's check after removing elements (`listTypeTryConvertQuicklist`, shrinking): back
    /// to listpack once at most half the limit.
    fn shrink_check(&mut self) {
        self.shrink_to(encoding::list_limit().halved());
    }

    fn shrink_to(&mut self, limit: ListLimit) {
        if !limit.is_exceeded(self.listpack_bytes, self.len()) {
            self.is_quicklist = false;
            if let Items::Deque(deque) = &self.items {
                if deque.iter().all(|e| e.len() <= PACKED_ELEMENT_BYTES_MAX) {
                    let packed = Packed::from_elements(deque.iter().map(|e| &**e));
                    self.items = Items::Packed(packed);
                }
            }
        }
    }

    /// Switches to the deque (quicklist, or an element too long to pack).
    fn unpack(&mut self) -> &mut VecDeque<CompactBytes> {
        if let Items::Packed(packed) = &self.items {
            let deque = packed.iter().map(CompactBytes::from).collect();
            self.items = Items::Deque(deque);
        }
        match &mut self.items {
            Items::Deque(deque) => deque,
            Items::Packed(_) => unreachable!("converted to a deque just above"),
        }
    }

    /// The packed form if it can take `added_bytes` more (elements up to `longest` bytes),
    /// else the deque.
    fn storage_for(&mut self, added_bytes: usize, longest: usize) -> &mut Items {
        if let Items::Packed(packed) = &self.items {
            let bytes = packed.bytes.len().saturating_add(added_bytes);
            if longest > PACKED_ELEMENT_BYTES_MAX || bytes > PACKED_BYTES_MAX {
                self.unpack();
            }
        }
        &mut self.items
    }

    /// Pushes `elements` one by one at the head (`left`) or the tail, as one LPUSH does.
    pub fn push_many<'a>(&mut self, left: bool, elements: impl Iterator<Item = &'a [u8]> + Clone) {
        let (total, longest, count) = elements.clone().fold((0usize, 0, 0usize), |(t, l, c), e| {
            (t.saturating_add(e.len()), l.max(e.len()), c + 1)
        });
        self.grow_check(total, count);
        self.listpack_bytes += elements.clone().map(listpack_entry_bytes).sum::<usize>();
        let packed_bytes = total.saturating_add(count.saturating_mul(4));
        match self.storage_for(packed_bytes, longest) {
            Items::Packed(packed) => packed.push_many(left, elements),
            Items::Deque(deque) => {
                for element in elements {
                    if left {
                        deque.push_front(element.into());
                    } else {
                        deque.push_back(element.into());
                    }
                }
            }
        }
    }

    /// Pushes one element at the head (`left`) or the tail.
    pub fn push(&mut self, left: bool, element: &[u8]) {
        self.push_many(left, std::iter::once(element));
    }

    /// Pops from the head (`left`) or the tail.
    pub fn pop(&mut self, left: bool) -> Option<CompactBytes> {
        let popped = match &mut self.items {
            Items::Packed(packed) => packed.pop(left),
            Items::Deque(deque) if left => deque.pop_front(),
            Items::Deque(deque) => deque.pop_back(),
        }?;
        self.listpack_bytes -= listpack_entry_bytes(&popped);
        self.shrink_check();
        Some(popped)
    }

    /// Pops up to `count` elements from one end, in popping order.
    pub fn pop_many(&mut self, left: bool, count: usize) -> Vec<CompactBytes> {
        if let Items::Packed(packed) = &mut self.items {
            let popped = packed.pop_many(left, count);
            let bytes: usize = popped.iter().map(|e| listpack_entry_bytes(e)).sum();
            self.listpack_bytes -= bytes;
            self.shrink_check();
            return popped;
        }
        let count = count.min(self.len());
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
        match &self.items {
            Items::Packed(packed) => packed.iter().nth(index),
            Items::Deque(deque) => deque.get(index).map(|e| &**e),
        }
    }

    /// Replaces the element at `index`; false if out of range.
    pub fn set(&mut self, index: usize, element: &[u8]) -> bool {
        let Some(old) = self.get(index).map(listpack_entry_bytes) else { return false };
        // Redis's LSET counts the new element as one more entry (`listTypeTryConversionAppend`).
        self.grow_check(element.len(), 1);
        let replaced = match self.storage_for(element.len() + 4, element.len()) {
            Items::Packed(packed) => packed.replace(index, element),
            Items::Deque(deque) => match deque.get_mut(index) {
                Some(slot) => {
                    *slot = element.into();
                    true
                }
                None => false,
            },
        };
        if replaced {
            self.listpack_bytes = self.listpack_bytes - old + listpack_entry_bytes(element);
            self.shrink_check();
        }
        replaced
    }

    /// Inserts before position `index` (`len` appends); false if beyond the end.
    pub fn insert(&mut self, index: usize, element: &[u8]) -> bool {
        if index > self.len() {
            return false;
        }
        self.grow_check(element.len(), 1);
        self.listpack_bytes += listpack_entry_bytes(element);
        match self.storage_for(element.len() + 4, element.len()) {
            Items::Packed(packed) => packed.insert(index, element),
            Items::Deque(deque) => deque.insert(index, element.into()),
        }
        true
    }

    /// The index of the first element equal to `pivot`.
    pub fn find(&self, pivot: &[u8]) -> Option<usize> {
        self.iter().position(|e| e == pivot)
    }

    /// LREM: removes up to `count` elements equal to `element` from the head (`count` > 0),
    /// from the tail (< 0) or all of them (0). Returns how many went.
    pub fn remove_matching(&mut self, count: i64, element: &[u8]) -> usize {
        let limit = if count == 0 {
            usize::MAX
        } else {
            usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX)
        };
        let len = self.len();
        let mut keep = vec![true; len];
        let mut removed = 0;
        let indexed = self.iter().enumerate();
        let ordered: Box<dyn Iterator<Item = (usize, &[u8])>> =
            if count >= 0 { Box::new(indexed) } else { Box::new(indexed.rev()) };
        for (index, item) in ordered {
            if removed >= limit {
                break;
            }
            if item == element {
                if let Some(flag) = keep.get_mut(index) {
                    *flag = false;
                }
                removed += 1;
            }
        }
        if removed > 0 {
            let mut flags = keep.into_iter();
            match &mut self.items {
                Items::Packed(packed) => {
                    let kept = Packed::from_elements(
                        packed.iter().filter(|_| flags.next().unwrap_or(true)),
                    );
                    *packed = kept;
                }
                Items::Deque(deque) => deque.retain(|_| flags.next().unwrap_or(true)),
            }
            self.listpack_bytes -= removed * listpack_entry_bytes(element);
            self.shrink_check();
        }
        removed
    }

    /// Keeps elements `start..=stop` (clamped); a range past the end empties the list.
    pub fn retain_range(&mut self, start: usize, stop: usize) {
        let len = self.len();
        if start > stop || start >= len {
            self.items = Items::Packed(Packed::default());
            self.listpack_bytes = LISTPACK_EMPTY_BYTES;
            self.is_quicklist = false;
            return;
        }
        let stop = stop.min(len - 1);
        let removed: usize = self
            .iter()
            .enumerate()
            .filter(|(i, _)| *i < start || *i > stop)
            .map(|(_, e)| listpack_entry_bytes(e))
            .sum();
        match &mut self.items {
            Items::Packed(packed) => {
                let kept = Packed::from_elements(packed.iter().skip(start).take(stop - start + 1));
                *packed = kept;
            }
            Items::Deque(deque) => {
                deque.truncate(stop + 1);
                deque.drain(..start);
            }
        }
        self.listpack_bytes -= removed;
        self.shrink_check();
    }

    pub fn iter(&self) -> ListIter<'_> {
        match &self.items {
            Items::Packed(packed) => ListIter::Packed(packed.iter()),
            Items::Deque(deque) => ListIter::Deque(deque.iter()),
        }
    }

    /// Elements `start..=stop` (callers clamp both into range).
    pub fn range(&self, start: usize, stop: usize) -> impl ExactSizeIterator<Item = &[u8]> {
        let end = stop.saturating_add(1).min(self.len());
        let start = start.min(end);
        self.iter().skip(start).take(end - start)
    }

    pub fn encoding_name(&self) -> &'static str {
        if self.is_quicklist {
            "quicklist"
        } else {
            "listpack"
        }
    }

    pub fn memory_bytes(&self) -> usize {
        match &self.items {
            Items::Packed(packed) => packed.bytes.capacity(),
            Items::Deque(deque) => {
                deque.capacity() * std::mem::size_of::<CompactBytes>()
                    + deque.iter().map(CompactBytes::heap_bytes).sum::<usize>()
            }
        }
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
    fn packed_form_walks_both_ways_and_edits_in_place() {
        let sizes = [0usize, 1, 127, 128, 300, 4000];
        let elements: Vec<Vec<u8>> =
            sizes.iter().enumerate().map(|(i, &n)| vec![b'a' + i as u8; n]).collect();
        let mut l = ListValue::new();
        l.push_many(false, elements.iter().map(Vec::as_slice));
        assert!(matches!(l.items, Items::Packed(_)));
        let forward: Vec<&[u8]> = l.iter().collect();
        assert_eq!(forward, elements.iter().map(Vec::as_slice).collect::<Vec<_>>());
        let backward: Vec<&[u8]> = l.iter().rev().collect();
        assert_eq!(backward.len(), 6);
        assert_eq!(backward[0], &elements[5][..]);
        assert_eq!(l.iter().len(), 6);
        let mut iter = l.iter();
        assert_eq!(iter.next(), Some(&elements[0][..]));
        assert_eq!(iter.next_back(), Some(&elements[5][..]));
        assert_eq!(iter.len(), 4);
        assert_eq!(l.get(3), Some(&elements[3][..]));
        assert!(l.set(3, b"short"));
        assert!(l.set(1, &[b'z'; 200]));
        assert!(l.insert(2, b"mid"));
        assert_eq!(l.get(1), Some(&[b'z'; 200][..]));
        assert_eq!(l.get(2), Some(&b"mid"[..]));
        assert_eq!(l.get(4), Some(&b"short"[..]));
        assert_eq!(l.pop(false).as_deref(), Some(&elements[5][..]));
        assert_eq!(l.pop(true).as_deref(), Some(&elements[0][..]));
        assert_eq!(l.len(), 5);
        let r: Vec<&[u8]> = l.range(1, 2).collect();
        assert_eq!(r, [&b"mid"[..], &elements[2][..]]);
        let expected = ListValue::from_elements(l.iter().collect::<Vec<_>>());
        assert_eq!(l, expected);
    }

    #[test]
    fn representations_follow_the_encoding() {
        let mut l = ListValue::new();
        for i in 0..200 {
            l.push(i % 2 == 0, format!("element-{i:040}").as_bytes());
        }
        assert_eq!(l.encoding_name(), "quicklist");
        assert!(matches!(l.items, Items::Deque(_)));
        let all: Vec<Vec<u8>> = l.iter().map(<[u8]>::to_vec).collect();
        l.retain_range(10, 20);
        assert_eq!(l.encoding_name(), "listpack");
        assert!(matches!(l.items, Items::Packed(_)));
        let kept: Vec<Vec<u8>> = l.iter().map(<[u8]>::to_vec).collect();
        assert_eq!(kept, all[10..=20].to_vec());
        assert!(l.memory_bytes() < 11 * 60);
    }

    #[test]
    fn bulk_pushes_and_pops_keep_order_and_stay_bounded() {
        let mut l = list(&["old"]);
        l.push_many(true, [&b"a"[..], b"b", b"c"].into_iter());
        assert_eq!(items(&l), ["c", "b", "a", "old"]);
        let popped = l.pop_many(false, 2);
        assert_eq!(popped.iter().map(|e| &**e).collect::<Vec<_>>(), [&b"old"[..], b"a"]);
        let popped = l.pop_many(true, 5);
        assert_eq!(popped.iter().map(|e| &**e).collect::<Vec<_>>(), [&b"c"[..], b"b"]);
        assert!(l.is_empty());
        assert_eq!(l.listpack_bytes, LISTPACK_EMPTY_BYTES);
        // Redis counts raw lengths when growing: 40000 empty strings stay "listpack", but
        // too many bytes for the packed form, which hands over to the deque.
        let empties = vec![&b""[..]; 40_000];
        l.push_many(true, empties.iter().copied());
        assert_eq!(l.encoding_name(), "listpack");
        assert!(matches!(l.items, Items::Deque(_)));
        assert_eq!(l.len(), 40_000);
        assert_eq!(l.pop_many(true, 39_990).len(), 39_990);
        assert_eq!(l.len(), 10);
        assert!(matches!(l.items, Items::Packed(_)));
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

    /// `list-max-listpack-size -2`, the default the unit tests run with.
    const LISTPACK_BYTES_DEFAULT: usize = 8 * 1024;

    #[test]
    fn encoding_converts_with_hysteresis() {
        let mut l = ListValue::new();
        let element = [b'x'; 100];
        while l.encoding_name() == "listpack" {
            l.push(false, &element);
        }
        // 81 entries of 103 bytes plus the header overflow 8 KiB with the 82nd's raw length.
        assert_eq!(l.len(), 80);
        while l.listpack_bytes > LISTPACK_BYTES_DEFAULT / 2 {
            assert_eq!(l.encoding_name(), "quicklist");
            l.pop(true);
        }
        assert_eq!(l.encoding_name(), "listpack");
        let big = ListValue::from_elements([&[b'y'; LISTPACK_BYTES_DEFAULT][..]]);
        assert_eq!(big.encoding_name(), "quicklist");
        let mut one = ListValue::new();
        one.push(true, &[b'y'; LISTPACK_BYTES_DEFAULT - 7]);
        assert_eq!(one.encoding_name(), "listpack");
        one.set(0, &[b'y'; LISTPACK_BYTES_DEFAULT]);
        assert_eq!(one.encoding_name(), "quicklist");
    }
}
