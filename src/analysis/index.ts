/**
 * Pure decision core: trimmed-mean rule (t and bootstrap-t), group-sequential looks with α spending, stored history,
 * sensitivity.
 */
export { TRIM, trimmedLocation, type TrimmedLocation } from './robust.js'
export {
  BOOTSTRAP_RESAMPLES,
  bootstrapInterval,
  bootstrapT,
  dataSeed,
  type BootstrapOptions,
  type BootstrapResult
} from './bootstrap.js'
export {
  analyseComparison,
  atBudgetTolerance,
  DF_FACTOR,
  logThreshold,
  MIN_BLOCKS,
  orient,
  overheadOfOriented,
  ruleDf,
  ruleInterval,
  rulePValues,
  trimmedPValues,
  BOOTSTRAP_LIFT,
  type DecisionLevels,
  type Direction,
  type RuleAnalysis,
  type RuleInput
} from './rule.js'
export { alphaSpent, crossingProbability, efficacyBoundaries, type SpendingFunction } from './spending.js'
export {
  DEFAULT_FAIL_SPENDING,
  DEFAULT_PASS_SPENDING,
  nominalLevels,
  planLooks,
  sequentialStep,
  type LookStatistic,
  type PlanLooksOptions,
  type SequentialDecision,
  type SequentialDesign,
  type SequentialState
} from './sequential.js'
export { decideAtLook, type ComparisonVerdict, type GatedComparison, type LookResult } from './decide.js'
export { compareWithHistory, DEFAULT_HISTORY_RUNS, MIN_HISTORY_RUNS, type HistoryComparison } from './history.js'
export { failPower, minimumDetectableOverhead, type Sensitivity, type SensitivityOptions } from './sensitivity.js'
