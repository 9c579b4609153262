//! Keyspace notifications (`notify-keyspace-events`): the setting's letters and canonical
//! form, one event per class on both channels with Redis's exact frames, `expired` from a
//! short PEXPIRE, and silence for a class that is off. Event sequences checked against
//! redis-server 7.0.
mod common;

use common::{bulk, err, int, RawClient, TestServer, OK};

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
    assert_eq!(c.read_reply(), pmessage(&format!("__keyspace@0__:{key}"), event), "{event}");
    assert_eq!(c.read_reply(), pmessage(&format!("__keyevent@0__:{event}"), key), "{event}");
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
