//! The compact-encoding thresholds as live settings: CONFIG GET defaults and aliases, CONFIG
//! SET validation, and OBJECT ENCODING following the limits from then on.
mod common;

use common::*;

fn encoding(c: &mut RawClient, key: &str) -> String {
    c.cmd(&["OBJECT", "ENCODING", key])
}

fn config_get(c: &mut RawClient, name: &str) -> String {
    c.cmd(&["CONFIG", "GET", name])
}

#[test]
fn defaults_and_aliases_read_back() {
    let server = TestServer::start();
    let mut c = server.raw();
    let defaults = [
        ("list-max-listpack-size", "list-max-ziplist-size", "-2"),
        ("hash-max-listpack-entries", "hash-max-ziplist-entries", "512"),
        ("hash-max-listpack-value", "hash-max-ziplist-value", "64"),
        ("zset-max-listpack-entries", "zset-max-ziplist-entries", "128"),
        ("zset-max-listpack-value", "zset-max-ziplist-value", "64"),
    ];
    for (name, alias, value) in defaults {
        assert_eq!(config_get(&mut c, name), bulk_array(&[name, value]), "{name}");
        assert_eq!(config_get(&mut c, alias), bulk_array(&[alias, value]), "{alias}");
    }
    for (name, value) in [
        ("set-max-intset-entries", "512"),
        ("set-max-listpack-entries", "128"),
        ("set-max-listpack-value", "64"),
    ] {
        assert_eq!(config_get(&mut c, name), bulk_array(&[name, value]), "{name}");
    }
    // Setting through an alias changes the canonical setting.
    assert_eq!(c.cmd(&["CONFIG", "SET", "hash-max-ziplist-entries", "7"]), "+OK\r\n");
    assert_eq!(
        config_get(&mut c, "hash-max-listpack-entries"),
        bulk_array(&["hash-max-listpack-entries", "7"])
    );
    assert_eq!(c.cmd(&["CONFIG", "SET", "zset-max-listpack-value", "1kb"]), "+OK\r\n");
    assert_eq!(
        config_get(&mut c, "zset-max-ziplist-value"),
        bulk_array(&["zset-max-ziplist-value", "1024"])
    );
}

#[test]
fn invalid_values_are_refused_with_redis_texts() {
    let server = TestServer::start();
    let mut c = server.raw();
    let cases = [
        (
            "hash-max-listpack-entries",
            "-1",
            "argument must be between 0 and 9223372036854775807 inclusive",
        ),
        ("set-max-intset-entries", "many", "argument couldn't be parsed into an integer"),
        ("zset-max-listpack-value", "big", "argument must be a memory value"),
        (
            "list-max-listpack-size",
            "2147483648",
            "argument must be between -2147483648 and 2147483647 inclusive",
        ),
    ];
    for (name, value, reason) in cases {
        assert_eq!(
            c.cmd(&["CONFIG", "SET", name, value]),
            err(&format!(
                "ERR CONFIG SET failed (possibly related to argument '{name}') - {reason}"
            )),
            "{name} {value}"
        );
    }
    assert_eq!(
        config_get(&mut c, "set-max-intset-entries"),
        bulk_array(&["set-max-intset-entries", "512"])
    );
}

#[test]
fn hash_limits_apply_from_then_on() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["CONFIG", "SET", "hash-max-listpack-entries", "4"]), "+OK\r\n");
    c.cmd(&["HSET", "four", "a", "1", "b", "2", "c", "3", "d", "4"]);
    assert_eq!(encoding(&mut c, "four"), bulk("listpack"));
    c.cmd(&["HSET", "five", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5"]);
    assert_eq!(encoding(&mut c, "five"), bulk("hashtable"));
    c.cmd(&["HSET", "four", "e", "5"]);
    assert_eq!(encoding(&mut c, "four"), bulk("hashtable"));

    assert_eq!(c.cmd(&["CONFIG", "SET", "hash-max-listpack-value", "3"]), "+OK\r\n");
    c.cmd(&["HSET", "short", "f", "abc"]);
    assert_eq!(encoding(&mut c, "short"), bulk("listpack"));
    c.cmd(&["HSET", "long", "f", "abcd"]);
    assert_eq!(encoding(&mut c, "long"), bulk("hashtable"));

    // Raising the limits never converts back.
    assert_eq!(
        c.cmd(&[
            "CONFIG",
            "SET",
            "hash-max-listpack-entries",
            "128",
            "hash-max-listpack-value",
            "64"
        ]),
        "+OK\r\n"
    );
    assert_eq!(encoding(&mut c, "four"), bulk("hashtable"));
    c.cmd(&["HSET", "four", "f", "6"]);
    assert_eq!(encoding(&mut c, "four"), bulk("hashtable"));
    c.cmd(&["HSET", "fresh", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5"]);
    assert_eq!(encoding(&mut c, "fresh"), bulk("listpack"));
}

#[test]
fn set_limits_apply_from_then_on() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["CONFIG", "SET", "set-max-intset-entries", "2"]), "+OK\r\n");
    c.cmd(&["SADD", "two", "1", "2"]);
    assert_eq!(encoding(&mut c, "two"), bulk("intset"));
    c.cmd(&["SADD", "two", "3"]);
    assert_eq!(encoding(&mut c, "two"), bulk("hashtable"));
    // Beyond the intset limit at creation, integers start as a listpack.
    c.cmd(&["SADD", "three", "1", "2", "3"]);
    assert_eq!(encoding(&mut c, "three"), bulk("listpack"));

    assert_eq!(
        c.cmd(&["CONFIG", "SET", "set-max-listpack-entries", "3", "set-max-listpack-value", "2"]),
        "+OK\r\n"
    );
    c.cmd(&["SADD", "words", "a", "b", "c"]);
    assert_eq!(encoding(&mut c, "words"), bulk("listpack"));
    c.cmd(&["SADD", "words", "d"]);
    assert_eq!(encoding(&mut c, "words"), bulk("hashtable"));
    c.cmd(&["SADD", "long", "abc"]);
    assert_eq!(encoding(&mut c, "long"), bulk("hashtable"));

    assert_eq!(c.cmd(&["CONFIG", "SET", "set-max-intset-entries", "512"]), "+OK\r\n");
    c.cmd(&["SREM", "two", "3"]);
    assert_eq!(encoding(&mut c, "two"), bulk("hashtable"));
}

#[test]
fn zset_limits_apply_from_then_on() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["CONFIG", "SET", "zset-max-listpack-value", "3"]), "+OK\r\n");
    c.cmd(&["ZADD", "short", "1", "abc"]);
    assert_eq!(encoding(&mut c, "short"), bulk("listpack"));
    c.cmd(&["ZADD", "long", "1", "abcd"]);
    assert_eq!(encoding(&mut c, "long"), bulk("skiplist"));
    c.cmd(&["ZADD", "short", "2", "abcd"]);
    assert_eq!(encoding(&mut c, "short"), bulk("skiplist"));

    assert_eq!(c.cmd(&["CONFIG", "SET", "zset-max-ziplist-entries", "2"]), "+OK\r\n");
    c.cmd(&["ZADD", "count", "1", "a", "2", "b"]);
    assert_eq!(encoding(&mut c, "count"), bulk("listpack"));
    c.cmd(&["ZADD", "count", "3", "c"]);
    assert_eq!(encoding(&mut c, "count"), bulk("skiplist"));

    assert_eq!(
        c.cmd(&[
            "CONFIG",
            "SET",
            "zset-max-listpack-entries",
            "128",
            "zset-max-listpack-value",
            "64"
        ]),
        "+OK\r\n"
    );
    c.cmd(&["ZREM", "count", "c"]);
    assert_eq!(encoding(&mut c, "count"), bulk("skiplist"));
    c.cmd(&["ZADD", "again", "1", "abcd"]);
    assert_eq!(encoding(&mut c, "again"), bulk("listpack"));
}

#[test]
fn list_size_counts_entries_or_bytes() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["CONFIG", "SET", "list-max-listpack-size", "2"]), "+OK\r\n");
    c.cmd(&["RPUSH", "l", "a", "b"]);
    assert_eq!(encoding(&mut c, "l"), bulk("listpack"));
    c.cmd(&["RPUSH", "l", "c"]);
    assert_eq!(encoding(&mut c, "l"), bulk("quicklist"));
    // Back to listpack at half the limit (one entry).
    c.cmd(&["RPOP", "l"]);
    assert_eq!(encoding(&mut c, "l"), bulk("quicklist"));
    c.cmd(&["RPOP", "l"]);
    assert_eq!(encoding(&mut c, "l"), bulk("listpack"));

    // -1: 4 KiB. Redis checks the listpack's bytes plus the raw lengths of what is pushed:
    // 30 elements of 100 bytes fit, 50 do not.
    assert_eq!(c.cmd(&["CONFIG", "SET", "list-max-ziplist-size", "-1"]), "+OK\r\n");
    let element = "x".repeat(100);
    let mut small = vec!["RPUSH", "small"];
    small.extend(std::iter::repeat_n(element.as_str(), 30));
    c.cmd(&small);
    assert_eq!(encoding(&mut c, "small"), bulk("listpack"));
    let mut big = vec!["RPUSH", "big"];
    big.extend(std::iter::repeat_n(element.as_str(), 50));
    c.cmd(&big);
    assert_eq!(encoding(&mut c, "big"), bulk("quicklist"));

    // -5: 64 KiB; the existing quicklist stays one, a new list of the same size is a listpack.
    assert_eq!(c.cmd(&["CONFIG", "SET", "list-max-listpack-size", "-5"]), "+OK\r\n");
    assert_eq!(encoding(&mut c, "big"), bulk("quicklist"));
    big[1] = "big2";
    c.cmd(&big);
    assert_eq!(encoding(&mut c, "big2"), bulk("listpack"));
    // Any value below -5 means 64 KiB too.
    assert_eq!(c.cmd(&["CONFIG", "SET", "list-max-listpack-size", "-100"]), "+OK\r\n");
    big[1] = "big3";
    c.cmd(&big);
    assert_eq!(encoding(&mut c, "big3"), bulk("listpack"));
    assert_eq!(c.cmd(&["LLEN", "big3"]), int(50));
}

#[test]
fn replay_uses_the_startup_settings() {
    let mut server = TestServer::start_with(&["--appendfsync", "always"]);
    let mut c = server.raw();
    assert_eq!(c.cmd(&["CONFIG", "SET", "hash-max-listpack-entries", "1"]), "+OK\r\n");
    c.cmd(&["HSET", "h", "a", "1", "b", "2"]);
    assert_eq!(encoding(&mut c, "h"), bulk("hashtable"));
    c.cmd(&["SADD", "s", "1", "2", "3"]);
    assert_eq!(encoding(&mut c, "s"), bulk("intset"));
    drop(c);
    // CONFIG SET is not persisted: without flags, replay rebuilds values under the defaults.
    server.restart_with(&["--appendfsync", "always"]);
    let mut c = server.raw();
    assert_eq!(
        config_get(&mut c, "hash-max-listpack-entries"),
        bulk_array(&["hash-max-listpack-entries", "512"])
    );
    assert_eq!(c.cmd(&["HGET", "h", "b"]), bulk("2"));
    assert_eq!(encoding(&mut c, "h"), bulk("listpack"));
    assert_eq!(c.cmd(&["SCARD", "s"]), int(3));
    assert_eq!(encoding(&mut c, "s"), bulk("intset"));
}

#[test]
fn startup_flags_set_the_thresholds_before_replay() {
    let flags = ["--appendfsync", "always"];
    let mut server = TestServer::start_with(&flags);
    let mut c = server.raw();
    c.cmd(&["HSET", "h", "a", "1", "b", "2"]);
    c.cmd(&["RPUSH", "l", "a", "b", "c"]);
    c.cmd(&["ZADD", "z", "1", "abcd"]);
    c.cmd(&["SADD", "s", "1", "2", "3"]);
    assert_eq!(encoding(&mut c, "h"), bulk("listpack"));
    drop(c);
    server.restart_with(&[
        "--appendfsync",
        "always",
        "--hash-max-listpack-entries",
        "1",
        "--list-max-listpack-size",
        "2",
        "--zset-max-listpack-value",
        "3",
        "--set-max-intset-entries",
        "2",
    ]);
    let mut c = server.raw();
    assert_eq!(
        config_get(&mut c, "hash-max-ziplist-entries"),
        bulk_array(&["hash-max-ziplist-entries", "1"])
    );
    assert_eq!(
        config_get(&mut c, "list-max-listpack-size"),
        bulk_array(&["list-max-listpack-size", "2"])
    );
    assert_eq!(encoding(&mut c, "h"), bulk("hashtable"));
    assert_eq!(encoding(&mut c, "l"), bulk("quicklist"));
    assert_eq!(encoding(&mut c, "z"), bulk("skiplist"));
    // Three integers beyond set-max-intset-entries 2 start as a listpack, as SADD makes them.
    assert_eq!(encoding(&mut c, "s"), bulk("listpack"));
    assert_eq!(c.cmd(&["HGET", "h", "b"]), bulk("2"));
    assert_eq!(c.cmd(&["LRANGE", "l", "0", "-1"]), bulk_array(&["a", "b", "c"]));
    assert_eq!(c.cmd(&["SCARD", "s"]), int(3));
}

#[test]
fn limits_above_the_defaults_keep_larger_values_compact() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(
        c.cmd(&[
            "CONFIG",
            "SET",
            "hash-max-listpack-entries",
            "1000",
            "hash-max-listpack-value",
            "1kb",
            "set-max-listpack-entries",
            "1000",
            "set-max-listpack-value",
            "1000",
        ]),
        "+OK\r\n"
    );
    let long = "v".repeat(1000);
    let fields: Vec<String> = (0..300).map(|i| format!("f{i}")).collect();
    let mut hset = vec!["HSET", "h", "long", long.as_str()];
    for field in &fields {
        hset.extend([field.as_str(), "x"]);
    }
    assert_eq!(c.cmd(&hset), int(301));
    assert_eq!(encoding(&mut c, "h"), bulk("listpack"));
    assert_eq!(c.cmd(&["HGET", "h", "long"]), bulk(&long));
    assert_eq!(c.cmd(&["HGET", "h", "f299"]), bulk("x"));
    let mut sadd = vec!["SADD", "s", long.as_str()];
    sadd.extend(fields.iter().map(String::as_str));
    assert_eq!(c.cmd(&sadd), int(301));
    assert_eq!(encoding(&mut c, "s"), bulk("listpack"));
    assert_eq!(c.cmd(&["SISMEMBER", "s", &long]), int(1));
    c.cmd(&["HSET", "h", "longer", &"w".repeat(1025)]);
    assert_eq!(encoding(&mut c, "h"), bulk("hashtable"));
    assert_eq!(c.cmd(&["HLEN", "h"]), int(302));
}
