//! Databases and their shards. Each database is `SHARDS_PER_DB` hash tables, each behind its
//! own short mutex; a key's shard comes from its hash, computed once per access.
//!
//! # Lock order
//! 1. The keyspace `gate` (shared for ordinary commands, exclusive for commands that must see
//!    or change several databases at one instant: FLUSHALL, SWAPDB, MOVE, COPY ... DB).
//! 2. Shard mutexes of one database, in ascending shard index (see `Db::lock_shards`).
//!
//! Nothing here blocks on I/O while holding a lock.
//!
//! # Point-in-time snapshots
//! Every shard lock goes through `Db::guard`, which makes a shard that a running snapshot has
//! not reached yet pending before anyone may change it (DESIGN.md section 5): from then on
//! the shard's entries are saved copy-on-write, each just before something changes it
//! (`EntryTable::start_pending`). The compactor starts a snapshot with the gate
//! held exclusively (`Keyspace::begin_snapshot`), so every entry is saved exactly as it was at
//! that instant, without a copy of the rest.
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering, Ordering::Relaxed};
use std::sync::{Arc, LazyLock};

use parking_lot::{Mutex, RwLock};
use smallvec::SmallVec;

use crate::sync::{CellScope, SleepMutex, SleepMutexGuard};

use super::access;
use super::compact::CompactBytes;
use super::entries::EntryTable;
use super::value::Value;
use crate::limits::SHARDS_PER_DB;

static HASH_STATE: LazyLock<foldhash::fast::FixedState> =
    LazyLock::new(|| foldhash::fast::FixedState::with_seed(fastrand::u64(..)));

/// The hash of a key, used for both shard choice and table lookup.
#[inline]
pub fn hash_key(key: &[u8]) -> u64 {
    HASH_STATE.hash_one(key)
}

/// The shard a hash belongs to. Uses bits 32.. so it is independent of the bits the hash
/// table uses for chunks (low bits) and tags (bits 56-62).
#[inline]
pub fn shard_of(hash: u64) -> usize {
    ((hash >> 32) as usize) & (SHARDS_PER_DB - 1)
}

/// One key and its value.
#[derive(Debug, Clone)]
pub struct Entry {
    pub key: CompactBytes,
    pub value: Value,
    /// Absolute deadline in Unix milliseconds; 0 means no expiry.
    pub expires_at_ms: u64,
    /// Last access, in seconds of the server clock (OBJECT IDLETIME); under an LFU policy a
    /// minutes clock and an access counter instead (`store::access`).
    pub accessed_s: u32,
}

// 60 bytes of fields: every key's fixed cost (entries.rs). A word more per `Value` made it 72.
const _: () = assert!(std::mem::size_of::<Entry>() == 64);

impl Entry {
    pub fn new(key: &[u8], value: Value) -> Self {
        Self { key: key.into(), value, expires_at_ms: 0, accessed_s: access::fresh() }
    }

    /// Records an access (LRU clock or LFU counter, per the policy).
    #[inline]
    pub fn touch(&mut self) {
        self.accessed_s = access::touched(self.accessed_s);
    }

    #[inline]
    pub fn is_expired(&self, now_ms: u64) -> bool {
        self.expires_at_ms != 0 && self.expires_at_ms <= now_ms
    }
}

static CLOCK_START: LazyLock<std::time::Instant> = LazyLock::new(std::time::Instant::now);

/// Where the access clock starts: far enough from 0 that a stamp can be backdated by any idle
/// time a client may ask for (RESTORE ... IDLETIME, up to 34 years), and far enough from
/// `u32::MAX` for a century of uptime.
const ACCESS_CLOCK_BASE_S: u32 = 1 << 30;

/// The access clock, in seconds since the process started, plus `ACCESS_CLOCK_BASE_S`.
/// Cached, like Redis's LRU clock: reading the time on every key lookup costs more than the
/// lookup itself. Only differences of stamps mean anything.
static ACCESS_CLOCK_S: AtomicU32 = AtomicU32::new(ACCESS_CLOCK_BASE_S);

/// The access clock in seconds, for idle times (resolution: one clock tick).
#[inline]
pub fn access_clock_s() -> u32 {
    ACCESS_CLOCK_S.load(Relaxed)
}

/// Advances the access clock; the server calls this every expiry tick (100 ms).
pub fn tick_access_clock() {
    let elapsed = u32::try_from(CLOCK_START.elapsed().as_secs()).unwrap_or(u32::MAX);
    ACCESS_CLOCK_S.store(ACCESS_CLOCK_BASE_S.saturating_add(elapsed), Relaxed);
}

/// Called with (database, key) for every key removed because its deadline passed, while the
/// key's shard is still locked: the journal records the deletion before any later change to
/// the same key (a key that expired is journaled as deleted, DESIGN.md section 4).
pub type ExpiryHook = Box<dyn Fn(u32, &[u8]) + Send + Sync>;

static EXPIRY_HOOK: RwLock<Option<ExpiryHook>> = RwLock::new(None);

/// Installs (or removes) the process's expiry hook; the server sets it when its journal starts.
pub fn set_expiry_hook(hook: Option<ExpiryHook>) {
    *EXPIRY_HOOK.write() = hook;
}

/// Set while CLIENT PAUSE is in force: keys past their deadline stay stored (and invisible to
/// reads) instead of being removed, as Redis pauses expiry with writes.
static EXPIRY_PAUSED: AtomicBool = AtomicBool::new(false);

/// Pauses (or resumes) the removal of keys whose deadline passed (CLIENT PAUSE).
pub fn set_expiry_paused(paused: bool) {
    EXPIRY_PAUSED.store(paused, Relaxed);
}

/// Set while this server is a replica: keys past their deadline stay stored (and invisible
/// to reads) until the primary's journal removes them, as a Redis replica waits for its
/// primary's DEL.
static EXPIRY_HELD: AtomicBool = AtomicBool::new(false);

/// Holds (or releases) the removal of keys whose deadline passed while replicating.
pub fn set_expiry_held(held: bool) {
    EXPIRY_HELD.store(held, Relaxed);
}

/// Whether expired keys are kept for now (read only once a key is found expired).
pub fn is_expiry_paused() -> bool {
    EXPIRY_PAUSED.load(Relaxed) || EXPIRY_HELD.load(Relaxed)
}

fn expired_key(db: u32, key: &[u8]) {
    if let Some(hook) = EXPIRY_HOOK.read().as_ref() {
        hook(db, key);
    }
}

/// What the store itself reports to keyspace notifications, because only it sees the moment:
/// a key created (`new`, Redis's `dbAdd`) and a read lookup that missed (`keymiss`, Redis's
/// `lookupKeyRead`). The running command drains them (`take_key_events`) and publishes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyEventKind {
    New,
    Miss,
}

/// `KeyEventScope` bits: which key events the running command collects.
pub const TRACK_NEW: u8 = 1;
pub const TRACK_MISS: u8 = 2;

/// One noted key event: its kind, database and key.
pub type KeyEvent = (KeyEventKind, u32, Vec<u8>);

thread_local! {
    /// The `TRACK_*` bits of the command running on this thread (`KeyEventScope`); 0 notes
    /// nothing, so a server without `n` and `m` notifications pays one thread-local read.
    static KEY_EVENTS_TRACKED: std::cell::Cell<u8> = const { std::cell::Cell::new(0) };
    static KEY_EVENTS: std::cell::RefCell<Vec<KeyEvent>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Collects the key events `tracked` names for as long as it lives (one command). Replay,
/// snapshot loading and the expiry cycle run outside any scope and note nothing.
pub struct KeyEventScope {
    was: u8,
}

impl KeyEventScope {
    pub fn new(tracked: u8) -> Self {
        Self { was: KEY_EVENTS_TRACKED.replace(tracked) }
    }
}

impl Drop for KeyEventScope {
    fn drop(&mut self) {
        KEY_EVENTS_TRACKED.set(self.was);
        if self.was == 0 {
            // Whatever the command did not publish (notifications turned off meanwhile).
            KEY_EVENTS.with_borrow_mut(Vec::clear);
        }
    }
}

/// The key events noted since the last call, oldest first (no allocation when none).
pub fn take_key_events() -> Vec<KeyEvent> {
    KEY_EVENTS.with_borrow_mut(std::mem::take)
}

#[inline]
fn note_key_event(kind: KeyEventKind, db: u32, key: &[u8]) {
    let bit = match kind {
        KeyEventKind::New => TRACK_NEW,
        KeyEventKind::Miss => TRACK_MISS,
    };
    if KEY_EVENTS_TRACKED.get() & bit != 0 {
        push_key_event(kind, db, key);
    }
}

#[cold]
fn push_key_event(kind: KeyEventKind, db: u32, key: &[u8]) {
    KEY_EVENTS.with_borrow_mut(|events| events.push((kind, db, key.to_vec())));
}

/// The live entry for `key` in one probe: an expired entry is removed (and counted) instead.
fn find_live<'a>(
    table: &'a mut EntryTable,
    volatile: &mut usize,
    expired: &mut u64,
    db: u32,
    hash: u64,
    key: &[u8],
    now_ms: u64,
) -> Option<&'a mut Entry> {
    let position = table.position(hash, key)?;
    if !table.get(position)?.is_expired(now_ms) {
        return table.get_mut(position);
    }
    if is_expiry_paused() {
        return None;
    }
    table.remove_at(hash, position);
    *volatile -= 1;
    *expired += 1;
    expired_key(db, key);
    None
}

/// One hash table of a database, with the counters its owner reads for INFO.
#[derive(Default)]
pub struct Shard {
    table: EntryTable,
    /// The index of the database this shard belongs to (for the expiry hook).
    db: u32,
    /// Keys in this shard with a deadline.
    volatile: usize,
    /// Keys removed because their deadline passed (lazily or by the active cycle).
    pub expired: u64,
    pub hits: u64,
    pub misses: u64,
    /// The snapshot epoch this shard was last saved in (see `SnapshotPoint`).
    saved_epoch: u64,
}

impl Shard {
    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Warms a lookup of `hash` ahead of time, step 1: the index chunk (`server::warm`).
    #[inline]
    pub fn prefetch_index(&self, hash: u64) {
        self.table.prefetch_index(hash);
    }

    /// Step 2, after step 1 for the whole batch: the entry the index most likely names.
    #[inline]
    pub fn prefetch_entry(&self, hash: u64) {
        self.table.prefetch_entry(hash);
    }

    /// Bytes of the shard's hash table (`EntryTable::index_bytes`).
    pub fn index_bytes(&self) -> usize {
        self.table.index_bytes()
    }

    pub fn volatile_len(&self) -> usize {
        self.volatile
    }

    /// The live entry for `key`, deleting it first if its deadline has passed.
    pub fn find(&mut self, hash: u64, key: &[u8], now_ms: u64) -> Option<&mut Entry> {
        find_live(
            &mut self.table,
            &mut self.volatile,
            &mut self.expired,
            self.db,
            hash,
            key,
            now_ms,
        )
    }

    /// Like `find`, counting a keyspace hit or miss and touching the access time.
    pub fn lookup(&mut self, hash: u64, key: &[u8], now_ms: u64) -> Option<&mut Entry> {
        let Shard { table, volatile, expired, hits, misses, db, .. } = self;
        match find_live(table, volatile, expired, *db, hash, key, now_ms) {
            Some(entry) => {
                *hits += 1;
                entry.touch();
                Some(entry)
            }
            None => {
                *misses += 1;
                note_key_event(KeyEventKind::Miss, *db, key);
                None
            }
        }
    }

    /// Like `lookup`, counting a keyspace hit or miss but leaving the access time alone, as
    /// Redis's `LOOKUP_NOTOUCH` reads do (TYPE, EXISTS, TTL); a miss is a `keymiss` event.
    pub fn peek(&mut self, hash: u64, key: &[u8], now_ms: u64) -> Option<&mut Entry> {
        self.peek_counted(hash, key, now_ms, true)
    }

    /// Like `peek` without the `keymiss` event (Redis's `LOOKUP_NONOTIFY`: OBJECT).
    pub fn peek_quietly(&mut self, hash: u64, key: &[u8], now_ms: u64) -> Option<&mut Entry> {
        self.peek_counted(hash, key, now_ms, false)
    }

    fn peek_counted(
        &mut self,
        hash: u64,
        key: &[u8],
        now_ms: u64,
        notify_miss: bool,
    ) -> Option<&mut Entry> {
        let Shard { table, volatile, expired, hits, misses, db, .. } = self;
        let found = find_live(table, volatile, expired, *db, hash, key, now_ms);
        if found.is_some() {
            *hits += 1;
        } else {
            *misses += 1;
            if notify_miss {
                note_key_event(KeyEventKind::Miss, *db, key);
            }
        }
        found
    }

    /// The deadline of `key` if it is stored, live or past its deadline (0: none), without
    /// removing or counting anything (WATCH's and EXEC's checks, Redis's `dictFind`).
    pub fn stored_deadline(&self, hash: u64, key: &[u8]) -> Option<u64> {
        let position = self.table.position(hash, key)?;
        self.table.get(position).map(|e| e.expires_at_ms)
    }

    /// Whether a live entry exists (deleting an expired one).
    pub fn contains(&mut self, hash: u64, key: &[u8], now_ms: u64) -> bool {
        self.find(hash, key, now_ms).is_some()
    }

    /// Like `find`, touching the access time but counting no hit or miss: Redis's
    /// `lookupKeyWrite`, which a write command's lookup is even when the command then changes
    /// nothing (EXPIRE with an unmet condition, SETNX on an existing key).
    pub fn find_for_write(&mut self, hash: u64, key: &[u8], now_ms: u64) -> Option<&mut Entry> {
        let entry = self.find(hash, key, now_ms)?;
        entry.touch();
        Some(entry)
    }

    /// Whether `key` is live, as a write command's lookup (`find_for_write`).
    pub fn contains_for_write(&mut self, hash: u64, key: &[u8], now_ms: u64) -> bool {
        self.find_for_write(hash, key, now_ms).is_some()
    }

    /// Inserts or replaces; returns the previous live entry, if any. A key that had no live
    /// entry is a `new` key event.
    pub fn insert(&mut self, hash: u64, entry: Entry, now_ms: u64) -> Option<Entry> {
        let previous = self.remove(hash, &entry.key, now_ms);
        if previous.is_none() {
            note_key_event(KeyEventKind::New, self.db, &entry.key);
        }
        if entry.expires_at_ms != 0 {
            self.volatile += 1;
        }
        self.table.insert_new(hash, entry);
        previous
    }

    /// Sets `key` to `value` in one probe: replaces a live or expired entry in place, or inserts.
    /// `deadline` is the new absolute deadline (0 = none); `None` keeps a live key's deadline.
    /// An expired entry replaced counts as expired (the hook hears of it) and, like a key that
    /// was absent, makes a `new` key event.
    pub fn upsert(
        &mut self,
        hash: u64,
        key: &[u8],
        value: Value,
        deadline: Option<u64>,
        now_ms: u64,
    ) {
        let Shard { table, volatile, expired, db, .. } = self;
        let found = table.position(hash, key).and_then(|p| table.get_mut(p));
        match found {
            Some(entry) => {
                let live = !entry.is_expired(now_ms);
                if !live {
                    *expired += 1;
                    expired_key(*db, key);
                    note_key_event(KeyEventKind::New, *db, key);
                }
                let kept = if live { entry.expires_at_ms } else { 0 };
                let next = deadline.unwrap_or(kept);
                match (entry.expires_at_ms != 0, next != 0) {
                    (false, true) => *volatile += 1,
                    (true, false) => *volatile -= 1,
                    _ => {}
                }
                entry.value = value;
                entry.expires_at_ms = next;
                // An overwrite is an access; under LFU the counter carries over, as Redis's
                // dbSetValue keeps the old `lru` field.
                entry.accessed_s = access::overwritten(entry.accessed_s);
            }
            None => {
                note_key_event(KeyEventKind::New, *db, key);
                let mut entry = Entry::new(key, value);
                entry.expires_at_ms = deadline.unwrap_or(0);
                if entry.expires_at_ms != 0 {
                    *volatile += 1;
                }
                table.insert_new(hash, entry);
            }
        }
    }

    /// Makes room for `additional` more entries without rehashing (loading a snapshot).
    pub fn reserve(&mut self, additional: usize) {
        self.table.reserve(additional);
    }

    /// Removes and returns the live entry for `key` (an expired one counts as absent).
    pub fn remove(&mut self, hash: u64, key: &[u8], now_ms: u64) -> Option<Entry> {
        let entry = self.remove_entry(hash, key)?;
        if entry.is_expired(now_ms) {
            self.expired += 1;
            expired_key(self.db, key);
            return None;
        }
        Some(entry)
    }

    fn remove_entry(&mut self, hash: u64, key: &[u8]) -> Option<Entry> {
        let entry = self.table.remove(hash, key)?;
        if entry.expires_at_ms != 0 {
            self.volatile -= 1;
        }
        Some(entry)
    }

    /// Sets or clears (`0`) the deadline of a live key; returns false if the key is absent.
    pub fn set_expiry(&mut self, hash: u64, key: &[u8], expires_at_ms: u64, now_ms: u64) -> bool {
        let Some(entry) = self.find(hash, key, now_ms) else {
            return false;
        };
        let before = entry.expires_at_ms != 0;
        entry.expires_at_ms = expires_at_ms;
        match (before, expires_at_ms != 0) {
            (false, true) => self.volatile += 1,
            (true, false) => self.volatile -= 1,
            _ => {}
        }
        true
    }

    /// Every entry, expired ones included (callers filter with `is_expired`).
    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.table.iter()
    }

    /// Removes every expired entry, calling `on_expired` with each key; returns how many
    /// entries were examined. The time to live of each entry with a deadline that stays is
    /// added to `ttls`. Nothing while expiry is held (a replica) or paused.
    pub fn remove_expired(
        &mut self,
        now_ms: u64,
        ttls: &mut TtlSamples,
        on_expired: &mut dyn FnMut(&[u8]),
    ) -> usize {
        if self.volatile == 0 || is_expiry_paused() {
            return 0;
        }
        let examined = self.table.len();
        let removed = self.table.retain(|e| {
            if e.is_expired(now_ms) {
                return false;
            }
            if e.expires_at_ms != 0 {
                ttls.add(e.expires_at_ms - now_ms);
            }
            true
        });
        for entry in &removed {
            expired_key(self.db, &entry.key);
            on_expired(&entry.key);
        }
        self.volatile -= removed.len();
        self.expired += removed.len() as u64;
        examined
    }

    /// Calls `visit` with up to `count` entries picked at random (possibly repeated), for
    /// eviction samples, and never more than the shard holds: `maxmemory-samples` may be as
    /// large as Redis allows (INT_MAX), and Redis's dictGetSomeKeys also stops at the
    /// dictionary's size. With `volatile_only`, only entries with a deadline: they are found
    /// by a walk from a random position, over at most `scan_max` entries.
    pub fn sample(
        &self,
        count: usize,
        volatile_only: bool,
        scan_max: usize,
        visit: &mut dyn FnMut(&Entry),
    ) {
        let len = self.table.len();
        if !volatile_only {
            for _ in 0..count.min(len) {
                if let Some(entry) = self.table.random_position().and_then(|p| self.table.get(p)) {
                    visit(entry);
                }
            }
            return;
        }
        if self.volatile == 0 {
            return;
        }
        let Some(start) = self.table.random_position() else { return };
        let mut found = 0;
        for step in 0..len.min(scan_max) {
            let Some(entry) = self.table.get((start + step) % len) else { continue };
            if entry.expires_at_ms != 0 {
                visit(entry);
                found += 1;
                if found == count {
                    return;
                }
            }
        }
    }

    /// A random live entry, or None when the shard holds none.
    pub fn random(&mut self, now_ms: u64) -> Option<&Entry> {
        for _ in 0..8 {
            let position = self.table.random_position()?;
            let (hash, expired) = {
                let entry = self.table.get(position)?;
                (hash_key(&entry.key), entry.is_expired(now_ms))
            };
            if !expired {
                return self.table.get(position);
            }
            if is_expiry_paused() {
                continue;
            }
            if let Some(entry) = self.table.remove_at(hash, position) {
                self.volatile -= 1;
                self.expired += 1;
                expired_key(self.db, &entry.key);
            }
        }
        None
    }

    /// Saves everything a running snapshot has still to save of this shard, before a change
    /// to the whole table (emptied, taken away, swapped).
    fn save_all_pending(&mut self) {
        while !self.table.save_pending(usize::MAX) {}
    }

    /// Removes everything; returns how many entries there were.
    pub fn clear(&mut self) -> usize {
        self.save_all_pending();
        let n = self.table.len();
        self.table = EntryTable::default();
        self.volatile = 0;
        n
    }
}

/// Receives the entries of a running point-in-time snapshot.
pub trait ShardSaver: Send + Sync {
    /// Saves `entries` of database `db`: part of one shard (the entries a command is about
    /// to change, or a run of the compactor's), each as it was when the snapshot began. Called with the shard's lock held,
    /// exactly once for each entry of the snapshot, before anything changes it.
    fn save(&self, db: u32, entries: &mut dyn Iterator<Item = &Entry>);
}

/// The running snapshot, shared by every database of a keyspace. A shard whose `saved_epoch`
/// is behind `epoch` has not been reached yet (not made pending).
#[derive(Default)]
pub struct SnapshotPoint {
    epoch: AtomicU64,
    saver: RwLock<Option<Arc<dyn ShardSaver>>>,
}

thread_local! {
    /// Set while a read-only command runs on this thread (`read_only_scope`).
    static READ_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Marks the running command as read-only for as long as it lives: shards it locks are not
/// saved into a running snapshot first (the compactor, or the next writer, saves them).
/// A read-only command changes nothing a snapshot holds; the one exception, removing a key
/// whose deadline passed, leaves a snapshot without a key that was invisible anyway, and the
/// journal records that removal after the snapshot's sequence number. (PFCOUNT, flagged
/// `readonly` but storing its cached count, runs outside this scope: see commands::mod.)
///
/// Without this a read-heavy workload over many keys makes the serving threads encode most
/// shards themselves at the start of every compaction (measured: a 0.7 s stall at 2 M keys).
pub fn read_only_scope(read_only: bool) -> CellScope<bool> {
    CellScope::set(&READ_ONLY, read_only)
}

/// Whether the running command is read-only (`read_only_scope`).
#[inline]
pub(super) fn in_read_only_command() -> bool {
    READ_ONLY.get()
}

impl SnapshotPoint {
    /// Makes the running snapshot save `shard` copy-on-write if it has not reached it yet and
    /// the running command may change it: from then on each of the shard's entries is saved
    /// just before something changes it (`EntryTable::start_pending`).
    #[inline]
    fn catch_up(&self, db: u32, shard: &mut Shard) {
        let epoch = self.epoch.load(Ordering::Acquire);
        if shard.saved_epoch != epoch && !READ_ONLY.get() {
            self.reach(db, shard, epoch);
        }
    }

    #[cold]
    fn reach(&self, db: u32, shard: &mut Shard, epoch: u64) {
        if let Some(saver) = self.saver.read().as_ref() {
            shard.table.start_pending(saver.clone(), db);
        }
        shard.saved_epoch = epoch;
    }
}

/// Entries the compactor saves of a shard per hold of its lock: a command waiting for the
/// lock waits for at most this much encoding.
const SAVE_STEP_ENTRIES: usize = 1024;

/// One database: a fixed array of shards.
pub struct Db {
    shards: Box<[SleepMutex<Shard>]>,
    index: u32,
    snapshot: Arc<SnapshotPoint>,
    /// INFO keyspace's `avg_ttl`: a running average of the times to live active expiry sees.
    avg_ttl_ms: AtomicU64,
}

/// Times to live (ms) seen by one step of active expiry in one shard.
#[derive(Debug, Default)]
pub struct TtlSamples {
    sum_ms: u64,
    count: u64,
}

impl TtlSamples {
    fn add(&mut self, ttl_ms: u64) {
        self.sum_ms = self.sum_ms.saturating_add(ttl_ms);
        self.count += 1;
    }
}

impl Default for Db {
    fn default() -> Self {
        Self::new(0)
    }
}

impl Db {
    /// Database number `index`, empty, outside any keyspace's snapshots.
    pub fn new(index: u32) -> Self {
        Self::with_snapshot(index, Arc::default())
    }

    fn with_snapshot(index: u32, snapshot: Arc<SnapshotPoint>) -> Self {
        let shard = || SleepMutex::new(Shard { db: index, ..Shard::default() });
        Self {
            shards: (0..SHARDS_PER_DB).map(|_| shard()).collect(),
            index,
            snapshot,
            avg_ttl_ms: AtomicU64::new(0),
        }
    }

    /// Locks shard `index`, making it pending first if a running snapshot has not reached it
    /// yet: every shard lock goes through here. `index` is below SHARDS_PER_DB (callers mask
    /// or check it).
    #[inline]
    fn guard(&self, index: usize) -> SleepMutexGuard<'_, Shard> {
        let mut shard = self.shards[index].lock();
        self.snapshot.catch_up(self.index, &mut shard);
        shard
    }

    /// Saves what the running snapshot has still to save of shard `index`, a run of entries
    /// per hold of its lock (`SAVE_STEP_ENTRIES`), so commands on the shard run in between:
    /// between two runs, a command blocked on the lock gets it first (`let_waiters_in`).
    fn finish_shard(&self, index: usize) {
        loop {
            let mut shard = self.guard(index);
            if shard.table.save_pending(SAVE_STEP_ENTRIES) {
                return;
            }
            drop(shard);
            self.shards[index].let_waiters_in();
        }
    }
}

/// A locked shard that can only be read (`Db::lock_index_to_read`): it may not be saved for
/// a running snapshot yet, so nothing may change through it.
pub struct ShardReadGuard<'a>(SleepMutexGuard<'a, Shard>);

impl std::ops::Deref for ShardReadGuard<'_> {
    type Target = Shard;

    fn deref(&self) -> &Shard {
        &self.0
    }
}

/// Several shards of one database locked together, in ascending order. Most commands lock
/// one or two (a push, a move), held inline: locking allocates only beyond four.
pub struct ShardSet<'a> {
    guards: SmallVec<[(usize, SleepMutexGuard<'a, Shard>); 4]>,
}

impl ShardSet<'_> {
    /// Whether shard `index` is among the locked ones.
    pub fn holds(&self, index: usize) -> bool {
        self.guards.binary_search_by_key(&index, |(i, _)| *i).is_ok()
    }

    /// The locked shard for `hash`. Panics only on a caller bug (a key not passed to
    /// `lock_keys`), which is a logic error, not input-dependent.
    pub fn shard(&mut self, hash: u64) -> &mut Shard {
        let index = shard_of(hash);
        let position = self.guards.binary_search_by_key(&index, |(i, _)| *i);
        match position {
            Ok(p) => &mut self.guards[p].1,
            Err(_) => panic!("shard {index} was not locked"),
        }
    }
}

impl Db {
    /// Locks the shard holding `hash`.
    #[inline]
    pub fn lock(&self, hash: u64) -> SleepMutexGuard<'_, Shard> {
        self.guard(shard_of(hash))
    }

    /// Locks shard `index` (0..SHARDS_PER_DB).
    pub fn lock_index(&self, index: usize) -> Option<SleepMutexGuard<'_, Shard>> {
        (index < self.shards.len()).then(|| self.guard(index))
    }

    /// Locks shard `index` to look at it only: a running snapshot does not save it first, so
    /// the guard gives no way to change it.
    pub fn lock_index_to_read(&self, index: usize) -> Option<ShardReadGuard<'_>> {
        self.shards.get(index).map(|shard| ShardReadGuard(shard.lock()))
    }

    /// Locks shard `index` to change it, but only if `wanted` says so of the locked shard; a
    /// running snapshot makes it pending only then. Background work that visits every shard
    /// (active expiry) must not save the whole snapshot on the serving thread in one pass:
    /// that stalled every client for the rest of the compaction (0.3-0.5 s with 2 M keys).
    pub fn lock_index_to_change_if(
        &self,
        index: usize,
        wanted: impl FnOnce(&Shard) -> bool,
    ) -> Option<SleepMutexGuard<'_, Shard>> {
        let mut shard = self.shards.get(index)?.lock();
        if !wanted(&shard) {
            return None;
        }
        self.snapshot.catch_up(self.index, &mut shard);
        Some(shard)
    }

    /// Locks the shards of all `hashes` in ascending index order (the lock-order rule).
    pub fn lock_keys(&self, hashes: impl Iterator<Item = u64>) -> ShardSet<'_> {
        let mut indexes: SmallVec<[usize; 8]> = hashes.map(shard_of).collect();
        indexes.sort_unstable();
        indexes.dedup();
        let guards = indexes.into_iter().map(|i| (i, self.guard(i))).collect();
        ShardSet { guards }
    }

    /// Each shard, locked one at a time in index order.
    fn guards(&self) -> impl Iterator<Item = SleepMutexGuard<'_, Shard>> {
        (0..self.shards.len()).map(|i| self.guard(i))
    }

    pub fn shard_count(&self) -> usize {
        self.shards.len()
    }

    /// Keys in the database (expired ones not yet removed included, as Redis's DBSIZE).
    pub fn len(&self) -> usize {
        self.guards().map(|s| s.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.guards().all(|s| s.is_empty())
    }

    /// (keys, bytes of the hash tables), over the shards in one pass (MEMORY STATS `keys.count`
    /// and `overhead.hashtable.main`).
    pub fn keys_and_index_bytes(&self) -> (usize, usize) {
        self.guards().fold((0, 0), |(k, b), s| (k + s.len(), b + s.index_bytes()))
    }

    /// (keys, keys with a deadline).
    pub fn counts(&self) -> (usize, usize) {
        self.guards().fold((0, 0), |(k, v), s| (k + s.len(), v + s.volatile_len()))
    }

    /// Sums of (expired, hits, misses) over the shards.
    pub fn stats(&self) -> (u64, u64, u64) {
        self.guards().fold((0, 0, 0), |(e, h, m), s| (e + s.expired, h + s.hits, m + s.misses))
    }

    /// Resets hit and miss counters (CONFIG RESETSTAT).
    pub fn reset_stats(&self) {
        for mut s in self.guards() {
            s.expired = 0;
            s.hits = 0;
            s.misses = 0;
        }
    }

    /// Removes every key; returns how many there were.
    pub fn clear(&self) -> usize {
        self.avg_ttl_ms.store(0, Relaxed);
        self.guards().map(|mut s| s.clear()).sum()
    }

    /// INFO keyspace's `avg_ttl` (ms): Redis's estimate, a running average giving each step
    /// of active expiry's mean time to live a weight of 2 %; 0 once no key has a deadline.
    pub fn avg_ttl_ms(&self) -> u64 {
        self.avg_ttl_ms.load(Relaxed)
    }

    /// Folds one step's samples into `avg_ttl`, as Redis's activeExpireCycle does.
    fn add_ttl_samples(&self, ttls: &TtlSamples) {
        if ttls.count == 0 {
            return;
        }
        let mean = ttls.sum_ms / ttls.count;
        let previous = match self.avg_ttl_ms.load(Relaxed) {
            0 => mean,
            average => average,
        };
        self.avg_ttl_ms.store(previous / 50 * 49 + mean / 50, Relaxed);
    }

    /// Empties the database and hands its entries back, so the caller may free them elsewhere
    /// (FLUSHDB ASYNC / FLUSHALL ASYNC free large databases on another thread).
    pub fn detach(&self) -> DetachedEntries {
        self.avg_ttl_ms.store(0, Relaxed);
        let tables = self
            .guards()
            .map(|mut shard| {
                shard.save_all_pending();
                shard.volatile = 0;
                std::mem::take(&mut shard.table)
            })
            .filter(|t| !t.is_empty())
            .collect();
        DetachedEntries { tables }
    }

    /// Exchanges contents with `other`, shard by shard. Callers hold the gate exclusively.
    pub fn swap_with(&self, other: &Db) {
        for index in 0..self.shards.len().min(other.shards.len()) {
            let mut a = self.guard(index);
            let mut b = other.guard(index);
            a.save_all_pending();
            b.save_all_pending();
            std::mem::swap(&mut a.table, &mut b.table);
            std::mem::swap(&mut a.volatile, &mut b.volatile);
        }
        let average = self.avg_ttl_ms.swap(other.avg_ttl_ms.load(Relaxed), Relaxed);
        other.avg_ttl_ms.store(average, Relaxed);
    }
}

/// Entries taken out of a database by `Db::detach`; dropping this frees them.
#[derive(Default)]
pub struct DetachedEntries {
    tables: Vec<EntryTable>,
}

impl DetachedEntries {
    /// How many entries are held.
    pub fn len(&self) -> usize {
        self.tables.iter().map(EntryTable::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// Adds the entries of `other`.
    pub fn append(&mut self, other: DetachedEntries) {
        self.tables.extend(other.tables);
    }
}

/// All databases, and the gate that orders whole-keyspace operations.
pub struct Keyspace {
    dbs: Box<[Db]>,
    pub gate: RwLock<()>,
    expire_cursor: Mutex<ExpireCursor>,
    snapshot: Arc<SnapshotPoint>,
}

/// Where active expiry goes on, and what it saw so far of the database it is in.
#[derive(Debug, Default)]
struct ExpireCursor {
    /// The next shard, counted across databases (database * SHARDS_PER_DB + shard).
    position: usize,
    /// Times to live seen in this pass over the current database.
    ttls: TtlSamples,
    /// Whether a shard of the current database held keys with a deadline in this pass.
    saw_volatile: bool,
}

impl Keyspace {
    pub fn new(databases: usize) -> Self {
        let snapshot = Arc::<SnapshotPoint>::default();
        let db =
            |i: usize| Db::with_snapshot(u32::try_from(i).unwrap_or(u32::MAX), snapshot.clone());
        Self {
            dbs: (0..databases).map(db).collect(),
            gate: RwLock::new(()),
            expire_cursor: Mutex::new(ExpireCursor::default()),
            snapshot,
        }
    }

    /// Starts a point-in-time snapshot: from now on every entry is handed to `saver` once,
    /// as it is now, before anything changes it. The caller holds the gate exclusively, so
    /// no command is halfway through a change.
    pub fn begin_snapshot(&self, saver: Arc<dyn ShardSaver>) {
        *self.snapshot.saver.write() = Some(saver);
        self.snapshot.epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// Saves everything the running snapshot has not saved yet, shard by shard (a run of
    /// entries per hold of a shard's lock), calling `after_shard` after each shard, then ends the
    /// snapshot.
    pub fn finish_snapshot(&self, after_shard: &mut dyn FnMut(usize, usize)) {
        for (d, db) in self.dbs.iter().enumerate() {
            for index in 0..db.shards.len() {
                db.finish_shard(index);
                after_shard(d, index);
            }
        }
        self.end_snapshot();
    }

    /// Ends the running snapshot (also an abandoned one): nothing more is handed to the
    /// saver, and what shards had still to save is forgotten (with their hold on the saver).
    pub fn end_snapshot(&self) {
        *self.snapshot.saver.write() = None;
        // A command that read the saver before it was cleared set its shard pending under
        // the shard's lock, so this pass, which takes every lock after the clear, sees it.
        for db in self.dbs.iter() {
            for shard in db.shards.iter() {
                shard.lock().table.drop_pending();
            }
        }
    }

    pub fn db_count(&self) -> usize {
        self.dbs.len()
    }

    /// Database `index`; callers validated the index (SELECT refuses bad ones).
    pub fn db(&self, index: usize) -> Option<&Db> {
        self.dbs.get(index)
    }

    pub fn dbs(&self) -> impl Iterator<Item = &Db> {
        self.dbs.iter()
    }

    /// One bounded step of active expiry: visits shards round-robin, removing expired keys,
    /// until about `budget` entries were examined or every shard was visited once.
    /// Returns the number of keys removed. Each whole pass over a database updates its
    /// `avg_ttl` once, from the times to live it saw, or sets it to 0 when it found no key
    /// with a deadline, as Redis's activeExpireCycle does.
    pub fn expire_cycle(&self, now_ms: u64, budget: usize) -> u64 {
        let total = self.dbs.len() * SHARDS_PER_DB;
        if total == 0 {
            return 0;
        }
        let mut cursor = self.expire_cursor.lock();
        let cursor = &mut *cursor;
        let mut examined = 0usize;
        let mut removed = 0u64;
        for _ in 0..total {
            let (db, shard) = (cursor.position / SHARDS_PER_DB, cursor.position % SHARDS_PER_DB);
            cursor.position = (cursor.position + 1) % total;
            let Some(database) = self.dbs.get(db) else { continue };
            examined += 1;
            let found = database.lock_index_to_change_if(shard, |s| s.volatile_len() > 0);
            if let Some(mut guard) = found {
                cursor.saw_volatile = true;
                examined += guard.remove_expired(now_ms, &mut cursor.ttls, &mut |_| removed += 1);
            }
            if shard == SHARDS_PER_DB - 1 {
                let ttls = std::mem::take(&mut cursor.ttls);
                if std::mem::take(&mut cursor.saw_volatile) {
                    database.add_ttl_samples(&ttls);
                } else {
                    database.avg_ttl_ms.store(0, Relaxed);
                }
            }
            if examined >= budget {
                break;
            }
        }
        removed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::value::StrValue;

    fn string(v: &str) -> Value {
        Value::Str(StrValue::from_bytes(v.as_bytes()))
    }

    #[test]
    fn insert_find_expire() {
        let db = Db::default();
        let h = hash_key(b"k");
        let mut shard = db.lock(h);
        let mut entry = Entry::new(b"k", string("v"));
        entry.expires_at_ms = 1000;
        assert!(shard.insert(h, entry, 0).is_none());
        assert_eq!(shard.volatile_len(), 1);
        assert!(shard.find(h, b"k", 999).is_some());
        assert!(shard.find(h, b"k", 1000).is_none());
        assert_eq!(shard.volatile_len(), 0);
        assert_eq!(shard.expired, 1);
        assert_eq!(shard.len(), 0);
    }

    /// Collects what a snapshot was handed: (database, key, value), and the calls.
    #[derive(Default)]
    struct CollectingSaver {
        saved: Mutex<Vec<(u32, Vec<u8>, Value)>>,
        calls: AtomicU64,
    }

    impl ShardSaver for CollectingSaver {
        fn save(&self, db: u32, entries: &mut dyn Iterator<Item = &Entry>) {
            self.calls.fetch_add(1, Relaxed);
            self.saved.lock().extend(entries.map(|e| (db, e.key.to_vec(), e.value.clone())));
        }
    }

    impl CollectingSaver {
        fn sorted(&self) -> Vec<(u32, Vec<u8>, Value)> {
            let mut saved = self.saved.lock().clone();
            saved.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
            saved
        }
    }

    fn contents(keyspace: &Keyspace) -> Vec<(u32, Vec<u8>, Value)> {
        let mut all = Vec::new();
        for (d, db) in keyspace.dbs().enumerate() {
            for index in 0..db.shard_count() {
                let shard = db.lock_index_to_read(index).unwrap();
                let d = u32::try_from(d).unwrap();
                all.extend(shard.iter().map(|e| (d, e.key.to_vec(), e.value.clone())));
            }
        }
        all.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        all
    }

    #[test]
    fn active_expiry_saves_for_a_snapshot_only_the_entries_it_changes() {
        let keyspace = Keyspace::new(1);
        let db = keyspace.db(0).unwrap();
        // First in its shard, so that its removal moves the shard's last entry.
        let h = hash_key(b"dying");
        let mut dying = Entry::new(b"dying", string("v"));
        dying.expires_at_ms = 10;
        db.lock(h).insert(h, dying, 0);
        for i in 0..20_000 {
            let key = format!("k{i}");
            let h = hash_key(key.as_bytes());
            db.lock(h).insert(h, Entry::new(key.as_bytes(), string("v")), 0);
        }
        let saver = Arc::new(CollectingSaver::default());
        keyspace.begin_snapshot(saver.clone());
        assert_eq!(keyspace.expire_cycle(20, usize::MAX), 1);
        // Only the entries the removal changed were saved (the key and the shard's last entry,
        // which moved into its place); not the shard's other 70-odd keys, nor other shards.
        let saved = saver.sorted();
        assert!(saved.iter().any(|(_, key, _)| key == b"dying"), "{saved:?}");
        assert_eq!(saver.calls.load(Relaxed), 2);
        assert_eq!(saved.len(), 2, "{saved:?}");
        keyspace.end_snapshot();
    }

    /// Whatever commands do while a snapshot runs (overwrites, inserts, removals, an emptied
    /// shard, databases swapped), the snapshot holds every key exactly once, as it was when
    /// the snapshot began, and nothing is left pending after it ends.
    #[test]
    fn a_snapshot_saved_copy_on_write_is_the_state_at_its_start() {
        let keyspace = Keyspace::new(2);
        let mut rng = fastrand::Rng::with_seed(11);
        for d in 0..2 {
            let db = keyspace.db(d).unwrap();
            for i in 0..30_000 {
                let key = format!("k{i}");
                let h = hash_key(key.as_bytes());
                db.lock(h).insert(h, Entry::new(key.as_bytes(), string(&format!("{d}-{i}"))), 0);
            }
        }
        let before = contents(&keyspace);
        let saver = Arc::new(CollectingSaver::default());
        keyspace.begin_snapshot(saver.clone());
        let db = keyspace.db(0).unwrap();
        for step in 0..60_000u32 {
            let key = format!("k{}", rng.u32(..40_000));
            let h = hash_key(key.as_bytes());
            match rng.u8(..10) {
                0..=3 => db.lock(h).upsert(h, key.as_bytes(), string(&format!("s{step}")), None, 0),
                4..=6 => drop(db.lock(h).remove(h, key.as_bytes(), 0)),
                7 => {
                    // A read-only command changes nothing the snapshot holds.
                    let _scope = read_only_scope(true);
                    let _ = db.lock(h).lookup(h, key.as_bytes(), 0).is_some();
                }
                8 => db.finish_shard(rng.usize(..SHARDS_PER_DB)),
                _ => {
                    if let Some(entry) = db.lock(h).find(h, key.as_bytes(), 0) {
                        entry.value = string("in place");
                    }
                }
            }
            if step == 30_000 {
                db.lock(h).clear();
            }
            if step == 45_000 {
                let _exclusive = keyspace.gate.write();
                db.swap_with(keyspace.db(1).unwrap());
            }
        }
        keyspace.finish_snapshot(&mut |_, _| {});
        assert_eq!(saver.sorted(), before);
        for db in keyspace.dbs() {
            for index in 0..db.shard_count() {
                assert!(!db.lock_index_to_read(index).unwrap().table.is_pending());
            }
        }
    }

    /// An abandoned snapshot's pending shards let go of the saver when it ends.
    #[test]
    fn ending_a_snapshot_forgets_what_shards_had_still_to_save() {
        let keyspace = Keyspace::new(1);
        let db = keyspace.db(0).unwrap();
        // 150 keys in one shard.
        let shard = shard_of(hash_key(b"k0"));
        let keys: Vec<String> = (0..)
            .map(|i| format!("k{i}"))
            .filter(|k| shard_of(hash_key(k.as_bytes())) == shard)
            .take(150)
            .collect();
        for key in &keys {
            let h = hash_key(key.as_bytes());
            db.lock(h).insert(h, Entry::new(key.as_bytes(), string("1")), 0);
        }
        let saver = Arc::new(CollectingSaver::default());
        keyspace.begin_snapshot(saver.clone());
        let h = hash_key(keys[0].as_bytes());
        db.lock(h).upsert(h, keys[0].as_bytes(), string("2"), None, 0);
        assert!(db.lock_index_to_read(shard).unwrap().table.is_pending());
        assert_eq!(Arc::strong_count(&saver), 3, "the test, the snapshot, the shard");
        let saved = saver.sorted().len();
        assert!(saved > 0 && saved < keys.len(), "{saved}");
        keyspace.end_snapshot();
        assert_eq!(Arc::strong_count(&saver), 1);
        assert!(!db.lock_index_to_read(shard).unwrap().table.is_pending());
        for key in &keys {
            let h = hash_key(key.as_bytes());
            db.lock(h).upsert(h, key.as_bytes(), string("3"), None, 0);
        }
        assert_eq!(saver.sorted().len(), saved, "nothing is saved after the end");
    }

    #[test]
    fn key_events_are_noted_only_inside_a_scope() {
        let db = Db::new(3);
        let (a, b) = (hash_key(b"a"), hash_key(b"b"));
        db.lock(a).insert(a, Entry::new(b"a", string("1")), 0);
        assert!(take_key_events().is_empty(), "outside a scope nothing is noted");
        {
            let _scope = KeyEventScope::new(TRACK_NEW | TRACK_MISS);
            db.lock(a).insert(a, Entry::new(b"a", string("2")), 0);
            db.lock(b).upsert(b, b"b", string("1"), None, 0);
            db.lock(b).upsert(b, b"b", string("2"), None, 0);
            assert!(db.lock(a).lookup(a, b"a", 0).is_some());
            let (x, y, z) = (hash_key(b"x"), hash_key(b"y"), hash_key(b"z"));
            assert!(db.lock(x).find(x, b"x", 0).is_none());
            assert!(db.lock(y).lookup(y, b"y", 0).is_none());
            assert!(db.lock(z).peek_quietly(z, b"z", 0).is_none());
            let events = take_key_events();
            assert_eq!(
                events,
                vec![(KeyEventKind::New, 3, b"b".to_vec()), (KeyEventKind::Miss, 3, b"y".to_vec())]
            );
        }
        {
            // Only the tracked kinds; what is left over goes with the scope.
            let _scope = KeyEventScope::new(TRACK_MISS);
            let (c, w) = (hash_key(b"c"), hash_key(b"w"));
            db.lock(c).insert(c, Entry::new(b"c", string("1")), 0);
            assert!(db.lock(w).peek(w, b"w", 0).is_none());
        }
        assert!(take_key_events().is_empty());
    }

    #[test]
    fn expire_cycle_removes_only_expired() {
        let keyspace = Keyspace::new(2);
        let db = keyspace.db(1).unwrap();
        for i in 0..1000u64 {
            let key = format!("k{i}");
            let h = hash_key(key.as_bytes());
            let mut entry = Entry::new(key.as_bytes(), string("v"));
            entry.expires_at_ms = if i % 2 == 0 { 10 } else { 0 };
            db.lock(h).insert(h, entry, 0);
        }
        let mut removed = 0;
        for _ in 0..10 {
            removed += keyspace.expire_cycle(20, 1_000_000);
        }
        assert_eq!(removed, 500);
        assert_eq!(db.counts(), (500, 0));
    }

    /// avg_ttl follows Redis: a whole pass over a database folds what it saw in with a weight
    /// of 2 % (the first one sets it), and a pass that finds no deadline sets it to 0, so
    /// later keys are not averaged with gone ones.
    #[test]
    fn avg_ttl_is_folded_once_per_pass_and_reset_when_no_key_has_a_deadline() {
        let keyspace = Keyspace::new(2);
        let db = keyspace.db(1).unwrap();
        let add = |key: &str, expires_at_ms: u64| {
            let h = hash_key(key.as_bytes());
            let mut entry = Entry::new(key.as_bytes(), string("v"));
            entry.expires_at_ms = expires_at_ms;
            db.lock(h).insert(h, entry, 0);
        };
        for i in 0..100 {
            add(&format!("k{i}"), 1_000_000 + 2 * i);
        }
        keyspace.expire_cycle(0, usize::MAX);
        // The first pass: 1,000,099 ms on average, then weighted as Redis does.
        let first = 1_000_099 / 50 * 49 + 1_000_099 / 50;
        assert_eq!(db.avg_ttl_ms(), first);
        // Samples within one pass are one fold, not one per shard.
        keyspace.expire_cycle(0, usize::MAX);
        assert_eq!(db.avg_ttl_ms(), first / 50 * 49 + 1_000_099 / 50);
        assert_eq!(keyspace.db(0).unwrap().avg_ttl_ms(), 0);
        for i in 0..100 {
            let key = format!("k{i}");
            let h = hash_key(key.as_bytes());
            assert!(db.lock(h).set_expiry(h, key.as_bytes(), 0, 0));
        }
        keyspace.expire_cycle(0, usize::MAX);
        assert_eq!(db.avg_ttl_ms(), 0);
        add("short", 10_000);
        keyspace.expire_cycle(0, usize::MAX);
        assert_eq!(db.avg_ttl_ms(), 10_000 / 50 * 49 + 10_000 / 50);
    }

    #[test]
    fn samples_pick_only_volatile_entries_when_asked() {
        let db = Db::default();
        let mut shard = db.lock_index(0).unwrap();
        let mut inserted = 0;
        // About 400 keys land in shard 0, one in ten with a deadline.
        for i in 0..100_000u64 {
            let key = format!("k{i}");
            let h = hash_key(key.as_bytes());
            if shard_of(h) != 0 {
                continue;
            }
            let mut entry = Entry::new(key.as_bytes(), string("v"));
            entry.expires_at_ms = if inserted % 10 == 0 { 5_000 } else { 0 };
            shard.insert(h, entry, 0);
            inserted += 1;
        }
        let mut seen = 0;
        shard.sample(5, true, 1024, &mut |e| {
            assert_ne!(e.expires_at_ms, 0);
            seen += 1;
        });
        assert_eq!(seen, 5);
        let mut all = 0;
        shard.sample(7, false, 1024, &mut |_| all += 1);
        assert_eq!(all, 7);
        let empty = Db::default();
        empty.lock_index(1).unwrap().sample(3, false, 1024, &mut |_| panic!("empty shard"));
    }

    #[test]
    fn lock_keys_orders_and_dedups() {
        let db = Db::default();
        let hashes: Vec<u64> = (0..100).map(|i| hash_key(format!("{i}").as_bytes())).collect();
        let mut set = db.lock_keys(hashes.iter().copied());
        for h in &hashes {
            set.shard(*h).insert(*h, Entry::new(b"x", string("1")), 0);
        }
    }
}
