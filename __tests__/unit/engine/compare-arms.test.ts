import { roundEnv } from '../../../src/gate/engine.js'
import { compareArms } from '../../helpers/compare-arms.js'
import { parseConfig } from '../../../src/config/config.js'
import { buildArms, makePlan } from '../../../src/plan/plan.js'
import type { RoundResult } from '../../../src/types.js'
import { makeRound } from '../../helpers/rounds.js'

function round(block: number, armId: string, qps: number, p99Us: number): RoundResult {
  return makeRound({ block, armId, qps, p99Us, durationSec: 1 })
}

describe('compareArms with a same-job base build', () => {
  const config = parseConfig({
    'start-command': 'head',
    'base-start-command': 'base',
    'base-tracing': 'true',
    'sampling-rates': '1',
    rounds: '8'
  })
  const plan = makePlan(buildArms(config.samplingRates, config.base), config.rounds, 1)
  // Per block: base off 10000, base traced 9000 (10% overhead); head off 9500 (5% regression),
  // head traced 7600 (20% overhead) → head keeps 80% vs base's 90%: overhead change 1 − 0.8/0.9 ≈ 11.1%.
  const noise = [1, 1.01, 0.99, 1.005, 0.995, 1.002, 0.998, 1]
  const rounds = noise.flatMap((k, b) => [
    round(b, 'base/off', 10000 * k, 10000),
    round(b, 'base/on@1', 9000 * k * (1 + (b % 2 ? 0.002 : -0.002)), 11000),
    round(b, 'off', 9500 * k, 10000),
    round(b, 'on@1', 7600 * k * (1 + (b % 3 ? 0.003 : -0.003)), 12000)
  ])
  const cs = compareArms(config, plan, rounds)
  const get = (kind: string, armId: string, metric: string) =>
    cs.find((c) => c.kind === kind && c.armId === armId && c.metric === metric)!

  test('arms and comparison kinds', () => {
    expect(plan.arms.map((a) => a.id)).toEqual(['off', 'on@1', 'base/off', 'base/on@1'])
    expect(plan.arms.map((a) => a.build)).toEqual(['head', 'head', 'base', 'base'])
    expect(cs.map((c) => `${c.kind}:${c.armId}>${c.referenceArmId}:${c.metric}`)).toEqual([
      'overhead:on@1>off:qps',
      'overhead:on@1>off:p99',
      'overhead:base/on@1>base/off:qps',
      'overhead:base/on@1>base/off:p99',
      'regression:off>base/off:qps',
      'regression:off>base/off:p99',
      'overhead-change:on@1>base/on@1:qps',
      'overhead-change:on@1>base/on@1:p99'
    ])
  })

  test('head overhead is gated, base overhead only reported', () => {
    expect(get('overhead', 'on@1', 'qps').budget).toBeCloseTo(0.1, 12)
    expect(get('overhead', 'base/on@1', 'qps').budget).toBeNull()
  })

  test('estimates', () => {
    expect(get('overhead', 'on@1', 'qps').overhead).toBeCloseTo(0.2, 2)
    expect(get('overhead', 'base/on@1', 'qps').overhead).toBeCloseTo(0.1, 2)
    expect(get('regression', 'off', 'qps').overhead).toBeCloseTo(0.05, 6)
    expect(get('regression', 'off', 'qps').budget).toBeCloseTo(0.05, 12)
    expect(get('overhead-change', 'on@1', 'qps').overhead).toBeCloseTo(1 - 0.8 / 0.9, 2)
    expect(get('overhead-change', 'on@1', 'p99').overhead).toBeCloseTo(12000 / 11000 - 1, 6)
  })
})

describe('roundEnv', () => {
  const config = parseConfig({ 'start-command': 'x', env: 'A=1\nOTEL_TRACES_SAMPLER=always_off' })
  const [off, on] = buildArms([0.5])
  test('the arm and the gate own the OTEL variables; INPUT_* and outer OTEL_* never leak', () => {
    const env = roundEnv(config, on, 4321, 'http://127.0.0.1:9999', {
      PATH: '/bin',
      INPUT_GITHUB_TOKEN: 'secret',
      OTEL_EXPORTER_OTLP_HEADERS: 'x=y'
    })
    expect(env).toMatchObject({
      PATH: '/bin',
      A: '1',
      PORT: '4321',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.5',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9999',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf'
    })
    expect(env.INPUT_GITHUB_TOKEN).toBeUndefined()
    expect(env.OTEL_EXPORTER_OTLP_HEADERS).toBeUndefined()
    expect(roundEnv(config, off, 1, 'e', {}).OTEL_SDK_DISABLED).toBe('true')
  })
})
