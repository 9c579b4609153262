//! Hash commands: field-value maps. Values are `HashValue`s (store/hash.rs); every write
//! journals HashSet / HashDelete with what it applied. Also the SCAN option parsing that
//! HSCAN and SSCAN share.
use super::arguments::{self, is};
use super::collections::{self, delete_if_empty};
use super::errors::{CommandError, CommandResult};
use super::keys::parse_cursor;
use super::strings::{check_journal_room, long_double};
use super::table::{flags::*, key_flags::*, spec, tips, CommandSpec, KeySpan};
use super::Context;
use crate::journal::Effect;
use crate::protocol::number::parse_i64;
use crate::protocol::Args;
use crate::server::notify;
use crate::store::hash::Positional;
use crate::store::{dense, glob, hash_key, Entry, HashValue, Shard, Value};

const G: &str = "hash";

const SCAN_COMPLEXITY: &str = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.";

pub static COMMANDS: &[CommandSpec] = &[
    spec("hset", -4, WRITE | DENYOOM | FAST, KeySpan::ONE, G, hset).doc(
        "2.0.0",
        "Creates or modifies the value of a field in a hash.",
        "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.",
        "key field value [field value ...]",
    ),
    spec("hsetnx", 4, WRITE | DENYOOM | FAST, KeySpan::ONE, G, hsetnx).key_flags(RW | INSERT).doc(
        "2.0.0",
        "Sets the value of a field in a hash only when the field doesn't exist.",
        "O(1)",
        "key field value",
    ),
    spec("hmset", -4, WRITE | DENYOOM | FAST, KeySpan::ONE, G, hmset).doc(
        "2.0.0",
        "Sets the values of multiple fields.",
        "O(N) where N is the number of fields being set.",
        "key field value [field value ...]",
    ),
    spec("hget", 3, READONLY | FAST, KeySpan::ONE, G, hget).doc(
        "2.0.0",
        "Returns the value of a field in a hash.",
        "O(1)",
        "key field",
    ),
    spec("hmget", -3, READONLY | FAST, KeySpan::ONE, G, hmget).doc(
        "2.0.0",
        "Returns the values of all fields in a hash.",
        "O(N) where N is the number of fields being requested.",
        "key field [field ...]",
    ),
    spec("hgetall", 2, READONLY, KeySpan::ONE, G, hgetall)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT_ORDER])
        .doc(
            "2.0.0",
            "Returns all fields and values in a hash.",
            "O(N) where N is the size of the hash.",
            "key",
        ),
    spec("hdel", -3, WRITE | FAST, KeySpan::ONE, G, hdel).key_flags(RW | DELETE).doc(
        "2.0.0",
        "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.",
        "O(N) where N is the number of fields to be removed.",
        "key field [field ...]",
    ),
    spec("hlen", 2, READONLY | FAST, KeySpan::ONE, G, hlen).key_flags(RO).doc(
        "2.0.0",
        "Returns the number of fields in a hash.",
        "O(1)",
        "key",
    ),
    spec("hexists", 3, READONLY | FAST, KeySpan::ONE, G, hexists).key_flags(RO).doc(
        "2.0.0",
        "Determines whether a field exists in a hash.",
        "O(1)",
        "key field",
    ),
    spec("hkeys", 2, READONLY, KeySpan::ONE, G, hkeys)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT_ORDER])
        .doc(
            "2.0.0",
            "Returns all fields in a hash.",
            "O(N) where N is the size of the hash.",
            "key",
        ),
    spec("hvals", 2, READONLY, KeySpan::ONE, G, hvals)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT_ORDER])
        .doc(
            "2.0.0",
            "Returns all values in a hash.",
            "O(N) where N is the size of the hash.",
            "key",
        ),
    spec("hstrlen", 3, READONLY | FAST, KeySpan::ONE, G, hstrlen).key_flags(RO).doc(
        "3.2.0",
        "Returns the length of the value of a field.",
        "O(1)",
        "key field",
    ),
    spec("hincrby", 4, WRITE | DENYOOM | FAST, KeySpan::ONE, G, hincrby)
        .key_flags(RW | ACCESS | UPDATE)
        .doc(
            "2.0.0",
            "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.",
            "O(1)",
            "key field increment",
        ),
    spec("hincrbyfloat", 4, WRITE | DENYOOM | FAST, KeySpan::ONE, G, hincrbyfloat)
        .key_flags(RW | ACCESS | UPDATE)
        .doc(
            "2.6.0",
            "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.",
            "O(1)",
            "key field increment",
        ),
    spec("hrandfield", -2, READONLY, KeySpan::ONE, G, hrandfield)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT])
        .doc(
            "6.2.0",
            "Returns one or more random fields from a hash.",
            "O(N) where N is the number of fields returned",
            "key [count [WITHVALUES]]",
        ),
    spec("hscan", -3, READONLY, KeySpan::ONE, G, hscan).tips(&[tips::NONDETERMINISTIC_OUTPUT]).doc(
        "2.8.0",
        "Iterates over fields and values of a hash.",
        SCAN_COMPLEXITY,
        "key cursor [MATCH pattern] [COUNT count]",
    ),
];

// ---------------------------------------------------------------------------------------------
// Access helpers

/// Reads `key` as a hash (counting a keyspace hit or miss): `Ok(None)` if missing, WRONGTYPE
/// if another type.
fn read_hash<'a>(
    shard: &'a mut Shard,
    hash: u64,
    key: &[u8],
    now_ms: u64,
) -> Result<Option<&'a mut HashValue>, CommandError> {
    collections::read(shard, hash, key, now_ms, Value::hash_mut)
}

/// Finds `key` for a write, as Redis's `lookupKeyWrite` (no hit or miss counted).
fn write_hash<'a>(
    shard: &'a mut Shard,
    hash: u64,
    key: &[u8],
    now_ms: u64,
) -> Result<Option<&'a mut HashValue>, CommandError> {
    collections::write(shard, hash, key, now_ms, Value::hash_mut)
}

/// The hash at `key` for a write that will add at least one field: created empty if missing.
fn write_hash_or_create<'a>(
    shard: &'a mut Shard,
    hash: u64,
    key: &[u8],
    now_ms: u64,
) -> Result<&'a mut HashValue, CommandError> {
    if write_hash(shard, hash, key, now_ms)?.is_none() {
        shard.insert(hash, Entry::new(key, Value::Hash(HashValue::default())), now_ms);
    }
    collections::write_again(shard, hash, key, now_ms, Value::hash_mut)?
        .ok_or(CommandError::WrongType)
}

fn len_u64(len: usize) -> u64 {
    u64::try_from(len).unwrap_or(u64::MAX)
}

fn len_i64(len: usize) -> i64 {
    i64::try_from(len).unwrap_or(i64::MAX)
}

/// The total length of `args[from..]`.
pub(crate) fn args_bytes(args: Args<'_>, from: usize) -> u64 {
    args.iter().skip(from).map(|a| len_u64(a.len())).fold(0, u64::saturating_add)
}

// ---------------------------------------------------------------------------------------------
// Writes

/// HSET and HMSET: sets every pair, journals them all as one HashSet; returns how many
/// fields were new.
fn set_pairs(ctx: &mut Context<'_>, args: Args<'_>, fullname: &str) -> Result<i64, CommandError> {
    if !args.len().is_multiple_of(2) {
        return Err(CommandError::WrongArity { fullname: fullname.to_string() });
    }
    check_journal_room(ctx, args_bytes(args, 1), 1)?;
    let key = args.get(1);
    let hash = hash_key(key);
    let server = ctx.server;
    let mut shard = server.db(ctx.client.db).lock(hash);
    let hash_value = write_hash_or_create(&mut shard, hash, key, ctx.now_ms)?;
    let pairs: Vec<(&[u8], &[u8])> =
        (2..args.len()).step_by(2).map(|i| (args.get(i), args.get(i + 1))).collect();
    let longest = args.iter().skip(2).map(<[u8]>::len).max().unwrap_or(0);
    hash_value.prepare(pairs.len(), longest);
    let added = pairs.iter().filter(|(f, v)| hash_value.insert(f, v)).count();
    let db = ctx.db_index();
    ctx.journal(&[Effect::HashSet { db, key, pairs }]);
    drop(shard);
    ctx.notify(notify::HASH, "hset", key);
    Ok(len_i64(added))
}

/// HSET key field value [field value ...]
pub fn hset(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let added = set_pairs(ctx, args, "hset")?;
    ctx.reply.integer(added);
    Ok(())
}

/// HMSET key field value [field value ...]
pub fn hmset(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    set_pairs(ctx, args, "hmset")?;
    ctx.reply.ok();
    Ok(())
}

/// HSETNX key field value
pub fn hsetnx(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    check_journal_room(ctx, args_bytes(args, 1), 1)?;
    let (key, field, value) = (args.get(1), args.get(2), args.get(3));
    let hash = hash_key(key);
    let server = ctx.server;
    let mut shard = server.db(ctx.client.db).lock(hash);
    let exists = write_hash(&mut shard, hash, key, ctx.now_ms)?.is_some_and(|h| h.contains(field));
    if !exists {
        let hash_value = write_hash_or_create(&mut shard, hash, key, ctx.now_ms)?;
        hash_value.prepare(1, field.len().max(value.len()));
        hash_value.insert(field, value);
        let db = ctx.db_index();
        ctx.journal(&[Effect::HashSet { db, key, pairs: vec![(field, value)] }]);
    }
    drop(shard);
    if !exists {
        ctx.notify(notify::HASH, "hset", key);
    }
    ctx.reply.integer(i64::from(!exists));
    Ok(())
}

/// HDEL key field [field ...]
pub fn hdel(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let key = args.get(1);
    let hash = hash_key(key);
    let server = ctx.server;
    let now_ms = ctx.now_ms;
    let mut shard = server.db(ctx.client.db).lock(hash);
    let mut removed: Vec<&[u8]> = Vec::new();
    if let Some(hash_value) = write_hash(&mut shard, hash, key, now_ms)? {
        for field in args.iter().skip(2) {
            if hash_value.remove(field) {
                removed.push(field);
                if hash_value.is_empty() {
                    break;
                }
            }
        }
    }
    if !removed.is_empty() {
        let deleted = delete_if_empty(&mut shard, hash, key, now_ms);
        let db = ctx.db_index();
        let count = removed.len();
        ctx.journal(&[Effect::HashDelete { db, key, fields: removed }]);
        drop(shard);
        ctx.notify(notify::HASH, "hdel", key);
        if deleted {
            ctx.notify(notify::GENERIC, "del", key);
        }
        ctx.reply.integer(len_i64(count));
    } else {
        drop(shard);
        ctx.reply.integer(0);
    }
    Ok(())
}

/// HINCRBY key field increment
pub fn hincrby(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let increment = arguments::integer(args.get(3))?;
    let (key, field) = (args.get(1), args.get(2));
    check_journal_room(ctx, len_u64(key.len() + field.len()).saturating_add(20), 1)?;
    let hash = hash_key(key);
    let server = ctx.server;
    let mut shard = server.db(ctx.client.db).lock(hash);
    let current = match write_hash(&mut shard, hash, key, ctx.now_ms)?.and_then(|h| h.get(field)) {
        None => 0,
        Some(bytes) => {
            parse_i64(bytes).ok_or(CommandError::Static("ERR hash value is not an integer"))?
        }
    };
    let sum = current.checked_add(increment).ok_or(CommandError::Overflow)?;
    let text = itoa::Buffer::new().format(sum).to_owned();
    let hash_value = write_hash_or_create(&mut shard, hash, key, ctx.now_ms)?;
    hash_value.insert(field, text.as_bytes());
    let db = ctx.db_index();
    ctx.journal(&[Effect::HashSet { db, key, pairs: vec![(field, text.as_bytes())] }]);
    drop(shard);
    ctx.notify(notify::HASH, "hincrby", key);
    ctx.reply.integer(sum);
    Ok(())
}

/// HINCRBYFLOAT key field increment
///
/// Computes in 80-bit extended precision and prints like Redis's `ld2string` (the same code
/// as INCRBYFLOAT); the resulting text is stored and journaled as a HashSet.
pub fn hincrbyfloat(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    use long_double::Parsed;
    let increment = long_double::parse(args.get(3)).ok_or(CommandError::NotFloat)?;
    let Parsed::Finite(increment) = increment else {
        return Err(CommandError::Static("ERR value is NaN or Infinity"));
    };
    let (key, field) = (args.get(1), args.get(2));
    let text_max = 2 * len_u64(long_double::LONG_DOUBLE_CHARS_MAX);
    check_journal_room(ctx, len_u64(key.len() + field.len()).saturating_add(text_max), 1)?;
    let hash = hash_key(key);
    let server = ctx.server;
    let mut shard = server.db(ctx.client.db).lock(hash);
    let not_float = CommandError::Static("ERR hash value is not a float");
    let current = match write_hash(&mut shard, hash, key, ctx.now_ms)?.and_then(|h| h.get(field)) {
        None => long_double::parse(b"0"),
        Some(bytes) => Some(long_double::parse(bytes).ok_or(not_float.clone())?),
    };
    let not_finite = CommandError::Static("ERR increment would produce NaN or Infinity");
    let Some(Parsed::Finite(current)) = current else {
        return Err(not_finite);
    };
    let sum = long_double::add(current, increment).ok_or(not_finite)?;
    let text = long_double::format_human(sum);
    let hash_value = write_hash_or_create(&mut shard, hash, key, ctx.now_ms)?;
    hash_value.insert(field, text.as_bytes());
    let db = ctx.db_index();
    ctx.journal(&[Effect::HashSet { db, key, pairs: vec![(field, text.as_bytes())] }]);
    drop(shard);
    ctx.notify(notify::HASH, "hincrbyfloat", key);
    ctx.reply.bulk(text.as_bytes());
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Reads

/// Runs `f` on the hash at `args[1]` (None when missing) under its shard lock.
fn with_hash<R>(
    ctx: &mut Context<'_>,
    key: &[u8],
    f: impl FnOnce(&mut Context<'_>, Option<&HashValue>) -> R,
) -> Result<R, CommandError> {
    collections::with_read(ctx, key, Value::hash_mut, f)
}

/// HGET key field
pub fn hget(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    with_hash(ctx, args.get(1), |ctx, h| match h.and_then(|h| h.get(args.get(2))) {
        Some(value) => ctx.reply.bulk(value),
        None => ctx.reply.null(),
    })
}

/// HMGET key field [field ...]
pub fn hmget(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    with_hash(ctx, args.get(1), |ctx, h| {
        ctx.reply.array(args.len() - 2);
        for field in args.iter().skip(2) {
            match h.and_then(|h| h.get(field)) {
                Some(value) => ctx.reply.bulk(value),
                None => ctx.reply.null(),
            }
        }
    })
}

/// HGETALL key
pub fn hgetall(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    with_hash(ctx, args.get(1), |ctx, h| {
        let Some(h) = h else {
            ctx.reply.map(0);
            return;
        };
        ctx.reply.map(h.len());
        for (field, value) in h.iter() {
            ctx.reply.bulk(&field);
            ctx.reply.bulk(value);
        }
    })
}

/// HKEYS key
pub fn hkeys(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    with_hash(ctx, args.get(1), |ctx, h| match h {
        Some(h) => {
            // Fields may be rebuilt (store/hash.rs), so not borrowed for bulk_array.
            ctx.reply.array(h.len());
            for (field, _) in h.iter() {
                ctx.reply.bulk(&field);
            }
        }
        None => ctx.reply.array(0),
    })
}

/// HVALS key
pub fn hvals(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    with_hash(ctx, args.get(1), |ctx, h| match h {
        Some(h) => ctx.reply.bulk_array(h.iter().map(|(_, v)| v)),
        None => ctx.reply.array(0),
    })
}

/// HLEN key
pub fn hlen(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    with_hash(ctx, args.get(1), |ctx, h| ctx.reply.integer(len_i64(h.map_or(0, HashValue::len))))
}

/// HEXISTS key field
pub fn hexists(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    with_hash(ctx, args.get(1), |ctx, h| {
        ctx.reply.integer(i64::from(h.is_some_and(|h| h.contains(args.get(2)))));
    })
}

/// HSTRLEN key field
pub fn hstrlen(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    with_hash(ctx, args.get(1), |ctx, h| {
        let len = h.and_then(|h| h.get(args.get(2))).map_or(0, <[u8]>::len);
        ctx.reply.integer(len_i64(len));
    })
}

/// `count` distinct positions below `len` (count < len), chosen uniformly. Allocates at most
/// `len` slots: bounded by what is stored, not by the client's count.
pub(crate) fn distinct_positions(len: usize, count: usize) -> Vec<usize> {
    if count.saturating_mul(3) > len {
        let mut all: Vec<usize> = (0..len).collect();
        for i in 0..count.min(len) {
            let j = fastrand::usize(i..len);
            all.swap(i, j);
        }
        all.truncate(count);
        all
    } else {
        let mut chosen: hashbrown::HashSet<usize, foldhash::fast::RandomState> =
            hashbrown::HashSet::with_capacity_and_hasher(count, Default::default());
        let mut out = Vec::with_capacity(count);
        while out.len() < count {
            let i = fastrand::usize(..len);
            if chosen.insert(i) {
                out.push(i);
            }
        }
        out
    }
}

/// Parses HRANDFIELD / SRANDMEMBER's count: an integer in [-LONG_MAX, LONG_MAX].
pub(crate) fn random_count(bytes: &[u8]) -> Result<i64, CommandError> {
    let count = arguments::integer(bytes)?;
    if count == i64::MIN {
        return Err(CommandError::Static(
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ));
    }
    Ok(count)
}

/// HRANDFIELD key [count [WITHVALUES]]
pub fn hrandfield(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    if args.len() == 2 {
        return with_hash(ctx, args.get(1), |ctx, h| {
            // Positional: O(1) for a hashtable (a listpack is decoded once).
            let positional = h.map(HashValue::positional);
            let chosen = positional.as_ref().and_then(|p| p.get(fastrand::usize(..p.len().max(1))));
            match chosen {
                Some((field, _)) => ctx.reply.bulk(field),
                None => ctx.reply.null(),
            }
        });
    }
    let count = random_count(args.get(2))?;
    let with_values = match args.len() {
        3 => false,
        4 if is(args.get(3), "withvalues") => {
            if !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
                return Err(CommandError::Static("ERR value is out of range"));
            }
            true
        }
        _ => return Err(CommandError::Syntax),
    };
    with_hash(ctx, args.get(1), |ctx, h| {
        let Some(h) = h else {
            ctx.reply.array(0);
            return;
        };
        reply_random_pairs(ctx, &h.positional(), h.is_listpack(), count, with_values);
    })
}

fn reply_pair(ctx: &mut Context<'_>, (field, value): (&[u8], &[u8]), with_values: bool) {
    if with_values && ctx.reply.is_resp3() {
        ctx.reply.array(2);
    }
    ctx.reply.bulk(field);
    if with_values {
        ctx.reply.bulk(value);
    }
}

/// HRANDFIELD's reply, after Redis's cases: a negative count repeats fields (the reply has
/// exactly |count| of them, streamed without preallocating, cut short only where the
/// client's hard output buffer limit closes the client); a count at least the size
/// returns everything in order; otherwise distinct random fields (in stored order for a
/// listpack, as Redis samples it).
fn reply_random_pairs(
    ctx: &mut Context<'_>,
    pairs: &Positional<'_>,
    listpack: bool,
    count: i64,
    with_values: bool,
) {
    let size = pairs.len();
    let wanted = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
    if wanted == 0 || size == 0 {
        ctx.reply.array(0);
        return;
    }
    let flat = with_values && !ctx.reply.is_resp3();
    let header = |n: usize| if flat { n.saturating_mul(2) } else { n };
    if count < 0 || wanted == 1 {
        ctx.reply.array(header(wanted));
        // As SRANDMEMBER's: the client chose the length, so the client's output buffer
        // limit ends it (the connection then closes without sending it).
        for _ in 0..wanted {
            if ctx.reply.stops_streaming() {
                break;
            }
            if let Some(pair) = pairs.get(fastrand::usize(..size)) {
                reply_pair(ctx, pair, with_values);
            }
        }
        return;
    }
    if wanted >= size {
        ctx.reply.array(header(size));
        for i in 0..size {
            if let Some(pair) = pairs.get(i) {
                reply_pair(ctx, pair, with_values);
            }
        }
        return;
    }
    let mut positions = distinct_positions(size, wanted);
    if listpack {
        positions.sort_unstable();
    }
    ctx.reply.array(header(positions.len()));
    for i in positions {
        if let Some(pair) = pairs.get(i) {
            reply_pair(ctx, pair, with_values);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// SCAN family (HSCAN here, SSCAN in sets.rs)

/// HSCAN/SSCAN options: COUNT (default 10) and MATCH.
pub(crate) struct ScanOptions<'a> {
    pub count: usize,
    /// None matches everything (no MATCH, or `*`).
    pub pattern: Option<&'a [u8]>,
}

impl ScanOptions<'_> {
    pub fn accepts(&self, item: &[u8]) -> bool {
        self.pattern.is_none_or(|p| glob::matches(p, item, false))
    }
}

/// The cursor argument, as Redis's `parseScanCursorOrReply`.
pub(crate) fn scan_cursor(bytes: &[u8]) -> Result<u64, CommandError> {
    parse_cursor(bytes).ok_or(CommandError::Static("ERR invalid cursor"))
}

/// Parses `args[from..]` as Redis's `scanGenericCommand` does for a key's elements.
pub(crate) fn scan_options(args: Args<'_>, from: usize) -> Result<ScanOptions<'_>, CommandError> {
    let mut options = ScanOptions { count: 10, pattern: None };
    let mut i = from;
    while i < args.len() {
        let (word, has_value) = (args.get(i), i + 1 < args.len());
        if is(word, "count") && has_value {
            let n = arguments::integer(args.get(i + 1))?;
            if n < 1 {
                return Err(CommandError::Syntax);
            }
            options.count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if is(word, "match") && has_value {
            let pattern = args.get(i + 1);
            options.pattern = (pattern != b"*").then_some(pattern);
        } else {
            return Err(CommandError::Syntax);
        }
        i += 2;
    }
    Ok(options)
}

/// Writes `[cursor, [items...]]`.
pub(crate) fn reply_scan(ctx: &mut Context<'_>, cursor: u64, items: &[&[u8]]) {
    ctx.reply.array(2);
    ctx.reply.bulk(itoa::Buffer::new().format(cursor).as_bytes());
    ctx.reply.array(items.len());
    for item in items {
        ctx.reply.bulk(item);
    }
}

/// HSCAN key cursor [MATCH pattern] [COUNT count]
///
/// A listpack is returned whole with cursor 0, as Redis does; a hashtable is walked by
/// position from the end (dense.rs explains why no field present throughout is missed).
pub fn hscan(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let cursor = scan_cursor(args.get(2))?;
    let key = args.get(1);
    let hash = hash_key(key);
    let server = ctx.server;
    let mut shard = server.db(ctx.client.db).lock(hash);
    let Some(h) = read_hash(&mut shard, hash, key, ctx.now_ms)? else {
        drop(shard);
        reply_scan(ctx, 0, &[]);
        return Ok(());
    };
    let options = scan_options(args, 3)?;
    let positional = h.positional();
    let mut visited: Vec<(&[u8], &[u8])> = Vec::new();
    let next = match &positional {
        // Small: the whole hash, cursor 0.
        Positional::Small(pairs) => {
            visited.extend(pairs.iter().map(|(field, value)| (&**field, *value)));
            0
        }
        Positional::Table(pairs) => {
            dense::scan_positions(pairs.len(), cursor, options.count, |i| {
                visited.extend(positional.get(i));
            })
        }
    };
    let items: Vec<&[u8]> = visited
        .into_iter()
        .filter(|(field, _)| options.accepts(field))
        .flat_map(|(field, value)| [field, value])
        .collect();
    reply_scan(ctx, next, &items);
    Ok(())
}
