//! Compaction from the outside: BGREWRITEAOF, BGSAVE [SCHEDULE], SAVE and their Redis 7.2
//! replies while one runs (kept running with `rdb-key-save-delay`), INFO persistence, the
//! automatic trigger, the files a compaction leaves, restart from a snapshot, SHUTDOWN
//! SAVE/NOSAVE, `--appendonly no`, and a failing compaction (the `ALLYDB_FAULT` hook).
mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::*;

const REWRITE_STARTED: &str = "+Background append only file rewriting started\r\n";
const REWRITE_SCHEDULED: &str = "+Background append only file rewriting scheduled\r\n";
const REWRITE_RUNNING: &str = "ERR Background append only file rewriting already in progress";
const SAVE_STARTED: &str = "+Background saving started\r\n";
const SAVE_SCHEDULED: &str = "+Background saving scheduled\r\n";
const SAVE_RUNNING: &str = "ERR Background save already in progress";
const CHILD_ACTIVE: &str = "ERR Another child process is active (AOF?): can't BGSAVE right now. \
                            Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.";
const NO_JOURNAL: &str =
    "ERR the server runs without a journal (--appendonly no): there is nothing to save to";

/// Keys `fill` writes for a slow compaction, and the pause per key: about 2 s of pauses,
/// long enough for the commands a test sends while it runs.
const SLOW_KEYS: usize = 400;
const SLOW_DELAY_US: &str = "5000";

/// Upper bound of every wait: a compaction of these sizes takes a few seconds at most.
const WAIT: Duration = Duration::from_secs(30);

/// One INFO persistence field.
fn field(c: &mut RawClient, name: &str) -> String {
    info_field(c, "persistence", name)
}

fn number(c: &mut RawClient, name: &str) -> u64 {
    info_number(c, "persistence", name)
}

/// Polls until `done` holds; panics naming `what` after `WAIT`.
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Waits until no compaction runs or waits to run.
fn wait_idle(c: &mut RawClient) {
    wait_for("the compactions to end", || {
        let info = c.cmd(&["INFO", "persistence"]);
        ["aof_rewrite_in_progress:0", "aof_rewrite_scheduled:0", "rdb_bgsave_in_progress:0"]
            .iter()
            .all(|f| info.contains(f))
    });
}

/// Writes `count` string keys `{prefix}:{i}` with `value_bytes`-byte values, pipelined.
fn fill(c: &mut RawClient, prefix: &str, count: usize, value_bytes: usize) {
    let value = "v".repeat(value_bytes);
    for start in (0..count).step_by(500) {
        let end = (start + 500).min(count);
        let mut batch = Vec::new();
        for i in start..end {
            batch.extend(encode(&[b"SET", format!("{prefix}:{i}").as_bytes(), value.as_bytes()]));
        }
        c.send(&batch);
        for _ in start..end {
            assert_eq!(c.read_reply(), OK);
        }
    }
}

/// A server holding `SLOW_KEYS` keys whose compactions pause `SLOW_DELAY_US` per key.
fn slow_server() -> (TestServer, RawClient) {
    let server = TestServer::start();
    let mut c = server.raw();
    fill(&mut c, "slow", SLOW_KEYS, 16);
    assert_eq!(c.cmd(&["CONFIG", "SET", "rdb-key-save-delay", SLOW_DELAY_US]), OK);
    (server, c)
}

struct Files {
    manifest: bool,
    snapshots: Vec<(u64, PathBuf)>,
    segments: Vec<PathBuf>,
    temporary: Vec<PathBuf>,
}

fn files(data: &Path) -> Files {
    let mut found = Files {
        manifest: false,
        snapshots: Vec::new(),
        segments: Vec::new(),
        temporary: Vec::new(),
    };
    for entry in std::fs::read_dir(data).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name == "MANIFEST" {
            found.manifest = true;
        } else if name.ends_with(".tmp") {
            found.temporary.push(path);
        } else if let Some(seq) =
            name.strip_prefix("snapshot-").and_then(|n| n.strip_suffix(".snap"))
        {
            found.snapshots.push((seq.parse().unwrap(), path));
        } else if name.starts_with("journal-") && name.ends_with(".log") {
            found.segments.push(path);
        }
    }
    found
}

fn file_bytes(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap().len()
}

/// Checks what a finished compaction leaves: the MANIFEST, one snapshot, live segments, no
/// temporary file; returns the snapshot's sequence number and path.
fn one_snapshot(data: &Path) -> (u64, PathBuf) {
    let found = files(data);
    assert!(found.manifest, "no MANIFEST in {}", data.display());
    assert!(found.temporary.is_empty(), "temporary files left: {:?}", found.temporary);
    assert!(!found.segments.is_empty(), "no live segment");
    assert_eq!(found.snapshots.len(), 1, "{:?}", found.snapshots);
    found.snapshots.into_iter().next().unwrap()
}

// ------------------------------------------------------------------- replies while running

#[test]
fn replies_while_a_rewrite_runs() {
    let (server, mut c) = slow_server();
    let mut other = server.raw();
    assert_eq!(c.cmd(&["BGREWRITEAOF"]), REWRITE_STARTED);
    assert_eq!(c.cmd(&["BGREWRITEAOF"]), err(REWRITE_RUNNING));
    assert_eq!(c.cmd(&["BGSAVE"]), err(CHILD_ACTIVE));
    assert_eq!(field(&mut c, "aof_rewrite_in_progress"), "1");
    assert_eq!(field(&mut c, "rdb_bgsave_in_progress"), "0");
    // Other clients are served meanwhile, reads and writes.
    assert_eq!(other.cmd(&["SET", "during", "rewrite"]), OK);
    assert_eq!(other.cmd(&["GET", "slow:7"]), bulk(&"v".repeat(16)));
    // The scheduled save runs after the rewrite, without the pause (read at each start).
    assert_eq!(c.cmd(&["CONFIG", "SET", "rdb-key-save-delay", "0"]), OK);
    assert_eq!(c.cmd(&["BGSAVE", "SCHEDULE"]), SAVE_SCHEDULED);
    assert_eq!(field(&mut c, "aof_rewrite_in_progress"), "1", "the rewrite ended too soon");
    assert_eq!(field(&mut c, "aof_rewrite_scheduled"), "0");
    wait_for("the scheduled save", || number(&mut c, "rdb_saves") == 1);
    wait_idle(&mut c);
    assert_eq!(number(&mut c, "aof_rewrites"), 1);
    assert_eq!(field(&mut c, "aof_last_bgrewrite_status"), "ok");
    assert_eq!(field(&mut c, "rdb_last_bgsave_status"), "ok");
    assert_eq!(field(&mut c, "aof_rewrites_consecutive_failures"), "0");
    one_snapshot(&server.data_dir().join("data"));
}

#[test]
fn replies_while_a_bgsave_runs() {
    let (server, mut c) = slow_server();
    assert_eq!(c.cmd(&["BGSAVE"]), SAVE_STARTED);
    // Counted as running from the reply on, as Redis forks before it replies.
    assert_eq!(field(&mut c, "rdb_bgsave_in_progress"), "1");
    assert_eq!(field(&mut c, "aof_rewrite_in_progress"), "0");
    assert_eq!(c.cmd(&["BGSAVE"]), err(SAVE_RUNNING));
    assert_eq!(c.cmd(&["BGSAVE", "SCHEDULE"]), err(SAVE_RUNNING));
    assert_eq!(c.cmd(&["SAVE"]), err(SAVE_RUNNING));
    assert_eq!(c.cmd(&["CONFIG", "SET", "rdb-key-save-delay", "0"]), OK);
    assert_eq!(c.cmd(&["BGREWRITEAOF"]), REWRITE_SCHEDULED);
    assert_eq!(field(&mut c, "aof_rewrite_scheduled"), "1");
    assert_eq!(field(&mut c, "rdb_bgsave_in_progress"), "1", "the save ended too soon");
    wait_for("the scheduled rewrite", || number(&mut c, "aof_rewrites") == 1);
    wait_idle(&mut c);
    assert_eq!(number(&mut c, "rdb_saves"), 1);
    assert_eq!(field(&mut c, "aof_rewrite_scheduled"), "0");
    one_snapshot(&server.data_dir().join("data"));
}

#[test]
fn bgsave_arguments() {
    let server = TestServer::start();
    let mut c = server.raw();
    let syntax = err("ERR syntax error");
    assert_eq!(c.cmd(&["BGSAVE", "now"]), syntax);
    assert_eq!(c.cmd(&["BGSAVE", "SCHEDULE", "SCHEDULE"]), syntax);
    assert_eq!(c.cmd(&["BGSAVE", "schedule"]), SAVE_STARTED);
    wait_idle(&mut c);
    assert_eq!(
        c.cmd(&["BGREWRITEAOF", "x"]),
        err("ERR wrong number of arguments for 'bgrewriteaof' command")
    );
    assert_eq!(c.cmd(&["SAVE", "x"]), err("ERR wrong number of arguments for 'save' command"));
}

#[test]
fn save_waits_while_other_clients_are_served() {
    let (server, mut c) = slow_server();
    let lastsave = c.cmd(&["LASTSAVE"]);
    let before: u64 = lastsave.trim_start_matches(':').trim().parse().unwrap();
    assert_eq!(field(&mut c, "rdb_last_save_time"), before.to_string());
    assert!(number(&mut c, "rdb_changes_since_last_save") >= SLOW_KEYS as u64);
    let mut saver = server.raw();
    saver.send_command(&[b"SAVE"]);
    wait_for("SAVE to start", || field(&mut c, "rdb_bgsave_in_progress") == "1");
    assert_eq!(c.cmd(&["SET", "during", "save"]), OK);
    assert_eq!(c.cmd(&["GET", "during"]), bulk("save"));
    assert_eq!(c.cmd(&["SAVE"]), err(SAVE_RUNNING));
    assert_eq!(field(&mut c, "rdb_bgsave_in_progress"), "1", "SAVE ended too soon");
    assert_eq!(saver.read_reply(), OK);
    assert_eq!(number(&mut c, "rdb_saves"), 1);
    // The save paused at least 2 s, so the second counter moved on.
    let after: u64 = c.cmd(&["LASTSAVE"]).trim_start_matches(':').trim().parse().unwrap();
    assert!(after > before, "LASTSAVE {before} -> {after}");
    assert_eq!(field(&mut c, "rdb_last_save_time"), after.to_string());
    // A save with no write after it leaves no change behind.
    assert_eq!(c.cmd(&["CONFIG", "SET", "rdb-key-save-delay", "0"]), OK);
    assert_eq!(c.cmd(&["SAVE"]), OK);
    assert_eq!(field(&mut c, "rdb_changes_since_last_save"), "0");
    assert_eq!(number(&mut c, "rdb_saves"), 2);
    assert_eq!(c.cmd(&["SET", "one", "more"]), OK);
    assert_eq!(field(&mut c, "rdb_changes_since_last_save"), "1");
}

#[test]
fn rdb_key_save_delay_setting() {
    let server = TestServer::start_with(&["--rdb-key-save-delay", "-3"]);
    let mut c = server.raw();
    let get = ["CONFIG", "GET", "rdb-key-save-delay"];
    assert_eq!(c.cmd(&get), bulk_array(&["rdb-key-save-delay", "-3"]));
    assert_eq!(c.cmd(&["CONFIG", "SET", "rdb-key-save-delay", "250"]), OK);
    assert_eq!(c.cmd(&get), bulk_array(&["rdb-key-save-delay", "250"]));
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "rdb-key-save-delay", "2147483648"]),
        err("ERR CONFIG SET failed (possibly related to argument 'rdb-key-save-delay') - \
             argument must be between -2147483648 and 2147483647 inclusive")
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "rdb-key-save-delay", "abc"]),
        err("ERR CONFIG SET failed (possibly related to argument 'rdb-key-save-delay') - \
             argument couldn't be parsed into an integer")
    );
}

// ------------------------------------------------------------------------ INFO persistence

#[test]
fn info_figures_match_the_files() {
    let server = TestServer::start();
    let data = server.data_dir().join("data");
    let mut c = server.raw();
    assert_eq!(field(&mut c, "aof_rewrite_in_progress"), "0");
    assert_eq!(field(&mut c, "snapshot_seq"), "0");
    assert_eq!(field(&mut c, "snapshot_size"), "0");
    assert_eq!(field(&mut c, "aof_rewrites"), "0");
    assert_eq!(field(&mut c, "rdb_saves"), "0");
    fill(&mut c, "k", 300, 40);
    assert_eq!(number(&mut c, "rdb_changes_since_last_save"), 300);
    assert_eq!(c.cmd(&["BGREWRITEAOF"]), REWRITE_STARTED);
    wait_idle(&mut c);
    assert_eq!(number(&mut c, "aof_rewrites"), 1);
    let (seq, snapshot) = one_snapshot(&data);
    assert_eq!(number(&mut c, "snapshot_seq"), seq);
    assert_eq!(number(&mut c, "journal_last_seq"), seq);
    assert_eq!(number(&mut c, "snapshot_size"), file_bytes(&snapshot));
    assert_eq!(field(&mut c, "rdb_changes_since_last_save"), "0");
    // Nothing written since: one live segment holding only its 32-byte header (FORMAT.md).
    assert_eq!(files(&data).segments.len(), 1);
    assert_eq!(field(&mut c, "journal_live_size"), "32");
    let base = file_bytes(&snapshot) + 32;
    assert_eq!(number(&mut c, "aof_current_size"), base);
    assert_eq!(number(&mut c, "aof_base_size"), base);
    fill(&mut c, "after", 10, 40);
    assert_eq!(field(&mut c, "rdb_changes_since_last_save"), "10");
    assert_eq!(number(&mut c, "journal_last_seq"), seq + 10);
    let live = number(&mut c, "journal_live_size");
    let segments: u64 = files(&data).segments.iter().map(|p| file_bytes(p)).sum();
    // The active segment may run on with zeros written ahead of its records.
    assert!(live > 10 * 40 && live <= segments, "live {live}, segment files {segments}");
    assert_eq!(number(&mut c, "aof_current_size"), file_bytes(&snapshot) + live);
    assert_eq!(number(&mut c, "aof_base_size"), base);
    assert_eq!(field(&mut c, "aof_last_bgrewrite_status"), "ok");
    assert_eq!(field(&mut c, "aof_current_rewrite_time_sec"), "-1");
    assert_eq!(field(&mut c, "rdb_current_bgsave_time_sec"), "-1");
}

// ------------------------------------------------------------------------ automatic trigger

#[test]
fn automatic_trigger_follows_the_percentage() {
    let server = TestServer::start();
    let data = server.data_dir().join("data");
    let mut c = server.raw();
    assert_eq!(c.cmd(&["CONFIG", "SET", "auto-aof-rewrite-percentage", "0"]), OK);
    assert_eq!(c.cmd(&["CONFIG", "SET", "auto-aof-rewrite-min-size", "64kb"]), OK);
    fill(&mut c, "auto", 1000, 200);
    assert!(number(&mut c, "aof_current_size") > 64 * 1024);
    // Percentage 0 turns the trigger off: ten of its checks (100 ms apart) go by.
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(field(&mut c, "aof_rewrites"), "0");
    assert_eq!(field(&mut c, "aof_rewrite_in_progress"), "0");
    assert!(files(&data).snapshots.is_empty());
    // With 100 the journal has more than doubled since the start (from nothing).
    assert_eq!(c.cmd(&["CONFIG", "SET", "auto-aof-rewrite-percentage", "100"]), OK);
    wait_for("an automatic compaction", || number(&mut c, "aof_rewrites") == 1);
    wait_idle(&mut c);
    assert_eq!(number(&mut c, "rdb_saves"), 0);
    let (seq, _) = one_snapshot(&data);
    assert_eq!(number(&mut c, "snapshot_seq"), seq);
    assert!(server.log().contains("starting an automatic compaction"), "{}", server.log());
}

// ------------------------------------------------------------------------ files and restart

/// Every key of every database with its type, content (order-free where Redis's is) and
/// whether it has a TTL; strings for easy comparison.
fn dump(con: &mut redis::Connection, databases: &[u32]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for db in databases {
        redis::cmd("SELECT").arg(db).query::<()>(con).unwrap();
        let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(con).unwrap();
        for key in keys {
            let kind: String = redis::cmd("TYPE").arg(&key).query(con).unwrap();
            let content = match kind.as_str() {
                "string" => {
                    let bytes: Vec<u8> = redis::cmd("GET").arg(&key).query(con).unwrap();
                    String::from_utf8_lossy(&bytes).into_owned()
                }
                "list" => {
                    let items: Vec<String> =
                        redis::cmd("LRANGE").arg(&key).arg(0).arg(-1).query(con).unwrap();
                    items.join(",")
                }
                "hash" => {
                    let map: BTreeMap<String, String> =
                        redis::cmd("HGETALL").arg(&key).query(con).unwrap();
                    format!("{map:?}")
                }
                "set" => {
                    let mut members: Vec<String> =
                        redis::cmd("SMEMBERS").arg(&key).query(con).unwrap();
                    members.sort();
                    members.join(",")
                }
                "zset" => {
                    let items: Vec<String> = redis::cmd("ZRANGE")
                        .arg(&key)
                        .arg(0)
                        .arg(-1)
                        .arg("WITHSCORES")
                        .query(con)
                        .unwrap();
                    items.join(",")
                }
                other => panic!("unexpected type {other}"),
            };
            let pttl: i64 = redis::cmd("PTTL").arg(&key).query(con).unwrap();
            let ttl = if pttl > 0 { "ttl" } else { "persistent" };
            out.insert(format!("{db}/{key}"), format!("{kind} {ttl} {content}"));
        }
    }
    redis::cmd("SELECT").arg(0).query::<()>(con).unwrap();
    out
}

/// Small and large (non-compact encoding) values of every type, in `db`.
fn write_every_type(c: &mut RawClient, db: &str) {
    assert_eq!(c.cmd(&["SELECT", db]), OK);
    assert_eq!(c.cmd(&["SET", "str", &format!("string in {db}")]), OK);
    assert_eq!(c.cmd(&["SET", "int", "12345"]), OK);
    assert_eq!(c.cmd(&["SET", "ttl", "expiring", "PX", "600000"]), OK);
    assert_eq!(c.cmd(&["SETBIT", "bits", "1000", "1"]), int(0));
    assert_eq!(c.cmd(&["RPUSH", "list", "a", "b", "c"]), int(3));
    assert_eq!(c.cmd(&["HSET", "hash", "f1", "v1", "f2", "v2"]), int(2));
    assert_eq!(c.cmd(&["SADD", "intset", "1", "2", "3"]), int(3));
    assert_eq!(c.cmd(&["SADD", "set", "x", "y"]), int(2));
    assert_eq!(c.cmd(&["ZADD", "zset", "1.5", "a", "-2", "b"]), int(2));
    assert_eq!(c.cmd(&["PEXPIRE", "zset", "600000"]), int(1));
    let mut big_list = vec!["RPUSH", "biglist"];
    let mut big_hash = vec!["HSET", "bighash"];
    let mut big_set = vec!["SADD", "bigset"];
    let mut big_zset = vec!["ZADD", "bigzset"];
    // Over every type's compact limit (hashes: 512 fields).
    let names: Vec<String> = (0..600).map(|i| format!("member-{i}")).collect();
    let scores: Vec<String> = (0..600).map(|i| format!("{}", i * 3)).collect();
    for (name, score) in names.iter().zip(&scores) {
        big_list.push(name);
        big_hash.extend([name.as_str(), score.as_str()]);
        big_set.push(name);
        big_zset.extend([score.as_str(), name.as_str()]);
    }
    for command in [big_list, big_hash, big_set, big_zset] {
        assert_eq!(c.cmd(&command), int(600), "{}", command[0]);
    }
    assert_eq!(c.cmd(&["EXPIRE", "bighash", "3600"]), int(1));
    assert_eq!(c.cmd(&["SELECT", "0"]), OK);
}

#[test]
fn restart_loads_the_snapshot_then_the_tail() {
    let databases = [0, 5, 15];
    let mut server = TestServer::start();
    let data = server.data_dir().join("data");
    let mut c = server.raw();
    for db in databases {
        write_every_type(&mut c, &db.to_string());
    }
    assert_eq!(c.cmd(&["BGREWRITEAOF"]), REWRITE_STARTED);
    wait_idle(&mut c);
    let (seq, _) = one_snapshot(&data);
    // Writes after the compaction: new keys, and changes to keys in the snapshot.
    assert_eq!(c.cmd(&["SET", "tail", "after the snapshot"]), OK);
    assert_eq!(c.cmd(&["DEL", "str"]), int(1));
    assert_eq!(c.cmd(&["RPUSH", "list", "d"]), int(4));
    assert_eq!(c.cmd(&["SELECT", "5"]), OK);
    assert_eq!(c.cmd(&["ZADD", "bigzset", "7", "late"]), int(1));
    assert_eq!(c.cmd(&["PERSIST", "zset"]), int(1));
    assert_eq!(c.cmd(&["SELECT", "0"]), OK);
    let mut con = server.client();
    let before = dump(&mut con, &databases);
    assert_eq!(before.len(), 3 * 13);
    server.restart();
    let log = server.log();
    assert!(log.contains(&format!("snapshot at seq {seq} (")), "{log}");
    assert!(log.contains("and 5 records in 1 segment(s)"), "{log}");
    let mut con = server.client();
    assert_eq!(dump(&mut con, &databases), before);
    let mut c = server.raw();
    assert_eq!(c.cmd(&["GET", "tail"]), bulk("after the snapshot"));
    assert_eq!(c.cmd(&["SELECT", "15"]), OK);
    let pttl: i64 = c.cmd(&["PTTL", "ttl"]).trim_start_matches(':').trim().parse().unwrap();
    assert!((500_000..=600_000).contains(&pttl), "{pttl}");
    // The restarted server reports the snapshot it loaded.
    assert_eq!(number(&mut c, "snapshot_seq"), seq);
}

// -------------------------------------------------------------------------------- SHUTDOWN

/// Sends a SHUTDOWN and waits for the process to exit with status 0.
fn shutdown(server: &mut TestServer, args: &[&str]) {
    let mut c = server.raw();
    c.cmd(&["SET", "written before", args.join(" ").as_str()]);
    let mut command = vec!["SHUTDOWN".as_bytes()];
    command.extend(args.iter().map(|a| a.as_bytes()));
    c.send_command(&command);
    assert!(c.is_closed());
    assert_eq!(server.wait_exit(WAIT), Some(0), "{}", server.log());
}

#[test]
fn shutdown_compacts_when_asked_or_worthwhile() {
    let mut server = TestServer::start();
    let data = server.data_dir().join("data");
    fill(&mut server.raw(), "s", 200, 100);
    // NOSAVE never compacts, even over auto-aof-rewrite-min-size.
    assert_eq!(server.raw().cmd(&["CONFIG", "SET", "auto-aof-rewrite-min-size", "1kb"]), OK);
    shutdown(&mut server, &["NOSAVE"]);
    assert!(files(&data).snapshots.is_empty());
    server.restart();
    assert!(!server.log().contains("snapshot at seq"), "{}", server.log());
    assert_eq!(server.raw().cmd(&["GET", "written before"]), bulk("NOSAVE"));
    // Plain SHUTDOWN under the default auto-aof-rewrite-min-size (64mb): no compaction.
    shutdown(&mut server, &[]);
    assert!(files(&data).snapshots.is_empty());
    // Plain SHUTDOWN over a small one: the next start loads a snapshot.
    server.restart();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["CONFIG", "SET", "auto-aof-rewrite-percentage", "0"]), OK);
    assert_eq!(c.cmd(&["CONFIG", "SET", "auto-aof-rewrite-min-size", "1kb"]), OK);
    shutdown(&mut server, &[]);
    let (plain_seq, _) = one_snapshot(&data);
    server.restart();
    let log = server.log();
    assert!(log.contains(&format!("snapshot at seq {plain_seq} (")), "{log}");
    assert!(log.contains("and 0 records"), "{log}");
    assert_eq!(server.raw().cmd(&["GET", "written before"]), bulk(""));
    // SHUTDOWN SAVE always compacts, replacing the snapshot.
    assert_eq!(server.raw().cmd(&["GET", "s:199"]), bulk(&"v".repeat(100)));
    shutdown(&mut server, &["SAVE"]);
    let (save_seq, _) = one_snapshot(&data);
    assert_eq!(save_seq, plain_seq + 1);
    server.restart();
    assert!(server.log().contains(&format!("snapshot at seq {save_seq} (")), "{}", server.log());
    let mut c = server.raw();
    assert_eq!(c.cmd(&["GET", "written before"]), bulk("SAVE"));
    assert_eq!(c.cmd(&["DBSIZE"]), int(201));
}

// ---------------------------------------------------------------------- without a journal

#[test]
fn without_a_journal_nothing_is_saved() {
    let server = TestServer::start_with(&["--appendonly", "no"]);
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SET", "a", "1"]), OK);
    for command in [&["BGREWRITEAOF"][..], &["BGSAVE"], &["BGSAVE", "SCHEDULE"], &["SAVE"]] {
        assert_eq!(c.cmd(command), err(NO_JOURNAL), "{command:?}");
    }
    assert_eq!(c.cmd(&["BGSAVE", "later"]), err("ERR syntax error"));
    assert_eq!(field(&mut c, "aof_enabled"), "0");
    assert_eq!(field(&mut c, "rdb_saves"), "0");
    assert_eq!(c.cmd(&["GET", "a"]), bulk("1"));
}

// ----------------------------------------------------------------------- a failing compaction

#[test]
fn a_failing_compaction_changes_nothing() {
    let mut server = TestServer::start_with_env(&[], &[("ALLYDB_FAULT", "snapshot-synced:error")]);
    let data = server.data_dir().join("data");
    let mut c = server.raw();
    fill(&mut c, "f", 100, 30);
    assert_eq!(c.cmd(&["BGREWRITEAOF"]), REWRITE_STARTED);
    wait_for("the failure", || field(&mut c, "aof_last_bgrewrite_status") == "err");
    wait_idle(&mut c);
    assert_eq!(field(&mut c, "aof_rewrites_consecutive_failures"), "1");
    assert_eq!(field(&mut c, "aof_rewrites"), "0");
    assert_eq!(field(&mut c, "snapshot_seq"), "0");
    // Redis replies to a failed SAVE with a bare ERR; the reason is in the log.
    assert_eq!(c.cmd(&["SAVE"]), err("ERR"));
    assert_eq!(field(&mut c, "rdb_last_bgsave_status"), "err");
    assert_eq!(field(&mut c, "rdb_saves"), "0");
    assert!(server.log().contains("injected fault at snapshot-synced"), "{}", server.log());
    // Nothing changed on disk but the journal, and the server keeps serving.
    let found = files(&data);
    assert!(found.snapshots.is_empty() && found.temporary.is_empty(), "{:?}", found.snapshots);
    assert_eq!(c.cmd(&["SET", "after", "failure"]), OK);
    assert_eq!(c.cmd(&["GET", "f:99"]), bulk(&"v".repeat(30)));
    assert_eq!(field(&mut c, "aof_last_write_status"), "ok");
    // Without the fault (a new process), the data is all there and compaction works.
    server.restart();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["DBSIZE"]), int(101));
    assert_eq!(c.cmd(&["GET", "after"]), bulk("failure"));
    assert_eq!(c.cmd(&["SAVE"]), OK);
    assert_eq!(field(&mut c, "rdb_last_bgsave_status"), "ok");
    assert_eq!(field(&mut c, "aof_rewrites_consecutive_failures"), "0");
    one_snapshot(&data);
}
