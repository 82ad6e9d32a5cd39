import { describe, expect, test } from '@jest/globals'
import { decide } from '../../src/gate/index.js'
import { compare, pairedTTest, signFlipTest, failHypothesis } from '../../src/stats/index.js'
import type { Comparison, MetricName, OnInconclusive } from '../../src/types.js'
import { REF } from '../stats/reference-values.js'
import { expectRel, normals, pairRounds, roundsFromLogRatios } from '../stats/helpers.js'

/** A gated comparison with plausible defaults; decide() only reads n, overhead, CI, budget, pFail, confidence. */
function mk(over: Partial<Comparison> = {}): Comparison {
  return {
    kind: 'overhead',
    paired: true,
    armId: 'on@0.01',
    referenceArmId: 'off',
    metric: 'qps',
    n: 8,
    logRatios: [0, 0, 0, 0, 0, 0, 0, 0],
    meanLogRatio: 0,
    sdLogRatio: 0.02,
    overhead: 0.01,
    ciLow: 0,
    ciHigh: 0.02,
    confidence: 0.95,
    pValue: 0.5,
    pPermutation: 0.5,
    budget: 0.05,
    pFail: 0.9,
    pFailAdjusted: null,
    decision: null,
    ...over
  }
}
const FAIL = mk({ overhead: 0.1, ciLow: 0.08, ciHigh: 0.12, pFail: 0.001 })
const PASS = mk({ overhead: 0.01, ciLow: 0, ciHigh: 0.02, pFail: 0.9 })
const INCONCLUSIVE = mk({ overhead: 0.04, ciLow: 0.02, ciHigh: 0.06, pFail: 0.3 })
const REPORTED = mk({ budget: null, pFail: null })
const opts = (onInconclusive: OnInconclusive = 'warn') => ({ alpha: 0.05, onInconclusive })

describe('decide against the SciPy reference family (reference.py, 10 comparisons, Holm)', () => {
  const comparisons = REF.gate.map((g) => {
    const ds = REF.datasets[g.dataset as keyof typeof REF.datasets]
    return compare(pairRounds(ds.ref, ds.arm), 'on@0.01', 'off', g.metric as MetricName, { confidence: 0.95, budget: 0.05 })
  })

  test('adjusted p-values, decisions and verdict', () => {
    const g = decide(comparisons, opts())
    g.comparisons.forEach((c, i) => {
      expectRel(c.pFail as number, REF.gate[i].pFail, 1e-9)
      expectRel(c.pFailAdjusted as number, REF.gate[i].pFailAdjusted, 1e-9)
      expect(c.decision).toBe(REF.gate[i].decision)
    })
    expect(g.verdict).toBe('fail')
    expect(g.failCheck).toBe(true)
    expect(g.reasons).toHaveLength(10)
    expect(g.reasons[8]).toMatch(/^QPS overhead of on@0.01 vs off: 10\.0% \(95% CI 9\.4% … 10\.5%, n=10\) > budget 5\.0% → FAIL \(Holm p=0\.010\)$/)
  })
})

describe('verdict and failCheck', () => {
  // [decisions present, verdict, failCheck for warn / fail / pass]
  test.each([
    [[PASS], 'pass', [false, false, false]],
    [[PASS, INCONCLUSIVE], 'inconclusive', [false, true, false]],
    [[INCONCLUSIVE], 'inconclusive', [false, true, false]],
    [[PASS, INCONCLUSIVE, FAIL], 'fail', [true, true, true]],
    [[FAIL, REPORTED], 'fail', [true, true, true]],
    [[REPORTED], 'pass', [false, false, false]],
    [[], 'pass', [false, false, false]]
  ] as const)('%#: verdict %p', (cs, verdict, checks) => {
    ;(['warn', 'fail', 'pass'] as const).forEach((on, k) => {
      const g = decide(cs, opts(on))
      expect(g.verdict).toBe(verdict)
      expect(g.failCheck).toBe(checks[k])
    })
  })

  test('nothing gated: pass, with a reason saying so', () => {
    const g = decide([REPORTED], opts())
    expect(g.reasons).toEqual(['No comparison is gated (no budget set): nothing to decide → PASS'])
    expect(g.comparisons[0].decision).toBeNull()
    expect(g.comparisons[0].pFailAdjusted).toBeNull()
  })

  test('returns copies in input order and leaves the input untouched', () => {
    const input = [REPORTED, INCONCLUSIVE, PASS]
    const before = JSON.stringify(input)
    const g = decide(input, opts())
    expect(JSON.stringify(input)).toBe(before)
    expect(g.comparisons.map((c) => c.decision)).toEqual([null, 'inconclusive', 'pass'])
    expect(g.comparisons[1]).not.toBe(input[1])
  })
})

describe('decision rules', () => {
  test('Holm: one p=0.02 fails alone, two p=0.02 in one family do not (0.04 > α/2)', () => {
    const c = mk({ overhead: 0.09, ciLow: 0.06, ciHigh: 0.12, pFail: 0.02 })
    expect(decide([c], opts()).comparisons[0].decision).toBe('fail')
    const g = decide([c, { ...c, metric: 'p99' }], opts())
    expect(g.comparisons.map((x) => x.pFailAdjusted)).toEqual([0.04, 0.04])
    expect(g.comparisons.map((x) => x.decision)).toEqual(['inconclusive', 'inconclusive'])
  })

  test('a gated comparison with n < 2 still counts in the Holm family, and is inconclusive', () => {
    const c = mk({ overhead: 0.09, ciLow: 0.06, ciHigh: 0.12, pFail: 0.02 })
    const lonely = mk({ n: 1, logRatios: [-0.1], ciLow: NaN, ciHigh: NaN, sdLogRatio: NaN, pFail: NaN })
    const g = decide([c, lonely], opts())
    expect(g.comparisons[0].pFailAdjusted).toBeCloseTo(0.04, 12)
    expect(g.comparisons[0].decision).toBe('inconclusive')
    expect(g.comparisons[1].pFailAdjusted).toBeNaN()
    expect(g.comparisons[1].decision).toBe('inconclusive')
  })

  test('PASS is ciHigh ≤ budget (boundary included)', () => {
    expect(decide([mk({ ciHigh: 0.05 })], opts()).verdict).toBe('pass')
    expect(decide([mk({ ciHigh: 0.0500001 })], opts()).verdict).toBe('inconclusive')
  })

  test('FAIL is pFailAdjusted ≤ α/2 (boundary included)', () => {
    const c = mk({ overhead: 0.09, ciLow: 0.06, ciHigh: 0.12 })
    expect(decide([{ ...c, pFail: 0.025 }], opts()).verdict).toBe('fail')
    expect(decide([{ ...c, pFail: 0.0251 }], opts()).verdict).toBe('inconclusive')
  })

  test('sign-flip floor: n=5 identical 20% slow-downs cannot FAIL (p ≥ 1/32 > α/2), n=6 can', () => {
    const slow = Math.log(0.8)
    const gate = (n: number) =>
      decide([compare(roundsFromLogRatios(Array(n).fill(slow)), 'on@0.01', 'off', 'qps', { confidence: 0.95, budget: 0.05 })], opts())
    expect(gate(5).verdict).toBe('inconclusive')
    expect(gate(6).verdict).toBe('fail')
  })

  test('with one comparison and confidence 1 − α, t-test FAIL ⇔ the whole CI is above the budget (criterion.rs rule)', () => {
    const rand = normals(99)
    const budget = 0.05
    const seen = { fail: 0, aboveNotFail: 0, notAbove: 0 }
    for (let k = 0; k < 300; k++) {
      const metric: MetricName = k % 2 === 0 ? 'qps' : 'p99'
      const shift = (k % 2 === 0 ? -1 : 1) * (0.02 + 0.08 * ((k % 30) / 30))
      const d = Array.from({ length: 6 + (k % 5) }, () => shift + 0.03 * rand())
      const c = compare(roundsFromLogRatios(d), 'on@0.01', 'off', metric, { confidence: 0.95, budget })
      const { mu0, alternative } = failHypothesis(metric, budget)
      const tFails = pairedTTest(c.logRatios, mu0, alternative).p <= 0.025
      const above = c.ciLow > budget
      expect(tFails).toBe(above)
      const decision = decide([c], opts()).comparisons[0].decision
      const sfFails = signFlipTest(c.logRatios, mu0, alternative) <= 0.025
      expect(decision === 'fail').toBe(above && sfFails)
      if (decision === 'fail') seen.fail++
      else if (above) seen.aboveNotFail++
      else seen.notAbove++
    }
    // Non-vacuous: all three situations occur.
    expect(seen.fail).toBeGreaterThan(10)
    expect(seen.aboveNotFail).toBeGreaterThan(0)
    expect(seen.notAbove).toBeGreaterThan(10)
  })
})

describe('reasons', () => {
  test.each([
    [
      mk({ overhead: 0.041, ciLow: 0.029, ciHigh: 0.053, budget: 0.03, pFail: 0.004 }),
      'QPS overhead of on@0.01 vs off: 4.1% (95% CI 2.9% … 5.3%, n=8) > budget 3.0% → FAIL (Holm p=0.004)'
    ],
    [
      mk({ metric: 'p99', armId: 'on@1', overhead: 0.012, ciLow: -0.00001, ciHigh: 0.031, pFail: 0.97, confidence: 0.9 }),
      'P99 overhead of on@1 vs off: 1.2% (90% CI 0.0% … 3.1%, n=8) ≤ budget 5.0% → PASS (Holm p=0.970)'
    ],
    [
      mk({ overhead: 0.04, ciLow: 0.02, ciHigh: 0.06, pFail: 0.3 }),
      'QPS overhead of on@0.01 vs off: 4.0% (95% CI 2.0% … 6.0%, n=8) vs budget 5.0% → INCONCLUSIVE (Holm p=0.300)'
    ],
    [
      mk({ overhead: 0.3, ciLow: 0.25, ciHigh: 0.35, pFail: 0.0000123, n: 12, confidence: 0.975 }),
      'QPS overhead of on@0.01 vs off: 30.0% (97.5% CI 25.0% … 35.0%, n=12) > budget 5.0% → FAIL (Holm p<0.001)'
    ],
    [
      mk({ n: 1, overhead: -0.021, ciLow: NaN, ciHigh: NaN, pFail: NaN }),
      'QPS overhead of on@0.01 vs off: -2.1% (n=1, too few blocks for a CI) vs budget 5.0% → INCONCLUSIVE'
    ],
    [
      mk({ n: 0, overhead: NaN, ciLow: NaN, ciHigh: NaN, pFail: NaN }),
      'QPS overhead of on@0.01 vs off: (no paired blocks) vs budget 5.0% → INCONCLUSIVE'
    ]
  ])('%#', (c, line) => {
    expect(decide([c], opts()).reasons).toEqual([line])
  })

  test('one line per gated comparison, none for reported ones', () => {
    expect(decide([PASS, REPORTED, FAIL], opts()).reasons).toHaveLength(2)
  })
})

describe('validation', () => {
  test.each([
    [{ alpha: 0, onInconclusive: 'warn' }, /alpha must be in \(0, 1\), got 0/],
    [{ alpha: 5, onInconclusive: 'warn' }, /alpha must be in \(0, 1\), got 5/],
    [{ alpha: 0.05, onInconclusive: 'ignore' }, /onInconclusive must be 'warn', 'fail' or 'pass', got 'ignore'/]
  ])('%p', (o, msg) => {
    expect(() => decide([PASS], o as never)).toThrow(msg)
  })

  test('a budget without pFail is an inconsistency, not a pass', () => {
    expect(() => decide([mk({ pFail: null })], opts())).toThrow(/qps of 'on@0.01' has budget 0.05 but no pFail/)
  })
})

describe('comparisons that cannot fail (cross-machine stored baseline)', () => {
  test('a would-be FAIL becomes INCONCLUSIVE and says why; PASS stays PASS', () => {
    const capped = { ...FAIL, kind: 'regression' as const, armId: 'off', referenceArmId: 'stored:off', cannotFail: 'baseline from another machine' }
    const g = decide([capped], opts())
    expect(g.comparisons[0].decision).toBe('inconclusive')
    expect(g.verdict).toBe('inconclusive')
    expect(g.reasons[0]).toContain('QPS regression of off vs stored:off')
    expect(g.reasons[0]).toContain('cannot fail: baseline from another machine')
    expect(decide([{ ...PASS, cannotFail: 'x' }], opts()).verdict).toBe('pass')
  })
})
