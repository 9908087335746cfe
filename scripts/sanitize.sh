#!/usr/bin/env bash
# Builds moat with AddressSanitizer + UndefinedBehaviorSanitizer in a build
# dir of its own and runs the unit and integration tests there, engine tests
# included (with the test-only runtime of scripts/stand-in-runtime.sh
# registered for the run, as scripts/test-suite.sh does); any sanitizer report
# fails the test it happens in.
#   MOAT_SANITIZE_CC     gcc (default: g++, -DMOAT_SANITIZE=ON) or clang (the
#                        build of scripts/configure-clang-asan.sh, which also
#                        holds the fuzz targets: .ci/run builds it once for
#                        this and scripts/fuzz.sh)
#   MOAT_ASAN_BUILD_DIR  build dir (default build-asan)
#   MOAT_CTEST_ARGS      extra ctest arguments, e.g. "-LE sdk" to skip a label
# Plugins are built instrumented too. g++ links libasan/libubsan into each
# plugin; clang links the runtimes into executables only, and a plugin's
# references resolve from the host. Either way the instrumented host has the
# runtime loaded first, so dlopen works without LD_PRELOAD.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${MOAT_ASAN_BUILD_DIR:-$root/build-asan}
jobs=${MOAT_JOBS:-$(nproc)}
stand_in_state="$build/stand-in-runtime.state"

case "${MOAT_SANITIZE_CC:-gcc}" in
  gcc) cmake -S . -B "$build" -DMOAT_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null ;;
  clang) bash scripts/configure-clang-asan.sh "$build" ;;
  *) echo "sanitize: MOAT_SANITIZE_CC must be gcc or clang" >&2; exit 2 ;;
esac
cmake --build "$build" -j "$jobs"

# halt_on_error: the first report ends the process, so the test fails even
# where a child's exit code is what is being checked. Every report also goes
# to a file of its own in $reports (log_path), and any file there fails the
# run, so a report in a process whose failure a test expects (or ignores) is
# not lost.
reports="$build/sanitizer-reports"
rm -rf "$reports"
mkdir -p "$reports"
# intercept_tls_get_addr=0: clang 14's runtime keeps the dynamic TLS of a
# plugin after its dlclose, and LeakSanitizer's tracer then crashes reading
# it at exit ("Tracer caught signal 11", LeakSanitizer fatal error, exit 1:
# every `moat` run that loads plugins, e.g. `moat runtimes -o json`).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1:strict_init_order=1:intercept_tls_get_addr=0}:log_path=$reports/asan"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}:log_path=$reports/ubsan"
trap 'bash scripts/stand-in-runtime.sh remove "$stand_in_state" || true' EXIT
bash scripts/stand-in-runtime.sh add "$stand_in_state"
status=0
# shellcheck disable=SC2086
ctest --test-dir "$build" --output-on-failure --no-tests=error -j "$jobs" ${MOAT_CTEST_ARGS:-} || status=$?
bash scripts/stand-in-runtime.sh remove "$stand_in_state"
trap - EXIT
# Should LeakSanitizer's tracer still crash at a process's exit ("Tracer
# caught signal 11", google/sanitizers#1353), that is a failure of the tool
# that checked nothing, not a report: counted and shown here (the process's
# exit 1 still fails its test).
count=0
tool_failures=0
for f in "$reports"/*; do
  [ -f "$f" ] || continue
  if grep -q 'Tracer caught signal' "$f" && ! grep -qE 'ERROR: |runtime error|detected memory leaks' "$f"; then
    tool_failures=$((tool_failures + 1))
    continue
  fi
  count=$((count + 1))
  echo "== $f"
  head -n 40 "$f"
done
echo "sanitize: $count sanitizer report(s); $tool_failures LeakSanitizer tracer crash(es) at exit (not reports)"
[ "$count" -eq 0 ] || status=1
bash scripts/check-leftovers.sh
exit "$status"
