#!/usr/bin/env bash
# with-server.sh MOAT -- CMD [ARG...]
#
# Runs CMD against a `moat serve` of its own: a private socket, HOME and
# configuration (the host runtime keeps its state there), group of this
# process. CMD sees MOAT_SOCKET (the socket), MOAT_BIN, MOAT_CONFIG and
# MOAT_SERVE_PID; MOAT_SERVE_ISOLATION=process runs its plugins in brokers.
# Afterwards the server gets SIGTERM and must exit 0 within
# 30 s and remove its socket.
# Exit status: CMD's; 1 when the server did not start or stop as it should.
set -euo pipefail

moat=$1
shift
[[ ${1:-} == -- ]] && shift
(($# > 0)) || { echo "usage: with-server.sh MOAT -- CMD [ARG...]" >&2; exit 64; }

scratch=$(mktemp -d /tmp/moat-serve-test.XXXXXX)
server_pid=
cleanup() {
  [[ -n $server_pid ]] && kill -KILL "$server_pid" 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT

mkdir -p "$scratch/home" "$scratch/host-state"
# MOAT_SERVE_ISOLATION=process: the plugins run in brokers, not in the server.
plugin_host=
[[ ${MOAT_SERVE_ISOLATION:-} == process ]] && plugin_host=', "plugin_host": {"isolation": {"runc": "process", "gvisor": "process", "host": "process"}}'
printf '{"plugins": {"host": {"state_dir": "%s"}}%s}\n' "$scratch/host-state" "$plugin_host" >"$scratch/config.json"
export HOME=$scratch/home XDG_CONFIG_HOME=$scratch/home/.config XDG_CACHE_HOME=$scratch/home/.cache
export MOAT_SOCKET=$scratch/run/moat.sock MOAT_BIN=$moat MOAT_CONFIG=$scratch/config.json

"$moat" --config "$MOAT_CONFIG" serve --socket "$MOAT_SOCKET" --group "" >"$scratch/serve.log" 2>&1 &
server_pid=$!
export MOAT_SERVE_PID=$server_pid
for ((i = 0; i < 100; i++)); do
  curl -sf --unix-socket "$MOAT_SOCKET" http://moat/_ping >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { echo "with-server: moat serve exited:" >&2; cat "$scratch/serve.log" >&2; exit 1; }
  sleep 0.1
done
curl -sf --unix-socket "$MOAT_SOCKET" http://moat/_ping >/dev/null || { echo "with-server: moat serve did not answer in 10 s" >&2; exit 1; }

rc=0
"$@" || rc=$?

kill -TERM "$server_pid" 2>/dev/null || true  # the command may have stopped it itself
status=0
for ((i = 0; i < 300; i++)); do
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$server_pid" 2>/dev/null; then
  echo "with-server: moat serve did not stop within 30 s of SIGTERM" >&2
  rc=1
else
  wait "$server_pid" || status=$?
  server_pid=
  if ((status != 0)); then
    echo "with-server: moat serve exited ${status} after SIGTERM:" >&2
    cat "$scratch/serve.log" >&2
    rc=1
  fi
  if [[ -e $MOAT_SOCKET ]]; then
    echo "with-server: moat serve left its socket ${MOAT_SOCKET}" >&2
    rc=1
  fi
fi
exit "$rc"
