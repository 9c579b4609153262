//! `stats`: what the journal holds, read in one streaming pass.
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use allydb::journal::reader::RecordAt;
use serde_json::json;

use crate::render::{touched, words};
use crate::walk::{walk_segments, walk_snapshot, Dir, Problem, Visitor};

/// HyperLogLog with 2^12 registers (4 KiB): distinct keys in bounded memory, about 1.6%
/// standard error.
struct DistinctKeys {
    registers: Vec<u8>,
}

const HLL_BITS: u32 = 12;

impl DistinctKeys {
    fn new() -> Self {
        Self { registers: vec![0; 1 << HLL_BITS] }
    }

    fn add(&mut self, db: u32, key: &[u8]) {
        // Mix the database in, then spread the bits (splitmix64's finaliser). FNV-1a, not the
        // server's hash_key: that one is seeded per process, and the same files must give the
        // same estimate every run.
        let fnv = key.iter().fold(0xCBF2_9CE4_8422_2325_u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
        });
        let mut h = fnv ^ u64::from(db).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        h ^= h >> 31;
        let index = (h >> (64 - HLL_BITS)) as usize;
        let rank = ((h << HLL_BITS) | (1 << (HLL_BITS - 1))).leading_zeros() as u8 + 1;
        if let Some(register) = self.registers.get_mut(index) {
            *register = (*register).max(rank);
        }
    }

    fn estimate(&self) -> u64 {
        let m = self.registers.len() as f64;
        let sum: f64 = self.registers.iter().map(|&r| 2f64.powi(-i32::from(r))).sum();
        let raw = 0.7213 / (1.0 + 1.079 / m) * m * m / sum;
        let zeros = self.registers.iter().filter(|&&r| r == 0).count();
        let estimate = if raw <= 2.5 * m && zeros > 0 { m * (m / zeros as f64).ln() } else { raw };
        estimate.round() as u64
    }
}

#[derive(Default)]
struct Counter {
    records: u64,
    record_bytes: u64,
    effects: BTreeMap<&'static str, u64>,
    /// Record bytes per database (a record counts for the database of its first effect;
    /// FLUSHALL and SWAPDB under "all").
    bytes_per_db: BTreeMap<String, u64>,
    keys: Option<DistinctKeys>,
}

impl Visitor for Counter {
    fn record(&mut self, _file: &Path, at: &RecordAt<'_>, _sound: bool) {
        self.records += 1;
        self.record_bytes += at.bytes;
        let mut first_db = None;
        for effect in &at.record.effects {
            let words = words(effect);
            *self.effects.entry(words.name).or_default() += 1;
            if first_db.is_none() {
                first_db = Some(words.db);
            }
            for (db, key) in touched(effect) {
                if let (Some(db), Some(key), Some(keys)) = (db, key, self.keys.as_mut()) {
                    keys.add(db, key);
                }
            }
        }
        let db = match first_db.flatten() {
            Some(db) => db.to_string(),
            None => "all".to_string(),
        };
        *self.bytes_per_db.entry(db).or_default() += at.bytes;
    }
}

fn unix_seconds(time: std::io::Result<SystemTime>) -> Option<u64> {
    time.ok()?.duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs())
}

/// When a file was created (its birth time where the file system keeps one, else its last
/// change), and last written.
fn file_times(path: &Path) -> (Option<u64>, Option<u64>) {
    match std::fs::metadata(path) {
        Ok(meta) => {
            let modified = unix_seconds(meta.modified());
            (unix_seconds(meta.created()).or(modified), modified)
        }
        Err(_) => (None, None),
    }
}

fn utc(seconds: u64) -> String {
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let days = (seconds / 86_400) as i64;
    let rest = seconds % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

pub fn run(path: &Path, json: bool) -> Result<bool, String> {
    let dir = Dir::open(path)?;
    let (manifest, manifest_problem) = dir.effective_manifest();
    let mut problems: Vec<Problem> = manifest_problem.into_iter().collect();
    let snapshot_path = dir.snapshot_path(&manifest);
    let snapshot = snapshot_path.as_ref().map(|p| walk_snapshot(p, manifest.snapshot_seq, |_| {}));
    let mut counter = Counter { keys: Some(DistinctKeys::new()), ..Counter::default() };
    let walk = walk_segments(&dir, &manifest, None, &mut counter);
    if let Some(error) = &walk.fatal {
        return Err(error.clone());
    }
    problems.extend(snapshot.iter().flat_map(|s| s.problems.iter().cloned()));
    problems.extend(walk.problems.iter().cloned());
    let keys_touched = counter.keys.as_ref().map_or(0, DistinctKeys::estimate);
    // The span: from when the oldest live file was created to the last write.
    let oldest = snapshot_path
        .iter()
        .chain(walk.segments.iter().map(|s| &s.path))
        .filter_map(|p| file_times(p).0)
        .min();
    let newest = walk.segments.iter().filter_map(|s| file_times(&s.path).1).max();
    let snapshot_entries: BTreeMap<u32, (u64, u64)> =
        snapshot.as_ref().map(|s| s.entries_per_db.clone()).unwrap_or_default();
    let segment_bytes: u64 = walk.segments.iter().map(|s| s.bytes).sum();
    if json {
        let report = json!({
            "manifest": { "snapshot_seq": manifest.snapshot_seq, "first_segment_seq": manifest.first_segment_seq },
            "snapshot": snapshot.as_ref().map(|s| json!({
                "seq": s.seq,
                "bytes": s.bytes,
                "entries": s.good_entries,
                "per_db": s.entries_per_db.iter().map(|(db, (n, b))| (db.to_string(), json!({"keys": n, "bytes": b}))).collect::<serde_json::Map<_, _>>(),
            })),
            "segments": walk.segments.iter().map(|s| json!({
                "file": s.path.file_name().map(|n| n.to_string_lossy().into_owned()),
                "bytes": s.bytes,
                "records": s.records,
                "first_seq": s.seqs.map(|(a, _)| a),
                "last_seq": s.seqs.map(|(_, b)| b),
            })).collect::<Vec<_>>(),
            "records": counter.records,
            "record_bytes": counter.record_bytes,
            "effects": counter.effects,
            "record_bytes_per_db": counter.bytes_per_db,
            "keys_touched_estimate": keys_touched,
            "first_created_unix": oldest,
            "last_written_unix": newest,
            "problems": problems.iter().map(Problem::json).collect::<Vec<_>>(),
        });
        println!("{report}");
        return Ok(problems.is_empty());
    }
    println!(
        "MANIFEST: snapshot {}, segments from {}",
        manifest.snapshot_seq, manifest.first_segment_seq
    );
    if let Some(s) = &snapshot {
        println!("snapshot: seq {}, {} bytes, {} keys", s.seq, s.bytes, s.good_entries);
        for (db, (keys, bytes)) in &snapshot_entries {
            println!("  db {db}: {keys} keys, {bytes} bytes");
        }
    }
    println!("segments: {} files, {segment_bytes} bytes", walk.segments.len());
    for s in &walk.segments {
        let name = s.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let range = s.seqs.map_or_else(|| "no records".into(), |(a, b)| format!("seq {a}..{b}"));
        println!("  {name}: {} bytes, {} records, {range}", s.bytes, s.records);
    }
    println!("records: {} ({} bytes)", counter.records, counter.record_bytes);
    let mut effects: Vec<_> = counter.effects.iter().collect();
    effects.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (name, count) in effects {
        println!("  {name}: {count}");
    }
    println!("record bytes per database:");
    for (db, bytes) in &counter.bytes_per_db {
        println!("  db {db}: {bytes}");
    }
    println!("keys changed by the records: about {keys_touched}");
    match (oldest, newest) {
        (Some(a), Some(b)) => {
            println!("time span: {} to {} ({} s)", utc(a), utc(b), b.saturating_sub(a))
        }
        _ => println!("time span: unknown"),
    }
    for problem in &problems {
        println!("DAMAGED {}", problem.line());
    }
    Ok(problems.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_distinct_keys_within_a_few_percent() {
        for n in [0u64, 10, 1000, 100_000] {
            let mut keys = DistinctKeys::new();
            for i in 0..n {
                keys.add((i % 3) as u32, format!("key:{i}").as_bytes());
                keys.add((i % 3) as u32, format!("key:{i}").as_bytes());
            }
            let estimate = keys.estimate() as f64;
            assert!((estimate - n as f64).abs() <= n as f64 * 0.06 + 1.0, "{n}: {estimate}");
        }
    }

    #[test]
    fn formats_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_795_000_000), "2026-11-18 11:06:40 UTC");
    }
}
