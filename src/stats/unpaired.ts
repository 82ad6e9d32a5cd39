import { meanSd } from './tTest.js'
import { tCdf, tQuantile } from './distributions.js'
import { mulberry32 } from './prng.js'
import type { Alternative } from './signFlip.js'
import { failHypothesis, overheadInterval, overheadOf, type CompareOptions } from './compare.js'
import type { Comparison, MetricName } from '../types.js'

/** Welch's unequal-variance t-test of mean(a) − mean(b) against mu0. */
export interface WelchResult {
  diff: number
  se: number
  t: number
  df: number
  p: number
}

function checkSamples(a: readonly number[], b: readonly number[]): void {
  for (const [name, xs] of [
    ['a', a],
    ['b', b]
  ] as const) {
    xs.forEach((x, i) => {
      if (!Number.isFinite(x)) throw new RangeError(`unpaired test: ${name}[${i}] must be finite, got ${x}`)
    })
  }
}

/** Welch–Satterthwaite t-test; NaN p when either sample has fewer than 2 values or both have zero spread. */
export function welchTTest(a: readonly number[], b: readonly number[], mu0: number, alternative: Alternative): WelchResult {
  checkSamples(a, b)
  const A = meanSd(a)
  const B = meanSd(b)
  const diff = A.mean - B.mean
  if (A.n < 2 || B.n < 2) return { diff, se: NaN, t: NaN, df: NaN, p: NaN }
  const va = (A.sd * A.sd) / A.n
  const vb = (B.sd * B.sd) / B.n
  const se = Math.sqrt(va + vb)
  if (se === 0) return { diff, se, t: NaN, df: NaN, p: NaN }
  const df = (va + vb) ** 2 / (va ** 2 / (A.n - 1) + vb ** 2 / (B.n - 1))
  const t = (diff - mu0) / se
  const p =
    alternative === 'two-sided' ? Math.min(1, 2 * tCdf(-Math.abs(t), df)) : alternative === 'greater' ? tCdf(-t, df) : tCdf(t, df)
  return { diff, se, t, df, p }
}

/** Welch confidence interval of mean(a) − mean(b). */
export function welchInterval(a: readonly number[], b: readonly number[], confidence: number): [number, number] {
  const r = welchTTest(a, b, 0, 'two-sided')
  if (!Number.isFinite(r.df)) return [NaN, NaN]
  const q = tQuantile(1 - (1 - confidence) / 2, r.df)
  return [r.diff - q * r.se, r.diff + q * r.se]
}

/** Largest number of relabellings enumerated exactly; above it a seeded Monte Carlo is used. */
export const PERMUTATION_EXACT_MAX = 200_000

function binomial(n: number, k: number): number {
  let r = 1
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i
  return Math.round(r)
}

/**
 * Two-sample permutation test of mean(a − mu0) − mean(b): every way of relabelling the pooled
 * values into groups of the original sizes is equally likely under H0. Exact when there are at most
 * PERMUTATION_EXACT_MAX relabellings (8 + 8 rounds: 12 870), else 100 000 draws from a seeded PRNG.
 * Ties count as extreme (conservative), and the observed labelling is included (p > 0).
 */
export function twoSamplePermutationTest(a: readonly number[], b: readonly number[], mu0: number, alternative: Alternative): number {
  checkSamples(a, b)
  if (a.length === 0 || b.length === 0) return NaN
  const pooled = [...a.map((x) => x - mu0), ...b]
  const n = pooled.length
  const k = a.length
  const total = pooled.reduce((s, x) => s + x, 0)
  const stat = (sumA: number): number => sumA / k - (total - sumA) / (n - k)
  const observed = stat(a.reduce((s, x) => s + x - mu0, 0))
  const eps = 1e-12 * pooled.reduce((s, x) => s + Math.abs(x), 0)
  const extreme = (v: number): boolean =>
    alternative === 'two-sided'
      ? Math.abs(v) >= Math.abs(observed) - eps
      : alternative === 'greater'
        ? v >= observed - eps
        : v <= observed + eps
  const combos = binomial(n, k)
  if (combos <= PERMUTATION_EXACT_MAX) {
    let hits = 0
    let count = 0
    // Enumerate k-subsets of indices in lexicographic order.
    const idx = Array.from({ length: k }, (_, i) => i)
    for (;;) {
      let s = 0
      for (const i of idx) s += pooled[i]
      if (extreme(stat(s))) hits++
      count++
      let j = k - 1
      while (j >= 0 && idx[j] === n - k + j) j--
      if (j < 0) break
      idx[j]++
      for (let m = j + 1; m < k; m++) idx[m] = idx[m - 1] + 1
    }
    return hits / count
  }
  const rand = mulberry32(0x5eed5eed)
  const draws = 100_000
  let hits = 0
  const perm = [...pooled]
  for (let d = 0; d < draws; d++) {
    // Partial Fisher–Yates: the first k entries are a uniform random k-subset.
    let s = 0
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(rand() * (n - i))
      ;[perm[i], perm[j]] = [perm[j], perm[i]]
      s += perm[i]
    }
    if (extreme(stat(s))) hits++
  }
  return (1 + hits) / (1 + draws)
}

/**
 * Compare per-round log values of an arm with those of a reference measured in another run (a
 * stored baseline): unpaired, Welch interval and t-test, cross-checked by a permutation test, on
 * the same overhead scale and fail hypothesis as the paired comparison.
 */
export function compareUnpaired(
  logArm: number[],
  logRef: number[],
  armId: string,
  refArmId: string,
  metric: MetricName,
  opts: CompareOptions
): Comparison {
  const { confidence, budget } = opts
  const A = meanSd(logArm)
  const B = meanSd(logRef)
  const meanDiff = A.mean - B.mean
  const [lo, hi] = welchInterval(logArm, logRef, confidence)
  const [ciLow, ciHigh] = overheadInterval(metric, lo, hi)
  let pFail: number | null = null
  if (budget !== null) {
    const { mu0, alternative } = failHypothesis(metric, budget)
    pFail = Math.max(welchTTest(logArm, logRef, mu0, alternative).p, twoSamplePermutationTest(logArm, logRef, mu0, alternative))
  }
  return {
    kind: opts.kind ?? 'regression',
    paired: false,
    armId,
    referenceArmId: refArmId,
    metric,
    n: A.n,
    nRef: B.n,
    logRatios: logArm.map((x) => x - B.mean),
    meanLogRatio: meanDiff,
    sdLogRatio: Math.sqrt((Number.isFinite(A.sd) ? A.sd ** 2 : NaN) + (Number.isFinite(B.sd) ? B.sd ** 2 : NaN)),
    overhead: overheadOf(metric, meanDiff),
    ciLow,
    ciHigh,
    confidence,
    pValue: welchTTest(logArm, logRef, 0, 'two-sided').p,
    pPermutation: twoSamplePermutationTest(logArm, logRef, 0, 'two-sided'),
    budget,
    pFail,
    pFailAdjusted: null,
    decision: null
  }
}
