#!/usr/bin/env bash
# Runs clang-tidy with the checked-in .clang-tidy over moat's own sources
# (sdk, core, plugins, benchmarks, cli, tests) and fails on any warning
# (.clang-tidy makes every warning an error).
#   MOAT_TIDY_BUILD_DIR  a build dir configured with clang whose
#                        compile_commands.json is used (default build-tidy;
#                        configured here, nothing is compiled: a g++ build's
#                        commands carry flags clang does not know)
#   MOAT_TIDY_FILES      regex of files to check (default: all of the above)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${MOAT_TIDY_BUILD_DIR:-$root/build-tidy}
jobs=${MOAT_JOBS:-$(nproc)}
files=${MOAT_TIDY_FILES:-"^$root/(sdk|core|plugins|benchmarks|cli|tests)/"}

command -v clang-tidy >/dev/null || { echo "tidy: clang-tidy not found; run scripts/install-deps.sh" >&2; exit 69; }
# Configured every time (a few seconds) so new files are in the database.
CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMOAT_PCH=OFF >/dev/null

if command -v run-clang-tidy >/dev/null; then
  set +e
  run-clang-tidy -quiet -p "$build" -j "$jobs" "$files" 2>&1 | grep -v '^[0-9]* warnings\? generated\.$'
  status=${PIPESTATUS[0]}
  exit "$status"
fi
# Without run-clang-tidy: the same over xargs.
python3 -c 'import json,sys,re; [print(e["file"]) for e in json.load(open(sys.argv[1])) if re.search(sys.argv[2], e["file"])]' \
  "$build/compile_commands.json" "$files" | sort -u | xargs -r -P "$jobs" -n 4 clang-tidy --quiet -p "$build"
