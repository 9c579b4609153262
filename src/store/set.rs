//! Set values: sorted integers while every member is one ("intset"), a small vector
//! ("listpack"), then a `Dense` table ("hashtable", see dense.rs), with Redis 7.2's
//! thresholds and its one-way conversions (t_set.c `setTypeAdd`, `setTypeCreate`).
use super::compact::CompactBytes;
use super::dense::Dense;
use crate::protocol::number::parse_i64;

/// Redis's `set-max-intset-entries`, `set-max-listpack-entries` and
/// `set-max-listpack-value` defaults.
pub const INTSET_ENTRIES_MAX: usize = 512;
pub const LISTPACK_ENTRIES_MAX: usize = 128;
pub const LISTPACK_VALUE_BYTES_MAX: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetValue {
    Ints(Vec<i64>),
    Listpack(Vec<CompactBytes>),
    Table(Dense<CompactBytes>),
}

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
        if parse_i64(first).is_some() && hint <= INTSET_ENTRIES_MAX {
            Self::Ints(Vec::new())
        } else if hint <= LISTPACK_ENTRIES_MAX {
            Self::Listpack(Vec::new())
        } else {
            Self::Table(Dense::with_capacity(hint))
        }
    }

    /// A set of `members` (distinct) in exactly this order, so a journaled value (a Put)
    /// replays to the set that was journaled: an intset when they are integers in ascending
    /// order and fit (an intset iterates that way), else a listpack when small enough, else a
    /// hashtable.
    pub fn from_members<'a>(members: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let members: Vec<&[u8]> = members.into_iter().collect();
        if members.len() <= INTSET_ENTRIES_MAX {
            let ints: Option<Vec<i64>> = members.iter().map(|m| parse_i64(m)).collect();
            if let Some(ints) = ints.filter(|ints| ints.windows(2).all(|w| w[0] < w[1])) {
                return Self::Ints(ints);
            }
        }
        let small = members.len() <= LISTPACK_ENTRIES_MAX
            && members.iter().all(|m| m.len() <= LISTPACK_VALUE_BYTES_MAX);
        if small {
            let mut listpack: Vec<CompactBytes> = Vec::with_capacity(members.len());
            for member in members {
                if !listpack.iter().any(|m| **m == *member) {
                    listpack.push(member.into());
                }
            }
            Self::Listpack(listpack)
        } else {
            Self::Table(members.into_iter().map(CompactBytes::from).collect())
        }
    }

    /// Redis's `setTypeMaybeConvert`: an existing set about to receive `hint` members goes
    /// to "hashtable" at once when the hint is beyond its encoding's limit.
    pub fn prepare(&mut self, hint: usize) {
        let convert = match self {
            Self::Ints(_) => hint > INTSET_ENTRIES_MAX,
            Self::Listpack(_) => hint > LISTPACK_ENTRIES_MAX,
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
            Self::Listpack(members) => members.iter().any(|m| **m == *member),
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
                        if ints.len() > INTSET_ENTRIES_MAX {
                            let len = ints.len();
                            self.convert_to_table(len);
                        }
                        true
                    }
                },
                None => {
                    // Not an integer, so not a member yet.
                    if ints.len() < LISTPACK_ENTRIES_MAX && member.len() <= LISTPACK_VALUE_BYTES_MAX
                    {
                        let mut members: Vec<CompactBytes> = Vec::with_capacity(ints.len() + 1);
                        members.extend(ints.iter().map(|&n| Member::Int(n).to_compact()));
                        members.push(member.into());
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
                if members.iter().any(|m| **m == *member) {
                    return false;
                }
                if members.len() < LISTPACK_ENTRIES_MAX && member.len() <= LISTPACK_VALUE_BYTES_MAX
                {
                    members.push(member.into());
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
            Self::Listpack(members) => match members.iter().position(|m| **m == *member) {
                Some(at) => {
                    members.remove(at);
                    true
                }
                None => false,
            },
            Self::Table(table) => table.remove(member).is_some(),
        }
    }

    /// The member at position `i` of the stored order.
    pub fn member(&self, i: usize) -> Option<Member<'_>> {
        match self {
            Self::Ints(ints) => ints.get(i).map(|&n| Member::Int(n)),
            Self::Listpack(members) => members.get(i).map(|m| Member::Bytes(m)),
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
            Self::Listpack(members) => (i < members.len()).then(|| members.remove(i)),
            Self::Table(table) => table.remove_at(i),
        }
    }

    /// Members in their stored order (intsets ascending).
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Member<'_>> + '_ {
        // Every position below len() holds a member.
        (0..self.len()).map(|i| self.member(i).unwrap_or(Member::Int(0)))
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
            Self::Listpack(members) => members.iter().for_each(|m| f(m)),
            Self::Table(table) => table.entries().iter().for_each(|m| f(m)),
        }
    }

    /// Converts to "hashtable" sized for `capacity`, keeping the stored order.
    fn convert_to_table(&mut self, capacity: usize) {
        let mut table = Dense::with_capacity(capacity);
        self.for_each(|m| {
            let _ = table.insert(CompactBytes::from(m));
        });
        *self = Self::Table(table);
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
            Self::Listpack(members) => {
                members.capacity() * std::mem::size_of::<CompactBytes>()
                    + members.iter().map(CompactBytes::heap_bytes).sum::<usize>()
            }
            Self::Table(table) => {
                table.memory_bytes()
                    + table.entries().iter().map(CompactBytes::heap_bytes).sum::<usize>()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
