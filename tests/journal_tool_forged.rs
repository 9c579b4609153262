//! `allydb-journal` on directories built byte by byte with the server's own encoders, for the
//! layouts a running server makes only in rare races: damage in records the snapshot already
//! holds, a MANIFEST whose first segment is past the snapshot, a missing snapshot, a database
//! beyond the default 16, a snapshot whose header disagrees with the MANIFEST. After every
//! repair the real server must start on the directory with the state `dump` printed.
mod common;

use std::path::Path;

use allydb::journal::record::{encode_record, Effect, Value};
use allydb::journal::segment::segment_file_name;
use allydb::journal::snapshot::{encode_end, encode_entries, snapshot_file_name, SnapshotHeader};
use allydb::journal::{Manifest, SegmentHeader};
use allydb::store::{Entry, StrValue, Value as Stored};
use common::*;

struct Output {
    code: i32,
    stdout: String,
    stderr: String,
}

fn tool(args: &[&str]) -> Output {
    let output = journal_tool().args(args).output().unwrap();
    Output {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `snapshot-<seq>.snap` holding `keys` (as `key` -> `value:key`) in database 0.
fn write_snapshot(dir: &Path, seq: u64, keys: &[&str]) {
    let entries: Vec<Entry> = keys
        .iter()
        .map(|k| {
            Entry::new(
                k.as_bytes(),
                Stored::Str(StrValue::from_bytes(format!("value:{k}").as_bytes())),
            )
        })
        .collect();
    let mut out = SnapshotHeader { seq }.encode().to_vec();
    let (blocks, written) = encode_entries(0, entries.iter(), &mut out).unwrap();
    encode_end(blocks, written, seq, &mut out);
    std::fs::write(dir.join(snapshot_file_name(seq)), out).unwrap();
}

/// A segment starting at `first`, one `SET key value:key` in database `db` per record.
/// Returns the offset of each record.
fn write_segment(dir: &Path, first: u64, records: &[(u32, &str)]) -> Vec<usize> {
    let mut out = SegmentHeader { first_seq: first }.encode().to_vec();
    let mut offsets = Vec::new();
    for (index, (db, key)) in records.iter().enumerate() {
        offsets.push(out.len());
        let value = format!("value:{key}");
        let effect = Effect::Put {
            db: *db,
            key: key.as_bytes(),
            value: Value::String(value.as_bytes()),
            expires_at_ms: 0,
        };
        encode_record(first + index as u64, &[effect], &mut out);
    }
    std::fs::write(dir.join(segment_file_name(first)), out).unwrap();
    offsets
}

fn flip(path: &Path, offset: usize) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[offset] ^= 0x40;
    std::fs::write(path, bytes).unwrap();
}

/// Every key of database `db` of a server started on `data`, with its value.
fn server_keys(data: &Path, extra: &[&str], db: usize) -> Vec<(String, String)> {
    let mut node = spawn_node(data, extra);
    node.ready().unwrap_or_else(|code| panic!("the server refused ({code}):\n{}", node.log()));
    let mut c = node.client();
    assert_eq!(c.cmd(&["SELECT", &db.to_string()]), "+OK\r\n");
    let mut keys: Vec<(String, String)> = workload::bulk_strings(&c.cmd_bytes(&[b"KEYS", b"*"]))
        .into_iter()
        .map(|k| {
            let value = c.cmd_bytes(&[b"GET", &k]);
            (String::from_utf8(k).unwrap(), String::from_utf8_lossy(&value).into_owned())
        })
        .collect();
    keys.sort();
    node.stop();
    keys
}

/// The SET commands of a RESP dump, as (key, value) pairs.
fn dumped(resp: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = resp.split("\r\n").collect();
    let mut pairs = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if *line == "SET" {
            pairs.push((
                lines[i + 2].to_string(),
                format!("${}\r\n{}\r\n", lines[i + 4].len(), lines[i + 4]),
            ));
        }
    }
    pairs.sort();
    pairs
}

#[test]
fn damage_the_snapshot_holds_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    // The snapshot at 5 holds k1..k5; the first live segment began at 3 (records written
    // between the journal's roll and the snapshot's instant), then goes on after it.
    write_snapshot(&data, 5, &["k1", "k2", "k3", "k4", "k5"]);
    Manifest { snapshot_seq: 5, first_segment_seq: 3 }.write(&data).unwrap();
    let offsets = write_segment(&data, 3, &[(0, "k3"), (0, "k4"), (0, "k5"), (0, "a6"), (0, "a7")]);
    write_segment(&data, 8, &[(0, "a8"), (0, "a9")]);
    let first = data.join(segment_file_name(3));
    flip(&first, offsets[1] + 20);

    let mut node = spawn_node(&data, &[]);
    assert!(node.ready().is_err(), "the server must refuse the damaged record");
    let d = data.to_str().unwrap();
    let verify = tool(&["verify", d]);
    assert_eq!(verify.code, 1, "{}", verify.stdout);
    assert!(verify.stdout.contains(&format!("offset {} seq 4", offsets[1])), "{}", verify.stdout);
    let before = tool(&["dump", d]);
    let repair = tool(&["repair", d, "--backup", dir.path().join("backup").to_str().unwrap()]);
    assert_eq!(repair.code, 0, "{}{}", repair.stdout, repair.stderr);
    assert!(repair.stdout.contains("lost records: none"), "{}", repair.stdout);
    assert!(repair.stdout.contains("lost or possibly changed keys: 0"), "{}", repair.stdout);
    assert!(data.join(segment_file_name(6)).exists(), "records 6 and 7 move to journal-6");
    assert!(!first.exists());
    assert!(dir.path().join("backup").join(segment_file_name(3)).exists());
    assert_eq!(tool(&["verify", d]).code, 0);
    let keys = server_keys(&data, &[], 0);
    let names: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["a6", "a7", "a8", "a9", "k1", "k2", "k3", "k4", "k5"]);
    assert_eq!(dumped(&before.stdout), keys, "dump before the repair predicted the state");
}

#[test]
fn manifest_past_the_snapshot_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    write_snapshot(&data, 5, &["k1", "k2"]);
    // Records 6 and 7 are missing: the MANIFEST says segments start at 8.
    Manifest { snapshot_seq: 5, first_segment_seq: 8 }.write(&data).unwrap();
    write_segment(&data, 8, &[(0, "a8"), (0, "a9")]);
    let d = data.to_str().unwrap();
    let verify = tool(&["verify", d]);
    assert_eq!(verify.code, 1, "{}", verify.stdout);
    assert!(verify
        .stdout
        .contains("segments start at sequence number 8 but the snapshot ends at 5"));
    let repair = tool(&["repair", d, "--backup", dir.path().join("backup").to_str().unwrap()]);
    assert_eq!(repair.code, 0, "{}{}", repair.stdout, repair.stderr);
    assert!(
        repair.stdout.contains("write MANIFEST: snapshot 5, segments from 6"),
        "{}",
        repair.stdout
    );
    assert!(repair.stdout.contains("  db=0 \"a8\"\n  db=0 \"a9\"\n"), "{}", repair.stdout);
    assert!(repair.stdout.contains("unknown: "), "the missing records are said: {}", repair.stdout);
    assert_eq!(tool(&["verify", d]).code, 0);
    let names: Vec<String> = server_keys(&data, &[], 0).into_iter().map(|(k, _)| k).collect();
    assert_eq!(names, ["k1", "k2"]);
}

#[test]
fn a_database_beyond_the_default_is_a_usage_error_not_damage() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    Manifest::EMPTY.write(&data).unwrap();
    write_segment(&data, 1, &[(0, "a"), (20, "far"), (0, "b")]);
    let d = data.to_str().unwrap();
    let before = std::fs::read(data.join(segment_file_name(1))).unwrap();
    for args in [vec!["repair", d], vec!["repair", "--dry-run", d], vec!["dump", d]] {
        let out = tool(&args);
        assert_eq!(out.code, 2, "{args:?}: {}{}", out.stdout, out.stderr);
        assert!(out.stderr.contains("--databases 21"), "{}", out.stderr);
    }
    assert_eq!(std::fs::read(data.join(segment_file_name(1))).unwrap(), before, "nothing cut");
    let repair = tool(&["repair", "--databases", "32", d]);
    assert_eq!(repair.code, 0, "{}", repair.stderr);
    assert!(repair.stdout.starts_with("nothing to repair"), "{}", repair.stdout);
    let dump = tool(&["dump", "--databases", "32", d]);
    assert_eq!(dump.code, 0);
    assert!(dump.stdout.contains("*2\r\n$6\r\nSELECT\r\n$2\r\n20\r\n"), "{}", dump.stdout);
    assert_eq!(
        server_keys(&data, &["--databases", "32"], 20),
        [("far".to_string(), "$9\r\nvalue:far\r\n".to_string())]
    );
}

#[test]
fn a_missing_snapshot_is_written_again_empty_and_said() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    Manifest { snapshot_seq: 5, first_segment_seq: 6 }.write(&data).unwrap();
    write_segment(&data, 6, &[(0, "a6")]);
    let d = data.to_str().unwrap();
    assert_eq!(tool(&["verify", d]).code, 1);
    let repair = tool(&["repair", d, "--backup", dir.path().join("backup").to_str().unwrap()]);
    assert_eq!(repair.code, 0, "{}{}", repair.stdout, repair.stderr);
    assert!(
        repair.stdout.contains("unknown: part of the snapshot cannot be read"),
        "{}",
        repair.stdout
    );
    assert_eq!(tool(&["verify", d]).code, 0);
    let names: Vec<String> = server_keys(&data, &[], 0).into_iter().map(|(k, _)| k).collect();
    assert_eq!(names, ["a6"]);
}

#[test]
fn a_snapshot_disagreeing_with_the_manifest_is_not_relabelled() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    write_snapshot(&data, 5, &["k1"]);
    std::fs::rename(data.join(snapshot_file_name(5)), data.join(snapshot_file_name(7))).unwrap();
    Manifest { snapshot_seq: 7, first_segment_seq: 8 }.write(&data).unwrap();
    write_segment(&data, 8, &[(0, "a8")]);
    let d = data.to_str().unwrap();
    let before = std::fs::read(data.join(snapshot_file_name(7))).unwrap();
    let repair = tool(&["repair", d]);
    assert_eq!(repair.code, 2, "{}{}", repair.stdout, repair.stderr);
    assert!(
        repair.stderr.contains("holds sequence number 5 but the MANIFEST names 7"),
        "{}",
        repair.stderr
    );
    assert_eq!(std::fs::read(data.join(snapshot_file_name(7))).unwrap(), before);
}

#[test]
fn an_existing_backup_directory_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    Manifest::EMPTY.write(&data).unwrap();
    let offsets = write_segment(&data, 1, &[(0, "a"), (0, "b"), (0, "c")]);
    flip(&data.join(segment_file_name(1)), offsets[1] + 20);
    let backup = dir.path().join("backup");
    std::fs::create_dir(&backup).unwrap();
    let before = std::fs::read(data.join(segment_file_name(1))).unwrap();
    let repair = tool(&["repair", data.to_str().unwrap(), "--backup", backup.to_str().unwrap()]);
    assert_eq!(repair.code, 2, "{}", repair.stdout);
    assert!(repair.stderr.contains("exists"), "{}", repair.stderr);
    assert_eq!(std::fs::read(data.join(segment_file_name(1))).unwrap(), before, "nothing changed");
}

#[test]
fn a_damaged_snapshot_header_costs_only_the_header() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    write_snapshot(&data, 5, &["k1", "k2", "k3"]);
    Manifest { snapshot_seq: 5, first_segment_seq: 6 }.write(&data).unwrap();
    write_segment(&data, 6, &[(0, "a6")]);
    flip(&data.join(snapshot_file_name(5)), 20);
    let d = data.to_str().unwrap();
    let verify = tool(&["verify", d]);
    assert_eq!(verify.code, 1);
    assert!(verify.stdout.contains("offset 0 seq 5: bad header"), "{}", verify.stdout);
    let repair = tool(&["repair", d, "--backup", dir.path().join("backup").to_str().unwrap()]);
    assert_eq!(repair.code, 0, "{}{}", repair.stdout, repair.stderr);
    assert!(repair.stdout.contains("lost or possibly changed keys: 0"), "{}", repair.stdout);
    assert!(!repair.stdout.contains("unknown:"), "{}", repair.stdout);
    assert_eq!(tool(&["verify", d]).code, 0);
    let names: Vec<String> = server_keys(&data, &[], 0).into_iter().map(|(k, _)| k).collect();
    assert_eq!(names, ["a6", "k1", "k2", "k3"]);
}
