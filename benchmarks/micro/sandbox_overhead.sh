#!/usr/bin/env bash
# What moat's sandbox path costs on top of the Docker Engine (issue 3):
#
#   benchmarks/micro/sandbox_overhead.sh [BUILD_DIR] [N]
#
# BUILD_DIR defaults to build (it must hold bin/moat, the plugins and the
# sandbox_overhead program: cmake --build BUILD_DIR --target bench_sandbox_overhead
# builds them and runs this script). N, the runs per figure, defaults to 10.
# Prints, as medians of N interleaved runs after two warm-ups:
#   (a) create -> start -> exec `true` -> remove through moat's C++ API
#       (SandboxService, runc) and through a minimal raw Engine API client
#       (plain unix socket + HTTP/1.1, in sandbox_overhead.cpp), and the ratio;
#   (b) `moat sandbox create --start` + `exec -- true` + `rm` against
#       `docker run -d` + `docker exec` + `docker rm -f`, and the ratio;
#   (c) the peak RSS (ru_maxrss) of each of those moat commands.
# Nothing is asserted. Every container is labelled moat.managed=true and
# moat.run-id=bench_sandbox_overhead and removed at the end; after a kill,
# `moat gc --run-id bench_sandbox_overhead` removes what is left.
# Needs: a running Docker engine with moat/base:busybox (moat image prepare
# base) or moat-test/busybox:latest, and the docker CLI for (b).
set -euo pipefail

build=${1:-build}
runs=${2:-10}
moat=$build/bin/moat
prog=$(find "$build/benchmarks/micro" -maxdepth 1 -name sandbox_overhead -type f -perm -u+x 2>/dev/null | head -n1)
if [[ ! -x $moat || -z $prog ]]; then
  echo "sandbox_overhead.sh: build moat, the plugins and sandbox_overhead first" \
    "(cmake --build $build --target bench_sandbox_overhead)" >&2
  exit 66
fi

echo "moat:   $("$moat" version -q) ($moat)"
echo "host:   $(uname -r), $(nproc) cores; engine $(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?')"
echo
"$prog" api "$runs"
echo
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  "$prog" cli "$moat" "$runs"
else
  echo "(b), (c): skipped (no docker CLI or engine not reachable)"
fi
