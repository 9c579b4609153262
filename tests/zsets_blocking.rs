//! The blocking sorted set pops (BZPOPMIN, BZPOPMAX, BZMPOP) against the real binary: replies
//! in RESP2 and RESP3, FIFO service by ZADD, ZINCRBY and the STORE commands, timeouts, CLIENT
//! UNBLOCK, disconnects, waiters of the other type left alone, and that served pops are
//! journaled with the command that served them (a restart shows the same sets).
mod common;

use common::*;

const NULL_ARRAY2: &str = "*-1\r\n";
const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

/// A score as the protocol writes it: bulk in RESP2, double in RESP3.
fn score(text: &str, resp3: bool) -> String {
    if resp3 {
        format!(",{text}\r\n")
    } else {
        bulk(text)
    }
}

/// BZPOPMIN's `[key, member, score]`.
fn key_member_score(key: &str, member: &str, s: &str, resp3: bool) -> String {
    format!("*3\r\n{}{}{}", bulk(key), bulk(member), score(s, resp3))
}

/// BZMPOP's `[key, [[member, score], ...]]`.
fn key_members(key: &str, members: &[(&str, &str)], resp3: bool) -> String {
    let mut out = format!("*2\r\n{}*{}\r\n", bulk(key), members.len());
    for (member, s) in members {
        out.push_str(&format!("*2\r\n{}{}", bulk(member), score(s, resp3)));
    }
    out
}

fn client_id(c: &mut RawClient) -> String {
    c.cmd(&["CLIENT", "ID"]).trim_start_matches(':').trim_end().to_string()
}

#[test]
fn with_members_they_pop_at_once_in_both_protocols() {
    let server = TestServer::start();
    for resp3 in [false, true] {
        let mut c = if resp3 { server.raw().resp3() } else { server.raw() };
        c.cmd(&["ZADD", "z", "1", "a", "2.5", "b", "3", "c", "4", "d"]);
        assert_eq!(
            c.cmd(&["BZPOPMIN", "missing", "z", "0"]),
            key_member_score("z", "a", "1", resp3)
        );
        assert_eq!(
            c.cmd(&["BZPOPMAX", "z", "missing", "0"]),
            key_member_score("z", "d", "4", resp3)
        );
        assert_eq!(
            c.cmd(&["BZMPOP", "0", "2", "missing", "z", "MIN", "COUNT", "5"]),
            key_members("z", &[("b", "2.5"), ("c", "3")], resp3)
        );
        assert_eq!(c.cmd(&["EXISTS", "z"]), int(0));
        c.cmd(&["ZADD", "z", "1", "a", "2", "b"]);
        assert_eq!(
            c.cmd(&["BZMPOP", "1", "1", "z", "max"]),
            key_members("z", &[("b", "2")], resp3)
        );
        assert_eq!(c.cmd(&["ZPOPMIN", "z"]), format!("*2\r\n{}{}", bulk("a"), score("1", resp3)));
    }
    let mut c = server.raw();
    assert_eq!(blocked_clients(&mut c), 0);
}

#[test]
fn timeouts_reply_a_null_array() {
    let server = TestServer::start();
    for resp3 in [false, true] {
        let mut c = if resp3 { server.raw().resp3() } else { server.raw() };
        let null = if resp3 { NULL3 } else { NULL_ARRAY2 };
        assert_eq!(c.cmd(&["BZPOPMIN", "a", "b", "0.05"]), null);
        assert_eq!(c.cmd(&["BZPOPMAX", "a", "0.01"]), null);
        assert_eq!(c.cmd(&["BZMPOP", "0.01", "2", "a", "b", "MIN", "COUNT", "3"]), null);
        assert_eq!(c.cmd(&["PING"]), "+PONG\r\n");
    }
    let mut c = server.raw();
    assert_eq!(blocked_clients(&mut c), 0);
    assert_eq!(c.cmd(&["EXISTS", "a", "b"]), int(0));
}

#[test]
fn argument_errors_and_wrongtype() {
    let server = TestServer::start();
    let mut c = server.raw();
    let not_float = err("ERR timeout is not a float or out of range");
    assert_eq!(c.cmd(&["BZPOPMIN", "k", "abc"]), not_float);
    assert_eq!(c.cmd(&["BZPOPMAX", "k", "-1"]), err("ERR timeout is negative"));
    assert_eq!(c.cmd(&["BZPOPMIN", "k", "inf"]), err("ERR timeout is out of range"));
    assert_eq!(c.cmd(&["BZMPOP", "abc", "1", "k", "MIN"]), not_float);
    // numkeys, the side and COUNT are checked before the timeout, as in Redis.
    assert_eq!(
        c.cmd(&["BZMPOP", "abc", "0", "k", "MIN"]),
        err("ERR numkeys should be greater than 0")
    );
    assert_eq!(
        c.cmd(&["BZMPOP", "abc", "x", "k", "MIN"]),
        err("ERR numkeys should be greater than 0")
    );
    assert_eq!(c.cmd(&["BZMPOP", "0", "1", "k", "LEFT"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["BZMPOP", "0", "3", "k", "MIN"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["BZMPOP", "0", "1", "k", "MIN", "COUNT"]), err("ERR syntax error"));
    assert_eq!(
        c.cmd(&["BZMPOP", "0", "1", "k", "MIN", "COUNT", "0"]),
        err("ERR count should be greater than 0")
    );
    assert_eq!(
        c.cmd(&["BZMPOP", "0", "1", "k", "MIN", "COUNT", "1", "COUNT", "1"]),
        err("ERR syntax error")
    );
    assert_eq!(
        c.cmd(&["BZPOPMIN", "k"]),
        err("ERR wrong number of arguments for 'bzpopmin' command")
    );
    assert_eq!(
        c.cmd(&["BZMPOP", "0", "1", "k"]),
        err("ERR wrong number of arguments for 'bzmpop' command")
    );
    c.cmd(&["RPUSH", "list", "x"]);
    c.cmd(&["ZADD", "z", "1", "a"]);
    assert_eq!(c.cmd(&["BZPOPMIN", "missing", "list", "z", "0"]), WRONGTYPE);
    assert_eq!(c.cmd(&["BZMPOP", "0", "2", "list", "z", "MAX"]), WRONGTYPE);
    // The first existing key decides: a sorted set before the list pops.
    assert_eq!(c.cmd(&["BZPOPMAX", "z", "list", "0"]), key_member_score("z", "a", "1", false));
    assert_eq!(c.cmd(&["LLEN", "list"]), int(1));
    assert_eq!(blocked_clients(&mut c), 0);
}

#[test]
fn command_table_rows_and_getkeys() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "BZPOPMIN", "a", "b", "0"]), bulk_array(&["a", "b"]));
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "BZPOPMAX", "a", "0"]), bulk_array(&["a"]));
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYS", "BZMPOP", "0", "2", "a", "b", "MIN", "COUNT", "3"]),
        bulk_array(&["a", "b"])
    );
    let info = c.cmd(&["COMMAND", "INFO", "bzpopmin", "bzmpop"]);
    assert!(info.contains("$8\r\nbzpopmin\r\n:-3\r\n"), "{info}");
    assert!(info.contains("+blocking\r\n"), "{info}");
    assert!(info.contains("+fast\r\n"), "{info}");
    assert!(info.contains("$6\r\nbzmpop\r\n:-5\r\n"), "{info}");
    assert!(info.contains("+movablekeys\r\n"), "{info}");
}

#[test]
fn blocked_clients_are_served_first_come_first_served_by_zadd() {
    let server = TestServer::start();
    let mut admin = server.raw();
    let mut first = server.raw();
    let mut second = server.raw().resp3();
    let mut third = server.raw();
    first.send_command(&[b"BZPOPMIN", b"z", b"0"]);
    wait_blocked(&mut admin, 1);
    second.send_command(&[b"BZPOPMAX", b"other", b"z", b"0"]);
    wait_blocked(&mut admin, 2);
    third.send_command(&[b"BZMPOP", b"0", b"1", b"z", b"MIN", b"COUNT", b"2"]);
    wait_blocked(&mut admin, 3);
    let list = admin.cmd(&["CLIENT", "LIST"]);
    assert_eq!(list.matches("flags=b ").count(), 3, "{list}");
    assert!(list.contains("cmd=bzpopmin "), "{list}");
    assert!(list.contains("cmd=bzmpop "), "{list}");
    let info = admin.cmd(&["INFO", "clients"]);
    assert!(info.contains("total_blocking_keys:2\r\n"), "{info}");
    // ZADD's reply counts what it added, before anyone was served.
    assert_eq!(
        admin.cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5.5", "e"]),
        int(5)
    );
    assert_eq!(first.read_reply(), key_member_score("z", "a", "1", false));
    assert_eq!(second.read_reply(), key_member_score("z", "e", "5.5", true));
    assert_eq!(third.read_reply(), key_members("z", &[("b", "2"), ("c", "3")], false));
    assert_eq!(admin.cmd(&["ZRANGE", "z", "0", "-1"]), bulk_array(&["d"]));
    assert_eq!(blocked_clients(&mut admin), 0);
    assert!(admin.cmd(&["INFO", "clients"]).contains("total_blocking_keys:0\r\n"));
}

#[test]
fn one_zadd_serves_only_as_many_clients_as_members() {
    let server = TestServer::start();
    let mut admin = server.raw();
    let mut first = server.raw();
    let mut second = server.raw();
    first.send_command(&[b"BZMPOP", b"0", b"1", b"z", b"MAX", b"COUNT", b"10"]);
    wait_blocked(&mut admin, 1);
    second.send_command(&[b"BZPOPMIN", b"z", b"0"]);
    wait_blocked(&mut admin, 2);
    assert_eq!(admin.cmd(&["ZADD", "z", "1", "a", "2", "b"]), int(2));
    assert_eq!(first.read_reply(), key_members("z", &[("b", "2"), ("a", "1")], false));
    assert_eq!(blocked_clients(&mut admin), 1);
    assert_eq!(admin.cmd(&["EXISTS", "z"]), int(0));
    // ZADD XX on a missing key adds nothing and serves no one.
    assert_eq!(admin.cmd(&["ZADD", "z", "XX", "1", "a"]), int(0));
    assert_eq!(blocked_clients(&mut admin), 1);
    assert_eq!(admin.cmd(&["ZADD", "z", "INCR", "7", "m"]), bulk("7"));
    assert_eq!(second.read_reply(), key_member_score("z", "m", "7", false));
    assert_eq!(admin.cmd(&["EXISTS", "z"]), int(0));
}

#[test]
fn zincrby_wakes_a_blocked_client() {
    let server = TestServer::start();
    let mut admin = server.raw();
    let mut blocked = server.raw().resp3();
    blocked.send_command(&[b"BZPOPMAX", b"z", b"0"]);
    wait_blocked(&mut admin, 1);
    assert_eq!(admin.cmd(&["ZINCRBY", "z", "2.5", "m"]), bulk("2.5"));
    assert_eq!(blocked.read_reply(), key_member_score("z", "m", "2.5", true));
    assert_eq!(admin.cmd(&["EXISTS", "z"]), int(0));
}

#[test]
fn store_commands_wake_blocked_clients() {
    let server = TestServer::start();
    let mut admin = server.raw();
    admin.cmd(&["ZADD", "s1", "1", "a", "2", "b"]);
    admin.cmd(&["ZADD", "s2", "3", "b", "4", "c"]);
    let mut union = server.raw();
    union.send_command(&[b"BZMPOP", b"0", b"1", b"u", b"MAX", b"COUNT", b"2"]);
    wait_blocked(&mut admin, 1);
    // The reply counts the stored members, before the blocked client took two.
    assert_eq!(admin.cmd(&["ZUNIONSTORE", "u", "2", "s1", "s2"]), int(3));
    assert_eq!(union.read_reply(), key_members("u", &[("b", "5"), ("c", "4")], false));
    assert_eq!(admin.cmd(&["ZRANGE", "u", "0", "-1", "WITHSCORES"]), bulk_array(&["a", "1"]));
    let mut inter = server.raw();
    inter.send_command(&[b"BZPOPMIN", b"i", b"0"]);
    wait_blocked(&mut admin, 1);
    assert_eq!(admin.cmd(&["ZINTERSTORE", "i", "2", "s1", "s2"]), int(1));
    assert_eq!(inter.read_reply(), key_member_score("i", "b", "5", false));
    let mut diff = server.raw();
    diff.send_command(&[b"BZPOPMIN", b"d", b"0"]);
    wait_blocked(&mut admin, 1);
    assert_eq!(admin.cmd(&["ZDIFFSTORE", "d", "2", "s1", "s2"]), int(1));
    assert_eq!(diff.read_reply(), key_member_score("d", "a", "1", false));
    let mut range = server.raw();
    range.send_command(&[b"BZPOPMAX", b"r", b"0"]);
    wait_blocked(&mut admin, 1);
    // An empty result stores nothing and serves no one.
    assert_eq!(admin.cmd(&["ZRANGESTORE", "r", "s1", "5", "9"]), int(0));
    assert_eq!(blocked_clients(&mut admin), 1);
    assert_eq!(admin.cmd(&["ZRANGESTORE", "r", "s2", "0", "-1"]), int(2));
    assert_eq!(range.read_reply(), key_member_score("r", "c", "4", false));
    assert_eq!(admin.cmd(&["ZRANGE", "r", "0", "-1"]), bulk_array(&["b"]));
    assert_eq!(admin.cmd(&["EXISTS", "u", "i", "d"]), int(1));
}

#[test]
fn waiters_of_the_other_type_stay_blocked() {
    let server = TestServer::start();
    let mut admin = server.raw();
    let mut zset_waiter = server.raw();
    let mut list_waiter = server.raw();
    zset_waiter.send_command(&[b"BZPOPMIN", b"k", b"0"]);
    wait_blocked(&mut admin, 1);
    list_waiter.send_command(&[b"BLPOP", b"k", b"0"]);
    wait_blocked(&mut admin, 2);
    // A list push serves the list waiter behind the sorted set waiter.
    assert_eq!(admin.cmd(&["RPUSH", "k", "x", "y"]), int(2));
    assert_eq!(list_waiter.read_reply(), bulk_array(&["k", "x"]));
    assert_eq!(blocked_clients(&mut admin), 1);
    assert_eq!(admin.cmd(&["LRANGE", "k", "0", "-1"]), bulk_array(&["y"]));
    admin.cmd(&["DEL", "k"]);
    list_waiter.send_command(&[b"BRPOP", b"k", b"0"]);
    wait_blocked(&mut admin, 2);
    assert_eq!(admin.cmd(&["ZADD", "k", "1", "m", "2", "n"]), int(2));
    assert_eq!(zset_waiter.read_reply(), key_member_score("k", "m", "1", false));
    assert_eq!(blocked_clients(&mut admin), 1);
    assert_eq!(admin.cmd(&["ZRANGE", "k", "0", "-1"]), bulk_array(&["n"]));
    admin.cmd(&["DEL", "k"]);
    assert_eq!(admin.cmd(&["LPUSH", "k", "v"]), int(1));
    assert_eq!(list_waiter.read_reply(), bulk_array(&["k", "v"]));
    assert_eq!(blocked_clients(&mut admin), 0);
}

#[test]
fn client_unblock_times_out_or_errors() {
    let server = TestServer::start();
    let mut admin = server.raw();
    let mut blocked = server.raw().resp3();
    let id = client_id(&mut blocked);
    blocked.send_command(&[b"BZPOPMIN", b"z", b"0"]);
    wait_blocked(&mut admin, 1);
    assert_eq!(admin.cmd(&["CLIENT", "UNBLOCK", &id, "TIMEOUT"]), int(1));
    assert_eq!(blocked.read_reply(), NULL3);
    blocked.send_command(&[b"BZMPOP", b"100", b"1", b"z", b"MAX"]);
    wait_blocked(&mut admin, 1);
    assert!(admin.cmd(&["INFO", "clients"]).contains("clients_in_timeout_table:1\r\n"));
    assert_eq!(admin.cmd(&["CLIENT", "UNBLOCK", &id, "ERROR"]), int(1));
    assert_eq!(blocked.read_reply(), err("UNBLOCKED client unblocked via CLIENT UNBLOCK"));
    assert_eq!(admin.cmd(&["CLIENT", "UNBLOCK", &id]), int(0));
    // The unblocked client took nothing later additions could have given it.
    assert_eq!(admin.cmd(&["ZADD", "z", "1", "a"]), int(1));
    assert_eq!(admin.cmd(&["ZCARD", "z"]), int(1));
    assert_eq!(blocked.cmd(&["PING"]), "+PONG\r\n");
}

#[test]
fn a_disconnected_or_killed_client_leaves_no_trace() {
    let server = TestServer::start();
    let mut admin = server.raw();
    let mut gone = server.raw();
    gone.send_command(&[b"BZPOPMIN", b"z", b"0"]);
    wait_blocked(&mut admin, 1);
    let mut killed = server.raw();
    let killed_id = client_id(&mut killed);
    killed.send_command(&[b"BZMPOP", b"0", b"1", b"z", b"MIN", b"COUNT", b"9"]);
    wait_blocked(&mut admin, 2);
    let mut stays = server.raw();
    stays.send_command(&[b"BZPOPMIN", b"z", b"0"]);
    wait_blocked(&mut admin, 3);
    drop(gone);
    wait_blocked(&mut admin, 2);
    assert_eq!(admin.cmd(&["CLIENT", "KILL", "ID", &killed_id]), int(1));
    wait_blocked(&mut admin, 1);
    assert!(killed.is_closed());
    assert!(admin.cmd(&["INFO", "clients"]).contains("total_blocking_keys:1\r\n"));
    assert_eq!(admin.cmd(&["ZADD", "z", "1", "a", "2", "b"]), int(2));
    assert_eq!(stays.read_reply(), key_member_score("z", "a", "1", false));
    assert_eq!(admin.cmd(&["ZRANGE", "z", "0", "-1"]), bulk_array(&["b"]));
    assert_eq!(blocked_clients(&mut admin), 0);
    assert!(admin.cmd(&["INFO", "clients"]).contains("total_blocking_keys:0\r\n"));
}

#[test]
fn served_pops_are_journaled_with_the_command_that_served_them() {
    let mut server = TestServer::start();
    let mut admin = server.raw();
    let mut popper = server.raw();
    let mut multi = server.raw();
    popper.send_command(&[b"BZPOPMIN", b"z", b"0"]);
    wait_blocked(&mut admin, 1);
    multi.send_command(&[b"BZMPOP", b"0", b"1", b"z", b"MAX", b"COUNT", b"2"]);
    wait_blocked(&mut admin, 2);
    assert_eq!(admin.cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"]), int(4));
    assert_eq!(popper.read_reply(), key_member_score("z", "a", "1", false));
    assert_eq!(multi.read_reply(), key_members("z", &[("d", "4"), ("c", "3")], false));
    admin.cmd(&["SELECT", "3"]);
    popper.cmd(&["SELECT", "3"]);
    admin.cmd(&["ZADD", "src", "1", "x", "2", "y"]);
    popper.send_command(&[b"BZPOPMAX", b"dst", b"0"]);
    wait_blocked(&mut admin, 1);
    assert_eq!(admin.cmd(&["ZUNIONSTORE", "dst", "1", "src"]), int(2));
    assert_eq!(popper.read_reply(), key_member_score("dst", "y", "2", false));
    popper.send_command(&[b"BZPOPMAX", b"inc", b"0"]);
    wait_blocked(&mut admin, 1);
    assert_eq!(admin.cmd(&["ZINCRBY", "inc", "1", "m"]), bulk("1"));
    assert_eq!(popper.read_reply(), key_member_score("inc", "m", "1", false));
    drop((admin, popper, multi));
    server.restart();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["ZRANGE", "z", "0", "-1", "WITHSCORES"]), bulk_array(&["b", "2"]));
    c.cmd(&["SELECT", "3"]);
    assert_eq!(c.cmd(&["ZRANGE", "dst", "0", "-1", "WITHSCORES"]), bulk_array(&["x", "1"]));
    assert_eq!(c.cmd(&["EXISTS", "inc"]), int(0));
}

/// Members of a reply or a range: the lines naming a pushed member (they start with 'p').
fn members_in(reply: &str) -> impl Iterator<Item = String> + '_ {
    reply.split("\r\n").filter(|l| l.starts_with('p')).map(String::from)
}

/// Many clients race ZADDs and blocking pops on a few keys: every added member ends up either
/// delivered to exactly one client or still in a set, and the journal agrees.
#[test]
fn concurrent_zadds_and_blocking_pops_lose_and_duplicate_nothing() {
    let mut server = TestServer::start();
    let port = server.port;
    const POPPERS: usize = 6;
    const PER_POPPER: usize = 30;
    let poppers: Vec<_> = (0..POPPERS)
        .map(|i| {
            std::thread::spawn(move || {
                let mut c = RawClient::connect(port);
                let mut got = Vec::new();
                for _ in 0..PER_POPPER {
                    let reply = match i % 3 {
                        0 => c.cmd(&["BZPOPMIN", "k1", "k2", "5"]),
                        1 => c.cmd(&["BZPOPMAX", "k2", "5"]),
                        _ => c.cmd(&["BZMPOP", "5", "2", "k2", "k1", "MIN", "COUNT", "2"]),
                    };
                    got.push(reply);
                }
                got
            })
        })
        .collect();
    let adders: Vec<_> = (0..2)
        .map(|p| {
            std::thread::spawn(move || {
                let mut c = RawClient::connect(port);
                // Each adder alone covers every pop, whichever keys they drain.
                for n in 0..POPPERS * PER_POPPER {
                    let key = if n % 3 == 0 { "k1" } else { "k2" };
                    c.cmd(&["ZADD", key, &n.to_string(), &format!("p{p}-{n}")]);
                }
            })
        })
        .collect();
    for adder in adders {
        adder.join().expect("adder");
    }
    let mut delivered: Vec<String> = Vec::new();
    for popper in poppers {
        for reply in popper.join().expect("popper") {
            assert_ne!(reply, NULL_ARRAY2, "a popper timed out with members added");
            let before = delivered.len();
            delivered.extend(members_in(&reply));
            assert!(delivered.len() > before, "a reply without a member: {reply:?}");
        }
    }
    let mut c = server.raw();
    let before: Vec<String> =
        ["k1", "k2"].iter().map(|k| c.cmd(&["ZRANGE", k, "0", "-1", "WITHSCORES"])).collect();
    let mut all = delivered;
    for range in &before {
        all.extend(members_in(range));
    }
    all.sort();
    let expected_total = 2 * POPPERS * PER_POPPER;
    assert_eq!(all.len(), expected_total);
    all.dedup();
    assert_eq!(all.len(), expected_total, "a member was delivered twice");
    drop(c);
    server.restart();
    let mut c = server.raw();
    let after: Vec<String> =
        ["k1", "k2"].iter().map(|k| c.cmd(&["ZRANGE", k, "0", "-1", "WITHSCORES"])).collect();
    assert_eq!(before, after);
}
