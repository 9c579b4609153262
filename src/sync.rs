//! The mutex for locks that the compaction thread shares with the serving threads.
//!
//! parking_lot's mutex, which the rest of the server uses, spins on a contended lock and then
//! calls `sched_yield` several times before it sleeps. When the thread holding the lock runs
//! on the same CPU, which is the common case on a small machine, the yield hands that CPU to
//! the holder until the next scheduler tick (4 ms at `HZ=250`), whatever the holder's
//! priority: the compactor, at nice 10, held the serving thread off for 2-5 ms some twenty
//! times per compaction (a `sched_switch` trace, docs/BENCHMARKS.md). std's mutex spins
//! briefly and then sleeps on a futex; the holder's unlock wakes the waiter, which preempts a
//! lower-priority holder at once. Uncontended, both are one compare-and-swap to lock and one
//! to unlock.

use std::sync::{PoisonError, TryLockError};

/// A lock whose contended path sleeps without yielding the CPU (see the module doc). A
/// panic while it is held does not poison it: the state is used as the panic left it, as
/// parking_lot's mutex does.
#[derive(Debug, Default)]
pub struct SleepMutex<T>(std::sync::Mutex<T>);

/// The guard of a `SleepMutex`.
pub type SleepMutexGuard<'a, T> = std::sync::MutexGuard<'a, T>;

impl<T> SleepMutex<T> {
    pub const fn new(value: T) -> Self {
        Self(std::sync::Mutex::new(value))
    }

    #[inline]
    pub fn lock(&self) -> SleepMutexGuard<'_, T> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The guard if the lock is free, without waiting.
    #[inline]
    pub fn try_lock(&self) -> Option<SleepMutexGuard<'_, T>> {
        match self.0.try_lock() {
            Ok(guard) => Some(guard),
            Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    pub fn into_inner(self) -> T {
        self.0.into_inner().unwrap_or_else(PoisonError::into_inner)
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
