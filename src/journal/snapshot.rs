//! Snapshot files: the whole keyspace as of one sequence number, in CRC-checked blocks, with
//! the journal's own value encoding. See docs/FORMAT.md, "Snapshots".
//!
//! ```text
//!  header (32 B) | block | block | ... | end block
//!  block = | len: u32 | crc: u32 | payload: `len` bytes |     crc = CRC-32/IEEE of the payload
//!  payload[0] = 1 (entries): db varint, count u32, `count` entries
//!               2 (end):     blocks u64, entries u64, seq u64
//!  entry = key (varint length, bytes) | expires_at_ms u64 | encoding u8 | value
//! ```
use std::path::Path;

use super::codec::{
    decode_file_header, encode_file_header, put_bytes, put_varint, Reader, FILE_HEADER_BYTES,
};
use super::record::{get_value, put_value, DecodeError, Value as JournalValue};
use super::replay::{stored, with_journal_value};
use crate::store::keyspace::shard_of;
use crate::store::{hash_key, Entry, Keyspace, Value};

pub const SNAPSHOT_MAGIC: [u8; 8] = *b"ALLYSNAP";
pub const SNAPSHOT_VERSION: u32 = 1;

/// Entries go into a new block once the current one holds this many bytes: the unit a
/// damaged byte can cost, and the unit the loader hands to a thread.
pub const BLOCK_TARGET_BYTES: usize = 1 << 20;

pub const BLOCK_HEADER_BYTES: usize = 8;
/// The smallest entry: a one-byte key length, the deadline, the encoding byte, the value type
/// and a one-byte length.
const ENTRY_BYTES_MIN: usize = 1 + 8 + 1 + 1 + 1;
pub const BLOCK_ENTRIES: u8 = 1;
pub const BLOCK_END: u8 = 2;

/// The `encoding` byte of an entry: the OBJECT ENCODING the value had when it was saved.
/// Informational (`allydb-journal` shows it); loading derives the encoding from the live
/// thresholds, as Redis does when it loads an RDB file.
fn encoding_code(value: &Value) -> u8 {
    match value.encoding_name() {
        "int" => 1,
        "embstr" => 2,
        "raw" => 3,
        "listpack" => 4,
        "quicklist" => 5,
        "hashtable" => 6,
        "intset" => 7,
        "skiplist" => 8,
        _ => 0,
    }
}

/// The name of an entry's `encoding` byte.
pub fn encoding_name(code: u8) -> &'static str {
    match code {
        1 => "int",
        2 => "embstr",
        3 => "raw",
        4 => "listpack",
        5 => "quicklist",
        6 => "hashtable",
        7 => "intset",
        8 => "skiplist",
        _ => "unknown",
    }
}

/// The file name of the snapshot that represents sequence number `seq`.
pub fn snapshot_file_name(seq: u64) -> String {
    format!("snapshot-{seq:020}.snap")
}

/// The sequence number in a snapshot file name, if `name` is one.
pub fn parse_snapshot_file_name(name: &str) -> Option<u64> {
    name.strip_prefix("snapshot-")?.strip_suffix(".snap")?.parse().ok()
}

/// The file a replica receives its primary's snapshot `seq` into during a full resync, the
/// process's receive number `number` (docs/REPLICATION.md, "Full resync"). Not the
/// compactor's `snapshot-<seq>.snap.tmp`: the compaction cleanup removes those at runtime,
/// and a compaction at the same `seq` would write the same file, while a receive may be in
/// progress. Only a start removes it.
pub fn received_snapshot_file_name(seq: u64, number: u64) -> String {
    format!("replica-snapshot-{seq:020}-{number}.tmp")
}

/// Whether `name` is a file `received_snapshot_file_name` makes.
pub fn is_received_snapshot_file_name(name: &str) -> bool {
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    name.strip_prefix("replica-snapshot-")
        .and_then(|rest| rest.strip_suffix(".tmp"))
        .and_then(|rest| rest.split_once('-'))
        .is_some_and(|(seq, number)| digits(seq) && digits(number))
}

/// ```text
///  0            8          12           16         24         28          32
///  | magic: 8 B | version  | flags: u32 | seq: u64 | crc: u32 | zero: u32 |
///  crc = CRC-32/IEEE of bytes 0..24. Little-endian.
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotHeader {
    /// The last sequence number whose effects the snapshot holds.
    pub seq: u64,
}

impl SnapshotHeader {
    pub const ENCODED_BYTES: usize = FILE_HEADER_BYTES;

    pub fn encode(&self) -> [u8; Self::ENCODED_BYTES] {
        encode_file_header(&SNAPSHOT_MAGIC, SNAPSHOT_VERSION, self.seq)
    }

    /// Takes any bytes; refuses a wrong magic, an unknown version (naming it), a bad CRC.
    pub fn decode(input: &[u8]) -> Result<Self, DecodeError> {
        decode_file_header(input, &SNAPSHOT_MAGIC, &[SNAPSHOT_VERSION]).map(|seq| Self { seq })
    }
}

/// A block's payload is at most this long (its length is a u32): one key whose value encodes
/// to more cannot be saved (a compaction meeting one fails and says which key).
pub const BLOCK_PAYLOAD_BYTES_MAX: usize = u32::MAX as usize;

/// Writes one block around the payload that `fill` appends; false (and nothing appended)
/// when the payload is over BLOCK_PAYLOAD_BYTES_MAX.
fn put_block(out: &mut Vec<u8>, fill: impl FnOnce(&mut Vec<u8>)) -> bool {
    let header_at = out.len();
    out.extend_from_slice(&[0u8; BLOCK_HEADER_BYTES]);
    fill(out);
    let payload = out.get(header_at + BLOCK_HEADER_BYTES..).unwrap_or(&[]);
    let Ok(len) = u32::try_from(payload.len()) else {
        out.truncate(header_at);
        return false;
    };
    let crc = crc32fast::hash(payload);
    let mut header = [0u8; BLOCK_HEADER_BYTES];
    header[..4].copy_from_slice(&len.to_le_bytes());
    header[4..].copy_from_slice(&crc.to_le_bytes());
    if let Some(slot) = out.get_mut(header_at..header_at + BLOCK_HEADER_BYTES) {
        slot.copy_from_slice(&header);
    }
    true
}

/// Encodes `entries` of database `db` as entries blocks appended to `out`; returns the number
/// of blocks and of entries written, or which key is too large for a block. Expired entries
/// are written too: the snapshot is the memory as it was, and the loader treats deadlines as
/// replay does.
pub fn encode_entries<'a>(
    db: u32,
    entries: impl Iterator<Item = &'a Entry>,
    out: &mut Vec<u8>,
) -> Result<(u64, u64), String> {
    let mut entries = entries.peekable();
    let (mut blocks, mut written) = (0u64, 0u64);
    while entries.peek().is_some() {
        let mut count = 0u32;
        let mut last_key: &[u8] = &[];
        let fits = put_block(out, |payload| {
            let start = payload.len();
            payload.push(BLOCK_ENTRIES);
            put_varint(payload, u64::from(db));
            let count_at = payload.len();
            payload.extend_from_slice(&0u32.to_le_bytes());
            for entry in entries.by_ref() {
                last_key = &entry.key;
                put_bytes(payload, &entry.key);
                payload.extend_from_slice(&entry.expires_at_ms.to_le_bytes());
                payload.push(encoding_code(&entry.value));
                with_journal_value(&entry.value, |value| put_value(payload, &value));
                count += 1;
                if payload.len() - start >= BLOCK_TARGET_BYTES || count == u32::MAX {
                    break;
                }
            }
            if let Some(slot) = payload.get_mut(count_at..count_at + 4) {
                slot.copy_from_slice(&count.to_le_bytes());
            }
        });
        if !fits {
            return Err(format!(
                "key '{}' in database {db} encodes to more than {BLOCK_PAYLOAD_BYTES_MAX} bytes, \
                 the most a snapshot block holds",
                String::from_utf8_lossy(last_key)
            ));
        }
        blocks += 1;
        written += u64::from(count);
    }
    Ok((blocks, written))
}

/// Appends the end block: how many entries blocks and entries precede it, and the snapshot's
/// sequence number again.
pub fn encode_end(blocks: u64, entries: u64, seq: u64, out: &mut Vec<u8>) {
    // 25 bytes: always fits.
    let _ = put_block(out, |payload| {
        payload.push(BLOCK_END);
        payload.extend_from_slice(&blocks.to_le_bytes());
        payload.extend_from_slice(&entries.to_le_bytes());
        payload.extend_from_slice(&seq.to_le_bytes());
    });
}

/// One entry of a snapshot, borrowing the file's bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotEntry<'a> {
    pub db: u32,
    pub key: &'a [u8],
    pub expires_at_ms: u64,
    /// See `encoding_name`.
    pub encoding: u8,
    pub value: JournalValue<&'a [u8]>,
}

/// Where a snapshot is damaged, and how.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotError {
    pub offset: usize,
    pub error: String,
}

impl std::fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "offset {}: {}", self.offset, self.error)
    }
}

fn damaged(offset: usize, error: impl std::fmt::Display) -> SnapshotError {
    SnapshotError { offset, error: error.to_string() }
}

/// A snapshot's layout, read without checking block CRCs (`scan`).
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub seq: u64,
    /// Every entries block, in file order.
    pub blocks: Vec<BlockInfo>,
    /// The entry count the end block states.
    pub entries: u64,
}

/// Where an entries block is, and what its payload says it holds (not yet CRC-checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockInfo {
    pub offset: usize,
    pub len: usize,
    pub db: u32,
    pub count: u32,
}

/// Reads the header, walks the block lengths and checks the end block (its CRC, its counts,
/// that nothing follows). Entries blocks' CRCs are checked by `decode_block`.
pub fn scan(data: &[u8]) -> Result<Layout, SnapshotError> {
    let header = SnapshotHeader::decode(data).map_err(|e| damaged(0, format!("header: {e}")))?;
    let mut blocks = Vec::new();
    let mut offset = SnapshotHeader::ENCODED_BYTES;
    loop {
        let (len, crc) = block_header(data, offset)?;
        let payload_at = offset + BLOCK_HEADER_BYTES;
        let payload = data
            .get(payload_at..payload_at.saturating_add(len))
            .ok_or_else(|| damaged(offset, "block runs past the end of the file"))?;
        match payload.first() {
            Some(&BLOCK_ENTRIES) => {
                let mut reader = Reader::new(payload.get(1..).unwrap_or(&[]));
                let (Ok(db), Ok(count)) = (reader.varint_u32(), reader.u32()) else {
                    return Err(damaged(offset, "entries block is truncated"));
                };
                // Checked before the CRC (the loader sizes tables from it): a damaged count
                // must not make it reserve more than the file could hold.
                if (count as usize).saturating_mul(ENTRY_BYTES_MIN) > len {
                    return Err(damaged(offset, format!("entries block states {count} entries")));
                }
                blocks.push(BlockInfo { offset, len, db, count });
            }
            Some(&BLOCK_END) => {
                check_crc(offset, payload, crc)?;
                let Some((block_count, entries, seq)) = decode_end(payload) else {
                    return Err(damaged(offset, "end block is malformed"));
                };
                if block_count != blocks.len() as u64 || seq != header.seq {
                    return Err(damaged(
                        offset,
                        format!(
                            "end block states {block_count} blocks and seq {seq}; the file has \
                             {} blocks and seq {}",
                            blocks.len(),
                            header.seq
                        ),
                    ));
                }
                let end = payload_at + len;
                if end != data.len() {
                    return Err(damaged(end, "bytes after the end block"));
                }
                return Ok(Layout { seq: header.seq, blocks, entries });
            }
            Some(&kind) => return Err(damaged(offset, format!("unknown block kind {kind}"))),
            None => return Err(damaged(offset, "empty block")),
        }
        offset = payload_at + len;
    }
}

/// The end block's payload (CRC already checked): the entries blocks and entries it states,
/// and its seq. None when it is not exactly an end block.
pub fn decode_end(payload: &[u8]) -> Option<(u64, u64, u64)> {
    let mut reader = Reader::new(payload);
    if reader.u8().ok()? != BLOCK_END {
        return None;
    }
    let stated = (reader.u64().ok()?, reader.u64().ok()?, reader.u64().ok()?);
    reader.is_empty().then_some(stated)
}

fn block_header(data: &[u8], offset: usize) -> Result<(usize, u32), SnapshotError> {
    let mut reader = Reader::new(data.get(offset..).unwrap_or(&[]));
    let (Ok(len), Ok(crc)) = (reader.u32(), reader.u32()) else {
        return Err(damaged(offset, "the file ends without an end block (truncated)"));
    };
    let len = usize::try_from(len).map_err(|_| damaged(offset, "block length"))?;
    Ok((len, crc))
}

fn check_crc(offset: usize, payload: &[u8], expected: u32) -> Result<(), SnapshotError> {
    let actual = crc32fast::hash(payload);
    if actual != expected {
        return Err(damaged(offset, DecodeError::BadCrc { expected, actual }));
    }
    Ok(())
}

/// Checks the CRC of the entries block at `offset` and calls `each` with every entry.
pub fn decode_block<'a>(
    data: &'a [u8],
    offset: usize,
    mut each: impl FnMut(SnapshotEntry<'a>),
) -> Result<u64, SnapshotError> {
    let (len, crc) = block_header(data, offset)?;
    let payload_at = offset + BLOCK_HEADER_BYTES;
    let payload = data
        .get(payload_at..payload_at.saturating_add(len))
        .ok_or_else(|| damaged(offset, "block runs past the end of the file"))?;
    check_crc(offset, payload, crc)?;
    let mut reader = Reader::new(payload);
    let bad = |e: DecodeError| damaged(offset, format!("entries block: {e}"));
    if reader.u8().map_err(bad)? != BLOCK_ENTRIES {
        return Err(damaged(offset, "not an entries block"));
    }
    let db = reader.varint_u32().map_err(bad)?;
    let count = reader.u32().map_err(bad)?;
    for _ in 0..count {
        each(get_entry(&mut reader, db).map_err(bad)?);
    }
    if !reader.is_empty() {
        return Err(damaged(offset, "entries block has bytes after its last entry"));
    }
    Ok(u64::from(count))
}

fn get_entry<'a>(reader: &mut Reader<'a>, db: u32) -> Result<SnapshotEntry<'a>, DecodeError> {
    let key = reader.bytes()?;
    let expires_at_ms = reader.u64()?;
    let encoding = reader.u8()?;
    let value = get_value(reader)?;
    Ok(SnapshotEntry { db, key, expires_at_ms, encoding, value })
}

/// What `salvage_block` read of a damaged entries block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SalvagedBlock<'a> {
    pub db: u32,
    /// The entry count the block states.
    pub count: u32,
    /// The key of the first entry that does not decode, when the key itself does (a block cut
    /// short inside that entry's deadline or value).
    pub cut_key: Option<&'a [u8]>,
}

/// What can still be read of a damaged entries block at `offset` (a bad CRC, or cut short by
/// the end of the file): its database, the entry count it states, every entry that decodes
/// before the first that does not, and that one's key if it is there. For naming what a
/// repair loses; never loaded.
pub fn salvage_block<'a>(
    data: &'a [u8],
    offset: usize,
    mut each: impl FnMut(SnapshotEntry<'a>),
) -> Option<SalvagedBlock<'a>> {
    let payload = data.get(offset.checked_add(BLOCK_HEADER_BYTES)?..)?;
    let (len, _) = block_header(data, offset).ok()?;
    let payload = payload.get(..len.min(payload.len()))?;
    let mut reader = Reader::new(payload);
    if reader.u8().ok()? != BLOCK_ENTRIES {
        return None;
    }
    let db = reader.varint_u32().ok()?;
    let count = reader.u32().ok()?;
    let mut salvaged = SalvagedBlock { db, count, cut_key: None };
    for _ in 0..count {
        let mut ahead = reader.clone();
        match get_entry(&mut ahead, db) {
            Ok(entry) => {
                each(entry);
                reader = ahead;
            }
            Err(_) => {
                salvaged.cut_key = reader.bytes().ok();
                break;
            }
        }
    }
    Some(salvaged)
}

/// Loads the snapshot at `path` into `keyspace` (empty), verifying every block, on up to
/// `threads` threads. Returns the snapshot's sequence number and entry count.
pub fn load(path: &Path, keyspace: &Keyspace, threads: usize) -> Result<(u64, u64), String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    // SAFETY: the file is not modified while mapped: snapshots are written once, under a
    // temporary name, and renamed into place, never written again; the server holds the
    // directory's lock, so no other AllyDB process writes to the directory meanwhile.
    #[expect(unsafe_code, reason = "the one mapped file; see SAFETY")]
    let map = unsafe { memmap2::MmapOptions::new().populate().map(&file) }
        .map_err(|e| format!("cannot map: {e}"))?;
    load_bytes(&map, keyspace, threads)
}

/// Loads a snapshot file's bytes into `keyspace` (empty), verifying every block, on up to
/// `threads` threads. Returns the snapshot's sequence number and entry count.
pub fn load_bytes(data: &[u8], keyspace: &Keyspace, threads: usize) -> Result<(u64, u64), String> {
    let layout = scan(data).map_err(|e| e.to_string())?;
    reserve(keyspace, &layout.blocks);
    let threads = threads.clamp(1, 16);
    let results: Vec<Result<u64, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let blocks = &layout.blocks;
                scope.spawn(move || load_blocks(data, blocks, t, threads, keyspace))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("a loader thread panicked".into())))
            .collect()
    });
    let mut loaded = 0u64;
    for result in results {
        loaded += result?;
    }
    if loaded != layout.entries {
        return Err(format!(
            "the end block states {} entries; the blocks hold {loaded}",
            layout.entries
        ));
    }
    Ok((layout.seq, loaded))
}

/// Sizes every shard for the entries the blocks announce, so loading never rehashes (a
/// rehash touches every entry again: a third of the load time without this).
fn reserve(keyspace: &Keyspace, blocks: &[BlockInfo]) {
    let mut per_db = vec![0usize; keyspace.db_count()];
    for block in blocks {
        if let Some(total) = usize::try_from(block.db).ok().and_then(|d| per_db.get_mut(d)) {
            *total = total.saturating_add(block.count as usize);
        }
    }
    for (index, total) in per_db.into_iter().enumerate().filter(|(_, t)| *t > 0) {
        let Some(db) = keyspace.db(index) else { continue };
        let shards = db.shard_count();
        // Keys spread over the shards binomially: a little above the mean covers nearly all.
        let per_shard = total / shards + total / shards / 16 + 8;
        for shard in 0..shards {
            if let Some(mut shard) = db.lock_index(shard) {
                shard.reserve(per_shard);
            }
        }
    }
}

/// Loads every `threads`-th block starting at `first`. A block's entries are decoded and
/// built first, then inserted grouped by shard: one lock per shard and block, and the shard's
/// table stays in cache while its group goes in.
fn load_blocks(
    data: &[u8],
    blocks: &[BlockInfo],
    first: usize,
    threads: usize,
    keyspace: &Keyspace,
) -> Result<u64, String> {
    let mut loaded = 0u64;
    let mut built: Vec<(u64, &[u8], u64, Value)> = Vec::new();
    for block in blocks.iter().skip(first).step_by(threads) {
        let Some(db) = usize::try_from(block.db).ok().and_then(|i| keyspace.db(i)) else {
            return Err(format!(
                "offset {}: the snapshot names database {}, but the server has {} (start it \
                 with --databases {} or more)",
                block.offset,
                block.db,
                keyspace.db_count(),
                u64::from(block.db) + 1
            ));
        };
        built.clear();
        let count = decode_block(data, block.offset, |entry| {
            let value = stored(&entry.value);
            // An empty collection is no key (see `replay::apply`): skipped, as Redis's loader
            // skips empty keys.
            if value.is_empty_collection() {
                return;
            }
            built.push((hash_key(entry.key), entry.key, entry.expires_at_ms, value));
        })
        .map_err(|e| e.to_string())?;
        built.sort_unstable_by_key(|(hash, ..)| shard_of(*hash));
        let mut rest = built.drain(..).peekable();
        while let Some((hash, key, deadline, value)) = rest.next() {
            let shard_index = shard_of(hash);
            let mut shard = db.lock(hash);
            shard.upsert(hash, key, value, Some(deadline), 0);
            while let Some((hash, key, deadline, value)) =
                rest.next_if(|(h, ..)| shard_of(*h) == shard_index)
            {
                shard.upsert(hash, key, value, Some(deadline), 0);
            }
        }
        loaded += count;
    }
    Ok(loaded)
}

#[cfg(test)]
#[expect(clippy::indexing_slicing, reason = "tests index their own fixed inputs")]
mod tests {
    use super::*;
    use crate::store::StrValue;

    fn sample() -> Vec<u8> {
        let mut entries = Vec::new();
        for i in 0..3000u32 {
            let mut entry = Entry::new(
                format!("key:{i}").as_bytes(),
                Value::Str(StrValue::from_bytes(&vec![b'v'; 500])),
            );
            entry.expires_at_ms = u64::from(i % 3) * 1_000_000_000_000_000;
            entries.push(entry);
        }
        let mut out = SnapshotHeader { seq: 77 }.encode().to_vec();
        let (blocks, written) = encode_entries(3, entries.iter(), &mut out).unwrap();
        assert!(blocks >= 2, "1.5 MB of entries spans blocks");
        encode_end(blocks, written, 77, &mut out);
        out
    }

    #[test]
    fn round_trips_entries_in_blocks() {
        let data = sample();
        let layout = scan(&data).unwrap();
        assert_eq!((layout.seq, layout.entries), (77, 3000));
        let mut seen = Vec::new();
        for block in &layout.blocks {
            decode_block(&data, block.offset, |e| {
                seen.push((e.db, e.key.to_vec(), e.expires_at_ms))
            })
            .unwrap();
        }
        assert_eq!(seen.len(), 3000);
        assert_eq!(seen[4], (3, b"key:4".to_vec(), 1_000_000_000_000_000));
    }

    #[test]
    fn every_flip_is_caught_by_scan_or_a_block_crc() {
        let data = sample();
        // Every byte of the header, the block headers and the end block, and a stride of
        // the payloads.
        for index in (0..data.len()).filter(|i| *i < 64 || *i > data.len() - 64 || i % 997 == 0) {
            let mut damaged = data.clone();
            damaged[index] ^= 0x10;
            let caught = match scan(&damaged) {
                Err(_) => true,
                Ok(layout) => layout
                    .blocks
                    .iter()
                    .any(|block| decode_block(&damaged, block.offset, |_| {}).is_err()),
            };
            assert!(caught, "flip at {index} not caught");
        }
    }

    #[test]
    fn salvage_names_the_entries_before_a_cut_and_the_key_it_falls_in() {
        let data = sample();
        let first = scan(&data).unwrap().blocks[0].offset;
        // Each entry: key (1 + 5 or 6 bytes), deadline 8, encoding 1, value 1 + 2 + 500.
        let entry = |i: usize| 1 + format!("key:{i}").len() + 8 + 1 + 1 + 2 + 500;
        let start = first + BLOCK_HEADER_BYTES + 1 + 1 + 4;
        let third = start + entry(0) + entry(1);
        for (cut, named, cut_key) in [
            (third, 2, None),
            (third + 3, 2, None),
            (third + 6, 2, Some(&b"key:2"[..])),
            (third + 100, 2, Some(&b"key:2"[..])),
            (third + entry(2), 3, None),
        ] {
            let mut keys = Vec::new();
            let salvaged = salvage_block(&data[..cut], first, |e| keys.push(e.key)).unwrap();
            assert_eq!((salvaged.db, keys.len(), salvaged.cut_key), (3, named, cut_key), "{cut}");
            assert!(salvaged.count > 3);
        }
    }

    #[test]
    fn truncation_and_trailing_bytes_are_refused() {
        let data = sample();
        for cut in [0, 10, 32, 40, data.len() / 2, data.len() - 1] {
            assert!(scan(&data[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = data.clone();
        longer.push(0);
        assert!(scan(&longer).is_err());
    }

    #[test]
    fn loads_into_a_keyspace_on_two_threads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(snapshot_file_name(77));
        std::fs::write(&path, sample()).unwrap();
        let keyspace = Keyspace::new(16);
        assert_eq!(load(&path, &keyspace, 2).unwrap(), (77, 3000));
        assert_eq!(keyspace.db(3).unwrap().len(), 3000);
        let small = Keyspace::new(2);
        assert!(load(&path, &small, 2).unwrap_err().contains("--databases 4"));
    }

    #[test]
    fn file_names_parse_back() {
        assert_eq!(parse_snapshot_file_name(&snapshot_file_name(42)), Some(42));
        assert_eq!(parse_snapshot_file_name("snapshot-1.snap.tmp"), None);
        assert!(is_received_snapshot_file_name(&received_snapshot_file_name(42, 3)));
        assert_eq!(parse_snapshot_file_name(&received_snapshot_file_name(42, 3)), None);
        assert!(!is_received_snapshot_file_name("replica-snapshot-.tmp"));
        assert!(!is_received_snapshot_file_name("replica-snapshot-42.tmp"));
        assert!(!is_received_snapshot_file_name("replica-snapshot-42-.tmp"));
        assert!(!is_received_snapshot_file_name("replica-snapshot-1.snap"));
    }
}
