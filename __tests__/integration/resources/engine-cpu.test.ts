/**
 * CPU per request as a third metric: the max-cpu-overhead input, the Holm family size, the cpu
 * comparisons of compareArms, and the wiring through runEngine against the real fixture.
 */
import { expect } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { runEngine } from '../../../src/gate/engine.js'
import { compareArms } from '../../helpers/compare-arms.js'
import { ConfigError, gatedComparisonCount, parseConfig } from '../../../src/config/config.js'
import { buildArms, makePlan } from '../../../src/plan/plan.js'
import { cpuSecondsPerKiloRequest, metricValue } from '../../../src/stats/log-ratios.js'
import { compare } from '../../../src/analysis/analyse.js'
import { killAllServices } from '../../../src/service/service.js'
import type { RoundResult } from '../../../src/types.js'
import { makeRound } from '../../helpers/rounds.js'
import { FIXTURE_SERVICE_INPUTS } from '../../helpers/cli.js'

function round(block: number, armId: string, qps: number, cpuMsPerReq: number | null): RoundResult {
  const ok = qps * 5
  return makeRound({
    block,
    armId,
    qps,
    p99Us: 1000,
    resources:
      cpuMsPerReq === null
        ? undefined
        : {
            cpuSeconds: (cpuMsPerReq * ok) / 1000,
            cpuPctAvg: 99,
            cpuPctPeak: 100,
            rssAvgBytes: 1e8,
            rssPeakBytes: 1.1e8,
            samples: 26
          }
  })
}

describe("input 'max-cpu-overhead'", () => {
  test.each([
    [undefined, null],
    ['none', null],
    ['NONE', null],
    ['15', 0.15],
    ['0', 0]
  ])('%p → %p', (value, budget) => {
    expect(
      parseConfig({ 'start-command': 'x', ...(value === undefined ? {} : { 'max-cpu-overhead': value }) })
        .maxCpuOverhead
    ).toBe(budget)
  })

  test.each(['-1', 'ten', '20000'])('%p is refused, naming the input and the value', (value) => {
    expect(() => parseConfig({ 'start-command': 'x', 'max-cpu-overhead': value })).toThrow(
      new ConfigError(
        'max-cpu-overhead',
        `'max-cpu-overhead' must be a percentage from 0 to 10000 (or 'none' to report without gating), got '${value}'`
      )
    )
  })

  test('gated CPU adds one comparison per traced arm to the Holm family', () => {
    const base = { 'start-command': 'x', 'sampling-rates': '0.01,1' }
    const without = parseConfig({ ...base, rounds: '8' })
    const withCpu = parseConfig({ ...base, rounds: '8', 'max-cpu-overhead': '10' })
    expect(gatedComparisonCount(withCpu)).toBe(gatedComparisonCount(without) + 2)
  })
})

describe("metric 'cpu' = CPU-seconds per 1,000 successful requests, lower is better", () => {
  test('value of a round, and a round without CPU data is an error, not a zero', () => {
    expect(cpuSecondsPerKiloRequest(round(0, 'off', 2000, 0.25))).toBeCloseTo(0.25, 12)
    expect(metricValue(round(0, 'off', 2000, 0.25), 'cpu')).toBeCloseTo(0.25, 12)
    expect(() => metricValue(round(3, 'on@1', 2000, null), 'cpu')).toThrow(
      "arm 'on@1' block 3: no CPU/RSS data for this round"
    )
  })

  test('behaves like P99: more CPU per request with tracing is a positive overhead, failing above its budget', () => {
    const noise = [1, 1.01, 0.99, 1.004, 0.996, 1.002, 0.998, 1]
    const rounds = noise.flatMap((k, b) => [
      round(b, 'off', 10000, 0.1 * k),
      round(b, 'on@1', 8000, 0.13 * k * (b % 2 ? 1.002 : 0.998))
    ])
    const c = compare(rounds, 'on@1', 'off', 'cpu', { confidence: 0.95, budget: 0.1 })
    expect(c.overhead).toBeCloseTo(0.3, 2)
    expect(c.ciLow).toBeGreaterThan(0.29)
    expect(c.ciHigh).toBeLessThan(0.31)
    expect(c.pFail as number).toBeLessThan(0.01)
    // The same data judged against a generous budget: the one-sided p of "overhead > budget" is large.
    expect(compare(rounds, 'on@1', 'off', 'cpu', { confidence: 0.95, budget: 0.5 }).pFail as number).toBeGreaterThan(
      0.5
    )
  })
})

describe('compareArms: cpu comparisons only when every round has CPU data', () => {
  const config = parseConfig({
    'start-command': 'x',
    'base-start-command': 'y',
    'base-tracing': 'true',
    'sampling-rates': '1',
    rounds: '9',
    'max-cpu-overhead': '25'
  })
  const plan = makePlan(buildArms(config.samplingRates, config.base), config.rounds, 1)
  const rounds = (cpu: boolean): RoundResult[] =>
    Array.from({ length: config.rounds }, (_, b) => [
      round(b, 'off', 10000, cpu ? 0.1 : null),
      round(b, 'on@1', 8000, cpu ? 0.12 + b * 0.001 : null),
      round(b, 'base/off', 10000, cpu ? 0.1 : null),
      round(b, 'base/on@1', 8500, cpu ? 0.11 + b * 0.001 : null)
    ]).flat()

  test('head traced arm gated by max-cpu-overhead, base traced arm reported', () => {
    const cpu = compareArms(config, plan, rounds(true)).filter((c) => c.metric === 'cpu')
    expect(cpu.map((c) => [c.kind, c.armId, c.referenceArmId, c.budget])).toEqual([
      ['overhead', 'on@1', 'off', 0.25],
      ['overhead', 'base/on@1', 'base/off', null]
    ])
    expect(cpu[0].overhead).toBeCloseTo(0.24, 2)
  })

  test('gated but not measured: an error, never a silent pass', () => {
    expect(() => compareArms(config, plan, rounds(false))).toThrow(
      /'max-cpu-overhead' is set but CPU was not measured in every round/
    )
  })

  test('not gated and not measured: no cpu rows', () => {
    const reported = parseConfig({ 'start-command': 'x', 'sampling-rates': '1', rounds: '8' })
    const p = makePlan(buildArms(reported.samplingRates), reported.rounds, 1)
    const rs = rounds(false).filter((r) => !r.armId.startsWith('base/'))
    expect(compareArms(reported, p, rs).map((c) => c.metric)).toEqual(['qps', 'p99'])
  })
})

describe('runEngine against the fixture (tracing adds a known 300 µs of CPU per request)', () => {
  let dir: string
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'engine-cpu-'))
  })
  afterAll(async () => {
    await killAllServices()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  test('every round has CPU and RSS of the service tree; the traced arm costs more CPU per request', async () => {
    const config = parseConfig({
      ...FIXTURE_SERVICE_INPUTS,
      'sampling-rates': '1',
      rounds: '3',
      'round-duration': '1',
      'warmup-duration': '0.3',
      connections: '8',
      'max-qps-overhead': 'none',
      'max-p99-overhead': 'none',
      'cpu-pinning': 'off',
      'output-dir': dir,
      env: 'NODE_OPTIONS=\nFIXTURE_TRACING_EXTRA_CPU_US=300',
      seed: '7'
    })
    const run = await runEngine(config)
    expect(run.rounds).toHaveLength(6)
    for (const r of run.rounds) {
      expect(r.resources).toBeDefined()
      expect(r.resources?.cpuSeconds).toBeGreaterThan(0)
      expect(r.resources?.rssPeakBytes).toBeGreaterThan(30 * 2 ** 20)
      expect(r.resources?.samples).toBeGreaterThanOrEqual(4)
    }
    const cpu = run.comparisons.find((c) => c.metric === 'cpu' && c.armId === 'on@1')
    expect(cpu).toMatchObject({ kind: 'overhead', referenceArmId: 'off', budget: null, n: 3 })
    // 300 µs injected on ~70 µs of work, plus the real SDK's own cost: far more than +100%.
    expect(cpu?.overhead).toBeGreaterThan(1)
  })
})
