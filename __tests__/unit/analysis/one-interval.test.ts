/**
 * The printed interval is the decision's: for every gated comparison FAIL ⇔ the lower end lies beyond
 * the budget and PASS ⇔ the upper end lies within it, at every look, also with 4 gated comparisons
 * (where Holm makes the FAIL level smaller than the PASS level) and for stored-history comparisons.
 */
import { decideAtLook, type GatedComparison, type LookResult } from '../../../src/analysis/decide.js'
import { planLooks } from '../../../src/analysis/sequential.js'
import { mulberry32 } from '../../../src/stats/prng.js'
import { fmtBound, ciText } from '../../../src/format.js'
import type { Comparison } from '../../../src/types.js'

const BUDGET = 0.05

function normal(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand())
}

test('FAIL ⇔ lower end beyond the budget, PASS ⇔ upper end within it (paired, 4 gated, two looks, 60 seeded runs)', () => {
  const design = planLooks({ rounds: 8, maxRounds: 24, looks: [8, 13], confidence: 0.95, gatedComparisons: 4 })
  const rand = mulberry32(24)
  let fails = 0
  let passes = 0
  let open = 0
  for (let run = 0; run < 60; run++) {
    // True QPS overheads around the budget, per-block SD 2.3 % on the log scale.
    const truth = [0, 1, 2, 3].map(() => 0.08 * rand() + 0.01)
    const data = truth.map((t) => Array.from({ length: 13 }, () => Math.log1p(-t) + 0.023 * normal(rand)))
    let res: LookResult | undefined
    for (let j = 0; j < design.looks.length; j++) {
      const comps: GatedComparison[] = data.map((x, i) => ({
        kind: 'paired',
        id: `c${i}`,
        direction: 'higher-is-better',
        budget: BUDGET,
        logRatios: x.slice(0, design.looks[j])
      }))
      res = decideAtLook(comps, j, design, res)
      for (const v of res.verdicts) {
        if (v.decidedAtLook !== null && v.decidedAtLook < j) continue
        expect(v.confidence).toBeCloseTo(1 - v.failLevel - v.passLevel, 12)
        if (v.decision === 'fail') fails++
        else if (v.decision === 'pass') passes++
        else open++
        expect(v.decision === 'fail').toBe(v.ciLow > BUDGET)
        expect(v.decision === 'pass').toBe(v.ciHigh <= BUDGET)
      }
      if (res.stop) break
    }
  }
  // The check saw all three outcomes (else it could not fail).
  expect(fails).toBeGreaterThan(5)
  expect(passes).toBeGreaterThan(5)
  expect(open).toBeGreaterThan(5)
})

test('stored history (K = 5): the interval is the decision’s too', () => {
  const rand = mulberry32(7)
  for (let run = 0; run < 40; run++) {
    const shift = 0.1 * rand() - 0.02
    const runOf = (s: number, n: number): number[] => {
      const u = 0.01 * normal(rand)
      return Array.from({ length: n }, () => 1000 * Math.exp(s + u + 0.02 * normal(rand)))
    }
    const history = Array.from({ length: 5 }, () => runOf(0, 8))
    const c: GatedComparison = {
      kind: 'history',
      id: 'p99',
      direction: 'lower-is-better',
      budget: BUDGET,
      current: runOf(shift, 8),
      history
    }
    const design = planLooks({ rounds: 8, maxRounds: 8, confidence: 0.95, gatedComparisons: 2 })
    const other: GatedComparison = { ...c, id: 'other', current: runOf(0, 8) }
    const v = decideAtLook([c, other], 0, design).verdicts[0]
    expect(v.decision === 'fail').toBe(v.ciLow > BUDGET)
    expect(v.decision === 'pass').toBe(v.ciHigh <= BUDGET)
  }
})

describe('display of interval ends', () => {
  test('clamped to readable values; NaN is n/a', () => {
    expect(fmtBound(-423.67)).toBe('< -100.0%')
    expect(fmtBound(-Infinity)).toBe('< -100.0%')
    expect(fmtBound(12)).toBe('> +1000.0%')
    expect(fmtBound(Infinity)).toBe('> +1000.0%')
    expect(fmtBound(-0.5)).toBe('-50.0%')
    expect(fmtBound(NaN)).toBe('n/a')
    expect(fmtBound(88.08, false)).toBe('> 1000.0%') // the reasons' unsigned form
    const c = { ciLow: -423.67, ciHigh: 0.031 } as Comparison
    expect(ciText(c)).toBe('< -100.0% … +3.1%')
    expect(ciText({ ciLow: NaN, ciHigh: NaN } as Comparison)).toBe('n/a')
  })
})
