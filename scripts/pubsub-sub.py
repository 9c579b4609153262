#!/usr/bin/env python3
"""Pub/sub benchmark subscriber (scripts/pubsub-bench.sh): opens N raw connections, subscribes
each to one channel, prints "ready", then counts bytes until every connection has received
M messages of a known frame size. Prints the seconds from the first message byte to the last."""
import selectors
import socket
import sys
import time


def main():
    port, count, messages, frame_bytes = (int(a) for a in sys.argv[1:5])
    channel = sys.argv[5].encode()
    subscribe = b"*2\r\n$9\r\nSUBSCRIBE\r\n$%d\r\n%s\r\n" % (len(channel), channel)
    confirm = len(b"*3\r\n$9\r\nsubscribe\r\n$%d\r\n%s\r\n:1\r\n" % (len(channel), channel))
    selector = selectors.DefaultSelector()
    remaining = {}
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(subscribe)
        got = 0
        while got < confirm:
            got += len(s.recv(confirm - got))
        s.setblocking(False)
        selector.register(s, selectors.EVENT_READ)
        remaining[s] = messages * frame_bytes
    print("ready", flush=True)
    first = None
    while remaining:
        for key, _ in selector.select():
            s = key.fileobj
            data = s.recv(1 << 20)
            if not data:
                sys.exit("a subscriber was disconnected")
            if first is None:
                first = time.monotonic()
            remaining[s] -= len(data)
            if remaining[s] <= 0:
                selector.unregister(s)
                del remaining[s]
    print("%.6f" % (time.monotonic() - first), flush=True)


if __name__ == "__main__":
    main()
