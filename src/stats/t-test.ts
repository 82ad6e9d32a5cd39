import { mean as ssMean, sampleStandardDeviation } from 'simple-statistics'
import { tCdf, tQuantile } from './distributions.js'
import type { Alternative } from './sign-flip.js'

/** Result of a one-sample (paired) t-test of mean(d) against mu0. */
export interface TTestResult {
  n: number
  /** Mean of d (not of d − mu0); NaN when n = 0. */
  mean: number
  /** Sample SD (n − 1); NaN when n < 2, exactly 0 when all values are equal. */
  sd: number
  /** (mean − mu0) / (sd/√n); ±Infinity (NaN if mean = mu0) when sd = 0; NaN when n < 2. */
  t: number
  df: number
  p: number
}

/** Mean and sample SD with the degenerate cases pinned down (sd is exactly 0 iff all values are equal). */
export function meanSd(d: readonly number[]): { n: number; mean: number; sd: number } {
  const n = d.length
  if (n === 0) return { n, mean: NaN, sd: NaN }
  if (d.every((x) => x === d[0])) return { n, mean: d[0], sd: n < 2 ? NaN : 0 }
  return { n, mean: ssMean([...d]), sd: n < 2 ? NaN : sampleStandardDeviation([...d]) }
}

/**
 * One-sample t-test on paired differences d against mu0 (df = n − 1).
 * n < 2 → t and p are NaN (the caller reports inconclusive). sd = 0 (all d equal) → the t
 * distribution is degenerate: p = 0 when mean − mu0 lies on the alternative's side
 * (two-sided: ≠ 0; greater: > 0; less: < 0), else p = 1.
 */
export function pairedTTest(d: readonly number[], mu0: number, alternative: Alternative): TTestResult {
  checkFinite(d, 't-test')
  checkAlternative(alternative)
  if (!Number.isFinite(mu0)) throw new RangeError(`t-test: mu0 must be finite, got ${mu0}`)
  const { n, mean, sd } = meanSd(d)
  const df = n - 1
  if (n < 2) return { n, mean, sd, t: NaN, df, p: NaN }
  const diff = mean - mu0
  if (sd === 0) {
    const t = diff > 0 ? Infinity : diff < 0 ? -Infinity : NaN
    const onSide = alternative === 'two-sided' ? diff !== 0 : alternative === 'greater' ? diff > 0 : diff < 0
    return { n, mean, sd, t, df, p: onSide ? 0 : 1 }
  }
  const t = diff / (sd / Math.sqrt(n))
  let p = NaN
  switch (alternative) {
    case 'two-sided':
      p = Math.min(1, 2 * tCdf(-Math.abs(t), df))
      break
    case 'greater':
      // cdf(−t) rather than 1 − cdf(t): keeps precision for small p.
      p = tCdf(-t, df)
      break
    case 'less':
      p = tCdf(t, df)
      break
  }
  return { n, mean, sd, t, df, p }
}

/**
 * Two-sided t confidence interval [lo, hi] of mean(d) at `confidence` (e.g. 0.95), on the scale of d.
 * n < 2 → [NaN, NaN]; sd = 0 → [mean, mean].
 */
export function tInterval(d: readonly number[], confidence: number): [number, number] {
  checkFinite(d, 't-interval')
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`confidence must be in (0, 1), got ${confidence}`)
  }
  const { n, mean, sd } = meanSd(d)
  if (n < 2) return [NaN, NaN]
  if (sd === 0) return [mean, mean]
  const half = tQuantile(1 - (1 - confidence) / 2, n - 1) * (sd / Math.sqrt(n))
  return [mean - half, mean + half]
}

function checkFinite(d: readonly number[], what: string): void {
  d.forEach((x, i) => {
    if (!Number.isFinite(x)) throw new RangeError(`${what}: d[${i}] must be finite, got ${x}`)
  })
}

function checkAlternative(alternative: Alternative): void {
  if (alternative !== 'two-sided' && alternative !== 'greater' && alternative !== 'less') {
    throw new RangeError(`unknown alternative '${String(alternative)}'`)
  }
}
