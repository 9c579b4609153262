//! Set values: sorted integers while every member is one ("intset"), a small vector
//! ("listpack"), then a hash set ("hashtable"), with Redis 7.2's thresholds.
use hashbrown::HashSet;

use super::compact::CompactBytes;
use crate::protocol::number::parse_i64;

/// Redis's `set-max-intset-entries`, `set-max-listpack-entries` and
/// `set-max-listpack-value` defaults.
pub const INTSET_ENTRIES_MAX: usize = 512;
pub const LISTPACK_ENTRIES_MAX: usize = 128;
pub const LISTPACK_VALUE_BYTES_MAX: usize = 64;

type Table = HashSet<CompactBytes, foldhash::fast::RandomState>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetValue {
    Ints(Vec<i64>),
    Listpack(Vec<CompactBytes>),
    Table(Table),
}

impl Default for SetValue {
    fn default() -> Self {
        Self::Ints(Vec::new())
    }
}

impl SetValue {
    pub fn new() -> Self {
        Self::default()
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
            Self::Table(table) => table.contains(member),
        }
    }

    /// Adds `member`; true if it is new.
    pub fn insert(&mut self, member: &[u8]) -> bool {
        if let Self::Ints(ints) = self {
            if let Some(n) = parse_i64(member) {
                match ints.binary_search(&n) {
                    Ok(_) => return false,
                    Err(at) if ints.len() < INTSET_ENTRIES_MAX => {
                        ints.insert(at, n);
                        return true;
                    }
                    Err(_) => {}
                }
            }
            if self.contains(member) {
                return false;
            }
            let small =
                self.len() < LISTPACK_ENTRIES_MAX && member.len() <= LISTPACK_VALUE_BYTES_MAX;
            self.convert(small);
        }
        if let Self::Listpack(members) = self {
            if members.iter().any(|m| **m == *member) {
                return false;
            }
            if members.len() < LISTPACK_ENTRIES_MAX && member.len() <= LISTPACK_VALUE_BYTES_MAX {
                members.push(member.into());
                return true;
            }
            self.convert(false);
        }
        match self {
            Self::Table(table) => table.insert(member.into()),
            _ => false,
        }
    }

    /// Removes `member`; true if it was there.
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
                    members.swap_remove(at);
                    true
                }
                None => false,
            },
            Self::Table(table) => table.remove(member),
        }
    }

    /// Converts to "listpack" (`small`) or "hashtable", keeping the members.
    fn convert(&mut self, small: bool) {
        let mut members = Vec::with_capacity(self.len());
        self.for_each(|m| members.push(CompactBytes::from(m)));
        *self = if small {
            Self::Listpack(members)
        } else {
            Self::Table(members.into_iter().collect())
        };
    }

    /// Calls `f` with every member (integers formatted on the stack).
    pub fn for_each(&self, mut f: impl FnMut(&[u8])) {
        match self {
            Self::Ints(ints) => {
                let mut buffer = itoa::Buffer::new();
                for n in ints {
                    f(buffer.format(*n).as_bytes());
                }
            }
            Self::Listpack(members) => members.iter().for_each(|m| f(m)),
            Self::Table(table) => table.iter().for_each(|m| f(m)),
        }
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
                table.capacity() * (std::mem::size_of::<CompactBytes>() + 1)
                    + table.iter().map(CompactBytes::heap_bytes).sum::<usize>()
            }
        }
    }
}
