//! Server-wide counters for INFO stats, commandstats and errorstats.
use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, LazyLock, OnceLock};

use parking_lot::Mutex;

use super::histogram::{self, ThreadHistogram};
use crate::commands::table::{self, CommandSpec};

/// A snapshot of one command's counters (INFO commandstats).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommandCounts {
    pub calls: u64,
    pub usec: u64,
    pub rejected_calls: u64,
    pub failed_calls: u64,
}

impl CommandCounts {
    fn minus(self, base: Self) -> Self {
        Self {
            calls: self.calls.saturating_sub(base.calls),
            usec: self.usec.saturating_sub(base.usec),
            rejected_calls: self.rejected_calls.saturating_sub(base.rejected_calls),
            failed_calls: self.failed_calls.saturating_sub(base.failed_calls),
        }
    }

    fn is_zero(&self) -> bool {
        *self == Self::default()
    }
}

const CALLS: usize = 0;
const USEC: usize = 1;
const REJECTED: usize = 2;
const FAILED: usize = 3;

/// Traffic counters kept per thread, like the command counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Traffic {
    NetInputBytes = 0,
    NetOutputBytes = 1,
    ReadsProcessed = 2,
    WritesProcessed = 3,
    /// Replication traffic: records received from the primary, sent to replicas.
    NetReplInputBytes = 4,
    NetReplOutputBytes = 5,
}
const TRAFFIC_KINDS: usize = 6;

/// The counters one thread writes. Only that thread writes them, so an increment is a plain
/// load and store (no locked instruction, no cache line bouncing between cores); readers sum
/// every thread's values.
struct ThreadCounters {
    commands: Box<[[AtomicU64; 4]]>,
    /// Each command's latency histogram, made at its first call on this thread.
    histograms: Box<[OnceLock<Box<ThreadHistogram>>]>,
    traffic: [AtomicU64; TRAFFIC_KINDS],
}

impl ThreadCounters {
    fn new(rows: usize) -> Self {
        Self {
            commands: (0..rows).map(|_| Default::default()).collect(),
            histograms: (0..rows).map(|_| OnceLock::new()).collect(),
            traffic: Default::default(),
        }
    }
}

#[inline]
fn bump(counter: &AtomicU64, by: u64) {
    counter.store(counter.load(Relaxed).wrapping_add(by), Relaxed);
}

/// Every thread's counters, for readers. Process-wide: one server runs per process.
static THREADS: Mutex<Vec<Arc<ThreadCounters>>> = Mutex::new(Vec::new());

thread_local! {
    static LOCAL: Arc<ThreadCounters> = {
        let counters = Arc::new(ThreadCounters::new(COMMAND_INDEX.rows.len()));
        THREADS.lock().push(counters.clone());
        counters
    };
}

thread_local! {
    /// The row this thread counted last (its address; 0, no row's, at first) and its slot: a
    /// pipeline repeats one command, and then no lookup is needed (the map's was 1.5 % of the
    /// serving thread's samples at GET pipeline 16).
    static LAST_SLOT: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

/// Every command and subcommand row, and each row's slot in the counter array, keyed by the
/// row's address: the dispatcher already holds the row, so finding its counters costs one
/// integer hash, not a string comparison.
struct CommandIndex {
    rows: Vec<&'static CommandSpec>,
    slots: HashMap<usize, usize, foldhash::fast::FixedState>,
}

fn row_address(spec: &CommandSpec) -> usize {
    std::ptr::from_ref(spec) as usize
}

static COMMAND_INDEX: LazyLock<CommandIndex> = LazyLock::new(|| {
    let mut index = CommandIndex { rows: Vec::new(), slots: HashMap::default() };
    for spec in table::all() {
        for row in std::iter::once(spec).chain(spec.subcommands.iter()) {
            index.slots.insert(row_address(row), index.rows.len());
            index.rows.push(row);
        }
    }
    index
});

pub struct Stats {
    pub connections_received: AtomicU64,
    pub rejected_connections: AtomicU64,
    pub error_replies: AtomicU64,
    pub expired_keys_active: AtomicU64,
    /// Failed AUTH and HELLO AUTH attempts (INFO `acl_access_denied_auth`).
    pub auth_failures: AtomicU64,
    /// Values at the last CONFIG RESETSTAT, subtracted from the sums.
    command_baseline: Mutex<Vec<CommandCounts>>,
    /// Each command's histogram counts at the last CONFIG RESETSTAT, as (slot, count) pairs
    /// of the slots counted.
    histogram_baseline: Mutex<Vec<Vec<(usize, u64)>>>,
    traffic_baseline: Mutex<[u64; TRAFFIC_KINDS]>,
    errors: Mutex<BTreeMap<String, u64>>,
}

impl Default for Stats {
    fn default() -> Self {
        Self {
            connections_received: AtomicU64::new(0),
            rejected_connections: AtomicU64::new(0),
            error_replies: AtomicU64::new(0),
            expired_keys_active: AtomicU64::new(0),
            auth_failures: AtomicU64::new(0),
            command_baseline: Mutex::new(vec![CommandCounts::default(); COMMAND_INDEX.rows.len()]),
            histogram_baseline: Mutex::new(vec![Vec::new(); COMMAND_INDEX.rows.len()]),
            traffic_baseline: Mutex::new([0; TRAFFIC_KINDS]),
            errors: Mutex::new(BTreeMap::new()),
        }
    }
}

impl Stats {
    #[inline]
    fn slot(spec: &CommandSpec) -> Option<usize> {
        let address = row_address(spec);
        LAST_SLOT.with(|last| {
            let (cached, slot) = last.get();
            if cached == address {
                return Some(slot);
            }
            let slot = COMMAND_INDEX.slots.get(&address).copied()?;
            last.set((address, slot));
            Some(slot)
        })
    }

    /// Counts a failure of a command already counted as called: a blocked command that ends
    /// in an error (CLIENT UNBLOCK ... ERROR), as Redis's `updateStatsOnUnblock` does.
    pub fn command_failed(&self, name: &str) {
        let Some(spec) = crate::commands::table::lookup_full(name.as_bytes()) else { return };
        let Some(slot) = Self::slot(spec) else { return };
        LOCAL.with(|local| {
            if let Some(counters) = local.commands.get(slot) {
                bump(&counters[FAILED], 1);
            }
        });
    }

    /// Counts one executed command, its duration and whether it replied an error.
    #[inline]
    pub fn command_called(&self, spec: &CommandSpec, usec: u64, failed: bool) {
        let Some(slot) = Self::slot(spec) else { return };
        LOCAL.with(|local| {
            if let Some(counters) = local.commands.get(slot) {
                bump(&counters[CALLS], 1);
                bump(&counters[USEC], usec);
                if failed {
                    bump(&counters[FAILED], 1);
                }
            }
            if histogram::is_tracking() {
                if let Some(cell) = local.histograms.get(slot) {
                    cell.get_or_init(Box::default).record(usec);
                }
            }
        });
    }

    /// One command row's histogram counts, summed over threads since the process started;
    /// None if no thread made its histogram.
    fn histogram_since_start(slot: usize) -> Option<Vec<u64>> {
        let mut total: Option<Vec<u64>> = None;
        for thread in THREADS.lock().iter() {
            let Some(counts) = thread.histograms.get(slot).and_then(OnceLock::get) else {
                continue;
            };
            counts.add_to(total.get_or_insert_with(|| vec![0; histogram::COUNTS_LEN]));
        }
        total
    }

    /// One command row's histogram counts, summed over threads, less the last CONFIG
    /// RESETSTAT's; None if it has none.
    fn histogram_of(&self, slot: usize) -> Option<Vec<u64>> {
        let mut total = Self::histogram_since_start(slot)?;
        if let Some(base) = self.histogram_baseline.lock().get(slot) {
            for (index, count) in base {
                if let Some(sum) = total.get_mut(*index) {
                    *sum = sum.saturating_sub(*count);
                }
            }
        }
        total.iter().any(|c| *c > 0).then_some(total)
    }

    /// (fullname, histogram counts) of every command that has recorded a latency, by name
    /// (INFO latencystats).
    pub fn command_histograms(&self) -> Vec<(&'static str, Vec<u64>)> {
        let mut list: Vec<_> = COMMAND_INDEX
            .rows
            .iter()
            .enumerate()
            .filter_map(|(slot, row)| Some((row.name, self.histogram_of(slot)?)))
            .collect();
        list.sort_by_key(|(name, _)| *name);
        list
    }

    /// The histogram counts of one command row, if it recorded a latency (LATENCY HISTOGRAM).
    pub fn command_histogram(&self, spec: &CommandSpec) -> Option<Vec<u64>> {
        self.histogram_of(Self::slot(spec)?)
    }

    /// Counts one command rejected before it ran (arity, NOAUTH, ...).
    pub fn command_rejected(&self, spec: &CommandSpec) {
        let Some(slot) = Self::slot(spec) else { return };
        LOCAL.with(|local| {
            if let Some(counters) = local.commands.get(slot) {
                bump(&counters[REJECTED], 1);
            }
        });
    }

    /// Adds to a traffic counter (bytes in/out, reads, writes).
    #[inline]
    pub fn add_traffic(&self, kind: Traffic, by: u64) {
        LOCAL.with(|local| bump(&local.traffic[kind as usize], by));
    }

    /// A traffic counter's total since start or the last CONFIG RESETSTAT.
    pub fn traffic(&self, kind: Traffic) -> u64 {
        let total: u64 =
            THREADS.lock().iter().map(|t| t.traffic[kind as usize].load(Relaxed)).sum();
        total.saturating_sub(self.traffic_baseline.lock()[kind as usize])
    }

    fn command_totals() -> Vec<CommandCounts> {
        let mut totals = vec![CommandCounts::default(); COMMAND_INDEX.rows.len()];
        for thread in THREADS.lock().iter() {
            for (total, counters) in totals.iter_mut().zip(thread.commands.iter()) {
                total.calls += counters[CALLS].load(Relaxed);
                total.usec += counters[USEC].load(Relaxed);
                total.rejected_calls += counters[REJECTED].load(Relaxed);
                total.failed_calls += counters[FAILED].load(Relaxed);
            }
        }
        totals
    }

    /// (fullname, counters) for every command called at least once, by name.
    pub fn command_counters(&self) -> Vec<(&'static str, CommandCounts)> {
        let baseline = self.command_baseline.lock().clone();
        let mut list: Vec<_> = COMMAND_INDEX
            .rows
            .iter()
            .zip(Self::command_totals())
            .zip(baseline)
            .map(|((row, total), base)| (row.name, total.minus(base)))
            .filter(|(_, counts)| !counts.is_zero())
            .collect();
        list.sort_by_key(|(name, _)| *name);
        list
    }

    pub fn record_error(&self, code: &str) {
        self.error_replies.fetch_add(1, Relaxed);
        let mut errors = self.errors.lock();
        // Redis caps distinct error codes at 128 to bound memory; so do we.
        if errors.len() < 128 || errors.contains_key(code) {
            *errors.entry(code.to_string()).or_insert(0) += 1;
        }
    }

    pub fn error_counts(&self) -> Vec<(String, u64)> {
        self.errors.lock().iter().map(|(k, v)| (k.clone(), *v)).collect()
    }

    /// Total commands processed, from the per-command counters.
    pub fn commands_processed(&self) -> u64 {
        self.command_counters().iter().map(|(_, c)| c.calls).sum()
    }

    /// CONFIG RESETSTAT: per-thread counters are never written by another thread, so a reset
    /// records the current totals as the new zero instead of clearing them.
    pub fn reset(&self) {
        for counter in [
            &self.connections_received,
            &self.rejected_connections,
            &self.error_replies,
            &self.expired_keys_active,
            &self.auth_failures,
        ] {
            counter.store(0, Relaxed);
        }
        *self.command_baseline.lock() = Self::command_totals();
        // Histograms too restart from zero, as Redis frees them.
        // Swapped in at once, so a reader sees the old baseline or the new one.
        let histograms = (0..COMMAND_INDEX.rows.len())
            .map(|slot| {
                let counts = Self::histogram_since_start(slot).unwrap_or_default();
                counts.into_iter().enumerate().filter(|(_, c)| *c > 0).collect()
            })
            .collect();
        *self.histogram_baseline.lock() = histograms;
        let mut traffic = [0u64; TRAFFIC_KINDS];
        for thread in THREADS.lock().iter() {
            for (total, counter) in traffic.iter_mut().zip(thread.traffic.iter()) {
                *total += counter.load(Relaxed);
            }
        }
        *self.traffic_baseline.lock() = traffic;
        self.errors.lock().clear();
    }
}
