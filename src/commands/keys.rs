//! Generic key commands: existence, deletion, renaming, copying and moving keys, expiry, SCAN
//! and KEYS, OBJECT introspection, and the database-wide DBSIZE, FLUSHDB, FLUSHALL and SWAPDB.
//! Values themselves belong to the family modules; this file only moves whole entries.
use super::arguments::{self, is};
use super::errors::{show_cut, CommandError, CommandResult};
use super::table::{acl, flags::*, key_flags::*, spec, tips, CommandSpec, KeySpan, KeySpec};
use super::Context;
use crate::journal::{self, Effect};
use crate::limits::SHARDS_PER_DB;
use crate::protocol::Args;
use crate::server::notify;
use crate::store::glob;
use crate::store::keyspace::DetachedEntries;
use crate::store::{access, hash_key, rdb, Entry, Shard, StrValue, Value};

const G: &str = "generic";
const S: &str = "server";
const KEYSPACE: u32 = acl::KEYSPACE;
const DANGEROUS: u32 = acl::KEYSPACE | acl::DANGEROUS;
/// Keys of an OBJECT subcommand: the argument after the subcommand name.
const OBJECT_KEY: KeySpan = KeySpan { first: 2, last: 2, step: 1 };

pub static COMMANDS: &[CommandSpec] = &[
    spec("del", -2, WRITE, KeySpan::ALL, G, del)
        .key_flags(RM | DELETE)
        .tips(tips::MULTI_SHARD_AGG_SUM)
        .acl(KEYSPACE)
        .doc(
            "1.0.0",
            "Deletes one or more keys.",
            "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).",
            "key [key ...]",
        ),
    spec("unlink", -2, WRITE | FAST, KeySpan::ALL, G, unlink)
        .key_flags(RM | DELETE)
        .tips(tips::MULTI_SHARD_AGG_SUM)
        .acl(KEYSPACE)
        .doc(
            "4.0.0",
            "Asynchronously deletes one or more keys.",
            "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.",
            "key [key ...]",
        ),
    spec("exists", -2, READONLY | FAST, KeySpan::ALL, G, exists)
        .key_flags(RO)
        .tips(tips::MULTI_SHARD_AGG_SUM)
        .acl(KEYSPACE)
        .doc(
            "1.0.0",
            "Determines whether one or more keys exist.",
            "O(N) where N is the number of keys to check.",
            "key [key ...]",
        ),
    spec("type", 2, READONLY | FAST, KeySpan::ONE, G, r#type).key_flags(RO).acl(KEYSPACE).doc(
        "1.0.0",
        "Determines the type of value stored at a key.",
        "O(1)",
        "key",
    ),
    spec("keys", 2, READONLY, KeySpan::NONE, G, keys)
        .tips(&[tips::REQUEST_ALL_SHARDS, tips::NONDETERMINISTIC_OUTPUT_ORDER])
        .acl(DANGEROUS)
        .doc(
            "1.0.0",
            "Returns all key names that match a pattern.",
            "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.",
            "pattern",
        ),
    spec("scan", -2, READONLY, KeySpan::NONE, G, scan)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT, tips::REQUEST_SPECIAL, tips::RESPONSE_SPECIAL])
        .acl(KEYSPACE)
        .doc(
            "2.8.0",
            "Iterates over the key names in the database.",
            "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
            "cursor [MATCH pattern] [COUNT count] [TYPE type]",
        ),
    spec("randomkey", 1, READONLY, KeySpan::NONE, G, randomkey)
        .tips(&[tips::REQUEST_ALL_SHARDS, tips::RESPONSE_SPECIAL, tips::NONDETERMINISTIC_OUTPUT])
        .acl(KEYSPACE)
        .doc(
            "1.0.0",
            "Returns a random key name from the database.",
            "O(1)",
            "",
        ),
    spec("rename", 3, WRITE, KeySpan::TWO, G, rename)
        .key_specs(&[KeySpec::one(1, RW | ACCESS | DELETE), KeySpec::one(2, OW | UPDATE)])
        .acl(KEYSPACE)
        .doc(
            "1.0.0",
            "Renames a key and overwrites the destination.",
            "O(1)",
            "key newkey",
        ),
    spec("renamenx", 3, WRITE | FAST, KeySpan::TWO, G, renamenx)
        .key_specs(&[KeySpec::one(1, RW | ACCESS | DELETE), KeySpec::one(2, OW | INSERT)])
        .acl(KEYSPACE)
        .doc(
            "1.0.0",
            "Renames a key only when the target key name doesn't exist.",
            "O(1)",
            "key newkey",
        ),
    spec("copy", -3, WRITE | DENYOOM | EXCLUSIVE, KeySpan::TWO, G, copy)
        .key_specs(&[KeySpec::one(1, RO | ACCESS), KeySpec::one(2, OW | UPDATE)])
        .acl(KEYSPACE)
        .doc(
            "6.2.0",
            "Copies the value of a key to a new key.",
            "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.",
            "source destination [DB destination-db] [REPLACE]",
        ),
    spec("dump", 2, READONLY, KeySpan::ONE, G, dump)
        .key_flags(RO | ACCESS)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT])
        .acl(KEYSPACE)
        .doc(
            "2.6.0",
            "Returns a serialized representation of the value stored at a key.",
            "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).",
            "key",
        ),
    spec("restore", -4, WRITE | DENYOOM, KeySpan::ONE, G, restore)
        .key_flags(OW | UPDATE)
        .acl(DANGEROUS)
        .doc(
            "2.6.0",
            "Creates a key from the serialized representation of a value.",
            "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).",
            "key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]",
        ),
    spec("move", 3, WRITE | FAST | EXCLUSIVE, KeySpan::ONE, G, r#move)
        .key_flags(RW | ACCESS | UPDATE)
        .acl(KEYSPACE)
        .doc(
            "1.0.0",
            "Moves a key to another database.",
            "O(1)",
            "key db",
        ),
    spec("swapdb", 3, WRITE | FAST | EXCLUSIVE, KeySpan::NONE, S, swapdb).acl(DANGEROUS).doc(
        "4.0.0",
        "Swaps two Redis databases.",
        "O(N) where N is the count of clients watching or blocking on keys from both databases.",
        "index1 index2",
    ),
    spec("touch", -2, READONLY | FAST, KeySpan::ALL, G, touch)
        .key_flags(RO)
        .tips(tips::MULTI_SHARD_AGG_SUM)
        .acl(KEYSPACE)
        .doc(
            "3.2.1",
            "Returns the number of existing keys out of those specified after updating the time they were last accessed.",
            "O(N) where N is the number of keys that will be touched.",
            "key [key ...]",
        ),
    spec("expire", -3, WRITE | FAST, KeySpan::ONE, G, expire).acl(KEYSPACE).doc(
        "1.0.0",
        "Sets the expiration time of a key in seconds.",
        "O(1)",
        "key seconds [NX | XX | GT | LT]",
    ),
    spec("pexpire", -3, WRITE | FAST, KeySpan::ONE, G, pexpire).acl(KEYSPACE).doc(
        "2.6.0",
        "Sets the expiration time of a key in milliseconds.",
        "O(1)",
        "key milliseconds [NX | XX | GT | LT]",
    ),
    spec("expireat", -3, WRITE | FAST, KeySpan::ONE, G, expireat).acl(KEYSPACE).doc(
        "1.2.0",
        "Sets the expiration time of a key to a Unix timestamp.",
        "O(1)",
        "key unix-time-seconds [NX | XX | GT | LT]",
    ),
    spec("pexpireat", -3, WRITE | FAST, KeySpan::ONE, G, pexpireat).acl(KEYSPACE).doc(
        "2.6.0",
        "Sets the expiration time of a key to a Unix milliseconds timestamp.",
        "O(1)",
        "key unix-time-milliseconds [NX | XX | GT | LT]",
    ),
    spec("ttl", 2, READONLY | FAST, KeySpan::ONE, G, ttl)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT])
        .acl(KEYSPACE)
        .doc(
            "1.0.0",
            "Returns the expiration time in seconds of a key.",
            "O(1)",
            "key",
        ),
    spec("pttl", 2, READONLY | FAST, KeySpan::ONE, G, pttl)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT])
        .acl(KEYSPACE)
        .doc(
            "2.6.0",
            "Returns the expiration time in milliseconds of a key.",
            "O(1)",
            "key",
        ),
    spec("expiretime", 2, READONLY | FAST, KeySpan::ONE, G, expiretime).acl(KEYSPACE).doc(
        "7.0.0",
        "Returns the expiration time of a key as a Unix timestamp.",
        "O(1)",
        "key",
    ),
    spec("pexpiretime", 2, READONLY | FAST, KeySpan::ONE, G, pexpiretime).acl(KEYSPACE).doc(
        "7.0.0",
        "Returns the expiration time of a key as a Unix milliseconds timestamp.",
        "O(1)",
        "key",
    ),
    spec("persist", 2, WRITE | FAST, KeySpan::ONE, G, persist).acl(KEYSPACE).doc(
        "2.2.0",
        "Removes the expiration time of a key.",
        "O(1)",
        "key",
    ),
    spec("object", -2, 0, KeySpan::NONE, G, object)
        .doc("2.2.3", "A container for object introspection commands.", "Depends on subcommand.", "")
        .subs(OBJECT_SUBCOMMANDS),
    spec("dbsize", 1, READONLY | FAST, KeySpan::NONE, S, dbsize)
        .tips(&[tips::REQUEST_ALL_SHARDS, tips::RESPONSE_AGG_SUM])
        .acl(KEYSPACE)
        .doc(
            "1.0.0",
            "Returns the number of keys in the database.",
            "O(1)",
            "",
        ),
    // Exclusive so the flush happens at one instant: a write ordered before FLUSHDB must not
    // survive it while a later one is removed.
    spec("flushdb", -1, WRITE | EXCLUSIVE, KeySpan::NONE, S, flushdb)
        .tips(&[tips::REQUEST_ALL_SHARDS, tips::RESPONSE_ALL_SUCCEEDED])
        .acl(DANGEROUS)
        .doc(
            "1.0.0",
            "Remove all keys from the current database.",
            "O(N) where N is the number of keys in the selected database",
            "[ASYNC | SYNC]",
        ),
    spec("flushall", -1, WRITE | EXCLUSIVE, KeySpan::NONE, S, flushall)
        .tips(&[tips::REQUEST_ALL_SHARDS, tips::RESPONSE_ALL_SUCCEEDED])
        .acl(DANGEROUS)
        .doc(
            "1.0.0",
            "Removes all keys from all databases.",
            "O(N) where N is the total number of keys in all databases",
            "[ASYNC | SYNC]",
        ),
];

static OBJECT_SUBCOMMANDS: &[CommandSpec] = &[
    spec("object|encoding", 3, READONLY, OBJECT_KEY, G, object_encoding)
        .key_flags(RO)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT])
        .acl(KEYSPACE)
        .doc("2.2.3", "Returns the internal encoding of a Redis object.", "O(1)", "key"),
    spec("object|freq", 3, READONLY, OBJECT_KEY, G, object_freq)
        .key_flags(RO)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT])
        .acl(KEYSPACE)
        .doc(
            "4.0.0",
            "Returns the logarithmic access frequency counter of a Redis object.",
            "O(1)",
            "key",
        ),
    spec("object|help", 2, LOADING | STALE, KeySpan::NONE, G, object_help).acl(KEYSPACE).doc(
        "6.2.0",
        "Returns helpful text about the different subcommands.",
        "O(1)",
        "",
    ),
    spec("object|idletime", 3, READONLY, OBJECT_KEY, G, object_idletime)
        .key_flags(RO)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT])
        .acl(KEYSPACE)
        .doc("2.2.3", "Returns the time since the last access to a Redis object.", "O(1)", "key"),
    spec("object|refcount", 3, READONLY, OBJECT_KEY, G, object_refcount)
        .key_flags(RO)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT])
        .acl(KEYSPACE)
        .doc("2.2.3", "Returns the reference count of a value of a key.", "O(1)", "key"),
];

// ---------------------------------------------------------------------------------------------
// Existence and deletion

/// Hashes of `args[1..]`, in argument order (the arguments are already in memory, so this is
/// bounded by the query buffer, not by a count the client announced).
fn key_hashes(args: Args<'_>) -> Vec<u64> {
    args.iter().skip(1).map(hash_key).collect()
}

/// Removes every key in `args[1..]` and journals one DELETE per key removed; returns how many
/// existed.
fn delete_keys(ctx: &mut Context<'_>, args: Args<'_>) -> i64 {
    let server = ctx.server;
    let db = ctx.db_index();
    let hashes = key_hashes(args);
    let mut shards = server.db(ctx.client.db).lock_keys(hashes.iter().copied());
    let mut effects = Vec::new();
    for (i, &hash) in hashes.iter().enumerate() {
        let key = args.get(i + 1);
        if shards.shard(hash).remove(hash, key, ctx.now_ms).is_some() {
            effects.push(Effect::Delete { db, key });
        }
    }
    ctx.journal(&effects);
    drop(shards);
    for effect in &effects {
        if let Effect::Delete { key, .. } = effect {
            ctx.notify(notify::GENERIC, "del", key);
        }
    }
    i64::try_from(effects.len()).unwrap_or(i64::MAX)
}

/// DEL key [key ...]
pub fn del(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let removed = delete_keys(ctx, args);
    ctx.reply.integer(removed);
    Ok(())
}

/// UNLINK key [key ...]
///
/// Values are freed inline: entries are small until the collection types arrive, and then
/// freeing moves to a background thread the same way FLUSHALL ASYNC does.
pub fn unlink(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    del(ctx, args)
}

/// EXISTS key [key ...] (a key given twice counts twice, as in Redis)
pub fn exists(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let hashes = key_hashes(args);
    let mut count = 0i64;
    {
        let mut shards = ctx.db().lock_keys(hashes.iter().copied());
        for (i, &hash) in hashes.iter().enumerate() {
            if shards.shard(hash).peek(hash, args.get(i + 1), ctx.now_ms).is_some() {
                count += 1;
            }
        }
    }
    ctx.reply.integer(count);
    Ok(())
}

/// TOUCH key [key ...]
pub fn touch(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let hashes = key_hashes(args);
    let mut count = 0i64;
    {
        let mut shards = ctx.db().lock_keys(hashes.iter().copied());
        for (i, &hash) in hashes.iter().enumerate() {
            if shards.shard(hash).lookup(hash, args.get(i + 1), ctx.now_ms).is_some() {
                count += 1;
            }
        }
    }
    ctx.reply.integer(count);
    Ok(())
}

/// TYPE key
pub fn r#type(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let key = args.get(1);
    let hash = hash_key(key);
    let name = ctx.db().lock(hash).peek(hash, key, ctx.now_ms).map(|e| e.value.type_name());
    ctx.reply.simple(name.unwrap_or("none"));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// KEYS, SCAN, RANDOMKEY

/// What a key must satisfy to be listed by KEYS or SCAN.
struct KeyFilter<'a> {
    /// None matches every key (no pattern, or `*`).
    pattern: Option<&'a [u8]>,
    /// Required TYPE name, compared without case.
    type_name: Option<&'a [u8]>,
}

impl KeyFilter<'_> {
    fn accepts(&self, entry: &Entry) -> bool {
        if let Some(pattern) = self.pattern {
            if !glob::matches(pattern, &entry.key, false) {
                return false;
            }
        }
        match self.type_name {
            Some(wanted) => wanted.eq_ignore_ascii_case(entry.value.type_name().as_bytes()),
            None => true,
        }
    }
}

/// A pattern that lists everything needs no matching.
fn pattern_filter(pattern: &[u8]) -> Option<&[u8]> {
    (pattern != b"*").then_some(pattern)
}

/// Drops the shard's expired entries (they count as absent; a replica or a paused server
/// keeps them, unlisted), then appends the keys `filter` accepts to `out`. Returns how many
/// keys the shard held.
fn collect_shard(
    shard: &mut Shard,
    now_ms: u64,
    filter: &KeyFilter<'_>,
    out: &mut Vec<Box<[u8]>>,
) -> usize {
    shard.remove_expired(now_ms, &mut Default::default(), &mut |_| {});
    let live = shard.iter().filter(|e| !e.is_expired(now_ms) && filter.accepts(e));
    out.extend(live.map(|e| Box::<[u8]>::from(&*e.key)));
    shard.len()
}

fn reply_keys(ctx: &mut Context<'_>, keys: &[Box<[u8]>]) {
    ctx.reply.array(keys.len());
    for key in keys {
        ctx.reply.bulk(key);
    }
}

/// KEYS pattern
///
/// Walks the shards one at a time; a key written to an already visited shard during the walk
/// is not listed (as with SCAN), which is the price of not stopping every writer.
pub fn keys(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let filter = KeyFilter { pattern: pattern_filter(args.get(1)), type_name: None };
    let mut found = Vec::new();
    let db = ctx.db();
    for index in 0..SHARDS_PER_DB {
        if let Some(mut shard) = db.lock_index(index) {
            collect_shard(&mut shard, ctx.now_ms, &filter, &mut found);
        }
    }
    reply_keys(ctx, &found);
    Ok(())
}

/// Parses a SCAN cursor as Redis does with `strtoul`: no leading space, an optional sign
/// (a minus wraps around, as in C), base-10 digits, nothing after them, no overflow. The
/// empty string is cursor 0.
pub fn parse_cursor(bytes: &[u8]) -> Option<u64> {
    let Some((&first, _)) = bytes.split_first() else {
        return Some(0);
    };
    if first.is_ascii_whitespace() || first == 0x0b {
        return None;
    }
    let (negative, digits) = match first {
        b'-' => (true, bytes.get(1..)?),
        b'+' => (false, bytes.get(1..)?),
        _ => (false, bytes),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut value = 0u64;
    for &digit in digits {
        value = value.checked_mul(10)?.checked_add(u64::from(digit - b'0'))?;
    }
    Some(if negative { value.wrapping_neg() } else { value })
}

/// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
///
/// # Cursor
/// The cursor is the index of the next shard to visit (0 starts, and a reply of 0 means the
/// iteration is over). Each call returns the whole contents of shards from the cursor onwards
/// until at least COUNT live keys were examined (COUNT is a hint; Redis too may return more),
/// filtered by MATCH and TYPE. Shards are fixed for the life of the process and a key always
/// lives in the same shard, so every key present for the whole iteration is returned at least
/// once, and a key is returned at most once unless it is deleted and re-added. A well-formed
/// cursor past the last shard ends the iteration at once; a malformed one is `invalid cursor`.
pub fn scan(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let cursor = parse_cursor(args.get(1)).ok_or(CommandError::Static("ERR invalid cursor"))?;
    let mut count = 10usize;
    let mut filter = KeyFilter { pattern: None, type_name: None };
    let mut i = 2;
    while i < args.len() {
        let (word, has_value) = (args.get(i), i + 1 < args.len());
        if is(word, "count") && has_value {
            let n = arguments::integer(args.get(i + 1))?;
            if n < 1 {
                return Err(CommandError::Syntax);
            }
            count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if is(word, "match") && has_value {
            filter.pattern = pattern_filter(args.get(i + 1));
        } else if is(word, "type") && has_value {
            filter.type_name = Some(args.get(i + 1));
        } else {
            return Err(CommandError::Syntax);
        }
        i += 2;
    }
    let mut found = Vec::new();
    let mut next = 0usize;
    let mut examined = 0usize;
    let db = ctx.db();
    let start = usize::try_from(cursor).unwrap_or(usize::MAX);
    for index in start..SHARDS_PER_DB {
        if let Some(mut shard) = db.lock_index(index) {
            examined =
                examined.saturating_add(collect_shard(&mut shard, ctx.now_ms, &filter, &mut found));
        }
        if examined >= count && index + 1 < SHARDS_PER_DB {
            next = index + 1;
            break;
        }
    }
    ctx.reply.array(2);
    ctx.reply.bulk(itoa::Buffer::new().format(next).as_bytes());
    reply_keys(ctx, &found);
    Ok(())
}

/// RANDOMKEY
///
/// Starts at a random shard and takes a random key of the first non-empty one: uniform
/// within a shard, close to uniform overall because keys spread evenly over shards.
pub fn randomkey(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    let start = fastrand::usize(..SHARDS_PER_DB);
    let db = ctx.db();
    let mut chosen = None;
    for offset in 0..SHARDS_PER_DB {
        let Some(mut shard) = db.lock_index((start + offset) % SHARDS_PER_DB) else {
            continue;
        };
        if let Some(entry) = shard.random(ctx.now_ms) {
            chosen = Some(Box::<[u8]>::from(&*entry.key));
            break;
        }
    }
    match chosen {
        Some(key) => ctx.reply.bulk(&key),
        None => ctx.reply.null(),
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// RENAME, COPY, MOVE, SWAPDB

/// RENAME and RENAMENX. The entry moves whole: value, deadline and access time. Journals a
/// RENAME when the key moved (renaming a key to itself changes nothing and journals nothing).
fn rename_generic(ctx: &mut Context<'_>, args: Args<'_>, nx: bool) -> CommandResult {
    let (source, destination) = (args.get(1), args.get(2));
    let (source_hash, destination_hash) = (hash_key(source), hash_key(destination));
    let now_ms = ctx.now_ms;
    let server = ctx.server;
    let db = ctx.db_index();
    let renamed = {
        let mut shards =
            server.db(ctx.client.db).lock_keys([source_hash, destination_hash].into_iter());
        // Both are write lookups (access times touched), as Redis's.
        if !shards.shard(source_hash).contains_for_write(source_hash, source, now_ms) {
            return Err(CommandError::NoSuchKey);
        }
        let refused = source == destination
            || (nx
                && shards.shard(destination_hash).contains_for_write(
                    destination_hash,
                    destination,
                    now_ms,
                ));
        if refused {
            false
        } else {
            let Some(mut entry) = shards.shard(source_hash).remove(source_hash, source, now_ms)
            else {
                return Err(CommandError::NoSuchKey);
            };
            entry.key = destination.into();
            let shard = shards.shard(destination_hash);
            // Deleted first, as Redis's dbDelete + dbAdd: an overwritten key is `new` too.
            shard.remove(destination_hash, destination, now_ms);
            shard.insert(destination_hash, entry, now_ms);
            ctx.journal(&[Effect::Rename { db, from: source, to: destination }]);
            drop(shards);
            true
        }
    };
    if renamed {
        ctx.notify(notify::GENERIC, "rename_from", source);
        ctx.notify(notify::GENERIC, "rename_to", destination);
        ctx.signal_ready(ctx.client.db, destination);
    }
    if nx {
        ctx.reply.integer(i64::from(renamed));
    } else {
        ctx.reply.ok();
    }
    Ok(())
}

/// RENAME key newkey
pub fn rename(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    rename_generic(ctx, args, false)
}

/// RENAMENX key newkey
pub fn renamenx(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    rename_generic(ctx, args, true)
}

/// A copy of `entry` under `key`: same value and deadline, a fresh access time.
fn copy_entry(entry: &Entry, key: &[u8]) -> Entry {
    let mut copy = Entry::new(key, entry.value.clone());
    copy.expires_at_ms = entry.expires_at_ms;
    copy
}

/// COPY source destination [DB destination-db] [REPLACE]
///
/// Runs with the keyspace gate held exclusively (the table flag), so the two databases are
/// locked one shard at a time without another command interleaving.
pub fn copy(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let (source, destination) = (args.get(1), args.get(2));
    let source_db = ctx.client.db;
    let mut destination_db = source_db;
    let mut replace = false;
    let mut i = 3;
    while i < args.len() {
        let word = args.get(i);
        if is(word, "replace") {
            replace = true;
        } else if is(word, "db") && i + 1 < args.len() {
            destination_db = arguments::db_index(args.get(i + 1), ctx.server.keyspace.db_count())?;
            i += 1;
        } else {
            return Err(CommandError::Syntax);
        }
        i += 1;
    }
    if source_db == destination_db && source == destination {
        return Err(CommandError::SameObject);
    }
    let now_ms = ctx.now_ms;
    let server = ctx.server;
    let (source_hash, destination_hash) = (hash_key(source), hash_key(destination));
    let copied = {
        let from = server.db(source_db);
        let Some(entry) = from
            .lock(source_hash)
            .lookup(source_hash, source, now_ms)
            .map(|e| copy_entry(e, destination))
        else {
            ctx.reply.integer(0);
            return Ok(());
        };
        let mut shard = server.db(destination_db).lock(destination_hash);
        if !replace && shard.contains_for_write(destination_hash, destination, now_ms) {
            false
        } else {
            // Deleted first, as Redis's dbDelete + dbAdd: a replaced key is `new` too.
            shard.remove(destination_hash, destination, now_ms);
            shard.insert(destination_hash, entry, now_ms);
            // Journaled from the inserted copy, so the value's bytes are not copied again.
            if let Some(copy) = shard.find(destination_hash, destination, now_ms) {
                let db = u32::try_from(destination_db).unwrap_or(u32::MAX);
                let expires_at_ms = copy.expires_at_ms;
                journal::replay::with_journal_value(&copy.value, |value| {
                    ctx.journal(&[Effect::Put { db, key: destination, value, expires_at_ms }]);
                });
            }
            true
        }
    };
    if copied {
        ctx.notify_in(destination_db, notify::GENERIC, "copy_to", destination);
        ctx.signal_ready(destination_db, destination);
    }
    ctx.reply.integer(i64::from(copied));
    Ok(())
}

/// DUMP key: the value in Redis's serialization (`store::rdb`), or nil.
pub fn dump(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let key = args.get(1);
    let hash = hash_key(key);
    let now_ms = ctx.now_ms;
    let payload = ctx.db().lock(hash).lookup(hash, key, now_ms).map(|entry| {
        let encoding = entry.value.encoding_name();
        journal::replay::with_journal_value(&entry.value, |value| rdb::dump(&value, encoding))
    });
    match payload {
        Some(payload) => ctx.reply.bulk(&payload),
        None => ctx.reply.null(),
    }
    Ok(())
}

/// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
///
/// Checks in Redis's order (`restoreCommand`): options, an existing key without REPLACE, the
/// TTL, the payload's version and checksum, then its contents. A TTL already past (ABSTTL)
/// only deletes the replaced key.
pub fn restore(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let (key, payload) = (args.get(1), args.get(3));
    let (mut replace, mut absttl) = (false, false);
    let (mut idle_s, mut freq): (Option<u64>, Option<u8>) = (None, None);
    let mut i = 4;
    while i < args.len() {
        let word = args.get(i);
        let has_value = i + 1 < args.len();
        if is(word, "replace") {
            replace = true;
        } else if is(word, "absttl") {
            absttl = true;
        } else if is(word, "idletime") && has_value && freq.is_none() {
            let idle = arguments::integer(args.get(i + 1))?;
            let idle = u64::try_from(idle)
                .map_err(|_| CommandError::Static("ERR Invalid IDLETIME value, must be >= 0"))?;
            idle_s = Some(idle);
            i += 1;
        } else if is(word, "freq") && has_value && idle_s.is_none() {
            let value = arguments::integer(args.get(i + 1))?;
            let value = u8::try_from(value).map_err(|_| {
                CommandError::Static("ERR Invalid FREQ value, must be >= 0 and <= 255")
            })?;
            freq = Some(value);
            i += 1;
        } else {
            return Err(CommandError::Syntax);
        }
        i += 1;
    }
    // Parsed before the shard is locked; the errors still come in Redis's order.
    let ttl = arguments::integer(args.get(2)).and_then(|ttl| {
        u64::try_from(ttl).map_err(|_| CommandError::Static("ERR Invalid TTL value, must be >= 0"))
    });
    // The decoded value is bounded as a client's bulk argument is (`rdb::restore`).
    let budget =
        ctx.server.settings.hot.proto_max_bulk_len.load(std::sync::atomic::Ordering::Relaxed);
    let budget = usize::try_from(budget).unwrap_or(usize::MAX);
    let value = rdb::restore(payload, budget).map_err(|e| CommandError::Static(e.text()));
    let hash = hash_key(key);
    let now_ms = ctx.now_ms;
    let db_index = ctx.client.db;
    let db = u32::try_from(db_index).unwrap_or(u32::MAX);
    let server = ctx.server;
    let mut shard = server.db(db_index).lock(hash);
    if !replace && shard.contains_for_write(hash, key, now_ms) {
        return Err(CommandError::Static("BUSYKEY Target key name already exists."));
    }
    let (ttl, value) = (ttl?, value?);
    let deleted = replace && shard.remove(hash, key, now_ms).is_some();
    let expires_at_ms = match ttl {
        0 => 0,
        _ if absttl => ttl,
        _ => now_ms.saturating_add(ttl),
    };
    // Journaled under the shard's lock, so no other write to the key comes between.
    if expires_at_ms != 0 && expires_at_ms <= now_ms {
        if deleted {
            ctx.journal(&[Effect::Delete { db, key }]);
            drop(shard);
            ctx.notify(notify::GENERIC, "del", key);
        }
        ctx.reply.ok();
        return Ok(());
    }
    let mut entry = Entry::new(key, journal::replay::stored(&value));
    entry.expires_at_ms = expires_at_ms;
    if let Some(stamp) = access::restored(idle_s, freq) {
        entry.accessed_s = stamp;
    }
    shard.insert(hash, entry, now_ms);
    ctx.journal(&[Effect::Put { db, key, value: value.borrowed(), expires_at_ms }]);
    drop(shard);
    ctx.notify(notify::GENERIC, "restore", key);
    ctx.signal_ready(db_index, key);
    ctx.reply.ok();
    Ok(())
}

/// MOVE key db
///
/// Runs with the keyspace gate held exclusively; the two databases' shards are locked one at
/// a time, never together.
pub fn r#move(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let key = args.get(1);
    let target = arguments::db_index(args.get(2), ctx.server.keyspace.db_count())?;
    let source = ctx.client.db;
    if source == target {
        return Err(CommandError::SameObject);
    }
    let now_ms = ctx.now_ms;
    let hash = hash_key(key);
    let server = ctx.server;
    let (from, to) = (server.db(source), server.db(target));
    let moved = if !from.lock(hash).contains_for_write(hash, key, now_ms)
        || to.lock(hash).contains_for_write(hash, key, now_ms)
    {
        false
    } else {
        let entry = from.lock(hash).remove(hash, key, now_ms);
        match entry {
            Some(entry) => {
                let mut shard = to.lock(hash);
                shard.insert(hash, entry, now_ms);
                let (from_db, to_db) = (ctx.db_index(), u32::try_from(target).unwrap_or(u32::MAX));
                ctx.journal(&[Effect::Move { from_db, to_db, key }]);
                drop(shard);
                true
            }
            None => false,
        }
    };
    if moved {
        ctx.notify(notify::GENERIC, "move_from", key);
        ctx.notify_in(target, notify::GENERIC, "move_to", key);
        ctx.signal_ready(target, key);
    }
    ctx.reply.integer(i64::from(moved));
    Ok(())
}

/// A SWAPDB index: any parse failure or a value outside `int` gives the argument's own text.
fn swap_index(bytes: &[u8], text: &'static str) -> Result<i64, CommandError> {
    arguments::integer(bytes)
        .ok()
        .filter(|n| i32::try_from(*n).is_ok())
        .ok_or(CommandError::Static(text))
}

/// SWAPDB index1 index2
///
/// Clients keep their selected index, so they see the other database's contents afterwards,
/// as in Redis.
pub fn swapdb(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let first = swap_index(args.get(1), "ERR invalid first DB index")?;
    let second = swap_index(args.get(2), "ERR invalid second DB index")?;
    let keyspace = &ctx.server.keyspace;
    let in_range = |n: i64| usize::try_from(n).ok().filter(|&i| i < keyspace.db_count());
    let (Some(first), Some(second)) = (in_range(first), in_range(second)) else {
        return Err(CommandError::DbIndexOutOfRange);
    };
    // Swapping a database with itself would lock each shard twice; it changes nothing anyway.
    if first != second {
        let (low, high) = (first.min(second), first.max(second));
        let index = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
        let watches = &ctx.server.watches;
        watches.touch_db(keyspace, index(first), Some(index(second)));
        watches.touch_db(keyspace, index(second), Some(index(first)));
        if let (Some(low), Some(high)) = (keyspace.db(low), keyspace.db(high)) {
            low.swap_with(high);
        }
        ctx.journal(&[Effect::SwapDb { a: index(first), b: index(second) }]);
        // Clients blocked in either database may now find their keys filled.
        for db in [first, second] {
            for key in ctx.server.blocking.keys_in(db) {
                ctx.signal_ready(db, &key);
            }
        }
    }
    ctx.reply.ok();
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Expiry

/// EXPIRE-family conditions.
#[derive(Debug, Default, Clone, Copy)]
struct ExpireConditions {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

/// Parses NX/XX/GT/LT from `args[3..]` with Redis's texts. Flags come before the time is
/// parsed, so an unknown flag wins over a bad time.
fn parse_expire_conditions(args: Args<'_>) -> Result<ExpireConditions, CommandError> {
    let mut conditions = ExpireConditions::default();
    for word in args.iter().skip(3) {
        if is(word, "nx") {
            conditions.nx = true;
        } else if is(word, "xx") {
            conditions.xx = true;
        } else if is(word, "gt") {
            conditions.gt = true;
        } else if is(word, "lt") {
            conditions.lt = true;
        } else {
            return Err(CommandError::Text(format!(
                "ERR Unsupported option {}",
                show_cut(word, usize::MAX)
            )));
        }
    }
    let c = conditions;
    if c.nx && (c.xx || c.gt || c.lt) {
        return Err(CommandError::Static(
            "ERR NX and XX, GT or LT options at the same time are not compatible",
        ));
    }
    if c.gt && c.lt {
        return Err(CommandError::Static(
            "ERR GT and LT options at the same time are not compatible",
        ));
    }
    Ok(conditions)
}

/// The absolute deadline (Unix ms, possibly negative or in the past) for an EXPIRE-family time:
/// `time` in `unit_ms`, added to `base_ms` (now for relative forms, 0 for absolute ones).
fn expire_deadline(
    time: i64,
    unit_ms: i64,
    base_ms: i64,
    fullname: &'static str,
) -> Result<i64, CommandError> {
    let invalid = CommandError::InvalidExpireTime { fullname };
    let ms = time.checked_mul(unit_ms).ok_or(invalid.clone())?;
    ms.checked_add(base_ms).ok_or(invalid)
}

/// EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT: `unit_ms` is 1000 for seconds; `relative` adds now.
fn expire_generic(
    ctx: &mut Context<'_>,
    args: Args<'_>,
    unit_ms: i64,
    relative: bool,
    fullname: &'static str,
) -> CommandResult {
    let conditions = parse_expire_conditions(args)?;
    let time = arguments::integer(args.get(2))?;
    let now_ms = i64::try_from(ctx.now_ms).unwrap_or(i64::MAX);
    let deadline_ms = expire_deadline(time, unit_ms, if relative { now_ms } else { 0 }, fullname)?;
    let key = args.get(1);
    let hash = hash_key(key);
    let server = ctx.server;
    let db = ctx.db_index();
    let changed = {
        let mut shard = server.db(ctx.client.db).lock(hash);
        match shard.find_for_write(hash, key, ctx.now_ms) {
            None => None,
            Some(entry) => {
                let current = (entry.expires_at_ms != 0)
                    .then(|| i64::try_from(entry.expires_at_ms).unwrap_or(i64::MAX));
                let c = conditions;
                let refused = (c.nx && current.is_some())
                    || (c.xx && current.is_none())
                    || (c.gt && current.is_none_or(|at| deadline_ms <= at))
                    || (c.lt && current.is_some_and(|at| deadline_ms >= at));
                if refused {
                    None
                } else {
                    let (effect, event) = match u64::try_from(deadline_ms) {
                        // A deadline already passed deletes the key, as Redis does.
                        Ok(at) if at > ctx.now_ms => {
                            shard.set_expiry(hash, key, at, ctx.now_ms);
                            (Effect::Expire { db, key, expires_at_ms: at }, "expire")
                        }
                        _ => {
                            shard.remove(hash, key, ctx.now_ms);
                            (Effect::Delete { db, key }, "del")
                        }
                    };
                    ctx.journal(&[effect]);
                    Some(event)
                }
            }
        }
    };
    if let Some(event) = changed {
        ctx.notify(notify::GENERIC, event, key);
    }
    ctx.reply.integer(i64::from(changed.is_some()));
    Ok(())
}

/// EXPIRE key seconds [NX | XX | GT | LT]
pub fn expire(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    expire_generic(ctx, args, 1000, true, "expire")
}

/// PEXPIRE key milliseconds [NX | XX | GT | LT]
pub fn pexpire(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    expire_generic(ctx, args, 1, true, "pexpire")
}

/// EXPIREAT key unix-time-seconds [NX | XX | GT | LT]
pub fn expireat(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    expire_generic(ctx, args, 1000, false, "expireat")
}

/// PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]
pub fn pexpireat(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    expire_generic(ctx, args, 1, false, "pexpireat")
}

/// TTL, PTTL, EXPIRETIME, PEXPIRETIME: -2 for a missing key, -1 without a deadline; seconds
/// are rounded to the nearest, as Redis does.
fn ttl_generic(
    ctx: &mut Context<'_>,
    args: Args<'_>,
    in_ms: bool,
    absolute: bool,
) -> CommandResult {
    let key = args.get(1);
    let hash = hash_key(key);
    let now_ms = ctx.now_ms;
    let deadline = ctx.db().lock(hash).peek(hash, key, now_ms).map(|e| e.expires_at_ms);
    let reply = match deadline {
        None => -2,
        Some(0) => -1,
        Some(at) => {
            let ms = if absolute { at } else { at.saturating_sub(now_ms) };
            let value = if in_ms { ms } else { ms.saturating_add(500) / 1000 };
            i64::try_from(value).unwrap_or(i64::MAX)
        }
    };
    ctx.reply.integer(reply);
    Ok(())
}

/// TTL key
pub fn ttl(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    ttl_generic(ctx, args, false, false)
}

/// PTTL key
pub fn pttl(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    ttl_generic(ctx, args, true, false)
}

/// EXPIRETIME key
pub fn expiretime(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    ttl_generic(ctx, args, false, true)
}

/// PEXPIRETIME key
pub fn pexpiretime(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    ttl_generic(ctx, args, true, true)
}

/// PERSIST key
pub fn persist(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let key = args.get(1);
    let hash = hash_key(key);
    let server = ctx.server;
    let removed = {
        let mut shard = server.db(ctx.client.db).lock(hash);
        let has_deadline =
            shard.find_for_write(hash, key, ctx.now_ms).is_some_and(|e| e.expires_at_ms != 0);
        let removed = has_deadline && shard.set_expiry(hash, key, 0, ctx.now_ms);
        if removed {
            ctx.journal(&[Effect::Expire { db: ctx.db_index(), key, expires_at_ms: 0 }]);
        }
        removed
    };
    if removed {
        ctx.notify(notify::GENERIC, "persist", key);
    }
    ctx.reply.integer(i64::from(removed));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// OBJECT

/// Redis's shared integers (OBJ_SHARED_INTEGERS): values 0..10000 stored with the int encoding
/// are one shared object whose refcount reads as INT_MAX.
const SHARED_INTEGERS: i64 = 10_000;
const SHARED_REFCOUNT: i64 = 2_147_483_647;

const OBJECT_HELP: &[&str] = &[
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
];

/// The container row's handler; the dispatcher resolves subcommands before calling handlers,
/// so this only runs if the table is changed to let the bare container through.
pub fn object(_ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    Err(CommandError::subcommand_syntax(args.get(0), args.get(1)))
}

/// Whether the configured maxmemory policy is an LFU one.
fn is_lfu_policy() -> bool {
    crate::store::access::is_lfu()
}

/// Looks `args[2]` up without touching its access time; replies null and returns None when
/// it is missing.
fn object_lookup<T>(
    ctx: &mut Context<'_>,
    args: Args<'_>,
    read: impl FnOnce(&Entry) -> T,
) -> Option<T> {
    let key = args.get(2);
    let hash = hash_key(key);
    let found = ctx.db().lock(hash).peek_quietly(hash, key, ctx.now_ms).map(|e| read(e));
    if found.is_none() {
        ctx.reply.null();
    }
    found
}

/// OBJECT ENCODING key
pub fn object_encoding(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    if let Some(name) = object_lookup(ctx, args, |e| e.value.encoding_name()) {
        ctx.reply.bulk(name.as_bytes());
    }
    Ok(())
}

/// OBJECT REFCOUNT key
pub fn object_refcount(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let shared_allowed = {
        let settings = &ctx.server.settings;
        let no_limit = settings.get("maxmemory").is_none_or(|m| m == "0");
        let policy = settings.get("maxmemory-policy").unwrap_or_default();
        no_limit || !(policy.contains("lru") || policy.contains("lfu"))
    };
    let is_shared = |e: &Entry| matches!(&e.value, Value::Str(StrValue::Int(n)) if (0..SHARED_INTEGERS).contains(n));
    if let Some(shared) = object_lookup(ctx, args, is_shared) {
        ctx.reply.integer(if shared && shared_allowed { SHARED_REFCOUNT } else { 1 });
    }
    Ok(())
}

/// OBJECT IDLETIME key
pub fn object_idletime(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let Some(accessed_s) = object_lookup(ctx, args, |e| e.accessed_s) else {
        return Ok(());
    };
    if is_lfu_policy() {
        return Err(CommandError::Static(
            "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
        ));
    }
    ctx.reply.integer(i64::from(crate::store::access::idle_s(accessed_s)));
    Ok(())
}

/// OBJECT FREQ key
///
/// The key's LFU counter after its decay (Redis's `LFUDecrAndReturn`); reading it is no access.
pub fn object_freq(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let Some(stamp) = object_lookup(ctx, args, |e| e.accessed_s) else {
        return Ok(());
    };
    if !is_lfu_policy() {
        return Err(CommandError::Static(
            "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
        ));
    }
    ctx.reply.integer(i64::from(crate::store::access::decayed_counter(stamp)));
    Ok(())
}

/// OBJECT HELP
pub fn object_help(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let container = String::from_utf8_lossy(args.get(0)).to_ascii_uppercase();
    super::server::reply_help(ctx, &container, OBJECT_HELP);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Database-wide: DBSIZE, FLUSHDB, FLUSHALL

/// DBSIZE (keys whose deadline passed but that were not removed yet count, as in Redis)
pub fn dbsize(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    let len = ctx.db().len();
    ctx.reply.integer(i64::try_from(len).unwrap_or(i64::MAX));
    Ok(())
}

/// Reads the optional ASYNC/SYNC word of FLUSHDB and FLUSHALL; true means ASYNC.
fn parse_flush_mode(args: Args<'_>) -> Result<bool, CommandError> {
    match args.len() {
        1 => Ok(false),
        2 if is(args.get(1), "sync") => Ok(false),
        2 if is(args.get(1), "async") => Ok(true),
        _ => Err(CommandError::Syntax),
    }
}

/// Entries at most this many are freed inline even for ASYNC (Redis's LAZYFREE_THRESHOLD
/// idea: a thread costs more than freeing a few values).
const LAZY_FREE_ENTRIES_MIN: usize = 1024;

/// Frees detached entries, on a background thread when asked and worth it. If the thread
/// cannot be started, `spawn` drops the closure and with it the entries, inline.
fn free_entries(entries: DetachedEntries, in_background: bool) {
    if !in_background || entries.len() < LAZY_FREE_ENTRIES_MIN {
        drop(entries);
        return;
    }
    let spawned =
        std::thread::Builder::new().name("allydb-lazyfree".into()).spawn(move || drop(entries));
    if let Err(error) = spawned {
        tracing::warn!("lazy free thread not started, freed inline: {error}");
    }
}

/// FLUSHDB [ASYNC | SYNC]
pub fn flushdb(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let in_background = parse_flush_mode(args)?;
    ctx.server.watches.touch_db(&ctx.server.keyspace, ctx.db_index(), None);
    let entries = ctx.db().detach();
    ctx.journal(&[Effect::FlushDb { db: ctx.db_index() }]);
    free_entries(entries, in_background);
    ctx.reply.ok();
    Ok(())
}

/// FLUSHALL [ASYNC | SYNC]
pub fn flushall(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let in_background = parse_flush_mode(args)?;
    let mut entries = DetachedEntries::default();
    let keyspace = &ctx.server.keyspace;
    for index in 0..keyspace.db_count() {
        ctx.server.watches.touch_db(keyspace, u32::try_from(index).unwrap_or(u32::MAX), None);
    }
    for db in ctx.server.keyspace.dbs() {
        entries.append(db.detach());
    }
    ctx.journal(&[Effect::FlushAll]);
    free_entries(entries, in_background);
    ctx.reply.ok();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_parsing_follows_strtoul() {
        assert_eq!(parse_cursor(b"0"), Some(0));
        assert_eq!(parse_cursor(b""), Some(0));
        assert_eq!(parse_cursor(b"00"), Some(0));
        assert_eq!(parse_cursor(b"+17"), Some(17));
        assert_eq!(parse_cursor(b"-1"), Some(u64::MAX));
        assert_eq!(parse_cursor(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_cursor(b"18446744073709551616"), None);
        assert_eq!(parse_cursor(b" 1"), None);
        assert_eq!(parse_cursor(b"1 "), None);
        assert_eq!(parse_cursor(b"abc"), None);
        assert_eq!(parse_cursor(b"-"), None);
        assert_eq!(parse_cursor(b"+"), None);
    }

    #[test]
    fn expire_deadline_overflow() {
        assert!(expire_deadline(i64::MAX / 1000 + 1, 1000, 0, "expire").is_err());
        assert!(expire_deadline(i64::MIN / 1000 - 1, 1000, 0, "expire").is_err());
        assert!(expire_deadline(i64::MAX, 1, 1, "pexpire").is_err());
        assert_eq!(expire_deadline(i64::MAX, 1, 0, "pexpireat").ok(), Some(i64::MAX));
        assert_eq!(expire_deadline(-5, 1000, 10_000, "expire").ok(), Some(5_000));
    }
}
