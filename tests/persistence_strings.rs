//! String and bitmap writes through the journal: each write command records exactly its
//! deterministic effect (docs/FORMAT.md, "Effects"), no-ops record nothing, and a restart on
//! the same directory recovers every key byte for byte, deadlines included.
mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use allydb::journal::{decode_record, Effect, SegmentHeader, Value};
use common::*;

/// 2100-01-01 in Unix ms: a fixed deadline, so journaled effects are exact.
const FAR: u64 = 4_102_444_800_000;
/// Stands for "now + this many ms" in an expected deadline (SETEX, PSETEX).
const RELATIVE: u64 = 1 << 62;

fn now_ms() -> u64 {
    u64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis()).unwrap()
}

fn put(db: u32, key: &str, value: &[u8], expires_at_ms: u64) -> Effect<Vec<u8>> {
    Effect::Put { db, key: key.into(), value: Value::String(value.to_vec()), expires_at_ms }
}

fn delete(key: &str) -> Effect<Vec<u8>> {
    Effect::Delete { db: 0, key: key.into() }
}

fn expire(key: &str, expires_at_ms: u64) -> Effect<Vec<u8>> {
    Effect::Expire { db: 0, key: key.into(), expires_at_ms }
}

/// Every record in the journal directory, in order, as its effects.
fn journal_records(data: &Path) -> Vec<Vec<Effect<Vec<u8>>>> {
    let segments = common::segments(data);
    let mut records = Vec::new();
    let mut expected_seq = None;
    for segment in segments {
        let bytes = std::fs::read(&segment).unwrap();
        SegmentHeader::decode(&bytes).unwrap();
        let mut at = SegmentHeader::ENCODED_BYTES;
        while at < bytes.len() && bytes[at..].iter().any(|&b| b != 0) {
            let (record, used) = decode_record(&bytes[at..])
                .unwrap_or_else(|e| panic!("{}: offset {at}: {e}", segment.display()));
            if let Some(seq) = expected_seq {
                assert_eq!(record.seq, seq, "sequence numbers grow by one");
            }
            expected_seq = Some(record.seq + 1);
            records.push(record.effects);
            at += used;
        }
    }
    records
}

/// What a client sees of one database: every key with its value (raw reply bytes), absolute
/// deadline, TTL and PTTL.
type Snapshot = BTreeMap<String, (Vec<u8>, [String; 3])>;

fn snapshot(c: &mut RawClient, db: u32) -> Snapshot {
    assert_eq!(c.cmd(&["SELECT", &db.to_string()]), OK);
    let listing = c.cmd(&["KEYS", "*"]);
    let mut keys: Vec<String> =
        listing.split("\r\n").skip(1).filter(|l| !l.starts_with('$')).map(String::from).collect();
    keys.retain(|k| !k.is_empty());
    let mut out = Snapshot::new();
    for key in keys {
        let value = c.cmd_bytes(&[b"GET", key.as_bytes()]);
        let times = [c.cmd(&["PEXPIRETIME", &key]), c.cmd(&["TTL", &key]), c.cmd(&["PTTL", &key])];
        out.insert(key, (value, times));
    }
    out
}

fn integer(reply: &str) -> i64 {
    reply.trim_start_matches(':').trim_end().parse().unwrap_or_else(|_| panic!("{reply:?}"))
}

/// Values and absolute deadlines must match exactly; TTL and PTTL may only have run down by
/// the time the restart took.
fn assert_same(before: &Snapshot, after: &Snapshot, elapsed: Duration, db: u32) {
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "keys of db {db}"
    );
    let slack_ms = i64::try_from(elapsed.as_millis()).unwrap() + 50;
    for (key, (value, [deadline, ttl, pttl])) in before {
        let (value2, [deadline2, ttl2, pttl2]) = &after[key];
        assert_eq!(value, value2, "GET {key} (db {db})");
        assert_eq!(deadline, deadline2, "PEXPIRETIME {key} (db {db})");
        if integer(deadline) < 0 {
            assert_eq!((ttl, pttl), (ttl2, pttl2), "TTL/PTTL {key} (db {db})");
        } else {
            let (ms, ms2) = (integer(pttl), integer(pttl2));
            assert!(ms2 <= ms && ms - ms2 <= slack_ms, "PTTL {key}: {ms} then {ms2}");
            let (s, s2) = (integer(ttl), integer(ttl2));
            assert!(s2 <= s && s - s2 <= slack_ms / 1000 + 1, "TTL {key}: {s} then {s2}");
        }
    }
}

fn stop(server: &mut TestServer) {
    server.signal("TERM");
    let code = server.wait_exit(Duration::from_secs(20));
    assert_eq!(code, Some(0), "{}", server.log());
}

#[test]
fn every_string_and_bitmap_write_journals_its_effect_and_survives_a_restart() {
    let mut server = TestServer::start();
    let mut c = server.raw();
    let far = FAR.to_string();
    let mut expected: Vec<Vec<Effect<Vec<u8>>>> = Vec::new();
    let mut relative_windows = Vec::new();
    // Runs a command, checks its reply, and notes the record it must journal (none if empty).
    let mut run = |c: &mut RawClient, args: &[&str], reply: &str, effects: Vec<Effect<Vec<u8>>>| {
        let before = now_ms();
        assert_eq!(c.cmd(args), reply, "{args:?}");
        if !effects.is_empty() {
            relative_windows.push((expected.len(), before, now_ms()));
            expected.push(effects);
        }
    };

    // SET and its options.
    run(&mut c, &["SET", "s", "hello"], OK, vec![put(0, "s", b"hello", 0)]);
    run(&mut c, &["SET", "s", "x", "NX"], NIL, vec![]);
    run(
        &mut c,
        &["SET", "s", "world", "XX", "GET"],
        &bulk("hello"),
        vec![put(0, "s", b"world", 0)],
    );
    run(&mut c, &["SET", "s", "w2", "PXAT", &far], OK, vec![put(0, "s", b"w2", FAR)]);
    run(&mut c, &["SET", "s", "w3", "KEEPTTL"], OK, vec![put(0, "s", b"w3", FAR)]);
    // A past deadline: memory keeps the key until its next access (Redis 7.2), which
    // journals a deletion again; the journal says at once that it is gone.
    run(&mut c, &["SET", "s", "w4", "PXAT", "1"], OK, vec![delete("s")]);
    run(&mut c, &["EXISTS", "s"], &int(0), vec![delete("s")]);
    run(&mut c, &["SET", "s", "w5", "EXAT", "1"], OK, vec![delete("s")]);
    run(&mut c, &["GET", "s"], NIL, vec![delete("s")]);
    run(&mut c, &["SET", "keep", "12345"], OK, vec![put(0, "keep", b"12345", 0)]);
    // SETNX, SETEX, PSETEX, GETSET, GETDEL.
    run(&mut c, &["SETNX", "n", "a"], &int(1), vec![put(0, "n", b"a", 0)]);
    run(&mut c, &["SETNX", "n", "b"], &int(0), vec![]);
    run(&mut c, &["SETEX", "e", "100", "v"], OK, vec![put(0, "e", b"v", RELATIVE + 100_000)]);
    run(
        &mut c,
        &["PSETEX", "e", "5000000", "v2"],
        OK,
        vec![put(0, "e", b"v2", RELATIVE + 5_000_000)],
    );
    run(
        &mut c,
        &["PSETEX", "pe", "7000000", "kept"],
        OK,
        vec![put(0, "pe", b"kept", RELATIVE + 7_000_000)],
    );
    run(&mut c, &["GETSET", "e", "v3"], &bulk("v2"), vec![put(0, "e", b"v3", 0)]);
    run(&mut c, &["GETSET", "gs", "new"], NIL, vec![put(0, "gs", b"new", 0)]);
    run(&mut c, &["GETDEL", "e"], &bulk("v3"), vec![delete("e")]);
    run(&mut c, &["GETDEL", "e"], NIL, vec![]);
    // GETEX: only real deadline changes.
    run(&mut c, &["SET", "g", "v"], OK, vec![put(0, "g", b"v", 0)]);
    run(&mut c, &["GETEX", "g"], &bulk("v"), vec![]);
    run(&mut c, &["GETEX", "g", "PXAT", &far], &bulk("v"), vec![expire("g", FAR)]);
    run(&mut c, &["GETEX", "g", "PXAT", &far], &bulk("v"), vec![]);
    run(&mut c, &["GETEX", "g", "PERSIST"], &bulk("v"), vec![expire("g", 0)]);
    run(&mut c, &["GETEX", "g", "PERSIST"], &bulk("v"), vec![]);
    run(&mut c, &["GETEX", "g", "EXAT", "1"], &bulk("v"), vec![delete("g")]);
    run(&mut c, &["SET", "g2", "v"], OK, vec![put(0, "g2", b"v", 0)]);
    run(&mut c, &["GETEX", "g2", "EXAT", "4102444800"], &bulk("v"), vec![expire("g2", FAR)]);
    // MSET, MSETNX: one PUT per pair, in order.
    run(
        &mut c,
        &["MSET", "m1", "a", "m2", "b", "m1", "c"],
        OK,
        vec![put(0, "m1", b"a", 0), put(0, "m2", b"b", 0), put(0, "m1", b"c", 0)],
    );
    run(
        &mut c,
        &["MSETNX", "x1", "a", "x2", "b"],
        &int(1),
        vec![put(0, "x1", b"a", 0), put(0, "x2", b"b", 0)],
    );
    run(&mut c, &["MSETNX", "x1", "z", "x3", "q"], &int(0), vec![]);
    // Counters: the resulting text, with the deadline kept.
    run(&mut c, &["INCR", "c"], &int(1), vec![put(0, "c", b"1", 0)]);
    run(&mut c, &["INCRBY", "c", "10"], &int(11), vec![put(0, "c", b"11", 0)]);
    run(&mut c, &["DECR", "c"], &int(10), vec![put(0, "c", b"10", 0)]);
    run(&mut c, &["DECRBY", "c", "13"], &int(-3), vec![put(0, "c", b"-3", 0)]);
    run(&mut c, &["SET", "c2", "5", "PXAT", &far], OK, vec![put(0, "c2", b"5", FAR)]);
    run(&mut c, &["INCR", "c2"], &int(6), vec![put(0, "c2", b"6", FAR)]);
    run(&mut c, &["INCR", "s"], &int(1), vec![put(0, "s", b"1", 0)]);
    run(&mut c, &["INCRBYFLOAT", "f", "0.1"], &bulk("0.1"), vec![put(0, "f", b"0.1", 0)]);
    run(&mut c, &["INCRBYFLOAT", "f", "0.2"], &bulk("0.3"), vec![put(0, "f", b"0.3", 0)]);
    run(&mut c, &["SET", "f2", "1000", "PXAT", &far], OK, vec![put(0, "f2", b"1000", FAR)]);
    let sum = "1000.09999999999999998";
    run(&mut c, &["INCRBYFLOAT", "f2", "0.1"], &bulk(sum), vec![put(0, "f2", sum.as_bytes(), FAR)]);
    // APPEND: an APPEND effect on keys without deadline, the whole value otherwise.
    run(&mut c, &["APPEND", "a", "foo"], &int(3), vec![put(0, "a", b"foo", 0)]);
    run(
        &mut c,
        &["APPEND", "a", "bar"],
        &int(6),
        vec![Effect::Append { db: 0, key: b"a".to_vec(), bytes: b"bar".to_vec() }],
    );
    run(&mut c, &["APPEND", "a", ""], &int(6), vec![]);
    run(&mut c, &["APPEND", "empty", ""], &int(0), vec![put(0, "empty", b"", 0)]);
    run(&mut c, &["SET", "a2", "x", "PXAT", &far], OK, vec![put(0, "a2", b"x", FAR)]);
    run(&mut c, &["APPEND", "a2", "yz"], &int(3), vec![put(0, "a2", b"xyz", FAR)]);
    run(&mut c, &["SET", "a3", "7"], OK, vec![put(0, "a3", b"7", 0)]);
    run(
        &mut c,
        &["APPEND", "a3", "8"],
        &int(2),
        vec![Effect::Append { db: 0, key: b"a3".to_vec(), bytes: b"8".to_vec() }],
    );
    // SETRANGE: the whole resulting value.
    run(&mut c, &["SETRANGE", "r", "3", "ab"], &int(5), vec![put(0, "r", b"\0\0\0ab", 0)]);
    run(&mut c, &["SETRANGE", "r", "0", ""], &int(5), vec![]);
    run(&mut c, &["SETRANGE", "r", "1", "Z"], &int(5), vec![put(0, "r", b"\0Z\0ab", 0)]);
    run(&mut c, &["SETRANGE", "r9", "5", ""], &int(0), vec![]);
    run(&mut c, &["SET", "r2", "hello", "PXAT", &far], OK, vec![put(0, "r2", b"hello", FAR)]);
    run(&mut c, &["SETRANGE", "r2", "0", "J"], &int(5), vec![put(0, "r2", b"Jello", FAR)]);
    // SETBIT, BITFIELD: the whole resulting value, only when something changed.
    run(&mut c, &["SETBIT", "b", "7", "1"], &int(0), vec![put(0, "b", b"\x01", 0)]);
    run(&mut c, &["SETBIT", "b", "7", "1"], &int(1), vec![]);
    run(&mut c, &["SETBIT", "b", "15", "0"], &int(0), vec![put(0, "b", b"\x01\x00", 0)]);
    run(&mut c, &["SETBIT", "b", "7", "0"], &int(1), vec![put(0, "b", b"\x00\x00", 0)]);
    run(&mut c, &["SETBIT", "b", "8", "1"], &int(0), vec![put(0, "b", b"\x00\x80", 0)]);
    run(&mut c, &["SET", "b2", "a", "PXAT", &far], OK, vec![put(0, "b2", b"a", FAR)]);
    run(&mut c, &["SETBIT", "b2", "6", "1"], &int(0), vec![put(0, "b2", b"c", FAR)]);
    run(
        &mut c,
        &["BITFIELD", "bf", "SET", "u8", "0", "200"],
        "*1\r\n:0\r\n",
        vec![put(0, "bf", b"\xc8", 0)],
    );
    run(&mut c, &["BITFIELD", "bf", "GET", "u8", "0"], "*1\r\n:200\r\n", vec![]);
    run(&mut c, &["BITFIELD_RO", "bf", "GET", "u8", "0"], "*1\r\n:200\r\n", vec![]);
    let fail = ["BITFIELD", "bf2", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "5"];
    run(&mut c, &fail, "*1\r\n$-1\r\n", vec![put(0, "bf2", b"\x00", 0)]);
    run(&mut c, &fail, "*1\r\n$-1\r\n", vec![]);
    run(
        &mut c,
        &["BITFIELD", "bf", "INCRBY", "i8", "0", "1", "GET", "u4", "0"],
        "*2\r\n:-55\r\n:12\r\n",
        vec![put(0, "bf", b"\xc9", 0)],
    );
    // BITOP: the destination's value, or its deletion when the result is empty.
    run(&mut c, &["BITOP", "OR", "bo", "a", "m2"], &int(6), vec![put(0, "bo", b"foobar", 0)]);
    run(&mut c, &["BITOP", "NOT", "bo2", "bf"], &int(1), vec![put(0, "bo2", b"\x36", 0)]);
    run(&mut c, &["BITOP", "AND", "bo", "nokey1", "nokey2"], &int(0), vec![delete("bo")]);
    run(&mut c, &["BITOP", "AND", "bo", "nokey1"], &int(0), vec![]);
    // Another database.
    assert_eq!(c.cmd(&["SELECT", "3"]), OK);
    run(&mut c, &["SET", "d3", "three", "PXAT", &far], OK, vec![put(3, "d3", b"three", FAR)]);
    run(&mut c, &["INCRBY", "c3", "42"], &int(42), vec![put(3, "c3", b"42", 0)]);
    run(&mut c, &["MSET", "k", "v"], OK, vec![put(3, "k", b"v", 0)]);

    // TTLs run down from the first PTTL read on, through the journal checks and the restart.
    let snapped = Instant::now();
    let before = [snapshot(&mut c, 0), snapshot(&mut c, 3)];
    assert!(before[0].contains_key("pe") && before[1].contains_key("d3"), "{before:?}");
    assert_eq!(before[0]["bf"].0, b"$1\r\n\xc9\r\n");
    drop(c);
    stop(&mut server);

    // The journal holds exactly the expected records.
    let records = journal_records(&server.data_dir().join("data"));
    assert_eq!(records.len(), expected.len(), "{records:#?}");
    // A relative deadline is now + TTL, for a "now" read while the command ran.
    for (index, from, to) in relative_windows {
        for (want, got) in expected[index].iter_mut().zip(&records[index]) {
            if let (
                Effect::Put { expires_at_ms: want, .. },
                Effect::Put { expires_at_ms: got, .. },
            ) = (want, got)
            {
                if *want > RELATIVE {
                    let ttl = *want - RELATIVE;
                    assert!((from + ttl..=to + ttl).contains(got), "record {index}: {got}");
                    *want = *got;
                }
            }
        }
    }
    for (index, (got, want)) in records.iter().zip(&expected).enumerate() {
        assert_eq!(got, want, "record {index}");
    }

    // A new process on the same directory recovers every key byte for byte.
    server.restart();
    let mut c = server.raw();
    let after = [snapshot(&mut c, 0), snapshot(&mut c, 3)];
    let elapsed = snapped.elapsed();
    assert_same(&before[0], &after[0], elapsed, 0);
    assert_same(&before[1], &after[1], elapsed, 3);
}

/// Keys whose deadline passes while the server is down, or passed in memory before a later
/// write recreated them, recover as they were: no suffix of an expired value comes back.
#[test]
fn volatile_keys_recover_as_they_were() {
    let mut server = TestServer::start();
    let mut c = server.raw();
    // 1 s: ample for the round trips that change them before they expire.
    assert_eq!(c.cmd(&["SET", "short", "v", "PX", "1000"]), OK);
    assert_eq!(c.cmd(&["APPEND", "short", "more"]), int(5));
    assert_eq!(c.cmd(&["SETRANGE", "short", "0", "V"]), int(5));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "shortf", "1.5"]), bulk("1.5"));
    assert_eq!(c.cmd(&["PEXPIRE", "shortf", "1000"]), int(1));
    assert_eq!(c.cmd(&["SETBIT", "shortb", "3", "1"]), int(0));
    assert_eq!(c.cmd(&["PEXPIRE", "shortb", "1000"]), int(1));
    // Every deadline of the three is at most 1 s after this.
    let short_set = std::time::Instant::now();
    assert_eq!(c.cmd(&["APPEND", "shortb", "x"]), int(2));
    assert_eq!(c.cmd(&["SET", "again", "old", "PX", "100"]), OK);
    std::thread::sleep(Duration::from_millis(150));
    // "again" expired in memory: APPEND and INCR start from nothing.
    assert_eq!(c.cmd(&["APPEND", "again", "new"]), int(3));
    assert_eq!(c.cmd(&["SET", "n", "1", "PX", "100"]), OK);
    std::thread::sleep(Duration::from_millis(150));
    assert_eq!(c.cmd(&["INCR", "n"]), int(1));
    assert_eq!(c.cmd(&["SET", "long", "x", "EX", "1000"]), OK);
    assert_eq!(c.cmd(&["APPEND", "long", "y"]), int(2));
    drop(c);
    let expired = short_set + Duration::from_millis(1_300);
    std::thread::sleep(expired.saturating_duration_since(std::time::Instant::now()));
    stop(&mut server);
    server.restart();
    let mut c = server.raw();
    for key in ["short", "shortf", "shortb"] {
        assert_eq!(c.cmd(&["EXISTS", key]), int(0), "{key}");
    }
    assert_eq!(c.cmd(&["GET", "again"]), bulk("new"));
    assert_eq!(c.cmd(&["TTL", "again"]), int(-1));
    assert_eq!(c.cmd(&["GET", "n"]), bulk("1"));
    assert_eq!(c.cmd(&["TTL", "n"]), int(-1));
    assert_eq!(c.cmd(&["GET", "long"]), bulk("xy"));
    assert!((990..=1000).contains(&integer(&c.cmd(&["TTL", "long"]))));
}

/// A SET whose deadline has passed, inside a transaction whose later commands touch the key:
/// as in Redis 7.2 the key is kept, expired, until the transaction's next command reads it.
/// That lazy expiry's DELETE goes into the transaction's record, in its place, not ahead of
/// it, and the record itself does not put the key back.
#[test]
fn a_past_deadline_set_inside_exec_stays_gone_after_a_restart() {
    let mut server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["MULTI"]), OK);
    let queued: [&[&str]; 5] = [
        &["SET", "tx", "v", "PXAT", "1"],
        &["DBSIZE"],
        &["GET", "tx"],
        &["DBSIZE"],
        &["SET", "keep", "1"],
    ];
    for command in queued {
        assert_eq!(c.cmd(command), "+QUEUED\r\n");
    }
    // Byte for byte redis-server's reply.
    assert_eq!(c.cmd(&["EXEC"]), format!("*5\r\n{OK}{}{NIL}{}{OK}", int(1), int(0)));
    assert_eq!(c.cmd(&["DBSIZE"]), int(1));
    drop(c);
    stop(&mut server);
    let records = journal_records(&server.data_dir().join("data"));
    assert_eq!(records, vec![vec![delete("tx"), delete("tx"), put(0, "keep", b"1", 0)]]);
    server.restart();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["DBSIZE"]), int(1));
    assert_eq!(c.cmd(&["GET", "keep"]), bulk("1"));
}

/// The journal property test's seed 10755575900458178139: a transaction renames a key, SETs
/// its old name with a past deadline and reads it. The replay must still find the rename.
#[test]
fn a_rename_then_a_past_deadline_set_of_the_source_in_one_exec_replays() {
    let mut server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SET", "src", "253"]), OK);
    assert_eq!(c.cmd(&["MULTI"]), OK);
    for command in
        [&["RENAME", "src", "dst"][..], &["SET", "src", "", "PXAT", "1"], &["GET", "src"]]
    {
        assert_eq!(c.cmd(command), "+QUEUED\r\n");
    }
    assert_eq!(c.cmd(&["EXEC"]), format!("*3\r\n{OK}{OK}{NIL}"));
    drop(c);
    stop(&mut server);
    server.restart();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["GET", "dst"]), bulk("253"));
    assert_eq!(c.cmd(&["DBSIZE"]), int(1));
}

/// Inside EXEC, a command that finds its key expired and writes it anew: the expiry's DELETE
/// goes into the transaction's record ahead of that command's own PUT, so a restart keeps the
/// new value.
#[test]
fn a_key_expiring_inside_an_exec_command_that_rewrites_it_replays_in_order() {
    let mut server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["MULTI"]), OK);
    for command in [&["SET", "k", "old", "PXAT", "1"][..], &["APPEND", "k", "new"]] {
        assert_eq!(c.cmd(command), "+QUEUED\r\n");
    }
    assert_eq!(c.cmd(&["EXEC"]), format!("*2\r\n{OK}{}", int(3)));
    drop(c);
    stop(&mut server);
    let records = journal_records(&server.data_dir().join("data"));
    assert_eq!(records, vec![vec![delete("k"), delete("k"), put(0, "k", b"new", 0)]]);
    server.restart();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["GET", "k"]), bulk("new"));
}
