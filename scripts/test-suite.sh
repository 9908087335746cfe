#!/usr/bin/env bash
# The first stage of the test command (scripts/test.sh): sets up everything
# the tests need on a Debian 12 machine, builds moat, and runs every test.
#   1. Debian packages            scripts/install-deps.sh
#   2. a Docker engine with gVisor scripts/setup-engine.sh (leaves a running engine alone)
#   3. build                      cmake, into build/ (override with MOAT_BUILD_DIR)
#   4. offline images (cached)    moat image prepare, in the background while the
#                                 tests compile (debootstrap waits on the network and
#                                 the disk, the compiler on the CPU)
#   5. every test                 ctest (with the .deb test: the build is configured
#                                 for the Debian layout, prefix /usr, and the slow
#                                 Images.DebootstrapFromScratch), with the test-only
#                                 runtime moat-test-not-sysbox registered for the run
#                                 alone (scripts/stand-in-runtime.sh; removed on exit)
#   6. nothing of moat's left in the engine
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${MOAT_BUILD_DIR:-$root/build}
jobs=${MOAT_JOBS:-$(nproc)}
images_log="$build/image-prepare.log"
images_pid=
stand_in_state="$build/stand-in-runtime.state"

step() { printf '\n== %s   (%s, %ds)\n' "$*" "$(date +%H:%M:%S)" "$SECONDS"; }
cleanup() {
  [ -z "$images_pid" ] || kill "$images_pid" 2>/dev/null || true
  bash scripts/stand-in-runtime.sh remove "$stand_in_state" || true
}
trap cleanup EXIT

step "dependencies"
bash scripts/install-deps.sh

step "engine"
bash scripts/setup-engine.sh

step "build moat ($build)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=${MOAT_BUILD_TYPE:-Release} -DMOAT_BUILD_TESTS=ON \
  -DCMAKE_INSTALL_PREFIX=/usr ${MOAT_CMAKE_ARGS:-}
cmake --build "$build" -j "$jobs" --target moat

step "images (background, log: $images_log)"
"$build/bin/moat" image prepare base bench dind >"$images_log" 2>&1 &
images_pid=$!

step "build the rest"
cmake --build "$build" -j "$jobs"

step "wait for the images"
if ! wait "$images_pid"; then
  images_pid=
  cat "$images_log" >&2
  echo "test: moat image prepare failed (log above)" >&2
  exit 1
fi
images_pid=
cat "$images_log"

step "tests"
bash scripts/stand-in-runtime.sh add "$stand_in_state"
ctest --test-dir "$build" --output-on-failure --no-tests=error -j "$jobs" ${MOAT_CTEST_ARGS:-}
bash scripts/stand-in-runtime.sh remove "$stand_in_state"

step "leftovers"
bash scripts/check-leftovers.sh
step "done"
