//! Stored values and their encodings (as OBJECT ENCODING reports them).
use super::compact::CompactBytes;
use super::hash::HashValue;
use super::index::{prefetch, prefetch_bytes};
use super::list::ListValue;
use super::set::SetValue;
use super::zset::ZSetValue;
use crate::protocol::number::parse_i64;

/// Longest string Redis stores "embstr" (one allocation with its header).
pub const EMBSTR_BYTES_MAX: usize = 44;

/// A value of any type, three words. Collections are boxed so every entry stays as small as a
/// string's, but for hashes: a hash is two words itself (hash.rs), and most hashes are small,
/// so its packed bytes hang straight off the entry; the box cost 32 bytes of heap per hash.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(StrValue),
    List(Box<ListValue>),
    Hash(HashValue),
    Set(Box<SetValue>),
    ZSet(Box<ZSetValue>),
}

const _: () = assert!(std::mem::size_of::<Value>() == 24);

impl Value {
    /// Asks the CPU to fetch the start of the heap block behind the value, if it has one (a
    /// hint; see `index::prefetch`): code that visits many entries in a row, each value in a
    /// cold block of its own, issues it some entries ahead so the misses overlap.
    #[inline]
    pub fn prefetch_heap(&self) {
        match self {
            Self::Str(StrValue::Int(_)) => {}
            Self::Str(StrValue::Embedded(bytes)) => {
                if let CompactBytes::Heap(heap) = bytes {
                    prefetch_bytes(heap);
                }
            }
            Self::Str(StrValue::Raw(bytes)) => prefetch_bytes(bytes),
            Self::Str(StrValue::Growable(bytes)) => prefetch(&**bytes),
            Self::List(list) => prefetch(&**list),
            Self::Hash(hash) => hash.prefetch_heap(),
            Self::Set(set) => prefetch(&**set),
            Self::ZSet(zset) => prefetch(&**zset),
        }
    }

    /// The TYPE command's name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Str(_) => "string",
            Self::List(_) => "list",
            Self::Hash(_) => "hash",
            Self::Set(_) => "set",
            Self::ZSet(_) => "zset",
        }
    }

    /// OBJECT ENCODING's name.
    pub fn encoding_name(&self) -> &'static str {
        match self {
            Self::Str(s) => s.encoding_name(),
            Self::List(l) => l.encoding_name(),
            Self::Hash(h) => h.encoding_name(),
            Self::Set(s) => s.encoding_name(),
            Self::ZSet(z) => z.encoding_name(),
        }
    }

    pub fn list_mut(&mut self) -> Option<&mut ListValue> {
        match self {
            Self::List(list) => Some(list),
            _ => None,
        }
    }

    pub fn hash_mut(&mut self) -> Option<&mut HashValue> {
        match self {
            Self::Hash(hash) => Some(hash),
            _ => None,
        }
    }

    pub fn set_mut(&mut self) -> Option<&mut SetValue> {
        match self {
            Self::Set(set) => Some(set),
            _ => None,
        }
    }

    pub fn zset_mut(&mut self) -> Option<&mut ZSetValue> {
        match self {
            Self::ZSet(zset) => Some(zset),
            _ => None,
        }
    }

    /// True for a collection with no elements: such a key must not exist (commands and replay
    /// delete it).
    pub fn is_empty_collection(&self) -> bool {
        match self {
            Self::Str(_) => false,
            Self::List(l) => l.is_empty(),
            Self::Hash(h) => h.is_empty(),
            Self::Set(s) => s.is_empty(),
            Self::ZSet(z) => z.is_empty(),
        }
    }

    /// Approximate bytes this value uses, for MEMORY USAGE.
    pub fn memory_bytes(&self) -> usize {
        match self {
            Self::Str(s) => s.memory_bytes(),
            Self::List(l) => l.memory_bytes(),
            Self::Hash(h) => h.memory_bytes(),
            Self::Set(s) => s.memory_bytes(),
            Self::ZSet(z) => z.memory_bytes(),
        }
    }
}

/// A string value. Integers that round-trip as Redis's `string2ll` are kept as integers, as
/// Redis's "int" encoding does; short strings are "embstr" until modified in place; longer
/// ones are "raw".
///
/// Raw strings take two forms, both two words at most, so that `StrValue` and `Value` stay
/// three (an unboxed `Vec` made every entry a word larger): exactly their bytes when set
/// whole (SET of a long value, no spare capacity), or a boxed `Vec` once modified in place
/// (APPEND, SETRANGE, SETBIT), which keeps room to grow as Redis's sds strings do.
#[derive(Debug, Clone, Eq)]
pub enum StrValue {
    Int(i64),
    Embedded(CompactBytes),
    Raw(Box<[u8]>),
    Growable(Box<Vec<u8>>),
}

/// Variant by variant, except that the two forms of "raw" compare by their bytes.
impl PartialEq for StrValue {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Int(a), Self::Int(b)) => a == b,
            (Self::Embedded(a), Self::Embedded(b)) => a == b,
            (Self::Raw(_) | Self::Growable(_), Self::Raw(_) | Self::Growable(_)) => {
                self.with_bytes(|a| other.with_bytes(|b| a == b))
            }
            _ => false,
        }
    }
}

impl StrValue {
    /// The encoding Redis's SET would choose for these bytes.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        if let Some(n) = parse_i64(bytes) {
            return Self::Int(n);
        }
        if bytes.len() <= EMBSTR_BYTES_MAX {
            Self::Embedded(bytes.into())
        } else {
            Self::Raw(bytes.into())
        }
    }

    /// A "raw" string owning `bytes` (any spare capacity is given back).
    pub fn raw(bytes: Vec<u8>) -> Self {
        Self::Raw(bytes.into_boxed_slice())
    }

    pub fn len(&self) -> usize {
        match self {
            Self::Int(n) => itoa::Buffer::new().format(*n).len(),
            Self::Embedded(b) => b.len(),
            Self::Raw(b) => b.len(),
            Self::Growable(b) => b.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Calls `f` with the value's bytes (integers are formatted on a stack buffer).
    pub fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Self::Int(n) => f(itoa::Buffer::new().format(*n).as_bytes()),
            Self::Embedded(b) => f(b),
            Self::Raw(b) => f(b),
            Self::Growable(b) => f(b),
        }
    }

    pub fn to_vec(&self) -> Vec<u8> {
        self.with_bytes(<[u8]>::to_vec)
    }

    /// The value as an integer, as INCR reads it.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Self::Int(n) => Some(*n),
            Self::Embedded(b) => parse_i64(b),
            Self::Raw(b) => parse_i64(b),
            Self::Growable(b) => parse_i64(b),
        }
    }

    /// The bytes, converted to the mutable "raw" form (APPEND, SETRANGE, SETBIT).
    pub fn make_raw(&mut self) -> &mut Vec<u8> {
        if !matches!(self, Self::Growable(_)) {
            let bytes = match std::mem::replace(self, Self::Int(0)) {
                // Reuses the allocation: a boxed slice is a vector without spare room.
                Self::Raw(bytes) => bytes.into_vec(),
                other => other.to_vec(),
            };
            *self = Self::Growable(Box::new(bytes));
        }
        match self {
            Self::Growable(bytes) => bytes,
            // Unreachable by construction: converted just above.
            _ => unreachable!("string converted to raw above"),
        }
    }

    pub fn encoding_name(&self) -> &'static str {
        match self {
            Self::Int(_) => "int",
            Self::Embedded(_) => "embstr",
            Self::Raw(_) | Self::Growable(_) => "raw",
        }
    }

    pub fn memory_bytes(&self) -> usize {
        match self {
            Self::Int(_) => 0,
            Self::Embedded(b) => b.len(),
            Self::Raw(b) => b.len(),
            Self::Growable(b) => b.capacity() + std::mem::size_of::<Vec<u8>>(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_follow_redis() {
        assert_eq!(StrValue::from_bytes(b"123").encoding_name(), "int");
        assert_eq!(StrValue::from_bytes(b"0123").encoding_name(), "embstr");
        assert_eq!(StrValue::from_bytes(&[b'x'; 44]).encoding_name(), "embstr");
        assert_eq!(StrValue::from_bytes(&[b'x'; 45]).encoding_name(), "raw");
        let mut v = StrValue::from_bytes(b"12");
        v.make_raw().push(b'3');
        assert_eq!(v, StrValue::raw(b"123".to_vec()));
        assert!(matches!(v, StrValue::Growable(_)));
        assert_eq!(v.as_i64(), Some(123));
        assert_eq!(v.encoding_name(), "raw");
        let mut long = StrValue::from_bytes(&[b'x'; 50]);
        assert!(matches!(long, StrValue::Raw(_)));
        long.make_raw().push(b'y');
        assert_eq!(long.len(), 51);
        assert_ne!(long, StrValue::from_bytes(&[b'x'; 51]));
        assert_ne!(StrValue::Int(1), StrValue::from_bytes(b"01"));
    }
}
