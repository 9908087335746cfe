#!/usr/bin/env bash
# Builds moat's libFuzzer targets (tests/fuzz) with Debian's clang into a
# build dir of their own (ASan + UBSan + coverage), runs each for a bounded
# time, and fails when any of them finds a crash, a leak, a timeout or a
# broken invariant. The build is the one scripts/configure-clang-asan.sh
# describes, which `MOAT_SANITIZE_CC=clang scripts/sanitize.sh` shares.
#   MOAT_FUZZ_SECONDS   time per target (default 30)
#   MOAT_FUZZ_TARGETS   space-separated subset (default: all)
#   MOAT_FUZZ_BUILD_DIR build dir (default build-fuzz)
#   MOAT_FUZZ_JOBS      targets run at once, one core each (default: nproc)
# New inputs go to $build/fuzz/<target>/corpus (the checked-in seeds in
# tests/fuzz/corpus/<target> are only read); a finding is written to
# $build/fuzz/<target>/ - fix it, then copy that file into
# tests/fuzz/corpus/<target>/ so every ordinary test run replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${MOAT_FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${MOAT_FUZZ_SECONDS:-30}
jobs=${MOAT_JOBS:-$(nproc)}
fuzz_jobs=${MOAT_FUZZ_JOBS:-$(nproc)}
all_targets="stream_demux engine_json engine_http config sandbox_spec cli_args results api_router"
read -r -a targets <<<"${MOAT_FUZZ_TARGETS:-$all_targets}"

build_targets=()
for t in "${targets[@]}"; do build_targets+=("fuzz_$t"); done
bash scripts/configure-clang-asan.sh "$build"
cmake --build "$build" -j "$jobs" --target "${build_targets[@]}"

export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
# fuzz <target>: runs it, leaves its log and exit code in $build/fuzz/<target>/
fuzz() {
  local t=$1 work="$build/fuzz/$1" dict=() rc=0
  mkdir -p "$work/corpus"
  rm -f "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* "$work/rc"
  case "$t" in stream_demux) ;; *) dict=(-dict="$root/tests/fuzz/json.dict") ;; esac
  "$build/tests/fuzz/fuzz_$t" "$work/corpus" "$root/tests/fuzz/corpus/$t" "${dict[@]}" \
    -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
    -artifact_prefix="$work/" >"$work/log" 2>&1 || rc=$?
  echo "$rc" >"$work/rc"
}
running=0
for t in "${targets[@]}"; do
  if [ "$running" -ge "$fuzz_jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  echo "== fuzz_$t for ${seconds}s"
  fuzz "$t" &
  running=$((running + 1))
done
wait

failed=0
summary=()
for t in "${targets[@]}"; do
  work="$build/fuzz/$t"
  rc=$(cat "$work/rc" 2>/dev/null || echo '?')
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
  findings=$(find "$work" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  if [ "$rc" != 0 ] || [ "$findings" -ne 0 ]; then
    failed=1
    summary+=("$(printf '%-14s %12s executions  FAILED (exit %s, %s finding(s) in %s; log %s)' "$t" "${execs:-?}" "$rc" \
      "$findings" "$work" "$work/log")")
    echo "== fuzz_$t failed:"
    grep -m 5 -E 'ERROR: |FUZZ FINDING|runtime error' "$work/log" || tail -n 20 "$work/log"
  else
    summary+=("$(printf '%-14s %12s executions  ok' "$t" "$execs")")
  fi
done

echo
echo "== fuzz summary (${seconds}s per target, $fuzz_jobs at once)"
printf '%s\n' "${summary[@]}"
exit "$failed"
