import type { Config } from '../config/config.js'
import type { GateRun } from '../engine.js'
import { buildResults, settingsOf, type ResultsFile } from '../baseline/results.js'
import { buildArms } from '../plan/plan.js'
import type { Comparison, MachineInfo, Verdict } from '../types.js'
import { VERSION } from '../version.js'
import type { ReportInput } from './markdown.js'

/** Provenance of this run from the runner's environment. */
export function provenance(env: NodeJS.ProcessEnv = process.env): ResultsFile['git'] {
  const runUrl =
    env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
      ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
      : undefined
  return {
    repository: env.GITHUB_REPOSITORY,
    sha: env.GITHUB_SHA,
    ref: env.GITHUB_HEAD_REF || env.GITHUB_REF,
    eventName: env.GITHUB_EVENT_NAME,
    runUrl
  }
}

/** Report input and results file of a finished (or failed) run; pure assembly. */
export function assemble(
  config: Config,
  run: GateRun | null,
  verdict: Verdict,
  error: string | undefined,
  git: ResultsFile['git'],
  /** Fingerprint of this machine, used when the run failed before recording one. */
  machine: MachineInfo
): { report: ReportInput; results: ResultsFile } {
  const arms = run?.plan.arms ?? buildArms(config.samplingRates)
  const settings = settingsOf(config)
  const report: ReportInput = {
    verdict,
    failCheck: run?.gate.failCheck ?? true,
    reasons: run?.gate.reasons ?? [],
    error,
    arms,
    rounds: run?.rounds ?? [],
    comparisons: run?.comparisons ?? [],
    referenceArmId: run?.plan.referenceArmId ?? arms[0].id,
    seed: run?.plan.seed ?? config.seed,
    blocks: config.rounds,
    settings: {
      connections: config.connections,
      roundDurationSec: config.roundDurationSec,
      warmupSec: config.warmupSec,
      confidence: config.confidence,
      maxQpsOverhead: config.maxQpsOverhead,
      maxP99Overhead: config.maxP99Overhead,
      maxErrorRate: config.maxErrorRate,
      onInconclusive: config.onInconclusive,
      target: config.targetUrl,
      serviceName: config.serviceName
    },
    machine: run?.machine ?? machine,
    pinning: run?.pinning ?? 'n/a',
    wallSec: run?.wallSec,
    measuredSec: run?.measuredSec,
    provenance: { repository: git.repository, headSha: git.sha, ref: git.ref, runUrl: git.runUrl }
  }
  const results = buildResults({
    tool: { name: 'otlp-perf-gate', version: VERSION },
    createdAt: new Date().toISOString(),
    verdict,
    failCheck: report.failCheck,
    reasons: report.reasons,
    error,
    machine: report.machine,
    pinning: report.pinning,
    git,
    settings,
    plan: {
      seed: report.seed,
      blocks: config.rounds,
      referenceArmId: report.referenceArmId,
      arms,
      steps: run?.plan.steps ?? []
    },
    rounds: report.rounds,
    comparisons: report.comparisons,
    timing: { startedAt: run?.startedAt, finishedAt: run?.finishedAt, wallSec: run?.wallSec, measuredSec: run?.measuredSec }
  })
  return { report, results }
}

/** The headline overhead (point estimate, percent) of the highest sampling rate for a metric. */
export function headlineOverhead(comparisons: Comparison[], metric: 'qps' | 'p99', rates: readonly number[]): string {
  const top = Math.max(...rates)
  const c = comparisons.find((x) => x.metric === metric && x.armId === `on@${top}`)
  return c && Number.isFinite(c.overhead) ? (c.overhead * 100).toFixed(1) : ''
}
