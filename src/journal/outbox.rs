//! Replies that wait for an `fdatasync` (`appendfsync always`), sent by the thread that ran
//! it. A connection whose batch wrote records hands its replies here (`Outbox::hand_over`)
//! instead of waiting to be woken when the sync returns; the thread that syncs them sends
//! them at once (`Outbox::deliver`), and only then wakes the connections, which just take
//! their buffers back. Waking them first put every reply behind a wake-up of the serving
//! thread and behind each other: 50 connections' sends one after another, after the
//! connections whose new requests the serving thread was already reading (docs/BENCHMARKS.md,
//! "Session of 2026-11-29, fourth").
//!
//! Each reply holds a duplicate of its connection's socket descriptor, so the socket stays
//! open until the reply is sent or given back, whatever the connection does meanwhile. The
//! duplicates held at once are bounded by the caller (`hand_over`'s `descriptors_max`: the
//! open-files limit's room beyond `maxclients` and the reserved descriptors), so they never
//! take a descriptor a client, a segment or a snapshot needs.
use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use rustix::net::SendFlags;

use crate::sync::SleepMutex;

/// Replies waiting for the sync of their records.
#[derive(Default)]
pub struct Outbox {
    waiting: SleepMutex<Vec<Outgoing>>,
    /// Socket duplicates open: the waiting replies' and those being sent.
    descriptors: AtomicU64,
}

/// One connection's replies, and the record they wait for.
struct Outgoing {
    socket: OwnedFd,
    /// The connection's kill flag (`ClientHandle::killed`): a killed client is sent nothing.
    killed: Arc<AtomicBool>,
    seq: u64,
    bytes: Vec<u8>,
    delivery: Arc<Delivery>,
}

/// What became of replies handed to the outbox: the connection waits for `is_done`, then
/// takes its buffer back with what was sent (`take_back`).
#[derive(Default)]
pub struct Delivery {
    done: AtomicBool,
    /// The reply buffer and the bytes of it sent; the rest is the connection's to send.
    returned: SleepMutex<(Vec<u8>, usize)>,
}

impl Delivery {
    /// Whether the replies were sent, or given back unsent.
    pub fn is_done(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }

    /// The reply buffer and how many of its bytes were sent, once `is_done`.
    pub fn take_back(&self) -> (Vec<u8>, usize) {
        std::mem::take(&mut *self.returned.lock())
    }

    fn complete(&self, bytes: Vec<u8>, sent: usize) {
        *self.returned.lock() = (bytes, sent);
        self.done.store(true, Ordering::Release);
    }
}

impl Outbox {
    /// Queues `bytes` for `socket`, to be sent once record `seq` is synced unless `killed` is
    /// set by then (they are given back unsent, as Redis frees a killed client's replies), if
    /// `accept`
    /// (called holding the outbox's lock) still says so: `deliver` takes the same lock after
    /// the sync is published, so a reply queued here is never left behind by the sync that
    /// covers it. Gives the bytes back when `accept` refuses, when `descriptors_max` socket
    /// duplicates are open already, or when the socket cannot be duplicated.
    pub fn hand_over(
        &self,
        socket: &impl AsFd,
        killed: &Arc<AtomicBool>,
        seq: u64,
        bytes: Vec<u8>,
        descriptors_max: u64,
        accept: impl FnOnce() -> bool,
    ) -> Result<Arc<Delivery>, Vec<u8>> {
        let mut waiting = self.waiting.lock();
        if self.descriptors.load(Ordering::Acquire) >= descriptors_max || !accept() {
            return Err(bytes);
        }
        let Ok(socket) = rustix::io::fcntl_dupfd_cloexec(socket, 0) else { return Err(bytes) };
        self.descriptors.fetch_add(1, Ordering::AcqRel);
        let delivery = Arc::new(Delivery::default());
        waiting.push(Outgoing {
            socket,
            killed: killed.clone(),
            seq,
            bytes,
            delivery: delivery.clone(),
        });
        Ok(delivery)
    }

    /// Sends every reply whose record is synced (`seq` up to `synced`), without blocking: a
    /// socket that takes only part keeps the rest for its connection. True if any was done.
    pub fn deliver(&self, synced: u64) -> bool {
        let ready = {
            let mut waiting = self.waiting.lock();
            if waiting.is_empty() {
                return false;
            }
            waiting.extract_if(.., |out| out.seq <= synced).collect::<Vec<_>>()
        };
        let any = !ready.is_empty();
        for out in ready {
            let sent = if out.killed.load(Ordering::Acquire) {
                0
            } else {
                send_all(&out.socket, &out.bytes)
            };
            self.closed(out.socket);
            out.delivery.complete(out.bytes, sent);
        }
        any
    }

    /// Gives every waiting reply back unsent (the journal failed, or left `always` mode):
    /// their connections send them themselves once their records are as durable as the
    /// mode then promises. True if any was waiting.
    pub fn give_back_all(&self) -> bool {
        let waiting = std::mem::take(&mut *self.waiting.lock());
        let any = !waiting.is_empty();
        for out in waiting {
            self.closed(out.socket);
            out.delivery.complete(out.bytes, 0);
        }
        any
    }

    /// Closes a socket duplicate.
    fn closed(&self, socket: OwnedFd) {
        drop(socket);
        self.descriptors.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Sends `bytes` until the socket takes no more; returns how many it took.
fn send_all(socket: &OwnedFd, bytes: &[u8]) -> usize {
    let flags = SendFlags::DONTWAIT | SendFlags::NOSIGNAL;
    let mut sent = 0;
    while let Some(rest) = bytes.get(sent..).filter(|rest| !rest.is_empty()) {
        match rustix::net::send(socket, rest, flags) {
            Ok(0) | Err(_) => break,
            Ok(n) => sent += n,
        }
    }
    sent
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::os::unix::net::UnixStream;

    #[test]
    fn a_reply_goes_out_once_its_record_is_synced() {
        let outbox = Outbox::default();
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        theirs.set_nonblocking(true).unwrap();
        let delivery =
            outbox.hand_over(&ours, &Arc::default(), 7, b"+OK\r\n".to_vec(), 8, || true).unwrap();
        assert!(!outbox.deliver(6), "record 6's sync sent record 7's reply");
        assert!(!delivery.is_done());
        let mut got = [0u8; 16];
        assert!(theirs.read(&mut got).is_err(), "sent before its sync");
        assert!(outbox.deliver(7));
        assert!(delivery.is_done());
        assert_eq!(delivery.take_back(), (b"+OK\r\n".to_vec(), 5));
        assert_eq!(theirs.read(&mut got).unwrap(), 5);
        assert_eq!(&got[..5], b"+OK\r\n");
    }

    #[test]
    fn a_killed_clients_reply_is_given_back_unsent() {
        let outbox = Outbox::default();
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        theirs.set_nonblocking(true).unwrap();
        let killed = Arc::new(AtomicBool::new(false));
        let delivery =
            outbox.hand_over(&ours, &killed, 2, b"+OK\r\n".to_vec(), 8, || true).unwrap();
        killed.store(true, Ordering::Release);
        assert!(outbox.deliver(2));
        assert_eq!(delivery.take_back(), (b"+OK\r\n".to_vec(), 0));
        let mut got = [0u8; 16];
        assert!(theirs.read(&mut got).is_err(), "a killed client was sent its reply");
        assert_eq!(outbox.descriptors.load(Ordering::Acquire), 0);
    }

    #[test]
    fn a_refused_hand_over_gives_the_bytes_back() {
        let outbox = Outbox::default();
        let (ours, _theirs) = UnixStream::pair().unwrap();
        let refused = outbox.hand_over(&ours, &Arc::default(), 1, b":1\r\n".to_vec(), 8, || false);
        assert_eq!(refused.err(), Some(b":1\r\n".to_vec()));
        assert!(!outbox.deliver(u64::MAX), "a refused reply was queued");
    }

    /// The socket stays open for the reply even when the connection closes its own
    /// descriptor first; a socket that takes only part leaves the rest to the connection.
    #[test]
    fn a_reply_outlives_its_connections_descriptor_and_a_full_socket_keeps_the_rest() {
        let outbox = Outbox::default();
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        let big = vec![b'x'; 8 << 20];
        let delivery =
            outbox.hand_over(&ours, &Arc::default(), 1, big.clone(), 8, || true).unwrap();
        drop(ours);
        outbox.deliver(1);
        let (bytes, sent) = delivery.take_back();
        assert_eq!(bytes, big);
        assert!(sent > 0 && sent < big.len(), "sent {sent} of {} bytes", big.len());
        let mut got = vec![0u8; sent];
        theirs.read_exact(&mut got).unwrap();
        assert!(got.iter().all(|&b| b == b'x'));
    }

    #[test]
    fn given_back_replies_are_done_and_unsent() {
        let outbox = Outbox::default();
        let (ours, _theirs) = UnixStream::pair().unwrap();
        let delivery =
            outbox.hand_over(&ours, &Arc::default(), 3, b"+OK\r\n".to_vec(), 8, || true).unwrap();
        assert!(outbox.give_back_all());
        assert!(delivery.is_done());
        assert_eq!(delivery.take_back(), (b"+OK\r\n".to_vec(), 0));
        assert!(!outbox.deliver(u64::MAX), "a given-back reply was sent");
    }

    /// No more than `descriptors_max` socket duplicates are open at once: past it a reply
    /// stays with its connection, and a delivered or given-back one frees its place.
    #[test]
    fn the_duplicates_held_stay_within_the_budget() {
        let outbox = Outbox::default();
        let (ours, _theirs) = UnixStream::pair().unwrap();
        let first = outbox.hand_over(&ours, &Arc::default(), 1, b"a".to_vec(), 2, || true).unwrap();
        let _second =
            outbox.hand_over(&ours, &Arc::default(), 2, b"b".to_vec(), 2, || true).unwrap();
        assert_eq!(
            outbox.hand_over(&ours, &Arc::default(), 3, b"c".to_vec(), 2, || true).err(),
            Some(b"c".to_vec())
        );
        assert_eq!(outbox.descriptors.load(Ordering::Acquire), 2);
        outbox.deliver(1);
        assert!(first.is_done());
        assert_eq!(outbox.descriptors.load(Ordering::Acquire), 1);
        assert!(outbox.hand_over(&ours, &Arc::default(), 3, b"c".to_vec(), 2, || true).is_ok());
        outbox.give_back_all();
        assert_eq!(outbox.descriptors.load(Ordering::Acquire), 0);
        assert_eq!(
            outbox.hand_over(&ours, &Arc::default(), 4, b"d".to_vec(), 0, || true).err(),
            Some(b"d".to_vec())
        );
    }
}
