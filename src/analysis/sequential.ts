import { efficacyBoundaries, type SpendingFunction } from './spending.js'
import { normQuantile, normSf } from './normal.js'

/**
 * Relative tolerance of "p ≤ level": α is computed as 1 − confidence, and 1 − 0.95 is
 * 0.04999999999999993 in floating point, so an exact p = 0.025 would otherwise miss its level
 * 0.024999999999999967. A p within 1e-9 of the level (relative) counts as at the level — far below
 * any difference the data can make (bootstrap p-values step by 1/2000).
 */
export const P_TOLERANCE = 1e-9

/** Whether p reaches `level` (p ≤ level, with the relative P_TOLERANCE); NaN never does. */
export function reaches(p: number, level: number): boolean {
  return p <= level * (1 + P_TOLERANCE)
}

/** 1 − confidence without the floating-point residue of the subtraction (0.95 → 0.05 exactly as written). */
export function alphaOf(confidence: number): number {
  return Number((1 - confidence).toPrecision(12))
}

/**
 * A pre-planned group-sequential design. Looks after `looks[j]` blocks; FAIL is a family of
 * one-sided tests at family-wise level α/2 (Holm, α re-distributed after each FAIL as in Maurer &
 * Bretz 2013), PASS one one-sided test per comparison at α/2 (intersection–union: no adjustment).
 * Both spend their α over the looks with a Lan–DeMets spending function of the information
 * fraction blocks/maxBlocks. The FAIL boundaries ignore PASS stopping (non-binding), and vice versa.
 */
export interface SequentialDesign {
  /** Cumulative blocks at each look, increasing; the last is the maximum. */
  looks: number[]
  /** Two-sided α = 1 − confidence: FAIL family-wise α/2, PASS α/2 per comparison. */
  alpha: number
  /** Gated comparisons k (the Holm family). */
  gated: number
  failSpending: SpendingFunction
  passSpending: SpendingFunction
  /**
   * failLevels[r][j]: nominal one-sided p threshold for FAIL at look j once r comparisons of the
   * family have FAILed (Holm level α/2/(k − r)).
   */
  failLevels: number[][]
  /** passLevels[j]: nominal one-sided p threshold for PASS at look j (level α/2). */
  passLevels: number[]
}

/** Options of planLooks(). */
export interface PlanLooksOptions {
  /** Blocks at the first look (the `rounds` input). */
  rounds: number
  /** Most blocks ever run; = rounds for a single fixed-size look. */
  maxRounds: number
  /** Blocks added between looks (default = rounds). */
  step?: number
  /** Two-sided confidence, e.g. 0.95 (α = 1 − confidence). */
  confidence: number
  /** Number of gated comparisons (the FAIL family); 0 is allowed (nothing to decide). */
  gatedComparisons: number
  failSpending?: SpendingFunction
  passSpending?: SpendingFunction
  /**
   * Blocks of a look made final early by the time budget (not by the data): the planned looks
   * before it are kept, it becomes the last, and it spends all the α left (the level stays α).
   */
  finalAt?: number
  /**
   * The looks as planned from the time budget (plan/time-budget.ts scheduleLooks): cumulative blocks,
   * increasing; replaces rounds/step/maxRounds for the looks' positions, the last spends all the α left.
   */
  looks?: readonly number[]
  /**
   * The design the first `kept` looks were taken under (an earlier plan of this run): their levels stay
   * as they were, the later looks spend what is left (efficacyBoundaries `fixed`).
   */
  previous?: SequentialDesign
  kept?: number
}

/** Recommended spending: Pocock-type for both, so that clear cases stop at the first look. */
export const DEFAULT_FAIL_SPENDING: SpendingFunction = 'pocock'
export const DEFAULT_PASS_SPENDING: SpendingFunction = 'pocock'

const levelCache = new Map<string, number[]>()

/** Nominal one-sided p thresholds of a spending design at level `alpha` (cached: designs repeat). */
export function nominalLevels(
  fractions: readonly number[],
  alpha: number,
  fn: SpendingFunction,
  finalSpendsAll = false,
  fixed: readonly number[] = []
): number[] {
  const key = `${fn}|${alpha}|${fractions.join(',')}|${finalSpendsAll}|${fixed.join(',')}`
  let levels = levelCache.get(key)
  if (levels === undefined) {
    const z = efficacyBoundaries(fractions, alpha, fn, { finalSpendsAll, fixed })
    levels = z.map(normSf)
    levelCache.set(key, levels)
  }
  return levels
}

/**
 * The looks of a run: first after `rounds` blocks, then every `step` blocks, the last at
 * `maxRounds`, with their nominal FAIL (per Holm step) and PASS levels. Throws on an inconsistent plan.
 */
export function planLooks(opts: PlanLooksOptions): SequentialDesign {
  const { rounds, maxRounds, confidence, gatedComparisons } = opts
  const step = opts.step ?? rounds
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`)
  if (!(Number.isInteger(gatedComparisons) && gatedComparisons >= 0)) {
    throw new RangeError(`gatedComparisons must be an integer ≥ 0, got ${String(gatedComparisons)}`)
  }
  const { looks, spendAll } = lookPositions(opts, step)
  const kept = opts.previous === undefined ? 0 : (opts.kept ?? 0)
  const prev = opts.previous
  if (prev !== undefined) checkKeptLooks(prev, kept, looks, gatedComparisons)
  const alpha = alphaOf(confidence)
  const failSpending = opts.failSpending ?? prev?.failSpending ?? DEFAULT_FAIL_SPENDING
  const passSpending = opts.passSpending ?? prev?.passSpending ?? DEFAULT_PASS_SPENDING
  // Fractions of the planned maximum, also for a look made final early: the earlier looks keep the levels they were
  // decided at.
  const fractions = looks.map((b) => b / (opts.looks !== undefined ? looks[looks.length - 1] : maxRounds))
  const zOf = (levels: readonly number[]): number[] => levels.slice(0, kept).map((p) => normQuantile(1 - p))
  // Kept looks keep their own levels exactly, not a round trip through the quantile.
  const keep = (levels: number[], before: readonly number[] | undefined): number[] =>
    levels.map((l, j) => (j < kept && before !== undefined ? before[j] : l))
  const failLevels: number[][] = []
  for (let r = 0; r < gatedComparisons; r++)
    failLevels.push(
      keep(
        nominalLevels(
          fractions,
          alpha / 2 / (gatedComparisons - r),
          failSpending,
          spendAll,
          zOf(prev?.failLevels[r] ?? [])
        ),
        prev?.failLevels[r]
      )
    )
  return {
    looks,
    alpha,
    gated: gatedComparisons,
    failSpending,
    passSpending,
    failLevels,
    passLevels: keep(
      nominalLevels(fractions, alpha / 2, passSpending, spendAll, zOf(prev?.passLevels ?? [])),
      prev?.passLevels
    )
  }
}

/**
 * Where the looks fall (cumulative blocks) and whether the last spends all the α left: the given looks, or
 * every `step` blocks from `rounds` to `maxRounds`, cut at a look made final early.
 */
function lookPositions(opts: PlanLooksOptions, step: number): { looks: number[]; spendAll: boolean } {
  const { rounds, maxRounds } = opts
  if (opts.looks !== undefined) {
    const looks = [...opts.looks]
    if (looks.length === 0 || looks.some((b, i) => !(Number.isInteger(b) && b >= 2 && (i === 0 || b > looks[i - 1]))))
      throw new RangeError(`looks must be increasing integers ≥ 2, got ${looks.join(', ')}`)
    return { looks, spendAll: true }
  }
  for (const [name, v, min] of [
    ['rounds', rounds, 2],
    ['max-rounds', maxRounds, rounds],
    ['step', step, 1]
  ] as const) {
    if (!(Number.isInteger(v) && v >= min))
      throw new RangeError(`${name} must be an integer ≥ ${min}, got ${String(v)}`)
  }
  const planned: number[] = []
  for (let b = rounds; b < maxRounds; b += step) planned.push(b)
  planned.push(maxRounds)
  const { finalAt } = opts
  if (finalAt !== undefined && !(Number.isInteger(finalAt) && finalAt >= 2 && finalAt <= maxRounds)) {
    throw new RangeError(`a look made final early must be at 2 to ${maxRounds} blocks, got ${String(finalAt)}`)
  }
  return {
    looks: finalAt === undefined ? planned : [...planned.filter((b) => b < finalAt), finalAt],
    spendAll: finalAt !== undefined
  }
}

/** A re-plan keeps the first `kept` looks of the earlier design where they were, for the same gated family. */
function checkKeptLooks(prev: SequentialDesign, kept: number, looks: readonly number[], gated: number): void {
  if (!(Number.isInteger(kept) && kept >= 0 && kept < looks.length && kept <= prev.looks.length))
    throw new RangeError(
      `kept looks must be an integer in [0, ${Math.min(looks.length - 1, prev.looks.length)}], got ${String(kept)}`
    )
  for (let j = 0; j < kept; j++)
    if (prev.looks[j] !== looks[j])
      throw new RangeError(
        `a kept look must stay where it was: look ${j + 1} at ${prev.looks[j]} blocks, re-planned at ${looks[j]}`
      )
  if (prev.gated !== gated) throw new RangeError(`the gated family changed: ${prev.gated} → ${gated}`)
}

/** What one gated comparison contributes at a look: its one-sided p-values (NaN = not decidable). */
export interface LookStatistic {
  pFail: number
  pPass: number
  /** Set when this comparison may not FAIL (e.g. too short a stored history): PASS or INCONCLUSIVE only. */
  cannotFail?: string
  /** Set when this comparison may not PASS (a stored history too short to know the run-to-run spread). */
  cannotPass?: string
}

/** Decision of one comparison so far: 'undecided' only before the last look. */
export type SequentialDecision = 'pass' | 'fail' | 'undecided' | 'inconclusive'

/** State of one comparison after a look. */
export interface SequentialState {
  decision: SequentialDecision
  /** Index of the look that decided it, or null. */
  decidedAtLook: number | null
}

/**
 * The decision step of the design at look `look` (0-based) on the statistics of every gated
 * comparison, given the states after the previous look (omit at the first). Decided comparisons keep
 * their decision. FAIL: Holm step-down on the still-open comparisons against failLevels[r][look],
 * repeated while new FAILs free α; PASS: pPass ≤ passLevels[look]. With `final` (or at the last
 * look) open comparisons become 'inconclusive'. stop = nothing is open.
 */
export function sequentialStep(
  stats: readonly LookStatistic[],
  look: number,
  design: SequentialDesign,
  previous?: readonly SequentialState[],
  final = false
): { states: SequentialState[]; stop: boolean } {
  if (stats.length !== design.gated)
    throw new RangeError(`design plans ${design.gated} gated comparisons, got ${stats.length}`)
  if (!(Number.isInteger(look) && look >= 0 && look < design.looks.length)) {
    throw new RangeError(`look must be an integer in [0, ${design.looks.length - 1}], got ${String(look)}`)
  }
  if (previous !== undefined && previous.length !== stats.length)
    throw new RangeError(`previous states: expected ${stats.length}, got ${previous.length}`)
  const states: SequentialState[] = stats.map((_, i) => ({
    ...(previous?.[i] ?? { decision: 'undecided', decidedAtLook: null })
  }))
  let failed = states.filter((s) => s.decision === 'fail').length
  for (;;) {
    const level = design.failLevels[failed]?.[look] ?? NaN
    const newly = states
      .map((s, i) => i)
      .filter(
        (i) => states[i].decision === 'undecided' && stats[i].cannotFail === undefined && reaches(stats[i].pFail, level)
      )
    if (newly.length === 0) break
    for (const i of newly) states[i] = { decision: 'fail', decidedAtLook: look }
    failed += newly.length
  }
  states.forEach((s, i) => {
    if (
      s.decision === 'undecided' &&
      stats[i].cannotPass === undefined &&
      reaches(stats[i].pPass, design.passLevels[look])
    )
      states[i] = { decision: 'pass', decidedAtLook: look }
  })
  const last = final || look === design.looks.length - 1
  if (last) for (const s of states) if (s.decision === 'undecided') s.decision = 'inconclusive'
  return { states, stop: last || states.every((s) => s.decision !== 'undecided') }
}
