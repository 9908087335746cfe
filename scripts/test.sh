#!/usr/bin/env bash
# The test command (README "Quick start"): sets up everything the tests need
# on a Debian 12 machine, builds moat, and runs every test.
#   1. Debian packages            scripts/install-deps.sh
#   2. a Docker engine with gVisor scripts/setup-engine.sh (leaves a running engine alone)
#   3. build                      cmake, into build/ (override with MOAT_BUILD_DIR)
#   4. offline images (cached)    moat image prepare
#   5. every test                 ctest
#   6. nothing of moat's left in the engine
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${MOAT_BUILD_DIR:-$root/build}
jobs=${MOAT_JOBS:-$(nproc)}

step() { printf '\n== %s\n' "$*"; }

step "dependencies"
bash scripts/install-deps.sh

step "engine"
bash scripts/setup-engine.sh

step "build ($build)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo ${MOAT_CMAKE_ARGS:-}
cmake --build "$build" -j "$jobs"

step "images"
"$build/bin/moat" image prepare base bench dind

step "tests"
ctest --test-dir "$build" --output-on-failure -j "$jobs" ${MOAT_CTEST_ARGS:-}

step "leftovers"
bash scripts/check-leftovers.sh
