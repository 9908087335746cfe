"""32 create -> exec -> remove cycles at once through `moat serve`: every
call answers as it should and nothing is left in the engine. Prints the
server's peak RSS (VmHWM) after the burst. Usage: concurrency.py RUNTIME
[CYCLES] (under with-server.sh)."""
import os
import sys

from serve_client import UnixConnection, call, leftovers, run_at_once, serve_memory_mib, socket_path

RUNTIME = sys.argv[1]
CYCLES = int(sys.argv[2]) if len(sys.argv) > 2 else 32
RUN_ID = f"test_serve_conc_{RUNTIME}_{os.getpid()}"
errors = []


def cycle(i):
    name = f"msv-conc-{os.getpid()}-{i}"
    conn = UnixConnection(socket_path())  # one keep-alive connection per client
    try:
        status, body = call("POST", "/sandboxes", {"name": name, "runtime": RUNTIME, "image": "moat/base:busybox",
                                                   "labels": {"moat.run-id": RUN_ID}}, conn)
        if status != 201:
            errors.append(f"{name}: create: {status} {body}")
            return
        status, body = call("POST", f"/sandboxes/{name}/exec", {"argv": ["sh", "-c", f"echo {i}"]}, conn)
        if status != 200 or body.get("stdout") != f"{i}\n" or body.get("exit_code") != 0:
            errors.append(f"{name}: exec: {status} {body}")
        status, body = call("DELETE", f"/sandboxes/{name}", None, conn)
        if status != 200:
            errors.append(f"{name}: remove: {status} {body}")
    except Exception as e:  # a dropped connection, a timeout
        errors.append(f"{name}: {type(e).__name__}: {e}")
    finally:
        conn.close()


idle = serve_memory_mib("VmRSS")
elapsed = run_at_once(cycle, CYCLES)
print(f"concurrency {RUNTIME}: {CYCLES} cycles in {elapsed:.1f} s; serve RSS idle {idle:.1f} MiB, "
      f"peak {serve_memory_mib('VmHWM'):.1f} MiB")
left = leftovers(RUN_ID)
status, body = call("GET", "/sandboxes")
mine = [s["name"] for s in body["sandboxes"] if s["labels"].get("moat.run-id") == RUN_ID]
for e in errors:
    print("FAIL:", e, file=sys.stderr)
if left or mine:
    print(f"FAIL: left behind: engine {left}, listed {mine}", file=sys.stderr)
if errors or left or mine:
    sys.exit(1)
print(f"concurrency {RUNTIME}: ok")
