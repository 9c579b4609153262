//! Keyspace notifications (`notify-keyspace-events`): write commands and expiry publish
//! `__keyspace@<db>__:<key>` (message: the event) and `__keyevent@<db>__:<event>` (message: the
//! key) through the pub/sub registry, for the classes the setting enables. With the setting
//! empty, `notify` is one atomic load.
use std::sync::atomic::Ordering::Relaxed;

use bytes::Bytes;

use super::Server;
use crate::store::keyspace::{self, KeyEventKind};

/// Redis's class bits (`NOTIFY_*` in server.h).
pub const KEYSPACE: u32 = 1 << 0;
pub const KEYEVENT: u32 = 1 << 1;
pub const GENERIC: u32 = 1 << 2;
pub const STRING: u32 = 1 << 3;
pub const LIST: u32 = 1 << 4;
pub const SET: u32 = 1 << 5;
pub const HASH: u32 = 1 << 6;
pub const ZSET: u32 = 1 << 7;
pub const EXPIRED: u32 = 1 << 8;
pub const EVICTED: u32 = 1 << 9;
pub const STREAM: u32 = 1 << 10;
pub const KEY_MISS: u32 = 1 << 11;
pub const MODULE: u32 = 1 << 13;
pub const NEW: u32 = 1 << 14;
/// `A`: every class but `m` and `n`.
pub const ALL: u32 =
    GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;

/// CONFIG SET's reason for a letter Redis does not know.
pub const INVALID_CLASS: &str = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";

/// Parses Redis's class letters (`KEA`, `Kx`, ...); None on an unknown letter.
pub fn parse_flags(text: &str) -> Option<u32> {
    let mut flags = 0;
    for letter in text.bytes() {
        flags |= match letter {
            b'A' => ALL,
            b'g' => GENERIC,
            b'$' => STRING,
            b'l' => LIST,
            b's' => SET,
            b'h' => HASH,
            b'z' => ZSET,
            b'x' => EXPIRED,
            b'e' => EVICTED,
            b't' => STREAM,
            b'm' => KEY_MISS,
            b'd' => MODULE,
            b'n' => NEW,
            b'K' => KEYSPACE,
            b'E' => KEYEVENT,
            _ => return None,
        };
    }
    Some(flags)
}

/// The text CONFIG GET shows, as Redis 7 writes it (`keyspaceEventsFlagsToString`): `A` or the
/// classes in a fixed order, then `K`, `E`, `m`. Like Redis, `n` is not shown next to `A`.
pub fn format_flags(flags: u32) -> String {
    let mut text = String::new();
    if flags & ALL == ALL {
        text.push('A');
    } else {
        let letters = [
            (GENERIC, 'g'),
            (STRING, '$'),
            (LIST, 'l'),
            (SET, 's'),
            (HASH, 'h'),
            (ZSET, 'z'),
            (EXPIRED, 'x'),
            (EVICTED, 'e'),
            (STREAM, 't'),
            (MODULE, 'd'),
            (NEW, 'n'),
        ];
        text.extend(letters.iter().filter(|(bit, _)| flags & bit != 0).map(|(_, c)| *c));
    }
    text.extend(
        [(KEYSPACE, 'K'), (KEYEVENT, 'E'), (KEY_MISS, 'm')]
            .iter()
            .filter(|(bit, _)| flags & bit != 0)
            .map(|(_, c)| *c),
    );
    text
}

/// Whether `class` events are published at all (a cheap check before building anything).
pub fn is_enabled(server: &Server, class: u32) -> bool {
    let flags = server.settings.hot.notify_keyspace_events.load(Relaxed);
    flags & class != 0 && flags & (KEYSPACE | KEYEVENT) != 0
}

/// The `store::keyspace::TRACK_*` bits a command should collect: one relaxed load, and 0
/// (nothing to collect) unless `n` or `m` is on with `K` or `E`.
pub fn tracked_key_events(server: &Server) -> u8 {
    let flags = server.settings.hot.notify_keyspace_events.load(Relaxed);
    if flags & (KEYSPACE | KEYEVENT) == 0 {
        return 0;
    }
    let mut tracked = 0;
    if flags & NEW != 0 {
        tracked |= keyspace::TRACK_NEW;
    }
    if flags & KEY_MISS != 0 {
        tracked |= keyspace::TRACK_MISS;
    }
    tracked
}

/// Publishes the `new` (class `n`) and `keymiss` (class `m`) events the store noted for the
/// running command (`store::keyspace::take_key_events`), oldest first.
pub fn publish_key_events(server: &Server, publisher_id: u64, own: &mut Vec<Bytes>) {
    for (kind, db, key) in keyspace::take_key_events() {
        let (class, event) = match kind {
            KeyEventKind::New => (NEW, "new"),
            KeyEventKind::Miss => (KEY_MISS, "keymiss"),
        };
        let db = usize::try_from(db).unwrap_or(usize::MAX);
        notify(server, class, event, &key, db, publisher_id, own);
    }
}

/// Publishes `event` on `key` of database `db` if `class` is enabled (Redis's
/// `notifyKeyspaceEvent`). Frames for the client `publisher_id` itself go to `own`, as PUBLISH
/// does; everyone else's go to their mailboxes.
pub fn notify(
    server: &Server,
    class: u32,
    event: &str,
    key: &[u8],
    db: usize,
    publisher_id: u64,
    own: &mut Vec<Bytes>,
) {
    let flags = server.settings.hot.notify_keyspace_events.load(Relaxed);
    if flags & class == 0 {
        return;
    }
    let limit = server.settings.hot.pubsub_limit();
    if flags & KEYSPACE != 0 {
        let mut channel = format!("__keyspace@{db}__:").into_bytes();
        channel.extend_from_slice(key);
        server.pubsub.publish(false, &channel, event.as_bytes(), limit, publisher_id, own);
    }
    if flags & KEYEVENT != 0 {
        let channel = format!("__keyevent@{db}__:{event}");
        server.pubsub.publish(false, channel.as_bytes(), key, limit, publisher_id, own);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_read_back_like_redis() {
        for (set, shown) in [
            ("KEA", "AKE"),
            ("gK", "gK"),
            ("Exn", "xnE"),
            ("g$lshzxetdKEmn", "AKEm"),
            ("ndteK", "etdnK"),
            ("AnE", "AE"),
            ("mE", "Em"),
            ("", ""),
        ] {
            assert_eq!(parse_flags(set).map(format_flags).as_deref(), Some(shown), "{set}");
        }
        assert_eq!(parse_flags("KQ"), None);
        assert_eq!(parse_flags("k"), None);
    }
}
