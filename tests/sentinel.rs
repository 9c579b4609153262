//! AllyDB under Redis Sentinel (docs/TOPOLOGY.md#sentinel), side by side with the reference
//! redis-server: three real `redis-sentinel` processes (tests/common/sentinel.rs) watch one
//! AllyDB primary and one redis-server primary, and in the failover test a replica of each.
//! Discovery, health, what Sentinel sends and the replies it gets, redis-py's Sentinel
//! client, a crash with no replica to promote, and a failover to a replica (with WAIT 1
//! acknowledged writes kept and the old primary rejoining) must all be as Redis.
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::sentinel::{Fields, Sentinels, Timing};
use common::servers::{Kind, Server};
use common::{encode, eventually, python, text, RawClient, OK};

/// Generous bounds for a debug build on a busy 2-core machine; every wait ends as soon as
/// its condition holds.
const DISCOVERY: Duration = Duration::from_secs(60);
const FAILOVER: Duration = Duration::from_secs(90);

/// The name the sentinels monitor each server under.
fn service(kind: Kind) -> &'static str {
    match kind {
        Kind::AllyDb => "allydb-primary",
        Kind::Redis => "redis-primary",
    }
}

/// Every MONITOR line a server sends on one connection, collected by a thread until the
/// connection ends.
struct Monitor {
    lines: Arc<Mutex<Vec<String>>>,
}

impl Monitor {
    /// MONITOR on a new connection to `port`, after AUTH with `password` if given.
    fn start(port: u16, password: Option<&str>) -> Self {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect for MONITOR");
        let mut request = Vec::new();
        if let Some(password) = password {
            request = encode(&[b"AUTH", password.as_bytes()]);
        }
        request.extend_from_slice(&encode(&[b"MONITOR"]));
        stream.write_all(&request).expect("send MONITOR");
        let mut reader = BufReader::new(stream);
        if password.is_some() {
            let mut auth = String::new();
            reader.read_line(&mut auth).expect("AUTH reply");
            assert_eq!(auth, OK, "AUTH on port {port}");
        }
        let mut first = String::new();
        reader.read_line(&mut first).expect("MONITOR reply");
        assert_eq!(first, OK, "MONITOR on port {port}");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        std::thread::spawn(move || {
            let mut line = String::new();
            while matches!(reader.read_line(&mut line), Ok(n) if n > 0) {
                sink.lock().expect("monitor lines").push(line.trim_end().to_string());
                line.clear();
            }
        });
        Monitor { lines }
    }

    /// The first command of each client address seen so far.
    fn first_commands(&self) -> BTreeMap<String, String> {
        let mut firsts = BTreeMap::new();
        for line in self.lines.lock().expect("monitor lines").iter() {
            // `+<time> [<db> <address>] <arguments>`
            let address = line.split_once(' ').and_then(|(_, rest)| rest.split_once(']'));
            let Some((address, _)) = address else { continue };
            let arguments = common::monitor_arguments(line).to_string();
            firsts.entry(address.to_string()).or_insert(arguments);
        }
        firsts
    }

    /// The arguments of every line so far (time, database and address removed).
    fn arguments(&self) -> Vec<String> {
        let lines = self.lines.lock().expect("monitor lines");
        lines.iter().map(|l| common::monitor_arguments(l).to_string()).collect()
    }
}

/// A command's name as MONITOR shows it, with CLIENT's subcommand (`"CLIENT" "SETNAME"`).
fn command_name(arguments: &str) -> String {
    let words: Vec<&str> = arguments.split(' ').collect();
    let take = if words.first() == Some(&"\"CLIENT\"") { 2 } else { 1 };
    words.iter().take(take).copied().collect::<Vec<_>>().join(" ")
}

/// The value of `field` in a SENTINEL entry, which must have it.
fn field<'a>(fields: &'a Fields, field: &str) -> &'a str {
    fields.get(field).unwrap_or_else(|| panic!("no {field} in {fields:?}"))
}

fn number(fields: &Fields, name: &str) -> u64 {
    let value = field(fields, name);
    value.parse().unwrap_or_else(|_| panic!("{name} is not a number: {value:?}"))
}

/// Runs tests/clients/python_sentinel.py MODE SERVICE SENTINEL_PORT... and returns its last
/// line; the program must exit 0.
fn redis_py(mode: &str, service: &str, sentinels: &Sentinels) -> String {
    let script = format!("{}/tests/clients/python_sentinel.py", env!("CARGO_MANIFEST_DIR"));
    let ports: Vec<String> = sentinels.ports().iter().map(u16::to_string).collect();
    let output = Command::new(python(false))
        .arg(script)
        .args([mode, service])
        .args(&ports)
        .output()
        .expect("run python_sentinel.py");
    assert!(output.status.success(), "{mode} {service}: {}\n{}", text(&output), sentinels.logs());
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout.lines().last().unwrap_or("").to_string()
}

#[test]
fn sentinels_watch_a_lone_primary_as_they_watch_redis() {
    let mut servers = [Server::start(Kind::AllyDb), Server::start(Kind::Redis)];
    // Watching from before the first sentinel connects: the handshake is in the lines.
    let monitors: Vec<Monitor> = servers.iter().map(|s| Monitor::start(s.port, None)).collect();
    let masters: Vec<(&str, u16)> = servers.iter().map(|s| (service(s.kind), s.port)).collect();
    let sentinels = Sentinels::start(3, &masters, Timing::FAST);

    // Each sentinel learns of the two others only from their hellos on `__sentinel__:hello`
    // on the monitored server: nothing in sentinel.conf names them.
    sentinels.wait_until("every sentinel sees two others on both primaries", DISCOVERY, |s| {
        (0..s.len()).all(|i| {
            masters.iter().all(|(name, _)| field(&s.master(i, name), "num-other-sentinels") == "2")
        })
    });
    for i in 0..sentinels.len() {
        for (name, _) in &masters {
            let mut others: Vec<u16> = sentinels
                .sentinels(i, name)
                .iter()
                .map(|o| {
                    assert_eq!(field(o, "ip"), "127.0.0.1", "{name}: {o:?}");
                    field(o, "port").parse().expect("a sentinel's port")
                })
                .collect();
            others.sort_unstable();
            let mut expected = sentinels.ports();
            expected.remove(i);
            expected.sort_unstable();
            assert_eq!(others, expected, "sentinel {i} on {name}");
        }
    }

    // Healthy for several down-after periods: PING and INFO replies keep satisfying them.
    let down_after = Duration::from_millis(Timing::FAST.down_after_ms);
    sentinels.hold_for("both primaries flagged exactly `master`", down_after * 4, |s| {
        (0..s.len()).all(|i| masters.iter().all(|(name, _)| s.master_flags(i, name) == ["master"]))
    });

    let mut seen = Vec::new();
    for server in &servers {
        let name = service(server.kind);
        for i in 0..sentinels.len() {
            let address = sentinels.master_addr(i, name);
            assert_eq!(address, Some(("127.0.0.1".to_string(), server.port)), "sentinel {i}");
            assert!(sentinels.replicas(i, name).is_empty(), "{name} has no replica yet");
        }
        // What Sentinel parsed from the server's INFO.
        let fields = sentinels.master(0, name);
        let run_id = common::info_field(&mut RawClient::connect(server.port), "server", "run_id");
        assert_eq!(field(&fields, "runid"), run_id, "{name}: the run ID INFO reports");
        assert_eq!(field(&fields, "role-reported"), "master", "{name}");
        assert_eq!(field(&fields, "num-slaves"), "0", "{name}");
        assert!(number(&fields, "info-refresh") <= 20_000, "{name}: INFO is refreshed {fields:?}");
        // PINGs go out about every second; a reply older than a few is not "recent".
        assert!(number(&fields, "last-ok-ping-reply") <= 5_000, "{name}: PING {fields:?}");
        // The fields that do not depend on time or identity must be equal for both servers.
        let stable: Vec<(String, String)> = fields
            .iter()
            .filter(|(k, _)| {
                !matches!(
                    k.as_str(),
                    "name"
                        | "port"
                        | "runid"
                        | "last-ping-sent"
                        | "last-ok-ping-reply"
                        | "last-ping-reply"
                        | "info-refresh"
                        | "role-reported-time"
                        | "link-pending-commands"
                )
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        seen.push(stable);
    }
    assert_eq!(seen[0], seen[1], "SENTINEL master fields: AllyDB, then redis-server");

    // What the sentinels sent so far, all through the links they opened.
    let sent: Vec<BTreeSet<String>> =
        monitors.iter().map(|m| m.arguments().iter().map(|a| command_name(a)).collect()).collect();
    let expected: BTreeSet<String> =
        ["\"CLIENT\" \"SETNAME\"", "\"PING\"", "\"INFO\"", "\"SUBSCRIBE\"", "\"PUBLISH\""]
            .into_iter()
            .map(str::to_string)
            .collect();
    assert_eq!(sent[0], expected, "what Sentinel sent AllyDB: {:?}", monitors[0].arguments());
    assert_eq!(sent[1], expected, "what Sentinel sent redis-server: {:?}", monitors[1].arguments());
    replay_sentinel_commands(&servers, &monitors);

    // redis-py finds each primary through the sentinels and writes through it.
    for server in &servers {
        let name = service(server.kind);
        let last = redis_py("up", name, &sentinels);
        assert_eq!(last, format!("sentinel {name} primary 127.0.0.1:{}: ok", server.port));
    }

    // A crash with no replica: the sentinels agree it is down, elect a leader, and the leader
    // gives up for want of a replica to promote; the address stays the dead primary's.
    for server in &mut servers {
        server.kill();
    }
    sentinels.wait_until("every sentinel flags both primaries s_down and o_down", FAILOVER, |s| {
        (0..s.len()).all(|i| {
            masters.iter().all(|(name, _)| {
                let flags = s.master_flags(i, name);
                flags.iter().any(|f| f == "s_down") && flags.iter().any(|f| f == "o_down")
            })
        })
    });
    sentinels.wait_until("a leader aborts each failover: no good replica", FAILOVER, |s| {
        let logs: Vec<String> = (0..s.len()).map(|i| s.log(i)).collect();
        masters.iter().all(|(name, port)| {
            let event = format!("-failover-abort-no-good-slave master {name} 127.0.0.1 {port}");
            logs.iter().any(|log| log.contains(&event))
        })
    });
    for (name, port) in &masters {
        for i in 0..sentinels.len() {
            let address = sentinels.master_addr(i, name);
            assert_eq!(address, Some(("127.0.0.1".to_string(), *port)), "sentinel {i}: {name}");
        }
        assert_eq!(redis_py("down", name, &sentinels), format!("sentinel {name} down: ok"));
    }

    // The primary comes back on its address (its journal, a new run ID): the sentinels clear
    // their flags and clients find it again.
    for server in &mut servers {
        server.start_again();
    }
    sentinels.wait_until("both primaries flagged `master` again", FAILOVER, |s| {
        (0..s.len()).all(|i| masters.iter().all(|(name, _)| s.master_flags(i, name) == ["master"]))
    });
    for server in &servers {
        let name = service(server.kind);
        let last = redis_py("up", name, &sentinels);
        assert_eq!(last, format!("sentinel {name} primary 127.0.0.1:{}: ok", server.port));
    }
}

/// Primaries with `--requirepass`: Sentinel, given `sentinel auth-pass`, sends AUTH first on
/// both of its connections (MONITOR shows it redacted), and then discovers and watches as
/// without a password, on AllyDB as on redis-server.
#[test]
fn sentinels_authenticate_with_auth_pass() {
    const PASSWORD: &str = "sentinel-secret";
    let servers = [Kind::AllyDb, Kind::Redis]
        .map(|kind| Server::start_with(kind, &["--requirepass", PASSWORD]));
    let monitors: Vec<Monitor> =
        servers.iter().map(|s| Monitor::start(s.port, Some(PASSWORD))).collect();
    let masters: Vec<(&str, u16)> = servers.iter().map(|s| (service(s.kind), s.port)).collect();
    let extra: String =
        masters.iter().map(|(name, _)| format!("sentinel auth-pass {name} {PASSWORD}\n")).collect();
    let sentinels = Sentinels::start_with(3, &masters, Timing::FAST, &extra);
    sentinels.wait_until("every sentinel sees two others on both primaries", DISCOVERY, |s| {
        (0..s.len()).all(|i| {
            masters.iter().all(|(name, _)| {
                let fields = s.master(i, name);
                field(&fields, "num-other-sentinels") == "2" && field(&fields, "flags") == "master"
            })
        })
    });
    for (server, monitor) in servers.iter().zip(&monitors) {
        let name = server.kind.name();
        // Three sentinels, two connections each (more if one reconnects), each opening with
        // AUTH.
        let firsts = monitor.first_commands();
        assert!(firsts.len() >= 6, "{name}: {firsts:?}");
        for (address, first) in &firsts {
            assert_eq!(first, "\"AUTH\" \"(redacted)\"", "{name}: connection {address}");
        }
        let fields = sentinels.master(0, service(server.kind));
        let run_id = {
            let mut client = RawClient::connect(server.port);
            assert_eq!(client.cmd(&["AUTH", PASSWORD]), OK);
            common::info_field(&mut client, "server", "run_id")
        };
        assert_eq!(field(&fields, "runid"), run_id, "{name}");
    }
}

/// Sends each server, on new connections, what MONITOR showed a sentinel sending it (its
/// own name, PING, a hello of its own, the hello subscription), and requires the reply
/// bytes to be equal for both servers, and Redis's.
fn replay_sentinel_commands(servers: &[Server; 2], monitors: &[Monitor]) {
    let arguments = monitors[0].arguments();
    let hello = arguments
        .iter()
        .find(|a| a.starts_with("\"PUBLISH\" \"__sentinel__:hello\" "))
        .expect("a sentinel hello in AllyDB's MONITOR");
    // "127.0.0.1,<port>,<run id>,<epoch>,<name>,<ip>,<port>,<epoch>" in MONITOR's quotes.
    let payload = hello.rsplit(' ').next().unwrap_or("").trim_matches('"').to_string();
    assert_eq!(payload.split(',').count(), 8, "a hello has eight fields: {payload}");
    let message = format!(
        "*3\r\n$7\r\nmessage\r\n$18\r\n__sentinel__:hello\r\n${}\r\n{payload}\r\n",
        payload.len()
    );
    let mut replies = Vec::new();
    for server in servers {
        let mut command = RawClient::connect(server.port);
        let mut pubsub = RawClient::connect(server.port);
        let mut got = vec![
            command.cmd(&["CLIENT", "SETNAME", "sentinel-0123abcd-cmd"]),
            command.cmd(&["PING"]),
            pubsub.cmd(&["CLIENT", "SETNAME", "sentinel-0123abcd-pubsub"]),
            pubsub.cmd(&["SUBSCRIBE", "__sentinel__:hello"]),
        ];
        // Three sentinels and this subscriber receive it (a sentinel that reconnected its
        // subscription may have left the old one for a moment).
        let four = "*2\r\n$18\r\n__sentinel__:hello\r\n:4\r\n";
        let subscribed = common::eventually(Duration::from_secs(30), || {
            command.cmd(&["PUBSUB", "NUMSUB", "__sentinel__:hello"]) == four
        });
        assert!(subscribed, "{}: not four subscribers to the hellos", server.kind.name());
        got.push(command.cmd(&["PUBLISH", "__sentinel__:hello", &payload]));
        // The sentinels' own hellos (every 2 s each) may come first; each is a message frame.
        let mut delivered = pubsub.read_reply();
        for _ in 0..200 {
            if delivered == message {
                break;
            }
            assert!(delivered.starts_with("*3\r\n$7\r\nmessage\r\n$18\r\n__sentinel__:hello\r\n"));
            delivered = pubsub.read_reply();
        }
        got.push(delivered);
        replies.push(got);
    }
    let expected = vec![
        OK.to_string(),
        "+PONG\r\n".to_string(),
        OK.to_string(),
        "*3\r\n$9\r\nsubscribe\r\n$18\r\n__sentinel__:hello\r\n:1\r\n".to_string(),
        ":4\r\n".to_string(),
        message,
    ];
    assert_eq!(replies[0], expected, "AllyDB");
    assert_eq!(replies[1], expected, "redis-server");
}

/// What a failover sends the replica it promotes, and then every other replica (sentinel.c,
/// sentinelSendSlaveOf), in one transaction, without its SLAVEOF (with it:
/// `failover_transactions_with_slaveof_get_redis_replies`): the same replies from AllyDB and
/// redis-server, byte for byte. The caller
/// survives its own CLIENT KILL (SKIPME defaults to yes); a subscriber, a plain client and a
/// MONITOR (a `normal` client, as in Redis) do not.
#[test]
fn failover_transaction_gets_redis_replies() {
    for kind in Kind::BOTH {
        let server = Server::start(kind);
        let mut sentinel = RawClient::connect(server.port);
        let mut subscriber = RawClient::connect(server.port);
        let mut plain = RawClient::connect(server.port);
        let mut monitor = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
        let mut resp3_subscriber = RawClient::connect(server.port).resp3();
        assert_eq!(
            subscriber.cmd(&["SUBSCRIBE", "news"]),
            "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n"
        );
        assert_eq!(
            resp3_subscriber.cmd(&["SUBSCRIBE", "news"]),
            ">3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n"
        );
        assert_eq!(plain.cmd(&["PING"]), "+PONG\r\n");
        monitor.write_all(&encode(&[b"MONITOR"])).expect("send MONITOR");
        assert_eq!(sentinel.cmd(&["CLIENT", "SETNAME", "sentinel-0123abcd-cmd"]), OK);
        wait_normal_clients(&mut sentinel, 3, kind.name());
        let transaction: [&[&str]; 5] = [
            &["MULTI"],
            &["CONFIG", "REWRITE"],
            &["CLIENT", "KILL", "TYPE", "normal"],
            &["CLIENT", "KILL", "TYPE", "pubsub"],
            &["EXEC"],
        ];
        // Pipelined, as Sentinel's hiredis sends it.
        let mut request = Vec::new();
        for command in transaction {
            let words: Vec<&[u8]> = command.iter().map(|w| w.as_bytes()).collect();
            request.extend_from_slice(&encode(&words));
        }
        sentinel.send(&request);
        let replies: Vec<String> = (0..transaction.len()).map(|_| sentinel.read_reply()).collect();
        let name = kind.name();
        assert_eq!(
            replies,
            [
                OK,
                "+QUEUED\r\n",
                "+QUEUED\r\n",
                "+QUEUED\r\n",
                // Neither runs from a config file here; two normal clients (the plain one and
                // the MONITOR), two subscribers.
                "*3\r\n-ERR The server is running without a config file\r\n:2\r\n:2\r\n",
            ],
            "{name}"
        );
        assert_eq!(sentinel.cmd(&["PING"]), "+PONG\r\n", "{name}: the caller lives on");
        assert_eq!(sentinel.cmd(&["CLIENT", "GETNAME"]), common::bulk("sentinel-0123abcd-cmd"));
        for (label, client) in [
            ("subscriber", &mut subscriber),
            ("RESP3 subscriber", &mut resp3_subscriber),
            ("plain client", &mut plain),
        ] {
            assert!(client.is_closed(), "{name}: the {label} was killed");
        }
        assert!(reaches_end(monitor), "{name}: the MONITOR was killed");
    }
}

/// Whether the server closes `stream`: reads whatever it still sends (a MONITOR's lines)
/// until the end; false if nothing arrives for 10 s without the connection closing.
fn reaches_end(stream: TcpStream) -> bool {
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("read timeout");
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(_) => return false,
        }
    }
}

/// A client whose CLIENT KILL matches itself (SKIPME no, or its own address) gets the reply,
/// or EXEC's, and is closed: what it pipelined behind is not run, as in Redis (close after
/// reply). A filter without SKIPME spares it even when it names its own ID.
#[test]
fn client_kill_of_itself_closes_after_the_reply() {
    for kind in Kind::BOTH {
        let server = Server::start(kind);
        let name = kind.name();
        let cases: [(&[&[&str]], &str); 4] = [
            (
                &[&["MULTI"], &["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "no"], &["EXEC"]],
                "+OK\r\n+QUEUED\r\n*1\r\n:1\r\n",
            ),
            (&[&["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "no"]], ":1\r\n"),
            (&[&["CLIENT", "KILL", "ADDR", "{addr}", "SKIPME", "no"]], ":1\r\n"),
            (&[&["CLIENT", "KILL", "{addr}"]], "+OK\r\n"),
        ];
        for (commands, expected) in cases {
            let mut client = RawClient::connect(server.port);
            wait_normal_clients(&mut client, 1, name);
            let addr = client.stream().local_addr().expect("local address").to_string();
            let mut request = Vec::new();
            for command in commands.iter().copied().chain([&["SET", "after-kill", "1"][..]]) {
                let words: Vec<String> =
                    command.iter().map(|w| w.replace("{addr}", &addr)).collect();
                let words: Vec<&[u8]> = words.iter().map(|w| w.as_bytes()).collect();
                request.extend_from_slice(&encode(&words));
            }
            client.send(&request);
            let replies = read_to_end(client.stream().try_clone().expect("clone"));
            assert_eq!(replies, expected, "{name} {commands:?}");
            let mut check = RawClient::connect(server.port);
            assert_eq!(check.cmd(&["EXISTS", "after-kill"]), ":0\r\n", "{name} {commands:?}");
        }
        let mut client = RawClient::connect(server.port);
        let id = client.cmd(&["CLIENT", "ID"]);
        let id = id.trim_start_matches(':').trim_end();
        assert_eq!(client.cmd(&["MULTI"]), OK);
        assert_eq!(client.cmd(&["CLIENT", "KILL", "ID", id]), "+QUEUED\r\n");
        assert_eq!(client.cmd(&["EXEC"]), "*1\r\n:0\r\n", "{name}: SKIPME defaults to yes");
        assert_eq!(client.cmd(&["PING"]), "+PONG\r\n", "{name}");
    }
}

/// Waits until `client`'s server lists `count` normal clients, `client` included. A connection
/// its peer closed (the previous case's, a probe's) can stay listed for a moment, and CLIENT
/// KILL TYPE normal would count it.
fn wait_normal_clients(client: &mut RawClient, count: usize, name: &str) {
    let listed = eventually(Duration::from_secs(10), || {
        client.cmd(&["CLIENT", "LIST", "TYPE", "normal"]).matches("id=").count() == count
    });
    assert!(listed, "{name}: not {count} normal clients within 10 s");
}

/// Everything the server sends on `stream` until it closes it (10 s without a byte fails).
fn read_to_end(stream: TcpStream) -> String {
    use std::io::Read;
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("read timeout");
    let mut reader = stream;
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).expect("the server closes the connection");
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The arguments that start a replica of `primary`, in each server's spelling: AllyDB takes
/// `--replicaof "<host> <port>"` as one value, redis-server 7.0 two words.
fn replicaof_arguments(primary: &Server) -> Vec<String> {
    let port = primary.port.to_string();
    match primary.kind {
        Kind::AllyDb => vec!["--replicaof".to_string(), format!("127.0.0.1 {port}")],
        Kind::Redis => vec!["--replicaof".to_string(), "127.0.0.1".to_string(), port],
    }
}

fn start_replica_of(primary: &Server) -> Server {
    let arguments = replicaof_arguments(primary);
    let arguments: Vec<&str> = arguments.iter().map(String::as_str).collect();
    Server::start_with(primary.kind, &arguments)
}

/// A `redis` crate connection to a server.
fn connection(port: u16) -> redis::Connection {
    let url = format!("redis://127.0.0.1:{port}/");
    redis::Client::open(url).expect("client").get_connection().expect("connect")
}

/// INFO replication of the server on `port`, as field name to value.
fn replication_info(port: u16) -> BTreeMap<String, String> {
    info_section(port, "replication")
}

/// One INFO section of the server on `port`, as field name to value.
fn info_section(port: u16, section: &str) -> BTreeMap<String, String> {
    let info: String = redis::cmd("INFO").arg(section).query(&mut connection(port)).expect("INFO");
    info.lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_string(), v.trim().to_string()))
        .collect()
}

/// Whether the server on `port` has no AOF rewrite running or scheduled. A redis-server
/// replica rewrites its AOF after a full sync, and until that rewrite ends its manifest
/// still names the files from before the sync: killed meanwhile, it restarts without the
/// writes it acknowledged since. (AllyDB's journal needs no such rewrite; it reports 0.)
fn is_rewrite_done(port: u16) -> bool {
    let info = info_section(port, "persistence");
    let get = |k: &str| info.get(k).map(String::as_str).unwrap_or("");
    get("aof_rewrite_in_progress") == "0" && get("aof_rewrite_scheduled") == "0"
}

/// Whether the server on `port` replicates the one on `primary_port` with its link up.
fn is_linked_replica_of(port: u16, primary_port: u16) -> bool {
    let info = replication_info(port);
    let get = |k: &str| info.get(k).map(String::as_str).unwrap_or("");
    get("role") == "slave"
        && get("master_port") == primary_port.to_string()
        && get("master_link_status") == "up"
}

/// Every key of database 0 and its (string) value.
fn keyspace(port: u16) -> BTreeMap<String, String> {
    let mut client = connection(port);
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut client).expect("KEYS");
    keys.into_iter()
        .map(|key| {
            let value: String = redis::cmd("GET").arg(&key).query(&mut client).expect("GET");
            (key, value)
        })
        .collect()
}

/// One line of tests/clients/python_sentinel_writer.py.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Sent {
    /// `w:<n>` was SET on the primary at port `port`, and `WAIT 1` answered `replicas`.
    Acknowledged { n: u64, port: u16, replicas: u64 },
    /// The write failed (the primary down or being switched); it may have been applied.
    Failed,
}

/// The redis-py writer, run until `stop`; its lines are collected by a thread.
struct Writer {
    child: std::process::Child,
    lines: Arc<Mutex<Vec<String>>>,
    stop_file: std::path::PathBuf,
    service: &'static str,
}

impl Writer {
    fn start(service: &'static str, sentinels: &Sentinels, dir: &std::path::Path) -> Self {
        let script =
            format!("{}/tests/clients/python_sentinel_writer.py", env!("CARGO_MANIFEST_DIR"));
        let stop_file = dir.join(format!("{service}.stop"));
        let ports: Vec<String> = sentinels.ports().iter().map(u16::to_string).collect();
        let mut child = Command::new(python(false))
            .arg(script)
            .arg(service)
            .arg(&stop_file)
            .args(&ports)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .expect("run python_sentinel_writer.py");
        let stdout = child.stdout.take().expect("writer stdout");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                sink.lock().expect("writer lines").push(line);
            }
        });
        Writer { child, lines, stop_file, service }
    }

    fn writes(&self) -> Vec<Sent> {
        let lines = self.lines.lock().expect("writer lines");
        lines
            .iter()
            .filter(|l| *l != "stopped")
            .map(|line| {
                let words: Vec<&str> = line.split(' ').collect();
                match words.as_slice() {
                    ["ack", n, address, replicas] => Sent::Acknowledged {
                        n: n.parse().expect("n"),
                        port: address
                            .strip_prefix("127.0.0.1:")
                            .and_then(|p| p.parse().ok())
                            .unwrap_or_else(|| panic!("an address: {line}")),
                        replicas: replicas.parse().expect("WAIT's count"),
                    },
                    ["fail", ..] => Sent::Failed,
                    _ => panic!("{}: an unexpected writer line {line:?}", self.service),
                }
            })
            .collect()
    }

    /// The keys SET on the primary at `port` whose WAIT 1 answered 1.
    fn acknowledged_by_replica(&self, port: u16) -> Vec<u64> {
        self.writes()
            .into_iter()
            .filter_map(|w| match w {
                Sent::Acknowledged { n, port: p, replicas: 1 } if p == port => Some(n),
                _ => None,
            })
            .collect()
    }

    /// Writes SET on the primary at `port`, whatever WAIT answered.
    fn written_on(&self, port: u16) -> usize {
        let writes = self.writes();
        writes
            .iter()
            .filter(|w| matches!(w, Sent::Acknowledged { port: p, .. } if *p == port))
            .count()
    }

    /// Creates the stop file and waits for the program's exit, which must be a success.
    fn stop(mut self) -> Vec<Sent> {
        std::fs::write(&self.stop_file, b"").expect("stop file");
        let status = self.child.wait().expect("wait for the writer");
        assert!(status.success(), "{}: the writer failed: {status}", self.service);
        // The reader thread ends at the pipe's end; the last line is the program's own.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while self.lines.lock().expect("writer lines").last().map(String::as_str) != Some("stopped")
        {
            assert!(std::time::Instant::now() < deadline, "{}: no `stopped` line", self.service);
            std::thread::sleep(Duration::from_millis(20));
        }
        self.writes()
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        let _ = std::fs::write(&self.stop_file, b"");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Issue 12, acceptance 2: three sentinels, a primary and its replica, for AllyDB and, in
/// the same test, redis-server. Sentinel sees the replica; redis-py writes continuously through
/// Sentinel discovery, each write followed by WAIT 1; the primary is killed (-9) and Sentinel
/// promotes the replica, redis-py goes on writing on it, and every write WAIT 1 acknowledged
/// before the kill is there; the old primary, restarted as a primary on its port and
/// directory, is turned into a replica of the new one by Sentinel and converges with it.
#[test]
fn sentinel_fails_over_to_a_replica_as_with_redis() {
    let mut primaries = Kind::BOTH.map(Server::start);
    let replicas: Vec<Server> = primaries.iter().map(start_replica_of).collect();
    let masters: Vec<(&str, u16)> = primaries.iter().map(|s| (service(s.kind), s.port)).collect();
    for (primary, replica) in primaries.iter().zip(&replicas) {
        let name = primary.kind.name();
        wait_for(&format!("{name}: the replica's link is up"), DISCOVERY, || {
            is_linked_replica_of(replica.port, primary.port)
        });
    }
    let extra: String =
        masters.iter().map(|(name, _)| format!("sentinel parallel-syncs {name} 1\n")).collect();
    let sentinels = Sentinels::start_with(3, &masters, Timing::FAST, &extra);

    // Sentinel finds the replica in the primary's INFO (`slave0:ip=...,port=...`), then
    // connects to it and reads its own INFO (role, link, offset, priority).
    sentinels.wait_until("every sentinel sees the replica, its link ok", DISCOVERY, |s| {
        (0..s.len()).all(|i| {
            masters.iter().zip(&replicas).all(|((name, _), replica)| {
                let listed = s.replicas(i, name);
                listed.len() == 1
                    && field(&listed[0], "port") == replica.port.to_string()
                    && field(&listed[0], "flags") == "slave"
                    && field(&listed[0], "master-link-status") == "ok"
                    && field(&s.master(i, name), "num-other-sentinels") == "2"
            })
        })
    });
    let mut seen = Vec::new();
    for ((name, primary_port), replica) in masters.iter().zip(&replicas) {
        let listed = sentinels.replicas(0, name);
        let fields = &listed[0];
        assert_eq!(field(fields, "ip"), "127.0.0.1", "{name}");
        assert_eq!(field(fields, "master-host"), "127.0.0.1", "{name}");
        assert_eq!(field(fields, "master-port"), primary_port.to_string(), "{name}");
        assert_eq!(field(fields, "role-reported"), "slave", "{name}");
        let run_id = common::info_field(&mut RawClient::connect(replica.port), "server", "run_id");
        assert_eq!(field(fields, "runid"), run_id, "{name}: the replica's run ID");
        // The offset Sentinel parsed from the replica's INFO `slave_repl_offset`.
        let offset = number(fields, "slave-repl-offset");
        let reported: u64 =
            replication_info(replica.port)["slave_repl_offset"].parse().expect("offset");
        assert!(offset <= reported, "{name}: Sentinel's {offset}, INFO's {reported}");
        assert_eq!(field(&sentinels.master(0, name), "num-slaves"), "1", "{name}");
        let stable: Vec<(String, String)> = fields
            .iter()
            .filter(|(k, _)| {
                matches!(
                    k.as_str(),
                    "flags"
                        | "role-reported"
                        | "master-link-down-time"
                        | "master-link-status"
                        | "master-host"
                        | "slave-priority"
                        | "replica-announced"
                        | "down-after-milliseconds"
                )
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        seen.push(stable);
    }
    assert_eq!(seen[0], seen[1], "SENTINEL replicas fields: AllyDB, then redis-server");

    // redis-py writes through Sentinel discovery, WAIT 1 after each write.
    let writers: Vec<Writer> = masters
        .iter()
        .map(|(name, _)| Writer::start(name, &sentinels, sentinels.dir.path()))
        .collect();
    for (writer, (name, port)) in writers.iter().zip(&masters) {
        wait_for(&format!("{name}: 50 writes WAIT 1 acknowledged"), DISCOVERY, || {
            writer.acknowledged_by_replica(*port).len() >= 50
        });
    }

    // The crash. Every write acknowledged by the old primary was answered before this.
    for primary in &mut primaries {
        primary.kill();
    }
    for (((name, old_port), replica), writer) in masters.iter().zip(&replicas).zip(&writers) {
        sentinels.wait_until(
            &format!("{name}: every sentinel gives the replica's address"),
            FAILOVER,
            |s| {
                (0..s.len()).all(|i| {
                    s.master_addr(i, name) == Some(("127.0.0.1".to_string(), replica.port))
                })
            },
        );
        let switch =
            format!("+switch-master {name} 127.0.0.1 {old_port} 127.0.0.1 {}", replica.port);
        assert!(
            (0..sentinels.len()).any(|i| sentinels.log(i).contains(&switch)),
            "{switch}\n{}",
            sentinels.logs()
        );
        assert!(
            (0..sentinels.len()).any(|i| sentinels.log(i).contains("+promoted-slave slave")),
            "{name}: +promoted-slave\n{}",
            sentinels.logs()
        );
        let info = replication_info(replica.port);
        assert_eq!(info["role"], "master", "{name}: the promoted replica");
        wait_for(&format!("{name}: redis-py writes through the new primary"), FAILOVER, || {
            writer.written_on(replica.port) >= 10
        });
        // Every write WAIT 1 acknowledged before the kill survived the failover.
        // Every line naming the old primary was answered before the kill, even one read now.
        let acknowledged = writer.acknowledged_by_replica(*old_port);
        let mut client = connection(replica.port);
        let missing: Vec<u64> = acknowledged
            .iter()
            .copied()
            .filter(|n| {
                let value: Option<String> =
                    redis::cmd("GET").arg(format!("w:{n}")).query(&mut client).expect("GET");
                value != Some(n.to_string())
            })
            .collect();
        assert!(
            missing.is_empty(),
            "{name}: acknowledged writes lost: {missing:?} of {}",
            acknowledged.len()
        );
    }

    // The old primary comes back as a primary, as after a crash; Sentinel sees a primary
    // where it expects a replica and turns it into one (SLAVEOF in its transaction).
    for primary in &mut primaries {
        primary.start_again();
    }
    for ((primary, replica), (name, _)) in primaries.iter().zip(&replicas).zip(&masters) {
        wait_for(&format!("{name}: the old primary replicates the new one"), FAILOVER, || {
            is_linked_replica_of(primary.port, replica.port)
        });
        let convert = format!(
            "+convert-to-slave slave 127.0.0.1:{port} 127.0.0.1 {port} @ {name} 127.0.0.1 {}",
            replica.port,
            port = primary.port
        );
        assert!(
            (0..sentinels.len()).any(|i| sentinels.log(i).contains(&convert)),
            "{convert}\n{}",
            sentinels.logs()
        );
        sentinels.wait_until(
            &format!("{name}: every sentinel lists the old primary as a replica"),
            FAILOVER,
            |s| {
                (0..s.len()).all(|i| {
                    s.replicas(i, name).iter().any(|r| {
                        field(r, "port") == primary.port.to_string()
                            && field(r, "flags") == "slave"
                            && field(r, "master-link-status") == "ok"
                    })
                })
            },
        );
    }
    for (writer, replica) in writers.into_iter().zip(&replicas) {
        let service = writer.service;
        let writes = writer.stop();
        assert!(writes.iter().any(|w| matches!(w, Sent::Acknowledged { port, replicas: 1, .. } if *port == replica.port)),
            "{service}: a write on the new primary WAIT 1 acknowledged by the rejoined one");
    }
    // Converged: the same offset, and the same keys with the same values.
    for ((primary, replica), (name, _)) in primaries.iter().zip(&replicas).zip(&masters) {
        wait_for(&format!("{name}: the offsets meet"), FAILOVER, || {
            let new = replication_info(replica.port);
            let old = replication_info(primary.port);
            new.contains_key("master_repl_offset")
                && new.get("master_repl_offset") == old.get("slave_repl_offset")
        });
        let new = keyspace(replica.port);
        let old = keyspace(primary.port);
        assert!(new.len() >= 60, "{name}: {} keys", new.len());
        for (key, value) in &new {
            assert_eq!(old.get(key), Some(value), "{name}: {key} on the rejoined replica");
        }
        assert_eq!(old.len(), new.len(), "{name}: keys only on the rejoined replica");
    }
}

/// Polls `check` every 100 ms until it holds, at most `timeout`; panics naming `what`.
fn wait_for(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + timeout;
    while std::time::Instant::now() < deadline {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(check(), "{what}: not within {timeout:?}");
}

/// Sends `commands` pipelined, as Sentinel's hiredis does, and reads one reply each.
fn pipelined(client: &mut RawClient, commands: &[&[&str]]) -> Vec<String> {
    let mut request = Vec::new();
    for command in commands {
        let words: Vec<&[u8]> = command.iter().map(|w| w.as_bytes()).collect();
        request.extend_from_slice(&encode(&words));
    }
    client.send(&request);
    commands.iter().map(|_| client.read_reply()).collect()
}

/// sentinel.c's `sentinelSendSlaveOf` transaction around `slaveof` (MULTI, SLAVEOF, CONFIG
/// REWRITE, CLIENT KILL TYPE normal and pubsub, EXEC), pipelined as Sentinel sends it: its
/// replies, and the ones to expect when EXEC answers `exec_reply` (MULTI's OK, four QUEUED).
fn failover_transaction(
    client: &mut RawClient,
    slaveof: &[&str],
    exec_reply: &str,
) -> (Vec<String>, Vec<String>) {
    let commands: [&[&str]; 6] = [
        &["MULTI"],
        slaveof,
        &["CONFIG", "REWRITE"],
        &["CLIENT", "KILL", "TYPE", "normal"],
        &["CLIENT", "KILL", "TYPE", "pubsub"],
        &["EXEC"],
    ];
    let mut expected = vec![OK.to_string()];
    expected.extend(std::iter::repeat_n("+QUEUED\r\n".to_string(), 4));
    expected.push(exec_reply.to_string());
    (pipelined(client, &commands), expected)
}

/// The two failover transactions of sentinel.c's `sentinelSendSlaveOf`, with their SLAVEOF:
/// `SLAVEOF NO ONE` to the replica it promotes, `SLAVEOF <host> <port>` to a primary it turns
/// into a replica (the old primary back from a crash). AllyDB's replies are redis-server's,
/// byte for byte, and each server then has the role Sentinel asked for: the promoted one takes
/// writes, the other replicates them.
#[test]
fn failover_transactions_with_slaveof_get_redis_replies() {
    for kind in Kind::BOTH {
        let name = kind.name();
        let primary = Server::start(kind);
        let mut replica = start_replica_of(&primary);
        wait_for(&format!("{name}: the replica's link is up"), DISCOVERY, || {
            is_linked_replica_of(replica.port, primary.port)
        });
        let mut subscriber = RawClient::connect(replica.port);
        assert_eq!(
            subscriber.cmd(&["SUBSCRIBE", "__sentinel__:hello"]),
            "*3\r\n$9\r\nsubscribe\r\n$18\r\n__sentinel__:hello\r\n:1\r\n"
        );
        let mut reader = RawClient::connect(replica.port);
        assert_eq!(
            reader.cmd(&["SET", "k", "1"]),
            "-READONLY You can't write against a read only replica.\r\n",
            "{name}"
        );

        let mut sentinel = RawClient::connect(replica.port);
        assert_eq!(sentinel.cmd(&["CLIENT", "SETNAME", "sentinel-0123abcd-cmd"]), OK);
        wait_normal_clients(&mut sentinel, 2, name);
        // The replica's link to its primary is not a normal client: only the reader is.
        let (replies, expected) = failover_transaction(
            &mut sentinel,
            &["SLAVEOF", "NO", "ONE"],
            "*4\r\n+OK\r\n-ERR The server is running without a config file\r\n:1\r\n:1\r\n",
        );
        assert_eq!(replies, expected, "{name}: promotion");
        assert!(subscriber.is_closed(), "{name}: the subscriber was killed");
        assert!(reader.is_closed(), "{name}: the reader was killed");
        assert_eq!(common::info_field(&mut sentinel, "replication", "role"), "master", "{name}");
        assert_eq!(sentinel.cmd(&["SET", "after-promotion", "1"]), OK, "{name}");

        // The old primary, a primary still, is told to follow the promoted one.
        let mut sentinel = RawClient::connect(primary.port);
        wait_normal_clients(&mut sentinel, 1, name);
        let port = replica.port.to_string();
        let (replies, expected) = failover_transaction(
            &mut sentinel,
            &["SLAVEOF", "127.0.0.1", &port],
            "*4\r\n+OK\r\n-ERR The server is running without a config file\r\n:0\r\n:0\r\n",
        );
        assert_eq!(replies, expected, "{name}: demotion");
        wait_for(&format!("{name}: the old primary follows the new one"), DISCOVERY, || {
            is_linked_replica_of(primary.port, replica.port)
        });
        wait_for(&format!("{name}: the write reaches the old primary"), DISCOVERY, || {
            keyspace(primary.port).get("after-promotion").map(String::as_str) == Some("1")
        });
        let info = replication_info(primary.port);
        for field in ["slave_repl_offset", "slave_priority", "slave_read_only", "replica_announced"]
        {
            assert!(info.contains_key(field), "{name}: INFO replication has no {field}: {info:?}");
        }
        assert_eq!(info["slave_priority"], "100", "{name}");

        // Its primary gone: Sentinel reads the link's down time (`master-link-down-time`).
        replica.kill();
        wait_for(&format!("{name}: the link is down"), DISCOVERY, || {
            replication_info(primary.port)["master_link_status"] == "down"
        });
        let info = replication_info(primary.port);
        let down = info.get("master_link_down_since_seconds").map(String::as_str);
        let seconds = down.and_then(|d| d.parse::<u64>().ok());
        assert!(seconds.is_some(), "{name}: seconds since the link went down: {info:?}");
    }
}

/// What a failover does to a write the primary acknowledged and the replica never received
/// (no WAIT): the promoted replica lacks it, and the old primary, back from its crash and
/// told to follow the new one as Sentinel tells it, drops it and converges, on AllyDB as on
/// redis-server. The replica is down while the write is made, so it certainly lacks it.
#[test]
fn rejoining_primary_drops_what_the_promoted_replica_never_had() {
    for kind in Kind::BOTH {
        let name = kind.name();
        let mut primary = Server::start(kind);
        let mut replica = start_replica_of(&primary);
        wait_for(&format!("{name}: the replica's link is up"), DISCOVERY, || {
            is_linked_replica_of(replica.port, primary.port)
        });
        // The kill below must not land in redis-server's post-sync AOF rewrite.
        wait_for(&format!("{name}: the replica's AOF rewrite is done"), DISCOVERY, || {
            is_rewrite_done(replica.port)
        });
        let mut client = RawClient::connect(primary.port);
        assert_eq!(client.cmd(&["SET", "shared", "1"]), OK, "{name}");
        assert_eq!(client.cmd(&["WAIT", "1", "5000"]), ":1\r\n", "{name}");
        replica.kill();
        assert_eq!(client.cmd(&["SET", "divergent", "1"]), OK, "{name}");
        assert_eq!(client.cmd(&["WAIT", "1", "100"]), ":0\r\n", "{name}: no replica");
        primary.kill();

        // The replica comes back (its primary still down) and is promoted.
        replica.start_again();
        let mut promoted = RawClient::connect(replica.port);
        assert_eq!(promoted.cmd(&["SLAVEOF", "NO", "ONE"]), OK, "{name}");
        assert_eq!(promoted.cmd(&["SET", "after", "1"]), OK, "{name}");
        assert_eq!(
            promoted.cmd(&["EXISTS", "divergent"]),
            ":0\r\n",
            "{name}: lost in the failover"
        );

        // The old primary, restarted as a primary, still has the write until it follows.
        primary.start_again();
        let mut old = RawClient::connect(primary.port);
        assert_eq!(old.cmd(&["GET", "divergent"]), common::bulk("1"), "{name}: on its disk");
        assert_eq!(old.cmd(&["SLAVEOF", "127.0.0.1", &replica.port.to_string()]), OK, "{name}");
        wait_for(&format!("{name}: the old primary follows the new one"), DISCOVERY, || {
            is_linked_replica_of(primary.port, replica.port)
                && keyspace(primary.port).contains_key("after")
        });
        let expected: BTreeMap<String, String> =
            [("after", "1"), ("shared", "1")].map(|(k, v)| (k.to_string(), v.to_string())).into();
        assert_eq!(keyspace(replica.port), expected, "{name}: the new primary");
        assert_eq!(keyspace(primary.port), expected, "{name}: the rejoined old primary");
    }
}
