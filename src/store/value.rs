//! Stored values and their encodings (as OBJECT ENCODING reports them).
use super::compact::CompactBytes;
use crate::protocol::number::parse_i64;

/// Longest string Redis stores "embstr" (one allocation with its header).
pub const EMBSTR_BYTES_MAX: usize = 44;

/// A value of any type. Lists, hashes, sets and sorted sets arrive with the data-type issue;
/// the enum is already the type of every stored value so WRONGTYPE checks are in one place.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(StrValue),
}

impl Value {
    /// The TYPE command's name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Str(_) => "string",
        }
    }

    /// OBJECT ENCODING's name.
    pub fn encoding_name(&self) -> &'static str {
        match self {
            Self::Str(s) => s.encoding_name(),
        }
    }

    /// Approximate bytes this value uses, for MEMORY USAGE.
    pub fn memory_bytes(&self) -> usize {
        match self {
            Self::Str(s) => s.memory_bytes(),
        }
    }
}

/// A string value. Integers that round-trip as Redis's `string2ll` are kept as integers, as
/// Redis's "int" encoding does; short strings are "embstr" until modified in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StrValue {
    Int(i64),
    Embedded(CompactBytes),
    Raw(Vec<u8>),
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
            Self::Raw(bytes.to_vec())
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Self::Int(n) => itoa::Buffer::new().format(*n).len(),
            Self::Embedded(b) => b.len(),
            Self::Raw(b) => b.len(),
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
        }
    }

    /// The bytes, converted to the mutable "raw" encoding (APPEND, SETRANGE, SETBIT).
    pub fn make_raw(&mut self) -> &mut Vec<u8> {
        if !matches!(self, Self::Raw(_)) {
            *self = Self::Raw(self.to_vec());
        }
        match self {
            Self::Raw(bytes) => bytes,
            // Unreachable by construction: converted just above.
            _ => unreachable!("string converted to raw above"),
        }
    }

    pub fn encoding_name(&self) -> &'static str {
        match self {
            Self::Int(_) => "int",
            Self::Embedded(_) => "embstr",
            Self::Raw(_) => "raw",
        }
    }

    pub fn memory_bytes(&self) -> usize {
        match self {
            Self::Int(_) => 0,
            Self::Embedded(b) => b.len(),
            Self::Raw(b) => b.capacity(),
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
        assert_eq!(v, StrValue::Raw(b"123".to_vec()));
        assert_eq!(v.as_i64(), Some(123));
    }
}
