/**
 * The analysis of a run, pure: the comparison plan → the data of each planned comparison → the
 * statistics (20 % trimmed mean of the per-block log-ratios, Yuen's interval) → the gated ones decided
 * by the group-sequential design (Holm for FAIL, α spent over the looks) → the gate's verdict.
 * The engine calls it at every look; the report and the results file read what it returns.
 */
import type { Config } from '../config/config.js'
import { pairedLogRatios } from '../stats/log-ratios.js'
import { signFlipTest } from '../stats/sign-flip.js'
import { meanSd } from '../stats/t-test.js'
import { metricSpec, metricValue } from '../metrics.js'
import { GateError } from '../errors.js'
import { OFF_ARM_ID, baseArmId } from '../plan/plan.js'
import { machineDifferences, settingsDifferences, type BaselineInfo } from '../results/baseline.js'
import type { ResultsFile } from '../results/results.js'
import type { ArmSpec, Comparison, GateResult, MachineInfo, OnInconclusive, RoundResult } from '../types.js'
import { gatedComparisons, planComparisons, type PlannedComparison } from '../plan/comparisons.js'
import { analyseComparison, logThreshold, MIN_BLOCKS, orientedOfOverhead, type Direction } from './rule.js'
import { compareWithHistory } from './history.js'
import { decideAtLook, type ComparisonVerdict, type GatedComparison, type LookResult } from './decide.js'
import { planLooks, type SequentialDesign } from './sequential.js'
import { blocksToDecide, minimumDetectableOverhead, observedLiftDivisor } from './sensitivity.js'
import { looksForBlocks } from '../plan/time-budget.js'
import { gateReason } from './reasons.js'
import { pairedBlocks, poolRunners } from './runners.js'
import { poolBoots, sharesBoots } from './boots.js'

/** A stored main baseline as the analysis sees it: the history of main runs (oldest first) and this machine. */
export interface StoredInput {
  history: ResultsFile[]
  machine: MachineInfo
}

/** Where the run stands in its sequential design. */
export interface LookContext {
  /** 0-based index of this look in `design.looks`. */
  index: number
  /** The result of the previous look (decided comparisons stay decided). */
  previous?: LookResult
  /**
   * No further look follows (last planned look, or the time budget): undecided comparisons become
   * INCONCLUSIVE. A look made final early spends all the α left (the level stays α).
   */
  final: boolean
  /** Blocks at this look when the time budget cut it short of the planned `design.looks[index]`. */
  blocks?: number
  /**
   * Every look as planned now from the time budget (taken and to come; plan/time-budget.ts). With
   * it the design is re-planned at this look: the looks before `index` keep the levels they had in
   * `previousDesign`, the last look spends all the α left.
   */
  looks?: readonly number[]
  previousDesign?: SequentialDesign
}

/** What the analysis returns. */
export interface Analysis {
  planned: PlannedComparison[]
  comparisons: Comparison[]
  gate: GateResult
  design: SequentialDesign
  look: LookResult
  /** The stored baseline's status when one was given (usable or why not). */
  stored?: BaselineInfo
}

/** Whether every round carries /proc samples, so CPU per request pairs evenly. */
export function cpuMeasured(rounds: readonly RoundResult[]): boolean {
  return rounds.length > 0 && rounds.every((r) => r.resources !== undefined)
}

/** The direction of a metric in the rule's terms. */
export function directionOf(metric: string): Direction {
  return metricSpec(metric).lowerIsBetter ? 'lower-is-better' : 'higher-is-better'
}

/** The stored runs measured with this run's settings (others measure something else). */
function usableRuns(config: Config, stored: StoredInput): ResultsFile[] {
  return stored.history.filter((r) => settingsDifferences(config, r.settings).length === 0)
}

/** The stored baseline's status against this run: usable (with how many runs), or why not. */
export function storedStatus(config: Config, stored: StoredInput): BaselineInfo {
  const newest = stored.history[stored.history.length - 1]
  const differences = machineDifferences(newest.machine, stored.machine)
  const info: BaselineInfo = {
    source: 'stored',
    status: 'ok',
    path: config.baselinePath ?? undefined,
    createdAt: newest.createdAt,
    sha: newest.git?.sha,
    ref: newest.git?.ref,
    machine: newest.machine,
    sameMachine: differences.length === 0,
    machineDifferences: differences,
    arms: newest.arms,
    runs: usableRuns(config, stored).length
  }
  if (info.runs === 0) {
    const settings = settingsDifferences(config, newest.settings)
    return {
      ...info,
      status: 'unusable',
      message: `the stored baseline was measured with other settings (${settings.join('; ')})`
    }
  }
  return info
}

/**
 * The design of a run: looks every `rounds` blocks up to `max-rounds`, for the gated family of the
 * plan; `finalAt`: the blocks of a look the time budget made final early (it spends the α left).
 * With `schedule` the looks are those planned from the time budget (the last spends the α left) and
 * the first `schedule.kept` looks keep their levels from `schedule.previous`.
 */
export function designOf(
  config: Pick<Config, 'rounds' | 'maxRounds' | 'confidence'>,
  gated: number,
  finalAt?: number,
  schedule?: { looks: readonly number[]; previous?: SequentialDesign; kept: number }
): SequentialDesign {
  if (schedule !== undefined)
    return planLooks({
      rounds: config.rounds,
      maxRounds: config.maxRounds,
      confidence: config.confidence,
      gatedComparisons: gated,
      looks: schedule.looks,
      ...(schedule.previous !== undefined ? { previous: schedule.previous, kept: schedule.kept } : {})
    })
  return planLooks({
    rounds: config.rounds,
    maxRounds: config.maxRounds,
    confidence: config.confidence,
    gatedComparisons: gated,
    ...(finalAt !== undefined && finalAt < config.maxRounds ? { finalAt } : {})
  })
}

/** The data of one planned comparison: per-block log-ratios, or this run's and the stored runs' values. */
interface ComparisonData {
  logRatios: number[]
  current?: number[]
  history?: number[][]
  /** Pooled runners (`mode: merge`): the spread; `logRatios` are then widened by it, `measured` are as measured. */
  runners?: Comparison['runners']
  /** Processes kept across blocks: the boots' spread; `logRatios` are then widened by it too. */
  boots?: Comparison['boots']
  measured?: number[]
}

/** `mode: merge`: the runner each (renumbered) block came from, and how many runners there are. */
export interface RunnerBlocking {
  runnerOfBlock: (block: number) => number
  runners: number
}

/** The paired data pooled over runners (analysis/runners.ts); stored comparisons are not pooled. */
function pooled(
  p: PlannedComparison,
  d: ComparisonData,
  rounds: readonly RoundResult[],
  b: RunnerBlocking
): ComparisonData {
  if (p.source === 'stored') return d
  const blocks = pairedBlocks(rounds, p.armId, p.source === 'paired' ? p.referenceArmId : OFF_ARM_ID)
  if (blocks.length !== d.logRatios.length)
    throw new Error(`${p.armId} vs ${p.referenceArmId}: ${blocks.length} paired blocks, ${d.logRatios.length} ratios`)
  const out = poolRunners(d.logRatios, blocks.map(b.runnerOfBlock), b.runners)
  return { ...d, logRatios: out.logRatios, runners: out.spread, measured: d.measured ?? d.logRatios }
}

/**
 * Processes kept across blocks (analysis/boots.ts): the paired data widened by the process offset shared by
 * the blocks of a boot, when some boot holds two or more blocks. The prior counts the processes whose
 * offsets enter the comparison's log-ratio: two for a paired one, four for a difference of two.
 */
function bootPooled(
  p: PlannedComparison,
  d: ComparisonData,
  rounds: readonly RoundResult[],
  processOffset: number
): ComparisonData {
  if (p.source === 'stored') return d
  const ref = p.source === 'paired' ? p.referenceArmId : OFF_ARM_ID
  const blocks = pairedBlocks(rounds, p.armId, ref)
  if (blocks.length !== d.logRatios.length)
    throw new Error(`${p.armId} vs ${ref}: ${blocks.length} paired blocks, ${d.logRatios.length} ratios`)
  const bootOfBlock = new Map(rounds.filter((r) => r.armId === p.armId).map((r) => [r.block, r.boot]))
  const bootOf = blocks.map((b) => bootOfBlock.get(b))
  if (!sharesBoots(bootOf)) return d
  const processes = p.source === 'diff-in-diff' ? 4 : 2
  const out = poolBoots(d.logRatios, bootOf, processOffset * Math.sqrt(processes))
  return { ...d, logRatios: out.logRatios, boots: out.spread, measured: d.logRatios }
}

function dataOf(p: PlannedComparison, rounds: readonly RoundResult[], stored: ResultsFile[]): ComparisonData {
  if (p.source === 'paired') return { logRatios: pairedLogRatios(rounds, p.armId, p.referenceArmId, p.metric, p.phase) }
  if (p.source === 'diff-in-diff') {
    const head = pairedLogRatios(rounds, p.armId, OFF_ARM_ID, p.metric)
    const base = pairedLogRatios(rounds, p.referenceArmId, baseArmId(OFF_ARM_ID), p.metric)
    if (head.length !== base.length)
      throw new Error(`blocks of ${p.armId} and ${p.referenceArmId} differ: ${head.length} vs ${base.length}`)
    return { logRatios: head.map((d, i) => d - base[i]) }
  }
  const valuesOf = (rs: readonly RoundResult[], where: string): number[] =>
    rs
      .filter((r) => r.armId === OFF_ARM_ID)
      .map((r) => {
        const v = metricValue(r, p.metric)
        // A 0-QPS round (or an absurd stored value) is a fault with a name, never a RangeError deep inside.
        if (!(Number.isFinite(v) && v > 0))
          throw new GateError(
            'load',
            `${where}, block ${r.block + 1}: ${p.metric} must be a positive number, got ${String(v)}`
          )
        return v
      })
  return {
    logRatios: [],
    current: valuesOf(rounds, 'this run, arm off'),
    history: stored.map((run, k) => valuesOf(run.rounds, `stored run ${k + 1} (${run.createdAt}), arm off`))
  }
}

/** Two-sided p of "no difference" under the rule (trimmed t against 0); NaN when it cannot be computed. */
function twoSidedP(pFail: number, pPass: number): number {
  return Math.min(1, 2 * Math.min(pFail, pPass))
}

/** The parts of a Comparison every kind shares. */
function baseOf(
  p: PlannedComparison,
  d: ComparisonData
): Omit<
  Comparison,
  'overhead' | 'ciLow' | 'ciHigh' | 'confidence' | 'pValue' | 'pPermutation' | 'n' | 'pFail' | 'decision'
> {
  // The comparison records the log-ratios as measured; a merge decides on them widened by the runner spread.
  const logRatios = d.measured ?? d.logRatios
  const { mean, sd } = meanSd(logRatios)
  return {
    kind: p.kind,
    paired: p.source !== 'stored',
    armId: p.armId,
    referenceArmId: p.referenceArmId,
    metric: p.metric,
    logRatios,
    meanLogRatio: logRatios.length > 0 ? mean : NaN,
    sdLogRatio: logRatios.length > 1 ? sd : NaN,
    budget: p.budget,
    pFailAdjusted: null,
    ...(p.phase !== undefined ? { phase: p.phase } : {}),
    ...(d.runners !== undefined ? { runners: d.runners } : {}),
    ...(d.boots !== undefined ? { boots: d.boots } : {})
  }
}

/** Statistics of a reported (not gated) comparison at the run's confidence. */
function reported(p: PlannedComparison, d: ComparisonData, confidence: number): Comparison {
  const direction = directionOf(p.metric)
  if (p.source === 'stored') {
    const h = compareWithHistory(d.current as number[], d.history as number[][], direction, 0, confidence)
    return {
      ...baseOf(p, d),
      n: h.n,
      nRef: h.runs,
      overhead: h.overhead,
      ciLow: h.ciLow,
      ciHigh: h.ciHigh,
      confidence,
      pValue: twoSidedP(h.pFail, h.pPass),
      pPermutation: NaN,
      pFail: null,
      decision: null,
      historyRuns: h.runs,
      betweenRunSd: h.betweenRunSd
    }
  }
  const a = analyseComparison({ logRatios: d.logRatios, direction, budget: 0 }, confidence)
  return {
    ...baseOf(p, d),
    n: a.n,
    overhead: a.overhead,
    ciLow: a.ciLow,
    ciHigh: a.ciHigh,
    confidence,
    pValue: a.n >= MIN_BLOCKS ? twoSidedP(a.pFail, a.pPass) : NaN,
    pPermutation: d.logRatios.length >= 2 ? signFlipTest(d.logRatios, 0, 'two-sided') : NaN,
    pFail: null,
    decision: null,
    blockScale: a.blockScale
  }
}

/** A comparison with the numbers and the decision of its verdict (the rule's interval and levels). */
function withVerdict(c: Comparison, v: ComparisonVerdict): Comparison {
  return {
    ...c,
    n: v.n,
    overhead: v.overhead,
    ciLow: v.ciLow,
    ciHigh: v.ciHigh,
    confidence: v.confidence,
    pFail: v.pFail,
    pPass: v.pPass,
    failLevel: v.failLevel,
    passLevel: v.passLevel,
    decidedAtLook: v.decidedAtLook,
    decision: v.decision === 'undecided' ? 'inconclusive' : v.decision,
    ...(Number.isFinite(v.blockScale) ? { blockScale: v.blockScale } : {}),
    ...(v.cannotFail !== undefined ? { cannotFail: v.cannotFail } : {}),
    ...(v.cannotPass !== undefined ? { cannotPass: v.cannotPass } : {})
  }
}

/** A gated comparison from its verdict at the look, with the sensitivity of the rule applied. */
function gated(
  p: PlannedComparison,
  d: ComparisonData,
  v: ComparisonVerdict,
  design: SequentialDesign,
  config: Pick<Config, 'rounds' | 'maxRounds' | 'confidence'>,
  final: boolean
): Comparison {
  const confidence = config.confidence
  const sens =
    p.source === 'stored'
      ? null
      : minimumDetectableOverhead({
          design,
          blockScale: v.blockScale,
          direction: directionOf(p.metric),
          budget: p.budget as number
        })
  const toDecide =
    p.source === 'stored' || !(v.decision === 'inconclusive' || (final && v.decision === 'undecided'))
      ? undefined
      : blocksNeeded(p, v, { ...config, gated: design.gated })
  return {
    ...withVerdict(reported(p, d, confidence), v),
    ...(sens !== null && Number.isFinite(sens.overhead)
      ? { detectable: sens.overhead, underpowered: sens.underpowered }
      : {}),
    ...(toDecide !== undefined ? { toDecide } : {})
  }
}

/** Most blocks blocksNeeded() looks at, as a multiple of `max-rounds` (at the default 24: 240 blocks). */
const TO_DECIDE_CAP_FACTOR = 10

/**
 * An undecided comparison: the blocks a run would need to decide it with 80 % power if its overhead is what was
 * measured (on the side its estimate lies), at its per-block noise, with the looks a budget holding that many
 * blocks gets (plan/time-budget.ts looksForBlocks). Advice for the report, never part of a decision.
 */
function blocksNeeded(
  p: PlannedComparison,
  v: ComparisonVerdict,
  plan: Pick<Config, 'rounds' | 'maxRounds' | 'confidence'> & { gated: number }
): Comparison['toDecide'] {
  const direction = directionOf(p.metric)
  const threshold = logThreshold(direction, p.budget as number)
  const estimate = orientedOfOverhead(direction, v.overhead)
  if (!Number.isFinite(estimate) || !Number.isFinite(v.blockScale) || !(v.blockScale > 0)) return undefined
  const side = estimate > threshold ? 'fail' : 'pass'
  const cap = Math.max(plan.maxRounds, v.n + 1) * TO_DECIDE_CAP_FACTOR
  // The lift the rule took on this run's data, from the decision interval's half-width on the estimate's side.
  const bound = orientedOfOverhead(direction, side === 'fail' ? v.ciLow : v.ciHigh)
  const observed = observedLiftDivisor(
    Math.abs(estimate - bound),
    v.blockScale / Math.sqrt(v.n),
    v.n,
    side === 'fail' ? v.failLevel : v.passLevel
  )
  const lift = Number.isFinite(observed) ? { liftDivisor: observed } : {}
  const designFor = (blocks: number): SequentialDesign =>
    planLooks({
      rounds: plan.rounds,
      maxRounds: blocks,
      confidence: plan.confidence,
      gatedComparisons: Math.max(1, plan.gated),
      looks: looksForBlocks(plan.rounds, blocks, plan.maxRounds)
    })
  const blocks = blocksToDecide({
    designFor,
    blockScale: v.blockScale,
    logDistance: Math.abs(estimate - threshold),
    side,
    from: Math.max(MIN_BLOCKS, v.n + 1),
    cap,
    ...lift
  })
  return { side, blocks, cap, ...lift }
}

/** The rule's input of a gated comparison. */
function gatedInput(
  p: PlannedComparison,
  d: ComparisonData,
  id: string,
  cannotFail: string | undefined
): GatedComparison {
  const direction = directionOf(p.metric)
  const budget = p.budget as number
  if (p.source === 'stored')
    return {
      kind: 'history',
      id,
      direction,
      budget,
      current: d.current as number[],
      history: d.history as number[][],
      ...(cannotFail !== undefined ? { cannotFail } : {})
    }
  return { kind: 'paired', id, direction, budget, logRatios: d.logRatios }
}

/** The verdict of the run from the decided comparisons, and one reason line per gated comparison. */
export function gateOf(comparisons: Comparison[], onInconclusive: OnInconclusive): GateResult {
  const gatedCs = comparisons.filter((c) => c.budget !== null)
  const decisions = gatedCs.map((c) => c.decision)
  const verdict: GateResult['verdict'] = decisions.includes('fail')
    ? 'fail'
    : decisions.includes('inconclusive')
      ? 'inconclusive'
      : 'pass'
  const reasons = gatedCs.map(gateReason)
  if (gatedCs.length === 0) reasons.push('No comparison is gated (no budget set): nothing to decide → PASS')
  const failCheck = verdict === 'fail' || (verdict === 'inconclusive' && onInconclusive === 'fail')
  return { verdict, failCheck, comparisons, reasons }
}

/**
 * Compare and decide: every comparison of the plan for these arms and rounds, the gated ones by the
 * sequential design at `look` (default: one final look over all blocks so far). A stored baseline
 * with other settings is reported, not compared; one from another machine can never FAIL.
 */
export function analyse(
  config: Config,
  arms: readonly ArmSpec[],
  rounds: readonly RoundResult[],
  stored?: StoredInput,
  look?: LookContext,
  /** `mode: merge`: pool the blocks with the runner as a blocking factor. */
  blocking?: RunnerBlocking
): Analysis {
  const info = stored === undefined ? undefined : storedStatus(config, stored)
  const cpu = cpuMeasured(rounds)
  // A gate that cannot measure must not pass: a CPU budget without CPU data in every round is a fault.
  if (
    !cpu &&
    config.maxCpuOverhead !== null &&
    arms.some((a) => a.build === 'head' && (a.kind === 'sampled' || a.kind === 'custom'))
  ) {
    throw new GateError(
      'service',
      `'max-cpu-overhead' is set but CPU was not measured in every round (it needs Linux /proc); set it to 'none' ` +
        `on this platform`
    )
  }
  const planned = planComparisons(config, arms, { cpuMeasured: cpu, stored: info?.status === 'ok' })
  const runs = stored !== undefined && info?.status === 'ok' ? usableRuns(config, stored) : []
  const raw = planned
    .map((p) => dataOf(p, rounds, runs))
    .map((d, i) => bootPooled(planned[i], d, rounds, config.processOffset))
  const data = blocking === undefined ? raw : planned.map((p, i) => pooled(p, raw[i], rounds, blocking))
  const gatedPlan = gatedComparisons(planned)
  const blocks = new Set(rounds.map((r) => r.block)).size
  // Without a look context: a single, final look over the blocks so far (tests, re-analysis).
  const design =
    look?.looks !== undefined
      ? designOf(config, gatedPlan.length, undefined, {
          looks: look.looks,
          ...(look.previousDesign !== undefined ? { previous: look.previousDesign } : {}),
          kept: look.index
        })
      : look !== undefined
        ? designOf(config, gatedPlan.length, look.final ? (look.blocks ?? blocks) : undefined)
        : planLooks({
            rounds: Math.max(2, blocks),
            maxRounds: Math.max(2, blocks),
            confidence: config.confidence,
            gatedComparisons: gatedPlan.length
          })
  const index = look?.index ?? 0
  const otherMachine =
    info?.machineDifferences !== undefined && info.machineDifferences.length > 0
      ? `baseline from another machine (${info.machineDifferences.join(', ')})`
      : undefined
  const inputs: GatedComparison[] = []
  planned.forEach((p, i) => {
    if (p.budget !== null)
      inputs.push(gatedInput(p, data[i], String(i), p.source === 'stored' ? otherMachine : undefined))
  })
  const result = decideAtLook(inputs, index, design, look?.previous, { final: look?.final ?? true })
  const verdictOf = new Map(result.verdicts.map((v) => [v.id, v]))
  const comparisons = planned.map((p, i) =>
    p.budget === null
      ? reported(p, data[i], config.confidence)
      : gated(p, data[i], verdictOf.get(String(i)) as ComparisonVerdict, design, config, look?.final ?? true)
  )
  return {
    planned,
    comparisons,
    gate: gateOf(comparisons, config.onInconclusive),
    design,
    look: result,
    ...(info !== undefined ? { stored: info } : {})
  }
}

/** Options of compare(): the reported interval's level and, when gated, the budget (fraction). */
export interface CompareOptions {
  kind?: Comparison['kind']
  confidence: number
  budget: number | null
  phase?: string
}

/**
 * One paired comparison of `armId` with `refArmId` on `metric` under the rule (statistics only; a
 * gated one is decided by decide() or by the run's looks).
 */
export function compare(
  rounds: readonly RoundResult[],
  armId: string,
  refArmId: string,
  metric: Comparison['metric'],
  opts: CompareOptions
): Comparison {
  // A budget no rule could test (QPS ≥ 100 %, negative) is refused here, with its value.
  if (opts.budget !== null) logThreshold(directionOf(metric), opts.budget)
  const p: PlannedComparison = {
    kind: opts.kind ?? 'overhead',
    armId,
    referenceArmId: refArmId,
    metric,
    budget: opts.budget,
    source: 'paired',
    ...(opts.phase !== undefined ? { phase: opts.phase } : {})
  }
  const d = dataOf(p, rounds, [])
  const c = reported(p, d, opts.confidence)
  if (opts.budget === null) return c
  // Unadjusted one-sided p-values against the budget; the decision (Holm, looks) is decide()'s.
  const a = analyseComparison(
    { logRatios: d.logRatios, direction: directionOf(metric), budget: opts.budget },
    opts.confidence
  )
  return { ...c, budget: opts.budget, pFail: a.pFail, pPass: a.pPass }
}

/**
 * Decide given paired comparisons in one final look: Holm over the gated ones for FAIL at α/2,
 * each PASS at α/2 (the rule of a run whose `max-rounds` equals `rounds`).
 */
export function decide(
  comparisons: readonly Comparison[],
  opts: { alpha: number; onInconclusive: OnInconclusive }
): GateResult {
  if (!(opts.alpha > 0 && opts.alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${opts.alpha}`)
  const gatedIdx = comparisons.map((c, i) => (c.budget === null ? -1 : i)).filter((i) => i >= 0)
  const n = Math.max(2, ...gatedIdx.map((i) => comparisons[i].n))
  const design = planLooks({ rounds: n, maxRounds: n, confidence: 1 - opts.alpha, gatedComparisons: gatedIdx.length })
  const inputs: GatedComparison[] = gatedIdx.map((i) => {
    const c = comparisons[i]
    return {
      kind: 'paired',
      id: String(i),
      direction: directionOf(c.metric),
      budget: c.budget as number,
      logRatios: c.logRatios,
      ...(c.cannotFail !== undefined ? { cannotFail: c.cannotFail } : {})
    }
  })
  const result = decideAtLook(inputs, 0, design, undefined, { final: true })
  const byId = new Map(result.verdicts.map((v) => [v.id, v]))
  const out = comparisons.map((c, i) => {
    const v = byId.get(String(i))
    const copy = { ...c, logRatios: [...c.logRatios] }
    return v === undefined ? copy : withVerdict(copy, v)
  })
  return gateOf(out, opts.onInconclusive)
}
