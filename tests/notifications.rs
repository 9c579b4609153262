//! Keyspace notifications (`notify-keyspace-events`): the setting's letters and canonical
//! form, the startup flag, one event per class on both channels with Redis's exact frames,
//! `expired` from a short PEXPIRE, `new` and `keymiss`, the order of multi-event commands and
//! of blocking pops served by a push, and silence for a class that is off. Event sequences
//! checked against redis-server 7.0.
mod common;

use std::process::{Command, Stdio};

use common::{bulk, err, int, wait_blocked, RawClient, TestServer, NIL, OK};

const PATTERN: &str = "__key*__:*";

fn pmessage(channel: &str, payload: &str) -> String {
    format!("*4\r\n{}{}{}{}", bulk("pmessage"), bulk(PATTERN), bulk(channel), bulk(payload))
}

/// A client subscribed to every keyspace and keyevent channel.
fn listener(server: &TestServer) -> RawClient {
    let mut c = server.raw();
    let reply = c.cmd(&["PSUBSCRIBE", PATTERN]);
    assert_eq!(reply, format!("*3\r\n{}{}{}", bulk("psubscribe"), bulk(PATTERN), int(1)));
    c
}

/// Reads the two frames of `event` on `key` in database 0: keyspace first, then keyevent.
fn expect_event(c: &mut RawClient, event: &str, key: &str) {
    expect_event_in(c, 0, event, key);
}

/// `expect_event` for database `db`.
fn expect_event_in(c: &mut RawClient, db: usize, event: &str, key: &str) {
    let keyspace = pmessage(&format!("__keyspace@{db}__:{key}"), event);
    assert_eq!(c.read_reply(), keyspace, "{event} {key}");
    let keyevent = pmessage(&format!("__keyevent@{db}__:{event}"), key);
    assert_eq!(c.read_reply(), keyevent, "{event} {key}");
}

/// Publishes a marker and reads it: every frame the listener got before it was read already,
/// so a command that should publish nothing is proven silent.
fn expect_marker(c: &mut RawClient, l: &mut RawClient, marker: &str) {
    c.cmd(&["PUBLISH", "__keyspace@0__:marker", marker]);
    assert_eq!(l.read_reply(), pmessage("__keyspace@0__:marker", marker));
}

/// Runs each command on `c` and reads the (event, key) pairs it should publish in database
/// 0, in order, then a marker: nothing else was published.
fn run_steps(c: &mut RawClient, l: &mut RawClient, steps: &[Step]) {
    for (i, (command, events)) in steps.iter().enumerate() {
        c.cmd(command);
        for (event, key) in *events {
            expect_event(l, event, key);
        }
        expect_marker(c, l, &i.to_string());
    }
}

#[test]
fn setting_round_trips_in_redis_canonical_form() {
    let server = TestServer::start();
    let mut c = server.raw();
    let get = |c: &mut RawClient| c.cmd(&["CONFIG", "GET", "notify-keyspace-events"]);
    let shown = |value: &str| format!("*2\r\n{}{}", bulk("notify-keyspace-events"), bulk(value));
    assert_eq!(get(&mut c), shown(""));
    for (set, canonical) in
        [("KEA", "AKE"), ("Exn", "xnE"), ("ndteK", "etdnK"), ("g$lshzxetdKEmn", "AKEm"), ("", "")]
    {
        assert_eq!(c.cmd(&["CONFIG", "SET", "notify-keyspace-events", set]), OK, "{set}");
        assert_eq!(get(&mut c), shown(canonical), "{set}");
    }
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "KQ"]),
        err("ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - \
             Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
    );
    assert_eq!(get(&mut c), shown(""));
}

/// A command and the (event, key) pairs it publishes, in order.
type Step = (&'static [&'static str], &'static [(&'static str, &'static str)]);

#[test]
fn every_class_publishes_on_both_channels() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "KEA"]), OK);
    let mut l = listener(&server);
    let steps: &[Step] = &[
        (&["SET", "s", "v", "EX", "100"], &[("set", "s"), ("expire", "s")]),
        (&["INCR", "n"], &[("incrby", "n")]),
        (&["APPEND", "s", "x"], &[("append", "s")]),
        (&["SETRANGE", "s", "0", "w"], &[("setrange", "s")]),
        (&["SETRANGE", "s", "0", ""], &[]),
        (&["RPUSH", "l", "a"], &[("rpush", "l")]),
        (&["LPUSH", "l", "b"], &[("lpush", "l")]),
        (&["RPOP", "l"], &[("rpop", "l")]),
        (&["LPOP", "l"], &[("lpop", "l"), ("del", "l")]),
        (&["HSET", "h", "f", "v"], &[("hset", "h")]),
        (&["HINCRBY", "h", "n", "2"], &[("hincrby", "h")]),
        (&["HINCRBYFLOAT", "h", "n", "0.5"], &[("hincrbyfloat", "h")]),
        (&["HDEL", "h", "f", "n"], &[("hdel", "h"), ("del", "h")]),
        (&["SADD", "st", "m"], &[("sadd", "st")]),
        (&["SREM", "st", "m"], &[("srem", "st"), ("del", "st")]),
        (&["ZADD", "z", "1", "m"], &[("zadd", "z")]),
        (&["ZREM", "z", "m"], &[("zrem", "z"), ("del", "z")]),
        (&["EXPIRE", "s", "100"], &[("expire", "s")]),
        (&["PERSIST", "s"], &[("persist", "s")]),
        (&["RENAME", "s", "s2"], &[("rename_from", "s"), ("rename_to", "s2")]),
        (&["DEL", "s2", "missing"], &[("del", "s2")]),
        (&["SET", "g", "v"], &[("set", "g")]),
        (&["UNLINK", "g"], &[("del", "g")]),
    ];
    for (command, events) in steps {
        c.cmd(command);
        for (event, key) in *events {
            expect_event(&mut l, event, key);
        }
    }
    // Expiry: lazy (a read finds the key past its deadline) and active (the expiry cycle).
    assert_eq!(c.cmd(&["PEXPIRE", "n", "30"]), int(1));
    expect_event(&mut l, "expire", "n");
    std::thread::sleep(std::time::Duration::from_millis(60));
    c.cmd(&["GET", "n"]);
    expect_event(&mut l, "expired", "n");
    c.cmd(&["SET", "a", "v", "PX", "30"]);
    expect_event(&mut l, "set", "a");
    expect_event(&mut l, "expire", "a");
    expect_event(&mut l, "expired", "a");
}

#[test]
fn a_class_that_is_off_publishes_nothing() {
    let server = TestServer::start();
    let mut c = server.raw();
    let mut l = listener(&server);
    // Off by default: the marker PUBLISH is the next frame.
    c.cmd(&["SET", "k", "v"]);
    c.cmd(&["PUBLISH", "__keyspace@0__:marker", "1"]);
    assert_eq!(l.read_reply(), pmessage("__keyspace@0__:marker", "1"));
    // Only keyevent, only lists: strings and generic events stay silent.
    assert_eq!(c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "El"]), OK);
    c.cmd(&["SET", "k", "v"]);
    c.cmd(&["DEL", "k"]);
    c.cmd(&["RPUSH", "l", "a"]);
    assert_eq!(l.read_reply(), pmessage("__keyevent@0__:rpush", "l"));
    // A class without K or E publishes nothing either.
    assert_eq!(c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "A"]), OK);
    c.cmd(&["RPUSH", "l", "b"]);
    c.cmd(&["PUBLISH", "__keyspace@0__:marker", "2"]);
    assert_eq!(l.read_reply(), pmessage("__keyspace@0__:marker", "2"));
}

#[test]
fn resp3_client_gets_its_own_events_before_its_reply() {
    let server = TestServer::start();
    let mut c = server.raw().resp3();
    assert_eq!(c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "E$"]), OK);
    c.cmd(&["SUBSCRIBE", "__keyevent@0__:set"]);
    c.send_command(&[b"SET", b"k", b"v"]);
    let push = format!(">3\r\n{}{}{}", bulk("message"), bulk("__keyevent@0__:set"), bulk("k"));
    assert_eq!(c.read_reply(), push);
    assert_eq!(c.read_reply(), OK);
}

#[test]
fn remaining_write_commands_publish_redis_events() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "KEA"]), OK);
    let mut l = listener(&server);
    let steps: &[Step] = &[
        // Strings and bitmaps.
        (&["SET", "s", "hello"], &[("set", "s")]),
        (&["GETEX", "s", "EX", "100"], &[("expire", "s")]),
        (&["GETEX", "s", "PERSIST"], &[("persist", "s")]),
        (&["GETEX", "s", "PERSIST"], &[]),
        (&["GETEX", "s", "PXAT", "1"], &[("del", "s")]),
        (&["SET", "s", "v"], &[("set", "s")]),
        (&["GETDEL", "s"], &[("del", "s")]),
        (&["SETBIT", "b", "3", "1"], &[("setbit", "b")]),
        (&["SETBIT", "b", "3", "1"], &[]),
        (&["BITOP", "AND", "d", "b", "missing"], &[("set", "d")]),
        (&["BITOP", "OR", "d", "missing", "missing2"], &[("del", "d")]),
        (&["BITFIELD", "bf", "SET", "u8", "0", "1"], &[("setbit", "bf")]),
        (&["BITFIELD", "bf", "GET", "u8", "0"], &[]),
        // Lists.
        (&["RPUSH", "l", "a", "b", "c", "a"], &[("rpush", "l")]),
        (&["LINSERT", "l", "BEFORE", "b", "x"], &[("linsert", "l")]),
        (&["LINSERT", "l", "BEFORE", "zz", "x"], &[]),
        (&["LSET", "l", "0", "y"], &[("lset", "l")]),
        (&["LTRIM", "l", "0", "10"], &[("ltrim", "l")]),
        (&["LREM", "l", "0", "a"], &[("lrem", "l")]),
        (&["LREM", "l", "0", "nothing"], &[]),
        (&["LTRIM", "l", "5", "10"], &[("ltrim", "l"), ("del", "l")]),
        (&["RPUSH", "l", "a"], &[("rpush", "l")]),
        (&["RPOPLPUSH", "l", "l2"], &[("lpush", "l2"), ("rpop", "l"), ("del", "l")]),
        (&["LMPOP", "1", "l2", "LEFT"], &[("lpop", "l2"), ("del", "l2")]),
        (&["RPUSH", "bl", "a", "b"], &[("rpush", "bl")]),
        (&["BRPOP", "bl", "1"], &[("rpop", "bl")]),
        (&["BLMPOP", "1", "1", "bl", "LEFT"], &[("lpop", "bl"), ("del", "bl")]),
        // Sets.
        (&["SADD", "a", "1", "2", "3"], &[("sadd", "a")]),
        (&["SPOP", "a"], &[("spop", "a")]),
        (&["SPOP", "a", "0"], &[]),
        (&["SPOP", "a", "5"], &[("spop", "a"), ("del", "a")]),
        (&["SADD", "a", "1", "2"], &[("sadd", "a")]),
        (&["SUNIONSTORE", "u", "a", "missing"], &[("sunionstore", "u")]),
        (&["SDIFFSTORE", "u", "a", "a"], &[("del", "u")]),
        (&["SINTERSTORE", "u", "a", "a"], &[("sinterstore", "u")]),
        (&["SDIFFSTORE", "u", "a", "missing"], &[("sdiffstore", "u")]),
        // Sorted sets.
        (&["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"], &[("zadd", "z")]),
        (&["ZPOPMIN", "z"], &[("zpopmin", "z")]),
        (&["ZPOPMIN", "z", "0"], &[]),
        (&["ZREMRANGEBYSCORE", "z", "2", "2"], &[("zremrangebyscore", "z")]),
        (&["ZREMRANGEBYLEX", "z", "[x", "[y"], &[]),
        (&["ZUNIONSTORE", "zu", "1", "z"], &[("zunionstore", "zu")]),
        (&["ZINTERSTORE", "zu", "2", "z", "missing"], &[("del", "zu")]),
        (&["ZDIFFSTORE", "zu", "1", "z"], &[("zdiffstore", "zu")]),
        (&["ZRANGESTORE", "zr", "z", "0", "0"], &[("zrangestore", "zr")]),
        (&["ZRANGESTORE", "zr", "z", "5", "6"], &[("del", "zr")]),
        (&["ZMPOP", "1", "z", "MAX"], &[("zpopmax", "z")]),
        (&["BZPOPMAX", "zu", "1"], &[("zpopmax", "zu")]),
        (&["ZREMRANGEBYRANK", "z", "0", "-1"], &[("zremrangebyrank", "z"), ("del", "z")]),
        (&["ZADD", "z", "1", "a"], &[("zadd", "z")]),
        (&["ZREMRANGEBYLEX", "z", "-", "+"], &[("zremrangebylex", "z"), ("del", "z")]),
        (&["ZADD", "z", "1", "a"], &[("zadd", "z")]),
        (&["BZMPOP", "1", "1", "z", "MIN"], &[("zpopmin", "z"), ("del", "z")]),
        // Keys.
        (&["RPUSH", "sl", "3", "1", "2"], &[("rpush", "sl")]),
        (&["SORT", "sl", "STORE", "sorted"], &[("sortstore", "sorted")]),
        (&["SORT", "missing", "STORE", "sorted"], &[("del", "sorted")]),
        (&["SET", "e", "1"], &[("set", "e")]),
        (&["EXPIRE", "e", "0"], &[("del", "e")]),
        (&["SET", "e", "1"], &[("set", "e")]),
        (&["PEXPIREAT", "e", "1"], &[("del", "e")]),
    ];
    run_steps(&mut c, &mut l, steps);
}

#[test]
fn multi_event_commands_publish_in_redis_order() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "KEA"]), OK);
    let mut l = listener(&server);
    // LMOVE: Redis pushes onto the destination first, then reports the pop and the emptied
    // source (t_list.c, lmoveGenericCommand).
    c.cmd(&["RPUSH", "src", "x"]);
    expect_event(&mut l, "rpush", "src");
    assert_eq!(c.cmd(&["LMOVE", "src", "dst", "LEFT", "RIGHT"]), bulk("x"));
    expect_event(&mut l, "rpush", "dst");
    expect_event(&mut l, "lpop", "src");
    expect_event(&mut l, "del", "src");
    // SMOVE: the source's srem and del, then the destination's sadd.
    c.cmd(&["SADD", "a", "1"]);
    expect_event(&mut l, "sadd", "a");
    assert_eq!(c.cmd(&["SMOVE", "a", "b", "1"]), int(1));
    expect_event(&mut l, "srem", "a");
    expect_event(&mut l, "del", "a");
    expect_event(&mut l, "sadd", "b");
    // RENAME: source, then destination.
    assert_eq!(c.cmd(&["RENAME", "b", "c"]), OK);
    expect_event(&mut l, "rename_from", "b");
    expect_event(&mut l, "rename_to", "c");
    // COPY: copy_to on the destination, in the destination's database.
    assert_eq!(c.cmd(&["COPY", "c", "d"]), int(1));
    expect_event(&mut l, "copy_to", "d");
    assert_eq!(c.cmd(&["COPY", "c", "d", "DB", "3"]), int(1));
    expect_event_in(&mut l, 3, "copy_to", "d");
    // MOVE: move_from in the source database, then move_to in the target.
    assert_eq!(c.cmd(&["MOVE", "d", "2"]), int(1));
    expect_event(&mut l, "move_from", "d");
    expect_event_in(&mut l, 2, "move_to", "d");
    // SINTERSTORE with an empty result over an existing key: only `del`.
    assert_eq!(c.cmd(&["SINTERSTORE", "c", "c", "missing"]), int(0));
    expect_event(&mut l, "del", "c");
    // ... and over no key at all: nothing.
    assert_eq!(c.cmd(&["SINTERSTORE", "c", "c", "missing"]), int(0));
    // SET with a deadline already past: Redis 7.2 sets the key and its deadline, and the key
    // expires at its next access (or the expiry cycle), counted until then.
    assert_eq!(c.cmd(&["SET", "p", "x", "PXAT", "1"]), OK);
    expect_event(&mut l, "set", "p");
    expect_event(&mut l, "expire", "p");
    assert_eq!(c.cmd(&["GET", "p"]), NIL);
    expect_event(&mut l, "expired", "p");
    // BITFIELD writing the value its field held publishes nothing, as in Redis.
    assert_eq!(c.cmd(&["SET", "bf", "a"]), OK);
    expect_event(&mut l, "set", "bf");
    assert_eq!(c.cmd(&["BITFIELD", "bf", "SET", "u8", "0", "97"]), "*1\r\n:97\r\n");
    expect_marker(&mut c, &mut l, "end");
}

#[test]
fn blocking_pops_served_by_a_push_publish_after_the_push() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "KEA"]), OK);
    let mut l = listener(&server);
    let mut blocked = server.raw();
    blocked.send_command(&[b"BLPOP", b"q", b"0"]);
    wait_blocked(&mut c, 1);
    assert_eq!(c.cmd(&["RPUSH", "q", "a"]), int(1));
    assert_eq!(blocked.read_reply(), common::bulk_array(&["q", "a"]));
    expect_event(&mut l, "rpush", "q");
    expect_event(&mut l, "lpop", "q");
    expect_event(&mut l, "del", "q");
    // A served BLMOVE: the push that woke it, then the move's push and pop, as LMOVE.
    blocked.send_command(&[b"BLMOVE", b"q", b"dst", b"LEFT", b"RIGHT", b"0"]);
    wait_blocked(&mut c, 1);
    assert_eq!(c.cmd(&["RPUSH", "q", "a", "b"]), int(2));
    assert_eq!(blocked.read_reply(), bulk("a"));
    expect_event(&mut l, "rpush", "q");
    expect_event(&mut l, "rpush", "dst");
    expect_event(&mut l, "lpop", "q");
    // A sorted set pop served by ZADD.
    blocked.send_command(&[b"BZPOPMIN", b"z", b"0"]);
    wait_blocked(&mut c, 1);
    assert_eq!(c.cmd(&["ZADD", "z", "1", "m"]), int(1));
    assert_eq!(blocked.read_reply(), common::bulk_array(&["z", "m", "1"]));
    expect_event(&mut l, "zadd", "z");
    expect_event(&mut l, "zpopmin", "z");
    expect_event(&mut l, "del", "z");
    expect_marker(&mut c, &mut l, "end");
}

#[test]
fn new_is_published_when_a_key_is_created_not_overwritten() {
    let server = TestServer::start();
    let mut c = server.raw();
    // `n` alone with `$`: list events stay silent, `new` does not.
    assert_eq!(c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "KE$n"]), OK);
    let mut l = listener(&server);
    let steps: &[Step] = &[
        (&["SET", "k", "1"], &[("new", "k"), ("set", "k")]),
        (&["SET", "k", "2"], &[("set", "k")]),
        (&["INCR", "k"], &[("incrby", "k")]),
        (&["MSET", "k", "1", "k2", "2"], &[("set", "k"), ("new", "k2"), ("set", "k2")]),
        (&["RPUSH", "l", "a"], &[("new", "l")]),
        (&["RPUSH", "l", "b"], &[]),
    ];
    run_steps(&mut c, &mut l, steps);
    // RENAME and COPY ... REPLACE over an existing key: Redis deletes it and adds the key
    // anew, so the destination is `new` again.
    assert_eq!(c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "KEgn"]), OK);
    let steps: &[Step] = &[
        (&["RENAME", "k2", "k"], &[("new", "k"), ("rename_from", "k2"), ("rename_to", "k")]),
        (&["COPY", "k", "l", "REPLACE"], &[("new", "l"), ("copy_to", "l")]),
    ];
    run_steps(&mut c, &mut l, steps);
    // `A` does not include `n`, but CONFIG GET hides `n` beside `A` while it stays on.
    assert_eq!(c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "KEAn"]), OK);
    let shown = format!("*2\r\n{}{}", bulk("notify-keyspace-events"), bulk("AKE"));
    assert_eq!(c.cmd(&["CONFIG", "GET", "notify-keyspace-events"]), shown);
    run_steps(&mut c, &mut l, &[(&["HSET", "h", "f", "v"], &[("new", "h"), ("hset", "h")])]);
}

#[test]
fn keymiss_is_published_for_read_misses_only() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "KEm"]), OK);
    let mut l = listener(&server);
    let steps: &[Step] = &[
        (&["GET", "nokey"], &[("keymiss", "nokey")]),
        (&["HGET", "nohash", "f"], &[("keymiss", "nohash")]),
        (&["MGET", "a", "b"], &[("keymiss", "a"), ("keymiss", "b")]),
        (&["EXISTS", "nokey"], &[("keymiss", "nokey")]),
        (&["SINTERSTORE", "d", "missing"], &[("keymiss", "missing")]),
        (&["SET", "sg", "v", "GET"], &[("keymiss", "sg")]),
        // Writes look keys up without a miss.
        (&["SET", "k", "v"], &[]),
        (&["GET", "k"], &[]),
        (&["RPUSH", "l", "a"], &[]),
        (&["LPOP", "missing"], &[]),
        (&["DEL", "missing"], &[]),
        (&["OBJECT", "ENCODING", "missing"], &[]),
    ];
    run_steps(&mut c, &mut l, steps);
}

#[test]
fn keyspace_and_keyevent_channels_are_chosen_separately() {
    let server = TestServer::start();
    let mut c = server.raw();
    let mut l = listener(&server);
    assert_eq!(c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "K$"]), OK);
    c.cmd(&["SET", "k", "v"]);
    assert_eq!(l.read_reply(), pmessage("__keyspace@0__:k", "set"));
    expect_marker(&mut c, &mut l, "1");
    assert_eq!(c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "E$"]), OK);
    c.cmd(&["SET", "k", "v"]);
    assert_eq!(l.read_reply(), pmessage("__keyevent@0__:set", "k"));
    expect_marker(&mut c, &mut l, "2");
}

#[test]
fn resp3_client_gets_its_own_keymiss_before_its_reply() {
    let server = TestServer::start();
    let mut c = server.raw().resp3();
    assert_eq!(c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "Em"]), OK);
    c.cmd(&["SUBSCRIBE", "__keyevent@0__:keymiss"]);
    c.send_command(&[b"GET", b"nokey"]);
    let push =
        format!(">3\r\n{}{}{}", bulk("message"), bulk("__keyevent@0__:keymiss"), bulk("nokey"));
    assert_eq!(c.read_reply(), push);
    assert_eq!(c.read_reply(), "_\r\n");
}

#[test]
fn startup_flag_and_environment_set_the_classes() {
    let server = TestServer::start_with(&["--notify-keyspace-events", "KEA"]);
    let mut c = server.raw();
    let shown = |value: &str| format!("*2\r\n{}{}", bulk("notify-keyspace-events"), bulk(value));
    assert_eq!(c.cmd(&["CONFIG", "GET", "notify-keyspace-events"]), shown("AKE"));
    let mut l = listener(&server);
    c.cmd(&["SET", "k", "v"]);
    expect_event(&mut l, "set", "k");
    let server = TestServer::start_with_env(&[], &[("ALLYDB_NOTIFY_KEYSPACE_EVENTS", "Elm")]);
    let mut c = server.raw();
    assert_eq!(c.cmd(&["CONFIG", "GET", "notify-keyspace-events"]), shown("lEm"));
    let mut l = listener(&server);
    assert_eq!(c.cmd(&["LPOP", "missing"]), NIL);
    assert_eq!(c.cmd(&["LLEN", "missing"]), int(0));
    assert_eq!(l.read_reply(), pmessage("__keyevent@0__:keymiss", "missing"));
}

#[test]
fn startup_flag_refuses_an_unknown_letter() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_allydb"))
        .current_dir(dir.path())
        .env_remove("ALLYDB_NOTIFY_KEYSPACE_EVENTS")
        .args(["--notify-keyspace-events", "KQ"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).trim_end(),
        "allydb: invalid value 'KQ' for --notify-keyspace-events (ALLYDB_NOTIFY_KEYSPACE_EVENTS): \
         Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
    );
}
