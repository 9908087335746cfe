#!/usr/bin/env bash
# The main job (README "Quick start"): sets up everything on a Debian 12
# machine, then probes and benchmarks every runtime available here and ends
# in a report. Results go to out/ (override with MOAT_OUT).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${MOAT_BUILD_DIR:-$root/build}
out=${MOAT_OUT:-$root/out}

step() { printf '\n== %s\n' "$*"; }

step "dependencies"
bash scripts/install-deps.sh
step "engine"
bash scripts/setup-engine.sh
step "build ($build)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=${MOAT_BUILD_TYPE:-Release} -DMOAT_BUILD_TESTS=OFF
cmake --build "$build" -j "$(nproc)"
moat="$build/bin/moat"
step "images"
"$moat" image prepare base bench dind

mkdir -p "$out"
step "runtimes"
"$moat" runtimes
step "requirements matrix (live probes)"
"$moat" matrix --json "$out/matrix.json"
step "benchmarks (quick profile; progress on stderr)"
"$moat" bench --out "$out"
step "report"
"$moat" report "$out/results.json" --format html --out "$out/report.html" --matrix "$out/matrix.json"
printf '\nDone. The report is %s (one self-contained file; open it in a browser).\n' "$out/report.html"
printf 'Raw results: %s (and %s, written as samples completed).\n' "$out/results.json" "$out/results.jsonl"
