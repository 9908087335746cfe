#!/usr/bin/env bash
# `moat serve`'s numbers (issue 13): benchmarks/micro/serve.sh [BUILD_DIR] [ROUNDS]
# Starts a private `moat serve` (tests/serve/with-server.sh) and runs
# serve_bench.py against it and its baselines in one process; see there for
# what each figure is. Needs the docker CLI, python3-websockets and a
# prepared moat/base:busybox. Nothing is asserted.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
rounds=${2:-10}
[[ -x $build/bin/moat ]] || { echo "serve.sh: build moat first ($build/bin/moat)" >&2; exit 66; }
exec bash "$here/../../tests/serve/with-server.sh" "$build/bin/moat" -- /usr/bin/python3 -u "$here/serve_bench.py" "$rounds"
