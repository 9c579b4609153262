//! `maxmemory`: the OOM refusal under noeviction (and inside MULTI), each eviction policy
//! keeping memory near the limit and choosing the keys it may, eviction's side effects (the
//! journal, `evicted` notifications, WATCH, INFO) and OBJECT FREQ. Limits are set relative to
//! the `used_memory` measured at start, which includes the runtime's own allocations.
mod common;

use common::{bulk, err, info_field, info_number, int, RawClient, TestServer, NIL, OK};

const OOM: &str = "OOM command not allowed when used memory > 'maxmemory'.";

fn used_memory(c: &mut RawClient) -> u64 {
    info_number(c, "memory", "used_memory")
}

fn evicted_keys(c: &mut RawClient) -> u64 {
    info_number(c, "stats", "evicted_keys")
}

fn set_config(c: &mut RawClient, name: &str, value: &str) {
    assert_eq!(c.cmd(&["CONFIG", "SET", name, value]), OK, "{name} {value}");
}

/// A server without a journal (unless `journal`), with `policy` selected.
fn start(policy: &str, journal: bool) -> (TestServer, RawClient) {
    let appendonly = if journal { "yes" } else { "no" };
    let server = TestServer::start_with(&["--appendonly", appendonly]);
    let mut c = server.raw();
    set_config(&mut c, "maxmemory-policy", policy);
    (server, c)
}

/// How many of `keys` exist (one EXISTS).
fn existing(c: &mut RawClient, keys: &[String]) -> i64 {
    let mut args = vec!["EXISTS"];
    args.extend(keys.iter().map(String::as_str));
    let reply = c.cmd(&args);
    reply.trim_start_matches(':').trim_end().parse().unwrap_or_else(|_| panic!("{reply}"))
}

fn dbsize(c: &mut RawClient) -> u64 {
    let reply = c.cmd(&["DBSIZE"]);
    reply.trim_start_matches(':').trim_end().parse().unwrap_or_else(|_| panic!("{reply}"))
}

/// Writes `count` keys `<prefix><i>` of `size` bytes (with EX `ttl_s` unless 0); every write
/// must succeed.
fn fill(c: &mut RawClient, prefix: &str, count: usize, size: usize, ttl_s: u64) {
    let value = "x".repeat(size);
    for i in 0..count {
        let key = format!("{prefix}{i}");
        let reply = if ttl_s == 0 {
            c.cmd(&["SET", &key, &value])
        } else {
            c.cmd(&["SET", &key, &value, "EX", &ttl_s.to_string()])
        };
        assert_eq!(reply, OK, "SET {key}");
    }
}

/// Writes keys until one is refused; returns the refusal.
fn fill_until_refused(c: &mut RawClient, prefix: &str, size: usize) -> String {
    let value = "x".repeat(size);
    for i in 0..10_000 {
        let reply = c.cmd(&["SET", &format!("{prefix}{i}"), &value]);
        if reply != OK {
            return reply;
        }
    }
    panic!("10000 writes of {size} bytes were all accepted");
}

#[test]
fn noeviction_refuses_denyoom_commands_while_reads_and_deletes_work() {
    let (_server, mut c) = start("noeviction", false);
    assert_eq!(c.cmd(&["SET", "keep", "v"]), OK);
    let limit = used_memory(&mut c) + 1024 * 1024;
    set_config(&mut c, "maxmemory", &limit.to_string());
    assert_eq!(fill_until_refused(&mut c, "k", 10_000), err(OOM));
    assert_eq!(c.cmd(&["RPUSH", "list", "a"]), err(OOM));
    assert_eq!(c.cmd(&["GET", "keep"]), bulk("v"));
    assert_eq!(c.cmd(&["EXISTS", "k0"]), int(1));
    // Inside MULTI everything but EXEC, DISCARD, QUIT and RESET is refused, and the
    // transaction fails.
    assert_eq!(c.cmd(&["MULTI"]), OK);
    assert_eq!(c.cmd(&["GET", "keep"]), err(OOM));
    assert_eq!(
        c.cmd(&["EXEC"]),
        err("EXECABORT Transaction discarded because of previous errors.")
    );
    assert_eq!(evicted_keys(&mut c), 0);
    assert_eq!(info_field(&mut c, "memory", "maxmemory"), limit.to_string());
    assert_eq!(info_field(&mut c, "memory", "maxmemory_policy"), "noeviction");
    // Deleting brings memory back under the limit, and writes are accepted again.
    let mut deleted = 0;
    for i in 0..10_000 {
        assert!(c.cmd(&["DEL", &format!("k{i}")]).starts_with(':'));
        deleted += 1;
        if deleted > 20 && c.cmd(&["SET", "again", "1"]) == OK {
            return;
        }
    }
    panic!("writes stayed refused after deleting every key");
}

#[test]
fn exec_of_a_denyoom_transaction_is_refused_over_the_limit() {
    let (server, mut c) = start("noeviction", false);
    let mut other = server.raw();
    assert_eq!(c.cmd(&["MULTI"]), OK);
    assert_eq!(c.cmd(&["SET", "a", "1"]), "+QUEUED\r\n");
    set_config(&mut other, "maxmemory", "1");
    assert_eq!(
        c.cmd(&["EXEC"]),
        err(&format!("EXECABORT Transaction discarded because of: {OOM}"))
    );
    // A transaction of reads still runs.
    assert_eq!(c.cmd(&["MULTI"]), OK);
    set_config(&mut other, "maxmemory", "0");
    assert_eq!(c.cmd(&["GET", "a"]), "+QUEUED\r\n");
    set_config(&mut other, "maxmemory", "1");
    assert_eq!(c.cmd(&["EXEC"]), format!("*1\r\n{NIL}"));
}

#[test]
fn allkeys_policies_keep_memory_near_the_limit() {
    for policy in ["allkeys-random", "allkeys-lru", "allkeys-lfu"] {
        let (_server, mut c) = start(policy, false);
        let base = used_memory(&mut c);
        let limit = base + 2 * 1024 * 1024;
        set_config(&mut c, "maxmemory", &limit.to_string());
        // About 8 MiB of values: four times the room.
        fill(&mut c, "k", 4000, 2000, 0);
        let keys = dbsize(&mut c);
        assert!(keys < 4000, "{policy}: {keys} keys");
        assert!(keys > 100, "{policy}: evicted far too much ({keys} keys left)");
        assert!(evicted_keys(&mut c) >= 4000 - keys, "{policy}");
        let used = used_memory(&mut c);
        assert!(used <= limit + 256 * 1024, "{policy}: used {used} over the limit {limit}");
        assert!(used > base + 1024 * 1024, "{policy}: used {used}, limit {limit}");
        assert_eq!(info_field(&mut c, "memory", "maxmemory_policy"), policy);
    }
}

#[test]
fn volatile_policies_evict_only_keys_with_a_ttl() {
    for policy in ["volatile-lru", "volatile-random", "volatile-ttl", "volatile-lfu"] {
        let (_server, mut c) = start(policy, false);
        fill(&mut c, "p", 100, 1000, 0);
        let limit = used_memory(&mut c) + 1024 * 1024;
        set_config(&mut c, "maxmemory", &limit.to_string());
        fill(&mut c, "v", 2000, 2000, 1000);
        assert!(evicted_keys(&mut c) > 0, "{policy}");
        let persistent: Vec<String> = (0..100).map(|i| format!("p{i}")).collect();
        assert_eq!(existing(&mut c, &persistent), 100, "{policy}");
        // Once no key with a TTL is left, writes are refused.
        assert_eq!(fill_until_refused(&mut c, "q", 2000), err(OOM), "{policy}");
        let volatile: Vec<String> = (0..2000).map(|i| format!("v{i}")).collect();
        assert_eq!(existing(&mut c, &volatile), 0, "{policy}");
        assert_eq!(existing(&mut c, &persistent), 100, "{policy}");
    }
}

#[test]
fn volatile_policies_refuse_when_no_key_has_a_ttl() {
    let (_server, mut c) = start("volatile-lru", false);
    fill(&mut c, "p", 100, 1000, 0);
    let limit = used_memory(&mut c) + 256 * 1024;
    set_config(&mut c, "maxmemory", &limit.to_string());
    assert_eq!(fill_until_refused(&mut c, "q", 2000), err(OOM));
    assert_eq!(evicted_keys(&mut c), 0);
}

#[test]
fn volatile_ttl_evicts_the_nearest_deadlines_first() {
    let (_server, mut c) = start("volatile-ttl", false);
    set_config(&mut c, "maxmemory-samples", "10");
    let value = "x".repeat(1000);
    for i in 0..500 {
        let near = (10_000 + i).to_string();
        let far = (1_000_000 + i).to_string();
        assert_eq!(c.cmd(&["SET", &format!("near{i}"), &value, "EX", &near]), OK);
        assert_eq!(c.cmd(&["SET", &format!("far{i}"), &value, "EX", &far]), OK);
    }
    // Room for about 700 of the 1000 keys: the limit evicts at once.
    let limit = used_memory(&mut c) - 300 * 1024;
    set_config(&mut c, "maxmemory", &limit.to_string());
    let near: Vec<String> = (0..500).map(|i| format!("near{i}")).collect();
    let far: Vec<String> = (0..500).map(|i| format!("far{i}")).collect();
    let near_evicted = 500 - existing(&mut c, &near);
    let far_evicted = 500 - existing(&mut c, &far);
    assert!(near_evicted > 100, "near {near_evicted}, far {far_evicted}");
    assert!(far_evicted * 10 < near_evicted, "near {near_evicted}, far {far_evicted}");
}

#[test]
fn config_set_maxmemory_below_use_evicts_at_once() {
    let (_server, mut c) = start("allkeys-random", false);
    let base = used_memory(&mut c);
    fill(&mut c, "k", 1000, 1000, 0);
    set_config(&mut c, "maxmemory", &(base + 300 * 1024).to_string());
    let keys = dbsize(&mut c);
    assert!(keys < 1000, "{keys}");
    // At least those; a command right at the limit may evict one more before INFO runs.
    let evicted = evicted_keys(&mut c);
    assert!(evicted >= 1000 - keys);
    assert_eq!(c.cmd(&["CONFIG", "RESETSTAT"]), OK);
    // RESETSTAT starts the count again. The server is at its limit, so a command's latency
    // histogram growing (a KiB at a time, made as its durations first reach a range; Redis
    // makes 24 KiB at a command's first call) may evict a key or two before INFO counts.
    let after = evicted_keys(&mut c);
    assert!(after <= 3 && after < evicted, "{after} after RESETSTAT, {evicted} before");
}

#[test]
fn an_evicted_key_stays_gone_after_a_restart() {
    let (mut server, mut c) = start("allkeys-random", true);
    let limit = used_memory(&mut c) + 1024 * 1024;
    set_config(&mut c, "maxmemory", &limit.to_string());
    // 3 MB a round over a 1 MiB margin: one round evicts, unless `used_memory` above was
    // sampled while the server briefly held a few MiB it gave back since (seen once in CI).
    let mut written = 0;
    for round in 0..5 {
        fill(&mut c, &format!("k{round}-"), 1500, 2000, 0);
        written += 1500;
        if evicted_keys(&mut c) > 0 {
            break;
        }
    }
    assert!(evicted_keys(&mut c) > 0, "nothing evicted after {written} keys");
    // No more evictions from here (a command or the background tick would evict again).
    set_config(&mut c, "maxmemory", "0");
    let keys = |c: &mut RawClient| {
        let mut reply = c.cmd(&["KEYS", "*"]).lines().map(str::to_string).collect::<Vec<_>>();
        reply.sort();
        reply
    };
    let before = keys(&mut c);
    assert!(before.len() < 2 * written, "nothing was evicted");
    server.restart();
    let mut c = server.raw();
    let after = keys(&mut c);
    assert!(
        after == before,
        "{} lines of KEYS before the restart, {} after",
        before.len(),
        after.len()
    );
}

#[test]
fn eviction_publishes_the_evicted_event() {
    let (server, mut c) = start("allkeys-random", false);
    set_config(&mut c, "notify-keyspace-events", "KEe");
    let mut listener = server.raw();
    let channel = "__keyevent@0__:evicted";
    let confirmed = listener.cmd(&["SUBSCRIBE", channel]);
    assert_eq!(confirmed, format!("*3\r\n{}{}{}", bulk("subscribe"), bulk(channel), int(1)));
    assert_eq!(c.cmd(&["SET", "victim", "1"]), OK);
    // Below anything the server needs: every key goes.
    set_config(&mut c, "maxmemory", "1");
    let message = format!("*3\r\n{}{}{}", bulk("message"), bulk(channel), bulk("victim"));
    assert_eq!(listener.read_reply(), message);
    assert_eq!(c.cmd(&["EXISTS", "victim"]), int(0));
    assert_eq!(c.cmd(&["SET", "other", "1"]), err(OOM));
    set_config(&mut c, "maxmemory", "0");
}

#[test]
fn eviction_invalidates_a_tracked_key() {
    let (server, mut c) = start("allkeys-random", false);
    let mut reader = server.raw().resp3();
    assert_eq!(reader.cmd(&["CLIENT", "TRACKING", "ON"]), OK);
    assert_eq!(c.cmd(&["SET", "cached", "1"]), OK);
    assert_eq!(reader.cmd(&["GET", "cached"]), bulk("1"));
    set_config(&mut c, "maxmemory", "1");
    let invalidate = ">2\r\n$10\r\ninvalidate\r\n*1\r\n$6\r\ncached\r\n";
    assert_eq!(reader.read_reply(), invalidate);
    set_config(&mut c, "maxmemory", "0");
}

#[test]
fn eviction_aborts_a_watching_transaction() {
    let (server, mut c) = start("allkeys-random", false);
    let mut other = server.raw();
    assert_eq!(c.cmd(&["SET", "w", "1"]), OK);
    assert_eq!(c.cmd(&["WATCH", "w"]), OK);
    set_config(&mut other, "maxmemory", "1");
    set_config(&mut other, "maxmemory", "0");
    assert_eq!(c.cmd(&["MULTI"]), OK);
    assert_eq!(c.cmd(&["SET", "w", "2"]), "+QUEUED\r\n");
    assert_eq!(c.cmd(&["EXEC"]), "*-1\r\n");
    assert_eq!(c.cmd(&["GET", "w"]), NIL);
}

#[test]
fn object_freq_follows_the_lfu_counter() {
    let (_server, mut c) = start("allkeys-lfu", false);
    assert_eq!(c.cmd(&["SET", "f", "bar"]), OK);
    // A new key starts at LFU_INIT_VAL; its first access always counts.
    assert_eq!(c.cmd(&["OBJECT", "FREQ", "f"]), int(5));
    assert_eq!(c.cmd(&["GET", "f"]), bulk("bar"));
    assert_eq!(c.cmd(&["OBJECT", "FREQ", "f"]), int(6));
    assert_eq!(c.cmd(&["OBJECT", "FREQ", "missing"]), NIL);
    assert_eq!(
        c.cmd(&["OBJECT", "IDLETIME", "f"]),
        err("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that \
             when switching between policies at runtime LRU and LFU data will take some time \
             to adjust.")
    );
    set_config(&mut c, "maxmemory-policy", "allkeys-lru");
    assert_eq!(
        c.cmd(&["OBJECT", "FREQ", "f"]),
        err("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please \
             note that when switching between policies at runtime LRU and LFU data will take \
             some time to adjust.")
    );
}

#[test]
fn allkeys_lfu_keeps_frequently_used_keys() {
    let (_server, mut c) = start("allkeys-lfu", false);
    set_config(&mut c, "maxmemory-samples", "10");
    fill(&mut c, "hot", 50, 1000, 0);
    for _ in 0..20 {
        for i in 0..50 {
            assert_eq!(c.cmd(&["GET", &format!("hot{i}")]).len(), 1009);
        }
    }
    let limit = used_memory(&mut c) + 1024 * 1024;
    set_config(&mut c, "maxmemory", &limit.to_string());
    fill(&mut c, "cold", 2000, 2000, 0);
    assert!(evicted_keys(&mut c) > 1000);
    let hot: Vec<String> = (0..50).map(|i| format!("hot{i}")).collect();
    assert!(existing(&mut c, &hot) >= 45);
}

#[test]
fn startup_flags_and_environment_set_the_limit() {
    let server = TestServer::start_with_env(
        &["--appendonly", "no", "--maxmemory", "10mb"],
        &[("ALLYDB_MAXMEMORY_POLICY", "volatile-ttl")],
    );
    let mut c = server.raw();
    assert_eq!(info_field(&mut c, "memory", "maxmemory"), "10485760");
    assert_eq!(info_field(&mut c, "memory", "maxmemory_human"), "10.00M");
    assert_eq!(info_field(&mut c, "memory", "maxmemory_policy"), "volatile-ttl");
    let reply = c.cmd(&["CONFIG", "GET", "maxmemory*"]);
    assert!(reply.contains(&format!("{}{}", bulk("maxmemory"), bulk("10485760"))), "{reply}");
    assert!(reply.contains(&format!("{}{}", bulk("maxmemory-policy"), bulk("volatile-ttl"))));
}

#[test]
fn used_memory_counts_allocations() {
    let (_server, mut c) = start("noeviction", false);
    let before = used_memory(&mut c);
    fill(&mut c, "k", 1000, 1000, 0);
    let after = used_memory(&mut c);
    // A thousand 1000-byte values: at least their bytes, well under what RSS would add.
    assert!(after >= before + 1000 * 1000, "{before} -> {after}");
    assert!(after < before + 4 * 1000 * 1000, "{before} -> {after}");
    let ratio: f64 = info_field(&mut c, "memory", "mem_fragmentation_ratio").parse().unwrap();
    let rss = info_number(&mut c, "memory", "used_memory_rss");
    let used = used_memory(&mut c);
    assert!((ratio - rss as f64 / used as f64).abs() < 0.05, "{ratio} {rss} {used}");
}

/// The journal's fixed buffers count as used memory (Redis leaves out only its AOF buffer,
/// about nothing when idle): a limit 256 KiB above the memory in use starts evicting after
/// about that much data, not 2 MiB later (as Redis's own maxmemory tests check).
#[test]
fn a_limit_just_above_the_memory_in_use_evicts_within_the_margin() {
    let (_server, mut c) = start("allkeys-random", true);
    let limit = used_memory(&mut c) + 256 * 1024;
    set_config(&mut c, "maxmemory", &limit.to_string());
    fill(&mut c, "k", 900, 1000, 0);
    assert!(evicted_keys(&mut c) > 0, "900 KB written over a 256 KiB margin, nothing evicted");
}
