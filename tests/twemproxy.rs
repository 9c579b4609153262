//! Sharding through twemproxy (Debian's `nutcracker`): three backends behind one proxy, run
//! with AllyDB backends and with redis-server backends, so every assertion is about what the
//! proxy really does with either. The configuration is the one docs/TOPOLOGY.md shows.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::servers::{Kind, Server};
use common::{bulk, bulk_array, encode, eventually, free_port, int, python, RawClient, NIL, OK};

const KEYS: usize = 100_000;
const BATCH: usize = 1_000;
const PASSWORD: &str = "tw3m-s3cret";
const POOL: &str = "allydb";
/// The key hash. fnv1a_64 (twemproxy's README example) put all of `multi:0` to `multi:59`
/// on two shards of three; md5, ketama's own hash, spreads similar keys.
const HASH: &str = "md5";

/// Commands twemproxy does not forward: it closes the client's connection without a reply.
/// docs/TOPOLOGY.md lists each of them (checked below).
const REFUSED: &[&[&str]] = &[
    &["HELLO", "3"],
    &["HELLO"],
    &["SELECT", "1"],
    &["CLIENT", "SETNAME", "app"],
    &["MULTI"],
    &["EXEC"],
    &["WATCH", "k"],
    &["SUBSCRIBE", "news"],
    &["PUBLISH", "news", "hi"],
    &["BLPOP", "l", "1"],
    &["EVAL", "return 1", "0"],
    &["SCAN", "0"],
    &["KEYS", "*"],
    &["DBSIZE"],
    &["FLUSHALL"],
    &["INFO"],
    &["WAIT", "0", "0"],
    &["RENAME", "{t}:a", "{t}:b"],
    &["PING", "hello"],
];

/// A running nutcracker, killed and reaped on drop.
struct Proxy {
    child: Child,
    port: u16,
    stats_port: u16,
    dir: tempfile::TempDir,
}

impl Proxy {
    /// Starts nutcracker in front of `backends` (in order `shard0`, `shard1`, ...), with
    /// `pool_extra` lines (e.g. `redis_auth: ...`) added to the pool. The listener and stats
    /// ports are found by binding and releasing them, so a start that fails is retried.
    fn start(backends: &[&Server], pool_extra: &[&str]) -> Self {
        for _attempt in 0..5 {
            let dir = tempfile::tempdir().expect("temp dir");
            let (port, stats_port) = (free_port(), free_port());
            let config = dir.path().join("nutcracker.yml");
            std::fs::write(&config, pool_config(port, backends, pool_extra)).expect("config");
            let check = Command::new(nutcracker()).arg("-t").arg("-c").arg(&config).output();
            let check = check.expect("run nutcracker -t");
            assert!(check.status.success(), "config refused: {}", common::text(&check));
            let log = dir.path().join("nutcracker.log");
            let child = Command::new(nutcracker())
                .arg("-c")
                .arg(&config)
                .args(["-s", &stats_port.to_string(), "-a", "127.0.0.1", "-o"])
                .arg(&log)
                .arg("-p")
                .arg(dir.path().join("nutcracker.pid"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn nutcracker");
            let mut proxy = Proxy { child, port, stats_port, dir };
            if proxy.wait_ready() {
                return proxy;
            }
            eprintln!("nutcracker did not start on port {port}:\n{}", proxy.log());
        }
        panic!("nutcracker did not start after 5 attempts");
    }

    /// Ready when this very process is alive, answers PING on the listener itself (PONG, or
    /// NOAUTH with `redis_auth`) and its stats port reports the pool.
    fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(20);
        let answered = [b"+PONG\r\n".as_slice(), b"-NOAUTH Authentication required\r\n"];
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            let ping = common::exchange(self.port, b"*1\r\n$4\r\nPING\r\n", |t| t.ends_with(b"\n"));
            // The stats port sends one JSON document and closes.
            let stats = common::exchange(self.stats_port, b"", |_| false).unwrap_or_default();
            let pool = String::from_utf8_lossy(&stats).contains(&format!("\"{POOL}\""));
            if ping.is_some_and(|reply| answered.contains(&reply.as_slice())) && pool {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("nutcracker.log")).unwrap_or_default()
    }

    fn client(&self) -> RawClient {
        RawClient::connect(self.port)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The nutcracker binary: on PATH, or where Debian puts it (/usr/sbin, not on every PATH).
fn nutcracker() -> PathBuf {
    let found = Command::new("sh").args(["-c", "command -v nutcracker"]).output();
    if let Ok(output) = found {
        let path = String::from_utf8_lossy(&output.stdout).trim().to_string();
        if output.status.success() && !path.is_empty() {
            return PathBuf::from(path);
        }
    }
    let debian = Path::new("/usr/sbin/nutcracker");
    assert!(debian.exists(), "nutcracker is not installed: run scripts/test.sh");
    debian.to_path_buf()
}

/// The pool docs/TOPOLOGY.md shows, with this test's ports. Backends are named, so ketama
/// places keys by name, not by address: the same key goes to the same shard whatever the
/// ports, and so the same keys land on each AllyDB as on each redis-server.
fn pool_config(port: u16, backends: &[&Server], pool_extra: &[&str]) -> String {
    let mut config = format!(
        "{POOL}:\n  listen: 127.0.0.1:{port}\n  hash: {HASH}\n  distribution: ketama\n  \
         redis: true\n  hash_tag: \"{{}}\"\n  auto_eject_hosts: false\n  timeout: 2000\n  server_retry_timeout: 200\n"
    );
    for line in pool_extra {
        config.push_str(&format!("  {line}\n"));
    }
    config.push_str("  servers:\n");
    for (index, backend) in backends.iter().enumerate() {
        config.push_str(&format!("   - 127.0.0.1:{}:1 shard{index}\n", backend.port));
    }
    config
}

/// A direct connection to a backend, authenticated when it has a password.
fn backend_client(server: &Server) -> RawClient {
    let mut client = RawClient::connect(server.port);
    if let Some(password) = server.password() {
        assert_eq!(client.cmd(&["AUTH", password]), OK, "{}", server.kind.name());
    }
    client
}

fn dbsize(server: &Server, db: u32) -> u64 {
    let mut client = backend_client(server);
    assert_eq!(client.cmd(&["SELECT", &db.to_string()]), OK);
    let reply = client.cmd(&["DBSIZE"]);
    reply.trim_start_matches(':').trim_end().parse().expect("DBSIZE is an integer")
}

fn start_backends(kind: Kind, extra: &[&str]) -> Vec<Server> {
    (0..3).map(|_| Server::start_with(kind, extra)).collect()
}

/// Sends `commands` in pipelined batches and checks each reply against `expected(i)`.
fn pipeline(
    client: &mut RawClient,
    count: usize,
    command: impl Fn(usize) -> Vec<Vec<u8>>,
    expected: impl Fn(usize) -> String,
) {
    for start in (0..count).step_by(BATCH) {
        let end = (start + BATCH).min(count);
        let mut request = Vec::new();
        for i in start..end {
            let words = command(i);
            let words: Vec<&[u8]> = words.iter().map(Vec::as_slice).collect();
            request.extend_from_slice(&encode(&words));
        }
        client.send(&request);
        for i in start..end {
            assert_eq!(client.read_reply(), expected(i), "command {i}");
        }
    }
}

fn key(i: usize) -> String {
    format!("key:{i}")
}

fn value(i: usize) -> String {
    format!("value:{i}")
}

/// `SET key:i value:i`, for `pipeline`.
fn set(i: usize) -> Vec<Vec<u8>> {
    vec![b"SET".to_vec(), key(i).into_bytes(), value(i).into_bytes()]
}

/// `GET key:i`, for `pipeline`.
fn get(i: usize) -> Vec<Vec<u8>> {
    vec![b"GET".to_vec(), key(i).into_bytes()]
}

/// One command on a new connection: its reply, or what arrived before the proxy closed
/// the connection (nothing, when it closes without a reply).
fn once(port: u16, args: &[&str]) -> Vec<u8> {
    let words: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    let complete = |reply: &[u8]| {
        let lines = reply.windows(2).filter(|pair| pair == b"\r\n").count();
        match reply.first() {
            Some(b'$') => lines == 2 || reply.starts_with(b"$-1\r\n"),
            Some(_) => lines == 1,
            None => false,
        }
    };
    common::exchange(port, &encode(&words), complete).unwrap_or_default()
}

/// The shard (index into `backends`) that holds `key`, asked of every backend directly.
fn shard_of(backends: &[Server], key: &str) -> usize {
    let holders: Vec<usize> = (0..backends.len())
        .filter(|&index| backend_client(&backends[index]).cmd(&["EXISTS", key]) == int(1))
        .collect();
    assert_eq!(holders.len(), 1, "{key} is on shards {holders:?}");
    holders[0]
}

/// Keys per shard (`shard0`, `shard1`, `shard2`) for `key:0` ... `key:99999`: ketama with
/// named servers and md5 places each key by the names alone, so the split is exact, and
/// docs/TOPOLOGY.md states it.
const SPLIT: [u64; 3] = [32_642, 34_353, 33_005];

/// 100,000 keys set through the proxy and read back, spread over all three backends;
/// the spread is exactly `SPLIT` with AllyDB and with redis-server backends (the same keys on
/// each shard), and docs/TOPOLOGY.md gives the same numbers.
#[test]
fn keys_are_spread_over_three_backends_and_read_back() {
    let topology = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs").join("TOPOLOGY.md"),
    )
    .expect("docs/TOPOLOGY.md");
    let thousands = |n: u64| format!("{},{:03}", n / 1000, n % 1000);
    let documented = SPLIT.map(thousands).join(" / ");
    let topology = topology.split_whitespace().collect::<Vec<_>>().join(" ");
    let stated = format!("Over 100,000 keys (`key:0` ... `key:99999`) md5 gives {documented},");
    assert!(topology.contains(&stated), "docs/TOPOLOGY.md does not say: {stated}");
    let mut spreads = Vec::new();
    for kind in Kind::BOTH {
        let backends = start_backends(kind, &[]);
        let proxy = Proxy::start(&backends.iter().collect::<Vec<_>>(), &[]);
        let mut client = proxy.client();
        pipeline(&mut client, KEYS, set, |_| OK.to_string());
        pipeline(&mut client, KEYS, get, |i| bulk(&value(i)));

        let sizes: Vec<u64> = backends.iter().map(|b| dbsize(b, 0)).collect();
        assert_eq!(sizes.iter().sum::<u64>(), KEYS as u64, "{}: {sizes:?}", kind.name());
        for size in &sizes {
            // ketama with equal weights: about a third each; 20 % is far from chance.
            assert!(*size >= KEYS as u64 / 5, "{}: uneven spread {sizes:?}", kind.name());
        }
        assert_eq!(sizes, SPLIT, "{}: keys per shard", kind.name());
        spreads.push(sizes);
    }
    assert_eq!(spreads[0], spreads[1], "allydb and redis-server shards hold different keys");
}

/// Multi-key commands the proxy splits over shards, and each data type through it: the
/// same replies, byte for byte, from AllyDB and redis-server backends.
#[test]
fn commands_twemproxy_forwards_behave_as_on_one_server() {
    for kind in Kind::BOTH {
        let name = kind.name();
        let backends = start_backends(kind, &[]);
        let proxy = Proxy::start(&backends.iter().collect::<Vec<_>>(), &[]);
        let mut c = proxy.client();

        // MSET/MGET/DEL/EXISTS over 60 keys: the proxy splits them by shard and merges the
        // replies in the client's order.
        let keys: Vec<String> = (0..60).map(|i| format!("multi:{i}")).collect();
        let mut mset = vec!["MSET".to_string()];
        for (i, k) in keys.iter().enumerate() {
            mset.extend([k.clone(), format!("v{i}")]);
        }
        assert_eq!(c.cmd(&mset.iter().map(String::as_str).collect::<Vec<_>>()), OK, "{name}");
        let shards: std::collections::BTreeSet<usize> =
            keys.iter().map(|k| shard_of(&backends, k)).collect();
        assert_eq!(shards.len(), 3, "{name}: MSET keys on shards {shards:?}");
        let mut mget = vec!["MGET"];
        mget.extend(keys.iter().map(String::as_str));
        mget.push("multi:missing");
        let mut values: Vec<String> = (0..60).map(|i| format!("v{i}")).collect();
        values.push(String::new());
        let mut expected = bulk_array(&values.iter().map(String::as_str).collect::<Vec<_>>());
        expected = expected.replace("$0\r\n\r\n", NIL);
        assert_eq!(c.cmd(&mget), expected, "{name}");
        // EXISTS is not split: the whole command goes to the first key's shard, which
        // counts only the keys it holds. docs/TOPOLOGY.md warns of it.
        let first_shard = shard_of(&backends, &keys[0]);
        let on_first =
            |keys: &[String]| keys.iter().filter(|k| shard_of(&backends, k) == first_shard).count();
        let mut exists = vec!["EXISTS"];
        exists.extend(keys.iter().map(String::as_str));
        let counted = on_first(&keys);
        assert!(counted < 60, "{name}: every key on one shard");
        assert_eq!(c.cmd(&exists), int(counted as i64), "{name}");
        // DEL is split, and sums the shards' counts.
        let mut del = vec!["DEL"];
        del.extend(keys.iter().skip(1).take(30).map(String::as_str));
        del.push("multi:missing");
        assert_eq!(c.cmd(&del), int(30), "{name}");
        let left: Vec<String> = keys.iter().take(1).chain(keys.iter().skip(31)).cloned().collect();
        assert_eq!(c.cmd(&exists), int(on_first(&left) as i64), "{name}");
        for k in keys.iter().skip(1).take(30) {
            for backend in &backends {
                assert_eq!(backend_client(backend).cmd(&["EXISTS", k]), int(0), "{name} {k}");
            }
        }

        // Strings, counters and expiry.
        assert_eq!(c.cmd(&["INCRBY", "counter", "41"]), int(41), "{name}");
        assert_eq!(c.cmd(&["INCR", "counter"]), int(42), "{name}");
        assert_eq!(c.cmd(&["APPEND", "counter", "0"]), int(3), "{name}");
        assert_eq!(c.cmd(&["GETRANGE", "counter", "0", "1"]), bulk("42"), "{name}");
        assert_eq!(c.cmd(&["EXPIRE", "counter", "1000"]), int(1), "{name}");
        let ttl = c.cmd(&["TTL", "counter"]);
        let ttl: i64 = ttl.trim_start_matches(':').trim_end().parse().expect("TTL");
        assert!((990..=1000).contains(&ttl), "{name}: TTL {ttl}");
        assert_eq!(c.cmd(&["PERSIST", "counter"]), int(1), "{name}");
        assert_eq!(c.cmd(&["TTL", "counter"]), int(-1), "{name}");
        assert_eq!(c.cmd(&["SET", "short", "x", "PX", "100000"]), OK, "{name}");
        assert_eq!(c.cmd(&["PEXPIRE", "short", "0"]), int(1), "{name}");
        assert_eq!(c.cmd(&["GET", "short"]), NIL, "{name}");

        // Hashes, lists, sets, sorted sets.
        assert_eq!(c.cmd(&["HSET", "h", "a", "1", "b", "2"]), int(2), "{name}");
        assert_eq!(c.cmd(&["HINCRBY", "h", "a", "9"]), int(10), "{name}");
        assert_eq!(c.cmd(&["HMGET", "h", "a", "b", "c"]), "*3\r\n$2\r\n10\r\n$1\r\n2\r\n$-1\r\n");
        assert_eq!(c.cmd(&["HGETALL", "h"]), bulk_array(&["a", "10", "b", "2"]), "{name}");
        assert_eq!(c.cmd(&["RPUSH", "l", "a", "b", "c"]), int(3), "{name}");
        assert_eq!(c.cmd(&["LPUSH", "l", "z"]), int(4), "{name}");
        assert_eq!(c.cmd(&["LRANGE", "l", "0", "-1"]), bulk_array(&["z", "a", "b", "c"]));
        assert_eq!(c.cmd(&["LPOP", "l"]), bulk("z"), "{name}");
        assert_eq!(c.cmd(&["SADD", "s", "x", "y", "x"]), int(2), "{name}");
        assert_eq!(c.cmd(&["SISMEMBER", "s", "y"]), int(1), "{name}");
        assert_eq!(c.cmd(&["SCARD", "s"]), int(2), "{name}");
        // Redis 6.2 commands are in nutcracker 0.5.0's table.
        assert_eq!(c.cmd(&["SMISMEMBER", "s", "y", "q"]), "*2\r\n:1\r\n:0\r\n", "{name}");
        assert_eq!(c.cmd(&["SET", "g", "v"]), OK, "{name}");
        assert_eq!(c.cmd(&["GETEX", "g", "EX", "100"]), bulk("v"), "{name}");
        assert_eq!(c.cmd(&["TTL", "g"]), int(100), "{name}");
        assert_eq!(c.cmd(&["ZADD", "z", "2", "b", "1", "a"]), int(2), "{name}");
        assert_eq!(c.cmd(&["ZINCRBY", "z", "5", "a"]), bulk("6"), "{name}");
        let zrange = bulk_array(&["b", "2", "a", "6"]);
        assert_eq!(c.cmd(&["ZRANGE", "z", "0", "-1", "WITHSCORES"]), zrange, "{name}");
        assert_eq!(c.cmd(&["TYPE", "z"]), "+zset\r\n", "{name}");
        let wrongtype = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
        assert_eq!(c.cmd(&["LPUSH", "h", "x"]), wrongtype, "{name}");
        assert_eq!(c.cmd(&["PING"]), "+PONG\r\n", "{name}");

        // Commands on several keys that the proxy does not split go whole to the first key's
        // shard: with hash_tag "{}" keys sharing a {tag} share a shard, and these work.
        assert_eq!(c.cmd(&["SADD", "{user:7}:a", "x", "y", "z"]), int(3), "{name}");
        assert_eq!(c.cmd(&["SADD", "{user:7}:b", "y", "z", "w"]), int(3), "{name}");
        let inter = c.cmd(&["SINTERSTORE", "{user:7}:both", "{user:7}:a", "{user:7}:b"]);
        assert_eq!(inter, int(2), "{name}");
        assert_eq!(c.cmd(&["SCARD", "{user:7}:both"]), int(2), "{name}");
        assert_eq!(c.cmd(&["SISMEMBER", "{user:7}:both", "y"]), int(1), "{name}");
        assert_eq!(c.cmd(&["SMOVE", "{user:7}:a", "{user:7}:c", "x"]), int(1), "{name}");
        assert_eq!(c.cmd(&["SCARD", "{user:7}:c"]), int(1), "{name}");
        let tagged = ["{user:7}:b", "{user:7}:both", "{user:7}:c"].map(|k| shard_of(&backends, k));
        assert!(tagged.iter().all(|&shard| shard == tagged[0]), "{name}: {tagged:?}");
        // Each of these keys lives on exactly one shard (shard_of asserts it).
        for k in ["counter", "h", "l", "s", "z"] {
            shard_of(&backends, k);
        }
    }
}

/// What twemproxy refuses: it closes the connection without a reply, so a client must speak
/// RESP2 and send none of these (and no inline commands). docs/TOPOLOGY.md lists them.
#[test]
fn commands_the_proxy_refuses_close_the_connection_and_are_documented() {
    let topology = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs").join("TOPOLOGY.md"),
    )
    .expect("docs/TOPOLOGY.md");
    let refused_line = topology
        .lines()
        .find(|line| line.starts_with("Refused by twemproxy"))
        .expect("docs/TOPOLOGY.md has a 'Refused by twemproxy' line");
    for words in REFUSED {
        let documented = format!("`{}`", words[0]);
        assert!(refused_line.contains(&documented), "{documented} missing from {refused_line}");
    }
    for kind in Kind::BOTH {
        let backends = start_backends(kind, &[]);
        let proxy = Proxy::start(&backends.iter().collect::<Vec<_>>(), &[]);
        for words in REFUSED {
            let mut client = proxy.client();
            let bytes: Vec<&[u8]> = words.iter().map(|w| w.as_bytes()).collect();
            client.send_command(&bytes);
            assert!(client.is_closed(), "{}: {words:?} was answered", kind.name());
        }
        let mut inline = proxy.client();
        inline.send(b"PING\r\n");
        assert!(inline.is_closed(), "{}: an inline PING was answered", kind.name());
        // The connection that sent nothing refused still works.
        let mut client = proxy.client();
        assert_eq!(client.cmd(&["SET", "after", "1"]), OK, "{}", kind.name());
    }
}

/// auto_eject_hosts false: while one backend is down, requests for its keys get an error
/// from the proxy and the other shards go on serving; once it is back on the same port the
/// proxy reconnects by itself and its keys (persisted at SIGTERM) are served again.
#[test]
fn proxy_recovers_when_a_backend_restarts() {
    for kind in Kind::BOTH {
        let name = kind.name();
        let mut backends = start_backends(kind, &[]);
        let proxy = Proxy::start(&backends.iter().collect::<Vec<_>>(), &[]);
        let mut client = proxy.client();
        pipeline(&mut client, 300, set, |_| OK.to_string());
        let on = |shard: usize| (0..300).find(|&i| shard_of(&backends, &key(i)) == shard);
        let down_key = on(1).expect("a key on shard 1");
        let up_key = on(0).expect("a key on shard 0");

        backends[1].stop();
        // A request sent while the proxy still holds the connection the backend closed gets
        // its client connection closed; once the proxy has seen the close, every request
        // for that shard gets this error, on a connection that stays open.
        let refused = "-ERR Connection refused\r\n";
        let seen_refused = eventually(Duration::from_secs(10), || {
            let reply = once(proxy.port, &["GET", &key(down_key)]);
            let reply = String::from_utf8_lossy(&reply).into_owned();
            let failed = reply.is_empty() || reply.starts_with("-ERR ");
            assert!(failed, "{name}: {reply:?} from a stopped backend");
            reply == refused
        });
        assert!(seen_refused, "{name}: no '{refused}' while the backend is down");
        let mut client = proxy.client();
        assert_eq!(client.cmd(&["GET", &key(down_key)]), refused, "{name}");
        assert_eq!(client.cmd(&["SET", &key(down_key), "lost"]), refused, "{name}");
        assert_eq!(client.cmd(&["GET", &key(up_key)]), bulk(&value(up_key)), "{name}");
        // A command spanning shards fails as a whole when one part does, and the proxy
        // then closes the client's connection.
        let mget = client.cmd(&["MGET", &key(up_key), &key(down_key)]);
        assert_eq!(mget, refused, "{name}: MGET with a shard down");
        assert!(client.is_closed(), "{name}: the connection outlived a failed MGET");

        backends[1].start_again();
        let served = eventually(Duration::from_secs(10), || {
            once(proxy.port, &["GET", &key(down_key)]) == bulk(&value(down_key)).as_bytes()
        });
        assert!(served, "{name}: the restarted backend's key is not served again");
        let mut client = proxy.client();
        let both = bulk_array(&[&value(up_key), &value(down_key)]);
        assert_eq!(client.cmd(&["MGET", &key(up_key), &key(down_key)]), both, "{name}");
        assert_eq!(client.cmd(&["SET", &key(down_key), "new"]), OK, "{name}");
        assert_eq!(backend_client(&backends[1]).cmd(&["GET", &key(down_key)]), bulk("new"));
    }
}

/// Backends with `--requirepass` and the pool with `redis_auth`: the proxy sends AUTH to
/// each backend before a client's first command, and asks the client for the same password.
#[test]
fn redis_auth_authenticates_clients_and_backends() {
    for kind in Kind::BOTH {
        let name = kind.name();
        let backends = start_backends(kind, &["--requirepass", PASSWORD]);
        let auth_line = format!("redis_auth: {PASSWORD}");
        let proxy = Proxy::start(&backends.iter().collect::<Vec<_>>(), &[&auth_line]);
        let mut client = proxy.client();
        let noauth = "-NOAUTH Authentication required\r\n";
        assert_eq!(client.cmd(&["GET", "k"]), noauth, "{name}");
        assert_eq!(client.cmd(&["AUTH", "wrong"]), "-ERR invalid password\r\n", "{name}");
        assert_eq!(client.cmd(&["GET", "k"]), noauth, "{name}");
        assert_eq!(client.cmd(&["AUTH", PASSWORD]), OK, "{name}");
        pipeline(&mut client, 3_000, set, |_| OK.to_string());
        pipeline(&mut client, 3_000, get, |i| bulk(&value(i)));
        let sizes: Vec<u64> = backends.iter().map(|b| dbsize(b, 0)).collect();
        assert_eq!(sizes.iter().sum::<u64>(), 3_000, "{name}: {sizes:?}");
        assert!(sizes.iter().all(|&size| size > 0), "{name}: {sizes:?}");
        // Without redis_auth the proxy sends no AUTH: the backend's own refusal (Redis's
        // text, with its full stop) comes back through it.
        let open = Proxy::start(&backends.iter().collect::<Vec<_>>(), &[]);
        let backend_noauth = "-NOAUTH Authentication required.\r\n";
        assert_eq!(open.client().cmd(&["GET", &key(0)]), backend_noauth, "{name}");
    }
}

/// `redis_db: N` makes the proxy SELECT N on each backend connection; combined with
/// `redis_auth`, nutcracker 0.5.0 sends the SELECT before the AUTH, the backend refuses it
/// and keys land in database 0 (twemproxy issue 457). docs/TOPOLOGY.md says so.
#[test]
fn redis_db_selects_the_database_on_the_backends() {
    for kind in Kind::BOTH {
        let name = kind.name();
        let backends = start_backends(kind, &[]);
        let proxy = Proxy::start(&backends.iter().collect::<Vec<_>>(), &["redis_db: 2"]);
        let mut client = proxy.client();
        pipeline(&mut client, 300, set, |_| OK.to_string());
        let in_db2: Vec<u64> = backends.iter().map(|b| dbsize(b, 2)).collect();
        assert_eq!(in_db2.iter().sum::<u64>(), 300, "{name}: {in_db2:?}");
        assert!(in_db2.iter().all(|&size| size > 0), "{name}: {in_db2:?}");
        let in_db0: Vec<u64> = backends.iter().map(|b| dbsize(b, 0)).collect();
        assert_eq!(in_db0, [0, 0, 0], "{name}");

        let secured = start_backends(kind, &["--requirepass", PASSWORD]);
        let auth_line = format!("redis_auth: {PASSWORD}");
        let pool = [auth_line.as_str(), "redis_db: 2"];
        let proxy = Proxy::start(&secured.iter().collect::<Vec<_>>(), &pool);
        let mut client = proxy.client();
        assert_eq!(client.cmd(&["AUTH", PASSWORD]), OK, "{name}");
        pipeline(&mut client, 300, set, |_| OK.to_string());
        let in_db0: Vec<u64> = secured.iter().map(|b| dbsize(b, 0)).collect();
        assert_eq!(in_db0.iter().sum::<u64>(), 300, "{name}: {in_db0:?}");
        let in_db2: Vec<u64> = secured.iter().map(|b| dbsize(b, 2)).collect();
        assert_eq!(in_db2, [0, 0, 0], "{name}");
    }
}

/// redis-py 5.2.1 through the proxy: its defaults fail (CLIENT SETINFO closes the
/// connection), so does RESP3 (HELLO); `lib_name=None, lib_version=None` over RESP2, the
/// set-up docs/TOPOLOGY.md and docs/CLIENTS.md give, works.
#[test]
fn redis_py_works_through_the_proxy_as_documented() {
    let program =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/external/twemproxy_redis_py.py");
    for kind in Kind::BOTH {
        let name = kind.name();
        let backends = start_backends(kind, &[]);
        let proxy = Proxy::start(&backends.iter().collect::<Vec<_>>(), &[]);
        let output = Command::new(python(false))
            .arg(&program)
            .arg(proxy.port.to_string())
            .stdin(Stdio::null())
            .output()
            .expect("run python");
        assert!(output.status.success(), "{name}: {}", common::text(&output));
        let closed = "ConnectionError Connection closed by server.";
        let expected = format!("defaults: {closed}\nresp3: {closed}\nrecommended: ok\n");
        assert_eq!(String::from_utf8_lossy(&output.stdout), expected, "{name}");
        // 990 keys of the pipeline, the hash and the counter, spread over the shards.
        let sizes: Vec<u64> = backends.iter().map(|b| dbsize(b, 0)).collect();
        assert_eq!(sizes.iter().sum::<u64>(), 992, "{name}: {sizes:?}");
        assert!(sizes.iter().all(|&size| size > 0), "{name}: {sizes:?}");
    }
}
