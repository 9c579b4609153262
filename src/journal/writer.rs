//! The journal writer: connections append encoded records to a shared buffer; one dedicated
//! thread writes everything queued with one `write`, and `fdatasync`s as the mode asks, so no
//! async worker ever blocks on disk I/O (DESIGN.md section 4).
use std::fs::{File, OpenOptions};
use std::io::Write;
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
    /// Starts the writer on `segment` (already open for appending, positioned at its end,
    /// `segment_bytes` long), continuing after `last_seq`.
    pub fn start(
        directory: &Path,
        segment: File,
        segment_bytes: u64,
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
                bytes_written: AtomicU64::new(segment_bytes),
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
                writer_loop(&thread_shared, &dir, segment, segment_bytes, interval);
            })?;
        Ok(Self { shared, thread: Mutex::new(Some(thread)), directory: directory.to_path_buf() })
    }

    /// Queues the record of one command; returns its sequence number, or None when the
    /// journal has failed (the caller's command is then refused before it runs, see
    /// `failure`).
    pub fn append(&self, effects: &[Effect<&[u8]>]) -> Option<u64> {
        let mut pending = lock(&self.shared.pending);
        if pending.failure.is_some() {
            return None;
        }
        let seq = pending.next_seq;
        let was_empty = pending.buffer.is_empty();
        encode_record(seq, effects, &mut pending.buffer);
        pending.next_seq += 1;
        drop(pending);
        if was_empty {
            self.shared.wake.notify_one();
        }
        Some(seq)
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
        if seq == u64::MAX {
            return false; // a record that could not be queued (see Context::journal)
        }
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

/// Creates segment `journal-<first_seq>.log` with its header, synced, and syncs the directory
/// so the new name survives a crash.
pub fn create_segment(directory: &Path, first_seq: u64) -> std::io::Result<File> {
    let path = directory.join(segment_file_name(first_seq));
    let mut file = OpenOptions::new().create_new(true).append(true).open(&path)?;
    file.write_all(&SegmentHeader { first_seq }.encode())?;
    file.sync_data()?;
    File::open(directory)?.sync_all()?;
    Ok(file)
}

fn writer_loop(
    shared: &Shared,
    directory: &Path,
    mut file: File,
    mut size: u64,
    interval: Duration,
) {
    let mut spare: Vec<u8> = Vec::with_capacity(1 << 20);
    let mut last_sync = Instant::now();
    loop {
        let (batch_last_seq, shutdown) = {
            let mut pending = lock(&shared.pending);
            loop {
                let unsynced = shared.progress.synced_seq.load(Ordering::Relaxed)
                    < shared.progress.written_seq.load(Ordering::Relaxed);
                let sync_due = unsynced
                    && (last_sync.elapsed() >= interval
                        || shared.sync_requested.load(Ordering::Acquire));
                if !pending.buffer.is_empty() || pending.shutdown || sync_due {
                    break;
                }
                let wait =
                    interval.saturating_sub(last_sync.elapsed()).max(Duration::from_millis(1));
                pending = shared
                    .wake
                    .wait_timeout(pending, wait)
                    .map(|(guard, _)| guard)
                    .unwrap_or_else(|e| e.into_inner().0);
            }
            std::mem::swap(&mut pending.buffer, &mut spare);
            (pending.next_seq - 1, pending.shutdown)
        };
        let mode = FsyncMode::from_u64(shared.mode.load(Ordering::Relaxed));
        if !spare.is_empty() {
            if let Err(error) = file.write_all(&spare) {
                fail(shared, format!("Errors writing to the AOF file: {error}"));
                return;
            }
            size += spare.len() as u64;
            shared.progress.bytes_written.store(size, Ordering::Relaxed);
            shared.progress.written_seq.store(batch_last_seq, Ordering::Release);
            spare.clear();
            if spare.capacity() > 64 << 20 {
                spare = Vec::with_capacity(1 << 20);
            }
            shared.advanced.notify_waiters();
        }
        let written = shared.progress.written_seq.load(Ordering::Relaxed);
        let unsynced = shared.progress.synced_seq.load(Ordering::Relaxed) < written;
        let requested = shared.sync_requested.swap(false, Ordering::AcqRel);
        if unsynced
            && (mode == FsyncMode::Always
                || shutdown
                || requested
                || last_sync.elapsed() >= interval)
        {
            // A failed fsync is never retried: the page cache may have dropped the data.
            if let Err(error) = file.sync_data() {
                fail(shared, format!("Errors writing to the AOF file: {error}"));
                return;
            }
            last_sync = Instant::now();
            shared.progress.synced_seq.store(written, Ordering::Release);
            shared.progress.last_sync_unix_ms.store(crate::clock::unix_ms_now(), Ordering::Relaxed);
            shared.advanced.notify_waiters();
        }
        if shutdown && lock(&shared.pending).buffer.is_empty() {
            return;
        }
        if size >= SEGMENT_BYTES_MAX && synced_everything(shared) {
            match create_segment(directory, written + 1) {
                Ok(next) => {
                    file = next;
                    size = SegmentHeader::ENCODED_BYTES as u64;
                }
                Err(error) => tracing::warn!("cannot start a new journal segment: {error}"),
            }
        }
    }
}

fn synced_everything(shared: &Shared) -> bool {
    shared.progress.synced_seq.load(Ordering::Relaxed)
        == shared.progress.written_seq.load(Ordering::Relaxed)
}

fn fail(shared: &Shared, message: String) {
    tracing::error!("{message}; writes are refused until the server restarts");
    lock(&shared.pending).failure = Some(message);
    shared.failed.store(true, Ordering::Release);
    shared.advanced.notify_waiters();
}
