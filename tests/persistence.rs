//! The journal on disk: restart keeps acknowledged data, a torn tail is cut at every byte
//! offset, damage elsewhere refuses to start with a message naming file, offset and seq,
//! and two servers cannot share a directory.
mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;

fn aof_current_size(c: &mut RawClient) -> u64 {
    info_number(c, "persistence", "aof_current_size")
}

/// Writes k1..=k3 through a server and stops it; returns the end offset of each record.
fn three_records(data: &Path) -> Vec<u64> {
    let mut node = spawn_node(data, &[]);
    node.ready().unwrap();
    let mut c = node.client();
    let mut ends = Vec::new();
    for i in 1..=3 {
        assert_eq!(c.cmd(&["SET", &format!("k{i}"), &format!("value-{i}")]), OK);
        // The reply waited for the write; the file may run on with zeros written ahead, so
        // the records' end is what INFO reports.
        ends.push(aof_current_size(&mut c));
    }
    node.stop();
    ends
}

#[test]
fn restart_keeps_acknowledged_writes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut node = spawn_node(&data, &[]);
    node.ready().unwrap();
    let mut c = node.client();
    assert_eq!(c.cmd(&["SET", "a", "1"]), OK);
    assert_eq!(c.cmd(&["SELECT", "5"]), OK);
    assert_eq!(c.cmd(&["SET", "b", "in five", "PX", "600000"]), OK);
    node.stop();
    let mut node = spawn_node(&data, &[]);
    node.ready().unwrap();
    let mut c = node.client();
    assert_eq!(c.cmd(&["GET", "a"]), bulk("1"));
    assert_eq!(c.cmd(&["SELECT", "5"]), OK);
    assert_eq!(c.cmd(&["GET", "b"]), bulk("in five"));
    let ttl = c.cmd(&["PTTL", "b"]);
    let ms: i64 = ttl.trim_start_matches(':').trim().parse().unwrap();
    assert!((590_000..=600_000).contains(&ms), "{ttl}");
    assert!(node.log().contains("records in 1 segment(s) loaded"), "{}", node.log());
}

#[test]
fn appendonly_no_writes_no_journal() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut node = spawn_node(&data, &["--appendonly", "no"]);
    node.ready().unwrap();
    assert_eq!(node.client().cmd(&["SET", "a", "1"]), OK);
    node.stop();
    assert!(!data.exists());
}

#[test]
fn torn_tail_is_cut_at_every_offset_of_the_last_record() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let ends = three_records(&data);
    let (second_end, third_end) = (ends[1], ends[2]);
    let name = last_segment(&data).file_name().unwrap().to_owned();
    for cut in second_end..third_end {
        let copy = dir.path().join(format!("cut-{cut}"));
        copy_dir(&data, &copy);
        let file = std::fs::OpenOptions::new().write(true).open(copy.join(&name)).unwrap();
        file.set_len(cut).unwrap();
        drop(file);
        let mut node = spawn_node(&copy, &[]);
        node.ready().unwrap_or_else(|code| panic!("cut {cut}: exit {code}: {}", node.log()));
        let mut c = node.client();
        assert_eq!(c.cmd(&["GET", "k2"]), bulk("value-2"), "cut {cut}");
        assert_eq!(c.cmd(&["GET", "k3"]), NIL, "cut {cut}");
        if cut > second_end {
            let log = node.log();
            assert!(log.contains(&format!("torn record at offset {second_end}")), "{log}");
            assert!(log.contains(&format!("cut off {} bytes", cut - second_end)), "{log}");
        }
        // New writes continue the sequence after the cut.
        assert_eq!(c.cmd(&["SET", "k4", "after"]), OK);
        node.stop();
        let mut node = spawn_node(&copy, &[]);
        node.ready().unwrap();
        assert_eq!(node.client().cmd(&["GET", "k4"]), bulk("after"));
    }
}

#[test]
fn damage_before_the_tail_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let ends = three_records(&data);
    let name = last_segment(&data).file_name().unwrap().to_owned();
    let first_end = ends[0];
    // Flip one byte in each field of record 2 (length, CRC, seq, payload).
    for (field, offset) in [("len", 1), ("crc", 5), ("seq", 9), ("payload", 20)] {
        let copy = dir.path().join(format!("flip-{field}"));
        copy_dir(&data, &copy);
        let path = copy.join(&name);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[usize::try_from(first_end).unwrap() + offset] ^= 0x10;
        std::fs::write(&path, bytes).unwrap();
        let mut node = spawn_node(&copy, &[]);
        let code = node.ready().expect_err(&format!("{field}: started on a damaged journal"));
        assert_eq!(code, 1, "{field}");
        let log = node.log();
        assert!(log.contains(&name.to_string_lossy().to_string()), "{field}: {log}");
        assert!(log.contains(&format!("offset {first_end}")), "{field}: {log}");
        assert!(log.contains("refusing to start with a hole"), "{field}: {log}");
    }
}

#[test]
fn a_missing_segment_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    three_records(&data);
    let segment = last_segment(&data);
    std::fs::rename(&segment, data.join("journal-00000000000000000009.log")).unwrap();
    let mut node = spawn_node(&data, &[]);
    assert_eq!(node.ready(), Err(1));
    assert!(node.log().contains("sequence gap"), "{}", node.log());
}

#[test]
fn two_servers_cannot_share_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut first = spawn_node(&data, &[]);
    first.ready().unwrap();
    let mut second = spawn_node(&data, &[]);
    assert_eq!(second.ready(), Err(1));
    let log = second.log();
    assert!(log.contains(&format!("in use by process {}", first.child.id())), "{log}");
    first.stop();
}

#[test]
fn expiry_replays_in_order_with_later_changes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut node = spawn_node(&data, &[]);
    node.ready().unwrap();
    let mut c = node.client();
    // Expired, then re-created by APPEND: the expiry must replay before the append.
    assert_eq!(c.cmd(&["SET", "reborn", "old", "PX", "100"]), OK);
    // Extended before it expired: must survive a restart after the first deadline.
    assert_eq!(c.cmd(&["SET", "extended", "v", "PX", "1000"]), OK);
    let extended_at = std::time::Instant::now();
    assert_eq!(c.cmd(&["PEXPIRE", "extended", "600000"]), int(1));
    // Expired in the active cycle, untouched afterwards.
    assert_eq!(c.cmd(&["SET", "gone", "v", "PX", "50"]), OK);
    let before = last_seq(&mut c);
    // Each of the expirations (reborn, gone; extended was extended) is journaled as a
    // deletion, in order, before any later change to its key.
    let both = common::eventually(Duration::from_secs(10), || last_seq(&mut c) >= before + 2);
    assert!(both, "the active cycle journaled no deletion of reborn and gone");
    let first_deadline = extended_at + Duration::from_millis(1_100);
    std::thread::sleep(first_deadline.saturating_duration_since(std::time::Instant::now()));
    assert_eq!(last_seq(&mut c), before + 2);
    assert_eq!(c.cmd(&["APPEND", "reborn", "new"]), int(3));
    node.stop();
    let mut node = spawn_node(&data, &[]);
    node.ready().unwrap();
    let mut c = node.client();
    assert_eq!(c.cmd(&["GET", "reborn"]), bulk("new"));
    assert_eq!(c.cmd(&["PTTL", "reborn"]), int(-1));
    assert_eq!(c.cmd(&["GET", "extended"]), bulk("v"));
    assert_eq!(c.cmd(&["GET", "gone"]), NIL);
}

/// INFO persistence's journal_last_seq.
fn last_seq(c: &mut RawClient) -> u64 {
    let info = c.cmd(&["INFO", "persistence"]);
    info.lines()
        .find_map(|l| l.strip_prefix("journal_last_seq:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no journal_last_seq in {info}"))
}

#[test]
fn waitaof_waits_for_the_local_fsync() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // A long interval: without WAITAOF the write would not be synced for a minute.
    let mut node = spawn_node(&data, &["--persistence-interval", "60000"]);
    node.ready().unwrap();
    let mut c = node.client();
    assert_eq!(c.cmd(&["SET", "k", "v"]), OK);
    assert_eq!(c.cmd(&["WAITAOF", "1", "0", "0"]), "*2\r\n:1\r\n:0\r\n");
    assert_eq!(c.cmd(&["WAITAOF", "0", "0", "0"]), "*2\r\n:1\r\n:0\r\n");
    // No replicas exist: asking for one waits for the timeout, then reports 0 replicas.
    assert_eq!(c.cmd(&["WAITAOF", "0", "1", "50"]), "*2\r\n:1\r\n:0\r\n");
    assert_eq!(
        c.cmd(&["WAITAOF", "2", "0", "0"]),
        err("ERR value is out of range, value must between 0 and 1")
    );
    assert_eq!(c.cmd(&["WAITAOF", "1", "0", "-1"]), err("ERR timeout is negative"));
    assert_eq!(
        c.cmd(&["WAITAOF", "0", "-1", "0"]),
        err("ERR value is out of range, must be positive")
    );
    assert_eq!(
        c.cmd(&["WAITAOF", "1", "0", "x"]),
        err("ERR timeout is not an integer or out of range")
    );
    drop(node);
    let mut cache = spawn_node(&dir.path().join("cache"), &["--appendonly", "no"]);
    cache.ready().unwrap();
    assert_eq!(
        cache.client().cmd(&["WAITAOF", "1", "0", "0"]),
        err("ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled.")
    );
}

/// A WAITAOF for a replica without a timeout never ends by itself (there are none): the
/// client shows as blocked meanwhile, and CLIENT KILL or a disconnect frees its slot.
#[test]
fn an_endless_waitaof_ends_with_a_kill_or_a_disconnect() {
    let dir = tempfile::tempdir().unwrap();
    let mut node = spawn_node(&dir.path().join("data"), &[]);
    node.ready().unwrap();
    let mut c = node.client();
    let connected = |c: &mut RawClient| info_field(c, "clients", "connected_clients");
    let mut killed = node.client();
    let id = killed.cmd(&["CLIENT", "ID"]);
    let id = id.trim_start_matches(':').trim_end().to_string();
    killed.send_command(&[b"WAITAOF", b"0", b"1", b"0"]);
    let flags = |c: &mut RawClient| c.cmd(&["CLIENT", "LIST", "ID", &id]);
    assert!(eventually(Duration::from_secs(10), || flags(&mut c).contains(" flags=b ")));
    assert_eq!(c.cmd(&["CLIENT", "KILL", "ID", &id]), ":1\r\n");
    assert!(eventually(Duration::from_secs(10), || connected(&mut c) == "1"));
    // Uncounted at once; the connection itself closes too, without a reply.
    assert!(killed.is_closed());

    let mut gone = node.client();
    gone.send_command(&[b"WAITAOF", b"0", b"1", b"0"]);
    assert!(eventually(Duration::from_secs(10), || connected(&mut c) == "2"));
    drop(gone);
    assert!(eventually(Duration::from_secs(10), || connected(&mut c) == "1"));
}

/// Sends one command on a fresh connection; the reply's first line, or None when the server
/// closed the connection without replying.
fn try_command(port: u16, args: &[&str]) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let bytes: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    stream.write_all(&common::encode(&bytes)).unwrap();
    let mut reply = Vec::new();
    let mut chunk = [0u8; 256];
    while !reply.ends_with(b"\r\n") {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => reply.extend_from_slice(&chunk[..n]),
        }
    }
    (!reply.is_empty()).then(|| String::from_utf8_lossy(&reply).into_owned())
}

fn set_file_size_limit(pid: u32, limit: &str) {
    let status = Command::new("prlimit")
        .args(["--pid", &pid.to_string(), &format!("--fsize={limit}:")])
        .status()
        .expect("prlimit (util-linux) runs");
    assert!(status.success());
}

/// A journal write that fails (here past the process's file size limit, which fails exactly
/// as a full disk does) refuses writes with MISCONF while reads go on, never acknowledges
/// what it could not write, and recovers by itself once writes succeed again; memory and
/// journal still agree after a restart.
#[test]
fn a_failing_disk_refuses_writes_then_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut node = spawn_node(&data, &[]);
    node.ready().unwrap();
    let (port, pid) = (node.port, node.child.id());
    assert_eq!(node.client().cmd(&["SET", "before", "1"]), OK);
    // The limit is the segment's length once the journal thread has written zeros ahead of
    // the record: a lower one would also stop the server's log (a file too), and the test
    // could not read the error there.
    let deadline = Instant::now() + Duration::from_secs(20);
    let allocated = loop {
        let length = std::fs::metadata(last_segment(&data)).unwrap().len();
        if length >= allydb::journal::writer::PREPARED_AHEAD_BYTES / 2 {
            break length;
        }
        assert!(Instant::now() < deadline, "no zeros ahead of the record: {length} bytes");
        std::thread::sleep(Duration::from_millis(10));
    };
    set_file_size_limit(pid, &allocated.to_string());
    let value = "v".repeat(64 * 1024);
    let mut acknowledged = Vec::new();
    let mut misconf = None;
    for i in 0..100 {
        let key = format!("big{i}");
        match try_command(port, &["SET", &key, &value]) {
            Some(reply) if reply == OK => acknowledged.push(key),
            Some(reply) => {
                misconf = Some(reply);
                break;
            }
            None => {} // its batch failed: closed unanswered, never acknowledged
        }
    }
    let misconf = misconf.expect("writes past the limit were refused");
    assert_eq!(misconf, "-MISCONF Errors writing to the AOF file: File too large\r\n");
    let mut c = node.client();
    assert_eq!(c.cmd(&["GET", "before"]), bulk("1"), "reads go on");
    assert!(c.cmd(&["INFO", "persistence"]).contains("aof_last_write_status:err"));
    assert!(node.log().contains("Errors writing to the AOF file: File too large"));

    set_file_size_limit(pid, "unlimited");
    let deadline = Instant::now() + Duration::from_secs(20);
    while try_command(port, &["SET", "after", "2"]).as_deref() != Some(OK) {
        assert!(Instant::now() < deadline, "writes never resumed: {}", node.log());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(c.cmd(&["INFO", "persistence"]).contains("aof_last_write_status:ok"));
    assert!(node.log().contains("journal writes succeed again"));
    let keys_before = c.cmd(&["DBSIZE"]);
    node.stop();

    let mut node = spawn_node(&data, &[]);
    node.ready().unwrap();
    let mut c = node.client();
    assert_eq!(c.cmd(&["DBSIZE"]), keys_before, "memory and journal agree");
    for key in acknowledged.iter().map(String::as_str).chain(["before", "after"]) {
        assert_eq!(c.cmd(&["EXISTS", key]), ":1\r\n", "{key}");
    }
}

/// Asserts that the active segment of `data` ends near its records, 300 ms after a write:
/// the default writes its 4 MiB of zeros within milliseconds of the first record.
fn assert_no_zeros_ahead(data: &Path) {
    std::thread::sleep(Duration::from_millis(300));
    let length = std::fs::metadata(last_segment(data)).unwrap().len();
    assert!(length < 1024, "zeros were written ahead: {length} bytes");
}

/// `--journal-zeros-ahead` sets how much the journal thread writes past the records (CONFIG
/// GET shows it in bytes); 0 writes nothing there, so the segment ends at its last record.
#[test]
fn journal_zeros_ahead_is_a_setting() {
    let dir = tempfile::tempdir().unwrap();
    let mut node = spawn_node(&dir.path().join("default"), &[]);
    node.ready().unwrap();
    let zeros_ahead = |node: &Node| node.client().cmd(&["CONFIG", "GET", "journal-zeros-ahead"]);
    assert_eq!(zeros_ahead(&node), bulk_array(&["journal-zeros-ahead", "4194304"]));
    node.stop();

    let data = dir.path().join("none");
    let mut node = spawn_node(&data, &["--journal-zeros-ahead", "0"]);
    node.ready().unwrap();
    assert_eq!(zeros_ahead(&node), bulk_array(&["journal-zeros-ahead", "0"]));
    let mut c = node.client();
    assert_eq!(c.cmd(&["SET", "a", "1"]), OK);
    assert_eq!(c.cmd(&["SET", "b", "2"]), OK);
    assert_no_zeros_ahead(&data);
    node.stop();
    let mut node = spawn_node(&data, &["--journal-zeros-ahead", "0"]);
    node.ready().unwrap();
    assert_eq!(node.client().cmd(&["GET", "b"]), bulk("2"));
}

/// On tmpfs (and the copy-on-write filesystems) no zeros are written ahead of the records,
/// whatever `journal-zeros-ahead` says: they would only cost memory there. The setting still
/// shows what was configured. Needs /dev/shm on tmpfs, as Linux machines and containers have.
#[test]
fn no_zeros_are_written_ahead_on_tmpfs() {
    let shm = Path::new("/dev/shm");
    assert_eq!(
        allydb::journal::files::zeros_gain_nothing(shm),
        Some("tmpfs"),
        "this test needs /dev/shm on tmpfs"
    );
    assert_eq!(
        allydb::journal::files::zeros_gain_nothing(Path::new(env!("CARGO_MANIFEST_DIR"))),
        None
    );
    let dir = tempfile::tempdir_in(shm).unwrap();
    let data = dir.path().join("data");
    let mut node = spawn_node(&data, &[]);
    node.ready().unwrap();
    let mut c = node.client();
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "journal-zeros-ahead"]),
        bulk_array(&["journal-zeros-ahead", "4194304"])
    );
    assert_eq!(c.cmd(&["SET", "a", "1"]), OK);
    assert_no_zeros_ahead(&data);
    assert!(node.log().contains("is on tmpfs, where they gain nothing"), "{}", node.log());
    node.stop();
    let mut node = spawn_node(&data, &[]);
    node.ready().unwrap();
    assert_eq!(node.client().cmd(&["GET", "a"]), bulk("1"));
}

/// A version 1 segment (written before MANIFESTs existed): `SET hello world` as record 1.
fn version_1_journal(data: &Path) {
    use allydb::journal::{encode_record, Effect, SegmentHeader, Value};
    std::fs::create_dir_all(data).unwrap();
    let mut bytes = SegmentHeader { first_seq: 1 }.encode().to_vec();
    bytes[8..12].copy_from_slice(&1u32.to_le_bytes());
    let crc = crc32fast_hash(&bytes[..24]);
    bytes[24..28].copy_from_slice(&crc.to_le_bytes());
    let effect = Effect::Put {
        db: 0,
        key: &b"hello"[..],
        value: Value::String(&b"world"[..]),
        expires_at_ms: 0,
    };
    encode_record(1, &[effect], &mut bytes);
    std::fs::write(data.join("journal-00000000000000000001.log"), bytes).unwrap();
}

/// CRC-32/IEEE, bit by bit (the test does not depend on the server's crc32fast).
fn crc32fast_hash(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[test]
fn a_version_1_journal_loads_and_gets_a_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    version_1_journal(&data);
    let mut node = spawn_node(&data, &[]);
    node.ready().unwrap_or_else(|code| panic!("exit {code}: {}", node.log()));
    let mut c = node.client();
    assert_eq!(c.cmd(&["GET", "hello"]), bulk("world"));
    assert_eq!(c.cmd(&["SET", "next", "1"]), OK);
    node.stop();
    let manifest = std::fs::read(data.join("MANIFEST")).unwrap();
    assert_eq!(&manifest[..8], b"ALLYMANF");
    assert_eq!(&manifest[16..32], &[0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    let mut node = spawn_node(&data, &[]);
    node.ready().unwrap();
    assert_eq!(node.client().cmd(&["MGET", "hello", "next"]), bulk_array(&["world", "1"]));
}

#[test]
fn a_damaged_or_missing_manifest_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    three_records(&data);
    // An interrupted MANIFEST update leaves a temporary file: removed, the old one holds.
    std::fs::write(data.join("MANIFEST.tmp"), b"partial").unwrap();
    let mut node = spawn_node(&data, &[]);
    node.ready().unwrap_or_else(|code| panic!("exit {code}: {}", node.log()));
    assert_eq!(node.client().cmd(&["GET", "k3"]), bulk("value-3"));
    node.stop();
    assert!(!data.join("MANIFEST.tmp").exists());

    let manifest = std::fs::read(data.join("MANIFEST")).unwrap();
    let mut damaged = manifest.clone();
    damaged[20] ^= 1;
    std::fs::write(data.join("MANIFEST"), &damaged).unwrap();
    let mut node = spawn_node(&data, &[]);
    assert_eq!(node.ready().expect_err("started with a damaged MANIFEST"), 1);
    let log = node.log();
    assert!(log.contains("MANIFEST: damaged (CRC mismatch"), "{log}");

    // Without a MANIFEST, segments must start at sequence number 1.
    std::fs::remove_file(data.join("MANIFEST")).unwrap();
    let old = last_segment(&data);
    std::fs::rename(&old, data.join("journal-00000000000000000005.log")).unwrap();
    let mut node = spawn_node(&data, &[]);
    assert_eq!(node.ready().expect_err("started without the start of the journal"), 1);
    let log = node.log();
    assert!(log.contains("MANIFEST is missing and the oldest segment"), "{log}");
    assert!(log.contains("starts at sequence number 5, not 1"), "{log}");
}

/// While the journal replays, the server already accepts connections and answers `-LOADING`
/// to commands without Redis's `loading` flag (INFO has it and says loading:1); once replay
/// is done it serves the data.
#[test]
fn clients_get_loading_while_the_journal_replays() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    three_records(&data);
    // 0.7 s per record: about 2 s of loading.
    let mut node = spawn_node(&data, &["--key-load-delay", "700000"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", node.port)).is_err() {
        assert!(Instant::now() < deadline, "never listened: {}", node.log());
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut c = node.client();
    assert_eq!(c.cmd(&["GET", "k1"]), err("LOADING Redis is loading the dataset in memory"));
    assert_eq!(c.cmd(&["SET", "k9", "x"]), err("LOADING Redis is loading the dataset in memory"));
    assert!(c.cmd(&["INFO", "persistence"]).contains("\r\nloading:1\r\n"));
    assert!(!node.log().contains("Ready to accept connections"));
    node.ready().unwrap();
    assert_eq!(c.cmd(&["GET", "k1"]), bulk("value-1"));
    assert!(c.cmd(&["INFO", "persistence"]).contains("\r\nloading:0\r\n"));
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "key-load-delay"]),
        bulk_array(&["key-load-delay", "700000"])
    );
}

/// A compaction at the sequence number of the snapshot in force (nothing written since) keeps
/// that snapshot: it never writes a file of the same name, so no failure of its later steps
/// can remove the snapshot whose segments are gone (the next start would refuse: data lost).
#[test]
fn a_compaction_at_the_same_seq_keeps_the_snapshot_in_force() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut node = spawn_node(&data, &[]);
    node.ready().unwrap();
    let mut c = node.client();
    assert_eq!(c.cmd(&["RPUSH", "list", "a", "b"]), int(2));
    assert_eq!(c.cmd(&["SAVE"]), OK);
    node.stop();
    let snapshot_files = |data: &Path| {
        let mut found: Vec<(String, Vec<u8>)> = std::fs::read_dir(data)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "snap"))
            .map(|p| {
                (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap())
            })
            .collect();
        found.sort();
        found
    };
    let before = snapshot_files(&data);
    assert_eq!(before.len(), 1);
    for fault in ["snapshot-renamed:error", "directory-synced:error", "manifest-renamed"] {
        let mut node = spawn_node_with_env(&data, &[], &[("ALLYDB_FAULT", fault)]);
        node.ready().unwrap_or_else(|code| panic!("exit {code}: {}", node.log()));
        let mut c = node.client();
        assert_eq!(c.cmd(&["SAVE"]), OK);
        assert!(node.log().contains("nothing changed since the snapshot"), "{}", node.log());
        assert!(!node.log().contains("injected fault"), "{}", node.log());
        node.stop();
        assert_eq!(snapshot_files(&data), before);
    }
    let mut node = spawn_node(&data, &[]);
    node.ready().unwrap_or_else(|code| panic!("exit {code}: {}", node.log()));
    assert_eq!(node.client().cmd(&["LRANGE", "list", "0", "-1"]), bulk_array(&["a", "b"]));
    node.stop();
}
