//! Crash tests: kill -9 the server under concurrent write load from several clients, restart,
//! and check that every acknowledged write survived and that each client's writes form a
//! prefix (no holes), round after round on the same journal, in each durability mode. Each
//! client's writes cycle through a string SET, RPUSH, HSET, SADD and ZADD, so every value
//! type's records are cut by the crash.
mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

const CLIENTS: usize = 4;
const ROUNDS: usize = 20;

fn start(data: &Path, mode: &str) -> common::Node {
    let mut node = common::spawn_node(data, &["--appendfsync", mode, "--threads", "2"]);
    node.ready().unwrap_or_else(|code| panic!("exit {code}: {}", node.log()));
    node
}

/// Write number `n` of one client: a string key `r<round>:c<client>:<n>`, or `n` added to
/// that client's list, hash, set or sorted set, in turn.
fn write_command(round: usize, client: usize, n: u64) -> Vec<u8> {
    let prefix = format!("r{round}:c{client}");
    let number = n.to_string();
    let field = format!("f{n}");
    let (list, hash, set, zset) = (
        format!("{prefix}:list"),
        format!("{prefix}:hash"),
        format!("{prefix}:set"),
        format!("{prefix}:zset"),
    );
    let string_key = format!("{prefix}:{n}");
    let args: Vec<&[u8]> = match n % 5 {
        0 => vec![b"SET", string_key.as_bytes(), b"x"],
        1 => vec![b"RPUSH", list.as_bytes(), number.as_bytes()],
        2 => vec![b"HSET", hash.as_bytes(), field.as_bytes(), number.as_bytes()],
        3 => vec![b"SADD", set.as_bytes(), number.as_bytes()],
        _ => vec![b"ZADD", zset.as_bytes(), number.as_bytes(), number.as_bytes()],
    };
    common::encode(&args)
}

/// One client writing n = 1, 2, ... (see `write_command`) until the server dies; records the
/// last n whose reply arrived.
fn writer(port: u16, round: usize, client: usize, stop: Arc<AtomicBool>, acked: Arc<AtomicU64>) {
    let Ok(stream) = TcpStream::connect(("127.0.0.1", port)) else { return };
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        if writer.write_all(&write_command(round, client, n)).is_err() {
            return;
        }
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if line == "+OK\r\n" || line == ":1\r\n" => acked.store(n, Ordering::Relaxed),
            Ok(_) if line.starts_with(':') => acked.store(n, Ordering::Relaxed), // RPUSH length
            Ok(_) => panic!("unexpected reply {line:?}"),
        }
    }
}

/// The bulk strings of an array reply, as numbers after `strip`.
fn numbers(reply: &str, strip: &str) -> Vec<u64> {
    reply
        .split("\r\n")
        .filter(|l| !l.is_empty() && !l.starts_with('*') && !l.starts_with('$'))
        .map(|l| l.trim_start_matches(strip).parse().unwrap_or_else(|_| panic!("{l:?}")))
        .collect()
}

/// Every n of one client's round that the server holds; also checks the list and sorted set
/// hold theirs in write order.
fn kept_writes(c: &mut common::RawClient, round: usize, client: usize) -> Vec<u64> {
    let prefix = format!("r{round}:c{client}");
    let mut ns: Vec<u64> = c
        .cmd(&["KEYS", &format!("{prefix}:*")])
        .split("\r\n")
        .filter_map(|l| l.strip_prefix(&format!("{prefix}:")))
        .filter_map(|n| n.parse().ok())
        .collect();
    let list = numbers(&c.cmd(&["LRANGE", &format!("{prefix}:list"), "0", "-1"]), "");
    assert!(list.windows(2).all(|w| w[0] < w[1]), "{prefix}: list out of order: {list:?}");
    let zset = numbers(&c.cmd(&["ZRANGE", &format!("{prefix}:zset"), "0", "-1"]), "");
    ns.extend(list);
    ns.extend(zset);
    ns.extend(numbers(&c.cmd(&["HKEYS", &format!("{prefix}:hash")]), "f"));
    ns.extend(numbers(&c.cmd(&["SMEMBERS", &format!("{prefix}:set")]), ""));
    ns
}

fn keys_of_round(port: u16, round: usize) -> u64 {
    let mut c = common::RawClient::connect(port);
    let reply = c.cmd(&["KEYS", &format!("r{round}:*")]);
    reply.split("\r\n").filter(|l| l.starts_with('r')).count() as u64
}

fn dbsize(port: u16) -> u64 {
    let mut c = common::RawClient::connect(port);
    c.cmd(&["DBSIZE"]).trim_start_matches(':').trim().parse().unwrap()
}

fn crash_rounds(mode: &str, must_keep_acknowledged: bool) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut total = 0u64;
    let mut most = 0u64;
    for round in 0..ROUNDS {
        let node = start(&data, mode);
        let port = node.port;
        assert_eq!(dbsize(port), total, "round {round}: state before the load");
        let stop = Arc::new(AtomicBool::new(false));
        let acked: Vec<Arc<AtomicU64>> =
            (0..CLIENTS).map(|_| Arc::new(AtomicU64::new(0))).collect();
        let threads: Vec<_> = (0..CLIENTS)
            .map(|i| {
                let (stop, acked) = (stop.clone(), acked[i].clone());
                std::thread::spawn(move || writer(port, round, i, stop, acked))
            })
            .collect();
        std::thread::sleep(Duration::from_millis(80 + 10 * (round as u64 % 7)));
        node.kill(); // SIGKILL: a process crash mid-load
        stop.store(true, Ordering::Relaxed);
        for thread in threads {
            thread.join().unwrap();
        }
        let node = start(&data, mode);
        let port = node.port;
        let mut c = common::RawClient::connect(port);
        for (client, acked) in acked.iter().enumerate() {
            let mut ns = kept_writes(&mut c, round, client);
            ns.sort_unstable();
            let present = ns.len() as u64;
            most = most.max(present);
            assert!(
                ns.iter().enumerate().all(|(i, &n)| n == i as u64 + 1),
                "{mode} round {round} client {client}: writes with a hole: {:?}",
                &ns[..ns.len().min(20)]
            );
            let acked = acked.load(Ordering::Relaxed);
            if must_keep_acknowledged {
                assert!(
                    present >= acked,
                    "{mode} round {round} client {client}: {acked} acknowledged, {present} kept"
                );
            }
        }
        total += keys_of_round(port, round);
        assert_eq!(dbsize(port), total, "{mode} round {round}: other rounds' keys changed");
        node.kill();
    }
    // Every type's writes were cut by crashes: some client got past all five kinds.
    assert!(most >= 10, "{mode}: the load never got past {most} writes per client");
}

#[test]
fn kill_9_keeps_every_acknowledged_write_with_fsync_always() {
    crash_rounds("always", true);
}

#[test]
fn kill_9_keeps_every_acknowledged_write_with_interval() {
    crash_rounds("interval", true);
}

#[test]
fn kill_9_keeps_a_prefix_with_fsync_no() {
    crash_rounds("no", false);
}
