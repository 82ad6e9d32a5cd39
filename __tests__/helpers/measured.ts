/** Results files of `mode: measure` runs for the merge tests: seeded noise, a runner offset, a tracing cost. */
import { buildResults, settingsOf, type ResultsFile } from '../../src/results/results.js'
import { asMeasuredResults } from '../../src/results/measured.js'
import { parseConfig, type Config } from '../../src/config/config.js'
import { buildArms } from '../../src/plan/plan.js'
import { mulberry32 } from '../../src/stats/prng.js'
import { makeRound } from './rounds.js'

/** The settings of measuredRun's runs, decided in `mode: gate` (the single-run reference of the merge tests). */
export const MEASURED_GATE_CONFIG: Config = parseConfig({
  'start-command': 'node s.mjs',
  'sampling-rates': '1',
  rounds: '8',
  'max-qps-overhead': '10',
  'max-p99-overhead': 'none'
})

export const MEASURE_CONFIG: Config = parseConfig({
  'start-command': 'node s.mjs',
  'sampling-rates': '1',
  rounds: '8',
  'max-qps-overhead': '10',
  'max-p99-overhead': 'none',
  mode: 'measure'
})

/**
 * One measure run of `blocks` blocks of `off` vs `on@1`: per block a common factor (the block's minute), a runner
 * offset on both arms (`offset`), the tracing cost `cost` (fraction of QPS) plus `interaction`, and ±`noise`.
 */
export function measuredRun(o: {
  seed: number
  runner?: string
  blocks?: number
  offset?: number
  cost?: number
  interaction?: number
  noise?: number
  sha?: string
  config?: Config
}): ResultsFile {
  const rand = mulberry32(o.seed)
  const noise = o.noise ?? 0.03
  const n = o.blocks ?? 8
  const base = 10_000 * (1 + (o.offset ?? 0))
  const rounds = Array.from({ length: n }, (_, b) => {
    const minute = 1 + (rand() - 0.5) * 0.2
    const off = base * minute * (1 + (rand() - 0.5) * 2 * noise)
    const on = base * minute * (1 - (o.cost ?? 0.05) - (o.interaction ?? 0)) * (1 + (rand() - 0.5) * 2 * noise)
    return [
      makeRound({ block: b, armId: 'off', qps: off }),
      makeRound({ block: b, armId: 'on@1', qps: on, order: 1, spans: 100 })
    ]
  }).flat()
  const config = o.config ?? MEASURE_CONFIG
  const results = buildResults({
    tool: { name: 'otlp-perf-gate', version: '0.1.0' },
    createdAt: '2026-12-07T04:00:00.000Z',
    verdict: 'pass',
    failCheck: false,
    reasons: [],
    machine: { cpuModel: 'Test CPU', cores: 2, os: 'Linux', node: 'v20', runner: o.runner ?? `runner-${o.seed}` },
    pinning: 'off',
    git: { sha: o.sha ?? 'a'.repeat(40), baseSha: 'b'.repeat(40), prNumber: 7 },
    settings: settingsOf(config),
    plan: {
      seed: o.seed,
      blocks: n,
      referenceArmId: 'off',
      arms: buildArms([1]),
      steps: Array.from({ length: n }, (_, b) => [
        { block: b, order: 0, armId: 'off' },
        { block: b, order: 1, armId: 'on@1' }
      ]).flat()
    },
    rounds,
    comparisons: [],
    baseline: { source: 'none', status: 'not-configured' },
    timing: { wallSec: 100, measuredSec: 80 }
  })
  return asMeasuredResults(config, results, { GITHUB_JOB: 'measure' }, () => `run-${o.seed}`)
}
