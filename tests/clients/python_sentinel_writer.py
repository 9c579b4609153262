"""A redis-py program that writes through Sentinel discovery across a failover
(tests/sentinel.rs, `sentinel_fails_over_to_a_replica_as_with_redis`, for AllyDB and for
redis-server).

usage: python_sentinel_writer.py SERVICE STOP_FILE SENTINEL_PORT...

Writes `w:<n>` = `<n>` for n = 0, 1, 2, ... through Sentinel(...).master_for(SERVICE), each
followed by `WAIT 1 300`, until STOP_FILE exists (or 300 s pass). After every write it prints
one line, flushed at once:
  ack <n> <host:port> <replicas>   SET answered OK on host:port (the primary redis-py was
                                   connected to) and WAIT answered <replicas>
  fail <n> <error class>           the write failed (primary down, being switched, read-only
                                   replica): it may or may not have been applied
A failed write is not retried under the same key: the next one takes the next n. Exits 0
once stopped.
"""
import os
import sys
import time

from redis.exceptions import ConnectionError, ReadOnlyError, ResponseError, TimeoutError
from redis.sentinel import MasterNotFoundError, Sentinel

service, stop_file = sys.argv[1], sys.argv[2]
ports = [int(p) for p in sys.argv[3:]]
sentinel = Sentinel([("127.0.0.1", port) for port in ports], socket_timeout=2)
primary = sentinel.master_for(service, socket_timeout=2, socket_connect_timeout=2)
deadline = time.monotonic() + 300
n = 0
while not os.path.exists(stop_file) and time.monotonic() < deadline:
    key = f"w:{n}"
    try:
        # The connection the SET goes out on: its address is the primary that answered.
        connection = primary.connection_pool.get_connection("SET")
        try:
            connection.send_command("SET", key, str(n))
            reply = primary.parse_response(connection, "SET")
            if reply is not True:
                raise AssertionError(f"SET {key}: {reply!r}")
            connection.send_command("WAIT", 1, 300)
            replicas = primary.parse_response(connection, "WAIT")
            address = f"{connection.host}:{connection.port}"
        finally:
            primary.connection_pool.release(connection)
        print(f"ack {n} {address} {replicas}", flush=True)
    except (ConnectionError, TimeoutError, ReadOnlyError, MasterNotFoundError) as error:
        print(f"fail {n} {type(error).__name__}", flush=True)
        primary.connection_pool.disconnect()
        time.sleep(0.1)
    except ResponseError as error:
        # A replica refusing the write (READONLY) while the switch propagates.
        print(f"fail {n} {type(error).__name__}: {error}", flush=True)
        primary.connection_pool.disconnect()
        time.sleep(0.1)
    n += 1
print("stopped", flush=True)
