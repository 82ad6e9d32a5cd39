import type { Config } from '../../src/config/config.js'
import { analyse } from '../../src/analysis/analyse.js'
import type { Comparison, Plan, RoundResult } from '../../src/types.js'

/**
 * Every comparison of a same-job run (the plan of src/plan/comparisons.ts), with statistics,
 * before the gate's decision (pFailAdjusted and decision still null): what the tests of the
 * comparison plan and of `decide` start from.
 */
export function compareArms(config: Config, plan: Plan, rounds: RoundResult[]): Comparison[] {
  return analyse(config, plan.arms, rounds).comparisons.map((c) =>
    c.budget === null ? c : { ...c, pFailAdjusted: null, decision: null }
  )
}
