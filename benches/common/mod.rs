//! The harness of the `cargo bench` targets: a few lines on `std::time::Instant` and
//! `std::hint::black_box`, so the micro-benchmarks need no crate and run on stable Rust
//! (`harness = false` in Cargo.toml; docs/BENCHMARKS.md, "Micro-benchmarks").
//!
//! A case runs its routine in batches: the batch size is calibrated to about `SAMPLE_TIME`,
//! then `SAMPLES` batches are timed and the median and the fastest are reported per item
//! (the median for comparing runs, the fastest as the least disturbed one on a busy machine).
//! Without `--bench` (`cargo test --benches`, `cargo test --all-targets`) each routine runs
//! once, as a smoke test. Any other argument not starting with `-` filters cases by name.
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Timed batches per case.
const SAMPLES: usize = 15;
/// The length one batch is calibrated to: a case takes about 15 x 20 ms plus calibration.
const SAMPLE_TIME: Duration = Duration::from_millis(20);

/// What one call of a routine does, for the per-item and throughput columns.
#[derive(Clone, Copy)]
pub struct Per {
    /// Items one call handles (commands of a pipelined buffer, replies, records).
    pub items: u64,
    /// The item's name in the output (`ns/cmd`).
    pub unit: &'static str,
    /// Bytes one call reads or writes; 0 prints no MB/s.
    pub bytes: u64,
}

/// The cases of one bench target, filtered by the command line.
pub struct Bench {
    group: &'static str,
    filter: Option<String>,
    measure: bool,
}

impl Bench {
    pub fn from_args(group: &'static str) -> Self {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let measure = args.iter().any(|a| a == "--bench");
        let filter = args.into_iter().find(|a| !a.starts_with('-'));
        Self { group, filter, measure }
    }

    /// Runs case `name` of the group, unless the filter excludes it.
    pub fn run<R>(&self, name: &str, per: Per, mut routine: impl FnMut() -> R) {
        let full = format!("{}/{name}", self.group);
        if self.filter.as_ref().is_some_and(|f| !full.contains(f.as_str())) {
            return;
        }
        if !self.measure {
            black_box(routine());
            println!("{full}: ran once (pass --bench to measure)");
            return;
        }
        let batch = calibrate(&mut routine);
        let mut per_item: Vec<f64> = (0..SAMPLES)
            .map(|_| {
                let elapsed = time_batch(&mut routine, batch);
                elapsed.as_nanos() as f64 / (batch * per.items.max(1)) as f64
            })
            .collect();
        per_item.sort_by(f64::total_cmp);
        report(&full, &per, per_item[SAMPLES / 2], per_item[0]);
    }
}

/// Calls per batch: doubled until a batch takes a tenth of `SAMPLE_TIME` (which also warms
/// caches and allocator), then scaled to `SAMPLE_TIME`.
fn calibrate<R>(routine: &mut impl FnMut() -> R) -> u64 {
    let mut calls = 1u64;
    loop {
        let elapsed = time_batch(routine, calls);
        if elapsed >= SAMPLE_TIME / 10 {
            let scaled = SAMPLE_TIME.as_nanos() * u128::from(calls) / elapsed.as_nanos().max(1);
            return u64::try_from(scaled).unwrap_or(u64::MAX).max(1);
        }
        calls *= 2;
    }
}

fn time_batch<R>(routine: &mut impl FnMut() -> R, calls: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..calls {
        black_box(routine());
    }
    start.elapsed()
}

fn report(name: &str, per: &Per, median_ns: f64, min_ns: f64) {
    let rate = 1e3 / median_ns;
    let mut line = format!(
        "{name:<36} {median_ns:>10.1} ns/{unit:<7} (min {min_ns:>9.1}) {rate:>9.2} M {unit}/s",
        unit = per.unit
    );
    if per.bytes > 0 {
        let bytes_per_item = per.bytes as f64 / per.items.max(1) as f64;
        line.push_str(&format!(" {:>9.1} MB/s", bytes_per_item * 1e3 / median_ns));
    }
    println!("{line}");
}
