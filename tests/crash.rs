//! Crash tests: kill -9 the server under concurrent write load from several clients, restart,
//! and check that every acknowledged write survived and that each client's writes form a
//! prefix (no holes), round after round on the same journal, in each durability mode.
mod common;

use std::collections::HashMap;
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

/// One client writing `r<round>:c<client>:<n>` for n = 1, 2, ... until the server dies;
/// returns the last n whose reply arrived.
fn writer(port: u16, round: usize, client: usize, stop: Arc<AtomicBool>, acked: Arc<AtomicU64>) {
    let Ok(stream) = TcpStream::connect(("127.0.0.1", port)) else { return };
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let key = format!("r{round}:c{client}:{n}");
        let command = common::encode(&[b"SET", key.as_bytes(), b"x"]);
        if writer.write_all(&command).is_err() {
            return;
        }
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if line == "+OK\r\n" => acked.store(n, Ordering::Relaxed),
            Ok(_) => panic!("unexpected reply {line:?}"),
        }
    }
}

fn keys_of_round(port: u16, round: usize) -> Vec<String> {
    let mut c = common::RawClient::connect(port);
    let reply = c.cmd(&["KEYS", &format!("r{round}:*")]);
    reply.split("\r\n").filter(|l| l.starts_with('r')).map(str::to_string).collect()
}

fn dbsize(port: u16) -> u64 {
    let mut c = common::RawClient::connect(port);
    c.cmd(&["DBSIZE"]).trim_start_matches(':').trim().parse().unwrap()
}

fn crash_rounds(mode: &str, must_keep_acknowledged: bool) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut total = 0u64;
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
        let mut per_client: HashMap<usize, Vec<u64>> = HashMap::new();
        for key in keys_of_round(port, round) {
            let mut parts = key.split(':').skip(1);
            let client: usize = parts.next().unwrap()[1..].parse().unwrap();
            let n: u64 = parts.next().unwrap().parse().unwrap();
            per_client.entry(client).or_default().push(n);
        }
        for (client, acked) in acked.iter().enumerate() {
            let mut ns = per_client.remove(&client).unwrap_or_default();
            ns.sort_unstable();
            let present = ns.len() as u64;
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
            total += present;
        }
        assert_eq!(dbsize(port), total, "{mode} round {round}: other rounds' keys changed");
        node.kill();
    }
    assert!(total > 0, "no write was ever kept");
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
