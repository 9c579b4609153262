//! String commands: GET, SET and its variants, counters, ranges, MGET/MSET, LCS.
//! Values are `StrValue`s; integers stay integers until modified as bytes.
use super::arguments::{self, is};
use super::errors::{CommandError, CommandResult};
use super::table::{flags::*, spec, CommandSpec, KeySpan};
use super::Context;
use crate::limits;
use crate::protocol::number::{format_human_float, parse_f64};
use crate::protocol::Args;
use crate::store::keyspace::access_clock_s;
use crate::store::value::EMBSTR_BYTES_MAX;
use crate::store::{hash_key, Entry, Shard, StrValue, Value};
use std::sync::atomic::Ordering::Relaxed;

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
    spec("setnx", 3, WRITE | DENYOOM | FAST, KeySpan::ONE, G, setnx).doc(
        "1.0.0",
        "Set the string value of a key only when the key doesn't exist.",
        "O(1)",
        "key value",
    ),
    spec("setex", 4, WRITE | DENYOOM, KeySpan::ONE, G, setex).doc(
        "2.0.0",
        "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.",
        "O(1)",
        "key seconds value",
    ),
    spec("psetex", 4, WRITE | DENYOOM, KeySpan::ONE, G, psetex).doc(
        "2.6.0",
        "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.",
        "O(1)",
        "key milliseconds value",
    ),
    spec("getset", 3, WRITE | DENYOOM | FAST, KeySpan::ONE, G, getset).doc(
        "1.0.0",
        "Returns the previous string value of a key after setting it to a new value.",
        "O(1)",
        "key value",
    ),
    spec("getdel", 2, WRITE | FAST, KeySpan::ONE, G, getdel).doc(
        "6.2.0",
        "Returns the string value of a key after deleting the key.",
        "O(1)",
        "key",
    ),
    spec("getex", -2, WRITE | FAST, KeySpan::ONE, G, getex).doc(
        "6.2.0",
        "Returns the string value of a key after setting its expiration time.",
        "O(1)",
        "key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]",
    ),
    spec("msetnx", -3, WRITE | DENYOOM, KeySpan::PAIRS, G, msetnx).doc(
        "1.0.1",
        "Atomically modifies the string values of one or more keys only when all keys don't exist.",
        "O(N) where N is the number of keys to set.",
        "key value [key value ...]",
    ),
    spec("append", 3, WRITE | DENYOOM | FAST, KeySpan::ONE, G, append).doc(
        "2.0.0",
        "Appends a string to the value of a key. Creates the key if it doesn't exist.",
        "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.",
        "key value",
    ),
    spec("strlen", 2, READONLY | FAST, KeySpan::ONE, G, strlen).doc(
        "2.2.0",
        "Returns the length of a string value.",
        "O(1)",
        "key",
    ),
    spec("getrange", 4, READONLY, KeySpan::ONE, G, getrange).doc(
        "2.4.0",
        "Returns a substring of the string stored at a key.",
        RANGE_COMPLEXITY,
        "key start end",
    ),
    spec("substr", 4, READONLY, KeySpan::ONE, G, getrange).doc(
        "1.0.0",
        "Returns a substring from a string value.",
        RANGE_COMPLEXITY,
        "key start end",
    ),
    spec("setrange", 4, WRITE | DENYOOM, KeySpan::ONE, G, setrange).doc(
        "2.2.0",
        "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.",
        "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.",
        "key offset value",
    ),
    spec("incrbyfloat", 3, WRITE | DENYOOM | FAST, KeySpan::ONE, G, incrbyfloat).doc(
        "2.6.0",
        "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.",
        "O(1)",
        "key increment",
    ),
    spec("lcs", -3, READONLY, KeySpan::TWO, G, lcs).doc(
        "7.0.0",
        "Finds the longest common substring.",
        "O(N*M) where N and M are the lengths of s1 and s2, respectively",
        "key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]",
    ),
];

const RANGE_COMPLEXITY: &str = "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.";

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
        ms.checked_add(i64::try_from(now_ms).unwrap_or(i64::MAX))
            .ok_or(invalid.clone())?
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
    other: impl FnMut(&[u8]) -> bool,
) -> Result<ExpiryOption, CommandError> {
    let words = parse_expiry_words(args, from, allow_persist, other)?;
    resolve_expiry(args, words, now_ms, fullname)
}

/// The expiry word chosen and the index of its value, without checking the value: GETEX
/// looks the key up between the syntax check and the value check.
type ExpiryWords = Option<(ExpiryWord, usize)>;

fn parse_expiry_words(
    args: Args<'_>,
    from: usize,
    allow_persist: bool,
    mut other: impl FnMut(&[u8]) -> bool,
) -> Result<ExpiryWords, CommandError> {
    let mut chosen: ExpiryWords = None;
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
                i += if matches!(w, ExpiryWord::KeepTtl | ExpiryWord::Persist) {
                    1
                } else {
                    2
                };
            }
            None => {
                if !other(word) {
                    return Err(CommandError::Syntax);
                }
                i += 1;
            }
        }
    }
    Ok(chosen)
}

/// Checks the value of the chosen expiry word and turns it into an `ExpiryOption`.
fn resolve_expiry(
    args: Args<'_>,
    words: ExpiryWords,
    now_ms: u64,
    fullname: &'static str,
) -> Result<ExpiryOption, CommandError> {
    Ok(match words {
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
    store_string(
        &mut shard,
        hash,
        key,
        StrValue::from_bytes(value),
        expiry,
        now_ms,
    );
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
            shard.insert(
                hash,
                Entry::new(key, Value::Str(StrValue::Int(delta))),
                now_ms,
            );
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
    let negated = delta
        .checked_neg()
        .ok_or(CommandError::Static("ERR decrement would overflow"))?;
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
        match shard
            .lookup(hash, key, ctx.now_ms)
            .and_then(|e| string_of(e))
        {
            Some(value) => value.with_bytes(|b| ctx.reply.bulk(b)),
            None => ctx.reply.null(),
        }
    }
    Ok(())
}

/// MSET key value [key value ...]
pub fn mset(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    if args.len() % 2 == 0 {
        return Err(CommandError::WrongArity {
            fullname: "mset".into(),
        });
    }
    let db = ctx.server.db(ctx.client.db);
    let hashes: Vec<u64> = (1..args.len())
        .step_by(2)
        .map(|i| hash_key(args.get(i)))
        .collect();
    let mut shards = db.lock_keys(hashes.iter().copied());
    for (pair, &hash) in hashes.iter().enumerate() {
        let (key, value) = (args.get(1 + pair * 2), args.get(2 + pair * 2));
        let shard = shards.shard(hash);
        store_string(
            shard,
            hash,
            key,
            StrValue::from_bytes(value),
            ExpiryOption::None,
            ctx.now_ms,
        );
    }
    ctx.reply.ok();
    Ok(())
}

/// The string value of an entry, for in-place changes (callers checked the type).
pub fn string_mut(entry: &mut Entry) -> Option<&mut StrValue> {
    match &mut entry.value {
        Value::Str(s) => Some(s),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// Finds `key` for a write, as Redis's `lookupKeyWrite`: touches the access time but counts
/// no keyspace hit or miss. `Ok(None)` if missing, WRONGTYPE if another type.
pub fn write_string<'a>(
    shard: &'a mut Shard,
    hash: u64,
    key: &[u8],
    now_ms: u64,
) -> Result<Option<&'a mut Entry>, CommandError> {
    match shard.find(hash, key, now_ms) {
        None => Ok(None),
        Some(entry) => match entry.value {
            Value::Str(_) => {
                entry.accessed_s = access_clock_s();
                Ok(Some(entry))
            }
            #[allow(unreachable_patterns)]
            _ => Err(CommandError::WrongType),
        },
    }
}

/// The live `proto-max-bulk-len`: the largest string a command may build.
pub fn bulk_len_max(ctx: &Context<'_>) -> u64 {
    ctx.server.settings.hot.proto_max_bulk_len.load(Relaxed)
}

/// Redis's `checkStringLength`: refuses a string of `size + append` bytes beyond
/// `proto-max-bulk-len`, before anything is allocated.
pub fn check_string_length(size: u64, append: u64, max: u64) -> Result<usize, CommandError> {
    let too_big =
        CommandError::Static("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    let total = size.checked_add(append).ok_or(too_big.clone())?;
    if total > max {
        return Err(too_big);
    }
    usize::try_from(total).map_err(|_| too_big)
}

fn len_u64(len: usize) -> u64 {
    u64::try_from(len).unwrap_or(u64::MAX)
}

fn len_i64(len: usize) -> i64 {
    i64::try_from(len).unwrap_or(i64::MAX)
}

/// A string value for bytes that Redis stores without trying the integer encoding
/// (INCRBYFLOAT's result): "embstr" when short, "raw" otherwise.
fn plain_string(bytes: &[u8]) -> StrValue {
    if bytes.len() <= EMBSTR_BYTES_MAX {
        StrValue::Embedded(bytes.into())
    } else {
        StrValue::Raw(bytes.to_vec())
    }
}

/// SETNX key value
pub fn setnx(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let (key, value) = (args.get(1), args.get(2));
    let hash = hash_key(key);
    let mut shard = ctx.server.db(ctx.client.db).lock(hash);
    if shard.contains(hash, key, ctx.now_ms) {
        ctx.reply.integer(0);
        return Ok(());
    }
    shard.insert(
        hash,
        Entry::new(key, Value::Str(StrValue::from_bytes(value))),
        ctx.now_ms,
    );
    ctx.reply.integer(1);
    Ok(())
}

/// SET with a relative expiry given as the second argument (SETEX, PSETEX).
fn set_with_expiry(
    ctx: &mut Context<'_>,
    args: Args<'_>,
    word: &str,
    fullname: &'static str,
) -> CommandResult {
    let deadline = expiry_deadline(word, args.get(2), ctx.now_ms, fullname)?;
    let (key, value) = (args.get(1), args.get(3));
    let hash = hash_key(key);
    let mut shard = ctx.server.db(ctx.client.db).lock(hash);
    let value = StrValue::from_bytes(value);
    store_string(
        &mut shard,
        hash,
        key,
        value,
        ExpiryOption::At(deadline),
        ctx.now_ms,
    );
    ctx.reply.ok();
    Ok(())
}

/// SETEX key seconds value
pub fn setex(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    set_with_expiry(ctx, args, "ex", "setex")
}

/// PSETEX key milliseconds value
pub fn psetex(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    set_with_expiry(ctx, args, "px", "psetex")
}

/// GETSET key value
pub fn getset(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let (key, value) = (args.get(1), args.get(2));
    let hash = hash_key(key);
    let mut shard = ctx.server.db(ctx.client.db).lock(hash);
    let now_ms = ctx.now_ms;
    let old = read_string(&mut shard, hash, key, now_ms)?
        .and_then(|e| string_of(e))
        .cloned();
    reply_string(ctx, old.as_ref());
    // Like SET without KEEPTTL, GETSET drops any TTL the key had.
    store_string(
        &mut shard,
        hash,
        key,
        StrValue::from_bytes(value),
        ExpiryOption::None,
        now_ms,
    );
    Ok(())
}

/// GETDEL key
pub fn getdel(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let key = args.get(1);
    let hash = hash_key(key);
    let mut shard = ctx.server.db(ctx.client.db).lock(hash);
    let now_ms = ctx.now_ms;
    let found = read_string(&mut shard, hash, key, now_ms)?.is_some();
    if !found {
        ctx.reply.null();
        return Ok(());
    }
    let removed = shard.remove(hash, key, now_ms);
    reply_string(ctx, removed.as_ref().and_then(string_of));
    Ok(())
}

/// GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds |
/// PXAT unix-time-milliseconds | PERSIST]
pub fn getex(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let words = parse_expiry_words(args, 2, true, |_| false)?;
    let key = args.get(1);
    let hash = hash_key(key);
    let mut shard = ctx.server.db(ctx.client.db).lock(hash);
    let now_ms = ctx.now_ms;
    let Some(entry) = read_string(&mut shard, hash, key, now_ms)? else {
        // A missing key wins over a bad expire value, as in Redis.
        ctx.reply.null();
        return Ok(());
    };
    let expiry = resolve_expiry(args, words, now_ms, "getex")?;
    reply_string(ctx, string_of(entry));
    match expiry {
        ExpiryOption::At(deadline) if deadline <= now_ms => {
            shard.remove(hash, key, now_ms);
        }
        ExpiryOption::At(deadline) => {
            shard.set_expiry(hash, key, deadline, now_ms);
        }
        ExpiryOption::Persist => {
            shard.set_expiry(hash, key, 0, now_ms);
        }
        ExpiryOption::None | ExpiryOption::KeepTtl => {}
    }
    Ok(())
}

/// MSETNX key value [key value ...]
pub fn msetnx(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    if args.len() % 2 == 0 {
        return Err(CommandError::WrongArity {
            fullname: "msetnx".into(),
        });
    }
    let db = ctx.server.db(ctx.client.db);
    let hashes: Vec<u64> = (1..args.len())
        .step_by(2)
        .map(|i| hash_key(args.get(i)))
        .collect();
    let mut shards = db.lock_keys(hashes.iter().copied());
    let now_ms = ctx.now_ms;
    let any_exists = hashes.iter().enumerate().any(|(pair, &hash)| {
        shards
            .shard(hash)
            .contains(hash, args.get(1 + pair * 2), now_ms)
    });
    if any_exists {
        ctx.reply.integer(0);
        return Ok(());
    }
    for (pair, &hash) in hashes.iter().enumerate() {
        let (key, value) = (args.get(1 + pair * 2), args.get(2 + pair * 2));
        let shard = shards.shard(hash);
        store_string(
            shard,
            hash,
            key,
            StrValue::from_bytes(value),
            ExpiryOption::None,
            now_ms,
        );
    }
    ctx.reply.integer(1);
    Ok(())
}

/// APPEND key value
pub fn append(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let (key, value) = (args.get(1), args.get(2));
    let max = bulk_len_max(ctx);
    let hash = hash_key(key);
    let mut shard = ctx.server.db(ctx.client.db).lock(hash);
    let now_ms = ctx.now_ms;
    let len = match write_string(&mut shard, hash, key, now_ms)? {
        None => {
            let entry = Entry::new(key, Value::Str(StrValue::from_bytes(value)));
            shard.insert(hash, entry, now_ms);
            value.len()
        }
        Some(entry) => {
            let Some(current) = string_mut(entry) else {
                return Err(CommandError::WrongType);
            };
            check_string_length(len_u64(current.len()), len_u64(value.len()), max)?;
            let bytes = current.make_raw();
            bytes.extend_from_slice(value);
            bytes.len()
        }
    };
    ctx.reply.integer(len_i64(len));
    Ok(())
}

/// STRLEN key
pub fn strlen(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let key = args.get(1);
    let hash = hash_key(key);
    let mut shard = ctx.server.db(ctx.client.db).lock(hash);
    let len = read_string(&mut shard, hash, key, ctx.now_ms)?
        .and_then(|e| string_of(e))
        .map_or(0, StrValue::len);
    ctx.reply.integer(len_i64(len));
    Ok(())
}

/// The byte range `start..=end` (Redis's inclusive, negative-from-the-end indexes) of a string
/// of `len` bytes, or None when it selects nothing.
pub fn inclusive_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len_i64(len);
    if start < 0 && end < 0 && start > end {
        return None;
    }
    let start = if start < 0 {
        len.saturating_add(start)
    } else {
        start
    }
    .max(0);
    let end = if end < 0 {
        len.saturating_add(end)
    } else {
        end
    }
    .max(0)
    .min(len - 1);
    if start > end || len == 0 {
        return None;
    }
    Some((usize::try_from(start).ok()?, usize::try_from(end).ok()?))
}

/// GETRANGE key start end (and SUBSTR, its old name)
pub fn getrange(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let start = arguments::integer(args.get(2))?;
    let end = arguments::integer(args.get(3))?;
    let key = args.get(1);
    let hash = hash_key(key);
    let mut shard = ctx.server.db(ctx.client.db).lock(hash);
    let Some(value) = read_string(&mut shard, hash, key, ctx.now_ms)?.and_then(|e| string_of(e))
    else {
        ctx.reply.bulk(b"");
        return Ok(());
    };
    value.with_bytes(|bytes| {
        let range = inclusive_range(start, end, bytes.len());
        let slice = range
            .and_then(|(from, to)| bytes.get(from..=to))
            .unwrap_or(&[]);
        ctx.reply.bulk(slice);
    });
    Ok(())
}

/// SETRANGE key offset value
pub fn setrange(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let offset = arguments::integer(args.get(2))?;
    let offset =
        u64::try_from(offset).map_err(|_| CommandError::Static("ERR offset is out of range"))?;
    let (key, value) = (args.get(1), args.get(3));
    let max = bulk_len_max(ctx);
    let hash = hash_key(key);
    let mut shard = ctx.server.db(ctx.client.db).lock(hash);
    let now_ms = ctx.now_ms;
    let len = match write_string(&mut shard, hash, key, now_ms)? {
        None => {
            if value.is_empty() {
                ctx.reply.integer(0);
                return Ok(());
            }
            let total = check_string_length(offset, len_u64(value.len()), max)?;
            let mut bytes = vec![0u8; total];
            let from = total - value.len();
            if let Some(slot) = bytes.get_mut(from..) {
                slot.copy_from_slice(value);
            }
            shard.insert(
                hash,
                Entry::new(key, Value::Str(StrValue::Raw(bytes))),
                now_ms,
            );
            total
        }
        Some(entry) => {
            let Some(current) = string_mut(entry) else {
                return Err(CommandError::WrongType);
            };
            if value.is_empty() {
                ctx.reply.integer(len_i64(current.len()));
                return Ok(());
            }
            let end = check_string_length(offset, len_u64(value.len()), max)?;
            let from = end - value.len();
            let bytes = current.make_raw();
            if bytes.len() < end {
                bytes.resize(end, 0);
            }
            if let Some(slot) = bytes.get_mut(from..end) {
                slot.copy_from_slice(value);
            }
            bytes.len()
        }
    };
    ctx.reply.integer(len_i64(len));
    Ok(())
}

/// INCRBYFLOAT key increment
pub fn incrbyfloat(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let key = args.get(1);
    let hash = hash_key(key);
    let mut shard = ctx.server.db(ctx.client.db).lock(hash);
    let now_ms = ctx.now_ms;
    let entry = write_string(&mut shard, hash, key, now_ms)?;
    let current = match entry.as_deref().and_then(string_of) {
        None => 0.0,
        Some(value) => value.with_bytes(parse_f64).ok_or(CommandError::NotFloat)?,
    };
    let increment = arguments::float(args.get(2))?;
    let sum = current + increment;
    if !sum.is_finite() {
        return Err(CommandError::Static(
            "ERR increment would produce NaN or Infinity",
        ));
    }
    let text = format_human_float(sum);
    let value = plain_string(text.as_bytes());
    match entry {
        // Keeps the TTL, as Redis's dbReplaceValue does.
        Some(entry) => entry.value = Value::Str(value),
        None => {
            shard.insert(hash, Entry::new(key, Value::Str(value)), now_ms);
        }
    }
    ctx.reply.bulk(text.as_bytes());
    Ok(())
}

/// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]
pub fn lcs(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let (a, b) = lcs_inputs(ctx, args.get(1), args.get(2))?;
    let (mut want_len, mut want_idx, mut with_match_len) = (false, false, false);
    let mut min_match_len = 0i64;
    let mut i = 3;
    while i < args.len() {
        let option = args.get(i);
        if is(option, "idx") {
            want_idx = true;
        } else if is(option, "len") {
            want_len = true;
        } else if is(option, "withmatchlen") {
            with_match_len = true;
        } else if is(option, "minmatchlen") && i + 1 < args.len() {
            min_match_len = arguments::integer(args.get(i + 1))?.max(0);
            i += 1;
        } else {
            return Err(CommandError::Syntax);
        }
        i += 1;
    }
    if want_idx && want_len {
        return Err(CommandError::Static(
            "ERR If you want both the length and indexes, please just use IDX.",
        ));
    }
    let table = LcsTable::build(&a, &b, bulk_len_max(ctx))?;
    let total = table.at(a.len(), b.len());
    if want_len {
        ctx.reply.integer(i64::from(total));
        return Ok(());
    }
    let (common, ranges) = table.walk(&a, &b);
    if !want_idx {
        ctx.reply.bulk(&common);
        return Ok(());
    }
    let shown: Vec<&LcsRange> = ranges
        .iter()
        .filter(|r| i64::from(r.len()) >= min_match_len)
        .collect();
    ctx.reply.map(2);
    ctx.reply.bulk(b"matches");
    ctx.reply.array(shown.len());
    for range in shown {
        ctx.reply.array(if with_match_len { 3 } else { 2 });
        for (from, to) in [range.a, range.b] {
            ctx.reply.array(2);
            ctx.reply.integer(i64::from(from));
            ctx.reply.integer(i64::from(to));
        }
        if with_match_len {
            ctx.reply.integer(i64::from(range.len()));
        }
    }
    ctx.reply.bulk(b"len");
    ctx.reply.integer(i64::from(total));
    Ok(())
}

/// Copies both LCS inputs out (missing keys are empty) so the table is built without locks.
fn lcs_inputs(
    ctx: &mut Context<'_>,
    key_a: &[u8],
    key_b: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), CommandError> {
    let (hash_a, hash_b) = (hash_key(key_a), hash_key(key_b));
    let mut shards = ctx
        .server
        .db(ctx.client.db)
        .lock_keys([hash_a, hash_b].into_iter());
    let mut read = |hash: u64, key: &[u8]| {
        read_string(shards.shard(hash), hash, key, ctx.now_ms)
            .map(|e| {
                e.and_then(|e| string_of(e))
                    .map(StrValue::to_vec)
                    .unwrap_or_default()
            })
            .map_err(|_| CommandError::Static("ERR The specified keys must contain string values"))
    };
    let a = read(hash_a, key_a)?;
    let b = read(hash_b, key_b)?;
    Ok((a, b))
}

/// One common run: inclusive byte ranges in the first and the second string.
struct LcsRange {
    a: (u32, u32),
    b: (u32, u32),
}

impl LcsRange {
    fn len(&self) -> u32 {
        self.a.1 - self.a.0 + 1
    }
}

/// The dynamic-programming table of LCS lengths: cell (i, j) holds the LCS length of
/// `a[..i]` and `b[..j]`.
struct LcsTable {
    cells: Vec<u32>,
    width: usize,
}

impl LcsTable {
    /// Builds the table, refusing (with Redis's texts) tables beyond `proto-max-bulk-len`
    /// bytes or `LCS_CELLS_MAX` cells before allocating.
    fn build(a: &[u8], b: &[u8], bulk_len_max: u64) -> Result<Self, CommandError> {
        let limit = u64::from(u32::MAX - 1);
        if len_u64(a.len()) >= limit || len_u64(b.len()) >= limit {
            return Err(CommandError::Static("ERR String too long for LCS"));
        }
        let failed = CommandError::Static(
            "ERR Insufficient memory, failed allocating transient memory for LCS",
        );
        let cells = (len_u64(a.len()) + 1)
            .checked_mul(len_u64(b.len()) + 1)
            .ok_or(failed.clone())?;
        if cells.saturating_mul(4) > bulk_len_max {
            return Err(CommandError::Static(
                "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
            ));
        }
        if cells > limits::LCS_CELLS_MAX {
            return Err(failed);
        }
        let count = usize::try_from(cells).map_err(|_| failed.clone())?;
        let mut table = Vec::new();
        table.try_reserve_exact(count).map_err(|_| failed)?;
        table.resize(count, 0u32);
        let width = b.len() + 1;
        for (i, &byte_a) in a.iter().enumerate() {
            let (above, row) = table.split_at_mut((i + 1) * width);
            let above = above.get(i * width..).unwrap_or(&[]);
            for (j, &byte_b) in b.iter().enumerate() {
                let value = if byte_a == byte_b {
                    above.get(j).map_or(0, |v| v + 1)
                } else {
                    let up = above.get(j + 1).copied().unwrap_or(0);
                    let left = row.get(j).copied().unwrap_or(0);
                    up.max(left)
                };
                if let Some(cell) = row.get_mut(j + 1) {
                    *cell = value;
                }
            }
        }
        Ok(Self {
            cells: table,
            width,
        })
    }

    fn at(&self, i: usize, j: usize) -> u32 {
        self.cells.get(i * self.width + j).copied().unwrap_or(0)
    }

    /// Walks back from the end as Redis does: the common string and its runs, last run
    /// first.
    fn walk(&self, a: &[u8], b: &[u8]) -> (Vec<u8>, Vec<LcsRange>) {
        let total = self.at(a.len(), b.len());
        let mut common = vec![0u8; usize::try_from(total).unwrap_or(0)];
        let mut ranges = Vec::new();
        let mut current: Option<LcsRange> = None;
        let (mut i, mut j, mut k) = (a.len(), b.len(), common.len());
        while i > 0 && j > 0 {
            let (byte_a, byte_b) = (a.get(i - 1), b.get(j - 1));
            let mut emit = false;
            if byte_a == byte_b {
                if let Some(slot) = k.checked_sub(1).and_then(|k| common.get_mut(k)) {
                    *slot = byte_a.copied().unwrap_or(0);
                }
                let (ia, jb) = (index_u32(i - 1), index_u32(j - 1));
                match current.as_mut() {
                    None => {
                        current = Some(LcsRange {
                            a: (ia, ia),
                            b: (jb, jb),
                        })
                    }
                    Some(range) => {
                        range.a.0 = ia;
                        range.b.0 = jb;
                    }
                }
                if i == 1 || j == 1 {
                    emit = true;
                }
                i -= 1;
                j -= 1;
                k = k.saturating_sub(1);
            } else {
                if self.at(i - 1, j) > self.at(i, j - 1) {
                    i -= 1;
                } else {
                    j -= 1;
                }
                emit = current.is_some();
            }
            if emit {
                ranges.extend(current.take());
            }
        }
        (common, ranges)
    }
}

fn index_u32(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}
