//! Set commands against the real binary, comparing reply bytes with Redis 7.2's in RESP2 and
//! RESP3 (sets are `~` in RESP3), and the set family's persistence across a restart.
mod common;

use std::collections::HashSet;

use common::*;

fn arity(name: &str) -> String {
    err(&format!("ERR wrong number of arguments for '{name}' command"))
}

const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
const NOT_INTEGER: &str = "-ERR value is not an integer or out of range\r\n";
const SYNTAX: &str = "-ERR syntax error\r\n";
const EMPTY_SCAN: &str = "*2\r\n$1\r\n0\r\n*0\r\n";

/// A RESP3 set of bulk strings.
fn set3(items: &[&str]) -> String {
    let mut out = format!("~{}\r\n", items.len());
    for item in items {
        out.push_str(&bulk(item));
    }
    out
}

/// The bulk strings of an array or set reply, in order.
fn bulks(reply: &str) -> Vec<String> {
    let mut lines = reply.split("\r\n");
    let count: usize = lines.next().unwrap()[1..].parse().unwrap();
    let mut out = Vec::new();
    for _ in 0..count {
        assert!(lines.next().unwrap().starts_with('$'), "{reply:?}");
        out.push(lines.next().unwrap().to_string());
    }
    out
}

fn parse_scan(reply: &str) -> (u64, Vec<String>) {
    let mut lines = reply.split("\r\n");
    assert_eq!(lines.next(), Some("*2"), "{reply:?}");
    lines.next();
    let cursor = lines.next().unwrap().parse().unwrap();
    let rest: Vec<&str> = lines.collect();
    (cursor, bulks(&rest.join("\r\n")))
}

/// `SADD key m1 m2 ...` with generated members.
fn sadd_many(c: &mut RawClient, key: &str, members: impl Iterator<Item = String>) -> String {
    let mut args = vec!["SADD".to_string(), key.to_string()];
    args.extend(members);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    c.cmd(&args)
}

#[test]
fn sadd_srem_smembers_in_both_protocols() {
    let server = TestServer::start();
    let mut c = server.raw();
    let mut c3 = server.raw().resp3();
    assert_eq!(c.cmd(&["SADD", "s", "3", "1", "2", "1"]), int(3));
    assert_eq!(c.cmd(&["SADD", "s", "2", "4"]), int(1));
    // An intset is sorted.
    assert_eq!(c.cmd(&["SMEMBERS", "s"]), bulk_array(&["1", "2", "3", "4"]));
    assert_eq!(c3.cmd(&["SMEMBERS", "s"]), set3(&["1", "2", "3", "4"]));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "s"]), bulk("intset"));
    // A string turns it into a listpack: the integers first (sorted), then in insertion order.
    assert_eq!(c.cmd(&["SADD", "s", "b", "0", "a"]), int(3));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "s"]), bulk("listpack"));
    assert_eq!(c.cmd(&["SMEMBERS", "s"]), bulk_array(&["1", "2", "3", "4", "b", "0", "a"]));
    // Removal keeps the others' order.
    assert_eq!(c.cmd(&["SREM", "s", "3", "zz", "b", "3"]), int(2));
    assert_eq!(c3.cmd(&["SMEMBERS", "s"]), set3(&["1", "2", "4", "0", "a"]));
    assert_eq!(c.cmd(&["SMEMBERS", "nokey"]), "*0\r\n");
    assert_eq!(c3.cmd(&["SMEMBERS", "nokey"]), "~0\r\n");
    assert_eq!(c.cmd(&["SREM", "nokey", "a"]), int(0));
    assert_eq!(c.cmd(&["SREM", "s", "1", "2", "4", "0", "a", "more"]), int(5));
    assert_eq!(c.cmd(&["EXISTS", "s"]), int(0));
    assert_eq!(c.cmd(&["SADD", "s"]), arity("sadd"));
    assert_eq!(c.cmd(&["SREM", "s"]), arity("srem"));
    assert_eq!(c.cmd(&["SMEMBERS"]), arity("smembers"));
}

#[test]
fn membership_and_cardinality() {
    let server = TestServer::start();
    let mut c = server.raw();
    let mut c3 = server.raw().resp3();
    c.cmd(&["SADD", "s", "a", "1"]);
    for c in [&mut c, &mut c3] {
        assert_eq!(c.cmd(&["SISMEMBER", "s", "a"]), int(1));
        assert_eq!(c.cmd(&["SISMEMBER", "s", "01"]), int(0));
        assert_eq!(c.cmd(&["SISMEMBER", "nokey", "a"]), int(0));
        assert_eq!(c.cmd(&["SMISMEMBER", "s", "a", "zz", "1"]), "*3\r\n:1\r\n:0\r\n:1\r\n");
        assert_eq!(c.cmd(&["SMISMEMBER", "nokey", "a", "b"]), "*2\r\n:0\r\n:0\r\n");
        assert_eq!(c.cmd(&["SCARD", "s"]), int(2));
        assert_eq!(c.cmd(&["SCARD", "nokey"]), int(0));
    }
    assert_eq!(c.cmd(&["SISMEMBER", "s"]), arity("sismember"));
    assert_eq!(c.cmd(&["SMISMEMBER", "s"]), arity("smismember"));
    assert_eq!(c.cmd(&["SCARD", "s", "x"]), arity("scard"));
}

#[test]
fn spop_removes_what_it_replies() {
    let server = TestServer::start();
    let mut c = server.raw();
    let mut c3 = server.raw().resp3();
    assert_eq!(c.cmd(&["SPOP", "nokey"]), NIL);
    assert_eq!(c3.cmd(&["SPOP", "nokey"]), NULL3);
    assert_eq!(c.cmd(&["SPOP", "nokey", "3"]), "*0\r\n");
    assert_eq!(c3.cmd(&["SPOP", "nokey", "3"]), "~0\r\n");
    c.cmd(&["SADD", "s", "a", "b", "c", "d", "e"]);
    assert_eq!(c3.cmd(&["SPOP", "s", "0"]), "~0\r\n");
    let positive = err("ERR value is out of range, must be positive");
    assert_eq!(c.cmd(&["SPOP", "s", "-1"]), positive);
    assert_eq!(c.cmd(&["SPOP", "s", "abc"]), positive);
    assert_eq!(c.cmd(&["SPOP", "s", "1", "2"]), SYNTAX);
    assert_eq!(c.cmd(&["SPOP"]), arity("spop"));
    let one = bulks(&format!("*1\r\n{}", c.cmd(&["SPOP", "s"])));
    let two_reply = c3.cmd(&["SPOP", "s", "2"]);
    assert!(two_reply.starts_with("~2\r\n"), "{two_reply:?}");
    let two = bulks(&two_reply);
    let rest = bulks(&c.cmd(&["SMEMBERS", "s"]));
    assert_eq!(rest.len(), 2);
    let all: HashSet<String> = one.iter().chain(&two).chain(&rest).cloned().collect();
    assert_eq!(all.len(), 5, "{one:?} {two:?} {rest:?}");
    // A count at least the size pops everything, in SUNION's order, and deletes the key.
    c.cmd(&["SADD", "n", "5", "x", "1"]);
    assert_eq!(c3.cmd(&["SPOP", "n", "10"]), set3(&["5", "x", "1"]));
    assert_eq!(c.cmd(&["EXISTS", "n"]), int(0));
    c.cmd(&["SADD", "last", "v"]);
    assert_eq!(c.cmd(&["SPOP", "last"]), bulk("v"));
    assert_eq!(c.cmd(&["EXISTS", "last"]), int(0));
}

#[test]
fn srandmember_shapes_and_counts() {
    let server = TestServer::start();
    let mut c = server.raw();
    let mut c3 = server.raw().resp3();
    assert_eq!(c.cmd(&["SRANDMEMBER", "nokey"]), NIL);
    assert_eq!(c3.cmd(&["SRANDMEMBER", "nokey"]), NULL3);
    assert_eq!(c3.cmd(&["SRANDMEMBER", "nokey", "3"]), "*0\r\n");
    c.cmd(&["SADD", "s", "c", "a", "b"]);
    assert!(["a", "b", "c"].map(bulk).contains(&c.cmd(&["SRANDMEMBER", "s"])));
    assert_eq!(c.cmd(&["SRANDMEMBER", "s", "0"]), "*0\r\n");
    // An array, not a set, even in RESP3; the whole set in order when count >= size.
    assert_eq!(c3.cmd(&["SRANDMEMBER", "s", "3"]), bulk_array(&["c", "a", "b"]));
    assert_eq!(c.cmd(&["SRANDMEMBER", "s", "100"]), bulk_array(&["c", "a", "b"]));
    let two = bulks(&c.cmd(&["SRANDMEMBER", "s", "2"]));
    assert_eq!(two.len(), 2);
    assert_ne!(two[0], two[1]);
    let many = bulks(&c.cmd(&["SRANDMEMBER", "s", "-40"]));
    assert_eq!(many.len(), 40);
    assert!(many.iter().all(|m| ["a", "b", "c"].contains(&m.as_str())));
    assert_eq!(bulks(&c.cmd(&["SRANDMEMBER", "s", "-200000"])).len(), 200_000);
    assert_eq!(c.cmd(&["SRANDMEMBER", "s", "1", "2"]), SYNTAX);
    assert_eq!(c.cmd(&["SRANDMEMBER", "s", "x"]), NOT_INTEGER);
    assert_eq!(
        c.cmd(&["SRANDMEMBER", "s", "-9223372036854775808"]),
        err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
    );
    // Distinct members from a hashtable.
    sadd_many(&mut c, "big", (0..300).map(|i| format!("m{i}")));
    for count in [1usize, 10, 150, 299] {
        let members = bulks(&c.cmd(&["SRANDMEMBER", "big", &count.to_string()]));
        let distinct: HashSet<&String> = members.iter().collect();
        assert_eq!((members.len(), distinct.len()), (count, count));
    }
}

#[test]
fn smove_between_sets() {
    let server = TestServer::start();
    let mut c = server.raw();
    c.cmd(&["SADD", "src", "a", "b"]);
    assert_eq!(c.cmd(&["SMOVE", "nokey", "dst", "a"]), int(0));
    assert_eq!(c.cmd(&["SMOVE", "src", "dst", "zz"]), int(0));
    assert_eq!(c.cmd(&["EXISTS", "dst"]), int(0));
    assert_eq!(c.cmd(&["SMOVE", "src", "src", "a"]), int(1));
    assert_eq!(c.cmd(&["SMOVE", "src", "src", "zz"]), int(0));
    assert_eq!(c.cmd(&["SMOVE", "src", "dst", "a"]), int(1));
    assert_eq!(c.cmd(&["SMEMBERS", "src"]), bulk_array(&["b"]));
    assert_eq!(c.cmd(&["SMEMBERS", "dst"]), bulk_array(&["a"]));
    c.cmd(&["SADD", "dst", "b"]);
    // Already in the destination: still 1, and the source loses it.
    assert_eq!(c.cmd(&["SMOVE", "src", "dst", "b"]), int(1));
    assert_eq!(c.cmd(&["EXISTS", "src"]), int(0));
    assert_eq!(c.cmd(&["SMEMBERS", "dst"]), bulk_array(&["a", "b"]));
    c.cmd(&["SADD", "ints", "7"]);
    assert_eq!(c.cmd(&["SMOVE", "ints", "newints", "7"]), int(1));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "newints"]), bulk("intset"));
    c.cmd(&["SET", "str", "v"]);
    assert_eq!(c.cmd(&["SMOVE", "str", "dst", "a"]), WRONGTYPE);
    assert_eq!(c.cmd(&["SMOVE", "dst", "str", "a"]), WRONGTYPE);
    assert_eq!(c.cmd(&["SMOVE", "nokey", "str", "a"]), int(0));
    assert_eq!(c.cmd(&["SMEMBERS", "dst"]), bulk_array(&["a", "b"]));
    assert_eq!(c.cmd(&["SMOVE", "a", "b"]), arity("smove"));
}

#[test]
fn algebra_replies_in_redis_order() {
    let server = TestServer::start();
    let mut c = server.raw();
    let mut c3 = server.raw().resp3();
    c.cmd(&["SADD", "i1", "1", "2", "3", "4", "5"]);
    c.cmd(&["SADD", "i2", "3", "4", "5", "6"]);
    c.cmd(&["SADD", "i3", "5", "6", "7", "a"]);
    assert_eq!(c.cmd(&["SINTER", "i1", "i2"]), bulk_array(&["3", "4", "5"]));
    assert_eq!(c3.cmd(&["SINTER", "i1", "i2"]), set3(&["3", "4", "5"]));
    assert_eq!(c.cmd(&["SINTER", "i1", "i2", "i3"]), bulk_array(&["5"]));
    assert_eq!(c.cmd(&["SINTER", "i2", "i1", "i1"]), bulk_array(&["3", "4", "5"]));
    assert_eq!(c.cmd(&["SINTER", "i1", "nokey"]), "*0\r\n");
    assert_eq!(c3.cmd(&["SINTER", "i1", "nokey"]), "~0\r\n");
    assert_eq!(
        c.cmd(&["SUNION", "i1", "i2", "i3"]),
        bulk_array(&["1", "2", "3", "4", "5", "6", "7", "a"])
    );
    assert_eq!(
        c3.cmd(&["SUNION", "i3", "i1", "nokey"]),
        set3(&["5", "6", "7", "a", "1", "2", "3", "4"])
    );
    assert_eq!(c.cmd(&["SDIFF", "i1", "i2"]), bulk_array(&["1", "2"]));
    assert_eq!(c3.cmd(&["SDIFF", "i3", "i1"]), set3(&["6", "7", "a"]));
    assert_eq!(c.cmd(&["SDIFF", "i1", "i1"]), "*0\r\n");
    assert_eq!(c.cmd(&["SDIFF", "i1", "i2", "i1"]), "*0\r\n");
    assert_eq!(c.cmd(&["SDIFF", "nokey", "i1"]), "*0\r\n");
    assert_eq!(c.cmd(&["SDIFF", "i1", "nokey", "i2"]), bulk_array(&["1", "2"]));
    assert_eq!(c.cmd(&["SUNION", "nokey"]), "*0\r\n");
    // The sources are untouched.
    assert_eq!(c.cmd(&["SMEMBERS", "i3"]), bulk_array(&["5", "6", "7", "a"]));
    assert_eq!(c.cmd(&["SINTER"]), arity("sinter"));
    assert_eq!(c.cmd(&["SUNION"]), arity("sunion"));
    assert_eq!(c.cmd(&["SDIFF"]), arity("sdiff"));
}

#[test]
fn store_forms_replace_or_delete_the_destination() {
    let server = TestServer::start();
    let mut c = server.raw();
    c.cmd(&["SADD", "i1", "1", "2", "3", "4", "5"]);
    c.cmd(&["SADD", "i2", "3", "4", "5", "6"]);
    c.cmd(&["SADD", "i3", "5", "6", "7", "a"]);
    c.cmd(&["SET", "dst", "string", "EX", "100"]);
    assert_eq!(c.cmd(&["SINTERSTORE", "dst", "i1", "i2"]), int(3));
    assert_eq!(c.cmd(&["TYPE", "dst"]), "+set\r\n");
    assert_eq!(c.cmd(&["TTL", "dst"]), int(-1));
    assert_eq!(c.cmd(&["SMEMBERS", "dst"]), bulk_array(&["3", "4", "5"]));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "dst"]), bulk("intset"));
    // The intersection of a listpack's integers becomes an intset again.
    c.cmd(&["SADD", "mixed", "9", "x", "5"]);
    assert_eq!(c.cmd(&["SINTERSTORE", "ints", "mixed", "i3"]), int(1));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "ints"]), bulk("intset"));
    assert_eq!(c.cmd(&["SUNIONSTORE", "u", "i3", "i1"]), int(8));
    assert_eq!(c.cmd(&["SMEMBERS", "u"]), bulk_array(&["5", "6", "7", "a", "1", "2", "3", "4"]));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "u"]), bulk("listpack"));
    assert_eq!(c.cmd(&["SDIFFSTORE", "d", "i3", "i1"]), int(3));
    assert_eq!(c.cmd(&["SMEMBERS", "d"]), bulk_array(&["6", "7", "a"]));
    // A source may be the destination.
    assert_eq!(c.cmd(&["SUNIONSTORE", "i1", "i1", "i2"]), int(6));
    assert_eq!(c.cmd(&["SMEMBERS", "i1"]), bulk_array(&["1", "2", "3", "4", "5", "6"]));
    // Empty results delete the destination.
    assert_eq!(c.cmd(&["SINTERSTORE", "dst", "i1", "nokey"]), int(0));
    assert_eq!(c.cmd(&["EXISTS", "dst"]), int(0));
    assert_eq!(c.cmd(&["SDIFFSTORE", "d", "i2", "i1"]), int(0));
    assert_eq!(c.cmd(&["EXISTS", "d"]), int(0));
    assert_eq!(c.cmd(&["SUNIONSTORE", "u", "nokey"]), int(0));
    assert_eq!(c.cmd(&["EXISTS", "u"]), int(0));
    assert_eq!(c.cmd(&["SINTERSTORE", "nothing", "nokey"]), int(0));
    assert_eq!(c.cmd(&["EXISTS", "nothing"]), int(0));
    // A wrong-typed source refuses before anything changes.
    c.cmd(&["SET", "str", "v"]);
    assert_eq!(c.cmd(&["SUNIONSTORE", "i2", "i3", "str"]), WRONGTYPE);
    assert_eq!(c.cmd(&["SMEMBERS", "i2"]), bulk_array(&["3", "4", "5", "6"]));
    assert_eq!(c.cmd(&["SINTERSTORE", "x"]), arity("sinterstore"));
}

#[test]
fn sintercard_counts_with_limit_and_redis_errors() {
    let server = TestServer::start();
    let mut c = server.raw();
    c.cmd(&["SADD", "a", "1", "2", "3", "4"]);
    c.cmd(&["SADD", "b", "2", "3", "4", "5"]);
    assert_eq!(c.cmd(&["SINTERCARD", "2", "a", "b"]), int(3));
    assert_eq!(c.cmd(&["SINTERCARD", "2", "a", "b", "LIMIT", "2"]), int(2));
    assert_eq!(c.cmd(&["SINTERCARD", "2", "a", "b", "limit", "0"]), int(3));
    assert_eq!(c.cmd(&["SINTERCARD", "1", "a"]), int(4));
    assert_eq!(c.cmd(&["SINTERCARD", "2", "a", "nokey"]), int(0));
    let numkeys = err("ERR numkeys should be greater than 0");
    assert_eq!(c.cmd(&["SINTERCARD", "0", "a"]), numkeys);
    assert_eq!(c.cmd(&["SINTERCARD", "abc", "a"]), numkeys);
    assert_eq!(c.cmd(&["SINTERCARD", "-1", "a"]), numkeys);
    assert_eq!(
        c.cmd(&["SINTERCARD", "3", "a", "b"]),
        err("ERR Number of keys can't be greater than number of args")
    );
    let negative = err("ERR LIMIT can't be negative");
    assert_eq!(c.cmd(&["SINTERCARD", "1", "a", "LIMIT", "-1"]), negative);
    assert_eq!(c.cmd(&["SINTERCARD", "1", "a", "LIMIT", "x"]), negative);
    assert_eq!(c.cmd(&["SINTERCARD", "1", "a", "LIMIT"]), SYNTAX);
    assert_eq!(c.cmd(&["SINTERCARD", "1", "a", "foo"]), SYNTAX);
    c.cmd(&["SET", "s", "v"]);
    assert_eq!(c.cmd(&["SINTERCARD", "2", "a", "s"]), WRONGTYPE);
    assert_eq!(c.cmd(&["SINTERCARD", "1"]), arity("sintercard"));
}

#[test]
fn sscan_small_whole_and_errors() {
    let server = TestServer::start();
    let mut c = server.raw();
    let mut c3 = server.raw().resp3();
    c.cmd(&["SADD", "i", "3", "1", "2"]);
    let all = "*2\r\n$1\r\n0\r\n*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n";
    assert_eq!(c.cmd(&["SSCAN", "i", "0"]), all);
    assert_eq!(c3.cmd(&["SSCAN", "i", "0", "COUNT", "1"]), all);
    c.cmd(&["SADD", "l", "x", "5", "y"]);
    assert_eq!(c.cmd(&["SSCAN", "l", "0", "MATCH", "[a-x]"]), "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nx\r\n");
    assert_eq!(
        c.cmd(&["SSCAN", "l", "99", "MATCH", "[0-9]"]),
        "*2\r\n$1\r\n0\r\n*1\r\n$1\r\n5\r\n"
    );
    assert_eq!(c.cmd(&["SSCAN", "i", "x"]), err("ERR invalid cursor"));
    assert_eq!(c.cmd(&["SSCAN", "i", "0", "COUNT", "0"]), SYNTAX);
    assert_eq!(c.cmd(&["SSCAN", "i", "0", "TYPE", "set"]), SYNTAX);
    assert_eq!(c.cmd(&["SSCAN", "nokey", "0"]), EMPTY_SCAN);
    assert_eq!(c.cmd(&["SSCAN", "nokey", "0", "bad"]), EMPTY_SCAN);
    assert_eq!(c.cmd(&["SSCAN", "i"]), arity("sscan"));
}

#[test]
fn sscan_hashtable_returns_every_member_present_throughout() {
    let server = TestServer::start();
    let mut c = server.raw();
    sadd_many(&mut c, "s", (0..600).map(|i| format!("m{i}")));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "s"]), bulk("hashtable"));
    let mut seen = HashSet::new();
    let mut cursor = 0u64;
    let mut calls = 0;
    loop {
        let (next, items) = parse_scan(&c.cmd(&["SSCAN", "s", &cursor.to_string(), "COUNT", "25"]));
        assert!(items.len() <= 25);
        seen.extend(items);
        calls += 1;
        // Churn: pop (random members, possibly kept ones), remove and add between calls.
        c.cmd(&["SREM", "s", &format!("m{}", 300 + calls * 2)]);
        c.cmd(&["SADD", "s", &format!("new{calls}")]);
        cursor = next;
        if cursor == 0 {
            break;
        }
        assert!(calls < 1000);
    }
    for i in 0..300 {
        assert!(seen.contains(&format!("m{i}")), "m{i} missed");
    }
}

#[test]
fn encodings_follow_redis_thresholds() {
    let server = TestServer::start();
    let mut c = server.raw();
    sadd_many(&mut c, "ints", (0..512).map(|i| i.to_string()));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "ints"]), bulk("intset"));
    c.cmd(&["SADD", "ints", "512"]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "ints"]), bulk("hashtable"));
    // An intset of 128 integers takes a string as a hashtable, not a listpack.
    sadd_many(&mut c, "i128", (0..128).map(|i| i.to_string()));
    c.cmd(&["SADD", "i128", "s"]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "i128"]), bulk("hashtable"));
    sadd_many(&mut c, "lp", (0..128).map(|i| format!("m{i}")));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "lp"]), bulk("listpack"));
    c.cmd(&["SADD", "lp", "one more"]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "lp"]), bulk("hashtable"));
    c.cmd(&["SREM", "lp", "one more", "m1", "m2"]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "lp"]), bulk("hashtable"));
    c.cmd(&["SADD", "long", "a", &"x".repeat(65)]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "long"]), bulk("hashtable"));
    c.cmd(&["SADD", "edge", "a", &"x".repeat(64)]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "edge"]), bulk("listpack"));
    // Redis 7.2's size hint: SADD with more than 128 (or 512 integer) members converts at once.
    sadd_many(&mut c, "hint", std::iter::repeat_n("a".to_string(), 129));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "hint"]), bulk("hashtable"));
    assert_eq!(c.cmd(&["SCARD", "hint"]), int(1));
    c.cmd(&["SADD", "small", "1"]);
    sadd_many(&mut c, "small", std::iter::repeat_n("1".to_string(), 513));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "small"]), bulk("hashtable"));
}

#[test]
fn wrong_type_against_a_string() {
    let server = TestServer::start();
    let mut c = server.raw();
    c.cmd(&["SET", "s", "v"]);
    c.cmd(&["SADD", "set", "a"]);
    let commands: &[&[&str]] = &[
        &["SADD", "s", "a"],
        &["SREM", "s", "a"],
        &["SMEMBERS", "s"],
        &["SISMEMBER", "s", "a"],
        &["SMISMEMBER", "s", "a"],
        &["SCARD", "s"],
        &["SPOP", "s"],
        &["SPOP", "s", "2"],
        &["SRANDMEMBER", "s"],
        &["SRANDMEMBER", "s", "2"],
        &["SINTER", "set", "s"],
        &["SINTER", "nokey", "s"],
        &["SUNION", "s"],
        &["SDIFF", "nokey", "s"],
        &["SINTERSTORE", "d", "s"],
        &["SUNIONSTORE", "d", "set", "s"],
        &["SDIFFSTORE", "d", "s"],
        &["SINTERCARD", "1", "s"],
        &["SSCAN", "s", "0"],
    ];
    for command in commands {
        assert_eq!(c.cmd(command), WRONGTYPE, "{command:?}");
    }
    assert_eq!(c.cmd(&["EXISTS", "d"]), int(0));
    assert_eq!(c.cmd(&["GET", "s"]), bulk("v"));
    assert_eq!(c.cmd(&["GET", "set"]), WRONGTYPE);
    assert_eq!(c.cmd(&["TYPE", "set"]), "+set\r\n");
}

#[test]
fn command_info_and_getkeys() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "SMOVE", "a", "b", "m"]), bulk_array(&["a", "b"]));
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYS", "SUNIONSTORE", "d", "a", "b"]),
        bulk_array(&["d", "a", "b"])
    );
    let info = c.cmd(&["COMMAND", "INFO", "sintercard"]);
    assert!(
        info.starts_with(
            "*1\r\n*10\r\n$10\r\nsintercard\r\n:-3\r\n*2\r\n+readonly\r\n+movablekeys\r\n:0\r\n:0\r\n:0\r\n"
        ),
        "{info:?}"
    );
}

/// Every set write survives a restart: members, their order, and the encodings.
#[test]
fn every_write_survives_a_restart() {
    let mut server = TestServer::start();
    let mut c = server.raw();
    c.cmd(&["SADD", "ints", "5", "3", "9", "1"]);
    c.cmd(&["SREM", "ints", "3"]);
    c.cmd(&["SADD", "lp", "b", "7", "a", "c"]);
    c.cmd(&["SREM", "lp", "7"]);
    c.cmd(&["SPOP", "lp"]);
    sadd_many(&mut c, "big", (0..300).map(|i| format!("m{i}")));
    for i in (0..300).step_by(11) {
        c.cmd(&["SREM", "big", &format!("m{i}")]);
    }
    c.cmd(&["SPOP", "big", "20"]);
    c.cmd(&["SPOP", "big"]);
    c.cmd(&["SADD", "move-src", "x", "y"]);
    c.cmd(&["SMOVE", "move-src", "move-dst", "x"]);
    c.cmd(&["SMOVE", "move-src", "move-dst", "y"]);
    c.cmd(&["SADD", "popall", "1", "2"]);
    c.cmd(&["SPOP", "popall", "5"]);
    c.cmd(&["SADD", "i1", "1", "2", "3", "4"]);
    c.cmd(&["SADD", "i2", "3", "4", "z"]);
    c.cmd(&["SINTERSTORE", "inter", "i1", "i2"]);
    c.cmd(&["SUNIONSTORE", "union", "i2", "i1"]);
    c.cmd(&["SDIFFSTORE", "diff", "i1", "i2"]);
    c.cmd(&["SADD", "emptied", "q"]);
    c.cmd(&["SINTERSTORE", "emptied", "i1", "nokey"]);
    c.cmd(&["SUNIONSTORE", "big-copy", "big"]);
    // Orders no re-insertion would give: integers out of order in a listpack, and a diff
    // that removes from a hashtable (Redis's second SDIFF algorithm).
    c.cmd(&["SADD", "ord", "b", "7", "5"]);
    c.cmd(&["SREM", "ord", "b"]);
    c.cmd(&["SADD", "ord", "b"]);
    c.cmd(&["SADD", "sup", "5", "7", "b", "x"]);
    c.cmd(&["SINTERSTORE", "ord-inter", "ord", "sup"]);
    c.cmd(&["SREM", "ord", "b"]);
    c.cmd(&["COPY", "ord", "ord-copy"]);
    c.cmd(&["SADD", "x1", "m5"]);
    c.cmd(&["SADD", "x2", "m7", "m8"]);
    c.cmd(&["SDIFFSTORE", "diff2", "big", "x1", "x2"]);
    // SADD's size hint counts every argument, duplicates included.
    sadd_many(&mut c, "hint", std::iter::repeat_n("a".to_string(), 129));
    sadd_many(&mut c, "hint-ints", (0..100).map(|i| (i % 3).to_string()));
    sadd_many(&mut c, "hint-ints", std::iter::repeat_n("7".to_string(), 513));
    let keys = [
        "ints",
        "lp",
        "big",
        "move-src",
        "move-dst",
        "popall",
        "inter",
        "union",
        "diff",
        "emptied",
        "big-copy",
        "ord-inter",
        "ord-copy",
        "diff2",
        "hint",
        "hint-ints",
    ];
    let state = |c: &mut RawClient| -> Vec<(String, String)> {
        keys.iter().map(|k| (c.cmd(&["SMEMBERS", k]), c.cmd(&["OBJECT", "ENCODING", k]))).collect()
    };
    let before = state(&mut c);
    assert_eq!(before[0], (bulk_array(&["1", "5", "9"]), bulk("intset")));
    assert_eq!(before[3], ("*0\r\n".to_string(), NIL.to_string()));
    assert_eq!(before[4], (bulk_array(&["x", "y"]), bulk("listpack")));
    assert_eq!(before[6], (bulk_array(&["3", "4"]), bulk("intset")));
    assert_eq!(before[7].0, bulk_array(&["3", "4", "z", "1", "2"]));
    assert_eq!(before[8], (bulk_array(&["1", "2"]), bulk("intset")));
    assert_eq!(before[2].1, bulk("hashtable"));
    assert_eq!(bulks(&before[2].0).len(), 300 - 28 - 21);
    assert_eq!(before[10], (before[2].0.clone(), bulk("hashtable")));
    assert_eq!(before[11], (bulk_array(&["7", "5", "b"]), bulk("listpack")));
    assert_eq!(before[12], (bulk_array(&["7", "5"]), bulk("listpack")));
    assert_eq!(before[13].1, bulk("hashtable"));
    assert_eq!(before[14], (bulk_array(&["a"]), bulk("hashtable")));
    assert_eq!(before[15], (bulk_array(&["0", "1", "2", "7"]), bulk("hashtable")));
    drop(c);
    server.restart();
    let mut c = server.raw();
    assert_eq!(state(&mut c), before);
}

#[test]
fn sort_numbers_letters_limits_and_errors() {
    let server = TestServer::start();
    let mut c = server.raw();
    let mut c3 = server.raw().resp3();
    c.cmd(&["SADD", "s", "3", "10", "1", "2"]);
    assert_eq!(c.cmd(&["SORT", "s"]), bulk_array(&["1", "2", "3", "10"]));
    assert_eq!(c3.cmd(&["SORT", "s"]), bulk_array(&["1", "2", "3", "10"]));
    assert_eq!(c.cmd(&["SORT", "s", "DESC"]), bulk_array(&["10", "3", "2", "1"]));
    assert_eq!(c.cmd(&["SORT", "s", "ALPHA"]), bulk_array(&["1", "10", "2", "3"]));
    assert_eq!(c.cmd(&["SORT", "s", "alpha", "desc"]), bulk_array(&["3", "2", "10", "1"]));
    assert_eq!(c.cmd(&["SORT", "s", "LIMIT", "1", "2"]), bulk_array(&["2", "3"]));
    assert_eq!(c.cmd(&["SORT", "s", "LIMIT", "0", "0"]), "*0\r\n");
    assert_eq!(c.cmd(&["SORT", "s", "LIMIT", "-5", "2"]), bulk_array(&["1", "2"]));
    assert_eq!(c.cmd(&["SORT", "s", "LIMIT", "2", "-1"]), bulk_array(&["3", "10"]));
    assert_eq!(c.cmd(&["SORT", "s", "LIMIT", "10", "5"]), "*0\r\n");
    assert_eq!(c.cmd(&["SORT_RO", "s", "DESC", "LIMIT", "0", "1"]), bulk_array(&["10"]));
    assert_eq!(c.cmd(&["SORT", "s", "LIMIT", "1"]), SYNTAX);
    assert_eq!(c.cmd(&["SORT", "s", "LIMIT", "a", "1"]), NOT_INTEGER);
    assert_eq!(c.cmd(&["SORT", "s", "foo"]), SYNTAX);
    assert_eq!(c.cmd(&["SORT", "s", "GET"]), SYNTAX);
    assert_eq!(c.cmd(&["SORT", "s", "STORE"]), SYNTAX);
    assert_eq!(c.cmd(&["SORT_RO", "s", "STORE", "d"]), SYNTAX);
    c.cmd(&["SADD", "words", "banana", "apple", "Cherry", "10"]);
    let not_double = err("ERR One or more scores can't be converted into double");
    assert_eq!(c.cmd(&["SORT", "words"]), not_double);
    assert_eq!(
        c.cmd(&["SORT", "words", "ALPHA"]),
        bulk_array(&["10", "Cherry", "apple", "banana"])
    );
    assert_eq!(c.cmd(&["SORT", "nokey"]), "*0\r\n");
    c.cmd(&["SET", "str", "v"]);
    c.cmd(&["HSET", "hash", "a", "b"]);
    assert_eq!(c.cmd(&["SORT", "str"]), WRONGTYPE);
    assert_eq!(c.cmd(&["SORT_RO", "hash"]), WRONGTYPE);
    assert_eq!(c.cmd(&["SORT"]), arity("sort"));
}

#[test]
fn sort_by_and_get_patterns() {
    let server = TestServer::start();
    let mut c = server.raw();
    let mut c3 = server.raw().resp3();
    c.cmd(&["SADD", "s", "3", "10", "1", "2"]);
    c.cmd(&["MSET", "w_1", "30", "w_2", "20", "w_3", "x", "w_10", "5"]);
    let not_double = err("ERR One or more scores can't be converted into double");
    assert_eq!(c.cmd(&["SORT", "s", "BY", "w_*"]), not_double);
    c.cmd(&["SET", "w_3", "10"]);
    assert_eq!(c.cmd(&["SORT", "s", "BY", "w_*"]), bulk_array(&["10", "3", "2", "1"]));
    assert_eq!(
        c.cmd(&["SORT", "s", "BY", "w_*", "GET", "#", "GET", "w_*"]),
        bulk_array(&["10", "5", "3", "10", "2", "20", "1", "30"])
    );
    // Missing GET values are nulls in both protocols.
    assert_eq!(
        c.cmd(&["SORT", "s", "BY", "w_*", "LIMIT", "0", "1", "GET", "nope_*", "GET", "#"]),
        "*2\r\n$-1\r\n$2\r\n10\r\n"
    );
    assert_eq!(
        c3.cmd(&["SORT", "s", "BY", "w_*", "LIMIT", "0", "1", "GET", "nope_*"]),
        "*1\r\n_\r\n"
    );
    c.cmd(&["HSET", "h_1", "f", "a"]);
    c.cmd(&["HSET", "h_2", "f", "c"]);
    c.cmd(&["HSET", "h_3", "f", "b"]);
    // Hash fields with ->; a missing weight sorts first under ALPHA.
    assert_eq!(c.cmd(&["SORT", "s", "BY", "h_*->f", "ALPHA"]), bulk_array(&["10", "1", "3", "2"]));
    assert_eq!(
        c.cmd(&["SORT", "s", "BY", "h_*->f", "ALPHA", "GET", "h_*->f", "LIMIT", "1", "3"]),
        bulk_array(&["a", "b", "c"])
    );
    // Numeric: a missing weight is 0, ties go by the element's bytes.
    assert_eq!(c.cmd(&["SORT", "s", "BY", "missing_*"]), bulk_array(&["1", "10", "2", "3"]));
    // BY without '*' does not sort: a set comes in its stored order.
    assert_eq!(c.cmd(&["SORT", "s", "BY", "nosort"]), bulk_array(&["1", "2", "3", "10"]));
    // Weights read like strtod: leading spaces, the empty string as 0, no trailing bytes.
    c.cmd(&["SADD", "sp", "x", "1"]);
    c.cmd(&["SET", "w_x", " 5"]);
    assert_eq!(c.cmd(&["SORT", "sp", "BY", "w_*"]), bulk_array(&["x", "1"]));
    c.cmd(&["SET", "w_x", ""]);
    assert_eq!(c.cmd(&["SORT", "sp", "BY", "w_*"]), bulk_array(&["x", "1"]));
    c.cmd(&["SET", "w_x", "5 "]);
    assert_eq!(c.cmd(&["SORT", "sp", "BY", "w_*"]), not_double);
    c.cmd(&["SET", "w_x", "nan"]);
    assert_eq!(c.cmd(&["SORT", "sp", "BY", "w_*"]), not_double);
}

#[test]
fn sort_store_makes_a_list_that_survives_a_restart() {
    let mut server = TestServer::start();
    let mut c = server.raw();
    c.cmd(&["SADD", "s", "3", "10", "1", "2"]);
    c.cmd(&["SET", "d", "old", "EX", "100"]);
    assert_eq!(c.cmd(&["SORT", "s", "DESC", "STORE", "d"]), int(4));
    assert_eq!(c.cmd(&["TYPE", "d"]), "+list\r\n");
    assert_eq!(c.cmd(&["TTL", "d"]), int(-1));
    // A list keeps its order unless sorted; DESC with BY nosort reverses it.
    assert_eq!(c.cmd(&["SORT", "d", "BY", "nosort"]), bulk_array(&["10", "3", "2", "1"]));
    assert_eq!(c.cmd(&["SORT", "d", "BY", "nosort", "DESC"]), bulk_array(&["1", "2", "3", "10"]));
    assert_eq!(c.cmd(&["SORT", "d", "BY", "nosort", "LIMIT", "1", "2"]), bulk_array(&["3", "2"]));
    assert_eq!(c.cmd(&["SORT", "d"]), bulk_array(&["1", "2", "3", "10"]));
    // A set stored without sorting is sorted ALPHA, so it replays the same.
    c.cmd(&["SADD", "words", "b", "10", "a"]);
    assert_eq!(c.cmd(&["SORT", "words", "BY", "nosort", "STORE", "w"]), int(3));
    assert_eq!(c.cmd(&["SORT", "w", "BY", "nosort"]), bulk_array(&["10", "a", "b"]));
    // Missing GET values are stored as empty strings.
    assert_eq!(c.cmd(&["SORT", "s", "GET", "nope_*", "GET", "#", "STORE", "g"]), int(8));
    assert_eq!(
        c.cmd(&["SORT", "g", "BY", "nosort", "LIMIT", "0", "4"]),
        bulk_array(&["", "1", "", "2"])
    );
    // An empty result deletes the destination.
    c.cmd(&["SET", "gone", "x"]);
    assert_eq!(c.cmd(&["SORT", "nokey", "STORE", "gone"]), int(0));
    assert_eq!(c.cmd(&["EXISTS", "gone"]), int(0));
    let before: Vec<String> =
        ["d", "w", "g"].iter().map(|k| c.cmd(&["SORT", k, "BY", "nosort"])).collect();
    drop(c);
    server.restart();
    let mut c = server.raw();
    let after: Vec<String> =
        ["d", "w", "g"].iter().map(|k| c.cmd(&["SORT", k, "BY", "nosort"])).collect();
    assert_eq!(after, before);
    assert_eq!(c.cmd(&["EXISTS", "gone"]), int(0));
}

/// SMOVE and the STORE forms lock every key they touch: concurrent moves between two sets
/// never lose or duplicate a member, live or after a restart.
#[test]
fn concurrent_moves_keep_every_member_once() {
    let mut server = TestServer::start();
    let mut c = server.raw();
    sadd_many(&mut c, "a", (0..100).map(|i| format!("m{i}")));
    sadd_many(&mut c, "b", (100..200).map(|i| format!("m{i}")));
    let port = server.port;
    let workers: Vec<_> = (0..4)
        .map(|w| {
            std::thread::spawn(move || {
                let mut c = RawClient::connect(port);
                for i in 0..300 {
                    let member = format!("m{}", (i * 7 + w * 13) % 200);
                    let (from, to) = if i % 2 == 0 { ("a", "b") } else { ("b", "a") };
                    c.cmd(&["SMOVE", from, to, &member]);
                    if i % 50 == 0 {
                        c.cmd(&["SUNIONSTORE", &format!("u{w}"), "a", "b"]);
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("worker");
    }
    let members = |c: &mut RawClient| -> Vec<String> {
        let mut all = bulks(&c.cmd(&["SMEMBERS", "a"]));
        all.extend(bulks(&c.cmd(&["SMEMBERS", "b"])));
        all.sort();
        all
    };
    let mut expected: Vec<String> = (0..200).map(|i| format!("m{i}")).collect();
    expected.sort();
    assert_eq!(members(&mut c), expected);
    for w in 0..4 {
        assert_eq!(c.cmd(&["SCARD", &format!("u{w}")]), int(200));
    }
    let before = (c.cmd(&["SMEMBERS", "a"]), c.cmd(&["SMEMBERS", "b"]));
    drop(c);
    server.restart();
    let mut c = server.raw();
    assert_eq!((c.cmd(&["SMEMBERS", "a"]), c.cmd(&["SMEMBERS", "b"])), before);
}
