//! The journal writer: connections append encoded records to a shared buffer; one dedicated
//! thread writes everything queued with one `write`, and `fdatasync`s as the mode asks, so no
//! async worker ever blocks on disk I/O (DESIGN.md section 4).
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::record::{encode_record, Effect};
use super::segment::{segment_file_name, SegmentHeader};

/// When a reply may be sent, and what a crash can lose (README, "Persistence").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsyncMode {
    /// Reply after `fdatasync`: nothing acknowledged is ever lost.
    Always,
    /// Reply after `write`; `fdatasync` at least every persistence interval.
    Interval,
    /// Reply at once; write and sync every persistence interval.
    No,
}

impl FsyncMode {
    /// Parses `always`, `interval` (and Redis's `everysec`), `no`.
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "always" => Some(Self::Always),
            "interval" | "everysec" => Some(Self::Interval),
            "no" => Some(Self::No),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Always => "always",
            Self::Interval => "everysec",
            Self::No => "no",
        }
    }

    fn from_u64(n: u64) -> Self {
        match n {
            0 => Self::Always,
            2 => Self::No,
            _ => Self::Interval,
        }
    }

    fn to_u64(self) -> u64 {
        match self {
            Self::Always => 0,
            Self::Interval => 1,
            Self::No => 2,
        }
    }
}

/// Records queued for the writer thread.
struct Pending {
    buffer: Vec<u8>,
    next_seq: u64,
    /// Set when a write or sync failed; writes are refused (MISCONF) until it clears.
    failure: Option<String>,
    shutdown: bool,
}

/// Progress the writer publishes.
pub struct Progress {
    pub written_seq: AtomicU64,
    pub synced_seq: AtomicU64,
    pub last_sync_unix_ms: AtomicU64,
    pub bytes_written: AtomicU64,
}

struct Shared {
    pending: Mutex<Pending>,
    wake: Condvar,
    progress: Progress,
    /// Woken after every write and every sync.
    advanced: Notify,
    mode: AtomicU64,
    /// Mirrors `Pending::failure.is_some()`, read on every write command without a lock.
    failed: AtomicBool,
    /// Someone waits for a sync (WAITAOF, shutdown): sync now rather than at the interval.
    sync_requested: AtomicBool,
}

/// The journal of one server.
pub struct Journal {
    shared: Arc<Shared>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    pub directory: PathBuf,
}

/// Largest segment before the writer starts a new one.
pub const SEGMENT_BYTES_MAX: u64 = 256 * 1024 * 1024;

fn lock(pending: &Mutex<Pending>) -> MutexGuard<'_, Pending> {
    // A panic while holding this lock is a bug in this file; the data is still consistent
    // (a Vec and counters), so keep going rather than poison every writer.
    pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Journal {
    /// Starts the writer on `segment`, continuing after `last_seq`.
    pub fn start(
        directory: &Path,
        segment: ActiveSegment,
        last_seq: u64,
        mode: FsyncMode,
        interval: Duration,
    ) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending {
                buffer: Vec::with_capacity(1 << 20),
                next_seq: last_seq + 1,
                failure: None,
                shutdown: false,
            }),
            wake: Condvar::new(),
            progress: Progress {
                written_seq: AtomicU64::new(last_seq),
                synced_seq: AtomicU64::new(last_seq),
                last_sync_unix_ms: AtomicU64::new(crate::clock::unix_ms_now()),
                bytes_written: AtomicU64::new(segment.end),
            },
            advanced: Notify::new(),
            mode: AtomicU64::new(mode.to_u64()),
            failed: AtomicBool::new(false),
            sync_requested: AtomicBool::new(false),
        });
        let thread_shared = shared.clone();
        let dir = directory.to_path_buf();
        let thread =
            std::thread::Builder::new().name("allydb-journal".into()).spawn(move || {
                writer_loop(&thread_shared, &dir, segment, interval);
            })?;
        Ok(Self { shared, thread: Mutex::new(Some(thread)), directory: directory.to_path_buf() })
    }

    /// Queues the record of one command and returns its sequence number. While the journal
    /// is failing, write commands are refused before they run (`failure`); the few records
    /// that still arrive (a command that passed the check just before the failure, expired
    /// keys) are kept and written by the repair, so the journal never misses a change that
    /// memory has.
    pub fn append(&self, effects: &[Effect<&[u8]>]) -> u64 {
        let mut pending = lock(&self.shared.pending);
        let seq = pending.next_seq;
        let was_empty = pending.buffer.is_empty();
        encode_record(seq, effects, &mut pending.buffer);
        pending.next_seq += 1;
        drop(pending);
        if was_empty {
            self.shared.wake.notify_one();
        }
        seq
    }

    /// Why writes are refused, if they are.
    pub fn failure(&self) -> Option<String> {
        if !self.shared.failed.load(Ordering::Acquire) {
            return None;
        }
        lock(&self.shared.pending).failure.clone()
    }

    pub fn mode(&self) -> FsyncMode {
        FsyncMode::from_u64(self.shared.mode.load(Ordering::Relaxed))
    }

    pub fn set_mode(&self, mode: FsyncMode) {
        self.shared.mode.store(mode.to_u64(), Ordering::Relaxed);
        self.shared.wake.notify_one();
    }

    pub fn progress(&self) -> &Progress {
        &self.shared.progress
    }

    /// The last sequence number handed out.
    pub fn last_seq(&self) -> u64 {
        lock(&self.shared.pending).next_seq - 1
    }

    /// Whether `seq` is as durable as the current mode promises before a reply.
    pub fn is_durable(&self, seq: u64) -> bool {
        let progress = &self.shared.progress;
        match self.mode() {
            FsyncMode::Always => progress.synced_seq.load(Ordering::Acquire) >= seq,
            FsyncMode::Interval => progress.written_seq.load(Ordering::Acquire) >= seq,
            FsyncMode::No => true,
        }
    }

    /// Waits until `seq` is as durable as the mode promises (or the journal failed).
    pub async fn wait_durable(&self, seq: u64) {
        loop {
            let advanced = self.shared.advanced.notified();
            tokio::pin!(advanced);
            advanced.as_mut().enable();
            if self.is_durable(seq) || self.failure().is_some() {
                return;
            }
            advanced.await;
        }
    }

    /// Waits until `seq` is on disk (`fdatasync`ed), whatever the mode (WAITAOF, SHUTDOWN).
    pub async fn wait_synced(&self, seq: u64) {
        loop {
            let advanced = self.shared.advanced.notified();
            tokio::pin!(advanced);
            advanced.as_mut().enable();
            if self.shared.progress.synced_seq.load(Ordering::Acquire) >= seq
                || self.failure().is_some()
            {
                return;
            }
            self.shared.sync_requested.store(true, Ordering::Release);
            // Take the lock so the writer is either before its check or inside its wait.
            drop(lock(&self.shared.pending));
            self.shared.wake.notify_one();
            advanced.await;
        }
    }

    /// Writes and syncs everything queued, then stops the writer thread.
    pub fn shutdown(&self) {
        lock(&self.shared.pending).shutdown = true;
        self.shared.wake.notify_one();
        let handle = self.thread.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }
}

/// Space reserved ahead of the records with `fallocate`, so a sync does not also have to
/// allocate blocks (each `fdatasync` is then about 30% cheaper on ext4, measured). The
/// reservation doubles with the segment, from 1 MiB up to 64 MiB, so a small journal stays
/// small on disk.
pub const PREALLOCATE_BYTES_MIN: u64 = 1024 * 1024;
pub const PREALLOCATE_BYTES_MAX: u64 = 64 * 1024 * 1024;

/// Written but unsynced bytes beyond which the writer syncs early, whatever the interval: it
/// bounds the copy kept for repairs (and what a power loss could take).
pub const UNSYNCED_BYTES_MAX: usize = 64 * 1024 * 1024;

/// How often a failed journal tries to write again.
const REPAIR_INTERVAL: Duration = Duration::from_secs(1);

/// Creates segment `journal-<first_seq>.log` with its header, synced, and syncs the directory
/// so the new name survives a crash.
pub fn create_segment(directory: &Path, first_seq: u64) -> std::io::Result<File> {
    let path = directory.join(segment_file_name(first_seq));
    let mut file = OpenOptions::new().create_new(true).read(true).write(true).open(&path)?;
    file.write_all(&SegmentHeader { first_seq }.encode())?;
    file.sync_data()?;
    File::open(directory)?.sync_all()?;
    Ok(file)
}

/// The segment being written. Records end at `end`; the file may run on past it with
/// preallocated zeros, which never decode as a record (docs/FORMAT.md, "Segments").
pub struct ActiveSegment {
    file: File,
    end: u64,
    allocated: u64,
}

impl ActiveSegment {
    /// `file` is open for writing; its records end at `end`.
    pub fn new(file: File, end: u64) -> std::io::Result<Self> {
        let allocated = file.metadata()?.len();
        Ok(Self { file, end, allocated })
    }

    /// Writes `bytes` at `offset` (positional: a retry rewrites the same range).
    fn write_at(&mut self, offset: u64, bytes: &[u8]) -> std::io::Result<()> {
        let needed = offset.saturating_add(bytes.len() as u64);
        if needed > self.allocated {
            let ahead = needed.clamp(PREALLOCATE_BYTES_MIN, PREALLOCATE_BYTES_MAX);
            let target = needed.saturating_add(ahead);
            let flags = rustix::fs::FallocateFlags::empty();
            match rustix::fs::fallocate(&self.file, flags, self.allocated, target - self.allocated)
            {
                Ok(()) => self.allocated = target,
                // Not every filesystem preallocates; the write below still extends the file,
                // and a full disk shows up as the write's own error.
                Err(error) => tracing::debug!("journal preallocation failed: {error}"),
            }
        }
        self.file.write_all_at(bytes, offset)?;
        self.allocated = self.allocated.max(needed);
        Ok(())
    }

    /// Gives back the preallocated space past the records (a segment that is complete).
    fn trim(&mut self) -> std::io::Result<()> {
        if self.allocated > self.end {
            self.file.set_len(self.end)?;
            self.file.sync_all()?;
            self.allocated = self.end;
        }
        Ok(())
    }
}

/// The writer thread's own state.
struct Writer<'a> {
    shared: &'a Shared,
    directory: &'a Path,
    segment: ActiveSegment,
    /// Everything written since the last successful sync, starting at `synced_end`: a failed
    /// write or `fdatasync` is repaired by writing it again (after a failed `fdatasync` the
    /// page cache may have dropped it), so the journal always matches memory.
    unsynced: Vec<u8>,
    synced_end: u64,
    last_sync: Instant,
    interval: Duration,
    failed: bool,
}

fn writer_loop(shared: &Shared, directory: &Path, segment: ActiveSegment, interval: Duration) {
    let synced_end = segment.end;
    let mut writer = Writer {
        shared,
        directory,
        segment,
        unsynced: Vec::new(),
        synced_end,
        last_sync: Instant::now(),
        interval,
        failed: false,
    };
    let mut spare: Vec<u8> = Vec::with_capacity(1 << 20);
    loop {
        let (batch_last_seq, shutdown) = writer.wait_for_work(&mut spare);
        if writer.failed {
            writer.unsynced.extend_from_slice(&spare);
            writer.repair(batch_last_seq);
        } else {
            writer.write_batch(&spare, batch_last_seq);
            writer.sync_if_due(shutdown);
        }
        spare.clear();
        if spare.capacity() > 64 << 20 {
            spare = Vec::with_capacity(1 << 20);
        }
        if shutdown && lock(&shared.pending).buffer.is_empty() {
            if writer.failed {
                tracing::error!("journal still failing at shutdown; unsynced writes are lost");
            }
            return;
        }
        writer.roll_if_full();
    }
}

impl Writer<'_> {
    /// Waits until records are queued, a sync is due, a repair is due or shutdown; swaps the
    /// queued records into `spare`. Returns the last queued sequence number and shutdown.
    fn wait_for_work(&self, spare: &mut Vec<u8>) -> (u64, bool) {
        let shared = self.shared;
        let mut pending = lock(&shared.pending);
        loop {
            let since_sync = self.last_sync.elapsed();
            let unsynced = shared.progress.synced_seq.load(Ordering::Relaxed)
                < shared.progress.written_seq.load(Ordering::Relaxed);
            let sync_due = unsynced
                && (since_sync >= self.interval || shared.sync_requested.load(Ordering::Acquire));
            let repair_due = self.failed && since_sync >= REPAIR_INTERVAL;
            let queued = !pending.buffer.is_empty() && !self.failed;
            if queued || pending.shutdown || sync_due || repair_due {
                break;
            }
            let period = if self.failed { REPAIR_INTERVAL } else { self.interval };
            let wait = period.saturating_sub(since_sync).max(Duration::from_millis(1));
            pending = shared
                .wake
                .wait_timeout(pending, wait)
                .map(|(guard, _)| guard)
                .unwrap_or_else(|e| e.into_inner().0);
        }
        std::mem::swap(&mut pending.buffer, spare);
        (pending.next_seq - 1, pending.shutdown)
    }

    fn write_batch(&mut self, batch: &[u8], batch_last_seq: u64) {
        if batch.is_empty() {
            return;
        }
        self.unsynced.extend_from_slice(batch);
        if let Err(error) = self.segment.write_at(self.segment.end, batch) {
            self.fail(&error);
            return;
        }
        self.segment.end += batch.len() as u64;
        let progress = &self.shared.progress;
        progress.bytes_written.store(self.segment.end, Ordering::Relaxed);
        progress.written_seq.store(batch_last_seq, Ordering::Release);
        self.shared.advanced.notify_waiters();
    }

    fn sync_if_due(&mut self, shutdown: bool) {
        let progress = &self.shared.progress;
        let written = progress.written_seq.load(Ordering::Relaxed);
        if self.failed || progress.synced_seq.load(Ordering::Relaxed) >= written {
            return;
        }
        let mode = FsyncMode::from_u64(self.shared.mode.load(Ordering::Relaxed));
        let requested = self.shared.sync_requested.swap(false, Ordering::AcqRel);
        let due = mode == FsyncMode::Always
            || shutdown
            || requested
            || self.last_sync.elapsed() >= self.interval
            || self.unsynced.len() > UNSYNCED_BYTES_MAX;
        if !due {
            return;
        }
        if let Err(error) = self.segment.file.sync_data() {
            self.fail(&error);
            return;
        }
        self.synced(written);
    }

    /// Records that everything up to `seq` (ending at the segment's end) is on disk.
    fn synced(&mut self, seq: u64) {
        self.last_sync = Instant::now();
        self.synced_end = self.segment.end;
        self.unsynced.clear();
        if self.unsynced.capacity() > 2 * UNSYNCED_BYTES_MAX {
            self.unsynced = Vec::new();
        }
        let progress = &self.shared.progress;
        progress.synced_seq.store(seq, Ordering::Release);
        progress.last_sync_unix_ms.store(crate::clock::unix_ms_now(), Ordering::Relaxed);
        self.shared.advanced.notify_waiters();
    }

    /// After a failure: writes everything since the last good sync again, at the same
    /// offset, and syncs it. On success the journal accepts writes again.
    fn repair(&mut self, batch_last_seq: u64) {
        self.last_sync = Instant::now();
        let result = self
            .segment
            .write_at(self.synced_end, &self.unsynced)
            .and_then(|()| self.segment.file.sync_data());
        if let Err(error) = result {
            tracing::debug!("journal repair failed: {error}");
            return;
        }
        self.segment.end = self.synced_end + self.unsynced.len() as u64;
        let progress = &self.shared.progress;
        progress.bytes_written.store(self.segment.end, Ordering::Relaxed);
        progress.written_seq.store(batch_last_seq, Ordering::Release);
        self.synced(batch_last_seq);
        self.failed = false;
        lock(&self.shared.pending).failure = None;
        self.shared.failed.store(false, Ordering::Release);
        tracing::warn!(
            "journal writes succeed again (up to seq {batch_last_seq}); accepting writes"
        );
        // Records queued while failing are waiting: take them on the next round.
        self.shared.wake.notify_one();
    }

    fn fail(&mut self, error: &std::io::Error) {
        self.failed = true;
        self.last_sync = Instant::now();
        let message = format!("Errors writing to the AOF file: {}", describe(error));
        tracing::error!("{message}; writes are refused until the journal can be written again");
        lock(&self.shared.pending).failure = Some(message);
        self.shared.failed.store(true, Ordering::Release);
        self.shared.advanced.notify_waiters();
    }

    /// Starts a new segment once the current one is over the size limit and fully synced.
    fn roll_if_full(&mut self) {
        let progress = &self.shared.progress;
        let written = progress.written_seq.load(Ordering::Relaxed);
        let all_synced = progress.synced_seq.load(Ordering::Relaxed) == written;
        if self.failed || self.segment.end < SEGMENT_BYTES_MAX || !all_synced {
            return;
        }
        if let Err(error) = self.segment.trim() {
            tracing::warn!("cannot trim the full journal segment: {error}");
        }
        let next = create_segment(self.directory, written + 1)
            .and_then(|file| ActiveSegment::new(file, SegmentHeader::ENCODED_BYTES as u64));
        match next {
            Ok(segment) => {
                self.segment = segment;
                self.synced_end = self.segment.end;
            }
            Err(error) => tracing::warn!("cannot start a new journal segment: {error}"),
        }
    }
}

/// An I/O error as Redis's strerror text ("No space left on device"), without Rust's
/// " (os error 28)" suffix.
fn describe(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error") {
        Some(at) => text.get(..at).unwrap_or(&text).to_string(),
        None => text,
    }
}
