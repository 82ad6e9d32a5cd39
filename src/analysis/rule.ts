import { tCdf, tQuantile } from '../stats/distributions.js'
import { TRIM, trimmedLocation, type TrimmedLocation } from './robust.js'

/** Which way a metric is good: QPS 'higher-is-better' (overhead = 1 − e^d), P99/CPU 'lower-is-better' (e^d − 1). */
export type Direction = 'higher-is-better' | 'lower-is-better'

/**
 * Degrees of freedom of the rule's t reference, as a factor of Yuen's h − 1. With h − 1 the
 * one-sample trimmed t is liberal in the far tail that Holm and the looks use (1.1–1.6× the nominal
 * rate at one-sided 0.025…0.001 under normal noise, n = 5…32, measured); 0.85·(h − 1) brings it to
 * 0.85–1.05× at 0.025 and 0.005 (bench/README.md, "Calibrated degrees of freedom").
 */
export const DF_FACTOR = 0.85

/** Degrees of freedom of the rule's t reference for a trimmed location (0.85·(h − 1)). */
export function ruleDf(loc: TrimmedLocation): number {
  return DF_FACTOR * loc.df
}

/** Fewest blocks for any decision: with n = 2 a zero spread is luck, not evidence. */
export const MIN_BLOCKS = 3

/** One gated or reported comparison: per-block log-ratios ln(arm/ref) and how to read them. */
export interface RuleInput {
  /** ln(value_arm / value_ref) per block (finite). */
  logRatios: readonly number[]
  direction: Direction
  /** Overhead budget as a fraction (0.05 = 5 %); 'higher-is-better' needs budget < 1. */
  budget: number
}

/** Estimate, interval and one-sided p-values of one comparison under the trimmed-mean rule. */
export interface RuleAnalysis {
  n: number
  /** Overhead of the typical block: the 20 % trimmed mean of the log-ratios on the overhead scale. */
  overhead: number
  /** Two-sided interval of `overhead` at `confidence` (NaN when n < MIN_BLOCKS or se is undefined). */
  ciLow: number
  ciHigh: number
  confidence: number
  /** One-sided p of H0 "overhead ≤ budget" (small → FAIL). */
  pFail: number
  /** One-sided p of H0 "overhead ≥ budget" (small → PASS). */
  pPass: number
  /** Trimmed mean and SE of the oriented log-ratios (positive = worse), Yuen's df h − 1 (the rule uses ruleDf()). */
  location: TrimmedLocation
  /** Robust per-block noise on the log scale, se·√n: what the sensitivity is computed from. */
  blockScale: number
}

/**
 * Oriented log threshold of "overhead > budget": the log-ratio, sign-flipped so that positive =
 * worse, beyond which the overhead exceeds the budget (−ln(1 − T) for higher-is-better, ln(1 + T) otherwise).
 */
export function logThreshold(direction: Direction, budget: number): number {
  if (direction === 'higher-is-better') {
    if (!(Number.isFinite(budget) && budget >= 0 && budget < 1)) {
      throw new RangeError(`budget of a higher-is-better metric must be a fraction in [0, 1), got ${String(budget)}`)
    }
    return -Math.log1p(-budget)
  }
  if (direction !== 'lower-is-better') throw new RangeError(`unknown direction '${String(direction)}'`)
  if (!(Number.isFinite(budget) && budget >= 0)) throw new RangeError(`budget must be a finite fraction ≥ 0, got ${String(budget)}`)
  return Math.log1p(budget)
}

/** Overhead of an oriented log value x (positive = worse): 1 − e^(−x) or e^x − 1; increasing in x. */
export function overheadOfOriented(direction: Direction, x: number): number {
  return direction === 'higher-is-better' ? -Math.expm1(-x) : Math.expm1(x)
}

/** The log-ratios oriented so that positive = worse (QPS: −d, P99/CPU: d), with a named error on bad values. */
export function orient(logRatios: readonly number[], direction: Direction): number[] {
  return logRatios.map((d, i) => {
    if (!Number.isFinite(d)) {
      throw new RangeError(`log-ratio of block ${i} must be finite (both arms need a positive finite value), got ${String(d)}`)
    }
    return direction === 'higher-is-better' ? -d : d
  })
}

/** Tolerance of "exactly at the budget": relative to the log threshold, so 5 % is 5 % after rounding. */
export function atBudgetTolerance(threshold: number): number {
  return 1e-9 * Math.max(Math.abs(threshold), 1e-6)
}

/**
 * One-sided p-values of "overhead ≤ budget" (pFail) and "overhead ≥ budget" (pPass) from Yuen's
 * trimmed t on `dfFactor`·(h − 1) degrees of freedom (default DF_FACTOR). A spread within the at-budget tolerance is treated as zero: then the
 * estimate alone decides, and an estimate at the budget (within tolerance) counts as within it.
 */
export function trimmedPValues(loc: TrimmedLocation, threshold: number, dfFactor = DF_FACTOR): { pFail: number; pPass: number } {
  if (loc.n < MIN_BLOCKS || !Number.isFinite(loc.se)) return { pFail: NaN, pPass: NaN }
  const eps = atBudgetTolerance(threshold)
  const diff = loc.estimate - threshold
  if (loc.se <= eps) return diff > eps ? { pFail: 0, pPass: 1 } : { pFail: 1, pPass: 0 }
  const t = diff / loc.se
  const df = dfFactor * loc.df
  return { pFail: tCdf(-t, df), pPass: tCdf(t, df) }
}

/**
 * The shipped rule's statistics for one comparison: trimmed-mean overhead, its interval at
 * `confidence` and one-sided p-values against the budget (no multiplicity adjustment here; the
 * decision with Holm and looks is decideAtLook's). Throws on non-finite log-ratios or a bad budget.
 */
export function analyseComparison(input: RuleInput, confidence: number): RuleAnalysis {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`)
  const threshold = logThreshold(input.direction, input.budget)
  const x = orient(input.logRatios, input.direction)
  const location = trimmedLocation(x, TRIM, 'log-ratio of block')
  const { pFail, pPass } = trimmedPValues(location, threshold)
  let lo = NaN
  let hi = NaN
  if (location.n >= MIN_BLOCKS && Number.isFinite(location.se)) {
    const half = location.se === 0 ? 0 : tQuantile(1 - (1 - confidence) / 2, ruleDf(location)) * location.se
    lo = location.estimate - half
    hi = location.estimate + half
  }
  return {
    n: location.n,
    overhead: overheadOfOriented(input.direction, location.estimate),
    ciLow: overheadOfOriented(input.direction, lo),
    ciHigh: overheadOfOriented(input.direction, hi),
    confidence,
    pFail,
    pPass,
    location,
    blockScale: location.se * Math.sqrt(location.n)
  }
}
