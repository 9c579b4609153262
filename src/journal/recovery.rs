//! Startup: take the directory's lock, replay every segment in sequence order, cut a torn
//! tail off the last segment, and refuse (naming file, offset and sequence number) anything
//! that would leave a hole. See DESIGN.md section 6.
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::compactor::{list_files, DirectoryFiles};
use super::manifest::{Manifest, MANIFEST_TEMP_FILE};
use super::record::{decode_record, decode_record_ref, DecodeError, RecordHeader};
use super::replay::apply;
use super::segment::SegmentHeader;
use super::snapshot::snapshot_file_name;
use super::writer::{create_segment, ActiveSegment};
use crate::store::Keyspace;

/// The journal directory after a successful replay.
pub struct Recovered {
    /// Held for the life of the server: a second server on the same directory is refused.
    pub lock: File,
    /// The last segment, open for writing after its last record.
    pub segment: ActiveSegment,
    /// Sequence number of the last record replayed (0 for a new journal).
    pub last_seq: u64,
    pub records: u64,
    pub segments: usize,
    /// Bytes of the live segments before the last one.
    pub closed_bytes: u64,
    /// The snapshot loaded: its sequence number, size in bytes and keys.
    pub snapshot: Option<LoadedSnapshot>,
}

/// The snapshot a recovery loaded.
#[derive(Debug, Clone, Copy)]
pub struct LoadedSnapshot {
    pub seq: u64,
    pub bytes: u64,
    pub entries: u64,
}

/// Why the server must not start; the text names the file, offset and sequence number.
#[derive(Debug)]
pub struct RecoveryError(pub String);

impl std::fmt::Display for RecoveryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl RecoveryError {
    /// Whether the directory's content is damaged (every such message says "refusing to
    /// start"), as opposed to being unusable for another reason (in use, not a directory).
    pub fn is_damage(&self) -> bool {
        self.0.contains("refusing to start")
    }
}

fn io_error(what: &str, path: &Path, error: std::io::Error) -> RecoveryError {
    RecoveryError(format!("cannot {what} {}: {error}", path.display()))
}

/// Takes an exclusive lock on `DIR/LOCK`, writing our PID into it.
fn take_lock(directory: &Path) -> Result<File, RecoveryError> {
    let path = directory.join("LOCK");
    let mut file = super::files::open_or_create(&path).map_err(|e| io_error("open", &path, e))?;
    if file.try_lock().is_err() {
        let holder = std::fs::read_to_string(&path).unwrap_or_default();
        let holder = holder.trim();
        let who = if holder.is_empty() {
            "another process".to_string()
        } else {
            format!("process {holder}")
        };
        return Err(RecoveryError(format!(
            "{} is in use by {who} (another AllyDB server?); two servers cannot share one journal",
            directory.display()
        )));
    }
    file.set_len(0).map_err(|e| io_error("write", &path, e))?;
    file.write_all(format!("{}\n", std::process::id()).as_bytes())
        .map_err(|e| io_error("write", &path, e))?;
    Ok(file)
}

/// The journal files of the directory.
fn files_of(directory: &Path) -> Result<DirectoryFiles, RecoveryError> {
    list_files(directory).map_err(|e| io_error("read", directory, e))
}

/// Whether the damage at `offset` is a torn tail: the last bytes a crash left half written.
/// It is when the bad record is the last thing in the file: it runs to (or past) the end,
/// or only zero bytes follow where its length says it ends.
fn is_torn_tail(data: &[u8], offset: usize, error: &DecodeError, expected_seq: u64) -> bool {
    let rest = data.get(offset..).unwrap_or(&[]);
    if has_later_record(rest, expected_seq + 1) {
        // A valid record follows the damage: a corrupted length, not a torn tail.
        return false;
    }
    if matches!(error, DecodeError::Truncated) || rest.iter().all(|&b| b == 0) {
        return true;
    }
    match RecordHeader::decode(rest) {
        Ok(header) => {
            let end = RecordHeader::ENCODED_BYTES
                .saturating_add(usize::try_from(header.payload_len_bytes).unwrap_or(usize::MAX));
            rest.get(end..).is_none_or(|after| after.iter().all(|&b| b == 0))
        }
        Err(_) => false,
    }
}

/// Whether a record with sequence number `seq` decodes anywhere in `rest` (after its first
/// byte). Only runs when a record is damaged, so a scan for the seq's bytes is cheap enough.
fn has_later_record(rest: &[u8], seq: u64) -> bool {
    let needle = seq.to_le_bytes();
    let mut from = 9usize;
    while let Some(window) = rest.get(from..) {
        let Some(found) = window.windows(needle.len()).position(|w| w == needle) else {
            return false;
        };
        let seq_at = from + found;
        if let Some(start) = seq_at.checked_sub(8) {
            if let Some(Ok((record, _))) = rest.get(start..).map(decode_record) {
                if record.seq == seq {
                    return true;
                }
            }
        }
        from = seq_at + 1;
    }
    false
}

/// Reads the MANIFEST (writing the first one for a new journal, or for one written before
/// MANIFESTs existed), removes leftovers of an interrupted replacement and segments it marks
/// obsolete, and returns it with the live segments.
fn read_manifest(directory: &Path) -> Result<(Manifest, Vec<(u64, PathBuf)>), RecoveryError> {
    let temp = directory.join(MANIFEST_TEMP_FILE);
    if temp.exists() {
        // A crash while replacing the MANIFEST: the old one is still in force.
        tracing::warn!("removing {} (left by an interrupted MANIFEST update)", temp.display());
        std::fs::remove_file(&temp).map_err(|e| io_error("remove", &temp, e))?;
    }
    let files = files_of(directory)?;
    let mut segments = files.segments;
    let path = directory.join(super::manifest::MANIFEST_FILE);
    let manifest = match Manifest::read(directory).map_err(|e| io_error("read", &path, e))? {
        Some(Ok(manifest)) => manifest,
        Some(Err(error)) => {
            return Err(RecoveryError(format!(
                "{}: damaged ({error}); refusing to start without knowing which snapshot and \
                 segments hold the data",
                path.display()
            )))
        }
        None => {
            if let Some((_, snapshot)) = files.snapshots.first() {
                return Err(RecoveryError(format!(
                    "{} is missing but {} is here; refusing to start without knowing which \
                     snapshot and segments hold the data (restore the MANIFEST)",
                    path.display(),
                    snapshot.display()
                )));
            }
            if let Some((first_seq, segment)) = segments.first() {
                if *first_seq != 1 {
                    return Err(RecoveryError(format!(
                        "{} is missing and the oldest segment, {}, starts at sequence number \
                         {first_seq}, not 1; refusing to start with a hole in the data",
                        path.display(),
                        segment.display()
                    )));
                }
            }
            // A new journal, or one from before MANIFESTs (format version 1).
            Manifest::EMPTY.write(directory).map_err(|e| io_error("write", &path, e))?;
            Manifest::EMPTY
        }
    };
    if manifest.first_segment_seq > manifest.snapshot_seq + 1 {
        return Err(RecoveryError(format!(
            "{}: segments start at sequence number {} but the snapshot ends at {}; refusing \
             to start with a hole in the data",
            path.display(),
            manifest.first_segment_seq,
            manifest.snapshot_seq
        )));
    }
    let live_from =
        segments.partition_point(|(first_seq, _)| *first_seq < manifest.first_segment_seq);
    for (_, obsolete) in segments.drain(..live_from) {
        tracing::info!("removing {} (obsolete: covered by the snapshot)", obsolete.display());
        std::fs::remove_file(&obsolete).map_err(|e| io_error("remove", &obsolete, e))?;
    }
    // Snapshots the MANIFEST does not name, and temporary files, are what an interrupted
    // compaction left. Never the snapshot it names.
    let orphans = files.snapshots.iter().filter(|(seq, _)| *seq != manifest.snapshot_seq);
    for path in orphans.map(|(_, p)| p).chain(&files.temporary) {
        tracing::warn!("removing {} (left by an interrupted compaction)", path.display());
        std::fs::remove_file(path).map_err(|e| io_error("remove", path, e))?;
    }
    // A snapshot a replica was receiving when it stopped: nothing names it, and the next
    // full resync receives it again.
    for path in &files.received {
        tracing::warn!("removing {} (left by an interrupted full resync)", path.display());
        std::fs::remove_file(path).map_err(|e| io_error("remove", path, e))?;
    }
    if manifest.snapshot_seq != 0 && segments.is_empty() {
        return Err(RecoveryError(format!(
            "{}: names a snapshot at sequence number {} and segments from {}, but there is no \
             segment; refusing to start with a hole in the data",
            path.display(),
            manifest.snapshot_seq,
            manifest.first_segment_seq
        )));
    }
    Ok((manifest, segments))
}

/// Loads the snapshot the MANIFEST names, on every core.
fn load_snapshot(
    directory: &Path,
    manifest: &Manifest,
    keyspace: &Keyspace,
) -> Result<Option<LoadedSnapshot>, RecoveryError> {
    if manifest.snapshot_seq == 0 {
        return Ok(None);
    }
    let path = directory.join(snapshot_file_name(manifest.snapshot_seq));
    let bytes = std::fs::metadata(&path)
        .map_err(|e| {
            RecoveryError(format!(
                "{}: the MANIFEST names this snapshot, but it cannot be read ({e}); refusing \
                 to start without the data it holds",
                path.display()
            ))
        })?
        .len();
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    let (seq, entries) = super::snapshot::load(&path, keyspace, threads).map_err(|e| {
        RecoveryError(format!(
            "{}: damaged snapshot: {e}; refusing to start with a hole in the data",
            path.display()
        ))
    })?;
    if seq != manifest.snapshot_seq {
        return Err(RecoveryError(format!(
            "{}: holds sequence number {seq}, but the MANIFEST names {}; refusing to start \
             with a hole in the data",
            path.display(),
            manifest.snapshot_seq
        )));
    }
    Ok(Some(LoadedSnapshot { seq, bytes, entries }))
}

/// Replays the journal at `directory` into `keyspace`, creating the directory if missing.
/// `record_delay` pauses after each record (`key-load-delay`, for tests of the LOADING state).
pub fn recover(
    directory: &Path,
    keyspace: &Keyspace,
    now_ms: u64,
    record_delay: std::time::Duration,
) -> Result<Recovered, RecoveryError> {
    if directory.is_file() {
        return Err(RecoveryError(format!(
            "{} is a file; the journal needs a directory (set --persistence-location / \
             PERSISTENCE_LOCATION to another path)",
            directory.display()
        )));
    }
    super::files::create_dir_all(directory).map_err(|e| io_error("create", directory, e))?;
    let lock = take_lock(directory)?;
    let (manifest, segments) = read_manifest(directory)?;
    let snapshot = load_snapshot(directory, &manifest, keyspace)?;
    let mut expected_seq = manifest.first_segment_seq;
    let mut records = 0u64;
    // Where the last segment's records end (the writer continues there).
    let mut last_end = SegmentHeader::ENCODED_BYTES;
    let count = segments.len();
    for (index, (first_seq, path)) in segments.iter().enumerate() {
        let is_last = index + 1 == count;
        let data = std::fs::read(path).map_err(|e| io_error("read", path, e))?;
        let header = match SegmentHeader::decode(&data) {
            Ok(header) => header,
            Err(_)
                if is_last
                    && (data.len() < SegmentHeader::ENCODED_BYTES
                        || data.iter().all(|&b| b == 0)) =>
            {
                // A crash while creating the segment: nothing in it was ever acknowledged.
                tracing::warn!(
                    "removing {} (torn segment header, {} bytes)",
                    path.display(),
                    data.len()
                );
                std::fs::remove_file(path).map_err(|e| io_error("remove", path, e))?;
                continue;
            }
            Err(error) => {
                return Err(RecoveryError(format!(
                    "{}: bad segment header: {error}; refusing to start with a hole in the data",
                    path.display()
                )))
            }
        };
        // Records the snapshot holds may be missing from the segments before this one (a
        // power cut took the unsynced end of a segment after the snapshot was named): they
        // are not needed, and nothing after the snapshot is missing.
        let covered_gap =
            header.first_seq > expected_seq && header.first_seq <= manifest.snapshot_seq + 1;
        if covered_gap {
            tracing::warn!(
                "{}: records {expected_seq} to {} are not in the journal; the snapshot at \
                 sequence number {} holds their effects",
                path.display(),
                header.first_seq - 1,
                manifest.snapshot_seq
            );
            expected_seq = header.first_seq;
        }
        let empty =
            data.get(SegmentHeader::ENCODED_BYTES..).is_none_or(|r| r.iter().all(|&b| b == 0));
        if is_last && empty && !covered_gap && header.first_seq != expected_seq {
            // A replica's full resynchronisation starts the journal over with a new, empty
            // segment before it switches the MANIFEST (src/journal/writer.rs, `reset_after`),
            // and may empty a segment of the old history that it removes only after the
            // switch (src/journal/resync.rs): a crash in between leaves one here. It holds
            // nothing; the MANIFEST in force names the state to load.
            tracing::warn!(
                "removing {} (empty, starts at sequence number {} where {expected_seq} was \
                 expected: left by an interrupted resynchronisation)",
                path.display(),
                header.first_seq
            );
            std::fs::remove_file(path).map_err(|e| io_error("remove", path, e))?;
            continue;
        }
        if header.first_seq != *first_seq || header.first_seq != expected_seq {
            return Err(RecoveryError(format!(
                "{}: starts at sequence number {} but {expected_seq} was expected (a missing \
                 segment or a sequence gap); refusing to start with a hole in the data",
                path.display(),
                header.first_seq
            )));
        }
        let mut offset = SegmentHeader::ENCODED_BYTES;
        while offset < data.len() {
            let rest = data.get(offset..).unwrap_or(&[]);
            if rest.iter().all(|&b| b == 0) {
                // Preallocated space after the last record: the segment's clean end. (A hole
                // of zeros in a segment that is not the last shows up as a sequence gap.)
                break;
            }
            match decode_record_ref(rest) {
                Ok((record, used)) => {
                    if record.seq != expected_seq {
                        return Err(RecoveryError(format!(
                            "{}: offset {offset}: sequence number {} where {expected_seq} was \
                             expected; refusing to start with a hole in the data",
                            path.display(),
                            record.seq
                        )));
                    }
                    // Records the snapshot already holds are checked, not applied.
                    let effects =
                        if record.seq > manifest.snapshot_seq { &record.effects[..] } else { &[] };
                    for effect in effects {
                        apply(keyspace, effect, now_ms).map_err(|e| {
                            RecoveryError(format!(
                                "{}: offset {offset}: seq {expected_seq}: {e}; refusing to start \
                                 with a state that does not match the journal",
                                path.display()
                            ))
                        })?;
                    }
                    expected_seq += 1;
                    records += 1;
                    offset += used;
                    if !record_delay.is_zero() {
                        std::thread::sleep(record_delay);
                    }
                }
                Err(error) if is_last && is_torn_tail(&data, offset, &error, expected_seq) => {
                    let dropped = data.len() - offset;
                    tracing::warn!(
                        "{}: torn record at offset {offset} (seq {expected_seq}, {error}): cut \
                         off {dropped} bytes; they were never acknowledged as durable",
                        path.display()
                    );
                    let file = OpenOptions::new()
                        .write(true)
                        .open(path)
                        .map_err(|e| io_error("open", path, e))?;
                    file.set_len(offset as u64).map_err(|e| io_error("truncate", path, e))?;
                    file.sync_all().map_err(|e| io_error("sync", path, e))?;
                    break;
                }
                Err(error) => {
                    return Err(RecoveryError(format!(
                        "{}: offset {offset}: record with sequence number {expected_seq} is \
                         damaged ({error}); refusing to start with a hole in the data",
                        path.display()
                    )));
                }
            }
        }
        last_end = offset;
    }
    let journal_end = expected_seq - 1;
    let last_seq = journal_end.max(manifest.snapshot_seq);
    let live = files_of(directory)?.segments;
    // Records continue in the last segment, unless it ends before the snapshot: the next
    // record is the snapshot's seq + 1, which must not follow an earlier one in a segment.
    let continued = live.last().filter(|_| journal_end >= manifest.snapshot_seq);
    if continued.is_none() {
        if let Some((_, path)) = live.last() {
            tracing::warn!(
                "{}: ends at sequence number {journal_end}, before the snapshot's {}; new \
                 records go to a new segment",
                path.display(),
                manifest.snapshot_seq
            );
        }
    }
    // Every live segment but the one the writer continues in is closed.
    let closed = live.get(..live.len() - usize::from(continued.is_some())).unwrap_or(&[]);
    let closed_bytes =
        closed.iter().map(|(_, path)| std::fs::metadata(path).map_or(0, |m| m.len())).sum();
    let (file, first_seq, end) = match continued {
        Some((first_seq, path)) => {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .open(path)
                .map_err(|e| io_error("open", path, e))?;
            (file, *first_seq, last_end as u64)
        }
        None => {
            let file = create_segment(directory, last_seq + 1)
                .map_err(|e| io_error("create a segment in", directory, e))?;
            (file, last_seq + 1, SegmentHeader::ENCODED_BYTES as u64)
        }
    };
    let segment = ActiveSegment::new(file, first_seq, end)
        .map_err(|e| io_error("stat the last segment in", directory, e))?;
    Ok(Recovered {
        lock,
        segment,
        last_seq,
        records,
        segments: live.len().max(1),
        closed_bytes,
        snapshot,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::snapshot::received_snapshot_file_name;

    /// A snapshot a replica was receiving when it stopped, and a compaction's temporary
    /// file, are leftovers at the next start: both are removed.
    #[test]
    fn a_start_removes_a_snapshot_left_half_received() {
        let dir = tempfile::tempdir().unwrap();
        let directory = dir.path().join("journal");
        drop(recover(&directory, &Keyspace::new(1), 0, std::time::Duration::ZERO).unwrap());
        let received = directory.join(received_snapshot_file_name(7, 0));
        std::fs::write(&received, b"half a snapshot").unwrap();
        let compacting = directory.join(format!("{}.tmp", snapshot_file_name(7)));
        std::fs::write(&compacting, b"half a snapshot").unwrap();
        let unrelated = directory.join("replica-snapshot-notes.txt");
        std::fs::write(&unrelated, b"not the server's").unwrap();
        assert_eq!(files_of(&directory).unwrap().received, vec![received.clone()]);
        let recovered = recover(&directory, &Keyspace::new(1), 0, std::time::Duration::ZERO);
        assert_eq!(recovered.unwrap().last_seq, 0);
        assert!(!received.exists(), "the half-received snapshot is left");
        assert!(!compacting.exists(), "the compactor's temporary file is left");
        assert!(unrelated.exists(), "a file the server does not write is removed");
    }
}
