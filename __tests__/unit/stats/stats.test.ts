import { describe, expect, test } from '@jest/globals'
import {
  meanSd,
  pairedLogRatios,
  pairedTTest,
  signFlipTest,
  tCdf,
  tInterval,
  tQuantile
} from '../../../src/stats/index.js'
import { compare, decide } from '../../../src/analysis/analyse.js'
import type { MetricName } from '../../../src/types.js'
import { REF } from './reference-values.js'
import { expectRel, normals, pairRounds, round, roundsFromLogRatios } from './helpers.js'

const BUDGET = 0.05
/**
 * Agreement with SciPy of everything that goes through the t distribution (jStat): its incomplete
 * beta stops the continued fraction at a 3e-7 step, which leaves up to ~1e-9 relative error (SciPy's
 * own 1e-9 check held with @stdlib) — far below any budget or alpha the gate decides on.
 */
const T_REL = 2e-9
const T_DIGITS = 10
const names = Object.keys(REF.datasets) as (keyof typeof REF.datasets)[]

describe('t distribution wrappers (vs scipy.stats.t)', () => {
  test.each(REF.tDist.quantile.map((r) => [...r]))('tQuantile(%p, %p) = %p', (p, df, q) => {
    expectRel(tQuantile(p, df), q, T_REL)
  })
  test.each(REF.tDist.cdf.map((r) => [...r]))('tCdf(%p, %p) = %p', (x, df, c) => {
    expectRel(tCdf(x, df), c, T_REL)
  })
})

describe.each(names)('reference dataset %s (SciPy / itertools, see reference.py)', (name) => {
  const ds = REF.datasets[name]
  const rounds = pairRounds(ds.ref, ds.arm)
  const d = pairedLogRatios(rounds, 'on@0.01', 'off', 'qps')
  const muQ = Math.log(1 - BUDGET)
  const muP = Math.log(1 + BUDGET)

  test('log-ratios, mean and sd', () => {
    expect(d).toHaveLength(ds.n)
    d.forEach((x, i) => expectRel(x, ds.d[i], 1e-12))
    expect(pairedLogRatios(rounds, 'on@0.01', 'off', 'p99')).toEqual(d)
    const { mean, sd } = meanSd(d)
    expectRel(mean, ds.mean, 1e-12)
    expectRel(sd, ds.sd, 1e-10)
  })

  test('paired t-test (ttest_1samp) for every alternative and threshold', () => {
    const two = pairedTTest(d, 0, 'two-sided')
    expectRel(two.t, ds.t0.t, 1e-9)
    expectRel(two.p, ds.t0.p, T_REL)
    expect(two.df).toBe(ds.n - 1)
    expectRel(pairedTTest(d, 0, 'greater').p, ds.t0Greater, T_REL)
    expectRel(pairedTTest(d, 0, 'less').p, ds.t0Less, T_REL)
    const q = pairedTTest(d, muQ, 'less')
    expectRel(q.t, ds.tQpsFail.t, 1e-9)
    expectRel(q.p, ds.tQpsFail.p, T_REL)
    const p = pairedTTest(d, muP, 'greater')
    expectRel(p.t, ds.tP99Fail.t, 1e-9)
    expectRel(p.p, ds.tP99Fail.p, T_REL)
  })

  test('t-intervals at 95% and 90%', () => {
    const [lo95, hi95] = tInterval(d, 0.95)
    expect(lo95).toBeCloseTo(ds.ci95[0], T_DIGITS)
    expect(hi95).toBeCloseTo(ds.ci95[1], T_DIGITS)
    const [lo90, hi90] = tInterval(d, 0.9)
    expect(lo90).toBeCloseTo(ds.ci90[0], T_DIGITS)
    expect(hi90).toBeCloseTo(ds.ci90[1], T_DIGITS)
  })

  test('exact sign-flip p-values (k / 2^n, so compared exactly)', () => {
    expect(signFlipTest(d, 0, 'two-sided')).toBe(ds.sf0)
    expect(signFlipTest(d, 0, 'greater')).toBe(ds.sf0Greater)
    expect(signFlipTest(d, 0, 'less')).toBe(ds.sf0Less)
    expect(signFlipTest(d, muQ, 'less')).toBe(ds.sfQpsFail)
    expect(signFlipTest(d, muP, 'greater')).toBe(ds.sfP99Fail)
  })
})

describe('sign-flip test', () => {
  test('Monte Carlo above n=20 agrees with the exact p (n=21, brute force in reference.py) and is deterministic', () => {
    const d = [...REF.n21.d]
    const p = signFlipTest(d, 0, 'two-sided')
    expect(Math.abs(p - REF.n21.sfTwoSided)).toBeLessThan(0.005)
    expect(signFlipTest(d, 0, 'two-sided')).toBe(p)
    // A pattern count of 1 in 100001 is the floor, never 0.
    expect(
      signFlipTest(
        d.map(() => 0.5),
        0,
        'greater'
      )
    ).toBeCloseTo(1 / 100_001, 12)
  })

  test('p includes the observed pattern: floors 1/2^n one-sided, 2/2^n two-sided', () => {
    const d = [0.01, 0.02, 0.03, 0.04, 0.05]
    expect(signFlipTest(d, 0, 'greater')).toBe(1 / 32)
    expect(signFlipTest(d, 0, 'two-sided')).toBe(2 / 32)
    expect(signFlipTest(d, 0, 'less')).toBe(1)
  })

  test('ties count as extreme (conservative): equal magnitudes', () => {
    // Patterns with sum ≥ 0.03 over |e| = {0.01, 0.01, 0.01}: +++ only… and sums are multiples of 0.01.
    expect(signFlipTest([0.01, 0.01, 0.01], 0, 'greater')).toBe(1 / 8)
    // e = {0.1, −0.1}: sums {0, 0.2, −0.2, 0}; observed 0 → ≥ 0 holds for 3 of 4.
    expect(signFlipTest([0.1, -0.1], 0, 'greater')).toBe(3 / 4)
    expect(signFlipTest([0, 0, 0], 0, 'two-sided')).toBe(1)
  })

  test('empty input gives NaN; non-finite input throws', () => {
    expect(signFlipTest([], 0, 'two-sided')).toBeNaN()
    expect(() => signFlipTest([0.1, NaN], 0, 'less')).toThrow(/d\[1\] must be finite, got NaN/)
    expect(() => signFlipTest([0.1], -Infinity, 'less')).toThrow(/mu0 must be finite/)
  })
})

describe('degenerate cases', () => {
  test('n < 2: NaN CI and p, comparison carries NaN and the gate says inconclusive', () => {
    expect(tInterval([0.1], 0.95)).toEqual([NaN, NaN])
    expect(pairedTTest([0.1], 0, 'two-sided').p).toBeNaN()
    expect(pairedTTest([], 0, 'two-sided').p).toBeNaN()
    const unpaired = [round(0, 'off', 100), round(1, 'on@0.01', 90)]
    for (const [rounds, n] of [
      [roundsFromLogRatios([-0.2]), 1],
      [unpaired, 0]
    ] as const) {
      const c = compare(rounds, 'on@0.01', 'off', 'qps', { confidence: 0.95, budget: 0.05 })
      expect(c.n).toBe(n)
      expect(c.ciLow).toBeNaN()
      expect(c.ciHigh).toBeNaN()
      expect(c.sdLogRatio).toBeNaN()
      expect(c.pValue).toBeNaN()
      const g = decide([c], { alpha: 0.05, onInconclusive: 'warn' })
      expect(g.comparisons[0].decision).toBe('inconclusive')
      expect(g.verdict).toBe('inconclusive')
    }
  })

  test.each([
    // [d value, mu0, alternative, expected p]
    [0.02, 0, 'two-sided', 0],
    [0.02, 0.02, 'two-sided', 1],
    [0.02, 0, 'greater', 0],
    [0.02, 0, 'less', 1],
    [-0.02, 0, 'less', 0],
    [-0.02, 0, 'greater', 1],
    [0.02, 0.02, 'greater', 1],
    [0.02, 0.02, 'less', 1]
  ] as const)('sd = 0: all d = %p, mu0 = %p, %s → p = %p', (x, mu0, alt, p) => {
    const d = [x, x, x, x]
    const r = pairedTTest(d, mu0, alt)
    expect(r.sd).toBe(0)
    expect(r.p).toBe(p)
    expect(tInterval(d, 0.95)).toEqual([x, x])
  })

  test('sd = 0 in compare(): the sign test decides, through the levels — no shortcut from a few identical blocks', () => {
    const at = (d: number[]) =>
      compare(roundsFromLogRatios(d), 'on@0.01', 'off', 'qps', { confidence: 0.95, budget: 0.05 })
    // 3 identical blocks: 2^-3 = 0.125 bounds nothing at 95 %; 6 (2^-6 = 0.016 ≤ 0.025) collapse onto the point.
    const three = at([-0.2, -0.2, -0.2])
    expect(three.sdLogRatio).toBeCloseTo(0, 12)
    // On the QPS overhead scale the unbounded ends are −∞ and 100 % (1 − e^−∞).
    expect([three.ciLow, three.ciHigh]).toEqual([-Infinity, 1])
    const six = at(Array(6).fill(-0.2))
    expect(six.ciLow).toBeCloseTo(six.overhead, 12)
    expect(six.ciHigh).toBeCloseTo(six.overhead, 12)
    const atBudget = Math.log(1 - 0.05)
    const decided = (d: number[]) =>
      decide([at(d)], {
        alpha: 0.05,
        onInconclusive: 'warn'
      }).comparisons[0].decision
    expect(decided(Array(4).fill(atBudget))).toBe('inconclusive') // 2^-4 = 0.0625 > 0.025
    expect(decided(Array(6).fill(atBudget))).toBe('pass') // at the budget counts as within
    expect(decided(Array(3).fill(-0.2))).toBe('inconclusive') // was FAIL from 3 blocks before issue #24
    expect(decided(Array(6).fill(-0.2))).toBe('fail')
    expect(decided([0, 0])).toBe('inconclusive')
  })
})

describe('pairedLogRatios', () => {
  test('pairs by block, skips unpaired blocks and other arms, sorts by block', () => {
    const rounds = [
      round(2, 'off', 100),
      round(2, 'on', 50),
      round(0, 'on', 200),
      round(0, 'off', 100),
      round(0, 'on@1', 1),
      round(1, 'off', 100), // no 'on' round in block 1
      round(3, 'on', 300) // no 'off' round in block 3
    ]
    const d = pairedLogRatios(rounds, 'on', 'off', 'qps')
    expect(d).toHaveLength(2)
    expect(d[0]).toBeCloseTo(Math.log(2), 14)
    expect(d[1]).toBeCloseTo(Math.log(0.5), 14)
  })

  test.each([
    ['qps', 0, /arm 'on' block 1: qps must be a positive finite number, got 0/],
    ['qps', -5, /arm 'on' block 1: qps must be a positive finite number, got -5/],
    ['qps', NaN, /arm 'on' block 1: qps must be a positive finite number, got NaN/],
    ['p99', Infinity, /arm 'on' block 1: p99 must be a positive finite number, got Infinity/],
    ['p99', 0, /arm 'on' block 1: p99 must be a positive finite number, got 0/]
  ] as const)('%s = %p is an error, not a ratio', (metric, bad, msg) => {
    const rounds = [round(0, 'off', 100), round(0, 'on', 90), round(1, 'off', 100), round(1, 'on', bad)]
    expect(() => pairedLogRatios(rounds, 'on', 'off', metric)).toThrow(msg)
    expect(() => compare(rounds, 'on', 'off', metric, { confidence: 0.95, budget: null })).toThrow(msg)
  })

  test('a bad reference round is named too, and duplicate rounds in a block are rejected', () => {
    expect(() => pairedLogRatios([round(4, 'off', 0), round(4, 'on', 1)], 'on', 'off', 'qps')).toThrow(
      /arm 'off' block 4: qps/
    )
    expect(() =>
      pairedLogRatios([round(0, 'off', 1), round(0, 'on', 1), round(0, 'on', 2)], 'on', 'off', 'qps')
    ).toThrow(/arm 'on' has more than one round in block 0/)
    expect(() => pairedLogRatios([], 'off', 'off', 'qps')).toThrow(/with itself/)
    expect(() => pairedLogRatios([round(0, 'off', 1), round(0, 'on', 1)], 'on@1', 'off', 'qps')).toThrow(
      "no rounds for arm 'on@1' (arms with rounds: 'off', 'on')"
    )
    expect(() => pairedLogRatios([], 'on', 'off', 'qps')).toThrow("no rounds for arm 'on' (arms with rounds: none)")
  })
})

describe('compare: direction and CI mapping', () => {
  // [description, metric, arm / ref ratio per block, sign of the overhead]
  test.each([
    ['traced arm serves fewer requests', 'qps', 0.9, 1],
    ['traced arm serves more requests', 'qps', 1.1, -1],
    ['traced arm has a higher P99', 'p99', 1.1, 1],
    ['traced arm has a lower P99', 'p99', 0.9, -1]
  ] as const)('%s (%s, ratio %p) → overhead sign %p', (_, metric, ratio, sign) => {
    const noise = [1, 1.01, 0.99, 1.02, 0.98, 1]
    const rounds = pairRounds(
      noise.map(() => 1000),
      noise.map((z) => 1000 * ratio * z)
    )
    const c = compare(rounds, 'on@0.01', 'off', metric, { confidence: 0.95, budget: null })
    expect(Math.sign(c.overhead)).toBe(sign)
    expect(Math.abs(c.overhead)).toBeGreaterThan(0.05)
    expect(c.ciLow).toBeLessThan(c.overhead)
    expect(c.overhead).toBeLessThan(c.ciHigh)
    expect(c.pFail).toBeNull()
  })

  test.each(['qps', 'p99'] as MetricName[])(
    '%s: ciLow < overhead < ciHigh and higher confidence nests wider',
    (metric) => {
      const rand = normals(11)
      for (let k = 0; k < 40; k++) {
        const d = Array.from({ length: 6 }, () => 0.05 * rand() - 0.03)
        const rounds = roundsFromLogRatios(d)
        const c80 = compare(rounds, 'on@0.01', 'off', metric, { confidence: 0.8, budget: null })
        const c95 = compare(rounds, 'on@0.01', 'off', metric, { confidence: 0.95, budget: null })
        const c99 = compare(rounds, 'on@0.01', 'off', metric, { confidence: 0.99, budget: null })
        expect(c80.ciLow).toBeLessThan(c80.overhead)
        expect(c80.overhead).toBeLessThan(c80.ciHigh)
        expect(c95.ciLow).toBeLessThan(c80.ciLow)
        expect(c99.ciLow).toBeLessThan(c95.ciLow)
        expect(c95.ciHigh).toBeGreaterThan(c80.ciHigh)
        expect(c99.ciHigh).toBeGreaterThan(c95.ciHigh)
      }
    }
  )

  test('option validation names the bad value', () => {
    const rounds = roundsFromLogRatios([0.01, 0.02])
    expect(() => compare(rounds, 'on@0.01', 'off', 'qps', { confidence: 95, budget: null })).toThrow(
      /confidence must be in \(0, 1\), got 95/
    )
    expect(() => compare(rounds, 'on@0.01', 'off', 'qps', { confidence: 0.95, budget: 1 })).toThrow(
      /budget of a higher-is-better metric must be a fraction in \[0, 1\), got 1/
    )
    expect(() => compare(rounds, 'on@0.01', 'off', 'p99', { confidence: 0.95, budget: -0.1 })).toThrow(/got -0.1/)
    expect(compare(rounds, 'on@0.01', 'off', 'p99', { confidence: 0.95, budget: 2 }).budget).toBe(2)
  })
})
