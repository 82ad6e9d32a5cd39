/**
 * `mode: measure` / `mode: merge`: what a measure run records about itself so that a merge can tell
 * whether several runs measured the same thing (the fingerprint), who measured it (the runner) and
 * whether two files are the same run (run id, seed).
 */
import { randomUUID } from 'node:crypto'
import type { Config } from '../config/config.js'
import type { MeasuredRun, ResultsFile } from './results.js'

export type { MeasuredRun, MergedRun } from './results.js'

/**
 * The fingerprint: the arms (ids and environment), the builds (head and base commits, start commands)
 * and every setting that changes what a round measures. Budgets, confidence and the reporting inputs
 * are not in it: the merge job decides with its own.
 */
export function fingerprintOf(config: Config, results: ResultsFile): Record<string, string> {
  const s = results.settings
  const fields: Record<string, unknown> = {
    arms: results.plan.arms.map((a) => ({ id: a.id, build: a.build, kind: a.kind, env: a.env })),
    'sampling-rates': s.samplingRates,
    'head-commit': results.git.sha ?? null,
    'base-commit': results.git.baseSha ?? null,
    'start-command': s.startCommand,
    'base-start-command': config.base?.startCommand ?? null,
    'base-tracing': config.base?.tracing ?? null,
    'uninstrumented-command': config.uninstrumentedCommand,
    'export-step': config.exportStep,
    'collector-command': config.collector?.command ?? null,
    target: s.target,
    'service-name': s.serviceName,
    env: config.env,
    'round-design': s.roundDesign ?? null,
    'processes-per-arm': config.processesPerArm,
    'blocks-per-boot': config.blocksPerBoot,
    'cpu-pinning': config.cpuPinning,
    'round-duration': s.roundDurationSec,
    'warmup-duration': s.warmupSec,
    'warmup-cap': s.warmupCapSec ?? null,
    connections: s.connectionLevels ?? [s.connections],
    'open-loop-rate': s.openLoopRate ?? null,
    'request-timeout': config.requestTimeoutSec,
    'memory-limit': config.memoryLimitBytes,
    'max-processes': config.maxProcesses
  }
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, JSON.stringify(v ?? null)]))
}

/** The measure run's record: a fresh run id, the runner, the seed and the fingerprint. */
export function measuredRunOf(
  config: Config,
  results: ResultsFile,
  env: NodeJS.ProcessEnv = process.env,
  newId: () => string = randomUUID
): MeasuredRun {
  return {
    runId: newId(),
    runner: {
      name: results.machine.runner ?? 'unknown',
      ...(env.GITHUB_JOB !== undefined ? { job: env.GITHUB_JOB } : {}),
      cpuModel: results.machine.cpuModel,
      cores: results.machine.cores
    },
    seed: results.plan.seed,
    fingerprint: fingerprintOf(config, results)
  }
}

/** The fields whose values differ between two fingerprints (also those present in only one), sorted. */
export function fingerprintDifferences(a: Record<string, string>, b: Record<string, string>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()
  return keys.filter((k) => a[k] !== b[k])
}

/**
 * A measured run's results as `mode: measure` writes them: no verdict (`measured`), no failing check,
 * the comparisons as reported statistics of this runner alone (no decision), and the run's record.
 */
export function asMeasuredResults(
  config: Config,
  results: ResultsFile,
  env: NodeJS.ProcessEnv = process.env,
  newId: () => string = randomUUID
): ResultsFile {
  const blocks = new Set(results.rounds.map((r) => r.block)).size
  return {
    ...results,
    verdict: 'measured',
    failCheck: false,
    reasons: [
      `mode: measure: ${blocks} blocks measured, nothing decided here (a 'mode: merge' job decides over every ` +
        `runner's blocks); the statistics below are this runner's alone`
    ],
    comparisons: results.comparisons.map((c) => ({ ...c, decision: null, pFail: null, pFailAdjusted: null })),
    measured: measuredRunOf(config, results, env, newId)
  }
}
