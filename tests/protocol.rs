//! Wire-level behaviour: inline commands, pipelining, protocol errors and limits, hostile input.
mod common;

use std::time::Duration;

use common::*;

#[test]
fn inline_commands_work_like_the_original_allydb() {
    let server = TestServer::start();
    let mut c = server.raw();
    c.send(b"SET hello world\r\n");
    assert_eq!(c.read_reply(), OK);
    c.send(b"GET hello\n");
    assert_eq!(c.read_reply(), bulk("world"));
    c.send(b"set \"a b\" 'c\\'d'\r\nget \"a b\"\r\n");
    assert_eq!(c.read_reply(), OK);
    assert_eq!(c.read_reply(), bulk("c'd"));
    c.send(b"ECHO \"\\x41\\n\"\r\n");
    assert_eq!(c.read_reply(), "$2\r\nA\n\r\n");
    // Empty lines are ignored, not answered.
    c.send(b"\r\n   \r\nPING\r\n");
    assert_eq!(c.read_reply(), "+PONG\r\n");
}

#[test]
fn pipelined_batch_is_answered_in_order() {
    let server = TestServer::start();
    let mut c = server.raw();
    let mut batch = Vec::new();
    for i in 0..200 {
        batch.extend(encode(&[b"SET", format!("k{i}").as_bytes(), format!("{i}").as_bytes()]));
        batch.extend(encode(&[b"INCR", format!("k{i}").as_bytes()]));
    }
    batch.extend(b"*0\r\n*-1\r\n");
    batch.extend(encode(&[b"GET", b"k199"]));
    c.send(&batch);
    for i in 0..200 {
        assert_eq!(c.read_reply(), OK);
        assert_eq!(c.read_reply(), int(i + 1));
    }
    assert_eq!(c.read_reply(), bulk("200"));
}

const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

/// Pipelined batches are warmed (their keys prefetched) before they run: the guesses never
/// change a reply, whatever the batch mixes: present, deleted, expired and missing keys,
/// other types, a SELECT in the middle, keyless commands, a long command.
#[test]
fn warmed_batches_over_many_keys_answer_exactly() {
    let server = TestServer::start();
    let mut c = server.raw();
    let mut load = Vec::new();
    for i in 0..6_000 {
        load.extend(encode(&[b"SET", format!("key:{i}").as_bytes(), format!("v{i}").as_bytes()]));
    }
    for i in (0..6_000).step_by(3) {
        load.extend(encode(&[b"DEL", format!("key:{i}").as_bytes()]));
    }
    load.extend(encode(&[b"PEXPIRE", b"key:1", b"1"]));
    load.extend(encode(&[b"RPUSH", b"key:3", b"x"]));
    load.extend(encode(&[b"SELECT", b"1"]));
    load.extend(encode(&[b"SET", b"key:4", b"db1"]));
    load.extend(encode(&[b"SELECT", b"0"]));
    c.send(&load);
    for _ in 0..6_000 {
        assert_eq!(c.read_reply(), OK);
    }
    for _ in (0..6_000).step_by(3) {
        assert_eq!(c.read_reply(), int(1));
    }
    // PEXPIRE, then RPUSH makes the deleted key:3 a list.
    assert_eq!(c.read_reply(), int(1));
    assert_eq!(c.read_reply(), int(1));
    for _ in 0..3 {
        assert_eq!(c.read_reply(), OK);
    }
    std::thread::sleep(Duration::from_millis(20));
    let mut batch = Vec::new();
    let mut expected = Vec::new();
    for i in 0..40 {
        batch.extend(encode(&[b"GET", format!("key:{i}").as_bytes()]));
        expected.push(match i {
            1 => NIL.to_string(),
            3 => WRONGTYPE.to_string(),
            i if i % 3 == 0 => NIL.to_string(),
            i => bulk(&format!("v{i}")),
        });
        if i == 20 {
            batch.extend(encode(&[b"SELECT", b"1"]));
            expected.push(OK.to_string());
            batch.extend(encode(&[b"GET", b"key:4"]));
            expected.push(bulk("db1"));
            batch.extend(encode(&[b"SELECT", b"0"]));
            expected.push(OK.to_string());
            batch.extend(encode(&[b"PING"]));
            expected.push("+PONG\r\n".to_string());
            let mut long: Vec<&[u8]> = vec![b"MGET"];
            long.extend([&b"key:5"[..]; 20]);
            batch.extend(encode(&long));
            expected.push(format!("*20\r\n{}", bulk("v5").repeat(20)));
        }
        batch.extend(encode(&[b"GET", b"nosuchkey"]));
        expected.push(NIL.to_string());
    }
    for _ in 0..3 {
        c.send(&batch);
        for (n, want) in expected.iter().enumerate() {
            assert_eq!(&c.read_reply(), want, "reply {n}");
        }
    }
}

#[test]
fn unknown_command_and_arity_errors_are_redis_texts() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(
        c.cmd(&["FOO", "a", "b"]),
        err("ERR unknown command 'FOO', with args beginning with: 'a' 'b' ")
    );
    assert_eq!(c.cmd(&["foo"]), err("ERR unknown command 'foo', with args beginning with: "));
    assert_eq!(c.cmd(&["GET"]), err("ERR wrong number of arguments for 'get' command"));
    assert_eq!(c.cmd(&["get", "a", "b"]), err("ERR wrong number of arguments for 'get' command"));
    assert_eq!(c.cmd(&["SET", "k"]), err("ERR wrong number of arguments for 'set' command"));
    // The connection lives on after command errors.
    assert_eq!(c.cmd(&["PING"]), "+PONG\r\n");
}

/// Sends `input`, expects `reply` and then the connection to be closed.
fn expect_protocol_error(server: &TestServer, input: &[u8], reply: &str) {
    let mut c = server.raw();
    c.send(input);
    assert_eq!(c.read_reply(), reply, "input {:?}", String::from_utf8_lossy(input));
    assert!(c.is_closed(), "connection should close after {reply:?}");
}

#[test]
fn protocol_errors_reply_then_close() {
    let server = TestServer::start();
    let cases: &[(&[u8], &str)] = &[
        (b"*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n"),
        (b"*1\r\nxyz\r\n", "-ERR Protocol error: expected '$', got 'x'\r\n"),
        (b"*1\r\n\r\n", "-ERR Protocol error: expected '$', got ' '\r\n"),
        (b"*1\r\n$-5\r\n", "-ERR Protocol error: invalid bulk length\r\n"),
        (b"*1\r\n$abc\r\n", "-ERR Protocol error: invalid bulk length\r\n"),
        (b"SET \"abc\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"),
        (b"SET 'a'b\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"),
    ];
    for (input, reply) in cases {
        expect_protocol_error(&server, input, reply);
    }
    let mut c = server.raw();
    assert_eq!(c.cmd(&["PING"]), "+PONG\r\n");
}

#[test]
fn commands_before_a_protocol_error_in_the_same_buffer_are_answered() {
    let server = TestServer::start();
    let mut c = server.raw();
    c.send(b"PING\r\n*1\r\n$4\r\nPING\r\n*1\r\nx\r\n*1\r\n$4\r\nPING\r\n");
    assert_eq!(c.read_reply(), "+PONG\r\n");
    assert_eq!(c.read_reply(), "+PONG\r\n");
    assert_eq!(c.read_reply(), "-ERR Protocol error: expected '$', got 'x'\r\n");
    assert!(c.is_closed());
}

#[test]
fn bulk_header_of_600_mb_is_refused_before_allocating() {
    let server = TestServer::start();
    let before = server.rss_kib();
    expect_protocol_error(
        &server,
        b"*1\r\n$600000000\r\n",
        "-ERR Protocol error: invalid bulk length\r\n",
    );
    assert!(server.rss_kib() < before + 16 * 1024, "memory grew");
}

#[test]
fn proto_max_bulk_len_is_configurable() {
    let server = TestServer::start_with(&["--proto-max-bulk-len", "1mb"]);
    expect_protocol_error(
        &server,
        b"*1\r\n$1048577\r\n",
        "-ERR Protocol error: invalid bulk length\r\n",
    );
    let mut c = server.raw();
    let value = vec![b'x'; 1024 * 1024];
    assert_eq!(c.cmd_bytes(&[b"SET", b"big", &value]), OK.as_bytes());
}

#[test]
fn array_header_of_ten_million_elements_waits_with_bounded_memory() {
    let server = TestServer::start();
    let before = server.rss_kib();
    let mut c = server.raw();
    c.send(b"*10000000\r\n$3\r\nSET\r\n");
    std::thread::sleep(Duration::from_millis(300));
    let mut other = server.raw();
    assert_eq!(other.cmd(&["PING"]), "+PONG\r\n");
    assert!(server.rss_kib() < before + 16 * 1024, "memory grew");
    drop(c);
    assert_eq!(other.cmd(&["PING"]), "+PONG\r\n");
}

#[test]
fn half_a_command_waits_and_completes_later() {
    let server = TestServer::start();
    let mut c = server.raw();
    c.send(b"*2\r\n$4\r\nECHO\r\n$5\r\nhel");
    std::thread::sleep(Duration::from_millis(200));
    let mut other = server.raw();
    assert_eq!(other.cmd(&["SET", "x", "1"]), OK);
    c.send(b"lo\r\n");
    assert_eq!(c.read_reply(), bulk("hello"));
}

#[test]
fn header_and_inline_lines_are_bounded() {
    let server = TestServer::start();
    let mut long = b"*".to_vec();
    long.extend(std::iter::repeat_n(b'1', 70 * 1024));
    expect_protocol_error(&server, &long, "-ERR Protocol error: too big mbulk count string\r\n");
    let mut bulk_header = b"*1\r\n$".to_vec();
    bulk_header.extend(std::iter::repeat_n(b'1', 70 * 1024));
    expect_protocol_error(
        &server,
        &bulk_header,
        "-ERR Protocol error: too big bulk count string\r\n",
    );
    let inline = vec![b'a'; 70 * 1024];
    expect_protocol_error(&server, &inline, "-ERR Protocol error: too big inline request\r\n");
}

#[test]
fn query_buffer_limit_closes_the_connection() {
    let server = TestServer::start_with(&["--client-query-buffer-limit", "1mb"]);
    let mut c = server.raw();
    c.send(b"*2\r\n$4\r\nECHO\r\n$3000000\r\n");
    let chunk = vec![b'x'; 64 * 1024];
    for _ in 0..30 {
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| c.send(&chunk))).is_err() {
            break;
        }
    }
    assert!(c.is_closed());
    assert!(server.log().contains("client-query-buffer-limit"), "{}", server.log());
    let mut other = server.raw();
    assert_eq!(other.cmd(&["PING"]), "+PONG\r\n");
}

#[test]
fn random_bytes_never_take_the_server_down() {
    let server = TestServer::start();
    let mut rng = fastrand::Rng::with_seed(1234);
    for _ in 0..200 {
        let len = rng.usize(1..512);
        let alphabet = b"*$\r\n0123456789-+:\"' abc";
        let input: Vec<u8> = (0..len)
            .map(|_| if rng.bool() { alphabet[rng.usize(0..alphabet.len())] } else { rng.u8(..) })
            .collect();
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", server.port)) {
            use std::io::{Read, Write};
            let _ = stream.write_all(&input);
            let _ = stream.set_read_timeout(Some(Duration::from_millis(5)));
            let mut sink = [0u8; 4096];
            let _ = stream.read(&mut sink);
        }
    }
    let mut c = server.raw();
    assert_eq!(c.cmd(&["PING"]), "+PONG\r\n");
    assert_eq!(c.cmd(&["SET", "still", "alive"]), OK);
}

#[test]
fn cross_protocol_attack_closes_silently() {
    let server = TestServer::start();
    let mut c = server.raw();
    c.send(b"POST / HTTP/1.1\r\nHost: example\r\n\r\n");
    assert!(c.is_closed());
}

#[test]
fn unauthenticated_clients_get_small_limits() {
    let server = TestServer::start_with(&["--requirepass", "secret"]);
    expect_protocol_error(
        &server,
        b"*11\r\n",
        "-ERR Protocol error: unauthenticated multibulk length\r\n",
    );
    expect_protocol_error(
        &server,
        b"*1\r\n$16385\r\n",
        "-ERR Protocol error: unauthenticated bulk length\r\n",
    );
    let mut c = server.raw();
    assert_eq!(c.cmd(&["GET", "k"]), err("NOAUTH Authentication required."));
    // Unknown commands and arity come before NOAUTH, as in Redis.
    assert_eq!(c.cmd(&["NOPE"]), err("ERR unknown command 'NOPE', with args beginning with: "));
    assert_eq!(c.cmd(&["AUTH", "secret"]), OK);
    assert_eq!(c.cmd(&["GET", "k"]), NIL);
}

#[test]
fn resp3_shapes_after_hello() {
    let server = TestServer::start();
    let mut c = server.raw();
    let hello = c.cmd(&["HELLO", "3"]);
    assert!(hello.starts_with("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n"), "{hello}");
    assert!(hello.contains("$5\r\nproto\r\n:3\r\n"), "{hello}");
    assert_eq!(c.cmd(&["GET", "nothing"]), NULL3);
    let hello2 = c.cmd(&["HELLO", "2"]);
    assert!(hello2.starts_with("*14\r\n"), "{hello2}");
    assert_eq!(c.cmd(&["GET", "nothing"]), NIL);
}

#[test]
fn large_values_round_trip() {
    let server = TestServer::start();
    let mut c = server.raw();
    let value: Vec<u8> = (0..5 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    assert_eq!(c.cmd_bytes(&[b"SET", b"big", &value]), OK.as_bytes());
    let reply = c.cmd_bytes(&[b"GET", b"big"]);
    let header = format!("${}\r\n", value.len());
    assert_eq!(&reply[..header.len()], header.as_bytes());
    assert_eq!(&reply[header.len()..reply.len() - 2], &value[..]);
}
