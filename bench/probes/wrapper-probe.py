#!/usr/bin/env python3
"""Probe (issue 11): does a scheduling or memory-layout wrapper around the services change the
co-runner bias or the odd blocks? Not part of the test suite; appends to bench/results/wrappers.jsonl.

Runs the CLI (dist/, `npm run build` first) on fixtures/http-service side by side, every service
started as `<launcher> --import ./tracing.mjs server.mjs`, and records per run:
  shape aa   (default): off, on@1 % and the base build's off (the same build), 12 blocks, as a default
             noise run: A/A QPS SD and robust SD, blocks more than 3 % from the median, QPS overhead;
  shape pair: off and on@1 % alone, 6 blocks, as docs/bench-notes.md "Co-runners": QPS overhead, 2xx per CPU-s.

  python3 bench/probes/wrapper-probe.py [--shape aa|pair] [--tag T] [--launcher 'chrt -b 0 node'] [-- extra CLI args]
  python3 bench/probes/wrapper-probe.py --import DIR --tag T --launcher L [--shape ...]   # a run made by hand

The launcher replaces `node` in the start command (default `node`).
  python3 bench/probes/wrapper-probe.py --exec-slice MS cmd args...   # the slice wrapper itself (see below)

Launchers tried 2026-11-30 (docs/bench-notes.md, *Co-runners*): `chrt -b 0 node` (SCHED_BATCH: no wake-up
preemption), `setarch -R node --random-seed=1 --hash-seed=1` (no ASLR, fixed V8 address hints and hash
seed: every process laid out alike), and `python3 ../../bench/wrapper-probe.py --exec-slice 20 node` (an EEVDF
slice of 20 ms instead of the kernel's default, via sched_setattr with sched_runtime on SCHED_OTHER,
Linux ≥ 6.12, x86_64; inherited by the service's threads and children).
"""
import ctypes, importlib.util, json, os, platform, statistics, struct, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The comparisons and per-CPU throughput are read as bench/tools/co-runner-row.py reads them.
_spec = importlib.util.spec_from_file_location('co_runner_row', os.path.join(ROOT, 'bench/tools/co-runner-row.py'))
co_runner_row = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(co_runner_row)
OUT = os.path.join(ROOT, 'bench/results/wrappers.jsonl')
FIXTURE = os.path.join(ROOT, 'fixtures/http-service')


def exec_slice(ms, argv):
    """Set this process's fair-class slice to `ms` (sched_setattr, SCHED_OTHER) and exec argv."""
    if platform.machine() != 'x86_64':
        sys.exit('--exec-slice: sched_setattr syscall number known for x86_64 only')
    libc = ctypes.CDLL(None, use_errno=True)
    attr = ctypes.create_string_buffer(struct.pack('IIQiIQQQII', 56, 0, 0, 0, 0, int(ms * 1e6), 0, 0, 0, 0), 56)
    if libc.syscall(314, 0, attr, 0) != 0:
        sys.exit(f'--exec-slice: sched_setattr failed: {os.strerror(ctypes.get_errno())}')
    os.execvp(argv[0], argv)


def cli_args(shape, launcher, out_dir, extra):
    start = f'{launcher} --import ./tracing.mjs server.mjs'
    args = ['node', os.path.join(ROOT, 'bin/otlp-perf-gate.js'), '--start-command', start,
            '--target-url', 'http://127.0.0.1:{port}/api/v1/users/42', '--ready-url', 'http://127.0.0.1:{port}/healthz',
            '--sampling-rates', '0.01', '--max-qps-overhead', 'none', '--max-p99-overhead', 'none',
            '--json', '--output-dir', out_dir]
    if shape == 'aa':
        args += ['--base-start-command', start, '--base-working-directory', '.', '--rounds', '12', '--max-rounds', '12',
                 '--time-budget', '600', '--max-qps-regression', 'none', '--max-p99-regression', 'none']
    else:
        args += ['--rounds', '6', '--max-rounds', '6']
    return args + extra


def row_of(results, shape, tag, launcher, extra):
    cs = co_runner_row.comparisons_of(results)
    ov = cs[('overhead', 'qps')]
    row = {'date': results['createdAt'], 'tag': tag, 'launcher': launcher, 'shape': shape, 'extraArgs': ' '.join(extra), 'blocks': ov['n'],
           'qpsOverhead': ov['overhead'], 'overheadSd': ov['sdLogRatio']}
    if shape == 'aa':
        lr = cs[('regression', 'qps')]['logRatios']
        med = statistics.median(lr)
        row.update(aaSd=statistics.stdev(lr), aaRobustSd=1.4826 * statistics.median(abs(x - med) for x in lr),
                   oddBlocks=sum(1 for x in lr if abs(x - med) > 0.03))
    else:
        row['okPerCpuSec'] = co_runner_row.ok_per_cpu_sec(results)
    return row


def main(argv):
    if argv[:1] == ['--exec-slice']:
        return exec_slice(float(argv[1]), argv[2:])
    extra = argv[argv.index('--') + 1:] if '--' in argv else []
    own = argv[:argv.index('--')] if '--' in argv else argv
    opt = lambda name, d=None: own[own.index(name) + 1] if name in own else d
    shape, launcher = opt('--shape', 'aa'), opt('--launcher', 'node')
    tag = opt('--tag', launcher.split(' ')[0])
    out_dir = opt('--import') or tempfile.mkdtemp(prefix='wrapper-probe-')
    if not opt('--import'):
        with open(os.path.join(out_dir, 'results.json'), 'w') as out, open(os.path.join(out_dir, 'stderr.txt'), 'w') as err:
            rc = subprocess.run(cli_args(shape, launcher, out_dir, extra), cwd=FIXTURE, stdout=out, stderr=err, timeout=900).returncode
        if rc != 0:
            sys.exit(f'the CLI exited with {rc}; see {out_dir}/stderr.txt')
    with open(os.path.join(out_dir, 'results.json')) as f:
        row = row_of(json.load(f), shape, tag, launcher, extra)
    with open(OUT, 'a') as f:
        f.write(json.dumps(row) + '\n')
    print(json.dumps(row))


if __name__ == '__main__':
    main(sys.argv[1:])
