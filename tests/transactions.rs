//! MULTI, EXEC, DISCARD, WATCH and UNWATCH against the real binary: Redis 7.2's exact replies
//! and errors in RESP2 and RESP3, what invalidates a WATCH, that no other client's command
//! interleaves with an EXEC, blocking commands inside and around transactions, and that a
//! transaction is one journal record that a restart replays.
mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;

const QUEUED: &str = "+QUEUED\r\n";
const NULL_ARRAY: &str = "*-1\r\n";
const EXECABORT: &str = "-EXECABORT Transaction discarded because of previous errors.\r\n";

#[test]
fn multi_exec_queues_and_replies_an_array() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["MULTI"]), OK);
    assert_eq!(c.cmd(&["SET", "a", "1"]), QUEUED);
    assert_eq!(c.cmd(&["INCR", "a"]), QUEUED);
    assert_eq!(c.cmd(&["GET", "a"]), QUEUED);
    assert_eq!(c.cmd(&["GET", "missing"]), QUEUED);
    assert_eq!(c.cmd(&["EXEC"]), format!("*4\r\n{OK}{}{}{NIL}", int(2), bulk("2")));
    // An empty transaction.
    assert_eq!(c.cmd(&["MULTI"]), OK);
    assert_eq!(c.cmd(&["EXEC"]), "*0\r\n");
    // Outside MULTI.
    assert_eq!(c.cmd(&["EXEC"]), err("ERR EXEC without MULTI"));
    assert_eq!(c.cmd(&["DISCARD"]), err("ERR DISCARD without MULTI"));
    // DISCARD drops the queue.
    assert_eq!(c.cmd(&["MULTI"]), OK);
    assert_eq!(c.cmd(&["SET", "a", "discarded"]), QUEUED);
    assert_eq!(c.cmd(&["DISCARD"]), OK);
    assert_eq!(c.cmd(&["GET", "a"]), bulk("2"));
    assert_eq!(c.cmd(&["EXEC"]), err("ERR EXEC without MULTI"));
    // Nested MULTI and WATCH inside MULTI are errors, and the transaction carries on.
    assert_eq!(c.cmd(&["MULTI"]), OK);
    assert_eq!(c.cmd(&["MULTI"]), err("ERR MULTI calls can not be nested"));
    assert_eq!(c.cmd(&["WATCH", "a"]), err("ERR WATCH inside MULTI is not allowed"));
    assert_eq!(c.cmd(&["UNWATCH"]), QUEUED);
    assert_eq!(c.cmd(&["SET", "a", "3"]), QUEUED);
    assert_eq!(c.cmd(&["EXEC"]), format!("*2\r\n{OK}{OK}"));
    assert_eq!(c.cmd(&["GET", "a"]), bulk("3"));
}

#[test]
fn a_command_rejected_while_queueing_aborts_exec() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["MULTI"]), OK);
    assert_eq!(c.cmd(&["SET", "a", "1"]), QUEUED);
    assert_eq!(
        c.cmd(&["FOO", "bar"]),
        err("ERR unknown command 'FOO', with args beginning with: 'bar' ")
    );
    assert_eq!(c.cmd(&["EXEC"]), EXECABORT);
    assert_eq!(c.cmd(&["EXISTS", "a"]), int(0));
    // Wrong arity.
    assert_eq!(c.cmd(&["MULTI"]), OK);
    assert_eq!(c.cmd(&["SET", "a"]), err("ERR wrong number of arguments for 'set' command"));
    assert_eq!(c.cmd(&["SET", "a", "1"]), QUEUED);
    assert_eq!(c.cmd(&["EXEC"]), EXECABORT);
    assert_eq!(c.cmd(&["EXISTS", "a"]), int(0));
    // MULTI and DISCARD with a wrong arity inside MULTI are rejections too.
    assert_eq!(c.cmd(&["MULTI"]), OK);
    assert_eq!(c.cmd(&["MULTI", "x"]), err("ERR wrong number of arguments for 'multi' command"));
    assert_eq!(c.cmd(&["EXEC"]), EXECABORT);
    // no_multi commands.
    assert_eq!(c.cmd(&["MULTI"]), OK);
    assert_eq!(c.cmd(&["SAVE"]), err("ERR Command not allowed inside a transaction"));
    assert_eq!(c.cmd(&["EXEC"]), EXECABORT);
    // EXEC with a wrong arity discards, naming the reason, inside MULTI or not.
    assert_eq!(c.cmd(&["MULTI"]), OK);
    assert_eq!(c.cmd(&["SET", "a", "1"]), QUEUED);
    let abort = err(
        "EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command",
    );
    assert_eq!(c.cmd(&["EXEC", "x"]), abort);
    assert_eq!(c.cmd(&["EXEC"]), err("ERR EXEC without MULTI"));
    assert_eq!(c.cmd(&["EXEC", "x"]), abort);
    assert_eq!(c.cmd(&["EXISTS", "a"]), int(0));
    let stats = c.cmd(&["INFO", "errorstats"]);
    assert!(stats.contains("errorstat_EXECABORT:count="), "{stats}");
}

#[test]
fn runtime_errors_inside_exec_do_not_roll_back() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["RPUSH", "list", "x"]), int(1));
    assert_eq!(c.cmd(&["MULTI"]), OK);
    assert_eq!(c.cmd(&["SET", "a", "1"]), QUEUED);
    assert_eq!(c.cmd(&["INCR", "list"]), QUEUED);
    assert_eq!(c.cmd(&["INCR", "a"]), QUEUED);
    assert_eq!(
        c.cmd(&["EXEC"]),
        format!(
            "*3\r\n{OK}-WRONGTYPE Operation against a key holding the wrong kind of value\r\n{}",
            int(2)
        )
    );
    assert_eq!(c.cmd(&["GET", "a"]), bulk("2"));
    let stats = c.cmd(&["INFO", "commandstats"]);
    assert!(stats.contains("cmdstat_incr:calls=2,"), "{stats}");
    assert!(stats.contains("cmdstat_exec:calls=1,"), "{stats}");
}

#[test]
fn resp3_transactions() {
    let server = TestServer::start();
    let mut c = server.raw().resp3();
    assert_eq!(c.cmd(&["HSET", "h", "f", "v"]), int(1));
    assert_eq!(c.cmd(&["MULTI"]), OK);
    assert_eq!(c.cmd(&["HGETALL", "h"]), QUEUED);
    assert_eq!(c.cmd(&["GET", "missing"]), QUEUED);
    assert_eq!(c.cmd(&["EXEC"]), format!("*2\r\n%1\r\n{}{}{NULL3}", bulk("f"), bulk("v")));
    // A failed WATCH is RESP3's null.
    let mut other = server.raw();
    assert_eq!(c.cmd(&["WATCH", "k"]), OK);
    assert_eq!(other.cmd(&["SET", "k", "1"]), OK);
    assert_eq!(c.cmd(&["MULTI"]), OK);
    assert_eq!(c.cmd(&["GET", "k"]), QUEUED);
    assert_eq!(c.cmd(&["EXEC"]), NULL3);
    // HELLO inside MULTI switches the protocol of the replies that follow it in the array.
    let mut d = server.raw();
    assert_eq!(d.cmd(&["MULTI"]), OK);
    assert_eq!(d.cmd(&["GET", "missing"]), QUEUED);
    assert_eq!(d.cmd(&["HELLO", "3"]), QUEUED);
    assert_eq!(d.cmd(&["GET", "missing"]), QUEUED);
    let reply = d.cmd(&["EXEC"]);
    assert!(reply.starts_with(&format!("*3\r\n{NIL}%7\r\n")), "{reply}");
    assert!(reply.ends_with(NULL3), "{reply}");
}

#[test]
fn quit_and_reset_inside_multi() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["WATCH", "w"]), OK);
    assert_eq!(c.cmd(&["MULTI"]), OK);
    assert_eq!(c.cmd(&["SET", "a", "1"]), QUEUED);
    assert_eq!(c.cmd(&["RESET"]), "+RESET\r\n");
    assert_eq!(c.cmd(&["EXEC"]), err("ERR EXEC without MULTI"));
    assert_eq!(c.cmd(&["EXISTS", "a"]), int(0));
    // RESET forgot the watch too: a change to w does not fail the next transaction.
    assert_eq!(server.raw().cmd(&["SET", "w", "1"]), OK);
    assert_eq!(c.cmd(&["MULTI"]), OK);
    assert_eq!(c.cmd(&["EXEC"]), "*0\r\n");
    let mut q = server.raw();
    assert_eq!(q.cmd(&["MULTI"]), OK);
    assert_eq!(q.cmd(&["SET", "a", "1"]), QUEUED);
    assert_eq!(q.cmd(&["QUIT"]), OK);
    assert!(q.is_closed());
    assert_eq!(c.cmd(&["EXISTS", "a"]), int(0));
}

#[test]
fn client_list_shows_multi() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert!(c.cmd(&["CLIENT", "INFO"]).contains(" flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 "));
    assert_eq!(c.cmd(&["MULTI"]), OK);
    assert_eq!(c.cmd(&["SET", "a", "1"]), QUEUED);
    assert_eq!(c.cmd(&["CLIENT", "INFO"]), QUEUED);
    let reply = c.cmd(&["EXEC"]);
    assert!(reply.contains(" flags=x db=0 sub=0 psub=0 ssub=0 multi=2 "), "{reply}");
    assert!(reply.contains(" cmd=exec "), "{reply}");
    assert_eq!(c.cmd(&["MULTI"]), OK);
    let list = server.raw().cmd(&["CLIENT", "LIST"]);
    assert!(list.contains(" flags=x db=0 sub=0 psub=0 ssub=0 multi=0 "), "{list}");
    assert_eq!(c.cmd(&["DISCARD"]), OK);
    assert!(c.cmd(&["CLIENT", "INFO"]).contains(" multi=-1 "));
}

#[test]
fn client_list_flags_a_touched_watch() {
    let server = TestServer::start();
    let mut c = server.raw();
    let mut other = server.raw();
    assert_eq!(c.cmd(&["WATCH", "a"]), OK);
    assert!(c.cmd(&["CLIENT", "INFO"]).contains(" flags=N db=0 "));
    assert_eq!(other.cmd(&["SET", "a", "1"]), OK);
    assert!(c.cmd(&["CLIENT", "INFO"]).contains(" flags=d db=0 "));
    assert_eq!(c.cmd(&["MULTI"]), OK);
    let list = other.cmd(&["CLIENT", "LIST"]);
    assert!(list.contains(" flags=xd db=0 sub=0 psub=0 ssub=0 multi=0 "), "{list}");
    assert_eq!(c.cmd(&["EXEC"]), "*-1\r\n");
    assert!(c.cmd(&["CLIENT", "INFO"]).contains(" flags=N db=0 "));
    assert_eq!(c.cmd(&["WATCH", "a"]), OK);
    assert_eq!(other.cmd(&["SET", "a", "2"]), OK);
    assert!(c.cmd(&["CLIENT", "INFO"]).contains(" flags=d db=0 "));
    assert_eq!(c.cmd(&["UNWATCH"]), OK);
    assert!(c.cmd(&["CLIENT", "INFO"]).contains(" flags=N db=0 "));
}

// ------------------------------------------------------------------------------------ WATCH

/// WATCH `key` on `c`, let `touch` run (on other clients or `c`), then MULTI SET marker EXEC;
/// returns EXEC's reply and whether the marker was set.
fn watched_exec(
    server: &TestServer,
    c: &mut RawClient,
    key: &str,
    touch: impl FnOnce(&mut RawClient, &mut RawClient),
) -> (String, bool) {
    let mut other = server.raw();
    assert_eq!(c.cmd(&["WATCH", key]), OK);
    touch(c, &mut other);
    assert_eq!(c.cmd(&["MULTI"]), OK);
    assert_eq!(c.cmd(&["SET", "marker", "set"]), QUEUED);
    let reply = c.cmd(&["EXEC"]);
    let ran = other.cmd(&["GETDEL", "marker"]) == bulk("set");
    (reply, ran)
}

fn aborted(result: (String, bool)) {
    assert_eq!(result, (NULL_ARRAY.to_string(), false));
}

fn ran(result: (String, bool)) {
    assert_eq!(result, (format!("*1\r\n{OK}"), true));
}

#[test]
fn watch_fails_exec_when_another_client_writes_the_key() {
    let server = TestServer::start();
    let mut c = server.raw();
    aborted(watched_exec(&server, &mut c, "k", |_, o| assert_eq!(o.cmd(&["SET", "k", "1"]), OK)));
    // Untouched: runs. A write to another key does not count.
    ran(watched_exec(&server, &mut c, "k", |_, o| assert_eq!(o.cmd(&["SET", "j", "1"]), OK)));
    ran(watched_exec(&server, &mut c, "k", |_, _| {}));
    // A write that changes nothing (DEL of a missing key) is no touch.
    ran(watched_exec(&server, &mut c, "nope", |_, o| assert_eq!(o.cmd(&["DEL", "nope"]), int(0))));
    // Collections, expiry changes and deletes all count.
    aborted(watched_exec(&server, &mut c, "l", |_, o| {
        assert_eq!(o.cmd(&["RPUSH", "l", "x"]), int(1));
    }));
    aborted(watched_exec(&server, &mut c, "k", |_, o| {
        assert_eq!(o.cmd(&["EXPIRE", "k", "100"]), int(1));
    }));
    aborted(watched_exec(&server, &mut c, "k", |_, o| assert_eq!(o.cmd(&["DEL", "k"]), int(1))));
    // The watching client's own write before MULTI counts too.
    aborted(watched_exec(&server, &mut c, "k", |me, _| assert_eq!(me.cmd(&["SET", "k", "2"]), OK)));
    // A key of the same name in another database is another key.
    ran(watched_exec(&server, &mut c, "k", |_, o| {
        assert_eq!(o.cmd(&["SELECT", "1"]), OK);
        assert_eq!(o.cmd(&["SET", "k", "x"]), OK);
        assert_eq!(o.cmd(&["SELECT", "0"]), OK);
    }));
    // UNWATCH forgets: a later change does not fail EXEC.
    assert_eq!(c.cmd(&["WATCH", "k"]), OK);
    assert_eq!(c.cmd(&["UNWATCH"]), OK);
    assert_eq!(server.raw().cmd(&["SET", "k", "3"]), OK);
    assert_eq!(c.cmd(&["MULTI"]), OK);
    assert_eq!(c.cmd(&["EXEC"]), "*0\r\n");
    // EXEC clears the watches, failed or not: the next transaction runs.
    aborted(watched_exec(&server, &mut c, "k", |_, o| assert_eq!(o.cmd(&["SET", "k", "4"]), OK)));
    assert_eq!(server.raw().cmd(&["SET", "k", "5"]), OK);
    assert_eq!(c.cmd(&["MULTI"]), OK);
    assert_eq!(c.cmd(&["EXEC"]), "*0\r\n");
}

/// Redis signals some writes that leave the key as it was, and not some that change it; WATCH
/// (and the notifications) follow Redis, the journal follows memory.
#[test]
fn watch_follows_redis_on_writes_that_change_nothing() {
    let server = TestServer::start();
    let mut c = server.raw();
    let far = "4102444800000";
    assert_eq!(c.cmd(&["SET", "g", "v", "PXAT", far]), OK);
    // GETEX giving the deadline the key had, APPEND of nothing: signalled (Redis's getex
    // and append commands signal unconditionally).
    aborted(watched_exec(&server, &mut c, "g", |_, o| {
        assert_eq!(o.cmd(&["GETEX", "g", "PXAT", far]), bulk("v"));
    }));
    aborted(watched_exec(&server, &mut c, "g", |_, o| {
        assert_eq!(o.cmd(&["APPEND", "g", ""]), int(1));
    }));
    // SET with a deadline already past: the key is set, then expires (Redis 7.2).
    aborted(watched_exec(&server, &mut c, "p", |_, o| {
        assert_eq!(o.cmd(&["SET", "p", "v", "PXAT", "1"]), OK);
    }));
    // BITFIELD: only a write that changed its field, or grew the string, signals.
    assert_eq!(c.cmd(&["SET", "b", "abc"]), OK);
    ran(watched_exec(&server, &mut c, "b", |_, o| {
        assert_eq!(o.cmd(&["BITFIELD", "b", "SET", "u8", "0", "97"]), "*1\r\n:97\r\n");
        assert_eq!(o.cmd(&["BITFIELD", "b", "INCRBY", "u4", "0", "0"]), "*1\r\n:6\r\n");
    }));
    aborted(watched_exec(&server, &mut c, "b", |_, o| {
        assert_eq!(o.cmd(&["BITFIELD", "b", "SET", "u8", "0", "98"]), "*1\r\n:97\r\n");
    }));
    aborted(watched_exec(&server, &mut c, "b", |_, o| {
        assert_eq!(o.cmd(&["BITFIELD", "b", "SET", "u8", "24", "0"]), "*1\r\n:0\r\n");
    }));
    // Every write refused by OVERFLOW FAIL: no signal, even where the string grew or was
    // created, as in Redis; the grown string is kept (and journaled).
    ran(watched_exec(&server, &mut c, "f", |_, o| {
        let fail = ["BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u8", "8", "1000"];
        assert_eq!(o.cmd(&fail), "*1\r\n$-1\r\n");
    }));
    assert_eq!(c.cmd(&["STRLEN", "f"]), int(2));
}

#[test]
fn watch_sees_mset_and_msetnx_without_a_journal() {
    // MSET once built its effects only for the journal, so WATCH missed it with it off.
    let server = TestServer::start_with(&["--appendonly", "no"]);
    let mut c = server.raw();
    aborted(watched_exec(&server, &mut c, "k", |_, o| {
        assert_eq!(o.cmd(&["MSET", "j", "1", "k", "1"]), OK);
    }));
    aborted(watched_exec(&server, &mut c, "n", |_, o| {
        assert_eq!(o.cmd(&["MSETNX", "m", "1", "n", "1"]), int(1));
    }));
}

#[test]
fn watch_fails_exec_when_the_key_expires() {
    let server = TestServer::start();
    let mut c = server.raw();
    // Past its deadline at EXEC (whether or not the active cycle removed it yet). The keys
    // live 500 ms: WATCH must come before the deadline, even on a loaded machine.
    assert_eq!(c.cmd(&["SET", "e", "1", "PX", "500"]), OK);
    aborted(watched_exec(&server, &mut c, "e", |_, _| {
        std::thread::sleep(Duration::from_millis(700))
    }));
    // Removed by a read of another client.
    assert_eq!(c.cmd(&["SET", "e", "1", "PX", "500"]), OK);
    aborted(watched_exec(&server, &mut c, "e", |_, o| {
        std::thread::sleep(Duration::from_millis(700));
        assert_eq!(o.cmd(&["GET", "e"]), NIL);
    }));
    // Removed by the active expiry cycle.
    assert_eq!(c.cmd(&["SET", "e", "1", "PX", "500"]), OK);
    aborted(watched_exec(&server, &mut c, "e", |_, o| {
        for _ in 0..200 {
            if o.cmd(&["DBSIZE"]) == int(0) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("the active cycle did not remove the key");
    }));
    // A key already past its deadline when watched: its removal is no change.
    assert_eq!(c.cmd(&["SET", "gone", "1", "PX", "1"]), OK);
    std::thread::sleep(Duration::from_millis(20));
    ran(watched_exec(&server, &mut c, "gone", |_, o| assert_eq!(o.cmd(&["GET", "gone"]), NIL)));
}

#[test]
fn watch_fails_exec_after_flushes_swapdb_rename_move_copy() {
    let server = TestServer::start();
    let mut c = server.raw();
    let set = |o: &mut RawClient, key: &str| assert_eq!(o.cmd(&["SET", key, "v"]), OK);
    set(&mut c, "k");
    aborted(watched_exec(&server, &mut c, "k", |_, o| assert_eq!(o.cmd(&["FLUSHALL"]), OK)));
    set(&mut c, "k");
    aborted(watched_exec(&server, &mut c, "k", |_, o| assert_eq!(o.cmd(&["FLUSHDB"]), OK)));
    // FLUSHDB of another database, or of this one while the key does not exist: no change
    // to the key (as Redis's touchAllWatchedKeysInDb).
    set(&mut c, "k");
    ran(watched_exec(&server, &mut c, "k", |_, o| {
        assert_eq!(o.cmd(&["SELECT", "2"]), OK);
        set(o, "k");
        assert_eq!(o.cmd(&["FLUSHDB"]), OK);
        assert_eq!(o.cmd(&["SELECT", "0"]), OK);
    }));
    ran(watched_exec(&server, &mut c, "absent", |_, o| assert_eq!(o.cmd(&["FLUSHDB"]), OK)));
    // SWAPDB: the key exists in either database.
    set(&mut c, "k");
    aborted(watched_exec(&server, &mut c, "k", |_, o| {
        assert_eq!(o.cmd(&["SWAPDB", "0", "3"]), OK);
    }));
    assert_eq!(c.cmd(&["FLUSHALL"]), OK);
    aborted(watched_exec(&server, &mut c, "k", |_, o| {
        assert_eq!(o.cmd(&["SELECT", "3"]), OK);
        set(o, "k");
        assert_eq!(o.cmd(&["SWAPDB", "3", "0"]), OK);
        assert_eq!(o.cmd(&["SELECT", "0"]), OK);
    }));
    ran(watched_exec(&server, &mut c, "k", |_, o| {
        assert_eq!(o.cmd(&["SWAPDB", "5", "6"]), OK);
    }));
    // RENAME touches both names; MOVE and COPY their target.
    assert_eq!(c.cmd(&["FLUSHALL"]), OK);
    set(&mut c, "src");
    aborted(watched_exec(&server, &mut c, "dst", |_, o| {
        assert_eq!(o.cmd(&["RENAME", "src", "dst"]), OK);
    }));
    aborted(watched_exec(&server, &mut c, "dst", |_, o| {
        assert_eq!(o.cmd(&["RENAME", "dst", "src"]), OK);
    }));
    aborted(watched_exec(&server, &mut c, "src", |_, o| {
        assert_eq!(o.cmd(&["MOVE", "src", "1"]), int(1));
    }));
    set(&mut c, "src");
    aborted(watched_exec(&server, &mut c, "copy", |_, o| {
        assert_eq!(o.cmd(&["COPY", "src", "copy"]), int(1));
    }));
}

// ------------------------------------------------------------------------------- atomicity

#[test]
fn no_command_interleaves_with_an_exec() {
    let server = TestServer::start_with(&["--threads", "4"]);
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let mut r = server.raw();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut seen = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    let reply = r.cmd(&["GET", "counter"]);
                    if reply != NIL {
                        let value: i64 =
                            reply.split("\r\n").nth(1).and_then(|v| v.parse().ok()).unwrap();
                        assert_eq!(value % 100, 0, "a reader saw a transaction half done");
                        seen += 1;
                    }
                }
                seen
            })
        })
        .collect();
    let mut w = server.raw();
    let mut transaction = encode(&[b"MULTI"]);
    for _ in 0..100 {
        transaction.extend(encode(&[b"INCR", b"counter"]));
    }
    transaction.extend(encode(&[b"EXEC"]));
    for round in 1..=200i64 {
        w.send(&transaction);
        assert_eq!(w.read_reply(), OK);
        for _ in 0..100 {
            assert_eq!(w.read_reply(), QUEUED);
        }
        let reply = w.read_reply();
        assert!(reply.starts_with("*100\r\n"), "{reply}");
        assert!(reply.ends_with(&int(round * 100)), "{reply}");
    }
    stop.store(true, Ordering::Relaxed);
    for reader in readers {
        assert!(reader.join().unwrap() > 0);
    }
    assert_eq!(w.cmd(&["GET", "counter"]), bulk("20000"));
}

// -------------------------------------------------------------------------------- blocking

#[test]
fn blocking_commands_inside_multi_do_not_block() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["MULTI"]), OK);
    for command in [
        &["BLPOP", "l", "0"][..],
        &["BRPOP", "l", "0"],
        &["BLMOVE", "l", "d", "LEFT", "LEFT", "0"],
        &["BRPOPLPUSH", "l", "d", "0"],
        &["BLMPOP", "0", "1", "l", "LEFT"],
        &["BZPOPMIN", "z", "0"],
        &["BZPOPMAX", "z", "0"],
        &["BZMPOP", "0", "1", "z", "MIN"],
    ] {
        assert_eq!(c.cmd(command), QUEUED);
    }
    let nulls = format!("*8\r\n{NULL_ARRAY}{NULL_ARRAY}{NIL}{NIL}{}", NULL_ARRAY.repeat(4));
    assert_eq!(c.cmd(&["EXEC"]), nulls);
    let mut c3 = server.raw().resp3();
    assert_eq!(c3.cmd(&["MULTI"]), OK);
    assert_eq!(c3.cmd(&["BLPOP", "l", "0"]), QUEUED);
    assert_eq!(c3.cmd(&["BLMOVE", "l", "d", "LEFT", "LEFT", "0"]), QUEUED);
    assert_eq!(c3.cmd(&["EXEC"]), format!("*2\r\n{NULL3}{NULL3}"));
    // With elements there, they pop as usual.
    assert_eq!(c.cmd(&["RPUSH", "l", "a"]), int(1));
    assert_eq!(c.cmd(&["MULTI"]), OK);
    assert_eq!(c.cmd(&["BLPOP", "l", "0"]), QUEUED);
    assert_eq!(c.cmd(&["EXEC"]), format!("*1\r\n{}", bulk_array(&["l", "a"])));
    assert_eq!(blocked_clients(&mut c), 0);
}

#[test]
fn a_transaction_serves_blocked_clients_after_exec() {
    let server = TestServer::start();
    let mut admin = server.raw();
    let mut blpop = server.raw();
    let mut bzpop = server.raw();
    blpop.send_command(&[b"BLPOP", b"q", b"0"]);
    wait_blocked(&mut admin, 1);
    bzpop.send_command(&[b"BZPOPMIN", b"z", b"0"]);
    wait_blocked(&mut admin, 2);
    let mut t = server.raw();
    assert_eq!(t.cmd(&["MULTI"]), OK);
    assert_eq!(t.cmd(&["RPUSH", "q", "a", "b"]), QUEUED);
    // Served after EXEC, not in the middle: this LPOP inside the transaction gets "a".
    assert_eq!(t.cmd(&["LPOP", "q"]), QUEUED);
    assert_eq!(t.cmd(&["ZADD", "z", "1", "m"]), QUEUED);
    assert_eq!(t.cmd(&["EXEC"]), format!("*3\r\n{}{}{}", int(2), bulk("a"), int(1)));
    assert_eq!(blpop.read_reply(), bulk_array(&["q", "b"]));
    assert_eq!(bzpop.read_reply(), "*3\r\n$1\r\nz\r\n$1\r\nm\r\n$1\r\n1\r\n");
    assert_eq!(blocked_clients(&mut admin), 0);
    assert_eq!(admin.cmd(&["EXISTS", "q", "z"]), int(0));
    // A transaction that pushes and pops everything leaves the waiter blocked.
    blpop.send_command(&[b"BLPOP", b"q", b"0"]);
    wait_blocked(&mut admin, 1);
    assert_eq!(t.cmd(&["MULTI"]), OK);
    assert_eq!(t.cmd(&["RPUSH", "q", "x"]), QUEUED);
    assert_eq!(t.cmd(&["RPOP", "q"]), QUEUED);
    assert_eq!(t.cmd(&["EXEC"]), format!("*2\r\n{}{}", int(1), bulk("x")));
    assert_eq!(blocked_clients(&mut admin), 1);
    assert_eq!(admin.cmd(&["LPUSH", "q", "y"]), int(1));
    assert_eq!(blpop.read_reply(), bulk_array(&["q", "y"]));
}

// --------------------------------------------------------------------------------- journal

#[test]
fn a_transaction_is_one_journal_record_and_survives_a_restart() {
    let mut server = TestServer::start_with(&["--appendfsync", "always"]);
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SET", "before", "1"]), OK);
    assert_eq!(c.cmd(&["MULTI"]), OK);
    assert_eq!(c.cmd(&["SET", "a", "1"]), QUEUED);
    assert_eq!(c.cmd(&["RPUSH", "l", "x", "y"]), QUEUED);
    assert_eq!(c.cmd(&["INCR", "a"]), QUEUED);
    assert_eq!(c.cmd(&["SELECT", "2"]), QUEUED);
    assert_eq!(c.cmd(&["HSET", "h", "f", "v"]), QUEUED);
    assert_eq!(c.cmd(&["GET", "a"]), QUEUED);
    assert_eq!(c.cmd(&["EXEC"]), format!("*6\r\n{OK}{}{}{OK}{}{NIL}", int(2), int(2), int(1)));
    assert_eq!(c.cmd(&["WAITAOF", "1", "0", "0"]), format!("*2\r\n{}{}", int(1), int(0)));
    server.restart();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["MGET", "before", "a"]), bulk_array(&["1", "2"]));
    assert_eq!(c.cmd(&["LRANGE", "l", "0", "-1"]), bulk_array(&["x", "y"]));
    assert_eq!(c.cmd(&["SELECT", "2"]), OK);
    assert_eq!(c.cmd(&["HGET", "h", "f"]), bulk("v"));
    drop(c);
    let data = server.dir.path().join("data");
    let copy = server.dir.path().join("copy");
    copy_dir(&data, &copy);
    let output = journal_tool().arg("inspect").arg(&copy).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let line = text.lines().find(|l| l.contains("RPUSH")).unwrap_or_else(|| panic!("{text}"));
    let effects: Vec<&str> = line.split(" ; ").collect();
    assert_eq!(effects.len(), 4, "{line}");
    assert!(effects[0].ends_with("db=0 SET \"a\" \"1\""), "{line}");
    assert_eq!(effects[1], "db=0 RPUSH \"l\" \"x\" \"y\"", "{line}");
    assert_eq!(effects[2], "db=0 SET \"a\" \"2\"", "{line}");
    assert_eq!(effects[3], "db=2 HSET \"h\" \"f\" \"v\"", "{line}");
    assert!(!text.lines().any(|l| l.contains("SET \"a\"") && !l.contains("RPUSH")), "{text}");
}
