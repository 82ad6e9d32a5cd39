/**
 * `npm run sim -- --only honesty [--json]`: the cases of issue #24, each a rate over seeded runs of the
 * shipped procedure as a user runs it — looks planned from the time budget (plan/time-budget.ts
 * scheduleLooks) at a measured time per block, the design re-planned from them (the last look
 * spends the α left), decideAtLook at every look (Holm, α spending, the bootstrap lift).
 *
 * Noise: per-block QPS log-ratios N(0, σ²), σ = 2.3 % (the median A/A per-block SD of 43 default
 * side-by-side runs, README "Accuracy"); bursts: in 10 % of the blocks one of ±(30–60 %) on top.
 * Block time: 12.75 s, the measured default (bench/results/defaults-history.jsonl: 8-block default runs
 * of 2026-11-30 took 101.6–102.6 s of wall time, 12.7–12.8 s per block; the 13-block ones 12.7–12.8 s).
 *
 * `--boot-sec S`: processes kept across blocks (the alternating default since 50eab63): looks planned with
 * msPerBoot as the engine plans them, every boot's processes add their lifelong offsets to its blocks and the
 * comparisons are pooled over boots before every look (bench/sim-boots.ts). The history cases stay as they
 * are: they compare against stored runs, whose spread the run-to-run SD already holds.
 */
import { decideAtLook, type GatedComparison, type LookResult } from '../src/analysis/decide.js'
import { planLooks, type SequentialDesign } from '../src/analysis/sequential.js'
import type { SpendingFunction } from '../src/analysis/spending.js'
import { scheduleLooks } from '../src/plan/time-budget.js'
import { bootLabels, bootOffsets, decideBoots, type BootModel } from './sim-boots.js'
import { normals } from './sim-model.js'

/** Per-block SD of the log-ratios (median A/A of the default design) and the measured default block time. */
export const HONESTY_SD = 0.023
export const DEFAULT_BLOCK_SEC = 12.75
export const DEFAULT_TIME_BUDGET_SEC = 180
/** The budget for the clean and boundary cases: 5 % QPS overhead. */
const BUDGET = 0.05
/** Between-run SD and within-run (per round) SD of the stored-history cases. */
const RUN_SD = 0.02
const WITHIN_SD = 0.02

export interface HonestyOptions {
  reps: number
  seed: number
  blockSec: number
  timeBudgetSec: number
  rounds: number
  maxRounds: number
  spending: SpendingFunction
  /** Per-block SD of the QPS log-ratios (default HONESTY_SD, the 2.3 %): `--sd` plugs in a design's measured one. */
  sd?: number
  /** Looks forced (e.g. "8" for the old one-look outcome), instead of scheduleLooks'. */
  looks?: number[]
  /**
   * Processes kept across blocks (`--boot-sec`): the boot's cost and the offsets of its processes
   * (bench/sim-boots.ts); `blockSec` is then a warm block's. Absent: a fresh set of processes per block.
   */
  boots?: BootModel
}

export interface HonestyRow {
  case: string
  rate: number
  runs: number
  [detail: string]: string | number | number[]
}

/** The looks a default run plans at this block time and budget (the schedule is the same before and after block 1: the time is exact here). */
export function honestyLooks(o: HonestyOptions): number[] {
  if (o.looks !== undefined) return o.looks
  return scheduleLooks({
    rounds: o.rounds,
    maxRounds: o.maxRounds,
    taken: [],
    blocks: 0,
    elapsedMs: 0,
    msPerBlock: o.blockSec * 1000,
    budgetMs: o.timeBudgetSec * 1000,
    // Exactly as the engine plans before its first block: no boot running yet.
    ...(o.boots !== undefined
      ? { msPerBoot: o.boots.bootSec * 1000, blocksPerBoot: o.boots.blocksPerBoot, blocksInBoot: 0 }
      : {})
  }).looks
}

function designOf(looks: number[], k: number, spending: SpendingFunction): SequentialDesign {
  return planLooks({
    rounds: looks[0],
    maxRounds: looks[looks.length - 1],
    looks,
    confidence: 0.95,
    gatedComparisons: k,
    failSpending: spending,
    passSpending: spending
  })
}

/**
 * Runs a paired case: k QPS comparisons with true overheads `overheads`, noise from `noise`; the decisions of each run.
 * With kept processes (`o.boots`), each boot adds its processes' lifelong offsets (`offsets`, one stream per case)
 * and the comparisons are pooled over boots before every look, as the engine does.
 */
function pairedRuns(
  o: HonestyOptions,
  overheads: readonly number[],
  noise: () => number,
  design: SequentialDesign,
  offsets?: () => number
): string[][] {
  const max = design.looks[design.looks.length - 1]
  const boots = o.boots
  const labels = boots === undefined ? [] : bootLabels(design.looks, boots.blocksPerBoot)
  const out: string[][] = []
  for (let r = 0; r < o.reps; r++) {
    // QPS log-ratio ln(on/off) = ln(1 − overhead) + noise (+ u_on − u_off of the block's boot).
    const data = overheads.map((v) => Array.from({ length: max }, () => Math.log1p(-v) + noise()))
    if (boots !== undefined && offsets !== undefined) {
      const u = bootOffsets(labels, overheads.length, boots.tauTrue, offsets)
      data.forEach((x, i) => x.forEach((_, b) => (x[b] += u[i][b])))
    }
    let res: LookResult | undefined
    for (let j = 0; j < design.looks.length; j++) {
      const n = design.looks[j]
      const comps: GatedComparison[] = data.map((x, i) => ({
        kind: 'paired',
        id: `c${i}`,
        direction: 'higher-is-better',
        budget: BUDGET,
        logRatios: x.slice(0, n)
      }))
      res =
        boots === undefined
          ? decideAtLook(comps, j, design, res, { decisionsOnly: true })
          : decideBoots(comps, labels.slice(0, n), boots, j, design, res)
      if (res.stop) break
    }
    out.push(res!.verdicts.map((v) => v.decision))
  }
  return out
}

function historyRuns(o: HonestyOptions, K: number, seed: number): string[] {
  const { normal } = normals(seed)
  const rounds = o.rounds
  const design = designOf(honestyLooks(o), 1, o.spending)
  const max = design.looks[design.looks.length - 1]
  const out: string[] = []
  for (let r = 0; r < o.reps; r++) {
    const run = (shift: number, n: number): number[] => {
      const u = RUN_SD * normal()
      return Array.from({ length: n }, () => 1000 * Math.exp(shift + u + WITHIN_SD * normal()))
    }
    const history = Array.from({ length: K }, () => run(0, rounds))
    // This run's off-arm QPS exactly at the regression budget (5 % lower).
    const current = run(Math.log1p(-BUDGET), max)
    let res: LookResult | undefined
    for (let j = 0; j < design.looks.length; j++) {
      const comp: GatedComparison = {
        kind: 'history',
        id: 'qps',
        direction: 'higher-is-better',
        budget: BUDGET,
        current: current.slice(0, design.looks[j]),
        history
      }
      res = decideAtLook([comp], j, design, res, { decisionsOnly: true })
      if (res.stop) break
    }
    out.push(res!.verdicts[0].decision)
  }
  return out
}

/** Normal per-block noise of SD `sd`, seeded per case `s`. */
function normalNoiseOf(o: HonestyOptions, sd: number, s: number): () => number {
  const { normal } = normals(o.seed * 1000 + s)
  return () => sd * normal()
}

/** The processes' offsets: a stream of their own per case, so the noise streams are those of the fresh-block model. */
function offsetStreamOf(o: HonestyOptions, s: number): () => number {
  return normals(o.seed * 1000 + 100 + s).normal
}

/**
 * The boundary case alone (4 comparisons exactly at the budget, the same seeds as in honestyRows): the share of
 * runs with any FAIL and of comparisons that PASS.
 */
export function boundaryRates(o: HonestyOptions): { falseFail: number; falsePass: number } {
  const d4 = designOf(honestyLooks(o), 4, o.spending)
  const runs = pairedRuns(
    o,
    [BUDGET, BUDGET, BUDGET, BUDGET],
    normalNoiseOf(o, o.sd ?? HONESTY_SD, 5),
    d4,
    offsetStreamOf(o, 5)
  )
  return {
    falseFail: runs.filter((d) => d.includes('fail')).length / o.reps,
    falsePass: runs.reduce((a, d) => a + d.filter((x) => x === 'pass').length, 0) / (4 * o.reps)
  }
}

/** The honesty cases, one row each. */
export function honestyRows(o: HonestyOptions): HonestyRow[] {
  const looks = honestyLooks(o)
  const d1 = designOf(looks, 1, o.spending)
  const d4 = designOf(looks, 4, o.spending)
  const sd = o.sd ?? HONESTY_SD
  const normalNoise = (s: number): (() => number) => normalNoiseOf(o, sd, s)
  const burstNoise = (s: number): (() => number) => {
    const { normal, rand } = normals(o.seed * 1000 + s)
    return () => {
      const base = sd * normal()
      if (rand() >= 0.1) return base
      const size = 0.3 + 0.3 * rand()
      return base + Math.log1p(rand() < 0.5 ? size : -size)
    }
  }
  const offsetStream = (s: number): (() => number) => offsetStreamOf(o, s)
  const share = (runs: string[][], f: (d: string[]) => boolean): number => runs.filter(f).length / runs.length
  const common = {
    looks,
    blockSec: o.blockSec,
    timeBudgetSec: o.timeBudgetSec,
    spending: o.spending,
    sd,
    ...(o.boots !== undefined ? { ...o.boots } : {})
  }
  const rows: HonestyRow[] = []
  const clean1 = pairedRuns(o, [0], normalNoise(1), d1, offsetStream(1))
  rows.push({
    case: 'clean-budget-1arm',
    rate: share(clean1, (d) => d.includes('inconclusive')),
    runs: o.reps,
    ...common
  })
  const clean4 = pairedRuns(o, [0, 0, 0, 0], normalNoise(2), d4, offsetStream(2))
  rows.push({
    case: 'clean-budget-4comparisons',
    rate: share(clean4, (d) => d.includes('inconclusive')),
    runs: o.reps,
    ...common
  })
  for (const [K, s] of [
    [1, 3],
    [2, 4]
  ]) {
    const h = historyRuns(o, K, o.seed * 1000 + s)
    rows.push({
      case: `history-k${K}-boundary-pass`,
      rate: h.filter((d) => d === 'pass').length / h.length,
      runs: o.reps,
      ...common
    })
  }
  const boundary = boundaryRates(o)
  rows.push({ case: 'boundary-false-fail', rate: boundary.falseFail, runs: o.reps, ...common })
  rows.push({ case: 'boundary-false-pass', rate: boundary.falsePass, runs: o.reps, ...common })
  const bursts = pairedRuns(o, [BUDGET, BUDGET, BUDGET, BUDGET], burstNoise(6), d4, offsetStream(6))
  rows.push({ case: 'bursts-false-fail', rate: share(bursts, (d) => d.includes('fail')), runs: o.reps, ...common })
  // Power: the first comparison 2 per-block SDs (on the log scale) beyond the budget, the other three at it.
  const beyond = 1 - Math.exp(Math.log1p(-BUDGET) - 2 * sd)
  const power = pairedRuns(o, [beyond, BUDGET, BUDGET, BUDGET], normalNoise(7), d4, offsetStream(7))
  rows.push({ case: 'power-budget-plus-2sd', rate: share(power, (d) => d[0] === 'fail'), runs: o.reps, ...common })
  return rows
}
