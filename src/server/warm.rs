//! Warming a batch: before a connection's pipelined commands run, the keys they name are
//! looked up far enough to bring their index lines, then their entries, into the cache, so
//! that the batch waits for its cache misses together instead of one after another. Only a
//! hint: a key guessed wrong (a command whose first argument is not a key, a SELECT in the
//! batch) costs a wasted lookup, never a wrong answer.
use crate::store::keyspace::{hash_key, shard_of};

use super::Server;

/// Commands looked ahead at most: enough for redis-benchmark's and clients' usual pipelines,
/// and the misses a core can have in flight are fewer than this anyway.
const LOOKAHEAD: usize = 32;

/// Longer counts and lengths than this are not worth a look.
const MAX_DIGITS: usize = 10;

/// Arguments walked at most to find where a command ends: a longer command ends the
/// look-ahead, and its key is not warmed, so a huge command arriving over many reads is
/// neither walked nor hashed again at each.
const ARGUMENTS_WALKED: usize = 16;

/// Longer keys are not warmed: hashing them costs more than a miss, and their own bytes
/// miss anyway.
const KEY_BYTES_MAX: usize = 256;

/// Warms the keys of the first `LOOKAHEAD` complete commands in `input` (RESP arrays only),
/// in database `db`. Does nothing for fewer than two different keys: one gains nothing.
pub fn warm_batch(server: &Server, db: usize, input: &[u8]) {
    let mut hashes = [0u64; LOOKAHEAD];
    let mut count = 0;
    let mut position = 0;
    for _ in 0..LOOKAHEAD {
        let Some((key, next)) = first_argument(input, position) else { break };
        if let Some(hash) = key.filter(|k| k.len() <= KEY_BYTES_MAX).map(hash_key) {
            if count > 0 && hashes[count - 1] == hash {
                // Most likely a pipeline on one key (LPUSH, HSET of redis-benchmark), whose
                // one key the first command warms anyway: not worth reading further.
                break;
            }
            hashes[count] = hash;
            count += 1;
        }
        position = next;
    }
    if count < 2 {
        return;
    }
    let Some(db) = server.keyspace.db(db) else { return };
    let hashes = &hashes[..count];
    let _shared = server.keyspace.gate.read();
    // Step 1 for every key before step 2 for any: step 2 reads what step 1 fetched.
    for &hash in hashes {
        if let Some(shard) = db.lock_index_to_read(shard_of(hash)) {
            shard.prefetch_index(hash);
        }
    }
    for &hash in hashes {
        if let Some(shard) = db.lock_index_to_read(shard_of(hash)) {
            shard.prefetch_entry(hash);
        }
    }
}

/// The complete command at `position`: its second argument (the key of most commands), if
/// it has one, and where the next command starts. `None` if it is not a complete RESP array
/// of at most `ARGUMENTS_WALKED` arguments.
fn first_argument(input: &[u8], position: usize) -> Option<(Option<&[u8]>, usize)> {
    let (count, mut position) = header(input, position, b'*')?;
    if count > ARGUMENTS_WALKED {
        return None;
    }
    let mut key = None;
    for argument in 0..count {
        let (len, start) = header(input, position, b'$')?;
        let end = start.checked_add(len)?;
        if input.get(end..end.checked_add(2)?)? != b"\r\n" {
            return None;
        }
        if argument == 1 {
            key = input.get(start..end);
        }
        position = end + 2;
    }
    Some((key, position))
}

/// `<marker><digits>\r\n` at `position`: the number and where the line ends.
fn header(input: &[u8], position: usize, marker: u8) -> Option<(usize, usize)> {
    let rest = input.get(position..)?;
    if rest.first() != Some(&marker) {
        return None;
    }
    let mut number = 0u64;
    let mut digits = 0;
    for &byte in rest.iter().skip(1).take(MAX_DIGITS + 1) {
        if !byte.is_ascii_digit() {
            break;
        }
        number = number.checked_mul(10)?.checked_add(u64::from(byte - b'0'))?;
        digits += 1;
    }
    let line_end = 1 + digits;
    if digits == 0 || digits > MAX_DIGITS || rest.get(line_end..line_end + 2)? != b"\r\n" {
        return None;
    }
    Some((usize::try_from(number).ok()?, position + line_end + 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_commands_key() {
        let input = b"*2\r\n$3\r\nGET\r\n$3\r\nabc\r\n*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n*2\r\n$3\r\nGET";
        let (key, next) = first_argument(input, 0).unwrap();
        assert_eq!(key, Some(&b"abc"[..]));
        let (key, next) = first_argument(input, next).unwrap();
        assert_eq!(key, None);
        let (key, next) = first_argument(input, next).unwrap();
        assert_eq!(key, Some(&b"k"[..]));
        // An incomplete command ends the look-ahead.
        assert_eq!(first_argument(input, next), None);
    }

    /// A command of many arguments is not walked: it ends the look-ahead, key and all (a
    /// huge one arriving over many reads is not hashed at each).
    #[test]
    fn stops_at_a_long_command() {
        let mut input = b"*17\r\n$4\r\nMSET\r\n".to_vec();
        for _ in 0..16 {
            input.extend_from_slice(b"$1\r\nk\r\n");
        }
        assert_eq!(first_argument(&input, 0), None);
        input[1..3].copy_from_slice(b"16");
        input.truncate(input.len() - 7);
        assert_eq!(first_argument(&input, 0), Some((Some(&b"k"[..]), input.len())));
    }

    #[test]
    fn stops_at_anything_else() {
        for input in [
            &b"PING\r\n"[..],
            b"*2\r\n$3\r\nGET\r\n$99999999999999\r\nabc\r\n",
            b"*-1\r\n",
            b"*2\r\n$3\r\nGETx\r\n",
            b"*1\r\n$1\r\nx",
            b"*9\r\n$1\r\nx\r\n",
        ] {
            assert_eq!(first_argument(input, 0), None, "{input:?}");
        }
    }
}
