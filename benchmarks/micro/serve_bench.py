"""Issue 13's `moat serve` numbers, each against its baseline in this one
script, rounds interleaved, medians reported:

  lifecycle  create -> start -> exec `true` -> remove through serve, against
             the same raw Engine API calls (create, start, exec create,
             exec start, exec inspect, remove) over the engine's socket,
             with the main process and labels moat gives a sandbox.
             Goal: <= 1.05x.
  exec       one exec of `true` through serve's REST, against a raw engine
             exec (create, start, inspect). Goal: <= 1.10x.
  keystroke  one key typed into `sh` on a TTY until its echo comes back:
             serve's WebSocket against `docker exec -it` on a pty.
             Goal: median <= 5 ms above docker's.
  rss        serve's RSS idle, and its peak (VmHWM) after 32 concurrent
             create/exec/remove cycles. Goals: <= 20 MiB, <= 64 MiB.

Usage (under tests/serve/with-server.sh, which sets MOAT_SOCKET and
MOAT_SERVE_PID; benchmarks/micro/serve.sh does that):
  serve_bench.py [ROUNDS]
Nothing is asserted: the figures are printed."""
import asyncio
import json
import os
import pty
import select
import statistics
import sys
import time

import websockets

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 10
RUN_ID = f"bench_serve_{os.getpid()}"
IMAGE = "moat/base:busybox"
MAIN = ["/bin/sh", "-c", "trap 'exit 0' TERM INT; echo moat-ready; while :; do sleep 1 & wait $!; done"]
ENGINE = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock").removeprefix("unix://")


# tests/serve/serve_client.py: the unix-socket HTTP connection and the
# server's memory, shared with the tests.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "serve"))
from serve_client import UnixConnection as Unix, leftovers, run_at_once, serve_memory_mib as vm  # noqa: E402


def request(conn, method, path, body=None, want=(200, 201, 204)):
    conn.request(method, path, body=None if body is None else json.dumps(body),
                 headers={"Content-Type": "application/json"} if body is not None else {})
    resp = conn.getresponse()
    raw = resp.read()
    if resp.status not in want:
        sys.exit(f"serve_bench: {method} {path}: {resp.status} {raw[:300]!r}")
    return json.loads(raw) if raw else None


serve = Unix(os.environ["MOAT_SOCKET"])
engine = Unix(ENGINE)


def serve_cycle(name):
    request(serve, "POST", "/sandboxes", {"name": name, "runtime": "runc", "image": IMAGE,
                                          "labels": {"moat.run-id": RUN_ID}})
    request(serve, "POST", f"/sandboxes/{name}/exec", {"argv": ["true"]})
    request(serve, "DELETE", f"/sandboxes/{name}")


def raw_exec(cid):
    e = request(engine, "POST", f"/containers/{cid}/exec", {"Cmd": ["true"], "AttachStdout": True,
                                                           "AttachStderr": True})
    request(engine, "POST", f"/exec/{e['Id']}/start", {"Detach": False, "Tty": False})
    return request(engine, "GET", f"/exec/{e['Id']}/json")["ExitCode"]


def raw_cycle(name):
    c = request(engine, "POST", f"/containers/create?name={name}",
                {"Image": IMAGE, "Entrypoint": MAIN, "Labels": {"moat.run-id": RUN_ID, "moat.managed": "true"},
                 "HostConfig": {"Runtime": "runc"}})
    request(engine, "POST", f"/containers/{c['Id']}/start")
    raw_exec(c["Id"])
    request(engine, "DELETE", f"/containers/{c['Id']}?force=true&v=true")


def timed(fn, *args):
    start = time.perf_counter()
    fn(*args)
    return (time.perf_counter() - start) * 1000


def report(what, moat_ms, base_ms, base_name, goal):
    m, b = statistics.median(moat_ms), statistics.median(base_ms)
    print(f"{what:<10} serve {m:8.2f} ms   {base_name} {b:8.2f} ms   ratio {m / b:5.3f}   (goal {goal}; "
          f"medians of {len(moat_ms)})")


idle_rss = vm("VmRSS")

# Warm-up: the first create pays for the probe and for opening plugins.
serve_cycle(f"bench-serve-warm-{os.getpid()}")
raw_cycle(f"bench-raw-warm-{os.getpid()}")

serve_ms, raw_ms = [], []
for i in range(ROUNDS):
    serve_ms.append(timed(serve_cycle, f"bench-serve-{os.getpid()}-{i}"))
    raw_ms.append(timed(raw_cycle, f"bench-raw-{os.getpid()}-{i}"))
report("lifecycle", serve_ms, raw_ms, "raw API", "<= 1.05x")

name = f"bench-serve-exec-{os.getpid()}"
request(serve, "POST", "/sandboxes", {"name": name, "runtime": "runc", "image": IMAGE,
                                      "labels": {"moat.run-id": RUN_ID}})
try:
    cid = request(serve, "GET", f"/sandboxes/{name}")["sandbox"]["id"]
    serve_ms, raw_ms = [], []
    for i in range(ROUNDS * 3):
        serve_ms.append(timed(request, serve, "POST", f"/sandboxes/{name}/exec", {"argv": ["true"]}))
        raw_ms.append(timed(raw_exec, cid))
    report("exec", serve_ms, raw_ms, "raw API", "<= 1.10x")

    # Keystrokes: one character at a time into `cat` on a TTY (the tty
    # echoes it), waiting for each echo.
    KEYS = 40

    async def ws_keys():
        uri = f"ws://moat/sandboxes/{name}/exec/ws?cmd=cat&tty=true"
        out = []
        async with websockets.unix_connect(os.environ["MOAT_SOCKET"], uri) as ws:
            for i in range(KEYS + 5):
                key = bytes([ord("a") + i % 26])
                start = time.perf_counter()
                await ws.send(key)
                got = b""
                while key not in got:
                    m = await ws.recv()
                    got += m[1:] if isinstance(m, bytes) else b""
                if i >= 5:
                    out.append((time.perf_counter() - start) * 1000)
            await ws.send(b"\x04")
        return out

    def docker_keys():
        pid, fd = pty.fork()
        if pid == 0:
            os.execvp("docker", ["docker", "exec", "-it", cid, "cat"])
        out = []
        time.sleep(1.0)  # docker's terminal set-up (raw mode) before the first key
        try:
            for i in range(KEYS + 5):
                key = bytes([ord("a") + i % 26])
                start = time.perf_counter()
                os.write(fd, key)
                got = b""
                while key not in got:
                    if not select.select([fd], [], [], 10)[0]:
                        sys.exit(f"serve_bench: docker exec -it did not echo {key!r} within 10 s (got {got!r})")
                    got += os.read(fd, 4096)
                if i >= 5:
                    out.append((time.perf_counter() - start) * 1000)
            os.write(fd, b"\x04")
        finally:
            for _ in range(50):
                if os.waitpid(pid, os.WNOHANG)[0] != 0:
                    break
                time.sleep(0.1)
            else:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
        return out

    ws_ms = asyncio.run(ws_keys())
    docker_ms = docker_keys()
    m, b = statistics.median(ws_ms), statistics.median(docker_ms)
    print(f"keystroke  serve {m:8.2f} ms   docker exec -it {b:8.2f} ms   difference {m - b:+6.2f} ms   "
          f"(goal <= +5 ms; medians of {KEYS})")
finally:
    request(serve, "DELETE", f"/sandboxes/{name}")

# 32 concurrent cycles, each on its own connection.
errors = []


def one(i):
    try:
        conn = Unix(os.environ["MOAT_SOCKET"])
        n = f"bench-serve-c-{os.getpid()}-{i}"
        request(conn, "POST", "/sandboxes", {"name": n, "runtime": "runc", "image": IMAGE,
                                             "labels": {"moat.run-id": RUN_ID}})
        request(conn, "POST", f"/sandboxes/{n}/exec", {"argv": ["true"]})
        request(conn, "DELETE", f"/sandboxes/{n}")
    except BaseException as e:  # noqa: B036 - sys.exit in request() too
        errors.append(repr(e))


took = run_at_once(one, 32)
print(f"rss        serve idle {idle_rss:5.1f} MiB (goal <= 20), peak {vm('VmHWM'):5.1f} MiB after 32 concurrent "
      f"cycles in {took:.1f} s (goal <= 64), {len(errors)} error(s)")
left = leftovers(RUN_ID)
if left or errors:
    sys.exit(f"serve_bench: {len(errors)} error(s) {errors[:3]}, {len(left)} object(s) left")
