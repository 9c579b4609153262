//! Set commands: members, algebra (SUNION, SINTER, SDIFF and their STORE forms, SINTERCARD)
//! and random members. Values are `SetValue`s (store/set.rs); writes journal SetAdd /
//! SetRemove with what changed, STORE forms a Put of the whole result (or a Delete).
use super::arguments::{self, is};
use super::collections::{self, delete_if_empty};
use super::errors::{CommandError, CommandResult};
use super::hashes::{
    args_bytes, distinct_positions, random_count, reply_scan, scan_cursor, scan_options,
};
use super::strings::check_journal_room;
use super::table::{acl, flags::*, key_flags::*, spec, tips, CommandSpec, KeySpan, KeySpec};
use super::Context;
use crate::journal::{self, Effect};
use crate::protocol::Args;
use crate::server::notify;
use crate::store::keyspace::ShardSet;
use crate::store::set::Member;
use crate::store::{dense, hash_key, CompactBytes, Entry, SetValue, Shard, Value};

const G: &str = "set";

const SCAN_COMPLEXITY: &str = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.";
const INTER_COMPLEXITY: &str =
    "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.";
/// SORT's and SORT_RO's BY and GET patterns name keys the data holds: no search finds them.
const SORT_BY_GET_KEYS: KeySpec = KeySpec::unknown(RO | ACCESS).notes(
    "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort",
);
/// SORT's STORE destination: found by parsing the options (COMMAND GETKEYS does it).
const SORT_STORE_KEY: KeySpec = KeySpec::unknown(OW | UPDATE).notes(
    "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array",
);
const SORT_COMPLEXITY: &str = "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).";
const TOTAL_COMPLEXITY: &str = "O(N) where N is the total number of elements in all given sets.";

pub static COMMANDS: &[CommandSpec] = &[
    spec("sadd", -3, WRITE | DENYOOM | FAST, KeySpan::ONE, G, sadd).key_flags(RW | INSERT).doc(
        "1.0.0",
        "Adds one or more members to a set. Creates the key if it doesn't exist.",
        "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        "key member [member ...]",
    ),
    spec("srem", -3, WRITE | FAST, KeySpan::ONE, G, srem).key_flags(RW | DELETE).doc(
        "1.0.0",
        "Removes one or more members from a set. Deletes the set if the last member was removed.",
        "O(N) where N is the number of members to be removed.",
        "key member [member ...]",
    ),
    spec("smembers", 2, READONLY, KeySpan::ONE, G, smembers)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT_ORDER])
        .doc(
            "1.0.0",
            "Returns all members of a set.",
            "O(N) where N is the set cardinality.",
            "key",
        ),
    spec("sismember", 3, READONLY | FAST, KeySpan::ONE, G, sismember).key_flags(RO).doc(
        "1.0.0",
        "Determines whether a member belongs to a set.",
        "O(1)",
        "key member",
    ),
    spec("smismember", -3, READONLY | FAST, KeySpan::ONE, G, smismember).doc(
        "6.2.0",
        "Determines whether multiple members belong to a set.",
        "O(N) where N is the number of elements being checked for membership",
        "key member [member ...]",
    ),
    spec("scard", 2, READONLY | FAST, KeySpan::ONE, G, scard).key_flags(RO).doc(
        "1.0.0",
        "Returns the number of members in a set.",
        "O(1)",
        "key",
    ),
    spec("spop", -2, WRITE | FAST, KeySpan::ONE, G, spop)
        .key_flags(RW | ACCESS | DELETE)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT])
        .doc(
            "1.0.0",
            "Returns one or more random members from a set after removing them. Deletes the set if the last member was popped.",
            "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.",
            "key [count]",
        ),
    spec("srandmember", -2, READONLY, KeySpan::ONE, G, srandmember)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT])
        .doc(
            "1.0.0",
            "Get one or multiple random members from a set",
            "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.",
            "key [count]",
        ),
    spec("smove", 4, WRITE | FAST, KeySpan::TWO, G, smove)
        .key_specs(&[KeySpec::one(1, RW | ACCESS | DELETE), KeySpec::one(2, RW | INSERT)])
        .doc(
            "1.0.0",
            "Moves a member from one set to another.",
            "O(1)",
            "source destination member",
        ),
    spec("sdiff", -2, READONLY, KeySpan::ALL, G, sdiff)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT_ORDER])
        .doc(
            "1.0.0",
            "Returns the difference of multiple sets.",
            TOTAL_COMPLEXITY,
            "key [key ...]",
        ),
    spec("sinter", -2, READONLY, KeySpan::ALL, G, sinter)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT_ORDER])
        .doc(
            "1.0.0",
            "Returns the intersect of multiple sets.",
            INTER_COMPLEXITY,
            "key [key ...]",
        ),
    spec("sunion", -2, READONLY, KeySpan::ALL, G, sunion)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT_ORDER])
        .doc(
            "1.0.0",
            "Returns the union of multiple sets.",
            TOTAL_COMPLEXITY,
            "key [key ...]",
        ),
    spec("sdiffstore", -3, WRITE | DENYOOM, KeySpan::ALL, G, sdiffstore)
        .key_specs(&[KeySpec::one(1, OW | UPDATE), KeySpec::range(2, -1, 1, RO | ACCESS)])
        .doc(
            "1.0.0",
            "Stores the difference of multiple sets in a key.",
            TOTAL_COMPLEXITY,
            "destination key [key ...]",
        ),
    // RW, not OW as SUNIONSTORE and SDIFFSTORE say: Redis 7.2's sinterstore.json.
    spec("sinterstore", -3, WRITE | DENYOOM, KeySpan::ALL, G, sinterstore)
        .key_specs(&[KeySpec::one(1, RW | UPDATE), KeySpec::range(2, -1, 1, RO | ACCESS)])
        .doc(
            "1.0.0",
            "Stores the intersect of multiple sets in a key.",
            INTER_COMPLEXITY,
            "destination key [key ...]",
        ),
    spec("sunionstore", -3, WRITE | DENYOOM, KeySpan::ALL, G, sunionstore)
        .key_specs(&[KeySpec::one(1, OW | UPDATE), KeySpec::range(2, -1, 1, RO | ACCESS)])
        .doc(
            "1.0.0",
            "Stores the union of multiple sets in a key.",
            TOTAL_COMPLEXITY,
            "destination key [key ...]",
        ),
    // Keys follow numkeys (a "keynum" key spec); the legacy triple is 0 0 0, as in Redis.
    spec("sintercard", -3, READONLY | MOVABLEKEYS, KeySpan::NONE, G, sintercard).numkeys(1).doc(
        "7.0.0",
        "Returns the number of members of the intersect of multiple sets.",
        INTER_COMPLEXITY,
        "numkeys key [key ...] [LIMIT limit]",
    ),
    // BY and GET read keys named by the data: the gate is taken exclusively (see sort_generic).
    spec("sort", -2, WRITE | DENYOOM | MOVABLEKEYS | EXCLUSIVE, KeySpan::ONE, "generic", sort)
        .key_specs(&[KeySpec::one(1, RO | ACCESS), SORT_BY_GET_KEYS, SORT_STORE_KEY])
        .acl(acl::COLLECTIONS | acl::DANGEROUS)
        .doc(
            "1.0.0",
            "Sorts the elements in a list, a set, or a sorted set, optionally storing the result.",
            SORT_COMPLEXITY,
            "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA] [STORE destination]",
        ),
    spec("sort_ro", -2, READONLY | MOVABLEKEYS | EXCLUSIVE, KeySpan::ONE, "generic", sort_ro)
        .key_specs(&[KeySpec::one(1, RO | ACCESS), SORT_BY_GET_KEYS])
        .acl(acl::COLLECTIONS | acl::DANGEROUS)
        .doc(
            "7.0.0",
            "Returns the sorted elements of a list, a set, or a sorted set.",
            SORT_COMPLEXITY,
            "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA]",
        ),
    spec("sscan", -3, READONLY, KeySpan::ONE, G, sscan).tips(&[tips::NONDETERMINISTIC_OUTPUT]).doc(
        "2.8.0",
        "Iterates over members of a set.",
        SCAN_COMPLEXITY,
        "key cursor [MATCH pattern] [COUNT count]",
    ),
];

// ---------------------------------------------------------------------------------------------
// Access helpers

/// Reads `key` as a set (counting a keyspace hit or miss).
fn read_set<'a>(
    shard: &'a mut Shard,
    hash: u64,
    key: &[u8],
    now_ms: u64,
) -> Result<Option<&'a mut SetValue>, CommandError> {
    collections::read(shard, hash, key, now_ms, Value::set_mut)
}

/// Finds `key` for a write, as Redis's `lookupKeyWrite` (no hit or miss counted).
fn write_set<'a>(
    shard: &'a mut Shard,
    hash: u64,
    key: &[u8],
    now_ms: u64,
) -> Result<Option<&'a mut SetValue>, CommandError> {
    collections::write(shard, hash, key, now_ms, Value::set_mut)
}

fn len_i64(len: usize) -> i64 {
    i64::try_from(len).unwrap_or(i64::MAX)
}

fn member_bytes(member: Member<'_>) -> u64 {
    member.with_bytes(|b| u64::try_from(b.len()).unwrap_or(u64::MAX))
}

/// Replies with every member of `set` (None: empty) as a RESP3 set / RESP2 array.
fn reply_members(ctx: &mut Context<'_>, set: Option<&SetValue>) {
    let Some(set) = set else {
        ctx.reply.set(0);
        return;
    };
    ctx.reply.set(set.len());
    for member in set.iter() {
        member.with_bytes(|b| ctx.reply.bulk(b));
    }
}

// ---------------------------------------------------------------------------------------------
// Single-key commands

/// SADD key member [member ...]
pub fn sadd(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    check_journal_room(ctx, args_bytes(args, 1), 1)?;
    let key = args.get(1);
    let hash = hash_key(key);
    let server = ctx.server;
    let now_ms = ctx.now_ms;
    let mut shard = server.db(ctx.client.db).lock(hash);
    let hint = args.len() - 2;
    match write_set(&mut shard, hash, key, now_ms)? {
        Some(set) => set.prepare(hint),
        None => {
            let set = SetValue::create(args.get(2), hint);
            shard.insert(hash, Entry::new(key, Value::Set(Box::new(set))), now_ms);
        }
    }
    let set = collections::write_again(&mut shard, hash, key, now_ms, Value::set_mut)?
        .ok_or(CommandError::WrongType)?;
    let count = args.iter().skip(2).filter(|m| set.insert(m)).count();
    if count > 0 {
        // Every argument, duplicates included: replay applies the same size hint, so the
        // encoding comes back as it is now; members already there add nothing.
        let members: Vec<&[u8]> = args.iter().skip(2).collect();
        let db = ctx.db_index();
        ctx.journal(&[Effect::SetAdd { db, key, members }]);
    }
    drop(shard);
    if count > 0 {
        ctx.notify(notify::SET, "sadd", key);
    }
    ctx.reply.integer(len_i64(count));
    Ok(())
}

/// SREM key member [member ...]
pub fn srem(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let key = args.get(1);
    let hash = hash_key(key);
    let server = ctx.server;
    let now_ms = ctx.now_ms;
    let mut shard = server.db(ctx.client.db).lock(hash);
    let mut removed: Vec<&[u8]> = Vec::new();
    if let Some(set) = write_set(&mut shard, hash, key, now_ms)? {
        for member in args.iter().skip(2) {
            if set.remove(member) {
                removed.push(member);
                if set.is_empty() {
                    break;
                }
            }
        }
    }
    let count = removed.len();
    let mut deleted = false;
    if !removed.is_empty() {
        deleted = delete_if_empty(&mut shard, hash, key, now_ms);
        let db = ctx.db_index();
        ctx.journal(&[Effect::SetRemove { db, key, members: removed }]);
    }
    drop(shard);
    if count > 0 {
        ctx.notify(notify::SET, "srem", key);
    }
    if deleted {
        ctx.notify(notify::GENERIC, "del", key);
    }
    ctx.reply.integer(len_i64(count));
    Ok(())
}

/// Runs `f` on the set at `key` (None when missing) under its shard lock.
fn with_set<R>(
    ctx: &mut Context<'_>,
    key: &[u8],
    f: impl FnOnce(&mut Context<'_>, Option<&SetValue>) -> R,
) -> Result<R, CommandError> {
    collections::with_read(ctx, key, Value::set_mut, f)
}

/// SMEMBERS key
pub fn smembers(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    with_set(ctx, args.get(1), reply_members)
}

/// SISMEMBER key member
pub fn sismember(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    with_set(ctx, args.get(1), |ctx, s| {
        ctx.reply.integer(i64::from(s.is_some_and(|s| s.contains(args.get(2)))));
    })
}

/// SMISMEMBER key member [member ...]
pub fn smismember(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    with_set(ctx, args.get(1), |ctx, s| {
        ctx.reply.array(args.len() - 2);
        for member in args.iter().skip(2) {
            ctx.reply.integer(i64::from(s.is_some_and(|s| s.contains(member))));
        }
    })
}

/// SCARD key
pub fn scard(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    with_set(ctx, args.get(1), |ctx, s| ctx.reply.integer(len_i64(s.map_or(0, SetValue::len))))
}

/// SPOP key [count]
///
/// Journals the members actually removed as one SetRemove (a Delete when the whole set went,
/// as Redis propagates DEL).
pub fn spop(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    if args.len() > 3 {
        return Err(CommandError::Syntax);
    }
    let count = match args.len() {
        3 => {
            // Redis's getPositiveLongFromObjectOrReply: one text for both failures.
            let positive = CommandError::Static("ERR value is out of range, must be positive");
            let n = arguments::integer(args.get(2)).map_err(|_| positive.clone())?;
            Some(usize::try_from(n).map_err(|_| positive)?)
        }
        _ => None,
    };
    let key = args.get(1);
    let hash = hash_key(key);
    let server = ctx.server;
    let now_ms = ctx.now_ms;
    let mut shard = server.db(ctx.client.db).lock(hash);
    let Some(set) = write_set(&mut shard, hash, key, now_ms)? else {
        drop(shard);
        match count {
            Some(_) => ctx.reply.set(0),
            None => ctx.reply.null(),
        }
        return Ok(());
    };
    let db = ctx.db_index();
    let size = set.len();
    let Some(count) = count else {
        let popped = set.random_position().and_then(|i| set.remove_at(i));
        let deleted = delete_if_empty(&mut shard, hash, key, now_ms);
        if let Some(member) = &popped {
            ctx.journal(&[Effect::SetRemove { db, key, members: vec![member] }]);
            ctx.notify(notify::SET, "spop", key);
        }
        if deleted {
            ctx.notify(notify::GENERIC, "del", key);
        }
        drop(shard);
        match popped {
            Some(member) => ctx.reply.bulk(&member),
            None => ctx.reply.null(),
        }
        return Ok(());
    };
    if count == 0 {
        drop(shard);
        ctx.reply.set(0);
        return Ok(());
    }
    if count >= size {
        // The whole set, in the order Redis's SUNION of it gives.
        let mut all = SetValue::new();
        set.for_each(|m| {
            all.insert(m);
        });
        shard.remove(hash, key, now_ms);
        ctx.journal(&[Effect::Delete { db, key }]);
        drop(shard);
        ctx.notify(notify::SET, "spop", key);
        ctx.notify(notify::GENERIC, "del", key);
        reply_members(ctx, Some(&all));
        return Ok(());
    }
    let popped: Vec<CompactBytes> = distinct_positions(size, count)
        .into_iter()
        .filter_map(|i| set.member(i).map(Member::to_compact))
        .collect();
    let bytes = popped.iter().map(|m| m.len() as u64).fold(0, u64::saturating_add);
    check_journal_room(ctx, bytes, 1)?;
    for member in &popped {
        set.remove(member);
    }
    let members: Vec<&[u8]> = popped.iter().map(|m| &**m).collect();
    ctx.journal(&[Effect::SetRemove { db, key, members }]);
    drop(shard);
    ctx.notify(notify::SET, "spop", key);
    ctx.reply.set(popped.len());
    for member in &popped {
        ctx.reply.bulk(member);
    }
    Ok(())
}

/// SRANDMEMBER key [count]
pub fn srandmember(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    if args.len() > 3 {
        return Err(CommandError::Syntax);
    }
    if args.len() == 2 {
        return with_set(ctx, args.get(1), |ctx, s| {
            match s.and_then(|s| s.random_position().and_then(|i| s.member(i))) {
                Some(member) => member.with_bytes(|b| ctx.reply.bulk(b)),
                None => ctx.reply.null(),
            }
        });
    }
    let count = random_count(args.get(2))?;
    with_set(ctx, args.get(1), |ctx, s| {
        let size = s.map_or(0, SetValue::len);
        let wanted = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
        let Some(set) = s.filter(|_| wanted > 0 && size > 0) else {
            ctx.reply.array(0);
            return;
        };
        if count < 0 || wanted == 1 {
            // Streamed: the reply has |count| members, nothing is preallocated for them. Its
            // length is the client's choice: it stops at the client's output buffer limit,
            // where the connection closes and discards it (never sent cut short).
            ctx.reply.array(wanted);
            for _ in 0..wanted {
                if ctx.reply.stops_streaming() {
                    break;
                }
                if let Some(member) = set.random_position().and_then(|i| set.member(i)) {
                    member.with_bytes(|b| ctx.reply.bulk(b));
                }
            }
            return;
        }
        if wanted >= size {
            ctx.reply.array(size);
            for member in set.iter() {
                member.with_bytes(|b| ctx.reply.bulk(b));
            }
            return;
        }
        let mut positions = distinct_positions(size, wanted);
        if matches!(set, SetValue::Listpack(_)) {
            positions.sort_unstable();
        }
        ctx.reply.array(positions.len());
        for i in positions {
            if let Some(member) = set.member(i) {
                member.with_bytes(|b| ctx.reply.bulk(b));
            }
        }
    })
}

/// SSCAN key cursor [MATCH pattern] [COUNT count]
///
/// Intsets and listpacks come whole with cursor 0, as in Redis; a hashtable is walked by
/// position from the end (see store/dense.rs).
pub fn sscan(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let cursor = scan_cursor(args.get(2))?;
    let key = args.get(1);
    let hash = hash_key(key);
    let server = ctx.server;
    let mut shard = server.db(ctx.client.db).lock(hash);
    let Some(set) = read_set(&mut shard, hash, key, ctx.now_ms)? else {
        drop(shard);
        reply_scan(ctx, 0, &[]);
        return Ok(());
    };
    let options = scan_options(args, 3)?;
    let mut items: Vec<CompactBytes> = Vec::new();
    let mut take = |i: usize| {
        if let Some(member) = set.member(i) {
            member.with_bytes(|b| {
                if options.accepts(b) {
                    items.push(b.into());
                }
            });
        }
    };
    let next = if set.is_small() {
        (0..set.len()).for_each(&mut take);
        0
    } else {
        dense::scan_positions(set.len(), cursor, options.count, &mut take)
    };
    let items: Vec<&[u8]> = items.iter().map(|m| &**m).collect();
    reply_scan(ctx, next, &items);
    Ok(())
}

/// SMOVE source destination member
pub fn smove(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let (source, destination, member) = (args.get(1), args.get(2), args.get(3));
    check_journal_room(ctx, args_bytes(args, 1), 2)?;
    let (source_hash, destination_hash) = (hash_key(source), hash_key(destination));
    let server = ctx.server;
    let now_ms = ctx.now_ms;
    let mut shards =
        server.db(ctx.client.db).lock_keys([source_hash, destination_hash].into_iter());
    // Redis's order: a missing source answers 0 before the destination's type is checked.
    if write_set(shards.shard(source_hash), source_hash, source, now_ms)?.is_none() {
        drop(shards);
        ctx.reply.integer(0);
        return Ok(());
    }
    let destination_exists =
        write_set(shards.shard(destination_hash), destination_hash, destination, now_ms)?.is_some();
    // Both types are checked: from here on nothing can fail between the change and the
    // journal.
    let source_set = collections::write_again(
        shards.shard(source_hash),
        source_hash,
        source,
        now_ms,
        Value::set_mut,
    );
    let Ok(Some(source_set)) = source_set else {
        return Err(CommandError::WrongType);
    };
    if source == destination {
        let member_of = source_set.contains(member);
        drop(shards);
        ctx.reply.integer(i64::from(member_of));
        return Ok(());
    }
    if !source_set.remove(member) {
        drop(shards);
        ctx.reply.integer(0);
        return Ok(());
    }
    // The source's events come before the destination is created (its `new`), as in Redis.
    ctx.notify(notify::SET, "srem", source);
    if delete_if_empty(shards.shard(source_hash), source_hash, source, now_ms) {
        ctx.notify(notify::GENERIC, "del", source);
    }
    let shard = shards.shard(destination_hash);
    if !destination_exists {
        let set = SetValue::create(member, 1);
        shard.insert(destination_hash, Entry::new(destination, Value::Set(Box::new(set))), now_ms);
    }
    let added =
        collections::write_again(shard, destination_hash, destination, now_ms, Value::set_mut)
            .ok()
            .flatten()
            .is_some_and(|set| set.insert(member));
    let db = ctx.db_index();
    let removal = Effect::SetRemove { db, key: source, members: vec![member] };
    if added {
        let addition = Effect::SetAdd { db, key: destination, members: vec![member] };
        ctx.journal(&[removal, addition]);
    } else {
        ctx.journal(&[removal]);
    }
    drop(shards);
    if added {
        ctx.notify(notify::SET, "sadd", destination);
    }
    ctx.reply.integer(1);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Algebra: SINTER, SUNION, SDIFF, their STORE forms, SINTERCARD

/// A distinct key, its hash, and its set while taken out (None: missing).
type Source<'k> = (&'k [u8], u64, Option<Box<SetValue>>);

/// The sets named by some keys, taken out of their entries for one computation while the
/// shards stay locked (no copy of a large set), and put back by `restore`. Each distinct key
/// appears once; `by_argument` maps each key argument to it.
struct Sources<'k> {
    unique: Vec<Source<'k>>,
    by_argument: Vec<usize>,
}

impl<'k> Sources<'k> {
    /// Checks every key's type first (WRONGTYPE leaves everything in place), then takes the
    /// sets out.
    fn take(
        shards: &mut ShardSet<'_>,
        keys: &[&'k [u8]],
        now_ms: u64,
    ) -> Result<Self, CommandError> {
        let mut unique: Vec<Source<'k>> = Vec::new();
        let mut seen: hashbrown::HashMap<&[u8], usize, foldhash::fast::RandomState> =
            hashbrown::HashMap::default();
        let mut by_argument = Vec::with_capacity(keys.len());
        for &key in keys {
            let next = unique.len();
            let at = *seen.entry(key).or_insert(next);
            if at == next {
                unique.push((key, hash_key(key), None));
            }
            by_argument.push(at);
        }
        for (key, hash, _) in &unique {
            read_set(shards.shard(*hash), *hash, key, now_ms)?;
        }
        for (key, hash, slot) in &mut unique {
            if let Some(Entry { value: Value::Set(set), .. }) =
                shards.shard(*hash).find(*hash, key, now_ms)
            {
                *slot = Some(std::mem::take(set));
            }
        }
        Ok(Self { unique, by_argument })
    }

    /// The set of argument `i` (None: missing key).
    fn argument(&self, i: usize) -> Option<&SetValue> {
        let at = *self.by_argument.get(i)?;
        self.unique.get(at)?.2.as_deref()
    }

    fn restore(self, shards: &mut ShardSet<'_>, now_ms: u64) {
        for (key, hash, slot) in self.unique {
            let Some(set) = slot else { continue };
            if let Some(Entry { value: Value::Set(place), .. }) =
                shards.shard(hash).find(hash, key, now_ms)
            {
                *place = set;
            }
        }
    }
}

/// SINTER's result, in Redis's order: the members of the smallest set (sets sorted by size)
/// found in all others, stopping at `limit` members (0: none). None if a key is missing.
fn intersection(sources: &Sources<'_>, limit: usize) -> Option<(SetValue, usize)> {
    let mut sets: Vec<&SetValue> = Vec::new();
    for i in 0..sources.by_argument.len() {
        sets.push(sources.argument(i)?);
    }
    sets.sort_by_key(|s| s.len());
    let (&first, rest) = sets.split_first()?;
    let mut result = if matches!(first, SetValue::Ints(_)) {
        SetValue::new()
    } else {
        SetValue::Listpack(Default::default())
    };
    let mut count = 0usize;
    for member in first.iter() {
        let everywhere =
            member.with_bytes(|b| rest.iter().all(|s| std::ptr::eq(*s, first) || s.contains(b)));
        if everywhere {
            member.with_bytes(|b| result.insert(b));
            count += 1;
            if limit != 0 && count >= limit {
                break;
            }
        }
    }
    Some((result, count))
}

fn union(sources: &Sources<'_>) -> SetValue {
    let mut result = SetValue::new();
    for i in 0..sources.by_argument.len() {
        if let Some(set) = sources.argument(i) {
            set.for_each(|m| {
                result.insert(m);
            });
        }
    }
    result
}

/// SDIFF with Redis's choice between its two algorithms (the order of the result depends on
/// it): 1 tests each member of the first set against the others, 2 copies the first set and
/// removes the others' members.
fn difference(sources: &Sources<'_>) -> SetValue {
    let mut result = SetValue::new();
    let count = sources.by_argument.len();
    let Some(first) = sources.argument(0) else { return result };
    let first_at = sources.by_argument.first().copied();
    if sources.by_argument.iter().skip(1).any(|&at| Some(at) == first_at) {
        return result;
    }
    let others: Vec<Option<&SetValue>> = (1..count).map(|i| sources.argument(i)).collect();
    let existing = 1 + others.iter().flatten().count();
    let algorithm_one = first.len().saturating_mul(existing) / 2;
    let algorithm_two =
        first.len() + others.iter().flatten().map(|s| s.len()).fold(0, usize::saturating_add);
    if algorithm_one <= algorithm_two {
        let mut others = others;
        others.sort_by_key(|s| std::cmp::Reverse(s.map_or(0, SetValue::len)));
        first.for_each(|m| {
            if !others.iter().flatten().any(|s| s.contains(m)) {
                result.insert(m);
            }
        });
    } else {
        first.for_each(|m| {
            result.insert(m);
        });
        for set in others.iter().flatten() {
            set.for_each(|m| {
                result.remove(m);
            });
            if result.is_empty() {
                break;
            }
        }
    }
    result
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Operation {
    Inter,
    Union,
    Diff,
}

fn compute(operation: Operation, sources: &Sources<'_>) -> SetValue {
    match operation {
        Operation::Inter => intersection(sources, 0).map(|(s, _)| s).unwrap_or_default(),
        Operation::Union => union(sources),
        Operation::Diff => difference(sources),
    }
}

/// SINTER, SUNION, SDIFF: the result as a set reply.
fn algebra(ctx: &mut Context<'_>, args: Args<'_>, operation: Operation) -> CommandResult {
    let keys: Vec<&[u8]> = args.iter().skip(1).collect();
    let server = ctx.server;
    let now_ms = ctx.now_ms;
    let mut shards = server.db(ctx.client.db).lock_keys(keys.iter().map(|k| hash_key(k)));
    let sources = Sources::take(&mut shards, &keys, now_ms)?;
    let result = compute(operation, &sources);
    sources.restore(&mut shards, now_ms);
    drop(shards);
    reply_members(ctx, Some(&result));
    Ok(())
}

/// SINTERSTORE, SUNIONSTORE, SDIFFSTORE: replaces `destination` with the result (a Put of the
/// whole value), or deletes it when the result is empty.
fn algebra_store(ctx: &mut Context<'_>, args: Args<'_>, operation: Operation) -> CommandResult {
    let destination = args.get(1);
    let keys: Vec<&[u8]> = args.iter().skip(2).collect();
    let destination_hash = hash_key(destination);
    let server = ctx.server;
    let now_ms = ctx.now_ms;
    let hashes = keys.iter().map(|k| hash_key(k)).chain(std::iter::once(destination_hash));
    let mut shards = server.db(ctx.client.db).lock_keys(hashes);
    let sources = Sources::take(&mut shards, &keys, now_ms)?;
    let computed = compute(operation, &sources);
    sources.restore(&mut shards, now_ms);
    // Stored as journal replay rebuilds it (same order and encoding after a restart).
    let mut members: Vec<CompactBytes> = computed.iter().map(Member::to_compact).collect();
    if operation == Operation::Inter {
        // Redis's maybeConvertToIntset: an intersection of integers is an intset.
        let ints: Option<Vec<i64>> =
            members.iter().map(|m| crate::protocol::number::parse_i64(m)).collect();
        if let Some(mut ints) = ints.filter(|i| i.len() <= crate::store::set::intset_entries_max())
        {
            ints.sort_unstable();
            members = ints.iter().map(|&n| Member::Int(n).to_compact()).collect();
        }
    }
    let result = SetValue::from_members(members.iter().map(|m| &**m));
    let bytes = result.iter().map(member_bytes).fold(0, u64::saturating_add);
    check_journal_room(ctx, bytes.saturating_add(args_bytes(args, 1)), result.len() as u64 + 1)?;
    let db = ctx.db_index();
    let size = result.len();
    let shard = shards.shard(destination_hash);
    let event = match operation {
        Operation::Inter => "sinterstore",
        Operation::Union => "sunionstore",
        Operation::Diff => "sdiffstore",
    };
    if size == 0 {
        if shard.remove(destination_hash, destination, now_ms).is_some() {
            ctx.journal(&[Effect::Delete { db, key: destination }]);
            ctx.notify(notify::GENERIC, "del", destination);
        }
    } else {
        let entry = Entry::new(destination, Value::Set(Box::new(result)));
        shard.insert(destination_hash, entry, now_ms);
        if let Some(stored) = shard.find(destination_hash, destination, now_ms) {
            journal::replay::with_journal_value(&stored.value, |value| {
                ctx.journal(&[Effect::Put { db, key: destination, value, expires_at_ms: 0 }]);
            });
        }
        ctx.notify(notify::SET, event, destination);
    }
    drop(shards);
    ctx.reply.integer(len_i64(size));
    Ok(())
}

/// SDIFF key [key ...]
pub fn sdiff(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    algebra(ctx, args, Operation::Diff)
}

/// SINTER key [key ...]
pub fn sinter(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    algebra(ctx, args, Operation::Inter)
}

/// SUNION key [key ...]
pub fn sunion(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    algebra(ctx, args, Operation::Union)
}

/// SDIFFSTORE destination key [key ...]
pub fn sdiffstore(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    algebra_store(ctx, args, Operation::Diff)
}

/// SINTERSTORE destination key [key ...]
pub fn sinterstore(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    algebra_store(ctx, args, Operation::Inter)
}

/// SUNIONSTORE destination key [key ...]
pub fn sunionstore(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    algebra_store(ctx, args, Operation::Union)
}

/// SINTERCARD numkeys key [key ...] [LIMIT limit]
pub fn sintercard(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let numkeys_error = CommandError::Static("ERR numkeys should be greater than 0");
    let numkeys = arguments::integer(args.get(1)).map_err(|_| numkeys_error.clone())?;
    if numkeys < 1 {
        return Err(numkeys_error);
    }
    let numkeys = usize::try_from(numkeys).unwrap_or(usize::MAX);
    if numkeys > args.len() - 2 {
        return Err(CommandError::Static(
            "ERR Number of keys can't be greater than number of args",
        ));
    }
    let mut limit = 0usize;
    let mut i = 2 + numkeys;
    while i < args.len() {
        if is(args.get(i), "limit") && i + 1 < args.len() {
            let n = arguments::non_negative(args.get(i + 1), "ERR LIMIT can't be negative")?;
            limit = usize::try_from(n).unwrap_or(usize::MAX);
            i += 2;
        } else {
            return Err(CommandError::Syntax);
        }
    }
    let keys: Vec<&[u8]> = args.iter().skip(2).take(numkeys).collect();
    let server = ctx.server;
    let now_ms = ctx.now_ms;
    let mut shards = server.db(ctx.client.db).lock_keys(keys.iter().map(|k| hash_key(k)));
    let sources = Sources::take(&mut shards, &keys, now_ms)?;
    let count = intersection(&sources, limit).map_or(0, |(_, count)| count);
    sources.restore(&mut shards, now_ms);
    drop(shards);
    ctx.reply.integer(len_i64(count));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// SORT and SORT_RO (group generic; they live here because sets are the type they most often
// sort, and BY/GET read hashes and strings)

/// SORT's options, parsed as Redis's `sortCommandGeneric` does.
struct SortOptions<'a> {
    desc: bool,
    alpha: bool,
    /// LIMIT offset count (defaults 0, -1: everything).
    limit: (i64, i64),
    by: Option<&'a [u8]>,
    /// BY a pattern without `*`: no sorting at all.
    dontsort: bool,
    gets: Vec<&'a [u8]>,
    store: Option<&'a [u8]>,
}

fn sort_options(args: Args<'_>, readonly: bool) -> Result<SortOptions<'_>, CommandError> {
    let mut options = SortOptions {
        desc: false,
        alpha: false,
        limit: (0, -1),
        by: None,
        dontsort: false,
        gets: Vec::new(),
        store: None,
    };
    let mut j = 2;
    while j < args.len() {
        let word = args.get(j);
        let left = args.len() - j - 1;
        if is(word, "asc") {
            options.desc = false;
        } else if is(word, "desc") {
            options.desc = true;
        } else if is(word, "alpha") {
            options.alpha = true;
        } else if is(word, "limit") && left >= 2 {
            options.limit =
                (arguments::integer(args.get(j + 1))?, arguments::integer(args.get(j + 2))?);
            j += 2;
        } else if is(word, "store") && left >= 1 && !readonly {
            options.store = Some(args.get(j + 1));
            j += 1;
        } else if is(word, "by") && left >= 1 {
            let pattern = args.get(j + 1);
            options.dontsort = !pattern.contains(&b'*');
            options.by = Some(pattern);
            j += 1;
        } else if is(word, "get") && left >= 1 {
            options.gets.push(args.get(j + 1));
            j += 1;
        } else {
            return Err(CommandError::Syntax);
        }
        j += 1;
    }
    Ok(options)
}

/// Redis's `lookupKeyByPattern`: `#` is the element itself; otherwise the first `*` is
/// replaced by the element and the key read as a string, or, with `->field` after the `*`,
/// as that field of a hash. Anything missing or of another type is None.
fn lookup_by_pattern(ctx: &Context<'_>, pattern: &[u8], element: &[u8]) -> Option<Vec<u8>> {
    if pattern == b"#" {
        return Some(element.to_vec());
    }
    let star = pattern.iter().position(|&b| b == b'*')?;
    let after = pattern.get(star + 1..)?;
    let arrow = after.windows(2).position(|w| w == b"->").filter(|&a| a + 2 < after.len());
    let (postfix, field) = match arrow {
        Some(a) => (after.get(..a)?, Some(after.get(a + 2..)?)),
        None => (after, None),
    };
    let mut key = Vec::with_capacity(star + element.len() + postfix.len());
    key.extend_from_slice(pattern.get(..star)?);
    key.extend_from_slice(element);
    key.extend_from_slice(postfix);
    let hash = hash_key(&key);
    let mut shard = ctx.server.db(ctx.client.db).lock(hash);
    let entry = shard.lookup(hash, &key, ctx.now_ms)?;
    match (&entry.value, field) {
        (Value::Hash(h), Some(field)) => h.get(field).map(<[u8]>::to_vec),
        (Value::Str(s), None) => Some(s.to_vec()),
        _ => None,
    }
}

/// A weight as Redis's SORT reads it with `strtod`: leading spaces allowed, nothing after the
/// number, no NaN, no overflow; the empty string is 0.
fn sort_score(bytes: &[u8]) -> Option<f64> {
    let trimmed = bytes.trim_ascii_start();
    if bytes.is_empty() {
        return Some(0.0);
    }
    crate::protocol::number::parse_f64(trimmed)
}

/// The elements of the value at `key` in their native order (a missing key is an empty list;
/// lists and sorted sets reversed when `reversed`: BY nosort DESC), and whether it is a set;
/// WRONGTYPE for strings and hashes.
fn sort_elements(
    ctx: &Context<'_>,
    key: &[u8],
    reversed: bool,
) -> Result<(Vec<CompactBytes>, bool), CommandError> {
    let hash = hash_key(key);
    let mut shard = ctx.server.db(ctx.client.db).lock(hash);
    let Some(entry) = shard.lookup(hash, key, ctx.now_ms) else {
        return Ok((Vec::new(), false));
    };
    let (mut elements, is_set): (Vec<CompactBytes>, bool) = match &entry.value {
        Value::List(list) => (list.iter().map(CompactBytes::from).collect(), false),
        Value::Set(set) => (set.iter().map(Member::to_compact).collect(), true),
        Value::ZSet(zset) => (zset.iter().map(|(_, m)| CompactBytes::from(m)).collect(), false),
        _ => return Err(CommandError::WrongType),
    };
    if reversed && !is_set {
        elements.reverse();
    }
    Ok((elements, is_set))
}

/// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC | DESC] [ALPHA]
/// [STORE destination], and SORT_RO (no STORE).
///
/// Runs with the keyspace gate held exclusively (the table flag): BY and GET read keys that
/// only the data names, so the whole command must see one instant, as in Redis. Alphabetic
/// order compares bytes (Redis's `strcoll` in the C locale).
fn sort_generic(ctx: &mut Context<'_>, args: Args<'_>, readonly: bool) -> CommandResult {
    let mut options = sort_options(args, readonly)?;
    let key = args.get(1);
    let (mut elements, is_set) = sort_elements(ctx, key, options.dontsort && options.desc)?;
    if options.dontsort && is_set && options.store.is_some() {
        // Sets have no native order: a stored result is sorted so it replays identically.
        options.dontsort = false;
        options.alpha = true;
        options.by = None;
    }
    let len = i64::try_from(elements.len()).unwrap_or(i64::MAX);
    let (limit_start, limit_count) = options.limit;
    let mut start = limit_start.max(0);
    let mut end = if limit_count < 0 { len - 1 } else { start.saturating_add(limit_count) - 1 };
    if start >= len {
        start = len - 1;
        end = len - 2;
    }
    end = end.min(len - 1);
    if !options.dontsort {
        sort_by_weights(ctx, &mut elements, &options)?;
    }
    let range: &[CompactBytes] = if end >= start {
        let (from, to) = (usize::try_from(start).unwrap_or(0), usize::try_from(end).unwrap_or(0));
        elements.get(from..=to).unwrap_or(&[])
    } else {
        &[]
    };
    let mut output: Vec<Option<Vec<u8>>> = Vec::new();
    for element in range {
        if options.gets.is_empty() {
            output.push(Some(element.to_vec()));
        }
        for pattern in &options.gets {
            output.push(lookup_by_pattern(ctx, pattern, element));
        }
    }
    match options.store {
        None => {
            ctx.reply.array(output.len());
            for item in &output {
                match item {
                    Some(bytes) => ctx.reply.bulk(bytes),
                    None => ctx.reply.null(),
                }
            }
        }
        Some(destination) => store_sorted(ctx, destination, &output)?,
    }
    Ok(())
}

/// Sorts `elements` by number (or bytes with ALPHA), by themselves or BY a pattern.
fn sort_by_weights(
    ctx: &Context<'_>,
    elements: &mut Vec<CompactBytes>,
    options: &SortOptions<'_>,
) -> CommandResult {
    enum Weight {
        Score(f64),
        Bytes(Option<Vec<u8>>),
    }
    let mut weighted: Vec<(Weight, CompactBytes)> = Vec::with_capacity(elements.len());
    for element in elements.drain(..) {
        let by = match options.by {
            Some(pattern) => lookup_by_pattern(ctx, pattern, &element),
            None => Some(element.to_vec()),
        };
        let weight = if options.alpha {
            Weight::Bytes(by)
        } else {
            match by {
                None => Weight::Score(0.0),
                Some(bytes) => Weight::Score(sort_score(&bytes).ok_or(CommandError::Static(
                    "ERR One or more scores can't be converted into double",
                ))?),
            }
        };
        weighted.push((weight, element));
    }
    let by_pattern = options.by.is_some();
    weighted.sort_by(|(a, a_element), (b, b_element)| {
        let order = match (a, b) {
            (Weight::Score(x), Weight::Score(y)) => x
                .partial_cmp(y)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| a_element.cmp(b_element)),
            (Weight::Bytes(x), Weight::Bytes(y)) if by_pattern => x.cmp(y),
            _ => a_element.cmp(b_element),
        };
        if options.desc {
            order.reverse()
        } else {
            order
        }
    });
    elements.extend(weighted.into_iter().map(|(_, element)| element));
    Ok(())
}

/// SORT ... STORE: the output becomes a list at `destination` (missing GET values as empty
/// strings), journaled as a Put; an empty output deletes the destination.
fn store_sorted(
    ctx: &mut Context<'_>,
    destination: &[u8],
    output: &[Option<Vec<u8>>],
) -> CommandResult {
    let bytes = output.iter().flatten().map(|b| b.len() as u64).fold(0, u64::saturating_add);
    check_journal_room(ctx, bytes.saturating_add(destination.len() as u64), 1)?;
    let hash = hash_key(destination);
    let server = ctx.server;
    let now_ms = ctx.now_ms;
    let mut shard = server.db(ctx.client.db).lock(hash);
    let db = ctx.db_index();
    if output.is_empty() {
        if shard.remove(hash, destination, now_ms).is_some() {
            ctx.journal(&[Effect::Delete { db, key: destination }]);
            ctx.notify(notify::GENERIC, "del", destination);
        }
    } else {
        let items: Vec<&[u8]> = output.iter().map(|o| o.as_deref().unwrap_or(b"")).collect();
        let list = crate::store::ListValue::from_elements(items.iter().copied());
        shard.insert(hash, Entry::new(destination, Value::List(Box::new(list))), now_ms);
        let value = journal::Value::List(items);
        ctx.journal(&[Effect::Put { db, key: destination, value, expires_at_ms: 0 }]);
        ctx.notify(notify::LIST, "sortstore", destination);
    }
    drop(shard);
    if !output.is_empty() {
        // A list now: clients blocked on it are served, as Redis's setKey signals it.
        ctx.signal_ready(ctx.client.db, destination);
    }
    ctx.reply.integer(len_i64(output.len()));
    Ok(())
}

/// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC | DESC] [ALPHA]
/// [STORE destination]
pub fn sort(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    sort_generic(ctx, args, false)
}

/// SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC | DESC] [ALPHA]
pub fn sort_ro(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    sort_generic(ctx, args, true)
}
