//! The journal writer: connections append encoded records to a shared buffer; one dedicated
//! thread writes everything queued with one `write`, and `fdatasync`s as the mode asks. The
//! exception, with the write state held: a serving thread that runs out of work writes the
//! queue itself (`Journal::end_of_turn`: in `interval` mode one `write`, never an
//! `fdatasync`; in `always` mode a write, and for a short turn a sync, blocking as
//! redis-server's event loop does, where a long turn's sync goes to the writer thread), and
//! so does a connection that waited `TURN_WAIT_MAX` for that, or any connection of a runtime
//! without the park hook (`Journal::write_now`).
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::outbox::{Delivery, Outbox};
use super::record::{encode_batch_record, encode_record, Effect, EffectBatch};
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

/// What a compaction asks of the writer thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WriterRequest {
    /// Sync, then start a new segment.
    Roll,
    /// Write and sync everything queued.
    Sync,
    /// Start the journal over after `seq` (a replica's full resync): drop every segment
    /// that starts after it and continue in a new one. `live_from` is the first segment the
    /// MANIFEST in force names.
    Reset { seq: u64, live_from: u64 },
}

/// Records queued for the writer thread.
struct Pending {
    buffer: Vec<u8>,
    next_seq: u64,
    /// Which history `next_seq` counts in: one more at each `reset_after`.
    history: u64,
    /// Set when a write or sync failed; writes are refused (MISCONF) until it clears.
    failure: Option<String>,
    shutdown: bool,
    /// A compaction waits for a sync, or a sync and a new segment (`Journal::roll`,
    /// `Journal::sync_queued`): the writer answers here.
    request: Option<(WriterRequest, std::sync::mpsc::Sender<Result<u64, String>>)>,
}

/// Progress the writer publishes.
pub struct Progress {
    pub written_seq: AtomicU64,
    pub synced_seq: AtomicU64,
    pub last_sync_unix_ms: AtomicU64,
    /// Where the active segment's records end.
    pub bytes_written: AtomicU64,
    /// Bytes of the live segments before the active one (they shrink when a compaction
    /// removes segments: `Journal::segments_removed`).
    pub closed_bytes: AtomicU64,
    /// Capacity of the queue's buffer (`Pending::buffer`), kept by `append`.
    pub queued_capacity_bytes: AtomicU64,
    /// Capacity of the writer's buffers (the batch being written and the unsynced copy).
    pub written_capacity_bytes: AtomicU64,
}

struct Shared {
    pending: Mutex<Pending>,
    /// The segment and what writing it needs; lock order: `state`, then `pending`.
    state: parking_lot::Mutex<WriteState>,
    wake: Condvar,
    progress: Progress,
    /// Woken after every write and every sync.
    advanced: Notify,
    /// The writer thread's wake for `Journal::relay_wakes`, a task on the serving runtime
    /// that wakes `advanced`'s waiters there: a task woken from outside its runtime costs that
    /// runtime a `write` to its event descriptor, one per connection woken, where this costs
    /// one per sync.
    relay: Notify,
    /// `Journal::relay_wakes` runs.
    relay_running: AtomicBool,
    /// Times the writer thread went to sleep.
    #[cfg(test)]
    waits: AtomicU64,
    mode: AtomicU64,
    /// Mirrors `Pending::failure.is_some()`, read on every write command without a lock.
    failed: AtomicBool,
    /// Someone waits for a sync (WAITAOF, shutdown): sync now rather than at the interval.
    sync_requested: AtomicBool,
    /// The writer thread sleeps on `wake` (set and cleared under the `pending` lock). A
    /// connection whose record is queued wakes it only then: a busy writer takes the queue
    /// when it is done, and in `always` mode every waiting connection used to pay a lock and
    /// a futex call for nothing (about one per request at pipeline 1).
    writer_waiting: AtomicBool,
    /// Records are queued that no one has taken yet (set and cleared under the `pending`
    /// lock, read without it by `Journal::end_of_turn` on every park of a serving thread).
    queued: AtomicBool,
    /// The records came within half of `journal-zeros-ahead` of the zeros' end
    /// (`ActiveSegment::wants_zeros`): the writer thread writes more.
    zeros_wanted: AtomicBool,
    /// The serving threads call `Journal::end_of_turn` when they run out of work
    /// (`TurnEnd`): in `always` mode they then sync the turn's records themselves, so a
    /// record queued in a turn need not wake the writer thread.
    turn_hooked: AtomicBool,
    /// Replies waiting for the sync of their records (`Journal::hand_over`), sent by
    /// whichever thread runs it.
    outbox: Outbox,
    /// Mirrors `Pending::history` (set under the `pending` lock), read without it.
    history: AtomicU64,
    /// The writer thread's sync without the state (`sync_released`) runs: set and cleared
    /// holding the state's lock, so a serving thread that holds it knows whether to sync.
    released_sync: AtomicBool,
}

/// Where a client's latest record stands: its sequence number, in the journal's history
/// then. A replica's full resync starts the numbers over after the primary's snapshot
/// (`Journal::reset_after`), often lower; a record of an earlier history was synced before
/// that reset, so it never waits for the new history's numbers to pass its own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mark {
    pub history: u64,
    /// 0: no record.
    pub seq: u64,
}

impl Mark {
    /// The later of two marks: a later history's, or the higher number in the same one.
    pub fn later(self, other: Mark) -> Mark {
        if (other.history, other.seq) > (self.history, self.seq) {
            other
        } else {
            self
        }
    }
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
        closed_bytes: u64,
        mode: FsyncMode,
        interval: Duration,
        zeros_ahead: u64,
    ) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending {
                buffer: Vec::with_capacity(1 << 20),
                next_seq: last_seq + 1,
                history: 0,
                failure: None,
                shutdown: false,
                request: None,
            }),
            state: parking_lot::Mutex::new(WriteState {
                synced_end: segment.end,
                segment,
                unsynced: Vec::new(),
                batch: Vec::with_capacity(1 << 20),
                zeros_ahead,
                sync_unannounced: false,
            }),
            wake: Condvar::new(),
            progress: Progress {
                written_seq: AtomicU64::new(last_seq),
                synced_seq: AtomicU64::new(last_seq),
                last_sync_unix_ms: AtomicU64::new(crate::clock::unix_ms_now()),
                bytes_written: AtomicU64::new(0),
                closed_bytes: AtomicU64::new(closed_bytes),
                queued_capacity_bytes: AtomicU64::new(1 << 20),
                written_capacity_bytes: AtomicU64::new(1 << 20),
            },
            advanced: Notify::new(),
            relay: Notify::new(),
            relay_running: AtomicBool::new(false),
            #[cfg(test)]
            waits: AtomicU64::new(0),
            mode: AtomicU64::new(mode.to_u64()),
            failed: AtomicBool::new(false),
            sync_requested: AtomicBool::new(false),
            writer_waiting: AtomicBool::new(false),
            queued: AtomicBool::new(false),
            turn_hooked: AtomicBool::new(false),
            zeros_wanted: AtomicBool::new(false),
            outbox: Outbox::default(),
            history: AtomicU64::new(0),
            released_sync: AtomicBool::new(false),
        });
        let end = shared.state.lock().segment.end;
        shared.progress.bytes_written.store(end, Ordering::Relaxed);
        let thread_shared = shared.clone();
        let dir = directory.to_path_buf();
        let thread =
            std::thread::Builder::new().name("allydb-journal".into()).spawn(move || {
                writer_loop(&thread_shared, &dir, interval);
            })?;
        Ok(Self { shared, thread: Mutex::new(Some(thread)), directory: directory.to_path_buf() })
    }

    /// Queues the record of one command and returns its mark (`Mark`). While the journal
    /// is failing, write commands are refused before they run (`failure`); the few records
    /// that still arrive (a command that passed the check just before the failure, expired
    /// keys) are kept and written by the repair, so the journal never misses a change that
    /// memory has.
    pub fn append(&self, effects: &[Effect<&[u8]>]) -> Mark {
        let mut pending = lock(&self.shared.pending);
        let mark = Mark { history: pending.history, seq: pending.next_seq };
        let was_empty = pending.buffer.is_empty();
        encode_record(mark.seq, effects, &mut pending.buffer);
        self.queued_one(pending, was_empty);
        mark
    }

    /// Queues one record holding every effect of `batch` (a transaction's) and returns its
    /// mark, as `append` does for one command's effects.
    pub fn append_batch(&self, batch: &EffectBatch) -> Mark {
        let mut pending = lock(&self.shared.pending);
        let mark = Mark { history: pending.history, seq: pending.next_seq };
        let was_empty = pending.buffer.is_empty();
        encode_batch_record(mark.seq, batch, &mut pending.buffer);
        self.queued_one(pending, was_empty);
        mark
    }

    /// Queues `record`, already encoded with sequence number `seq`: a replica journals its
    /// primary's records under the primary's numbers. Refused unless `seq` is the next one.
    pub fn append_encoded(&self, seq: u64, record: &[u8]) -> Result<(), String> {
        let mut pending = lock(&self.shared.pending);
        if seq != pending.next_seq {
            return Err(format!(
                "record {seq} arrived where the journal expects {}",
                pending.next_seq
            ));
        }
        let was_empty = pending.buffer.is_empty();
        pending.buffer.extend_from_slice(record);
        self.queued_one(pending, was_empty);
        Ok(())
    }

    /// Starts the journal over after `seq` (a replica's full resync, `journal::resync`):
    /// syncs what was written, removes every segment that starts after `seq` (they hold
    /// another history) and continues in a new, empty segment from `seq + 1`. `live_from` is
    /// the MANIFEST in force's first segment: at every step a start still finds that MANIFEST
    /// a prefix of its history, with a live segment (see `WriteState::reset_after`). A
    /// segment from after `seq + 1` may be left, empty, for the caller to remove once the
    /// MANIFEST names `seq + 1`. Blocks the calling thread until the writer thread is done.
    pub fn reset_after(&self, seq: u64, live_from: u64) -> Result<(), String> {
        self.ask_writer(WriterRequest::Reset { seq, live_from }).map(|_| ())
    }

    /// Waits until a record after `seq` is written (while the journal fails, until the
    /// repair writes it).
    pub async fn wait_written_past(&self, seq: u64) {
        let written = &self.shared.progress.written_seq;
        self.wait_until(false, || written.load(Ordering::Acquire) > seq).await;
    }

    /// After a record was encoded into the queue: counts it, and wakes the writer when no
    /// one else will. In `interval` mode the serving thread writes at the end of its turn
    /// (`end_of_turn`; without the park hook the connection writes after its batch,
    /// `write_now`), and expired-key records wait for the next round; in `always` mode with
    /// the turn hook the serving thread syncs at the end of its turn.
    fn queued_one(&self, mut pending: MutexGuard<'_, Pending>, was_empty: bool) {
        pending.next_seq += 1;
        self.note_queued_capacity(&pending);
        if was_empty {
            self.shared.queued.store(true, Ordering::Release);
        }
        drop(pending);
        let mode = self.mode();
        let turn_syncs =
            mode == FsyncMode::Always && self.shared.turn_hooked.load(Ordering::Relaxed);
        if was_empty && mode != FsyncMode::Interval && !turn_syncs {
            self.wake_writer_if_waiting();
        }
    }

    /// Called by a serving thread that ran out of work and is about to sleep (the runtime's
    /// park hook, `TurnEnd`), and by a connection that waited `TURN_WAIT_MAX` for that. In
    /// `always` mode it writes every record queued (by any thread) with one `write`. A short
    /// turn (fewer than `PIPELINED_SYNC_RECORDS_MIN` records) is synced here too, blocking the
    /// thread meanwhile as redis-server blocks its event loop: the clients that send during
    /// the sync are read in the next turn, and all their records share the next sync; on a
    /// single serving thread nothing else is woken, on the way in or out. A long turn is
    /// synced by the writer thread while this one serves the next turn; the writer takes
    /// that turn's records as soon as its sync returns, and wakes the waiting connections
    /// through `relay_wakes`. Cheap when nothing is queued (three atomic loads), which is
    /// every park but the first after a write.
    ///
    /// When another thread holds the write state (another serving thread's sync, the writer
    /// thread's), this returns at once rather than wait behind an `fdatasync`: the records
    /// wait for the writer's next round, or for a later turn. Only one `fdatasync` of the
    /// segment runs at a time in this mode, always holding the state: Linux reports a failed
    /// write-back to one caller only, and two overlapping syncs could each take the other's
    /// success for its own.
    ///
    /// In `interval` mode it writes what the turn queued (no sync) with one `write`, as
    /// redis-server writes its AOF buffer once per event-loop turn: the turn's connections
    /// wait for it instead of each writing its own batch (`wait_durable`).
    pub fn end_of_turn(&self) {
        let shared = &*self.shared;
        if self.mode() == FsyncMode::Interval {
            // A failed journal is the writer thread's to repair: waking it at every park
            // would only spin it.
            if shared.queued.load(Ordering::Acquire) && !is_failed(shared) {
                self.write_now();
            }
            return;
        }
        let progress = &shared.progress;
        // Records written but not synced: left by the writer thread when the mode was just
        // switched to `always` (CONFIG SET appendfsync).
        if !shared.queued.load(Ordering::Acquire) && !has_unsynced(shared) {
            return;
        }
        // The writer thread handles the other modes, and repairs a failed journal.
        if self.mode() != FsyncMode::Always || is_failed(shared) {
            return;
        }
        // The writer thread is syncing: it takes what is queued when it is done.
        let Some(mut state) = shared.state.try_lock() else { return };
        let before = progress.written_seq.load(Ordering::Acquire);
        state.write_queued(shared);
        state.recycle_batch();
        if is_failed(shared) || !has_unsynced(shared) {
            return;
        }
        let records = progress.written_seq.load(Ordering::Acquire).saturating_sub(before);
        // Just switched from `interval` (CONFIG SET appendfsync always) while the writer
        // thread's periodic sync runs without the state: a second `fdatasync` of the segment
        // must not overlap it (Linux reports a failed write-back to one of them only, and
        // this one could take the other's failure for success). The writer syncs these
        // records, holding the state, as soon as its sync returns.
        if shared.released_sync.load(Ordering::Acquire) {
            return;
        }
        if records < PIPELINED_SYNC_RECORDS_MIN {
            state.sync(shared);
            return;
        }
        // A long turn: the writer thread syncs it while this thread serves the next one, whose
        // records it takes once the sync returns.
        drop(state);
        wake_writer(&self.shared);
    }

    /// Marks that the serving threads call `end_of_turn` when they park: set by the hook's
    /// first run, so a runtime without the hook (in-process test servers) keeps the writer
    /// thread doing every sync.
    fn turn_hooked(&self) {
        if !self.shared.turn_hooked.load(Ordering::Relaxed) {
            self.shared.turn_hooked.store(true, Ordering::Release);
        }
    }

    /// Wakes the writer thread if it sleeps, after a record was queued under the `pending`
    /// lock: the writer sets `writer_waiting` under that lock before it sleeps, so either it
    /// saw the record or the flag is set here.
    fn wake_writer_if_waiting(&self) {
        if self.shared.writer_waiting.load(Ordering::Acquire) {
            self.shared.wake.notify_one();
        }
    }

    fn note_queued_capacity(&self, pending: &Pending) {
        let capacity = pending.buffer.capacity() as u64;
        self.shared.progress.queued_capacity_bytes.store(capacity, Ordering::Relaxed);
    }

    /// What the buffers hold past their initial allocation (`IDLE_BUFFER_BYTES`): records
    /// queued or written and not yet synced, and up to 1 MiB of the unsynced copy's capacity
    /// kept after a sync. Redis's `mem_aof_buffer` is the same kind of figure (its AOF buffer
    /// is about nothing when idle): not counted against `maxmemory`, since evicting keys only
    /// adds to it.
    pub fn pending_bytes(&self) -> u64 {
        self.buffer_bytes().saturating_sub(IDLE_BUFFER_BYTES)
    }

    /// Bytes held in the journal's memory buffers: the queue's, the batch's and the unsynced
    /// copy's capacities.
    pub fn buffer_bytes(&self) -> u64 {
        let progress = &self.shared.progress;
        progress.queued_capacity_bytes.load(Ordering::Relaxed)
            + progress.written_capacity_bytes.load(Ordering::Relaxed)
    }

    /// In `interval` mode, writes the queued records on the calling thread when the writer
    /// is idle: one `write`, no thread hand-off, never behind an `fdatasync`. Otherwise (or
    /// when the writer is busy syncing) wakes the writer thread, which writes them.
    pub fn write_now(&self) {
        let inline = self.mode() == FsyncMode::Interval && !is_failed(&self.shared);
        if inline {
            if let Some(mut state) = self.shared.state.try_lock() {
                state.write_queued(&self.shared);
                state.recycle_batch();
                return;
            }
        }
        // Records are queued under the `pending` lock, and the writer sets `writer_waiting`
        // under it before it sleeps: either it saw this record queued, or the flag is set.
        self.wake_writer_if_waiting();
    }

    /// Syncs everything written and starts a new segment, so that every earlier segment can
    /// be dropped once a snapshot covers it; returns the new segment's first sequence number
    /// (the active one's when it holds no record yet). Blocks the calling thread (the
    /// compactor's) until the writer thread has done it.
    pub fn roll(&self) -> Result<u64, String> {
        self.ask_writer(WriterRequest::Roll)
    }

    /// Writes and syncs every record queued so far, whatever the mode; returns the last
    /// sequence number synced. Blocks the calling thread (the compactor's, which must not
    /// name a snapshot in the MANIFEST before the journal holds every record up to it).
    pub fn sync_queued(&self) -> Result<u64, String> {
        let target = self.last_seq();
        loop {
            // A request can reach the writer between its taking the queue and its looking
            // for requests: then it answers before the latest records are written; ask again.
            let synced = self.ask_writer(WriterRequest::Sync)?;
            if synced >= target {
                return Ok(synced);
            }
        }
    }

    fn ask_writer(&self, request: WriterRequest) -> Result<u64, String> {
        let (sender, receiver) = std::sync::mpsc::channel();
        {
            let mut pending = lock(&self.shared.pending);
            if let Some(failure) = &pending.failure {
                return Err(failure.clone());
            }
            if pending.shutdown {
                return Err("the journal is shutting down".into());
            }
            if pending.request.is_some() {
                return Err("another compaction is talking to the journal writer".into());
            }
            pending.request = Some((request, sender));
        }
        self.shared.wake.notify_one();
        receiver.recv().unwrap_or_else(|_| Err("the journal writer stopped".into()))
    }

    /// Bytes of every live segment.
    pub fn live_bytes(&self) -> u64 {
        let progress = &self.shared.progress;
        progress.closed_bytes.load(Ordering::Relaxed)
            + progress.bytes_written.load(Ordering::Relaxed)
    }

    /// Sets the bytes of the live segments before the active one (after a failed compaction
    /// recounted them on disk).
    pub fn set_closed_bytes(&self, bytes: u64) {
        self.shared.progress.closed_bytes.store(bytes, Ordering::Relaxed);
    }

    /// Accounts for segments a compaction removed.
    pub fn segments_removed(&self, bytes: u64) {
        let closed = &self.shared.progress.closed_bytes;
        let _ = closed
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |c| Some(c.saturating_sub(bytes)));
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
        // Replies handed over for a sync go back to their connections, which wait for what
        // the new mode promises instead (in `interval` mode, a second).
        if mode != FsyncMode::Always && self.shared.outbox.give_back_all() {
            self.shared.advanced.notify_waiters();
        }
        self.shared.wake.notify_one();
    }

    pub fn progress(&self) -> &Progress {
        &self.shared.progress
    }

    /// The last sequence number handed out.
    pub fn last_seq(&self) -> u64 {
        self.last_mark().seq
    }

    /// The mark of the last sequence number handed out (after a start or a reset, the last
    /// one replayed or the snapshot's).
    pub fn last_mark(&self) -> Mark {
        let pending = lock(&self.shared.pending);
        Mark { history: pending.history, seq: pending.next_seq - 1 }
    }

    /// `mark`'s sequence number in the current history; 0 for an earlier history's (synced
    /// before its reset, and not among the records replicas acknowledge now).
    pub fn seq_now(&self, mark: Mark) -> u64 {
        let history = self.shared.history.load(Ordering::Acquire);
        // A mark is made under the `pending` lock, after its history was published.
        debug_assert!(mark.history <= history, "a mark from a later history");
        if mark.history < history {
            0
        } else {
            mark.seq
        }
    }

    /// Whether `progress` (the written or the synced sequence number) covers `mark`.
    fn covers(&self, progress: &AtomicU64, mark: Mark) -> bool {
        let seq = self.seq_now(mark);
        progress.load(Ordering::Acquire) >= seq
    }

    /// Whether `mark`'s record is synced (WAITAOF's local count).
    pub fn is_synced(&self, mark: Mark) -> bool {
        self.covers(&self.shared.progress.synced_seq, mark)
    }

    /// Whether `mark`'s record is as durable as the current mode promises before a reply.
    pub fn is_durable(&self, mark: Mark) -> bool {
        match self.mode() {
            FsyncMode::Always => self.is_synced(mark),
            FsyncMode::Interval => self.covers(&self.shared.progress.written_seq, mark),
            FsyncMode::No => true,
        }
    }

    /// Waits until `mark`'s record is as durable as the mode promises (or the journal
    /// failed).
    pub async fn wait_durable(&self, mark: Mark) {
        // With the park hook, the end of the serving thread's turn writes (`interval`) or
        // writes and syncs (`always`) every connection's records at once.
        let turn_syncs =
            self.mode() != FsyncMode::No && self.shared.turn_hooked.load(Ordering::Acquire);
        if !turn_syncs && !self.is_durable(mark) {
            self.write_now();
        }
        self.wait_until(turn_syncs, || self.is_durable(mark) || self.failure().is_some()).await;
    }

    /// In `always` mode, takes `bytes` (a connection's replies to a batch that wrote records
    /// up to `mark`'s) to send on `socket` from the thread that syncs that record, the moment
    /// the sync returns (`outbox`), unless the client's `killed` flag is set by then; the
    /// connection waits for `wait_delivered`, then sends whatever the socket did not take.
    /// Gives the bytes back when there is nothing to wait for (another mode, the record
    /// synced already, a failed journal), when the outbox already holds `descriptors_max`
    /// socket duplicates, or when the socket cannot be duplicated.
    pub fn hand_over(
        &self,
        socket: &impl std::os::fd::AsFd,
        killed: &Arc<AtomicBool>,
        mark: Mark,
        bytes: Vec<u8>,
        descriptors_max: u64,
    ) -> Result<Arc<Delivery>, Vec<u8>> {
        // Checked again under the outbox's lock, which a sync, a failure, a mode change and
        // a reset each take after publishing theirs.
        let waits = || {
            self.mode() == FsyncMode::Always && !is_failed(&self.shared) && !self.is_durable(mark)
        };
        if !waits() {
            return Err(bytes);
        }
        self.shared.outbox.hand_over(socket, killed, mark.seq, bytes, descriptors_max, waits)
    }

    /// Waits until replies handed over (`hand_over`) were sent or given back.
    pub async fn wait_delivered(&self, delivery: &Delivery) {
        let turn_syncs = self.shared.turn_hooked.load(Ordering::Acquire);
        self.wait_until(turn_syncs, || delivery.is_done()).await;
    }

    /// Waits, woken by every write and sync, until `done`. `turn_syncs`: the serving
    /// threads' park hook writes and syncs; if this thread does not park soon, do that here.
    async fn wait_until(&self, turn_syncs: bool, done: impl Fn() -> bool) {
        loop {
            let advanced = self.shared.advanced.notified();
            tokio::pin!(advanced);
            advanced.as_mut().enable();
            if done() {
                return;
            }
            if !turn_syncs {
                advanced.await;
                continue;
            }
            if tokio::time::timeout(TURN_WAIT_MAX, advanced).await.is_err() {
                self.end_of_turn();
            }
        }
    }

    /// Waits until `mark`'s record is on disk (`fdatasync`ed), whatever the mode (WAITAOF).
    pub async fn wait_synced(&self, mark: Mark) {
        loop {
            let advanced = self.shared.advanced.notified();
            tokio::pin!(advanced);
            advanced.as_mut().enable();
            if self.is_synced(mark) || self.failure().is_some() {
                return;
            }
            self.shared.sync_requested.store(true, Ordering::Release);
            wake_writer(&self.shared);
            advanced.await;
        }
    }

    /// Wakes, on the runtime this task runs on, the connections waiting for the writer
    /// thread's writes and syncs (see `Shared::relay`); spawned by the server once, it runs
    /// as long as that runtime.
    pub async fn relay_wakes(self: Arc<Self>) {
        struct Running<'a>(&'a Shared);
        impl Drop for Running<'_> {
            fn drop(&mut self) {
                self.0.relay_running.store(false, Ordering::Release);
                self.0.advanced.notify_waiters();
            }
        }
        let shared = &*self.shared;
        shared.relay_running.store(true, Ordering::Release);
        let _running = Running(shared);
        loop {
            shared.relay.notified().await;
            shared.advanced.notify_waiters();
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

/// The link from a runtime's park hook to the server's journal, which starts only once
/// replay ended: the binary builds its runtime with `on_thread_park` calling `run`, and the
/// server attaches its journal when it starts. Until then (and without a journal) `run`
/// does nothing.
#[derive(Clone, Default)]
pub struct TurnEnd(Arc<std::sync::OnceLock<Arc<Journal>>>);

impl TurnEnd {
    /// A serving thread is about to park (`Journal::end_of_turn`). From the first call on,
    /// the serving threads sync their turns' records in `always` mode.
    pub fn run(&self) {
        if let Some(journal) = self.0.get() {
            journal.turn_hooked();
            journal.end_of_turn();
        }
    }

    /// Gives the hook the journal, once it started.
    pub fn attach(&self, journal: &Arc<Journal>) {
        let _ = self.0.set(journal.clone());
    }
}

/// The longest a connection waits for its turn's write (`interval`) or sync (`always`,
/// `end_of_turn`) before it does that itself: a serving thread that never runs out of work
/// never parks, so the park hook alone could leave a record waiting as long as the load
/// lasts.
pub const TURN_WAIT_MAX: Duration = Duration::from_millis(1);

/// Records a turn must have queued for `always` mode to sync it on the writer thread, the
/// serving thread going on with the next turn meanwhile, rather than on the serving thread
/// itself. A long turn (pipelined clients: SET at pipeline 16 queues up to 800 records per
/// turn) takes longer to serve than its `fdatasync`, and overlapping the two served 10-20 %
/// more requests; a short one (pipeline 1) is served in less time than its sync, and a third
/// busy thread beside the serving one and the clients cost 10-15 % there (docs/BENCHMARKS.md,
/// "Session of 2026-11-29").
pub const PIPELINED_SYNC_RECORDS_MIN: u64 = 128;

/// Space written with zeros and synced ahead of the records by the writer thread, so that
/// writing a record overwrites blocks the file already has and its `fdatasync` writes only
/// data. Records written into `fallocate`d (unwritten) space or past the end of the file make
/// each sync also write the extent or the inode; on this machine's ext4 a write and
/// `fdatasync` of 32 KiB took 171 µs into zeroed space against 268 µs into `fallocate`d space
/// and 230 µs at the end of the file, and `always` mode served 10-12 % more requests at
/// pipeline 1 (docs/BENCHMARKS.md, "Session of 2026-11-29, later"). The writer tops the zeros
/// up to `journal-zeros-ahead` (default `PREPARED_AHEAD_BYTES`) past the records once fewer
/// than half of that are left, in writes of `PREPARE_CHUNK_BYTES` (each holds the write state,
/// and the file's lock, for about 60 µs); a journal takes at most that much, rounded up to a
/// chunk, beyond its records on disk. 0 writes none: records extend the file.
pub const PREPARED_AHEAD_BYTES: u64 = 4 * 1024 * 1024;
/// Largest accepted `journal-zeros-ahead`.
pub const ZEROS_AHEAD_BYTES_MAX: u64 = 1024 * 1024 * 1024;
const PREPARE_CHUNK_BYTES: usize = 128 * 1024;

/// Written but unsynced bytes beyond which the writer syncs early, whatever the interval: it
/// bounds the copy kept for repairs (and what a power loss could take).
pub const UNSYNCED_BYTES_MAX: usize = 64 * 1024 * 1024;

/// Capacity a buffer keeps once emptied: a burst's buffers (tens of MB) go back to the
/// allocator (they are mmapped, so to the OS) instead of staying in the server's RSS.
const BUFFER_KEPT_BYTES: usize = 1 << 20;

/// What the journal's buffers hold allocated from the start: the queue's and the batch's
/// 1 MiB each (the unsynced copy starts empty). A fixed cost like any other allocation; only
/// what they grow past it is pending data (`Journal::pending_bytes`).
const IDLE_BUFFER_BYTES: u64 = 2 * BUFFER_KEPT_BYTES as u64;

/// How often a failed journal tries to write again.
const REPAIR_INTERVAL: Duration = Duration::from_secs(1);

/// Creates segment `journal-<first_seq>.log` with its header, synced, and syncs the directory
/// so the new name survives a crash.
pub fn create_segment(directory: &Path, first_seq: u64) -> std::io::Result<File> {
    let path = directory.join(segment_file_name(first_seq));
    let mut file = super::files::create_new(&path)?;
    file.write_all(&SegmentHeader { first_seq }.encode())?;
    file.sync_data()?;
    File::open(directory)?.sync_all()?;
    Ok(file)
}

/// The segment being written. Records end at `end`; the file may run on past it with
/// zeros written ahead (`journal-zeros-ahead`), which never decode as a record
/// (docs/FORMAT.md, "Segments").
pub struct ActiveSegment {
    file: File,
    /// The sequence number of the segment's first record.
    first_seq: u64,
    end: u64,
    /// The file's length: records, then zeros.
    allocated: u64,
    /// Writing zeros ahead failed (a full disk): records are written at the end of the file
    /// until the next segment.
    prepare_failed: bool,
}

impl ActiveSegment {
    /// `file` is open for writing, its first record is `first_seq` and its records end at
    /// `end`.
    pub fn new(file: File, first_seq: u64, end: u64) -> std::io::Result<Self> {
        let allocated = file.metadata()?.len();
        Ok(Self { file, first_seq, end, allocated, prepare_failed: false })
    }

    /// Whether the segment holds no record yet.
    fn is_empty(&self) -> bool {
        self.end <= SegmentHeader::ENCODED_BYTES as u64
    }

    /// Writes `bytes` at `offset` (positional: a retry rewrites the same range). Past the
    /// zeros written ahead it extends the file, which is correct, only slower to sync.
    fn write_at(&mut self, offset: u64, bytes: &[u8]) -> std::io::Result<()> {
        let result = self.file.write_all_at(bytes, offset);
        match &result {
            Ok(()) => {
                self.allocated = self.allocated.max(offset.saturating_add(bytes.len() as u64));
            }
            Err(_) => self.after_failed_write(),
        }
        result
    }

    /// After a write that failed, part of which may be in the file: zeros must never go over
    /// it, so the file's length (or, unknown, no length at all) is taken as allocated.
    fn after_failed_write(&mut self) {
        let length = self.file.metadata().map_or(u64::MAX, |metadata| metadata.len());
        self.allocated = self.allocated.max(length);
    }

    /// Whether the writer thread should write zeros, `ahead` bytes past the records.
    fn wants_zeros(&self, ahead: u64) -> bool {
        ahead > 0 && !self.prepare_failed && self.allocated.saturating_sub(self.end) < ahead / 2
    }

    /// Writes one chunk of zeros at the end of the file, if the records are less than `ahead`
    /// bytes from it; false when there is nothing more to write (or it failed).
    fn write_zeros(&mut self, ahead: u64) -> bool {
        static ZEROS: [u8; PREPARE_CHUNK_BYTES] = [0; PREPARE_CHUNK_BYTES];
        if self.prepare_failed || self.allocated >= self.end.saturating_add(ahead) {
            return false;
        }
        match self.file.write_all_at(&ZEROS, self.allocated) {
            Ok(()) => {
                self.allocated += PREPARE_CHUNK_BYTES as u64;
                true
            }
            Err(error) => {
                // Not fatal: records go on being written at the end of the file, and a full
                // disk shows up as their own write's error.
                tracing::debug!("cannot write zeros ahead of the journal's records: {error}");
                self.prepare_failed = true;
                self.after_failed_write();
                false
            }
        }
    }

    /// Gives back the zeros past the records (a segment that is complete).
    fn trim(&mut self) -> std::io::Result<()> {
        if self.allocated > self.end {
            self.file.set_len(self.end)?;
            self.file.sync_all()?;
            self.allocated = self.end;
        }
        Ok(())
    }
}

/// What writing needs, behind `Shared::state`. The writer thread holds it while it writes
/// and while it syncs; in `interval` mode a connection that finds it free writes the queued
/// records itself (`Journal::write_now`), so it never writes behind an `fdatasync` of the
/// same file (the ext4 stall DESIGN.md section 4 warns about) and never waits for a hand-off
/// when the writer is idle.
pub(crate) struct WriteState {
    segment: ActiveSegment,
    /// Everything written since the last successful sync, starting at `synced_end`: a failed
    /// write or `fdatasync` is repaired by writing it again (after a failed `fdatasync` the
    /// page cache may have dropped it), so the journal always matches memory.
    unsynced: Vec<u8>,
    synced_end: u64,
    /// The queued records being written (swapped with the queue's buffer).
    batch: Vec<u8>,
    /// `journal-zeros-ahead`: bytes of zeros kept written past the records.
    zeros_ahead: u64,
    /// The writer thread synced in this round: it sends the replies waiting for that sync
    /// and wakes the waiting connections once it lets go of the state (`writer_loop`).
    sync_unannounced: bool,
}

impl WriteState {
    /// Takes everything queued; returns the last sequence number taken and shutdown.
    fn take_queued(&mut self, shared: &Shared) -> (u64, bool) {
        // The previous batch is written (and kept in `unsynced` until synced), but the writer
        // thread releases the state during its sync before it recycles the batch
        // (`sync_released`): emptied here, a batch taken meanwhile by a connection
        // (`write_now`, `end_of_turn`) never swaps written records back into the queue,
        // where they would be written a second time, after later ones.
        self.batch.clear();
        let mut pending = lock(&shared.pending);
        std::mem::swap(&mut pending.buffer, &mut self.batch);
        shared.queued.store(false, Ordering::Release);
        let queued = pending.buffer.capacity() as u64;
        shared.progress.queued_capacity_bytes.store(queued, Ordering::Relaxed);
        self.note_capacity(shared);
        (pending.next_seq - 1, pending.shutdown)
    }

    /// Takes everything queued and writes it after the last record (a connection's or a
    /// turn's write: the writer thread repairs instead while the journal is failed).
    fn write_queued(&mut self, shared: &Shared) {
        let (batch_last_seq, _) = self.take_queued(shared);
        self.write_batch(shared, batch_last_seq, true);
    }

    fn recycle_batch(&mut self) {
        self.batch.clear();
        if self.batch.capacity() > BUFFER_KEPT_BYTES {
            self.batch = Vec::with_capacity(BUFFER_KEPT_BYTES);
        }
    }

    /// Publishes the capacity of the writer's buffers (`Journal::buffer_bytes`).
    fn note_capacity(&self, shared: &Shared) {
        let bytes = (self.batch.capacity() + self.unsynced.capacity()) as u64;
        shared.progress.written_capacity_bytes.store(bytes, Ordering::Relaxed);
    }

    /// Writes the taken batch after the last record.
    /// `notify`: wake the connections waiting for it (not when a sync follows at once).
    fn write_batch(&mut self, shared: &Shared, batch_last_seq: u64, notify: bool) {
        if self.batch.is_empty() {
            return;
        }
        self.unsynced.extend_from_slice(&self.batch);
        self.note_capacity(shared);
        if is_failed(shared) {
            // A failed write left `segment.end` before the bytes it could not write: writing
            // these there would leave a hole in the sequence on disk. The repair writes them
            // after the others (`fail` runs with the state held, so this check is current).
            return;
        }
        if let Err(error) = self.segment.write_at(self.segment.end, &self.batch) {
            fail(shared, &error);
            return;
        }
        self.segment.end += self.batch.len() as u64;
        let progress = &shared.progress;
        progress.bytes_written.store(self.segment.end, Ordering::Relaxed);
        progress.written_seq.store(batch_last_seq, Ordering::Release);
        if notify {
            wake_waiters(shared);
        }
        let wants_zeros = self.segment.wants_zeros(self.zeros_ahead);
        if wants_zeros && !shared.zeros_wanted.swap(true, Ordering::AcqRel) {
            wake_writer(shared);
        }
    }

    /// `fdatasync`s what is written; true on success.
    fn sync(&mut self, shared: &Shared) -> bool {
        #[cfg(test)]
        tests::SYNCS_ON_THIS_THREAD.with(|n| n.set(n.get() + 1));
        let written = shared.progress.written_seq.load(Ordering::Acquire);
        if let Err(error) = self.segment.file.sync_data() {
            fail(shared, &error);
            return false;
        }
        self.synced(shared, written, self.segment.end);
        true
    }

    /// Records that everything up to `seq`, ending at offset `end` of the segment, is on disk;
    /// what was written after `end` stays in `unsynced`.
    fn synced(&mut self, shared: &Shared, seq: u64, end: u64) {
        if end < self.synced_end {
            // A sync that returned after a sync of later records: that one covered it. (A
            // serving thread's turn no longer syncs while the writer's sync without the
            // state runs, `released_sync`, so this is a guard only.)
            return;
        }
        let done = usize::try_from(end.saturating_sub(self.synced_end)).unwrap_or(usize::MAX);
        self.unsynced.drain(..done.min(self.unsynced.len()));
        self.synced_end = end;
        if self.unsynced.is_empty() && self.unsynced.capacity() > BUFFER_KEPT_BYTES {
            self.unsynced = Vec::new();
        }
        self.note_capacity(shared);
        let progress = &shared.progress;
        progress.synced_seq.store(seq, Ordering::Release);
        progress.last_sync_unix_ms.store(crate::clock::unix_ms_now(), Ordering::Relaxed);
        // The replies waiting for this sync go out before anyone is woken. The writer thread
        // does both at the end of its round, once it let go of the state, so that a serving
        // thread's turn can write its records meanwhile.
        if ON_WRITER_THREAD.with(|on| on.get()) {
            self.sync_unannounced = true;
        } else {
            announce_sync(shared);
        }
    }

    /// After a failure: writes everything since the last good sync again, at the same
    /// offset, with the batch just taken, and syncs it. On success writes are accepted again.
    fn repair(&mut self, shared: &Shared, batch_last_seq: u64) {
        self.unsynced.extend_from_slice(&self.batch);
        let result = self
            .segment
            .write_at(self.synced_end, &self.unsynced)
            .and_then(|()| self.segment.file.sync_data());
        if let Err(error) = result {
            tracing::debug!("journal repair failed: {error}");
            return;
        }
        self.segment.end = self.synced_end + self.unsynced.len() as u64;
        let progress = &shared.progress;
        progress.bytes_written.store(self.segment.end, Ordering::Relaxed);
        progress.written_seq.store(batch_last_seq, Ordering::Release);
        self.synced(shared, batch_last_seq, self.segment.end);
        lock(&shared.pending).failure = None;
        shared.failed.store(false, Ordering::Release);
        tracing::warn!(
            "journal writes succeed again (up to seq {batch_last_seq}); accepting writes"
        );
    }

    /// Starts a new segment once the current one is over the size limit and fully synced.
    fn roll_if_full(&mut self, shared: &Shared, directory: &Path) {
        let progress = &shared.progress;
        let written = progress.written_seq.load(Ordering::Relaxed);
        if is_failed(shared) || self.segment.end < SEGMENT_BYTES_MAX {
            return;
        }
        // Connections may have written while the periodic sync ran without the state, so
        // under steady load the segment would never be found all synced: a full one is
        // synced here, holding the state, once per segment.
        let all_synced = progress.synced_seq.load(Ordering::Relaxed) == written;
        if !all_synced && !self.sync(shared) {
            return;
        }
        if let Err(error) = self.start_segment(shared, directory) {
            tracing::warn!("cannot start a new journal segment: {error}");
        }
    }

    /// Ends the current segment (trimmed to its records) and starts the next one; returns the
    /// active segment's first sequence number. Only once everything written is synced: a
    /// later segment must never be on disk ahead of an earlier one's records.
    fn start_segment(&mut self, shared: &Shared, directory: &Path) -> Result<u64, String> {
        let progress = &shared.progress;
        let written = progress.written_seq.load(Ordering::Relaxed);
        if is_failed(shared) {
            return Err("the journal cannot be written".into());
        }
        if progress.synced_seq.load(Ordering::Relaxed) != written {
            return Err("the journal is not synced".into());
        }
        if self.segment.is_empty() {
            return Ok(self.segment.first_seq);
        }
        if let Err(error) = self.segment.trim() {
            tracing::warn!("cannot trim the full journal segment: {error}");
        }
        let first_seq = written + 1;
        let closed = self.segment.end;
        let next = create_segment(directory, first_seq).and_then(|file| {
            ActiveSegment::new(file, first_seq, SegmentHeader::ENCODED_BYTES as u64)
        });
        match next {
            Ok(segment) => {
                self.segment = segment;
                self.synced_end = self.segment.end;
                progress.closed_bytes.fetch_add(closed, Ordering::Relaxed);
                progress.bytes_written.store(self.synced_end, Ordering::Relaxed);
                Ok(first_seq)
            }
            Err(error) => Err(format!("cannot start a new journal segment: {error}")),
        }
    }
}

impl WriteState {
    /// `Journal::reset_after`, on the writer thread (everything written is synced).
    ///
    /// # Crash safety
    /// Until the caller writes a new MANIFEST, the one in force (snapshot, segments from
    /// `live_from`) is what a start loads, so every step leaves it loadable:
    /// * segments after `seq` are removed from the last one down: a crash leaves the live
    ///   segments a prefix of their history, never one with a hole (refused at start);
    /// * when no live segment starts at or before `seq`, the first live one after it is
    ///   emptied (cut to its header) instead of removed: a MANIFEST naming a snapshot with no
    ///   segment at all is refused at start. An empty segment the snapshot covers loads as
    ///   that snapshot alone; one left past `seq + 1` after the switch is removed at start
    ///   as the empty leftover of an interrupted resync.
    fn reset_after(
        &mut self,
        shared: &Shared,
        directory: &Path,
        seq: u64,
        live_from: u64,
    ) -> Result<u64, String> {
        let progress = &shared.progress;
        if is_failed(shared) {
            return Err("the journal cannot be written".into());
        }
        if progress.synced_seq.load(Ordering::Relaxed)
            != progress.written_seq.load(Ordering::Relaxed)
            || !lock(&shared.pending).buffer.is_empty()
        {
            return Err("records are waiting to be written".into());
        }
        let text = |what: &str, error: std::io::Error| format!("cannot {what}: {error}");
        if let Err(error) = self.segment.trim() {
            tracing::warn!("cannot trim the journal segment: {error}");
        }
        let files =
            super::compactor::list_files(directory).map_err(|e| text("read the directory", e))?;
        let later: Vec<&(u64, PathBuf)> =
            files.segments.iter().filter(|(first, _)| *first > seq).collect();
        let keeps_live = files.segments.iter().any(|(first, _)| (live_from..=seq).contains(first));
        let emptied = if keeps_live {
            None
        } else {
            later.iter().find(|(first, _)| *first >= live_from).copied()
        };
        let mut removed = 0u64;
        for (first_seq, path) in later.iter().rev().copied() {
            if emptied.is_some_and(|(kept, _)| kept == first_seq) {
                continue;
            }
            tracing::info!("removing {} (another history, from {first_seq})", path.display());
            std::fs::remove_file(path).map_err(|e| text("remove a segment", e))?;
            // Each removal durable before the next: the last-first order is what keeps a
            // crash's leftovers a prefix, and unlinks need not reach the disk in order.
            super::compactor::sync_directory(directory)
                .map_err(|e| text("sync the directory", e))?;
            removed += 1;
            super::faults::numbered("reset-segment-removed", removed)
                .map_err(|e| text("remove a segment", e))?;
        }
        let reused = match emptied {
            Some((first_seq, path)) => {
                tracing::info!("emptying {} (another history, from {first_seq})", path.display());
                let file = std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(path)
                    .map_err(|e| text("open a segment", e))?;
                file.set_len(SegmentHeader::ENCODED_BYTES as u64)
                    .and_then(|()| file.sync_all())
                    .map_err(|e| text("empty a segment", e))?;
                super::faults::point("reset-segment-emptied")
                    .map_err(|e| text("empty a segment", e))?;
                // Already the segment the journal continues in: it holds nothing now.
                (*first_seq == seq + 1).then_some(file)
            }
            None => None,
        };
        let first_seq = seq + 1;
        let file = match reused {
            Some(file) => file,
            None => {
                create_segment(directory, first_seq).map_err(|e| text("create a segment", e))?
            }
        };
        self.segment = ActiveSegment::new(file, first_seq, SegmentHeader::ENCODED_BYTES as u64)
            .map_err(|e| text("open the new segment", e))?;
        self.synced_end = self.segment.end;
        self.unsynced.clear();
        progress.bytes_written.store(self.synced_end, Ordering::Relaxed);
        // Replies whose records are synced (all of them: nothing waits to be written) go
        // out. Then the numbers start over in a new history, which every earlier mark
        // counts as durable, and what a hand-over queued meanwhile goes back: after the
        // history changed, so none can be queued after this under an old number.
        shared.outbox.deliver(progress.synced_seq.load(Ordering::Acquire));
        progress.written_seq.store(seq, Ordering::Release);
        progress.synced_seq.store(seq, Ordering::Release);
        {
            let mut pending = lock(&shared.pending);
            pending.next_seq = first_seq;
            pending.history += 1;
            shared.history.store(pending.history, Ordering::Release);
        }
        shared.outbox.give_back_all();
        shared.advanced.notify_waiters();
        Ok(first_seq)
    }
}

thread_local! {
    /// Set on the writer thread (`writer_loop`).
    static ON_WRITER_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// After a sync: sends the replies waiting for it (`Outbox::deliver`), then wakes the
/// connections waiting for it.
fn announce_sync(shared: &Shared) {
    shared.outbox.deliver(shared.progress.synced_seq.load(Ordering::Acquire));
    wake_waiters(shared);
}

/// Wakes every connection waiting for a write or a sync: through `Journal::relay_wakes`
/// from the writer thread once it runs, directly otherwise.
fn wake_waiters(shared: &Shared) {
    if shared.relay_running.load(Ordering::Acquire) && ON_WRITER_THREAD.with(|on| on.get()) {
        shared.relay.notify_one();
    } else {
        shared.advanced.notify_waiters();
    }
}

/// Wakes the writer thread, if it sleeps, for work it finds only by looking (records written
/// but not synced, `sync_requested`, `zeros_wanted`): none is published under the `pending`
/// lock, so it is taken here, and the writer is either before its check or inside its wait
/// (it sets and clears `writer_waiting` under that lock).
fn wake_writer(shared: &Shared) {
    let waiting = {
        let _pending = lock(&shared.pending);
        shared.writer_waiting.load(Ordering::Acquire)
    };
    if waiting {
        shared.wake.notify_one();
    }
}

fn is_failed(shared: &Shared) -> bool {
    shared.failed.load(Ordering::Acquire)
}

fn fail(shared: &Shared, error: &std::io::Error) {
    let message = format!("Errors writing to the AOF file: {}", describe(error));
    tracing::error!("{message}; writes are refused until the journal can be written again");
    lock(&shared.pending).failure = Some(message);
    shared.failed.store(true, Ordering::Release);
    // Their connections close unanswered, or send them once a repair syncs their records.
    shared.outbox.give_back_all();
    shared.advanced.notify_waiters();
}

fn writer_loop(shared: &Shared, directory: &Path, interval: Duration) {
    ON_WRITER_THREAD.with(|on| on.set(true));
    // When the last sync (or repair attempt) happened: only this thread syncs.
    let mut last_sync = Instant::now();
    loop {
        wait_for_work(shared, last_sync, interval);
        let mut state = shared.state.lock();
        let (batch_last_seq, shutdown) = state.take_queued(shared);
        if is_failed(shared) {
            state.repair(shared, batch_last_seq);
            last_sync = Instant::now();
        } else {
            let mode = FsyncMode::from_u64(shared.mode.load(Ordering::Relaxed));
            state.write_batch(shared, batch_last_seq, mode != FsyncMode::Always);
            if sync_due(shared, &state, last_sync, interval, shutdown) {
                let synced;
                if shutdown || mode == FsyncMode::Always {
                    // Holding the state. At shutdown: a connection's last record must wait
                    // in the queue for the next round, not be written after this sync and
                    // left unsynced when the writer exits. In `always` mode: serving threads
                    // sync too (`end_of_turn`), and two overlapping syncs of one file could
                    // each report the other's success (Linux reports a failed write-back to
                    // one caller only).
                    synced = state.sync(shared);
                } else {
                    (state, synced) = sync_released(shared, state);
                }
                if synced {
                    last_sync = Instant::now();
                }
            }
            if is_failed(shared) {
                last_sync = Instant::now();
            }
        }
        state.recycle_batch();
        let request = lock(&shared.pending).request.take();
        // A request (a compaction's roll or sync) and a full segment need everything written
        // synced, holding the state: first the bulk of it without, as the periodic sync, so
        // that what is left to sync holding the state is what came meanwhile. Holding the
        // state through a whole sync stopped every reply for 30-110 ms at each compaction
        // and each segment roll (compaction-latency.sh's slowest SET of a window).
        let needs_sync = request.is_some() || state.segment.end >= SEGMENT_BYTES_MAX;
        if needs_sync && state.sync_unannounced {
            // A new segment's and a compaction's syncs come next in this round: the replies
            // already synced go out now, not after them.
            state.sync_unannounced = false;
            announce_sync(shared);
        }
        let mode = FsyncMode::from_u64(shared.mode.load(Ordering::Relaxed));
        let released = !shutdown && mode != FsyncMode::Always && !is_failed(shared);
        if needs_sync && released && has_unsynced(shared) {
            let synced;
            (state, synced) = sync_released(shared, state);
            if synced {
                last_sync = Instant::now();
            }
        }
        match request {
            Some((request, reply)) => {
                // Everything queued before the request was taken and written above.
                let progress = &shared.progress;
                if has_unsynced(shared) && !is_failed(shared) && state.sync(shared) {
                    last_sync = Instant::now();
                }
                let answer = match request {
                    WriterRequest::Roll => state.start_segment(shared, directory),
                    WriterRequest::Sync if is_failed(shared) => {
                        Err("the journal cannot be written".into())
                    }
                    WriterRequest::Sync => Ok(progress.synced_seq.load(Ordering::Acquire)),
                    WriterRequest::Reset { seq, live_from } => {
                        state.reset_after(shared, directory, seq, live_from)
                    }
                };
                let _ = reply.send(answer);
            }
            None => state.roll_if_full(shared, directory),
        }
        let announce = std::mem::take(&mut state.sync_unannounced);
        drop(state);
        if announce {
            announce_sync(shared);
        }
        if !shutdown && shared.zeros_wanted.swap(false, Ordering::AcqRel) {
            write_zeros_ahead(shared, directory);
        }
        if shutdown && lock(&shared.pending).buffer.is_empty() {
            if is_failed(shared) {
                tracing::error!("journal still failing at shutdown; unsynced writes are lost");
            }
            return;
        }
    }
}

/// Writes zeros ahead of the records (`journal-zeros-ahead`), a chunk at a time holding the
/// write state, then syncs them without it, through an open file description of its own: an
/// error there is this description's, and the records' next `fdatasync` still reports it
/// (Linux reports a failed write-back once to every description open at the time), so the
/// journal fails and repairs as it would have. Records queued meanwhile come first: after a
/// chunk it leaves the rest for its next round (a turn that found the state held left its
/// records to this thread).
fn write_zeros_ahead(shared: &Shared, directory: &Path) {
    let mut first_seq = None;
    loop {
        let mut state = shared.state.lock();
        let ahead = state.zeros_ahead;
        if is_failed(shared) || !state.segment.write_zeros(ahead) {
            break;
        }
        first_seq = Some(state.segment.first_seq);
        if shared.queued.load(Ordering::Acquire) {
            shared.zeros_wanted.store(true, Ordering::Release);
            break;
        }
    }
    // Only this thread starts segments, so the zeros are all in this one.
    let Some(first_seq) = first_seq else {
        return;
    };
    let path = directory.join(segment_file_name(first_seq));
    if let Err(error) = File::open(&path).and_then(|file| file.sync_data()) {
        tracing::debug!("cannot sync the zeros ahead of the journal's records: {error}");
    }
}

/// The periodic sync, with the write state released while the disk works: in `interval`
/// mode connections go on writing their records themselves (`write_now`) instead of waiting
/// behind the `fdatasync`, which takes hundreds of milliseconds while a compaction's snapshot
/// is being written back (compaction-latency.sh: the slowest request of a window with a
/// compaction in it fell from 0.34-0.52 s). Everything written before the sync starts is
/// covered: the sync goes through a second descriptor of the same file. Returns the state,
/// taken again, and whether the sync succeeded.
fn sync_released<'a>(
    shared: &'a Shared,
    mut state: parking_lot::MutexGuard<'a, WriteState>,
) -> (parking_lot::MutexGuard<'a, WriteState>, bool) {
    let written = shared.progress.written_seq.load(Ordering::Acquire);
    let end = state.segment.end;
    let Ok(file) = state.segment.file.try_clone() else {
        // No second descriptor (out of file descriptors): sync holding the state.
        let synced = state.sync(shared);
        return (state, synced);
    };
    shared.released_sync.store(true, Ordering::Release);
    drop(state);
    let result = file.sync_data();
    drop(file);
    let mut state = shared.state.lock();
    shared.released_sync.store(false, Ordering::Release);
    match result {
        // A write that failed meanwhile may have been of bytes before `end`: the repair
        // rewrites everything unsynced, so none of it counts as synced.
        Ok(()) if is_failed(shared) => (state, false),
        Ok(()) => {
            state.synced(shared, written, end);
            (state, true)
        }
        Err(error) => {
            fail(shared, &error);
            (state, false)
        }
    }
}

/// Whether records are written but not yet synced.
fn has_unsynced(shared: &Shared) -> bool {
    shared.progress.synced_seq.load(Ordering::Acquire)
        < shared.progress.written_seq.load(Ordering::Acquire)
}

/// Whether what is written must be synced now.
fn sync_due(
    shared: &Shared,
    state: &WriteState,
    last_sync: Instant,
    interval: Duration,
    shutdown: bool,
) -> bool {
    if !has_unsynced(shared) {
        return false;
    }
    let mode = FsyncMode::from_u64(shared.mode.load(Ordering::Relaxed));
    let requested = shared.sync_requested.swap(false, Ordering::AcqRel);
    mode == FsyncMode::Always
        || shutdown
        || requested
        || last_sync.elapsed() >= interval
        || state.unsynced.len() > UNSYNCED_BYTES_MAX
}

/// Waits until records are queued, a sync is due, a repair is due or shutdown.
fn wait_for_work(shared: &Shared, last_sync: Instant, interval: Duration) {
    let mut pending = lock(&shared.pending);
    loop {
        let since_sync = last_sync.elapsed();
        let failed = is_failed(shared);
        let always = FsyncMode::from_u64(shared.mode.load(Ordering::Relaxed)) == FsyncMode::Always;
        // A failed journal waits for its repair's round instead (`repair_due`): in `always`
        // mode its unsynced records would otherwise retry the repair back to back.
        let sync_due = !failed
            && has_unsynced(shared)
            && (always || since_sync >= interval || shared.sync_requested.load(Ordering::Acquire));
        let repair_due = failed && since_sync >= REPAIR_INTERVAL;
        let queued = !pending.buffer.is_empty() && !failed;
        let zeros_due = shared.zeros_wanted.load(Ordering::Acquire) && !failed;
        if queued
            || pending.shutdown
            || sync_due
            || repair_due
            || zeros_due
            || pending.request.is_some()
        {
            return;
        }
        // Records written but not synced are due `interval` after the last sync; with none,
        // nothing is due before a whole interval (`last_sync` may be long past: counting
        // from it, an idle writer woke every millisecond).
        let wait = if failed || has_unsynced(shared) {
            let period = if failed { REPAIR_INTERVAL } else { interval };
            period.saturating_sub(since_sync).max(Duration::from_millis(1))
        } else {
            interval
        };
        #[cfg(test)]
        shared.waits.fetch_add(1, Ordering::Relaxed);
        shared.writer_waiting.store(true, Ordering::Release);
        pending = shared
            .wake
            .wait_timeout(pending, wait)
            .map(|(guard, _)| guard)
            .unwrap_or_else(|e| e.into_inner().0);
        shared.writer_waiting.store(false, Ordering::Release);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::record::Value;

    /// An `always` journal whose writer thread only wakes by itself once an hour, returned
    /// once that thread sleeps: from then on any sync the tests see came from `end_of_turn`
    /// (with the hook marked as running, appends no longer wake the writer).
    fn always_journal(directory: &Path) -> Arc<Journal> {
        hooked_journal(directory, FsyncMode::Always)
    }

    /// A journal in `mode` whose serving threads have the park hook, with its writer
    /// thread asleep (its round an hour away).
    fn hooked_journal(directory: &Path, mode: FsyncMode) -> Arc<Journal> {
        hooked_journal_with_zeros(directory, mode, PREPARED_AHEAD_BYTES)
    }

    /// `hooked_journal`, keeping `zeros_ahead` bytes of zeros past the records.
    fn hooked_journal_with_zeros(
        directory: &Path,
        mode: FsyncMode,
        zeros_ahead: u64,
    ) -> Arc<Journal> {
        let file = create_segment(directory, 1).unwrap();
        let segment = ActiveSegment::new(file, 1, SegmentHeader::ENCODED_BYTES as u64).unwrap();
        let hour = Duration::from_secs(3600);
        let started = Journal::start(directory, segment, 0, 0, mode, hour, zeros_ahead);
        let journal = Arc::new(started.unwrap());
        journal.turn_hooked();
        while !journal.shared.writer_waiting.load(Ordering::Acquire) {
            std::thread::yield_now();
        }
        journal
    }

    /// `always_journal` with a park hook attached, as the binary's runtime has.
    fn always_journal_and_hook(directory: &Path) -> (Arc<Journal>, TurnEnd) {
        let journal = always_journal(directory);
        let turn_end = TurnEnd::default();
        turn_end.attach(&journal);
        (journal, turn_end)
    }

    fn put(journal: &Journal, key: &[u8]) -> Mark {
        let value = Value::String(&b"v"[..]);
        journal.append(&[Effect::Put { db: 0, key, value, expires_at_ms: 0 }])
    }

    fn synced_seq(journal: &Journal) -> u64 {
        journal.progress().synced_seq.load(Ordering::Acquire)
    }

    thread_local! {
        /// `WriteState::sync` calls made on the current thread.
        pub(super) static SYNCS_ON_THIS_THREAD: std::cell::Cell<u64> =
            const { std::cell::Cell::new(0) };
    }

    fn syncs_here() -> u64 {
        SYNCS_ON_THIS_THREAD.with(std::cell::Cell::get)
    }

    /// Waits (at most a minute, so a failure cannot hang the run) until `done`.
    fn wait_for(done: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !done() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Waits (at most a minute) until `seq` is synced.
    fn wait_until_synced(journal: &Journal, mark: Mark) {
        wait_for(|| journal.is_synced(mark));
    }

    /// A turn that queued `PIPELINED_SYNC_RECORDS_MIN` records or more is written on the
    /// serving thread and synced on the writer thread; one record fewer is synced on the
    /// serving thread before the hook returns.
    #[test]
    fn a_long_turn_is_synced_by_the_writer_thread_a_short_one_by_the_turn() {
        let directory = tempfile::tempdir().unwrap();
        let (journal, turn_end) = always_journal_and_hook(directory.path());
        let short =
            (1..PIPELINED_SYNC_RECORDS_MIN).fold(Mark::default(), |_, _| put(&journal, b"s"));
        let before = syncs_here();
        turn_end.run();
        assert_eq!(syncs_here(), before + 1, "the short turn was not synced by its thread");
        assert_eq!(synced_seq(&journal), short.seq);
        // The short turn's records asked for zeros ahead: the writer thread holds the state
        // while it writes them, and a turn that finds it held leaves its records to it.
        wait_for_zeros(&journal, PREPARED_AHEAD_BYTES);
        let long =
            (0..PIPELINED_SYNC_RECORDS_MIN).fold(Mark::default(), |_, _| put(&journal, b"l"));
        turn_end.run();
        assert_eq!(syncs_here(), before + 1, "the long turn was synced by its thread");
        assert_eq!(journal.progress().written_seq.load(Ordering::Acquire), long.seq);
        wait_until_synced(&journal, long);
        assert_eq!(synced_seq(&journal), long.seq, "the writer thread did not sync the long turn");
        journal.shutdown();
    }

    /// A journal whose sync failed with records written but not synced waits for its repair
    /// round (a second) in `always` mode too, instead of retrying the repair back to back:
    /// here the repair keeps failing (the segment is open for reading only), and the writer
    /// thread must still go back to sleep.
    #[test]
    fn a_failed_always_journal_retries_its_repair_once_a_round() {
        let directory = tempfile::tempdir().unwrap();
        let journal = always_journal(directory.path());
        put(&journal, b"a");
        {
            let mut state = journal.shared.state.lock();
            state.write_queued(&journal.shared);
            let path = directory.path().join(segment_file_name(1));
            state.segment.file = File::open(path).unwrap();
            fail(&journal.shared, &std::io::Error::other("injected"));
        }
        assert!(journal.failure().is_some());
        assert!(has_unsynced(&journal.shared));
        {
            let _pending = lock(&journal.shared.pending);
            journal.shared.writer_waiting.store(false, Ordering::Release);
        }
        journal.shared.wake.notify_one();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !journal.shared.writer_waiting.load(Ordering::Acquire) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(journal.shared.writer_waiting.load(Ordering::Acquire), "the writer never slept");
        assert!(journal.failure().is_some(), "a read-only segment was repaired");
        journal.shutdown();
    }

    /// An idle journal's writer thread sleeps a whole interval at a time, in both modes, long
    /// after its last sync (it woke every millisecond once the last sync was an interval
    /// old). Interval 20 ms, idle for 400 ms after one record: about 20 sleeps, where the
    /// fault made about 400.
    #[test]
    fn an_idle_writer_sleeps_an_interval_at_a_time() {
        for mode in [FsyncMode::Interval, FsyncMode::Always] {
            let directory = tempfile::tempdir().unwrap();
            let file = create_segment(directory.path(), 1).unwrap();
            let end = SegmentHeader::ENCODED_BYTES as u64;
            let segment = ActiveSegment::new(file, 1, end).unwrap();
            let interval = Duration::from_millis(20);
            let journal =
                Journal::start(directory.path(), segment, 0, 0, mode, interval, 0).unwrap();
            let seq = put(&journal, b"a");
            wait_until_synced(&journal, seq);
            std::thread::sleep(Duration::from_millis(50));
            let before = journal.shared.waits.load(Ordering::Relaxed);
            std::thread::sleep(Duration::from_millis(400));
            let waits = journal.shared.waits.load(Ordering::Relaxed) - before;
            assert!(waits <= 100, "{mode:?}: the idle writer slept {waits} times in 400 ms");
            journal.shutdown();
        }
    }

    /// With `relay_wakes` running, a sync of the writer thread wakes the connections waiting
    /// for it through the relay task (`wait_synced` has no fallback of its own: without the
    /// relay's wake it would wait forever).
    #[test]
    fn the_writer_threads_syncs_wake_waiters_through_the_relay() {
        let directory = tempfile::tempdir().unwrap();
        let journal = always_journal(directory.path());
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            tokio::spawn(journal.clone().relay_wakes());
            while !journal.shared.relay_running.load(Ordering::Acquire) {
                tokio::task::yield_now().await;
            }
            for key in [&b"a"[..], b"b", b"c"] {
                let seq = put(&journal, key);
                let waited =
                    tokio::time::timeout(Duration::from_secs(60), journal.wait_synced(seq)).await;
                assert!(waited.is_ok(), "no wake for the writer's sync of {seq:?}");
                assert_eq!(synced_seq(&journal), seq.seq);
            }
        });
        drop(runtime);
        assert!(!journal.shared.relay_running.load(Ordering::Acquire), "the relay never ended");
        journal.shutdown();
    }

    /// The park hook syncs the turn's records on the calling thread, before it returns.
    #[test]
    fn the_end_of_a_turn_syncs_what_the_turn_queued() {
        let directory = tempfile::tempdir().unwrap();
        let (journal, turn_end) = always_journal_and_hook(directory.path());
        let first = put(&journal, b"a");
        let second = put(&journal, b"b");
        assert_eq!(synced_seq(&journal), 0, "the writer thread was woken");
        turn_end.run();
        assert_eq!(synced_seq(&journal), second.seq);
        assert!(journal.is_durable(first) && journal.is_durable(second));
        journal.shutdown();
    }

    /// In `interval` mode the park hook writes the turn's records (one `write`, no sync)
    /// before it returns: the turn's connections were waiting for exactly that.
    #[test]
    fn the_end_of_a_turn_writes_what_the_turn_queued_in_interval_mode() {
        let directory = tempfile::tempdir().unwrap();
        let journal = hooked_journal(directory.path(), FsyncMode::Interval);
        let turn_end = TurnEnd::default();
        turn_end.attach(&journal);
        let first = put(&journal, b"a");
        let second = put(&journal, b"b");
        let written = || journal.progress().written_seq.load(Ordering::Acquire);
        assert_eq!(written(), 0, "written before the turn ended");
        assert!(!journal.is_durable(first));
        turn_end.run();
        assert_eq!(written(), second.seq);
        assert!(journal.is_durable(first) && journal.is_durable(second));
        assert_eq!(synced_seq(&journal), 0, "interval mode synced at the end of a turn");
        journal.shutdown();
    }

    /// The writer thread releases the state during its sync with its written batch still in
    /// it (`sync_released`); a turn that takes the queue meanwhile must not swap that batch
    /// back into the queue (it was written twice, after later records, before the fix).
    #[test]
    fn a_batch_already_written_never_goes_back_into_the_queue() {
        let directory = tempfile::tempdir().unwrap();
        let journal = always_journal(directory.path());
        let first = put(&journal, b"a");
        let written = {
            let mut state = journal.shared.state.lock();
            state.write_queued(&journal.shared);
            state.batch.clone()
        };
        assert!(!written.is_empty());
        // As during `sync_released`: the batch is written, not yet recycled.
        let second = put(&journal, b"b");
        journal.end_of_turn();
        assert!(journal.is_durable(first) && journal.is_durable(second));
        assert!(lock(&journal.shared.pending).buffer.is_empty(), "the written batch came back");
        journal.shutdown();
        let segment = std::fs::read(directory.path().join(segment_file_name(1))).unwrap();
        let mut expected = SegmentHeader { first_seq: 1 }.encode().to_vec();
        expected.extend_from_slice(&written);
        let value = Value::String(&b"v"[..]);
        let effect = Effect::Put { db: 0, key: &b"b"[..], value, expires_at_ms: 0 };
        encode_record(second.seq, &[effect], &mut expected);
        // Record `first` once, then `second` once, then the zeros written ahead.
        assert_eq!(segment.get(..expected.len()), Some(&expected[..]));
        assert!(segment.iter().skip(expected.len()).all(|&b| b == 0), "nothing after them");
    }

    /// Waits until the writer thread has written zeros at least `ahead` bytes past the
    /// records; returns the file's length.
    fn wait_for_zeros(journal: &Journal, ahead: u64) -> u64 {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let (end, length) = {
                let state = journal.shared.state.lock();
                (state.segment.end, state.segment.file.metadata().unwrap().len())
            };
            if length >= end + ahead {
                return length;
            }
            assert!(
                Instant::now() < deadline,
                "no zeros ahead of {end}: the file ends at {length}"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// The writer thread keeps zeros ahead of the records, never over one: records written
    /// into them, and one longer than them (written at the end of the file), come back
    /// whole and in order, followed only by zeros.
    #[test]
    fn zeros_are_written_ahead_of_the_records_never_over_one() {
        let directory = tempfile::tempdir().unwrap();
        let journal = always_journal(directory.path());
        let path = directory.path().join(segment_file_name(1));
        let header = SegmentHeader::ENCODED_BYTES as u64;
        assert_eq!(std::fs::metadata(&path).unwrap().len(), header, "zeros before any record");
        let mut expected = SegmentHeader { first_seq: 1 }.encode().to_vec();
        let mut write = |key: &[u8], value: &[u8]| {
            let value = Value::String(value);
            let effect = Effect::Put { db: 0, key, value, expires_at_ms: 0 };
            let seq = journal.append(std::slice::from_ref(&effect));
            journal.end_of_turn();
            // A turn that finds the writer thread writing zeros leaves its records to it.
            wait_until_synced(&journal, seq);
            encode_record(seq.seq, &[effect], &mut expected);
        };
        write(b"a", b"1");
        let length = wait_for_zeros(&journal, PREPARED_AHEAD_BYTES);
        assert!(length < header + PREPARED_AHEAD_BYTES + PREPARE_CHUNK_BYTES as u64 * 2);
        write(b"b", b"2");
        let long = vec![b'x'; PREPARED_AHEAD_BYTES as usize * 3 / 2];
        write(b"long", &long);
        write(b"c", b"3");
        // Filled to `PREPARED_AHEAD_BYTES` past the records of the time: "c" may be in the
        // zeros already.
        wait_for_zeros(&journal, PREPARED_AHEAD_BYTES / 2);
        journal.shutdown();
        let segment = std::fs::read(&path).unwrap();
        assert!(segment.len() as u64 >= expected.len() as u64 + PREPARED_AHEAD_BYTES / 2);
        // Compared without printing megabytes on a failure.
        let differs = expected.iter().zip(&segment).position(|(e, s)| e != s);
        assert_eq!(differs, None, "the records differ at this offset");
        assert!(segment.iter().skip(expected.len()).all(|&b| b == 0), "only zeros after them");
    }

    /// With `journal-zeros-ahead 0` nothing is written past the records: each one extends the
    /// file, whose length is always the records' end.
    #[test]
    fn no_zeros_are_written_when_none_are_asked_for() {
        let directory = tempfile::tempdir().unwrap();
        let journal = hooked_journal_with_zeros(directory.path(), FsyncMode::Always, 0);
        let path = directory.path().join(segment_file_name(1));
        let mut end = SegmentHeader::ENCODED_BYTES as u64;
        for key in [&b"a"[..], b"b", b"c"] {
            let seq = put(&journal, key);
            journal.end_of_turn();
            assert!(journal.is_durable(seq), "no zeros hold the state, so the turn synced it");
            end = journal.shared.state.lock().segment.end;
            assert_eq!(std::fs::metadata(&path).unwrap().len(), end);
        }
        assert!(!journal.shared.zeros_wanted.load(Ordering::Acquire));
        journal.shutdown();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), end);
    }

    /// A sync that returns after a later one (the writer's released sync, overtaken by a
    /// turn's) changes nothing: the later one covered it.
    #[test]
    fn an_older_sync_result_does_not_undo_a_newer_one() {
        let directory = tempfile::tempdir().unwrap();
        let journal = always_journal(directory.path());
        let first = put(&journal, b"a");
        let old_end = {
            let mut state = journal.shared.state.lock();
            state.write_queued(&journal.shared);
            state.segment.end
        };
        let second = put(&journal, b"b");
        journal.end_of_turn();
        assert_eq!(synced_seq(&journal), second.seq);
        let mut state = journal.shared.state.lock();
        let synced_end = state.synced_end;
        state.synced(&journal.shared, first.seq, old_end);
        assert_eq!(state.synced_end, synced_end);
        drop(state);
        assert_eq!(synced_seq(&journal), second.seq);
        journal.shutdown();
    }

    /// A connection whose thread never parks (so the hook never runs) still gets its reply:
    /// it syncs (`always`) or writes (`interval`) itself after `TURN_WAIT_MAX`, long before
    /// the writer's hourly round (the timeout below only keeps a failure from hanging the
    /// run).
    #[test]
    fn a_turn_that_never_ends_is_synced_by_the_waiting_connection() {
        for mode in [FsyncMode::Always, FsyncMode::Interval] {
            let directory = tempfile::tempdir().unwrap();
            let journal = hooked_journal(directory.path(), mode);
            let seq = put(&journal, b"a");
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let waited = runtime.block_on(async {
                tokio::time::timeout(Duration::from_secs(60), journal.wait_durable(seq)).await
            });
            assert!(waited.is_ok(), "{mode:?}: still waiting for the hourly round");
            assert!(journal.is_durable(seq), "{mode:?}");
            // Interval mode's wait is for the write; the sync stays the writer's round's.
            let written = journal.progress().written_seq.load(Ordering::Acquire);
            assert_eq!(written, seq.seq, "{mode:?}");
            journal.shutdown();
        }
    }

    /// While another thread holds the write state, a turn does not wait behind it; the
    /// records wait for a later turn (or the waiting connections' own retry).
    #[test]
    fn a_turn_never_waits_behind_another_sync() {
        let directory = tempfile::tempdir().unwrap();
        let journal = always_journal(directory.path());
        let seq = put(&journal, b"a");
        let state = journal.shared.state.lock();
        journal.end_of_turn();
        assert!(!journal.is_durable(seq));
        drop(state);
        journal.end_of_turn();
        assert!(journal.is_durable(seq));
        journal.shutdown();
    }

    /// A connected pair: the server's side, and the client's, which `received` reads
    /// without blocking.
    fn socket_pair() -> (std::os::unix::net::UnixStream, std::os::unix::net::UnixStream) {
        let (ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
        theirs.set_nonblocking(true).unwrap();
        (ours, theirs)
    }

    /// A non-blocking read of what `socket`'s peer was sent so far.
    fn received(socket: &mut std::os::unix::net::UnixStream) -> Vec<u8> {
        use std::io::Read;
        let mut got = vec![0u8; 4096];
        match socket.read(&mut got) {
            Ok(n) => got.truncate(n),
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => got.clear(),
            Err(error) => panic!("{error}"),
        }
        got
    }

    /// Replies handed over go out from the thread whose sync covers their record, before
    /// anyone wakes their connection, and never before that sync: a short turn's on the
    /// serving thread, a long turn's on the writer thread.
    #[test]
    fn handed_over_replies_are_sent_by_the_sync_that_covers_them() {
        let directory = tempfile::tempdir().unwrap();
        let (journal, turn_end) = always_journal_and_hook(directory.path());
        let (ours, mut theirs) = socket_pair();

        let short = put(&journal, b"s");
        let delivery =
            journal.hand_over(&ours, &Arc::default(), short, b"+OK\r\n".to_vec(), 8).unwrap();
        assert_eq!(received(&mut theirs), b"", "sent before its record was synced");
        assert!(!delivery.is_done());
        turn_end.run();
        assert!(delivery.is_done(), "the short turn's sync did not send the reply");
        assert_eq!(delivery.take_back(), (b"+OK\r\n".to_vec(), 5));
        assert_eq!(received(&mut theirs), b"+OK\r\n");
        // Already synced: nothing to wait for.
        assert_eq!(
            journal.hand_over(&ours, &Arc::default(), short, b":1\r\n".to_vec(), 8).err(),
            Some(b":1\r\n".to_vec())
        );

        wait_for_zeros(&journal, PREPARED_AHEAD_BYTES);
        let long =
            (0..PIPELINED_SYNC_RECORDS_MIN).fold(Mark::default(), |_, _| put(&journal, b"l"));
        let delivery =
            journal.hand_over(&ours, &Arc::default(), long, b":2\r\n".to_vec(), 8).unwrap();
        let before = syncs_here();
        turn_end.run();
        assert_eq!(syncs_here(), before, "the long turn was synced by its thread");
        wait_for(|| delivery.is_done());
        assert!(delivery.is_done(), "the writer thread's sync did not send the reply");
        assert!(synced_seq(&journal) >= long.seq);
        assert_eq!(delivery.take_back(), (b":2\r\n".to_vec(), 4));
        assert_eq!(received(&mut theirs), b":2\r\n");
        journal.shutdown();
    }

    /// Replies waiting for a sync go back to their connections, unsent, when the journal
    /// fails or leaves `always` mode, and no more are taken then.
    #[test]
    fn handed_over_replies_go_back_on_a_failure_or_another_mode() {
        let directory = tempfile::tempdir().unwrap();
        let journal = always_journal(directory.path());
        let (ours, mut theirs) = socket_pair();
        let seq = put(&journal, b"a");
        let delivery =
            journal.hand_over(&ours, &Arc::default(), seq, b"+OK\r\n".to_vec(), 8).unwrap();
        journal.set_mode(FsyncMode::Interval);
        assert!(delivery.is_done());
        assert_eq!(delivery.take_back(), (b"+OK\r\n".to_vec(), 0));
        assert_eq!(
            journal.hand_over(&ours, &Arc::default(), seq, b"x".to_vec(), 8).err(),
            Some(b"x".to_vec())
        );

        journal.set_mode(FsyncMode::Always);
        let delivery =
            journal.hand_over(&ours, &Arc::default(), seq, b"+OK\r\n".to_vec(), 8).unwrap();
        fail(&journal.shared, &std::io::Error::other("injected"));
        assert!(delivery.is_done());
        assert_eq!(delivery.take_back(), (b"+OK\r\n".to_vec(), 0));
        assert_eq!(
            journal.hand_over(&ours, &Arc::default(), seq, b"y".to_vec(), 8).err(),
            Some(b"y".to_vec())
        );
        assert_eq!(received(&mut theirs), b"", "a reply given back was sent");
        journal.shutdown();
    }

    /// A full resync starts the numbers over, lower than a client's last record: that record
    /// (synced before the reset) counts as durable and synced, WAIT counts it as number 0,
    /// and its replies are not handed over to wait for the new history's numbers. A record
    /// of the new history waits for its own sync, and is the later of the two marks.
    #[test]
    fn a_mark_from_before_a_reset_is_durable_in_the_new_history() {
        let directory = tempfile::tempdir().unwrap();
        let (journal, _turn_end) = always_journal_and_hook(directory.path());
        let (ours, mut theirs) = socket_pair();
        put(&journal, b"a");
        put(&journal, b"b");
        let old = put(&journal, b"c");
        journal.end_of_turn();
        assert_eq!(old, Mark { history: 0, seq: 3 });
        assert!(journal.is_durable(old));

        journal.reset_after(1, 1).unwrap();
        // Asleep again, or it could write and sync the next record itself.
        wait_for(|| journal.shared.writer_waiting.load(Ordering::Acquire));
        assert_eq!(journal.last_mark(), Mark { history: 1, seq: 1 });
        assert_eq!(synced_seq(&journal), 1);
        assert!(journal.is_durable(old) && journal.is_synced(old));
        assert_eq!(journal.seq_now(old), 0);
        assert_eq!(
            journal.hand_over(&ours, &Arc::default(), old, b"x".to_vec(), 8).err(),
            Some(b"x".to_vec())
        );

        let new = put(&journal, b"d");
        assert_eq!(new, Mark { history: 1, seq: 2 });
        assert_eq!(journal.seq_now(new), 2);
        assert!(!journal.is_durable(new));
        assert_eq!(old.later(new), new);
        assert_eq!(new.later(old), new);
        let delivery =
            journal.hand_over(&ours, &Arc::default(), new, b"+OK\r\n".to_vec(), 8).unwrap();
        journal.end_of_turn();
        assert!(journal.is_durable(new));
        assert!(delivery.is_done());
        assert_eq!(received(&mut theirs), b"+OK\r\n");
        journal.shutdown();
    }

    /// A switch to `always` while the writer thread's periodic sync runs without the state
    /// (`sync_released`): a turn's end writes its records but leaves their sync to the writer
    /// thread, so two syncs of the segment never overlap. The writer thread, its sync over,
    /// syncs them; then a turn syncs its own again.
    #[test]
    fn a_turn_leaves_its_sync_to_the_writer_while_its_released_sync_runs() {
        let directory = tempfile::tempdir().unwrap();
        // No zeros ahead: their top-up would wake the writer thread.
        let journal = hooked_journal_with_zeros(directory.path(), FsyncMode::Always, 0);
        journal.shared.released_sync.store(true, Ordering::Release);
        let before = syncs_here();
        let first = put(&journal, b"a");
        journal.end_of_turn();
        assert_eq!(syncs_here(), before, "the turn synced during the released sync");
        assert_eq!(journal.progress().written_seq.load(Ordering::Acquire), first.seq);
        assert!(!journal.is_durable(first));

        journal.shared.released_sync.store(false, Ordering::Release);
        wake_writer(&journal.shared);
        wait_until_synced(&journal, first);
        assert_eq!(syncs_here(), before, "the writer thread's sync, not this thread's");

        wait_for(|| journal.shared.writer_waiting.load(Ordering::Acquire));
        let second = put(&journal, b"b");
        journal.end_of_turn();
        assert_eq!(syncs_here(), before + 1);
        assert!(journal.is_durable(second));
        journal.shutdown();
    }
}
