//! Bitmap commands against the real binary, comparing reply bytes with Redis 7.2's.
//! WRONGTYPE cases wait for the first non-string type; every handler already checks the type.
mod common;

use common::*;

fn arity(name: &str) -> String {
    err(&format!("ERR wrong number of arguments for '{name}' command"))
}

const NOT_INTEGER: &str = "-ERR value is not an integer or out of range\r\n";
const SYNTAX: &str = "-ERR syntax error\r\n";
const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
const BAD_OFFSET: &str = "-ERR bit offset is not an integer or out of range\r\n";
const BAD_TYPE: &str = "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n";

/// Stores raw bytes at `key`.
fn set_bytes(c: &mut RawClient, key: &str, value: &[u8]) {
    assert_eq!(c.cmd_bytes(&[b"SET", key.as_bytes(), value]), OK.as_bytes());
}

/// A RESP2 array of integers.
fn ints(values: &[i64]) -> String {
    let mut out = format!("*{}\r\n", values.len());
    for v in values {
        out.push_str(&int(*v));
    }
    out
}

#[test]
fn setbit_and_getbit() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SETBIT", "b", "7", "1"]), int(0));
    assert_eq!(c.cmd(&["SETBIT", "b", "7", "0"]), int(1));
    assert_eq!(c.cmd(&["SETBIT", "b", "7", "1"]), int(0));
    assert_eq!(c.cmd(&["GET", "b"]), "$1\r\n\x01\r\n");
    assert_eq!(c.cmd(&["GETBIT", "b", "7"]), int(1));
    assert_eq!(c.cmd(&["GETBIT", "b", "6"]), int(0));
    assert_eq!(c.cmd(&["GETBIT", "b", "100000"]), int(0));
    assert_eq!(c.cmd(&["GETBIT", "nokey", "0"]), int(0));
    assert_eq!(c.cmd(&["SETBIT", "b", "100", "1"]), int(0));
    assert_eq!(c.cmd(&["STRLEN", "b"]), int(13));
    // Integer-encoded strings are bits of their decimal text ("1" is 0x31).
    assert_eq!(c.cmd(&["SET", "n", "12"]), OK);
    assert_eq!(c.cmd(&["GETBIT", "n", "2"]), int(1));
    assert_eq!(c.cmd(&["GETBIT", "n", "4"]), int(0));
    assert_eq!(c.cmd(&["SETBIT", "n", "0", "1"]), int(0));
    assert_eq!(c.cmd_bytes(&[b"GET", b"n"]), b"$2\r\n\xb12\r\n");
    assert_eq!(c.cmd(&["SETEX", "t", "100", "a"]), OK);
    assert_eq!(c.cmd(&["SETBIT", "t", "0", "1"]), int(0));
    assert_eq!(c.cmd(&["TTL", "t"]), int(100));
}

#[test]
fn setbit_and_getbit_errors() {
    let server = TestServer::start();
    let mut c = server.raw();
    let bad_bit = err("ERR bit is not an integer or out of range");
    assert_eq!(c.cmd(&["SETBIT", "b", "-1", "1"]), BAD_OFFSET);
    assert_eq!(c.cmd(&["SETBIT", "b", "abc", "1"]), BAD_OFFSET);
    assert_eq!(c.cmd(&["SETBIT", "b", "4294967296", "1"]), BAD_OFFSET);
    assert_eq!(c.cmd(&["GETBIT", "b", "4294967296"]), BAD_OFFSET);
    assert_eq!(c.cmd(&["GETBIT", "b", "-1"]), BAD_OFFSET);
    assert_eq!(c.cmd(&["SETBIT", "b", "1", "2"]), bad_bit);
    assert_eq!(c.cmd(&["SETBIT", "b", "1", "-1"]), bad_bit);
    assert_eq!(c.cmd(&["SETBIT", "b", "1", "x"]), bad_bit);
    assert_eq!(c.cmd(&["EXISTS", "b"]), int(0));
    assert_eq!(c.cmd(&["SETBIT", "b", "1"]), arity("setbit"));
    assert_eq!(c.cmd(&["GETBIT", "b"]), arity("getbit"));
}

#[test]
fn bit_offsets_are_bounded_by_proto_max_bulk_len() {
    let server = TestServer::start_with(&["--proto-max-bulk-len", "1mb"]);
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SETBIT", "b", "8388608", "1"]), BAD_OFFSET);
    assert_eq!(c.cmd(&["EXISTS", "b"]), int(0));
    assert_eq!(c.cmd(&["SETBIT", "b", "8388607", "1"]), int(0));
    assert_eq!(c.cmd(&["STRLEN", "b"]), int(1048576));
    assert_eq!(c.cmd(&["BITFIELD", "f", "SET", "u8", "#1048576", "1"]), BAD_OFFSET);
    assert_eq!(c.cmd(&["BITFIELD", "f", "GET", "u8", "8388608"]), BAD_OFFSET);
    assert_eq!(c.cmd(&["EXISTS", "f"]), int(0));
    // As in Redis, only the offset is bounded: a field starting in the last allowed byte may
    // reach a few bytes past it.
    assert_eq!(c.cmd(&["BITFIELD", "f", "SET", "u32", "8388600", "1"]), ints(&[0]));
    assert_eq!(c.cmd(&["STRLEN", "f"]), int(1048579));
}

#[test]
fn bitcount_bytes_and_bits() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SET", "foobar", "foobar"]), OK);
    let cases: &[(&[&str], i64)] = &[
        (&[], 26),
        (&["0", "0"], 4),
        (&["1", "1"], 6),
        (&["1", "1", "BYTE"], 6),
        (&["5", "30", "BIT"], 17),
        (&["0", "-1", "bit"], 26),
        (&["-3", "-1", "BIT"], 1),
        (&["-1", "-3"], 0),
        (&["-100", "100"], 26),
        (&["0", "-100"], 4),
        (&["3", "1"], 0),
        (&["7", "8", "bit"], 0),
        (&["1", "2", "bit"], 2),
        (&["47", "47", "bit"], 0),
        (&["-9223372036854775808", "9223372036854775807", "bit"], 26),
    ];
    for (range, expected) in cases {
        let mut command = vec!["BITCOUNT", "foobar"];
        command.extend_from_slice(range);
        assert_eq!(c.cmd(&command), int(*expected), "{range:?}");
    }
    assert_eq!(c.cmd(&["BITCOUNT", "nokey"]), int(0));
    assert_eq!(c.cmd(&["BITCOUNT", "nokey", "0", "-1", "BIT"]), int(0));
    set_bytes(&mut c, "empty", b"");
    assert_eq!(c.cmd(&["BITCOUNT", "empty"]), int(0));
}

/// Redis 7.2 looks the key up before it reads the range (Redis 8 reads the range first): a
/// missing key counts 0 and another type is WRONGTYPE, whatever follows.
#[test]
fn bitcount_looks_the_key_up_before_the_range_as_redis_7_2() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SET", "k", "foobar"]), OK);
    assert_eq!(c.cmd(&["BITCOUNT", "k", "0"]), SYNTAX);
    assert_eq!(c.cmd(&["BITCOUNT", "k", "0", "1", "FOO"]), SYNTAX);
    assert_eq!(c.cmd(&["BITCOUNT", "k", "0", "1", "BIT", "x"]), SYNTAX);
    assert_eq!(c.cmd(&["BITCOUNT", "k", "a", "1"]), NOT_INTEGER);
    for range in [&["0"][..], &["0", "x"], &["a", "b"], &["0", "1", "FOO"]] {
        let mut command = vec!["BITCOUNT", "nokey"];
        command.extend_from_slice(range);
        assert_eq!(c.cmd(&command), int(0), "{range:?}");
        assert_eq!(c.cmd(&["RPUSH", "list", "a"]), int(1));
        command[1] = "list";
        assert_eq!(c.cmd(&command), WRONGTYPE, "{range:?}");
        assert_eq!(c.cmd(&["DEL", "list"]), int(1));
    }
    assert_eq!(c.cmd(&["BITCOUNT"]), arity("bitcount"));
}

#[test]
fn bitpos_finds_set_and_clear_bits() {
    let server = TestServer::start();
    let mut c = server.raw();
    set_bytes(&mut c, "k", b"\xff\xf0\x00");
    assert_eq!(c.cmd(&["BITPOS", "k", "0"]), int(12));
    set_bytes(&mut c, "k", b"\x00\xff\xf0");
    assert_eq!(c.cmd(&["BITPOS", "k", "1", "0"]), int(8));
    assert_eq!(c.cmd(&["BITPOS", "k", "1", "2"]), int(16));
    assert_eq!(c.cmd(&["BITPOS", "k", "1", "2", "-1", "BYTE"]), int(16));
    assert_eq!(c.cmd(&["BITPOS", "k", "1", "7", "15", "BIT"]), int(8));
    assert_eq!(c.cmd(&["BITPOS", "k", "1", "7", "-3", "BIT"]), int(8));
    set_bytes(&mut c, "zeros", b"\x00\x00\x00");
    assert_eq!(c.cmd(&["BITPOS", "zeros", "1"]), int(-1));
    assert_eq!(c.cmd(&["BITPOS", "zeros", "0", "1", "2"]), int(8));
    // All ones: with no end the string counts as padded with zeros; with an end it does not.
    set_bytes(&mut c, "ones", b"\xff\xff\xff");
    assert_eq!(c.cmd(&["BITPOS", "ones", "0"]), int(24));
    assert_eq!(c.cmd(&["BITPOS", "ones", "0", "1"]), int(24));
    assert_eq!(c.cmd(&["BITPOS", "ones", "0", "0", "-1"]), int(-1));
    assert_eq!(c.cmd(&["BITPOS", "ones", "0", "3", "10", "BIT"]), int(-1));
    assert_eq!(c.cmd(&["BITPOS", "ones", "1", "5", "5", "BIT"]), int(5));
    set_bytes(&mut c, "mix", b"\xf0\x0f\xaa");
    let cases: &[(&str, &str, &str, i64)] = &[
        ("0", "2", "13", 4),
        ("1", "5", "11", -1),
        ("1", "5", "12", 12),
        ("0", "12", "15", -1),
        ("1", "17", "17", -1),
        ("1", "18", "18", 18),
        ("1", "-5", "-1", 20),
        ("0", "-5", "-1", 19),
        ("0", "1", "0", -1),
    ];
    for (bit, start, end, expected) in cases {
        let got = c.cmd(&["BITPOS", "mix", bit, start, end, "BIT"]);
        assert_eq!(got, int(*expected), "{bit} {start} {end}");
    }
    assert_eq!(c.cmd(&["BITPOS", "mix", "1", "100"]), int(-1));
    assert_eq!(c.cmd(&["BITPOS", "nokey", "1"]), int(-1));
    assert_eq!(c.cmd(&["BITPOS", "nokey", "0", "1", "2", "BIT"]), int(0));
    set_bytes(&mut c, "empty", b"");
    assert_eq!(c.cmd(&["BITPOS", "empty", "0"]), int(-1));
}

#[test]
fn bitpos_errors() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SET", "k", "abc"]), OK);
    let bad_bit = err("ERR The bit argument must be 1 or 0.");
    assert_eq!(c.cmd(&["BITPOS", "k", "2"]), bad_bit);
    assert_eq!(c.cmd(&["BITPOS", "nokey", "-1"]), bad_bit);
    assert_eq!(c.cmd(&["BITPOS", "k", "a"]), NOT_INTEGER);
    assert_eq!(c.cmd(&["BITPOS", "k", "1", "a"]), NOT_INTEGER);
    assert_eq!(c.cmd(&["BITPOS", "k", "1", "0", "a"]), NOT_INTEGER);
    assert_eq!(c.cmd(&["BITPOS", "k", "1", "0", "1", "FOO"]), SYNTAX);
    assert_eq!(c.cmd(&["BITPOS", "k", "1", "0", "1", "BIT", "x"]), SYNTAX);
    assert_eq!(c.cmd(&["BITPOS", "k"]), arity("bitpos"));
    // Redis 7.2: the bit, then the key, then the range (Redis 8 reads the range first).
    assert_eq!(c.cmd(&["BITPOS", "nokey", "1", "0", "1", "FOO"]), int(-1));
    assert_eq!(c.cmd(&["BITPOS", "nokey", "0", "a"]), int(0));
    assert_eq!(c.cmd(&["BITPOS", "nokey", "a"]), NOT_INTEGER);
    assert_eq!(c.cmd(&["RPUSH", "list", "a"]), int(1));
    assert_eq!(c.cmd(&["BITPOS", "list", "1", "a", "b"]), WRONGTYPE);
    assert_eq!(c.cmd(&["BITPOS", "list", "a"]), NOT_INTEGER);
}

#[test]
fn bitop_combines_and_stores() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SET", "k1", "foobar"]), OK);
    assert_eq!(c.cmd(&["SET", "k2", "abcdef"]), OK);
    assert_eq!(c.cmd(&["BITOP", "AND", "dest", "k1", "k2"]), int(6));
    assert_eq!(c.cmd(&["GET", "dest"]), bulk("`bc`ab"));
    assert_eq!(c.cmd(&["BITOP", "or", "dest", "k1", "k2"]), int(6));
    assert_eq!(c.cmd(&["GET", "dest"]), bulk("goofev"));
    assert_eq!(c.cmd_bytes(&[b"BITOP", b"XOR", b"dest", b"k1", b"k2"]), int(6).as_bytes());
    assert_eq!(c.cmd_bytes(&[b"GET", b"dest"]), b"$6\r\n\x07\x0d\x0c\x06\x04\x14\r\n");
    assert_eq!(c.cmd_bytes(&[b"BITOP", b"NOT", b"dest", b"k1"]), int(6).as_bytes());
    assert_eq!(c.cmd_bytes(&[b"GET", b"dest"]), b"$6\r\n\x99\x90\x90\x9d\x9e\x8d\r\n");
    // Shorter and missing sources count as zeros.
    assert_eq!(c.cmd(&["SET", "short", "ab"]), OK);
    assert_eq!(c.cmd(&["BITOP", "OR", "dest", "short", "k1"]), int(6));
    assert_eq!(c.cmd(&["GET", "dest"]), bulk("goobar"));
    assert_eq!(c.cmd_bytes(&[b"BITOP", b"AND", b"dest", b"nokey", b"k1"]), int(6).as_bytes());
    assert_eq!(c.cmd_bytes(&[b"GET", b"dest"]), b"$6\r\n\0\0\0\0\0\0\r\n");
    // An empty result deletes the destination.
    assert_eq!(c.cmd(&["BITOP", "AND", "dest", "nokey", "nokey2"]), int(0));
    assert_eq!(c.cmd(&["EXISTS", "dest"]), int(0));
    // The destination may be a source; its TTL is dropped.
    assert_eq!(c.cmd(&["SETEX", "t", "100", "a"]), OK);
    assert_eq!(c.cmd(&["BITOP", "OR", "t", "t", "short"]), int(2));
    assert_eq!(c.cmd(&["GET", "t"]), bulk("ab"));
    assert_eq!(c.cmd(&["TTL", "t"]), int(-1));
}

#[test]
fn bitop_memory_does_not_grow_with_repeated_sources() {
    // Naming one 1 MiB key 300 times must not copy it 300 times: the sources are read in
    // place, so the transient memory is the result's size, as in Redis.
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SETRANGE", "big", "1048575", "x"]), int(1_048_576));
    let before_kib = server.peak_rss_kib();
    let mut command = vec!["BITOP", "OR", "dest"];
    command.extend(std::iter::repeat_n("big", 300));
    assert_eq!(c.cmd(&command), int(1_048_576));
    assert_eq!(c.cmd(&["GETRANGE", "dest", "1048574", "-1"]), bulk("\0x"));
    let grown_kib = server.peak_rss_kib().saturating_sub(before_kib);
    assert!(grown_kib < 64 * 1024, "BITOP peak memory grew by {grown_kib} KiB");
}

#[test]
fn bitop_errors() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(
        c.cmd(&["BITOP", "NOT", "dest", "k1", "k2"]),
        err("ERR BITOP NOT must be called with a single source key.")
    );
    assert_eq!(c.cmd(&["BITOP", "FOO", "dest", "k1"]), SYNTAX);
    assert_eq!(c.cmd(&["BITOP", "AND", "dest"]), arity("bitop"));
    assert_eq!(c.cmd(&["BITOP"]), arity("bitop"));
}

#[test]
fn bitfield_get_set_incrby_with_overflow_modes() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(
        c.cmd(&["BITFIELD", "bf", "SET", "i8", "0", "100", "GET", "i8", "0"]),
        ints(&[0, 100])
    );
    assert_eq!(c.cmd(&["BITFIELD", "bf", "INCRBY", "i8", "0", "100"]), ints(&[-56]));
    assert_eq!(
        c.cmd(&["BITFIELD", "bf", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "-100"]),
        ints(&[-128])
    );
    assert_eq!(
        c.cmd(&["BITFIELD", "bf", "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "-1"]),
        "*1\r\n$-1\r\n"
    );
    assert_eq!(
        c.cmd(&["BITFIELD", "bf", "OVERFLOW", "WRAP", "INCRBY", "i8", "0", "-1"]),
        ints(&[127])
    );
    assert_eq!(
        c.cmd(&[
            "BITFIELD", "bf", "GET", "u8", "0", "GET", "i4", "0", "GET", "u4", "4", "GET", "u1",
            "0"
        ]),
        ints(&[127, 7, 15, 0])
    );
    assert_eq!(
        c.cmd(&["BITFIELD", "bf", "SET", "u8", "#1", "255", "GET", "u8", "#1", "GET", "u16", "0"]),
        ints(&[0, 255, 32767])
    );
    let saturating = [
        "BITFIELD", "bf", "INCRBY", "u2", "100", "1", "OVERFLOW", "SAT", "INCRBY", "u2", "102", "1",
    ];
    assert_eq!(c.cmd(&saturating), ints(&[1, 1]));
    assert_eq!(c.cmd(&saturating), ints(&[2, 2]));
    assert_eq!(c.cmd(&saturating), ints(&[3, 3]));
    assert_eq!(c.cmd(&saturating), ints(&[0, 3]));
    assert_eq!(
        c.cmd(&[
            "BITFIELD", "bf", "OVERFLOW", "SAT", "SET", "u8", "0", "-1", "SET", "u8", "0", "256",
            "SET", "i8", "0", "-200"
        ]),
        ints(&[127, 255, -1])
    );
    assert_eq!(
        c.cmd(&[
            "BITFIELD", "bf", "OVERFLOW", "WRAP", "SET", "u8", "0", "-1", "SET", "u8", "0", "256",
            "SET", "i8", "0", "-200"
        ]),
        ints(&[128, 255, 0])
    );
    assert_eq!(
        c.cmd(&[
            "BITFIELD", "bf", "OVERFLOW", "FAIL", "SET", "u8", "0", "-1", "SET", "i8", "0", "-200",
            "GET", "i8", "0"
        ]),
        "*3\r\n$-1\r\n$-1\r\n:56\r\n"
    );
    let mut c3 = server.raw().resp3();
    assert_eq!(
        c3.cmd(&["BITFIELD", "bf", "OVERFLOW", "FAIL", "SET", "u8", "0", "-1"]),
        "*1\r\n_\r\n"
    );
}

#[test]
fn bitfield_64_bit_fields() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(
        c.cmd(&[
            "BITFIELD", "bf", "SET", "i64", "0", "-1", "GET", "i64", "0", "GET", "u63", "0", "GET",
            "u63", "1"
        ]),
        ints(&[0, -1, i64::MAX, i64::MAX])
    );
    assert_eq!(
        c.cmd(&[
            "BITFIELD",
            "bf",
            "SET",
            "i64",
            "0",
            "9223372036854775807",
            "INCRBY",
            "i64",
            "0",
            "1"
        ]),
        ints(&[-1, i64::MIN])
    );
    assert_eq!(
        c.cmd(&[
            "BITFIELD",
            "bf",
            "OVERFLOW",
            "SAT",
            "INCRBY",
            "i64",
            "0",
            "-1",
            "SET",
            "i64",
            "0",
            "9223372036854775807",
            "INCRBY",
            "i64",
            "0",
            "1"
        ]),
        ints(&[i64::MIN, i64::MIN, i64::MAX])
    );
    assert_eq!(
        c.cmd(&[
            "BITFIELD",
            "bf",
            "OVERFLOW",
            "WRAP",
            "INCRBY",
            "u63",
            "0",
            "9223372036854775807",
            "INCRBY",
            "u63",
            "0",
            "1"
        ]),
        ints(&[4611686018427387902, 4611686018427387903])
    );
    assert_eq!(
        c.cmd(&[
            "BITFIELD",
            "bf",
            "SET",
            "u63",
            "0",
            "9223372036854775807",
            "OVERFLOW",
            "FAIL",
            "INCRBY",
            "u63",
            "0",
            "1"
        ]),
        "*2\r\n:4611686018427387903\r\n$-1\r\n"
    );
    assert_eq!(c.cmd(&["BITFIELD", "bf", "INCRBY", "u63", "0", "1"]), ints(&[0]));
}

#[test]
fn bitfield_reads_past_the_end_and_keeps_the_ttl() {
    let server = TestServer::start();
    let mut c = server.raw();
    set_bytes(&mut c, "fb", b"\x12\x34");
    assert_eq!(
        c.cmd(&["BITFIELD", "fb", "GET", "i64", "0", "GET", "u4", "12", "GET", "i3", "5"]),
        ints(&[0x1234 << 48, 4, 2])
    );
    assert_eq!(c.cmd(&["BITFIELD", "nokey", "GET", "i8", "0", "GET", "u32", "100"]), ints(&[0, 0]));
    assert_eq!(c.cmd(&["EXISTS", "nokey"]), int(0));
    assert_eq!(c.cmd(&["BITFIELD", "fb"]), "*0\r\n");
    assert_eq!(c.cmd(&["SET", "n", "1234"]), OK);
    assert_eq!(c.cmd(&["BITFIELD", "n", "GET", "u8", "0", "GET", "u16", "8"]), ints(&[49, 12851]));
    assert_eq!(c.cmd(&["BITFIELD", "n", "SET", "u8", "0", "65"]), ints(&[49]));
    assert_eq!(c.cmd(&["GET", "n"]), bulk("A234"));
    assert_eq!(c.cmd(&["SETEX", "t", "100", "x"]), OK);
    assert_eq!(c.cmd(&["BITFIELD", "t", "SET", "u8", "#3", "1"]), ints(&[0]));
    assert_eq!(c.cmd(&["TTL", "t"]), int(100));
    assert_eq!(c.cmd(&["STRLEN", "t"]), int(4));
}

#[test]
fn bitfield_errors() {
    let server = TestServer::start();
    let mut c = server.raw();
    for bad in ["u64", "i65", "i0", "I8", "x8", "u", "i-1"] {
        assert_eq!(c.cmd(&["BITFIELD", "bf", "GET", bad, "0"]), BAD_TYPE, "{bad}");
    }
    for bad in ["-1", "#-1", "##1", "abc", "4294967296", "#536870912"] {
        assert_eq!(c.cmd(&["BITFIELD", "bf", "GET", "i8", bad]), BAD_OFFSET, "{bad}");
    }
    assert_eq!(c.cmd(&["BITFIELD", "bf", "GET", "i8", "4294967295"]), ints(&[0]));
    assert_eq!(c.cmd(&["BITFIELD", "bf", "SET", "i8", "0", "abc"]), NOT_INTEGER);
    assert_eq!(c.cmd(&["BITFIELD", "bf", "INCRBY", "i8", "0", "1.5"]), NOT_INTEGER);
    assert_eq!(c.cmd(&["BITFIELD", "bf", "SET", "i8", "0"]), SYNTAX);
    assert_eq!(c.cmd(&["BITFIELD", "bf", "GET", "i8"]), SYNTAX);
    assert_eq!(c.cmd(&["BITFIELD", "bf", "FOO"]), SYNTAX);
    assert_eq!(c.cmd(&["BITFIELD", "bf", "OVERFLOW"]), SYNTAX);
    assert_eq!(
        c.cmd(&["BITFIELD", "bf", "OVERFLOW", "FOO"]),
        err("ERR Invalid OVERFLOW type specified")
    );
    // Parsing finishes before anything runs: an error later on writes nothing.
    assert_eq!(c.cmd(&["BITFIELD", "bf", "SET", "u8", "0", "1", "GET", "u64", "0"]), BAD_TYPE);
    assert_eq!(c.cmd(&["EXISTS", "bf"]), int(0));
    assert_eq!(c.cmd(&["BITFIELD"]), arity("bitfield"));
}

#[test]
fn bitfield_ro_only_reads() {
    let server = TestServer::start();
    let mut c = server.raw();
    set_bytes(&mut c, "bf", b"\x7f\x01");
    assert_eq!(
        c.cmd(&["BITFIELD_RO", "bf", "GET", "i8", "0", "GET", "u16", "0"]),
        ints(&[127, 32513])
    );
    assert_eq!(c.cmd(&["BITFIELD_RO", "bf", "OVERFLOW", "SAT", "GET", "i8", "0"]), ints(&[127]));
    assert_eq!(c.cmd(&["BITFIELD_RO", "nokey", "GET", "i8", "0"]), ints(&[0]));
    assert_eq!(c.cmd(&["BITFIELD_RO", "bf"]), "*0\r\n");
    let only_get = err("ERR BITFIELD_RO only supports the GET subcommand");
    assert_eq!(c.cmd(&["BITFIELD_RO", "bf", "SET", "i8", "0", "1"]), only_get);
    assert_eq!(c.cmd(&["BITFIELD_RO", "bf", "INCRBY", "i8", "0", "1"]), only_get);
    assert_eq!(c.cmd(&["BITFIELD_RO", "bf", "SET", "i8", "0", "x"]), NOT_INTEGER);
    assert_eq!(c.cmd(&["BITFIELD_RO"]), arity("bitfield_ro"));
}
