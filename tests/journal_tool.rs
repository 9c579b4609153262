//! `allydb-journal` against directories the real server wrote: a snapshot holding every data
//! type in three databases, then records of every kind in three live segments. `inspect`
//! shows every record in order, `verify` passes; then a torn tail, a bit flip, a deleted
//! segment and a truncated snapshot (one test each): `verify` names the place, `repair
//! --dry-run` changes nothing, `repair` names the lost keys and keeps a backup, and the server
//! then starts with exactly the state `dump` predicted (loaded into a fresh server with
//! `redis-cli --pipe`). Last, `repair` refuses a directory a server holds.
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use allydb::journal::reader::{BlockKind, SnapshotReader};
use allydb::journal::snapshot::decode_block;
use allydb::journal::Manifest;
use common::workload::Dump;
use common::*;
use serde_json::Value as Json;

/// A deadline far ahead (2100-01-01), written as is so the journal's bytes are known.
const FAR: &str = "4102444800000";

/// A key in a database.
type Key = (usize, Vec<u8>);

fn key(db: usize, name: &str) -> Key {
    (db, name.as_bytes().to_vec())
}

// ------------------------------------------------------------------------------ the fixture

/// One command written after the snapshot: one journal record.
#[derive(Debug, Clone)]
struct Step {
    /// Which live segment holds it (0, 1, 2).
    segment: usize,
    db: usize,
    args: Vec<String>,
    /// How `inspect` shows its effect.
    effect: String,
    /// The key it changes.
    key: Key,
    /// Filled in from `inspect --json` once the directory is built.
    seq: u64,
    offset: u64,
    size: u64,
}

fn step(segment: usize, db: usize, args: &[&str], effect: &str) -> Step {
    Step {
        segment,
        db,
        args: args.iter().map(|a| a.to_string()).collect(),
        effect: format!("db={db} {effect}"),
        key: key(db, args[1]),
        seq: 0,
        offset: 0,
        size: 0,
    }
}

/// The commands after the snapshot, by segment. Every one changes its key's value in a way
/// no later command undoes, so a key whose records are lost differs from the live state.
fn steps() -> Vec<Step> {
    let flip_value = "x".repeat(40);
    let tail_value = "t".repeat(60);
    vec![
        // Segment 0: the one the compaction rolled to.
        step(0, 0, &["SET", "str:new", "hello"], r#"SET "str:new" "hello""#),
        step(
            0,
            0,
            &["SET", "str:ttl", "v", "PXAT", FAR],
            &format!(r#"SET "str:ttl" "v" "PXAT" "{FAR}""#),
        ),
        step(0, 0, &["RPUSH", "list", "d", "e"], r#"RPUSH "list" "d" "e""#),
        step(0, 0, &["LPUSH", "list", "z"], r#"LPUSH "list" "z""#),
        step(0, 0, &["HSET", "hash", "f3", "v3"], r#"HSET "hash" "f3" "v3""#),
        step(0, 0, &["SADD", "set", "m4"], r#"SADD "set" "m4""#),
        step(0, 0, &["ZADD", "zset", "3", "c", "1.5", "d"], r#"ZADD "zset" "3" "c" "1.5" "d""#),
        step(0, 0, &["DEL", "s1"], r#"DEL "s1""#),
        step(0, 0, &["PEXPIREAT", "s2", FAR], &format!(r#"PEXPIREAT "s2" "{FAR}""#)),
        step(0, 1, &["SET", "db1:new", "y"], r#"SET "db1:new" "y""#),
        // Segment 1: after a compaction that failed once it had rolled the journal.
        step(1, 0, &["SET", "seg2:a", "alpha"], r#"SET "seg2:a" "alpha""#),
        step(1, 0, &["HSET", "hash", "f4", "v4"], r#"HSET "hash" "f4" "v4""#),
        step(
            1,
            0,
            &["SET", "seg2:flip", &flip_value],
            &format!(r#"SET "seg2:flip" "{flip_value}""#),
        ),
        step(1, 0, &["RPUSH", "seg2:list", "p", "q"], r#"RPUSH "seg2:list" "p" "q""#),
        step(1, 2, &["SADD", "seg2:set", "u", "v"], r#"SADD "seg2:set" "u" "v""#),
        // Segment 2: after a second such compaction.
        step(2, 0, &["ZADD", "zset", "9", "seg3m"], r#"ZADD "zset" "9" "seg3m""#),
        step(2, 0, &["SET", "seg3:a", "gamma"], r#"SET "seg3:a" "gamma""#),
        step(2, 1, &["HSET", "db1:hash", "g", "h"], r#"HSET "db1:hash" "g" "h""#),
        step(2, 0, &["PEXPIREAT", "list", FAR], &format!(r#"PEXPIREAT "list" "{FAR}""#)),
        step(2, 0, &["SET", "tail:key", &tail_value], &format!(r#"SET "tail:key" "{tail_value}""#)),
    ]
}

/// The data the snapshot holds: every type, deadlines, three databases. Nothing after the
/// snapshot touches database 3, whose blocks come last in the file.
const BEFORE_SNAPSHOT: &[(usize, &[&str])] = &[
    (0, &["SET", "s1", "v1"]),
    (0, &["SET", "s2", "v2", "PX", "7200000"]),
    (0, &["SET", "plain:int", "12345"]),
    (0, &["RPUSH", "list", "a", "b", "c"]),
    (0, &["HSET", "hash", "f1", "v1", "f2", "v2"]),
    (0, &["SADD", "set", "m1", "m2", "m3"]),
    (0, &["SADD", "intset", "1", "2", "3"]),
    (0, &["ZADD", "zset", "1", "a", "2", "b"]),
    (0, &["SET", "ttl:ex", "e", "EX", "7200"]),
    (1, &["SET", "db1key", "x"]),
    (1, &["HSET", "db1:hash", "a", "b"]),
    (3, &["SET", "snap3:s", "value-three"]),
    (3, &["ZADD", "snap3:z", "5", "five", "6", "six"]),
    (3, &["RPUSH", "snap3:l", "x", "y", "z"]),
    (3, &["SADD", "snap3:set", "p", "q", "r"]),
];

struct Fixture {
    _dir: tempfile::TempDir,
    data: PathBuf,
    snapshot_seq: u64,
    /// The live segments, in order.
    segments: Vec<PathBuf>,
    steps: Vec<Step>,
    /// Every key of every database before the server stopped.
    live: Dump,
}

impl Fixture {
    fn segment_name(&self, index: usize) -> String {
        file_name(&self.segments[index])
    }

    fn snapshot_path(&self) -> PathBuf {
        self.data.join(format!("snapshot-{:020}.snap", self.snapshot_seq))
    }

    fn step(&self, key_name: &str) -> &Step {
        self.steps.iter().find(|s| s.key.1 == key_name.as_bytes()).expect("a step on the key")
    }

    /// A copy of the directory to damage, in its own temporary directory.
    fn copy(&self) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        copy_dir(&self.data, &data);
        (dir, data)
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// Sends `args` in database `db` (SELECTing it first) and returns the reply.
fn send(c: &mut RawClient, db: usize, args: &[&str]) -> String {
    assert_eq!(c.cmd(&["SELECT", &db.to_string()]), OK);
    let reply = c.cmd(args);
    assert!(!reply.starts_with('-'), "{args:?}: {reply}");
    reply
}

/// Every key of every database of the server on `port`: the type, value and PEXPIRETIME of
/// each, as `workload::dump` reads them.
fn state(port: u16) -> Dump {
    workload::dump_client(&mut RawClient::connect(port))
}

/// SHUTDOWN NOSAVE, and the process exits with status 0.
fn shut_down(mut node: Node) {
    let mut c = node.client();
    c.send_command(&[b"SHUTDOWN", b"NOSAVE"]);
    assert!(c.is_closed());
    let status = node.child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{}", node.log());
}

fn started(data: &Path, extra: &[&str], env: &[(&str, &str)]) -> Node {
    let mut node = spawn_node_with_env(data, extra, env);
    if let Err(status) = node.ready() {
        panic!("the server exited with {status}: {}", node.log());
    }
    node
}

fn live_segments(data: &Path) -> Vec<PathBuf> {
    let mut segments: Vec<PathBuf> = std::fs::read_dir(data)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| file_name(p).starts_with("journal-") && file_name(p).ends_with(".log"))
        .collect();
    segments.sort();
    segments
}

fn build_fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut steps = steps();

    // The snapshot, then the first live segment.
    let node = started(&data, &["--appendfsync", "always"], &[]);
    let mut c = node.client();
    for (db, args) in BEFORE_SNAPSHOT {
        send(&mut c, *db, args);
    }
    assert_eq!(c.cmd(&["SAVE"]), OK);
    for s in steps.iter().filter(|s| s.segment == 0) {
        let args: Vec<&str> = s.args.iter().map(String::as_str).collect();
        send(&mut c, s.db, &args);
    }
    shut_down(node);
    let manifest = Manifest::read(&data).unwrap().unwrap().unwrap();
    let snapshot_seq = manifest.snapshot_seq;
    assert_eq!(snapshot_seq, BEFORE_SNAPSHOT.len() as u64);
    assert_eq!(manifest.first_segment_seq, snapshot_seq + 1);

    // Two more segments: a compaction that fails after rolling the journal leaves the
    // segments it rolled from live.
    let fault = [("ALLYDB_FAULT", "segment-rolled:error")];
    let node = started(&data, &["--appendfsync", "always"], &fault);
    let mut c = node.client();
    for segment in 1..=2 {
        assert_eq!(c.cmd(&["SAVE"]), err("ERR"));
        for s in steps.iter().filter(|s| s.segment == segment) {
            let args: Vec<&str> = s.args.iter().map(String::as_str).collect();
            send(&mut c, s.db, &args);
        }
    }
    let live = state(node.port);
    shut_down(node);

    let segments = live_segments(&data);
    assert_eq!(segments.len(), 3, "{segments:?}");
    assert_eq!(Manifest::read(&data).unwrap().unwrap().unwrap(), manifest);
    // Where each record is, from the tool itself (checked against the steps by `inspect`).
    let out = run(&["inspect", "--json", data.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out:?}");
    let records: Vec<Json> = out.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(records.len(), steps.len(), "{}", out.stdout);
    for (s, record) in steps.iter_mut().zip(&records) {
        s.seq = record["seq"].as_u64().unwrap();
        s.offset = record["offset"].as_u64().unwrap();
        s.size = record["size"].as_u64().unwrap();
    }
    Fixture { _dir: dir, data, snapshot_seq, segments, steps, live }
}

/// Built once, copied by every test that damages it.
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(build_fixture)
}

// ------------------------------------------------------------------------------- the tool

#[derive(Debug)]
struct Output {
    code: i32,
    stdout: String,
    stderr: String,
    raw: Vec<u8>,
}

fn run(args: &[&str]) -> Output {
    let output = journal_tool().args(args).output().unwrap();
    Output {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        raw: output.stdout,
    }
}

fn json_lines(text: &str) -> Vec<Json> {
    text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

/// Every file of a directory and its bytes (LOCK aside: the repair takes it).
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && file_name(p) != "LOCK")
        .map(|p| (file_name(&p), std::fs::read(&p).unwrap()))
        .collect()
}

/// The keys of a repair's text report, from its `  db=N "key"` lines.
fn lost_keys_text(report: &str) -> BTreeSet<Key> {
    report
        .lines()
        .filter_map(|l| l.strip_prefix("  db="))
        .map(|l| {
            let (db, quoted) = l.split_once(' ').unwrap();
            let name = quoted.strip_prefix('"').and_then(|q| q.strip_suffix('"')).unwrap();
            assert!(!name.contains('\\'), "{l}");
            (db.parse().unwrap(), name.as_bytes().to_vec())
        })
        .collect()
}

fn lost_keys_json(report: &Json) -> BTreeSet<Key> {
    report["lost_keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            let db = k["db"].as_u64().unwrap() as usize;
            (db, k["key"].as_str().unwrap().as_bytes().to_vec())
        })
        .collect()
}

/// The keys whose type, value or deadline differ between two states.
fn differing(a: &Dump, b: &Dump) -> BTreeSet<Key> {
    a.keys().chain(b.keys()).filter(|k| a.get(*k) != b.get(*k)).cloned().collect()
}

fn show_keys(keys: &BTreeSet<Key>) -> Vec<String> {
    keys.iter().map(|(db, k)| format!("{db}:{}", String::from_utf8_lossy(k))).collect()
}

/// Loads `dump`'s RESP output into a new, empty server with `redis-cli --pipe`; returns
/// that server's state.
fn load_with_redis_cli(resp: &[u8]) -> Dump {
    let dir = tempfile::tempdir().unwrap();
    let node = started(&dir.path().join("data"), &["--appendonly", "no"], &[]);
    let mut child = Command::new("redis-cli")
        .args(["-p", &node.port.to_string(), "--pipe"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("redis-cli (scripts/test.sh installs it)");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(resp).unwrap();
    }
    let output = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{text}{}", String::from_utf8_lossy(&output.stderr));
    assert!(text.contains("errors: 0,"), "{text}");
    state(node.port)
}

/// What a damage test expects.
struct Expected {
    /// The problem `verify` reports first: `FILE offset O seq S` and its kind.
    place: String,
    kind: &'static str,
    /// The keys `repair` names.
    named: BTreeSet<Key>,
    /// Keys the repair loses without being able to name them (a deleted segment's).
    unnamed: BTreeSet<Key>,
    /// Files the repair changes or removes: the backup holds them as they were.
    changed: Vec<String>,
    /// What the report's `unknown:` lines say, one each (a part of each).
    unknown: Vec<String>,
}

/// Checks `verify`, `repair --dry-run`, `dump`, `repair`, the backup, `verify` again, and the
/// server's state on the repaired directory against the `dump` prediction and the live state.
fn check_damage(fixture: &Fixture, data: &Path, expected: Expected) {
    let dir = data.to_str().unwrap();
    let before = contents(data);
    let had_lock = data.join("LOCK").exists();

    let verify = run(&["verify", dir]);
    assert_eq!(verify.code, 1, "{verify:?}");
    let line = format!("DAMAGED {}: ", expected.place);
    let reported = verify.stdout.lines().find(|l| l.starts_with(&line));
    assert!(
        reported.is_some_and(|l| l.ends_with(&format!("({})", expected.kind))),
        "no `{line}...({})` line:\n{}",
        expected.kind,
        verify.stdout
    );
    assert!(verify.stdout.lines().last().unwrap().contains("problem(s);"), "{}", verify.stdout);
    let verify = run(&["verify", "--json", dir]);
    assert_eq!(verify.code, 1, "{verify:?}");
    let report: Json = serde_json::from_str(verify.stdout.trim()).unwrap();
    assert_eq!(report["sound"], false);
    let first = &report["problems"][0];
    assert_eq!(first["kind"], expected.kind, "{report}");
    let place = match first["seq"].as_u64() {
        Some(seq) => {
            format!("{} offset {} seq {seq}", first["file"].as_str().unwrap(), first["offset"])
        }
        None => format!("{} offset {}", first["file"].as_str().unwrap(), first["offset"]),
    };
    assert_eq!(place, expected.place, "{report}");

    let dry = run(&["repair", "--dry-run", dir]);
    assert_eq!(dry.code, 1, "{dry:?}");
    assert!(dry.stdout.contains("dry run: nothing was changed"), "{}", dry.stdout);
    let dry_json = run(&["repair", "--dry-run", "--json", dir]);
    assert_eq!(dry_json.code, 1, "{dry_json:?}");
    let dry_json: Json = serde_json::from_str(dry_json.stdout.trim()).unwrap();
    assert_eq!(dry_json["repaired"], false);
    assert_eq!(contents(data), before, "a dry run changed the directory");
    assert_eq!(data.join("LOCK").exists(), had_lock, "a dry run made a LOCK file");

    let dump = run(&["dump", dir]);
    assert_eq!(dump.code, 1, "{}", dump.stderr);
    assert!(dump.stderr.contains("damaged"), "{}", dump.stderr);

    let backup = data.with_file_name("backup");
    let repair = run(&["repair", "--backup", backup.to_str().unwrap(), dir]);
    assert_eq!(repair.code, 0, "{repair:?}");
    let named = lost_keys_text(&repair.stdout);
    assert_eq!(
        show_keys(&named),
        show_keys(&expected.named),
        "the keys repair names:\n{}",
        repair.stdout
    );
    assert_eq!(lost_keys_json(&dry_json), named, "--json and text differ: {dry_json}");
    assert!(
        repair.stdout.contains(&format!("lost or possibly changed keys: {}\n", named.len())),
        "{}",
        repair.stdout
    );
    let unknown: Vec<&str> = repair.stdout.lines().filter(|l| l.starts_with("unknown: ")).collect();
    assert_eq!(unknown.len(), expected.unknown.len(), "{}", repair.stdout);
    for (line, part) in unknown.iter().zip(&expected.unknown) {
        assert!(line.contains(part.as_str()), "{line:?} does not say {part:?}");
    }
    assert_eq!(dry_json["unknown"].as_array().unwrap().len(), unknown.len(), "{dry_json}");
    assert!(repair.stdout.contains(&format!("backup of every changed file: {}", backup.display())));
    // The backup holds every changed file as it was.
    let kept = contents(&backup);
    let kept_names: BTreeSet<&String> = kept.keys().collect();
    let changed: BTreeSet<&String> = expected.changed.iter().collect();
    assert_eq!(kept_names, changed, "{}", repair.stdout);
    for (name, bytes) in &kept {
        assert!(before.get(name) == Some(bytes), "the backup of {name} is not the damaged file");
    }
    let after = contents(data);
    for (name, bytes) in &before {
        assert_eq!(
            after.get(name) == Some(bytes),
            !changed.contains(name),
            "{name} changed (or not) against the report:\n{}",
            repair.stdout
        );
    }

    let verify = run(&["verify", dir]);
    assert_eq!(verify.code, 0, "after the repair: {verify:?}");
    assert!(verify.stdout.lines().last().unwrap().starts_with("sound:"), "{}", verify.stdout);
    let again = run(&["repair", dir]);
    assert_eq!(again.code, 0, "{again:?}");
    assert!(again.stdout.starts_with("nothing to repair"), "{}", again.stdout);
    // The dump of the repaired directory is the one printed before the repair.
    let dump_after = run(&["dump", dir]);
    assert_eq!(dump_after.code, 0, "{dump_after:?}");
    assert!(dump_after.raw == dump.raw, "dump differs before and after the repair");

    // The server starts on the repaired directory with exactly the predicted state.
    let node = started(data, &[], &[]);
    let repaired = state(node.port);
    drop(node);
    let predicted = load_with_redis_cli(&dump.raw);
    workload::assert_same(&predicted, &repaired, "dump's prediction against the repaired server");
    // What differs from the live state before the damage is what the repair named, and the
    // keys it could not name.
    let lost = differing(&fixture.live, &repaired);
    let mut expected_lost = expected.named.clone();
    expected_lost.extend(expected.unnamed.iter().cloned());
    assert_eq!(show_keys(&lost), show_keys(&expected_lost), "{}", repair.stdout);
}

// -------------------------------------------------------------------------------- the tests

#[test]
fn fixture_is_a_snapshot_and_three_segments_of_every_type() {
    let f = fixture();
    assert_eq!(f.segments.len(), 3);
    // Each segment starts with its first step, sequence numbers run on from the snapshot.
    for (index, segment) in f.segments.iter().enumerate() {
        let first = f.steps.iter().find(|s| s.segment == index).unwrap();
        assert_eq!(file_name(segment), format!("journal-{:020}.log", first.seq));
        assert_eq!(first.offset, 32);
    }
    for (i, s) in f.steps.iter().enumerate() {
        assert_eq!(s.seq, f.snapshot_seq + 1 + i as u64);
    }
    // The snapshot holds every type in three databases.
    let mut reader = SnapshotReader::open(&f.snapshot_path()).unwrap().unwrap();
    assert_eq!(reader.seq, f.snapshot_seq);
    let mut types = BTreeSet::new();
    let mut dbs = BTreeSet::new();
    let mut entries = 0;
    while let Some(block) = reader.next_block().unwrap() {
        if block.kind == BlockKind::Entries {
            decode_block(block.bytes, 0, |e| {
                entries += 1;
                dbs.insert(e.db);
                types.insert(match e.value {
                    allydb::journal::Value::String(_) => "string",
                    allydb::journal::Value::List(_) => "list",
                    allydb::journal::Value::Hash(_) => "hash",
                    allydb::journal::Value::Set(_) => "set",
                    allydb::journal::Value::ZSet(_) => "zset",
                });
            })
            .unwrap();
        }
    }
    assert_eq!(entries, BEFORE_SNAPSHOT.len());
    assert_eq!(dbs, BTreeSet::from([0, 1, 3]));
    assert_eq!(types.len(), 5);
    // The live state: what the server had before it stopped, and has again after a start.
    assert!(f.live.contains_key(&key(0, "str:ttl")) && f.live.contains_key(&key(3, "snap3:l")));
    assert_eq!(f.live[&key(0, "str:ttl")].1, format!(":{FAR}\r\n"));
    assert!(!f.live.contains_key(&key(0, "s1")));
    let (_dir, data) = f.copy();
    let node = started(&data, &[], &[]);
    workload::assert_same(&f.live, &state(node.port), "a start on the fixture");
    // `dump` predicts it too.
    let dump = run(&["dump", data.to_str().unwrap()]);
    drop(node);
    assert_eq!(dump.code, 0, "{dump:?}");
    workload::assert_same(&f.live, &load_with_redis_cli(&dump.raw), "dump of the fixture");
}

#[test]
fn inspect_shows_every_record_in_order() {
    let f = fixture();
    let dir = f.data.to_str().unwrap();
    let out = run(&["inspect", dir]);
    assert_eq!(out.code, 0, "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), f.steps.len(), "{}", out.stdout);
    let mut last_end = BTreeMap::new();
    for (line, s) in lines.iter().zip(&f.steps) {
        let segment = f.segment_name(s.segment);
        assert_eq!(
            *line,
            format!(
                "seq={} file={segment} offset={} size={} {}",
                s.seq, s.offset, s.size, s.effect
            )
        );
        // Records follow one another in their segment.
        let end = last_end.entry(s.segment).or_insert(32u64);
        assert_eq!(s.offset, *end, "{line}");
        *end += s.size;
    }
    // A few in full, with sizes from the format (16-byte header, payload).
    let first = &f.steps[0];
    assert_eq!(
        lines[0],
        format!(
            "seq={} file={} offset=32 size=43 db=0 SET \"str:new\" \"hello\"",
            first.seq,
            f.segment_name(0)
        )
    );
    let seg2 = f.step("seg2:a");
    assert_eq!(
        lines[10],
        format!(
            "seq={} file={} offset=32 size=42 db=0 SET \"seg2:a\" \"alpha\"",
            seg2.seq,
            f.segment_name(1)
        )
    );
    assert!(lines[8].ends_with(&format!("db=0 PEXPIREAT \"s2\" \"{FAR}\"")), "{}", lines[8]);
    assert!(lines[14].ends_with("db=2 SADD \"seg2:set\" \"u\" \"v\""), "{}", lines[14]);

    // --json: one object per record, the same facts.
    let out = run(&["inspect", "--json", dir]);
    assert_eq!(out.code, 0, "{out:?}");
    let records = json_lines(&out.stdout);
    assert_eq!(records.len(), f.steps.len());
    for (record, s) in records.iter().zip(&f.steps) {
        assert_eq!(record["seq"], s.seq);
        assert_eq!(record["file"], f.segment_name(s.segment));
        assert_eq!(record["offset"], s.offset);
        assert_eq!(record["size"], s.size);
        assert_eq!(record["sound"], true);
        let effects = record["effects"].as_array().unwrap();
        assert_eq!(effects.len(), 1, "{record}");
        assert_eq!(effects[0]["db"], s.db, "{record}");
        assert_eq!(effects[0]["args"][0], s.args[1], "{record}");
    }
    let zadd = &records[6]["effects"][0];
    assert_eq!(zadd["command"], "ZADD");
    assert_eq!(zadd["args"], serde_json::json!(["zset", "3", "c", "1.5", "d"]));
    assert_eq!(records[8]["effects"][0]["command"], "PEXPIREAT");
    assert_eq!(
        records[7]["effects"][0],
        serde_json::json!({"db": 0, "command": "DEL", "args": ["s1"]})
    );

    // --from and --to.
    let (from, to) = (f.steps[3].seq, f.steps[12].seq);
    let out = run(&["inspect", "--from", &from.to_string(), "--to", &to.to_string(), dir]);
    assert_eq!(out.code, 0, "{out:?}");
    let seqs: Vec<u64> = out
        .stdout
        .lines()
        .map(|l| l.strip_prefix("seq=").unwrap().split(' ').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(seqs, (from..=to).collect::<Vec<_>>());
    let out = run(&["inspect", "--json", "--from", &f.steps[18].seq.to_string(), dir]);
    assert_eq!(json_lines(&out.stdout).len(), 2, "{}", out.stdout);
    // --key: a glob over the keys records change, in every database.
    let out = run(&["inspect", "--key", "seg2:*", dir]);
    assert_eq!(out.code, 0, "{out:?}");
    let effects: Vec<&str> = out.stdout.lines().map(|l| l.split_once(" db=").unwrap().1).collect();
    assert_eq!(
        effects,
        [
            "0 SET \"seg2:a\" \"alpha\"".to_string(),
            format!("0 SET \"seg2:flip\" \"{}\"", "x".repeat(40)),
            "0 RPUSH \"seg2:list\" \"p\" \"q\"".into(),
            "2 SADD \"seg2:set\" \"u\" \"v\"".into(),
        ]
    );
    let out = run(&["inspect", "--key", "h?sh", "--to", &f.steps[11].seq.to_string(), dir]);
    let expected: Vec<String> =
        [&f.steps[4], &f.steps[11]].iter().map(|s| format!("seq={} ", s.seq)).collect();
    let got: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(got.len(), 2, "{}", out.stdout);
    for (line, prefix) in got.iter().zip(&expected) {
        assert!(line.starts_with(prefix), "{line}");
    }
    let out = run(&["inspect", "--key", "nothing*", dir]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""));
}

#[test]
fn verify_passes_on_the_directory_the_server_wrote() {
    let f = fixture();
    let dir = f.data.to_str().unwrap();
    let out = run(&["verify", dir]);
    assert_eq!(out.code, 0, "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    let last = f.steps.last().unwrap().seq;
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with(&format!("sound: {} records up to seq {last};", f.steps.len())),
        "{}",
        out.stdout
    );
    assert_eq!(
        lines[0],
        format!("MANIFEST: snapshot {}, segments from {}", f.snapshot_seq, f.snapshot_seq + 1)
    );
    assert!(!out.stdout.contains("DAMAGED"), "{}", out.stdout);
    let out = run(&["verify", "--json", dir]);
    assert_eq!(out.code, 0, "{out:?}");
    let report: Json = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(report["sound"], true);
    assert_eq!(report["problems"], serde_json::json!([]));
    assert_eq!(report["records"], f.steps.len());
    assert_eq!(report["last_seq"], last);
    assert_eq!(report["snapshot"]["entries"], BEFORE_SNAPSHOT.len());
    let segments = report["segments"].as_array().unwrap();
    assert_eq!(segments.len(), 3);
    for (index, segment) in segments.iter().enumerate() {
        assert_eq!(segment["file"], f.segment_name(index));
        assert_eq!(segment["sound"], true);
    }
    // A sound directory needs no repair.
    let out = run(&["repair", "--dry-run", dir]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.starts_with("nothing to repair"), "{}", out.stdout);
}

#[test]
fn torn_tail() {
    let f = fixture();
    let (_dir, data) = f.copy();
    let tail = f.step("tail:key");
    assert_eq!(tail.segment, 2);
    assert_eq!(tail.seq, f.steps.last().unwrap().seq);
    let segment = data.join(f.segment_name(2));
    let file = std::fs::OpenOptions::new().write(true).open(&segment).unwrap();
    file.set_len(tail.offset + tail.size / 2).unwrap();
    drop(file);
    check_damage(
        f,
        &data,
        Expected {
            place: format!("{} offset {} seq {}", f.segment_name(2), tail.offset, tail.seq),
            kind: "torn-tail",
            named: BTreeSet::from([tail.key.clone()]),
            unnamed: BTreeSet::new(),
            changed: vec![f.segment_name(2)],
            unknown: vec![],
        },
    );
}

#[test]
fn bit_flip_in_a_middle_segment() {
    let f = fixture();
    let (_dir, data) = f.copy();
    let flipped = f.step("seg2:flip");
    assert_eq!(flipped.segment, 1);
    let segment = data.join(f.segment_name(1));
    let mut bytes = std::fs::read(&segment).unwrap();
    // Inside the value (the record ends with it): the CRC fails, the keys still read.
    let at = usize::try_from(flipped.offset + flipped.size - 10).unwrap();
    bytes[at] ^= 0x04;
    std::fs::write(&segment, &bytes).unwrap();
    // Everything from the damaged record on is cut off.
    let named: BTreeSet<Key> =
        f.steps.iter().filter(|s| s.seq >= flipped.seq).map(|s| s.key.clone()).collect();
    check_damage(
        f,
        &data,
        Expected {
            place: format!("{} offset {} seq {}", f.segment_name(1), flipped.offset, flipped.seq),
            kind: "bad-record",
            named,
            unnamed: BTreeSet::new(),
            changed: vec![f.segment_name(1), f.segment_name(2)],
            unknown: vec!["were read from bytes that fail their CRC".into()],
        },
    );
}

#[test]
fn deleted_middle_segment() {
    let f = fixture();
    let (_dir, data) = f.copy();
    std::fs::remove_file(data.join(f.segment_name(1))).unwrap();
    let first_missing = f.steps.iter().find(|s| s.segment == 1).unwrap().seq;
    let keys = |segment: usize| -> BTreeSet<Key> {
        f.steps.iter().filter(|s| s.segment == segment).map(|s| s.key.clone()).collect()
    };
    check_damage(
        f,
        &data,
        Expected {
            // The segment after the gap is where the journal stops running on.
            place: format!("{} offset 0 seq {first_missing}", f.segment_name(2)),
            kind: "gap",
            // The records after the gap are read and named; the deleted ones are unknown.
            named: keys(2),
            unnamed: keys(1),
            changed: vec![f.segment_name(2)],
            unknown: vec![format!(
                "{}: records {first_missing} to {} are missing (a deleted segment?)",
                f.segment_name(2),
                f.steps.iter().rev().find(|s| s.segment == 1).unwrap().seq
            )],
        },
    );
}

/// The last entries block of a snapshot: its offset, length and keys. In the fixture it is
/// one of database 3, which nothing after the snapshot touches.
fn last_entries_block(path: &Path) -> (u64, u64, Vec<Key>) {
    let mut reader = SnapshotReader::open(path).unwrap().unwrap();
    let mut last = None;
    while let Some(block) = reader.next_block().unwrap() {
        if block.kind == BlockKind::Entries {
            let mut keys = Vec::new();
            decode_block(block.bytes, 0, |e| keys.push((e.db as usize, e.key.to_vec()))).unwrap();
            last = Some((block.offset, block.bytes.len() as u64, keys));
        }
    }
    let (offset, len, keys) = last.unwrap();
    assert!(keys.iter().all(|(db, _)| *db == 3), "{keys:?}");
    (offset, len, keys)
}

#[test]
fn truncated_snapshot() {
    let f = fixture();
    let (_dir, data) = f.copy();
    let path = data.join(file_name(&f.snapshot_path()));
    let (offset, len, keys) = last_entries_block(&path);
    // Cut inside the block's last entry, after its key.
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(offset + len - 3).unwrap();
    drop(file);
    check_damage(
        f,
        &data,
        Expected {
            place: format!("{} offset {offset} seq {}", file_name(&path), f.snapshot_seq),
            kind: "snapshot",
            named: keys.iter().cloned().collect(),
            unnamed: BTreeSet::new(),
            changed: vec![file_name(&path)],
            // The file ends there: whether blocks followed, nobody can tell.
            unknown: vec!["part of the snapshot cannot be read".into()],
        },
    );
}

/// Zeroed bytes over whole records of a middle segment: the first is unreadable, the next
/// ones are skipped over to the first record that reads; the report says which sequence
/// numbers it cannot name.
#[test]
fn zeroed_records_in_a_middle_segment() {
    let f = fixture();
    let (_dir, data) = f.copy();
    let (first, last) = (f.step("seg2:a"), f.step("seg2:flip"));
    let segment = data.join(f.segment_name(1));
    let mut bytes = std::fs::read(&segment).unwrap();
    let range =
        usize::try_from(first.offset).unwrap()..usize::try_from(last.offset + last.size).unwrap();
    bytes[range].fill(0);
    std::fs::write(&segment, &bytes).unwrap();
    let after = f.step("seg2:list");
    let (named, unnamed): (Vec<&Step>, Vec<&Step>) =
        f.steps.iter().filter(|s| s.seq >= first.seq).partition(|s| s.seq >= after.seq);
    check_damage(
        f,
        &data,
        Expected {
            place: format!("{} offset {} seq {}", f.segment_name(1), first.offset, first.seq),
            kind: "bad-record",
            named: named.iter().map(|s| s.key.clone()).collect(),
            unnamed: unnamed.iter().map(|s| s.key.clone()).collect(),
            changed: vec![f.segment_name(1), f.segment_name(2)],
            unknown: vec![
                format!(
                    "the record at {} offset {} (seq {} expected) cannot be read",
                    f.segment_name(1),
                    first.offset,
                    first.seq
                ),
                format!(
                    "records {} to {} (before {} offset {}) are missing or cannot be read",
                    first.seq + 1,
                    last.seq,
                    f.segment_name(1),
                    after.offset
                ),
            ],
        },
    );
}

/// A damaged segment header: the segment and every later one go, and the records after the
/// header are still read to name their keys.
#[test]
fn damaged_segment_header() {
    let f = fixture();
    let (_dir, data) = f.copy();
    let segment = data.join(f.segment_name(1));
    let mut bytes = std::fs::read(&segment).unwrap();
    bytes[25] ^= 0x01; // the header's CRC
    std::fs::write(&segment, &bytes).unwrap();
    let first = f.steps.iter().find(|s| s.segment == 1).unwrap().seq;
    // Its records read on from the sequence number its name gives: only the header is
    // written again, and nothing is lost.
    check_damage(
        f,
        &data,
        Expected {
            place: format!("{} offset 0 seq {first}", f.segment_name(1)),
            kind: "segment-header",
            named: BTreeSet::new(),
            unnamed: BTreeSet::new(),
            changed: vec![f.segment_name(1)],
            unknown: vec![],
        },
    );
}

/// A bit flip in the entry count of a snapshot block: the block goes, its entries are named,
/// and the end block's count shows no other entry was lost (the damaged count is not
/// believed).
#[test]
fn bit_flip_in_a_snapshot_block_count() {
    let f = fixture();
    let (_dir, data) = f.copy();
    let path = data.join(file_name(&f.snapshot_path()));
    let (offset, _, keys) = last_entries_block(&path);
    let mut bytes = std::fs::read(&path).unwrap();
    // Header 8, kind 1, database 3 (one varint byte), then the count's top byte.
    bytes[usize::try_from(offset).unwrap() + 8 + 1 + 1 + 3] ^= 0x10;
    std::fs::write(&path, &bytes).unwrap();
    check_damage(
        f,
        &data,
        Expected {
            place: format!("{} offset {offset} seq {}", file_name(&path), f.snapshot_seq),
            kind: "snapshot",
            named: keys.into_iter().collect(),
            unnamed: BTreeSet::new(),
            changed: vec![file_name(&path)],
            unknown: vec![],
        },
    );
}

/// A snapshot cut inside its end block has every entries block: nothing is lost, but the
/// server refuses it until the end block is written again.
#[test]
fn snapshot_cut_inside_its_end_block() {
    let f = fixture();
    let (_dir, data) = f.copy();
    let path = data.join(file_name(&f.snapshot_path()));
    let mut reader = SnapshotReader::open(&path).unwrap().unwrap();
    let mut end = None;
    while let Some(block) = reader.next_block().unwrap() {
        if matches!(block.kind, BlockKind::End { .. }) {
            end = Some(block.offset);
        }
    }
    let end = end.unwrap();
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(end + 20).unwrap();
    drop(file);
    let mut node = spawn_node(&data, &[]);
    assert!(node.ready().is_err(), "the server loaded a cut snapshot: {}", node.log());
    drop(node);
    check_damage(
        f,
        &data,
        Expected {
            place: format!("{} offset {end} seq {}", file_name(&path), f.snapshot_seq),
            kind: "snapshot",
            named: BTreeSet::new(),
            unnamed: BTreeSet::new(),
            changed: vec![file_name(&path)],
            unknown: vec![],
        },
    );
}

#[test]
fn repair_refuses_a_directory_a_server_holds() {
    let f = fixture();
    let (_dir, data) = f.copy();
    // Damage the tail, so there would be something to repair.
    let tail = f.step("tail:key");
    let segment = data.join(f.segment_name(2));
    std::fs::OpenOptions::new()
        .write(true)
        .open(&segment)
        .unwrap()
        .set_len(tail.offset + 5)
        .unwrap();
    let node = started(&data, &[], &[]);
    let before = contents(&data);
    let dir = data.to_str().unwrap();
    let out = run(&["repair", dir]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("in use"), "{}", out.stderr);
    assert!(out.stderr.contains(&node.child.id().to_string()), "{}", out.stderr);
    let out =
        run(&["repair", "--json", "--backup", data.with_file_name("b").to_str().unwrap(), dir]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("in use"), "{}", out.stderr);
    assert!(!data.with_file_name("b").exists());
    assert_eq!(contents(&data), before);
    // The read-only subcommands run beside it.
    let out = run(&["verify", dir]);
    assert_eq!(out.code, 0, "{out:?}");
    drop(node);
}
