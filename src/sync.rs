//! The mutex for locks that the compaction thread shares with the serving threads (and the
//! journal thread with them: its outbox of replies), and `CellScope`, the guard of the
//! per-command thread-local flags.
//!
//! parking_lot's mutex, which the rest of the server uses, spins on a contended lock and then
//! calls `sched_yield` several times before it sleeps. When the thread holding the lock runs
//! on the same CPU, which is the common case on a small machine, the yield hands that CPU to
//! the holder until the next scheduler tick (4 ms at `HZ=250`), whatever the holder's
//! priority: the compactor, at nice 10, held the serving thread off for 2-8 ms 16-18 times
//! per compaction (a `sched_switch` trace, docs/BENCHMARKS.md). std's mutex spins
//! briefly and then sleeps on a futex; the holder's unlock wakes the waiter, which preempts a
//! lower-priority holder at once. Uncontended, both are one compare-and-swap to lock and one
//! to unlock.

use std::cell::Cell;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{PoisonError, TryLockError};
use std::thread::LocalKey;
use std::time::{Duration, Instant};

/// The longest `let_waiters_in` waits for a thread blocked on the lock to take it.
pub const HANDOFF_WAIT_MAX: Duration = Duration::from_micros(100);

/// A lock whose contended path sleeps without yielding the CPU (see the module doc). A
/// panic while it is held does not poison it: the state is used as the panic left it, as
/// parking_lot's mutex does.
#[derive(Debug, Default)]
pub struct SleepMutex<T> {
    inner: std::sync::Mutex<T>,
    /// Threads blocked in `lock` (a hint for `let_waiters_in`).
    waiting: AtomicU32,
}

/// The guard of a `SleepMutex`.
pub type SleepMutexGuard<'a, T> = std::sync::MutexGuard<'a, T>;

impl<T> SleepMutex<T> {
    pub const fn new(value: T) -> Self {
        Self { inner: std::sync::Mutex::new(value), waiting: AtomicU32::new(0) }
    }

    #[inline]
    pub fn lock(&self) -> SleepMutexGuard<'_, T> {
        if let Some(guard) = self.try_lock() {
            return guard;
        }
        self.waiting.fetch_add(1, Ordering::Relaxed);
        let guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        guard
    }

    /// The guard if the lock is free, without waiting.
    #[inline]
    pub fn try_lock(&self) -> Option<SleepMutexGuard<'_, T>> {
        match self.inner.try_lock() {
            Ok(guard) => Some(guard),
            Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    /// For a thread that just released the lock and is about to take it again: waits (at
    /// most HANDOFF_WAIT_MAX) until the threads blocked on it have taken it. The unlock wakes
    /// one, but a woken thread on another CPU needs some microseconds to run, and the
    /// releasing thread would win the lock back every time: a command waiting for a shard
    /// the compactor saves in steps waited for the whole shard instead of one step.
    pub fn let_waiters_in(&self) {
        self.wait_for_waiters(HANDOFF_WAIT_MAX);
    }

    fn wait_for_waiters(&self, most: Duration) {
        if self.waiting.load(Ordering::Relaxed) == 0 {
            return;
        }
        let start = Instant::now();
        while self.waiting.load(Ordering::Relaxed) > 0 && start.elapsed() < most {
            std::hint::spin_loop();
        }
    }

    pub fn into_inner(self) -> T {
        self.inner.into_inner().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Sets a thread-local `Cell` for as long as it lives, then puts back what it held (even when
/// the command it spans panics): the per-command flags the store and the server read without
/// a parameter (`keyspace::read_only_scope`, `access::no_touch_scope`,
/// `tracking::noloop_scope`).
pub struct CellScope<T: Copy + 'static> {
    cell: &'static LocalKey<Cell<T>>,
    was: T,
}

impl<T: Copy + 'static> CellScope<T> {
    pub fn set(cell: &'static LocalKey<Cell<T>>, value: T) -> Self {
        Self { cell, was: cell.replace(value) }
    }
}

impl<T: Copy + 'static> Drop for CellScope<T> {
    fn drop(&mut self) {
        self.cell.set(self.was);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn try_lock_fails_only_while_the_lock_is_held() {
        let mutex = SleepMutex::new(1);
        let guard = mutex.lock();
        assert!(mutex.try_lock().is_none());
        drop(guard);
        *mutex.try_lock().unwrap() += 1;
        assert_eq!(mutex.into_inner(), 2);
    }

    #[test]
    fn a_released_lock_goes_to_the_thread_waiting_for_it() {
        let mutex = Arc::new(SleepMutex::new(Vec::new()));
        let guard = mutex.lock();
        let waiter = {
            let mutex = mutex.clone();
            std::thread::spawn(move || mutex.lock().push("waiter"))
        };
        while mutex.waiting.load(Ordering::Relaxed) == 0 {
            std::thread::yield_now();
        }
        drop(guard);
        // Without the handoff, the releasing thread's next lock wins nearly always. (A long
        // bound: a loaded test machine may take more than HANDOFF_WAIT_MAX to run the waiter.)
        mutex.wait_for_waiters(Duration::from_secs(10));
        mutex.lock().push("releaser");
        waiter.join().unwrap();
        assert_eq!(*mutex.lock(), ["waiter", "releaser"]);
    }

    #[test]
    fn a_panic_while_held_leaves_the_lock_usable() {
        let mutex = Arc::new(SleepMutex::new(vec![1]));
        let held = mutex.clone();
        let result = std::thread::spawn(move || {
            let mut guard = held.lock();
            guard.push(2);
            panic!("while holding the lock");
        })
        .join();
        assert!(result.is_err());
        assert_eq!(*mutex.lock(), vec![1, 2]);
        assert!(mutex.try_lock().is_some());
    }
}
