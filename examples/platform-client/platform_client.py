#!/usr/bin/env python3
"""What a sandbox platform does with `moat serve`, with only the standard library: create a sandbox
with a workspace, exec in it, a terminal over the WebSocket, snapshot, restore, exec in the copy; then
remove what it made, also after a failure. One line per step; exit 0 on success, 1 on the first failure.
"""
import argparse, base64, functools, hashlib, http.client, json, os, re, secrets  # noqa: E401
import shutil, socket, struct, sys, tempfile, time, urllib.parse  # noqa: E401

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, BINARY, CLOSE, PING, PONG = 0x1, 0x2, 0x8, 0x9, 0xA
q = functools.partial(urllib.parse.quote, safe="")  # a name as one path segment


class ApiError(Exception):  # an answer that was not the expected one; `doc` is its JSON body
    def __init__(self, what, doc):
        super().__init__(what)
        self.doc = doc


def check(ok, message):  # the API answered, but not what a platform needs
    if not ok:
        raise RuntimeError(message)


def as_json(raw):
    try:
        return json.loads(raw) if raw else {}
    except ValueError:
        return {"body": raw.decode(errors="replace")}


def xor(data, mask):
    return bytes(b ^ mask[i % 4] for i, b in enumerate(data))


class UnixHTTPConnection(http.client.HTTPConnection):  # "localhost" only fills the Host header
    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        try:
            self.sock.connect(self.unix_path)
        except OSError as e:
            raise ConnectionError(f"cannot connect to {self.unix_path}: {e} "
                                  "(is 'moat serve' running, and are you in its socket's group?)") from None


def call(sock, method, target, body=None, expect=(200, 201), timeout=900):  # the JSON answer, or ApiError
    conn = UnixHTTPConnection(sock, timeout)
    try:
        data = None if body is None else json.dumps(body).encode()
        conn.request(method, target, body=data, headers={"Content-Type": "application/json"} if data else {})
        resp = conn.getresponse()
        doc = as_json(resp.read())
    finally:
        conn.close()
    if resp.status not in expect:
        raise ApiError(f"{method} {target} -> HTTP {resp.status}", doc)
    return doc


class WebSocket:  # a minimal RFC 6455 client over a unix socket: enough for /exec/ws
    def __init__(self, sock, target, timeout=120):
        conn = UnixHTTPConnection(sock, timeout)
        conn.connect()
        self.sock, self.rfile, self.closed = conn.sock, conn.sock.makefile("rb"), False
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {target} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        status = int((self.rfile.readline().split() + [b"0", b"0"])[1])
        headers = http.client.parse_headers(self.rfile)
        if status != 101:  # an HTTP error with a JSON body; the server then closes
            body = self.rfile.read()
            self.sock.close()
            raise ApiError(f"GET {target} (WebSocket upgrade) -> HTTP {status}", as_json(body))
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        check(headers.get("Sec-WebSocket-Accept") == accept, "WebSocket handshake: wrong Sec-WebSocket-Accept")

    def _read(self, n):
        data = self.rfile.read(n)
        if len(data) < n:
            raise ConnectionError("the server closed the connection")
        return data

    def send(self, opcode, payload):
        n, mask = len(payload), os.urandom(4)  # a client masks every frame; 126/127: 16/64-bit length
        size = struct.pack("!B", 0x80 | n) if n < 126 else \
            struct.pack("!BH", 0x80 | 126, n) if n < 65536 else struct.pack("!BQ", 0x80 | 127, n)
        self.sock.sendall(struct.pack("!B", 0x80 | opcode) + size + mask + xor(payload, mask))

    def recv(self):
        """The next message as (opcode, payload); (CLOSE, payload) once the server closes."""
        opcode, data = None, b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n >= 126:
                n = struct.unpack("!H" if n == 126 else "!Q", self._read(2 if n == 126 else 8))[0]
            mask = self._read(4) if b1 & 0x80 else None  # a server's frames are not masked
            payload = xor(self._read(n), mask) if mask else self._read(n)
            op = b0 & 0x0F
            if op == PING:
                self.send(PONG, payload)
            elif op == CLOSE:
                if not self.closed:
                    self.closed = True
                    self.send(CLOSE, payload[:2])  # answer the close with its status code
                return CLOSE, payload
            elif op != PONG:
                opcode = opcode if op == 0 else op  # 0: the next fragment of a message
                data += payload
                if b0 & 0x80:
                    return opcode, data

    def close(self):
        try:
            if not self.closed:
                self.closed = True
                self.send(CLOSE, struct.pack("!H", 1000))
                self.sock.settimeout(5)
                while self.recv()[0] != CLOSE:
                    pass
        except OSError:  # ConnectionError and timeouts included: the server went first
            pass
        self.sock.close()


def terminal(sock, name):
    """A web terminal's session: sh on a tty, a resize, two typed lines, then the exit message."""
    ws = WebSocket(sock, f"/sandboxes/{q(name)}/exec/ws?cmd=sh&tty=true&rows=24&cols=80")
    out, last = b"", None
    try:
        ws.send(TEXT, json.dumps({"type": "resize", "rows": 40, "cols": 120}).encode())
        ws.send(BINARY, b"echo $((6*7))\n")
        ws.send(BINARY, b"exit 3\n")
        while True:
            opcode, data = ws.recv()
            if opcode == CLOSE:
                break
            if opcode == BINARY:  # first byte: 1 stdout, 2 stderr
                check(data[:1] in (b"\x01", b"\x02"), f"an output message with stream byte {data[:1]!r}")
                out += data[1:]
            elif opcode == TEXT and json.loads(data).get("type") in ("exit", "error"):
                last = json.loads(data)
    finally:
        ws.close()
    if last is not None and last["type"] == "error":
        raise ApiError("the terminal session ended with an error", last)
    check(last is not None, f"the WebSocket closed without an exit message; output: {out!r}")
    check(re.search(rb"(?<![\w.-])42\r?\n", out) is not None, f"'42' was not printed; output: {out!r}")
    check(last["exit_code"] == 3, f"exit_code {last['exit_code']}, expected 3")
    return "(42 printed, exit code 3)"


def step(label, fn):  # runs fn, prints "create: ok (0.41 s)" or what failed; raises on failure
    start = time.monotonic()
    try:
        note = fn()
    except Exception as e:
        print(f"{label}: FAILED ({time.monotonic() - start:.2f} s)\n  {e}", flush=True)
        if isinstance(e, ApiError):
            print(f"  {json.dumps(e.doc)}", flush=True)
        raise
    print(f"{label}: ok ({time.monotonic() - start:.2f} s){' ' + note if note else ''}", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--socket", default=os.environ.get("MOAT_SOCKET", "/run/moat/moat.sock"),
                   help="moat serve's socket (default: $MOAT_SOCKET, else /run/moat/moat.sock)")
    p.add_argument("--runtime", default="", help="runtime id (default: the server's default runtime)")
    p.add_argument("--image", default="moat/base:busybox", help="image (default: %(default)s; '': the runtime's)")
    p.add_argument("--workspace", help="host directory bound at /workspace (default: a new temporary one)")
    args = p.parse_args()
    sock, tag = args.socket, secrets.token_hex(4)
    name, restored, snap = f"example-{tag}", f"example-{tag}-restored", f"example-{tag}-snap"
    workspace = os.path.abspath(args.workspace or tempfile.mkdtemp(prefix="moat-example-"))
    if not args.workspace:
        os.chmod(workspace, 0o777)  # the sandbox's root may be an unprivileged uid on the host (sysbox)
    attempted, failed = set(), None  # what may exist now: ("sandboxes" | "snapshots", name)

    def connect():
        v, rt = call(sock, "GET", "/version"), call(sock, "GET", "/runtimes")
        runtime = args.runtime or rt["default_runtime"]
        found = {r["id"]: r for r in rt["runtimes"]}.get(runtime, {"available": False, "reason": "no such runtime"})
        check(found["available"], f"runtime '{runtime}' is not available: {found['reason']}")
        return f"(moat {v['version']}, API {v['api_version']}, runtime {runtime})"

    def create():
        spec = {"name": name, "labels": {"platform.user": "alice"}, "workspace": workspace}
        spec.update({k: v for k, v in (("runtime", args.runtime), ("image", args.image)) if v})
        attempted.add(("sandboxes", name))
        sb = call(sock, "POST", "/sandboxes?start=true", spec, expect=(201,))["sandbox"]
        check(sb["running"], f"the sandbox is {sb['state']}, not running")
        check(sb["labels"].get("platform.user") == "alice", "the label platform.user is missing")
        return f"({sb['name']} on {sb['runtime']})"

    def run_hello(sandbox, argv):
        res = call(sock, "POST", f"/sandboxes/{q(sandbox)}/exec", {"argv": argv, "timeout_s": 120})
        check(res["exit_code"] == 0, f"exit_code {res['exit_code']}; stderr: {res['stderr']!r}")
        check(res["stdout"].strip() == "hello", f"stdout {res['stdout']!r}, expected 'hello'")

    def exec_hello():
        run_hello(name, ["sh", "-c", "echo hello > /workspace/hello.txt; cat /workspace/hello.txt"])
        with open(os.path.join(workspace, "hello.txt"), encoding="utf-8") as f:
            check(f.read().strip() == "hello", "hello.txt is not in the workspace on the host")

    def snapshot():
        attempted.add(("snapshots", snap))
        s = call(sock, "POST", f"/sandboxes/{q(name)}/snapshot", {"snapshot": snap}, expect=(201,))["snapshot"]
        return f"({s['name']}, {len(s['volumes'])} volume(s) kept)"

    def restore():
        attempted.add(("sandboxes", restored))
        sb = call(sock, "POST", f"/snapshots/{q(snap)}/restore", {"name": restored}, expect=(201,))["sandbox"]
        return f"({sb['name']}, {sb['state']})"

    try:
        step("connect", connect)
        step("create", create)
        step("exec", exec_hello)
        step("terminal", lambda: terminal(sock, name))
        step("snapshot", snapshot)
        step("restore", restore)
        step("exec restored", lambda: run_hello(restored, ["cat", "/workspace/hello.txt"]))
    except Exception as e:  # step() has printed it
        failed = e
    finally:
        # The restored sandbox before the snapshot: a snapshot cannot go while one exists.
        for kind, what in [("sandboxes", restored), ("sandboxes", name), ("snapshots", snap)]:
            if (kind, what) in attempted:
                try:  # 404: it was never made
                    step(f"destroy {what}", lambda: "(was not there)" if "error" in call(
                        sock, "DELETE", f"/{kind}/{q(what)}", expect=(200, 404)) else None)
                except Exception as e:
                    failed = failed or e
        if not args.workspace:
            shutil.rmtree(workspace, ignore_errors=True)
    if failed is not None:
        print(f"platform_client: FAILED: {failed}", file=sys.stderr)
        return 1
    print("platform_client: every step passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
