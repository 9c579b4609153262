"""redis-py through twemproxy (tests/twemproxy.rs): `twemproxy_redis_py.py PORT`.

Prints one line per client set-up: what happens with redis-py's defaults (it sends
CLIENT SETINFO, which twemproxy refuses by closing the connection), with RESP3 (HELLO,
refused the same way), and `ok` once the set-up docs/TOPOLOGY.md recommends has written and
read back 1,000 keys, a hash and a counter through the proxy.
"""
import sys

import redis

port = int(sys.argv[1])


def attempt(label, **options):
    try:
        redis.Redis(port=port, **options).set("probe", "1")
        print(f"{label}: ok")
    except redis.exceptions.ConnectionError as error:
        print(f"{label}: ConnectionError {error}")


attempt("defaults")
attempt("resp3", protocol=3, lib_name=None, lib_version=None)


def check(label, got, expected):
    """A read-back check that holds under PYTHONOPTIMIZE too (unlike `assert`)."""
    if got != expected:
        sys.exit(f"recommended: {label}: got {got!r}, expected {expected!r}")


client = redis.Redis(port=port, lib_name=None, lib_version=None)
pipe = client.pipeline(transaction=False)
for i in range(1000):
    pipe.set(f"py:{i}", i)
check("pipelined SET", pipe.execute(), [True] * 1000)
keys = [f"py:{i}" for i in range(1000)]
check("MGET", client.mget(keys), [str(i).encode() for i in range(1000)])
check("HSET", client.hset("py:hash", mapping={"a": "1", "b": "2"}), 2)
check("HGETALL", client.hgetall("py:hash"), {b"a": b"1", b"b": b"2"})
check("INCRBY", client.incrby("py:counter", 5), 5)
check("DEL", client.delete(*keys[:10]), 10)
print("recommended: ok")
