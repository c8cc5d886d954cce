#!/usr/bin/env python3
"""Times a server's start: exec of COMMAND until HEALTH answers 200 and, with --then, until a GET
of that URL answers 200 with the body --expect (surrounding white space aside). Prints "<ms> <cpu
ms>": the wall time from the exec, and the user + system CPU time the process had used by then (10
ms ticks). With --publish, a function's first event after it turned ready: the bytes of FILE are
published to TOPIC through nsqd's HTTP API, and a third figure is printed, the ms until an answer
is on REPLY_TOPIC (nsqd's /stats counts it). Then ends the process with SIGTERM and waits for it.

Polls every millisecond from this one process. Polling with a curl per try, as the benchmarks did
before, cost each try a process start on the machine the server was starting on (about 20 ms of a
Java start on 2 cores), and its ruler was as coarse as a curl's start.

usage: start-time.py HEALTH_URL [--then URL --expect TEXT]
                     [--publish NSQD_HTTP TOPIC FILE REPLY_TOPIC] [--log FILE] -- COMMAND...
"""
import argparse
import json
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
    return request("GET", url)


def request(method, url, body=b""):
    """The status and body of one HTTP/1.1 request, or (None, b"") while nothing listens."""
    u = urlsplit(url)
    target = u.path + ("?" + u.query if u.query else "")
    try:
        s = socket.create_connection((u.hostname, u.port), timeout=5)
    except OSError:
        return None, b""
    try:
        s.sendall(f"{method} {target or '/'} HTTP/1.1\r\nHost: {u.netloc}\r\nConnection: close\r\n"
                  f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
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
    p.add_argument("--publish", nargs=4, metavar=("NSQD_HTTP", "TOPIC", "FILE", "REPLY_TOPIC"))
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
        if not args.publish:
            print(f"{elapsed_ms:.0f} {cpu_ms:.0f}")
            return
        nsqd, topic, event, reply = args.publish
        with open(event, "rb") as f:
            body = f.read()
        ready = time.monotonic()
        status, _ = request("POST", f"http://{nsqd}/pub?topic={topic}", body)
        if status != 200:
            sys.exit(f"start-time.py: nsqd {nsqd} answered {status} to the publish on {topic}")
        wait_for(proc, start, lambda: answers(nsqd, reply) >= 1, f"an answer on {reply}")
        print(f"{elapsed_ms:.0f} {cpu_ms:.0f} {(time.monotonic() - ready) * 1000:.1f}")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        proc.wait()


def answers(nsqd, topic):
    """How many messages nsqd has taken on TOPIC; 0 while it has no such topic."""
    status, body = get(f"http://{nsqd}/stats?format=json&topic={topic}")
    if status != 200:
        return 0
    topics = json.loads(body).get("topics") or []
    return topics[0].get("message_count", 0) if topics else 0


def wait_for(proc, start, ready, what):
    while not ready():
        if proc.poll() is not None:
            sys.exit(f"start-time.py: {' '.join(proc.args)} exited with {proc.returncode} before {what}")
        if time.monotonic() - start > DEADLINE_S:
            sys.exit(f"start-time.py: no {what} within {DEADLINE_S} s")
        time.sleep(0.001)


if __name__ == "__main__":
    main()
