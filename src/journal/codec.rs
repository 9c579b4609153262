//! Primitive encodings shared by records and (later) snapshots: little-endian fixed integers,
//! LEB128 varints and length-prefixed byte strings. Decoding takes any bytes and never panics.
use super::record::DecodeError;

/// Appends `value` as an unsigned LEB128 varint (1 to 10 bytes).
pub fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Appends a byte string as its varint length, then the bytes.
pub fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Bytes of the header every journal file but the MANIFEST starts with (segments, snapshots).
pub const FILE_HEADER_BYTES: usize = 32;

/// ```text
///  0            8          12           16         24         28          32
///  | magic: 8 B | version  | flags: u32 | seq: u64 | crc: u32 | zero: u32 |
///  crc = CRC-32/IEEE of bytes 0..24. Little-endian. See docs/FORMAT.md.
/// ```
pub fn encode_file_header(magic: &[u8; 8], version: u32, seq: u64) -> [u8; FILE_HEADER_BYTES] {
    let mut out = [0u8; FILE_HEADER_BYTES];
    out[..8].copy_from_slice(magic);
    out[8..12].copy_from_slice(&version.to_le_bytes());
    // bytes 12..16: flags, none defined.
    out[16..24].copy_from_slice(&seq.to_le_bytes());
    let crc = crc32fast::hash(&out[..24]);
    out[24..28].copy_from_slice(&crc.to_le_bytes());
    out
}

/// Decodes a file header with `magic`, returning its sequence number. Takes any bytes;
/// refuses a wrong magic, a bad CRC, a version not in `versions` (naming it), set flags.
pub fn decode_file_header(
    input: &[u8],
    magic: &[u8; 8],
    versions: &[u32],
) -> Result<u64, DecodeError> {
    let covered = input.get(..24).ok_or(DecodeError::Truncated)?;
    let mut reader = Reader::new(input);
    reader.magic(magic)?;
    let version = reader.u32()?;
    let flags = reader.u32()?;
    let seq = reader.u64()?;
    let crc = reader.u32()?;
    let zero = reader.u32()?;
    let actual = crc32fast::hash(covered);
    if actual != crc {
        return Err(DecodeError::BadCrc { expected: crc, actual });
    }
    if !versions.contains(&version) {
        return Err(DecodeError::UnsupportedVersion(version));
    }
    if flags != 0 || zero != 0 {
        return Err(DecodeError::BadPayload);
    }
    Ok(seq)
}

/// A cursor over untrusted input (cloned to read ahead and come back).
#[derive(Clone)]
pub struct Reader<'a> {
    input: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(input: &'a [u8]) -> Self {
        Self { input }
    }

    pub fn is_empty(&self) -> bool {
        self.input.is_empty()
    }

    /// Reads `expected.len()` bytes and checks they are `expected` (a file's magic).
    pub fn magic(&mut self, expected: &[u8]) -> Result<(), DecodeError> {
        let (found, rest) =
            self.input.split_at_checked(expected.len()).ok_or(DecodeError::Truncated)?;
        self.input = rest;
        if found != expected {
            return Err(DecodeError::BadMagic);
        }
        Ok(())
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.input.len()
    }

    pub fn u8(&mut self) -> Result<u8, DecodeError> {
        let (&byte, rest) = self.input.split_first().ok_or(DecodeError::Truncated)?;
        self.input = rest;
        Ok(byte)
    }

    pub fn u32(&mut self) -> Result<u32, DecodeError> {
        let (bytes, rest) = self.input.split_first_chunk::<4>().ok_or(DecodeError::Truncated)?;
        self.input = rest;
        Ok(u32::from_le_bytes(*bytes))
    }

    pub fn u64(&mut self) -> Result<u64, DecodeError> {
        let (bytes, rest) = self.input.split_first_chunk::<8>().ok_or(DecodeError::Truncated)?;
        self.input = rest;
        Ok(u64::from_le_bytes(*bytes))
    }

    /// An unsigned LEB128 varint; refuses more than 10 bytes, overflow and overlong forms.
    pub fn varint(&mut self) -> Result<u64, DecodeError> {
        let mut value = 0u64;
        for index in 0..10u32 {
            let byte = self.u8()?;
            let low = u64::from(byte & 0x7f);
            if index == 9 && byte > 1 {
                return Err(DecodeError::BadVarint);
            }
            value |= low << (7 * index);
            if byte & 0x80 == 0 {
                if index > 0 && byte == 0 {
                    return Err(DecodeError::BadVarint); // overlong: a trailing zero group
                }
                return Ok(value);
            }
        }
        Err(DecodeError::BadVarint)
    }

    /// A varint that must fit a u32 (database indexes, counts).
    pub fn varint_u32(&mut self) -> Result<u32, DecodeError> {
        u32::try_from(self.varint()?).map_err(|_| DecodeError::BadVarint)
    }

    /// A length-prefixed byte string, borrowed; its length is checked against the input
    /// before anything is allocated.
    pub fn bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let len = usize::try_from(self.varint()?).map_err(|_| DecodeError::Truncated)?;
        if len > self.input.len() {
            return Err(DecodeError::Truncated);
        }
        let (bytes, rest) = self.input.split_at(len);
        self.input = rest;
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_and_refuse_bad_forms() {
        for value in [0, 1, 127, 128, 300, 16_383, 16_384, u64::from(u32::MAX), u64::MAX] {
            let mut out = Vec::new();
            put_varint(&mut out, value);
            let mut reader = Reader::new(&out);
            assert_eq!(reader.varint(), Ok(value));
            assert!(reader.is_empty());
        }
        assert_eq!(Reader::new(&[0x80, 0x00]).varint(), Err(DecodeError::BadVarint));
        assert_eq!(Reader::new(&[0xff; 11]).varint(), Err(DecodeError::BadVarint));
        let mut too_big = vec![0xff; 9];
        too_big.push(0x02);
        assert_eq!(Reader::new(&too_big).varint(), Err(DecodeError::BadVarint));
        assert_eq!(Reader::new(&[0x80]).varint(), Err(DecodeError::Truncated));
    }

    #[test]
    fn byte_strings_never_read_past_the_input() {
        let mut out = Vec::new();
        put_varint(&mut out, 1 << 40);
        out.extend_from_slice(b"abc");
        assert_eq!(Reader::new(&out).bytes(), Err(DecodeError::Truncated));
    }
}
