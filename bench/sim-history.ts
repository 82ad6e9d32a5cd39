/**
 * History rows of `npm run sim`: this run vs a stored history of K main runs, each run with its own
 * offset (between-run SD σ_b) and within-run round noise σ_w = 2 %, at a 5 % P99 budget.
 */
import { decideAtLook, type LookResult } from '../src/analysis/decide.js'
import { planLooks } from '../src/analysis/sequential.js'
import { normals } from './sim-model.js'

const WITHIN = 0.02
const BUDGET = 0.05

function historyRow(
  label: string,
  runs: number,
  between: number,
  reps: number,
  seed: number,
  confidence: number,
  rounds: number
): Record<string, string | number> {
  const design = planLooks({ rounds, maxRounds: rounds * 3, confidence, gatedComparisons: 1 })
  const max = design.looks[design.looks.length - 1]
  // noise-SD of a history comparison: SD of one run's typical value, √(σ_b² + σ_w²/n) at the first look.
  const sdRun = Math.sqrt(between ** 2 + WITHIN ** 2 / rounds)
  const scenario = (delta: number, s: number): LookResult[] => {
    const { normal } = normals(seed * 1000 + s)
    const out: LookResult[] = []
    for (let r = 0; r < reps; r++) {
      const run = (shift: number, n: number): number[] => {
        const u = between * normal()
        return Array.from({ length: n }, () => 1000 * Math.exp(shift + u + WITHIN * normal()))
      }
      const history = Array.from({ length: runs }, () => run(0, rounds))
      const current = run(Math.log1p(BUDGET) + delta * sdRun, max)
      let res: LookResult | undefined
      for (let j = 0; j < design.looks.length; j++) {
        const comp = {
          kind: 'history' as const,
          id: 'p99',
          direction: 'lower-is-better' as const,
          budget: BUDGET,
          current: current.slice(0, design.looks[j]),
          history
        }
        res = decideAtLook([comp], j, design, res)
        if (res.stop) break
      }
      out.push(res!)
    }
    return out
  }
  const rate = (xs: LookResult[], d: string): number =>
    xs.filter((x) => x.verdicts[0].decision === d).length / xs.length
  const nul = scenario(0, 1)
  return {
    shape: label,
    comparisons: 1,
    n: rounds,
    nMax: max,
    falseFail: rate(nul, 'fail'),
    falsePass: rate(nul, 'pass'),
    power1sd: rate(scenario(1, 2), 'fail'),
    power2sd: rate(scenario(2, 3), 'fail'),
    power3sd: rate(scenario(3, 4), 'fail'),
    passPower2sd: rate(scenario(-2, 5), 'pass'),
    runs,
    betweenSd: between,
    withinSd: WITHIN
  }
}

/** Rows for K = 5 runs with between-run SD 1 % and 2 %, and K = 2 (below the minimum: never FAIL). */
export function historyRows(
  reps: number,
  seed: number,
  confidence: number,
  rounds: number
): Record<string, string | number>[] {
  const n = Math.max(1000, Math.floor(reps / 4))
  return [
    historyRow('history', 5, 0.01, n, seed + 50, confidence, rounds),
    historyRow('history', 5, 0.02, n, seed + 51, confidence, rounds),
    historyRow('history', 2, 0.01, n, seed + 52, confidence, rounds)
  ]
}
