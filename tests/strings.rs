//! String commands against the real binary, comparing reply bytes with Redis 7.2's.
//! WRONGTYPE cases wait for the first non-string type; every handler already checks the type.
mod common;

use common::*;

fn arity(name: &str) -> String {
    err(&format!("ERR wrong number of arguments for '{name}' command"))
}

const NOT_INTEGER: &str = "-ERR value is not an integer or out of range\r\n";
const SYNTAX: &str = "-ERR syntax error\r\n";
const EMPTY_BULK: &str = "$0\r\n\r\n";

#[test]
fn setnx_sets_only_missing_keys() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SETNX", "k", "v"]), int(1));
    assert_eq!(c.cmd(&["SETNX", "k", "w"]), int(0));
    assert_eq!(c.cmd(&["GET", "k"]), bulk("v"));
    assert_eq!(c.cmd(&["SETNX", "k"]), arity("setnx"));
    assert_eq!(c.cmd(&["SETNX", "k", "v", "x"]), arity("setnx"));
    assert_eq!(c.cmd(&["SETNX", "n", "12"]), int(1));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "n"]), bulk("int"));
}

#[test]
fn setex_and_psetex_set_a_ttl_and_check_it() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SETEX", "e", "100", "v"]), OK);
    assert_eq!(c.cmd(&["TTL", "e"]), int(100));
    assert_eq!(c.cmd(&["GET", "e"]), bulk("v"));
    assert_eq!(c.cmd(&["PSETEX", "p", "100000", "v"]), OK);
    assert_eq!(c.cmd(&["TTL", "p"]), int(100));
    assert_eq!(c.cmd(&["SETEX", "e", "0", "v"]), err("ERR invalid expire time in 'setex' command"));
    assert_eq!(
        c.cmd(&["SETEX", "e", "-1", "v"]),
        err("ERR invalid expire time in 'setex' command")
    );
    assert_eq!(
        c.cmd(&["SETEX", "e", "9223372036854775807", "v"]),
        err("ERR invalid expire time in 'setex' command")
    );
    assert_eq!(c.cmd(&["SETEX", "e", "abc", "v"]), NOT_INTEGER);
    assert_eq!(
        c.cmd(&["PSETEX", "p", "0", "v"]),
        err("ERR invalid expire time in 'psetex' command")
    );
    assert_eq!(
        c.cmd(&["PSETEX", "p", "9223372036854775807", "v"]),
        err("ERR invalid expire time in 'psetex' command")
    );
    assert_eq!(c.cmd(&["PSETEX", "p", "1.5", "v"]), NOT_INTEGER);
    assert_eq!(c.cmd(&["SETEX", "e", "10"]), arity("setex"));
    assert_eq!(c.cmd(&["PSETEX", "p"]), arity("psetex"));
    // The failed SETEX left the old value and TTL alone.
    assert_eq!(c.cmd(&["TTL", "e"]), int(100));
}

#[test]
fn getset_returns_the_old_value_and_clears_the_ttl() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["GETSET", "k", "a"]), NIL);
    assert_eq!(c.cmd(&["GETSET", "k", "b"]), bulk("a"));
    assert_eq!(c.cmd(&["GET", "k"]), bulk("b"));
    assert_eq!(c.cmd(&["SETEX", "t", "100", "v"]), OK);
    assert_eq!(c.cmd(&["GETSET", "t", "w"]), bulk("v"));
    assert_eq!(c.cmd(&["TTL", "t"]), int(-1));
    assert_eq!(c.cmd(&["GETSET", "k"]), arity("getset"));
    let mut c3 = server.raw().resp3();
    assert_eq!(c3.cmd(&["GETSET", "new3", "x"]), NULL3);
}

#[test]
fn getdel_returns_and_deletes() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SET", "k", "v"]), OK);
    assert_eq!(c.cmd(&["GETDEL", "k"]), bulk("v"));
    assert_eq!(c.cmd(&["EXISTS", "k"]), int(0));
    assert_eq!(c.cmd(&["GETDEL", "k"]), NIL);
    assert_eq!(c.cmd(&["SET", "n", "42"]), OK);
    assert_eq!(c.cmd(&["GETDEL", "n"]), bulk("42"));
    assert_eq!(c.cmd(&["GETDEL"]), arity("getdel"));
    assert_eq!(c.cmd(&["GETDEL", "a", "b"]), arity("getdel"));
    let mut c3 = server.raw().resp3();
    assert_eq!(c3.cmd(&["GETDEL", "k"]), NULL3);
}

#[test]
fn getex_changes_the_ttl_after_reading() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SET", "g", "v"]), OK);
    assert_eq!(c.cmd(&["GETEX", "g"]), bulk("v"));
    assert_eq!(c.cmd(&["TTL", "g"]), int(-1));
    assert_eq!(c.cmd(&["GETEX", "g", "EX", "100"]), bulk("v"));
    assert_eq!(c.cmd(&["TTL", "g"]), int(100));
    assert_eq!(c.cmd(&["GETEX", "g", "PERSIST"]), bulk("v"));
    assert_eq!(c.cmd(&["TTL", "g"]), int(-1));
    assert_eq!(c.cmd(&["GETEX", "g", "px", "100000"]), bulk("v"));
    assert_eq!(c.cmd(&["TTL", "g"]), int(100));
    assert_eq!(c.cmd(&["GETEX", "g", "PXAT", "99999999999999"]), bulk("v"));
    assert_eq!(c.cmd(&["PEXPIRETIME", "g"]), int(99999999999999));
    assert_eq!(c.cmd(&["GETEX", "g", "EX", "10", "EX", "20"]), bulk("v"));
    assert_eq!(c.cmd(&["TTL", "g"]), int(20));
    // A deadline in the past deletes the key once its value is returned.
    assert_eq!(c.cmd(&["GETEX", "g", "EXAT", "1"]), bulk("v"));
    assert_eq!(c.cmd(&["EXISTS", "g"]), int(0));
    assert_eq!(c.cmd(&["GETEX", "g"]), NIL);
}

#[test]
fn getex_errors_follow_redis_order() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SET", "g", "v"]), OK);
    assert_eq!(
        c.cmd(&["GETEX", "g", "EX", "0"]),
        err("ERR invalid expire time in 'getex' command")
    );
    assert_eq!(
        c.cmd(&["GETEX", "g", "EX", "9223372036854775807"]),
        err("ERR invalid expire time in 'getex' command")
    );
    assert_eq!(c.cmd(&["GETEX", "g", "EX", "abc"]), NOT_INTEGER);
    for bad in [
        &["GETEX", "g", "EX"][..],
        &["GETEX", "g", "EX", "1", "PX", "1"],
        &["GETEX", "g", "NX"],
        &["GETEX", "g", "KEEPTTL"],
        &["GETEX", "g", "GET"],
        &["GETEX", "g", "FOO"],
        &["GETEX", "nokey", "FOO"],
    ] {
        assert_eq!(c.cmd(bad), SYNTAX, "{bad:?}");
    }
    // A missing key is reported before the expire value is checked.
    assert_eq!(c.cmd(&["GETEX", "nokey", "EX", "abc"]), NIL);
    assert_eq!(c.cmd(&["GETEX"]), arity("getex"));
    let mut c3 = server.raw().resp3();
    assert_eq!(c3.cmd(&["GETEX", "nokey", "PERSIST"]), NULL3);
}

#[test]
fn msetnx_is_all_or_nothing() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["MSETNX", "a", "1", "b", "2"]), int(1));
    assert_eq!(c.cmd(&["MSETNX", "a", "9", "c", "3"]), int(0));
    assert_eq!(c.cmd(&["MGET", "a", "b", "c"]), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n");
    assert_eq!(c.cmd(&["MSETNX", "x", "1", "x", "2"]), int(1));
    assert_eq!(c.cmd(&["GET", "x"]), bulk("2"));
    assert_eq!(c.cmd(&["MSETNX", "a"]), arity("msetnx"));
    assert_eq!(c.cmd(&["MSETNX", "a", "1", "b"]), arity("msetnx"));
}

#[test]
fn append_creates_extends_and_keeps_the_ttl() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["APPEND", "ap", "hello"]), int(5));
    assert_eq!(c.cmd(&["APPEND", "ap", " world"]), int(11));
    assert_eq!(c.cmd(&["GET", "ap"]), bulk("hello world"));
    assert_eq!(c.cmd(&["APPEND", "num", "12"]), int(2));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "num"]), bulk("int"));
    assert_eq!(c.cmd(&["APPEND", "num", "34"]), int(4));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "num"]), bulk("raw"));
    assert_eq!(c.cmd(&["INCR", "num"]), int(1235));
    assert_eq!(c.cmd(&["SETEX", "t", "100", "v"]), OK);
    assert_eq!(c.cmd(&["APPEND", "t", "x"]), int(2));
    assert_eq!(c.cmd(&["TTL", "t"]), int(100));
    assert_eq!(c.cmd(&["APPEND", "e", ""]), int(0));
    assert_eq!(c.cmd(&["GET", "e"]), EMPTY_BULK);
    assert_eq!(c.cmd(&["APPEND", "a"]), arity("append"));
}

#[test]
fn strlen_counts_bytes_of_any_encoding() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SET", "s", "hello world"]), OK);
    assert_eq!(c.cmd(&["STRLEN", "s"]), int(11));
    assert_eq!(c.cmd(&["SET", "n", "-12345"]), OK);
    assert_eq!(c.cmd(&["STRLEN", "n"]), int(6));
    assert_eq!(c.cmd(&["STRLEN", "nokey"]), int(0));
    assert_eq!(c.cmd(&["STRLEN"]), arity("strlen"));
}

#[test]
fn getrange_and_substr_clamp_like_redis() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SET", "s", "This is a string"]), OK);
    let cases: &[(&str, &str, &str)] = &[
        ("0", "3", "This"),
        ("-3", "-1", "ing"),
        ("0", "-1", "This is a string"),
        ("10", "100", "string"),
        ("-1", "-5", ""),
        ("5", "3", ""),
        ("-100", "-50", "T"),
        ("-100", "2", "Thi"),
        ("0", "9223372036854775807", "This is a string"),
        ("-9223372036854775808", "-1", "This is a string"),
        ("16", "20", ""),
    ];
    for (start, end, expected) in cases {
        assert_eq!(c.cmd(&["GETRANGE", "s", start, end]), bulk(expected), "{start} {end}");
        assert_eq!(c.cmd(&["SUBSTR", "s", start, end]), bulk(expected), "{start} {end}");
    }
    assert_eq!(c.cmd(&["SET", "n", "12345"]), OK);
    assert_eq!(c.cmd(&["GETRANGE", "n", "1", "2"]), bulk("23"));
    assert_eq!(c.cmd(&["GETRANGE", "nokey", "0", "-1"]), EMPTY_BULK);
    assert_eq!(c.cmd(&["GETRANGE", "s", "a", "1"]), NOT_INTEGER);
    assert_eq!(c.cmd(&["GETRANGE", "nokey", "0", "x"]), NOT_INTEGER);
    assert_eq!(c.cmd(&["GETRANGE", "s", "0"]), arity("getrange"));
    assert_eq!(c.cmd(&["SUBSTR", "s", "0"]), arity("substr"));
    let mut c3 = server.raw().resp3();
    assert_eq!(c3.cmd(&["GETRANGE", "nokey", "0", "-1"]), EMPTY_BULK);
}

#[test]
fn setrange_pads_with_zeros_and_keeps_the_ttl() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SETRANGE", "sr", "5", "hello"]), int(10));
    assert_eq!(c.cmd(&["GET", "sr"]), "$10\r\n\0\0\0\0\0hello\r\n");
    assert_eq!(c.cmd(&["SETRANGE", "sr", "0", "HE"]), int(10));
    assert_eq!(c.cmd(&["GETRANGE", "sr", "0", "1"]), bulk("HE"));
    assert_eq!(c.cmd(&["SETRANGE", "sr", "100", ""]), int(10));
    assert_eq!(c.cmd(&["SETRANGE", "nokey", "10", ""]), int(0));
    assert_eq!(c.cmd(&["EXISTS", "nokey"]), int(0));
    assert_eq!(c.cmd(&["SET", "n", "12345"]), OK);
    assert_eq!(c.cmd(&["SETRANGE", "n", "2", "9"]), int(5));
    assert_eq!(c.cmd(&["GET", "n"]), bulk("12945"));
    assert_eq!(c.cmd(&["SETEX", "t", "100", "abc"]), OK);
    assert_eq!(c.cmd(&["SETRANGE", "t", "1", "X"]), int(3));
    assert_eq!(c.cmd(&["GET", "t"]), bulk("aXc"));
    assert_eq!(c.cmd(&["TTL", "t"]), int(100));
    assert_eq!(c.cmd(&["SETRANGE", "sr", "-1", "x"]), err("ERR offset is out of range"));
    assert_eq!(c.cmd(&["SETRANGE", "sr", "a", "x"]), NOT_INTEGER);
    assert_eq!(c.cmd(&["SETRANGE", "sr", "1"]), arity("setrange"));
}

#[test]
fn results_beyond_proto_max_bulk_len_are_refused() {
    let server = TestServer::start_with(&["--proto-max-bulk-len", "1mb"]);
    let mut c = server.raw();
    let too_big = err("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    assert_eq!(c.cmd(&["SETRANGE", "big", "1048576", "x"]), too_big);
    assert_eq!(c.cmd(&["SETRANGE", "big", "9223372036854775807", "x"]), too_big);
    assert_eq!(c.cmd(&["EXISTS", "big"]), int(0));
    assert_eq!(c.cmd(&["SETRANGE", "big", "1048575", "x"]), int(1048576));
    assert_eq!(c.cmd(&["SETRANGE", "big", "1048575", "xy"]), too_big);
    assert_eq!(c.cmd(&["APPEND", "big", "x"]), too_big);
    assert_eq!(c.cmd(&["STRLEN", "big"]), int(1048576));
    // The default allows the same sizes.
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SETRANGE", "big", "536870912", "x"]), too_big);
    assert_eq!(c.cmd(&["APPEND", "k", "x"]), int(1));
}

#[test]
fn incrbyfloat_formats_like_redis() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SET", "f", "10.50"]), OK);
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "0.1"]), bulk("10.6"));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "-5"]), bulk("5.6"));
    assert_eq!(c.cmd(&["GET", "f"]), bulk("5.6"));
    assert_eq!(c.cmd(&["SET", "g", "5.0e3"]), OK);
    assert_eq!(c.cmd(&["INCRBYFLOAT", "g", "2.0e2"]), bulk("5200"));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "g"]), bulk("embstr"));
    // Redis adds in 80-bit long double and prints %.17Lf: not what f64 would show.
    assert_eq!(c.cmd(&["SET", "h", "0.1"]), OK);
    assert_eq!(c.cmd(&["INCRBYFLOAT", "h", "0.2"]), bulk("0.3"));
    assert_eq!(c.cmd(&["SET", "h", "1000"]), OK);
    assert_eq!(c.cmd(&["INCRBYFLOAT", "h", "0.1"]), bulk("1000.09999999999999998"));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "hex", "0x1.8p3"]), bulk("12"));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "new", "3"]), bulk("3"));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "new", "1.5"]), bulk("4.5"));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "z", "-0"]), bulk("0"));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "tiny", "0.0000000000000000001"]), bulk("0"));
    assert_eq!(c.cmd(&["SETEX", "t", "100", "1"]), OK);
    assert_eq!(c.cmd(&["INCRBYFLOAT", "t", "1"]), bulk("2"));
    assert_eq!(c.cmd(&["TTL", "t"]), int(100));
    let mut c3 = server.raw().resp3();
    assert_eq!(c3.cmd(&["INCRBYFLOAT", "new", "0.5"]), bulk("5"));
}

#[test]
fn incrbyfloat_errors() {
    let server = TestServer::start();
    let mut c = server.raw();
    let not_float = err("ERR value is not a valid float");
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "abc"]), not_float);
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "nan"]), not_float);
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", " 1"]), not_float);
    assert_eq!(c.cmd(&["SET", "s", "text"]), OK);
    assert_eq!(c.cmd(&["INCRBYFLOAT", "s", "1"]), not_float);
    assert_eq!(
        c.cmd(&["INCRBYFLOAT", "f", "inf"]),
        err("ERR increment would produce NaN or Infinity")
    );
    assert_eq!(c.cmd(&["EXISTS", "f"]), int(0));
    // Beyond f64 but within long double: accepted, as in Redis.
    assert_eq!(c.cmd(&["INCRBYFLOAT", "d", "1e308"]), c.cmd(&["GET", "d"]));
    let doubled = c.cmd(&["INCRBYFLOAT", "d", "1e308"]);
    assert!(doubled.starts_with("$309\r\n1999999999999999999933717593116912913"), "{doubled}");
    assert_eq!(c.cmd(&["INCRBYFLOAT", "d", "1e5000"]), not_float);
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f"]), arity("incrbyfloat"));
}

#[test]
fn existing_counters_and_set_options_keep_redis_texts() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SET", "i", "9223372036854775807"]), OK);
    assert_eq!(c.cmd(&["INCR", "i"]), err("ERR increment or decrement would overflow"));
    assert_eq!(
        c.cmd(&["DECRBY", "i", "-9223372036854775808"]),
        err("ERR decrement would overflow")
    );
    assert_eq!(c.cmd(&["INCRBY", "i", "abc"]), NOT_INTEGER);
    assert_eq!(c.cmd(&["SET", "k", "v", "EX", "100"]), OK);
    assert_eq!(c.cmd(&["SET", "k", "w", "KEEPTTL"]), OK);
    assert_eq!(c.cmd(&["TTL", "k"]), int(100));
    assert_eq!(c.cmd(&["SET", "k", "x", "GET"]), bulk("w"));
    assert_eq!(c.cmd(&["TTL", "k"]), int(-1));
    assert_eq!(c.cmd(&["SET", "k", "v", "XX", "NX"]), SYNTAX);
    assert_eq!(c.cmd(&["SET", "k", "v", "PERSIST"]), SYNTAX);
    assert_eq!(
        c.cmd(&["SET", "k", "v", "EX", "0"]),
        err("ERR invalid expire time in 'set' command")
    );
}

#[test]
fn lcs_string_len_and_idx() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SET", "a", "ohmytext"]), OK);
    assert_eq!(c.cmd(&["SET", "b", "mynewtext"]), OK);
    assert_eq!(c.cmd(&["LCS", "a", "b"]), bulk("mytext"));
    assert_eq!(c.cmd(&["LCS", "a", "b", "LEN"]), int(6));
    let ranges = |a: (i64, i64), b: (i64, i64)| {
        format!("*2\r\n*2\r\n:{}\r\n:{}\r\n*2\r\n:{}\r\n:{}\r\n", a.0, a.1, b.0, b.1)
    };
    let idx = format!(
        "*4\r\n$7\r\nmatches\r\n*2\r\n{}{}$3\r\nlen\r\n:6\r\n",
        ranges((4, 7), (5, 8)),
        ranges((2, 3), (0, 1))
    );
    assert_eq!(c.cmd(&["LCS", "a", "b", "IDX"]), idx);
    assert_eq!(
        c.cmd(&["LCS", "a", "b", "idx", "minmatchlen", "4", "withmatchlen"]),
        "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n\
         $3\r\nlen\r\n:6\r\n"
    );
    assert_eq!(c.cmd(&["LCS", "a", "b", "IDX", "MINMATCHLEN", "-5"]), idx);
    assert_eq!(c.cmd(&["LCS", "a", "nokey"]), EMPTY_BULK);
    assert_eq!(c.cmd(&["LCS", "nokey", "nokey2", "LEN"]), int(0));
    assert_eq!(
        c.cmd(&["LCS", "nokey", "nokey2", "IDX"]),
        "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n"
    );
    assert_eq!(c.cmd(&["SET", "x", "aaaa"]), OK);
    assert_eq!(c.cmd(&["SET", "y", "aa"]), OK);
    assert_eq!(
        c.cmd(&["LCS", "x", "y", "IDX"]),
        format!("*4\r\n$7\r\nmatches\r\n*1\r\n{}$3\r\nlen\r\n:2\r\n", ranges((2, 3), (0, 1)))
    );
    let mut c3 = server.raw().resp3();
    assert_eq!(
        c3.cmd(&["LCS", "a", "b", "IDX", "MINMATCHLEN", "4"]),
        format!("%2\r\n$7\r\nmatches\r\n*1\r\n{}$3\r\nlen\r\n:6\r\n", ranges((4, 7), (5, 8)))
    );
}

#[test]
fn lcs_errors_and_memory_bound() {
    let server = TestServer::start_with(&["--proto-max-bulk-len", "1mb"]);
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SET", "a", "abc"]), OK);
    assert_eq!(
        c.cmd(&["LCS", "a", "a", "IDX", "LEN"]),
        err("ERR If you want both the length and indexes, please just use IDX.")
    );
    assert_eq!(c.cmd(&["LCS", "a", "a", "FOO"]), SYNTAX);
    assert_eq!(c.cmd(&["LCS", "a", "a", "MINMATCHLEN"]), SYNTAX);
    assert_eq!(c.cmd(&["LCS", "a", "a", "MINMATCHLEN", "x"]), NOT_INTEGER);
    assert_eq!(c.cmd(&["LCS", "a"]), arity("lcs"));
    // (600 + 1)² cells of 4 bytes exceed 1 MiB: refused before allocating.
    let long = "x".repeat(600);
    assert_eq!(c.cmd(&["SET", "l", &long]), OK);
    assert_eq!(
        c.cmd(&["LCS", "l", "l"]),
        err("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
    );
    assert_eq!(c.cmd(&["LCS", "l", "a", "LEN"]), int(0));
}

#[test]
fn counters_look_keys_up_for_writing_without_keyspace_stats() {
    // INCR and friends use Redis's lookupKeyWrite, which counts no keyspace hit or miss;
    // GET does count one.
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["INCR", "n"]), int(1));
    assert_eq!(c.cmd(&["INCRBY", "n", "5"]), int(6));
    assert_eq!(c.cmd(&["DECR", "n"]), int(5));
    assert_eq!(c.cmd(&["DECRBY", "fresh", "2"]), int(-2));
    let stats = c.cmd(&["INFO", "stats"]);
    assert!(stats.contains("\r\nkeyspace_hits:0\r\n"), "{stats}");
    assert!(stats.contains("\r\nkeyspace_misses:0\r\n"), "{stats}");
    assert_eq!(c.cmd(&["GET", "n"]), bulk("5"));
    let stats = c.cmd(&["INFO", "stats"]);
    assert!(stats.contains("\r\nkeyspace_hits:1\r\n"), "{stats}");
}
