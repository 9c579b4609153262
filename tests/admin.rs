//! Server administration and introspection end to end: INFO, CONFIG, TIME, LASTSAVE, MEMORY,
//! SHUTDOWN, DEBUG and COMMAND, compared with Redis 7.2's replies.
mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::servers::{Kind, Server};
use common::*;

/// The payload of a bulk (`$n\r\n...\r\n`) or verbatim (`=n\r\ntxt:...\r\n`) reply.
fn payload(reply: &str) -> String {
    let (_, rest) = reply.split_once("\r\n").expect("header");
    let body = rest.strip_suffix("\r\n").expect("trailer");
    body.strip_prefix("txt:").unwrap_or(body).to_string()
}

fn info(c: &mut RawClient, sections: &[&str]) -> String {
    let mut args = vec!["INFO"];
    args.extend_from_slice(sections);
    payload(&c.cmd(&args))
}

fn titles(info: &str) -> Vec<&str> {
    info.split("\r\n").filter(|l| l.starts_with("# ")).collect()
}

fn field(info: &str, name: &str) -> Option<String> {
    info.split("\r\n").find_map(|l| l.strip_prefix(&format!("{name}:")).map(str::to_string))
}

fn unix_now_s() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

// ----------------------------------------------------------------------------------- INFO

#[test]
fn info_default_sections_and_fields() {
    let server = TestServer::start();
    let mut c = server.raw();
    let text = info(&mut c, &[]);
    assert_eq!(
        titles(&text),
        [
            "# Server",
            "# Clients",
            "# Memory",
            "# Persistence",
            "# Stats",
            "# Replication",
            "# CPU",
            "# Modules",
            "# Errorstats",
            "# Cluster",
            "# Keyspace"
        ]
    );
    assert!(text.starts_with("# Server\r\nredis_version:7.2.6\r\n"), "{text}");
    // Sections are separated by one blank line; every line ends in CRLF.
    assert!(text.contains("\r\n\r\n# Clients\r\n"));
    assert!(!text.contains("\n\n") && !text.replace("\r\n", "").contains('\n'));
    assert!(text.ends_with("\r\n"));
    for (name, value) in [
        ("redis_mode", "standalone"),
        ("loading", "0"),
        ("aof_rewrite_in_progress", "0"),
        ("aof_rewrite_scheduled", "0"),
        ("rdb_bgsave_in_progress", "0"),
        ("role", "master"),
        ("cluster_enabled", "0"),
        ("connected_clients", "1"),
        ("maxclients", "10000"),
        ("tcp_port", &server.port.to_string()),
    ] {
        assert_eq!(field(&text, name).as_deref(), Some(value), "{name}");
    }
    assert!(field(&text, "allydb_version").is_some_and(|v| !v.is_empty()));
    assert!(field(&text, "used_memory").unwrap().parse::<u64>().unwrap() > 0);
    assert!(field(&text, "used_memory_human").is_some());
    assert_eq!(field(&text, "run_id").unwrap().len(), 40);
    assert!(field(&text, "used_cpu_user").unwrap().contains('.'));
    assert!(text.contains("\r\n# Keyspace\r\n"));
    assert!(!text.contains("db0:"), "no line for an empty database");
}

/// INFO keyspace's avg_ttl of `db`, once the expiry cycle has reported one (within 5 s).
fn reported_avg_ttl(c: &mut RawClient, db: &str) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let keyspace = info(c, &["keyspace"]);
        let avg_ttl = field(&keyspace, db)
            .and_then(|line| line.split_once(",avg_ttl=").map(|(_, n)| n.to_string()))
            .and_then(|n| n.parse::<u64>().ok());
        match avg_ttl {
            Some(ms) if ms > 0 || Instant::now() > deadline => return ms,
            None if Instant::now() > deadline => panic!("no {db} line: {keyspace}"),
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// avg_ttl is Redis's estimate of the keys' times to live: a running average of what active
/// expiry sees, reset by a flush, moved by SWAPDB, 0 once no key has a deadline.
#[test]
fn info_keyspace_avg_ttl_estimates_the_keys_ttls() {
    let server = TestServer::start();
    let mut c = server.raw();
    for i in 0..50 {
        assert_eq!(c.cmd(&["SET", &format!("k{i}"), "v", "EX", "1000"]), OK);
        assert_eq!(c.cmd(&["SET", &format!("p{i}"), "v"]), OK);
    }
    let avg_ttl = reported_avg_ttl(&mut c, "db0");
    assert!((990_000..=1_000_000).contains(&avg_ttl), "{avg_ttl}");
    assert_eq!(c.cmd(&["SWAPDB", "0", "3"]), OK);
    assert!(!info(&mut c, &["keyspace"]).contains("db0:"));
    let moved = reported_avg_ttl(&mut c, "db3");
    assert!((990_000..=avg_ttl).contains(&moved), "{moved}");
    // A flush forgets the old average: keys of 10 s are not averaged with those of 1000 s.
    assert_eq!(c.cmd(&["FLUSHALL"]), OK);
    assert_eq!(c.cmd(&["SET", "short", "v", "EX", "10"]), OK);
    let short = reported_avg_ttl(&mut c, "db0");
    assert!((5_000..=10_000).contains(&short), "{short}");
    assert_eq!(c.cmd(&["PERSIST", "short"]), int(1));
    assert_eq!(info(&mut c, &["keyspace"]), "# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n");
}

#[test]
fn info_keyspace_stats_and_sections() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SET", "a", "1"]), OK);
    assert_eq!(c.cmd(&["SET", "b", "2", "EX", "100"]), OK);
    assert_eq!(c.cmd(&["SELECT", "2"]), OK);
    assert_eq!(c.cmd(&["SET", "c", "3"]), OK);
    assert_eq!(c.cmd(&["GET", "c"]), bulk("3"));
    assert_eq!(c.cmd(&["GET", "nope"]), NIL);
    // avg_ttl is 0 until the expiry cycle (every 100 ms) has seen b's time to live.
    let keyspace = info(&mut c, &["keyspace"]);
    let avg_ttl = keyspace
        .strip_prefix("# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=")
        .and_then(|rest| rest.strip_suffix("\r\ndb2:keys=1,expires=0,avg_ttl=0\r\n"))
        .and_then(|n| n.parse::<u64>().ok());
    assert!(avg_ttl.is_some_and(|ms| ms <= 100_000), "{keyspace}");
    let stats = info(&mut c, &["STATS"]);
    assert_eq!(titles(&stats), ["# Stats"]);
    assert_eq!(field(&stats, "keyspace_hits").as_deref(), Some("1"));
    assert_eq!(field(&stats, "keyspace_misses").as_deref(), Some("1"));
    assert!(field(&stats, "total_commands_processed").unwrap().parse::<u64>().unwrap() >= 6);
    // Several sections come in Redis's order, whatever the argument order.
    let two = info(&mut c, &["keyspace", "server"]);
    assert_eq!(titles(&two), ["# Server", "# Keyspace"]);
    // Unknown sections give an empty string.
    assert_eq!(c.cmd(&["INFO", "nosuchsection"]), "$0\r\n\r\n");
    let all = info(&mut c, &["all"]);
    assert!(titles(&all).contains(&"# Commandstats"));
    assert!(titles(&all).contains(&"# Latencystats"));
    let everything = info(&mut c, &["everything"]);
    assert!(titles(&everything).contains(&"# Commandstats"));
    let default = info(&mut c, &["default"]);
    assert!(!titles(&default).contains(&"# Commandstats"));
    // RESP3: verbatim text.
    let mut c3 = server.raw().resp3();
    let reply = c3.cmd(&["INFO", "cluster"]);
    assert_eq!(reply, "=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n");
}

#[test]
fn info_commandstats_and_errorstats() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SET", "k", "v"]), OK);
    assert_eq!(c.cmd(&["SET", "k", "v"]), OK);
    assert_eq!(c.cmd(&["INCR", "k"]), err("ERR value is not an integer or out of range"));
    assert_eq!(c.cmd(&["GET"]), err("ERR wrong number of arguments for 'get' command"));
    c.cmd(&["CONFIG", "GET", "maxclients"]);
    let stats = info(&mut c, &["commandstats"]);
    let set = field(&stats, "cmdstat_set").unwrap();
    assert!(set.starts_with("calls=2,usec="), "{set}");
    assert!(set.contains(",usec_per_call="), "{set}");
    assert!(set.ends_with(",rejected_calls=0,failed_calls=0"), "{set}");
    let incr = field(&stats, "cmdstat_incr").unwrap();
    assert!(incr.starts_with("calls=1,") && incr.ends_with("rejected_calls=0,failed_calls=1"));
    let get = field(&stats, "cmdstat_get").unwrap();
    assert!(get.starts_with("calls=0,") && get.ends_with("rejected_calls=1,failed_calls=0"));
    assert!(field(&stats, "cmdstat_config|get").is_some(), "{stats}");
    let errors = info(&mut c, &["errorstats"]);
    assert_eq!(errors, "# Errorstats\r\nerrorstat_ERR:count=2\r\n");
    assert_eq!(c.cmd(&["CONFIG", "RESETSTAT"]), OK);
    assert_eq!(info(&mut c, &["errorstats"]), "# Errorstats\r\n");
    let stats = info(&mut c, &["commandstats"]);
    assert!(field(&stats, "cmdstat_set").is_none(), "{stats}");
}

// --------------------------------------------------------------------------------- CONFIG

#[test]
fn config_get_shapes() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["CONFIG", "GET", "maxclients"]), bulk_array(&["maxclients", "10000"]));
    // A plain name answers under the client's spelling.
    assert_eq!(c.cmd(&["CONFIG", "GET", "MAXCLIENTS"]), bulk_array(&["MAXCLIENTS", "10000"]));
    // What redis-benchmark asks for.
    assert_eq!(c.cmd(&["CONFIG", "GET", "save"]), bulk_array(&["save", ""]));
    // The journal is on by default.
    assert_eq!(c.cmd(&["CONFIG", "GET", "appendonly"]), bulk_array(&["appendonly", "yes"]));
    assert_eq!(c.cmd(&["CONFIG", "GET", "nosuch"]), "*0\r\n");
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "databases", "port"]),
        bulk_array(&["databases", "16", "port", &server.port.to_string()])
    );
    // Repeated matches appear once.
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "maxclients", "maxclients", "maxcl*"]),
        bulk_array(&["maxclients", "10000"])
    );
    // Globs match names and aliases.
    let reply = c.cmd(&["CONFIG", "GET", "*read-only"]);
    assert!(reply.starts_with("*4\r\n"), "{reply}");
    assert!(reply.contains("replica-read-only") && reply.contains("slave-read-only"));
    let reply = c.cmd(&["CONFIG", "GET", "maxmemory*"]);
    assert!(reply.contains("$16\r\nmaxmemory-policy\r\n$10\r\nnoeviction\r\n"), "{reply}");
    assert_eq!(
        c.cmd(&["CONFIG", "GET"]),
        err("ERR wrong number of arguments for 'config|get' command")
    );
    let mut c3 = server.raw().resp3();
    assert_eq!(c3.cmd(&["CONFIG", "GET", "timeout"]), "%1\r\n$7\r\ntimeout\r\n$1\r\n0\r\n");
    assert_eq!(c3.cmd(&["CONFIG", "GET", "nosuch"]), "%0\r\n");
}

#[test]
fn config_get_patterns_skip_hidden_settings() {
    let server = TestServer::start();
    let mut c = server.raw();
    // Redis's HIDDEN_CONFIG test knobs answer only to their exact name.
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "*-delay"]),
        bulk_array(&["repl-diskless-sync-delay", "5"])
    );
    assert_eq!(c.cmd(&["CONFIG", "GET", "key-load-dela?"]), "*0\r\n");
    assert_eq!(c.cmd(&["CONFIG", "GET", "key-load-delay"]), bulk_array(&["key-load-delay", "0"]));
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "RDB-KEY-SAVE-DELAY"]),
        bulk_array(&["RDB-KEY-SAVE-DELAY", "0"])
    );
    let everything = c.cmd(&["CONFIG", "GET", "*"]);
    assert!(!everything.contains("key-load-delay"), "{everything}");
    assert!(!everything.contains("rdb-key-save-delay"), "{everything}");
}

#[test]
fn config_set_errors_are_redis_texts() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["CONFIG", "SET", "timeout", "5", "hz"]), err("ERR syntax error"));
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "foo", "1"]),
        err("ERR Unknown option or number of arguments for CONFIG SET - 'foo'")
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "daemonize", "yes"]),
        err("ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config")
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "maxclients", "10", "MAXCLIENTS", "11"]),
        err("ERR CONFIG SET failed (possibly related to argument 'MAXCLIENTS') - duplicate parameter")
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "maxclients", "abc"]),
        err("ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer")
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "hz", "-1"]),
        err("ERR CONFIG SET failed (possibly related to argument 'hz') - argument must be between 0 and 2147483647 inclusive")
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "maxmemory", "x"]),
        err("ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value")
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "appendfsync", "x"]),
        err("ERR CONFIG SET failed (possibly related to argument 'appendfsync') - argument(s) must be one of the following: everysec, always, no")
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "protected-mode", "maybe"]),
        err("ERR CONFIG SET failed (possibly related to argument 'protected-mode') - argument must be 'yes' or 'no'")
    );
    // The unknown name is reported first, in argument order.
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "timeout", "x", "nosuch", "1"]),
        err("ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'")
    );
    // All or nothing: a bad value leaves the good ones unapplied.
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "timeout", "5", "maxclients", "abc"]),
        err("ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer")
    );
    assert_eq!(c.cmd(&["CONFIG", "GET", "timeout"]), bulk_array(&["timeout", "0"]));
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "timeout"]),
        err("ERR wrong number of arguments for 'config|set' command")
    );
    assert_eq!(
        c.cmd(&["CONFIG", "REWRITE"]),
        err("ERR The server is running without a config file")
    );
    assert_eq!(c.cmd(&["CONFIG"]), err("ERR wrong number of arguments for 'config' command"));
    assert_eq!(c.cmd(&["CONFIG", "foo"]), err("ERR unknown subcommand 'foo'. Try CONFIG HELP."));
    let help = c.cmd(&["CONFIG", "HELP"]);
    assert!(help.starts_with(
        "*11\r\n+CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"
    ));
}

#[test]
fn config_set_applies_values() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "timeout", "5", "maxmemory", "1mb", "appendfsync", "ALWAYS"]),
        OK
    );
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "timeout", "maxmemory", "appendfsync"]),
        bulk_array(&["timeout", "5", "maxmemory", "1048576", "appendfsync", "always"])
    );
    // Aliases set the canonical setting.
    assert_eq!(c.cmd(&["CONFIG", "SET", "slave-read-only", "no"]), OK);
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "replica-read-only"]),
        bulk_array(&["replica-read-only", "no"])
    );
    assert_eq!(c.cmd(&["CONFIG", "SET", "save", "3600 1 300 100"]), OK);
    assert_eq!(c.cmd(&["CONFIG", "GET", "save"]), bulk_array(&["save", "3600 1 300 100"]));
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "save", "3600"]),
        err(
            "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"
        )
    );
}

/// `CONFIG SET <name> <value>`'s error text for a value Redis 7.2 refuses.
fn config_set_failed(name: &str, reason: &str) -> String {
    err(&format!("ERR CONFIG SET failed (possibly related to argument '{name}') - {reason}"))
}

#[test]
fn config_set_checks_multi_word_values_like_redis() {
    let server = TestServer::start();
    let mut c = server.raw();
    let name = "latency-tracking-info-percentiles";
    let invalid = "Invalid latency-tracking-info-percentiles parameters";
    let out_of_range =
        "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
    assert_eq!(c.cmd(&["CONFIG", "SET", name, "50 abc"]), config_set_failed(name, invalid));
    assert_eq!(c.cmd(&["CONFIG", "SET", name, "50  99"]), config_set_failed(name, invalid));
    assert_eq!(c.cmd(&["CONFIG", "SET", name, "50 200"]), config_set_failed(name, out_of_range));
    assert_eq!(c.cmd(&["CONFIG", "GET", name]), bulk_array(&[name, "50 99 99.9"]));
    // Shown as Redis prints them: %f without its trailing zeros.
    assert_eq!(c.cmd(&["CONFIG", "SET", name, "50.0 1e1 99.99999999 .5"]), OK);
    assert_eq!(c.cmd(&["CONFIG", "GET", name]), bulk_array(&[name, "50 10 100 0.5"]));
    assert_eq!(c.cmd(&["CONFIG", "SET", name, ""]), OK);
    assert_eq!(c.cmd(&["CONFIG", "GET", name]), bulk_array(&[name, ""]));

    let name = "oom-score-adj-values";
    let wrong = "wrong number of arguments";
    let range = "Invalid oom-score-adj-values, elements must be between -2000 and 2000.";
    assert_eq!(c.cmd(&["CONFIG", "SET", name, "1 2"]), config_set_failed(name, wrong));
    assert_eq!(c.cmd(&["CONFIG", "SET", name, ""]), config_set_failed(name, wrong));
    assert_eq!(c.cmd(&["CONFIG", "SET", name, "0 200 2001"]), config_set_failed(name, range));
    assert_eq!(c.cmd(&["CONFIG", "SET", name, "x 1 2"]), config_set_failed(name, range));
    assert_eq!(c.cmd(&["CONFIG", "GET", name]), bulk_array(&[name, "0 200 800"]));
    assert_eq!(c.cmd(&["CONFIG", "SET", name, "+1 02 -2000"]), OK);
    assert_eq!(c.cmd(&["CONFIG", "GET", name]), bulk_array(&[name, "1 2 -2000"]));

    let invalid = "Invalid save parameters";
    for bad in ["  ", "3600", "3600 1 300", "x 1", "0 1", "3600 -1", "3600 1  300 100"] {
        assert_eq!(c.cmd(&["CONFIG", "SET", "save", bad]), config_set_failed("save", invalid));
    }
    assert_eq!(c.cmd(&["CONFIG", "SET", "save", "3600 1 300 100"]), OK);
    assert_eq!(c.cmd(&["CONFIG", "GET", "save"]), bulk_array(&["save", "3600 1 300 100"]));
    // strtoll's reading of each word, as in Redis: a sign, leading zeros, an empty word (0).
    assert_eq!(c.cmd(&["CONFIG", "SET", "save", "+60 05 3600 "]), OK);
    assert_eq!(c.cmd(&["CONFIG", "GET", "save"]), bulk_array(&["save", "60 5 3600 0"]));
    assert_eq!(c.cmd(&["CONFIG", "SET", "save", ""]), OK);
    assert_eq!(c.cmd(&["CONFIG", "GET", "save"]), bulk_array(&["save", ""]));
}

#[test]
fn config_set_maxmemory_clients_takes_a_percentage() {
    let server = TestServer::start();
    let mut c = server.raw();
    let name = "maxmemory-clients";
    assert_eq!(c.cmd(&["CONFIG", "SET", name, "50%"]), OK);
    assert_eq!(c.cmd(&["CONFIG", "GET", name]), bulk_array(&[name, "50%"]));
    assert_eq!(
        c.cmd(&["CONFIG", "SET", name, "101%"]),
        config_set_failed(name, "percentage argument must be less or equal to 100")
    );
    for bad in ["x", "-1", "-1%", "1.5%"] {
        assert_eq!(
            c.cmd(&["CONFIG", "SET", name, bad]),
            config_set_failed(name, "argument must be a memory or percent value")
        );
    }
    assert_eq!(c.cmd(&["CONFIG", "GET", name]), bulk_array(&[name, "50%"]));
    assert_eq!(c.cmd(&["CONFIG", "SET", name, "1kb"]), OK);
    assert_eq!(c.cmd(&["CONFIG", "GET", name]), bulk_array(&[name, "1024"]));
    assert_eq!(c.cmd(&["CONFIG", "SET", name, "0%"]), OK);
    assert_eq!(c.cmd(&["CONFIG", "GET", name]), bulk_array(&[name, "0"]));
}

#[test]
fn config_set_names_the_setting_as_typed_and_takes_a_name_and_its_alias() {
    let server = TestServer::start();
    let mut c = server.raw();
    let long_range = "argument must be between 0 and 9223372036854775807 inclusive";
    // Redis 7's name is canonical; the older one is an alias with its own entry.
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "busy-reply-threshold", "-1"]),
        config_set_failed("busy-reply-threshold", long_range)
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "LUA-TIME-LIMIT", "-1"]),
        config_set_failed("lua-time-limit", long_range)
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "hash-max-ziplist-entries", "-1"]),
        config_set_failed("hash-max-ziplist-entries", long_range)
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "MaxClients", "x"]),
        config_set_failed("maxclients", "argument couldn't be parsed into an integer")
    );
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "lua-time-limit", "busy-reply-threshold"]),
        bulk_array(&["lua-time-limit", "5000", "busy-reply-threshold", "5000"])
    );
    assert_eq!(c.cmd(&["CONFIG", "GET", "*time-limit"]), bulk_array(&["lua-time-limit", "5000"]));
    // A name and its alias are two parameters: both are set, in order, so the last wins.
    let entries = "hash-max-listpack-entries";
    assert_eq!(c.cmd(&["CONFIG", "SET", entries, "512", "hash-max-ziplist-entries", "100"]), OK);
    assert_eq!(c.cmd(&["CONFIG", "GET", entries]), bulk_array(&[entries, "100"]));
    assert_eq!(c.cmd(&["CONFIG", "SET", "hash-max-ziplist-entries", "7", entries, "512"]), OK);
    assert_eq!(c.cmd(&["CONFIG", "GET", entries]), bulk_array(&[entries, "512"]));
    // The same name twice, in any case, is still a duplicate.
    assert_eq!(
        c.cmd(&["CONFIG", "SET", entries, "1", "HASH-MAX-LISTPACK-ENTRIES", "2"]),
        config_set_failed("HASH-MAX-LISTPACK-ENTRIES", "duplicate parameter")
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", entries, "1", "hash-max-ziplist-entries", "x"]),
        config_set_failed(
            "hash-max-ziplist-entries",
            "argument couldn't be parsed into an integer"
        )
    );
    assert_eq!(c.cmd(&["CONFIG", "GET", entries]), bulk_array(&[entries, "512"]));
}

#[test]
fn config_set_integer_ranges_are_redis_7_2s() {
    let server = TestServer::start();
    let mut c = server.raw();
    let uint_range = "argument must be between 1 and 4294967295 inclusive";
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "maxclients", "0"]),
        config_set_failed("maxclients", uint_range)
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "maxclients", "4294967296"]),
        config_set_failed("maxclients", uint_range)
    );
    // Taken, as Redis takes it; what the open files limit cannot meet is only logged.
    assert_eq!(c.cmd(&["CONFIG", "SET", "maxclients", "4294967295"]), OK);
    assert_eq!(c.cmd(&["CONFIG", "GET", "maxclients"]), bulk_array(&["maxclients", "4294967295"]));
    assert_eq!(c.cmd(&["PING"]), "+PONG\r\n");
    assert_eq!(c.cmd(&["CONFIG", "SET", "maxclients", "10000"]), OK);
    let int_range = "argument must be between 0 and 2147483647 inclusive";
    for name in ["shutdown-timeout", "auto-aof-rewrite-percentage", "replica-priority"] {
        assert_eq!(c.cmd(&["CONFIG", "SET", name, "-1"]), config_set_failed(name, int_range));
        assert_eq!(
            c.cmd(&["CONFIG", "SET", name, "2147483648"]),
            config_set_failed(name, int_range)
        );
    }
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "SLAVE-PRIORITY", "-1"]),
        config_set_failed("slave-priority", int_range)
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "maxmemory-samples", "0"]),
        config_set_failed(
            "maxmemory-samples",
            "argument must be between 1 and 2147483647 inclusive"
        )
    );
    assert_eq!(c.cmd(&["CONFIG", "SET", "maxmemory-samples", "65"]), OK);
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "maxmemory-samples"]),
        bulk_array(&["maxmemory-samples", "65"])
    );
    assert_eq!(c.cmd(&["CONFIG", "SET", "maxmemory", "18446744073709551615"]), OK);
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "maxmemory"]),
        bulk_array(&["maxmemory", "18446744073709551615"])
    );
    assert_eq!(c.cmd(&["SET", "k", "v"]), OK);
    assert_eq!(c.cmd(&["CONFIG", "SET", "maxmemory", "0"]), OK);
}

#[test]
fn config_set_maxclients_takes_effect() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["CONFIG", "SET", "maxclients", "2"]), OK);
    let received = info_number(&mut c, "stats", "total_connections_received");
    let mut second = server.raw();
    assert_eq!(second.cmd(&["PING"]), "+PONG\r\n");
    let mut third = server.raw();
    assert_eq!(third.read_reply(), err("ERR max number of clients reached"));
    assert!(third.is_closed());
    // As in Redis: a refused connection is rejected, not received.
    assert_eq!(info_number(&mut c, "stats", "rejected_connections"), 1);
    assert_eq!(info_number(&mut c, "stats", "total_connections_received"), received + 1);
    assert_eq!(c.cmd(&["CONFIG", "SET", "maxclients", "10000"]), OK);
    let mut fourth = server.raw();
    assert_eq!(fourth.cmd(&["PING"]), "+PONG\r\n");
}

#[test]
fn config_set_requirepass_takes_effect() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["CONFIG", "SET", "requirepass", "s3cret"]), OK);
    // The connection that set it stays authenticated; new ones must AUTH.
    assert_eq!(c.cmd(&["PING"]), "+PONG\r\n");
    let mut d = server.raw();
    assert_eq!(d.cmd(&["PING"]), err("NOAUTH Authentication required."));
    assert_eq!(d.cmd(&["AUTH", "s3cret"]), OK);
    assert_eq!(d.cmd(&["CONFIG", "GET", "requirepass"]), bulk_array(&["requirepass", "s3cret"]));
    assert_eq!(d.cmd(&["CONFIG", "SET", "requirepass", ""]), OK);
    let mut e = server.raw();
    assert_eq!(e.cmd(&["PING"]), "+PONG\r\n");
}

#[test]
fn config_set_proto_max_bulk_len_takes_effect() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "proto-max-bulk-len", "1000"]),
        err("ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be between 1048576 and 9223372036854775807 inclusive")
    );
    assert_eq!(c.cmd(&["CONFIG", "SET", "proto-max-bulk-len", "1mb"]), OK);
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "proto-max-bulk-len"]),
        bulk_array(&["proto-max-bulk-len", "1048576"])
    );
    let mut d = server.raw();
    d.send(format!("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n${}\r\n", 1024 * 1024 + 1).as_bytes());
    assert_eq!(d.read_reply(), err("ERR Protocol error: invalid bulk length"));
    assert!(d.is_closed());
    assert_eq!(c.cmd(&["CONFIG", "SET", "client-query-buffer-limit", "2mb"]), OK);
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "client-query-buffer-limit"]),
        bulk_array(&["client-query-buffer-limit", "2097152"])
    );
}

// ---------------------------------------------------------------------------------- ROLE

/// ROLE as redis-server answers it without replication (node-redis's and ioredis's `role()`):
/// the same bytes over RESP2 and RESP3, and the same COMMAND INFO row (flags and @admin
/// without the admin flag).
#[test]
fn role_is_a_master_without_replicas() {
    let server = TestServer::start();
    let mut c = server.raw();
    let reply = "*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n";
    assert_eq!(c.cmd(&["ROLE"]), reply);
    assert_eq!(c.cmd(&["ROLE", "extra"]), err("ERR wrong number of arguments for 'role' command"));
    c.cmd(&["HELLO", "3"]);
    assert_eq!(c.cmd(&["ROLE"]), reply);
    let mut c = server.raw();
    assert_eq!(
        c.cmd(&["COMMAND", "INFO", "role"]),
        "*1\r\n*10\r\n$4\r\nrole\r\n:1\r\n*4\r\n+noscript\r\n+loading\r\n+stale\r\n+fast\r\n\
         :0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@fast\r\n+@dangerous\r\n*0\r\n*0\r\n*0\r\n"
    );
    let admin = c.cmd(&["ACL", "CAT", "admin"]);
    assert!(admin.contains("$4\r\nrole\r\n"), "{admin}");
}

// ------------------------------------------------------------------- TIME, LASTSAVE, MEMORY

#[test]
fn time_and_lastsave() {
    let server = TestServer::start();
    let mut c = server.raw();
    let reply = c.cmd(&["TIME"]);
    let parts: Vec<&str> = reply.split("\r\n").collect();
    assert_eq!(parts[0], "*2", "{reply}");
    let seconds: u64 = parts[2].parse().unwrap();
    let micros: u64 = parts[4].parse().unwrap();
    assert!(seconds.abs_diff(unix_now_s()) <= 2);
    assert!(micros < 1_000_000);
    assert_eq!(c.cmd(&["TIME", "x"]), err("ERR wrong number of arguments for 'time' command"));
    let lastsave: u64 = c.cmd(&["LASTSAVE"]).trim_start_matches(':').trim_end().parse().unwrap();
    assert!(lastsave <= unix_now_s() && lastsave + 120 > unix_now_s());
}

#[test]
fn memory_commands() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["MEMORY", "USAGE", "missing"]), NIL);
    assert_eq!(c.cmd(&["SET", "k", "x".repeat(1000).as_str()]), OK);
    let usage: i64 =
        c.cmd(&["MEMORY", "USAGE", "k"]).trim_start_matches(':').trim_end().parse().unwrap();
    assert!(usage > 1000 && usage < 2000, "{usage}");
    assert!(c.cmd(&["MEMORY", "USAGE", "k", "SAMPLES", "5"]).starts_with(':'));
    assert_eq!(
        c.cmd(&["MEMORY", "USAGE", "k", "SAMPLES", "x"]),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(c.cmd(&["MEMORY", "USAGE", "k", "SAMPLES"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["MEMORY", "USAGE", "k", "foo"]), err("ERR syntax error"));
    assert_eq!(
        c.cmd(&["MEMORY", "USAGE"]),
        err("ERR wrong number of arguments for 'memory|usage' command")
    );
    assert_eq!(c.cmd(&["MEMORY", "foo"]), err("ERR unknown subcommand 'foo'. Try MEMORY HELP."));
    assert!(c.cmd(&["MEMORY", "DOCTOR"]).contains("Sam"));
    let stats = c.cmd(&["MEMORY", "STATS"]);
    assert!(stats.contains("$10\r\nkeys.count\r\n:1\r\n"), "{stats}");
    let mut c3 = server.raw().resp3();
    assert!(c3.cmd(&["MEMORY", "STATS"]).starts_with('%'));
    assert!(c.cmd(&["MEMORY", "HELP"]).contains("+USAGE <key> [SAMPLES <count>]\r\n"));
    assert_eq!(c3.cmd(&["MEMORY", "USAGE", "missing"]), NULL3);
}

/// MEMORY STATS has every field of Redis's map, in Redis's order (client libraries such as
/// rustis and fred read it into structs of those fields), with a `db.<n>` map for each
/// database holding keys, and figures that add up as Redis's do: the overhead is startup,
/// client buffers, the journal's buffers and the databases' tables, and the dataset is what is
/// left of the allocated bytes. INFO's memory section shows the same figures.
#[test]
fn memory_stats_has_redis_fields_in_redis_order() {
    let server = TestServer::start();
    let mut con = server.client();
    let _: () = redis::cmd("SET").arg("k").arg("v").query(&mut con).unwrap();
    let _: () = redis::cmd("SELECT").arg(2).query(&mut con).unwrap();
    let _: () = redis::cmd("SET").arg("a").arg("b").query(&mut con).unwrap();
    let _: () = redis::cmd("SET").arg("c").arg("d").query(&mut con).unwrap();
    let reply: redis::Value = redis::cmd("MEMORY").arg("STATS").query(&mut con).unwrap();
    let redis::Value::Array(items) = reply else { panic!("not an array: {reply:?}") };
    let mut names = Vec::new();
    let mut numbers: HashMap<String, i64> = HashMap::new();
    let mut dbs: HashMap<String, Vec<redis::Value>> = HashMap::new();
    for pair in items.chunks(2) {
        let [redis::Value::BulkString(name), value] = pair else { panic!("{pair:?}") };
        let name = String::from_utf8(name.clone()).unwrap();
        match value {
            redis::Value::Int(n) => {
                numbers.insert(name.clone(), *n);
            }
            redis::Value::BulkString(text) => {
                let text = String::from_utf8(text.clone()).unwrap();
                assert!(text.parse::<f64>().is_ok(), "{name}: {text}");
            }
            redis::Value::Array(inner) => {
                dbs.insert(name.clone(), inner.clone());
            }
            other => panic!("{name}: {other:?}"),
        }
        names.push(name);
    }
    let expected = [
        "peak.allocated",
        "total.allocated",
        "startup.allocated",
        "replication.backlog",
        "clients.slaves",
        "clients.normal",
        "cluster.links",
        "aof.buffer",
        "lua.caches",
        "functions.caches",
        "db.0",
        "db.2",
        "overhead.total",
        "keys.count",
        "keys.bytes-per-key",
        "dataset.bytes",
        "dataset.percentage",
        "peak.percentage",
        "allocator.allocated",
        "allocator.active",
        "allocator.resident",
        "allocator-fragmentation.ratio",
        "allocator-fragmentation.bytes",
        "allocator-rss.ratio",
        "allocator-rss.bytes",
        "rss-overhead.ratio",
        "rss-overhead.bytes",
        "fragmentation",
        "fragmentation.bytes",
    ];
    assert_eq!(names, expected);
    assert_eq!(numbers["keys.count"], 3);
    let mut tables = 0;
    for db in ["db.0", "db.2"] {
        let [redis::Value::BulkString(main), redis::Value::Int(main_bytes), redis::Value::BulkString(expires), redis::Value::Int(0), redis::Value::BulkString(slots), redis::Value::Int(0)] =
            dbs[db].as_slice()
        else {
            panic!("{db}: {:?}", dbs[db]);
        };
        assert_eq!(main, b"overhead.hashtable.main");
        assert_eq!(expires, b"overhead.hashtable.expires");
        assert_eq!(slots, b"overhead.hashtable.slot-to-keys");
        assert!(*main_bytes > 0, "{db}: {main_bytes}");
        tables += main_bytes;
    }
    let overhead = numbers["startup.allocated"]
        + numbers["clients.slaves"]
        + numbers["clients.normal"]
        + numbers["aof.buffer"]
        + tables;
    assert_eq!(numbers["overhead.total"], overhead);
    assert_eq!(
        numbers["dataset.bytes"],
        (numbers["total.allocated"] - overhead).max(0),
        "{numbers:?}"
    );
    assert_eq!(numbers["allocator.allocated"], numbers["total.allocated"]);
    assert!(numbers["allocator.resident"] > 0);
    // RESP3: a map, and a map for each database.
    let mut c3 = server.raw().resp3();
    let stats = c3.cmd(&["MEMORY", "STATS"]);
    assert!(stats.starts_with("%29\r\n"), "{stats}");
    assert!(stats.contains("$4\r\ndb.0\r\n%3\r\n$23\r\noverhead.hashtable.main\r\n:"), "{stats}");
    assert!(stats.contains("$10\r\nkeys.count\r\n:3\r\n"), "{stats}");
    // INFO's memory section: the same overhead, and the client buffers counted.
    let mut c = server.raw();
    let memory = info(&mut c, &["memory"]);
    let overhead: i64 = field(&memory, "used_memory_overhead").unwrap().parse().unwrap();
    assert!(overhead >= numbers["startup.allocated"] + tables, "{memory}");
    let aof: i64 = field(&memory, "mem_aof_buffer").unwrap().parse().unwrap();
    assert!(overhead >= numbers["startup.allocated"] + aof, "{memory}");
}

/// MEMORY PURGE gives the allocator's free pages back to the OS: values freed between live
/// ones leave their pages resident (glibc returns by itself only the free space at the top of
/// its heap) until then.
#[test]
fn memory_purge_returns_free_pages() {
    let server = TestServer::start();
    let mut c = server.raw();
    let value = "x".repeat(16 * 1024);
    let keys: Vec<String> = (0..4000).map(|i| format!("k{i}")).collect();
    // 64 MiB of values, then all but every 50th deleted: the live ones pin the freed space.
    for key in &keys {
        c.send_command(&[b"SET", key.as_bytes(), value.as_bytes()]);
    }
    for _ in &keys {
        assert_eq!(c.read_reply(), OK);
    }
    let deleted: Vec<&String> =
        keys.iter().enumerate().filter(|(i, _)| i % 50 != 0).map(|(_, k)| k).collect();
    for key in &deleted {
        c.send_command(&[b"DEL", key.as_bytes()]);
    }
    for _ in &deleted {
        assert_eq!(c.read_reply(), int(1));
    }
    let before = server.rss_kib();
    assert_eq!(c.cmd(&["MEMORY", "PURGE"]), OK);
    let after = server.rss_kib();
    assert!(after + 20 * 1024 < before, "RSS {before} KiB before MEMORY PURGE, {after} KiB after");
    assert_eq!(c.cmd(&["DBSIZE"]), int(80));
}

// ---------------------------------------------------------------------- SHUTDOWN, DEBUG

#[test]
fn shutdown_errors_and_success() {
    let mut server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SHUTDOWN", "ABORT"]), err("ERR No shutdown in progress."));
    assert_eq!(c.cmd(&["SHUTDOWN", "NOSAVE", "ABORT"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["SHUTDOWN", "SAVE", "NOSAVE"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["SHUTDOWN", "foo"]), err("ERR syntax error"));
    assert!(server.is_running());
    c.send_command(&[b"SHUTDOWN", b"NOSAVE", b"NOW"]);
    assert!(c.is_closed(), "SHUTDOWN sends no reply and closes");
    assert_eq!(server.wait_exit(Duration::from_secs(10)), Some(0));
}

/// Redis 7.2's text for a DEBUG that `enable-debug-command` refuses.
const DEBUG_NOT_ALLOWED: &str = "ERR DEBUG command not allowed. If the enable-debug-command \
    option is set to \"local\", you can run it from a local connection, otherwise you need to \
    set this option in the configuration file, and then restart the server.";

#[test]
fn debug_is_refused_unless_enabled_as_in_redis() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "enable-debug-command"]),
        bulk_array(&["enable-debug-command", "no"])
    );
    assert_eq!(c.cmd(&["DEBUG", "SLEEP", "0"]), err(DEBUG_NOT_ALLOWED));
    assert_eq!(c.cmd(&["DEBUG", "HELP"]), err(DEBUG_NOT_ALLOWED));
    // The arity check comes first, as in Redis's processCommand.
    assert_eq!(c.cmd(&["DEBUG"]), err("ERR wrong number of arguments for 'debug' command"));
    // Refused while queueing: the transaction is discarded.
    assert_eq!(c.cmd(&["MULTI"]), OK);
    assert_eq!(c.cmd(&["DEBUG", "SLEEP", "0"]), err(DEBUG_NOT_ALLOWED));
    assert_eq!(
        c.cmd(&["EXEC"]),
        err("EXECABORT Transaction discarded because of previous errors.")
    );
    assert!(c.cmd(&["INFO", "commandstats"]).contains(
        "cmdstat_debug:calls=0,usec=0,usec_per_call=0.00,rejected_calls=4,failed_calls=0"
    ));
    // Only the configuration changes it, as in Redis.
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "enable-debug-command", "yes"]),
        err("ERR CONFIG SET failed (possibly related to argument 'enable-debug-command') - \
             can't set immutable config")
    );
    let enabled = TestServer::start_with_env(&[], &[("ALLYDB_ENABLE_DEBUG_COMMAND", "YES")]);
    let mut c = enabled.raw();
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "enable-debug-command"]),
        bulk_array(&["enable-debug-command", "yes"])
    );
    assert_eq!(c.cmd(&["DEBUG", "SLEEP", "0"]), OK);
}

#[test]
fn debug_sleep_and_help() {
    // `local` allows the tests' loopback clients.
    let server = TestServer::start_with(&["--enable-debug-command", "local"]);
    let mut c = server.raw();
    let started = Instant::now();
    assert_eq!(c.cmd(&["DEBUG", "SLEEP", "0.3"]), OK);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(c.cmd(&["DEBUG", "SLEEP", "0"]), OK);
    let help = c.cmd(&["DEBUG", "HELP"]);
    assert!(help
        .starts_with("*5\r\n+DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"));
    assert!(help.contains("+SLEEP <seconds>\r\n"));
    assert_eq!(
        c.cmd(&["DEBUG", "foo"]),
        err("ERR unknown subcommand or wrong number of arguments for 'foo'. Try DEBUG HELP.")
    );
    assert_eq!(c.cmd(&["DEBUG"]), err("ERR wrong number of arguments for 'debug' command"));
}

// -------------------------------------------------------------------------------- COMMAND

const GET_ENTRY: &str = "*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n\
    *3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n\
    $12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n\
    $9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n\
    $7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n";

#[test]
fn command_info_shapes() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["COMMAND", "INFO", "get"]), format!("*1\r\n{GET_ENTRY}"));
    assert_eq!(c.cmd(&["COMMAND", "INFO", "GET", "nosuch"]), format!("*2\r\n{GET_ENTRY}$-1\r\n"));
    let mut c3 = server.raw().resp3();
    let three = c3.cmd(&["COMMAND", "INFO", "get"]);
    assert_eq!(
        three,
        "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n\
         ~3\r\n+@read\r\n+@string\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n\
         $12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n\
         $9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n\
         $7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n"
    );
    assert_eq!(c3.cmd(&["COMMAND", "INFO", "nosuch"]), "*1\r\n_\r\n");
    // Legacy key triples.
    let mset = c.cmd(&["COMMAND", "INFO", "mset"]);
    assert!(mset.contains(":1\r\n:-1\r\n:2\r\n"), "{mset}");
    let ping = c.cmd(&["COMMAND", "INFO", "ping"]);
    // Redis's ping.json: FAST and SENTINEL, which COMMAND INFO does not show (no `stale`).
    assert!(ping.starts_with("*1\r\n*10\r\n$4\r\nping\r\n:-1\r\n*1\r\n+fast\r\n"), "{ping}");
    assert!(ping.contains(":0\r\n:0\r\n:0\r\n"), "{ping}");
    assert!(ping.contains("+@fast\r\n+@connection\r\n"), "{ping}");
    // Subcommands by full name, and inside their container.
    let config_get = c.cmd(&["COMMAND", "INFO", "CONFIG|GET"]);
    assert!(config_get.starts_with("*1\r\n*10\r\n$10\r\nconfig|get\r\n:-3\r\n*4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n"), "{config_get}");
    assert!(config_get.contains("*3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n"), "{config_get}");
    let client = c.cmd(&["COMMAND", "INFO", "client"]);
    assert!(client.starts_with("*1\r\n*10\r\n$6\r\nclient\r\n:-2\r\n*0\r\n:0\r\n:0\r\n:0\r\n*1\r\n+@slow\r\n*0\r\n*0\r\n*"), "{client}");
    assert!(client.contains("$11\r\nclient|list\r\n:-2\r\n"), "{client}");
    let usage = c.cmd(&["COMMAND", "INFO", "memory|usage"]);
    assert!(usage.contains(":2\r\n:2\r\n:1\r\n"), "{usage}");
}

/// LMOVE's entry, as redis-server writes it: two key specs, the source popped (`RW access
/// delete`) and the destination pushed onto (`RW insert`).
const LMOVE_ENTRY: &str = "*10\r\n$5\r\nlmove\r\n:5\r\n*2\r\n+write\r\n+denyoom\r\n\
    :1\r\n:2\r\n:1\r\n*3\r\n+@write\r\n+@list\r\n+@slow\r\n*0\r\n*2\r\n\
    *6\r\n$5\r\nflags\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n\
    $12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n\
    $4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n\
    $9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n\
    $4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n\
    *6\r\n$5\r\nflags\r\n*2\r\n+RW\r\n+insert\r\n\
    $12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n\
    $4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:2\r\n\
    $9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n\
    $4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n\
    *0\r\n";

const SORT_BY_GET_NOTES: &str = "For the optional BY/GET keyword. It is marked 'unknown' \
    because the key names derive from the content of the key we sort";
const SORT_STORE_NOTES: &str = "For the optional STORE keyword. It is marked 'unknown' because \
    the keyword can appear anywhere in the argument array";

/// A RESP2 set (array) of simple strings: command flags, ACL categories, key-spec flags.
fn simple_set(items: &[&str]) -> String {
    items.iter().fold(format!("*{}\r\n", items.len()), |out, i| format!("{out}+{i}\r\n"))
}

/// One `name value` pair of a map, the value already encoded.
fn pair(name: &str, value: &str) -> String {
    format!("${}\r\n{name}\r\n{value}", name.len())
}

/// A key spec with an `index` begin search, `notes` first when there are any.
fn index_spec(notes: &str, flags: &[&str], index: i64, find_keys: &str) -> String {
    let notes = if notes.is_empty() { String::new() } else { pair("notes", &bulk(notes)) };
    let begin = format!(
        "*4\r\n{}{}",
        pair("type", &bulk("index")),
        pair("spec", &format!("*2\r\n{}", pair("index", &format!(":{index}\r\n"))))
    );
    let len = if notes.is_empty() { 6 } else { 8 };
    format!(
        "*{len}\r\n{notes}{}{}{}",
        pair("flags", &simple_set(flags)),
        pair("begin_search", &begin),
        pair("find_keys", find_keys)
    )
}

fn range(lastkey: i64) -> String {
    let spec = format!(
        "*6\r\n{}{}{}",
        pair("lastkey", &format!(":{lastkey}\r\n")),
        pair("keystep", ":1\r\n"),
        pair("limit", ":0\r\n")
    );
    format!("*4\r\n{}{}", pair("type", &bulk("range")), pair("spec", &spec))
}

fn keynum() -> String {
    let spec = format!(
        "*6\r\n{}{}{}",
        pair("keynumidx", ":0\r\n"),
        pair("firstkey", ":1\r\n"),
        pair("keystep", ":1\r\n")
    );
    format!("*4\r\n{}{}", pair("type", &bulk("keynum")), pair("spec", &spec))
}

/// A key spec no search finds (SORT's BY, GET and STORE keys).
fn unknown_spec(notes: &str, flags: &[&str]) -> String {
    let unknown = format!("*4\r\n{}{}", pair("type", &bulk("unknown")), pair("spec", "*0\r\n"));
    format!(
        "*8\r\n{}{}{}{}",
        pair("notes", &bulk(notes)),
        pair("flags", &simple_set(flags)),
        pair("begin_search", &unknown),
        pair("find_keys", &unknown)
    )
}

fn bulk(text: &str) -> String {
    format!("${}\r\n{text}\r\n", text.len())
}

/// A COMMAND INFO entry without subcommands: tips are bulk strings, as Redis writes them.
fn entry(head: &str, categories: &[&str], tips: &[&str], key_specs: &[String]) -> String {
    let tips = tips.iter().fold(format!("*{}\r\n", tips.len()), |out, t| out + &bulk(t));
    format!(
        "*10\r\n{head}{}{tips}*{}\r\n{}*0\r\n",
        simple_set(categories),
        key_specs.len(),
        key_specs.concat()
    )
}

/// Key specs, command tips and flags as redis-server 7.2 reports them (the bytes were checked
/// against redis-server, and the 7.2-only ones against Redis 7.2's command JSON files).
#[test]
fn command_info_key_specs_tips_and_flags() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["COMMAND", "INFO", "lmove"]), format!("*1\r\n{LMOVE_ENTRY}"));
    // Tips; DEL removes (`RM delete`).
    let del = entry(
        "$3\r\ndel\r\n:-2\r\n*1\r\n+write\r\n:1\r\n:-1\r\n:1\r\n",
        &["@keyspace", "@write", "@slow"],
        &["request_policy:multi_shard", "response_policy:agg_sum"],
        &[index_spec("", &["RM", "delete"], 1, &range(-1))],
    );
    assert_eq!(c.cmd(&["COMMAND", "INFO", "del"]), format!("*1\r\n{del}"));
    // A numkeys command: the destination a fixed key, the sources counted (`keynum`).
    let zunionstore = entry(
        "$11\r\nzunionstore\r\n:-4\r\n*3\r\n+write\r\n+denyoom\r\n+movablekeys\r\n\
         :1\r\n:1\r\n:1\r\n",
        &["@write", "@sortedset", "@slow"],
        &[],
        &[
            index_spec("", &["OW", "update"], 1, &range(0)),
            index_spec("", &["RO", "access"], 2, &keynum()),
        ],
    );
    assert_eq!(c.cmd(&["COMMAND", "INFO", "zunionstore"]), format!("*1\r\n{zunionstore}"));
    // Keys no search finds, with Redis's notes saying why.
    let sort = entry(
        "$4\r\nsort\r\n:-2\r\n*3\r\n+write\r\n+denyoom\r\n+movablekeys\r\n:1\r\n:1\r\n:1\r\n",
        &["@write", "@set", "@sortedset", "@list", "@slow", "@dangerous"],
        &[],
        &[
            index_spec("", &["RO", "access"], 1, &range(0)),
            unknown_spec(SORT_BY_GET_NOTES, &["RO", "access"]),
            unknown_spec(SORT_STORE_NOTES, &["OW", "update"]),
        ],
    );
    assert_eq!(c.cmd(&["COMMAND", "INFO", "sort"]), format!("*1\r\n{sort}"));
    // A subcommand: its key follows the subcommand's name, read without its value (`RO`).
    let freq = entry(
        "$11\r\nobject|freq\r\n:3\r\n*1\r\n+readonly\r\n:2\r\n:2\r\n:1\r\n",
        &["@keyspace", "@read", "@slow"],
        &["nondeterministic_output"],
        &[index_spec("", &["RO"], 2, &range(0))],
    );
    assert_eq!(c.cmd(&["COMMAND", "INFO", "object|freq"]), format!("*1\r\n{freq}"));
    // Notes on a key spec whose flags depend on the arguments.
    let set = c.cmd(&["COMMAND", "INFO", "set"]);
    let set_spec = index_spec(
        "RW and ACCESS due to the optional `GET` argument",
        &["RW", "access", "update", "variable_flags"],
        1,
        &range(0),
    );
    assert!(set.contains(&format!("*0\r\n*1\r\n{set_spec}*0\r\n")), "{set}");
    // Where Redis 7.2 differs from 7.0: SCAN's response policy, MSETNX's tips (none), WAIT
    // allowed in scripts, WAITAOF not, and blocking pops allowed in scripts.
    let scan = c.cmd(&["COMMAND", "INFO", "scan"]);
    let scan_tips = "*3\r\n$23\r\nnondeterministic_output\r\n$22\r\nrequest_policy:special\r\n\
                     $23\r\nresponse_policy:special\r\n";
    assert!(scan.contains(scan_tips), "{scan}");
    assert!(c.cmd(&["COMMAND", "INFO", "msetnx"]).contains("+@slow\r\n*0\r\n*1\r\n"));
    assert!(c
        .cmd(&["COMMAND", "INFO", "wait"])
        .starts_with("*1\r\n*10\r\n$4\r\nwait\r\n:3\r\n*0\r\n"));
    assert!(c
        .cmd(&["COMMAND", "INFO", "waitaof"])
        .starts_with("*1\r\n*10\r\n$7\r\nwaitaof\r\n:4\r\n*1\r\n+noscript\r\n"));
    assert!(c.cmd(&["COMMAND", "INFO", "blpop"]).contains("*2\r\n+write\r\n+blocking\r\n"));
    // `no_async_loading` sits between `no_auth` and `no_multi`, as in Redis.
    let psync = c.cmd(&["COMMAND", "INFO", "psync"]);
    assert!(
        psync.contains(&simple_set(&["admin", "noscript", "no_async_loading", "no_multi"])),
        "{psync}"
    );
}

#[test]
fn command_count_list_and_all() {
    let server = TestServer::start();
    let mut c = server.raw();
    let count: usize =
        c.cmd(&["COMMAND", "COUNT"]).trim_start_matches(':').trim_end().parse().unwrap();
    assert!(count > 20, "{count}");
    let all = c.cmd(&["COMMAND"]);
    assert!(all.starts_with(&format!("*{count}\r\n*10\r\n")), "{}", &all[..40]);
    assert!(all.contains(GET_ENTRY));
    let mut con = server.client();
    let entries: Vec<redis::Value> = redis::cmd("COMMAND").query(&mut con).unwrap();
    assert_eq!(entries.len(), count);
    let info: Vec<redis::Value> = redis::cmd("COMMAND").arg("INFO").query(&mut con).unwrap();
    assert_eq!(info.len(), count);

    let names: Vec<String> = redis::cmd("COMMAND").arg("LIST").query(&mut con).unwrap();
    for name in ["get", "set", "config", "config|get", "client|kill", "command|docs", "info"] {
        assert!(names.iter().any(|n| n == name), "{name} missing");
    }
    let client: Vec<String> = redis::cmd("COMMAND")
        .arg("LIST")
        .arg("FILTERBY")
        .arg("PATTERN")
        .arg("CLIENT|*")
        .query(&mut con)
        .unwrap();
    assert!(client.len() >= 10 && client.iter().all(|n| n.starts_with("client|")), "{client:?}");
    let strings: Vec<String> = redis::cmd("COMMAND")
        .arg("LIST")
        .arg("FILTERBY")
        .arg("ACLCAT")
        .arg("string")
        .query(&mut con)
        .unwrap();
    assert!(strings.contains(&"get".to_string()) && !strings.contains(&"ping".to_string()));
    let dangerous: Vec<String> = redis::cmd("COMMAND")
        .arg("LIST")
        .arg("FILTERBY")
        .arg("ACLCAT")
        .arg("dangerous")
        .query(&mut con)
        .unwrap();
    assert!(
        dangerous.contains(&"config|set".to_string()) && dangerous.contains(&"info".to_string())
    );
    assert_eq!(c.cmd(&["COMMAND", "LIST", "FILTERBY", "MODULE", "x"]), "*0\r\n");
    assert_eq!(c.cmd(&["COMMAND", "LIST", "FILTERBY", "FOO", "x"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["COMMAND", "LIST", "x"]), err("ERR syntax error"));
    assert_eq!(
        c.cmd(&["COMMAND", "COUNT", "x"]),
        err("ERR wrong number of arguments for 'command|count' command")
    );
    assert_eq!(c.cmd(&["COMMAND", "foo"]), err("ERR unknown subcommand 'foo'. Try COMMAND HELP."));
    assert!(c.cmd(&["COMMAND", "HELP"]).contains("+GETKEYSANDFLAGS <full-command>\r\n"));
}

#[test]
fn command_docs_shapes() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(
        c.cmd(&["COMMAND", "DOCS", "get"]),
        "*2\r\n$3\r\nget\r\n*10\r\n$7\r\nsummary\r\n$34\r\nReturns the string value of a key.\r\n\
         $5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n\
         $9\r\narguments\r\n*1\r\n*8\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n\
         $12\r\ndisplay_text\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n"
    );
    assert_eq!(c.cmd(&["COMMAND", "DOCS", "nosuch"]), "*0\r\n");
    let mut c3 = server.raw().resp3();
    assert!(c3.cmd(&["COMMAND", "DOCS", "get", "nosuch"]).starts_with("%1\r\n$3\r\nget\r\n%5\r\n"));
    // Containers nest their subcommands' docs; commands without arguments have no `arguments`.
    let config = c3.cmd(&["COMMAND", "DOCS", "config"]);
    assert!(config.contains("$11\r\nsubcommands\r\n%5\r\n"), "{config}");
    assert!(config.contains("$10\r\nconfig|get\r\n%5\r\n"), "{config}");
    let time = c3.cmd(&["COMMAND", "DOCS", "time"]);
    assert!(time.starts_with("%1\r\n$4\r\ntime\r\n%4\r\n"), "{time}");
    // SET's options: a oneof of pure tokens, and tokens carrying values.
    let set = c3.cmd(&["COMMAND", "DOCS", "set"]);
    assert!(set.contains("$4\r\ntype\r\n$5\r\noneof\r\n"), "{set}");
    assert!(set.contains("$4\r\ntype\r\n$10\r\npure-token\r\n$12\r\ndisplay_text\r\n$2\r\nnx\r\n$5\r\ntoken\r\n$2\r\nNX\r\n"), "{set}");
    assert!(
        set.contains("$4\r\nname\r\n$7\r\nseconds\r\n$4\r\ntype\r\n$7\r\ninteger\r\n"),
        "{set}"
    );
    assert!(set.contains("$5\r\ntoken\r\n$2\r\nEX\r\n"), "{set}");
    assert!(set.contains("$5\r\nflags\r\n~1\r\n+optional\r\n"), "{set}");
    let mget = c3.cmd(&["COMMAND", "DOCS", "mget"]);
    assert!(mget.contains("$5\r\nflags\r\n~1\r\n+multiple\r\n"), "{mget}");
    // Every command's docs come back in one reply (what redis-cli asks at startup).
    let mut con = server.client3();
    let docs: redis::Value = redis::cmd("COMMAND").arg("DOCS").query(&mut con).unwrap();
    match docs {
        redis::Value::Map(entries) => assert!(entries.len() > 20),
        other => panic!("not a map: {other:?}"),
    }
}

#[test]
fn command_getkeys() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "mset", "a", "1", "b", "2"]), bulk_array(&["a", "b"]));
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "GET", "k"]), bulk_array(&["k"]));
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "memory", "usage", "k"]), bulk_array(&["k"]));
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "nosuch", "k"]), err("ERR Invalid command specified"));
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYS", "config", "nosuch"]),
        err("ERR Invalid command specified")
    );
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "ping"]), err("ERR The command has no key arguments"));
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYS", "get"]),
        err("ERR Invalid number of arguments specified for command")
    );
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYS"]),
        err("ERR wrong number of arguments for 'command|getkeys' command")
    );
    // Without GET, SET overwrites unread; with it, it reads first (Redis's setGetKeys).
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYSANDFLAGS", "set", "k", "v"]),
        "*1\r\n*2\r\n$1\r\nk\r\n*2\r\n+OW\r\n+update\r\n"
    );
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYSANDFLAGS", "set", "k", "v", "EX", "1", "get"]),
        "*1\r\n*2\r\n$1\r\nk\r\n*3\r\n+RW\r\n+access\r\n+update\r\n"
    );
    // Each key with the flags of its own key spec.
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYSANDFLAGS", "LMOVE", "a", "b", "LEFT", "RIGHT"]),
        "*2\r\n*2\r\n$1\r\na\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n\
         *2\r\n$1\r\nb\r\n*2\r\n+RW\r\n+insert\r\n"
    );
    assert_eq!(
        c.cmd(&[
            "COMMAND",
            "GETKEYSANDFLAGS",
            "ZUNIONSTORE",
            "d",
            "2",
            "a",
            "b",
            "WEIGHTS",
            "1",
            "2"
        ]),
        "*3\r\n*2\r\n$1\r\nd\r\n*2\r\n+OW\r\n+update\r\n*2\r\n$1\r\na\r\n*2\r\n+RO\r\n+access\r\n\
         *2\r\n$1\r\nb\r\n*2\r\n+RO\r\n+access\r\n"
    );
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYSANDFLAGS", "RENAME", "a", "b"]),
        "*2\r\n*2\r\n$1\r\na\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n\
         *2\r\n$1\r\nb\r\n*2\r\n+OW\r\n+update\r\n"
    );
    // SORT's STORE key comes from parsing the options: the last STORE with a word after it.
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYSANDFLAGS", "SORT", "a", "BY", "x", "STORE", "d", "STORE", "e"]),
        "*2\r\n*2\r\n$1\r\na\r\n*2\r\n+RO\r\n+access\r\n*2\r\n$1\r\ne\r\n*2\r\n+OW\r\n+update\r\n"
    );
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYS", "SORT", "a", "LIMIT", "store", "1"]),
        bulk_array(&["a"])
    );
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYSANDFLAGS", "BITFIELD", "a", "GET", "u8", "0"]),
        "*1\r\n*2\r\n$1\r\na\r\n*2\r\n+RO\r\n+access\r\n"
    );
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYSANDFLAGS", "MSET", "a", "1", "b", "2"]),
        "*2\r\n*2\r\n$1\r\na\r\n*2\r\n+OW\r\n+update\r\n*2\r\n$1\r\nb\r\n*2\r\n+OW\r\n+update\r\n"
    );
    // Shard channels stand in a key's place but are not keys.
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYS", "SPUBLISH", "ch", "m"]),
        err("ERR The command has no key arguments")
    );
    let mut c3 = server.raw().resp3();
    assert_eq!(
        c3.cmd(&["COMMAND", "GETKEYSANDFLAGS", "get", "k"]),
        "*1\r\n*2\r\n$1\r\nk\r\n~2\r\n+RO\r\n+access\r\n"
    );
}

// --------------------------------------------------------------------------- redis crate

#[test]
fn redis_crate_config_and_info() {
    let server = TestServer::start();
    let mut con = server.client();
    let _: () = redis::cmd("SET").arg("x").arg(1).query(&mut con).unwrap();
    let values: HashMap<String, String> =
        redis::cmd("CONFIG").arg("GET").arg("max*").query(&mut con).unwrap();
    assert_eq!(values.get("maxclients").map(String::as_str), Some("10000"));
    assert_eq!(values.get("maxmemory-policy").map(String::as_str), Some("noeviction"));
    let _: () =
        redis::cmd("CONFIG").arg("SET").arg("maxmemory-samples").arg(7).query(&mut con).unwrap();
    let (_, samples): (String, i64) =
        redis::cmd("CONFIG").arg("GET").arg("maxmemory-samples").query(&mut con).unwrap();
    assert_eq!(samples, 7);
    let error =
        redis::cmd("CONFIG").arg("SET").arg("nosuch").arg(1).query::<()>(&mut con).unwrap_err();
    assert!(error.to_string().contains("Unknown option"), "{error}");

    let info: redis::InfoDict = redis::cmd("INFO").query(&mut con).unwrap();
    assert_eq!(info.get::<String>("redis_version").as_deref(), Some("7.2.6"));
    assert_eq!(info.get::<i64>("connected_clients"), Some(1));
    assert_eq!(info.get::<String>("db0").as_deref(), Some("keys=1,expires=0,avg_ttl=0"));

    let mut con3 = server.client3();
    let values: HashMap<String, String> =
        redis::cmd("CONFIG").arg("GET").arg("appendonly").query(&mut con3).unwrap();
    assert_eq!(values.get("appendonly").map(String::as_str), Some("yes"));
    let text: String = redis::cmd("INFO").arg("server").query(&mut con3).unwrap();
    assert!(text.starts_with("# Server\r\nredis_version:7.2.6\r\n"), "{text}");
}

/// Splits a SLOWLOG GET entry's fixed parts off: `*6 :id :time :duration` with the time and
/// duration checked loosely, returning the id and the rest (arguments, address, name).
fn slowlog_entry(reply: &str, at: &mut usize) -> (u64, String) {
    let rest = &reply[*at..];
    assert!(rest.starts_with("*6\r\n:"), "{rest:?}");
    let fields: Vec<&str> = rest.splitn(5, "\r\n").collect();
    let id: u64 = fields[1][1..].parse().expect("id");
    let time: u64 = fields[2][1..].parse().expect("time");
    assert!(time.abs_diff(unix_now_s()) <= 5, "time {time}");
    assert!(fields[3].starts_with(':'), "duration {:?}", fields[3]);
    let consumed = fields[..4].iter().map(|f| f.len() + 2).sum::<usize>();
    *at += consumed;
    (id, reply[*at..].to_string())
}

#[test]
fn slowlog_keeps_slow_commands_as_redis_shows_them() {
    let server = TestServer::start_with(&["--appendonly", "no", "--enable-debug-command", "yes"]);
    let mut c = server.raw();
    // Nothing takes 10 ms here: the default threshold logs nothing.
    assert_eq!(c.cmd(&["SET", "a", "b"]), OK);
    assert_eq!(c.cmd(&["SLOWLOG", "LEN"]), ":0\r\n");
    assert_eq!(c.cmd(&["SLOWLOG", "GET"]), "*0\r\n");
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "slowlog-log-slower-than"]),
        bulk_array(&["slowlog-log-slower-than", "10000"])
    );
    assert_eq!(c.cmd(&["CONFIG", "SET", "slowlog-log-slower-than", "0"]), OK);
    assert_eq!(c.cmd(&["CLIENT", "SETNAME", "nm"]), OK);
    let long = "x".repeat(200);
    assert_eq!(c.cmd(&["SET", &long, "v"]), OK);
    let keys: Vec<String> = (0..40).map(|i| format!("k{i}")).collect();
    let mut del = vec!["DEL"];
    del.extend(keys.iter().map(String::as_str));
    assert_eq!(c.cmd(&del), ":0\r\n");
    assert_eq!(c.cmd(&["AUTH", "secret"]), err("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"));
    let reply = c.cmd(&["SLOWLOG", "GET", "3"]);
    assert!(reply.starts_with("*3\r\n"), "{reply}");
    let peer = c.cmd(&["CLIENT", "INFO"]);
    let addr = peer.split(' ').nth(1).and_then(|a| a.strip_prefix("addr=")).expect("addr");
    let tail = format!("${}\r\n{addr}\r\n$2\r\nnm\r\n", addr.len());
    let mut at = 4;
    let (auth_id, rest) = slowlog_entry(&reply, &mut at);
    assert!(
        rest.starts_with(&format!("*2\r\n$4\r\nAUTH\r\n$10\r\n(redacted)\r\n{tail}")),
        "{rest}"
    );
    at += format!("*2\r\n$4\r\nAUTH\r\n$10\r\n(redacted)\r\n{tail}").len();
    let (del_id, rest) = slowlog_entry(&reply, &mut at);
    let mut expected_del = "*32\r\n$3\r\nDEL\r\n".to_string();
    for key in &keys[..30] {
        expected_del.push_str(&format!("${}\r\n{key}\r\n", key.len()));
    }
    expected_del.push_str("$23\r\n... (10 more arguments)\r\n");
    assert!(rest.starts_with(&format!("{expected_del}{tail}")), "{rest}");
    at += expected_del.len() + tail.len();
    let (set_id, rest) = slowlog_entry(&reply, &mut at);
    let cut = format!("{}... (72 more bytes)", "x".repeat(128));
    assert_eq!(rest, format!("*3\r\n$3\r\nSET\r\n$147\r\n{cut}\r\n$1\r\nv\r\n{tail}"));
    assert_eq!((del_id, auth_id), (set_id + 1, set_id + 2));
    // Newest first, -1 for all; a bad count is refused with Redis's text.
    assert!(c.cmd(&["SLOWLOG", "GET", "-1"]).starts_with("*7\r\n"));
    for bad in ["-2", "abc"] {
        assert_eq!(
            c.cmd(&["SLOWLOG", "GET", bad]),
            err("ERR count should be greater than or equal to -1")
        );
    }
    assert_eq!(
        c.cmd(&["SLOWLOG", "GET", "1", "2"]),
        err("ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.")
    );
    assert_eq!(c.cmd(&["SLOWLOG", "FOO"]), err("ERR unknown subcommand 'FOO'. Try SLOWLOG HELP."));
    // CONFIG SET of a password is logged with the value redacted.
    assert_eq!(c.cmd(&["CONFIG", "SET", "requirepass", "pw"]), OK);
    assert_eq!(c.cmd(&["AUTH", "pw"]), OK);
    let last = c.cmd(&["SLOWLOG", "GET", "2"]);
    assert!(last.contains("$11\r\nrequirepass\r\n$10\r\n(redacted)\r\n"), "{last}");
    assert!(!last.contains("\r\npw\r\n"), "{last}");
    // RESET empties the log and is then logged itself, as in Redis; a shorter max-len trims.
    assert!(c.cmd(&["SLOWLOG", "LEN"]).starts_with(':'));
    assert_eq!(c.cmd(&["SLOWLOG", "RESET"]), OK);
    assert_eq!(c.cmd(&["SLOWLOG", "LEN"]), ":1\r\n");
    assert_eq!(c.cmd(&["CONFIG", "SET", "slowlog-max-len", "2"]), OK);
    for _ in 0..5 {
        c.cmd(&["PING"]);
    }
    assert_eq!(c.cmd(&["SLOWLOG", "LEN"]), ":2\r\n");
    assert_eq!(c.cmd(&["CONFIG", "SET", "slowlog-log-slower-than", "-1"]), OK);
    assert_eq!(c.cmd(&["SLOWLOG", "RESET"]), OK);
    c.cmd(&["PING"]);
    assert_eq!(c.cmd(&["SLOWLOG", "LEN"]), ":0\r\n");
    // DEBUG SLEEP counts its sleep, as it blocks inside the command in Redis.
    assert_eq!(c.cmd(&["CONFIG", "SET", "slowlog-log-slower-than", "10000"]), OK);
    assert_eq!(c.cmd(&["DEBUG", "SLEEP", "0.02"]), OK);
    let reply = c.cmd(&["SLOWLOG", "GET"]);
    let mut at = 4;
    let duration: u64 =
        reply.split("\r\n").nth(4).and_then(|d| d[1..].parse().ok()).expect("duration");
    assert!(duration >= 20_000, "{reply}");
    let (_, rest) = slowlog_entry(&reply, &mut at);
    assert!(rest.starts_with("*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$4\r\n0.02\r\n"), "{rest}");
}

#[test]
fn latency_answers_as_a_monitor_without_events() {
    let server = TestServer::start_with(&["--appendonly", "no"]);
    let mut c = server.raw();
    let disabled = "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n";
    assert_eq!(c.cmd(&["LATENCY", "DOCTOR"]), format!("${}\r\n{disabled}\r\n", disabled.len()));
    assert_eq!(c.cmd(&["CONFIG", "SET", "latency-monitor-threshold", "100"]), OK);
    let quiet = "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n";
    assert_eq!(c.cmd(&["LATENCY", "DOCTOR"]), format!("${}\r\n{quiet}\r\n", quiet.len()));
    assert_eq!(c.cmd(&["LATENCY", "LATEST"]), "*0\r\n");
    assert_eq!(c.cmd(&["LATENCY", "HISTORY", "command"]), "*0\r\n");
    assert_eq!(c.cmd(&["LATENCY", "RESET"]), ":0\r\n");
    assert_eq!(c.cmd(&["LATENCY", "RESET", "command", "fork"]), ":0\r\n");
    assert_eq!(
        c.cmd(&["LATENCY", "GRAPH", "command"]),
        err("ERR No samples available for event 'command'")
    );
    assert_eq!(
        c.cmd(&["LATENCY", "HISTORY"]),
        err("ERR wrong number of arguments for 'latency|history' command")
    );
    assert_eq!(c.cmd(&["LATENCY", "FOO"]), err("ERR unknown subcommand 'FOO'. Try LATENCY HELP."));
    let mut c3 = c.resp3();
    assert_eq!(c3.cmd(&["LATENCY", "DOCTOR"]), format!("={}\r\ntxt:{quiet}\r\n", quiet.len() + 4));
}

/// One `p<percentile>=<µs with 3 decimals>` value, as Redis prints it: an HdrHistogram
/// bucket's upper bound over 1000, so the microseconds have 3 decimals.
fn percentile_value(line: &str, name: &str) -> f64 {
    let value = line
        .split(',')
        .find_map(|part| part.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("{name} in {line}"));
    let (_, decimals) = value.split_once('.').unwrap_or_else(|| panic!("{value}"));
    assert_eq!(decimals.len(), 3, "{line}");
    value.parse().unwrap()
}

/// INFO latencystats and LATENCY HISTOGRAM: each command's latency histogram, in Redis's
/// shapes (checked side by side with redis-server), following latency-tracking,
/// latency-tracking-info-percentiles and CONFIG RESETSTAT.
#[test]
fn latency_histograms_per_command() {
    let server = TestServer::start_with(&["--appendonly", "no"]);
    let mut c = server.raw();
    assert_eq!(c.cmd(&["CONFIG", "RESETSTAT"]), OK);
    for _ in 0..3 {
        assert_eq!(c.cmd(&["PING"]), "+PONG\r\n");
    }
    assert_eq!(c.cmd(&["SET", "k", "v"]), OK);
    let stats = info(&mut c, &["latencystats"]);
    assert_eq!(titles(&stats), ["# Latencystats"]);
    let ping = field(&stats, "latency_percentiles_usec_ping").unwrap();
    assert!(ping.starts_with("p50=") && ping.contains(",p99=") && ping.contains(",p99.9="));
    let (p50, p99, p999) = (
        percentile_value(&ping, "p50"),
        percentile_value(&ping, "p99"),
        percentile_value(&ping, "p99.9"),
    );
    assert!(0.0 < p50 && p50 <= p99 && p99 <= p999, "{ping}");
    assert!(field(&stats, "latency_percentiles_usec_set").is_some(), "{stats}");
    assert!(field(&stats, "latency_percentiles_usec_get").is_none(), "{stats}");

    // LATENCY HISTOGRAM: calls, then running counts at power-of-two buckets.
    let reply = c.cmd(&["LATENCY", "HISTOGRAM", "ping", "nosuch"]);
    let lines: Vec<&str> = reply.split("\r\n").collect();
    assert_eq!(lines[..8], ["*2", "$4", "ping", "*4", "$5", "calls", ":3", "$14"], "{reply}");
    assert_eq!(lines[8], "histogram_usec");
    let flat: usize = lines[9][1..].parse().unwrap();
    let numbers: Vec<u64> = lines[10..10 + flat].iter().map(|l| l[1..].parse().unwrap()).collect();
    assert!(numbers.chunks(2).all(|p| p[0] >= 1) && numbers.last() == Some(&3), "{reply}");
    assert_eq!(c.cmd(&["LATENCY", "HISTOGRAM", "get"]), "*0\r\n");
    // A container names its subcommands' histograms.
    assert_eq!(c.cmd(&["CONFIG", "SET", "latency-tracking-info-percentiles", "50"]), OK);
    let config = c.cmd(&["LATENCY", "HISTOGRAM", "config"]);
    assert!(config.starts_with("*4\r\n") && config.contains("$16\r\nconfig|resetstat\r\n"));
    assert!(config.contains("$10\r\nconfig|set\r\n*4\r\n$5\r\ncalls\r\n:1\r\n"), "{config}");
    let mut c3 = server.raw().resp3();
    let map = c3.cmd(&["LATENCY", "HISTOGRAM", "set"]);
    assert!(
        map.starts_with(
            "%1\r\n$3\r\nset\r\n%2\r\n$5\r\ncalls\r\n:1\r\n$14\r\nhistogram_usec\r\n%1\r\n:"
        ),
        "{map}"
    );
    let ping = field(&info(&mut c, &["latencystats"]), "latency_percentiles_usec_ping").unwrap();
    assert!(ping.starts_with("p50=") && !ping.contains(','), "{ping}");

    // Tracking off: nothing more is recorded; RESETSTAT forgets what was.
    assert_eq!(c.cmd(&["CONFIG", "SET", "latency-tracking", "no"]), OK);
    assert_eq!(c.cmd(&["GET", "k"]), "$1\r\nv\r\n");
    assert_eq!(c.cmd(&["LATENCY", "HISTOGRAM", "get"]), "*0\r\n");
    assert_eq!(c.cmd(&["CONFIG", "RESETSTAT"]), OK);
    assert_eq!(c.cmd(&["LATENCY", "HISTOGRAM"]), "*0\r\n");
    assert_eq!(info(&mut c, &["latencystats"]), "# Latencystats\r\n");
    assert_eq!(c.cmd(&["CONFIG", "SET", "latency-tracking", "yes"]), OK);
    assert!(c.cmd(&["LATENCY", "HISTOGRAM", "ping"]).starts_with("*0"));
    assert_eq!(c.cmd(&["PING"]), "+PONG\r\n");
    assert!(c
        .cmd(&["LATENCY", "HISTOGRAM", "ping"])
        .starts_with("*2\r\n$4\r\nping\r\n*4\r\n$5\r\ncalls\r\n:1\r\n"));
    // INFO modules is the module list's section, as in Redis.
    assert_eq!(c.cmd(&["INFO", "modules"]), "$11\r\n# Modules\r\n\r\n");
}

/// Redis Cluster's commands, side by side with redis-server (started without
/// `cluster-enabled`): every CLUSTER subcommand, READONLY, READWRITE and ASKING reply the
/// error cluster-aware clients look for to fall back to one node, after the usual arity and
/// subcommand checks; inside MULTI they queue and fail at EXEC.
#[test]
fn cluster_commands_answer_as_a_standalone_redis() {
    const DISABLED: &str = "-ERR This instance has cluster support disabled\r\n";
    // Each subcommand with arguments its arity accepts, then with one too many or too few.
    let calls: &[(&[&str], Option<&[&str]>)] = &[
        (&["ADDSLOTS", "1"], Some(&["ADDSLOTS"])),
        (&["ADDSLOTSRANGE", "1", "2"], Some(&["ADDSLOTSRANGE", "1"])),
        (&["BUMPEPOCH"], Some(&["BUMPEPOCH", "x"])),
        (&["COUNT-FAILURE-REPORTS", "id"], Some(&["COUNT-FAILURE-REPORTS"])),
        (&["COUNTKEYSINSLOT", "1"], Some(&["COUNTKEYSINSLOT"])),
        (&["DELSLOTS", "1", "2"], Some(&["DELSLOTS"])),
        (&["DELSLOTSRANGE", "1", "2", "3", "4"], Some(&["DELSLOTSRANGE", "1"])),
        (&["FAILOVER", "FORCE"], None),
        (&["FLUSHSLOTS"], Some(&["FLUSHSLOTS", "x"])),
        (&["FORGET", "id"], Some(&["FORGET"])),
        (&["GETKEYSINSLOT", "1", "10"], Some(&["GETKEYSINSLOT", "1"])),
        (&["HELP"], Some(&["HELP", "x"])),
        (&["INFO"], Some(&["INFO", "x"])),
        (&["KEYSLOT", "k"], Some(&["KEYSLOT"])),
        (&["LINKS"], Some(&["LINKS", "x"])),
        (&["MEET", "127.0.0.1", "7000"], Some(&["MEET", "127.0.0.1"])),
        (&["MYID"], Some(&["MYID", "x"])),
        (&["NODES"], Some(&["NODES", "x"])),
        (&["REPLICAS", "id"], Some(&["REPLICAS"])),
        (&["REPLICATE", "id"], Some(&["REPLICATE"])),
        (&["RESET", "HARD"], None),
        (&["SAVECONFIG"], Some(&["SAVECONFIG", "x"])),
        (&["SET-CONFIG-EPOCH", "1"], Some(&["SET-CONFIG-EPOCH"])),
        (&["SETSLOT", "1", "STABLE"], Some(&["SETSLOT", "1"])),
        (&["SHARDS"], Some(&["SHARDS", "x"])),
        (&["SLAVES", "id"], Some(&["SLAVES"])),
        (&["slots"], Some(&["slots", "x"])),
    ];
    for kind in Kind::BOTH {
        let server = Server::start(kind);
        let mut c = RawClient::connect(server.port);
        let name = kind.name();
        for (args, wrong) in calls {
            let mut command = vec!["CLUSTER"];
            command.extend_from_slice(args);
            assert_eq!(c.cmd(&command), DISABLED, "{name}: {command:?}");
            if let Some(wrong) = wrong {
                let mut command = vec!["CLUSTER"];
                command.extend_from_slice(wrong);
                let full = format!("cluster|{}", wrong[0].to_ascii_lowercase());
                let arity = format!("ERR wrong number of arguments for '{full}' command");
                assert_eq!(c.cmd(&command), err(&arity), "{name}: {command:?}");
            }
        }
        assert_eq!(
            c.cmd(&["CLUSTER"]),
            err("ERR wrong number of arguments for 'cluster' command"),
            "{name}"
        );
        assert_eq!(
            c.cmd(&["CLUSTER", "nosuch"]),
            err("ERR unknown subcommand 'nosuch'. Try CLUSTER HELP."),
            "{name}"
        );
        for command in ["READONLY", "READWRITE", "ASKING"] {
            assert_eq!(c.cmd(&[command]), DISABLED, "{name}: {command}");
            let arity = format!(
                "ERR wrong number of arguments for '{}' command",
                command.to_ascii_lowercase()
            );
            assert_eq!(c.cmd(&[command, "x"]), err(&arity), "{name}: {command} x");
        }
        assert_eq!(c.resp3().cmd(&["CLUSTER", "SLOTS"]), DISABLED, "{name}");
        let mut c = RawClient::connect(server.port);
        assert_eq!(c.cmd(&["MULTI"]), OK);
        assert_eq!(c.cmd(&["CLUSTER", "INFO"]), "+QUEUED\r\n");
        assert_eq!(c.cmd(&["READONLY"]), "+QUEUED\r\n");
        assert_eq!(c.cmd(&["EXEC"]), format!("*2\r\n{DISABLED}{DISABLED}"), "{name}");
        // Standalone, as INFO says too.
        let info = c.cmd(&["INFO", "cluster"]);
        assert!(info.contains("cluster_enabled:0\r\n"), "{name}: {info}");
        // The command table describes them as Redis does (bytes read from redis-server).
        assert_eq!(
            c.cmd(&["COMMAND", "INFO", "readonly", "cluster|info", "cluster|addslots"]),
            "*3\r\n*10\r\n$8\r\nreadonly\r\n:1\r\n*3\r\n+loading\r\n+stale\r\n+fast\r\n\
             :0\r\n:0\r\n:0\r\n*2\r\n+@fast\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n\
             *10\r\n$12\r\ncluster|info\r\n:2\r\n*1\r\n+stale\r\n:0\r\n:0\r\n:0\r\n\
             *1\r\n+@slow\r\n*1\r\n$23\r\nnondeterministic_output\r\n*0\r\n*0\r\n\
             *10\r\n$16\r\ncluster|addslots\r\n:-3\r\n*3\r\n+admin\r\n+stale\r\n\
             +no_async_loading\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@slow\r\n\
             +@dangerous\r\n*0\r\n*0\r\n*0\r\n",
            "{name}"
        );
        let docs = c.cmd(&["COMMAND", "DOCS", "asking"]);
        assert!(docs.contains("$5\r\ngroup\r\n$7\r\ncluster\r\n"), "{name}: {docs}");
    }
    // Redis 7.2's summary (7.0's reads "Sent by cluster clients after an -ASK redirect"), and
    // its CLUSTER MYSHARDID, which redis-server 7.0 does not know.
    let server = Server::start(Kind::AllyDb);
    let mut c = RawClient::connect(server.port);
    let docs = c.cmd(&["COMMAND", "DOCS", "asking"]);
    assert!(docs.contains("Signals that a cluster client is following an -ASK redirect."));
    assert_eq!(c.cmd(&["CLUSTER", "MYSHARDID"]), DISABLED);
}

/// Settings Redis changes at runtime but AllyDB fixes at start (port, bind, appendonly, and
/// AllyDB's own): set to the value they have, CONFIG SET accepts them and changes nothing,
/// as tools that write back CONFIG GET's values (and Redis's "CONFIG sanity" test) expect;
/// another value is refused. Redis's immutable settings are refused whatever the value.
#[test]
fn config_set_of_a_fixed_setting_to_its_value_changes_nothing() {
    let server = TestServer::start();
    let mut c = server.raw();
    let port = server.port.to_string();
    let immutable = |name: &str| config_set_failed(name, "can't set immutable config");
    assert_eq!(c.cmd(&["CONFIG", "SET", "port", &port, "bind", " 127.0.0.1 "]), OK);
    let threads = c.cmd(&["CONFIG", "GET", "threads"]);
    let threads = threads.trim_end().rsplit("\r\n").next().unwrap().to_string();
    let other_threads = (threads.parse::<u32>().unwrap() + 1).to_string();
    assert_eq!(c.cmd(&["CONFIG", "SET", "appendonly", "YES", "threads", &threads, "hz", "11"]), OK);
    assert_eq!(c.cmd(&["CONFIG", "GET", "hz"]), "*2\r\n$2\r\nhz\r\n$2\r\n11\r\n");
    assert_eq!(c.cmd(&["CONFIG", "SET", "port", "1"]), immutable("port"));
    assert_eq!(c.cmd(&["CONFIG", "SET", "appendonly", "no"]), immutable("appendonly"));
    // All or nothing: a changed fixed setting refuses the whole call.
    let call = ["CONFIG", "SET", "hz", "12", "threads", &other_threads];
    assert_eq!(c.cmd(&call), immutable("threads"));
    assert_eq!(c.cmd(&["CONFIG", "GET", "hz"]), "*2\r\n$2\r\nhz\r\n$2\r\n11\r\n");
    assert_eq!(c.cmd(&["CONFIG", "SET", "databases", "16"]), immutable("databases"));
    // Only the same value: not a padded integer, and one parameter named once.
    assert_eq!(c.cmd(&["CONFIG", "SET", "port", &format!(" {port} ")]), immutable("port"));
    let duplicate = config_set_failed("port", "duplicate parameter");
    assert_eq!(c.cmd(&["CONFIG", "SET", "port", &port, "port", &port]), duplicate);
}

/// BGREWRITEAOF and BGSAVE inside EXEC reply `scheduled`, side by side with redis-server
/// (which forks only after EXEC); outside, `started`.
#[test]
fn background_saves_inside_exec_are_scheduled() {
    for kind in Kind::BOTH {
        let server = Server::start(kind);
        let mut c = RawClient::connect(server.port);
        assert_eq!(c.cmd(&["MULTI"]), OK);
        assert_eq!(c.cmd(&["BGREWRITEAOF"]), "+QUEUED\r\n");
        assert_eq!(c.cmd(&["BGSAVE"]), "+QUEUED\r\n");
        assert_eq!(
            c.cmd(&["EXEC"]),
            "*2\r\n+Background append only file rewriting scheduled\r\n\
             +Background saving scheduled\r\n",
            "{}",
            kind.name()
        );
    }
}

/// A blocked command ended by CLIENT UNBLOCK ... ERROR counts as a failed call of that command
/// (and its error in errorstats), side by side with redis-server.
#[test]
fn an_unblocked_with_error_command_counts_as_failed() {
    for kind in Kind::BOTH {
        let server = Server::start(kind);
        let mut c = RawClient::connect(server.port);
        let mut blocked = RawClient::connect(server.port);
        assert_eq!(c.cmd(&["CONFIG", "RESETSTAT"]), OK);
        let id = blocked.cmd(&["CLIENT", "ID"]);
        let id = id.trim_start_matches(':').trim_end().to_string();
        blocked.send_command(&[b"BLPOP", b"list1", b"0"]);
        wait_blocked(&mut c, 1);
        assert_eq!(c.cmd(&["CLIENT", "UNBLOCK", &id, "ERROR"]), ":1\r\n");
        assert_eq!(blocked.read_reply(), "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
        let stats = payload(&c.cmd(&["INFO", "commandstats"]));
        let blpop = stats.split("\r\n").find(|l| l.starts_with("cmdstat_blpop:")).unwrap();
        assert!(blpop.ends_with(",rejected_calls=0,failed_calls=1"), "{}: {blpop}", kind.name());
        let errors = payload(&c.cmd(&["INFO", "errorstats"]));
        assert!(errors.contains("errorstat_UNBLOCKED:count=1\r\n"), "{}: {errors}", kind.name());
    }
}
