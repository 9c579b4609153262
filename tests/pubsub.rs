//! Pub/Sub: fan-out, patterns, shard channels, RESP3 pushes between replies, subscribed-mode
//! rules, PUBSUB introspection, and the pubsub output buffer limit (hard and soft).
mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{bulk, bulk_array, encode, err, eventually, int, RawClient, TestServer, OK};

/// `*3 $<kind> $<name> :<count>` (RESP2) or `>3 ...` (RESP3).
fn frame(prefix: char, kind: &str, name: Option<&str>, count: i64) -> String {
    let name =
        name.map_or_else(|| if prefix == '>' { "_\r\n".into() } else { "$-1\r\n".into() }, bulk);
    format!("{prefix}3\r\n{}{name}{}", bulk(kind), int(count))
}

fn message(prefix: char, channel: &str, payload: &str) -> String {
    format!("{prefix}3\r\n{}{}{}", bulk("message"), bulk(channel), bulk(payload))
}

fn pmessage(prefix: char, pattern: &str, channel: &str, payload: &str) -> String {
    format!("{prefix}4\r\n{}{}{}{}", bulk("pmessage"), bulk(pattern), bulk(channel), bulk(payload))
}

fn numsub(c: &mut RawClient, channel: &str) -> String {
    c.cmd(&["PUBSUB", "NUMSUB", channel])
}

#[test]
fn fan_out_to_1000_subscribers_delivers_every_message_once_in_order() {
    const SUBSCRIBERS: usize = 1000;
    const MESSAGES: usize = 200;
    const THREADS: usize = 8;
    let server = TestServer::start_with(&["--appendonly", "no"]);
    let confirm = frame('*', "subscribe", Some("news"), 1);
    let mut sockets = Vec::with_capacity(SUBSCRIBERS);
    for _ in 0..SUBSCRIBERS {
        let mut s = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        s.write_all(&encode(&[b"SUBSCRIBE", b"news"])).unwrap();
        sockets.push(s);
    }
    for s in &mut sockets {
        let mut reply = vec![0; confirm.len()];
        s.read_exact(&mut reply).unwrap();
        assert_eq!(String::from_utf8_lossy(&reply), confirm);
    }
    let mut publisher = server.raw();
    assert_eq!(numsub(&mut publisher, "news"), format!("*2\r\n{}{}", bulk("news"), int(1000)));

    let mut expected = String::new();
    let mut pipeline = Vec::new();
    for i in 0..MESSAGES {
        let payload = format!("message-{i}");
        expected.push_str(&message('*', "news", &payload));
        pipeline.extend_from_slice(&encode(&[b"PUBLISH", b"news", payload.as_bytes()]));
    }
    let expected = expected.into_bytes();
    // Readers run while publishing: each thread reads its share of sockets in turn.
    let per_thread = SUBSCRIBERS / THREADS;
    let mut readers = Vec::new();
    for _ in 0..THREADS {
        let mine: Vec<TcpStream> = sockets.drain(..per_thread).collect();
        let expected = expected.clone();
        readers.push(std::thread::spawn(move || {
            for mut s in mine {
                let mut got = vec![0; expected.len()];
                s.read_exact(&mut got).unwrap();
                assert!(got == expected, "a subscriber got other bytes than the 200 messages");
                // Nothing more: each message exactly once.
                s.set_read_timeout(Some(Duration::from_millis(1))).unwrap();
                let mut extra = [0u8; 1];
                assert!(!matches!(s.read(&mut extra), Ok(n) if n > 0), "an extra byte");
            }
        }));
    }
    publisher.send(&pipeline);
    for _ in 0..MESSAGES {
        assert_eq!(publisher.read_reply(), int(1000));
    }
    for reader in readers {
        reader.join().unwrap();
    }
}

#[test]
fn channels_and_patterns_overlap_and_unsubscribe_frames_are_exact() {
    let server = TestServer::start_with(&["--appendonly", "no"]);
    let mut sub = server.raw();
    let mut publisher = server.raw();
    assert_eq!(sub.cmd(&["SUBSCRIBE", "news.it"]), frame('*', "subscribe", Some("news.it"), 1));
    assert_eq!(sub.cmd(&["PSUBSCRIBE", "news.*"]), frame('*', "psubscribe", Some("news.*"), 2));
    // Subscribed to both: two messages, and PUBLISH counts both.
    assert_eq!(publisher.cmd(&["PUBLISH", "news.it", "hello"]), int(2));
    assert_eq!(sub.read_reply(), message('*', "news.it", "hello"));
    assert_eq!(sub.read_reply(), pmessage('*', "news.*", "news.it", "hello"));
    assert_eq!(publisher.cmd(&["PUBLISH", "news.fr", "salut"]), int(1));
    assert_eq!(sub.read_reply(), pmessage('*', "news.*", "news.fr", "salut"));
    assert_eq!(publisher.cmd(&["PUBLISH", "other", "x"]), int(0));
    assert_eq!(
        publisher.cmd(&["PUBSUB", "NUMSUB", "news.it", "news.fr"]),
        format!("*4\r\n{}{}{}{}", bulk("news.it"), int(1), bulk("news.fr"), int(0))
    );
    assert_eq!(publisher.cmd(&["PUBSUB", "NUMPAT"]), int(1));
    assert_eq!(publisher.cmd(&["PUBSUB", "CHANNELS"]), bulk_array(&["news.it"]));
    assert_eq!(publisher.cmd(&["PUBSUB", "CHANNELS", "x*"]), "*0\r\n");
    assert_eq!(publisher.cmd(&["PUBSUB", "CHANNELS", "news.[i]?"]), bulk_array(&["news.it"]));
    assert_eq!(
        publisher.cmd(&["PUBSUB", "CHANNELS", "a", "b"]),
        err("ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.")
    );
    assert_eq!(
        publisher.cmd(&["PUBSUB", "NUMPAT", "x"]),
        err("ERR wrong number of arguments for 'pubsub|numpat' command")
    );
    assert_eq!(
        publisher.cmd(&["PUBSUB", "foo"]),
        err("ERR unknown subcommand 'foo'. Try PUBSUB HELP.")
    );

    assert_eq!(sub.cmd(&["PUNSUBSCRIBE", "news.*"]), frame('*', "punsubscribe", Some("news.*"), 1));
    assert_eq!(publisher.cmd(&["PUBLISH", "news.fr", "gone"]), int(0));
    assert_eq!(publisher.cmd(&["PUBSUB", "NUMPAT"]), int(0));
    // UNSUBSCRIBE with no argument: one frame per channel, in subscription order.
    sub.send_command(&[b"SUBSCRIBE", b"b", b"a"]);
    assert_eq!(sub.read_reply(), frame('*', "subscribe", Some("b"), 2));
    assert_eq!(sub.read_reply(), frame('*', "subscribe", Some("a"), 3));
    sub.send_command(&[b"UNSUBSCRIBE"]);
    assert_eq!(sub.read_reply(), frame('*', "unsubscribe", Some("news.it"), 2));
    assert_eq!(sub.read_reply(), frame('*', "unsubscribe", Some("b"), 1));
    assert_eq!(sub.read_reply(), frame('*', "unsubscribe", Some("a"), 0));
    // Nothing left: one frame with a null channel, for each kind.
    assert_eq!(sub.cmd(&["UNSUBSCRIBE"]), frame('*', "unsubscribe", None, 0));
    assert_eq!(sub.cmd(&["PUNSUBSCRIBE"]), frame('*', "punsubscribe", None, 0));
    assert_eq!(sub.cmd(&["SUNSUBSCRIBE"]), frame('*', "sunsubscribe", None, 0));
    // Unsubscribing from a channel never subscribed still confirms it.
    assert_eq!(sub.cmd(&["UNSUBSCRIBE", "x"]), frame('*', "unsubscribe", Some("x"), 0));
    // Out of subscribed mode: ordinary commands again.
    assert_eq!(sub.cmd(&["SET", "k", "v"]), OK);
}

#[test]
fn shard_channels_are_a_separate_namespace() {
    let server = TestServer::start_with(&["--appendonly", "no"]);
    let mut sub = server.raw();
    let mut publisher = server.raw();
    assert_eq!(sub.cmd(&["SUBSCRIBE", "c"]), frame('*', "subscribe", Some("c"), 1));
    // The shard count is separate from channels and patterns.
    assert_eq!(sub.cmd(&["SSUBSCRIBE", "c"]), frame('*', "ssubscribe", Some("c"), 1));
    assert_eq!(sub.cmd(&["SSUBSCRIBE", "d"]), frame('*', "ssubscribe", Some("d"), 2));
    assert_eq!(publisher.cmd(&["SPUBLISH", "c", "s"]), int(1));
    assert_eq!(sub.read_reply(), format!("*3\r\n{}{}{}", bulk("smessage"), bulk("c"), bulk("s")));
    assert_eq!(publisher.cmd(&["PUBLISH", "c", "p"]), int(1));
    assert_eq!(sub.read_reply(), message('*', "c", "p"));
    assert_eq!(publisher.cmd(&["SPUBLISH", "nobody", "s"]), int(0));
    assert_eq!(publisher.cmd(&["PUBSUB", "SHARDCHANNELS"]), bulk_array(&["c", "d"]));
    assert_eq!(publisher.cmd(&["PUBSUB", "SHARDCHANNELS", "d*"]), bulk_array(&["d"]));
    assert_eq!(
        publisher.cmd(&["PUBSUB", "SHARDNUMSUB", "c", "x"]),
        format!("*4\r\n{}{}{}{}", bulk("c"), int(1), bulk("x"), int(0))
    );
    assert_eq!(publisher.cmd(&["PUBSUB", "CHANNELS"]), bulk_array(&["c"]));
    sub.send_command(&[b"SUNSUBSCRIBE"]);
    assert_eq!(sub.read_reply(), frame('*', "sunsubscribe", Some("c"), 1));
    assert_eq!(sub.read_reply(), frame('*', "sunsubscribe", Some("d"), 0));
    // Still subscribed to channel c: still in subscribed mode.
    assert!(sub.cmd(&["GET", "k"]).starts_with("-ERR Can't execute 'get'"));
    let info = publisher.cmd(&["INFO", "stats"]);
    assert!(info.contains("pubsub_channels:1\r\n"), "{info}");
    assert!(info.contains("pubsub_patterns:0\r\n"), "{info}");
    assert!(info.contains("pubsubshard_channels:0\r\n"), "{info}");
}

#[test]
fn resp3_pushes_come_between_replies_never_inside_one() {
    let server = TestServer::start_with(&["--appendonly", "no"]);
    let mut other = server.raw();
    let big = "v".repeat(200_000);
    assert_eq!(other.cmd(&["SET", "big", &big]), OK);
    assert_eq!(other.cmd(&["SET", "k", "v"]), OK);
    let mut sub = server.raw().resp3();
    assert_eq!(sub.cmd(&["SUBSCRIBE", "ch"]), frame('>', "subscribe", Some("ch"), 1));
    // Exact bytes: a push, then ordinary replies (RESP3 allows every command when subscribed).
    assert_eq!(other.cmd(&["PUBLISH", "ch", "m1"]), int(1));
    assert_eq!(sub.read_reply(), message('>', "ch", "m1"));
    assert_eq!(sub.cmd(&["GET", "k"]), bulk("v"));
    assert_eq!(sub.cmd(&["PING"]), "+PONG\r\n");
    assert_eq!(sub.cmd(&["GET", "missing"]), "_\r\n");
    // Publishing to itself: the message comes before PUBLISH's own reply, as in Redis.
    sub.send_command(&[b"PUBLISH", b"ch", b"self"]);
    assert_eq!(sub.read_reply(), message('>', "ch", "self"));
    assert_eq!(sub.read_reply(), int(1));

    // A pipeline of large GETs while another client publishes: every reply is whole and
    // every message arrives once, in order, as a push between replies.
    const GETS: usize = 200;
    const MESSAGES: usize = 500;
    let mut pipeline = Vec::new();
    for _ in 0..GETS {
        pipeline.extend_from_slice(&encode(&[b"GET", b"big"]));
    }
    let port = server.port;
    let publisher = std::thread::spawn(move || {
        let mut p = RawClient::connect(port);
        for i in 0..MESSAGES {
            assert_eq!(p.cmd(&["PUBLISH", "ch", &format!("msg-{i}")]), int(1));
        }
    });
    sub.send(&pipeline);
    let (mut gets, mut messages) = (0usize, 0usize);
    let big_reply = bulk(&big);
    while gets < GETS || messages < MESSAGES {
        let reply = sub.read_reply();
        if reply.starts_with('>') {
            assert_eq!(reply, message('>', "ch", &format!("msg-{messages}")));
            messages += 1;
        } else {
            assert!(reply == big_reply, "a GET reply was not whole: {} bytes", reply.len());
            gets += 1;
        }
    }
    publisher.join().unwrap();
}

#[test]
fn resp2_subscribed_mode_allows_only_pubsub_commands_and_ping() {
    let server = TestServer::start_with(&["--appendonly", "no"]);
    let mut sub = server.raw();
    sub.cmd(&["SUBSCRIBE", "a"]);
    let refused = |name: &str| {
        err(&format!(
            "ERR Can't execute '{name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / \
             RESET are allowed in this context"
        ))
    };
    assert_eq!(sub.cmd(&["GET", "x"]), refused("get"));
    assert_eq!(sub.cmd(&["CLIENT", "LIST"]), refused("client|list"));
    assert_eq!(sub.cmd(&["PUBLISH", "a", "x"]), refused("publish"));
    assert_eq!(sub.cmd(&["HELLO", "3"]), refused("hello"));
    // Lookup and arity come first.
    assert_eq!(
        sub.cmd(&["NOSUCH"]),
        err("ERR unknown command 'NOSUCH', with args beginning with: ")
    );
    assert_eq!(sub.cmd(&["GET"]), err("ERR wrong number of arguments for 'get' command"));
    assert_eq!(sub.cmd(&["PING"]), format!("*2\r\n{}{}", bulk("pong"), bulk("")));
    assert_eq!(sub.cmd(&["PING", "hi"]), format!("*2\r\n{}{}", bulk("pong"), bulk("hi")));
    assert_eq!(sub.cmd(&["PSUBSCRIBE", "p*"]), frame('*', "psubscribe", Some("p*"), 2));
    // RESET leaves subscribed mode without unsubscribe frames.
    assert_eq!(sub.cmd(&["RESET"]), "+RESET\r\n");
    assert_eq!(sub.cmd(&["GET", "x"]), "$-1\r\n");
    assert_eq!(sub.cmd(&["PUBSUB", "NUMPAT"]), int(0));
    assert_eq!(numsub(&mut sub, "a"), format!("*2\r\n{}{}", bulk("a"), int(0)));
    assert_eq!(sub.cmd(&["PING"]), "+PONG\r\n");
    // QUIT is allowed.
    sub.cmd(&["SUBSCRIBE", "a"]);
    assert_eq!(sub.cmd(&["QUIT"]), OK);
    assert!(sub.is_closed());
}

#[test]
fn hello_switches_protocol_while_subscribed() {
    let server = TestServer::start_with(&["--appendonly", "no"]);
    let mut publisher = server.raw();
    let mut sub = server.raw().resp3();
    assert_eq!(sub.cmd(&["SUBSCRIBE", "a"]), frame('>', "subscribe", Some("a"), 1));
    assert_eq!(sub.cmd(&["PING"]), "+PONG\r\n");
    assert!(sub.cmd(&["HELLO", "2"]).starts_with("*14\r\n"));
    // Now a RESP2 subscriber: restricted, and messages are arrays.
    assert!(sub.cmd(&["GET", "x"]).starts_with("-ERR Can't execute 'get'"));
    assert_eq!(publisher.cmd(&["PUBLISH", "a", "m"]), int(1));
    assert_eq!(sub.read_reply(), message('*', "a", "m"));
    assert_eq!(sub.cmd(&["UNSUBSCRIBE"]), frame('*', "unsubscribe", Some("a"), 0));
    assert_eq!(sub.cmd(&["GET", "x"]), "$-1\r\n");
}

#[test]
fn client_list_shows_subscriptions_and_disconnect_removes_them() {
    let server = TestServer::start_with(&["--appendonly", "no"]);
    let mut admin = server.raw();
    let mut sub = server.raw();
    sub.send_command(&[b"SUBSCRIBE", b"c1", b"c2"]);
    sub.read_reply();
    sub.read_reply();
    sub.cmd(&["PSUBSCRIBE", "p*"]);
    sub.cmd(&["SSUBSCRIBE", "s"]);
    let list = admin.cmd(&["CLIENT", "LIST", "TYPE", "pubsub"]);
    assert!(list.contains(" flags=P db=0 sub=2 psub=1 ssub=1 "), "{list}");
    assert!(list.contains(" omem=0 "), "{list}");
    let normal = admin.cmd(&["CLIENT", "LIST", "TYPE", "normal"]);
    assert!(!normal.contains("flags=P"), "{normal}");
    assert_eq!(admin.cmd(&["PUBSUB", "CHANNELS"]), bulk_array(&["c1", "c2"]));
    drop(sub);
    let gone = eventually(Duration::from_secs(5), || {
        admin.cmd(&["PUBSUB", "CHANNELS"]) == "*0\r\n"
            && admin.cmd(&["PUBSUB", "NUMPAT"]) == int(0)
            && admin.cmd(&["PUBSUB", "SHARDCHANNELS"]) == "*0\r\n"
    });
    assert!(gone, "a disconnected subscriber's channels stayed");
    assert_eq!(numsub(&mut admin, "c1"), format!("*2\r\n{}{}", bulk("c1"), int(0)));
    assert_eq!(admin.cmd(&["PUBLISH", "c1", "x"]), int(0));
    assert_eq!(admin.cmd(&["CLIENT", "LIST", "TYPE", "pubsub"]), bulk(""));
}

#[test]
fn output_buffer_limit_config_follows_redis() {
    let server = TestServer::start_with(&[
        "--appendonly",
        "no",
        "--client-output-buffer-limit",
        "pubsub 1mb 512kb 5",
    ]);
    let mut c = server.raw();
    let get = |c: &mut RawClient| c.cmd(&["CONFIG", "GET", "client-output-buffer-limit"]);
    assert_eq!(
        get(&mut c),
        bulk_array(&[
            "client-output-buffer-limit",
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 524288 5"
        ])
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "client-output-buffer-limit", "replica 1 2 3 normal 5 6 7"]),
        OK
    );
    assert_eq!(
        get(&mut c),
        bulk_array(&[
            "client-output-buffer-limit",
            "normal 5 6 7 slave 1 2 3 pubsub 1048576 524288 5"
        ])
    );
    let failed = |reason: &str| {
        err(&format!(
            "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - \
             {reason}"
        ))
    };
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "client-output-buffer-limit", "pubsub 1mb 512kb"]),
        failed("Wrong number of arguments in buffer limit configuration.")
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "client-output-buffer-limit", "master 1 2 3"]),
        failed("Invalid client class specified in buffer limit configuration.")
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "client-output-buffer-limit", "pubsub 1 2 -3"]),
        failed("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
    );
}

/// A subscriber that never reads while 1 GB is published: it is disconnected at the hard
/// limit, the server's memory stays bounded, and everyone else carries on.
#[test]
fn subscriber_over_hard_limit_is_disconnected_and_memory_stays_bounded() {
    const MESSAGE_BYTES: usize = 1024 * 1024;
    const MESSAGES: usize = 1024;
    let server = TestServer::start_with(&[
        "--appendonly",
        "no",
        "--client-output-buffer-limit",
        "pubsub 32mb 8mb 60",
    ]);
    let mut admin = server.raw();
    assert_eq!(admin.cmd(&["SET", "k", "v"]), OK);
    let mut slow = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    slow.write_all(&encode(&[b"CLIENT", b"SETNAME", b"slow"])).unwrap();
    slow.write_all(&encode(&[b"SUBSCRIBE", b"firehose"])).unwrap();
    assert!(eventually(Duration::from_secs(5), || numsub(&mut admin, "firehose")
        == format!("*2\r\n{}{}", bulk("firehose"), int(1))));
    let rss_before_kib = server.rss_kib();

    let started = Instant::now();
    let payload = vec![b'x'; MESSAGE_BYTES];
    let command = encode(&[b"PUBLISH", b"firehose", &payload]);
    let mut publisher = server.raw();
    let mut delivered = 0usize;
    for _ in 0..MESSAGES {
        publisher.send(&command);
        let reply = publisher.read_reply();
        assert!(reply == int(1) || reply == int(0), "PUBLISH replied {reply}");
        delivered += usize::from(reply == int(1));
    }
    let elapsed = started.elapsed();
    let peak_kib = server.peak_rss_kib();
    let bound_kib = rss_before_kib + (32 + 64) * 1024;
    eprintln!(
        "1 GiB published in {elapsed:?}; RSS before {rss_before_kib} KiB, peak {peak_kib} KiB; \
         {delivered} messages reached the subscriber"
    );
    assert!(
        peak_kib <= bound_kib,
        "peak RSS {peak_kib} KiB over {bound_kib} KiB (before: {rss_before_kib} KiB)"
    );
    assert!(delivered < MESSAGES, "the slow subscriber was never dropped");
    assert!(elapsed < Duration::from_secs(60), "publishing 1 GB took {elapsed:?}");

    let log = server.log();
    assert!(
        log.contains("scheduled to be closed ASAP for overcoming of output buffer limits.")
            && log.contains("name=slow"),
        "{log}"
    );
    assert!(eventually(Duration::from_secs(5), || !admin
        .cmd(&["CLIENT", "LIST"])
        .contains("name=slow")));
    assert_eq!(admin.cmd(&["GET", "k"]), bulk("v"));
    assert_eq!(publisher.cmd(&["PUBLISH", "firehose", "after"]), int(0));
    // The subscriber reads what the kernel held, then EOF.
    slow.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut chunk = vec![0u8; 1 << 20];
    let mut received = 0usize;
    loop {
        match slow.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => received += n,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("reading the dropped subscriber: {e} after {received} bytes"),
        }
    }
    assert!(received < 64 * MESSAGE_BYTES, "the dropped subscriber got {received} bytes");
}

/// Over the soft limit for longer than its seconds: dropped; not before.
#[test]
fn subscriber_over_soft_limit_too_long_is_disconnected() {
    let server = TestServer::start_with(&["--appendonly", "no"]);
    let mut admin = server.raw();
    assert_eq!(admin.cmd(&["CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 256kb 2"]), OK);
    let mut slow = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    slow.write_all(&encode(&[b"CLIENT", b"SETNAME", b"soft"])).unwrap();
    slow.write_all(&encode(&[b"SUBSCRIBE", b"ch"])).unwrap();
    assert!(eventually(Duration::from_secs(5), || numsub(&mut admin, "ch")
        == format!("*2\r\n{}{}", bulk("ch"), int(1))));
    let payload = "y".repeat(64 * 1024);
    let mut publisher = server.raw();
    let mut first_over: Option<Instant> = None;
    let deadline = Instant::now() + Duration::from_secs(20);
    let dropped_at = loop {
        assert!(Instant::now() < deadline, "the subscriber was never dropped");
        let receivers = publisher.cmd(&["PUBLISH", "ch", &payload]);
        let list = admin.cmd(&["CLIENT", "LIST"]);
        let Some(line) = list.lines().find(|l| l.contains("name=soft")) else {
            break Instant::now();
        };
        assert_eq!(receivers, int(1));
        let omem: usize = line
            .split(' ')
            .find_map(|f| f.strip_prefix("omem="))
            .and_then(|v| v.parse().ok())
            .unwrap();
        if omem >= 256 * 1024 && first_over.is_none() {
            first_over = Some(Instant::now());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let first_over = first_over.expect("omem never went over the soft limit");
    let over_for = dropped_at.duration_since(first_over);
    assert!(over_for >= Duration::from_millis(1900), "dropped after only {over_for:?}");
    assert!(server.log().contains("scheduled to be closed ASAP"), "{}", server.log());
    assert_eq!(admin.cmd(&["PING"]), "+PONG\r\n");
}
