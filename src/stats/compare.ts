import type { Comparison, ComparisonKind, MetricName, RoundResult } from '../types.js'
import { pairedLogRatios } from './logRatios.js'
import { signFlipTest, type Alternative } from './signFlip.js'
import { meanSd, pairedTTest, tInterval } from './tTest.js'

/** Options of compare(): CI level and, when the comparison is gated, the overhead budget (fraction). */
export interface CompareOptions {
  /** What is compared (default 'overhead'); changes wording only, not the statistics. */
  kind?: ComparisonKind
  /** Two-sided confidence level of the reported CI, e.g. 0.95. */
  confidence: number
  /** Overhead budget as a fraction (0.05 = 5%), or null when the comparison is only reported. */
  budget: number | null
  /** Compare an extra phase of the rounds (RoundResult.phases[].id) instead of the primary load. */
  phase?: string
}

/**
 * Overhead of a mean log-ratio, signed so that positive = tracing costs:
 * QPS 1 − exp(d) (fewer requests served), P99 and CPU per request exp(d) − 1 (slower tail, more CPU).
 */
export function overheadOf(metric: MetricName, meanLogRatio: number): number {
  return metric === 'qps' ? 1 - Math.exp(meanLogRatio) : Math.exp(meanLogRatio) - 1
}

/** A log-scale interval [lo, hi] of the mean log-ratio on the overhead scale (ordered low to high). */
export function overheadInterval(metric: MetricName, lo: number, hi: number): [number, number] {
  // overheadOf is decreasing in d for QPS, increasing for the others: the bounds swap for QPS.
  return metric === 'qps' ? [overheadOf(metric, hi), overheadOf(metric, lo)] : [overheadOf(metric, lo), overheadOf(metric, hi)]
}

/**
 * Log-scale threshold and alternative of "overhead > budget": QPS ln(1 − T) with 'less'
 * (arm serves fewer than (1 − T)·ref), P99 and CPU per request ln(1 + T) with 'greater'.
 */
export function failHypothesis(metric: MetricName, budget: number): { mu0: number; alternative: Alternative } {
  return metric === 'qps'
    ? { mu0: Math.log(1 - budget), alternative: 'less' }
    : { mu0: Math.log(1 + budget), alternative: 'greater' }
}

/**
 * Compares `armId` with `refArmId` on `metric` from per-block paired log-ratios: overhead, its
 * t-interval mapped to the overhead scale, two-sided t and sign-flip p-values of "no difference",
 * and, when gated, pFail = max(one-sided t p, one-sided sign-flip p) of H0 "overhead ≤ budget"
 * (both tests must agree before anything fails: robust to non-normal log-ratios at small n).
 * pFailAdjusted and decision are left null for decide(). With n < 2 the CI and p-values are NaN.
 */
export function compare(
  rounds: readonly RoundResult[],
  armId: string,
  refArmId: string,
  metric: MetricName,
  opts: CompareOptions
): Comparison {
  return compareLogRatios(pairedLogRatios(rounds, armId, refArmId, metric, opts.phase), armId, refArmId, metric, opts)
}

/**
 * The statistics of compare() on given per-block log-ratios — also used for the difference in
 * differences of two builds' overheads, whose per-block values are not a single arm pair.
 */
export function compareLogRatios(
  d: number[],
  armId: string,
  refArmId: string,
  metric: MetricName,
  opts: CompareOptions
): Comparison {
  const { confidence, budget } = opts
  if (metric !== 'qps' && metric !== 'p99' && metric !== 'cpu') throw new Error(`unknown metric '${String(metric)}'`)
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`confidence must be in (0, 1), got ${confidence}`)
  }
  if (budget !== null) {
    // A QPS overhead of 100% or more means the arm serves nothing: no finite log threshold exists.
    const max = metric === 'qps' ? 1 : Infinity
    if (!(Number.isFinite(budget) && budget >= 0 && budget < max)) {
      throw new RangeError(
        `${metric} budget for arm '${armId}' must be a fraction in [0, ${metric === 'qps' ? '1)' : '∞)'}, got ${budget}`
      )
    }
  }
  const { n, mean, sd } = meanSd(d)
  const [lo, hi] = tInterval(d, confidence)
  const [ciLow, ciHigh] = overheadInterval(metric, lo, hi)

  let pFail: number | null = null
  if (budget !== null) {
    const { mu0, alternative } = failHypothesis(metric, budget)
    // Math.max propagates NaN (n < 2), which decide() turns into inconclusive.
    pFail = Math.max(pairedTTest(d, mu0, alternative).p, signFlipTest(d, mu0, alternative))
  }

  return {
    kind: opts.kind ?? 'overhead',
    paired: true,
    armId,
    referenceArmId: refArmId,
    metric,
    n,
    logRatios: d,
    meanLogRatio: mean,
    sdLogRatio: sd,
    overhead: overheadOf(metric, mean),
    ciLow,
    ciHigh,
    confidence,
    pValue: pairedTTest(d, 0, 'two-sided').p,
    pPermutation: signFlipTest(d, 0, 'two-sided'),
    budget,
    pFail,
    pFailAdjusted: null,
    decision: null,
    ...(opts.phase !== undefined ? { phase: opts.phase } : {})
  }
}
