//! List commands against the real binary, comparing reply bytes with Redis 7.2's in RESP2 and
//! RESP3, and the exact list state (order, encoding) after a restart replays the journal.
mod common;

use common::*;

const NOT_INTEGER: &str = "-ERR value is not an integer or out of range\r\n";
const SYNTAX: &str = "-ERR syntax error\r\n";
const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
const NULL_ARRAY2: &str = "*-1\r\n";
const EMPTY: &str = "*0\r\n";

fn arity(name: &str) -> String {
    err(&format!("ERR wrong number of arguments for '{name}' command"))
}

/// Runs `steps` (command, RESP2 reply, RESP3 reply) on a fresh RESP2 and a fresh RESP3
/// connection, each on an empty server.
fn both_protocols(steps: &[(&[&str], &str, &str)]) {
    for resp3 in [false, true] {
        let server = TestServer::start();
        let mut c = if resp3 { server.raw().resp3() } else { server.raw() };
        for (command, reply2, reply3) in steps {
            let expected = if resp3 { reply3 } else { reply2 };
            assert_eq!(
                &c.cmd(command),
                expected,
                "{command:?} in RESP{}",
                if resp3 { 3 } else { 2 }
            );
        }
    }
}

/// Like `both_protocols` for replies that are the same in both.
fn same(steps: &[(&[&str], &str)]) {
    let steps: Vec<(&[&str], &str, &str)> = steps.iter().map(|(c, r)| (*c, *r, *r)).collect();
    both_protocols(&steps);
}

#[test]
fn pushes_and_lengths() {
    same(&[
        (&["LPUSH", "l", "a", "b"], &int(2)),
        (&["RPUSH", "l", "c"], &int(3)),
        (&["LRANGE", "l", "0", "-1"], &bulk_array(&["b", "a", "c"])),
        (&["LPUSHX", "l", "x", "y"], &int(5)),
        (&["RPUSHX", "l", "z"], &int(6)),
        (&["LPUSHX", "missing", "x"], &int(0)),
        (&["RPUSHX", "missing", "x"], &int(0)),
        (&["EXISTS", "missing"], &int(0)),
        (&["LRANGE", "l", "0", "-1"], &bulk_array(&["y", "x", "b", "a", "c", "z"])),
        (&["LLEN", "l"], &int(6)),
        (&["LLEN", "missing"], &int(0)),
        (&["TYPE", "l"], "+list\r\n"),
        (&["LPUSH", "l"], &arity("lpush")),
        (&["RPUSHX", "l"], &arity("rpushx")),
        (&["LLEN"], &arity("llen")),
    ]);
}

#[test]
fn pops_with_and_without_count() {
    both_protocols(&[
        (&["RPUSH", "l", "a", "b", "c", "d", "e"], &int(5), &int(5)),
        (&["LPOP", "l"], &bulk("a"), &bulk("a")),
        (&["RPOP", "l"], &bulk("e"), &bulk("e")),
        (&["LPOP", "l", "0"], EMPTY, EMPTY),
        (&["LPOP", "l", "2"], &bulk_array(&["b", "c"]), &bulk_array(&["b", "c"])),
        (&["RPOP", "l", "100"], &bulk_array(&["d"]), &bulk_array(&["d"])),
        (&["EXISTS", "l"], &int(0), &int(0)),
        (&["LPOP", "l"], NIL, NULL3),
        (&["RPOP", "l", "1"], NULL_ARRAY2, NULL3),
        (&["LPOP", "l", "0"], NULL_ARRAY2, NULL3),
        (
            &["LPOP", "l", "-1"],
            "-ERR value is out of range, must be positive\r\n",
            "-ERR value is out of range, must be positive\r\n",
        ),
        (
            &["RPOP", "l", "x"],
            "-ERR value is out of range, must be positive\r\n",
            "-ERR value is out of range, must be positive\r\n",
        ),
        (&["LPOP", "l", "1", "2"], &arity("lpop"), &arity("lpop")),
        (&["RPOP", "l", "1", "2"], &arity("rpop"), &arity("rpop")),
        (&["RPUSH", "big", "x"], &int(1), &int(1)),
        (&["LPOP", "big", "9223372036854775807"], &bulk_array(&["x"]), &bulk_array(&["x"])),
    ]);
}

#[test]
fn index_range_and_set() {
    both_protocols(&[
        (&["RPUSH", "l", "a", "b", "c"], &int(3), &int(3)),
        (&["LINDEX", "l", "0"], &bulk("a"), &bulk("a")),
        (&["LINDEX", "l", "-1"], &bulk("c"), &bulk("c")),
        (&["LINDEX", "l", "3"], NIL, NULL3),
        (&["LINDEX", "l", "-4"], NIL, NULL3),
        (&["LINDEX", "l", "x"], NOT_INTEGER, NOT_INTEGER),
        (&["LINDEX", "missing", "x"], NIL, NULL3),
        (&["LRANGE", "l", "-2", "100"], &bulk_array(&["b", "c"]), &bulk_array(&["b", "c"])),
        (&["LRANGE", "l", "2", "1"], EMPTY, EMPTY),
        (&["LRANGE", "l", "5", "10"], EMPTY, EMPTY),
        (&["LRANGE", "l", "-100", "0"], &bulk_array(&["a"]), &bulk_array(&["a"])),
        (&["LRANGE", "missing", "0", "-1"], EMPTY, EMPTY),
        (&["LRANGE", "missing", "x", "1"], NOT_INTEGER, NOT_INTEGER),
        (&["LSET", "l", "0", "A"], OK, OK),
        (&["LSET", "l", "-1", "C"], OK, OK),
        (&["LSET", "l", "3", "x"], "-ERR index out of range\r\n", "-ERR index out of range\r\n"),
        (&["LSET", "l", "x", "x"], NOT_INTEGER, NOT_INTEGER),
        (&["LSET", "missing", "0", "x"], "-ERR no such key\r\n", "-ERR no such key\r\n"),
        (&["LSET", "missing", "x", "x"], "-ERR no such key\r\n", "-ERR no such key\r\n"),
        (&["LRANGE", "l", "0", "-1"], &bulk_array(&["A", "b", "C"]), &bulk_array(&["A", "b", "C"])),
    ]);
}

#[test]
fn insert_remove_trim() {
    same(&[
        (&["RPUSH", "l", "a", "b", "c", "a", "b", "c", "a"], &int(7)),
        (&["LINSERT", "l", "BEFORE", "b", "X"], &int(8)),
        (&["LINSERT", "l", "after", "c", "Y"], &int(9)),
        (&["LINSERT", "l", "AFTER", "zz", "Y"], &int(-1)),
        (&["LINSERT", "l", "MIDDLE", "zz", "Y"], SYNTAX),
        (&["LINSERT", "missing", "BEFORE", "a", "b"], &int(0)),
        (&["LRANGE", "l", "0", "-1"], &bulk_array(&["a", "X", "b", "c", "Y", "a", "b", "c", "a"])),
        (&["LREM", "l", "1", "a"], &int(1)),
        (&["LREM", "l", "-1", "b"], &int(1)),
        (&["LREM", "l", "0", "c"], &int(2)),
        (&["LREM", "l", "0", "zz"], &int(0)),
        (&["LREM", "l", "x", "c"], NOT_INTEGER),
        (&["LREM", "missing", "0", "c"], &int(0)),
        (&["LRANGE", "l", "0", "-1"], &bulk_array(&["X", "b", "Y", "a", "a"])),
        (&["LTRIM", "l", "1", "-2"], OK),
        (&["LRANGE", "l", "0", "-1"], &bulk_array(&["b", "Y", "a"])),
        (&["LTRIM", "l", "x", "1"], NOT_INTEGER),
        (&["LTRIM", "missing", "0", "1"], OK),
        (&["LTRIM", "l", "5", "10"], OK),
        (&["EXISTS", "l"], &int(0)),
        (&["RPUSH", "r", "a", "a"], &int(2)),
        (&["LREM", "r", "0", "a"], &int(2)),
        (&["EXISTS", "r"], &int(0)),
    ]);
}

#[test]
fn lpos_options_and_errors() {
    both_protocols(&[
        (&["RPUSH", "l", "a", "b", "c", "a", "b", "c", "a"], &int(7), &int(7)),
        (&["LPOS", "l", "a"], &int(0), &int(0)),
        (&["LPOS", "l", "a", "RANK", "2"], &int(3), &int(3)),
        (&["LPOS", "l", "a", "RANK", "-1"], &int(6), &int(6)),
        (&["LPOS", "l", "a", "COUNT", "0"], "*3\r\n:0\r\n:3\r\n:6\r\n", "*3\r\n:0\r\n:3\r\n:6\r\n"),
        (&["LPOS", "l", "a", "COUNT", "2", "RANK", "-1"], "*2\r\n:6\r\n:3\r\n", "*2\r\n:6\r\n:3\r\n"),
        (&["LPOS", "l", "a", "MAXLEN", "3", "COUNT", "0"], "*1\r\n:0\r\n", "*1\r\n:0\r\n"),
        (&["LPOS", "l", "a", "RANK", "9223372036854775807"], NIL, NULL3),
        (&["LPOS", "l", "zz"], NIL, NULL3),
        (&["LPOS", "l", "zz", "COUNT", "1"], EMPTY, EMPTY),
        (&["LPOS", "missing", "a"], NIL, NULL3),
        (&["LPOS", "missing", "a", "COUNT", "1"], EMPTY, EMPTY),
        (
            &["LPOS", "l", "a", "RANK", "0"],
            "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n",
            "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n",
        ),
        (
            &["LPOS", "l", "a", "RANK", "-9223372036854775808"],
            "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n",
            "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n",
        ),
        (&["LPOS", "l", "a", "COUNT", "-1"], "-ERR COUNT can't be negative\r\n", "-ERR COUNT can't be negative\r\n"),
        (&["LPOS", "l", "a", "MAXLEN", "-1"], "-ERR MAXLEN can't be negative\r\n", "-ERR MAXLEN can't be negative\r\n"),
        // Redis's getPositiveLongFromObjectOrReply gives the same text for no integer at all.
        (&["LPOS", "l", "a", "COUNT", "abc"], "-ERR COUNT can't be negative\r\n", "-ERR COUNT can't be negative\r\n"),
        (&["LPOS", "l", "a", "COUNT", "9223372036854775808"], "-ERR COUNT can't be negative\r\n", "-ERR COUNT can't be negative\r\n"),
        (&["LPOS", "missing", "a", "MAXLEN", "1.5"], "-ERR MAXLEN can't be negative\r\n", "-ERR MAXLEN can't be negative\r\n"),
        (&["LPOS", "l", "a", "RANK", "x"], NOT_INTEGER, NOT_INTEGER),
        (&["LPOS", "l", "a", "RANK"], SYNTAX, SYNTAX),
        (&["LPOS", "l", "a", "FOO", "1"], SYNTAX, SYNTAX),
    ]);
}

#[test]
fn lmove_and_rpoplpush() {
    both_protocols(&[
        (&["RPUSH", "s", "a", "b", "c"], &int(3), &int(3)),
        (&["LMOVE", "s", "d", "LEFT", "RIGHT"], &bulk("a"), &bulk("a")),
        (&["LMOVE", "s", "d", "right", "left"], &bulk("c"), &bulk("c")),
        (&["LRANGE", "d", "0", "-1"], &bulk_array(&["c", "a"]), &bulk_array(&["c", "a"])),
        (&["LMOVE", "s", "d", "UP", "LEFT"], SYNTAX, SYNTAX),
        (&["LMOVE", "s", "d", "LEFT", "DOWN"], SYNTAX, SYNTAX),
        (&["LMOVE", "missing", "d", "LEFT", "LEFT"], NIL, NULL3),
        (&["RPOPLPUSH", "s", "d"], &bulk("b"), &bulk("b")),
        (&["EXISTS", "s"], &int(0), &int(0)),
        (&["RPOPLPUSH", "s", "d"], NIL, NULL3),
        (&["RPUSH", "one", "a"], &int(1), &int(1)),
        (&["LMOVE", "one", "one", "LEFT", "RIGHT"], &bulk("a"), &bulk("a")),
        (&["LRANGE", "one", "0", "-1"], &bulk_array(&["a"]), &bulk_array(&["a"])),
        (&["RPUSH", "two", "a", "b"], &int(2), &int(2)),
        (&["LMOVE", "two", "two", "LEFT", "RIGHT"], &bulk("a"), &bulk("a")),
        (&["LRANGE", "two", "0", "-1"], &bulk_array(&["b", "a"]), &bulk_array(&["b", "a"])),
        (&["LMOVE", "s"], &arity("lmove"), &arity("lmove")),
        (&["RPOPLPUSH", "s"], &arity("rpoplpush"), &arity("rpoplpush")),
    ]);
}

#[test]
fn lmpop_parsing_and_replies() {
    both_protocols(&[
        (&["RPUSH", "m1", "a", "b", "c"], &int(3), &int(3)),
        (&["RPUSH", "m2", "x", "y"], &int(2), &int(2)),
        (
            &["LMPOP", "2", "missing", "m1", "LEFT"],
            "*2\r\n$2\r\nm1\r\n*1\r\n$1\r\na\r\n",
            "*2\r\n$2\r\nm1\r\n*1\r\n$1\r\na\r\n",
        ),
        (
            &["LMPOP", "2", "m1", "m2", "RIGHT", "COUNT", "10"],
            "*2\r\n$2\r\nm1\r\n*2\r\n$1\r\nc\r\n$1\r\nb\r\n",
            "*2\r\n$2\r\nm1\r\n*2\r\n$1\r\nc\r\n$1\r\nb\r\n",
        ),
        (&["LMPOP", "1", "m1", "LEFT"], NULL_ARRAY2, NULL3),
        (
            &["LMPOP", "0", "m2", "LEFT"],
            "-ERR numkeys should be greater than 0\r\n",
            "-ERR numkeys should be greater than 0\r\n",
        ),
        (
            &["LMPOP", "x", "m2", "LEFT"],
            "-ERR numkeys should be greater than 0\r\n",
            "-ERR numkeys should be greater than 0\r\n",
        ),
        (&["LMPOP", "5", "m2", "LEFT"], SYNTAX, SYNTAX),
        (&["LMPOP", "9223372036854775807", "m2", "LEFT"], SYNTAX, SYNTAX),
        (&["LMPOP", "1", "m2", "MIDDLE"], SYNTAX, SYNTAX),
        (
            &["LMPOP", "1", "m2", "LEFT", "COUNT", "0"],
            "-ERR count should be greater than 0\r\n",
            "-ERR count should be greater than 0\r\n",
        ),
        (&["LMPOP", "1", "m2", "LEFT", "COUNT"], SYNTAX, SYNTAX),
        (&["LMPOP", "1", "m2", "LEFT", "COUNT", "1", "COUNT", "1"], SYNTAX, SYNTAX),
        (&["LMPOP", "1", "m2", "LEFT", "junk"], SYNTAX, SYNTAX),
        (&["LMPOP", "1", "m2"], &arity("lmpop"), &arity("lmpop")),
        (&["LLEN", "m2"], &int(2), &int(2)),
        (
            &["COMMAND", "GETKEYS", "LMPOP", "2", "a", "b", "LEFT"],
            &bulk_array(&["a", "b"]),
            &bulk_array(&["a", "b"]),
        ),
        (
            &["COMMAND", "GETKEYS", "BLMPOP", "0", "2", "a", "b", "LEFT", "COUNT", "3"],
            &bulk_array(&["a", "b"]),
            &bulk_array(&["a", "b"]),
        ),
        (
            &["COMMAND", "GETKEYS", "BLPOP", "a", "b", "0"],
            &bulk_array(&["a", "b"]),
            &bulk_array(&["a", "b"]),
        ),
        (
            &["COMMAND", "GETKEYS", "LMOVE", "a", "b", "LEFT", "LEFT"],
            &bulk_array(&["a", "b"]),
            &bulk_array(&["a", "b"]),
        ),
    ]);
}

#[test]
fn wrongtype_against_a_string() {
    let mut steps: Vec<(&[&str], &str)> = vec![(&["SET", "s", "v"], OK)];
    let commands: &[&[&str]] = &[
        &["LPUSH", "s", "a"],
        &["RPUSH", "s", "a"],
        &["LPUSHX", "s", "a"],
        &["RPUSHX", "s", "a"],
        &["LPOP", "s"],
        &["RPOP", "s", "0"],
        &["LLEN", "s"],
        &["LINDEX", "s", "0"],
        &["LRANGE", "s", "0", "1"],
        &["LSET", "s", "0", "a"],
        &["LREM", "s", "0", "a"],
        &["LTRIM", "s", "0", "1"],
        &["LPOS", "s", "a"],
        &["LINSERT", "s", "BEFORE", "a", "b"],
        &["LMOVE", "s", "d", "LEFT", "LEFT"],
        &["RPOPLPUSH", "s", "d"],
        &["LMPOP", "1", "s", "LEFT"],
        &["LMPOP", "2", "missing", "s", "LEFT"],
        &["BLPOP", "missing", "s", "0"],
        &["BRPOP", "s", "0"],
        &["BLMPOP", "0", "1", "s", "LEFT"],
        &["BLMOVE", "s", "d", "LEFT", "LEFT", "0"],
        &["BRPOPLPUSH", "s", "d", "0"],
    ];
    for command in commands {
        steps.push((command, WRONGTYPE));
    }
    // Destination of another type: checked once the source has an element.
    steps.push((&["RPUSH", "l", "a"], ":1\r\n"));
    steps.push((&["LMOVE", "l", "s", "LEFT", "LEFT"], WRONGTYPE));
    steps.push((&["RPOPLPUSH", "l", "s"], WRONGTYPE));
    steps.push((&["BLMOVE", "l", "s", "LEFT", "LEFT", "0"], WRONGTYPE));
    steps.push((&["LRANGE", "l", "0", "-1"], "*1\r\n$1\r\na\r\n"));
    steps.push((&["GET", "s"], "$1\r\nv\r\n"));
    same(&steps);
}

#[test]
fn object_encoding_follows_redis() {
    let server = TestServer::start();
    let mut c = server.raw();
    c.cmd(&["RPUSH", "l", "a", "1", "b"]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "l"]), bulk("listpack"));
    let element = "x".repeat(100);
    let mut len = 3;
    while c.cmd(&["OBJECT", "ENCODING", "l"]) == bulk("listpack") {
        len += 1;
        assert_eq!(c.cmd(&["RPUSH", "l", &element]), int(len));
        assert!(len < 1000);
    }
    // Listpack bytes: 7 (header) + a(3) + 1(2) + b(3) + 79 * 103 = 8152; with the next
    // element's 100 bytes that is over 8192, so the 80th push converts.
    assert_eq!(len, 83);
    // Back to listpack only once at most half the limit (4096 bytes) remain: 15 + 40 * 103
    // bytes is still over, 15 + 39 * 103 is not.
    c.cmd(&["LTRIM", "l", "0", "42"]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "l"]), bulk("quicklist"));
    c.cmd(&["LTRIM", "l", "0", "41"]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "l"]), bulk("listpack"));
    let huge = "y".repeat(9000);
    c.cmd(&["RPUSH", "h", &huge]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "h"]), bulk("quicklist"));
}

/// Every write command of the family, then a restart: the journal rebuilds each list exactly,
/// order and encoding included.
#[test]
fn state_survives_restart() {
    let mut server = TestServer::start();
    let mut c = server.raw();
    let element = "e".repeat(120);
    let script: &[&[&str]] = &[
        &["RPUSH", "l", "a", "b", "c", "d", "e", "f"],
        &["LPUSH", "l", "z", "y"],
        &["LPUSHX", "l", "x"],
        &["RPUSHX", "l", "g"],
        &["LPUSHX", "nothing", "x"],
        &["LPOP", "l"],
        &["RPOP", "l", "2"],
        &["LSET", "l", "-2", "D"],
        &["LINSERT", "l", "AFTER", "b", "B"],
        &["LINSERT", "l", "BEFORE", "y", "Y"],
        &["RPUSH", "l", "a", "a"],
        &["LREM", "l", "-1", "a"],
        &["LTRIM", "l", "1", "-2"],
        &["LMOVE", "l", "m", "LEFT", "RIGHT"],
        &["RPOPLPUSH", "l", "m"],
        &["LMPOP", "2", "none", "l", "RIGHT", "COUNT", "1"],
        &["BLPOP", "none", "l", "0"],
        &["BRPOP", "l", "0"],
        &["BLMOVE", "l", "m", "RIGHT", "LEFT", "0"],
        &["BRPOPLPUSH", "m", "l", "0"],
        &["BLMPOP", "0", "1", "m", "LEFT", "COUNT", "1"],
        &["RPUSH", "gone", "1", "2"],
        &["LPOP", "gone", "2"],
        &["RPUSH", "two", "a", "b"],
        &["LMOVE", "two", "two", "LEFT", "RIGHT"],
        &["RPUSH", "trimmed", "1", "2", "3"],
        &["LTRIM", "trimmed", "3", "1"],
    ];
    for command in script {
        let reply = c.cmd(command);
        assert!(!reply.starts_with('-'), "{command:?}: {reply}");
    }
    for _ in 0..80 {
        c.cmd(&["RPUSH", "big", &element]);
    }
    c.cmd(&["RPOP", "big", "20"]);
    let snapshot = |c: &mut RawClient| -> Vec<String> {
        ["l", "m", "two", "big", "gone", "trimmed", "nothing"]
            .iter()
            .flat_map(|k| {
                [
                    c.cmd(&["LRANGE", k, "0", "-1"]),
                    c.cmd(&["OBJECT", "ENCODING", k]),
                    c.cmd(&["EXISTS", k]),
                ]
            })
            .collect()
    };
    let before = snapshot(&mut c);
    assert_eq!(c.cmd(&["LRANGE", "two", "0", "-1"]), bulk_array(&["b", "a"]));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "big"]), bulk("quicklist"));
    assert_eq!(c.cmd(&["EXISTS", "gone"]), int(0));
    drop(c);
    server.restart();
    let mut c = server.raw();
    let after = snapshot(&mut c);
    assert_eq!(before, after);
    assert_eq!(c.cmd(&["LLEN", "big"]), int(60));
}

/// Extreme integers never overflow or allocate by the count given (replies as redis-server's).
#[test]
fn extreme_integers_are_clamped() {
    const MIN: &str = "-9223372036854775808";
    const MAX: &str = "9223372036854775807";
    let steps: &[(&[&str], &str)] = &[
        (&["RPUSH", "l", "a", "b", "c", "a", "b", "c"], &int(6)),
        (&["LRANGE", "l", MIN, MAX], &bulk_array(&["a", "b", "c", "a", "b", "c"])),
        (&["LRANGE", "l", MAX, MIN], EMPTY),
        (&["LINDEX", "l", MIN], NIL),
        (&["LINDEX", "l", MAX], NIL),
        (&["LPOS", "l", "a", "COUNT", MAX, "MAXLEN", MAX], "*2\r\n:0\r\n:3\r\n"),
        (&["LPOS", "l", "a", "RANK", "-9223372036854775807", "COUNT", "0"], EMPTY),
        (&["LPOS", "l", "a", "RANK", "2", "RANK", "1"], &int(0)),
        (&["LREM", "l", MIN, "a"], &int(2)),
        (&["LREM", "l", MAX, "b"], &int(2)),
        (&["LSET", "l", MIN, "x"], "-ERR index out of range\r\n"),
        (&["LSET", "l", MAX, "x"], "-ERR index out of range\r\n"),
        (&["LTRIM", "l", MIN, MIN], OK),
        (&["EXISTS", "l"], &int(0)),
        (&["RPUSH", "l", "c"], &int(1)),
        (&["LMPOP", "1", "l", "LEFT", "COUNT", MAX], "*2\r\n$1\r\nl\r\n*1\r\n$1\r\nc\r\n"),
        (&["BLMPOP", "0", MAX, "l", "LEFT"], SYNTAX),
        (&["EXISTS", "l"], &int(0)),
    ];
    // Only the null bulk differs between the protocols here.
    let steps: Vec<(&[&str], &str, &str)> =
        steps.iter().map(|(c, r)| (*c, *r, if *r == NIL { NULL3 } else { *r })).collect();
    both_protocols(&steps);
}

/// Random sequences of every list write command: after each restart the journal rebuilds the
/// exact lists (order and encoding) the live commands left. Seeded: `LISTS_SEED=<n>` replays.
#[test]
fn random_list_writes_replay_to_the_same_state() {
    let seed = std::env::var("LISTS_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(7);
    let mut rng = fastrand::Rng::with_seed(seed);
    let keys = ["a", "b", "c", "d"];
    let big = "B".repeat(3000);
    let pool: Vec<String> = ["x", "y", "0", "-1", "127", "4096", "99999999999", "007", ""]
        .iter()
        .map(|s| s.to_string())
        .chain([big, "m".repeat(70)])
        .collect();
    let mut server = TestServer::start();
    let mut encodings = std::collections::BTreeSet::new();
    for round in 0..3 {
        let mut c = server.raw();
        for _ in 0..700 {
            let key = keys[rng.usize(..keys.len())];
            let other = keys[rng.usize(..keys.len())];
            let element = pool[rng.usize(..pool.len())].clone();
            let side = if rng.bool() { "LEFT" } else { "RIGHT" };
            let n = rng.i64(-4..6).to_string();
            let m = rng.i64(-6..6).to_string();
            let command: Vec<String> = match rng.u8(..20) {
                0..=3 => vec!["LPUSH".into(), key.into(), element.clone(), element],
                4..=6 => vec!["RPUSH".into(), key.into(), element],
                7 => vec!["LPUSHX".into(), key.into(), element],
                8 => vec!["RPUSHX".into(), key.into(), element],
                9 => vec!["LPOP".into(), key.into()],
                10 => vec!["RPOP".into(), key.into(), rng.u8(..4).to_string()],
                11 => vec!["LSET".into(), key.into(), n, element],
                12 => vec!["LINSERT".into(), key.into(), "BEFORE".into(), pool[0].clone(), element],
                13 => vec!["LINSERT".into(), key.into(), "AFTER".into(), element.clone(), element],
                14 => vec!["LREM".into(), key.into(), n, element],
                15 => vec!["LTRIM".into(), key.into(), n, m],
                16 => vec!["LMOVE".into(), key.into(), other.into(), side.into(), "LEFT".into()],
                17 => vec!["RPOPLPUSH".into(), key.into(), other.into()],
                18 => vec!["LMPOP".into(), "2".into(), key.into(), other.into(), side.into()],
                _ => vec![
                    "BLMOVE".into(),
                    key.into(),
                    other.into(),
                    side.into(),
                    side.into(),
                    "0.001".into(),
                ],
            };
            let args: Vec<&str> = command.iter().map(String::as_str).collect();
            let reply = c.cmd(&args);
            let allowed = ["-ERR index out of range", "-ERR no such key"];
            assert!(
                !reply.starts_with('-') || allowed.iter().any(|a| reply.starts_with(a)),
                "seed {seed}: {args:?} -> {reply}"
            );
            encodings.insert(c.cmd(&["OBJECT", "ENCODING", key]));
        }
        let state = |c: &mut RawClient| -> Vec<String> {
            keys.iter()
                .flat_map(|k| [c.cmd(&["LRANGE", k, "0", "-1"]), c.cmd(&["OBJECT", "ENCODING", k])])
                .collect()
        };
        let before = state(&mut c);
        encodings.extend(before.iter().filter(|s| s.starts_with('$')).cloned());
        drop(c);
        server.restart();
        let mut c = server.raw();
        assert_eq!(before, state(&mut c), "seed {seed}, round {round}");
    }
    // The run is only meaningful if it saw both encodings.
    assert!(encodings.contains(&bulk("listpack")), "seed {seed}: {encodings:?}");
    assert!(encodings.contains(&bulk("quicklist")), "seed {seed}: {encodings:?}");
}
