"""What the Python tests of `moat serve` share: JSON over the server's unix
socket (MOAT_SOCKET, set by with-server.sh) with the standard library, and
the engine leftover check, and the tests' failure list."""
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time

failures = []


def check(ok, what):
    """Records a failure (the test goes on, and fails at its end)."""
    if not ok:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def exit_with_failures(what):
    """Exits 1 with a summary line when a check failed."""
    if failures:
        print(f"{what}: {len(failures)} failure(s)", file=sys.stderr)
        sys.exit(1)


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=300):
        super().__init__("moat", timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


def socket_path():
    return os.environ["MOAT_SOCKET"]


def call(method, path, body=None, conn=None):
    """(status, decoded JSON) of one request; `conn` is reused when given."""
    own = conn is None
    conn = conn or UnixConnection(socket_path())
    try:
        data = None if body is None else json.dumps(body)
        headers = {"Content-Type": "application/json"} if data is not None else {}
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        return resp.status, (json.loads(raw) if raw else None)
    finally:
        if own:
            conn.close()


def serve_memory_mib(field):
    """VmRSS, VmHWM, ... of the server (MOAT_SERVE_PID), in MiB."""
    with open(f"/proc/{os.environ['MOAT_SERVE_PID']}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return -1.0


def leftovers(run_id):
    """Containers and volumes of the engine labelled moat.run-id=run_id."""
    out = []
    for kind in (["ps", "-aq"], ["volume", "ls", "-q"]):
        out += subprocess.run(["docker", *kind, "--filter", f"label=moat.run-id={run_id}"],
                              check=True, capture_output=True, text=True).stdout.split()
    return out


def run_at_once(fn, count):
    """fn(0) ... fn(count - 1), each on a thread of its own, all at once;
    the seconds until the last returned."""
    threads = [threading.Thread(target=fn, args=(i,)) for i in range(count)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - started
