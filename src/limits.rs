//! Every bound the server enforces, with its unit and the reason for its value.
//! Limits that users may change are defaults here and live settings in `config`.

/// Longest inline command line without a newline (Redis PROTO_INLINE_MAX_SIZE).
pub const INLINE_BYTES_MAX: usize = 64 * 1024;
/// Longest `*`/`$` header line without a `\r`: Redis applies the same 64 KiB to them.
pub const HEADER_LINE_BYTES_MAX: usize = 64 * 1024;
/// Default `proto-max-bulk-len`: the largest bulk string a client may send (512 MiB, as Redis).
pub const BULK_BYTES_MAX_DEFAULT: u64 = 512 * 1024 * 1024;
/// Smallest accepted `proto-max-bulk-len` (Redis: 1 MiB).
pub const BULK_BYTES_MAX_MIN: u64 = 1024 * 1024;
/// Largest multibulk element count (Redis: INT_MAX).
pub const MULTIBULK_COUNT_MAX: i64 = i32::MAX as i64;
/// Multibulk count allowed before authentication (Redis: 10).
pub const UNAUTHENTICATED_MULTIBULK_COUNT_MAX: i64 = 10;
/// Bulk length allowed before authentication (Redis: 16384).
pub const UNAUTHENTICATED_BULK_BYTES_MAX: i64 = 16384;
/// Default `client-query-buffer-limit`: unparsed input per client (1 GiB, as Redis).
pub const QUERY_BUFFER_BYTES_MAX_DEFAULT: u64 = 1024 * 1024 * 1024;
/// Smallest accepted `client-query-buffer-limit` (Redis: 1 MiB).
pub const QUERY_BUFFER_BYTES_MAX_MIN: u64 = 1024 * 1024;
/// Argument slots reserved up front for one command, whatever count the client announced:
/// a header of `*10000000` must not allocate before the data arrives.
pub const ARGUMENTS_PREALLOCATED_MAX: usize = 64;
/// Bytes read from a socket per read call.
pub const READ_CHUNK_BYTES: usize = 16 * 1024;
/// When a pending bulk is at least this large, the read buffer grows to fit it at once
/// (bounded by what the client announced and the query-buffer limit), like Redis's big-arg path.
pub const BIG_ARGUMENT_BYTES: usize = 32 * 1024;
/// Most bytes written to one client before the other connections get a turn (Redis's
/// NET_MAX_WRITES_PER_EVENT): a large reply goes out in pieces of this size. Also the most
/// a thread that syncs the journal sends for one connection (`Journal::hand_over`).
pub const WRITE_PER_TURN_BYTES: usize = 64 * 1024;
/// Replies buffered before a write is forced inside one batch, so a long pipeline of large
/// replies does not hold unbounded output in memory.
pub const OUTPUT_FLUSH_BYTES: usize = 64 * 1024;
/// Commands one connection runs before the others get their turn (a yield), so a long
/// pipeline of cheap commands cannot delay another client's reply by more than this many.
pub const COMMANDS_PER_TURN: usize = 256;
/// Pending reply bytes that never count toward `client-output-buffer-limit`: Redis counts
/// only what overflows a client's reply buffer (`rbs`, 1 KiB at its smallest), so small
/// replies never close a client even under a limit of a few bytes.
pub const OUTPUT_LIMIT_FREE_BYTES: usize = 1024;
/// Default number of databases.
pub const DATABASES_DEFAULT: usize = 16;
/// Most databases a server may be configured with (keeps SELECT indexes and memory sane).
pub const DATABASES_MAX: usize = 1_000_000;
/// Connections closed since the peak before free heap pages are given back to the OS
/// (`memory::release_free_memory`): a mass disconnect leaves megabytes of buffers' pages
/// resident, while connections coming and going a few at a time reuse them.
pub const CLIENTS_GONE_BEFORE_TRIM: usize = 256;
/// Default `maxclients`.
pub const CLIENTS_MAX_DEFAULT: u64 = 10_000;
/// File descriptors kept beyond `maxclients` when raising RLIMIT_NOFILE at start (Redis's
/// CONFIG_MIN_RESERVED_FDS): the listener, journal segments, snapshots, logs.
pub const RESERVED_FDS: u64 = 32;
/// File descriptors beyond `maxclients + RESERVED_FDS` asked for at start for the journal's
/// outbox (`appendfsync always`: a duplicate of each connection's socket while its replies
/// wait for a sync); the outbox holds at most what the limit leaves beyond those two.
pub const OUTBOX_FDS: u64 = 1024;
/// Default `tcp-keepalive`, in seconds (Redis's 300).
pub const TCP_KEEPALIVE_S_DEFAULT: u64 = 300;
/// TCP keepalive probes before a silent peer is dropped (Redis's anetKeepAlive: 3).
pub const TCP_KEEPALIVE_PROBES: u32 = 3;
/// Shards per database, a power of two. Fixed for the life of the process: SCAN cursors and the
/// compactor walk shards by index. 256 keeps an empty database small (about 12 KiB) while
/// spreading a busy one.
pub const SHARDS_PER_DB: usize = 256;
const _: () = assert!(SHARDS_PER_DB.is_power_of_two());
/// Active expiry: how often the cycle runs (Redis's default hz 10).
pub const EXPIRE_CYCLE_INTERVAL_MS: u64 = 100;
/// Active expiry: keys examined per cycle across all databases (bounded work per tick).
pub const EXPIRE_CYCLE_KEYS_MAX: usize = 20_000;
/// Eviction: candidates kept between eviction rounds (Redis's EVPOOL_SIZE).
pub const EVICTION_POOL_SIZE: usize = 16;
/// Eviction under a volatile policy: entries walked in one shard to find keys with a deadline,
/// so a shard with few of them among many keys costs bounded work per sample.
pub const EVICTION_VOLATILE_SCAN_MAX: usize = 1024;
/// Most star groups a glob match may pass through (KEYS, SCAN MATCH, PSUBSCRIBE, ...): Redis's
/// `stringmatchlen` gives up past this depth (CVE-2022-36021), so a longer pattern matches
/// nothing there, and here.
pub const GLOB_STAR_NESTING_MAX: usize = 1000;
/// Longest client name / library name or version (Redis has no limit; ours keeps CLIENT LIST sane).
pub const CLIENT_NAME_BYTES_MAX: usize = 4096;
/// Largest LCS input product (len(a) * len(b)) we compute, to bound memory (a u32 table).
pub const LCS_CELLS_MAX: u64 = 256 * 1024 * 1024;
/// Keys a read may evict from the tracking table beyond the ones it added, when the table is
/// over `tracking-table-max-keys` (a lowered setting is worked off this much per read and per
/// expiry tick, as Redis's `trackingLimitUsedSlots` spends a bounded effort per command).
pub const TRACKING_EVICTIONS_PER_CALL: usize = 1000;
/// Default `tracking-table-max-keys` (Redis's).
pub const TRACKING_TABLE_KEYS_MAX_DEFAULT: u64 = 1_000_000;

/// `allydb --ping` (the container health check): the whole check, connect to reply, must fit
/// in this, so a wedged server or a black-holed port fails the check instead of hanging it
/// (Docker's own HEALTHCHECK timeout, 30 s by default, would otherwise be the only bound).
pub const HEALTHCHECK_TIMEOUT_MS: u64 = 3_000;
/// `allydb --ping`: longest reply line read. Redis's longest one-line replies (the `-DENIED`
/// protected-mode text) are under 1 KiB; anything longer is not a PONG.
pub const HEALTHCHECK_REPLY_BYTES_MAX: usize = 4 * 1024;

/// Default `slowlog-log-slower-than` (Redis's): commands of 10 ms or more go in the slow log.
pub const SLOWLOG_SLOWER_THAN_US_DEFAULT: i64 = 10_000;
/// Default `slowlog-max-len` (Redis's): entries the slow log keeps. Each holds at most 32
/// arguments of at most 128 bytes (plus a note), so the log's memory stays bounded.
pub const SLOWLOG_MAX_LEN_DEFAULT: u64 = 128;
