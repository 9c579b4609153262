//! Segment files: a 32-byte header, then records. See docs/FORMAT.md, "Segments".
use super::codec::{decode_file_header, encode_file_header, FILE_HEADER_BYTES};
use super::record::DecodeError;

/// The first 8 bytes of every segment file.
pub const SEGMENT_MAGIC: [u8; 8] = *b"ALLYJRNL";
/// The segment format this build writes; see the version history in docs/FORMAT.md.
pub const SEGMENT_VERSION: u32 = 2;
/// The versions this build reads: version 1 segments are a subset of version 2.
pub const SEGMENT_VERSIONS_READ: [u32; 2] = [1, 2];

/// ```text
///  0            8          12           16            24         28          32
///  | magic: 8 B | version  | flags: u32 | first_seq   | crc: u32 | zero: u32 |
///  crc = CRC-32/IEEE of bytes 0..24. Little-endian. See docs/FORMAT.md.
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentHeader {
    /// Sequence number of the segment's first record.
    pub first_seq: u64,
}

impl SegmentHeader {
    pub const ENCODED_BYTES: usize = FILE_HEADER_BYTES;

    pub fn encode(&self) -> [u8; Self::ENCODED_BYTES] {
        encode_file_header(&SEGMENT_MAGIC, SEGMENT_VERSION, self.first_seq)
    }

    /// Takes any bytes; refuses a wrong magic, an unknown version (naming it), a bad CRC.
    pub fn decode(input: &[u8]) -> Result<Self, DecodeError> {
        decode_file_header(input, &SEGMENT_MAGIC, &SEGMENT_VERSIONS_READ)
            .map(|first_seq| Self { first_seq })
    }
}

/// The file name of the segment whose first record is `first_seq`: sortable by name.
pub fn segment_file_name(first_seq: u64) -> String {
    format!("journal-{first_seq:020}.log")
}

/// The first sequence number in a segment file name, if `name` is one.
pub fn parse_segment_file_name(name: &str) -> Option<u64> {
    name.strip_prefix("journal-")?.strip_suffix(".log")?.parse().ok()
}

#[cfg(test)]
#[expect(clippy::indexing_slicing, reason = "tests index their own fixed inputs")]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_and_rejects_damage() {
        let header = SegmentHeader { first_seq: 123_456 };
        let bytes = header.encode();
        assert_eq!(SegmentHeader::decode(&bytes), Ok(header));
        for index in 0..bytes.len() {
            let mut damaged = bytes;
            damaged[index] ^= 1;
            assert!(SegmentHeader::decode(&damaged).is_err(), "flip at {index}");
        }
        for cut in 0..bytes.len() {
            assert!(SegmentHeader::decode(&bytes[..cut]).is_err());
        }
    }

    #[test]
    fn unknown_version_is_named() {
        let mut bytes = SegmentHeader { first_seq: 1 }.encode();
        bytes[8..12].copy_from_slice(&3u32.to_le_bytes());
        let crc = crc32fast::hash(&bytes[..24]);
        bytes[24..28].copy_from_slice(&crc.to_le_bytes());
        assert_eq!(SegmentHeader::decode(&bytes), Err(DecodeError::UnsupportedVersion(3)));
    }

    #[test]
    fn file_names_sort_by_sequence() {
        assert_eq!(segment_file_name(7), "journal-00000000000000000007.log");
        assert!(segment_file_name(9) < segment_file_name(10));
    }
}
