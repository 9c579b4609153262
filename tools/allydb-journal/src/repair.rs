//! `repair`: make a damaged directory loadable, losing as little as the format allows, and
//! say exactly what is lost.
use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use allydb::journal::reader::RecordAt;
use allydb::journal::record::DamagedRecord;
use allydb::journal::snapshot::{encode_end, snapshot_file_name, SnapshotHeader};
use allydb::journal::{Effect, Manifest, SegmentHeader};
use serde_json::json;

use crate::render::{json_bytes, quoted, touched};
use crate::walk::{build_state, server_holding, Dir, ManifestState, Problem, ProblemKind, Visitor};

/// A key that is lost or may differ from its last acknowledged value. `None` parts mean
/// "every key" (of the database, or of every database).
type LostKey = (Option<u32>, Option<Vec<u8>>);

#[derive(Default)]
struct Losses {
    keys: BTreeSet<LostKey>,
    /// Lost records whose keys cannot be read.
    unknown: Vec<String>,
    /// The first and last sequence numbers of records read after the cut.
    records: Option<(u64, u64)>,
    /// The last sequence number met after the cut, read or damaged.
    last: Option<u64>,
}

impl Losses {
    fn effects(&mut self, effects: &[Effect<&[u8]>]) {
        for effect in effects {
            for (db, key) in touched(effect) {
                self.keys.insert((db, key.map(<[u8]>::to_vec)));
            }
        }
    }

    /// Record `seq`, after the cut, is met at `offset` of `file`. Records skipped since the
    /// last one met (damaged bytes a resynchronisation passed over, a segment missing after
    /// the cut) cannot be named.
    fn meet(&mut self, file: &Path, offset: u64, seq: u64) {
        if let Some(last) = self.last {
            if seq > last.saturating_add(1) {
                let name =
                    file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                self.unknown.push(format!(
                    "records {} to {} (before {name} offset {offset}) are missing or cannot be \
                     read: their keys are unknown",
                    last.saturating_add(1),
                    seq - 1
                ));
            }
        }
        self.last = Some(self.last.map_or(seq, |last| last.max(seq)));
        let (first, last) = self.records.unwrap_or((seq, seq));
        self.records = Some((first.min(seq), last.max(seq)));
    }
}

impl Visitor for Losses {
    fn record(&mut self, file: &Path, at: &RecordAt<'_>, sound: bool) {
        if !sound {
            self.meet(file, at.offset, at.record.seq);
            self.effects(&at.record.effects);
        }
    }

    fn snapshot_key_lost(&mut self, db: u32, key: &[u8]) {
        self.keys.insert((Some(db), Some(key.to_vec())));
    }

    fn damaged(&mut self, file: &Path, offset: u64, seq: u64, read: Option<&DamagedRecord<'_>>) {
        self.meet(file, offset, seq);
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let Some(read) = read else {
            self.unknown.push(format!(
                "the record at {name} offset {offset} (seq {seq} expected) cannot be read: its \
                 keys are unknown"
            ));
            return;
        };
        self.effects(&read.effects);
        if read.all_keys_known && read.cut_key.is_none() {
            // The whole record is there but fails its CRC: its keys are read from the
            // damaged bytes.
            self.unknown.push(format!(
                "the keys named from the damaged record at {name} offset {offset} (seq {seq}) \
                 were read from bytes that fail their CRC and may themselves be wrong"
            ));
        }
        if let Some((db, key)) = read.cut_key {
            self.keys.insert((Some(db), Some(key.to_vec())));
        }
        if !read.all_keys_known {
            self.unknown.push(format!(
                "the record at {name} offset {offset} (seq {seq}) is cut short: {} of the keys \
                 it changes are unknown",
                if read.effects.is_empty() && read.cut_key.is_none() { "all" } else { "some" }
            ));
        }
    }
}

fn lost_key_line((db, key): &LostKey) -> String {
    match (db, key) {
        (Some(db), Some(key)) => format!("db={db} {}", quoted(key)),
        (Some(db), None) => format!("db={db} every key (a whole-database change was lost)"),
        (None, _) => "every key of every database (a FLUSHALL was lost)".to_string(),
    }
}

fn lost_key_json((db, key): &LostKey) -> serde_json::Value {
    json!({ "db": db, "key": key.as_deref().map(json_bytes) })
}

/// The changes a repair makes, in order.
enum Action {
    Manifest(Manifest),
    Snapshot {
        path: PathBuf,
        seq: u64,
        blocks: Vec<(u64, u64)>,
        entries: u64,
    },
    Truncate {
        path: PathBuf,
        offset: u64,
    },
    /// Write a segment's damaged header again (its name gives the sequence number, and its
    /// first record confirms it).
    RewriteHeader {
        path: PathBuf,
        first_seq: u64,
    },
    /// Replace a segment damaged where the snapshot covers it by a new segment holding its
    /// records after the snapshot (bytes `from..to`, starting with record `first_seq`).
    Extract {
        path: PathBuf,
        from: Option<u64>,
        to: u64,
        first_seq: u64,
    },
    Remove {
        path: PathBuf,
    },
    /// Keep a copy of a file the server will remove (a snapshot a rebuilt MANIFEST does not
    /// name).
    Copy {
        path: PathBuf,
    },
    NewSegment {
        first_seq: u64,
    },
}

impl Action {
    fn describe(&self) -> String {
        let name =
            |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        match self {
            Self::Manifest(m) => format!(
                "write MANIFEST: snapshot {}, segments from {}",
                m.snapshot_seq, m.first_segment_seq
            ),
            Self::Snapshot { path, blocks, entries, .. } => format!(
                "rewrite {} with its {} sound blocks ({entries} entries)",
                name(path),
                blocks.len()
            ),
            Self::Truncate { path, offset } => format!("cut {} at offset {offset}", name(path)),
            Self::RewriteHeader { path, first_seq } => {
                format!("write the header of {} again (first seq {first_seq})", name(path))
            }
            Self::Extract { path, from: Some(from), to, first_seq } => format!(
                "move the records after the snapshot in {} (offsets {from}..{to}) to {}, and \
                 remove it (its damaged records are held by the snapshot)",
                name(path),
                allydb::journal::segment::segment_file_name(*first_seq)
            ),
            Self::Extract { path, .. } => {
                format!("remove {} (its damaged records are all held by the snapshot)", name(path))
            }
            Self::Remove { path } => format!("remove {}", name(path)),
            Self::Copy { path } => format!(
                "keep a copy of {} (the new MANIFEST does not name it: the server removes it)",
                name(path)
            ),
            Self::NewSegment { first_seq } => {
                format!("create an empty segment starting at seq {first_seq}")
            }
        }
    }
}

/// Takes the directory's lock as the server does: refused while a server holds it.
fn take_lock(dir: &Path) -> Result<File, String> {
    if let Some(pid) = server_holding(dir) {
        let who = if pid.is_empty() { "another process".into() } else { format!("process {pid}") };
        return Err(format!(
            "{} is in use by {who} (a running server?); stop it before repairing",
            dir.display()
        ));
    }
    let path = dir.join("LOCK");
    let file = allydb::journal::files::open_or_create(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    file.try_lock()
        .map_err(|_| format!("{} is in use (a server started meanwhile?)", dir.display()))?;
    Ok(file)
}

fn io(what: &str, path: &Path) -> impl Fn(std::io::Error) -> String {
    let text = format!("cannot {what} {}", path.display());
    move |e| format!("{text}: {e}")
}

fn sync_dir(dir: &Path) -> Result<(), String> {
    File::open(dir).and_then(|f| f.sync_all()).map_err(io("sync", dir))
}

/// Creates the backup directory (refusing one that exists: an earlier backup is never
/// overwritten), durably.
fn create_backup_dir(backup: &Path) -> Result<(), String> {
    // Owner-only, as the data directory's own files: the backup holds the same values.
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, allydb::journal::files::DIRECTORY_MODE);
    builder.create(backup).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            format!(
                "{} exists: choose another --backup (an earlier backup is never overwritten)",
                backup.display()
            )
        } else {
            format!("cannot create {}: {e}", backup.display())
        }
    })?;
    sync_dir(backup.parent().unwrap_or(Path::new(".")))
}

/// Moves `path` into the backup directory (copying when it is on another file system, or
/// when `keep_original`).
fn back_up(path: &Path, backup: &Path, keep_original: bool) -> Result<(), String> {
    let target = backup.join(path.file_name().unwrap_or_default());
    if keep_original || std::fs::rename(path, &target).is_err() {
        std::fs::copy(path, &target).map_err(io("copy", path))?;
        File::open(&target).and_then(|f| f.sync_all()).map_err(io("sync", &target))?;
        if !keep_original {
            std::fs::remove_file(path).map_err(io("remove", path))?;
        }
    }
    sync_dir(backup)
}

/// Writes the snapshot again from its sound blocks, with a new end block.
fn rewrite_snapshot(
    path: &Path,
    seq: u64,
    blocks: &[(u64, u64)],
    entries: u64,
    backup: &Path,
) -> Result<(), String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let temp = dir.join(format!("{}.tmp", snapshot_file_name(seq)));
    {
        // A snapshot that cannot be opened at all is written again empty.
        let mut source = if blocks.is_empty() {
            None
        } else {
            Some(File::open(path).map_err(io("open", path))?)
        };
        let mut out = std::io::BufWriter::new(
            allydb::journal::files::create(&temp).map_err(io("create", &temp))?,
        );
        out.write_all(&SnapshotHeader { seq }.encode()).map_err(io("write", &temp))?;
        let mut buf = Vec::new();
        for (offset, len) in blocks {
            let Some(source) = source.as_mut() else { break };
            buf.resize(usize::try_from(*len).map_err(|_| "block too large".to_string())?, 0);
            source.seek(SeekFrom::Start(*offset)).map_err(io("read", path))?;
            source.read_exact(&mut buf).map_err(io("read", path))?;
            out.write_all(&buf).map_err(io("write", &temp))?;
        }
        let mut end = Vec::new();
        encode_end(blocks.len() as u64, entries, seq, &mut end);
        out.write_all(&end).map_err(io("write", &temp))?;
        let file = out
            .into_inner()
            .map_err(|e| format!("cannot write {}: {}", temp.display(), e.error()))?;
        file.sync_all().map_err(io("sync", &temp))?;
    }
    // Copied, not moved: a crash before the rename must leave the snapshot the MANIFEST names.
    if path.exists() {
        back_up(path, backup, true)?;
    }
    std::fs::rename(&temp, path).map_err(io("rename", &temp))?;
    sync_dir(dir)
}

/// Writes `journal-<first_seq>.log` holding bytes `from..to` of `path` (whole records), then
/// moves `path` to the backup.
fn extract_segment(
    dir: &Path,
    path: &Path,
    range: Option<(u64, u64)>,
    first_seq: u64,
    backup: &Path,
) -> Result<(), String> {
    if let Some((from, to)) = range {
        let target = dir.join(allydb::journal::segment::segment_file_name(first_seq));
        let temp = target.with_extension("log.tmp");
        let mut source = File::open(path).map_err(io("open", path))?;
        source.seek(SeekFrom::Start(from)).map_err(io("read", path))?;
        let mut out = allydb::journal::files::create(&temp).map_err(io("create", &temp))?;
        out.write_all(&SegmentHeader { first_seq }.encode()).map_err(io("write", &temp))?;
        let copied = std::io::copy(&mut source.take(to.saturating_sub(from)), &mut out)
            .map_err(io("copy", path))?;
        if copied != to.saturating_sub(from) {
            return Err(format!("{}: shorter than expected while copying", path.display()));
        }
        out.sync_all().map_err(io("sync", &temp))?;
        std::fs::rename(&temp, &target).map_err(io("rename", &temp))?;
        sync_dir(dir)?;
    }
    back_up(path, backup, false)?;
    sync_dir(dir)
}

fn apply(action: &Action, dir: &Path, backup: &Path) -> Result<(), String> {
    match action {
        Action::Manifest(manifest) => {
            let path = dir.join("MANIFEST");
            if path.exists() {
                back_up(&path, backup, true)?;
            }
            manifest.write(dir).map_err(io("write the MANIFEST in", dir))
        }
        Action::Snapshot { path, seq, blocks, entries } => {
            rewrite_snapshot(path, *seq, blocks, *entries, backup)
        }
        Action::Truncate { path, offset } => {
            back_up(path, backup, true)?;
            let file = OpenOptions::new().write(true).open(path).map_err(io("open", path))?;
            file.set_len(*offset).map_err(io("truncate", path))?;
            file.sync_all().map_err(io("sync", path))
        }
        Action::Remove { path } => {
            back_up(path, backup, false)?;
            sync_dir(dir)
        }
        Action::Copy { path } => back_up(path, backup, true),
        Action::RewriteHeader { path, first_seq } => {
            back_up(path, backup, true)?;
            let mut file = OpenOptions::new().write(true).open(path).map_err(io("open", path))?;
            file.write_all(&SegmentHeader { first_seq: *first_seq }.encode())
                .map_err(io("write", path))?;
            file.sync_all().map_err(io("sync", path))
        }
        Action::Extract { path, from, to, first_seq } => {
            extract_segment(dir, path, from.map(|f| (f, *to)), *first_seq, backup)
        }
        Action::NewSegment { first_seq } => {
            let path = dir.join(allydb::journal::segment::segment_file_name(*first_seq));
            let mut file = allydb::journal::files::create(&path).map_err(io("create", &path))?;
            file.write_all(&SegmentHeader { first_seq: *first_seq }.encode())
                .map_err(io("write", &path))?;
            file.sync_all().map_err(io("sync", &path))?;
            sync_dir(dir)
        }
    }
}

/// Ok(true) when the directory is sound afterwards (or already was); a dry run returns
/// Ok(false) when a repair is needed.
pub fn run(
    path: &Path,
    dry_run: bool,
    backup: Option<PathBuf>,
    databases: usize,
    json: bool,
) -> Result<bool, String> {
    if !path.is_dir() {
        return Err(format!("{}: not a directory", path.display()));
    }
    // Taken before anything is read: a server must not start on the directory meanwhile.
    let _lock = if dry_run { None } else { Some(take_lock(path)?) };
    let mut dir = Dir::open(path)?;
    if _lock.is_some() {
        // The lock it sees held is ours: no server is writing.
        dir.server = None;
    }
    let (manifest, manifest_problem) = dir.effective_manifest();
    let mut problems: Vec<Problem> = manifest_problem.iter().cloned().collect();
    let mut actions = Vec::new();
    if manifest_problem.is_some()
        || dir.manifest == ManifestState::Missing && manifest.snapshot_seq != 0
    {
        actions.push(Action::Manifest(manifest));
        for (seq, path) in &dir.files.snapshots {
            if *seq != manifest.snapshot_seq {
                actions.push(Action::Copy { path: path.clone() });
            }
        }
    }
    let mut losses = Losses::default();
    let (_state, snapshot, walk) = build_state(&dir, &manifest, databases, &mut losses)?;
    if let Some(header_seq) = snapshot.as_ref().and_then(|s| s.header_seq) {
        return Err(format!(
            "{}: the snapshot holds sequence number {header_seq} but the MANIFEST names {}: \
             which one is right cannot be told from the files, so nothing was changed",
            path.display(),
            manifest.snapshot_seq
        ));
    }
    if let Some(snapshot) = &snapshot {
        problems.extend(snapshot.problems.iter().cloned());
        if !snapshot.problems.is_empty() {
            if let Some(path) = dir.snapshot_path(&manifest) {
                actions.push(Action::Snapshot {
                    path,
                    seq: manifest.snapshot_seq,
                    blocks: snapshot.good_blocks.clone(),
                    entries: snapshot.good_entries,
                });
            }
        }
    }
    problems.extend(walk.problems.iter().cloned());
    let live = dir.live_segments(&manifest);
    let mut segments_left = live.len();
    for index in &walk.bad_headers {
        let cut_whole = walk.cut.is_some_and(|c| c.segment <= *index);
        if let (Some((first_seq, path)), false) = (live.get(*index), cut_whole) {
            actions.push(Action::RewriteHeader { path: path.clone(), first_seq: *first_seq });
        }
    }
    // Damage the snapshot covers: the segment is replaced by its records after the snapshot.
    let mut extracted = None;
    for covered in &walk.covered {
        let Some((_, path)) = live.get(covered.segment) else { continue };
        let in_cut = walk.cut.filter(|c| c.segment == covered.segment);
        let end = walk.segments.get(covered.segment).and_then(|s| s.sound_end);
        let to = in_cut.and_then(|c| c.offset).or(end).unwrap_or(0);
        let from = covered.keep_from.filter(|from| *from < to);
        if from.is_none() {
            segments_left -= 1;
        }
        actions.push(Action::Extract {
            path: path.clone(),
            from,
            to,
            first_seq: manifest.snapshot_seq.saturating_add(1),
        });
        extracted = Some(covered.segment);
    }
    if let Some(cut) = walk.cut {
        if let Some((_, path)) = live.get(cut.segment).filter(|_| extracted != Some(cut.segment)) {
            match cut.offset {
                Some(offset) => actions.push(Action::Truncate { path: path.clone(), offset }),
                None => {
                    actions.push(Action::Remove { path: path.clone() });
                    segments_left -= 1;
                }
            }
        }
        for (_, path) in live.iter().skip(cut.segment + 1) {
            actions.push(Action::Remove { path: path.clone() });
            segments_left -= 1;
        }
        // Sequence numbers missing between segments: records nobody can name.
        for problem in walk.problems.iter().filter(|p| p.kind == ProblemKind::Gap) {
            losses.unknown.push(format!("{}: {}", problem.file_name(), problem.what));
        }
        // A segment whose header is damaged is read on past it; one that could not be read
        // at all held records nobody can name.
        for problem in walk.problems.iter().filter(|p| p.kind == ProblemKind::SegmentHeader) {
            let read = walk.segments.iter().any(|s| s.path == problem.file && s.records > 0);
            if !read {
                losses.unknown.push(format!(
                    "{}: {}; no record of it can be read: the keys of any it held are unknown",
                    problem.file_name(),
                    problem.what
                ));
            }
        }
    }
    if segments_left == 0 && manifest.snapshot_seq != 0 {
        actions.push(Action::NewSegment { first_seq: walk.last_sound_seq.saturating_add(1) });
    }
    // What the snapshot's damaged blocks held.
    let snapshot_summary = snapshot.as_ref();
    let snapshot_unknown = snapshot_summary.map_or(0, |s| s.unnamed_lost);
    let snapshot_unreadable = snapshot_summary.is_some_and(|s| s.unreadable_tail);
    let mut unknown = losses.unknown.clone();
    if snapshot_unknown > 0 {
        unknown.push(format!("{snapshot_unknown} entries of damaged snapshot blocks cannot be read: their keys are unknown"));
    }
    if snapshot_unreadable {
        unknown.push("part of the snapshot cannot be read: the keys it held are unknown".into());
    }
    let keys = &losses.keys;
    let lost_records = walk
        .cut
        .map(|cut| (cut.seq, losses.records.map_or(cut.seq, |(_, last)| last.max(cut.seq))));
    let needed = !actions.is_empty();
    let backup = backup.unwrap_or_else(|| default_backup(path));
    if needed && !dry_run {
        create_backup_dir(&backup)?;
        for action in &actions {
            apply(action, path, &backup)?;
        }
        check_repaired(path)?;
    }
    let torn_only = problems.iter().all(|p| p.kind == ProblemKind::TornTail);
    if json {
        let report = json!({
            "dry_run": dry_run,
            "repaired": needed && !dry_run,
            "problems": problems.iter().map(Problem::json).collect::<Vec<_>>(),
            "actions": actions.iter().map(Action::describe).collect::<Vec<_>>(),
            "lost_records": lost_records.map(|(a, b)| json!({"from": a, "to": b})),
            "lost_keys": keys.iter().map(lost_key_json).collect::<Vec<_>>(),
            "unknown": unknown,
            "backup": (needed && !dry_run).then(|| backup.display().to_string()),
            "sound_up_to_seq": walk.last_sound_seq,
        });
        println!("{report}");
    } else {
        if !needed {
            println!(
                "nothing to repair: {} is sound up to seq {}",
                path.display(),
                walk.last_sound_seq
            );
            return Ok(true);
        }
        for problem in &problems {
            println!("problem: {}", problem.line());
        }
        let verb = if dry_run { "would" } else { "did" };
        for action in &actions {
            println!("{verb}: {}", action.describe());
        }
        match lost_records {
            Some((a, b)) if torn_only => {
                println!("lost records: {a}..{b} (a torn tail: the record a crash cut short)")
            }
            Some((a, b)) => println!("lost records: {a}..{b}"),
            None => println!("lost records: none"),
        }
        println!("lost or possibly changed keys: {}", keys.len());
        for key in keys {
            println!("  {}", lost_key_line(key));
        }
        for line in &unknown {
            println!("unknown: {line}");
        }
        println!("the repaired journal ends at seq {}", walk.last_sound_seq);
        if dry_run {
            println!("dry run: nothing was changed");
        } else {
            println!("backup of every changed file: {}", backup.display());
        }
    }
    Ok(!needed || !dry_run)
}

/// Reads the repaired directory again as the server will: it must be sound.
fn check_repaired(path: &Path) -> Result<(), String> {
    struct Quiet;
    impl Visitor for Quiet {}
    let mut dir = Dir::open(path)?;
    dir.server = None;
    let (manifest, problem) = dir.effective_manifest();
    let mut problems: Vec<String> = problem.iter().map(Problem::line).collect();
    if let Some(snapshot) = dir.snapshot_path(&manifest) {
        let summary = crate::walk::walk_snapshot(&snapshot, manifest.snapshot_seq, |_| {});
        problems.extend(summary.problems.iter().map(Problem::line));
    }
    let walk = crate::walk::walk_segments(&dir, &manifest, None, &mut Quiet);
    problems.extend(walk.problems.iter().map(Problem::line));
    if let Some(error) = walk.fatal {
        problems.push(error);
    }
    match problems.first() {
        None => Ok(()),
        Some(first) => Err(format!(
            "the repaired directory is still not sound ({first}); the backup holds every \
             changed file"
        )),
    }
}

fn default_backup(dir: &Path) -> PathBuf {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "journal".into());
    dir.with_file_name(format!("{name}.repair-{seconds}"))
}
