//! WAIT on a server without replicas, side by side with redis-server: parse errors, the
//! immediate `:0`, MULTI, and a blocked WAIT (CLIENT LIST, INFO, CLIENT UNBLOCK, CLIENT
//! KILL, disconnect). No assertion depends on how long anything takes.
mod common;

use common::servers::{Kind, Server};
use common::{blocked_clients, err, info_field, wait_blocked, RawClient};

/// The replies both servers give (RESP2 and RESP3 alike), exact bytes.
const SHARED: &[(&[&str], &str)] = &[
    (&["WAIT"], "-ERR wrong number of arguments for 'wait' command\r\n"),
    (&["WAIT", "1"], "-ERR wrong number of arguments for 'wait' command\r\n"),
    (&["WAIT", "1", "2", "3"], "-ERR wrong number of arguments for 'wait' command\r\n"),
    (&["WAIT", "a", "0"], "-ERR value is not an integer or out of range\r\n"),
    (&["WAIT", "a", "-1"], "-ERR value is not an integer or out of range\r\n"),
    (&["WAIT", "0", "a"], "-ERR timeout is not an integer or out of range\r\n"),
    (&["WAIT", "0", "1.5"], "-ERR timeout is not an integer or out of range\r\n"),
    (&["WAIT", "0", "9223372036854775808"], "-ERR timeout is not an integer or out of range\r\n"),
    (&["WAIT", "0", "-1"], "-ERR timeout is negative\r\n"),
    (&["WAIT", "1", "-1"], "-ERR timeout is negative\r\n"),
    (&["WAIT", "0", "0"], ":0\r\n"),
    (&["wait", "-5", "0"], ":0\r\n"),
    (&["WAIT", "0", "100000"], ":0\r\n"),
    // Times out (there is no replica): the reply is the count, 0.
    (&["WAIT", "1", "1"], ":0\r\n"),
    (&["SET", "k", "v"], "+OK\r\n"),
    (&["WAIT", "0", "0"], ":0\r\n"),
    // Inside MULTI nothing blocks: WAIT 5 0 replies at once.
    (&["MULTI"], "+OK\r\n"),
    (&["WAIT", "5", "0"], "+QUEUED\r\n"),
    (&["WAIT", "0", "0"], "+QUEUED\r\n"),
    (&["EXEC"], "*2\r\n:0\r\n:0\r\n"),
    (&["MULTI"], "+OK\r\n"),
    (&["WAIT", "0", "-1"], "+QUEUED\r\n"),
    (&["EXEC"], "*1\r\n-ERR timeout is negative\r\n"),
    (&["ACL", "DRYRUN", "default", "WAIT", "1", "0"], "+OK\r\n"),
];

#[test]
fn wait_replies_like_redis_in_resp2_and_resp3() {
    let mut replies = Vec::new();
    for kind in Kind::BOTH {
        let server = Server::start(kind);
        let mut resp2 = RawClient::connect(server.port);
        let mut resp3 = RawClient::connect(server.port).resp3();
        let mut got = Vec::new();
        for c in [&mut resp2, &mut resp3] {
            for (args, expected) in SHARED {
                let reply = c.cmd(args);
                assert_eq!(&reply, expected, "{} {args:?}", kind.name());
                got.push(reply);
            }
        }
        replies.push(got);
    }
    assert_eq!(replies[0], replies[1]);
}

/// Redis 7.2 refuses a timeout that overflows when added to the current time (7.0.15 takes
/// it, and then WAIT 1 of it never ends).
#[test]
fn an_overflowing_timeout_is_out_of_range_as_in_redis_7_2() {
    let server = Server::start(Kind::AllyDb);
    let mut c = RawClient::connect(server.port);
    for numreplicas in ["0", "1"] {
        assert_eq!(
            c.cmd(&["WAIT", numreplicas, "9223372036854775807"]),
            err("ERR timeout is out of range")
        );
    }
}

fn client_id(c: &mut RawClient) -> String {
    c.cmd(&["CLIENT", "ID"]).trim_start_matches(':').trim_end().to_string()
}

/// A WAIT for one replica without a timeout stays blocked until CLIENT UNBLOCK: it shows in
/// CLIENT LIST and INFO, TIMEOUT replies the count, ERROR Redis's `-UNBLOCKED` text, and the
/// connection serves commands afterwards (including the ones pipelined behind the WAIT).
#[test]
fn a_blocked_wait_ends_with_client_unblock() {
    for kind in Kind::BOTH {
        let server = Server::start(kind);
        let mut admin = RawClient::connect(server.port);
        for resp3 in [false, true] {
            let mut waiting = RawClient::connect(server.port);
            if resp3 {
                waiting = waiting.resp3();
            }
            let id = client_id(&mut waiting);
            for (reason, expected) in [
                ("TIMEOUT", ":0\r\n".to_string()),
                ("ERROR", err("UNBLOCKED client unblocked via CLIENT UNBLOCK")),
            ] {
                waiting.send_command(&[b"WAIT", b"1", b"0"]);
                waiting.send_command(&[b"PING"]);
                wait_blocked(&mut admin, 1);
                let line = admin.cmd(&["CLIENT", "LIST", "ID", &id]);
                assert!(line.contains(" flags=b "), "{}: {line}", kind.name());
                assert!(line.contains(" cmd=wait "), "{}: {line}", kind.name());
                assert_eq!(info_field(&mut admin, "clients", "clients_in_timeout_table"), "0");
                assert_eq!(admin.cmd(&["CLIENT", "UNBLOCK", &id, reason]), ":1\r\n");
                assert_eq!(waiting.read_reply(), expected, "{} {reason}", kind.name());
                assert_eq!(waiting.read_reply(), "+PONG\r\n");
                assert_eq!(blocked_clients(&mut admin), 0);
                let line = admin.cmd(&["CLIENT", "LIST", "ID", &id]);
                assert!(line.contains(" flags=N "), "{}: {line}", kind.name());
            }
            assert_eq!(admin.cmd(&["CLIENT", "UNBLOCK", &id]), ":0\r\n");
        }
    }
}

/// A WAIT with a timeout is in INFO's timeout table while blocked, and CLIENT UNBLOCK ends it
/// before the timeout; a short timeout ends by itself with `:0`.
#[test]
fn a_wait_with_a_timeout_replies_the_count() {
    for kind in Kind::BOTH {
        let server = Server::start(kind);
        let mut admin = RawClient::connect(server.port);
        let mut waiting = RawClient::connect(server.port);
        let id = client_id(&mut waiting);
        waiting.send_command(&[b"WAIT", b"2", b"3600000"]);
        wait_blocked(&mut admin, 1);
        assert_eq!(info_field(&mut admin, "clients", "clients_in_timeout_table"), "1");
        assert_eq!(admin.cmd(&["CLIENT", "UNBLOCK", &id, "TIMEOUT"]), ":1\r\n");
        assert_eq!(waiting.read_reply(), ":0\r\n");
        assert_eq!(waiting.cmd(&["WAIT", "3", "20"]), ":0\r\n", "{}", kind.name());
        assert_eq!(blocked_clients(&mut admin), 0);
    }
}

/// CLIENT KILL and a disconnect end a WAIT that nothing else would end.
#[test]
fn a_blocked_wait_ends_with_a_kill_or_a_disconnect() {
    for kind in Kind::BOTH {
        let server = Server::start(kind);
        let mut admin = RawClient::connect(server.port);
        let mut killed = RawClient::connect(server.port);
        let id = client_id(&mut killed);
        killed.send_command(&[b"WAIT", b"1", b"0"]);
        wait_blocked(&mut admin, 1);
        assert_eq!(admin.cmd(&["CLIENT", "KILL", "ID", &id]), ":1\r\n");
        assert!(killed.is_closed(), "{}", kind.name());
        wait_blocked(&mut admin, 0);

        let mut gone = RawClient::connect(server.port);
        gone.send_command(&[b"WAIT", b"1", b"0"]);
        wait_blocked(&mut admin, 1);
        drop(gone);
        wait_blocked(&mut admin, 0);
        assert!(common::eventually(std::time::Duration::from_secs(10), || {
            info_field(&mut admin, "clients", "connected_clients") == "1"
        }));
    }
}

/// ACL categories as both servers have them; COMMAND INFO, DOCS and COUNT as Redis 7.2 has
/// them (7.0.15 also flags WAIT `noscript`; both give it request and response policies).
#[test]
fn wait_in_command_and_acl_introspection() {
    for kind in Kind::BOTH {
        let server = Server::start(kind);
        let mut c = RawClient::connect(server.port);
        let connection = c.cmd(&["ACL", "CAT", "connection"]);
        assert!(connection.contains("\r\n$4\r\nwait\r\n"), "{}: {connection}", kind.name());
        let slow = c.cmd(&["ACL", "CAT", "slow"]);
        assert!(slow.contains("\r\n$4\r\nwait\r\n"), "{}", kind.name());
        let blocking = c.cmd(&["ACL", "CAT", "blocking"]);
        assert!(!blocking.contains("\r\n$4\r\nwait\r\n"), "{}", kind.name());
    }
    let server = Server::start(Kind::AllyDb);
    let mut c = RawClient::connect(server.port);
    assert_eq!(
        c.cmd(&["COMMAND", "INFO", "wait"]),
        "*1\r\n*10\r\n$4\r\nwait\r\n:3\r\n*0\r\n:0\r\n:0\r\n:0\r\n\
         *2\r\n+@slow\r\n+@connection\r\n\
         *2\r\n$25\r\nrequest_policy:all_shards\r\n$23\r\nresponse_policy:agg_min\r\n*0\r\n*0\r\n"
    );
    let docs = c.cmd(&["COMMAND", "DOCS", "wait"]);
    for part in [
        "$7\r\nsummary\r\n$110\r\nBlocks until the asynchronous replication of all preceding \
         write commands sent by the connection is completed.\r\n",
        "$5\r\nsince\r\n$5\r\n3.0.0\r\n",
        "$5\r\ngroup\r\n$7\r\ngeneric\r\n",
        "$10\r\ncomplexity\r\n$4\r\nO(1)\r\n",
        "$4\r\nname\r\n$11\r\nnumreplicas\r\n$4\r\ntype\r\n$7\r\ninteger\r\n",
        "$4\r\nname\r\n$7\r\ntimeout\r\n$4\r\ntype\r\n$7\r\ninteger\r\n",
    ] {
        assert!(docs.contains(part), "{part:?} in {docs}");
    }
    let list = c.cmd(&["COMMAND", "LIST"]);
    assert!(list.contains("\r\n$4\r\nwait\r\n"));
    // COMMAND COUNT counts commands, COMMAND LIST also lists subcommands (`client|id`).
    let commands = list.lines().skip(1).skip(1).step_by(2).filter(|n| !n.contains('|')).count();
    assert_eq!(c.cmd(&["COMMAND", "COUNT"]), format!(":{commands}\r\n"));
}

/// WAITAOF shares WAIT's blocking: a wait for a replica is a blocked client that CLIENT
/// UNBLOCK ends (redis-server 7.0.15 has no WAITAOF to compare with).
#[test]
fn a_blocked_waitaof_ends_with_client_unblock() {
    let server = Server::start(Kind::AllyDb);
    let mut admin = RawClient::connect(server.port);
    let mut waiting = RawClient::connect(server.port);
    let id = client_id(&mut waiting);
    waiting.send_command(&[b"WAITAOF", b"0", b"1", b"0"]);
    wait_blocked(&mut admin, 1);
    let line = admin.cmd(&["CLIENT", "LIST", "ID", &id]);
    assert!(line.contains(" flags=b ") && line.contains(" cmd=waitaof "), "{line}");
    assert_eq!(admin.cmd(&["CLIENT", "UNBLOCK", &id, "ERROR"]), ":1\r\n");
    assert_eq!(waiting.read_reply(), err("UNBLOCKED client unblocked via CLIENT UNBLOCK"));
    waiting.send_command(&[b"WAITAOF", b"0", b"1", b"0"]);
    wait_blocked(&mut admin, 1);
    assert_eq!(admin.cmd(&["CLIENT", "UNBLOCK", &id, "TIMEOUT"]), ":1\r\n");
    assert_eq!(waiting.read_reply(), "*2\r\n:1\r\n:0\r\n");
    assert_eq!(waiting.cmd(&["PING"]), "+PONG\r\n");
}
