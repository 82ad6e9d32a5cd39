/**
 * `npm run sim`: Monte-Carlo operating characteristics of the shipped decision procedure
 * (src/analysis: Yuen's trimmed t lifted by a capped bootstrap-t, Holm, group-sequential looks with α spending) and of the
 * candidate rules it was chosen from. Seeded and independent of the engine. See docs/bench-notes.md.
 *
 *   npm run sim                    readable table of the shipped rule at the default plan
 *   npm run sim -- --json          one JSON object per row
 *   npm run sim -- --candidates    the candidates under the default looks (--fixed: one look at --rounds; --only NAME)
 *   npm run sim -- --mde           simulated vs computed 80 %-power overhead (normal noise)
 *   npm run sim -- --df-check      actual/nominal rate of the trimmed t with df h − 1 and 0.85·(h − 1)
 *   npm run sim -- --only honesty  issue #24's cases as a user runs the gate: looks from the time budget
 *                                  (--time-budget SEC, default 180; --block-sec S, default 12.75 = measured;
 *                                  --looks 8,13 forces looks; --sd 0.023 per-block SD), 4000 runs per case unless --reps;
 *                                  processes kept across blocks (bench/sim-boots.ts): --boot-sec S (s per boot; --block-sec
 *                                  is then a warm block's), --blocks-per-boot N (0 = until the next look), --tau-true T
 *                                  (per-process offset SD in the data, 0.014), --tau-prior P (the analysis' prior, 0.014),
 *                                  --variant shipped|none|satterthwaite (how the boots are pooled)
 *   npm run sim -- --only merge    issue #29's `mode: merge` of 3 runners × 8 blocks (runner offset ±5 %, then a
 *                                  ±5 % runner × arm interaction) vs one runner: false FAIL rates and interval width,
 *                                  4000 runs per case unless --reps (--sd per-block SD, default 0.03)
 *   --shapes normal,exp- / --k 4      only these shapes / numbers of gated comparisons (no history rows)
 *   options: --reps N (default 20000) --seed S --rounds R --max-rounds M --step S --spending pocock|obrien-fleming
 *            --final-at B (the last look made final early at B blocks by the time budget, spending the α left)
 *            --burst B (burst size in noise-SDs, default 5)
 */
import { decideAtLook, type GatedComparison, type LookResult } from '../src/analysis/decide.js'
import {
  planLooks,
  sequentialStep,
  type LookStatistic,
  type SequentialDesign,
  type SequentialState
} from '../src/analysis/sequential.js'
import { analyseComparison, DF_FACTOR, trimmedPValues } from '../src/analysis/rule.js'
import { trimmedLocation } from '../src/analysis/robust.js'
import { minimumDetectableOverhead } from '../src/analysis/sensitivity.js'
import type { SpendingFunction } from '../src/analysis/spending.js'
import { CANDIDATES, type Candidate } from './sim-candidates.js'
import { historyRows } from './sim-history.js'
import { BOOT_VARIANTS, DEFAULT_BOOT, type BootModel, type BootVariant } from './sim-boots.js'
import { DEFAULT_BLOCK_SEC, DEFAULT_TIME_BUDGET_SEC, honestyLooks, honestyRows } from './sim-honesty.js'
import { BURST_SIZE, normals, sampler, SHAPES, type Shape } from './sim-model.js'
import { mergeRows } from './sim-merge.js'

/** The default plan: rounds 8, max-rounds 24 (looks at 8, 16, 24), confidence 95 %. */
export const DEFAULTS = { rounds: 8, maxRounds: 24, confidence: 0.95 }
/** A P99 budget of 5 %; log-ratios are ln(1.05) + NOISE·(δ + ε). Any budget gives the same rates (equivariance). */
const BUDGET = 0.05
const NOISE = 0.05
/** "Measured overhead 3× budget with noise ≤ budget/3" at a 5 % P99 budget, in noise-SDs: (ln 1.15 − ln 1.05)/ln(1 + 0.05/3). */
export const GROSS_SD = (Math.log(1.15) - Math.log(1.05)) / Math.log(1 + 0.05 / 3)

export interface Outcome {
  decisions: string[]
  blocks: number
  firstLookFail: boolean
}

/** One run of the shipped procedure on k comparisons with excesses `deltas` (noise-SDs). */
export function runShipped(draw: () => number, deltas: readonly number[], design: SequentialDesign): Outcome {
  const max = design.looks[design.looks.length - 1]
  const threshold = Math.log1p(BUDGET)
  const data = deltas.map((d) => Array.from({ length: max }, () => threshold + NOISE * (d + draw())))
  let result: LookResult | undefined
  let firstLookFail = false
  for (let j = 0; j < design.looks.length; j++) {
    const n = design.looks[j]
    const comps: GatedComparison[] = data.map((x, i) => ({
      kind: 'paired',
      id: `c${i}`,
      direction: 'lower-is-better',
      budget: BUDGET,
      logRatios: x.slice(0, n)
    }))
    result = decideAtLook(comps, j, design, result, { decisionsOnly: true })
    if (j === 0) firstLookFail = result.verdicts[0].decision === 'fail'
    if (result.stop) break
  }
  return { decisions: result!.verdicts.map((v) => v.decision), blocks: result!.blocks, firstLookFail }
}

/**
 * How often the shipped rule decides `decision` on the first of design.gated comparisons whose true oriented excess
 * over the budget is `first` noise SDs (the others at the budget), over `reps` runs of normal noise drawn from
 * `seed`: a fresh stream per call, so calls at different `first` share their random numbers (common random numbers
 * keep a bisection over `first` monotone).
 */
export function shippedRate(
  design: SequentialDesign,
  first: number,
  decision: 'fail' | 'pass',
  reps: number,
  seed: number
): number {
  const draw = sampler('normal', normals(seed))
  const deltas = Array.from({ length: design.gated }, (_, i) => (i === 0 ? first : 0))
  let hits = 0
  for (let r = 0; r < reps; r++) if (runShipped(draw, deltas, design).decisions[0] === decision) hits++
  return hits / reps
}

/** One run of a candidate rule (statistics on the oriented excess, threshold 0) through the same Holm/looks step. */
export function runCandidate(
  cand: Candidate,
  draw: () => number,
  deltas: readonly number[],
  design: SequentialDesign
): Outcome {
  const max = design.looks[design.looks.length - 1]
  const data = deltas.map((d) => Array.from({ length: max }, () => d + draw()))
  let states: SequentialState[] | undefined
  let blocks = max
  let firstLookFail = false
  for (let j = 0; j < design.looks.length; j++) {
    const cap = Math.max(design.passLevels[j], ...design.failLevels.map((l) => l[j]))
    const stats: LookStatistic[] = data.map((x) => cand.stat(x.slice(0, design.looks[j]), design.alpha, cap))
    const step = sequentialStep(stats, j, design, states)
    states = step.states
    if (j === 0) firstLookFail = states[0].decision === 'fail'
    if (step.stop) {
      blocks = design.looks[j]
      break
    }
  }
  return { decisions: states!.map((s) => s.decision), blocks, firstLookFail }
}

export interface Row {
  shape: string
  comparisons: number
  n: number
  falseFail: number
  falsePass: number
  power1sd: number
  power2sd: number
  power3sd: number
  [extra: string]: string | number
}

type Runner = (draw: () => number, deltas: readonly number[], design: SequentialDesign) => Outcome

/** Rates of one (shape, k) row from `reps` runs per scenario; every scenario has its own seed. */
export function simulateRow(
  shape: Shape,
  k: number,
  design: SequentialDesign,
  reps: number,
  seed: number,
  run: Runner,
  noise: { burstSize?: number; expCentre?: number } = {}
): Row {
  const scenario = (first: number, s: number): Outcome[] => {
    const draw = sampler(shape, normals(seed * 1000 + s), noise.burstSize, noise.expCentre)
    const deltas = Array.from({ length: k }, (_, i) => (i === 0 ? first : 0))
    return Array.from({ length: reps }, () => run(draw, deltas, design))
  }
  const rate = (xs: Outcome[], f: (o: Outcome) => boolean): number => xs.filter(f).length / xs.length
  const nul = scenario(0, 1)
  const power = [1, 2, 3].map((x, i) => rate(scenario(x, 2 + i), (o) => o.decisions[0] === 'fail'))
  const good = scenario(-2, 5)
  const gross = scenario(GROSS_SD, 6)
  // Every comparison clearly within budget: how early a clean run stops.
  const drawClear = sampler(shape, normals(seed * 1000 + 7), noise.burstSize, noise.expCentre)
  const clear = Array.from({ length: reps }, () =>
    run(
      drawClear,
      Array.from({ length: k }, () => -2),
      design
    )
  )
  const passes = nul.reduce((s, o) => s + o.decisions.filter((d) => d === 'pass').length, 0)
  return {
    shape,
    comparisons: k,
    n: design.looks[0],
    nMax: design.looks[design.looks.length - 1],
    falseFail: rate(nul, (o) => o.decisions.includes('fail')),
    falsePass: passes / (reps * k),
    power1sd: power[0],
    power2sd: power[1],
    power3sd: power[2],
    passPower2sd: rate(good, (o) => o.decisions[0] === 'pass'),
    grossFail: rate(gross, (o) => o.decisions[0] === 'fail'),
    grossFirstLook: rate(gross, (o) => o.firstLookFail),
    meanBlocksNull: nul.reduce((s, o) => s + o.blocks, 0) / reps,
    meanBlocksClear: clear.reduce((s, o) => s + o.blocks, 0) / reps
  }
}

interface Args {
  json: boolean
  candidates: boolean
  mde: boolean
  fixed: boolean
  dfCheck: boolean
  only: string | undefined
  /** Only these shapes (--shapes normal,exp-) and numbers of gated comparisons (--k 4). */
  shapes: Shape[]
  ks: number[]
  reps: number
  seed: number
  rounds: number
  maxRounds: number
  step: number | undefined
  /** A last look made final early by the time budget (spends the α left), e.g. 14 of 24. */
  finalAt: number | undefined
  spending: SpendingFunction
  burst: number
  repsGiven: boolean
  blockSec: number
  /** `--sd`: per-block SD of the honesty cases (undefined: 2.3 %). */
  sd?: number
  timeBudgetSec: number
  looks: number[] | undefined
  /** `--boot-sec` and the kept-boot settings: undefined = a fresh set of processes per block. */
  bootSec?: number
  boot: Omit<BootModel, 'bootSec'>
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    json: false,
    candidates: false,
    mde: false,
    fixed: false,
    dfCheck: false,
    only: undefined,
    shapes: SHAPES,
    ks: [1, 4],
    reps: 20000,
    seed: 1,
    rounds: DEFAULTS.rounds,
    maxRounds: DEFAULTS.maxRounds,
    step: undefined,
    finalAt: undefined,
    spending: 'pocock',
    burst: BURST_SIZE,
    repsGiven: false,
    blockSec: DEFAULT_BLOCK_SEC,
    timeBudgetSec: DEFAULT_TIME_BUDGET_SEC,
    looks: undefined,
    boot: { ...DEFAULT_BOOT }
  }
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1]
    const num = (): number => {
      const x = Number(v)
      if (!Number.isInteger(x) || x <= 0) throw new Error(`${argv[i]} needs a positive integer, got '${String(v)}'`)
      i++
      return x
    }
    switch (argv[i]) {
      case '--json':
        a.json = true
        break
      case '--candidates':
        a.candidates = true
        break
      case '--mde':
        a.mde = true
        break
      case '--fixed':
        a.fixed = true
        break
      case '--df-check':
        a.dfCheck = true
        break
      case '--only':
        a.only = v
        i++
        break
      case '--shapes':
        a.shapes = String(v)
          .split(',')
          .map((x) => {
            if (!SHAPES.includes(x as Shape))
              throw new Error(`--shapes: unknown shape '${x}', expected some of ${SHAPES.join(',')}`)
            return x as Shape
          })
        i++
        break
      case '--k':
        a.ks = String(v)
          .split(',')
          .map((x) => {
            const k = Number(x)
            if (!Number.isInteger(k) || k <= 0) throw new Error(`--k needs positive integers, got '${x}'`)
            return k
          })
        i++
        break
      case '--reps':
        a.reps = num()
        a.repsGiven = true
        break
      case '--sd': {
        const x = Number(v)
        if (!(x > 0 && x < 1))
          throw new Error(`--sd needs a per-block SD as a fraction (0.023 = 2.3 %), got '${String(v)}'`)
        a.sd = x
        i++
        break
      }
      case '--boot-sec': {
        const x = Number(v)
        if (!(x > 0)) throw new Error(`--boot-sec needs a positive number of seconds, got '${String(v)}'`)
        a.bootSec = x
        i++
        break
      }
      case '--blocks-per-boot': {
        const x = Number(v)
        if (!(Number.isInteger(x) && x >= 0))
          throw new Error(`--blocks-per-boot needs an integer ≥ 0 (0 = until the next look), got '${String(v)}'`)
        a.boot.blocksPerBoot = x
        i++
        break
      }
      case '--tau-true':
      case '--tau-prior': {
        const x = Number(v)
        if (!(x >= 0 && x < 1))
          throw new Error(`${argv[i]} needs a per-process offset SD as a fraction (0.014 = 1.4 %), got '${String(v)}'`)
        if (argv[i] === '--tau-true') a.boot.tauTrue = x
        else a.boot.tauPrior = x
        i++
        break
      }
      case '--variant':
        if (!BOOT_VARIANTS.includes(v as BootVariant))
          throw new Error(`--variant must be one of ${BOOT_VARIANTS.join(', ')}, got '${String(v)}'`)
        a.boot.variant = v as BootVariant
        i++
        break
      case '--block-sec': {
        const x = Number(v)
        if (!(x > 0)) throw new Error(`--block-sec needs a positive number of seconds, got '${String(v)}'`)
        a.blockSec = x
        i++
        break
      }
      case '--time-budget': {
        const x = Number(v)
        if (!(x >= 0)) throw new Error(`--time-budget needs seconds ≥ 0, got '${String(v)}'`)
        a.timeBudgetSec = x
        i++
        break
      }
      case '--looks':
        a.looks = String(v)
          .split(',')
          .map((x) => {
            const b = Number(x)
            if (!Number.isInteger(b) || b < 2) throw new Error(`--looks needs integers ≥ 2, got '${x}'`)
            return b
          })
        i++
        break
      case '--seed':
        a.seed = num()
        break
      case '--rounds':
        a.rounds = num()
        break
      case '--max-rounds':
        a.maxRounds = num()
        break
      case '--step':
        a.step = num()
        break
      case '--final-at':
        a.finalAt = num()
        break
      case '--burst':
        a.burst = num()
        break
      case '--spending':
        if (v !== 'pocock' && v !== 'obrien-fleming')
          throw new Error(`--spending must be pocock or obrien-fleming, got '${String(v)}'`)
        a.spending = v
        i++
        break
      default:
        throw new Error(`unknown option '${argv[i]}'`)
    }
  }
  return a
}

function designFor(a: Args, k: number, fixed = false): SequentialDesign {
  return planLooks({
    rounds: a.rounds,
    maxRounds: fixed ? a.rounds : a.maxRounds,
    ...(a.step !== undefined ? { step: a.step } : {}),
    ...(a.finalAt !== undefined && !fixed ? { finalAt: a.finalAt } : {}),
    confidence: DEFAULTS.confidence,
    gatedComparisons: k,
    failSpending: a.spending,
    passSpending: a.spending
  })
}

/**
 * Calibration of the rule's degrees of freedom: under normal noise, the actual one-sided rate of
 * p ≤ level divided by the level, for Yuen's df = h − 1 and the shipped DF_FACTOR·(h − 1).
 */
export function dfCheckRows(reps: number, seed: number): Record<string, number>[] {
  const levels = [0.025, 0.005, 0.001]
  return [5, 8, 10, 12, 16, 20, 24, 32].map((n) => {
    const { normal } = normals(seed * 1000 + n)
    const hits = [levels.map(() => 0), levels.map(() => 0)]
    for (let r = 0; r < reps; r++) {
      const loc = trimmedLocation(Array.from({ length: n }, normal))
      ;[1, DF_FACTOR].forEach((f, k) => {
        const p = trimmedPValues(loc, 0, f).pFail
        levels.forEach((a, i) => {
          if (p <= a) hits[k][i]++
        })
      })
    }
    const row: Record<string, number> = { n, df: n - 2 * Math.floor(0.2 * n) - 1 }
    levels.forEach((a, i) => {
      row[`yuen@${a}`] = hits[0][i] / reps / a
      row[`shipped@${a}`] = hits[1][i] / reps / a
    })
    return row
  })
}

/** Simulated 80 %-power excess (noise-SDs, normal noise) vs minimumDetectableOverhead() on the mean observed block scale. */
export function mdeRow(design: SequentialDesign, reps: number, seed: number): Record<string, number> {
  const power = (x: number): number => shippedRate(design, x, 'fail', reps, seed)
  let lo = 0
  let hi = 6
  for (let i = 0; i < 14; i++) {
    const mid = (lo + hi) / 2
    if (power(mid) < 0.8) lo = mid
    else hi = mid
  }
  const simulated = (lo + hi) / 2
  // The observed robust scale the report would use, averaged over first-look samples (in noise-SD units).
  const draw = sampler('normal', normals(seed + 7))
  let scale = 0
  for (let r = 0; r < 4000; r++) {
    const x = Array.from({ length: design.looks[0] }, () => NOISE * draw())
    scale +=
      analyseComparison({ logRatios: x, direction: 'lower-is-better', budget: 0 }, 0.95).blockScale / NOISE / 4000
  }
  const computed = minimumDetectableOverhead({
    design,
    blockScale: scale,
    direction: 'lower-is-better',
    budget: 0
  }).logExcess
  return {
    comparisons: design.gated,
    n: design.looks[0],
    nMax: design.looks[design.looks.length - 1],
    simulatedSd: simulated,
    computedSd: computed,
    ratio: computed / simulated,
    blockScale: scale
  }
}

function fmt(rows: Record<string, string | number>[]): string {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))]
  const cell = (v: string | number | undefined): string =>
    v === undefined ? '' : typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(v < 1 ? 4 : 2) : String(v)
  const lines = [keys, ...rows.map((r) => keys.map((k) => cell(r[k])))]
  const widths = keys.map((_, i) => Math.max(...lines.map((l) => l[i].length)))
  return lines.map((l) => l.map((c, i) => c.padStart(widths[i])).join('  ')).join('\n')
}

function main(): void {
  const a = parseArgs(process.argv.slice(2))
  const rows: Record<string, string | number>[] = []
  const emit = (r: Record<string, string | number>): void => {
    if (a.json) console.log(JSON.stringify(r))
    else rows.push(r)
  }
  if (a.only === 'merge' && !a.candidates) {
    const reps = a.repsGiven ? a.reps : 4000
    console.error(
      `merge: ${reps} runs per case, seed ${a.seed}, per-block SD ${((a.sd ?? 0.03) * 100).toFixed(2)} %, budget 5 % QPS`
    )
    for (const r of mergeRows(reps, a.seed, a.sd ?? 0.03)) emit({ ...r })
  } else if (a.only === 'honesty' && !a.candidates) {
    const o = {
      reps: a.repsGiven ? a.reps : 4000,
      seed: a.seed,
      blockSec: a.blockSec,
      timeBudgetSec: a.timeBudgetSec,
      rounds: a.rounds,
      maxRounds: a.maxRounds,
      spending: a.spending,
      ...(a.sd !== undefined ? { sd: a.sd } : {}),
      ...(a.looks !== undefined ? { looks: a.looks } : {}),
      ...(a.bootSec !== undefined ? { boots: { ...a.boot, bootSec: a.bootSec } } : {})
    }
    const kept =
      o.boots === undefined
        ? ''
        : `, processes kept: ${o.boots.bootSec} s per boot, blocks per boot ${o.boots.blocksPerBoot || 'until the next look'}, offset per process ${(o.boots.tauTrue * 100).toFixed(2)} % (prior ${(o.boots.tauPrior * 100).toFixed(2)} %), pooling ${o.boots.variant}`
    // The settings once, on stderr: stdout stays one {case, rate, runs} object per line.
    console.error(
      `honesty: looks after ${honestyLooks(o).join(', ')} blocks (${o.blockSec} s per block, time budget ${o.timeBudgetSec} s), per-block SD ${((o.sd ?? 0.023) * 100).toFixed(2)} %, ${o.spending} spending, seed ${o.seed}${kept}`
    )
    for (const r of honestyRows(o)) {
      if (a.json) console.log(JSON.stringify({ case: r.case, rate: r.rate, runs: r.runs }))
      else rows.push({ case: r.case, rate: r.rate, runs: r.runs })
    }
  } else if (a.dfCheck) {
    for (const r of dfCheckRows(a.reps, a.seed)) emit(r)
  } else if (a.mde) {
    for (const k of [1, 4])
      for (const fixed of [true, false]) emit(mdeRow(designFor(a, k, fixed), Math.min(a.reps, 4000), a.seed))
  } else if (a.candidates) {
    CANDIDATES.forEach((cand: Candidate, ci) => {
      if (a.only !== undefined && !cand.name.includes(a.only)) return
      if (cand.smallOnly === true && !a.fixed) return
      for (const k of a.ks) {
        for (const shape of a.shapes) {
          const row = simulateRow(
            shape,
            k,
            designFor(a, k, a.fixed),
            a.reps,
            a.seed + 100 * ci,
            (d, x, des) => runCandidate(cand, d, x, des),
            {
              burstSize: a.burst,
              expCentre: cand.expCentre
            }
          )
          emit({ rule: cand.name, ...row })
        }
      }
    })
  } else {
    SHAPES.forEach((shape, si) => {
      if (!a.shapes.includes(shape)) return
      for (const k of a.ks)
        emit(simulateRow(shape, k, designFor(a, k), a.reps, a.seed + si, runShipped, { burstSize: a.burst }))
    })
    // The stored-history rows only in a full run (--shapes/--k select shipped rows).
    if (a.shapes === SHAPES && a.ks.length === 2)
      for (const r of historyRows(a.reps, a.seed, DEFAULTS.confidence, a.rounds)) emit(r)
  }
  if (!a.json) console.log(fmt(rows))
}

if (process.argv[1] !== undefined && /sim\.js$/.test(process.argv[1])) main()
