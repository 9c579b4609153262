//! Sorted set commands, byte for byte in RESP2 and RESP3. The scripted tables were recorded
//! against redis-server 7.0.15 and reviewed for Redis 7.2's differences (ZRANK WITHSCORE, and
//! shortest round-trip doubles such as `0.1`); random replies are checked by their properties;
//! persistence replays every write command and compares the state and encodings.
mod common;

use std::collections::BTreeSet;

use common::*;

/// The RESP3 reply equals the RESP2 one.
const SAME: &str = "";

/// Runs a script on a flushed database, once per protocol, comparing every reply exactly.
fn run_script(server: &TestServer, script: &[(&str, &str, &str)]) {
    for resp3 in [false, true] {
        let mut client = server.raw();
        if resp3 {
            client = client.resp3();
        }
        assert_eq!(client.cmd(&["FLUSHALL"]), OK);
        for (line, two, three) in script {
            let args: Vec<&str> = line.split(' ').collect();
            let expected = if resp3 && !three.is_empty() { three } else { two };
            let got = client.cmd(&args);
            assert_eq!(got, *expected, "{line} (RESP{})", if resp3 { 3 } else { 2 });
        }
    }
}

#[test]
fn basics_add_scores_ranks_and_ranges() {
    let server = TestServer::start();
    run_script(&server, BASICS);
}

#[test]
fn pops_algebra_random_whole_set_and_scan() {
    let server = TestServer::start();
    run_script(&server, POPS_ALGEBRA_SCAN);
}

#[test]
fn large_sets_use_the_skiplist_encoding() {
    let server = TestServer::start();
    run_script(&server, LARGE);
}

/// Sets are inputs of the algebra with score 1.
#[test]
fn sets_are_algebra_inputs_with_score_one() {
    let server = TestServer::start();
    run_script(&server, SET_INPUTS);
}

/// Lex ranges over members whose scores differ: Redis calls the result unspecified, but on a
/// listpack it is deterministic (and ZREMRANGEBYLEX deletes what it finds). Every reply here
/// is redis-server's, byte for byte.
#[test]
fn lex_ranges_over_different_scores_walk_as_redis() {
    let server = TestServer::start();
    run_script(&server, LEX_MIXED_SCORES);
}

const LEX_MIXED_SCORES: &[(&str, &str, &str)] = &[
    ("ZADD k 0 m 1 a 2 z 3 b", ":4\r\n", SAME),
    // The highest member (b) does not reach [c: nothing, whatever lies between.
    ("ZRANGEBYLEX k [c +", "*0\r\n", SAME),
    ("ZLEXCOUNT k [c +", ":0\r\n", SAME),
    ("ZREVRANGEBYLEX k + [c", "*0\r\n", SAME),
    ("ZRANGE k (c + BYLEX", "*0\r\n", SAME),
    ("ZREMRANGEBYLEX k [c +", ":0\r\n", SAME),
    // From the first member reaching min, on while members do not pass max.
    ("ZRANGEBYLEX k - [n", "*2\r\n$1\r\nm\r\n$1\r\na\r\n", SAME),
    ("ZRANGEBYLEX k [a [z", "*4\r\n$1\r\nm\r\n$1\r\na\r\n$1\r\nz\r\n$1\r\nb\r\n", SAME),
    ("ZRANGE k [b [y BYLEX", "*2\r\n$1\r\nm\r\n$1\r\na\r\n", SAME),
    // Reverse: from the last member not past max, back while members reach min.
    ("ZREVRANGEBYLEX k [n -", "*4\r\n$1\r\nb\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\nm\r\n", SAME),
    ("ZRANGE k [y [b BYLEX REV", "*2\r\n$1\r\nb\r\n$1\r\nz\r\n", SAME),
    ("ZRANGESTORE d k [y [b BYLEX REV", ":2\r\n", SAME),
    ("ZRANGE d 0 -1", "*2\r\n$1\r\nz\r\n$1\r\nb\r\n", SAME),
    ("ZREMRANGEBYLEX k [a [m", ":2\r\n", SAME),
    ("ZRANGE k 0 -1", "*2\r\n$1\r\nz\r\n$1\r\nb\r\n", SAME),
    // LIMIT's offset skips members without testing them.
    ("ZADD o 2 b 1 f 1 e 2 d", ":4\r\n", SAME),
    ("ZRANGE o + (b BYLEX REV LIMIT 2 2", "*2\r\n$1\r\nf\r\n$1\r\ne\r\n", SAME),
    ("ZRANGE o + (b BYLEX REV", "*1\r\n$1\r\nd\r\n", SAME),
    ("ZADD o2 0 a 1 z 2 b 3 c", ":4\r\n", SAME),
    ("ZRANGE o2 [a [c BYLEX LIMIT 1 2", "*0\r\n", SAME),
    ("ZRANGE o2 [a [c BYLEX LIMIT 0 5", "*1\r\n$1\r\na\r\n", SAME),
    ("ZRANGE o2 [c [a BYLEX REV LIMIT 1 5", "*3\r\n$1\r\nb\r\n$1\r\nz\r\n$1\r\na\r\n", SAME),
    ("ZRANGE o2 [c [a BYLEX REV LIMIT 9 5", "*0\r\n", SAME),
    ("ZRANGE o2 [a [c BYLEX LIMIT -1 5", "*0\r\n", SAME),
];

/// The same on the tree encoding (over 128 members): a range walks from its first member
/// while members do not pass max, and ZREMRANGEBYLEX deletes exactly what ZRANGEBYLEX
/// lists, never a member past the one that ended the walk (checked with redis-server).
#[test]
fn lex_ranges_over_different_scores_on_the_tree_stop_at_the_first_member_past_max() {
    let server = TestServer::start();
    let mut c = server.raw();
    let mut zadd: Vec<String> = vec!["ZADD".into(), "k".into()];
    for i in 0..200 {
        zadd.extend([i.to_string(), format!("a{i:03}")]);
    }
    zadd.extend(["50.5".into(), "zzz".into()]);
    let args: Vec<&str> = zadd.iter().map(String::as_str).collect();
    assert_eq!(c.cmd(&args), ":201\r\n");
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "k"]), "$8\r\nskiplist\r\n");
    let listed = c.cmd(&["ZRANGEBYLEX", "k", "[a000", "[a199"]);
    assert!(listed.starts_with("*51\r\n$4\r\na000\r\n"), "{listed}");
    assert!(listed.ends_with("$4\r\na050\r\n"), "{listed}");
    assert_eq!(c.cmd(&["ZREMRANGEBYLEX", "k", "[a000", "[a199"]), ":51\r\n");
    assert_eq!(c.cmd(&["ZCARD", "k"]), ":150\r\n");
    assert_eq!(c.cmd(&["ZSCORE", "k", "zzz"]), "$4\r\n50.5\r\n");
}

/// Every sorted set command refuses a string key with WRONGTYPE (and changes nothing).
#[test]
fn wrongtype_against_a_string() {
    let server = TestServer::start();
    let mut client = server.raw();
    assert_eq!(client.cmd(&["SET", "s", "v"]), OK);
    assert_eq!(client.cmd(&["ZADD", "z", "1", "a"]), int(1));
    let wrongtype = err("WRONGTYPE Operation against a key holding the wrong kind of value");
    let commands: &[&[&str]] = &[
        &["ZADD", "s", "1", "a"],
        &["ZINCRBY", "s", "1", "a"],
        &["ZREM", "s", "a"],
        &["ZCARD", "s"],
        &["ZSCORE", "s", "a"],
        &["ZMSCORE", "s", "a"],
        &["ZRANK", "s", "a"],
        &["ZREVRANK", "s", "a", "WITHSCORE"],
        &["ZCOUNT", "s", "0", "1"],
        &["ZLEXCOUNT", "s", "-", "+"],
        &["ZRANGE", "s", "0", "-1"],
        &["ZRANGESTORE", "d", "s", "0", "-1"],
        &["ZREVRANGE", "s", "0", "-1"],
        &["ZRANGEBYSCORE", "s", "0", "1"],
        &["ZREVRANGEBYSCORE", "s", "1", "0"],
        &["ZRANGEBYLEX", "s", "-", "+"],
        &["ZREVRANGEBYLEX", "s", "+", "-"],
        &["ZREMRANGEBYRANK", "s", "0", "1"],
        &["ZREMRANGEBYSCORE", "s", "0", "1"],
        &["ZREMRANGEBYLEX", "s", "-", "+"],
        &["ZPOPMIN", "s"],
        &["ZPOPMAX", "s", "2"],
        &["ZMPOP", "1", "s", "MIN"],
        &["ZMPOP", "2", "missing", "s", "MAX"],
        &["ZRANDMEMBER", "s"],
        &["ZRANDMEMBER", "s", "2"],
        &["ZUNION", "2", "z", "s"],
        &["ZINTER", "2", "s", "z"],
        &["ZDIFF", "2", "z", "s"],
        &["ZUNIONSTORE", "d", "2", "z", "s"],
        &["ZINTERSTORE", "d", "1", "s"],
        &["ZDIFFSTORE", "d", "2", "s", "z"],
        &["ZINTERCARD", "2", "z", "s"],
        &["ZSCAN", "s", "0"],
    ];
    for command in commands {
        assert_eq!(client.cmd(command), wrongtype, "{command:?}");
    }
    assert_eq!(client.cmd(&["GET", "s"]), bulk("v"));
    assert_eq!(client.cmd(&["EXISTS", "d"]), int(0));
    // Redis's order: a bad ZMPOP count is reported before the key is looked at.
    assert_eq!(
        client.cmd(&["ZMPOP", "1", "s", "MIN", "COUNT", "0"]),
        err("ERR count should be greater than 0")
    );
}

/// Members of a RESP2 flat array of bulks.
fn bulks(reply: &str) -> Vec<String> {
    let mut lines = reply.split("\r\n");
    let mut out = Vec::new();
    lines.next();
    while let Some(line) = lines.next() {
        if line.starts_with('$') {
            out.push(lines.next().unwrap_or_default().to_string());
        }
    }
    out
}

#[test]
fn zrandmember_counts_repeats_and_bounds() {
    let server = TestServer::start();
    let mut client = server.raw();
    let members: Vec<String> = (0..200).map(|i| format!("m{i}")).collect();
    let mut zadd = vec!["ZADD".to_string(), "z".to_string()];
    for (i, m) in members.iter().enumerate() {
        zadd.push(i.to_string());
        zadd.push(m.clone());
    }
    let zadd: Vec<&str> = zadd.iter().map(String::as_str).collect();
    assert_eq!(client.cmd(&zadd), int(200));
    let all: BTreeSet<String> = members.iter().cloned().collect();
    for count in [1usize, 5, 60, 199] {
        let got = bulks(&client.cmd(&["ZRANDMEMBER", "z", &count.to_string()]));
        let distinct: BTreeSet<String> = got.iter().cloned().collect();
        assert_eq!(got.len(), count);
        assert_eq!(distinct.len(), count, "positive counts never repeat");
        assert!(distinct.is_subset(&all));
    }
    let got = bulks(&client.cmd(&["ZRANDMEMBER", "z", "-500"]));
    assert_eq!(got.len(), 500, "negative counts repeat");
    assert!(got.iter().all(|m| all.contains(m)));
    let got = bulks(&client.cmd(&["ZRANDMEMBER", "z", "1000000000"]));
    assert_eq!(got.len(), 200, "a huge count returns the set once");
    // WITHSCORES pairs each member with its own score, in both protocols.
    let pairs = bulks(&client.cmd(&["ZRANDMEMBER", "z", "-20", "WITHSCORES"]));
    assert_eq!(pairs.len(), 40);
    for pair in pairs.chunks(2) {
        assert_eq!(format!("m{}", pair[1]), pair[0]);
    }
    let mut three = server.raw().resp3();
    let reply = three.cmd(&["ZRANDMEMBER", "z", "3", "WITHSCORES"]);
    assert!(reply.starts_with("*3\r\n*2\r\n$"), "{reply}");
    assert_eq!(reply.matches("\r\n,").count(), 3, "{reply}");
    // Huge counts on a missing key allocate nothing.
    assert_eq!(client.cmd(&["ZRANDMEMBER", "missing", "-1000000000"]), "*0\r\n");
    assert_eq!(client.cmd(&["ZRANDMEMBER", "missing", "-1000000000", "WITHSCORES"]), "*0\r\n");
    let one = client.cmd(&["ZRANDMEMBER", "z"]);
    assert!(all.contains(&bulks(&format!("*1\r\n{one}"))[0]));
}

/// ZSCAN on the skip list returns every member present for the whole iteration, while other
/// members come and go between calls.
#[test]
fn zscan_on_the_skiplist_never_misses_a_stable_member() {
    let server = TestServer::start();
    let mut client = server.raw();
    for i in 0..1000 {
        client.cmd(&["ZADD", "z", &i.to_string(), &format!("stable{i}")]);
    }
    assert_eq!(client.cmd(&["OBJECT", "ENCODING", "z"]), "$8\r\nskiplist\r\n");
    let mut seen = BTreeSet::new();
    let mut cursor = "0".to_string();
    let mut calls = 0;
    loop {
        let reply = client.cmd(&["ZSCAN", "z", &cursor, "COUNT", "25"]);
        let items = bulks(&reply);
        cursor = items[0].clone();
        for pair in items[1..].chunks(2) {
            seen.insert(pair[0].clone());
        }
        calls += 1;
        client.cmd(&["ZADD", "z", "5", &format!("churn{calls}")]);
        client.cmd(&["ZREM", "z", &format!("churn{}", calls - 1)]);
        if cursor == "0" {
            break;
        }
        assert!(calls < 1000, "the iteration must end");
    }
    assert!(calls > 10);
    for i in 0..1000 {
        assert!(seen.contains(&format!("stable{i}")), "stable{i} missed");
    }
    let reply = client.cmd(&["ZSCAN", "z", "0", "MATCH", "stable99*", "COUNT", "100000"]);
    let items = bulks(&reply);
    assert_eq!(items[0], "0");
    assert_eq!(items.len(), 1 + 2 * 11);
}

/// Everything observable about a sorted set: members and scores in order, and its encoding.
fn state(client: &mut RawClient, keys: &[&str]) -> Vec<String> {
    let mut out = vec![client.cmd(&["KEYS", "*"]).len().to_string()];
    for key in keys {
        out.push(client.cmd(&["TYPE", key]));
        out.push(client.cmd(&["ZRANGE", key, "0", "-1", "WITHSCORES"]));
        out.push(client.cmd(&["OBJECT", "ENCODING", key]));
    }
    out
}

#[test]
fn every_write_survives_a_restart() {
    let mut server = TestServer::start();
    let mut client = server.raw();
    let long = "l".repeat(70);
    let script: Vec<Vec<String>> = vec![
        "ZADD a 1 x 2 y 3 z -inf lo +inf hi",
        "ZADD a NX 9 x 4 w",
        "ZADD a XX CH 7 y 8 none",
        "ZADD a GT 10 z",
        "ZADD a LT 0.5 w",
        "ZADD a INCR 1.25 x",
        "ZINCRBY a 2.5 y",
        "ZINCRBY fresh 3 m",
        "ZADD a 0x0p1024 hexzero",
        "ZREM a lo none",
        "ZADD b 1 a 2 b 3 c 4 d 5 e 6 f",
        "ZREMRANGEBYRANK b 0 0",
        "ZREMRANGEBYSCORE b (5 +inf",
        "ZADD lex 0 a 0 b 0 c 0 d",
        "ZREMRANGEBYLEX lex [b (d",
        "ZPOPMIN b",
        "ZPOPMAX b 1",
        "ZMPOP 2 missing b MIN COUNT 1",
        "ZRANGESTORE rs a 0 2",
        "ZUNIONSTORE u 2 a b WEIGHTS 2 3 AGGREGATE MAX",
        "ZINTERSTORE i 2 a u",
        "ZDIFFSTORE df 2 a b",
        "ZRANGESTORE empty a 100 200",
        "ZADD gone 1 x",
        "ZREM gone x",
        "ZADD gone2 1 x",
        "ZPOPMIN gone2",
        "SET str v",
        "ZUNIONSTORE str 1 a",
    ]
    .into_iter()
    .map(|l| l.split(' ').map(String::from).collect())
    .collect();
    for line in &script {
        let args: Vec<&str> = line.iter().map(String::as_str).collect();
        let reply = client.cmd(&args);
        assert!(!reply.starts_with('-'), "{args:?}: {reply}");
    }
    // A large set (skip list), changed in every way after its conversion.
    for i in 0..300 {
        client.cmd(&["ZADD", "big", &(i % 17).to_string(), &format!("member{i}")]);
    }
    client.cmd(&["ZADD", "big", "7.5", &long]);
    // A skip list keeps -0 (Redis does too), and so must the load, which could pack the
    // lowest scores first and turn it into 0.
    client.cmd(&["ZADD", "big", "-0", "a-negzero"]);
    client.cmd(&["ZINCRBY", "big", "-4", "member5"]);
    client.cmd(&["ZREM", "big", "member6", "member7"]);
    client.cmd(&["ZREMRANGEBYRANK", "big", "10", "19"]);
    client.cmd(&["ZREMRANGEBYSCORE", "big", "16", "16"]);
    client.cmd(&["ZPOPMAX", "big", "3"]);
    client.cmd(&["ZUNIONSTORE", "bigu", "2", "big", "a"]);
    // A large set shrunk below the listpack limits keeps the skip list, as in Redis.
    client.cmd(&["ZRANGESTORE", "shrunk", "big", "0", "199"]);
    client.cmd(&["ZREMRANGEBYRANK", "shrunk", "0", "189"]);
    let keys = [
        "a", "fresh", "b", "lex", "rs", "u", "i", "df", "empty", "gone", "gone2", "str", "big",
        "bigu", "shrunk",
    ];
    let before = state(&mut client, &keys);
    assert_eq!(client.cmd(&["OBJECT", "ENCODING", "big"]), "$8\r\nskiplist\r\n");
    assert_eq!(client.cmd(&["OBJECT", "ENCODING", "shrunk"]), "$8\r\nskiplist\r\n");
    assert_eq!(client.cmd(&["OBJECT", "ENCODING", "a"]), "$8\r\nlistpack\r\n");
    assert_eq!(client.cmd(&["EXISTS", "empty", "gone", "gone2"]), int(0));
    assert_eq!(client.cmd(&["TYPE", "str"]), "+zset\r\n");
    assert_eq!(
        client.cmd(&["ZRANGE", "a", "0", "-1", "WITHSCORES"]),
        bulk_array(&["hexzero", "0", "w", "0.5", "x", "2.25", "y", "9.5", "z", "10", "hi", "inf"])
    );
    drop(client);
    server.restart();
    let mut client = server.raw();
    let after = state(&mut client, &keys);
    assert_eq!(before, after);
    assert_eq!(client.cmd(&["ZSCORE", "big", &long]), bulk("7.5"));
    assert_eq!(client.cmd(&["ZSCORE", "big", "a-negzero"]), bulk("-0"));
    // So does a large ZUNIONSTORE result, built whole as Redis builds it.
    assert_eq!(client.cmd(&["ZSCORE", "bigu", "a-negzero"]), bulk("-0"));
}

// Recorded tables (see the file comment).
const BASICS: &[(&str, &str, &str)] = &[
    ("ZADD z 1 a 2 b 3 c", ":3\r\n", SAME),
    ("ZADD z NX 5 a 4 d", ":1\r\n", SAME),
    ("ZADD z XX CH 10 a 20 zz", ":1\r\n", SAME),
    ("ZADD z GT CH 1 a 11 b", ":1\r\n", SAME),
    ("ZADD z LT CH 0 c", ":1\r\n", SAME),
    ("ZADD z INCR 5 a", "$2\r\n15\r\n", ",15\r\n"),
    ("ZADD z NX INCR 5 a", "$-1\r\n", "_\r\n"),
    ("ZADD z XX NX 1 a", "-ERR XX and NX options at the same time are not compatible\r\n", SAME),
    ("ZADD z GT LT 1 a", "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n", SAME),
    ("ZADD z NX GT 1 a", "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n", SAME),
    ("ZADD z INCR 1 a 2 b", "-ERR INCR option supports a single increment-element pair\r\n", SAME),
    ("ZADD z 1", "-ERR wrong number of arguments for 'zadd' command\r\n", SAME),
    ("ZADD z nan a", "-ERR value is not a valid float\r\n", SAME),
    ("ZADD z abc a", "-ERR value is not a valid float\r\n", SAME),
    ("ZADD z CH", "-ERR wrong number of arguments for 'zadd' command\r\n", SAME),
    ("ZADD z 1 a 2", "-ERR syntax error\r\n", SAME),
    ("ZADD inf +inf x", ":1\r\n", SAME),
    ("ZADD inf INCR -inf x", "-ERR resulting score is not a number (NaN)\r\n", SAME),
    ("ZINCRBY inf -inf x", "-ERR resulting score is not a number (NaN)\r\n", SAME),
    ("ZINCRBY z 2.5 b", "$4\r\n13.5\r\n", ",13.5\r\n"),
    ("ZINCRBY z abc b", "-ERR value is not a valid float\r\n", SAME),
    ("ZINCRBY new 1 m", "$1\r\n1\r\n", ",1\r\n"),
    ("ZADD z XX 1 nonexist", ":0\r\n", SAME),
    ("ZADD nokey XX 1 a", ":0\r\n", SAME),
    ("EXISTS nokey", ":0\r\n", SAME),
    ("ZRANGE z 0 -1 WITHSCORES", "*8\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nb\r\n$4\r\n13.5\r\n$1\r\na\r\n$2\r\n15\r\n", "*4\r\n*2\r\n$1\r\nc\r\n,0\r\n*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\nb\r\n,13.5\r\n*2\r\n$1\r\na\r\n,15\r\n"),
    ("ZCARD z", ":4\r\n", SAME),
    ("ZCARD nokey", ":0\r\n", SAME),
    ("ZSCORE z a", "$2\r\n15\r\n", ",15\r\n"),
    ("ZSCORE z nope", "$-1\r\n", "_\r\n"),
    ("ZSCORE nokey a", "$-1\r\n", "_\r\n"),
    ("ZMSCORE z a nope b", "*3\r\n$2\r\n15\r\n$-1\r\n$4\r\n13.5\r\n", "*3\r\n,15\r\n_\r\n,13.5\r\n"),
    ("ZMSCORE nokey a b", "*2\r\n$-1\r\n$-1\r\n", "*2\r\n_\r\n_\r\n"),
    ("ZRANK z a", ":3\r\n", SAME),
    ("ZRANK z a WITHSCORE", "*2\r\n:3\r\n$2\r\n15\r\n", "*2\r\n:3\r\n,15\r\n"),
    ("ZRANK z nope WITHSCORE", "*-1\r\n", "_\r\n"),
    ("ZRANK z nope", "$-1\r\n", "_\r\n"),
    ("ZRANK nokey a WITHSCORE", "*-1\r\n", "_\r\n"),
    ("ZRANK z a foo", "-ERR syntax error\r\n", SAME),
    ("ZRANK z a WITHSCORE x", "-ERR wrong number of arguments for 'zrank' command\r\n", SAME),
    ("ZREVRANK z a", ":0\r\n", SAME),
    ("ZREVRANK z a WITHSCORE", "*2\r\n:0\r\n$2\r\n15\r\n", "*2\r\n:0\r\n,15\r\n"),
    ("ZADD s 0 a 0 b 0 c 0 d 0 e 0 f 0 g", ":7\r\n", SAME),
    ("ZLEXCOUNT s - +", ":7\r\n", SAME),
    ("ZLEXCOUNT s [b (e", ":3\r\n", SAME),
    ("ZLEXCOUNT s b e", "-ERR min or max not valid string range item\r\n", SAME),
    ("ZLEXCOUNT s +a -", "-ERR min or max not valid string range item\r\n", SAME),
    ("ZRANGEBYLEX s - +", "*7\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n$1\r\ng\r\n", SAME),
    ("ZRANGEBYLEX s [b (e", "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n", SAME),
    ("ZRANGEBYLEX s (b [e LIMIT 1 2", "*2\r\n$1\r\nd\r\n$1\r\ne\r\n", SAME),
    ("ZRANGEBYLEX s - + LIMIT -1 2", "*0\r\n", SAME),
    ("ZRANGEBYLEX s - + LIMIT 2 -1", "*5\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n$1\r\ng\r\n", SAME),
    ("ZRANGEBYLEX s - + WITHSCORES", "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n", SAME),
    ("ZREVRANGEBYLEX s + -", "*7\r\n$1\r\ng\r\n$1\r\nf\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n", SAME),
    ("ZREVRANGEBYLEX s (e [b", "*3\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n", SAME),
    ("ZREVRANGEBYLEX s + - LIMIT 1 2", "*2\r\n$1\r\nf\r\n$1\r\ne\r\n", SAME),
    ("ZRANGE s [b (e BYLEX", "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n", SAME),
    ("ZRANGE s (e [b BYLEX REV LIMIT 0 2", "*2\r\n$1\r\nd\r\n$1\r\nc\r\n", SAME),
    ("ZADD n 1 a 2 b 3 c 4 d 5 e", ":5\r\n", SAME),
    ("ZCOUNT n 2 4", ":3\r\n", SAME),
    ("ZCOUNT n (2 4", ":2\r\n", SAME),
    ("ZCOUNT n -inf +inf", ":5\r\n", SAME),
    ("ZCOUNT n (2 (2", ":0\r\n", SAME),
    ("ZCOUNT n 4 2", ":0\r\n", SAME),
    ("ZCOUNT n x 2", "-ERR min or max is not a float\r\n", SAME),
    ("ZCOUNT n inf -inf", ":0\r\n", SAME),
    ("ZRANGEBYSCORE n 2 4", "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n", SAME),
    ("ZRANGEBYSCORE n (2 +inf WITHSCORES", "*6\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n", "*3\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\ne\r\n,5\r\n"),
    ("ZRANGEBYSCORE n -inf +inf LIMIT 1 2", "*2\r\n$1\r\nb\r\n$1\r\nc\r\n", SAME),
    ("ZRANGEBYSCORE n -inf +inf LIMIT 1 -1 WITHSCORES", "*8\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n", "*4\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\ne\r\n,5\r\n"),
    ("ZRANGEBYSCORE n -inf +inf LIMIT -1 1", "*0\r\n", SAME),
    ("ZRANGEBYSCORE n -inf +inf LIMIT 10 1", "*0\r\n", SAME),
    ("ZRANGEBYSCORE n -inf +inf LIMIT 1", "-ERR syntax error\r\n", SAME),
    ("ZRANGEBYSCORE n -inf +inf foo", "-ERR syntax error\r\n", SAME),
    ("ZRANGEBYSCORE n nan 2", "-ERR min or max is not a float\r\n", SAME),
    ("ZRANGEBYSCORE n ( 3", "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", SAME),
    ("ZREVRANGEBYSCORE n 4 2", "*3\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n", SAME),
    ("ZREVRANGEBYSCORE n +inf -inf WITHSCORES LIMIT 1 2", "*4\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n", "*2\r\n*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\nc\r\n,3\r\n"),
    ("ZREVRANGEBYSCORE n (4 (1", "*2\r\n$1\r\nc\r\n$1\r\nb\r\n", SAME),
    ("ZRANGE n 0 -1", "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n", SAME),
    ("ZRANGE n 1 2 WITHSCORES", "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n", "*2\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n"),
    ("ZRANGE n -2 -1", "*2\r\n$1\r\nd\r\n$1\r\ne\r\n", SAME),
    ("ZRANGE n 3 1", "*0\r\n", SAME),
    ("ZRANGE n 0 100", "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n", SAME),
    ("ZRANGE n -100 1", "*2\r\n$1\r\na\r\n$1\r\nb\r\n", SAME),
    ("ZRANGE n 0 -1 REV", "*5\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n", SAME),
    ("ZRANGE n 0 1 REV WITHSCORES", "*4\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n4\r\n", "*2\r\n*2\r\n$1\r\ne\r\n,5\r\n*2\r\n$1\r\nd\r\n,4\r\n"),
    ("ZRANGE n 0 -1 LIMIT 0 1", "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n", SAME),
    ("ZRANGE n 0 -1 LIMIT 0 -1", "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n", SAME),
    ("ZRANGE n 2 4 BYSCORE", "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n", SAME),
    ("ZRANGE n 4 2 BYSCORE REV WITHSCORES", "*6\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n", "*3\r\n*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nb\r\n,2\r\n"),
    ("ZRANGE n 4 2 BYSCORE REV LIMIT 1 1", "*1\r\n$1\r\nc\r\n", SAME),
    ("ZRANGE n (1 5 BYSCORE LIMIT 1 2 WITHSCORES", "*4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n", "*2\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nd\r\n,4\r\n"),
    ("ZRANGE n - + BYLEX WITHSCORES", "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n", SAME),
    ("ZRANGE n 0 -1 BYSCORE BYLEX", "-ERR syntax error\r\n", SAME),
    ("ZRANGE n 0 -1 REV REV", "-ERR syntax error\r\n", SAME),
    ("ZRANGE n a b", "-ERR value is not an integer or out of range\r\n", SAME),
    ("ZRANGE n 0 -1 WITHSCORES WITHSCORES", "*10\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n", "*5\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\ne\r\n,5\r\n"),
    ("ZRANGE nokey 0 -1", "*0\r\n", SAME),
    ("ZREVRANGE n 0 1", "*2\r\n$1\r\ne\r\n$1\r\nd\r\n", SAME),
    ("ZREVRANGE n 0 -1 WITHSCORES", "*10\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n", "*5\r\n*2\r\n$1\r\ne\r\n,5\r\n*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\na\r\n,1\r\n"),
    ("ZREVRANGE n 0 1 LIMIT 0 1", "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n", SAME),
    ("ZREVRANGE n 0 1 BYSCORE", "-ERR syntax error\r\n", SAME),
    ("ZRANGESTORE dst n 1 3", ":3\r\n", SAME),
    ("ZRANGE dst 0 -1 WITHSCORES", "*6\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n", "*3\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nd\r\n,4\r\n"),
    ("ZRANGESTORE dst n 0 -1 WITHSCORES", "-ERR syntax error\r\n", SAME),
    ("ZRANGESTORE dst n 2 4 BYSCORE REV", ":0\r\n", SAME),
    ("ZRANGESTORE dst n 4 2 BYSCORE REV LIMIT 0 2", ":2\r\n", SAME),
    ("ZRANGE dst 0 -1 WITHSCORES", "*4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n", "*2\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nd\r\n,4\r\n"),
    ("ZRANGESTORE dst n 10 20", ":0\r\n", SAME),
    ("EXISTS dst", ":0\r\n", SAME),
    ("ZRANGESTORE dst nokey 0 -1", ":0\r\n", SAME),
    ("SET str x", "+OK\r\n", SAME),
    ("ZADD str 1 a", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME),
    ("ZRANGE str 0 -1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME),
    ("ZSCORE str a", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME),
    ("ZRANGESTORE str2 str 0 -1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME),
    ("ZRANGESTORE str n 0 0", ":1\r\n", SAME),
    ("TYPE str", "+zset\r\n", SAME),
    ("ZRANGE str 0 -1", "*1\r\n$1\r\na\r\n", SAME),
];
const POPS_ALGEBRA_SCAN: &[(&str, &str, &str)] = &[
    ("ZADD a 1 x 2 y 3 z", ":3\r\n", SAME),
    ("ZADD b 10 y 20 z 30 w", ":3\r\n", SAME),
    ("SET str v", "+OK\r\n", SAME),
    ("ZUNION 2 a b", "*4\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n$1\r\nw\r\n", SAME),
    ("ZUNION 2 a b WITHSCORES", "*8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n$1\r\nw\r\n$2\r\n30\r\n", "*4\r\n*2\r\n$1\r\nx\r\n,1\r\n*2\r\n$1\r\ny\r\n,12\r\n*2\r\n$1\r\nz\r\n,23\r\n*2\r\n$1\r\nw\r\n,30\r\n"),
    ("ZUNION 2 a b WEIGHTS 2 3 WITHSCORES", "*8\r\n$1\r\nx\r\n$1\r\n2\r\n$1\r\ny\r\n$2\r\n34\r\n$1\r\nz\r\n$2\r\n66\r\n$1\r\nw\r\n$2\r\n90\r\n", "*4\r\n*2\r\n$1\r\nx\r\n,2\r\n*2\r\n$1\r\ny\r\n,34\r\n*2\r\n$1\r\nz\r\n,66\r\n*2\r\n$1\r\nw\r\n,90\r\n"),
    ("ZUNION 2 a b AGGREGATE MIN WITHSCORES", "*8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$1\r\n2\r\n$1\r\nz\r\n$1\r\n3\r\n$1\r\nw\r\n$2\r\n30\r\n", "*4\r\n*2\r\n$1\r\nx\r\n,1\r\n*2\r\n$1\r\ny\r\n,2\r\n*2\r\n$1\r\nz\r\n,3\r\n*2\r\n$1\r\nw\r\n,30\r\n"),
    ("ZUNION 2 a b AGGREGATE MAX WITHSCORES", "*8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n10\r\n$1\r\nz\r\n$2\r\n20\r\n$1\r\nw\r\n$2\r\n30\r\n", "*4\r\n*2\r\n$1\r\nx\r\n,1\r\n*2\r\n$1\r\ny\r\n,10\r\n*2\r\n$1\r\nz\r\n,20\r\n*2\r\n$1\r\nw\r\n,30\r\n"),
    ("ZUNION 2 a b WEIGHTS 1 WITHSCORES", "-ERR weight value is not a float\r\n", SAME),
    ("ZUNION 2 a b WEIGHTS 1 x", "-ERR weight value is not a float\r\n", SAME),
    ("ZUNION 2 a b AGGREGATE foo", "-ERR syntax error\r\n", SAME),
    ("ZUNION 2 a b AGGREGATE", "-ERR syntax error\r\n", SAME),
    ("ZUNION 0 a", "-ERR at least 1 input key is needed for 'zunion' command\r\n", SAME),
    ("ZUNION -1 a", "-ERR at least 1 input key is needed for 'zunion' command\r\n", SAME),
    ("ZUNION x a", "-ERR value is not an integer or out of range\r\n", SAME),
    ("ZUNION 3 a b", "-ERR syntax error\r\n", SAME),
    ("ZUNION 2 a str", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME),
    ("ZUNION 2 a str WEIGHTS x", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME),
    ("ZUNION 2 a nokey WITHSCORES", "*6\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$1\r\n2\r\n$1\r\nz\r\n$1\r\n3\r\n", "*3\r\n*2\r\n$1\r\nx\r\n,1\r\n*2\r\n$1\r\ny\r\n,2\r\n*2\r\n$1\r\nz\r\n,3\r\n"),
    ("ZUNION 1 nokey", "*0\r\n", SAME),
    ("ZINTER 2 a b WITHSCORES", "*4\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n", "*2\r\n*2\r\n$1\r\ny\r\n,12\r\n*2\r\n$1\r\nz\r\n,23\r\n"),
    ("ZINTER 2 a b WEIGHTS 0 inf WITHSCORES", "*4\r\n$1\r\ny\r\n$3\r\ninf\r\n$1\r\nz\r\n$3\r\ninf\r\n", "*2\r\n*2\r\n$1\r\ny\r\n,inf\r\n*2\r\n$1\r\nz\r\n,inf\r\n"),
    ("ZINTER 2 a b AGGREGATE MAX", "*2\r\n$1\r\ny\r\n$1\r\nz\r\n", SAME),
    ("ZINTER 2 a nokey", "*0\r\n", SAME),
    ("ZDIFF 2 a b WITHSCORES", "*2\r\n$1\r\nx\r\n$1\r\n1\r\n", "*1\r\n*2\r\n$1\r\nx\r\n,1\r\n"),
    ("ZDIFF 1 a", "*3\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n", SAME),
    ("ZDIFF 2 a b WEIGHTS 1 2", "-ERR syntax error\r\n", SAME),
    ("ZDIFF 2 a b AGGREGATE SUM", "-ERR syntax error\r\n", SAME),
    ("ZUNIONSTORE d 2 a b WEIGHTS 2 1", ":4\r\n", SAME),
    ("ZRANGE d 0 -1 WITHSCORES", "*8\r\n$1\r\nx\r\n$1\r\n2\r\n$1\r\ny\r\n$2\r\n14\r\n$1\r\nz\r\n$2\r\n26\r\n$1\r\nw\r\n$2\r\n30\r\n", "*4\r\n*2\r\n$1\r\nx\r\n,2\r\n*2\r\n$1\r\ny\r\n,14\r\n*2\r\n$1\r\nz\r\n,26\r\n*2\r\n$1\r\nw\r\n,30\r\n"),
    ("ZUNIONSTORE d 2 a b WITHSCORES", "-ERR syntax error\r\n", SAME),
    ("ZINTERSTORE d 2 a nokey", ":0\r\n", SAME),
    ("EXISTS d", ":0\r\n", SAME),
    ("ZDIFFSTORE d 2 b a", ":1\r\n", SAME),
    ("ZRANGE d 0 -1 WITHSCORES", "*2\r\n$1\r\nw\r\n$2\r\n30\r\n", "*1\r\n*2\r\n$1\r\nw\r\n,30\r\n"),
    ("ZDIFFSTORE str 1 a", ":3\r\n", SAME),
    ("TYPE str", "+zset\r\n", SAME),
    ("ZINTERCARD 2 a b", ":2\r\n", SAME),
    ("ZINTERCARD 2 a b LIMIT 1", ":1\r\n", SAME),
    ("ZINTERCARD 2 a b LIMIT -1", "-ERR LIMIT can't be negative\r\n", SAME),
    // getPositiveLongFromObjectOrReply: the same text for no integer at all.
    ("ZINTERCARD 2 a b LIMIT abc", "-ERR LIMIT can't be negative\r\n", SAME),
    ("ZINTERCARD 2 a b LIMIT 1.5", "-ERR LIMIT can't be negative\r\n", SAME),
    ("ZINTERCARD 2 a b LIMIT 0", ":2\r\n", SAME),
    ("ZINTERCARD 0 a", "-ERR at least 1 input key is needed for 'zintercard' command\r\n", SAME),
    ("ZINTERCARD 2 a b WITHSCORES", "-ERR syntax error\r\n", SAME),
    ("SET str v", "+OK\r\n", SAME),
    ("ZINTERCARD 2 a str", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME),
    ("ZADD inf1 +inf m", ":1\r\n", SAME),
    ("ZADD inf2 -inf m", ":1\r\n", SAME),
    ("ZUNION 2 inf1 inf2 WITHSCORES", "*2\r\n$1\r\nm\r\n$1\r\n0\r\n", "*1\r\n*2\r\n$1\r\nm\r\n,0\r\n"),
    ("ZINTER 2 inf1 inf2 WITHSCORES", "*2\r\n$1\r\nm\r\n$1\r\n0\r\n", "*1\r\n*2\r\n$1\r\nm\r\n,0\r\n"),
    ("ZINTER 2 inf1 inf1 WEIGHTS 0 1 WITHSCORES", "*2\r\n$1\r\nm\r\n$3\r\ninf\r\n", "*1\r\n*2\r\n$1\r\nm\r\n,inf\r\n"),
    ("ZUNION 1 inf1 WEIGHTS 0 WITHSCORES", "*2\r\n$1\r\nm\r\n$1\r\n0\r\n", "*1\r\n*2\r\n$1\r\nm\r\n,0\r\n"),
    ("ZADD p 1 a 2 b 3 c 4 d", ":4\r\n", SAME),
    ("ZPOPMIN p", "*2\r\n$1\r\na\r\n$1\r\n1\r\n", "*2\r\n$1\r\na\r\n,1\r\n"),
    ("ZPOPMAX p", "*2\r\n$1\r\nd\r\n$1\r\n4\r\n", "*2\r\n$1\r\nd\r\n,4\r\n"),
    ("ZPOPMIN p 0", "*0\r\n", SAME),
    ("ZPOPMIN p -1", "-ERR value is out of range, must be positive\r\n", SAME),
    ("ZPOPMIN p x", "-ERR value is out of range, must be positive\r\n", SAME),
    ("ZPOPMIN p 1 2", "-ERR syntax error\r\n", SAME),
    ("ZPOPMIN p 1", "*2\r\n$1\r\nb\r\n$1\r\n2\r\n", "*1\r\n*2\r\n$1\r\nb\r\n,2\r\n"),
    ("ZPOPMAX p 10", "*2\r\n$1\r\nc\r\n$1\r\n3\r\n", "*1\r\n*2\r\n$1\r\nc\r\n,3\r\n"),
    ("EXISTS p", ":0\r\n", SAME),
    ("ZPOPMIN nokey", "*0\r\n", SAME),
    ("ZPOPMIN nokey 2", "*0\r\n", SAME),
    ("ZPOPMIN str", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME),
    ("ZADD p 1 a 2 b 3 c 4 d", ":4\r\n", SAME),
    ("ZMPOP 1 p MIN", "*2\r\n$1\r\np\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", "*2\r\n$1\r\np\r\n*1\r\n*2\r\n$1\r\na\r\n,1\r\n"),
    ("ZMPOP 1 p MAX COUNT 2", "*2\r\n$1\r\np\r\n*2\r\n*2\r\n$1\r\nd\r\n$1\r\n4\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n", "*2\r\n$1\r\np\r\n*2\r\n*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\nc\r\n,3\r\n"),
    ("ZMPOP 2 nokey p MIN COUNT 10", "*2\r\n$1\r\np\r\n*1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n", "*2\r\n$1\r\np\r\n*1\r\n*2\r\n$1\r\nb\r\n,2\r\n"),
    ("ZMPOP 2 nokey nokey2 MIN", "*-1\r\n", "_\r\n"),
    ("ZMPOP 0 p MIN", "-ERR numkeys should be greater than 0\r\n", SAME),
    ("ZMPOP 1 p", "-ERR wrong number of arguments for 'zmpop' command\r\n", SAME),
    ("ZMPOP 1 p FOO", "-ERR syntax error\r\n", SAME),
    ("ZMPOP 1 p MIN COUNT 0", "-ERR count should be greater than 0\r\n", SAME),
    ("ZMPOP 1 p MIN COUNT", "-ERR syntax error\r\n", SAME),
    ("ZMPOP 1 p MIN COUNT 1 COUNT 1", "-ERR syntax error\r\n", SAME),
    ("ZMPOP 5 p MIN", "-ERR syntax error\r\n", SAME),
    ("ZMPOP 2 str p MIN", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME),
    ("ZMPOP 2 nokey str MIN", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME),
    ("ZRANDMEMBER nokey", "$-1\r\n", "_\r\n"),
    ("ZRANDMEMBER nokey 5", "*0\r\n", SAME),
    ("ZRANDMEMBER nokey 0", "*0\r\n", SAME),
    ("ZRANDMEMBER str", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME),
    ("ZRANDMEMBER a 0", "*0\r\n", SAME),
    ("ZRANDMEMBER a 5 WITHSCORES", "*6\r\n$1\r\nz\r\n$1\r\n3\r\n$1\r\ny\r\n$1\r\n2\r\n$1\r\nx\r\n$1\r\n1\r\n", "*3\r\n*2\r\n$1\r\nz\r\n,3\r\n*2\r\n$1\r\ny\r\n,2\r\n*2\r\n$1\r\nx\r\n,1\r\n"),
    ("ZRANDMEMBER a 3", "*3\r\n$1\r\nz\r\n$1\r\ny\r\n$1\r\nx\r\n", SAME),
    ("ZRANDMEMBER a 5 foo", "-ERR syntax error\r\n", SAME),
    ("ZRANDMEMBER a 5 WITHSCORES x", "-ERR syntax error\r\n", SAME),
    ("ZRANDMEMBER a x", "-ERR value is not an integer or out of range\r\n", SAME),
    ("ZRANDMEMBER a -9223372036854775808", "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n", SAME),
    ("ZRANDMEMBER a -9223372036854775807 WITHSCORES", "-ERR value is out of range\r\n", SAME),
    ("ZRANDMEMBER a 9223372036854775807 WITHSCORES", "-ERR value is out of range\r\n", SAME),
    ("ZADD one 7 only", ":1\r\n", SAME),
    ("ZRANDMEMBER one -3 WITHSCORES", "*6\r\n$4\r\nonly\r\n$1\r\n7\r\n$4\r\nonly\r\n$1\r\n7\r\n$4\r\nonly\r\n$1\r\n7\r\n", "*3\r\n*2\r\n$4\r\nonly\r\n,7\r\n*2\r\n$4\r\nonly\r\n,7\r\n*2\r\n$4\r\nonly\r\n,7\r\n"),
    ("ZRANDMEMBER one 1 WITHSCORES", "*2\r\n$4\r\nonly\r\n$1\r\n7\r\n", "*1\r\n*2\r\n$4\r\nonly\r\n,7\r\n"),
    ("ZRANDMEMBER one", "$4\r\nonly\r\n", SAME),
    ("ZSCAN a 0", "*2\r\n$1\r\n0\r\n*6\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$1\r\n2\r\n$1\r\nz\r\n$1\r\n3\r\n", SAME),
    ("ZSCAN a 0 MATCH x*", "*2\r\n$1\r\n0\r\n*2\r\n$1\r\nx\r\n$1\r\n1\r\n", SAME),
    ("ZSCAN a 0 COUNT 0", "-ERR syntax error\r\n", SAME),
    ("ZSCAN nokey 0 COUNT 0", "*2\r\n$1\r\n0\r\n*0\r\n", SAME),
    ("ZSCAN a abc", "-ERR invalid cursor\r\n", SAME),
    ("ZSCAN a 0 TYPE zset", "-ERR syntax error\r\n", SAME),
    ("ZSCAN a 0 MATCH", "-ERR syntax error\r\n", SAME),
    ("ZSCAN str 0", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME),
    ("ZREM a x nope x", ":1\r\n", SAME),
    ("ZREM a y z", ":2\r\n", SAME),
    ("EXISTS a", ":0\r\n", SAME),
    ("ZREM nokey a", ":0\r\n", SAME),
    ("ZREM str a", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME),
    ("ZADD r 1 a 2 b 3 c 4 d 5 e", ":5\r\n", SAME),
    ("ZREMRANGEBYRANK r 0 1", ":2\r\n", SAME),
    ("ZREMRANGEBYRANK r -1 -1", ":1\r\n", SAME),
    ("ZREMRANGEBYRANK r 5 10", ":0\r\n", SAME),
    ("ZRANGE r 0 -1 WITHSCORES", "*4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n", "*2\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nd\r\n,4\r\n"),
    ("ZREMRANGEBYSCORE r (3 +inf", ":1\r\n", SAME),
    ("ZREMRANGEBYSCORE r x 1", "-ERR min or max is not a float\r\n", SAME),
    ("ZREMRANGEBYRANK r x 1", "-ERR value is not an integer or out of range\r\n", SAME),
    ("ZRANGE r 0 -1 WITHSCORES", "*2\r\n$1\r\nc\r\n$1\r\n3\r\n", "*1\r\n*2\r\n$1\r\nc\r\n,3\r\n"),
    ("ZADD l 0 a 0 b 0 c", ":3\r\n", SAME),
    ("ZREMRANGEBYLEX l [a (c", ":2\r\n", SAME),
    ("ZREMRANGEBYLEX l a c", "-ERR min or max not valid string range item\r\n", SAME),
    ("ZREMRANGEBYLEX l - +", ":1\r\n", SAME),
    ("EXISTS l", ":0\r\n", SAME),
    ("ZREMRANGEBYLEX str - +", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME),
    ("ZREMRANGEBYSCORE nokey 1 2", ":0\r\n", SAME),
    ("COMMAND GETKEYS ZUNIONSTORE d 2 a b WEIGHTS 1 2", "*3\r\n$1\r\nd\r\n$1\r\na\r\n$1\r\nb\r\n", SAME),
    ("COMMAND GETKEYS ZUNION 2 a b", "*2\r\n$1\r\na\r\n$1\r\nb\r\n", SAME),
    ("COMMAND GETKEYS ZMPOP 2 a b MIN", "*2\r\n$1\r\na\r\n$1\r\nb\r\n", SAME),
    ("COMMAND GETKEYS ZINTERCARD 1 a", "*1\r\n$1\r\na\r\n", SAME),
    ("COMMAND GETKEYS ZRANGESTORE d s 0 1", "*2\r\n$1\r\nd\r\n$1\r\ns\r\n", SAME),
    ("COMMAND GETKEYS ZADD k 1 m", "*1\r\n$1\r\nk\r\n", SAME),
    ("COMMAND INFO zadd", "*1\r\n*10\r\n$4\r\nzadd\r\n:-4\r\n*3\r\n+write\r\n+denyoom\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@write\r\n+@sortedset\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RW\r\n+update\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n", "*1\r\n*10\r\n$4\r\nzadd\r\n:-4\r\n~3\r\n+write\r\n+denyoom\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@write\r\n+@sortedset\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RW\r\n+update\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n"),
    ("ZADD big 1.5 a 0.1 b -0 c 1e30 d 3.0000000000000004 e 1e-10 f", ":6\r\n", SAME),
    ("ZRANGE big 0 -1 WITHSCORES", "*12\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\nf\r\n$5\r\n1e-10\r\n$1\r\nb\r\n$3\r\n0.1\r\n$1\r\na\r\n$3\r\n1.5\r\n$1\r\ne\r\n$18\r\n3.0000000000000004\r\n$1\r\nd\r\n$5\r\n1e+30\r\n", "*6\r\n*2\r\n$1\r\nc\r\n,0\r\n*2\r\n$1\r\nf\r\n,1e-10\r\n*2\r\n$1\r\nb\r\n,0.1\r\n*2\r\n$1\r\na\r\n,1.5\r\n*2\r\n$1\r\ne\r\n,3.0000000000000004\r\n*2\r\n$1\r\nd\r\n,1e+30\r\n"),
    ("ZSCAN big 0", "*2\r\n$1\r\n0\r\n*12\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\nf\r\n$5\r\n1e-10\r\n$1\r\nb\r\n$3\r\n0.1\r\n$1\r\na\r\n$3\r\n1.5\r\n$1\r\ne\r\n$18\r\n3.0000000000000004\r\n$1\r\nd\r\n$5\r\n1e+30\r\n", SAME),
    ("ZADD d0 -0 m", ":1\r\n", SAME),
    ("ZSCORE d0 m", "$1\r\n0\r\n", ",0\r\n"),
    // A result is replied as computed: Redis's ZUNION/ZINTER keep the -0 of WEIGHTS -1.
    ("ZUNION 1 d0 WEIGHTS -1 WITHSCORES", "*2\r\n$1\r\nm\r\n$2\r\n-0\r\n", "*1\r\n*2\r\n$1\r\nm\r\n,-0\r\n"),
    ("ZINTER 1 d0 WEIGHTS -1 WITHSCORES", "*2\r\n$1\r\nm\r\n$2\r\n-0\r\n", "*1\r\n*2\r\n$1\r\nm\r\n,-0\r\n"),
    ("ZINCRBY d0 0 m", "$1\r\n0\r\n", ",0\r\n"),
    ("ZADD d0 0 m", ":0\r\n", SAME),
    ("ZADD d0 CH 0 m", ":0\r\n", SAME),
];
const LARGE: &[(&str, &str, &str)] = &[
    ("ZADD big -5.0 m0 6.25 m1 4.75 m2 -8.5 m3 -0.75 m4 6.75 m5 2.5 m6 7.5 m7 6.0 m8 -10.5 m9 6.75 m10 -12.25 m11 2.5 m12 -4.25 m13 5.0 m14 -5.25 m15 -6.5 m16 10.25 m17 2.5 m18 4.75 m19 5.0 m20 2.5 m21 0.0 m22 7.75 m23 -7.75 m24 -5.25 m25 7.75 m26 -7.75 m27 4.0 m28 -0.25 m29 11.0 m30 -12.25 m31 8.75 m32 12.25 m33 -10.5 m34 -7.5 m35 11.75 m36 6.25 m37 -11.25 m38 -3.0 m39 12.25 m40 -11.75 m41 -4.0 m42 2.5 m43 6.5 m44 10.5 m45 -0.25 m46 10.25 m47 12.5 m48 1.0 m49 0.0 m50 10.75 m51 5.75 m52 1.5 m53 -8.25 m54 -1.0 m55 -9.5 m56 -11.5 m57 -8.25 m58 3.25 m59 -5.75 m60 -4.25 m61 9.0 m62 1.25 m63 12.25 m64 7.5 m65 -3.0 m66 0.75 m67 3.5 m68 -0.25 m69 5.75 m70 -1.5 m71 4.5 m72 6.0 m73 0.5 m74 6.0 m75 -5.25 m76 -1.75 m77 9.25 m78 -11.75 m79 -3.75 m80 6.75 m81 8.75 m82 9.75 m83 -7.5 m84 9.75 m85 -2.25 m86 4.75 m87 5.75 m88 5.5 m89 -9.25 m90 10.25 m91 8.25 m92 -5.75 m93 7.75 m94 5.75 m95 -4.0 m96 -3.5 m97 -8.75 m98 -10.5 m99 2.75 m100 7.75 m101 2.75 m102 -9.75 m103 -1.5 m104 -10.5 m105 0.5 m106 -7.75 m107 -12.0 m108 -3.25 m109 1.0 m110 12.0 m111 0.75 m112 -8.75 m113 -11.25 m114 6.75 m115 7.0 m116 11.75 m117 -11.25 m118 -0.5 m119 10.25 m120 6.25 m121 -2.0 m122 5.0 m123 -3.75 m124 3.5 m125 -5.0 m126 -11.5 m127 -2.75 m128 -12.5 m129 -10.25 m130 -9.25 m131 6.5 m132 4.5 m133 -11.5 m134 -6.25 m135 0.5 m136 -3.25 m137 7.0 m138 -4.25 m139 -7.75 m140 9.5 m141 -11.25 m142 -1.75 m143 -2.5 m144 -1.0 m145 -8.25 m146 -0.5 m147 -0.5 m148 2.0 m149 4.0 m150 -0.25 m151 8.0 m152 6.5 m153 9.25 m154 5.25 m155 -9.25 m156 7.25 m157 3.5 m158 -4.0 m159 1.25 m160 7.75 m161 10.5 m162 10.25 m163 -5.0 m164 -3.0 m165 1.25 m166 -4.25 m167 4.0 m168 -3.0 m169 5.0 m170 -1.75 m171 -12.25 m172 12.5 m173 0.75 m174 6.0 m175 -2.5 m176 -12.0 m177 -0.5 m178 7.0 m179 6.25 m180 7.5 m181 -8.25 m182 -10.75 m183 7.75 m184 7.5 m185 -2.0 m186 2.25 m187 -1.25 m188 9.0 m189 -1.25 m190 6.75 m191 10.0 m192 -3.75 m193 11.0 m194 3.0 m195 -12.0 m196 6.25 m197 -10.75 m198 9.0 m199 -12.0 m200 -0.75 m201 -4.5 m202 7.5 m203 2.0 m204 -3.0 m205 6.25 m206 6.5 m207 -2.5 m208 -7.0 m209 -1.0 m210 -6.75 m211 -2.5 m212 11.75 m213 -0.75 m214 6.5 m215 -4.25 m216 -3.0 m217 12.5 m218 -0.5 m219 -9.25 m220 12.0 m221 -11.75 m222 5.5 m223 9.25 m224 11.0 m225 -8.5 m226 -2.75 m227 3.5 m228 -5.5 m229 8.25 m230 -4.0 m231 -5.0 m232 -2.25 m233 -6.75 m234 9.0 m235 1.25 m236 8.25 m237 9.75 m238 -9.5 m239 -9.25 m240 6.5 m241 -2.25 m242 -2.0 m243 9.0 m244 -5.5 m245 1.5 m246 -7.25 m247 -10.0 m248 -1.75 m249 11.0 m250 8.25 m251 -5.75 m252 5.5 m253 1.75 m254 -4.0 m255 -5.5 m256 12.5 m257 -8.75 m258 -11.5 m259 4.25 m260 -6.5 m261 -2.5 m262 5.75 m263 -6.75 m264 -3.75 m265 -1.75 m266 8.0 m267 -10.0 m268 7.25 m269 -1.5 m270 6.25 m271 -8.5 m272 0.75 m273 -3.25 m274 4.0 m275 -4.0 m276 2.25 m277 -1.5 m278 7.75 m279 0.75 m280 -3.25 m281 0.75 m282 5.5 m283 0.5 m284 -11.5 m285 0.5 m286 -7.75 m287 -6.25 m288 -12.5 m289 2.75 m290 7.25 m291 3.75 m292 1.25 m293 5.25 m294 10.25 m295 -5.5 m296 -11.5 m297 11.25 m298 2.0 m299", ":300\r\n", SAME),
    ("OBJECT ENCODING big", "$8\r\nskiplist\r\n", SAME),
    ("ZADD long 1 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", ":1\r\n", SAME),
    ("OBJECT ENCODING long", "$8\r\nskiplist\r\n", SAME),
    ("ZADD edge 1 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", ":1\r\n", SAME),
    ("OBJECT ENCODING edge", "$8\r\nlistpack\r\n", SAME),
    ("ZRANGE big 0 -1 WITHSCORES", "*600\r\n$4\r\nm129\r\n$5\r\n-12.5\r\n$4\r\nm289\r\n$5\r\n-12.5\r\n$3\r\nm11\r\n$6\r\n-12.25\r\n$4\r\nm172\r\n$6\r\n-12.25\r\n$3\r\nm31\r\n$6\r\n-12.25\r\n$4\r\nm108\r\n$3\r\n-12\r\n$4\r\nm177\r\n$3\r\n-12\r\n$4\r\nm196\r\n$3\r\n-12\r\n$4\r\nm200\r\n$3\r\n-12\r\n$4\r\nm222\r\n$6\r\n-11.75\r\n$3\r\nm41\r\n$6\r\n-11.75\r\n$3\r\nm79\r\n$6\r\n-11.75\r\n$4\r\nm127\r\n$5\r\n-11.5\r\n$4\r\nm134\r\n$5\r\n-11.5\r\n$4\r\nm259\r\n$5\r\n-11.5\r\n$4\r\nm285\r\n$5\r\n-11.5\r\n$4\r\nm297\r\n$5\r\n-11.5\r\n$3\r\nm57\r\n$5\r\n-11.5\r\n$4\r\nm114\r\n$6\r\n-11.25\r\n$4\r\nm118\r\n$6\r\n-11.25\r\n$4\r\nm142\r\n$6\r\n-11.25\r\n$3\r\nm38\r\n$6\r\n-11.25\r\n$4\r\nm183\r\n$6\r\n-10.75\r\n$4\r\nm198\r\n$6\r\n-10.75\r\n$4\r\nm105\r\n$5\r\n-10.5\r\n$3\r\nm34\r\n$5\r\n-10.5\r\n$2\r\nm9\r\n$5\r\n-10.5\r\n$3\r\nm99\r\n$5\r\n-10.5\r\n$4\r\nm130\r\n$6\r\n-10.25\r\n$4\r\nm248\r\n$3\r\n-10\r\n$4\r\nm268\r\n$3\r\n-10\r\n$4\r\nm103\r\n$5\r\n-9.75\r\n$4\r\nm239\r\n$4\r\n-9.5\r\n$3\r\nm56\r\n$4\r\n-9.5\r\n$4\r\nm131\r\n$5\r\n-9.25\r\n$4\r\nm156\r\n$5\r\n-9.25\r\n$4\r\nm220\r\n$5\r\n-9.25\r\n$4\r\nm240\r\n$5\r\n-9.25\r\n$3\r\nm90\r\n$5\r\n-9.25\r\n$4\r\nm113\r\n$5\r\n-8.75\r\n$4\r\nm258\r\n$5\r\n-8.75\r\n$3\r\nm98\r\n$5\r\n-8.75\r\n$4\r\nm226\r\n$4\r\n-8.5\r\n$4\r\nm272\r\n$4\r\n-8.5\r\n$2\r\nm3\r\n$4\r\n-8.5\r\n$4\r\nm146\r\n$5\r\n-8.25\r\n$4\r\nm182\r\n$5\r\n-8.25\r\n$3\r\nm54\r\n$5\r\n-8.25\r\n$3\r\nm58\r\n$5\r\n-8.25\r\n$4\r\nm107\r\n$5\r\n-7.75\r\n$4\r\nm140\r\n$5\r\n-7.75\r\n$3\r\nm24\r\n$5\r\n-7.75\r\n$3\r\nm27\r\n$5\r\n-7.75\r\n$4\r\nm287\r\n$5\r\n-7.75\r\n$3\r\nm35\r\n$4\r\n-7.5\r\n$3\r\nm84\r\n$4\r\n-7.5\r\n$4\r\nm247\r\n$5\r\n-7.25\r\n$4\r\nm209\r\n$2\r\n-7\r\n$4\r\nm211\r\n$5\r\n-6.75\r\n$4\r\nm234\r\n$5\r\n-6.75\r\n$4\r\nm264\r\n$5\r\n-6.75\r\n$3\r\nm16\r\n$4\r\n-6.5\r\n$4\r\nm261\r\n$4\r\n-6.5\r\n$4\r\nm135\r\n$5\r\n-6.25\r\n$4\r\nm288\r\n$5\r\n-6.25\r\n$4\r\nm252\r\n$5\r\n-5.75\r\n$3\r\nm60\r\n$5\r\n-5.75\r\n$3\r\nm93\r\n$5\r\n-5.75\r\n$4\r\nm229\r\n$4\r\n-5.5\r\n$4\r\nm245\r\n$4\r\n-5.5\r\n$4\r\nm256\r\n$4\r\n-5.5\r\n$4\r\nm296\r\n$4\r\n-5.5\r\n$3\r\nm15\r\n$5\r\n-5.25\r\n$3\r\nm25\r\n$5\r\n-5.25\r\n$3\r\nm76\r\n$5\r\n-5.25\r\n$2\r\nm0\r\n$2\r\n-5\r\n$4\r\nm126\r\n$2\r\n-5\r\n$4\r\nm164\r\n$2\r\n-5\r\n$4\r\nm232\r\n$2\r\n-5\r\n$4\r\nm202\r\n$4\r\n-4.5\r\n$3\r\nm13\r\n$5\r\n-4.25\r\n$4\r\nm139\r\n$5\r\n-4.25\r\n$4\r\nm167\r\n$5\r\n-4.25\r\n$4\r\nm216\r\n$5\r\n-4.25\r\n$3\r\nm61\r\n$5\r\n-4.25\r\n$4\r\nm159\r\n$2\r\n-4\r\n$4\r\nm231\r\n$2\r\n-4\r\n$4\r\nm255\r\n$2\r\n-4\r\n$4\r\nm276\r\n$2\r\n-4\r\n$3\r\nm42\r\n$2\r\n-4\r\n$3\r\nm96\r\n$2\r\n-4\r\n$4\r\nm124\r\n$5\r\n-3.75\r\n$4\r\nm193\r\n$5\r\n-3.75\r\n$4\r\nm265\r\n$5\r\n-3.75\r\n$3\r\nm80\r\n$5\r\n-3.75\r\n$3\r\nm97\r\n$4\r\n-3.5\r\n$4\r\nm109\r\n$5\r\n-3.25\r\n$4\r\nm137\r\n$5\r\n-3.25\r\n$4\r\nm274\r\n$5\r\n-3.25\r\n$4\r\nm281\r\n$5\r\n-3.25\r\n$4\r\nm165\r\n$2\r\n-3\r\n$4\r\nm169\r\n$2\r\n-3\r\n$4\r\nm205\r\n$2\r\n-3\r\n$4\r\nm217\r\n$2\r\n-3\r\n$3\r\nm39\r\n$2\r\n-3\r\n$3\r\nm66\r\n$2\r\n-3\r\n$4\r\nm128\r\n$5\r\n-2.75\r\n$4\r\nm227\r\n$5\r\n-2.75\r\n$4\r\nm144\r\n$4\r\n-2.5\r\n$4\r\nm176\r\n$4\r\n-2.5\r\n$4\r\nm208\r\n$4\r\n-2.5\r\n$4\r\nm212\r\n$4\r\n-2.5\r\n$4\r\nm262\r\n$4\r\n-2.5\r\n$4\r\nm233\r\n$5\r\n-2.25\r\n$4\r\nm242\r\n$5\r\n-2.25\r\n$3\r\nm86\r\n$5\r\n-2.25\r\n$4\r\nm122\r\n$2\r\n-2\r\n$4\r\nm186\r\n$2\r\n-2\r\n$4\r\nm243\r\n$2\r\n-2\r\n$4\r\nm143\r\n$5\r\n-1.75\r\n$4\r\nm171\r\n$5\r\n-1.75\r\n$4\r\nm249\r\n$5\r\n-1.75\r\n$4\r\nm266\r\n$5\r\n-1.75\r\n$3\r\nm77\r\n$5\r\n-1.75\r\n$4\r\nm104\r\n$4\r\n-1.5\r\n$4\r\nm270\r\n$4\r\n-1.5\r\n$4\r\nm278\r\n$4\r\n-1.5\r\n$3\r\nm71\r\n$4\r\n-1.5\r\n$4\r\nm188\r\n$5\r\n-1.25\r\n$4\r\nm190\r\n$5\r\n-1.25\r\n$4\r\nm145\r\n$2\r\n-1\r\n$4\r\nm210\r\n$2\r\n-1\r\n$3\r\nm55\r\n$2\r\n-1\r\n$4\r\nm201\r\n$5\r\n-0.75\r\n$4\r\nm214\r\n$5\r\n-0.75\r\n$2\r\nm4\r\n$5\r\n-0.75\r\n$4\r\nm119\r\n$4\r\n-0.5\r\n$4\r\nm147\r\n$4\r\n-0.5\r\n$4\r\nm148\r\n$4\r\n-0.5\r\n$4\r\nm178\r\n$4\r\n-0.5\r\n$4\r\nm219\r\n$4\r\n-0.5\r\n$4\r\nm151\r\n$5\r\n-0.25\r\n$3\r\nm29\r\n$5\r\n-0.25\r\n$3\r\nm46\r\n$5\r\n-0.25\r\n$3\r\nm69\r\n$5\r\n-0.25\r\n$3\r\nm22\r\n$1\r\n0\r\n$3\r\nm50\r\n$1\r\n0\r\n$4\r\nm106\r\n$3\r\n0.5\r\n$4\r\nm136\r\n$3\r\n0.5\r\n$4\r\nm284\r\n$3\r\n0.5\r\n$4\r\nm286\r\n$3\r\n0.5\r\n$3\r\nm74\r\n$3\r\n0.5\r\n$4\r\nm112\r\n$4\r\n0.75\r\n$4\r\nm174\r\n$4\r\n0.75\r\n$4\r\nm273\r\n$4\r\n0.75\r\n$4\r\nm280\r\n$4\r\n0.75\r\n$4\r\nm282\r\n$4\r\n0.75\r\n$3\r\nm67\r\n$4\r\n0.75\r\n$4\r\nm110\r\n$1\r\n1\r\n$3\r\nm49\r\n$1\r\n1\r\n$4\r\nm160\r\n$4\r\n1.25\r\n$4\r\nm166\r\n$4\r\n1.25\r\n$4\r\nm236\r\n$4\r\n1.25\r\n$4\r\nm293\r\n$4\r\n1.25\r\n$3\r\nm63\r\n$4\r\n1.25\r\n$4\r\nm246\r\n$3\r\n1.5\r\n$3\r\nm53\r\n$3\r\n1.5\r\n$4\r\nm254\r\n$4\r\n1.75\r\n$4\r\nm149\r\n$1\r\n2\r\n$4\r\nm204\r\n$1\r\n2\r\n$4\r\nm299\r\n$1\r\n2\r\n$4\r\nm187\r\n$4\r\n2.25\r\n$4\r\nm277\r\n$4\r\n2.25\r\n$3\r\nm12\r\n$3\r\n2.5\r\n$3\r\nm18\r\n$3\r\n2.5\r\n$3\r\nm21\r\n$3\r\n2.5\r\n$3\r\nm43\r\n$3\r\n2.5\r\n$2\r\nm6\r\n$3\r\n2.5\r\n$4\r\nm100\r\n$4\r\n2.75\r\n$4\r\nm102\r\n$4\r\n2.75\r\n$4\r\nm290\r\n$4\r\n2.75\r\n$4\r\nm195\r\n$1\r\n3\r\n$3\r\nm59\r\n$4\r\n3.25\r\n$4\r\nm125\r\n$3\r\n3.5\r\n$4\r\nm158\r\n$3\r\n3.5\r\n$4\r\nm228\r\n$3\r\n3.5\r\n$3\r\nm68\r\n$3\r\n3.5\r\n$4\r\nm292\r\n$4\r\n3.75\r\n$4\r\nm150\r\n$1\r\n4\r\n$4\r\nm168\r\n$1\r\n4\r\n$4\r\nm275\r\n$1\r\n4\r\n$3\r\nm28\r\n$1\r\n4\r\n$4\r\nm260\r\n$4\r\n4.25\r\n$4\r\nm133\r\n$3\r\n4.5\r\n$3\r\nm72\r\n$3\r\n4.5\r\n$3\r\nm19\r\n$4\r\n4.75\r\n$2\r\nm2\r\n$4\r\n4.75\r\n$3\r\nm87\r\n$4\r\n4.75\r\n$4\r\nm123\r\n$1\r\n5\r\n$3\r\nm14\r\n$1\r\n5\r\n$4\r\nm170\r\n$1\r\n5\r\n$3\r\nm20\r\n$1\r\n5\r\n$4\r\nm155\r\n$4\r\n5.25\r\n$4\r\nm294\r\n$4\r\n5.25\r\n$4\r\nm223\r\n$3\r\n5.5\r\n$4\r\nm253\r\n$3\r\n5.5\r\n$4\r\nm283\r\n$3\r\n5.5\r\n$3\r\nm89\r\n$3\r\n5.5\r\n$4\r\nm263\r\n$4\r\n5.75\r\n$3\r\nm52\r\n$4\r\n5.75\r\n$3\r\nm70\r\n$4\r\n5.75\r\n$3\r\nm88\r\n$4\r\n5.75\r\n$3\r\nm95\r\n$4\r\n5.75\r\n$4\r\nm175\r\n$1\r\n6\r\n$3\r\nm73\r\n$1\r\n6\r\n$3\r\nm75\r\n$1\r\n6\r\n$2\r\nm8\r\n$1\r\n6\r\n$2\r\nm1\r\n$4\r\n6.25\r\n$4\r\nm121\r\n$4\r\n6.25\r\n$4\r\nm180\r\n$4\r\n6.25\r\n$4\r\nm197\r\n$4\r\n6.25\r\n$4\r\nm206\r\n$4\r\n6.25\r\n$4\r\nm271\r\n$4\r\n6.25\r\n$3\r\nm37\r\n$4\r\n6.25\r\n$4\r\nm132\r\n$3\r\n6.5\r\n$4\r\nm153\r\n$3\r\n6.5\r\n$4\r\nm207\r\n$3\r\n6.5\r\n$4\r\nm215\r\n$3\r\n6.5\r\n$4\r\nm241\r\n$3\r\n6.5\r\n$3\r\nm44\r\n$3\r\n6.5\r\n$3\r\nm10\r\n$4\r\n6.75\r\n$4\r\nm115\r\n$4\r\n6.75\r\n$4\r\nm191\r\n$4\r\n6.75\r\n$2\r\nm5\r\n$4\r\n6.75\r\n$3\r\nm81\r\n$4\r\n6.75\r\n$4\r\nm116\r\n$1\r\n7\r\n$4\r\nm138\r\n$1\r\n7\r\n$4\r\nm179\r\n$1\r\n7\r\n$4\r\nm157\r\n$4\r\n7.25\r\n$4\r\nm269\r\n$4\r\n7.25\r\n$4\r\nm291\r\n$4\r\n7.25\r\n$4\r\nm181\r\n$3\r\n7.5\r\n$4\r\nm185\r\n$3\r\n7.5\r\n$4\r\nm203\r\n$3\r\n7.5\r\n$3\r\nm65\r\n$3\r\n7.5\r\n$2\r\nm7\r\n$3\r\n7.5\r\n$4\r\nm101\r\n$4\r\n7.75\r\n$4\r\nm161\r\n$4\r\n7.75\r\n$4\r\nm184\r\n$4\r\n7.75\r\n$3\r\nm23\r\n$4\r\n7.75\r\n$3\r\nm26\r\n$4\r\n7.75\r\n$4\r\nm279\r\n$4\r\n7.75\r\n$3\r\nm94\r\n$4\r\n7.75\r\n$4\r\nm152\r\n$1\r\n8\r\n$4\r\nm267\r\n$1\r\n8\r\n$4\r\nm230\r\n$4\r\n8.25\r\n$4\r\nm237\r\n$4\r\n8.25\r\n$4\r\nm251\r\n$4\r\n8.25\r\n$3\r\nm92\r\n$4\r\n8.25\r\n$3\r\nm32\r\n$4\r\n8.75\r\n$3\r\nm82\r\n$4\r\n8.75\r\n$4\r\nm189\r\n$1\r\n9\r\n$4\r\nm199\r\n$1\r\n9\r\n$4\r\nm235\r\n$1\r\n9\r\n$4\r\nm244\r\n$1\r\n9\r\n$3\r\nm62\r\n$1\r\n9\r\n$4\r\nm154\r\n$4\r\n9.25\r\n$4\r\nm224\r\n$4\r\n9.25\r\n$3\r\nm78\r\n$4\r\n9.25\r\n$4\r\nm141\r\n$3\r\n9.5\r\n$4\r\nm238\r\n$4\r\n9.75\r\n$3\r\nm83\r\n$4\r\n9.75\r\n$3\r\nm85\r\n$4\r\n9.75\r\n$4\r\nm192\r\n$2\r\n10\r\n$4\r\nm120\r\n$5\r\n10.25\r\n$4\r\nm163\r\n$5\r\n10.25\r\n$3\r\nm17\r\n$5\r\n10.25\r\n$4\r\nm295\r\n$5\r\n10.25\r\n$3\r\nm47\r\n$5\r\n10.25\r\n$3\r\nm91\r\n$5\r\n10.25\r\n$4\r\nm162\r\n$4\r\n10.5\r\n$3\r\nm45\r\n$4\r\n10.5\r\n$3\r\nm51\r\n$5\r\n10.75\r\n$4\r\nm194\r\n$2\r\n11\r\n$4\r\nm225\r\n$2\r\n11\r\n$4\r\nm250\r\n$2\r\n11\r\n$3\r\nm30\r\n$2\r\n11\r\n$4\r\nm298\r\n$5\r\n11.25\r\n$4\r\nm117\r\n$5\r\n11.75\r\n$4\r\nm213\r\n$5\r\n11.75\r\n$3\r\nm36\r\n$5\r\n11.75\r\n$4\r\nm111\r\n$2\r\n12\r\n$4\r\nm221\r\n$2\r\n12\r\n$3\r\nm33\r\n$5\r\n12.25\r\n$3\r\nm40\r\n$5\r\n12.25\r\n$3\r\nm64\r\n$5\r\n12.25\r\n$4\r\nm173\r\n$4\r\n12.5\r\n$4\r\nm218\r\n$4\r\n12.5\r\n$4\r\nm257\r\n$4\r\n12.5\r\n$3\r\nm48\r\n$4\r\n12.5\r\n", "*300\r\n*2\r\n$4\r\nm129\r\n,-12.5\r\n*2\r\n$4\r\nm289\r\n,-12.5\r\n*2\r\n$3\r\nm11\r\n,-12.25\r\n*2\r\n$4\r\nm172\r\n,-12.25\r\n*2\r\n$3\r\nm31\r\n,-12.25\r\n*2\r\n$4\r\nm108\r\n,-12\r\n*2\r\n$4\r\nm177\r\n,-12\r\n*2\r\n$4\r\nm196\r\n,-12\r\n*2\r\n$4\r\nm200\r\n,-12\r\n*2\r\n$4\r\nm222\r\n,-11.75\r\n*2\r\n$3\r\nm41\r\n,-11.75\r\n*2\r\n$3\r\nm79\r\n,-11.75\r\n*2\r\n$4\r\nm127\r\n,-11.5\r\n*2\r\n$4\r\nm134\r\n,-11.5\r\n*2\r\n$4\r\nm259\r\n,-11.5\r\n*2\r\n$4\r\nm285\r\n,-11.5\r\n*2\r\n$4\r\nm297\r\n,-11.5\r\n*2\r\n$3\r\nm57\r\n,-11.5\r\n*2\r\n$4\r\nm114\r\n,-11.25\r\n*2\r\n$4\r\nm118\r\n,-11.25\r\n*2\r\n$4\r\nm142\r\n,-11.25\r\n*2\r\n$3\r\nm38\r\n,-11.25\r\n*2\r\n$4\r\nm183\r\n,-10.75\r\n*2\r\n$4\r\nm198\r\n,-10.75\r\n*2\r\n$4\r\nm105\r\n,-10.5\r\n*2\r\n$3\r\nm34\r\n,-10.5\r\n*2\r\n$2\r\nm9\r\n,-10.5\r\n*2\r\n$3\r\nm99\r\n,-10.5\r\n*2\r\n$4\r\nm130\r\n,-10.25\r\n*2\r\n$4\r\nm248\r\n,-10\r\n*2\r\n$4\r\nm268\r\n,-10\r\n*2\r\n$4\r\nm103\r\n,-9.75\r\n*2\r\n$4\r\nm239\r\n,-9.5\r\n*2\r\n$3\r\nm56\r\n,-9.5\r\n*2\r\n$4\r\nm131\r\n,-9.25\r\n*2\r\n$4\r\nm156\r\n,-9.25\r\n*2\r\n$4\r\nm220\r\n,-9.25\r\n*2\r\n$4\r\nm240\r\n,-9.25\r\n*2\r\n$3\r\nm90\r\n,-9.25\r\n*2\r\n$4\r\nm113\r\n,-8.75\r\n*2\r\n$4\r\nm258\r\n,-8.75\r\n*2\r\n$3\r\nm98\r\n,-8.75\r\n*2\r\n$4\r\nm226\r\n,-8.5\r\n*2\r\n$4\r\nm272\r\n,-8.5\r\n*2\r\n$2\r\nm3\r\n,-8.5\r\n*2\r\n$4\r\nm146\r\n,-8.25\r\n*2\r\n$4\r\nm182\r\n,-8.25\r\n*2\r\n$3\r\nm54\r\n,-8.25\r\n*2\r\n$3\r\nm58\r\n,-8.25\r\n*2\r\n$4\r\nm107\r\n,-7.75\r\n*2\r\n$4\r\nm140\r\n,-7.75\r\n*2\r\n$3\r\nm24\r\n,-7.75\r\n*2\r\n$3\r\nm27\r\n,-7.75\r\n*2\r\n$4\r\nm287\r\n,-7.75\r\n*2\r\n$3\r\nm35\r\n,-7.5\r\n*2\r\n$3\r\nm84\r\n,-7.5\r\n*2\r\n$4\r\nm247\r\n,-7.25\r\n*2\r\n$4\r\nm209\r\n,-7\r\n*2\r\n$4\r\nm211\r\n,-6.75\r\n*2\r\n$4\r\nm234\r\n,-6.75\r\n*2\r\n$4\r\nm264\r\n,-6.75\r\n*2\r\n$3\r\nm16\r\n,-6.5\r\n*2\r\n$4\r\nm261\r\n,-6.5\r\n*2\r\n$4\r\nm135\r\n,-6.25\r\n*2\r\n$4\r\nm288\r\n,-6.25\r\n*2\r\n$4\r\nm252\r\n,-5.75\r\n*2\r\n$3\r\nm60\r\n,-5.75\r\n*2\r\n$3\r\nm93\r\n,-5.75\r\n*2\r\n$4\r\nm229\r\n,-5.5\r\n*2\r\n$4\r\nm245\r\n,-5.5\r\n*2\r\n$4\r\nm256\r\n,-5.5\r\n*2\r\n$4\r\nm296\r\n,-5.5\r\n*2\r\n$3\r\nm15\r\n,-5.25\r\n*2\r\n$3\r\nm25\r\n,-5.25\r\n*2\r\n$3\r\nm76\r\n,-5.25\r\n*2\r\n$2\r\nm0\r\n,-5\r\n*2\r\n$4\r\nm126\r\n,-5\r\n*2\r\n$4\r\nm164\r\n,-5\r\n*2\r\n$4\r\nm232\r\n,-5\r\n*2\r\n$4\r\nm202\r\n,-4.5\r\n*2\r\n$3\r\nm13\r\n,-4.25\r\n*2\r\n$4\r\nm139\r\n,-4.25\r\n*2\r\n$4\r\nm167\r\n,-4.25\r\n*2\r\n$4\r\nm216\r\n,-4.25\r\n*2\r\n$3\r\nm61\r\n,-4.25\r\n*2\r\n$4\r\nm159\r\n,-4\r\n*2\r\n$4\r\nm231\r\n,-4\r\n*2\r\n$4\r\nm255\r\n,-4\r\n*2\r\n$4\r\nm276\r\n,-4\r\n*2\r\n$3\r\nm42\r\n,-4\r\n*2\r\n$3\r\nm96\r\n,-4\r\n*2\r\n$4\r\nm124\r\n,-3.75\r\n*2\r\n$4\r\nm193\r\n,-3.75\r\n*2\r\n$4\r\nm265\r\n,-3.75\r\n*2\r\n$3\r\nm80\r\n,-3.75\r\n*2\r\n$3\r\nm97\r\n,-3.5\r\n*2\r\n$4\r\nm109\r\n,-3.25\r\n*2\r\n$4\r\nm137\r\n,-3.25\r\n*2\r\n$4\r\nm274\r\n,-3.25\r\n*2\r\n$4\r\nm281\r\n,-3.25\r\n*2\r\n$4\r\nm165\r\n,-3\r\n*2\r\n$4\r\nm169\r\n,-3\r\n*2\r\n$4\r\nm205\r\n,-3\r\n*2\r\n$4\r\nm217\r\n,-3\r\n*2\r\n$3\r\nm39\r\n,-3\r\n*2\r\n$3\r\nm66\r\n,-3\r\n*2\r\n$4\r\nm128\r\n,-2.75\r\n*2\r\n$4\r\nm227\r\n,-2.75\r\n*2\r\n$4\r\nm144\r\n,-2.5\r\n*2\r\n$4\r\nm176\r\n,-2.5\r\n*2\r\n$4\r\nm208\r\n,-2.5\r\n*2\r\n$4\r\nm212\r\n,-2.5\r\n*2\r\n$4\r\nm262\r\n,-2.5\r\n*2\r\n$4\r\nm233\r\n,-2.25\r\n*2\r\n$4\r\nm242\r\n,-2.25\r\n*2\r\n$3\r\nm86\r\n,-2.25\r\n*2\r\n$4\r\nm122\r\n,-2\r\n*2\r\n$4\r\nm186\r\n,-2\r\n*2\r\n$4\r\nm243\r\n,-2\r\n*2\r\n$4\r\nm143\r\n,-1.75\r\n*2\r\n$4\r\nm171\r\n,-1.75\r\n*2\r\n$4\r\nm249\r\n,-1.75\r\n*2\r\n$4\r\nm266\r\n,-1.75\r\n*2\r\n$3\r\nm77\r\n,-1.75\r\n*2\r\n$4\r\nm104\r\n,-1.5\r\n*2\r\n$4\r\nm270\r\n,-1.5\r\n*2\r\n$4\r\nm278\r\n,-1.5\r\n*2\r\n$3\r\nm71\r\n,-1.5\r\n*2\r\n$4\r\nm188\r\n,-1.25\r\n*2\r\n$4\r\nm190\r\n,-1.25\r\n*2\r\n$4\r\nm145\r\n,-1\r\n*2\r\n$4\r\nm210\r\n,-1\r\n*2\r\n$3\r\nm55\r\n,-1\r\n*2\r\n$4\r\nm201\r\n,-0.75\r\n*2\r\n$4\r\nm214\r\n,-0.75\r\n*2\r\n$2\r\nm4\r\n,-0.75\r\n*2\r\n$4\r\nm119\r\n,-0.5\r\n*2\r\n$4\r\nm147\r\n,-0.5\r\n*2\r\n$4\r\nm148\r\n,-0.5\r\n*2\r\n$4\r\nm178\r\n,-0.5\r\n*2\r\n$4\r\nm219\r\n,-0.5\r\n*2\r\n$4\r\nm151\r\n,-0.25\r\n*2\r\n$3\r\nm29\r\n,-0.25\r\n*2\r\n$3\r\nm46\r\n,-0.25\r\n*2\r\n$3\r\nm69\r\n,-0.25\r\n*2\r\n$3\r\nm22\r\n,0\r\n*2\r\n$3\r\nm50\r\n,0\r\n*2\r\n$4\r\nm106\r\n,0.5\r\n*2\r\n$4\r\nm136\r\n,0.5\r\n*2\r\n$4\r\nm284\r\n,0.5\r\n*2\r\n$4\r\nm286\r\n,0.5\r\n*2\r\n$3\r\nm74\r\n,0.5\r\n*2\r\n$4\r\nm112\r\n,0.75\r\n*2\r\n$4\r\nm174\r\n,0.75\r\n*2\r\n$4\r\nm273\r\n,0.75\r\n*2\r\n$4\r\nm280\r\n,0.75\r\n*2\r\n$4\r\nm282\r\n,0.75\r\n*2\r\n$3\r\nm67\r\n,0.75\r\n*2\r\n$4\r\nm110\r\n,1\r\n*2\r\n$3\r\nm49\r\n,1\r\n*2\r\n$4\r\nm160\r\n,1.25\r\n*2\r\n$4\r\nm166\r\n,1.25\r\n*2\r\n$4\r\nm236\r\n,1.25\r\n*2\r\n$4\r\nm293\r\n,1.25\r\n*2\r\n$3\r\nm63\r\n,1.25\r\n*2\r\n$4\r\nm246\r\n,1.5\r\n*2\r\n$3\r\nm53\r\n,1.5\r\n*2\r\n$4\r\nm254\r\n,1.75\r\n*2\r\n$4\r\nm149\r\n,2\r\n*2\r\n$4\r\nm204\r\n,2\r\n*2\r\n$4\r\nm299\r\n,2\r\n*2\r\n$4\r\nm187\r\n,2.25\r\n*2\r\n$4\r\nm277\r\n,2.25\r\n*2\r\n$3\r\nm12\r\n,2.5\r\n*2\r\n$3\r\nm18\r\n,2.5\r\n*2\r\n$3\r\nm21\r\n,2.5\r\n*2\r\n$3\r\nm43\r\n,2.5\r\n*2\r\n$2\r\nm6\r\n,2.5\r\n*2\r\n$4\r\nm100\r\n,2.75\r\n*2\r\n$4\r\nm102\r\n,2.75\r\n*2\r\n$4\r\nm290\r\n,2.75\r\n*2\r\n$4\r\nm195\r\n,3\r\n*2\r\n$3\r\nm59\r\n,3.25\r\n*2\r\n$4\r\nm125\r\n,3.5\r\n*2\r\n$4\r\nm158\r\n,3.5\r\n*2\r\n$4\r\nm228\r\n,3.5\r\n*2\r\n$3\r\nm68\r\n,3.5\r\n*2\r\n$4\r\nm292\r\n,3.75\r\n*2\r\n$4\r\nm150\r\n,4\r\n*2\r\n$4\r\nm168\r\n,4\r\n*2\r\n$4\r\nm275\r\n,4\r\n*2\r\n$3\r\nm28\r\n,4\r\n*2\r\n$4\r\nm260\r\n,4.25\r\n*2\r\n$4\r\nm133\r\n,4.5\r\n*2\r\n$3\r\nm72\r\n,4.5\r\n*2\r\n$3\r\nm19\r\n,4.75\r\n*2\r\n$2\r\nm2\r\n,4.75\r\n*2\r\n$3\r\nm87\r\n,4.75\r\n*2\r\n$4\r\nm123\r\n,5\r\n*2\r\n$3\r\nm14\r\n,5\r\n*2\r\n$4\r\nm170\r\n,5\r\n*2\r\n$3\r\nm20\r\n,5\r\n*2\r\n$4\r\nm155\r\n,5.25\r\n*2\r\n$4\r\nm294\r\n,5.25\r\n*2\r\n$4\r\nm223\r\n,5.5\r\n*2\r\n$4\r\nm253\r\n,5.5\r\n*2\r\n$4\r\nm283\r\n,5.5\r\n*2\r\n$3\r\nm89\r\n,5.5\r\n*2\r\n$4\r\nm263\r\n,5.75\r\n*2\r\n$3\r\nm52\r\n,5.75\r\n*2\r\n$3\r\nm70\r\n,5.75\r\n*2\r\n$3\r\nm88\r\n,5.75\r\n*2\r\n$3\r\nm95\r\n,5.75\r\n*2\r\n$4\r\nm175\r\n,6\r\n*2\r\n$3\r\nm73\r\n,6\r\n*2\r\n$3\r\nm75\r\n,6\r\n*2\r\n$2\r\nm8\r\n,6\r\n*2\r\n$2\r\nm1\r\n,6.25\r\n*2\r\n$4\r\nm121\r\n,6.25\r\n*2\r\n$4\r\nm180\r\n,6.25\r\n*2\r\n$4\r\nm197\r\n,6.25\r\n*2\r\n$4\r\nm206\r\n,6.25\r\n*2\r\n$4\r\nm271\r\n,6.25\r\n*2\r\n$3\r\nm37\r\n,6.25\r\n*2\r\n$4\r\nm132\r\n,6.5\r\n*2\r\n$4\r\nm153\r\n,6.5\r\n*2\r\n$4\r\nm207\r\n,6.5\r\n*2\r\n$4\r\nm215\r\n,6.5\r\n*2\r\n$4\r\nm241\r\n,6.5\r\n*2\r\n$3\r\nm44\r\n,6.5\r\n*2\r\n$3\r\nm10\r\n,6.75\r\n*2\r\n$4\r\nm115\r\n,6.75\r\n*2\r\n$4\r\nm191\r\n,6.75\r\n*2\r\n$2\r\nm5\r\n,6.75\r\n*2\r\n$3\r\nm81\r\n,6.75\r\n*2\r\n$4\r\nm116\r\n,7\r\n*2\r\n$4\r\nm138\r\n,7\r\n*2\r\n$4\r\nm179\r\n,7\r\n*2\r\n$4\r\nm157\r\n,7.25\r\n*2\r\n$4\r\nm269\r\n,7.25\r\n*2\r\n$4\r\nm291\r\n,7.25\r\n*2\r\n$4\r\nm181\r\n,7.5\r\n*2\r\n$4\r\nm185\r\n,7.5\r\n*2\r\n$4\r\nm203\r\n,7.5\r\n*2\r\n$3\r\nm65\r\n,7.5\r\n*2\r\n$2\r\nm7\r\n,7.5\r\n*2\r\n$4\r\nm101\r\n,7.75\r\n*2\r\n$4\r\nm161\r\n,7.75\r\n*2\r\n$4\r\nm184\r\n,7.75\r\n*2\r\n$3\r\nm23\r\n,7.75\r\n*2\r\n$3\r\nm26\r\n,7.75\r\n*2\r\n$4\r\nm279\r\n,7.75\r\n*2\r\n$3\r\nm94\r\n,7.75\r\n*2\r\n$4\r\nm152\r\n,8\r\n*2\r\n$4\r\nm267\r\n,8\r\n*2\r\n$4\r\nm230\r\n,8.25\r\n*2\r\n$4\r\nm237\r\n,8.25\r\n*2\r\n$4\r\nm251\r\n,8.25\r\n*2\r\n$3\r\nm92\r\n,8.25\r\n*2\r\n$3\r\nm32\r\n,8.75\r\n*2\r\n$3\r\nm82\r\n,8.75\r\n*2\r\n$4\r\nm189\r\n,9\r\n*2\r\n$4\r\nm199\r\n,9\r\n*2\r\n$4\r\nm235\r\n,9\r\n*2\r\n$4\r\nm244\r\n,9\r\n*2\r\n$3\r\nm62\r\n,9\r\n*2\r\n$4\r\nm154\r\n,9.25\r\n*2\r\n$4\r\nm224\r\n,9.25\r\n*2\r\n$3\r\nm78\r\n,9.25\r\n*2\r\n$4\r\nm141\r\n,9.5\r\n*2\r\n$4\r\nm238\r\n,9.75\r\n*2\r\n$3\r\nm83\r\n,9.75\r\n*2\r\n$3\r\nm85\r\n,9.75\r\n*2\r\n$4\r\nm192\r\n,10\r\n*2\r\n$4\r\nm120\r\n,10.25\r\n*2\r\n$4\r\nm163\r\n,10.25\r\n*2\r\n$3\r\nm17\r\n,10.25\r\n*2\r\n$4\r\nm295\r\n,10.25\r\n*2\r\n$3\r\nm47\r\n,10.25\r\n*2\r\n$3\r\nm91\r\n,10.25\r\n*2\r\n$4\r\nm162\r\n,10.5\r\n*2\r\n$3\r\nm45\r\n,10.5\r\n*2\r\n$3\r\nm51\r\n,10.75\r\n*2\r\n$4\r\nm194\r\n,11\r\n*2\r\n$4\r\nm225\r\n,11\r\n*2\r\n$4\r\nm250\r\n,11\r\n*2\r\n$3\r\nm30\r\n,11\r\n*2\r\n$4\r\nm298\r\n,11.25\r\n*2\r\n$4\r\nm117\r\n,11.75\r\n*2\r\n$4\r\nm213\r\n,11.75\r\n*2\r\n$3\r\nm36\r\n,11.75\r\n*2\r\n$4\r\nm111\r\n,12\r\n*2\r\n$4\r\nm221\r\n,12\r\n*2\r\n$3\r\nm33\r\n,12.25\r\n*2\r\n$3\r\nm40\r\n,12.25\r\n*2\r\n$3\r\nm64\r\n,12.25\r\n*2\r\n$4\r\nm173\r\n,12.5\r\n*2\r\n$4\r\nm218\r\n,12.5\r\n*2\r\n$4\r\nm257\r\n,12.5\r\n*2\r\n$3\r\nm48\r\n,12.5\r\n"),
    ("ZRANGE big 10 20", "*11\r\n$3\r\nm41\r\n$3\r\nm79\r\n$4\r\nm127\r\n$4\r\nm134\r\n$4\r\nm259\r\n$4\r\nm285\r\n$4\r\nm297\r\n$3\r\nm57\r\n$4\r\nm114\r\n$4\r\nm118\r\n$4\r\nm142\r\n", SAME),
    ("ZRANGE big -30 -20 REV WITHSCORES", "*22\r\n$4\r\nm248\r\n$3\r\n-10\r\n$4\r\nm130\r\n$6\r\n-10.25\r\n$3\r\nm99\r\n$5\r\n-10.5\r\n$2\r\nm9\r\n$5\r\n-10.5\r\n$3\r\nm34\r\n$5\r\n-10.5\r\n$4\r\nm105\r\n$5\r\n-10.5\r\n$4\r\nm198\r\n$6\r\n-10.75\r\n$4\r\nm183\r\n$6\r\n-10.75\r\n$3\r\nm38\r\n$6\r\n-11.25\r\n$4\r\nm142\r\n$6\r\n-11.25\r\n$4\r\nm118\r\n$6\r\n-11.25\r\n", "*11\r\n*2\r\n$4\r\nm248\r\n,-10\r\n*2\r\n$4\r\nm130\r\n,-10.25\r\n*2\r\n$3\r\nm99\r\n,-10.5\r\n*2\r\n$2\r\nm9\r\n,-10.5\r\n*2\r\n$3\r\nm34\r\n,-10.5\r\n*2\r\n$4\r\nm105\r\n,-10.5\r\n*2\r\n$4\r\nm198\r\n,-10.75\r\n*2\r\n$4\r\nm183\r\n,-10.75\r\n*2\r\n$3\r\nm38\r\n,-11.25\r\n*2\r\n$4\r\nm142\r\n,-11.25\r\n*2\r\n$4\r\nm118\r\n,-11.25\r\n"),
    ("ZRANGEBYSCORE big (-3 5 WITHSCORES LIMIT 3 20", "*40\r\n$4\r\nm176\r\n$4\r\n-2.5\r\n$4\r\nm208\r\n$4\r\n-2.5\r\n$4\r\nm212\r\n$4\r\n-2.5\r\n$4\r\nm262\r\n$4\r\n-2.5\r\n$4\r\nm233\r\n$5\r\n-2.25\r\n$4\r\nm242\r\n$5\r\n-2.25\r\n$3\r\nm86\r\n$5\r\n-2.25\r\n$4\r\nm122\r\n$2\r\n-2\r\n$4\r\nm186\r\n$2\r\n-2\r\n$4\r\nm243\r\n$2\r\n-2\r\n$4\r\nm143\r\n$5\r\n-1.75\r\n$4\r\nm171\r\n$5\r\n-1.75\r\n$4\r\nm249\r\n$5\r\n-1.75\r\n$4\r\nm266\r\n$5\r\n-1.75\r\n$3\r\nm77\r\n$5\r\n-1.75\r\n$4\r\nm104\r\n$4\r\n-1.5\r\n$4\r\nm270\r\n$4\r\n-1.5\r\n$4\r\nm278\r\n$4\r\n-1.5\r\n$3\r\nm71\r\n$4\r\n-1.5\r\n$4\r\nm188\r\n$5\r\n-1.25\r\n", "*20\r\n*2\r\n$4\r\nm176\r\n,-2.5\r\n*2\r\n$4\r\nm208\r\n,-2.5\r\n*2\r\n$4\r\nm212\r\n,-2.5\r\n*2\r\n$4\r\nm262\r\n,-2.5\r\n*2\r\n$4\r\nm233\r\n,-2.25\r\n*2\r\n$4\r\nm242\r\n,-2.25\r\n*2\r\n$3\r\nm86\r\n,-2.25\r\n*2\r\n$4\r\nm122\r\n,-2\r\n*2\r\n$4\r\nm186\r\n,-2\r\n*2\r\n$4\r\nm243\r\n,-2\r\n*2\r\n$4\r\nm143\r\n,-1.75\r\n*2\r\n$4\r\nm171\r\n,-1.75\r\n*2\r\n$4\r\nm249\r\n,-1.75\r\n*2\r\n$4\r\nm266\r\n,-1.75\r\n*2\r\n$3\r\nm77\r\n,-1.75\r\n*2\r\n$4\r\nm104\r\n,-1.5\r\n*2\r\n$4\r\nm270\r\n,-1.5\r\n*2\r\n$4\r\nm278\r\n,-1.5\r\n*2\r\n$3\r\nm71\r\n,-1.5\r\n*2\r\n$4\r\nm188\r\n,-1.25\r\n"),
    ("ZREVRANGEBYSCORE big 5 (-3 LIMIT 3 20", "*20\r\n$4\r\nm123\r\n$3\r\nm87\r\n$2\r\nm2\r\n$3\r\nm19\r\n$3\r\nm72\r\n$4\r\nm133\r\n$4\r\nm260\r\n$3\r\nm28\r\n$4\r\nm275\r\n$4\r\nm168\r\n$4\r\nm150\r\n$4\r\nm292\r\n$3\r\nm68\r\n$4\r\nm228\r\n$4\r\nm158\r\n$4\r\nm125\r\n$3\r\nm59\r\n$4\r\nm195\r\n$4\r\nm290\r\n$4\r\nm102\r\n", SAME),
    ("ZCOUNT big -2 2", ":55\r\n", SAME),
    ("ZCOUNT big (-2 (2", ":49\r\n", SAME),
    ("ZRANK big m5", ":233\r\n", SAME),
    ("ZREVRANK big m5 WITHSCORE", "*2\r\n:66\r\n$4\r\n6.75\r\n", "*2\r\n:66\r\n,6.75\r\n"),
    ("ZRANK big m77", ":123\r\n", SAME),
    ("ZSCORE big m100", "$4\r\n2.75\r\n", ",2.75\r\n"),
    ("ZREMRANGEBYRANK big 0 9", ":10\r\n", SAME),
    ("ZREMRANGEBYSCORE big 10 12", ":20\r\n", SAME),
    ("ZCARD big", ":270\r\n", SAME),
    ("ZPOPMIN big 3", "*6\r\n$3\r\nm41\r\n$6\r\n-11.75\r\n$3\r\nm79\r\n$6\r\n-11.75\r\n$4\r\nm127\r\n$5\r\n-11.5\r\n", "*3\r\n*2\r\n$3\r\nm41\r\n,-11.75\r\n*2\r\n$3\r\nm79\r\n,-11.75\r\n*2\r\n$4\r\nm127\r\n,-11.5\r\n"),
    ("ZPOPMAX big 3", "*6\r\n$3\r\nm48\r\n$4\r\n12.5\r\n$4\r\nm257\r\n$4\r\n12.5\r\n$4\r\nm218\r\n$4\r\n12.5\r\n", "*3\r\n*2\r\n$3\r\nm48\r\n,12.5\r\n*2\r\n$4\r\nm257\r\n,12.5\r\n*2\r\n$4\r\nm218\r\n,12.5\r\n"),
    ("ZMPOP 1 big MAX COUNT 2", "*2\r\n$3\r\nbig\r\n*2\r\n*2\r\n$4\r\nm173\r\n$4\r\n12.5\r\n*2\r\n$3\r\nm64\r\n$5\r\n12.25\r\n", "*2\r\n$3\r\nbig\r\n*2\r\n*2\r\n$4\r\nm173\r\n,12.5\r\n*2\r\n$3\r\nm64\r\n,12.25\r\n"),
    ("ZINCRBY big 100 m150", "$3\r\n104\r\n", ",104\r\n"),
    ("ZADD big GT CH 0 m150 200 m151", ":1\r\n", SAME),
    ("ZRANGESTORE dst big 0 99", ":100\r\n", SAME),
    ("OBJECT ENCODING dst", "$8\r\nlistpack\r\n", SAME),
    ("ZRANGESTORE dst big 0 200", ":201\r\n", SAME),
    ("OBJECT ENCODING dst", "$8\r\nskiplist\r\n", SAME),
    ("ZUNIONSTORE u 2 big dst WEIGHTS 1 2", ":262\r\n", SAME),
    ("OBJECT ENCODING u", "$8\r\nskiplist\r\n", SAME),
    ("ZRANGE u 0 -1 WITHSCORES", "*524\r\n$4\r\nm134\r\n$5\r\n-34.5\r\n$4\r\nm259\r\n$5\r\n-34.5\r\n$4\r\nm285\r\n$5\r\n-34.5\r\n$4\r\nm297\r\n$5\r\n-34.5\r\n$3\r\nm57\r\n$5\r\n-34.5\r\n$4\r\nm114\r\n$6\r\n-33.75\r\n$4\r\nm118\r\n$6\r\n-33.75\r\n$4\r\nm142\r\n$6\r\n-33.75\r\n$3\r\nm38\r\n$6\r\n-33.75\r\n$4\r\nm183\r\n$6\r\n-32.25\r\n$4\r\nm198\r\n$6\r\n-32.25\r\n$4\r\nm105\r\n$5\r\n-31.5\r\n$3\r\nm34\r\n$5\r\n-31.5\r\n$2\r\nm9\r\n$5\r\n-31.5\r\n$3\r\nm99\r\n$5\r\n-31.5\r\n$4\r\nm130\r\n$6\r\n-30.75\r\n$4\r\nm248\r\n$3\r\n-30\r\n$4\r\nm268\r\n$3\r\n-30\r\n$4\r\nm103\r\n$6\r\n-29.25\r\n$4\r\nm239\r\n$5\r\n-28.5\r\n$3\r\nm56\r\n$5\r\n-28.5\r\n$4\r\nm131\r\n$6\r\n-27.75\r\n$4\r\nm156\r\n$6\r\n-27.75\r\n$4\r\nm220\r\n$6\r\n-27.75\r\n$4\r\nm240\r\n$6\r\n-27.75\r\n$3\r\nm90\r\n$6\r\n-27.75\r\n$4\r\nm113\r\n$6\r\n-26.25\r\n$4\r\nm258\r\n$6\r\n-26.25\r\n$3\r\nm98\r\n$6\r\n-26.25\r\n$4\r\nm226\r\n$5\r\n-25.5\r\n$4\r\nm272\r\n$5\r\n-25.5\r\n$2\r\nm3\r\n$5\r\n-25.5\r\n$4\r\nm146\r\n$6\r\n-24.75\r\n$4\r\nm182\r\n$6\r\n-24.75\r\n$3\r\nm54\r\n$6\r\n-24.75\r\n$3\r\nm58\r\n$6\r\n-24.75\r\n$4\r\nm107\r\n$6\r\n-23.25\r\n$4\r\nm140\r\n$6\r\n-23.25\r\n$3\r\nm24\r\n$6\r\n-23.25\r\n$3\r\nm27\r\n$6\r\n-23.25\r\n$4\r\nm287\r\n$6\r\n-23.25\r\n$3\r\nm35\r\n$5\r\n-22.5\r\n$3\r\nm84\r\n$5\r\n-22.5\r\n$4\r\nm247\r\n$6\r\n-21.75\r\n$4\r\nm209\r\n$3\r\n-21\r\n$4\r\nm211\r\n$6\r\n-20.25\r\n$4\r\nm234\r\n$6\r\n-20.25\r\n$4\r\nm264\r\n$6\r\n-20.25\r\n$3\r\nm16\r\n$5\r\n-19.5\r\n$4\r\nm261\r\n$5\r\n-19.5\r\n$4\r\nm135\r\n$6\r\n-18.75\r\n$4\r\nm288\r\n$6\r\n-18.75\r\n$4\r\nm252\r\n$6\r\n-17.25\r\n$3\r\nm60\r\n$6\r\n-17.25\r\n$3\r\nm93\r\n$6\r\n-17.25\r\n$4\r\nm229\r\n$5\r\n-16.5\r\n$4\r\nm245\r\n$5\r\n-16.5\r\n$4\r\nm256\r\n$5\r\n-16.5\r\n$4\r\nm296\r\n$5\r\n-16.5\r\n$3\r\nm15\r\n$6\r\n-15.75\r\n$3\r\nm25\r\n$6\r\n-15.75\r\n$3\r\nm76\r\n$6\r\n-15.75\r\n$2\r\nm0\r\n$3\r\n-15\r\n$4\r\nm126\r\n$3\r\n-15\r\n$4\r\nm164\r\n$3\r\n-15\r\n$4\r\nm232\r\n$3\r\n-15\r\n$4\r\nm202\r\n$5\r\n-13.5\r\n$3\r\nm13\r\n$6\r\n-12.75\r\n$4\r\nm139\r\n$6\r\n-12.75\r\n$4\r\nm167\r\n$6\r\n-12.75\r\n$4\r\nm216\r\n$6\r\n-12.75\r\n$3\r\nm61\r\n$6\r\n-12.75\r\n$4\r\nm159\r\n$3\r\n-12\r\n$4\r\nm231\r\n$3\r\n-12\r\n$4\r\nm255\r\n$3\r\n-12\r\n$4\r\nm276\r\n$3\r\n-12\r\n$3\r\nm42\r\n$3\r\n-12\r\n$3\r\nm96\r\n$3\r\n-12\r\n$4\r\nm124\r\n$6\r\n-11.25\r\n$4\r\nm193\r\n$6\r\n-11.25\r\n$4\r\nm265\r\n$6\r\n-11.25\r\n$3\r\nm80\r\n$6\r\n-11.25\r\n$3\r\nm97\r\n$5\r\n-10.5\r\n$4\r\nm109\r\n$5\r\n-9.75\r\n$4\r\nm137\r\n$5\r\n-9.75\r\n$4\r\nm274\r\n$5\r\n-9.75\r\n$4\r\nm281\r\n$5\r\n-9.75\r\n$4\r\nm165\r\n$2\r\n-9\r\n$4\r\nm169\r\n$2\r\n-9\r\n$4\r\nm205\r\n$2\r\n-9\r\n$4\r\nm217\r\n$2\r\n-9\r\n$3\r\nm39\r\n$2\r\n-9\r\n$3\r\nm66\r\n$2\r\n-9\r\n$4\r\nm128\r\n$5\r\n-8.25\r\n$4\r\nm227\r\n$5\r\n-8.25\r\n$4\r\nm144\r\n$4\r\n-7.5\r\n$4\r\nm176\r\n$4\r\n-7.5\r\n$4\r\nm208\r\n$4\r\n-7.5\r\n$4\r\nm212\r\n$4\r\n-7.5\r\n$4\r\nm262\r\n$4\r\n-7.5\r\n$4\r\nm233\r\n$5\r\n-6.75\r\n$4\r\nm242\r\n$5\r\n-6.75\r\n$3\r\nm86\r\n$5\r\n-6.75\r\n$4\r\nm122\r\n$2\r\n-6\r\n$4\r\nm186\r\n$2\r\n-6\r\n$4\r\nm243\r\n$2\r\n-6\r\n$4\r\nm143\r\n$5\r\n-5.25\r\n$4\r\nm171\r\n$5\r\n-5.25\r\n$4\r\nm249\r\n$5\r\n-5.25\r\n$4\r\nm266\r\n$5\r\n-5.25\r\n$3\r\nm77\r\n$5\r\n-5.25\r\n$4\r\nm104\r\n$4\r\n-4.5\r\n$4\r\nm270\r\n$4\r\n-4.5\r\n$4\r\nm278\r\n$4\r\n-4.5\r\n$3\r\nm71\r\n$4\r\n-4.5\r\n$4\r\nm188\r\n$5\r\n-3.75\r\n$4\r\nm190\r\n$5\r\n-3.75\r\n$4\r\nm145\r\n$2\r\n-3\r\n$4\r\nm210\r\n$2\r\n-3\r\n$3\r\nm55\r\n$2\r\n-3\r\n$4\r\nm201\r\n$5\r\n-2.25\r\n$4\r\nm214\r\n$5\r\n-2.25\r\n$2\r\nm4\r\n$5\r\n-2.25\r\n$4\r\nm119\r\n$4\r\n-1.5\r\n$4\r\nm147\r\n$4\r\n-1.5\r\n$4\r\nm148\r\n$4\r\n-1.5\r\n$4\r\nm178\r\n$4\r\n-1.5\r\n$4\r\nm219\r\n$4\r\n-1.5\r\n$3\r\nm29\r\n$5\r\n-0.75\r\n$3\r\nm46\r\n$5\r\n-0.75\r\n$3\r\nm69\r\n$5\r\n-0.75\r\n$3\r\nm22\r\n$1\r\n0\r\n$3\r\nm50\r\n$1\r\n0\r\n$4\r\nm106\r\n$3\r\n1.5\r\n$4\r\nm136\r\n$3\r\n1.5\r\n$4\r\nm284\r\n$3\r\n1.5\r\n$4\r\nm286\r\n$3\r\n1.5\r\n$3\r\nm74\r\n$3\r\n1.5\r\n$4\r\nm112\r\n$4\r\n2.25\r\n$4\r\nm174\r\n$4\r\n2.25\r\n$4\r\nm273\r\n$4\r\n2.25\r\n$4\r\nm280\r\n$4\r\n2.25\r\n$4\r\nm282\r\n$4\r\n2.25\r\n$3\r\nm67\r\n$4\r\n2.25\r\n$4\r\nm110\r\n$1\r\n3\r\n$3\r\nm49\r\n$1\r\n3\r\n$4\r\nm160\r\n$4\r\n3.75\r\n$4\r\nm166\r\n$4\r\n3.75\r\n$4\r\nm236\r\n$4\r\n3.75\r\n$4\r\nm293\r\n$4\r\n3.75\r\n$3\r\nm63\r\n$4\r\n3.75\r\n$4\r\nm246\r\n$3\r\n4.5\r\n$3\r\nm53\r\n$3\r\n4.5\r\n$4\r\nm254\r\n$4\r\n5.25\r\n$4\r\nm149\r\n$1\r\n6\r\n$4\r\nm204\r\n$1\r\n6\r\n$4\r\nm299\r\n$1\r\n6\r\n$2\r\nm8\r\n$1\r\n6\r\n$2\r\nm1\r\n$4\r\n6.25\r\n$4\r\nm121\r\n$4\r\n6.25\r\n$4\r\nm180\r\n$4\r\n6.25\r\n$4\r\nm197\r\n$4\r\n6.25\r\n$4\r\nm206\r\n$4\r\n6.25\r\n$4\r\nm271\r\n$4\r\n6.25\r\n$3\r\nm37\r\n$4\r\n6.25\r\n$4\r\nm132\r\n$3\r\n6.5\r\n$4\r\nm153\r\n$3\r\n6.5\r\n$4\r\nm207\r\n$3\r\n6.5\r\n$4\r\nm215\r\n$3\r\n6.5\r\n$4\r\nm241\r\n$3\r\n6.5\r\n$3\r\nm44\r\n$3\r\n6.5\r\n$3\r\nm10\r\n$4\r\n6.75\r\n$4\r\nm115\r\n$4\r\n6.75\r\n$4\r\nm187\r\n$4\r\n6.75\r\n$4\r\nm191\r\n$4\r\n6.75\r\n$4\r\nm277\r\n$4\r\n6.75\r\n$2\r\nm5\r\n$4\r\n6.75\r\n$3\r\nm81\r\n$4\r\n6.75\r\n$4\r\nm116\r\n$1\r\n7\r\n$4\r\nm138\r\n$1\r\n7\r\n$4\r\nm179\r\n$1\r\n7\r\n$4\r\nm157\r\n$4\r\n7.25\r\n$4\r\nm269\r\n$4\r\n7.25\r\n$4\r\nm291\r\n$4\r\n7.25\r\n$3\r\nm12\r\n$3\r\n7.5\r\n$3\r\nm18\r\n$3\r\n7.5\r\n$4\r\nm181\r\n$3\r\n7.5\r\n$4\r\nm185\r\n$3\r\n7.5\r\n$4\r\nm203\r\n$3\r\n7.5\r\n$3\r\nm21\r\n$3\r\n7.5\r\n$3\r\nm43\r\n$3\r\n7.5\r\n$2\r\nm6\r\n$3\r\n7.5\r\n$3\r\nm65\r\n$3\r\n7.5\r\n$2\r\nm7\r\n$3\r\n7.5\r\n$4\r\nm101\r\n$4\r\n7.75\r\n$4\r\nm161\r\n$4\r\n7.75\r\n$4\r\nm184\r\n$4\r\n7.75\r\n$3\r\nm23\r\n$4\r\n7.75\r\n$3\r\nm26\r\n$4\r\n7.75\r\n$4\r\nm279\r\n$4\r\n7.75\r\n$3\r\nm94\r\n$4\r\n7.75\r\n$4\r\nm152\r\n$1\r\n8\r\n$4\r\nm267\r\n$1\r\n8\r\n$4\r\nm100\r\n$4\r\n8.25\r\n$4\r\nm102\r\n$4\r\n8.25\r\n$4\r\nm230\r\n$4\r\n8.25\r\n$4\r\nm237\r\n$4\r\n8.25\r\n$4\r\nm251\r\n$4\r\n8.25\r\n$4\r\nm290\r\n$4\r\n8.25\r\n$3\r\nm92\r\n$4\r\n8.25\r\n$3\r\nm32\r\n$4\r\n8.75\r\n$3\r\nm82\r\n$4\r\n8.75\r\n$4\r\nm189\r\n$1\r\n9\r\n$4\r\nm195\r\n$1\r\n9\r\n$4\r\nm199\r\n$1\r\n9\r\n$4\r\nm235\r\n$1\r\n9\r\n$4\r\nm244\r\n$1\r\n9\r\n$3\r\nm62\r\n$1\r\n9\r\n$4\r\nm154\r\n$4\r\n9.25\r\n$4\r\nm224\r\n$4\r\n9.25\r\n$3\r\nm78\r\n$4\r\n9.25\r\n$4\r\nm141\r\n$3\r\n9.5\r\n$4\r\nm238\r\n$4\r\n9.75\r\n$3\r\nm59\r\n$4\r\n9.75\r\n$3\r\nm83\r\n$4\r\n9.75\r\n$3\r\nm85\r\n$4\r\n9.75\r\n$4\r\nm125\r\n$4\r\n10.5\r\n$4\r\nm158\r\n$4\r\n10.5\r\n$4\r\nm228\r\n$4\r\n10.5\r\n$3\r\nm68\r\n$4\r\n10.5\r\n$4\r\nm292\r\n$5\r\n11.25\r\n$4\r\nm168\r\n$2\r\n12\r\n$4\r\nm275\r\n$2\r\n12\r\n$3\r\nm28\r\n$2\r\n12\r\n$3\r\nm33\r\n$5\r\n12.25\r\n$3\r\nm40\r\n$5\r\n12.25\r\n$4\r\nm260\r\n$5\r\n12.75\r\n$4\r\nm133\r\n$4\r\n13.5\r\n$3\r\nm72\r\n$4\r\n13.5\r\n$3\r\nm19\r\n$5\r\n14.25\r\n$2\r\nm2\r\n$5\r\n14.25\r\n$3\r\nm87\r\n$5\r\n14.25\r\n$4\r\nm123\r\n$2\r\n15\r\n$3\r\nm14\r\n$2\r\n15\r\n$4\r\nm170\r\n$2\r\n15\r\n$3\r\nm20\r\n$2\r\n15\r\n$4\r\nm155\r\n$5\r\n15.75\r\n$4\r\nm294\r\n$5\r\n15.75\r\n$4\r\nm223\r\n$4\r\n16.5\r\n$4\r\nm253\r\n$4\r\n16.5\r\n$4\r\nm283\r\n$4\r\n16.5\r\n$3\r\nm89\r\n$4\r\n16.5\r\n$4\r\nm263\r\n$5\r\n17.25\r\n$3\r\nm52\r\n$5\r\n17.25\r\n$3\r\nm70\r\n$5\r\n17.25\r\n$3\r\nm88\r\n$5\r\n17.25\r\n$3\r\nm95\r\n$5\r\n17.25\r\n$4\r\nm175\r\n$2\r\n18\r\n$3\r\nm73\r\n$2\r\n18\r\n$3\r\nm75\r\n$2\r\n18\r\n$4\r\nm150\r\n$3\r\n104\r\n$4\r\nm151\r\n$3\r\n200\r\n", "*262\r\n*2\r\n$4\r\nm134\r\n,-34.5\r\n*2\r\n$4\r\nm259\r\n,-34.5\r\n*2\r\n$4\r\nm285\r\n,-34.5\r\n*2\r\n$4\r\nm297\r\n,-34.5\r\n*2\r\n$3\r\nm57\r\n,-34.5\r\n*2\r\n$4\r\nm114\r\n,-33.75\r\n*2\r\n$4\r\nm118\r\n,-33.75\r\n*2\r\n$4\r\nm142\r\n,-33.75\r\n*2\r\n$3\r\nm38\r\n,-33.75\r\n*2\r\n$4\r\nm183\r\n,-32.25\r\n*2\r\n$4\r\nm198\r\n,-32.25\r\n*2\r\n$4\r\nm105\r\n,-31.5\r\n*2\r\n$3\r\nm34\r\n,-31.5\r\n*2\r\n$2\r\nm9\r\n,-31.5\r\n*2\r\n$3\r\nm99\r\n,-31.5\r\n*2\r\n$4\r\nm130\r\n,-30.75\r\n*2\r\n$4\r\nm248\r\n,-30\r\n*2\r\n$4\r\nm268\r\n,-30\r\n*2\r\n$4\r\nm103\r\n,-29.25\r\n*2\r\n$4\r\nm239\r\n,-28.5\r\n*2\r\n$3\r\nm56\r\n,-28.5\r\n*2\r\n$4\r\nm131\r\n,-27.75\r\n*2\r\n$4\r\nm156\r\n,-27.75\r\n*2\r\n$4\r\nm220\r\n,-27.75\r\n*2\r\n$4\r\nm240\r\n,-27.75\r\n*2\r\n$3\r\nm90\r\n,-27.75\r\n*2\r\n$4\r\nm113\r\n,-26.25\r\n*2\r\n$4\r\nm258\r\n,-26.25\r\n*2\r\n$3\r\nm98\r\n,-26.25\r\n*2\r\n$4\r\nm226\r\n,-25.5\r\n*2\r\n$4\r\nm272\r\n,-25.5\r\n*2\r\n$2\r\nm3\r\n,-25.5\r\n*2\r\n$4\r\nm146\r\n,-24.75\r\n*2\r\n$4\r\nm182\r\n,-24.75\r\n*2\r\n$3\r\nm54\r\n,-24.75\r\n*2\r\n$3\r\nm58\r\n,-24.75\r\n*2\r\n$4\r\nm107\r\n,-23.25\r\n*2\r\n$4\r\nm140\r\n,-23.25\r\n*2\r\n$3\r\nm24\r\n,-23.25\r\n*2\r\n$3\r\nm27\r\n,-23.25\r\n*2\r\n$4\r\nm287\r\n,-23.25\r\n*2\r\n$3\r\nm35\r\n,-22.5\r\n*2\r\n$3\r\nm84\r\n,-22.5\r\n*2\r\n$4\r\nm247\r\n,-21.75\r\n*2\r\n$4\r\nm209\r\n,-21\r\n*2\r\n$4\r\nm211\r\n,-20.25\r\n*2\r\n$4\r\nm234\r\n,-20.25\r\n*2\r\n$4\r\nm264\r\n,-20.25\r\n*2\r\n$3\r\nm16\r\n,-19.5\r\n*2\r\n$4\r\nm261\r\n,-19.5\r\n*2\r\n$4\r\nm135\r\n,-18.75\r\n*2\r\n$4\r\nm288\r\n,-18.75\r\n*2\r\n$4\r\nm252\r\n,-17.25\r\n*2\r\n$3\r\nm60\r\n,-17.25\r\n*2\r\n$3\r\nm93\r\n,-17.25\r\n*2\r\n$4\r\nm229\r\n,-16.5\r\n*2\r\n$4\r\nm245\r\n,-16.5\r\n*2\r\n$4\r\nm256\r\n,-16.5\r\n*2\r\n$4\r\nm296\r\n,-16.5\r\n*2\r\n$3\r\nm15\r\n,-15.75\r\n*2\r\n$3\r\nm25\r\n,-15.75\r\n*2\r\n$3\r\nm76\r\n,-15.75\r\n*2\r\n$2\r\nm0\r\n,-15\r\n*2\r\n$4\r\nm126\r\n,-15\r\n*2\r\n$4\r\nm164\r\n,-15\r\n*2\r\n$4\r\nm232\r\n,-15\r\n*2\r\n$4\r\nm202\r\n,-13.5\r\n*2\r\n$3\r\nm13\r\n,-12.75\r\n*2\r\n$4\r\nm139\r\n,-12.75\r\n*2\r\n$4\r\nm167\r\n,-12.75\r\n*2\r\n$4\r\nm216\r\n,-12.75\r\n*2\r\n$3\r\nm61\r\n,-12.75\r\n*2\r\n$4\r\nm159\r\n,-12\r\n*2\r\n$4\r\nm231\r\n,-12\r\n*2\r\n$4\r\nm255\r\n,-12\r\n*2\r\n$4\r\nm276\r\n,-12\r\n*2\r\n$3\r\nm42\r\n,-12\r\n*2\r\n$3\r\nm96\r\n,-12\r\n*2\r\n$4\r\nm124\r\n,-11.25\r\n*2\r\n$4\r\nm193\r\n,-11.25\r\n*2\r\n$4\r\nm265\r\n,-11.25\r\n*2\r\n$3\r\nm80\r\n,-11.25\r\n*2\r\n$3\r\nm97\r\n,-10.5\r\n*2\r\n$4\r\nm109\r\n,-9.75\r\n*2\r\n$4\r\nm137\r\n,-9.75\r\n*2\r\n$4\r\nm274\r\n,-9.75\r\n*2\r\n$4\r\nm281\r\n,-9.75\r\n*2\r\n$4\r\nm165\r\n,-9\r\n*2\r\n$4\r\nm169\r\n,-9\r\n*2\r\n$4\r\nm205\r\n,-9\r\n*2\r\n$4\r\nm217\r\n,-9\r\n*2\r\n$3\r\nm39\r\n,-9\r\n*2\r\n$3\r\nm66\r\n,-9\r\n*2\r\n$4\r\nm128\r\n,-8.25\r\n*2\r\n$4\r\nm227\r\n,-8.25\r\n*2\r\n$4\r\nm144\r\n,-7.5\r\n*2\r\n$4\r\nm176\r\n,-7.5\r\n*2\r\n$4\r\nm208\r\n,-7.5\r\n*2\r\n$4\r\nm212\r\n,-7.5\r\n*2\r\n$4\r\nm262\r\n,-7.5\r\n*2\r\n$4\r\nm233\r\n,-6.75\r\n*2\r\n$4\r\nm242\r\n,-6.75\r\n*2\r\n$3\r\nm86\r\n,-6.75\r\n*2\r\n$4\r\nm122\r\n,-6\r\n*2\r\n$4\r\nm186\r\n,-6\r\n*2\r\n$4\r\nm243\r\n,-6\r\n*2\r\n$4\r\nm143\r\n,-5.25\r\n*2\r\n$4\r\nm171\r\n,-5.25\r\n*2\r\n$4\r\nm249\r\n,-5.25\r\n*2\r\n$4\r\nm266\r\n,-5.25\r\n*2\r\n$3\r\nm77\r\n,-5.25\r\n*2\r\n$4\r\nm104\r\n,-4.5\r\n*2\r\n$4\r\nm270\r\n,-4.5\r\n*2\r\n$4\r\nm278\r\n,-4.5\r\n*2\r\n$3\r\nm71\r\n,-4.5\r\n*2\r\n$4\r\nm188\r\n,-3.75\r\n*2\r\n$4\r\nm190\r\n,-3.75\r\n*2\r\n$4\r\nm145\r\n,-3\r\n*2\r\n$4\r\nm210\r\n,-3\r\n*2\r\n$3\r\nm55\r\n,-3\r\n*2\r\n$4\r\nm201\r\n,-2.25\r\n*2\r\n$4\r\nm214\r\n,-2.25\r\n*2\r\n$2\r\nm4\r\n,-2.25\r\n*2\r\n$4\r\nm119\r\n,-1.5\r\n*2\r\n$4\r\nm147\r\n,-1.5\r\n*2\r\n$4\r\nm148\r\n,-1.5\r\n*2\r\n$4\r\nm178\r\n,-1.5\r\n*2\r\n$4\r\nm219\r\n,-1.5\r\n*2\r\n$3\r\nm29\r\n,-0.75\r\n*2\r\n$3\r\nm46\r\n,-0.75\r\n*2\r\n$3\r\nm69\r\n,-0.75\r\n*2\r\n$3\r\nm22\r\n,0\r\n*2\r\n$3\r\nm50\r\n,0\r\n*2\r\n$4\r\nm106\r\n,1.5\r\n*2\r\n$4\r\nm136\r\n,1.5\r\n*2\r\n$4\r\nm284\r\n,1.5\r\n*2\r\n$4\r\nm286\r\n,1.5\r\n*2\r\n$3\r\nm74\r\n,1.5\r\n*2\r\n$4\r\nm112\r\n,2.25\r\n*2\r\n$4\r\nm174\r\n,2.25\r\n*2\r\n$4\r\nm273\r\n,2.25\r\n*2\r\n$4\r\nm280\r\n,2.25\r\n*2\r\n$4\r\nm282\r\n,2.25\r\n*2\r\n$3\r\nm67\r\n,2.25\r\n*2\r\n$4\r\nm110\r\n,3\r\n*2\r\n$3\r\nm49\r\n,3\r\n*2\r\n$4\r\nm160\r\n,3.75\r\n*2\r\n$4\r\nm166\r\n,3.75\r\n*2\r\n$4\r\nm236\r\n,3.75\r\n*2\r\n$4\r\nm293\r\n,3.75\r\n*2\r\n$3\r\nm63\r\n,3.75\r\n*2\r\n$4\r\nm246\r\n,4.5\r\n*2\r\n$3\r\nm53\r\n,4.5\r\n*2\r\n$4\r\nm254\r\n,5.25\r\n*2\r\n$4\r\nm149\r\n,6\r\n*2\r\n$4\r\nm204\r\n,6\r\n*2\r\n$4\r\nm299\r\n,6\r\n*2\r\n$2\r\nm8\r\n,6\r\n*2\r\n$2\r\nm1\r\n,6.25\r\n*2\r\n$4\r\nm121\r\n,6.25\r\n*2\r\n$4\r\nm180\r\n,6.25\r\n*2\r\n$4\r\nm197\r\n,6.25\r\n*2\r\n$4\r\nm206\r\n,6.25\r\n*2\r\n$4\r\nm271\r\n,6.25\r\n*2\r\n$3\r\nm37\r\n,6.25\r\n*2\r\n$4\r\nm132\r\n,6.5\r\n*2\r\n$4\r\nm153\r\n,6.5\r\n*2\r\n$4\r\nm207\r\n,6.5\r\n*2\r\n$4\r\nm215\r\n,6.5\r\n*2\r\n$4\r\nm241\r\n,6.5\r\n*2\r\n$3\r\nm44\r\n,6.5\r\n*2\r\n$3\r\nm10\r\n,6.75\r\n*2\r\n$4\r\nm115\r\n,6.75\r\n*2\r\n$4\r\nm187\r\n,6.75\r\n*2\r\n$4\r\nm191\r\n,6.75\r\n*2\r\n$4\r\nm277\r\n,6.75\r\n*2\r\n$2\r\nm5\r\n,6.75\r\n*2\r\n$3\r\nm81\r\n,6.75\r\n*2\r\n$4\r\nm116\r\n,7\r\n*2\r\n$4\r\nm138\r\n,7\r\n*2\r\n$4\r\nm179\r\n,7\r\n*2\r\n$4\r\nm157\r\n,7.25\r\n*2\r\n$4\r\nm269\r\n,7.25\r\n*2\r\n$4\r\nm291\r\n,7.25\r\n*2\r\n$3\r\nm12\r\n,7.5\r\n*2\r\n$3\r\nm18\r\n,7.5\r\n*2\r\n$4\r\nm181\r\n,7.5\r\n*2\r\n$4\r\nm185\r\n,7.5\r\n*2\r\n$4\r\nm203\r\n,7.5\r\n*2\r\n$3\r\nm21\r\n,7.5\r\n*2\r\n$3\r\nm43\r\n,7.5\r\n*2\r\n$2\r\nm6\r\n,7.5\r\n*2\r\n$3\r\nm65\r\n,7.5\r\n*2\r\n$2\r\nm7\r\n,7.5\r\n*2\r\n$4\r\nm101\r\n,7.75\r\n*2\r\n$4\r\nm161\r\n,7.75\r\n*2\r\n$4\r\nm184\r\n,7.75\r\n*2\r\n$3\r\nm23\r\n,7.75\r\n*2\r\n$3\r\nm26\r\n,7.75\r\n*2\r\n$4\r\nm279\r\n,7.75\r\n*2\r\n$3\r\nm94\r\n,7.75\r\n*2\r\n$4\r\nm152\r\n,8\r\n*2\r\n$4\r\nm267\r\n,8\r\n*2\r\n$4\r\nm100\r\n,8.25\r\n*2\r\n$4\r\nm102\r\n,8.25\r\n*2\r\n$4\r\nm230\r\n,8.25\r\n*2\r\n$4\r\nm237\r\n,8.25\r\n*2\r\n$4\r\nm251\r\n,8.25\r\n*2\r\n$4\r\nm290\r\n,8.25\r\n*2\r\n$3\r\nm92\r\n,8.25\r\n*2\r\n$3\r\nm32\r\n,8.75\r\n*2\r\n$3\r\nm82\r\n,8.75\r\n*2\r\n$4\r\nm189\r\n,9\r\n*2\r\n$4\r\nm195\r\n,9\r\n*2\r\n$4\r\nm199\r\n,9\r\n*2\r\n$4\r\nm235\r\n,9\r\n*2\r\n$4\r\nm244\r\n,9\r\n*2\r\n$3\r\nm62\r\n,9\r\n*2\r\n$4\r\nm154\r\n,9.25\r\n*2\r\n$4\r\nm224\r\n,9.25\r\n*2\r\n$3\r\nm78\r\n,9.25\r\n*2\r\n$4\r\nm141\r\n,9.5\r\n*2\r\n$4\r\nm238\r\n,9.75\r\n*2\r\n$3\r\nm59\r\n,9.75\r\n*2\r\n$3\r\nm83\r\n,9.75\r\n*2\r\n$3\r\nm85\r\n,9.75\r\n*2\r\n$4\r\nm125\r\n,10.5\r\n*2\r\n$4\r\nm158\r\n,10.5\r\n*2\r\n$4\r\nm228\r\n,10.5\r\n*2\r\n$3\r\nm68\r\n,10.5\r\n*2\r\n$4\r\nm292\r\n,11.25\r\n*2\r\n$4\r\nm168\r\n,12\r\n*2\r\n$4\r\nm275\r\n,12\r\n*2\r\n$3\r\nm28\r\n,12\r\n*2\r\n$3\r\nm33\r\n,12.25\r\n*2\r\n$3\r\nm40\r\n,12.25\r\n*2\r\n$4\r\nm260\r\n,12.75\r\n*2\r\n$4\r\nm133\r\n,13.5\r\n*2\r\n$3\r\nm72\r\n,13.5\r\n*2\r\n$3\r\nm19\r\n,14.25\r\n*2\r\n$2\r\nm2\r\n,14.25\r\n*2\r\n$3\r\nm87\r\n,14.25\r\n*2\r\n$4\r\nm123\r\n,15\r\n*2\r\n$3\r\nm14\r\n,15\r\n*2\r\n$4\r\nm170\r\n,15\r\n*2\r\n$3\r\nm20\r\n,15\r\n*2\r\n$4\r\nm155\r\n,15.75\r\n*2\r\n$4\r\nm294\r\n,15.75\r\n*2\r\n$4\r\nm223\r\n,16.5\r\n*2\r\n$4\r\nm253\r\n,16.5\r\n*2\r\n$4\r\nm283\r\n,16.5\r\n*2\r\n$3\r\nm89\r\n,16.5\r\n*2\r\n$4\r\nm263\r\n,17.25\r\n*2\r\n$3\r\nm52\r\n,17.25\r\n*2\r\n$3\r\nm70\r\n,17.25\r\n*2\r\n$3\r\nm88\r\n,17.25\r\n*2\r\n$3\r\nm95\r\n,17.25\r\n*2\r\n$4\r\nm175\r\n,18\r\n*2\r\n$3\r\nm73\r\n,18\r\n*2\r\n$3\r\nm75\r\n,18\r\n*2\r\n$4\r\nm150\r\n,104\r\n*2\r\n$4\r\nm151\r\n,200\r\n"),
    ("ZINTER 2 big dst AGGREGATE MAX WITHSCORES", "*402\r\n$4\r\nm134\r\n$5\r\n-11.5\r\n$4\r\nm259\r\n$5\r\n-11.5\r\n$4\r\nm285\r\n$5\r\n-11.5\r\n$4\r\nm297\r\n$5\r\n-11.5\r\n$3\r\nm57\r\n$5\r\n-11.5\r\n$4\r\nm114\r\n$6\r\n-11.25\r\n$4\r\nm118\r\n$6\r\n-11.25\r\n$4\r\nm142\r\n$6\r\n-11.25\r\n$3\r\nm38\r\n$6\r\n-11.25\r\n$4\r\nm183\r\n$6\r\n-10.75\r\n$4\r\nm198\r\n$6\r\n-10.75\r\n$4\r\nm105\r\n$5\r\n-10.5\r\n$3\r\nm34\r\n$5\r\n-10.5\r\n$2\r\nm9\r\n$5\r\n-10.5\r\n$3\r\nm99\r\n$5\r\n-10.5\r\n$4\r\nm130\r\n$6\r\n-10.25\r\n$4\r\nm248\r\n$3\r\n-10\r\n$4\r\nm268\r\n$3\r\n-10\r\n$4\r\nm103\r\n$5\r\n-9.75\r\n$4\r\nm239\r\n$4\r\n-9.5\r\n$3\r\nm56\r\n$4\r\n-9.5\r\n$4\r\nm131\r\n$5\r\n-9.25\r\n$4\r\nm156\r\n$5\r\n-9.25\r\n$4\r\nm220\r\n$5\r\n-9.25\r\n$4\r\nm240\r\n$5\r\n-9.25\r\n$3\r\nm90\r\n$5\r\n-9.25\r\n$4\r\nm113\r\n$5\r\n-8.75\r\n$4\r\nm258\r\n$5\r\n-8.75\r\n$3\r\nm98\r\n$5\r\n-8.75\r\n$4\r\nm226\r\n$4\r\n-8.5\r\n$4\r\nm272\r\n$4\r\n-8.5\r\n$2\r\nm3\r\n$4\r\n-8.5\r\n$4\r\nm146\r\n$5\r\n-8.25\r\n$4\r\nm182\r\n$5\r\n-8.25\r\n$3\r\nm54\r\n$5\r\n-8.25\r\n$3\r\nm58\r\n$5\r\n-8.25\r\n$4\r\nm107\r\n$5\r\n-7.75\r\n$4\r\nm140\r\n$5\r\n-7.75\r\n$3\r\nm24\r\n$5\r\n-7.75\r\n$3\r\nm27\r\n$5\r\n-7.75\r\n$4\r\nm287\r\n$5\r\n-7.75\r\n$3\r\nm35\r\n$4\r\n-7.5\r\n$3\r\nm84\r\n$4\r\n-7.5\r\n$4\r\nm247\r\n$5\r\n-7.25\r\n$4\r\nm209\r\n$2\r\n-7\r\n$4\r\nm211\r\n$5\r\n-6.75\r\n$4\r\nm234\r\n$5\r\n-6.75\r\n$4\r\nm264\r\n$5\r\n-6.75\r\n$3\r\nm16\r\n$4\r\n-6.5\r\n$4\r\nm261\r\n$4\r\n-6.5\r\n$4\r\nm135\r\n$5\r\n-6.25\r\n$4\r\nm288\r\n$5\r\n-6.25\r\n$4\r\nm252\r\n$5\r\n-5.75\r\n$3\r\nm60\r\n$5\r\n-5.75\r\n$3\r\nm93\r\n$5\r\n-5.75\r\n$4\r\nm229\r\n$4\r\n-5.5\r\n$4\r\nm245\r\n$4\r\n-5.5\r\n$4\r\nm256\r\n$4\r\n-5.5\r\n$4\r\nm296\r\n$4\r\n-5.5\r\n$3\r\nm15\r\n$5\r\n-5.25\r\n$3\r\nm25\r\n$5\r\n-5.25\r\n$3\r\nm76\r\n$5\r\n-5.25\r\n$2\r\nm0\r\n$2\r\n-5\r\n$4\r\nm126\r\n$2\r\n-5\r\n$4\r\nm164\r\n$2\r\n-5\r\n$4\r\nm232\r\n$2\r\n-5\r\n$4\r\nm202\r\n$4\r\n-4.5\r\n$3\r\nm13\r\n$5\r\n-4.25\r\n$4\r\nm139\r\n$5\r\n-4.25\r\n$4\r\nm167\r\n$5\r\n-4.25\r\n$4\r\nm216\r\n$5\r\n-4.25\r\n$3\r\nm61\r\n$5\r\n-4.25\r\n$4\r\nm159\r\n$2\r\n-4\r\n$4\r\nm231\r\n$2\r\n-4\r\n$4\r\nm255\r\n$2\r\n-4\r\n$4\r\nm276\r\n$2\r\n-4\r\n$3\r\nm42\r\n$2\r\n-4\r\n$3\r\nm96\r\n$2\r\n-4\r\n$4\r\nm124\r\n$5\r\n-3.75\r\n$4\r\nm193\r\n$5\r\n-3.75\r\n$4\r\nm265\r\n$5\r\n-3.75\r\n$3\r\nm80\r\n$5\r\n-3.75\r\n$3\r\nm97\r\n$4\r\n-3.5\r\n$4\r\nm109\r\n$5\r\n-3.25\r\n$4\r\nm137\r\n$5\r\n-3.25\r\n$4\r\nm274\r\n$5\r\n-3.25\r\n$4\r\nm281\r\n$5\r\n-3.25\r\n$4\r\nm165\r\n$2\r\n-3\r\n$4\r\nm169\r\n$2\r\n-3\r\n$4\r\nm205\r\n$2\r\n-3\r\n$4\r\nm217\r\n$2\r\n-3\r\n$3\r\nm39\r\n$2\r\n-3\r\n$3\r\nm66\r\n$2\r\n-3\r\n$4\r\nm128\r\n$5\r\n-2.75\r\n$4\r\nm227\r\n$5\r\n-2.75\r\n$4\r\nm144\r\n$4\r\n-2.5\r\n$4\r\nm176\r\n$4\r\n-2.5\r\n$4\r\nm208\r\n$4\r\n-2.5\r\n$4\r\nm212\r\n$4\r\n-2.5\r\n$4\r\nm262\r\n$4\r\n-2.5\r\n$4\r\nm233\r\n$5\r\n-2.25\r\n$4\r\nm242\r\n$5\r\n-2.25\r\n$3\r\nm86\r\n$5\r\n-2.25\r\n$4\r\nm122\r\n$2\r\n-2\r\n$4\r\nm186\r\n$2\r\n-2\r\n$4\r\nm243\r\n$2\r\n-2\r\n$4\r\nm143\r\n$5\r\n-1.75\r\n$4\r\nm171\r\n$5\r\n-1.75\r\n$4\r\nm249\r\n$5\r\n-1.75\r\n$4\r\nm266\r\n$5\r\n-1.75\r\n$3\r\nm77\r\n$5\r\n-1.75\r\n$4\r\nm104\r\n$4\r\n-1.5\r\n$4\r\nm270\r\n$4\r\n-1.5\r\n$4\r\nm278\r\n$4\r\n-1.5\r\n$3\r\nm71\r\n$4\r\n-1.5\r\n$4\r\nm188\r\n$5\r\n-1.25\r\n$4\r\nm190\r\n$5\r\n-1.25\r\n$4\r\nm145\r\n$2\r\n-1\r\n$4\r\nm210\r\n$2\r\n-1\r\n$3\r\nm55\r\n$2\r\n-1\r\n$4\r\nm201\r\n$5\r\n-0.75\r\n$4\r\nm214\r\n$5\r\n-0.75\r\n$2\r\nm4\r\n$5\r\n-0.75\r\n$4\r\nm119\r\n$4\r\n-0.5\r\n$4\r\nm147\r\n$4\r\n-0.5\r\n$4\r\nm148\r\n$4\r\n-0.5\r\n$4\r\nm178\r\n$4\r\n-0.5\r\n$4\r\nm219\r\n$4\r\n-0.5\r\n$3\r\nm29\r\n$5\r\n-0.25\r\n$3\r\nm46\r\n$5\r\n-0.25\r\n$3\r\nm69\r\n$5\r\n-0.25\r\n$3\r\nm22\r\n$1\r\n0\r\n$3\r\nm50\r\n$1\r\n0\r\n$4\r\nm106\r\n$3\r\n0.5\r\n$4\r\nm136\r\n$3\r\n0.5\r\n$4\r\nm284\r\n$3\r\n0.5\r\n$4\r\nm286\r\n$3\r\n0.5\r\n$3\r\nm74\r\n$3\r\n0.5\r\n$4\r\nm112\r\n$4\r\n0.75\r\n$4\r\nm174\r\n$4\r\n0.75\r\n$4\r\nm273\r\n$4\r\n0.75\r\n$4\r\nm280\r\n$4\r\n0.75\r\n$4\r\nm282\r\n$4\r\n0.75\r\n$3\r\nm67\r\n$4\r\n0.75\r\n$4\r\nm110\r\n$1\r\n1\r\n$3\r\nm49\r\n$1\r\n1\r\n$4\r\nm160\r\n$4\r\n1.25\r\n$4\r\nm166\r\n$4\r\n1.25\r\n$4\r\nm236\r\n$4\r\n1.25\r\n$4\r\nm293\r\n$4\r\n1.25\r\n$3\r\nm63\r\n$4\r\n1.25\r\n$4\r\nm246\r\n$3\r\n1.5\r\n$3\r\nm53\r\n$3\r\n1.5\r\n$4\r\nm254\r\n$4\r\n1.75\r\n$4\r\nm149\r\n$1\r\n2\r\n$4\r\nm204\r\n$1\r\n2\r\n$4\r\nm299\r\n$1\r\n2\r\n$4\r\nm187\r\n$4\r\n2.25\r\n$4\r\nm277\r\n$4\r\n2.25\r\n$3\r\nm12\r\n$3\r\n2.5\r\n$3\r\nm18\r\n$3\r\n2.5\r\n$3\r\nm21\r\n$3\r\n2.5\r\n$3\r\nm43\r\n$3\r\n2.5\r\n$2\r\nm6\r\n$3\r\n2.5\r\n$4\r\nm100\r\n$4\r\n2.75\r\n$4\r\nm102\r\n$4\r\n2.75\r\n$4\r\nm290\r\n$4\r\n2.75\r\n$4\r\nm195\r\n$1\r\n3\r\n$3\r\nm59\r\n$4\r\n3.25\r\n$4\r\nm125\r\n$3\r\n3.5\r\n$4\r\nm158\r\n$3\r\n3.5\r\n$4\r\nm228\r\n$3\r\n3.5\r\n$3\r\nm68\r\n$3\r\n3.5\r\n$4\r\nm292\r\n$4\r\n3.75\r\n$4\r\nm168\r\n$1\r\n4\r\n$4\r\nm275\r\n$1\r\n4\r\n$3\r\nm28\r\n$1\r\n4\r\n$4\r\nm260\r\n$4\r\n4.25\r\n$4\r\nm133\r\n$3\r\n4.5\r\n$3\r\nm72\r\n$3\r\n4.5\r\n$3\r\nm19\r\n$4\r\n4.75\r\n$2\r\nm2\r\n$4\r\n4.75\r\n$3\r\nm87\r\n$4\r\n4.75\r\n$4\r\nm123\r\n$1\r\n5\r\n$3\r\nm14\r\n$1\r\n5\r\n$4\r\nm170\r\n$1\r\n5\r\n$3\r\nm20\r\n$1\r\n5\r\n$4\r\nm155\r\n$4\r\n5.25\r\n$4\r\nm294\r\n$4\r\n5.25\r\n$4\r\nm223\r\n$3\r\n5.5\r\n$4\r\nm253\r\n$3\r\n5.5\r\n$4\r\nm283\r\n$3\r\n5.5\r\n$3\r\nm89\r\n$3\r\n5.5\r\n$4\r\nm263\r\n$4\r\n5.75\r\n$3\r\nm52\r\n$4\r\n5.75\r\n$3\r\nm70\r\n$4\r\n5.75\r\n$3\r\nm88\r\n$4\r\n5.75\r\n$3\r\nm95\r\n$4\r\n5.75\r\n$4\r\nm175\r\n$1\r\n6\r\n$3\r\nm73\r\n$1\r\n6\r\n$3\r\nm75\r\n$1\r\n6\r\n", "*201\r\n*2\r\n$4\r\nm134\r\n,-11.5\r\n*2\r\n$4\r\nm259\r\n,-11.5\r\n*2\r\n$4\r\nm285\r\n,-11.5\r\n*2\r\n$4\r\nm297\r\n,-11.5\r\n*2\r\n$3\r\nm57\r\n,-11.5\r\n*2\r\n$4\r\nm114\r\n,-11.25\r\n*2\r\n$4\r\nm118\r\n,-11.25\r\n*2\r\n$4\r\nm142\r\n,-11.25\r\n*2\r\n$3\r\nm38\r\n,-11.25\r\n*2\r\n$4\r\nm183\r\n,-10.75\r\n*2\r\n$4\r\nm198\r\n,-10.75\r\n*2\r\n$4\r\nm105\r\n,-10.5\r\n*2\r\n$3\r\nm34\r\n,-10.5\r\n*2\r\n$2\r\nm9\r\n,-10.5\r\n*2\r\n$3\r\nm99\r\n,-10.5\r\n*2\r\n$4\r\nm130\r\n,-10.25\r\n*2\r\n$4\r\nm248\r\n,-10\r\n*2\r\n$4\r\nm268\r\n,-10\r\n*2\r\n$4\r\nm103\r\n,-9.75\r\n*2\r\n$4\r\nm239\r\n,-9.5\r\n*2\r\n$3\r\nm56\r\n,-9.5\r\n*2\r\n$4\r\nm131\r\n,-9.25\r\n*2\r\n$4\r\nm156\r\n,-9.25\r\n*2\r\n$4\r\nm220\r\n,-9.25\r\n*2\r\n$4\r\nm240\r\n,-9.25\r\n*2\r\n$3\r\nm90\r\n,-9.25\r\n*2\r\n$4\r\nm113\r\n,-8.75\r\n*2\r\n$4\r\nm258\r\n,-8.75\r\n*2\r\n$3\r\nm98\r\n,-8.75\r\n*2\r\n$4\r\nm226\r\n,-8.5\r\n*2\r\n$4\r\nm272\r\n,-8.5\r\n*2\r\n$2\r\nm3\r\n,-8.5\r\n*2\r\n$4\r\nm146\r\n,-8.25\r\n*2\r\n$4\r\nm182\r\n,-8.25\r\n*2\r\n$3\r\nm54\r\n,-8.25\r\n*2\r\n$3\r\nm58\r\n,-8.25\r\n*2\r\n$4\r\nm107\r\n,-7.75\r\n*2\r\n$4\r\nm140\r\n,-7.75\r\n*2\r\n$3\r\nm24\r\n,-7.75\r\n*2\r\n$3\r\nm27\r\n,-7.75\r\n*2\r\n$4\r\nm287\r\n,-7.75\r\n*2\r\n$3\r\nm35\r\n,-7.5\r\n*2\r\n$3\r\nm84\r\n,-7.5\r\n*2\r\n$4\r\nm247\r\n,-7.25\r\n*2\r\n$4\r\nm209\r\n,-7\r\n*2\r\n$4\r\nm211\r\n,-6.75\r\n*2\r\n$4\r\nm234\r\n,-6.75\r\n*2\r\n$4\r\nm264\r\n,-6.75\r\n*2\r\n$3\r\nm16\r\n,-6.5\r\n*2\r\n$4\r\nm261\r\n,-6.5\r\n*2\r\n$4\r\nm135\r\n,-6.25\r\n*2\r\n$4\r\nm288\r\n,-6.25\r\n*2\r\n$4\r\nm252\r\n,-5.75\r\n*2\r\n$3\r\nm60\r\n,-5.75\r\n*2\r\n$3\r\nm93\r\n,-5.75\r\n*2\r\n$4\r\nm229\r\n,-5.5\r\n*2\r\n$4\r\nm245\r\n,-5.5\r\n*2\r\n$4\r\nm256\r\n,-5.5\r\n*2\r\n$4\r\nm296\r\n,-5.5\r\n*2\r\n$3\r\nm15\r\n,-5.25\r\n*2\r\n$3\r\nm25\r\n,-5.25\r\n*2\r\n$3\r\nm76\r\n,-5.25\r\n*2\r\n$2\r\nm0\r\n,-5\r\n*2\r\n$4\r\nm126\r\n,-5\r\n*2\r\n$4\r\nm164\r\n,-5\r\n*2\r\n$4\r\nm232\r\n,-5\r\n*2\r\n$4\r\nm202\r\n,-4.5\r\n*2\r\n$3\r\nm13\r\n,-4.25\r\n*2\r\n$4\r\nm139\r\n,-4.25\r\n*2\r\n$4\r\nm167\r\n,-4.25\r\n*2\r\n$4\r\nm216\r\n,-4.25\r\n*2\r\n$3\r\nm61\r\n,-4.25\r\n*2\r\n$4\r\nm159\r\n,-4\r\n*2\r\n$4\r\nm231\r\n,-4\r\n*2\r\n$4\r\nm255\r\n,-4\r\n*2\r\n$4\r\nm276\r\n,-4\r\n*2\r\n$3\r\nm42\r\n,-4\r\n*2\r\n$3\r\nm96\r\n,-4\r\n*2\r\n$4\r\nm124\r\n,-3.75\r\n*2\r\n$4\r\nm193\r\n,-3.75\r\n*2\r\n$4\r\nm265\r\n,-3.75\r\n*2\r\n$3\r\nm80\r\n,-3.75\r\n*2\r\n$3\r\nm97\r\n,-3.5\r\n*2\r\n$4\r\nm109\r\n,-3.25\r\n*2\r\n$4\r\nm137\r\n,-3.25\r\n*2\r\n$4\r\nm274\r\n,-3.25\r\n*2\r\n$4\r\nm281\r\n,-3.25\r\n*2\r\n$4\r\nm165\r\n,-3\r\n*2\r\n$4\r\nm169\r\n,-3\r\n*2\r\n$4\r\nm205\r\n,-3\r\n*2\r\n$4\r\nm217\r\n,-3\r\n*2\r\n$3\r\nm39\r\n,-3\r\n*2\r\n$3\r\nm66\r\n,-3\r\n*2\r\n$4\r\nm128\r\n,-2.75\r\n*2\r\n$4\r\nm227\r\n,-2.75\r\n*2\r\n$4\r\nm144\r\n,-2.5\r\n*2\r\n$4\r\nm176\r\n,-2.5\r\n*2\r\n$4\r\nm208\r\n,-2.5\r\n*2\r\n$4\r\nm212\r\n,-2.5\r\n*2\r\n$4\r\nm262\r\n,-2.5\r\n*2\r\n$4\r\nm233\r\n,-2.25\r\n*2\r\n$4\r\nm242\r\n,-2.25\r\n*2\r\n$3\r\nm86\r\n,-2.25\r\n*2\r\n$4\r\nm122\r\n,-2\r\n*2\r\n$4\r\nm186\r\n,-2\r\n*2\r\n$4\r\nm243\r\n,-2\r\n*2\r\n$4\r\nm143\r\n,-1.75\r\n*2\r\n$4\r\nm171\r\n,-1.75\r\n*2\r\n$4\r\nm249\r\n,-1.75\r\n*2\r\n$4\r\nm266\r\n,-1.75\r\n*2\r\n$3\r\nm77\r\n,-1.75\r\n*2\r\n$4\r\nm104\r\n,-1.5\r\n*2\r\n$4\r\nm270\r\n,-1.5\r\n*2\r\n$4\r\nm278\r\n,-1.5\r\n*2\r\n$3\r\nm71\r\n,-1.5\r\n*2\r\n$4\r\nm188\r\n,-1.25\r\n*2\r\n$4\r\nm190\r\n,-1.25\r\n*2\r\n$4\r\nm145\r\n,-1\r\n*2\r\n$4\r\nm210\r\n,-1\r\n*2\r\n$3\r\nm55\r\n,-1\r\n*2\r\n$4\r\nm201\r\n,-0.75\r\n*2\r\n$4\r\nm214\r\n,-0.75\r\n*2\r\n$2\r\nm4\r\n,-0.75\r\n*2\r\n$4\r\nm119\r\n,-0.5\r\n*2\r\n$4\r\nm147\r\n,-0.5\r\n*2\r\n$4\r\nm148\r\n,-0.5\r\n*2\r\n$4\r\nm178\r\n,-0.5\r\n*2\r\n$4\r\nm219\r\n,-0.5\r\n*2\r\n$3\r\nm29\r\n,-0.25\r\n*2\r\n$3\r\nm46\r\n,-0.25\r\n*2\r\n$3\r\nm69\r\n,-0.25\r\n*2\r\n$3\r\nm22\r\n,0\r\n*2\r\n$3\r\nm50\r\n,0\r\n*2\r\n$4\r\nm106\r\n,0.5\r\n*2\r\n$4\r\nm136\r\n,0.5\r\n*2\r\n$4\r\nm284\r\n,0.5\r\n*2\r\n$4\r\nm286\r\n,0.5\r\n*2\r\n$3\r\nm74\r\n,0.5\r\n*2\r\n$4\r\nm112\r\n,0.75\r\n*2\r\n$4\r\nm174\r\n,0.75\r\n*2\r\n$4\r\nm273\r\n,0.75\r\n*2\r\n$4\r\nm280\r\n,0.75\r\n*2\r\n$4\r\nm282\r\n,0.75\r\n*2\r\n$3\r\nm67\r\n,0.75\r\n*2\r\n$4\r\nm110\r\n,1\r\n*2\r\n$3\r\nm49\r\n,1\r\n*2\r\n$4\r\nm160\r\n,1.25\r\n*2\r\n$4\r\nm166\r\n,1.25\r\n*2\r\n$4\r\nm236\r\n,1.25\r\n*2\r\n$4\r\nm293\r\n,1.25\r\n*2\r\n$3\r\nm63\r\n,1.25\r\n*2\r\n$4\r\nm246\r\n,1.5\r\n*2\r\n$3\r\nm53\r\n,1.5\r\n*2\r\n$4\r\nm254\r\n,1.75\r\n*2\r\n$4\r\nm149\r\n,2\r\n*2\r\n$4\r\nm204\r\n,2\r\n*2\r\n$4\r\nm299\r\n,2\r\n*2\r\n$4\r\nm187\r\n,2.25\r\n*2\r\n$4\r\nm277\r\n,2.25\r\n*2\r\n$3\r\nm12\r\n,2.5\r\n*2\r\n$3\r\nm18\r\n,2.5\r\n*2\r\n$3\r\nm21\r\n,2.5\r\n*2\r\n$3\r\nm43\r\n,2.5\r\n*2\r\n$2\r\nm6\r\n,2.5\r\n*2\r\n$4\r\nm100\r\n,2.75\r\n*2\r\n$4\r\nm102\r\n,2.75\r\n*2\r\n$4\r\nm290\r\n,2.75\r\n*2\r\n$4\r\nm195\r\n,3\r\n*2\r\n$3\r\nm59\r\n,3.25\r\n*2\r\n$4\r\nm125\r\n,3.5\r\n*2\r\n$4\r\nm158\r\n,3.5\r\n*2\r\n$4\r\nm228\r\n,3.5\r\n*2\r\n$3\r\nm68\r\n,3.5\r\n*2\r\n$4\r\nm292\r\n,3.75\r\n*2\r\n$4\r\nm168\r\n,4\r\n*2\r\n$4\r\nm275\r\n,4\r\n*2\r\n$3\r\nm28\r\n,4\r\n*2\r\n$4\r\nm260\r\n,4.25\r\n*2\r\n$4\r\nm133\r\n,4.5\r\n*2\r\n$3\r\nm72\r\n,4.5\r\n*2\r\n$3\r\nm19\r\n,4.75\r\n*2\r\n$2\r\nm2\r\n,4.75\r\n*2\r\n$3\r\nm87\r\n,4.75\r\n*2\r\n$4\r\nm123\r\n,5\r\n*2\r\n$3\r\nm14\r\n,5\r\n*2\r\n$4\r\nm170\r\n,5\r\n*2\r\n$3\r\nm20\r\n,5\r\n*2\r\n$4\r\nm155\r\n,5.25\r\n*2\r\n$4\r\nm294\r\n,5.25\r\n*2\r\n$4\r\nm223\r\n,5.5\r\n*2\r\n$4\r\nm253\r\n,5.5\r\n*2\r\n$4\r\nm283\r\n,5.5\r\n*2\r\n$3\r\nm89\r\n,5.5\r\n*2\r\n$4\r\nm263\r\n,5.75\r\n*2\r\n$3\r\nm52\r\n,5.75\r\n*2\r\n$3\r\nm70\r\n,5.75\r\n*2\r\n$3\r\nm88\r\n,5.75\r\n*2\r\n$3\r\nm95\r\n,5.75\r\n*2\r\n$4\r\nm175\r\n,6\r\n*2\r\n$3\r\nm73\r\n,6\r\n*2\r\n$3\r\nm75\r\n,6\r\n"),
    ("ZDIFF 2 big dst", "*61\r\n$2\r\nm8\r\n$2\r\nm1\r\n$4\r\nm121\r\n$4\r\nm180\r\n$4\r\nm197\r\n$4\r\nm206\r\n$4\r\nm271\r\n$3\r\nm37\r\n$4\r\nm132\r\n$4\r\nm153\r\n$4\r\nm207\r\n$4\r\nm215\r\n$4\r\nm241\r\n$3\r\nm44\r\n$3\r\nm10\r\n$4\r\nm115\r\n$4\r\nm191\r\n$2\r\nm5\r\n$3\r\nm81\r\n$4\r\nm116\r\n$4\r\nm138\r\n$4\r\nm179\r\n$4\r\nm157\r\n$4\r\nm269\r\n$4\r\nm291\r\n$4\r\nm181\r\n$4\r\nm185\r\n$4\r\nm203\r\n$3\r\nm65\r\n$2\r\nm7\r\n$4\r\nm101\r\n$4\r\nm161\r\n$4\r\nm184\r\n$3\r\nm23\r\n$3\r\nm26\r\n$4\r\nm279\r\n$3\r\nm94\r\n$4\r\nm152\r\n$4\r\nm267\r\n$4\r\nm230\r\n$4\r\nm237\r\n$4\r\nm251\r\n$3\r\nm92\r\n$3\r\nm32\r\n$3\r\nm82\r\n$4\r\nm189\r\n$4\r\nm199\r\n$4\r\nm235\r\n$4\r\nm244\r\n$3\r\nm62\r\n$4\r\nm154\r\n$4\r\nm224\r\n$3\r\nm78\r\n$4\r\nm141\r\n$4\r\nm238\r\n$3\r\nm83\r\n$3\r\nm85\r\n$3\r\nm33\r\n$3\r\nm40\r\n$4\r\nm150\r\n$4\r\nm151\r\n", SAME),
    ("ZINTERCARD 2 big dst LIMIT 10", ":10\r\n", SAME),
    ("ZRANGE big 0 -1 WITHSCORES", "*524\r\n$4\r\nm134\r\n$5\r\n-11.5\r\n$4\r\nm259\r\n$5\r\n-11.5\r\n$4\r\nm285\r\n$5\r\n-11.5\r\n$4\r\nm297\r\n$5\r\n-11.5\r\n$3\r\nm57\r\n$5\r\n-11.5\r\n$4\r\nm114\r\n$6\r\n-11.25\r\n$4\r\nm118\r\n$6\r\n-11.25\r\n$4\r\nm142\r\n$6\r\n-11.25\r\n$3\r\nm38\r\n$6\r\n-11.25\r\n$4\r\nm183\r\n$6\r\n-10.75\r\n$4\r\nm198\r\n$6\r\n-10.75\r\n$4\r\nm105\r\n$5\r\n-10.5\r\n$3\r\nm34\r\n$5\r\n-10.5\r\n$2\r\nm9\r\n$5\r\n-10.5\r\n$3\r\nm99\r\n$5\r\n-10.5\r\n$4\r\nm130\r\n$6\r\n-10.25\r\n$4\r\nm248\r\n$3\r\n-10\r\n$4\r\nm268\r\n$3\r\n-10\r\n$4\r\nm103\r\n$5\r\n-9.75\r\n$4\r\nm239\r\n$4\r\n-9.5\r\n$3\r\nm56\r\n$4\r\n-9.5\r\n$4\r\nm131\r\n$5\r\n-9.25\r\n$4\r\nm156\r\n$5\r\n-9.25\r\n$4\r\nm220\r\n$5\r\n-9.25\r\n$4\r\nm240\r\n$5\r\n-9.25\r\n$3\r\nm90\r\n$5\r\n-9.25\r\n$4\r\nm113\r\n$5\r\n-8.75\r\n$4\r\nm258\r\n$5\r\n-8.75\r\n$3\r\nm98\r\n$5\r\n-8.75\r\n$4\r\nm226\r\n$4\r\n-8.5\r\n$4\r\nm272\r\n$4\r\n-8.5\r\n$2\r\nm3\r\n$4\r\n-8.5\r\n$4\r\nm146\r\n$5\r\n-8.25\r\n$4\r\nm182\r\n$5\r\n-8.25\r\n$3\r\nm54\r\n$5\r\n-8.25\r\n$3\r\nm58\r\n$5\r\n-8.25\r\n$4\r\nm107\r\n$5\r\n-7.75\r\n$4\r\nm140\r\n$5\r\n-7.75\r\n$3\r\nm24\r\n$5\r\n-7.75\r\n$3\r\nm27\r\n$5\r\n-7.75\r\n$4\r\nm287\r\n$5\r\n-7.75\r\n$3\r\nm35\r\n$4\r\n-7.5\r\n$3\r\nm84\r\n$4\r\n-7.5\r\n$4\r\nm247\r\n$5\r\n-7.25\r\n$4\r\nm209\r\n$2\r\n-7\r\n$4\r\nm211\r\n$5\r\n-6.75\r\n$4\r\nm234\r\n$5\r\n-6.75\r\n$4\r\nm264\r\n$5\r\n-6.75\r\n$3\r\nm16\r\n$4\r\n-6.5\r\n$4\r\nm261\r\n$4\r\n-6.5\r\n$4\r\nm135\r\n$5\r\n-6.25\r\n$4\r\nm288\r\n$5\r\n-6.25\r\n$4\r\nm252\r\n$5\r\n-5.75\r\n$3\r\nm60\r\n$5\r\n-5.75\r\n$3\r\nm93\r\n$5\r\n-5.75\r\n$4\r\nm229\r\n$4\r\n-5.5\r\n$4\r\nm245\r\n$4\r\n-5.5\r\n$4\r\nm256\r\n$4\r\n-5.5\r\n$4\r\nm296\r\n$4\r\n-5.5\r\n$3\r\nm15\r\n$5\r\n-5.25\r\n$3\r\nm25\r\n$5\r\n-5.25\r\n$3\r\nm76\r\n$5\r\n-5.25\r\n$2\r\nm0\r\n$2\r\n-5\r\n$4\r\nm126\r\n$2\r\n-5\r\n$4\r\nm164\r\n$2\r\n-5\r\n$4\r\nm232\r\n$2\r\n-5\r\n$4\r\nm202\r\n$4\r\n-4.5\r\n$3\r\nm13\r\n$5\r\n-4.25\r\n$4\r\nm139\r\n$5\r\n-4.25\r\n$4\r\nm167\r\n$5\r\n-4.25\r\n$4\r\nm216\r\n$5\r\n-4.25\r\n$3\r\nm61\r\n$5\r\n-4.25\r\n$4\r\nm159\r\n$2\r\n-4\r\n$4\r\nm231\r\n$2\r\n-4\r\n$4\r\nm255\r\n$2\r\n-4\r\n$4\r\nm276\r\n$2\r\n-4\r\n$3\r\nm42\r\n$2\r\n-4\r\n$3\r\nm96\r\n$2\r\n-4\r\n$4\r\nm124\r\n$5\r\n-3.75\r\n$4\r\nm193\r\n$5\r\n-3.75\r\n$4\r\nm265\r\n$5\r\n-3.75\r\n$3\r\nm80\r\n$5\r\n-3.75\r\n$3\r\nm97\r\n$4\r\n-3.5\r\n$4\r\nm109\r\n$5\r\n-3.25\r\n$4\r\nm137\r\n$5\r\n-3.25\r\n$4\r\nm274\r\n$5\r\n-3.25\r\n$4\r\nm281\r\n$5\r\n-3.25\r\n$4\r\nm165\r\n$2\r\n-3\r\n$4\r\nm169\r\n$2\r\n-3\r\n$4\r\nm205\r\n$2\r\n-3\r\n$4\r\nm217\r\n$2\r\n-3\r\n$3\r\nm39\r\n$2\r\n-3\r\n$3\r\nm66\r\n$2\r\n-3\r\n$4\r\nm128\r\n$5\r\n-2.75\r\n$4\r\nm227\r\n$5\r\n-2.75\r\n$4\r\nm144\r\n$4\r\n-2.5\r\n$4\r\nm176\r\n$4\r\n-2.5\r\n$4\r\nm208\r\n$4\r\n-2.5\r\n$4\r\nm212\r\n$4\r\n-2.5\r\n$4\r\nm262\r\n$4\r\n-2.5\r\n$4\r\nm233\r\n$5\r\n-2.25\r\n$4\r\nm242\r\n$5\r\n-2.25\r\n$3\r\nm86\r\n$5\r\n-2.25\r\n$4\r\nm122\r\n$2\r\n-2\r\n$4\r\nm186\r\n$2\r\n-2\r\n$4\r\nm243\r\n$2\r\n-2\r\n$4\r\nm143\r\n$5\r\n-1.75\r\n$4\r\nm171\r\n$5\r\n-1.75\r\n$4\r\nm249\r\n$5\r\n-1.75\r\n$4\r\nm266\r\n$5\r\n-1.75\r\n$3\r\nm77\r\n$5\r\n-1.75\r\n$4\r\nm104\r\n$4\r\n-1.5\r\n$4\r\nm270\r\n$4\r\n-1.5\r\n$4\r\nm278\r\n$4\r\n-1.5\r\n$3\r\nm71\r\n$4\r\n-1.5\r\n$4\r\nm188\r\n$5\r\n-1.25\r\n$4\r\nm190\r\n$5\r\n-1.25\r\n$4\r\nm145\r\n$2\r\n-1\r\n$4\r\nm210\r\n$2\r\n-1\r\n$3\r\nm55\r\n$2\r\n-1\r\n$4\r\nm201\r\n$5\r\n-0.75\r\n$4\r\nm214\r\n$5\r\n-0.75\r\n$2\r\nm4\r\n$5\r\n-0.75\r\n$4\r\nm119\r\n$4\r\n-0.5\r\n$4\r\nm147\r\n$4\r\n-0.5\r\n$4\r\nm148\r\n$4\r\n-0.5\r\n$4\r\nm178\r\n$4\r\n-0.5\r\n$4\r\nm219\r\n$4\r\n-0.5\r\n$3\r\nm29\r\n$5\r\n-0.25\r\n$3\r\nm46\r\n$5\r\n-0.25\r\n$3\r\nm69\r\n$5\r\n-0.25\r\n$3\r\nm22\r\n$1\r\n0\r\n$3\r\nm50\r\n$1\r\n0\r\n$4\r\nm106\r\n$3\r\n0.5\r\n$4\r\nm136\r\n$3\r\n0.5\r\n$4\r\nm284\r\n$3\r\n0.5\r\n$4\r\nm286\r\n$3\r\n0.5\r\n$3\r\nm74\r\n$3\r\n0.5\r\n$4\r\nm112\r\n$4\r\n0.75\r\n$4\r\nm174\r\n$4\r\n0.75\r\n$4\r\nm273\r\n$4\r\n0.75\r\n$4\r\nm280\r\n$4\r\n0.75\r\n$4\r\nm282\r\n$4\r\n0.75\r\n$3\r\nm67\r\n$4\r\n0.75\r\n$4\r\nm110\r\n$1\r\n1\r\n$3\r\nm49\r\n$1\r\n1\r\n$4\r\nm160\r\n$4\r\n1.25\r\n$4\r\nm166\r\n$4\r\n1.25\r\n$4\r\nm236\r\n$4\r\n1.25\r\n$4\r\nm293\r\n$4\r\n1.25\r\n$3\r\nm63\r\n$4\r\n1.25\r\n$4\r\nm246\r\n$3\r\n1.5\r\n$3\r\nm53\r\n$3\r\n1.5\r\n$4\r\nm254\r\n$4\r\n1.75\r\n$4\r\nm149\r\n$1\r\n2\r\n$4\r\nm204\r\n$1\r\n2\r\n$4\r\nm299\r\n$1\r\n2\r\n$4\r\nm187\r\n$4\r\n2.25\r\n$4\r\nm277\r\n$4\r\n2.25\r\n$3\r\nm12\r\n$3\r\n2.5\r\n$3\r\nm18\r\n$3\r\n2.5\r\n$3\r\nm21\r\n$3\r\n2.5\r\n$3\r\nm43\r\n$3\r\n2.5\r\n$2\r\nm6\r\n$3\r\n2.5\r\n$4\r\nm100\r\n$4\r\n2.75\r\n$4\r\nm102\r\n$4\r\n2.75\r\n$4\r\nm290\r\n$4\r\n2.75\r\n$4\r\nm195\r\n$1\r\n3\r\n$3\r\nm59\r\n$4\r\n3.25\r\n$4\r\nm125\r\n$3\r\n3.5\r\n$4\r\nm158\r\n$3\r\n3.5\r\n$4\r\nm228\r\n$3\r\n3.5\r\n$3\r\nm68\r\n$3\r\n3.5\r\n$4\r\nm292\r\n$4\r\n3.75\r\n$4\r\nm168\r\n$1\r\n4\r\n$4\r\nm275\r\n$1\r\n4\r\n$3\r\nm28\r\n$1\r\n4\r\n$4\r\nm260\r\n$4\r\n4.25\r\n$4\r\nm133\r\n$3\r\n4.5\r\n$3\r\nm72\r\n$3\r\n4.5\r\n$3\r\nm19\r\n$4\r\n4.75\r\n$2\r\nm2\r\n$4\r\n4.75\r\n$3\r\nm87\r\n$4\r\n4.75\r\n$4\r\nm123\r\n$1\r\n5\r\n$3\r\nm14\r\n$1\r\n5\r\n$4\r\nm170\r\n$1\r\n5\r\n$3\r\nm20\r\n$1\r\n5\r\n$4\r\nm155\r\n$4\r\n5.25\r\n$4\r\nm294\r\n$4\r\n5.25\r\n$4\r\nm223\r\n$3\r\n5.5\r\n$4\r\nm253\r\n$3\r\n5.5\r\n$4\r\nm283\r\n$3\r\n5.5\r\n$3\r\nm89\r\n$3\r\n5.5\r\n$4\r\nm263\r\n$4\r\n5.75\r\n$3\r\nm52\r\n$4\r\n5.75\r\n$3\r\nm70\r\n$4\r\n5.75\r\n$3\r\nm88\r\n$4\r\n5.75\r\n$3\r\nm95\r\n$4\r\n5.75\r\n$4\r\nm175\r\n$1\r\n6\r\n$3\r\nm73\r\n$1\r\n6\r\n$3\r\nm75\r\n$1\r\n6\r\n$2\r\nm8\r\n$1\r\n6\r\n$2\r\nm1\r\n$4\r\n6.25\r\n$4\r\nm121\r\n$4\r\n6.25\r\n$4\r\nm180\r\n$4\r\n6.25\r\n$4\r\nm197\r\n$4\r\n6.25\r\n$4\r\nm206\r\n$4\r\n6.25\r\n$4\r\nm271\r\n$4\r\n6.25\r\n$3\r\nm37\r\n$4\r\n6.25\r\n$4\r\nm132\r\n$3\r\n6.5\r\n$4\r\nm153\r\n$3\r\n6.5\r\n$4\r\nm207\r\n$3\r\n6.5\r\n$4\r\nm215\r\n$3\r\n6.5\r\n$4\r\nm241\r\n$3\r\n6.5\r\n$3\r\nm44\r\n$3\r\n6.5\r\n$3\r\nm10\r\n$4\r\n6.75\r\n$4\r\nm115\r\n$4\r\n6.75\r\n$4\r\nm191\r\n$4\r\n6.75\r\n$2\r\nm5\r\n$4\r\n6.75\r\n$3\r\nm81\r\n$4\r\n6.75\r\n$4\r\nm116\r\n$1\r\n7\r\n$4\r\nm138\r\n$1\r\n7\r\n$4\r\nm179\r\n$1\r\n7\r\n$4\r\nm157\r\n$4\r\n7.25\r\n$4\r\nm269\r\n$4\r\n7.25\r\n$4\r\nm291\r\n$4\r\n7.25\r\n$4\r\nm181\r\n$3\r\n7.5\r\n$4\r\nm185\r\n$3\r\n7.5\r\n$4\r\nm203\r\n$3\r\n7.5\r\n$3\r\nm65\r\n$3\r\n7.5\r\n$2\r\nm7\r\n$3\r\n7.5\r\n$4\r\nm101\r\n$4\r\n7.75\r\n$4\r\nm161\r\n$4\r\n7.75\r\n$4\r\nm184\r\n$4\r\n7.75\r\n$3\r\nm23\r\n$4\r\n7.75\r\n$3\r\nm26\r\n$4\r\n7.75\r\n$4\r\nm279\r\n$4\r\n7.75\r\n$3\r\nm94\r\n$4\r\n7.75\r\n$4\r\nm152\r\n$1\r\n8\r\n$4\r\nm267\r\n$1\r\n8\r\n$4\r\nm230\r\n$4\r\n8.25\r\n$4\r\nm237\r\n$4\r\n8.25\r\n$4\r\nm251\r\n$4\r\n8.25\r\n$3\r\nm92\r\n$4\r\n8.25\r\n$3\r\nm32\r\n$4\r\n8.75\r\n$3\r\nm82\r\n$4\r\n8.75\r\n$4\r\nm189\r\n$1\r\n9\r\n$4\r\nm199\r\n$1\r\n9\r\n$4\r\nm235\r\n$1\r\n9\r\n$4\r\nm244\r\n$1\r\n9\r\n$3\r\nm62\r\n$1\r\n9\r\n$4\r\nm154\r\n$4\r\n9.25\r\n$4\r\nm224\r\n$4\r\n9.25\r\n$3\r\nm78\r\n$4\r\n9.25\r\n$4\r\nm141\r\n$3\r\n9.5\r\n$4\r\nm238\r\n$4\r\n9.75\r\n$3\r\nm83\r\n$4\r\n9.75\r\n$3\r\nm85\r\n$4\r\n9.75\r\n$3\r\nm33\r\n$5\r\n12.25\r\n$3\r\nm40\r\n$5\r\n12.25\r\n$4\r\nm150\r\n$3\r\n104\r\n$4\r\nm151\r\n$3\r\n200\r\n", "*262\r\n*2\r\n$4\r\nm134\r\n,-11.5\r\n*2\r\n$4\r\nm259\r\n,-11.5\r\n*2\r\n$4\r\nm285\r\n,-11.5\r\n*2\r\n$4\r\nm297\r\n,-11.5\r\n*2\r\n$3\r\nm57\r\n,-11.5\r\n*2\r\n$4\r\nm114\r\n,-11.25\r\n*2\r\n$4\r\nm118\r\n,-11.25\r\n*2\r\n$4\r\nm142\r\n,-11.25\r\n*2\r\n$3\r\nm38\r\n,-11.25\r\n*2\r\n$4\r\nm183\r\n,-10.75\r\n*2\r\n$4\r\nm198\r\n,-10.75\r\n*2\r\n$4\r\nm105\r\n,-10.5\r\n*2\r\n$3\r\nm34\r\n,-10.5\r\n*2\r\n$2\r\nm9\r\n,-10.5\r\n*2\r\n$3\r\nm99\r\n,-10.5\r\n*2\r\n$4\r\nm130\r\n,-10.25\r\n*2\r\n$4\r\nm248\r\n,-10\r\n*2\r\n$4\r\nm268\r\n,-10\r\n*2\r\n$4\r\nm103\r\n,-9.75\r\n*2\r\n$4\r\nm239\r\n,-9.5\r\n*2\r\n$3\r\nm56\r\n,-9.5\r\n*2\r\n$4\r\nm131\r\n,-9.25\r\n*2\r\n$4\r\nm156\r\n,-9.25\r\n*2\r\n$4\r\nm220\r\n,-9.25\r\n*2\r\n$4\r\nm240\r\n,-9.25\r\n*2\r\n$3\r\nm90\r\n,-9.25\r\n*2\r\n$4\r\nm113\r\n,-8.75\r\n*2\r\n$4\r\nm258\r\n,-8.75\r\n*2\r\n$3\r\nm98\r\n,-8.75\r\n*2\r\n$4\r\nm226\r\n,-8.5\r\n*2\r\n$4\r\nm272\r\n,-8.5\r\n*2\r\n$2\r\nm3\r\n,-8.5\r\n*2\r\n$4\r\nm146\r\n,-8.25\r\n*2\r\n$4\r\nm182\r\n,-8.25\r\n*2\r\n$3\r\nm54\r\n,-8.25\r\n*2\r\n$3\r\nm58\r\n,-8.25\r\n*2\r\n$4\r\nm107\r\n,-7.75\r\n*2\r\n$4\r\nm140\r\n,-7.75\r\n*2\r\n$3\r\nm24\r\n,-7.75\r\n*2\r\n$3\r\nm27\r\n,-7.75\r\n*2\r\n$4\r\nm287\r\n,-7.75\r\n*2\r\n$3\r\nm35\r\n,-7.5\r\n*2\r\n$3\r\nm84\r\n,-7.5\r\n*2\r\n$4\r\nm247\r\n,-7.25\r\n*2\r\n$4\r\nm209\r\n,-7\r\n*2\r\n$4\r\nm211\r\n,-6.75\r\n*2\r\n$4\r\nm234\r\n,-6.75\r\n*2\r\n$4\r\nm264\r\n,-6.75\r\n*2\r\n$3\r\nm16\r\n,-6.5\r\n*2\r\n$4\r\nm261\r\n,-6.5\r\n*2\r\n$4\r\nm135\r\n,-6.25\r\n*2\r\n$4\r\nm288\r\n,-6.25\r\n*2\r\n$4\r\nm252\r\n,-5.75\r\n*2\r\n$3\r\nm60\r\n,-5.75\r\n*2\r\n$3\r\nm93\r\n,-5.75\r\n*2\r\n$4\r\nm229\r\n,-5.5\r\n*2\r\n$4\r\nm245\r\n,-5.5\r\n*2\r\n$4\r\nm256\r\n,-5.5\r\n*2\r\n$4\r\nm296\r\n,-5.5\r\n*2\r\n$3\r\nm15\r\n,-5.25\r\n*2\r\n$3\r\nm25\r\n,-5.25\r\n*2\r\n$3\r\nm76\r\n,-5.25\r\n*2\r\n$2\r\nm0\r\n,-5\r\n*2\r\n$4\r\nm126\r\n,-5\r\n*2\r\n$4\r\nm164\r\n,-5\r\n*2\r\n$4\r\nm232\r\n,-5\r\n*2\r\n$4\r\nm202\r\n,-4.5\r\n*2\r\n$3\r\nm13\r\n,-4.25\r\n*2\r\n$4\r\nm139\r\n,-4.25\r\n*2\r\n$4\r\nm167\r\n,-4.25\r\n*2\r\n$4\r\nm216\r\n,-4.25\r\n*2\r\n$3\r\nm61\r\n,-4.25\r\n*2\r\n$4\r\nm159\r\n,-4\r\n*2\r\n$4\r\nm231\r\n,-4\r\n*2\r\n$4\r\nm255\r\n,-4\r\n*2\r\n$4\r\nm276\r\n,-4\r\n*2\r\n$3\r\nm42\r\n,-4\r\n*2\r\n$3\r\nm96\r\n,-4\r\n*2\r\n$4\r\nm124\r\n,-3.75\r\n*2\r\n$4\r\nm193\r\n,-3.75\r\n*2\r\n$4\r\nm265\r\n,-3.75\r\n*2\r\n$3\r\nm80\r\n,-3.75\r\n*2\r\n$3\r\nm97\r\n,-3.5\r\n*2\r\n$4\r\nm109\r\n,-3.25\r\n*2\r\n$4\r\nm137\r\n,-3.25\r\n*2\r\n$4\r\nm274\r\n,-3.25\r\n*2\r\n$4\r\nm281\r\n,-3.25\r\n*2\r\n$4\r\nm165\r\n,-3\r\n*2\r\n$4\r\nm169\r\n,-3\r\n*2\r\n$4\r\nm205\r\n,-3\r\n*2\r\n$4\r\nm217\r\n,-3\r\n*2\r\n$3\r\nm39\r\n,-3\r\n*2\r\n$3\r\nm66\r\n,-3\r\n*2\r\n$4\r\nm128\r\n,-2.75\r\n*2\r\n$4\r\nm227\r\n,-2.75\r\n*2\r\n$4\r\nm144\r\n,-2.5\r\n*2\r\n$4\r\nm176\r\n,-2.5\r\n*2\r\n$4\r\nm208\r\n,-2.5\r\n*2\r\n$4\r\nm212\r\n,-2.5\r\n*2\r\n$4\r\nm262\r\n,-2.5\r\n*2\r\n$4\r\nm233\r\n,-2.25\r\n*2\r\n$4\r\nm242\r\n,-2.25\r\n*2\r\n$3\r\nm86\r\n,-2.25\r\n*2\r\n$4\r\nm122\r\n,-2\r\n*2\r\n$4\r\nm186\r\n,-2\r\n*2\r\n$4\r\nm243\r\n,-2\r\n*2\r\n$4\r\nm143\r\n,-1.75\r\n*2\r\n$4\r\nm171\r\n,-1.75\r\n*2\r\n$4\r\nm249\r\n,-1.75\r\n*2\r\n$4\r\nm266\r\n,-1.75\r\n*2\r\n$3\r\nm77\r\n,-1.75\r\n*2\r\n$4\r\nm104\r\n,-1.5\r\n*2\r\n$4\r\nm270\r\n,-1.5\r\n*2\r\n$4\r\nm278\r\n,-1.5\r\n*2\r\n$3\r\nm71\r\n,-1.5\r\n*2\r\n$4\r\nm188\r\n,-1.25\r\n*2\r\n$4\r\nm190\r\n,-1.25\r\n*2\r\n$4\r\nm145\r\n,-1\r\n*2\r\n$4\r\nm210\r\n,-1\r\n*2\r\n$3\r\nm55\r\n,-1\r\n*2\r\n$4\r\nm201\r\n,-0.75\r\n*2\r\n$4\r\nm214\r\n,-0.75\r\n*2\r\n$2\r\nm4\r\n,-0.75\r\n*2\r\n$4\r\nm119\r\n,-0.5\r\n*2\r\n$4\r\nm147\r\n,-0.5\r\n*2\r\n$4\r\nm148\r\n,-0.5\r\n*2\r\n$4\r\nm178\r\n,-0.5\r\n*2\r\n$4\r\nm219\r\n,-0.5\r\n*2\r\n$3\r\nm29\r\n,-0.25\r\n*2\r\n$3\r\nm46\r\n,-0.25\r\n*2\r\n$3\r\nm69\r\n,-0.25\r\n*2\r\n$3\r\nm22\r\n,0\r\n*2\r\n$3\r\nm50\r\n,0\r\n*2\r\n$4\r\nm106\r\n,0.5\r\n*2\r\n$4\r\nm136\r\n,0.5\r\n*2\r\n$4\r\nm284\r\n,0.5\r\n*2\r\n$4\r\nm286\r\n,0.5\r\n*2\r\n$3\r\nm74\r\n,0.5\r\n*2\r\n$4\r\nm112\r\n,0.75\r\n*2\r\n$4\r\nm174\r\n,0.75\r\n*2\r\n$4\r\nm273\r\n,0.75\r\n*2\r\n$4\r\nm280\r\n,0.75\r\n*2\r\n$4\r\nm282\r\n,0.75\r\n*2\r\n$3\r\nm67\r\n,0.75\r\n*2\r\n$4\r\nm110\r\n,1\r\n*2\r\n$3\r\nm49\r\n,1\r\n*2\r\n$4\r\nm160\r\n,1.25\r\n*2\r\n$4\r\nm166\r\n,1.25\r\n*2\r\n$4\r\nm236\r\n,1.25\r\n*2\r\n$4\r\nm293\r\n,1.25\r\n*2\r\n$3\r\nm63\r\n,1.25\r\n*2\r\n$4\r\nm246\r\n,1.5\r\n*2\r\n$3\r\nm53\r\n,1.5\r\n*2\r\n$4\r\nm254\r\n,1.75\r\n*2\r\n$4\r\nm149\r\n,2\r\n*2\r\n$4\r\nm204\r\n,2\r\n*2\r\n$4\r\nm299\r\n,2\r\n*2\r\n$4\r\nm187\r\n,2.25\r\n*2\r\n$4\r\nm277\r\n,2.25\r\n*2\r\n$3\r\nm12\r\n,2.5\r\n*2\r\n$3\r\nm18\r\n,2.5\r\n*2\r\n$3\r\nm21\r\n,2.5\r\n*2\r\n$3\r\nm43\r\n,2.5\r\n*2\r\n$2\r\nm6\r\n,2.5\r\n*2\r\n$4\r\nm100\r\n,2.75\r\n*2\r\n$4\r\nm102\r\n,2.75\r\n*2\r\n$4\r\nm290\r\n,2.75\r\n*2\r\n$4\r\nm195\r\n,3\r\n*2\r\n$3\r\nm59\r\n,3.25\r\n*2\r\n$4\r\nm125\r\n,3.5\r\n*2\r\n$4\r\nm158\r\n,3.5\r\n*2\r\n$4\r\nm228\r\n,3.5\r\n*2\r\n$3\r\nm68\r\n,3.5\r\n*2\r\n$4\r\nm292\r\n,3.75\r\n*2\r\n$4\r\nm168\r\n,4\r\n*2\r\n$4\r\nm275\r\n,4\r\n*2\r\n$3\r\nm28\r\n,4\r\n*2\r\n$4\r\nm260\r\n,4.25\r\n*2\r\n$4\r\nm133\r\n,4.5\r\n*2\r\n$3\r\nm72\r\n,4.5\r\n*2\r\n$3\r\nm19\r\n,4.75\r\n*2\r\n$2\r\nm2\r\n,4.75\r\n*2\r\n$3\r\nm87\r\n,4.75\r\n*2\r\n$4\r\nm123\r\n,5\r\n*2\r\n$3\r\nm14\r\n,5\r\n*2\r\n$4\r\nm170\r\n,5\r\n*2\r\n$3\r\nm20\r\n,5\r\n*2\r\n$4\r\nm155\r\n,5.25\r\n*2\r\n$4\r\nm294\r\n,5.25\r\n*2\r\n$4\r\nm223\r\n,5.5\r\n*2\r\n$4\r\nm253\r\n,5.5\r\n*2\r\n$4\r\nm283\r\n,5.5\r\n*2\r\n$3\r\nm89\r\n,5.5\r\n*2\r\n$4\r\nm263\r\n,5.75\r\n*2\r\n$3\r\nm52\r\n,5.75\r\n*2\r\n$3\r\nm70\r\n,5.75\r\n*2\r\n$3\r\nm88\r\n,5.75\r\n*2\r\n$3\r\nm95\r\n,5.75\r\n*2\r\n$4\r\nm175\r\n,6\r\n*2\r\n$3\r\nm73\r\n,6\r\n*2\r\n$3\r\nm75\r\n,6\r\n*2\r\n$2\r\nm8\r\n,6\r\n*2\r\n$2\r\nm1\r\n,6.25\r\n*2\r\n$4\r\nm121\r\n,6.25\r\n*2\r\n$4\r\nm180\r\n,6.25\r\n*2\r\n$4\r\nm197\r\n,6.25\r\n*2\r\n$4\r\nm206\r\n,6.25\r\n*2\r\n$4\r\nm271\r\n,6.25\r\n*2\r\n$3\r\nm37\r\n,6.25\r\n*2\r\n$4\r\nm132\r\n,6.5\r\n*2\r\n$4\r\nm153\r\n,6.5\r\n*2\r\n$4\r\nm207\r\n,6.5\r\n*2\r\n$4\r\nm215\r\n,6.5\r\n*2\r\n$4\r\nm241\r\n,6.5\r\n*2\r\n$3\r\nm44\r\n,6.5\r\n*2\r\n$3\r\nm10\r\n,6.75\r\n*2\r\n$4\r\nm115\r\n,6.75\r\n*2\r\n$4\r\nm191\r\n,6.75\r\n*2\r\n$2\r\nm5\r\n,6.75\r\n*2\r\n$3\r\nm81\r\n,6.75\r\n*2\r\n$4\r\nm116\r\n,7\r\n*2\r\n$4\r\nm138\r\n,7\r\n*2\r\n$4\r\nm179\r\n,7\r\n*2\r\n$4\r\nm157\r\n,7.25\r\n*2\r\n$4\r\nm269\r\n,7.25\r\n*2\r\n$4\r\nm291\r\n,7.25\r\n*2\r\n$4\r\nm181\r\n,7.5\r\n*2\r\n$4\r\nm185\r\n,7.5\r\n*2\r\n$4\r\nm203\r\n,7.5\r\n*2\r\n$3\r\nm65\r\n,7.5\r\n*2\r\n$2\r\nm7\r\n,7.5\r\n*2\r\n$4\r\nm101\r\n,7.75\r\n*2\r\n$4\r\nm161\r\n,7.75\r\n*2\r\n$4\r\nm184\r\n,7.75\r\n*2\r\n$3\r\nm23\r\n,7.75\r\n*2\r\n$3\r\nm26\r\n,7.75\r\n*2\r\n$4\r\nm279\r\n,7.75\r\n*2\r\n$3\r\nm94\r\n,7.75\r\n*2\r\n$4\r\nm152\r\n,8\r\n*2\r\n$4\r\nm267\r\n,8\r\n*2\r\n$4\r\nm230\r\n,8.25\r\n*2\r\n$4\r\nm237\r\n,8.25\r\n*2\r\n$4\r\nm251\r\n,8.25\r\n*2\r\n$3\r\nm92\r\n,8.25\r\n*2\r\n$3\r\nm32\r\n,8.75\r\n*2\r\n$3\r\nm82\r\n,8.75\r\n*2\r\n$4\r\nm189\r\n,9\r\n*2\r\n$4\r\nm199\r\n,9\r\n*2\r\n$4\r\nm235\r\n,9\r\n*2\r\n$4\r\nm244\r\n,9\r\n*2\r\n$3\r\nm62\r\n,9\r\n*2\r\n$4\r\nm154\r\n,9.25\r\n*2\r\n$4\r\nm224\r\n,9.25\r\n*2\r\n$3\r\nm78\r\n,9.25\r\n*2\r\n$4\r\nm141\r\n,9.5\r\n*2\r\n$4\r\nm238\r\n,9.75\r\n*2\r\n$3\r\nm83\r\n,9.75\r\n*2\r\n$3\r\nm85\r\n,9.75\r\n*2\r\n$3\r\nm33\r\n,12.25\r\n*2\r\n$3\r\nm40\r\n,12.25\r\n*2\r\n$4\r\nm150\r\n,104\r\n*2\r\n$4\r\nm151\r\n,200\r\n"),
    ("ZREM big m1 m2 m3 m4", ":4\r\n", SAME),
    ("OBJECT ENCODING big", "$8\r\nskiplist\r\n", SAME),
    ("ZADD lex 0 aaa 0 aae 0 aba 0 abb 0 abc 0 abe 0 aca 0 acb 0 acc 0 acd 0 ace 0 ada 0 adb 0 adc 0 ade 0 aea 0 aec 0 aed 0 aee 0 baa 0 bab 0 bac 0 bad 0 bae 0 bba 0 bbb 0 bbd 0 bbe 0 bcc 0 bcd 0 bce 0 bda 0 bdb 0 bdc 0 bdd 0 bde 0 bea 0 beb 0 bec 0 bed 0 bee 0 caa 0 cac 0 cad 0 cba 0 cbb 0 cbc 0 cca 0 ccb 0 ccc 0 ccd 0 cce 0 cda 0 cdc 0 cde 0 cea 0 cec 0 ced 0 cee 0 daa 0 dab 0 dac 0 dad 0 dae 0 dba 0 dbb 0 dbd 0 dbe 0 dca 0 dcd 0 dce 0 dda 0 ddb 0 ddc 0 ddd 0 dde 0 dea 0 deb 0 dec 0 ded 0 dee 0 eaa 0 eab 0 eac 0 eae 0 eba 0 ebb 0 ebd 0 eca 0 ecb 0 ecc 0 ece 0 eda 0 edb 0 ede 0 eea 0 eec 0 eed 0 eee", ":99\r\n", SAME),
    ("OBJECT ENCODING lex", "$8\r\nlistpack\r\n", SAME),
    ("ZRANGEBYLEX lex [b (d", "*40\r\n$3\r\nbaa\r\n$3\r\nbab\r\n$3\r\nbac\r\n$3\r\nbad\r\n$3\r\nbae\r\n$3\r\nbba\r\n$3\r\nbbb\r\n$3\r\nbbd\r\n$3\r\nbbe\r\n$3\r\nbcc\r\n$3\r\nbcd\r\n$3\r\nbce\r\n$3\r\nbda\r\n$3\r\nbdb\r\n$3\r\nbdc\r\n$3\r\nbdd\r\n$3\r\nbde\r\n$3\r\nbea\r\n$3\r\nbeb\r\n$3\r\nbec\r\n$3\r\nbed\r\n$3\r\nbee\r\n$3\r\ncaa\r\n$3\r\ncac\r\n$3\r\ncad\r\n$3\r\ncba\r\n$3\r\ncbb\r\n$3\r\ncbc\r\n$3\r\ncca\r\n$3\r\nccb\r\n$3\r\nccc\r\n$3\r\nccd\r\n$3\r\ncce\r\n$3\r\ncda\r\n$3\r\ncdc\r\n$3\r\ncde\r\n$3\r\ncea\r\n$3\r\ncec\r\n$3\r\nced\r\n$3\r\ncee\r\n", SAME),
    ("ZREVRANGEBYLEX lex (d [b LIMIT 5 5", "*5\r\n$3\r\ncdc\r\n$3\r\ncda\r\n$3\r\ncce\r\n$3\r\nccd\r\n$3\r\nccc\r\n", SAME),
    ("ZLEXCOUNT lex - +", ":99\r\n", SAME),
    ("ZLEXCOUNT lex (a [c", ":41\r\n", SAME),
    ("ZREMRANGEBYLEX lex [c +", ":58\r\n", SAME),
    ("ZRANGE lex 0 -1", "*41\r\n$3\r\naaa\r\n$3\r\naae\r\n$3\r\naba\r\n$3\r\nabb\r\n$3\r\nabc\r\n$3\r\nabe\r\n$3\r\naca\r\n$3\r\nacb\r\n$3\r\nacc\r\n$3\r\nacd\r\n$3\r\nace\r\n$3\r\nada\r\n$3\r\nadb\r\n$3\r\nadc\r\n$3\r\nade\r\n$3\r\naea\r\n$3\r\naec\r\n$3\r\naed\r\n$3\r\naee\r\n$3\r\nbaa\r\n$3\r\nbab\r\n$3\r\nbac\r\n$3\r\nbad\r\n$3\r\nbae\r\n$3\r\nbba\r\n$3\r\nbbb\r\n$3\r\nbbd\r\n$3\r\nbbe\r\n$3\r\nbcc\r\n$3\r\nbcd\r\n$3\r\nbce\r\n$3\r\nbda\r\n$3\r\nbdb\r\n$3\r\nbdc\r\n$3\r\nbdd\r\n$3\r\nbde\r\n$3\r\nbea\r\n$3\r\nbeb\r\n$3\r\nbec\r\n$3\r\nbed\r\n$3\r\nbee\r\n", SAME),
];
const SET_INPUTS: &[(&str, &str, &str)] = &[
    ("ZADD a 1 x 2 y 3 z", ":3\r\n", SAME),
    ("ZADD b 10 y 20 z 30 w", ":3\r\n", SAME),
    ("SADD s y w q", ":3\r\n", SAME),
    ("SADD ints 1 2 3", ":3\r\n", SAME),
    ("ZADD zi 5 1 6 2 7 9", ":3\r\n", SAME),
    ("ZUNION 3 a b s WITHSCORES", "*10\r\n$1\r\nq\r\n$1\r\n1\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n13\r\n$1\r\nz\r\n$2\r\n23\r\n$1\r\nw\r\n$2\r\n31\r\n", "*5\r\n*2\r\n$1\r\nq\r\n,1\r\n*2\r\n$1\r\nx\r\n,1\r\n*2\r\n$1\r\ny\r\n,13\r\n*2\r\n$1\r\nz\r\n,23\r\n*2\r\n$1\r\nw\r\n,31\r\n"),
    ("ZINTER 3 a b s WITHSCORES", "*2\r\n$1\r\ny\r\n$2\r\n13\r\n", "*1\r\n*2\r\n$1\r\ny\r\n,13\r\n"),
    ("ZDIFF 2 b s WITHSCORES", "*2\r\n$1\r\nz\r\n$2\r\n20\r\n", "*1\r\n*2\r\n$1\r\nz\r\n,20\r\n"),
    ("ZINTERSTORE d 2 a s", ":1\r\n", SAME),
    ("ZRANGE d 0 -1 WITHSCORES", "*2\r\n$1\r\ny\r\n$1\r\n3\r\n", "*1\r\n*2\r\n$1\r\ny\r\n,3\r\n"),
    ("ZUNION 2 zi ints WEIGHTS 2 3 WITHSCORES", "*8\r\n$1\r\n3\r\n$1\r\n3\r\n$1\r\n1\r\n$2\r\n13\r\n$1\r\n9\r\n$2\r\n14\r\n$1\r\n2\r\n$2\r\n15\r\n", "*4\r\n*2\r\n$1\r\n3\r\n,3\r\n*2\r\n$1\r\n1\r\n,13\r\n*2\r\n$1\r\n9\r\n,14\r\n*2\r\n$1\r\n2\r\n,15\r\n"),
    ("ZINTER 2 ints zi AGGREGATE MIN WITHSCORES", "*4\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n1\r\n", "*2\r\n*2\r\n$1\r\n1\r\n,1\r\n*2\r\n$1\r\n2\r\n,1\r\n"),
    ("ZDIFF 2 ints zi WITHSCORES", "*2\r\n$1\r\n3\r\n$1\r\n1\r\n", "*1\r\n*2\r\n$1\r\n3\r\n,1\r\n"),
    ("ZINTERCARD 2 s b", ":2\r\n", SAME),
    ("ZUNIONSTORE d 1 s", ":3\r\n", SAME),
    ("ZRANGE d 0 -1 WITHSCORES", "*6\r\n$1\r\nq\r\n$1\r\n1\r\n$1\r\nw\r\n$1\r\n1\r\n$1\r\ny\r\n$1\r\n1\r\n", "*3\r\n*2\r\n$1\r\nq\r\n,1\r\n*2\r\n$1\r\nw\r\n,1\r\n*2\r\n$1\r\ny\r\n,1\r\n"),
    ("ZDIFFSTORE d 1 ints", ":3\r\n", SAME),
    ("ZRANGE d 0 -1 WITHSCORES", "*6\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n1\r\n", "*3\r\n*2\r\n$1\r\n1\r\n,1\r\n*2\r\n$1\r\n2\r\n,1\r\n*2\r\n$1\r\n3\r\n,1\r\n"),
    ("ZINTER 1 s WEIGHTS inf WITHSCORES", "*6\r\n$1\r\nq\r\n$3\r\ninf\r\n$1\r\nw\r\n$3\r\ninf\r\n$1\r\ny\r\n$3\r\ninf\r\n", "*3\r\n*2\r\n$1\r\nq\r\n,inf\r\n*2\r\n$1\r\nw\r\n,inf\r\n*2\r\n$1\r\ny\r\n,inf\r\n"),
];

/// COMMAND GETKEYS finds the keys `numkeys` counts; COMMAND INFO describes them as a keynum
/// key spec, as Redis does.
#[test]
fn movable_keys_are_found_and_described() {
    let server = TestServer::start();
    run_script(&server, KEYS_INTROSPECTION);
}

const KEYS_INTROSPECTION: &[(&str, &str, &str)] = &[
    ("COMMAND INFO zunion", "*1\r\n*10\r\n$6\r\nzunion\r\n:-3\r\n*2\r\n+readonly\r\n+movablekeys\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@read\r\n+@sortedset\r\n+@slow\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$6\r\nkeynum\r\n$4\r\nspec\r\n*6\r\n$9\r\nkeynumidx\r\n:0\r\n$8\r\nfirstkey\r\n:1\r\n$7\r\nkeystep\r\n:1\r\n*0\r\n", "*1\r\n*10\r\n$6\r\nzunion\r\n:-3\r\n~2\r\n+readonly\r\n+movablekeys\r\n:0\r\n:0\r\n:0\r\n~3\r\n+@read\r\n+@sortedset\r\n+@slow\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$6\r\nkeynum\r\n$4\r\nspec\r\n%3\r\n$9\r\nkeynumidx\r\n:0\r\n$8\r\nfirstkey\r\n:1\r\n$7\r\nkeystep\r\n:1\r\n~0\r\n"),
    ("COMMAND INFO zmpop", "*1\r\n*10\r\n$5\r\nzmpop\r\n:-4\r\n*2\r\n+write\r\n+movablekeys\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@write\r\n+@sortedset\r\n+@slow\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$6\r\nkeynum\r\n$4\r\nspec\r\n*6\r\n$9\r\nkeynumidx\r\n:0\r\n$8\r\nfirstkey\r\n:1\r\n$7\r\nkeystep\r\n:1\r\n*0\r\n", "*1\r\n*10\r\n$5\r\nzmpop\r\n:-4\r\n~2\r\n+write\r\n+movablekeys\r\n:0\r\n:0\r\n:0\r\n~3\r\n+@write\r\n+@sortedset\r\n+@slow\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~3\r\n+RW\r\n+access\r\n+delete\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$6\r\nkeynum\r\n$4\r\nspec\r\n%3\r\n$9\r\nkeynumidx\r\n:0\r\n$8\r\nfirstkey\r\n:1\r\n$7\r\nkeystep\r\n:1\r\n~0\r\n"),
    ("COMMAND INFO zintercard", "*1\r\n*10\r\n$10\r\nzintercard\r\n:-3\r\n*2\r\n+readonly\r\n+movablekeys\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@read\r\n+@sortedset\r\n+@slow\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$6\r\nkeynum\r\n$4\r\nspec\r\n*6\r\n$9\r\nkeynumidx\r\n:0\r\n$8\r\nfirstkey\r\n:1\r\n$7\r\nkeystep\r\n:1\r\n*0\r\n", "*1\r\n*10\r\n$10\r\nzintercard\r\n:-3\r\n~2\r\n+readonly\r\n+movablekeys\r\n:0\r\n:0\r\n:0\r\n~3\r\n+@read\r\n+@sortedset\r\n+@slow\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$6\r\nkeynum\r\n$4\r\nspec\r\n%3\r\n$9\r\nkeynumidx\r\n:0\r\n$8\r\nfirstkey\r\n:1\r\n$7\r\nkeystep\r\n:1\r\n~0\r\n"),
    ("COMMAND GETKEYS ZUNIONSTORE d 2 a b WEIGHTS 1 2", "*3\r\n$1\r\nd\r\n$1\r\na\r\n$1\r\nb\r\n", SAME),
    ("COMMAND GETKEYS ZUNION 3 a b c", "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", SAME),
    ("COMMAND GETKEYS ZUNION 3 a b", "-ERR Invalid arguments specified for command\r\n", SAME),
    ("COMMAND GETKEYS ZMPOP 2 a b MIN", "*2\r\n$1\r\na\r\n$1\r\nb\r\n", SAME),
    ("COMMAND GETKEYS ZINTERCARD 1 a LIMIT 1", "*1\r\n$1\r\na\r\n", SAME),
    ("COMMAND GETKEYS ZDIFFSTORE d 1 a", "*2\r\n$1\r\nd\r\n$1\r\na\r\n", SAME),
    ("COMMAND GETKEYS ZRANGESTORE d s 0 1", "*2\r\n$1\r\nd\r\n$1\r\ns\r\n", SAME),
    ("COMMAND GETKEYS ZADD k 1 m", "*1\r\n$1\r\nk\r\n", SAME),
];

/// Extreme indexes, offsets, counts and cursors are clamped, refused or answered as Redis does,
/// never overflowing or allocating by the number.
#[test]
fn hostile_numbers() {
    let server = TestServer::start();
    run_script(&server, HOSTILE);
}

const HOSTILE: &[(&str, &str, &str)] = &[
    ("ZADD z 1 a 2 b 3 c", ":3\r\n", SAME),
    ("ZRANGE z -9223372036854775808 9223372036854775807", "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", SAME),
    ("ZRANGE z 9223372036854775807 -9223372036854775808", "*0\r\n", SAME),
    ("ZRANGE z 0 -1 BYSCORE LIMIT 9223372036854775807 9223372036854775807", "*0\r\n", SAME),
    ("ZRANGE z -inf +inf BYSCORE LIMIT 1 9223372036854775807", "*2\r\n$1\r\nb\r\n$1\r\nc\r\n", SAME),
    ("ZRANGE z +inf -inf BYSCORE REV LIMIT 9223372036854775807 1", "*0\r\n", SAME),
    ("ZRANGE z -inf +inf BYSCORE LIMIT -9223372036854775808 -9223372036854775808", "*0\r\n", SAME),
    ("ZRANGE z 0 -1 LIMIT 0 99999999999999999999", "-ERR value is not an integer or out of range\r\n", SAME),
    ("ZREMRANGEBYRANK z 9223372036854775807 -9223372036854775808", ":0\r\n", SAME),
    ("ZPOPMIN z 9223372036854775807", "*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n", "*3\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n"),
    ("ZADD z 1 a 2 b 3 c", ":3\r\n", SAME),
    ("ZMPOP 1 z MAX COUNT 9223372036854775807", "*2\r\n$1\r\nz\r\n*3\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", "*2\r\n$1\r\nz\r\n*3\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\na\r\n,1\r\n"),
    ("ZMPOP 9223372036854775807 z MAX", "-ERR syntax error\r\n", SAME),
    ("ZMPOP -1 z MAX", "-ERR numkeys should be greater than 0\r\n", SAME),
    ("ZUNION 9223372036854775807 z", "-ERR syntax error\r\n", SAME),
    ("ZUNIONSTORE d 9223372036854775807 z", "-ERR syntax error\r\n", SAME),
    ("ZINTERCARD 9223372036854775807 z", "-ERR syntax error\r\n", SAME),
    ("ZRANDMEMBER z 9223372036854775807", "*0\r\n", SAME),
    ("ZRANDMEMBER z -9223372036854775807 WITHSCORES", "-ERR value is out of range\r\n", SAME),
    ("ZSCAN z 18446744073709551615", "*2\r\n$1\r\n0\r\n*0\r\n", SAME),
    ("ZSCAN z -1", "*2\r\n$1\r\n0\r\n*0\r\n", SAME),
    ("ZSCAN z 18446744073709551616", "-ERR invalid cursor\r\n", SAME),
    ("ZADD z 1e400 a", "-ERR value is not a valid float\r\n", SAME),
    ("ZADD z 0x10 hex", ":1\r\n", SAME),
    ("ZSCORE z hex", "$2\r\n16\r\n", ",16\r\n"),
    // 0 x 2^1024 is 0 (it was computed as 0 x inf = NaN, which a restart then refused).
    ("ZADD z 0x0p1024 zero", ":1\r\n", SAME),
    ("ZSCORE z zero", "$1\r\n0\r\n", ",0\r\n"),
    ("ZINCRBY z 0x0p1024 zero", "$1\r\n0\r\n", ",0\r\n"),
    ("ZADD z 0x1p1024 big", "-ERR value is not a valid float\r\n", SAME),
    ("ZADD z 0x1p-1100 tiny", "-ERR value is not a valid float\r\n", SAME),
    ("ZCOUNT z 1e400 +inf", ":0\r\n", SAME),
    ("ZCOUNT z (inf +inf", ":0\r\n", SAME),
    ("ZCOUNT z -inf (-inf", ":0\r\n", SAME),
    ("ZADD z INCR 1 a 2 b", "-ERR INCR option supports a single increment-element pair\r\n", SAME),
    ("ZADD z INCR", "-ERR wrong number of arguments for 'zadd' command\r\n", SAME),
    ("ZADD z NX XX GT LT 1", "-ERR syntax error\r\n", SAME),
];

/// INFO persistence's journal_last_seq.
fn last_seq(client: &mut RawClient) -> u64 {
    let info = client.cmd(&["INFO", "persistence"]);
    info.lines()
        .find_map(|l| l.strip_prefix("journal_last_seq:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no journal_last_seq in {info}"))
}

/// A write that changes something journals exactly one record; one that changes nothing (or
/// fails) journals none.
#[test]
fn writes_journal_once_and_no_ops_never() {
    let server = TestServer::start();
    let mut client = server.raw();
    let changing: &[&str] = &[
        "ZADD z 1 a 2 b 3 c 4 d 5 e",
        "ZADD z XX CH 9 a",
        "ZADD z INCR 1 b",
        "ZINCRBY z 1 c",
        "ZREM z a nope",
        "ZREMRANGEBYRANK z 0 0",
        "ZREMRANGEBYSCORE z 4 4",
        "ZPOPMIN z",
        "ZADD z 1 a 2 b 3 c",
        "ZPOPMAX z 2",
        "ZMPOP 2 nokey z MIN",
        "ZADD l 0 a 0 b",
        "ZREMRANGEBYLEX l - [a",
        "ZRANGESTORE d l 0 -1",
        "ZRANGESTORE d nokey 0 -1",
        "ZUNIONSTORE u 2 l z",
        "ZINTERSTORE i 2 l u",
        "ZDIFFSTORE df 1 l",
        "ZADD e 1 x",
        "ZREM e x",
    ];
    let unchanged: &[&str] = &[
        "ZADD l NX 5 b",
        "ZADD l XX 1 nope",
        "ZADD nokey XX 1 a",
        "ZADD l GT 0 b",
        "ZADD l 0 b",
        "ZADD l INCR 0 b",
        "ZADD l NX INCR 1 b",
        "ZINCRBY l 0 b",
        "ZREM l nope",
        "ZREM nokey a",
        "ZREMRANGEBYRANK l 5 10",
        "ZREMRANGEBYSCORE l 100 200",
        "ZREMRANGEBYLEX l (z +",
        "ZPOPMIN nokey",
        "ZPOPMIN l 0",
        "ZMPOP 1 nokey MIN",
        "ZRANGESTORE d2 nokey 0 -1",
        "ZUNIONSTORE d2 1 nokey",
        "ZADD l 1 a 2",
        "ZADD l nan a",
        "ZRANGE l 0 -1",
        "ZSCAN l 0",
    ];
    for line in changing {
        let before = last_seq(&mut client);
        let args: Vec<&str> = line.split(' ').collect();
        let reply = client.cmd(&args);
        assert!(!reply.starts_with('-'), "{line}: {reply}");
        assert_eq!(last_seq(&mut client), before + 1, "{line} must journal one record");
    }
    let inf = client.cmd(&["ZADD", "inf", "+inf", "m"]);
    assert_eq!(inf, int(1));
    let mut unchanged = unchanged.to_vec();
    unchanged.push("ZADD inf INCR -inf m");
    for line in unchanged {
        let before = last_seq(&mut client);
        let args: Vec<&str> = line.split(' ').collect();
        client.cmd(&args);
        assert_eq!(last_seq(&mut client), before, "{line} must journal nothing");
    }
}

/// A destination that is also a source, TTLs kept by element writes and dropped by STORE
/// commands, and REV ranges given as max then min.
#[test]
fn destinations_sources_and_ttls() {
    let server = TestServer::start();
    run_script(&server, SELF_AND_EXPIRY);
}

const SELF_AND_EXPIRY: &[(&str, &str, &str)] = &[
    ("ZADD z 1 a 2 b 3 c", ":3\r\n", SAME),
    ("ZADD o 10 b 20 x", ":2\r\n", SAME),
    ("ZRANGESTORE z z 0 0", ":1\r\n", SAME),
    ("ZRANGE z 0 -1 WITHSCORES", "*2\r\n$1\r\na\r\n$1\r\n1\r\n", "*1\r\n*2\r\n$1\r\na\r\n,1\r\n"),
    ("ZADD z 2 b 3 c", ":2\r\n", SAME),
    ("ZUNIONSTORE z 2 z o", ":4\r\n", SAME),
    ("ZRANGE z 0 -1 WITHSCORES", "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$2\r\n12\r\n$1\r\nx\r\n$2\r\n20\r\n", "*4\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nb\r\n,12\r\n*2\r\n$1\r\nx\r\n,20\r\n"),
    ("ZINTERSTORE o 2 z o AGGREGATE MIN", ":2\r\n", SAME),
    ("ZRANGE o 0 -1 WITHSCORES", "*4\r\n$1\r\nb\r\n$2\r\n10\r\n$1\r\nx\r\n$2\r\n20\r\n", "*2\r\n*2\r\n$1\r\nb\r\n,10\r\n*2\r\n$1\r\nx\r\n,20\r\n"),
    ("ZDIFFSTORE z 2 z z", ":0\r\n", SAME),
    ("EXISTS z", ":0\r\n", SAME),
    ("ZADD e 1 a", ":1\r\n", SAME),
    ("EXPIREAT e 99999999999", ":1\r\n", SAME),
    ("ZADD e 2 b", ":1\r\n", SAME),
    ("EXPIRETIME e", ":99999999999\r\n", SAME),
    ("ZUNIONSTORE e 1 o", ":2\r\n", SAME),
    ("TTL e", ":-1\r\n", SAME),
    ("ZADD big 1 a", ":1\r\n", SAME),
    ("OBJECT ENCODING big", "$8\r\nlistpack\r\n", SAME),
    ("ZMSCORE big a", "*1\r\n$1\r\n1\r\n", "*1\r\n,1\r\n"),
    ("ZRANGE o (1 +inf BYSCORE REV", "*0\r\n", SAME),
    ("ZRANGE o +inf (1 BYSCORE REV WITHSCORES", "*4\r\n$1\r\nx\r\n$2\r\n20\r\n$1\r\nb\r\n$2\r\n10\r\n", "*2\r\n*2\r\n$1\r\nx\r\n,20\r\n*2\r\n$1\r\nb\r\n,10\r\n"),
    ("ZREVRANGEBYSCORE o 5 1 WITHSCORES LIMIT 0 1", "*0\r\n", SAME),
    ("ZRANGE o 0 -1 BYLEX", "-ERR min or max not valid string range item\r\n", SAME),
    ("ZRANGE o [a [z BYLEX LIMIT 0", "-ERR syntax error\r\n", SAME),
];

/// One random sorted set write over a few keys and members (some long, so sets convert).
fn random_write(rng: &mut fastrand::Rng) -> Vec<String> {
    let key = |rng: &mut fastrand::Rng| format!("z{}", rng.u32(0..4));
    let member = |rng: &mut fastrand::Rng| {
        if rng.u32(0..50) == 0 {
            format!("long{}{}", rng.u32(0..5), "x".repeat(70))
        } else {
            format!("m{}", rng.u32(0..300))
        }
    };
    let score = |rng: &mut fastrand::Rng| match rng.u32(0..20) {
        0 => "-inf".to_string(),
        1 => "+inf".to_string(),
        _ => format!("{}", f64::from(rng.i32(-40..40)) / 4.0),
    };
    let mut words: Vec<String> = match rng.u32(0..14) {
        0..=4 => {
            let mut w = vec!["ZADD".to_string(), key(rng)];
            let flags = ["NX", "XX", "GT", "LT", "CH"];
            if rng.bool() {
                w.push(flags[rng.usize(..flags.len())].to_string());
            }
            for _ in 0..rng.usize(1..30) {
                w.push(score(rng));
                w.push(member(rng));
            }
            w
        }
        5 => vec!["ZINCRBY".into(), key(rng), score(rng), member(rng)],
        6 => {
            let mut w = vec!["ZREM".to_string(), key(rng)];
            w.extend((0..rng.usize(1..10)).map(|_| member(rng)));
            w
        }
        7 => vec!["ZREMRANGEBYRANK".into(), key(rng), rng.i32(-5..5).to_string(), "3".into()],
        8 => vec!["ZREMRANGEBYSCORE".into(), key(rng), score(rng), score(rng)],
        9 => vec![if rng.bool() { "ZPOPMIN" } else { "ZPOPMAX" }.into(), key(rng), "3".into()],
        10 => {
            let side = if rng.bool() { "MIN" } else { "MAX" };
            vec![
                "ZMPOP".into(),
                "2".into(),
                key(rng),
                key(rng),
                side.into(),
                "COUNT".into(),
                "2".into(),
            ]
        }
        11 => {
            vec!["ZRANGESTORE".into(), key(rng), key(rng), "0".into(), rng.i32(-3..150).to_string()]
        }
        12 => {
            let op = ["ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"][rng.usize(..3)];
            let mut w = vec![op.to_string(), key(rng), "2".into(), key(rng), key(rng)];
            if op != "ZDIFFSTORE" && rng.bool() {
                w.extend(["WEIGHTS".into(), score(rng), "2".into()]);
                w.extend(["AGGREGATE".into(), ["SUM", "MIN", "MAX"][rng.usize(..3)].into()]);
            }
            w
        }
        _ => vec!["ZREMRANGEBYLEX".into(), key(rng), "[m1".into(), "(m2".into()],
    };
    words.shrink_to_fit();
    words
}

/// Seeded random write sequences leave the same sets, scores, order and encodings after a
/// restart as before it.
#[test]
fn random_writes_replay_to_the_same_state() {
    let mut server = TestServer::start();
    let keys = ["z0", "z1", "z2", "z3"];
    for seed in 0..3u64 {
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut client = server.raw();
        for _ in 0..700 {
            let words = random_write(&mut rng);
            let args: Vec<&str> = words.iter().map(String::as_str).collect();
            client.cmd(&args);
        }
        let before = state(&mut client, &keys);
        drop(client);
        server.restart();
        let mut client = server.raw();
        assert_eq!(state(&mut client, &keys), before, "seed {seed}");
    }
}
