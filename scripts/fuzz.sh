#!/usr/bin/env bash
# Runs the cargo-fuzz targets (docs/FUZZING.md). Needs a nightly toolchain and cargo-fuzz:
#   rustup toolchain install nightly && cargo install cargo-fuzz --locked
#
#   scripts/fuzz.sh SECONDS [TARGET...]    fuzz each target for SECONDS (all four by default)
#
# The working corpus is fuzz/work/<target> (not checked in: thousands of files, kept between
# runs on one machine); the checked-in seeds in fuzz/corpus/<target> are read, never written.
# A crash is written to fuzz/artifacts/<target>/; copy it to fuzz/regressions/<target>/ once
# fixed, so tests/fuzz_regressions.rs replays it. FUZZ_JOBS (default 1) runs that many workers
# per target; each line of fuzz/hours.log records a run's target, wall and CPU seconds,
# workers and working corpus size.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../fuzz"

seconds=${1:?usage: scripts/fuzz.sh SECONDS [TARGET...]}
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(resp_request journal_records snapshot_file commands rdb_payload)
jobs=${FUZZ_JOBS:-1}

# Flags: no sanitizer (the crate forbids unsafe code but for one mmap, which the targets do
# not reach), debug assertions on (integer overflow is a finding), and the same limits a
# client hits: inputs up to 64 KiB, 2 GiB of RSS.
# CPU seconds used by this script's finished children (fuzz runs included), from
# /proc: the fuzzers run at low priority beside other work, so wall time overstates them.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ print int(($16 + $17) / hz) }' /proc/$$/stat; }

cargo +nightly fuzz build -s none -a
for target in "${targets[@]}"; do
  mkdir -p "work/$target" "corpus/$target" "artifacts/$target"
  extra=()
  [ -f "dictionaries/$target.dict" ] && extra+=(-dict="dictionaries/$target.dict")
  # -jobs=1 would still fork a worker logging to a file: only pass it for parallel runs.
  [ "$jobs" -gt 1 ] && extra+=(-jobs="$jobs" -workers="$jobs")
  before=$(cpu_seconds)
  cargo +nightly fuzz run -s none -a "$target" "work/$target" "corpus/$target" -- \
    -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 "${extra[@]}" 2>&1 | tail -n 20 | sed "s/^/[$target] /" ||
    echo "[$target] stopped early: a crash is in fuzz/artifacts/$target/"
  used=$(( $(cpu_seconds) - before ))
  echo "$(date -u +%FT%TZ) $target wall=${seconds}s cpu=${used}s workers=$jobs work=$(ls "work/$target" | wc -l)" >> hours.log
done
