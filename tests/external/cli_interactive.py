"""Drives redis-cli in interactive mode through a pseudo-terminal, as a person would.

usage: cli_interactive.py PORT   -- exits 0 when every step printed what it should.
       cli_interactive.py PORT hints TEXT...   -- types each TEXT at the prompt (no Enter)
           and prints `TEXT => HINT`, the grey hint redis-cli shows after it (built from the
           server's COMMAND DOCS), one line each; tests/cli_modes.rs compares these between
           servers.
"""
import fcntl
import os
import pty
import re
import select
import struct
import sys
import termios
import time

port = sys.argv[1]
pid, fd = pty.fork()
if pid == 0:
    os.execvp("redis-cli", ["redis-cli", "-p", port])
# A real terminal size, so the line editor does not probe the cursor position.
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 400, 0, 0))

buffer = b""


def read_until(needle, timeout=10.0):
    global buffer
    deadline = time.time() + timeout
    while needle not in buffer:
        left = deadline - time.time()
        if left <= 0:
            sys.exit(f"timed out waiting for {needle!r}; screen so far: {buffer!r}")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            buffer += chunk
            if b"\x1b[6n" in chunk:  # cursor position query: answer like a terminal
                os.write(fd, b"\x1b[1;1R")
    if needle not in buffer:
        sys.exit(f"redis-cli ended before {needle!r}; screen: {buffer!r}")
    buffer = buffer[buffer.index(needle) + len(needle):]


def send(line):
    os.write(fd, line.encode() + b"\r")


def wait_exit():
    deadline = time.time() + 10
    while time.time() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            sys.exit(0 if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 else 1)
        time.sleep(0.05)
    os.kill(pid, 9)
    sys.exit(f"redis-cli did not exit after QUIT; screen: {buffer!r}")


HINT = re.compile(rb"\x1b\[0;90;49m(.*?)\x1b\[0m")


def quiet_screen(seconds):
    """Everything the terminal shows until it has been quiet for `seconds`."""
    screen = b""
    while True:
        ready, _, _ = select.select([fd], [], [], seconds)
        if not ready:
            return screen
        chunk = os.read(fd, 4096)
        if not chunk:
            return screen
        screen += chunk


def hints(texts):
    global buffer
    for text in texts:
        os.write(fd, text.encode())
        read_until(text.encode())
        # The line editor redraws the line with its hint after each key; the last redraw
        # is what the person sees.
        screen = buffer + quiet_screen(0.3)
        buffer = b""
        last_line = screen.split(b"\r\x1b[0K")[-1]
        shown = HINT.findall(last_line)
        print(f"{text} => {shown[-1].decode() if shown else '(none)'}", flush=True)
        os.write(fd, b"\x15")  # Ctrl-U: erase the line
        quiet_screen(0.2)
    send("QUIT")
    wait_exit()


prompt = f"127.0.0.1:{port}> ".encode()
read_until(prompt)
if len(sys.argv) > 2 and sys.argv[2] == "hints":
    hints(sys.argv[3:])
send("SET greeting hello")
read_until(b"OK")
read_until(prompt)
send("GET greeting")
read_until(b'"hello"')
read_until(prompt)
send("INCR counter")
read_until(b"(integer) 1")
read_until(prompt)
send("SELECT 3")
read_until(b"OK")
read_until(f"127.0.0.1:{port}[3]> ".encode())
send("NOSUCHCOMMAND x")
read_until(b"(error) ERR unknown command 'NOSUCHCOMMAND'")
# The line editor discards input typed before it shows its prompt (TCSAFLUSH), so every
# line waits for the prompt, QUIT included.
read_until(f"127.0.0.1:{port}[3]> ".encode())
send("QUIT")
wait_exit()
