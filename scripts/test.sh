#!/usr/bin/env bash
# The test command (README "Quick start"; what CI runs through .ci/run):
# every test, then the checks that catch what the tests miss. Each is a stage
# whose wall and CPU time are printed, with a table of all of them at the end:
#   test        scripts/test-suite.sh: packages, engine, Release build, every test
#   asan-build  one clang build with ASan + UBSan + libFuzzer coverage
#               (scripts/configure-clang-asan.sh, build-ci-asan/): it serves
#               both of the next two stages
#   fuzz        every libFuzzer target of tests/fuzz for MOAT_FUZZ_SECONDS
#               (30) on its corpus; any finding fails (scripts/fuzz.sh)
#   asan-tests  the whole suite, engine tests included, in that build; any
#               sanitizer report fails (scripts/sanitize.sh)
#   tidy        clang-tidy with .clang-tidy over sdk, core, plugins,
#               benchmarks, cli and tests; any warning fails (scripts/tidy.sh)
# The first failing stage ends the run. For local use a stage can be left
# out: MOAT_CI_SKIP_TEST=1, MOAT_CI_SKIP_SANITIZE=1 (asan-build and
# asan-tests), MOAT_CI_SKIP_FUZZ=1, MOAT_CI_SKIP_TIDY=1.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
asan_build=${MOAT_CI_ASAN_BUILD_DIR:-$root/build-ci-asan}
export MOAT_JOBS=${MOAT_JOBS:-$(nproc)}
table=()
started=$SECONDS

summary() {
  local rc=$?
  printf '\n== stages (wall and user+sys CPU seconds; %s cores)\n' "$(nproc)"
  printf '%-11s %8s %8s  %s\n' stage wall cpu result
  printf '%s\n' "${table[@]}"
  printf '%-11s %8s\n' total "$((SECONDS - started))"
  exit "$rc"
}
trap summary EXIT

# stage <name> <skip variable> <command...>
stage() {
  local name=$1 skip=$2 times rc=0 TIMEFORMAT='%R %U %S'
  shift 2
  if [ "${!skip:-0}" = 1 ]; then
    table+=("$(printf '%-11s %8s %8s  skipped (%s=1)' "$name" - - "$skip")")
    return 0
  fi
  printf '\n=== stage %s   (%s)\n' "$name" "$(date +%H:%M:%S)"
  times=$(mktemp)
  { time "$@" >&3 2>&4; } 3>&1 4>&2 2>"$times" || rc=$?
  read -r real user sys <"$times"
  rm -f "$times"
  table+=("$(awk -v n="$name" -v r="$real" -v u="$user" -v s="$sys" -v rc="$rc" \
    'BEGIN { printf "%-11s %8.0f %8.0f  %s", n, r, u + s, rc == 0 ? "ok" : "FAILED (exit " rc ")" }')")
  printf '=== stage %s: %.0fs wall, %.0fs user, %.0fs sys\n' "$name" "$real" "$user" "$sys"
  return "$rc"
}

stage test MOAT_CI_SKIP_TEST bash scripts/test-suite.sh
stage asan-build MOAT_CI_SKIP_SANITIZE bash -c \
  'bash scripts/configure-clang-asan.sh "$1" && cmake --build "$1" -j "$MOAT_JOBS"' _ "$asan_build"
stage fuzz MOAT_CI_SKIP_FUZZ env MOAT_FUZZ_BUILD_DIR="$asan_build" bash scripts/fuzz.sh
stage asan-tests MOAT_CI_SKIP_SANITIZE env MOAT_SANITIZE_CC=clang MOAT_ASAN_BUILD_DIR="$asan_build" \
  bash scripts/sanitize.sh
stage tidy MOAT_CI_SKIP_TIDY bash scripts/tidy.sh
