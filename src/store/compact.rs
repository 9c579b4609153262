//! `CompactBytes`: an immutable byte string that keeps up to 22 bytes inline, in the same 24
//! bytes a boxed slice plus a tag would take. Keys and short string values are usually that
//! small, so most lookups read no second heap block (one cache miss less per GET) and most
//! writes allocate nothing for them.
use std::fmt;
use std::ops::Deref;

/// Bytes stored inline at most.
pub const INLINE_BYTES_MAX: usize = 22;

#[derive(Clone)]
pub enum CompactBytes {
    Inline { len: u8, data: [u8; INLINE_BYTES_MAX] },
    Heap(Box<[u8]>),
}

const _: () = assert!(std::mem::size_of::<CompactBytes>() == 24);

/// Appends the length prefix of a packed string (hash and set listpacks): seven bits a byte,
/// low bits first, the top bit set on all but the last byte, so a string under 128 bytes
/// costs one byte and any length fits.
pub fn push_length_prefix(out: &mut Vec<u8>, len: usize) {
    let mut rest = len;
    while rest >= 0x80 {
        out.push(0x80 | (rest & 0x7f) as u8);
        rest >>= 7;
    }
    out.push(rest as u8);
}

/// Bytes the length prefix of a `len`-byte string takes.
pub fn length_prefix_bytes(len: usize) -> usize {
    let mut bytes = 1;
    let mut rest = len >> 7;
    while rest > 0 {
        bytes += 1;
        rest >>= 7;
    }
    bytes
}

/// The number written by `push_length_prefix` at `at` in `bytes`, and the offset after it.
/// None if the bytes end early or the number is larger than a `usize` holds.
#[inline]
pub fn read_length_prefix(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    let first = *bytes.get(at)?;
    if first < 0x80 {
        // The common case: a length under 128 is its one byte.
        return Some((usize::from(first), at + 1));
    }
    let mut len = 0usize;
    let mut shift = 0u32;
    let mut offset = at;
    loop {
        let byte = *bytes.get(offset)?;
        offset += 1;
        let part = usize::from(byte & 0x7f).checked_shl(shift)?;
        len |= part;
        if byte & 0x80 == 0 {
            return Some((len, offset));
        }
        shift += 7;
        if shift >= usize::BITS {
            return None;
        }
    }
}

/// The string whose length prefix starts at `at` in `bytes`, and the offset after it. None
/// if the bytes end early or the prefix is longer than a `usize` holds.
#[inline]
pub fn read_prefixed(bytes: &[u8], at: usize) -> Option<(&[u8], usize)> {
    let (len, offset) = read_length_prefix(bytes, at)?;
    let end = offset.checked_add(len)?;
    Some((bytes.get(offset..end)?, end))
}

impl CompactBytes {
    /// Heap bytes used beyond the value itself (0 when inline).
    pub fn heap_bytes(&self) -> usize {
        match self {
            Self::Inline { .. } => 0,
            Self::Heap(b) => b.len(),
        }
    }
}

impl CompactBytes {
    /// `head` followed by `tail`, built in place (no intermediate buffer when inline).
    pub fn concat(head: &[u8], tail: &[u8]) -> Self {
        let len = head.len() + tail.len();
        if len > INLINE_BYTES_MAX {
            return Self::Heap([head, tail].concat().into_boxed_slice());
        }
        let mut data = [0u8; INLINE_BYTES_MAX];
        data[..head.len()].copy_from_slice(head);
        data[head.len()..len].copy_from_slice(tail);
        // Fits: len <= 22.
        Self::Inline { len: len as u8, data }
    }
}

impl From<&[u8]> for CompactBytes {
    #[inline]
    fn from(bytes: &[u8]) -> Self {
        if bytes.len() <= INLINE_BYTES_MAX {
            let mut data = [0u8; INLINE_BYTES_MAX];
            data[..bytes.len()].copy_from_slice(bytes);
            // Fits: len <= 22.
            Self::Inline { len: bytes.len() as u8, data }
        } else {
            Self::Heap(bytes.into())
        }
    }
}

impl From<Vec<u8>> for CompactBytes {
    fn from(bytes: Vec<u8>) -> Self {
        if bytes.len() <= INLINE_BYTES_MAX {
            Self::from(&bytes[..])
        } else {
            Self::Heap(bytes.into_boxed_slice())
        }
    }
}

impl Deref for CompactBytes {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        match self {
            Self::Inline { len, data } => &data[..usize::from(*len).min(INLINE_BYTES_MAX)],
            Self::Heap(b) => b,
        }
    }
}

impl AsRef<[u8]> for CompactBytes {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl PartialEq for CompactBytes {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for CompactBytes {}

/// Hashes as the byte slice does, so a `HashMap<CompactBytes, _>` can be probed with `&[u8]`.
impl std::hash::Hash for CompactBytes {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}

impl std::borrow::Borrow<[u8]> for CompactBytes {
    fn borrow(&self) -> &[u8] {
        self
    }
}

/// Byte-wise lexicographic order (memcmp), as Redis compares members.
impl Ord for CompactBytes {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (**self).cmp(&**other)
    }
}

impl PartialOrd for CompactBytes {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Debug for CompactBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_prefixes_round_trip() {
        for len in [0usize, 1, 127, 128, 255, 256, 16_383, 16_384, 100_000] {
            let string = vec![b'x'; len];
            let mut out = vec![b'!'];
            push_length_prefix(&mut out, len);
            assert_eq!(out.len() - 1, length_prefix_bytes(len), "{len}");
            out.extend_from_slice(&string);
            assert_eq!(read_prefixed(&out, 1), Some((&string[..], out.len())), "{len}");
            // A truncated string or prefix reads as nothing.
            assert_eq!(read_prefixed(&out[..out.len() - 1], 1).filter(|_| len > 0), None);
        }
        assert_eq!(read_prefixed(&[0x80; 20], 0), None);
        assert_eq!(read_prefixed(&[], 0), None);
    }

    #[test]
    fn concat_matches_the_joined_bytes() {
        for split in [0usize, 1, 10, 22, 23, 40] {
            let bytes: Vec<u8> = (0..split + 7).map(|i| i as u8).collect();
            let (head, tail) = bytes.split_at(split);
            let joined = CompactBytes::concat(head, tail);
            assert_eq!(&*joined, &bytes[..]);
            assert_eq!(matches!(joined, CompactBytes::Inline { .. }), bytes.len() <= 22);
        }
    }

    #[test]
    fn round_trips_at_every_length() {
        for len in 0..64usize {
            let bytes: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let compact = CompactBytes::from(&bytes[..]);
            assert_eq!(&*compact, &bytes[..]);
            assert_eq!(matches!(compact, CompactBytes::Inline { .. }), len <= INLINE_BYTES_MAX);
            assert_eq!(&*CompactBytes::from(bytes.clone()), &bytes[..]);
        }
    }
}
