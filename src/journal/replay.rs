//! Applying journaled effects to a keyspace: the same result the live command produced.
//! Deadlines are absolute, so a key whose deadline passed while the server was down is gone.
use super::record::{Effect, Value as JournalValue};
use crate::store::{
    hash_key, Db, Entry, HashValue, Keyspace, ListValue, SetValue, StrValue, Value, ZSetValue,
};

/// Why an effect cannot be applied: the journal names something this server cannot hold.
pub type ApplyError = String;

fn db(keyspace: &Keyspace, index: u32) -> Result<&Db, ApplyError> {
    usize::try_from(index).ok().and_then(|i| keyspace.db(i)).ok_or_else(|| {
        format!(
            "the journal names database {index}, but the server has {} (start it with \
             --databases {} or more)",
            keyspace.db_count(),
            u64::from(index) + 1
        )
    })
}

pub(crate) fn stored<B: AsRef<[u8]>>(value: &JournalValue<B>) -> Value {
    match value {
        JournalValue::String(bytes) => Value::Str(StrValue::from_bytes(bytes.as_ref())),
        JournalValue::List(items) => {
            Value::List(Box::new(ListValue::from_elements(items.iter().map(AsRef::as_ref))))
        }
        JournalValue::Hash(pairs) => {
            let mut hash = HashValue::new();
            for (field, value) in pairs {
                hash.insert(field.as_ref(), value.as_ref());
            }
            Value::Hash(hash)
        }
        JournalValue::Set(members) => {
            Value::Set(Box::new(SetValue::from_members(members.iter().map(AsRef::as_ref))))
        }
        JournalValue::ZSet(entries) => Value::ZSet(Box::new(ZSetValue::from_entries(
            entries.iter().map(|(score, member)| (*score, member.as_ref())),
        ))),
    }
}

/// Calls `f` with `value` as the journal writes it (the inverse of `stored`), borrowing the
/// stored bytes where there are some (docs/FORMAT.md, "Values").
pub fn with_journal_value<R>(value: &Value, f: impl FnOnce(JournalValue<&[u8]>) -> R) -> R {
    match value {
        Value::Str(string) => string.with_bytes(|bytes| f(JournalValue::String(bytes))),
        Value::List(list) => f(JournalValue::List(list.iter().collect())),
        Value::Hash(hash) => {
            // Small hashes store fields against their predecessor: rebuilt once. A table's
            // are borrowed, so a big hash costs one slice of pairs, not a copy of each field.
            let pairs = hash.positional();
            f(JournalValue::Hash((0..pairs.len()).filter_map(|i| pairs.get(i)).collect()))
        }
        Value::Set(set) => {
            // Integer members are not stored as bytes: format them once.
            let mut owned = Vec::with_capacity(set.len());
            set.for_each(|m| owned.push(m.to_vec()));
            f(JournalValue::Set(owned.iter().map(Vec::as_slice).collect()))
        }
        Value::ZSet(zset) => f(JournalValue::ZSet(zset.iter().collect())),
    }
}

/// The collection types, for effects that create a missing key.
#[derive(Clone, Copy)]
enum Kind {
    List,
    Hash,
    Set,
    ZSet,
}

impl Kind {
    fn empty(self) -> Value {
        match self {
            Self::List => Value::List(Box::default()),
            Self::Hash => Value::Hash(HashValue::default()),
            Self::Set => Value::Set(Box::default()),
            Self::ZSet => Value::ZSet(Box::default()),
        }
    }
}

/// Applies `change` to the collection at `key`. A missing key is created empty when `create`
/// names a kind (adding effects), else the effect changes nothing (removals). A collection
/// left empty is deleted, as the commands do.
fn change_collection(
    keyspace: &Keyspace,
    index: u32,
    key: &[u8],
    create: Option<Kind>,
    now_ms: u64,
    change: impl FnOnce(&mut Value) -> Option<()>,
) -> Result<(), ApplyError> {
    let hash = hash_key(key);
    let mut shard = db(keyspace, index)?.lock(hash);
    if shard.find(hash, key, now_ms).is_none() {
        let Some(kind) = create else { return Ok(()) };
        shard.insert(hash, Entry::new(key, kind.empty()), now_ms);
    }
    let Some(entry) = shard.find(hash, key, now_ms) else { return Ok(()) };
    if change(&mut entry.value).is_none() {
        return Err(format!(
            "a journal effect on key '{}' in database {index} does not fit the {} stored there",
            String::from_utf8_lossy(key),
            entry.value.type_name()
        ));
    }
    if entry.value.is_empty_collection() {
        shard.remove(hash, key, now_ms);
    }
    Ok(())
}

/// Applies one effect. `now_ms` decides which deadlines have already passed.
pub fn apply(keyspace: &Keyspace, effect: &Effect<&[u8]>, now_ms: u64) -> Result<(), ApplyError> {
    match effect {
        Effect::Put { db: index, key, value, expires_at_ms } => {
            let hash = hash_key(key);
            let mut shard = db(keyspace, *index)?.lock(hash);
            let value = stored(value);
            // An empty collection is no key: no writer journals one, but a record that puts
            // one must not leave a key that exists and is empty (Redis's loader skips empty
            // keys too). The put still replaces what was there.
            if (*expires_at_ms != 0 && *expires_at_ms <= now_ms) || value.is_empty_collection() {
                shard.remove(hash, key, now_ms);
            } else {
                shard.upsert(hash, key, value, Some(*expires_at_ms), now_ms);
            }
        }
        Effect::Delete { db: index, key } => {
            let hash = hash_key(key);
            db(keyspace, *index)?.lock(hash).remove(hash, key, now_ms);
        }
        Effect::Expire { db: index, key, expires_at_ms } => {
            let hash = hash_key(key);
            let mut shard = db(keyspace, *index)?.lock(hash);
            if *expires_at_ms != 0 && *expires_at_ms <= now_ms {
                shard.remove(hash, key, now_ms);
            } else {
                shard.set_expiry(hash, key, *expires_at_ms, now_ms);
            }
        }
        Effect::Append { db: index, key, bytes } => {
            let hash = hash_key(key);
            let mut shard = db(keyspace, *index)?.lock(hash);
            match shard.find(hash, key, now_ms) {
                Some(Entry { value: Value::Str(string), .. }) => {
                    string.make_raw().extend_from_slice(bytes);
                }
                None => {
                    let value = Value::Str(StrValue::raw(bytes.to_vec()));
                    shard.insert(hash, Entry::new(key, value), now_ms);
                }
                Some(entry) => {
                    return Err(format!(
                        "a journaled APPEND to key '{}' in database {index} finds a {}",
                        String::from_utf8_lossy(key),
                        entry.value.type_name()
                    ));
                }
            }
        }
        Effect::Rename { db: index, from, to } => {
            let database = db(keyspace, *index)?;
            let (from_hash, to_hash) = (hash_key(from), hash_key(to));
            let mut shards = database.lock_keys([from_hash, to_hash].into_iter());
            if let Some(mut entry) = shards.shard(from_hash).remove(from_hash, from, now_ms) {
                entry.key = (*to).into();
                shards.shard(to_hash).insert(to_hash, entry, now_ms);
            }
        }
        Effect::Move { from_db, to_db, key } => {
            let hash = hash_key(key);
            let entry = db(keyspace, *from_db)?.lock(hash).remove(hash, key, now_ms);
            if let Some(entry) = entry {
                db(keyspace, *to_db)?.lock(hash).insert(hash, entry, now_ms);
            }
        }
        Effect::FlushDb { db: index } => {
            db(keyspace, *index)?.clear();
        }
        Effect::FlushAll => {
            for database in keyspace.dbs() {
                database.clear();
            }
        }
        Effect::SwapDb { a, b } => {
            let (first, second) = (db(keyspace, *a)?, db(keyspace, *b)?);
            if a != b {
                first.swap_with(second);
            }
        }
        Effect::ListPush { .. }
        | Effect::ListPop { .. }
        | Effect::ListSet { .. }
        | Effect::ListInsert { .. }
        | Effect::ListRemove { .. }
        | Effect::HashSet { .. }
        | Effect::HashDelete { .. }
        | Effect::SetAdd { .. }
        | Effect::SetRemove { .. }
        | Effect::ZSetAdd { .. }
        | Effect::ZSetRemove { .. } => return apply_collection(keyspace, effect, now_ms),
    }
    Ok(())
}

/// Index effects name positions the live command found in range; out of range means the
/// journal does not match the state it is replayed onto.
fn position(index: u64) -> usize {
    usize::try_from(index).unwrap_or(usize::MAX)
}

fn apply_collection(
    keyspace: &Keyspace,
    effect: &Effect<&[u8]>,
    now: u64,
) -> Result<(), ApplyError> {
    use Kind::{Hash, List, Set, ZSet};
    match effect {
        Effect::ListPush { db, key, left, elements } => {
            change_collection(keyspace, *db, key, Some(List), now, |v| {
                // One call, as the command pushed them: the encoding follows the same rule.
                v.list_mut()?.push_many(*left, elements.iter().copied());
                Some(())
            })
        }
        Effect::ListPop { db, key, left, count } => {
            change_collection(keyspace, *db, key, None, now, |v| {
                let list = v.list_mut()?;
                // All at once: a packed list moves its bytes once, not once per element.
                let wanted = usize::try_from(*count).ok().filter(|&n| n <= list.len())?;
                list.pop_many(*left, wanted);
                Some(())
            })
        }
        Effect::ListSet { db, key, index, element } => {
            change_collection(keyspace, *db, key, None, now, |v| {
                v.list_mut()?.set(position(*index), element).then_some(())
            })
        }
        Effect::ListInsert { db, key, index, element } => {
            change_collection(keyspace, *db, key, None, now, |v| {
                v.list_mut()?.insert(position(*index), element).then_some(())
            })
        }
        Effect::ListRemove { db, key, count, element } => {
            change_collection(keyspace, *db, key, None, now, |v| {
                v.list_mut()?.remove_matching(*count, element);
                Some(())
            })
        }
        Effect::HashSet { db, key, pairs } => {
            change_collection(keyspace, *db, key, Some(Hash), now, |v| {
                let hash = v.hash_mut()?;
                // HSET's conversion check over all its pairs, as the live command did.
                let longest = pairs.iter().map(|(f, value)| f.len().max(value.len())).max();
                hash.prepare(pairs.len(), longest.unwrap_or(0));
                pairs.iter().for_each(|(f, value)| {
                    hash.insert(f, value);
                });
                Some(())
            })
        }
        Effect::HashDelete { db, key, fields } => {
            change_collection(keyspace, *db, key, None, now, |v| {
                let hash = v.hash_mut()?;
                fields.iter().for_each(|f| {
                    hash.remove(f);
                });
                Some(())
            })
        }
        Effect::SetAdd { db, key, members } => {
            change_collection(keyspace, *db, key, Some(Set), now, |v| {
                let set = v.set_mut()?;
                // SADD's size hint over all its arguments, as the live command applied it (a
                // set is empty here only when this effect just created it).
                let hint = members.len();
                match members.first() {
                    Some(first) if set.is_empty() => *set = SetValue::create(first, hint),
                    _ => set.prepare(hint),
                }
                members.iter().for_each(|m| {
                    set.insert(m);
                });
                Some(())
            })
        }
        Effect::SetRemove { db, key, members } => {
            change_collection(keyspace, *db, key, None, now, |v| {
                let set = v.set_mut()?;
                members.iter().for_each(|m| {
                    set.remove(m);
                });
                Some(())
            })
        }
        Effect::ZSetAdd { db, key, entries } => {
            change_collection(keyspace, *db, key, Some(ZSet), now, |v| {
                let zset = v.zset_mut()?;
                entries.iter().for_each(|(score, m)| {
                    zset.insert(*score, m);
                });
                Some(())
            })
        }
        Effect::ZSetRemove { db, key, members } => {
            change_collection(keyspace, *db, key, None, now, |v| {
                let zset = v.zset_mut()?;
                members.iter().for_each(|m| {
                    zset.remove(m);
                });
                Some(())
            })
        }
        // `apply` sends only the collection effects here.
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(keyspace: &Keyspace, index: usize, key: &[u8]) -> Option<(Vec<u8>, u64)> {
        let hash = hash_key(key);
        let mut shard = keyspace.db(index)?.lock(hash);
        let entry = shard.find(hash, key, 1_000)?;
        let Value::Str(s) = &entry.value else { return None };
        Some((s.to_vec(), entry.expires_at_ms))
    }

    fn put(db: u32, key: &str, value: &str, at: u64) -> Effect<Vec<u8>> {
        Effect::Put {
            db,
            key: key.into(),
            value: JournalValue::String(value.into()),
            expires_at_ms: at,
        }
    }

    #[test]
    fn effects_apply_like_the_commands() {
        let ks = Keyspace::new(4);
        let effects = vec![
            put(0, "a", "1", 0),
            put(0, "gone", "x", 500), // deadline already passed at now=1000
            put(1, "b", "2", 5_000),
            Effect::Append { db: 0, key: "a".into(), bytes: "23".into() },
            Effect::Append { db: 0, key: "new".into(), bytes: "n".into() },
            Effect::Rename { db: 0, from: "a".into(), to: "c".into() },
            Effect::Expire { db: 0, key: "c".into(), expires_at_ms: 9_000 },
            Effect::Move { from_db: 1, to_db: 2, key: "b".into() },
            Effect::SwapDb { a: 2, b: 3 },
            Effect::Delete { db: 0, key: "new".into() },
        ];
        for effect in &effects {
            apply(&ks, &effect.map_bytes(&|b| b.as_slice()), 1_000).unwrap();
        }
        assert_eq!(get(&ks, 0, b"c"), Some((b"123".to_vec(), 9_000)));
        assert_eq!(get(&ks, 0, b"a"), None);
        assert_eq!(get(&ks, 0, b"gone"), None);
        assert_eq!(get(&ks, 0, b"new"), None);
        assert_eq!(get(&ks, 3, b"b"), Some((b"2".to_vec(), 5_000)));
        apply(&ks, &Effect::FlushAll, 1_000).unwrap();
        assert_eq!(get(&ks, 0, b"c"), None);
        assert!(apply(&ks, &Effect::FlushDb { db: 9 }, 1_000).unwrap_err().contains("database 9"));
    }

    /// Found by the journal_records fuzz target: a put of an empty list left a key that
    /// existed and was empty. It now deletes, replacing what was there as any put does.
    #[test]
    fn a_put_of_an_empty_collection_is_a_deletion() {
        let ks = Keyspace::new(1);
        apply(&ks, &put(0, "k", "v", 0).map_bytes(&|b| b.as_slice()), 1_000).unwrap();
        for empty in [
            JournalValue::List(vec![]),
            JournalValue::Hash(vec![]),
            JournalValue::Set(vec![]),
            JournalValue::ZSet(vec![]),
        ] {
            let effect = Effect::Put { db: 0, key: &b"k"[..], value: empty, expires_at_ms: 0 };
            apply(&ks, &effect, 1_000).unwrap();
            let hash = hash_key(b"k");
            assert!(ks.db(0).unwrap().lock(hash).find(hash, b"k", 1_000).is_none());
        }
    }
}
