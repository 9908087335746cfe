#!/usr/bin/env bash
# Issue 4's figures (a) and (c): the quick profile on runc + gvisor + host.
#
#   benchmarks/micro/quick_profile.sh [MOAT_BINARY] [OUT_DIR] [RUNTIMES]
#
# MOAT_BINARY defaults to build/bin/moat, OUT_DIR to a new /var/tmp/moat-quick-*,
# RUNTIMES to runc,gvisor,host. Runs `moat bench --runtimes RUNTIMES` with the
# default (quick) profile and prints:
#   (a) the wall time of the whole run, and per runtime the boot `total` and
#       `to-ready` medians with their 95% bootstrap CI, the CI's half-width
#       relative to the median, and the n it took;
#   (c) the harness's own cost per boot sample (median of the boot `overhead`
#       metric: wall time of a sample minus the time inside service calls and
#       poll sleeps, recording included) relative to the runc boot total.
# Needs jq. Leaves the results in OUT_DIR.
set -euo pipefail

moat=${1:-build/bin/moat}
out=${2:-$(mktemp -d /var/tmp/moat-quick-XXXXXX)}
runtimes=${3:-runc,gvisor,host}
if [[ ! -x $moat ]]; then
  echo "quick_profile.sh: $moat is not an executable (build moat first, or pass its path)" >&2
  exit 66
fi
command -v jq >/dev/null || { echo "quick_profile.sh: needs jq" >&2; exit 69; }

start=$EPOCHREALTIME
"$moat" bench --runtimes "$runtimes" --out "$out" >"$out/table.txt"
end=$EPOCHREALTIME
"$moat" report "$out/results.json" --format json >"$out/analysis.json"

echo "(a) moat bench --runtimes $runtimes (quick profile): wall time $(echo "$end - $start" | bc -l | xargs printf '%.1f') s"
echo "    results: $out/results.json"
jq -r '
  .summaries[]
  | select(.scenario == "boot" and (.metric == "total" or .metric == "to-ready"))
  | select(.stats != null and .median_ci != null)
  | [.runtime, .metric, .n, .stats.median, .median_ci.lower, .median_ci.upper,
     (100 * ([.stats.median - .median_ci.lower, .median_ci.upper - .stats.median] | max) / .stats.median),
     (100 * .stats.cov)]
  | "    boot \(.[1]) \(.[0]): n=\(.[2]) median \(.[3] | . * 10 | round / 10) ms, 95% CI [\(.[4] | . * 10 | round / 10), \(.[5] | . * 10 | round / 10)], half-width \(.[6] | . * 10 | round / 10)% of the median, CoV \(.[7] | . * 10 | round / 10)%"
' "$out/analysis.json"

runc_total=$(jq -r '.summaries[] | select(.scenario=="boot" and .metric=="total" and .runtime=="runc") | .stats.median // empty' "$out/analysis.json")
jq -r --arg runc "${runc_total:-0}" '
  .summaries[]
  | select(.scenario == "boot" and .metric == "overhead" and .stats != null)
  | "(c) harness cost per boot sample on \(.runtime): median \(.stats.median | . * 1000 | round / 1000) ms (max \(.stats.max | . * 1000 | round / 1000) ms, n=\(.n))"
    + (if ($runc | tonumber) > 0 then " = \(100 * .stats.median / ($runc | tonumber) | . * 1000 | round / 1000)% of the runc boot total (\($runc | tonumber | . * 10 | round / 10) ms)" else "" end)
' "$out/analysis.json"
