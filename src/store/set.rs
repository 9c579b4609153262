//! Set values: sorted integers while every member is one ("intset"), members packed in one
//! allocation ("listpack"), then a `Dense` table ("hashtable", see dense.rs), with Redis
//! 7.2's thresholds (`set-max-intset-entries`, `set-max-listpack-entries`,
//! `set-max-listpack-value`, read from encoding.rs) and its one-way conversions (t_set.c
//! `setTypeAdd`, `setTypeCreate`).
use super::compact::{length_prefix_bytes, push_length_prefix, read_prefixed, CompactBytes};
use super::dense::Dense;
use super::encoding;
use crate::protocol::number::parse_i64;

/// Redis caps `set-max-intset-entries` at 2^30 ("due to intset internals").
const INTSET_ENTRIES_CAP: usize = 1 << 30;

/// Most members the packed form counts (a u32): a larger setting converts here.
pub const LISTPACK_ENTRIES_MAX: usize = u32::MAX as usize;

/// The current `set-max-intset-entries` (as Redis, at most 2^30).
pub fn intset_entries_max() -> usize {
    encoding::set_max_intset_entries().min(INTSET_ENTRIES_CAP)
}

/// The current `set-max-listpack-entries`, within what the packed form counts.
fn listpack_entries_max() -> usize {
    encoding::set_max_listpack_entries().min(LISTPACK_ENTRIES_MAX)
}

/// The current `set-max-listpack-value`.
fn listpack_value_bytes_max() -> usize {
    encoding::set_max_listpack_value()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetValue {
    Ints(Vec<i64>),
    Listpack(Packed),
    Table(Box<Dense<CompactBytes>>),
}

/// Members in one exact-size allocation, in insertion order: every member is its length
/// prefix (one byte under 128 bytes, see compact.rs) and its bytes, about a tenth of what a
/// vector of 24-byte `CompactBytes` takes for short members.
///
/// # Invariants
/// `bytes` holds exactly `len` items.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Packed {
    bytes: Box<[u8]>,
    len: u32,
}

/// The member at offset `at` and the offset after it.
fn item(bytes: &[u8], at: usize) -> Option<(&[u8], usize)> {
    read_prefixed(bytes, at)
}

/// Members of a packed set, in order.
pub struct PackedIter<'a> {
    bytes: &'a [u8],
    at: usize,
    left: usize,
}

impl<'a> Iterator for PackedIter<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.left == 0 {
            return None;
        }
        let (member, end) = item(self.bytes, self.at)?;
        self.at = end;
        self.left -= 1;
        Some(member)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for PackedIter<'_> {}

impl Packed {
    pub fn len(&self) -> usize {
        usize::try_from(self.len).unwrap_or(usize::MAX)
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn iter(&self) -> PackedIter<'_> {
        PackedIter { bytes: &self.bytes, at: 0, left: self.len() }
    }

    /// (start, end) offsets of the first member for which `wanted(index, member)` holds.
    fn find(&self, mut wanted: impl FnMut(usize, &[u8]) -> bool) -> Option<(usize, usize)> {
        let mut at = 0;
        for i in 0..self.len() {
            let (member, end) = item(&self.bytes, at)?;
            if wanted(i, member) {
                return Some((at, end));
            }
            at = end;
        }
        None
    }

    pub fn contains(&self, member: &[u8]) -> bool {
        self.find(|_, m| m == member).is_some()
    }

    /// The member at position `i` (a scan: listpacks are small).
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let (start, _) = self.find(|j, _| j == i)?;
        item(&self.bytes, start).map(|(member, _)| member)
    }

    /// Appends `member` (callers keep the set under `LISTPACK_ENTRIES_MAX` members).
    fn push(&mut self, member: &[u8]) {
        let prefix_bytes = length_prefix_bytes(member.len());
        let mut bytes = Vec::with_capacity(self.bytes.len() + prefix_bytes + member.len());
        bytes.extend_from_slice(&self.bytes);
        push_length_prefix(&mut bytes, member.len());
        bytes.extend_from_slice(member);
        self.bytes = bytes.into_boxed_slice();
        self.len += 1;
    }

    fn remove_range(&mut self, start: usize, end: usize) {
        let mut bytes = Vec::with_capacity(self.bytes.len().saturating_sub(end - start));
        bytes.extend_from_slice(self.bytes.get(..start).unwrap_or(&[]));
        bytes.extend_from_slice(self.bytes.get(end..).unwrap_or(&[]));
        self.bytes = bytes.into_boxed_slice();
        self.len -= 1;
    }

    /// Removes `member`; true if it was there. The others keep their order.
    fn remove(&mut self, member: &[u8]) -> bool {
        let Some((start, end)) = self.find(|_, m| m == member) else { return false };
        self.remove_range(start, end);
        true
    }

    /// Removes and returns the member at position `i`.
    fn remove_at(&mut self, i: usize) -> Option<CompactBytes> {
        let (start, end) = self.find(|j, _| j == i)?;
        let member = CompactBytes::from(item(&self.bytes, start)?.0);
        self.remove_range(start, end);
        Some(member)
    }

    fn memory_bytes(&self) -> usize {
        self.bytes.len()
    }
}

/// Members of any encoding, in the stored order.
pub enum Members<'a> {
    Ints(std::slice::Iter<'a, i64>),
    Packed(PackedIter<'a>),
    Table(std::slice::Iter<'a, CompactBytes>),
}

impl<'a> Iterator for Members<'a> {
    type Item = Member<'a>;

    fn next(&mut self) -> Option<Member<'a>> {
        match self {
            Self::Ints(ints) => ints.next().map(|&n| Member::Int(n)),
            Self::Packed(members) => members.next().map(Member::Bytes),
            Self::Table(members) => members.next().map(|m| Member::Bytes(m)),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            Self::Ints(ints) => ints.size_hint(),
            Self::Packed(members) => members.size_hint(),
            Self::Table(members) => members.size_hint(),
        }
    }
}

impl ExactSizeIterator for Members<'_> {}

impl Default for SetValue {
    fn default() -> Self {
        Self::Ints(Vec::new())
    }
}

/// A member as stored: intsets hold integers, the other encodings bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member<'a> {
    Int(i64),
    Bytes(&'a [u8]),
}

impl Member<'_> {
    /// Calls `f` with the member's bytes (integers formatted on the stack).
    pub fn with_bytes<R>(self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Self::Int(n) => f(itoa::Buffer::new().format(n).as_bytes()),
            Self::Bytes(bytes) => f(bytes),
        }
    }

    pub fn to_compact(self) -> CompactBytes {
        self.with_bytes(|bytes| CompactBytes::from(bytes))
    }
}

impl SetValue {
    pub fn new() -> Self {
        Self::default()
    }

    /// Redis's `setTypeCreate`: the encoding for a new set whose first member is `first` and
    /// that is about to receive `hint` members.
    pub fn create(first: &[u8], hint: usize) -> Self {
        if parse_i64(first).is_some() && hint <= intset_entries_max() {
            Self::Ints(Vec::new())
        } else if hint <= listpack_entries_max() {
            Self::Listpack(Packed::default())
        } else {
            Self::Table(Box::new(Dense::with_capacity(hint)))
        }
    }

    /// A set of `members` (distinct) in exactly this order, so a journaled value (a Put)
    /// replays to the set that was journaled: an intset when they are integers in ascending
    /// order and fit (an intset iterates that way), else a listpack when small enough, else a
    /// hashtable.
    pub fn from_members<'a>(members: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let members: Vec<&[u8]> = members.into_iter().collect();
        if members.len() <= intset_entries_max() {
            let ints: Option<Vec<i64>> = members.iter().map(|m| parse_i64(m)).collect();
            if let Some(ints) = ints.filter(|ints| ints.windows(2).all(|w| w[0] < w[1])) {
                return Self::Ints(ints);
            }
        }
        let small = members.len() <= listpack_entries_max()
            && members.iter().all(|m| m.len() <= listpack_value_bytes_max());
        if small {
            let mut listpack = Packed::default();
            for member in members {
                if !listpack.contains(member) {
                    listpack.push(member);
                }
            }
            Self::Listpack(listpack)
        } else {
            Self::Table(Box::new(members.into_iter().map(CompactBytes::from).collect()))
        }
    }

    /// Redis's `setTypeMaybeConvert`: an existing set about to receive `hint` members goes
    /// to "hashtable" at once when the hint is beyond its encoding's limit.
    pub fn prepare(&mut self, hint: usize) {
        let convert = match self {
            Self::Ints(_) => hint > intset_entries_max(),
            Self::Listpack(_) => hint > listpack_entries_max(),
            Self::Table(_) => false,
        };
        if convert {
            self.convert_to_table(hint);
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Self::Ints(ints) => ints.len(),
            Self::Listpack(members) => members.len(),
            Self::Table(table) => table.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn contains(&self, member: &[u8]) -> bool {
        match self {
            Self::Ints(ints) => parse_i64(member).is_some_and(|n| ints.binary_search(&n).is_ok()),
            Self::Listpack(members) => members.contains(member),
            Self::Table(table) => table.find(member).is_some(),
        }
    }

    /// Adds `member`; true if it is new.
    pub fn insert(&mut self, member: &[u8]) -> bool {
        match self {
            Self::Ints(ints) => match parse_i64(member) {
                Some(n) => match ints.binary_search(&n) {
                    Ok(_) => false,
                    Err(at) => {
                        ints.insert(at, n);
                        if ints.len() > intset_entries_max() {
                            let len = ints.len();
                            self.convert_to_table(len);
                        }
                        true
                    }
                },
                None => {
                    // Not an integer, so not a member yet.
                    let fits = ints.len() < listpack_entries_max()
                        && member.len() <= listpack_value_bytes_max();
                    if fits {
                        let mut members = Packed::default();
                        let mut buffer = itoa::Buffer::new();
                        for &n in ints.iter() {
                            members.push(buffer.format(n).as_bytes());
                        }
                        members.push(member);
                        *self = Self::Listpack(members);
                    } else {
                        let len = ints.len() + 1;
                        self.convert_to_table(len);
                        self.insert(member);
                    }
                    true
                }
            },
            Self::Listpack(members) => {
                if members.contains(member) {
                    return false;
                }
                if members.len() < listpack_entries_max()
                    && member.len() <= listpack_value_bytes_max()
                {
                    members.push(member);
                    return true;
                }
                let len = members.len() + 1;
                self.convert_to_table(len);
                self.insert(member)
            }
            Self::Table(table) => table.insert(member.into()).is_ok(),
        }
    }

    /// Removes `member`; true if it was there. Intsets and listpacks keep the others' order.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self {
            Self::Ints(ints) => match parse_i64(member).map(|n| ints.binary_search(&n)) {
                Some(Ok(at)) => {
                    ints.remove(at);
                    true
                }
                _ => false,
            },
            Self::Listpack(members) => members.remove(member),
            Self::Table(table) => table.remove(member).is_some(),
        }
    }

    /// The member at position `i` of the stored order.
    pub fn member(&self, i: usize) -> Option<Member<'_>> {
        match self {
            Self::Ints(ints) => ints.get(i).map(|&n| Member::Int(n)),
            Self::Listpack(members) => members.get(i).map(Member::Bytes),
            Self::Table(table) => table.entries().get(i).map(|m| Member::Bytes(m)),
        }
    }

    /// A uniformly random member's position, None when empty.
    pub fn random_position(&self) -> Option<usize> {
        let len = self.len();
        (len > 0).then(|| fastrand::usize(..len))
    }

    /// Removes and returns the member at position `i`.
    pub fn remove_at(&mut self, i: usize) -> Option<CompactBytes> {
        match self {
            Self::Ints(ints) => (i < ints.len()).then(|| Member::Int(ints.remove(i)).to_compact()),
            Self::Listpack(members) => members.remove_at(i),
            Self::Table(table) => table.remove_at(i),
        }
    }

    /// Members in their stored order (intsets ascending).
    pub fn iter(&self) -> Members<'_> {
        match self {
            Self::Ints(ints) => Members::Ints(ints.iter()),
            Self::Listpack(members) => Members::Packed(members.iter()),
            Self::Table(table) => Members::Table(table.entries().iter()),
        }
    }

    /// Calls `f` with every member, in the stored order.
    pub fn for_each(&self, mut f: impl FnMut(&[u8])) {
        match self {
            Self::Ints(ints) => {
                let mut buffer = itoa::Buffer::new();
                for n in ints {
                    f(buffer.format(*n).as_bytes());
                }
            }
            Self::Listpack(members) => members.iter().for_each(f),
            Self::Table(table) => table.entries().iter().for_each(|m| f(m)),
        }
    }

    /// Converts to "hashtable" sized for `capacity`, keeping the stored order.
    fn convert_to_table(&mut self, capacity: usize) {
        let mut table = Dense::with_capacity(capacity);
        self.for_each(|m| {
            let _ = table.insert(CompactBytes::from(m));
        });
        *self = Self::Table(Box::new(table));
    }

    /// True for the small encodings, which SCAN returns whole.
    pub fn is_small(&self) -> bool {
        !matches!(self, Self::Table(_))
    }

    pub fn encoding_name(&self) -> &'static str {
        match self {
            Self::Ints(_) => "intset",
            Self::Listpack(_) => "listpack",
            Self::Table(_) => "hashtable",
        }
    }

    pub fn memory_bytes(&self) -> usize {
        match self {
            Self::Ints(ints) => ints.capacity() * 8,
            Self::Listpack(members) => members.memory_bytes(),
            Self::Table(table) => {
                table.memory_bytes()
                    + std::mem::size_of::<Dense<CompactBytes>>()
                    + table.entries().iter().map(CompactBytes::heap_bytes).sum::<usize>()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_holds_long_members_and_many_members() {
        // Settings above 127 bytes or 255 members need wider prefixes and counts.
        let mut packed = Packed::default();
        let long = vec![b'm'; 20_000];
        packed.push(&long);
        for i in 0..300 {
            packed.push(format!("m{i}").as_bytes());
        }
        assert_eq!(packed.len(), 301);
        assert!(packed.contains(&long));
        assert_eq!(packed.get(300), Some(&b"m299"[..]));
        assert_eq!(packed.remove_at(0).as_deref(), Some(&long[..]));
        assert!(packed.remove(b"m5"));
        assert_eq!(packed.iter().count(), 299);
        assert_eq!(packed.get(5), Some(&b"m6"[..]));
    }

    fn members(set: &SetValue) -> Vec<String> {
        let mut out = Vec::new();
        set.for_each(|m| out.push(String::from_utf8_lossy(m).into_owned()));
        out
    }

    #[test]
    fn intset_then_listpack_then_hashtable() {
        let mut set = SetValue::new();
        assert!(set.insert(b"3"));
        assert!(set.insert(b"1"));
        assert!(!set.insert(b"3"));
        assert_eq!((members(&set), set.encoding_name()), (vec!["1".into(), "3".into()], "intset"));
        assert!(set.contains(b"1") && !set.contains(b"01"));
        assert!(set.insert(b"a"));
        assert!(set.insert(b"2"));
        assert_eq!(members(&set), ["1", "3", "a", "2"]);
        assert_eq!(set.encoding_name(), "listpack");
        assert!(set.remove(b"3"));
        assert_eq!(members(&set), ["1", "a", "2"]);
        for i in 0..125 {
            set.insert(format!("m{i}").as_bytes());
        }
        assert_eq!((set.len(), set.encoding_name()), (128, "listpack"));
        set.insert(b"x");
        assert_eq!((set.len(), set.encoding_name()), (129, "hashtable"));
        assert_eq!(members(&set)[..3], ["1", "a", "2"]);
        assert!(set.contains(b"x"));
    }

    #[test]
    fn intset_limits() {
        let mut set = SetValue::new();
        for i in 0..512 {
            set.insert(i.to_string().as_bytes());
        }
        assert_eq!(set.encoding_name(), "intset");
        set.insert(b"512");
        assert_eq!((set.len(), set.encoding_name()), (513, "hashtable"));
        // An intset of 128 or more integers goes straight to a hashtable for a string.
        let mut set = SetValue::new();
        for i in 0..128 {
            set.insert(i.to_string().as_bytes());
        }
        set.insert(b"s");
        assert_eq!(set.encoding_name(), "hashtable");
        let mut set = SetValue::new();
        set.insert(b"1");
        set.insert(&[b'x'; 65]);
        assert_eq!(set.encoding_name(), "hashtable");
    }

    #[test]
    fn create_and_prepare_follow_the_size_hint() {
        assert_eq!(SetValue::create(b"1", 512).encoding_name(), "intset");
        assert_eq!(SetValue::create(b"1", 513).encoding_name(), "hashtable");
        assert_eq!(SetValue::create(b"a", 128).encoding_name(), "listpack");
        assert_eq!(SetValue::create(b"a", 129).encoding_name(), "hashtable");
        let mut set = SetValue::new();
        set.insert(b"a");
        set.prepare(129);
        assert_eq!((set.encoding_name(), members(&set)), ("hashtable", vec!["a".to_string()]));
    }

    #[test]
    fn from_members_keeps_the_order_and_picks_the_encoding() {
        let order = |set: &SetValue| members(set).join(",");
        let set = SetValue::from_members([&b"7"[..], b"5", b"b"]);
        assert_eq!((order(&set), set.encoding_name()), ("7,5,b".into(), "listpack"));
        let set = SetValue::from_members([&b"5"[..], b"7"]);
        assert_eq!((order(&set), set.encoding_name()), ("5,7".into(), "intset"));
        let set = SetValue::from_members([&b"7"[..], b"5"]);
        assert_eq!((order(&set), set.encoding_name()), ("7,5".into(), "listpack"));
        let many: Vec<String> = (0..200).rev().map(|i| format!("m{i}")).collect();
        let set = SetValue::from_members(many.iter().map(|m| m.as_bytes()));
        assert_eq!((order(&set), set.encoding_name()), (many.join(","), "hashtable"));
        let ints: Vec<String> = (0..513).map(|i| i.to_string()).collect();
        let set = SetValue::from_members(ints.iter().map(|m| m.as_bytes()));
        assert_eq!((set.len(), set.encoding_name()), (513, "hashtable"));
        let long = [b'x'; 65];
        assert_eq!(SetValue::from_members([&long[..]]).encoding_name(), "hashtable");
        // What a set iterates, rebuilt, is the same set.
        let mut live = SetValue::new();
        for m in ["b", "7", "5", "a"] {
            live.insert(m.as_bytes());
        }
        live.remove(b"b");
        live.remove(b"a");
        let mut bytes = Vec::new();
        live.for_each(|m| bytes.push(m.to_vec()));
        assert_eq!(SetValue::from_members(bytes.iter().map(Vec::as_slice)), live);
    }

    #[test]
    fn packed_listpack_positions_and_order() {
        let mut set = SetValue::create(b"a", 3);
        for m in ["a", "", "ccc", "b"] {
            assert!(set.insert(m.as_bytes()));
        }
        assert!(!set.insert(b""));
        assert_eq!(set.encoding_name(), "listpack");
        assert_eq!(members(&set), ["a", "", "ccc", "b"]);
        assert_eq!(set.member(2), Some(Member::Bytes(b"ccc")));
        assert_eq!(set.member(4), None);
        assert_eq!(set.iter().len(), 4);
        assert_eq!(set.remove_at(1).as_deref(), Some(&b""[..]));
        assert!(set.remove(b"a"));
        assert!(!set.remove(b"a"));
        assert_eq!(members(&set), ["ccc", "b"]);
        assert!(set.contains(b"b") && !set.contains(b""));
        // Short members take their bytes and one length byte each.
        assert_eq!(set.memory_bytes(), 4 + 2);
        let long = [b'x'; 64];
        assert!(set.insert(&long));
        assert_eq!(set.encoding_name(), "listpack");
        assert_eq!(set.member(2), Some(Member::Bytes(&long[..])));
    }

    #[test]
    fn positions_and_removal() {
        let mut set = SetValue::new();
        for m in ["5", "1", "9"] {
            set.insert(m.as_bytes());
        }
        assert_eq!(set.member(1), Some(Member::Int(5)));
        assert_eq!(set.remove_at(0).as_deref(), Some(&b"1"[..]));
        assert!(set.remove_at(5).is_none());
        assert_eq!(set.len(), 2);
        let mut set = SetValue::create(b"a", 200);
        set.insert(b"a");
        set.insert(b"b");
        assert_eq!(set.remove_at(0).as_deref(), Some(&b"a"[..]));
        assert_eq!(members(&set), ["b"]);
    }
}
