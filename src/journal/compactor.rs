//! The compactor: a point-in-time snapshot of the keyspace, written without fork and without
//! copying the keyspace, then an atomic switch of the MANIFEST and the removal of the
//! segments the snapshot covers (DESIGN.md section 5, docs/FORMAT.md "Snapshots"). When and
//! how often it runs is `server::compaction`'s business.
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::faults;
use super::manifest::{Manifest, MANIFEST_TEMP_FILE};
use super::snapshot::{
    encode_end, encode_entries, parse_snapshot_file_name, snapshot_file_name, SnapshotHeader,
};
use super::writer::Journal;
use crate::store::keyspace::{Shard, ShardSaver};
use crate::store::Keyspace;

/// What a finished compaction did.
#[derive(Debug, Clone, Default)]
pub struct Compacted {
    /// The sequence number the snapshot represents.
    pub seq: u64,
    pub snapshot_bytes: u64,
    pub entries: u64,
    /// The first sequence number of the oldest segment still live.
    pub first_segment_seq: u64,
    pub removed_segments: usize,
    pub removed_bytes: u64,
    pub duration: Duration,
}

/// Encoded shards waiting for the compactor to write them. Shards are encoded by whoever
/// locks them first (the compactor, or a command about to change them), under the shard's
/// lock; the file is written by the compactor alone, outside every shard lock.
#[derive(Default)]
struct Queue {
    state: Mutex<QueueState>,
    /// Set when the snapshot is abandoned: shards are no longer encoded.
    abandoned: AtomicBool,
}

#[derive(Default)]
struct QueueState {
    bytes: Vec<u8>,
    blocks: u64,
    entries: u64,
}

impl ShardSaver for Queue {
    fn save(&self, db: u32, _index: usize, shard: &Shard) {
        if self.abandoned.load(Ordering::Acquire) || shard.is_empty() {
            return;
        }
        let mut encoded = Vec::new();
        let (blocks, entries) = encode_entries(db, shard.iter(), &mut encoded);
        let mut state = self.state.lock();
        if state.bytes.is_empty() {
            state.bytes = encoded;
        } else {
            state.bytes.extend_from_slice(&encoded);
        }
        state.blocks += blocks;
        state.entries += entries;
    }
}

impl Queue {
    /// Takes what is queued.
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut self.state.lock().bytes)
    }
}

fn io_text(what: &str, path: &Path, error: &std::io::Error) -> String {
    format!("cannot {what} {}: {error}", path.display())
}

/// Syncs a directory, so names created or removed in it survive a crash.
fn sync_directory(directory: &Path) -> std::io::Result<()> {
    File::open(directory)?.sync_all()
}

/// The snapshot and segment files of a journal directory.
pub struct DirectoryFiles {
    /// (first sequence number, path) of every segment, sorted.
    pub segments: Vec<(u64, PathBuf)>,
    /// (sequence number, path) of every snapshot, sorted.
    pub snapshots: Vec<(u64, PathBuf)>,
    /// Temporary files of interrupted snapshot or MANIFEST writes.
    pub temporary: Vec<PathBuf>,
}

/// Lists the journal files of `directory`; other files are left alone.
pub fn list_files(directory: &Path) -> std::io::Result<DirectoryFiles> {
    let mut files =
        DirectoryFiles { segments: Vec::new(), snapshots: Vec::new(), temporary: Vec::new() };
    for entry in std::fs::read_dir(directory)?.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(seq) = parse_snapshot_file_name(name) {
            files.snapshots.push((seq, entry.path()));
        } else if let Some(seq) = name
            .strip_prefix("journal-")
            .and_then(|n| n.strip_suffix(".log"))
            .and_then(|d| d.parse::<u64>().ok())
        {
            files.segments.push((seq, entry.path()));
        } else if name == MANIFEST_TEMP_FILE
            || (name.starts_with("snapshot-") && name.ends_with(".snap.tmp"))
        {
            files.temporary.push(entry.path());
        }
    }
    files.segments.sort();
    files.snapshots.sort();
    Ok(files)
}

/// Writes a snapshot of `keyspace` as of the journal's current sequence number, makes it the
/// MANIFEST's, and removes the segments and the snapshot it replaces. `abandon` is checked
/// between shards (server shutdown). On an error before the MANIFEST switch nothing changes
/// on disk but a temporary file, which is removed.
pub fn compact(
    keyspace: &Keyspace,
    journal: &Journal,
    abandon: &AtomicBool,
) -> Result<Compacted, String> {
    let started = Instant::now();
    let directory = journal.directory.clone();
    let fault = |name: &str| faults::point(name).map_err(|e| e.to_string());
    fault("compact-start")?;
    // Every record after this is in a new segment; the older segments will be wholly
    // covered by the snapshot, whose sequence number can only be later.
    let first_segment_seq = journal.roll()?;
    fault("segment-rolled")?;
    let queue = Arc::new(Queue::default());
    let seq = {
        // No command is halfway through a change while the gate is held exclusively: every
        // record up to `seq` is in memory, and nothing in memory is newer.
        let _exclusive = keyspace.gate.write();
        let seq = journal.last_seq();
        keyspace.begin_snapshot(queue.clone());
        seq
    };
    tracing::info!(
        "compaction started: snapshot at sequence number {seq}, journal continues in the \
         segment from {first_segment_seq}"
    );
    let final_path = directory.join(snapshot_file_name(seq));
    let temp_path = directory.join(format!("{}.tmp", snapshot_file_name(seq)));
    let written = write_snapshot(keyspace, &queue, seq, &temp_path, abandon);
    let (snapshot_bytes, entries) = match written {
        Ok(sizes) => sizes,
        Err(error) => {
            let _ = std::fs::remove_file(&temp_path);
            return Err(error);
        }
    };
    // With nothing written since the last compaction, the name is already taken by the
    // snapshot the MANIFEST names (same sequence number, same data): after a failure below
    // the file there must stay, as it is the one in force.
    let replaces = final_path.exists();
    let publish = || -> Result<(), String> {
        std::fs::rename(&temp_path, &final_path).map_err(|e| io_text("rename", &temp_path, &e))?;
        fault("snapshot-renamed")?;
        sync_directory(&directory).map_err(|e| io_text("sync", &directory, &e))?;
        fault("directory-synced")
    };
    if let Err(error) = publish() {
        let _ = std::fs::remove_file(&temp_path);
        if !replaces {
            let _ = std::fs::remove_file(&final_path);
        }
        return Err(error);
    }
    let manifest = Manifest { snapshot_seq: seq, first_segment_seq };
    // From the rename of the MANIFEST on, the new snapshot may be the one in force: after an
    // error here nothing is removed (the next start or compaction cleans up).
    manifest
        .write_stepwise(&directory, &mut |step| faults::point(&format!("manifest-{step}")))
        .map_err(|e| format!("cannot write the MANIFEST in {}: {e}", directory.display()))?;
    fault("manifest-written")?;
    let (removed_segments, removed_bytes) = remove_obsolete(&directory, &manifest)?;
    let duration = started.elapsed();
    tracing::info!(
        "compaction done in {:.3} s: snapshot {} ({entries} keys, {snapshot_bytes} bytes) at \
         sequence number {seq}; removed {removed_segments} segment(s), {removed_bytes} bytes",
        duration.as_secs_f64(),
        final_path.display()
    );
    Ok(Compacted {
        seq,
        snapshot_bytes,
        entries,
        first_segment_seq,
        removed_segments,
        removed_bytes,
        duration,
    })
}

/// Writes every shard (each as of the snapshot's start) to `path` and syncs it; returns the
/// file's size and entry count. Ends the snapshot whatever happens.
fn write_snapshot(
    keyspace: &Keyspace,
    queue: &Queue,
    seq: u64,
    path: &Path,
    abandon: &AtomicBool,
) -> Result<(u64, u64), String> {
    let mut failure: Option<String> = None;
    let mut file = match File::create(path) {
        Ok(file) => Some(file),
        Err(error) => {
            failure = Some(io_text("create", path, &error));
            None
        }
    };
    let mut size = 0u64;
    if let Some(out) = file.as_mut() {
        let header = SnapshotHeader { seq }.encode();
        match out.write_all(&header) {
            Ok(()) => size += header.len() as u64,
            Err(error) => failure = Some(io_text("write", path, &error)),
        }
    }
    let mut shards_done = 0u64;
    let started = Instant::now();
    let mut last_report = Instant::now();
    let total_shards = keyspace.db_count() * crate::limits::SHARDS_PER_DB;
    keyspace.finish_snapshot(&mut |_, _| {
        shards_done += 1;
        if failure.is_none() && abandon.load(Ordering::Acquire) {
            failure = Some("abandoned: the server is shutting down".into());
        }
        if failure.is_some() {
            queue.abandoned.store(true, Ordering::Release);
            queue.take();
            return;
        }
        let bytes = queue.take();
        if let Some(out) = file.as_mut() {
            if let Err(error) = out.write_all(&bytes) {
                failure = Some(io_text("write", path, &error));
            }
            size += bytes.len() as u64;
        }
        if let Err(error) = faults::numbered("shard-saved", shards_done) {
            failure = Some(error.to_string());
        }
        if last_report.elapsed() >= Duration::from_secs(5) {
            last_report = Instant::now();
            tracing::info!(
                "compaction: {shards_done} of {total_shards} shards saved, {size} bytes, \
                 {:.1} s",
                started.elapsed().as_secs_f64()
            );
        }
    });
    if let Some(failure) = failure {
        return Err(failure);
    }
    let Some(mut file) = file else {
        return Err("the snapshot file was not created".into());
    };
    let (blocks, entries) = {
        let state = queue.state.lock();
        (state.blocks, state.entries)
    };
    let mut end = Vec::new();
    encode_end(blocks, entries, seq, &mut end);
    let fault = |name: &str| faults::point(name).map_err(|e| e.to_string());
    file.write_all(&end).map_err(|e| io_text("write", path, &e))?;
    size += end.len() as u64;
    fault("snapshot-written")?;
    // Synced before it gets its final name: the MANIFEST must never name unwritten bytes.
    file.sync_all().map_err(|e| io_text("sync", path, &e))?;
    fault("snapshot-synced")?;
    Ok((size, entries))
}

/// Removes the segments wholly below the MANIFEST's first live segment, the snapshots it
/// does not name, and leftover temporary files; returns how many segments and their bytes.
pub fn remove_obsolete(directory: &Path, manifest: &Manifest) -> Result<(usize, u64), String> {
    let files = list_files(directory).map_err(|e| io_text("read", directory, &e))?;
    let (mut removed, mut bytes) = (0usize, 0u64);
    let remove = |path: &Path| std::fs::remove_file(path).map_err(|e| io_text("remove", path, &e));
    for (first_seq, path) in &files.segments {
        if *first_seq >= manifest.first_segment_seq {
            continue;
        }
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        remove(path)?;
        removed += 1;
        bytes += size;
        faults::numbered("segment-removed", removed as u64).map_err(|e| e.to_string())?;
    }
    for (seq, path) in &files.snapshots {
        if *seq != manifest.snapshot_seq {
            remove(path)?;
            faults::point("old-snapshot-removed").map_err(|e| e.to_string())?;
        }
    }
    for path in &files.temporary {
        remove(path)?;
    }
    sync_directory(directory).map_err(|e| io_text("sync", directory, &e))?;
    Ok((removed, bytes))
}
