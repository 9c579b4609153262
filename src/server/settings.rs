//! Live settings under Redis's names, for CONFIG GET/SET. Startup values come from `Config`;
//! settings read on hot paths are mirrored in atomics (`Hot`).
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use parking_lot::RwLock;

use crate::config::{parse_memory, Config};

/// How a setting's value is checked and shown.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Bool,
    Integer { min: i64, max: i64 },
    Memory { min: u64, max: u64 },
    Choice(&'static [&'static str]),
    Text,
}

/// One setting: Redis's name, an optional alias, its kind, and whether CONFIG SET may change it.
#[derive(Debug)]
pub struct SettingDef {
    pub name: &'static str,
    pub alias: Option<&'static str>,
    pub kind: Kind,
    pub mutable: bool,
}

const fn def(name: &'static str, kind: Kind, mutable: bool) -> SettingDef {
    SettingDef { name, alias: None, kind, mutable }
}

const YES_NO: Kind = Kind::Bool;
const INT_MAX: i64 = i32::MAX as i64;
const LONG_MAX: i64 = i64::MAX;
const ANY_INT: Kind = Kind::Integer { min: 0, max: LONG_MAX };

/// Every setting CONFIG knows: AllyDB's own and the common Redis ones clients and tools read.
pub const DEFS: &[SettingDef] = &[
    def("port", Kind::Integer { min: 0, max: 65535 }, false),
    def("bind", Kind::Text, false),
    def("databases", Kind::Integer { min: 1, max: INT_MAX }, false),
    def("maxclients", Kind::Integer { min: 1, max: 1_000_000 }, true),
    def("requirepass", Kind::Text, true),
    def("proto-max-bulk-len", Kind::Memory { min: 1024 * 1024, max: LONG_MAX as u64 }, true),
    def("client-query-buffer-limit", Kind::Memory { min: 1024 * 1024, max: LONG_MAX as u64 }, true),
    def("persistence-location", Kind::Text, false),
    def("persistence-interval", Kind::Integer { min: 1, max: 60_000 }, false),
    def("loglevel", Kind::Choice(&["debug", "verbose", "notice", "warning", "nothing"]), true),
    def("logfile", Kind::Text, false),
    def("dir", Kind::Text, false),
    def("dbfilename", Kind::Text, false),
    def("appendonly", YES_NO, false),
    def("appendfilename", Kind::Text, false),
    def("appenddirname", Kind::Text, false),
    def("appendfsync", Kind::Choice(&["always", "everysec", "no"]), true),
    def("save", Kind::Text, true),
    def("timeout", Kind::Integer { min: 0, max: INT_MAX }, true),
    def("tcp-keepalive", Kind::Integer { min: 0, max: INT_MAX }, true),
    def("tcp-backlog", ANY_INT, false),
    def("protected-mode", YES_NO, true),
    def("hz", Kind::Integer { min: 0, max: INT_MAX }, true),
    def("maxmemory", Kind::Memory { min: 0, max: LONG_MAX as u64 }, true),
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
    def("maxmemory-samples", Kind::Integer { min: 1, max: 64 }, true),
    def("notify-keyspace-events", Kind::Text, true),
    def("slowlog-log-slower-than", Kind::Integer { min: -1, max: LONG_MAX }, true),
    def("slowlog-max-len", ANY_INT, true),
    def("latency-monitor-threshold", ANY_INT, true),
    SettingDef {
        name: "lua-time-limit",
        alias: Some("busy-reply-threshold"),
        kind: ANY_INT,
        mutable: true,
    },
    def("cluster-enabled", YES_NO, false),
    def("io-threads", Kind::Integer { min: 1, max: 128 }, false),
    def("daemonize", YES_NO, false),
    def("supervised", Kind::Choice(&["upstart", "systemd", "auto", "no"]), false),
    def("pidfile", Kind::Text, false),
    def("unixsocket", Kind::Text, false),
    def("enable-debug-command", Kind::Choice(&["no", "yes", "local"]), false),
    def("list-max-listpack-size", Kind::Integer { min: -5, max: INT_MAX }, true),
    def("list-compress-depth", Kind::Integer { min: 0, max: INT_MAX }, true),
    def("hash-max-listpack-entries", ANY_INT, true),
    def("hash-max-listpack-value", ANY_INT, true),
    def("set-max-intset-entries", ANY_INT, true),
    def("set-max-listpack-entries", ANY_INT, true),
    def("set-max-listpack-value", ANY_INT, true),
    def("zset-max-listpack-entries", ANY_INT, true),
    def("zset-max-listpack-value", ANY_INT, true),
    def("lazyfree-lazy-eviction", YES_NO, true),
    def("lazyfree-lazy-expire", YES_NO, true),
    def("lazyfree-lazy-server-del", YES_NO, true),
    def("lazyfree-lazy-user-del", YES_NO, true),
    def("lazyfree-lazy-user-flush", YES_NO, true),
    def("replica-read-only", YES_NO, true),
    def("stop-writes-on-bgsave-error", YES_NO, true),
    def("auto-aof-rewrite-percentage", ANY_INT, true),
    def("auto-aof-rewrite-min-size", Kind::Memory { min: 0, max: LONG_MAX as u64 }, true),
    def("client-output-buffer-limit", Kind::Text, true),
    def("activerehashing", YES_NO, true),
    def("active-expire-effort", Kind::Integer { min: 1, max: 10 }, true),
];

/// Settings read on hot paths, mirrored here on every change.
pub struct Hot {
    pub proto_max_bulk_len: AtomicU64,
    pub client_query_buffer_limit: AtomicU64,
    pub maxclients: AtomicU64,
    pub requirepass: RwLock<Option<Vec<u8>>>,
}

/// The live settings.
pub struct Settings {
    values: RwLock<HashMap<&'static str, String>>,
    pub hot: Hot,
}

/// Why CONFIG SET refused a value (Redis's reason text).
pub type SetError = String;

impl Settings {
    pub fn new(config: &Config) -> Self {
        let mut values: HashMap<&'static str, String> = HashMap::new();
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
            ("loglevel", "notice".into()),
            ("logfile", String::new()),
            ("dir", current_dir()),
            ("dbfilename", "dump.rdb".into()),
            ("appendonly", "no".into()),
            ("appendfilename", "appendonly.aof".into()),
            ("appenddirname", "appendonlydir".into()),
            ("appendfsync", "everysec".into()),
            ("save", String::new()),
            ("timeout", "0".into()),
            ("tcp-keepalive", "300".into()),
            ("tcp-backlog", "511".into()),
            ("protected-mode", "yes".into()),
            ("hz", "10".into()),
            ("maxmemory", "0".into()),
            ("maxmemory-policy", "noeviction".into()),
            ("maxmemory-samples", "5".into()),
            ("notify-keyspace-events", String::new()),
            ("slowlog-log-slower-than", "10000".into()),
            ("slowlog-max-len", "128".into()),
            ("latency-monitor-threshold", "0".into()),
            ("lua-time-limit", "5000".into()),
            ("cluster-enabled", "no".into()),
            ("io-threads", "1".into()),
            ("daemonize", "no".into()),
            ("supervised", "no".into()),
            ("pidfile", String::new()),
            ("unixsocket", String::new()),
            ("enable-debug-command", "yes".into()),
            ("list-max-listpack-size", "-2".into()),
            ("list-compress-depth", "0".into()),
            ("hash-max-listpack-entries", "128".into()),
            ("hash-max-listpack-value", "64".into()),
            ("set-max-intset-entries", "512".into()),
            ("set-max-listpack-entries", "128".into()),
            ("set-max-listpack-value", "64".into()),
            ("zset-max-listpack-entries", "128".into()),
            ("zset-max-listpack-value", "64".into()),
            ("lazyfree-lazy-eviction", "no".into()),
            ("lazyfree-lazy-expire", "no".into()),
            ("lazyfree-lazy-server-del", "no".into()),
            ("lazyfree-lazy-user-del", "no".into()),
            ("lazyfree-lazy-user-flush", "no".into()),
            ("replica-read-only", "yes".into()),
            ("stop-writes-on-bgsave-error", "yes".into()),
            ("auto-aof-rewrite-percentage", "100".into()),
            ("auto-aof-rewrite-min-size", "67108864".into()),
            ("client-output-buffer-limit", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60".into()),
            ("activerehashing", "yes".into()),
            ("active-expire-effort", "1".into()),
        ];
        for def in DEFS {
            let value = defaults
                .iter()
                .find(|(name, _)| *name == def.name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            values.insert(def.name, value);
        }
        Self {
            values: RwLock::new(values),
            hot: Hot {
                proto_max_bulk_len: AtomicU64::new(config.proto_max_bulk_len),
                client_query_buffer_limit: AtomicU64::new(config.client_query_buffer_limit),
                maxclients: AtomicU64::new(config.maxclients),
                requirepass: RwLock::new(
                    config.requirepass.clone().filter(|p| !p.is_empty()).map(String::into_bytes),
                ),
            },
        }
    }

    /// The definition for `name` or an alias (any case).
    pub fn find(name: &str) -> Option<&'static SettingDef> {
        let lower = name.to_ascii_lowercase();
        DEFS.iter().find(|d| d.name == lower || d.alias == Some(lower.as_str()))
    }

    /// The current value of a canonical setting.
    pub fn get(&self, name: &str) -> Option<String> {
        let def = Self::find(name)?;
        self.values.read().get(def.name).cloned()
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
                let n: i64 = value
                    .parse()
                    .map_err(|_| "argument couldn't be parsed into an integer".to_string())?;
                if n < min || n > max {
                    return Err(format!("argument must be between {min} and {max} inclusive"));
                }
                Ok(n.to_string())
            }
            Kind::Memory { min, max } => {
                let n = parse_memory(value).ok_or_else(|| "argument must be a memory value".to_string())?;
                if n < min || n > max {
                    return Err(format!("argument must be between {min} and {max} inclusive"));
                }
                Ok(n.to_string())
            }
            Kind::Choice(choices) => {
                let lower = value.to_ascii_lowercase();
                if choices.contains(&lower.as_str()) {
                    Ok(lower)
                } else {
                    Err(format!(
                        "argument(s) must be one of the following: {}",
                        choices.join(", ")
                    ))
                }
            }
            Kind::Text => Ok(value.to_string()),
        }
    }

    /// Stores an already validated value and updates the hot mirrors.
    pub fn apply(&self, def: &'static SettingDef, value: String) {
        match def.name {
            "proto-max-bulk-len" => {
                self.hot.proto_max_bulk_len.store(value.parse().unwrap_or(0), Relaxed)
            }
            "client-query-buffer-limit" => {
                self.hot.client_query_buffer_limit.store(value.parse().unwrap_or(0), Relaxed)
            }
            "maxclients" => self.hot.maxclients.store(value.parse().unwrap_or(0), Relaxed),
            "requirepass" => {
                *self.hot.requirepass.write() =
                    (!value.is_empty()).then(|| value.clone().into_bytes())
            }
            _ => {}
        }
        self.values.write().insert(def.name, value);
    }

    /// (name, value) pairs whose name or alias matches the glob `pattern` (any case).
    pub fn matching(&self, pattern: &[u8]) -> Vec<(&'static str, String)> {
        let values = self.values.read();
        let mut out = Vec::new();
        for def in DEFS {
            let value = values.get(def.name).cloned().unwrap_or_default();
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

fn current_dir() -> String {
    std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default()
}
