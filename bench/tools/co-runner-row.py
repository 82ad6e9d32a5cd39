#!/usr/bin/env python3
"""Append one row to bench/results/co-runners.jsonl from a CLI run's results.json (issue 11, docs/bench-notes.md
*Co-runners*): the QPS and CPU-per-request overhead of the one traced arm against `off`, with their
intervals, and each arm's 2xx per CPU-second (median over the blocks).

  python3 bench/tools/co-runner-row.py RESULTS.json --setting 'side-by-side, off + on@100 %' --processes 2 \
      --args '--sampling-rates 1' [--fixture gin]

`--fixture` names the service (rows without it are the Node fixture, fixtures/http-service).
"""
import argparse, json, os, statistics

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def comparisons_of(results):
    """results.json's comparisons by (kind, metric)."""
    return {(c['kind'], c['metric']): c for c in results['comparisons']}


def ok_per_cpu_sec(results):
    """Each arm's 2xx per CPU-second of its process tree, median over the blocks that recorded CPU."""
    per = {}
    for r in results['rounds']:
        res = r.get('resources')
        if r.get('block', -1) >= 0 and res and res['cpuSeconds']:
            per.setdefault(r['armId'], []).append(r['load']['ok'] / res['cpuSeconds'])
    return {a: round(statistics.median(v)) for a, v in per.items()}


def row_of(results, setting, processes, args, fixture):
    cs = comparisons_of(results)
    q, c = cs[('overhead', 'qps')], cs[('overhead', 'cpu')]
    row = {'date': results['createdAt'], 'setting': setting, 'processesOnCore': processes, 'args': args, 'blocks': q['n'],
           'qpsOverhead': q['overhead'], 'qpsCi': [q['ciLow'], q['ciHigh']], 'cpuOverhead': c['overhead'], 'cpuCi': [c['ciLow'], c['ciHigh']],
           'okPerCpuSec': ok_per_cpu_sec(results)}
    return {**row, 'fixture': fixture} if fixture else row


def main():
    p = argparse.ArgumentParser()
    p.add_argument('results')
    p.add_argument('--setting', required=True)
    p.add_argument('--processes', type=int, required=True, help='service processes on the shared core at once')
    p.add_argument('--args', required=True, help='the CLI arguments that differ from the base command')
    p.add_argument('--fixture', default=None)
    o = p.parse_args()
    with open(o.results) as f:
        row = row_of(json.load(f), o.setting, o.processes, o.args, o.fixture)
    with open(os.path.join(ROOT, 'bench/results/co-runners.jsonl'), 'a') as f:
        f.write(json.dumps(row) + '\n')
    print(json.dumps(row))


if __name__ == '__main__':
    main()
