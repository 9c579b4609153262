"""redis-py (synchronous API) as its users drive it, against any Redis-compatible server.

usage: python_sync.py HOST PORT PROTOCOL

Exits 0 when every check holds; the first failed check raises with the values it saw. In the
middle it prints READY-FOR-RESTART and waits for a line GO on stdin: the runner restarts the
server on the same port and data directory in between, and the program checks that the
library reconnects by itself and the data survived. Everything uses the library's defaults
(bytes replies, its own connection pool) but for the protocol, which the runner chooses.
"""
import sys
import time

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

host, port, protocol = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def connect(**extra):
    return redis.Redis(host=host, port=port, protocol=protocol, **extra)


def server_version(r):
    return tuple(int(x) for x in r.info("server")["redis_version"].split(".")[:2])


def check(name, got, expected):
    assert got == expected, f"{name}: got {got!r}, expected {expected!r}"


def strings_with_expiry(r):
    check("set", r.set("s:plain", "v"), True)
    check("get", r.get("s:plain"), b"v")
    check("get missing", r.get("s:missing"), None)
    check("set nx on existing", r.set("s:plain", "w", nx=True), None)
    check("set get", r.set("s:plain", "w", get=True), b"v")
    check("set ex", r.set("s:ex", "v", ex=100), True)
    ttl = r.ttl("s:ex")
    assert 99 <= ttl <= 100, ttl
    check("setex", r.setex("s:setex", 50, "v"), True)
    pttl = r.pttl("s:setex")
    assert 49_000 <= pttl <= 50_000, pttl
    check("set px", r.set("s:px", "v", px=100), True)
    check("set keepttl", r.set("s:ex", "v2", keepttl=True), True)
    assert r.ttl("s:ex") > 0
    check("persist", r.persist("s:ex"), True)
    check("ttl after persist", r.ttl("s:ex"), -1)
    check("ttl missing", r.ttl("s:missing"), -2)
    check("expire", r.expire("s:ex", 1000), True)
    assert r.expiretime("s:ex") > time.time()
    check("getex", r.getex("s:plain", ex=30), b"w")
    check("incr", r.incr("s:n"), 1)
    check("incrby", r.incrby("s:n", 41), 42)
    check("incrbyfloat", r.incrbyfloat("s:n", 0.5), 42.5)
    check("mset", r.mset({"s:a": "1", "s:b": "2"}), True)
    check("mget", r.mget(["s:a", "s:b", "s:missing"]), [b"1", b"2", None])
    check("append", r.append("s:a", "23"), 3)
    check("strlen", r.strlen("s:a"), 3)
    check("getrange", r.getrange("s:a", 0, 1), b"12")
    check("exists", r.exists("s:a", "s:b", "s:missing"), 2)
    check("type", r.type("s:a"), b"string")
    deadline = time.time() + 10
    while r.get("s:px") is not None:  # a 100 ms expiry, polled generously
        assert time.time() < deadline, "s:px never expired"
        time.sleep(0.05)
    check("delete", r.delete("s:a", "s:b", "s:missing"), 2)


def lists(r):
    check("rpush", r.rpush("l", "a", "b", "c"), 3)
    check("lpush", r.lpush("l", "z"), 4)
    check("lrange", r.lrange("l", 0, -1), [b"z", b"a", b"b", b"c"])
    check("llen", r.llen("l"), 4)
    check("lindex", r.lindex("l", 1), b"a")
    check("lpop", r.lpop("l"), b"z")
    check("rpop count", r.rpop("l", 2), [b"c", b"b"])
    check("lmove", r.lmove("l", "l2", "LEFT", "RIGHT"), b"a")
    check("blpop", r.blpop(["l", "l2"], timeout=1), (b"l2", b"a") if protocol == 2 else [b"l2", b"a"])
    check("blpop timeout", r.blpop(["l"], timeout=0.1), None)
    check("lpos", (r.rpush("l", "x", "y", "x"), r.lpos("l", "x", count=0))[1], [0, 2])


def hashes(r):
    check("hset", r.hset("h", mapping={"f1": "1", "f2": "2"}), 2)
    check("hget", r.hget("h", "f1"), b"1")
    check("hgetall", r.hgetall("h"), {b"f1": b"1", b"f2": b"2"})
    check("hmget", r.hmget("h", ["f1", "nope"]), [b"1", None])
    check("hincrby", r.hincrby("h", "f1", 9), 10)
    check("hincrbyfloat", r.hincrbyfloat("h", "f2", 0.25), 2.25)
    check("hexists", r.hexists("h", "f1"), True)
    check("hkeys", sorted(r.hkeys("h")), [b"f1", b"f2"])
    check("hlen", r.hlen("h"), 2)
    check("hdel", r.hdel("h", "f1", "nope"), 1)
    check("hgetall missing", r.hgetall("h:missing"), {})


def sets(r):
    check("sadd", r.sadd("set1", "a", "b", "c"), 3)
    check("sadd again", r.sadd("set2", "b", "c", "d"), 3)
    check("smembers", r.smembers("set1"), {b"a", b"b", b"c"})
    check("sismember", r.sismember("set1", "a"), True)
    check("smismember", r.smismember("set1", ["a", "z"]), [True, False])
    check("sinter", r.sinter(["set1", "set2"]), {b"b", b"c"})
    check("sunion", r.sunion(["set1", "set2"]), {b"a", b"b", b"c", b"d"})
    check("sdiff", r.sdiff(["set1", "set2"]), {b"a"})
    check("scard", r.scard("set1"), 3)
    check("srem", r.srem("set1", "a", "z"), 1)
    check("smembers missing", r.smembers("set:missing"), set())


def sorted_sets(r):
    check("zadd", r.zadd("z", {"a": 1, "b": 2.5, "c": 3}), 3)
    check("zscore", r.zscore("z", "b"), 2.5)
    check("zrange", r.zrange("z", 0, -1), [b"a", b"b", b"c"])
    # redis-py's own shape: (member, score) tuples over RESP2, [member, score] lists over RESP3.
    pair = tuple if protocol == 2 else list
    check("zrange withscores", r.zrange("z", 0, 1, withscores=True), [pair([b"a", 1.0]), pair([b"b", 2.5])])
    check("zrevrange", r.zrevrange("z", 0, 0), [b"c"])
    check("zrangebyscore", r.zrangebyscore("z", 2, "+inf"), [b"b", b"c"])
    check("zincrby", r.zincrby("z", 10, "a"), 11.0)
    check("zrank", r.zrank("z", "a"), 2)
    check("zcard", r.zcard("z"), 3)
    check("zcount", r.zcount("z", "-inf", 3), 2)
    # Without a count, RESP3's ZPOPMIN is one flat [member, score] pair (Redis's reply shape).
    check("zpopmin", r.zpopmin("z"), [(b"b", 2.5)] if protocol == 2 else [b"b", 2.5])
    check("zrem", r.zrem("z", "c", "nope"), 1)
    check("zmscore", r.zmscore("z", ["a", "nope"]), [11.0, None])


def pipelines_and_transactions(r):
    with r.pipeline(transaction=False) as p:
        p.set("p:1", "a").get("p:1").incr("p:2").lpush("p:l", "x").hset("p:h", "f", "v")
        check("pipeline", p.execute(), [True, b"a", 1, 1, 1])
    with r.pipeline(transaction=True) as p:
        p.set("t:1", "a").incr("t:2").get("t:1")
        check("multi/exec", p.execute(), [True, 1, b"a"])
    # The optimistic-locking loop redis-py documents: WATCH, read, MULTI, write, EXEC.
    with r.pipeline() as p:
        p.watch("t:2")
        current = int(p.get("t:2"))
        p.multi()
        p.set("t:2", current + 1)
        check("watched exec", p.execute(), [True])
    check("after watched exec", r.get("t:2"), b"2")
    other = connect()
    with r.pipeline() as p:
        p.watch("t:1")
        other.set("t:1", "changed")
        p.multi()
        p.set("t:1", "mine")
        try:
            p.execute()
            raise AssertionError("EXEC after a broken WATCH did not raise WatchError")
        except redis.WatchError:
            pass
    check("broken watch kept", r.get("t:1"), b"changed")
    # r.transaction() retries the function until no watched key changed under it.
    attempts = []

    def bump(pipe):
        value = int(pipe.get("t:2"))
        if not attempts:
            other.set("t:2", value + 100)
        attempts.append(value)
        pipe.multi()
        pipe.set("t:2", value + 1)

    r.transaction(bump, "t:2")
    check("transaction retried", (attempts, r.get("t:2")), ([2, 102], b"103"))
    # An error inside EXEC is returned in its place, the other commands ran (no rollback).
    with r.pipeline(transaction=True) as p:
        p.set("t:s", "x").lpush("t:s", "y").get("t:s")
        try:
            p.execute()
            raise AssertionError("EXEC with a failing command did not raise")
        except redis.ResponseError as e:
            assert WRONGTYPE in str(e), str(e)
    check("no rollback", r.get("t:s"), b"x")
    other.close()


def wait_message(p, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        message = p.get_message(ignore_subscribe_messages=True, timeout=0.5)
        if message is not None:
            return message
    raise AssertionError("no pub/sub message within the deadline")


def pubsub(r):
    p = r.pubsub()
    p.subscribe("news")
    check("subscribe confirmation", p.get_message(timeout=10), {"type": "subscribe", "pattern": None, "channel": b"news", "data": 1})
    p.psubscribe("n*")
    check("psubscribe confirmation", p.get_message(timeout=10), {"type": "psubscribe", "pattern": None, "channel": b"n*", "data": 2})
    check("publish", r.publish("news", "hello"), 2)
    check("message", wait_message(p), {"type": "message", "pattern": None, "channel": b"news", "data": b"hello"})
    check("pmessage", wait_message(p), {"type": "pmessage", "pattern": b"n*", "channel": b"news", "data": b"hello"})
    check("numsub", r.pubsub_numsub("news"), [(b"news", 1)])
    check("numpat", r.pubsub_numpat(), 1)
    check("channels", r.pubsub_channels(), [b"news"])
    # A health check redis-py makes on its own: after health_check_interval idle seconds it
    # PINGs the subscribed connection with a payload and swallows the matching pong.
    checked = connect(health_check_interval=1)
    watched = checked.pubsub(ignore_subscribe_messages=True)
    watched.subscribe("health")
    check("health subscribe", watched.get_message(timeout=10), None)
    time.sleep(1.2)
    check("idle get_message", watched.get_message(timeout=0.2), None)
    check("publish after health check", r.publish("health", "still here"), 1)
    check("message after health check", wait_message(watched), {"type": "message", "pattern": None, "channel": b"health", "data": b"still here"})
    watched.close()
    checked.close()
    # Sharded channels (7.0): their own confirmations and messages.
    shard = r.pubsub()
    shard.ssubscribe("orders")
    check("ssubscribe confirmation", shard.get_sharded_message(timeout=10), {"type": "ssubscribe", "pattern": None, "channel": b"orders", "data": 1})
    check("spublish", r.spublish("orders", "o1"), 1)
    deadline = time.time() + 10
    message = None
    while message is None and time.time() < deadline:
        message = shard.get_sharded_message(ignore_subscribe_messages=True, timeout=0.5)
    check("smessage", message, {"type": "smessage", "pattern": None, "channel": b"orders", "data": b"o1"})
    check("shardnumsub", r.pubsub_shardnumsub("orders"), [(b"orders", 1)])
    shard.sunsubscribe()
    shard.close()
    # A handler per channel, served by the library's own thread.
    received = []
    handled = r.pubsub(ignore_subscribe_messages=True)
    handled.subscribe(**{"events": lambda m: received.append(m["data"])})
    thread = handled.run_in_thread(sleep_time=0.05)
    deadline = time.time() + 10
    while r.pubsub_numsub("events") != [(b"events", 1)] and time.time() < deadline:
        time.sleep(0.05)
    check("publish to handler", r.publish("events", "via handler"), 1)
    while not received and time.time() < deadline:
        time.sleep(0.05)
    thread.stop()
    thread.join(timeout=10)
    handled.close()
    check("handler", received, [b"via handler"])
    p.unsubscribe()
    p.punsubscribe()
    p.close()
    deadline = time.time() + 10
    while r.pubsub_numpat() != 0 and time.time() < deadline:
        time.sleep(0.05)
    check("numpat after close", r.pubsub_numpat(), 0)


def scan_iteration(r):
    for i in range(300):
        r.set(f"scan:{i}", i)
    check("scan_iter", set(r.scan_iter(match="scan:*", count=25)), {f"scan:{i}".encode() for i in range(300)})
    check("scan_iter type", set(r.scan_iter(_type="hash")), {b"h", b"p:h"})
    r.hset("big:h", mapping={f"f{i}": i for i in range(200)})
    check("hscan_iter", dict(r.hscan_iter("big:h", count=20)), {f"f{i}".encode(): str(i).encode() for i in range(200)})
    r.sadd("big:s", *range(200))
    check("sscan_iter", set(r.sscan_iter("big:s", match="1*")), {str(i).encode() for i in range(200) if str(i).startswith("1")})
    r.zadd("big:z", {f"m{i}": i for i in range(200)})
    check("zscan_iter", dict(r.zscan_iter("big:z")), {f"m{i}".encode(): float(i) for i in range(200)})
    cursor, keys = r.scan(0, match="nothing:*")
    assert isinstance(cursor, int) and keys == [], (cursor, keys)


def info_and_client(r):
    info = r.info()
    assert info["redis_version"].startswith("7."), info["redis_version"]
    assert isinstance(info["connected_clients"], int), info["connected_clients"]
    assert "db0" in r.info("keyspace"), r.info("keyspace")
    assert isinstance(r.info("keyspace")["db0"]["keys"], int)
    check("info server port", r.info("server")["tcp_port"], port)
    check("setname", r.client_setname("py-sync"), True)
    # redis-py decodes the name over RESP2 only (its RESP2 callback is str_if_bytes).
    check("getname", r.client_getname(), "py-sync" if protocol == 2 else b"py-sync")
    check("config_get", r.config_get("maxclients"), {"maxclients": "10000"})
    assert "databases" in r.config_get("*")
    me = r.client_info()
    check("client info name", me["name"], "py-sync")
    check("client info resp", me["resp"], str(protocol))
    assert int(me["id"]) == r.client_id(), (me, r.client_id())
    assert any(c["name"] == "py-sync" for c in r.client_list()), r.client_list()
    if server_version(r) >= (7, 2):
        # redis-py sends CLIENT SETINFO on connect; 7.0 does not know it and the library
        # ignores the error there.
        check("lib-name", me.get("lib-name"), "redis-py")
        check("lib-ver", me.get("lib-ver"), redis.__version__)
    assert r.dbsize() > 0
    seconds, micros = r.time()
    assert abs(seconds - time.time()) < 60 and 0 <= micros < 1_000_000, (seconds, micros)
    check("ping", r.ping(), True)
    check("echo", r.echo("hi"), b"hi")
    check("command count", r.command_count() > 100, True)
    # COMMAND, parsed by redis-py's own callback (cluster clients route with it).
    get = r.command()["get"]
    check("command get", (get["arity"], get["first_key_pos"], get["last_key_pos"], get["step_count"]), (2, 1, 1, 1))
    assert "readonly" in get["flags"], get
    check("config_set", r.config_set("slowlog-log-slower-than", 10_000), True)
    # The slow log as redis-py's helpers read it: every command logged for a moment.
    check("slowlog_reset", r.slowlog_reset(), True)
    r.config_set("slowlog-log-slower-than", 0)
    r.set("slow:key", "v")
    r.config_set("slowlog-log-slower-than", 10_000)
    entries = r.slowlog_get(-1)
    commands = [entry["command"] for entry in entries]
    assert b"SET slow:key v" in commands, commands
    newest = entries[0]
    assert newest["id"] > entries[-1]["id"] and isinstance(newest["duration"], int), entries
    check("slowlog_len", r.slowlog_len(), len(entries))
    check("latency_latest", r.latency_latest(), [])
    check("latency_history", r.latency_history("command"), [])
    check("latency_reset", r.latency_reset(), 0)
    stats = r.info("commandstats")
    assert stats["cmdstat_get"]["calls"] > 0, stats.get("cmdstat_get")
    assert isinstance(r.memory_usage("h"), int)
    check("object encoding", r.object("encoding", "big:s"), b"intset")


def errors(r):
    r.set("e:str", "x")
    try:
        r.lpush("e:str", "y")
        raise AssertionError("LPUSH on a string did not raise")
    except redis.exceptions.ResponseError as e:
        check("wrongtype class", type(e), redis.exceptions.ResponseError)
        check("wrongtype text", str(e), WRONGTYPE)
    try:
        r.incr("e:str")
        raise AssertionError("INCR on a non-number did not raise")
    except redis.exceptions.ResponseError as e:
        check("incr text", str(e), "value is not an integer or out of range")
    try:
        r.execute_command("NOSUCHCOMMAND", "a")
        raise AssertionError("an unknown command did not raise")
    except redis.exceptions.ResponseError as e:
        assert str(e).startswith("unknown command 'NOSUCHCOMMAND'"), str(e)
    try:
        r.execute_command("GET")
        raise AssertionError("a wrong arity did not raise")
    except redis.exceptions.ResponseError as e:
        check("arity text", str(e), "wrong number of arguments for 'get' command")
    # The connection is still usable after every error.
    check("after errors", r.get("e:str"), b"x")


def decoded_and_url(r):
    # The other common set-up: a URL (database 2 here) and str replies.
    d = redis.Redis.from_url(f"redis://{host}:{port}/2?protocol={protocol}", decode_responses=True)
    check("from_url database", d.client_info()["db"], 2)
    check("decoded set", d.set("d:s", "välue"), True)
    check("decoded get", d.get("d:s"), "välue")
    check("decoded hgetall", (d.hset("d:h", "f", "v"), d.hgetall("d:h"))[1], {"f": "v"})
    check("decoded smembers", (d.sadd("d:set", "a"), d.smembers("d:set"))[1], {"a"})
    pair = tuple if protocol == 2 else list
    check("decoded zrange", (d.zadd("d:z", {"m": 1.5}), d.zrange("d:z", 0, -1, withscores=True))[1], [pair(["m", 1.5])])
    check("other database untouched", r.exists("d:s"), 0)
    check("flushdb", d.flushdb(), True)
    d.close()


def reconnect_after_restart(r):
    r.set("restart:key", "kept")
    r.rpush("restart:list", "a", "b")
    retrying = connect(retry=Retry(ExponentialBackoff(cap=1, base=0.05), 20), retry_on_error=[redis.ConnectionError])
    check("retrying client before", retrying.get("restart:key"), b"kept")
    print("READY-FOR-RESTART", flush=True)
    line = sys.stdin.readline().strip()
    check("runner's answer", line, "GO")
    # The pool notices the dead connection (it is readable: end of file) and opens a new one.
    check("default client after restart", r.get("restart:key"), b"kept")
    check("list after restart", r.lrange("restart:list", 0, -1), [b"a", b"b"])
    check("retrying client after restart", retrying.get("restart:key"), b"kept")
    retrying.close()


r = connect()
for step in (strings_with_expiry, lists, hashes, sets, sorted_sets, pipelines_and_transactions, pubsub, scan_iteration, info_and_client, errors, decoded_and_url, reconnect_after_restart):
    step(r)
    print(f"{step.__name__}: ok", flush=True)
print(f"redis-py {redis.__version__} sync protocol={protocol} hiredis={redis.utils.HIREDIS_AVAILABLE}: ok")
