//! HyperLogLog: PFADD, PFCOUNT, PFMERGE, PFDEBUG and PFSELFTEST. As in Redis, a HyperLogLog
//! is a string in Redis's own layout, byte for byte (so GET, SET, DUMP and RESTORE carry it
//! between AllyDB and redis-server): a 16-byte header (`HYLL`, the encoding, three unused
//! bytes, the cached cardinality in 8 little-endian bytes whose top bit marks it stale), then
//! 16,384 registers, either dense (6 bits each, 12,288 bytes) or sparse (run-length opcodes:
//! ZERO `00xxxxxx`, XZERO `01xxxxxx yyyyyyyy`, VAL `1vvvvvxx`), sparse until a register
//! needs more than 32 or the string would grow past `hll-sparse-max-bytes`. Elements hash
//! with Redis's MurmurHash64A and the cardinality is Ertl's improved estimator, so every
//! count and every byte equals redis-server's. Each change is journaled as a PUT of the whole
//! string; PFCOUNT's cache update too, as Redis propagates it.

use super::arguments::is;
use super::errors::{CommandError, CommandResult};
use std::fmt::Write as _;

use super::strings::{check_journal_room, journal_put, journal_put_unsignalled, string_mut};
use super::table::{flags::*, key_flags::*, spec, CommandSpec, KeySpan, KeySpec};
use super::Context;
use crate::protocol::Args;
use crate::server::notify;
use crate::store::{hash_key, Entry, Shard, StrValue, Value};

const G: &str = "hyperloglog";

/// Register index bits: 2^14 registers.
const P: u32 = 14;
const REGISTERS: usize = 1 << P;
/// Hash bits left for the run of zeros: runs are at most Q + 1 long.
const Q: u32 = 64 - P;
const REGISTER_MAX: u8 = 63;
const HEADER_BYTES: usize = 16;
const DENSE_BYTES: usize = HEADER_BYTES + (REGISTERS * 6).div_ceil(8);
const DENSE: u8 = 0;
const SPARSE: u8 = 1;
/// The cached cardinality's bytes in the header; the top bit of the last marks it stale.
const CACHE: std::ops::Range<usize> = 8..16;
const SPARSE_VAL_MAX_VALUE: u8 = 32;
const SPARSE_VAL_MAX_LEN: usize = 4;
const SPARSE_ZERO_MAX_LEN: usize = 64;
const SPARSE_XZERO_MAX_LEN: usize = 16384;
/// 0.5 / ln 2, the estimator's constant for infinitely many registers.
const ALPHA_INF: f64 = 0.721_347_520_444_481_7;
const SEED: u64 = 0xadc8_3b19;

const NOT_HLL: &str = "WRONGTYPE Key is not a valid HyperLogLog string value.";
const CORRUPTED: &str = "INVALIDOBJ Corrupted HLL object detected";

pub static COMMANDS: &[CommandSpec] = &[
    spec("pfadd", -2, WRITE | DENYOOM | FAST, KeySpan::ONE, G, pfadd)
        .key_flags(RW | INSERT)
        .doc(
            "2.8.9",
            "Adds elements to a HyperLogLog key. Creates the key if it doesn't exist.",
            "O(1) to add every element.",
            "key [element [element ...]]",
        ),
    spec("pfcount", -2, READONLY | MAY_REPLICATE, KeySpan::ALL, G, pfcount)
        .key_specs(&[KeySpec::range(1, -1, 1, RW | ACCESS).notes(
            "RW because it may change the internal representation of the key, and propagate to replicas",
        )])
        .doc(
            "2.8.9",
            "Returns the approximated cardinality of the set(s) observed by the HyperLogLog key(s).",
            "O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.",
            "key [key ...]",
        ),
    spec("pfdebug", 3, WRITE | DENYOOM | ADMIN, KeySpan { first: 2, last: 2, step: 1 }, G, pfdebug)
        .key_flags(RW | ACCESS)
        .doc(
            "2.8.9",
            "Internal commands for debugging HyperLogLog values.",
            "N/A",
            "subcommand key",
        ),
    spec("pfmerge", -2, WRITE | DENYOOM, KeySpan::ALL, G, pfmerge)
        .key_specs(&[
            KeySpec::one(1, RW | ACCESS | INSERT),
            KeySpec::range(2, -1, 1, RO | ACCESS),
        ])
        .doc(
            "2.8.9",
            "Merges one or more HyperLogLog values into a single key.",
            "O(N) to merge N HyperLogLogs, but with high constant times.",
            "destkey [sourcekey [sourcekey ...]]",
        ),
    spec("pfselftest", 1, ADMIN, KeySpan::NONE, G, pfselftest).doc(
        "2.8.9",
        "An internal command for testing HyperLogLog values.",
        "N/A",
        "",
    ),
];

// ------------------------------------------------------------------------------- hashing

/// MurmurHash2, 64-bit (MurmurHash64A), reading words little-endian as Redis does on every
/// architecture.
fn murmur_hash_64a(key: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    // Redis multiplies the length as an int: lengths here are below 2^31.
    let mut h = seed ^ (key.len() as u64).wrapping_mul(M);
    let mut words = key.chunks_exact(8);
    for word in &mut words {
        let mut buffer = [0u8; 8];
        buffer.copy_from_slice(word);
        let mut k = u64::from_le_bytes(buffer);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = words.remainder();
    if !tail.is_empty() {
        for (i, &byte) in tail.iter().enumerate().rev() {
            h ^= u64::from(byte) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// The register an element falls in, and the length of the `000...1` run of its hash's
/// remaining bits (1 to Q + 1).
fn pattern(element: &[u8]) -> (usize, u8) {
    let hash = murmur_hash_64a(element, SEED);
    // The mask keeps the index below REGISTERS.
    let index = (hash & (REGISTERS as u64 - 1)) as usize;
    let rest = (hash >> P) | (1u64 << Q);
    // At most Q + 1 = 51: the bit set above keeps the count in range.
    (index, rest.trailing_zeros() as u8 + 1)
}

// ------------------------------------------------------------------------------- layout

/// A new, empty HyperLogLog: sparse, one XZERO covering every register, cache 0 and valid.
fn new_sparse() -> Vec<u8> {
    let mut bytes = vec![0u8; HEADER_BYTES];
    bytes[..4].copy_from_slice(b"HYLL");
    bytes[4] = SPARSE;
    let mut left = REGISTERS;
    while left > 0 {
        let run = left.min(SPARSE_XZERO_MAX_LEN);
        push_xzero(&mut bytes, run);
        left -= run;
    }
    bytes
}

/// Whether `bytes` is a HyperLogLog as Redis's `isHLLObjectOrReply` checks it.
fn is_hll(bytes: &[u8]) -> bool {
    bytes.len() >= HEADER_BYTES
        && bytes.starts_with(b"HYLL")
        && bytes[4] <= SPARSE
        && (bytes[4] != DENSE || bytes.len() == DENSE_BYTES)
}

fn is_cache_valid(bytes: &[u8]) -> bool {
    bytes[CACHE.end - 1] & 0x80 == 0
}

fn invalidate_cache(bytes: &mut [u8]) {
    bytes[CACHE.end - 1] |= 0x80;
}

fn cached(bytes: &[u8]) -> u64 {
    let mut card = [0u8; 8];
    card.copy_from_slice(&bytes[CACHE]);
    u64::from_le_bytes(card)
}

fn dense_get(registers: &[u8], index: usize) -> u8 {
    let bit = index * 6;
    let (byte, shift) = (bit / 8, bit % 8);
    let b0 = u16::from(registers.get(byte).copied().unwrap_or(0));
    let b1 = u16::from(registers.get(byte + 1).copied().unwrap_or(0));
    // Six bits: the mask keeps them.
    (((b0 >> shift) | (b1 << (8 - shift))) & u16::from(REGISTER_MAX)) as u8
}

fn dense_set(registers: &mut [u8], index: usize, value: u8) {
    let bit = index * 6;
    let (byte, shift) = (bit / 8, bit % 8);
    let both = (u16::from(value & REGISTER_MAX)) << shift;
    let mask = u16::from(REGISTER_MAX) << shift;
    if let Some(b0) = registers.get_mut(byte) {
        *b0 = (*b0 & !(mask as u8)) | both as u8;
    }
    if let Some(b1) = registers.get_mut(byte + 1) {
        *b1 = (*b1 & !((mask >> 8) as u8)) | (both >> 8) as u8;
    }
}

/// Raises dense register `index` to `count`; true if it changed.
fn dense_raise(registers: &mut [u8], index: usize, count: u8) -> bool {
    if count > dense_get(registers, index) {
        dense_set(registers, index, count);
        true
    } else {
        false
    }
}

/// One sparse opcode: a run of `len` registers holding `value` (0 for ZERO and XZERO), and
/// its size in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Opcode {
    value: u8,
    len: usize,
    bytes: usize,
    is_xzero: bool,
}

/// The opcode at the start of `bytes` (not empty).
fn opcode(bytes: &[u8]) -> Opcode {
    let first = bytes[0];
    if first & 0x80 != 0 {
        let value = ((first >> 2) & 0x1f) + 1;
        Opcode { value, len: usize::from(first & 0x3) + 1, bytes: 1, is_xzero: false }
    } else if first & 0x40 != 0 {
        let low = usize::from(bytes.get(1).copied().unwrap_or(0));
        let len = ((usize::from(first & 0x3f) << 8) | low) + 1;
        Opcode { value: 0, len, bytes: 2, is_xzero: true }
    } else {
        Opcode { value: 0, len: usize::from(first & 0x3f) + 1, bytes: 1, is_xzero: false }
    }
}

/// Every opcode of a sparse body, in order, with its offset in `body`.
fn opcodes(body: &[u8]) -> impl Iterator<Item = (usize, Opcode)> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        let op = opcode(body.get(at..).filter(|rest| !rest.is_empty())?);
        let here = at;
        at += op.bytes;
        Some((here, op))
    })
}

fn val_byte(value: u8, len: usize) -> u8 {
    // value in 1..=32 and len in 1..=4: both fit their fields.
    0x80 | ((value - 1) << 2) | (len as u8 - 1)
}

fn push_zero_run(out: &mut Vec<u8>, len: usize) {
    if len > SPARSE_ZERO_MAX_LEN {
        push_xzero(out, len);
    } else {
        // len in 1..=64.
        out.push(len as u8 - 1);
    }
}

fn push_xzero(out: &mut Vec<u8>, len: usize) {
    let l = len - 1;
    // len in 1..=16384: fourteen bits.
    out.push(((l >> 8) as u8 & 0x3f) | 0x40);
    out.push((l & 0xff) as u8);
}

/// The registers of a sparse HyperLogLog, each raised to at least its value in `max` (which
/// starts as the registers of others); Err if the opcodes do not cover exactly 16,384.
fn sparse_merge_into(body: &[u8], max: &mut [u8; REGISTERS]) -> Result<(), ()> {
    let mut index = 0usize;
    for (_, op) in opcodes(body) {
        if index + op.len > REGISTERS {
            return Err(());
        }
        if op.value != 0 {
            let slots = max.get_mut(index..index + op.len).ok_or(())?;
            for slot in slots {
                *slot = (*slot).max(op.value);
            }
        }
        index += op.len;
    }
    if index == REGISTERS {
        Ok(())
    } else {
        Err(())
    }
}

/// The registers of a HyperLogLog as one byte each, raised into `max` (Redis's `hllMerge`).
fn merge_into(bytes: &[u8], max: &mut [u8; REGISTERS]) -> Result<(), ()> {
    let body = &bytes[HEADER_BYTES..];
    if bytes[4] == DENSE {
        for (i, slot) in max.iter_mut().enumerate() {
            *slot = (*slot).max(dense_get(body, i));
        }
        Ok(())
    } else {
        sparse_merge_into(body, max)
    }
}

/// Converts a sparse HyperLogLog to dense in place, keeping the header (cache included).
fn to_dense(bytes: &mut Vec<u8>) -> Result<(), ()> {
    if bytes[4] == DENSE {
        return Ok(());
    }
    let mut dense = vec![0u8; DENSE_BYTES];
    dense[..HEADER_BYTES].copy_from_slice(&bytes[..HEADER_BYTES]);
    dense[4] = DENSE;
    let mut index = 0usize;
    for (_, op) in opcodes(&bytes[HEADER_BYTES..]) {
        if op.value != 0 {
            if index + op.len > REGISTERS {
                return Err(());
            }
            for i in index..index + op.len {
                dense_set(&mut dense[HEADER_BYTES..], i, op.value);
            }
        }
        index += op.len;
    }
    if index != REGISTERS {
        return Err(());
    }
    *bytes = dense;
    Ok(())
}

/// Raises register `index` of a sparse HyperLogLog to `count`, rewriting the opcode that
/// covers it exactly as Redis's `hllSparseSet` does (split, then merge equal neighbours), or
/// promoting to dense when `count` exceeds 32 or the string would outgrow `max_bytes`.
/// Ok(true) if the register changed.
fn sparse_raise(
    bytes: &mut Vec<u8>,
    index: usize,
    count: u8,
    max_bytes: usize,
) -> Result<bool, ()> {
    if count > SPARSE_VAL_MAX_VALUE {
        return promote(bytes, index, count);
    }
    // Step 1: the opcode covering `index`, its first register, and the one before it.
    let body = &bytes[HEADER_BYTES..];
    let mut first = 0usize;
    let mut previous: Option<usize> = None;
    let mut found = None;
    for (at, op) in opcodes(body) {
        if index < first + op.len {
            found = Some((at, op));
            break;
        }
        previous = Some(at);
        first += op.len;
    }
    let Some((at, op)) = found else { return Err(()) };
    let at = HEADER_BYTES + at;
    // An XZERO cut after its first byte (reads see a 0 there, as Redis's do past the end of
    // its string) cannot be rewritten.
    if at + op.bytes > bytes.len() {
        return Err(());
    }
    // Step 2: cases A and B (a VAL opcode), C (a ZERO of one register), D (a split).
    let is_val = op.value != 0;
    if is_val && op.value >= count {
        return Ok(false);
    }
    if (is_val || !op.is_xzero) && op.len == 1 {
        bytes[at] = val_byte(count, 1);
    } else {
        let last = first + op.len - 1;
        let mut sequence = Vec::with_capacity(5);
        if is_val {
            if index != first {
                sequence.push(val_byte(op.value, index - first));
            }
            sequence.push(val_byte(count, 1));
            if index != last {
                sequence.push(val_byte(op.value, last - index));
            }
        } else {
            if index != first {
                push_zero_run(&mut sequence, index - first);
            }
            sequence.push(val_byte(count, 1));
            if index != last {
                push_zero_run(&mut sequence, last - index);
            }
        }
        // Step 3: the new sequence replaces the opcode, unless it makes the string too big.
        if sequence.len() > op.bytes && bytes.len() + sequence.len() - op.bytes > max_bytes {
            return promote(bytes, index, count);
        }
        bytes.splice(at..at + op.bytes, sequence);
    }
    // Step 4: merge adjacent VAL opcodes of one value, scanning 5 opcodes from the previous.
    let mut p = HEADER_BYTES + previous.unwrap_or(0);
    let mut scans = 5;
    while p < bytes.len() && scans > 0 {
        scans -= 1;
        let current = bytes[p];
        if current & 0xc0 == 0x40 {
            p += 2;
            continue;
        }
        if current & 0x80 == 0 {
            p += 1;
            continue;
        }
        if let Some(&next) = bytes.get(p + 1) {
            if next & 0x80 != 0 {
                let (a, b) = (opcode(&bytes[p..]), opcode(&bytes[p + 1..]));
                let len = a.len + b.len;
                if a.value == b.value && len <= SPARSE_VAL_MAX_LEN {
                    bytes[p + 1] = val_byte(a.value, len);
                    bytes.remove(p);
                    continue;
                }
            }
        }
        p += 1;
    }
    invalidate_cache(bytes);
    Ok(true)
}

/// Converts to dense, then raises the register (Redis's `promote:` path).
fn promote(bytes: &mut Vec<u8>, index: usize, count: u8) -> Result<bool, ()> {
    to_dense(bytes)?;
    dense_raise(&mut bytes[HEADER_BYTES..], index, count);
    Ok(true)
}

/// Adds one element; Ok(true) if a register changed (Redis's `hllAdd`).
fn add(bytes: &mut Vec<u8>, element: &[u8], max_bytes: usize) -> Result<bool, ()> {
    let (index, count) = pattern(element);
    match bytes[4] {
        DENSE => Ok(dense_raise(&mut bytes[HEADER_BYTES..], index, count)),
        SPARSE => sparse_raise(bytes, index, count, max_bytes),
        _ => Err(()),
    }
}

// ------------------------------------------------------------------------------- counting

/// Ertl's sigma(x), to the precision of doubles.
fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let previous = z;
        z += x * y;
        y += y;
        if previous == z {
            return z;
        }
    }
}

/// Ertl's tau(x), to the precision of doubles.
fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let previous = z;
        y *= 0.5;
        z -= (1.0 - x).powi(2) * y;
        if previous == z {
            return z / 3.0;
        }
    }
}

/// The estimate from a histogram of register values (Redis's `hllCount`).
fn estimate(histogram: &[u32; 64]) -> u64 {
    let m = REGISTERS as f64;
    let q = Q as usize;
    let mut z = m * tau((m - f64::from(histogram[q + 1])) / m);
    for j in (1..=q).rev() {
        z += f64::from(histogram[j]);
        z *= 0.5;
    }
    z += m * sigma(f64::from(histogram[0]) / m);
    // Rounded half away from zero, as llroundl. Registers no real set produces (nearly all
    // at 51 or more) push it past 2^63, where llroundl gives LLONG_MIN on x86-64: Redis then
    // caches 0x8000000000000000 and replies it as a signed integer, and so does AllyDB.
    let estimate = (ALPHA_INF * m * m / z).round();
    const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
    if (0.0..TWO_POW_63).contains(&estimate) {
        estimate as u64
    } else {
        1 << 63
    }
}

/// The histogram of a HyperLogLog's registers; Err for sparse opcodes that do not cover
/// exactly 16,384 registers.
fn histogram(bytes: &[u8]) -> Result<[u32; 64], ()> {
    let mut histogram = [0u32; 64];
    let body = &bytes[HEADER_BYTES..];
    if bytes[4] == DENSE {
        for i in 0..REGISTERS {
            histogram[usize::from(dense_get(body, i))] += 1;
        }
        return Ok(histogram);
    }
    let mut index = 0usize;
    for (_, op) in opcodes(body) {
        index += op.len;
        // Runs past the last register make the string invalid (and could overflow counts).
        if index > REGISTERS {
            return Err(());
        }
        // Sparse values are at most 32; lengths at most 16,384.
        histogram[usize::from(op.value)] += op.len as u32;
    }
    if index == REGISTERS {
        Ok(histogram)
    } else {
        Err(())
    }
}

fn raw_histogram(registers: &[u8; REGISTERS]) -> [u32; 64] {
    let mut histogram = [0u32; 64];
    for &value in registers {
        histogram[usize::from(value & REGISTER_MAX)] += 1;
    }
    histogram
}

// ------------------------------------------------------------------------------- commands

/// `hll-sparse-max-bytes`: the largest sparse HyperLogLog before it turns dense.
fn sparse_max_bytes(ctx: &Context<'_>) -> usize {
    ctx.server
        .settings
        .get("hll-sparse-max-bytes")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(3000)
}

/// The HyperLogLog bytes of a string entry, or Redis's errors for another type or string.
fn hll_bytes(entry: &mut Entry) -> Result<&mut Vec<u8>, CommandError> {
    let value = string_mut(entry).ok_or(CommandError::WrongType)?;
    // An integer-encoded string is never a HyperLogLog (Redis's `sdsEncodedObject`).
    if matches!(value, StrValue::Int(_)) || !value.with_bytes(is_hll) {
        return Err(CommandError::Static(NOT_HLL));
    }
    Ok(value.make_raw())
}

/// A looked-up key's HyperLogLog registers merged into `max`; Ok(None) for a missing key,
/// Ok(Some(is_dense)) otherwise.
fn merge_key(
    shard: &mut Shard,
    hash: u64,
    key: &[u8],
    now_ms: u64,
    max: &mut [u8; REGISTERS],
) -> Result<Option<bool>, CommandError> {
    let Some(entry) = shard.lookup(hash, key, now_ms) else { return Ok(None) };
    let bytes = hll_bytes(entry)?;
    merge_into(bytes, max).map_err(|()| CommandError::Static(CORRUPTED))?;
    Ok(Some(bytes[4] == DENSE))
}

/// The length of the HyperLogLog at `key`, looked up for a write (Redis's `lookupKeyWrite`);
/// None when missing, Redis's errors for another type or string.
fn existing_len(
    shard: &mut Shard,
    hash: u64,
    key: &[u8],
    now_ms: u64,
) -> Result<Option<usize>, CommandError> {
    shard
        .find_for_write(hash, key, now_ms)
        .map(|entry| hll_bytes(entry).map(|b| b.len()))
        .transpose()
}

/// Journals the HyperLogLog now at `key` (whole) with its deadline.
fn journal_value(ctx: &mut Context<'_>, shard: &mut Shard, hash: u64, key: &[u8]) {
    if let Some(entry) = shard.find(hash, key, ctx.now_ms) {
        let expires_at_ms = entry.expires_at_ms;
        if let Some(value) = string_mut(entry) {
            value.with_bytes(|bytes| journal_put(ctx, key, bytes, expires_at_ms));
        }
    }
}

/// PFADD key [element [element ...]]
pub fn pfadd(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let key = args.get(1);
    let hash = hash_key(key);
    let server = ctx.server;
    let now_ms = ctx.now_ms;
    let max_bytes = sparse_max_bytes(ctx);
    let mut shard = server.db(ctx.client.db).lock(hash);
    // The whole string is journaled: a sparse one grows by 3 bytes at most per element
    // before it turns dense. Checked before anything changes.
    let existing = existing_len(&mut shard, hash, key, now_ms)?;
    let journaled = existing.unwrap_or(0).max(DENSE_BYTES) + 3 * args.len();
    check_journal_room(ctx, (key.len() + journaled) as u64, 1)?;
    let created = existing.is_none();
    if created {
        let value = Value::Str(StrValue::Growable(Box::new(new_sparse())));
        shard.insert(hash, Entry::new(key, value), now_ms);
    }
    let entry = shard.find(hash, key, now_ms).ok_or(CommandError::Static(CORRUPTED))?;
    let bytes = hll_bytes(entry)?;
    let mut updated = created;
    // A sparse string may turn out damaged halfway: the adds go to a copy, kept whole or not
    // at all (Redis keeps the half it did in memory without propagating it).
    let mut work = if bytes[4] == SPARSE { Some(bytes.clone()) } else { None };
    for element in args.iter().skip(2) {
        let target = work.as_mut().unwrap_or(&mut *bytes);
        match add(target, element, max_bytes) {
            Ok(changed) => updated |= changed,
            // A new key is never damaged: nothing changed.
            Err(()) => return Err(CommandError::Static(CORRUPTED)),
        }
    }
    if let Some(work) = work {
        *bytes = work;
    }
    if updated {
        invalidate_cache(bytes);
        journal_value(ctx, &mut shard, hash, key);
        drop(shard);
        ctx.notify(notify::STRING, "pfadd", key);
    }
    ctx.reply.integer(i64::from(updated));
    Ok(())
}

/// PFCOUNT key [key ...]
pub fn pfcount(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let server = ctx.server;
    let now_ms = ctx.now_ms;
    if args.len() > 2 {
        let keys: Vec<&[u8]> = args.iter().skip(1).collect();
        let mut shards = server.db(ctx.client.db).lock_keys(keys.iter().map(|k| hash_key(k)));
        let mut max = Box::new([0u8; REGISTERS]);
        for key in keys {
            let hash = hash_key(key);
            merge_key(shards.shard(hash), hash, key, now_ms, &mut max)?;
        }
        drop(shards);
        ctx.reply.integer(as_signed(estimate(&raw_histogram(&max))));
        return Ok(());
    }
    let key = args.get(1);
    let hash = hash_key(key);
    let mut shard = server.db(ctx.client.db).lock(hash);
    let Some(entry) = shard.lookup(hash, key, now_ms) else {
        ctx.reply.integer(0);
        return Ok(());
    };
    let bytes = hll_bytes(entry)?;
    let card = if is_cache_valid(bytes) {
        cached(bytes)
    } else {
        let card =
            histogram(bytes).map(|h| estimate(&h)).map_err(|()| CommandError::Static(CORRUPTED))?;
        // The cache is part of the value: a primary stores and journals it, as Redis
        // propagates it; a replica leaves its copy to what the primary sends.
        if !server.replication.is_replica() {
            bytes[CACHE].copy_from_slice(&card.to_le_bytes());
            journal_value(ctx, &mut shard, hash, key);
        }
        card
    };
    drop(shard);
    ctx.reply.integer(as_signed(card));
    Ok(())
}

/// A count as Redis replies it: the unsigned value passed as a `long long` (above 2^63 only
/// for the crafted registers `estimate` describes, or a cache set by hand).
fn as_signed(card: u64) -> i64 {
    i64::from_ne_bytes(card.to_ne_bytes())
}

/// PFMERGE destkey [sourcekey [sourcekey ...]]
pub fn pfmerge(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let server = ctx.server;
    let now_ms = ctx.now_ms;
    let max_bytes = sparse_max_bytes(ctx);
    let keys: Vec<&[u8]> = args.iter().skip(1).collect();
    let mut shards = server.db(ctx.client.db).lock_keys(keys.iter().map(|k| hash_key(k)));
    let mut max = Box::new([0u8; REGISTERS]);
    let mut use_dense = false;
    for key in &keys {
        let hash = hash_key(key);
        use_dense |= merge_key(shards.shard(hash), hash, key, now_ms, &mut max)? == Some(true);
    }
    let destination = args.get(1);
    let hash = hash_key(destination);
    let shard = shards.shard(hash);
    // A sparse result grows by 3 bytes per register set at most, up to its limit.
    let existing = existing_len(shard, hash, destination, now_ms)?;
    let journaled = existing.unwrap_or(0).max(DENSE_BYTES).max(max_bytes) + 3;
    check_journal_room(ctx, (destination.len() + journaled) as u64, 1)?;
    if existing.is_none() {
        let value = Value::Str(StrValue::Growable(Box::new(new_sparse())));
        shard.insert(hash, Entry::new(destination, value), now_ms);
    }
    let entry = shard.find(hash, destination, now_ms).ok_or(CommandError::Static(CORRUPTED))?;
    let bytes = hll_bytes(entry)?;
    let mut work = bytes.clone();
    if use_dense {
        to_dense(&mut work).map_err(|()| CommandError::Static(CORRUPTED))?;
    }
    for (index, &value) in max.iter().enumerate().filter(|(_, v)| **v != 0) {
        if work[4] == DENSE {
            dense_raise(&mut work[HEADER_BYTES..], index, value);
        } else {
            // Redis ignores a failure here: the sources were checked whole already.
            let _ = sparse_raise(&mut work, index, value, max_bytes);
        }
    }
    invalidate_cache(&mut work);
    *bytes = work;
    journal_value(ctx, shard, hash, destination);
    drop(shards);
    // A PFADD event, as Redis's: a merge is a mass add.
    ctx.notify(notify::STRING, "pfadd", destination);
    ctx.reply.ok();
    Ok(())
}

/// PFDEBUG <GETREG | DECODE | ENCODING | TODENSE> key
pub fn pfdebug(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let subcommand = args.get(1);
    let key = args.get(2);
    let hash = hash_key(key);
    let server = ctx.server;
    let now_ms = ctx.now_ms;
    let mut shard = server.db(ctx.client.db).lock(hash);
    let Some(entry) = shard.find_for_write(hash, key, now_ms) else {
        return Err(CommandError::Static("ERR The specified key does not exist"));
    };
    let bytes = hll_bytes(entry)?;
    let reply = &mut *ctx.reply;
    if is(subcommand, "getreg") || is(subcommand, "todense") {
        let converted = bytes[4] == SPARSE;
        to_dense(bytes).map_err(|()| CommandError::Static(CORRUPTED))?;
        let registers: Vec<u8> = if is(subcommand, "getreg") {
            (0..REGISTERS).map(|i| dense_get(&bytes[HEADER_BYTES..], i)).collect()
        } else {
            Vec::new()
        };
        // Journaled, but not signalled (WATCH, tracking): Redis's PFDEBUG only counts it dirty.
        if converted {
            if let Some(entry) = shard.find(hash, key, now_ms) {
                let expires_at_ms = entry.expires_at_ms;
                if let Some(value) = string_mut(entry) {
                    value.with_bytes(|b| journal_put_unsignalled(ctx, key, b, expires_at_ms));
                }
            }
        }
        if is(subcommand, "getreg") {
            ctx.reply.array(REGISTERS);
            for value in registers {
                ctx.reply.integer(i64::from(value));
            }
        } else {
            ctx.reply.integer(i64::from(converted));
        }
    } else if is(subcommand, "decode") {
        if bytes[4] != SPARSE {
            return Err(CommandError::Static("ERR HLL encoding is not sparse"));
        }
        let mut text = String::new();
        for (_, op) in opcodes(&bytes[HEADER_BYTES..]) {
            let separator = if text.is_empty() { "" } else { " " };
            // Writing to a String cannot fail.
            let _ = match (op.value, op.is_xzero) {
                (0, false) => write!(text, "{separator}z:{}", op.len),
                (0, true) => write!(text, "{separator}Z:{}", op.len),
                (value, _) => write!(text, "{separator}v:{value},{}", op.len),
            };
        }
        reply.bulk(text.as_bytes());
    } else if is(subcommand, "encoding") {
        reply.simple(if bytes[4] == DENSE { "dense" } else { "sparse" });
    } else {
        return Err(CommandError::err(format_args!(
            "Unknown PFDEBUG subcommand '{}'",
            String::from_utf8_lossy(subcommand)
        )));
    }
    Ok(())
}

/// PFSELFTEST: Redis's self-test of the register layout and the estimator: 1,000 rounds of
/// random dense registers read back exactly, then 10 million distinct elements added to a
/// dense and a sparse HyperLogLog, which must stay sparse while small, agree with each other,
/// and stay within six standard errors of the true count at every power of ten.
pub fn pfselftest(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    let max_bytes = sparse_max_bytes(ctx);
    match self_test(max_bytes, crate::clock::unix_ms_now()) {
        Ok(()) => ctx.reply.ok(),
        Err(failure) => return Err(CommandError::Text(format!("TESTFAILED {failure}"))),
    }
    Ok(())
}

fn self_test(max_bytes: usize, seed: u64) -> Result<(), String> {
    let mut state = seed | 1;
    let mut random = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut registers = vec![0u8; DENSE_BYTES - HEADER_BYTES];
    let mut expected = vec![0u8; REGISTERS];
    for _ in 0..1000 {
        for (i, slot) in expected.iter_mut().enumerate() {
            // The mask keeps six bits.
            let value = (random() & u64::from(REGISTER_MAX)) as u8;
            *slot = value;
            dense_set(&mut registers, i, value);
        }
        for (i, &value) in expected.iter().enumerate() {
            if dense_get(&registers, i) != value {
                return Err(format!("Register error at {i}"));
            }
        }
    }
    let mut dense = new_sparse();
    to_dense(&mut dense).map_err(|()| "conversion".to_string())?;
    let mut sparse = new_sparse();
    let relative_error = 1.04 / (REGISTERS as f64).sqrt();
    let base = random();
    let mut checkpoint: u64 = 1;
    for j in 1..=10_000_000u64 {
        let element = (j ^ base).to_le_bytes();
        add(&mut dense, &element, max_bytes).map_err(|()| "dense add".to_string())?;
        add(&mut sparse, &element, max_bytes).map_err(|()| "sparse add".to_string())?;
        if j != checkpoint {
            continue;
        }
        if (j as usize) < max_bytes / 2 && sparse[4] != SPARSE {
            return Err("sparse encoding not used".into());
        }
        let count = histogram(&dense).map(|h| estimate(&h)).map_err(|()| "dense count")?;
        let other = histogram(&sparse).map(|h| estimate(&h)).map_err(|()| "sparse count")?;
        if count != other {
            return Err("dense/sparse disagree".into());
        }
        let error = count.abs_diff(checkpoint);
        let allowed =
            if j == 10 { 1 } else { (relative_error * 6.0 * checkpoint as f64).ceil() as u64 };
        if error > allowed {
            return Err(format!("Too big error. card:{checkpoint} abserr:{error}"));
        }
        checkpoint *= 10;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes and counts read from redis-server 7.0 (`PFADD`, `GET`, `PFCOUNT`).
    #[test]
    fn layouts_and_counts_match_redis() {
        let empty = new_sparse();
        assert_eq!(empty, b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff");
        assert_eq!(murmur_hash_64a(b"", SEED), murmur_hash_64a(b"", SEED));
        let mut hll = new_sparse();
        for element in [&b"a"[..], b"b", b"c"] {
            add(&mut hll, element, 3000).unwrap();
        }
        assert_eq!(estimate(&histogram(&hll).unwrap()), 3);
        let mut big = new_sparse();
        for i in 0..100_000u32 {
            add(&mut big, i.to_string().as_bytes(), 3000).unwrap();
        }
        assert_eq!(big[4], DENSE);
        let count = estimate(&histogram(&big).unwrap());
        assert!((99_000..=101_000).contains(&count), "{count}");
    }

    #[test]
    fn dense_registers_read_back_what_was_set() {
        let mut registers = vec![0u8; DENSE_BYTES - HEADER_BYTES];
        for i in 0..REGISTERS {
            dense_set(&mut registers, i, (i % 64) as u8);
        }
        for i in 0..REGISTERS {
            assert_eq!(dense_get(&registers, i), (i % 64) as u8, "{i}");
        }
    }

    #[test]
    fn sparse_and_dense_count_alike_and_damage_is_refused() {
        let mut sparse = new_sparse();
        for i in 0..2000u32 {
            add(&mut sparse, &i.to_le_bytes(), 100_000).unwrap();
        }
        assert_eq!(sparse[4], SPARSE);
        let mut dense = sparse.clone();
        to_dense(&mut dense).unwrap();
        assert_eq!(histogram(&sparse).unwrap(), histogram(&dense).unwrap());
        let mut short = new_sparse();
        short.truncate(HEADER_BYTES + 1);
        assert!(histogram(&short).is_err());
        assert!(add(&mut short, b"x", 3000).is_err());
        assert!(to_dense(&mut short).is_err());
        assert!(!is_hll(b"HYLL\x00"));
        assert!(!is_hll(&dense[..DENSE_BYTES - 1]));
    }

    #[test]
    fn the_self_test_passes() {
        assert_eq!(self_test(3000, 42), Ok(()));
    }
}
