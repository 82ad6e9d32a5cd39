import { binomialDistribution } from 'simple-statistics'
import { tCdf, tQuantile } from '../stats/distributions.js'
import { bootstrapBounds, bootstrapT } from './bootstrap.js'
import { TRIM, trimmedLocation, type TrimmedLocation } from './robust.js'
import { MIN_BLOCKS } from '../plan/plan.js'
import type { OverheadInterval } from '../types.js'

/** Which way a metric is good: QPS 'higher-is-better' (overhead = 1 − e^d), P99/CPU 'lower-is-better' (e^d − 1). */
export type Direction = 'higher-is-better' | 'lower-is-better'

/**
 * Degrees of freedom of the rule's t reference, as a factor of Yuen's h − 1. With h − 1 the
 * one-sample trimmed t is liberal in the far tail that Holm and the looks use (1.1–1.6× the nominal
 * rate at one-sided 0.025…0.001 under normal noise, n = 5…32, measured); 0.85·(h − 1) brings it to
 * 0.85–1.05× at 0.025 and 0.005 (docs/bench-notes.md, "Calibrated degrees of freedom").
 */
export const DF_FACTOR = 0.85

/** Degrees of freedom of the rule's t reference for a trimmed location (0.85·(h − 1)). */
export function ruleDf(loc: TrimmedLocation): number {
  return DF_FACTOR * loc.df
}

/** ruleDf() for n blocks before any data: 0.85·(h − 1), h = n − 2⌊TRIM·n⌋ the blocks the trimmed mean keeps. */
export function ruleDfAt(n: number): number {
  return DF_FACTOR * (n - 2 * Math.floor(TRIM * n) - 1)
}

/**
 * Most the bootstrap-t may raise a p-value: the rule's p is max(p_t, min(p_boot, BOOTSTRAP_LIFT·p_t)).
 * The bootstrap reads skew from 8–24 blocks; unbounded, a handful of burst blocks (bimodal data) made
 * it refuse a gross overhead (boot p 0.003–0.005 against Yuen p ≈ 1e-5, measured); ×10 keeps the
 * skew correction where it matters, at p near the levels (docs/bench-notes.md, "Candidates").
 */
export const BOOTSTRAP_LIFT = 10

// MIN_BLOCKS is defined with the plan, which sizes runs by it (plan/time-budget.ts); the rule applies it.
export { MIN_BLOCKS }

/** One gated or reported comparison: per-block log-ratios ln(arm/ref) and how to read them. */
export interface RuleInput {
  /** ln(value_arm / value_ref) per block (finite). */
  logRatios: readonly number[]
  direction: Direction
  /** Overhead budget as a fraction (0.05 = 5 %); 'higher-is-better' needs budget < 1. */
  budget: number
}

/** Estimate, interval and one-sided p-values of one comparison under the trimmed-mean rule. */
export interface RuleAnalysis extends OverheadInterval {
  /**
   * `overhead` is the typical block's: the 20 % trimmed mean of the log-ratios on the overhead scale; its
   * interval is NaN when n < MIN_BLOCKS or se is undefined.
   */
  n: number
  /** One-sided p of H0 "overhead ≤ budget" (small → FAIL): the larger of Yuen's t p and the lifted bootstrap-t p. */
  pFail: number
  /** One-sided p of H0 "overhead ≥ budget" (small → PASS), likewise. */
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
  if (!(Number.isFinite(budget) && budget >= 0))
    throw new RangeError(`budget must be a finite fraction ≥ 0, got ${String(budget)}`)
  return Math.log1p(budget)
}

/** Overhead of an oriented log value x (positive = worse): 1 − e^(−x) or e^x − 1; increasing in x. */
export function overheadOfOriented(direction: Direction, x: number): number {
  return direction === 'higher-is-better' ? -Math.expm1(-x) : Math.expm1(x)
}

/** The oriented log value of an overhead (the inverse of overheadOfOriented); NaN outside its range. */
export function orientedOfOverhead(direction: Direction, overhead: number): number {
  if (!Number.isFinite(overhead)) return NaN
  if (direction === 'higher-is-better') return overhead < 1 ? -Math.log1p(-overhead) : NaN
  return overhead > -1 ? Math.log1p(overhead) : NaN
}

/** The log-ratios oriented so that positive = worse (QPS: −d, P99/CPU: d), with a named error on bad values. */
export function orient(logRatios: readonly number[], direction: Direction): number[] {
  return logRatios.map((d, i) => {
    if (!Number.isFinite(d)) {
      throw new RangeError(
        `log-ratio of block ${i} must be finite (both arms need a positive finite value), got ${String(d)}`
      )
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
 * trimmed t on `dfFactor`·(h − 1) degrees of freedom (default DF_FACTOR). A spread within the at-budget tolerance is
 * treated as zero: then the
 * estimate alone decides, and an estimate at the budget (within tolerance) counts as within it.
 */
export function trimmedPValues(
  loc: TrimmedLocation,
  threshold: number,
  dfFactor = DF_FACTOR
): { pFail: number; pPass: number } {
  if (loc.n < MIN_BLOCKS || !Number.isFinite(loc.se)) return { pFail: NaN, pPass: NaN }
  const eps = atBudgetTolerance(threshold)
  const diff = loc.estimate - threshold
  if (loc.se <= eps) return diff > eps ? { pFail: 0, pPass: 1 } : { pFail: 1, pPass: 0 }
  const t = diff / loc.se
  const df = dfFactor * loc.df
  return { pFail: tCdf(-t, df), pPass: tCdf(t, df) }
}

/** P(Bin(n, ½) ≥ m): the exact sign-test tail (simple-statistics' binomial, lower tail by symmetry). */
export function signTail(n: number, m: number): number {
  if (m <= 0) return 1
  if (m > n) return 0
  // binomialDistribution stops once the cumulative mass is ~1: the lower tail is always there in full.
  const d = binomialDistribution(n, 0.5) ?? []
  let sum = 0
  for (let j = 0; j <= n - m && j < d.length; j++) sum += d[j]
  return Math.min(1, sum)
}

/**
 * One-sided p-values of the exact sign test against the threshold, for blocks without spread (every
 * kept block the same log-ratio: a constant page, a stuck counter). Blocks above threshold + tolerance
 * count as beyond the budget, the rest as within (at the budget counts as within, as in the t rule);
 * all n blocks beyond gives pFail = 2^−n, so the decision still goes through the looks and Holm
 * levels like any other — 3 identical blocks (p = 0.125) decide nothing.
 */
export function signTestPValues(x: readonly number[], threshold: number): { pFail: number; pPass: number } {
  const eps = atBudgetTolerance(threshold)
  const up = x.filter((v) => v > threshold + eps).length
  return { pFail: signTail(x.length, up), pPass: signTail(x.length, x.length - up) }
}

/**
 * Sign-test bounds of the blocks' location at one-sided levels: the order statistics the sign test inverts to
 * (∓Infinity when n is too small).
 */
function signTestBounds(x: readonly number[], aLow: number, aHigh: number): [number, number] {
  const s = [...x].sort((a, b) => a - b)
  const n = s.length
  const need = (a: number): number => {
    let m = 0
    while (m <= n && signTail(n, m) > a * (1 + 1e-9)) m++
    return m
  }
  const mLow = need(aLow)
  const mHigh = need(aHigh)
  return [mLow <= n ? s[n - mLow] : -Infinity, mHigh <= n ? s[mHigh - 1] : Infinity]
}

/**
 * Decision-only mode of rulePValues(): the smallest and largest level the p-values will be compared
 * with. A p above `max` may come back as any value > max, one whose decision is certain (κ·p_t ≤ `min`)
 * as any value ≤ min; decisions at levels in [min, max] are exactly those of the full computation.
 */
export interface DecisionLevels {
  min: number
  max: number
}

/**
 * The rule's one-sided p-values of "trimmed mean ≤ threshold" (pFail) and "≥ threshold" (pPass) for
 * the oriented values `x` with trimmed location `loc`: each the larger of Yuen's t p (trimmedPValues)
 * and the bootstrap-t p, the latter capped at BOOTSTRAP_LIFT × the t p. The bootstrap only ever makes
 * a decision harder: it corrects the t's skew (e.g. 10 % false FAIL → ≤ 5 % under a centred
 * exponential) without letting a burst that the trimming removed count as skew. Zero spread and
 * n < MIN_BLOCKS as trimmedPValues. Without `levels`, also the sorted T* (for the interval).
 */
export function rulePValues(
  x: readonly number[],
  loc: TrimmedLocation,
  threshold: number,
  levels?: DecisionLevels
): { pFail: number; pPass: number; tStar?: Float64Array } {
  const t = trimmedPValues(loc, threshold)
  // No spread: the t would say p = 0 or 1 whatever n and the level; the sign test still needs the blocks.
  if (loc.n >= MIN_BLOCKS && loc.se <= atBudgetTolerance(threshold)) return signTestPValues(x, threshold)
  if (!(loc.n >= MIN_BLOCKS && Number.isFinite(loc.se) && loc.se > atBudgetTolerance(threshold))) return t
  // A side needs the bootstrap unless its t p alone settles the decision at every level.
  const need = (p: number): boolean => levels === undefined || (p <= levels.max && BOOTSTRAP_LIFT * p > levels.min)
  const needFail = need(t.pFail)
  const needPass = need(t.pPass)
  const lift = (pt: number, pb: number): number => Math.max(pt, Math.min(pb, BOOTSTRAP_LIFT * pt))
  if (!needFail && !needPass) return { pFail: lift(t.pFail, Infinity), pPass: lift(t.pPass, Infinity) }
  const caps = levels === undefined ? {} : { capFail: needFail ? levels.max : 0, capPass: needPass ? levels.max : 0 }
  const b = bootstrapT(x, loc.g, loc.estimate, loc.se, threshold, caps)
  return {
    pFail: lift(t.pFail, needFail ? b.pFail : Infinity),
    pPass: lift(t.pPass, needPass ? b.pPass : Infinity),
    ...(b.tStar !== undefined ? { tStar: b.tStar } : {})
  }
}

/**
 * Bounds of the trimmed mean that agree with rulePValues(): the lower bound is ≥ θ0 exactly when
 * pFail(θ0) ≤ aLow, the upper bound ≤ θ0 exactly when pPass(θ0) ≤ aHigh. With the t bounds at a and
 * a/κ and the bootstrap-t bounds at a: hi = max(hiT(a), min(hiBoot, hiT(a/κ))). Without spread, the
 * sign test's order statistics (as the p-values). With aLow = aHigh = (1 − confidence)/2 it is the
 * two-sided interval at `confidence`.
 */
export function ruleBounds(
  loc: TrimmedLocation,
  tStar: Float64Array | undefined,
  aLow: number,
  aHigh: number,
  x?: readonly number[],
  threshold = 0
): [number, number] {
  if (!(loc.n >= MIN_BLOCKS && Number.isFinite(loc.se))) return [NaN, NaN]
  if (loc.se <= atBudgetTolerance(threshold))
    return x !== undefined ? signTestBounds(x, aLow, aHigh) : [loc.estimate, loc.estimate]
  const half = (p: number): number => tQuantile(1 - p, ruleDf(loc)) * loc.se
  const [tLo, tHi] = [loc.estimate - half(aLow), loc.estimate + half(aHigh)]
  if (tStar === undefined) return [tLo, tHi]
  const [liftLo, liftHi] = [loc.estimate - half(aLow / BOOTSTRAP_LIFT), loc.estimate + half(aHigh / BOOTSTRAP_LIFT)]
  const [bLo, bHi] = bootstrapBounds(tStar, loc.estimate, loc.se, aLow, aHigh)
  return [Math.min(tLo, Math.max(bLo, liftLo)), Math.max(tHi, Math.min(bHi, liftHi))]
}

/**
 * Two-sided interval of the trimmed mean at `confidence` that agrees with rulePValues() (ruleBounds at (1 −
 * confidence)/2 each side).
 */
export function ruleInterval(
  loc: TrimmedLocation,
  tStar: Float64Array | undefined,
  confidence: number,
  x?: readonly number[],
  threshold = 0
): [number, number] {
  const a = (1 - confidence) / 2
  return ruleBounds(loc, tStar, a, a, x, threshold)
}

/**
 * The shipped rule's statistics for one comparison: trimmed-mean overhead, its interval at
 * `confidence` and one-sided p-values against the budget (no multiplicity adjustment here; the
 * decision with Holm and looks is decideAtLook's). With `levels` (the simulation's decision-only
 * mode, see DecisionLevels) the interval is NaN. Throws on non-finite log-ratios or a bad budget.
 */
export function analyseComparison(input: RuleInput, confidence: number, levels?: DecisionLevels): RuleAnalysis {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`)
  const threshold = logThreshold(input.direction, input.budget)
  const x = orient(input.logRatios, input.direction)
  const location = trimmedLocation(x, TRIM, 'log-ratio of block')
  const { pFail, pPass, tStar } = rulePValues(x, location, threshold, levels)
  const [lo, hi] = levels === undefined ? ruleInterval(location, tStar, confidence, x, threshold) : [NaN, NaN]
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

/**
 * The interval a gated decision used: lower end at the FAIL level its Holm step and look allowed
 * (`failLevel`), upper end at the PASS level (`passLevel`), on the overhead scale. FAIL ⇔ the lower
 * end lies beyond the budget, PASS ⇔ the upper end within it (to the P_TOLERANCE of the levels).
 */
export function decisionInterval(input: RuleInput, failLevel: number, passLevel: number): [number, number] {
  const threshold = logThreshold(input.direction, input.budget)
  const x = orient(input.logRatios, input.direction)
  const location = trimmedLocation(x, TRIM, 'log-ratio of block')
  const { tStar } = rulePValues(x, location, threshold)
  const [lo, hi] = ruleBounds(location, tStar, failLevel, passLevel, x, threshold)
  return [overheadOfOriented(input.direction, lo), overheadOfOriented(input.direction, hi)]
}
