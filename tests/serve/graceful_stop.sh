#!/usr/bin/env bash
# graceful_stop.sh: SIGTERM while a request runs on a real runtime (runc).
# The exec in flight (sleep 3, then a line) finishes and its answer arrives
# whole; the server then exits 0 and removes its socket, and a new client
# finds nothing to connect to. Run under with-server.sh (MOAT_SERVE_PID).
set -euo pipefail

run_id="test_serve_stop_$$"
name="msv-stop-$$"
cli() { "$MOAT_BIN" --config "$MOAT_CONFIG" "$@"; }
cleanup() { cli -q sandbox rm "$name" >/dev/null 2>&1 || true; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

curl -sf --unix-socket "$MOAT_SOCKET" -X POST http://moat/sandboxes \
  -d "{\"name\": \"${name}\", \"runtime\": \"runc\", \"image\": \"moat/base:busybox\", \"labels\": {\"moat.run-id\": \"${run_id}\"}}" \
  >/dev/null || fail "create"

answer=$(mktemp)
curl -s --unix-socket "$MOAT_SOCKET" -X POST "http://moat/sandboxes/${name}/exec" -w '\n%{http_code}' \
  -d '{"argv": ["sh", "-c", "sleep 3; echo finished"]}' >"$answer" &
request=$!
# SIGTERM once the exec runs (the engine shows its sleep), not while the
# request may still be on its way.
for ((i = 0; i < 100; i++)); do
  docker exec "$name" ps -o args 2>/dev/null | grep -qx 'sleep 3' && break
  sleep 0.1
done
kill -TERM "$MOAT_SERVE_PID"
wait "$request" || fail "curl of the request in flight failed"
[[ $(tail -n 1 "$answer") == 200 ]] || fail "the request in flight got $(cat "$answer")"
[[ $(head -n 1 "$answer" | jq -r .stdout) == finished ]] || fail "the exec in flight was cut: $(cat "$answer")"
rm -f "$answer"

for ((i = 0; i < 100; i++)); do
  kill -0 "$MOAT_SERVE_PID" 2>/dev/null || break
  sleep 0.1
done
! kill -0 "$MOAT_SERVE_PID" 2>/dev/null || fail "the server still runs 10 s after its last request ended"
[[ ! -e $MOAT_SOCKET ]] || fail "the socket is still there"
! curl -s --unix-socket "$MOAT_SOCKET" http://moat/_ping >/dev/null 2>&1 || fail "a new client still got an answer"
cli -q sandbox rm "$name" || fail "the sandbox could not be removed with the CLI"
left=$(docker ps -aq --filter "label=moat.run-id=${run_id}" | wc -l)
((left == 0)) || fail "${left} container(s) left"
echo "graceful_stop: ok"
