"""Logs that follow, through `moat serve` (GET /sandboxes/{name}/logs with
follow, since, tail): lines arrive as they are written, in Docker's
multiplexed-stream framing with stdout and stderr apart; the stream ends when
the sandbox stops; a client that leaves a quiet follow frees its server
thread at once (the plugin asks whether anyone still listens); the refusals
are JSON before any stream starts; SIGTERM ends a follow and the server.
Usage: logs_follow.py RUNTIME (under with-server.sh; MOAT_SERVE_ISOLATION=process
runs the plugin in a broker)."""
import os
import signal
import socket
import struct
import subprocess
import sys
import time

from serve_client import UnixConnection, call, check, exit_with_failures, leftovers, socket_path

RUNTIME = sys.argv[1]
RUN_ID = f"test_serve_logs_{RUNTIME}_{os.getpid()}"
CHATTY = f"msv-logs-{os.getpid()}"
QUIET = f"msv-quiet-{os.getpid()}"
def server_threads():
    with open(f"/proc/{os.environ['MOAT_SERVE_PID']}/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return -1


def wait_for_threads(at_most, seconds):
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        if server_threads() <= at_most:
            return True
        time.sleep(0.05)
    return False


class Follow:
    """One streamed logs request; frames() yields (stream, bytes) as they come."""

    def __init__(self, name, query):
        self.conn = UnixConnection(socket_path(), timeout=60)
        self.conn.request("GET", f"/sandboxes/{name}/logs?{query}")
        self.resp = self.conn.getresponse()

    def frames(self):
        while True:
            head = self.resp.read(8)
            if len(head) < 8:
                return
            stream, size = head[0], struct.unpack(">I", head[4:8])[0]
            yield stream, self.resp.read(size)

    def close(self):
        # The response holds the socket too: both must let go of it.
        self.resp.close()
        self.conn.close()


def create(name, script):
    status, body = call("POST", "/sandboxes?start=true", {
        "name": name, "runtime": RUNTIME, "image": "moat/base:busybox", "command": ["sh", "-c", script],
        "labels": {"moat.run-id": RUN_ID}})
    check(status == 201, f"create {name}: {status} {body}")


def main():
    create(CHATTY, "i=0; while true; do echo line-$i; echo err-$i >&2; i=$((i+1)); sleep 0.2; done")
    create(QUIET, "echo only-line; exec sleep 1000")
    baseline = server_threads()

    # Lines arrive while they are written: streamed, not gathered first.
    f = Follow(CHATTY, "follow=true&tail=0")
    check(f.resp.status == 200, f"follow: status {f.resp.status}")
    check(f.resp.getheader("Content-Type") == "application/vnd.docker.multiplexed-stream",
          f"follow: Content-Type {f.resp.getheader('Content-Type')}")
    seen = {1: [], 2: []}
    started = time.monotonic()
    first_at = None
    for stream, data in f.frames():
        check(stream in (1, 2), f"follow: frame on stream {stream}: {data!r}")
        seen.setdefault(stream, []).append(data)
        first_at = first_at or time.monotonic()
        if len(seen[1]) >= 5 and seen[2]:
            break
    spread = time.monotonic() - first_at
    f.close()
    out = b"".join(seen[1])
    check(b"line-" in out and b"err-" not in out, f"follow: stdout {out!r}")
    check(b"err-" in b"".join(seen[2]), f"follow: stderr {seen[2]!r}")
    check(spread > 0.4, f"follow: 5 lines written 0.2 s apart came within {spread:.2f} s: not as they came")
    check(time.monotonic() - started < 30, "follow: too slow")

    # since in the future and no follow: an empty stream that ends; tail=1: one line.
    f = Follow(CHATTY, f"since={int(time.time()) + 3600}")
    check(f.resp.status == 200 and list(f.frames()) == [], "since in the future: want an empty stream")
    f.close()
    f = Follow(CHATTY, "since=0&tail=1")
    frames = list(f.frames())
    f.close()
    check(len(frames) == 1 and frames[0][1].startswith((b"line-", b"err-")), f"since=0&tail=1: {frames}")

    # An HTTP/1.0 client knows no chunks: the frames come as they are, and
    # the closed connection ends the body.
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as raw:
        raw.settimeout(30)
        raw.connect(socket_path())
        raw.sendall(f"GET /sandboxes/{CHATTY}/logs?since=0&tail=1 HTTP/1.0\r\n\r\n".encode())
        answer = b""
        while chunk := raw.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    check(head.startswith(b"HTTP/1.0 200") and b"chunked" not in head.lower(), f"HTTP/1.0: head {head!r}")
    check(len(body) >= 8 and body[0] in (1, 2) and struct.unpack(">I", body[4:8])[0] == len(body) - 8,
          f"HTTP/1.0: body {body!r}")

    # A quiet follow whose client leaves: its thread ends at once, not at
    # the next line (which never comes).
    f = Follow(QUIET, "follow=true")
    first = next(f.frames(), None)
    check(first == (1, b"only-line\n"), f"quiet follow: first frame {first}")
    check(server_threads() > baseline, "quiet follow: no thread serves it")
    f.close()
    check(wait_for_threads(baseline, 5),
          f"quiet follow: the server still has {server_threads()} threads 5 s after its client left "
          f"(before it: {baseline})")

    # The stream ends when the sandbox stops.
    f = Follow(CHATTY, "follow=true&tail=0")
    next(f.frames(), None)
    status, body = call("POST", f"/sandboxes/{CHATTY}/stop?timeout=2")
    check(status == 200, f"stop: {status} {body}")
    ended = time.monotonic()
    for _ in f.frames():
        pass
    check(time.monotonic() - ended < 20, "follow: the stream did not end when the sandbox stopped")
    f.close()

    # Refused before any stream, as JSON.
    status, body = call("GET", f"/sandboxes/{CHATTY}-gone/logs?follow=true")
    check(status == 404 and body["error"]["code"] == "not-found", f"missing sandbox: {status} {body}")
    status, body = call("GET", f"/sandboxes/{CHATTY}/logs?since=yesterday")
    check(status == 400 and body["error"]["code"] == "invalid", f"bad since: {status} {body}")
    status, body = call("POST", "/sandboxes?start=true", {"name": QUIET + "-host", "runtime": "host",
                                                          "labels": {"moat.run-id": RUN_ID}})
    check(status == 201, f"host create: {status} {body}")
    status, body = call("GET", f"/sandboxes/{QUIET}-host/logs?follow=true")
    check(status == 501 and "cannot stream logs" in body["error"]["message"], f"host follow: {status} {body}")
    call("DELETE", f"/sandboxes/{QUIET}-host")

    # SIGTERM while a quiet follow runs: the follow ends, the server exits
    # (with-server.sh checks it exits 0 and removes its socket).
    f = Follow(QUIET, "follow=true")
    next(f.frames(), None)
    os.kill(int(os.environ["MOAT_SERVE_PID"]), signal.SIGTERM)
    ended = time.monotonic()
    for _ in f.frames():
        pass
    check(time.monotonic() - ended < 10, "SIGTERM did not end the follow within 10 s")
    f.close()


try:
    main()
finally:
    # The server is gone now: remove what the test made through the CLI.
    for name in (CHATTY, QUIET):
        subprocess.run([os.environ["MOAT_BIN"], "--config", os.environ["MOAT_CONFIG"], "sandbox", "rm", name],
                       capture_output=True)
left = leftovers(RUN_ID)
check(not left, f"left in the engine: {left}")
exit_with_failures(f"logs_follow {RUNTIME}")
