"""redis-py's asyncio API (redis.asyncio) as its users drive it, against any Redis-compatible
server.

usage: python_asyncio.py HOST PORT PROTOCOL

The same contract as python_sync.py: exits 0 when every check holds, prints READY-FOR-RESTART
in the middle and waits for GO on stdin while the runner restarts the server on the same port
and data directory.
"""
import asyncio
import sys
import time

import redis
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

host, port, protocol = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def connect(**extra):
    return aioredis.Redis(host=host, port=port, protocol=protocol, **extra)


def check(name, got, expected):
    assert got == expected, f"{name}: got {got!r}, expected {expected!r}"


async def strings_with_expiry(r):
    check("set ex", await r.set("s:ex", "v", ex=100), True)
    ttl = await r.ttl("s:ex")
    assert 99 <= ttl <= 100, ttl
    check("get", await r.get("s:ex"), b"v")
    check("get missing", await r.get("s:missing"), None)
    check("set px", await r.set("s:px", "v", px=100), True)
    check("persist", await r.persist("s:ex"), True)
    check("ttl", await r.ttl("s:ex"), -1)
    check("incrby", await r.incrby("s:n", 7), 7)
    check("mget", await r.mget("s:ex", "s:n", "s:missing"), [b"v", b"7", None])
    deadline = time.time() + 10
    while await r.get("s:px") is not None:
        assert time.time() < deadline, "s:px never expired"
        await asyncio.sleep(0.05)
    # Many commands in flight on one client (the pool opens a connection for each).
    results = await asyncio.gather(*(r.incr("s:concurrent") for _ in range(50)))
    check("concurrent incr", sorted(results), list(range(1, 51)))


async def collections(r):
    check("rpush", await r.rpush("l", "a", "b", "c"), 3)
    check("lrange", await r.lrange("l", 0, -1), [b"a", b"b", b"c"])
    check("blpop", await r.blpop(["l"], timeout=1), (b"l", b"a") if protocol == 2 else [b"l", b"a"])
    check("hset", await r.hset("h", mapping={"f1": "1", "f2": "2"}), 2)
    check("hgetall", await r.hgetall("h"), {b"f1": b"1", b"f2": b"2"})
    check("hincrby", await r.hincrby("h", "f1", 2), 3)
    check("sadd", await r.sadd("set", "a", "b"), 2)
    check("smembers", await r.smembers("set"), {b"a", b"b"})
    check("sismember", await r.sismember("set", "z"), False)
    check("zadd", await r.zadd("z", {"a": 1, "b": 2}), 2)
    pair = tuple if protocol == 2 else list
    check("zrange withscores", await r.zrange("z", 0, -1, withscores=True), [pair([b"a", 1.0]), pair([b"b", 2.0])])
    check("zscore", await r.zscore("z", "b"), 2.0)


async def pipelines_and_transactions(r):
    async with r.pipeline(transaction=False) as p:
        p.set("p:1", "a").get("p:1").incr("p:2")
        check("pipeline", await p.execute(), [True, b"a", 1])
    async with r.pipeline(transaction=True) as p:
        p.set("t:1", "a").incr("t:2").get("t:1")
        check("multi/exec", await p.execute(), [True, 1, b"a"])
    other = connect()
    async with r.pipeline() as p:
        await p.watch("t:1")
        check("watched read", await p.get("t:1"), b"a")
        await other.set("t:1", "changed")
        p.multi()
        p.set("t:1", "mine")
        try:
            await p.execute()
            raise AssertionError("EXEC after a broken WATCH did not raise WatchError")
        except redis.WatchError:
            pass
    check("broken watch kept", await r.get("t:1"), b"changed")
    async with r.pipeline() as p:
        await p.watch("t:2")
        value = int(await p.get("t:2"))
        p.multi()
        p.set("t:2", value + 1)
        check("watched exec", await p.execute(), [True])
    check("after watched exec", await r.get("t:2"), b"2")
    await other.aclose()


async def next_message(p, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        message = await p.get_message(ignore_subscribe_messages=True, timeout=0.5)
        if message is not None:
            return message
    raise AssertionError("no pub/sub message within the deadline")


async def pubsub(r):
    async with r.pubsub() as p:
        await p.subscribe("news")
        check("subscribe", await p.get_message(timeout=10), {"type": "subscribe", "pattern": None, "channel": b"news", "data": 1})
        await p.psubscribe("n*")
        check("psubscribe", await p.get_message(timeout=10), {"type": "psubscribe", "pattern": None, "channel": b"n*", "data": 2})
        check("publish", await r.publish("news", "hello"), 2)
        check("message", await next_message(p), {"type": "message", "pattern": None, "channel": b"news", "data": b"hello"})
        check("pmessage", await next_message(p), {"type": "pmessage", "pattern": b"n*", "channel": b"news", "data": b"hello"})
        # The async iterator form users write in a reader task.
        await r.publish("news", "second")
        seen = []

        async def reader():
            async for message in p.listen():
                if message["type"] in ("message", "pmessage"):
                    seen.append((message["type"], message["data"]))
                    if len(seen) == 2:
                        return

        await asyncio.wait_for(reader(), timeout=10)
        check("listen", seen, [("message", b"second"), ("pmessage", b"second")])
        await p.unsubscribe("news")
        await p.punsubscribe("n*")
    # The library's own health check of an idle subscribed connection.
    checked = connect(health_check_interval=1)
    async with checked.pubsub(ignore_subscribe_messages=True) as watched:
        await watched.subscribe("health")
        check("health subscribe", await watched.get_message(timeout=10), None)
        await asyncio.sleep(1.2)
        check("idle get_message", await watched.get_message(timeout=0.2), None)
        check("publish after health check", await r.publish("health", "still here"), 1)
        check("message after health check", await next_message(watched), {"type": "message", "pattern": None, "channel": b"health", "data": b"still here"})
    await checked.aclose()
    deadline = time.time() + 10
    while await r.pubsub_numsub("news") != [(b"news", 0)] and time.time() < deadline:
        await asyncio.sleep(0.05)
    check("numsub after close", await r.pubsub_numsub("news"), [(b"news", 0)])


async def scan_iteration(r):
    for i in range(300):
        await r.set(f"scan:{i}", i)
    keys = {key async for key in r.scan_iter(match="scan:*", count=25)}
    check("scan_iter", keys, {f"scan:{i}".encode() for i in range(300)})
    await r.hset("big:h", mapping={f"f{i}": i for i in range(200)})
    fields = {field: value async for field, value in r.hscan_iter("big:h", count=20)}
    check("hscan_iter", fields, {f"f{i}".encode(): str(i).encode() for i in range(200)})
    await r.zadd("big:z", {f"m{i}": i for i in range(200)})
    members = {member: score async for member, score in r.zscan_iter("big:z")}
    check("zscan_iter", members, {f"m{i}".encode(): float(i) for i in range(200)})


async def info_and_client(r):
    info = await r.info()
    assert info["redis_version"].startswith("7."), info["redis_version"]
    check("info server port", (await r.info("server"))["tcp_port"], port)
    check("setname", await r.client_setname("py-async"), True)
    me = await r.client_info()
    check("client info name", me["name"], "py-async")
    check("client info resp", me["resp"], str(protocol))
    version = tuple(int(x) for x in info["redis_version"].split(".")[:2])
    if version >= (7, 2):
        check("lib-name", me.get("lib-name"), "redis-py")
        check("lib-ver", me.get("lib-ver"), redis.__version__)
    check("config_get", await r.config_get("maxclients"), {"maxclients": "10000"})
    check("ping", await r.ping(), True)


async def errors(r):
    await r.set("e:str", "x")
    try:
        await r.lpush("e:str", "y")
        raise AssertionError("LPUSH on a string did not raise")
    except redis.exceptions.ResponseError as e:
        check("wrongtype class", type(e), redis.exceptions.ResponseError)
        check("wrongtype text", str(e), WRONGTYPE)
    try:
        await r.execute_command("NOSUCHCOMMAND")
        raise AssertionError("an unknown command did not raise")
    except redis.exceptions.ResponseError as e:
        assert str(e).startswith("unknown command 'NOSUCHCOMMAND'"), str(e)
    check("after errors", await r.get("e:str"), b"x")


async def reconnect_after_restart(r):
    await r.set("restart:key", "kept")
    retrying = connect(retry=Retry(ExponentialBackoff(cap=1, base=0.05), 20), retry_on_error=[redis.ConnectionError])
    check("retrying client before", await retrying.get("restart:key"), b"kept")
    print("READY-FOR-RESTART", flush=True)
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    check("runner's answer", line.strip(), "GO")
    check("default client after restart", await r.get("restart:key"), b"kept")
    check("retrying client after restart", await retrying.get("restart:key"), b"kept")
    await retrying.aclose()


async def main():
    r = connect()
    for step in (strings_with_expiry, collections, pipelines_and_transactions, pubsub, scan_iteration, info_and_client, errors, reconnect_after_restart):
        await step(r)
        print(f"{step.__name__}: ok", flush=True)
    await r.aclose()
    print(f"redis-py {redis.__version__} asyncio protocol={protocol} hiredis={redis.utils.HIREDIS_AVAILABLE}: ok")


asyncio.run(main())
