//! Limits end to end: idle `timeout`, `tcp-keepalive`, `maxclients`, and the caps against the
//! known Redis CVE classes (offsets past proto-max-bulk-len, huge counts, pathological globs,
//! huge SORT limits, integer overflow, extreme ranges, overflowing expire times). Expected
//! replies are Redis 7.2's, checked side by side with redis-server 7.0.15 where they agree.
mod common;

use std::time::{Duration, Instant};

use common::*;

const OK: &str = "+OK\r\n";
const LONG_MIN: &str = "-9223372036854775808";
const LONG_MAX: &str = "9223372036854775807";
const OUT_OF_RANGE_LONG: &str =
    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";

#[test]
fn idle_clients_are_closed_after_timeout_set_at_run_time() {
    let server = TestServer::start_with(&["--enable-debug-command", "yes"]);
    let mut control = server.raw();
    assert_eq!(control.cmd(&["CONFIG", "GET", "timeout"]), bulk_array(&["timeout", "0"]));
    assert_eq!(control.cmd(&["CONFIG", "SET", "timeout", "1"]), OK);
    assert_eq!(control.cmd(&["CONFIG", "GET", "timeout"]), bulk_array(&["timeout", "1"]));
    let mut idle = server.raw();
    assert_eq!(idle.cmd(&["PING"]), "+PONG\r\n");
    // Exempt, as in Redis: subscribers, blocked clients and monitors.
    let mut subscriber = server.raw();
    assert_eq!(subscriber.cmd(&["SUBSCRIBE", "ch"]), "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n");
    let mut blocked = server.raw();
    blocked.send_command(&[b"BLPOP", b"list", b"0"]);
    // Blocked before the MONITOR starts, or the monitor would see the BLPOP too.
    wait_blocked(&mut control, 1);
    // Not exempt: a client inside DEBUG SLEEP. Redis checks once the sleep lets it, before the
    // reply is written, and closes the client without it (checked against redis-server).
    let mut sleeper = server.raw();
    sleeper.send_command(&[b"DEBUG", b"SLEEP", b"6"]);
    let mut monitor = server.raw();
    assert_eq!(monitor.cmd(&["MONITOR"]), OK);
    let started = Instant::now();
    // Idle for more than one whole second: closed by the next check (Redis: within 2-3 s).
    assert!(idle.is_closed(), "the idle client was not closed");
    assert!(started.elapsed() >= Duration::from_secs(1));
    std::thread::sleep(Duration::from_secs(3).saturating_sub(started.elapsed()));
    assert_eq!(
        subscriber.cmd(&["PING"]),
        "*2\r\n$4\r\npong\r\n$0\r\n\r\n",
        "a subscriber must not time out"
    );
    assert!(sleeper.is_closed(), "the sleeping client got its reply, or was not closed");
    let mut pusher = server.raw();
    assert_eq!(pusher.cmd(&["RPUSH", "list", "x"]), int(1));
    assert_eq!(blocked.read_reply(), bulk_array(&["list", "x"]));
    // The monitor saw the subscriber's PING, then the RPUSH.
    let lines = [monitor.read_reply(), monitor.read_reply()];
    assert!(lines[1].starts_with('+') && lines[1].contains("\"RPUSH\""), "{lines:?}");
    // The control client sat idle too, so it is gone: a new one turns the timeout off.
    let mut control = server.raw();
    assert_eq!(control.cmd(&["CONFIG", "SET", "timeout", "0"]), OK);
    let mut lasting = server.raw();
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(lasting.cmd(&["PING"]), "+PONG\r\n");
}

/// Idle time counts from a DEBUG SLEEP, as Redis counts from its read: a client that sat idle
/// for most of `timeout`, then sent a sleep shorter than it, gets its reply (redis-server
/// does); counted from the reply before, it would be closed during the sleep.
#[test]
fn idle_time_counts_from_a_debug_sleep() {
    let server = TestServer::start_with(&["--enable-debug-command", "yes"]);
    let mut control = server.raw();
    assert_eq!(control.cmd(&["CONFIG", "SET", "timeout", "2"]), OK);
    let mut sleeper = server.raw();
    assert_eq!(sleeper.cmd(&["PING"]), "+PONG\r\n");
    // Idle 2.5 s, then asleep 2 s: 4.5 s after the PONG, but only 2 s after the command, and
    // `timeout 2` closes a client idle for 3 whole seconds.
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(sleeper.cmd(&["DEBUG", "SLEEP", "2"]), OK);
    assert_eq!(sleeper.cmd(&["PING"]), "+PONG\r\n");
}

#[test]
fn timeout_and_tcp_keepalive_are_settings_with_redis_defaults() {
    let server = TestServer::start_with(&["--timeout", "7", "--tcp-keepalive", "60"]);
    let mut c = server.raw();
    assert_eq!(c.cmd(&["CONFIG", "GET", "timeout"]), bulk_array(&["timeout", "7"]));
    assert_eq!(c.cmd(&["CONFIG", "GET", "tcp-keepalive"]), bulk_array(&["tcp-keepalive", "60"]));
    assert_eq!(c.cmd(&["CONFIG", "SET", "tcp-keepalive", "0"]), OK);
    assert_eq!(c.cmd(&["CONFIG", "GET", "tcp-keepalive"]), bulk_array(&["tcp-keepalive", "0"]));
    // Connections accepted with keepalive off still work.
    assert_eq!(server.raw().cmd(&["PING"]), "+PONG\r\n");
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "tcp-keepalive", "-1"]),
        err("ERR CONFIG SET failed (possibly related to argument 'tcp-keepalive') - argument \
             must be between 0 and 2147483647 inclusive")
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "timeout", "x"]),
        err("ERR CONFIG SET failed (possibly related to argument 'timeout') - argument \
             couldn't be parsed into an integer")
    );
    let defaults = TestServer::start();
    let mut c = defaults.raw();
    assert_eq!(c.cmd(&["CONFIG", "GET", "tcp-keepalive"]), bulk_array(&["tcp-keepalive", "300"]));
    assert_eq!(c.cmd(&["CONFIG", "GET", "maxclients"]), bulk_array(&["maxclients", "10000"]));
}

#[test]
fn maxclients_refuses_with_redis_text() {
    let server = TestServer::start_with(&["--maxclients", "1"]);
    // The harness's readiness probe may still hold the one slot for a moment after it closed.
    // (Its slot is given back once its socket is closed, so a probe retried at once may
    // have been refused too: count rejections from the first connection on.)
    let mut first = server.raw();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while first.cmd(&["PING"]) != "+PONG\r\n" {
        assert!(std::time::Instant::now() < deadline, "the only slot never freed");
        std::thread::sleep(std::time::Duration::from_millis(20));
        first = server.raw();
    }
    let before = info_number(&mut first, "stats", "rejected_connections");
    let mut second = server.raw();
    assert_eq!(second.read_reply(), err("ERR max number of clients reached"));
    assert!(second.is_closed());
    assert_eq!(info_number(&mut first, "stats", "rejected_connections"), before + 1);
}

#[test]
fn string_offsets_beyond_proto_max_bulk_len_are_refused() {
    let server = TestServer::start();
    let mut c = server.raw();
    let too_big = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
    let bit_offset = "ERR bit offset is not an integer or out of range";
    assert_eq!(c.cmd(&["SETRANGE", "k", "536870912", "x"]), err(too_big));
    assert_eq!(c.cmd(&["SETRANGE", "k", "-1", "x"]), err("ERR offset is out of range"));
    assert_eq!(c.cmd(&["SETRANGE", "k", LONG_MAX, "x"]), err(too_big));
    assert_eq!(c.cmd(&["SETBIT", "b", "4294967296", "1"]), err(bit_offset));
    assert_eq!(c.cmd(&["BITFIELD", "f", "SET", "u8", "4294967296", "1"]), err(bit_offset));
    assert_eq!(c.cmd(&["CONFIG", "SET", "proto-max-bulk-len", "1mb"]), OK);
    // Exactly at the limit is allowed; one byte more is not, by any of the four ways.
    assert_eq!(c.cmd(&["SETRANGE", "s", "1048575", "x"]), int(1048576));
    assert_eq!(c.cmd(&["APPEND", "s", "x"]), err(too_big));
    assert_eq!(c.cmd(&["SETRANGE", "s", "1048576", "x"]), err(too_big));
    assert_eq!(c.cmd(&["SETBIT", "b", "8388607", "1"]), int(0));
    assert_eq!(c.cmd(&["SETBIT", "b", "8388608", "1"]), err(bit_offset));
    assert_eq!(c.cmd(&["BITFIELD", "f", "SET", "u8", "8388608", "1"]), err(bit_offset));
    assert_eq!(c.cmd(&["BITFIELD", "f", "SET", "u8", "#1048576", "1"]), err(bit_offset));
    assert_eq!(c.cmd(&["BITFIELD", "f", "SET", "u8", "8388600", "1"]), "*1\r\n:0\r\n");
    assert_eq!(c.cmd(&["STRLEN", "s"]), int(1048576));
}

#[test]
fn random_member_counts_that_overflow_are_refused() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SADD", "s", "a", "b", "c"]), int(3));
    assert_eq!(c.cmd(&["ZADD", "z", "1", "a", "2", "b"]), int(2));
    assert_eq!(c.cmd(&["HSET", "h", "f", "v", "g", "w"]), int(2));
    assert_eq!(c.cmd(&["SRANDMEMBER", "s", LONG_MIN]), err(OUT_OF_RANGE_LONG));
    assert_eq!(c.cmd(&["ZRANDMEMBER", "z", LONG_MIN]), err(OUT_OF_RANGE_LONG));
    assert_eq!(c.cmd(&["HRANDFIELD", "h", LONG_MIN]), err(OUT_OF_RANGE_LONG));
    // With scores or values the reply has twice as many elements: past LONG_MAX / 2 it is
    // refused before anything is allocated (CVE-2023-25155).
    let half = "-4611686018427387904";
    assert_eq!(c.cmd(&["ZRANDMEMBER", "z", half, "WITHSCORES"]), err("ERR value is out of range"));
    assert_eq!(c.cmd(&["HRANDFIELD", "h", half, "WITHVALUES"]), err("ERR value is out of range"));
    assert_eq!(
        c.cmd(&["ZRANDMEMBER", "z", LONG_MAX, "WITHSCORES"]),
        err("ERR value is out of range")
    );
    assert_eq!(
        c.cmd(&["HRANDFIELD", "h", LONG_MAX, "WITHVALUES"]),
        err("ERR value is out of range")
    );
    // A huge positive count is the whole collection, without allocating for the count.
    let half = "4611686018427387903";
    assert_eq!(c.cmd(&["SRANDMEMBER", "s", LONG_MAX]).lines().next(), Some("*3"));
    assert_eq!(c.cmd(&["ZRANDMEMBER", "z", LONG_MAX]).lines().next(), Some("*2"));
    assert_eq!(c.cmd(&["ZRANDMEMBER", "z", half, "WITHSCORES"]).lines().next(), Some("*4"));
    assert_eq!(c.cmd(&["HRANDFIELD", "h", half, "WITHVALUES"]).lines().next(), Some("*4"));
    assert_eq!(c.cmd(&["SPOP", "s", LONG_MAX]).lines().next(), Some("*3"));
}

/// Runs `setup` on `c` (answered `reply`, exactly), then sends `last` and a SET of key
/// `after` in one write; returns whether the server closed the connection before sending a
/// single byte more. RawClient's read deadline (10 s) is generous: a server that built the
/// whole reply first (hundreds of megabytes) would still be at it.
fn closed_without_a_byte(c: &mut RawClient, setup: &[&str], reply: &str, last: &[&str]) -> bool {
    assert_eq!(c.cmd(setup), reply, "{setup:?}");
    let last: Vec<&[u8]> = last.iter().map(|a| a.as_bytes()).collect();
    c.send(&[encode(&last), encode(&[b"SET", b"after", b"x"])].concat());
    c.is_closed()
}

/// A reply whose length the client chose (a negative count repeats members) stops being
/// built at the normal hard limit: the client is closed with Redis's log line, nothing of
/// the cut-short reply is sent, nothing after it runs, and memory stays near the limit.
#[test]
fn random_replies_with_huge_negative_counts_stop_at_the_normal_hard_limit() {
    let server = TestServer::start();
    let mut admin = server.raw();
    assert_eq!(admin.cmd(&["CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 0 0"]), OK);
    let huge = "-100000000";
    let cases: [(&str, &[&str], &str, &[&str]); 5] = [
        ("srand", &["SADD", "s", "a", "b", "c"], ":3\r\n", &["SRANDMEMBER", "s", huge]),
        ("zrand", &["ZADD", "z", "1", "a", "2", "b"], ":2\r\n", &["ZRANDMEMBER", "z", huge]),
        ("zscores", &["ZADD", "z", "3", "c"], ":1\r\n", &["ZRANDMEMBER", "z", huge, "WITHSCORES"]),
        ("hrand", &["HSET", "h", "f", "v"], ":1\r\n", &["HRANDFIELD", "h", huge, "WITHVALUES"]),
        // RESP3 nests each pair in an array: the same limit.
        ("hrand3", &["HSET", "h", "g", "w"], ":1\r\n", &["HRANDFIELD", "h", huge, "WITHVALUES"]),
    ];
    for (name, setup, reply, last) in cases {
        let mut c = if name.ends_with('3') { server.raw().resp3() } else { server.raw() };
        assert_eq!(c.cmd(&["CLIENT", "SETNAME", name]), OK);
        assert!(closed_without_a_byte(&mut c, setup, reply, last), "{name}: not closed at once");
        let logged = || {
            server.log().lines().any(|line| {
                line.contains(&format!(" name={name} "))
                    && line.contains("scheduled to be closed ASAP for overcoming of output buffer")
            })
        };
        assert!(eventually(Duration::from_secs(10), logged), "{name}: {}", server.log());
        assert_eq!(admin.cmd(&["PING"]), "+PONG\r\n");
    }
    let mut other = server.raw();
    assert_eq!(other.cmd(&["EXISTS", "after"]), int(0), "nothing ran after the reply");
    let used = info_number(&mut other, "memory", "used_memory");
    assert!(used < 100 * 1024 * 1024, "used_memory {used}");
    let peak_kib = server.peak_rss_kib();
    assert!(peak_kib < 100 * 1024, "peak RSS {peak_kib} KiB");
    // Under the limit a repeated reply is whole (700 KB), and with the limit lifted (Redis's
    // default `normal 0 0 0`) a larger one (2.1 MB) too.
    assert_eq!(other.cmd(&["SADD", "one", "x"]), int(1));
    let whole = |n: usize| format!("*{n}\r\n{}", "$1\r\nx\r\n".repeat(n));
    assert_eq!(other.cmd(&["SRANDMEMBER", "one", "-100000"]), whole(100_000));
    assert_eq!(admin.cmd(&["CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0"]), OK);
    assert_eq!(other.cmd(&["SRANDMEMBER", "one", "-300000"]), whole(300_000));
}

/// A muted client (CLIENT REPLY OFF) gets nothing, so a count it chose builds nothing either,
/// as in Redis, even without an output limit (`normal 0 0 0`, the default): 200 million
/// members would otherwise be about 1.4 GB built to be thrown away.
#[test]
fn a_muted_client_builds_no_reply_for_a_huge_count() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SADD", "s", "a"]), int(1));
    assert_eq!(c.cmd(&["HSET", "h", "f", "v"]), int(1));
    assert_eq!(c.cmd(&["ZADD", "z", "1", "m"]), int(1));
    c.send_command(&[b"CLIENT", b"REPLY", b"OFF"]);
    let huge = b"-200000000";
    c.send_command(&[b"SRANDMEMBER", b"s", huge]);
    c.send_command(&[b"HRANDFIELD", b"h", huge, b"WITHVALUES"]);
    c.send_command(&[b"ZRANDMEMBER", b"z", huge, b"WITHSCORES"]);
    assert_eq!(c.cmd(&["CLIENT", "REPLY", "ON"]), OK);
    assert_eq!(c.cmd(&["SRANDMEMBER", "s", "-2"]), bulk_array(&["a", "a"]));
    let peak_kib = server.peak_rss_kib();
    assert!(peak_kib < 100 * 1024, "peak RSS {peak_kib} KiB");
}

#[test]
fn pathological_glob_patterns_finish() {
    let server = TestServer::start();
    let mut c = server.raw();
    let long_key = "a".repeat(20_000);
    assert_eq!(c.cmd(&["SET", &long_key, "v"]), OK);
    assert_eq!(c.cmd(&["SET", "ab", "v"]), OK);
    let pattern = "*a*a*a*a*a*a*a*a*a*a*a*a*b";
    assert_eq!(c.cmd(&["KEYS", pattern]), "*0\r\n");
    assert_eq!(c.cmd(&["KEYS", "*a*b"]), bulk_array(&["ab"]));
    assert_eq!(c.cmd(&["SCAN", "0", "MATCH", pattern, "COUNT", "1000"]), "*2\r\n$1\r\n0\r\n*0\r\n");
    let stars = format!("{}b", "*".repeat(10_000));
    assert_eq!(c.cmd(&["KEYS", &stars]), bulk_array(&["ab"]));
    let classes = format!("{}b", "[a-z]*".repeat(2_000));
    assert_eq!(c.cmd(&["KEYS", &classes]), "*0\r\n");
    let mut subscriber = server.raw();
    assert_eq!(
        subscriber.cmd(&["PSUBSCRIBE", pattern]),
        format!("*3\r\n$10\r\npsubscribe\r\n${}\r\n{pattern}\r\n:1\r\n", pattern.len())
    );
    assert_eq!(c.cmd(&["PUBLISH", &long_key, "m"]), int(0));
    assert_eq!(c.cmd(&["PUBLISH", &format!("{long_key}b"), "m"]), int(1));
}

#[test]
fn sort_with_huge_limits_allocates_nothing_for_them() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["RPUSH", "l", "3", "1", "2"]), int(3));
    let all = bulk_array(&["1", "2", "3"]);
    assert_eq!(c.cmd(&["SORT", "l", "LIMIT", "0", LONG_MAX]), all);
    assert_eq!(c.cmd(&["SORT", "l", "LIMIT", LONG_MIN, LONG_MAX]), all);
    assert_eq!(c.cmd(&["SORT", "l", "LIMIT", LONG_MAX, LONG_MAX]), "*0\r\n");
    assert_eq!(c.cmd(&["SORT", "l", "LIMIT", "1", "-1"]), bulk_array(&["2", "3"]));
    assert_eq!(
        c.cmd(&["SORT", "l", "BY", "nosort", "GET", "#", "GET", "w_*", "LIMIT", "0", LONG_MAX]),
        "*6\r\n$1\r\n3\r\n$-1\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n$-1\r\n"
    );
    let values: Vec<String> = (0..20_000).map(|i| i.to_string()).collect();
    let mut args = vec!["RPUSH", "big"];
    args.extend(values.iter().map(String::as_str));
    assert_eq!(c.cmd(&args), int(20_000));
    assert_eq!(
        c.cmd(&["SORT", "big", "BY", "w_*", "LIMIT", "19999", LONG_MAX]),
        bulk_array(&["9999"])
    );
    assert_eq!(c.cmd(&["SORT", "big", "DESC", "LIMIT", "0", "2"]), bulk_array(&["19999", "19998"]));
}

#[test]
fn increments_that_overflow_are_refused() {
    let server = TestServer::start();
    let mut c = server.raw();
    let overflow = "ERR increment or decrement would overflow";
    let infinite = "ERR increment would produce NaN or Infinity";
    assert_eq!(c.cmd(&["SET", "n", LONG_MAX]), OK);
    assert_eq!(c.cmd(&["INCR", "n"]), err(overflow));
    assert_eq!(c.cmd(&["INCRBY", "n", "1"]), err(overflow));
    assert_eq!(c.cmd(&["DECRBY", "n", LONG_MIN]), err("ERR decrement would overflow"));
    assert_eq!(c.cmd(&["SET", "m", LONG_MIN]), OK);
    assert_eq!(c.cmd(&["DECR", "m"]), err(overflow));
    assert_eq!(c.cmd(&["INCRBY", "m", LONG_MIN]), err(overflow));
    assert_eq!(c.cmd(&["GET", "n"]), bulk(LONG_MAX));
    // INCRBYFLOAT works in long double, as Redis: 1.7e308 + 1.7e308 is still finite there.
    assert_eq!(c.cmd(&["SET", "f", "1e4932"]), OK);
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "1e4932"]), err(infinite));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "inf"]), err(infinite));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "nan"]), err("ERR value is not a valid float"));
    assert_eq!(c.cmd(&["HSET", "h", "n", LONG_MAX, "f", "1.7e308"]), int(2));
    assert_eq!(c.cmd(&["HINCRBY", "h", "n", "1"]), err(overflow));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "f", "inf"]), err("ERR value is NaN or Infinity"));
    assert_eq!(c.cmd(&["HSET", "h", "g", "1e4932"]), int(1));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "g", "1e4932"]), err(infinite));
    assert_eq!(c.cmd(&["ZADD", "z", "inf", "b"]), int(1));
    let nan = "ERR resulting score is not a number (NaN)";
    assert_eq!(c.cmd(&["ZINCRBY", "z", "-inf", "b"]), err(nan));
    assert_eq!(c.cmd(&["ZADD", "z", "INCR", "-inf", "b"]), err(nan));
    assert_eq!(c.cmd(&["ZSCORE", "z", "b"]), bulk("inf"));
}

#[test]
fn extreme_range_indexes_are_clamped() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["RPUSH", "l", "a", "b", "c"]), int(3));
    assert_eq!(c.cmd(&["ZADD", "z", "1", "a", "2", "b"]), int(2));
    assert_eq!(c.cmd(&["SET", "g", "hello"]), OK);
    assert_eq!(c.cmd(&["LRANGE", "l", LONG_MIN, LONG_MAX]), bulk_array(&["a", "b", "c"]));
    assert_eq!(c.cmd(&["LRANGE", "l", LONG_MAX, LONG_MIN]), "*0\r\n");
    assert_eq!(c.cmd(&["ZRANGE", "z", LONG_MIN, LONG_MAX]), bulk_array(&["a", "b"]));
    assert_eq!(
        c.cmd(&["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", LONG_MAX, LONG_MAX]),
        "*0\r\n"
    );
    assert_eq!(c.cmd(&["GETRANGE", "g", LONG_MIN, LONG_MAX]), bulk("hello"));
    assert_eq!(c.cmd(&["GETRANGE", "g", LONG_MAX, LONG_MIN]), bulk(""));
    assert_eq!(c.cmd(&["LINDEX", "l", LONG_MIN]), "$-1\r\n");
    assert_eq!(c.cmd(&["LSET", "l", LONG_MAX, "x"]), err("ERR index out of range"));
    // Redis 7.2 refuses LONG_MIN, whose negation overflows (7.0 answered from the tail).
    assert_eq!(c.cmd(&["LPOS", "l", "a", "RANK", LONG_MIN]), err(OUT_OF_RANGE_LONG));
    assert_eq!(c.cmd(&["LPOS", "l", "a", "RANK", "-9223372036854775807"]), "$-1\r\n");
    assert_eq!(c.cmd(&["LPOS", "l", "a", "RANK", LONG_MAX]), "$-1\r\n");
    assert_eq!(c.cmd(&["LTRIM", "l", LONG_MIN, LONG_MAX]), OK);
    assert_eq!(c.cmd(&["LLEN", "l"]), int(3));
}

#[test]
fn expire_times_that_overflow_are_refused() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SET", "k", "v"]), OK);
    for (command, time) in [
        ("EXPIRE", LONG_MAX),
        ("EXPIRE", "9223372036854775"),
        ("PEXPIRE", LONG_MAX),
        ("EXPIREAT", LONG_MAX),
        ("EXPIRE", LONG_MIN),
    ] {
        let name = command.to_ascii_lowercase();
        assert_eq!(
            c.cmd(&[command, "k", time]),
            err(&format!("ERR invalid expire time in '{name}' command")),
            "{command} {time}"
        );
    }
    for unit in ["EX", "PX", "EXAT"] {
        assert_eq!(
            c.cmd(&["SET", "e", "v", unit, LONG_MAX]),
            err("ERR invalid expire time in 'set' command")
        );
    }
    assert_eq!(
        c.cmd(&["GETEX", "k", "EX", LONG_MAX]),
        err("ERR invalid expire time in 'getex' command")
    );
    assert_eq!(c.cmd(&["TTL", "k"]), int(-1));
    // A deadline far in the past is valid: the key is deleted, as in Redis.
    assert_eq!(c.cmd(&["PEXPIRE", "k", LONG_MIN]), int(1));
    assert_eq!(c.cmd(&["EXISTS", "k"]), int(0));
}

/// Permission bits of `path` (without the file type).
#[cfg(unix)]
fn mode_of(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).expect("stat").permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn journal_and_snapshot_files_are_owner_only() {
    let temp = tempfile::tempdir().expect("temp dir");
    let data = temp.path().join("data");
    let mut node = spawn_node(&data, &[]);
    node.ready().expect("start");
    let mut c = node.client();
    assert_eq!(c.cmd(&["SET", "password", "secret"]), OK);
    // SAVE writes a snapshot (through a temporary file) and a new MANIFEST (through its own).
    assert_eq!(c.cmd(&["SAVE"]), OK);
    assert_eq!(c.cmd(&["SET", "after", "save"]), OK);
    node.stop();
    // The data directory the server created is the owner's only.
    assert_eq!(mode_of(&data), 0o700);
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&data).expect("read data dir") {
        let path = entry.expect("entry").path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        assert_eq!(mode_of(&path), 0o600, "{name}");
        names.push(name);
    }
    names.sort();
    assert!(names.iter().any(|n| n.starts_with("journal-")), "{names:?}");
    assert!(names.iter().any(|n| n.starts_with("snapshot-")), "{names:?}");
    assert!(names.iter().any(|n| n == "MANIFEST"), "{names:?}");
}

/// Runs the server until it exits by itself (a start that fails); returns its exit code and
/// its output. The log cannot go next to the data directory as `spawn_node` puts it: the
/// point is that this directory cannot exist.
fn failed_start(data: &std::path::Path) -> (Option<i32>, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_allydb"))
        .args(["--port", "0", "--persistence-location"])
        .arg(data)
        .env_remove("ALLYDB_PORT")
        .env_remove("PERSISTENCE_LOCATION")
        .output()
        .expect("run allydb");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.code(), text)
}

/// A data directory the server cannot create ends the start with one clear line and exit
/// code 1, not a panic. Tests run as root, which ignores permission bits, so the directory
/// is put under a regular file: creating it fails with ENOTDIR for every user.
#[test]
fn unusable_data_directory_is_a_clear_error() {
    let temp = tempfile::tempdir().expect("temp dir");
    let file = temp.path().join("plain-file");
    std::fs::write(&file, b"not a directory").expect("write file");
    let data = file.join("data");
    let (code, log) = failed_start(&data);
    assert_eq!(code, Some(1), "{log}");
    let expected = format!(
        "allydb: cannot load the journal: cannot create {}: Not a directory (os error 20)",
        data.display()
    );
    assert!(log.contains(&expected), "{log}");
    assert!(!log.contains("panicked"), "{log}");
    // The data directory itself being a file is refused the same way.
    let (code, log) = failed_start(&file);
    assert_eq!(code, Some(1), "{log}");
    assert!(log.contains("is a file; the journal needs a directory"), "{log}");
}
