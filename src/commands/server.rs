//! Server administration: INFO, CONFIG, TIME, LASTSAVE, MEMORY, SHUTDOWN, DEBUG and MONITOR
//! (whose lines `server::monitor` builds and delivers).
//! Settings themselves live in `server::settings`, counters in `server::stats`; SAVE, BGSAVE
//! and BGREWRITEAOF belong to the journal.
use std::fmt::{Display, Write as _};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use super::arguments::{self, is};
use super::errors::{CommandError, CommandResult};
use super::table::{acl, flags::*, key_flags::*, spec, tips, CommandSpec, KeySpan};
use super::{Acks, Action, Context};
use crate::clock::unix_us_now;
use crate::protocol::number::parse_f64;
use crate::protocol::Args;
use crate::server::compaction::Trigger;
use crate::server::settings::{SettingDef, Settings};
use crate::server::stats::Traffic;
use crate::server::ShutdownSave;
use crate::store::hash_key;

const G: &str = "server";
const ADMIN_ONLY: u32 = ADMIN | NOSCRIPT | LOADING | STALE;

pub static COMMANDS: &[CommandSpec] = &[
    spec("info", -1, LOADING | STALE, KeySpan::NONE, G, info)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT, tips::REQUEST_ALL_SHARDS, tips::RESPONSE_SPECIAL])
        .acl(acl::DANGEROUS)
        .doc(
            "1.0.0",
            "Returns information and statistics about the server.",
            "O(1)",
            "[section [section ...]]",
        ),
    spec("config", -2, 0, KeySpan::NONE, G, container)
        .doc("2.0.0", "A container for server configuration commands.", "Depends on subcommand.", "")
        .subs(CONFIG_SUBCOMMANDS),
    // Redis 7.2 allows WAIT in scripts and MULTI (it replies at once there), so no NOSCRIPT
    // flag, unlike 7.0.
    spec("wait", 3, 0, KeySpan::NONE, "generic", wait)
        .tips(&[tips::REQUEST_ALL_SHARDS, tips::RESPONSE_AGG_MIN])
        .acl(acl::CONNECTION)
        .doc(
            "3.0.0",
            "Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed.",
            "O(1)",
            "numreplicas timeout",
        ),
    spec("waitaof", 4, NOSCRIPT, KeySpan::NONE, "generic", waitaof)
        .tips(&[tips::REQUEST_ALL_SHARDS, tips::RESPONSE_AGG_MIN])
        .doc(
            "7.2.0",
            "Blocks until all of the preceding write commands sent by the connection are written to the append-only file of the primary and/or replicas.",
            "O(1)",
            "numlocal numreplicas timeout",
        ),
    spec("time", 1, LOADING | STALE | FAST, KeySpan::NONE, G, time)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT])
        .doc(
            "2.6.0",
            "Returns the server time.",
            "O(1)",
            "",
        ),
    spec("lastsave", 1, LOADING | STALE | FAST, KeySpan::NONE, G, lastsave)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT])
        .acl(acl::ADMIN | acl::DANGEROUS)
        .doc(
            "1.0.0",
            "Returns the Unix timestamp of the last successful save to disk.",
            "O(1)",
            "",
        ),
    spec("role", 1, NOSCRIPT | LOADING | STALE | FAST, KeySpan::NONE, G, role)
        .acl(acl::ADMIN | acl::DANGEROUS)
        .doc("2.8.12", "Returns the replication role.", "O(1)", ""),
    spec("memory", -2, 0, KeySpan::NONE, G, container)
        .doc("4.0.0", "A container for memory diagnostics commands.", "Depends on subcommand.", "")
        .subs(MEMORY_SUBCOMMANDS),
    spec("module", -2, 0, KeySpan::NONE, G, container)
        .doc("4.0.0", "A container for module commands.", "Depends on subcommand.", "")
        .subs(MODULE_SUBCOMMANDS),
    spec("bgrewriteaof", 1, ADMIN | NOSCRIPT | NO_ASYNC_LOADING, KeySpan::NONE, G, bgrewriteaof).doc(
        "1.0.0",
        "Asynchronously rewrites the append-only file to disk.",
        "O(1)",
        "",
    ),
    spec("bgsave", -1, ADMIN | NOSCRIPT | NO_ASYNC_LOADING, KeySpan::NONE, G, bgsave).doc(
        "1.0.0",
        "Asynchronously saves the database(s) to disk.",
        "O(1)",
        "[SCHEDULE]",
    ),
    spec("save", 1, ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI, KeySpan::NONE, G, save).doc(
        "1.0.0",
        "Synchronously saves the database(s) to disk.",
        "O(N) where N is the total number of keys in all databases",
        "",
    ),
    spec(
        "shutdown",
        -1,
        ADMIN_ONLY | NO_MULTI | ALLOW_BUSY,
        KeySpan::NONE,
        G,
        shutdown,
    )
    .doc(
        "1.0.0",
        "Synchronously saves the database(s) to disk and shuts down the Redis server.",
        "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)",
        "[NOSAVE | SAVE] [NOW] [FORCE] [ABORT]",
    ),
    spec("debug", -2, ADMIN_ONLY | PROTECTED, KeySpan::NONE, G, debug).doc(
        "1.0.0",
        "A container for debugging commands.",
        "Depends on subcommand.",
        "",
    ),
    spec("monitor", 1, ADMIN_ONLY, KeySpan::NONE, G, monitor).doc(
        "1.0.0",
        "Listens for all requests received by the server in real-time.",
        "",
        "",
    ),
];

/// MONITOR: from now on the client receives a line for every command run (its own
/// included), and may only run commands that leave the keyspace alone. A second MONITOR is
/// ignored without a reply, as in Redis; inside EXEC it is refused.
pub fn monitor(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    if ctx.client.transaction.is_executing() {
        return Err(CommandError::Static("ERR MONITOR isn't allowed for DENY BLOCKING client"));
    }
    if ctx.client.monitor {
        return Ok(());
    }
    ctx.client.monitor = true;
    ctx.client.handle.info.lock().monitor = true;
    ctx.server.monitors.add(&ctx.client.handle);
    ctx.reply.ok();
    Ok(())
}

static CONFIG_SUBCOMMANDS: &[CommandSpec] = &[
    spec("config|get", -3, ADMIN_ONLY, KeySpan::NONE, G, config_get).doc(
        "2.0.0",
        "Returns the effective values of configuration parameters.",
        "O(N) when N is the number of configuration parameters provided",
        "parameter [parameter ...]",
    ),
    spec("config|set", -4, ADMIN_ONLY, KeySpan::NONE, G, config_set)
        .tips(tips::ALL_NODES_ALL_SUCCEEDED)
        .doc(
            "2.0.0",
            "Sets configuration parameters in-flight.",
            "O(N) when N is the number of configuration parameters provided",
            "parameter value [parameter value ...]",
        ),
    spec("config|resetstat", 2, ADMIN_ONLY, KeySpan::NONE, G, config_resetstat)
        .tips(tips::ALL_NODES_ALL_SUCCEEDED)
        .doc("2.0.0", "Resets the server's statistics.", "O(1)", ""),
    spec("config|rewrite", 2, ADMIN_ONLY, KeySpan::NONE, G, config_rewrite)
        .tips(tips::ALL_NODES_ALL_SUCCEEDED)
        .doc("2.8.0", "Persists the effective configuration to file.", "O(1)", ""),
    spec("config|help", 2, LOADING | STALE, KeySpan::NONE, G, config_help).doc(
        "5.0.0",
        "Returns helpful text about the different subcommands.",
        "O(1)",
        "",
    ),
];

static MEMORY_SUBCOMMANDS: &[CommandSpec] = &[
    spec("memory|usage", -3, READONLY, KeySpan { first: 2, last: 2, step: 1 }, G, memory_usage)
        .key_flags(RO)
        .doc(
            "4.0.0",
            "Estimates the memory usage of a key.",
            "O(N) where N is the number of samples.",
            "key [SAMPLES count]",
        ),
    spec("memory|doctor", 2, 0, KeySpan::NONE, G, memory_doctor)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT, tips::REQUEST_ALL_SHARDS, tips::RESPONSE_SPECIAL])
        .doc("4.0.0", "Outputs a memory problems report.", "O(1)", ""),
    spec("memory|stats", 2, 0, KeySpan::NONE, G, memory_stats)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT, tips::REQUEST_ALL_SHARDS, tips::RESPONSE_SPECIAL])
        .doc("4.0.0", "Returns details about memory usage.", "O(1)", ""),
    spec("memory|malloc-stats", 2, 0, KeySpan::NONE, G, memory_malloc_stats)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT, tips::REQUEST_ALL_SHARDS, tips::RESPONSE_SPECIAL])
        .doc(
            "4.0.0",
            "Returns the allocator statistics.",
            "Depends on how much memory is allocated, could be slow",
            "",
        ),
    spec("memory|purge", 2, 0, KeySpan::NONE, G, memory_purge)
        .tips(&[tips::REQUEST_ALL_SHARDS, tips::RESPONSE_ALL_SUCCEEDED])
        .doc(
            "4.0.0",
            "Asks the allocator to release memory.",
            "Depends on how much memory is allocated, could be slow",
            "",
        ),
    spec("memory|help", 2, LOADING | STALE, KeySpan::NONE, G, memory_help).doc(
        "4.0.0",
        "Returns helpful text about the different subcommands.",
        "O(1)",
        "",
    ),
];

/// MODULE: AllyDB has no module API, so it lists no module and loads none. LOAD, LOADEX and
/// UNLOAD are protected by `enable-module-command` (default `no`), as in Redis 7.
static MODULE_SUBCOMMANDS: &[CommandSpec] = &[
    spec("module|list", 2, ADMIN | NOSCRIPT, KeySpan::NONE, G, module_list)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT_ORDER])
        .doc(
            "4.0.0",
            "Returns all loaded modules.",
            "O(N) where N is the number of loaded modules.",
            "",
        ),
    spec("module|load", -3, MODULE_LOADING, KeySpan::NONE, G, module_load).doc(
        "4.0.0",
        "Loads a module.",
        "O(1)",
        "path [arg [arg ...]]",
    ),
    spec("module|loadex", -3, MODULE_LOADING, KeySpan::NONE, G, module_load).doc(
        "7.0.0",
        "Loads a module using extended parameters.",
        "O(1)",
        "path [CONFIG name value [CONFIG name value ...]] [ARGS args [args ...]]",
    ),
    spec("module|unload", 3, MODULE_LOADING, KeySpan::NONE, G, module_unload).doc(
        "4.0.0",
        "Unloads a module.",
        "O(1)",
        "name",
    ),
    spec("module|help", 2, LOADING | STALE, KeySpan::NONE, G, module_help).doc(
        "5.0.0",
        "Returns helpful text about the different subcommands.",
        "O(1)",
        "",
    ),
];
const MODULE_LOADING: u32 = ADMIN | NOSCRIPT | NO_ASYNC_LOADING | PROTECTED;

/// MODULE LIST: no module is ever loaded.
fn module_list(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    ctx.reply.array(0);
    Ok(())
}

/// MODULE LOAD and LOADEX, once `enable-module-command` lets them run: Redis's text for a
/// module that failed to load, as none can.
fn module_load(_ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    tracing::warn!(
        "MODULE {} {}: AllyDB has no module API and loads no module",
        String::from_utf8_lossy(args.get(1)).to_uppercase(),
        String::from_utf8_lossy(args.get(2))
    );
    Err(CommandError::Static("ERR Error loading the extension. Please check the server logs."))
}

/// MODULE UNLOAD name: no module by that name (nor any other) is loaded.
fn module_unload(_ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    Err(CommandError::Static("ERR Error unloading module: no such module with that name"))
}

fn module_help(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    reply_help(
        ctx,
        "MODULE",
        &[
            "LIST",
            "    Return a list of loaded modules.",
            "LOAD <path> [<arg> ...]",
            "    Load a module library from <path>, passing to it any optional arguments.",
            "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
            "    Load a module library from <path>, while passing it module configurations and optional arguments.",
            "UNLOAD <name>",
            "    Unload a module.",
        ],
    );
    Ok(())
}

/// A container reached without a known subcommand (the table routes known
/// ones): the handler of every container row.
pub(super) fn container(_ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    Err(CommandError::subcommand_syntax(args.get(0), args.get(1)))
}

/// Redis's HELP reply: a header line, the given lines, then the HELP entry, as status replies.
pub fn reply_help(ctx: &mut Context<'_>, command: &str, lines: &[&str]) {
    ctx.reply.array(lines.len() + 3);
    ctx.reply
        .simple(&format!("{command} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"));
    for line in lines {
        ctx.reply.simple(line);
    }
    ctx.reply.simple("HELP");
    ctx.reply.simple("    Print this help.");
}

// ---------------------------------------------------------------------------------------- INFO

/// INFO sections in the order Redis prints them; `module_list` is titled "Modules".
const SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "module_list",
    "commandstats",
    "errorstats",
    "latencystats",
    "cluster",
    "keyspace",
];

const DEFAULT_SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "module_list",
    "errorstats",
    "cluster",
    "keyspace",
];

/// One INFO section being written: `# Title\r\n` then `field:value\r\n` lines.
struct Section(String);

impl Section {
    fn new(title: &str) -> Self {
        Self(format!("# {title}\r\n"))
    }

    fn field(&mut self, name: &str, value: impl Display) -> &mut Self {
        let _ = write!(self.0, "{name}:{value}\r\n");
        self
    }
}

/// Which sections INFO's arguments select (any case; unknown names select nothing).
fn selected_sections(args: Args<'_>) -> Vec<&'static str> {
    if args.len() == 1 {
        return DEFAULT_SECTIONS.to_vec();
    }
    let mut wanted: Vec<&'static str> = Vec::new();
    for arg in args.iter().skip(1) {
        let name = arguments::lowercase(arg);
        match name.as_str() {
            "default" => wanted.extend_from_slice(DEFAULT_SECTIONS),
            // Redis prints the module list for either name.
            "modules" => wanted.push("module_list"),
            "all" | "everything" => wanted.extend_from_slice(SECTIONS),
            other => {
                if let Some(found) = SECTIONS.iter().find(|s| **s == other) {
                    wanted.push(found);
                }
            }
        }
    }
    SECTIONS.iter().copied().filter(|s| wanted.contains(s)).collect()
}

/// INFO [section [section ...]]
pub fn info(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let mut text = String::new();
    for (i, name) in selected_sections(args).into_iter().enumerate() {
        if i > 0 {
            text.push_str("\r\n");
        }
        text.push_str(&section(ctx, name).0);
    }
    ctx.reply.verbatim(text.as_bytes());
    Ok(())
}

fn section(ctx: &Context<'_>, name: &str) -> Section {
    match name {
        "server" => server_section(ctx),
        "clients" => clients_section(ctx),
        "memory" => memory_section(ctx),
        "persistence" => persistence_section(ctx),
        "stats" => stats_section(ctx),
        "replication" => replication_section(ctx),
        "cpu" => cpu_section(),
        "module_list" => Section::new("Modules"),
        "commandstats" => commandstats_section(ctx),
        "errorstats" => errorstats_section(ctx),
        "latencystats" => latencystats_section(ctx),
        "cluster" => {
            let mut s = Section::new("Cluster");
            s.field("cluster_enabled", 0);
            s
        }
        _ => keyspace_section(ctx),
    }
}

fn server_section(ctx: &Context<'_>) -> Section {
    let server = ctx.server;
    let uptime_s = server.started.elapsed().as_secs();
    let now_us = unix_us_now();
    let local = *server.local_addr.lock();
    let port = local.map_or(server.config.port, |a| a.port());
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let os = format!("{} {} {}", os_name(), release.trim(), std::env::consts::ARCH);
    let executable = std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_default();
    let mut s = Section::new("Server");
    s.field("redis_version", crate::REDIS_COMPAT_VERSION)
        .field("redis_git_sha1", "00000000")
        .field("redis_git_dirty", 0)
        .field("redis_build_id", server.run_id.get(..16).unwrap_or("0"))
        .field("redis_mode", "standalone")
        .field("os", os)
        .field("arch_bits", usize::BITS)
        .field("monotonic_clock", "POSIX clock_gettime")
        .field("multiplexing_api", "epoll")
        .field("atomicvar_api", "c11-builtin")
        .field("gcc_version", "0.0.0")
        .field("process_id", std::process::id())
        .field("process_supervised", "no")
        .field("run_id", &server.run_id)
        .field("tcp_port", port)
        .field("server_time_usec", now_us)
        .field("uptime_in_seconds", uptime_s)
        .field("uptime_in_days", uptime_s / 86_400)
        .field("hz", setting(ctx, "hz"))
        .field("configured_hz", setting(ctx, "hz"))
        .field("lru_clock", (now_us / 1_000_000) & ((1 << 24) - 1))
        .field("executable", executable)
        .field(
            "config_file",
            server
                .config
                .config_file
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        )
        .field("io_threads_active", 0);
    if let Some(local) = local {
        s.field("listener0", format_args!("name=tcp,bind={},port={}", local.ip(), local.port()));
    }
    s.field("allydb_version", crate::ALLYDB_VERSION);
    s
}

fn os_name() -> &'static str {
    match std::env::consts::OS {
        "linux" => "Linux",
        "macos" => "Darwin",
        "freebsd" => "FreeBSD",
        other => other,
    }
}

fn setting(ctx: &Context<'_>, name: &str) -> String {
    ctx.server.settings.get(name).unwrap_or_default()
}

fn clients_section(ctx: &Context<'_>) -> Section {
    let clients = ctx.server.clients.all();
    let max_input = clients.iter().map(|c| c.info.lock().query_buffer_bytes).max().unwrap_or(0);
    let max_output = clients
        .iter()
        .map(|c| c.info.lock().output_bytes.max(c.mailbox.pending_bytes()))
        .max()
        .unwrap_or(0);
    // Redis's count: its clients but the replicas it feeds, and (on a replica) the link to
    // its primary once that link is up (Redis's master client).
    let replicas = clients.iter().filter(|c| c.info.lock().replica).count();
    let replication = &ctx.server.replication;
    let primary_link = replication.primary().is_some()
        && replication.link().state == crate::server::replication::LinkState::Connected;
    let mut s = Section::new("Clients");
    s.field("connected_clients", clients.len() - replicas + usize::from(primary_link))
        .field("cluster_connections", 0)
        .field("maxclients", ctx.server.settings.hot.maxclients.load(Relaxed))
        .field("client_recent_max_input_buffer", max_input)
        .field("client_recent_max_output_buffer", max_output)
        .field(
            "blocked_clients",
            ctx.server.blocking.blocked_clients() + ctx.server.pause.waiting_clients(),
        )
        .field("tracking_clients", ctx.server.tracking.figures().clients)
        .field("clients_in_timeout_table", ctx.server.blocking.clients_with_timeout())
        .field("total_blocking_keys", ctx.server.blocking.blocking_keys())
        .field("total_blocking_keys_on_nokey", 0);
    s
}

/// Resident set size of this process in bytes, from /proc/self/statm (INFO
/// `used_memory_rss`). Page size is taken as 4 KiB (the common Linux value; reading it needs
/// libc).
fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    pages.saturating_mul(4096)
}

fn total_system_memory_bytes() -> u64 {
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kib| kib.parse::<u64>().ok())
        .map_or(0, |kib| kib.saturating_mul(1024))
}

/// The highest `used_memory` any INFO or MEMORY STATS has seen (INFO `used_memory_peak`).
static PEAK_MEMORY_BYTES: AtomicU64 = AtomicU64::new(0);
/// `used_memory` at the first look, standing in for Redis's `used_memory_startup`.
static STARTUP_MEMORY_BYTES: AtomicU64 = AtomicU64::new(0);

/// What INFO's memory section and MEMORY STATS report, gathered once per call (Redis's
/// `getMemoryOverheadData`).
struct MemoryOverhead {
    used: u64,
    peak: u64,
    startup: u64,
    rss: u64,
    /// Buffers of the clients but replicas' feeds, and of those (CLIENT LIST `tot-mem`).
    clients_normal: u64,
    clients_replicas: u64,
    /// The journal's buffers (Redis's AOF buffer; not counted for `maxmemory`).
    aof_buffer: u64,
    /// (database, its hash tables' bytes) for each database with keys.
    dbs: Vec<(usize, u64)>,
    keys: u64,
}

impl MemoryOverhead {
    fn gather(ctx: &Context<'_>) -> Self {
        let (used, peak, startup) = memory_figures();
        let (mut clients_normal, mut clients_replicas) = (0u64, 0u64);
        for client in ctx.server.clients.all() {
            let (bytes, replica) = client.memory_bytes();
            let bytes = u64::try_from(bytes).unwrap_or(u64::MAX);
            if replica {
                clients_replicas = clients_replicas.saturating_add(bytes);
            } else {
                clients_normal = clients_normal.saturating_add(bytes);
            }
        }
        let mut dbs = Vec::new();
        let mut keys = 0u64;
        for (index, db) in ctx.server.keyspace.dbs().enumerate() {
            let (count, bytes) = db.keys_and_index_bytes();
            if count > 0 {
                keys = keys.saturating_add(u64::try_from(count).unwrap_or(u64::MAX));
                dbs.push((index, u64::try_from(bytes).unwrap_or(u64::MAX)));
            }
        }
        Self {
            used,
            peak,
            startup,
            rss: rss_bytes(),
            clients_normal,
            clients_replicas,
            aof_buffer: crate::server::evict::not_counted_bytes(ctx.server),
            dbs,
            keys,
        }
    }

    /// Everything but the data: Redis's `overhead.total` (`used_memory_overhead`).
    fn total(&self) -> u64 {
        self.dbs.iter().fold(
            self.startup
                .saturating_add(self.clients_normal)
                .saturating_add(self.clients_replicas)
                .saturating_add(self.aof_buffer),
            |sum, (_, bytes)| sum.saturating_add(*bytes),
        )
    }

    /// `dataset.bytes` (`used_memory_dataset`).
    fn dataset(&self) -> u64 {
        self.used.saturating_sub(self.total())
    }

    /// What the server allocated since it started, at least 1 (Redis's `net_usage`).
    fn net_usage(&self) -> u64 {
        self.used.saturating_sub(self.startup).max(1)
    }

    /// The dataset's share of `net_usage`, in percent (`dataset.percentage`).
    fn dataset_percent(&self) -> f64 {
        percent(self.dataset(), self.net_usage())
    }
}

/// (used, peak, startup) memory in bytes: what the allocator handed out (`crate::memory`).
fn memory_figures() -> (u64, u64, u64) {
    let used = crate::memory::used_bytes();
    let peak = PEAK_MEMORY_BYTES.fetch_max(used, Relaxed).max(used);
    note_startup_memory();
    (used, peak, STARTUP_MEMORY_BYTES.load(Relaxed))
}

/// Records `used_memory_startup` (the server calls it before it loads the journal; the first
/// INFO otherwise).
pub fn note_startup_memory() {
    let used = crate::memory::used_bytes();
    let _ = STARTUP_MEMORY_BYTES.compare_exchange(0, used, Relaxed, Relaxed);
}

/// `part / whole`, 0 when `whole` is 0 (Redis's fragmentation ratios).
fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// `a - b` as a signed number (RSS may be below what was allocated, swapped-out pages).
fn signed_difference(a: u64, b: u64) -> i64 {
    i64::try_from(a).unwrap_or(i64::MAX).saturating_sub(i64::try_from(b).unwrap_or(i64::MAX))
}

/// Redis's `bytesToHuman`: `<n>B` below 1 KiB, else two decimals and K, M, G, T or P.
fn human_bytes(bytes: u64) -> String {
    const UNITS: &[(u64, &str)] =
        &[(1 << 50, "P"), (1 << 40, "T"), (1 << 30, "G"), (1 << 20, "M"), (1 << 10, "K")];
    for &(size, unit) in UNITS {
        if bytes >= size {
            return format!("{:.2}{unit}", bytes as f64 / size as f64);
        }
    }
    format!("{bytes}B")
}

fn memory_section(ctx: &Context<'_>) -> Section {
    let memory = MemoryOverhead::gather(ctx);
    let MemoryOverhead { used, peak, startup, rss, .. } = memory;
    let not_counted = memory.aof_buffer;
    let total_system = total_system_memory_bytes();
    let maxmemory: u64 = setting(ctx, "maxmemory").parse().unwrap_or(0);
    let dataset = memory.dataset();
    let mut s = Section::new("Memory");
    s.field("used_memory", used)
        .field("used_memory_human", human_bytes(used))
        .field("used_memory_rss", rss)
        .field("used_memory_rss_human", human_bytes(rss))
        .field("used_memory_peak", peak)
        .field("used_memory_peak_human", human_bytes(peak))
        .field("used_memory_peak_perc", format_args!("{:.2}%", percent(used, peak)))
        .field("used_memory_overhead", memory.total())
        .field("used_memory_startup", startup)
        .field("used_memory_dataset", dataset)
        .field("used_memory_dataset_perc", format_args!("{:.2}%", memory.dataset_percent()))
        .field("allocator_allocated", used)
        .field("allocator_active", used)
        .field("allocator_resident", rss)
        .field("total_system_memory", total_system)
        .field("total_system_memory_human", human_bytes(total_system))
        .field("used_memory_lua", 31744)
        .field("used_memory_vm_eval", 31744)
        .field("used_memory_lua_human", "31.00K")
        .field("used_memory_scripts_eval", 0)
        .field("number_of_cached_scripts", 0)
        .field("number_of_functions", 0)
        .field("number_of_libraries", 0)
        .field("used_memory_vm_functions", 32768)
        .field("used_memory_vm_total", 64512)
        .field("used_memory_vm_total_human", "63.00K")
        .field("used_memory_functions", 0)
        .field("used_memory_scripts", 0)
        .field("used_memory_scripts_human", "0B")
        .field("maxmemory", maxmemory)
        .field("maxmemory_human", human_bytes(maxmemory))
        .field("maxmemory_policy", setting(ctx, "maxmemory-policy"))
        .field("allocator_frag_ratio", "1.00")
        .field("allocator_frag_bytes", 0)
        .field("allocator_rss_ratio", format_args!("{:.2}", ratio(rss, used)))
        .field("allocator_rss_bytes", signed_difference(rss, used))
        .field("rss_overhead_ratio", "1.00")
        .field("rss_overhead_bytes", 0)
        .field("mem_fragmentation_ratio", format_args!("{:.2}", ratio(rss, used)))
        .field("mem_fragmentation_bytes", signed_difference(rss, used))
        .field("mem_not_counted_for_evict", not_counted)
        .field("mem_replication_backlog", 0)
        .field("mem_total_replication_buffers", 0)
        .field("mem_clients_slaves", memory.clients_replicas)
        .field("mem_clients_normal", memory.clients_normal)
        .field("mem_cluster_links", 0)
        .field("mem_aof_buffer", not_counted)
        .field("mem_allocator", "libc")
        .field("active_defrag_running", 0)
        .field("lazyfree_pending_objects", 0)
        .field("lazyfreed_objects", 0);
    s
}

fn persistence_section(ctx: &Context<'_>) -> Section {
    let compaction = ctx.server.compaction.info();
    let seconds = |s: Option<u64>| s.map_or(-1, |s| i64::try_from(s).unwrap_or(i64::MAX));
    let status = |ok: bool| if ok { "ok" } else { "err" };
    let last_seq = ctx.server.journal().map_or(0, |j| j.last_seq());
    let current_save = compaction.current_time_s.filter(|_| compaction.save_in_progress);
    let current_rewrite = compaction.current_time_s.filter(|_| compaction.rewrite_in_progress);
    let mut s = Section::new("Persistence");
    s.field("loading", u8::from(ctx.server.is_loading()))
        .field("async_loading", 0)
        .field("current_cow_peak", 0)
        .field("current_cow_size", 0)
        .field("current_cow_size_age", 0)
        .field("current_fork_perc", "0.00")
        .field("current_save_keys_processed", 0)
        .field("current_save_keys_total", 0)
        .field("rdb_changes_since_last_save", last_seq.saturating_sub(compaction.snapshot_seq))
        .field("rdb_bgsave_in_progress", u8::from(compaction.save_in_progress))
        .field("rdb_last_save_time", ctx.server.last_save_unix_s.load(Relaxed))
        .field("rdb_last_bgsave_status", status(compaction.last_ok))
        .field("rdb_last_bgsave_time_sec", seconds(compaction.last_time_s))
        .field("rdb_current_bgsave_time_sec", seconds(current_save))
        .field("rdb_saves", compaction.saves)
        .field("rdb_last_cow_size", 0)
        .field("rdb_last_load_keys_expired", 0)
        .field("rdb_last_load_keys_loaded", 0)
        .field("aof_enabled", u8::from(setting(ctx, "appendonly") == "yes"))
        .field("aof_rewrite_in_progress", u8::from(compaction.rewrite_in_progress))
        .field("aof_rewrite_scheduled", u8::from(compaction.rewrite_scheduled))
        .field("aof_last_rewrite_time_sec", seconds(compaction.last_time_s))
        .field("aof_current_rewrite_time_sec", seconds(current_rewrite))
        .field("aof_last_bgrewrite_status", status(compaction.last_ok))
        .field("aof_rewrites", compaction.rewrites)
        .field("aof_rewrites_consecutive_failures", compaction.consecutive_failures)
        .field(
            "aof_last_write_status",
            match ctx.server.journal().and_then(|j| j.failure()) {
                Some(_) => "err",
                None => "ok",
            },
        )
        .field("aof_last_cow_size", 0)
        .field("module_fork_in_progress", 0)
        .field("module_fork_last_cow_size", 0);
    if let Some(journal) = ctx.server.journal() {
        let progress = journal.progress();
        let written = progress.written_seq.load(Relaxed);
        let synced = progress.synced_seq.load(Relaxed);
        let live = journal.live_bytes();
        s.field("aof_current_size", compaction.snapshot_bytes + live)
            .field("aof_base_size", compaction.base_bytes)
            .field("aof_pending_rewrite", 0)
            .field("aof_buffer_length", 0)
            .field("aof_pending_bio_fsync", u8::from(synced < written))
            .field("aof_delayed_fsync", 0)
            .field("snapshot_seq", compaction.snapshot_seq)
            .field("snapshot_size", compaction.snapshot_bytes)
            .field("journal_live_size", live)
            .field("journal_last_seq", journal.last_seq())
            .field("journal_written_seq", written)
            .field("journal_synced_seq", synced)
            .field("journal_last_sync_unix_ms", progress.last_sync_unix_ms.load(Relaxed))
            .field("journal_fsync_mode", journal.mode().name());
    }
    s
}

fn stats_section(ctx: &Context<'_>) -> Section {
    use crate::server::pubsub::Namespace;
    let stats = &ctx.server.stats;
    let pubsub = &ctx.server.pubsub;
    let (expired, hits, misses) = ctx
        .server
        .keyspace
        .dbs()
        .map(|db| db.stats())
        .fold((0, 0, 0), |(e, h, m), (de, dh, dm)| (e + de, h + dh, m + dm));
    let tracking = ctx.server.tracking.figures();
    let mut s = Section::new("Stats");
    s.field("total_connections_received", stats.connections_received.load(Relaxed))
        .field("total_commands_processed", stats.commands_processed())
        .field("instantaneous_ops_per_sec", 0)
        .field("total_net_input_bytes", stats.traffic(Traffic::NetInputBytes))
        .field("total_net_output_bytes", stats.traffic(Traffic::NetOutputBytes))
        .field("total_net_repl_input_bytes", stats.traffic(Traffic::NetReplInputBytes))
        .field("total_net_repl_output_bytes", stats.traffic(Traffic::NetReplOutputBytes))
        .field("instantaneous_input_kbps", "0.00")
        .field("instantaneous_output_kbps", "0.00")
        .field("instantaneous_input_repl_kbps", "0.00")
        .field("instantaneous_output_repl_kbps", "0.00")
        .field("rejected_connections", stats.rejected_connections.load(Relaxed))
        .field("sync_full", ctx.server.replication.sync_full.load(Relaxed))
        .field("sync_partial_ok", ctx.server.replication.sync_partial_ok.load(Relaxed))
        .field("sync_partial_err", ctx.server.replication.sync_partial_err.load(Relaxed))
        .field("expired_keys", expired)
        .field("expired_stale_perc", "0.00")
        .field("expired_time_cap_reached_count", 0)
        .field("expire_cycle_cpu_milliseconds", 0)
        .field("evicted_keys", ctx.server.evictor.evicted_keys.load(Relaxed))
        .field("evicted_clients", 0)
        .field("total_eviction_exceeded_time", 0)
        .field("current_eviction_exceeded_time", 0)
        .field("keyspace_hits", hits)
        .field("keyspace_misses", misses)
        .field("pubsub_channels", pubsub.len(Namespace::Channel))
        .field("pubsub_patterns", pubsub.len(Namespace::Pattern))
        .field("pubsubshard_channels", pubsub.len(Namespace::Shard))
        .field("latest_fork_usec", 0)
        .field("total_forks", 0)
        .field("migrate_cached_sockets", 0)
        .field("slave_expires_tracked_keys", 0)
        .field("active_defrag_hits", 0)
        .field("active_defrag_misses", 0)
        .field("active_defrag_key_hits", 0)
        .field("active_defrag_key_misses", 0)
        .field("total_active_defrag_time", 0)
        .field("current_active_defrag_time", 0)
        .field("tracking_total_keys", tracking.keys)
        .field("tracking_total_items", tracking.items)
        .field("tracking_total_prefixes", tracking.prefixes)
        .field("unexpected_error_replies", 0)
        .field("total_error_replies", stats.error_replies.load(Relaxed))
        .field("dump_payload_sanitizations", 0)
        .field("total_reads_processed", stats.traffic(Traffic::ReadsProcessed))
        .field("total_writes_processed", stats.traffic(Traffic::WritesProcessed))
        .field("io_threaded_reads_processed", 0)
        .field("io_threaded_writes_processed", 0)
        .field("reply_buffer_shrinks", 0)
        .field("reply_buffer_expands", 0)
        .field("eventloop_cycles", 0)
        .field("eventloop_duration_sum", 0)
        .field("eventloop_duration_cmd_sum", 0)
        .field("instantaneous_eventloop_cycles_per_sec", 0)
        .field("instantaneous_eventloop_duration_usec", 0)
        .field("acl_access_denied_auth", stats.auth_failures.load(Relaxed))
        .field("acl_access_denied_cmd", 0)
        .field("acl_access_denied_key", 0)
        .field("acl_access_denied_channel", 0);
    s
}

fn replication_section(ctx: &Context<'_>) -> Section {
    let replication = &ctx.server.replication;
    let last_seq = replication.reported_offset(ctx.server.journal().map_or(0, |j| j.last_seq()));
    let mut s = Section::new("Replication");
    match replication.primary() {
        Some(primary) => {
            let link = replication.link();
            let up = link.state == crate::server::replication::LinkState::Connected;
            let seconds = |s: Option<u64>| s.map_or(-1, |s| i64::try_from(s).unwrap_or(i64::MAX));
            s.field("role", "slave")
                .field("master_host", &primary.host)
                .field("master_port", primary.port)
                .field("master_link_status", if up { "up" } else { "down" })
                .field("master_last_io_seconds_ago", seconds(link.last_io_s.filter(|_| up)))
                .field("master_sync_in_progress", u8::from(link.transfer.is_some()))
                .field("slave_read_repl_offset", last_seq)
                .field("slave_repl_offset", last_seq);
            if let Some((elapsed, total, read)) = link.transfer {
                s.field("master_sync_total_bytes", total)
                    .field("master_sync_read_bytes", read)
                    .field("master_sync_left_bytes", total.saturating_sub(read))
                    .field("master_sync_perc", format!("{:.2}", percent(read, total)))
                    .field("master_sync_last_io_seconds_ago", seconds(link.last_io_s))
                    .field("master_sync_elapsed_seconds", elapsed);
            }
            if !up {
                s.field("master_link_down_since_seconds", seconds(link.down_since_s));
            }
            s.field("slave_priority", setting(ctx, "replica-priority"))
                .field("slave_read_only", 1)
                .field("replica_announced", 1)
                .field("master_journal_last_seq", link.primary_seq);
        }
        None => {
            s.field("role", "master");
        }
    }
    let replicas = replication.replicas();
    s.field("connected_slaves", replicas.len());
    for (index, replica) in replicas.iter().enumerate() {
        s.field(&format!("slave{index}"), crate::server::replication::replica_line(replica));
    }
    let (replid, replid2, second) = replication.ids();
    s.field("master_failover_state", "no-failover")
        .field("master_replid", &replid)
        .field("master_replid2", &replid2)
        .field("master_repl_offset", last_seq)
        .field("second_repl_offset", if second < 0 { -1 } else { second + 1 })
        .field("repl_backlog_active", u8::from(ctx.server.journal().is_some()))
        .field("repl_backlog_size", setting(ctx, "repl-backlog-size"))
        .field("repl_backlog_first_byte_offset", ctx.server.compaction.first_live_seq())
        .field(
            "repl_backlog_histlen",
            last_seq.saturating_sub(ctx.server.compaction.first_live_seq().saturating_sub(1)),
        );
    s
}

/// `part` as a percentage of `whole` (0 when `whole` is 0), as INFO and MEMORY STATS show it.
fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// CPU seconds from /proc/self/stat (utime, stime, cutime, cstime), as `%ld.%06ld`.
/// Clock ticks are taken as 100 per second (USER_HZ on Linux; reading it needs libc).
fn cpu_section() -> Section {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name (field 2) may hold spaces; fields after its ')' are space-separated.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks =
        |index: usize| -> u64 { fields.get(index).and_then(|f| f.parse().ok()).unwrap_or(0) };
    // After ')': state is index 0, so utime (field 14) is index 11.
    let (user, system, children_user, children_system) =
        (ticks(11), ticks(12), ticks(13), ticks(14));
    let seconds = |t: u64| format!("{}.{:06}", t / 100, (t % 100) * 10_000);
    let mut s = Section::new("CPU");
    s.field("used_cpu_sys", seconds(system))
        .field("used_cpu_user", seconds(user))
        .field("used_cpu_sys_children", seconds(children_system))
        .field("used_cpu_user_children", seconds(children_user))
        .field("used_cpu_sys_main_thread", seconds(system))
        .field("used_cpu_user_main_thread", seconds(user));
    s
}

fn commandstats_section(ctx: &Context<'_>) -> Section {
    let mut s = Section::new("Commandstats");
    for (name, counters) in ctx.server.stats.command_counters() {
        let (calls, usec) = (counters.calls, counters.usec);
        let per_call = if calls == 0 { 0.0 } else { usec as f64 / calls as f64 };
        s.field(
            &format!("cmdstat_{name}"),
            format_args!(
                "calls={calls},usec={usec},usec_per_call={per_call:.2},rejected_calls={},failed_calls={}",
                counters.rejected_calls, counters.failed_calls
            ),
        );
    }
    s
}

/// `latency_percentiles_usec_<command>:p50=1.003,p99=2.007,p99.9=2.007`: the percentiles
/// `latency-tracking-info-percentiles` lists, of each command's latency histogram.
fn latencystats_section(ctx: &Context<'_>) -> Section {
    use crate::server::histogram;
    let percentiles: Vec<f64> = setting(ctx, "latency-tracking-info-percentiles")
        .split_ascii_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect();
    let mut s = Section::new("Latencystats");
    for (name, counts) in ctx.server.stats.command_histograms() {
        let values: Vec<String> = percentiles
            .iter()
            .map(|p| {
                let usec = histogram::value_at_percentile(&counts, *p) as f64 / 1000.0;
                format!("{}={usec:.3}", histogram::percentile_name(*p))
            })
            .collect();
        s.field(&format!("latency_percentiles_usec_{name}"), values.join(","));
    }
    s
}

fn errorstats_section(ctx: &Context<'_>) -> Section {
    let mut s = Section::new("Errorstats");
    for (code, count) in ctx.server.stats.error_counts() {
        s.field(&format!("errorstat_{code}"), format_args!("count={count}"));
    }
    s
}

fn keyspace_section(ctx: &Context<'_>) -> Section {
    let mut s = Section::new("Keyspace");
    for (index, db) in ctx.server.keyspace.dbs().enumerate() {
        let (keys, expires) = db.counts();
        // Redis's expiry cycle sets avg_ttl to 0 when it finds no key with a deadline.
        let avg_ttl = if expires > 0 { db.avg_ttl_ms() } else { 0 };
        if keys > 0 || expires > 0 {
            s.field(
                &format!("db{index}"),
                format_args!("keys={keys},expires={expires},avg_ttl={avg_ttl}"),
            );
        }
    }
    s
}

// -------------------------------------------------------------------------------------- CONFIG

/// Whether a CONFIG GET argument is a glob (Redis looks for `[`, `*` or `?`).
fn is_glob(pattern: &[u8]) -> bool {
    pattern.iter().any(|b| matches!(b, b'[' | b'*' | b'?'))
}

/// CONFIG GET parameter [parameter ...]
pub fn config_get(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let settings = &ctx.server.settings;
    let mut found: Vec<(String, String)> = Vec::new();
    let mut add = |name: String, value: String| {
        if !found.iter().any(|(n, _)| n.eq_ignore_ascii_case(&name)) {
            found.push((name, value));
        }
    };
    for pattern in args.iter().skip(2) {
        if is_glob(pattern) {
            for (name, value) in settings.matching(pattern) {
                add(name.to_string(), value);
            }
        } else if let Ok(name) = std::str::from_utf8(pattern) {
            // A plain name answers under the client's spelling, as Redis does.
            if let Some(value) = settings.get(name) {
                add(name.to_string(), value);
            }
        }
    }
    ctx.reply.map(found.len());
    for (name, value) in &found {
        ctx.reply.bulk(name.as_bytes());
        ctx.reply.bulk(value.as_bytes());
    }
    Ok(())
}

fn config_set_failed(name: &str, reason: &str) -> CommandError {
    CommandError::err(format_args!(
        "CONFIG SET failed (possibly related to argument '{name}') - {reason}"
    ))
}

/// Settings CONFIG SET changes in Redis (or AllyDB's own) that this server fixes at start:
/// set to the value they have, they are accepted and change nothing, as tools that write back
/// CONFIG GET's values (and Redis's own tests) expect; another value is refused as immutable.
/// Redis's immutable settings are refused whatever the value, as in Redis.
const FIXED_HERE: &[&str] = &[
    "port",
    "bind",
    "appendonly",
    "key-load-delay",
    "persistence-location",
    "persistence-interval",
    "threads",
    "journal-zeros-ahead",
];

/// Whether `value` is exactly what `def` holds now: an integer setting by value (a value that
/// is not an integer is not the same), `yes`/`no` without case, `bind`'s addresses word by
/// word (as Redis splits them), anything else (paths) byte for byte.
fn same_setting_value(ctx: &Context<'_>, def: &SettingDef, value: &[u8]) -> bool {
    use crate::protocol::number::parse_i64;
    let Some(current) = ctx.server.settings.get(def.name) else { return false };
    let value = String::from_utf8_lossy(value);
    if let Some(current) = parse_i64(current.as_bytes()) {
        return parse_i64(value.as_bytes()) == Some(current);
    }
    match def.name {
        "appendonly" => current.eq_ignore_ascii_case(&value),
        "bind" => current.split_whitespace().eq(value.split_whitespace()),
        _ => current == value,
    }
}

/// CONFIG SET parameter value [parameter value ...]: all or nothing. Names are checked first,
/// in order (unknown, immutable, repeated), then values; nothing changes unless all pass.
/// A setting's name and its alias are separate parameters, as Redis registers each under its
/// own entry: both are set, in order (the last wins), and a refused value is reported under
/// the name the client used, lowercased (Redis's entry name).
pub fn config_set(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    if !(args.len() - 2).is_multiple_of(2) {
        return Err(CommandError::Syntax);
    }
    let mut chosen: Vec<(&'static SettingDef, String, &[u8])> = Vec::new();
    let mut unchanged: Vec<String> = Vec::new();
    let mut i = 2;
    while i + 1 < args.len() {
        let typed = String::from_utf8_lossy(args.get(i));
        let Some(def) = Settings::find(&typed) else {
            return Err(CommandError::err(format_args!(
                "Unknown option or number of arguments for CONFIG SET - '{typed}'"
            )));
        };
        if !def.mutable {
            if FIXED_HERE.contains(&def.name) && same_setting_value(ctx, def, args.get(i + 1)) {
                // A no-op, still one parameter: named twice, it is a duplicate.
                let entry = typed.to_ascii_lowercase();
                if unchanged.contains(&entry) {
                    return Err(config_set_failed(&typed, "duplicate parameter"));
                }
                unchanged.push(entry);
                i += 2;
                continue;
            }
            return Err(config_set_failed(&typed, "can't set immutable config"));
        }
        let allowed = ctx.server.settings.get("enable-protected-configs");
        if def.protected && !protected_action_allowed(ctx, allowed.as_deref().unwrap_or("no")) {
            return Err(config_set_failed(&typed, "can't set protected config"));
        }
        // Redis's DENY_LOADING_CONFIG.
        if def.name == "dir" && ctx.server.is_loading() {
            return Err(CommandError::Static("LOADING Redis is loading the dataset in memory"));
        }
        let entry = typed.to_ascii_lowercase();
        if chosen.iter().any(|(d, e, _)| std::ptr::eq(*d, def) && *e == entry) {
            return Err(config_set_failed(&typed, "duplicate parameter"));
        }
        chosen.push((def, entry, args.get(i + 1)));
        i += 2;
    }
    let mut validated = Vec::with_capacity(chosen.len());
    for (def, entry, value) in chosen {
        let text = String::from_utf8_lossy(value);
        let value = Settings::validate(def, &text).map_err(|r| config_set_failed(&entry, &r))?;
        validated.push((def, value));
    }
    for (def, value) in validated {
        if def.name == "appendfsync" {
            if let (Some(journal), Some(mode)) =
                (ctx.server.journal(), crate::journal::FsyncMode::parse(&value))
            {
                journal.set_mode(mode);
            }
        }
        ctx.server.settings.apply(def, value);
        if def.name == "maxmemory" {
            maxmemory_changed(ctx);
        }
    }
    ctx.reply.ok();
    Ok(())
}

/// Redis's `allowProtectedAction`: `setting` (an `enable-protected-configs` or
/// `enable-*-command` value) is `yes`, or `local` and the client is connected over loopback.
pub(super) fn protected_action_allowed(ctx: &Context<'_>, setting: &str) -> bool {
    match setting {
        "yes" => true,
        "local" => crate::server::clients::is_loopback_peer(&ctx.client.handle.addr),
        _ => false,
    }
}

/// A new `maxmemory` below what is in use evicts down to it at once (Redis starts its
/// eviction timer for the same effect), except inside EXEC, which holds the keyspace gate
/// exclusively: the next command does it there.
fn maxmemory_changed(ctx: &mut Context<'_>) {
    let maxmemory = ctx.server.settings.hot.eviction.maxmemory_bytes.load(Relaxed);
    let used = crate::server::evict::counted_bytes(ctx.server);
    if maxmemory == 0 || used <= maxmemory {
        return;
    }
    tracing::warn!(
        "WARNING: the new maxmemory value set via CONFIG SET ({maxmemory}) is smaller than the \
         current memory usage ({used}). This will result in key eviction and/or the inability \
         to accept new write commands depending on the maxmemory-policy."
    );
    if !ctx.client.transaction.is_executing() {
        crate::server::evict::perform_all(ctx.server, Some(&mut ctx.client.journal_mark));
    }
}

/// CONFIG RESETSTAT
pub fn config_resetstat(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    ctx.server.stats.reset();
    ctx.server.evictor.evicted_keys.store(0, Relaxed);
    for db in ctx.server.keyspace.dbs() {
        db.reset_stats();
    }
    ctx.reply.ok();
    Ok(())
}

/// CONFIG REWRITE: writes the live settings back to the configuration file the server was
/// started with, as Redis edits it (`config_file::rewrite`), atomically.
pub fn config_rewrite(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    let Some(path) = ctx.server.config.config_file.as_deref() else {
        return Err(CommandError::Static("ERR The server is running without a config file"));
    };
    // One rewrite at a time: they share the temporary file's name.
    static REWRITING: parking_lot::Mutex<()> = parking_lot::Mutex::new(());
    let _rewriting = REWRITING.lock();
    let failed = |error: &std::io::Error| {
        let reason = crate::config_file::os_error_text(error);
        tracing::warn!("CONFIG REWRITE failed: {reason}");
        CommandError::err(format_args!("Rewriting config file: {reason}"))
    };
    // A file that is gone is written from scratch, as Redis does.
    let old = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(error) => return Err(failed(&error)),
    };
    let options = ctx.server.settings.rewrite_options(ctx.server.replication.primary());
    let content = crate::config_file::rewrite(&old, &options, Settings::rewrite_name);
    crate::config_file::write_atomically(path, &content).map_err(|error| failed(&error))?;
    tracing::info!("CONFIG REWRITE executed with success.");
    ctx.reply.ok();
    Ok(())
}

/// CONFIG HELP
pub fn config_help(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    reply_help(
        ctx,
        "CONFIG",
        &[
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
        ],
    );
    Ok(())
}

// ------------------------------------------------------------------------ TIME, LASTSAVE

/// TIME: [unix seconds, microseconds] as bulk strings.
pub fn time(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    let now_us = unix_us_now();
    let seconds = i64::try_from(now_us / 1_000_000).unwrap_or(i64::MAX);
    let micros = i64::try_from(now_us % 1_000_000).unwrap_or(0);
    ctx.reply.array(2);
    ctx.reply.bulk_integer(seconds);
    ctx.reply.bulk_integer(micros);
    Ok(())
}

// ------------------------------------------------------------- BGREWRITEAOF, BGSAVE, SAVE

/// BGREWRITEAOF: starts a compaction (snapshot, then the journal rewritten to its tail).
pub fn bgrewriteaof(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    require_journal(ctx)?;
    let in_exec = ctx.client.transaction.is_executing();
    let reply = ctx.server.compaction.request(Trigger::Rewrite, false, in_exec);
    reply.map(|text| ctx.reply.simple(text)).map_err(CommandError::Static)
}

/// BGSAVE [SCHEDULE]: the same compaction; SCHEDULE queues it behind a running rewrite.
/// Inside EXEC the reply says `scheduled`, as Redis's (which forks only after EXEC).
pub fn bgsave(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let schedule = match args.len() {
        1 => false,
        2 if is(args.get(1), "schedule") => true,
        _ => return Err(CommandError::Syntax),
    };
    require_journal(ctx)?;
    let in_exec = ctx.client.transaction.is_executing();
    let reply = ctx.server.compaction.request(Trigger::Save, schedule, in_exec);
    reply.map(|text| ctx.reply.simple(text)).map_err(CommandError::Static)
}

/// SAVE: a compaction the client waits for. Other clients are served meanwhile: the snapshot
/// is point-in-time without stopping them.
pub fn save(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    require_journal(ctx)?;
    let ticket = ctx.server.compaction.request_foreground().map_err(CommandError::Static)?;
    ctx.client.action = Some(Action::Save { ticket });
    Ok(())
}

fn require_journal(ctx: &Context<'_>) -> CommandResult {
    if ctx.server.journal().is_none() {
        return Err(CommandError::Static(
            "ERR the server runs without a journal (--appendonly no): there is nothing to save to",
        ));
    }
    Ok(())
}

/// LASTSAVE
pub fn lastsave(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    let seconds = ctx.server.last_save_unix_s.load(Relaxed);
    ctx.reply.integer(i64::try_from(seconds).unwrap_or(i64::MAX));
    Ok(())
}

/// ROLE: Redis's shapes. A master: `master`, its last sequence number, and per replica
/// (ip, port, acknowledged sequence number) as bulk strings; a replica: `slave`, the
/// primary's host and port, the link state and its last sequence number (-1 while not
/// connected).
pub fn role(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    let replication = &ctx.server.replication;
    let last_seq = replication.reported_offset(ctx.server.journal().map_or(0, |j| j.last_seq()));
    let as_int = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    if let Some(primary) = replication.primary() {
        let link = replication.link();
        let connected = link.state == crate::server::replication::LinkState::Connected;
        ctx.reply.array(5);
        ctx.reply.bulk(b"slave");
        ctx.reply.bulk(primary.host.as_bytes());
        ctx.reply.integer(i64::from(primary.port));
        ctx.reply.bulk(link.state.name().as_bytes());
        ctx.reply.integer(if connected { as_int(last_seq) } else { -1 });
        return Ok(());
    }
    let replicas = replication.replicas();
    ctx.reply.array(3);
    ctx.reply.bulk(b"master");
    ctx.reply.integer(as_int(last_seq));
    ctx.reply.array(replicas.len());
    for replica in &replicas {
        ctx.reply.array(3);
        ctx.reply.bulk(replica.ip.as_bytes());
        ctx.reply.bulk(replica.port.to_string().as_bytes());
        let acked = replica.acked_seq.load(Relaxed);
        ctx.reply.bulk(acked.to_string().as_bytes());
    }
    Ok(())
}

// -------------------------------------------------------------------------------------- MEMORY

/// Bytes charged per key on top of key and value bytes: Redis's dict entry, object header and
/// key string header are about this much. MEMORY USAGE is an estimate in Redis too.
const KEY_OVERHEAD_BYTES: usize = 48;

/// MEMORY USAGE key [SAMPLES count]
pub fn memory_usage(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let mut i = 3;
    while i < args.len() {
        if is(args.get(i), "samples") && i + 1 < args.len() {
            if arguments::integer(args.get(i + 1))? < 0 {
                return Err(CommandError::Syntax);
            }
            i += 2;
        } else {
            return Err(CommandError::Syntax);
        }
    }
    let key = args.get(2);
    let hash = hash_key(key);
    let bytes = {
        let mut shard = ctx.db().lock(hash);
        shard
            .find(hash, key, ctx.now_ms)
            .map(|entry| KEY_OVERHEAD_BYTES + entry.key.len() + entry.value.memory_bytes())
    };
    match bytes {
        Some(bytes) => ctx.reply.integer(i64::try_from(bytes).unwrap_or(i64::MAX)),
        None => ctx.reply.null(),
    }
    Ok(())
}

/// Below this many bytes allocated Redis's MEMORY DOCTOR declines to judge (object.c).
const MEMORY_DOCTOR_EMPTY_BYTES: u64 = 5 * 1024 * 1024;

/// MEMORY DOCTOR: Redis's two texts for an instance without issues, by its size. (Redis's
/// checks for peak, fragmentation and client buffers are not made.)
pub fn memory_doctor(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    let (used, _, _) = memory_figures();
    let report: &[u8] = if used < MEMORY_DOCTOR_EMPTY_BYTES {
        b"Hi Sam, this instance is empty or is using very little memory, my issues detector \
          can't be used in these conditions. Please, leave for your mission on Earth and fill \
          it with some data. The new Sam and I will be back to our programming as soon as I \
          finished rebooting.\n"
    } else {
        b"Hi Sam, I can't find any memory issue in your instance. I can only account for what \
          occurs on this base.\n"
    };
    ctx.reply.verbatim(report);
    Ok(())
}

/// MEMORY STATS: Redis's map, in its order, with the figures INFO's memory section shows.
/// A database with keys gets its entry (`db.<n>`) with the bytes of its hash tables as
/// `overhead.hashtable.main`; deadlines live in the entries, so `overhead.hashtable.expires`
/// is 0, as is the cluster's `overhead.hashtable.slot-to-keys`. The allocator's figures are
/// glibc's as INFO gives them: allocated and active are `used_memory`, resident is the RSS.
pub fn memory_stats(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    use Figure::{Bytes, Ratio};
    let memory = MemoryOverhead::gather(ctx);
    let MemoryOverhead { used, peak, startup, rss, .. } = memory;
    let int = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let head = [
        ("peak.allocated", Bytes(int(peak))),
        ("total.allocated", Bytes(int(used))),
        ("startup.allocated", Bytes(int(startup))),
        ("replication.backlog", Bytes(0)),
        ("clients.slaves", Bytes(int(memory.clients_replicas))),
        ("clients.normal", Bytes(int(memory.clients_normal))),
        ("cluster.links", Bytes(0)),
        ("aof.buffer", Bytes(int(memory.aof_buffer))),
        ("lua.caches", Bytes(0)),
        ("functions.caches", Bytes(0)),
    ];
    let rss_over_used = ratio(rss, used);
    let rss_minus_used = signed_difference(rss, used);
    let tail = [
        ("overhead.total", Bytes(int(memory.total()))),
        ("keys.count", Bytes(int(memory.keys))),
        (
            "keys.bytes-per-key",
            Bytes(int(memory.net_usage().checked_div(memory.keys).unwrap_or(0))),
        ),
        ("dataset.bytes", Bytes(int(memory.dataset()))),
        ("dataset.percentage", Ratio(memory.dataset_percent())),
        ("peak.percentage", Ratio(percent(used, peak))),
        ("allocator.allocated", Bytes(int(used))),
        ("allocator.active", Bytes(int(used))),
        ("allocator.resident", Bytes(int(rss))),
        ("allocator-fragmentation.ratio", Ratio(1.0)),
        ("allocator-fragmentation.bytes", Bytes(0)),
        ("allocator-rss.ratio", Ratio(rss_over_used)),
        ("allocator-rss.bytes", Bytes(rss_minus_used)),
        ("rss-overhead.ratio", Ratio(1.0)),
        ("rss-overhead.bytes", Bytes(0)),
        ("fragmentation", Ratio(rss_over_used)),
        ("fragmentation.bytes", Bytes(rss_minus_used)),
    ];
    ctx.reply.map(head.len() + memory.dbs.len() + tail.len());
    reply_figures(ctx, &head);
    for (index, bytes) in &memory.dbs {
        ctx.reply.bulk(format!("db.{index}").as_bytes());
        ctx.reply.map(3);
        reply_figures(
            ctx,
            &[
                ("overhead.hashtable.main", Bytes(int(*bytes))),
                ("overhead.hashtable.expires", Bytes(0)),
                ("overhead.hashtable.slot-to-keys", Bytes(0)),
            ],
        );
    }
    reply_figures(ctx, &tail);
    Ok(())
}

/// One value of MEMORY STATS: an integer, or a double (a bulk string in RESP2).
#[derive(Clone, Copy)]
enum Figure {
    Bytes(i64),
    Ratio(f64),
}

fn reply_figures(ctx: &mut Context<'_>, figures: &[(&str, Figure)]) {
    for &(name, figure) in figures {
        ctx.reply.bulk(name.as_bytes());
        match figure {
            Figure::Bytes(n) => ctx.reply.integer(n),
            Figure::Ratio(x) => ctx.reply.double(x),
        }
    }
}

/// MEMORY MALLOC-STATS
pub fn memory_malloc_stats(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    ctx.reply.verbatim(b"Stats not supported for the current allocator");
    Ok(())
}

/// MEMORY PURGE: gives the allocator's free pages back to the OS (glibc's `malloc_trim`), as
/// Redis purges jemalloc's dirty pages; the command waits for it, as in Redis.
pub fn memory_purge(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    crate::memory::release_free_memory();
    ctx.reply.ok();
    Ok(())
}

/// MEMORY HELP
pub fn memory_help(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    reply_help(
        ctx,
        "MEMORY",
        &[
            "DOCTOR",
            "    Return memory problems reports.",
            "MALLOC-STATS",
            "    Return internal statistics report from the memory allocator.",
            "PURGE",
            "    Attempt to purge dirty pages for reclamation by the allocator.",
            "STATS",
            "    Return information about the memory usage of the server.",
            "USAGE <key> [SAMPLES <count>]",
            "    Return memory in bytes used by <key> and its value. Nested values are",
            "    sampled up to <count> times (default: 5, 0 means sample all).",
        ],
    );
    Ok(())
}

// ------------------------------------------------------------------------ SHUTDOWN, DEBUG

/// SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]: no reply on success; the connection
/// loop stops the server once this batch is done. SAVE compacts before exiting, NOSAVE does
/// not, neither compacts when the journal is over auto-aof-rewrite-min-size (`ShutdownSave`).
pub fn shutdown(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let (mut save, mut nosave, mut other, mut abort) = (false, false, false, false);
    for arg in args.iter().skip(1) {
        if is(arg, "nosave") {
            nosave = true;
        } else if is(arg, "save") {
            save = true;
        } else if is(arg, "now") || is(arg, "force") {
            other = true;
        } else if is(arg, "abort") {
            abort = true;
        } else {
            return Err(CommandError::Syntax);
        }
    }
    if (abort && (save || nosave || other)) || (save && nosave) {
        return Err(CommandError::Syntax);
    }
    if abort {
        return Err(CommandError::Static("ERR No shutdown in progress."));
    }
    tracing::info!("User requested shutdown...");
    let save = match (save, nosave) {
        (true, _) => ShutdownSave::Always,
        (_, true) => ShutdownSave::Never,
        _ => ShutdownSave::IfWorthwhile,
    };
    ctx.client.action = Some(Action::Shutdown(save));
    Ok(())
}

/// Longest DEBUG SLEEP honoured: it only delays this connection, but a mistyped huge value
/// should not park it for years.
const DEBUG_SLEEP_MAX: Duration = Duration::from_secs(24 * 60 * 60);

const DEBUG_HELP: &[&str] =
    &["SLEEP <seconds>", "    Stop the server for <seconds>. Decimals allowed."];

/// DEBUG SLEEP seconds | DEBUG HELP. Other DEBUG subcommands are not implemented.
pub fn debug(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let sub = args.get(1);
    if is(sub, "help") && args.len() == 2 {
        reply_help(ctx, "DEBUG", DEBUG_HELP);
    } else if is(sub, "sleep") && args.len() == 3 {
        // Redis reads the value with strtod and no error check: garbage sleeps 0 seconds.
        let seconds = parse_f64(args.get(2)).filter(|s| s.is_finite() && *s > 0.0).unwrap_or(0.0);
        let duration = Duration::try_from_secs_f64(seconds).unwrap_or(DEBUG_SLEEP_MAX);
        ctx.client.action = Some(Action::Sleep(duration.min(DEBUG_SLEEP_MAX)));
        ctx.reply.ok();
    } else {
        return Err(CommandError::subcommand_syntax(args.get(0), sub));
    }
    Ok(())
}

/// WAITAOF numlocal numreplicas timeout: waits until this connection's earlier writes are
/// fsynced (numlocal 1); there are no replicas, so numreplicas > 0 waits for the timeout.
pub fn waitaof(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let numlocal = arguments::integer(args.get(1))?;
    if !(0..=1).contains(&numlocal) {
        return Err(CommandError::Static("ERR value is out of range, value must between 0 and 1"));
    }
    let numreplicas = arguments::integer(args.get(2))?;
    if numreplicas < 0 {
        // Redis reads it with getPositiveLongFromObjectOrReply.
        return Err(CommandError::Static("ERR value is out of range, must be positive"));
    }
    let timeout = arguments::timeout_ms(args.get(3), ctx.now_ms)?;
    if numlocal == 1 && !ctx.server.config.appendonly {
        return Err(CommandError::Static(
            "ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled.",
        ));
    }
    let acks = Acks::Aof { local: numlocal == 1, replicas: numreplicas };
    let satisfied_without_waiting =
        numlocal == 0 && acks.replicas(ctx.server, ctx.client.journal_mark) >= numreplicas;
    ctx.client.action = Some(Action::WaitAcks {
        acks,
        timeout: if satisfied_without_waiting { Some(Duration::ZERO) } else { timeout },
    });
    Ok(())
}

/// WAIT numreplicas timeout: waits until `numreplicas` replicas acknowledged this
/// connection's earlier writes, or `timeout` ms (0: for ever); replies how many did.
pub fn wait(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    if ctx.server.replication.is_replica() {
        return Err(CommandError::Static(
            "ERR WAIT cannot be used with replica instances. Please also note that since Redis \
             4.0 if a replica is configured to be writable (which is not the default) writes to \
             replicas are just local and are not propagated.",
        ));
    }
    let numreplicas = arguments::integer(args.get(1))?;
    let timeout = arguments::timeout_ms(args.get(2), ctx.now_ms)?;
    let acks = Acks::Replicas { needed: numreplicas };
    if acks.replicas(ctx.server, ctx.client.journal_mark) >= numreplicas {
        acks.write_reply(ctx.reply, ctx.server, ctx.client.journal_mark, false);
        return Ok(());
    }
    ctx.client.action = Some(Action::WaitAcks { acks, timeout });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_bytes_like_redis() {
        assert_eq!(human_bytes(0), "0B");
        assert_eq!(human_bytes(1023), "1023B");
        assert_eq!(human_bytes(1024), "1.00K");
        assert_eq!(human_bytes(1024 * 1024), "1.00M");
        assert_eq!(human_bytes(1536 * 1024 * 1024), "1.50G");
    }

    #[test]
    fn globs() {
        assert!(is_glob(b"max*"));
        assert!(is_glob(b"a?"));
        assert!(!is_glob(b"maxclients"));
    }
}
