//! `allydb-journal dump`: the state as of a sequence number, as RESP commands that
//! `redis-cli --pipe` loads. A live server takes a few hundred random write commands one at a
//! time (every type, all databases, TTLs), with a compaction early on so the journal is a
//! snapshot plus segments; at 20 random points after it the test notes the sequence number
//! (INFO persistence `journal_last_seq`) and the whole keyspace. Each point's dump, taken while
//! the server still runs (the tool takes no lock) and again for some after it stopped, is
//! loaded into a fresh server and must equal what the live server had. Also: a sequence
//! number before the snapshot or past the end is refused (exit status 2), `--json` lists the
//! same keys, and awkward values (binary bytes, infinite scores, database 5, collections
//! longer than one command's chunk) survive the round trip.
//! `JOURNAL_TOOL_DUMP_SEED` replays a run.
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::workload::{self, assert_same, Dump, Generator};
use common::*;

/// Write commands sent in all (one at a time, each reply read before the next).
const COMMANDS: usize = 800;
/// Commands before the compaction: the generator's "soon" deadlines (its first tenth) all
/// fall here, and are waited out before the compaction.
const BEFORE_COMPACTION: usize = 120;
/// Commands at the end where no point is picked, so a point that changed nothing can move on
/// to the next command that does.
const TAIL: usize = 100;
/// Points whose state is captured and dumped.
const POINTS: usize = 20;
/// Bound of every wait (a compaction of this size takes milliseconds).
const WAIT: Duration = Duration::from_secs(30);

fn info_field(c: &mut RawClient, name: &str) -> String {
    common::info_field(c, "persistence", name)
}

fn info_number(c: &mut RawClient, name: &str) -> u64 {
    common::info_number(c, "persistence", name)
}

/// BGREWRITEAOF, then waits until it is done and the snapshot is a new one; returns its seq.
fn compact(c: &mut RawClient) -> u64 {
    let before = info_number(c, "snapshot_seq");
    assert_eq!(c.cmd(&["BGREWRITEAOF"]), "+Background append only file rewriting started\r\n");
    let deadline = Instant::now() + WAIT;
    loop {
        let info = c.cmd(&["INFO", "persistence"]);
        let done = info.contains("aof_rewrite_in_progress:0")
            && info.contains("aof_rewrite_scheduled:0")
            && info_field(c, "snapshot_seq") != before.to_string();
        if done {
            break;
        }
        assert!(Instant::now() < deadline, "the compaction did not end: {info}");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(info_field(c, "aof_last_bgrewrite_status"), "ok");
    info_number(c, "snapshot_seq")
}

fn text(output: &Output) -> String {
    format!(
        "status {:?}\nstdout (first 2000 bytes): {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout[..output.stdout.len().min(2000)]),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `allydb-journal dump DIR [extra...]`, run to completion.
fn dump_tool(dir: &Path, extra: &[&str]) -> Output {
    journal_tool().arg("dump").arg(dir).args(extra).output().expect("run allydb-journal dump")
}

/// The RESP commands of `dump DIR --at SEQ` (or of the end), which must succeed cleanly.
fn dump_at(dir: &Path, seq: Option<u64>) -> Vec<u8> {
    let at = seq.map(|s| s.to_string());
    let extra: Vec<&str> = at.iter().flat_map(|s| ["--at", s.as_str()]).collect();
    let output = dump_tool(dir, &extra);
    assert_eq!(output.status.code(), Some(0), "dump --at {seq:?}: {}", text(&output));
    assert!(output.stderr.is_empty(), "dump --at {seq:?}: {}", text(&output));
    output.stdout
}

/// Pipes `commands` into `redis-cli -p PORT --pipe`: it must exit 0 reporting no error.
fn load(server: &TestServer, commands: &[u8]) {
    let mut child = Command::new("redis-cli")
        .args(["-p", &server.port.to_string(), "--pipe"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run redis-cli (apt-get install redis-tools)");
    let mut stdin = child.stdin.take().expect("redis-cli stdin");
    let input = commands.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().expect("wait for redis-cli");
    writer.join().expect("the writer thread").expect("write to redis-cli");
    assert!(output.status.success(), "redis-cli --pipe: {}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("errors: 0,"), "redis-cli --pipe: {}", text(&output));
}

/// Empties `fresh`, loads `commands` into it and returns what it then holds.
fn reload(fresh: &TestServer, commands: &[u8]) -> Dump {
    let mut c = fresh.raw();
    assert_eq!(c.cmd(&["FLUSHALL"]), OK);
    load(fresh, commands);
    workload::dump(fresh)
}

/// Bytes as `--json` writes them: a string when UTF-8, `{"hex": ...}` otherwise.
fn json_bytes(value: &serde_json::Value) -> Vec<u8> {
    match value {
        serde_json::Value::String(s) => s.clone().into_bytes(),
        serde_json::Value::Object(o) => {
            let hex = o["hex"].as_str().expect("hex string");
            (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digits"))
                .collect()
        }
        other => panic!("not bytes: {other}"),
    }
}

/// `--json` at `seq` must list exactly the keys of `state` (dropping those whose deadline has
/// passed: the journal still holds them, a server no longer shows them), with their types and
/// deadlines.
fn check_json(dir: &Path, seq: u64, state: &Dump) {
    let output = dump_tool(dir, &["--at", &seq.to_string(), "--json"]);
    assert_eq!(output.status.code(), Some(0), "dump --json: {}", text(&output));
    let now = workload::now_ms();
    let mut listed = BTreeMap::new();
    for line in String::from_utf8(output.stdout.clone()).expect("JSON is UTF-8").lines() {
        let entry: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let deadline = entry["expires_at_ms"].as_u64().expect("expires_at_ms");
        if deadline != 0 && deadline <= now {
            continue;
        }
        let db = usize::try_from(entry["db"].as_u64().expect("db")).expect("db fits");
        let key = json_bytes(&entry["key"]);
        let kind = entry["type"].as_str().expect("type").to_string();
        assert!(!entry["value"].is_null(), "{line}");
        let pexpiretime = if deadline == 0 { ":-1\r\n".into() } else { format!(":{deadline}\r\n") };
        assert!(listed.insert((db, key), (kind, pexpiretime)).is_none(), "listed twice: {line}");
    }
    let expected: BTreeMap<(usize, Vec<u8>), (String, String)> = state
        .iter()
        .map(|(name, (value, pexpiretime))| {
            // `read_value` starts with TYPE's reply: `+list\r\n ...`.
            let end = value.windows(2).position(|w| w == b"\r\n").expect("TYPE reply");
            let kind = String::from_utf8(value[1..end].to_vec()).expect("type name");
            (name.clone(), (kind, pexpiretime.clone()))
        })
        .collect();
    assert_eq!(
        listed.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "dump --json at {seq} lists other keys than the live server had"
    );
    assert_eq!(listed, expected, "dump --json at {seq}: types or deadlines differ");
}

/// Sends one generated command and reads its reply.
fn send(c: &mut RawClient, command: &[Vec<u8>]) {
    let parts: Vec<&[u8]> = command.iter().map(Vec::as_slice).collect();
    c.cmd_bytes(&parts);
}

#[test]
fn dump_at_random_seqs_loads_the_state_of_that_seq() {
    let seed = workload::env_number("JOURNAL_TOOL_DUMP_SEED").unwrap_or(0x6a74_6475_6d70);
    eprintln!("JOURNAL_TOOL_DUMP_SEED={seed}");
    let mut server = TestServer::start_with(&["--appendfsync", "always"]);
    let data = server.data_dir().join("data");
    let mut c = server.raw();
    let mut generator = Generator::new(seed);
    generator.start_round(COMMANDS);

    for _ in 0..BEFORE_COMPACTION {
        send(&mut c, &generator.next());
    }
    // The generator's "soon" deadlines (at most 200 ms, only in its first tenth) have all
    // passed: every deadline left is past or at least an hour ahead, so no key expires
    // between a capture and its comparison.
    std::thread::sleep(Duration::from_millis(400));
    let snapshot_seq = compact(&mut c);
    assert!(snapshot_seq > 1, "the compaction holds records");
    assert_eq!(info_number(&mut c, "journal_last_seq"), snapshot_seq);
    // (seq, the state right after it), the snapshot's own seq first.
    let mut captures: Vec<(u64, Dump)> = vec![(snapshot_seq, workload::dump(&server))];

    let mut picker = fastrand::Rng::with_seed(seed ^ 0x5eed);
    let mut picks = BTreeSet::new();
    while picks.len() < POINTS {
        picks.insert(picker.usize(BEFORE_COMPACTION..COMMANDS - TAIL));
    }
    // A picked command may change nothing (no record): its capture then moves on to the next
    // command that adds one, so the 20 sequence numbers are distinct.
    let mut owed = 0;
    for index in BEFORE_COMPACTION..COMMANDS {
        send(&mut c, &generator.next());
        owed += usize::from(picks.contains(&index));
        if owed > 0 {
            let seq = info_number(&mut c, "journal_last_seq");
            if seq > captures.last().expect("a capture").0 {
                captures.push((seq, workload::dump(&server)));
                owed -= 1;
            }
        }
    }
    assert_eq!(owed, 0, "picks found no record before the end (seed {seed})");
    assert_eq!(captures.len(), POINTS + 1);
    let last_seq = info_number(&mut c, "journal_last_seq");
    let final_state = workload::dump(&server);
    assert_eq!(info_number(&mut c, "snapshot_seq"), snapshot_seq, "no other compaction ran");
    let files: Vec<String> = std::fs::read_dir(&data)
        .expect("the journal directory")
        .map(|e| e.expect("an entry").file_name().to_string_lossy().into_owned())
        .collect();
    // docs/FORMAT.md: the snapshot and segment names hold zero-padded sequence numbers.
    assert!(files.contains(&format!("snapshot-{snapshot_seq:020}.snap")), "{files:?}");
    assert!(files.iter().any(|f| f.starts_with("journal-")), "{files:?}");

    // A sequence number before the snapshot is refused, clearly; one past the end too.
    let output = dump_tool(&data, &["--at", &(snapshot_seq - 1).to_string()]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(output.stdout.is_empty(), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let expected =
        format!("sequence number {} is before the snapshot ({snapshot_seq})", snapshot_seq - 1);
    assert!(stderr.contains(&expected), "{stderr}");
    let output = dump_tool(&data, &["--at", &(last_seq + 1).to_string()]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(output.stdout.is_empty(), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("past the end of the sound journal"), "{stderr}");

    // While the server runs: every point, loaded into one fresh server in turn.
    let fresh = TestServer::start();
    for (seq, state) in &captures {
        let commands = dump_at(&data, Some(*seq));
        let loaded = reload(&fresh, &commands);
        assert_same(state, &loaded, &format!("dump --at {seq} (server running, seed {seed})"));
    }
    let (json_seq, json_state) = &captures[POINTS / 2];
    check_json(&data, *json_seq, json_state);
    let loaded = reload(&fresh, &dump_at(&data, None));
    assert_same(&final_state, &loaded, "dump to the end (server running)");

    // After the server stopped: the end and a few points again.
    drop(c);
    server.signal("TERM");
    assert_eq!(server.wait_exit(WAIT), Some(0), "{}", server.log());
    let loaded = reload(&fresh, &dump_at(&data, None));
    assert_same(&final_state, &loaded, "dump to the end (server stopped)");
    for (seq, state) in [&captures[0], &captures[1], &captures[POINTS]] {
        let loaded = reload(&fresh, &dump_at(&data, Some(*seq)));
        assert_same(state, &loaded, &format!("dump --at {seq} (server stopped, seed {seed})"));
    }
}

#[test]
fn awkward_values_round_trip_through_redis_cli_pipe() {
    let server = TestServer::start_with(&["--appendfsync", "always"]);
    let data = server.data_dir().join("data");
    let mut c = server.raw();
    let far = (workload::now_ms() + 86_400_000).to_string();
    let binary: &[u8] = b"\x00a\r\nb\xff\xfe\x80\r\n*1\r\n$3\r\n\x00";
    let replies = [
        c.cmd_bytes(&[b"SET", b"bin", binary]),
        c.cmd_bytes(&[b"SET", b"\x00\r\n\xffkey", b"value", b"PXAT", far.as_bytes()]),
        c.cmd_bytes(&[b"SET", b"empty", b""]),
        c.cmd_bytes(&[b"RPUSH", b"list", binary, b"", b"\r\n", b"plain"]),
        c.cmd_bytes(&[b"HSET", b"hash", binary, binary, b"", b"\xff"]),
        c.cmd_bytes(&[b"SADD", b"set", binary, b"", b"\x00", b"17"]),
        c.cmd_bytes(&[
            b"ZADD",
            b"zset",
            b"-inf",
            b"low",
            b"+inf",
            b"high",
            b"inf",
            binary,
            b"0",
            b"zero",
            b"-0.5",
            b"neg",
            b"0.1",
            b"tenth",
            b"1e300",
            b"huge",
            b"5e-324",
            b"tiny",
            b"-1.7976931348623157e308",
            b"most negative",
            b"-0",
            b"negative zero",
        ]),
        c.cmd_bytes(&[b"SELECT", b"5"]),
        c.cmd_bytes(&[b"SET", b"in five", binary, b"PXAT", far.as_bytes()]),
        c.cmd_bytes(&[b"ZADD", b"z5", b"-inf", b"a", b"inf", b"b"]),
        c.cmd_bytes(&[b"SELECT", b"15"]),
        c.cmd_bytes(&[b"SET", b"in fifteen", b"x"]),
        c.cmd_bytes(&[b"SELECT", b"0"]),
    ];
    for reply in &replies {
        assert!(!reply.starts_with(b"-"), "{}", workload::show(reply));
    }
    // Longer than one command of the dump (512 elements), and past compact encodings.
    let items: Vec<Vec<u8>> = (0..1300).map(|i| format!("item\r\n{i}").into_bytes()).collect();
    let collections: [(&[u8], &[u8]); 2] = [(b"long list", b"RPUSH"), (b"long set", b"SADD")];
    for (name, command) in collections {
        let mut args: Vec<&[u8]> = vec![command, name];
        args.extend(items.iter().map(Vec::as_slice));
        assert!(c.cmd_bytes(&args).starts_with(b":"));
    }
    let mut args: Vec<&[u8]> = vec![b"HSET", b"long hash"];
    args.extend(items.iter().flat_map(|i| [i.as_slice(), i.as_slice()]));
    assert!(c.cmd_bytes(&args).starts_with(b":"));
    let scores: Vec<String> = (0..1300).map(|i| format!("{}.25", i - 650)).collect();
    let mut args: Vec<&[u8]> = vec![b"ZADD", b"long zset"];
    args.extend(scores.iter().zip(&items).flat_map(|(s, i)| [s.as_bytes(), i.as_slice()]));
    assert!(c.cmd_bytes(&args).starts_with(b":"));
    assert_eq!(c.cmd(&["PEXPIREAT", "long list", &far]), int(1));

    let seq = info_number(&mut c, "journal_last_seq");
    let state = workload::dump(&server);
    assert_eq!(state.keys().filter(|(db, _)| *db == 5).count(), 2);
    let fresh = TestServer::start();
    for at in [None, Some(seq)] {
        let commands = dump_at(&data, at);
        let loaded = reload(&fresh, &commands);
        assert_same(&state, &loaded, &format!("awkward values, dump --at {at:?}"));
    }
    check_json(&data, seq, &state);
    // Unchanged through a snapshot too (the values come from its blocks, not from records).
    assert_eq!(compact(&mut c), seq);
    let loaded = reload(&fresh, &dump_at(&data, Some(seq)));
    assert_same(&state, &loaded, "awkward values from a snapshot");
}
