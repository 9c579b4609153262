//! List commands: pushes, pops, ranges, LMOVE and the blocking pops. Blocked clients wait in
//! `server::blocking`; a command that pushes serves them before it releases its shard locks, so
//! nobody else can take the element, and journals their pops in its own record.
use std::sync::Arc;
use std::time::Duration;

use super::arguments::{self, is};
use super::collections::{self, delete_if_empty};
use super::errors::{CommandError, CommandResult};
use super::strings::check_journal_room;
use super::table::{flags::*, key_flags::*, spec, CommandSpec, KeySpan, KeySpec};
use super::Context;
use crate::journal::Effect;
use crate::protocol::Args;
use crate::server::blocking::{BlockedOn, BlockedOp, Outcome, Served, Waiter};
use crate::server::notify;
use crate::store::keyspace::{shard_of, ShardSet};
use crate::store::{hash_key, Entry, ListValue, Shard, Value};

const G: &str = "list";

/// BLPOP's and BRPOP's keys: every argument but the first and the timeout.
const BLOCKING_POP_KEYS: KeySpan = KeySpan { first: 1, last: -2, step: 1 };

/// LMOVE's and its kin's keys: the source popped, the destination pushed onto.
const MOVE_KEYS: &[KeySpec] =
    &[KeySpec::one(1, RW | ACCESS | DELETE), KeySpec::one(2, RW | INSERT)];

pub static COMMANDS: &[CommandSpec] = &[
    spec("lpush", -3, WRITE | DENYOOM | FAST, KeySpan::ONE, G, lpush).key_flags(RW | INSERT).doc(
        "1.0.0",
        "Prepends one or more elements to a list. Creates the key if it doesn't exist.",
        PUSH_COMPLEXITY,
        "key element [element ...]",
    ),
    spec("rpush", -3, WRITE | DENYOOM | FAST, KeySpan::ONE, G, rpush).key_flags(RW | INSERT).doc(
        "1.0.0",
        "Appends one or more elements to a list. Creates the key if it doesn't exist.",
        PUSH_COMPLEXITY,
        "key element [element ...]",
    ),
    spec("lpushx", -3, WRITE | DENYOOM | FAST, KeySpan::ONE, G, lpushx).key_flags(RW | INSERT).doc(
        "2.2.0",
        "Prepends one or more elements to a list only when the list exists.",
        PUSH_COMPLEXITY,
        "key element [element ...]",
    ),
    spec("rpushx", -3, WRITE | DENYOOM | FAST, KeySpan::ONE, G, rpushx).key_flags(RW | INSERT).doc(
        "2.2.0",
        "Appends an element to a list only when the list exists.",
        PUSH_COMPLEXITY,
        "key element [element ...]",
    ),
    spec("lpop", -2, WRITE | FAST, KeySpan::ONE, G, lpop).key_flags(RW | ACCESS | DELETE).doc(
        "1.0.0",
        "Returns the first elements in a list after removing it. Deletes the list if the last element was popped.",
        POP_COMPLEXITY,
        "key [count]",
    ),
    spec("rpop", -2, WRITE | FAST, KeySpan::ONE, G, rpop).key_flags(RW | ACCESS | DELETE).doc(
        "1.0.0",
        "Returns and removes the last elements of a list. Deletes the list if the last element was popped.",
        POP_COMPLEXITY,
        "key [count]",
    ),
    spec("llen", 2, READONLY | FAST, KeySpan::ONE, G, llen).key_flags(RO).doc(
        "1.0.0",
        "Returns the length of a list.",
        "O(1)",
        "key",
    ),
    spec("lindex", 3, READONLY, KeySpan::ONE, G, lindex).doc(
        "1.0.0",
        "Returns an element from a list by its index.",
        "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).",
        "key index",
    ),
    spec("linsert", 5, WRITE | DENYOOM, KeySpan::ONE, G, linsert).key_flags(RW | INSERT).doc(
        "2.2.0",
        "Inserts an element before or after another element in a list.",
        "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).",
        "key <BEFORE | AFTER> pivot element",
    ),
    spec("lrange", 4, READONLY, KeySpan::ONE, G, lrange).doc(
        "1.0.0",
        "Returns a range of elements from a list.",
        "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.",
        "key start stop",
    ),
    spec("lrem", 4, WRITE, KeySpan::ONE, G, lrem).key_flags(RW | DELETE).doc(
        "1.0.0",
        "Removes elements from a list. Deletes the list if the last element was removed.",
        "O(N+M) where N is the length of the list and M is the number of elements removed.",
        "key count element",
    ),
    spec("lset", 4, WRITE | DENYOOM, KeySpan::ONE, G, lset).doc(
        "1.0.0",
        "Sets the value of an element in a list by its index.",
        "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).",
        "key index element",
    ),
    spec("ltrim", 4, WRITE, KeySpan::ONE, G, ltrim).key_flags(RW | DELETE).doc(
        "1.0.0",
        "Removes elements from both ends a list. Deletes the list if all elements were trimmed.",
        "O(N) where N is the number of elements to be removed by the operation.",
        "key start stop",
    ),
    spec("lpos", -3, READONLY, KeySpan::ONE, G, lpos).doc(
        "6.0.6",
        "Returns the index of matching elements in a list.",
        "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.",
        "key element [RANK rank] [COUNT num-matches] [MAXLEN len]",
    ),
    spec("lmove", 5, WRITE | DENYOOM, KeySpan::TWO, G, lmove)
        .key_specs(MOVE_KEYS)
        .doc(
            "6.2.0",
            "Returns an element after popping it from one list and pushing it to another. Deletes the list if the last element was moved.",
            "O(1)",
            "source destination <LEFT | RIGHT> <LEFT | RIGHT>",
        ),
    spec("rpoplpush", 3, WRITE | DENYOOM, KeySpan::TWO, G, rpoplpush)
        .key_specs(MOVE_KEYS)
        .doc(
            "1.2.0",
            "Returns the last element of a list after removing and pushing it to another list. Deletes the list if the last element was popped.",
            "O(1)",
            "source destination",
        ),
    spec("lmpop", -4, WRITE | MOVABLEKEYS, KeySpan::NONE, G, lmpop).numkeys(1).doc(
        "7.0.0",
        "Returns multiple elements from a list after removing them. Deletes the list if the last element was popped.",
        "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
        "numkeys key [key ...] <LEFT | RIGHT> [COUNT count]",
    ),
    spec("blpop", -3, WRITE | BLOCKING, BLOCKING_POP_KEYS, G, blpop)
        .key_flags(RW | ACCESS | DELETE)
        .doc(
            "2.0.0",
            "Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
            "O(N) where N is the number of provided keys.",
            "key [key ...] timeout",
        ),
    spec("brpop", -3, WRITE | BLOCKING, BLOCKING_POP_KEYS, G, brpop)
        .key_flags(RW | ACCESS | DELETE)
        .doc(
            "2.0.0",
            "Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
            "O(N) where N is the number of provided keys.",
            "key [key ...] timeout",
        ),
    spec("blmove", 6, WRITE | DENYOOM | BLOCKING, KeySpan::TWO, G, blmove)
        .key_specs(MOVE_KEYS)
        .doc(
            "6.2.0",
            "Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise. Deletes the list if the last element was moved.",
            "O(1)",
            "source destination <LEFT | RIGHT> <LEFT | RIGHT> timeout",
        ),
    spec("brpoplpush", 4, WRITE | DENYOOM | BLOCKING, KeySpan::TWO, G, brpoplpush)
        .key_specs(MOVE_KEYS)
        .doc(
            "2.2.0",
            "Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise. Deletes the list if the last element was popped.",
            "O(1)",
            "source destination timeout",
        ),
    spec("blmpop", -5, WRITE | BLOCKING | MOVABLEKEYS, KeySpan::NONE, G, blmpop).numkeys(2).doc(
        "7.0.0",
        "Pops the first element from one of multiple lists. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
        "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
        "timeout numkeys key [key ...] <LEFT | RIGHT> [COUNT count]",
    ),
];

const PUSH_COMPLEXITY: &str = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.";
const POP_COMPLEXITY: &str = "O(N) where N is the number of elements returned";

// ------------------------------------------------------------------------------- helpers

fn list_of(entry: &mut Entry) -> Result<&mut ListValue, CommandError> {
    entry.value.list_mut().ok_or(CommandError::WrongType)
}

/// The list at `key`, counting a hit or miss: `Ok(None)` when missing, WRONGTYPE otherwise.
fn read_list<'a>(
    shard: &'a mut Shard,
    hash: u64,
    key: &[u8],
    now_ms: u64,
) -> Result<Option<&'a mut ListValue>, CommandError> {
    collections::read(shard, hash, key, now_ms, Value::list_mut)
}

/// The list at `key` for a write (Redis's `lookupKeyWrite`: no hit, miss or `keymiss`).
fn write_list<'a>(
    shard: &'a mut Shard,
    hash: u64,
    key: &[u8],
    now_ms: u64,
) -> Result<Option<&'a mut ListValue>, CommandError> {
    collections::write(shard, hash, key, now_ms, Value::list_mut)
}

/// A keyspace notification to publish once the change is made: class, event, key.
type Event = (u32, &'static str, Vec<u8>);

fn pop_event(left: bool) -> &'static str {
    if left {
        "lpop"
    } else {
        "rpop"
    }
}

fn push_event(left: bool) -> &'static str {
    if left {
        "lpush"
    } else {
        "rpush"
    }
}

fn len_i64(len: usize) -> i64 {
    i64::try_from(len).unwrap_or(i64::MAX)
}

fn len_u64(len: usize) -> u64 {
    u64::try_from(len).unwrap_or(u64::MAX)
}

/// Redis's list index: negative counts from the tail. None when outside the list.
fn resolve_index(index: i64, len: usize) -> Option<usize> {
    let len = len_i64(len);
    let index = if index < 0 { len.saturating_add(index) } else { index };
    usize::try_from(index).ok().filter(|&i| len_i64(i) < len)
}

/// LRANGE's and LTRIM's clamping of `start..=stop`; None when it selects nothing.
fn clamp_range(start: i64, stop: i64, len: usize) -> Option<(usize, usize)> {
    let len = len_i64(len);
    let start = if start < 0 { len.saturating_add(start) } else { start }.max(0);
    let stop = if stop < 0 { len.saturating_add(stop) } else { stop };
    if start > stop || start >= len {
        return None;
    }
    let stop = stop.min(len - 1);
    Some((usize::try_from(start).ok()?, usize::try_from(stop).ok()?))
}

/// LEFT or RIGHT (any case); true for LEFT.
fn side(bytes: &[u8]) -> Result<bool, CommandError> {
    if is(bytes, "left") {
        Ok(true)
    } else if is(bytes, "right") {
        Ok(false)
    } else {
        Err(CommandError::Syntax)
    }
}

/// An integer in `min..` with one text for both "not an integer" and "too small".
fn integer_at_least(bytes: &[u8], min: i64, text: &'static str) -> Result<i64, CommandError> {
    arguments::integer(bytes).ok().filter(|&n| n >= min).ok_or(CommandError::Static(text))
}

/// The sum of the lengths of `args[from..]`, to bound a journal record before writing.
fn args_bytes(args: Args<'_>, from: usize) -> u64 {
    (from..args.len()).map(|i| len_u64(args.get(i).len())).fold(0, u64::saturating_add)
}

// ------------------------------------------------------------------ serving blocked clients

/// A change made while serving a blocked client, owned until the command journals it.
enum Change {
    Pop { key: Vec<u8>, left: bool, count: u64 },
    Push { key: Vec<u8>, left: bool, element: Vec<u8> },
}

impl Change {
    fn effect(&self, db: u32) -> Effect<&[u8]> {
        match self {
            Self::Pop { key, left, count } => {
                Effect::ListPop { db, key, left: *left, count: *count }
            }
            Self::Push { key, left, element } => {
                Effect::ListPush { db, key, left: *left, elements: vec![element] }
            }
        }
    }
}

/// What serving blocked clients did: changes to journal, then outcomes to deliver.
#[derive(Default)]
struct Service {
    changes: Vec<Change>,
    /// The served clients' keyspace notifications, in Redis's order.
    events: Vec<Event>,
    outcomes: Vec<(Arc<Waiter>, Result<Served, CommandError>)>,
}

/// Shards locked for a command that pushes to `pushed`: the command's own keys plus every
/// key serving the clients blocked there may push to (BLMOVE destinations, transitively).
struct PushLocks<'a> {
    shards: ShardSet<'a>,
}

fn lock_for_push<'a>(ctx: &Context<'a>, hashes: &[u64], pushed: &[&[u8]]) -> PushLocks<'a> {
    let server: &'a crate::server::Server = ctx.server;
    let db = server.db(ctx.client.db);
    let index = ctx.client.db;
    let mut extra = server.blocking.move_destinations(index, pushed);
    loop {
        let all = hashes.iter().copied().chain(extra.iter().map(|k| hash_key(k)));
        let shards = db.lock_keys(all);
        // Clients blocking on a locked key cannot register now, so this set is final unless
        // one registered between the look above and the locking.
        let now = server.blocking.move_destinations(index, pushed);
        if now.iter().all(|k| extra.contains(k)) {
            return PushLocks { shards };
        }
        drop(shards);
        for key in now {
            if !extra.contains(&key) {
                extra.push(key);
            }
        }
    }
}

/// Serves, in FIFO order, the clients blocked on `pushed` while the caller still holds the
/// locks; a BLMOVE that creates its destination makes that key's clients served next.
fn serve_blocked(ctx: &mut Context<'_>, locks: &mut PushLocks<'_>, pushed: &[&[u8]]) -> Service {
    let mut service = Service::default();
    let blocking = &ctx.server.blocking;
    if blocking.blocked_clients() == 0 || ctx.defers_serving(pushed) {
        return service;
    }
    let (db, now_ms) = (ctx.client.db, ctx.now_ms);
    let mut ready: Vec<Vec<u8>> = pushed.iter().map(|k| k.to_vec()).collect();
    let mut next = 0;
    while let Some(key) = ready.get(next).cloned() {
        next += 1;
        let hash = hash_key(&key);
        loop {
            let has_elements = locks
                .shards
                .shard(hash)
                .find(hash, &key, now_ms)
                .is_some_and(|e| matches!(&e.value, Value::List(l) if !l.is_empty()));
            if !has_elements {
                break;
            }
            let Some(waiter) = blocking.take_first(db, &key, BlockedOn::List) else { break };
            let served =
                serve_one(ctx, locks, &waiter, &key, &mut service.changes, &mut service.events);
            if let Ok(Served::Element(_)) = &served {
                if let BlockedOp::Move { destination, .. } = &waiter.op {
                    if !ready.contains(destination) {
                        ready.push(destination.clone());
                    }
                }
            }
            service.outcomes.push((waiter, served));
        }
    }
    service
}

/// Serves one blocked client from the non-empty list at `key`.
fn serve_one(
    ctx: &Context<'_>,
    locks: &mut PushLocks<'_>,
    waiter: &Waiter,
    key: &[u8],
    changes: &mut Vec<Change>,
    events: &mut Vec<Event>,
) -> Result<Served, CommandError> {
    let (hash, now_ms) = (hash_key(key), ctx.now_ms);
    // The pop's event, then `del` when it emptied the list (the pops below delete it).
    let popped_events = |events: &mut Vec<Event>, shards: &mut ShardSet<'_>, left: bool| {
        events.push((notify::LIST, pop_event(left), key.to_vec()));
        if shards.shard(hash).find(hash, key, now_ms).is_none() {
            events.push((notify::GENERIC, "del", key.to_vec()));
        }
    };
    match &waiter.op {
        BlockedOp::Pop { left } => {
            let popped = pop_from(locks.shards.shard(hash), hash, key, *left, 1, now_ms);
            popped_events(events, &mut locks.shards, *left);
            changes.push(Change::Pop { key: key.to_vec(), left: *left, count: 1 });
            let element = popped.into_iter().next().unwrap_or_default();
            Ok(Served::KeyElement(key.to_vec(), element))
        }
        BlockedOp::MultiPop { left, count } => {
            let popped = pop_from(locks.shards.shard(hash), hash, key, *left, *count, now_ms);
            popped_events(events, &mut locks.shards, *left);
            let count = len_u64(popped.len());
            changes.push(Change::Pop { key: key.to_vec(), left: *left, count });
            Ok(Served::KeyElements(key.to_vec(), popped))
        }
        BlockedOp::Move { from_left, to_left, destination } => {
            let to_hash = hash_key(destination);
            if !locks.shards.holds(shard_of(to_hash)) {
                // Unreachable: lock_for_push locked every destination of these waiters.
                return Err(CommandError::Static("ERR blocked client could not be served"));
            }
            let element =
                move_element(&mut locks.shards, key, destination, *from_left, *to_left, now_ms)?;
            // As LMOVE: the push on the destination, then the pop on the source.
            events.push((notify::LIST, push_event(*to_left), destination.clone()));
            popped_events(events, &mut locks.shards, *from_left);
            if let Some(element) = &element {
                changes.push(Change::Pop { key: key.to_vec(), left: *from_left, count: 1 });
                changes.push(Change::Push {
                    key: destination.clone(),
                    left: *to_left,
                    element: element.clone(),
                });
            }
            let element = match element {
                Some(element) => element,
                // A one-element list moved onto itself: unchanged, nothing to journal.
                None => current_head(&mut locks.shards, key, *to_left, now_ms),
            };
            Ok(Served::Element(element))
        }
        // Unreachable: take_first hands out only clients blocked on lists.
        BlockedOp::ZPop { .. } | BlockedOp::ZMultiPop { .. } | BlockedOp::Acknowledgements => {
            Err(CommandError::Static("ERR blocked client could not be served"))
        }
    }
}

fn current_head(shards: &mut ShardSet<'_>, key: &[u8], left: bool, now_ms: u64) -> Vec<u8> {
    let hash = hash_key(key);
    let Some(entry) = shards.shard(hash).find(hash, key, now_ms) else { return Vec::new() };
    let Ok(list) = list_of(entry) else { return Vec::new() };
    let element = if left { list.iter().next() } else { list.iter().next_back() };
    element.map(<[u8]>::to_vec).unwrap_or_default()
}

/// Pops up to `count` from the list at `key` (which exists), deleting it when emptied.
fn pop_from(
    shard: &mut Shard,
    hash: u64,
    key: &[u8],
    left: bool,
    count: usize,
    now_ms: u64,
) -> Vec<Vec<u8>> {
    let Some(entry) = shard.find(hash, key, now_ms) else { return Vec::new() };
    let Ok(list) = list_of(entry) else { return Vec::new() };
    let popped = list.pop_many(left, count).into_iter().map(|e| e.to_vec()).collect();
    delete_if_empty(shard, hash, key, now_ms);
    popped
}

/// LMOVE's core on locked shards: pops from `source` (a non-empty list) and pushes onto
/// `destination`. Returns the element, or None when a one-element list moves onto itself
/// (nothing changes). WRONGTYPE if the destination holds another type.
fn move_element(
    shards: &mut ShardSet<'_>,
    source: &[u8],
    destination: &[u8],
    from_left: bool,
    to_left: bool,
    now_ms: u64,
) -> Result<Option<Vec<u8>>, CommandError> {
    let (from_hash, to_hash) = (hash_key(source), hash_key(destination));
    if let Some(entry) = shards.shard(to_hash).find(to_hash, destination, now_ms) {
        list_of(entry)?;
    }
    if source == destination {
        let Some(entry) = shards.shard(from_hash).find(from_hash, source, now_ms) else {
            return Ok(None);
        };
        let list = list_of(entry)?;
        if list.len() <= 1 {
            return Ok(None);
        }
        let Some(element) = list.pop(from_left) else { return Ok(None) };
        list.push(to_left, &element);
        return Ok(Some(element.to_vec()));
    }
    let Some(element) = pop_from(shards.shard(from_hash), from_hash, source, from_left, 1, now_ms)
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let shard = shards.shard(to_hash);
    match shard.find(to_hash, destination, now_ms) {
        Some(entry) => list_of(entry)?.push(to_left, &element),
        None => {
            let mut list = ListValue::new();
            list.push(to_left, &element);
            shard.insert(to_hash, Entry::new(destination, Value::List(Box::new(list))), now_ms);
        }
    }
    Ok(Some(element))
}

/// Journals `own` then the service's changes in one record, then hands the served clients
/// their outcome (their replies wait for that record, as the pusher's does).
fn journal_and_deliver(ctx: &mut Context<'_>, own: Vec<Effect<&[u8]>>, service: Service) {
    let db = ctx.db_index();
    let mut effects = own;
    effects.extend(service.changes.iter().map(|c| c.effect(db)));
    ctx.journal(&effects);
    let journal_mark = ctx.client.journal_mark;
    for (waiter, served) in service.outcomes {
        let outcome = match served {
            Ok(reply) => Outcome::Served { reply, journal_mark },
            Err(error) => Outcome::Error(error.to_string()),
        };
        waiter.deliver(outcome);
    }
    for (class, event, key) in service.events {
        ctx.notify(class, event, &key);
    }
}

/// Serves the clients blocked on the list at `key` in the selected database, after a
/// transaction that filled it (`transactions::exec`); journals their pops as one record.
pub fn serve_ready(ctx: &mut Context<'_>, key: &[u8]) {
    let mut locks = lock_for_push(ctx, &[hash_key(key)], &[key]);
    let service = serve_blocked(ctx, &mut locks, &[key]);
    journal_and_deliver(ctx, Vec::new(), service);
}

// ------------------------------------------------------------------------------- pushes

/// LPUSH key element [element ...]
pub fn lpush(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    push(ctx, args, true, false)
}

/// RPUSH key element [element ...]
pub fn rpush(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    push(ctx, args, false, false)
}

/// LPUSHX key element [element ...]
pub fn lpushx(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    push(ctx, args, true, true)
}

/// RPUSHX key element [element ...]
pub fn rpushx(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    push(ctx, args, false, true)
}

fn push(ctx: &mut Context<'_>, args: Args<'_>, left: bool, only_existing: bool) -> CommandResult {
    let key = args.get(1);
    let hash = hash_key(key);
    let elements = (2..args.len()).map(move |i| args.get(i));
    check_journal_room(ctx, args_bytes(args, 1), 1)?;
    let now_ms = ctx.now_ms;
    let mut locks = lock_for_push(ctx, &[hash], &[key]);
    let shard = locks.shards.shard(hash);
    let len = match write_list(shard, hash, key, now_ms)? {
        Some(list) => {
            list.push_many(left, elements.clone());
            list.len()
        }
        None if only_existing => {
            ctx.reply.integer(0);
            return Ok(());
        }
        None => {
            let mut list = ListValue::new();
            list.push_many(left, elements.clone());
            let len = list.len();
            shard.insert(hash, Entry::new(key, Value::List(Box::new(list))), now_ms);
            len
        }
    };
    ctx.reply.integer(len_i64(len));
    // The push's event comes before those of the clients it serves, as in Redis.
    ctx.notify(notify::LIST, push_event(left), key);
    let service = serve_blocked(ctx, &mut locks, &[key]);
    let db = ctx.db_index();
    let own = vec![Effect::ListPush { db, key, left, elements: elements.collect() }];
    journal_and_deliver(ctx, own, service);
    Ok(())
}

// --------------------------------------------------------------------------------- pops

/// LPOP key [count]
pub fn lpop(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    pop(ctx, args, true)
}

/// RPOP key [count]
pub fn rpop(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    pop(ctx, args, false)
}

fn pop(ctx: &mut Context<'_>, args: Args<'_>, left: bool) -> CommandResult {
    if args.len() > 3 {
        let fullname = if left { "lpop" } else { "rpop" }.to_string();
        return Err(CommandError::WrongArity { fullname });
    }
    let count = match args.len() {
        3 => {
            let n =
                integer_at_least(args.get(2), 0, "ERR value is out of range, must be positive")?;
            Some(usize::try_from(n).unwrap_or(usize::MAX))
        }
        _ => None,
    };
    let key = args.get(1);
    let (hash, now_ms) = (hash_key(key), ctx.now_ms);
    let server = ctx.server;
    let mut shard = server.db(ctx.client.db).lock(hash);
    let Some(list) = write_list(&mut shard, hash, key, now_ms)? else {
        if count.is_some() {
            ctx.reply.null_array();
        } else {
            ctx.reply.null();
        }
        return Ok(());
    };
    if count == Some(0) {
        ctx.reply.array(0);
        return Ok(());
    }
    let popped = list.pop_many(left, count.unwrap_or(1));
    match count {
        None => ctx.reply.bulk(popped.first().map_or(&[][..], |e| e)),
        Some(_) => ctx.reply.bulk_array(popped.iter().map(|e| &**e)),
    }
    let deleted = delete_if_empty(&mut shard, hash, key, now_ms);
    let db = ctx.db_index();
    ctx.journal(&[Effect::ListPop { db, key, left, count: len_u64(popped.len()) }]);
    drop(shard);
    ctx.notify(notify::LIST, pop_event(left), key);
    if deleted {
        ctx.notify(notify::GENERIC, "del", key);
    }
    Ok(())
}

/// LMPOP numkeys key [key ...] <LEFT | RIGHT> [COUNT count]
pub fn lmpop(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let request = MultiPop::parse(args, 1)?;
    let keys: Vec<&[u8]> = request.keys(args).collect();
    let hashes: Vec<u64> = keys.iter().map(|k| hash_key(k)).collect();
    let server = ctx.server;
    let mut shards = server.db(ctx.client.db).lock_keys(hashes.iter().copied());
    if !pop_first_nonempty(
        ctx,
        &mut shards,
        &keys,
        &BlockedOp::MultiPop { left: request.left, count: request.count },
    )? {
        ctx.reply.null_array();
    }
    Ok(())
}

/// LMPOP's and BLMPOP's arguments after the timeout.
struct MultiPop {
    numkeys_at: usize,
    numkeys: usize,
    left: bool,
    count: usize,
}

impl MultiPop {
    /// Parses from `numkeys_at`, with Redis's checks in Redis's order.
    fn parse(args: Args<'_>, numkeys_at: usize) -> Result<Self, CommandError> {
        let numkeys =
            integer_at_least(args.get(numkeys_at), 1, "ERR numkeys should be greater than 0")?;
        let numkeys = usize::try_from(numkeys).unwrap_or(usize::MAX);
        let side_at = numkeys_at.checked_add(numkeys).and_then(|i| i.checked_add(1));
        let Some(side_at) = side_at.filter(|&i| i < args.len()) else {
            return Err(CommandError::Syntax);
        };
        let left = side(args.get(side_at))?;
        let mut count = None;
        let mut i = side_at + 1;
        while i < args.len() {
            if count.is_none() && is(args.get(i), "count") && i + 1 < args.len() {
                let n = integer_at_least(args.get(i + 1), 1, "ERR count should be greater than 0")?;
                count = Some(usize::try_from(n).unwrap_or(usize::MAX));
                i += 2;
            } else {
                return Err(CommandError::Syntax);
            }
        }
        Ok(Self { numkeys_at, numkeys, left, count: count.unwrap_or(1) })
    }

    fn keys<'a>(&self, args: Args<'a>) -> impl Iterator<Item = &'a [u8]> {
        (self.numkeys_at + 1..self.numkeys_at + 1 + self.numkeys).map(move |i| args.get(i))
    }
}

/// Pops as `op` says (`Pop` or `MultiPop`) from the first non-empty list among `keys`, in
/// order, and replies; WRONGTYPE at the first key of another type before it. False when all
/// are empty (nothing replied).
fn pop_first_nonempty(
    ctx: &mut Context<'_>,
    shards: &mut ShardSet<'_>,
    keys: &[&[u8]],
    op: &BlockedOp,
) -> Result<bool, CommandError> {
    let now_ms = ctx.now_ms;
    for &key in keys {
        let hash = hash_key(key);
        let shard = shards.shard(hash);
        match write_list(shard, hash, key, now_ms)? {
            Some(list) if !list.is_empty() => {}
            _ => continue,
        }
        let (left, count) = match op {
            BlockedOp::Pop { left } => (*left, 1),
            BlockedOp::MultiPop { left, count } => (*left, *count),
            _ => return Ok(false),
        };
        let popped = pop_from(shard, hash, key, left, count, now_ms);
        let deleted = shard.find(hash, key, now_ms).is_none();
        let served = match op {
            BlockedOp::MultiPop { .. } => Served::KeyElements(key.to_vec(), popped.clone()),
            _ => Served::KeyElement(key.to_vec(), popped.first().cloned().unwrap_or_default()),
        };
        served.write(ctx.reply);
        let db = ctx.db_index();
        ctx.journal(&[Effect::ListPop { db, key, left, count: len_u64(popped.len()) }]);
        ctx.notify(notify::LIST, pop_event(left), key);
        if deleted {
            ctx.notify(notify::GENERIC, "del", key);
        }
        return Ok(true);
    }
    Ok(false)
}

// ------------------------------------------------------------------------------- reads

/// LLEN key
pub fn llen(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let key = args.get(1);
    let hash = hash_key(key);
    let mut shard = ctx.server.db(ctx.client.db).lock(hash);
    let len = read_list(&mut shard, hash, key, ctx.now_ms)?.map_or(0, |l| l.len());
    drop(shard);
    ctx.reply.integer(len_i64(len));
    Ok(())
}

/// LINDEX key index
pub fn lindex(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let key = args.get(1);
    let hash = hash_key(key);
    let server = ctx.server;
    let mut shard = server.db(ctx.client.db).lock(hash);
    let Some(list) = read_list(&mut shard, hash, key, ctx.now_ms)? else {
        ctx.reply.null();
        return Ok(());
    };
    let index = arguments::integer(args.get(2))?;
    match resolve_index(index, list.len()).and_then(|i| list.get(i)) {
        Some(element) => ctx.reply.bulk(element),
        None => ctx.reply.null(),
    }
    Ok(())
}

/// LRANGE key start stop
pub fn lrange(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let start = arguments::integer(args.get(2))?;
    let stop = arguments::integer(args.get(3))?;
    let key = args.get(1);
    let hash = hash_key(key);
    let server = ctx.server;
    let mut shard = server.db(ctx.client.db).lock(hash);
    let Some(list) = read_list(&mut shard, hash, key, ctx.now_ms)? else {
        ctx.reply.array(0);
        return Ok(());
    };
    match clamp_range(start, stop, list.len()) {
        Some((start, stop)) => ctx.reply.bulk_array(list.range(start, stop)),
        None => ctx.reply.array(0),
    }
    Ok(())
}

/// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
pub fn lpos(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let (mut rank, mut count, mut maxlen) = (1i64, None::<i64>, 0i64);
    let mut i = 3;
    while i < args.len() {
        let word = args.get(i);
        let Some(&value) = (i + 1 < args.len()).then(|| args.get(i + 1)).as_ref() else {
            return Err(CommandError::Syntax);
        };
        if is(word, "rank") {
            rank = arguments::integer(value)?;
            if rank == i64::MIN {
                return Err(CommandError::Static(
                    "ERR value is out of range, value must between -9223372036854775807 and \
                     9223372036854775807",
                ));
            }
            if rank == 0 {
                return Err(CommandError::Static(
                    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the \
                     second ... or use negative to start from the end of the list",
                ));
            }
        } else if is(word, "count") {
            count = Some(arguments::non_negative(value, "ERR COUNT can't be negative")?);
        } else if is(word, "maxlen") {
            maxlen = arguments::non_negative(value, "ERR MAXLEN can't be negative")?;
        } else {
            return Err(CommandError::Syntax);
        }
        i += 2;
    }
    let (key, element) = (args.get(1), args.get(2));
    let hash = hash_key(key);
    let server = ctx.server;
    let mut shard = server.db(ctx.client.db).lock(hash);
    let Some(list) = read_list(&mut shard, hash, key, ctx.now_ms)? else {
        match count {
            Some(_) => ctx.reply.array(0),
            None => ctx.reply.null(),
        }
        return Ok(());
    };
    let found = positions(list, element, rank, count.unwrap_or(1), maxlen);
    match count {
        Some(_) => {
            ctx.reply.array(found.len());
            for position in found {
                ctx.reply.integer(len_i64(position));
            }
        }
        None => match found.first() {
            Some(&position) => ctx.reply.integer(len_i64(position)),
            None => ctx.reply.null(),
        },
    }
    Ok(())
}

/// LPOS's search: indexes (from the head) of matches, skipping |rank|-1 matches first, from
/// the tail when `rank` < 0; at most `count` (0 = all), comparing at most `maxlen` (0 = all).
fn positions(list: &ListValue, element: &[u8], rank: i64, count: i64, maxlen: i64) -> Vec<usize> {
    let skip = rank.unsigned_abs() - 1;
    let wanted = if count == 0 { u64::MAX } else { count.unsigned_abs() };
    let compared =
        if maxlen == 0 { usize::MAX } else { usize::try_from(maxlen).unwrap_or(usize::MAX) };
    let len = list.len();
    let indexed = list.iter().enumerate();
    let ordered: Box<dyn Iterator<Item = (usize, &[u8])>> =
        if rank > 0 { Box::new(indexed) } else { Box::new(indexed.rev()) };
    let mut found = Vec::new();
    let mut matches = 0u64;
    for (index, item) in ordered.take(compared.min(len)) {
        if item != element {
            continue;
        }
        matches += 1;
        if matches > skip {
            found.push(index);
            if len_u64(found.len()) >= wanted {
                break;
            }
        }
    }
    found
}

// ------------------------------------------------------------------------------ changes

/// LINSERT key <BEFORE | AFTER> pivot element
pub fn linsert(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let after = match args.get(2) {
        w if is(w, "after") => true,
        w if is(w, "before") => false,
        _ => return Err(CommandError::Syntax),
    };
    let (key, pivot, element) = (args.get(1), args.get(3), args.get(4));
    check_journal_room(ctx, args_bytes(args, 1), 1)?;
    let hash = hash_key(key);
    let server = ctx.server;
    let mut shard = server.db(ctx.client.db).lock(hash);
    let Some(list) = write_list(&mut shard, hash, key, ctx.now_ms)? else {
        ctx.reply.integer(0);
        return Ok(());
    };
    let Some(found) = list.find(pivot) else {
        ctx.reply.integer(-1);
        return Ok(());
    };
    let index = if after { found + 1 } else { found };
    list.insert(index, element);
    ctx.reply.integer(len_i64(list.len()));
    let db = ctx.db_index();
    ctx.journal(&[Effect::ListInsert { db, key, index: len_u64(index), element }]);
    ctx.notify(notify::LIST, "linsert", key);
    Ok(())
}

/// LSET key index element
pub fn lset(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let (key, element) = (args.get(1), args.get(3));
    check_journal_room(ctx, args_bytes(args, 1), 1)?;
    let hash = hash_key(key);
    let server = ctx.server;
    let mut shard = server.db(ctx.client.db).lock(hash);
    let Some(list) = write_list(&mut shard, hash, key, ctx.now_ms)? else {
        return Err(CommandError::NoSuchKey);
    };
    let index = arguments::integer(args.get(2))?;
    let Some(index) = resolve_index(index, list.len()) else {
        return Err(CommandError::OutOfRange);
    };
    list.set(index, element);
    ctx.reply.ok();
    let db = ctx.db_index();
    ctx.journal(&[Effect::ListSet { db, key, index: len_u64(index), element }]);
    ctx.notify(notify::LIST, "lset", key);
    Ok(())
}

/// LREM key count element
pub fn lrem(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let count = arguments::integer(args.get(2))?;
    let (key, element) = (args.get(1), args.get(3));
    let hash = hash_key(key);
    let (server, now_ms) = (ctx.server, ctx.now_ms);
    let mut shard = server.db(ctx.client.db).lock(hash);
    let Some(list) = write_list(&mut shard, hash, key, now_ms)? else {
        ctx.reply.integer(0);
        return Ok(());
    };
    let removed = list.remove_matching(count, element);
    ctx.reply.integer(len_i64(removed));
    if removed > 0 {
        let deleted = delete_if_empty(&mut shard, hash, key, now_ms);
        let db = ctx.db_index();
        ctx.journal(&[Effect::ListRemove { db, key, count, element }]);
        ctx.notify(notify::LIST, "lrem", key);
        if deleted {
            ctx.notify(notify::GENERIC, "del", key);
        }
    }
    Ok(())
}

/// LTRIM key start stop (journaled as pops from each end)
pub fn ltrim(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let start = arguments::integer(args.get(2))?;
    let stop = arguments::integer(args.get(3))?;
    let key = args.get(1);
    let hash = hash_key(key);
    let (server, now_ms) = (ctx.server, ctx.now_ms);
    let mut shard = server.db(ctx.client.db).lock(hash);
    let Some(list) = write_list(&mut shard, hash, key, now_ms)? else {
        ctx.reply.ok();
        return Ok(());
    };
    let len = list.len();
    let (head, tail) = match clamp_range(start, stop, len) {
        Some((start, stop)) => (start, len - 1 - stop),
        None => (len, 0),
    };
    if head == len {
        list.retain_range(1, 0);
    } else {
        list.retain_range(head, len - 1 - tail);
    }
    ctx.reply.ok();
    let deleted = delete_if_empty(&mut shard, hash, key, now_ms);
    let db = ctx.db_index();
    let mut effects = Vec::with_capacity(2);
    if head > 0 {
        effects.push(Effect::ListPop { db, key, left: true, count: len_u64(head) });
    }
    if tail > 0 {
        effects.push(Effect::ListPop { db, key, left: false, count: len_u64(tail) });
    }
    ctx.journal(&effects);
    // Redis publishes `ltrim` even when nothing was trimmed.
    ctx.notify(notify::LIST, "ltrim", key);
    if deleted {
        ctx.notify(notify::GENERIC, "del", key);
    }
    Ok(())
}

// -------------------------------------------------------------------------------- moves

/// LMOVE source destination <LEFT | RIGHT> <LEFT | RIGHT>
pub fn lmove(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let from_left = side(args.get(3))?;
    let to_left = side(args.get(4))?;
    move_command(ctx, args.get(1), args.get(2), from_left, to_left)
}

/// RPOPLPUSH source destination
pub fn rpoplpush(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    move_command(ctx, args.get(1), args.get(2), false, true)
}

fn move_command(
    ctx: &mut Context<'_>,
    source: &[u8],
    destination: &[u8],
    from_left: bool,
    to_left: bool,
) -> CommandResult {
    let (from_hash, to_hash) = (hash_key(source), hash_key(destination));
    let mut locks = lock_for_push(ctx, &[from_hash, to_hash], &[destination]);
    if !move_locked(ctx, &mut locks, source, destination, from_left, to_left)? {
        ctx.reply.null();
    }
    Ok(())
}

/// LMOVE on locked shards: replies, serves clients blocked on the destination, journals.
/// False (nothing replied) when the source is missing.
fn move_locked(
    ctx: &mut Context<'_>,
    locks: &mut PushLocks<'_>,
    source: &[u8],
    destination: &[u8],
    from_left: bool,
    to_left: bool,
) -> Result<bool, CommandError> {
    let (from_hash, now_ms) = (hash_key(source), ctx.now_ms);
    match write_list(locks.shards.shard(from_hash), from_hash, source, now_ms)? {
        Some(list) if !list.is_empty() => {}
        _ => return Ok(false),
    }
    let moved = move_element(&mut locks.shards, source, destination, from_left, to_left, now_ms)?;
    // Redis's order: the push on the destination, the pop on the source, then `del` if the
    // source is left empty.
    ctx.notify(notify::LIST, push_event(to_left), destination);
    ctx.notify(notify::LIST, pop_event(from_left), source);
    if locks.shards.shard(from_hash).find(from_hash, source, now_ms).is_none() {
        ctx.notify(notify::GENERIC, "del", source);
    }
    let Some(element) = moved else {
        let element = current_head(&mut locks.shards, source, to_left, now_ms);
        ctx.reply.bulk(&element);
        return Ok(true);
    };
    ctx.reply.bulk(&element);
    let service = serve_blocked(ctx, locks, &[destination]);
    let db = ctx.db_index();
    let own = vec![
        Effect::ListPop { db, key: source, left: from_left, count: 1 },
        Effect::ListPush { db, key: destination, left: to_left, elements: vec![&element[..]] },
    ];
    journal_and_deliver(ctx, own, service);
    Ok(true)
}

// ----------------------------------------------------------------------------- blocking

/// BLPOP key [key ...] timeout
pub fn blpop(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    blocking_pop(ctx, args, true)
}

/// BRPOP key [key ...] timeout
pub fn brpop(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    blocking_pop(ctx, args, false)
}

fn blocking_pop(ctx: &mut Context<'_>, args: Args<'_>, left: bool) -> CommandResult {
    let (keys, timeout) = collections::keys_then_timeout(ctx, args)?;
    collections::pop_or_block(ctx, &keys, BlockedOp::Pop { left }, timeout, pop_first_nonempty)
}

/// BLMPOP timeout numkeys key [key ...] <LEFT | RIGHT> [COUNT count]
pub fn blmpop(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let request = MultiPop::parse(args, 2)?;
    let timeout = arguments::timeout(args.get(1), ctx.now_ms)?;
    let keys: Vec<&[u8]> = request.keys(args).collect();
    let op = BlockedOp::MultiPop { left: request.left, count: request.count };
    collections::pop_or_block(ctx, &keys, op, timeout, pop_first_nonempty)
}

/// BLMOVE source destination <LEFT | RIGHT> <LEFT | RIGHT> timeout
pub fn blmove(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let from_left = side(args.get(3))?;
    let to_left = side(args.get(4))?;
    let timeout = arguments::timeout(args.get(5), ctx.now_ms)?;
    move_or_block(ctx, args.get(1), args.get(2), from_left, to_left, timeout)
}

/// BRPOPLPUSH source destination timeout
pub fn brpoplpush(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let timeout = arguments::timeout(args.get(3), ctx.now_ms)?;
    move_or_block(ctx, args.get(1), args.get(2), false, true, timeout)
}

fn move_or_block(
    ctx: &mut Context<'_>,
    source: &[u8],
    destination: &[u8],
    from_left: bool,
    to_left: bool,
    timeout: Option<Duration>,
) -> CommandResult {
    let (from_hash, to_hash) = (hash_key(source), hash_key(destination));
    let mut locks = lock_for_push(ctx, &[from_hash, to_hash], &[destination]);
    if !move_locked(ctx, &mut locks, source, destination, from_left, to_left)? {
        let op = BlockedOp::Move { from_left, to_left, destination: destination.to_vec() };
        ctx.block(&[source], op, timeout);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_clamp_like_redis() {
        assert_eq!(clamp_range(0, -1, 3), Some((0, 2)));
        assert_eq!(clamp_range(-100, 100, 3), Some((0, 2)));
        assert_eq!(clamp_range(2, 1, 3), None);
        assert_eq!(clamp_range(3, 5, 3), None);
        assert_eq!(clamp_range(0, -1, 0), None);
        assert_eq!(clamp_range(i64::MIN, i64::MAX, 2), Some((0, 1)));
        assert_eq!(resolve_index(-1, 3), Some(2));
        assert_eq!(resolve_index(-4, 3), None);
        assert_eq!(resolve_index(3, 3), None);
        assert_eq!(resolve_index(i64::MIN, 3), None);
    }

    #[test]
    fn lpos_positions() {
        let list = ListValue::from_elements(["a", "b", "a", "c", "a"].iter().map(|s| s.as_bytes()));
        assert_eq!(positions(&list, b"a", 1, 1, 0), vec![0]);
        assert_eq!(positions(&list, b"a", 2, 0, 0), vec![2, 4]);
        assert_eq!(positions(&list, b"a", -1, 2, 0), vec![4, 2]);
        assert_eq!(positions(&list, b"a", 1, 0, 2), vec![0]);
        assert_eq!(positions(&list, b"a", i64::MAX, 0, 0), Vec::<usize>::new());
    }
}
