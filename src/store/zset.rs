//! Sorted set values: members ordered by (score, member bytes). Small sets are packed in one
//! allocation ("listpack" in OBJECT ENCODING, as Redis 7.2 names it); past the
//! `zset-max-listpack-*` limits (encoding.rs) they become, one way, a skip list with spans in
//! an arena plus a member index ("skiplist").
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
    Skiplist(Box<SkipList>),
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
/// `zset-max-listpack-*` say: larger settings convert to the skip list earlier than Redis.
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

    /// A whole set as Redis's loader builds one from a file: every entry into a skip list (a
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
        let mut list = SkipList::new();
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

    /// Sets `member`'s score; true if the member is new. Converts to the skip list once the
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
            let mut list = SkipList::new();
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
    /// the order (e.g. "score < min"). O(log n) on the skip list.
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
                    return Iter::Skiplist { list, front: NIL, back: NIL, remaining: 0 };
                }
                let front = list.node_at(start + 1);
                let back = list.node_at(end);
                Iter::Skiplist { list, front, back, remaining: end - start }
            }
        }
    }

    /// ZSCAN's step on the skip list: calls `f` with the members of arena slots `cursor..`
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
                let start = usize::try_from(cursor).unwrap_or(usize::MAX).max(1);
                let mut seen = 0usize;
                for slot in start..list.nodes.len() {
                    let node = &list.nodes[slot];
                    if node.height != 0 {
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
    Listpack { bytes: &'a [u8], front: usize, back: usize, remaining: usize },
    Skiplist { list: &'a SkipList, front: u32, back: u32, remaining: usize },
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
            Self::Skiplist { list, front, remaining, .. } => {
                if *remaining == 0 {
                    return None;
                }
                *remaining -= 1;
                let node = &list.nodes[*front as usize];
                *front = node.level(0).next;
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
            Self::Skiplist { list, back, remaining, .. } => {
                if *remaining == 0 {
                    return None;
                }
                *remaining -= 1;
                let node = &list.nodes[*back as usize];
                *back = node.backward;
                Some((node.score, &*node.member))
            }
        }
    }
}

impl ExactSizeIterator for Iter<'_> {}

// ------------------------------------------------------------------------------- skip list

/// Redis's ZSKIPLIST_MAXLEVEL and ZSKIPLIST_P.
const LEVELS_MAX: usize = 32;
/// Slot 0 is the header, never anyone's successor, so it doubles as "none".
const NIL: u32 = 0;

#[derive(Debug, Clone, Copy, Default)]
struct Level {
    next: u32,
    /// Members skipped by following `next` (the header counts as rank 0).
    span: u32,
}

/// Levels kept inside the node: 94% of nodes have at most two (p = 1/4), so most searches
/// read one cache line per node and most nodes need no second allocation.
const INLINE_LEVELS: usize = 2;

/// One member of the skip list: 64 bytes, one cache line.
#[derive(Debug, Clone)]
#[repr(align(64))]
struct Node {
    member: CompactBytes,
    score: f64,
    backward: u32,
    /// Levels in use; 0 for a free slot.
    height: u8,
    inline: [Level; INLINE_LEVELS],
    /// Levels from `INLINE_LEVELS` up, for the few tall nodes.
    #[expect(
        clippy::box_collection,
        reason = "a thin pointer keeps a node in one cache line; only tall nodes pay for it"
    )]
    extra: Option<Box<Vec<Level>>>,
}

const _: () = assert!(std::mem::size_of::<Node>() == 64);

impl Node {
    fn new(member: CompactBytes, score: f64, backward: u32, height: usize) -> Self {
        let extra = (height > INLINE_LEVELS)
            .then(|| Box::new(vec![Level::default(); height - INLINE_LEVELS]));
        let height = u8::try_from(height.min(LEVELS_MAX)).unwrap_or(u8::MAX);
        Self { member, score, backward, height, inline: Default::default(), extra }
    }

    fn height(&self) -> usize {
        usize::from(self.height)
    }

    fn level(&self, i: usize) -> &Level {
        match (self.inline.get(i), &self.extra) {
            (Some(level), _) => level,
            (None, Some(extra)) => &extra[i - INLINE_LEVELS],
            (None, None) => panic!("level {i} above a node of height {}", self.height),
        }
    }

    fn level_mut(&mut self, i: usize) -> &mut Level {
        match (self.inline.get_mut(i), &mut self.extra) {
            (Some(level), _) => level,
            (None, Some(extra)) => &mut extra[i - INLINE_LEVELS],
            (None, None) => panic!("level {i} above a node of height {}", self.height),
        }
    }
}

/// A search's result: per level, the last node before the place searched for and its rank.
struct Path {
    before: [u32; LEVELS_MAX],
    rank: [u32; LEVELS_MAX],
}

/// Redis's skip list with spans (O(log n) insert, remove and rank), its nodes in one arena
/// addressed by u32 slots, plus a hash table of slots keyed by member for O(1) score lookup
/// without storing members twice.
///
/// # Invariants
/// Slot 0 is the header with `LEVELS_MAX` levels; a live node has 1.. levels; freed slots
/// have none and are listed in `free`. `index` holds exactly the live slots.
#[derive(Clone)]
pub struct SkipList {
    nodes: Vec<Node>,
    free: Vec<u32>,
    index: HashTable<u32>,
    hasher: foldhash::fast::RandomState,
    tail: u32,
    len: usize,
    level: usize,
}

impl std::fmt::Debug for SkipList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SkipList(len {})", self.len)
    }
}

impl SkipList {
    fn new() -> Self {
        let header = Node::new(CompactBytes::from(&b""[..]), 0.0, NIL, LEVELS_MAX);
        Self {
            nodes: vec![header],
            free: Vec::new(),
            index: HashTable::new(),
            hasher: foldhash::fast::RandomState::default(),
            tail: NIL,
            len: 0,
            level: 1,
        }
    }

    fn find(&self, member: &[u8]) -> Option<u32> {
        let hash = self.hasher.hash_one(member);
        let nodes = &self.nodes;
        self.index.find(hash, |&slot| *nodes[slot as usize].member == *member).copied()
    }

    fn random_level() -> usize {
        let mut level = 1;
        while level < LEVELS_MAX && fastrand::u32(..4) == 0 {
            level += 1;
        }
        level
    }

    /// Whether the member in `slot` orders before (score, member).
    fn is_before(&self, slot: u32, score: f64, member: &[u8]) -> bool {
        let node = &self.nodes[slot as usize];
        node.score < score || (node.score == score && *node.member < *member)
    }

    /// The last node before (score, member) on every level in use, and the rank of each, as
    /// insertion needs them. `skip` (a linked node, or NIL) is never stepped onto: the search
    /// for a node's own place.
    fn search(&self, score: f64, member: &[u8], skip: u32) -> Path {
        let mut path = Path { before: [NIL; LEVELS_MAX], rank: [0; LEVELS_MAX] };
        let mut x = NIL;
        for i in (0..self.level).rev() {
            path.rank[i] = if i == self.level - 1 { 0 } else { path.rank[i + 1] };
            loop {
                let level = *self.nodes[x as usize].level(i);
                if level.next != NIL
                    && level.next != skip
                    && self.is_before(level.next, score, member)
                {
                    path.rank[i] += level.span;
                    x = level.next;
                } else {
                    break;
                }
            }
            path.before[i] = x;
        }
        path
    }

    /// Inserts a member known to be absent.
    fn insert_new(&mut self, score: f64, member: CompactBytes) {
        let node = Node::new(member, score, NIL, Self::random_level());
        let slot = match self.free.pop() {
            Some(slot) => {
                self.nodes[slot as usize] = node;
                slot
            }
            None => {
                self.nodes.push(node);
                u32::try_from(self.nodes.len() - 1).unwrap_or(u32::MAX)
            }
        };
        self.link(slot);
        self.len += 1;
        let hash = self.hasher.hash_one(&*self.nodes[slot as usize].member);
        let (nodes, hasher) = (&self.nodes, &self.hasher);
        self.index.insert_unique(hash, slot, |&s| hasher.hash_one(&*nodes[s as usize].member));
    }

    /// Links the unlinked node in `slot` at the place of its score and member, on all of its
    /// levels (Redis's zslInsert after the node exists).
    fn link(&mut self, slot: u32) {
        let node = &self.nodes[slot as usize];
        let (score, height) = (node.score, node.height());
        let mut path = self.search(score, &node.member, NIL);
        if height > self.level {
            for i in self.level..height {
                path.rank[i] = 0;
                path.before[i] = NIL;
                self.nodes[0].level_mut(i).span = u32::try_from(self.len).unwrap_or(u32::MAX);
            }
            self.level = height;
        }
        for i in 0..height {
            let before = path.before[i] as usize;
            let previous = *self.nodes[before].level(i);
            let skipped = path.rank[0] - path.rank[i];
            *self.nodes[slot as usize].level_mut(i) =
                Level { next: previous.next, span: previous.span - skipped };
            *self.nodes[before].level_mut(i) = Level { next: slot, span: skipped + 1 };
        }
        for (i, &before) in path.before.iter().enumerate().take(self.level).skip(height) {
            self.nodes[before as usize].level_mut(i).span += 1;
        }
        self.nodes[slot as usize].backward = path.before[0];
        let next = self.nodes[slot as usize].level(0).next;
        if next == NIL {
            self.tail = slot;
        } else {
            self.nodes[next as usize].backward = slot;
        }
    }

    /// Takes the node in `slot` out of every level, keeping its height, member and score
    /// (Redis's zslDeleteNode).
    fn unlink(&mut self, slot: u32) {
        let node = &self.nodes[slot as usize];
        let path = self.search(node.score, &node.member, slot);
        let height = node.height();
        let mut removed = [Level::default(); LEVELS_MAX];
        for (i, level) in removed.iter_mut().enumerate().take(height) {
            *level = *node.level(i);
        }
        for (i, &before) in path.before.iter().enumerate().take(self.level) {
            let level = self.nodes[before as usize].level_mut(i);
            match removed.get(i).filter(|_| i < height) {
                Some(own) if level.next == slot => {
                    level.span = level.span + own.span - 1;
                    level.next = own.next;
                }
                _ => level.span -= 1,
            }
        }
        let (next, backward) = (removed[0].next, self.nodes[slot as usize].backward);
        if next == NIL {
            self.tail = backward;
        } else {
            self.nodes[next as usize].backward = backward;
        }
        while self.level > 1 && self.nodes[0].level(self.level - 1).next == NIL {
            self.level -= 1;
        }
    }

    /// Gives the member in `slot` a new score. It stays where it is when the order allows, as
    /// Redis's zslUpdateScore; otherwise the same node moves, without touching the member
    /// index or the arena.
    fn update_score(&mut self, slot: u32, score: f64) {
        let node = &self.nodes[slot as usize];
        let (backward, next) = (node.backward, node.level(0).next);
        let member = &node.member;
        let stays = (backward == NIL || self.is_before(backward, score, member))
            && (next == NIL || !self.is_before(next, score, member));
        if !stays {
            self.unlink(slot);
        }
        self.nodes[slot as usize].score = score;
        if !stays {
            self.link(slot);
        }
    }

    fn remove(&mut self, member: &[u8]) -> bool {
        let hash = self.hasher.hash_one(member);
        let nodes = &self.nodes;
        let Ok(found) = self.index.find_entry(hash, |&s| *nodes[s as usize].member == *member)
        else {
            return false;
        };
        let (slot, _) = found.remove();
        self.unlink(slot);
        let node = &mut self.nodes[slot as usize];
        node.height = 0;
        node.extra = None;
        node.member = CompactBytes::from(&b""[..]);
        self.free.push(slot);
        self.len -= 1;
        true
    }

    /// 0-based rank of a present (score, member).
    fn rank_of(&self, score: f64, member: &[u8]) -> usize {
        self.count_before(|s, m| compare((s, m), (score, member)) == Ordering::Less)
    }

    fn count_before(&self, before: impl Fn(f64, &[u8]) -> bool) -> usize {
        let mut x = NIL;
        let mut count = 0usize;
        for i in (0..self.level).rev() {
            loop {
                let level = *self.nodes[x as usize].level(i);
                let next = &self.nodes[level.next as usize];
                if level.next != NIL && before(next.score, &next.member) {
                    count += level.span as usize;
                    x = level.next;
                } else {
                    break;
                }
            }
        }
        count
    }

    /// The node of 1-based `rank` (1..=len).
    fn node_at(&self, rank: usize) -> u32 {
        let mut x = NIL;
        let mut traversed = 0usize;
        for i in (0..self.level).rev() {
            loop {
                let level = *self.nodes[x as usize].level(i);
                if level.next != NIL && traversed + level.span as usize <= rank {
                    traversed += level.span as usize;
                    x = level.next;
                } else {
                    break;
                }
            }
            if traversed == rank {
                return x;
            }
        }
        x
    }

    fn memory_bytes(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Node>()
            + self
                .nodes
                .iter()
                .map(|n| {
                    n.extra.as_ref().map_or(0, |e| e.capacity() * std::mem::size_of::<Level>() + 24)
                        + n.member.heap_bytes()
                })
                .sum::<usize>()
            + self.free.capacity() * 4
            + self.index.capacity() * 5
    }

    #[cfg(test)]
    fn check(&self) {
        let mut count = 0;
        let mut x = self.nodes[0].level(0).next;
        let mut previous = NIL;
        while x != NIL {
            let node = &self.nodes[x as usize];
            assert_eq!(node.backward, previous);
            count += 1;
            assert_eq!(self.rank_of(node.score, &node.member), count - 1);
            assert_eq!(self.node_at(count), x);
            previous = x;
            x = node.level(0).next;
        }
        assert_eq!(self.tail, previous);
        assert_eq!(count, self.len);
        assert_eq!(self.index.len(), self.len);
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

    #[test]
    fn skiplist_matches_model_under_random_operations() {
        fastrand::seed(7);
        for round in 0..6 {
            let mut z = ZSetValue::new();
            let mut model = Model::default();
            // Rounds 4 and 5 stay small (listpack); 0 and 2 start as a skip list.
            let universe = if round >= 4 { 100 } else { 600 };
            if round == 0 || round == 2 {
                z.insert(0.0, &[b'L'; 70]);
                model.scores.insert(vec![b'L'; 70], 0.0);
            }
            for step in 0..6000 {
                let member = format!("m{}", fastrand::u32(..universe)).into_bytes();
                match fastrand::u32(..10) {
                    0..=5 => {
                        let score = f64::from(fastrand::i32(-50..50)) / 4.0;
                        let new = z.insert(score, &member);
                        assert_eq!(new, model.scores.insert(member.clone(), score).is_none());
                    }
                    6..=8 => {
                        assert_eq!(z.remove(&member), model.scores.remove(&member).is_some());
                    }
                    _ => {
                        assert_eq!(z.score(&member), model.scores.get(&member).copied());
                    }
                }
                if step % 500 == 0 {
                    let ordered = model.ordered();
                    assert_eq!(owned(&z), ordered);
                    assert_eq!(z.len(), ordered.len());
                    match &z {
                        ZSetValue::Skiplist(list) => list.check(),
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
                    let lo = fastrand::usize(..=ordered.len());
                    let hi = fastrand::usize(lo..=ordered.len());
                    let got: Vec<_> = z.range(lo, hi).map(|(s, m)| (s, m.to_vec())).collect();
                    assert_eq!(got, ordered[lo..hi].to_vec());
                    let back: Vec<_> =
                        z.range(lo, hi).rev().map(|(s, m)| (s, m.to_vec())).collect();
                    let mut expected = ordered[lo..hi].to_vec();
                    expected.reverse();
                    assert_eq!(back, expected);
                    let below = ordered.iter().filter(|(s, _)| *s < 1.0).count();
                    assert_eq!(z.count_before(|s, _| s < 1.0), below);
                }
            }
        }
    }

    #[test]
    fn a_set_built_whole_is_packed_only_within_the_limits() {
        let long = [b'l'; 70];
        // Within the limits: packed, -0 read back as 0, a repeated member's last score wins.
        let small =
            ZSetValue::from_entries([(-0.0, &b"a"[..]), (3.0, b"b"), (2.0, b"a")].into_iter());
        assert!(matches!(small, ZSetValue::Listpack(_)));
        assert_eq!(owned(&small), vec![(2.0, b"a".to_vec()), (3.0, b"b".to_vec())]);
        // Past them (a long member): a skip list that keeps -0 whatever the order.
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
