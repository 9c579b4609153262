//! Hash values: field-value pairs. Small hashes are a vector scanned linearly (insertion
//! order, like Redis's listpack); larger ones a `Dense` table (see dense.rs for why).
//! Conversions go one way, small to large, at Redis 7.2's default thresholds.
use super::compact::CompactBytes;
use super::dense::Dense;

/// Redis's `hash-max-listpack-entries` and `hash-max-listpack-value` defaults.
pub const LISTPACK_ENTRIES_MAX: usize = 128;
pub const LISTPACK_VALUE_BYTES_MAX: usize = 64;

pub type Pair = (CompactBytes, CompactBytes);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HashValue {
    Listpack(Vec<Pair>),
    Table(Dense<Pair>),
}

impl Default for HashValue {
    fn default() -> Self {
        Self::Listpack(Vec::new())
    }
}

fn fits_listpack(field: &[u8], value: &[u8]) -> bool {
    field.len() <= LISTPACK_VALUE_BYTES_MAX && value.len() <= LISTPACK_VALUE_BYTES_MAX
}

impl HashValue {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.pairs().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The pairs in their stored order (listpack: insertion order).
    pub fn pairs(&self) -> &[Pair] {
        match self {
            Self::Listpack(pairs) => pairs,
            Self::Table(table) => table.entries(),
        }
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&[u8], &[u8])> + '_ {
        self.pairs().iter().map(|(f, v)| (&**f, &**v))
    }

    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match self {
            Self::Listpack(pairs) => pairs.iter().find(|(f, _)| **f == *field).map(|(_, v)| &**v),
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
            && (pairs > LISTPACK_ENTRIES_MAX || longest_bytes > LISTPACK_VALUE_BYTES_MAX)
        {
            self.convert();
        }
    }

    /// Sets `field`; true if it is new.
    pub fn insert(&mut self, field: &[u8], value: &[u8]) -> bool {
        if let Self::Listpack(pairs) = self {
            if fits_listpack(field, value) {
                if let Some((_, slot)) = pairs.iter_mut().find(|(f, _)| **f == *field) {
                    *slot = value.into();
                    return false;
                }
                if pairs.len() < LISTPACK_ENTRIES_MAX {
                    pairs.push((field.into(), value.into()));
                    return true;
                }
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
            let mut table = Dense::with_capacity(pairs.len() + 1);
            for pair in std::mem::take(pairs) {
                let _ = table.insert(pair);
            }
            *self = Self::Table(table);
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
        let own = match self {
            Self::Listpack(pairs) => pairs.capacity() * std::mem::size_of::<Pair>(),
            Self::Table(table) => table.memory_bytes(),
        };
        let heap: usize = self.pairs().iter().map(|(f, v)| f.heap_bytes() + v.heap_bytes()).sum();
        own.saturating_add(heap)
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
    fn table_updates_values_in_place() {
        let mut hash = HashValue::new();
        hash.prepare(1, 100);
        assert!(hash.insert(b"f", b"1"));
        assert!(!hash.insert(b"f", b"2"));
        assert_eq!(hash.get(b"f"), Some(&b"2"[..]));
        assert_eq!(hash.len(), 1);
    }
}
