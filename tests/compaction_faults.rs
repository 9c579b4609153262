//! Compaction faults: the compactor is stopped at each of its steps (src/journal/faults.rs),
//! by an abort there (as a `kill -9` or a power cut would stop it) or by an injected I/O
//! error, while a writer keeps writing with `--appendfsync always`. Three variants: the first
//! compaction of a journal; a second one (an older snapshot in force, two segments to
//! remove); an idle one (nothing written since the snapshot in force, so the new snapshot has
//! the same sequence number). After a restart without the fault, the keyspace (every key,
//! type, value and deadline, in four databases) equals the model of acknowledged writes (the
//! one write in flight when the server died may be there or not), writing goes on, a clean
//! compaction succeeds, and the directory holds exactly LOCK, MANIFEST, the snapshot it names
//! and the live segments; a second restart loads the same keyspace again.
//!
//! With an injected error the server must keep serving: the keyspace is checked live, and a
//! second compaction in the same process, over the first one's leftovers, must fail at the
//! same point (or succeed), never trip over a leftover file.
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{copy_dir, spawn_node_with_env, Node};

/// The databases written, and how many keys each gets in the base dataset: db 0 has keys in
/// every one of its 256 shards; db 15 is the last the snapshot visits.
const DBS: [(u32, usize); 4] = [(0, 2400), (1, 300), (3, 200), (15, 120)];

/// Cases run at once in each test (each with its own directory, port and server).
const PARALLEL: usize = 3;

/// How long any wait (start, death, INFO state) may take before the case fails.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Writes acknowledged before the compaction is triggered, and after it failed.
const WRITES_AROUND: u64 = 20;

// ---------------------------------------------------------------------------------------
// The model: every key of the four databases, with its value and absolute deadline.

#[derive(Clone, Debug, PartialEq, Eq)]
enum Value {
    Str(String),
    List(Vec<String>),
    Hash(BTreeMap<String, String>),
    Set(BTreeSet<String>),
    Zset(BTreeMap<String, i64>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    value: Value,
    /// Unix time in ms (PEXPIRETIME), or none.
    deadline: Option<u64>,
}

type Model = BTreeMap<(u32, String), Entry>;

/// One write: a database and the command's arguments.
type Write = (u32, Vec<String>);

/// Applies a write command to the model as the server applies it (the key names keep each
/// key to one type, so no write is refused).
fn apply(model: &mut Model, (db, args): &Write) {
    let key = (*db, args[1].clone());
    let new = |value| Entry { value, deadline: None };
    match args[0].as_str() {
        "SET" => {
            let deadline = (args.len() == 5).then(|| args[4].parse().unwrap());
            model.insert(key, Entry { value: Value::Str(args[2].clone()), deadline });
        }
        "INCR" => {
            let entry = model.entry(key).or_insert_with(|| new(Value::Str("0".into())));
            let Value::Str(n) = &mut entry.value else { panic!("INCR on {entry:?}") };
            *n = (n.parse::<i64>().unwrap() + 1).to_string();
        }
        "RPUSH" => {
            let entry = model.entry(key).or_insert_with(|| new(Value::List(Vec::new())));
            let Value::List(items) = &mut entry.value else { panic!("RPUSH on {entry:?}") };
            items.extend(args[2..].iter().cloned());
        }
        "LPOP" => {
            if let Some(Entry { value: Value::List(items), .. }) = model.get_mut(&key) {
                items.remove(0);
                if items.is_empty() {
                    model.remove(&key);
                }
            }
        }
        "HSET" => {
            let entry = model.entry(key).or_insert_with(|| new(Value::Hash(BTreeMap::new())));
            let Value::Hash(fields) = &mut entry.value else { panic!("HSET on {entry:?}") };
            for pair in args[2..].chunks(2) {
                fields.insert(pair[0].clone(), pair[1].clone());
            }
        }
        "SADD" => {
            let entry = model.entry(key).or_insert_with(|| new(Value::Set(BTreeSet::new())));
            let Value::Set(members) = &mut entry.value else { panic!("SADD on {entry:?}") };
            members.extend(args[2..].iter().cloned());
        }
        "ZADD" => {
            let entry = model.entry(key).or_insert_with(|| new(Value::Zset(BTreeMap::new())));
            let Value::Zset(members) = &mut entry.value else { panic!("ZADD on {entry:?}") };
            for pair in args[2..].chunks(2) {
                members.insert(pair[1].clone(), pair[0].parse().unwrap());
            }
        }
        "DEL" => {
            model.remove(&key);
        }
        "PEXPIREAT" => {
            if let Some(entry) = model.get_mut(&key) {
                entry.deadline = Some(args[2].parse().unwrap());
            }
        }
        "PERSIST" => {
            if let Some(entry) = model.get_mut(&key) {
                entry.deadline = None;
            }
        }
        other => panic!("no model for {other}"),
    }
}

fn unix_ms() -> u64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    u64::try_from(since.as_millis()).unwrap()
}

/// A deadline far in the future (30 days on), varied by `n`.
fn far_deadline(n: usize) -> String {
    (unix_ms() + 30 * 86_400_000 + n as u64).to_string()
}

/// Key `i` of a database: its type follows from `i`, so a key never changes type.
fn key_name(i: usize) -> String {
    let kind = ["s", "n", "l", "h", "t", "z"][i % 6];
    format!("{kind}:{i}")
}

/// The write that creates key `i` of the base dataset: strings (a third with a deadline, some
/// long), counters, and lists, hashes, sets and sorted sets of three elements (every seventh
/// with a deadline, set by a second write).
fn base_writes(db: u32, i: usize) -> Vec<Write> {
    let key = key_name(i);
    let s = |v: &str| v.to_string();
    let args = match i % 6 {
        0 if i.is_multiple_of(12) => {
            vec![s("SET"), key.clone(), format!("v{i}"), s("PXAT"), far_deadline(i)]
        }
        0 => vec![s("SET"), key.clone(), format!("v{i}-{}", "x".repeat(i % 200))],
        1 => vec![s("SET"), key.clone(), i.to_string()],
        2 => vec![s("RPUSH"), key.clone(), s("a"), s("b"), format!("c{i}")],
        3 => vec![s("HSET"), key.clone(), s("f0"), s("0"), s("f1"), s("1"), s("g"), i.to_string()],
        4 => vec![s("SADD"), key.clone(), s("m0"), s("m1"), format!("m{}", i % 40)],
        _ => vec![s("ZADD"), key.clone(), s("1"), s("a"), s("-2"), s("b"), i.to_string(), s("c")],
    };
    let mut writes = vec![(db, args)];
    if i % 6 >= 2 && i.is_multiple_of(7) {
        writes.push((db, vec![s("PEXPIREAT"), key, far_deadline(i)]));
    }
    writes
}

/// A random write over the dataset's keys (and some new ones): overwrites, increments,
/// pushes and pops (a list emptied is deleted), field and member additions, deletions, and
/// deadlines set and removed.
fn random_write(rng: &mut fastrand::Rng) -> Write {
    let total: usize = DBS.iter().map(|(_, n)| n).sum();
    let mut pick = rng.usize(..total);
    let (db, count) = *DBS
        .iter()
        .find(|(_, n)| {
            let here = pick < *n;
            pick = pick.saturating_sub(*n);
            here
        })
        .unwrap();
    let i = rng.usize(..count + count / 10);
    let key = key_name(i);
    let s = |v: &str| v.to_string();
    let roll = rng.u32(..100);
    let args = match (i % 6, roll) {
        (_, 0..=4) => vec![s("DEL"), key],
        (_, 5..=7) => vec![s("PEXPIREAT"), key, far_deadline(rng.usize(..1000))],
        (_, 8..=9) => vec![s("PERSIST"), key],
        (0, r) if r < 50 => vec![s("SET"), key, format!("w{}", rng.u32(..))],
        (0, _) => vec![s("SET"), key, format!("w{}", rng.u32(..)), s("PXAT"), far_deadline(i)],
        (1, _) => vec![s("INCR"), key],
        (2, r) if r < 40 => vec![s("LPOP"), key],
        (2, _) => vec![s("RPUSH"), key, format!("p{}", rng.u32(..1000))],
        (3, _) => vec![s("HSET"), key, format!("f{}", rng.u32(..8)), rng.u32(..).to_string()],
        (4, _) => vec![s("SADD"), key, format!("m{}", rng.u32(..60))],
        _ => vec![s("ZADD"), key, rng.i32(-500..500).to_string(), format!("z{}", rng.u32(..20))],
    };
    (db, args)
}

// ---------------------------------------------------------------------------------------
// Talking to a server.

fn connect(port: u16, db: u32) -> Result<redis::Connection, String> {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}/{db}"))
        .map_err(|e| format!("client: {e}"))?;
    let con = client
        .get_connection_with_timeout(Duration::from_secs(10))
        .map_err(|e| format!("connect to {port}: {e}"))?;
    con.set_read_timeout(Some(TIMEOUT)).map_err(|e| e.to_string())?;
    Ok(con)
}

fn query<T: redis::FromRedisValue>(
    con: &mut redis::Connection,
    args: &[&str],
) -> Result<T, String> {
    let mut cmd = redis::cmd(args[0]);
    for arg in &args[1..] {
        cmd.arg(*arg);
    }
    cmd.query(con).map_err(|e| format!("{args:?}: {e}"))
}

/// The text of INFO persistence.
struct Info(String);

impl Info {
    fn read(port: u16) -> Result<Self, String> {
        Ok(Self(query(&mut connect(port, 0)?, &["INFO", "persistence"])?))
    }

    /// A field's value ("" if there is no such field).
    fn field(&self, name: &str) -> &str {
        self.0
            .lines()
            .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(':')))
            .unwrap_or("")
            .trim()
    }
}

/// A field of INFO persistence.
fn info_field(port: u16, name: &str) -> Result<String, String> {
    Ok(Info::read(port)?.field(name).to_string())
}

/// Polls INFO persistence until `done` holds for its fields (bounded by TIMEOUT).
fn wait_info(port: u16, what: &str, done: impl Fn(&Info) -> bool) -> Result<(), String> {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let info = Info::read(port)?;
        if done(&info) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("waited {TIMEOUT:?} for {what}; INFO persistence:\n{}", info.0));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// BGREWRITEAOF; its reply must be the usual one.
fn trigger(port: u16) -> Result<(), String> {
    let reply: String = query(&mut connect(port, 0)?, &["BGREWRITEAOF"])?;
    if reply != "Background append only file rewriting started" {
        return Err(format!("BGREWRITEAOF: {reply}"));
    }
    Ok(())
}

/// A compaction from BGREWRITEAOF to its successful end.
fn clean_compaction(port: u16) -> Result<(), String> {
    let before: u64 = info_field(port, "aof_rewrites")?.parse().unwrap();
    trigger(port)?;
    wait_info(port, "a clean compaction", |info| {
        info.field("aof_rewrite_in_progress") == "0"
            && (info.field("aof_rewrites") != before.to_string()
                || info.field("aof_rewrites_consecutive_failures") != "0")
    })?;
    let status = info_field(port, "aof_last_bgrewrite_status")?;
    if status != "ok" {
        return Err(format!("a clean compaction failed: aof_last_bgrewrite_status:{status}"));
    }
    Ok(())
}

/// Every key of every database, read back with its type, value and deadline.
fn dump(port: u16) -> Result<Model, String> {
    let mut model = Model::new();
    for db in 0..16 {
        let mut con = connect(port, db)?;
        let keys: Vec<String> = query(&mut con, &["KEYS", "*"])?;
        if keys.is_empty() {
            continue;
        }
        let each = |command: &str, keys: &[&String]| {
            let mut pipe = redis::pipe();
            for key in keys {
                pipe.cmd(command).arg(key.as_str());
                if command == "LRANGE" || command == "ZRANGE" {
                    pipe.arg(0).arg(-1);
                }
                if command == "ZRANGE" {
                    pipe.arg("WITHSCORES");
                }
            }
            pipe
        };
        let all: Vec<&String> = keys.iter().collect();
        let types: Vec<String> =
            each("TYPE", &all).query(&mut con).map_err(|e| format!("TYPE: {e}"))?;
        let deadlines: Vec<i64> =
            each("PEXPIRETIME", &all).query(&mut con).map_err(|e| format!("PEXPIRETIME: {e}"))?;
        let of_type = |name: &str| -> Vec<&String> {
            keys.iter().zip(&types).filter(|(_, t)| *t == name).map(|(k, _)| k).collect()
        };
        let mut values: BTreeMap<&String, Value> = BTreeMap::new();
        let strings = of_type("string");
        let got: Vec<String> =
            each("GET", &strings).query(&mut con).map_err(|e| format!("GET: {e}"))?;
        values.extend(strings.into_iter().zip(got.into_iter().map(Value::Str)));
        let lists = of_type("list");
        let got: Vec<Vec<String>> =
            each("LRANGE", &lists).query(&mut con).map_err(|e| format!("LRANGE: {e}"))?;
        values.extend(lists.into_iter().zip(got.into_iter().map(Value::List)));
        let hashes = of_type("hash");
        let got: Vec<BTreeMap<String, String>> =
            each("HGETALL", &hashes).query(&mut con).map_err(|e| format!("HGETALL: {e}"))?;
        values.extend(hashes.into_iter().zip(got.into_iter().map(Value::Hash)));
        let sets = of_type("set");
        let got: Vec<BTreeSet<String>> =
            each("SMEMBERS", &sets).query(&mut con).map_err(|e| format!("SMEMBERS: {e}"))?;
        values.extend(sets.into_iter().zip(got.into_iter().map(Value::Set)));
        let zsets = of_type("zset");
        let got: Vec<Vec<String>> =
            each("ZRANGE", &zsets).query(&mut con).map_err(|e| format!("ZRANGE: {e}"))?;
        for (key, flat) in zsets.into_iter().zip(got) {
            let mut members = BTreeMap::new();
            for pair in flat.chunks(2) {
                let score = pair[1].parse().map_err(|_| format!("{key}: score {:?}", pair[1]))?;
                members.insert(pair[0].clone(), score);
            }
            values.insert(key, Value::Zset(members));
        }
        for ((key, kind), deadline) in keys.iter().zip(&types).zip(deadlines) {
            let value = values.remove(key).ok_or_else(|| format!("db {db} {key}: type {kind}"))?;
            let deadline = u64::try_from(deadline).ok();
            model.insert((db, key.clone()), Entry { value, deadline });
        }
    }
    Ok(model)
}

/// The first differences between two models, for a failure message.
fn differences(actual: &Model, expected: &Model) -> String {
    let mut out = Vec::new();
    for (key, entry) in expected {
        match actual.get(key) {
            None => out.push(format!("missing {key:?} = {entry:?}")),
            Some(got) if got != entry => out.push(format!("{key:?}: {got:?}, expected {entry:?}")),
            Some(_) => {}
        }
    }
    for (key, entry) in actual {
        if !expected.contains_key(key) {
            out.push(format!("unexpected {key:?} = {entry:?}"));
        }
    }
    let count = out.len();
    out.truncate(8);
    format!("{count} difference(s): {}", out.join("; "))
}

/// Checks the server's whole keyspace equals `acked`, or `acked` plus the write in flight
/// when the server died; returns the keyspace found.
fn check_keyspace(port: u16, acked: &Model, in_flight: Option<&Write>) -> Result<Model, String> {
    let actual = dump(port)?;
    if actual == *acked {
        return Ok(actual);
    }
    if let Some(write) = in_flight {
        let mut with = acked.clone();
        apply(&mut with, write);
        if actual == with {
            return Ok(actual);
        }
    }
    Err(format!("keyspace differs from the acknowledged writes: {}", differences(&actual, acked)))
}

// ---------------------------------------------------------------------------------------
// The writer: one write at a time, each applied to the model once acknowledged.

struct Writer {
    stop: Arc<AtomicBool>,
    acked: Arc<AtomicU64>,
    thread: std::thread::JoinHandle<WriterEnd>,
}

struct WriterEnd {
    model: Model,
    /// The write sent whose reply never came (the server died).
    in_flight: Option<Write>,
    /// Why the writer stopped other than being asked to, if it did.
    stopped_by: Option<String>,
}

fn start_writer(port: u16, mut model: Model, seed: u64) -> Writer {
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicU64::new(0));
    let (stop2, acked2) = (stop.clone(), acked.clone());
    let thread = std::thread::spawn(move || {
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut cons = BTreeMap::new();
        for (db, _) in DBS {
            match connect(port, db) {
                Ok(con) => cons.insert(db, con),
                Err(e) => return WriterEnd { model, in_flight: None, stopped_by: Some(e) },
            };
        }
        while !stop2.load(Ordering::Relaxed) {
            let write = random_write(&mut rng);
            let mut cmd = redis::cmd(&write.1[0]);
            for arg in &write.1[1..] {
                cmd.arg(arg.as_str());
            }
            let con = cons.get_mut(&write.0).unwrap();
            match cmd.query::<redis::Value>(con) {
                Ok(_) => {
                    apply(&mut model, &write);
                    acked2.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => {
                    let why = format!("{:?} -> {e}", write.1);
                    return WriterEnd { model, in_flight: Some(write), stopped_by: Some(why) };
                }
            }
        }
        WriterEnd { model, in_flight: None, stopped_by: None }
    });
    Writer { stop, acked, thread }
}

impl Writer {
    /// Waits until `n` writes in all were acknowledged (or the writer stopped).
    fn wait_acked(&self, n: u64) -> Result<(), String> {
        let deadline = Instant::now() + TIMEOUT;
        while self.acked.load(Ordering::Relaxed) < n {
            if self.thread.is_finished() {
                return Err(format!("the writer stopped after {} writes", self.acked()));
            }
            if Instant::now() > deadline {
                return Err(format!("only {} of {n} writes acknowledged", self.acked()));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        Ok(())
    }

    fn acked(&self) -> u64 {
        self.acked.load(Ordering::Relaxed)
    }

    fn finish(self) -> WriterEnd {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().expect("writer thread")
    }
}

/// Runs `n` random writes to the end; every one must be acknowledged.
fn write_some(port: u16, model: Model, seed: u64, n: u64) -> Result<Model, String> {
    let writer = start_writer(port, model, seed);
    let waited = writer.wait_acked(n);
    let end = writer.finish();
    waited?;
    match end.stopped_by {
        Some(why) => Err(format!("a write failed: {why}")),
        None => Ok(end.model),
    }
}

// ---------------------------------------------------------------------------------------
// Servers and the journal directory.

fn start(data: &Path, env: &[(&str, &str)]) -> Result<Node, String> {
    let mut node = spawn_node_with_env(data, &["--appendfsync", "always"], env);
    node.ready().map_err(|code| format!("exit {code} at start: {}", log_tail(&node)))?;
    Ok(node)
}

fn log_tail(node: &Node) -> String {
    let log = node.log();
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(12)..].join("\n")
}

/// Waits (bounded) for the process to end; its status.
fn wait_exit(node: &mut Node) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + TIMEOUT;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = node.child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    None
}

/// SIGTERM; the server must exit with status 0.
fn stop(mut node: Node) -> Result<(), String> {
    let _ = Command::new("kill").args(["-TERM", &node.child.id().to_string()]).status();
    match wait_exit(&mut node) {
        Some(status) if status.success() => Ok(()),
        other => Err(format!("shutdown ended with {other:?}: {}", log_tail(&node))),
    }
}

/// (snapshot_seq, first_segment_seq) of the MANIFEST (docs/FORMAT.md).
fn read_manifest(data: &Path) -> Result<(u64, u64), String> {
    let bytes = std::fs::read(data.join("MANIFEST")).map_err(|e| format!("MANIFEST: {e}"))?;
    if bytes.len() != 40 || &bytes[..8] != b"ALLYMANF" {
        return Err(format!("MANIFEST: bad bytes {bytes:?}"));
    }
    let number = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
    Ok((number(16), number(24)))
}

/// The directory holds exactly LOCK, MANIFEST, REPLICATION (the replication ID a primary
/// writes at start, docs/REPLICATION.md), the snapshot the MANIFEST names (if any; one
/// is required after a compaction) and the live segments, the first of which starts where the
/// MANIFEST says: nothing left over by an interrupted compaction.
fn check_directory(data: &Path, compacted: bool) -> Result<(), String> {
    let (snapshot_seq, first_segment_seq) = read_manifest(data)?;
    let (mut snapshots, mut segments, mut others, mut lock) = (vec![], vec![], vec![], false);
    for entry in std::fs::read_dir(data).map_err(|e| e.to_string())? {
        let name = entry.map_err(|e| e.to_string())?.file_name().to_string_lossy().into_owned();
        let number = |prefix: &str, suffix: &str| {
            name.strip_prefix(prefix)?.strip_suffix(suffix)?.parse::<u64>().ok()
        };
        if let Some(seq) = number("snapshot-", ".snap") {
            snapshots.push(seq);
        } else if let Some(seq) = number("journal-", ".log") {
            segments.push(seq);
        } else if name == "LOCK" {
            lock = true;
        } else if name != "MANIFEST" && name != "REPLICATION" {
            others.push(name);
        }
    }
    segments.sort_unstable();
    let expected_snapshots = if snapshot_seq == 0 { vec![] } else { vec![snapshot_seq] };
    let listing = format!(
        "MANIFEST names snapshot {snapshot_seq} and segments from {first_segment_seq}; \
         snapshots {snapshots:?}, segments {segments:?}, other files {others:?}"
    );
    let fine = lock
        && others.is_empty()
        && snapshots == expected_snapshots
        && (!compacted || snapshot_seq != 0)
        && segments.first() == Some(&first_segment_seq);
    if fine {
        Ok(())
    } else {
        Err(format!("directory not as expected: {listing}"))
    }
}

// ---------------------------------------------------------------------------------------
// Fixtures: journal directories the cases start from (copied, never changed).

struct Fixture {
    _dir: tempfile::TempDir,
    data: PathBuf,
    model: Model,
}

/// The base dataset, written through a server and stopped cleanly: one segment, no snapshot.
fn fresh() -> Result<Fixture, String> {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let node = start(&data, &[])?;
    let mut model = Model::new();
    for (db, count) in DBS {
        let mut con = connect(node.port, db)?;
        let mut pipe = redis::pipe();
        for i in 0..count {
            for write in base_writes(db, i) {
                let mut cmd = redis::cmd(&write.1[0]);
                for arg in &write.1[1..] {
                    cmd.arg(arg.as_str());
                }
                pipe.add_command(cmd).ignore();
                apply(&mut model, &write);
            }
        }
        pipe.query::<()>(&mut con).map_err(|e| format!("loading db {db}: {e}"))?;
    }
    check_keyspace(node.port, &model, None)?;
    stop(node)?;
    Ok(Fixture { _dir: dir, data, model })
}

/// The base dataset compacted once; then, unless `idle`, more writes, a compaction that
/// failed after rolling the journal (a second live segment), and more writes.
fn compacted(base: &Fixture, idle: bool) -> Result<Fixture, String> {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    copy_dir(&base.data, &data);
    let node = start(&data, &[])?;
    clean_compaction(node.port)?;
    let mut model = base.model.clone();
    if !idle {
        model = write_some(node.port, model, 1, 200)?;
    }
    stop(node)?;
    if !idle {
        let node = start(&data, &[("ALLYDB_FAULT", "segment-rolled:error")])?;
        trigger(node.port)?;
        wait_info(node.port, "the failed compaction", |info| {
            info.field("aof_rewrite_in_progress") == "0"
                && info.field("aof_rewrites_consecutive_failures") == "1"
        })?;
        model = write_some(node.port, model, 2, 200)?;
        stop(node)?;
    }
    let segments = std::fs::read_dir(&data)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with("journal-"))
        .count();
    check_directory(&data, true)?;
    let expected = if idle { 1 } else { 2 };
    if segments != expected {
        return Err(format!("fixture has {segments} segments, expected {expected}"));
    }
    Ok(Fixture { _dir: dir, data, model })
}

// ---------------------------------------------------------------------------------------
// The cases.

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    /// The process aborts at the point.
    Abort,
    /// The step fails as an I/O error would.
    Error,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Variant {
    First,
    Second,
    /// A second compaction with nothing written since the first: the same sequence number.
    Idle,
}

/// Whether the MANIFEST names the new snapshot once `point` is passed.
fn switched_at(point: &str) -> bool {
    point == "manifest-renamed"
        || point == "manifest-written"
        || point.starts_with("segment-removed-")
        || point == "old-snapshot-removed"
}

fn seed_of(text: &str) -> u64 {
    text.bytes()
        .fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// One case: see the file's comment.
fn run_case(fixture: &Fixture, point: &str, mode: Mode, variant: Variant) -> Result<(), String> {
    let name = format!("{point} {mode:?} {variant:?}");
    let seed = seed_of(&name);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    copy_dir(&fixture.data, &data);
    let spec = match mode {
        Mode::Abort => point.to_string(),
        Mode::Error => format!("{point}:error"),
    };
    let mut node = start(&data, &[("ALLYDB_FAULT", &spec)])?;
    let port = node.port;
    let manifest_before = read_manifest(&data)?;
    let writer = if variant == Variant::Idle {
        if info_field(port, "rdb_changes_since_last_save")? != "0" {
            return Err("the idle variant's server has writes after its snapshot".into());
        }
        None
    } else {
        let writer = start_writer(port, fixture.model.clone(), seed);
        writer.wait_acked(WRITES_AROUND)?;
        Some(writer)
    };
    let mut model = fixture.model.clone();
    let mut in_flight = None;
    match mode {
        Mode::Abort => {
            // The reply may or may not come before the abort.
            let _ = query::<String>(&mut connect(port, 0)?, &["BGREWRITEAOF"]);
            let status = wait_exit(&mut node);
            if let Some(writer) = writer {
                let end = writer.finish();
                model = end.model;
                in_flight = end.in_flight;
            }
            let Some(status) = status else {
                return Err("the server did not abort".into());
            };
            if status.signal() != Some(6) {
                return Err(format!("the server ended with {status:?}, not SIGABRT"));
            }
            if !node.log().contains(&format!("injected crash at {point}")) {
                return Err(format!("the abort was not at {point}: {}", log_tail(&node)));
            }
        }
        Mode::Error => {
            trigger(port)?;
            let failed = wait_info(port, "the failed compaction", |info| {
                info.field("aof_rewrite_in_progress") == "0"
                    && info.field("aof_rewrites_consecutive_failures") == "1"
                    && info.field("aof_last_bgrewrite_status") == "err"
            });
            if let Err(e) = failed {
                return Err(format!("{e}\n{}", log_tail(&node)));
            }
            if !node.log().contains(&format!("injected fault at {point}")) {
                return Err(format!("the failure was not at {point}: {}", log_tail(&node)));
            }
            // Writes and reads go on.
            if let Some(writer) = writer {
                writer.wait_acked(writer.acked() + WRITES_AROUND)?;
                let end = writer.finish();
                if let Some(why) = end.stopped_by {
                    return Err(format!("a write failed after the failed compaction: {why}"));
                }
                model = end.model;
            }
            model = write_some(port, model, seed.wrapping_add(1), WRITES_AROUND)?;
            check_keyspace(port, &model, None)?;
        }
    }
    let manifest_after = read_manifest(&data)?;
    if variant != Variant::Idle && (manifest_after != manifest_before) != switched_at(point) {
        return Err(format!(
            "MANIFEST went from {manifest_before:?} to {manifest_after:?} at {point}"
        ));
    }
    if mode == Mode::Error {
        // A second compaction in the same process, over what the first one left, fails at
        // the same point (or succeeds, when the point is no longer reached), never earlier.
        let failures: u64 = info_field(port, "aof_rewrites_consecutive_failures")?.parse().unwrap();
        trigger(port)?;
        wait_info(port, "the second compaction", |info| {
            info.field("aof_rewrite_in_progress") == "0"
                && (info.field("aof_rewrites_consecutive_failures") != failures.to_string()
                    || info.field("aof_rewrites") != "0")
        })?;
        let log = node.log();
        let wrong: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("compaction failed"))
            .filter(|l| !l.contains(&format!("injected fault at {point}")))
            .collect();
        if !wrong.is_empty() {
            return Err(format!("a compaction failed for another reason: {wrong:?}"));
        }
        if info_field(port, "aof_rewrites_consecutive_failures")? == "0" {
            // It succeeded: it removed what the failed one left.
            check_directory(&data, true)
                .map_err(|e| format!("after a compaction following the failed one: {e}"))?;
        }
        model = write_some(port, model, seed.wrapping_add(2), 5)?;
        check_keyspace(port, &model, None)?;
        stop(node)?;
    }

    // Restart without the fault: the acknowledged writes, no leftovers.
    let node = start(&data, &[])?;
    let port = node.port;
    check_directory(&data, false).map_err(|e| format!("after the restart: {e}"))?;
    let model = check_keyspace(port, &model, in_flight.as_ref())
        .map_err(|e| format!("after the restart: {e}"))?;
    let model = write_some(port, model, seed.wrapping_add(3), WRITES_AROUND)?;
    clean_compaction(port).map_err(|e| format!("{e}\n{}", log_tail(&node)))?;
    check_directory(&data, true).map_err(|e| format!("after a clean compaction: {e}"))?;
    let model = write_some(port, model, seed.wrapping_add(4), 5)?;
    stop(node)?;

    // And once more: the clean compaction's snapshot and segment load.
    let node = start(&data, &[])?;
    check_keyspace(node.port, &model, None)
        .map_err(|e| format!("after the clean compaction and a restart: {e}"))?;
    check_directory(&data, true)?;
    stop(node)
}

/// Runs every case on PARALLEL threads; fails listing each failed case and why.
fn run_cases(fixture: &Fixture, points: &[&str], variant: Variant) {
    let cases: Vec<(&str, Mode)> =
        points.iter().flat_map(|point| [(*point, Mode::Abort), (*point, Mode::Error)]).collect();
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..PARALLEL {
            scope.spawn(|| loop {
                let Some(&(point, mode)) = cases.get(next.fetch_add(1, Ordering::Relaxed)) else {
                    return;
                };
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    run_case(fixture, point, mode, variant)
                }))
                .unwrap_or_else(|panic| Err(format!("panicked: {panic:?}")));
                if let Err(why) = result {
                    failures
                        .lock()
                        .unwrap()
                        .push(format!("{point} ({mode:?}, {variant:?}): {why}"));
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[test]
fn first_compaction_interrupted_at_every_step() {
    let fixture = fresh().unwrap();
    run_cases(
        &fixture,
        &[
            "compact-start",
            "segment-rolled",
            "shard-saved-1",
            "shard-saved-2",
            "shard-saved-200",
            "shard-saved-256",
            "shard-saved-257",
            "shard-saved-1000",
            "shard-saved-3841",
            "shard-saved-4096",
            "snapshot-written",
            "snapshot-synced",
            "snapshot-renamed",
            "directory-synced",
            "manifest-temp-written",
            "manifest-temp-synced",
            "manifest-renamed",
            "manifest-written",
            "segment-removed-1",
        ],
        Variant::First,
    );
}

#[test]
fn second_compaction_interrupted_over_an_older_snapshot() {
    let fixture = compacted(&fresh().unwrap(), false).unwrap();
    run_cases(
        &fixture,
        &[
            "segment-rolled",
            "shard-saved-1000",
            "snapshot-synced",
            "snapshot-renamed",
            "manifest-temp-synced",
            "manifest-renamed",
            "manifest-written",
            "segment-removed-1",
            "segment-removed-2",
            "old-snapshot-removed",
        ],
        Variant::Second,
    );
}

#[test]
fn idle_compaction_interrupted_over_the_snapshot_of_the_same_seq() {
    let fixture = compacted(&fresh().unwrap(), true).unwrap();
    run_cases(
        &fixture,
        // Past the cut an idle compaction stops: it keeps the snapshot in force (the later
        // points are never reached; tests/persistence.rs checks that).
        &["compact-start", "segment-rolled"],
        Variant::Idle,
    );
}
