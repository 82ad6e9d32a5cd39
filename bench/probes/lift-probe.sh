#!/bin/bash
# What the 180 s budget can decide at best (issue 24): the honesty cases of the kept-boot default with the
# bootstrap-t lift and the process-offset prior switched off one at a time. Compiles the bench into a scratch
# directory, sets BOOTSTRAP_LIFT there (the shipped rule: 10; 1 = Yuen's trimmed t alone) and runs
# `sim.js --only honesty` per setting. A probe, not a candidate rule: without the prior the boundary rates are
# not the shipped ones.
#   flock /tmp/otlp-cpu.lock bash bench/probes/lift-probe.sh [extra sim options, e.g. --boot-sec 25 --block-sec 10]
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/probes/patched-bench.sh
patched_bench lift-probe src/analysis/rule.js \
  's/^export const BOOTSTRAP_LIFT = 10;/export const BOOTSTRAP_LIFT = Number(process.env.LIFT ?? 10);/' process.env.LIFT
for lift in 10 1; do
  for prior in 0.014 0.0001; do
    printf 'lift %-2s prior %-6s ' "$lift" "$prior"
    LIFT=$lift node "$out/bench/sim.js" --only honesty --json --boot-sec 35 --block-sec 13.9 --blocks-per-boot 2 \
      --tau-true 0 --tau-prior "$prior" --reps 4000 --seed 1 "$@" 2>/dev/null |
      python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.startswith("{")]
print(" ".join("%s %.1f%%" % (r["case"], 100 * r["rate"]) for r in rows if "history" not in r["case"]))'
  done
done
