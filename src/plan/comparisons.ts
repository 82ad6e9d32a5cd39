/**
 * The comparison plan: the ONE list of what a run compares and which of those comparisons gate the
 * check. Config validation (the Holm family size and the minimum blocks), the analysis, the report
 * and the results file all read it, so the gated family cannot drift between them.
 */
import { METRIC_IDS, METRICS, type BudgetKey, type MetricSpec } from '../metrics.js'
import { NONE_ARM_ID, OFF_ARM_ID, baseArmId, recordingArmId } from './plan.js'
import { OPEN_PHASE_ID, phaseIds } from '../load/scenarios.js'
import type { ArmSpec, ComparisonKind, MetricName } from '../types.js'

/** Id of the stored main baseline's off arm in comparisons. */
export const STORED_OFF_ARM_ID = 'stored/off'

/** One planned comparison: what is compared with what, and against which budget. */
export interface PlannedComparison {
  kind: ComparisonKind
  armId: string
  referenceArmId: string
  metric: MetricName
  /** An extra phase's id (`c=200`, `open`), absent for the primary load. */
  phase?: string
  /** Budget (fraction) when gated, null when only reported. */
  budget: number | null
  /**
   * paired: per-block log-ratios of two arms of this run; diff-in-diff: the difference of two builds'
   * per-block overhead log-ratios (`armId` vs off minus `referenceArmId` vs base/off); stored: this
   * run's arm vs the stored main history (unpaired).
   */
  source: 'paired' | 'diff-in-diff' | 'stored'
}

/** The config fields the plan reads (budgets as fractions, null = reported only); Config has them all. */
export type PlanConfig = Readonly<Record<BudgetKey | 'maxOverheadIncrease', number | null>> & {
  readonly connectionLevels: readonly number[]
  readonly openLoopRate: number | 'auto' | null
}

/** What is known about the run besides the config. */
export interface PlanContext {
  /** CPU per request can be compared (every round has /proc samples). */
  cpuMeasured: boolean
  /** A usable stored main baseline is there. */
  stored: boolean
}

function budgetOf(config: PlanConfig, key: MetricSpec['budgets'][keyof MetricSpec['budgets']]): number | null {
  return key === null ? null : config[key]
}

/** The reference a build's arms are compared with: its own off arm. */
function offOf(arm: ArmSpec): string {
  return arm.build === 'base' ? baseArmId(OFF_ARM_ID) : OFF_ARM_ID
}

/** The decomposition (MooBench's steps), reported, never gated: none → off, off → recording, recording → exporting. */
function decompositionComparisons(
  arms: readonly ArmSpec[],
  traced: readonly ArmSpec[],
  metrics: readonly MetricSpec[]
): PlannedComparison[] {
  const out: PlannedComparison[] = []
  if (arms.some((a) => a.id === NONE_ARM_ID)) {
    for (const m of metrics)
      out.push({
        kind: 'instrumentation',
        armId: OFF_ARM_ID,
        referenceArmId: NONE_ARM_ID,
        metric: m.id,
        budget: null,
        source: 'paired'
      })
  }
  for (const rec of arms.filter((a) => a.kind === 'recording')) {
    const tracedId = traced.find((a) => recordingArmId(a.id) === rec.id)?.id
    for (const m of metrics) {
      out.push({
        kind: 'overhead',
        armId: rec.id,
        referenceArmId: offOf(rec),
        metric: m.id,
        budget: null,
        source: 'paired'
      })
      if (tracedId !== undefined)
        out.push({
          kind: 'export',
          armId: tracedId,
          referenceArmId: rec.id,
          metric: m.id,
          budget: null,
          source: 'paired'
        })
    }
  }
  return out
}

/**
 * Every comparison of a run, gated or reported, in a stable order:
 * 1. tracing overhead of each traced arm vs its build's off arm (gated for head, reported for base);
 * 2. with an uninstrumented arm, the cost of instrumentation loaded but off (off vs none), reported;
 * 3. head vs base with tracing off (regression, gated by the regression budgets);
 * 4. change of overhead, head vs base, at each sampling rate (difference in differences);
 * 5. the extra phases (more connection levels: reported; the open loop's P99: gated by its budget);
 * 6. this run's off arm vs the stored main history (regression).
 */
export function planComparisons(config: PlanConfig, arms: readonly ArmSpec[], ctx: PlanContext): PlannedComparison[] {
  const out: PlannedComparison[] = []
  const has = (id: string): boolean => arms.some((a) => a.id === id)
  const metrics = METRIC_IDS.map((id) => METRICS[id]).filter((m) => ctx.cpuMeasured || !m.needsResources)
  const traced = arms.filter((a) => a.kind !== 'off' && a.kind !== 'none' && a.kind !== 'recording')
  for (const arm of traced) {
    for (const m of metrics) {
      out.push({
        kind: 'overhead',
        armId: arm.id,
        referenceArmId: offOf(arm),
        metric: m.id,
        budget: arm.build === 'head' ? budgetOf(config, m.budgets.overhead) : null,
        source: 'paired'
      })
    }
  }
  out.push(...decompositionComparisons(arms, traced, metrics))
  if (has(baseArmId(OFF_ARM_ID))) {
    for (const m of metrics.filter((x) => x.budgets.regression !== null)) {
      out.push({
        kind: 'regression',
        armId: OFF_ARM_ID,
        referenceArmId: baseArmId(OFF_ARM_ID),
        metric: m.id,
        budget: budgetOf(config, m.budgets.regression),
        source: 'paired'
      })
    }
    for (const arm of traced.filter((a) => a.build === 'head' && a.kind === 'sampled' && has(baseArmId(a.id)))) {
      for (const m of metrics.filter((x) => !x.needsResources)) {
        out.push({
          kind: 'overhead-change',
          armId: arm.id,
          referenceArmId: baseArmId(arm.id),
          metric: m.id,
          budget: config.maxOverheadIncrease,
          source: 'diff-in-diff'
        })
      }
    }
  }
  for (const phase of phaseIds(config)) {
    const open = phase === OPEN_PHASE_ID
    for (const arm of traced) {
      for (const m of metrics.filter((x) => (open ? x.inOpenLoop : x.inPhases))) {
        const budget = open && arm.build === 'head' ? budgetOf(config, m.budgets.openLoop) : null
        out.push({
          kind: 'overhead',
          armId: arm.id,
          referenceArmId: offOf(arm),
          metric: m.id,
          phase,
          budget,
          source: 'paired'
        })
      }
    }
  }
  if (ctx.stored) {
    for (const m of metrics.filter((x) => x.budgets.regression !== null && !x.needsResources)) {
      out.push({
        kind: 'regression',
        armId: OFF_ARM_ID,
        referenceArmId: STORED_OFF_ARM_ID,
        metric: m.id,
        budget: budgetOf(config, m.budgets.regression),
        source: 'stored'
      })
    }
  }
  return out
}

/** The gated part of a plan: the Holm family. */
export function gatedComparisons(plan: readonly PlannedComparison[]): PlannedComparison[] {
  return plan.filter((c) => c.budget !== null)
}
