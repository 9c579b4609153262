//! Sorted set values: members ordered by (score, member bytes). Small sets are one sorted
//! vector ("listpack" in OBJECT ENCODING, as Redis 7.2 names it); past the
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
    /// Sorted by (score, member).
    Listpack(Vec<(f64, CompactBytes)>),
    Skiplist(Box<SkipList>),
}

impl Default for ZSetValue {
    fn default() -> Self {
        Self::Listpack(Vec::new())
    }
}

impl PartialEq for ZSetValue {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl ZSetValue {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        match self {
            Self::Listpack(entries) => entries.len(),
            Self::Skiplist(list) => list.len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            Self::Listpack(entries) => entries.iter().find(|(_, m)| **m == *member).map(|e| e.0),
            Self::Skiplist(list) => list.find(member).map(|slot| list.nodes[slot].score),
        }
    }

    /// Sets `member`'s score; true if the member is new. Converts to the skip list once the
    /// set grows past Redis's listpack limits.
    pub fn insert(&mut self, score: f64, member: &[u8]) -> bool {
        debug_assert!(!score.is_nan());
        if let Self::Listpack(entries) = self {
            // A listpack keeps scores as text and reads "-0" back as 0, as Redis's does.
            let score = score + 0.0;
            let position = entries.iter().position(|(_, m)| **m == *member);
            // Read per write: CONFIG SET zset-max-listpack-* applies from the next one on.
            let fits = member.len() <= encoding::zset_max_listpack_value()
                && (position.is_some() || entries.len() < encoding::zset_max_listpack_entries());
            if fits {
                if let Some(at) = position {
                    entries.remove(at);
                }
                let at = entries
                    .partition_point(|(s, m)| compare((*s, m), (score, member)) == Ordering::Less);
                entries.insert(at, (score, member.into()));
                return position.is_none();
            }
            let mut list = SkipList::new();
            for (s, m) in entries.drain(..) {
                list.insert_new(s, m);
            }
            *self = Self::Skiplist(Box::new(list));
        }
        match self {
            Self::Skiplist(list) => {
                let existed = list.remove(member);
                list.insert_new(score, member.into());
                !existed
            }
            Self::Listpack(_) => false,
        }
    }

    /// Removes `member`; true if it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self {
            Self::Listpack(entries) => match entries.iter().position(|(_, m)| **m == *member) {
                Some(at) => {
                    entries.remove(at);
                    true
                }
                None => false,
            },
            Self::Skiplist(list) => list.remove(member),
        }
    }

    /// The 0-based rank of `member`, lowest score first.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        match self {
            Self::Listpack(entries) => entries.iter().position(|(_, m)| **m == *member),
            Self::Skiplist(list) => {
                let slot = list.find(member)?;
                Some(list.rank_of(list.nodes[slot].score, member))
            }
        }
    }

    /// How many members, from the lowest, satisfy `before`, which must hold for a prefix of
    /// the order (e.g. "score < min"). O(log n) on the skip list.
    pub fn count_before(&self, before: impl Fn(f64, &[u8]) -> bool) -> usize {
        match self {
            Self::Listpack(entries) => entries.partition_point(|(s, m)| before(*s, m)),
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
            Self::Listpack(entries) => Iter::Listpack(entries[start..end].iter()),
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
            Self::Listpack(entries) => {
                entries.iter().for_each(|(s, m)| f(*s, m));
                0
            }
            Self::Skiplist(list) => {
                let start = usize::try_from(cursor).unwrap_or(usize::MAX).max(1);
                let mut seen = 0usize;
                for slot in start..list.nodes.len() {
                    let node = &list.nodes[slot];
                    if !node.levels.is_empty() {
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
            Self::Listpack(entries) => {
                entries.capacity() * std::mem::size_of::<(f64, CompactBytes)>()
                    + entries.iter().map(|(_, m)| m.heap_bytes()).sum::<usize>()
            }
            Self::Skiplist(list) => list.memory_bytes(),
        }
    }
}

/// Iterator over a range of members, either end.
pub enum Iter<'a> {
    Listpack(std::slice::Iter<'a, (f64, CompactBytes)>),
    Skiplist { list: &'a SkipList, front: u32, back: u32, remaining: usize },
}

impl<'a> Iterator for Iter<'a> {
    type Item = (f64, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Self::Listpack(entries) => entries.next().map(|(s, m)| (*s, &**m)),
            Self::Skiplist { list, front, remaining, .. } => {
                if *remaining == 0 {
                    return None;
                }
                *remaining -= 1;
                let node = &list.nodes[*front as usize];
                *front = node.levels.first().map_or(NIL, |l| l.next);
                Some((node.score, &*node.member))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = match self {
            Self::Listpack(entries) => entries.len(),
            Self::Skiplist { remaining, .. } => *remaining,
        };
        (n, Some(n))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        match self {
            Self::Listpack(entries) => entries.next_back().map(|(s, m)| (*s, &**m)),
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

#[derive(Debug, Clone)]
struct Node {
    member: CompactBytes,
    score: f64,
    backward: u32,
    /// Empty for a free slot.
    levels: Box<[Level]>,
}

impl Node {
    fn is_before(&self, score: f64, member: &[u8]) -> bool {
        self.score < score || (self.score == score && *self.member < *member)
    }
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
        let header = Node {
            member: CompactBytes::from(&b""[..]),
            score: 0.0,
            backward: NIL,
            levels: vec![Level::default(); LEVELS_MAX].into_boxed_slice(),
        };
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

    fn find(&self, member: &[u8]) -> Option<usize> {
        let hash = self.hasher.hash_one(member);
        let nodes = &self.nodes;
        self.index.find(hash, |&slot| *nodes[slot as usize].member == *member).map(|&s| s as usize)
    }

    fn random_level() -> usize {
        let mut level = 1;
        while level < LEVELS_MAX && fastrand::u32(..4) == 0 {
            level += 1;
        }
        level
    }

    /// Inserts a member known to be absent.
    fn insert_new(&mut self, score: f64, member: CompactBytes) {
        let mut update = [NIL; LEVELS_MAX];
        let mut rank = [0u32; LEVELS_MAX];
        let mut x = NIL;
        for i in (0..self.level).rev() {
            rank[i] = if i == self.level - 1 { 0 } else { rank[i + 1] };
            loop {
                let level = self.nodes[x as usize].levels[i];
                if level.next != NIL && self.nodes[level.next as usize].is_before(score, &member) {
                    rank[i] += level.span;
                    x = level.next;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        let level = Self::random_level();
        if level > self.level {
            for i in self.level..level {
                rank[i] = 0;
                update[i] = NIL;
                self.nodes[0].levels[i].span = u32::try_from(self.len).unwrap_or(u32::MAX);
            }
            self.level = level;
        }
        let node = Node {
            member,
            score,
            backward: if update[0] == NIL { NIL } else { update[0] },
            levels: vec![Level::default(); level].into_boxed_slice(),
        };
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
        for i in 0..level {
            let before = update[i] as usize;
            let previous = self.nodes[before].levels[i];
            let skipped = rank[0] - rank[i];
            self.nodes[slot as usize].levels[i] =
                Level { next: previous.next, span: previous.span - skipped };
            self.nodes[before].levels[i] = Level { next: slot, span: skipped + 1 };
        }
        for (i, &before) in update.iter().enumerate().take(self.level).skip(level) {
            self.nodes[before as usize].levels[i].span += 1;
        }
        let next = self.nodes[slot as usize].levels[0].next;
        if next == NIL {
            self.tail = slot;
        } else {
            self.nodes[next as usize].backward = slot;
        }
        self.len += 1;
        let hash = self.hasher.hash_one(&*self.nodes[slot as usize].member);
        let (nodes, hasher) = (&self.nodes, &self.hasher);
        self.index.insert_unique(hash, slot, |&s| hasher.hash_one(&*nodes[s as usize].member));
    }

    fn remove(&mut self, member: &[u8]) -> bool {
        let hash = self.hasher.hash_one(member);
        let nodes = &self.nodes;
        let Ok(found) = self.index.find_entry(hash, |&s| *nodes[s as usize].member == *member)
        else {
            return false;
        };
        let (slot, _) = found.remove();
        let score = self.nodes[slot as usize].score;
        let mut update = [NIL; LEVELS_MAX];
        let mut x = NIL;
        for (i, entry) in update.iter_mut().enumerate().take(self.level).rev() {
            loop {
                let next = self.nodes[x as usize].levels[i].next;
                if next != NIL && next != slot && self.nodes[next as usize].is_before(score, member)
                {
                    x = next;
                } else {
                    break;
                }
            }
            *entry = x;
        }
        let removed = std::mem::take(&mut self.nodes[slot as usize].levels);
        for (i, &before) in update.iter().enumerate().take(self.level) {
            let level = &mut self.nodes[before as usize].levels[i];
            match removed.get(i) {
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
        while self.level > 1 && self.nodes[0].levels[self.level - 1].next == NIL {
            self.level -= 1;
        }
        self.nodes[slot as usize].member = CompactBytes::from(&b""[..]);
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
                let level = self.nodes[x as usize].levels[i];
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
                let level = self.nodes[x as usize].levels[i];
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
                .map(|n| n.levels.len() * std::mem::size_of::<Level>() + n.member.heap_bytes())
                .sum::<usize>()
            + self.free.capacity() * 4
            + self.index.capacity() * 5
    }

    #[cfg(test)]
    fn check(&self) {
        let mut count = 0;
        let mut x = self.nodes[0].levels[0].next;
        let mut previous = NIL;
        while x != NIL {
            let node = &self.nodes[x as usize];
            assert_eq!(node.backward, previous);
            count += 1;
            assert_eq!(self.rank_of(node.score, &node.member), count - 1);
            assert_eq!(self.node_at(count), x);
            previous = x;
            x = node.levels[0].next;
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
        for round in 0..4 {
            let mut z = ZSetValue::new();
            let mut model = Model::default();
            // Force the skip list from the start in half the rounds.
            if round % 2 == 0 {
                z.insert(0.0, &[b'L'; 70]);
                model.scores.insert(vec![b'L'; 70], 0.0);
            }
            for step in 0..6000 {
                let member = format!("m{}", fastrand::u32(..600)).into_bytes();
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
                    if let ZSetValue::Skiplist(list) = &z {
                        list.check();
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
