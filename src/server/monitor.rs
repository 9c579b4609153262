//! MONITOR: the clients watching every command, and the line each command becomes
//! (`+<unix s>.<µs> [<db> <addr>] "arg" ...`, Redis's `replicationFeedMonitors`). Lines go to
//! each monitor's mailbox (pubsub.rs), bounded by the `normal` output buffer limit; the
//! commands module decides which commands are shown (`commands::feed_monitors`).
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use parking_lot::RwLock;

use super::clients::{format_addr, ClientHandle};
use super::pubsub::{self, OutputLimit};
use crate::protocol::Args;

/// What a redacted argument shows instead of its bytes (Redis's `shared.redacted`).
const REDACTED: &[u8] = b"(redacted)";

#[derive(Default)]
pub struct Monitors {
    /// Monitors connected: the one load every command pays when there are none.
    count: AtomicUsize,
    clients: RwLock<Vec<Arc<ClientHandle>>>,
}

impl Monitors {
    /// Whether any client monitors (one relaxed load).
    pub fn is_active(&self) -> bool {
        self.count.load(Relaxed) > 0
    }

    pub fn add(&self, client: &Arc<ClientHandle>) {
        let mut clients = self.clients.write();
        clients.push(client.clone());
        self.count.store(clients.len(), Relaxed);
    }

    /// Forgets a monitor (RESET, disconnection).
    pub fn remove(&self, client_id: u64) {
        let mut clients = self.clients.write();
        clients.retain(|c| c.id != client_id);
        self.count.store(clients.len(), Relaxed);
    }

    /// Sends every monitor the line for `args`, run by `source` in database `db`; arguments
    /// for which `redacted(index)` holds show as `(redacted)`. Each monitor's queue is bounded
    /// by its class's limit: `normal`, or `pubsub` for a monitor that also subscribed. With
    /// `own`, a source that monitors gets its line there (right after its reply, as Redis
    /// orders it) instead of through its queue.
    #[allow(clippy::too_many_arguments)]
    pub fn feed(
        &self,
        source: &ClientHandle,
        db: usize,
        args: Args<'_>,
        redacted: impl Fn(usize) -> bool,
        normal: OutputLimit,
        pubsub: OutputLimit,
        mut own: Option<&mut Vec<u8>>,
    ) {
        let mut line = Vec::with_capacity(64 + args.iter().map(<[u8]>::len).sum::<usize>());
        let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let peer = format_addr(&source.addr);
        let arguments = (0..args.len()).map(|i| if redacted(i) { REDACTED } else { args.get(i) });
        format_line(
            &mut line,
            since_epoch.as_secs(),
            since_epoch.subsec_micros(),
            db,
            &peer,
            arguments,
        );
        let frame = Bytes::from(line);
        for monitor in self.clients.read().iter() {
            if monitor.id == source.id {
                if let Some(own) = own.as_deref_mut() {
                    own.extend_from_slice(&frame);
                    continue;
                }
            }
            let limit = if monitor.mailbox.is_subscribed() { pubsub } else { normal };
            pubsub::deliver(monitor, &frame, limit);
        }
    }
}

/// Appends one MONITOR line: `+<seconds>.<micros> [<db> <peer>] "arg" "arg"\r\n`.
pub fn format_line<'a>(
    out: &mut Vec<u8>,
    seconds: u64,
    micros: u32,
    db: usize,
    peer: &str,
    arguments: impl Iterator<Item = &'a [u8]>,
) {
    use std::io::Write;
    let _ = write!(out, "+{seconds}.{micros:06} [{db} {peer}]");
    for argument in arguments {
        out.push(b' ');
        append_repr(out, argument);
    }
    out.extend_from_slice(b"\r\n");
}

/// Appends `bytes` quoted as Redis's `sdscatrepr` does: `\\`, `\"`, `\n`, `\r`, `\t`, `\a`,
/// `\b` escaped, other printable ASCII as is, every other byte as `\xhh`.
pub fn append_repr(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for &byte in bytes {
        match byte {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x07 => out.extend_from_slice(b"\\a"),
            0x08 => out.extend_from_slice(b"\\b"),
            b' '..=b'~' => out.push(byte),
            _ => {
                out.extend_from_slice(b"\\x");
                out.push(HEX[usize::from(byte >> 4)]);
                out.push(HEX[usize::from(byte & 0x0f)]);
            }
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_quote_like_sdscatrepr() {
        let mut out = Vec::new();
        let arguments: [&[u8]; 3] = [b"set", b"a\x00b\"c\\d\n\r\t\x07\x08", b"\xff \xc3\xa9~"];
        format_line(&mut out, 1339518083, 107412, 0, "127.0.0.1:60866", arguments.into_iter());
        assert_eq!(
            out,
            b"+1339518083.107412 [0 127.0.0.1:60866] \"set\" \"a\\x00b\\\"c\\\\d\\n\\r\\t\\a\\b\" \
              \"\\xff \\xc3\\xa9~\"\r\n"
        );
    }

    #[test]
    fn microseconds_are_zero_padded() {
        let mut out = Vec::new();
        format_line(&mut out, 5, 42, 3, "[::1]:7", std::iter::empty());
        assert_eq!(out, b"+5.000042 [3 [::1]:7]\r\n");
    }
}
