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

use crate::sync::SleepMutex;

use super::faults;
use super::manifest::{Manifest, MANIFEST_TEMP_FILE};
use super::segment::parse_segment_file_name;
use super::snapshot::{
    encode_end, encode_entries, is_received_snapshot_file_name, parse_snapshot_file_name,
    snapshot_file_name, SnapshotHeader,
};
use super::writer::Journal;
use crate::store::keyspace::{Entry, ShardSaver};
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

/// Encoded entries on their way to the snapshot file. An entry is encoded by whoever saves
/// it (the compactor's walk, or a command about to change it), under its shard's lock; the
/// compactor writes what is queued after every shard it visits, outside every lock.
///
/// # Bound
/// A command whose save takes the queue over QUEUE_BYTES_MAX writes the queue itself unless
/// the compactor is writing it at that moment; only past twice the bound does it wait for the
/// compactor's write to finish and write after it (a command then pays for writes into the
/// page cache, never for a sync: the compactor syncs outside the file's lock). So the queue
/// holds at most twice QUEUE_BYTES_MAX plus one shard's entries, and a compactor starved of
/// CPU cannot make the snapshot's blocks pile up in memory.
struct Queue {
    state: SleepMutex<QueueState>,
    /// The snapshot file; lock order: `sink`, then `state`.
    sink: SleepMutex<Sink>,
    /// Set when the snapshot is abandoned: entries are no longer encoded.
    abandoned: AtomicBool,
}

/// Who writes the queue to the file: the compactor between shards, or a command thread whose
/// save took the queue over its bound.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flusher {
    Compactor,
    Command,
}

/// Encoded bytes queued beyond which the thread that queued them writes them.
const QUEUE_BYTES_MAX: usize = 16 * 1024 * 1024;

#[derive(Default)]
struct QueueState {
    bytes: Vec<u8>,
    blocks: u64,
    entries: u64,
    /// Entries queued since the compactor last asked (`rdb-key-save-delay` pauses per key).
    unpaced_entries: u64,
    /// Why the snapshot failed (it is then abandoned).
    failure: Option<String>,
}

struct Sink {
    file: Option<File>,
    path: PathBuf,
    size: u64,
    synced_at: u64,
    /// The buffer last written, swapped with the queue's on the next flush.
    spare: Vec<u8>,
}

/// Capacity the spare buffer keeps between flushes (a shard of a big database, or one big
/// key, may need more once).
const SPARE_BYTES_MAX: usize = 16 * 1024 * 1024;

thread_local! {
    /// Where a thread encodes the entries it saves before appending them to the queue.
    static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    /// Set on the compaction thread during its walk: it saves under a shard's lock and
    /// writes the queue between shards, so a save of its own never writes the queue (a
    /// command waiting for the shard would wait for that write too).
    static IN_WALK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Marks the calling thread as the compactor walking the keyspace while it lives.
struct WalkScope;

impl WalkScope {
    fn enter() -> Self {
        IN_WALK.set(true);
        Self
    }
}

impl Drop for WalkScope {
    fn drop(&mut self) {
        IN_WALK.set(false);
    }
}

/// Capacity a thread's `SCRATCH` keeps between saves (a run of the compactor's walk is at
/// most 1,024 entries; one big collection, or a whole shard saved before FLUSHDB, FLUSHALL
/// or SWAPDB, may need more once).
const SCRATCH_BYTES_MAX: usize = 1024 * 1024;

impl ShardSaver for Queue {
    fn save(&self, db: u32, entries: &mut dyn Iterator<Item = &Entry>) {
        if self.abandoned.load(Ordering::Acquire) {
            return;
        }
        // Encoded outside the queue's lock, which then covers only the copy: the compactor
        // and the commands saving entries ahead of their changes encode at the same time, and
        // a command waiting for the compactor's encoding under the lock made SET's p99 during
        // a compaction 2.4-3.2 ms (0.5 steady). The queue's buffer is swapped with a spare one
        // by the compactor: two buffers serve the whole snapshot, so no shard-sized allocation
        // is made and freed per shard (the allocator kept such churn as tens of MB of RSS).
        let over = SCRATCH.with_borrow_mut(|scratch| {
            scratch.clear();
            let encoded = encode_entries(db, entries, scratch);
            let over = match encoded {
                Ok((blocks, entries)) => {
                    let mut state = self.state.lock();
                    state.bytes.extend_from_slice(scratch);
                    state.blocks += blocks;
                    state.entries += entries;
                    state.unpaced_entries += entries;
                    Ok(state.bytes.len() >= QUEUE_BYTES_MAX)
                }
                Err(error) => Err(error),
            };
            if scratch.capacity() > SCRATCH_BYTES_MAX {
                *scratch = Vec::new();
            }
            over
        });
        match over {
            Ok(true) if !IN_WALK.get() => self.flush(Flusher::Command),
            Ok(_) => {}
            Err(error) => self.fail(error),
        }
    }
}

impl Queue {
    /// A queue whose file `compact` creates once it knows the snapshot's name.
    fn new() -> Self {
        Self {
            state: SleepMutex::new(QueueState::default()),
            sink: SleepMutex::new(Sink {
                file: None,
                path: PathBuf::new(),
                size: 0,
                synced_at: 0,
                spare: Vec::new(),
            }),
            abandoned: AtomicBool::new(false),
        }
    }

    /// Records the first failure and stops encoding shards.
    fn fail(&self, error: String) {
        self.abandoned.store(true, Ordering::Release);
        self.state.lock().failure.get_or_insert(error);
    }

    /// Writes what is queued to the file (dropping it once the snapshot is abandoned). The
    /// compactor also syncs it every INCREMENTAL_SYNC_BYTES, after letting go of the file's
    /// lock; a command thread never syncs, and only waits for the lock when the queue is past
    /// twice its bound (see `Queue`).
    fn flush(&self, flusher: Flusher) {
        let mut sink = match flusher {
            Flusher::Compactor => self.sink.lock(),
            Flusher::Command => match self.sink.try_lock() {
                Some(sink) => sink,
                // The compactor is writing: it takes these bytes next, unless they pile up.
                None if self.state.lock().bytes.len() < 2 * QUEUE_BYTES_MAX => return,
                None => self.sink.lock(),
            },
        };
        let Sink { file, path, size, synced_at, spare } = &mut *sink;
        // Before the file exists (the moment after the cut) the bytes wait in the queue.
        let Some(out) = file.as_mut() else { return };
        spare.clear();
        if spare.capacity() > SPARE_BYTES_MAX {
            spare.shrink_to(SPARE_BYTES_MAX);
        }
        std::mem::swap(spare, &mut self.state.lock().bytes);
        if spare.is_empty() || self.abandoned.load(Ordering::Acquire) {
            return;
        }
        if let Err(error) = out.write_all(spare) {
            return self.fail(io_text("write", path, &error));
        }
        *size += spare.len() as u64;
        // Written back as it goes, as Redis's rdb-save-incremental-fsync does: one sync of
        // the whole file at the end would stall the journal's own syncs behind it.
        if flusher == Flusher::Compactor && *size - *synced_at >= INCREMENTAL_SYNC_BYTES {
            *synced_at = *size;
            // Synced through a second descriptor, without the lock: a command that must write
            // the queue meanwhile waits for no disk (a sync took up to 1.7 s under load).
            let synced = out.try_clone();
            let path = path.clone();
            drop(sink);
            if let Err(error) = synced.and_then(|file| file.sync_data()) {
                self.fail(io_text("sync", &path, &error));
            }
        }
    }

    /// Entries queued since the last call.
    fn take_unpaced(&self) -> u64 {
        std::mem::take(&mut self.state.lock().unpaced_entries)
    }
}

/// How much of the snapshot is written between two syncs while it is written.
const INCREMENTAL_SYNC_BYTES: u64 = 32 * 1024 * 1024;

fn io_text(what: &str, path: &Path, error: &std::io::Error) -> String {
    format!("cannot {what} {}: {error}", path.display())
}

/// Syncs a directory, so names created or removed in it survive a crash.
pub(crate) fn sync_directory(directory: &Path) -> std::io::Result<()> {
    File::open(directory)?.sync_all()
}

/// The snapshot and segment files of a journal directory.
pub struct DirectoryFiles {
    /// (first sequence number, path) of every segment, sorted.
    pub segments: Vec<(u64, PathBuf)>,
    /// (sequence number, path) of every snapshot, sorted.
    pub snapshots: Vec<(u64, PathBuf)>,
    /// Temporary files of interrupted snapshot or MANIFEST writes (`snapshot-*.snap.tmp`,
    /// `MANIFEST.tmp`): removed after every compaction and at start.
    pub temporary: Vec<PathBuf>,
    /// Snapshots a replica receives from its primary (`replica-snapshot-*.tmp`). One may be
    /// arriving while the server runs, so only a start removes them (`remove_obsolete`
    /// leaves them alone); the full resync removes its own on failure.
    pub received: Vec<PathBuf>,
}

/// Lists the journal files of `directory`; other files are left alone.
pub fn list_files(directory: &Path) -> std::io::Result<DirectoryFiles> {
    let mut files = DirectoryFiles {
        segments: Vec::new(),
        snapshots: Vec::new(),
        temporary: Vec::new(),
        received: Vec::new(),
    };
    for entry in std::fs::read_dir(directory)?.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(seq) = parse_snapshot_file_name(name) {
            files.snapshots.push((seq, entry.path()));
        } else if let Some(seq) = parse_segment_file_name(name) {
            files.segments.push((seq, entry.path()));
        } else if name == MANIFEST_TEMP_FILE
            || (name.starts_with("snapshot-") && name.ends_with(".snap.tmp"))
        {
            files.temporary.push(entry.path());
        } else if is_received_snapshot_file_name(name) {
            files.received.push(entry.path());
        }
    }
    files.segments.sort();
    files.snapshots.sort();
    Ok(files)
}

/// Writes a snapshot of `keyspace` as of the journal's current sequence number, makes it the
/// MANIFEST's, and removes the segments and the snapshot it replaces. `abandon` is checked
/// between shards (server shutdown). `key_save_delay_us` is Redis's `rdb-key-save-delay`
/// (`save_pause`). On an error before the MANIFEST switch nothing changes on disk but a
/// temporary file, which is removed.
pub fn compact(
    keyspace: &Keyspace,
    journal: &Journal,
    abandon: &AtomicBool,
    key_save_delay_us: i64,
) -> Result<Compacted, String> {
    let started = Instant::now();
    let directory = journal.directory.clone();
    let fault = |name: &str| faults::point(name).map_err(|e| e.to_string());
    fault("compact-start")?;
    let in_force = Manifest::read(&directory).ok().flatten().and_then(Result::ok);
    // Every record after this is in a new segment; the older segments will be wholly
    // covered by the snapshot, whose sequence number can only be later.
    let first_segment_seq = journal.roll()?;
    fault("segment-rolled")?;
    // The name needs the sequence number: the file is created once the cut is made.
    let queue = Arc::new(Queue::new());
    let seq = {
        // No command is halfway through a change while the gate is held exclusively: every
        // record up to `seq` is in memory, and nothing in memory is newer.
        let _exclusive = keyspace.gate.write();
        let seq = journal.last_seq();
        keyspace.begin_snapshot(queue.clone());
        seq
    };
    if in_force.is_some_and(|m| m.snapshot_seq == seq) {
        // Nothing was written since the snapshot in force: it is this snapshot already.
        // Writing it again would replace the very file the MANIFEST names.
        keyspace.end_snapshot();
        let snapshot_bytes = std::fs::metadata(directory.join(snapshot_file_name(seq)))
            .map(|m| m.len())
            .unwrap_or(0);
        tracing::info!("compaction: nothing changed since the snapshot at sequence number {seq}");
        return Ok(Compacted {
            seq,
            snapshot_bytes,
            first_segment_seq,
            duration: started.elapsed(),
            ..Compacted::default()
        });
    }
    tracing::info!(
        "compaction started: snapshot at sequence number {seq}, journal continues in the \
         segment from {first_segment_seq}"
    );
    let final_path = directory.join(snapshot_file_name(seq));
    let temp_path = directory.join(format!("{}.tmp", snapshot_file_name(seq)));
    match create_snapshot_file(&temp_path, seq) {
        Ok((file, size)) => {
            let mut sink = queue.sink.lock();
            sink.file = Some(file);
            sink.path.clone_from(&temp_path);
            sink.size = size;
        }
        Err(error) => queue.fail(error),
    }
    let written = write_snapshot(keyspace, &queue, seq, abandon, key_save_delay_us);
    let (snapshot_bytes, entries) = match written {
        Ok(sizes) => sizes,
        Err(error) => {
            let _ = std::fs::remove_file(&temp_path);
            return Err(error);
        }
    };
    // With nothing written since the last compaction, the snapshot in force has this very
    // name: the rename replaces it with an equal one, which a failure must not delete (the
    // segments it covers are gone).
    let replaces_existing = final_path.exists();
    let manifest = Manifest { snapshot_seq: seq, first_segment_seq };
    let mut switched = false;
    let published = (|| -> Result<(), String> {
        std::fs::rename(&temp_path, &final_path).map_err(|e| io_text("rename", &temp_path, &e))?;
        fault("snapshot-renamed")?;
        sync_directory(&directory).map_err(|e| io_text("sync", &directory, &e))?;
        fault("directory-synced")?;
        // The MANIFEST must not name a snapshot at `seq` before the journal holds every
        // record up to `seq` on disk: in `everysec` or `no` mode some may still be unsynced,
        // and a power cut would leave a segment ending before the snapshot, a gap.
        journal.sync_queued()?;
        fault("journal-synced")?;
        manifest
            .write_stepwise(&directory, &mut |step| {
                switched |= step == "renamed";
                faults::point(&format!("manifest-{step}"))
            })
            .map_err(|e| format!("cannot write the MANIFEST in {}: {e}", directory.display()))
    })();
    if let Err(error) = published {
        // Until the MANIFEST's rename the new snapshot is named by nothing: it is removed (a
        // full disk must not keep it), unless it is the snapshot in force. From that rename
        // on it may be the one in force: nothing is removed (the next start or compaction
        // cleans up).
        if !switched {
            let _ = std::fs::remove_file(&temp_path);
            let _ = std::fs::remove_file(directory.join(MANIFEST_TEMP_FILE));
            if !replaces_existing {
                let _ = std::fs::remove_file(&final_path);
            }
        }
        return Err(error);
    }
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
    abandon: &AtomicBool,
    key_save_delay_us: i64,
) -> Result<(u64, u64), String> {
    let mut shards_done = 0u64;
    let started = Instant::now();
    let mut last_report = Instant::now();
    let total_shards = keyspace.db_count() * crate::limits::SHARDS_PER_DB;
    let walk = WalkScope::enter();
    keyspace.finish_snapshot(&mut |_, _| {
        shards_done += 1;
        if abandon.load(Ordering::Acquire) && !queue.abandoned.load(Ordering::Acquire) {
            queue.fail("abandoned: the server is shutting down".into());
        }
        queue.flush(Flusher::Compactor);
        if let Err(error) = faults::numbered("shard-saved", shards_done) {
            queue.fail(error.to_string());
        }
        // Called with no shard lock and no gate held: commands run on while this waits.
        pause(save_pause(key_save_delay_us, queue.take_unpaced()), abandon);
        if last_report.elapsed() >= Duration::from_secs(5) {
            last_report = Instant::now();
            tracing::info!(
                "compaction: {shards_done} of {total_shards} shards saved, {} bytes, {:.1} s",
                queue.sink.lock().size,
                started.elapsed().as_secs_f64()
            );
        }
    });
    drop(walk);
    queue.flush(Flusher::Compactor);
    if let Some(failure) = queue.state.lock().failure.take() {
        return Err(failure);
    }
    let (blocks, entries) = {
        let state = queue.state.lock();
        (state.blocks, state.entries)
    };
    let mut sink = queue.sink.lock();
    let Sink { file, path, size, .. } = &mut *sink;
    let Some(file) = file.as_mut() else {
        return Err("the snapshot file was not created".into());
    };
    let mut end = Vec::new();
    encode_end(blocks, entries, seq, &mut end);
    let fault = |name: &str| faults::point(name).map_err(|e| e.to_string());
    file.write_all(&end).map_err(|e| io_text("write", path, &e))?;
    *size += end.len() as u64;
    fault("snapshot-written")?;
    // Synced before it gets its final name: the MANIFEST must never name unwritten bytes.
    file.sync_all().map_err(|e| io_text("sync", path, &e))?;
    fault("snapshot-synced")?;
    Ok((*size, entries))
}

/// Creates the snapshot's temporary file with its header.
fn create_snapshot_file(path: &Path, seq: u64) -> Result<(File, u64), String> {
    let mut file = super::files::create(path).map_err(|e| io_text("create", path, &e))?;
    let header = SnapshotHeader { seq }.encode();
    file.write_all(&header).map_err(|e| io_text("write", path, &e))?;
    Ok((file, header.len() as u64))
}

/// Longest single sleep of `pause`: how late a shutdown notices `abandon`.
const PAUSE_SLICE: Duration = Duration::from_millis(10);

/// Redis's `rdb-key-save-delay` for `entries` keys: n > 0 pauses n µs per key; -n pauses
/// 1 µs per n keys (Redis sleeps 1 µs for one key in n, at random).
fn save_pause(key_save_delay_us: i64, entries: u64) -> Duration {
    let micros = match u64::try_from(key_save_delay_us) {
        Ok(per_key) => per_key.saturating_mul(entries),
        Err(_) => entries / key_save_delay_us.unsigned_abs(),
    };
    Duration::from_micros(micros)
}

/// Sleeps for `duration`, or until `abandon` is set.
fn pause(duration: Duration, abandon: &AtomicBool) {
    let deadline = Instant::now() + duration;
    while !abandon.load(Ordering::Acquire) {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        std::thread::sleep(left.min(PAUSE_SLICE));
    }
}

/// Removes the segments wholly below the MANIFEST's first live segment, the snapshots it
/// does not name, and leftover temporary files; returns how many segments and their bytes.
/// A snapshot a replica is receiving (`DirectoryFiles::received`) is left alone: this runs
/// after every compaction, and a full resync may be streaming into it at that moment.
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

#[cfg(test)]
pub(super) mod tests {
    //! A snapshot taken while writers run equals the state at its sequence number: writer
    //! threads apply random effects (each under the gate held shared, then journal them, as
    //! commands do) while `compact` runs; the history of (seq, effect) rebuilds the expected
    //! state at any sequence number.
    use std::collections::BTreeMap;
    use std::sync::atomic::{AtomicU64, AtomicUsize};

    use super::*;
    use crate::journal::recovery::recover;
    use crate::journal::replay::{apply, with_journal_value};
    use crate::journal::snapshot::{load, snapshot_file_name};
    use crate::journal::{Effect, FsyncMode, Value as JournalValue};
    use crate::limits::SHARDS_PER_DB;

    const DATABASES: u32 = 4;
    const WRITERS: usize = 4;
    /// Keys of each type a writer owns, in every database.
    const KEYS_PER_TYPE: u8 = 6;
    /// Keys present from the start, which no writer touches: they make the walk over the
    /// shards take long enough for writers to reach shards it has not saved yet.
    const BALLAST_KEYS: u32 = 5_000;
    /// Each writer stops after this many effects if the test has not stopped it before.
    const EFFECTS_MAX: usize = 50_000;
    const KINDS: [&str; 5] = ["str", "list", "hash", "set", "zset"];

    type Owned = Effect<Vec<u8>>;
    /// (database, key) to (value with hash and set contents sorted, deadline).
    type State = BTreeMap<(u32, Vec<u8>), (JournalValue<Vec<u8>>, u64)>;

    /// Every entry of `keyspace`, expired ones included (deadlines are compared, not applied).
    fn state(keyspace: &Keyspace) -> State {
        let mut out = State::new();
        for (index, db) in keyspace.dbs().enumerate() {
            let index = u32::try_from(index).unwrap();
            for shard in 0..SHARDS_PER_DB {
                let shard = db.lock_index(shard).unwrap();
                for entry in shard.iter() {
                    let mut value =
                        with_journal_value(&entry.value, |v| v.map_bytes(&|b: &&[u8]| b.to_vec()));
                    match &mut value {
                        JournalValue::Hash(pairs) => pairs.sort(),
                        JournalValue::Set(members) => members.sort(),
                        _ => {}
                    }
                    out.insert((index, entry.key.to_vec()), (value, entry.expires_at_ms));
                }
            }
        }
        out
    }

    /// An entry with its bytes shown as text.
    fn show(entry: Option<&(JournalValue<Vec<u8>>, u64)>) -> String {
        let Some((value, deadline)) = entry else { return "none".into() };
        let text = value.map_bytes(&|b| String::from_utf8_lossy(b).into_owned());
        format!("{text:?}, deadline {deadline}")
    }

    fn assert_same_state(expected: &State, actual: &State, what: &str) {
        if expected == actual {
            return;
        }
        let differing = expected
            .keys()
            .chain(actual.keys())
            .find(|k| expected.get(*k) != actual.get(*k))
            .unwrap();
        panic!(
            "{what}: {} entries expected, {} found; first difference at db {} key {:?}: \
             expected {}, found {}",
            expected.len(),
            actual.len(),
            differing.0,
            String::from_utf8_lossy(&differing.1),
            show(expected.get(differing)),
            show(actual.get(differing))
        );
    }

    /// Applies every effect of `history` (sorted by seq) with seq in `range` to `keyspace`.
    fn replay(keyspace: &Keyspace, history: &[(u64, Owned)], range: std::ops::RangeInclusive<u64>) {
        for (seq, effect) in history.iter().filter(|(seq, _)| range.contains(seq)) {
            apply(keyspace, &effect.map_bytes(&|b| b.as_slice()), 0)
                .unwrap_or_else(|e| panic!("seq {seq}: {e}"));
        }
    }

    /// Applies and journals `effect` as a command does: under the gate held shared. Returns
    /// its sequence number, or None if it does not apply (a list index out of range), in
    /// which case nothing changed and nothing is journaled.
    fn write(keyspace: &Keyspace, journal: &Journal, effect: &Owned) -> Option<u64> {
        let effect = effect.map_bytes(&|b| b.as_slice());
        let _shared = keyspace.gate.read();
        apply(keyspace, &effect, 0).ok()?;
        Some(journal.append(&[effect]).seq)
    }

    fn element(rng: &mut fastrand::Rng) -> Vec<u8> {
        match rng.u8(..10) {
            // Longer than the compact encodings allow.
            0 => vec![b'L'; 70],
            1..=3 => rng.i32(-20..20).to_string().into_bytes(),
            _ => format!("e{}", rng.u8(..24)).into_bytes(),
        }
    }

    fn elements(rng: &mut fastrand::Rng) -> Vec<Vec<u8>> {
        (0..rng.usize(1..5)).map(|_| element(rng)).collect()
    }

    fn deadline(rng: &mut fastrand::Rng) -> u64 {
        if rng.bool() {
            0
        } else {
            rng.u64(1_000_000_000_000..2_000_000_000_000)
        }
    }

    /// A random effect on writer `writer`'s keys only: every key it names is
    /// `w<writer>:<type>:<n>`, and each type's effects go to keys of that type.
    fn random_effect(rng: &mut fastrand::Rng, writer: usize) -> Owned {
        let db = rng.u32(..DATABASES);
        let kind_index = rng.usize(..KINDS.len());
        let kind = KINDS.get(kind_index).copied().unwrap_or("str");
        let name = |rng: &mut fastrand::Rng| {
            format!("w{writer}:{kind}:{}", rng.u8(..KEYS_PER_TYPE)).into_bytes()
        };
        let key = name(rng);
        match rng.u8(..10) {
            0 => return Effect::Delete { db, key },
            1 => return Effect::Expire { db, key, expires_at_ms: deadline(rng) },
            2 => return Effect::Rename { db, from: key, to: name(rng) },
            3 => return Effect::Move { from_db: db, to_db: rng.u32(..DATABASES), key },
            _ => {}
        }
        let score = |rng: &mut fastrand::Rng| f64::from(rng.i32(-50..50)) / 4.0;
        match (kind_index, rng.u8(..4)) {
            (0, 0 | 1) => Effect::Put {
                db,
                key,
                value: JournalValue::String(element(rng)),
                expires_at_ms: deadline(rng),
            },
            (0, _) => Effect::Append { db, key, bytes: element(rng) },
            (1, 0) => Effect::ListPush { db, key, left: rng.bool(), elements: elements(rng) },
            (1, 1) => Effect::ListPop { db, key, left: rng.bool(), count: rng.u64(1..3) },
            (1, 2) => match rng.u8(..3) {
                0 => Effect::ListSet { db, key, index: rng.u64(..6), element: element(rng) },
                1 => Effect::ListInsert { db, key, index: rng.u64(..6), element: element(rng) },
                _ => Effect::ListRemove { db, key, count: rng.i64(-2..3), element: element(rng) },
            },
            (1, _) => Effect::Put {
                db,
                key,
                value: JournalValue::List(elements(rng)),
                expires_at_ms: deadline(rng),
            },
            (2, 0 | 1) => {
                let pairs = elements(rng).into_iter().map(|f| (f, element(rng))).collect();
                Effect::HashSet { db, key, pairs }
            }
            (2, _) => Effect::HashDelete { db, key, fields: elements(rng) },
            (3, 0 | 1) => Effect::SetAdd { db, key, members: elements(rng) },
            (3, _) => Effect::SetRemove { db, key, members: elements(rng) },
            (_, 0 | 1) => {
                let entries = elements(rng).into_iter().map(|m| (score(rng), m)).collect();
                Effect::ZSetAdd { db, key, entries }
            }
            (_, _) => Effect::ZSetRemove { db, key, members: elements(rng) },
        }
    }

    /// What the main thread tells the writers, and what they tell it.
    #[derive(Default)]
    struct Signals {
        stop: AtomicBool,
        /// Set while a compaction runs.
        compacting: AtomicBool,
        /// Effects applied while a compaction ran.
        during: AtomicU64,
        applied: AtomicU64,
        /// Writers that stopped.
        finished: AtomicUsize,
    }

    fn writer(
        keyspace: &Keyspace,
        journal: &Journal,
        signals: &Signals,
        seed: u64,
        index: usize,
    ) -> Vec<(u64, Owned)> {
        let mut rng = fastrand::Rng::with_seed(seed ^ ((index as u64 + 1) * 0x9e37_79b9));
        let mut history = Vec::new();
        let mut tries = 0u64;
        while !signals.stop.load(Ordering::Acquire) && history.len() < EFFECTS_MAX {
            tries += 1;
            let effect = random_effect(&mut rng, index);
            if let Some(seq) = write(keyspace, journal, &effect) {
                history.push((seq, effect));
                signals.applied.fetch_add(1, Ordering::Relaxed);
                if signals.compacting.load(Ordering::Acquire) {
                    signals.during.fetch_add(1, Ordering::Relaxed);
                }
            }
            // Paced, so the history stays small and the compactor gets a core too.
            if tries.is_multiple_of(64) {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        signals.finished.fetch_add(1, Ordering::Release);
        history
    }

    /// Waits until the writers applied `n` more effects (or all stopped).
    fn let_writers_run(signals: &Signals, n: u64) {
        let target = signals.applied.load(Ordering::Relaxed) + n;
        while signals.applied.load(Ordering::Relaxed) < target
            && signals.finished.load(Ordering::Acquire) < WRITERS
        {
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    fn open(directory: &Path, keyspace: &Keyspace) -> (File, Journal) {
        open_in_mode(directory, keyspace, FsyncMode::Interval)
    }

    /// Recovers `directory` into `keyspace` and starts its journal in `mode` (syncing every
    /// 20 ms); returns the directory's lock and the journal. Also the resync tests'.
    pub(in crate::journal) fn open_in_mode(
        directory: &Path,
        keyspace: &Keyspace,
        mode: FsyncMode,
    ) -> (File, Journal) {
        let recovered = recover(directory, keyspace, 0, Duration::ZERO).unwrap();
        let journal = Journal::start(
            directory,
            recovered.segment,
            recovered.last_seq,
            recovered.closed_bytes,
            mode,
            Duration::from_millis(20),
            crate::journal::writer::PREPARED_AHEAD_BYTES,
        )
        .unwrap();
        (recovered.lock, journal)
    }

    #[test]
    fn a_snapshot_taken_while_writers_run_equals_the_state_at_its_seq() {
        // The threads' interleaving is not reproducible; their effects are.
        let seed = std::env::var("COMPACTOR_PROPERTY_SEED")
            .map_or_else(|_| fastrand::u64(..), |s| s.trim().parse().unwrap());
        eprintln!("compactor property: COMPACTOR_PROPERTY_SEED={seed}");
        let dir = tempfile::tempdir().unwrap();
        let directory = dir.path().join("journal");
        let live = Keyspace::new(DATABASES as usize);
        let (lock, journal) = open(&directory, &live);
        let mut history: Vec<(u64, Owned)> = Vec::new();
        for i in 0..BALLAST_KEYS {
            let pairs = (0..8u8).map(|f| (vec![b'f', f], i.to_le_bytes().to_vec())).collect();
            let key = format!("ballast:{i}").into_bytes();
            let effect = Effect::HashSet { db: i % DATABASES, key, pairs };
            history.push((write(&live, &journal, &effect).unwrap(), effect));
        }
        let signals = Signals::default();
        let never = AtomicBool::new(false);
        let mut snapshots = Vec::new();
        let mut durations = Vec::new();
        let histories = std::thread::scope(|scope| {
            let writers: Vec<_> = (0..WRITERS)
                .map(|index| {
                    let (live, journal, signals) = (&live, &journal, &signals);
                    scope.spawn(move || writer(live, journal, signals, seed, index))
                })
                .collect();
            for _ in 0..3 {
                let_writers_run(&signals, 2_000);
                signals.compacting.store(true, Ordering::Release);
                let done = compact(&live, &journal, &never, 0);
                signals.compacting.store(false, Ordering::Release);
                let done = done.unwrap();
                durations.push(done.duration);
                // Loaded now: the next compaction removes it.
                let loaded = Keyspace::new(DATABASES as usize);
                let path = directory.join(snapshot_file_name(done.seq));
                assert_eq!(load(&path, &loaded, 2).unwrap(), (done.seq, done.entries));
                snapshots.push((done.seq, state(&loaded)));
            }
            let_writers_run(&signals, 2_000);
            signals.stop.store(true, Ordering::Release);
            writers.into_iter().map(|w| w.join().unwrap()).collect::<Vec<_>>()
        });
        for writer_history in histories {
            history.extend(writer_history);
        }
        history.sort_by_key(|(seq, _)| *seq);
        let last_seq = journal.last_seq();
        // Every record is in the history: the writers were the journal's only writers.
        assert!(history.iter().map(|(seq, _)| *seq).eq(1..=last_seq), "sequence numbers");
        let during = signals.during.load(Ordering::Relaxed);
        eprintln!(
            "{} effects, {during} applied while a compaction ran; snapshots at {:?}, taking \
             {durations:?}",
            history.len(),
            snapshots.iter().map(|(seq, _)| *seq).collect::<Vec<_>>()
        );
        assert!(during > 0, "no writer ran during a compaction");
        for (seq, snapshot) in &snapshots {
            let expected = Keyspace::new(DATABASES as usize);
            replay(&expected, &history, 1..=*seq);
            assert_same_state(&state(&expected), snapshot, &format!("seed {seed}: snapshot {seq}"));
        }
        // The last snapshot and the effects after it give the live state...
        let live_state = state(&live);
        let (last_snapshot_seq, _) = snapshots.last().unwrap();
        let rebuilt = Keyspace::new(DATABASES as usize);
        let path = directory.join(snapshot_file_name(*last_snapshot_seq));
        load(&path, &rebuilt, 2).unwrap();
        replay(&rebuilt, &history, last_snapshot_seq + 1..=last_seq);
        assert_same_state(&live_state, &state(&rebuilt), &format!("seed {seed}: rebuilt"));
        // ... and so does a start on the directory.
        journal.shutdown();
        drop(lock);
        let recovered = Keyspace::new(DATABASES as usize);
        let (_lock, journal) = open(&directory, &recovered);
        journal.shutdown();
        assert_same_state(&live_state, &state(&recovered), &format!("seed {seed}: recovered"));
    }

    /// A save on the compaction thread during its walk runs under a shard's lock: past the
    /// queue's bound it leaves the writing to the walk (between shards), where a command's
    /// save writes the queue itself.
    #[test]
    fn only_a_commands_save_writes_a_queue_past_its_bound() {
        use crate::store::value::{StrValue, Value};
        let dir = tempfile::tempdir().unwrap();
        let queue = Queue::new();
        queue.sink.lock().file = Some(File::create(dir.path().join("snapshot.tmp")).unwrap());
        let value = vec![b'v'; 1024 * 1024];
        let big = |n: u8| Entry::new(&[b'k', n], Value::Str(StrValue::from_bytes(&value)));
        let entries: Vec<Entry> = (0..17).map(big).collect();
        let save_all = || queue.save(0, &mut entries.iter());

        let walk = WalkScope::enter();
        save_all();
        drop(walk);
        assert_eq!(queue.sink.lock().size, 0, "the walk's save wrote the queue");
        assert!(queue.state.lock().bytes.len() > QUEUE_BYTES_MAX);

        save_all();
        assert!(queue.sink.lock().size > 2 * QUEUE_BYTES_MAX as u64, "a command's save did not");
        assert!(queue.state.lock().bytes.is_empty());
    }

    #[test]
    fn save_pause_is_per_key_like_rdb_key_save_delay() {
        assert_eq!(save_pause(0, 1000), Duration::ZERO);
        assert_eq!(save_pause(100, 30), Duration::from_micros(3000));
        assert_eq!(save_pause(-10, 95), Duration::from_micros(9));
        assert_eq!(save_pause(i64::from(i32::MIN), 5), Duration::ZERO);
        assert_eq!(save_pause(i64::from(i32::MAX), u64::MAX), Duration::from_micros(u64::MAX));
    }

    /// A replica's own compaction ends while its primary's snapshot streams in (at the very
    /// sequence number the compaction cuts at): the compaction neither writes the received
    /// file nor, in its cleanup, removes it; its own temporary files are still removed.
    #[test]
    fn a_compaction_leaves_a_snapshot_being_received_alone() {
        use crate::journal::snapshot::received_snapshot_file_name;
        let dir = tempfile::tempdir().unwrap();
        let directory = dir.path().join("journal");
        let live = Keyspace::new(1);
        let (_lock, journal) = open(&directory, &live);
        for n in 0..10u8 {
            let effect = Effect::Put {
                db: 0,
                key: vec![b'k', n],
                value: JournalValue::String(vec![n]),
                expires_at_ms: 0,
            };
            write(&live, &journal, &effect).unwrap();
        }
        let seq = journal.last_seq();
        let receiving = directory.join(received_snapshot_file_name(seq, 0));
        std::fs::write(&receiving, b"the first bytes of the primary's snapshot").unwrap();
        let leftover = directory.join(format!("{}.tmp", snapshot_file_name(seq - 1)));
        std::fs::write(&leftover, b"left by an interrupted compaction").unwrap();
        let files = list_files(&directory).unwrap();
        assert_eq!(files.received, vec![receiving.clone()]);
        assert_eq!(files.temporary, vec![leftover.clone()]);
        let done = compact(&live, &journal, &AtomicBool::new(false), 0).unwrap();
        assert_eq!(done.seq, seq, "the compaction cuts at the received snapshot's seq");
        assert_eq!(
            std::fs::read(&receiving).unwrap(),
            b"the first bytes of the primary's snapshot",
            "the file being received was written or replaced"
        );
        assert!(!leftover.exists(), "the compactor's own leftover is removed");
        // And `remove_obsolete` on its own, as after every compaction.
        let manifest = Manifest::read(&directory).unwrap().unwrap().unwrap();
        remove_obsolete(&directory, &manifest).unwrap();
        assert!(receiving.exists());
        journal.shutdown();
    }

    #[test]
    fn pause_stops_when_abandoned() {
        let abandon = AtomicBool::new(true);
        let started = Instant::now();
        pause(Duration::from_secs(60), &abandon);
        assert!(started.elapsed() < Duration::from_secs(1));
    }
}
