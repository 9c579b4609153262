//! Reading a segment record by record, and a snapshot block by block, through a bounded buffer, for the `allydb-journal`
//! tool: a 10 GB journal is read in the memory of its largest record. The records are
//! decoded by `record::decode_record_ref`, the server's own decoder.
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::codec::FILE_HEADER_BYTES;
use super::record::{check_record, decode_record_ref, DecodeError, RecordHeader, RecordRef};
use super::segment::SegmentHeader;
use super::snapshot::{decode_end, SnapshotHeader, BLOCK_END, BLOCK_ENTRIES, BLOCK_HEADER_BYTES};

/// Bytes read from the file at a time (a larger record grows the buffer to its own size).
const READ_CHUNK_BYTES: usize = 4 << 20;

/// A segment opened for reading, positioned after its header.
pub struct SegmentReader {
    file: File,
    file_len: u64,
    pub header: SegmentHeader,
    buf: Vec<u8>,
    /// File offset of `buf[0]`.
    buf_at: u64,
    /// Index in `buf` of the next record.
    pos: usize,
    /// Whether records are returned with their effects (false: checked only, see
    /// `without_effects`).
    effects: bool,
}

/// One record and where it is.
pub struct RecordAt<'a> {
    pub offset: u64,
    /// Header and payload.
    pub bytes: u64,
    pub record: RecordRef<'a>,
    /// The payload's bytes.
    pub payload: &'a [u8],
}

/// Why reading a segment stopped.
#[derive(Debug)]
pub enum Stop {
    /// After the last record: the end of the file, or only zero bytes (written ahead) follow.
    End {
        offset: u64,
    },
    /// The bytes at `offset` are not a valid record (a torn tail or damage: see
    /// `next_valid_record`).
    Damaged {
        offset: u64,
        error: DecodeError,
    },
    Io(std::io::Error),
}

impl SegmentReader {
    /// Opens `path` and decodes its header: `Ok(Err(..))` when the header is damaged.
    pub fn open(path: &Path) -> std::io::Result<Result<Self, DecodeError>> {
        let (file, file_len, head) = open_with_header(path)?;
        Ok(SegmentHeader::decode(&head).map(|header| Self::after_header(file, file_len, header)))
    }

    /// A reader positioned after the header.
    fn after_header(file: File, file_len: u64, header: SegmentHeader) -> Self {
        Self {
            file,
            file_len,
            header,
            buf: Vec::new(),
            buf_at: SegmentHeader::ENCODED_BYTES as u64,
            pos: 0,
            effects: true,
        }
    }

    /// Opens `path` although its header does not decode, positioned after the header's bytes
    /// and taking `first_seq` (from the file name) for it: to read what its records, each
    /// checked by its own CRC, still say for a repair's report. Never for replay.
    pub fn open_past_damaged_header(path: &Path, first_seq: u64) -> std::io::Result<Self> {
        let file = File::open(path)?;
        let file_len = file.metadata()?.len();
        Ok(Self::after_header(file, file_len, SegmentHeader { first_seq }))
    }

    /// Records are checked as fully (CRC, every effect) but returned without their effects,
    /// which saves an allocation per record (`allydb-journal verify`).
    pub fn without_effects(mut self) -> Self {
        self.effects = false;
        self
    }

    /// The file's length when it was opened (a running server may write beyond it).
    pub fn file_len(&self) -> u64 {
        self.file_len
    }

    /// The file offset of the next record.
    pub fn offset(&self) -> u64 {
        self.buf_at + self.pos as u64
    }

    /// Makes at least `want` bytes (or all that remain of the file) available from `pos`.
    fn fill(&mut self, want: usize) -> std::io::Result<&[u8]> {
        let available = self.buf.len() - self.pos;
        let left_in_file = self.file_len.saturating_sub(self.buf_at + self.buf.len() as u64);
        if available < want && left_in_file > 0 {
            self.buf.drain(..self.pos);
            self.buf_at += self.pos as u64;
            self.pos = 0;
            let target = want.max(READ_CHUNK_BYTES);
            if self.buf.capacity() > target.saturating_mul(2) {
                // After a large record: give the memory back.
                self.buf.shrink_to(target);
            }
            let more = usize::try_from(left_in_file).unwrap_or(usize::MAX);
            let add = target.saturating_sub(self.buf.len()).min(more);
            let start = self.buf.len();
            self.buf.resize(start + add, 0);
            self.file.seek(SeekFrom::Start(self.buf_at + start as u64))?;
            let got = read_full(&mut self.file, self.buf.get_mut(start..).unwrap_or(&mut []))?;
            self.buf.truncate(start + got);
        }
        Ok(self.buf.get(self.pos..).unwrap_or(&[]))
    }

    /// Up to `want` bytes from the next record's offset (fewer at the end of the file): the
    /// bytes of a damaged record, for `record::decode_record_unchecked`.
    pub fn peek(&mut self, want: usize) -> std::io::Result<&[u8]> {
        let data = self.fill(want)?;
        Ok(data.get(..want.min(data.len())).unwrap_or(&[]))
    }

    /// The next record, or why there is none.
    pub fn next_record(&mut self) -> Result<RecordAt<'_>, Stop> {
        let offset = self.offset();
        let head = self.fill(RecordHeader::ENCODED_BYTES).map_err(Stop::Io)?;
        if head.is_empty() {
            return Err(Stop::End { offset });
        }
        let size = match RecordHeader::decode(head) {
            Ok(header) => RecordHeader::ENCODED_BYTES + header.payload_len_bytes as usize,
            Err(error) => {
                return Err(if self.zeros_to_end().map_err(Stop::Io)? {
                    Stop::End { offset }
                } else {
                    Stop::Damaged { offset, error }
                })
            }
        };
        if offset.saturating_add(size as u64) > self.file_len {
            return Err(Stop::Damaged { offset, error: DecodeError::Truncated });
        }
        // A record larger than the read buffer is checked before it is buffered: a damaged
        // length field must not make the reader allocate what it states.
        if let Some(error) = self.check_large(offset, size).map_err(Stop::Io)? {
            return Err(Stop::Damaged { offset, error });
        }
        let available = self.fill(size).map_err(Stop::Io)?.len();
        if available < size {
            return Err(Stop::Damaged { offset, error: DecodeError::Truncated });
        }
        let bytes = self.buf.get(self.pos..self.pos + size).unwrap_or(&[]);
        if !self.effects {
            return match check_record(bytes) {
                Ok((seq, used)) => {
                    self.pos += used;
                    let payload = bytes.get(RecordHeader::ENCODED_BYTES..used).unwrap_or(&[]);
                    let record = RecordRef { seq, effects: Vec::new() };
                    Ok(RecordAt { offset, bytes: used as u64, record, payload })
                }
                Err(error) => Err(Stop::Damaged { offset, error }),
            };
        }
        match decode_record_ref(bytes) {
            Ok((record, used)) => {
                self.pos += used;
                let payload = bytes.get(RecordHeader::ENCODED_BYTES..used).unwrap_or(&[]);
                Ok(RecordAt { offset, bytes: used as u64, record, payload })
            }
            Err(error) => Err(Stop::Damaged { offset, error }),
        }
    }

    /// For a record of `size` bytes at `offset` larger than the read buffer: its CRC error, if
    /// the CRC (computed streaming, in chunks) does not match. None for smaller records,
    /// which are checked in the buffer.
    fn check_large(&mut self, offset: u64, size: usize) -> std::io::Result<Option<DecodeError>> {
        if size <= READ_CHUNK_BYTES {
            return Ok(None);
        }
        let mut head = [0u8; RecordHeader::ENCODED_BYTES];
        self.file.seek(SeekFrom::Start(offset))?;
        if read_full(&mut self.file, &mut head)? < head.len() {
            return Ok(Some(DecodeError::Truncated));
        }
        let Ok(header) = RecordHeader::decode(&head) else {
            return Ok(Some(DecodeError::Truncated));
        };
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(&header.seq.to_le_bytes());
        let mut left = u64::from(header.payload_len_bytes);
        let mut chunk = vec![0u8; 1 << 20];
        while left > 0 {
            let want = usize::try_from(left).unwrap_or(usize::MAX).min(chunk.len());
            let part = chunk.get_mut(..want).unwrap_or(&mut []);
            let got = read_full(&mut self.file, part)?;
            if got == 0 {
                return Ok(Some(DecodeError::Truncated));
            }
            hasher.update(part.get(..got).unwrap_or(&[]));
            left -= got as u64;
        }
        let actual = hasher.finalize();
        Ok((actual != header.crc).then_some(DecodeError::BadCrc { expected: header.crc, actual }))
    }

    /// Whether everything from the next record to the end of the file is zero bytes.
    fn zeros_to_end(&mut self) -> std::io::Result<bool> {
        self.zeros_from(self.offset())
    }

    /// Whether everything from `offset` to the end of the file is zero bytes (past the end
    /// counts as zeros): after a damaged last record, whether it is a torn tail as recovery
    /// judges one.
    pub fn zeros_from(&mut self, offset: u64) -> std::io::Result<bool> {
        let mut at = offset;
        let mut chunk = vec![0u8; 1 << 16];
        self.file.seek(SeekFrom::Start(at))?;
        while at < self.file_len {
            let want = usize::try_from(self.file_len - at).unwrap_or(usize::MAX).min(chunk.len());
            let part = chunk.get_mut(..want).unwrap_or(&mut []);
            let got = read_full(&mut self.file, part)?;
            if got == 0 {
                break;
            }
            if part.get(..got).is_some_and(|p| p.iter().any(|&b| b != 0)) {
                return Ok(false);
            }
            at += got as u64;
        }
        Ok(true)
    }

    /// After damage at the next record: the offset of the first record after it that decodes
    /// (CRC included) with a sequence number in `(after_seq, after_seq + window]`, streaming
    /// through the rest of the file. None means nothing valid follows: a torn tail. The
    /// reader is left positioned there, so `next_record` goes on from it.
    pub fn next_valid_record(
        &mut self,
        after_seq: u64,
        window: u64,
    ) -> std::io::Result<Option<u64>> {
        self.pos += 1;
        loop {
            let data = self.fill(RecordHeader::ENCODED_BYTES)?;
            if data.len() < RecordHeader::ENCODED_BYTES {
                return Ok(None);
            }
            // Candidates are positions whose seq field is in the window; only they are decoded.
            let scan_to = data.len() - RecordHeader::ENCODED_BYTES + 1;
            let mut found = None;
            for index in 0..scan_to {
                let Some(seq_bytes) = data.get(index + 8..index + 16) else { break };
                let mut seq = [0u8; 8];
                seq.copy_from_slice(seq_bytes);
                let seq = u64::from_le_bytes(seq);
                if seq > after_seq && seq - after_seq <= window {
                    found = Some(index);
                    break;
                }
            }
            match found {
                None => {
                    self.pos += scan_to;
                }
                Some(index) => {
                    self.pos += index;
                    let size = match RecordHeader::decode(self.fill(RecordHeader::ENCODED_BYTES)?) {
                        Ok(h) => RecordHeader::ENCODED_BYTES + h.payload_len_bytes as usize,
                        Err(_) => {
                            self.pos += 1;
                            continue;
                        }
                    };
                    let at = self.offset();
                    let fits = at.saturating_add(size as u64) <= self.file_len;
                    if !fits || self.check_large(at, size)?.is_some() {
                        self.pos += 1;
                        continue;
                    }
                    let data = self.fill(size)?;
                    if data.len() >= size && decode_record_ref(data).is_ok() {
                        return Ok(Some(self.offset()));
                    }
                    self.pos += 1;
                }
            }
        }
    }
}

/// A snapshot opened for reading block by block (one block in memory at a time).
pub struct SnapshotReader {
    file: File,
    file_len: u64,
    pub seq: u64,
    offset: u64,
    /// The current block: its 8-byte header and payload.
    block: Vec<u8>,
    finished: bool,
    /// The offset of the block the file ends inside, once it has been returned.
    cut_at: Option<u64>,
}

/// One block of a snapshot, read but not yet checked (see `SnapshotReader::next_block`).
pub struct SnapshotBlock<'a> {
    pub offset: u64,
    /// Header and payload: `snapshot::decode_block(bytes, 0, ..)` checks and decodes it,
    /// `snapshot::salvage_block(bytes, 0, ..)` reads what it can of a damaged one.
    pub bytes: &'a [u8],
    pub kind: BlockKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    Entries,
    /// An end block with a good CRC: the entries blocks and entries it states, and its seq.
    End {
        blocks: u64,
        entries: u64,
        seq: u64,
    },
    /// A block whose kind byte is unknown, or an end block that fails its CRC.
    Unknown,
    /// The file ends inside this block (its stated length runs past the end): `bytes` is
    /// what there is. The next call reports `SnapshotStop::Truncated` at its offset.
    Cut,
}

/// Why reading a snapshot stopped early.
#[derive(Debug)]
pub enum SnapshotStop {
    /// The file ends inside a block header or payload, or without an end block.
    Truncated {
        offset: u64,
    },
    /// Bytes follow the end block.
    Trailing {
        offset: u64,
    },
    Io(std::io::Error),
}

impl SnapshotReader {
    /// Opens `path` and decodes its header: `Ok(Err(..))` when the header is damaged.
    pub fn open(path: &Path) -> std::io::Result<Result<Self, DecodeError>> {
        let (file, file_len, head) = open_with_header(path)?;
        Ok(SnapshotHeader::decode(&head)
            .map(|header| Self::after_header(file, file_len, header.seq)))
    }

    /// A reader positioned after the header, for the snapshot of sequence number `seq`.
    fn after_header(file: File, file_len: u64, seq: u64) -> Self {
        Self {
            file,
            file_len,
            seq,
            offset: SnapshotHeader::ENCODED_BYTES as u64,
            block: Vec::new(),
            finished: false,
            cut_at: None,
        }
    }

    pub fn file_len(&self) -> u64 {
        self.file_len
    }

    /// Opens `path` although its header does not decode, taking `seq` (from the MANIFEST)
    /// for it: its blocks, each checked by its own CRC, are read on (and the end block
    /// confirms the sequence number).
    pub fn open_past_damaged_header(path: &Path, seq: u64) -> std::io::Result<Self> {
        let file = File::open(path)?;
        let file_len = file.metadata()?.len();
        Ok(Self::after_header(file, file_len, seq))
    }

    /// The next block; `Ok(None)` after the end block when nothing follows it.
    pub fn next_block(&mut self) -> Result<Option<SnapshotBlock<'_>>, SnapshotStop> {
        let offset = self.offset;
        if let Some(offset) = self.cut_at {
            return Err(SnapshotStop::Truncated { offset });
        }
        if self.finished {
            return if offset == self.file_len {
                Ok(None)
            } else {
                Err(SnapshotStop::Trailing { offset })
            };
        }
        let truncated = SnapshotStop::Truncated { offset };
        let mut head = [0u8; BLOCK_HEADER_BYTES];
        self.file.seek(SeekFrom::Start(offset)).map_err(SnapshotStop::Io)?;
        if read_full(&mut self.file, &mut head).map_err(SnapshotStop::Io)? < head.len() {
            return Err(truncated);
        }
        let mut len = [0u8; 4];
        len.copy_from_slice(head.get(..4).unwrap_or(&[0; 4]));
        let len = u64::from(u32::from_le_bytes(len));
        let stated_end = offset + BLOCK_HEADER_BYTES as u64 + len;
        // A block larger than the read buffer whose CRC fails is not read whole (a damaged
        // length must not make the reader allocate what it states): its first bytes are
        // returned for salvage.
        let mut crc = [0u8; 4];
        crc.copy_from_slice(head.get(4..).unwrap_or(&[0; 4]));
        let large = len > READ_CHUNK_BYTES as u64 && stated_end <= self.file_len;
        if large
            && !crc_matches(&mut self.file, len, u32::from_le_bytes(crc))
                .map_err(SnapshotStop::Io)?
        {
            let keep = READ_CHUNK_BYTES;
            self.block.clear();
            self.block.resize(BLOCK_HEADER_BYTES + keep, 0);
            self.block.get_mut(..BLOCK_HEADER_BYTES).unwrap_or(&mut []).copy_from_slice(&head);
            self.file
                .seek(SeekFrom::Start(offset + BLOCK_HEADER_BYTES as u64))
                .map_err(SnapshotStop::Io)?;
            let rest = self.block.get_mut(BLOCK_HEADER_BYTES..).unwrap_or(&mut []);
            read_full(&mut self.file, rest).map_err(SnapshotStop::Io)?;
            self.offset = stated_end;
            let kind = match self.block.get(BLOCK_HEADER_BYTES) {
                Some(&BLOCK_ENTRIES) => BlockKind::Entries,
                _ => BlockKind::Unknown,
            };
            return Ok(Some(SnapshotBlock { offset, bytes: &self.block, kind }));
        }
        self.file
            .seek(SeekFrom::Start(offset + BLOCK_HEADER_BYTES as u64))
            .map_err(SnapshotStop::Io)?;
        // A block the file ends inside is returned as `Cut`, with what there is of it.
        // At most one read buffer of it: it is only salvaged.
        let cut = stated_end > self.file_len;
        let end = if cut {
            self.file_len.min(offset + (BLOCK_HEADER_BYTES + READ_CHUNK_BYTES) as u64)
        } else {
            stated_end
        };
        let total =
            usize::try_from(end - offset).map_err(|_| SnapshotStop::Truncated { offset })?;
        self.block.clear();
        if self.block.capacity() > total.max(READ_CHUNK_BYTES).saturating_mul(2) {
            self.block.shrink_to(total.max(READ_CHUNK_BYTES));
        }
        self.block.resize(total, 0);
        self.block.get_mut(..BLOCK_HEADER_BYTES).unwrap_or(&mut []).copy_from_slice(&head);
        let rest = self.block.get_mut(BLOCK_HEADER_BYTES..).unwrap_or(&mut []);
        if read_full(&mut self.file, rest).map_err(SnapshotStop::Io)? < rest.len() {
            return Err(SnapshotStop::Truncated { offset });
        }
        let payload = self.block.get(BLOCK_HEADER_BYTES..).unwrap_or(&[]);
        let kind = match payload.first() {
            _ if cut => {
                self.finished = true;
                self.cut_at = Some(offset);
                BlockKind::Cut
            }
            Some(&BLOCK_ENTRIES) => BlockKind::Entries,
            Some(&BLOCK_END) if crc32fast::hash(payload) == u32::from_le_bytes(crc) => {
                match decode_end(payload) {
                    Some((blocks, entries, seq)) => {
                        self.finished = true;
                        BlockKind::End { blocks, entries, seq }
                    }
                    None => BlockKind::Unknown,
                }
            }
            _ => BlockKind::Unknown,
        };
        self.offset = end;
        Ok(Some(SnapshotBlock { offset, bytes: &self.block, kind }))
    }
}

/// Opens `path` and reads its file header (fewer bytes when the file is shorter).
fn open_with_header(path: &Path) -> std::io::Result<(File, u64, Vec<u8>)> {
    let mut file = File::open(path)?;
    let file_len = file.metadata()?.len();
    let mut head = vec![0u8; FILE_HEADER_BYTES];
    let got = read_full(&mut file, &mut head)?;
    head.truncate(got);
    Ok((file, file_len, head))
}

/// Whether the next `len` bytes of `file` have CRC `expected`, read in chunks.
fn crc_matches(file: &mut File, len: u64, expected: u32) -> std::io::Result<bool> {
    let mut hasher = crc32fast::Hasher::new();
    let mut chunk = vec![0u8; 1 << 20];
    let mut left = len;
    while left > 0 {
        let want = usize::try_from(left).unwrap_or(usize::MAX).min(chunk.len());
        let part = chunk.get_mut(..want).unwrap_or(&mut []);
        let got = read_full(file, part)?;
        if got == 0 {
            return Ok(false);
        }
        hasher.update(part.get(..got).unwrap_or(&[]));
        left -= got as u64;
    }
    Ok(hasher.finalize() == expected)
}

/// Reads until `buf` is full or the file ends; returns the bytes read.
fn read_full(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match file.read(buf.get_mut(got..).unwrap_or(&mut [])) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

#[cfg(test)]
#[expect(clippy::indexing_slicing, reason = "tests index their own fixed inputs")]
mod tests {
    use super::*;
    use crate::journal::record::{encode_record, Effect, Value};
    use std::io::Write;

    fn segment_with(records: u64, value_len: usize) -> Vec<u8> {
        let mut out = SegmentHeader { first_seq: 1 }.encode().to_vec();
        let value = vec![b'v'; value_len];
        for seq in 1..=records {
            let key = format!("k{seq:04}");
            let effect = Effect::Put {
                db: 0,
                key: key.as_bytes(),
                value: Value::String(&value[..]),
                expires_at_ms: 0,
            };
            encode_record(seq, &[effect], &mut out);
        }
        out
    }

    fn read_all(path: &Path) -> (Vec<(u64, u64)>, Stop) {
        let mut reader = SegmentReader::open(path).unwrap().unwrap();
        let mut seen = Vec::new();
        loop {
            match reader.next_record() {
                Ok(r) => seen.push((r.record.seq, r.offset)),
                Err(stop) => return (seen, stop),
            }
        }
    }

    #[test]
    fn reads_records_across_chunks_and_stops_at_zeros() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.log");
        // Records of 1 MiB and more cross the 4 MiB chunk boundary; one of 5 MiB outgrows it.
        let mut data = segment_with(9, 1 << 20);
        let mut big = Vec::new();
        let value = vec![b'x'; 5 << 20];
        let effect = Effect::Put {
            db: 0,
            key: &b"big"[..],
            value: Value::String(&value[..]),
            expires_at_ms: 0,
        };
        encode_record(10, &[effect], &mut big);
        data.extend_from_slice(&big);
        data.extend_from_slice(&[0u8; 100_000]);
        std::fs::File::create(&path).unwrap().write_all(&data).unwrap();
        let (seen, stop) = read_all(&path);
        assert_eq!(seen.len(), 10);
        assert_eq!(seen[0].1, 32);
        assert!(matches!(stop, Stop::End { offset } if offset as usize == data.len() - 100_000));
    }

    #[test]
    fn a_damaged_large_record_is_refused_without_buffering_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.log");
        let mut data = segment_with(1, 6 << 20);
        let record_at = 32;
        // A flipped payload byte: the streaming CRC check refuses it.
        let mut flipped = data.clone();
        flipped[record_at + 1000] ^= 1;
        std::fs::write(&path, &flipped).unwrap();
        let mut reader = SegmentReader::open(&path).unwrap().unwrap();
        assert!(matches!(
            reader.next_record(),
            Err(Stop::Damaged { error: DecodeError::BadCrc { .. }, .. })
        ));
        assert!(reader.buf.capacity() <= READ_CHUNK_BYTES * 2, "{}", reader.buf.capacity());
        // A length stating more than the file holds: truncated, nothing allocated for it.
        data[record_at..record_at + 4].copy_from_slice(&(u32::MAX - 100).to_le_bytes());
        std::fs::write(&path, &data).unwrap();
        let mut reader = SegmentReader::open(&path).unwrap().unwrap();
        assert!(matches!(
            reader.next_record(),
            Err(Stop::Damaged { error: DecodeError::Truncated, .. })
        ));
        assert!(reader.buf.capacity() <= READ_CHUNK_BYTES * 2, "{}", reader.buf.capacity());
    }

    #[test]
    fn finds_the_record_after_damage_or_none_for_a_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.log");
        let data = segment_with(50, 100);
        let record_len = (data.len() - 32) / 50;
        let mut damaged = data.clone();
        damaged[32 + 10 * record_len + 20] ^= 1;
        std::fs::write(&path, &damaged).unwrap();
        let mut reader = SegmentReader::open(&path).unwrap().unwrap();
        for _ in 0..10 {
            reader.next_record().unwrap();
        }
        let Err(Stop::Damaged { offset, .. }) = reader.next_record() else { panic!() };
        assert_eq!(offset as usize, 32 + 10 * record_len);
        let next = reader.next_valid_record(11, 1000).unwrap();
        assert_eq!(next, Some((32 + 11 * record_len) as u64));
        assert_eq!(reader.next_record().ok().map(|r| r.record.seq), Some(12));

        std::fs::write(&path, &data[..data.len() - 5]).unwrap();
        let (seen, stop) = read_all(&path);
        assert_eq!(seen.len(), 49);
        assert!(matches!(stop, Stop::Damaged { error: DecodeError::Truncated, .. }));
        let mut reader = SegmentReader::open(&path).unwrap().unwrap();
        while reader.next_record().is_ok() {}
        assert_eq!(reader.next_valid_record(49, 1000).unwrap(), None);
    }
}
