import { buildArms, makePlan, ratePercent } from '../../../src/plan/plan.js'
import { mulberry32 } from '../../../src/plan/random.js'

describe('buildArms', () => {
  test('off arm then one traced arm per rate, driven by the OTel spec variables', () => {
    const arms = buildArms([0.01, 1, 0])
    expect(arms.map((a) => a.id)).toEqual(['off', 'on@0.01', 'on@1', 'on@0'])
    expect(arms[0].env).toMatchObject({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'none' })
    expect(arms[1].env).toMatchObject({
      OTEL_SDK_DISABLED: 'false',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.01'
    })
    expect(arms[2].env.OTEL_TRACES_SAMPLER).toBe('parentbased_always_on')
    expect(arms[2].env.OTEL_TRACES_SAMPLER_ARG).toBeUndefined()
    // A 0% arm pays for instrumentation but is not expected to export spans.
    expect(arms.map((a) => a.tracing)).toEqual([false, true, true, false])
    expect(arms[1].label).toBe('tracing on, 1% sampled')
  })

  test('percent labels have no float noise', () => {
    expect(ratePercent(0.001)).toBe('0.1%')
    expect(ratePercent(0.07)).toBe('7%')
    expect(ratePercent(1)).toBe('100%')
  })
})

describe('makePlan (RMIT)', () => {
  const arms = buildArms([0.01, 0.1, 1])

  test('every block runs every arm exactly once', () => {
    const plan = makePlan(arms, 10, 123)
    expect(plan.steps).toHaveLength(40)
    for (let b = 0; b < 10; b++) {
      const ids = plan.steps.filter((s) => s.block === b).map((s) => s.armId)
      expect([...ids].sort()).toEqual(arms.map((a) => a.id).sort())
    }
    expect(plan.referenceArmId).toBe('off')
  })

  test('the same seed reproduces the order; another seed changes it', () => {
    const a = makePlan(arms, 8, 7).steps.map((s) => s.armId)
    expect(makePlan(arms, 8, 7).steps.map((s) => s.armId)).toEqual(a)
    expect(makePlan(arms, 8, 8).steps.map((s) => s.armId)).not.toEqual(a)
  })

  test('orders are shuffled per block, not the same sequence repeated', () => {
    const plan = makePlan(arms, 20, 99)
    const orders = new Set<string>()
    for (let b = 0; b < 20; b++)
      orders.add(
        plan.steps
          .filter((s) => s.block === b)
          .map((s) => s.armId)
          .join(',')
      )
    expect(orders.size).toBeGreaterThan(5)
    // Each arm appears first in some block: no arm is systematically favoured by position.
    const firsts = new Set(plan.steps.filter((s) => s.order === 0).map((s) => s.armId))
    expect(firsts.size).toBe(arms.length)
  })

  test('rejects degenerate plans', () => {
    expect(() => makePlan(arms.slice(0, 1), 8, 1)).toThrow('at least 2 arms')
    expect(() => makePlan(arms, 0, 1)).toThrow('blocks must be a positive integer, got 0')
  })

  test('mulberry32 is deterministic and in [0, 1)', () => {
    const r = mulberry32(1)
    const xs = Array.from({ length: 1000 }, r)
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true)
    expect(mulberry32(1)()).toBe(xs[0])
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length
    expect(mean).toBeGreaterThan(0.45)
    expect(mean).toBeLessThan(0.55)
  })
})

describe('extra arms (issue: compare sampling strategies as arms)', () => {
  test('custom arms are traced head arms with the user env on top of tracing on', () => {
    const arms = buildArms([1], null, [
      {
        name: 'adaptive',
        env: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.05', MY_SAMPLER: 'on' }
      },
      { name: 'dark', env: { OTEL_TRACES_SAMPLER: 'always_off' } }
    ])
    expect(arms.map((a) => [a.id, a.kind, a.tracing])).toEqual([
      ['off', 'off', false],
      ['on@1', 'sampled', true],
      ['adaptive', 'custom', true],
      ['dark', 'custom', false]
    ])
    expect(arms[2].env).toMatchObject({ OTEL_SDK_DISABLED: 'false', OTEL_TRACES_SAMPLER_ARG: '0.05', MY_SAMPLER: 'on' })
  })
  test('base twins exist for off and sampled arms only', () => {
    const arms = buildArms([0.01], { tracing: true }, [{ name: 'x', env: {} }])
    expect(arms.map((a) => a.id)).toEqual(['off', 'on@0.01', 'x', 'base/off', 'base/on@0.01'])
  })
})
