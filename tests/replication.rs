//! Replication by journal shipping (docs/REPLICATION.md), with real binaries: a primary and
//! replicas converge key by key and to the same offset under a mixed pipelined workload; a
//! replica killed mid-stream continues (PSYNC), one behind a compaction or holding another
//! primary's history resyncs fully; REPLICAOF NO ONE promotes and the old primary follows;
//! WAIT and WAITAOF count replicas; replies and INFO/ROLE shapes against redis-server 7.0.15;
//! what must be refused (PSYNC without the capability, a redis-server replica, no journal).
mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::servers::{Kind, Server};
use common::workload::{self, bulk_strings, Generator};
use common::{eventually, info_field, info_number, RawClient, OK};

/// How long a replica may take to catch up (loopback, debug build, two shared cores).
const CONVERGE: Duration = Duration::from_secs(120);

fn allydb(extra: &[&str]) -> Server {
    Server::start_with(Kind::AllyDb, extra)
}

/// An AllyDB replica of the server on `port`, with `extra` arguments.
fn replica_of(port: u16, extra: &[&str]) -> Server {
    let address = format!("127.0.0.1 {port}");
    let mut arguments = vec!["--replicaof", address.as_str()];
    arguments.extend_from_slice(extra);
    allydb(&arguments)
}

fn client(server: &Server) -> RawClient {
    RawClient::connect(server.port)
}

fn replication_number(server: &Server, name: &str) -> u64 {
    info_number(&mut client(server), "replication", name)
}

fn stats_number(server: &Server, name: &str) -> u64 {
    info_number(&mut client(server), "stats", name)
}

/// The offset ROLE reports: the second element for a master, the fifth for a replica.
fn role_offset(server: &Server) -> i64 {
    let reply = parse(client(server).cmd(&["ROLE"]).as_bytes());
    let Value::Array(items) = reply else { panic!("ROLE is not an array") };
    let at = if items.first() == Some(&Value::Bulk(b"master".to_vec())) { 1 } else { 4 };
    match items.get(at) {
        Some(Value::Integer(n)) => *n,
        other => panic!("ROLE offset: {other:?}"),
    }
}

/// Whether every replica is online and has applied everything the primary journaled.
fn caught_up(primary: &Server, replicas: &[&Server]) -> bool {
    let offset = replication_number(primary, "master_repl_offset");
    let connected = replication_number(primary, "connected_slaves");
    usize::try_from(connected).ok() == Some(replicas.len())
        && replicas.iter().all(|r| {
            let mut c = client(r);
            info_field(&mut c, "replication", "master_link_status") == "up"
                && info_number(&mut c, "replication", "slave_repl_offset") == offset
        })
}

/// Waits until the replicas have the primary's offset and keyspace, then checks both, and
/// that ROLE on every side reports the same offset. Returns the offset and the keyspace.
fn assert_converged(primary: &Server, replicas: &[&Server], context: &str) -> (u64, Keyspace) {
    let logs = || {
        let mut text = format!("primary:\n{}", primary.log());
        for (i, r) in replicas.iter().enumerate() {
            text.push_str(&format!("\nreplica {i}:\n{}", r.log()));
        }
        text
    };
    // Keys past their deadline are deleted (and the deletions journaled) by the primary
    // alone, by a SCAN or by its active expiry at any moment: a check counts only when the
    // offset did not move through it, ROLE's included (the test's generator sets deadlines,
    // and one passing between the last look and ROLE made ROLE one record ahead).
    let mut stable = None;
    let converged = eventually(CONVERGE, || {
        let expected = dump(primary);
        if !caught_up(primary, replicas) {
            return false;
        }
        let offset = replication_number(primary, "master_repl_offset");
        let same = replicas.iter().all(|r| dump(r) == expected);
        if same && caught_up(primary, replicas) && dump(primary) == expected {
            let roles_agree = i64::try_from(offset).is_ok_and(|offset| {
                role_offset(primary) == offset && replicas.iter().all(|r| role_offset(r) == offset)
            });
            if roles_agree && replication_number(primary, "master_repl_offset") == offset {
                stable = Some((offset, expected));
                return true;
            }
        }
        false
    });
    let Some((offset, expected)) = stable.filter(|_| converged) else {
        let expected = dump(primary);
        for r in replicas {
            assert_same(&expected, &dump(r), context);
        }
        let roles: Vec<i64> = replicas.iter().map(|r| role_offset(r)).collect();
        panic!(
            "{context}: replicas did not catch up, or ROLE disagrees with INFO (primary: INFO \
             {}, ROLE {}; replicas' ROLE {roles:?}):\n{}",
            replication_number(primary, "master_repl_offset"),
            role_offset(primary),
            logs()
        );
    };
    assert!(offset > 0, "{context}: nothing was replicated");
    assert!(!expected.is_empty(), "{context}: an empty keyspace proves little");
    (offset, expected)
}

/// Every key of every database found by SCAN: TYPE, the value read by type, and whether it
/// has a deadline (PTTL) together with the deadline itself (PEXPIRETIME).
type Keyspace = BTreeMap<(usize, Vec<u8>), (Vec<u8>, bool, String)>;

fn dump(server: &Server) -> Keyspace {
    let mut c = client(server);
    let mut out = Keyspace::new();
    for db in 0..workload::DATABASES {
        assert_eq!(c.cmd(&["SELECT", &db.to_string()]), OK);
        let mut cursor = b"0".to_vec();
        loop {
            let reply = c.cmd_bytes(&[b"SCAN", &cursor, b"COUNT", b"100"]);
            let (next, keys) = scan_reply(&reply);
            for key in keys {
                let value = workload::read_value(&mut c, &key);
                let pttl = String::from_utf8(c.cmd_bytes(&[b"PTTL", &key])).unwrap();
                let deadline = String::from_utf8(c.cmd_bytes(&[b"PEXPIRETIME", &key])).unwrap();
                let has_deadline = !(pttl == ":-1\r\n" || pttl == ":-2\r\n");
                out.insert((db, key), (value, has_deadline, deadline));
            }
            if next == b"0" {
                break;
            }
            cursor = next;
        }
    }
    out
}

/// SCAN's reply: the next cursor and the keys.
fn scan_reply(reply: &[u8]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let text = reply.strip_prefix(b"*2\r\n").expect("SCAN reply");
    let cursor_end = text.windows(2).position(|w| w == b"\r\n").unwrap();
    let len: usize = std::str::from_utf8(&text[1..cursor_end]).unwrap().parse().unwrap();
    let cursor = text[cursor_end + 2..cursor_end + 2 + len].to_vec();
    let keys = bulk_strings(&text[cursor_end + 2 + len + 2..]);
    (cursor, keys)
}

fn assert_same(expected: &Keyspace, seen: &Keyspace, context: &str) {
    if expected == seen {
        return;
    }
    let names: std::collections::BTreeSet<_> = expected.keys().chain(seen.keys()).collect();
    let different: Vec<String> = names
        .into_iter()
        .filter(|name| expected.get(*name) != seen.get(*name))
        .take(5)
        .map(|name| {
            format!(
                "db {} key {}: primary {:?}, replica {:?}",
                name.0,
                workload::show(&name.1),
                expected.get(name).map(|v| workload::show(&v.0)),
                seen.get(name).map(|v| workload::show(&v.0))
            )
        })
        .collect();
    panic!("{context}: the replica's keyspace differs; first keys:\n{}", different.join("\n"));
}

/// Writes `count` generated commands: half on two pipelining connections, half with one of
/// them sending MULTI/EXEC transactions.
fn write_mixed(port: u16, generator: &mut Generator, count: usize) {
    generator.start_round(count);
    workload::apply_on(port, generator, count / 2);
    workload::apply_in_transactions_on(port, generator, count - count / 2);
}

/// Writes that the generator does not make: keys that expire during the test, a future
/// PEXPIREAT, a RENAME chain, FLUSHDB on another database.
fn write_specials(port: u16) {
    let mut c = RawClient::connect(port);
    let far = (workload::now_ms() + 3_600_000).to_string();
    for i in 0..50 {
        let key = format!("short:{i}");
        assert_eq!(c.cmd(&["SET", &key, "v", "PX", "50"]), OK);
        assert_eq!(c.cmd(&["SET", &format!("far:{i}"), "v"]), OK);
        assert_eq!(c.cmd(&["PEXPIREAT", &format!("far:{i}"), &far]), ":1\r\n");
        assert_eq!(c.cmd(&["EXPIRE", &format!("far:{i}"), "7200", "GT"]), ":1\r\n");
    }
    assert_eq!(c.cmd(&["SELECT", "7"]), OK);
    assert_eq!(c.cmd(&["RPUSH", "gone", "a", "b"]), ":2\r\n");
    assert_eq!(c.cmd(&["FLUSHDB"]), OK);
    assert_eq!(c.cmd(&["HSET", "h", "f", "v"]), ":1\r\n");
    assert_eq!(c.cmd(&["RENAME", "h", "h2"]), OK);
    assert_eq!(c.cmd(&["DEL", "h2"]), ":1\r\n");
    assert_eq!(c.cmd(&["SET", "kept", "1"]), OK);
}

// ------------------------------------------------------------------ 1. acceptance 1

#[test]
fn two_replicas_converge_after_100000_mixed_writes() {
    let primary = allydb(&[]);
    let first = replica_of(primary.port, &[]);
    let second = replica_of(primary.port, &[]);
    let mut generator = Generator::new(12);
    // The first writes land before the replicas have synced (they get a snapshot or the
    // records), the rest while both stream; the special ones last, since the generator's
    // FLUSHALL would remove them.
    write_mixed(primary.port, &mut generator, 100_000);
    write_specials(primary.port);
    // The short deadlines have passed by now: the primary deletes those keys, the replicas
    // follow its deletions.
    let (offset, keyspace) = assert_converged(&primary, &[&first, &second], "100,000 writes");
    // Half the commands are sent in transactions of 40 (one record each); some are reads or
    // change nothing (27,626 records in one run).
    assert!(offset > 20_000, "only {offset} records");
    let databases: std::collections::BTreeSet<usize> = keyspace.keys().map(|k| k.0).collect();
    let types: std::collections::BTreeSet<&[u8]> =
        keyspace.values().map(|v| v.0.split(|b| *b == b' ').next().unwrap()).collect();
    assert!(databases.len() >= 4, "keys in databases {databases:?} only");
    assert_eq!(types.len(), 5, "types {types:?}");
    assert!(keyspace.values().any(|v| v.1), "no key with a deadline");
    let mut c = client(&first);
    assert_eq!(c.cmd(&["EXISTS", "short:0", "short:49"]), ":0\r\n");
    let pttl = c.cmd(&["PTTL", "far:3"]);
    assert!(pttl.starts_with(':') && !pttl.starts_with(":-"), "far:3 PTTL {pttl}");
    assert_eq!(c.cmd(&["SELECT", "7"]), OK);
    assert_eq!(c.cmd(&["EXISTS", "gone", "h", "h2", "kept"]), ":1\r\n");
    assert_eq!(stats_number(&primary, "sync_partial_err"), 0);
    assert!(!primary.log().contains("panicked"), "{}", primary.log());
}

// ------------------------------------------------------------------ 2. kill -9 and continue

#[test]
fn replica_killed_mid_stream_continues_without_full_resync() {
    let primary = allydb(&[]);
    let mut replica = replica_of(primary.port, &["--appendfsync", "always"]);
    let mut generator = Generator::new(21);
    write_mixed(primary.port, &mut generator, 4_000);
    assert_converged(&primary, &[&replica], "before the kill");
    let full = stats_number(&primary, "sync_full");
    let partial = stats_number(&primary, "sync_partial_ok");
    for round in 0..3 {
        // Writes go on while the replica is killed and comes back.
        std::thread::scope(|scope| {
            let writer = scope.spawn(|| {
                let mut generator = Generator::new(100 + round);
                write_mixed(primary.port, &mut generator, 6_000);
            });
            std::thread::sleep(Duration::from_millis(300));
            replica.kill();
            std::thread::sleep(Duration::from_millis(200));
            replica.start_again();
            writer.join().unwrap();
        });
        assert_converged(&primary, &[&replica], &format!("round {round}"));
        assert_eq!(stats_number(&primary, "sync_full"), full, "round {round}: a full resync");
        assert!(
            stats_number(&primary, "sync_partial_ok") > partial + round,
            "round {round}: no partial resync"
        );
    }
}

// ------------------------------------------------------------------ 3. full resyncs

/// Waits for a BGREWRITEAOF to end successfully.
fn compact(primary: &Server) {
    let mut c = client(primary);
    assert_eq!(c.cmd(&["BGREWRITEAOF"]), "+Background append only file rewriting started\r\n");
    let done = eventually(Duration::from_secs(60), || {
        info_number(&mut c, "persistence", "aof_rewrite_in_progress") == 0
    });
    assert!(done, "the compaction did not end:\n{}", primary.log());
    assert_eq!(info_field(&mut c, "persistence", "aof_last_bgrewrite_status"), "ok");
}

#[test]
fn replica_behind_a_compaction_resyncs_fully() {
    let primary = allydb(&[]);
    let mut replica = replica_of(primary.port, &[]);
    let mut generator = Generator::new(31);
    write_mixed(primary.port, &mut generator, 3_000);
    assert_converged(&primary, &[&replica], "before the stop");
    let stopped_at = replication_number(&primary, "master_repl_offset");
    replica.stop();
    let full = stats_number(&primary, "sync_full");
    write_mixed(primary.port, &mut generator, 3_000);
    compact(&primary);
    let first_live = replication_number(&primary, "repl_backlog_first_byte_offset");
    assert!(first_live > stopped_at, "the compaction kept the records the replica needs");
    write_mixed(primary.port, &mut generator, 1_000);
    replica.start_again();
    assert_converged(&primary, &[&replica], "after the compaction");
    assert_eq!(stats_number(&primary, "sync_full"), full + 1);

    // A replica started only now gets the snapshot and the records after it.
    let late = replica_of(primary.port, &[]);
    assert_converged(&primary, &[&replica, &late], "a replica started after the compaction");
    assert_eq!(stats_number(&primary, "sync_full"), full + 2);
}

/// A replica that goes away in the middle of its snapshot leaves the primary serving, and
/// one with an unknown history counts as a failed partial resync.
#[test]
fn a_replica_dropping_mid_snapshot_leaves_the_primary_well() {
    let primary = allydb(&[]);
    let mut c = client(&primary);
    let value = "v".repeat(4096);
    for i in 0..4_000 {
        assert_eq!(c.cmd(&["SET", &format!("big:{i}"), &value]), OK);
    }
    compact(&primary);
    let replid = info_field(&mut c, "replication", "master_replid");
    let offset = replication_number(&primary, "master_repl_offset");
    for (round, asked) in ["?", "0123456789abcdef0123456789abcdef01234567"].iter().enumerate() {
        let mut fake = client(&primary);
        assert_eq!(fake.cmd(&["REPLCONF", "listening-port", "1"]), OK);
        assert_eq!(fake.cmd(&["REPLCONF", "capa", "allydb-journal-1"]), OK);
        let seq = if *asked == "?" { "-1" } else { "5" };
        assert_eq!(fake.cmd(&["PSYNC", asked, seq]), format!("+FULLRESYNC {replid} {offset}\r\n"));
        drop(fake);
        let gone = eventually(Duration::from_secs(30), || {
            replication_number(&primary, "connected_slaves") == 0
        });
        assert!(gone, "round {round}: the dropped replica is still listed:\n{}", primary.log());
        assert_eq!(stats_number(&primary, "sync_full"), 1 + round as u64);
        assert_eq!(stats_number(&primary, "sync_partial_err"), round as u64);
    }
    assert_eq!(c.cmd(&["SET", "after", "1"]), OK);
    let replica = replica_of(primary.port, &[]);
    assert_converged(&primary, &[&replica], "after two dropped replicas");
    assert_eq!(stats_number(&primary, "sync_full"), 3);
    assert!(!primary.log().contains("panicked"), "{}", primary.log());
}

#[test]
fn replica_with_another_primarys_history_resyncs_fully() {
    let primary = allydb(&[]);
    let mut generator = Generator::new(41);
    write_mixed(primary.port, &mut generator, 2_000);
    // A server with a history of its own, longer than the primary's, and keys the primary
    // does not have.
    let mut other = allydb(&[]);
    let mut writer = client(&other);
    for i in 0..3_000 {
        assert_eq!(writer.cmd(&["SET", &format!("stranger:{i}"), "x"]), OK);
    }
    let mut c = client(&other);
    assert_eq!(c.cmd(&["REPLICAOF", "127.0.0.1", &primary.port.to_string()]), OK);
    drop(c);
    assert_converged(&primary, &[&other], "REPLICAOF on a server with its own history");
    assert_eq!(stats_number(&primary, "sync_full"), 1);
    assert_eq!(client(&other).cmd(&["EXISTS", "stranger:0"]), ":0\r\n");
    // The writer's last record was numbered past the primary's history, which the resync
    // started over from: its replies do not wait for the new numbers to get there (each read
    // times out after 10 s). Promoted, it finds that record synced, and its WAITAOF counts
    // the replicas that have all of the new history.
    assert_eq!(writer.cmd(&["EXISTS", "stranger:0"]), ":0\r\n");
    assert_eq!(writer.cmd(&["REPLICAOF", "NO", "ONE"]), OK);
    assert_eq!(writer.cmd(&["WAITAOF", "1", "0", "0"]), "*2\r\n:1\r\n:0\r\n");
    assert_eq!(writer.cmd(&["SET", "promoted", "1"]), OK);
    assert_eq!(writer.cmd(&["WAITAOF", "1", "0", "0"]), "*2\r\n:1\r\n:0\r\n");
    assert_eq!(writer.cmd(&["REPLICAOF", "127.0.0.1", &primary.port.to_string()]), OK);
    drop(writer);

    // A replica started with --replicaof on a directory another primary wrote.
    let mut stranger = allydb(&[]);
    let mut c = client(&stranger);
    for i in 0..3_000 {
        assert_eq!(
            c.cmd(&["RPUSH", &format!("stranger:{}", i % 7), "x"]),
            format!(":{}\r\n", i / 7 + 1)
        );
    }
    drop(c);
    stranger.stop();
    let mut replica = replica_of(primary.port, &[]);
    assert_converged(&primary, &[&other, &replica], "a fresh replica");
    replica.stop();
    let data = replica.dir.path().join("data");
    std::fs::remove_dir_all(&data).unwrap();
    common::copy_dir(&stranger.dir.path().join("data"), &data);
    let full = stats_number(&primary, "sync_full");
    replica.start_again();
    write_mixed(primary.port, &mut generator, 500);
    assert_converged(&primary, &[&other, &replica], "a replica on another primary's directory");
    assert_eq!(stats_number(&primary, "sync_full"), full + 1);
    assert_eq!(client(&replica).cmd(&["EXISTS", "stranger:0"]), ":0\r\n");
    other.kill();
}

/// BGREWRITEAOF on the server at `port`, waited for.
fn compact_at(port: u16) {
    let mut c = RawClient::connect(port);
    assert_eq!(c.cmd(&["BGREWRITEAOF"]), "+Background append only file rewriting started\r\n");
    let done = eventually(Duration::from_secs(60), || {
        info_number(&mut c, "persistence", "aof_rewrite_in_progress") == 0
    });
    assert!(done, "the compaction did not end");
    assert_eq!(info_field(&mut c, "persistence", "aof_last_bgrewrite_status"), "ok");
}

/// Every key of database 0, sorted.
fn keys_at(port: u16) -> Vec<String> {
    let reply = RawClient::connect(port).cmd(&["KEYS", "*"]);
    let Value::Array(items) = parse(reply.as_bytes()) else { panic!("KEYS: {reply}") };
    let mut keys: Vec<String> = items
        .into_iter()
        .map(|item| match item {
            Value::Bulk(key) => String::from_utf8(key).unwrap(),
            other => panic!("KEYS item {other:?}"),
        })
        .collect();
    keys.sort();
    keys
}

/// Which history a restarted replica loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Loaded {
    /// Its own, up to this sequence number (one key per record).
    Own(u64),
    /// The primary's snapshot.
    Primary,
}

/// Sequence number of the primary's snapshot in `crash_during_full_resync`.
const PRIMARY_SNAPSHOT_SEQ: u64 = 200;
/// Records a replica in `crash_during_full_resync` has after its own snapshot.
const OWN_AFTER_SNAPSHOT: u64 = 60;

/// A replica with a history of its own (`own_snapshot_seq` records, its snapshot there, then
/// OWN_AFTER_SNAPSHOT more) resyncs fully from a primary whose snapshot is at
/// PRIMARY_SNAPSHOT_SEQ and crashes at each fault point of `cases`: restarted, it must load
/// what the case expects, and never a mix of the two histories.
fn crash_during_full_resync(own_snapshot_seq: u64, cases: &[(&str, Loaded)]) {
    let base = tempfile::tempdir().unwrap();
    let own_data = base.path().join("own");
    let mut node = common::spawn_node(&own_data, &[]);
    node.ready().unwrap();
    let mut c = node.client();
    for i in 0..own_snapshot_seq + OWN_AFTER_SNAPSHOT {
        if i == own_snapshot_seq {
            compact_at(node.port);
        }
        assert_eq!(c.cmd(&["SET", &format!("own:{i:04}"), "own"]), OK);
    }
    assert_eq!(
        info_number(&mut c, "replication", "master_repl_offset"),
        own_snapshot_seq + OWN_AFTER_SNAPSHOT,
        "one record per SET"
    );
    drop(c);
    node.stop();

    let primary = allydb(&[]);
    let mut c = client(&primary);
    let mut primary_keys: Vec<String> =
        (0..PRIMARY_SNAPSHOT_SEQ).map(|i| format!("primary:{i:04}")).collect();
    for key in &primary_keys {
        assert_eq!(c.cmd(&["SET", key, "primary"]), OK);
    }
    assert_eq!(replication_number(&primary, "master_repl_offset"), PRIMARY_SNAPSHOT_SEQ);
    compact_at(primary.port);
    primary_keys.sort();

    let replicaof = format!("127.0.0.1 {}", primary.port);
    for (point, expected) in cases {
        let context = format!("own snapshot at {own_snapshot_seq}, crash at {point}");
        let data = base.path().join(point);
        common::copy_dir(&own_data, &data);
        let fault = [("ALLYDB_FAULT", *point)];
        let mut crashing = common::spawn_node_with_env(&data, &["--replicaof", &replicaof], &fault);
        let exited = eventually(Duration::from_secs(60), || {
            crashing.child.try_wait().ok().flatten().is_some()
        });
        let log = crashing.log();
        assert!(exited, "{context}: the replica did not crash:\n{log}");
        assert!(log.contains(&format!("injected crash at {point}")), "{context}:\n{log}");
        drop(crashing);

        // Restarted on its own (a replica would resync at once): what the directory holds.
        let mut restarted = common::spawn_node(&data, &[]);
        assert_eq!(restarted.ready(), Ok(()), "{context}: no restart:\n{}", restarted.log());
        let keys = keys_at(restarted.port);
        let own_prefix: Vec<String> = (0..keys.len()).map(|i| format!("own:{i:04}")).collect();
        let loaded = if keys == primary_keys {
            Loaded::Primary
        } else if keys == own_prefix {
            Loaded::Own(keys.len() as u64)
        } else {
            let mixed = keys.iter().any(|k| k.starts_with("primary:"))
                && keys.iter().any(|k| k.starts_with("own:"));
            panic!(
                "{context}: {} keys loaded, neither history (a mix of both: {mixed}): first \
                 {:?}, last {:?}\n{}",
                keys.len(),
                keys.first(),
                keys.last(),
                restarted.log()
            );
        };
        assert_eq!(loaded, *expected, "{context}");
        let offset = match loaded {
            Loaded::Own(seq) => seq,
            Loaded::Primary => PRIMARY_SNAPSHOT_SEQ,
        };
        let mut c = restarted.client();
        assert_eq!(info_number(&mut c, "replication", "master_repl_offset"), offset, "{context}");
        drop(c);
        restarted.stop();
    }
}

/// The replica's own snapshot has the primary's sequence number: the MANIFEST in force names
/// `snapshot-<S>.snap`, with the replica's records after it. Renaming the primary's snapshot
/// over it before the MANIFEST switch would load the primary's snapshot followed by the
/// replica's records after a crash.
#[test]
fn a_full_resync_over_a_snapshot_of_the_same_seq_survives_a_crash_at_every_step() {
    let own = Loaded::Own(PRIMARY_SNAPSHOT_SEQ);
    crash_during_full_resync(
        PRIMARY_SNAPSHOT_SEQ,
        &[
            ("reset-segment-emptied", own),
            ("resync-journal-reset", own),
            ("resync-manifest-written", own),
            ("resync-snapshot-renamed", Loaded::Primary),
        ],
    );
}

/// The replica's own snapshot is later than the primary's: every segment the MANIFEST in
/// force names starts after the primary's snapshot, and removing them all before the switch
/// would leave that MANIFEST with no segment (a start refuses it).
#[test]
fn a_full_resync_over_a_later_snapshot_survives_a_crash_at_every_step() {
    let own_seq = PRIMARY_SNAPSHOT_SEQ + 100;
    crash_during_full_resync(
        own_seq,
        &[
            ("resync-snapshot-renamed", Loaded::Own(own_seq + OWN_AFTER_SNAPSHOT)),
            ("reset-segment-emptied", Loaded::Own(own_seq)),
            ("resync-journal-reset", Loaded::Own(own_seq)),
            ("resync-manifest-written", Loaded::Primary),
        ],
    );
}

// ------------------------------------------------------------------ 4. promotion

#[test]
fn replicaof_no_one_promotes_and_the_old_primary_follows() {
    let primary = allydb(&[]);
    let replica = replica_of(primary.port, &[]);
    let mut generator = Generator::new(51);
    write_mixed(primary.port, &mut generator, 2_000);
    assert_converged(&primary, &[&replica], "before the promotion");
    let old_id = info_field(&mut client(&primary), "replication", "master_replid");
    let offset = replication_number(&primary, "master_repl_offset");

    let mut c = client(&replica);
    assert_eq!(c.cmd(&["SET", "refused", "1"]).split(' ').next(), Some("-READONLY"));
    assert_eq!(c.cmd(&["REPLICAOF", "NO", "ONE"]), OK);
    assert_eq!(info_field(&mut c, "replication", "role"), "master");
    assert_eq!(info_field(&mut c, "replication", "master_replid2"), old_id);
    let new_id = info_field(&mut c, "replication", "master_replid");
    assert_ne!(new_id, old_id);
    assert_eq!(info_number(&mut c, "replication", "second_repl_offset"), offset + 1);
    assert_eq!(c.cmd(&["SET", "after-promotion", "1"]), OK);
    assert_eq!(c.cmd(&["REPLICAOF", "NO", "ONE"]), OK);

    // The old primary follows the new one and continues from the shared history.
    let mut o = client(&primary);
    assert_eq!(o.cmd(&["REPLICAOF", "127.0.0.1", &replica.port.to_string()]), OK);
    assert_converged(&replica, &[&primary], "the old primary as a replica");
    assert_eq!(client(&primary).cmd(&["GET", "after-promotion"]), "$1\r\n1\r\n");
    write_mixed(replica.port, &mut generator, 1_000);
    assert_converged(&replica, &[&primary], "the old primary as a replica, more writes");
    assert_eq!(stats_number(&replica, "sync_full"), 0, "{}", replica.log());
    assert_eq!(stats_number(&replica, "sync_partial_ok"), 1);
}

#[test]
fn a_primary_restart_keeps_its_replicas_continuing() {
    let mut primary = allydb(&["--appendfsync", "always"]);
    let replica = replica_of(primary.port, &[]);
    let mut generator = Generator::new(61);
    write_mixed(primary.port, &mut generator, 2_000);
    assert_converged(&primary, &[&replica], "before the restarts");
    for (round, crash) in [false, true].into_iter().enumerate() {
        let old_id = info_field(&mut client(&primary), "replication", "master_replid");
        let offset = replication_number(&primary, "master_repl_offset");
        if crash {
            primary.kill();
            primary.start_again();
        } else {
            primary.restart();
        }
        // A new history that shares the old one up to the last record.
        let mut c = client(&primary);
        assert_ne!(info_field(&mut c, "replication", "master_replid"), old_id);
        assert_eq!(info_field(&mut c, "replication", "master_replid2"), old_id);
        assert_eq!(info_number(&mut c, "replication", "second_repl_offset"), offset + 1);
        write_mixed(primary.port, &mut generator, 1_000);
        assert_converged(&primary, &[&replica], &format!("restart {round}"));
        assert_eq!(stats_number(&primary, "sync_full"), 0, "{}", primary.log());
        assert_eq!(stats_number(&primary, "sync_partial_ok"), 1, "{}", primary.log());
    }
}

/// A replica removes no key past its deadline itself, whatever reads it (SCAN and KEYS
/// included): it waits for its primary's deletion, so its journal stays the primary's.
#[test]
fn a_replica_reading_expired_keys_journals_nothing_of_its_own() {
    let primary = allydb(&[]);
    let replica = replica_of(primary.port, &[]);
    let mut c = client(&primary);
    assert_eq!(c.cmd(&["SET", "kept", "1"]), OK);
    for i in 0..20 {
        assert_eq!(c.cmd(&["SET", &format!("short:{i}"), "v", "PX", "2000"]), OK);
    }
    // Every deadline is at most 2 s after this.
    let written = std::time::Instant::now();
    assert!(eventually(CONVERGE, || caught_up(&primary, &[&replica])));
    // The primary's expiry stops while writes are paused (before the keys expire: 2 s is
    // ample for the few round trips above, even on a loaded machine).
    assert_eq!(c.cmd(&["CLIENT", "PAUSE", "100000", "WRITE"]), OK);
    assert_eq!(c.cmd(&["DBSIZE"]), ":21\r\n", "the primary expired keys before the pause");
    let offset = replication_number(&primary, "master_repl_offset");
    let expired = written + Duration::from_millis(2_200);
    std::thread::sleep(expired.saturating_duration_since(std::time::Instant::now()));
    let mut r = client(&replica);
    assert_eq!(r.cmd(&["SCAN", "0", "COUNT", "1000"]), "*2\r\n$1\r\n0\r\n*1\r\n$4\r\nkept\r\n");
    assert_eq!(r.cmd(&["KEYS", "*"]), "*1\r\n$4\r\nkept\r\n");
    assert_eq!(r.cmd(&["GET", "short:0"]), "$-1\r\n");
    assert_eq!(r.cmd(&["EXISTS", "short:1"]), ":0\r\n");
    assert_eq!(r.cmd(&["RANDOMKEY"]), "$4\r\nkept\r\n");
    assert_eq!(r.cmd(&["DBSIZE"]), ":21\r\n");
    assert_eq!(replication_number(&replica, "slave_repl_offset"), offset, "{}", replica.log());
    assert_eq!(c.cmd(&["CLIENT", "UNPAUSE"]), OK);
    assert!(eventually(CONVERGE, || {
        replication_number(&primary, "master_repl_offset") > offset
            && caught_up(&primary, &[&replica])
            && client(&replica).cmd(&["DBSIZE"]) == ":1\r\n"
    }));
    assert_converged(&primary, &[&replica], "after the primary's deletions");
}

#[test]
fn a_primary_turned_replica_keeps_its_replicas_down_the_chain() {
    let primary = allydb(&[]);
    let first = replica_of(primary.port, &[]);
    let second = replica_of(primary.port, &[]);
    let mut generator = Generator::new(71);
    write_mixed(primary.port, &mut generator, 2_000);
    assert_converged(&primary, &[&first, &second], "before the switch");
    // Another primary with a history of its own: the switch is a full resync, after which
    // the chain's replicas resync fully from their primary, now a replica itself.
    let top = allydb(&[]);
    let mut other = Generator::new(72);
    write_mixed(top.port, &mut other, 2_000);
    let mut c = client(&primary);
    assert_eq!(c.cmd(&["REPLICAOF", "127.0.0.1", &top.port.to_string()]), OK);
    assert_converged(&top, &[&primary], "the old primary under the new one");
    write_mixed(top.port, &mut other, 1_000);
    assert_converged(&top, &[&primary], "more writes on the new primary");
    assert_converged(&primary, &[&first, &second], "the chain");
    assert_eq!(stats_number(&primary, "sync_full"), 4, "{}", primary.log());
    assert_eq!(dump(&first), dump(&top));
}

// ------------------------------------------------------------------ 5. against redis-server

/// A reply parsed, to compare shapes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    Simple(String),
    Error(String),
    Integer(i64),
    Bulk(Vec<u8>),
    Array(Vec<Value>),
}

fn parse(bytes: &[u8]) -> Value {
    fn value(bytes: &[u8], at: &mut usize) -> Value {
        let end = bytes[*at..].windows(2).position(|w| w == b"\r\n").unwrap() + *at;
        let line = std::str::from_utf8(&bytes[*at + 1..end]).unwrap().to_string();
        let kind = bytes[*at];
        *at = end + 2;
        match kind {
            b'+' => Value::Simple(line),
            b'-' => Value::Error(line),
            b':' => Value::Integer(line.parse().unwrap()),
            b'$' => {
                let len: usize = line.parse().unwrap();
                let item = bytes[*at..*at + len].to_vec();
                *at += len + 2;
                Value::Bulk(item)
            }
            b'*' => {
                let n: usize = line.parse().unwrap();
                Value::Array((0..n).map(|_| value(bytes, at)).collect())
            }
            other => panic!("unexpected reply type {}", char::from(other)),
        }
    }
    value(bytes, &mut 0)
}

/// The reply's shape: types and nesting, with the words in `kept` as they are.
fn shape(value: &Value, kept: &[&str]) -> String {
    match value {
        Value::Simple(s) => format!("+{s}"),
        Value::Error(s) => format!("-{s}"),
        Value::Integer(_) => ":n".into(),
        Value::Bulk(b) if kept.iter().any(|k| k.as_bytes() == b.as_slice()) => {
            format!("${}", String::from_utf8_lossy(b))
        }
        Value::Bulk(_) => "$s".into(),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(|v| shape(v, kept)).collect();
            format!("[{}]", inner.join(","))
        }
    }
}

/// INFO replication's field names in order (`slaveN` as `slave#`), without AllyDB's own
/// `master_journal_last_seq`.
fn info_names(server: &Server) -> Vec<String> {
    let info = client(server).cmd(&["INFO", "replication"]);
    info.lines()
        .filter_map(|l| l.split_once(':').map(|(name, _)| name.to_string()))
        .filter(|name| name != "master_journal_last_seq")
        .map(|name| {
            if name.starts_with("slave") && name[5..].chars().all(|c| c.is_ascii_digit()) {
                "slave#".into()
            } else {
                name
            }
        })
        .collect()
}

fn slave_line_names(server: &Server) -> Vec<String> {
    let line = info_field(&mut client(server), "replication", "slave0");
    line.split(',').map(|kv| kv.split('=').next().unwrap().to_string()).collect()
}

/// A primary with two online replicas, of `kind`.
fn topology(kind: Kind) -> (Server, Server, Server) {
    let primary = Server::start(kind);
    let port = primary.port.to_string();
    let replica = |_| match kind {
        Kind::AllyDb => replica_of(primary.port, &[]),
        Kind::Redis => Server::start_with(Kind::Redis, &["--replicaof", "127.0.0.1", &port]),
    };
    let (first, second) = (replica(0), replica(1));
    assert_eq!(client(&primary).cmd(&["SET", "k", "v"]), OK);
    let online = eventually(CONVERGE, || {
        let info = client(&primary).cmd(&["INFO", "replication"]);
        info.matches("state=online").count() == 2
            && [&first, &second]
                .iter()
                .all(|r| info_field(&mut client(r), "replication", "master_link_status") == "up")
    });
    assert!(online, "{}: replicas not online:\n{}", kind.name(), primary.log());
    (primary, first, second)
}

#[test]
fn replies_match_redis_server() {
    let unused = common::free_port().to_string();
    let mut seen: Vec<Vec<String>> = Vec::new();
    for kind in Kind::BOTH {
        let (primary, first, _second) = topology(kind);
        let mut p = client(&primary);
        let mut r = client(&first);
        let mut replies = Vec::new();
        for command in [
            &["REPLICAOF"][..],
            &["REPLICAOF", "localhost"],
            &["REPLICAOF", "a", "b", "c"],
            &["SLAVEOF", "localhost"],
            &["REPLICAOF", "localhost", "port"],
            &["REPLICAOF", "localhost", "70000"],
            &["REPLICAOF", "localhost", "-1"],
            &["REPLCONF", "x"],
            &["REPLCONF", "x", "y"],
            &["REPLCONF", "listening-port"],
            &["REPLCONF", "listening-port", "6380", "x", "y"],
            &["REPLCONF", "listening-port", "6380"],
            &["PSYNC"],
            &["PSYNC", "?"],
        ] {
            replies.push(format!("primary {command:?}: {}", p.cmd(command)));
        }
        let primary_port = primary.port.to_string();
        for command in [
            &["SET", "k", "v"][..],
            &["DEL", "k"],
            &["WAIT", "1", "0"],
            &["REPLCONF", "x", "y"],
            &["REPLICAOF", "127.0.0.1", &primary_port],
            &["SLAVEOF", "127.0.0.1", &primary_port],
            &["GET", "k"],
        ] {
            replies.push(format!("replica {}: {}", command[0], r.cmd(command)));
        }
        let mut c = client(&primary);
        // Redis's strict integers: no sign, no space, no leading zero.
        for port in ["+12", " 12", "01", "0x10", "65536"] {
            replies.push(format!("port {port:?}: {}", c.cmd(&["REPLICAOF", "127.0.0.1", port])));
        }
        assert_eq!(c.cmd(&["REPLICAOF", "127.0.0.1", &unused]), OK);
        replies.push(format!("again: {}", c.cmd(&["REPLICAOF", "127.0.0.1", &unused])));
        // Attempts fail (nothing listens there); a link never up has no down time.
        std::thread::sleep(Duration::from_millis(1500));
        for name in ["master_link_status", "master_last_io_seconds_ago"] {
            replies.push(format!("{name}: {}", info_field(&mut c, "replication", name)));
        }
        let down = info_field(&mut c, "replication", "master_link_down_since_seconds");
        replies.push(format!("master_link_down_since_seconds: {down}"));
        // Its own replicas stay connected (they follow it down the chain).
        replies.push(format!("INFO names, link down: {:?}", info_names(&primary)));
        let role = parse(c.cmd(&["ROLE"]).as_bytes());
        replies.push(format!("ROLE: {}", shape(&role, &["slave", "127.0.0.1", "connect"])));
        // Port 0 is a port to Redis.
        replies.push(format!("port 0: {}", c.cmd(&["REPLICAOF", "localhost", "0"])));
        replies.push(format!("no one: {}", c.cmd(&["REPLICAOF", "NO", "ONE"])));
        replies.push(format!("no one again: {}", c.cmd(&["SLAVEOF", "no", "one"])));
        seen.push(replies);
    }
    let (allydb, redis) = (&seen[0], &seen[1]);
    for (a, r) in allydb.iter().zip(redis) {
        assert_eq!(a, r, "AllyDB and redis-server differ");
    }
}

#[test]
fn role_and_info_shapes_match_redis_server() {
    let mut shapes = Vec::new();
    for kind in Kind::BOTH {
        let (primary, first, second) = topology(kind);
        let kept = ["master", "slave", "connected", "127.0.0.1"];
        let primary_role = parse(client(&primary).cmd(&["ROLE"]).as_bytes());
        let replica_role = parse(client(&first).cmd(&["ROLE"]).as_bytes());
        let Value::Array(items) = &primary_role else { panic!() };
        let Value::Array(listed) = &items[2] else { panic!() };
        let ports: std::collections::BTreeSet<Vec<u8>> = listed
            .iter()
            .map(|entry| match entry {
                Value::Array(fields) => match &fields[1] {
                    Value::Bulk(port) => port.clone(),
                    other => panic!("{other:?}"),
                },
                other => panic!("{other:?}"),
            })
            .collect();
        let expected: std::collections::BTreeSet<Vec<u8>> =
            [&first, &second].iter().map(|r| r.port.to_string().into_bytes()).collect();
        assert_eq!(ports, expected, "{}: ROLE lists the replicas' ports", kind.name());
        // connected_clients leaves out the replicas a primary feeds, and counts a replica's
        // link to its primary: one client each (this one), plus the link on the replica.
        for (server, wanted) in [(&primary, "1"), (&first, "2")] {
            let mut c = client(server);
            let counted = eventually(CONVERGE, || {
                info_field(&mut c, "clients", "connected_clients") == wanted
            });
            let seen = info_field(&mut c, "clients", "connected_clients");
            assert!(counted, "{}: connected_clients {seen}, wanted {wanted}", kind.name());
        }
        let Value::Array(replica_items) = &replica_role else { panic!() };
        assert_eq!(replica_items[2], Value::Integer(i64::from(primary.port)));
        shapes.push((
            shape(&primary_role, &kept),
            shape(&replica_role, &kept),
            info_names(&primary),
            info_names(&first),
            slave_line_names(&primary),
        ));
    }
    assert_eq!(shapes[0].0, shapes[1].0, "ROLE of a master with replicas");
    assert_eq!(shapes[0].1, shapes[1].1, "ROLE of a replica");
    assert_eq!(shapes[0].2, shapes[1].2, "INFO replication of a master");
    assert_eq!(shapes[0].3, shapes[1].3, "INFO replication of a replica");
    assert_eq!(shapes[0].4, shapes[1].4, "INFO replication slave0");
}

// ------------------------------------------------------------------ 6. WAIT and WAITAOF

#[test]
fn wait_and_waitaof_count_replicas() {
    let primary = allydb(&[]);
    // One replica syncs every write, the other only once a minute.
    let always = replica_of(primary.port, &["--appendfsync", "always"]);
    let rarely = replica_of(primary.port, &["--persistence-interval", "60000"]);
    assert!(eventually(CONVERGE, || caught_up(&primary, &[&always, &rarely])));
    let mut c = client(&primary);
    for i in 0..20 {
        assert_eq!(c.cmd(&["SET", "k", &i.to_string()]), OK);
        assert_eq!(c.cmd(&["WAIT", "2", "5000"]), ":2\r\n", "write {i}");
    }
    assert_eq!(c.cmd(&["INCR", "n"]), ":1\r\n");
    assert_eq!(c.cmd(&["WAIT", "3", "200"]), ":2\r\n");
    assert_eq!(client(&rarely).cmd(&["GET", "n"]), "$1\r\n1\r\n");
    assert_eq!(c.cmd(&["INCR", "n"]), ":2\r\n");
    assert_eq!(waitaof_replicas(&mut c, "1", "5000"), Value::Integer(1));
    // The other replica applied the write but has not synced it.
    assert_eq!(waitaof_replicas(&mut c, "2", "300"), Value::Integer(1));
    assert_eq!(c.cmd(&["WAIT", "2", "5000"]), ":2\r\n");
}

/// A killed replica feed stops counting at once, as Redis frees it: WAIT and INFO
/// replication no longer see it in the batch that killed it (one serving thread, so the
/// feed has no turn to notice first). The replica then reconnects.
#[test]
fn a_killed_replica_stops_counting_at_once() {
    let primary = allydb(&["--threads", "1"]);
    let replica = replica_of(primary.port, &[]);
    assert!(eventually(CONVERGE, || caught_up(&primary, &[&replica])));
    let mut c = client(&primary);
    assert_eq!(c.cmd(&["SET", "k", "1"]), OK);
    assert_eq!(c.cmd(&["WAIT", "1", "5000"]), ":1\r\n");
    let mut batch = common::encode(&[b"CLIENT", b"KILL", b"TYPE", b"replica"]);
    batch.extend(common::encode(&[b"WAIT", b"1", b"1"]));
    batch.extend(common::encode(&[b"INFO", b"replication"]));
    c.send(&batch);
    assert_eq!(c.read_reply(), ":1\r\n");
    assert_eq!(c.read_reply(), ":0\r\n");
    let info = c.read_reply();
    assert!(info.contains("\r\nconnected_slaves:0\r\n"), "{info}");
    assert!(eventually(CONVERGE, || replication_number(&primary, "connected_slaves") == 1));
    assert_eq!(c.cmd(&["SET", "k", "2"]), OK);
    assert_eq!(c.cmd(&["WAIT", "1", "5000"]), ":1\r\n");
}

/// WAITAOF 0 <replicas> <timeout>: the replicas part of the reply (the local part depends on
/// when the primary's own interval sync ran).
fn waitaof_replicas(c: &mut RawClient, replicas: &str, timeout_ms: &str) -> Value {
    match parse(c.cmd(&["WAITAOF", "0", replicas, timeout_ms]).as_bytes()) {
        Value::Array(items) if items.len() == 2 => items[1].clone(),
        other => panic!("WAITAOF: {other:?}"),
    }
}

// ------------------------------------------------------------------ 7. refused

#[test]
fn psync_without_the_capability_is_refused() {
    let primary = allydb(&[]);
    let mut c = client(&primary);
    assert_eq!(c.cmd(&["REPLCONF", "listening-port", "6380"]), OK);
    assert_eq!(c.cmd(&["REPLCONF", "capa", "eof", "capa", "psync2"]), OK);
    let refusal = "-ERR AllyDB replicates to AllyDB replicas only (journal shipping, REPLCONF \
                   capa allydb-journal-1); a redis-server replica cannot follow it\r\n";
    assert_eq!(c.cmd(&["PSYNC", "?", "-1"]), refusal);
    assert_eq!(c.cmd(&["SYNC"]), refusal);
    assert_eq!(c.cmd(&["PING"]), "+PONG\r\n");
    assert_eq!(replication_number(&primary, "connected_slaves"), 0);
}

#[test]
fn a_redis_server_replica_of_allydb_fails_and_retries() {
    let primary = allydb(&[]);
    assert_eq!(client(&primary).cmd(&["SET", "k", "v"]), OK);
    let port = primary.port.to_string();
    let redis = Server::start_with(Kind::Redis, &["--replicaof", "127.0.0.1", &port]);
    let retried = eventually(Duration::from_secs(30), || {
        redis.log().matches("MASTER <-> REPLICA sync started").count() >= 3
    });
    assert!(retried, "redis-server did not retry:\n{}", redis.log());
    assert_eq!(info_field(&mut client(&redis), "replication", "master_link_status"), "down");
    assert!(redis.log().contains("AllyDB replicates to AllyDB replicas only"), "{}", redis.log());
    let mut c = client(&primary);
    assert_eq!(c.cmd(&["GET", "k"]), "$1\r\nv\r\n");
    assert_eq!(info_number(&mut c, "replication", "connected_slaves"), 0);
    assert!(!primary.log().contains("panicked"), "{}", primary.log());
}

#[test]
fn replicaof_without_a_journal_is_refused() {
    let primary = allydb(&[]);
    let cache = allydb(&["--appendonly", "no"]);
    let mut c = client(&cache);
    let refusal = "-ERR replication needs the journal (--appendonly yes): records are shipped \
                   from it\r\n";
    assert_eq!(c.cmd(&["REPLICAOF", "127.0.0.1", &primary.port.to_string()]), refusal);
    assert_eq!(info_field(&mut c, "replication", "role"), "master");
    assert_eq!(c.cmd(&["SET", "k", "v"]), OK);
    // Nor can it feed a replica.
    let mut r = client(&cache);
    assert_eq!(r.cmd(&["REPLCONF", "capa", "allydb-journal-1"]), OK);
    assert_eq!(r.cmd(&["PSYNC", "?", "-1"]), refusal);
}
