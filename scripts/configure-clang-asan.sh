#!/usr/bin/env bash
# Configures <build-dir> for the one clang build that both the fuzz targets
# and a sanitizer test run use: AddressSanitizer + UndefinedBehaviorSanitizer
# with libFuzzer coverage (-DMOAT_FUZZ=ON), -O1 -gline-tables-only (what
# OSS-Fuzz uses: fast to compile, line numbers in every report), asserts on,
# tests included. scripts/fuzz.sh and `MOAT_SANITIZE_CC=clang
# scripts/sanitize.sh` call it with the same arguments, so .ci/run builds
# once for both. Extra arguments go to cmake.
#   configure-clang-asan.sh <build-dir> [cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: $0 <build-dir> [cmake args...]}
shift
for tool in clang clang++; do
  command -v "$tool" >/dev/null || { echo "configure-clang-asan: $tool not found; run scripts/install-deps.sh" >&2; exit 69; }
done
flags="-O1 -gline-tables-only"
CC=clang CXX=clang++ cmake -S . -B "$build" -DMOAT_FUZZ=ON -DMOAT_BUILD_TESTS=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_C_FLAGS_RELWITHDEBINFO=$flags" "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=$flags" "$@" >/dev/null
