import type { Config } from '../config/config.js'
import type { GateRun } from '../results/gate-run.js'
import { buildResults, settingsOf, type ResultsFile, type ServiceStops } from '../results/results.js'
import type { StopStats } from '../service/service.js'
import type { CapsInfo } from '../service/caps.js'
import { redactDeep } from '../security/redact.js'
import { armsOf } from '../plan/plan.js'
import type { Comparison, MachineInfo, RoundResult, Verdict } from '../types.js'
import type { BaselineInfo } from '../results/baseline.js'
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

/** The report of a results file: the one source of truth for the action, the CLI and `mode: report`. */
export function reportFromResults(resultsIn: ResultsFile): ReportInput {
  // In `mode: report` the file comes from elsewhere: whatever secret this job knows stays out of the report.
  const results = redactDeep(resultsIn)
  return {
    verdict: results.verdict,
    failCheck: results.failCheck,
    reasons: results.reasons,
    error: results.error,
    arms: results.plan.arms,
    rounds: results.rounds,
    comparisons: results.comparisons,
    referenceArmId: results.plan.referenceArmId,
    seed: results.plan.seed,
    blocks: results.plan.blocks,
    settings: results.settings,
    machine: results.machine,
    pinning: results.pinning,
    wallSec: results.timing.wallSec,
    measuredSec: results.timing.measuredSec,
    provenance: {
      repository: results.git.repository,
      headSha: results.git.sha,
      ref: results.git.ref,
      baseSha: results.git.baseSha,
      baseRef: results.git.baseRef,
      runUrl: results.git.runUrl,
      prNumber: results.git.prNumber
    },
    baseline: results.baseline,
    storedArms: results.baseline?.arms,
    ...(results.openLoop !== undefined ? { openLoop: results.openLoop } : {}),
    ...(results.spike !== undefined ? { spike: results.spike } : {}),
    ...(results.serviceStops !== undefined ? { serviceStops: results.serviceStops } : {}),
    ...(results.caps !== undefined ? { caps: results.caps } : {}),
    ...(results.design !== undefined ? { design: results.design } : {}),
    ...(results.looks !== undefined ? { looks: results.looks } : {}),
    ...(results.merged !== undefined ? { merged: results.merged.runs } : {})
  }
}

/** The results' record of service stops from the run's counters. */
export function serviceStopsOf(stats: StopStats, graceSec: number): ServiceStops {
  return {
    stops: stats.stops,
    forcedKills: stats.forcedKills,
    graceSec,
    waitedSec: stats.waitedMs / 1000,
    escaped: stats.escaped
  }
}

/**
 * Whether the check fails: the gate's own answer, or — with no run (an error before or during measuring) — any verdict
 * but pass.
 */
export function failCheckOf(run: GateRun | null, verdict: Verdict): boolean {
  return run?.gate.failCheck ?? verdict !== 'pass'
}

/** Results file and report input of a finished (or failed) run; pure assembly. */
export function assemble(
  config: Config,
  run: GateRun | null,
  verdict: Verdict,
  error: string | undefined,
  git: ResultsFile['git'],
  /** Fingerprint of this machine, used when the run failed before recording one. */
  machine: MachineInfo,
  /** Baseline status known before the run (e.g. a stored baseline that failed to load). */
  baseline?: BaselineInfo,
  /** Rounds completed by a run that ended early (cancelled), and the run's service stops. */
  extras: { roundsDone?: RoundResult[]; stops?: StopStats; caps?: CapsInfo } = {}
): { report: ReportInput; results: ResultsFile } {
  const arms = run?.plan.arms ?? armsOf(config)
  const results = buildResults({
    tool: { name: 'otlp-perf-gate', version: VERSION },
    createdAt: new Date().toISOString(),
    verdict,
    failCheck: failCheckOf(run, verdict),
    reasons: run?.gate.reasons ?? [],
    error,
    machine: run?.machine ?? machine,
    pinning: run?.pinning ?? 'n/a',
    git,
    settings: settingsOf(config),
    plan: {
      seed: run?.plan.seed ?? config.seed,
      blocks: run?.plan.blocks ?? config.rounds,
      referenceArmId: run?.plan.referenceArmId ?? arms[0].id,
      arms,
      steps: run?.plan.steps ?? []
    },
    rounds: run?.rounds ?? extras.roundsDone ?? [],
    comparisons: run?.comparisons ?? [],
    baseline:
      run?.baseline ??
      baseline ??
      (config.base !== null ? { source: 'same-job', status: 'ok' } : { source: 'none', status: 'not-configured' }),
    timing: {
      startedAt: run?.startedAt,
      finishedAt: run?.finishedAt,
      wallSec: run?.wallSec,
      measuredSec: run?.measuredSec
    },
    ...(run?.openLoop !== undefined ? { openLoop: run.openLoop } : {}),
    ...(run?.spike !== undefined ? { spike: run.spike } : {}),
    ...(extras.stops !== undefined ? { serviceStops: serviceStopsOf(extras.stops, config.stopTimeoutSec) } : {}),
    ...(extras.caps !== undefined
      ? {
          caps: {
            mechanism: extras.caps.mechanism,
            memoryBytes: extras.caps.memoryBytes,
            maxProcesses: extras.caps.maxProcesses,
            note: extras.caps.note
          }
        }
      : {}),
    ...(run !== null ? { design: run.design, looks: run.looks } : {})
  })
  // Everything written, printed or posted derives from this object: no known secret may be in it.
  const clean = redactDeep(results)
  return { report: reportFromResults(clean), results: clean }
}

/** The headline overhead (point estimate, percent) of the highest sampling rate for a metric. */
export function headlineOverhead(comparisons: Comparison[], metric: 'qps' | 'p99', rates: readonly number[]): string {
  const top = Math.max(...rates)
  const c = comparisons.find(
    (x) => x.kind === 'overhead' && x.metric === metric && x.armId === `on@${top}` && x.phase === undefined
  )
  return c && Number.isFinite(c.overhead) ? (c.overhead * 100).toFixed(1) : ''
}
