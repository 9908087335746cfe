#!/usr/bin/env bash
# Issue 4's figure (b): moat's fio figures on the `host` runtime against fio
# run directly with the same job files, in the same script, on the same
# filesystem, interleaved round by round (odd rounds moat first, even rounds
# fio first) so drift hits both alike.
#
#   benchmarks/micro/fio_vs_direct.sh [MOAT_BINARY] [ROUNDS] [WORK_DIR]
#
# MOAT_BINARY defaults to build/bin/moat, ROUNDS to 5, WORK_DIR to a new
# /var/tmp/moat-fio-*. Each round is one `moat bench --runtimes host --suite io
# --repetitions 1` (its workspace location is a directory in WORK_DIR) and one
# direct `fio --output-format=json JOB.fio` per job with MOAT_FIO_DIR in
# WORK_DIR and the size and runtime the moat run used (read from its
# manifest). Prints per job the median of the rounds for both and their ratio.
# Needs fio and jq.
set -euo pipefail

moat=${1:-build/bin/moat}
rounds=${2:-5}
work=${3:-$(mktemp -d /var/tmp/moat-fio-XXXXXX)}
here=$(cd "$(dirname "$0")" && pwd)
jobs_dir=$here/../workloads/fio
for tool in fio jq; do command -v $tool >/dev/null || { echo "fio_vs_direct.sh: needs $tool" >&2; exit 69; }; done
[[ -x $moat ]] || { echo "fio_vs_direct.sh: $moat is not an executable" >&2; exit 66; }

jobs=(seqread-1m seqwrite-1m randread-4k randwrite-4k fsync-4k)
figure() {  # job -> jq path of the figure moat records (MiB/s for seq, IOPS otherwise)
  case $1 in
    seqread*) echo '.jobs[0].read.bw / 1024' ;;
    seqwrite*) echo '.jobs[0].write.bw / 1024' ;;
    randread*) echo '.jobs[0].read.iops' ;;
    *) echo '.jobs[0].write.iops' ;;
  esac
}
metric() { case $1 in seq*) echo "$1.workspace.bw" ;; *) echo "$1.workspace.iops" ;; esac; }

run_moat() {
  local r=$1
  "$moat" -q bench --runtimes host --suite io --repetitions 1 --warmup 0 \
    --out "$work/moat-$r" --workdir "$work/ws-$r" >/dev/null
}
run_direct() {
  local r=$1 size fsync_size runtime
  # Sizes and runtime exactly as moat used them (round 1 runs moat first;
  # every round uses the same parameters).
  local manifest=$work/moat-1/results.json
  size=$(jq -r '.manifest.parameters.scenarios.io.size' "$manifest")
  fsync_size=$(jq -r '.manifest.parameters.scenarios.io.fsync_size' "$manifest")
  runtime=$(jq -r '.manifest.parameters.scenarios.io.runtime_s' "$manifest")
  mkdir -p "$work/direct-rootfs" "$work/direct-workspace"
  # The same sequence moat runs on host: each job on the rootfs location, then
  # on the workspace (the figure compared), so both see the same warm-up.
  for job in "${jobs[@]}"; do
    local s=$size
    [[ $job == fsync* ]] && s=$fsync_size
    for loc in rootfs workspace; do
      MOAT_FIO_DIR=$work/direct-$loc MOAT_FIO_SIZE=$s MOAT_FIO_RUNTIME=$runtime \
        fio --output-format=json "$jobs_dir/$job.fio" >"$work/direct-$r-$job-$loc.json"
    done
    cp "$work/direct-$r-$job-workspace.json" "$work/direct-$r-$job.json"
  done
}

for ((r = 1; r <= rounds; r++)); do
  if ((r % 2)); then run_moat $r; run_direct $r; else run_direct $r; run_moat $r; fi
  echo "round $r/$rounds done" >&2
done

median() { sort -g | awk '{v[NR]=$1} END {if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
printf '%-14s %14s %14s %8s  (medians of %d rounds; workspace location; %s)\n' job moat direct ratio "$rounds" "$work"
for job in "${jobs[@]}"; do
  m=$(for ((r = 1; r <= rounds; r++)); do
        jq -r --arg m "$(metric "$job")" '.samples[] | select(.runtime=="host" and .metric==$m and .ok) | .value' \
          "$work/moat-$r/results.json"
      done | median)
  d=$(for ((r = 1; r <= rounds; r++)); do jq -r "$(figure "$job")" "$work/direct-$r-$job.json"; done | median)
  printf '%-14s %14.1f %14.1f %8.3f\n' "$job" "$m" "$d" "$(echo "$m / $d" | bc -l)"
done
