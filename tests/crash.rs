//! Crash tests: kill -9 the server under concurrent write load from several clients, restart,
//! and check that every acknowledged write survived and that each client's writes form a
//! prefix (no holes), round after round on the same journal, in each durability mode.
mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CLIENTS: usize = 4;
const ROUNDS: usize = 20;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start(data: &Path, mode: &str) -> (Child, u16) {
    let port = free_port();
    let log_before = log_of(data).len();
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(data.with_extension("log"))
        .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_allydb"))
        .args(["--port", &port.to_string(), "--appendfsync", mode, "--threads", "2"])
        .arg("--persistence-location")
        .arg(data)
        .env_remove("ALLYDB_PORT")
        .env_remove("PERSISTENCE_LOCATION")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let ready = format!("Ready to accept connections tcp on 127.0.0.1:{port}");
    while !log_of(data).get(log_before..).unwrap_or("").contains(&ready) {
        assert!(Instant::now() < deadline, "server did not start: {}", log_of(data));
        std::thread::sleep(Duration::from_millis(5));
    }
    (child, port)
}

fn log_of(data: &Path) -> String {
    std::fs::read_to_string(data.with_extension("log")).unwrap_or_default()
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
        let (mut child, port) = start(&data, mode);
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
        child.kill().unwrap(); // SIGKILL: a process crash mid-load
        child.wait().unwrap();
        stop.store(true, Ordering::Relaxed);
        for thread in threads {
            thread.join().unwrap();
        }
        let (mut child, port) = start(&data, mode);
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
        child.kill().unwrap();
        child.wait().unwrap();
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
