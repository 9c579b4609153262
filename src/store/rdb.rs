//! Redis's DUMP payload: one value in RDB serialization, then the RDB version (2 bytes, little
//! endian) and a CRC-64 (Jones polynomial, reflected, as Redis's `crc64`) of everything before
//! it. DUMP writes it, RESTORE reads it, so values move between AllyDB and Redis (RESTORE of a
//! redis-server DUMP, and the reverse) and tools that migrate keys that way work.
//!
//! Written as Redis 7.2 (RDB version 11) writes them, by the value's encoding: strings (integers
//! of 32 bits or less in their integer form), `quicklist` lists as one quicklist of listpacks,
//! `listpack` hashes, sets and sorted sets as one listpack, `intset` sets as an intset, and the
//! tables element by element. Strings are never LZF-compressed (Redis compresses those over 20
//! bytes; both forms load anywhere).
//!
//! Read: every value type of RDB versions 1 to 11 but streams, modules and the zipmap of Redis
//! 2.4: plain, ziplist, listpack, intset and quicklist encodings, LZF-compressed and integer
//! strings. Everything is checked (lengths against the bytes present, listpack and ziplist
//! structure, intset order, duplicates, NaN scores, empty collections): a payload that fails is
//! `BadFormat`, never a panic. No claimed count or length is allocated before its bytes are
//! there, and the decoded value is bounded by a budget (`restore`): a small payload that
//! expands (LZF, listpacks of one-byte entries) cannot exhaust memory.
use crate::journal::record::Value as JournalValue;
use crate::protocol::number::{format_double, parse_f64, parse_i64};

/// The RDB version DUMP writes (Redis 7.2's); RESTORE refuses payloads of later versions.
pub const RDB_VERSION: u16 = 11;

const TYPE_STRING: u8 = 0;
const TYPE_LIST: u8 = 1;
const TYPE_SET: u8 = 2;
const TYPE_ZSET: u8 = 3;
const TYPE_HASH: u8 = 4;
const TYPE_ZSET_2: u8 = 5;
const TYPE_LIST_ZIPLIST: u8 = 10;
const TYPE_SET_INTSET: u8 = 11;
const TYPE_ZSET_ZIPLIST: u8 = 12;
const TYPE_HASH_ZIPLIST: u8 = 13;
const TYPE_LIST_QUICKLIST: u8 = 14;
const TYPE_HASH_LISTPACK: u8 = 16;
const TYPE_ZSET_LISTPACK: u8 = 17;
const TYPE_LIST_QUICKLIST_2: u8 = 18;
const TYPE_SET_LISTPACK: u8 = 20;

/// Quicklist node containers (RDB_TYPE_LIST_QUICKLIST_2).
const NODE_PLAIN: u64 = 1;
const NODE_PACKED: u64 = 2;

/// The bytes after the value: version and checksum.
const FOOTER_BYTES: usize = 2 + 8;

/// A list's listpacks in a DUMP hold at most this many bytes (Redis's default
/// `list-max-listpack-size -2`, 8 KiB).
const LIST_NODE_BYTES_MAX: usize = 8 * 1024;

/// Why RESTORE refuses a payload, with Redis's reply texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestoreError {
    VersionOrChecksum,
    BadFormat,
}

impl RestoreError {
    pub fn text(self) -> &'static str {
        match self {
            Self::VersionOrChecksum => "ERR DUMP payload version or checksum are wrong",
            Self::BadFormat => "ERR Bad data format",
        }
    }
}

type Result<T> = std::result::Result<T, RestoreError>;

// ------------------------------------------------------------------------------------ CRC-64

/// Redis's CRC-64: Jones polynomial, reflected input and output, initial value 0.
const CRC64_TABLE: [u64; 256] = {
    let mut table = [0u64; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u64;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0x95AC_9329_AC4B_C9B5 } else { crc >> 1 };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
};

pub fn crc64(mut crc: u64, data: &[u8]) -> u64 {
    for &byte in data {
        crc = CRC64_TABLE[((crc ^ u64::from(byte)) & 0xFF) as usize] ^ (crc >> 8);
    }
    crc
}

// -------------------------------------------------------------------------------------- DUMP

/// The DUMP payload of `value`, whose OBJECT ENCODING is `encoding`.
pub fn dump(value: &JournalValue<&[u8]>, encoding: &str) -> Vec<u8> {
    let mut out = Vec::new();
    match value {
        JournalValue::String(bytes) => {
            out.push(TYPE_STRING);
            write_string(&mut out, bytes);
        }
        JournalValue::List(items) => {
            out.push(TYPE_LIST_QUICKLIST_2);
            let mut nodes: Vec<Listpack> = Vec::new();
            for item in items {
                let full = nodes.last().is_none_or(|node| {
                    node.count > 0 && node.bytes.len() + item.len() > LIST_NODE_BYTES_MAX
                });
                if full {
                    nodes.push(Listpack::new());
                }
                if let Some(node) = nodes.last_mut() {
                    node.push(item);
                }
            }
            write_len(&mut out, nodes.len() as u64);
            for node in nodes {
                write_len(&mut out, NODE_PACKED);
                write_raw(&mut out, &node.finish());
            }
        }
        JournalValue::Hash(pairs) => {
            if encoding == "listpack" {
                out.push(TYPE_HASH_LISTPACK);
                let mut listpack = Listpack::new();
                for (field, value) in pairs {
                    listpack.push(field);
                    listpack.push(value);
                }
                write_raw(&mut out, &listpack.finish());
            } else {
                out.push(TYPE_HASH);
                write_len(&mut out, pairs.len() as u64);
                for (field, value) in pairs {
                    write_string(&mut out, field);
                    write_string(&mut out, value);
                }
            }
        }
        JournalValue::Set(members) => match encoding {
            "intset" => {
                let mut ints: Vec<i64> = members.iter().filter_map(|m| parse_i64(m)).collect();
                ints.sort_unstable();
                out.push(TYPE_SET_INTSET);
                write_raw(&mut out, &intset(&ints));
            }
            "listpack" => {
                out.push(TYPE_SET_LISTPACK);
                let mut listpack = Listpack::new();
                for member in members {
                    listpack.push(member);
                }
                write_raw(&mut out, &listpack.finish());
            }
            _ => {
                out.push(TYPE_SET);
                write_len(&mut out, members.len() as u64);
                for member in members {
                    write_string(&mut out, member);
                }
            }
        },
        JournalValue::ZSet(entries) => {
            if encoding == "listpack" {
                out.push(TYPE_ZSET_LISTPACK);
                let mut listpack = Listpack::new();
                let mut score_text = Vec::new();
                for (score, member) in entries {
                    listpack.push(member);
                    score_text.clear();
                    format_double(*score, &mut score_text);
                    listpack.push(&score_text);
                }
                write_raw(&mut out, &listpack.finish());
            } else {
                // Highest score first, as Redis writes a skiplist (so loading appends).
                out.push(TYPE_ZSET_2);
                write_len(&mut out, entries.len() as u64);
                for (score, member) in entries.iter().rev() {
                    write_string(&mut out, member);
                    out.extend_from_slice(&score.to_le_bytes());
                }
            }
        }
    }
    out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// RDB's length encoding: 6 bits, 14 bits, or a marker and 32 or 64 bits big-endian.
fn write_len(out: &mut Vec<u8>, len: u64) {
    if len < 1 << 6 {
        out.push(len as u8);
    } else if len < 1 << 14 {
        out.extend_from_slice(&[0x40 | (len >> 8) as u8, len as u8]);
    } else if let Ok(len) = u32::try_from(len) {
        out.push(0x80);
        out.extend_from_slice(&len.to_be_bytes());
    } else {
        out.push(0x81);
        out.extend_from_slice(&len.to_be_bytes());
    }
}

/// A string without the integer form (listpacks, intsets).
fn write_raw(out: &mut Vec<u8>, bytes: &[u8]) {
    write_len(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// A string, in Redis's integer form when it is the canonical text of a 32-bit integer.
fn write_string(out: &mut Vec<u8>, bytes: &[u8]) {
    if bytes.len() <= 11 {
        if let Some(n) = parse_i64(bytes) {
            if let Ok(n) = i8::try_from(n) {
                out.extend_from_slice(&[0xC0, n as u8]);
                return;
            }
            if let Ok(n) = i16::try_from(n) {
                out.push(0xC1);
                out.extend_from_slice(&n.to_le_bytes());
                return;
            }
            if let Ok(n) = i32::try_from(n) {
                out.push(0xC2);
                out.extend_from_slice(&n.to_le_bytes());
                return;
            }
        }
    }
    write_raw(out, bytes);
}

/// A listpack under construction: the 6-byte header is filled in by `finish`.
struct Listpack {
    bytes: Vec<u8>,
    count: usize,
}

impl Listpack {
    fn new() -> Self {
        Self { bytes: vec![0; 6], count: 0 }
    }

    /// Appends an element: as an integer when it is the canonical text of one (Redis's
    /// `lpStringToInt64`), else as a string; then its back length.
    fn push(&mut self, element: &[u8]) {
        let start = self.bytes.len();
        let out = &mut self.bytes;
        match parse_i64(element) {
            Some(v @ 0..=127) => out.push(v as u8),
            Some(v @ -4096..=4095) => {
                let v = (if v < 0 { (1 << 13) + v } else { v }) as u16;
                out.extend_from_slice(&[0xC0 | (v >> 8) as u8, v as u8]);
            }
            Some(v) if i16::try_from(v).is_ok() => {
                out.push(0xF1);
                out.extend_from_slice(&(v as i16).to_le_bytes());
            }
            Some(v @ -8_388_608..=8_388_607) => {
                out.push(0xF2);
                out.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
            }
            Some(v) if i32::try_from(v).is_ok() => {
                out.push(0xF3);
                out.extend_from_slice(&(v as i32).to_le_bytes());
            }
            Some(v) => {
                out.push(0xF4);
                out.extend_from_slice(&v.to_le_bytes());
            }
            None => {
                let len = element.len();
                if len < 64 {
                    out.push(0x80 | len as u8);
                } else if len < 4096 {
                    out.extend_from_slice(&[0xE0 | (len >> 8) as u8, len as u8]);
                } else {
                    out.push(0xF0);
                    out.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes());
                }
                out.extend_from_slice(element);
            }
        }
        let entry_len = self.bytes.len() - start;
        self.bytes.extend_from_slice(&backlen(entry_len));
        self.count += 1;
    }

    fn finish(mut self) -> Vec<u8> {
        self.bytes.push(0xFF);
        let total = u32::try_from(self.bytes.len()).unwrap_or(u32::MAX);
        let count = u16::try_from(self.count).unwrap_or(u16::MAX);
        self.bytes[..4].copy_from_slice(&total.to_le_bytes());
        self.bytes[4..6].copy_from_slice(&count.to_le_bytes());
        self.bytes
    }
}

/// A listpack entry's back length: its length in 7-bit groups, most significant first, every
/// byte but the first with the top bit set (Redis's `lpEncodeBacklen`).
fn backlen(len: usize) -> Vec<u8> {
    let groups = super::list::listpack_backlen_bytes(len);
    let len = len as u64;
    (0..groups)
        .map(|i| {
            let shift = 7 * (groups - 1 - i);
            let group = ((len >> shift) & 127) as u8;
            if i == 0 {
                group
            } else {
                group | 128
            }
        })
        .collect()
}

/// An intset of sorted integers, in the narrowest width that holds them all.
fn intset(ints: &[i64]) -> Vec<u8> {
    let fits =
        |bits: u32| ints.iter().all(|&n| n >= -(1i64 << (bits - 1)) && n < 1i64 << (bits - 1));
    let width: usize = if fits(16) {
        2
    } else if fits(32) {
        4
    } else {
        8
    };
    let mut out = Vec::with_capacity(8 + width * ints.len());
    out.extend_from_slice(&(width as u32).to_le_bytes());
    out.extend_from_slice(&u32::try_from(ints.len()).unwrap_or(u32::MAX).to_le_bytes());
    for n in ints {
        out.extend_from_slice(&n.to_le_bytes()[..width]);
    }
    out
}

// ----------------------------------------------------------------------------------- RESTORE

/// What RESTORE charges each decoded string or element beyond its bytes: about what it costs
/// in memory while the value is decoded, built and journaled (vectors, allocator rounding).
pub const ELEMENT_COST_BYTES: usize = 64;

/// The value in a DUMP payload, after its version and checksum are checked. `budget` bounds
/// the decoded value: its bytes plus `ELEMENT_COST_BYTES` per string or element (RESTORE gives
/// `proto-max-bulk-len`). A payload past it is `BadFormat` before the excess is allocated, so
/// a small payload that expands (LZF claims, listpacks of one-byte entries) cannot exhaust
/// memory.
pub fn restore(payload: &[u8], budget: usize) -> Result<JournalValue<Vec<u8>>> {
    let body_len =
        payload.len().checked_sub(FOOTER_BYTES).ok_or(RestoreError::VersionOrChecksum)?;
    let (body, footer) = payload.split_at(body_len);
    let version = u16::from_le_bytes([footer[0], footer[1]]);
    let mut crc = [0u8; 8];
    crc.copy_from_slice(&footer[2..]);
    if version > RDB_VERSION || crc64(0, &payload[..body_len + 2]) != u64::from_le_bytes(crc) {
        return Err(RestoreError::VersionOrChecksum);
    }
    let mut reader = Reader { data: body, budget };
    let kind = reader.byte()?;
    let value = read_value(&mut reader, kind)?;
    let empty = match &value {
        JournalValue::String(_) => false,
        JournalValue::List(items) | JournalValue::Set(items) => items.is_empty(),
        JournalValue::Hash(pairs) => pairs.is_empty(),
        JournalValue::ZSet(entries) => entries.is_empty(),
    };
    if empty {
        return Err(RestoreError::BadFormat);
    }
    Ok(value)
}

struct Reader<'a> {
    data: &'a [u8],
    /// What the decoded value may still cost (`restore`).
    budget: usize,
}

/// Takes `bytes` plus an element's cost from `budget`, or refuses.
fn charge(budget: &mut usize, bytes: usize) -> Result<()> {
    let cost = bytes.checked_add(ELEMENT_COST_BYTES).ok_or(RestoreError::BadFormat)?;
    *budget = budget.checked_sub(cost).ok_or(RestoreError::BadFormat)?;
    Ok(())
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.data.len() {
            return Err(RestoreError::BadFormat);
        }
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        Ok(head)
    }

    fn byte(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    /// A length, or (for the `11` prefix) a string's special encoding: `Err(kind)`.
    fn len_or_encoding(&mut self) -> Result<std::result::Result<u64, u8>> {
        let first = self.byte()?;
        Ok(match first >> 6 {
            0 => Ok(u64::from(first & 0x3F)),
            1 => Ok(u64::from(first & 0x3F) << 8 | u64::from(self.byte()?)),
            2 => match first {
                0x80 => Ok(u64::from(u32::from_be_bytes(self.array()?))),
                0x81 => Ok(u64::from_be_bytes(self.array()?)),
                _ => return Err(RestoreError::BadFormat),
            },
            _ => Err(first & 0x3F),
        })
    }

    fn len(&mut self) -> Result<u64> {
        self.len_or_encoding()?.map_err(|_| RestoreError::BadFormat)
    }

    /// A count of items that each take at least `min_bytes` of what is left: a larger one
    /// cannot be true, and is refused before anything is allocated for it.
    fn count(&mut self, min_bytes: usize) -> Result<usize> {
        let n = usize::try_from(self.len()?).map_err(|_| RestoreError::BadFormat)?;
        if n.saturating_mul(min_bytes) > self.data.len() {
            return Err(RestoreError::BadFormat);
        }
        Ok(n)
    }

    /// A string in any of RDB's forms: plain, integer (8, 16, 32 bits) or LZF-compressed.
    /// Charged to the budget before anything is allocated for it.
    fn string(&mut self) -> Result<Vec<u8>> {
        let int = |n: i64, budget: &mut usize| {
            charge(budget, 20)?;
            Ok(n.to_string().into_bytes())
        };
        match self.len_or_encoding()? {
            Ok(len) => {
                let len = usize::try_from(len).map_err(|_| RestoreError::BadFormat)?;
                let bytes = self.take(len)?;
                charge(&mut self.budget, len)?;
                Ok(bytes.to_vec())
            }
            Err(0) => int(signed_le(self.take(1)?), &mut self.budget),
            Err(1) => int(signed_le(self.take(2)?), &mut self.budget),
            Err(2) => int(signed_le(self.take(4)?), &mut self.budget),
            Err(3) => {
                let compressed =
                    usize::try_from(self.len()?).map_err(|_| RestoreError::BadFormat)?;
                let len = usize::try_from(self.len()?).map_err(|_| RestoreError::BadFormat)?;
                let input = self.take(compressed)?;
                charge(&mut self.budget, len)?;
                lzf_decompress(input, len)
            }
            Err(_) => Err(RestoreError::BadFormat),
        }
    }

    /// A score as old RDB versions wrote it: a length byte (253 NaN, 254 +inf, 255 -inf)
    /// and that many bytes of text.
    fn text_double(&mut self) -> Result<f64> {
        match self.byte()? {
            253 => Err(RestoreError::BadFormat),
            254 => Ok(f64::INFINITY),
            255 => Ok(f64::NEG_INFINITY),
            len => score(self.take(usize::from(len))?),
        }
    }

    fn binary_double(&mut self) -> Result<f64> {
        let value = f64::from_le_bytes(self.array()?);
        if value.is_nan() {
            return Err(RestoreError::BadFormat);
        }
        Ok(value)
    }
}

/// A sorted set's score as text; NaN is refused.
fn score(text: &[u8]) -> Result<f64> {
    parse_f64(text).filter(|s| !s.is_nan()).ok_or(RestoreError::BadFormat)
}

fn read_value(reader: &mut Reader<'_>, kind: u8) -> Result<JournalValue<Vec<u8>>> {
    Ok(match kind {
        TYPE_STRING => JournalValue::String(reader.string()?),
        TYPE_LIST => {
            let n = reader.count(1)?;
            JournalValue::List((0..n).map(|_| reader.string()).collect::<Result<_>>()?)
        }
        TYPE_LIST_ZIPLIST => JournalValue::List(ziplist(&reader.string()?, &mut reader.budget)?),
        TYPE_LIST_QUICKLIST => {
            let nodes = reader.count(1)?;
            let mut items = Vec::new();
            for _ in 0..nodes {
                items.extend(ziplist(&reader.string()?, &mut reader.budget)?);
            }
            JournalValue::List(items)
        }
        TYPE_LIST_QUICKLIST_2 => {
            let nodes = reader.count(2)?;
            let mut items = Vec::new();
            for _ in 0..nodes {
                match reader.len()? {
                    NODE_PLAIN => items.push(reader.string()?),
                    NODE_PACKED => items.extend(listpack(&reader.string()?, &mut reader.budget)?),
                    _ => return Err(RestoreError::BadFormat),
                }
            }
            JournalValue::List(items)
        }
        TYPE_SET => {
            let n = reader.count(1)?;
            unique_members((0..n).map(|_| reader.string()).collect::<Result<_>>()?)?
        }
        TYPE_SET_INTSET => unique_members(intset_members(&reader.string()?, &mut reader.budget)?)?,
        TYPE_SET_LISTPACK => unique_members(listpack(&reader.string()?, &mut reader.budget)?)?,
        TYPE_ZSET | TYPE_ZSET_2 => {
            let n = reader.count(2)?;
            let mut entries = Vec::new();
            for _ in 0..n {
                let member = reader.string()?;
                let score = if kind == TYPE_ZSET {
                    reader.text_double()?
                } else {
                    reader.binary_double()?
                };
                entries.push((score, member));
            }
            unique_entries(entries)?
        }
        TYPE_ZSET_ZIPLIST | TYPE_ZSET_LISTPACK => {
            let pairs = packed_pairs(reader, kind == TYPE_ZSET_ZIPLIST)?;
            let entries = pairs
                .into_iter()
                .map(|(member, text)| Ok((score(&text)?, member)))
                .collect::<Result<Vec<_>>>()?;
            unique_entries(entries)?
        }
        TYPE_HASH => {
            let n = reader.count(2)?;
            let pairs = (0..n)
                .map(|_| Ok((reader.string()?, reader.string()?)))
                .collect::<Result<Vec<_>>>()?;
            unique_pairs(pairs)?
        }
        TYPE_HASH_ZIPLIST | TYPE_HASH_LISTPACK => {
            unique_pairs(packed_pairs(reader, kind == TYPE_HASH_ZIPLIST)?)?
        }
        _ => return Err(RestoreError::BadFormat),
    })
}

/// The items of a ziplist (`ziplist_form`) or listpack string, two by two: a hash's fields
/// and values, a sorted set's members and scores; an odd count is bad data.
fn packed_pairs(reader: &mut Reader<'_>, ziplist_form: bool) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let blob = reader.string()?;
    let items = if ziplist_form {
        ziplist(&blob, &mut reader.budget)?
    } else {
        listpack(&blob, &mut reader.budget)?
    };
    let mut pairs = Vec::with_capacity(items.len() / 2);
    let mut items = items.into_iter();
    while let Some(first) = items.next() {
        pairs.push((first, items.next().ok_or(RestoreError::BadFormat)?));
    }
    Ok(pairs)
}

fn unique_members(members: Vec<Vec<u8>>) -> Result<JournalValue<Vec<u8>>> {
    let mut seen = std::collections::HashSet::with_capacity(members.len());
    if members.iter().all(|m| seen.insert(m.as_slice())) {
        Ok(JournalValue::Set(members))
    } else {
        Err(RestoreError::BadFormat)
    }
}

fn unique_pairs(pairs: Vec<(Vec<u8>, Vec<u8>)>) -> Result<JournalValue<Vec<u8>>> {
    let mut seen = std::collections::HashSet::with_capacity(pairs.len());
    if pairs.iter().all(|(field, _)| seen.insert(field.as_slice())) {
        Ok(JournalValue::Hash(pairs))
    } else {
        Err(RestoreError::BadFormat)
    }
}

fn unique_entries(entries: Vec<(f64, Vec<u8>)>) -> Result<JournalValue<Vec<u8>>> {
    let mut seen = std::collections::HashSet::with_capacity(entries.len());
    if entries.iter().all(|(_, member)| seen.insert(member.as_slice())) {
        Ok(JournalValue::ZSet(entries))
    } else {
        Err(RestoreError::BadFormat)
    }
}

/// A little-endian two's-complement integer of 1 to 8 bytes, sign-extended (the integer
/// entries of listpacks, ziplists and intsets, and RDB's integer strings).
fn signed_le(bytes: &[u8]) -> i64 {
    let mut word = [0u8; 8];
    let n = bytes.len().min(8);
    word[..n].copy_from_slice(&bytes[..n]);
    let shift = 64 - 8 * n as u32;
    i64::from_le_bytes(word).checked_shl(shift).map_or(0, |v| v >> shift)
}

/// A little-endian `u32` header field of 4 bytes as a length.
fn len_le(bytes: &[u8]) -> Result<usize> {
    let mut word = [0u8; 4];
    word.copy_from_slice(bytes.get(..4).ok_or(RestoreError::BadFormat)?);
    usize::try_from(u32::from_le_bytes(word)).map_err(|_| RestoreError::BadFormat)
}

/// liblzf's decompression, to exactly `len` bytes (Redis refuses any other length).
fn lzf_decompress(input: &[u8], len: usize) -> Result<Vec<u8>> {
    // A back reference expands at most 3 bytes into 264: a larger claim cannot be true.
    if len == 0 || len > input.len().saturating_mul(88) {
        return Err(RestoreError::BadFormat);
    }
    // Grown as bytes are produced (the claim is charged, not trusted with an allocation).
    let mut out: Vec<u8> = Vec::with_capacity(len.min(input.len().saturating_mul(2)));
    let mut i = 0;
    while i < input.len() {
        let ctrl = usize::from(input[i]);
        i += 1;
        if ctrl < 32 {
            let run = ctrl + 1;
            let literal = input.get(i..i + run).ok_or(RestoreError::BadFormat)?;
            if out.len() + run > len {
                return Err(RestoreError::BadFormat);
            }
            out.extend_from_slice(literal);
            i += run;
        } else {
            let mut run = ctrl >> 5;
            if run == 7 {
                run += usize::from(*input.get(i).ok_or(RestoreError::BadFormat)?);
                i += 1;
            }
            let low = usize::from(*input.get(i).ok_or(RestoreError::BadFormat)?);
            i += 1;
            let distance = ((ctrl & 0x1F) << 8) + low + 1;
            let from = out.len().checked_sub(distance).ok_or(RestoreError::BadFormat)?;
            if out.len() + run + 2 > len {
                return Err(RestoreError::BadFormat);
            }
            // Byte by byte: the source may overlap what is being written.
            for k in 0..run + 2 {
                let byte = out[from + k];
                out.push(byte);
            }
        }
    }
    if out.len() != len {
        return Err(RestoreError::BadFormat);
    }
    Ok(out)
}

/// The elements of a listpack, integers as their decimal text; the whole structure checked.
fn listpack(blob: &[u8], budget: &mut usize) -> Result<Vec<Vec<u8>>> {
    let bad = RestoreError::BadFormat;
    if blob.len() < 7 || blob.last() != Some(&0xFF) {
        return Err(bad);
    }
    if len_le(blob)? != blob.len() {
        return Err(bad);
    }
    let count = usize::from(u16::from_le_bytes([blob[4], blob[5]]));
    let end = blob.len() - 1;
    let mut at = 6;
    let mut items = Vec::new();
    while at < end {
        let start = at;
        let first = blob[at];
        let field = |from: usize, n: usize| blob.get(from..from + n).ok_or(bad);
        let (item, entry_len) = if first & 0x80 == 0 {
            (i64::from(first).to_string().into_bytes(), 1)
        } else if first & 0xC0 == 0x80 {
            let n = usize::from(first & 0x3F);
            (field(at + 1, n)?.to_vec(), 1 + n)
        } else if first & 0xE0 == 0xC0 {
            let raw =
                u16::from(first & 0x1F) << 8 | u16::from(*field(at + 1, 1)?.first().ok_or(bad)?);
            let value = if raw >= 1 << 12 { i64::from(raw) - (1 << 13) } else { i64::from(raw) };
            (value.to_string().into_bytes(), 2)
        } else if first & 0xF0 == 0xE0 {
            let n = usize::from(first & 0x0F) << 8
                | usize::from(*field(at + 1, 1)?.first().ok_or(bad)?);
            (field(at + 2, n)?.to_vec(), 2 + n)
        } else {
            match first {
                0xF0 => {
                    let n = len_le(field(at + 1, 4)?)?;
                    (field(at + 5, n)?.to_vec(), 5 + n)
                }
                0xF1..=0xF4 => {
                    let width = match first {
                        0xF1 => 2,
                        0xF2 => 3,
                        0xF3 => 4,
                        _ => 8,
                    };
                    (signed_le(field(at + 1, width)?).to_string().into_bytes(), 1 + width)
                }
                _ => return Err(bad),
            }
        };
        let back = backlen(entry_len);
        if field(start + entry_len, back.len())? != back.as_slice() {
            return Err(bad);
        }
        at = start + entry_len + back.len();
        charge(budget, item.len())?;
        items.push(item);
    }
    if at != end || (count != usize::from(u16::MAX) && count != items.len()) {
        return Err(bad);
    }
    Ok(items)
}

/// The elements of a ziplist (RDB versions before 10), integers as their decimal text.
fn ziplist(blob: &[u8], budget: &mut usize) -> Result<Vec<Vec<u8>>> {
    let bad = RestoreError::BadFormat;
    if blob.len() < 11 || blob.last() != Some(&0xFF) {
        return Err(bad);
    }
    let tail = len_le(&blob[4..])?;
    if len_le(blob)? != blob.len() {
        return Err(bad);
    }
    let count = usize::from(u16::from_le_bytes([blob[8], blob[9]]));
    let end = blob.len() - 1;
    let mut at = 10;
    let mut previous_len = 0usize;
    let mut last_start = 10;
    let mut items = Vec::new();
    while at < end {
        let start = at;
        let field = |from: usize, n: usize| blob.get(from..from + n).ok_or(bad);
        let (prevlen, header) = match blob[at] {
            0xFF => return Err(bad),
            0xFE => (len_le(field(at + 1, 4)?)?, 5),
            n => (usize::from(n), 1),
        };
        if prevlen != previous_len {
            return Err(bad);
        }
        at += header;
        let encoding = *field(at, 1)?.first().ok_or(bad)?;
        let (item, body) = match encoding >> 6 {
            0 => {
                let n = usize::from(encoding & 0x3F);
                (field(at + 1, n)?.to_vec(), 1 + n)
            }
            1 => {
                let n = usize::from(encoding & 0x3F) << 8
                    | usize::from(*field(at + 1, 1)?.first().ok_or(bad)?);
                (field(at + 2, n)?.to_vec(), 2 + n)
            }
            2 => {
                let b = field(at + 1, 4)?;
                let n = usize::try_from(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
                    .map_err(|_| bad)?;
                (field(at + 5, n)?.to_vec(), 5 + n)
            }
            _ => {
                let width = match encoding {
                    0xC0 => 2,
                    0xD0 => 4,
                    0xE0 => 8,
                    0xF0 => 3,
                    0xFE => 1,
                    0xF1..=0xFD => 0,
                    _ => return Err(bad),
                };
                let value = match width {
                    0 => i64::from(encoding & 0x0F) - 1,
                    _ => signed_le(field(at + 1, width)?),
                };
                let n = width;
                (value.to_string().into_bytes(), 1 + n)
            }
        };
        at += body;
        previous_len = at - start;
        last_start = start;
        charge(budget, item.len())?;
        items.push(item);
    }
    let tail_ok = tail == last_start;
    if at != end || !tail_ok || (count != usize::from(u16::MAX) && count != items.len()) {
        return Err(bad);
    }
    Ok(items)
}

/// The members of an intset, which must be strictly ascending.
fn intset_members(blob: &[u8], budget: &mut usize) -> Result<Vec<Vec<u8>>> {
    let bad = RestoreError::BadFormat;
    let header = blob.get(..8).ok_or(bad)?;
    let width = match len_le(header)? {
        width @ (2 | 4 | 8) => width,
        _ => return Err(bad),
    };
    let count = len_le(&header[4..])?;
    let body = &blob[8..];
    if count.checked_mul(width) != Some(body.len()) {
        return Err(bad);
    }
    let mut previous: Option<i64> = None;
    let mut members = Vec::new();
    for chunk in body.chunks_exact(width) {
        let value = signed_le(chunk);
        if previous.is_some_and(|p| p >= value) {
            return Err(bad);
        }
        previous = Some(value);
        charge(budget, 20)?;
        members.push(value.to_string().into_bytes());
    }
    Ok(members)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A payload with `body` and a valid footer of `version`.
    fn payload(body: &[u8], version: u16) -> Vec<u8> {
        let mut out = body.to_vec();
        out.extend_from_slice(&version.to_le_bytes());
        let crc = crc64(0, &out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    fn strings(items: &[&str]) -> Vec<Vec<u8>> {
        items.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    #[test]
    fn crc64_is_redis_jones() {
        // Redis's crc64 test vector.
        assert_eq!(crc64(0, b"123456789"), 0xe9c6_d914_c4b8_d9ca);
    }

    /// Payloads redis-server 7.0.15 produced with DUMP, byte for byte.
    #[test]
    fn redis_payloads_restore() {
        let cases: &[(&[u8], JournalValue<Vec<u8>>)] = &[
            (b"\x00\x05hello\n\x00cr\xdfve4 \n", JournalValue::String(b"hello".to_vec())),
            (b"\x00\xc190\n\x00\x9d\x94\xea'\x93\xfc\x08\xb9", JournalValue::String(b"12345".to_vec())),
            (b"\x00\xc0\xff\n\x00\x0c\x93~$\x85\x08\x9d\xc5", JournalValue::String(b"-1".to_vec())),
            // LZF-compressed: 40 times "x".
            (
                b"\x00\xc3\t(\x01xx\xe0\x1b\x00\x01xx\n\x00z\x1dl\xce\xa5@\x133",
                JournalValue::String(vec![b'x'; 40]),
            ),
            (
                b"\x12\x01\x02\x1b\x1b\x00\x00\x00\x06\x00\x81a\x02\x01\x01\x82bb\x03\xdf\xfb\x02\xc1,\x02\xf2p\x11\x01\x04\xff\n\x00S\x12\x13\xb4\xa0\xb5k\x02",
                JournalValue::List(strings(&["a", "1", "bb", "-5", "300", "70000"])),
            ),
            (
                b"\x10\x12\x12\x00\x00\x00\x04\x00\x81f\x02\x81v\x02\x81n\x02\n\x01\xff\n\x00E\xf8B\xd8\xea\x06\x93\xca",
                JournalValue::Hash(vec![
                    (b"f".to_vec(), b"v".to_vec()),
                    (b"n".to_vec(), b"10".to_vec()),
                ]),
            ),
            (
                b"\x0b\x0e\x02\x00\x00\x00\x03\x00\x00\x00\x01\x00\x02\x00\x03\x00\n\x00\xa5\x02\\\xe2mnM\x1b",
                JournalValue::Set(strings(&["1", "2", "3"])),
            ),
            (b"\x02\x02\x01a\x01b\n\x00\xfed!%\xeb\x03=\r", JournalValue::Set(strings(&["a", "b"]))),
            (
                b"\x11\x14\x14\x00\x00\x00\x04\x00\x81a\x02\x01\x01\x81b\x02\x832.5\x04\xff\n\x00\xd4Ln\xa4\xf6D\xd9\xd7",
                JournalValue::ZSet(vec![(1.0, b"a".to_vec()), (2.5, b"b".to_vec())]),
            ),
        ];
        for (bytes, expected) in cases {
            assert_eq!(restore(bytes, usize::MAX).as_ref(), Ok(expected), "{bytes:?}");
        }
    }

    /// DUMP writes what redis-server writes where the two encode alike (only the version
    /// differs: 11 against 7.0's 10).
    #[test]
    fn dump_matches_redis_bytes() {
        let same = |value: JournalValue<&[u8]>, encoding: &str, redis: &[u8]| {
            let ours = dump(&value, encoding);
            assert_eq!(&ours[..ours.len() - 10], &redis[..redis.len() - 10], "{value:?}");
            assert_eq!(restore(&ours, usize::MAX).map(|v| dump(&v.borrowed(), encoding)), Ok(ours));
        };
        same(JournalValue::String(b"hello"), "embstr", b"\x00\x05hello\n\x00cr\xdfve4 \n");
        same(
            JournalValue::String(b"12345"),
            "int",
            b"\x00\xc190\n\x00\x9d\x94\xea'\x93\xfc\x08\xb9",
        );
        same(
            JournalValue::List(vec![b"a", b"1", b"bb", b"-5", b"300", b"70000"]),
            "listpack",
            b"\x12\x01\x02\x1b\x1b\x00\x00\x00\x06\x00\x81a\x02\x01\x01\x82bb\x03\xdf\xfb\x02\xc1,\x02\xf2p\x11\x01\x04\xff\n\x00S\x12\x13\xb4\xa0\xb5k\x02",
        );
        same(
            JournalValue::Hash(vec![(b"f", b"v"), (b"n", b"10")]),
            "listpack",
            b"\x10\x12\x12\x00\x00\x00\x04\x00\x81f\x02\x81v\x02\x81n\x02\n\x01\xff\n\x00E\xf8B\xd8\xea\x06\x93\xca",
        );
        same(
            JournalValue::Set(vec![b"3", b"1", b"2"]),
            "intset",
            b"\x0b\x0e\x02\x00\x00\x00\x03\x00\x00\x00\x01\x00\x02\x00\x03\x00\n\x00\xa5\x02\\\xe2mnM\x1b",
        );
        same(
            JournalValue::ZSet(vec![(1.0, b"a"), (2.5, b"b")]),
            "listpack",
            b"\x11\x14\x14\x00\x00\x00\x04\x00\x81a\x02\x01\x01\x81b\x02\x832.5\x04\xff\n\x00\xd4Ln\xa4\xf6D\xd9\xd7",
        );
    }

    #[test]
    fn every_encoding_round_trips() {
        let long = vec![b'z'; 70_000];
        let numbers: Vec<String> = [
            0i64,
            127,
            128,
            -1,
            -4096,
            4095,
            4096,
            -32768,
            32767,
            40_000,
            -8_388_608,
            8_388_607,
            8_388_608,
            i64::from(i32::MIN),
            i64::from(i32::MAX),
            1 << 40,
            i64::MIN,
            i64::MAX,
        ]
        .iter()
        .map(|n| n.to_string())
        .collect();
        let mut items: Vec<&[u8]> = numbers.iter().map(|n| n.as_bytes()).collect();
        items.extend([&b""[..], b"007", b"-0", b"x", &long[..64], &long[..4096], &long]);
        let list = JournalValue::List(items.clone());
        assert_eq!(
            restore(&dump(&list, "quicklist"), usize::MAX).map(|v| v.borrowed() == list),
            Ok(true)
        );
        let set = JournalValue::Set(items.clone());
        for encoding in ["listpack", "hashtable"] {
            assert_eq!(
                restore(&dump(&set, encoding), usize::MAX).map(|v| v.borrowed() == set),
                Ok(true)
            );
        }
        let ints = JournalValue::Set(numbers.iter().map(|n| n.as_bytes()).collect());
        let JournalValue::Set(mut sorted) = ints.clone() else { unreachable!() };
        sorted.sort_by_key(|m| parse_i64(m));
        let restored = restore(&dump(&ints, "intset"), usize::MAX)
            .map(|v| v.borrowed() == JournalValue::Set(sorted));
        assert_eq!(restored, Ok(true));
        let pairs: Vec<(&[u8], &[u8])> = items.iter().map(|i| (*i, &long[..100])).collect();
        let hash = JournalValue::Hash(pairs);
        for encoding in ["listpack", "hashtable"] {
            assert_eq!(
                restore(&dump(&hash, encoding), usize::MAX).map(|v| v.borrowed() == hash),
                Ok(true)
            );
        }
        let scores = [f64::NEG_INFINITY, -2.5, 0.0, 1.0, 1e300, 0.1, f64::INFINITY];
        let zset = JournalValue::ZSet(scores.iter().zip(&items).map(|(s, m)| (*s, *m)).collect());
        assert_eq!(
            restore(&dump(&zset, "listpack"), usize::MAX).map(|v| v.borrowed() == zset),
            Ok(true)
        );
        let Ok(JournalValue::ZSet(mut back)) = restore(&dump(&zset, "skiplist"), usize::MAX) else {
            panic!()
        };
        back.reverse();
        assert_eq!(JournalValue::ZSet(back).borrowed(), zset);
    }

    /// A ziplist as Redis 6 writes small hashes: `f v n 10`, the 10 as an immediate.
    #[test]
    fn ziplists_of_older_versions_restore() {
        let mut zl = vec![0u8; 10];
        let entries: [&[u8]; 4] = [b"\x01f", b"\x01v", b"\x01n", b"\xfb"];
        let mut previous = 0u8;
        let mut last = 10u32;
        for entry in entries {
            last = zl.len() as u32;
            zl.push(previous);
            zl.extend_from_slice(entry);
            previous = 1 + entry.len() as u8;
        }
        zl.push(0xFF);
        let total = zl.len() as u32;
        zl[..4].copy_from_slice(&total.to_le_bytes());
        zl[4..8].copy_from_slice(&last.to_le_bytes());
        zl[8..10].copy_from_slice(&4u16.to_le_bytes());
        let mut body = vec![TYPE_HASH_ZIPLIST];
        write_raw(&mut body, &zl);
        let expected = JournalValue::Hash(vec![
            (b"f".to_vec(), b"v".to_vec()),
            (b"n".to_vec(), b"10".to_vec()),
        ]);
        assert_eq!(restore(&payload(&body, 9), usize::MAX), Ok(expected));
        // A wrong tail offset, or a wrong previous length, is refused.
        let mut wrong = zl.clone();
        wrong[4] ^= 1;
        let mut body = vec![TYPE_HASH_ZIPLIST];
        write_raw(&mut body, &wrong);
        assert_eq!(restore(&payload(&body, 9), usize::MAX), Err(RestoreError::BadFormat));
    }

    #[test]
    fn damaged_payloads_are_refused() {
        let good = dump(&JournalValue::Set(vec![b"a", b"b"]), "listpack");
        assert!(restore(&good, usize::MAX).is_ok());
        for cut in 0..good.len() {
            assert!(restore(&good[..cut], usize::MAX).is_err(), "cut at {cut}");
        }
        let mut flipped = good.clone();
        flipped[3] ^= 0x40;
        assert_eq!(restore(&flipped, usize::MAX), Err(RestoreError::VersionOrChecksum));
        // A later version.
        assert_eq!(
            restore(&payload(&good[..good.len() - 10], RDB_VERSION + 1), usize::MAX),
            Err(RestoreError::VersionOrChecksum)
        );
        let bad = |body: &[u8]| restore(&payload(body, RDB_VERSION), usize::MAX);
        // Duplicates, empty collections, NaN, odd pairs, unknown types, huge counts.
        assert_eq!(bad(b"\x02\x02\x01a\x01a"), Err(RestoreError::BadFormat));
        assert_eq!(bad(b"\x02\x00"), Err(RestoreError::BadFormat));
        assert_eq!(bad(b"\x04\x02\x01f\x01v\x01f\x01w"), Err(RestoreError::BadFormat));
        let mut nan = vec![TYPE_ZSET_2, 1, 1, b'm'];
        nan.extend_from_slice(&f64::NAN.to_le_bytes());
        assert_eq!(bad(&nan), Err(RestoreError::BadFormat));
        assert_eq!(bad(b"\x0f\x00"), Err(RestoreError::BadFormat));
        assert_eq!(bad(b"\x02\x81\x7f\xff\xff\xff\xff\xff\xff\xff"), Err(RestoreError::BadFormat));
        // An LZF claim far beyond what its bytes can expand to.
        assert_eq!(bad(b"\x00\xc3\x02\x80\x7f\xff\xff\xff\x00x"), Err(RestoreError::BadFormat));
        // Expansion past the budget: an LZF claim, and a listpack of many one-byte entries.
        let mut lzf = vec![TYPE_STRING, 0xC3];
        write_len(&mut lzf, 2);
        write_len(&mut lzf, 1000);
        lzf.extend_from_slice(b"\x00x");
        assert_eq!(restore(&payload(&lzf, RDB_VERSION), 999), Err(RestoreError::BadFormat));
        let mut many = Listpack::new();
        for _ in 0..1000 {
            many.push(b"1");
        }
        let mut body = vec![TYPE_LIST_QUICKLIST_2, 1, 2];
        write_raw(&mut body, &many.finish());
        let list = payload(&body, RDB_VERSION);
        assert!(restore(&list, usize::MAX).is_ok());
        let needed = 2 * (list.len() + ELEMENT_COST_BYTES) + 1000 * (1 + ELEMENT_COST_BYTES);
        assert!(restore(&list, needed).is_ok());
        assert_eq!(restore(&list, 1000 * ELEMENT_COST_BYTES), Err(RestoreError::BadFormat));
        // An intset out of order.
        let mut body = vec![TYPE_SET_INTSET];
        write_raw(&mut body, b"\x02\x00\x00\x00\x02\x00\x00\x00\x02\x00\x01\x00");
        assert_eq!(bad(&body), Err(RestoreError::BadFormat));
    }
}
