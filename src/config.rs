//! Startup configuration: command-line flags over environment variables over the
//! configuration file over defaults. Live settings (CONFIG GET/SET) are built from this in
//! `server::settings`; the file's syntax is `config_file`'s.
use std::ffi::OsString;
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser};

use crate::config_file::{self, Directive, FileError};
use crate::limits;
use crate::server::settings::{Kind, SettingDef, Settings};
use crate::store::encoding;

/// AllyDB: a Redis-compatible in-memory database server.
///
/// Every setting is a flag and an environment variable; a flag wins over the environment,
/// which wins over the configuration file, which wins over the default.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "allydb",
    version = crate::version_text(),
    about,
    long_about = None,
    allow_negative_numbers = true
)]
pub struct Config {
    /// Configuration file in redis-server's format (`port 4000` per line; flags and environment
    /// variables win over it); CONFIG REWRITE writes the live settings back to it.
    #[arg(env = "ALLYDB_CONFIG_FILE", value_name = "CONFIG_FILE")]
    pub config_file: Option<PathBuf>,

    /// The configuration file's live settings that are no flag (`hz`, `save`, ...), checked,
    /// by CONFIG name; applied over the defaults at start.
    #[arg(skip)]
    pub file_settings: Vec<(&'static str, String)>,

    /// TCP port to listen on.
    #[arg(long, env = "ALLYDB_PORT", default_value_t = 4000)]
    pub port: u16,

    /// Address to bind to (IPv4 or IPv6).
    #[arg(long, env = "ALLYDB_BIND", default_value = "127.0.0.1")]
    pub bind: IpAddr,

    /// Journal directory (created if missing).
    #[arg(long, env = "PERSISTENCE_LOCATION", default_value = "allydb.tab")]
    pub persistence_location: PathBuf,

    /// Group-commit interval of the journal, in milliseconds (1..=60000).
    #[arg(long, env = "PERSISTENCE_INTERVAL", default_value_t = 3000,
          value_parser = clap::value_parser!(u64).range(1..=60_000))]
    pub persistence_interval: u64,

    /// Journal every write (yes), or run as a pure in-memory cache (no).
    #[arg(long, env = "ALLYDB_APPENDONLY", default_value = "yes", value_parser = parse_yes_no,
          action = clap::ArgAction::Set)]
    pub appendonly: bool,

    /// When a write is acknowledged: interval (after write(); fdatasync every
    /// persistence-interval ms; Redis's everysec is a synonym), always (after fdatasync), no.
    #[arg(long, env = "ALLYDB_APPENDFSYNC", default_value = "interval", value_parser = parse_fsync)]
    pub appendfsync: crate::journal::FsyncMode,

    /// Password clients must give with AUTH or HELLO AUTH (default: none).
    #[arg(long, env = "ALLYDB_REQUIREPASS")]
    pub requirepass: Option<String>,

    /// Redis's protected-mode: while no password is set, refuse clients whose address is not
    /// loopback (127.*, ::1) with -DENIED. `no` accepts everyone the bind address lets in.
    #[arg(long, env = "ALLYDB_PROTECTED_MODE", default_value = "yes", value_parser = parse_yes_no,
          action = clap::ArgAction::Set)]
    pub protected_mode: bool,

    /// Redis's enable-protected-configs: whether CONFIG SET may change the protected settings
    /// `dir` and `dbfilename`: no, yes, or local (only clients connected over loopback).
    #[arg(long, env = "ALLYDB_ENABLE_PROTECTED_CONFIGS", default_value = "no",
          value_parser = parse_protected_action)]
    pub enable_protected_configs: String,

    /// Redis's enable-debug-command: whether DEBUG may run: no, yes, or local (only clients
    /// connected over loopback).
    #[arg(long, env = "ALLYDB_ENABLE_DEBUG_COMMAND", default_value = "no",
          value_parser = parse_protected_action)]
    pub enable_debug_command: String,

    /// Number of databases (SELECT 0 .. N-1).
    #[arg(long, env = "ALLYDB_DATABASES", default_value_t = limits::DATABASES_DEFAULT,
          value_parser = parse_databases)]
    pub databases: usize,

    /// Most clients connected at once; further connections get "max number of clients reached".
    #[arg(long, env = "ALLYDB_MAXCLIENTS", default_value_t = limits::CLIENTS_MAX_DEFAULT,
          value_parser = clap::value_parser!(u64).range(1..=u64::from(u32::MAX)))]
    pub maxclients: u64,

    /// Redis's timeout: close a client idle for more than this many seconds (0 = never).
    /// Blocked clients, pub/sub subscribers and monitors are never closed for being idle.
    #[arg(long, env = "ALLYDB_TIMEOUT", default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(0..=i32::MAX as u64))]
    pub timeout: u64,

    /// Redis's tcp-keepalive: seconds of silence before the kernel sends TCP keepalive probes
    /// on a client connection (then every third of that, 3 probes; 0 = off).
    #[arg(long, env = "ALLYDB_TCP_KEEPALIVE", default_value_t = limits::TCP_KEEPALIVE_S_DEFAULT,
          value_parser = clap::value_parser!(u64).range(0..=i32::MAX as u64))]
    pub tcp_keepalive: u64,

    /// Largest bulk string a client may send (bytes, or with a unit: 512mb).
    #[arg(long, env = "ALLYDB_PROTO_MAX_BULK_LEN", default_value = "512mb",
          value_parser = parse_bulk_len)]
    pub proto_max_bulk_len: u64,

    /// Largest unparsed input buffered per client (bytes, or with a unit: 1gb).
    #[arg(long, env = "ALLYDB_CLIENT_QUERY_BUFFER_LIMIT", default_value = "1gb",
          value_parser = parse_query_buffer_limit)]
    pub client_query_buffer_limit: u64,

    /// Threads that serve clients (0 = one fewer than the CPUs, at least 1). With 1 the server
    /// runs all connections on one thread, like Redis.
    #[arg(long, env = "ALLYDB_THREADS", default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(0..=1024))]
    pub threads: u64,

    /// Microseconds to pause after each journal record while loading (Redis's
    /// key-load-delay, for testing the LOADING state; 0 = none).
    #[arg(long, env = "ALLYDB_KEY_LOAD_DELAY", default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(0..=1_000_000))]
    pub key_load_delay: u64,

    /// Zeros the journal keeps written and synced ahead of its records (bytes, or with a unit:
    /// 4mb; 0 = none, records extend the file), so that a record's fdatasync writes only data.
    /// None are written on copy-on-write filesystems (btrfs, zfs, ...) or tmpfs, where they
    /// gain nothing.
    #[arg(long, env = "ALLYDB_JOURNAL_ZEROS_AHEAD", default_value = "4mb",
          value_parser = parse_journal_zeros_ahead)]
    pub journal_zeros_ahead: u64,

    /// Microseconds to pause per key a compaction writes (Redis's rdb-key-save-delay, which
    /// its tests use to make saves slow; 0 = none; a negative -n pauses 1 µs per n keys).
    #[arg(long, env = "ALLYDB_RDB_KEY_SAVE_DELAY", default_value_t = 0,
          value_parser = clap::value_parser!(i64).range(i64::from(i32::MIN)..=i64::from(i32::MAX)))]
    pub rdb_key_save_delay: i64,

    /// Log level: error, warn, info, debug or trace (or a tracing filter directive).
    #[arg(long, env = "ALLYDB_LOG_LEVEL", default_value = "info")]
    pub log_level: String,

    /// Redis's maxmemory: past this many bytes allocated (or with a unit: 100mb), keys are
    /// evicted per --maxmemory-policy, or writes refused with OOM; 0 = no limit.
    #[arg(long, env = "ALLYDB_MAXMEMORY", default_value = "0", value_parser = parse_maxmemory)]
    pub maxmemory: u64,

    /// Redis's maxmemory-policy: noeviction, allkeys-lru, volatile-lru, allkeys-lfu,
    /// volatile-lfu, allkeys-random, volatile-random or volatile-ttl.
    #[arg(long, env = "ALLYDB_MAXMEMORY_POLICY", default_value = "noeviction",
          value_parser = parse_maxmemory_policy)]
    pub maxmemory_policy: String,

    /// Redis's client-output-buffer-limit: `<class> <hard> <soft> <soft-seconds>` groups
    /// (classes normal, replica, pubsub) over the defaults `normal 0 0 0 replica 256mb 64mb
    /// 60 pubsub 32mb 8mb 60`. A pub/sub subscriber over its limit is disconnected.
    #[arg(long, env = "ALLYDB_CLIENT_OUTPUT_BUFFER_LIMIT", default_value = "",
          value_parser = parse_output_buffer_limit)]
    pub client_output_buffer_limit: String,

    /// Redis's notify-keyspace-events: class letters (`KEA`, `Ex`, ...) of the keyspace
    /// notifications to publish; empty publishes none.
    #[arg(long, env = "ALLYDB_NOTIFY_KEYSPACE_EVENTS", default_value = "",
          value_parser = parse_notify_keyspace_events)]
    pub notify_keyspace_events: String,

    /// Redis's list-max-listpack-size: -1 .. -5 are 4 .. 64 KiB of listpack, a positive value
    /// a number of entries.
    #[arg(long, env = "ALLYDB_LIST_MAX_LISTPACK_SIZE",
          default_value_t = encoding::LIST_MAX_LISTPACK_SIZE_DEFAULT,
          value_parser = clap::value_parser!(i64).range(i64::from(i32::MIN)..=i64::from(i32::MAX)))]
    pub list_max_listpack_size: i64,

    /// Redis's hash-max-listpack-entries: most fields of a listpack hash.
    #[arg(long, env = "ALLYDB_HASH_MAX_LISTPACK_ENTRIES",
          default_value_t = encoding::HASH_MAX_LISTPACK_ENTRIES_DEFAULT as u64,
          value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
    pub hash_max_listpack_entries: u64,

    /// Redis's hash-max-listpack-value: longest field or value of a listpack hash (bytes, or
    /// with a unit).
    #[arg(long, env = "ALLYDB_HASH_MAX_LISTPACK_VALUE", default_value = "64",
          value_parser = parse_listpack_value)]
    pub hash_max_listpack_value: u64,

    /// Redis's set-max-intset-entries: most members of an intset.
    #[arg(long, env = "ALLYDB_SET_MAX_INTSET_ENTRIES",
          default_value_t = encoding::SET_MAX_INTSET_ENTRIES_DEFAULT as u64,
          value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
    pub set_max_intset_entries: u64,

    /// Redis's set-max-listpack-entries: most members of a listpack set.
    #[arg(long, env = "ALLYDB_SET_MAX_LISTPACK_ENTRIES",
          default_value_t = encoding::SET_MAX_LISTPACK_ENTRIES_DEFAULT as u64,
          value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
    pub set_max_listpack_entries: u64,

    /// Redis's set-max-listpack-value: longest member of a listpack set, in bytes.
    #[arg(long, env = "ALLYDB_SET_MAX_LISTPACK_VALUE",
          default_value_t = encoding::SET_MAX_LISTPACK_VALUE_DEFAULT as u64,
          value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
    pub set_max_listpack_value: u64,

    /// Redis's zset-max-listpack-entries: most members of a listpack sorted set.
    #[arg(long, env = "ALLYDB_ZSET_MAX_LISTPACK_ENTRIES",
          default_value_t = encoding::ZSET_MAX_LISTPACK_ENTRIES_DEFAULT as u64,
          value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
    pub zset_max_listpack_entries: u64,

    /// Redis's zset-max-listpack-value: longest member of a listpack sorted set (bytes, or
    /// with a unit).
    #[arg(long, env = "ALLYDB_ZSET_MAX_LISTPACK_VALUE", default_value = "64",
          value_parser = parse_listpack_value)]
    pub zset_max_listpack_value: u64,

    /// Start as a replica of this primary: `<host> <port>` (Redis's replicaof; REPLICAOF
    /// changes it at run time). The primary must be an AllyDB server with its journal on.
    #[arg(long, env = "ALLYDB_REPLICAOF", value_parser = parse_replicaof)]
    pub replicaof: Option<PrimaryAddress>,

    /// Password this server gives its primary (Redis's masterauth; default: none).
    #[arg(long, env = "ALLYDB_MASTERAUTH")]
    pub masterauth: Option<String>,

    /// User name this server gives its primary with masterauth (Redis's masteruser).
    #[arg(long, env = "ALLYDB_MASTERUSER")]
    pub masteruser: Option<String>,

    /// Health check instead of a server: send PING (AUTH first when a password is set) to
    /// --port on --bind (on loopback when that is every interface), print PONG and exit 0, or
    /// one line and exit 1; within 3 s.
    #[arg(long)]
    pub ping: bool,
}

/// A startup configuration problem: one line, naming the setting and the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

/// What parsing the command line led to.
pub enum ParseOutcome {
    Run(Box<Config>),
    /// `--help` or `--version`: print this text to stdout and exit 0.
    Print(String),
}

impl Config {
    /// Worker threads to run: `--threads`, or one fewer than the CPUs (at least 1), which
    /// leaves a core for the journal thread, the kernel's network work and local clients.
    pub fn worker_threads(&self) -> usize {
        match usize::try_from(self.threads) {
            Ok(n) if n > 0 => n,
            _ => {
                std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1)).max(1)
            }
        }
    }

    /// Parses flags, environment and the configuration file they name. Errors are one line
    /// naming the setting and the value, or Redis's fatal config file error naming the line.
    pub fn from_args<I, T>(args: I) -> Result<ParseOutcome, ConfigError>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let mut args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        let matches = match Config::command().try_get_matches_from(args.clone()) {
            Ok(matches) => matches,
            Err(error) => match error.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    return Ok(ParseOutcome::Print(error.render().to_string()))
                }
                _ => return Err(ConfigError { message: one_line(&error) }),
            },
        };
        let mut config = Self::from_matches(&matches)?;
        let Some(path) = config.config_file.clone() else {
            return Ok(ParseOutcome::Run(Box::new(config)));
        };
        let file_error = |error: FileError| ConfigError { message: error.to_string() };
        let directives = config_file::read(&path).map_err(file_error)?;
        let loaded = load_file(&path, &directives, &matches).map_err(file_error)?;
        if !loaded.flags.is_empty() {
            // The file's values for flags that neither the command line nor the environment
            // gave, as if given on the command line: checked once more by the same parsers.
            args.extend(loaded.flags);
            let matches = Config::command()
                .try_get_matches_from(args)
                .map_err(|error| ConfigError { message: one_line(&error) })?;
            config = Self::from_matches(&matches)?;
        }
        config.file_settings = loaded.settings;
        // Absolute: CONFIG SET dir changes the working directory, CONFIG REWRITE must still
        // find the file.
        config.config_file = Some(std::path::absolute(&path).unwrap_or(path));
        Ok(ParseOutcome::Run(Box::new(config)))
    }

    fn from_matches(matches: &ArgMatches) -> Result<Self, ConfigError> {
        Config::from_arg_matches(matches).map_err(|error| ConfigError { message: one_line(&error) })
    }

    /// Every setting at its default: no flag, no environment variable, no file (what CONFIG
    /// REWRITE compares with). None only if the defaults themselves failed to parse.
    pub fn defaults() -> Option<Self> {
        let command = Config::command().mut_args(|arg| arg.env(None::<&'static str>));
        let matches = command.try_get_matches_from(["allydb"]).ok()?;
        Config::from_arg_matches(&matches).ok()
    }
}

/// What the configuration file gives: `--flag=value` arguments for the flags the command line
/// and the environment left at their defaults, and the other live settings.
struct FileValues {
    flags: Vec<OsString>,
    settings: Vec<(&'static str, String)>,
}

/// Where a directive goes: a startup flag (by its long name), or a live setting only.
enum Target {
    Flag(Box<clap::Arg>),
    Setting(&'static SettingDef),
}

/// The flag or setting a directive names: a flag's long name, a CONFIG name or alias
/// (`loglevel` and `slaveof` included). `ping` and the file itself are no directives.
fn target_of(name: &str) -> Option<Target> {
    let canonical = match name {
        "loglevel" => "log-level",
        _ => Settings::find(name).map_or(name, |def| def.name),
    };
    let flag = Config::command()
        .get_arguments()
        .find(|arg| arg.get_long() == Some(canonical) && canonical != "ping")
        .cloned();
    match flag {
        Some(arg) => Some(Target::Flag(Box::new(arg))),
        None => Settings::find(name).map(Target::Setting),
    }
}

/// Checks every directive of the file; the flags' values come first, as
/// `replicaof <host> <port>` takes two words and `client-output-buffer-limit` and `save`
/// lines add up, as in Redis.
fn load_file(
    path: &Path,
    directives: &[Directive],
    matches: &ArgMatches,
) -> Result<FileValues, FileError> {
    let mut flags: Vec<(clap::Arg, Option<String>)> = Vec::new();
    let mut settings: Vec<(&'static str, String)> = Vec::new();
    for directive in directives {
        let fail = |reason: &str| FileError::Line {
            path: path.to_path_buf(),
            line_number: directive.line_number,
            line: directive.line.clone(),
            reason: reason.to_string(),
        };
        if directive.name == "include" {
            return Err(fail("include is not supported: put the directives in this file"));
        }
        let args = &directive.args;
        match target_of(&directive.name) {
            None => return Err(fail("Bad directive or wrong number of arguments")),
            Some(Target::Flag(boxed)) => {
                let arg = *boxed;
                let long = arg.get_long().unwrap_or_default().to_string();
                let previous = flags.iter().position(|(a, _)| a.get_id() == arg.get_id());
                let value = flag_value(
                    &directive.name,
                    &long,
                    args,
                    previous.and_then(|at| flags.get(at).and_then(|(_, value)| value.clone())),
                )
                .map_err(|reason| fail(&reason))?;
                if let Some(value) = &value {
                    check_flag_value(&arg, value).map_err(|reason| {
                        // Redis's reason where CONFIG SET would refuse the value too.
                        let redis_reason = Settings::find(&long)
                            .and_then(|def| Settings::validate(def, value).err());
                        fail(&redis_reason.unwrap_or(reason))
                    })?;
                }
                match previous.and_then(|at| flags.get_mut(at)) {
                    Some(slot) => slot.1 = value,
                    None => flags.push((arg, value)),
                }
            }
            Some(Target::Setting(def)) => {
                let previous = settings.iter().position(|(name, _)| *name == def.name);
                let value = match def.kind {
                    // `save ""` clears; each other `save` line adds its pairs.
                    Kind::Save if args.iter().all(String::is_empty) => String::new(),
                    Kind::Save => {
                        let before = previous.and_then(|at| settings.get(at)).map(|(_, v)| v);
                        match before {
                            Some(before) if !before.is_empty() => {
                                format!("{before} {}", args.join(" "))
                            }
                            _ => args.join(" "),
                        }
                    }
                    Kind::Text if !args.is_empty() => args.join(" "),
                    // Words, as CONFIG SET's value splits into (none: no percentiles).
                    Kind::Percentiles | Kind::OomScoreAdjValues => args.join(" "),
                    _ => match args.as_slice() {
                        [one] => one.clone(),
                        _ => return Err(fail("Bad directive or wrong number of arguments")),
                    },
                };
                let value = Settings::validate(def, &value).map_err(|reason| fail(&reason))?;
                match previous.and_then(|at| settings.get_mut(at)) {
                    Some(slot) => slot.1 = value,
                    None => settings.push((def.name, value)),
                }
            }
        }
    }
    let given = |arg: &clap::Arg| {
        matches!(
            matches.value_source(arg.get_id().as_str()),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        )
    };
    let flags = flags
        .into_iter()
        .filter(|(arg, _)| !given(arg))
        .filter_map(|(arg, value)| {
            let long = arg.get_long()?;
            value.map(|value| OsString::from(format!("--{long}={value}")))
        })
        .collect();
    Ok(FileValues { flags, settings })
}

/// A flag's value from a directive's words (None: `replicaof no one`, no primary).
fn flag_value(
    name: &str,
    long: &str,
    args: &[String],
    previous: Option<String>,
) -> Result<Option<String>, String> {
    let wrong = || "Bad directive or wrong number of arguments".to_string();
    match (long, args) {
        ("replicaof", [no, one])
            if no.eq_ignore_ascii_case("no") && one.eq_ignore_ascii_case("one") =>
        {
            Ok(None)
        }
        ("replicaof", [host, port]) => Ok(Some(format!("{host} {port}"))),
        ("replicaof", _) => Err(wrong()),
        ("client-output-buffer-limit", args) if !args.is_empty() => {
            let groups = args.join(" ");
            Ok(Some(match previous {
                Some(before) if !before.is_empty() => format!("{before} {groups}"),
                _ => groups,
            }))
        }
        ("bind", args) if args.len() > 1 => {
            Err("AllyDB listens on one address: give bind one address".to_string())
        }
        ("log-level", [level]) if name == "loglevel" => {
            // Redis's level names, as CONFIG SET loglevel takes them.
            let def = Settings::find("loglevel").ok_or_else(wrong)?;
            let level = Settings::validate(def, level)?;
            Ok(Some(crate::server::settings::tracing_directive(&level).to_string()))
        }
        (_, [one]) => Ok(Some(one.clone())),
        _ => Err(wrong()),
    }
}

/// Runs the flag's own parser on a value from the file; Err is its reason.
fn check_flag_value(arg: &clap::Arg, value: &str) -> Result<(), String> {
    let Some(long) = arg.get_long() else { return Ok(()) };
    let single = arg.clone().env(None::<&'static str>).required(false);
    let command = clap::Command::new("allydb").no_binary_name(true).arg(single);
    match command.try_get_matches_from([format!("--{long}={value}")]) {
        Ok(_) => Ok(()),
        Err(error) => {
            let rendered = error.render().to_string();
            let first = rendered.lines().next().unwrap_or("invalid value");
            Err(match first.rsplit_once("': ") {
                Some((_, reason)) => reason.to_string(),
                None => first.trim_start_matches("error: ").to_string(),
            })
        }
    }
}

fn one_line(error: &clap::Error) -> String {
    let context = |kind| match error.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        Some(ContextValue::Strings(v)) => Some(v.join(", ")),
        _ => None,
    };
    let arg = context(ContextKind::InvalidArg).unwrap_or_default();
    let flag = arg.split_whitespace().next().unwrap_or("").to_string();
    let env = env_name_of(&flag);
    let setting = match env {
        Some(env) => format!("{flag} ({env})"),
        None => flag.clone(),
    };
    match (error.kind(), context(ContextKind::InvalidValue)) {
        (ErrorKind::ValueValidation | ErrorKind::InvalidValue, Some(value)) => {
            let rendered = error.render().to_string();
            let reason = rendered
                .lines()
                .next()
                .and_then(|line| line.rsplit_once("': "))
                .map(|(_, reason)| reason.to_string())
                .unwrap_or_else(|| "invalid value".to_string());
            format!("invalid value '{value}' for {setting}: {reason}")
        }
        _ => {
            let rendered = error.render().to_string();
            let first = rendered.lines().next().unwrap_or("invalid arguments");
            first.trim_start_matches("error: ").to_string()
        }
    }
}

/// The environment variable clap reads for `--flag`, from the same `#[arg(env = ...)]`
/// attributes that define it, so an error names it for every setting.
fn env_name_of(flag: &str) -> Option<String> {
    let long = flag.strip_prefix("--")?;
    <Config as clap::CommandFactory>::command()
        .get_arguments()
        .find(|arg| arg.get_long() == Some(long))
        .and_then(|arg| arg.get_env())
        .map(|env| env.to_string_lossy().into_owned())
}

/// A primary's address, as `replicaof <host> <port>` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrimaryAddress {
    pub host: String,
    pub port: u16,
}

impl fmt::Display for PrimaryAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.host, self.port)
    }
}

/// `<host> <port>` (one argument with a space, as the environment gives it).
pub fn parse_replicaof(text: &str) -> Result<PrimaryAddress, String> {
    let mut words = text.split_whitespace();
    let (Some(host), Some(port), None) = (words.next(), words.next(), words.next()) else {
        return Err("must be '<host> <port>'".to_string());
    };
    match port.parse::<u16>() {
        Ok(port) if port > 0 => Ok(PrimaryAddress { host: host.to_string(), port }),
        _ => Err(format!("'{port}' is not a TCP port")),
    }
}

fn parse_yes_no(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err("must be yes or no".to_string()),
    }
}

/// Redis's `no | yes | local` for actions it protects, lowercased as CONFIG GET shows them.
fn parse_protected_action(text: &str) -> Result<String, String> {
    let lower = text.to_ascii_lowercase();
    match lower.as_str() {
        "no" | "yes" | "local" => Ok(lower),
        _ => Err("must be no, yes or local".to_string()),
    }
}

fn parse_fsync(text: &str) -> Result<crate::journal::FsyncMode, String> {
    crate::journal::FsyncMode::parse(text)
        .ok_or_else(|| "must be always, interval (or everysec) or no".to_string())
}

fn parse_databases(text: &str) -> Result<usize, String> {
    let n: usize = text.parse().map_err(|_| "not a whole number".to_string())?;
    if n == 0 || n > limits::DATABASES_MAX {
        return Err(format!("must be between 1 and {}", limits::DATABASES_MAX));
    }
    Ok(n)
}

fn parse_bulk_len(text: &str) -> Result<u64, String> {
    parse_memory_in(text, limits::BULK_BYTES_MAX_MIN, i64::MAX as u64)
}

fn parse_query_buffer_limit(text: &str) -> Result<u64, String> {
    parse_memory_in(text, limits::QUERY_BUFFER_BYTES_MAX_MIN, i64::MAX as u64)
}

fn parse_output_buffer_limit(text: &str) -> Result<String, String> {
    crate::server::settings::parse_output_buffer_limits(text)?;
    Ok(text.to_string())
}

fn parse_journal_zeros_ahead(text: &str) -> Result<u64, String> {
    parse_memory_in(text, 0, crate::journal::writer::ZEROS_AHEAD_BYTES_MAX)
}

fn parse_maxmemory(text: &str) -> Result<u64, String> {
    parse_memory_in(text, 0, u64::MAX)
}

/// The policy names Redis accepts, lowercased as CONFIG GET shows them.
fn parse_maxmemory_policy(text: &str) -> Result<String, String> {
    let lower = text.to_ascii_lowercase();
    match crate::server::settings::Settings::find("maxmemory-policy")
        .map(|def| crate::server::settings::Settings::validate(def, &lower))
    {
        Some(Ok(value)) => Ok(value),
        Some(Err(reason)) => Err(reason),
        None => Err("unknown setting".to_string()),
    }
}

/// The letters as CONFIG SET takes them (CONFIG GET shows them in Redis's canonical form).
fn parse_notify_keyspace_events(text: &str) -> Result<String, String> {
    crate::server::notify::parse_flags(text)
        .map(|_| text.to_string())
        .ok_or_else(|| crate::server::notify::INVALID_CLASS.to_string())
}

fn parse_listpack_value(text: &str) -> Result<u64, String> {
    parse_memory_in(text, 0, i64::MAX as u64)
}

fn parse_memory_in(text: &str, min: u64, max: u64) -> Result<u64, String> {
    let bytes = parse_memory(text).ok_or_else(|| "not a memory value (like 512mb)".to_string())?;
    if bytes < min || bytes > max {
        return Err(format!("must be between {min} and {max} bytes"));
    }
    Ok(bytes)
}

/// Parses a Redis memory value: a number with an optional unit b, k (1000), kb (1024), m, mb,
/// g, gb, case-insensitive. Returns None for anything else or on overflow. No digits at all
/// read as 0, as Redis's `memtoull` reads them (`CONFIG SET maxmemory ""` sets 0).
pub fn parse_memory(text: &str) -> Option<u64> {
    let lower = text.to_ascii_lowercase();
    let digits_end = lower.find(|c: char| !c.is_ascii_digit()).unwrap_or(lower.len());
    let (digits, unit) = lower.split_at(digits_end);
    let digits = if digits.is_empty() { "0" } else { digits };
    let multiplier: u64 = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    digits.parse::<u64>().ok()?.checked_mul(multiplier)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<ParseOutcome, ConfigError> {
        let mut all = vec!["allydb"];
        all.extend_from_slice(args);
        Config::from_args(all)
    }

    #[test]
    fn memory_units() {
        assert_eq!(parse_memory("512mb"), Some(512 * 1024 * 1024));
        assert_eq!(parse_memory("1GB"), Some(1024 * 1024 * 1024));
        assert_eq!(parse_memory("10k"), Some(10_000));
        assert_eq!(parse_memory("123"), Some(123));
        // No digits read as 0, as Redis's memtoull reads them; an unknown unit does not.
        assert_eq!(parse_memory("mb"), Some(0));
        assert_eq!(parse_memory(""), Some(0));
        assert_eq!(parse_memory("x"), None);
        assert_eq!(parse_memory("1tb"), None);
        assert_eq!(parse_memory("99999999999999999999gb"), None);
    }

    #[test]
    fn bad_port_is_one_line_naming_setting_and_value() {
        let Err(error) = parse(&["--port", "70000"]) else { panic!("accepted") };
        assert!(!error.message.contains('\n'));
        assert!(error.message.contains("'70000'"), "{}", error.message);
        assert!(error.message.contains("--port (ALLYDB_PORT)"), "{}", error.message);
    }

    #[test]
    fn every_bad_value_names_its_environment_variable() {
        let mut refused = 0;
        for arg in <Config as clap::CommandFactory>::command().get_arguments() {
            let (Some(long), Some(env)) = (arg.get_long(), arg.get_env()) else { continue };
            let flag = format!("--{long}");
            // Free-form settings (a path, a password) accept anything: nothing to name.
            let Err(error) = parse(&[&flag, "not a value\u{1}"]) else { continue };
            let named = format!("{flag} ({})", env.to_string_lossy());
            assert!(error.message.contains(&named), "{flag}: {}", error.message);
            refused += 1;
        }
        assert!(refused > 20, "only {refused} flags refused a bad value");
    }

    #[test]
    fn maxmemory_flags() {
        let Ok(ParseOutcome::Run(config)) =
            parse(&["--maxmemory", "1mb", "--maxmemory-policy", "ALLKEYS-LRU"])
        else {
            panic!("refused")
        };
        assert_eq!(config.maxmemory, 1024 * 1024);
        assert_eq!(config.maxmemory_policy, "allkeys-lru");
        let Err(error) = parse(&["--maxmemory-policy", "lru"]) else { panic!("accepted") };
        assert!(error.message.contains("(ALLYDB_MAXMEMORY_POLICY)"), "{}", error.message);
    }

    #[test]
    fn notify_keyspace_events_takes_redis_letters() {
        let Ok(ParseOutcome::Run(config)) = parse(&["--notify-keyspace-events", "KEA"]) else {
            panic!("refused")
        };
        assert_eq!(config.notify_keyspace_events, "KEA");
        let Err(error) = parse(&["--notify-keyspace-events", "KQ"]) else { panic!("accepted") };
        assert_eq!(
            error.message,
            "invalid value 'KQ' for --notify-keyspace-events (ALLYDB_NOTIFY_KEYSPACE_EVENTS): \
             Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
        );
    }

    #[test]
    fn defaults_ignore_the_environment() {
        let defaults = Config::defaults().expect("the defaults parse");
        assert_eq!((defaults.port, defaults.maxmemory), (4000, 0));
        assert!(defaults.config_file.is_none() && defaults.requirepass.is_none());
    }

    #[test]
    fn config_file_values_add_up_and_flags_win() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.conf");
        let text = "save 900 1\nsave 300 10\nclient-output-buffer-limit pubsub 1mb 0 0\n\
                    client-output-buffer-limit normal 2mb 0 0\nreplicaof 10.0.0.1 7000\n\
                    replicaof no one\nmasteruser u\nport 1234\nhz 11\nHZ 12\n\
                    list-max-ziplist-size -3\n";
        std::fs::write(&path, text).unwrap();
        let Ok(ParseOutcome::Run(config)) = parse(&[path.to_str().unwrap(), "--port", "5555"])
        else {
            panic!("refused")
        };
        assert_eq!(config.port, 5555, "the flag wins");
        assert_eq!(config.replicaof, None, "replicaof no one, the last line");
        assert_eq!(config.masteruser.as_deref(), Some("u"));
        assert_eq!(config.list_max_listpack_size, -3, "an alias, a negative value");
        assert_eq!(config.client_output_buffer_limit, "pubsub 1mb 0 0 normal 2mb 0 0");
        assert_eq!(
            config.file_settings,
            [("save", "900 1 300 10".to_string()), ("hz", "12".to_string())]
        );
        assert!(config.config_file.is_some_and(|p| p.is_absolute()));
    }

    #[test]
    fn bad_databases() {
        let Err(error) = parse(&["--databases", "0"]) else { panic!("accepted") };
        assert!(error.message.contains("--databases"), "{}", error.message);
        assert!(error.message.contains("between 1 and"), "{}", error.message);
    }
}
