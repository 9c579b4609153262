#!/usr/bin/env bash
# compaction-size.sh - directory size under automatic compaction (docs/BENCHMARKS.md).
#
# Starts the release server in a temporary directory, overwrites KEYS keys WRITES times in
# total (redis-benchmark SET, VALUE_SIZE-byte values, pipelined), lets a running compaction
# finish, then prints the directory's size (sum of file sizes, preallocated journal space
# included) against the snapshot's, and the largest size sampled during the run.
#
# Environment: WRITES (10000000), KEYS (100000), VALUE_SIZE (100), PORT (7440),
#   EXTRA (extra server flags), SETTINGS (CONFIG SET arguments applied after start, e.g.
#   "auto-aof-rewrite-min-size 8mb").
set -euo pipefail
WRITES=${WRITES:-10000000}
KEYS=${KEYS:-100000}
VALUE_SIZE=${VALUE_SIZE:-100}
PORT=${PORT:-7440}
EXTRA=${EXTRA:-}
SETTINGS=${SETTINGS:-}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/target/release/allydb
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 1; }
WORK=$(mktemp -d)
trap 'redis-cli -p "$PORT" shutdown nosave >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
# shellcheck disable=SC2086
"$BIN" --port "$PORT" --persistence-location "$WORK/data" $EXTRA >"$WORK/log" 2>&1 &
for _ in $(seq 100); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$PORT" ping >/dev/null || { echo "the server did not start:" >&2; cat "$WORK/log" >&2; exit 1; }
# shellcheck disable=SC2086
[ -z "$SETTINGS" ] || redis-cli -p "$PORT" config set $SETTINGS >/dev/null
dir_bytes() { { find "$WORK/data" -type f -printf '%s\n' 2>/dev/null || true; } | awk '{s+=$1} END {print s+0}'; }
peak=0
redis-benchmark -p "$PORT" -t set -n "$WRITES" -r "$KEYS" -d "$VALUE_SIZE" -P 32 -q >/dev/null &
bench=$!
while kill -0 "$bench" 2>/dev/null; do
  size=$(dir_bytes); [ "$size" -gt "$peak" ] && peak=$size
  sleep 0.2
done
wait "$bench"
while redis-cli -p "$PORT" info persistence | grep -q 'aof_rewrite_in_progress:1'; do sleep 0.1; done
info=$(redis-cli -p "$PORT" info persistence | tr -d '\r')
snapshot=$(echo "$info" | sed -n 's/^snapshot_size://p')
rewrites=$(echo "$info" | sed -n 's/^aof_rewrites://p')
final=$(dir_bytes)
echo "writes=$WRITES keys=$KEYS value_size=$VALUE_SIZE flags='$EXTRA' settings='$SETTINGS' automatic_compactions=$rewrites"
echo "snapshot_bytes=$snapshot directory_bytes=$final peak_directory_bytes=$peak"
awk -v d="$final" -v s="$snapshot" -v p="$peak" \
  'BEGIN { if (s > 0) printf "directory_to_snapshot=%.2f peak_to_snapshot=%.2f\n", d / s, p / s }'
ls -l "$WORK/data"
