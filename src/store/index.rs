//! `SlotIndex`: a shard's hash index from a key's hash to its entry's position (a `u32`),
//! an open-addressing table of one control byte and one 4-byte slot per bucket, probed a
//! group of 8 control bytes at a time (the SwissTable layout that `hashbrown` uses too). It
//! is our own so that a batch of commands can warm the buckets it is about to probe
//! (`touch_home`, `candidate`) before the first of them runs: with 100 k keys a lookup was
//! three dependent cache misses (control byte, slot, entry), 29 % of a GET at pipeline 16.
//!
//! # Invariants
//! - `buckets` is 0 or a power of two of at least `GROUP`; `ctrl` has `buckets + GROUP`
//!   bytes, the last `GROUP` mirroring the first so a group read at any bucket needs no wrap.
//! - A control byte is `EMPTY`, `DELETED` (a tombstone probes continue past) or the top 7
//!   bits of the slot's hash (`FULL` ones have bit 7 clear).
//! - At most 7/8 of the buckets are taken (`FULL` or `DELETED` ones): a probe always meets an
//!   `EMPTY` byte, so a lookup of a missing hash ends.

/// Control bytes read together (a `u64`, little-endian: byte `i` of the group is bucket
/// `position + i`).
const GROUP: usize = 8;
const EMPTY: u8 = 0xFF;
const DELETED: u8 = 0x80;
const LOW_BITS: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// The control byte of a full bucket: the hash's top 7 bits (the low bits choose the bucket,
/// bits 32.. the shard).
#[inline]
fn tag(hash: u64) -> u8 {
    (hash >> 57) as u8
}

/// Bit 7 of byte `i` set for each byte of `group` equal to `byte`. May also set it for a
/// byte right after a true match (the borrow of the subtraction): callers check each
/// candidate, so a false one costs a comparison, never a wrong answer.
#[inline]
fn match_byte(group: u64, byte: u8) -> u64 {
    let x = group ^ (LOW_BITS * u64::from(byte));
    x.wrapping_sub(LOW_BITS) & !x & HIGH_BITS
}

/// `EMPTY` bytes: the only ones with bits 7 and 6 both set.
#[inline]
fn match_empty(group: u64) -> u64 {
    group & (group << 1) & HIGH_BITS
}

/// `EMPTY` or `DELETED` bytes: bit 7 set.
#[inline]
fn match_free(group: u64) -> u64 {
    group & HIGH_BITS
}

/// Bucket offsets (0..GROUP) of the bits set in a match.
#[inline]
fn offsets(mut matches: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (matches != 0).then(|| {
            let offset = matches.trailing_zeros() as usize / 8;
            matches &= matches - 1;
            offset
        })
    })
}

/// Most items `buckets` may hold: 7/8 of them.
fn capacity_of(buckets: usize) -> usize {
    buckets / 8 * 7
}

/// Buckets for at least `items`: a power of two, `GROUP` or more.
fn buckets_for(items: usize) -> usize {
    items.saturating_mul(8).div_ceil(7).max(GROUP).next_power_of_two()
}

/// Asks the CPU to fetch the cache lines holding `value` (its first and last byte's) into
/// all cache levels, and goes on: unlike a load, a prefetch retires at once, so the misses of
/// a whole batch overlap instead of filling the reorder buffer. A hint only; a no-op off
/// x86-64.
#[inline]
pub fn prefetch<T>(value: &T) {
    let first = std::ptr::from_ref(value).cast::<i8>();
    let last = first.wrapping_add(std::mem::size_of::<T>().saturating_sub(1));
    #[cfg(target_arch = "x86_64")]
    #[expect(unsafe_code, reason = "the prefetch intrinsic is unsafe only by its signature")]
    // SAFETY: PREFETCHT0 reads nothing into the program and cannot fault, whatever the
    // address; both are within a live reference anyway. SSE is in x86-64's baseline.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(first);
        _mm_prefetch::<_MM_HINT_T0>(last);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (first, last);
}

#[derive(Default)]
pub struct SlotIndex {
    ctrl: Box<[u8]>,
    slots: Box<[u32]>,
    /// Buckets - 1 (0 while nothing is allocated).
    mask: usize,
    items: usize,
    /// Inserts left before a rehash: `EMPTY` buckets that may still be taken.
    growth_left: usize,
}

impl SlotIndex {
    fn buckets(&self) -> usize {
        self.slots.len()
    }

    #[inline]
    fn group_at(&self, position: usize) -> u64 {
        let mut bytes = [EMPTY; GROUP];
        if let Some(group) = self.ctrl.get(position..position + GROUP) {
            bytes.copy_from_slice(group);
        }
        u64::from_le_bytes(bytes)
    }

    /// Sets bucket `i`'s control byte and its mirror.
    fn set_ctrl(&mut self, i: usize, byte: u8) {
        let mirror = (i.wrapping_sub(GROUP) & self.mask) + GROUP;
        self.ctrl[i] = byte;
        self.ctrl[mirror] = byte;
    }

    /// The groups of `hash`'s probe sequence: home bucket, then triangular steps of whole
    /// groups, which visit every group of a power-of-two table.
    #[inline]
    fn probe(&self, hash: u64) -> impl Iterator<Item = usize> + '_ {
        let mask = self.mask;
        let mut position = (hash as usize) & mask;
        let mut stride = 0;
        std::iter::from_fn(move || {
            let current = position;
            stride += GROUP;
            position = (position + stride) & mask;
            Some(current)
        })
        .take(self.buckets() / GROUP)
    }

    /// The slot whose value satisfies `eq` among those tagged like `hash`: its bucket.
    #[inline]
    pub fn find(&self, hash: u64, mut eq: impl FnMut(u32) -> bool) -> Option<usize> {
        let tag = tag(hash);
        for position in self.probe(hash) {
            let group = self.group_at(position);
            for offset in offsets(match_byte(group, tag)) {
                let bucket = (position + offset) & self.mask;
                if eq(self.slots[bucket]) {
                    return Some(bucket);
                }
            }
            if match_empty(group) != 0 {
                return None;
            }
        }
        None
    }

    /// The value in `bucket` (from `find`).
    #[inline]
    pub fn value(&self, bucket: usize) -> Option<u32> {
        self.slots.get(bucket).copied()
    }

    /// The value in `bucket` (from `find`), to change.
    pub fn slot_mut(&mut self, bucket: usize) -> Option<&mut u32> {
        self.slots.get_mut(bucket)
    }

    /// Adds `value` for `hash`, which no slot holds yet; `rehash` gives any stored value's
    /// hash when the table must grow.
    pub fn insert_new(&mut self, hash: u64, value: u32, rehash: impl Fn(u32) -> u64) {
        let mut bucket = self.free_bucket(hash);
        let reuses_tombstone = bucket.is_some_and(|b| self.ctrl[b] == DELETED);
        if !reuses_tombstone && self.growth_left == 0 {
            self.resize(self.items + 1, &rehash);
            bucket = self.free_bucket(hash);
        }
        let Some(bucket) = bucket else { return };
        if self.ctrl[bucket] == EMPTY {
            self.growth_left -= 1;
        }
        self.set_ctrl(bucket, tag(hash));
        self.slots[bucket] = value;
        self.items += 1;
    }

    /// The first `EMPTY` or `DELETED` bucket of `hash`'s probe sequence.
    fn free_bucket(&self, hash: u64) -> Option<usize> {
        self.probe(hash).find_map(|position| {
            offsets(match_free(self.group_at(position))).next().map(|o| (position + o) & self.mask)
        })
    }

    /// Empties `bucket` (from `find`).
    pub fn remove_at(&mut self, bucket: usize) {
        if self.ctrl.get(bucket).is_none_or(|&c| c & 0x80 != 0) {
            return;
        }
        // A bucket may become EMPTY again only if no probe ever went past it: true when every
        // group read that covers it also covers an EMPTY byte, that is when fewer than GROUP
        // full-or-deleted buckets run on both sides of it together.
        let before = match_empty(self.group_at(bucket.wrapping_sub(GROUP) & self.mask));
        let after = match_empty(self.group_at(bucket));
        let run = before.leading_zeros() / 8 + after.trailing_zeros() / 8;
        if (run as usize) < GROUP {
            self.set_ctrl(bucket, EMPTY);
            self.growth_left += 1;
        } else {
            self.set_ctrl(bucket, DELETED);
        }
        self.items -= 1;
    }

    /// Room for `additional` more items without a rehash.
    pub fn reserve(&mut self, additional: usize, rehash: impl Fn(u32) -> u64) {
        if additional > self.growth_left {
            self.resize(self.items.saturating_add(additional), &rehash);
        }
    }

    /// Rebuilds the table for at least `items`: at the same size when they fit in half its
    /// capacity (tombstones took the room), else at least twice the buckets, so that churn
    /// near either bound does not rehash again a few inserts later (hashbrown's rule).
    fn resize(&mut self, items: usize, rehash: &dyn Fn(u32) -> u64) {
        let capacity = capacity_of(self.buckets());
        let buckets = if items <= capacity / 2 {
            self.buckets()
        } else {
            buckets_for(items.max(capacity + 1))
        };
        // Both allocated before either replaces the old: a failed allocation leaves the
        // table as it was.
        let ctrl: Box<[u8]> = vec![EMPTY; buckets + GROUP].into();
        let slots: Box<[u32]> = vec![0; buckets].into();
        let old_ctrl = std::mem::replace(&mut self.ctrl, ctrl);
        let old_slots = std::mem::replace(&mut self.slots, slots);
        self.mask = buckets - 1;
        self.growth_left = capacity_of(buckets);
        self.items = 0;
        for (&control, &value) in old_ctrl.iter().zip(old_slots.iter()) {
            if control & 0x80 == 0 {
                let hash = rehash(value);
                if let Some(bucket) = self.free_bucket(hash) {
                    self.set_ctrl(bucket, tag(hash));
                    self.slots[bucket] = value;
                    self.growth_left -= 1;
                    self.items += 1;
                }
            }
        }
    }

    /// Prefetches the control bytes and the slots of `hash`'s home group, the first two of a
    /// lookup's misses (step 1 of warming a batch).
    #[inline]
    pub fn prefetch_home(&self, hash: u64) {
        let position = (hash as usize) & self.mask;
        if let (Some(control), Some(slot)) = (self.ctrl.get(position), self.slots.get(position)) {
            prefetch(control);
            prefetch(slot);
        }
    }

    /// The first value in `hash`'s home group tagged like it, without checking its key:
    /// where the entry most likely is (step 2 of warming a batch).
    #[inline]
    pub fn candidate(&self, hash: u64) -> Option<u32> {
        let position = (hash as usize) & self.mask;
        let offset = offsets(match_byte(self.group_at(position), tag(hash))).next()?;
        self.slots.get((position + offset) & self.mask).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn hash_of(value: u32) -> u64 {
        // Spread over all bits, with many equal low bits to force collisions.
        let x = u64::from(value).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        x ^ (x >> 29) ^ (u64::from(value % 7) << 57)
    }

    fn find(index: &SlotIndex, value: u32) -> Option<usize> {
        index.find(hash_of(value), |v| v == value)
    }

    /// Random inserts and removals agree with a model, through growth, tombstone reuse and
    /// same-size rehashes; the 7/8 bound always leaves an EMPTY byte.
    #[test]
    fn matches_a_model() {
        let mut rng = fastrand::Rng::with_seed(11);
        let mut index = SlotIndex::default();
        let mut model: HashSet<u32> = HashSet::new();
        for step in 0..200_000u32 {
            let value = rng.u32(..3_000);
            match (find(&index, value), rng.u8(..5)) {
                (Some(bucket), 0 | 1) => {
                    index.remove_at(bucket);
                    assert!(model.remove(&value), "step {step}");
                }
                (Some(_), _) => assert!(model.contains(&value), "step {step}"),
                (None, _) => {
                    assert!(!model.contains(&value), "step {step}");
                    index.insert_new(hash_of(value), value, hash_of);
                    model.insert(value);
                }
            }
            assert_eq!(index.items, model.len());
            assert!(index.buckets() == 0 || index.ctrl.contains(&EMPTY));
        }
        // `candidate` looks in the home group only: most values are there, not all.
        let mut at_home = 0;
        for &value in &model {
            let bucket = find(&index, value).unwrap();
            assert_eq!(*index.slot_mut(bucket).unwrap(), value);
            at_home += usize::from(index.candidate(hash_of(value)) == Some(value));
        }
        assert!(at_home * 2 > model.len(), "{at_home} of {}", model.len());
        let mirrored = index.ctrl[index.buckets()..].to_vec();
        assert_eq!(mirrored, index.ctrl[..GROUP]);
    }

    /// Removing everything leaves a table that finds nothing and takes new values again.
    #[test]
    fn empties_and_refills() {
        let mut index = SlotIndex::default();
        assert_eq!(find(&index, 1), None);
        index.prefetch_home(hash_of(1));
        assert_eq!(index.candidate(hash_of(1)), None);
        for round in 0..3 {
            for value in 0..1_000 {
                index.insert_new(hash_of(value), value, hash_of);
            }
            for value in 0..1_000 {
                let bucket = find(&index, value).unwrap_or_else(|| panic!("{round} {value}"));
                index.remove_at(bucket);
            }
            assert_eq!(index.items, 0);
            assert!((0..1_000).all(|v| find(&index, v).is_none()));
        }
        // Tombstones never pile up past a rehash: the table did not grow with the churn.
        assert!(index.buckets() <= buckets_for(1_000) * 2);
    }

    #[test]
    fn reserve_needs_no_rehash_after() {
        let mut index = SlotIndex::default();
        index.reserve(10_000, hash_of);
        let buckets = index.buckets();
        for value in 0..10_000 {
            index.insert_new(hash_of(value), value, hash_of);
        }
        assert_eq!(index.buckets(), buckets);
        assert!((0..10_000).all(|v| find(&index, v).is_some()));
    }

    #[test]
    fn group_matches() {
        let group = u64::from_le_bytes([0x11, EMPTY, DELETED, 0x11, 0x7F, EMPTY, 0, 0x11]);
        assert_eq!(offsets(match_byte(group, 0x11)).collect::<Vec<_>>(), [0, 3, 7]);
        assert_eq!(offsets(match_empty(group)).collect::<Vec<_>>(), [1, 5]);
        assert_eq!(offsets(match_free(group)).collect::<Vec<_>>(), [1, 2, 5]);
    }
}
