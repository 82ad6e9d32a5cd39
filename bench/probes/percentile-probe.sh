#!/bin/bash
# Issue 24's open candidate: a percentile bootstrap of the 20 % trimmed mean (Wilcox's recommendation at small n)
# in place of the studentised one, inside the same lift (the rule's p = max(p_t, min(p_boot, 10·p_t))). Compiles the
# bench into a scratch directory and makes bootstrap.js count T* = −(tm* − tm)/se (the sample's se, not the
# resample's) when PERC=1: then #{T* ≥ T} = #{tm* ≤ θ0}, the percentile bootstrap's p of "trimmed mean ≤ θ0", and
# the interval follows from the same T*. A probe, not a candidate rule in src/.
#   flock /tmp/otlp-cpu.lock bash bench/probes/percentile-probe.sh [--reps N]
# Prints, per setting, (1) the shipped simulation's shapes at the default plan (looks 8, 16, 24) and (2) the
# honesty cases at the kept-boot default at Node's and Gin's measured paces (180 s, SD 2.3 %, offset 1.4 %).
set -euo pipefail
cd "$(dirname "$0")/../.."
reps=4000
[ "${1:-}" = --reps ] && reps=$2
source bench/probes/patched-bench.sh
patched_bench percentile-probe src/analysis/bootstrap.js \
  's/^\( *\)const ts = sd > 0 ? d \/ sd : d > 0 ? INF : d < 0 ? -INF : 0;/\1const ts = process.env.PERC === "1" ? -d \/ se : sd > 0 ? d \/ sd : d > 0 ? INF : d < 0 ? -INF : 0;/' \
  process.env.PERC
for perc in 0 1; do
  echo "## PERC=$perc ($([ $perc = 1 ] && echo percentile || echo 'bootstrap-t, shipped'))"
  PERC=$perc node "$out/bench/sim.js" --json --shapes normal,exp+,exp-,burst+ --k 1,4 --reps "$reps" --seed 1 2>/dev/null
  for pace in '35 13.9' '25 10'; do
    set -- $pace
    printf 'honesty boot %s s block %s s: ' "$1" "$2"
    PERC=$perc node "$out/bench/sim.js" --only honesty --json --boot-sec "$1" --block-sec "$2" --blocks-per-boot 2 \
      --reps "$reps" --seed 1 2>/dev/null |
      python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.startswith("{")]
print(" ".join("%s %.2f%%" % (r["case"], 100 * r["rate"]) for r in rows if "history" not in r["case"]))'
  done
done
