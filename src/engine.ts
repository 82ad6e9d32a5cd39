import * as path from 'node:path'
import type { Config } from './config/config.js'
import { buildArms, makePlan, OFF_ARM_ID, baseArmId } from './plan/plan.js'
import { randomSeed } from './plan/random.js'
import { startOtlpReceiver } from './otlp/receiver.js'
import { startService, findFreePort } from './service/service.js'
import { planPinning } from './service/pinning.js'
import { runLoad, type LoadOptions, type LoadRun } from './load/load.js'
import { GrpcTargetError, grpcReadyCheck, loadGrpcTarget, runGrpcLoad, type GrpcLoadRun, type GrpcTarget } from './load/grpc.js'
import { ConfigError, type GrpcConfig } from './config/config.js'
import { Inputs } from './config/inputs.js'
import { resourceSamplingSupported, startResourceSampler, type ResourceSampler } from './service/procstat.js'
import { compare, compareLogRatios } from './stats/compare.js'
import { pairedLogRatios } from './stats/logRatios.js'
import { compareWithStored, type BaselineInfo } from './baseline/compare.js'
import type { ResultsFile } from './baseline/results.js'
import { decide } from './gate/gate.js'
import { GateError } from './errors.js'
import { machineInfo } from './baseline/fingerprint.js'
import type { ArmSpec, Comparison, GateResult, MachineInfo, MetricName, Plan, ResourceUsage, RoundResult } from './types.js'

/** Everything one gate run measured and decided: plain data for the report and the results JSON. */
export interface GateRun {
  plan: Plan
  rounds: RoundResult[]
  comparisons: Comparison[]
  gate: GateResult
  machine: MachineInfo
  pinning: string
  startedAt: string
  finishedAt: string
  /** Wall seconds of the whole run, and the part spent in measured phases. */
  wallSec: number
  measuredSec: number
  baseline: BaselineInfo
}

/** Inputs of a run besides the config. */
export interface EngineOptions {
  /** A validated stored baseline to compare with (unpaired), or the reason there is none. */
  stored?: { results: ResultsFile } | { status: BaselineInfo['status']; message: string; path?: string } | null
}

/** Progress hooks for the action log and the CLI. */
export interface EngineHooks {
  info?: (msg: string) => void
  warn?: (msg: string) => void
  onRoundStart?: (p: { index: number; total: number; block: number; armId: string }) => void
  onRoundEnd?: (p: { index: number; total: number; round: RoundResult }) => void
  onProgress?: (p: { index: number; total: number; armId: string; elapsedSec: number; ok: number }) => void
}

const GATED_METRICS: readonly MetricName[] = ['qps', 'p99']

function fillPort(template: string, port: number): string {
  return template.replaceAll('{port}', String(port))
}

/** Environment of one round: process env < user `env` < the arm's OTEL_* < what the gate must own. */
export function roundEnv(
  config: Config,
  arm: ArmSpec,
  port: number,
  otlpEndpoint: string,
  base: NodeJS.ProcessEnv = process.env
): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(base)) {
    // The gate's own INPUT_* and the runner's OTEL_* must not leak into the service and blur the arms.
    if (v !== undefined && !k.startsWith('INPUT_') && !k.startsWith('OTEL_')) env[k] = v
  }
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

/**
 * Every comparison of a same-job run: tracing overhead of each traced arm of a build vs that build's
 * off arm (gated for head, reported for base); head vs base with tracing off (regression); and the
 * change of overhead, head vs base, as the per-block difference of their log-ratios.
 */
export function compareArms(config: Config, plan: Plan, rounds: RoundResult[]): Comparison[] {
  const comparisons: Comparison[] = []
  const has = (id: string): boolean => plan.arms.some((a) => a.id === id)
  const budgetOf = (metric: MetricName, qps: number | null, p99: number | null): number | null => (metric === 'qps' ? qps : p99)
  // CPU per request only when every round was sampled (Linux /proc): a partial series would pair unevenly.
  const cpuMeasured = rounds.length > 0 && rounds.every((r) => r.resources !== undefined)
  if (!cpuMeasured && config.maxCpuOverhead !== null && plan.arms.some((a) => a.kind !== 'off' && a.build === 'head')) {
    throw new GateError('service', `'max-cpu-overhead' is set but CPU was not measured in every round (it needs Linux /proc); set it to 'none' on this platform`)
  }
  for (const arm of plan.arms) {
    if (arm.kind === 'off') continue
    const ref = arm.build === 'base' ? baseArmId(OFF_ARM_ID) : OFF_ARM_ID
    for (const metric of GATED_METRICS) {
      comparisons.push(
        compare(rounds, arm.id, ref, metric, {
          confidence: config.confidence,
          budget: arm.build === 'head' ? budgetOf(metric, config.maxQpsOverhead, config.maxP99Overhead) : null,
          kind: 'overhead'
        })
      )
    }
    if (cpuMeasured) {
      comparisons.push(
        compare(rounds, arm.id, ref, 'cpu', {
          confidence: config.confidence,
          budget: arm.build === 'head' ? config.maxCpuOverhead : null,
          kind: 'overhead'
        })
      )
    }
  }
  if (has(baseArmId(OFF_ARM_ID))) {
    for (const metric of GATED_METRICS) {
      comparisons.push(
        compare(rounds, OFF_ARM_ID, baseArmId(OFF_ARM_ID), metric, {
          confidence: config.confidence,
          budget: budgetOf(metric, config.maxQpsRegression, config.maxP99Regression),
          kind: 'regression'
        })
      )
    }
  }
  for (const arm of plan.arms) {
    if (arm.build !== 'head' || arm.kind !== 'sampled' || !has(baseArmId(arm.id))) continue
    for (const metric of GATED_METRICS) {
      const head = pairedLogRatios(rounds, arm.id, OFF_ARM_ID, metric)
      const base = pairedLogRatios(rounds, baseArmId(arm.id), baseArmId(OFF_ARM_ID), metric)
      if (head.length !== base.length) throw new Error(`blocks of ${arm.id} and ${baseArmId(arm.id)} differ: ${head.length} vs ${base.length}`)
      comparisons.push(
        compareLogRatios(
          head.map((d, i) => d - base[i]),
          arm.id,
          baseArmId(arm.id),
          metric,
          { confidence: config.confidence, budget: config.maxOverheadIncrease, kind: 'overhead-change' }
        )
      )
    }
  }
  return comparisons
}

/**
 * Stop a round's sampler. A failed scan loses the CPU data of the round: fatal when CPU is gated
 * (a gate that cannot measure must not pass), otherwise a warning and no resources for the round.
 */
function stopSampler(sampler: ResourceSampler | null, config: Config, warn: (m: string) => void, where: string): ResourceUsage | undefined {
  if (sampler === null) return undefined
  try {
    return sampler.stop()
  } catch (e) {
    const msg = `${where}: ${e instanceof Error ? e.message : String(e)}`
    if (config.maxCpuOverhead !== null) throw new GateError('service', `${msg}; 'max-cpu-overhead' cannot be checked`)
    warn(`${msg}; CPU and RSS are not reported for this run`)
    return undefined
  }
}

const GRPC_INPUTS = { proto: Inputs.GrpcProto, method: Inputs.GrpcMethod, request: Inputs.GrpcRequest, metadata: Inputs.GrpcMetadata } as const

/** Load the configured proto (relative to the working directory) and check method, request and metadata. */
function loadConfiguredGrpcTarget(g: GrpcConfig, cwd: string): GrpcTarget {
  try {
    return loadGrpcTarget({ protoPath: path.resolve(cwd, g.protoPath), method: g.method, request: g.request, metadata: g.metadata, names: GRPC_INPUTS })
  } catch (e) {
    if (e instanceof GrpcTargetError) throw new ConfigError(GRPC_INPUTS[e.field], e.message)
    throw e
  }
}

/** The gRPC status counts of a load run, for error messages ('' for HTTP runs). */
function grpcStatusDetail(load: LoadRun): string {
  const g = load as Partial<GrpcLoadRun>
  return g.statuses === undefined ? '' : `gRPC statuses: ${JSON.stringify(g.statuses)}; first failure: ${g.firstError ?? 'none'}\n`
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`
}

/**
 * Run the whole experiment: every planned round boots the service with its arm's environment, loads
 * it, stops it, and reads what the OTLP receiver counted. Throws GateError (or ServiceError) on any
 * fault — a fault must never turn into a verdict.
 */
export async function runEngine(config: Config, hooks: EngineHooks = {}, options: EngineOptions = {}): Promise<GateRun> {
  const info = hooks.info ?? (() => {})
  const warn = hooks.warn ?? (() => {})
  const startedAt = new Date()
  const seed = config.seed ?? randomSeed()
  const plan = makePlan(buildArms(config.samplingRates, config.base, config.extraArms), config.rounds, seed)
  const arms = new Map(plan.arms.map((a) => [a.id, a]))
  info(`seed ${seed} (set 'seed: ${seed}' to reproduce this round order)`)
  info(`arms: ${plan.arms.map((a) => a.id).join(', ')}; ${plan.blocks} blocks; ${plan.steps.length} rounds`)

  const pinning = await planPinning(config.cpuPinning)
  info(`CPU pinning: ${pinning.reason}`)
  const cwd = path.resolve(config.workingDirectory)
  const logDir = path.resolve(config.outputDir, 'logs')
  // Before anything starts: a bad proto, method or request is an input error, not a round failure.
  const grpcTarget = config.grpc === null ? null : loadConfiguredGrpcTarget(config.grpc, cwd)
  const receiver = await startOtlpReceiver({ host: '127.0.0.1', port: 0, log: info, protocol: config.otlpProtocol === 'grpc' ? 'grpc' : 'http' })
  const unpin = await pinning.pinSelf().catch((e: unknown) => {
    warn(`could not pin the load generator: ${String(e)}`)
    return async () => {}
  })
  const rounds: RoundResult[] = []
  let measuredSec = 0
  const sampleResources = resourceSamplingSupported()
  if (!sampleResources) {
    if (config.maxCpuOverhead !== null) {
      throw new GateError('service', `'max-cpu-overhead' is ${pct(config.maxCpuOverhead)} but this system has no /proc to measure CPU from (Linux only); set it to 'none'`)
    }
    info('CPU and RSS of the service are not measured: no Linux /proc on this system')
  }
  try {
    for (const [index, step] of plan.steps.entries()) {
      const arm = arms.get(step.armId) as ArmSpec
      hooks.onRoundStart?.({ index, total: plan.steps.length, block: step.block, armId: arm.id })
      const port = config.port || (await findFreePort())
      receiver.reset()
      const logFile = path.join(logDir, `block${step.block + 1}-${arm.id.replace(/[^A-Za-z0-9_.@-]/g, '_')}.log`)
      const isBase = arm.build === 'base' && config.base !== null
      const service = await startService({
        command: pinning.wrap(isBase ? (config.base as NonNullable<Config['base']>).startCommand : config.startCommand),
        displayCommand: isBase ? (config.base as NonNullable<Config['base']>).startCommand : config.startCommand,
        cwd: isBase ? path.resolve((config.base as NonNullable<Config['base']>).workingDirectory) : cwd,
        env: roundEnv(config, arm, port, receiver.endpoint),
        readyUrl: fillPort(config.readyUrl, port),
        ...(grpcTarget !== null ? { readyCheck: grpcReadyCheck(`127.0.0.1:${port}`, grpcTarget) } : {}),
        readyTimeoutMs: config.readyTimeoutSec * 1000,
        logFile,
        port,
        stopGraceMs: config.stopTimeoutSec * 1000,
        log: info
      })
      let load
      const startedRound = new Date().toISOString()
      // Started by runLoad exactly when the measured phase begins (after warm-up).
      let sampler = null as ResourceSampler | null
      let resources: ResourceUsage | undefined
      try {
        const loadOptions: LoadOptions = {
          url: fillPort(config.targetUrl, port),
          connections: config.connections,
          warmupSec: config.warmupSec,
          durationSec: config.roundDurationSec,
          timeoutSec: config.requestTimeoutSec,
          onProgress: (p) => hooks.onProgress?.({ index, total: plan.steps.length, armId: arm.id, ...p }),
          onMeasureStart: () => {
            if (sampleResources) sampler = startResourceSampler(service.pid, { log: info })
          }
        }
        load = grpcTarget !== null ? await runGrpcLoad({ ...loadOptions, address: `127.0.0.1:${port}`, target: grpcTarget }) : await runLoad(loadOptions)
        resources = stopSampler(sampler, config, warn, `round ${index + 1}/${plan.steps.length} (block ${step.block + 1}, arm ${arm.id})`)
        // A crash during the round shows up as connection errors; name the real cause first.
        service.assertAlive()
      } finally {
        // Idempotent: after an error above, this only clears the timer.
        try {
          ;(sampler as ResourceSampler | null)?.stop()
        } catch {
          // The round already failed with a better error.
        }
        await service.stop()
      }
      measuredSec += load.durationSec
      const otlp = receiver.snapshot()
      const where = `round ${index + 1}/${plan.steps.length} (block ${step.block + 1}, arm ${arm.id})`
      if (load.errorRate > config.maxErrorRate) {
        throw new GateError(
          'error-rate',
          `${where}: ${pct(load.errorRate)} of requests failed (${load.non2xx} non-2xx, ${load.errors} errors, ` +
            `${load.timeouts} timeouts of ${load.responses + load.errors + load.timeouts}), above 'max-error-rate' ` +
            `${pct(config.maxErrorRate)}. A failing service is not a faster one.\n` +
            grpcStatusDetail(load) +
            `Last lines of the service log (${logFile}):\n${service.logTail(30)}`
        )
      }
      if (load.ok === 0) {
        throw new GateError('load', `${where}: no successful response in ${load.durationSec.toFixed(1)} s.\n${service.logTail(30)}`)
      }
      if (arm.tracing && otlp.spans === 0) {
        throw new GateError(
          'no-spans',
          `${where}: tracing was on (${arm.label}) but the service exported no span to ` +
            `${receiver.endpoint} (${otlp.requests} export requests, ${otlp.rejected} rejected). Measuring it would ` +
            `report a meaningless overhead. Make the service's OpenTelemetry SDK read the standard environment: ` +
            `OTEL_EXPORTER_OTLP_ENDPOINT (the gate sets it to ${receiver.endpoint}${config.otlpProtocol === 'grpc' ? ', OTLP/gRPC' : '; the SDK appends /v1/traces'}), ` +
            `OTEL_EXPORTER_OTLP_PROTOCOL=${config.otlpProtocol}, OTEL_TRACES_SAMPLER(_ARG), OTEL_SDK_DISABLED, and ` +
            `flush spans on SIGTERM (e.g. sdk.shutdown()).\nLast lines of the service log (${logFile}):\n${service.logTail(30)}`
        )
      }
      if (arm.kind === 'off' && otlp.spans > 0) {
        throw new GateError(
          'spans-when-off',
          `${where}: tracing was off (OTEL_SDK_DISABLED=true, OTEL_TRACES_EXPORTER=none) but the service still ` +
            `exported ${otlp.spans} spans, so "off" is not off and every overhead would be understated. Make the ` +
            `service honour OTEL_SDK_DISABLED (some SDKs need it wired by hand).`
        )
      }
      if (otlp.rejected > 0) warn(`${where}: the OTLP receiver rejected ${otlp.rejected} undecodable export requests`)
      const round: RoundResult = {
        block: step.block,
        order: step.order,
        armId: arm.id,
        startedAt: startedRound,
        port,
        load: {
          durationSec: load.durationSec,
          responses: load.responses,
          ok: load.ok,
          non2xx: load.non2xx,
          errors: load.errors,
          timeouts: load.timeouts,
          qps: load.qps,
          errorRate: load.errorRate,
          latency: load.latency
        },
        warmup: load.warmup,
        otlp: { spans: otlp.spans, requests: otlp.requests, bytes: otlp.bytes, rejected: otlp.rejected },
        ...(resources !== undefined ? { resources } : {})
      }
      rounds.push(round)
      hooks.onRoundEnd?.({ index, total: plan.steps.length, round })
    }
  } finally {
    await unpin()
    await receiver.close()
  }
  const comparisons = compareArms(config, plan, rounds)
  const machine = machineInfo()
  let baseline: BaselineInfo = config.base !== null ? { source: 'same-job', status: 'ok' } : { source: 'none', status: 'not-configured' }
  const stored = options.stored
  if (stored && 'results' in stored) {
    const r = compareWithStored(config, rounds, stored.results, machine)
    comparisons.push(...r.comparisons)
    if (config.base === null || r.info.status === 'ok') baseline = r.info
    if (r.info.status !== 'ok') warn(`stored baseline not used: ${r.info.message}`)
  } else if (stored) {
    baseline = { source: 'none', status: stored.status, message: stored.message, path: stored.path }
  }
  const gate = decide(comparisons, { alpha: 1 - config.confidence, onInconclusive: config.onInconclusive })
  const finishedAt = new Date()
  return {
    plan,
    rounds,
    comparisons: gate.comparisons,
    gate,
    machine,
    pinning: pinning.reason,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    wallSec: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    measuredSec,
    baseline
  }
}
