//! Hash commands against the real binary, comparing reply bytes with Redis 7.2's in RESP2 and
//! RESP3, and the hash family's persistence across a restart (order and encoding included).
mod common;

use std::collections::HashSet;

use common::*;

fn arity(name: &str) -> String {
    err(&format!("ERR wrong number of arguments for '{name}' command"))
}

const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
const NOT_INTEGER: &str = "-ERR value is not an integer or out of range\r\n";
const NOT_FLOAT: &str = "-ERR value is not a valid float\r\n";
const SYNTAX: &str = "-ERR syntax error\r\n";
const EMPTY_SCAN: &str = "*2\r\n$1\r\n0\r\n*0\r\n";

/// A RESP3 map of bulk pairs.
fn map3(pairs: &[(&str, &str)]) -> String {
    let mut out = format!("%{}\r\n", pairs.len());
    for (f, v) in pairs {
        out.push_str(&bulk(f));
        out.push_str(&bulk(v));
    }
    out
}

/// A RESP2 flat array of bulk pairs.
fn flat(pairs: &[(&str, &str)]) -> String {
    let items: Vec<&str> = pairs.iter().flat_map(|(f, v)| [*f, *v]).collect();
    bulk_array(&items)
}

/// Reads a reply of the form `[cursor, [items...]]`, returning both.
fn parse_scan(reply: &str) -> (u64, Vec<String>) {
    let mut lines = reply.split("\r\n");
    assert_eq!(lines.next(), Some("*2"), "{reply:?}");
    lines.next();
    let cursor = lines.next().unwrap().parse().unwrap();
    let count: usize = lines.next().unwrap()[1..].parse().unwrap();
    let mut items = Vec::new();
    for _ in 0..count {
        lines.next();
        items.push(lines.next().unwrap().to_string());
    }
    (cursor, items)
}

/// The bulk strings of a flat RESP2 array reply, in order.
fn bulks(reply: &str) -> Vec<String> {
    let mut lines = reply.split("\r\n");
    let header = lines.next().unwrap();
    let count: usize = header[1..].parse().unwrap();
    let mut out = Vec::new();
    for _ in 0..count {
        let len = lines.next().unwrap();
        assert!(len.starts_with('$'), "{reply:?}");
        out.push(lines.next().unwrap().to_string());
    }
    out
}

#[test]
fn hset_hmset_hsetnx_and_hget() {
    let server = TestServer::start();
    let mut c = server.raw();
    let mut c3 = server.raw().resp3();
    assert_eq!(c.cmd(&["HSET", "h", "a", "1", "b", "2"]), int(2));
    assert_eq!(c.cmd(&["HSET", "h", "a", "9", "c", "3"]), int(1));
    assert_eq!(c.cmd(&["HSET", "h", "x"]), arity("hset"));
    assert_eq!(c.cmd(&["HSET", "h", "x", "y", "z"]), arity("hset"));
    assert_eq!(c.cmd(&["HMSET", "h", "x", "y", "z"]), arity("hmset"));
    assert_eq!(c.cmd(&["HMSET", "h", "d", "4", "a", "1"]), OK);
    assert_eq!(c.cmd(&["HSETNX", "h", "a", "5"]), int(0));
    assert_eq!(c.cmd(&["HSETNX", "h", "e", "5"]), int(1));
    assert_eq!(c.cmd(&["HSETNX", "new", "f", "v"]), int(1));
    assert_eq!(c.cmd(&["HSETNX", "h", "e"]), arity("hsetnx"));
    assert_eq!(c.cmd(&["HGET", "h", "a"]), bulk("1"));
    assert_eq!(c.cmd(&["HGET", "h", "zz"]), NIL);
    assert_eq!(c.cmd(&["HGET", "nokey", "a"]), NIL);
    assert_eq!(c3.cmd(&["HGET", "h", "zz"]), NULL3);
    assert_eq!(c3.cmd(&["HGET", "h", "b"]), bulk("2"));
    assert_eq!(c.cmd(&["HGET", "h"]), arity("hget"));
    // Listpack order: first insertion of each field.
    assert_eq!(c.cmd(&["HKEYS", "h"]), bulk_array(&["a", "b", "c", "d", "e"]));
    assert_eq!(c.cmd(&["HVALS", "h"]), bulk_array(&["1", "2", "3", "4", "5"]));
}

#[test]
fn reads_in_both_protocols() {
    let server = TestServer::start();
    let mut c = server.raw();
    let mut c3 = server.raw().resp3();
    c.cmd(&["HSET", "h", "f", "v", "g", ""]);
    let pairs = [("f", "v"), ("g", "")];
    assert_eq!(c.cmd(&["HGETALL", "h"]), flat(&pairs));
    assert_eq!(c3.cmd(&["HGETALL", "h"]), map3(&pairs));
    assert_eq!(c.cmd(&["HGETALL", "nokey"]), "*0\r\n");
    assert_eq!(c3.cmd(&["HGETALL", "nokey"]), "%0\r\n");
    assert_eq!(c.cmd(&["HMGET", "h", "f", "zz", "g"]), "*3\r\n$1\r\nv\r\n$-1\r\n$0\r\n\r\n");
    assert_eq!(c3.cmd(&["HMGET", "h", "f", "zz"]), "*2\r\n$1\r\nv\r\n_\r\n");
    assert_eq!(c.cmd(&["HMGET", "nokey", "a", "b"]), "*2\r\n$-1\r\n$-1\r\n");
    assert_eq!(c.cmd(&["HMGET", "h"]), arity("hmget"));
    for c in [&mut c, &mut c3] {
        assert_eq!(c.cmd(&["HKEYS", "nokey"]), "*0\r\n");
        assert_eq!(c.cmd(&["HVALS", "nokey"]), "*0\r\n");
        assert_eq!(c.cmd(&["HLEN", "h"]), int(2));
        assert_eq!(c.cmd(&["HLEN", "nokey"]), int(0));
        assert_eq!(c.cmd(&["HEXISTS", "h", "f"]), int(1));
        assert_eq!(c.cmd(&["HEXISTS", "h", "zz"]), int(0));
        assert_eq!(c.cmd(&["HEXISTS", "nokey", "f"]), int(0));
        assert_eq!(c.cmd(&["HSTRLEN", "h", "f"]), int(1));
        assert_eq!(c.cmd(&["HSTRLEN", "h", "g"]), int(0));
        assert_eq!(c.cmd(&["HSTRLEN", "h", "zz"]), int(0));
        assert_eq!(c.cmd(&["HSTRLEN", "nokey", "zz"]), int(0));
    }
    assert_eq!(c.cmd(&["HLEN", "h", "x"]), arity("hlen"));
    assert_eq!(c.cmd(&["HGETALL"]), arity("hgetall"));
}

#[test]
fn hdel_removes_fields_and_the_empty_hash() {
    let server = TestServer::start();
    let mut c = server.raw();
    c.cmd(&["HSET", "h", "a", "1", "b", "2", "c", "3"]);
    assert_eq!(c.cmd(&["HDEL", "h", "b", "zz", "b"]), int(1));
    assert_eq!(c.cmd(&["HKEYS", "h"]), bulk_array(&["a", "c"]));
    assert_eq!(c.cmd(&["HDEL", "nokey", "a"]), int(0));
    assert_eq!(c.cmd(&["HDEL", "h"]), arity("hdel"));
    assert_eq!(c.cmd(&["HDEL", "h", "a", "c", "a"]), int(2));
    assert_eq!(c.cmd(&["EXISTS", "h"]), int(0));
    assert_eq!(c.cmd(&["TYPE", "h"]), "+none\r\n");
}

#[test]
fn hincrby_counts_and_refuses_like_redis() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["HINCRBY", "h", "n", "5"]), int(5));
    assert_eq!(c.cmd(&["HINCRBY", "h", "n", "-7"]), int(-2));
    assert_eq!(c.cmd(&["HGET", "h", "n"]), bulk("-2"));
    assert_eq!(c.cmd(&["HINCRBY", "h", "n", "abc"]), NOT_INTEGER);
    assert_eq!(c.cmd(&["HINCRBY", "h", "n", "1.5"]), NOT_INTEGER);
    assert_eq!(c.cmd(&["HINCRBY", "nokey", "n", "abc"]), NOT_INTEGER);
    assert_eq!(c.cmd(&["EXISTS", "nokey"]), int(0));
    c.cmd(&["HSET", "h", "s", "x", "f", "1.5", "sp", " 1"]);
    for field in ["s", "f", "sp"] {
        assert_eq!(c.cmd(&["HINCRBY", "h", field, "1"]), err("ERR hash value is not an integer"));
    }
    assert_eq!(c.cmd(&["HINCRBY", "h", "max", "9223372036854775807"]), int(i64::MAX));
    let overflow = err("ERR increment or decrement would overflow");
    assert_eq!(c.cmd(&["HINCRBY", "h", "max", "1"]), overflow);
    assert_eq!(c.cmd(&["HINCRBY", "h", "min", "-9223372036854775808"]), int(i64::MIN));
    assert_eq!(c.cmd(&["HINCRBY", "h", "min", "-1"]), overflow);
    assert_eq!(c.cmd(&["HGET", "h", "max"]), bulk("9223372036854775807"));
    assert_eq!(c.cmd(&["HINCRBY", "h", "n"]), arity("hincrby"));
}

#[test]
fn hincrbyfloat_texts_and_errors() {
    let server = TestServer::start();
    let mut c = server.raw();
    let mut c3 = server.raw().resp3();
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "f", "10.5"]), bulk("10.5"));
    // A bulk string in RESP3 too, never a double.
    assert_eq!(c3.cmd(&["HINCRBYFLOAT", "h", "f", "0.1"]), bulk("10.6"));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "g", "5.0e3"]), bulk("5000"));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "g", "2.0e2"]), bulk("5200"));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "z", "-0"]), bulk("0"));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "i", "1000"]), bulk("1000"));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "i", "0.1"]), bulk("1000.09999999999999998"));
    assert_eq!(c.cmd(&["HGET", "h", "i"]), bulk("1000.09999999999999998"));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "f", "abc"]), NOT_FLOAT);
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "f", "inf"]), err("ERR value is NaN or Infinity"));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "f", "nan"]), NOT_FLOAT);
    c.cmd(&["HSET", "h", "s", "x", "sp", " 1", "inf", "inf"]);
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "s", "1"]), err("ERR hash value is not a float"));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "sp", "1"]), err("ERR hash value is not a float"));
    assert_eq!(
        c.cmd(&["HINCRBYFLOAT", "h", "inf", "1"]),
        err("ERR increment would produce NaN or Infinity")
    );
    assert_eq!(c.cmd(&["HGET", "h", "inf"]), bulk("inf"));
    // Integers stored by HINCRBY read as floats.
    c.cmd(&["HINCRBY", "h", "n", "3"]);
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "n", "1.5"]), bulk("4.5"));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "n"]), arity("hincrbyfloat"));
}

#[test]
fn hrandfield_shapes_and_counts() {
    let server = TestServer::start();
    let mut c = server.raw();
    let mut c3 = server.raw().resp3();
    assert_eq!(c.cmd(&["HRANDFIELD", "nokey"]), NIL);
    assert_eq!(c3.cmd(&["HRANDFIELD", "nokey"]), NULL3);
    for c in [&mut c, &mut c3] {
        assert_eq!(c.cmd(&["HRANDFIELD", "nokey", "5"]), "*0\r\n");
        assert_eq!(c.cmd(&["HRANDFIELD", "nokey", "-5", "WITHVALUES"]), "*0\r\n");
    }
    c.cmd(&["HSET", "h", "a", "1", "b", "2", "c", "3"]);
    assert!(["a", "b", "c"].map(bulk).contains(&c.cmd(&["HRANDFIELD", "h"])));
    assert_eq!(c.cmd(&["HRANDFIELD", "h", "0"]), "*0\r\n");
    assert_eq!(c.cmd(&["HRANDFIELD", "h", "0", "withvalues"]), "*0\r\n");
    // A count at least the size returns the whole hash, in order.
    assert_eq!(c.cmd(&["HRANDFIELD", "h", "3"]), bulk_array(&["a", "b", "c"]));
    let pairs = [("a", "1"), ("b", "2"), ("c", "3")];
    assert_eq!(c.cmd(&["HRANDFIELD", "h", "100", "WITHVALUES"]), flat(&pairs));
    let nested = "*3\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n";
    assert_eq!(c3.cmd(&["HRANDFIELD", "h", "100", "WITHVALUES"]), nested);
    // Distinct fields, in stored order for a listpack.
    let two = bulks(&c.cmd(&["HRANDFIELD", "h", "2"]));
    assert_eq!(two.len(), 2);
    assert!(two[0] < two[1], "{two:?}");
    // A negative count repeats: exactly |count| fields.
    let many = bulks(&c.cmd(&["HRANDFIELD", "h", "-50"]));
    assert_eq!(many.len(), 50);
    assert!(many.iter().all(|f| ["a", "b", "c"].contains(&f.as_str())));
    let with = bulks(&c.cmd(&["HRANDFIELD", "h", "-4", "WITHVALUES"]));
    assert_eq!(with.len(), 8);
    for pair in with.chunks(2) {
        assert!(pairs.iter().any(|(f, v)| pair == [f.to_string(), v.to_string()]));
    }
    let reply = c3.cmd(&["HRANDFIELD", "h", "-2", "WITHVALUES"]);
    assert!(reply.starts_with("*2\r\n*2\r\n$1\r\n"), "{reply:?}");
    // A huge negative count is streamed, not preallocated.
    assert_eq!(bulks(&c.cmd(&["HRANDFIELD", "h", "-200000"])).len(), 200_000);
    assert_eq!(c.cmd(&["HRANDFIELD", "h", "5", "foo"]), SYNTAX);
    assert_eq!(c.cmd(&["HRANDFIELD", "h", "5", "WITHVALUES", "x"]), SYNTAX);
    assert_eq!(c.cmd(&["HRANDFIELD", "h", "abc"]), NOT_INTEGER);
    assert_eq!(
        c.cmd(&["HRANDFIELD", "h", "-9223372036854775808"]),
        err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
    );
    assert_eq!(
        c.cmd(&["HRANDFIELD", "h", "9223372036854775807", "WITHVALUES"]),
        err("ERR value is out of range")
    );
    assert_eq!(c.cmd(&["HRANDFIELD"]), arity("hrandfield"));
}

#[test]
fn hrandfield_on_a_hashtable_gives_distinct_fields() {
    let server = TestServer::start();
    let mut c = server.raw();
    let mut args = vec!["HSET".to_string(), "h".to_string()];
    for i in 0..600 {
        args.push(format!("f{i}"));
        args.push(format!("v{i}"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(c.cmd(&args), int(600));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "h"]), bulk("hashtable"));
    for count in ["1", "10", "300", "599"] {
        let fields = bulks(&c.cmd(&["HRANDFIELD", "h", count]));
        let distinct: HashSet<&String> = fields.iter().collect();
        assert_eq!(fields.len(), count.parse::<usize>().unwrap());
        assert_eq!(distinct.len(), fields.len());
    }
    assert_eq!(bulks(&c.cmd(&["HRANDFIELD", "h", "1000"])).len(), 600);
}

#[test]
fn hscan_listpack_whole_and_errors() {
    let server = TestServer::start();
    let mut c = server.raw();
    let mut c3 = server.raw().resp3();
    c.cmd(&["HSET", "h", "name", "x", "age", "3", "nick", "y"]);
    let all = "*2\r\n$1\r\n0\r\n*6\r\n$4\r\nname\r\n$1\r\nx\r\n$3\r\nage\r\n$1\r\n3\r\n$4\r\nnick\r\n$1\r\ny\r\n";
    assert_eq!(c.cmd(&["HSCAN", "h", "0"]), all);
    assert_eq!(c3.cmd(&["HSCAN", "h", "0"]), all);
    // COUNT is ignored and any cursor ends the iteration for the small encoding.
    assert_eq!(c.cmd(&["HSCAN", "h", "0", "COUNT", "1"]), all);
    assert_eq!(c.cmd(&["HSCAN", "h", "17"]), all);
    let matched = "*2\r\n$1\r\n0\r\n*4\r\n$4\r\nname\r\n$1\r\nx\r\n$4\r\nnick\r\n$1\r\ny\r\n";
    assert_eq!(c.cmd(&["HSCAN", "h", "0", "MATCH", "n*"]), matched);
    assert_eq!(c.cmd(&["HSCAN", "h", "0", "match", "*"]), all);
    assert_eq!(c.cmd(&["HSCAN", "h", "abc"]), err("ERR invalid cursor"));
    assert_eq!(c.cmd(&["HSCAN", "h", "0", "COUNT", "0"]), SYNTAX);
    assert_eq!(c.cmd(&["HSCAN", "h", "0", "COUNT", "x"]), NOT_INTEGER);
    assert_eq!(c.cmd(&["HSCAN", "h", "0", "TYPE", "string"]), SYNTAX);
    assert_eq!(c.cmd(&["HSCAN", "h", "0", "MATCH"]), SYNTAX);
    // A missing key answers before the options are read.
    assert_eq!(c.cmd(&["HSCAN", "nokey", "0"]), EMPTY_SCAN);
    assert_eq!(c.cmd(&["HSCAN", "nokey", "0", "bad"]), EMPTY_SCAN);
    assert_eq!(c.cmd(&["HSCAN", "nokey", "x"]), err("ERR invalid cursor"));
    assert_eq!(c.cmd(&["HSCAN", "h"]), arity("hscan"));
}

#[test]
fn hscan_hashtable_returns_every_field_present_throughout() {
    let server = TestServer::start();
    let mut c = server.raw();
    for i in 0..700 {
        c.cmd(&["HSET", "h", &format!("f{i}"), &i.to_string()]);
    }
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "h"]), bulk("hashtable"));
    let mut seen = HashSet::new();
    let mut cursor = 0u64;
    let mut calls = 0;
    loop {
        let (next, items) = parse_scan(&c.cmd(&["HSCAN", "h", &cursor.to_string(), "COUNT", "20"]));
        assert!(items.len() <= 40, "COUNT bounds a hashtable step");
        for pair in items.chunks(2) {
            if pair[0].starts_with('f') {
                assert_eq!(pair[0][1..], pair[1], "field and value travel together");
            }
            seen.insert(pair[0].clone());
        }
        // Churn between calls: delete some fields (never f0..f249) and add new ones.
        calls += 1;
        c.cmd(&["HDEL", "h", &format!("f{}", 250 + calls * 3)]);
        c.cmd(&["HSET", "h", &format!("new{calls}"), "1"]);
        cursor = next;
        if cursor == 0 {
            break;
        }
        assert!(calls < 1000, "the iteration ends");
    }
    for i in 0..250 {
        assert!(seen.contains(&format!("f{i}")), "f{i} missed");
    }
    let (_, matched) = parse_scan(&c.cmd(&["HSCAN", "h", "0", "COUNT", "1000", "MATCH", "f1?"]));
    assert_eq!(matched.len(), 20);
}

#[test]
fn encodings_follow_redis_thresholds() {
    let server = TestServer::start();
    let mut c = server.raw();
    let long = "x".repeat(65);
    let limit = "x".repeat(64);
    c.cmd(&["HSET", "a", "f", &limit]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "a"]), bulk("listpack"));
    c.cmd(&["HSET", "a", "f", &long]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "a"]), bulk("hashtable"));
    // One way: back to one short field, still a hashtable.
    c.cmd(&["HSET", "a", "f", "v"]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "a"]), bulk("hashtable"));
    c.cmd(&["HSETNX", "b", &long, "v"]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "b"]), bulk("hashtable"));
    c.cmd(&["HINCRBYFLOAT", "c", "f", "1e70"]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "c"]), bulk("hashtable"));
    for i in 0..512 {
        c.cmd(&["HSET", "d", &format!("f{i}"), "v"]);
    }
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "d"]), bulk("listpack"));
    c.cmd(&["HSET", "d", "one more", "v"]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "d"]), bulk("hashtable"));
    // Redis 7.2's hashTypeTryConversion: more than 512 pairs in one HSET convert at once,
    // duplicates included.
    let mut args = vec!["HSET".to_string(), "e".to_string()];
    for i in 0..513 {
        args.push("f".to_string());
        args.push(format!("v{i}"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(c.cmd(&args), int(1));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "e"]), bulk("hashtable"));
    assert_eq!(c.cmd(&["HGET", "e", "f"]), bulk("v512"));
}

#[test]
fn wrong_type_against_a_string() {
    let server = TestServer::start();
    let mut c = server.raw();
    c.cmd(&["SET", "s", "v"]);
    let commands: &[&[&str]] = &[
        &["HSET", "s", "f", "v"],
        &["HMSET", "s", "f", "v"],
        &["HSETNX", "s", "f", "v"],
        &["HGET", "s", "f"],
        &["HMGET", "s", "f"],
        &["HGETALL", "s"],
        &["HDEL", "s", "f"],
        &["HLEN", "s"],
        &["HEXISTS", "s", "f"],
        &["HKEYS", "s"],
        &["HVALS", "s"],
        &["HSTRLEN", "s", "f"],
        &["HINCRBY", "s", "f", "1"],
        &["HINCRBYFLOAT", "s", "f", "1"],
        &["HRANDFIELD", "s"],
        &["HRANDFIELD", "s", "2", "WITHVALUES"],
        &["HSCAN", "s", "0"],
    ];
    for command in commands {
        assert_eq!(c.cmd(command), WRONGTYPE, "{command:?}");
    }
    assert_eq!(c.cmd(&["GET", "s"]), bulk("v"));
    c.cmd(&["HSET", "h", "f", "v"]);
    assert_eq!(c.cmd(&["GET", "h"]), WRONGTYPE);
    assert_eq!(c.cmd(&["TYPE", "h"]), "+hash\r\n");
}

#[test]
fn command_info_and_getkeys() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "HSET", "k", "f", "v"]), bulk_array(&["k"]));
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "HSCAN", "k", "0"]), bulk_array(&["k"]));
    let info = c.cmd(&["COMMAND", "INFO", "hset"]);
    assert!(info.starts_with("*1\r\n*10\r\n$4\r\nhset\r\n:-4\r\n*3\r\n+write\r\n+denyoom\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"), "{info:?}");
}

/// Every hash write survives a restart: fields, values and their order, and the encodings.
#[test]
fn every_write_survives_a_restart() {
    let mut server = TestServer::start();
    let mut c = server.raw();
    c.cmd(&["HSET", "small", "a", "1", "b", "2", "c", "3"]);
    c.cmd(&["HMSET", "small", "d", "4", "a", "10"]);
    c.cmd(&["HSETNX", "small", "e", "5"]);
    c.cmd(&["HSETNX", "small", "a", "ignored"]);
    c.cmd(&["HDEL", "small", "b", "zz"]);
    c.cmd(&["HINCRBY", "small", "n", "41"]);
    c.cmd(&["HINCRBY", "small", "n", "1"]);
    c.cmd(&["HINCRBYFLOAT", "small", "fl", "10.5"]);
    c.cmd(&["HINCRBYFLOAT", "small", "fl", "0.1"]);
    // A hashtable with deletions (positions moved by swap-remove) and an update.
    for i in 0..600 {
        c.cmd(&["HSET", "big", &format!("f{i}"), &format!("v{i}")]);
    }
    for i in (0..600).step_by(7) {
        c.cmd(&["HDEL", "big", &format!("f{i}")]);
    }
    c.cmd(&["HSET", "big", "f1", "changed"]);
    c.cmd(&["HINCRBY", "big", "counter", "7"]);
    // Emptied hashes are gone; long values convert.
    c.cmd(&["HSET", "gone", "a", "1"]);
    c.cmd(&["HDEL", "gone", "a"]);
    c.cmd(&["HSET", "long", "f", &"x".repeat(100)]);
    c.cmd(&["HSET", "long", "g", "short"]);
    // Redis 7.2 converts at once for more than 512 pairs in one HSET, duplicates included.
    let mut args = vec!["HSET".to_string(), "hint".to_string()];
    for i in 0..513 {
        args.push("f".to_string());
        args.push(format!("v{i}"));
    }
    c.cmd(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let keys = ["small", "big", "gone", "long", "hint"];
    let before: Vec<(String, String)> =
        keys.iter().map(|k| (c.cmd(&["HGETALL", k]), c.cmd(&["OBJECT", "ENCODING", k]))).collect();
    assert_eq!(
        before[0].0,
        flat(&[("a", "10"), ("c", "3"), ("d", "4"), ("e", "5"), ("n", "42"), ("fl", "10.6")])
    );
    assert_eq!(before[0].1, bulk("listpack"));
    assert_eq!(before[1].1, bulk("hashtable"));
    assert_eq!(before[2], ("*0\r\n".to_string(), NIL.to_string()));
    assert_eq!(before[3].1, bulk("hashtable"));
    assert_eq!(before[4], (flat(&[("f", "v512")]), bulk("hashtable")));
    drop(c);
    server.restart();
    let mut c = server.raw();
    let after: Vec<(String, String)> =
        keys.iter().map(|k| (c.cmd(&["HGETALL", k]), c.cmd(&["OBJECT", "ENCODING", k]))).collect();
    assert_eq!(after, before);
    assert_eq!(c.cmd(&["DBSIZE"]), int(4));
}

/// Small hashes store each field against the previous one (store/hash.rs): fields that share
/// prefixes, are prefixes of each other, are empty or long, removed from the middle, updated
/// and appended, read by every command, give Redis's exact replies, before and after a
/// restart of both servers.
#[test]
fn fields_sharing_prefixes_match_redis_across_a_restart() {
    use common::servers::{Kind, Server};
    let long = format!("user:{}", "9".repeat(40));
    let longer = format!("{long}0");
    let writes: Vec<Vec<String>> = [
        vec!["HSET", "h", "user:1000", "a", "user:1001", "b", "user:1002", "c", "user:10", "d"],
        vec!["HSET", "h", "us", "e", "", "empty", "user:1000x", "f", &long, "g", &longer, "h"],
        vec!["HSET", "h", "field:00", "v0", "field:01", "v1", "field:10", "v10", "item", "i"],
        vec!["HDEL", "h", "user:1001", "user:10", "missing", "user:100"],
        vec!["HSET", "h", "user:1000", "changed", "user:1003", "new", "user:1001", "back"],
        vec!["HDEL", "h", "", "field:00"],
        vec!["HINCRBY", "h", "field:011", "5"],
        vec!["HSETNX", "h", "user:1002", "kept"],
    ]
    .iter()
    .map(|w| w.iter().map(|s| s.to_string()).collect())
    .collect();
    let reads: Vec<Vec<String>> = [
        vec!["HGETALL", "h"],
        vec!["HKEYS", "h"],
        vec!["HVALS", "h"],
        vec!["HLEN", "h"],
        vec!["HSCAN", "h", "0"],
        vec!["HSCAN", "h", "0", "MATCH", "user:100*"],
        vec!["HRANDFIELD", "h", "100", "WITHVALUES"],
        vec!["HMGET", "h", "user:1000", "user:100", "user:10000", "us", "u", "", &longer, &long],
        vec!["HGET", "h", "user:1000x"],
        vec!["HEXISTS", "h", "field:0"],
        vec!["HSTRLEN", "h", &long],
        vec!["OBJECT", "ENCODING", "h"],
    ]
    .iter()
    .map(|r| r.iter().map(|s| s.to_string()).collect())
    .collect();
    let mut replies = Vec::new();
    for kind in Kind::BOTH {
        let mut server = Server::start(kind);
        let mut c = RawClient::connect(server.port);
        let run = |c: &mut RawClient, commands: &[Vec<String>]| -> Vec<String> {
            commands
                .iter()
                .map(|a| c.cmd(&a.iter().map(String::as_str).collect::<Vec<_>>()))
                .collect()
        };
        let written = run(&mut c, &writes);
        let before = run(&mut c, &reads);
        drop(c);
        server.restart();
        let mut c = RawClient::connect(server.port);
        let after = run(&mut c, &reads);
        assert_eq!(after, before, "{} after a restart", kind.name());
        replies.push((written, before));
    }
    assert_eq!(replies[0], replies[1], "AllyDB, then Redis");
    assert_eq!(replies[0].1[3], int(12));
    assert_eq!(replies[0].1[11], bulk("listpack"));
}
