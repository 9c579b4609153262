//! `maxmemory`: before each command (and from the background tick) keys are evicted by the
//! `maxmemory-policy` until the allocator's count (`crate::memory`) is back under the limit,
//! as Redis's `performEvictions`. The dispatcher refuses `denyoom` commands with OOM when
//! nothing could be evicted. An evicted key is journaled as a DELETE, fires `evicted`, marks
//! its watchers dirty and counts in INFO `evicted_keys`.
//!
//! # Sampling
//! LRU, LFU and TTL policies keep Redis's pool of the best 16 candidates across calls, filled
//! each round with `maxmemory-samples` keys per database (from consecutive shards starting at
//! a random one); the random policies take one random key, visiting databases round-robin.
//! Which databases hold keys comes from counts refreshed at most once a second, or when a
//! round finds nothing (at most every 100 ms), since counting locks every shard.
//!
//! # Locks
//! The keyspace gate (shared, `read_recursive`: CONFIG SET runs under it already), then the
//! evictor's state, then one shard at a time. Callers never hold the gate exclusively.
use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::{notify, Server};
use crate::clock::unix_ms_now;
use crate::journal::Mark;
use crate::limits::{EVICTION_POOL_SIZE, EVICTION_VOLATILE_SCAN_MAX, SHARDS_PER_DB};
use crate::store::keyspace::{access_clock_s, read_only_scope};
use crate::store::{access, hash_key, Entry};

/// Redis's OOM refusal (`shared.oomerr`).
pub const OOM_ERROR: &str = "OOM command not allowed when used memory > 'maxmemory'.";

/// `maxmemory-policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Policy {
    NoEviction = 0,
    AllKeysLru,
    VolatileLru,
    AllKeysLfu,
    VolatileLfu,
    AllKeysRandom,
    VolatileRandom,
    VolatileTtl,
}

/// How a policy ranks candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rank {
    Lru,
    Lfu,
    Ttl,
    Random,
}

impl Policy {
    const ALL: [Policy; 8] = [
        Policy::NoEviction,
        Policy::AllKeysLru,
        Policy::VolatileLru,
        Policy::AllKeysLfu,
        Policy::VolatileLfu,
        Policy::AllKeysRandom,
        Policy::VolatileRandom,
        Policy::VolatileTtl,
    ];

    /// The policy a (validated, lowercase) setting value names; noeviction otherwise.
    pub fn parse(name: &str) -> Self {
        match name {
            "allkeys-lru" => Self::AllKeysLru,
            "volatile-lru" => Self::VolatileLru,
            "allkeys-lfu" => Self::AllKeysLfu,
            "volatile-lfu" => Self::VolatileLfu,
            "allkeys-random" => Self::AllKeysRandom,
            "volatile-random" => Self::VolatileRandom,
            "volatile-ttl" => Self::VolatileTtl,
            _ => Self::NoEviction,
        }
    }

    fn from_u8(value: u8) -> Self {
        Self::ALL.get(usize::from(value)).copied().unwrap_or(Self::NoEviction)
    }

    /// Whether only keys with a deadline may be evicted.
    fn is_volatile(self) -> bool {
        matches!(
            self,
            Self::VolatileLru | Self::VolatileLfu | Self::VolatileRandom | Self::VolatileTtl
        )
    }

    pub fn is_lfu(self) -> bool {
        matches!(self, Self::AllKeysLfu | Self::VolatileLfu)
    }

    fn rank(self) -> Rank {
        match self {
            Self::AllKeysLru | Self::VolatileLru | Self::NoEviction => Rank::Lru,
            Self::AllKeysLfu | Self::VolatileLfu => Rank::Lfu,
            Self::VolatileTtl => Rank::Ttl,
            Self::AllKeysRandom | Self::VolatileRandom => Rank::Random,
        }
    }
}

/// The eviction settings, mirrored from CONFIG for the per-command check.
pub struct Limits {
    /// `maxmemory` in bytes; 0 means no limit.
    pub maxmemory_bytes: AtomicU64,
    policy: AtomicU8,
    /// `maxmemory-samples`.
    pub samples: AtomicU64,
    /// `maxmemory-eviction-tenacity` (0..=100).
    pub tenacity: AtomicU64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            maxmemory_bytes: AtomicU64::new(0),
            policy: AtomicU8::new(Policy::NoEviction as u8),
            samples: AtomicU64::new(5),
            tenacity: AtomicU64::new(10),
        }
    }
}

impl Limits {
    pub fn policy(&self) -> Policy {
        Policy::from_u8(self.policy.load(Relaxed))
    }

    /// Updates the mirror of one setting (already validated); other names are ignored.
    pub fn apply(&self, name: &str, value: &str) {
        let number = || value.parse::<u64>().unwrap_or(0);
        match name {
            "maxmemory" => self.maxmemory_bytes.store(number(), Relaxed),
            "maxmemory-policy" => {
                let policy = Policy::parse(value);
                self.policy.store(policy as u8, Relaxed);
                access::set_lfu(policy.is_lfu());
            }
            "maxmemory-samples" => self.samples.store(number().max(1), Relaxed),
            "maxmemory-eviction-tenacity" => self.tenacity.store(number(), Relaxed),
            "lfu-log-factor" => access::set_lfu_log_factor(u32::try_from(number()).unwrap_or(0)),
            "lfu-decay-time" => access::set_lfu_decay_time(u32::try_from(number()).unwrap_or(0)),
            _ => {}
        }
    }

    /// Redis's `evictionTimeLimitUs`: up to 500 µs per call at tenacity 10 and below, growing
    /// 15% per step above, none at 100.
    fn time_limit(&self) -> Option<Duration> {
        let tenacity = self.tenacity.load(Relaxed);
        match tenacity {
            0..=10 => Some(Duration::from_micros(50 * tenacity)),
            11..=99 => {
                let exponent = i32::try_from(tenacity - 10).unwrap_or(0);
                Some(Duration::from_secs_f64(500e-6 * 1.15f64.powi(exponent)))
            }
            _ => None,
        }
    }
}

/// What an eviction attempt achieved (Redis's EVICT_OK, EVICT_RUNNING, EVICT_FAIL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Under the limit (or no limit).
    Ok,
    /// Still over, but the time slice ran out with keys left to evict: commands go on and
    /// the next command or tick continues.
    Running,
    /// Over the limit and nothing (more) can be evicted: `denyoom` commands get OOM.
    Fail,
}

/// One pooled candidate: the higher `score`, the better to evict.
struct Candidate {
    score: u64,
    db: usize,
    key: Vec<u8>,
}

#[derive(Default)]
struct State {
    /// Sorted by ascending score; the best candidate is last.
    pool: Vec<Candidate>,
    /// The policy the pool was filled for: a new policy starts a new pool.
    pool_policy: Option<Policy>,
    /// Per database: (keys, keys with a deadline), as of `counted_at`.
    counts: Vec<(usize, usize)>,
    counted_at: Option<Instant>,
}

/// The eviction machinery of one server.
#[derive(Default)]
pub struct Evictor {
    state: Mutex<State>,
    /// Where the random policies start their next round (Redis's `next_db`).
    next_db: AtomicUsize,
    /// Keys evicted since start or CONFIG RESETSTAT (INFO `evicted_keys`).
    pub evicted_keys: AtomicU64,
}

/// How long per-database counts are trusted for choosing where to sample.
const COUNTS_FRESH: Duration = Duration::from_secs(1);
/// When a round finds nothing to evict, counts younger than this are not redone: while
/// nothing qualifies (a volatile policy without keys with a TTL), each refused write would
/// otherwise lock every shard of every database.
const RECOUNT_AFTER_NOTHING: Duration = Duration::from_millis(100);

/// Bytes the journal's memory buffers hold past their fixed idle allocation, left out of the
/// `maxmemory` comparison as Redis leaves out its AOF buffer (`freeMemoryGetNotCountedMemory`):
/// evicting a key adds a record to them instead of freeing anything there. The idle
/// allocation (2 MiB) counts, as any fixed cost does: left out, a limit set just
/// above the memory in use let the data grow that much more before eviction began.
pub fn not_counted_bytes(server: &Server) -> u64 {
    server.journal().map_or(0, |journal| journal.pending_bytes())
}

/// Allocated bytes as `maxmemory` counts them.
pub fn counted_bytes(server: &Server) -> u64 {
    crate::memory::used_bytes().saturating_sub(not_counted_bytes(server))
}

/// Evicts until memory is under `maxmemory`, the time slice (`maxmemory-eviction-tenacity`)
/// runs out, or nothing is left to evict. Cheap when there is no limit or memory is under it.
/// The caller must not hold the keyspace gate exclusively. `journal_mark`, when given, is
/// raised to the last journal record if keys were evicted: a client whose command evicted
/// waits for those DELETEs to be as durable as its own writes before it gets a reply.
pub fn perform(server: &Server, journal_mark: Option<&mut Mark>) -> Outcome {
    let limits = &server.settings.hot.eviction;
    let limit = limits.time_limit();
    perform_within(server, limit, journal_mark)
}

/// `perform` without a time limit: CONFIG SET maxmemory evicts down to the new limit at once.
pub fn perform_all(server: &Server, journal_mark: Option<&mut Mark>) -> Outcome {
    perform_within(server, None, journal_mark)
}

fn perform_within(
    server: &Server,
    time_limit: Option<Duration>,
    journal_mark: Option<&mut Mark>,
) -> Outcome {
    // A replica evicts nothing (Redis's replica-ignore-maxmemory): a key it removed itself
    // would take a sequence number its primary's next record needs.
    if server.replication.is_replica() {
        return Outcome::Ok;
    }
    let before = server.evictor.evicted_keys.load(Relaxed);
    let outcome = evict_within(server, time_limit);
    if server.evictor.evicted_keys.load(Relaxed) == before {
        return outcome;
    }
    if let Some(journal) = server.journal() {
        match journal_mark {
            Some(mark) => *mark = mark.later(journal.last_mark()),
            // On no client's behalf (the background tick): written now, not at the next
            // round, so a crash soon after cannot lose the DELETEs of keys already gone.
            None => journal.write_now(),
        }
    }
    outcome
}

fn evict_within(server: &Server, time_limit: Option<Duration>) -> Outcome {
    let limits = &server.settings.hot.eviction;
    let maxmemory = limits.maxmemory_bytes.load(Relaxed);
    if maxmemory == 0 || counted_bytes(server) <= maxmemory || server.is_loading() {
        return Outcome::Ok;
    }
    // CLIENT PAUSE pauses eviction with writes and expiry, as Redis does (nothing may change
    // the dataset behind the pause); the commands it lets through run as if under the limit.
    if server.pause.mode() != super::pause::PauseMode::None {
        return Outcome::Ok;
    }
    let policy = limits.policy();
    if policy == Policy::NoEviction {
        return Outcome::Fail;
    }
    let _gate = server.keyspace.gate.read_recursive();
    // Evicting changes shards: a running snapshot must save them first, even when the
    // command that triggered this (CONFIG SET) is itself read-only.
    let _scope = read_only_scope(false);
    let mut state = server.evictor.state.lock();
    let started = Instant::now();
    let mut evicted = 0u64;
    // Bounds a round that keeps finding keys already gone; each round evicts or counts anew.
    let mut fruitless = 0;
    while counted_bytes(server) > maxmemory {
        let now_ms = unix_ms_now();
        let Some((db, key)) = pick(server, &mut state, policy) else {
            return Outcome::Fail;
        };
        if !evict(server, policy, db, &key, now_ms) {
            fruitless += 1;
            if fruitless > 16 {
                return Outcome::Running;
            }
            continue;
        }
        evicted += 1;
        if evicted.is_multiple_of(16) && time_limit.is_some_and(|l| started.elapsed() > l) {
            return if counted_bytes(server) <= maxmemory { Outcome::Ok } else { Outcome::Running };
        }
    }
    Outcome::Ok
}

/// The next key to evict, or None when no key qualifies.
fn pick(server: &Server, state: &mut State, policy: Policy) -> Option<(usize, Vec<u8>)> {
    let stale = state.counted_at.is_none_or(|at| at.elapsed() > COUNTS_FRESH);
    if stale {
        recount(server, state);
    }
    if let Some(found) = pick_counted(server, state, policy) {
        return Some(found);
    }
    if stale || state.counted_at.is_some_and(|at| at.elapsed() < RECOUNT_AFTER_NOTHING) {
        return None;
    }
    // Nothing where the counts said keys were: count again before giving up.
    recount(server, state);
    pick_counted(server, state, policy)
}

fn recount(server: &Server, state: &mut State) {
    state.counts = server.keyspace.dbs().map(|db| db.counts()).collect();
    state.counted_at = Some(Instant::now());
}

/// Candidates in database `db` per the counts (keys, or keys with a deadline).
fn has_candidates(state: &State, db: usize, volatile: bool) -> bool {
    state.counts.get(db).is_some_and(
        |&(keys, with_deadline)| {
            if volatile {
                with_deadline > 0
            } else {
                keys > 0
            }
        },
    )
}

fn pick_counted(server: &Server, state: &mut State, policy: Policy) -> Option<(usize, Vec<u8>)> {
    let volatile = policy.is_volatile();
    let dbs = state.counts.len();
    if policy.rank() == Rank::Random {
        for _ in 0..dbs {
            let db = server.evictor.next_db.fetch_add(1, Relaxed) % dbs.max(1);
            if !has_candidates(state, db, volatile) {
                continue;
            }
            let mut found = None;
            sample_db(server, db, 1, volatile, &mut |entry| {
                found.get_or_insert_with(|| entry.key.to_vec());
            });
            if let Some(key) = found {
                return Some((db, key));
            }
        }
        return None;
    }
    if state.pool_policy != Some(policy) {
        state.pool.clear();
        state.pool_policy = Some(policy);
    }
    let samples = usize::try_from(server.settings.hot.eviction.samples.load(Relaxed)).unwrap_or(5);
    // A few rounds: candidates in the pool may have been deleted since they were sampled.
    for _ in 0..4 {
        let mut sampled_any = false;
        for db in 0..dbs {
            if !has_candidates(state, db, volatile) {
                continue;
            }
            let pool = &mut state.pool;
            sample_db(server, db, samples, volatile, &mut |entry| {
                sampled_any = true;
                offer(pool, db, entry, policy.rank());
            });
        }
        if !sampled_any && state.pool.is_empty() {
            return None;
        }
        while let Some(best) = state.pool.pop() {
            if is_candidate(server, best.db, &best.key, volatile) {
                return Some((best.db, best.key));
            }
        }
    }
    None
}

/// Calls `visit` with up to `count` entries of database `db`, from consecutive shards
/// starting at a random one (Redis's `dictGetSomeKeys` walks consecutive buckets likewise).
fn sample_db(
    server: &Server,
    db: usize,
    count: usize,
    volatile: bool,
    visit: &mut dyn FnMut(&Entry),
) {
    let Some(database) = server.keyspace.db(db) else { return };
    let start = fastrand::usize(..SHARDS_PER_DB);
    let mut seen = 0;
    for step in 0..SHARDS_PER_DB {
        // Sampling only reads: a running snapshot need not save the shard for it.
        let Some(shard) = database.lock_index_to_read((start + step) % SHARDS_PER_DB) else {
            continue;
        };
        shard.sample(count - seen, volatile, EVICTION_VOLATILE_SCAN_MAX, &mut |entry| {
            seen += 1;
            visit(entry);
        });
        if seen >= count {
            return;
        }
    }
}

/// Adds `entry` to the pool if it ranks among the best `EVICTION_POOL_SIZE`.
fn offer(pool: &mut Vec<Candidate>, db: usize, entry: &Entry, rank: Rank) {
    let score = match rank {
        Rank::Lru | Rank::Random => u64::from(access_clock_s().saturating_sub(entry.accessed_s)),
        Rank::Lfu => 255 - u64::from(access::decayed_counter(entry.accessed_s).min(255)),
        // The nearest deadline first.
        Rank::Ttl => u64::MAX - entry.expires_at_ms,
    };
    if let Some(existing) = pool.iter().position(|c| c.db == db && *c.key == *entry.key) {
        pool.remove(existing);
    } else if pool.len() >= EVICTION_POOL_SIZE && pool.first().is_some_and(|c| c.score >= score) {
        return;
    }
    let at = pool.partition_point(|c| c.score <= score);
    pool.insert(at, Candidate { score, db, key: entry.key.to_vec() });
    if pool.len() > EVICTION_POOL_SIZE {
        pool.remove(0);
    }
}

/// Whether `key` still exists in `db` (with a deadline, for volatile policies).
fn is_candidate(server: &Server, db: usize, key: &[u8], volatile: bool) -> bool {
    let Some(database) = server.keyspace.db(db) else { return false };
    let hash = hash_key(key);
    let deadline = database.lock(hash).stored_deadline(hash, key);
    match deadline {
        None => false,
        Some(deadline) => !volatile || deadline != 0,
    }
}

/// Deletes `key` from `db` as an eviction; false if it is gone (or, for a volatile policy,
/// lost its deadline) meanwhile. A key found past its deadline is removed as expired instead.
fn evict(server: &Server, policy: Policy, db: usize, key: &[u8], now_ms: u64) -> bool {
    let Some(database) = server.keyspace.db(db) else { return false };
    let db_index = u32::try_from(db).unwrap_or(u32::MAX);
    let hash = hash_key(key);
    let removed = {
        let mut shard = database.lock(hash);
        match shard.find(hash, key, now_ms) {
            Some(entry) if !policy.is_volatile() || entry.expires_at_ms != 0 => {}
            _ => return false,
        }
        let removed = shard.remove(hash, key, now_ms);
        if removed.is_some() {
            // Under the shard lock, like expiry: the journal orders this DELETE before any
            // later change to the key, so replay never brings the key back.
            super::key_removed_in_background(server, db_index, key);
        }
        removed
    };
    // Freed here, on this thread, so `memory::used_bytes` sees it at once.
    let Some(entry) = removed else { return false };
    drop(entry);
    server.evictor.evicted_keys.fetch_add(1, Relaxed);
    // On no client's behalf: every subscriber gets the event through its mailbox.
    let mut own = Vec::new();
    notify::notify(server, notify::EVICTED, "evicted", key, db, 0, &mut own);
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{StrValue, Value};

    fn entry(key: &str, accessed_s: u32, expires_at_ms: u64) -> Entry {
        let mut entry = Entry::new(key.as_bytes(), Value::Str(StrValue::Int(1)));
        entry.accessed_s = accessed_s;
        entry.expires_at_ms = expires_at_ms;
        entry
    }

    #[test]
    fn pool_keeps_the_best_candidates_in_order() {
        let mut pool = Vec::new();
        for i in 0..40u64 {
            offer(&mut pool, 0, &entry(&format!("k{i}"), 0, 1000 + i), Rank::Ttl);
        }
        assert_eq!(pool.len(), EVICTION_POOL_SIZE);
        // The nearest deadline is the best (last) candidate; the farthest kept is k15.
        assert_eq!(pool.last().map(|c| c.key.clone()), Some(b"k0".to_vec()));
        assert_eq!(pool.first().map(|c| c.key.clone()), Some(b"k15".to_vec()));
        // Offering a key again replaces its candidate instead of adding one.
        offer(&mut pool, 0, &entry("k3", 0, 1003), Rank::Ttl);
        assert_eq!(pool.len(), EVICTION_POOL_SIZE);
    }

    #[test]
    fn policies_parse_and_round_trip() {
        for policy in Policy::ALL {
            assert_eq!(Policy::from_u8(policy as u8), policy);
        }
        assert_eq!(Policy::parse("volatile-ttl"), Policy::VolatileTtl);
        assert!(Policy::parse("allkeys-lfu").is_lfu());
        assert!(Policy::parse("volatile-random").is_volatile());
        assert_eq!(Policy::parse("x"), Policy::NoEviction);
    }

    #[test]
    fn time_limit_follows_tenacity() {
        let limits = Limits::default();
        assert_eq!(limits.time_limit(), Some(Duration::from_micros(500)));
        limits.tenacity.store(100, Relaxed);
        assert_eq!(limits.time_limit(), None);
        limits.tenacity.store(11, Relaxed);
        assert!(limits.time_limit().is_some_and(|l| l > Duration::from_micros(500)));
    }
}
