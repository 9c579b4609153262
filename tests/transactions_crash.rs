//! Crash tests for transactions: kill -9 the server while a few clients send a stream of
//! 100-command transactions (50 INCRs of a counter and 50 RPUSHes of `<t>:<i>` to a list,
//! transaction `t` of that client), restart, and check that each transaction is wholly present
//! or wholly absent, that the ones present form a prefix of each client's stream, and that every
//! acknowledged EXEC is present; several rounds on one journal, in `always` and `interval` mode.
//! A process crash rarely lands inside the few microseconds a record takes to write, so a
//! second test cuts the journal inside a transaction's record at many offsets, as a power cut
//! mid-write would, and finds the transaction wholly absent.
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

const CLIENTS: usize = 3;
const ROUNDS: usize = 6;
const HALF: usize = 50;

fn start(data: &Path, mode: &str) -> common::Node {
    let mut node = common::spawn_node(data, &["--appendfsync", mode, "--threads", "2"]);
    node.ready().unwrap_or_else(|code| panic!("exit {code}: {}", node.log()));
    node
}

/// Transaction `t` of client `client` in `round`, as one pipelined write.
fn transaction(round: usize, client: usize, t: u64) -> Vec<u8> {
    let counter = format!("r{round}:c{client}:counter");
    let list = format!("r{round}:c{client}:list");
    let mut out = common::encode(&[b"MULTI"]);
    for i in 0..HALF {
        out.extend(common::encode(&[b"INCR", counter.as_bytes()]));
        let element = format!("{t}:{i}");
        out.extend(common::encode(&[b"RPUSH", list.as_bytes(), element.as_bytes()]));
    }
    out.extend(common::encode(&[b"EXEC"]));
    out
}

/// Reads one whole reply; false on EOF or error.
fn skip_reply(reader: &mut BufReader<TcpStream>) -> Option<String> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 || !line.ends_with("\r\n") {
        return None;
    }
    let count: i64 = line.get(1..line.len() - 2).and_then(|n| n.parse().ok()).unwrap_or(0);
    match line.as_bytes().first() {
        Some(b'*') => {
            for _ in 0..count.max(0) {
                skip_reply(reader)?;
            }
        }
        Some(b'$') if count >= 0 => {
            let mut payload = vec![0u8; usize::try_from(count).ok()? + 2];
            reader.read_exact(&mut payload).ok()?;
        }
        _ => {}
    }
    Some(line)
}

/// One client sending transactions t = 1, 2, ... until the server dies; records the last t
/// whose EXEC reply arrived.
fn writer(port: u16, round: usize, client: usize, stop: Arc<AtomicBool>, acked: Arc<AtomicU64>) {
    let Ok(stream) = TcpStream::connect(("127.0.0.1", port)) else { return };
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    let mut t = 0u64;
    while !stop.load(Ordering::Relaxed) {
        t += 1;
        if writer.write_all(&transaction(round, client, t)).is_err() {
            return;
        }
        // +OK, 100 × +QUEUED, then EXEC's array.
        for _ in 0..=2 * HALF {
            match skip_reply(&mut reader) {
                Some(line) if line == "+OK\r\n" || line == "+QUEUED\r\n" => {}
                Some(line) => panic!("unexpected reply {line:?}"),
                None => return,
            }
        }
        match skip_reply(&mut reader) {
            Some(line) if line == format!("*{}\r\n", 2 * HALF) => acked.store(t, Ordering::Relaxed),
            Some(line) => panic!("unexpected EXEC reply {line:?}"),
            None => return,
        }
    }
}

/// The transactions of one client that the server holds, checking each is whole; returns how
/// many (they must be 1..=n, in order).
fn kept_transactions(c: &mut common::RawClient, round: usize, client: usize) -> u64 {
    let prefix = format!("r{round}:c{client}");
    let counter = c.cmd(&["GET", &format!("{prefix}:counter")]);
    let counter: u64 = counter.split("\r\n").nth(1).and_then(|n| n.parse().ok()).unwrap_or(0);
    let list = c.cmd(&["LRANGE", &format!("{prefix}:list"), "0", "-1"]);
    let elements: Vec<&str> = list
        .split("\r\n")
        .filter(|l| !l.is_empty() && !l.starts_with('*') && !l.starts_with('$'))
        .collect();
    assert_eq!(counter % HALF as u64, 0, "{prefix}: counter {counter} holds half a transaction");
    let n = counter / HALF as u64;
    assert_eq!(elements.len() as u64, n * HALF as u64, "{prefix}: list and counter disagree");
    for (position, element) in elements.iter().enumerate() {
        let (t, i) = (position / HALF + 1, position % HALF);
        assert_eq!(*element, format!("{t}:{i}"), "{prefix}: list out of order or with a hole");
    }
    n
}

fn crash_rounds(mode: &str) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut most = 0u64;
    let mut kept_before: Vec<Vec<u64>> = Vec::new();
    for round in 0..ROUNDS {
        let node = start(&data, mode);
        let port = node.port;
        let stop = Arc::new(AtomicBool::new(false));
        let acked: Vec<Arc<AtomicU64>> =
            (0..CLIENTS).map(|_| Arc::new(AtomicU64::new(0))).collect();
        let threads: Vec<_> = (0..CLIENTS)
            .map(|i| {
                let (stop, acked) = (stop.clone(), acked[i].clone());
                std::thread::spawn(move || writer(port, round, i, stop, acked))
            })
            .collect();
        std::thread::sleep(Duration::from_millis(150 + 40 * (round as u64 % 5)));
        node.kill(); // SIGKILL: a process crash mid-load
        stop.store(true, Ordering::Relaxed);
        for thread in threads {
            thread.join().unwrap();
        }
        let node = start(&data, mode);
        let mut c = common::RawClient::connect(node.port);
        let mut kept = Vec::new();
        for (client, acked) in acked.iter().enumerate() {
            let n = kept_transactions(&mut c, round, client);
            let acked = acked.load(Ordering::Relaxed);
            assert!(n >= acked, "{mode} round {round} client {client}: {acked} acked, {n} kept");
            most = most.max(n);
            kept.push(n);
        }
        // Earlier rounds' transactions are unchanged.
        for (earlier, counts) in kept_before.iter().enumerate() {
            for (client, &n) in counts.iter().enumerate() {
                assert_eq!(kept_transactions(&mut c, earlier, client), n, "round {earlier}");
            }
        }
        kept_before.push(kept);
        node.kill();
    }
    eprintln!("{mode}: up to {most} transactions per client and round");
    assert!(most >= 3, "{mode}: the load never got past {most} transactions per client");
}

#[test]
fn kill_9_keeps_transactions_whole_with_fsync_always() {
    crash_rounds("always");
}

#[test]
fn kill_9_keeps_transactions_whole_with_interval() {
    crash_rounds("interval");
}

/// Sends transaction `t` of client 0 in round 0 and reads its replies.
fn run_transaction(c: &mut common::RawClient, t: u64) {
    c.send(&transaction(0, 0, t));
    for _ in 0..=2 * HALF {
        c.read_reply();
    }
    assert!(c.read_reply().starts_with(&format!("*{}\r\n", 2 * HALF)));
}

#[test]
fn a_transaction_record_cut_anywhere_is_dropped_whole() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut node = start(&data, "always");
    let mut c = node.client();
    let mut ends = Vec::new();
    for t in 1..=3 {
        run_transaction(&mut c, t);
        ends.push(common::info_number(&mut c, "persistence", "aof_current_size"));
    }
    drop(c);
    node.stop();
    let (second_end, third_end) = (ends[1], ends[2]);
    let name = common::last_segment(&data).file_name().unwrap().to_owned();
    let step = ((third_end - second_end) / 16).max(1);
    let cuts = (second_end..third_end).step_by(usize::try_from(step).unwrap()).chain([third_end]);
    for cut in cuts {
        let copy = dir.path().join(format!("cut-{cut}"));
        common::copy_dir(&data, &copy);
        let file = std::fs::OpenOptions::new().write(true).open(copy.join(&name)).unwrap();
        file.set_len(cut).unwrap();
        drop(file);
        node = start(&copy, "always");
        let mut c = node.client();
        let expected = if cut == third_end { 3 } else { 2 };
        assert_eq!(kept_transactions(&mut c, 0, 0), expected, "cut at {cut}");
        drop(c);
        node.kill();
    }
}
