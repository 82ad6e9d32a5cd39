/**
 * Blocks of several runners (a `mode: merge` of `mode: measure` runs) pooled with the runner as a
 * blocking factor. A runner's speed offset cancels inside every block's paired log-ratio (both arms ran
 * on that runner in the same minute), so the pooled log-ratios carry no runner offset. What does not
 * cancel is a runner × arm interaction (tracing costs more on one runner's CPU): it shows as runner means
 * of the log-ratios that scatter more than their own standard errors allow. That spread is estimated
 * (DerSimonian–Laird moment estimate on the runners' trimmed means, Cochran's Q for its p), reported,
 * and — when the estimate is positive — added to the pooled estimate's variance: the blocks' deviations
 * from the pooled trimmed mean are scaled by the widening factor, which leaves the estimate as it is
 * and multiplies the rule's standard error (Yuen and bootstrap-t alike) by that factor. The choice was
 * made by simulation (bench/sim-merge.ts, docs/matrix.md).
 */
import { chiSquareSf } from '../stats/distributions.js'
import type { RoundResult, RunnerSpread } from '../types.js'
import { trimmedLocation } from './robust.js'

/** The blocks (ascending) where both arms have a round: the blocks of pairedLogRatios' values, in its order. */
export function pairedBlocks(rounds: readonly RoundResult[], armId: string, refArmId: string): number[] {
  const arm = new Set(rounds.filter((r) => r.armId === armId).map((r) => r.block))
  const ref = new Set(rounds.filter((r) => r.armId === refArmId).map((r) => r.block))
  return [...arm].filter((b) => ref.has(b)).sort((a, b) => a - b)
}

/** The between-runner spread of log-ratios labelled by runner (0…runners − 1), without widening them yet. */
export function runnerSpread(logRatios: readonly number[], runnerOf: readonly number[], runners: number): RunnerSpread {
  if (logRatios.length !== runnerOf.length)
    throw new Error(`${logRatios.length} log-ratios but ${runnerOf.length} runner labels`)
  const groups: number[][] = Array.from({ length: runners }, () => [])
  logRatios.forEach((d, i) => groups[runnerOf[i]].push(d))
  const locs = groups.map((g) => trimmedLocation(g))
  const spread: RunnerSpread = {
    blocks: groups.map((g) => g.length),
    means: locs.map((l) => l.estimate),
    tau: NaN,
    q: NaN,
    pHeterogeneity: NaN,
    widening: 1
  }
  if (runners < 2) return { ...spread, tau: 0 }
  // A runner without two untrimmed blocks or with identical blocks has no standard error to weigh it by.
  if (!locs.every((l) => Number.isFinite(l.se) && l.se > 0)) return spread
  const w = locs.map((l) => 1 / l.se ** 2)
  const sw = w.reduce((a, b) => a + b, 0)
  const mean = locs.reduce((a, l, i) => a + w[i] * l.estimate, 0) / sw
  const q = locs.reduce((a, l, i) => a + w[i] * (l.estimate - mean) ** 2, 0)
  const c = sw - w.reduce((a, b) => a + b * b, 0) / sw
  const tau2 = Math.max(0, (q - (runners - 1)) / c)
  return { ...spread, tau: Math.sqrt(tau2), q, pHeterogeneity: chiSquareSf(q, runners - 1) }
}

/**
 * Pool the log-ratios of several runners: the spread, and the log-ratios to decide on, widened by it.
 * The variance of the pooled (equal-weight per block) estimate under a random runner effect is
 * se² + τ²·Σ(n_r/N)²; the widening is √ of its ratio to se². One runner: returned as given.
 */
export function poolRunners(
  logRatios: readonly number[],
  runnerOf: readonly number[],
  runners: number
): { logRatios: number[]; spread: RunnerSpread } {
  const spread = runnerSpread(logRatios, runnerOf, runners)
  const pooled = trimmedLocation(logRatios)
  if (!(spread.tau > 0) || !(pooled.se > 0)) return { logRatios: [...logRatios], spread }
  const n = logRatios.length
  const share = spread.blocks.reduce((a, b) => a + (b / n) ** 2, 0)
  const widening = Math.sqrt(1 + (spread.tau ** 2 * share) / pooled.se ** 2)
  const c = pooled.estimate
  return { logRatios: logRatios.map((d) => c + (d - c) * widening), spread: { ...spread, widening } }
}
