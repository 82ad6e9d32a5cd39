/**
 * renderReport for a realistic hand-built run with CPU/RSS data: the mermaid charts sit after the
 * headline and before the tables, the Resources table and the CPU/req overhead rows appear, and the
 * whole comment is pinned by a snapshot. Also: an older results file without resources still renders.
 */
import { expect } from '@jest/globals'
import { buildArms } from '../../../src/plan/plan.js'
import { compare } from '../../../src/analysis/analyse.js'
import { decide } from '../../../src/analysis/analyse.js'
import { renderReport, type ReportInput } from '../../../src/report/markdown.js'
import type { Comparison, MetricName, RoundResult } from '../../../src/types.js'

const BLOCKS = 6
/** Per-arm medians the rounds wobble around: QPS, P99 µs, CPU-s per 1k requests, RSS MiB. */
const ARMS: Record<string, { qps: number; p99: number; cpu: number; rss: number }> = {
  off: { qps: 13120, p99: 4350, cpu: 0.0721, rss: 88 },
  'on@0.01': { qps: 10450, p99: 5620, cpu: 0.0934, rss: 104 },
  'on@1': { qps: 8760, p99: 7010, cpu: 0.1162, rss: 121 }
}
/** Deterministic ±3% wobble per (block, arm). */
const WOBBLE = [0.012, -0.021, 0.028, -0.004, 0.017, -0.026, 0.009, -0.013, 0.022]

function makeRound(block: number, order: number, armId: string, withResources: boolean): RoundResult {
  const a = ARMS[armId]
  const w = 1 + WOBBLE[(block * 3 + order) % WOBBLE.length]
  const durationSec = 5
  const qps = a.qps * w
  const ok = Math.round(qps * durationSec)
  const p99 = a.p99 / w
  const round: RoundResult = {
    block,
    order,
    armId,
    startedAt: `2025-06-01T12:0${block}:${10 + order * 10}.000Z`,
    port: 40000 + block * 10 + order,
    load: {
      durationSec,
      responses: ok,
      ok,
      non2xx: 0,
      errors: 0,
      timeouts: 0,
      qps: ok / durationSec,
      errorRate: 0,
      latency: {
        count: ok,
        meanUs: p99 / 3,
        p50Us: p99 / 3.2,
        p90Us: p99 / 1.8,
        p95Us: p99 / 1.4,
        p99Us: p99,
        p999Us: p99 * 1.6,
        maxUs: p99 * 3
      }
    },
    warmup: { ok: Math.round(qps * 2), durationSec: 2 },
    otlp:
      armId === 'off'
        ? { spans: 0, requests: 0, bytes: 0, rejected: 0 }
        : {
            spans: armId === 'on@1' ? ok * 3 : Math.round(ok * 0.03),
            requests: 12,
            bytes: armId === 'on@1' ? ok * 900 : ok * 9,
            rejected: 0
          }
  }
  if (withResources) {
    // CPU per request wobbles less than QPS (the point of the metric), and independently of it.
    const wc = 1 + 0.4 * WOBBLE[(block * 3 + order + 4) % WOBBLE.length]
    round.resources = {
      cpuSeconds: (a.cpu * wc * ok) / 1000,
      cpuPctAvg: 97.5 * w,
      cpuPctPeak: 100.4,
      rssAvgBytes: a.rss * 2 ** 20 * w,
      rssPeakBytes: (a.rss + 6) * 2 ** 20,
      samples: 26
    }
  }
  return round
}

function makeInput(withResources: boolean): ReportInput {
  const arms = buildArms([0.01, 1])
  const orders = [
    ['off', 'on@0.01', 'on@1'],
    ['on@1', 'off', 'on@0.01'],
    ['on@0.01', 'on@1', 'off']
  ]
  const rounds = Array.from({ length: BLOCKS }, (_, b) =>
    orders[b % 3].map((id, o) => makeRound(b, o, id, withResources))
  ).flat()
  const comparisons: Comparison[] = []
  const metrics: MetricName[] = withResources ? ['qps', 'p99', 'cpu'] : ['qps', 'p99']
  for (const armId of ['on@0.01', 'on@1']) {
    for (const metric of metrics) {
      const budget = metric === 'qps' ? 0.25 : metric === 'p99' ? 0.5 : null
      comparisons.push(compare(rounds, armId, 'off', metric, { confidence: 0.95, budget, kind: 'overhead' }))
    }
  }
  const gate = decide(comparisons, { alpha: 0.05, onInconclusive: 'warn' })
  return {
    verdict: gate.verdict,
    failCheck: gate.failCheck,
    reasons: gate.reasons,
    arms,
    rounds,
    comparisons: gate.comparisons,
    referenceArmId: 'off',
    seed: 1234567,
    blocks: BLOCKS,
    settings: {
      connections: 50,
      roundDurationSec: 5,
      warmupSec: 2,
      confidence: 0.95,
      maxQpsOverhead: 0.25,
      maxP99Overhead: 0.5,
      ...(withResources ? { maxCpuOverhead: null } : {}),
      maxErrorRate: 0.01,
      onInconclusive: 'warn',
      target: 'http://127.0.0.1:{port}/api/v1/users/42',
      serviceName: 'checkout'
    },
    machine: {
      cpuModel: 'AMD EPYC 7763 64-Core Processor',
      cores: 2,
      os: 'linux 6.8.0',
      node: 'v20.20.2',
      runner: 'github-hosted'
    },
    pinning: 'service on CPU 0, load generator on CPU 1 (taskset)',
    wallSec: 131.4,
    measuredSec: 90,
    provenance: {
      headSha: '0123456789abcdef0123',
      ref: 'feature/faster',
      baseSha: 'fedcba9876543210fedc',
      baseRef: 'main'
    },
    baseline: { source: 'none', status: 'not-configured' }
  }
}

describe('renderReport with CPU and memory of the process tree', () => {
  const md = renderReport(makeInput(true))

  test('snapshot of the whole comment', () => {
    expect(md).toMatchSnapshot()
  })

  test('charts come after the headline and before the first table; every fence is closed', () => {
    const headline = md.indexOf('- Tracing at 1% costs')
    const firstChart = md.indexOf('```mermaid')
    const firstTable = md.indexOf('#### Arms')
    expect(headline).toBeGreaterThan(0)
    expect(firstChart).toBeGreaterThan(headline)
    expect(firstTable).toBeGreaterThan(firstChart)
    const charts = [...md.matchAll(/```mermaid\n([\s\S]*?)\n```/g)]
    expect(charts).toHaveLength(3)
    expect((md.match(/^```/gm) ?? []).length).toBe(6)
    expect(charts.map((m) => /^\s+title "(.*)"$/m.exec(m[1])?.[1])).toEqual([
      'QPS, median per arm (higher is better)',
      'P99 latency, median per arm (lower is better)',
      'CPU-seconds per 1,000 requests (lower is better)'
    ])
  })

  test('Resources table per arm, with the CPU/req overhead of tracing', () => {
    const section = md.slice(md.indexOf('#### Resources'), md.indexOf('#### ', md.indexOf('#### Resources') + 5))
    expect(section).toContain('| Arm')
    expect(section).toMatch(/\| tracing off +\| +0\.07\d \| +\|/)
    // on@1 uses ~61% more CPU per request than off in the input.
    expect(section).toMatch(/\| tracing on, 100% sampled +\| +0\.11\d \| +\+6\d\.\d% \|/)
    expect(section).toMatch(/RSS avg MiB/)
  })

  test('overhead table has CPU/req rows (reported, not gated) and the settings say so', () => {
    // '@' is written as &#64; (escapeMarkdown: no @mentions from arm names).
    expect(md).toMatch(/\| on(@|&#64;)0\.01 +\| CPU\/req +\| +\+\d+\.\d%/)
    expect(md).toMatch(/\| on(@|&#64;)1 +\| CPU\/req .*\| reported +\|/)
    expect(md).toContain('CPU/req not gated')
    expect(md).toMatch(/per-block noise of the CPU\/req log-ratio: SD ≈ \d+\.\d%/)
  })
})

test('a run without CPU data (older results, or no /proc) renders without the Resources section', () => {
  const md = renderReport(makeInput(false))
  expect(md).not.toContain('#### Resources')
  expect(md).not.toContain('CPU/req')
  expect([...md.matchAll(/```mermaid\n/g)]).toHaveLength(2)
  expect(md).toMatch(/budgets: QPS 25\.0%, P99 50\.0%, errors/)
})
