#!/usr/bin/env python3
"""Replays steady-state rules on the warm-up rates recorded in bench/results/designs.jsonl (`warmupRates`).

    python3 bench/probes/warmup-rule-replay.py [designs.jsonl]

For every recorded round: where each rule would have ended the warm-up (slice count, wall seconds at 1 s per
slice) and the rate there (mean of the rule's last half) as a percentage of the round's plateau (the mean of
its last quarter of warm-up slices, at least 5). Rules: HhTt = mean of the last h points within t % of the h
before; `w`: a point per one-second slice as recorded (shared by the block's n arms), `c`: a point per n
slices pooled (a second of the core), as src/measure/sliced.ts judges since 2026-12-07. Only meaningful on
rows with a long fixed warm-up (the curve goes on past where a rule stops).
"""
import json
import statistics as st
import sys


def halves(x, h, tol):
    for n in range(2 * h, len(x) + 1):
        a = st.mean(x[n - h:n])
        b = st.mean(x[n - 2 * h:n - h])
        if b > 0 and abs(a - b) / b <= tol:
            return n
    return None


def pooled(x, n):
    return [st.mean(x[k:k + n]) for k in range(0, len(x) - n + 1, n)]


def main(path):
    rows = [json.loads(line) for line in open(path)]
    rows = [r for r in rows if any(w['rates'] for w in r.get('warmupRates') or [])]
    for r in rows:
        print(f"# {r['fixture']} {r['date']} warm-up {r['inputs'].get('warmup-duration', 'auto')}: "
              f"QPS overhead {r['qpsOverhead'] * 100:.1f} %")
        blocks = {}
        for w in r['warmupRates']:
            blocks.setdefault(w['block'], []).append(w)
        for b, ws in sorted(blocks.items()):
            n = len(ws)
            for w in ws:
                x = w['rates']
                plateau = st.mean(x[-max(5, len(x) // 4):])
                out = []
                for h, t in [(3, .03), (5, .03), (5, .02)]:
                    for unit, series, step in (('w', x, 1), ('c', pooled(x, n), n)):
                        k = halves(series, h, t)
                        at = f"{k * step}s/{st.mean(series[k - h:k]) / plateau * 100:.0f}%" if k else 'never'
                        out.append(f"H{h}t{round(t * 100)}{unit} {at}")
                print(f"  block {b} {w['arm']:<9} " + '  '.join(out))


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else 'bench/results/designs.jsonl')
