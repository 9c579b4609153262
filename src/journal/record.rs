//! Journal records: a 16-byte header (length, CRC, sequence number) and a payload listing the
//! effects of one command, applied together on replay. See docs/FORMAT.md, "Records".
use std::fmt;

use super::codec::{put_bytes, put_varint, Reader};

/// Largest record payload: a command's effects beyond this are refused before they are
/// applied (a u32 length field, with room for the header).
pub const RECORD_PAYLOAD_BYTES_MAX: u32 = u32::MAX - 64;

/// Payload byte 0: what the payload holds. Zero is never valid, so zeroed (written ahead or
/// recycled) space never decodes as a record.
pub const PAYLOAD_KIND_EFFECTS: u8 = 1;

/// ```text
///  0          4          8                    16
///  | len: u32 | crc: u32 | seq: u64           | payload: `len` bytes ... |
///  crc = CRC-32/IEEE of the seq bytes, then the payload. Little-endian. See docs/FORMAT.md.
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordHeader {
    pub payload_len_bytes: u32,
    pub crc: u32,
    pub seq: u64,
}

const _: () = assert!(RecordHeader::ENCODED_BYTES == 4 + 4 + 8);

impl RecordHeader {
    pub const ENCODED_BYTES: usize = 16;

    /// Takes any bytes, a torn tail included; never panics, never allocates.
    pub fn decode(input: &[u8]) -> Result<Self, DecodeError> {
        let mut reader = Reader::new(input);
        let payload_len_bytes = reader.u32()?;
        let crc = reader.u32()?;
        let seq = reader.u64()?;
        if payload_len_bytes == 0 || payload_len_bytes > RECORD_PAYLOAD_BYTES_MAX {
            return Err(DecodeError::BadLength { payload_len_bytes });
        }
        Ok(Self { payload_len_bytes, crc, seq })
    }
}

/// A stored value, as effects carry it (docs/FORMAT.md, "Values"). Collections list their
/// elements in the order replay must recreate them.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<B> {
    String(B),
    List(Vec<B>),
    /// Field-value pairs.
    Hash(Vec<(B, B)>),
    Set(Vec<B>),
    /// (score, member) pairs; scores are never NaN.
    ZSet(Vec<(f64, B)>),
}

impl Value<Vec<u8>> {
    /// The same value borrowing its bytes, as effects to encode take it.
    pub fn borrowed(&self) -> Value<&[u8]> {
        match self {
            Self::String(bytes) => Value::String(bytes),
            Self::List(items) => Value::List(items.iter().map(Vec::as_slice).collect()),
            Self::Hash(pairs) => {
                Value::Hash(pairs.iter().map(|(f, v)| (f.as_slice(), v.as_slice())).collect())
            }
            Self::Set(members) => Value::Set(members.iter().map(Vec::as_slice).collect()),
            Self::ZSet(entries) => {
                Value::ZSet(entries.iter().map(|(s, m)| (*s, m.as_slice())).collect())
            }
        }
    }
}

const VALUE_STRING: u8 = 1;
const VALUE_LIST: u8 = 2;
const VALUE_HASH: u8 = 3;
const VALUE_SET: u8 = 4;
const VALUE_ZSET: u8 = 5;

/// One deterministic change to the keyspace. `B` is `&[u8]` when encoding (no copies on the
/// write path) and `Vec<u8>` when decoding. Deadlines are absolute Unix milliseconds, 0 none.
///
/// Collection effects create the key (without a deadline) when it is missing, and delete it
/// when they leave the collection empty, exactly as the commands do. They are applied to the
/// state the earlier records built, so positional ones (`ListSet`, `ListInsert`) replay
/// exactly.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect<B> {
    /// Sets `key` to `value` with `expires_at_ms`, replacing whatever was there.
    Put {
        db: u32,
        key: B,
        value: Value<B>,
        expires_at_ms: u64,
    },
    /// Removes `key` (explicitly, or because it expired).
    Delete {
        db: u32,
        key: B,
    },
    /// Sets (`expires_at_ms` > 0) or clears (0) the deadline of an existing key.
    Expire {
        db: u32,
        key: B,
        expires_at_ms: u64,
    },
    /// Appends to the string at `key` (created empty if missing), keeping its deadline.
    Append {
        db: u32,
        key: B,
        bytes: B,
    },
    /// Renames `from` to `to` within `db`, replacing `to`; value and deadline move along.
    Rename {
        db: u32,
        from: B,
        to: B,
    },
    /// Moves `key` from `from_db` to `to_db` (the destination holds no such key).
    Move {
        from_db: u32,
        to_db: u32,
        key: B,
    },
    FlushDb {
        db: u32,
    },
    FlushAll,
    SwapDb {
        a: u32,
        b: u32,
    },
    /// Pushes `elements` one by one at the head (`left`) or the tail of the list at `key`.
    ListPush {
        db: u32,
        key: B,
        left: bool,
        elements: Vec<B>,
    },
    /// Pops `count` elements from the head (`left`) or the tail.
    ListPop {
        db: u32,
        key: B,
        left: bool,
        count: u64,
    },
    /// Replaces the element at `index` (from the head).
    ListSet {
        db: u32,
        key: B,
        index: u64,
        element: B,
    },
    /// Inserts `element` before position `index` (the length appends).
    ListInsert {
        db: u32,
        key: B,
        index: u64,
        element: B,
    },
    /// LREM's rule: removes up to |count| elements equal to `element`, from the head when
    /// `count` > 0, from the tail when < 0, all when 0.
    ListRemove {
        db: u32,
        key: B,
        count: i64,
        element: B,
    },
    /// Sets each field of the hash at `key`.
    HashSet {
        db: u32,
        key: B,
        pairs: Vec<(B, B)>,
    },
    HashDelete {
        db: u32,
        key: B,
        fields: Vec<B>,
    },
    SetAdd {
        db: u32,
        key: B,
        members: Vec<B>,
    },
    SetRemove {
        db: u32,
        key: B,
        members: Vec<B>,
    },
    /// Sets each member's score in the sorted set at `key` (adding it if new).
    ZSetAdd {
        db: u32,
        key: B,
        entries: Vec<(f64, B)>,
    },
    ZSetRemove {
        db: u32,
        key: B,
        members: Vec<B>,
    },
}

const OP_PUT: u8 = 1;
const OP_DELETE: u8 = 2;
const OP_EXPIRE: u8 = 3;
const OP_APPEND: u8 = 4;
const OP_RENAME: u8 = 5;
const OP_MOVE: u8 = 6;
const OP_FLUSH_DB: u8 = 7;
const OP_FLUSH_ALL: u8 = 8;
const OP_SWAP_DB: u8 = 9;
const OP_LIST_PUSH: u8 = 10;
const OP_LIST_POP: u8 = 11;
const OP_LIST_SET: u8 = 12;
const OP_LIST_INSERT: u8 = 13;
const OP_LIST_REMOVE: u8 = 14;
const OP_HASH_SET: u8 = 15;
const OP_HASH_DELETE: u8 = 16;
const OP_SET_ADD: u8 = 17;
const OP_SET_REMOVE: u8 = 18;
const OP_ZSET_ADD: u8 = 19;
const OP_ZSET_REMOVE: u8 = 20;

/// A decoded record.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub seq: u64,
    pub effects: Vec<Effect<Vec<u8>>>,
}

/// A decoded record borrowing its bytes from the decoder's input.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordRef<'a> {
    pub seq: u64,
    pub effects: Vec<Effect<&'a [u8]>>,
}

impl<B> Value<B> {
    /// The same value with every byte string converted by `f`.
    pub fn map_bytes<'a, C>(&'a self, f: &impl Fn(&'a B) -> C) -> Value<C> {
        let list = |items: &'a [B]| items.iter().map(f).collect();
        match self {
            Self::String(bytes) => Value::String(f(bytes)),
            Self::List(items) => Value::List(list(items)),
            Self::Hash(pairs) => Value::Hash(pairs.iter().map(|(k, v)| (f(k), f(v))).collect()),
            Self::Set(members) => Value::Set(list(members)),
            Self::ZSet(entries) => Value::ZSet(entries.iter().map(|(s, m)| (*s, f(m))).collect()),
        }
    }
}

impl<B> Effect<B> {
    /// The keys the effect changes, with their databases: one, two (RENAME: both names; MOVE:
    /// the key in both databases) or none (FLUSHDB, FLUSHALL, SWAPDB change whole databases).
    pub fn keys(&self) -> [Option<(u32, &B)>; 2] {
        match self {
            Effect::Put { db, key, .. }
            | Effect::Delete { db, key }
            | Effect::Expire { db, key, .. }
            | Effect::Append { db, key, .. }
            | Effect::ListPush { db, key, .. }
            | Effect::ListPop { db, key, .. }
            | Effect::ListSet { db, key, .. }
            | Effect::ListInsert { db, key, .. }
            | Effect::ListRemove { db, key, .. }
            | Effect::HashSet { db, key, .. }
            | Effect::HashDelete { db, key, .. }
            | Effect::SetAdd { db, key, .. }
            | Effect::SetRemove { db, key, .. }
            | Effect::ZSetAdd { db, key, .. }
            | Effect::ZSetRemove { db, key, .. } => [Some((*db, key)), None],
            Effect::Rename { db, from, to } => [Some((*db, from)), Some((*db, to))],
            Effect::Move { from_db, to_db, key } => [Some((*from_db, key)), Some((*to_db, key))],
            Effect::FlushDb { .. } | Effect::FlushAll | Effect::SwapDb { .. } => [None, None],
        }
    }

    /// The same effect with every byte string converted by `f` (owned from borrowed, or back).
    pub fn map_bytes<'a, C>(&'a self, f: &impl Fn(&'a B) -> C) -> Effect<C> {
        let list = |items: &'a [B]| items.iter().map(f).collect();
        match self {
            Self::Put { db, key, value, expires_at_ms } => Effect::Put {
                db: *db,
                key: f(key),
                value: value.map_bytes(f),
                expires_at_ms: *expires_at_ms,
            },
            Self::Delete { db, key } => Effect::Delete { db: *db, key: f(key) },
            Self::Expire { db, key, expires_at_ms } => {
                Effect::Expire { db: *db, key: f(key), expires_at_ms: *expires_at_ms }
            }
            Self::Append { db, key, bytes } => {
                Effect::Append { db: *db, key: f(key), bytes: f(bytes) }
            }
            Self::Rename { db, from, to } => Effect::Rename { db: *db, from: f(from), to: f(to) },
            Self::Move { from_db, to_db, key } => {
                Effect::Move { from_db: *from_db, to_db: *to_db, key: f(key) }
            }
            Self::FlushDb { db } => Effect::FlushDb { db: *db },
            Self::FlushAll => Effect::FlushAll,
            Self::SwapDb { a, b } => Effect::SwapDb { a: *a, b: *b },
            Self::ListPush { db, key, left, elements } => {
                Effect::ListPush { db: *db, key: f(key), left: *left, elements: list(elements) }
            }
            Self::ListPop { db, key, left, count } => {
                Effect::ListPop { db: *db, key: f(key), left: *left, count: *count }
            }
            Self::ListSet { db, key, index, element } => {
                Effect::ListSet { db: *db, key: f(key), index: *index, element: f(element) }
            }
            Self::ListInsert { db, key, index, element } => {
                Effect::ListInsert { db: *db, key: f(key), index: *index, element: f(element) }
            }
            Self::ListRemove { db, key, count, element } => {
                Effect::ListRemove { db: *db, key: f(key), count: *count, element: f(element) }
            }
            Self::HashSet { db, key, pairs } => Effect::HashSet {
                db: *db,
                key: f(key),
                pairs: pairs.iter().map(|(k, v)| (f(k), f(v))).collect(),
            },
            Self::HashDelete { db, key, fields } => {
                Effect::HashDelete { db: *db, key: f(key), fields: list(fields) }
            }
            Self::SetAdd { db, key, members } => {
                Effect::SetAdd { db: *db, key: f(key), members: list(members) }
            }
            Self::SetRemove { db, key, members } => {
                Effect::SetRemove { db: *db, key: f(key), members: list(members) }
            }
            Self::ZSetAdd { db, key, entries } => Effect::ZSetAdd {
                db: *db,
                key: f(key),
                entries: entries.iter().map(|(s, m)| (*s, f(m))).collect(),
            },
            Self::ZSetRemove { db, key, members } => {
                Effect::ZSetRemove { db: *db, key: f(key), members: list(members) }
            }
        }
    }
}

/// Why bytes did not decode. Every variant is a statement about the input, never a panic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The input ends inside a header or payload (a torn tail, or a cut file).
    Truncated,
    BadLength {
        payload_len_bytes: u32,
    },
    BadCrc {
        expected: u32,
        actual: u32,
    },
    BadVarint,
    UnknownPayloadKind(u8),
    UnknownEffect(u8),
    UnknownValueType(u8),
    /// The payload has bytes after its last effect, or fewer effects than announced.
    BadPayload,
    BadMagic,
    UnsupportedVersion(u32),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated => f.write_str("truncated"),
            Self::BadLength { payload_len_bytes } => {
                write!(f, "invalid payload length {payload_len_bytes}")
            }
            Self::BadCrc { expected, actual } => {
                write!(f, "CRC mismatch (stored {expected:#010x}, computed {actual:#010x})")
            }
            Self::BadVarint => f.write_str("invalid varint"),
            Self::UnknownPayloadKind(kind) => write!(f, "unknown payload kind {kind}"),
            Self::UnknownEffect(op) => write!(f, "unknown effect {op}"),
            Self::UnknownValueType(tag) => write!(f, "unknown value type {tag}"),
            Self::BadPayload => f.write_str("payload does not match its effect count"),
            Self::BadMagic => f.write_str("not an AllyDB journal segment (bad magic)"),
            Self::UnsupportedVersion(v) => write!(f, "unsupported format version {v}"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// CRC-32/IEEE of the sequence number's bytes, then the payload.
pub fn record_crc(seq: u64, payload: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&seq.to_le_bytes());
    hasher.update(payload);
    hasher.finalize()
}

fn put_list(out: &mut Vec<u8>, items: &[&[u8]]) {
    put_varint(out, items.len() as u64);
    for item in items {
        put_bytes(out, item);
    }
}

fn put_pairs(out: &mut Vec<u8>, pairs: &[(&[u8], &[u8])]) {
    put_varint(out, pairs.len() as u64);
    for (field, value) in pairs {
        put_bytes(out, field);
        put_bytes(out, value);
    }
}

fn put_scored(out: &mut Vec<u8>, entries: &[(f64, &[u8])]) {
    put_varint(out, entries.len() as u64);
    for (score, member) in entries {
        out.extend_from_slice(&score.to_le_bytes());
        put_bytes(out, member);
    }
}

pub(crate) fn put_value(out: &mut Vec<u8>, value: &Value<&[u8]>) {
    match value {
        Value::String(bytes) => {
            out.push(VALUE_STRING);
            put_bytes(out, bytes);
        }
        Value::List(items) => {
            out.push(VALUE_LIST);
            put_list(out, items);
        }
        Value::Hash(pairs) => {
            out.push(VALUE_HASH);
            put_pairs(out, pairs);
        }
        Value::Set(members) => {
            out.push(VALUE_SET);
            put_list(out, members);
        }
        Value::ZSet(entries) => {
            out.push(VALUE_ZSET);
            put_scored(out, entries);
        }
    }
}

/// The op byte, database and key that start every single-key collection effect.
fn put_target(out: &mut Vec<u8>, op: u8, db: u32, key: &[u8]) {
    out.push(op);
    put_varint(out, u64::from(db));
    put_bytes(out, key);
}

fn put_effect(out: &mut Vec<u8>, effect: &Effect<&[u8]>) {
    match effect {
        Effect::Put { db, key, value, expires_at_ms } => {
            out.push(OP_PUT);
            put_varint(out, u64::from(*db));
            put_bytes(out, key);
            out.extend_from_slice(&expires_at_ms.to_le_bytes());
            put_value(out, value);
        }
        Effect::Delete { db, key } => {
            out.push(OP_DELETE);
            put_varint(out, u64::from(*db));
            put_bytes(out, key);
        }
        Effect::Expire { db, key, expires_at_ms } => {
            out.push(OP_EXPIRE);
            put_varint(out, u64::from(*db));
            put_bytes(out, key);
            out.extend_from_slice(&expires_at_ms.to_le_bytes());
        }
        Effect::Append { db, key, bytes } => {
            out.push(OP_APPEND);
            put_varint(out, u64::from(*db));
            put_bytes(out, key);
            put_bytes(out, bytes);
        }
        Effect::Rename { db, from, to } => {
            out.push(OP_RENAME);
            put_varint(out, u64::from(*db));
            put_bytes(out, from);
            put_bytes(out, to);
        }
        Effect::Move { from_db, to_db, key } => {
            out.push(OP_MOVE);
            put_varint(out, u64::from(*from_db));
            put_varint(out, u64::from(*to_db));
            put_bytes(out, key);
        }
        Effect::FlushDb { db } => {
            out.push(OP_FLUSH_DB);
            put_varint(out, u64::from(*db));
        }
        Effect::FlushAll => out.push(OP_FLUSH_ALL),
        Effect::SwapDb { a, b } => {
            out.push(OP_SWAP_DB);
            put_varint(out, u64::from(*a));
            put_varint(out, u64::from(*b));
        }
        Effect::ListPush { db, key, left, elements } => {
            put_target(out, OP_LIST_PUSH, *db, key);
            out.push(u8::from(*left));
            put_list(out, elements);
        }
        Effect::ListPop { db, key, left, count } => {
            put_target(out, OP_LIST_POP, *db, key);
            out.push(u8::from(*left));
            put_varint(out, *count);
        }
        Effect::ListSet { db, key, index, element } => {
            put_target(out, OP_LIST_SET, *db, key);
            put_varint(out, *index);
            put_bytes(out, element);
        }
        Effect::ListInsert { db, key, index, element } => {
            put_target(out, OP_LIST_INSERT, *db, key);
            put_varint(out, *index);
            put_bytes(out, element);
        }
        Effect::ListRemove { db, key, count, element } => {
            put_target(out, OP_LIST_REMOVE, *db, key);
            out.extend_from_slice(&count.to_le_bytes());
            put_bytes(out, element);
        }
        Effect::HashSet { db, key, pairs } => {
            put_target(out, OP_HASH_SET, *db, key);
            put_pairs(out, pairs);
        }
        Effect::HashDelete { db, key, fields } => {
            put_target(out, OP_HASH_DELETE, *db, key);
            put_list(out, fields);
        }
        Effect::SetAdd { db, key, members } => {
            put_target(out, OP_SET_ADD, *db, key);
            put_list(out, members);
        }
        Effect::SetRemove { db, key, members } => {
            put_target(out, OP_SET_REMOVE, *db, key);
            put_list(out, members);
        }
        Effect::ZSetAdd { db, key, entries } => {
            put_target(out, OP_ZSET_ADD, *db, key);
            put_scored(out, entries);
        }
        Effect::ZSetRemove { db, key, members } => {
            put_target(out, OP_ZSET_REMOVE, *db, key);
            put_list(out, members);
        }
    }
}

/// Appends one complete record (header and payload) for `effects` to `out`.
///
/// # Invariants
/// `effects` is not empty (a command that changed nothing journals nothing), and the payload
/// fits `RECORD_PAYLOAD_BYTES_MAX`; callers check the size before applying the command.
pub fn encode_record(seq: u64, effects: &[Effect<&[u8]>], out: &mut Vec<u8>) {
    assert!(!effects.is_empty(), "a record holds at least one effect");
    let header_at = out.len();
    out.extend_from_slice(&[0u8; RecordHeader::ENCODED_BYTES]);
    let payload_at = out.len();
    out.push(PAYLOAD_KIND_EFFECTS);
    put_varint(out, effects.len() as u64);
    for effect in effects {
        put_effect(out, effect);
    }
    finish_record(seq, header_at, payload_at, out);
}

/// Effects encoded one by one, for one record written later: a transaction's effects, buffered
/// while EXEC runs its commands and journaled as one record when it ends (docs/FORMAT.md).
#[derive(Debug, Default)]
pub struct EffectBatch {
    count: u64,
    bytes: Vec<u8>,
}

impl EffectBatch {
    /// Adds `effect` after the ones already held.
    pub fn push(&mut self, effect: &Effect<&[u8]>) {
        put_effect(&mut self.bytes, effect);
        self.count += 1;
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn len(&self) -> u64 {
        self.count
    }

    /// The payload bytes a record of these effects takes (kind, count, effects).
    pub fn payload_bytes(&self) -> u64 {
        let mut count = Vec::with_capacity(10);
        put_varint(&mut count, self.count);
        1 + count.len() as u64 + self.bytes.len() as u64
    }

    /// Moves the effects encoded from byte `at` on (a position `encoded_bytes` returned before
    /// a push) into a new batch: the split a record that would outgrow its limit needs.
    pub fn split_off(&mut self, at: usize, effects: u64) -> EffectBatch {
        let bytes = self.bytes.split_off(at.min(self.bytes.len()));
        self.count = self.count.saturating_sub(effects);
        EffectBatch { count: effects, bytes }
    }

    /// Bytes of encoded effects held.
    pub fn encoded_bytes(&self) -> usize {
        self.bytes.len()
    }
}

/// Appends one complete record holding the effects of `batch` to `out`; the same bytes as
/// `encode_record` of those effects.
///
/// # Invariants
/// As `encode_record`: `batch` is not empty and its payload fits `RECORD_PAYLOAD_BYTES_MAX`.
pub fn encode_batch_record(seq: u64, batch: &EffectBatch, out: &mut Vec<u8>) {
    assert!(!batch.is_empty(), "a record holds at least one effect");
    let header_at = out.len();
    out.extend_from_slice(&[0u8; RecordHeader::ENCODED_BYTES]);
    let payload_at = out.len();
    out.push(PAYLOAD_KIND_EFFECTS);
    put_varint(out, batch.count);
    out.extend_from_slice(&batch.bytes);
    finish_record(seq, header_at, payload_at, out);
}

/// Fills in the header reserved at `header_at` for the payload from `payload_at` to the end.
fn finish_record(seq: u64, header_at: usize, payload_at: usize, out: &mut [u8]) {
    let payload_len = out.len() - payload_at;
    let payload_len_bytes = u32::try_from(payload_len)
        .ok()
        .filter(|&n| n <= RECORD_PAYLOAD_BYTES_MAX)
        .unwrap_or_else(|| panic!("record payload of {payload_len} bytes exceeds the limit"));
    let crc = record_crc(seq, out.get(payload_at..).unwrap_or(&[]));
    let mut header = [0u8; RecordHeader::ENCODED_BYTES];
    header[..4].copy_from_slice(&payload_len_bytes.to_le_bytes());
    header[4..8].copy_from_slice(&crc.to_le_bytes());
    header[8..].copy_from_slice(&seq.to_le_bytes());
    if let Some(slot) = out.get_mut(header_at..payload_at) {
        slot.copy_from_slice(&header);
    }
}

/// A count read from the input, bounded by the bytes left (every item takes at least one),
/// so a forged count never allocates beyond the input's own size.
fn get_count(reader: &mut Reader<'_>) -> Result<usize, DecodeError> {
    let count = reader.varint()?;
    if count > reader.remaining() as u64 {
        return Err(DecodeError::Truncated);
    }
    usize::try_from(count).map_err(|_| DecodeError::Truncated)
}

fn get_list<'a>(reader: &mut Reader<'a>) -> Result<Vec<&'a [u8]>, DecodeError> {
    let count = get_count(reader)?;
    (0..count).map(|_| reader.bytes()).collect()
}

/// Decoded field-value pairs.
type Pairs<'a> = Vec<(&'a [u8], &'a [u8])>;

fn get_pairs<'a>(reader: &mut Reader<'a>) -> Result<Pairs<'a>, DecodeError> {
    let count = get_count(reader)?;
    (0..count).map(|_| Ok((reader.bytes()?, reader.bytes()?))).collect()
}

fn get_score(reader: &mut Reader<'_>) -> Result<f64, DecodeError> {
    let score = f64::from_bits(reader.u64()?);
    if score.is_nan() {
        return Err(DecodeError::BadPayload);
    }
    Ok(score)
}

fn get_scored<'a>(reader: &mut Reader<'a>) -> Result<Vec<(f64, &'a [u8])>, DecodeError> {
    let count = get_count(reader)?;
    (0..count).map(|_| Ok((get_score(reader)?, reader.bytes()?))).collect()
}

fn get_bool(reader: &mut Reader<'_>) -> Result<bool, DecodeError> {
    match reader.u8()? {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(DecodeError::BadPayload),
    }
}

pub(crate) fn get_value<'a>(reader: &mut Reader<'a>) -> Result<Value<&'a [u8]>, DecodeError> {
    match reader.u8()? {
        VALUE_STRING => Ok(Value::String(reader.bytes()?)),
        VALUE_LIST => Ok(Value::List(get_list(reader)?)),
        VALUE_HASH => Ok(Value::Hash(get_pairs(reader)?)),
        VALUE_SET => Ok(Value::Set(get_list(reader)?)),
        VALUE_ZSET => Ok(Value::ZSet(get_scored(reader)?)),
        other => Err(DecodeError::UnknownValueType(other)),
    }
}

fn get_effect<'a>(reader: &mut Reader<'a>) -> Result<Effect<&'a [u8]>, DecodeError> {
    let op = reader.u8()?;
    Ok(match op {
        OP_PUT => {
            let db = reader.varint_u32()?;
            let key = reader.bytes()?;
            let expires_at_ms = reader.u64()?;
            let value = get_value(reader)?;
            Effect::Put { db, key, value, expires_at_ms }
        }
        OP_DELETE => Effect::Delete { db: reader.varint_u32()?, key: reader.bytes()? },
        OP_EXPIRE => Effect::Expire {
            db: reader.varint_u32()?,
            key: reader.bytes()?,
            expires_at_ms: reader.u64()?,
        },
        OP_APPEND => Effect::Append {
            db: reader.varint_u32()?,
            key: reader.bytes()?,
            bytes: reader.bytes()?,
        },
        OP_RENAME => {
            Effect::Rename { db: reader.varint_u32()?, from: reader.bytes()?, to: reader.bytes()? }
        }
        OP_MOVE => Effect::Move {
            from_db: reader.varint_u32()?,
            to_db: reader.varint_u32()?,
            key: reader.bytes()?,
        },
        OP_FLUSH_DB => Effect::FlushDb { db: reader.varint_u32()? },
        OP_FLUSH_ALL => Effect::FlushAll,
        OP_SWAP_DB => Effect::SwapDb { a: reader.varint_u32()?, b: reader.varint_u32()? },
        OP_LIST_PUSH..=OP_ZSET_REMOVE => {
            let db = reader.varint_u32()?;
            let key = reader.bytes()?;
            get_collection_effect(op, db, key, reader)?
        }
        other => return Err(DecodeError::UnknownEffect(other)),
    })
}

/// The rest of a collection effect, after its op byte, database and key.
fn get_collection_effect<'a>(
    op: u8,
    db: u32,
    key: &'a [u8],
    reader: &mut Reader<'a>,
) -> Result<Effect<&'a [u8]>, DecodeError> {
    Ok(match op {
        OP_LIST_PUSH => {
            Effect::ListPush { db, key, left: get_bool(reader)?, elements: get_list(reader)? }
        }
        OP_LIST_POP => {
            Effect::ListPop { db, key, left: get_bool(reader)?, count: reader.varint()? }
        }
        OP_LIST_SET => {
            Effect::ListSet { db, key, index: reader.varint()?, element: reader.bytes()? }
        }
        OP_LIST_INSERT => {
            Effect::ListInsert { db, key, index: reader.varint()?, element: reader.bytes()? }
        }
        OP_LIST_REMOVE => Effect::ListRemove {
            db,
            key,
            count: i64::from_le_bytes(reader.u64()?.to_le_bytes()),
            element: reader.bytes()?,
        },
        OP_HASH_SET => Effect::HashSet { db, key, pairs: get_pairs(reader)? },
        OP_HASH_DELETE => Effect::HashDelete { db, key, fields: get_list(reader)? },
        OP_SET_ADD => Effect::SetAdd { db, key, members: get_list(reader)? },
        OP_SET_REMOVE => Effect::SetRemove { db, key, members: get_list(reader)? },
        OP_ZSET_ADD => Effect::ZSetAdd { db, key, entries: get_scored(reader)? },
        OP_ZSET_REMOVE => Effect::ZSetRemove { db, key, members: get_list(reader)? },
        other => return Err(DecodeError::UnknownEffect(other)),
    })
}

/// Reads a payload's kind and effect count; the reader is left at the first effect.
fn payload_start<'a>(payload: &'a [u8]) -> Result<(Reader<'a>, u64), DecodeError> {
    let mut reader = Reader::new(payload);
    match reader.u8()? {
        PAYLOAD_KIND_EFFECTS => {}
        other => return Err(DecodeError::UnknownPayloadKind(other)),
    }
    let count = reader.varint()?;
    // Every effect takes at least one byte: a count beyond the payload is corrupt, and this
    // bound keeps the allocation below the payload's own size.
    if count == 0 || count > payload.len() as u64 {
        return Err(DecodeError::BadPayload);
    }
    Ok((reader, count))
}

/// The next effect of a payload; a payload ending inside it is malformed.
fn next_effect<'a>(reader: &mut Reader<'a>) -> Result<Effect<&'a [u8]>, DecodeError> {
    get_effect(reader).map_err(|e| match e {
        DecodeError::Truncated => DecodeError::BadPayload,
        other => other,
    })
}

/// Decodes a payload whose CRC was already checked.
fn decode_payload(payload: &[u8]) -> Result<Vec<Effect<&[u8]>>, DecodeError> {
    let (mut reader, count) = payload_start(payload)?;
    let mut effects = Vec::with_capacity(usize::try_from(count).unwrap_or(0).min(1024));
    for _ in 0..count {
        effects.push(next_effect(&mut reader)?);
    }
    if !reader.is_empty() {
        return Err(DecodeError::BadPayload);
    }
    Ok(effects)
}

/// The record at the front of `input`: its header, its payload once its length fits and its
/// CRC matches, and where it ends.
fn checked_payload(input: &[u8]) -> Result<(RecordHeader, &[u8], usize), DecodeError> {
    let header = RecordHeader::decode(input)?;
    let len = usize::try_from(header.payload_len_bytes).map_err(|_| DecodeError::Truncated)?;
    let end = RecordHeader::ENCODED_BYTES.checked_add(len).ok_or(DecodeError::Truncated)?;
    let payload = input.get(RecordHeader::ENCODED_BYTES..end).ok_or(DecodeError::Truncated)?;
    let actual = record_crc(header.seq, payload);
    if actual != header.crc {
        return Err(DecodeError::BadCrc { expected: header.crc, actual });
    }
    Ok((header, payload, end))
}

/// Checks a record as `decode_record_ref` does (length, CRC, every effect) without keeping
/// its effects: returns its sequence number and the bytes it took (`allydb-journal verify`).
pub fn check_record(input: &[u8]) -> Result<(u64, usize), DecodeError> {
    let (header, payload, end) = checked_payload(input)?;
    let (mut reader, count) = payload_start(payload)?;
    for _ in 0..count {
        next_effect(&mut reader)?;
    }
    if !reader.is_empty() {
        return Err(DecodeError::BadPayload);
    }
    Ok((header.seq, end))
}

/// Decodes the record at the front of `input`, borrowing its bytes (replay allocates nothing
/// per record beyond the effect list): returns it and the bytes it took. Checks the length,
/// the CRC, then the payload's structure. Takes any bytes; never panics.
pub fn decode_record_ref(input: &[u8]) -> Result<(RecordRef<'_>, usize), DecodeError> {
    let (header, payload, end) = checked_payload(input)?;
    let effects = decode_payload(payload)?;
    Ok((RecordRef { seq: header.seq, effects }, end))
}

/// What `decode_record_unchecked` reads of a damaged record. Never trusted for replay.
#[derive(Debug, Clone, PartialEq)]
pub struct DamagedRecord<'a> {
    pub seq: u64,
    /// Every effect of a whole record (one that fails its CRC); the effects before the cut of
    /// a record cut short.
    pub effects: Vec<Effect<&'a [u8]>>,
    /// A record cut short inside an effect whose database and key are before the cut: that
    /// database and key (for a RENAME, its source).
    pub cut_key: Option<(u32, &'a [u8])>,
    /// Whether `effects` and `cut_key` name every key the record changes: false when the cut
    /// falls before an effect's key, or effects follow the one it falls in, or it falls in a
    /// RENAME's destination.
    pub all_keys_known: bool,
}

/// The database and key at the front of an effect (after its op byte) of the kinds that
/// start with them, and whether they are all the effect changes.
fn effect_target<'a>(reader: &mut Reader<'a>) -> Option<(u32, &'a [u8], bool)> {
    let op = reader.u8().ok()?;
    match op {
        OP_PUT | OP_DELETE | OP_EXPIRE | OP_APPEND | OP_LIST_PUSH..=OP_ZSET_REMOVE => {
            Some((reader.varint_u32().ok()?, reader.bytes().ok()?, true))
        }
        OP_RENAME => Some((reader.varint_u32().ok()?, reader.bytes().ok()?, false)),
        // MOVE ends with its key, FLUSHDB, FLUSHALL and SWAPDB have none: cut short, nothing
        // of them is named.
        _ => None,
    }
}

/// The sequence number and effects of a damaged record, if its header still decodes: what
/// `allydb-journal repair` names as possibly lost. A whole record (a bad CRC) must decode
/// entirely; of a record cut short (a torn tail: `input` ends before its stated length) the
/// effects before the cut are read, and the key of the one the cut falls in when it is there.
/// Never trusted for replay.
pub fn decode_record_unchecked(input: &[u8]) -> Option<DamagedRecord<'_>> {
    let header = RecordHeader::decode(input).ok()?;
    let len = usize::try_from(header.payload_len_bytes).ok()?;
    let end = RecordHeader::ENCODED_BYTES.checked_add(len)?;
    if let Some(payload) = input.get(RecordHeader::ENCODED_BYTES..end) {
        let effects = decode_payload(payload).ok()?;
        return Some(DamagedRecord {
            seq: header.seq,
            effects,
            cut_key: None,
            all_keys_known: true,
        });
    }
    let payload = input.get(RecordHeader::ENCODED_BYTES..)?;
    let mut reader = Reader::new(payload);
    if reader.u8().ok()? != PAYLOAD_KIND_EFFECTS {
        return None;
    }
    let count =
        reader.varint().ok().filter(|&c| c != 0 && c <= u64::from(header.payload_len_bytes))?;
    let mut record = DamagedRecord {
        seq: header.seq,
        effects: Vec::new(),
        cut_key: None,
        all_keys_known: false,
    };
    for index in 0..count {
        let mut ahead = reader.clone();
        match get_effect(&mut ahead) {
            Ok(effect) => {
                record.effects.push(effect);
                reader = ahead;
            }
            Err(DecodeError::Truncated) => {
                if let Some((db, key, whole)) = effect_target(&mut reader) {
                    record.cut_key = Some((db, key));
                    record.all_keys_known = whole && index + 1 == count;
                }
                return Some(record);
            }
            // Not a record's bytes after all: what was read is named, the rest is unknown.
            Err(_) => return Some(record),
        }
    }
    // Every effect decoded, yet the input is shorter than the stated length: the count or
    // the length is damaged, so more may have been there.
    Some(record)
}

/// `decode_record_ref`, with the record's bytes copied out of `input`.
pub fn decode_record(input: &[u8]) -> Result<(Record, usize), DecodeError> {
    let (record, used) = decode_record_ref(input)?;
    let effects = record.effects.iter().map(|e| e.map_bytes(&|b| b.to_vec())).collect();
    Ok((Record { seq: record.seq, effects }, used))
}

#[cfg(test)]
#[expect(clippy::indexing_slicing, reason = "tests index their own fixed inputs")]
mod tests {
    use super::*;

    fn owned_to_borrowed(effect: &Effect<Vec<u8>>) -> Effect<&[u8]> {
        effect.map_bytes(&|b| b.as_slice())
    }

    #[test]
    fn a_batch_encodes_as_the_record_of_its_effects() {
        let owned = every_effect();
        let effects: Vec<Effect<&[u8]>> = owned.iter().map(owned_to_borrowed).collect();
        let mut direct = Vec::new();
        encode_record(42, &effects, &mut direct);
        let mut batch = EffectBatch::default();
        for effect in &effects {
            batch.push(effect);
        }
        let mut batched = Vec::new();
        encode_batch_record(42, &batch, &mut batched);
        assert_eq!(direct, batched);
        assert_eq!(batch.payload_bytes(), (direct.len() - RecordHeader::ENCODED_BYTES) as u64);
        let decoded = decode_record(&batched).unwrap().0;
        assert_eq!(decoded.effects, owned);
        let before = batch.encoded_bytes();
        batch.push(&effects[0]);
        let rest = batch.split_off(before, 1);
        assert_eq!((batch.len(), rest.len()), (effects.len() as u64, 1));
    }

    fn every_effect() -> Vec<Effect<Vec<u8>>> {
        vec![
            Effect::Put {
                db: 3,
                key: b"k".to_vec(),
                value: Value::String(b"v\x00\xff".to_vec()),
                expires_at_ms: 1_700_000_000_000,
            },
            Effect::Delete { db: 0, key: Vec::new() },
            Effect::Expire { db: 15, key: b"k".to_vec(), expires_at_ms: 0 },
            Effect::Append { db: 1, key: b"a".to_vec(), bytes: vec![7; 300] },
            Effect::Rename { db: 2, from: b"x".to_vec(), to: b"y".to_vec() },
            Effect::Move { from_db: 0, to_db: 9, key: b"m".to_vec() },
            Effect::FlushDb { db: 4 },
            Effect::FlushAll,
            Effect::SwapDb { a: 0, b: 1 },
            Effect::Put {
                db: 0,
                key: b"l".to_vec(),
                value: Value::List(vec![b"a".to_vec(), Vec::new()]),
                expires_at_ms: 5,
            },
            Effect::Put {
                db: 1,
                key: b"h".to_vec(),
                value: Value::Hash(vec![(b"f".to_vec(), b"v".to_vec())]),
                expires_at_ms: 0,
            },
            Effect::Put {
                db: 2,
                key: b"s".to_vec(),
                value: Value::Set(vec![b"1".to_vec(), b"x".to_vec()]),
                expires_at_ms: 0,
            },
            Effect::Put {
                db: 3,
                key: b"z".to_vec(),
                value: Value::ZSet(vec![(f64::NEG_INFINITY, b"m".to_vec()), (1.5, b"n".to_vec())]),
                expires_at_ms: 0,
            },
            Effect::ListPush {
                db: 0,
                key: b"l".to_vec(),
                left: true,
                elements: vec![b"x".to_vec(), b"y".to_vec()],
            },
            Effect::ListPop { db: 0, key: b"l".to_vec(), left: false, count: 300 },
            Effect::ListSet { db: 0, key: b"l".to_vec(), index: 2, element: b"e".to_vec() },
            Effect::ListInsert { db: 0, key: b"l".to_vec(), index: 0, element: b"i".to_vec() },
            Effect::ListRemove { db: 0, key: b"l".to_vec(), count: -2, element: b"r".to_vec() },
            Effect::HashSet {
                db: 1,
                key: b"h".to_vec(),
                pairs: vec![(b"a".to_vec(), b"1".to_vec()), (b"b".to_vec(), Vec::new())],
            },
            Effect::HashDelete { db: 1, key: b"h".to_vec(), fields: vec![b"a".to_vec()] },
            Effect::SetAdd { db: 2, key: b"s".to_vec(), members: vec![b"m".to_vec()] },
            Effect::SetRemove { db: 2, key: b"s".to_vec(), members: vec![b"1".to_vec()] },
            Effect::ZSetAdd {
                db: 3,
                key: b"z".to_vec(),
                entries: vec![(-0.25, b"q".to_vec()), (f64::INFINITY, b"w".to_vec())],
            },
            Effect::ZSetRemove { db: 3, key: b"z".to_vec(), members: vec![b"m".to_vec()] },
        ]
    }

    fn encode(seq: u64, effects: &[Effect<Vec<u8>>]) -> Vec<u8> {
        let borrowed: Vec<Effect<&[u8]>> = effects.iter().map(owned_to_borrowed).collect();
        let mut out = Vec::new();
        encode_record(seq, &borrowed, &mut out);
        out
    }

    #[test]
    fn crc_is_crc32_ieee() {
        assert_eq!(crc32fast::hash(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn every_effect_round_trips() {
        let effects = every_effect();
        let bytes = encode(42, &effects);
        let (record, used) = decode_record(&bytes).unwrap();
        assert_eq!(used, bytes.len());
        assert_eq!(record, Record { seq: 42, effects });
    }

    #[test]
    fn check_record_agrees_with_the_decoder() {
        let bytes = encode(42, &every_effect());
        assert_eq!(check_record(&bytes), Ok((42, bytes.len())));
        for index in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[index] ^= 0x20;
            let decoded = decode_record_ref(&damaged).map(|(r, used)| (r.seq, used));
            assert_eq!(check_record(&damaged), decoded, "flip at {index}");
        }
        for cut in 0..bytes.len() {
            let decoded = decode_record_ref(&bytes[..cut]).map(|(r, used)| (r.seq, used));
            assert_eq!(check_record(&bytes[..cut]), decoded, "cut at {cut}");
        }
    }

    /// The example record of docs/FORMAT.md, byte for byte.
    #[test]
    fn golden_record_matches_format_md() {
        let bytes = encode(
            7,
            &[Effect::Put {
                db: 0,
                key: b"hello".to_vec(),
                value: Value::String(b"world".to_vec()),
                expires_at_ms: 0,
            }],
        );
        let expected_payload: &[u8] = &[
            0x01, 0x01, // kind EFFECTS, 1 effect
            0x01, 0x00, // PUT, db 0
            0x05, b'h', b'e', b'l', b'l', b'o', // key
            0, 0, 0, 0, 0, 0, 0, 0, // no deadline
            0x01, 0x05, b'w', b'o', b'r', b'l', b'd', // string value
        ];
        assert_eq!(&bytes[..4], &(expected_payload.len() as u32).to_le_bytes());
        assert_eq!(&bytes[4..8], &record_crc(7, expected_payload).to_le_bytes());
        assert_eq!(&bytes[8..16], &7u64.to_le_bytes());
        assert_eq!(&bytes[16..], expected_payload);
        assert_eq!(&bytes[..8], &[0x19, 0, 0, 0, 0x44, 0x79, 0x0d, 0x8f]);
    }

    #[test]
    fn every_truncation_is_truncated() {
        let bytes = encode(1, &every_effect());
        for cut in 0..bytes.len() {
            assert_eq!(decode_record(&bytes[..cut]).unwrap_err(), DecodeError::Truncated, "{cut}");
        }
    }

    #[test]
    fn a_record_cut_short_names_what_is_before_the_cut() {
        let effects = vec![
            Effect::Put {
                db: 3,
                key: b"first".to_vec(),
                value: Value::String(b"value".to_vec()),
                expires_at_ms: 0,
            },
            Effect::HashSet {
                db: 1,
                key: b"second".to_vec(),
                pairs: vec![(b"f".to_vec(), b"v".to_vec())],
            },
        ];
        let bytes = encode(5, &effects);
        let first_len = 16 + 1 + 1 + (1 + 1 + 6 + 8 + 1 + 6);
        let second_key_end = first_len + 1 + 1 + 7;
        for cut in 18..bytes.len() {
            let record = decode_record_unchecked(&bytes[..cut]);
            let record = record.unwrap_or_else(|| panic!("cut at {cut}"));
            assert_eq!(record.seq, 5);
            let whole_first = cut >= first_len;
            assert_eq!(record.effects.len(), usize::from(whole_first), "{cut}");
            let expected_key = if cut >= second_key_end {
                Some((1, &b"second"[..]))
            } else if !whole_first && cut >= 16 + 2 + 1 + 1 + 6 {
                Some((3, &b"first"[..]))
            } else {
                None
            };
            assert_eq!(record.cut_key, expected_key, "{cut}");
            assert_eq!(record.all_keys_known, cut >= second_key_end, "{cut}");
        }
        // A whole record that fails its CRC decodes entirely.
        let mut damaged = bytes.clone();
        damaged[4] ^= 1;
        let record = decode_record_unchecked(&damaged).unwrap();
        assert_eq!(record.effects.len(), 2);
        assert!(record.all_keys_known && record.cut_key.is_none());
    }

    #[test]
    fn every_flipped_byte_is_detected() {
        let bytes = encode(9, &every_effect());
        for index in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[index] ^= 0x40;
            match decode_record(&damaged) {
                Err(_) => {}
                Ok((record, _)) => panic!("flip at {index} decoded as {record:?}"),
            }
        }
    }

    #[test]
    fn zeroed_space_never_decodes() {
        assert!(decode_record(&[0u8; 64]).is_err());
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let mut rng = fastrand::Rng::with_seed(11);
        let valid = encode(3, &every_effect());
        for _ in 0..50_000 {
            let mut input = if rng.bool() {
                valid.clone()
            } else {
                (0..rng.usize(0..80)).map(|_| rng.u8(..)).collect()
            };
            for _ in 0..rng.usize(0..4) {
                if !input.is_empty() {
                    let i = rng.usize(0..input.len());
                    input[i] = rng.u8(..);
                }
            }
            let _ = decode_record(&input);
            let _ = decode_record_unchecked(&input);
            // Payload decoding with a forged CRC reaches the structural checks too.
            if input.len() > 16 {
                let _ = decode_payload(&input[16..]);
            }
        }
    }
}
