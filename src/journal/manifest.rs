//! The MANIFEST: which snapshot and which segments of the journal directory are live. It is
//! replaced only by writing a temporary file, syncing it, renaming it over the old one and
//! syncing the directory, so a crash leaves either the old or the new one in force. See
//! docs/FORMAT.md, "MANIFEST".
use std::fs::File;
use std::io::Write;
use std::path::Path;

use super::codec::Reader;
use super::record::DecodeError;

pub const MANIFEST_FILE: &str = "MANIFEST";
pub const MANIFEST_TEMP_FILE: &str = "MANIFEST.tmp";
pub const MANIFEST_MAGIC: [u8; 8] = *b"ALLYMANF";
pub const MANIFEST_VERSION: u32 = 1;

/// ```text
///  0            8          12           16               24                  32         36
///  | magic: 8 B | version  | flags: u32 | snapshot_seq   | first_segment_seq | crc: u32 | zero |
///  crc = CRC-32/IEEE of bytes 0..32. Little-endian. See docs/FORMAT.md.
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Manifest {
    /// The sequence number the snapshot represents; 0 when there is no snapshot.
    pub snapshot_seq: u64,
    /// The first sequence number of the oldest live segment: segments that start earlier are
    /// obsolete (wholly covered by the snapshot) and are removed.
    pub first_segment_seq: u64,
}

impl Manifest {
    pub const ENCODED_BYTES: usize = 40;

    /// A new, empty journal.
    pub const EMPTY: Self = Self { snapshot_seq: 0, first_segment_seq: 1 };

    pub fn encode(&self) -> [u8; Self::ENCODED_BYTES] {
        let mut bytes = Vec::with_capacity(Self::ENCODED_BYTES);
        bytes.extend_from_slice(&MANIFEST_MAGIC);
        bytes.extend_from_slice(&MANIFEST_VERSION.to_le_bytes());
        bytes.extend_from_slice(&0u32.to_le_bytes()); // flags: none defined
        bytes.extend_from_slice(&self.snapshot_seq.to_le_bytes());
        bytes.extend_from_slice(&self.first_segment_seq.to_le_bytes());
        let crc = crc32fast::hash(&bytes);
        bytes.extend_from_slice(&crc.to_le_bytes());
        bytes.extend_from_slice(&0u32.to_le_bytes());
        let mut out = [0u8; Self::ENCODED_BYTES];
        out.iter_mut().zip(bytes).for_each(|(slot, byte)| *slot = byte);
        out
    }

    /// Takes any bytes; refuses a wrong magic or size, a bad CRC, an unknown version.
    pub fn decode(input: &[u8]) -> Result<Self, DecodeError> {
        if input.len() != Self::ENCODED_BYTES {
            return Err(DecodeError::Truncated);
        }
        let mut reader = Reader::new(input);
        reader.magic(&MANIFEST_MAGIC)?;
        let version = reader.u32()?;
        let flags = reader.u32()?;
        let snapshot_seq = reader.u64()?;
        let first_segment_seq = reader.u64()?;
        let crc = reader.u32()?;
        let zero = reader.u32()?;
        let actual = crc32fast::hash(input.get(..32).unwrap_or(&[]));
        if actual != crc {
            return Err(DecodeError::BadCrc { expected: crc, actual });
        }
        if version != MANIFEST_VERSION {
            return Err(DecodeError::UnsupportedVersion(version));
        }
        if flags != 0 || zero != 0 || first_segment_seq == 0 {
            return Err(DecodeError::BadPayload);
        }
        Ok(Self { snapshot_seq, first_segment_seq })
    }

    /// Reads `DIR/MANIFEST`; `Ok(None)` if there is none.
    pub fn read(directory: &Path) -> std::io::Result<Option<Result<Self, DecodeError>>> {
        match std::fs::read(directory.join(MANIFEST_FILE)) {
            Ok(bytes) => Ok(Some(Self::decode(&bytes))),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Replaces `DIR/MANIFEST` atomically and durably.
    pub fn write(&self, directory: &Path) -> std::io::Result<()> {
        self.write_stepwise(directory, &mut |_| Ok(()))
    }

    /// `write`, calling `step` after each of its steps ("temp-written", "temp-synced",
    /// "renamed"): the compactor's fault-injection points.
    pub fn write_stepwise(
        &self,
        directory: &Path,
        step: &mut dyn FnMut(&str) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let temp = directory.join(MANIFEST_TEMP_FILE);
        let mut file = super::files::create(&temp)?;
        file.write_all(&self.encode())?;
        step("temp-written")?;
        // Sync before the rename: a crash between them must leave the old MANIFEST in force,
        // never a new name pointing at unwritten bytes.
        file.sync_all()?;
        step("temp-synced")?;
        std::fs::rename(&temp, directory.join(MANIFEST_FILE))?;
        step("renamed")?;
        File::open(directory)?.sync_all()
    }
}

#[cfg(test)]
#[expect(clippy::indexing_slicing, reason = "tests index their own fixed inputs")]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_every_flip_and_cut() {
        let manifest = Manifest { snapshot_seq: 41, first_segment_seq: 40 };
        let bytes = manifest.encode();
        assert_eq!(Manifest::decode(&bytes), Ok(manifest));
        for index in 0..bytes.len() {
            let mut damaged = bytes;
            damaged[index] ^= 0x04;
            assert!(Manifest::decode(&damaged).is_err(), "flip at {index}");
        }
        for cut in 0..bytes.len() {
            assert!(Manifest::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }

    /// The example of docs/FORMAT.md, byte for byte.
    #[test]
    fn golden_manifest_matches_format_md() {
        let bytes = Manifest::EMPTY.encode();
        assert_eq!(&bytes[..8], b"ALLYMANF");
        assert_eq!(
            &bytes[8..32],
            &[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(&bytes[32..36], &crc32fast::hash(&bytes[..32]).to_le_bytes());
        assert_eq!(&bytes[36..], &[0, 0, 0, 0]);
    }

    #[test]
    fn write_replaces_atomically() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Manifest::read(dir.path()).unwrap().is_none());
        Manifest::EMPTY.write(dir.path()).unwrap();
        let next = Manifest { snapshot_seq: 9, first_segment_seq: 7 };
        next.write(dir.path()).unwrap();
        assert_eq!(Manifest::read(dir.path()).unwrap(), Some(Ok(next)));
        assert!(!dir.path().join(MANIFEST_TEMP_FILE).exists());
    }
}
