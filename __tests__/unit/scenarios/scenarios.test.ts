/** Pure parts of the load scenarios: stages, rates, phase-aware comparisons, report sections. */
import {
  autoOpenLoopRate,
  closedPhaseId,
  openLoopConnections,
  phaseIds,
  pickLoad,
  runSpike,
  spikeStages,
  type SpikeStagePlan
} from '../../../src/load/scenarios.js'
import { metricValue, pairedLogRatios } from '../../../src/stats/log-ratios.js'
import { compare } from '../../../src/analysis/analyse.js'
import { compareArms } from '../../helpers/compare-arms.js'
import { parseConfig } from '../../../src/config/config.js'
import { buildArms, makePlan } from '../../../src/plan/plan.js'
import { decide } from '../../../src/analysis/analyse.js'
import { comparisonTitle } from '../../../src/analysis/reasons.js'
import { renderReport, type ReportInput } from '../../../src/report/markdown.js'
import { validateResults } from '../../../src/results/read.js'
import { RESULTS_SCHEMA, RESULTS_VERSION } from '../../../src/results/results.js'
import type { LoadResult, PhaseResult, RoundResult, SpikeResult } from '../../../src/types.js'
import { makeRound } from '../../helpers/rounds.js'

function load(qps: number, p99Us: number, extra: Partial<LoadResult> = {}): LoadResult {
  return {
    durationSec: 1,
    responses: qps,
    ok: qps,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    qps,
    errorRate: 0,
    latency: {
      count: qps,
      meanUs: p99Us / 2,
      p50Us: p99Us / 2,
      p90Us: p99Us,
      p95Us: p99Us,
      p99Us,
      p999Us: p99Us,
      maxUs: p99Us
    },
    ...extra
  }
}

function round(block: number, armId: string, qps: number, p99Us: number, phases?: PhaseResult[]): RoundResult {
  return makeRound({ block, armId, qps, p99Us, durationSec: 1, spans: armId === 'off' ? 0 : qps, phases })
}

describe('spikeStages', () => {
  test('5 up + 5 down, linearly spaced, each a tenth of the ramp', () => {
    const st = spikeStages({ peak: 20, durationSec: 4 })
    expect(st.map((s) => s.connections)).toEqual([4, 8, 12, 16, 20, 20, 16, 12, 8, 4])
    for (const s of st) expect(s.durationSec).toBeCloseTo(0.4, 10)
  })

  test("the seed's 0 → 5000 → 0 over 180 s", () => {
    const st = spikeStages({ peak: 5000, durationSec: 180 })
    expect(st.map((s) => s.connections)).toEqual([1000, 2000, 3000, 4000, 5000, 5000, 4000, 3000, 2000, 1000])
    expect(st.reduce((a, s) => a + s.durationSec, 0)).toBeCloseTo(180, 10)
  })

  test('small peaks round and never reach 0 connections', () => {
    expect(spikeStages({ peak: 1, durationSec: 10 }).map((s) => s.connections)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1])
    expect(spikeStages({ peak: 3, durationSec: 10 }).map((s) => s.connections)).toEqual([1, 1, 2, 2, 3, 3, 2, 2, 1, 1])
    expect(spikeStages({ peak: 6, durationSec: 6 }, 3).map((s) => s.connections)).toEqual([2, 4, 6, 6, 4, 2])
  })

  test('bad specs are rejected with the value', () => {
    expect(() => spikeStages({ peak: 0, durationSec: 4 })).toThrow('got 0')
    expect(() => spikeStages({ peak: 2.5, durationSec: 4 })).toThrow('got 2.5')
    expect(() => spikeStages({ peak: 5, durationSec: 0 })).toThrow('got 0')
  })
})

describe('open-loop rate and connections', () => {
  test('auto is 60% of the off QPS, whole requests/s', () => {
    expect(autoOpenLoopRate(10_000)).toBe(6000)
    expect(autoOpenLoopRate(12_345.6)).toBe(7407)
    expect(autoOpenLoopRate(1)).toBe(1)
    expect(() => autoOpenLoopRate(0)).toThrow('got 0')
    expect(() => autoOpenLoopRate(NaN)).toThrow('got NaN')
  })

  test('connection cap: Little’s law with a factor 2, at least the closed-loop level, bounded', () => {
    // 6000/s × 5 ms = 30 in flight, ×2 = 60.
    expect(openLoopConnections(6000, 50, 5000)).toBe(60)
    expect(openLoopConnections(6000, 100, 5000)).toBe(100)
    // Unknown latency: 10 ms assumed.
    expect(openLoopConnections(1000, 5)).toBe(20)
    expect(openLoopConnections(1_000_000, 5, 1_000_000)).toBe(2000)
    expect(openLoopConnections(1_000_000, 3000, 1_000_000)).toBe(3000)
    expect(() => openLoopConnections(0, 5)).toThrow('rate 0')
  })

  test('phase ids: extra levels in order, then open', () => {
    expect(phaseIds({ connectionLevels: [50], openLoopRate: null })).toEqual([])
    expect(phaseIds({ connectionLevels: [10, 50, 200], openLoopRate: null })).toEqual(['c=50', 'c=200'])
    expect(phaseIds({ connectionLevels: [10, 50], openLoopRate: 'auto' })).toEqual(['c=50', 'open'])
    expect(closedPhaseId(7)).toBe('c=7')
  })

  test('pickLoad drops the fields a richer run adds', () => {
    const rich = { ...load(10, 100), warmup: { ok: 1, durationSec: 1 }, sendLag: { p99Us: 1, maxUs: 2 } }
    expect(Object.keys(pickLoad(rich)).sort()).toEqual(Object.keys(load(10, 100)).sort())
  })
})

describe('runSpike', () => {
  const stages: SpikeStagePlan[] = spikeStages({ peak: 10, durationSec: 10 })

  test('records every stage; errors are data, not faults', async () => {
    const seen: number[] = []
    const r = await runSpike(
      'off',
      stages,
      async (st) => {
        seen.push(st.connections)
        return load(100 * st.connections, 1000, { non2xx: 3, errors: 1, timeouts: 1, errorRate: 0.05 })
      },
      () => null
    )
    expect(seen).toEqual(stages.map((s) => s.connections))
    expect(r.died).toBeUndefined()
    expect(r.stages).toHaveLength(10)
    expect(r.stages[4]).toEqual({ connections: 10, durationSec: 1, qps: 1000, p99Us: 1000, errors: 5, errorRate: 0.05 })
  })

  test('a service that dies ends the spike and says when', async () => {
    let n = 0
    const r = await runSpike(
      'on@1',
      stages,
      async () => load(100, 1000),
      () => (++n >= 3 ? 'the service exited with code 137' : null)
    )
    expect(r.stages).toHaveLength(2)
    expect(r.died).toBe('during stage 3/10 (6 connections): the service exited with code 137')
  })

  test('a load generator failure with the service alive is a fault, rethrown', async () => {
    await expect(
      runSpike(
        'off',
        stages,
        async () => {
          throw new Error('autocannon did not finish')
        },
        () => null
      )
    ).rejects.toThrow('autocannon did not finish')
  })
})

/** Blocks where on@1 costs 20% QPS in the primary phase and 10% at c=200; open-loop P99 +50%. */
function phasedRounds(blocks: number, openRate = 1000): RoundResult[] {
  const out: RoundResult[] = []
  for (let b = 0; b < blocks; b++) {
    const k = 1 + ((b % 3) - 1) * 0.01
    const phases = (qps200: number, openP99: number, openQps: number): PhaseResult[] => [
      { id: 'c=200', kind: 'closed', connections: 200, load: load(qps200 * k, 20_000) },
      {
        id: 'open',
        kind: 'open',
        connections: 60,
        rate: openRate,
        load: load(openQps, openP99 * k),
        sendLag: { p99Us: 100, maxUs: 300 }
      }
    ]
    out.push(round(b, 'off', 10_000 * k, 5000, phases(11_000, 2000, 1000)))
    out.push(
      round(b, 'on@1', 8000 * k * (b % 2 ? 1.002 : 0.998), 6000, phases(9900, 3000 * (b % 2 ? 1.01 : 0.99), 700))
    )
  }
  return out
}

describe('phase-aware metrics and comparisons', () => {
  const rounds = phasedRounds(8)

  test('metricValue reads the primary load or the named phase', () => {
    expect(metricValue(rounds[0], 'qps')).toBeCloseTo(10_000 * 0.99, 6)
    expect(metricValue(rounds[0], 'qps', 'c=200')).toBeCloseTo(11_000 * 0.99, 6)
    expect(metricValue(rounds[0], 'p99', 'open')).toBeCloseTo(2000 * 0.99, 6)
    expect(() => metricValue(rounds[0], 'qps', 'c=999')).toThrow(
      "arm 'off' block 0: no phase 'c=999' in this round (phases: 'c=200', 'open')"
    )
    expect(() => metricValue(rounds[0], 'cpu', 'open')).toThrow(
      "only measured in the primary phase, not in phase 'open'"
    )
  })

  test('pairedLogRatios per phase', () => {
    const d = pairedLogRatios(rounds, 'on@1', 'off', 'qps', 'c=200')
    expect(d).toHaveLength(8)
    for (const x of d) expect(x).toBeCloseTo(Math.log(0.9), 10)
  })

  test('a round missing a phase fails loudly instead of pairing fewer blocks', () => {
    const broken = rounds.map((r, i) => (i === 3 ? { ...r, phases: undefined } : r))
    expect(() => pairedLogRatios(broken, 'on@1', 'off', 'p99', 'open')).toThrow(
      "no phase 'open' in this round (phases: none)"
    )
  })

  test('compare with a phase tags the comparison and uses that phase', () => {
    const c = compare(rounds, 'on@1', 'off', 'p99', { confidence: 0.95, budget: 0.2, phase: 'open' })
    expect(c.phase).toBe('open')
    expect(c.overhead).toBeCloseTo(0.5, 2)
    const primary = compare(rounds, 'on@1', 'off', 'qps', { confidence: 0.95, budget: null })
    expect(primary.phase).toBeUndefined()
    expect('phase' in primary).toBe(false)
    expect(primary.overhead).toBeCloseTo(0.2, 2)
  })

  test('compareArms: extra levels reported, open-loop P99 gated for head arms only', () => {
    const config = parseConfig({
      'start-command': 'x',
      'sampling-rates': '1',
      connections: '50,200',
      'open-loop-rate': 'auto',
      'max-p99-open-overhead': '30'
    })
    const plan = makePlan(buildArms(config.samplingRates), config.rounds, 1)
    const cs = compareArms(config, plan, rounds)
    expect(cs.map((c) => `${c.armId}:${c.metric}:${c.phase ?? 'primary'}:${c.budget}`)).toEqual([
      'on@1:qps:primary:0.1',
      'on@1:p99:primary:0.2',
      'on@1:qps:c=200:null',
      'on@1:p99:c=200:null',
      'on@1:p99:open:0.3'
    ])
    const gate = decide(cs, { alpha: 0.05, onInconclusive: 'warn' })
    const open = gate.comparisons.find((c) => c.phase === 'open')!
    expect(open.decision).toBe('fail')
    expect(gate.reasons.some((r) => r.startsWith('P99 overhead of on@1 vs off (open-loop phase): 50.'))).toBe(true)
    expect(comparisonTitle(cs[2])).toBe('QPS overhead of on@1 vs off (phase c=200)')
  })

  test('compareArms: base traced arms get phase comparisons vs base/off, never gated', () => {
    const config = parseConfig({
      'start-command': 'x',
      'base-start-command': 'y',
      'base-tracing': 'true',
      'sampling-rates': '1',
      'open-loop-rate': '100',
      'max-p99-open-overhead': '30',
      rounds: '10'
    })
    const plan = makePlan(buildArms(config.samplingRates, config.base), config.rounds, 1)
    const base = phasedRounds(8).map((r) => ({ ...r, armId: `base/${r.armId}` }))
    const cs = compareArms(config, plan, [...phasedRounds(8), ...base]).filter((c) => c.phase !== undefined)
    expect(cs.map((c) => `${c.armId}>${c.referenceArmId}:${c.budget}`)).toEqual([
      'on@1>off:0.3',
      'base/on@1>base/off:null'
    ])
  })
})

const SCENARIO_INPUTS = { connections: '50,200', 'open-loop-rate': 'auto', 'max-p99-open-overhead': '30' }

function reportInput(
  rounds: RoundResult[],
  extra: Partial<ReportInput> = {},
  inputs: Record<string, string> = SCENARIO_INPUTS
): ReportInput {
  const config = parseConfig({ 'start-command': 'x', 'sampling-rates': '1', ...inputs })
  const arms = buildArms(config.samplingRates)
  const plan = makePlan(arms, config.rounds, 1)
  const gate = decide(compareArms(config, plan, rounds), { alpha: 0.05, onInconclusive: 'warn' })
  return {
    verdict: gate.verdict,
    failCheck: gate.failCheck,
    reasons: gate.reasons,
    arms,
    rounds,
    comparisons: gate.comparisons,
    referenceArmId: 'off',
    seed: 1,
    blocks: 8,
    settings: {
      connections: 50,
      connectionLevels: [50, 200],
      roundDurationSec: 5,
      warmupSec: 2,
      confidence: 0.95,
      maxQpsOverhead: 0.1,
      maxP99Overhead: 0.2,
      maxP99OpenOverhead: 0.3,
      maxErrorRate: 0.01,
      onInconclusive: 'warn',
      target: 'http://127.0.0.1:{port}/',
      serviceName: 'svc'
    },
    machine: { cpuModel: 'cpu', cores: 2, os: 'linux', node: 'v20', runner: 'local' },
    pinning: 'off',
    openLoop: {
      rate: 1000,
      source: 'auto',
      calibration: { armId: 'off', connections: 50, qps: 1667, p99Us: 9000, meanUs: 3000, fraction: 0.6 }
    },
    ...extra
  }
}

describe('report sections', () => {
  const spike: SpikeResult[] = [
    {
      armId: 'off',
      stages: spikeStages({ peak: 20, durationSec: 4 }).map((s) => ({
        connections: s.connections,
        durationSec: 0.4,
        qps: 500 * s.connections,
        p99Us: 1000 * s.connections,
        errors: 0,
        errorRate: 0
      }))
    },
    {
      armId: 'on@1',
      stages: [{ connections: 4, durationSec: 0.4, qps: 1500, p99Us: 4200, errors: 7, errorRate: 0.0123 }],
      died: 'during stage 2/10 (8 connections): Service `x` exited (code 1)\nlog line'
    }
  ]
  const md = renderReport(reportInput(phasedRounds(8), { spike }))

  test('load levels: every level of every arm with its overhead vs off', () => {
    expect(md).toContain('#### Load levels (closed loop, same boot per round)')
    expect(md).toMatch(/\| +50 \(primary\) \| tracing off +\| +10,000 \| +5\.00 \|/)
    expect(md).toMatch(/\| +200 \| tracing on, 100% sampled +\| +9,900 \| +20\.00 \| +0 \| +\+10\.0%/)
  })

  test('open loop: offered rate and calibration, closed- and open-loop P99 side by side, decision, saturation flag', () => {
    expect(md).toContain('#### Open-loop latency (constant request rate)')
    expect(md).toContain("1,000 requests/s offered to every arm: 60% of the off arm's 1,667 QPS in a calibration round")
    // off: closed-loop P99 5.00 ms, open-loop 2.00 ms; on@1 achieved 700 of 1000 → flagged.
    expect(md).toMatch(/\| tracing off +\| +1,000 \| +5\.00 \| +2\.00 \|/)
    expect(md).toMatch(
      /\| tracing on, 100% sampled \| +700 ⚠️ \| +6\.00 \| +3\.00 \| +\+50\.0% .*❌ fail \(> 30\.0% budget\)/
    )
    expect(md).toContain('⚠️ on&#64;1 served less than 90% of the offered rate')
    expect(md).toContain('no coordinated omission')
  })

  test('spike: stage × arm, labelled single run and not gated, a dead service named', () => {
    expect(md).toContain('#### Spike (single run, not gated)')
    expect(md).toMatch(/\| +2 \| +8 \| +0\.4 s \| +4,000 \/ 8\.00 \/ 0 \| +💥 service died \|/)
    expect(md).toMatch(/\| +5 \| +20 \| +0\.4 s \| +10,000 \/ 20\.00 \/ 0 \| +— \|/)
    expect(md).toMatch(/\| +1 \| +4 \| +0\.4 s \| +2,000 \/ 4\.00 \/ 0 \| +1,500 \/ 4\.20 \/ 7 \(1\.2%\) \|/)
    expect(md).toContain(
      '💥 tracing on, 100% sampled: the service died during stage 2/10 (8 connections): Service \\`x\\` exited (code 1)'
    )
    expect(md).not.toContain('log line')
  })

  test('the primary overhead table and headline ignore the extra phases', () => {
    const overheadTable = md.slice(md.indexOf('#### Overhead of tracing'), md.indexOf('#### Load levels'))
    expect(overheadTable).not.toContain('+50.0%')
    expect(md).toContain('costs **20.0% QPS**')
    expect(md).toContain('50, 200 connections (primary 50)')
    expect(md).toContain('then 5 s open loop at 1,000 requests/s')
    expect(md).toContain('open-loop P99 overhead on@1 +50.0%')
  })

  test('without scenarios none of the sections appear', () => {
    const plain = phasedRounds(8).map((r) => ({ ...r, phases: undefined }))
    const out = renderReport(reportInput(plain, { openLoop: undefined }, {}))
    expect(out).not.toContain('Load levels')
    expect(out).not.toContain('Open-loop')
    expect(out).not.toContain('Spike')
  })
})

describe('results JSON validation of the scenario fields (a fork artifact must not crash the report)', () => {
  const valid = (): Record<string, unknown> =>
    JSON.parse(
      JSON.stringify({
        schema: RESULTS_SCHEMA,
        version: RESULTS_VERSION,
        createdAt: '2026-01-01T00:00:00Z',
        machine: { cpuModel: 'cpu', cores: 2 },
        settings: { connections: 5, roundDurationSec: 1, warmupSec: 0, target: 't' },
        rounds: phasedRounds(1),
        openLoop: {
          rate: 1000,
          source: 'auto',
          calibration: { armId: 'off', connections: 5, qps: 1667, p99Us: 1, meanUs: 1, fraction: 0.6 }
        },
        spike: [
          { armId: 'off', stages: [{ connections: 4, durationSec: 0.4, qps: 10, p99Us: NaN, errors: 0, errorRate: 0 }] }
        ]
      })
    )

  test('a complete file passes, NaN quantiles (null in JSON) included', () => {
    expect(() => validateResults(valid())).not.toThrow()
    const old = valid()
    delete old.openLoop
    delete old.spike
    for (const r of old.rounds as Record<string, unknown>[]) delete r.phases
    expect(() => validateResults(old)).not.toThrow()
  })

  test.each<[string, (o: Record<string, any>) => void, string]>([
    ['phases not an array', (o) => (o.rounds[0].phases = 'x'), '\'rounds[0].phases\' must be an array, got "x"'],
    ['phase without id', (o) => delete o.rounds[0].phases[1].id, "'rounds[0].phases[1].id' must be a string"],
    [
      'phase of unknown kind',
      (o) => (o.rounds[1].phases[0].kind = 'burst'),
      "'rounds[1].phases[0].kind' must be 'closed' or 'open', got \"burst\""
    ],
    [
      'phase qps a string',
      (o) => (o.rounds[0].phases[0].load.qps = '9'),
      "'rounds[0].phases[0].load.qps' must be a number"
    ],
    ['open-loop rate zero', (o) => (o.openLoop.rate = 0), "'openLoop.rate' must be a positive number, got 0"],
    ['open-loop source', (o) => (o.openLoop.source = 'magic'), "'openLoop.source' must be 'auto' or 'input'"],
    ['spike not an array', (o) => (o.spike = {}), "'spike' must be an array, got {}"],
    [
      'spike stage qps missing',
      (o) => delete o.spike[0].stages[0].qps,
      "'spike[0].stages[0].qps' must be a number, got nothing"
    ],
    ['spike died not text', (o) => (o.spike[0].died = 3), "'spike[0].died' must be a string, got 3"]
  ])('%s', (_name, mutate, message) => {
    const o = valid()
    mutate(o)
    expect(() => validateResults(o)).toThrow(message)
  })
})
