import { mulberry32 } from './prng.js'

/** Alternative hypothesis of a test of mean(d) against mu0. */
export type Alternative = 'two-sided' | 'greater' | 'less'

/** Largest n enumerated exactly (2^20 ≈ 1M sums in a Float64Array of 8 MB). */
export const SIGN_FLIP_EXACT_MAX_N = 20
/** Number of random sign patterns drawn above SIGN_FLIP_EXACT_MAX_N. */
export const SIGN_FLIP_MONTE_CARLO_DRAWS = 100_000
/** Fixed seed of the Monte Carlo branch, so the same data always gives the same p. */
export const SIGN_FLIP_SEED = 0x5eed5eed

/**
 * Sign-flip permutation test of mean(d − mu0) (paired data: under H0 each centred difference
 * is symmetric about 0, so every sign pattern is equally likely).
 *
 * n ≤ 20: exact, all 2^n patterns; the observed pattern is one of them, so p ≥ 1/2^n
 * (two-sided p ≥ 2/2^n: the all-flipped pattern ties). n > 20: Monte Carlo over 100 000
 * patterns from mulberry32 seeded with SIGN_FLIP_SEED (deterministic), p = (1 + hits)/(1 + draws)
 * so the observed pattern is counted and p is never 0. Ties count as "at least as extreme"
 * (conservative) with a tolerance of 1e-12·Σ|d − mu0| against floating-point rounding of sums
 * that are mathematically equal. The sum is used as statistic; it orders patterns like the mean.
 * Returns NaN for empty `d`; throws on non-finite input.
 */
export function signFlipTest(d: readonly number[], mu0: number, alternative: Alternative): number {
  if (!Number.isFinite(mu0)) throw new RangeError(`sign-flip test: mu0 must be finite, got ${mu0}`)
  d.forEach((x, i) => {
    if (!Number.isFinite(x)) throw new RangeError(`sign-flip test: d[${i}] must be finite, got ${x}`)
  })
  const n = d.length
  if (n === 0) return NaN
  const e = d.map((x) => x - mu0)
  // Left-to-right fold, the same order used for every pattern, so the observed pattern's sum is bit-identical.
  let observed = 0
  let scale = 0
  for (const x of e) {
    observed += x
    scale += Math.abs(x)
  }
  const eps = 1e-12 * scale
  const extreme = extremeTest(observed, eps, alternative)

  if (n <= SIGN_FLIP_EXACT_MAX_N) {
    // Build all 2^n partial sums by doubling: after step k, sums[j] holds pattern j of the first k+1 terms.
    let sums = new Float64Array([0])
    for (const x of e) {
      const next = new Float64Array(sums.length * 2)
      for (let j = 0; j < sums.length; j++) {
        next[2 * j] = sums[j] + x
        next[2 * j + 1] = sums[j] - x
      }
      sums = next
    }
    let hits = 0
    for (let j = 0; j < sums.length; j++) if (extreme(sums[j])) hits++
    return hits / sums.length
  }

  const rand = mulberry32(SIGN_FLIP_SEED)
  let hits = 0
  for (let k = 0; k < SIGN_FLIP_MONTE_CARLO_DRAWS; k++) {
    let s = 0
    for (const x of e) s += rand() < 0.5 ? x : -x
    if (extreme(s)) hits++
  }
  return (1 + hits) / (1 + SIGN_FLIP_MONTE_CARLO_DRAWS)
}

function extremeTest(observed: number, eps: number, alternative: Alternative): (s: number) => boolean {
  switch (alternative) {
    case 'greater':
      return (s) => s >= observed - eps
    case 'less':
      return (s) => s <= observed + eps
    case 'two-sided': {
      const a = Math.abs(observed)
      return (s) => Math.abs(s) >= a - eps
    }
    default:
      throw new RangeError(`unknown alternative '${String(alternative)}'`)
  }
}
