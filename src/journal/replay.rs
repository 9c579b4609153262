//! Applying journaled effects to a keyspace: the same result the live command produced.
//! Deadlines are absolute, so a key whose deadline passed while the server was down is gone.
use super::record::{Effect, Value as JournalValue};
use crate::store::{hash_key, Db, Entry, Keyspace, StrValue, Value};

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

fn stored(value: &JournalValue<Vec<u8>>) -> Value {
    match value {
        JournalValue::String(bytes) => Value::Str(StrValue::from_bytes(bytes)),
    }
}

/// Applies one effect. `now_ms` decides which deadlines have already passed.
pub fn apply(keyspace: &Keyspace, effect: &Effect<Vec<u8>>, now_ms: u64) -> Result<(), ApplyError> {
    match effect {
        Effect::Put { db: index, key, value, expires_at_ms } => {
            let hash = hash_key(key);
            let mut shard = db(keyspace, *index)?.lock(hash);
            if *expires_at_ms != 0 && *expires_at_ms <= now_ms {
                shard.remove(hash, key, now_ms);
            } else {
                shard.upsert(hash, key, stored(value), Some(*expires_at_ms), now_ms);
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
                    let value = Value::Str(StrValue::Raw(bytes.clone()));
                    shard.insert(hash, Entry::new(key, value), now_ms);
                }
            }
        }
        Effect::Rename { db: index, from, to } => {
            let database = db(keyspace, *index)?;
            let (from_hash, to_hash) = (hash_key(from), hash_key(to));
            let mut shards = database.lock_keys([from_hash, to_hash].into_iter());
            if let Some(mut entry) = shards.shard(from_hash).remove(from_hash, from, now_ms) {
                entry.key = to.as_slice().into();
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
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(keyspace: &Keyspace, index: usize, key: &[u8]) -> Option<(Vec<u8>, u64)> {
        let hash = hash_key(key);
        let mut shard = keyspace.db(index)?.lock(hash);
        let entry = shard.find(hash, key, 1_000)?;
        let Value::Str(s) = &entry.value;
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
            apply(&ks, effect, 1_000).unwrap();
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
}
