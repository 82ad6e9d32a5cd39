/**
 * The metric registry: everything the gate knows about a metric in one entry. Adding a metric is one
 * entry here (plus its budget inputs in config/inputs.ts); the comparison plan, the statistics, the
 * gate's reasons and the report read direction, labels and values from this table only.
 */
import type { LoadResult, MetricName, RoundResult } from './types.js'

/** Which budget of the config gates a metric in each kind of comparison (null: reported only). */
export interface MetricBudgets {
  /** Traced arm vs the off arm of the same build. */
  overhead: BudgetKey | null
  /** Head vs base (same job) or vs the stored main history, tracing off. */
  regression: BudgetKey | null
  /** Traced arm in an extra phase (closed levels are reported; the open loop has its own P99 budget). */
  openLoop: BudgetKey | null
}

/** Config fields that hold a budget (fractions or null). */
export type BudgetKey =
  | 'maxQpsOverhead'
  | 'maxP99Overhead'
  | 'maxCpuOverhead'
  | 'maxQpsRegression'
  | 'maxP99Regression'
  | 'maxP99OpenOverhead'

export interface MetricSpec {
  id: MetricName
  /** In titles and sentences: `QPS`, `P99`, `CPU per request`. */
  label: string
  /** In table cells: `QPS`, `P99`, `CPU/req`. */
  short: string
  /** Unit of the raw value: `req/s`, `µs`, `CPU-s per 1k requests`. */
  unit: string
  /** Direction: for QPS more is better; for latency and CPU per request less is better. */
  lowerIsBetter: boolean
  budgets: MetricBudgets
  /** Measured in extra phases too (CPU is sampled over the primary phase only). */
  inPhases: boolean
  /** Only comparable in the open loop? (QPS there is the offered rate, so not.) */
  inOpenLoop: boolean
  /** Needs /proc resource samples in every round. */
  needsResources: boolean
  /** The value of one round (phase: an extra phase's id). */
  valueOf(round: RoundResult, phase?: string): number
}

/**
 * The load of one round: the primary phase (`round.load`), or with `phase` the extra phase of that id
 * (throws when the round lacks it: a missing phase must not pair silently with fewer blocks).
 */
export function phaseLoad(round: RoundResult, phase?: string): LoadResult {
  if (phase === undefined) return round.load
  const p = round.phases?.find((x) => x.id === phase)
  if (p === undefined) {
    const known = (round.phases ?? []).map((x) => `'${x.id}'`).join(', ')
    throw new Error(
      `arm '${round.armId}' block ${round.block}: no phase '${phase}' in this round (phases: ${known || 'none'})`
    )
  }
  return p.load
}

/** CPU-seconds per 1,000 successful requests of one round: cpuSeconds / (okServed / 1000), over one span. */
export function cpuSecondsPerKiloRequest(round: RoundResult): number {
  if (round.resources === undefined) {
    throw new Error(
      `arm '${round.armId}' block ${round.block}: no CPU/RSS data for this round (sampling needs Linux /proc)`
    )
  }
  // ok = 0 gives Infinity, which the log-ratio pairing rejects by name.
  return round.resources.cpuSeconds / ((round.resources.okServed ?? round.load.ok) / 1000)
}

export const METRICS: Readonly<Record<MetricName, MetricSpec>> = {
  qps: {
    id: 'qps',
    label: 'QPS',
    short: 'QPS',
    unit: 'req/s',
    lowerIsBetter: false,
    budgets: { overhead: 'maxQpsOverhead', regression: 'maxQpsRegression', openLoop: null },
    inPhases: true,
    inOpenLoop: false,
    needsResources: false,
    valueOf: (round, phase) => phaseLoad(round, phase).qps
  },
  p99: {
    id: 'p99',
    label: 'P99',
    short: 'P99',
    unit: 'µs',
    lowerIsBetter: true,
    budgets: { overhead: 'maxP99Overhead', regression: 'maxP99Regression', openLoop: 'maxP99OpenOverhead' },
    inPhases: true,
    inOpenLoop: true,
    needsResources: false,
    valueOf: (round, phase) => phaseLoad(round, phase).latency.p99Us
  },
  cpu: {
    id: 'cpu',
    label: 'CPU per request',
    short: 'CPU/req',
    unit: 'CPU-s per 1k requests',
    lowerIsBetter: true,
    budgets: { overhead: 'maxCpuOverhead', regression: null, openLoop: null },
    inPhases: false,
    inOpenLoop: false,
    needsResources: true,
    valueOf: (round, phase) => {
      if (phase !== undefined)
        throw new Error(`CPU per request is only measured in the primary phase, not in phase '${phase}'`)
      return cpuSecondsPerKiloRequest(round)
    }
  }
}

/** Registry order: the order comparisons and tables list metrics in. */
export const METRIC_IDS: readonly MetricName[] = Object.keys(METRICS) as MetricName[]

/** The registry entry of `id`; throws on an unknown id (outside data must not become undefined). */
export function metricSpec(id: string): MetricSpec {
  const m = (METRICS as Record<string, MetricSpec | undefined>)[id]
  if (m === undefined) throw new Error(`unknown metric '${id}' (known: ${METRIC_IDS.join(', ')})`)
  return m
}

/** The value of `metric` in one round (see MetricSpec.valueOf). */
export function metricValue(round: RoundResult, metric: MetricName, phase?: string): number {
  return metricSpec(metric).valueOf(round, phase)
}
