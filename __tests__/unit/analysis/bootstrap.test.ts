// The rule's bootstrap-t: the fast counts-based resampling against a naive one (same index stream),
// the p-values' bounds and direction, the interval's agreement with the PASS/FAIL rule, the
// simulation's decision-only mode, and reproducibility from the data alone.
import { bootstrapT, dataSeed } from '../../../src/analysis/bootstrap.js'
import { decideAtLook, type GatedComparison, type LookResult } from '../../../src/analysis/decide.js'
import { trimmedLocation } from '../../../src/analysis/robust.js'
import { analyseComparison, BOOTSTRAP_LIFT, rulePValues, trimmedPValues } from '../../../src/analysis/rule.js'
import { planLooks } from '../../../src/analysis/sequential.js'
import { mulberry32 } from '../../../src/stats/prng.js'

const sample = (seed: number, n: number, f: (u: number) => number): number[] => {
  const rand = mulberry32(seed)
  return Array.from({ length: n }, () => f(rand()))
}
/** Long left tail (a centred exponential pointing towards PASS): the t overstates evidence of FAIL. */
const leftSkewed = (seed: number, n: number): number[] => sample(seed, n, (u) => 0.02 - 0.03 * -Math.log(1 - u))

/** Bootstrap-t counts by sorting every resample and calling trimmedLocation: slow and obviously right. */
function naive(x: number[], threshold: number, B: number, seed: number): { ge: number; le: number } {
  const loc = trimmedLocation(x)
  const t = (loc.estimate - threshold) / loc.se
  const s = [...x].sort((a, b) => a - b)
  const rand = mulberry32(seed)
  let ge = 0
  let le = 0
  for (let b = 0; b < B; b++) {
    const count = new Array<number>(x.length).fill(0)
    for (let i = 0; i < x.length; i++) count[Math.floor(rand() * x.length)]++
    const r = count.flatMap((c, i) => Array<number>(c).fill(s[i]))
    const l = trimmedLocation(r)
    const d = l.estimate - loc.estimate
    const ts = l.se > 0 ? d / l.se : d > 0 ? Infinity : d < 0 ? -Infinity : 0
    if (ts >= t - 1e-9) ge++
    if (ts <= t + 1e-9) le++
  }
  return { ge, le }
}

test.each([
  [8, 1],
  [13, 2],
  [24, 3]
])('counts-based resampling agrees with a naive bootstrap-t (n = %i)', (n, seed) => {
  const x = leftSkewed(seed, n)
  const loc = trimmedLocation(x)
  const b = bootstrapT(x, loc.g, loc.estimate, loc.se, 0.01, { resamples: 999, seed: 77 })
  const ref = naive(x, 0.01, 999, 77)
  expect(b.pFail).toBeCloseTo((1 + ref.ge) / 1000, 12)
  expect(b.pPass).toBeCloseTo((1 + ref.le) / 1000, 12)
  expect(b.tStar).toHaveLength(999)
})

test('the rule p is the t p lifted by the bootstrap, never lowered, at most ×BOOTSTRAP_LIFT', () => {
  let lifted = 0
  for (let seed = 1; seed <= 40; seed++) {
    const x = leftSkewed(seed, 8 + (seed % 3) * 8)
    const loc = trimmedLocation(x)
    for (const threshold of [-0.03, 0, 0.02]) {
      const t = trimmedPValues(loc, threshold)
      const r = rulePValues(x, loc, threshold)
      expect(r.pFail).toBeGreaterThanOrEqual(t.pFail)
      expect(r.pPass).toBeGreaterThanOrEqual(t.pPass)
      expect(r.pFail).toBeLessThanOrEqual(BOOTSTRAP_LIFT * t.pFail + 1e-15)
      expect(r.pPass).toBeLessThanOrEqual(BOOTSTRAP_LIFT * t.pPass + 1e-15)
      if (r.pFail > t.pFail) lifted++
    }
  }
  // A long tail towards PASS: the bootstrap objects to FAIL in many of these samples.
  expect(lifted).toBeGreaterThan(20)
})

test('the interval agrees with the rule: upper bound ≤ budget ⇔ pPass ≤ α/2, lower bound ≥ budget ⇔ pFail ≤ α/2', () => {
  for (let seed = 1; seed <= 12; seed++) {
    // Shifted up so that both bounds are positive overheads (a P99 budget must be ≥ 0).
    const x = leftSkewed(seed, 8 + (seed % 3) * 8).map((v) => v + 0.2)
    const a = analyseComparison({ logRatios: x, direction: 'lower-is-better', budget: 0.01 }, 0.9)
    expect(a.ciLow).toBeGreaterThan(0)
    for (const [bound, side] of [
      [a.ciHigh, 'pPass'],
      [a.ciLow, 'pFail']
    ] as const) {
      const theta = Math.log1p(bound)
      const inside = side === 'pPass' ? theta * (1 - 1e-6) - 1e-9 : theta * (1 + 1e-6) + 1e-9
      const outside = side === 'pPass' ? theta * (1 + 1e-6) + 1e-9 : theta * (1 - 1e-6) - 1e-9
      const p = (th: number): number =>
        analyseComparison({ logRatios: x, direction: 'lower-is-better', budget: Math.expm1(th) }, 0.9)[side]
      // Just beyond the bound the one-sided test rejects at 5 %; just inside it does not.
      expect(p(outside)).toBeLessThanOrEqual(0.05)
      expect(p(inside)).toBeGreaterThan(0.05)
    }
  }
})

test('reproducible from the data alone; a different sample gets a different stream', () => {
  const x = leftSkewed(5, 16)
  const a = analyseComparison({ logRatios: x, direction: 'lower-is-better', budget: 0.0 }, 0.95)
  const b = analyseComparison({ logRatios: [...x], direction: 'lower-is-better', budget: 0.0 }, 0.95)
  expect(b.pFail).toBe(a.pFail)
  expect(b.ciLow).toBe(a.ciLow)
  expect(dataSeed(x)).not.toBe(dataSeed([...x.slice(1), x[0]]))
  expect(dataSeed(x)).not.toBe(dataSeed(x.map((v) => v + 1e-12)))
})

test('decision-only mode (the simulation) gives the decisions of the full computation', () => {
  const design = planLooks({ rounds: 8, maxRounds: 24, confidence: 0.95, gatedComparisons: 4 })
  const rand = mulberry32(3)
  for (let run = 0; run < 12; run++) {
    const excess = [0, 0.01, 0.02, -0.02].map((e) => e + 0.01 * (run % 5))
    const data = excess.map((e) =>
      Array.from({ length: 24 }, () => Math.log(1.05) + e - 0.02 * (-Math.log(1 - rand()) - 0.76))
    )
    let full: LookResult | undefined
    let fast: LookResult | undefined
    for (let j = 0; j < 3; j++) {
      const comps: GatedComparison[] = data.map((x, i) => ({
        kind: 'paired',
        id: `c${i}`,
        direction: 'lower-is-better',
        budget: 0.05,
        logRatios: x.slice(0, design.looks[j])
      }))
      full = decideAtLook(comps, j, design, full)
      fast = decideAtLook(comps, j, design, fast, { decisionsOnly: true })
      expect(fast.verdicts.map((v) => v.decision)).toEqual(full.verdicts.map((v) => v.decision))
      if (full.stop) break
    }
  }
})

test('bad options are named', () => {
  expect(() => bootstrapT([1, 2, 3], 0, 2, 0, 0)).toThrow(/positive finite se, got 0/)
  expect(() => bootstrapT([1, 2, 3], 0, 2, 1, 0, { resamples: 0 })).toThrow(/resamples must be an integer ≥ 1, got 0/)
})
