/**
 * The gate's run: measure (src/measure/run.ts: rig → blocks → looks) with the service environment
 * below, then analyse (src/analysis: comparison plan → statistics → decision), both pure data out.
 */
import type { Config } from '../config/config.js'
import { GateError } from '../errors.js'
import { checkSpansPerTrace, spansPerTraceError } from '../otlp/accounting.js'
import { inheritedEnv } from '../config/env.js'
import { resourceSamplingSupported } from '../service/procstat.js'
import { machineInfo } from '../results/fingerprint.js'
import type { BaselineInfo } from '../results/baseline.js'
import type { ResultsFile } from '../results/results.js'
import type { GateRun } from '../results/gate-run.js'
import { analyse, type Analysis, type StoredInput } from '../analysis/analyse.js'
import { fmtPct } from '../format.js'
import { armsOf } from '../plan/plan.js'
import { measureRun, type LookFn, type MeasureHooks } from '../measure/run.js'
import type { ArmSpec, RoundResult } from '../types.js'

/** Inputs of a run besides the config. */
export interface EngineOptions {
  /** A validated stored main history to compare with (unpaired), or the reason there is none. */
  stored?: { history: ResultsFile[] } | { status: BaselineInfo['status']; message: string; path?: string } | null
  /** Cancellation (SIGTERM/SIGINT): checked before every service start; the run then throws its reason. */
  signal?: AbortSignal
}

/** Progress hooks for the action log and the CLI. */
export type EngineHooks = MeasureHooks

/**
 * Environment of one round: the minimal inherited environment (allowlist + `pass-env`, never the
 * job's tokens or command files: config/env.ts) < user `env` < the arm's OTEL_* < what the gate must own.
 */
export function roundEnv(
  config: Config,
  arm: ArmSpec,
  port: number,
  otlpEndpoint: string,
  base: NodeJS.ProcessEnv = process.env
): Record<string, string> {
  const env = inheritedEnv(base, config.passEnv ?? [])
  // The runner's OTEL_* must not blur the arms, even when passed by name.
  for (const k of Object.keys(env)) if (k.startsWith('OTEL_')) delete env[k]
  return {
    ...env,
    ...config.env,
    ...arm.env,
    PORT: String(port),
    OTEL_SERVICE_NAME: config.serviceName,
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: config.otlpProtocol
  }
}

/** Spans per trace must not drop between rounds of one arm: a round that lost part of its spans is a fault. */
function assertSpansPerTraceSteady(rounds: readonly RoundResult[]): void {
  for (const armId of new Set(rounds.map((r) => r.armId))) {
    const mine = rounds.filter((r) => r.armId === armId && r.window !== undefined)
    const drops = checkSpansPerTrace(
      mine.map((r) => ({
        traces: r.window!.traces,
        traceSpans: r.window!.traceSpans,
        label: `arm ${armId}, block ${r.block + 1}`
      }))
    )
    if (drops.length > 0) throw new GateError('lost-spans', spansPerTraceError(drops))
  }
}

/**
 * Run the whole experiment and decide. Throws GateError (or ServiceError) on any fault — a fault must
 * never turn into a verdict.
 */
export async function runEngine(
  config: Config,
  hooks: EngineHooks = {},
  options: EngineOptions = {}
): Promise<GateRun> {
  const startedAt = new Date()
  const machine = machineInfo()
  if (config.maxCpuOverhead !== null && !resourceSamplingSupported()) {
    throw new GateError(
      'service',
      `'max-cpu-overhead' is ${fmtPct(config.maxCpuOverhead, { digits: 2 })} but this system has no /proc to measure ` +
        `CPU from (Linux only); set it to 'none'`
    )
  }
  const storedIn = options.stored
  const stored: StoredInput | undefined =
    storedIn && 'history' in storedIn ? { history: storedIn.history, machine } : undefined
  const arms = armsOf(config)
  // The gated family is fixed before the first round: CPU counts when it is budgeted (then it must be measured).
  let last: Analysis | undefined
  const look: LookFn = (rounds, l) => {
    // Checked at every look: a verdict must never rest on rounds that lost part of their spans.
    assertSpansPerTraceSteady(rounds)
    last = analyse(config, arms, rounds, stored, {
      index: l.index,
      previous: last?.look,
      final: l.final,
      blocks: l.blocks,
      looks: l.looks,
      ...(last !== undefined ? { previousDesign: last.design } : {})
    })
    // `mode: measure` cannot decide alone (its blocks are one runner's share): it runs every block the time
    // budget allows, and the merge decides once over all of them.
    if (config.mode === 'measure')
      return { stop: false, reason: `mode: measure runs every planned block (no early stop); ${last.look.reason}` }
    return { stop: last.look.stop, reason: last.look.reason }
  }
  const m = await measureRun(
    config,
    (arm, port, endpoint) => roundEnv(config, arm, port, endpoint),
    look,
    hooks,
    options.signal
  )
  const a = last as Analysis
  let baseline: BaselineInfo =
    config.base !== null ? { source: 'same-job', status: 'ok' } : { source: 'none', status: 'not-configured' }
  if (a.stored !== undefined) {
    if (config.base === null || a.stored.status === 'ok') baseline = a.stored
    if (a.stored.status !== 'ok') hooks.warn?.(`stored baseline not used: ${a.stored.message}`)
  } else if (storedIn) {
    const s = storedIn as { status: BaselineInfo['status']; message: string; path?: string }
    baseline = { source: 'none', status: s.status, message: s.message, path: s.path }
  }
  const finishedAt = new Date()
  return {
    plan: m.plan,
    rounds: m.rounds,
    comparisons: a.comparisons,
    gate: a.gate,
    machine,
    pinning: m.pinning,
    design: m.design,
    looks: m.looks,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    wallSec: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    measuredSec: m.measuredSec,
    baseline,
    ...(m.openLoop !== undefined ? { openLoop: m.openLoop } : {}),
    ...(m.spike !== undefined ? { spike: m.spike } : {})
  }
}
