//! The command table: the one place that decides arity, flags (what writes, what is allowed
//! before AUTH), key positions and what `COMMAND` reports. Each family module contributes its
//! rows as a `COMMANDS` slice; `lookup` finds a row by name, case-insensitively.
use std::sync::LazyLock;

use super::errors::CommandResult;
use super::Context;
use crate::protocol::Args;

pub type Handler = fn(&mut Context<'_>, Args<'_>) -> CommandResult;

/// Command flags, as COMMAND INFO reports them.
pub mod flags {
    pub const WRITE: u32 = 1 << 0;
    pub const READONLY: u32 = 1 << 1;
    pub const DENYOOM: u32 = 1 << 2;
    pub const ADMIN: u32 = 1 << 3;
    pub const PUBSUB: u32 = 1 << 4;
    pub const NOSCRIPT: u32 = 1 << 5;
    pub const BLOCKING: u32 = 1 << 6;
    pub const LOADING: u32 = 1 << 7;
    pub const STALE: u32 = 1 << 8;
    pub const SKIP_MONITOR: u32 = 1 << 9;
    pub const SKIP_SLOWLOG: u32 = 1 << 10;
    pub const FAST: u32 = 1 << 11;
    pub const NO_AUTH: u32 = 1 << 12;
    pub const NO_MULTI: u32 = 1 << 13;
    pub const MOVABLEKEYS: u32 = 1 << 14;
    pub const ALLOW_BUSY: u32 = 1 << 15;
    /// Redis's `may_replicate` (hidden from COMMAND INFO, as in Redis): not a write, but
    /// CLIENT PAUSE WRITE holds it (PUBLISH, SPUBLISH) and a monitor may not run it.
    pub const MAY_REPLICATE: u32 = 1 << 16;
    /// Redis's `protected` (hidden from COMMAND INFO, as in Redis): refused unless its
    /// `enable-*-command` setting allows the client (`yes`, or `local` over loopback).
    pub const PROTECTED: u32 = 1 << 17;
    /// Redis's `no_async_loading`: refused while a replica loads a full sync in the background
    /// (`repl-diskless-load swapdb`). Reported only: AllyDB never loads that way (INFO's
    /// `async_loading` is always 0).
    pub const NO_ASYNC_LOADING: u32 = 1 << 18;
    /// Not a Redis flag: the command needs the keyspace gate exclusively (it touches several
    /// databases, or all of one, at one instant).
    pub const EXCLUSIVE: u32 = 1 << 30;

    /// Names in COMMAND INFO's order.
    pub const NAMES: &[(u32, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (SKIP_SLOWLOG, "skip_slowlog"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        (NO_ASYNC_LOADING, "no_async_loading"),
        (NO_MULTI, "no_multi"),
        (MOVABLEKEYS, "movablekeys"),
        (ALLOW_BUSY, "allow_busy"),
    ];
}

/// ACL categories beyond those derived from the group and flags.
pub mod acl {
    pub const KEYSPACE: u32 = 1 << 0;
    pub const DANGEROUS: u32 = 1 << 1;
    pub const CONNECTION: u32 = 1 << 2;
    pub const TRANSACTION: u32 = 1 << 3;
    /// @admin without the `admin` flag (ROLE, LASTSAVE).
    pub const ADMIN: u32 = 1 << 4;
    /// @list, @set and @sortedset beside the group's own (SORT and SORT_RO read all three).
    pub const COLLECTIONS: u32 = 1 << 5;
}

/// Where a command's keys are: legacy (first, last, step) triple. `last` < 0 counts from the
/// end (-1 is the last argument). `first` 0 means no keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySpan {
    pub first: i32,
    pub last: i32,
    pub step: i32,
}

impl KeySpan {
    pub const NONE: Self = Self { first: 0, last: 0, step: 0 };
    pub const ONE: Self = Self { first: 1, last: 1, step: 1 };
    pub const ALL: Self = Self { first: 1, last: -1, step: 1 };
    pub const TWO: Self = Self { first: 1, last: 2, step: 1 };
    pub const PAIRS: Self = Self { first: 1, last: -1, step: 2 };

    /// Indexes of the key arguments in a command of `argc` words.
    pub fn positions(&self, argc: usize) -> impl Iterator<Item = usize> {
        let argc = i64::try_from(argc).unwrap_or(i64::MAX);
        let first = i64::from(self.first);
        let last = if self.last < 0 { argc + i64::from(self.last) } else { i64::from(self.last) };
        let step = usize::try_from(self.step.max(1)).unwrap_or(1);
        let (first, last) = if first <= 0 { (1, 0) } else { (first, last.min(argc - 1)) };
        let range = usize::try_from(first).unwrap_or(1)..=usize::try_from(last).unwrap_or(0);
        range.step_by(step)
    }
}

/// Key-spec flags, as COMMAND INFO reports them in a key spec (Redis's `CMD_KEY_*`): what a
/// command does with the keys one spec finds. Not command flags (`flags`).
pub mod key_flags {
    /// Reads the value.
    pub const RO: u32 = 1 << 0;
    /// Reads and writes the value.
    pub const RW: u32 = 1 << 1;
    /// Overwrites the value without reading it.
    pub const OW: u32 = 1 << 2;
    /// Removes the key.
    pub const RM: u32 = 1 << 3;
    /// Returns, copies or otherwise uses user data from the value.
    pub const ACCESS: u32 = 1 << 4;
    /// Updates data in the value (a new value, or one changed in place).
    pub const UPDATE: u32 = 1 << 5;
    /// Adds data to the value without changing or removing what is there.
    pub const INSERT: u32 = 1 << 6;
    /// Removes data from the value.
    pub const DELETE: u32 = 1 << 7;
    /// Not a key, though it takes a key's place (shard channels, for cluster slots).
    pub const NOT_KEY: u32 = 1 << 8;
    /// The spec may not find every key (the command parses them itself).
    pub const INCOMPLETE: u32 = 1 << 9;
    /// The flags depend on the arguments: COMMAND GETKEYSANDFLAGS works them out.
    pub const VARIABLE_FLAGS: u32 = 1 << 10;

    /// Names in COMMAND INFO's order (Redis's `addReplyFlagsForKeyArgs`).
    pub const NAMES: &[(u32, &str)] = &[
        (RO, "RO"),
        (RW, "RW"),
        (OW, "OW"),
        (RM, "RM"),
        (ACCESS, "access"),
        (UPDATE, "update"),
        (INSERT, "insert"),
        (DELETE, "delete"),
        (NOT_KEY, "not_key"),
        (INCOMPLETE, "incomplete"),
        (VARIABLE_FLAGS, "variable_flags"),
    ];
}

/// Command tips (COMMAND INFO's eighth element): hints for clients and cluster proxies that
/// the server itself does not use. The strings are Redis's.
pub mod tips {
    /// The same call on the same data may reply differently (TTL, SPOP, INFO).
    pub const NONDETERMINISTIC_OUTPUT: &str = "nondeterministic_output";
    /// The reply's elements come in no fixed order (HGETALL, SMEMBERS).
    pub const NONDETERMINISTIC_OUTPUT_ORDER: &str = "nondeterministic_output_order";
    pub const REQUEST_ALL_NODES: &str = "request_policy:all_nodes";
    pub const REQUEST_ALL_SHARDS: &str = "request_policy:all_shards";
    pub const REQUEST_MULTI_SHARD: &str = "request_policy:multi_shard";
    pub const REQUEST_SPECIAL: &str = "request_policy:special";
    pub const RESPONSE_ALL_SUCCEEDED: &str = "response_policy:all_succeeded";
    pub const RESPONSE_AGG_MIN: &str = "response_policy:agg_min";
    pub const RESPONSE_AGG_SUM: &str = "response_policy:agg_sum";
    pub const RESPONSE_SPECIAL: &str = "response_policy:special";
    /// Sent to every node, each must succeed (CONFIG SET, CLIENT SETNAME, ACL SETUSER).
    pub const ALL_NODES_ALL_SUCCEEDED: &[&str] = &[REQUEST_ALL_NODES, RESPONSE_ALL_SUCCEEDED];
    /// Split across shards by key, the counts summed (DEL, EXISTS, TOUCH, UNLINK).
    pub const MULTI_SHARD_AGG_SUM: &[&str] = &[REQUEST_MULTI_SHARD, RESPONSE_AGG_SUM];
}

/// Where a key spec's search starts (Redis's `begin_search`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BeginSearch {
    /// At this argument (the command name is argument 0).
    Index(i32),
    /// Right after the first `keyword` (any case) found from argument `start_from` on, short
    /// of the last argument (GEORADIUS's STORE).
    Keyword { keyword: &'static str, start_from: i32 },
    /// Nowhere fixed: the command's own parsing finds these keys (SORT's BY, GET and STORE).
    Unknown,
}

/// How a key spec finds keys from where its search starts (Redis's `find_keys`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindKeys {
    /// Every `key_step`-th argument up to `last_key`: relative to the start when not negative,
    /// counted from the end (-1 is the last argument) when negative. `limit` 0: no limit.
    Range {
        last_key: i32,
        key_step: i32,
        limit: i32,
    },
    /// The argument `key_num_index` past the start counts the keys; the first is `first_key`
    /// past the start, then every `key_step`-th.
    KeyNum {
        key_num_index: i32,
        first_key: i32,
        key_step: i32,
    },
    Unknown,
}

/// One of Redis's key specs: where a group of a command's keys is and what the command does
/// with them. COMMAND INFO lists them; COMMAND GETKEYSANDFLAGS reports their flags per key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySpec {
    /// Why the flags are what they are; empty for none (most specs).
    pub notes: &'static str,
    /// `key_flags` bits.
    pub flags: u32,
    pub begin_search: BeginSearch,
    pub find_keys: FindKeys,
}

impl KeySpec {
    /// One key, at argument `index`.
    pub const fn one(index: i32, flags: u32) -> Self {
        Self::range(index, 0, 1, flags)
    }

    /// Keys from argument `index` to `last_key` (see `FindKeys::Range`), every `key_step`-th.
    pub const fn range(index: i32, last_key: i32, key_step: i32, flags: u32) -> Self {
        Self {
            notes: "",
            flags,
            begin_search: BeginSearch::Index(index),
            find_keys: FindKeys::Range { last_key, key_step, limit: 0 },
        }
    }

    /// A `numkeys` count at argument `index`, then that many keys right after it.
    pub const fn keynum(index: i32, flags: u32) -> Self {
        Self {
            notes: "",
            flags,
            begin_search: BeginSearch::Index(index),
            find_keys: FindKeys::KeyNum { key_num_index: 0, first_key: 1, key_step: 1 },
        }
    }

    /// One key, right after `keyword` (see `BeginSearch::Keyword`).
    pub const fn keyword(keyword: &'static str, start_from: i32, flags: u32) -> Self {
        Self {
            notes: "",
            flags,
            begin_search: BeginSearch::Keyword { keyword, start_from },
            find_keys: FindKeys::Range { last_key: 0, key_step: 1, limit: 0 },
        }
    }

    /// Keys only the command's own parsing finds.
    pub const fn unknown(flags: u32) -> Self {
        Self { notes: "", flags, begin_search: BeginSearch::Unknown, find_keys: FindKeys::Unknown }
    }

    pub const fn notes(mut self, notes: &'static str) -> Self {
        self.notes = notes;
        self
    }

    /// Indexes of the keys this spec finds in a command of `argc` words (`arg(i)` is word `i`),
    /// as Redis's `getKeysUsingKeySpecs` finds them; None for an unknown spec, or arguments it
    /// cannot find keys in (a bad `numkeys`, too few arguments).
    pub fn positions<'a>(
        &self,
        argc: usize,
        arg: impl Fn(usize) -> &'a [u8],
    ) -> Option<std::iter::StepBy<std::ops::RangeInclusive<usize>>> {
        let first = match self.begin_search {
            BeginSearch::Index(index) => i64::from(index),
            BeginSearch::Keyword { keyword, start_from } => {
                let start = usize::try_from(start_from).ok()?;
                let found = (start..argc.saturating_sub(1))
                    .find(|&i| arg(i).eq_ignore_ascii_case(keyword.as_bytes()))?;
                i64::try_from(found).ok()? + 1
            }
            BeginSearch::Unknown => return None,
        };
        let argc = i64::try_from(argc).ok()?;
        let (first, last, step) = match self.find_keys {
            FindKeys::Range { last_key, key_step, limit } => {
                let last = match (last_key >= 0, limit) {
                    (true, _) => first + i64::from(last_key),
                    (false, 0) => argc + i64::from(last_key),
                    (false, limit) => {
                        first + (argc - first) / i64::from(limit) + i64::from(last_key)
                    }
                };
                (first, last, key_step)
            }
            FindKeys::KeyNum { key_num_index, first_key, key_step } => {
                let at = usize::try_from(first + i64::from(key_num_index)).ok()?;
                if at >= usize::try_from(argc).ok()? {
                    return None;
                }
                let count = crate::protocol::number::parse_i64(arg(at)).filter(|n| *n >= 0)?;
                let first = first + i64::from(first_key);
                (first, first.checked_add(count)? - 1, key_step)
            }
            FindKeys::Unknown => return None,
        };
        if first < 1 || last >= argc || last < first {
            return None;
        }
        let step = usize::try_from(step).ok().filter(|s| *s > 0)?;
        Some((usize::try_from(first).ok()?..=usize::try_from(last).ok()?).step_by(step))
    }
}

/// One row of the table.
#[derive(Debug)]
pub struct CommandSpec {
    /// Lowercase name; subcommands as `container|sub`.
    pub name: &'static str,
    /// Arity counting the name: N exactly, -N at least N.
    pub arity: i32,
    pub flags: u32,
    pub keys: KeySpan,
    pub handler: Handler,
    /// COMMAND DOCS group: generic, string, bitmap, connection, server, ...
    pub group: &'static str,
    /// Extra ACL categories (see `acl`).
    pub acl: u32,
    pub since: &'static str,
    pub summary: &'static str,
    pub complexity: &'static str,
    /// Argument syntax after the name, in Redis's documentation notation, for COMMAND DOCS
    /// (e.g. `key value [NX | XX] [GET]`).
    pub syntax: &'static str,
    pub subcommands: &'static [CommandSpec],
    /// For MOVABLEKEYS commands with a `numkeys` argument: its index (0 = none). That many
    /// key arguments follow it, after the keys `keys` names (ZUNIONSTORE's destination).
    pub numkeys_index: usize,
    /// Key specs for COMMAND INFO when `keys` and `numkeys_index` do not say enough (a source
    /// and a destination with different flags, SORT's STORE). Empty: derived, see
    /// `all_key_specs()`. `keys` still decides where the keys are; a unit test in `introspection`
    /// checks that these specs find the same ones.
    pub key_specs: &'static [KeySpec],
    /// The flags of the key spec derived from `keys` (`key_flags` bits); 0 derives them from
    /// the command's flags (`RW update` for a write, `RO access` for a read).
    pub key_flags: u32,
    /// Command tips, in Redis's order (see `tips`).
    pub tips: &'static [&'static str],
}

impl CommandSpec {
    pub fn has(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }

    pub fn is_write(&self) -> bool {
        self.has(flags::WRITE)
    }

    /// Whether `argc` words (name included) satisfy the arity.
    pub fn arity_ok(&self, argc: usize) -> bool {
        let argc = i64::try_from(argc).unwrap_or(i64::MAX);
        let arity = i64::from(self.arity);
        if arity >= 0 {
            argc == arity
        } else {
            argc >= -arity
        }
    }

    /// The subcommand row named `name` (any case), if this is a container.
    pub fn subcommand(&self, name: &[u8]) -> Option<&'static CommandSpec> {
        let wanted = std::str::from_utf8(name).ok()?.to_ascii_lowercase();
        self.subcommands
            .iter()
            .find(|s| s.name.split_once('|').map(|(_, sub)| sub) == Some(wanted.as_str()))
    }
}

/// Builds a row with no documentation text; use the `.doc(...)` chain to add it.
#[allow(clippy::too_many_arguments)]
pub const fn spec(
    name: &'static str,
    arity: i32,
    flags: u32,
    keys: KeySpan,
    group: &'static str,
    handler: Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags,
        keys,
        handler,
        group,
        acl: 0,
        since: "1.0.0",
        summary: "",
        complexity: "",
        syntax: "",
        subcommands: &[],
        numkeys_index: 0,
        key_specs: &[],
        key_flags: 0,
        tips: &[],
    }
}

impl CommandSpec {
    /// Adds documentation: Redis version introduced, summary, complexity, argument syntax.
    pub const fn doc(
        mut self,
        since: &'static str,
        summary: &'static str,
        complexity: &'static str,
        syntax: &'static str,
    ) -> Self {
        self.since = since;
        self.summary = summary;
        self.complexity = complexity;
        self.syntax = syntax;
        self
    }

    pub const fn acl(mut self, categories: u32) -> Self {
        self.acl = categories;
        self
    }

    /// Marks a `numkeys` command: the argument at `index` counts the keys right after it.
    pub const fn numkeys(mut self, index: usize) -> Self {
        self.numkeys_index = index;
        self
    }

    /// Indexes of every key argument of a command of `argc` words (`arg(i)` is word `i`):
    /// the fixed span, then the `numkeys` keys. None when numkeys is not a count the
    /// arguments can hold.
    pub fn key_positions<'a>(
        &self,
        argc: usize,
        arg: impl Fn(usize) -> &'a [u8],
    ) -> Option<Vec<usize>> {
        let mut positions: Vec<usize> = self.keys.positions(argc).collect();
        if self.numkeys_index != 0 && self.numkeys_index < argc {
            let count = crate::protocol::number::parse_i64(arg(self.numkeys_index))?;
            let count = usize::try_from(count).ok()?;
            let first = self.numkeys_index + 1;
            if count == 0 || count > argc.saturating_sub(first) {
                return None;
            }
            positions.extend(first..first + count);
        }
        Some(positions)
    }

    pub const fn subs(mut self, subcommands: &'static [CommandSpec]) -> Self {
        self.subcommands = subcommands;
        self
    }

    /// Sets the key specs outright (see the field).
    pub const fn key_specs(mut self, key_specs: &'static [KeySpec]) -> Self {
        self.key_specs = key_specs;
        self
    }

    /// Sets the flags of the key spec derived from `keys` (see the field).
    pub const fn key_flags(mut self, key_flags: u32) -> Self {
        self.key_flags = key_flags;
        self
    }

    pub const fn tips(mut self, tips: &'static [&'static str]) -> Self {
        self.tips = tips;
        self
    }

    /// The key specs COMMAND INFO reports: the explicit ones, or one derived from `keys` (a
    /// range from `first`) followed by one for the `numkeys` keys.
    pub fn all_key_specs(&self) -> impl Iterator<Item = KeySpec> + '_ {
        let derived = if self.key_specs.is_empty() {
            [self.span_key_spec(), self.numkeys_key_spec()]
        } else {
            [None, None]
        };
        self.key_specs.iter().copied().chain(derived.into_iter().flatten())
    }

    fn span_key_spec(&self) -> Option<KeySpec> {
        use key_flags::*;
        let keys = self.keys;
        if keys.first <= 0 {
            return None;
        }
        let flags = match self.key_flags {
            0 if self.has(flags::PUBSUB) => NOT_KEY,
            0 if self.is_write() => RW | UPDATE,
            0 if self.has(flags::READONLY) => RO | ACCESS,
            0 => RO,
            explicit => explicit,
        };
        let last_key = if keys.last < 0 { keys.last } else { keys.last - keys.first };
        Some(KeySpec::range(keys.first, last_key, keys.step, flags))
    }

    /// The counted keys are sources read (RO access) beside a fixed destination, popped (RW
    /// access delete) by a write without one, as in Redis's ZUNIONSTORE and LMPOP.
    fn numkeys_key_spec(&self) -> Option<KeySpec> {
        use key_flags::*;
        let index = i32::try_from(self.numkeys_index).ok().filter(|i| *i > 0)?;
        let popped = self.is_write() && self.keys.first <= 0;
        Some(KeySpec::keynum(index, if popped { RW | ACCESS | DELETE } else { RO | ACCESS }))
    }
}

/// Every family's rows.
pub fn families() -> [&'static [CommandSpec]; 19] {
    [
        super::strings::COMMANDS,
        super::bitmaps::COMMANDS,
        super::keys::COMMANDS,
        super::lists::COMMANDS,
        super::hashes::COMMANDS,
        super::sets::COMMANDS,
        super::sortedsets::COMMANDS,
        super::geo::COMMANDS,
        super::hyperloglog::COMMANDS,
        super::connection::COMMANDS,
        super::client::COMMANDS,
        super::server::COMMANDS,
        super::latency::COMMANDS,
        super::introspection::COMMANDS,
        super::transactions::COMMANDS,
        super::pubsub::COMMANDS,
        super::acl::COMMANDS,
        super::replication::COMMANDS,
        super::cluster::COMMANDS,
    ]
}

/// The longest command name the fast table holds: all but two names fit in 16 bytes
/// (`ZREVRANGEBYSCORE`); GEORADIUSBYMEMBER and GEORADIUSBYMEMBER_RO are found in `LONG_NAMES`
/// instead, so the common lookup compares two words, not three.
const NAME_BYTES_MAX: usize = 16;

/// A command name for lookup: lowercased and zero-padded to `NAME_BYTES_MAX` bytes, as two
/// words, with its length (so `get` and `get\0` differ).
#[derive(Clone, Copy, PartialEq, Eq)]
struct NameKey {
    words: [u64; 2],
    len: usize,
}

impl NameKey {
    /// `None` for an empty name or one longer than any command's.
    #[inline]
    fn new(name: &[u8]) -> Option<NameKey> {
        if name.is_empty() || name.len() > NAME_BYTES_MAX {
            return None;
        }
        let (low, high) = name.split_at(name.len().min(8));
        let words = [ascii_lowercase_word(load_word(low)), ascii_lowercase_word(load_word(high))];
        Some(NameKey { words, len: name.len() })
    }

    /// Names are ours, not an attacker's choice of keys: a multiply of the folded words
    /// spreads the commands well enough (`the_name_table_probes_little` checks it).
    #[inline]
    fn hash(&self) -> u64 {
        let [low, high] = self.words;
        (low ^ high.rotate_left(29) ^ self.len as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
}

/// Up to the first eight bytes of `bytes` as a little-endian word, zero-extended. In
/// registers: bytes copied into a zeroed array first were stored piecemeal and read back
/// whole, which stalled every lookup (store-to-load forwarding fails) for about 10 ns.
#[inline]
fn load_word(bytes: &[u8]) -> u64 {
    let n = bytes.len().min(8);
    let byte = |i: usize| u64::from(bytes.get(i).copied().unwrap_or(0));
    let half = |i: usize| {
        bytes.get(i..i + 4).and_then(|b| b.try_into().ok()).map_or(0, u32::from_le_bytes)
    };
    match n {
        8 => bytes.get(..8).and_then(|b| b.try_into().ok()).map_or(0, u64::from_le_bytes),
        // Two four-byte loads that overlap in the middle: the overlap is the same bytes.
        4..=7 => u64::from(half(0)) | u64::from(half(n - 4)) << (8 * (n - 4)),
        1..=3 => byte(0) | byte(n / 2) << (8 * (n / 2)) | byte(n - 1) << (8 * (n - 1)),
        _ => 0,
    }
}

/// The eight bytes of `word` with ASCII `A`-`Z` lowercased, all at once: a byte's high bit
/// ends up set in `upper` if it is from `A` to `Z` (the additions cannot carry into the next
/// byte: a byte's low seven bits plus at most 0x3f), and 0x80 >> 2 is the case bit.
#[inline]
fn ascii_lowercase_word(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let low_bits = word & (0x7f * ONES);
    let from_a = low_bits + (0x80 - u64::from(b'A')) * ONES;
    let past_z = low_bits + (0x80 - u64::from(b'Z') - 1) * ONES;
    let upper = from_a & !past_z & !word & (0x80 * ONES);
    word | (upper >> 2)
}

/// Every top-level command by name: open addressing with linear probing, at most half full.
/// A lookup lowercases the name into a `NameKey` and compares two words, where a string map
/// checked UTF-8, hashed the bytes and compared them (about 9 ns a lookup against 16-30:
/// `cargo bench --bench dispatch`).
struct NameTable {
    slots: Box<[Option<(NameKey, &'static CommandSpec)>]>,
    /// The bits of a hash that pick the first slot: the top `bits` of it.
    bits: u32,
}

impl NameTable {
    fn new(specs: impl Iterator<Item = &'static CommandSpec> + Clone) -> NameTable {
        let count = specs.clone().count();
        let bits = (count.max(1) * 2).next_power_of_two().trailing_zeros();
        let mut table = NameTable { slots: vec![None; 1 << bits].into_boxed_slice(), bits };
        for spec in specs {
            let Some(key) = NameKey::new(spec.name.as_bytes()) else { continue };
            let mut index = table.first_slot(&key);
            while table.slots.get(index).is_some_and(Option::is_some) {
                index = (index + 1) & (table.slots.len() - 1);
            }
            if let Some(slot) = table.slots.get_mut(index) {
                *slot = Some((key, spec));
            }
        }
        table
    }

    #[inline]
    fn first_slot(&self, key: &NameKey) -> usize {
        (key.hash() >> (64 - self.bits)) as usize
    }

    #[inline]
    fn get(&self, key: &NameKey) -> Option<&'static CommandSpec> {
        let mask = self.slots.len() - 1;
        let mut index = self.first_slot(key);
        loop {
            match self.slots.get(index)? {
                Some((found, spec)) if found == key => return Some(spec),
                Some(_) => index = (index + 1) & mask,
                None => return None,
            }
        }
    }
}

static BY_NAME: LazyLock<NameTable> = LazyLock::new(|| NameTable::new(all()));

/// The commands whose names are longer than `NAME_BYTES_MAX`: few, compared one by one.
static LONG_NAMES: LazyLock<Vec<&'static CommandSpec>> =
    LazyLock::new(|| all().filter(|spec| spec.name.len() > NAME_BYTES_MAX).collect());

/// Every top-level command.
pub fn all() -> impl Iterator<Item = &'static CommandSpec> + Clone {
    families().into_iter().flat_map(|f| f.iter())
}

/// Finds a command by name, ignoring ASCII case, without allocating.
#[inline]
pub fn lookup(name: &[u8]) -> Option<&'static CommandSpec> {
    match NameKey::new(name) {
        Some(key) => BY_NAME.get(&key),
        None => lookup_long(name),
    }
}

#[cold]
fn lookup_long(name: &[u8]) -> Option<&'static CommandSpec> {
    LONG_NAMES.iter().copied().find(|spec| spec.name.as_bytes().eq_ignore_ascii_case(name))
}

/// Finds `name` or `container|sub` (COMMAND INFO, COMMAND DOCS).
pub fn lookup_full(name: &[u8]) -> Option<&'static CommandSpec> {
    match name.iter().position(|&b| b == b'|') {
        None => lookup(name),
        Some(bar) => lookup(name.get(..bar)?)?.subcommand(name.get(bar + 1..)?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_positions() {
        let p: Vec<usize> = KeySpan::PAIRS.positions(5).collect();
        assert_eq!(p, vec![1, 3]);
        let p: Vec<usize> = KeySpan::ALL.positions(4).collect();
        assert_eq!(p, vec![1, 2, 3]);
        assert_eq!(KeySpan::NONE.positions(3).count(), 0);
        assert_eq!(KeySpan::ONE.positions(2).collect::<Vec<_>>(), vec![1]);
    }

    #[test]
    fn every_command_is_found_by_its_name_in_any_case_and_nothing_else_is() {
        for spec in all() {
            let upper = spec.name.to_ascii_uppercase();
            for name in [spec.name, upper.as_str()] {
                let found = lookup(name.as_bytes()).map(|s| s.name);
                assert_eq!(found, Some(spec.name), "{name}");
            }
            let name = spec.name.as_bytes();
            let mut padded = name.to_vec();
            padded.push(0);
            assert!(lookup(&padded).is_none(), "{} with a NUL", spec.name);
            // A name one byte shorter, or with its last byte changed, is another command or
            // none: both words and the length take part in the comparison.
            let shorter = lookup(&name[..name.len() - 1]).map(|s| s.name);
            assert!(shorter != Some(spec.name), "{}", spec.name);
            let mut changed = name.to_vec();
            *changed.last_mut().unwrap() ^= 0x01;
            let found = lookup(&changed).map(|s| s.name);
            assert!(found != Some(spec.name), "{} with its last byte changed", spec.name);
        }
        for unknown in [&b""[..], b"gett", b"\xff\xfe", &[b'a'; 17], &[b'g'; 16], b"client|list"] {
            assert!(lookup(unknown).is_none(), "{:?}", String::from_utf8_lossy(unknown));
        }
    }

    #[test]
    fn a_word_loads_up_to_eight_bytes_zero_extended() {
        let bytes: Vec<u8> = (1..=10).collect();
        for len in 0..=10 {
            let mut expected = [0u8; 8];
            let n = len.min(8);
            expected[..n].copy_from_slice(&bytes[..n]);
            assert_eq!(load_word(&bytes[..len]), u64::from_le_bytes(expected), "{len} bytes");
        }
    }

    #[test]
    fn a_word_lowercases_ascii_letters_only() {
        let all: Vec<u8> = (0..=255).collect();
        for chunk in all.chunks(8) {
            let mut eight = [0u8; 8];
            eight.copy_from_slice(chunk);
            let lowered = ascii_lowercase_word(u64::from_le_bytes(eight)).to_le_bytes();
            assert_eq!(lowered, eight.map(|b| b.to_ascii_lowercase()), "{chunk:?}");
        }
    }

    #[test]
    fn the_name_table_probes_little() {
        let table = &*BY_NAME;
        let mask = table.slots.len() - 1;
        let mut probes = Vec::new();
        // The long names live in `LONG_NAMES`, found by `every_command_is_found_...`.
        for spec in all().filter(|spec| spec.name.len() <= NAME_BYTES_MAX) {
            let key = NameKey::new(spec.name.as_bytes()).unwrap();
            let mut index = table.first_slot(&key);
            let mut steps = 1;
            while table.slots[index].is_some_and(|(found, _)| found != key) {
                index = (index + 1) & mask;
                steps += 1;
            }
            probes.push(steps);
        }
        let mean = probes.iter().sum::<usize>() as f64 / probes.len() as f64;
        let worst = probes.iter().max().copied().unwrap_or(0);
        assert!(mean < 1.6 && worst <= 6, "mean {mean:.2}, worst {worst} probes");
        assert!(table.slots.len() >= 2 * probes.len());
    }

    #[test]
    fn names_are_unique_lowercase_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for spec in all() {
            assert!(seen.insert(spec.name), "duplicate {}", spec.name);
            assert_eq!(spec.name, spec.name.to_ascii_lowercase());
            assert!(!spec.summary.is_empty(), "{} has no summary", spec.name);
            for sub in spec.subcommands {
                assert!(sub.name.starts_with(&format!("{}|", spec.name)), "{}", sub.name);
                assert!(!sub.summary.is_empty(), "{} has no summary", sub.name);
            }
        }
        assert!(lookup(b"GeT").is_some());
    }

    #[test]
    fn every_command_is_documented() {
        let docs = include_str!("../../docs/COMMANDS.md");
        for spec in all() {
            let needle = format!("`{}`", spec.name.to_ascii_uppercase());
            assert!(docs.contains(&needle), "docs/COMMANDS.md does not list {needle}");
            for sub in spec.subcommands {
                let (_, name) = sub.name.split_once('|').unwrap_or(("", sub.name));
                let upper = name.to_ascii_uppercase();
                let listed = docs.lines().any(|l| l.contains(&needle) && l.contains(&upper));
                assert!(listed, "docs/COMMANDS.md does not list {needle} {upper}");
            }
        }
        assert!(lookup_full(b"CONFIG|get").is_some());
    }
}
