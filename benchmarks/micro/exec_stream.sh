#!/usr/bin/env bash
# Issue 13's streaming numbers: `moat sandbox exec` of a big output against
# `docker exec` of the same, in the same script:
#
#   benchmarks/micro/exec_stream.sh [BUILD_DIR] [N] [BYTES]
#
# BUILD_DIR defaults to build (bin/moat and the plugins), N (runs per figure)
# to 5, BYTES to 300000000. One runc sandbox runs `head -c BYTES /dev/zero`
# with stdout to /dev/null, N interleaved times after a warm-up each:
#   docker exec, moat (runc plugin in moat's process), moat (runc in a broker).
# Then a second sandbox whose main process wrote BYTES to its log: `docker
# logs` against `moat sandbox logs`, the same way.
# Prints each one's median wall time and median peak RSS (of the client and
# what it started; ru_maxrss), and moat's time over docker's. Goals: <= 1.2x
# docker's time, <= 64 MiB. Nothing is asserted.
# The sandboxes are labelled moat.run-id=bench_exec_stream and removed at the
# end; after a kill, `moat gc --run-id bench_exec_stream` removes them.
set -euo pipefail

build=${1:-build}
runs=${2:-5}
bytes=${3:-300000000}
moat=$build/bin/moat
[[ -x $moat ]] || { echo "exec_stream.sh: build moat first ($moat)" >&2; exit 66; }
command -v docker >/dev/null || { echo "exec_stream.sh: needs the docker CLI" >&2; exit 69; }

work=$(mktemp -d)
name="bench-exec-stream-$$"
logged="bench-logs-stream-$$"
cleanup() {
  "$moat" -q sandbox rm "$name" >/dev/null 2>&1 || true
  "$moat" -q sandbox rm "$logged" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
printf '{"plugin_host": {"isolation": {"runc": "in-process"}}}\n' > "$work/in-process.json"
printf '{"plugin_host": {"isolation": {"runc": "process"}}}\n' > "$work/broker.json"

image=moat/base:busybox
docker image inspect "$image" >/dev/null 2>&1 || image=moat-test/busybox:latest
"$moat" -q sandbox create "$name" --runtime runc --image "$image" --label moat.run-id=bench_exec_stream --start >/dev/null
# One long line of 'a' (the engine cuts it into 16 KiB log entries), written once.
"$moat" -q sandbox create "$logged" --runtime runc --image "$image" --label moat.run-id=bench_exec_stream --start \
  -- sh -c "head -c $bytes /dev/zero | tr '\\0' a" >/dev/null
while [ "$(docker inspect -f '{{.State.Running}}' "$logged")" = true ]; do sleep 0.2; done

# "<seconds> <peak RSS KiB>" of one run of the argv given, stdout to /dev/null.
measure() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
start = time.monotonic()
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
took = time.monotonic() - start
if rc != 0:
    sys.exit(f"exec_stream.sh: {sys.argv[1]} exited {rc}")
print(f"{took:.4f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
PY
}

declare -A secs rss
labels=(docker moat-in-process moat-broker docker-logs moat-logs-in-proc moat-logs-broker)
cmd_for() {
  case $1 in
    docker) echo docker exec "$name" head -c "$bytes" /dev/zero ;;
    moat-in-process) echo "$moat" --config "$work/in-process.json" sandbox exec "$name" -- head -c "$bytes" /dev/zero ;;
    moat-broker) echo "$moat" --config "$work/broker.json" sandbox exec "$name" -- head -c "$bytes" /dev/zero ;;
    docker-logs) echo docker logs "$logged" ;;
    moat-logs-in-proc) echo "$moat" --config "$work/in-process.json" sandbox logs "$logged" ;;
    moat-logs-broker) echo "$moat" --config "$work/broker.json" sandbox logs "$logged" ;;
  esac
}
for label in "${labels[@]}"; do
  read -ra argv <<< "$(cmd_for "$label")"
  measure "${argv[@]}" > /dev/null  # warm-up
done
for ((i = 0; i < runs; i++)); do
  for label in "${labels[@]}"; do
    read -ra argv <<< "$(cmd_for "$label")"
    read -r s k < <(measure "${argv[@]}")
    secs[$label]+="$s "
    rss[$label]+="$k "
  done
done

median() { tr ' ' '\n' <<< "$1" | grep . | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
echo "exec of head -c $bytes /dev/zero, and logs of $bytes bytes, to /dev/null; $runs runs each, medians" \
  "($(nproc) cores, $(uname -r))"
printf '%-18s %10s %14s %10s\n' client "time (s)" "peak RSS MiB" "vs docker"
for label in "${labels[@]}"; do
  case $label in *logs*) d=$(median "${secs[docker-logs]}") ;; *) d=$(median "${secs[docker]}") ;; esac
  s=$(median "${secs[$label]}")
  k=$(median "${rss[$label]}")
  printf '%-18s %10.3f %14.1f %9.2fx\n' "$label" "$s" "$(awk -v k="$k" 'BEGIN {print k / 1024}')" \
    "$(awk -v s="$s" -v d="$d" 'BEGIN {print s / d}')"
done
