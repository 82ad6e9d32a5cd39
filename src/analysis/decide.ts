import { compareWithHistory, historyDecisionInterval } from './history.js'
import { analyseComparison, decisionInterval, type DecisionLevels, type Direction } from './rule.js'
import { sequentialStep, type LookStatistic, type SequentialDecision, type SequentialDesign } from './sequential.js'
import type { OverheadInterval } from '../types.js'

/** A gated comparison's data at a look: paired per-block log-ratios, or this run vs a stored history. */
export type GatedComparison =
  | {
      kind: 'paired'
      id: string
      direction: Direction
      budget: number
      logRatios: readonly number[]
      cannotFail?: string
    }
  | {
      kind: 'history'
      id: string
      direction: Direction
      budget: number
      /** Why this comparison may not FAIL besides a short history (e.g. a baseline from another machine). */
      cannotFail?: string
      /** This run's per-round raw values of the arm/metric. */
      current: readonly number[]
      /** The stored runs' per-round raw values of the same arm/metric, one array per run. */
      history: readonly (readonly number[])[]
    }

/** The verdict of one gated comparison after a look (frozen once decided). */
export interface ComparisonVerdict extends OverheadInterval {
  id: string
  decision: SequentialDecision
  decidedAtLook: number | null
  /**
   * Overhead of the typical block and its repeated confidence interval at `confidence`, whose
   * coverage of [ciLow, ciHigh], 1 − failLevel − passLevel: the lower end is at the FAIL level this
   * comparison was held to (its Holm step at its look), the upper end at the PASS level, so FAIL ⇔
   * ciLow beyond the budget and PASS ⇔ ciHigh within it — the interval the decision used.
   */
  n: number
  pFail: number
  pPass: number
  /** Nominal thresholds of this look: FAIL at the Holm step that applied, PASS. */
  failLevel: number
  passLevel: number
  budget: number
  cannotFail?: string
  /** Why this comparison may not PASS (a stored history below MIN_HISTORY_RUNS runs). */
  cannotPass?: string
  /** Stored runs, for history comparisons. */
  runs?: number
  /** Robust per-block noise (log scale) of a paired comparison, for minimumDetectableOverhead(); NaN for history. */
  blockScale: number
}

/** Result of decideAtLook(): one verdict per gated comparison, whether to stop, and why in words. */
export interface LookResult {
  look: number
  blocks: number
  verdicts: ComparisonVerdict[]
  stop: boolean
  reason: string
}

function statisticsOf(
  c: GatedComparison,
  confidence: number,
  levels?: DecisionLevels
): Omit<ComparisonVerdict, 'id' | 'decision' | 'decidedAtLook' | 'failLevel' | 'passLevel'> {
  if (c.kind === 'paired') {
    const a = analyseComparison(
      { logRatios: c.logRatios, direction: c.direction, budget: c.budget },
      confidence,
      levels
    )
    return {
      overhead: a.overhead,
      ciLow: a.ciLow,
      ciHigh: a.ciHigh,
      confidence,
      n: a.n,
      pFail: a.pFail,
      pPass: a.pPass,
      budget: c.budget,
      blockScale: a.blockScale,
      ...(c.cannotFail !== undefined ? { cannotFail: c.cannotFail } : {})
    }
  }
  if (c.kind !== 'history') throw new RangeError(`unknown comparison kind '${String((c as { kind: unknown }).kind)}'`)
  const h = compareWithHistory(c.current, c.history, c.direction, c.budget, confidence)
  return {
    overhead: h.overhead,
    ciLow: h.ciLow,
    ciHigh: h.ciHigh,
    confidence,
    n: h.n,
    pFail: h.pFail,
    pPass: h.pPass,
    budget: c.budget,
    blockScale: NaN,
    runs: h.runs,
    ...(h.cannotPass !== undefined ? { cannotPass: h.cannotPass } : {}),
    ...(h.cannotFail !== undefined || c.cannotFail !== undefined
      ? { cannotFail: [c.cannotFail, h.cannotFail].filter((x) => x !== undefined).join('; ') }
      : {})
  }
}

/**
 * The engine's call after each look: statistics of every gated comparison on the blocks so far,
 * the design's Holm/α-spending step, and whether to stop. `previous` is the result of the previous
 * look (omit at look 0); decided comparisons keep their earlier verdict and numbers. `final: true`
 * ends the run here (e.g. the time budget leaves no room for the next look): open comparisons become
 * INCONCLUSIVE — conservative, the unspent α is simply not used. `decisionsOnly: true` is the
 * simulation's fast path: the same decisions, but p-values far from this look's levels are bounds
 * and paired intervals NaN (see DecisionLevels).
 */
export function decideAtLook(
  comparisons: readonly GatedComparison[],
  look: number,
  design: SequentialDesign,
  previous?: LookResult,
  opts: { final?: boolean; decisionsOnly?: boolean } = {}
): LookResult {
  if (previous !== undefined && previous.look !== look - 1)
    throw new RangeError(`previous result is of look ${previous.look}, expected ${look - 1}`)
  const passLevel = design.passLevels[look]
  const confidence = 1 - 2 * passLevel
  const failAt = design.failLevels.map((l) => l[look])
  const levels: DecisionLevels | undefined =
    opts.decisionsOnly === true
      ? { min: Math.min(passLevel, ...failAt), max: Math.max(passLevel, ...failAt) }
      : undefined
  const stats = comparisons.map((c, i) => {
    const prev = previous?.verdicts[i]
    if (prev !== undefined && prev.id !== c.id)
      throw new RangeError(`comparison ${i} is '${c.id}' but was '${prev.id}' at the previous look`)
    return prev !== undefined && prev.decidedAtLook !== null ? null : statisticsOf(c, confidence, levels)
  })
  // Decided comparisons are frozen: their statistics no longer matter to the step.
  const lookStats: LookStatistic[] = stats.map((s) => s ?? { pFail: NaN, pPass: NaN })
  const { states, stop } = sequentialStep(
    lookStats,
    look,
    design,
    previous?.verdicts.map((v) => ({ decision: v.decision, decidedAtLook: v.decidedAtLook })),
    opts.final === true
  )
  const failedBefore = previous?.verdicts.filter((v) => v.decision === 'fail').length ?? 0
  // Holm within the look: the r-th FAIL of this look (by ascending p) was held to step failedBefore + r;
  // every comparison not failed here was held to the step after the last FAIL.
  const failedNow = stats
    .map((s, i) => ({ s, i }))
    .filter(({ s, i }) => s !== null && states[i].decision === 'fail')
    .sort((a, b) => (a.s as { pFail: number }).pFail - (b.s as { pFail: number }).pFail)
    .map(({ i }) => i)
  const stepOf = (i: number): number => {
    const r = failedNow.indexOf(i)
    return Math.min(failedBefore + (r >= 0 ? r : failedNow.length), design.gated - 1)
  }
  const verdicts = comparisons.map((c, i): ComparisonVerdict => {
    const s = stats[i]
    if (s === null) return previous!.verdicts[i]
    const failLevel = design.failLevels[stepOf(i)][look]
    // The printed interval is the decision's: each end at the level its side was tested at.
    const [ciLow, ciHigh] = opts.decisionsOnly === true ? [NaN, NaN] : decisionIntervalOf(c, failLevel, passLevel)
    return {
      id: c.id,
      ...s,
      ciLow,
      ciHigh,
      confidence: 1 - failLevel - passLevel,
      decision: states[i].decision,
      decidedAtLook: states[i].decidedAtLook,
      failLevel,
      passLevel
    }
  })
  return {
    look,
    blocks: design.looks[look],
    verdicts,
    stop,
    reason: lookReason(verdicts, look, design, stop, opts.final === true)
  }
}

/**
 * The interval a gated comparison's decision used at these levels (rule.ts decisionInterval, history.ts
 * historyDecisionInterval).
 */
function decisionIntervalOf(c: GatedComparison, failLevel: number, passLevel: number): [number, number] {
  if (c.kind === 'paired')
    return decisionInterval({ logRatios: c.logRatios, direction: c.direction, budget: c.budget }, failLevel, passLevel)
  const h = compareWithHistory(c.current, c.history, c.direction, c.budget, 0.95)
  return historyDecisionInterval(h, c.direction, failLevel, passLevel)
}

function lookReason(
  verdicts: readonly ComparisonVerdict[],
  look: number,
  design: SequentialDesign,
  stop: boolean,
  final: boolean
): string {
  const head = `look ${look + 1} of ${design.looks.length} after ${design.looks[look]} blocks`
  const count = (d: SequentialDecision): number => verdicts.filter((v) => v.decision === d).length
  const tally =
    `${count('fail')} FAIL, ${count('pass')} ` +
    `PASS${count('inconclusive') > 0 ? `, ${count('inconclusive')} INCONCLUSIVE` : ''}`
  if (verdicts.length === 0) return `${head}: nothing is gated → stop`
  if (!stop)
    return (
      `${head}: ${count('undecided')} of ${verdicts.length} gated comparisons undecided (${tally}) → continue to ` +
      `${design.looks[look + 1]} blocks`
    )
  if (count('inconclusive') === 0) return `${head}: every gated comparison decided (${tally}) → stop`
  const why = final && look < design.looks.length - 1 ? 'stopped before the planned last look' : 'last planned look'
  return `${head}: ${why} (${tally}) → stop`
}
