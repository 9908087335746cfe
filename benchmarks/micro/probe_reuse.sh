#!/usr/bin/env bash
# Issue 14, point 0: what the availability check costs a create, before and
# after probe verdicts are kept across moat processes:
#
#   benchmarks/micro/probe_reuse.sh [BUILD_DIR] [N] [RUNTIMES]
#
# BUILD_DIR defaults to build, N (creates per figure) to 10, RUNTIMES to
# "gvisor runc". For each runtime, N interleaved rounds of
#   `moat sandbox create NAME --runtime R --start` (timed), then `sandbox rm`
# with plugin_host.probe_reuse_s 0 (probe before every create: how moat
# worked before) and with the default 300 s (the verdict an earlier process
# kept is reused). Prints the median create time of each and their ratio.
# gVisor's probe starts a smoke container, as Sysbox's and Kata's do; runc's
# only asks the engine. Sysbox cannot be measured here: on the stand-in
# runtime the tests use, its probe rightly finds that the runtime is not
# Sysbox, so no create passes the check. Nothing is asserted.
# A private XDG_CACHE_HOME keeps the user's cache untouched; the sandboxes
# are labelled moat.run-id=bench_probe_reuse (`moat gc --run-id
# bench_probe_reuse` after a kill).
set -euo pipefail

build=${1:-build}
runs=${2:-10}
runtimes=${3:-gvisor runc}
moat=$build/bin/moat
[[ -x $moat ]] || { echo "probe_reuse.sh: build moat first ($moat)" >&2; exit 66; }

work=$(mktemp -d)
export XDG_CACHE_HOME=$work/cache
name="bench-probe-reuse-$$"
cleanup() {
  "$moat" -q sandbox rm "$name" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
printf '{"plugin_host": {"probe_reuse_s": 0}}\n' > "$work/probe-each.json"
printf '{"plugin_host": {"probe_reuse_s": 300}}\n' > "$work/reuse.json"

image=moat/base:busybox
# Seconds one create takes (the sandbox is removed after, untimed).
create_secs() {
  local config=$1 runtime=$2 start end
  start=$(date +%s.%N)
  "$moat" -q --config "$config" sandbox create "$name" --runtime "$runtime" --image "$image" \
    --label moat.run-id=bench_probe_reuse --start >/dev/null
  end=$(date +%s.%N)
  "$moat" -q sandbox rm "$name" >/dev/null
  awk -v a="$start" -v b="$end" 'BEGIN {print b - a}'
}
median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }

printf '%-8s %22s %22s %8s\n' runtime "probe each create (ms)" "verdict reused (ms)" ratio
for runtime in $runtimes; do
  create_secs "$work/reuse.json" "$runtime" >/dev/null  # warm-up; keeps the verdict
  each=() reused=()
  for ((i = 0; i < runs; i++)); do
    each+=("$(create_secs "$work/probe-each.json" "$runtime")")
    reused+=("$(create_secs "$work/reuse.json" "$runtime")")
  done
  m_each=$(printf '%s\n' "${each[@]}" | median)
  m_reused=$(printf '%s\n' "${reused[@]}" | median)
  awk -v r="$runtime" -v e="$m_each" -v u="$m_reused" 'BEGIN {printf "%-8s %22.1f %22.1f %8.3f\n", r, e * 1000, u * 1000, u / e}'
done
echo "(medians of $runs interleaved creates each, create --start; ratio = reused / probe each create)"
