#!/usr/bin/env bash
# A primary and one replica as one "server" for ../shared/bench/compare.sh, with the
# replica's lag logged every second (issue 12, acceptance 4; docs/BENCHMARKS.md).
#
#   replica-pair.sh allydb <binary> <port> <dir> <interval_ms> [extra primary flags...]
#   replica-pair.sh redis  <redis-server> <port> <dir>
#
# The primary listens on <port> (what the benchmark drives), the replica on <port> + 100.
# Every second one line goes to <dir>/lag.log (the replica is asked first, then the primary,
# so `lag` is an upper bound on the records or bytes in flight at that moment):
#   <unix s> primary_offset=<n> replica_offset=<n> lag=<n> link=<up|down>
# (AllyDB: sequence numbers; Redis: bytes). SIGTERM/SIGINT stop all three processes.
set -u
kind=$1 binary=$2 port=$3 dir=$4
shift 4
replica_port=$((port + 100))
mkdir -p "$dir"
pids=()
stop() {
    kill "${pids[@]}" 2>/dev/null
    wait
    exit 0
}
trap stop TERM INT
case "$kind" in
    allydb)
        interval=$1
        shift
        "$binary" --port "$port" --bind 127.0.0.1 --persistence-location "$dir/primary" \
            --persistence-interval "$interval" "$@" >"$dir/primary.log" 2>&1 &
        pids+=($!)
        "$binary" --port "$replica_port" --bind 127.0.0.1 --persistence-location "$dir/replica" \
            --persistence-interval "$interval" --replicaof "127.0.0.1 $port" \
            >"$dir/replica.log" 2>&1 &
        pids+=($!)
        ;;
    redis)
        for role in primary replica; do
            mkdir -p "$dir/$role"
        done
        "$binary" --port "$port" --bind 127.0.0.1 --dir "$dir/primary" --protected-mode no \
            --daemonize no --logfile "$dir/primary.log" --save "" --appendonly yes \
            --appendfsync everysec &
        pids+=($!)
        "$binary" --port "$replica_port" --bind 127.0.0.1 --dir "$dir/replica" \
            --protected-mode no --daemonize no --logfile "$dir/replica.log" --save "" \
            --appendonly yes --appendfsync everysec --replicaof 127.0.0.1 "$port" &
        pids+=($!)
        ;;
    *)
        echo "usage: $0 allydb|redis ..." >&2
        exit 2
        ;;
esac
field() { tr -d '\r' | sed -n "s/^$1:\([^ ]*\)$/\1/p"; }
(
    while sleep 1; do
        # The replica first: the primary read after it gives a lag that is an upper bound.
        r_info=$(timeout 2 redis-cli -p "$replica_port" info replication 2>/dev/null)
        p=$(timeout 2 redis-cli -p "$port" info replication 2>/dev/null | field master_repl_offset)
        r=$(echo "$r_info" | field slave_repl_offset)
        link=$(echo "$r_info" | field master_link_status)
        if [ -n "$p" ] && [ -n "$r" ]; then
            echo "$(date +%s) primary_offset=$p replica_offset=$r lag=$((p - r)) link=$link"
        fi
    done >>"$dir/lag.log"
) &
pids+=($!)
wait
