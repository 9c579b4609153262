//! Memory accounting: `CountingAllocator` wraps the system allocator and counts the bytes it
//! hands out, as Redis's zmalloc does, for INFO `used_memory` and `maxmemory`. The binary
//! installs it (`#[global_allocator]` in main.rs); eviction lives in `server::evict`.
//!
//! # Cost
//! No atomic per allocation: each thread adds its allocations and frees to a thread-local
//! signed delta, and moves the delta into the global count only when it passes
//! `FLUSH_BYTES` either way. A block freed on another thread than the one that allocated it
//! makes that thread's delta negative; the sum over all threads stays exact, and a thread's
//! delta is moved into the global count when the thread exits. The global count is thus off
//! by at most `FLUSH_BYTES` per running thread.
#![expect(
    unsafe_code,
    reason = "a global allocator is an unsafe trait; every block forwards to System"
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicI64, Ordering::Relaxed};

/// A thread moves its delta into the global count once it reaches this many bytes either way.
pub const FLUSH_BYTES: i64 = 64 * 1024;

/// Bytes allocated and not freed, minus what threads still hold in their deltas.
static ALLOCATED_BYTES: AtomicI64 = AtomicI64::new(0);

/// This thread's allocations minus its frees, not yet in `ALLOCATED_BYTES`.
struct LocalDelta(Cell<i64>);

impl Drop for LocalDelta {
    /// At thread exit: what the thread counted must not be lost.
    fn drop(&mut self) {
        ALLOCATED_BYTES.fetch_add(self.0.replace(0), Relaxed);
    }
}

thread_local! {
    // A const initializer without lazy state: reading it in the allocator never allocates
    // (the destructor is registered through glibc's own allocator, not this one).
    static DELTA: LocalDelta = const { LocalDelta(Cell::new(0)) };
}

#[inline]
fn record(change: i64) {
    let counted = DELTA.try_with(|delta| {
        let sum = delta.0.get() + change;
        if sum >= FLUSH_BYTES || sum <= -FLUSH_BYTES {
            ALLOCATED_BYTES.fetch_add(sum, Relaxed);
            delta.0.set(0);
        } else {
            delta.0.set(sum);
        }
    });
    if counted.is_err() {
        // The thread is exiting and its delta is gone: count directly.
        ALLOCATED_BYTES.fetch_add(change, Relaxed);
    }
}

/// Bytes the allocator handed out and that are not freed yet (INFO `used_memory`), exact for
/// this thread's own allocations and off by at most `FLUSH_BYTES` per other thread. 0 when
/// the counting allocator is not installed (unit tests, other binaries).
pub fn used_bytes() -> u64 {
    let local = DELTA.try_with(|delta| delta.0.get()).unwrap_or(0);
    u64::try_from(ALLOCATED_BYTES.load(Relaxed) + local).unwrap_or(0)
}

/// Gives the allocator's free pages back to the OS (glibc's `malloc_trim`). glibc returns
/// only the free space at the top of its heaps by itself: after many connections closed at
/// once, their buffers' pages between live blocks stayed resident (tests/hostile_load.rs,
/// 1,000 slow clients: RSS 7 MB before, 38 MB with them, 18 MB after they left, 7 MB after a
/// trim). The walk over the free lists holds each arena's lock, so callers keep it rare.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn release_free_memory() {
    // SAFETY: malloc_trim only returns free pages to the OS; it takes the allocator's locks
    // itself and never touches allocated blocks.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Other allocators return free memory by themselves.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_free_memory() {}

/// The system allocator, counting requested bytes (not the allocator's size classes).
pub struct CountingAllocator;

fn signed(bytes: usize) -> i64 {
    i64::try_from(bytes).unwrap_or(i64::MAX)
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so
// `System`'s guarantees hold; the counting around it never allocates, never unwinds and
// touches only a thread-local cell and an atomic.
unsafe impl GlobalAlloc for CountingAllocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as received; the caller upholds `GlobalAlloc::alloc`'s contract.
        let block = unsafe { System.alloc(layout) };
        if !block.is_null() {
            record(signed(layout.size()));
        }
        block
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        let block = unsafe { System.alloc_zeroed(layout) };
        if !block.is_null() {
            record(signed(layout.size()));
        }
        block
    }

    #[inline]
    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        // SAFETY: the caller passes a block this allocator (that is, `System`) returned.
        unsafe { System.dealloc(block, layout) };
        record(-signed(layout.size()));
    }

    #[inline]
    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller passes a block `System` returned, with its layout.
        let moved = unsafe { System.realloc(block, layout, new_size) };
        if !moved.is_null() {
            record(signed(new_size) - signed(layout.size()));
        }
        moved
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One test: the global count is process-wide, and parallel tests would race on it (the
    /// lib's test binary does not install the allocator, so only this test moves it).
    #[test]
    fn deltas_stay_local_until_the_threshold_and_survive_thread_exit() {
        let before = ALLOCATED_BYTES.load(Relaxed);
        record(100);
        record(-40);
        assert_eq!(ALLOCATED_BYTES.load(Relaxed), before);
        assert_eq!(DELTA.with(|d| d.0.get()), 60);
        record(FLUSH_BYTES);
        assert_eq!(ALLOCATED_BYTES.load(Relaxed), before + FLUSH_BYTES + 60);
        assert_eq!(DELTA.with(|d| d.0.get()), 0);
        // Frees on one thread of what another counted: the deltas cancel once both exit.
        std::thread::spawn(|| record(1000)).join().unwrap();
        assert_eq!(ALLOCATED_BYTES.load(Relaxed), before + FLUSH_BYTES + 1060);
        std::thread::spawn(|| record(-1000)).join().unwrap();
        assert_eq!(ALLOCATED_BYTES.load(Relaxed), before + FLUSH_BYTES + 60);
    }
}
