//! Hash values: field-value pairs. Small hashes are a vector scanned linearly (insertion
//! order, like Redis's listpack); larger ones a hash table.
use hashbrown::HashMap;

use super::compact::CompactBytes;

/// Redis's `hash-max-listpack-entries` and `hash-max-listpack-value` defaults.
pub const LISTPACK_ENTRIES_MAX: usize = 128;
pub const LISTPACK_VALUE_BYTES_MAX: usize = 64;

type Table = HashMap<CompactBytes, CompactBytes, foldhash::fast::RandomState>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HashValue {
    Listpack(Vec<(CompactBytes, CompactBytes)>),
    Table(Table),
}

impl Default for HashValue {
    fn default() -> Self {
        Self::Listpack(Vec::new())
    }
}

impl HashValue {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        match self {
            Self::Listpack(pairs) => pairs.len(),
            Self::Table(table) => table.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match self {
            Self::Listpack(pairs) => pairs.iter().find(|(f, _)| **f == *field).map(|(_, v)| &**v),
            Self::Table(table) => table.get(field).map(|v| &**v),
        }
    }

    /// Sets `field`; true if it is new.
    pub fn insert(&mut self, field: &[u8], value: &[u8]) -> bool {
        if let Self::Listpack(pairs) = self {
            if let Some((_, slot)) = pairs.iter_mut().find(|(f, _)| **f == *field) {
                *slot = value.into();
                if value.len() > LISTPACK_VALUE_BYTES_MAX {
                    self.convert();
                }
                return false;
            }
            if pairs.len() < LISTPACK_ENTRIES_MAX
                && field.len() <= LISTPACK_VALUE_BYTES_MAX
                && value.len() <= LISTPACK_VALUE_BYTES_MAX
            {
                pairs.push((field.into(), value.into()));
                return true;
            }
            self.convert();
        }
        match self {
            Self::Table(table) => table.insert(field.into(), value.into()).is_none(),
            Self::Listpack(_) => false,
        }
    }

    /// Removes `field`; true if it was there.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match self {
            Self::Listpack(pairs) => match pairs.iter().position(|(f, _)| **f == *field) {
                Some(at) => {
                    pairs.remove(at);
                    true
                }
                None => false,
            },
            Self::Table(table) => table.remove(field).is_some(),
        }
    }

    fn convert(&mut self) {
        if let Self::Listpack(pairs) = self {
            let table: Table = std::mem::take(pairs).into_iter().collect();
            *self = Self::Table(table);
        }
    }

    pub fn iter(&self) -> Box<dyn Iterator<Item = (&[u8], &[u8])> + '_> {
        match self {
            Self::Listpack(pairs) => Box::new(pairs.iter().map(|(f, v)| (&**f, &**v))),
            Self::Table(table) => Box::new(table.iter().map(|(f, v)| (&**f, &**v))),
        }
    }

    pub fn encoding_name(&self) -> &'static str {
        match self {
            Self::Listpack(_) => "listpack",
            Self::Table(_) => "hashtable",
        }
    }

    pub fn memory_bytes(&self) -> usize {
        let pair = 2 * std::mem::size_of::<CompactBytes>();
        match self {
            Self::Listpack(pairs) => pairs.capacity() * pair,
            Self::Table(table) => table.capacity() * (pair + 1),
        }
        .saturating_add(self.iter().map(|(f, v)| heap(f) + heap(v)).sum::<usize>())
    }
}

fn heap(bytes: &[u8]) -> usize {
    if bytes.len() > super::compact::INLINE_BYTES_MAX {
        bytes.len()
    } else {
        0
    }
}
