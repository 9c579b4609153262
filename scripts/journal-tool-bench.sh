#!/usr/bin/env bash
# journal-tool-bench.sh - allydb-journal over a large journal (docs/BENCHMARKS.md).
#
# Starts the release server in a temporary directory with automatic compaction off, writes
# about SIZE_MB megabytes of journal (redis-benchmark SET, VALUE_SIZE-byte values over KEYS
# keys, pipelined), stops it, then runs `allydb-journal verify`, `inspect` (to /dev/null) and
# `stats` over the directory, printing each one's wall time, peak RSS (GNU time's maximum
# resident set size) and read rate. Run twice to see it with a warm page cache (the second
# pass of each command reads from memory).
#
# Environment: SIZE_MB (2048), VALUE_SIZE (1000), KEYS (1000000), PORT (7441), KEEP (a
#   directory to keep the journal in and reuse on the next run).
set -euo pipefail
SIZE_MB=${SIZE_MB:-2048}
VALUE_SIZE=${VALUE_SIZE:-1000}
KEYS=${KEYS:-1000000}
PORT=${PORT:-7441}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/target/release/allydb
TOOL=$ROOT/target/release/allydb-journal
[ -x "$BIN" ] && [ -x "$TOOL" ] || { echo "build first: cargo build --release --workspace" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }
if [ -n "${KEEP:-}" ]; then WORK=$KEEP; mkdir -p "$WORK"; else WORK=$(mktemp -d); fi
cleanup() { redis-cli -p "$PORT" shutdown nosave >/dev/null 2>&1 || true; [ -n "${KEEP:-}" ] || rm -rf "$WORK"; }
trap cleanup EXIT
if [ ! -f "$WORK/data/MANIFEST" ]; then
  "$BIN" --port "$PORT" --persistence-location "$WORK/data" >"$WORK/log" 2>&1 &
  for _ in $(seq 100); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis-cli -p "$PORT" config set auto-aof-rewrite-percentage 0 >/dev/null
  # A record of SET with a VALUE_SIZE value takes about VALUE_SIZE + 40 bytes.
  writes=$(( SIZE_MB * 1024 * 1024 / (VALUE_SIZE + 40) ))
  redis-benchmark -p "$PORT" -t set -n "$writes" -r "$KEYS" -d "$VALUE_SIZE" -P 64 -q >/dev/null
  redis-cli -p "$PORT" shutdown nosave >/dev/null 2>&1 || true
  sleep 0.5
fi
bytes=$(find "$WORK/data" -name 'journal-*.log' -printf '%s\n' | awk '{s+=$1} END {print s+0}')
echo "journal: $(ls "$WORK/data" | grep -c '^journal-') segments, $bytes bytes"
run() {
  local name=$1; shift
  /usr/bin/time -f '%e %M' -o "$WORK/time" "$TOOL" "$@" >/dev/null || true
  read -r seconds rss_kib <"$WORK/time"
  awk -v n="$name" -v s="$seconds" -v r="$rss_kib" -v b="$bytes" \
    'BEGIN {printf "%-8s %7.2f s  %6.1f MB RSS  %7.0f MB/s\n", n, s, r/1024, b/1e6/(s>0?s:0.001)}'
}
for pass in 1 2; do
  echo "pass $pass"
  run verify verify "$WORK/data"
  run inspect inspect "$WORK/data"
  run stats stats "$WORK/data"
done
