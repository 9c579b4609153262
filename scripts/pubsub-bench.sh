#!/usr/bin/env bash
# PUBLISH fan-out throughput, AllyDB against redis-server: one pipelined publisher
# (redis-benchmark -c 1), 100 and 1,000 subscribers on one channel read by a few Python
# processes (scripts/pubsub-sub.py). Prints messages delivered per second and the ratio.
#
#   scripts/pubsub-bench.sh                 # full run: 10 M deliveries per subscriber count
#   DELIVERIES=200000 scripts/pubsub-bench.sh   # a short smoke run
#
# Environment: DELIVERIES (messages x subscribers per case, default 10000000), SUBSCRIBERS
# (default "100 1000"), READERS (subscriber processes, default 4), PAYLOAD_BYTES (default 16),
# PIPELINE (default 64), ALLYDB_THREADS (passed as --threads, default: the server's default).
set -euo pipefail
cd "$(dirname "$0")/.."

DELIVERIES=${DELIVERIES:-10000000}
SUBSCRIBERS=${SUBSCRIBERS:-"100 1000"}
READERS=${READERS:-4}
PAYLOAD_BYTES=${PAYLOAD_BYTES:-16}
PIPELINE=${PIPELINE:-64}
CHANNEL=bench

for tool in redis-server redis-benchmark redis-cli python3; do
    command -v "$tool" >/dev/null || { echo "pubsub-bench: $tool is not installed" >&2; exit 1; }
done

cargo build --release --quiet
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_up() {
    for _ in $(seq 100); do
        redis-cli -p "$1" ping >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "pubsub-bench: no server on port $1" >&2
    exit 1
}

ally_port=$(free_port)
thread_flag=()
[ -n "${ALLYDB_THREADS:-}" ] && thread_flag=(--threads "$ALLYDB_THREADS")
target/release/allydb --port "$ally_port" --appendonly no --persistence-location "$work/data" \
    "${thread_flag[@]}" >"$work/allydb.log" 2>&1 &
pids+=($!)
redis_port=$(free_port)
redis-server --port "$redis_port" --save '' --appendonly no --dir "$work" \
    >"$work/redis.log" 2>&1 &
pids+=($!)
wait_up "$ally_port"
wait_up "$redis_port"
# Subscribers that fall behind must not be dropped mid-run, on either server.
for port in "$ally_port" "$redis_port"; do
    redis-cli -p "$port" config set client-output-buffer-limit "pubsub 0 0 0" >/dev/null
done

payload=$(head -c "$PAYLOAD_BYTES" /dev/zero | tr '\0' 'x')
# *3\r\n$7\r\nmessage\r\n$<len>\r\n<channel>\r\n$<len>\r\n<payload>\r\n
frame_bytes=$(python3 -c "import sys; c,p=sys.argv[1:]; print(len(b'*3\r\n\$7\r\nmessage\r\n\$%d\r\n%s\r\n\$%d\r\n%s\r\n' % (len(c), c.encode(), len(p), p.encode())))" "$CHANNEL" "$payload")

# Messages delivered per second: subscribers x messages over the subscribers' reading time.
run_case() {
    local port=$1 subscribers=$2 messages=$3
    local per=$(( subscribers / READERS )) extra=$(( subscribers % READERS ))
    local outs=() reader_pids=()
    for r in $(seq "$READERS"); do
        local n=$per
        [ "$r" -le "$extra" ] && n=$(( n + 1 ))
        [ "$n" -eq 0 ] && continue
        local out="$work/reader-$port-$subscribers-$r"
        python3 scripts/pubsub-sub.py "$port" "$n" "$messages" "$frame_bytes" "$CHANNEL" >"$out" &
        reader_pids+=($!)
        outs+=("$out")
    done
    for out in "${outs[@]}"; do
        until grep -q ready "$out" 2>/dev/null; do sleep 0.05; done
    done
    redis-benchmark -p "$port" -c 1 -n "$messages" -P "$PIPELINE" -q \
        PUBLISH "$CHANNEL" "$payload" >/dev/null
    for pid in "${reader_pids[@]}"; do wait "$pid"; done
    local slowest=0
    for out in "${outs[@]}"; do
        slowest=$(python3 -c "import sys; print(max(float(sys.argv[1]), float(open(sys.argv[2]).read().split()[-1])))" "$slowest" "$out")
    done
    python3 -c "import sys; print(int(int(sys.argv[1]) * int(sys.argv[2]) / float(sys.argv[3])))" \
        "$subscribers" "$messages" "$slowest"
}

printf '%-12s %-12s %16s %16s %8s\n' subscribers messages "allydb msg/s" "redis msg/s" ratio
for subscribers in $SUBSCRIBERS; do
    messages=$(( DELIVERIES / subscribers ))
    ally=$(run_case "$ally_port" "$subscribers" "$messages")
    redis=$(run_case "$redis_port" "$subscribers" "$messages")
    ratio=$(python3 -c "import sys; print('%.2f' % (int(sys.argv[1]) / int(sys.argv[2])))" "$ally" "$redis")
    printf '%-12s %-12s %16s %16s %8s\n' "$subscribers" "$messages" "$ally" "$redis" "$ratio"
done
