import type { LoadResult, MetricName, RoundResult } from '../types.js'

/**
 * The load of one round: the primary phase (`round.load`), or with `phase` the extra phase of that id
 * (throws when the round lacks it: a missing phase must not pair silently with fewer blocks).
 */
export function phaseLoad(round: RoundResult, phase?: string): LoadResult {
  if (phase === undefined) return round.load
  const p = round.phases?.find((x) => x.id === phase)
  if (p === undefined) {
    const known = (round.phases ?? []).map((x) => `'${x.id}'`).join(', ')
    throw new Error(`arm '${round.armId}' block ${round.block}: no phase '${phase}' in this round (phases: ${known || 'none'})`)
  }
  return p.load
}

/**
 * The value of `metric` in one round: QPS, P99 latency in microseconds, or CPU-seconds of the
 * service's process tree per 1,000 successful requests (throws when the round has no resources).
 * With `phase`, QPS and P99 of that extra phase; CPU is only sampled over the primary phase.
 */
export function metricValue(round: RoundResult, metric: MetricName, phase?: string): number {
  if (phase !== undefined && metric === 'cpu') throw new Error(`CPU per request is only measured in the primary phase, not in phase '${phase}'`)
  switch (metric) {
    case 'qps':
      return phaseLoad(round, phase).qps
    case 'p99':
      return phaseLoad(round, phase).latency.p99Us
    case 'cpu':
      return cpuSecondsPerKiloRequest(round)
    default:
      throw new Error(`unknown metric '${String(metric)}'`)
  }
}

/** CPU-seconds per 1,000 successful requests of one round: cpuSeconds / (ok / 1000). */
export function cpuSecondsPerKiloRequest(round: RoundResult): number {
  if (round.resources === undefined) {
    throw new Error(`arm '${round.armId}' block ${round.block}: no CPU/RSS data for this round (sampling needs Linux /proc)`)
  }
  // ok = 0 gives Infinity, which pairedLogRatios rejects by name.
  return round.resources.cpuSeconds / (round.load.ok / 1000)
}

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
        `arm '${round.armId}' block ${round.block}: ${metric}${phase === undefined ? '' : ` of phase '${phase}'`} must be a positive finite number, got ${String(value)}`
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
