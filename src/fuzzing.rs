//! The bodies of the fuzz targets (fuzz/fuzz_targets/, docs/FUZZING.md). They live in the
//! library so that tests/fuzz_regressions.rs replays every checked-in corpus and crash input
//! on stable Rust in the normal test suite.
//!
//! Each takes any bytes. It panics only on a finding: a panic inside the server's code, or a
//! broken invariant, named in the panic message.
use std::sync::Arc;

use crate::journal::record::{check_record, decode_record_ref, decode_record_unchecked};
use crate::journal::replay::{apply, with_journal_value};
use crate::journal::snapshot::{encode_end, encode_entries, load_bytes, scan, SnapshotHeader};
use crate::journal::{encode_record, Value as JournalValue};
use crate::protocol::parser::Parsed;
use crate::protocol::{ParseLimits, Parser};
use crate::server::local::{in_memory_server, LocalClient};
use crate::server::Server;
use crate::store::zset::packed_limits;
use crate::store::Keyspace;

/// Databases of the keyspaces the targets build (fewer than the default keeps each run fast).
const DATABASES: usize = 4;
/// The clock replay runs at: deadlines before it have passed.
const NOW_MS: u64 = 1_700_000_000_000;
/// `proto-max-bulk-len` for the parser and command targets: Redis's smallest, so no input
/// makes the server allocate much.
const BULK_BYTES_MAX: u64 = 1024 * 1024;
/// Requests one input may hold (a bound on the work of one run).
const REQUESTS_MAX: usize = 512;
/// `client-output-buffer-limit` of the command target's server: a normal-class hard limit,
/// so a reply whose length a request chose (`SRANDMEMBER s -1000000000`) stops there and
/// closes its client, as it would a connection, instead of building gigabytes. Far above
/// any reply of the data one input can store (values are at most `BULK_BYTES_MAX`).
const OUTPUT_LIMIT: &str = "normal 64mb 0 0";

/// The request parser. The first byte picks the limits (bit 0 set: unauthenticated); the rest
/// is a client's byte stream. Checks that every command parsed re-encodes as a multibulk that
/// parses to the same arguments, and that no prefix of a complete request is anything but
/// incomplete (requests arrive in arbitrary pieces).
pub fn resp_request(data: &[u8]) {
    let Some((&flags, stream)) = data.split_first() else { return };
    let limits = ParseLimits { bulk_bytes_max: BULK_BYTES_MAX, authenticated: flags & 1 == 0 };
    let mut parser = Parser::new();
    let mut offset = 0usize;
    for _ in 0..REQUESTS_MAX {
        let rest = stream.get(offset..).unwrap_or(&[]);
        let consumed = match parser.parse(rest, limits) {
            Ok(Parsed::Command { consumed }) => {
                let args = parser.args(rest).to_vec();
                assert!(!args.is_empty(), "a command without arguments");
                check_reencoded(&args);
                consumed
            }
            Ok(Parsed::Nothing { consumed }) => consumed,
            Ok(Parsed::Incomplete { .. }) | Err(_) => return,
        };
        assert!(
            consumed > 0 && consumed <= rest.len(),
            "consumed {consumed} of {} bytes",
            rest.len()
        );
        check_prefixes_incomplete(rest, consumed, limits);
        offset += consumed;
    }
}

fn check_reencoded(args: &[Vec<u8>]) {
    let mut encoded = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        encoded.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        encoded.extend_from_slice(arg);
        encoded.extend_from_slice(b"\r\n");
    }
    let limits = ParseLimits { bulk_bytes_max: BULK_BYTES_MAX, authenticated: true };
    let mut parser = Parser::new();
    match parser.parse(&encoded, limits) {
        Ok(Parsed::Command { consumed }) => {
            assert_eq!(consumed, encoded.len(), "re-encoded command not consumed whole");
            assert_eq!(parser.args(&encoded).to_vec(), args, "re-encoded arguments differ");
        }
        other => panic!("re-encoded command parses as {other:?}"),
    }
}

/// Every prefix of a request `consumed` bytes long parses as incomplete (all of them for a
/// short request, an even sample of a long one).
fn check_prefixes_incomplete(rest: &[u8], consumed: usize, limits: ParseLimits) {
    let step = (consumed / 64).max(1);
    let mut parser = Parser::new();
    for len in (0..consumed).step_by(step) {
        let prefix = rest.get(..len).unwrap_or(&[]);
        match parser.parse(prefix, limits) {
            Ok(Parsed::Incomplete { .. }) => {}
            other => panic!(
                "a {len}-byte prefix of a {consumed}-byte request parses as {other:?}: {:?}",
                String::from_utf8_lossy(prefix)
            ),
        }
    }
}

/// The journal record decoder and replay. The first byte picks the mode: bit 0 clear, the
/// rest is a segment's records as they are; set, the rest is record payloads, each after a
/// length byte, framed with right lengths and CRCs so the payload decoder is reached. Checks
/// that the decoders agree, that each record re-encodes to the same effects, and that the
/// state replay builds survives a snapshot and a load unchanged.
pub fn journal_records(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else { return };
    let framed;
    let records = if flags & 1 == 0 {
        rest
    } else {
        framed = frame_records(rest);
        &framed
    };
    let keyspace = Keyspace::new(DATABASES);
    let mut offset = 0usize;
    while let Some(input) = records.get(offset..).filter(|r| !r.is_empty()) {
        let _ = decode_record_unchecked(input);
        let (record, used) = match decode_record_ref(input) {
            Ok(decoded) => decoded,
            Err(error) => {
                assert!(check_record(input).is_err(), "check_record accepts what fails: {error}");
                return;
            }
        };
        assert_eq!(check_record(input).ok(), Some((record.seq, used)), "check_record disagrees");
        assert!(used > 0 && used <= input.len());
        assert!(!record.effects.is_empty(), "a record without effects decodes");
        let mut encoded = Vec::new();
        encode_record(record.seq, &record.effects, &mut encoded);
        match decode_record_ref(&encoded) {
            Ok((again, _)) => assert_eq!(again.effects, record.effects, "re-encoded effects"),
            Err(error) => panic!("a re-encoded record does not decode: {error}"),
        }
        for effect in &record.effects {
            let _ = apply(&keyspace, effect, NOW_MS);
        }
        offset += used;
    }
    check_keyspace(&keyspace);
}

/// Record payloads, each preceded by its length byte in `input`, framed as records 1, 2, ...
fn frame_records(mut input: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut seq = 0u64;
    while let Some((&len, rest)) = input.split_first() {
        let (payload, after) = rest.split_at(usize::from(len).min(rest.len()));
        seq += 1;
        let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&crate::journal::record::record_crc(seq, payload).to_le_bytes());
        out.extend_from_slice(&seq.to_le_bytes());
        out.extend_from_slice(payload);
        input = after;
    }
    out
}

/// The snapshot decoder and loader. The first byte picks the mode: bit 0 clear, the rest is a
/// snapshot file as it is; set, the rest is block payloads, each after a two-byte length,
/// framed with a header, right lengths and CRCs and a matching end block, so the entry
/// decoder is reached. Checks that a loaded snapshot holds no more keys than it states and
/// survives a snapshot and a load unchanged.
pub fn snapshot_file(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else { return };
    let framed;
    let file = if flags & 1 == 0 {
        rest
    } else {
        framed = frame_snapshot(rest);
        &framed
    };
    let keyspace = Keyspace::new(DATABASES);
    if let Ok((_, entries)) = load_bytes(file, &keyspace, 1) {
        let keys: usize = keyspace.dbs().map(|db| db.len()).sum();
        assert!(keys as u64 <= entries, "{keys} keys loaded from {entries} entries");
        check_keyspace(&keyspace);
    }
}

/// Entries block payloads, each after its length (two bytes, little-endian) in `input`, as a
/// snapshot file with seq 1 and an end block that states what the blocks state.
fn frame_snapshot(mut input: &[u8]) -> Vec<u8> {
    let mut out = SnapshotHeader { seq: 1 }.encode().to_vec();
    let mut blocks = 0u64;
    while input.len() >= 2 {
        let len = usize::from(u16::from_le_bytes([input[0], input[1]]));
        let rest = &input[2..];
        let (payload, after) = rest.split_at(len.min(rest.len()));
        let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
        out.extend_from_slice(payload);
        blocks += 1;
        input = after;
    }
    // The entry count the blocks state, as the end block must repeat it.
    let mut probe = out.clone();
    encode_end(blocks, 0, 1, &mut probe);
    let entries =
        scan(&probe).map_or(0, |layout| layout.blocks.iter().map(|b| u64::from(b.count)).sum());
    encode_end(blocks, entries, 1, &mut out);
    out
}

/// Command execution: the input is commands, one per line, arguments separated by spaces,
/// run by one client of an in-memory server (a second client's turn comes at a line that is
/// just `>`). Checks that every reply is well-formed RESP, that no empty collection is left
/// in the keyspace, and that the keyspace survives a snapshot and a load unchanged.
pub fn commands(data: &[u8]) {
    let databases = DATABASES.to_string();
    let args = [
        "allydb",
        "--databases",
        &databases,
        "--proto-max-bulk-len",
        "1mb",
        "--client-output-buffer-limit",
        OUTPUT_LIMIT,
        // DEBUG stays reachable (its sleep does not sleep here: see docs/FUZZING.md).
        "--enable-debug-command",
        "yes",
    ];
    let server = match in_memory_server(&args) {
        Ok(server) => server,
        Err(error) => panic!("in-memory server: {error}"),
    };
    // Commands may spawn tasks (timers, lazy frees) and use tokio's time: give them a runtime.
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => panic!("runtime: {error}"),
    };
    let _entered = runtime.enter();
    run_script(&server, data);
    check_keyspace(&server.keyspace);
}

fn run_script(server: &Arc<Server>, data: &[u8]) {
    let mut clients = [LocalClient::new(server), LocalClient::new(server)];
    let mut current = 0usize;
    for line in data.split(|&b| b == b'\n').take(REQUESTS_MAX) {
        if line == b">" {
            current = 1 - current;
            continue;
        }
        let args: Vec<&[u8]> = line.split(|&b| b == b' ').filter(|a| !a.is_empty()).collect();
        if args.is_empty() {
            continue;
        }
        let client = &mut clients[current];
        if client.is_closed() {
            continue;
        }
        let mut request = format!("*{}\r\n", args.len()).into_bytes();
        for arg in &args {
            request.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
            request.extend_from_slice(arg);
            request.extend_from_slice(b"\r\n");
        }
        client.send(&request);
        let output = client.take_output();
        if let Err(error) = check_resp_frames(&output) {
            panic!(
                "malformed reply to {:?}: {error}: {:?}",
                String::from_utf8_lossy(line),
                String::from_utf8_lossy(&output)
            );
        }
    }
}

/// Checks that `bytes` is a sequence of whole, well-formed RESP2/RESP3 frames.
pub fn check_resp_frames(bytes: &[u8]) -> Result<(), String> {
    let mut at = 0usize;
    // Elements still owed by the aggregates being read, innermost last.
    let mut owed: Vec<u64> = Vec::new();
    while at < bytes.len() || !owed.is_empty() {
        let line_end = bytes
            .get(at..)
            .and_then(|rest| rest.windows(2).position(|w| w == b"\r\n"))
            .ok_or_else(|| format!("offset {at}: no line end"))?;
        let line = &bytes[at..at + line_end];
        at += line_end + 2;
        let (&kind, body) = line.split_first().ok_or_else(|| format!("offset {at}: empty line"))?;
        let number = || -> Result<i64, String> {
            std::str::from_utf8(body)
                .ok()
                .and_then(|t| t.parse::<i64>().ok())
                .ok_or_else(|| format!("bad number {:?}", String::from_utf8_lossy(body)))
        };
        let mut children = 0u64;
        match kind {
            b'+' | b'-' | b'_' | b',' | b'#' | b'(' => {
                if body.contains(&b'\r') || body.contains(&b'\n') {
                    return Err("a simple line holds CR or LF".into());
                }
            }
            b':' => {
                number()?;
            }
            b'$' | b'=' | b'!' => {
                let len = number()?;
                if len >= 0 {
                    let len = len as usize;
                    let end = at.checked_add(len).filter(|&e| e + 2 <= bytes.len());
                    let end = end.ok_or("a bulk runs past the output")?;
                    if &bytes[end..end + 2] != b"\r\n" {
                        return Err("a bulk is not followed by CRLF".into());
                    }
                    at = end + 2;
                } else if len != -1 || kind != b'$' {
                    return Err(format!("bulk length {len}"));
                }
            }
            b'*' | b'~' | b'>' => {
                let len = number()?;
                if len > 0 {
                    children = len as u64;
                } else if len < -1 || (len == -1 && kind != b'*') {
                    return Err(format!("aggregate length {len}"));
                }
            }
            b'%' | b'|' => {
                let len = number()?;
                if len < 0 {
                    return Err(format!("map length {len}"));
                }
                children = (len as u64) * 2;
            }
            other => return Err(format!("unknown frame type {:?}", char::from(other))),
        }
        // This frame is one element of the innermost open aggregate (attributes are not).
        if kind != b'|' {
            while let Some(last) = owed.last_mut() {
                *last -= 1;
                if *last > 0 {
                    break;
                }
                owed.pop();
            }
        }
        if children > 0 {
            owed.push(children);
        }
        if at >= bytes.len() && !owed.is_empty() {
            return Err("the output ends inside an aggregate".into());
        }
    }
    Ok(())
}

/// The invariants of any keyspace: no empty collection is stored, and a snapshot of it loads
/// back as the same keys, deadlines and values.
fn check_keyspace(keyspace: &Keyspace) {
    let mut snapshot = SnapshotHeader { seq: 1 }.encode().to_vec();
    let (mut blocks, mut entries) = (0u64, 0u64);
    let before = image(keyspace);
    for (index, db) in keyspace.dbs().enumerate() {
        for shard in 0..db.shard_count() {
            let Some(shard) = db.lock_index(shard) else { continue };
            for entry in shard.iter() {
                assert!(
                    !entry.value.is_empty_collection(),
                    "an empty {} is stored under {:?}",
                    entry.value.type_name(),
                    String::from_utf8_lossy(&entry.key)
                );
            }
            let db_index = u32::try_from(index).unwrap_or(u32::MAX);
            match encode_entries(db_index, shard.iter(), &mut snapshot) {
                Ok((b, e)) => (blocks, entries) = (blocks + b, entries + e),
                Err(error) => panic!("snapshot: {error}"),
            }
        }
    }
    encode_end(blocks, entries, 1, &mut snapshot);
    let loaded = Keyspace::new(keyspace.db_count());
    if let Err(error) = load_bytes(&snapshot, &loaded, 1) {
        panic!("a snapshot of the keyspace does not load: {error}");
    }
    assert_eq!(image(&loaded), before, "the keyspace changed through a snapshot and a load");
}

/// A stored value with unordered collections sorted, for comparing two keyspaces.
#[derive(Debug, PartialEq)]
enum Normalized {
    String(Vec<u8>),
    List(Vec<Vec<u8>>),
    Hash(Vec<(Vec<u8>, Vec<u8>)>),
    Set(Vec<Vec<u8>>),
    ZSet(Vec<(Vec<u8>, u64)>),
}

/// Every entry of `keyspace` as (database, key, deadline, value), sorted.
fn image(keyspace: &Keyspace) -> Vec<(usize, Vec<u8>, u64, Normalized)> {
    let mut all = Vec::new();
    for (index, db) in keyspace.dbs().enumerate() {
        for shard in 0..db.shard_count() {
            let Some(shard) = db.lock_index(shard) else { continue };
            for entry in shard.iter() {
                let value = with_journal_value(&entry.value, normalize);
                all.push((index, entry.key.to_vec(), entry.expires_at_ms, value));
            }
        }
    }
    all.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    all
}

fn normalize(value: JournalValue<&[u8]>) -> Normalized {
    let owned = |items: Vec<&[u8]>| items.into_iter().map(<[u8]>::to_vec).collect::<Vec<_>>();
    match value {
        JournalValue::String(bytes) => Normalized::String(bytes.to_vec()),
        JournalValue::List(items) => Normalized::List(owned(items)),
        JournalValue::Set(items) => {
            let mut items = owned(items);
            items.sort();
            Normalized::Set(items)
        }
        JournalValue::Hash(pairs) => {
            let mut pairs: Vec<_> =
                pairs.into_iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect();
            pairs.sort();
            Normalized::Hash(pairs)
        }
        JournalValue::ZSet(pairs) => {
            // A set within the listpack limits loads packed, and a listpack turns -0 into 0
            // as Redis's does: a skip list shrunk by ZREM to that size may hold a -0 that
            // legitimately comes back as 0. A larger set keeps it.
            let (value_max, entries_max) = packed_limits();
            let packs =
                pairs.len() <= entries_max && pairs.iter().all(|(_, m)| m.len() <= value_max);
            let pairs =
                pairs.into_iter().map(|(score, m)| (if packs { score + 0.0 } else { score }, m));
            let mut pairs: Vec<_> = pairs.map(|(score, m)| (m.to_vec(), score.to_bits())).collect();
            pairs.sort();
            Normalized::ZSet(pairs)
        }
    }
}

/// RESTORE's payload decoder (`store::rdb`). The first byte is a flag: bit 0 set, the rest is
/// a payload body that the target completes with RDB version 11 and a correct CRC-64, so that
/// mutations reach the value decoder; clear, the rest is a whole payload. Checks: no panic;
/// a payload that decodes holds no empty collection, builds a value, and that value's own
/// DUMP (in the encoding it got) decodes to the same elements.
pub fn rdb_payload(data: &[u8]) {
    use crate::store::rdb;
    let Some((&flags, rest)) = data.split_first() else { return };
    let mut payload = rest.to_vec();
    if flags & 1 == 1 {
        payload.extend_from_slice(&rdb::RDB_VERSION.to_le_bytes());
        let crc = rdb::crc64(0, &payload);
        payload.extend_from_slice(&crc.to_le_bytes());
    }
    let Ok(decoded) = rdb::restore(&payload, BULK_BYTES_MAX as usize) else { return };
    let value = crate::journal::replay::stored(&decoded);
    let encoding = value.encoding_name();
    let (again, first) = with_journal_value(&value, |journal_value| {
        let again = rdb::restore(&rdb::dump(&journal_value, encoding), usize::MAX);
        (again, normalized(&journal_value))
    });
    let again = again.unwrap_or_else(|e| panic!("a value's own DUMP does not restore: {e:?}"));
    let again = with_journal_value(&crate::journal::replay::stored(&again), |v| normalized(&v));
    assert_eq!(first, again, "DUMP and RESTORE changed the value");
}

/// A value's elements in a canonical order (sets and hashes have none of their own).
fn normalized(value: &JournalValue<&[u8]>) -> (u8, Vec<Vec<u8>>) {
    let (kind, mut items): (u8, Vec<Vec<u8>>) = match value {
        JournalValue::String(bytes) => (0, vec![bytes.to_vec()]),
        JournalValue::List(items) => (1, items.iter().map(|i| i.to_vec()).collect()),
        JournalValue::Hash(pairs) => {
            (2, pairs.iter().map(|(f, v)| [*f, b"\0", *v].concat()).collect())
        }
        JournalValue::Set(members) => (3, members.iter().map(|m| m.to_vec()).collect()),
        JournalValue::ZSet(entries) => {
            (4, entries.iter().map(|(s, m)| [&s.to_bits().to_le_bytes()[..], m].concat()).collect())
        }
    };
    if matches!(kind, 2 | 3) {
        items.sort_unstable();
    }
    (kind, items)
}
