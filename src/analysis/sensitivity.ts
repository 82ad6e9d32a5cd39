import { tCdf, tQuantile } from '../stats/distributions.js'
import { BOOTSTRAP_LIFT, logThreshold, overheadOfOriented, ruleDfAt, type Direction } from './rule.js'
import { nominalLevels, type SequentialDesign } from './sequential.js'
import { crossingProbability } from './spending.js'

/**
 * The bootstrap-t lift (rule.ts) costs power: under normal noise the rule FAILs like the trimmed t
 * at about 1/2.5 of the nominal level (between 1, the t alone, and BOOTSTRAP_LIFT = 10, the most the
 * lift can demand). Fitted to `npm run sim -- --mde`: the computed 80 %-power excess is within 7 %
 * of the simulated one for 1 and 4 gated comparisons, one look and the default looks.
 */
export const LIFT_LEVEL_DIVISOR = 2.5

/** Options of minimumDetectableOverhead(). */
export interface SensitivityOptions {
  design: SequentialDesign
  /**
   * Robust per-block noise on the log scale: RuleAnalysis.blockScale (trimmed-mean SE·√n) of the
   * comparison, or a pooled value over the gated comparisons.
   */
  blockScale: number
  direction: Direction
  budget: number
  /** Target power (default 0.8). */
  power?: number
  /** Index of the last look the run can reach (default: the design's last). */
  lastLook?: number
}

/** The smallest overhead caught with the target power, and whether that is worse than the budget allows. */
export interface Sensitivity {
  /** Overhead at which FAIL has the target power. */
  overhead: number
  /** overhead − budget: how far beyond the budget an overhead must be to be caught. */
  detectableExcess: number
  /** Oriented log-scale excess beyond the budget's threshold. */
  logExcess: number
  /** detectableExcess > budget: overheads up to twice the budget may well pass unnoticed. */
  underpowered: boolean
}

/**
 * Power of the design's FAIL test of one comparison at the first Holm step (level α/2/k: the
 * worst case, when no other comparison has failed) for a true oriented log excess `logExcess`.
 * The rule's trimmed t at look j (df_j = 0.85·(h_j − 1)) is approximated as (Z + μ_j)/S with S² ~ χ²_df/df, i.e. a
 * normal
 * statistic against the boundary (c_j − μ_j)/√(1 + c_j²/(2 df_j)), c_j the t critical value of the
 * look's nominal level / LIFT_LEVEL_DIVISOR (the bootstrap lift) and μ_j = logExcess·√n_j / blockScale; the looks'
 * correlation is the
 * Brownian √(n_i/n_j). Checked against `npm run sim -- --mde` (within 10 %).
 */
export function failPower(
  design: SequentialDesign,
  blockScale: number,
  logExcess: number,
  lastLook = design.looks.length - 1
): number {
  return sidePower(design, blockScale, logExcess, 'fail', lastLook)
}

/**
 * failPower() for either side: 'fail' at the first Holm step, 'pass' at the design's PASS levels (α/2 per
 * comparison, the same bootstrap lift), `logDistance` the true oriented log distance from the budget's threshold on
 * that side (beyond it for 'fail', within it for 'pass'). The rule is symmetric in the two tests.
 */
export function sidePower(
  design: SequentialDesign,
  blockScale: number,
  logDistance: number,
  side: 'fail' | 'pass',
  lastLook = design.looks.length - 1,
  liftDivisor = LIFT_LEVEL_DIVISOR
): number {
  const looks = design.looks.slice(0, lastLook + 1)
  const max = design.looks[design.looks.length - 1]
  const levels =
    side === 'pass'
      ? design.passLevels
      : (design.failLevels[0] ??
        nominalLevels(
          design.looks.map((b) => b / max),
          design.alpha / 2,
          design.failSpending
        ))
  const bounds = looks.map((n, j) => {
    const df = ruleDfAt(n)
    const c = tQuantile(1 - levels[j] / liftDivisor, df)
    const mu = (logDistance * Math.sqrt(n)) / blockScale
    return (c - mu) / Math.sqrt(1 + (c * c) / (2 * df))
  })
  return crossingProbability(
    looks.map((b) => b / max),
    bounds,
    0
  )
}

/** Options of blocksToDecide(). */
export interface BlocksToDecideOptions {
  /** The design a run of n blocks would have (its looks and levels), for any n ≥ from. */
  designFor: (blocks: number) => SequentialDesign
  /** RuleAnalysis.blockScale of the comparison (log scale, per block). */
  blockScale: number
  /** Oriented log distance of the comparison's estimate from the budget's threshold (> 0). */
  logDistance: number
  side: 'fail' | 'pass'
  /** Fewest blocks considered (the blocks the run measured + 1). */
  from: number
  /** Most blocks considered; beyond it the answer is null. */
  cap: number
  /** Target probability of the decision (default 0.8). */
  power?: number
  /** The bootstrap lift's level divisor (default LIFT_LEVEL_DIVISOR; observedLiftDivisor() for a run's own). */
  liftDivisor?: number
}

/**
 * The lift the rule actually applied to a run's data: the level divisor D (1 = the trimmed t alone, BOOTSTRAP_LIFT
 * at most) at which the trimmed t's bound at the look's level `level`, t_df(1 − level/D)·se, is as wide as the
 * decision interval's half-width on that side. Small samples with a burst or a skew often take the whole lift
 * (10) where normal noise takes about 2.5 (LIFT_LEVEL_DIVISOR); NaN when the inputs do not say.
 */
export function observedLiftDivisor(halfWidth: number, se: number, n: number, level: number): number {
  const df = ruleDfAt(n)
  if (!(halfWidth > 0 && se > 0 && df > 0 && level > 0 && level < 1)) return NaN
  const tail = 1 - tCdf(halfWidth / se, df)
  return Math.min(BOOTSTRAP_LIFT, Math.max(1, level / Math.max(tail, Number.MIN_VALUE)))
}

/**
 * The fewest blocks in [from, cap] at which a comparison whose true overhead is `logDistance` from its budget's
 * threshold would be decided on that side with `power` (default 80 %) at this per-block noise, under the design a
 * run of that many blocks would have: what an INCONCLUSIVE comparison would need. Null when even `cap` blocks do not
 * reach it (an estimate at the budget needs no end of blocks). Power grows with the blocks (up to the small wobble of
 * whole looks), so the answer is found by doubling and bisection.
 */
export function blocksToDecide(opts: BlocksToDecideOptions): number | null {
  const { designFor, blockScale, logDistance, side, from, cap } = opts
  const power = opts.power ?? 0.8
  if (!(power > 0 && power < 1)) throw new RangeError(`power must be in (0, 1), got ${power}`)
  if (!(Number.isInteger(from) && Number.isInteger(cap) && from >= 3 && cap >= from))
    throw new RangeError(`from and cap must be integers with 3 ≤ from ≤ cap, got ${from} and ${cap}`)
  if (!(Number.isFinite(blockScale) && blockScale > 0 && Number.isFinite(logDistance) && logDistance > 0)) return null
  const lift = opts.liftDivisor ?? LIFT_LEVEL_DIVISOR
  const enough = (n: number): boolean => {
    const design = designFor(n)
    return sidePower(design, blockScale, logDistance, side, design.looks.length - 1, lift) >= power
  }
  if (enough(from)) return from
  let lo = from
  let hi = from
  while (!enough(hi)) {
    if (hi >= cap) return null
    lo = hi
    hi = Math.min(cap, Math.max(hi + 1, hi * 2))
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2)
    if (enough(mid)) hi = mid
    else lo = mid
  }
  return hi
}

/**
 * The smallest overhead this run could have caught (FAIL) with `power` (default 80 %) under the
 * rule actually applied: Yuen's trimmed t lifted by the bootstrap-t, Holm over design.gated comparisons, the design's
 * looks
 * and α spending, and the observed robust per-block noise. underpowered = it exceeds twice the budget.
 * NaN overheads when blockScale is not a positive finite number.
 */
export function minimumDetectableOverhead(opts: SensitivityOptions): Sensitivity {
  const { design, blockScale, direction, budget } = opts
  const power = opts.power ?? 0.8
  if (!(power > 0 && power < 1)) throw new RangeError(`power must be in (0, 1), got ${power}`)
  const lastLook = opts.lastLook ?? design.looks.length - 1
  if (!(Number.isInteger(lastLook) && lastLook >= 0 && lastLook < design.looks.length)) {
    throw new RangeError(`lastLook must be an integer in [0, ${design.looks.length - 1}], got ${String(lastLook)}`)
  }
  const threshold = logThreshold(direction, budget)
  if (!(Number.isFinite(blockScale) && blockScale > 0)) {
    return { overhead: NaN, detectableExcess: NaN, logExcess: NaN, underpowered: false }
  }
  // Power rises with the excess; bracket then bisect in units of the per-block noise.
  let lo = 0
  let hi = blockScale
  while (failPower(design, blockScale, hi, lastLook) < power && hi < 1000 * blockScale) hi *= 2
  for (let i = 0; i < 30 && hi - lo > 1e-4 * blockScale; i++) {
    const mid = (lo + hi) / 2
    if (failPower(design, blockScale, mid, lastLook) < power) lo = mid
    else hi = mid
  }
  const logExcess = hi
  const overhead = overheadOfOriented(direction, threshold + logExcess)
  const detectableExcess = overhead - budget
  return { overhead, detectableExcess, logExcess, underpowered: detectableExcess > budget }
}
