//! String commands: GET, SET and its variants, counters, ranges, MGET/MSET, LCS.
//! Values are `StrValue`s; integers stay integers until modified as bytes.
use super::arguments::{self, is};
use super::errors::{CommandError, CommandResult};
use super::table::{flags::*, spec, CommandSpec, KeySpan};
use super::Context;
use crate::protocol::Args;
use crate::store::{hash_key, Entry, Shard, StrValue, Value};

const G: &str = "string";

pub static COMMANDS: &[CommandSpec] = &[
    spec("get", 2, READONLY | FAST, KeySpan::ONE, G, get)
        .doc("1.0.0", "Returns the string value of a key.", "O(1)", "key"),
    spec("set", -3, WRITE | DENYOOM, KeySpan::ONE, G, set).doc(
        "1.0.0",
        "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.",
        "O(1)",
        "key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]",
    ),
    spec("incr", 2, WRITE | DENYOOM | FAST, KeySpan::ONE, G, incr).doc(
        "1.0.0",
        "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.",
        "O(1)",
        "key",
    ),
    spec("decr", 2, WRITE | DENYOOM | FAST, KeySpan::ONE, G, decr).doc(
        "1.0.0",
        "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.",
        "O(1)",
        "key",
    ),
    spec("incrby", 3, WRITE | DENYOOM | FAST, KeySpan::ONE, G, incrby).doc(
        "1.0.0",
        "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.",
        "O(1)",
        "key increment",
    ),
    spec("decrby", 3, WRITE | DENYOOM | FAST, KeySpan::ONE, G, decrby).doc(
        "1.0.0",
        "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.",
        "O(1)",
        "key decrement",
    ),
    spec("mget", -2, READONLY | FAST, KeySpan::ALL, G, mget).doc(
        "1.0.0",
        "Atomically returns the string values of one or more keys.",
        "O(N) where N is the number of keys to retrieve.",
        "key [key ...]",
    ),
    spec("mset", -3, WRITE | DENYOOM, KeySpan::PAIRS, G, mset).doc(
        "1.0.1",
        "Atomically creates or modifies the string values of one or more keys.",
        "O(N) where N is the number of keys to set.",
        "key value [key value ...]",
    ),
];

/// Reads `key` as a string: `Ok(None)` if missing, WRONGTYPE if another type.
pub fn read_string<'a>(
    shard: &'a mut Shard,
    hash: u64,
    key: &[u8],
    now_ms: u64,
) -> Result<Option<&'a mut Entry>, CommandError> {
    match shard.lookup(hash, key, now_ms) {
        None => Ok(None),
        Some(entry) => match entry.value {
            Value::Str(_) => Ok(Some(entry)),
            #[allow(unreachable_patterns)]
            _ => Err(CommandError::WrongType),
        },
    }
}

/// The bytes of a string entry (callers checked the type).
pub fn string_of(entry: &Entry) -> Option<&StrValue> {
    match &entry.value {
        Value::Str(s) => Some(s),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

fn reply_string(ctx: &mut Context<'_>, value: Option<&StrValue>) {
    match value {
        None => ctx.reply.null(),
        Some(StrValue::Int(n)) => ctx.reply.bulk_integer(*n),
        Some(StrValue::Embedded(b)) => ctx.reply.bulk(b),
        Some(StrValue::Raw(b)) => ctx.reply.bulk(b),
    }
}

/// GET key
pub fn get(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let key = args.get(1);
    let hash = hash_key(key);
    let db = ctx.server.db(ctx.client.db);
    let mut shard = db.lock(hash);
    let entry = read_string(&mut shard, hash, key, ctx.now_ms)?;
    let value = entry.and_then(|e| string_of(e));
    reply_string(ctx, value);
    Ok(())
}

/// Expiry options shared by SET and GETEX.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryOption {
    None,
    KeepTtl,
    Persist,
    /// An absolute deadline in Unix ms (relative options already added to now).
    At(u64),
}

/// Which expiry option word was given, for the "two different ones" rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ExpiryWord {
    Ex,
    Px,
    ExAt,
    PxAt,
    KeepTtl,
    Persist,
}

/// Turns an expiry word and its value into a deadline, with Redis's checks and texts.
pub fn expiry_deadline(
    word: &str,
    value: &[u8],
    now_ms: u64,
    fullname: &'static str,
) -> Result<u64, CommandError> {
    let n = arguments::integer(value)?;
    let invalid = CommandError::InvalidExpireTime { fullname };
    let seconds = matches!(word, "ex" | "exat");
    if n <= 0 || (seconds && n > i64::MAX / 1000) {
        return Err(invalid);
    }
    let ms = if seconds { n * 1000 } else { n };
    let absolute = if matches!(word, "ex" | "px") {
        ms.checked_add(i64::try_from(now_ms).unwrap_or(i64::MAX)).ok_or(invalid.clone())?
    } else {
        ms
    };
    u64::try_from(absolute).map_err(|_| invalid)
}

/// Parses SET/GETEX expiry words from `args[from..]`; other words go to `other`, which
/// returns false for an unknown word. Returns the chosen expiry.
pub fn parse_expiry_options(
    args: Args<'_>,
    from: usize,
    now_ms: u64,
    fullname: &'static str,
    allow_persist: bool,
    mut other: impl FnMut(&[u8]) -> bool,
) -> Result<ExpiryOption, CommandError> {
    let mut chosen: Option<(ExpiryWord, usize)> = None;
    let mut i = from;
    while i < args.len() {
        let word = args.get(i);
        let has_next = i + 1 < args.len();
        let found = if is(word, "ex") && has_next {
            Some(ExpiryWord::Ex)
        } else if is(word, "px") && has_next {
            Some(ExpiryWord::Px)
        } else if is(word, "exat") && has_next {
            Some(ExpiryWord::ExAt)
        } else if is(word, "pxat") && has_next {
            Some(ExpiryWord::PxAt)
        } else if is(word, "keepttl") && !allow_persist {
            Some(ExpiryWord::KeepTtl)
        } else if is(word, "persist") && allow_persist {
            Some(ExpiryWord::Persist)
        } else {
            None
        };
        match found {
            Some(w) => {
                if chosen.is_some_and(|(c, _)| c != w) {
                    return Err(CommandError::Syntax);
                }
                chosen = Some((w, i + 1));
                i += if matches!(w, ExpiryWord::KeepTtl | ExpiryWord::Persist) { 1 } else { 2 };
            }
            None => {
                if !other(word) {
                    return Err(CommandError::Syntax);
                }
                i += 1;
            }
        }
    }
    Ok(match chosen {
        None => ExpiryOption::None,
        Some((ExpiryWord::KeepTtl, _)) => ExpiryOption::KeepTtl,
        Some((ExpiryWord::Persist, _)) => ExpiryOption::Persist,
        Some((word, at)) => {
            let name = match word {
                ExpiryWord::Ex => "ex",
                ExpiryWord::Px => "px",
                ExpiryWord::ExAt => "exat",
                _ => "pxat",
            };
            ExpiryOption::At(expiry_deadline(name, args.get(at), now_ms, fullname)?)
        }
    })
}

/// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT ... | PXAT ... | KEEPTTL]
pub fn set(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let (mut nx, mut xx, mut get) = (false, false, false);
    let expiry = parse_expiry_options(args, 3, ctx.now_ms, "set", false, |word| {
        if is(word, "nx") && !xx {
            nx = true;
        } else if is(word, "xx") && !nx {
            xx = true;
        } else if is(word, "get") {
            get = true;
        } else {
            return false;
        }
        true
    })?;
    let (key, value) = (args.get(1), args.get(2));
    let hash = hash_key(key);
    let db = ctx.server.db(ctx.client.db);
    let mut shard = db.lock(hash);
    let now_ms = ctx.now_ms;
    let existing = if get {
        let entry = read_string(&mut shard, hash, key, now_ms)?;
        let old = entry.and_then(|e| string_of(e)).cloned();
        reply_string(ctx, old.as_ref());
        Some(old.is_some())
    } else {
        None
    };
    let exists = match existing {
        Some(found) => found,
        None => shard.contains(hash, key, now_ms),
    };
    if (nx && exists) || (xx && !exists) {
        if !get {
            ctx.reply.null();
        }
        return Ok(());
    }
    store_string(&mut shard, hash, key, StrValue::from_bytes(value), expiry, now_ms);
    if !get {
        ctx.reply.ok();
    }
    Ok(())
}

/// Stores a string, applying `expiry` (KeepTtl keeps the old deadline). A deadline already
/// in the past deletes the key instead, as Redis does.
pub fn store_string(
    shard: &mut Shard,
    hash: u64,
    key: &[u8],
    value: StrValue,
    expiry: ExpiryOption,
    now_ms: u64,
) {
    let deadline = match expiry {
        ExpiryOption::KeepTtl => shard.find(hash, key, now_ms).map_or(0, |e| e.expires_at_ms),
        ExpiryOption::At(at) => at,
        ExpiryOption::None | ExpiryOption::Persist => 0,
    };
    if deadline != 0 && deadline <= now_ms {
        shard.remove(hash, key, now_ms);
        return;
    }
    if let Some(entry) = shard.find(hash, key, now_ms) {
        if deadline == entry.expires_at_ms {
            entry.value = Value::Str(value);
            return;
        }
    }
    let mut entry = Entry::new(key, Value::Str(value));
    entry.expires_at_ms = deadline;
    shard.insert(hash, entry, now_ms);
}

/// Adds `delta` to the integer at `key` (0 if missing), keeping its TTL; replies the result.
fn increment(ctx: &mut Context<'_>, key: &[u8], delta: i64) -> CommandResult {
    let hash = hash_key(key);
    let db = ctx.server.db(ctx.client.db);
    let mut shard = db.lock(hash);
    let now_ms = ctx.now_ms;
    let result = match read_string(&mut shard, hash, key, now_ms)? {
        Some(entry) => {
            let current = string_of(entry)
                .and_then(StrValue::as_i64)
                .ok_or(CommandError::NotInteger)?;
            let next = current.checked_add(delta).ok_or(CommandError::Overflow)?;
            entry.value = Value::Str(StrValue::Int(next));
            next
        }
        None => {
            shard.insert(hash, Entry::new(key, Value::Str(StrValue::Int(delta))), now_ms);
            delta
        }
    };
    ctx.reply.integer(result);
    Ok(())
}

/// INCR key
pub fn incr(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    increment(ctx, args.get(1), 1)
}

/// DECR key
pub fn decr(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    increment(ctx, args.get(1), -1)
}

/// INCRBY key increment
pub fn incrby(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let delta = arguments::integer(args.get(2))?;
    increment(ctx, args.get(1), delta)
}

/// DECRBY key decrement
pub fn decrby(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let delta = arguments::integer(args.get(2))?;
    let negated = delta.checked_neg().ok_or(CommandError::Static("ERR decrement would overflow"))?;
    increment(ctx, args.get(1), negated)
}

/// MGET key [key ...]
pub fn mget(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let db = ctx.server.db(ctx.client.db);
    let count = args.len() - 1;
    let hashes: Vec<u64> = args.iter().skip(1).map(hash_key).collect();
    let mut shards = db.lock_keys(hashes.iter().copied());
    ctx.reply.array(count);
    for (i, &hash) in hashes.iter().enumerate() {
        let key = args.get(i + 1);
        let shard = shards.shard(hash);
        match shard.lookup(hash, key, ctx.now_ms).and_then(|e| string_of(e)) {
            Some(value) => value.with_bytes(|b| ctx.reply.bulk(b)),
            None => ctx.reply.null(),
        }
    }
    Ok(())
}

/// MSET key value [key value ...]
pub fn mset(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    if args.len() % 2 == 0 {
        return Err(CommandError::WrongArity { fullname: "mset".into() });
    }
    let db = ctx.server.db(ctx.client.db);
    let hashes: Vec<u64> = (1..args.len()).step_by(2).map(|i| hash_key(args.get(i))).collect();
    let mut shards = db.lock_keys(hashes.iter().copied());
    for (pair, &hash) in hashes.iter().enumerate() {
        let (key, value) = (args.get(1 + pair * 2), args.get(2 + pair * 2));
        let shard = shards.shard(hash);
        store_string(shard, hash, key, StrValue::from_bytes(value), ExpiryOption::None, ctx.now_ms);
    }
    ctx.reply.ok();
    Ok(())
}
