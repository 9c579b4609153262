//! Wall-clock time for expiry deadlines (absolute Unix milliseconds) and uptime, and the
//! command timer. Everything that needs "now" for expiry goes through here, so tests reason
//! about one clock.
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch; 0 if the system clock is before 1970.
pub fn unix_ms_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Microseconds since the Unix epoch; 0 if the system clock is before 1970.
pub fn unix_us_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// A reading of the command timer, the clock commandstats and SLOWLOG measure commands with.
/// Read once per command, so it has to be cheap: where the kernel itself keeps time with the
/// CPU's time-stamp counter (its clocksource is `tsc`, which it picks only when the counter is
/// invariant and in step across CPUs, unless booted with `tsc=reliable`), this is the
/// counter, read by one instruction (about 10 ns here) instead of `clock_gettime`'s 25-40 ns;
/// elsewhere it is nanoseconds of `Instant`. The choice is made once, at startup: a later
/// switch of the kernel's clocksource (its watchdog finding the counter unstable) is not
/// followed, and at worst skews commandstats and SLOWLOG durations, nothing else. Only
/// differences of two readings mean anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Tick(u64);

impl Tick {
    pub fn now() -> Tick {
        let timer = timer();
        match timer.source {
            #[cfg(target_arch = "x86_64")]
            Source::Counter => Tick(read_counter()),
            Source::Instant(base) => Tick(nanos_since(base)),
        }
    }

    /// Whole microseconds from `earlier` to this reading; 0 if `earlier` is the later one (a
    /// counter read on two CPUs may step back by a few cycles).
    pub fn micros_since(self, earlier: Tick) -> u64 {
        let ticks = self.0.saturating_sub(earlier.0);
        let micros = (u128::from(ticks) * u128::from(timer().micros_per_tick)) >> 64;
        u64::try_from(micros).unwrap_or(u64::MAX)
    }
}

/// Starts the command timer: measures the counter's rate (about 10 ms) the first time, so
/// that the server's first command does not. Later calls return at once.
pub fn start_timer() {
    timer();
}

enum Source {
    #[cfg(target_arch = "x86_64")]
    Counter,
    /// Nanoseconds since this instant.
    Instant(Instant),
}

struct Timer {
    source: Source,
    /// Microseconds per tick, times 2^64.
    micros_per_tick: u64,
}

/// How long the counter's rate is measured against `Instant`: the two readings' own error
/// (well under a microsecond each) is then a few parts in 100,000, and NTP's slewing of the
/// monotonic clock at most 50 in 100,000; either is far below what commandstats shows.
const CALIBRATION: Duration = Duration::from_millis(10);

fn timer() -> &'static Timer {
    static TIMER: OnceLock<Timer> = OnceLock::new();
    TIMER.get_or_init(|| match counter_ticks_per_second() {
        #[cfg(target_arch = "x86_64")]
        Some(rate) => Timer { source: Source::Counter, micros_per_tick: micros_per_tick(rate) },
        _ => Timer {
            source: Source::Instant(Instant::now()),
            micros_per_tick: micros_per_tick(1_000_000_000),
        },
    })
}

/// 2^64 / (ticks per microsecond), rounded up so that a whole number of microseconds of
/// ticks converts to that number, for a rate of `ticks_per_second` (at least 2 MHz: at
/// 1 MHz the factor, 2^64, would not fit).
fn micros_per_tick(ticks_per_second: u64) -> u64 {
    let scaled = ((1u128 << 64) * 1_000_000).div_ceil(u128::from(ticks_per_second.max(2_000_000)));
    u64::try_from(scaled).unwrap_or(u64::MAX)
}

fn nanos_since(base: Instant) -> u64 {
    u64::try_from(base.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// The time-stamp counter's rate, if the kernel keeps time with it; measured against
/// `Instant` over `CALIBRATION`.
#[cfg(target_arch = "x86_64")]
fn counter_ticks_per_second() -> Option<u64> {
    let clocksource =
        std::fs::read_to_string("/sys/devices/system/clocksource/clocksource0/current_clocksource")
            .ok()?;
    if clocksource.trim() != "tsc" {
        return None;
    }
    let (start, start_ticks) = paired_reading();
    std::thread::sleep(CALIBRATION);
    let (end, end_ticks) = paired_reading();
    let nanos = end.checked_duration_since(start)?.as_nanos();
    let ticks = u128::from(end_ticks.checked_sub(start_ticks)?);
    let rate = u64::try_from(ticks.checked_mul(1_000_000_000)? / nanos.max(1)).ok()?;
    // Anything outside 100 MHz-20 GHz is not a time-stamp counter we understand.
    (100_000_000..=20_000_000_000).contains(&rate).then_some(rate)
}

#[cfg(not(target_arch = "x86_64"))]
fn counter_ticks_per_second() -> Option<u64> {
    None
}

/// An `Instant` and the counter read between two `Instant`s, at their midpoint: of
/// `PAIRING_TRIES` tries, the one whose two `Instant`s are closest, so that a thread preempted
/// between its readings does not skew the rate.
#[cfg(target_arch = "x86_64")]
fn paired_reading() -> (Instant, u64) {
    let mut best: Option<(Duration, Instant, u64)> = None;
    for _ in 0..PAIRING_TRIES {
        let before = Instant::now();
        let ticks = read_counter();
        let window = before.elapsed();
        if best.is_none_or(|(narrowest, _, _)| window < narrowest) {
            best = Some((window, before + window / 2, ticks));
        }
    }
    best.map_or_else(|| (Instant::now(), read_counter()), |(_, at, ticks)| (at, ticks))
}

#[cfg(target_arch = "x86_64")]
const PAIRING_TRIES: usize = 64;

#[cfg(target_arch = "x86_64")]
fn read_counter() -> u64 {
    #[expect(unsafe_code, reason = "the counter's intrinsic is unsafe by its signature")]
    // SAFETY: RDTSC reads a register; it touches no memory, and every x86-64 CPU has it.
    unsafe {
        std::arch::x86_64::_rdtsc()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timer_counts_microseconds_as_instant_does() {
        start_timer();
        let outer_start = Instant::now();
        let start = Tick::now();
        let inner_start = Instant::now();
        std::thread::sleep(Duration::from_millis(50));
        let inner_end = Instant::now();
        let end = Tick::now();
        let outer_end = Instant::now();
        let micros = |from: Instant, to: Instant| {
            u64::try_from(to.duration_since(from).as_micros()).unwrap_or(u64::MAX)
        };
        let (inner, outer) = (micros(inner_start, inner_end), micros(outer_start, outer_end));
        // The rate is measured to a few parts in 100,000: 1 % either way is far outside it,
        // and the bracketing readings allow for this thread being preempted between them.
        let measured = end.micros_since(start);
        assert!(
            measured + 1 >= inner - inner / 100 && measured <= outer + outer / 100 + 1,
            "{measured} µs, between {inner} and {outer} expected"
        );
        assert_eq!(start.micros_since(end), 0, "a reading before another is 0 µs after it");
        assert_eq!(start.micros_since(start), 0);
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn the_timer_reads_the_counter_where_the_kernel_keeps_time_with_it() {
        let kernel_uses_it = std::fs::read_to_string(
            "/sys/devices/system/clocksource/clocksource0/current_clocksource",
        )
        .is_ok_and(|name| name.trim() == "tsc");
        assert_eq!(matches!(timer().source, Source::Counter), kernel_uses_it);
    }

    #[test]
    fn the_rate_converts_whole_microseconds() {
        let factor = micros_per_tick(1_000_000_000);
        let convert = |ticks: u64| (u128::from(ticks) * u128::from(factor)) >> 64;
        assert_eq!(convert(999), 0);
        assert_eq!(convert(1_000), 1);
        assert_eq!(convert(1_000_000), 1_000);
        assert_eq!(convert(u64::MAX), u128::from(u64::MAX / 1_000));
        let factor = micros_per_tick(3_000_000_000);
        assert_eq!((u128::from(2_999_999_999u64) * u128::from(factor)) >> 64, 999_999);
        assert_eq!((u128::from(3_000_000_000u64) * u128::from(factor)) >> 64, 1_000_000);
        assert_eq!(micros_per_tick(1), micros_per_tick(2_000_000), "at least 2 MHz");
        let factor = micros_per_tick(2_000_000);
        assert_eq!((u128::from(2_000u64) * u128::from(factor)) >> 64, 1_000);
    }
}
