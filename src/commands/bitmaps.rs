//! Bitmap commands over string values: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD and
//! BITFIELD_RO. Bits are numbered from the most significant bit of byte 0, as in Redis; the
//! string helpers (lookup, type checks, length limits) come from `strings`.
use super::arguments::{self, is};
use super::errors::{CommandError, CommandResult};
use super::strings::{
    bulk_len_max, check_journal_room, journal_delete, journal_put, journal_put_unsignalled,
    read_string, string_mut, string_of, write_string,
};
use super::table::{flags::*, key_flags::*, spec, CommandSpec, KeySpan, KeySpec};
use super::Context;
use crate::protocol::number::parse_i64;
use crate::protocol::Args;
use crate::server::notify;
use crate::store::{hash_key, Entry, Shard, StrValue, Value};

const G: &str = "bitmap";

/// BITFIELD's key: only read with GETs alone (COMMAND GETKEYSANDFLAGS tells).
const BITFIELD_KEY: KeySpec = KeySpec::one(1, RW | ACCESS | UPDATE | VARIABLE_FLAGS)
    .notes("This command allows both access and modification of the key");

pub static COMMANDS: &[CommandSpec] = &[
    spec("setbit", 4, WRITE | DENYOOM, KeySpan::ONE, G, setbit).key_flags(RW | ACCESS | UPDATE).doc(
        "2.2.0",
        "Sets or clears the bit at offset of the string value. Creates the key if it doesn't exist.",
        "O(1)",
        "key offset value",
    ),
    spec("getbit", 3, READONLY | FAST, KeySpan::ONE, G, getbit).doc(
        "2.2.0",
        "Returns a bit value by offset.",
        "O(1)",
        "key offset",
    ),
    spec("bitcount", -2, READONLY, KeySpan::ONE, G, bitcount).doc(
        "2.6.0",
        "Counts the number of set bits (population counting) in a string.",
        "O(N)",
        "key [start end [BYTE | BIT]]",
    ),
    spec("bitpos", -3, READONLY, KeySpan::ONE, G, bitpos).doc(
        "2.8.7",
        "Finds the first set (1) or clear (0) bit in a string.",
        "O(N)",
        "key bit [start [end [BYTE | BIT]]]",
    ),
    spec("bitop", -4, WRITE | DENYOOM, KeySpan { first: 2, last: -1, step: 1 }, G, bitop)
        .key_specs(&[KeySpec::one(2, OW | UPDATE), KeySpec::range(3, -1, 1, RO | ACCESS)])
        .doc(
            "2.6.0",
            "Performs bitwise operations on multiple strings, and stores the result.",
            "O(N)",
            "<AND | OR | XOR | NOT> destkey key [key ...]",
        ),
    spec("bitfield", -2, WRITE | DENYOOM, KeySpan::ONE, G, bitfield)
        .key_specs(&[BITFIELD_KEY])
        .doc(
            "3.2.0",
            "Performs arbitrary bitfield integer operations on strings.",
            "O(1) for each subcommand specified",
            "key [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] <SET encoding offset value | INCRBY encoding offset increment> [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] <SET encoding offset value | INCRBY encoding offset increment> ...]]",
        ),
    spec("bitfield_ro", -2, READONLY | FAST, KeySpan::ONE, G, bitfield_ro).doc(
        "6.0.0",
        "Performs arbitrary read-only bitfield integer operations on strings.",
        "O(1) for each subcommand specified",
        "key [GET encoding offset [GET encoding offset ...]]",
    ),
];

const BIT_OFFSET_ERROR: CommandError =
    CommandError::Static("ERR bit offset is not an integer or out of range");

/// Redis's `getBitOffsetFromArgument`: a bit offset below `proto-max-bulk-len` × 8. With
/// `bits` > 0, `#N` means N fields of that width.
fn bit_offset(argument: &[u8], bits: u32, bulk_len_max: u64) -> Result<u64, CommandError> {
    let (by_field, digits) = match argument.split_first() {
        Some((b'#', rest)) if bits > 0 => (true, rest),
        _ => (false, argument),
    };
    let mut offset = parse_i64(digits).ok_or(BIT_OFFSET_ERROR)?;
    if by_field {
        offset = offset.checked_mul(i64::from(bits)).ok_or(BIT_OFFSET_ERROR)?;
    }
    let offset = u64::try_from(offset).map_err(|_| BIT_OFFSET_ERROR)?;
    if offset >> 3 >= bulk_len_max {
        return Err(BIT_OFFSET_ERROR);
    }
    Ok(offset)
}

/// The byte index holding bit `offset`, as a usize (offsets are bounded by
/// `proto-max-bulk-len`, so this only fails on a 32-bit host with a huge setting).
fn byte_index(offset: u64) -> Result<usize, CommandError> {
    usize::try_from(offset >> 3).map_err(|_| BIT_OFFSET_ERROR)
}

/// A string made ready for bit writes, with what the journal needs to know about it.
struct BitString<'a> {
    bytes: &'a mut Vec<u8>,
    /// The key's deadline, kept by bit writes (0 = none).
    expires_at_ms: u64,
    /// Whether the key was created or lengthened: a change even if no bit flips.
    grown: bool,
}

/// Redis's `lookupStringForBitCommand`: the string at `key`, created or zero-padded so that
/// byte `byte` exists. Keeps the TTL. Callers bounded `byte` by `proto-max-bulk-len`.
/// Refuses, before changing anything, a string too large to journal whole.
fn string_for_bit_write<'a>(
    ctx: &Context<'_>,
    shard: &'a mut Shard,
    hash: u64,
    key: &[u8],
    byte: usize,
) -> Result<BitString<'a>, CommandError> {
    let now_ms = ctx.now_ms;
    let needed = byte.checked_add(1).ok_or(BIT_OFFSET_ERROR)?;
    let key_len = u64::try_from(key.len()).unwrap_or(u64::MAX);
    let existing = write_string(shard, hash, key, now_ms)?
        .map(|entry| (string_of(entry).map_or(0, StrValue::len), entry.expires_at_ms));
    let created = existing.is_none();
    let (current_len, expires_at_ms) = existing.unwrap_or((0, 0));
    let final_len = u64::try_from(needed.max(current_len)).unwrap_or(u64::MAX);
    check_journal_room(ctx, key_len.saturating_add(final_len), 1)?;
    if created {
        let value = StrValue::raw(vec![0u8; needed]);
        shard.insert(hash, Entry::new(key, Value::Str(value)), now_ms);
    }
    let entry = shard.find(hash, key, now_ms).ok_or(CommandError::WrongType)?;
    let bytes = string_mut(entry).ok_or(CommandError::WrongType)?.make_raw();
    let grown = created || bytes.len() < needed;
    if bytes.len() < needed {
        bytes.resize(needed, 0);
    }
    Ok(BitString { bytes, expires_at_ms, grown })
}

/// SETBIT key offset value
pub fn setbit(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let offset = bit_offset(args.get(2), 0, bulk_len_max(ctx))?;
    let bit_error = CommandError::Static("ERR bit is not an integer or out of range");
    let on = match parse_i64(args.get(3)) {
        Some(0) => false,
        Some(1) => true,
        _ => return Err(bit_error),
    };
    let key = args.get(1);
    let hash = hash_key(key);
    let server = ctx.server;
    let mut shard = server.db(ctx.client.db).lock(hash);
    let byte = byte_index(offset)?;
    let target = string_for_bit_write(ctx, &mut shard, hash, key, byte)?;
    let mask = 1u8 << (7 - (offset & 7));
    let Some(slot) = target.bytes.get_mut(byte) else {
        return Err(BIT_OFFSET_ERROR);
    };
    let was_set = *slot & mask != 0;
    if on {
        *slot |= mask;
    } else {
        *slot &= !mask;
    }
    let changed = target.grown || was_set != on;
    if changed {
        journal_put(ctx, key, target.bytes, target.expires_at_ms);
    }
    drop(shard);
    if changed {
        ctx.notify(notify::STRING, "setbit", key);
    }
    ctx.reply.integer(i64::from(was_set));
    Ok(())
}

/// GETBIT key offset
pub fn getbit(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let offset = bit_offset(args.get(2), 0, bulk_len_max(ctx))?;
    let key = args.get(1);
    let hash = hash_key(key);
    let mut shard = ctx.server.db(ctx.client.db).lock(hash);
    let value = read_string(&mut shard, hash, key, ctx.now_ms)?.and_then(|e| string_of(e));
    let set = value.is_some_and(|v| {
        v.with_bytes(|bytes| {
            let byte = usize::try_from(offset >> 3).ok().and_then(|i| bytes.get(i));
            byte.is_some_and(|b| b & (1u8 << (7 - (offset & 7))) != 0)
        })
    });
    ctx.reply.integer(i64::from(set));
    Ok(())
}

/// Whether a range is in bytes or bits (BITCOUNT, BITPOS).
fn unit_is_bit(word: &[u8]) -> Result<bool, CommandError> {
    if is(word, "bit") {
        Ok(true)
    } else if is(word, "byte") {
        Ok(false)
    } else {
        Err(CommandError::Syntax)
    }
}

/// A range resolved to whole bytes `start..=end`, with masks of the bits outside it in the
/// first and last byte (BIT ranges only). Mirrors bitops.c.
struct ByteRange {
    start: i64,
    end: i64,
    first_outside: u8,
    last_outside: u8,
}

/// Resolves Redis's negative-from-the-end indexes of a range over `len` bytes, in bytes or
/// bits, clamped to the string.
fn resolve_range(start: i64, end: i64, len: usize, in_bits: bool) -> ByteRange {
    let bytes = i64::try_from(len).unwrap_or(i64::MAX >> 3);
    let total = if in_bits { bytes << 3 } else { bytes };
    let mut start = if start < 0 { total.saturating_add(start) } else { start }.max(0);
    let mut end = if end < 0 { total.saturating_add(end) } else { end }.max(0);
    if end >= total {
        end = total - 1;
    }
    let (mut first_outside, mut last_outside) = (0u8, 0u8);
    if in_bits && start <= end {
        first_outside = !(0xffu8 >> (start & 7));
        last_outside = 0x7fu8 >> (end & 7);
        start >>= 3;
        end >>= 3;
    }
    ByteRange { start, end, first_outside, last_outside }
}

/// BITCOUNT key [start end [BYTE | BIT]]. As in Redis 7.2 the key comes first: a missing key
/// counts 0 and another type is WRONGTYPE whatever the range says (Redis 8 checks the range
/// first).
pub fn bitcount(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let key = args.get(1);
    let hash = hash_key(key);
    let mut shard = ctx.server.db(ctx.client.db).lock(hash);
    let Some(value) = read_string(&mut shard, hash, key, ctx.now_ms)?.and_then(|e| string_of(e))
    else {
        ctx.reply.integer(0);
        return Ok(());
    };
    let range = match args.len() {
        2 => None,
        4 | 5 => {
            let start = arguments::integer(args.get(2))?;
            let end = arguments::integer(args.get(3))?;
            let in_bits = if args.len() == 5 { unit_is_bit(args.get(4))? } else { false };
            Some((start, end, in_bits))
        }
        _ => return Err(CommandError::Syntax),
    };
    let count = value.with_bytes(|bytes| {
        let range = match range {
            None => resolve_range(0, -1, bytes.len(), false),
            Some((start, end, _)) if start < 0 && end < 0 && start > end => return 0,
            Some((start, end, in_bits)) => resolve_range(start, end, bytes.len(), in_bits),
        };
        count_range(bytes, &range)
    });
    ctx.reply.integer(count);
    Ok(())
}

fn count_range(bytes: &[u8], range: &ByteRange) -> i64 {
    let (Ok(start), Ok(end)) = (usize::try_from(range.start), usize::try_from(range.end)) else {
        return 0;
    };
    let Some(slice) = bytes.get(start..=end) else {
        return 0;
    };
    let mut count: u64 = slice.iter().map(|b| u64::from(b.count_ones())).sum();
    if let Some(first) = slice.first() {
        count -= u64::from((first & range.first_outside).count_ones());
    }
    if let Some(last) = slice.last() {
        count -= u64::from((last & range.last_outside).count_ones());
    }
    i64::try_from(count).unwrap_or(i64::MAX)
}

/// Redis's `redisBitpos`: the first bit equal to `bit` in `bytes`; when there is none, -1 for
/// a 1 and the bit just past the end for a 0 (the string is padded with zeros on the right).
fn first_bit(bytes: &[u8], bit: bool) -> i64 {
    let skip = if bit { 0x00 } else { 0xff };
    for (index, &byte) in bytes.iter().enumerate() {
        if byte != skip {
            let inner = if bit { byte.leading_zeros() } else { byte.leading_ones() };
            let index = i64::try_from(index).unwrap_or(i64::MAX >> 3);
            return (index << 3) + i64::from(inner);
        }
    }
    if bit {
        -1
    } else {
        i64::try_from(bytes.len()).unwrap_or(i64::MAX >> 3) << 3
    }
}

/// BITPOS key bit [start [end [BYTE | BIT]]]. As in Redis 7.2: the bit, then the key (a
/// missing key answers at once, another type is WRONGTYPE), then the range.
pub fn bitpos(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let bit = match arguments::integer(args.get(2))? {
        0 => false,
        1 => true,
        _ => return Err(CommandError::Static("ERR The bit argument must be 1 or 0.")),
    };
    let key = args.get(1);
    let hash = hash_key(key);
    let mut shard = ctx.server.db(ctx.client.db).lock(hash);
    let Some(value) = read_string(&mut shard, hash, key, ctx.now_ms)?.and_then(|e| string_of(e))
    else {
        // A missing key is an endless run of zeros.
        ctx.reply.integer(if bit { -1 } else { 0 });
        return Ok(());
    };
    let range = match args.len() {
        3 => None,
        4..=6 => {
            let start = arguments::integer(args.get(3))?;
            let in_bits = if args.len() == 6 { unit_is_bit(args.get(5))? } else { false };
            let end = if args.len() >= 5 { Some(arguments::integer(args.get(4))?) } else { None };
            Some((start, end, in_bits))
        }
        _ => return Err(CommandError::Syntax),
    };
    let end_given = matches!(range, Some((_, Some(_), _)));
    let position = value.with_bytes(|bytes| {
        let resolved = match range {
            None => resolve_range(0, -1, bytes.len(), false),
            Some((start, end, in_bits)) => {
                resolve_range(start, end.unwrap_or(-1), bytes.len(), in_bits)
            }
        };
        search_range(bytes, &resolved, bit, end_given)
    });
    ctx.reply.integer(position);
    Ok(())
}

/// The search part of bitops.c's BITPOS over a resolved range, first and last partial bytes
/// included.
fn search_range(bytes: &[u8], range: &ByteRange, bit: bool, end_given: bool) -> i64 {
    if range.start > range.end {
        return -1;
    }
    let (Ok(mut start), Ok(end)) = (usize::try_from(range.start), usize::try_from(range.end))
    else {
        return -1;
    };
    let byte_at = |i: usize| bytes.get(i).copied().unwrap_or(0);
    let mut count = end - start + 1;
    // Masks the bits outside the range so they cannot match.
    let masked = |byte: u8, outside: u8| if bit { byte & !outside } else { byte | outside };
    let position = 'found: {
        if range.first_outside != 0 {
            let mut byte = masked(byte_at(start), range.first_outside);
            if range.last_outside != 0 && count == 1 {
                byte = masked(byte, range.last_outside);
            }
            let position = first_bit(&[byte], bit);
            if count == 1 || (position != -1 && position != 8) {
                break 'found position;
            }
            start += 1;
            count -= 1;
        }
        let whole = count - usize::from(range.last_outside != 0);
        if whole > 0 {
            let position = first_bit(bytes.get(start..start + whole).unwrap_or(&[]), bit);
            let past_end = i64::try_from(whole).unwrap_or(i64::MAX >> 3) << 3;
            if count == whole || (position != -1 && position != past_end) {
                break 'found position;
            }
            start += whole;
            count -= whole;
        }
        first_bit(&[masked(byte_at(end), range.last_outside)], bit)
    };
    // With an explicit end, the bits past the range are not zeros we may report.
    let count_bits = i64::try_from(count).unwrap_or(i64::MAX >> 3) << 3;
    if end_given && !bit && position == count_bits {
        return -1;
    }
    if position == -1 {
        return -1;
    }
    position + (i64::try_from(start).unwrap_or(0) << 3)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BitOp {
    And,
    Or,
    Xor,
    Not,
}

/// BITOP <AND | OR | XOR | NOT> destkey key [key ...]
pub fn bitop(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let name = args.get(1);
    let op = if is(name, "and") {
        BitOp::And
    } else if is(name, "or") {
        BitOp::Or
    } else if is(name, "xor") {
        BitOp::Xor
    } else if is(name, "not") {
        BitOp::Not
    } else {
        return Err(CommandError::Syntax);
    };
    if op == BitOp::Not && args.len() != 4 {
        return Err(CommandError::Static("ERR BITOP NOT must be called with a single source key."));
    }
    let destination = args.get(2);
    let destination_hash = hash_key(destination);
    let hashes: Vec<u64> = args.iter().skip(3).map(hash_key).collect();
    let server = ctx.server;
    let db = server.db(ctx.client.db);
    let mut shards = db.lock_keys(hashes.iter().copied().chain([destination_hash]));
    let now_ms = ctx.now_ms;
    // The sources are read in place, never copied: a key named N times must not cost N
    // copies of it. The first pass checks types (and counts hits, one per source as Redis's
    // lookupKeyRead); the second folds each source into the result.
    let mut longest = 0usize;
    for (i, &hash) in hashes.iter().enumerate() {
        let entry = read_string(shards.shard(hash), hash, args.get(3 + i), now_ms)?;
        longest = longest.max(entry.and_then(|e| string_of(e)).map_or(0, StrValue::len));
    }
    let destination_len = u64::try_from(destination.len()).unwrap_or(u64::MAX);
    let result_len = u64::try_from(longest).unwrap_or(u64::MAX);
    check_journal_room(ctx, destination_len.saturating_add(result_len), 1)?;
    let mut result = vec![0u8; longest];
    for (i, &hash) in hashes.iter().enumerate() {
        let entry = shards.shard(hash).find(hash, args.get(3 + i), now_ms);
        match entry.and_then(|e| string_of(e)) {
            Some(value) => value.with_bytes(|bytes| fold_source(op, i == 0, &mut result, bytes)),
            None => fold_source(op, i == 0, &mut result, &[]),
        }
    }
    let shard = shards.shard(destination_hash);
    let len = result.len();
    if result.is_empty() {
        if shard.remove(destination_hash, destination, now_ms).is_some() {
            journal_delete(ctx, destination);
            ctx.notify(notify::GENERIC, "del", destination);
        }
    } else {
        let entry = Entry::new(destination, Value::Str(StrValue::raw(result)));
        shard.insert(destination_hash, entry, now_ms);
        // The result moved into the entry; a second probe lends it to the journal.
        let stored = shard.find(destination_hash, destination, now_ms);
        if let Some(value) = stored.and_then(|e| string_of(e)) {
            value.with_bytes(|bytes| journal_put(ctx, destination, bytes, 0));
        }
        ctx.notify(notify::STRING, "set", destination);
    }
    drop(shards);
    ctx.reply.integer(i64::try_from(len).unwrap_or(i64::MAX));
    Ok(())
}

/// Folds one BITOP source into `result`, which is as long as the longest source and starts
/// zeroed; missing keys are empty strings, and shorter strings are padded with zeros.
fn fold_source(op: BitOp, first: bool, result: &mut [u8], source: &[u8]) {
    if first || op == BitOp::Not {
        for (out, &byte) in result.iter_mut().zip(source) {
            *out = byte;
        }
        if op == BitOp::Not {
            result.iter_mut().for_each(|b| *b = !*b);
        }
        return;
    }
    match op {
        BitOp::And => {
            for (i, out) in result.iter_mut().enumerate() {
                *out &= source.get(i).copied().unwrap_or(0);
            }
        }
        BitOp::Or => result.iter_mut().zip(source).for_each(|(out, &byte)| *out |= byte),
        BitOp::Xor => result.iter_mut().zip(source).for_each(|(out, &byte)| *out ^= byte),
        BitOp::Not => {}
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Overflow {
    Wrap,
    Sat,
    Fail,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FieldOpKind {
    Get,
    Set,
    IncrBy,
}

/// One parsed BITFIELD operation.
#[derive(Clone, Copy)]
struct FieldOp {
    kind: FieldOpKind,
    signed: bool,
    bits: u32,
    offset: u64,
    value: i64,
    overflow: Overflow,
}

/// A BITFIELD type: `i1`..`i64` or `u1`..`u63` (lowercase prefix only, as Redis).
fn field_type(argument: &[u8]) -> Result<(bool, u32), CommandError> {
    let error = CommandError::Static(
        "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.",
    );
    let (signed, digits) = match argument.split_first() {
        Some((b'i', rest)) => (true, rest),
        Some((b'u', rest)) => (false, rest),
        _ => return Err(error),
    };
    let bits = parse_i64(digits).ok_or(error.clone())?;
    let max = if signed { 64 } else { 63 };
    if !(1..=max).contains(&bits) {
        return Err(error);
    }
    Ok((signed, u32::try_from(bits).map_err(|_| error)?))
}

/// Parses every BITFIELD operation before anything runs, as Redis does.
fn parse_field_ops(args: Args<'_>, bulk_len_max: u64) -> Result<Vec<FieldOp>, CommandError> {
    let mut ops = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut i = 2;
    while i < args.len() {
        let word = args.get(i);
        let remaining = args.len() - i - 1;
        let kind = if is(word, "get") && remaining >= 2 {
            FieldOpKind::Get
        } else if is(word, "set") && remaining >= 3 {
            FieldOpKind::Set
        } else if is(word, "incrby") && remaining >= 3 {
            FieldOpKind::IncrBy
        } else if is(word, "overflow") && remaining >= 1 {
            let mode = args.get(i + 1);
            overflow = if is(mode, "wrap") {
                Overflow::Wrap
            } else if is(mode, "sat") {
                Overflow::Sat
            } else if is(mode, "fail") {
                Overflow::Fail
            } else {
                return Err(CommandError::Static("ERR Invalid OVERFLOW type specified"));
            };
            i += 2;
            continue;
        } else {
            return Err(CommandError::Syntax);
        };
        let (signed, bits) = field_type(args.get(i + 1))?;
        let offset = bit_offset(args.get(i + 2), bits, bulk_len_max)?;
        let value = if kind == FieldOpKind::Get { 0 } else { arguments::integer(args.get(i + 3))? };
        ops.push(FieldOp { kind, signed, bits, offset, value, overflow });
        i += if kind == FieldOpKind::Get { 3 } else { 4 };
    }
    Ok(ops)
}

/// BITFIELD key [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>]
/// <SET encoding offset value | INCRBY encoding offset increment> ...]
pub fn bitfield(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    bitfield_generic(ctx, args, false)
}

/// BITFIELD_RO key [GET encoding offset [GET encoding offset ...]]
pub fn bitfield_ro(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    bitfield_generic(ctx, args, true)
}

fn bitfield_generic(ctx: &mut Context<'_>, args: Args<'_>, read_only: bool) -> CommandResult {
    let ops = parse_field_ops(args, bulk_len_max(ctx))?;
    let highest_write = ops
        .iter()
        .filter(|op| op.kind != FieldOpKind::Get)
        .map(|op| op.offset + u64::from(op.bits) - 1)
        .max();
    let key = args.get(1);
    let hash = hash_key(key);
    let server = ctx.server;
    let mut shard = server.db(ctx.client.db).lock(hash);
    let now_ms = ctx.now_ms;
    let Some(highest_write) = highest_write else {
        // Only reads: the key is neither created nor required.
        let value = read_string(&mut shard, hash, key, now_ms)?.and_then(|e| string_of(e));
        ctx.reply.array(ops.len());
        let mut reply_all = |bytes: &[u8]| {
            for op in &ops {
                ctx.reply.integer(get_field(bytes, op));
            }
        };
        match value {
            Some(value) => value.with_bytes(reply_all),
            None => reply_all(&[]),
        }
        return Ok(());
    };
    if read_only {
        return Err(CommandError::Static("ERR BITFIELD_RO only supports the GET subcommand"));
    }
    // The last offset written is below proto-max-bulk-len bytes plus one field, as in Redis.
    let target = string_for_bit_write(ctx, &mut shard, hash, key, byte_index(highest_write)?)?;
    let mut changed = target.grown;
    // Redis's `changes`: a SET or INCRBY applied to a string it grew, or that changed its
    // field. Only then is the key signalled (WATCH, tracking) and `setbit` published: not for
    // a write of the value the field held, nor for growth alone.
    let mut signalled = false;
    ctx.reply.array(ops.len());
    for op in &ops {
        match op.kind {
            FieldOpKind::Get => ctx.reply.integer(get_field(target.bytes, op)),
            FieldOpKind::Set | FieldOpKind::IncrBy => match write_field(target.bytes, op) {
                Some((reply, field_changed)) => {
                    changed |= field_changed;
                    signalled |= field_changed || target.grown;
                    ctx.reply.integer(reply);
                }
                // OVERFLOW FAIL: this field is left as it was.
                None => ctx.reply.null(),
            },
        }
    }
    if signalled {
        journal_put(ctx, key, target.bytes, target.expires_at_ms);
    } else if changed {
        // Growth alone (every write refused by OVERFLOW FAIL): Redis neither signals nor
        // propagates it; memory changed, so it is journaled, silently.
        journal_put_unsignalled(ctx, key, target.bytes, target.expires_at_ms);
    }
    drop(shard);
    if signalled {
        ctx.notify(notify::STRING, "setbit", key);
    }
    Ok(())
}

/// Reads `bits` bits at bit `offset`, most significant first; bits past the end are zeros.
fn get_unsigned(bytes: &[u8], offset: u64, bits: u32) -> u64 {
    let mut value = 0u64;
    for i in 0..u64::from(bits) {
        let position = offset + i;
        let byte = usize::try_from(position >> 3).ok().and_then(|b| bytes.get(b)).copied();
        let bit = byte.map_or(0, |b| (b >> (7 - (position & 7))) & 1);
        value = (value << 1) | u64::from(bit);
    }
    value
}

fn get_signed(bytes: &[u8], offset: u64, bits: u32) -> i64 {
    let mut value = get_unsigned(bytes, offset, bits);
    if bits < 64 && value & (1u64 << (bits - 1)) != 0 {
        value |= u64::MAX << bits;
    }
    i64::from_ne_bytes(value.to_ne_bytes())
}

/// Writes the low `bits` bits of `value` at bit `offset` (the bytes exist: the string was
/// grown to the highest written bit).
fn set_unsigned(bytes: &mut [u8], offset: u64, bits: u32, value: u64) {
    for i in 0..u64::from(bits) {
        let bit = (value >> (u64::from(bits) - 1 - i)) & 1;
        let position = offset + i;
        let mask = 1u8 << (7 - (position & 7));
        let byte = usize::try_from(position >> 3).ok().and_then(|b| bytes.get_mut(b));
        if let Some(byte) = byte {
            if bit == 1 {
                *byte |= mask;
            } else {
                *byte &= !mask;
            }
        }
    }
}

fn get_field(bytes: &[u8], op: &FieldOp) -> i64 {
    if op.signed {
        get_signed(bytes, op.offset, op.bits)
    } else {
        // u63 at most, so the value fits.
        i64::try_from(get_unsigned(bytes, op.offset, op.bits)).unwrap_or(i64::MAX)
    }
}

/// Runs a SET or INCRBY: the reply value and whether the field's value changed, or None when
/// OVERFLOW FAIL refused the write.
fn write_field(bytes: &mut [u8], op: &FieldOp) -> Option<(i64, bool)> {
    let increment = op.kind == FieldOpKind::IncrBy;
    if op.signed {
        let old = get_signed(bytes, op.offset, op.bits);
        let (base, delta) = if increment { (old, op.value) } else { (op.value, 0) };
        let (overflowed, limited) = signed_overflow(base, delta, op.bits, op.overflow);
        if overflowed && op.overflow == Overflow::Fail {
            return None;
        }
        let new = if overflowed { limited } else { base.wrapping_add(delta) };
        set_unsigned(bytes, op.offset, op.bits, u64::from_ne_bytes(new.to_ne_bytes()));
        Some((if increment { new } else { old }, new != old))
    } else {
        let old = get_unsigned(bytes, op.offset, op.bits);
        let value = u64::from_ne_bytes(op.value.to_ne_bytes());
        let (base, delta) = if increment { (old, op.value) } else { (value, 0) };
        let (overflowed, limited) = unsigned_overflow(base, delta, op.bits, op.overflow);
        if overflowed && op.overflow == Overflow::Fail {
            return None;
        }
        let new = if overflowed { limited } else { base.wrapping_add_signed(delta) };
        set_unsigned(bytes, op.offset, op.bits, new);
        let reply = if increment { new } else { old };
        Some((i64::try_from(reply).unwrap_or(i64::MAX), new != old))
    }
}

/// bitops.c's `checkUnsignedBitfieldOverflow`: whether `value + increment` leaves a `bits`-wide
/// unsigned field, and the wrapped or saturated result to store instead.
fn unsigned_overflow(value: u64, increment: i64, bits: u32, mode: Overflow) -> (bool, u64) {
    let max = if bits == 64 { u64::MAX } else { (1u64 << bits) - 1 };
    let wrapped = || {
        let mask = if bits == 64 { 0 } else { u64::MAX << bits };
        value.wrapping_add_signed(increment) & !mask
    };
    let max_increment = i64::from_ne_bytes(max.wrapping_sub(value).to_ne_bytes());
    let min_increment = i64::from_ne_bytes(value.wrapping_neg().to_ne_bytes());
    if value > max || (increment > 0 && increment > max_increment) {
        (true, if mode == Overflow::Sat { max } else { wrapped() })
    } else if increment < 0 && increment < min_increment {
        (true, if mode == Overflow::Sat { 0 } else { wrapped() })
    } else {
        (false, 0)
    }
}

/// bitops.c's `checkSignedBitfieldOverflow`, for a `bits`-wide two's complement field.
fn signed_overflow(value: i64, increment: i64, bits: u32, mode: Overflow) -> (bool, i64) {
    let max = if bits == 64 { i64::MAX } else { (1i64 << (bits - 1)) - 1 };
    let min = -max - 1;
    let wrapped = || {
        let sum = value.wrapping_add(increment);
        if bits == 64 {
            return sum;
        }
        let sum = u64::from_ne_bytes(sum.to_ne_bytes());
        let mask = u64::MAX << bits;
        let sign = 1u64 << (bits - 1);
        let fixed = if sum & sign != 0 { sum | mask } else { sum & !mask };
        i64::from_ne_bytes(fixed.to_ne_bytes())
    };
    let max_increment = max.wrapping_sub(value);
    let min_increment = min.wrapping_sub(value);
    if value > max
        || (bits != 64 && increment > max_increment)
        || (value >= 0 && increment > 0 && increment > max_increment)
    {
        (true, if mode == Overflow::Sat { max } else { wrapped() })
    } else if value < min
        || (bits != 64 && increment < min_increment)
        || (value < 0 && increment < 0 && increment < min_increment)
    {
        (true, if mode == Overflow::Sat { min } else { wrapped() })
    } else {
        (false, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overflow_rules_match_bitops_c() {
        assert_eq!(unsigned_overflow(255, 1, 8, Overflow::Wrap), (true, 0));
        assert_eq!(unsigned_overflow(255, 1, 8, Overflow::Sat), (true, 255));
        assert_eq!(unsigned_overflow(0, -1, 8, Overflow::Sat), (true, 0));
        assert_eq!(unsigned_overflow(0, -1, 8, Overflow::Wrap), (true, 255));
        assert_eq!(unsigned_overflow(u64::MAX, 0, 8, Overflow::Sat), (true, 255));
        assert_eq!(signed_overflow(127, 1, 8, Overflow::Wrap), (true, -128));
        assert_eq!(signed_overflow(-128, -1, 8, Overflow::Sat), (true, -128));
        assert_eq!(signed_overflow(200, 0, 8, Overflow::Wrap), (true, -56));
        assert_eq!(signed_overflow(i64::MAX, 1, 64, Overflow::Wrap), (true, i64::MIN));
        assert_eq!(signed_overflow(i64::MAX, 1, 64, Overflow::Sat), (true, i64::MAX));
        assert_eq!(signed_overflow(5, -3, 4, Overflow::Fail), (false, 0));
    }

    #[test]
    fn bitop_folds_like_bitops_c() {
        let fold = |op: BitOp, sources: &[&[u8]]| {
            let longest = sources.iter().map(|s| s.len()).max().unwrap_or(0);
            let mut result = vec![0u8; longest];
            for (i, source) in sources.iter().enumerate() {
                fold_source(op, i == 0, &mut result, source);
            }
            result
        };
        assert_eq!(fold(BitOp::And, &[b"\xff\xff", b"\x0f"]), b"\x0f\x00");
        assert_eq!(fold(BitOp::And, &[b"", b"\xff"]), b"\x00");
        assert_eq!(fold(BitOp::Or, &[b"\x01", b"\x10\x20"]), b"\x11\x20");
        assert_eq!(fold(BitOp::Xor, &[b"\xff", b"\x0f", b"\x0f"]), b"\xff");
        assert_eq!(fold(BitOp::Not, &[b"\x0f\xf0"]), b"\xf0\x0f");
    }

    #[test]
    fn fields_read_and_write_most_significant_bit_first() {
        let mut bytes = vec![0u8; 3];
        set_unsigned(&mut bytes, 4, 8, 0xab);
        assert_eq!(bytes, vec![0x0a, 0xb0, 0]);
        assert_eq!(get_unsigned(&bytes, 4, 8), 0xab);
        assert_eq!(get_signed(&bytes, 4, 4), -6);
        assert_eq!(get_unsigned(&bytes, 20, 8), 0);
    }
}
