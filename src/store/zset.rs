//! Sorted set values: members ordered by (score, member bytes). Small sets are packed in one
//! allocation ("listpack" in OBJECT ENCODING, as Redis 7.2 names it); past the
//! `zset-max-listpack-*` limits (encoding.rs) they become, one way, an order-statistic B+tree
//! over an arena of members plus a member index ("skiplist", Redis's name for the encoding).
use std::cmp::Ordering;
use std::hash::BuildHasher;

use hashbrown::HashTable;

use super::compact::CompactBytes;
use super::encoding;

/// Redis's order: by score, then by member bytes.
pub fn compare(a: (f64, &[u8]), b: (f64, &[u8])) -> Ordering {
    a.0.partial_cmp(&b.0).unwrap_or(Ordering::Equal).then_with(|| a.1.cmp(b.1))
}

/// A sorted set. Scores are never NaN.
#[derive(Debug, Clone)]
pub enum ZSetValue {
    Listpack(Packed),
    Skiplist(Box<SortedTree>),
}

impl Default for ZSetValue {
    fn default() -> Self {
        Self::Listpack(Packed::default())
    }
}

impl PartialEq for ZSetValue {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

/// Bytes of a packed entry beyond its member: two length bytes and the score.
const PACKED_ENTRY_OVERHEAD: usize = 10;

/// What the packed form can hold at most (u8 lengths and count), whatever
/// `zset-max-listpack-*` say: larger settings convert to the tree earlier than Redis.
const PACKED_VALUE_BYTES_MAX: usize = u8::MAX as usize;
const PACKED_ENTRIES_MAX: usize = u8::MAX as usize - 1;

/// A small sorted set in one exact-size allocation, as Redis's listpack: entries sorted by
/// (score, member), each `[len: u8][score: f64 LE][member: len bytes][len: u8]`. The trailing
/// length lets ranges walk backwards. 10 bytes per entry plus the member, against 32 (and a
/// heap block for members over 22 bytes) for a vector of pairs.
///
/// # Invariants
/// `bytes` holds exactly `len` well-formed entries, in order, members at most 64 bytes.
#[derive(Debug, Clone, Default)]
pub struct Packed {
    bytes: Box<[u8]>,
    len: u8,
}

/// The entry starting at `at`: its score, member and the offset after it.
fn entry_at(bytes: &[u8], at: usize) -> Option<(f64, &[u8], usize)> {
    let len = usize::from(*bytes.get(at)?);
    let score = f64::from_le_bytes(bytes.get(at + 1..at + 9)?.try_into().ok()?);
    let member = bytes.get(at + 9..at + 9 + len)?;
    Some((score, member, at + len + PACKED_ENTRY_OVERHEAD))
}

/// The entry ending at `end`: its score, member and start offset.
fn entry_before(bytes: &[u8], end: usize) -> Option<(f64, &[u8], usize)> {
    let len = usize::from(*bytes.get(end.checked_sub(1)?)?);
    let start = end.checked_sub(len + PACKED_ENTRY_OVERHEAD)?;
    let (score, member, _) = entry_at(bytes, start)?;
    Some((score, member, start))
}

fn push_entry(out: &mut Vec<u8>, score: f64, member: &[u8]) {
    let len = u8::try_from(member.len()).unwrap_or(u8::MAX);
    out.push(len);
    out.extend_from_slice(&score.to_le_bytes());
    out.extend_from_slice(member);
    out.push(len);
}

impl Packed {
    fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Entries with their start offsets, in order.
    fn entries(&self) -> impl Iterator<Item = (usize, f64, &[u8])> + '_ {
        let mut at = 0;
        (0..self.len()).map_while(move |_| {
            let (score, member, next) = entry_at(&self.bytes, at)?;
            let start = at;
            at = next;
            Some((start, score, member))
        })
    }

    /// The position and score of `member`.
    fn find(&self, member: &[u8]) -> Option<(usize, f64)> {
        self.entries().enumerate().find(|(_, (_, _, m))| *m == member).map(|(i, (_, s, _))| (i, s))
    }

    /// Offset of the entry of rank `rank` (the end offset for `rank == len`).
    fn offset_of(&self, rank: usize) -> usize {
        self.entries().nth(rank).map_or(self.bytes.len(), |(at, _, _)| at)
    }

    /// Rebuilds the entries without `member` and, when given, with `(score, member)` in its
    /// place in the order; one exact-size allocation.
    fn rebuild(&mut self, member: &[u8], new_score: Option<f64>) {
        let mut out = Vec::with_capacity(self.bytes.len() + member.len() + PACKED_ENTRY_OVERHEAD);
        let mut pending = new_score;
        let mut count = 0u8;
        for (_, score, m) in self.entries() {
            if let Some(new) = pending {
                if compare((new, member), (score, m)) == Ordering::Less {
                    push_entry(&mut out, new, member);
                    count += 1;
                    pending = None;
                }
            }
            if m != member {
                push_entry(&mut out, score, m);
                count += 1;
            }
        }
        if let Some(new) = pending {
            push_entry(&mut out, new, member);
            count += 1;
        }
        self.bytes = out.into_boxed_slice();
        self.len = count;
    }
}

/// The most bytes per member and the most members a packed set holds: the
/// `zset-max-listpack-*` settings, read per write (CONFIG SET applies from the next one on),
/// capped by what the packed form can hold.
pub fn packed_limits() -> (usize, usize) {
    (
        encoding::zset_max_listpack_value().min(PACKED_VALUE_BYTES_MAX),
        encoding::zset_max_listpack_entries().min(PACKED_ENTRIES_MAX),
    )
}

impl ZSetValue {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        match self {
            Self::Listpack(packed) => packed.len(),
            Self::Skiplist(list) => list.len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            Self::Listpack(packed) => packed.find(member).map(|(_, score)| score),
            Self::Skiplist(list) => list.find(member).map(|slot| list.nodes[slot as usize].score),
        }
    }

    /// A whole set as Redis's loader builds one from a file: every entry into a tree (a
    /// repeated member keeps its last score), then packed if the result is within the listpack
    /// limits. So a set past the limits keeps a score of -0, which inserting one by one into a
    /// listpack first would turn into 0, and a stored set loads back the same.
    pub fn from_entries<'a>(entries: impl Iterator<Item = (f64, &'a [u8])> + Clone) -> Self {
        let (value_max, entries_max) = packed_limits();
        let (count, longest) = entries
            .clone()
            .fold((0, 0), |(count, longest), (_, m)| (count + 1, m.len().max(longest)));
        let mut zset = Self::new();
        if count <= entries_max && longest <= value_max {
            entries.for_each(|(score, member)| {
                zset.insert(score, member);
            });
            return zset;
        }
        let mut list = SortedTree::new();
        for (score, member) in entries {
            debug_assert!(!score.is_nan());
            list.remove(member);
            list.insert_new(score, member.into());
        }
        let list = Self::Skiplist(Box::new(list));
        if list.len() > entries_max || list.iter().any(|(_, m)| m.len() > value_max) {
            return list;
        }
        list.iter().for_each(|(score, member)| {
            zset.insert(score, member);
        });
        zset
    }

    /// Sets `member`'s score; true if the member is new. Converts to the tree once the
    /// set grows past Redis's listpack limits.
    pub fn insert(&mut self, score: f64, member: &[u8]) -> bool {
        debug_assert!(!score.is_nan());
        if let Self::Listpack(packed) = self {
            // A listpack keeps scores as text and reads "-0" back as 0, as Redis's does.
            let score = score + 0.0;
            let existed = packed.find(member).is_some();
            let (value_max, entries_max) = packed_limits();
            let fits = member.len() <= value_max && (existed || packed.len() < entries_max);
            if fits {
                packed.rebuild(member, Some(score));
                return !existed;
            }
            let mut list = SortedTree::new();
            for (_, s, m) in packed.entries() {
                list.insert_new(s, m.into());
            }
            *self = Self::Skiplist(Box::new(list));
        }
        match self {
            Self::Skiplist(list) => match list.find(member) {
                Some(slot) => {
                    list.update_score(slot, score);
                    false
                }
                None => {
                    list.insert_new(score, member.into());
                    true
                }
            },
            Self::Listpack(_) => false,
        }
    }

    /// Removes `member`; true if it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self {
            Self::Listpack(packed) => {
                if packed.find(member).is_none() {
                    return false;
                }
                packed.rebuild(member, None);
                true
            }
            Self::Skiplist(list) => list.remove(member),
        }
    }

    /// The 0-based rank of `member`, lowest score first.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        match self {
            Self::Listpack(packed) => packed.find(member).map(|(rank, _)| rank),
            Self::Skiplist(list) => {
                let slot = list.find(member)?;
                Some(list.rank_of(list.nodes[slot as usize].score, member))
            }
        }
    }

    /// How many members, from the lowest, satisfy `before`, which must hold for a prefix of
    /// the order (e.g. "score < min"). O(log n) on the tree.
    pub fn count_before(&self, before: impl Fn(f64, &[u8]) -> bool) -> usize {
        match self {
            Self::Listpack(packed) => {
                packed.entries().take_while(|(_, s, m)| before(*s, m)).count()
            }
            Self::Skiplist(list) => list.count_before(before),
        }
    }

    /// Members in order, lowest score first.
    pub fn iter(&self) -> Iter<'_> {
        self.range(0, self.len())
    }

    /// Members of ranks `start..end` (0-based, clamped), in order; O(log n) to the start.
    pub fn range(&self, start: usize, end: usize) -> Iter<'_> {
        let end = end.min(self.len());
        let start = start.min(end);
        match self {
            Self::Listpack(packed) => Iter::Listpack {
                bytes: &packed.bytes,
                front: packed.offset_of(start),
                back: packed.offset_of(end),
                remaining: end - start,
            },
            Self::Skiplist(list) => {
                if start == end {
                    let none = (NONE, 0);
                    return Iter::Skiplist { tree: list, front: none, back: none, remaining: 0 };
                }
                let (front, back) = (list.locate(start), list.locate(end - 1));
                Iter::Skiplist { tree: list, front, back, remaining: end - start }
            }
        }
    }

    /// ZSCAN's step on the tree: calls `f` with the members of arena slots `cursor..`
    /// until `count` were seen, and returns the next cursor (0 when done). A listpack is
    /// returned whole. Slots never move while a member lives, so a member present for the
    /// whole iteration is returned at least once.
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(f64, &[u8])) -> u64 {
        match self {
            Self::Listpack(packed) => {
                packed.entries().for_each(|(_, s, m)| f(s, m));
                0
            }
            Self::Skiplist(list) => {
                let start = usize::try_from(cursor).unwrap_or(usize::MAX);
                let mut seen = 0usize;
                for slot in start..list.nodes.len() {
                    let node = &list.nodes[slot];
                    if !node.score.is_nan() {
                        f(node.score, &node.member);
                        seen += 1;
                    }
                    if seen >= count && slot + 1 < list.nodes.len() {
                        return u64::try_from(slot + 1).unwrap_or(0);
                    }
                }
                0
            }
        }
    }

    /// Whether the set is stored as the tree (OBJECT ENCODING `skiplist`), not packed.
    pub fn is_tree(&self) -> bool {
        matches!(self, Self::Skiplist(_))
    }

    pub fn encoding_name(&self) -> &'static str {
        match self {
            Self::Listpack(_) => "listpack",
            Self::Skiplist(_) => "skiplist",
        }
    }

    pub fn memory_bytes(&self) -> usize {
        match self {
            Self::Listpack(packed) => packed.bytes.len(),
            Self::Skiplist(list) => list.memory_bytes(),
        }
    }
}

/// Iterator over a range of members, either end.
pub enum Iter<'a> {
    Listpack {
        bytes: &'a [u8],
        front: usize,
        back: usize,
        remaining: usize,
    },
    /// Cursors (leaf, position) at the next entry from either end.
    Skiplist {
        tree: &'a SortedTree,
        front: (u32, usize),
        back: (u32, usize),
        remaining: usize,
    },
}

impl<'a> Iterator for Iter<'a> {
    type Item = (f64, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Self::Listpack { bytes, front, remaining, .. } => {
                if *remaining == 0 {
                    return None;
                }
                let (score, member, next) = entry_at(bytes, *front)?;
                *remaining -= 1;
                *front = next;
                Some((score, member))
            }
            Self::Skiplist { tree, front, remaining, .. } => {
                if *remaining == 0 {
                    return None;
                }
                *remaining -= 1;
                let (leaf, at) = *front;
                let leaf_node = &tree.leaves[leaf as usize];
                let node = &tree.nodes[leaf_node.slots[at] as usize];
                *front = if at + 1 < leaf_node.len { (leaf, at + 1) } else { (leaf_node.next, 0) };
                Some((node.score, &*node.member))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = match self {
            Self::Listpack { remaining, .. } => *remaining,
            Self::Skiplist { remaining, .. } => *remaining,
        };
        (n, Some(n))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        match self {
            Self::Listpack { bytes, back, remaining, .. } => {
                if *remaining == 0 {
                    return None;
                }
                let (score, member, start) = entry_before(bytes, *back)?;
                *remaining -= 1;
                *back = start;
                Some((score, member))
            }
            Self::Skiplist { tree, back, remaining, .. } => {
                if *remaining == 0 {
                    return None;
                }
                *remaining -= 1;
                let (leaf, at) = *back;
                let leaf_node = &tree.leaves[leaf as usize];
                let node = &tree.nodes[leaf_node.slots[at] as usize];
                *back = match at.checked_sub(1) {
                    Some(previous) => (leaf, previous),
                    None => {
                        let previous = leaf_node.previous;
                        let last = tree
                            .leaves
                            .get(previous as usize)
                            .map_or(0, |l| l.len.saturating_sub(1));
                        (previous, last)
                    }
                };
                Some((node.score, &*node.member))
            }
        }
    }
}

impl ExactSizeIterator for Iter<'_> {}

// ------------------------------------------------------------------------------ B+tree

/// Entries a tree node holds at most, minus one: a node that reaches it splits in two
/// halves. 32 keeps a leaf's scores in 4 cache lines searched by bisection (faster than 64
/// in cargo bench `zset-update-100k`), 100,000 members 4 levels deep with the upper levels
/// cached (a skip list of them took ~15 dependent cache misses per search).
const NODE_CAPACITY: usize = 32;
/// Fewest entries in a node other than the root: below it a node borrows from or merges
/// with a sibling, so height and memory stay bounded after deletions.
const NODE_FILL_MIN: usize = NODE_CAPACITY / 4;
/// Inner levels at most: every inner node but the root has `NODE_FILL_MIN` children or more,
/// so 2^32 slots need fewer than 9.
const HEIGHT_MAX: usize = 16;
/// "No leaf" in the leaf links.
const NONE: u32 = u32::MAX;

/// A member and its score in the arena; a free slot has a NaN score (scores never are).
#[derive(Debug, Clone)]
struct Node {
    member: CompactBytes,
    score: f64,
}

/// A leaf: slots in the order, each next to its score so searches compare scores without
/// touching the arena. Leaves are linked both ways for iteration.
#[derive(Clone)]
struct Leaf {
    len: usize,
    previous: u32,
    next: u32,
    scores: [f64; NODE_CAPACITY],
    slots: [u32; NODE_CAPACITY],
}

/// An inner node: per child, the smallest entry under it (its key) and how many entries are
/// under it, so rank and select stay O(log n).
#[derive(Clone)]
struct Inner {
    len: usize,
    scores: [f64; NODE_CAPACITY],
    slots: [u32; NODE_CAPACITY],
    children: [u32; NODE_CAPACITY],
    counts: [usize; NODE_CAPACITY],
}

impl Default for Leaf {
    fn default() -> Self {
        Self {
            len: 0,
            previous: NONE,
            next: NONE,
            scores: [0.0; NODE_CAPACITY],
            slots: [0; NODE_CAPACITY],
        }
    }
}

impl Default for Inner {
    fn default() -> Self {
        Self {
            len: 0,
            scores: [0.0; NODE_CAPACITY],
            slots: [0; NODE_CAPACITY],
            children: [0; NODE_CAPACITY],
            counts: [0; NODE_CAPACITY],
        }
    }
}

/// What splitting, merging and balancing need of either kind of node.
trait TreeNode: Default {
    fn len(&self) -> usize;
    fn scores(&self) -> &[f64];
    fn slots(&self) -> &[u32];
    /// Entries under positions `range`.
    fn weight(&self, range: std::ops::Range<usize>) -> usize;
    /// Inserts `from`'s positions `range` at `at`.
    fn copy_in(&mut self, at: usize, from: &Self, range: std::ops::Range<usize>);
    /// Removes positions `range`.
    fn cut(&mut self, range: std::ops::Range<usize>);

    fn first_key(&self) -> Option<(f64, u32)> {
        Some((*self.scores().first()?, *self.slots().first()?))
    }
}

impl TreeNode for Leaf {
    fn len(&self) -> usize {
        self.len
    }

    fn scores(&self) -> &[f64] {
        &self.scores[..self.len]
    }

    fn slots(&self) -> &[u32] {
        &self.slots[..self.len]
    }

    fn weight(&self, range: std::ops::Range<usize>) -> usize {
        range.len()
    }

    fn copy_in(&mut self, at: usize, from: &Self, range: std::ops::Range<usize>) {
        let len = self.len;
        splice_in(&mut self.scores, len, at, &from.scores[range.clone()]);
        splice_in(&mut self.slots, len, at, &from.slots[range.clone()]);
        self.len += range.len();
    }

    fn cut(&mut self, range: std::ops::Range<usize>) {
        let len = self.len;
        splice_out(&mut self.scores, len, range.clone());
        splice_out(&mut self.slots, len, range.clone());
        self.len -= range.len();
    }
}

impl TreeNode for Inner {
    fn len(&self) -> usize {
        self.len
    }

    fn scores(&self) -> &[f64] {
        &self.scores[..self.len]
    }

    fn slots(&self) -> &[u32] {
        &self.slots[..self.len]
    }

    fn weight(&self, range: std::ops::Range<usize>) -> usize {
        self.counts[range].iter().sum()
    }

    fn copy_in(&mut self, at: usize, from: &Self, range: std::ops::Range<usize>) {
        let len = self.len;
        splice_in(&mut self.scores, len, at, &from.scores[range.clone()]);
        splice_in(&mut self.slots, len, at, &from.slots[range.clone()]);
        splice_in(&mut self.children, len, at, &from.children[range.clone()]);
        splice_in(&mut self.counts, len, at, &from.counts[range.clone()]);
        self.len += range.len();
    }

    fn cut(&mut self, range: std::ops::Range<usize>) {
        let len = self.len;
        splice_out(&mut self.scores, len, range.clone());
        splice_out(&mut self.slots, len, range.clone());
        splice_out(&mut self.children, len, range.clone());
        splice_out(&mut self.counts, len, range.clone());
        self.len -= range.len();
    }
}

impl Leaf {
    fn insert_entry(&mut self, at: usize, score: f64, slot: u32) {
        let len = self.len;
        splice_in(&mut self.scores, len, at, &[score]);
        splice_in(&mut self.slots, len, at, &[slot]);
        self.len += 1;
    }
}

impl Inner {
    fn insert_child(&mut self, at: usize, key: (f64, u32), child: u32, count: usize) {
        let len = self.len;
        splice_in(&mut self.scores, len, at, &[key.0]);
        splice_in(&mut self.slots, len, at, &[key.1]);
        splice_in(&mut self.children, len, at, &[child]);
        splice_in(&mut self.counts, len, at, &[count]);
        self.len += 1;
    }
}

/// In the first `len` items of one of a node's arrays, opens `items.len()` places at `at`
/// and copies `items` there (the caller checked the room).
fn splice_in<T: Copy>(array: &mut [T], len: usize, at: usize, items: &[T]) {
    array.copy_within(at..len, at + items.len());
    array[at..at + items.len()].copy_from_slice(items);
}

/// In the first `len` items of one of a node's arrays, closes `range`.
fn splice_out<T: Copy>(array: &mut [T], len: usize, range: std::ops::Range<usize>) {
    array.copy_within(range.end..len, range.start);
}

/// Puts `node` in a free place of `nodes` (or a new one) and returns its index.
fn allocate<T>(nodes: &mut Vec<T>, free: &mut Vec<u32>, node: T) -> u32 {
    match free.pop() {
        Some(at) => {
            nodes[at as usize] = node;
            at
        }
        None => {
            nodes.push(node);
            u32::try_from(nodes.len() - 1).unwrap_or(u32::MAX)
        }
    }
}

/// Moves the upper half of the full node `at` into a new node (only the last
/// `NODE_FILL_MIN` entries when the node grew at the right end of the tree): its index and
/// the entries moved under it.
fn split_node<T: TreeNode>(
    nodes: &mut Vec<T>,
    free: &mut Vec<u32>,
    at: u32,
    appended: bool,
) -> (u32, usize) {
    let node = &mut nodes[at as usize];
    let len = node.len();
    let half = if appended { len - NODE_FILL_MIN } else { len / 2 };
    let mut right = T::default();
    right.copy_in(0, node, half..len);
    let moved = node.weight(half..len);
    node.cut(half..len);
    (allocate(nodes, free, right), moved)
}

/// How two neighbouring nodes were joined.
enum Joined {
    /// All of the right one moved into the left one; the right one is empty.
    Merged,
    /// Entries moved so both hold half.
    Balanced,
}

/// Joins siblings `left` and `right` (in that order) when one is underfull: merged if
/// everything fits in one node, else balanced (both then hold `NODE_FILL_MIN` or more).
fn join<T: TreeNode>(nodes: &mut [T], left: u32, right: u32) -> Joined {
    let (l, r) = (left as usize, right as usize);
    let (left_len, right_len) = (nodes[l].len(), nodes[r].len());
    if left_len + right_len < NODE_CAPACITY {
        let taken = std::mem::take(&mut nodes[r]);
        nodes[l].copy_in(left_len, &taken, 0..right_len);
        return Joined::Merged;
    }
    let target = (left_len + right_len) / 2;
    let mut moving = T::default();
    if left_len > target {
        moving.copy_in(0, &nodes[l], target..left_len);
        nodes[l].cut(target..left_len);
        nodes[r].copy_in(0, &moving, 0..left_len - target);
    } else {
        moving.copy_in(0, &nodes[r], 0..target - left_len);
        nodes[r].cut(0..target - left_len);
        nodes[l].copy_in(left_len, &moving, 0..target - left_len);
    }
    Joined::Balanced
}

/// A descent from the root: per inner level the node and the child taken, then the leaf and
/// the position in it (of the entry searched for, or where it would go).
#[derive(Clone, Copy)]
struct Path {
    steps: [(u32, usize); HEIGHT_MAX],
    leaf: u32,
    at: usize,
}

/// A large sorted set: members and scores in an arena addressed by u32 slots (slots never
/// move while a member lives: ZSCAN relies on it), a hash table of slots keyed by member for
/// O(1) score lookup without storing members twice, and an order-statistic B+tree of
/// (score, slot) entries ordered by (score, member) with entry counts per child, so
/// insert, remove, rank and select are O(log n) with a few cache misses per level.
///
/// # Invariants
/// Every leaf is `height` inner levels below `root`; a node holds fewer than
/// `NODE_CAPACITY` entries, `NODE_FILL_MIN` or more unless it is the root (an inner root
/// has 2 or more). An inner key is the first entry under its child, a count the entries
/// under it. The leaves in order hold each live slot once, with its score's exact bits;
/// `index` holds exactly the live slots; free slots (NaN score) are listed in `free`.
#[derive(Clone)]
pub struct SortedTree {
    nodes: Vec<Node>,
    free: Vec<u32>,
    index: HashTable<u32>,
    hasher: foldhash::fast::RandomState,
    leaves: Vec<Leaf>,
    free_leaves: Vec<u32>,
    inners: Vec<Inner>,
    free_inners: Vec<u32>,
    root: u32,
    /// Inner levels above the leaves (0: the root is a leaf).
    height: usize,
    len: usize,
}

impl std::fmt::Debug for SortedTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SortedTree(len {}, height {})", self.len, self.height)
    }
}

impl SortedTree {
    fn new() -> Self {
        Self {
            nodes: Vec::new(),
            free: Vec::new(),
            index: HashTable::new(),
            hasher: foldhash::fast::RandomState::default(),
            leaves: vec![Leaf::default()],
            free_leaves: Vec::new(),
            inners: Vec::new(),
            free_inners: Vec::new(),
            root: 0,
            height: 0,
            len: 0,
        }
    }

    fn find(&self, member: &[u8]) -> Option<u32> {
        let hash = self.hasher.hash_one(member);
        let nodes = &self.nodes;
        self.index.find(hash, |&slot| *nodes[slot as usize].member == *member).copied()
    }

    /// How many of the sorted keys (`scores`, `slots`) order before (score, member), or
    /// also equal to it when `inclusive`. Scores bisect first; members are read from the
    /// arena only on a score tie.
    fn bisect(
        &self,
        scores: &[f64],
        slots: &[u32],
        (score, member): (f64, &[u8]),
        inclusive: bool,
    ) -> usize {
        let low = scores.partition_point(|&s| s < score);
        // Ties are few but for sets of one score (ranges by member), bounded by a node.
        let ties = scores[low..].iter().take_while(|&&s| s <= score).count();
        low + slots[low..low + ties].partition_point(|&slot| {
            let other = &*self.nodes[slot as usize].member;
            if inclusive {
                other <= member
            } else {
                other < member
            }
        })
    }

    /// The path to (score, member): to its entry if present, else to where it would go.
    fn descend(&self, key: (f64, &[u8])) -> Path {
        let mut path = Path { steps: [(NONE, 0); HEIGHT_MAX], leaf: self.root, at: 0 };
        let mut node = self.root;
        for step in path.steps.iter_mut().take(self.height) {
            let inner = &self.inners[node as usize];
            // The last child whose first entry is not after the key (the first if none).
            let child = self.bisect(inner.scores(), inner.slots(), key, true).saturating_sub(1);
            *step = (node, child);
            node = inner.children[child];
        }
        let leaf = &self.leaves[node as usize];
        path.leaf = node;
        path.at = self.bisect(leaf.scores(), leaf.slots(), key, false);
        path
    }

    /// Inserts a member known to be absent.
    fn insert_new(&mut self, score: f64, member: CompactBytes) {
        let slot = allocate(&mut self.nodes, &mut self.free, Node { member, score });
        let hash = self.hasher.hash_one(&*self.nodes[slot as usize].member);
        let (nodes, hasher) = (&self.nodes, &self.hasher);
        self.index.insert_unique(hash, slot, |&s| hasher.hash_one(&*nodes[s as usize].member));
        self.link(slot);
        self.len += 1;
    }

    /// Puts the arena's `slot` into the tree at the place of its score and member.
    fn link(&mut self, slot: u32) {
        let node = &self.nodes[slot as usize];
        let score = node.score;
        let path = self.descend((score, &node.member));
        self.leaves[path.leaf as usize].insert_entry(path.at, score, slot);
        for &(inner, child) in &path.steps[..self.height] {
            self.inners[inner as usize].counts[child] += 1;
        }
        if path.at == 0 {
            self.refresh_keys(&path);
        }
        if self.leaves[path.leaf as usize].len == NODE_CAPACITY {
            self.split(&path);
        }
    }

    /// After the first entry of the path's leaf changed: the keys naming it above.
    fn refresh_keys(&mut self, path: &Path) {
        let Some((score, slot)) = self.leaves[path.leaf as usize].first_key() else {
            return;
        };
        for &(inner, child) in path.steps[..self.height].iter().rev() {
            let inner = &mut self.inners[inner as usize];
            (inner.scores[child], inner.slots[child]) = (score, slot);
            if child != 0 {
                return;
            }
        }
    }

    /// Splits the full leaf at the end of `path`, then each ancestor that fills up in turn,
    /// and grows a new root when the old one splits.
    ///
    /// Entries that arrive in order (a load, ZUNIONSTORE's result, ascending scores) all land
    /// at the right end: there a split leaves three quarters behind instead of half, so such
    /// a tree's nodes end 3/4 full rather than half (memory per member after a restart).
    fn split(&mut self, path: &Path) {
        let mut left = path.leaf;
        let leaf = &self.leaves[left as usize];
        let appended = leaf.next == NONE && path.at + 1 == leaf.len;
        let (mut right, mut moved) =
            split_node(&mut self.leaves, &mut self.free_leaves, left, appended);
        let next = self.leaves[left as usize].next;
        self.leaves[right as usize].previous = left;
        self.leaves[right as usize].next = next;
        if next != NONE {
            self.leaves[next as usize].previous = right;
        }
        self.leaves[left as usize].next = right;
        let mut key = self.leaves[right as usize].first_key();
        for &(parent, child) in path.steps[..self.height].iter().rev() {
            let inner = &mut self.inners[parent as usize];
            inner.counts[child] -= moved;
            inner.insert_child(child + 1, key.unwrap_or((0.0, 0)), right, moved);
            if inner.len < NODE_CAPACITY {
                return;
            }
            (right, moved) = split_node(&mut self.inners, &mut self.free_inners, parent, appended);
            key = self.inners[right as usize].first_key();
            left = parent;
        }
        let (left_key, left_count) = if self.height == 0 {
            let leaf = &self.leaves[left as usize];
            (leaf.first_key(), leaf.len)
        } else {
            let inner = &self.inners[left as usize];
            (inner.first_key(), inner.weight(0..inner.len))
        };
        let mut root = Inner::default();
        root.insert_child(0, left_key.unwrap_or((0.0, 0)), left, left_count);
        root.insert_child(1, key.unwrap_or((0.0, 0)), right, moved);
        self.root = allocate(&mut self.inners, &mut self.free_inners, root);
        self.height += 1;
    }

    /// Takes the entry at the end of `path` out of the tree, keeping the arena's slot.
    fn unlink(&mut self, path: &Path) {
        let at = path.at;
        self.leaves[path.leaf as usize].cut(at..at + 1);
        for &(inner, child) in &path.steps[..self.height] {
            self.inners[inner as usize].counts[child] -= 1;
        }
        if at == 0 {
            self.refresh_keys(path);
        }
        self.rebalance(path);
    }

    /// Joins each underfull node on `path` with a sibling, from the leaf up, and drops a
    /// root left with one child.
    fn rebalance(&mut self, path: &Path) {
        let mut level = self.height;
        while level > 0 {
            let (parent, child) = path.steps[level - 1];
            let is_leaf = level == self.height;
            let len = if is_leaf {
                self.leaves[path.leaf as usize].len
            } else {
                self.inners[path.steps[level].0 as usize].len
            };
            if len >= NODE_FILL_MIN || !self.join_children(parent, child.saturating_sub(1), is_leaf)
            {
                return;
            }
            level -= 1;
        }
        if self.height == 0 {
            return;
        }
        let root = &self.inners[self.root as usize];
        if root.len == 1 {
            let old = self.root;
            self.root = root.children[0];
            self.height -= 1;
            self.inners[old as usize] = Inner::default();
            self.free_inners.push(old);
        }
    }

    /// Joins children `first` and `first + 1` of `parent`; true if they merged (the parent
    /// lost a child).
    fn join_children(&mut self, parent: u32, first: usize, is_leaf: bool) -> bool {
        let inner = &self.inners[parent as usize];
        let (left, right) = (inner.children[first], inner.children[first + 1]);
        let (joined, weights, right_key) = if is_leaf {
            let next = self.leaves[right as usize].next;
            let joined = join(&mut self.leaves, left, right);
            if let Joined::Merged = joined {
                self.leaves[left as usize].next = next;
                if next != NONE {
                    self.leaves[next as usize].previous = left;
                }
                self.free_leaves.push(right);
            }
            let (l, r) = (&self.leaves[left as usize], &self.leaves[right as usize]);
            (joined, (l.len, r.len), r.first_key())
        } else {
            let joined = join(&mut self.inners, left, right);
            if let Joined::Merged = joined {
                self.free_inners.push(right);
            }
            let (l, r) = (&self.inners[left as usize], &self.inners[right as usize]);
            (joined, (l.weight(0..l.len), r.weight(0..r.len)), r.first_key())
        };
        let inner = &mut self.inners[parent as usize];
        match joined {
            Joined::Merged => {
                inner.counts[first] = weights.0;
                inner.cut(first + 1..first + 2);
                true
            }
            Joined::Balanced => {
                (inner.counts[first], inner.counts[first + 1]) = weights;
                if let Some(key) = right_key {
                    (inner.scores[first + 1], inner.slots[first + 1]) = key;
                }
                false
            }
        }
    }

    /// Whether the entry at the end of `path` keeps its place with the new `score`: after
    /// its predecessor and before its successor (Redis's zslUpdateScore fast path), within
    /// its leaf.
    fn stays(&self, path: &Path, score: f64, member: &[u8]) -> bool {
        let leaf = &self.leaves[path.leaf as usize];
        let at = path.at;
        // Whether leaf entry `i` orders before (score, member); its member is read from the
        // arena only on a score tie (two cache misses per update otherwise).
        let is_before = |i: usize| {
            let other = leaf.scores[i];
            other < score
                || (other == score && *self.nodes[leaf.slots[i] as usize].member < *member)
        };
        let after_previous = match at.checked_sub(1) {
            Some(previous) => is_before(previous),
            None => leaf.previous == NONE,
        };
        // Members differ, so "not before" is "after".
        let before_next = if at + 1 < leaf.len { !is_before(at + 1) } else { leaf.next == NONE };
        after_previous && before_next
    }

    /// Gives the member in `slot` a new score. Its entry stays where it is when the order
    /// allows; otherwise it moves, without touching the member index or the arena slot.
    fn update_score(&mut self, slot: u32, score: f64) {
        let node = &self.nodes[slot as usize];
        let path = self.descend((node.score, &node.member));
        if self.stays(&path, score, &node.member) {
            self.leaves[path.leaf as usize].scores[path.at] = score;
            self.nodes[slot as usize].score = score;
            if path.at == 0 {
                self.refresh_keys(&path);
            }
            return;
        }
        self.unlink(&path);
        self.nodes[slot as usize].score = score;
        self.link(slot);
    }

    fn remove(&mut self, member: &[u8]) -> bool {
        let hash = self.hasher.hash_one(member);
        let nodes = &self.nodes;
        let Ok(found) = self.index.find_entry(hash, |&s| *nodes[s as usize].member == *member)
        else {
            return false;
        };
        let (slot, _) = found.remove();
        let path = self.descend((self.nodes[slot as usize].score, member));
        self.unlink(&path);
        self.nodes[slot as usize] = Node { member: CompactBytes::from(&b""[..]), score: f64::NAN };
        self.free.push(slot);
        self.len -= 1;
        true
    }

    /// 0-based rank of a present (score, member): the counts left of the path.
    fn rank_of(&self, score: f64, member: &[u8]) -> usize {
        let path = self.descend((score, member));
        path.steps[..self.height]
            .iter()
            .map(|&(inner, child)| {
                self.inners[inner as usize].counts[..child].iter().sum::<usize>()
            })
            .sum::<usize>()
            + path.at
    }

    /// How many entries satisfy `before`, true on a prefix of the order: whole subtrees are
    /// counted from inner keys, so O(log n).
    fn count_before(&self, before: impl Fn(f64, &[u8]) -> bool) -> usize {
        let holds = |slot: u32| {
            let node = &self.nodes[slot as usize];
            before(node.score, &node.member)
        };
        let mut node = self.root;
        let mut count = 0;
        for _ in 0..self.height {
            let inner = &self.inners[node as usize];
            let inside = inner.slots().partition_point(|&slot| holds(slot));
            let Some(last) = inside.checked_sub(1) else {
                return count;
            };
            count += inner.counts[..last].iter().sum::<usize>();
            node = inner.children[last];
        }
        count + self.leaves[node as usize].slots().partition_point(|&slot| holds(slot))
    }

    /// The leaf and position of 0-based `rank` (< len).
    fn locate(&self, rank: usize) -> (u32, usize) {
        let mut node = self.root;
        let mut rank = rank;
        for _ in 0..self.height {
            let inner = &self.inners[node as usize];
            let mut child = 0;
            while child + 1 < inner.len && rank >= inner.counts[child] {
                rank -= inner.counts[child];
                child += 1;
            }
            node = inner.children[child];
        }
        (node, rank)
    }

    /// The arena, the index, the tree's nodes and the free lists, at their capacity.
    fn memory_bytes(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Node>()
            + self.nodes.iter().map(|n| n.member.heap_bytes()).sum::<usize>()
            + self.index.capacity() * 5
            + self.leaves.capacity() * std::mem::size_of::<Leaf>()
            + self.inners.capacity() * std::mem::size_of::<Inner>()
            + (self.free.capacity() + self.free_leaves.capacity() + self.free_inners.capacity()) * 4
    }

    #[cfg(test)]
    fn check(&self) {
        assert_eq!(self.index.len(), self.len);
        assert_eq!(self.nodes.len() - self.free.len(), self.len);
        assert_eq!(self.nodes.iter().filter(|n| !n.score.is_nan()).count(), self.len);
        for &slot in &self.free {
            assert!(self.nodes[slot as usize].score.is_nan());
        }
        for &slot in self.index.iter() {
            let node = &self.nodes[slot as usize];
            assert!(!node.score.is_nan());
            assert_eq!(self.find(&node.member), Some(slot));
        }
        let mut order = Vec::new();
        assert_eq!(self.check_node(self.root, self.height, true, &mut order), self.len);
        assert_eq!(self.leaves.len() - self.free_leaves.len(), order.len());
        let mut previous = NONE;
        for &leaf in &order {
            assert_eq!(self.leaves[leaf as usize].previous, previous);
            if previous != NONE {
                assert_eq!(self.leaves[previous as usize].next, leaf);
            }
            previous = leaf;
        }
        assert_eq!(self.leaves[previous as usize].next, NONE);
        let entries: Vec<(u32, usize)> = order
            .iter()
            .flat_map(|&leaf| (0..self.leaves[leaf as usize].len).map(move |at| (leaf, at)))
            .collect();
        let key = |(leaf, at): (u32, usize)| {
            let slot = self.leaves[leaf as usize].slots[at];
            let node = &self.nodes[slot as usize];
            assert_eq!(node.score.to_bits(), self.leaves[leaf as usize].scores[at].to_bits());
            (node.score, &*node.member)
        };
        for pair in entries.windows(2) {
            assert_eq!(compare(key(pair[0]), key(pair[1])), Ordering::Less);
        }
        for (rank, &entry) in entries.iter().enumerate() {
            let (score, member) = key(entry);
            assert_eq!(self.rank_of(score, member), rank);
            assert_eq!(self.locate(rank), entry);
        }
    }

    /// Checks the subtree of `node`, `level` inner levels above the leaves, appending its
    /// leaves in order; returns its entry count.
    #[cfg(test)]
    fn check_node(&self, node: u32, level: usize, is_root: bool, order: &mut Vec<u32>) -> usize {
        if level == 0 {
            let leaf = &self.leaves[node as usize];
            assert!(leaf.len < NODE_CAPACITY);
            assert!(is_root || leaf.len >= NODE_FILL_MIN, "leaf of {}", leaf.len);
            order.push(node);
            return leaf.len;
        }
        let inner = &self.inners[node as usize];
        assert!(inner.len < NODE_CAPACITY);
        assert!(inner.len >= if is_root { 2 } else { NODE_FILL_MIN }, "inner of {}", inner.len);
        let mut total = 0;
        for i in 0..inner.len {
            let child = inner.children[i];
            let count = self.check_node(child, level - 1, false, order);
            assert_eq!(inner.counts[i], count);
            let first = if level == 1 {
                self.leaves[child as usize].first_key()
            } else {
                self.inners[child as usize].first_key()
            };
            let (score, slot) = first.unwrap_or((f64::NAN, NONE));
            assert_eq!((inner.scores[i].to_bits(), inner.slots[i]), (score.to_bits(), slot));
            total += count;
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeSet, HashMap};

    /// The model: a map plus an ordered set of (score bits, member).
    #[derive(Default)]
    struct Model {
        scores: HashMap<Vec<u8>, f64>,
    }

    impl Model {
        fn ordered(&self) -> Vec<(f64, Vec<u8>)> {
            let mut v: Vec<(f64, Vec<u8>)> =
                self.scores.iter().map(|(m, s)| (*s, m.clone())).collect();
            v.sort_by(|a, b| compare((a.0, &a.1), (b.0, &b.1)));
            v
        }
    }

    fn owned(z: &ZSetValue) -> Vec<(f64, Vec<u8>)> {
        z.iter().map(|(s, m)| (s, m.to_vec())).collect()
    }

    #[test]
    fn small_sets_stay_listpack_and_convert_one_way() {
        let mut z = ZSetValue::new();
        for i in 0..encoding::ZSET_MAX_LISTPACK_ENTRIES_DEFAULT {
            assert!(z.insert(i as f64, format!("m{i}").as_bytes()));
        }
        assert_eq!(z.encoding_name(), "listpack");
        // 10 bytes per entry plus the member, in one allocation.
        let max = encoding::ZSET_MAX_LISTPACK_ENTRIES_DEFAULT;
        let members: usize = (0..max).map(|i| format!("m{i}").len()).sum();
        assert_eq!(z.memory_bytes(), members + max * PACKED_ENTRY_OVERHEAD);
        assert!(!z.insert(5.0, b"m1"));
        assert_eq!(z.encoding_name(), "listpack");
        assert!(z.insert(1000.0, b"extra"));
        assert_eq!(z.encoding_name(), "skiplist");
        assert_eq!(z.len(), encoding::ZSET_MAX_LISTPACK_ENTRIES_DEFAULT + 1);
        for i in 0..encoding::ZSET_MAX_LISTPACK_ENTRIES_DEFAULT {
            z.remove(format!("m{i}").as_bytes());
        }
        assert_eq!(z.encoding_name(), "skiplist");
        let mut long = ZSetValue::new();
        long.insert(1.0, &[b'x'; 65]);
        assert_eq!(long.encoding_name(), "skiplist");
        let mut edge = ZSetValue::new();
        edge.insert(1.0, &[b'x'; 64]);
        assert_eq!(edge.encoding_name(), "listpack");
    }

    /// One random operation on both `z` and the model. Big rounds grow (mostly inserts),
    /// then shrink (mostly removes), so the tree splits, then borrows and merges.
    fn random_step(z: &mut ZSetValue, model: &mut Model, universe: u32, phase: Phase) {
        let member = format!("m{}", fastrand::u32(..universe)).into_bytes();
        let (inserts, removes) = match phase {
            Phase::Mixed => (6, 3),
            Phase::Growing => (8, 1),
            Phase::Shrinking => (2, 7),
        };
        let op = fastrand::u32(..10);
        if op < inserts {
            let score = match phase {
                Phase::Mixed => f64::from(fastrand::i32(-50..50)) / 4.0,
                // Few distinct scores: many ties, ordered by member; -0 among them.
                _ if fastrand::u32(..8) == 0 => -0.0,
                _ => f64::from(fastrand::i32(-3..3)),
            };
            let new = z.insert(score, &member);
            assert_eq!(new, model.scores.insert(member, score).is_none());
        } else if op < inserts + removes {
            assert_eq!(z.remove(&member), model.scores.remove(&member).is_some());
        } else {
            assert_eq!(z.score(&member), model.scores.get(&member).copied());
        }
    }

    #[derive(Clone, Copy)]
    enum Phase {
        Mixed,
        Growing,
        Shrinking,
    }

    /// Compares everything `z` answers with the model, and checks the structure.
    fn assert_matches(z: &ZSetValue, model: &Model) {
        let ordered = model.ordered();
        assert_eq!(owned(z), ordered);
        assert_eq!(z.len(), ordered.len());
        match z {
            ZSetValue::Skiplist(tree) => tree.check(),
            ZSetValue::Listpack(packed) => {
                assert_eq!(packed.entries().count(), packed.len());
                let end = packed
                    .entries()
                    .last()
                    .map_or(0, |(at, _, m)| at + m.len() + PACKED_ENTRY_OVERHEAD);
                assert_eq!(end, packed.bytes.len(), "exact-size allocation");
            }
        }
        for (rank, (score, member)) in ordered.iter().enumerate() {
            assert_eq!(z.rank(member), Some(rank));
            assert_eq!(z.score(member), Some(*score));
        }
        for _ in 0..4 {
            let lo = fastrand::usize(..=ordered.len());
            let hi = fastrand::usize(lo..=ordered.len());
            let got: Vec<_> = z.range(lo, hi).map(|(s, m)| (s, m.to_vec())).collect();
            assert_eq!(got, ordered[lo..hi].to_vec());
            let back: Vec<_> = z.range(lo, hi).rev().map(|(s, m)| (s, m.to_vec())).collect();
            let mut expected = ordered[lo..hi].to_vec();
            expected.reverse();
            assert_eq!(back, expected);
            // Both ends at once meet in the middle.
            let mut both = z.range(lo, hi);
            let mut met = Vec::new();
            while let Some(front) = both.next() {
                met.push((front.0, front.1.to_vec()));
                if let Some(back) = both.next_back() {
                    met.push((back.0, back.1.to_vec()));
                }
            }
            met.sort_by(|a, b| compare((a.0, &a.1), (b.0, &b.1)));
            assert_eq!(met, ordered[lo..hi].to_vec());
        }
        for bound in [-1.0, 0.0, 1.0] {
            let below = ordered.iter().filter(|(s, _)| *s < bound).count();
            assert_eq!(z.count_before(|s, _| s < bound), below);
        }
        if let Some((score, member)) = ordered.get(ordered.len() / 2) {
            let before = ordered.len() / 2;
            assert_eq!(z.count_before(|s, m| compare((s, m), (*score, member)).is_lt()), before);
        }
    }

    #[test]
    fn skiplist_matches_model_under_random_operations() {
        fastrand::seed(7);
        for round in 0..6 {
            let mut z = ZSetValue::new();
            let mut model = Model::default();
            // Rounds 4 and 5 stay small (listpack); 0 and 2 start as a tree.
            let universe = if round >= 4 { 100 } else { 600 };
            if round == 0 || round == 2 {
                z.insert(0.0, &[b'L'; 70]);
                model.scores.insert(vec![b'L'; 70], 0.0);
            }
            for step in 0..6000 {
                random_step(&mut z, &mut model, universe, Phase::Mixed);
                if step % 500 == 0 {
                    assert_matches(&z, &model);
                }
            }
        }
        // Thousands of members, many ties: several tree levels, splits, borrows, merges and
        // root changes both ways.
        for universe in [3000, 9000] {
            let mut z = ZSetValue::new();
            let mut model = Model::default();
            for phase in [Phase::Growing, Phase::Shrinking, Phase::Growing, Phase::Shrinking] {
                for step in 0..universe * 3 {
                    random_step(&mut z, &mut model, universe, phase);
                    if step % 1500 == 0 {
                        assert_matches(&z, &model);
                    }
                }
                assert_matches(&z, &model);
            }
        }
    }

    #[test]
    fn tree_height_and_memory_stay_bounded_after_deleting_most() {
        let mut z = ZSetValue::new();
        let members: Vec<Vec<u8>> = (0..50_000).map(|i| format!("m{i}").into_bytes()).collect();
        // Ascending scores: every split at the right end, which leaves 3/4 behind.
        for (i, member) in members.iter().enumerate() {
            z.insert(i as f64, member);
        }
        let ZSetValue::Skiplist(tree) = &z else { panic!("a tree") };
        tree.check();
        let leaves_used = tree.leaves.len() - tree.free_leaves.len();
        let full = NODE_CAPACITY - NODE_FILL_MIN;
        assert!(leaves_used <= members.len() / full + 1, "{leaves_used} leaves: not 3/4 full");
        let (peak_bytes, peak_height) = (z.memory_bytes(), tree.height);
        assert!(peak_height <= 3, "height {peak_height}");
        let mut order: Vec<usize> = (0..members.len()).collect();
        fastrand::seed(11);
        fastrand::shuffle(&mut order);
        for (done, &i) in order[..49_000].iter().enumerate() {
            assert!(z.remove(&members[i]));
            if done % 7000 == 0 {
                let ZSetValue::Skiplist(tree) = &z else { panic!("a tree") };
                tree.check();
            }
        }
        let ZSetValue::Skiplist(tree) = &z else { panic!("a tree") };
        tree.check();
        // 1,000 members left: the leaves in use and the height shrank with them.
        let leaves_used = tree.leaves.len() - tree.free_leaves.len();
        assert!(leaves_used <= 1000 / NODE_FILL_MIN + 1, "{leaves_used} leaves");
        assert!(tree.height < peak_height, "height {}", tree.height);
        // The free lists are the only growth (a slot and a node index per freed one).
        assert!(z.memory_bytes() <= peak_bytes * 11 / 10, "{} > {peak_bytes}", z.memory_bytes());
        // Growing back reuses the freed slots and nodes.
        for &i in &order[..49_000] {
            z.insert(fastrand::f64(), &members[i]);
        }
        let ZSetValue::Skiplist(tree) = &z else { panic!("a tree") };
        tree.check();
        assert!(z.memory_bytes() <= peak_bytes * 11 / 10, "{} > {peak_bytes}", z.memory_bytes());
        assert!(tree.height <= peak_height);
    }

    #[test]
    fn a_set_built_whole_is_packed_only_within_the_limits() {
        let long = [b'l'; 70];
        // Within the limits: packed, -0 read back as 0, a repeated member's last score wins.
        let small =
            ZSetValue::from_entries([(-0.0, &b"a"[..]), (3.0, b"b"), (2.0, b"a")].into_iter());
        assert!(matches!(small, ZSetValue::Listpack(_)));
        assert_eq!(owned(&small), vec![(2.0, b"a".to_vec()), (3.0, b"b".to_vec())]);
        // Past them (a long member): a tree that keeps -0 whatever the order.
        let large = ZSetValue::from_entries([(-0.0, &b"a"[..]), (1.0, &long[..])].into_iter());
        assert!(matches!(large, ZSetValue::Skiplist(_)));
        assert_eq!(large.score(b"a").map(f64::to_bits), Some((-0.0f64).to_bits()));
        // Past them only through repeats: packed, as the set it is would load.
        let entries: Vec<(f64, Vec<u8>)> =
            (0..300).map(|i| (-0.0, format!("m{}", i % 3).into_bytes())).collect();
        let repeated = ZSetValue::from_entries(entries.iter().map(|(s, m)| (*s, &m[..])));
        assert!(matches!(repeated, ZSetValue::Listpack(_)));
        assert_eq!(repeated.len(), 3);
        assert_eq!(repeated.score(b"m1").map(f64::to_bits), Some(0));
    }

    #[test]
    fn scan_returns_every_stable_member() {
        let mut z = ZSetValue::new();
        for i in 0..1000 {
            z.insert(f64::from(i), format!("m{i}").as_bytes());
        }
        let mut seen = BTreeSet::new();
        let mut cursor = 0;
        let mut calls = 0;
        loop {
            cursor = z.scan(cursor, 10, |_, m| {
                seen.insert(m.to_vec());
            });
            calls += 1;
            // Churn: remove and add other members between calls.
            z.remove(format!("m{}", calls * 3).as_bytes());
            z.insert(1.0, format!("new{calls}").as_bytes());
            if cursor == 0 {
                break;
            }
        }
        assert!(calls > 50);
        for i in 0..1000 {
            let member = format!("m{i}");
            let removed = i % 3 == 0 && i / 3 >= 1 && i / 3 <= calls;
            if !removed {
                assert!(seen.contains(member.as_bytes()), "{member} missed");
            }
        }
    }

    /// Run with `cargo test --release --lib zset::tests::benchmark -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn benchmark() {
        let n = 1_000_000;
        let members: Vec<Vec<u8>> =
            (0..n).map(|_| format!("member:{}", fastrand::u64(..)).into_bytes()).collect();
        let start = std::time::Instant::now();
        let mut z = ZSetValue::new();
        for m in &members {
            z.insert(fastrand::f64() * 1e6, m);
        }
        let inserted = start.elapsed();
        let start = std::time::Instant::now();
        let mut total = 0usize;
        for m in &members {
            total += z.rank(m).unwrap_or(0);
        }
        let ranked = start.elapsed();
        let start = std::time::Instant::now();
        for m in &members {
            total += usize::from(z.score(m).is_some());
        }
        let scored = start.elapsed();
        println!(
            "ZADD x{n}: {inserted:?}; ZRANK x{n}: {ranked:?}; ZSCORE x{n}: {scored:?}; \
             memory {} bytes ({} per member); {total}",
            z.memory_bytes(),
            z.memory_bytes() / n
        );
    }
}
