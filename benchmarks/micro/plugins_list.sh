#!/usr/bin/env bash
# How long `moat plugins list` takes, next to `docker info` on the same host.
#
#   benchmarks/micro/plugins_list.sh [MOAT_BINARY] [N]
#
# MOAT_BINARY defaults to build/bin/moat, N (runs per figure) to 20.
# Prints, as medians of N runs (milliseconds of wall time):
#   - moat plugins list, verdict cache warm (every plugin already examined),
#   - docker info (the docker CLI; skipped when docker is not usable),
#   - their ratio,
#   - moat plugins list with an empty cache (a fresh $XDG_CACHE_HOME each
#     run, so every plugin file is examined in a child process).
#
# Needs: bash >= 5 (EPOCHREALTIME: timestamps without forking a `date`),
# coreutils (sort, mktemp), and for the ratio the docker CLI with a running
# engine. It installs nothing. The user's own cache and configuration are not
# touched: the runs use temporary XDG_CACHE_HOME and XDG_CONFIG_HOME.
set -euo pipefail

moat=${1:-build/bin/moat}
runs=${2:-20}
if [[ ! -x $moat ]]; then
  echo "plugins_list.sh: $moat is not an executable (build moat first, or pass its path)" >&2
  exit 66
fi
if ((BASH_VERSINFO[0] < 5)); then
  echo "plugins_list.sh: needs bash >= 5 for EPOCHREALTIME" >&2
  exit 69
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/moat-bench-plugins-list.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
mkdir -p "$work/config" "$work/cache"
export XDG_CONFIG_HOME=$work/config
unset MOAT_PLUGIN_PATH

now_us() { local t=${EPOCHREALTIME/[.,]/}; echo "$((10#$t))"; }

# time_runs N CMD...: prints N wall times in microseconds, one a line.
time_runs() {
  local n=$1 i start end
  shift
  for ((i = 0; i < n; i++)); do
    start=$(now_us)
    "$@" >/dev/null 2>&1 || true
    end=$(now_us)
    echo "$((end - start))"
  done
}

# time_cold N: each run with a fresh, empty cache directory.
time_cold() {
  local n=$1 i start end dir
  for ((i = 0; i < n; i++)); do
    dir=$work/cold-$i
    mkdir -p "$dir"
    start=$(now_us)
    XDG_CACHE_HOME=$dir "$moat" plugins list >/dev/null 2>&1 || true
    end=$(now_us)
    echo "$((end - start))"
  done
}

# median_ms: reads microseconds, prints the median in milliseconds (3 decimals).
median_ms() {
  sort -n | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "nan"; exit }
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%.3f\n", m / 1000 }'
}
min_max_ms() {
  sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.3f..%.3f\n", lo / 1000, hi / 1000 }'
}

export XDG_CACHE_HOME=$work/cache
echo "moat:    $("$moat" version -q) ($moat)"
plugins=$("$moat" plugins list -q | wc -l)
listed=$("$moat" -o json plugins list | grep -c '"path":' || true)
echo "plugins: $listed found, $plugins usable (built-in dir and config; cache warmed by these runs)"
echo "runs:    $runs per figure; wall time, medians"
echo

warm=$(time_runs "$runs" "$moat" plugins list)
warm_median=$(median_ms <<<"$warm")
printf '%-44s %10s ms   (min..max %s)\n' "moat plugins list (cache warm)" "$warm_median" "$(min_max_ms <<<"$warm")"

docker_median=""
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  dock=$(time_runs "$runs" docker info)
  docker_median=$(median_ms <<<"$dock")
  printf '%-44s %10s ms   (min..max %s)\n' "docker info" "$docker_median" "$(min_max_ms <<<"$dock")"
  printf '%-44s %10s\n' "ratio moat / docker" "$(awk -v a="$warm_median" -v b="$docker_median" 'BEGIN { printf "%.3f", a / b }')"
else
  echo "docker info: skipped (no docker CLI or engine not reachable)"
fi

cold=$(time_cold "$runs")
printf '%-44s %10s ms   (min..max %s)\n' "moat plugins list (empty cache, first run)" "$(median_ms <<<"$cold")" \
  "$(min_max_ms <<<"$cold")"
