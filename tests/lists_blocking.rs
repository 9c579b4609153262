//! The blocking list commands against the real binary: FIFO service, timeouts, CLIENT UNBLOCK,
//! disconnects, chained BLMOVEs, replies in RESP2 and RESP3, and that the pops handed to
//! blocked clients are journaled (a restart shows the same lists).
mod common;

use common::*;

const NULL_ARRAY2: &str = "*-1\r\n";
const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

/// `[key, element]` as BLPOP replies it.
fn pair(key: &str, element: &str) -> String {
    bulk_array(&[key, element])
}

#[test]
fn blocked_clients_are_served_first_come_first_served() {
    let server = TestServer::start();
    let mut admin = server.raw();
    let mut first = server.raw();
    let mut second = server.raw().resp3();
    let mut third = server.raw();
    first.send_command(&[b"BLPOP", b"q", b"0"]);
    wait_blocked(&mut admin, 1);
    second.send_command(&[b"BRPOP", b"other", b"q", b"0"]);
    wait_blocked(&mut admin, 2);
    third.send_command(&[b"BLMOVE", b"q", b"dst", b"LEFT", b"RIGHT", b"0"]);
    wait_blocked(&mut admin, 3);
    let list = admin.cmd(&["CLIENT", "LIST"]);
    assert_eq!(list.matches("flags=b ").count(), 3, "{list}");
    assert!(list.contains("cmd=blpop "), "{list}");
    assert!(list.contains("cmd=blmove "), "{list}");
    let info = admin.cmd(&["INFO", "clients"]);
    assert!(info.contains("total_blocking_keys:2\r\n"), "{info}");
    assert!(info.contains("clients_in_timeout_table:0\r\n"), "{info}");
    // The pusher's reply counts the elements it pushed, before anyone was served.
    assert_eq!(admin.cmd(&["RPUSH", "q", "a", "b", "c", "d"]), int(4));
    assert_eq!(first.read_reply(), pair("q", "a"));
    assert_eq!(second.read_reply(), pair("q", "d"));
    assert_eq!(third.read_reply(), bulk("b"));
    assert_eq!(admin.cmd(&["LRANGE", "q", "0", "-1"]), bulk_array(&["c"]));
    assert_eq!(admin.cmd(&["LRANGE", "dst", "0", "-1"]), bulk_array(&["b"]));
    assert_eq!(blocked_clients(&mut admin), 0);
    assert!(!admin.cmd(&["CLIENT", "LIST"]).contains("flags=b "));
}

#[test]
fn one_push_serves_only_as_many_clients_as_elements() {
    let server = TestServer::start();
    let mut admin = server.raw();
    let mut first = server.raw();
    let mut second = server.raw();
    first.send_command(&[b"BLMPOP", b"0", b"2", b"x", b"q", b"LEFT", b"COUNT", b"5"]);
    wait_blocked(&mut admin, 1);
    second.send_command(&[b"BLPOP", b"q", b"0"]);
    wait_blocked(&mut admin, 2);
    assert_eq!(admin.cmd(&["LPUSH", "q", "a", "b"]), int(2));
    assert_eq!(first.read_reply(), "*2\r\n$1\r\nq\r\n*2\r\n$1\r\nb\r\n$1\r\na\r\n");
    assert_eq!(blocked_clients(&mut admin), 1);
    assert_eq!(admin.cmd(&["EXISTS", "q"]), int(0));
    assert_eq!(admin.cmd(&["LPUSHX", "q", "z"]), int(0));
    assert_eq!(admin.cmd(&["RPUSH", "q", "z"]), int(1));
    assert_eq!(second.read_reply(), pair("q", "z"));
}

#[test]
fn timeouts_reply_a_null_array() {
    let server = TestServer::start();
    for resp3 in [false, true] {
        let mut c = if resp3 { server.raw().resp3() } else { server.raw() };
        let null = if resp3 { NULL3 } else { NULL_ARRAY2 };
        assert_eq!(c.cmd(&["BLPOP", "a", "b", "0.05"]), null);
        assert_eq!(c.cmd(&["BRPOP", "a", "0.01"]), null);
        assert_eq!(c.cmd(&["BLMOVE", "a", "b", "LEFT", "LEFT", "0.01"]), null);
        assert_eq!(c.cmd(&["BRPOPLPUSH", "a", "b", "0.01"]), null);
        assert_eq!(c.cmd(&["BLMPOP", "0.01", "1", "a", "LEFT"]), null);
        assert_eq!(c.cmd(&["PING"]), "+PONG\r\n");
    }
    let mut c = server.raw();
    assert_eq!(blocked_clients(&mut c), 0);
    assert_eq!(c.cmd(&["EXISTS", "a", "b"]), int(0));
}

/// Commands pipelined after a block count deadlines from when they run, not from when their
/// batch was read (a SET ... PX after a one-second BLPOP timeout keeps its whole TTL).
#[test]
fn deadlines_after_a_block_count_from_when_they_run() {
    let server = TestServer::start();
    let mut c = server.raw();
    let mut pipeline = encode(&[b"BLPOP", b"nothing", b"1"]);
    pipeline.extend(encode(&[b"SET", b"k", b"v", b"PX", b"1500"]));
    pipeline.extend(encode(&[b"PTTL", b"k"]));
    c.send(&pipeline);
    assert_eq!(c.read_reply(), NULL_ARRAY2);
    assert_eq!(c.read_reply(), OK);
    let ttl: i64 = c.read_reply().trim_start_matches(':').trim_end().parse().unwrap();
    assert!(ttl > 1000, "PTTL {ttl}: the deadline counted from before the block");
}

#[test]
fn timeout_and_argument_errors() {
    let server = TestServer::start();
    let mut c = server.raw();
    let not_float = err("ERR timeout is not a float or out of range");
    let negative = err("ERR timeout is negative");
    let out_of_range = err("ERR timeout is out of range");
    assert_eq!(c.cmd(&["BLPOP", "k", "abc"]), not_float);
    assert_eq!(c.cmd(&["BLPOP", "k", "nan"]), not_float);
    assert_eq!(c.cmd(&["BLPOP", "k", "-1"]), negative);
    assert_eq!(c.cmd(&["BRPOP", "k", "-0.5"]), negative);
    assert_eq!(c.cmd(&["BRPOP", "k", "-inf"]), negative);
    assert_eq!(c.cmd(&["BRPOP", "k", "inf"]), out_of_range);
    assert_eq!(c.cmd(&["BLMPOP", "1e20", "1", "k", "LEFT"]), out_of_range);
    // Redis reads the timeout as a long double: numbers beyond f64's range are still numbers.
    assert_eq!(c.cmd(&["BLPOP", "k", "1e400"]), out_of_range);
    assert_eq!(c.cmd(&["BLPOP", "k", "-1e400"]), negative);
    assert_eq!(c.cmd(&["BLPOP", "k", "1e5000"]), not_float);
    // 1e-400 s is 1 ms there.
    assert_eq!(c.cmd(&["BLPOP", "k", "1e-400"]), "*-1\r\n");
    assert_eq!(c.cmd(&["BLMOVE", "k", "d", "UP", "LEFT", "abc"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["BLMOVE", "k", "d", "LEFT", "LEFT", "abc"]), not_float);
    assert_eq!(c.cmd(&["BRPOPLPUSH", "k", "d", "-1"]), negative);
    assert_eq!(c.cmd(&["BLMPOP", "abc", "1", "k", "LEFT"]), not_float);
    // BLMPOP checks numkeys, the side and COUNT before the timeout, as Redis does.
    assert_eq!(
        c.cmd(&["BLMPOP", "abc", "0", "k", "LEFT"]),
        err("ERR numkeys should be greater than 0")
    );
    assert_eq!(c.cmd(&["BLMPOP", "0", "1", "k", "MIDDLE"]), err("ERR syntax error"));
    assert_eq!(
        c.cmd(&["BLMPOP", "0", "1", "k", "LEFT", "COUNT", "0"]),
        err("ERR count should be greater than 0")
    );
    assert_eq!(c.cmd(&["BLPOP", "k"]), err("ERR wrong number of arguments for 'blpop' command"));
    assert_eq!(
        c.cmd(&["BLMPOP", "0", "1", "k"]),
        err("ERR wrong number of arguments for 'blmpop' command")
    );
    assert_eq!(blocked_clients(&mut c), 0);
}

#[test]
fn with_data_they_behave_like_the_plain_commands() {
    let server = TestServer::start();
    let mut c = server.raw().resp3();
    c.cmd(&["RPUSH", "k", "a", "b", "c", "d"]);
    assert_eq!(c.cmd(&["BLPOP", "missing", "k", "0"]), pair("k", "a"));
    assert_eq!(c.cmd(&["BRPOP", "k", "0"]), pair("k", "d"));
    assert_eq!(c.cmd(&["BLMOVE", "k", "d", "RIGHT", "LEFT", "0"]), bulk("c"));
    assert_eq!(c.cmd(&["BRPOPLPUSH", "d", "k", "0"]), bulk("c"));
    assert_eq!(
        c.cmd(&["BLMPOP", "0", "2", "missing", "k", "LEFT", "COUNT", "9"]),
        "*2\r\n$1\r\nk\r\n*2\r\n$1\r\nc\r\n$1\r\nb\r\n"
    );
    assert_eq!(c.cmd(&["EXISTS", "k", "d"]), int(0));
}

#[test]
fn client_unblock_times_out_or_errors() {
    let server = TestServer::start();
    let mut admin = server.raw();
    let mut blocked = server.raw().resp3();
    let id = blocked.cmd(&["CLIENT", "ID"]);
    let id = id.trim_start_matches(':').trim_end().to_string();
    assert_eq!(admin.cmd(&["CLIENT", "UNBLOCK", &id]), int(0));
    blocked.send_command(&[b"BLPOP", b"k", b"0"]);
    wait_blocked(&mut admin, 1);
    assert_eq!(admin.cmd(&["CLIENT", "UNBLOCK", &id, "TIMEOUT"]), int(1));
    assert_eq!(blocked.read_reply(), NULL3);
    blocked.send_command(&[b"BLMOVE", b"k", b"d", b"LEFT", b"LEFT", b"0"]);
    wait_blocked(&mut admin, 1);
    assert_eq!(admin.cmd(&["CLIENT", "UNBLOCK", &id, "error"]), int(1));
    assert_eq!(blocked.read_reply(), err("UNBLOCKED client unblocked via CLIENT UNBLOCK"));
    blocked.send_command(&[b"BRPOP", b"k", b"100"]);
    wait_blocked(&mut admin, 1);
    assert!(admin.cmd(&["INFO", "clients"]).contains("clients_in_timeout_table:1\r\n"));
    assert_eq!(admin.cmd(&["CLIENT", "UNBLOCK", &id]), int(1));
    assert_eq!(blocked.read_reply(), NULL3);
    assert_eq!(admin.cmd(&["CLIENT", "UNBLOCK", &id]), int(0));
    assert_eq!(
        admin.cmd(&["CLIENT", "UNBLOCK", &id, "FOO"]),
        err("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
    );
    assert_eq!(
        admin.cmd(&["CLIENT", "UNBLOCK", "abc"]),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(admin.cmd(&["CLIENT", "UNBLOCK", "-5"]), int(0));
    // The unblocked client did not pop anything later pushes could have given it.
    assert_eq!(admin.cmd(&["RPUSH", "k", "v"]), int(1));
    assert_eq!(admin.cmd(&["LLEN", "k"]), int(1));
}

#[test]
fn a_disconnected_client_leaves_the_queue_and_loses_nothing() {
    let server = TestServer::start();
    let mut admin = server.raw();
    let mut gone = server.raw();
    gone.send_command(&[b"BLPOP", b"k", b"0"]);
    wait_blocked(&mut admin, 1);
    let mut stays = server.raw();
    stays.send_command(&[b"BLPOP", b"k", b"0"]);
    wait_blocked(&mut admin, 2);
    drop(gone);
    wait_blocked(&mut admin, 1);
    assert_eq!(admin.cmd(&["RPUSH", "k", "a", "b"]), int(2));
    assert_eq!(stays.read_reply(), pair("k", "a"));
    assert_eq!(admin.cmd(&["LRANGE", "k", "0", "-1"]), bulk_array(&["b"]));
}

#[test]
fn commands_after_a_blocking_one_wait_for_it() {
    let server = TestServer::start();
    let mut admin = server.raw();
    let mut c = server.raw();
    let mut batch = encode(&[b"PING"]);
    batch.extend(encode(&[b"BLPOP", b"k", b"0"]));
    batch.extend(encode(&[b"LLEN", b"k"]));
    c.send(&batch);
    assert_eq!(c.read_reply(), "+PONG\r\n");
    wait_blocked(&mut admin, 1);
    admin.cmd(&["RPUSH", "k", "a", "b"]);
    assert_eq!(c.read_reply(), pair("k", "a"));
    assert_eq!(c.read_reply(), int(1));
}

#[test]
fn a_served_blmove_wakes_clients_blocked_on_its_destination() {
    let server = TestServer::start();
    let mut admin = server.raw();
    let mut mover = server.raw();
    let mut popper = server.raw();
    let mut second_mover = server.raw();
    mover.send_command(&[b"BLMOVE", b"a", b"b", b"RIGHT", b"LEFT", b"0"]);
    wait_blocked(&mut admin, 1);
    popper.send_command(&[b"BRPOP", b"c", b"0"]);
    wait_blocked(&mut admin, 2);
    second_mover.send_command(&[b"BRPOPLPUSH", b"b", b"c", b"0"]);
    wait_blocked(&mut admin, 3);
    assert_eq!(admin.cmd(&["LPUSH", "a", "x"]), int(1));
    assert_eq!(mover.read_reply(), bulk("x"));
    assert_eq!(second_mover.read_reply(), bulk("x"));
    assert_eq!(popper.read_reply(), pair("c", "x"));
    assert_eq!(admin.cmd(&["EXISTS", "a", "b", "c"]), int(0));
}

#[test]
fn a_blmove_into_a_key_of_another_type_gets_wrongtype() {
    let server = TestServer::start();
    let mut admin = server.raw();
    let mut mover = server.raw();
    let mut popper = server.raw();
    mover.send_command(&[b"BLMOVE", b"src", b"str", b"LEFT", b"LEFT", b"0"]);
    wait_blocked(&mut admin, 1);
    popper.send_command(&[b"BLPOP", b"src", b"0"]);
    wait_blocked(&mut admin, 2);
    admin.cmd(&["SET", "str", "v"]);
    assert_eq!(admin.cmd(&["RPUSH", "src", "e"]), int(1));
    assert_eq!(mover.read_reply(), WRONGTYPE);
    // The element stayed for the next client in line.
    assert_eq!(popper.read_reply(), pair("src", "e"));
}

#[test]
fn served_pops_are_journaled_with_the_push() {
    let mut server = TestServer::start();
    let mut admin = server.raw();
    let mut popper = server.raw();
    let mut mover = server.raw();
    popper.send_command(&[b"BLPOP", b"k", b"0"]);
    wait_blocked(&mut admin, 1);
    mover.send_command(&[b"BLMOVE", b"k", b"dst", b"LEFT", b"RIGHT", b"0"]);
    wait_blocked(&mut admin, 2);
    assert_eq!(admin.cmd(&["RPUSH", "k", "a", "b", "c"]), int(3));
    assert_eq!(popper.read_reply(), pair("k", "a"));
    assert_eq!(mover.read_reply(), bulk("b"));
    admin.cmd(&["SELECT", "3"]);
    popper.cmd(&["SELECT", "3"]);
    popper.send_command(&[b"BLMPOP", b"0", b"1", b"k3", b"RIGHT", b"COUNT", b"2"]);
    wait_blocked(&mut admin, 1);
    assert_eq!(admin.cmd(&["LPUSH", "k3", "x", "y", "z"]), int(3));
    assert_eq!(popper.read_reply(), "*2\r\n$2\r\nk3\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n");
    drop((admin, popper, mover));
    server.restart();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["LRANGE", "k", "0", "-1"]), bulk_array(&["c"]));
    assert_eq!(c.cmd(&["LRANGE", "dst", "0", "-1"]), bulk_array(&["b"]));
    c.cmd(&["SELECT", "3"]);
    assert_eq!(c.cmd(&["LRANGE", "k3", "0", "-1"]), bulk_array(&["z"]));
}

/// Many clients race pushes and blocking pops on a few keys: every pushed element ends up
/// either delivered to exactly one client or still in a list, and the journal agrees.
#[test]
fn concurrent_pushes_and_blocking_pops_lose_and_duplicate_nothing() {
    let mut server = TestServer::start();
    let port = server.port;
    const POPPERS: usize = 6;
    // 2 pushers x 6 x 834 = 10 008 pushes against blocked clients.
    const PER_POPPER: usize = 834;
    let poppers: Vec<_> = (0..POPPERS)
        .map(|i| {
            std::thread::spawn(move || {
                let mut c = RawClient::connect(port);
                let mut got = Vec::new();
                for _ in 0..PER_POPPER {
                    let reply = if i % 2 == 0 {
                        c.cmd(&["BLPOP", "k1", "k2", "5"])
                    } else {
                        c.cmd(&["BLMOVE", "k2", "moved", "LEFT", "RIGHT", "5"])
                    };
                    got.push(reply);
                }
                got
            })
        })
        .collect();
    let pushers: Vec<_> = (0..2)
        .map(|p| {
            std::thread::spawn(move || {
                let mut c = RawClient::connect(port);
                // Each pusher alone covers every pop, whichever keys they drain.
                for n in 0..POPPERS * PER_POPPER {
                    let key = if n % 3 == 0 { "k1" } else { "k2" };
                    c.cmd(&["RPUSH", key, &format!("p{p}-{n}")]);
                }
            })
        })
        .collect();
    for pusher in pushers {
        pusher.join().expect("pusher");
    }
    let mut delivered: Vec<String> = Vec::new();
    for popper in poppers {
        for reply in popper.join().expect("popper") {
            assert_ne!(reply, NULL_ARRAY2, "a popper timed out with elements pushed");
            // The element is the last bulk of the reply.
            let element = reply.trim_end().rsplit("\r\n").next().unwrap_or("").to_string();
            delivered.push(element);
        }
    }
    let mut c = server.raw();
    let mut remaining: Vec<String> = Vec::new();
    for key in ["k1", "k2"] {
        let range = c.cmd(&["LRANGE", key, "0", "-1"]);
        remaining.extend(range.split("\r\n").filter(|l| l.starts_with('p')).map(String::from));
    }
    let moved = c.cmd(&["LRANGE", "moved", "0", "-1"]);
    let mut all = delivered.clone();
    all.extend(remaining);
    all.sort();
    let expected_total = 2 * POPPERS * PER_POPPER;
    assert_eq!(all.len(), expected_total);
    all.dedup();
    assert_eq!(all.len(), expected_total, "an element was delivered twice");
    let before: Vec<String> =
        ["k1", "k2", "moved"].iter().map(|k| c.cmd(&["LRANGE", k, "0", "-1"])).collect();
    assert_eq!(before[2], moved);
    drop(c);
    server.restart();
    let mut c = server.raw();
    let after: Vec<String> =
        ["k1", "k2", "moved"].iter().map(|k| c.cmd(&["LRANGE", k, "0", "-1"])).collect();
    assert_eq!(before, after);
}

#[test]
fn a_killed_blocked_client_leaves_the_queue() {
    let server = TestServer::start();
    let mut admin = server.raw();
    let mut blocked = server.raw();
    let id = blocked.cmd(&["CLIENT", "ID"]);
    let id = id.trim_start_matches(':').trim_end().to_string();
    blocked.send_command(&[b"BLMOVE", b"k", b"d", b"LEFT", b"LEFT", b"0"]);
    wait_blocked(&mut admin, 1);
    assert_eq!(admin.cmd(&["CLIENT", "KILL", "ID", &id]), int(1));
    wait_blocked(&mut admin, 0);
    assert!(blocked.is_closed());
    assert_eq!(admin.cmd(&["RPUSH", "k", "v"]), int(1));
    assert_eq!(admin.cmd(&["LRANGE", "k", "0", "-1"]), bulk_array(&["v"]));
    assert_eq!(admin.cmd(&["EXISTS", "d"]), int(0));
}

/// RENAME, COPY, MOVE and SWAPDB that give a blocked key a value serve its clients, as
/// Redis's `signalKeyAsReady` does; a restart shows the pops were journaled.
#[test]
fn rename_copy_move_and_swapdb_serve_blocked_clients() {
    let mut server = TestServer::start();
    let mut admin = server.raw();
    let mut waiter = server.raw();

    waiter.send_command(&[b"BLPOP", b"renamed", b"0"]);
    wait_blocked(&mut admin, 1);
    assert_eq!(admin.cmd(&["RPUSH", "src", "a", "b"]), int(2));
    assert_eq!(admin.cmd(&["RENAME", "src", "renamed"]), "+OK\r\n");
    assert_eq!(waiter.read_reply(), pair("renamed", "a"));

    waiter.send_command(&[b"BRPOP", b"copied", b"0"]);
    wait_blocked(&mut admin, 1);
    assert_eq!(admin.cmd(&["COPY", "renamed", "copied"]), int(1));
    assert_eq!(waiter.read_reply(), pair("copied", "b"));
    assert_eq!(
        admin.cmd(&["LRANGE", "renamed", "0", "-1"]),
        bulk_array(&["b"]),
        "the source stays"
    );

    waiter.send_command(&[b"BLPOP", b"moved", b"0"]);
    wait_blocked(&mut admin, 1);
    assert_eq!(admin.cmd(&["SELECT", "1"]), "+OK\r\n");
    assert_eq!(admin.cmd(&["RPUSH", "moved", "m"]), int(1));
    assert_eq!(admin.cmd(&["MOVE", "moved", "0"]), int(1));
    assert_eq!(waiter.read_reply(), pair("moved", "m"));

    let mut zwaiter = server.raw();
    zwaiter.send_command(&[b"BZPOPMIN", b"swapped", b"0"]);
    wait_blocked(&mut admin, 1);
    assert_eq!(admin.cmd(&["ZADD", "swapped", "1", "z"]), int(1));
    assert_eq!(admin.cmd(&["SWAPDB", "0", "1"]), "+OK\r\n");
    assert_eq!(zwaiter.read_reply(), "*3\r\n$7\r\nswapped\r\n$1\r\nz\r\n$1\r\n1\r\n");
    assert_eq!(blocked_clients(&mut admin), 0);

    // Inside a transaction the service waits for EXEC.
    waiter.send_command(&[b"BLPOP", b"late", b"0"]);
    wait_blocked(&mut admin, 1);
    assert_eq!(admin.cmd(&["SELECT", "0"]), "+OK\r\n");
    assert_eq!(admin.cmd(&["RPUSH", "early", "e"]), int(1));
    assert_eq!(admin.cmd(&["MULTI"]), "+OK\r\n");
    assert_eq!(admin.cmd(&["RENAME", "early", "late"]), "+QUEUED\r\n");
    assert_eq!(admin.cmd(&["EXEC"]), "*1\r\n+OK\r\n");
    assert_eq!(waiter.read_reply(), pair("late", "e"));

    let before = workload::dump(&server);
    server.restart();
    workload::assert_same(&before, &workload::dump(&server), "after the restart");
}

/// SORT ... STORE gives its destination a list: clients blocked on it are served (Redis's
/// setKey signals the key), inside a transaction after EXEC; checked with redis-server.
#[test]
fn sort_store_serves_clients_blocked_on_its_destination() {
    let server = TestServer::start();
    let mut admin = server.raw();
    let mut waiter = server.raw();
    assert_eq!(admin.cmd(&["RPUSH", "src", "3", "1"]), int(2));
    waiter.send_command(&[b"BRPOP", b"dst", b"0"]);
    wait_blocked(&mut admin, 1);
    assert_eq!(admin.cmd(&["SORT", "src", "STORE", "dst"]), int(2));
    assert_eq!(waiter.read_reply(), pair("dst", "3"));
    assert_eq!(admin.cmd(&["LRANGE", "dst", "0", "-1"]), bulk_array(&["1"]));

    waiter.send_command(&[b"BLPOP", b"tx", b"0"]);
    wait_blocked(&mut admin, 1);
    assert_eq!(admin.cmd(&["MULTI"]), "+OK\r\n");
    assert_eq!(admin.cmd(&["SORT", "src", "BY", "nosort", "STORE", "tx"]), "+QUEUED\r\n");
    assert_eq!(admin.cmd(&["EXEC"]), "*1\r\n:2\r\n");
    assert_eq!(waiter.read_reply(), pair("tx", "3"));
    assert_eq!(blocked_clients(&mut admin), 0);
}
