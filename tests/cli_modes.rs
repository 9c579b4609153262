//! redis-cli's special modes and interactive hints, and redis-benchmark's default tests, each
//! run against a fresh AllyDB and a fresh redis-server holding the same data: the output of
//! each must be the same kind of output (compared line by line after timings, ids, addresses,
//! versions and memory numbers are replaced by placeholders). `scripts/test.sh` installs the
//! tools.
mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::servers::{Kind, Server};
use common::{encode, redis_cli, text, tool, RawClient};

/// `redis-cli -p PORT ARGS...` with no input; it must exit 0.
fn cli(server: &Server, args: &[&str]) -> String {
    redis_cli(server.port, args, server.kind.name())
}

/// The same small data set on each server: one key of every type (so each of --bigkeys'
/// "found so far" lines names the only candidate, whatever order SCAN returns keys in), and
/// in database 1 sixty strings under a prefix for --scan.
fn fill(server: &Server) {
    let mut c = RawClient::connect(server.port);
    let commands: &[&[&str]] = &[
        &["SET", "greeting", "hello world"],
        &["RPUSH", "queue", "a", "b", "c", "d"],
        &["HSET", "profile", "name", "ada", "lang", "en", "year", "1815"],
        &["SADD", "tags", "x", "y"],
        &["ZADD", "board", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"],
    ];
    for command in commands {
        let reply = c.cmd(command);
        assert!(!reply.starts_with('-'), "{command:?}: {reply}");
    }
    assert_eq!(c.cmd(&["SELECT", "1"]), common::OK);
    for i in 0..60 {
        assert_eq!(c.cmd(&["SET", &format!("user:{i}"), "x"]), common::OK);
    }
}

/// Starts both servers with the data set and runs `run` on each: AllyDB's output first.
fn on_both(run: impl Fn(&Server) -> String) -> (String, String) {
    let outputs: Vec<String> = Kind::BOTH
        .iter()
        .map(|&kind| {
            let server = Server::start(kind);
            fill(&server);
            run(&server)
        })
        .collect();
    (outputs[0].clone(), outputs[1].clone())
}

/// Line-by-line equality with both outputs in the message.
fn assert_same(mode: &str, allydb: &str, redis: &str) {
    let ours: Vec<&str> = allydb.lines().collect();
    let theirs: Vec<&str> = redis.lines().collect();
    for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
        assert_eq!(
            a,
            b,
            "{mode}: line {} differs\nallydb:\n{allydb}\nredis-server:\n{redis}",
            i + 1
        );
    }
    assert_eq!(
        ours.len(),
        theirs.len(),
        "{mode}: line counts\nallydb:\n{allydb}\nredis-server:\n{redis}"
    );
}

/// Replaces every run of digits (with its decimal part and a K/M/G unit) in `line` by `N`.
fn numbers_to_placeholders(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            while chars.peek().is_some_and(|c| c.is_ascii_digit() || *c == '.') {
                chars.next();
            }
            if chars.peek().is_some_and(|c| matches!(c, 'B' | 'K' | 'M' | 'G')) {
                chars.next();
            }
            out.push('N');
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn scan_with_pattern_lists_the_same_keys() {
    let (allydb, redis) = on_both(|server| {
        let mut keys: Vec<String> = cli(server, &["-n", "1", "--scan", "--pattern", "user:1*"])
            .lines()
            .map(String::from)
            .collect();
        keys.sort();
        keys.join("\n")
    });
    assert_eq!(allydb.lines().count(), 11, "user:1 and user:10..19: {allydb}");
    assert_same("--scan", &allydb, &redis);
    let (allydb, redis) =
        on_both(|server| cli(server, &["-n", "1", "--scan", "--pattern", "nothing:*"]));
    assert_eq!(allydb, "");
    assert_same("--scan no match", &allydb, &redis);
}

/// --bigkeys and --memkeys: progress lines sorted (their order follows SCAN's); the progress
/// percentage and, for --memkeys, every byte count are placeholders (each server's memory
/// accounting is its own); everything else (types, key names, item counts, key lengths,
/// shares of keys) must match exactly.
fn keys_report(server: &Server, mode: &str, memory: bool) -> String {
    let output = cli(server, &[mode]);
    let mut progress = Vec::new();
    let mut rest = Vec::new();
    for line in output.lines() {
        if let Some(found) = line.strip_prefix('[').and_then(|l| l.split_once("] ")) {
            progress.push(format!("[P%] {}", found.1));
        } else {
            rest.push(line.to_string());
        }
    }
    progress.sort();
    let mut lines = progress;
    lines.extend(rest);
    if memory {
        lines = lines
            .into_iter()
            .map(|line| {
                if !line.contains("bytes") || line.starts_with("Total key length") {
                    return line;
                }
                match line.split_once(" (") {
                    // The share of keys is exact; the average size is not.
                    Some((head, tail)) => {
                        let (share, _average) = tail.split_once(", avg size").unwrap_or((tail, ""));
                        format!("{} ({share}, avg size N)", byte_counts_to_placeholders(head))
                    }
                    None => byte_counts_to_placeholders(&line),
                }
            })
            .collect();
    }
    lines.join("\n")
}

/// `144 bytes` becomes `N bytes`; other numbers (item and key counts) stay.
fn byte_counts_to_placeholders(line: &str) -> String {
    let words: Vec<&str> = line.split(' ').collect();
    let mut out = Vec::with_capacity(words.len());
    for (i, word) in words.iter().enumerate() {
        let is_count = !word.is_empty() && word.chars().all(|c| c.is_ascii_digit());
        let before_bytes = words.get(i + 1).is_some_and(|next| next.starts_with("bytes"));
        out.push(if is_count && before_bytes { "N" } else { word });
    }
    out.join(" ")
}

#[test]
fn bigkeys_reports_the_same_keys() {
    let (allydb, redis) = on_both(|server| keys_report(server, "--bigkeys", false));
    assert!(allydb.contains("Biggest   list found '\"queue\"' has 4 items"), "{allydb}");
    assert!(allydb.contains("Sampled 5 keys in the keyspace!"), "{allydb}");
    assert_same("--bigkeys", &allydb, &redis);
}

#[test]
fn memkeys_reports_the_same_keys() {
    let (allydb, redis) = on_both(|server| keys_report(server, "--memkeys", true));
    assert!(allydb.contains("Biggest   zset found '\"board\"' has N bytes"), "{allydb}");
    assert_same("--memkeys", &allydb, &redis);
}

/// --hotkeys needs an LFU policy. The counters are LFU's logarithmic, randomised ones, so
/// they are placeholders; the order is not random: `cold`, never read, keeps the initial
/// counter 5 and `hot`'s first read already takes it to 6.
#[test]
fn hotkeys_reports_the_same_keys() {
    let (allydb, redis) = on_both(|server| {
        let mut c = RawClient::connect(server.port);
        assert_eq!(c.cmd(&["FLUSHALL"]), common::OK);
        assert_eq!(c.cmd(&["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"]), common::OK);
        assert_eq!(c.cmd(&["SET", "hot", "v"]), common::OK);
        assert_eq!(c.cmd(&["SET", "cold", "v"]), common::OK);
        for _ in 0..30 {
            assert_eq!(c.cmd(&["GET", "hot"]), common::bulk("v"));
        }
        let report = keys_report(server, "--hotkeys", false);
        report
            .lines()
            .map(|line| match line.split_once("counter") {
                Some((head, tail)) => {
                    let separator = if tail.starts_with(':') { ":" } else { "" };
                    let name = tail.split_once('\t').map_or("", |(_, name)| name);
                    let tab = if name.is_empty() { "" } else { "\t" };
                    format!("{head}counter{separator} N{tab}{name}")
                }
                None => line.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    assert!(allydb.contains("hot key found with counter: N\tkeyname: \"hot\"\nhot key found with counter: N\tkeyname: \"cold\""), "{allydb}");
    assert_same("--hotkeys", &allydb, &redis);
}

/// --latency with its output not a terminal samples for one interval and prints one line:
/// `min max avg samples`.
#[test]
fn latency_prints_one_summary_line() {
    let (allydb, redis) = on_both(|server| {
        let output = cli(server, &["--latency", "-i", "1"]);
        let fields: Vec<&str> = output.split_whitespace().collect();
        assert_eq!(fields.len(), 4, "{output:?}");
        assert!(fields[0].parse::<u64>().is_ok() && fields[1].parse::<u64>().is_ok(), "{output:?}");
        assert!(
            fields[2].parse::<f64>().is_ok() && fields[3].parse::<u64>().unwrap_or(0) > 0,
            "{output:?}"
        );
        numbers_to_placeholders(&output)
    });
    assert_eq!(allydb, "N N N N\n");
    assert_same("--latency", &allydb, &redis);
}

/// --stat never ends: it runs under `timeout` with its stdout line-buffered (`stdbuf`), and
/// the header and the first data lines are compared. The key count (all databases) is
/// exact; memory,
/// request and connection counts are placeholders.
#[test]
fn stat_prints_the_same_columns() {
    let (allydb, redis) = on_both(|server| {
        let output = tool("timeout")
            .args(["3", "stdbuf", "-oL", "redis-cli", "-p", &server.port.to_string()])
            .args(["--stat", "-i", "0.5"])
            .stdin(Stdio::null())
            .output()
            .expect("run redis-cli --stat");
        // `timeout` ends it: status 124.
        assert_eq!(output.status.code(), Some(124), "{}", text(&output));
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let lines: Vec<&str> = stdout.lines().collect();
        assert!(lines.len() >= 4, "a header and data lines: {}", text(&output));
        let mut shown = vec![lines[0].to_string(), lines[1].to_string()];
        for line in &lines[2..4] {
            let keys = line.split_whitespace().next().unwrap_or("");
            let rest = line[keys.len()..].to_string();
            // Column widths follow the numbers' lengths: compare the fields.
            let fields: Vec<&str> = rest.split_whitespace().collect();
            shown.push(format!("{keys} {}", numbers_to_placeholders(&fields.join(" "))));
        }
        shown.join("\n")
    });
    assert!(allydb.lines().nth(2).is_some_and(|l| l.starts_with("65 ")), "{allydb}");
    assert_same("--stat", &allydb, &redis);
}

/// --pipe with a generated stream: 2,000 SETs, an error among them and a reading command;
/// the summary has no timing in it and must be identical.
#[test]
fn pipe_prints_the_same_summary() {
    let mut input = Vec::new();
    for i in 0..2_000 {
        input.extend(encode(&[b"SET", format!("mass:{i}").as_bytes(), b"v"]));
    }
    input.extend(encode(&[b"LPUSH", b"mass:1", b"x"]));
    input.extend(encode(&[b"INCR", b"counter"]));
    let (allydb, redis) = on_both(|server| {
        let mut child = tool("redis-cli")
            .args(["-p", &server.port.to_string(), "--pipe"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run redis-cli --pipe");
        child.stdin.take().expect("piped stdin").write_all(&input).expect("write the stream");
        let output = child.wait_with_output().expect("wait for redis-cli");
        // One error among the replies: redis-cli --pipe then exits 1, with both servers.
        assert_eq!(output.status.code(), Some(1), "{}", text(&output));
        let mut c = RawClient::connect(server.port);
        assert_eq!(c.cmd(&["DBSIZE"]), common::int(2_006));
        String::from_utf8_lossy(&output.stdout).into_owned()
    });
    assert!(allydb.contains("errors: 1, replies: 2002"), "{allydb}");
    assert_same("--pipe", &allydb, &redis);
}

/// -3 with formatted output (--no-raw, as a terminal would get): maps, sets, doubles and
/// nulls as redis-cli renders RESP3 types. HELLO's version and id are placeholders.
#[test]
fn resp3_output_has_the_same_shapes() {
    let commands: &[&[&str]] = &[
        &["HELLO", "3"],
        &["HGETALL", "profile"],
        &["CONFIG", "GET", "maxclients"],
        &["ZRANGE", "board", "0", "1", "WITHSCORES"],
        &["ZSCORE", "board", "c"],
        &["SMEMBERS", "tags"],
        &["GET", "missing"],
        &["LRANGE", "queue", "0", "-1"],
        &["EXISTS", "greeting"],
        &["LPUSH", "greeting", "x"],
    ];
    let (allydb, redis) = on_both(|server| {
        let mut shown = Vec::new();
        for command in commands {
            shown.push(format!("> {}", command.join(" ")));
            let mut args = vec!["-3", "--no-raw"];
            args.extend_from_slice(command);
            let output = cli(server, &args);
            for line in output.lines() {
                let placeholder = ["\"version\" => ", "\"id\" => "].iter().find_map(|field| {
                    line.split_once(field).map(|(head, _)| format!("{head}{field}V"))
                });
                shown.push(placeholder.unwrap_or_else(|| line.to_string()));
            }
        }
        // A set's order is the server's own: SMEMBERS of two members may come either way.
        shown.join("\n").replace("1~ \"y\"\n2~ \"x\"", "1~ \"x\"\n2~ \"y\"")
    });
    assert!(allydb.contains("1# \"server\" => \"redis\""), "{allydb}");
    assert!(allydb.contains("(double) 3"), "{allydb}");
    assert_same("-3", &allydb, &redis);
}

/// The grey hints redis-cli draws while a command is typed come from the server's COMMAND
/// DOCS. Commands whose arguments did not change between 7.0 (the reference here) and 7.2
/// (AllyDB's docs): CLIENT KILL, for one, did change, and is left out.
#[test]
fn interactive_hints_are_the_same() {
    let typed = [
        "SET ",
        "SET k v ",
        "GETEX ",
        "ZADD k ",
        "HSET h ",
        "EXPIRE k 10 ",
        "LPOS ",
        "CONFIG GET ",
        "BITFIELD ",
        "SCAN 0 ",
        "OBJECT ENCODING ",
    ];
    let (allydb, redis) = on_both(|server| {
        let output =
            Command::new(std::env::var("ALLYDB_TEST_PYTHON").unwrap_or_else(|_| "python3".into()))
                .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/external/cli_interactive.py"))
                .args([&server.port.to_string(), "hints"])
                .args(typed)
                .stdin(Stdio::null())
                .output()
                .expect("run cli_interactive.py");
        assert!(output.status.success(), "{}", text(&output));
        String::from_utf8_lossy(&output.stdout).into_owned()
    });
    assert!(allydb.contains("SET k v  => [NX|XX] [GET]"), "{allydb}");
    assert!(!allydb.contains("(none)"), "every typed command has a hint: {allydb}");
    assert_same("hints", &allydb, &redis);
}

/// redis-benchmark with every default test (no -t), small: the same tests must run and
/// none may report an error.
#[test]
fn benchmark_runs_every_default_test() {
    let (allydb, redis) = on_both(|server| {
        let output = tool("redis-benchmark")
            .args(["-p", &server.port.to_string(), "-q", "-n", "2000", "-c", "10", "-P", "10"])
            .stdin(Stdio::null())
            .output()
            .expect("run redis-benchmark");
        assert!(output.status.success(), "{}", text(&output));
        let all = text(&output);
        assert!(!all.contains("ERR") && !all.to_lowercase().contains("error"), "{all}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        // -q prints `NAME: N requests per second, p50=N msec` per test, after progress
        // lines separated by carriage returns.
        let mut names: Vec<String> = stdout
            .split(['\r', '\n'])
            .filter(|l| l.contains("requests per second"))
            .filter_map(|l| l.split_once(": ").map(|(name, _)| name.trim().to_string()))
            .collect();
        names.dedup();
        names.join("\n")
    });
    assert!(allydb.lines().count() >= 20, "{allydb}");
    assert_same("redis-benchmark", &allydb, &redis);
}
