//! What an entry's 32 access bits (`Entry::accessed_s`) hold, as Redis's 24-bit `lru` field:
//! under an LRU (or no) policy the access clock in seconds; under an LFU policy a minutes
//! clock (bits 8..24) and a logarithmic access counter (bits 0..8). Switching between the two
//! reads old stamps the other way until keys are touched again, as in Redis. The policy and
//! `lfu-log-factor` / `lfu-decay-time` are process-wide atomics that CONFIG SET updates.
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::Relaxed};

use crate::sync::CellScope;

use super::keyspace::access_clock_s;

/// Counter a new key starts with under LFU (Redis's LFU_INIT_VAL), so new keys are not the
/// first evicted.
pub const LFU_INIT_VAL: u32 = 5;

static LFU: AtomicBool = AtomicBool::new(false);
static LFU_LOG_FACTOR: AtomicU32 = AtomicU32::new(10);
static LFU_DECAY_TIME_MINUTES: AtomicU32 = AtomicU32::new(1);

/// Whether stamps are LFU stamps (an LFU `maxmemory-policy` is selected).
#[inline]
pub fn is_lfu() -> bool {
    LFU.load(Relaxed)
}

/// Selects the stamp kind for accesses from now on.
pub fn set_lfu(enabled: bool) {
    LFU.store(enabled, Relaxed);
}

/// `lfu-log-factor`: how slowly the counter grows.
pub fn set_lfu_log_factor(factor: u32) {
    LFU_LOG_FACTOR.store(factor, Relaxed);
}

/// `lfu-decay-time`: minutes per counter decrement while a key is not accessed (0: never).
pub fn set_lfu_decay_time(minutes: u32) {
    LFU_DECAY_TIME_MINUTES.store(minutes, Relaxed);
}

/// The LFU minutes clock: 16 bits, wrapping (Redis's `LFUGetTimeInMinutes`).
fn minutes_now() -> u32 {
    (access_clock_s() / 60) & 0xFFFF
}

/// The stamp of a key created now.
#[inline]
pub fn fresh() -> u32 {
    if is_lfu() {
        (minutes_now() << 8) | LFU_INIT_VAL
    } else {
        access_clock_s()
    }
}

thread_local! {
    /// Set while a command of a CLIENT NO-TOUCH client runs on this thread (`no_touch_scope`).
    static NO_TOUCH: Cell<bool> = const { Cell::new(false) };
}

/// CLIENT NO-TOUCH: while the scope lives, the running command's accesses leave the keys'
/// stamps alone (Redis's `LOOKUP_NOTOUCH`, which every command but TOUCH of such a client
/// gets).
pub fn no_touch_scope(no_touch: bool) -> CellScope<bool> {
    CellScope::set(&NO_TOUCH, no_touch)
}

/// The stamp after an access (Redis's `updateLFU`, or the LRU clock); unchanged inside a
/// `no_touch_scope`.
#[inline]
pub fn touched(stamp: u32) -> u32 {
    if NO_TOUCH.get() {
        stamp
    } else {
        touched_always(stamp)
    }
}

/// The stamp of a key whose value a write replaced: an access, except that inside a
/// `no_touch_scope` Redis still gives the new value a fresh LRU clock (a new object), and under
/// LFU keeps the old stamp (`dbSetValue` copies the `lru` field).
#[inline]
pub fn overwritten(stamp: u32) -> u32 {
    match (NO_TOUCH.get(), is_lfu()) {
        (false, _) => touched_always(stamp),
        (true, true) => stamp,
        (true, false) => access_clock_s(),
    }
}

fn touched_always(stamp: u32) -> u32 {
    if is_lfu() {
        let counter = increment(decayed_counter(stamp));
        (minutes_now() << 8) | counter
    } else {
        access_clock_s()
    }
}

/// The LFU counter of `stamp` after its decay for the minutes since its last access
/// (Redis's `LFUDecrAndReturn`; OBJECT FREQ).
pub fn decayed_counter(stamp: u32) -> u32 {
    let last = (stamp >> 8) & 0xFFFF;
    let counter = stamp & 0xFF;
    let now = minutes_now();
    let elapsed = if now >= last { now - last } else { 0xFFFF - last + now };
    let periods = match LFU_DECAY_TIME_MINUTES.load(Relaxed) {
        0 => 0,
        decay => elapsed / decay,
    };
    counter.saturating_sub(periods)
}

/// Logarithmic increment: the higher the counter, the less likely it grows (Redis's
/// `LFULogIncr`).
fn increment(counter: u32) -> u32 {
    if counter >= 255 {
        return 255;
    }
    let base = f64::from(counter.saturating_sub(LFU_INIT_VAL));
    let probability = 1.0 / (base * f64::from(LFU_LOG_FACTOR.load(Relaxed)) + 1.0);
    if fastrand::f64() < probability {
        counter + 1
    } else {
        counter
    }
}

/// The stamp of a key RESTORE creates with IDLETIME or FREQ (Redis's `objectSetLRUOrLFU`):
/// FREQ sets the counter under an LFU policy, IDLETIME backdates the clock under any other;
/// None where the option does not apply, leaving a fresh stamp.
pub fn restored(idle_s: Option<u64>, freq: Option<u8>) -> Option<u32> {
    if is_lfu() {
        freq.map(|freq| (minutes_now() << 8) | u32::from(freq))
    } else {
        idle_s.map(|idle| access_clock_s().saturating_sub(u32::try_from(idle).unwrap_or(u32::MAX)))
    }
}

/// Seconds since the access recorded in an LRU stamp (OBJECT IDLETIME).
pub fn idle_s(stamp: u32) -> u32 {
    access_clock_s().saturating_sub(stamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_grows_logarithmically_and_saturates() {
        // Below LFU_INIT_VAL (and at it) an access always counts.
        assert_eq!(increment(0), 1);
        assert_eq!(increment(LFU_INIT_VAL), LFU_INIT_VAL + 1);
        assert_eq!(increment(255), 255);
        let mut counter = LFU_INIT_VAL;
        for _ in 0..1000 {
            counter = increment(counter);
        }
        // log-factor 10: about 1000 accesses take the counter to the low 10s (Redis's table).
        assert!((10..40).contains(&counter), "{counter}");
    }

    #[test]
    fn decay_is_per_period_and_never_negative() {
        let now = minutes_now();
        assert_eq!(decayed_counter((now << 8) | 7), 7);
        let stamp = (now.wrapping_sub(3) & 0xFFFF) << 8 | 7;
        // Whatever the clock reads, at most 7 periods can pass in this test: 7 - elapsed.
        assert!(decayed_counter(stamp) <= 7);
    }

    #[test]
    fn a_no_touch_scope_keeps_stamps_but_an_lru_overwrite_is_fresh() {
        // LRU stamps (the policy is process-wide; no test here selects LFU).
        let old = access_clock_s().wrapping_sub(100);
        {
            let _scope = no_touch_scope(true);
            assert_eq!(touched(old), old);
            assert_eq!(overwritten(old), access_clock_s());
            // A nested scope for TOUCH touches, and restores the outer one.
            {
                let _touch = no_touch_scope(false);
                assert_eq!(touched(old), access_clock_s());
            }
            assert_eq!(touched(old), old);
        }
        assert_eq!(touched(old), access_clock_s());
    }
}
