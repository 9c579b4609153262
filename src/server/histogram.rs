//! Per-command latency histograms (INFO latencystats, LATENCY HISTOGRAM), bucketed as Redis's:
//! an HdrHistogram over 1 ns .. 1 s with 2 significant digits (Redis's
//! `LATENCY_HISTOGRAM_MIN_VALUE`, `_MAX_VALUE`, `_PRECISION`), fed each command's duration in
//! whole microseconds times 1000, so that percentiles and bucket bounds come out as Redis
//! prints them (`p50=1.003`, `histogram_usec` keys 1, 2, 4, 8, 16, 33, ...).
//!
//! The bucket arithmetic is HdrHistogram's, for these fixed parameters: 256 sub-buckets (128
//! per half), 23 buckets, 3,072 counts. Value `v` falls in bucket `b = bits(v | 255) - 8`,
//! at sub-bucket `v >> b`; every value of a count slot shares its highest equivalent value.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::OnceLock;

/// `latency-tracking`: whether commands feed their histograms.
static TRACKING: AtomicBool = AtomicBool::new(true);

/// CONFIG SET latency-tracking.
pub fn set_tracking(enabled: bool) {
    TRACKING.store(enabled, Relaxed);
}

#[inline]
pub fn is_tracking() -> bool {
    TRACKING.load(Relaxed)
}

/// Smallest and largest values tracked, in nanoseconds; values outside are clamped.
const MIN_NS: u64 = 1;
const MAX_NS: u64 = 1_000_000_000;

const SUB_BUCKET_HALF_COUNT_MAGNITUDE: u32 = 7;
const SUB_BUCKET_HALF_COUNT: u64 = 1 << SUB_BUCKET_HALF_COUNT_MAGNITUDE;
const SUB_BUCKET_MASK: u64 = (SUB_BUCKET_HALF_COUNT << 1) - 1;
const BUCKET_COUNT: usize = 23;

/// Count slots per histogram (HdrHistogram's `counts_len`).
pub const COUNTS_LEN: usize = (BUCKET_COUNT + 1) << SUB_BUCKET_HALF_COUNT_MAGNITUDE;

/// Slots per chunk of a `ThreadHistogram`: one half-bucket of HdrHistogram's layout.
const CHUNK: usize = SUB_BUCKET_HALF_COUNT as usize;
const CHUNKS: usize = COUNTS_LEN / CHUNK;

/// One serving thread's counts for one command. Only that thread writes them (a plain load
/// and store, no locked instruction); readers sum all threads'. The 3,072 slots come in 24
/// chunks of 128, each made at its first count (1 KiB): a command whose durations stay within
/// a few powers of two costs a few KiB, not 24.
pub struct ThreadHistogram {
    chunks: [OnceLock<Box<[AtomicU64; CHUNK]>>; CHUNKS],
}

impl Default for ThreadHistogram {
    fn default() -> Self {
        Self { chunks: std::array::from_fn(|_| OnceLock::new()) }
    }
}

impl ThreadHistogram {
    /// Counts one duration of `usec` microseconds. Call only from the owning thread.
    #[inline]
    pub fn record(&self, usec: u64) {
        let slot = slot_of_usec(usec);
        let Some(chunk) = self.chunks.get(slot / CHUNK) else { return };
        let counts = chunk.get_or_init(|| Box::new(std::array::from_fn(|_| AtomicU64::new(0))));
        if let Some(count) = counts.get(slot % CHUNK) {
            count.store(count.load(Relaxed).wrapping_add(1), Relaxed);
        }
    }

    /// Adds these counts to `sums` (`COUNTS_LEN` long).
    pub fn add_to(&self, sums: &mut [u64]) {
        for (chunk, sums) in self.chunks.iter().zip(sums.chunks_mut(CHUNK)) {
            if let Some(counts) = chunk.get() {
                for (sum, count) in sums.iter_mut().zip(counts.iter()) {
                    *sum += count.load(Relaxed);
                }
            }
        }
    }
}

/// The count slot of a duration of `usec` microseconds.
#[inline]
pub fn slot_of_usec(usec: u64) -> usize {
    slot_of(usec.saturating_mul(1000).clamp(MIN_NS, MAX_NS))
}

/// HdrHistogram's `counts_index_for`.
#[inline]
fn slot_of(value: u64) -> usize {
    let bits = u64::BITS - (value | SUB_BUCKET_MASK).leading_zeros();
    let bucket = bits - (SUB_BUCKET_HALF_COUNT_MAGNITUDE + 1);
    let sub_bucket = value >> bucket;
    let base = (bucket as usize + 1) << SUB_BUCKET_HALF_COUNT_MAGNITUDE;
    // The sub-bucket is in 128..256 (or below 128 in bucket 0, which has no lower half).
    (base + sub_bucket as usize).saturating_sub(SUB_BUCKET_HALF_COUNT as usize)
}

/// The lowest value (ns) that falls in count slot `slot` and the slot's width
/// (HdrHistogram's `value_at_index` and `size_of_equivalent_value_range`).
fn bounds_ns(slot: usize) -> (u64, u64) {
    let half = SUB_BUCKET_HALF_COUNT as usize;
    let (bucket, sub_bucket) = match (slot >> SUB_BUCKET_HALF_COUNT_MAGNITUDE).checked_sub(1) {
        Some(bucket) => (bucket, (slot & (half - 1)) + half),
        None => (0, slot & (half - 1)),
    };
    ((sub_bucket as u64) << bucket, 1u64 << bucket)
}

/// The highest value (ns) that falls in count slot `slot` (`highest_equivalent_value`).
fn highest_ns(slot: usize) -> u64 {
    let (lowest, width) = bounds_ns(slot);
    lowest + width - 1
}

/// The value (ns) at `percentile` of `counts` (HdrHistogram's `hdr_value_at_percentile`): the
/// highest equivalent value (the lowest for percentile 0) of the first slot whose running
/// count reaches the percentile's share of the total, rounded, at least 1. 0 for an empty
/// histogram.
pub fn value_at_percentile(counts: &[u64], percentile: f64) -> u64 {
    let total: u64 = counts.iter().sum();
    let requested = percentile.min(100.0);
    // As HdrHistogram: `(int64_t)(requested / 100 * total + 0.5)`.
    let wanted = ((requested / 100.0 * total as f64 + 0.5) as u64).max(1);
    let mut running = 0u64;
    for (slot, count) in counts.iter().enumerate() {
        running += count;
        if running >= wanted {
            return if percentile == 0.0 { bounds_ns(slot).0 } else { highest_ns(slot) };
        }
    }
    0
}

/// Redis's LATENCY HISTOGRAM buckets (`fillCommandCDF`, a log iterator from 1024 ns doubling):
/// (microseconds, running count) at each power-of-two bucket whose running count grew.
pub fn cumulative_usec(counts: &[u64]) -> Vec<(u64, u64)> {
    let total: u64 = counts.iter().sum();
    let mut out = Vec::new();
    let (mut running, mut previous, mut slot) = (0u64, 0u64, 0usize);
    let mut level = 1024u64;
    while running < total && level <= MAX_NS.next_power_of_two() {
        let last = slot_of(level).min(COUNTS_LEN - 1);
        while slot <= last {
            running += counts.get(slot).copied().unwrap_or(0);
            slot += 1;
        }
        if running > previous {
            out.push((highest_ns(last) / 1000, running));
        }
        previous = running;
        level <<= 1;
    }
    out
}

/// A percentile as Redis prints it (C's `%f`, trailing zeros and point trimmed as Redis's
/// trimDoubleString does): `50`, `99.9`;
/// CONFIG GET latency-tracking-info-percentiles shows them so too.
pub fn percentile_text(percentile: f64) -> String {
    let text = format!("{percentile:.6}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A percentile as INFO latencystats names it: `p50`, `p99.9`.
pub fn percentile_name(percentile: f64) -> String {
    format!("p{}", percentile_text(percentile))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn histogram(usecs: &[u64]) -> Vec<u64> {
        let mut counts = vec![0u64; COUNTS_LEN];
        for usec in usecs {
            counts[slot_of_usec(*usec)] += 1;
        }
        counts
    }

    #[test]
    fn slots_and_bounds_are_hdr_histograms() {
        // Values below 256 have a slot each; above, slots widen by powers of two.
        assert_eq!(slot_of(1), 1);
        assert_eq!(slot_of(255), 255);
        assert_eq!(highest_ns(slot_of(255)), 255);
        assert_eq!(highest_ns(slot_of(1000)), 1003);
        assert_eq!(highest_ns(slot_of(2000)), 2007);
        assert_eq!(highest_ns(slot_of(3000)), 3007);
        assert_eq!(highest_ns(slot_of(12_000)), 12_031);
        assert!(slot_of(MAX_NS) < COUNTS_LEN);
        // Every slot's highest value maps back to that slot.
        for slot in 1..=slot_of(MAX_NS) {
            assert_eq!(slot_of(highest_ns(slot)), slot, "{slot}");
        }
    }

    #[test]
    fn percentiles_match_redis_figures() {
        // Seen on redis-server: three PINGs of 1, 1 and 2 µs give p50=1.003, p99=2.007.
        let counts = histogram(&[1, 1, 2]);
        assert_eq!(value_at_percentile(&counts, 50.0), 1003);
        assert_eq!(value_at_percentile(&counts, 99.0), 2007);
        assert_eq!(value_at_percentile(&counts, 100.0), 2007);
        // A 0 µs command is clamped to 1 ns: p50=0.001.
        assert_eq!(value_at_percentile(&histogram(&[0]), 50.0), 1);
        assert_eq!(value_at_percentile(&histogram(&[]), 50.0), 0);
        // Percentile 0 is the lowest value of the first slot counted.
        assert_eq!(value_at_percentile(&histogram(&[2, 3]), 0.0), 2000);
        // Beyond a second, the largest bucket.
        assert_eq!(
            value_at_percentile(&histogram(&[5_000_000]), 50.0),
            highest_ns(slot_of(MAX_NS))
        );
    }

    #[test]
    fn cumulative_buckets_match_redis_latency_histogram() {
        // Seen on redis-server: SET calls of 12, 12, 18 and 18 µs give 16 => 2, 33 => 4.
        assert_eq!(cumulative_usec(&histogram(&[12, 12, 18, 18])), vec![(16, 2), (33, 4)]);
        assert_eq!(cumulative_usec(&histogram(&[1, 1, 2])), vec![(1, 2), (2, 3)]);
        assert_eq!(cumulative_usec(&histogram(&[0])), vec![(1, 1)]);
        assert_eq!(cumulative_usec(&histogram(&[])), vec![]);
        let big = cumulative_usec(&histogram(&[3_000_000]));
        assert_eq!(big.len(), 1);
        assert_eq!(big[0].1, 1);
    }

    #[test]
    fn percentile_names_trim_as_redis_does() {
        assert_eq!(percentile_name(50.0), "p50");
        assert_eq!(percentile_name(99.9), "p99.9");
        assert_eq!(percentile_name(99.99), "p99.99");
        assert_eq!(percentile_name(0.0), "p0");
    }
}
