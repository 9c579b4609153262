//! Live settings under Redis's names, for CONFIG GET/SET. Startup values come from `Config`;
//! settings read on hot paths are mirrored in atomics (`Hot`).
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, Ordering::Relaxed};

use parking_lot::RwLock;

use super::pubsub::OutputLimit;
use crate::config::{parse_memory, Config, PrimaryAddress};
use crate::config_file::{format_memory, quote, RewriteOption};
use crate::protocol::number::parse_i64;
use crate::store::encoding;

/// How a setting's value is checked and shown.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Bool,
    Integer {
        min: i64,
        max: i64,
    },
    Memory {
        min: u64,
        max: u64,
    },
    /// Redis's OCTAL_CONFIG (`unixsocketperm`): an octal number from 0, shown in octal.
    Octal {
        max: u64,
    },
    /// Redis's MEMORY_CONFIG | PERCENT_CONFIG: bytes (memory units), or `<n>%` of `maxmemory`
    /// up to 100%.
    MemoryOrPercent,
    Choice(&'static [&'static str]),
    Text,
    /// `save`: empty, or pairs of "seconds changes" integers.
    Save,
    /// `latency-tracking-info-percentiles`: empty, or percentiles from 0 to 100.
    Percentiles,
    /// `oom-score-adj-values`: three integers from -2000 to 2000.
    OomScoreAdjValues,
    /// `client-output-buffer-limit`: groups of `<class> <hard> <soft> <soft-seconds>`.
    BufferLimits,
    /// `notify-keyspace-events`: Redis's class letters, shown in its canonical order.
    NotifyFlags,
    /// `dir`: an existing directory.
    Directory,
    /// `dbfilename`: a file name without a directory part.
    FileName,
}

/// One setting: Redis's name, an optional alias, its kind, and whether CONFIG SET may change it.
#[derive(Debug)]
pub struct SettingDef {
    pub name: &'static str,
    pub alias: Option<&'static str>,
    pub kind: Kind,
    pub mutable: bool,
    /// Redis's PROTECTED_CONFIG: CONFIG SET may change it only as `enable-protected-configs`
    /// allows (`yes`, or `local` from a loopback client), because it chooses where files go.
    pub protected: bool,
    /// Redis's HIDDEN_CONFIG (its test knobs): CONFIG GET shows it only when asked for by its
    /// exact name, never for a pattern.
    pub hidden: bool,
}

const fn def(name: &'static str, kind: Kind, mutable: bool) -> SettingDef {
    SettingDef { name, alias: None, kind, mutable, protected: false, hidden: false }
}

/// A setting that Redis also knows under an older name (`slave-read-only`, `*-ziplist-*`).
const fn aliased(name: &'static str, alias: &'static str, kind: Kind, mutable: bool) -> SettingDef {
    SettingDef { name, alias: Some(alias), kind, mutable, protected: false, hidden: false }
}

/// A mutable setting CONFIG SET changes only where `enable-protected-configs` allows it.
const fn protected(name: &'static str, kind: Kind) -> SettingDef {
    SettingDef { name, alias: None, kind, mutable: true, protected: true, hidden: false }
}

/// A test knob Redis hides from CONFIG GET patterns (HIDDEN_CONFIG).
const fn hidden(name: &'static str, kind: Kind, mutable: bool) -> SettingDef {
    SettingDef { name, alias: None, kind, mutable, protected: false, hidden: true }
}

const MEMORY: Kind = Kind::Memory { min: 0, max: LONG_MAX as u64 };

const YES_NO: Kind = Kind::Bool;
const INT_MAX: i64 = i32::MAX as i64;
const UINT_MAX: i64 = u32::MAX as i64;
const LONG_MAX: i64 = i64::MAX;
const ANY_INT: Kind = Kind::Integer { min: 0, max: LONG_MAX };

/// Every setting CONFIG knows: AllyDB's own and the common Redis ones clients and tools read.
pub const DEFS: &[SettingDef] = &[
    def("port", Kind::Integer { min: 0, max: 65535 }, false),
    def("bind", Kind::Text, false),
    def("databases", Kind::Integer { min: 1, max: INT_MAX }, false),
    // Redis's unsigned int; a limit the open files cannot meet is warned about, not refused.
    def("maxclients", Kind::Integer { min: 1, max: UINT_MAX }, true),
    def("requirepass", Kind::Text, true),
    def("proto-max-bulk-len", Kind::Memory { min: 1024 * 1024, max: LONG_MAX as u64 }, true),
    def("client-query-buffer-limit", Kind::Memory { min: 1024 * 1024, max: LONG_MAX as u64 }, true),
    // Immutable, not merely protected: the journal is open and locked in this directory, so
    // not even `enable-protected-configs yes` could move it at run time.
    def("persistence-location", Kind::Text, false),
    def("persistence-interval", Kind::Integer { min: 1, max: 60_000 }, false),
    hidden("key-load-delay", Kind::Integer { min: 0, max: 1_000_000 }, false),
    def(
        "journal-zeros-ahead",
        Kind::Memory { min: 0, max: crate::journal::writer::ZEROS_AHEAD_BYTES_MAX },
        false,
    ),
    hidden("rdb-key-save-delay", Kind::Integer { min: i32::MIN as i64, max: INT_MAX }, true),
    def("loglevel", Kind::Choice(&["debug", "verbose", "notice", "warning", "nothing"]), true),
    def("logfile", Kind::Text, false),
    // Redis's two protected configs. `dir` is the working directory (CONFIG SET changes it);
    // AllyDB writes no RDB file, so `dbfilename` is only kept and shown.
    protected("dir", Kind::Directory),
    protected("dbfilename", Kind::FileName),
    def("appendonly", YES_NO, false),
    def("appendfilename", Kind::Text, false),
    def("appenddirname", Kind::Text, false),
    def("appendfsync", Kind::Choice(&["everysec", "always", "no"]), true),
    def("save", Kind::Save, true),
    def("timeout", Kind::Integer { min: 0, max: INT_MAX }, true),
    def("tcp-keepalive", Kind::Integer { min: 0, max: INT_MAX }, true),
    def("tcp-backlog", Kind::Integer { min: 0, max: INT_MAX }, false),
    def("protected-mode", YES_NO, true),
    def("hz", Kind::Integer { min: 0, max: INT_MAX }, true),
    def("maxmemory", Kind::Memory { min: 0, max: u64::MAX }, true),
    def(
        "maxmemory-policy",
        Kind::Choice(&[
            "volatile-lru",
            "volatile-lfu",
            "volatile-random",
            "volatile-ttl",
            "allkeys-lru",
            "allkeys-lfu",
            "allkeys-random",
            "noeviction",
        ]),
        true,
    ),
    def("maxmemory-samples", Kind::Integer { min: 1, max: INT_MAX }, true),
    def("notify-keyspace-events", Kind::NotifyFlags, true),
    def("slowlog-log-slower-than", Kind::Integer { min: -1, max: LONG_MAX }, true),
    def("slowlog-max-len", ANY_INT, true),
    def("latency-monitor-threshold", ANY_INT, true),
    // Redis 7's name; `lua-time-limit` is the older one.
    aliased("busy-reply-threshold", "lua-time-limit", ANY_INT, true),
    def("cluster-enabled", YES_NO, false),
    def("io-threads", Kind::Integer { min: 1, max: 128 }, false),
    def("threads", Kind::Integer { min: 1, max: 1024 }, false),
    def("daemonize", YES_NO, false),
    def("supervised", Kind::Choice(&["upstart", "systemd", "auto", "no"]), false),
    def("pidfile", Kind::Text, false),
    def("unixsocket", Kind::Text, false),
    def("enable-debug-command", Kind::Choice(&["no", "yes", "local"]), false),
    aliased(
        "list-max-listpack-size",
        "list-max-ziplist-size",
        Kind::Integer { min: i32::MIN as i64, max: INT_MAX },
        true,
    ),
    // Accepted and shown; AllyDB does not compress list nodes.
    def("list-compress-depth", Kind::Integer { min: 0, max: INT_MAX }, true),
    // The compact-encoding thresholds (store::encoding); the `*-value` ones of hashes and
    // sorted sets take memory units, as in Redis.
    aliased("hash-max-listpack-entries", "hash-max-ziplist-entries", ANY_INT, true),
    aliased("hash-max-listpack-value", "hash-max-ziplist-value", MEMORY, true),
    def("set-max-intset-entries", ANY_INT, true),
    def("set-max-listpack-entries", ANY_INT, true),
    def("set-max-listpack-value", ANY_INT, true),
    aliased("zset-max-listpack-entries", "zset-max-ziplist-entries", ANY_INT, true),
    aliased("zset-max-listpack-value", "zset-max-ziplist-value", MEMORY, true),
    def("lazyfree-lazy-eviction", YES_NO, true),
    def("lazyfree-lazy-expire", YES_NO, true),
    def("lazyfree-lazy-server-del", YES_NO, true),
    def("lazyfree-lazy-user-del", YES_NO, true),
    def("lazyfree-lazy-user-flush", YES_NO, true),
    aliased("replica-read-only", "slave-read-only", YES_NO, true),
    def("stop-writes-on-bgsave-error", YES_NO, true),
    def("auto-aof-rewrite-percentage", Kind::Integer { min: 0, max: INT_MAX }, true),
    def("auto-aof-rewrite-min-size", Kind::Memory { min: 0, max: LONG_MAX as u64 }, true),
    def("client-output-buffer-limit", Kind::BufferLimits, true),
    def("activerehashing", YES_NO, true),
    def("active-expire-effort", Kind::Integer { min: 1, max: 10 }, true),
    // Read by clients, monitors and tools; accepted and shown, with no effect on AllyDB.
    aliased("replica-serve-stale-data", "slave-serve-stale-data", YES_NO, true),
    aliased("replica-priority", "slave-priority", Kind::Integer { min: 0, max: INT_MAX }, true),
    aliased("replica-lazy-flush", "slave-lazy-flush", YES_NO, true),
    aliased(
        "min-replicas-to-write",
        "min-slaves-to-write",
        Kind::Integer { min: 0, max: INT_MAX },
        true,
    ),
    aliased(
        "min-replicas-max-lag",
        "min-slaves-max-lag",
        Kind::Integer { min: 0, max: INT_MAX },
        true,
    ),
    aliased("replicaof", "slaveof", Kind::Text, false),
    def("masterauth", Kind::Text, true),
    def("masteruser", Kind::Text, true),
    def("repl-backlog-size", Kind::Memory { min: 1, max: LONG_MAX as u64 }, true),
    def("repl-backlog-ttl", ANY_INT, true),
    def("repl-timeout", Kind::Integer { min: 1, max: INT_MAX }, true),
    def("repl-diskless-sync", YES_NO, true),
    def("rdbcompression", YES_NO, true),
    def("rdbchecksum", YES_NO, true),
    def("rdb-del-sync-files", YES_NO, true),
    def("no-appendfsync-on-rewrite", YES_NO, true),
    def("aof-use-rdb-preamble", YES_NO, true),
    def("aof-timestamp-enabled", YES_NO, true),
    def("aof-load-truncated", YES_NO, true),
    def("maxmemory-clients", Kind::MemoryOrPercent, true),
    def("maxmemory-eviction-tenacity", Kind::Integer { min: 0, max: 100 }, true),
    def("lfu-log-factor", Kind::Integer { min: 0, max: INT_MAX }, true),
    def("lfu-decay-time", Kind::Integer { min: 0, max: INT_MAX }, true),
    def("latency-tracking", YES_NO, true),
    def("latency-tracking-info-percentiles", Kind::Percentiles, true),
    def("stream-node-max-bytes", MEMORY, true),
    def("stream-node-max-entries", Kind::Integer { min: 0, max: i64::MAX }, true),
    def("hll-sparse-max-bytes", MEMORY, true),
    def("acllog-max-len", ANY_INT, true),
    def("aclfile", Kind::Text, false),
    def("tracking-table-max-keys", ANY_INT, true),
    def("cluster-config-file", Kind::Text, false),
    def("cluster-node-timeout", ANY_INT, true),
    def("io-threads-do-reads", YES_NO, false),
    def("dynamic-hz", YES_NO, true),
    def("activedefrag", YES_NO, true),
    def("jemalloc-bg-thread", YES_NO, true),
    def("enable-protected-configs", Kind::Choice(&["no", "yes", "local"]), false),
    def("enable-module-command", Kind::Choice(&["no", "yes", "local"]), false),
    def("syslog-enabled", YES_NO, false),
    def("always-show-logo", YES_NO, false),
    def("set-proc-title", YES_NO, false),
    def("unixsocketperm", Kind::Octal { max: 0o777 }, false),
    def("shutdown-timeout", Kind::Integer { min: 0, max: INT_MAX }, true),
    // In the stock redis.conf: accepted and shown (in a configuration file too), no effect.
    def("aof-rewrite-incremental-fsync", YES_NO, true),
    def("rdb-save-incremental-fsync", YES_NO, true),
    def("disable-thp", YES_NO, false),
    def("oom-score-adj", Kind::Choice(&["no", "yes", "relative", "absolute"]), true),
    def("oom-score-adj-values", Kind::OomScoreAdjValues, true),
    def("proc-title-template", Kind::Text, true),
    def("repl-disable-tcp-nodelay", YES_NO, true),
    def("repl-diskless-load", Kind::Choice(&["disabled", "on-empty-db", "swapdb"]), true),
    def("repl-diskless-sync-delay", Kind::Integer { min: 0, max: INT_MAX }, true),
    def("repl-diskless-sync-max-replicas", Kind::Integer { min: 0, max: INT_MAX }, true),
];

/// Settings read on hot paths, mirrored here on every change.
pub struct Hot {
    pub proto_max_bulk_len: AtomicU64,
    pub client_query_buffer_limit: AtomicU64,
    pub maxclients: AtomicU64,
    pub requirepass: RwLock<Option<Vec<u8>>>,
    /// `protected-mode`: without a password, only loopback clients are accepted.
    pub protected_mode: AtomicBool,
    /// `client-output-buffer-limit pubsub`: hard bytes, soft bytes, soft seconds.
    pub pubsub_output_limit: [AtomicU64; 3],
    /// `notify-keyspace-events` as class bits (`server::notify`); 0 publishes nothing.
    pub notify_keyspace_events: AtomicU32,
    /// `maxmemory`, `maxmemory-policy`, `maxmemory-samples`, `maxmemory-eviction-tenacity`.
    pub eviction: super::evict::Limits,
    /// `client-output-buffer-limit normal`: hard bytes, soft bytes, soft seconds.
    pub normal_output_limit: [AtomicU64; 3],
    /// `tracking-table-max-keys`; 0 means no bound.
    pub tracking_table_max_keys: AtomicU64,
    /// `timeout`: seconds a client may stay idle before it is closed; 0 means never.
    pub timeout_s: AtomicU64,
    /// `tcp-keepalive`: seconds of silence before the kernel probes a connection; 0 is off.
    /// Applied to connections accepted from then on, as in Redis.
    pub tcp_keepalive_s: AtomicU64,
    /// `slowlog-log-slower-than` (microseconds; negative logs nothing) and `slowlog-max-len`.
    pub slowlog_slower_than_us: AtomicI64,
    pub slowlog_max_len: AtomicU64,
}

impl Hot {
    /// The pub/sub class's output buffer limit.
    pub fn pubsub_limit(&self) -> OutputLimit {
        load_limit(&self.pubsub_output_limit)
    }

    /// The normal class's output buffer limit.
    pub fn normal_limit(&self) -> OutputLimit {
        load_limit(&self.normal_output_limit)
    }

    /// The limit of a client's class: `pubsub` while it is subscribed, `normal` otherwise.
    pub fn limit_of(&self, mailbox: &super::pubsub::Mailbox) -> OutputLimit {
        if mailbox.is_subscribed() {
            self.pubsub_limit()
        } else {
            self.normal_limit()
        }
    }
}

fn load_limit([hard, soft, seconds]: &[AtomicU64; 3]) -> OutputLimit {
    OutputLimit {
        hard_bytes: hard.load(Relaxed),
        soft_bytes: soft.load(Relaxed),
        soft_seconds: seconds.load(Relaxed),
    }
}

/// Settings mirrored in `Hot::eviction` (and the LFU parameters of `store::access`).
const EVICTION_SETTINGS: [&str; 6] = [
    "maxmemory",
    "maxmemory-policy",
    "maxmemory-samples",
    "maxmemory-eviction-tenacity",
    "lfu-log-factor",
    "lfu-decay-time",
];

/// Redis's default `client-output-buffer-limit`, as CONFIG GET shows it.
pub const OUTPUT_BUFFER_LIMITS_DEFAULT: &str =
    "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60";

/// Client classes of `client-output-buffer-limit`, in CONFIG GET's order and spelling.
const OUTPUT_BUFFER_CLASSES: [&str; 3] = ["normal", "slave", "pubsub"];

/// Parses `client-output-buffer-limit` groups (Redis's `<class> <hard> <soft> <seconds>`,
/// words separated by single spaces, memory units allowed). Returns (class index, limit) per
/// group, with Redis's reasons for a bad value.
pub fn parse_output_buffer_limits(value: &str) -> Result<Vec<(usize, OutputLimit)>, String> {
    if value.is_empty() {
        return Ok(Vec::new());
    }
    let words: Vec<&str> = value.split(' ').collect();
    if !words.len().is_multiple_of(4) {
        return Err("Wrong number of arguments in buffer limit configuration.".into());
    }
    let mut groups = Vec::new();
    for group in words.chunks_exact(4) {
        let &[class, hard, soft, seconds] = group else { continue };
        let class = match class.to_ascii_lowercase().as_str() {
            "normal" => 0,
            "slave" | "replica" => 1,
            "pubsub" => 2,
            _ => return Err("Invalid client class specified in buffer limit configuration.".into()),
        };
        let limit = (|| {
            Some(OutputLimit {
                hard_bytes: parse_memory(hard)?,
                soft_bytes: parse_memory(soft)?,
                soft_seconds: u64::try_from(parse_i64(seconds.as_bytes())?).ok()?,
            })
        })()
        .ok_or_else(|| {
            "Error in hard, soft or soft_seconds setting in buffer limit configuration.".to_string()
        })?;
        groups.push((class, limit));
    }
    Ok(groups)
}

/// `current` (a full value) with the classes `value` names replaced, as CONFIG GET shows it.
pub fn merge_output_buffer_limits(current: &str, value: &str) -> Result<String, String> {
    let mut limits = [OutputLimit::default(); 3];
    for (class, limit) in
        parse_output_buffer_limits(current)?.into_iter().chain(parse_output_buffer_limits(value)?)
    {
        if let Some(slot) = limits.get_mut(class) {
            *slot = limit;
        }
    }
    Ok(format_output_buffer_limits(&limits))
}

fn format_output_buffer_limits(limits: &[OutputLimit; 3]) -> String {
    let groups: Vec<String> = OUTPUT_BUFFER_CLASSES
        .iter()
        .zip(limits)
        .map(|(class, l)| format!("{class} {} {} {}", l.hard_bytes, l.soft_bytes, l.soft_seconds))
        .collect();
    groups.join(" ")
}

/// The live settings.
pub struct Settings {
    values: RwLock<HashMap<&'static str, String>>,
    pub hot: Hot,
    /// Changes the log filter at run time (CONFIG SET loglevel); set by the binary.
    log_filter: RwLock<Option<LogFilterHook>>,
}

/// Applies a tracing filter directive (`info`, `debug`, ...).
pub type LogFilterHook = Box<dyn Fn(&str) + Send + Sync>;

/// Redis's log level name for a tracing filter directive.
pub fn redis_log_level(directive: &str) -> &'static str {
    match directive.trim().to_ascii_lowercase().as_str() {
        "trace" => "debug",
        "debug" => "verbose",
        "warn" | "error" => "warning",
        "off" => "nothing",
        _ => "notice",
    }
}

/// The tracing filter directive for a Redis log level name.
pub fn tracing_directive(redis_level: &str) -> &'static str {
    match redis_level {
        "debug" => "trace",
        "verbose" => "debug",
        "warning" => "warn",
        "nothing" => "off",
        _ => "info",
    }
}

/// Why CONFIG SET refused a value (Redis's reason text).
pub type SetError = String;

/// Every setting's value for a configuration, by CONFIG name (no side effects).
fn initial_values(config: &Config) -> HashMap<&'static str, String> {
    let defaults: &[(&str, String)] = &[
        ("port", config.port.to_string()),
        ("bind", config.bind.to_string()),
        ("databases", config.databases.to_string()),
        ("maxclients", config.maxclients.to_string()),
        ("requirepass", config.requirepass.clone().unwrap_or_default()),
        ("proto-max-bulk-len", config.proto_max_bulk_len.to_string()),
        ("client-query-buffer-limit", config.client_query_buffer_limit.to_string()),
        ("persistence-location", config.persistence_location.display().to_string()),
        ("persistence-interval", config.persistence_interval.to_string()),
        ("key-load-delay", config.key_load_delay.to_string()),
        ("journal-zeros-ahead", config.journal_zeros_ahead.to_string()),
        ("rdb-key-save-delay", config.rdb_key_save_delay.to_string()),
        ("loglevel", redis_log_level(&config.log_level).into()),
        ("threads", config.worker_threads().to_string()),
        ("logfile", String::new()),
        ("dir", current_dir()),
        ("dbfilename", "dump.rdb".into()),
        ("appendonly", if config.appendonly { "yes" } else { "no" }.into()),
        ("appendfilename", "appendonly.aof".into()),
        ("appenddirname", "appendonlydir".into()),
        ("appendfsync", config.appendfsync.name().into()),
        ("save", String::new()),
        ("timeout", config.timeout.to_string()),
        ("tcp-keepalive", config.tcp_keepalive.to_string()),
        ("tcp-backlog", "511".into()),
        ("protected-mode", yes_no(config.protected_mode)),
        ("hz", "10".into()),
        ("maxmemory", config.maxmemory.to_string()),
        ("maxmemory-policy", config.maxmemory_policy.clone()),
        ("maxmemory-samples", "5".into()),
        ("notify-keyspace-events", config.notify_keyspace_events.clone()),
        ("slowlog-log-slower-than", crate::limits::SLOWLOG_SLOWER_THAN_US_DEFAULT.to_string()),
        ("slowlog-max-len", crate::limits::SLOWLOG_MAX_LEN_DEFAULT.to_string()),
        ("latency-monitor-threshold", "0".into()),
        ("busy-reply-threshold", "5000".into()),
        ("cluster-enabled", "no".into()),
        ("io-threads", "1".into()),
        ("daemonize", "no".into()),
        ("supervised", "no".into()),
        ("pidfile", String::new()),
        ("unixsocket", String::new()),
        ("enable-debug-command", config.enable_debug_command.clone()),
        ("list-max-listpack-size", config.list_max_listpack_size.to_string()),
        ("list-compress-depth", "0".into()),
        ("hash-max-listpack-entries", config.hash_max_listpack_entries.to_string()),
        ("hash-max-listpack-value", config.hash_max_listpack_value.to_string()),
        ("set-max-intset-entries", config.set_max_intset_entries.to_string()),
        ("set-max-listpack-entries", config.set_max_listpack_entries.to_string()),
        ("set-max-listpack-value", config.set_max_listpack_value.to_string()),
        ("zset-max-listpack-entries", config.zset_max_listpack_entries.to_string()),
        ("zset-max-listpack-value", config.zset_max_listpack_value.to_string()),
        ("lazyfree-lazy-eviction", "no".into()),
        ("lazyfree-lazy-expire", "no".into()),
        ("lazyfree-lazy-server-del", "no".into()),
        ("lazyfree-lazy-user-del", "no".into()),
        ("lazyfree-lazy-user-flush", "no".into()),
        ("replica-read-only", "yes".into()),
        ("stop-writes-on-bgsave-error", "yes".into()),
        ("auto-aof-rewrite-percentage", "100".into()),
        ("auto-aof-rewrite-min-size", "67108864".into()),
        (
            "client-output-buffer-limit",
            merge_output_buffer_limits(
                OUTPUT_BUFFER_LIMITS_DEFAULT,
                &config.client_output_buffer_limit,
            )
            .unwrap_or_else(|_| OUTPUT_BUFFER_LIMITS_DEFAULT.into()),
        ),
        ("activerehashing", "yes".into()),
        ("active-expire-effort", "1".into()),
        ("replica-serve-stale-data", "yes".into()),
        ("replica-priority", "100".into()),
        ("replica-lazy-flush", "no".into()),
        ("min-replicas-to-write", "0".into()),
        ("min-replicas-max-lag", "10".into()),
        ("replicaof", String::new()),
        ("masterauth", config.masterauth.clone().unwrap_or_default()),
        ("masteruser", config.masteruser.clone().unwrap_or_default()),
        ("repl-backlog-size", "1048576".into()),
        ("repl-backlog-ttl", "3600".into()),
        ("repl-timeout", "60".into()),
        ("repl-diskless-sync", "yes".into()),
        ("rdbcompression", "yes".into()),
        ("rdbchecksum", "yes".into()),
        ("rdb-del-sync-files", "no".into()),
        ("no-appendfsync-on-rewrite", "no".into()),
        ("aof-use-rdb-preamble", "yes".into()),
        ("aof-timestamp-enabled", "no".into()),
        ("aof-load-truncated", "yes".into()),
        ("maxmemory-clients", "0".into()),
        ("maxmemory-eviction-tenacity", "10".into()),
        ("lfu-log-factor", "10".into()),
        ("lfu-decay-time", "1".into()),
        ("latency-tracking", "yes".into()),
        ("latency-tracking-info-percentiles", "50 99 99.9".into()),
        ("stream-node-max-bytes", "4096".into()),
        ("stream-node-max-entries", "100".into()),
        ("hll-sparse-max-bytes", "3000".into()),
        ("acllog-max-len", "128".into()),
        ("aclfile", String::new()),
        ("tracking-table-max-keys", crate::limits::TRACKING_TABLE_KEYS_MAX_DEFAULT.to_string()),
        ("cluster-config-file", "nodes.conf".into()),
        ("cluster-node-timeout", "15000".into()),
        ("io-threads-do-reads", "no".into()),
        ("dynamic-hz", "yes".into()),
        ("activedefrag", "no".into()),
        ("jemalloc-bg-thread", "yes".into()),
        ("enable-protected-configs", config.enable_protected_configs.clone()),
        ("enable-module-command", "no".into()),
        ("syslog-enabled", "no".into()),
        ("always-show-logo", "no".into()),
        ("set-proc-title", "yes".into()),
        ("unixsocketperm", "0".into()),
        ("shutdown-timeout", "10".into()),
        ("aof-rewrite-incremental-fsync", "yes".into()),
        ("rdb-save-incremental-fsync", "yes".into()),
        ("disable-thp", "yes".into()),
        ("oom-score-adj", "no".into()),
        ("oom-score-adj-values", "0 200 800".into()),
        ("proc-title-template", "{title} {listen-addr} {server-mode}".into()),
        ("repl-disable-tcp-nodelay", "no".into()),
        ("repl-diskless-load", "disabled".into()),
        ("repl-diskless-sync-delay", "5".into()),
        ("repl-diskless-sync-max-replicas", "0".into()),
    ];
    DEFS.iter()
        .map(|def| {
            let value = defaults
                .iter()
                .find(|(name, _)| *name == def.name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            (def.name, value)
        })
        .collect()
}

impl Settings {
    pub fn new(config: &Config) -> Self {
        let values = initial_values(config);
        for (name, value) in &values {
            // The store reads the encoding thresholds from process-wide atomics: set them
            // before anything (journal replay first) builds a value.
            encoding::apply(name, value);
        }
        let eviction = super::evict::Limits::default();
        let class_limit = |index: usize| {
            values
                .get("client-output-buffer-limit")
                .and_then(|v| parse_output_buffer_limits(v).ok())
                .and_then(|groups| groups.into_iter().find(|(class, _)| *class == index))
                .map(|(_, limit)| limit)
                .unwrap_or_default()
        };
        let (normal_limit, pubsub_limit) = (class_limit(0), class_limit(2));
        for name in EVICTION_SETTINGS {
            if let Some(value) = values.get(name) {
                // Process-wide LFU parameters and the eviction mirrors: set before replay
                // builds entries (their access stamps depend on the policy).
                eviction.apply(name, value);
            }
        }
        let settings = Self {
            values: RwLock::new(values),
            hot: Hot {
                pubsub_output_limit: [
                    AtomicU64::new(pubsub_limit.hard_bytes),
                    AtomicU64::new(pubsub_limit.soft_bytes),
                    AtomicU64::new(pubsub_limit.soft_seconds),
                ],
                proto_max_bulk_len: AtomicU64::new(config.proto_max_bulk_len),
                client_query_buffer_limit: AtomicU64::new(config.client_query_buffer_limit),
                maxclients: AtomicU64::new(config.maxclients),
                notify_keyspace_events: AtomicU32::new(
                    super::notify::parse_flags(&config.notify_keyspace_events).unwrap_or(0),
                ),
                eviction,
                normal_output_limit: [
                    AtomicU64::new(normal_limit.hard_bytes),
                    AtomicU64::new(normal_limit.soft_bytes),
                    AtomicU64::new(normal_limit.soft_seconds),
                ],
                tracking_table_max_keys: AtomicU64::new(
                    crate::limits::TRACKING_TABLE_KEYS_MAX_DEFAULT,
                ),
                timeout_s: AtomicU64::new(config.timeout),
                tcp_keepalive_s: AtomicU64::new(config.tcp_keepalive),
                requirepass: RwLock::new(
                    config.requirepass.clone().filter(|p| !p.is_empty()).map(String::into_bytes),
                ),
                protected_mode: AtomicBool::new(config.protected_mode),
                slowlog_slower_than_us: AtomicI64::new(
                    crate::limits::SLOWLOG_SLOWER_THAN_US_DEFAULT,
                ),
                slowlog_max_len: AtomicU64::new(crate::limits::SLOWLOG_MAX_LEN_DEFAULT),
            },
            log_filter: RwLock::new(None),
        };
        // The configuration file's settings that are no flag, as CONFIG SET would apply them
        // (hot mirrors included); checked when the file was read.
        for (name, value) in &config.file_settings {
            if let Some(def) = Self::find(name) {
                settings.apply(def, value.clone());
            }
        }
        settings
    }

    /// Installs the hook CONFIG SET loglevel uses to change the log filter.
    pub fn set_log_filter_hook(&self, hook: LogFilterHook) {
        *self.log_filter.write() = Some(hook);
    }

    /// The definition for `name` or an alias (any case).
    pub fn find(name: &str) -> Option<&'static SettingDef> {
        let lower = name.to_ascii_lowercase();
        DEFS.iter().find(|d| d.name == lower || d.alias == Some(lower.as_str()))
    }

    /// The current value of a canonical setting.
    pub fn get(&self, name: &str) -> Option<String> {
        let def = Self::find(name)?;
        self.values.read().get(def.name).cloned().map(|value| shown(def, value))
    }

    /// Checks a value without applying it; returns the normalized text to store.
    pub fn validate(def: &SettingDef, value: &str) -> Result<String, SetError> {
        match def.kind {
            Kind::Bool => match value.to_ascii_lowercase().as_str() {
                "yes" => Ok("yes".into()),
                "no" => Ok("no".into()),
                _ => Err("argument must be 'yes' or 'no'".into()),
            },
            Kind::Integer { min, max } => {
                let n = parse_i64(value.as_bytes())
                    .ok_or_else(|| "argument couldn't be parsed into an integer".to_string())?;
                if n < min || n > max {
                    return Err(format!("argument must be between {min} and {max} inclusive"));
                }
                Ok(n.to_string())
            }
            Kind::Memory { min, max } => {
                let n = parse_memory(value)
                    .ok_or_else(|| "argument must be a memory value".to_string())?;
                if n < min || n > max {
                    return Err(format!("argument must be between {min} and {max} inclusive"));
                }
                Ok(n.to_string())
            }
            Kind::MemoryOrPercent => validate_memory_or_percent(value),
            Kind::Octal { max } => {
                let n = strtoll_octal(value)
                    .ok_or_else(|| "argument couldn't be parsed as an octal number".to_string())?;
                if !u64::try_from(n).is_ok_and(|n| n <= max) {
                    return Err(format!("argument must be between 0 and {max:o} inclusive"));
                }
                Ok(format!("{n:o}"))
            }
            Kind::Choice(choices) => {
                let lower = value.to_ascii_lowercase();
                if choices.contains(&lower.as_str()) {
                    Ok(lower)
                } else {
                    Err(format!("argument(s) must be one of the following: {}", choices.join(", ")))
                }
            }
            Kind::Text => Ok(value.to_string()),
            Kind::Directory => match std::fs::metadata(value) {
                Ok(meta) if meta.is_dir() => Ok(value.to_string()),
                // strerror's texts, as Redis's chdir failure shows them.
                Ok(_) => Err("Not a directory".into()),
                Err(error) if error.kind() == std::io::ErrorKind::PermissionDenied => {
                    Err("Permission denied".into())
                }
                Err(_) => Err("No such file or directory".into()),
            },
            Kind::FileName => {
                if value.contains(['/', '\\']) {
                    Err("dbfilename can't be a path, just a filename".into())
                } else {
                    Ok(value.to_string())
                }
            }
            // Kept as given: `A` hides `n` in the canonical form (`shown`), and the flags
            // must keep it.
            Kind::NotifyFlags => super::notify::parse_flags(value)
                .map(|_| value.to_string())
                .ok_or_else(|| super::notify::INVALID_CLASS.to_string()),
            // Checked here, merged over the current value in `apply`.
            Kind::BufferLimits => {
                let groups = parse_output_buffer_limits(value)?;
                let texts: Vec<String> = groups
                    .iter()
                    .map(|(class, l)| {
                        let class = OUTPUT_BUFFER_CLASSES.get(*class).copied().unwrap_or("normal");
                        format!("{class} {} {} {}", l.hard_bytes, l.soft_bytes, l.soft_seconds)
                    })
                    .collect();
                Ok(texts.join(" "))
            }
            Kind::Save => validate_save(value),
            Kind::Percentiles => validate_percentiles(value),
            Kind::OomScoreAdjValues => validate_oom_score_adj_values(value),
        }
    }

    /// Stores an already validated value and updates the hot mirrors.
    pub fn apply(&self, def: &'static SettingDef, mut value: String) {
        match def.name {
            "client-output-buffer-limit" => {
                let current = self.get(def.name).unwrap_or_default();
                value = merge_output_buffer_limits(&current, &value).unwrap_or(current);
                for (class, limit) in parse_output_buffer_limits(&value).unwrap_or_default() {
                    let mirror = match class {
                        0 => &self.hot.normal_output_limit,
                        2 => &self.hot.pubsub_output_limit,
                        _ => continue,
                    };
                    let [hard, soft, seconds] = mirror;
                    hard.store(limit.hard_bytes, Relaxed);
                    soft.store(limit.soft_bytes, Relaxed);
                    seconds.store(limit.soft_seconds, Relaxed);
                }
            }
            "proto-max-bulk-len" => {
                self.hot.proto_max_bulk_len.store(value.parse().unwrap_or(0), Relaxed)
            }
            "client-query-buffer-limit" => {
                self.hot.client_query_buffer_limit.store(value.parse().unwrap_or(0), Relaxed)
            }
            "maxclients" => {
                let maxclients = value.parse().unwrap_or(0);
                // A raised maxclients needs the file descriptors too (Redis's
                // updateMaxclients); when the hard limit forbids them, the warning says so.
                if maxclients > self.hot.maxclients.load(Relaxed) {
                    if let Some(warning) = super::sockets::raise_open_files_limit(maxclients) {
                        tracing::warn!("{warning}");
                    }
                }
                self.hot.maxclients.store(maxclients, Relaxed)
            }
            "timeout" => self.hot.timeout_s.store(value.parse().unwrap_or(0), Relaxed),
            "slowlog-log-slower-than" => {
                let us = value.parse().unwrap_or(crate::limits::SLOWLOG_SLOWER_THAN_US_DEFAULT);
                self.hot.slowlog_slower_than_us.store(us, Relaxed)
            }
            "slowlog-max-len" => {
                let len = value.parse().unwrap_or(crate::limits::SLOWLOG_MAX_LEN_DEFAULT);
                self.hot.slowlog_max_len.store(len, Relaxed)
            }
            "tcp-keepalive" => self.hot.tcp_keepalive_s.store(value.parse().unwrap_or(0), Relaxed),
            name if EVICTION_SETTINGS.contains(&name) => self.hot.eviction.apply(name, &value),
            "tracking-table-max-keys" => {
                self.hot.tracking_table_max_keys.store(value.parse().unwrap_or(0), Relaxed)
            }
            "notify-keyspace-events" => self
                .hot
                .notify_keyspace_events
                .store(super::notify::parse_flags(&value).unwrap_or(0), Relaxed),
            "requirepass" => {
                *self.hot.requirepass.write() =
                    (!value.is_empty()).then(|| value.clone().into_bytes())
            }
            "protected-mode" => self.hot.protected_mode.store(value == "yes", Relaxed),
            "latency-tracking" => super::histogram::set_tracking(value == "yes"),
            "dir" => {
                // Checked by `validate`; the directory may still vanish in between.
                if let Err(error) = std::env::set_current_dir(&value) {
                    tracing::warn!("CONFIG SET dir {value}: {error}; the directory stays");
                    return;
                }
                tracing::info!("working directory changed to {value} (CONFIG SET dir)");
                value = current_dir();
            }
            "loglevel" => {
                if let Some(hook) = self.log_filter.read().as_ref() {
                    hook(tracing_directive(&value));
                }
            }
            name => {
                // The encoding thresholds apply to conversions from now on; existing values
                // keep their encoding, as in Redis.
                encoding::apply(name, &value);
            }
        }
        self.values.write().insert(def.name, value);
    }

    /// (name, value) pairs whose name or alias matches the glob `pattern` (any case); hidden
    /// settings never match, as in Redis.
    pub fn matching(&self, pattern: &[u8]) -> Vec<(&'static str, String)> {
        let values = self.values.read();
        let mut out = Vec::new();
        for def in DEFS.iter().filter(|def| !def.hidden) {
            let value = shown(def, values.get(def.name).cloned().unwrap_or_default());
            if crate::store::glob::matches(pattern, def.name.as_bytes(), true) {
                out.push((def.name, value.clone()));
            }
            if let Some(alias) = def.alias {
                if crate::store::glob::matches(pattern, alias.as_bytes(), true) {
                    out.push((alias, value));
                }
            }
        }
        out
    }
}

/// CONFIG REWRITE's view of the settings (`config_file::rewrite` edits the file with it).
impl Settings {
    /// What CONFIG REWRITE writes for every setting, in `DEFS` order: its current value, forced
    /// (appended when the file lacks it) when that is not the default. `replicaof` is the
    /// primary this server replicates, none for a primary (its lines are then removed).
    pub fn rewrite_options(&self, primary: Option<PrimaryAddress>) -> Vec<RewriteOption> {
        let values = self.values.read();
        let defaults = match Config::defaults() {
            Some(mut default_config) => {
                if let Ok(absolute) = std::path::absolute(&default_config.persistence_location) {
                    // As `server::run` makes the configured one.
                    default_config.persistence_location = absolute;
                }
                initial_values(&default_config)
            }
            // Cannot happen (the flags' defaults are valid); then only the file's own lines
            // are rewritten, nothing appended.
            None => values.clone(),
        };
        DEFS.iter()
            .map(|def| {
                let value = shown(def, values.get(def.name).cloned().unwrap_or_default());
                let default = shown(def, defaults.get(def.name).cloned().unwrap_or_default());
                let lines = match def.name {
                    "replicaof" => primary
                        .iter()
                        .map(|p| (format!("replicaof {} {}", p.host, p.port), true))
                        .collect(),
                    "client-output-buffer-limit" => output_buffer_limit_lines(&value, &default),
                    "save" => save_lines(&value, value != default),
                    name => vec![(format!("{name} {}", rewritten(def, &value)), value != default)],
                };
                RewriteOption { name: def.name, lines }
            })
            .collect()
    }

    /// The CONFIG name a configuration file directive stands for: a CONFIG name or alias, or
    /// a flag's long name (`log-level` is `loglevel`). None for any other word.
    pub fn rewrite_name(directive: &str) -> Option<&'static str> {
        match directive {
            "log-level" => Some("loglevel"),
            name => Self::find(name).map(|def| def.name),
        }
    }
}

/// Most a percentage setting (`maxmemory-clients`) may be: Redis's lower bound of -100.
const PERCENT_MAX: i64 = 100;

/// `maxmemory-clients` as Redis's numericParseString and numericBoundaryCheck read a
/// MEMORY_CONFIG | PERCENT_CONFIG value: a memory value first, then `<n>%`. Redis keeps a
/// percentage as a negative number, so a memory value past i64::MAX reads as one too (its
/// two's complement), as in Redis. Shown as CONFIG GET shows it: bytes, or `<n>%`.
fn validate_memory_or_percent(value: &str) -> Result<String, SetError> {
    let signed = match parse_memory(value) {
        Some(bytes) => i64::from_ne_bytes(bytes.to_ne_bytes()),
        None => value
            .strip_suffix('%')
            .filter(|digits| !digits.is_empty())
            .and_then(|digits| parse_i64(digits.as_bytes()))
            .filter(|percent| *percent >= 0)
            .map(|percent| -percent)
            .ok_or_else(|| "argument must be a memory or percent value".to_string())?,
    };
    if signed >= 0 {
        return Ok(signed.to_string());
    }
    if signed < -PERCENT_MAX {
        return Err(format!("percentage argument must be less or equal to {PERCENT_MAX}"));
    }
    Ok(format!("{}%", signed.unsigned_abs()))
}

/// The words of a multi-word setting as Redis's CONFIG SET splits its value (`sdssplitlen`
/// at every single space): none for an empty value, and an empty word between two spaces.
fn words_of(value: &str) -> Vec<&str> {
    if value.is_empty() {
        Vec::new()
    } else {
        value.split(' ').collect()
    }
}

/// A word read as Redis reads `save` and `oom-score-adj-values` words, with C's
/// `strtoll(word, &end, 10)` and a check that `end` reached the end: leading blanks and a sign
/// allowed, leading zeros too, saturating at the i64 bounds. A word without digits is refused,
/// except the empty word, which strtoll reads as 0 without moving `end` past anything.
fn strtoll_word(word: &str) -> Option<i64> {
    if word.is_empty() {
        return Some(0);
    }
    let (negative, digits) = strtoll_sign(word);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let limit = if negative { i128::from(i64::MIN).unsigned_abs() } else { i64::MAX as u128 };
    let mut magnitude: u128 = 0;
    for digit in digits.bytes() {
        magnitude = (magnitude * 10 + u128::from(digit - b'0')).min(limit);
    }
    let signed = i128::try_from(magnitude).unwrap_or(i128::MAX);
    i64::try_from(if negative { -signed } else { signed }).ok()
}

/// What C's strtoll reads before the digits: leading blanks, then a sign (true: negative).
fn strtoll_sign(word: &str) -> (bool, &str) {
    let body = word.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    match body.strip_prefix('-') {
        Some(digits) => (true, digits),
        None => (false, body.strip_prefix('+').unwrap_or(body)),
    }
}

/// A value read as Redis reads an OCTAL_CONFIG one, with `strtoll(value, &end, 8)` over the
/// whole value (blanks and a sign first, `0` prefixes allowed, and an empty value is 0, as
/// for `strtoll_word`); None for anything else or on overflow.
fn strtoll_octal(value: &str) -> Option<i64> {
    if value.is_empty() {
        return Some(0);
    }
    let (negative, digits) = strtoll_sign(value);
    if digits.is_empty() || !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    let magnitude = i64::from_str_radix(digits, 8).ok()?;
    Some(if negative { -magnitude } else { magnitude })
}

/// C's conversion of a `long long` to an `int` (the low 32 bits), as Redis stores a `save`
/// pair's changes.
fn c_int(value: i64) -> i32 {
    let [a, b, c, d, ..] = value.to_le_bytes();
    i32::from_le_bytes([a, b, c, d])
}

/// `save`: pairs of seconds (at least 1) and changes (at least 0), as Redis 7.2's
/// setConfigSaveOption checks them; shown as Redis shows them (`%jd %d`).
fn validate_save(value: &str) -> Result<String, SetError> {
    let invalid = || "Invalid save parameters".to_string();
    let words = words_of(value);
    if !words.len().is_multiple_of(2) {
        return Err(invalid());
    }
    let mut pairs = Vec::with_capacity(words.len() / 2);
    for pair in words.chunks_exact(2) {
        let &[seconds, changes] = pair else { return Err(invalid()) };
        let seconds = strtoll_word(seconds).filter(|s| *s >= 1).ok_or_else(invalid)?;
        let changes = strtoll_word(changes).filter(|c| *c >= 0).ok_or_else(invalid)?;
        pairs.push(format!("{seconds} {}", c_int(changes)));
    }
    Ok(pairs.join(" "))
}

/// `latency-tracking-info-percentiles`: each word a double (Redis's `string2d`) from 0 to
/// 100, shown as Redis shows them (`%f` without trailing zeros); empty for none.
fn validate_percentiles(value: &str) -> Result<String, SetError> {
    let mut shown = Vec::new();
    for word in words_of(value) {
        let percentile = crate::protocol::number::parse_f64(word.as_bytes())
            .ok_or_else(|| "Invalid latency-tracking-info-percentiles parameters".to_string())?;
        if !(0.0..=100.0).contains(&percentile) {
            return Err("latency-tracking-info-percentiles parameters should sit between \
                        [0.0,100.0]"
                .into());
        }
        shown.push(super::histogram::percentile_text(percentile));
    }
    Ok(shown.join(" "))
}

/// `oom-score-adj-values`: three integers from -2000 to 2000, as Redis 7.2's
/// setConfigOOMScoreAdjValuesOption checks them.
fn validate_oom_score_adj_values(value: &str) -> Result<String, SetError> {
    let words = words_of(value);
    if words.len() != 3 {
        return Err("wrong number of arguments".into());
    }
    let values: Option<Vec<String>> = words
        .iter()
        .map(|word| {
            strtoll_word(word).filter(|v| (-2000..=2000).contains(v)).map(|v| v.to_string())
        })
        .collect();
    values.map(|values| values.join(" ")).ok_or_else(|| {
        "Invalid oom-score-adj-values, elements must be between -2000 and 2000.".to_string()
    })
}

/// A value as the file spells it: memory with units, text quoted (`bind` bare, as Redis).
fn rewritten(def: &SettingDef, value: &str) -> String {
    match def.kind {
        Kind::Memory { .. } => value.parse().map_or_else(|_| value.to_string(), format_memory),
        Kind::MemoryOrPercent if !value.ends_with('%') => {
            value.parse().map_or_else(|_| value.to_string(), format_memory)
        }
        Kind::Text | Kind::Directory | Kind::FileName | Kind::NotifyFlags if def.name != "bind" => {
            quote(value)
        }
        // Separate words, as Redis writes them; `""` for none.
        Kind::Percentiles if value.is_empty() => "\"\"".to_string(),
        _ => value.to_string(),
    }
}

/// One `client-output-buffer-limit <class> <hard> <soft> <seconds>` line per class, forced
/// where the class is not at its default (Redis's rewriteConfigClientOutputBufferLimitOption).
fn output_buffer_limit_lines(value: &str, default: &str) -> Vec<(String, bool)> {
    let groups = parse_output_buffer_limits(value).unwrap_or_default();
    let defaults = parse_output_buffer_limits(default).unwrap_or_default();
    ["normal", "replica", "pubsub"]
        .iter()
        .enumerate()
        .filter_map(|(index, class)| {
            let limit = groups.iter().find(|(c, _)| *c == index).map(|(_, l)| *l)?;
            let default = defaults.iter().find(|(c, _)| *c == index).map(|(_, l)| *l);
            let line = format!(
                "client-output-buffer-limit {class} {} {} {}",
                format_memory(limit.hard_bytes),
                format_memory(limit.soft_bytes),
                limit.soft_seconds
            );
            Some((line, default != Some(limit)))
        })
        .collect()
}

/// `save <seconds> <changes>` per pair, or `save ""` for none.
fn save_lines(value: &str, force: bool) -> Vec<(String, bool)> {
    let words: Vec<&str> = value.split_ascii_whitespace().collect();
    if words.is_empty() {
        return vec![("save \"\"".to_string(), force)];
    }
    words.chunks(2).map(|pair| (format!("save {}", pair.join(" ")), force)).collect()
}

/// A stored value as CONFIG GET shows it: notification letters in Redis's canonical form.
fn shown(def: &SettingDef, value: String) -> String {
    match def.kind {
        Kind::NotifyFlags => {
            super::notify::parse_flags(&value).map(super::notify::format_flags).unwrap_or(value)
        }
        _ => value,
    }
}

fn yes_no(flag: bool) -> String {
    if flag { "yes" } else { "no" }.into()
}

fn current_dir() -> String {
    std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn settings() -> Settings {
        Settings::new(&Config::parse_from(["allydb"]))
    }

    #[test]
    fn every_default_is_a_valid_value() {
        let settings = settings();
        for def in DEFS {
            let value =
                settings.get(def.name).unwrap_or_else(|| panic!("{} has no value", def.name));
            if matches!(def.kind, Kind::Text) {
                continue;
            }
            assert_eq!(
                Settings::validate(def, &value).as_deref(),
                Ok(value.as_str()),
                "{}",
                def.name
            );
        }
    }

    #[test]
    fn names_and_aliases_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for def in DEFS {
            assert!(seen.insert(def.name), "{}", def.name);
            if let Some(alias) = def.alias {
                assert!(seen.insert(alias), "{alias}");
            }
        }
    }

    #[test]
    fn hot_settings_take_effect() {
        let settings = settings();
        let def = Settings::find("MAXCLIENTS").unwrap();
        settings.apply(def, Settings::validate(def, "7").unwrap());
        assert_eq!(settings.hot.maxclients.load(Relaxed), 7);
        let def = Settings::find("requirepass").unwrap();
        settings.apply(def, "pw".into());
        assert_eq!(settings.hot.requirepass.read().as_deref(), Some(&b"pw"[..]));
        settings.apply(def, String::new());
        assert!(settings.hot.requirepass.read().is_none());
        assert_eq!(settings.hot.timeout_s.load(Relaxed), 0);
        assert_eq!(settings.hot.tcp_keepalive_s.load(Relaxed), 300);
        for (name, value) in [("timeout", "5"), ("tcp-keepalive", "60")] {
            let def = Settings::find(name).unwrap();
            settings.apply(def, Settings::validate(def, value).unwrap());
        }
        assert_eq!(settings.hot.timeout_s.load(Relaxed), 5);
        assert_eq!(settings.hot.tcp_keepalive_s.load(Relaxed), 60);
    }

    #[test]
    fn encoding_thresholds_validate_like_redis() {
        let list = Settings::find("list-max-ziplist-size").unwrap();
        assert_eq!(list.name, "list-max-listpack-size");
        assert_eq!(Settings::validate(list, "-5").unwrap(), "-5");
        assert_eq!(Settings::validate(list, "2").unwrap(), "2");
        assert_eq!(
            Settings::validate(list, "2147483648").unwrap_err(),
            "argument must be between -2147483648 and 2147483647 inclusive"
        );
        let entries = Settings::find("HASH-MAX-ZIPLIST-ENTRIES").unwrap();
        assert_eq!(entries.name, "hash-max-listpack-entries");
        assert_eq!(
            Settings::validate(entries, "-1").unwrap_err(),
            "argument must be between 0 and 9223372036854775807 inclusive"
        );
        assert_eq!(
            Settings::validate(entries, "x").unwrap_err(),
            "argument couldn't be parsed into an integer"
        );
        let value = Settings::find("zset-max-ziplist-value").unwrap();
        assert_eq!(Settings::validate(value, "1kb").unwrap(), "1024");
        assert_eq!(Settings::validate(value, "x").unwrap_err(), "argument must be a memory value");
        for name in ["set-max-intset-entries", "set-max-listpack-entries", "set-max-listpack-value"]
        {
            assert!(Settings::find(name).is_some_and(|d| d.mutable && d.alias.is_none()));
        }
    }

    #[test]
    fn output_buffer_limits_merge_like_redis() {
        let settings = settings();
        let def = Settings::find("client-output-buffer-limit").unwrap();
        assert_eq!(settings.get(def.name).unwrap(), OUTPUT_BUFFER_LIMITS_DEFAULT);
        settings.apply(def, Settings::validate(def, "PUBSUB 1mb 2k 3").unwrap());
        assert_eq!(
            settings.get(def.name).unwrap(),
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 2000 3"
        );
        assert_eq!(
            settings.hot.pubsub_limit(),
            OutputLimit { hard_bytes: 1048576, soft_bytes: 2000, soft_seconds: 3 }
        );
        settings.apply(def, Settings::validate(def, "replica 1 2 3").unwrap());
        assert!(settings.get(def.name).unwrap().contains("slave 1 2 3 pubsub"));
        settings.apply(def, Settings::validate(def, "").unwrap());
        assert!(settings.get(def.name).unwrap().contains("slave 1 2 3 pubsub"));
        let wrong = "Wrong number of arguments in buffer limit configuration.";
        assert_eq!(Settings::validate(def, "pubsub 1 2").unwrap_err(), wrong);
        assert_eq!(Settings::validate(def, "pubsub  1 2 3").unwrap_err(), wrong);
        assert_eq!(
            Settings::validate(def, "master 1 2 3").unwrap_err(),
            "Invalid client class specified in buffer limit configuration."
        );
        for bad in ["pubsub -1 2 3", "pubsub 1 2 -3", "pubsub 1.5 2 3", "pubsub x 2 3"] {
            assert_eq!(
                Settings::validate(def, bad).unwrap_err(),
                "Error in hard, soft or soft_seconds setting in buffer limit configuration."
            );
        }
    }

    #[test]
    fn value_checks_use_redis_reasons() {
        let maxclients = Settings::find("maxclients").unwrap();
        assert_eq!(
            Settings::validate(maxclients, "+5").unwrap_err(),
            "argument couldn't be parsed into an integer"
        );
        let save = Settings::find("save").unwrap();
        assert_eq!(Settings::validate(save, "3600 1 300 10").unwrap(), "3600 1 300 10");
        assert!(Settings::validate(save, "3600").is_err());
        let fsync = Settings::find("appendfsync").unwrap();
        assert_eq!(
            Settings::validate(fsync, "x").unwrap_err(),
            "argument(s) must be one of the following: everysec, always, no"
        );
    }

    #[test]
    fn maxmemory_clients_takes_memory_or_a_percentage() {
        let def = Settings::find("maxmemory-clients").unwrap();
        for (value, shown) in [
            ("50%", "50%"),
            ("100%", "100%"),
            ("0%", "0"),
            ("1kb", "1024"),
            ("9223372036854775807", "9223372036854775807"),
            // Past i64::MAX a memory value is a negative number, so a percentage, in Redis.
            ("18446744073709551516", "100%"),
        ] {
            assert_eq!(Settings::validate(def, value).as_deref(), Ok(shown), "{value:?}");
        }
        for bad in ["101%", "9223372036854775808"] {
            assert_eq!(
                Settings::validate(def, bad).unwrap_err(),
                "percentage argument must be less or equal to 100"
            );
        }
        for bad in ["x", "-1", "-1%", "%", "1.5%", "+5%", "05%", "1gb%", "100%%"] {
            assert_eq!(
                Settings::validate(def, bad).unwrap_err(),
                "argument must be a memory or percent value",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn integer_ranges_are_redis_7_2s() {
        let int_range = "argument must be between 0 and 2147483647 inclusive";
        for name in
            ["auto-aof-rewrite-percentage", "replica-priority", "shutdown-timeout", "tcp-backlog"]
        {
            let def = Settings::find(name).unwrap();
            assert_eq!(Settings::validate(def, "-1").unwrap_err(), int_range, "{name}");
            assert_eq!(Settings::validate(def, "2147483648").unwrap_err(), int_range, "{name}");
            assert_eq!(Settings::validate(def, "2147483647").unwrap(), "2147483647", "{name}");
        }
        let maxclients = Settings::find("maxclients").unwrap();
        assert_eq!(Settings::validate(maxclients, "4294967295").unwrap(), "4294967295");
        assert_eq!(
            Settings::validate(maxclients, "0").unwrap_err(),
            "argument must be between 1 and 4294967295 inclusive"
        );
        let samples = Settings::find("maxmemory-samples").unwrap();
        assert_eq!(Settings::validate(samples, "65").unwrap(), "65");
        let maxmemory = Settings::find("maxmemory").unwrap();
        let most = u64::MAX.to_string();
        assert_eq!(Settings::validate(maxmemory, &most).unwrap(), most);
        let perm = Settings::find("unixsocketperm").unwrap();
        for (value, shown) in [("700", "700"), ("0777", "777"), ("+17", "17"), ("", "0")] {
            assert_eq!(Settings::validate(perm, value).as_deref(), Ok(shown), "{value:?}");
        }
        for bad in ["800", "x", "0x7", "7 "] {
            assert_eq!(
                Settings::validate(perm, bad).unwrap_err(),
                "argument couldn't be parsed as an octal number",
                "{bad:?}"
            );
        }
        for bad in ["1000", "-1"] {
            assert_eq!(
                Settings::validate(perm, bad).unwrap_err(),
                "argument must be between 0 and 777 inclusive"
            );
        }
    }

    #[test]
    fn multi_word_values_split_like_redis() {
        let save = Settings::find("save").unwrap();
        let invalid = Err("Invalid save parameters".to_string());
        for bad in ["  ", "3600", "3600 1  300 10", " 3600 1", "0 1", "3600 -1", "x 1", "+ 1"] {
            assert_eq!(Settings::validate(save, bad), invalid, "{bad:?}");
        }
        // strtoll's reading, as Redis: an empty word is 0, signs and leading zeros pass,
        // overflow saturates, and changes keep an int's low 32 bits.
        for (value, shown) in [
            ("", ""),
            ("3600 ", "3600 0"),
            ("+5 05", "5 5"),
            ("99999999999999999999 1", "9223372036854775807 1"),
            ("5 4294967297", "5 1"),
            ("5 99999999999999999999", "5 -1"),
        ] {
            assert_eq!(Settings::validate(save, value).as_deref(), Ok(shown), "{value:?}");
        }
        let percentiles = Settings::find("latency-tracking-info-percentiles").unwrap();
        for (value, shown) in [
            ("", ""),
            ("50 99 99.9", "50 99 99.9"),
            ("50.0 1e1 0x10 -0 .5 5. +7", "50 10 16 -0 0.5 5 7"),
            ("99.99999999 33.3333333333 0.0000001", "100 33.333333 0"),
        ] {
            assert_eq!(Settings::validate(percentiles, value).as_deref(), Ok(shown), "{value:?}");
        }
        for bad in ["50 abc", "50  99", " ", "nan", "1e400", "1e-400"] {
            assert_eq!(
                Settings::validate(percentiles, bad).unwrap_err(),
                "Invalid latency-tracking-info-percentiles parameters",
                "{bad:?}"
            );
        }
        for bad in ["50 200", "-1", "inf"] {
            assert_eq!(
                Settings::validate(percentiles, bad).unwrap_err(),
                "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]",
            );
        }
        let oom = Settings::find("oom-score-adj-values").unwrap();
        for bad in ["", "1 2", "1 2 3 4"] {
            assert_eq!(Settings::validate(oom, bad).unwrap_err(), "wrong number of arguments");
        }
        for bad in ["0 200 2001", "-2001 0 0", "x 1 2", "1 2 3x"] {
            assert_eq!(
                Settings::validate(oom, bad).unwrap_err(),
                "Invalid oom-score-adj-values, elements must be between -2000 and 2000."
            );
        }
        for (value, shown) in [("  ", "0 0 0"), ("+1 02 -0", "1 2 0"), ("1  2", "1 0 2")] {
            assert_eq!(Settings::validate(oom, value).as_deref(), Ok(shown), "{value:?}");
        }
    }
}
