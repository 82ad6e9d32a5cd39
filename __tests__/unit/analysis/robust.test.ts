// p-values and t quantiles to 1e-8: the t distribution (src/stats/distributions.ts, jStat) is accurate to ~1e-9.
import { trimmedLocation } from '../../../src/analysis/robust.js'
import { analyseComparison, BOOTSTRAP_LIFT, logThreshold, trimmedPValues } from '../../../src/analysis/rule.js'
import { REF } from './reference-values.js'

const samples = REF.samples as unknown as Record<string, number[]>

describe("Yuen's trimmed location matches SciPy", () => {
  for (const name of Object.keys(samples)) {
    test(name, () => {
      const ref = REF.yuen[name as keyof typeof REF.yuen]
      const loc = trimmedLocation(samples[name])
      expect(loc.g).toBe(ref.g)
      expect(loc.df).toBe(ref.df)
      expect(loc.estimate).toBeCloseTo(ref.estimate, 13)
      expect(loc.se).toBeCloseTo(ref.se, 13)
    })
  }
})

describe('analyseComparison: the t part matches SciPy, the bootstrap only lifts it, both orientations', () => {
  for (const name of Object.keys(samples)) {
    const ref = REF.yuen[name as keyof typeof REF.yuen]
    test(`${name}, lower-is-better (P99)`, () => {
      const a = analyseComparison({ logRatios: samples[name], direction: 'lower-is-better', budget: 0.05 }, 0.95)
      expect(logThreshold('lower-is-better', 0.05)).toBeCloseTo(REF.threshold, 15)
      const t = trimmedPValues(a.location, REF.threshold)
      expect(t.pFail).toBeCloseTo(ref.pFail, 8)
      expect(t.pPass).toBeCloseTo(ref.pPass, 8)
      for (const side of ['pFail', 'pPass'] as const) {
        // REF.threshold and logThreshold() may differ in the last bit: relative 1e-12 slack.
        expect(a[side]).toBeGreaterThanOrEqual(t[side] * (1 - 1e-12))
        expect(a[side]).toBeLessThanOrEqual(BOOTSTRAP_LIFT * t[side] * (1 + 1e-12))
      }
      // The rule's interval contains Yuen's t interval (SciPy's half-width on the rule's df).
      expect(Math.log1p(a.ciLow)).toBeLessThanOrEqual(ref.estimate - ref.half95 + 1e-12)
      expect(Math.log1p(a.ciHigh)).toBeGreaterThanOrEqual(ref.estimate + ref.half95 - 1e-12)
      expect(a.overhead).toBeCloseTo(Math.expm1(ref.estimate), 12)
    })
    test(`${name}, higher-is-better (QPS) mirrors it`, () => {
      // QPS overhead 1 − e^d > T ⇔ −d > −ln(1 − T): the same threshold as ln(1.05) when 1 − T = 1/1.05.
      const budget = 1 - 1 / 1.05
      const p99 = analyseComparison({ logRatios: samples[name], direction: 'lower-is-better', budget: 0.05 }, 0.95)
      const a = analyseComparison(
        { logRatios: samples[name].map((d) => -d), direction: 'higher-is-better', budget },
        0.95
      )
      expect(a.pFail).toBeCloseTo(p99.pFail, 8)
      expect(a.pPass).toBeCloseTo(p99.pPass, 8)
      expect(a.overhead).toBeCloseTo(-Math.expm1(-ref.estimate), 12)
      expect(a.ciLow).toBeLessThanOrEqual(a.overhead)
      expect(a.ciHigh).toBeGreaterThanOrEqual(a.overhead)
    })
  }
})

test('one burst in eight blocks is trimmed away: the estimate stays with the typical block', () => {
  const typical = [0.05, 0.052, 0.048, 0.051, 0.049, 0.05, 0.05]
  const withBurst = [...typical, 0.69]
  const plainMean = withBurst.reduce((s, x) => s + x, 0) / withBurst.length
  expect(trimmedLocation(withBurst).estimate).toBeCloseTo(0.05, 2)
  expect(plainMean).toBeGreaterThan(0.12)
})

test('bad input is named, not turned into NaN', () => {
  expect(() => trimmedLocation([1, NaN, 2])).toThrow(/value 1 must be a finite number, got NaN/)
  expect(() => trimmedLocation([1, 2], 0.5)).toThrow(/trim must be in \[0, 0.5\)/)
  expect(trimmedLocation([]).estimate).toBeNaN()
})
