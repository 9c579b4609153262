"""redis-py's Sentinel support, as its users drive it, against a primary that real
redis-sentinel processes watch (tests/sentinel.rs runs it for AllyDB and for redis-server).

usage: python_sentinel.py up|down SERVICE SENTINEL_PORT...

up: discovers SERVICE's primary through the sentinels (redis.sentinel.Sentinel), writes and
reads through master_for, reads through slave_for (which falls back to the primary while
there is no replica), and prints "sentinel SERVICE primary 127.0.0.1:PORT: ok".
down: the primary was killed and the sentinels flag it down: discovery must refuse it
(MasterNotFoundError); prints "sentinel SERVICE down: ok".
Exits non-zero, with the values seen, when a check fails.
"""
import sys

from redis.sentinel import MasterNotFoundError, Sentinel

mode, service, ports = sys.argv[1], sys.argv[2], [int(p) for p in sys.argv[3:]]
sentinel = Sentinel([("127.0.0.1", port) for port in ports], socket_timeout=5)


def check(name, got, expected):
    if got != expected:
        raise AssertionError(f"{name}: got {got!r}, expected {expected!r}")


if mode == "up":
    host, port = sentinel.discover_master(service)
    check("discovered host", host, "127.0.0.1")
    check("replicas", sentinel.discover_slaves(service), [])
    primary = sentinel.master_for(service, socket_timeout=5)
    check("SET", primary.set("sentinel:key", "value"), True)
    check("GET", primary.get("sentinel:key"), b"value")
    check("INCR", primary.incr("sentinel:counter"), 1)
    check("role", primary.execute_command("ROLE")[0], b"master")
    replica = sentinel.slave_for(service, socket_timeout=5)
    check("GET through slave_for", replica.get("sentinel:key"), b"value")
    check("DEL", primary.delete("sentinel:key", "sentinel:counter"), 2)
    print(f"sentinel {service} primary {host}:{port}: ok")
elif mode == "down":
    try:
        found = sentinel.discover_master(service)
    except MasterNotFoundError as error:
        check("error", str(error), f"No master found for {service!r}")
    else:
        raise AssertionError(f"a down primary was discovered: {found!r}")
    print(f"sentinel {service} down: ok")
else:
    raise SystemExit(f"unknown mode {mode!r}")
