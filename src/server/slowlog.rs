//! SLOWLOG's memory: the commands that ran for at least `slowlog-log-slower-than`
//! microseconds, newest first, at most `slowlog-max-len` of them (Redis's slowlog.c). A
//! command's arguments are kept as Redis keeps them: at most 32, the last one then saying how
//! many more there were, and each cut at 128 bytes with a note of the rest.
use std::collections::VecDeque;

use parking_lot::Mutex;

/// Redis's SLOWLOG_ENTRY_MAX_ARGC and SLOWLOG_ENTRY_MAX_STRING.
pub const ARGS_MAX: usize = 32;
const ARG_BYTES_MAX: usize = 128;

/// One slow command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlowEntry {
    pub id: u64,
    pub unix_s: u64,
    pub duration_us: u64,
    pub args: Vec<Vec<u8>>,
    /// The client's address, `ip:port`.
    pub peer: String,
    /// The client's name (CLIENT SETNAME), empty without one.
    pub name: Vec<u8>,
}

/// The log; its settings (`slowlog-log-slower-than`, `slowlog-max-len`) are read from
/// `settings::Hot` by the caller, per command.
#[derive(Debug, Default)]
pub struct SlowLog {
    /// Newest first; the id counter is behind the same lock, so ids follow that order.
    entries: Mutex<(VecDeque<SlowEntry>, u64)>,
}

/// Whether a command that ran `duration_us` goes in, given `slowlog-log-slower-than` (negative:
/// nothing is logged) and `slowlog-max-len` (0: nothing is kept).
#[inline]
pub fn wants(slower_than_us: i64, max_len: u64, duration_us: u64) -> bool {
    slower_than_us >= 0 && duration_us >= slower_than_us.unsigned_abs() && max_len > 0
}

/// A command as the log keeps it: who ran it, for how long, with which arguments (those
/// `redacted` says show as `(redacted)`).
pub struct SlowCommand<'a, R: Fn(usize) -> bool> {
    /// The command's first `ARGS_MAX` arguments (or all of them), of `argc` in all.
    pub args: &'a [&'a [u8]],
    pub argc: usize,
    pub redacted: R,
    pub duration_us: u64,
    pub peer: String,
    pub name: Vec<u8>,
}

impl SlowLog {
    /// Adds a command, then drops the oldest entries past `max_len` (`slowlog-max-len`; a
    /// shorter setting takes effect here, as in Redis).
    pub fn push<R: Fn(usize) -> bool>(&self, command: SlowCommand<'_, R>, max_len: u64) {
        let SlowCommand { args, argc, redacted, duration_us, peer, name } = command;
        let kept = argc.min(ARGS_MAX).min(args.len().max(1));
        let args = (0..kept)
            .map(|i| {
                if kept < argc && i == kept - 1 {
                    format!("... ({} more arguments)", argc - kept + 1).into_bytes()
                } else if redacted(i) {
                    b"(redacted)".to_vec()
                } else {
                    shortened(args.get(i).copied().unwrap_or_default())
                }
            })
            .collect();
        let unix_s = crate::clock::unix_ms_now() / 1000;
        let mut guard = self.entries.lock();
        let (entries, next_id) = &mut *guard;
        let id = *next_id;
        *next_id += 1;
        entries.push_front(SlowEntry { id, unix_s, duration_us, args, peer, name });
        entries.truncate(usize::try_from(max_len).unwrap_or(usize::MAX));
    }

    /// The newest `count` entries, newest first.
    pub fn newest(&self, count: usize) -> Vec<SlowEntry> {
        self.entries.lock().0.iter().take(count).cloned().collect()
    }

    pub fn len(&self) -> usize {
        self.entries.lock().0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// SLOWLOG RESET: the ids go on from where they were, as in Redis.
    pub fn reset(&self) {
        self.entries.lock().0.clear();
    }
}

/// An argument cut at 128 bytes, with Redis's note of how many more there were.
fn shortened(arg: &[u8]) -> Vec<u8> {
    match arg.get(..ARG_BYTES_MAX) {
        Some(head) if arg.len() > ARG_BYTES_MAX => {
            let mut out = head.to_vec();
            out.extend_from_slice(
                format!("... ({} more bytes)", arg.len() - ARG_BYTES_MAX).as_bytes(),
            );
            out
        }
        _ => arg.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push_max(log: &SlowLog, args: &[&[u8]], max_len: u64) {
        let peer = "127.0.0.1:1".to_string();
        let argc = args.len();
        let args = &args[..argc.min(ARGS_MAX)];
        let command =
            SlowCommand { args, argc, redacted: |_| false, duration_us: 5, peer, name: vec![] };
        log.push(command, max_len);
    }

    fn push(log: &SlowLog, args: &[&[u8]]) {
        push_max(log, args, 10);
    }

    #[test]
    fn long_commands_are_cut_as_redis_cuts_them() {
        let log = SlowLog::default();
        let long = vec![b'x'; 200];
        push(&log, &[b"SET", &long, b"v"]);
        let many: Vec<Vec<u8>> = (0..41).map(|i| format!("k{i}").into_bytes()).collect();
        let many: Vec<&[u8]> = many.iter().map(Vec::as_slice).collect();
        push(&log, &many);
        let [del, set] = &log.newest(5)[..] else { panic!("two entries") };
        assert_eq!((del.id, set.id), (1, 0));
        assert_eq!(del.args.len(), 32);
        assert_eq!(del.args[30], b"k30");
        assert_eq!(del.args[31], b"... (10 more arguments)");
        let mut cut = vec![b'x'; 128];
        cut.extend_from_slice(b"... (72 more bytes)");
        assert_eq!(set.args, vec![b"SET".to_vec(), cut, b"v".to_vec()]);
    }

    #[test]
    fn the_log_keeps_the_newest_and_ids_survive_a_reset() {
        let log = SlowLog::default();
        for word in [b"a", b"b", b"c"] {
            push_max(&log, &[word], 2);
        }
        let ids: Vec<u64> = log.newest(10).iter().map(|e| e.id).collect();
        assert_eq!(ids, [2, 1]);
        log.reset();
        assert!(log.is_empty());
        push(&log, &[b"d"]);
        assert_eq!(log.newest(1)[0].id, 3);
        assert!(!wants(0, 0, 1_000_000));
        assert!(!wants(-1, 128, 1_000_000));
        assert!(!wants(100, 128, 99));
        assert!(wants(100, 128, 100));
        assert!(wants(0, 128, 0));
    }

    #[test]
    fn redacted_arguments_show_as_redacted() {
        let log = SlowLog::default();
        let command = SlowCommand {
            args: &[b"AUTH", b"secret"],
            argc: 2,
            redacted: |i| i >= 1,
            duration_us: 3,
            peer: "127.0.0.1:2".into(),
            name: b"me".to_vec(),
        };
        log.push(command, 10);
        let entry = &log.newest(1)[0];
        assert_eq!(entry.args, vec![b"AUTH".to_vec(), b"(redacted)".to_vec()]);
        assert_eq!((entry.duration_us, entry.name.as_slice()), (3, &b"me"[..]));
    }
}
