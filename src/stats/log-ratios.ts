import type { MetricName, RoundResult } from '../types.js'
import { metricValue } from '../metrics.js'

// The values of a round live in the metric registry; re-exported for the modules that read them here.
export { cpuSecondsPerKiloRequest, metricValue, phaseLoad } from '../metrics.js'

/**
 * Per-block paired log-ratios `ln(value_arm / value_ref)` in ascending block order, over the
 * blocks where both arms have a round. Throws on a non-positive or non-finite value of either
 * arm (a 0-QPS round is a fault, not a ratio), on two rounds of one arm in one block, and when
 * either arm has no round at all (an unknown id must not turn into a quiet "inconclusive").
 */
export function pairedLogRatios(
  rounds: readonly RoundResult[],
  armId: string,
  refArmId: string,
  metric: MetricName,
  /** An extra phase's id (RoundResult.phases), or undefined for the primary load. */
  phase?: string
): number[] {
  if (armId === refArmId) {
    throw new Error(`cannot compare arm '${armId}' with itself`)
  }
  const byArm = new Map<string, Map<number, number>>([
    [armId, new Map()],
    [refArmId, new Map()]
  ])
  for (const round of rounds) {
    const perBlock = byArm.get(round.armId)
    if (perBlock === undefined) continue
    const value = metricValue(round, metric, phase)
    // Checked for every round of both arms, paired or not: a broken round must never pass unseen.
    if (!Number.isFinite(value) || value <= 0) {
      throw new Error(
        `arm '${round.armId}' block ${round.block}: ${metric}${phase === undefined ? '' : ` of phase '${phase}'`} ` +
          `must be a positive finite number, got ${String(value)}`
      )
    }
    if (perBlock.has(round.block)) {
      throw new Error(`arm '${round.armId}' has more than one round in block ${round.block}`)
    }
    perBlock.set(round.block, value)
  }
  const arm = byArm.get(armId)!
  const ref = byArm.get(refArmId)!
  // An arm without any round is a wrong id or a lost arm, not "too few blocks": say so loudly.
  for (const [id, perBlock] of byArm) {
    if (perBlock.size === 0) {
      const known = [...new Set(rounds.map((r) => r.armId))].map((a) => `'${a}'`).join(', ')
      throw new Error(`no rounds for arm '${id}' (arms with rounds: ${known || 'none'})`)
    }
  }
  const blocks = [...arm.keys()].filter((b) => ref.has(b)).sort((a, b) => a - b)
  return blocks.map((b) => Math.log(arm.get(b)! / ref.get(b)!))
}
