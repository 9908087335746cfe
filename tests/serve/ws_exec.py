"""Interactive exec over `moat serve`'s WebSocket, with Debian's
python3-websockets as the client, as a web terminal uses it: a shell on a
TTY that is resized, typed into, interrupted and exited; piped stdin with
EOF; stderr kept apart; and the error for a sandbox that does not exist.
Usage: ws_exec.py RUNTIME (under with-server.sh)."""
import asyncio
import json
import os
import sys
import time
import urllib.parse

import websockets

from serve_client import call, check, exit_with_failures, leftovers, socket_path

RUNTIME = sys.argv[1]
RUN_ID = f"test_serve_ws_{RUNTIME}_{os.getpid()}"
# A host sandbox's `ps` is the host's (procps: -e for every process), and it
# sees the containers' processes too: the host run sleeps for a time of its own.
PS = ["ps", "-eo", "args"] if RUNTIME == "host" else ["ps", "-o", "args"]
LONG_SLEEP = "sleep 307" if RUNTIME == "host" else "sleep 300"
NAME = f"msv-ws-{RUNTIME}-{os.getpid()}"
def uri(name, argv, **params):
    query = [("cmd", a) for a in argv] + [(k, str(v).lower() if isinstance(v, bool) else str(v))
                                          for k, v in params.items()]
    return f"ws://moat/sandboxes/{urllib.parse.quote(name)}/exec/ws?" + urllib.parse.urlencode(query)


async def session(name, argv, sends, until=None, **params):
    """Runs one exec; `sends` is a list of (wait_for_bytes, message) pairs:
    each message goes once the output so far contains wait_for_bytes.
    Returns (stdout bytes, stderr bytes, final JSON)."""
    out = {1: b"", 2: b""}
    async with websockets.unix_connect(socket_path(), uri(name, argv, **params)) as ws:
        pending = list(sends)
        while pending and pending[0][0] is None:
            await ws.send(pending.pop(0)[1])
        while True:
            msg = await asyncio.wait_for(ws.recv(), 30)
            if isinstance(msg, str):
                final = json.loads(msg)
                if final.get("type") in ("exit", "error"):
                    return out[1], out[2], final
                continue
            out[msg[0]] += msg[1:]
            while pending and (pending[0][0] is None or pending[0][0] in out[1]):
                message = pending.pop(0)[1]
                if message == b"\x03":
                    await until_running(name, "sleep 100")  # as a person would: once it runs, not while it forks
                await ws.send(message)


async def until_running(name, args):
    """Waits (at most 30 s) until a process with command line `args` runs in the sandbox."""
    for _ in range(150):
        status, body = call("POST", f"/sandboxes/{name}/exec", {"argv": PS})
        if status == 200 and args in body["stdout"].splitlines():
            await asyncio.sleep(0.2)  # and is in the terminal's foreground
            return
        await asyncio.sleep(0.2)
    check(False, f"'{args}' did not start within 30 s")


async def main():
    status, body = call("POST", "/sandboxes", {"name": NAME, "runtime": RUNTIME, "image": "moat/base:busybox",
                                               "labels": {"moat.run-id": RUN_ID}})
    check(status == 201, f"create: {status} {body}")
    try:
        # A shell on a TTY: the size given, then a resize, arithmetic typed
        # in, Ctrl-C cutting a sleep short, and the exit code of `exit 3`.
        started = time.monotonic()
        stdout, _, final = await session(NAME, ["sh"], [
            (None, json.dumps({"type": "resize", "rows": 30, "cols": 100})),
            (None, b"stty size; echo $((6*7))\n"),
            (b"42", b"sleep 100\n"),
            (b"sleep 100", b"\x03"),
            (b"sleep 100", b"echo after-$((1+1))\n"),
            (b"after-2", b"exit 3\n"),
        ], tty=True, rows=24, cols=80)
        check(final == {"type": "exit", "exit_code": 3}, f"tty: final message {final}")
        check(b"30 100" in stdout, f"tty: stty size did not show the resize: {stdout!r}")
        check(b"42" in stdout and b"after-2" in stdout, f"tty: typed commands did not run: {stdout!r}")
        check(time.monotonic() - started < 60, "tty: Ctrl-C did not cut `sleep 100` short")

        # Piped stdin (no TTY): the bytes arrive whole, EOF ends cat, stderr
        # comes as stream 2.
        payload = bytes(range(256)) * 4096  # 1 MiB, every byte value
        stdout, stderr, final = await session(NAME, ["sh", "-c", "cat; echo done >&2"], [
            (None, payload), (None, json.dumps({"type": "eof"}))])
        check(final == {"type": "exit", "exit_code": 0}, f"stdin: final message {final}")
        check(stdout == payload, f"stdin: {len(stdout)} bytes came back, want {len(payload)}")
        check(stderr == b"done\n", f"stdin: stderr {stderr!r}")

        # A web terminal's tab closed mid-command: the client closes first.
        # The command inside is ended, and the server's session ends too
        # (with-server.sh's SIGTERM check fails if it hangs).
        async with websockets.unix_connect(socket_path(), uri(NAME, ["sh"], tty=True)) as ws:
            await ws.send(LONG_SLEEP.encode() + b"\n")
            await asyncio.sleep(0.5)
        # ... and one that closes the moment its command ends (^D to cat),
        # racing the server's exit message and close.
        async with websockets.unix_connect(socket_path(), uri(NAME, ["cat"], tty=True)) as ws:
            await ws.send(b"x")
            await ws.recv()
            await ws.send(b"\x04")
        gone = False
        for _ in range(50):
            status, body = call("POST", f"/sandboxes/{NAME}/exec", {"argv": PS})
            if status == 200 and LONG_SLEEP not in body["stdout"]:
                gone = True
                break
            await asyncio.sleep(0.2)
        check(gone, f"closing the WebSocket did not end the command: {body}")

        # A sandbox that does not exist: the CLI's code and message.
        _, _, final = await session(NAME + "-gone", ["true"], [])
        check(final.get("type") == "error" and final["error"]["code"] == "not-found", f"missing sandbox: {final}")
    finally:
        status, body = call("DELETE", f"/sandboxes/{NAME}")
        check(status == 200, f"remove: {status} {body}")
    left = leftovers(RUN_ID)
    check(not left, f"left in the engine: {left}")


asyncio.run(main())
exit_with_failures(f"ws_exec {RUNTIME}")
print(f"ws_exec {RUNTIME}: ok")
