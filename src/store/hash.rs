//! Hash values: field-value pairs. Small hashes ("listpack") are packed into one allocation
//! and scanned linearly in insertion order, like Redis's listpack; larger ones are a `Dense`
//! table (see dense.rs for why). Conversions go one way, small to large, at the thresholds
//! `hash-max-listpack-entries` and `hash-max-listpack-value` set (see encoding.rs).
use super::compact::{
    length_prefix_bytes, push_length_prefix, read_length_prefix, read_prefixed, CompactBytes,
};
use super::dense::Dense;
use super::encoding;

/// Most pairs the packed form holds (a u32, as the count of Redis's listpack): a larger
/// setting converts here.
pub const LISTPACK_ENTRIES_MAX: usize = u32::MAX as usize;

/// The current `hash-max-listpack-entries`, within what the packed form counts.
fn entries_max() -> usize {
    encoding::hash_max_listpack_entries().min(LISTPACK_ENTRIES_MAX)
}

/// The current `hash-max-listpack-value`.
fn value_bytes_max() -> usize {
    encoding::hash_max_listpack_value()
}

pub type Pair = (CompactBytes, CompactBytes);

/// Field-value pairs in one exact-size allocation: the pair count, then every string as its
/// length prefix (one byte under 128, see compact.rs) and its bytes; no pairs is no bytes at
/// all. A hash of five short fields takes about 70 bytes here instead of a vector of 48-byte
/// pairs. The count lives in the allocation, not beside it, so that `HashValue` is two words
/// and an entry holds it without a box (see value.rs).
///
/// # Invariants
/// `bytes` is empty, or the count `n > 0` followed by exactly `n` field-value items.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Packed {
    bytes: Box<[u8]>,
}

/// Where one pair sits in `Packed::bytes`: its start, its value's start, and its end.
#[derive(Clone, Copy)]
struct Span {
    start: usize,
    value: usize,
    end: usize,
}

/// The string at `at` and the offset after it.
#[inline]
fn item(bytes: &[u8], at: usize) -> Option<(&[u8], usize)> {
    read_prefixed(bytes, at)
}

/// Pairs of a packed hash, in order.
pub struct PackedIter<'a> {
    bytes: &'a [u8],
    at: usize,
    left: usize,
}

impl<'a> Iterator for PackedIter<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        let (field, value_at) = item(self.bytes, self.at)?;
        let (value, end) = item(self.bytes, value_at)?;
        self.at = end;
        self.left -= 1;
        Some((field, value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for PackedIter<'_> {}

impl Packed {
    /// The pair count and the offset of the first pair.
    #[inline]
    fn header(&self) -> (usize, usize) {
        read_length_prefix(&self.bytes, 0).unwrap_or((0, 0))
    }

    pub fn len(&self) -> usize {
        self.header().0
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub fn iter(&self) -> PackedIter<'_> {
        let (left, at) = self.header();
        PackedIter { bytes: &self.bytes, at, left }
    }

    fn find(&self, field: &[u8]) -> Option<Span> {
        let (pairs, mut at) = self.header();
        for _ in 0..pairs {
            let (found, value) = item(&self.bytes, at)?;
            let (_, end) = item(&self.bytes, value)?;
            if found == field {
                return Some(Span { start: at, value, end });
            }
            at = end;
        }
        None
    }

    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        let span = self.find(field)?;
        item(&self.bytes, span.value).map(|(value, _)| value)
    }

    /// Replaces `bytes[range]` (within the pairs) with `with`, leaving `pairs` pairs in all;
    /// reallocates to the exact new size, as Redis's listpack does, so a small hash carries
    /// no spare capacity.
    fn splice(&mut self, range: std::ops::Range<usize>, with: &[&[u8]], pairs: usize) {
        if pairs == 0 {
            self.bytes = Box::default();
            return;
        }
        let (_, first) = self.header();
        let kept = self.bytes.get(first..range.start).unwrap_or(&[]);
        let rest = self.bytes.get(range.end..).unwrap_or(&[]);
        let added: usize = with.iter().map(|s| length_prefix_bytes(s.len()) + s.len()).sum();
        let mut bytes =
            Vec::with_capacity(length_prefix_bytes(pairs) + kept.len() + added + rest.len());
        push_length_prefix(&mut bytes, pairs);
        bytes.extend_from_slice(kept);
        for string in with {
            push_length_prefix(&mut bytes, string.len());
            bytes.extend_from_slice(string);
        }
        bytes.extend_from_slice(rest);
        self.bytes = bytes.into_boxed_slice();
    }

    /// Sets `field` (callers keep the pairs under `LISTPACK_ENTRIES_MAX`); true if it is new.
    fn set(&mut self, field: &[u8], value: &[u8]) -> bool {
        let pairs = self.len();
        match self.find(field) {
            Some(span) => {
                self.splice(span.value..span.end, &[value], pairs);
                false
            }
            None => {
                let end = self.bytes.len();
                self.splice(end..end, &[field, value], pairs + 1);
                true
            }
        }
    }

    fn remove(&mut self, field: &[u8]) -> bool {
        let Some(span) = self.find(field) else { return false };
        let pairs = self.len().saturating_sub(1);
        self.splice(span.start..span.end, &[], pairs);
        true
    }

    fn memory_bytes(&self) -> usize {
        self.bytes.len()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HashValue {
    Listpack(Packed),
    Table(Box<Dense<Pair>>),
}

// Two words, so `Value` holds a hash without a box and stays three words (value.rs).
const _: () = assert!(std::mem::size_of::<HashValue>() == 16);

impl Default for HashValue {
    fn default() -> Self {
        Self::Listpack(Packed::default())
    }
}

fn fits_listpack(field: &[u8], value: &[u8]) -> bool {
    let max = value_bytes_max();
    field.len() <= max && value.len() <= max
}

/// Pairs of either encoding, in order.
pub enum Pairs<'a> {
    Packed(PackedIter<'a>),
    Table(std::slice::Iter<'a, Pair>),
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Self::Packed(pairs) => pairs.next(),
            Self::Table(pairs) => pairs.next().map(|(f, v)| (&**f, &**v)),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            Self::Packed(pairs) => pairs.size_hint(),
            Self::Table(pairs) => pairs.size_hint(),
        }
    }
}

impl ExactSizeIterator for Pairs<'_> {}

/// Pairs by position: the table's own slice, or a small hash decoded once (at most `hash-max-listpack-entries`).
pub enum Positional<'a> {
    Small(Vec<(&'a [u8], &'a [u8])>),
    Table(&'a [Pair]),
}

impl<'a> Positional<'a> {
    pub fn len(&self) -> usize {
        match self {
            Self::Small(pairs) => pairs.len(),
            Self::Table(pairs) => pairs.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, i: usize) -> Option<(&'a [u8], &'a [u8])> {
        match self {
            Self::Small(pairs) => pairs.get(i).copied(),
            Self::Table(pairs) => pairs.get(i).map(|(f, v)| (&**f, &**v)),
        }
    }
}

impl HashValue {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        match self {
            Self::Listpack(packed) => packed.len(),
            Self::Table(table) => table.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The pairs in their stored order (listpack: insertion order).
    pub fn iter(&self) -> Pairs<'_> {
        match self {
            Self::Listpack(packed) => Pairs::Packed(packed.iter()),
            Self::Table(table) => Pairs::Table(table.entries().iter()),
        }
    }

    /// The pairs by position (O(1) each once built; a listpack is decoded once).
    pub fn positional(&self) -> Positional<'_> {
        match self {
            Self::Listpack(packed) => Positional::Small(packed.iter().collect()),
            Self::Table(table) => Positional::Table(table.entries()),
        }
    }

    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match self {
            Self::Listpack(packed) => packed.get(field),
            Self::Table(table) => table.get(field).map(|(_, v)| &**v),
        }
    }

    pub fn contains(&self, field: &[u8]) -> bool {
        self.get(field).is_some()
    }

    /// Redis's `hashTypeTryConversion` before a write of `pairs` pairs whose longest field or
    /// value has `longest_bytes`: converts a listpack that would outgrow its limits at once.
    pub fn prepare(&mut self, pairs: usize, longest_bytes: usize) {
        if matches!(self, Self::Listpack(_))
            && (pairs > entries_max() || longest_bytes > value_bytes_max())
        {
            self.convert();
        }
    }

    /// Sets `field`; true if it is new.
    pub fn insert(&mut self, field: &[u8], value: &[u8]) -> bool {
        if let Self::Listpack(packed) = self {
            let room = packed.len() < entries_max() || packed.find(field).is_some();
            if room && fits_listpack(field, value) {
                return packed.set(field, value);
            }
            self.convert();
        }
        let Self::Table(table) = self else { return false };
        match table.insert((field.into(), value.into())) {
            Ok(_) => true,
            Err(at) => {
                if let Some(pair) = table.at_mut(at) {
                    pair.1 = value.into();
                }
                false
            }
        }
    }

    /// Removes `field`; true if it was there. A listpack keeps the order of the others.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match self {
            Self::Listpack(packed) => packed.remove(field),
            Self::Table(table) => table.remove(field).is_some(),
        }
    }

    fn convert(&mut self) {
        if let Self::Listpack(packed) = self {
            let mut table = Dense::with_capacity(packed.len() + 1);
            for (field, value) in packed.iter() {
                let _ = table.insert((field.into(), value.into()));
            }
            *self = Self::Table(Box::new(table));
        }
    }

    /// True for the small encoding, which SCAN returns whole.
    pub fn is_listpack(&self) -> bool {
        matches!(self, Self::Listpack(_))
    }

    pub fn encoding_name(&self) -> &'static str {
        match self {
            Self::Listpack(_) => "listpack",
            Self::Table(_) => "hashtable",
        }
    }

    pub fn memory_bytes(&self) -> usize {
        match self {
            Self::Listpack(packed) => packed.memory_bytes(),
            Self::Table(table) => {
                let heap: usize =
                    table.entries().iter().map(|(f, v)| f.heap_bytes() + v.heap_bytes()).sum();
                table.memory_bytes() + std::mem::size_of::<Dense<Pair>>() + heap
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(hash: &HashValue) -> Vec<String> {
        hash.iter().map(|(f, _)| String::from_utf8_lossy(f).into_owned()).collect()
    }

    #[test]
    fn listpack_keeps_insertion_order_and_converts_at_the_limits() {
        let mut hash = HashValue::new();
        assert!(hash.insert(b"b", b"1"));
        assert!(hash.insert(b"a", b"2"));
        assert!(!hash.insert(b"b", b"3"));
        assert_eq!(fields(&hash), ["b", "a"]);
        assert_eq!(hash.get(b"b"), Some(&b"3"[..]));
        assert!(hash.remove(b"b"));
        assert!(!hash.remove(b"b"));
        assert_eq!(hash.encoding_name(), "listpack");
        for i in 0..127 {
            hash.insert(format!("f{i}").as_bytes(), b"v");
        }
        assert_eq!((hash.len(), hash.encoding_name()), (128, "listpack"));
        hash.insert(b"one more", b"v");
        assert_eq!((hash.len(), hash.encoding_name()), (129, "hashtable"));
        assert_eq!(fields(&hash)[0], "a");
        for i in 0..127 {
            hash.remove(format!("f{i}").as_bytes());
        }
        assert_eq!((hash.len(), hash.encoding_name()), (2, "hashtable"));
    }

    #[test]
    fn long_fields_or_values_convert() {
        let mut hash = HashValue::new();
        hash.insert(b"f", &[b'x'; 64]);
        assert_eq!(hash.encoding_name(), "listpack");
        hash.insert(b"f", &[b'x'; 65]);
        assert_eq!(hash.encoding_name(), "hashtable");
        assert_eq!(hash.get(b"f").map(<[u8]>::len), Some(65));
        let mut hash = HashValue::new();
        hash.insert(&[b'k'; 65], b"v");
        assert_eq!(hash.encoding_name(), "hashtable");
        let mut hash = HashValue::new();
        hash.insert(b"a", b"1");
        hash.prepare(129, 1);
        assert_eq!(hash.encoding_name(), "hashtable");
    }

    #[test]
    fn packed_pairs_round_trip() {
        let mut hash = HashValue::new();
        let long = [b'v'; 64];
        assert!(hash.insert(b"", b""));
        assert!(hash.insert(b"f", &long));
        assert!(hash.insert(b"g", b"1"));
        assert!(!hash.insert(b"f", b"short"));
        assert!(!hash.insert(b"", b"e"));
        let pairs: Vec<(&[u8], &[u8])> = hash.iter().collect();
        assert_eq!(pairs, [(&b""[..], &b"e"[..]), (b"f", b"short"), (b"g", b"1")]);
        assert_eq!(hash.iter().len(), 3);
        assert!(hash.remove(b"f"));
        assert_eq!(hash.get(b"g"), Some(&b"1"[..]));
        assert_eq!(hash.get(b"f"), None);
        assert_eq!(hash.positional().get(1), Some((&b"g"[..], &b"1"[..])));
        assert!(hash.remove(b"") && hash.remove(b"g"));
        assert!(hash.is_empty());
        assert_eq!(hash.memory_bytes(), 0);
        // Five short pairs in one small allocation.
        for i in 0..5 {
            hash.insert(format!("field{i}").as_bytes(), b"value");
        }
        assert_eq!(hash.memory_bytes(), 1 + 5 * (7 + 6));
    }

    #[test]
    fn packed_holds_long_strings_and_many_pairs() {
        // Settings above 127 bytes or 255 pairs need wider prefixes and counts.
        let mut packed = Packed::default();
        let long = vec![b'v'; 20_000];
        assert!(packed.set(&[b'f'; 300], &long));
        for i in 0..300 {
            assert!(packed.set(format!("f{i}").as_bytes(), b"x"));
        }
        assert!(!packed.set(b"f7", b"y"));
        assert_eq!(packed.len(), 301);
        assert_eq!(packed.get(&[b'f'; 300]), Some(&long[..]));
        assert_eq!(packed.get(b"f7"), Some(&b"y"[..]));
        assert!(packed.remove(&[b'f'; 300]));
        assert_eq!(packed.iter().next(), Some((&b"f0"[..], &b"x"[..])));
        assert_eq!(packed.iter().count(), 300);
    }

    #[test]
    fn table_updates_values_in_place() {
        let mut hash = HashValue::new();
        hash.prepare(1, 100);
        assert!(hash.insert(b"f", b"1"));
        assert!(!hash.insert(b"f", b"2"));
        assert_eq!(hash.get(b"f"), Some(&b"2"[..]));
        assert_eq!(hash.len(), 1);
    }
}
