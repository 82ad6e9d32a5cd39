/**
 * `npm run sim -- --only merge`: `mode: merge` of several runners (issue #29), simulated through the
 * shipped path of a merge — per-block paired log-ratios of each runner, pooled with the runner as a
 * blocking factor (src/analysis/runners.ts), the trimmed-mean rule and one final look (the merge decides
 * once) — against one runner's blocks alone.
 *
 * Model, per runner r and block b, on the log scale (QPS, higher is better):
 *   off = ln(base) + o_r + m_rb + e1,  on = ln(base) + o_r + m_rb + ln(1 − T) + i_r + e2
 * o_r: the runner's speed offset on both arms (uniform ±offset), m_rb: the block's minute, i_r: a runner × arm
 * interaction (uniform ±interaction), e2 − e1: per-block noise of SD `sd` in one of the bench's shapes
 * (positive = worse). T: the true overhead of the typical runner (0: A/A; the budget: the boundary).
 * A false FAIL is a FAIL at T ≤ budget. Runs are seeded: rep k of a case draws from seed + k.
 */
import { decideAtLook } from '../src/analysis/decide.js'
import { analyseComparison } from '../src/analysis/rule.js'
import { poolRunners } from '../src/analysis/runners.js'
import { planLooks } from '../src/analysis/sequential.js'
import { normals, sampler, type Shape } from './sim-model.js'

export interface MergeCase {
  name: string
  shape: Shape
  runners: number
  blocks: number
  /** Runner speed offset on both arms (fraction, uniform ±). */
  offset: number
  /** Runner × arm interaction on the traced arm (fraction, uniform ±). */
  interaction: number
  /** True overhead of the typical runner as a multiple of the budget (0 = A/A, 1 = at the budget). */
  atBudget: number
}

const BUDGET = 0.05
const CONFIDENCE = 0.95

/** The cases of the target: 3 runners × 8 blocks, ±5 % runner offset, then a ±5 % interaction. */
export const MERGE_CASES: MergeCase[] = [
  ...(['normal', 'burst+'] as Shape[]).flatMap((shape) => [
    { name: `A/A, offset ±5 %`, shape, runners: 3, blocks: 8, offset: 0.05, interaction: 0, atBudget: 0 },
    { name: `at budget, offset ±5 %`, shape, runners: 3, blocks: 8, offset: 0.05, interaction: 0, atBudget: 1 },
    { name: `A/A, interaction ±5 %`, shape, runners: 3, blocks: 8, offset: 0.05, interaction: 0.05, atBudget: 0 },
    { name: `at budget, interaction ±5 %`, shape, runners: 3, blocks: 8, offset: 0.05, interaction: 0.05, atBudget: 1 }
  ])
]

/** Decide one gated QPS comparison at one final look over `logRatios`; and its interval width. */
function decideOnce(logRatios: number[]): { decision: string; width: number } {
  const design = planLooks({
    rounds: logRatios.length,
    maxRounds: logRatios.length,
    confidence: CONFIDENCE,
    gatedComparisons: 1
  })
  const r = decideAtLook(
    [{ kind: 'paired', id: 'qps', direction: 'higher-is-better', budget: BUDGET, logRatios }],
    0,
    design,
    undefined,
    { final: true, decisionsOnly: true }
  )
  const a = analyseComparison({ logRatios, direction: 'higher-is-better', budget: BUDGET }, CONFIDENCE)
  return { decision: r.verdicts[0].decision, width: a.ciHigh - a.ciLow }
}

export interface MergeRow {
  case: string
  shape: Shape
  sd: number
  runs: number
  /** FAIL rate of the merge as shipped (widened by the runner spread), without widening, and of one runner alone. */
  failMerged: number
  failNoWidening: number
  failOneRunner: number
  passMerged: number
  /** Mean interval width of the merge over that of runner 1's blocks alone (same runs). */
  widthRatio: number
  meanWidening: number
}

/** One case, `reps` seeded runs. */
export function simulateMerge(c: MergeCase, reps: number, seed: number, sd: number): MergeRow {
  let failMerged = 0
  let failRaw = 0
  let failOne = 0
  let pass = 0
  let wMerged = 0
  let wOne = 0
  let widening = 0
  const truth = Math.log1p(-c.atBudget * BUDGET)
  for (let k = 0; k < reps; k++) {
    const rng = normals(seed + k)
    const draw = sampler(c.shape, rng)
    const d: number[] = []
    const runnerOf: number[] = []
    for (let r = 0; r < c.runners; r++) {
      const offset = Math.log1p((rng.rand() * 2 - 1) * c.offset)
      const inter = Math.log1p((rng.rand() * 2 - 1) * c.interaction)
      for (let b = 0; b < c.blocks; b++) {
        const minute = (rng.rand() - 0.5) * 0.2
        const off = offset + minute
        // Noise positive = worse: QPS lower on the traced arm.
        const on = offset + minute + truth + inter - sd * draw()
        d.push(on - off)
        runnerOf.push(r)
      }
    }
    const pooled = poolRunners(d, runnerOf, c.runners)
    const merged = decideOnce(pooled.logRatios)
    const raw = decideOnce(d)
    const one = decideOnce(d.slice(0, c.blocks))
    if (merged.decision === 'fail') failMerged++
    if (merged.decision === 'pass') pass++
    if (raw.decision === 'fail') failRaw++
    if (one.decision === 'fail') failOne++
    wMerged += merged.width
    wOne += one.width
    widening += pooled.spread.widening
  }
  return {
    case: c.name,
    shape: c.shape,
    sd,
    runs: reps,
    failMerged: failMerged / reps,
    failNoWidening: failRaw / reps,
    failOneRunner: failOne / reps,
    passMerged: pass / reps,
    widthRatio: wMerged / wOne,
    meanWidening: widening / reps
  }
}

/** Every merge case at per-block SD `sd` (default 3 %: the side-by-side A/A noise measured here is 2.3–3.2 %). */
export function mergeRows(reps: number, seed: number, sd = 0.03): MergeRow[] {
  return MERGE_CASES.map((c, i) => simulateMerge(c, reps, seed + 1_000_003 * i, sd))
}
