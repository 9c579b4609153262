//! Reading the journal while it is written, for replicas (docs/REPLICATION.md): a `Tail`
//! follows the records of the live segments in sequence order, moving to the next segment
//! where one ends, and `open_full` finds the snapshot in force and the records after it.
//! Files are opened once, so a compaction that removes them meanwhile does not disturb a
//! reader that already has them.
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::compactor::list_files;
use super::record::{record_crc, RecordHeader};
use super::segment::{segment_file_name, SegmentHeader};
use super::snapshot::snapshot_file_name;
use super::Manifest;

/// Bytes read from a segment at a time (more when a record is larger).
const WINDOW_BYTES: usize = 256 * 1024;

/// How many times `open_full` reads the MANIFEST again when a compaction replaced the files
/// it named between the reading and the opening.
const OPEN_ATTEMPTS: usize = 20;

/// Follows the journal's records from one sequence number on.
pub struct Tail {
    directory: PathBuf,
    file: File,
    /// Where the next record starts in `file`.
    offset: u64,
    next_seq: u64,
    /// Bytes of `file` from `window_start`, read ahead.
    window: Vec<u8>,
    window_start: u64,
    /// The segments after this one that existed when the tail was opened, opened then: a
    /// compaction that removes them while a long snapshot transfer runs does not take them
    /// from this reader.
    later: Vec<(u64, File)>,
}

/// What `open_full` found: the snapshot in force (none when `seq` is 0) and a tail from the
/// record after it.
pub struct FullSync {
    pub seq: u64,
    pub snapshot: Option<(File, u64)>,
    pub tail: Tail,
}

fn not_found(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::NotFound
}

/// Opens the snapshot the MANIFEST names and a tail from the record after it, trying again
/// when a compaction replaced them between the two steps.
pub fn open_full(directory: &Path) -> io::Result<FullSync> {
    for _ in 0..OPEN_ATTEMPTS {
        let manifest = match Manifest::read(directory)? {
            Some(Ok(manifest)) => manifest,
            Some(Err(error)) => {
                return Err(io::Error::other(format!("the MANIFEST cannot be read: {error}")))
            }
            None => Manifest::EMPTY,
        };
        let seq = manifest.snapshot_seq;
        let snapshot = if seq == 0 {
            None
        } else {
            match File::open(directory.join(snapshot_file_name(seq))) {
                Ok(file) => {
                    let len = file.metadata()?.len();
                    Some((file, len))
                }
                Err(error) if not_found(&error) => continue,
                Err(error) => return Err(error),
            }
        };
        if let Some(tail) = Tail::open(directory, seq + 1)? {
            return Ok(FullSync { seq, snapshot, tail });
        }
    }
    Err(io::Error::other("the journal's files kept changing while being opened"))
}

impl Tail {
    /// A tail whose next record is `from_seq`, or None when the journal no longer holds the
    /// records before it that lead there (a compaction removed their segment).
    pub fn open(directory: &Path, from_seq: u64) -> io::Result<Option<Self>> {
        let files = list_files(directory)?;
        let holding = files.segments.iter().rev().find(|(first_seq, _)| *first_seq <= from_seq);
        let Some((first_seq, _)) = holding else { return Ok(None) };
        let Some(mut tail) = Self::open_segment(directory, *first_seq)? else { return Ok(None) };
        for (later_seq, path) in files.segments.iter().filter(|(seq, _)| seq > first_seq) {
            match File::open(path) {
                Ok(file) => tail.later.push((*later_seq, file)),
                Err(error) if not_found(&error) => {}
                Err(error) => return Err(error),
            }
        }
        while tail.next_seq < from_seq {
            match tail.next_record(from_seq - 1) {
                Ok(Some(_)) => {}
                Ok(None) => return Ok(None),
                Err(error) if not_found(&error) => return Ok(None),
                Err(error) => return Err(error),
            }
        }
        Ok(Some(tail))
    }

    fn open_segment(directory: &Path, first_seq: u64) -> io::Result<Option<Self>> {
        let file = match File::open(directory.join(segment_file_name(first_seq))) {
            Ok(file) => file,
            Err(error) if not_found(&error) => return Ok(None),
            Err(error) => return Err(error),
        };
        Self::on_file(directory, file, first_seq).map(Some)
    }

    /// A tail at the first record of segment `file`, whose header must say `first_seq`.
    fn on_file(directory: &Path, file: File, first_seq: u64) -> io::Result<Self> {
        let mut header = [0u8; SegmentHeader::ENCODED_BYTES];
        file.read_exact_at(&mut header, 0)?;
        match SegmentHeader::decode(&header) {
            Ok(header) if header.first_seq == first_seq => {}
            _ => return Err(io::Error::other(format!("bad header in segment {first_seq}"))),
        }
        Ok(Self {
            directory: directory.to_path_buf(),
            file,
            offset: SegmentHeader::ENCODED_BYTES as u64,
            next_seq: first_seq,
            window: Vec::new(),
            window_start: 0,
            later: Vec::new(),
        })
    }

    /// Moves to the segment that starts at `next_seq`: one opened in advance, or by name.
    fn move_on(&mut self) -> io::Result<bool> {
        let later = std::mem::take(&mut self.later);
        let (wanted, rest): (Vec<_>, Vec<_>) =
            later.into_iter().partition(|(seq, _)| *seq == self.next_seq);
        let next = match wanted.into_iter().next() {
            Some((seq, file)) => Some(Self::on_file(&self.directory, file, seq)?),
            None => Self::open_segment(&self.directory, self.next_seq)?,
        };
        let Some(mut next) = next else { return Ok(false) };
        next.later = rest.into_iter().filter(|(seq, _)| *seq > next.next_seq).collect();
        *self = next;
        Ok(true)
    }

    /// The sequence number of the next record this tail returns.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The next record, whole (header included), if its sequence number is at most `upto`
    /// (the journal's written sequence number: records up to it are complete in the files).
    /// An error of kind NotFound: the segment that should hold it is gone.
    pub fn next_record(&mut self, upto: u64) -> io::Result<Option<&[u8]>> {
        if self.next_seq > upto {
            return Ok(None);
        }
        let mut moved = false;
        let len = loop {
            if let Some(len) = self.record_here()? {
                break len;
            }
            // The segment ends before the record: the writer continued in the next one.
            if moved {
                return Err(io::Error::other(format!(
                    "record {} is not at the start of its segment",
                    self.next_seq
                )));
            }
            if !self.move_on()? {
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("no segment holds record {}", self.next_seq),
                ));
            }
            moved = true;
        };
        let start = usize::try_from(self.offset - self.window_start).unwrap_or(usize::MAX);
        self.offset += len as u64;
        self.next_seq += 1;
        Ok(self.window.get(start..start.saturating_add(len)))
    }

    /// The length of record `next_seq` if it starts at `offset`, checked against its CRC.
    /// Bytes read ahead may predate the write of a record (zeros, or half of it), so a
    /// mismatch is read again from the file before it counts.
    fn record_here(&mut self) -> io::Result<Option<usize>> {
        for fresh in [false, true] {
            if fresh {
                self.window.clear();
            }
            let header_bytes = RecordHeader::ENCODED_BYTES;
            let Some(header) = self.bytes_at(header_bytes)? else { continue };
            let Ok(header) = RecordHeader::decode(header) else { continue };
            if header.seq != self.next_seq {
                continue;
            }
            let len = header_bytes + header.payload_len_bytes as usize;
            let Some(record) = self.bytes_at(len)? else { continue };
            let payload = record.get(header_bytes..).unwrap_or(&[]);
            if record_crc(header.seq, payload) == header.crc {
                return Ok(Some(len));
            }
        }
        Ok(None)
    }

    /// `len` bytes from `offset`, read into the window when it does not hold them; None when
    /// the file ends first.
    fn bytes_at(&mut self, len: usize) -> io::Result<Option<&[u8]>> {
        let start = self.offset.checked_sub(self.window_start).map(usize::try_from);
        let held = matches!(start, Some(Ok(start)) if start + len <= self.window.len());
        if !held {
            self.window_start = self.offset;
            self.window.resize(len.max(WINDOW_BYTES), 0);
            let mut filled = 0;
            while filled < len {
                let Some(rest) = self.window.get_mut(filled..) else { break };
                match self.file.read_at(rest, self.offset + filled as u64) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                    Err(error) => return Err(error),
                }
            }
            self.window.truncate(filled);
            if filled < len {
                return Ok(None);
            }
        }
        let start = usize::try_from(self.offset - self.window_start).unwrap_or(usize::MAX);
        Ok(self.window.get(start..start.saturating_add(len)))
    }
}
