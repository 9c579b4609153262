//! The Rust `redis` crate (1.8.1, the version Cargo.lock pins) in the client matrix
//! (docs/CLIENTS.md): its sync API, its tokio API and its ConnectionManager, over RESP2 and
//! RESP3, each run against a fresh AllyDB and a fresh redis-server, and both must pass.
mod common;

use std::collections::{HashMap, HashSet};
use std::num::NonZeroUsize;
use std::time::Duration;

use common::servers::{Kind, Server};
use common::{has_client_setinfo, monitored_until, setinfo_monitor_lines, SetInfo};
use futures_util::StreamExt;
use redis::aio::{ConnectionManagerConfig, MultiplexedConnection};
use redis::{
    AsyncCommands, AsyncConnectionConfig, Client, Commands, ErrorKind, InfoDict, PushInfo,
    PushKind, RedisError, ServerErrorKind, Value,
};

const WRONGTYPE_DETAIL: &str = "Operation against a key holding the wrong kind of value";

/// A guard against a hang, not a timed assertion: a reply or message normally takes
/// milliseconds, and a test that waits this long has failed anyway.
const HANG_GUARD: Duration = Duration::from_secs(20);

/// The URL a user writes: no query for the library's default (RESP2), `protocol=resp3` for
/// RESP3.
fn url(port: u16, resp3: bool) -> String {
    if resp3 {
        format!("redis://127.0.0.1:{port}/?protocol=resp3")
    } else {
        format!("redis://127.0.0.1:{port}/")
    }
}

fn client(port: u16, resp3: bool) -> Client {
    Client::open(url(port, resp3)).expect("a valid URL")
}

fn label(kind: Kind, resp3: bool) -> String {
    format!("{} {}", kind.name(), if resp3 { "RESP3" } else { "RESP2" })
}

/// How the crate (1.8.1) sends CLIENT SETINFO on connect.
const REDIS_RS_SETINFO: SetInfo =
    SetInfo { command: "CLIENT", name: "redis-rs", version: "1.8.1", name_first: true };

/// `redis_version` from INFO, parsed by the crate's `InfoDict`; (major, minor).
fn server_version(info: &InfoDict) -> (u32, u32) {
    let version: String = info.get("redis_version").expect("redis_version in INFO");
    let mut parts = version.split('.').map(|p| p.parse::<u32>().expect("numeric version"));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// WRONGTYPE is no kind of its own in the crate: an `Extension` error carrying Redis's code
/// and text.
fn assert_wrongtype(error: &RedisError, context: &str) {
    assert_eq!(error.kind(), ErrorKind::Extension, "{context}: {error:?}");
    assert_eq!(error.code(), Some("WRONGTYPE"), "{context}: {error:?}");
    assert_eq!(error.detail(), Some(WRONGTYPE_DETAIL), "{context}: {error:?}");
    assert!(error.to_string().contains(WRONGTYPE_DETAIL), "{context}: {error}");
}

/// One `CLIENT LIST` line as `field=value` pairs (the crate returns the text as it came).
fn client_list_entry(list: &str, name: &str) -> HashMap<String, String> {
    let wanted = format!(" name={name} ");
    let line = list.lines().find(|line| line.contains(&wanted));
    let line = line.unwrap_or_else(|| panic!("no client named {name} in {list:?}"));
    line.split(' ')
        .filter_map(|field| field.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

// ----------------------------------------------------------------------------------------
// The sync API: `Client::get_connection`, `Commands`, `redis::pipe()`, `redis::transaction`,
// the scan iterators, `as_pubsub()`.

fn sync_strings(con: &mut redis::Connection) {
    let _: () = con.set("s:name", "ally").unwrap();
    assert_eq!(con.get::<_, Option<String>>("s:name").unwrap().as_deref(), Some("ally"));
    assert_eq!(con.get::<_, Option<String>>("s:missing").unwrap(), None);
    assert!(!con.set_nx::<_, _, bool>("s:name", "other").unwrap());
    assert!(con.set_nx::<_, _, bool>("s:fresh", "v").unwrap());
    let _: () = con.set_ex("s:ex", "v", 100).unwrap();
    let ttl: i64 = con.ttl("s:ex").unwrap();
    assert!((99..=100).contains(&ttl), "TTL {ttl}");
    let options = redis::SetOptions::default().with_expiration(redis::SetExpiry::PX(60_000));
    let _: () = con.set_options("s:px", "v", options).unwrap();
    let pttl: i64 = con.pttl("s:px").unwrap();
    assert!((1..=60_000).contains(&pttl), "PTTL {pttl}");
    assert!(con.persist::<_, bool>("s:px").unwrap());
    assert_eq!(con.ttl::<_, i64>("s:px").unwrap(), -1);
    assert_eq!(con.ttl::<_, i64>("s:missing").unwrap(), -2);
    assert!(con.expire::<_, bool>("s:name", 1000).unwrap());
    // An expiry observed: a 1 s key is gone once it has passed.
    let _: () = con.pset_ex("s:short", "v", 1000).unwrap();
    assert!(con.exists::<_, bool>("s:short").unwrap());
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(con.get::<_, Option<String>>("s:short").unwrap(), None);
    assert_eq!(con.incr::<_, _, i64>("s:counter", 5).unwrap(), 5);
    assert_eq!(con.incr::<_, _, f64>("s:counter", 1.5).unwrap(), 6.5);
    assert_eq!(con.decr::<_, _, i64>("s:int", 3).unwrap(), -3);
    let _: () = con.mset(&[("s:a", "1"), ("s:b", "2")]).unwrap();
    let values: Vec<Option<String>> = con.mget(&["s:a", "s:none", "s:b"]).unwrap();
    assert_eq!(values, vec![Some("1".into()), None, Some("2".into())]);
    assert_eq!(con.append::<_, _, usize>("s:a", "23").unwrap(), 3);
    assert_eq!(con.strlen::<_, usize>("s:a").unwrap(), 3);
    assert_eq!(con.getrange::<_, String>("s:a", 1, -1).unwrap(), "23");
    assert_eq!(con.get_del::<_, Option<String>>("s:b").unwrap().as_deref(), Some("2"));
    assert_eq!(con.del::<_, usize>(&["s:a", "s:b", "s:none"]).unwrap(), 1);
    assert_eq!(con.key_type::<_, String>("s:name").unwrap(), "string");
}

fn sync_collections(con: &mut redis::Connection) {
    // Lists.
    assert_eq!(con.rpush::<_, _, usize>("l", &["b", "c", "d"]).unwrap(), 3);
    assert_eq!(con.lpush::<_, _, usize>("l", "a").unwrap(), 4);
    assert_eq!(con.lrange::<_, Vec<String>>("l", 0, -1).unwrap(), ["a", "b", "c", "d"]);
    assert_eq!(con.llen::<_, usize>("l").unwrap(), 4);
    assert_eq!(con.lindex::<_, Option<String>>("l", -1).unwrap().as_deref(), Some("d"));
    let popped: Vec<String> = con.lpop("l", NonZeroUsize::new(2)).unwrap();
    assert_eq!(popped, ["a", "b"]);
    assert_eq!(con.rpop::<_, Option<String>>("l", None).unwrap().as_deref(), Some("d"));
    let served: Option<[String; 2]> = con.blpop("l", 1.0).unwrap();
    assert_eq!(served, Some(["l".to_string(), "c".to_string()]));
    let timed_out: Option<[String; 2]> = con.blpop("l", 0.05).unwrap();
    assert_eq!(timed_out, None);
    // Hashes.
    let _: () = con.hset_multiple("h", &[("f1", "1"), ("f2", "two")]).unwrap();
    assert_eq!(con.hset::<_, _, _, usize>("h", "f3", "3").unwrap(), 1);
    assert_eq!(con.hget::<_, _, Option<String>>("h", "f2").unwrap().as_deref(), Some("two"));
    let all: HashMap<String, String> = con.hgetall("h").unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all["f1"], "1");
    assert_eq!(con.hincr::<_, _, _, i64>("h", "f1", 41).unwrap(), 42);
    assert!(con.hexists::<_, _, bool>("h", "f3").unwrap());
    let mut keys: Vec<String> = con.hkeys("h").unwrap();
    keys.sort();
    assert_eq!(keys, ["f1", "f2", "f3"]);
    assert_eq!(con.hdel::<_, _, usize>("h", "f3").unwrap(), 1);
    assert_eq!(con.hlen::<_, usize>("h").unwrap(), 2);
    // Sets.
    assert_eq!(con.sadd::<_, _, usize>("set1", &["a", "b", "c"]).unwrap(), 3);
    assert_eq!(con.sadd::<_, _, usize>("set2", &["b", "c", "d"]).unwrap(), 3);
    let members: HashSet<String> = con.smembers("set1").unwrap();
    assert_eq!(members, ["a", "b", "c"].iter().map(|s| s.to_string()).collect());
    assert!(con.sismember::<_, _, bool>("set1", "a").unwrap());
    let inter: HashSet<String> = con.sinter(&["set1", "set2"]).unwrap();
    assert_eq!(inter, ["b", "c"].iter().map(|s| s.to_string()).collect());
    assert_eq!(con.sunion::<_, HashSet<String>>(&["set1", "set2"]).unwrap().len(), 4);
    assert_eq!(con.srem::<_, _, usize>("set1", "a").unwrap(), 1);
    assert_eq!(con.scard::<_, usize>("set1").unwrap(), 2);
    // Sorted sets: scores come back as f64 over both protocols (doubles over RESP3).
    let added: usize =
        con.zadd_multiple("z", &[(1.0, "one"), (2.0, "two"), (3.5, "three")]).unwrap();
    assert_eq!(added, 3);
    assert_eq!(con.zscore::<_, _, Option<f64>>("z", "three").unwrap(), Some(3.5));
    let ranged: Vec<(String, f64)> = con.zrange_withscores("z", 0, -1).unwrap();
    assert_eq!(ranged, [("one".into(), 1.0), ("two".into(), 2.0), ("three".into(), 3.5)]);
    assert_eq!(con.zrevrange::<_, Vec<String>>("z", 0, 0).unwrap(), ["three"]);
    assert_eq!(
        con.zrangebyscore::<_, _, _, Vec<String>>("z", 1.5, "+inf").unwrap(),
        ["two", "three"]
    );
    assert_eq!(con.zincr::<_, _, _, f64>("z", "one", 10).unwrap(), 11.0);
    assert_eq!(con.zrank::<_, _, Option<usize>>("z", "one").unwrap(), Some(2));
    assert_eq!(con.zcard::<_, usize>("z").unwrap(), 3);
    let popped: Vec<(String, f64)> = con.zpopmin("z", 1).unwrap();
    assert_eq!(popped, [("two".to_string(), 2.0)]);
    assert_eq!(con.zrem::<_, _, usize>("z", "three").unwrap(), 1);
}

/// Pipelines, `.atomic()`, and `redis::transaction` retrying after another client breaks
/// its WATCH; the crate's failure signal for a broken WATCH is a nil EXEC read as `None`.
fn sync_pipelines_and_transactions(con: &mut redis::Connection, other: &mut redis::Connection) {
    let (counter, value): (i64, String) =
        redis::pipe().set("p:k", "v").ignore().incr("p:n", 2).get("p:k").query(con).unwrap();
    assert_eq!((counter, value.as_str()), (2, "v"));
    let (n,): (i64,) =
        redis::pipe().atomic().incr("p:n", 1).ignore().get("p:n").query(con).unwrap();
    assert_eq!(n, 3);

    // A manual WATCH broken by the other connection: EXEC aborts, the pipeline says None.
    let _: () = redis::cmd("WATCH").arg("p:n").query(con).unwrap();
    let _: () = other.set("p:n", 100).unwrap();
    let aborted: Option<(i64,)> = redis::pipe().atomic().incr("p:n", 1).query(con).unwrap();
    assert_eq!(aborted, None);
    assert_eq!(con.get::<_, i64>("p:n").unwrap(), 100);

    // `redis::transaction`: the first attempt is broken by the other client, the second wins.
    let mut attempts = 0;
    let (result,): (i64,) = redis::transaction(con, &["p:n"], |con, pipe| {
        attempts += 1;
        let current: i64 = con.get("p:n")?;
        if attempts == 1 {
            let _: () = other.incr("p:n", 1)?;
        }
        pipe.set("p:n", current * 2).ignore().get("p:n").query(con)
    })
    .unwrap();
    assert_eq!((attempts, result), (2, 202));

    // An error inside EXEC: the other commands ran, the crate reports the failed one.
    let _: () = con.set("p:text", "x").unwrap();
    let error = redis::pipe()
        .atomic()
        .incr("p:n", 1)
        .ignore()
        .lpush("p:text", "y")
        .ignore()
        .query::<()>(con)
        .unwrap_err();
    assert!(error.to_string().contains(WRONGTYPE_DETAIL), "{error:?}");
    assert_eq!(con.get::<_, i64>("p:n").unwrap(), 203);
}

fn sync_scan(con: &mut redis::Connection) {
    for i in 0..30 {
        let _: () = con.set(format!("scan:{i}"), i).unwrap();
    }
    let _: () = con.set("other:1", 1).unwrap();
    let mut keys: Vec<String> =
        con.scan_match::<_, String>("scan:*").unwrap().map(|k| k.unwrap()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 30);
    let options = redis::ScanOptions::default().with_pattern("scan:1*").with_count(5);
    let ones: HashSet<String> =
        con.scan_options::<String>(options).unwrap().map(|k| k.unwrap()).collect();
    assert_eq!(ones.len(), 11, "{ones:?}");
    let typed = redis::ScanOptions::default().with_type("hash");
    let hashes: HashSet<String> =
        con.scan_options::<String>(typed).unwrap().map(|k| k.unwrap()).collect();
    assert_eq!(hashes, HashSet::from(["h".to_string()]));
    let fields: HashMap<String, String> =
        con.hscan::<_, (String, String)>("h").unwrap().map(|pair| pair.unwrap()).collect();
    assert_eq!(fields.get("f2").map(String::as_str), Some("two"));
    assert_eq!(fields.len(), 2);
    let members: HashSet<String> =
        con.sscan::<_, String>("set2").unwrap().map(|m| m.unwrap()).collect();
    assert_eq!(members.len(), 3);
}

/// INFO parsed into the crate's `InfoDict`, CLIENT SETNAME / GETNAME / ID / LIST and, on a
/// server that reports 7.2 or later, the `lib-name` / `lib-ver` the crate set by itself.
fn sync_info_and_client(con: &mut redis::Connection, port: u16) {
    let info: InfoDict = redis::cmd("INFO").query(con).unwrap();
    assert_eq!(info.get::<u16>("tcp_port"), Some(port));
    assert!(info.get::<u64>("connected_clients").unwrap_or(0) >= 1);
    assert!(info.get::<String>("db0").unwrap_or_default().starts_with("keys="));
    let _: () = con.client_setname("rust-sync").unwrap();
    assert_eq!(con.client_getname::<Option<String>>().unwrap().as_deref(), Some("rust-sync"));
    let id: i64 = con.client_id().unwrap();
    let list: String = redis::cmd("CLIENT").arg("LIST").query(con).unwrap();
    let entry = client_list_entry(&list, "rust-sync");
    assert_eq!(entry["id"], id.to_string());
    assert_eq!(entry["db"], "0");
    if has_client_setinfo(server_version(&info)) {
        assert_eq!(entry["lib-name"], "redis-rs");
        assert_eq!(entry["lib-ver"], "1.8.1");
    }
    let dbsize: usize = redis::cmd("DBSIZE").query(con).unwrap();
    assert!(dbsize > 30);
    let echoed: String = redis::cmd("ECHO").arg("hi").query(con).unwrap();
    assert_eq!(echoed, "hi");
}

fn sync_errors(con: &mut redis::Connection) {
    let _: () = con.set("e:string", "x").unwrap();
    let error = con.lpush::<_, _, usize>("e:string", "y").unwrap_err();
    assert_wrongtype(&error, "LPUSH on a string");
    let error = con.hget::<_, _, Option<String>>("e:string", "f").unwrap_err();
    assert_wrongtype(&error, "HGET on a string");
    let error = con.incr::<_, _, i64>("e:string", 1).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Server(ServerErrorKind::ResponseError));
    assert_eq!(error.detail(), Some("value is not an integer or out of range"));
    let error = redis::cmd("NOSUCHCOMMAND").arg("a").query::<()>(con).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Server(ServerErrorKind::ResponseError));
    let detail = error.detail().unwrap_or_default();
    assert!(
        detail.starts_with("unknown command 'NOSUCHCOMMAND', with args beginning with:"),
        "{detail}"
    );
    // The connection is still usable.
    assert_eq!(con.get::<_, String>("e:string").unwrap(), "x");
}

/// RESP2 subscribed mode through `as_pubsub()` (the crate's RESP2 and RESP3 path), and over
/// RESP3 the pushes delivered to a push sender after `subscribe_resp3`.
fn sync_pubsub(client: &Client, publisher: &mut redis::Connection, resp3: bool) {
    let mut con = client.get_connection().unwrap();
    {
        let mut pubsub = con.as_pubsub();
        pubsub.set_read_timeout(Some(HANG_GUARD)).unwrap();
        pubsub.subscribe("news").unwrap();
        pubsub.psubscribe("news.*").unwrap();
        let subscribers: Vec<(String, usize)> =
            redis::cmd("PUBSUB").arg("NUMSUB").arg("news").query(publisher).unwrap();
        assert_eq!(subscribers, [("news".to_string(), 1)]);
        assert_eq!(publisher.publish::<_, _, usize>("news", "hello").unwrap(), 1);
        let message = pubsub.get_message().unwrap();
        assert_eq!(message.get_channel_name(), "news");
        assert_eq!(message.get_payload::<String>().unwrap(), "hello");
        assert!(!message.from_pattern());
        assert_eq!(publisher.publish::<_, _, usize>("news.tech", "rust").unwrap(), 1);
        let message = pubsub.get_message().unwrap();
        assert!(message.from_pattern());
        assert_eq!(message.get_pattern::<String>().unwrap(), "news.*");
        assert_eq!(message.get_channel_name(), "news.tech");
        assert_eq!(message.get_payload::<String>().unwrap(), "rust");
        // PING in subscribed mode: Redis answers RESP2 with `["pong", ""]`, RESP3 with PONG.
        if resp3 {
            assert_eq!(pubsub.ping::<String>().unwrap(), "PONG");
        } else {
            assert_eq!(pubsub.ping::<Vec<String>>().unwrap(), ["pong", ""]);
        }
        pubsub.unsubscribe("news").unwrap();
        pubsub.punsubscribe("news.*").unwrap();
    }
    // Dropping the PubSub left subscribed mode: the connection answers commands again.
    let _: () = con.set("ps:after", "1").unwrap();
    assert_eq!(con.get::<_, String>("ps:after").unwrap(), "1");
    if resp3 {
        let (sender, receiver) = std::sync::mpsc::channel();
        con.set_push_sender(sender);
        con.subscribe_resp3("pushes").unwrap();
        // SUBSCRIBE is sent without waiting for its confirmation; pushes are read with the
        // next reply. A RESP3 connection keeps answering commands while subscribed, and the
        // server wrote the confirmation before PING's reply: only then is the subscription
        // certain to be in place (another server thread may run the PUBLISH).
        let pong: String = redis::cmd("PING").query(&mut con).unwrap();
        assert_eq!(pong, "PONG");
        let confirmation = receiver.try_recv().unwrap();
        assert_eq!(confirmation.kind, PushKind::Subscribe);
        assert_eq!(publisher.publish::<_, _, usize>("pushes", "one").unwrap(), 1);
        // PUBLISH answered after delivering the message: it precedes this PING's reply.
        let pong: String = redis::cmd("PING").query(&mut con).unwrap();
        assert_eq!(pong, "PONG");
        let message = receiver.try_recv().unwrap();
        assert_eq!(message.kind, PushKind::Message);
        assert_eq!(
            message.data,
            [Value::BulkString(b"pushes".to_vec()), Value::BulkString(b"one".to_vec())]
        );
    }
}

fn sync_program(server: &mut Server, resp3: bool) {
    let client = client(server.port, resp3);
    let mut con = client.get_connection().unwrap();
    let mut other = client.get_connection().unwrap();
    sync_strings(&mut con);
    sync_collections(&mut con);
    sync_pipelines_and_transactions(&mut con, &mut other);
    sync_scan(&mut con);
    sync_info_and_client(&mut con, server.port);
    sync_errors(&mut con);
    sync_pubsub(&client, &mut other, resp3);
    // Reconnect: the sync connection does not reconnect by itself; after a restart its next
    // command fails with an I/O error, and a new connection sees what was persisted.
    let _: () = con.set("r:kept", "yes").unwrap();
    let _: () = con.rpush("r:list", &["a", "b"]).unwrap();
    server.restart();
    let error = con.get::<_, Option<String>>("r:kept").unwrap_err();
    assert!(error.is_io_error() || error.is_connection_dropped(), "{error:?}");
    let mut con = client.get_connection().unwrap();
    assert_eq!(con.get::<_, Option<String>>("r:kept").unwrap().as_deref(), Some("yes"));
    assert_eq!(con.lrange::<_, Vec<String>>("r:list", 0, -1).unwrap(), ["a", "b"]);
}

fn both(program: impl Fn(&mut Server)) {
    for kind in Kind::BOTH {
        let mut server = Server::start(kind);
        program(&mut server);
        assert!(
            !server.log().contains("panicked"),
            "a panic in {}'s log:\n{}",
            kind.name(),
            server.log()
        );
    }
}

#[test]
fn redis_rs_sync_resp2() {
    both(|server| sync_program(server, false));
}

#[test]
fn redis_rs_sync_resp3() {
    both(|server| sync_program(server, true));
}

// ----------------------------------------------------------------------------------------
// The tokio API: `get_multiplexed_async_connection`, `AsyncCommands`, async pipelines and
// transactions, `get_async_pubsub`, RESP3 pushes on a multiplexed connection, and the
// ConnectionManager across a server restart.

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

async fn async_commands(con: &mut MultiplexedConnection) {
    let _: () = con.set_ex("a:ex", "v", 100).await.unwrap();
    let ttl: i64 = con.ttl("a:ex").await.unwrap();
    assert!((99..=100).contains(&ttl), "TTL {ttl}");
    let _: () = con.pset_ex("a:short", "v", 100).await.unwrap();
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(con.get::<_, Option<String>>("a:short").await.unwrap(), None);
    // One multiplexed connection shared by concurrent tasks: every INCR answered once.
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let mut con = con.clone();
            tokio::spawn(async move { con.incr::<_, _, i64>("a:counter", 1).await.unwrap() })
        })
        .collect();
    let mut seen = Vec::new();
    for task in tasks {
        seen.push(task.await.unwrap());
    }
    seen.sort();
    assert_eq!(seen, (1..=50).collect::<Vec<i64>>());
    let _: () = con.rpush("a:list", &["x", "y"]).await.unwrap();
    assert_eq!(con.lrange::<_, Vec<String>>("a:list", 0, -1).await.unwrap(), ["x", "y"]);
    let _: () = con.hset_multiple("a:hash", &[("f", "1"), ("g", "2")]).await.unwrap();
    let all: HashMap<String, i64> = con.hgetall("a:hash").await.unwrap();
    assert_eq!(all, HashMap::from([("f".to_string(), 1), ("g".to_string(), 2)]));
    let _: () = con.sadd("a:set", &["m", "n"]).await.unwrap();
    assert_eq!(con.smembers::<_, HashSet<String>>("a:set").await.unwrap().len(), 2);
    let _: () = con.zadd_multiple("a:z", &[(2.5, "b"), (1.0, "a")]).await.unwrap();
    let ranged: Vec<(String, f64)> = con.zrange_withscores("a:z", 0, -1).await.unwrap();
    assert_eq!(ranged, [("a".to_string(), 1.0), ("b".to_string(), 2.5)]);
    let (n, list_len): (i64, usize) =
        redis::pipe().incr("a:counter", 10).llen("a:list").query_async(con).await.unwrap();
    assert_eq!((n, list_len), (60, 2));
    let mut keys: Vec<String> =
        con.scan_match::<_, String>("a:*").await.unwrap().map(|k| k.unwrap()).collect().await;
    keys.sort();
    assert_eq!(keys, ["a:counter", "a:ex", "a:hash", "a:list", "a:set", "a:z"]);
    let fields: Vec<(String, String)> = con
        .hscan::<_, (String, String)>("a:hash")
        .await
        .unwrap()
        .map(|f| f.unwrap())
        .collect()
        .await;
    assert_eq!(fields.len(), 2);
    let info: InfoDict = redis::cmd("INFO").arg("server").query_async(con).await.unwrap();
    assert!(info.get::<String>("redis_version").is_some());
    let _: () = con.client_setname("rust-async").await.unwrap();
    let list: String = redis::cmd("CLIENT").arg("LIST").query_async(con).await.unwrap();
    let entry = client_list_entry(&list, "rust-async");
    if has_client_setinfo(server_version(&info)) {
        assert_eq!(entry["lib-name"], "redis-rs");
    }
    let error = con.lpush::<_, _, usize>("a:hash", "x").await.unwrap_err();
    assert_wrongtype(&error, "async LPUSH on a hash");
    assert_eq!(con.hget::<_, _, String>("a:hash", "f").await.unwrap(), "1");
}

/// WATCH needs a connection of its own (a multiplexed connection is shared, its WATCH state
/// with it): the crate's users open a dedicated one for transactions.
async fn async_transaction(client: &Client, other: &mut MultiplexedConnection) {
    let mut con = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = con.set("t:n", 1).await.unwrap();
    let _: () = redis::cmd("WATCH").arg("t:n").query_async(&mut con).await.unwrap();
    let _: () = other.set("t:n", 5).await.unwrap();
    let aborted: Option<(i64,)> =
        redis::pipe().atomic().incr("t:n", 1).query_async(&mut con).await.unwrap();
    assert_eq!(aborted, None);
    let _: () = redis::cmd("WATCH").arg("t:n").query_async(&mut con).await.unwrap();
    let won: Option<(i64,)> =
        redis::pipe().atomic().incr("t:n", 1).query_async(&mut con).await.unwrap();
    assert_eq!(won, Some((6,)));
}

async fn async_pubsub(client: &Client, publisher: &mut MultiplexedConnection) {
    let mut pubsub = client.get_async_pubsub().await.unwrap();
    pubsub.subscribe("chan").await.unwrap();
    pubsub.psubscribe("chan.*").await.unwrap();
    assert_eq!(publisher.publish::<_, _, usize>("chan", "first").await.unwrap(), 1);
    assert_eq!(publisher.publish::<_, _, usize>("chan.x", "second").await.unwrap(), 1);
    let mut stream = pubsub.on_message();
    let first = tokio::time::timeout(HANG_GUARD, stream.next()).await.unwrap().unwrap();
    assert_eq!(first.get_channel_name(), "chan");
    assert_eq!(first.get_payload::<String>().unwrap(), "first");
    let second = tokio::time::timeout(HANG_GUARD, stream.next()).await.unwrap().unwrap();
    assert_eq!(second.get_pattern::<String>().unwrap(), "chan.*");
    assert_eq!(second.get_payload::<String>().unwrap(), "second");
    drop(stream);
    pubsub.unsubscribe("chan").await.unwrap();
    pubsub.punsubscribe("chan.*").await.unwrap();
    let numsub: Vec<(String, usize)> =
        redis::cmd("PUBSUB").arg("NUMSUB").arg("chan").query_async(publisher).await.unwrap();
    assert_eq!(numsub, [("chan".to_string(), 0)]);
}

/// RESP3 only: a multiplexed connection with a push sender subscribes and keeps answering
/// commands; messages arrive as `PushInfo`.
async fn async_pushes(client: &Client, publisher: &mut MultiplexedConnection) {
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel::<PushInfo>();
    let config = AsyncConnectionConfig::new().set_push_sender(sender);
    let mut con = client.get_multiplexed_async_connection_with_config(&config).await.unwrap();
    con.subscribe("push-chan").await.unwrap();
    con.psubscribe("push-*").await.unwrap();
    let push = tokio::time::timeout(HANG_GUARD, receiver.recv()).await.unwrap().unwrap();
    assert_eq!(push.kind, PushKind::Subscribe);
    let push = tokio::time::timeout(HANG_GUARD, receiver.recv()).await.unwrap().unwrap();
    assert_eq!(push.kind, PushKind::PSubscribe);
    assert_eq!(con.get::<_, Option<String>>("t:n").await.unwrap().as_deref(), Some("6"));
    assert_eq!(publisher.publish::<_, _, usize>("push-chan", "payload").await.unwrap(), 2);
    let message = tokio::time::timeout(HANG_GUARD, receiver.recv()).await.unwrap().unwrap();
    assert_eq!(message.kind, PushKind::Message);
    assert_eq!(message.data[1], Value::BulkString(b"payload".to_vec()));
    let message = tokio::time::timeout(HANG_GUARD, receiver.recv()).await.unwrap().unwrap();
    assert_eq!(message.kind, PushKind::PMessage);
    assert_eq!(message.data[0], Value::BulkString(b"push-*".to_vec()));
    con.unsubscribe("push-chan").await.unwrap();
    let push = tokio::time::timeout(HANG_GUARD, receiver.recv()).await.unwrap().unwrap();
    assert_eq!(push.kind, PushKind::Unsubscribe);
}

fn tokio_program(server: &mut Server, resp3: bool) {
    let runtime = runtime();
    let client = client(server.port, resp3);
    let context = label(server.kind, resp3);
    let (mut manager, mut pushes) = runtime.block_on(async {
        let mut con = client.get_multiplexed_async_connection().await.unwrap();
        async_commands(&mut con).await;
        async_transaction(&client, &mut con).await;
        async_pubsub(&client, &mut con).await;
        if resp3 {
            async_pushes(&client, &mut con).await;
        }
        let mut config = ConnectionManagerConfig::new().set_number_of_retries(10);
        let (sender, receiver) = tokio::sync::mpsc::unbounded_channel::<PushInfo>();
        if resp3 {
            config = config.set_push_sender(sender).set_automatic_resubscription();
        }
        let mut manager = client.get_connection_manager_with_config(config).await.unwrap();
        let _: () = manager.set("m:kept", "before restart").await.unwrap();
        let _: () = manager.hset("m:hash", "f", "v").await.unwrap();
        if resp3 {
            manager.subscribe("m:chan").await.unwrap();
        }
        (manager, receiver)
    });
    server.restart();
    runtime.block_on(async {
        // The manager notices the closed connection on its next request (which fails with an
        // I/O error, as the crate documents) and reconnects in the background; a user retries.
        let deadline = tokio::time::Instant::now() + HANG_GUARD;
        let mut failures = 0;
        let value = loop {
            match manager.get::<_, Option<String>>("m:kept").await {
                Ok(value) => break value,
                Err(error) => {
                    assert!(
                        error.is_io_error() || error.is_connection_dropped(),
                        "{context}: {error:?}"
                    );
                    failures += 1;
                    let now = tokio::time::Instant::now();
                    assert!(now < deadline, "{context}: the manager never reconnected: {error:?}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        };
        assert_eq!(value.as_deref(), Some("before restart"), "{context}");
        assert_eq!(manager.hget::<_, _, String>("m:hash", "f").await.unwrap(), "v");
        let _: () = manager.set("m:after", "1").await.unwrap();
        if resp3 {
            // Automatic resubscription: the manager subscribed again on its new connection
            // (before handing it out), and messages reach the same push sender.
            let mut publisher = client.get_multiplexed_async_connection().await.unwrap();
            assert_eq!(publisher.publish::<_, _, usize>("m:chan", "after").await.unwrap(), 1);
            let mut kinds = Vec::new();
            let message = loop {
                let push = tokio::time::timeout(HANG_GUARD, pushes.recv()).await.unwrap().unwrap();
                if push.kind == PushKind::Message {
                    break push;
                }
                kinds.push(push.kind);
            };
            assert_eq!(message.data[1], Value::BulkString(b"after".to_vec()), "{context}");
            // Before it: the first confirmation, the disconnection, the second confirmation.
            let expected = [PushKind::Subscribe, PushKind::Disconnection, PushKind::Subscribe];
            assert_eq!(kinds, expected, "{context}");
        }
        eprintln!("{context}: ConnectionManager reconnected after {failures} failed request(s)");
    });
}

#[test]
fn redis_rs_tokio_resp2() {
    both(|server| tokio_program(server, false));
}

#[test]
fn redis_rs_tokio_resp3() {
    both(|server| tokio_program(server, true));
}

// ----------------------------------------------------------------------------------------
// What the crate sends by itself on a new connection, seen by MONITOR.

/// `HELLO 3` (RESP3), `SELECT` (a database in the URL), then `CLIENT SETINFO LIB-NAME
/// redis-rs` and `LIB-VER 1.8.1`, pipelined with the replies to SETINFO ignored: a server
/// before 7.2 (the reference 7.0) refuses them, and MONITOR leaves refused commands out.
#[test]
fn redis_rs_connect_handshake() {
    let runtime = runtime();
    for kind in Kind::BOTH {
        let server = Server::start(kind);
        let version = server.redis_version();
        for resp3 in [false, true] {
            for api in ["sync", "tokio", "manager", "pubsub"] {
                for db in [0, 2] {
                    let context = format!("{} {api} db {db}", label(kind, resp3));
                    let mut monitor = common::RawClient::connect(server.port);
                    assert_eq!(monitor.cmd(&["MONITOR"]), common::OK);
                    let mut url = url(server.port, resp3);
                    if db != 0 {
                        url = url.replacen(
                            &format!("{}/", server.port),
                            &format!("{}/{db}", server.port),
                            1,
                        );
                    }
                    let client = Client::open(url).unwrap();
                    match api {
                        "sync" => {
                            let mut con = client.get_connection().unwrap();
                            let _: String =
                                redis::cmd("ECHO").arg("handshake-done").query(&mut con).unwrap();
                        }
                        "tokio" => runtime.block_on(async {
                            let mut con = client.get_multiplexed_async_connection().await.unwrap();
                            let _: String = redis::cmd("ECHO")
                                .arg("handshake-done")
                                .query_async(&mut con)
                                .await
                                .unwrap();
                        }),
                        "manager" => runtime.block_on(async {
                            let mut con = client.get_connection_manager().await.unwrap();
                            let _: String = redis::cmd("ECHO")
                                .arg("handshake-done")
                                .query_async(&mut con)
                                .await
                                .unwrap();
                        }),
                        _ => runtime.block_on(async {
                            let mut pubsub = client.get_async_pubsub().await.unwrap();
                            pubsub.subscribe("handshake-done").await.unwrap();
                        }),
                    }
                    let stop = if api == "pubsub" { "\"SUBSCRIBE\"" } else { "\"ECHO\"" };
                    let seen = monitored_until(&mut monitor, |line| line.starts_with(stop));
                    let mut expected = Vec::new();
                    if resp3 {
                        expected.push("\"HELLO\" \"3\"".to_string());
                    }
                    if db != 0 {
                        expected.push(format!("\"SELECT\" \"{db}\""));
                    }
                    expected.extend(setinfo_monitor_lines(version, &REDIS_RS_SETINFO));
                    assert_eq!(seen, expected, "{context}");
                }
            }
        }
    }
}

// ----------------------------------------------------------------------------------------
// The reply types the crate decodes: the same commands on both servers must give the same
// `redis::Value` (RESP3 maps, sets, doubles, nulls, verbatim strings; errors inside EXEC).

/// Commands whose reply is an unordered collection (its order is the server's hashing).
const UNORDERED: &[&str] = &["SMEMBERS", "SUNION", "SINTER", "SDIFF", "HKEYS", "HVALS", "KEYS"];

/// Sorts what carries no order: RESP3 sets and maps, and the arrays of `UNORDERED` commands.
fn normalised(value: Value, unordered: bool) -> Value {
    let key = |v: &Value| format!("{v:?}");
    match value {
        Value::Set(mut items) => {
            items.sort_by_key(key);
            Value::Set(items)
        }
        Value::Map(mut pairs) => {
            pairs.sort_by_key(|(k, _)| key(k));
            let pairs = pairs.into_iter().map(|(k, v)| (k, normalised(v, false))).collect();
            Value::Map(pairs)
        }
        Value::Array(items) => {
            let mut items: Vec<Value> = items.into_iter().map(|v| normalised(v, false)).collect();
            if unordered {
                items.sort_by_key(key);
            }
            Value::Array(items)
        }
        other => other,
    }
}

/// Runs `commands` through the crate and returns each decoded reply (or error) as text.
fn reply_values(con: &mut redis::Connection, commands: &[&[&str]]) -> Vec<String> {
    commands
        .iter()
        .map(|words| {
            let (name, arguments) = words.split_first().expect("a command name");
            let reply = redis::cmd(name).arg(arguments).query::<Value>(con);
            let shown = match reply {
                Ok(value) => format!("{:?}", normalised(value, UNORDERED.contains(name))),
                Err(error) => {
                    format!("error {:?} {:?} {:?}", error.kind(), error.code(), error.detail())
                }
            };
            format!("{} -> {shown}", words.join(" "))
        })
        .collect()
}

const VALUE_COMMANDS: &[&[&str]] = &[
    &["PING"],
    &["ECHO", "x"],
    &["SET", "str", "10"],
    &["SET", "str", "11", "GET"],
    &["GET", "nothing"],
    &["MGET", "str", "nothing"],
    &["INCRBYFLOAT", "str", "0.5"],
    &["GETEX", "str", "PERSIST"],
    &["EXISTS", "str", "nothing"],
    &["TYPE", "str"],
    &["TTL", "str"],
    &["EXPIRETIME", "nothing"],
    &["RPUSH", "list", "a", "b", "c", "b"],
    &["LPOS", "list", "b", "COUNT", "0"],
    &["LPOP", "nothing"],
    &["LPOP", "list", "0"],
    &["LMPOP", "1", "list", "LEFT", "COUNT", "2"],
    &["BLPOP", "nothing", "0.01"],
    &["HSET", "hash", "field", "1.5"],
    &["HGETALL", "hash"],
    &["HGETALL", "nothing"],
    &["HINCRBYFLOAT", "hash", "field", "1"],
    &["HMGET", "hash", "field", "missing"],
    &["HRANDFIELD", "hash", "1", "WITHVALUES"],
    &["SADD", "set", "a", "b", "c"],
    &["SMEMBERS", "set"],
    &["SMISMEMBER", "set", "a", "z"],
    &["SINTERCARD", "1", "set"],
    &["ZADD", "zset", "1", "one", "2.5", "two", "3", "three"],
    &["ZADD", "zset", "INCR", "1", "one"],
    &["ZSCORE", "zset", "two"],
    &["ZSCORE", "zset", "nobody"],
    &["ZMSCORE", "zset", "one", "nobody"],
    &["ZINCRBY", "zset", "0.5", "two"],
    &["ZRANGE", "zset", "0", "-1", "WITHSCORES"],
    &["ZRANGE", "zset", "(1", "+inf", "BYSCORE", "LIMIT", "0", "1"],
    &["ZRANK", "zset", "three"],
    &["ZPOPMIN", "zset"],
    &["ZPOPMAX", "zset", "1"],
    &["ZUNION", "1", "zset", "WITHSCORES"],
    &["ZMPOP", "1", "zset", "MIN"],
    &["BZPOPMIN", "nothing", "0.01"],
    &["ZADD", "zset", "5", "five"],
    &["BZPOPMIN", "zset", "0.01"],
    &["SCAN", "0", "MATCH", "str"],
    &["CONFIG", "GET", "maxmemory-policy"],
    &["CLIENT", "GETNAME"],
    &["PUBSUB", "NUMSUB", "nobody"],
    &["PUBSUB", "CHANNELS"],
    &["MULTI"],
    &["SET", "in-multi", "1"],
    &["LPUSH", "in-multi", "x"],
    &["INCR", "in-multi"],
    &["EXEC"],
    &["MULTI"],
    &["NOSUCHCOMMAND"],
    &["GET"],
    &["EXEC"],
    &["LPUSH", "str", "x"],
    &["GET", "str", "extra"],
    &["OBJECT", "ENCODING", "nothing"],
    &["COPY", "str", "str2"],
    &["DEL", "str", "str2", "nothing"],
];

#[test]
fn redis_rs_reply_values_match() {
    for resp3 in [false, true] {
        let mut traces = Vec::new();
        for kind in Kind::BOTH {
            let server = Server::start(kind);
            let mut con = client(server.port, resp3).get_connection().unwrap();
            traces.push(reply_values(&mut con, VALUE_COMMANDS));
        }
        for (allydb, redis) in traces[0].iter().zip(&traces[1]) {
            assert_eq!(
                allydb,
                redis,
                "RESP{}: AllyDB, then redis-server",
                if resp3 { 3 } else { 2 }
            );
        }
        assert_eq!(traces[0].len(), VALUE_COMMANDS.len());
    }
}

// ----------------------------------------------------------------------------------------
// Authentication as the crate does it on connect: `AUTH [user] password` in its setup
// pipeline over RESP2, `HELLO 3 AUTH user password` over RESP3.

fn describe(error: &RedisError) -> String {
    format!("{:?} {:?} {:?}", error.kind(), error.code(), error.detail())
}

/// What a user sees connecting with `url` and sending one ECHO, sync and tokio.
fn connect_and_echo(runtime: &tokio::runtime::Runtime, url: &str) -> String {
    let client = Client::open(url).unwrap();
    let sync = match client.get_connection() {
        Err(error) => format!("connect failed: {}", describe(&error)),
        Ok(mut con) => match redis::cmd("ECHO").arg("in").query::<String>(&mut con) {
            Ok(reply) => format!("echo {reply}"),
            Err(error) => format!("echo failed: {}", describe(&error)),
        },
    };
    let tokio = runtime.block_on(async {
        match client.get_multiplexed_async_connection().await {
            Err(error) => format!("connect failed: {}", describe(&error)),
            Ok(mut con) => match redis::cmd("ECHO").arg("in").query_async::<String>(&mut con).await
            {
                Ok(reply) => format!("echo {reply}"),
                Err(error) => format!("echo failed: {}", describe(&error)),
            },
        }
    });
    format!("sync: {sync}; tokio: {tokio}")
}

#[test]
fn redis_rs_authentication() {
    let runtime = runtime();
    let mut results = Vec::new();
    for kind in Kind::BOTH {
        let server = Server::start(kind);
        let version = server.redis_version();
        let mut monitor = common::RawClient::connect(server.port);
        assert_eq!(monitor.cmd(&["MONITOR"]), common::OK);
        let mut admin = common::RawClient::connect(server.port);
        assert_eq!(admin.cmd(&["CONFIG", "SET", "requirepass", "s3cret"]), common::OK);
        let mut outcomes = Vec::new();
        for resp3 in [false, true] {
            let query = if resp3 { "?protocol=resp3" } else { "" };
            for credentials in ["", ":wrong@", ":s3cret@", "default:s3cret@"] {
                let url = format!("redis://{credentials}127.0.0.1:{}/{query}", server.port);
                let outcome = connect_and_echo(&runtime, &url);
                outcomes
                    .push(format!("{credentials} RESP{}: {outcome}", if resp3 { 3 } else { 2 }));
            }
        }
        // A connection authenticated before the password was set stays so, as in Redis.
        assert_eq!(admin.cmd(&["ECHO", "auth-done"]), "$9\r\nauth-done\r\n");
        let seen = monitored_until(&mut monitor, |line| line == r#""ECHO" "auth-done""#);
        // CLIENT SETINFO is a 7.2 command (redis_rs_connect_handshake): a server that has it
        // shows the crate's pair after each connection that got in, one before 7.2 none.
        // The other lines are compared between the servers below.
        let (setinfo, seen): (Vec<String>, Vec<String>) =
            seen.into_iter().partition(|line| line.starts_with(r#""CLIENT" "SETINFO""#));
        let pair = setinfo_monitor_lines(version, &REDIS_RS_SETINFO);
        assert_eq!(setinfo.is_empty(), pair.is_empty(), "{}: {setinfo:?}", kind.name());
        assert!(setinfo.chunks(2).all(|two| two == pair), "{}: {setinfo:?}", kind.name());
        results.push((kind, version, outcomes, seen));
    }
    let (_, redis_version, redis_outcomes, redis_seen) = &results[1];
    // What the crate makes of each answer (redis-server's, which AllyDB must equal).
    let wrongpass = "Extension Some(\"WRONGPASS\") \
        Some(\"invalid username-password pair or user is disabled.\")";
    // Over RESP2 the crate replaces the server's WRONGPASS with its own error, no detail.
    let auth_failed = "AuthenticationFailed None None";
    assert!(
        redis_outcomes[0].contains("echo failed: Extension Some(\"NOAUTH\")"),
        "{redis_outcomes:?}"
    );
    assert!(
        redis_outcomes[1].contains(&format!("connect failed: {auth_failed}")),
        "{redis_outcomes:?}"
    );
    assert!(redis_outcomes[2].ends_with("sync: echo in; tokio: echo in"), "{redis_outcomes:?}");
    assert!(redis_outcomes[3].ends_with("sync: echo in; tokio: echo in"), "{redis_outcomes:?}");
    assert!(
        redis_outcomes[4].contains("connect failed: Extension Some(\"NOAUTH\")"),
        "{redis_outcomes:?}"
    );
    assert!(
        redis_outcomes[5].contains(&format!("connect failed: {wrongpass}")),
        "{redis_outcomes:?}"
    );
    assert!(redis_outcomes[6].ends_with("sync: echo in; tokio: echo in"), "{redis_outcomes:?}");
    assert!(redis_seen.contains(&"\"AUTH\" \"(redacted)\"".to_string()), "{redis_seen:?}");
    let (_, allydb_version, allydb_outcomes, allydb_seen) = &results[0];
    // HELLO's NOAUTH text gained `<proto>` in Redis 7.2 (AllyDB's version): each server must
    // give its own version's text, and AllyDB otherwise what the reference gives.
    let allydb_syntax = common::hello_noauth_syntax(*allydb_version);
    let redis_syntax = common::hello_noauth_syntax(*redis_version);
    assert!(allydb_outcomes[4].contains(allydb_syntax), "{}", allydb_outcomes[4]);
    assert!(redis_outcomes[4].contains(redis_syntax), "{}", redis_outcomes[4]);
    for (allydb, redis) in allydb_outcomes.iter().zip(redis_outcomes) {
        assert_eq!(
            &allydb.replace(allydb_syntax, redis_syntax),
            redis,
            "AllyDB, then redis-server"
        );
    }
    assert_eq!(allydb_seen, redis_seen, "MONITOR: AllyDB, then redis-server");
}

/// The crate's async MONITOR stream: each line decoded as a `String`.
#[test]
fn redis_rs_async_monitor() {
    let runtime = runtime();
    for kind in Kind::BOTH {
        let server = Server::start(kind);
        let client = client(server.port, false);
        runtime.block_on(async {
            let mut monitor = client.get_async_monitor().await.unwrap();
            let mut lines = monitor.on_message::<String>();
            let mut con = client.get_multiplexed_async_connection().await.unwrap();
            let _: () = con.set("watched key", "a \"quoted\" value").await.unwrap();
            let mut commands = Vec::new();
            loop {
                let line = tokio::time::timeout(HANG_GUARD, lines.next()).await.unwrap().unwrap();
                let arguments = common::monitor_arguments(&line).to_string();
                if arguments.starts_with("\"set\"") || arguments.starts_with("\"SET\"") {
                    commands.push(arguments);
                    break;
                }
                commands.push(arguments);
            }
            assert_eq!(
                commands.last().map(String::as_str),
                Some(r#""SET" "watched key" "a \"quoted\" value""#),
                "{}: {commands:?}",
                kind.name()
            );
        });
    }
}

// ----------------------------------------------------------------------------------------
// The crate's client-side cache (`cache-aio`, RESP3 only): CLIENT TRACKING turned on by the
// crate in its connect pipeline, hits served locally, invalidation pushes evicting entries.

/// Reads `key` through the cache until it gives `wanted`: the invalidation push travels on
/// its own, and until it has arrived the cache answers with the old value (bounded by
/// HANG_GUARD; the push normally takes microseconds). Each hit sends nothing; the one miss after
/// the invalidation sends PTTL and GET.
async fn read_until(
    cached: &mut MultiplexedConnection,
    key: &str,
    wanted: Option<&str>,
    kind: Kind,
) {
    let deadline = tokio::time::Instant::now() + HANG_GUARD;
    while tokio::time::Instant::now() < deadline {
        let value: Option<String> = cached.get(key).await.unwrap();
        if value.as_deref() == wanted {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{}: no invalidation of {key} reached the cache", kind.name());
}

#[test]
fn redis_rs_client_side_caching() {
    let runtime = runtime();
    for kind in Kind::BOTH {
        let server = Server::start(kind);
        let version = server.redis_version();
        let client = client(server.port, true);
        let mut monitor = common::RawClient::connect(server.port);
        assert_eq!(monitor.cmd(&["MONITOR"]), common::OK);
        runtime.block_on(async {
            let config =
                AsyncConnectionConfig::new().set_cache_config(redis::caching::CacheConfig::new());
            let mut cached =
                client.get_multiplexed_async_connection_with_config(&config).await.unwrap();
            let mut writer = client.get_multiplexed_async_connection().await.unwrap();
            let _: () = writer.set("cached", "1").await.unwrap();
            assert_eq!(cached.get::<_, String>("cached").await.unwrap(), "1");
            assert_eq!(cached.get::<_, String>("cached").await.unwrap(), "1");
            let statistics = cached.get_cache_statistics().unwrap();
            assert_eq!((statistics.hit, statistics.miss), (1, 1), "{}", kind.name());
            // Another client's write: one invalidation push for the key.
            let _: () = writer.set("cached", "2").await.unwrap();
            read_until(&mut cached, "cached", Some("2"), kind).await;
            let statistics = cached.get_cache_statistics().unwrap();
            assert_eq!(statistics.invalidate, 1, "{}", kind.name());
            // Its own write invalidates too (tracking without NOLOOP).
            let _: () = cached.set("cached", "3").await.unwrap();
            read_until(&mut cached, "cached", Some("3"), kind).await;
            // FLUSHALL: one invalidation with a null instead of keys empties the whole cache.
            let _: () = redis::cmd("FLUSHALL").query_async(&mut writer).await.unwrap();
            read_until(&mut cached, "cached", None, kind).await;
            let _: () =
                redis::cmd("ECHO").arg("caching-done").query_async(&mut writer).await.unwrap();
        });
        // The crate turns tracking on while connecting, and reads a missing key's PTTL in
        // the same pipeline as the GET (the entry's lifetime); a hit sends nothing.
        let seen = monitored_until(&mut monitor, |line| line == r#""ECHO" "caching-done""#);
        let setinfo = setinfo_monitor_lines(version, &REDIS_RS_SETINFO);
        let setinfo: Vec<&str> = setinfo.iter().map(String::as_str).collect();
        let mut expected = vec![r#""HELLO" "3""#, r#""CLIENT" "TRACKING" "ON""#];
        expected.extend(&setinfo);
        expected.push(r#""HELLO" "3""#);
        expected.extend(&setinfo);
        let miss = [r#""PTTL" "cached""#, r#""GET" "cached""#];
        expected.push(r#""SET" "cached" "1""#);
        expected.extend(miss);
        expected.push(r#""SET" "cached" "2""#);
        expected.extend(miss);
        expected.push(r#""SET" "cached" "3""#);
        expected.extend(miss);
        expected.push(r#""FLUSHALL""#);
        expected.extend(miss);
        assert_eq!(seen, expected, "{}", kind.name());
    }
}
