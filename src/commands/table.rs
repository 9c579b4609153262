//! The command table: the one place that decides arity, flags (what writes, what is allowed
//! before AUTH), key positions and what `COMMAND` reports. Each family module contributes its
//! rows as a `COMMANDS` slice; `lookup` finds a row by name, case-insensitively.
use std::collections::HashMap;
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
    /// @admin without the `admin` flag (ROLE).
    pub const ADMIN: u32 = 1 << 4;
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

type NameMap = HashMap<&'static str, &'static CommandSpec, foldhash::fast::FixedState>;

/// Name lookups happen once per command: a fast fixed-seed hash suffices (names are ours, not
/// an attacker's choice of keys).
static BY_NAME: LazyLock<NameMap> = LazyLock::new(|| {
    let mut map = NameMap::default();
    for family in families() {
        for spec in family {
            map.insert(spec.name, spec);
        }
    }
    map
});

/// Every top-level command.
pub fn all() -> impl Iterator<Item = &'static CommandSpec> {
    families().into_iter().flat_map(|f| f.iter())
}

/// Finds a command by name, ignoring ASCII case, without allocating.
pub fn lookup(name: &[u8]) -> Option<&'static CommandSpec> {
    let mut lower = [0u8; 32];
    let slot = lower.get_mut(..name.len())?;
    for (to, from) in slot.iter_mut().zip(name) {
        *to = from.to_ascii_lowercase();
    }
    let text = std::str::from_utf8(slot).ok()?;
    BY_NAME.get(text).copied()
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
