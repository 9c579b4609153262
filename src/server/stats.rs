//! Server-wide counters for INFO stats, commandstats and errorstats.
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::LazyLock;

use parking_lot::Mutex;

use crate::commands::table::{self, CommandSpec};

/// Per-command counters (INFO commandstats).
#[derive(Default)]
pub struct CommandStats {
    pub calls: AtomicU64,
    pub usec: AtomicU64,
    pub rejected_calls: AtomicU64,
    pub failed_calls: AtomicU64,
}

impl CommandStats {
    pub fn called(&self, usec: u64, failed: bool) {
        self.calls.fetch_add(1, Relaxed);
        self.usec.fetch_add(usec, Relaxed);
        if failed {
            self.failed_calls.fetch_add(1, Relaxed);
        }
    }

    pub fn rejected(&self) {
        self.rejected_calls.fetch_add(1, Relaxed);
    }

    fn reset(&self) {
        for counter in [&self.calls, &self.usec, &self.rejected_calls, &self.failed_calls] {
            counter.store(0, Relaxed);
        }
    }
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
    pub net_input_bytes: AtomicU64,
    pub net_output_bytes: AtomicU64,
    pub error_replies: AtomicU64,
    pub reads_processed: AtomicU64,
    pub writes_processed: AtomicU64,
    pub expired_keys_active: AtomicU64,
    commands: Vec<CommandStats>,
    errors: Mutex<BTreeMap<String, u64>>,
    fallback: CommandStats,
}

impl Default for Stats {
    fn default() -> Self {
        Self {
            connections_received: AtomicU64::new(0),
            rejected_connections: AtomicU64::new(0),
            net_input_bytes: AtomicU64::new(0),
            net_output_bytes: AtomicU64::new(0),
            error_replies: AtomicU64::new(0),
            reads_processed: AtomicU64::new(0),
            writes_processed: AtomicU64::new(0),
            expired_keys_active: AtomicU64::new(0),
            commands: (0..COMMAND_INDEX.rows.len()).map(|_| CommandStats::default()).collect(),
            errors: Mutex::new(BTreeMap::new()),
            fallback: CommandStats::default(),
        }
    }
}

impl Stats {
    pub fn command(&self, spec: &CommandSpec) -> &CommandStats {
        COMMAND_INDEX
            .slots
            .get(&row_address(spec))
            .and_then(|&i| self.commands.get(i))
            .unwrap_or(&self.fallback)
    }

    /// (fullname, counters) for every command called at least once.
    pub fn command_counters(&self) -> Vec<(&'static str, &CommandStats)> {
        let mut list: Vec<_> = COMMAND_INDEX
            .rows
            .iter()
            .zip(&self.commands)
            .map(|(row, c)| (row.name, c))
            .filter(|(_, c)| {
                c.calls.load(Relaxed)
                    + c.rejected_calls.load(Relaxed)
                    + c.failed_calls.load(Relaxed)
                    > 0
            })
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
        self.commands.iter().map(|c| c.calls.load(Relaxed)).sum()
    }

    /// CONFIG RESETSTAT.
    pub fn reset(&self) {
        for counter in [
            &self.connections_received,
            &self.rejected_connections,
            &self.net_input_bytes,
            &self.net_output_bytes,
            &self.error_replies,
            &self.reads_processed,
            &self.writes_processed,
            &self.expired_keys_active,
        ] {
            counter.store(0, Relaxed);
        }
        for c in &self.commands {
            c.reset();
        }
        self.errors.lock().clear();
    }
}
