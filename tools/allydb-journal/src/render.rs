//! How effects and bytes are shown: redis-cli's quoting for people, JSON for scripts.
use std::borrow::Cow;

use allydb::journal::{Effect, Value};
use serde_json::{json, Value as Json};

/// `bytes` quoted the way redis-cli shows a reply (its `sdscatrepr`): printable ASCII as is,
/// `\\`, `\"`, `\n`, `\r`, `\t`, `\a`, `\b`, anything else as `\xhh`; the server's MONITOR
/// lines quote with the same function.
pub fn quoted(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len() + 2);
    allydb::server::monitor::append_repr(&mut out, bytes);
    // Every byte `append_repr` writes is printable ASCII.
    String::from_utf8(out).unwrap_or_default()
}

/// Bytes in JSON: a string when they are UTF-8, otherwise `{"hex": "..."}`.
pub fn json_bytes(bytes: &[u8]) -> Json {
    match std::str::from_utf8(bytes) {
        Ok(text) => Json::String(text.to_string()),
        Err(_) => {
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            json!({ "hex": hex })
        }
    }
}

/// A score as text that reads back to the same double: `inf`, `-inf`, the shortest
/// round-trip decimal, or its exponent form when the decimal would take more than 20
/// characters (`1e300`, `5e-324`).
pub fn score(value: f64) -> String {
    if value == f64::INFINITY {
        "inf".into()
    } else if value == f64::NEG_INFINITY {
        "-inf".into()
    } else {
        let plain = format!("{value}");
        if plain.len() > 20 {
            format!("{value:e}")
        } else {
            plain
        }
    }
}

/// One effect as a command: its database (None for FLUSHALL), name and arguments. Effects
/// with a Redis command of the same meaning use its name; see docs/TOOLS.md for the others.
pub struct Words<'a> {
    pub db: Option<u32>,
    pub name: &'static str,
    pub args: Vec<Cow<'a, [u8]>>,
}

fn text<'a>(value: impl ToString) -> Cow<'a, [u8]> {
    Cow::Owned(value.to_string().into_bytes())
}

fn value_words<'a>(value: &'a Value<&'a [u8]>, args: &mut Vec<Cow<'a, [u8]>>) {
    let borrowed = |b: &&'a [u8]| Cow::Borrowed(*b);
    match value {
        Value::String(bytes) => args.push(Cow::Borrowed(bytes)),
        Value::List(items) => {
            args.push(text("list"));
            args.extend(items.iter().map(borrowed));
        }
        Value::Set(items) => {
            args.push(text("set"));
            args.extend(items.iter().map(borrowed));
        }
        Value::Hash(pairs) => {
            args.push(text("hash"));
            for (field, value) in pairs {
                args.extend([Cow::Borrowed(*field), Cow::Borrowed(*value)]);
            }
        }
        Value::ZSet(entries) => {
            args.push(text("zset"));
            for (s, member) in entries {
                args.extend([text(score(*s)), Cow::Borrowed(*member)]);
            }
        }
    }
}

pub fn words<'a>(effect: &'a Effect<&'a [u8]>) -> Words<'a> {
    let key = |k: &&'a [u8]| Cow::Borrowed(*k);
    let list = |items: &'a [&'a [u8]]| items.iter().map(|b| Cow::Borrowed(*b));
    let (db, name, args): (Option<u32>, &'static str, Vec<Cow<'a, [u8]>>) = match effect {
        Effect::Put { db, key: k, value, expires_at_ms } => {
            let mut args = vec![key(k)];
            value_words(value, &mut args);
            if *expires_at_ms != 0 {
                args.extend([text("PXAT"), text(expires_at_ms)]);
            }
            let name = if matches!(value, Value::String(_)) { "SET" } else { "PUT" };
            (Some(*db), name, args)
        }
        Effect::Delete { db, key: k } => (Some(*db), "DEL", vec![key(k)]),
        Effect::Expire { db, key: k, expires_at_ms: 0 } => (Some(*db), "PERSIST", vec![key(k)]),
        Effect::Expire { db, key: k, expires_at_ms } => {
            (Some(*db), "PEXPIREAT", vec![key(k), text(expires_at_ms)])
        }
        Effect::Append { db, key: k, bytes } => (Some(*db), "APPEND", vec![key(k), key(bytes)]),
        Effect::Rename { db, from, to } => (Some(*db), "RENAME", vec![key(from), key(to)]),
        Effect::Move { from_db, to_db, key: k } => {
            (Some(*from_db), "MOVE", vec![key(k), text(to_db)])
        }
        Effect::FlushDb { db } => (Some(*db), "FLUSHDB", vec![]),
        Effect::FlushAll => (None, "FLUSHALL", vec![]),
        Effect::SwapDb { a, b } => (None, "SWAPDB", vec![text(a), text(b)]),
        Effect::ListPush { db, key: k, left, elements } => {
            let name = if *left { "LPUSH" } else { "RPUSH" };
            (Some(*db), name, std::iter::once(key(k)).chain(list(elements)).collect())
        }
        Effect::ListPop { db, key: k, left, count } => {
            (Some(*db), if *left { "LPOP" } else { "RPOP" }, vec![key(k), text(count)])
        }
        Effect::ListSet { db, key: k, index, element } => {
            (Some(*db), "LSET", vec![key(k), text(index), key(element)])
        }
        Effect::ListInsert { db, key: k, index, element } => {
            (Some(*db), "LINSERT", vec![key(k), text("AT"), text(index), key(element)])
        }
        Effect::ListRemove { db, key: k, count, element } => {
            (Some(*db), "LREM", vec![key(k), text(count), key(element)])
        }
        Effect::HashSet { db, key: k, pairs } => {
            let mut args = vec![key(k)];
            for (field, value) in pairs {
                args.extend([key(field), key(value)]);
            }
            (Some(*db), "HSET", args)
        }
        Effect::HashDelete { db, key: k, fields } => {
            (Some(*db), "HDEL", std::iter::once(key(k)).chain(list(fields)).collect())
        }
        Effect::SetAdd { db, key: k, members } => {
            (Some(*db), "SADD", std::iter::once(key(k)).chain(list(members)).collect())
        }
        Effect::SetRemove { db, key: k, members } => {
            (Some(*db), "SREM", std::iter::once(key(k)).chain(list(members)).collect())
        }
        Effect::ZSetAdd { db, key: k, entries } => {
            let mut args = vec![key(k)];
            for (s, member) in entries {
                args.extend([text(score(*s)), key(member)]);
            }
            (Some(*db), "ZADD", args)
        }
        Effect::ZSetRemove { db, key: k, members } => {
            (Some(*db), "ZREM", std::iter::once(key(k)).chain(list(members)).collect())
        }
    };
    Words { db, name, args }
}

/// The keys an effect changes, with their databases. `None` as the key means every key of
/// the database (FLUSHDB, SWAPDB); `None` as the database means every database (FLUSHALL).
pub fn touched<'a>(effect: &'a Effect<&'a [u8]>) -> Vec<(Option<u32>, Option<&'a [u8]>)> {
    match effect {
        Effect::FlushDb { db } => vec![(Some(*db), None)],
        Effect::FlushAll => vec![(None, None)],
        Effect::SwapDb { a, b } => vec![(Some(*a), None), (Some(*b), None)],
        keyed => {
            keyed.keys().into_iter().flatten().map(|(db, key)| (Some(db), Some(*key))).collect()
        }
    }
}

/// The effect as one line of text: `db=N NAME "arg" ...`.
pub fn effect_line(effect: &Effect<&[u8]>) -> String {
    let words = words(effect);
    let mut line = match words.db {
        Some(db) => format!("db={db} {}", words.name),
        None => words.name.to_string(),
    };
    for arg in &words.args {
        line.push(' ');
        line.push_str(&quoted(arg));
    }
    line
}

/// The effect as JSON: `{"db": N, "command": NAME, "args": [...]}`.
pub fn effect_json(effect: &Effect<&[u8]>) -> Json {
    let words = words(effect);
    json!({
        "db": words.db,
        "command": words.name,
        "args": words.args.iter().map(|a| json_bytes(a)).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_redis_cli() {
        assert_eq!(quoted(b"a b"), "\"a b\"");
        assert_eq!(quoted(b"\"\\\n\r\t\x07\x08\x00\xff"), r#""\"\\\n\r\t\a\b\x00\xff""#);
    }

    #[test]
    fn renders_effects_as_commands() {
        let effect = Effect::Put {
            db: 2,
            key: &b"k"[..],
            value: Value::String(&b"v"[..]),
            expires_at_ms: 17,
        };
        assert_eq!(effect_line(&effect), r#"db=2 SET "k" "v" "PXAT" "17""#);
        let effect = Effect::ZSetAdd {
            db: 0,
            key: &b"z"[..],
            entries: vec![(f64::NEG_INFINITY, &b"m"[..]), (1.5, &b"n"[..])],
        };
        assert_eq!(effect_line(&effect), r#"db=0 ZADD "z" "-inf" "m" "1.5" "n""#);
        assert_eq!(
            effect_json(&Effect::FlushAll),
            json!({"db": null, "command": "FLUSHALL", "args": []})
        );
        assert_eq!(json_bytes(b"\xff"), json!({"hex": "ff"}));
        assert_eq!(score(1e300), "1e300");
        assert_eq!(score(5e-324), "5e-324");
        assert_eq!(score(-0.25), "-0.25");
        for value in [1e300, 5e-324, -1.797e308, 0.1 + 0.2, 123456789.125] {
            assert_eq!(score(value).parse::<f64>().ok(), Some(value));
        }
    }
}
