//! When compactions run: BGREWRITEAOF, BGSAVE, SAVE and the automatic trigger
//! (`auto-aof-rewrite-percentage`, `auto-aof-rewrite-min-size`), one at a time on a dedicated
//! thread, and the figures INFO persistence and LASTSAVE report. The compaction itself is
//! `journal::compactor`.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use super::Server;
use crate::clock::unix_ms_now;
use crate::journal::compactor;

/// What started a compaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// BGREWRITEAOF.
    Rewrite,
    /// BGSAVE.
    Save,
    /// SAVE: a client waits for the result.
    Foreground,
    /// The journal outgrew `auto-aof-rewrite-percentage` of its size after the last one.
    Auto,
}

impl Trigger {
    /// Whether Redis would call this an RDB save (BGSAVE, SAVE) rather than an AOF rewrite.
    fn is_save(self) -> bool {
        matches!(self, Self::Save | Self::Foreground)
    }
}

/// Why a request is refused: Redis's error text.
pub type Refusal = &'static str;

/// How long the automatic trigger waits after a failed compaction before it tries again.
const AUTO_RETRY_AFTER_FAILURE: Duration = Duration::from_secs(10);

/// How often the compaction thread checks the automatic trigger.
const AUTO_CHECK_INTERVAL: Duration = Duration::from_millis(100);

#[derive(Default)]
struct State {
    running: Option<(Trigger, Instant)>,
    /// Requested, not started yet.
    queued: Option<Trigger>,
    /// Requested while another ran (BGREWRITEAOF during BGSAVE, BGSAVE SCHEDULE): queued
    /// once the running one ends.
    scheduled: Option<Trigger>,
    /// Requests are numbered; `done` is the number of the last one a finished compaction
    /// covered (SAVE waits for its own).
    requested: u64,
    done: u64,
    last_error: Option<String>,
    last_failure: Option<Instant>,
    last_duration_s: Option<u64>,
    rewrites: u64,
    saves: u64,
    consecutive_failures: u64,
    snapshot_seq: u64,
    snapshot_bytes: u64,
    /// Journal size (snapshot and live segments) after the last compaction or at start: the
    /// base of `auto-aof-rewrite-percentage`.
    base_bytes: u64,
    stopped: bool,
}

/// The figures of INFO persistence.
#[derive(Debug, Clone, Default)]
pub struct CompactionInfo {
    /// BGREWRITEAOF or the automatic trigger (Redis's AOF child).
    pub rewrite_in_progress: bool,
    /// BGSAVE or SAVE (Redis's RDB child).
    pub save_in_progress: bool,
    /// BGREWRITEAOF waits for a running save (Redis's `aof_rewrite_scheduled`).
    pub rewrite_scheduled: bool,
    pub current_time_s: Option<u64>,
    pub last_time_s: Option<u64>,
    pub last_ok: bool,
    pub rewrites: u64,
    pub saves: u64,
    pub consecutive_failures: u64,
    pub snapshot_seq: u64,
    pub snapshot_bytes: u64,
    pub base_bytes: u64,
}

/// The compaction service of one server.
#[derive(Default)]
pub struct Compaction {
    state: Mutex<State>,
    /// Held while a compaction runs, and while a replica's full resync starts the journal
    /// directory over (`replication::install_snapshot`): one changes the MANIFEST at a time.
    pub exclusive: Mutex<()>,
    wake: Condvar,
    /// Woken whenever a compaction ends.
    finished: tokio::sync::Notify,
    /// Asks a running compaction to stop between two shards (shutdown).
    abandon: AtomicBool,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Compaction {
    /// Records the snapshot recovery loaded and the journal size at start.
    pub fn loaded(&self, snapshot: Option<(u64, u64)>, journal_bytes: u64) {
        let mut state = self.state.lock();
        if let Some((seq, bytes)) = snapshot {
            state.snapshot_seq = seq;
            state.snapshot_bytes = bytes;
        }
        state.base_bytes = state.snapshot_bytes + journal_bytes;
    }

    /// Starts the compaction thread (once the journal is open).
    pub fn start(server: &Arc<Server>) -> std::io::Result<()> {
        let owned = server.clone();
        let handle =
            std::thread::Builder::new().name("allydb-compact".into()).spawn(move || run(&owned))?;
        *server.compaction.thread.lock() = Some(handle);
        Ok(())
    }

    /// Stops the thread, abandoning a running compaction at its next shard (its temporary
    /// file is removed; the MANIFEST in force does not change).
    pub fn stop(&self) {
        self.state.lock().stopped = true;
        self.abandon.store(true, Ordering::Release);
        self.wake.notify_all();
        if let Some(handle) = self.thread.lock().take() {
            let _ = handle.join();
        }
    }

    /// Queues a background compaction; the reply for BGREWRITEAOF or BGSAVE.
    pub fn request(
        &self,
        trigger: Trigger,
        schedule: bool,
        in_exec: bool,
    ) -> Result<&'static str, Refusal> {
        let mut state = self.state.lock();
        let busy = state.running.map(|(t, _)| t).or(state.queued);
        // Inside EXEC Redis starts no child: it replies `scheduled` and forks after EXEC, and
        // a BGSAVE behind a running rewrite is scheduled as with SCHEDULE. Here the request is
        // queued at once either way; only the reply follows Redis.
        let schedule = schedule || in_exec;
        let reply = match (trigger, busy) {
            (Trigger::Rewrite, None) if in_exec => {
                "Background append only file rewriting scheduled"
            }
            (Trigger::Rewrite, None) => "Background append only file rewriting started",
            (Trigger::Rewrite, Some(running)) if running.is_save() => {
                state.scheduled = Some(Trigger::Rewrite);
                return Ok("Background append only file rewriting scheduled");
            }
            (Trigger::Rewrite, Some(_)) => {
                return Err("ERR Background append only file rewriting already in progress")
            }
            (_, None) if in_exec => "Background saving scheduled",
            (_, None) => "Background saving started",
            (_, Some(running)) if running.is_save() => {
                return Err("ERR Background save already in progress")
            }
            (_, Some(_)) if schedule => {
                state.scheduled = Some(Trigger::Save);
                return Ok("Background saving scheduled");
            }
            (_, Some(_)) => {
                return Err("ERR Another child process is active (AOF?): can't BGSAVE right now. \
                            Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.")
            }
        };
        state.requested += 1;
        state.queued = Some(trigger);
        drop(state);
        self.wake.notify_all();
        Ok(reply)
    }

    /// Queues a foreground compaction (SAVE); returns the ticket `wait` takes.
    pub fn request_foreground(&self) -> Result<u64, Refusal> {
        let mut state = self.state.lock();
        if state.running.is_some() || state.queued.is_some() {
            return Err("ERR Background save already in progress");
        }
        state.requested += 1;
        state.queued = Some(Trigger::Foreground);
        let ticket = state.requested;
        drop(state);
        self.wake.notify_all();
        Ok(ticket)
    }

    /// Waits until the compaction of `ticket` ended; its error, if it failed.
    pub async fn wait(&self, ticket: u64) -> Result<(), String> {
        loop {
            let finished = self.finished.notified();
            tokio::pin!(finished);
            finished.as_mut().enable();
            {
                let state = self.state.lock();
                if state.done >= ticket {
                    return match &state.last_error {
                        Some(error) => Err(error.clone()),
                        None => Ok(()),
                    };
                }
                if state.stopped {
                    return Err("the server is shutting down".into());
                }
            }
            finished.await;
        }
    }

    /// The sequence number of the snapshot in force (0: none).
    /// The first sequence number the journal still holds records from (after the snapshot
    /// in force): the start of what a replica can continue from.
    pub fn first_live_seq(&self) -> u64 {
        self.state.lock().snapshot_seq + 1
    }

    pub fn snapshot_seq(&self) -> u64 {
        self.state.lock().snapshot_seq
    }

    pub fn info(&self) -> CompactionInfo {
        let state = self.state.lock();
        // A queued compaction counts as running: Redis forks before it replies "started", so
        // a client polling INFO right after the reply must not find it idle.
        let started = state.running.map(|(t, _)| t).or(state.queued);
        CompactionInfo {
            rewrite_in_progress: started.is_some_and(|t| !t.is_save()),
            save_in_progress: started.is_some_and(Trigger::is_save),
            rewrite_scheduled: state.scheduled == Some(Trigger::Rewrite),
            current_time_s: state.running.map(|(_, started)| started.elapsed().as_secs()),
            last_time_s: state.last_duration_s,
            last_ok: state.last_error.is_none(),
            rewrites: state.rewrites,
            saves: state.saves,
            consecutive_failures: state.consecutive_failures,
            snapshot_seq: state.snapshot_seq,
            snapshot_bytes: state.snapshot_bytes,
            base_bytes: state.base_bytes,
        }
    }

    /// Whether the automatic trigger fires: the journal (snapshot and live segments) is over
    /// `auto-aof-rewrite-min-size` and has grown by `auto-aof-rewrite-percentage` since the
    /// last compaction, as Redis decides.
    fn auto_due(&self, server: &Server, state: &State) -> bool {
        let Some(journal) = server.journal() else { return false };
        let setting = |name: &str| server.settings.get(name).and_then(|v| v.parse::<u64>().ok());
        let percentage = setting("auto-aof-rewrite-percentage").unwrap_or(0);
        let min_bytes = setting("auto-aof-rewrite-min-size").unwrap_or(u64::MAX);
        if percentage == 0 || journal.failure().is_some() {
            return false;
        }
        if state.last_failure.is_some_and(|at| at.elapsed() < AUTO_RETRY_AFTER_FAILURE) {
            return false;
        }
        let current = state.snapshot_bytes + journal.live_bytes();
        let base = state.base_bytes.max(1);
        current > min_bytes
            && (current.saturating_mul(100) / base).saturating_sub(100) >= percentage
    }
}

/// After a failed compaction: what is on disk. A failure after the MANIFEST's rename leaves
/// the new snapshot in force and some segments removed; INFO and the automatic trigger must
/// see that, not the figures from before.
fn recount(state: &mut State, journal: &crate::journal::Journal) {
    let directory = &journal.directory;
    let Ok(Some(Ok(manifest))) = crate::journal::Manifest::read(directory) else { return };
    if manifest.snapshot_seq != state.snapshot_seq {
        let path =
            directory.join(crate::journal::snapshot::snapshot_file_name(manifest.snapshot_seq));
        state.snapshot_seq = manifest.snapshot_seq;
        state.snapshot_bytes = std::fs::metadata(path).map_or(0, |m| m.len());
    }
    if let Ok(files) = compactor::list_files(directory) {
        let live = files.segments.iter().filter(|(first, _)| *first >= manifest.first_segment_seq);
        let sizes: Vec<u64> =
            live.map(|(_, path)| std::fs::metadata(path).map_or(0, |m| m.len())).collect();
        let closed = sizes.iter().rev().skip(1).sum();
        journal.set_closed_bytes(closed);
    }
}

/// The compaction thread's nice value (`setpriority`): under CPU contention it gets about a
/// tenth of what a thread at nice 0 gets, and all of an idle CPU.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
const COMPACTOR_NICE: i32 = 10;

/// The compaction thread: waits for a request or the automatic trigger, runs one compaction
/// at a time.
fn run(server: &Arc<Server>) {
    let this = &server.compaction;
    // Background work yields the CPU to the serving threads: on Linux this sets the calling
    // thread's nice value only. With the compactor at the serving threads' priority on a
    // 2-vCPU machine, SET's p99 during a compaction was 3-4 times steady state.
    // Elsewhere the call would renice the whole process.
    #[cfg(target_os = "linux")]
    if let Err(error) = rustix::process::setpriority_process(None, COMPACTOR_NICE) {
        tracing::debug!("compactor: cannot lower the thread's priority: {error}");
    }
    loop {
        let (trigger, ticket) = {
            let mut state = this.state.lock();
            let picked = loop {
                if state.stopped {
                    return;
                }
                if let Some(trigger) = state.queued.take() {
                    break (trigger, state.requested);
                }
                if this.auto_due(server, &state) {
                    tracing::info!("starting an automatic compaction (the journal outgrew auto-aof-rewrite-percentage)");
                    break (Trigger::Auto, state.requested);
                }
                this.wake.wait_for(&mut state, AUTO_CHECK_INTERVAL);
            };
            // Running from the moment it leaves the queue, under the same lock: INFO never
            // sees a requested compaction as neither queued nor running.
            state.running = Some((picked.0, Instant::now()));
            picked
        };
        let delay_us = server.settings.get("rdb-key-save-delay").and_then(|v| v.parse().ok());
        let exclusive = this.exclusive.lock();
        let result = match server.journal() {
            Some(journal) => {
                compactor::compact(&server.keyspace, journal, &this.abandon, delay_us.unwrap_or(0))
                    .inspect(|done| journal.segments_removed(done.removed_bytes))
            }
            None => Err("the server runs without a journal (--appendonly no)".into()),
        };
        let live_bytes = server.journal().map_or(0, |j| j.live_bytes());
        let mut state = this.state.lock();
        state.running = None;
        state.done = ticket;
        match result {
            Ok(done) => {
                state.last_error = None;
                state.last_failure = None;
                state.consecutive_failures = 0;
                state.last_duration_s = Some(done.duration.as_secs());
                state.snapshot_seq = done.seq;
                state.snapshot_bytes = done.snapshot_bytes;
                state.base_bytes = done.snapshot_bytes + live_bytes;
                if trigger.is_save() {
                    state.saves += 1;
                } else {
                    state.rewrites += 1;
                }
                server.last_save_unix_s.store(unix_ms_now() / 1000, Ordering::Relaxed);
            }
            Err(error) => {
                tracing::warn!("compaction failed: {error}");
                if let Some(journal) = server.journal() {
                    recount(&mut state, journal);
                }
                state.last_error = Some(error);
                state.last_failure = Some(Instant::now());
                state.consecutive_failures += 1;
            }
        }
        if let Some(next) = state.scheduled.take() {
            state.requested += 1;
            state.queued = Some(next);
        }
        drop(state);
        // Released only now: a replica's full resync (which records its own snapshot figures)
        // must not be overwritten by this compaction's.
        drop(exclusive);
        this.finished.notify_waiters();
    }
}
