//! What the collection families (lists, hashes, sets, sorted sets) share: looking a key up
//! as one type, with Redis's read and write lookup rules, and deleting a collection left
//! empty. Each family passes its type's accessor (`Value::list_mut`, ...).
use std::time::Duration;

use super::arguments;
use super::errors::CommandError;
use super::Context;
use crate::protocol::Args;
use crate::server::blocking::BlockedOp;
use crate::store::keyspace::ShardSet;
use crate::store::{hash_key, Entry, Shard, Value};

/// Picks one collection type out of a value; None for any other type.
pub type Pick<T> = fn(&mut Value) -> Option<&mut T>;

/// Reads `key` as Redis's `lookupKeyRead` does (counts a hit or miss, touches the access
/// time): `Ok(None)` if missing, WRONGTYPE if another type.
pub fn read<'a, T>(
    shard: &'a mut Shard,
    hash: u64,
    key: &[u8],
    now_ms: u64,
    pick: Pick<T>,
) -> Result<Option<&'a mut T>, CommandError> {
    as_type(shard.lookup(hash, key, now_ms), pick)
}

/// Finds `key` for a write, as Redis's `lookupKeyWrite` (touches, counts no hit or miss):
/// `Ok(None)` if missing, WRONGTYPE if another type.
pub fn write<'a, T>(
    shard: &'a mut Shard,
    hash: u64,
    key: &[u8],
    now_ms: u64,
    pick: Pick<T>,
) -> Result<Option<&'a mut T>, CommandError> {
    as_type(shard.find_for_write(hash, key, now_ms), pick)
}

/// `write` for a key this command already looked up (and so touched) or has just created:
/// no second access is counted (a new key starts at LFU_INIT_VAL, as Redis's does).
pub fn write_again<'a, T>(
    shard: &'a mut Shard,
    hash: u64,
    key: &[u8],
    now_ms: u64,
    pick: Pick<T>,
) -> Result<Option<&'a mut T>, CommandError> {
    as_type(shard.find(hash, key, now_ms), pick)
}

/// A found entry's value as the collection `pick` selects: `Ok(None)` if there is no entry,
/// WRONGTYPE if it holds another type.
fn as_type<T>(entry: Option<&mut Entry>, pick: Pick<T>) -> Result<Option<&mut T>, CommandError> {
    entry.map(|e| pick(&mut e.value).ok_or(CommandError::WrongType)).transpose()
}

/// Runs `f` on the collection at `key` read as one type (`read`: None when missing,
/// WRONGTYPE if another type), under the key's shard lock.
pub fn with_read<T, R>(
    ctx: &mut Context<'_>,
    key: &[u8],
    pick: Pick<T>,
    f: impl FnOnce(&mut Context<'_>, Option<&T>) -> R,
) -> Result<R, CommandError> {
    let hash = hash_key(key);
    let server = ctx.server;
    let mut shard = server.db(ctx.client.db).lock(hash);
    let found = read(&mut shard, hash, key, ctx.now_ms, pick)?;
    Ok(f(ctx, found.map(|c| &*c)))
}

/// Pops from the first of `keys` that has elements, writing the reply (the blocking
/// commands' non-blocking attempt); false when all are empty. Their shards are locked.
pub type TryPop =
    fn(&mut Context<'_>, &mut ShardSet<'_>, &[&[u8]], &BlockedOp) -> Result<bool, CommandError>;

/// A blocking pop (BLPOP, BZPOPMIN and the others): pops like the non-blocking form when a
/// key has elements; otherwise blocks on all `keys`, registering while their shards are still
/// locked, so nobody adds elements meanwhile.
pub fn pop_or_block(
    ctx: &mut Context<'_>,
    keys: &[&[u8]],
    op: BlockedOp,
    timeout: Option<Duration>,
    try_pop: TryPop,
) -> Result<(), CommandError> {
    let server = ctx.server;
    let mut shards = server.db(ctx.client.db).lock_keys(keys.iter().map(|k| hash_key(k)));
    if !try_pop(ctx, &mut shards, keys, &op)? {
        ctx.block(keys, op, timeout);
    }
    Ok(())
}

/// The keys and the timeout of `BLPOP key [key ...] timeout` and its siblings.
pub fn keys_then_timeout<'a>(
    ctx: &Context<'_>,
    args: Args<'a>,
) -> Result<(Vec<&'a [u8]>, Option<Duration>), CommandError> {
    let timeout = arguments::timeout(args.get(args.len() - 1), ctx.now_ms)?;
    Ok(((1..args.len() - 1).map(|i| args.get(i)).collect(), timeout))
}

/// Deletes `key` if its collection is now empty (a collection left empty must not exist).
pub fn delete_if_empty(shard: &mut Shard, hash: u64, key: &[u8], now_ms: u64) -> bool {
    let is_empty = shard.find(hash, key, now_ms).is_some_and(|e| e.value.is_empty_collection());
    if is_empty {
        shard.remove(hash, key, now_ms);
    }
    is_empty
}
