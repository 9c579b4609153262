//! `SlotIndex`: a shard's hash index from a key's hash to its entry's position (a `u32`).
//! It is our own so that a batch of commands can warm the buckets it is about to probe
//! (`prefetch_home`, `candidate`) before the first of them runs, and so that a lookup costs
//! one cache miss in the index, not two.
//!
//! The table is an array of 64-byte chunks, one cache line each (the layout of Folly's F14):
//! a chunk holds 12 one-byte tags, an overflow count and 12 slots of 4 bytes. A key's hash
//! picks its home chunk (low bits) and its tag (top 7 bits, with bit 7 set so that a free
//! slot's 0 never matches); a lookup compares the 12 tags at once and checks the slots whose
//! tags match, all in the line it already loaded. SwissTable's layout (`hashbrown`, and this
//! index before) keeps tags and slots in two arrays: two misses before the entry's, where
//! this has one (cargo bench `keyspace direct/lookup-hit`, docs/BENCHMARKS.md).
//!
//! # Invariants
//! - `chunks.len()` is 0 or a power of two; `mask` is `chunks.len() - 1` (0 when empty).
//! - A slot is free when its tag is 0; at most `capacity` (7/8 of the slots) are taken, so an
//!   insert always finds a free slot.
//! - A key that does not fit in its home chunk goes to the next chunk of its probe sequence
//!   (steps of an odd number of chunks, derived from its tag, which visit every chunk) with a
//!   free slot, and every chunk it passed counts one more overflow. A lookup stops at the
//!   first chunk of its sequence with no overflow: no key went past it. Removal takes the
//!   counts back, so no tombstones are needed. A count that reached 255 stays there (a
//!   longer search for a missing key, never a wrong answer) until the next rehash.

/// Slots per chunk: 12 tags and 4 bytes of metadata fill 16 bytes, 12 `u32` slots 48.
const SLOTS: usize = 12;
/// Where a chunk's overflow count sits among its 16 tag bytes.
const OVERFLOW: usize = SLOTS;
/// The bits of the slots in a 16-bit match of the tag bytes.
const SLOT_BITS: u16 = (1 << SLOTS) - 1;
const FREE: u8 = 0;

/// A slot's tag: the hash's top 7 bits (the low bits choose the chunk, bits 32.. the shard)
/// with bit 7 set, never `FREE`.
#[inline]
fn tag(hash: u64) -> u8 {
    (hash >> 56) as u8 | 0x80
}

#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Chunk {
    /// Tags of slots `0..SLOTS`, then the overflow count, then 3 unused bytes.
    tags: [u8; 16],
    slots: [u32; SLOTS],
}

const _: () = assert!(std::mem::size_of::<Chunk>() == 64);

impl Chunk {
    const EMPTY: Self = Self { tags: [FREE; 16], slots: [0; SLOTS] };

    /// The slots whose tag is `byte`: bit `i` for slot `i`, lowest first when iterated. One
    /// SSE2 compare of the 16 tag bytes and a `PMOVMSKB` on x86-64 (LLVM does not make them
    /// of the plain loop used elsewhere).
    #[cfg(target_arch = "x86_64")]
    #[inline]
    fn matching(&self, byte: u8) -> Slots {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
        };
        #[expect(unsafe_code, reason = "SSE2 intrinsics are unsafe by their signature")]
        // SAFETY: the load reads the 16 bytes of `self.tags`, a live array of exactly that
        // size (an unaligned load has no alignment requirement); the rest are register
        // operations. SSE2 is in the baseline of every x86-64 CPU.
        let bits = unsafe {
            let tags = _mm_loadu_si128(self.tags.as_ptr().cast::<__m128i>());
            _mm_movemask_epi8(_mm_cmpeq_epi8(tags, _mm_set1_epi8(byte as i8)))
        };
        Slots(bits as u16 & SLOT_BITS)
    }

    #[cfg(not(target_arch = "x86_64"))]
    #[inline]
    fn matching(&self, byte: u8) -> Slots {
        let mut bits = 0u16;
        for (i, &tag) in self.tags[..SLOTS].iter().enumerate() {
            bits |= u16::from(tag == byte) << i;
        }
        Slots(bits)
    }

    #[inline]
    fn overflowed(&self) -> bool {
        self.tags[OVERFLOW] != 0
    }
}

/// A set of a chunk's slots.
#[derive(Clone, Copy)]
struct Slots(u16);

impl Iterator for Slots {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        (self.0 != 0).then(|| {
            let slot = self.0.trailing_zeros() as usize;
            self.0 &= self.0 - 1;
            slot
        })
    }
}

/// Most items `chunks` may hold: 7/8 of their slots.
fn capacity_of(chunks: usize) -> usize {
    chunks * SLOTS * 7 / 8
}

/// Chunks for at least `items`: a power of two, 1 or more.
fn chunks_for(items: usize) -> usize {
    items.saturating_mul(8).div_ceil(7 * SLOTS).max(1).next_power_of_two()
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

/// Like `prefetch`, for the lines holding the first and last of `bytes` (all of a string of
/// up to 65 bytes, and most of one up to 129: the copy that follows streams the rest).
#[inline]
pub fn prefetch_bytes(bytes: &[u8]) {
    if let (Some(first), Some(last)) = (bytes.first(), bytes.last()) {
        prefetch(first);
        prefetch(last);
    }
}

#[derive(Default)]
pub struct SlotIndex {
    chunks: Box<[Chunk]>,
    /// Chunks - 1 (0 while nothing is allocated).
    mask: usize,
    items: usize,
    /// Most items before the table grows.
    capacity: usize,
}

impl SlotIndex {
    /// Bytes of the table's chunks (MEMORY STATS `overhead.hashtable.main`).
    pub fn memory_bytes(&self) -> usize {
        self.chunks.len() * std::mem::size_of::<Chunk>()
    }

    /// The chunks of `hash`'s probe sequence, home first; each chunk once. It borrows
    /// nothing, so callers may change chunks along the way.
    #[inline]
    fn probe(&self, hash: u64) -> impl Iterator<Item = usize> + use<> {
        let mask = self.mask;
        let step = 2 * usize::from(tag(hash)) + 1;
        let mut chunk = (hash as usize) & mask;
        std::iter::repeat_with(move || {
            let current = chunk;
            chunk = (chunk + step) & mask;
            current
        })
        .take(self.chunks.len())
    }

    /// The bucket (chunk * SLOTS + slot) whose value satisfies `eq` among those tagged like
    /// `hash`.
    #[inline]
    pub fn find(&self, hash: u64, mut eq: impl FnMut(u32) -> bool) -> Option<usize> {
        let tag = tag(hash);
        for position in self.probe(hash) {
            let chunk = self.chunks.get(position)?;
            for slot in chunk.matching(tag) {
                if eq(chunk.slots[slot]) {
                    return Some(position * SLOTS + slot);
                }
            }
            if !chunk.overflowed() {
                return None;
            }
        }
        None
    }

    /// The value in `bucket` (from `find`).
    #[inline]
    pub fn value(&self, bucket: usize) -> Option<u32> {
        self.chunks.get(bucket / SLOTS).map(|c| c.slots[bucket % SLOTS])
    }

    /// The value in `bucket` (from `find`), to change.
    pub fn slot_mut(&mut self, bucket: usize) -> Option<&mut u32> {
        self.chunks.get_mut(bucket / SLOTS).map(|c| &mut c.slots[bucket % SLOTS])
    }

    /// Adds `value` for `hash`, which no slot holds yet; `rehash` gives any stored value's
    /// hash when the table must grow.
    pub fn insert_new(&mut self, hash: u64, value: u32, rehash: impl Fn(u32) -> u64) {
        if self.items >= self.capacity {
            self.resize(self.items + 1, &rehash);
        }
        self.place(hash, value);
    }

    /// Puts `value` in the first free slot of `hash`'s probe sequence, counting an overflow
    /// in every full chunk it passes. There is one: fewer than `capacity` items are stored.
    fn place(&mut self, hash: u64, value: u32) {
        let tag = tag(hash);
        for position in self.probe(hash) {
            let Some(chunk) = self.chunks.get_mut(position) else { return };
            if let Some(slot) = chunk.matching(FREE).next() {
                chunk.tags[slot] = tag;
                chunk.slots[slot] = value;
                self.items += 1;
                return;
            }
            chunk.tags[OVERFLOW] = chunk.tags[OVERFLOW].saturating_add(1);
        }
    }

    /// Empties `bucket` (from `find` with `hash`), and takes back the overflows its value
    /// counted on its way from its home chunk. A bucket not on `hash`'s probe sequence (a
    /// caller's wrong hash) changes nothing.
    pub fn remove_at(&mut self, bucket: usize, hash: u64) {
        let (position, slot) = (bucket / SLOTS, bucket % SLOTS);
        if self.chunks.get(position).is_none_or(|chunk| chunk.tags[slot] == FREE) {
            return;
        }
        let Some(passed) = self.probe(hash).position(|at| at == position) else {
            debug_assert!(false, "bucket {bucket} is not on its hash's probe sequence");
            return;
        };
        for at in self.probe(hash).take(passed) {
            if let Some(chunk) = self.chunks.get_mut(at) {
                if chunk.tags[OVERFLOW] != u8::MAX {
                    chunk.tags[OVERFLOW] -= 1;
                }
            }
        }
        if let Some(chunk) = self.chunks.get_mut(position) {
            chunk.tags[slot] = FREE;
            self.items -= 1;
        }
    }

    /// Room for `additional` more items without a rehash.
    pub fn reserve(&mut self, additional: usize, rehash: impl Fn(u32) -> u64) {
        let wanted = self.items.saturating_add(additional);
        if wanted > self.capacity {
            self.resize(wanted, &rehash);
        }
    }

    /// Rebuilds the table for at least `items`, with at least twice the chunks, so that
    /// churn near the bound does not rehash again a few inserts later.
    fn resize(&mut self, items: usize, rehash: &dyn Fn(u32) -> u64) {
        let chunks = chunks_for(items.max(self.capacity + 1));
        let old = std::mem::replace(&mut self.chunks, vec![Chunk::EMPTY; chunks].into());
        self.mask = chunks - 1;
        self.capacity = capacity_of(chunks);
        self.items = 0;
        for chunk in old.iter() {
            for (&tag, &value) in chunk.tags[..SLOTS].iter().zip(&chunk.slots) {
                if tag != FREE {
                    self.place(rehash(value), value);
                }
            }
        }
    }

    /// Prefetches `hash`'s home chunk, the index's one miss of a lookup (step 1 of warming
    /// a batch).
    #[inline]
    pub fn prefetch_home(&self, hash: u64) {
        if let Some(chunk) = self.chunks.get((hash as usize) & self.mask) {
            prefetch(chunk);
        }
    }

    /// The first value in `hash`'s home chunk tagged like it, without checking its key:
    /// where the entry most likely is (step 2 of warming a batch).
    #[inline]
    pub fn candidate(&self, hash: u64) -> Option<u32> {
        let chunk = self.chunks.get((hash as usize) & self.mask)?;
        chunk.matching(tag(hash)).next().map(|slot| chunk.slots[slot])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn hash_of(value: u32) -> u64 {
        // Spread over all bits, but home chunks only at multiples of 4 and 5 tags, to force
        // collisions and overflows.
        let x = u64::from(value).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (x ^ (x >> 29)) & !0xFF00_0000_0000_0003 | (u64::from(value % 5) << 56)
    }

    fn find(index: &SlotIndex, value: u32) -> Option<usize> {
        index.find(hash_of(value), |v| v == value)
    }

    fn remove(index: &mut SlotIndex, value: u32) -> bool {
        let found = find(index, value);
        if let Some(bucket) = found {
            index.remove_at(bucket, hash_of(value));
        }
        found.is_some()
    }

    /// The overflow counts are exactly what the stored values' probe paths give (none has
    /// saturated in these tests).
    fn check_overflows(index: &SlotIndex) {
        let mut expected = vec![0usize; index.chunks.len()];
        for (position, chunk) in index.chunks.iter().enumerate() {
            for (&tag, &value) in chunk.tags[..SLOTS].iter().zip(&chunk.slots) {
                if tag != FREE {
                    for passed in index.probe(hash_of(value)).take_while(|&c| c != position) {
                        expected[passed] += 1;
                    }
                }
            }
        }
        let counts: Vec<usize> =
            index.chunks.iter().map(|c| usize::from(c.tags[OVERFLOW])).collect();
        assert_eq!(counts, expected);
    }

    /// Random inserts and removals agree with a model, through growth, overflows and their
    /// removal.
    #[test]
    fn matches_a_model() {
        let mut rng = fastrand::Rng::with_seed(11);
        let mut index = SlotIndex::default();
        let mut model: HashSet<u32> = HashSet::new();
        for step in 0..200_000u32 {
            let value = rng.u32(..3_000);
            match (find(&index, value), rng.u8(..5)) {
                (Some(_), 0 | 1) => {
                    assert!(remove(&mut index, value));
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
            assert!(index.items <= index.capacity);
            if step % 10_000 == 0 {
                check_overflows(&index);
            }
        }
        check_overflows(&index);
        assert!(index.chunks.iter().any(Chunk::overflowed), "the test makes overflows");
        for &value in &model {
            let bucket = find(&index, value).unwrap();
            assert_eq!(index.value(bucket), Some(value));
            assert_eq!(*index.slot_mut(bucket).unwrap(), value);
        }
    }

    /// Removing everything leaves a table that finds nothing, has no overflow left, and
    /// takes new values again.
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
            check_overflows(&index);
            for value in 0..1_000 {
                assert!(remove(&mut index, value), "{round} {value}");
            }
            assert_eq!(index.items, 0);
            assert!(!index.chunks.iter().any(Chunk::overflowed));
            assert!((0..1_000).all(|v| find(&index, v).is_none()));
        }
        // Churn does not grow the table.
        assert_eq!(index.chunks.len(), chunks_for(1_000));
    }

    /// A full home chunk sends later keys on; a lookup of a missing key stops at the first
    /// chunk without an overflow, and removing the overflowed key clears the count.
    #[test]
    fn overflow_into_the_next_chunk() {
        let mut index = SlotIndex::default();
        index.reserve(capacity_of(4), |_| 0);
        assert_eq!(index.chunks.len(), 4);
        // All in chunk 0 (low bits 0), tag 0x80 | 1: step 2 * 0x81 + 1 = 259, chunk 3 next.
        let hash = |value: u32| (1u64 << 56) | (u64::from(value) << 8);
        for value in 0..=SLOTS as u32 {
            index.insert_new(hash(value), value, hash);
        }
        assert_eq!(index.chunks[0].tags[OVERFLOW], 1);
        let last = index.find(hash(SLOTS as u32), |v| v == SLOTS as u32);
        assert_eq!(last, Some(3 * SLOTS));
        assert_eq!(index.find(hash(99), |v| v == 99), None);
        index.remove_at(3 * SLOTS, hash(SLOTS as u32));
        assert_eq!(index.chunks[0].tags[OVERFLOW], 0);
        assert_eq!(index.find(hash(SLOTS as u32), |v| v == SLOTS as u32), None);
        assert!((0..SLOTS as u32).all(|v| index.find(hash(v), |x| x == v).is_some()));
    }

    /// Filled to its capacity with well-spread hashes, the table did not rehash, and
    /// `candidate`, which looks in the home chunk only, finds most values (84 % at the
    /// full 7/8: the others went on, or a false tag match came first).
    #[test]
    fn reserve_needs_no_rehash_after() {
        let spread = |value: u32| {
            let x = u64::from(value).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            x ^ (x >> 29)
        };
        let mut index = SlotIndex::default();
        index.reserve(10_000, spread);
        let chunks = index.chunks.len();
        let full = capacity_of(chunks) as u32;
        for value in 0..full {
            index.insert_new(spread(value), value, spread);
        }
        assert_eq!(index.chunks.len(), chunks);
        assert!((0..full).all(|v| index.find(spread(v), |x| x == v).is_some()));
        let at_home = (0..full).filter(|&v| index.candidate(spread(v)) == Some(v)).count();
        assert!(at_home * 4 > full as usize * 3, "{at_home} of {full}");
    }

    /// 300 keys with one home chunk: its count saturates at 255 and stays there through the
    /// removals (a lookup goes on past it, never a wrong answer), every other count comes
    /// back to 0, and nothing removed is found.
    #[test]
    fn a_saturated_overflow_count_stays() {
        let mut index = SlotIndex::default();
        index.reserve(300, |_| 0);
        assert_eq!(index.chunks.len(), 32);
        let hash = |value: u32| (u64::from(value % 7) << 56) | (u64::from(value) << 8);
        for value in 0..300 {
            index.insert_new(hash(value), value, hash);
        }
        assert_eq!(index.chunks.len(), 32, "no rehash");
        assert_eq!(index.chunks[0].tags[OVERFLOW], u8::MAX);
        assert!((0..300).all(|v| index.find(hash(v), |x| x == v).is_some()));
        for value in 0..300 {
            let bucket = index.find(hash(value), |x| x == value).unwrap();
            index.remove_at(bucket, hash(value));
        }
        assert_eq!(index.items, 0);
        assert_eq!(index.chunks[0].tags[OVERFLOW], u8::MAX);
        assert!(index.chunks[1..].iter().all(|c| !c.overflowed()));
        assert!((0..300).all(|v| index.find(hash(v), |x| x == v).is_none()));
        index.insert_new(hash(1), 1, hash);
        assert_eq!(index.find(hash(1), |x| x == 1).and_then(|b| index.value(b)), Some(1));
    }

    #[test]
    fn matching_tags() {
        let mut chunk = Chunk::EMPTY;
        chunk.tags[..SLOTS]
            .copy_from_slice(&[0x91, 0, 0x80, 0x91, 0xFF, 0, 0x91, 0, 0, 0, 0, 0x91]);
        // The overflow count is never taken for a tag.
        chunk.tags[OVERFLOW] = 0x91;
        assert_eq!(chunk.matching(0x91).collect::<Vec<_>>(), [0, 3, 6, 11]);
        assert_eq!(chunk.matching(FREE).collect::<Vec<_>>(), [1, 5, 7, 8, 9, 10]);
        assert_eq!(chunk.matching(0x92).next(), None);
        assert!(chunk.overflowed());
    }
}
