//! HyperLogLog commands side by side with redis-server: the strings PFADD builds and changes
//! (sparse opcodes, the switch to dense, the cached count), every count, PFMERGE, PFDEBUG,
//! the errors for other types, non-HyperLogLog strings and damaged ones, COMMAND INFO; then
//! the bytes after a restart.
mod common;

use common::servers::{Kind, Server};
use common::*;

/// Sends the same command to both servers; returns both raw replies.
fn both(a: &mut RawClient, r: &mut RawClient, args: &[&[u8]]) -> (Vec<u8>, Vec<u8>) {
    (a.cmd_bytes(args), r.cmd_bytes(args))
}

/// Runs `args` on both and requires the same reply bytes.
fn same(a: &mut RawClient, r: &mut RawClient, args: &[&[u8]]) -> Vec<u8> {
    let (ours, theirs) = both(a, r, args);
    let shown: Vec<String> =
        args.iter().take(6).map(|w| String::from_utf8_lossy(w).into()).collect();
    assert_eq!(
        String::from_utf8_lossy(&ours),
        String::from_utf8_lossy(&theirs),
        "{shown:?} ({} arguments)",
        args.len()
    );
    ours
}

/// Elements `prefix0` .. `prefix{n-1}`.
fn elements(prefix: &str, n: usize) -> Vec<Vec<u8>> {
    (0..n).map(|i| format!("{prefix}{i}").into_bytes()).collect()
}

/// PFADD `key` with `items`, in calls of `per_call`, comparing each reply, then the string,
/// the count and the string again (now with the count cached).
fn add_and_compare(
    a: &mut RawClient,
    r: &mut RawClient,
    key: &[u8],
    items: &[Vec<u8>],
    per_call: usize,
) {
    for chunk in items.chunks(per_call) {
        let mut command: Vec<&[u8]> = vec![b"PFADD", key];
        command.extend(chunk.iter().map(Vec::as_slice));
        same(a, r, &command);
    }
    same(a, r, &[b"GET", key]);
    same(a, r, &[b"PFCOUNT", key]);
    same(a, r, &[b"GET", key]);
    same(a, r, &[b"PFDEBUG", b"ENCODING", key]);
}

#[test]
fn hyperloglogs_match_redis_server_byte_for_byte() {
    let redis = Server::start(Kind::Redis);
    let server = TestServer::start();
    for resp3 in [false, true] {
        let (mut a, mut r) = (server.raw(), RawClient::connect(redis.port));
        if resp3 {
            (a, r) = (a.resp3(), r.resp3());
        }
        let (a, r) = (&mut a, &mut r);
        same(a, r, &[b"FLUSHALL"]);
        // Empty, then small: sparse, one element at a time and many per call.
        same(a, r, &[b"PFADD", b"empty"]);
        same(a, r, &[b"GET", b"empty"]);
        same(a, r, &[b"PFCOUNT", b"empty"]);
        same(a, r, &[b"PFADD", b"empty"]);
        add_and_compare(a, r, b"small", &elements("s", 40), 1);
        add_and_compare(a, r, b"small", &elements("s", 40), 7);
        same(a, r, &[b"PFDEBUG", b"DECODE", b"small"]);
        // Growing through the sparse limit to dense, and far beyond.
        for (n, per_call) in [(300, 3), (1500, 50), (5000, 500), (60_000, 1000)] {
            add_and_compare(a, r, format!("grow{n}").as_bytes(), &elements("g", n), per_call);
        }
        same(a, r, &[b"PFDEBUG", b"DECODE", b"grow60000"]);
        same(a, r, &[b"OBJECT", b"ENCODING", b"grow60000"]);
        // A lower sparse limit promotes sooner.
        same(a, r, &[b"CONFIG", b"SET", b"hll-sparse-max-bytes", b"200"]);
        add_and_compare(a, r, b"early", &elements("e", 200), 10);
        same(a, r, &[b"CONFIG", b"SET", b"hll-sparse-max-bytes", b"3000"]);
        // Merges: sparse with sparse, with dense, into new and existing keys, missing sources.
        add_and_compare(a, r, b"other", &elements("o", 120), 20);
        let merges: &[&[&[u8]]] = &[
            &[b"PFMERGE", b"m1", b"small", b"other"],
            &[b"PFMERGE", b"m2", b"small", b"grow5000"],
            &[b"PFMERGE", b"small", b"other", b"nokey"],
            &[b"PFMERGE", b"m3"],
            &[b"PFMERGE", b"m4", b"nokey"],
            &[b"PFMERGE", b"grow300", b"grow1500", b"early"],
        ];
        for merge in merges {
            same(a, r, merge);
            same(a, r, &[b"GET", merge[1]]);
            same(a, r, &[b"PFCOUNT", merge[1]]);
            same(a, r, &[b"GET", merge[1]]);
        }
        same(a, r, &[b"PFCOUNT", b"small", b"other", b"grow60000", b"nokey"]);
        same(a, r, &[b"PFCOUNT", b"nokey", b"nokey2"]);
        same(a, r, &[b"PFCOUNT", b"nokey"]);
        // PFDEBUG: registers, conversion, errors.
        same(a, r, &[b"PFDEBUG", b"GETREG", b"other"]);
        same(a, r, &[b"PFDEBUG", b"TODENSE", b"m1"]);
        same(a, r, &[b"GET", b"m1"]);
        same(a, r, &[b"PFDEBUG", b"TODENSE", b"m1"]);
        same(a, r, &[b"PFDEBUG", b"DECODE", b"m1"]);
        same(a, r, &[b"PFDEBUG", b"NOSUCH", b"m1"]);
        same(a, r, &[b"PFDEBUG", b"ENCODING", b"nokey"]);
        same(a, r, &[b"PFDEBUG", b"ENCODING"]);
        // Other types and strings that are not HyperLogLogs.
        same(a, r, &[b"RPUSH", b"list", b"x"]);
        same(a, r, &[b"SET", b"text", b"hello"]);
        same(a, r, &[b"SET", b"number", b"12345"]);
        let mut short = same(a, r, &[b"GET", b"small"]);
        short.truncate(short.len() - 2);
        let sparse = bulk_payload(&short);
        let mut damaged = sparse.clone();
        damaged.push(0x00);
        let mut bad_encoding = sparse.clone();
        bad_encoding[4] = 7;
        same(a, r, &[b"SET", b"damaged", &damaged]);
        same(a, r, &[b"SET", b"badenc", &bad_encoding]);
        same(
            a,
            r,
            &[b"SET", b"shortdense", b"HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"],
        );
        // Every register at 63: an estimate past 2^63, which Redis caches and replies as
        // LLONG_MIN (llroundl's overflow).
        let mut saturated = b"HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80".to_vec();
        saturated.resize(16 + 12288, 0xff);
        same(a, r, &[b"SET", b"saturated", &saturated]);
        same(a, r, &[b"PFCOUNT", b"saturated"]);
        same(a, r, &[b"GET", b"saturated"]);
        same(a, r, &[b"PFCOUNT", b"saturated", b"small"]);
        // An empty memory value is 0, as Redis's memtoull reads it.
        same(a, r, &[b"CONFIG", b"SET", b"hll-sparse-max-bytes", b""]);
        same(a, r, &[b"CONFIG", b"GET", b"hll-sparse-max-bytes"]);
        same(a, r, &[b"CONFIG", b"SET", b"hll-sparse-max-bytes", b"3000"]);
        for key in [&b"list"[..], b"text", b"number", b"damaged", b"badenc", b"shortdense"] {
            same(a, r, &[b"PFADD", key, b"x"]);
            same(a, r, &[b"PFCOUNT", key]);
            same(a, r, &[b"PFCOUNT", key, b"small"]);
            same(a, r, &[b"PFMERGE", b"dst", key]);
            same(a, r, &[b"PFMERGE", key, b"small"]);
            same(a, r, &[b"PFDEBUG", b"ENCODING", key]);
            same(a, r, &[b"GET", key]);
        }
        same(a, r, &[b"EXISTS", b"dst"]);
        same(a, r, &[b"PFADD"]);
        same(a, r, &[b"PFCOUNT"]);
        same(a, r, &[b"PFMERGE"]);
        // A value restored from Redis's DUMP counts the same.
        same(a, r, &[b"TYPE", b"grow5000"]);
    }
}

/// The bytes of a RESP bulk string reply (`$n\r\n...`, final CRLF removed by the caller).
fn bulk_payload(reply: &[u8]) -> Vec<u8> {
    let start = reply.iter().position(|&b| b == b'\n').map_or(0, |i| i + 1);
    reply[start..].to_vec()
}

#[test]
fn hyperloglog_commands_are_described_as_redis_describes_them() {
    let redis = Server::start(Kind::Redis);
    let server = TestServer::start();
    let (mut a, mut r) = (server.raw(), RawClient::connect(redis.port));
    for name in ["pfadd", "pfcount", "pfmerge", "pfdebug", "pfselftest"] {
        same(&mut a, &mut r, &[b"COMMAND", b"INFO", name.as_bytes()]);
    }
    same(&mut a, &mut r, &[b"COMMAND", b"GETKEYSANDFLAGS", b"PFMERGE", b"d", b"s1", b"s2"]);
    same(&mut a, &mut r, &[b"PFSELFTEST"]);
}

#[test]
fn hyperloglogs_and_their_cached_counts_survive_a_restart() {
    let mut server = TestServer::start();
    let mut c = server.raw();
    for (key, n) in [("sparse", 50usize), ("dense", 20_000)] {
        for chunk in elements("x", n).chunks(500) {
            let mut command: Vec<&[u8]> = vec![b"PFADD", key.as_bytes()];
            command.extend(chunk.iter().map(Vec::as_slice));
            assert_eq!(c.cmd_bytes(&command), b":1\r\n", "{key}");
        }
    }
    c.cmd(&["PFMERGE", "merged", "sparse", "dense"]);
    // The cached count is part of the value: stored by PFCOUNT, journaled, restored.
    c.cmd(&["PFCOUNT", "sparse"]);
    let keys = ["sparse", "dense", "merged"];
    let before: Vec<Vec<u8>> = keys.iter().map(|k| c.cmd_bytes(&[b"GET", k.as_bytes()])).collect();
    let counts: Vec<String> = keys.iter().map(|k| c.cmd(&["PFCOUNT", k])).collect();
    server.restart();
    let mut c = server.raw();
    let after: Vec<Vec<u8>> = keys.iter().map(|k| c.cmd_bytes(&[b"GET", k.as_bytes()])).collect();
    assert_eq!(before[0], after[0], "sparse, with its cached count");
    assert_eq!(counts, keys.iter().map(|k| c.cmd(&["PFCOUNT", k])).collect::<Vec<_>>());
    let again: Vec<Vec<u8>> = keys.iter().map(|k| c.cmd_bytes(&[b"GET", k.as_bytes()])).collect();
    server.restart();
    let mut c = server.raw();
    let last: Vec<Vec<u8>> = keys.iter().map(|k| c.cmd_bytes(&[b"GET", k.as_bytes()])).collect();
    assert_eq!(again, last);
    assert_eq!(c.cmd(&["PFCOUNT", "sparse"]), counts[0]);
}

/// A sparse string whose last opcode is an XZERO cut after its first byte covers all 16,384
/// registers when read (the missing byte reads as 0, as past the end of Redis's string), so
/// counts and merges accept it; a PFADD that must rewrite that opcode is refused with
/// INVALIDOBJ and changes nothing (Redis writes past its string's end there).
#[test]
fn a_truncated_last_opcode_is_refused_not_written_past() {
    let server = TestServer::start();
    let mut c = server.raw();
    let mut value = b"HYLL\x01".to_vec();
    value.extend_from_slice(&[0; 11]);
    value.extend_from_slice(b"\x7f\xfe\x40");
    assert_eq!(c.cmd_bytes(&[b"SET", b"cut", &value]), b"+OK\r\n");
    assert_eq!(c.cmd(&["PFCOUNT", "cut"]), int(0));
    let before = c.cmd_bytes(&[b"GET", b"cut"]);
    let many = elements("e", 100_000);
    let mut command: Vec<&[u8]> = vec![b"PFADD", b"cut"];
    command.extend(many.iter().map(Vec::as_slice));
    assert_eq!(c.cmd_bytes(&command), b"-INVALIDOBJ Corrupted HLL object detected\r\n");
    assert_eq!(c.cmd_bytes(&[b"GET", b"cut"]), before);
    let mut command: Vec<&[u8]> = vec![b"PFADD", b"full"];
    command.extend(many.iter().map(Vec::as_slice));
    assert_eq!(c.cmd_bytes(&command), b":1\r\n");
    assert_eq!(c.cmd(&["PFMERGE", "cut", "full"]), OK);
    assert_eq!(c.cmd(&["PING"]), "+PONG\r\n");
}
