#!/usr/bin/env bash
# Builds moat's libFuzzer targets (tests/fuzz) with Debian's clang into a
# build dir of their own (ASan + UBSan + coverage), runs each for a bounded
# time, and fails when any of them finds a crash, a leak, a timeout or a
# broken invariant.
#   MOAT_FUZZ_SECONDS   time per target (default 30)
#   MOAT_FUZZ_TARGETS   space-separated subset (default: all)
#   MOAT_FUZZ_BUILD_DIR build dir (default build-fuzz)
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
all_targets="stream_demux engine_json engine_http config sandbox_spec cli_args results"
read -r -a targets <<<"${MOAT_FUZZ_TARGETS:-$all_targets}"

for tool in clang clang++; do
  command -v "$tool" >/dev/null || { echo "fuzz: $tool not found; run scripts/install-deps.sh" >&2; exit 69; }
done

build_targets=()
for t in "${targets[@]}"; do build_targets+=("fuzz_$t"); done
CC=clang CXX=clang++ cmake -S . -B "$build" -DMOAT_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$jobs" --target "${build_targets[@]}"

export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
failed=0
summary=()
for t in "${targets[@]}"; do
  work="$build/fuzz/$t"
  mkdir -p "$work/corpus"
  rm -f "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*
  dict=()
  case "$t" in stream_demux) ;; *) dict=(-dict="$root/tests/fuzz/json.dict") ;; esac
  echo "== fuzz_$t for ${seconds}s"
  set +e
  "$build/tests/fuzz/fuzz_$t" "$work/corpus" "$root/tests/fuzz/corpus/$t" "${dict[@]}" \
    -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
    -artifact_prefix="$work/" >"$work/log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
  findings=$(find "$work" -maxdepth 1 -name 'crash-*' -o -maxdepth 1 -name 'leak-*' -o -maxdepth 1 -name 'timeout-*' \
    -o -maxdepth 1 -name 'oom-*' | wc -l)
  if [ "$rc" -ne 0 ] || [ "$findings" -ne 0 ]; then
    failed=1
    summary+=("$(printf '%-14s %12s executions  FAILED (exit %s, %s finding(s) in %s; log %s)' "$t" "${execs:-?}" "$rc" \
      "$findings" "$work" "$work/log")")
    grep -m 5 -E 'ERROR: |FUZZ FINDING|runtime error' "$work/log" || tail -n 20 "$work/log"
  else
    summary+=("$(printf '%-14s %12s executions  ok' "$t" "$execs")")
  fi
done

echo
echo "== fuzz summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
exit "$failed"
