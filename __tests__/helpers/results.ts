/** A results file as the gate writes it, for tests that read, validate or publish one. */
import { buildResults, settingsOf, type ResultsFile } from '../../src/results/results.js'
import { parseConfig } from '../../src/config/config.js'
import { buildArms } from '../../src/plan/plan.js'
import { compare } from '../../src/analysis/analyse.js'
import { makeRound } from './rounds.js'

/** 8 blocks of `off` vs `on@1` (tracing costs ~5 % QPS), verdict pass; `git` as given (default: commit b…b, PR 7). */
export function sampleResults(git: ResultsFile['git'] = { sha: 'b'.repeat(40), prNumber: 7 }): ResultsFile {
  const config = parseConfig({ 'start-command': 'node s.mjs', rounds: '8' })
  const rounds = [0, 1, 2, 3, 4, 5, 6, 7].flatMap((b) => [
    makeRound({ block: b, armId: 'off', qps: 1000 + b }),
    makeRound({ block: b, armId: 'on@1', qps: 950 + b, order: 1 })
  ])
  return buildResults({
    tool: { name: 'otlp-perf-gate', version: '0.1.0' },
    createdAt: '2026-11-24T10:00:00.000Z',
    verdict: 'pass',
    failCheck: false,
    reasons: ['QPS overhead of on@1 within budget'],
    machine: { cpuModel: 'Test CPU', cores: 2, os: 'Linux', node: 'v20', runner: 'r1' },
    pinning: 'off',
    git,
    settings: settingsOf(config),
    plan: {
      seed: 1,
      blocks: 8,
      referenceArmId: 'off',
      arms: buildArms([1]),
      steps: [{ block: 0, order: 0, armId: 'off' }]
    },
    rounds,
    comparisons: [compare(rounds, 'on@1', 'off', 'qps', { confidence: 0.95, budget: 0.1, kind: 'overhead' })],
    baseline: { source: 'none', status: 'not-configured' },
    timing: { wallSec: 10, measuredSec: 8 }
  })
}
