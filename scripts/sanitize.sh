#!/usr/bin/env bash
# Builds moat with AddressSanitizer + UndefinedBehaviorSanitizer (g++,
# -DMOAT_SANITIZE=ON) in a build dir of its own and runs the unit and
# integration tests there; any sanitizer report fails the test it happens in.
# Plugins are built instrumented too: g++ links libasan/libubsan into each
# plugin, and the instrumented host has the runtime loaded first, so dlopen
# works without LD_PRELOAD.
#   MOAT_ASAN_BUILD_DIR  build dir (default build-asan)
#   MOAT_CTEST_ARGS      extra ctest arguments, e.g. "-LE sdk" to skip a label
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${MOAT_ASAN_BUILD_DIR:-$root/build-asan}
jobs=${MOAT_JOBS:-$(nproc)}

cmake -S . -B "$build" -DMOAT_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$jobs"

# halt_on_error/abort: the first report ends the process, so the test fails
# even where a child's exit code is what is being checked.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1:strict_init_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# shellcheck disable=SC2086
ctest --test-dir "$build" --output-on-failure -j "$jobs" ${MOAT_CTEST_ARGS:-}
bash scripts/check-leftovers.sh
