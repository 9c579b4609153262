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
}

/// Every family's rows.
pub fn families() -> [&'static [CommandSpec]; 16] {
    [
        super::strings::COMMANDS,
        super::bitmaps::COMMANDS,
        super::keys::COMMANDS,
        super::lists::COMMANDS,
        super::hashes::COMMANDS,
        super::sets::COMMANDS,
        super::sortedsets::COMMANDS,
        super::connection::COMMANDS,
        super::client::COMMANDS,
        super::server::COMMANDS,
        super::latency::COMMANDS,
        super::introspection::COMMANDS,
        super::transactions::COMMANDS,
        super::pubsub::COMMANDS,
        super::acl::COMMANDS,
        super::replication::COMMANDS,
    ]
}

/// The longest command name a lookup considers: the longest is 16 bytes
/// (`ZREVRANGEBYSCORE`; `every_command_is_found_by_its_name_in_any_case_and_nothing_else_is`
/// fails for a longer one).
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

/// Every top-level command.
pub fn all() -> impl Iterator<Item = &'static CommandSpec> + Clone {
    families().into_iter().flat_map(|f| f.iter())
}

/// Finds a command by name, ignoring ASCII case, without allocating.
#[inline]
pub fn lookup(name: &[u8]) -> Option<&'static CommandSpec> {
    BY_NAME.get(&NameKey::new(name)?)
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
        for spec in all() {
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
