//! Snapshots on disk: a restart loads the snapshot and the journal tail after it; a damaged,
//! cut or missing snapshot refuses to start naming file and offset, never serving a state
//! with a hole; leftovers of an interrupted compaction are removed at start.
mod common;

use std::path::{Path, PathBuf};

use common::*;

/// Writes keys of every type in several databases, SAVEs, writes a tail after the snapshot,
/// stops (SIGTERM: the journal is far below auto-aof-rewrite-min-size, so no compaction on
/// the way out). Returns the expected replies of `probe`.
fn saved_dataset(data: &Path) -> Vec<String> {
    let mut node = spawn_node(data, &["--appendfsync", "always"]);
    node.ready().unwrap();
    let mut c = node.client();
    for i in 0..2000 {
        let key = format!("s{i}");
        assert_eq!(c.cmd(&["SET", &key, &format!("value-{i}")]), "+OK\r\n");
    }
    assert_eq!(c.cmd(&["SET", "ttl", "x", "PX", "3600000"]), "+OK\r\n");
    assert_eq!(c.cmd(&["RPUSH", "list", "a", "b", "c"]), int(3));
    assert_eq!(c.cmd(&["HSET", "hash", "f", "v", "g", "w"]), int(2));
    assert_eq!(c.cmd(&["SELECT", "3"]), "+OK\r\n");
    assert_eq!(c.cmd(&["SADD", "set", "1", "2", "x"]), int(3));
    assert_eq!(c.cmd(&["ZADD", "zset", "1.5", "m", "-inf", "n"]), int(2));
    assert_eq!(c.cmd(&["SAVE"]), "+OK\r\n");
    // The tail: records after the snapshot's sequence number.
    assert_eq!(c.cmd(&["RPUSH", "tail-list", "t"]), int(1));
    assert_eq!(c.cmd(&["SELECT", "0"]), "+OK\r\n");
    assert_eq!(c.cmd(&["DEL", "s0"]), int(1));
    let expected = probe(&mut c);
    node.stop();
    expected
}

fn probe(c: &mut RawClient) -> Vec<String> {
    let mut out = Vec::new();
    out.push(c.cmd(&["SELECT", "0"]));
    for args in [
        &["DBSIZE"][..],
        &["GET", "s0"],
        &["GET", "s1999"],
        &["LRANGE", "list", "0", "-1"],
        &["HGETALL", "hash"],
        &["OBJECT", "ENCODING", "hash"],
    ] {
        out.push(c.cmd(args));
    }
    let ttl = c.cmd(&["PTTL", "ttl"]);
    let ms: i64 = ttl.trim_start_matches(':').trim().parse().unwrap();
    out.push(format!("ttl>{}", ms > 3_000_000));
    out.push(c.cmd(&["SELECT", "3"]));
    for args in [
        &["DBSIZE"][..],
        &["SMEMBERS", "set"],
        &["ZRANGE", "zset", "0", "-1", "WITHSCORES"],
        &["LRANGE", "tail-list", "0", "-1"],
    ] {
        out.push(c.cmd(args));
    }
    out
}

fn snapshot_of(data: &Path) -> PathBuf {
    let mut snapshots: Vec<PathBuf> = std::fs::read_dir(data)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "snap"))
        .collect();
    assert_eq!(snapshots.len(), 1, "{snapshots:?}");
    snapshots.remove(0)
}

/// Starts on `data` and returns the log of a refused start.
fn refused(data: &Path) -> String {
    let mut node = spawn_node(data, &[]);
    let code = node.ready().expect_err("started from a damaged snapshot");
    assert_eq!(code, 1);
    node.log()
}

#[test]
fn restart_loads_snapshot_then_tail() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let expected = saved_dataset(&data);
    let mut node = spawn_node(&data, &[]);
    node.ready().unwrap_or_else(|code| panic!("exit {code}: {}", node.log()));
    assert!(node.log().contains("snapshot at seq"), "{}", node.log());
    assert_eq!(probe(&mut node.client()), expected);
}

#[test]
fn damaged_snapshots_refuse_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("original");
    saved_dataset(&original);
    let snapshot = snapshot_of(&original);
    let name = snapshot.file_name().unwrap().to_owned();
    let size = std::fs::metadata(&snapshot).unwrap().len() as usize;

    // A flipped byte in the header, in an entries block, in the end block.
    for (case, at) in [(0, 20), (1, size / 2), (2, size - 3)] {
        let data = dir.path().join(format!("flip{case}"));
        copy_dir(&original, &data);
        let mut bytes = std::fs::read(data.join(&name)).unwrap();
        bytes[at] ^= 0x20;
        std::fs::write(data.join(&name), &bytes).unwrap();
        let log = refused(&data);
        assert!(log.contains(&format!("{}: damaged snapshot", name.to_string_lossy())), "{log}");
        assert!(log.contains("offset "), "{log}");
        assert!(log.contains("refusing to start"), "{log}");
    }

    // Cut short, or bytes appended.
    let data = dir.path().join("cut");
    copy_dir(&original, &data);
    let bytes = std::fs::read(data.join(&name)).unwrap();
    std::fs::write(data.join(&name), &bytes[..bytes.len() - 10]).unwrap();
    assert!(refused(&data).contains("damaged snapshot"));
    let data = dir.path().join("longer");
    copy_dir(&original, &data);
    let mut bytes = std::fs::read(data.join(&name)).unwrap();
    bytes.extend_from_slice(b"extra");
    std::fs::write(data.join(&name), &bytes).unwrap();
    assert!(refused(&data).contains("bytes after the end block"));

    // Missing: the MANIFEST names it.
    let data = dir.path().join("missing");
    copy_dir(&original, &data);
    std::fs::remove_file(data.join(&name)).unwrap();
    let log = refused(&data);
    assert!(log.contains("the MANIFEST names this snapshot, but it cannot be read"), "{log}");

    // No MANIFEST beside a snapshot: which data is live is unknown.
    let data = dir.path().join("no-manifest");
    copy_dir(&original, &data);
    std::fs::remove_file(data.join("MANIFEST")).unwrap();
    let log = refused(&data);
    assert!(log.contains("MANIFEST is missing but"), "{log}");
    assert!(data.join(&name).exists(), "the snapshot must be kept");

    // Too few databases for what it holds.
    let data = dir.path().join("databases");
    copy_dir(&original, &data);
    let mut node = spawn_node(&data, &["--databases", "2"]);
    assert_eq!(node.ready().expect_err("started with too few databases"), 1);
    assert!(node.log().contains("start it with --databases 4 or more"), "{}", node.log());
}

#[test]
fn leftovers_of_an_interrupted_compaction_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let expected = saved_dataset(&data);
    let snapshot = snapshot_of(&data);
    // An older snapshot the MANIFEST no longer names, a half-written one, a MANIFEST.tmp.
    std::fs::write(data.join("snapshot-00000000000000000001.snap"), b"stale").unwrap();
    std::fs::write(data.join("snapshot-00000000000009999999.snap.tmp"), b"partial").unwrap();
    std::fs::write(data.join("MANIFEST.tmp"), b"partial").unwrap();
    let mut node = spawn_node(&data, &[]);
    node.ready().unwrap_or_else(|code| panic!("exit {code}: {}", node.log()));
    assert_eq!(probe(&mut node.client()), expected);
    let mut names: Vec<String> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".log"))
        .collect();
    names.sort();
    let kept = snapshot.file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(names, ["LOCK", "MANIFEST", "REPLICATION", kept.as_str()]);
    assert!(node.log().contains("left by an interrupted compaction"), "{}", node.log());
}

/// A power cut can take the unsynced end of the segment the snapshot's records are in. The
/// snapshot holds their effects: the server starts, writes new records to a new segment
/// (never after the shorter one's last record), and starts again after that.
#[test]
fn a_segment_ending_before_the_snapshot_is_covered_by_it() {
    let dir = tempfile::tempdir().unwrap();
    let before = dir.path().join("before");
    let data = dir.path().join("data");
    let mut node = spawn_node(&before, &["--appendfsync", "always"]);
    node.ready().unwrap();
    let mut c = node.client();
    for i in 0..300 {
        assert_eq!(c.cmd(&["RPUSH", "list", &format!("e{i}")]), int(i + 1));
    }
    node.stop();
    // The same journal, then a snapshot of its end.
    copy_dir(&before, &data);
    let mut node = spawn_node(&data, &[]);
    node.ready().unwrap();
    assert_eq!(node.client().cmd(&["SAVE"]), "+OK\r\n");
    node.stop();
    let snapshot = snapshot_of(&data);
    let seq: u64 = snapshot.file_stem().unwrap().to_str().unwrap()[9..].parse().unwrap();
    // The pre-snapshot segment, cut in the middle (as a power cut leaves it), becomes the
    // first live segment again.
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "log") {
            std::fs::remove_file(path).unwrap();
        }
    }
    let segment = std::fs::read_dir(&before)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "log"))
        .unwrap();
    let bytes = std::fs::read(&segment).unwrap();
    std::fs::write(data.join(segment.file_name().unwrap()), &bytes[..bytes.len() / 2]).unwrap();
    let manifest = allydb::journal::Manifest { snapshot_seq: seq, first_segment_seq: 1 };
    manifest.write(&data).unwrap();

    for round in 0..2 {
        let mut node = spawn_node(&data, &[]);
        node.ready().unwrap_or_else(|code| panic!("round {round}: exit {code}: {}", node.log()));
        let mut c = node.client();
        assert_eq!(c.cmd(&["LLEN", "list"]), int(300 + round));
        assert_eq!(c.cmd(&["RPUSH", "list", "after"]), int(301 + round));
        node.stop();
    }
}
