//! Reading a journal directory as the server's recovery does (MANIFEST, snapshot, live
//! segments in sequence order), streaming, and reporting every problem it meets instead of
//! stopping at the first. Every subcommand is built on this walk.
use std::fs::File;
use std::path::{Path, PathBuf};

use allydb::journal::compactor::{list_files, DirectoryFiles};
use allydb::journal::manifest::MANIFEST_FILE;
use allydb::journal::reader::{
    BlockKind, RecordAt, SegmentReader, SnapshotReader, SnapshotStop, Stop,
};
use allydb::journal::record::{decode_record_unchecked, DamagedRecord};
use allydb::journal::replay::apply;
use allydb::journal::snapshot::{
    decode_block, salvage_block, snapshot_file_name, SnapshotEntry, BLOCK_END, BLOCK_HEADER_BYTES,
};
use allydb::journal::{Effect, Manifest, RecordHeader, Value};
use allydb::store::Keyspace;

/// The payload of a snapshot's end block: kind, blocks, entries, seq.
const END_BLOCK_PAYLOAD_BYTES: u32 = 1 + 8 + 8 + 8;

/// How far past a damaged record a resynchronisation looks for the next sequence number.
const RESYNC_WINDOW: u64 = 1 << 20;

/// The fewest bytes a snapshot entry takes: an empty key (1), the deadline (8), the encoding
/// (1), a value's type and an empty length or count (2). See docs/FORMAT.md, "Snapshots".
const MIN_ENTRY_BYTES: u64 = 12;

/// A journal directory, read without taking its lock.
pub struct Dir {
    pub path: PathBuf,
    pub files: DirectoryFiles,
    pub manifest: ManifestState,
    /// The PID in `LOCK` when a server holds the directory: the end of its last segment may
    /// be a record still being written, which is not damage.
    pub server: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ManifestState {
    Sound(Manifest),
    Missing,
    Damaged(String),
}

/// What is wrong, and where.
#[derive(Debug, Clone)]
pub struct Problem {
    pub file: PathBuf,
    pub offset: Option<u64>,
    /// The sequence number of the record at that place, or the first one missing.
    pub seq: Option<u64>,
    pub kind: ProblemKind,
    pub what: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    Manifest,
    Snapshot,
    SegmentHeader,
    /// Sequence numbers are missing between two segments (a deleted segment).
    Gap,
    /// A record fails its CRC or does not decode, and valid records follow it.
    BadRecord,
    /// The last segment ends inside a record: what a crash mid-write leaves.
    TornTail,
    /// A record decodes but does not apply to the state before it (repair and dump only).
    Inapplicable,
}

impl ProblemKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Manifest => "manifest",
            Self::Snapshot => "snapshot",
            Self::SegmentHeader => "segment-header",
            Self::Gap => "gap",
            Self::BadRecord => "bad-record",
            Self::TornTail => "torn-tail",
            Self::Inapplicable => "inapplicable",
        }
    }
}

impl Problem {
    fn new(
        file: &Path,
        offset: Option<u64>,
        seq: Option<u64>,
        kind: ProblemKind,
        what: String,
    ) -> Self {
        Self { file: file.to_path_buf(), offset, seq, kind, what }
    }

    pub fn file_name(&self) -> String {
        self.file
            .file_name()
            .map_or_else(|| self.file.display().to_string(), |n| n.to_string_lossy().into_owned())
    }

    /// `FILE offset O seq S: WHAT`.
    pub fn line(&self) -> String {
        let mut line = self.file_name();
        if let Some(offset) = self.offset {
            line.push_str(&format!(" offset {offset}"));
        }
        if let Some(seq) = self.seq {
            line.push_str(&format!(" seq {seq}"));
        }
        format!("{line}: {} ({})", self.what, self.kind.name())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "file": self.file_name(),
            "offset": self.offset,
            "seq": self.seq,
            "kind": self.kind.name(),
            "what": self.what,
        })
    }
}

impl Dir {
    pub fn open(path: &Path) -> Result<Self, String> {
        if !path.is_dir() {
            return Err(format!("{}: not a directory", path.display()));
        }
        let files = list_files(path).map_err(|e| format!("cannot list {}: {e}", path.display()))?;
        let manifest = match Manifest::read(path) {
            Ok(Some(Ok(manifest))) => ManifestState::Sound(manifest),
            Ok(Some(Err(error))) => ManifestState::Damaged(error.to_string()),
            Ok(None) => ManifestState::Missing,
            Err(error) => ManifestState::Damaged(format!("cannot read: {error}")),
        };
        Ok(Self { path: path.to_path_buf(), files, manifest, server: server_holding(path) })
    }

    pub fn manifest_path(&self) -> PathBuf {
        self.path.join(MANIFEST_FILE)
    }

    /// The MANIFEST in force, or, when it is missing or damaged, the one the files imply:
    /// the newest snapshot whose header is sound, and the newest segment starting at or
    /// before the record after it. The problem is reported when the server would refuse.
    pub fn effective_manifest(&self) -> (Manifest, Option<Problem>) {
        let problem = |what: String| {
            Some(Problem::new(&self.manifest_path(), None, None, ProblemKind::Manifest, what))
        };
        match &self.manifest {
            ManifestState::Sound(manifest) => {
                let next = manifest.snapshot_seq.saturating_add(1);
                if manifest.first_segment_seq > next {
                    // Records between the snapshot and the first segment are missing: the
                    // journal continues at the snapshot, and the segments after the hole go.
                    let what = format!(
                        "segments start at sequence number {} but the snapshot ends at {}",
                        manifest.first_segment_seq, manifest.snapshot_seq
                    );
                    let rebuilt = Manifest { first_segment_seq: next, ..*manifest };
                    return (rebuilt, problem(what));
                }
                (*manifest, None)
            }
            ManifestState::Missing if self.files.snapshots.is_empty() => {
                // A new journal (the server writes the MANIFEST when it starts).
                (Manifest::EMPTY, None)
            }
            state => {
                let snapshot_seq = self
                    .files
                    .snapshots
                    .iter()
                    .rev()
                    .find(|(seq, path)| {
                        matches!(SnapshotReader::open(path), Ok(Ok(r)) if r.seq == *seq)
                    })
                    .map_or(0, |(seq, _)| *seq);
                let first_segment_seq = self
                    .files
                    .segments
                    .iter()
                    .rev()
                    .map(|(first, _)| *first)
                    .find(|first| *first <= snapshot_seq.saturating_add(1))
                    .unwrap_or(1);
                let rebuilt = Manifest { snapshot_seq, first_segment_seq };
                let what = match state {
                    ManifestState::Damaged(error) => format!("damaged ({error})"),
                    _ => "missing beside a snapshot".to_string(),
                };
                (
                    rebuilt,
                    problem(format!(
                        "{what}; the files imply snapshot {snapshot_seq} and segments from \
                         {first_segment_seq}"
                    )),
                )
            }
        }
    }

    /// The segments the MANIFEST makes live, in sequence order.
    pub fn live_segments(&self, manifest: &Manifest) -> Vec<(u64, PathBuf)> {
        self.files
            .segments
            .iter()
            .filter(|(first, _)| *first >= manifest.first_segment_seq)
            .cloned()
            .collect()
    }

    pub fn snapshot_path(&self, manifest: &Manifest) -> Option<PathBuf> {
        (manifest.snapshot_seq != 0)
            .then(|| self.path.join(snapshot_file_name(manifest.snapshot_seq)))
    }
}

/// Whether a server holds the directory's lock (and its PID, from the LOCK file). Tested
/// with a shared lock taken and released at once.
pub fn server_holding(directory: &Path) -> Option<String> {
    let path = directory.join("LOCK");
    let file = File::open(&path).ok()?;
    if file.try_lock_shared().is_ok() {
        let _ = file.unlock();
        return None;
    }
    let pid = std::fs::read_to_string(&path).unwrap_or_default();
    Some(pid.trim().to_string())
}

/// What a snapshot walk found.
#[derive(Debug, Default)]
pub struct SnapshotSummary {
    pub seq: u64,
    pub bytes: u64,
    /// (offset, length with header) of every entries block whose CRC and entries check out.
    pub good_blocks: Vec<(u64, u64)>,
    pub good_entries: u64,
    /// Entries per database, and block bytes per database, of the good blocks.
    pub entries_per_db: std::collections::BTreeMap<u32, (u64, u64)>,
    pub bad_blocks: u64,
    /// Entries stated by bad blocks that could not be read (their keys are unknown).
    pub unnamed_lost: u64,
    /// Whether some part of the file could not be read at all (its entries unknown).
    pub unreadable_tail: bool,
    pub problems: Vec<Problem>,
    /// The sequence number the header states, when it is not the MANIFEST's.
    pub header_seq: Option<u64>,
}

/// What a snapshot walk hands out.
pub enum Item<'e, 'a> {
    /// An entry of a sound block.
    Sound(&'e SnapshotEntry<'a>),
    /// The database and key of an entry of a damaged block, read entirely or only up to its
    /// key: lost by a repair.
    Lost(u32, &'a [u8]),
}

/// Reads the snapshot at `path` block by block, calling `item` with every entry of a sound
/// block (once the whole block has checked out) and every key that can be read of a damaged
/// one.
pub fn walk_snapshot(
    path: &Path,
    expected_seq: u64,
    mut item: impl FnMut(Item<'_, '_>),
) -> SnapshotSummary {
    let mut summary = SnapshotSummary { seq: expected_seq, ..SnapshotSummary::default() };
    let problem = |offset: Option<u64>, what: String| {
        Problem::new(path, offset, Some(expected_seq), ProblemKind::Snapshot, what)
    };
    let mut reader = match SnapshotReader::open(path) {
        Ok(Ok(reader)) => reader,
        Ok(Err(error)) => {
            // The blocks behind a damaged header are read on: each has its own CRC, and the
            // end block states the sequence number again. A repair writes a new header.
            summary.problems.push(problem(Some(0), format!("bad header: {error}")));
            match SnapshotReader::open_past_damaged_header(path, expected_seq) {
                Ok(reader) => reader,
                Err(error) => {
                    summary.unreadable_tail = true;
                    summary.problems.push(problem(None, format!("cannot read: {error}")));
                    return summary;
                }
            }
        }
        Err(error) => {
            summary.unreadable_tail = true;
            summary.problems.push(problem(None, format!("cannot read: {error}")));
            return summary;
        }
    };
    summary.bytes = reader.file_len();
    if reader.seq != expected_seq {
        summary.header_seq = Some(reader.seq);
        summary.problems.push(problem(
            Some(0),
            format!("holds sequence number {}, but the MANIFEST names {expected_seq}", reader.seq),
        ));
    }
    let (mut blocks, mut stated_entries) = (0u64, 0u64);
    let mut end = None;
    // The file ends inside the end block: every entries block is there, nothing is lost.
    let mut end_cut = false;
    // Entries of damaged blocks that could be named.
    let mut named_lost = 0u64;
    loop {
        let block = match reader.next_block() {
            Ok(Some(block)) => block,
            Ok(None) => break,
            Err(SnapshotStop::Truncated { .. }) if end_cut => break,
            Err(SnapshotStop::Truncated { offset }) => {
                summary.unreadable_tail = true;
                summary.problems.push(problem(
                    Some(offset),
                    "the file ends inside a block or before the end block (truncated, or a \
                     damaged block length)"
                        .into(),
                ));
                break;
            }
            Err(SnapshotStop::Trailing { offset }) => {
                summary.problems.push(problem(Some(offset), "bytes after the end block".into()));
                break;
            }
            Err(SnapshotStop::Io(error)) => {
                summary.unreadable_tail = true;
                summary.problems.push(problem(None, format!("cannot read: {error}")));
                break;
            }
        };
        let offset = block.offset;
        match block.kind {
            // An end block's payload is 25 bytes: a longer stated length is a damaged one.
            BlockKind::Cut
                if block.bytes.get(BLOCK_HEADER_BYTES) == Some(&BLOCK_END)
                    && block.bytes.get(..4) == Some(&END_BLOCK_PAYLOAD_BYTES.to_le_bytes()[..]) =>
            {
                end_cut = true;
                summary.problems.push(problem(
                    Some(offset),
                    "the file ends inside the end block (truncated after the last entries block)"
                        .into(),
                ));
            }
            BlockKind::Entries | BlockKind::Cut => {
                blocks += 1;
                let mut db = 0;
                // Entries are handed out only once the whole block checks out: a block
                // that fails halfway is dropped by a repair, all of it.
                let mut entries = Vec::new();
                let checked = if block.kind == BlockKind::Entries {
                    decode_block(block.bytes, 0, |e| {
                        db = e.db;
                        entries.push(e);
                    })
                    .map_err(|e| e.error)
                } else {
                    Err("the file ends inside this block".to_string())
                };
                match checked {
                    Ok(count) => {
                        for entry in &entries {
                            item(Item::Sound(entry));
                        }
                        stated_entries += count;
                        summary.good_entries += count;
                        summary.good_blocks.push((offset, block.bytes.len() as u64));
                        let per_db = summary.entries_per_db.entry(db).or_default();
                        per_db.0 += count;
                        per_db.1 += block.bytes.len() as u64;
                    }
                    Err(error) => {
                        summary.bad_blocks += 1;
                        let mut named = 0u64;
                        let salvaged = salvage_block(block.bytes, 0, |e| {
                            named += 1;
                            item(Item::Lost(e.db, e.key));
                        });
                        if let Some(key) = salvaged.and_then(|s| s.cut_key.map(|k| (s.db, k))) {
                            named += 1;
                            item(Item::Lost(key.0, key.1));
                        }
                        let stated = salvaged.map_or(0, |s| u64::from(s.count));
                        // The count of a block failing its CRC may be the damaged part: the
                        // block cannot hold more entries than its bytes can.
                        let plausible = if block.kind == BlockKind::Entries {
                            stated.min(block.bytes.len() as u64 / MIN_ENTRY_BYTES).max(named)
                        } else {
                            stated
                        };
                        stated_entries += plausible;
                        named_lost += named;
                        summary.unnamed_lost += plausible.saturating_sub(named);
                        summary.problems.push(problem(
                            Some(offset),
                            format!(
                                "entries block: {error} ({stated} entries stated, {named} \
                                 readable)"
                            ),
                        ));
                    }
                }
            }
            BlockKind::End { blocks: b, entries, seq } => {
                end = Some((b, entries, seq));
            }
            BlockKind::Unknown => {
                blocks += 1;
                summary.bad_blocks += 1;
                summary.unreadable_tail = true;
                summary.problems.push(problem(
                    Some(offset),
                    "a block of unknown kind, or an end block failing its CRC".into(),
                ));
            }
        }
    }
    if let Some((b, entries, seq)) = end {
        // The end block (its CRC checked) states how many entries all blocks held: with
        // damaged blocks, whose counts may be damaged too, those neither loaded nor named are
        // its count less the others.
        let damaged = summary.bad_blocks > 0;
        let held = if damaged { summary.good_entries + named_lost } else { stated_entries };
        let consistent = if damaged { entries >= held } else { entries == held };
        if b != blocks || !consistent || seq != reader.seq {
            summary.problems.push(problem(
                None,
                format!(
                    "the end block states {b} blocks, {entries} entries and seq {seq}; the file \
                     has {blocks} blocks, {held} entries and seq {}",
                    reader.seq
                ),
            ));
        }
        if damaged {
            summary.unnamed_lost = entries.saturating_sub(held);
        } else {
            summary.unnamed_lost += entries.saturating_sub(held);
        }
    }
    summary
}

/// One live segment as the walk saw it.
#[derive(Debug, Clone)]
pub struct SegmentSummary {
    pub path: PathBuf,
    pub first_seq: u64,
    pub bytes: u64,
    pub records: u64,
    /// (first, last) sequence numbers of the records read.
    pub seqs: Option<(u64, u64)>,
    /// The offset after the last sound record.
    pub sound_end: Option<u64>,
}

/// Where the journal stops being sound: the segment (index into the live segments), the
/// offset its sound records end at (None: the whole segment goes), and the first sequence
/// number that is not sound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cut {
    pub segment: usize,
    pub offset: Option<u64>,
    pub seq: u64,
}

/// What the walk calls back with.
pub trait Visitor {
    /// A record that decodes. `sound` is false once the walk is past the first problem
    /// (records a repair cuts off).
    fn record(&mut self, _file: &Path, _at: &RecordAt<'_>, _sound: bool) {}
    /// A damaged record: what can still be read of it (`seq` is the one expected there).
    fn damaged(
        &mut self,
        _file: &Path,
        _offset: u64,
        _seq: u64,
        _read: Option<&DamagedRecord<'_>>,
    ) {
    }
    fn problem(&mut self, _problem: &Problem) {}
    /// The database and key of an entry of a damaged snapshot block (`build_state`): lost by
    /// a repair.
    fn snapshot_key_lost(&mut self, _db: u32, _key: &[u8]) {}
    /// Whether `record` needs the effects (false: records are checked as fully, but handed
    /// over without them, which is faster).
    fn needs_effects(&self) -> bool {
        true
    }
    /// The walk stops before the first record with a higher sequence number (dump --at,
    /// inspect --to).
    fn last_wanted(&self) -> u64 {
        u64::MAX
    }
}

/// The result of a journal walk.
#[derive(Debug, Default)]
pub struct WalkSummary {
    pub segments: Vec<SegmentSummary>,
    pub cut: Option<Cut>,
    /// The last sequence number of the sound part (at least the snapshot's).
    pub last_sound_seq: u64,
    pub sound_records: u64,
    /// Records read after the cut.
    pub records_after_cut: u64,
    /// The last sequence number read at all (sound or not).
    pub last_seen_seq: u64,
    pub problems: Vec<Problem>,
    /// Damage in records the snapshot already holds (nothing is lost; see `Covered`).
    pub covered: Vec<Covered>,
    /// Live segments (indexes) whose header is damaged but whose records read on from the
    /// sequence number their name gives: a repair rewrites the header.
    pub bad_headers: Vec<usize>,
    /// Why the walk could not go on (an I/O error, a database beyond `--databases`): no
    /// conclusion about damage may be drawn, and nothing may be changed.
    pub fatal: Option<String>,
}

/// Damage at or before the snapshot's sequence number, in live segment `segment`: the
/// server refuses the bytes, but the snapshot holds their effects. A repair replaces the
/// segment by the records after the snapshot it holds (from `keep_from`, the offset of record
/// snapshot + 1 in it, if it has that record).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Covered {
    pub segment: usize,
    pub offset: u64,
    pub keep_from: Option<u64>,
}

/// Walks the live segments in order, as recovery replays them: checks headers, sequence
/// continuity and every record, and applies the sound records after the snapshot to
/// `keyspace` when one is given. After the first problem it reads on (resynchronising after
/// damage) so a repair can name everything it cuts off.
pub fn walk_segments(
    dir: &Dir,
    manifest: &Manifest,
    keyspace: Option<&Keyspace>,
    visitor: &mut dyn Visitor,
) -> WalkSummary {
    let live = dir.live_segments(manifest);
    let mut summary =
        WalkSummary { last_sound_seq: manifest.snapshot_seq, ..WalkSummary::default() };
    let mut expected = manifest.first_segment_seq;
    let count = live.len();
    let after_snapshot = manifest.snapshot_seq.saturating_add(1);
    // After damage the snapshot covers, records up to it are passed over until the one after
    // the snapshot.
    let mut skipping = false;
    if live.is_empty() && manifest.snapshot_seq != 0 {
        let what = format!(
            "names a snapshot at sequence number {} and segments from {}, but there is no \
             segment",
            manifest.snapshot_seq, manifest.first_segment_seq
        );
        let problem = Problem::new(&dir.manifest_path(), None, None, ProblemKind::Manifest, what);
        visitor.problem(&problem);
        summary.problems.push(problem);
    }
    let note =
        |summary: &mut WalkSummary, visitor: &mut dyn Visitor, problem: Problem, cut: Cut| {
            visitor.problem(&problem);
            summary.problems.push(problem);
            if summary.cut.is_none() {
                summary.cut = Some(cut);
            }
        };
    'segments: for (index, (name_seq, path)) in live.iter().enumerate() {
        let is_last = index + 1 == count;
        let bytes = std::fs::metadata(path).map_or(0, |m| m.len());
        let mut segment = SegmentSummary {
            path: path.clone(),
            first_seq: *name_seq,
            bytes,
            records: 0,
            seqs: None,
            sound_end: None,
        };
        let mut reader = match SegmentReader::open(path) {
            Ok(Ok(reader)) => reader,
            Ok(Err(_)) if is_last && dir.server.is_some() && all_zero_or_short(path) => {
                // A segment the running server is creating now.
                summary.segments.push(segment);
                continue;
            }
            Ok(Err(error)) => {
                let torn = is_last && all_zero_or_short(path);
                // A damaged header over records that read on, starting with the one the name
                // says: only the header is rewritten.
                let past = SegmentReader::open_past_damaged_header(path, *name_seq);
                let header_only = !torn
                    && summary.cut.is_none()
                    && *name_seq == first_of_name(*name_seq, expected, after_snapshot)
                    && SegmentReader::open_past_damaged_header(path, *name_seq)
                        .ok()
                        .and_then(|mut r| r.next_record().ok().map(|at| at.record.seq))
                        == Some(*name_seq);
                let (kind, what) = if torn {
                    (ProblemKind::TornTail, format!("torn segment header ({bytes} bytes): {error}"))
                } else if header_only {
                    let what = format!(
                        "bad segment header: {error}; its records read on from sequence number \
                         {name_seq}, as its name says"
                    );
                    (ProblemKind::SegmentHeader, what)
                } else {
                    (ProblemKind::SegmentHeader, format!("bad segment header: {error}"))
                };
                let problem = Problem::new(path, Some(0), Some(expected), kind, what);
                if header_only {
                    visitor.problem(&problem);
                    summary.problems.push(problem);
                    summary.bad_headers.push(index);
                } else {
                    note(
                        &mut summary,
                        visitor,
                        problem,
                        Cut { segment: index, offset: None, seq: expected },
                    );
                }
                // The records after a damaged header are still read (each has its CRC): to
                // go on, or to name what the repair, which removes the segment, loses.
                match past {
                    Ok(reader) if !torn => reader,
                    _ => {
                        summary.segments.push(segment);
                        continue;
                    }
                }
            }
            Err(error) => {
                summary.fatal = Some(format!("cannot read {}: {error}", path.display()));
                break 'segments;
            }
        };
        if keyspace.is_none() && !visitor.needs_effects() {
            reader = reader.without_effects();
        }
        let first = reader.header.first_seq;
        let sound = summary.cut.is_none();
        if sound && (skipping || first > expected) && first <= after_snapshot {
            // Records the snapshot holds are missing (recovery accepts this gap).
            expected = first;
        }
        if first != *name_seq {
            let what = format!(
                "its header says it starts at sequence number {first}, its name {name_seq}"
            );
            let problem =
                Problem::new(path, Some(0), Some(first), ProblemKind::SegmentHeader, what);
            note(
                &mut summary,
                visitor,
                problem,
                Cut { segment: index, offset: None, seq: expected },
            );
        } else if first != expected && summary.cut.is_none() {
            let what = if first > expected {
                format!("records {expected} to {} are missing (a deleted segment?)", first - 1)
            } else {
                format!("starts at sequence number {first}, but {expected} was expected")
            };
            let problem = Problem::new(path, Some(0), Some(expected), ProblemKind::Gap, what);
            note(
                &mut summary,
                visitor,
                problem,
                Cut { segment: index, offset: None, seq: expected },
            );
        }
        expected = first;
        loop {
            let sound = summary.cut.is_none();
            let at = match reader.next_record() {
                Ok(at) => at,
                Err(Stop::End { .. }) => break,
                Err(Stop::Io(error)) => {
                    summary.fatal = Some(format!("cannot read {}: {error}", path.display()));
                    break 'segments;
                }
                Err(Stop::Damaged { .. }) if expected > visitor.last_wanted() => {
                    break 'segments;
                }
                Err(Stop::Damaged { offset, error }) => {
                    // Name what the damaged record held, if its payload still reads.
                    let stated = reader
                        .peek(RecordHeader::ENCODED_BYTES)
                        .ok()
                        .and_then(|h| RecordHeader::decode(h).ok())
                        .map_or(0, |h| h.payload_len_bytes as usize);
                    // At most 16 MiB of it (a damaged length may state 4 GiB): a record cut
                    // there names the keys before the cut.
                    let want = (RecordHeader::ENCODED_BYTES + stated).min(16 << 20);
                    let bytes = reader.peek(want).unwrap_or(&[]);
                    let read = decode_record_unchecked(bytes);
                    visitor.damaged(path, offset, expected, read.as_ref());
                    let next =
                        match reader.next_valid_record(expected.saturating_sub(1), RESYNC_WINDOW) {
                            Ok(next) => next,
                            Err(error) => {
                                summary.fatal =
                                    Some(format!("cannot read {}: {error}", path.display()));
                                break 'segments;
                            }
                        };
                    if next.is_none() && is_last && dir.server.is_some() {
                        // The record the running server is writing now.
                        break;
                    }
                    // Torn, as recovery judges it: cut short, or only zeros after the end its
                    // length states. Anything else is damage the server refuses.
                    let stated_end =
                        offset.saturating_add((RecordHeader::ENCODED_BYTES + stated) as u64);
                    let torn = matches!(error, allydb::journal::DecodeError::Truncated)
                        || reader.zeros_from(stated_end).unwrap_or(false);
                    let (kind, what) = match next {
                        None if is_last && torn => (
                            ProblemKind::TornTail,
                            format!(
                                "torn record ({error}): the segment ends inside it; {} bytes to the end",
                                reader.file_len().saturating_sub(offset)
                            ),
                        ),
                        None => (ProblemKind::BadRecord, format!("damaged record ({error}); nothing readable follows in this segment")),
                        Some(at) => (ProblemKind::BadRecord, format!("damaged record ({error}); the next readable record is at offset {at}")),
                    };
                    let problem = Problem::new(path, Some(offset), Some(expected), kind, what);
                    if summary.cut.is_none() && (skipping || expected < after_snapshot) {
                        // A record the snapshot holds: nothing is lost.
                        visitor.problem(&problem);
                        summary.problems.push(problem);
                        if summary.covered.last().is_none_or(|c| c.segment != index) {
                            summary.covered.push(Covered {
                                segment: index,
                                offset,
                                keep_from: None,
                            });
                        }
                        skipping = true;
                    } else {
                        note(
                            &mut summary,
                            visitor,
                            problem,
                            Cut { segment: index, offset: Some(offset), seq: expected },
                        );
                    }
                    if next.is_none() {
                        break;
                    }
                    continue;
                }
            };
            let seq = at.record.seq;
            if seq > visitor.last_wanted() {
                summary.segments.push(segment);
                break 'segments;
            }
            if skipping && summary.cut.is_none() {
                if seq < after_snapshot {
                    // Held by the snapshot; the segment is rewritten without it.
                    visitor.record(path, &at, true);
                    segment.records += 1;
                    segment.seqs = Some((segment.seqs.map_or(seq, |(f, _)| f), seq));
                    continue;
                }
                skipping = false;
                expected = after_snapshot;
                if let Some(covered) = summary.covered.last_mut().filter(|c| c.segment == index) {
                    if seq == after_snapshot {
                        covered.keep_from = Some(at.offset);
                    }
                }
            }
            if sound && seq != expected {
                let what = format!("sequence number {seq} where {expected} was expected");
                let problem =
                    Problem::new(path, Some(at.offset), Some(expected), ProblemKind::Gap, what);
                let cut = Cut { segment: index, offset: Some(at.offset), seq: expected };
                note(&mut summary, visitor, problem, cut);
            }
            let mut sound = summary.cut.is_none();
            if sound && seq > manifest.snapshot_seq {
                if let Some(keyspace) = keyspace {
                    if let Some(db) = beyond_databases(&at.record.effects, keyspace.db_count()) {
                        summary.fatal = Some(databases_error(db, keyspace.db_count()));
                        break 'segments;
                    }
                    if let Some(error) =
                        at.record.effects.iter().find_map(|e| apply(keyspace, e, 0).err())
                    {
                        let what = format!("does not apply to the state before it: {error}");
                        let problem = Problem::new(
                            path,
                            Some(at.offset),
                            Some(seq),
                            ProblemKind::Inapplicable,
                            what,
                        );
                        let cut = Cut { segment: index, offset: Some(at.offset), seq };
                        note(&mut summary, visitor, problem, cut);
                        sound = false;
                    }
                }
            }
            visitor.record(path, &at, sound);
            segment.records += 1;
            segment.seqs = Some((segment.seqs.map_or(seq, |(f, _)| f), seq));
            summary.last_seen_seq = summary.last_seen_seq.max(seq);
            expected = seq.saturating_add(1);
            if sound {
                summary.sound_records += 1;
                summary.last_sound_seq = summary.last_sound_seq.max(seq);
                segment.sound_end = Some(reader.offset());
            } else {
                summary.records_after_cut += 1;
            }
        }
        summary.segments.push(segment);
    }
    summary
}

/// The sequence number a segment named `name_seq` must start at to continue the journal:
/// `expected`, or any up to the record after the snapshot (a gap the snapshot covers).
fn first_of_name(name_seq: u64, expected: u64, after_snapshot: u64) -> u64 {
    if name_seq > expected && name_seq <= after_snapshot {
        name_seq
    } else {
        expected
    }
}

/// Whether a file is shorter than a header or all zeros (a crash while creating it), read in
/// chunks.
fn all_zero_or_short(path: &Path) -> bool {
    use std::io::Read;
    let Ok(mut file) = File::open(path) else { return false };
    let mut chunk = vec![0u8; 1 << 16];
    let mut total = 0usize;
    loop {
        match file.read(&mut chunk) {
            Ok(0) => return true,
            Ok(n) => {
                total += n;
                if total >= allydb::journal::SegmentHeader::ENCODED_BYTES
                    && chunk.get(..n).is_some_and(|c| c.iter().any(|&b| b != 0))
                {
                    return false;
                }
            }
            Err(_) => return false,
        }
    }
}

/// The first database an effect names that a keyspace of `count` databases lacks.
fn beyond_databases(effects: &[Effect<&[u8]>], count: usize) -> Option<u32> {
    effects
        .iter()
        .flat_map(|e| crate::render::touched(e))
        .find_map(|(db, _)| db.filter(|db| usize::try_from(*db).map_or(true, |d| d >= count)))
}

fn databases_error(db: u32, count: usize) -> String {
    format!(
        "the journal names database {db}, but the state is built with {count} databases: \
         run again with --databases {} or more (as the server's --databases)",
        u64::from(db) + 1
    )
}

/// Stops the walk before the first record after `last`, collecting nothing.
struct Until(u64);

impl Visitor for Until {
    fn last_wanted(&self) -> u64 {
        self.0
    }
}

/// Builds the state the server would recover (and `repair` would leave): the snapshot's
/// sound blocks, then the sound records, up to `at` when given. Returns the keyspace, the
/// snapshot and walk summaries.
pub fn build_state(
    dir: &Dir,
    manifest: &Manifest,
    databases: usize,
    visitor: &mut dyn Visitor,
) -> Result<(Keyspace, Option<SnapshotSummary>, WalkSummary), String> {
    let keyspace = Keyspace::new(databases);
    let mut failure = None;
    let snapshot = dir.snapshot_path(manifest).map(|path| {
        walk_snapshot(&path, manifest.snapshot_seq, |item| {
            let entry = match item {
                Item::Sound(entry) => entry,
                Item::Lost(db, key) => {
                    visitor.snapshot_key_lost(db, key);
                    return;
                }
            };
            if failure.is_some() {
                return;
            }
            if usize::try_from(entry.db).map_or(true, |d| d >= keyspace.db_count()) {
                failure = Some(databases_error(entry.db, keyspace.db_count()));
                return;
            }
            let effect = Effect::Put {
                db: entry.db,
                key: entry.key,
                value: entry.value.clone(),
                expires_at_ms: entry.expires_at_ms,
            };
            if let Err(error) = apply(&keyspace, &effect, 0) {
                failure = Some(error);
            }
        })
    });
    if let Some(error) = failure {
        return Err(error);
    }
    let walk = walk_segments(dir, manifest, Some(&keyspace), visitor);
    if let Some(error) = &walk.fatal {
        return Err(error.clone());
    }
    // A record that does not apply may have applied some of its effects before the one that
    // failed; the repaired journal has none of them: build the state again up to before it.
    let inapplicable = walk.problems.iter().any(|p| p.kind == ProblemKind::Inapplicable);
    if let (Some(cut), true) = (walk.cut, inapplicable) {
        let mut until = Until(cut.seq.saturating_sub(1));
        let (again, _, _) = build_state(dir, manifest, databases, &mut until)?;
        return Ok((again, snapshot, walk));
    }
    Ok((keyspace, snapshot, walk))
}

/// A journal value's type name, as TYPE reports it.
pub fn type_name<B>(value: &Value<B>) -> &'static str {
    match value {
        Value::String(_) => "string",
        Value::List(_) => "list",
        Value::Hash(_) => "hash",
        Value::Set(_) => "set",
        Value::ZSet(_) => "zset",
    }
}
