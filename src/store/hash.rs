//! Hash values: field-value pairs. Small hashes ("listpack") are packed into one allocation
//! and scanned linearly in insertion order, like Redis's listpack; larger ones are a `Dense`
//! table (see dense.rs for why). Conversions go one way, small to large, at the thresholds
//! `hash-max-listpack-entries` and `hash-max-listpack-value` set (see encoding.rs).
use std::ops::Deref;

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

/// A field header byte under this is the whole field's length (nothing shared).
const PLAIN_END: u8 = 0x80;
/// Header bytes `PLAIN_END..GENERAL`: `PLAIN_END + (shared - 1) * 16 + added`.
const SHARED_SHORT_MAX: usize = 7;
const ADDED_SHORT_MAX: usize = 15;
/// Followed by the shared length and the added length, as length prefixes.
const GENERAL: u8 = 0xF0;

const _: () =
    assert!(PLAIN_END as usize + SHARED_SHORT_MAX * (ADDED_SHORT_MAX + 1) == GENERAL as usize);

/// Field-value pairs in one exact-size allocation: the pair count (a length prefix, see
/// compact.rs), then each pair as its field header, the field's added bytes, the value's
/// length prefix and the value's bytes; no pairs is no bytes at all.
///
/// A field is stored as the length of the prefix it shares with the previous field and the
/// bytes it adds (LevelDB's block format, restarting at each hash): fields of one hash often
/// differ only at the end (`item:1041`, `item:1042`; the bucketed "many small hashes" layout
/// of ids; `addr_street`, `addr_city`). The header is one byte for a field that shares
/// nothing and is under 128 bytes (as a plain length prefix), one byte for 1-7 shared bytes
/// and 0-15 added, and `GENERAL` plus two length prefixes otherwise; the cheapest is chosen.
/// Values are stored whole, so `get` borrows them; fields are rebuilt when iterated.
///
/// # Invariants
/// `bytes` is empty, or the count `n > 0` followed by exactly `n` pairs; the first field
/// shares nothing, and no field shares more than the previous field's length.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Packed {
    bytes: Box<[u8]>,
}

/// Where one pair sits in `Packed::bytes`: its position, its start, its value's start and
/// its end.
#[derive(Clone, Copy)]
struct Span {
    index: usize,
    start: usize,
    value: usize,
    end: usize,
}

/// One stored pair, as read: what its field shares and adds, and its value.
struct Stored<'a> {
    shared: usize,
    added: &'a [u8],
    value_at: usize,
    value: &'a [u8],
    end: usize,
}

/// The pair starting at `at`; None if the bytes end early or a header is malformed.
#[inline]
fn read_pair(bytes: &[u8], at: usize) -> Option<Stored<'_>> {
    let first = *bytes.get(at)?;
    let (shared, added_len, added_at) = if first < PLAIN_END {
        (0, usize::from(first), at + 1)
    } else if first < GENERAL {
        let code = first - PLAIN_END;
        (1 + usize::from(code >> 4), usize::from(code & 0x0f), at + 1)
    } else if first == GENERAL {
        let (shared, next) = read_length_prefix(bytes, at + 1)?;
        let (added_len, next) = read_length_prefix(bytes, next)?;
        (shared, added_len, next)
    } else {
        return None;
    };
    let value_at = added_at.checked_add(added_len)?;
    let added = bytes.get(added_at..value_at)?;
    let (value, end) = read_prefixed(bytes, value_at)?;
    Some(Stored { shared, added, value_at, value, end })
}

/// Length of the longest common prefix of `a` and `b`.
#[inline]
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// How a field is stored: its header form and how many of its bytes it shares.
#[derive(Clone, Copy)]
enum Form {
    /// One byte: 1-7 shared, 0-15 added.
    Short { shared: usize },
    /// Nothing shared: a length byte under 128, else `GENERAL`, 0 and the length.
    Plain,
    /// `GENERAL`, the shared length, the added length.
    General { shared: usize },
}

impl Form {
    /// The cheapest form for a `len`-byte field sharing `common` bytes with the previous
    /// field, and the bytes it then takes (header and added bytes).
    fn choose(len: usize, common: usize) -> (Self, usize) {
        let plain =
            if len < usize::from(PLAIN_END) { 1 + len } else { 2 + length_prefix_bytes(len) + len };
        let general =
            1 + length_prefix_bytes(common) + length_prefix_bytes(len - common) + len - common;
        let short = common.min(SHARED_SHORT_MAX);
        if short > 0 && len - short <= ADDED_SHORT_MAX && 1 + len - short <= plain.min(general) {
            (Self::Short { shared: short }, 1 + len - short)
        } else if plain <= general {
            (Self::Plain, plain)
        } else {
            (Self::General { shared: common }, general)
        }
    }
}

/// Appends `field`'s header and added bytes in `form` (from `Form::choose`).
fn push_field(out: &mut Vec<u8>, field: &[u8], form: Form) {
    let len = field.len();
    let shared = match form {
        Form::Short { shared } => {
            // Fits: shared 1..=7 and added 0..=15 make a byte in PLAIN_END..GENERAL.
            out.push(PLAIN_END + ((shared - 1) * (ADDED_SHORT_MAX + 1) + (len - shared)) as u8);
            shared
        }
        Form::Plain => {
            if len >= usize::from(PLAIN_END) {
                out.extend_from_slice(&[GENERAL, 0]);
            }
            push_length_prefix(out, len);
            0
        }
        Form::General { shared } => {
            out.push(GENERAL);
            push_length_prefix(out, shared);
            push_length_prefix(out, len - shared);
            shared
        }
    };
    out.extend_from_slice(field.get(shared..).unwrap_or(&[]));
}

/// A field as iteration yields it: borrowed from the packed bytes when stored whole, else
/// rebuilt (inline up to 22 bytes, see compact.rs).
#[derive(Debug, Clone)]
pub enum Field<'a> {
    Borrowed(&'a [u8]),
    Built(CompactBytes),
}

impl Deref for Field<'_> {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        match self {
            Self::Borrowed(bytes) => bytes,
            Self::Built(bytes) => bytes,
        }
    }
}

impl From<Field<'_>> for CompactBytes {
    fn from(field: Field<'_>) -> Self {
        match field {
            Field::Borrowed(bytes) => bytes.into(),
            Field::Built(bytes) => bytes,
        }
    }
}

/// Pairs of a packed hash, in order.
pub struct PackedIter<'a> {
    bytes: &'a [u8],
    at: usize,
    left: usize,
    previous: Field<'a>,
}

impl<'a> Iterator for PackedIter<'a> {
    type Item = (Field<'a>, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        let pair = read_pair(self.bytes, self.at)?;
        let field = if pair.shared == 0 {
            Field::Borrowed(pair.added)
        } else {
            let head = self.previous.get(..pair.shared)?;
            Field::Built(CompactBytes::concat(head, pair.added))
        };
        self.previous = field.clone();
        self.at = pair.end;
        self.left -= 1;
        Some((field, pair.value))
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

    /// Packs `pairs` (distinct fields), in order.
    fn from_pairs(pairs: &[(Field<'_>, &[u8])]) -> Self {
        if pairs.is_empty() {
            return Self::default();
        }
        let mut bytes = Vec::new();
        push_length_prefix(&mut bytes, pairs.len());
        let mut previous: &[u8] = &[];
        for (field, value) in pairs {
            push_field(
                &mut bytes,
                field,
                Form::choose(field.len(), common_prefix(previous, field)).0,
            );
            push_length_prefix(&mut bytes, value.len());
            bytes.extend_from_slice(value);
            previous = field;
        }
        Self { bytes: bytes.into_boxed_slice() }
    }

    pub fn len(&self) -> usize {
        self.header().0
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub fn iter(&self) -> PackedIter<'_> {
        let (left, at) = self.header();
        PackedIter { bytes: &self.bytes, at, left, previous: Field::Borrowed(&[]) }
    }

    /// `field`'s pair; if absent, the length of the prefix `field` shares with the last
    /// field (what an appended `field` would share). Compares without rebuilding fields:
    /// `matched`, the prefix `field` shares with the current field, follows from the
    /// previous one (a field sharing more than `matched` with its predecessor differs from
    /// `field` where that one did).
    fn find(&self, field: &[u8]) -> Result<Span, usize> {
        let (pairs, mut at) = self.header();
        let mut matched = 0;
        for index in 0..pairs {
            let Some(pair) = read_pair(&self.bytes, at) else { break };
            if pair.shared <= matched {
                let rest = field.get(pair.shared..).unwrap_or(&[]);
                matched = pair.shared + common_prefix(rest, pair.added);
                if matched == field.len() && pair.shared + pair.added.len() == field.len() {
                    return Ok(Span { index, start: at, value: pair.value_at, end: pair.end });
                }
            }
            at = pair.end;
        }
        Err(matched)
    }

    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        let span = self.find(field).ok()?;
        read_prefixed(&self.bytes, span.value).map(|(value, _)| value)
    }

    /// Replaces `bytes[range]` (within the pairs) with the `added` bytes `write` appends,
    /// leaving `pairs` pairs in all; allocates the exact new size, as Redis's listpack
    /// reallocates, so a small hash carries no spare capacity.
    fn splice(
        &mut self,
        range: std::ops::Range<usize>,
        added: usize,
        pairs: usize,
        write: impl FnOnce(&mut Vec<u8>),
    ) {
        let (_, first) = self.header();
        let kept = self.bytes.get(first..range.start).unwrap_or(&[]);
        let rest = self.bytes.get(range.end..).unwrap_or(&[]);
        let mut bytes =
            Vec::with_capacity(length_prefix_bytes(pairs) + kept.len() + added + rest.len());
        push_length_prefix(&mut bytes, pairs);
        bytes.extend_from_slice(kept);
        write(&mut bytes);
        bytes.extend_from_slice(rest);
        // `added` was exact, so the boxed slice takes the buffer as it is.
        debug_assert_eq!(bytes.len(), bytes.capacity());
        self.bytes = bytes.into_boxed_slice();
    }

    /// Sets `field` (callers keep the pairs under `LISTPACK_ENTRIES_MAX`); true if it is new.
    fn set(&mut self, field: &[u8], value: &[u8]) -> bool {
        let pairs = self.len();
        let value_bytes = length_prefix_bytes(value.len()) + value.len();
        let push_value = |out: &mut Vec<u8>| {
            push_length_prefix(out, value.len());
            out.extend_from_slice(value);
        };
        match self.find(field) {
            Ok(span) => {
                self.splice(span.value..span.end, value_bytes, pairs, push_value);
                false
            }
            Err(common) => {
                let (form, field_bytes) = Form::choose(field.len(), common);
                let end = self.bytes.len();
                self.splice(end..end, field_bytes + value_bytes, pairs + 1, |out| {
                    push_field(out, field, form);
                    push_value(out);
                });
                true
            }
        }
    }

    fn remove(&mut self, field: &[u8]) -> bool {
        let Ok(span) = self.find(field) else { return false };
        let pairs = self.len().saturating_sub(1);
        let next_shares = read_pair(&self.bytes, span.end).is_some_and(|next| next.shared > 0);
        if pairs == 0 {
            self.bytes = Box::default();
        } else if span.index == pairs || !next_shares {
            // The last pair, or the next one stands alone: cut it out.
            self.splice(span.start..span.end, 0, pairs, |_| {});
        } else {
            // The next field was stored against this one: pack the others again.
            let kept: Vec<_> =
                self.iter().enumerate().filter(|(i, _)| *i != span.index).map(|(_, p)| p).collect();
            *self = Self::from_pairs(&kept);
        }
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

impl HashValue {
    /// Prefetches the start of the hash's heap block (`Value::prefetch_heap`).
    #[inline]
    pub fn prefetch_heap(&self) {
        match self {
            Self::Listpack(packed) => super::index::prefetch_bytes(&packed.bytes),
            Self::Table(table) => super::index::prefetch(&**table),
        }
    }
}

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
    type Item = (Field<'a>, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Self::Packed(pairs) => pairs.next(),
            Self::Table(pairs) => pairs.next().map(|(f, v)| (Field::Borrowed(f), &**v)),
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

/// Pairs by position: the table's own slice, or a small hash decoded once (at most
/// `hash-max-listpack-entries`).
pub enum Positional<'a> {
    Small(Vec<(Field<'a>, &'a [u8])>),
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

    pub fn get(&self, i: usize) -> Option<(&[u8], &[u8])> {
        match self {
            Self::Small(pairs) => pairs.get(i).map(|(f, v)| (&**f, *v)),
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
            let room = packed.len() < entries_max() || packed.find(field).is_ok();
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
                let _ = table.insert((CompactBytes::from(field), value.into()));
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
        hash.iter().map(|(f, _)| String::from_utf8_lossy(&f).into_owned()).collect()
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
        for i in 0..511 {
            hash.insert(format!("f{i}").as_bytes(), b"v");
        }
        assert_eq!((hash.len(), hash.encoding_name()), (512, "listpack"));
        hash.insert(b"one more", b"v");
        assert_eq!((hash.len(), hash.encoding_name()), (513, "hashtable"));
        assert_eq!(fields(&hash)[0], "a");
        for i in 0..511 {
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
        hash.prepare(513, 1);
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
        let pairs: Vec<(Vec<u8>, &[u8])> = hash.iter().map(|(f, v)| (f.to_vec(), v)).collect();
        let expected: [(&[u8], &[u8]); 3] = [(b"", b"e"), (b"f", b"short"), (b"g", b"1")];
        assert_eq!(pairs, expected.map(|(f, v)| (f.to_vec(), v)));
        assert_eq!(hash.iter().len(), 3);
        assert!(hash.remove(b"f"));
        assert_eq!(hash.get(b"g"), Some(&b"1"[..]));
        assert_eq!(hash.get(b"f"), None);
        assert_eq!(hash.positional().get(1), Some((&b"g"[..], &b"1"[..])));
        assert!(hash.remove(b"") && hash.remove(b"g"));
        assert!(hash.is_empty());
        assert_eq!(hash.memory_bytes(), 0);
        // Five short pairs in one small allocation; the last four fields share "field".
        for i in 0..5 {
            hash.insert(format!("field{i}").as_bytes(), b"value");
        }
        assert_eq!(hash.memory_bytes(), 1 + (7 + 6) + 4 * (2 + 6));
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
        assert_eq!(
            packed.iter().next().map(|(f, v)| (f.to_vec(), v)),
            Some((b"f0".to_vec(), &b"x"[..]))
        );
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
    fn packed_pairs(packed: &Packed) -> Vec<(Vec<u8>, Vec<u8>)> {
        packed.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect()
    }

    /// Fields that differ only at the end take one header byte and their last bytes.
    #[test]
    fn fields_share_prefixes_with_the_previous_field() {
        let mut packed = Packed::default();
        for i in 0..10 {
            packed.set(format!("field:{i:02}").as_bytes(), &[b'v'; 20]);
        }
        // Count, "field:00" whole, then "field:01".."field:09" as 7 shared + 1 added.
        assert_eq!(packed.memory_bytes(), 1 + (1 + 8) + 9 * (1 + 1) + 10 * (1 + 20));
        packed.set(b"field:10", b"x");
        // Shares "field:" (6 bytes), adds "10".
        assert_eq!(packed.memory_bytes(), 238 + (1 + 2) + (1 + 1));
        // Nothing shared: a plain length byte, as before.
        let mut plain = Packed::default();
        plain.set(b"name", b"a");
        plain.set(b"email", b"b");
        assert_eq!(plain.memory_bytes(), 1 + (1 + 4 + 2) + (1 + 5 + 2));
        // 30 shared bytes and 2 added: GENERAL, two length bytes, the 2 bytes.
        let long = [b'p'; 30];
        let mut general = Packed::default();
        general.set(&[&long[..], b"a1"].concat(), b"");
        general.set(&[&long[..], b"b2"].concat(), b"");
        assert_eq!(general.memory_bytes(), 1 + (1 + 32 + 1) + (1 + 1 + 1 + 2 + 1));
        assert_eq!(general.get(&[&long[..], b"b2"].concat()), Some(&b""[..]));
        assert_eq!(general.get(&[&long[..], b"a2"].concat()), None);
        // A field of 128 bytes or more shares nothing: GENERAL, 0, its two-byte length.
        let mut wide = Packed::default();
        wide.set(&[b'w'; 200], b"v");
        assert_eq!(wide.memory_bytes(), 1 + (1 + 1 + 2 + 200) + 2);
        assert_eq!(packed_pairs(&wide), [(vec![b'w'; 200], b"v".to_vec())]);
    }

    /// Random sets, updates and removals over fields with many shared prefixes (short and
    /// long ones, empty fields, fields that are prefixes of others) agree with an ordered
    /// model: order, values, lookups of absent fields and the count.
    #[test]
    fn prefix_packing_matches_a_model() {
        let mut rng = fastrand::Rng::with_seed(10);
        let stems: [&[u8]; 4] = [b"", b"ab", &[b'q'; 40], &[b'z'; 140]];
        let mut packed = Packed::default();
        let mut model: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        for step in 0..20_000 {
            let mut field = stems[rng.usize(..stems.len())].to_vec();
            for _ in 0..rng.usize(..5) {
                field.push(b"ab"[rng.usize(..2)]);
            }
            let value = vec![b'0' + rng.u8(..10); rng.usize(..30)];
            let at = model.iter().position(|(f, _)| *f == field);
            match rng.u8(..4) {
                0 => {
                    assert_eq!(packed.remove(&field), at.is_some(), "step {step}");
                    if let Some(at) = at {
                        model.remove(at);
                    }
                }
                1 => assert_eq!(packed.get(&field), at.map(|i| &model[i].1[..]), "step {step}"),
                _ => {
                    assert_eq!(packed.set(&field, &value), at.is_none(), "step {step}");
                    match at {
                        Some(i) => model[i].1 = value,
                        None => model.push((field, value)),
                    }
                }
            }
            assert_eq!(packed.len(), model.len(), "step {step}");
            if step % 16 == 0 {
                assert_eq!(packed_pairs(&packed), model, "step {step}");
                let repacked = Packed::from_pairs(&packed.iter().collect::<Vec<_>>());
                assert_eq!(packed_pairs(&repacked), model, "step {step}");
            }
        }
        assert!(model.len() > 20);
        for (field, value) in &model {
            assert_eq!(packed.get(field), Some(&value[..]));
        }
    }
}
