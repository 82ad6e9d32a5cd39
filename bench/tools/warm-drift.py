#!/usr/bin/env python3
"""Start-up cost left after the `auto` warm-up, read within one boot (issue 30, docs/round-designs.md).

A run of `npm run bench -- --only designs --fixtures F --rates R --designs alternating --rounds 40
--blocks-per-boot 40` keeps one process per arm for all 40 blocks: each block gives every process another
round-duration (4 s) of load after its `auto` warm-up. The first blocks are what a default run measures (a
default boot holds 2–5 blocks); the blocks that start after >= 120 s of load per process are the issue's "long
warm-up" reading. Both come from the same processes, so the comparison carries no process offset (the ~1-2 %
per process that separates two runs) and only the blocks' own noise: it is the paired form of "defaults vs a
120 s warm-up, back to back".

  python3 bench/tools/warm-drift.py [--since 2026-12-07T18:00] [--early 8] [--late-load 120]

For every designs.jsonl row with one boot of >= 20 blocks: the QPS overhead of the early blocks and of the late
ones (each the mean of the per-block log-ratios, shown as 1 - e^-x), their difference in points with a Welch 95 %
interval, and the slope of the overhead per 100 s of load over all blocks.
"""
import argparse, json, math, os, statistics

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Two-sided 97.5 % quantiles of Student's t, df 1..30 (then the normal's): no SciPy needed for a table.
T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


def t975(df):
    return T975[min(int(df), 30) - 1] if df < 30 else 1.96


def pct(x):
    """Overhead in % of an oriented log value x (QPS: positive = slower)."""
    return -math.expm1(-x) * 100


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--since', default='')
    ap.add_argument('--early', type=int, default=8, help='blocks a default run would measure (the first N)')
    ap.add_argument('--late-load', type=float, default=120, help='s of load per process before a late block')
    a = ap.parse_args()
    rows = [json.loads(l) for l in open(os.path.join(ROOT, 'bench/results/designs.jsonl'))]
    print('| fixture, rate (UTC) | warm-up (s of load) | first blocks | after >= %d s of load | difference (95 %%) |'
          ' slope per 100 s |' % a.late_load)
    print('| --- | ---: | --- | --- | ---: | ---: |')
    for r in rows:
        if r['date'] < a.since or r.get('design') != 'alternating' or not r.get('logRatios'):
            continue
        boots = r.get('bootBlocks') or []
        n = len(r['logRatios'])
        if len(boots) != 1 or n < 20:
            continue
        slice_sec = float(r['inputs'].get('round-duration', 4))
        warm = max(w for w in r['warmupSec'] if w is not None)
        x = [-d for d in r['logRatios']]  # oriented: positive = the traced arm is slower
        load = [warm + i * slice_sec for i in range(n)]  # s of load each process had before block i
        early = x[: a.early]
        late = [v for v, l in zip(x, load) if l >= a.late_load]
        if len(late) < 3:
            continue
        me, ml = statistics.mean(early), statistics.mean(late)
        ve, vl = statistics.variance(early) / len(early), statistics.variance(late) / len(late)
        se = math.sqrt(ve + vl)
        df = (ve + vl) ** 2 / (ve ** 2 / (len(early) - 1) + vl ** 2 / (len(late) - 1))
        diff = pct(me) - pct(ml)
        # The interval of the difference on the log scale, carried to points at the late level (delta method).
        k = math.exp(-ml) * 100
        half = t975(df) * se * k
        mx, ml_ = statistics.mean(load), statistics.mean(x)
        slope = sum((l - mx) * (v - ml_) for l, v in zip(load, x)) / sum((l - mx) ** 2 for l in load)
        print('| %s %s (%s) | %.0f | %.1f %% (%d blocks) | %.1f %% (%d blocks) | %+.1f (%+.1f to %+.1f) | %+.2f |' % (
            r['fixture'], r['rate'], r['date'][11:16], warm, pct(me), len(early), pct(ml), len(late), diff,
            diff - half, diff + half, slope * 100 * k))


if __name__ == '__main__':
    main()
