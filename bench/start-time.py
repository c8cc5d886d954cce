#!/usr/bin/env python3
"""Times a server's start: exec of COMMAND until HEALTH answers 200 and, with --then, until a GET
of that URL answers 200 with the body --expect (surrounding white space aside). Prints "<ms> <cpu ms>": the wall time from the
exec, and the user + system CPU time the process had used by then (10 ms ticks). Then ends the
process with SIGTERM and waits for it.

Polls every millisecond from this one process. Polling with a curl per try, as the benchmarks did
before, cost each try a process start on the machine the server was starting on (about 20 ms of a
Java start on 2 cores), and its ruler was as coarse as a curl's start.

usage: start-time.py HEALTH_URL [--then URL --expect TEXT] [--log FILE] -- COMMAND...
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

DEADLINE_S = 60


def get(url):
    """The status and body of a GET, or (None, b"") while nothing listens."""
    u = urlsplit(url)
    try:
        s = socket.create_connection((u.hostname, u.port), timeout=5)
    except OSError:
        return None, b""
    try:
        s.sendall(f"GET {u.path or '/'} HTTP/1.1\r\nHost: {u.netloc}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    except OSError:
        return None, b""
    finally:
        s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    parts = head.split(b" ", 2)
    return (int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None), body


def main():
    argv = sys.argv[1:]
    if "--" not in argv:
        sys.exit("usage: start-time.py HEALTH_URL [--then URL --expect TEXT] [--log FILE] -- COMMAND...")
    split = argv.index("--")
    p = argparse.ArgumentParser()
    p.add_argument("health")
    p.add_argument("--then")
    p.add_argument("--expect", default="")
    p.add_argument("--log", default=os.devnull, help="the process's stdout and stderr")
    args = p.parse_args(argv[:split])
    command = argv[split + 1:]

    # Stopped itself (the benchmark interrupted): the finally below still ends the server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    log = open(args.log, "wb")
    start = time.monotonic()
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(proc, start, lambda: get(args.health)[0] == 200, args.health + " answering 200")
        if args.then:
            expect = args.expect.encode()
            wait_for(proc, start, lambda: (r := get(args.then))[0] == 200 and r[1].strip() == expect,
                     f"{args.then} answering {args.expect!r}")
        elapsed_ms = (time.monotonic() - start) * 1000
        with open(f"/proc/{proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        cpu_ms = (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")
        print(f"{elapsed_ms:.0f} {cpu_ms:.0f}")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        proc.wait()


def wait_for(proc, start, ready, what):
    while not ready():
        if proc.poll() is not None:
            sys.exit(f"start-time.py: {' '.join(proc.args)} exited with {proc.returncode} before {what}")
        if time.monotonic() - start > DEADLINE_S:
            sys.exit(f"start-time.py: no {what} within {DEADLINE_S} s")
        time.sleep(0.001)


if __name__ == "__main__":
    main()
