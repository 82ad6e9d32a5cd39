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
import { GateError, errorMessage } from './errors.js'
import { runOpenLoop } from './load/open-loop.js'
import {
  autoOpenLoopRate,
  closedPhaseId,
  OPEN_LOOP_AUTO_FRACTION,
  OPEN_LOOP_WARMUP_SEC,
  OPEN_PHASE_ID,
  openLoopConnections,
  phaseIds,
  pickLoad,
  runSpike,
  spikeStages
} from './load/scenarios.js'
import { machineInfo } from './baseline/fingerprint.js'
import type { ArmSpec, Comparison, GateResult, LoadResult, MachineInfo, MetricName, OpenLoopInfo, PhaseResult, Plan, ResourceUsage, RoundResult, SpikeResult } from './types.js'

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
  /** The open-loop phase's rate and where it came from (`auto`: a calibration round of the off arm before block 1). */
  openLoop?: OpenLoopInfo
  /** Spike runs after the blocks, one per head arm: single runs, reported, never gated. */
  spike?: SpikeResult[]
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
  // Extra phases of every round (more connection levels, the open loop): each traced arm vs its build's
  // off arm. Closed levels are reported; the open-loop P99 is gated for head arms by its own budget.
  for (const phase of phaseIds(config)) {
    for (const arm of plan.arms) {
      if (arm.kind === 'off') continue
      const ref = arm.build === 'base' ? baseArmId(OFF_ARM_ID) : OFF_ARM_ID
      // In the open loop the achieved QPS is the offered rate unless saturated: only latency is compared.
      for (const metric of phase === OPEN_PHASE_ID ? (['p99'] as const) : GATED_METRICS) {
        const budget = phase === OPEN_PHASE_ID && arm.build === 'head' ? config.maxP99OpenOverhead : null
        comparisons.push(compare(rounds, arm.id, ref, metric, { confidence: config.confidence, budget, kind: 'overhead', phase }))
      }
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

/** Failed requests above 'max-error-rate' in any measured phase fail the run: a failing service is not a faster one. */
function assertErrorRate(config: Config, where: string, load: LoadResult, detail: string, logFile: string, logTail: string): void {
  if (load.errorRate <= config.maxErrorRate) return
  throw new GateError(
    'error-rate',
    `${where}: ${pct(load.errorRate)} of requests failed (${load.non2xx} non-2xx, ${load.errors} errors, ` +
      `${load.timeouts} timeouts of ${load.responses + load.errors + load.timeouts}), above 'max-error-rate' ` +
      `${pct(config.maxErrorRate)}. A failing service is not a faster one.\n` +
      detail +
      `Last lines of the service log (${logFile}):\n${logTail}`
  )
}

/** Log file name part of an arm id. */
function safeName(armId: string): string {
  return armId.replace(/[^A-Za-z0-9_.@-]/g, '_')
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
  /** Boot one arm's service on `port` and wait until it is ready. */
  const bootArm = (arm: ArmSpec, port: number, logFile: string) => {
    const isBase = arm.build === 'base' && config.base !== null
    return startService({
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
  }
  /** Closed-loop load of the configured target (HTTP or gRPC) on `port`. */
  const closedLoad = (port: number, o: Omit<LoadOptions, 'url'>): Promise<LoadRun> =>
    grpcTarget !== null ? runGrpcLoad({ ...o, address: `127.0.0.1:${port}`, target: grpcTarget }) : runLoad({ ...o, url: fillPort(config.targetUrl, port) })
  let openLoop: OpenLoopInfo | undefined
  let spike: SpikeResult[] | undefined
  try {
    if (config.openLoopRate === 'auto') {
      // The rate must be fixed before the blocks so that every arm sees the same offered load.
      const off = arms.get(OFF_ARM_ID) as ArmSpec
      const port = config.port || (await findFreePort())
      receiver.reset()
      const logFile = path.join(logDir, `calibration-${safeName(off.id)}.log`)
      info(`open-loop calibration: one closed-loop round of arm ${off.id} at ${config.connections} connections (not part of the results)`)
      const service = await bootArm(off, port, logFile)
      let cal: LoadRun
      try {
        cal = await closedLoad(port, { connections: config.connections, warmupSec: config.warmupSec, durationSec: config.roundDurationSec, timeoutSec: config.requestTimeoutSec })
        service.assertAlive()
      } finally {
        await service.stop()
      }
      assertErrorRate(config, 'open-loop calibration round', cal, '', logFile, service.logTail(30))
      if (cal.ok === 0) throw new GateError('load', `open-loop calibration round: no successful response in ${cal.durationSec.toFixed(1)} s.\n${service.logTail(30)}`)
      const rate = autoOpenLoopRate(cal.qps)
      openLoop = {
        rate,
        source: 'auto',
        calibration: { armId: off.id, connections: config.connections, qps: cal.qps, p99Us: cal.latency.p99Us, meanUs: cal.latency.meanUs, fraction: OPEN_LOOP_AUTO_FRACTION }
      }
      info(`open-loop rate: ${rate} requests/s (${OPEN_LOOP_AUTO_FRACTION * 100}% of the calibration round's ${cal.qps.toFixed(0)} QPS)`)
    } else if (config.openLoopRate !== null) {
      openLoop = { rate: config.openLoopRate, source: 'input' }
    }
    for (const [index, step] of plan.steps.entries()) {
      const arm = arms.get(step.armId) as ArmSpec
      hooks.onRoundStart?.({ index, total: plan.steps.length, block: step.block, armId: arm.id })
      const port = config.port || (await findFreePort())
      receiver.reset()
      const logFile = path.join(logDir, `block${step.block + 1}-${arm.id.replace(/[^A-Za-z0-9_.@-]/g, '_')}.log`)
      const service = await bootArm(arm, port, logFile)
      let load
      const phases: PhaseResult[] = []
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
        // Same boot, already warm: the other connection levels in the order given, then the open loop.
        for (const connections of config.connectionLevels.slice(1)) {
          service.assertAlive()
          const l = await closedLoad(port, { connections, warmupSec: 0, durationSec: config.roundDurationSec, timeoutSec: config.requestTimeoutSec })
          phases.push({ id: closedPhaseId(connections), kind: 'closed', connections, load: pickLoad(l) })
        }
        if (openLoop !== undefined) {
          service.assertAlive()
          const connections = openLoopConnections(openLoop.rate, config.connections, openLoop.calibration?.meanUs)
          const o = await runOpenLoop({
            url: fillPort(config.targetUrl, port),
            rate: openLoop.rate,
            durationSec: config.roundDurationSec,
            warmupSec: OPEN_LOOP_WARMUP_SEC,
            connections,
            timeoutSec: config.requestTimeoutSec
          })
          phases.push({ id: OPEN_PHASE_ID, kind: 'open', connections, rate: openLoop.rate, load: pickLoad(o), sendLag: o.sendLag })
        }
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
      measuredSec += load.durationSec + phases.reduce((a, ph) => a + ph.load.durationSec, 0)
      const otlp = receiver.snapshot()
      const where = `round ${index + 1}/${plan.steps.length} (block ${step.block + 1}, arm ${arm.id})`
      assertErrorRate(config, where, load, grpcStatusDetail(load), logFile, service.logTail(30))
      for (const ph of phases) assertErrorRate(config, `${where}, phase ${ph.id}`, ph.load, '', logFile, service.logTail(30))
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
        ...(resources !== undefined ? { resources } : {}),
        ...(phases.length > 0 ? { phases } : {})
      }
      rounds.push(round)
      hooks.onRoundEnd?.({ index, total: plan.steps.length, round })
    }
    if (config.spike !== null) {
      // Not replicated, so not part of the RMIT blocks: one boot per head arm, stages back to back.
      const stages = spikeStages(config.spike)
      spike = []
      for (const arm of plan.arms.filter((a) => a.build === 'head')) {
        info(`spike: arm ${arm.id}, 0 → ${config.spike.peak} → 0 connections in ${stages.length} stages of ${stages[0].durationSec.toFixed(1)} s`)
        const port = config.port || (await findFreePort())
        receiver.reset()
        const service = await bootArm(arm, port, path.join(logDir, `spike-${safeName(arm.id)}.log`))
        try {
          const alive = (): string | null => {
            try {
              service.assertAlive()
              return null
            } catch (e) {
              return errorMessage(e)
            }
          }
          const run = await runSpike(
            arm.id,
            stages,
            // A fresh boot is cold (JIT, pools): warm up before the first stage only, so the ramp up is
            // not read as the spike's fault; the stages themselves run back to back.
            (st, i) => closedLoad(port, { connections: st.connections, warmupSec: i === 0 ? config.warmupSec : 0, durationSec: st.durationSec, timeoutSec: config.requestTimeoutSec }),
            alive
          )
          if (run.died !== undefined) warn(`spike, arm ${arm.id}: the service died ${run.died}`)
          spike.push(run)
        } finally {
          await service.stop()
        }
      }
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
    baseline,
    ...(openLoop !== undefined ? { openLoop } : {}),
    ...(spike !== undefined ? { spike } : {})
  }
}
