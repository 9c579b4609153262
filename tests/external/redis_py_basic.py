"""redis-py against AllyDB: the calls acceptance asks for, in RESP2 or RESP3.

usage: redis_py_basic.py PORT PROTOCOL   -- exits 0 when every check holds.
"""
import sys
import time

import redis

port, protocol = int(sys.argv[1]), int(sys.argv[2])
r = redis.Redis(host="127.0.0.1", port=port, protocol=protocol, decode_responses=True)

assert r.ping() is True
assert r.set("user:1", "ada") is True
assert r.get("user:1") == "ada"
assert r.get("nope") is None
assert r.set("n", 10) and r.incrby("n", 5) == 15
assert r.expire("user:1", 100) is True
ttl = r.ttl("user:1")
assert 99 <= ttl <= 100, ttl
assert r.pexpire("n", 50) is True
time.sleep(0.2)
assert r.get("n") is None

for i in range(250):
    r.set(f"scan:{i}", i)
seen = set(r.scan_iter(match="scan:*", count=20))
assert seen == {f"scan:{i}" for i in range(250)}, len(seen)
cursor, keys = r.scan(0, match="user:*", count=1000)
assert "user:1" in keys or cursor != 0

info = r.info()
assert info["redis_version"].startswith("7."), info.get("redis_version")
assert "connected_clients" in info
server = r.info("server")
assert "tcp_port" in server and int(server["tcp_port"]) == port

assert r.client_setname("py-client") is True
assert r.client_getname() == "py-client"
clients = r.client_list()
assert any(c.get("name") == "py-client" for c in clients), clients

config = r.config_get("maxclients")
assert config == {"maxclients": "10000"}, config
assert "databases" in r.config_get("*")

with r.pipeline(transaction=False) as p:
    p.set("p1", "a").get("p1").incr("p2")
    assert p.execute() == [True, "a", 1]

# Transactions: a pipeline is MULTI/EXEC, and a WATCH another client breaks aborts it.
with r.pipeline(transaction=True) as p:
    p.set("t1", "a").incr("t2").get("t1")
    assert p.execute() == [True, 1, "a"]
other = redis.Redis(host="127.0.0.1", port=port, protocol=protocol, decode_responses=True)
with r.pipeline() as p:
    p.watch("t1")
    other.set("t1", "changed")
    p.multi()
    p.set("t1", "mine")
    try:
        p.execute()
        raise AssertionError("expected WatchError")
    except redis.WatchError:
        pass
assert r.get("t1") == "changed"

try:
    r.execute_command("NOSUCHCOMMAND")
    raise AssertionError("expected an error")
except redis.ResponseError as e:
    assert "unknown command" in str(e)

print(f"redis-py {redis.__version__} protocol={protocol}: ok")
