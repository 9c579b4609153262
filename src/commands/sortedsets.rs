//! Sorted set commands: scores, ranks, ranges by rank, score and lex, pops and blocking pops,
//! random members, the union/intersection/difference algebra and ZSCAN. The value type lives
//! in `store::zset`; blocked clients wait in `server::blocking`, and a command that adds
//! members serves them before it releases the key's shard lock, journaling their pops in its
//! own record (as the list pushes do).

use std::sync::Arc;

use super::arguments::{self, is};
use super::collections::{self, delete_if_empty};
use super::errors::{CommandError, CommandResult};
use super::keys::parse_cursor;
use super::strings::check_journal_room;
use super::table::{flags::*, key_flags::*, spec, tips, CommandSpec, KeySpan, KeySpec};
use super::Context;
use crate::journal::{self, Effect};
use crate::protocol::number::{format_double, parse_f64, parse_i64};
use crate::protocol::{Args, ReplyWriter};
use crate::server::blocking::{BlockedOn, BlockedOp, Outcome, Served, Waiter};
use crate::server::notify;
use crate::store::keyspace::ShardSet;
use crate::store::zset::compare;
use crate::store::{glob, hash_key, Entry, SetValue, Shard, Value, ZSetValue};

const G: &str = "sorted-set";
/// ZUNIONSTORE and friends: the destination is the one fixed key; the sources follow numkeys.
const DESTINATION: KeySpan = KeySpan::ONE;
/// BZPOPMIN's and BZPOPMAX's keys: every argument but the first and the timeout.
const BLOCKING_POP_KEYS: KeySpan = KeySpan { first: 1, last: -2, step: 1 };

pub static COMMANDS: &[CommandSpec] = &[
    spec("zadd", -4, WRITE | DENYOOM | FAST, KeySpan::ONE, G, zadd).doc(
        "1.2.0",
        "Adds one or more members to a sorted set, or updates their scores. Creates the key if it doesn't exist.",
        "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
        "key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]",
    ),
    spec("zincrby", 4, WRITE | DENYOOM | FAST, KeySpan::ONE, G, zincrby)
        .key_flags(RW | ACCESS | UPDATE)
        .doc(
            "1.2.0",
            "Increments the score of a member in a sorted set.",
            "O(log(N)) where N is the number of elements in the sorted set.",
            "key increment member",
        ),
    spec("zrem", -3, WRITE | FAST, KeySpan::ONE, G, zrem).key_flags(RW | DELETE).doc(
        "1.2.0",
        "Removes one or more members from a sorted set. Deletes the sorted set if all members were removed.",
        "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.",
        "key member [member ...]",
    ),
    spec("zcard", 2, READONLY | FAST, KeySpan::ONE, G, zcard).key_flags(RO).doc(
        "1.2.0",
        "Returns the number of members in a sorted set.",
        "O(1)",
        "key",
    ),
    spec("zscore", 3, READONLY | FAST, KeySpan::ONE, G, zscore).doc(
        "1.2.0",
        "Returns the score of a member in a sorted set.",
        "O(1)",
        "key member",
    ),
    spec("zmscore", -3, READONLY | FAST, KeySpan::ONE, G, zmscore).doc(
        "6.2.0",
        "Returns the score of one or more members in a sorted set.",
        "O(N) where N is the number of members being requested.",
        "key member [member ...]",
    ),
    spec("zrank", -3, READONLY | FAST, KeySpan::ONE, G, zrank).doc(
        "2.0.0",
        "Returns the index of a member in a sorted set ordered by ascending scores.",
        "O(log(N))",
        "key member [WITHSCORE]",
    ),
    spec("zrevrank", -3, READONLY | FAST, KeySpan::ONE, G, zrevrank).doc(
        "2.0.0",
        "Returns the index of a member in a sorted set ordered by descending scores.",
        "O(log(N))",
        "key member [WITHSCORE]",
    ),
    spec("zcount", 4, READONLY | FAST, KeySpan::ONE, G, zcount).doc(
        "2.0.0",
        "Returns the count of members in a sorted set that have scores within a range.",
        "O(log(N)) with N being the number of elements in the sorted set.",
        "key min max",
    ),
    spec("zlexcount", 4, READONLY | FAST, KeySpan::ONE, G, zlexcount).doc(
        "2.8.9",
        "Returns the number of members in a sorted set within a lexicographical range.",
        "O(log(N)) with N being the number of elements in the sorted set.",
        "key min max",
    ),
    spec("zrange", -4, READONLY, KeySpan::ONE, G, zrange).doc(
        "1.2.0",
        "Returns members in a sorted set within a range of indexes.",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
        "key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]",
    ),
    spec("zrangestore", -5, WRITE | DENYOOM, KeySpan::TWO, G, zrangestore)
        .key_specs(&[KeySpec::one(1, OW | UPDATE), KeySpec::one(2, RO | ACCESS)])
        .doc(
            "6.2.0",
            "Stores a range of members from sorted set in a key.",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.",
            "dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]",
        ),
    spec("zrevrange", -4, READONLY, KeySpan::ONE, G, zrevrange).doc(
        "1.2.0",
        "Returns members in a sorted set within a range of indexes in reverse order.",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
        "key start stop [WITHSCORES]",
    ),
    spec("zrangebyscore", -4, READONLY, KeySpan::ONE, G, zrangebyscore).doc(
        "1.0.5",
        "Returns members in a sorted set within a range of scores.",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        "key min max [WITHSCORES] [LIMIT offset count]",
    ),
    spec("zrevrangebyscore", -4, READONLY, KeySpan::ONE, G, zrevrangebyscore).doc(
        "2.2.0",
        "Returns members in a sorted set within a range of scores in reverse order.",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        "key max min [WITHSCORES] [LIMIT offset count]",
    ),
    spec("zrangebylex", -4, READONLY, KeySpan::ONE, G, zrangebylex).doc(
        "2.8.9",
        "Returns members in a sorted set within a lexicographical range.",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        "key min max [LIMIT offset count]",
    ),
    spec("zrevrangebylex", -4, READONLY, KeySpan::ONE, G, zrevrangebylex).doc(
        "2.8.9",
        "Returns members in a sorted set within a lexicographical range in reverse order.",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        "key max min [LIMIT offset count]",
    ),
    spec("zremrangebyrank", 4, WRITE, KeySpan::ONE, G, zremrangebyrank).key_flags(RW | DELETE).doc(
        "2.0.0",
        "Removes members in a sorted set within a range of indexes. Deletes the sorted set if all members were removed.",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
        "key start stop",
    ),
    spec("zremrangebyscore", 4, WRITE, KeySpan::ONE, G, zremrangebyscore)
        .key_flags(RW | DELETE)
        .doc(
            "1.2.0",
            "Removes members in a sorted set within a range of scores. Deletes the sorted set if all members were removed.",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
            "key min max",
        ),
    spec("zremrangebylex", 4, WRITE, KeySpan::ONE, G, zremrangebylex).key_flags(RW | DELETE).doc(
        "2.8.9",
        "Removes members in a sorted set within a lexicographical range. Deletes the sorted set if all members were removed.",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
        "key min max",
    ),
    spec("zpopmin", -2, WRITE | FAST, KeySpan::ONE, G, zpopmin).key_flags(RW | ACCESS | DELETE).doc(
        "5.0.0",
        "Returns the lowest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.",
        "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
        "key [count]",
    ),
    spec("zpopmax", -2, WRITE | FAST, KeySpan::ONE, G, zpopmax).key_flags(RW | ACCESS | DELETE).doc(
        "5.0.0",
        "Returns the highest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.",
        "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
        "key [count]",
    ),
    spec("zmpop", -4, WRITE | MOVABLEKEYS, KeySpan::NONE, G, zmpop).numkeys(1).doc(
        "7.0.0",
        "Returns the highest- or lowest-scoring members from one or more sorted sets after removing them. Deletes the sorted set if the last member was popped.",
        "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
        "numkeys key [key ...] <MIN | MAX> [COUNT count]",
    ),
    spec("bzpopmin", -3, WRITE | FAST | BLOCKING, BLOCKING_POP_KEYS, G, bzpopmin)
        .key_flags(RW | ACCESS | DELETE)
        .doc(
            "5.0.0",
            "Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.",
            "O(log(N)) with N being the number of elements in the sorted set.",
            "key [key ...] timeout",
        ),
    spec("bzpopmax", -3, WRITE | FAST | BLOCKING, BLOCKING_POP_KEYS, G, bzpopmax)
        .key_flags(RW | ACCESS | DELETE)
        .doc(
            "5.0.0",
            "Removes and returns the member with the highest score from one or more sorted sets. Blocks until a member available otherwise.  Deletes the sorted set if the last element was popped.",
            "O(log(N)) with N being the number of elements in the sorted set.",
            "key [key ...] timeout",
        ),
    spec("bzmpop", -5, WRITE | BLOCKING | MOVABLEKEYS, KeySpan::NONE, G, bzmpop).numkeys(2).doc(
        "7.0.0",
        "Removes and returns a member by score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.",
        "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
        "timeout numkeys key [key ...] <MIN | MAX> [COUNT count]",
    ),
    spec("zrandmember", -2, READONLY, KeySpan::ONE, G, zrandmember)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT])
        .doc(
            "6.2.0",
            "Returns one or more random members from a sorted set.",
            "O(N) where N is the number of members returned",
            "key [count [WITHSCORES]]",
        ),
    spec("zunion", -3, READONLY | MOVABLEKEYS, KeySpan::NONE, G, zunion).numkeys(1).doc(
        "6.2.0",
        "Returns the union of multiple sorted sets.",
        "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
        "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]",
    ),
    spec("zinter", -3, READONLY | MOVABLEKEYS, KeySpan::NONE, G, zinter).numkeys(1).doc(
        "6.2.0",
        "Returns the intersect of multiple sorted sets.",
        "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
        "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]",
    ),
    spec("zdiff", -3, READONLY | MOVABLEKEYS, KeySpan::NONE, G, zdiff).numkeys(1).doc(
        "6.2.0",
        "Returns the difference between multiple sorted sets.",
        "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
        "numkeys key [key ...] [WITHSCORES]",
    ),
    spec("zunionstore", -4, WRITE | DENYOOM | MOVABLEKEYS, DESTINATION, G, zunionstore)
        .key_flags(OW | UPDATE)
        .numkeys(2)
        .doc(
            "2.0.0",
            "Stores the union of multiple sorted sets in a key.",
            "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
            "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]",
        ),
    spec("zinterstore", -4, WRITE | DENYOOM | MOVABLEKEYS, DESTINATION, G, zinterstore)
        .key_flags(OW | UPDATE)
        .numkeys(2)
        .doc(
            "2.0.0",
            "Stores the intersect of multiple sorted sets in a key.",
            "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
            "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]",
        ),
    spec("zdiffstore", -4, WRITE | DENYOOM | MOVABLEKEYS, DESTINATION, G, zdiffstore)
        .key_flags(OW | UPDATE)
        .numkeys(2)
        .doc(
            "6.2.0",
            "Stores the difference of multiple sorted sets in a key.",
            "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
            "destination numkeys key [key ...]",
        ),
    spec("zintercard", -3, READONLY | MOVABLEKEYS, KeySpan::NONE, G, zintercard).numkeys(1).doc(
        "7.0.0",
        "Returns the number of members of the intersect of multiple sorted sets.",
        "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.",
        "numkeys key [key ...] [LIMIT limit]",
    ),
    spec("zscan", -3, READONLY, KeySpan::ONE, G, zscan).tips(&[tips::NONDETERMINISTIC_OUTPUT]).doc(
        "2.8.0",
        "Iterates over members and scores of a sorted set.",
        "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
        "key cursor [MATCH pattern] [COUNT count]",
    ),
];

// ------------------------------------------------------------------------------- helpers

/// Reads `key` as Redis's `lookupKeyRead` (counts a hit or miss); WRONGTYPE if not a zset.
pub(super) fn read_zset<'a>(
    shard: &'a mut Shard,
    hash: u64,
    key: &[u8],
    now_ms: u64,
) -> Result<Option<&'a mut ZSetValue>, CommandError> {
    collections::read(shard, hash, key, now_ms, Value::zset_mut)
}

/// Finds `key` for a write, as `lookupKeyWrite` (touches, counts nothing).
fn write_zset<'a>(
    shard: &'a mut Shard,
    hash: u64,
    key: &[u8],
    now_ms: u64,
) -> Result<Option<&'a mut ZSetValue>, CommandError> {
    collections::write(shard, hash, key, now_ms, Value::zset_mut)
}

fn len_u64(len: usize) -> u64 {
    u64::try_from(len).unwrap_or(u64::MAX)
}

fn len_i64(len: usize) -> i64 {
    i64::try_from(len).unwrap_or(i64::MAX)
}

fn args_bytes(args: Args<'_>) -> u64 {
    args.iter().map(|a| len_u64(a.len())).fold(0, u64::saturating_add)
}

/// Bytes of `members` plus their scores, for the journal-size check.
fn entries_bytes<'a>(members: impl Iterator<Item = &'a [u8]>) -> u64 {
    members.map(|m| len_u64(m.len()).saturating_add(8)).fold(0, u64::saturating_add)
}

/// Writes scored members: RESP2 flat (`m1 s1 m2 s2`), RESP3 `[[m1, s1], ...]` with doubles;
/// without scores, an array of members.
fn reply_entries<'a>(
    reply: &mut ReplyWriter,
    entries: impl ExactSizeIterator<Item = (f64, &'a [u8])>,
    withscores: bool,
) {
    let nested = withscores && reply.is_resp3();
    reply.array(if withscores && !nested { entries.len() * 2 } else { entries.len() });
    for (score, member) in entries {
        if nested {
            reply.array(2);
        }
        reply.bulk(member);
        if withscores {
            reply.double(score);
        }
    }
}

fn journal_remove(ctx: &mut Context<'_>, key: &[u8], members: &[&[u8]]) {
    if members.is_empty() {
        return;
    }
    let db = ctx.db_index();
    ctx.journal(&[Effect::ZSetRemove { db, key, members: members.to_vec() }]);
}

// ------------------------------------------------------------------ serving blocked clients

/// What serving blocked clients did: pops to journal, then outcomes to deliver.
#[derive(Default)]
struct Service {
    /// (key, popped members) per served client, in service order.
    pops: Vec<(Vec<u8>, Vec<Vec<u8>>)>,
    outcomes: Vec<(Arc<Waiter>, Outcome)>,
    /// The served clients' keyspace notifications (event, key), in Redis's order.
    events: Vec<(u32, &'static str, Vec<u8>)>,
}

fn pop_event(max: bool) -> &'static str {
    if max {
        "zpopmax"
    } else {
        "zpopmin"
    }
}

/// Refuses, before anything changes, a command adding members whose record would exceed the
/// journal's limit, counting the pops it may hand to blocked clients: at most the members it
/// added (the key had no members while clients waited on it), one effect each. Called under
/// the key's shard lock, so no client can start waiting on it meanwhile.
fn check_room_with_service(
    ctx: &Context<'_>,
    bytes: u64,
    effects: u64,
    entries: u64,
) -> CommandResult {
    if ctx.server.blocking.blocked_clients() == 0 {
        return check_journal_room(ctx, bytes, effects);
    }
    check_journal_room(ctx, bytes.saturating_mul(2), effects.saturating_add(entries))
}

/// Removes up to `count` members from one end of `z`, in pop order.
fn take_members(z: &mut ZSetValue, max: bool, count: usize) -> Vec<(f64, Vec<u8>)> {
    let n = count.min(z.len());
    let popped: Vec<(f64, Vec<u8>)> = if max {
        z.range(z.len() - n, z.len()).rev().map(|(s, m)| (s, m.to_vec())).collect()
    } else {
        z.range(0, n).map(|(s, m)| (s, m.to_vec())).collect()
    };
    for (_, member) in &popped {
        z.remove(member);
    }
    popped
}

/// The reply of a blocking pop (`op` is `ZPop` or `ZMultiPop`) that popped `popped` from `key`.
fn served(key: &[u8], op: &BlockedOp, popped: Vec<(f64, Vec<u8>)>) -> Served {
    match op {
        BlockedOp::ZMultiPop { .. } => {
            Served::KeyMembers(key.to_vec(), popped.into_iter().map(|(s, m)| (m, s)).collect())
        }
        _ => {
            let (score, member) = popped.into_iter().next().unwrap_or_default();
            Served::KeyMemberScore(key.to_vec(), member, score)
        }
    }
}

/// Which end and how many a blocked sorted set pop takes; None for a list waiter.
fn pop_spec(op: &BlockedOp) -> Option<(bool, usize)> {
    match op {
        BlockedOp::ZPop { max } => Some((*max, 1)),
        BlockedOp::ZMultiPop { max, count } => Some((*max, *count)),
        _ => None,
    }
}

/// Serves, in FIFO order, the clients blocked on the sorted set at `key` while the caller
/// still holds its shard lock, so nobody else can take the members; deletes the key if they
/// emptied it. Clients blocked on `key` for a list stay blocked.
fn serve_blocked(ctx: &mut Context<'_>, shard: &mut Shard, hash: u64, key: &[u8]) -> Service {
    let mut service = Service::default();
    let blocking = &ctx.server.blocking;
    if blocking.blocked_clients() == 0 || ctx.defers_serving(&[key]) {
        return service;
    }
    let (db, now_ms) = (ctx.client.db, ctx.now_ms);
    while let Some(Value::ZSet(z)) = shard.find(hash, key, now_ms).map(|e| &mut e.value) {
        if z.is_empty() {
            break;
        }
        let Some(waiter) = blocking.take_first(db, key, BlockedOn::ZSet) else { break };
        let Some((max, count)) = pop_spec(&waiter.op) else {
            // Unreachable: take_first hands out only clients blocked on sorted sets.
            let text = "ERR blocked client could not be served".to_string();
            service.outcomes.push((waiter, Outcome::Error(text)));
            continue;
        };
        let popped = take_members(z, max, count);
        service.events.push((notify::ZSET, pop_event(max), key.to_vec()));
        let members = popped.iter().map(|(_, m)| m.clone()).collect();
        let reply = served(key, &waiter.op, popped);
        service.pops.push((key.to_vec(), members));
        // The journal mark is filled in once the record is written.
        let journal_mark = crate::journal::Mark::default();
        service.outcomes.push((waiter, Outcome::Served { reply, journal_mark }));
    }
    if delete_if_empty(shard, hash, key, now_ms) && !service.events.is_empty() {
        service.events.push((notify::GENERIC, "del", key.to_vec()));
    }
    service
}

/// Journals `own` then the served pops in one record, while the caller still holds the shard
/// lock, then hands the served clients their outcome: their replies wait for that record, as
/// the command's own reply does.
fn journal_and_deliver(ctx: &mut Context<'_>, own: Vec<Effect<&[u8]>>, service: Service) {
    let db = ctx.db_index();
    let mut effects = own;
    for (key, members) in &service.pops {
        let members: Vec<&[u8]> = members.iter().map(Vec::as_slice).collect();
        effects.push(Effect::ZSetRemove { db, key, members });
    }
    ctx.journal(&effects);
    let mark = ctx.client.journal_mark;
    for (waiter, mut outcome) in service.outcomes {
        if let Outcome::Served { journal_mark, .. } = &mut outcome {
            *journal_mark = mark;
        }
        waiter.deliver(outcome);
    }
    for (class, event, key) in service.events {
        ctx.notify(class, event, &key);
    }
}

/// Serves the clients blocked on the sorted set at `key` in the selected database, after a
/// transaction that filled it (`transactions::exec`); journals their pops as one record.
pub fn serve_ready(ctx: &mut Context<'_>, key: &[u8]) {
    let hash = hash_key(key);
    let server = ctx.server;
    let mut shard = server.db(ctx.client.db).lock(hash);
    let service = serve_blocked(ctx, &mut shard, hash, key);
    journal_and_deliver(ctx, Vec::new(), service);
}

// ------------------------------------------------------------------------------- ZADD

/// ZADD's condition flags.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct AddFlags {
    pub nx: bool,
    pub xx: bool,
    gt: bool,
    lt: bool,
    ch: bool,
    incr: bool,
}

/// What one ZADD element did.
enum Added {
    New(f64),
    Updated(f64),
    /// Present with the same resulting score: processed, nothing changed.
    Same(f64),
    Skipped,
}

/// Redis's `zsetAdd` for one element; Err on a NaN result.
fn add_one(
    zset: &mut ZSetValue,
    flags: AddFlags,
    score: f64,
    member: &[u8],
) -> Result<Added, CommandError> {
    // Redis's zsetAdd refuses a NaN score before anything else; none should reach here
    // (parse_f64 never returns one), but a NaN in a set would corrupt its order.
    if score.is_nan() {
        return Err(CommandError::Static("ERR resulting score is not a number (NaN)"));
    }
    match zset.score(member) {
        Some(current) => {
            if flags.nx {
                return Ok(Added::Skipped);
            }
            let score = if flags.incr { score + current } else { score };
            if score.is_nan() {
                return Err(CommandError::Static("ERR resulting score is not a number (NaN)"));
            }
            if (flags.lt && score >= current) || (flags.gt && score <= current) {
                return Ok(Added::Skipped);
            }
            if score == current {
                return Ok(Added::Same(score));
            }
            zset.insert(score, member);
            Ok(Added::Updated(score))
        }
        None => {
            if flags.xx {
                return Ok(Added::Skipped);
            }
            zset.insert(score, member);
            Ok(Added::New(score))
        }
    }
}

/// ZADD's (or GEOADD's, with `geo`: NX, XX and CH only) flags from args[2] on, and the index
/// of the first word that is not one.
pub(super) fn parse_add_flags(args: Args<'_>, geo: bool) -> (AddFlags, usize) {
    let mut flags = AddFlags::default();
    let mut at = 2;
    while at < args.len() {
        let word = args.get(at);
        let flag = match () {
            () if is(word, "nx") => &mut flags.nx,
            () if is(word, "xx") => &mut flags.xx,
            () if is(word, "ch") => &mut flags.ch,
            () if !geo && is(word, "gt") => &mut flags.gt,
            () if !geo && is(word, "lt") => &mut flags.lt,
            () if !geo && is(word, "incr") => &mut flags.incr,
            () => break,
        };
        *flag = true;
        at += 1;
    }
    (flags, at)
}

/// ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]
pub fn zadd(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let (flags, at) = parse_add_flags(args, false);
    let words = args.len() - at;
    if words == 0 || words % 2 == 1 {
        return Err(CommandError::Syntax);
    }
    if flags.nx && flags.xx {
        return Err(CommandError::Static(
            "ERR XX and NX options at the same time are not compatible",
        ));
    }
    if (flags.nx && (flags.gt || flags.lt)) || (flags.gt && flags.lt) {
        return Err(CommandError::Static(
            "ERR GT, LT, and/or NX options at the same time are not compatible",
        ));
    }
    if flags.incr && words > 2 {
        return Err(CommandError::Static(
            "ERR INCR option supports a single increment-element pair",
        ));
    }
    let scores = (at..args.len())
        .step_by(2)
        .map(|i| arguments::float(args.get(i)))
        .collect::<Result<Vec<f64>, _>>()?;
    add_elements(ctx, args, flags, &scores, |i| args.get(at + 2 * i + 1))
}

/// Applies ZADD/ZINCRBY/GEOADD's elements to the key at args[1] (`scores` parsed, `member(i)`
/// the member of the i-th), then serves the clients blocked on the key.
pub(super) fn add_elements<'a>(
    ctx: &mut Context<'_>,
    args: Args<'a>,
    flags: AddFlags,
    scores: &[f64],
    member: impl Fn(usize) -> &'a [u8],
) -> CommandResult {
    let key = args.get(1);
    let hash = hash_key(key);
    let server = ctx.server;
    let now_ms = ctx.now_ms;
    let mut shard = server.db(ctx.client.db).lock(hash);
    check_room_with_service(ctx, args_bytes(args), 1, len_u64(scores.len()))?;
    let exists = write_zset(&mut shard, hash, key, now_ms)?.is_some();
    if !exists {
        if flags.xx {
            return reply_added(ctx, flags, 0, None);
        }
        shard.insert(hash, Entry::new(key, Value::ZSet(Box::default())), now_ms);
    }
    let mut changed: Vec<(f64, &[u8])> = Vec::new();
    let mut counted = 0i64;
    let mut last = None;
    let result = (|| {
        let zset = collections::write_again(&mut shard, hash, key, now_ms, Value::zset_mut)?
            .ok_or(CommandError::WrongType)?;
        for (i, &score) in scores.iter().enumerate() {
            let member = member(i);
            match add_one(zset, flags, score, member)? {
                Added::New(score) => {
                    counted += 1;
                    changed.push((score, member));
                    last = Some(score);
                }
                Added::Updated(score) => {
                    counted += i64::from(flags.ch);
                    changed.push((score, member));
                    last = Some(score);
                }
                Added::Same(score) => last = Some(score),
                Added::Skipped => {}
            }
        }
        Ok::<(), CommandError>(())
    })();
    delete_if_empty(&mut shard, hash, key, now_ms);
    let is_changed = !changed.is_empty();
    // ZADD's event comes before those of the clients it serves, as in Redis.
    if is_changed {
        ctx.notify(notify::ZSET, if flags.incr { "zincr" } else { "zadd" }, key);
    }
    let service = serve_blocked(ctx, &mut shard, hash, key);
    let mut own = Vec::with_capacity(1);
    if is_changed {
        own.push(Effect::ZSetAdd { db: ctx.db_index(), key, entries: changed });
    }
    journal_and_deliver(ctx, own, service);
    drop(shard);
    result?;
    reply_added(ctx, flags, counted, last)
}

fn reply_added(
    ctx: &mut Context<'_>,
    flags: AddFlags,
    counted: i64,
    last: Option<f64>,
) -> CommandResult {
    if flags.incr {
        match last {
            Some(score) => ctx.reply.double(score),
            None => ctx.reply.null(),
        }
    } else {
        ctx.reply.integer(counted);
    }
    Ok(())
}

/// ZINCRBY key increment member
pub fn zincrby(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let increment = arguments::float(args.get(2))?;
    let flags = AddFlags { incr: true, ..AddFlags::default() };
    add_elements(ctx, args, flags, &[increment], |_| args.get(3))
}

/// ZREM key member [member ...]
pub fn zrem(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let key = args.get(1);
    let hash = hash_key(key);
    let server = ctx.server;
    let now_ms = ctx.now_ms;
    let mut shard = server.db(ctx.client.db).lock(hash);
    let mut removed: Vec<&[u8]> = Vec::new();
    if let Some(zset) = write_zset(&mut shard, hash, key, now_ms)? {
        for member in args.iter().skip(2) {
            if zset.remove(member) {
                removed.push(member);
            }
        }
    }
    let deleted = delete_if_empty(&mut shard, hash, key, now_ms);
    journal_remove(ctx, key, &removed);
    drop(shard);
    if !removed.is_empty() {
        ctx.notify(notify::ZSET, "zrem", key);
    }
    if deleted {
        ctx.notify(notify::GENERIC, "del", key);
    }
    ctx.reply.integer(len_i64(removed.len()));
    Ok(())
}

// ------------------------------------------------------------------------------- reads

/// Runs `f` on the sorted set at `key` (None when missing), under its shard lock.
pub(super) fn with_zset<R>(
    ctx: &mut Context<'_>,
    key: &[u8],
    f: impl FnOnce(&mut ReplyWriter, Option<&mut ZSetValue>) -> R,
) -> Result<R, CommandError> {
    let hash = hash_key(key);
    let server = ctx.server;
    let mut shard = server.db(ctx.client.db).lock(hash);
    let zset = read_zset(&mut shard, hash, key, ctx.now_ms)?;
    Ok(f(ctx.reply, zset))
}

/// ZCARD key
pub fn zcard(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    with_zset(ctx, args.get(1), |reply, z| reply.integer(len_i64(z.map_or(0, |z| z.len()))))
}

/// ZSCORE key member
pub fn zscore(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    with_zset(ctx, args.get(1), |reply, z| match z.and_then(|z| z.score(args.get(2))) {
        Some(score) => reply.double(score),
        None => reply.null(),
    })
}

/// ZMSCORE key member [member ...]
pub fn zmscore(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    with_zset(ctx, args.get(1), |reply, z| {
        reply.array(args.len() - 2);
        for member in args.iter().skip(2) {
            match z.as_ref().and_then(|z| z.score(member)) {
                Some(score) => reply.double(score),
                None => reply.null(),
            }
        }
    })
}

/// ZRANK key member [WITHSCORE]
pub fn zrank(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    rank(ctx, args, false, "zrank")
}

/// ZREVRANK key member [WITHSCORE]
pub fn zrevrank(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    rank(ctx, args, true, "zrevrank")
}

fn rank(ctx: &mut Context<'_>, args: Args<'_>, reverse: bool, name: &str) -> CommandResult {
    if args.len() > 4 {
        return Err(CommandError::WrongArity { fullname: name.into() });
    }
    let withscore = args.len() == 4;
    if withscore && !is(args.get(3), "withscore") {
        return Err(CommandError::Syntax);
    }
    let member = args.get(2);
    with_zset(ctx, args.get(1), |reply, z| {
        let found = z.and_then(|z| {
            let rank = z.rank(member)?;
            let rank = if reverse { z.len() - 1 - rank } else { rank };
            Some((rank, z.score(member)?))
        });
        match (found, withscore) {
            (Some((rank, _)), false) => reply.integer(len_i64(rank)),
            (Some((rank, score)), true) => {
                reply.array(2);
                reply.integer(len_i64(rank));
                reply.double(score);
            }
            (None, false) => reply.null(),
            (None, true) => reply.null_array(),
        }
    })
}

// ------------------------------------------------------------------------------- ranges

/// A score range end: `(` makes it exclusive.
#[derive(Debug, Clone, Copy)]
struct ScoreBound {
    value: f64,
    exclusive: bool,
}

/// Redis's `zslParseRange` item: `strtod` over the rest, so leading spaces are allowed and an
/// empty text is 0; NaN is refused.
fn parse_score_bound(bytes: &[u8]) -> Option<ScoreBound> {
    let (exclusive, text) = match bytes.split_first() {
        Some((b'(', rest)) => (true, rest),
        _ => (false, bytes),
    };
    let start = text.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(text.len());
    let trimmed = text.get(start..).unwrap_or(&[]);
    let value = if text.is_empty() {
        0.0
    } else {
        // strtod's overflow (±inf) and underflow (0) are accepted here, unlike in scores.
        let lenient = || std::str::from_utf8(trimmed).ok()?.parse::<f64>().ok();
        parse_f64(trimmed).or_else(lenient).filter(|v| !v.is_nan())?
    };
    Some(ScoreBound { value, exclusive })
}

fn parse_score_range(min: &[u8], max: &[u8]) -> Result<(ScoreBound, ScoreBound), CommandError> {
    match (parse_score_bound(min), parse_score_bound(max)) {
        (Some(min), Some(max)) => Ok((min, max)),
        _ => Err(CommandError::Static("ERR min or max is not a float")),
    }
}

#[derive(Debug, Clone, Copy)]
enum LexBound<'a> {
    Min,
    Max,
    Inclusive(&'a [u8]),
    Exclusive(&'a [u8]),
}

fn parse_lex_bound(bytes: &[u8]) -> Option<LexBound<'_>> {
    match bytes.split_first()? {
        (b'+', []) => Some(LexBound::Max),
        (b'-', []) => Some(LexBound::Min),
        (b'(', rest) => Some(LexBound::Exclusive(rest)),
        (b'[', rest) => Some(LexBound::Inclusive(rest)),
        _ => None,
    }
}

fn parse_lex_range<'a>(
    min: &'a [u8],
    max: &'a [u8],
) -> Result<(LexBound<'a>, LexBound<'a>), CommandError> {
    match (parse_lex_bound(min), parse_lex_bound(max)) {
        (Some(min), Some(max)) => Ok((min, max)),
        _ => Err(CommandError::Static("ERR min or max not valid string range item")),
    }
}

/// Ranks `lo..hi` of the members with scores in `min..max`.
fn score_ranks(z: &ZSetValue, min: ScoreBound, max: ScoreBound) -> (usize, usize) {
    let lo = z.count_before(|s, _| if min.exclusive { s <= min.value } else { s < min.value });
    let hi = z.count_before(|s, _| if max.exclusive { s < max.value } else { s <= max.value });
    (lo, hi.max(lo))
}

/// The bounds of a lex range as predicates on a member: whether it reaches `min`, and
/// whether it does not pass `max`.
fn lex_tests<'a>(
    min: LexBound<'a>,
    max: LexBound<'a>,
) -> (impl Fn(&[u8]) -> bool + 'a, impl Fn(&[u8]) -> bool + 'a) {
    let reaches_min = move |m: &[u8]| match min {
        LexBound::Min => true,
        LexBound::Max => false,
        LexBound::Inclusive(v) => m >= v,
        LexBound::Exclusive(v) => m > v,
    };
    let within_max = move |m: &[u8]| match max {
        LexBound::Min => false,
        LexBound::Max => true,
        LexBound::Inclusive(v) => m <= v,
        LexBound::Exclusive(v) => m < v,
    };
    (reaches_min, within_max)
}

/// Where a lex range starts, found as Redis finds it, which matters only when scores differ
/// (Redis calls the result unspecified, but it is deterministic on a listpack, and
/// ZREMRANGEBYLEX deletes what it finds): nothing unless the highest member reaches `min` and
/// the lowest does not pass `max` (`zslIsInLexRange`). Forward, the first member that reaches
/// `min` (on a listpack scanning from the lowest, on the tree by search, as Redis's skiplist
/// descends), if it does not pass `max`; `reverse`, the last member that does not pass `max`,
/// if it reaches `min`.
fn lex_start(z: &ZSetValue, min: LexBound<'_>, max: LexBound<'_>, reverse: bool) -> Option<usize> {
    let (reaches_min, within_max) = lex_tests(min, max);
    let len = z.len();
    let (_, lowest) = z.range(0, 1).next()?;
    let (_, highest) = z.range(len.checked_sub(1)?, len).next()?;
    if !reaches_min(highest) || !within_max(lowest) {
        return None;
    }
    let rank = match (reverse, z.is_tree()) {
        (false, true) => z.count_before(|_, m| !reaches_min(m)),
        (false, false) => z.iter().position(|(_, m)| reaches_min(m))?,
        (true, true) => z.count_before(|_, m| within_max(m)).checked_sub(1)?,
        (true, false) => len - 1 - z.iter().rev().position(|(_, m)| within_max(m))?,
    };
    // On the tree the search's answer is only a guess when scores differ: the member must
    // be in range both ways, as the one Redis's descent reaches is.
    let (_, member) = z.range(rank, rank + 1).next()?;
    (reaches_min(member) && within_max(member)).then_some(rank)
}

/// Ranks `lo..hi` of the members in the lex range, from its start onwards while members do
/// not pass `max` (ZREMRANGEBYLEX deletes these, as Redis's walk does). `searched_end`
/// (ZLEXCOUNT on the tree) searches for the end instead, as Redis takes it from the last
/// member's rank there.
fn lex_ranks(
    z: &ZSetValue,
    min: LexBound<'_>,
    max: LexBound<'_>,
    searched_end: bool,
) -> (usize, usize) {
    let Some(lo) = lex_start(z, min, max, false) else { return (0, 0) };
    let (_, within_max) = lex_tests(min, max);
    let hi = if searched_end && z.is_tree() {
        z.count_before(|_, m| within_max(m))
    } else {
        lo + z.range(lo, z.len()).take_while(|(_, m)| within_max(m)).count()
    };
    (lo, hi.max(lo))
}

/// The forward ranks a lex range query selects, as Redis's ZRANGEBYLEX walks: from the
/// range's start, LIMIT's offset skips members without testing them, then members are taken
/// while in range (forward: not past `max`; reverse: reaching `min`), at most `limit`.
fn lex_select(
    z: &ZSetValue,
    min: LexBound<'_>,
    max: LexBound<'_>,
    q: &RangeQuery<'_>,
) -> (usize, usize) {
    let Some(start) = lex_start(z, min, max, q.reverse) else { return (0, 0) };
    let Ok(offset) = usize::try_from(q.offset) else { return (0, 0) };
    let limit = usize::try_from(q.limit).unwrap_or(usize::MAX);
    let (reaches_min, within_max) = lex_tests(min, max);
    if q.reverse {
        let Some(from) = start.checked_sub(offset) else { return (0, 0) };
        let taken =
            z.range(0, from + 1).rev().take(limit).take_while(|(_, m)| reaches_min(m)).count();
        (from + 1 - taken, from + 1)
    } else {
        let from = start.saturating_add(offset).min(z.len());
        let taken = z.range(from, z.len()).take(limit).take_while(|(_, m)| within_max(m)).count();
        (from, from + taken)
    }
}

/// Redis's index normalisation for rank ranges: negative counts from the end; returns the
/// inclusive-exclusive ranks, or None when empty.
fn rank_span(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len_i64(len);
    let start = if start < 0 { start.saturating_add(len) } else { start }.max(0);
    let end = if end < 0 { end.saturating_add(len) } else { end };
    if start > end || start >= len {
        return None;
    }
    let end = end.min(len - 1);
    Some((usize::try_from(start).ok()?, usize::try_from(end).ok()? + 1))
}

#[derive(Debug, Clone, Copy)]
enum RangeKind<'a> {
    Rank(i64, i64),
    Score(ScoreBound, ScoreBound),
    Lex(LexBound<'a>, LexBound<'a>),
}

/// A parsed ZRANGE-family request.
#[derive(Debug, Clone, Copy)]
struct RangeQuery<'a> {
    kind: RangeKind<'a>,
    reverse: bool,
    withscores: bool,
    offset: i64,
    /// -1: no limit (Redis's default; `LIMIT 0 -1` on a rank range is accepted, as there).
    limit: i64,
}

#[derive(Clone, Copy, PartialEq)]
enum By {
    Rank,
    Score,
    Lex,
}

/// Parses Redis's `zrangeGenericCommand` arguments: min at `at`, max at `at + 1`, options
/// after. `by` and `reverse` are preset by the legacy commands.
fn parse_range(
    args: Args<'_>,
    at: usize,
    store: bool,
    by: Option<By>,
    reverse: Option<bool>,
) -> Result<RangeQuery<'_>, CommandError> {
    let (mut by_given, mut rev_given) = (by, reverse);
    let (mut withscores, mut offset, mut limit) = (false, 0i64, -1i64);
    let mut i = at + 2;
    while i < args.len() {
        let word = args.get(i);
        let left = args.len() - i - 1;
        if !store && is(word, "withscores") {
            withscores = true;
        } else if is(word, "limit") && left >= 2 {
            offset = arguments::integer(args.get(i + 1))?;
            limit = arguments::integer(args.get(i + 2))?;
            i += 2;
        } else if rev_given.is_none() && is(word, "rev") {
            rev_given = Some(true);
        } else if by_given.is_none() && is(word, "bylex") {
            by_given = Some(By::Lex);
        } else if by_given.is_none() && is(word, "byscore") {
            by_given = Some(By::Score);
        } else {
            return Err(CommandError::Syntax);
        }
        i += 1;
    }
    let reverse = rev_given.unwrap_or(false);
    let by = by_given.unwrap_or(By::Rank);
    if limit != -1 && by == By::Rank {
        return Err(CommandError::Static(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    if withscores && by == By::Lex {
        return Err(CommandError::Static(
            "ERR syntax error, WITHSCORES not supported in combination with BYLEX",
        ));
    }
    let (mut min, mut max) = (args.get(at), args.get(at + 1));
    if reverse && by != By::Rank {
        std::mem::swap(&mut min, &mut max);
    }
    let kind = match by {
        By::Rank => RangeKind::Rank(arguments::integer(min)?, arguments::integer(max)?),
        By::Score => {
            let (min, max) = parse_score_range(min, max)?;
            RangeKind::Score(min, max)
        }
        By::Lex => {
            let (min, max) = parse_lex_range(min, max)?;
            RangeKind::Lex(min, max)
        }
    };
    Ok(RangeQuery { kind, reverse, withscores, offset, limit })
}

/// The forward ranks `start..end` a query selects (iterate them backwards when reverse).
fn select(z: &ZSetValue, q: &RangeQuery<'_>) -> (usize, usize) {
    let len = z.len();
    let (lo, hi) = match q.kind {
        RangeKind::Rank(start, end) => {
            return match rank_span(start, end, len) {
                None => (0, 0),
                Some((s, e)) if q.reverse => (len - e, len - s),
                Some(span) => span,
            };
        }
        RangeKind::Score(min, max) => score_ranks(z, min, max),
        RangeKind::Lex(min, max) => return lex_select(z, min, max, q),
    };
    if q.offset < 0 {
        return (0, 0);
    }
    let n = hi - lo;
    let skip = usize::try_from(q.offset).unwrap_or(usize::MAX).min(n);
    let take =
        if q.limit < 0 { n - skip } else { usize::try_from(q.limit).unwrap_or(n).min(n - skip) };
    if q.reverse {
        (hi - skip - take, hi - skip)
    } else {
        (lo + skip, lo + skip + take)
    }
}

fn reply_range(reply: &mut ReplyWriter, z: Option<&mut ZSetValue>, q: &RangeQuery<'_>) {
    let Some(z) = z else {
        reply.array(0);
        return;
    };
    let (start, end) = select(z, q);
    if q.reverse {
        reply_entries(reply, z.range(start, end).rev(), q.withscores);
    } else {
        reply_entries(reply, z.range(start, end), q.withscores);
    }
}

fn range_command(
    ctx: &mut Context<'_>,
    args: Args<'_>,
    by: Option<By>,
    reverse: Option<bool>,
) -> CommandResult {
    let q = parse_range(args, 2, false, by, reverse)?;
    with_zset(ctx, args.get(1), |reply, z| reply_range(reply, z, &q))
}

/// ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
pub fn zrange(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    range_command(ctx, args, None, None)
}

/// ZREVRANGE key start stop [WITHSCORES]
pub fn zrevrange(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    range_command(ctx, args, Some(By::Rank), Some(true))
}

/// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
pub fn zrangebyscore(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    range_command(ctx, args, Some(By::Score), Some(false))
}

/// ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]
pub fn zrevrangebyscore(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    range_command(ctx, args, Some(By::Score), Some(true))
}

/// ZRANGEBYLEX key min max [LIMIT offset count]
pub fn zrangebylex(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    range_command(ctx, args, Some(By::Lex), Some(false))
}

/// ZREVRANGEBYLEX key max min [LIMIT offset count]
pub fn zrevrangebylex(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    range_command(ctx, args, Some(By::Lex), Some(true))
}

/// ZCOUNT key min max
pub fn zcount(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let (min, max) = parse_score_range(args.get(2), args.get(3))?;
    with_zset(ctx, args.get(1), |reply, z| {
        let (lo, hi) = z.map_or((0, 0), |z| score_ranks(z, min, max));
        reply.integer(len_i64(hi - lo));
    })
}

/// ZLEXCOUNT key min max
pub fn zlexcount(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let (min, max) = parse_lex_range(args.get(2), args.get(3))?;
    with_zset(ctx, args.get(1), |reply, z| {
        let (lo, hi) = z.map_or((0, 0), |z| lex_ranks(z, min, max, true));
        reply.integer(len_i64(hi - lo));
    })
}

/// ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]
pub fn zrangestore(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let q = parse_range(args, 3, true, None, None)?;
    let (destination, source) = (args.get(1), args.get(2));
    let (dst_hash, src_hash) = (hash_key(destination), hash_key(source));
    let server = ctx.server;
    let now_ms = ctx.now_ms;
    let mut shards = server.db(ctx.client.db).lock_keys([dst_hash, src_hash].into_iter());
    let result: Vec<(f64, Vec<u8>)> = {
        let shard = shards.shard(src_hash);
        match read_zset(shard, src_hash, source, now_ms)? {
            None => Vec::new(),
            Some(z) => {
                let (start, end) = select(z, &q);
                z.range(start, end).map(|(s, m)| (s, m.to_vec())).collect()
            }
        }
    };
    store_result(ctx, shards.shard(dst_hash), dst_hash, destination, result, "zrangestore")
}

/// A sorted set of distinct `(score, member)` pairs (any order), built as Redis builds a
/// result: the encoding, and the listpack's `-0` as 0, follow from its final size, so a
/// large result keeps every -0 (`ZUNIONSTORE ... WEIGHTS -1`), as replay rebuilds it.
fn build_zset(result: &mut [(f64, Vec<u8>)]) -> ZSetValue {
    result.sort_by(|a, b| compare((a.0, &a.1), (b.0, &b.1)));
    ZSetValue::from_entries(result.iter().map(|(score, member)| (*score, member.as_slice())))
}

/// Stores `result` (any order, distinct members) at `destination`, replacing whatever was
/// there, or deletes it when empty; journals a PUT of the whole value or a DELETE; replies
/// the count.
pub(super) fn store_result(
    ctx: &mut Context<'_>,
    shard: &mut Shard,
    hash: u64,
    destination: &[u8],
    mut result: Vec<(f64, Vec<u8>)>,
    event: &'static str,
) -> CommandResult {
    let now_ms = ctx.now_ms;
    let db = ctx.db_index();
    if result.is_empty() {
        if shard.remove(hash, destination, now_ms).is_some() {
            ctx.journal(&[Effect::Delete { db, key: destination }]);
            ctx.notify(notify::GENERIC, "del", destination);
        }
        ctx.reply.integer(0);
        return Ok(());
    }
    let bytes = entries_bytes(result.iter().map(|(_, m)| m.as_slice()));
    let bytes = bytes.saturating_add(len_u64(destination.len()));
    check_room_with_service(ctx, bytes, 1, len_u64(result.len()))?;
    let zset = build_zset(&mut result);
    let count = zset.len();
    shard.insert(hash, Entry::new(destination, Value::ZSet(Box::new(zset))), now_ms);
    ctx.notify(notify::ZSET, event, destination);
    // The reply counts the stored members, before any blocked client took some.
    ctx.reply.integer(len_i64(count));
    let service = serve_blocked(ctx, shard, hash, destination);
    // `result` is sorted and distinct; replay rebuilds the same value from it.
    let value = journal::Value::ZSet(result.iter().map(|(s, m)| (*s, m.as_slice())).collect());
    let own = vec![Effect::Put { db, key: destination, value, expires_at_ms: 0 }];
    journal_and_deliver(ctx, own, service);
    Ok(())
}

// ------------------------------------------------------------------------------- removals

/// Removes ranks `start..end` of the set at args[1]; replies how many went.
fn remove_ranks(
    ctx: &mut Context<'_>,
    args: Args<'_>,
    event: &'static str,
    select: impl FnOnce(&ZSetValue) -> (usize, usize),
) -> CommandResult {
    let key = args.get(1);
    let hash = hash_key(key);
    let server = ctx.server;
    let now_ms = ctx.now_ms;
    let mut shard = server.db(ctx.client.db).lock(hash);
    let removed: Vec<Vec<u8>> = match write_zset(&mut shard, hash, key, now_ms)? {
        None => Vec::new(),
        Some(z) => {
            let (start, end) = select(z);
            let members: Vec<Vec<u8>> = z.range(start, end).map(|(_, m)| m.to_vec()).collect();
            let bytes = entries_bytes(members.iter().map(Vec::as_slice));
            check_journal_room(ctx, bytes.saturating_add(len_u64(key.len())), 1)?;
            for member in &members {
                z.remove(member);
            }
            members
        }
    };
    let deleted = delete_if_empty(&mut shard, hash, key, now_ms);
    let members: Vec<&[u8]> = removed.iter().map(Vec::as_slice).collect();
    journal_remove(ctx, key, &members);
    drop(shard);
    if !removed.is_empty() {
        ctx.notify(notify::ZSET, event, key);
    }
    if deleted {
        ctx.notify(notify::GENERIC, "del", key);
    }
    ctx.reply.integer(len_i64(removed.len()));
    Ok(())
}

/// ZREMRANGEBYRANK key start stop
pub fn zremrangebyrank(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let start = arguments::integer(args.get(2))?;
    let end = arguments::integer(args.get(3))?;
    remove_ranks(ctx, args, "zremrangebyrank", |z| rank_span(start, end, z.len()).unwrap_or((0, 0)))
}

/// ZREMRANGEBYSCORE key min max
pub fn zremrangebyscore(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let (min, max) = parse_score_range(args.get(2), args.get(3))?;
    remove_ranks(ctx, args, "zremrangebyscore", |z| score_ranks(z, min, max))
}

/// ZREMRANGEBYLEX key min max
pub fn zremrangebylex(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let (min, max) = parse_lex_range(args.get(2), args.get(3))?;
    remove_ranks(ctx, args, "zremrangebylex", |z| lex_ranks(z, min, max, false))
}

// ------------------------------------------------------------------------------- pops

/// Pops up to `count` members from one end of the set at `key`, under its lock; journals the
/// removal. Returns the popped (score, member) pairs in pop order.
fn pop_members(
    ctx: &mut Context<'_>,
    shard: &mut Shard,
    hash: u64,
    key: &[u8],
    max: bool,
    count: usize,
) -> Result<Vec<(f64, Vec<u8>)>, CommandError> {
    let now_ms = ctx.now_ms;
    let Some(z) = write_zset(shard, hash, key, now_ms)? else {
        return Ok(Vec::new());
    };
    let n = count.min(z.len());
    let selected = if max { z.range(z.len() - n, z.len()) } else { z.range(0, n) };
    let bytes = entries_bytes(selected.map(|(_, m)| m));
    check_journal_room(ctx, bytes.saturating_add(len_u64(key.len())), 1)?;
    let popped = take_members(z, max, count);
    let deleted = delete_if_empty(shard, hash, key, now_ms);
    let members: Vec<&[u8]> = popped.iter().map(|(_, m)| m.as_slice()).collect();
    journal_remove(ctx, key, &members);
    if !popped.is_empty() {
        ctx.notify(notify::ZSET, pop_event(max), key);
    }
    if deleted {
        ctx.notify(notify::GENERIC, "del", key);
    }
    Ok(popped)
}

fn pop_command(ctx: &mut Context<'_>, args: Args<'_>, max: bool) -> CommandResult {
    if args.len() > 3 {
        return Err(CommandError::Syntax);
    }
    let count = if args.len() == 3 {
        let positive = CommandError::Static("ERR value is out of range, must be positive");
        let n = parse_i64(args.get(2)).filter(|&n| n >= 0).ok_or(positive)?;
        usize::try_from(n).unwrap_or(usize::MAX)
    } else {
        1
    };
    let key = args.get(1);
    let hash = hash_key(key);
    let server = ctx.server;
    let mut shard = server.db(ctx.client.db).lock(hash);
    let popped = pop_members(ctx, &mut shard, hash, key, max, count)?;
    drop(shard);
    let nested = args.len() == 3 && ctx.reply.is_resp3();
    let entries = popped.iter().map(|(s, m)| (*s, m.as_slice()));
    if nested {
        reply_entries(ctx.reply, entries, true);
    } else {
        ctx.reply.array(popped.len() * 2);
        for (score, member) in entries {
            ctx.reply.bulk(member);
            ctx.reply.double(score);
        }
    }
    Ok(())
}

/// ZPOPMIN key [count]
pub fn zpopmin(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    pop_command(ctx, args, false)
}

/// ZPOPMAX key [count]
pub fn zpopmax(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    pop_command(ctx, args, true)
}

/// ZMPOP numkeys key [key ...] <MIN | MAX> [COUNT count]
pub fn zmpop(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let request = MultiPop::parse(args, 1)?;
    let keys: Vec<&[u8]> = request.keys(args).collect();
    let op = BlockedOp::ZMultiPop { max: request.max, count: request.count };
    let server = ctx.server;
    let mut shards = server.db(ctx.client.db).lock_keys(keys.iter().map(|k| hash_key(k)));
    if !pop_first_nonempty(ctx, &mut shards, &keys, &op)? {
        ctx.reply.null_array();
    }
    Ok(())
}

/// ZMPOP's and BZMPOP's arguments from numkeys on.
struct MultiPop {
    numkeys_at: usize,
    numkeys: usize,
    max: bool,
    count: usize,
}

impl MultiPop {
    /// Parses from `numkeys_at`, with Redis's checks in Redis's order (`zmpopGenericCommand`).
    fn parse(args: Args<'_>, numkeys_at: usize) -> Result<Self, CommandError> {
        let numkeys_error = CommandError::Static("ERR numkeys should be greater than 0");
        let n = parse_i64(args.get(numkeys_at)).filter(|&n| n >= 1).ok_or(numkeys_error)?;
        let numkeys = usize::try_from(n).unwrap_or(usize::MAX);
        let where_at = numkeys_at.checked_add(numkeys).and_then(|i| i.checked_add(1));
        let where_at = where_at.filter(|&w| w < args.len()).ok_or(CommandError::Syntax)?;
        let word = args.get(where_at);
        let max = if is(word, "min") {
            false
        } else if is(word, "max") {
            true
        } else {
            return Err(CommandError::Syntax);
        };
        let mut count = None;
        let mut i = where_at + 1;
        while i < args.len() {
            if count.is_none() && is(args.get(i), "count") && i + 1 < args.len() {
                let c = parse_i64(args.get(i + 1))
                    .filter(|&c| c >= 1)
                    .ok_or(CommandError::Static("ERR count should be greater than 0"))?;
                count = Some(usize::try_from(c).unwrap_or(usize::MAX));
                i += 2;
            } else {
                return Err(CommandError::Syntax);
            }
        }
        Ok(Self { numkeys_at, numkeys, max, count: count.unwrap_or(1) })
    }

    fn keys<'a>(&self, args: Args<'a>) -> impl Iterator<Item = &'a [u8]> {
        (self.numkeys_at + 1..self.numkeys_at + 1 + self.numkeys).map(move |i| args.get(i))
    }
}

/// Pops as `op` says (`ZPop` or `ZMultiPop`) from the first existing sorted set among `keys`
/// (their shards locked by the caller), in order, and replies; WRONGTYPE at the first existing
/// key of another type before it. False when none exists (nothing replied).
fn pop_first_nonempty(
    ctx: &mut Context<'_>,
    shards: &mut ShardSet<'_>,
    keys: &[&[u8]],
    op: &BlockedOp,
) -> Result<bool, CommandError> {
    let Some((max, count)) = pop_spec(op) else { return Ok(false) };
    let now_ms = ctx.now_ms;
    for &key in keys {
        let hash = hash_key(key);
        let shard = shards.shard(hash);
        if write_zset(shard, hash, key, now_ms)?.is_none() {
            continue;
        }
        let popped = pop_members(ctx, shard, hash, key, max, count)?;
        served(key, op, popped).write(ctx.reply);
        return Ok(true);
    }
    Ok(false)
}

// ----------------------------------------------------------------------------- blocking

/// BZPOPMIN key [key ...] timeout
pub fn bzpopmin(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    blocking_pop(ctx, args, false)
}

/// BZPOPMAX key [key ...] timeout
pub fn bzpopmax(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    blocking_pop(ctx, args, true)
}

fn blocking_pop(ctx: &mut Context<'_>, args: Args<'_>, max: bool) -> CommandResult {
    let (keys, timeout) = collections::keys_then_timeout(ctx, args)?;
    collections::pop_or_block(ctx, &keys, BlockedOp::ZPop { max }, timeout, pop_first_nonempty)
}

/// BZMPOP timeout numkeys key [key ...] <MIN | MAX> [COUNT count]
pub fn bzmpop(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let request = MultiPop::parse(args, 2)?;
    let timeout = arguments::timeout(args.get(1), ctx.now_ms)?;
    let keys: Vec<&[u8]> = request.keys(args).collect();
    let op = BlockedOp::ZMultiPop { max: request.max, count: request.count };
    collections::pop_or_block(ctx, &keys, op, timeout, pop_first_nonempty)
}

// ------------------------------------------------------------------------------- random

/// ZRANDMEMBER key [count [WITHSCORES]]
pub fn zrandmember(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    if args.len() == 2 {
        return with_zset(ctx, args.get(1), |reply, z| {
            let z = z.filter(|z| !z.is_empty());
            match z.and_then(|z| z.range(fastrand::usize(..z.len()), z.len()).next()) {
                Some((_, member)) => reply.bulk(member),
                None => reply.null(),
            }
        });
    }
    let count = arguments::integer(args.get(2))?;
    if count == i64::MIN {
        return Err(CommandError::Static(
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ));
    }
    let withscores = match args.len() {
        3 => false,
        4 if is(args.get(3), "withscores") => true,
        _ => return Err(CommandError::Syntax),
    };
    if withscores && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return Err(CommandError::Static("ERR value is out of range"));
    }
    with_zset(ctx, args.get(1), |reply, z| {
        let Some(z) = z.filter(|z| !z.is_empty()) else {
            reply.array(0);
            return;
        };
        if count == 0 {
            reply.array(0);
            return;
        }
        let len = z.len();
        let wanted = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
        let nested = withscores && reply.is_resp3();
        let emit = |reply: &mut ReplyWriter, rank: usize| {
            if let Some((score, member)) = z.range(rank, rank + 1).next() {
                if nested {
                    reply.array(2);
                }
                reply.bulk(member);
                if withscores {
                    reply.double(score);
                }
            }
        };
        let header = |reply: &mut ReplyWriter, n: usize| {
            reply.array(if withscores && !nested { n.saturating_mul(2) } else { n });
        };
        if count < 0 || wanted == 1 {
            // Repeats allowed: stream, never allocating for the count, and stop at the
            // client's output buffer limit, where the connection closes and discards it.
            header(reply, wanted);
            for _ in 0..wanted {
                if reply.stops_streaming() {
                    break;
                }
                emit(reply, fastrand::usize(..len));
            }
        } else if wanted >= len {
            // The whole set, from the highest rank down, as Redis's iterator walks it.
            header(reply, len);
            for rank in (0..len).rev() {
                emit(reply, rank);
            }
        } else {
            header(reply, wanted);
            for rank in distinct_ranks(len, wanted) {
                emit(reply, rank);
            }
        }
    })
}

/// `wanted` (< len) distinct random ranks in random order.
fn distinct_ranks(len: usize, wanted: usize) -> Vec<usize> {
    if wanted.saturating_mul(3) > len {
        let mut ranks: Vec<usize> = (0..len).collect();
        for i in 0..wanted {
            let j = fastrand::usize(i..len);
            ranks.swap(i, j);
        }
        ranks.truncate(wanted);
        ranks
    } else {
        let mut chosen = std::collections::HashSet::with_capacity(wanted);
        let mut ranks = Vec::with_capacity(wanted);
        while ranks.len() < wanted {
            let rank = fastrand::usize(..len);
            if chosen.insert(rank) {
                ranks.push(rank);
            }
        }
        ranks
    }
}

// ------------------------------------------------------------------------------- algebra

#[derive(Debug, Clone, Copy, PartialEq)]
enum Operation {
    Union,
    Inter,
    Diff,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

/// Redis's `zunionInterAggregate`: a NaN sum (inf + -inf) becomes 0.
fn aggregate(target: &mut f64, value: f64, how: Aggregate) {
    match how {
        Aggregate::Sum => {
            *target += value;
            if target.is_nan() {
                *target = 0.0;
            }
        }
        Aggregate::Min => *target = target.min(value),
        Aggregate::Max => *target = target.max(value),
    }
}

/// `weight * score`, with Redis's NaN (inf * 0) taken as 0.
fn weighted(weight: f64, score: f64) -> f64 {
    let value = weight * score;
    if value.is_nan() {
        0.0
    } else {
        value
    }
}

/// A source of ZUNION and friends: a sorted set, or a set whose members score 1.
enum Source<'a> {
    Missing,
    Set(&'a SetValue),
    ZSet(&'a ZSetValue),
}

impl Source<'_> {
    fn of(entry: Option<&mut Entry>) -> Result<Source<'_>, CommandError> {
        match entry.map(|e| &e.value) {
            None => Ok(Source::Missing),
            Some(Value::Set(set)) => Ok(Source::Set(set)),
            Some(Value::ZSet(zset)) => Ok(Source::ZSet(zset)),
            Some(_) => Err(CommandError::WrongType),
        }
    }

    fn len(&self) -> usize {
        match self {
            Self::Missing => 0,
            Self::Set(set) => set.len(),
            Self::ZSet(zset) => zset.len(),
        }
    }

    fn for_each(&self, mut f: impl FnMut(f64, &[u8])) {
        match self {
            Self::Missing => {}
            Self::Set(set) => set.for_each(|m| f(1.0, m)),
            Self::ZSet(zset) => zset.iter().for_each(|(s, m)| f(s, m)),
        }
    }

    fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            Self::Missing => None,
            Self::Set(set) => set.contains(member).then_some(1.0),
            Self::ZSet(zset) => zset.score(member),
        }
    }
}

/// A parsed algebra request.
struct Algebra<'a> {
    keys: Vec<&'a [u8]>,
    hashes: Vec<u64>,
    weights: Vec<f64>,
    aggregate: Aggregate,
    withscores: bool,
    limit: usize,
}

/// Parses `numkeys key... [options]` starting at `at`, with Redis's order of checks: numkeys,
/// then the sources' types (`check_types`, under the caller's locks), then the options.
fn parse_algebra<'a>(
    ctx: &Context<'_>,
    args: Args<'a>,
    at: usize,
    op: Operation,
    store: bool,
    cardinality: bool,
    fullname: &str,
) -> Result<Algebra<'a>, CommandError> {
    let n = arguments::integer(args.get(at))?;
    if n < 1 {
        return Err(CommandError::err(format!(
            "at least 1 input key is needed for '{fullname}' command"
        )));
    }
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    if n > args.len() - at - 1 {
        return Err(CommandError::Syntax);
    }
    let keys: Vec<&[u8]> = (at + 1..at + 1 + n).map(|i| args.get(i)).collect();
    let hashes: Vec<u64> = keys.iter().map(|k| hash_key(k)).collect();
    {
        let db = ctx.db();
        let mut shards = db.lock_keys(hashes.iter().copied());
        for (key, &hash) in keys.iter().zip(&hashes) {
            Source::of(shards.shard(hash).find(hash, key, ctx.now_ms))?;
        }
    }
    let mut algebra = Algebra {
        keys,
        hashes,
        weights: vec![1.0; n],
        aggregate: Aggregate::Sum,
        withscores: false,
        limit: 0,
    };
    let mut i = at + 1 + n;
    while i < args.len() {
        let word = args.get(i);
        let left = args.len() - i;
        let algebraic = op != Operation::Diff && !cardinality;
        if algebraic && left > n && is(word, "weights") {
            for (k, weight) in algebra.weights.iter_mut().enumerate() {
                *weight = parse_f64(args.get(i + 1 + k))
                    .ok_or(CommandError::Static("ERR weight value is not a float"))?;
            }
            i += 1 + n;
        } else if algebraic && left >= 2 && is(word, "aggregate") {
            let how = args.get(i + 1);
            algebra.aggregate = if is(how, "sum") {
                Aggregate::Sum
            } else if is(how, "min") {
                Aggregate::Min
            } else if is(how, "max") {
                Aggregate::Max
            } else {
                return Err(CommandError::Syntax);
            };
            i += 2;
        } else if !store && !cardinality && is(word, "withscores") {
            algebra.withscores = true;
            i += 1;
        } else if cardinality && left >= 2 && is(word, "limit") {
            let limit = arguments::non_negative(args.get(i + 1), "ERR LIMIT can't be negative")?;
            algebra.limit = usize::try_from(limit).unwrap_or(usize::MAX);
            i += 2;
        } else {
            return Err(CommandError::Syntax);
        }
    }
    Ok(algebra)
}

/// Computes the result, sources read one at a time under the caller's locks (unordered).
fn compute(
    shards: &mut ShardSet<'_>,
    algebra: &Algebra<'_>,
    op: Operation,
    now_ms: u64,
) -> Result<Vec<(f64, Vec<u8>)>, CommandError> {
    // Every source is looked up once, in argument order, as Redis's lookupKeyRead does: a
    // hit or a miss (and its `keymiss` event) each.
    for (&key, &hash) in algebra.keys.iter().zip(&algebra.hashes) {
        shards.shard(hash).lookup(hash, key, now_ms);
    }
    // Order of sources: smallest first for union and intersection (as Redis sorts them);
    // the first key stays first for a difference.
    let mut order: Vec<usize> = (0..algebra.keys.len()).collect();
    if op != Operation::Diff {
        let mut sizes = Vec::with_capacity(order.len());
        for &i in &order {
            let (key, hash) = (algebra.keys[i], algebra.hashes[i]);
            sizes.push(Source::of(shards.shard(hash).find(hash, key, now_ms))?.len());
        }
        order.sort_by_key(|&i| sizes[i]);
    }
    let mut read = |i: usize, f: &mut dyn FnMut(&Source<'_>)| -> CommandResult {
        let (key, hash) = (algebra.keys[i], algebra.hashes[i]);
        let source = Source::of(shards.shard(hash).find(hash, key, now_ms))?;
        f(&source);
        Ok(())
    };
    match op {
        Operation::Union => {
            let mut totals: hashbrown::HashMap<Vec<u8>, f64, foldhash::fast::RandomState> =
                hashbrown::HashMap::default();
            for &i in &order {
                let weight = algebra.weights[i];
                read(i, &mut |s| {
                    s.for_each(|score, member| {
                        let value = weighted(weight, score);
                        match totals.get_mut(member) {
                            Some(total) => aggregate(total, value, algebra.aggregate),
                            None => {
                                totals.insert(member.to_vec(), value);
                            }
                        }
                    })
                })?;
            }
            Ok(totals.into_iter().map(|(m, s)| (s, m)).collect())
        }
        Operation::Inter => {
            let mut result: Vec<(f64, Vec<u8>)> = Vec::new();
            let Some((&first, rest)) = order.split_first() else { return Ok(result) };
            let weight = algebra.weights[first];
            read(first, &mut |s| {
                s.for_each(|score, member| result.push((weighted(weight, score), member.to_vec())))
            })?;
            for &i in rest {
                if result.is_empty() {
                    break;
                }
                let weight = algebra.weights[i];
                read(i, &mut |s| {
                    result.retain_mut(|(total, member)| match s.score(member) {
                        Some(score) => {
                            aggregate(total, weighted(weight, score), algebra.aggregate);
                            true
                        }
                        None => false,
                    })
                })?;
            }
            Ok(result)
        }
        Operation::Diff => {
            let mut result: Vec<(f64, Vec<u8>)> = Vec::new();
            let Some((&first, rest)) = order.split_first() else { return Ok(result) };
            read(first, &mut |s| {
                s.for_each(|score, member| result.push((score, member.to_vec())))
            })?;
            for &i in rest {
                if result.is_empty() {
                    break;
                }
                read(i, &mut |s| result.retain(|(_, member)| s.score(member).is_none()))?;
            }
            Ok(result)
        }
    }
}

fn algebra_reply(
    ctx: &mut Context<'_>,
    args: Args<'_>,
    op: Operation,
    name: &str,
) -> CommandResult {
    let algebra = parse_algebra(ctx, args, 1, op, false, false, name)?;
    let server = ctx.server;
    let mut shards = server.db(ctx.client.db).lock_keys(algebra.hashes.iter().copied());
    let mut result = compute(&mut shards, &algebra, op, ctx.now_ms)?;
    drop(shards);
    // Straight from the sorted result, as Redis replies from its skip list: a -0 stays -0
    // (`ZUNION 1 k WEIGHTS -1`), where a packed set would read it back as 0.
    result.sort_by(|a, b| compare((a.0, &a.1), (b.0, &b.1)));
    let entries = result.iter().map(|(score, member)| (*score, member.as_slice()));
    reply_entries(ctx.reply, entries, algebra.withscores);
    Ok(())
}

fn algebra_store(
    ctx: &mut Context<'_>,
    args: Args<'_>,
    op: Operation,
    name: &'static str,
) -> CommandResult {
    let algebra = parse_algebra(ctx, args, 2, op, true, false, name)?;
    let destination = args.get(1);
    let dst_hash = hash_key(destination);
    let server = ctx.server;
    let hashes = algebra.hashes.iter().copied().chain(std::iter::once(dst_hash));
    let mut shards = server.db(ctx.client.db).lock_keys(hashes);
    let result = compute(&mut shards, &algebra, op, ctx.now_ms)?;
    store_result(ctx, shards.shard(dst_hash), dst_hash, destination, result, name)
}

/// ZUNION numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]
/// [WITHSCORES]
pub fn zunion(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    algebra_reply(ctx, args, Operation::Union, "zunion")
}

/// ZINTER numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]
/// [WITHSCORES]
pub fn zinter(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    algebra_reply(ctx, args, Operation::Inter, "zinter")
}

/// ZDIFF numkeys key [key ...] [WITHSCORES]
pub fn zdiff(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    algebra_reply(ctx, args, Operation::Diff, "zdiff")
}

/// ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE ...]
pub fn zunionstore(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    algebra_store(ctx, args, Operation::Union, "zunionstore")
}

/// ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE ...]
pub fn zinterstore(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    algebra_store(ctx, args, Operation::Inter, "zinterstore")
}

/// ZDIFFSTORE destination numkeys key [key ...]
pub fn zdiffstore(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    algebra_store(ctx, args, Operation::Diff, "zdiffstore")
}

/// ZINTERCARD numkeys key [key ...] [LIMIT limit]
pub fn zintercard(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let algebra = parse_algebra(ctx, args, 1, Operation::Inter, false, true, "zintercard")?;
    let server = ctx.server;
    let mut shards = server.db(ctx.client.db).lock_keys(algebra.hashes.iter().copied());
    let result = compute(&mut shards, &algebra, Operation::Inter, ctx.now_ms)?;
    drop(shards);
    let count = if algebra.limit == 0 { result.len() } else { result.len().min(algebra.limit) };
    ctx.reply.integer(len_i64(count));
    Ok(())
}

// ------------------------------------------------------------------------------- ZSCAN

/// ZSCAN key cursor [MATCH pattern] [COUNT count]
///
/// A listpack is returned whole with cursor 0. On the skip list the cursor is an arena slot:
/// a member keeps its slot while it lives, so one present for the whole iteration is returned.
pub fn zscan(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let cursor = parse_cursor(args.get(2)).ok_or(CommandError::Static("ERR invalid cursor"))?;
    let key = args.get(1);
    let hash = hash_key(key);
    let server = ctx.server;
    let mut shard = server.db(ctx.client.db).lock(hash);
    let Some(z) = read_zset(&mut shard, hash, key, ctx.now_ms)? else {
        ctx.reply.out.extend_from_slice(b"*2\r\n$1\r\n0\r\n*0\r\n");
        return Ok(());
    };
    let mut count = 10usize;
    let mut pattern = None;
    let mut i = 3;
    while i < args.len() {
        let word = args.get(i);
        if is(word, "count") && i + 1 < args.len() {
            let n = arguments::integer(args.get(i + 1))?;
            if n < 1 {
                return Err(CommandError::Syntax);
            }
            count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if is(word, "match") && i + 1 < args.len() {
            let p = args.get(i + 1);
            pattern = (p != b"*").then_some(p);
        } else {
            return Err(CommandError::Syntax);
        }
        i += 2;
    }
    let mut items: Vec<u8> = Vec::new();
    let mut found = 0usize;
    let next = z.scan(cursor, count, |score, member| {
        if pattern.is_none_or(|p| glob::matches(p, member, false)) {
            found += 1;
            let mut text = Vec::with_capacity(24);
            format_double(score, &mut text);
            for bytes in [member, &text[..]] {
                items.push(b'$');
                items.extend_from_slice(itoa::Buffer::new().format(bytes.len()).as_bytes());
                items.extend_from_slice(b"\r\n");
                items.extend_from_slice(bytes);
                items.extend_from_slice(b"\r\n");
            }
        }
    });
    drop(shard);
    ctx.reply.array(2);
    ctx.reply.bulk(itoa::Buffer::new().format(next).as_bytes());
    ctx.reply.array(found * 2);
    ctx.reply.out.extend_from_slice(&items);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_bounds_follow_strtod() {
        let b = parse_score_bound(b"(1.5").unwrap();
        assert!(b.exclusive && b.value == 1.5);
        assert_eq!(parse_score_bound(b"-inf").unwrap().value, f64::NEG_INFINITY);
        assert_eq!(parse_score_bound(b"+inf").unwrap().value, f64::INFINITY);
        assert_eq!(parse_score_bound(b"(").unwrap().value, 0.0);
        assert!(parse_score_bound(b"nan").is_none());
        assert_eq!(parse_score_bound(b"1e400").unwrap().value, f64::INFINITY);
        assert!(parse_score_bound(b"1x").is_none());
        assert!(parse_lex_bound(b"+").is_some());
        assert!(parse_lex_bound(b"+a").is_none());
        assert!(parse_lex_bound(b"a").is_none());
        assert!(parse_lex_bound(b"").is_none());
    }

    #[test]
    fn rank_spans_follow_redis() {
        assert_eq!(rank_span(0, -1, 3), Some((0, 3)));
        assert_eq!(rank_span(-100, 100, 3), Some((0, 3)));
        assert_eq!(rank_span(2, 1, 3), None);
        assert_eq!(rank_span(3, 5, 3), None);
        assert_eq!(rank_span(i64::MIN, i64::MAX, 3), Some((0, 3)));
    }
}
