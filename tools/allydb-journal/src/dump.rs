//! `dump`: the state as of a sequence number, as RESP commands (or JSON lines).
use std::io::Write;
use std::path::Path;

use allydb::journal::replay::with_journal_value;
use allydb::journal::Value;
use allydb::store::{hash_key, Keyspace};
use serde_json::json;

use crate::render::{json_bytes, score};
use crate::walk::{build_state, type_name, Dir, Visitor};

/// Elements per command for a large collection (keeps every command small).
const ELEMENTS_PER_COMMAND: usize = 512;

struct StopAt(u64);

impl Visitor for StopAt {
    fn last_wanted(&self) -> u64 {
        self.0
    }
}

fn resp(out: &mut impl Write, args: &[&[u8]]) -> std::io::Result<()> {
    write!(out, "*{}\r\n", args.len())?;
    for arg in args {
        write!(out, "${}\r\n", arg.len())?;
        out.write_all(arg)?;
        out.write_all(b"\r\n")?;
    }
    Ok(())
}

/// The commands that recreate `key` holding `value`.
fn key_commands(
    out: &mut impl Write,
    key: &[u8],
    value: &Value<&[u8]>,
    deadline: u64,
) -> std::io::Result<()> {
    let chunked = |out: &mut dyn FnMut(&[&[u8]]) -> std::io::Result<()>,
                   name: &[u8],
                   items: Vec<Vec<&[u8]>>| {
        for chunk in items.chunks(ELEMENTS_PER_COMMAND) {
            let mut args: Vec<&[u8]> = vec![name, key];
            for item in chunk {
                args.extend(item.iter().copied());
            }
            out(&args)?;
        }
        Ok::<(), std::io::Error>(())
    };
    let mut send = |args: &[&[u8]]| resp(out, args);
    match value {
        Value::String(bytes) => send(&[b"SET", key, bytes])?,
        Value::List(items) => {
            send(&[b"DEL", key])?;
            chunked(&mut send, b"RPUSH", items.iter().map(|i| vec![*i]).collect())?;
        }
        Value::Set(items) => {
            send(&[b"DEL", key])?;
            chunked(&mut send, b"SADD", items.iter().map(|i| vec![*i]).collect())?;
        }
        Value::Hash(pairs) => {
            send(&[b"DEL", key])?;
            chunked(&mut send, b"HSET", pairs.iter().map(|(f, v)| vec![*f, *v]).collect())?;
        }
        Value::ZSet(entries) => {
            send(&[b"DEL", key])?;
            let scores: Vec<String> = entries.iter().map(|(s, _)| redis_score(*s)).collect();
            let items =
                entries.iter().zip(&scores).map(|((_, m), s)| vec![s.as_bytes(), *m]).collect();
            chunked(&mut send, b"ZADD", items)?;
        }
    }
    if deadline != 0 {
        send(&[b"PEXPIREAT", key, deadline.to_string().as_bytes()])?;
    }
    Ok(())
}

/// A score ZADD reads back to the same double (`+inf`/`-inf` spelled as ZADD accepts them).
fn redis_score(value: f64) -> String {
    if value == f64::INFINITY {
        "+inf".into()
    } else {
        score(value)
    }
}

fn value_json(value: &Value<&[u8]>) -> serde_json::Value {
    match value {
        Value::String(bytes) => json_bytes(bytes),
        Value::List(items) | Value::Set(items) => items.iter().map(|i| json_bytes(i)).collect(),
        Value::Hash(pairs) => {
            pairs.iter().map(|(f, v)| json!([json_bytes(f), json_bytes(v)])).collect()
        }
        Value::ZSet(entries) => {
            entries.iter().map(|(s, m)| json!([json_bytes(m), score(*s)])).collect()
        }
    }
}

/// Writes every key of `keyspace`, database by database, keys in byte order.
fn write_state(out: &mut impl Write, keyspace: &Keyspace, json: bool) -> std::io::Result<u64> {
    let mut written = 0u64;
    let mut selected = 0usize;
    for (index, db) in keyspace.dbs().enumerate() {
        let mut keys: Vec<Vec<u8>> = Vec::with_capacity(db.len());
        for shard in 0..db.shard_count() {
            if let Some(shard) = db.lock_index(shard) {
                keys.extend(shard.iter().map(|e| e.key.to_vec()));
            }
        }
        if keys.is_empty() {
            continue;
        }
        keys.sort_unstable();
        if !json && index != selected {
            resp(out, &[b"SELECT", index.to_string().as_bytes()])?;
            selected = index;
        }
        for key in &keys {
            let hash = hash_key(key);
            let mut shard = db.lock(hash);
            let Some(entry) = shard.peek(hash, key, 0) else { continue };
            let deadline = entry.expires_at_ms;
            with_journal_value(&entry.value, |value| {
                if json {
                    let line = json!({
                        "db": index,
                        "key": json_bytes(key),
                        "type": type_name(&value),
                        "expires_at_ms": deadline,
                        "value": value_json(&value),
                    });
                    writeln!(out, "{line}")
                } else {
                    key_commands(out, key, &value, deadline)
                }
            })?;
            written += 1;
        }
    }
    if !json && selected != 0 {
        resp(out, &[b"SELECT", b"0"])?;
    }
    Ok(written)
}

/// Ok(false) when the directory is damaged (the state printed is the one `repair` leaves).
pub fn run(path: &Path, at: Option<u64>, databases: usize, json: bool) -> Result<bool, String> {
    let dir = Dir::open(path)?;
    let (manifest, manifest_problem) = dir.effective_manifest();
    if let Some(at) = at {
        if at < manifest.snapshot_seq {
            return Err(format!(
                "sequence number {at} is before the snapshot ({}): the journal no longer holds \
                 the records before it",
                manifest.snapshot_seq
            ));
        }
    }
    let mut visitor = StopAt(at.unwrap_or(u64::MAX));
    let (keyspace, snapshot, walk) = build_state(&dir, &manifest, databases, &mut visitor)?;
    if let Some(at) = at {
        if at > walk.last_sound_seq {
            return Err(format!(
                "sequence number {at} is past the end of the sound journal (seq {})",
                walk.last_sound_seq
            ));
        }
    }
    let problems: Vec<String> = manifest_problem
        .iter()
        .chain(snapshot.iter().flat_map(|s| s.problems.iter()))
        .chain(&walk.problems)
        .map(|p| p.line())
        .collect();
    for problem in &problems {
        eprintln!("allydb-journal: damaged: {problem}");
    }
    if !problems.is_empty() {
        eprintln!(
            "allydb-journal: printing the state `repair` would leave (up to seq {})",
            walk.last_sound_seq
        );
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let written = write_state(&mut out, &keyspace, json).and_then(|n| out.flush().map(|()| n));
    match written {
        Ok(_) => Ok(problems.is_empty()),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(problems.is_empty()),
        Err(error) => Err(format!("cannot write: {error}")),
    }
}
