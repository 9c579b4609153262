//! Every write command of the key family survives a restart: the journal replays DEL, UNLINK,
//! the EXPIRE family, PERSIST, RENAME, RENAMENX, COPY, MOVE, SWAPDB, FLUSHDB and FLUSHALL to
//! the same keyspace the live commands left, across several databases.
mod common;

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::*;
use redis::Connection;

/// Databases the test writes to (of the default 16).
const DATABASES: usize = 8;

/// One key as the client sees it.
#[derive(PartialEq, Eq)]
struct KeyState {
    type_name: String,
    value: Option<Vec<u8>>,
    /// Absolute deadline in Unix ms, -1 for none.
    pexpiretime: i64,
}

/// Long values print as their length and first bytes, so a failure stays readable.
impl std::fmt::Debug for KeyState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let value = self.value.as_ref().map(|v| {
            let shown = String::from_utf8_lossy(v.get(..40).unwrap_or(v));
            format!("{shown:?} ({} bytes)", v.len())
        });
        write!(f, "{} {:?} pexpiretime {}", self.type_name, value, self.pexpiretime)
    }
}

/// Everything observable about databases 0..DATABASES: sizes and every key.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    sizes: Vec<i64>,
    keys: BTreeMap<(usize, Vec<u8>), KeyState>,
}

fn now_ms() -> i64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970");
    i64::try_from(since.as_millis()).expect("ms fit i64")
}

fn run<T: redis::FromRedisValue>(con: &mut Connection, args: &[&[u8]]) -> T {
    let mut command = redis::Cmd::new();
    for arg in args {
        command.arg(*arg);
    }
    command.query(con).unwrap_or_else(|e| panic!("{:?}: {e}", show(args)))
}

fn show(args: &[&[u8]]) -> Vec<String> {
    args.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect()
}

fn select(con: &mut Connection, db: usize) {
    let _: () = run(con, &[b"SELECT", db.to_string().as_bytes()]);
}

fn snapshot(con: &mut Connection) -> Snapshot {
    let mut sizes = Vec::new();
    let mut keys = BTreeMap::new();
    for db in 0..DATABASES {
        select(con, db);
        sizes.push(run(con, &[b"DBSIZE"]));
        let names: Vec<Vec<u8>> = run(con, &[b"KEYS", b"*"]);
        for name in names {
            let state = KeyState {
                type_name: run(con, &[b"TYPE", &name]),
                value: run(con, &[b"GET", &name]),
                pexpiretime: run(con, &[b"PEXPIRETIME", &name]),
            };
            keys.insert((db, name), state);
        }
    }
    select(con, 0);
    Snapshot { sizes, keys }
}

/// PTTL of every key of `snapshot`, read now.
fn pttls(con: &mut Connection, snapshot: &Snapshot) -> BTreeMap<(usize, Vec<u8>), i64> {
    let mut out = BTreeMap::new();
    for (db, name) in snapshot.keys.keys() {
        select(con, *db);
        out.insert((*db, name.clone()), run(con, &[b"PTTL", name]));
    }
    select(con, 0);
    out
}

/// Stops the server with SIGTERM (a clean exit), starts it again on the same directory, and
/// checks the keyspace is what it was: exact deadlines, and relative TTLs that only shrank.
fn restart_and_compare(server: &mut TestServer, before: &Snapshot) {
    let mut con = server.client();
    let ttls_before = pttls(&mut con, before);
    drop(con);
    server.signal("TERM");
    assert_eq!(server.wait_exit(Duration::from_secs(20)), Some(0), "{}", server.log());
    server.restart();
    let mut con = server.client();
    let after = snapshot(&mut con);
    if &after != before {
        let mut differences = Vec::new();
        let names: std::collections::BTreeSet<_> =
            before.keys.keys().chain(after.keys.keys()).collect();
        for name in names {
            let (was, is) = (before.keys.get(name), after.keys.get(name));
            if was != is {
                let shown = (name.0, String::from_utf8_lossy(&name.1));
                differences.push(format!("{shown:?}: {was:?} before, {is:?} after"));
            }
        }
        panic!(
            "keyspace changed across a restart: sizes {:?} before, {:?} after\n{}\n{}",
            before.sizes,
            after.sizes,
            differences.join("\n"),
            server.log()
        );
    }
    let ttls_after = pttls(&mut con, &after);
    for (key, &ttl_before) in &ttls_before {
        let ttl_after = ttls_after.get(key).copied().unwrap_or(-2);
        if ttl_before == -1 {
            assert_eq!(ttl_after, -1, "{key:?}");
        } else {
            assert!(
                ttl_after > 0 && ttl_after <= ttl_before && ttl_before - ttl_after < 60_000,
                "{key:?}: PTTL {ttl_before} before, {ttl_after} after"
            );
        }
    }
}

fn set(con: &mut Connection, db: usize, key: &[u8], value: &[u8]) {
    select(con, db);
    let _: () = run(con, &[b"SET", key, value]);
}

fn int(con: &mut Connection, args: &[&[u8]]) -> i64 {
    run(con, args)
}

#[test]
fn key_commands_survive_restart() {
    let mut server = TestServer::start();
    let mut con = server.client();
    let now = now_ms();
    let at_s = (now / 1000 + 1_000).to_string();
    let at_ms = (now + 2_000_000).to_string();

    // FLUSHALL: keys in several databases, all gone on replay.
    for db in [0, 3, 5] {
        set(&mut con, db, b"flushed", b"x");
    }
    let _: () = run(&mut con, &[b"FLUSHALL", b"SYNC"]);

    // DEL and UNLINK: removed keys (one named twice, one missing) and a key that stays.
    select(&mut con, 0);
    for key in ["d1", "d2", "d3", "u1", "kept"].map(str::as_bytes) {
        let _: () = run(&mut con, &[b"SET", key, b"v"]);
    }
    assert_eq!(int(&mut con, &[b"DEL", b"d1", b"d1", b"d2", b"missing"]), 2);
    assert_eq!(int(&mut con, &[b"UNLINK", b"u1", b"missing"]), 1);
    assert_eq!(int(&mut con, &[b"DEL", b"missing"]), 0);

    // The EXPIRE family: relative and absolute, conditions that refuse and that allow, past
    // deadlines that delete, PERSIST.
    for key in ["e1", "e2", "e3", "e4", "e5", "e6", "nx", "gt", "lt", "p1", "p2"].map(str::as_bytes)
    {
        let _: () = run(&mut con, &[b"SET", key, b"12345"]);
    }
    assert_eq!(int(&mut con, &[b"EXPIRE", b"e1", b"1000"]), 1);
    assert_eq!(int(&mut con, &[b"PEXPIRE", b"e2", b"500000"]), 1);
    assert_eq!(int(&mut con, &[b"EXPIREAT", b"e3", at_s.as_bytes()]), 1);
    assert_eq!(int(&mut con, &[b"PEXPIREAT", b"e4", at_ms.as_bytes()]), 1);
    assert_eq!(int(&mut con, &[b"EXPIRE", b"e5", b"-1"]), 1);
    assert_eq!(int(&mut con, &[b"PEXPIREAT", b"e6", b"1"]), 1);
    assert_eq!(int(&mut con, &[b"EXPIRE", b"nx", b"700", b"NX"]), 1);
    assert_eq!(int(&mut con, &[b"EXPIRE", b"nx", b"900", b"NX"]), 0);
    assert_eq!(int(&mut con, &[b"EXPIRE", b"gt", b"700"]), 1);
    assert_eq!(int(&mut con, &[b"EXPIRE", b"gt", b"600", b"GT"]), 0);
    assert_eq!(int(&mut con, &[b"EXPIRE", b"gt", b"800", b"GT"]), 1);
    assert_eq!(int(&mut con, &[b"EXPIRE", b"lt", b"700", b"XX"]), 0);
    assert_eq!(int(&mut con, &[b"EXPIRE", b"lt", b"700", b"LT"]), 1);
    assert_eq!(int(&mut con, &[b"EXPIRE", b"lt", b"600", b"LT"]), 1);
    assert_eq!(int(&mut con, &[b"EXPIRE", b"p1", b"700"]), 1);
    assert_eq!(int(&mut con, &[b"PERSIST", b"p1"]), 1);
    assert_eq!(int(&mut con, &[b"PERSIST", b"p2"]), 0);

    // RENAME and RENAMENX in database 1: the deadline moves with the value, a rename onto
    // itself and a refused RENAMENX change nothing.
    select(&mut con, 1);
    let _: () = run(&mut con, &[b"SET", b"r1", b"renamed", b"PX", b"900000"]);
    let _: () = run(&mut con, &[b"SET", b"r2", b"overwritten"]);
    let _: () = run(&mut con, &[b"RENAME", b"r1", b"r2"]);
    let _: () = run(&mut con, &[b"SET", b"same", b"s"]);
    let _: () = run(&mut con, &[b"RENAME", b"same", b"same"]);
    let _: () = run(&mut con, &[b"SET", b"n1", b"a"]);
    let _: () = run(&mut con, &[b"SET", b"n2", b"b"]);
    assert_eq!(int(&mut con, &[b"RENAMENX", b"n1", b"n2"]), 0);
    assert_eq!(int(&mut con, &[b"RENAMENX", b"n1", b"n3"]), 1);

    // COPY within a database, into another one, with and without REPLACE; integers, binary
    // bytes and long values, deadlines included.
    select(&mut con, 2);
    let long = vec![b'L'; 5_000];
    let _: () = run(&mut con, &[b"SET", b"c-int", b"-42", b"EX", b"3000"]);
    let _: () = run(&mut con, &[b"SET", b"c-bin", b"\x00\xff\r\nbytes"]);
    let _: () = run(&mut con, &[b"SET", b"c-long", &long]);
    assert_eq!(int(&mut con, &[b"COPY", b"c-int", b"c-int2"]), 1);
    assert_eq!(int(&mut con, &[b"COPY", b"c-bin", b"c-bin", b"DB", b"4"]), 1);
    assert_eq!(int(&mut con, &[b"COPY", b"c-long", b"c-long2", b"DB", b"4"]), 1);
    assert_eq!(int(&mut con, &[b"COPY", b"c-int", b"c-bin", b"DB", b"4"]), 0);
    assert_eq!(int(&mut con, &[b"COPY", b"c-int", b"c-bin", b"DB", b"4", b"REPLACE"]), 1);
    assert_eq!(int(&mut con, &[b"COPY", b"missing", b"c-new"]), 0);

    // MOVE from database 2 to 3, and one refused because the destination holds the key.
    let _: () = run(&mut con, &[b"SET", b"m1", b"moved", b"PX", b"800000"]);
    let _: () = run(&mut con, &[b"SET", b"m2", b"stays"]);
    set(&mut con, 3, b"m2", b"occupied");
    select(&mut con, 2);
    assert_eq!(int(&mut con, &[b"MOVE", b"m1", b"3"]), 1);
    assert_eq!(int(&mut con, &[b"MOVE", b"m2", b"3"]), 0);

    // FLUSHDB ASYNC on database 5, then a write after it that must survive.
    for i in 0..50 {
        set(&mut con, 5, format!("f{i}").as_bytes(), b"gone");
    }
    select(&mut con, 5);
    let _: () = run(&mut con, &[b"FLUSHDB", b"ASYNC"]);
    let _: () = run(&mut con, &[b"SET", b"after-flush", b"here"]);
    set(&mut con, 7, b"untouched", b"7");
    select(&mut con, 7);
    let _: () = run(&mut con, &[b"FLUSHDB", b"SYNC"]);
    let _: () = run(&mut con, &[b"SET", b"after-sync-flush", b"7"]);

    // SWAPDB: databases 2 and 6 exchange contents, then a write lands in the new 6; a swap
    // of a database with itself changes nothing.
    set(&mut con, 6, b"six", b"6");
    let _: () = run(&mut con, &[b"SWAPDB", b"2", b"6"]);
    let _: () = run(&mut con, &[b"SWAPDB", b"1", b"1"]);
    set(&mut con, 6, b"after-swap", b"x");

    let before = snapshot(&mut con);
    drop(con);
    // The commands did what the test means, so the comparison covers them.
    assert_eq!(before.sizes, vec![11, 4, 1, 2, 2, 1, 6, 1], "{before:#?}");
    let key = |db: usize, name: &str| before.keys.get(&(db, name.as_bytes().to_vec()));
    assert!(key(0, "d1").is_none() && key(0, "u1").is_none() && key(0, "e5").is_none());
    assert_eq!(key(0, "e4").map(|k| k.pexpiretime), Some(now + 2_000_000));
    assert_eq!(key(0, "p1").map(|k| k.pexpiretime), Some(-1));
    assert_eq!(key(1, "r2").map(|k| k.value.clone()), Some(Some(b"renamed".to_vec())));
    assert!(key(1, "r2").is_some_and(|k| k.pexpiretime > 0));
    assert_eq!(key(4, "c-bin").map(|k| k.value.clone()), Some(Some(b"-42".to_vec())));
    assert!(key(4, "c-bin").is_some_and(|k| k.pexpiretime > 0));
    assert!(key(3, "m1").is_some_and(|k| k.pexpiretime > 0));
    assert!(key(6, "c-long").is_some() && key(2, "six").is_some());

    restart_and_compare(&mut server, &before);

    // A second life: the journal continues after replay, and a second restart replays both.
    let mut con = server.client();
    select(&mut con, 6);
    assert_eq!(int(&mut con, &[b"DEL", b"c-long", b"after-swap"]), 2);
    assert_eq!(int(&mut con, &[b"PEXPIRE", b"c-bin", b"400000"]), 1);
    let _: () = run(&mut con, &[b"RENAME", b"c-int2", b"c-int3"]);
    assert_eq!(int(&mut con, &[b"MOVE", b"c-int3", b"0"]), 1);
    let _: () = run(&mut con, &[b"SWAPDB", b"0", b"7"]);
    select(&mut con, 3);
    let _: () = run(&mut con, &[b"FLUSHDB"]);
    let again = snapshot(&mut con);
    drop(con);
    assert_eq!(again.sizes, vec![1, 4, 1, 0, 2, 1, 3, 12], "{again:#?}");
    restart_and_compare(&mut server, &again);
}
