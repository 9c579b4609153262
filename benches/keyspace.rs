//! The hot keyspace operations. `command/*`: whole commands through an in-process client
//! (`allydb::server::local::LocalClient`), i.e. parser, dispatch, keyspace and reply writer,
//! everything a connection does per command but the socket and the journal. `direct/*`: the
//! keyspace alone (`allydb::store::Keyspace`), as the commands reach it.
//! `cargo bench --bench keyspace`; docs/BENCHMARKS.md.
mod common;

use std::hint::black_box;

use allydb::clock::unix_ms_now;
use allydb::server::local::{in_memory_server, LocalClient};
use allydb::store::{hash_key, Db, Keyspace, StrValue, Value, ZSetValue};
use common::{Bench, Per};

/// Commands per pipelined request of the `command/*` cases, so the per-request costs of the
/// in-process client (reading the clock, handing its output buffer over) are spread as a
/// pipelining client's would be.
const PIPELINE: usize = 100;
/// Keys of the `direct/*` database: more than the CPU caches hold, as a real keyspace.
const KEYS: usize = 100_000;

fn main() {
    let bench = Bench::from_args("keyspace");
    commands(&bench);
    direct(&bench);
}

fn commands(bench: &Bench) {
    let server = match in_memory_server(&["allydb"]) {
        Ok(server) => server,
        Err(error) => panic!("in-memory server: {error}"),
    };
    // Commands may spawn tasks (lazy frees, timers): give them a runtime, as the fuzz target.
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => panic!("runtime: {error}"),
    };
    let _entered = runtime.enter();
    let mut client = LocalClient::new(&server);
    // (case, command number n, its reply once the keys exist: None when it changes every
    // time, as INCR's).
    type Command = fn(usize) -> Vec<String>;
    type Reply = fn(usize) -> &'static str;
    let cases: [(&str, Command, Option<Reply>); 7] = [
        ("ping", |_| vec!["PING".into()], Some(|_| "+PONG\r\n")),
        ("set", |n| vec!["SET".into(), format!("key:{n:03}"), "value".into()], Some(|_| "+OK\r\n")),
        ("get", |n| vec!["GET".into(), format!("key:{n:03}")], Some(|_| "$5\r\nvalue\r\n")),
        ("incr", |n| vec!["INCR".into(), format!("counter:{n:03}")], None),
        (
            "hset",
            |n| vec!["HSET".into(), "hash".into(), format!("field:{n:03}"), "value".into()],
            Some(|_| ":0\r\n"),
        ),
        (
            "zadd",
            |n| vec!["ZADD".into(), "zset".into(), n.to_string(), format!("member:{n:03}")],
            Some(|_| ":0\r\n"),
        ),
        // RPUSH then LPOP of one list, so it never grows: the push's path (shard locks taken
        // as a set, for the clients a push may serve) and the pop's.
        (
            "rpush-lpop",
            |n| match n % 2 {
                0 => vec!["RPUSH".into(), "list".into(), "value".into()],
                _ => vec!["LPOP".into(), "list".into()],
            },
            Some(|n| if n % 2 == 0 { ":1\r\n" } else { "$5\r\nvalue\r\n" }),
        ),
    ];
    for (name, command, steady_reply) in cases {
        let request: Vec<u8> = (0..PIPELINE).flat_map(|n| multibulk(&command(n))).collect();
        // Twice: the first run creates the keys, the second shows the replies measured.
        let mut output = Vec::new();
        for _ in 0..2 {
            assert_eq!(client.send(&request), request.len(), "{name}: request consumed");
            output = client.take_output();
        }
        let first = output.split(|&b| b == b'\n').next().unwrap_or(&[]);
        assert!(!first.starts_with(b"-"), "{name}: {}", String::from_utf8_lossy(first));
        if let Some(reply) = steady_reply {
            let expected: String = (0..PIPELINE).map(reply).collect();
            assert_eq!(output, expected.as_bytes(), "{name}: replies");
        }
        let per = Per { items: PIPELINE as u64, unit: "cmd", bytes: 0 };
        bench.run(&format!("command/{name}"), per, || {
            client.send(black_box(&request));
            client.take_output().len()
        });
        assert!(!client.is_closed(), "{name}: the client was closed");
    }
}

fn direct(bench: &Bench) {
    let keyspace = Keyspace::new(1);
    let Some(db) = keyspace.db(0) else { panic!("database 0") };
    let now_ms = unix_ms_now();
    let keys: Vec<Vec<u8>> = (0..KEYS).map(|n| format!("key:{n:06}").into_bytes()).collect();
    let missing: Vec<Vec<u8>> = (0..KEYS).map(|n| format!("nokey:{n:06}").into_bytes()).collect();
    for key in &keys {
        let hash = hash_key(key);
        db.lock(hash).upsert(hash, key, Value::Str(StrValue::from_bytes(b"value")), None, now_ms);
    }
    let per = Per { items: 1, unit: "op", bytes: 0 };
    bench.run("direct/lookup-hit", per, cycling(&keys, |key| lookup(db, key, now_ms)));
    bench.run("direct/lookup-miss", per, cycling(&missing, |key| lookup(db, key, now_ms)));
    bench.run(
        "direct/upsert-existing",
        per,
        cycling(&keys, |key| {
            let hash = hash_key(key);
            let value = Value::Str(StrValue::from_bytes(b"value"));
            db.lock(hash).upsert(hash, key, value, None, now_ms);
        }),
    );
    // Keys now hold "value": INCR's work is on integers, so they go back to numbers.
    for key in &keys {
        let hash = hash_key(key);
        db.lock(hash).upsert(hash, key, Value::Str(StrValue::Int(0)), None, now_ms);
    }
    bench.run("direct/incr", per, cycling(&keys, |key| incr(db, key, now_ms)));
    zset_updates(bench, per);
    idle_expiry(bench);
}

/// The active-expiry tick (every 100 ms) over 16 databases whose 100,000 keys have no
/// deadline: what the serving thread spends on expiry when there is nothing to expire.
fn idle_expiry(bench: &Bench) {
    let keyspace = Keyspace::new(16);
    let Some(db) = keyspace.db(0) else { panic!("database 0") };
    let now_ms = unix_ms_now();
    for n in 0..KEYS {
        let key = format!("key:{n:06}").into_bytes();
        let hash = hash_key(&key);
        db.lock(hash).upsert(hash, &key, Value::Str(StrValue::Int(0)), None, now_ms);
    }
    let per = Per { items: 1, unit: "tick", bytes: 0 };
    bench.run("direct/expire-tick-nothing-volatile", per, || {
        keyspace.expire_cycle(unix_ms_now(), allydb::limits::EXPIRE_CYCLE_KEYS_MAX)
    });
}

/// redis-benchmark's ZADD test: `ZADD myzset <random score> element:<random>` on one sorted
/// set of 100,000 members (a skip list), so nearly every call moves a member to a new place.
/// The set alone, without the command around it.
fn zset_updates(bench: &Bench, per: Per) {
    let members: Vec<Vec<u8>> =
        (0..KEYS).map(|n| format!("element:{n:012}").into_bytes()).collect();
    let mut rng = fastrand::Rng::with_seed(7);
    let mut zset = ZSetValue::new();
    for member in &members {
        zset.insert(f64::from(rng.u32(..100_000)), member);
    }
    assert_eq!(zset.len(), KEYS);
    assert_eq!(zset.encoding_name(), "skiplist");
    bench.run("direct/zset-update-100k", per, || {
        let member = &members[rng.usize(..KEYS)];
        zset.insert(f64::from(rng.u32(..100_000)), black_box(member))
    });
    assert_eq!(zset.len(), KEYS);
}

/// A routine applying `op` to the next key of `keys` on each call (in order; the keys'
/// hashes scatter them over the table).
fn cycling<'a, R>(keys: &'a [Vec<u8>], op: impl Fn(&[u8]) -> R + 'a) -> impl FnMut() -> R + 'a {
    let mut next = 0usize;
    move || {
        next = (next + 1) % keys.len();
        op(black_box(&keys[next]))
    }
}

/// GET's keyspace part: hash, shard lock, lookup (hit counting, access time), the length.
fn lookup(db: &Db, key: &[u8], now_ms: u64) -> Option<usize> {
    let hash = hash_key(key);
    let mut shard = db.lock(hash);
    shard.lookup(hash, key, now_ms).map(|entry| match &entry.value {
        Value::Str(string) => string.len(),
        _ => 0,
    })
}

/// INCR's keyspace part: the integer read and replaced in place.
fn incr(db: &Db, key: &[u8], now_ms: u64) -> Option<i64> {
    let hash = hash_key(key);
    let mut shard = db.lock(hash);
    let entry = shard.lookup(hash, key, now_ms)?;
    let Value::Str(string) = &mut entry.value else { return None };
    let next = string.as_i64()?.checked_add(1)?;
    *string = StrValue::Int(next);
    Some(next)
}

fn multibulk(args: &[String]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        out.extend_from_slice(format!("${}\r\n{arg}\r\n", arg.len()).as_bytes());
    }
    out
}
