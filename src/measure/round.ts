/**
 * One round group: the services of one or more arms booted fresh, loaded at the same time with equal
 * closed-loop loads (side-by-side) or alone (sequential), their phases run in lock-step, stopped, then
 * checked. Measuring only: the analysis never runs here.
 */
import * as os from 'node:os'
import * as path from 'node:path'
import type { Config } from '../config/config.js'
import { findFreePort, startService, type ServiceHandle } from '../service/service.js'
import { startResourceSampler, type ResourceSampler } from '../service/procstat.js'
import { runLoad, type LoadOptions, type LoadRun } from '../load/load.js'
import { grpcReadyCheck, runGrpcLoad, type GrpcLoadRun } from '../load/grpc.js'
import { runOpenLoop } from '../load/open-loop.js'
import { wallClockWindow, windowAfter } from '../load/window.js'
import { closedPhaseId, OPEN_LOOP_WARMUP_SEC, OPEN_PHASE_ID, openLoopConnections, pickLoad } from '../load/scenarios.js'
import type { OtlpReceiver } from '../otlp/receiver.js'
import type { ArmSpec, OpenLoopInfo, PhaseResult, PlanStep, ResourceUsage, RoundResult } from '../types.js'
import { assertErrorRate, assertSampledFraction, assertServed, assertSpans } from './checks.js'
import type { Rig } from './rig.js'
import { GateError } from '../errors.js'
import { Inputs } from '../config/inputs.js'
import { checkConnectedUrls, fillPort } from '../security/target.js'
import type { LatencyHistogram } from '../load/histogram.js'
import { mergeReplicas, splitConnections } from './replicas.js'

/** What a round needs besides the rig. */
export interface RoundContext {
  config: Config
  rig: Rig
  /** The service's environment for an arm on a port, exporting to an endpoint. */
  envOf(arm: ArmSpec, port: number, otlpEndpoint: string): Record<string, string>
  info(m: string): void
  warn(m: string): void
  onProgress?(p: { index: number; total: number; armId: string; elapsedSec: number; ok: number }): void
  /** Cancellation (SIGTERM/SIGINT): checked before every service start. */
  signal?: AbortSignal
}

/** One planned round of the group: the step, its arm and its index in the whole run. */
export interface GroupMember {
  step: PlanStep
  arm: ArmSpec
  index: number
}

/** A service of the group while it runs: one process of a member's arm. */
interface Instance extends GroupMember {
  /** Which of the arm's `processes-per-arm` processes (0-based). */
  replica: number
  /** The member it belongs to: its position in the group's members (indices may repeat, e.g. -1 in calibration). */
  member: number
  /** Its share of the arm's connections. */
  connections: number
  slot: number
  port: number
  receiver: OtlpReceiver
  logFile: string
  where: string
  service?: ServiceHandle
  sampler?: ResourceSampler
  resources?: ResourceUsage
  load?: LoadRun
  phases: PhaseResult[]
  measureStartMs?: number
  measureEndMs?: number
}

/** Seconds of load before the shared window of a further connection level opens. */
const EXTRA_PHASE_LEAD_SEC = 0.5

/** The runner a block's rounds are recorded with (a later matrix merge treats it as a blocking factor). */
export const RUNNER = process.env.RUNNER_NAME ?? os.hostname()

/** Log file name part of an arm id. */
export function safeName(armId: string): string {
  return armId.replace(/[^A-Za-z0-9_.@-]/g, '_')
}

/** The gRPC status counts of a load run, for error messages ('' for HTTP runs). */
function grpcStatusDetail(load: LoadRun): string {
  const g = load as Partial<GrpcLoadRun>
  return g.statuses === undefined
    ? ''
    : `gRPC statuses: ${JSON.stringify(g.statuses)}; first failure: ${g.firstError ?? 'none'}\n`
}

/** Which command boots an arm: the base build's, the uninstrumented one, or the service's. */
function commandOf(config: Config, arm: ArmSpec): { command: string; cwd: string } {
  if (arm.build === 'base' && config.base !== null)
    return { command: config.base.startCommand, cwd: path.resolve(config.base.workingDirectory) }
  if (arm.kind === 'none' && config.uninstrumentedCommand !== null)
    return { command: config.uninstrumentedCommand, cwd: path.resolve(config.workingDirectory) }
  return { command: config.startCommand, cwd: path.resolve(config.workingDirectory) }
}

/** Boot one arm's service on `port`, exporting to `receiver` (reset first), and wait until it is ready. */
export async function bootService(
  ctx: RoundContext,
  arm: ArmSpec,
  port: number,
  receiver: OtlpReceiver,
  logFile: string
): Promise<ServiceHandle> {
  const { config, rig } = ctx
  const { command, cwd } = commandOf(config, arm)
  ctx.signal?.throwIfAborted()
  receiver.reset()
  return startService({
    command: rig.pinning.wrap(command),
    displayCommand: command,
    cwd,
    env: ctx.envOf(arm, port, receiver.endpoint),
    readyUrl: fillPort(config.readyUrl, port),
    ...(rig.grpcTarget !== null ? { readyCheck: grpcReadyCheck(`127.0.0.1:${port}`, rig.grpcTarget) } : {}),
    readyTimeoutMs: config.readyTimeoutSec * 1000,
    logFile,
    port,
    // Loopback after {port} is filled in; fixed ports must be the service's own (security/target.ts).
    ...(rig.grpcTarget === null
      ? checkConnectedUrls(
          [
            [Inputs.TargetUrl, config.targetUrl],
            [Inputs.ReadyUrl, config.readyUrl]
          ],
          port
        )
      : {}),
    stopGraceMs: config.stopTimeoutSec * 1000,
    log: ctx.info
  })
}

/** Closed-loop load of the configured target (HTTP or gRPC) on one instance. */
function closedLoad(ctx: RoundContext, inst: Instance, o: Omit<LoadOptions, 'url'>): Promise<LoadRun> {
  const { config, rig } = ctx
  return rig.grpcTarget !== null
    ? runGrpcLoad({ ...o, address: `127.0.0.1:${inst.port}`, target: rig.grpcTarget })
    : runLoad({ ...o, url: fillPort(config.targetUrl, inst.port) })
}

/**
 * The primary closed-loop phase, on every instance at once over one shared measured window (every arm
 * is loaded throughout it: src/load/window.ts); each instance's CPU sampler runs over that window.
 */
async function primaryPhase(ctx: RoundContext, group: Instance[], total: number): Promise<void> {
  const { config, rig } = ctx
  const window = windowAfter(config.warmupSec, config.roundDurationSec)
  const wall = wallClockWindow(window)
  await Promise.all(
    group.map(async (inst) => {
      inst.measureStartMs = wall.startMs
      inst.measureEndMs = wall.endMs
      inst.load = await closedLoad(ctx, inst, {
        connections: inst.connections,
        warmupSec: config.warmupSec,
        durationSec: config.roundDurationSec,
        window,
        timeoutSec: config.requestTimeoutSec,
        // One progress line per arm: its first process speaks for it.
        ...(inst.replica === 0
          ? {
              onProgress: (p: { elapsedSec: number; ok: number }) =>
                ctx.onProgress?.({ index: inst.index, total, armId: inst.arm.id, ...p })
            }
          : {}),
        onMeasureStart: () => {
          if (rig.sampleResources)
            inst.sampler = startResourceSampler((inst.service as ServiceHandle).pid, { log: ctx.info })
        },
        onMeasureEnd: () => {
          inst.resources = stopSampler(inst.sampler, config, ctx.warn, inst.where)
          inst.sampler = undefined
        }
      })
    })
  )
}

/** The extra phases, each on every instance at once: further closed-loop levels, then the open loop. */
async function extraPhases(ctx: RoundContext, group: Instance[], openLoop: OpenLoopInfo | undefined): Promise<void> {
  const { config } = ctx
  for (const connections of config.connectionLevels.slice(1)) {
    // The services are warm; the lead only lets every arm's connections open before the shared window.
    const window = windowAfter(EXTRA_PHASE_LEAD_SEC, config.roundDurationSec)
    await Promise.all(
      group.map(async (inst) => {
        inst.service?.assertAlive()
        const l = await closedLoad(ctx, inst, {
          connections,
          warmupSec: EXTRA_PHASE_LEAD_SEC,
          durationSec: config.roundDurationSec,
          window,
          timeoutSec: config.requestTimeoutSec
        })
        inst.phases.push({ id: closedPhaseId(connections), kind: 'closed', connections, load: pickLoad(l) })
      })
    )
  }
  if (openLoop === undefined) return
  await Promise.all(
    group.map(async (inst) => {
      inst.service?.assertAlive()
      const connections = openLoopConnections(openLoop.rate, config.connections, openLoop.calibration?.meanUs)
      const o = await runOpenLoop({
        url: fillPort(config.targetUrl, inst.port),
        rate: openLoop.rate,
        durationSec: config.roundDurationSec,
        warmupSec: OPEN_LOOP_WARMUP_SEC,
        connections,
        timeoutSec: config.requestTimeoutSec
      })
      inst.phases.push({
        id: OPEN_PHASE_ID,
        kind: 'open',
        connections,
        rate: openLoop.rate,
        load: pickLoad(o),
        sendLag: o.sendLag
      })
    })
  )
}

/**
 * Stop a round's sampler. A failed scan loses the CPU data of the round: fatal when CPU is gated
 * (a gate that cannot measure must not pass), otherwise a warning and no resources for the round.
 */
function stopSampler(
  sampler: ResourceSampler | undefined,
  config: Config,
  warn: (m: string) => void,
  where: string
): ResourceUsage | undefined {
  if (sampler === undefined) return undefined
  try {
    return sampler.stop()
  } catch (e) {
    const msg = `${where}: ${e instanceof Error ? e.message : String(e)}`
    if (config.maxCpuOverhead !== null) throw new GateError('service', `${msg}; 'max-cpu-overhead' cannot be checked`)
    warn(`${msg}; CPU and RSS are not reported for this run`)
    return undefined
  }
}

/** Check one instance after its service stopped and turn it into a RoundResult. */
function finish(ctx: RoundContext, inst: Instance, forcedStopSec: number | undefined): RoundResult {
  const { config } = ctx
  const load = inst.load as LoadRun
  const service = inst.service as ServiceHandle
  const otlp = inst.receiver.snapshot()
  const tail = service.logTail(30)
  assertErrorRate(config, inst.where, load, grpcStatusDetail(load), inst.logFile, tail)
  for (const ph of inst.phases)
    assertErrorRate(config, `${inst.where}, phase ${ph.id}`, ph.load, '', inst.logFile, tail)
  assertServed(inst.where, load, tail)
  assertSpans(config, inst.where, inst.arm, otlp, inst.receiver.endpoint, inst.logFile, tail)
  const w = inst.receiver.windowCounts(inst.measureStartMs as number, inst.measureEndMs as number)
  const window = { spans: w.spans, roots: w.roots, traces: w.traces, traceSpans: w.traceSpans }
  assertSampledFraction(inst.where, inst.arm, load, window, inst.connections, tail)
  if (otlp.rejected > 0)
    ctx.warn(`${inst.where}: the OTLP receiver rejected ${otlp.rejected} undecodable export requests`)
  return {
    block: inst.step.block,
    order: inst.step.order,
    armId: inst.arm.id,
    startedAt: new Date(inst.measureStartMs ?? Date.now()).toISOString(),
    port: inst.port,
    slot: inst.slot,
    ...(ctx.rig.design.sharedCpus !== undefined ? { sharedCpus: ctx.rig.design.sharedCpus } : {}),
    runner: RUNNER,
    load: {
      durationSec: load.durationSec,
      responses: load.responses,
      ok: load.ok,
      non2xx: load.non2xx,
      errors: load.errors,
      timeouts: load.timeouts,
      qps: load.qps,
      errorRate: load.errorRate,
      latency: load.latency,
      ...(load.okPerSecond !== undefined ? { okPerSecond: load.okPerSecond } : {})
    },
    warmup: load.warmup,
    otlp: { spans: otlp.spans, requests: otlp.requests, bytes: otlp.bytes, rejected: otlp.rejected },
    window,
    // The receiver thread's whole CPU (worker) and the in-process decode-only CPU are different measures: two fields.
    ...(otlp.cpuScope === 'thread' ? { receiverThreadCpuSec: otlp.cpuSeconds } : { receiverCpuSec: otlp.cpuSeconds }),
    ...(inst.resources !== undefined ? { resources: inst.resources } : {}),
    ...(inst.phases.length > 0 ? { phases: inst.phases } : {}),
    ...(forcedStopSec !== undefined ? { forcedStopSec } : {})
  }
}

/**
 * The group's processes in start order: each member's arm `perArm` times, the members in their planned
 * order for the first process of each arm, reversed for the second, and so on (each arm's start
 * positions then add up alike), with the arm's connections split among its processes.
 */
async function instancesOf(ctx: RoundContext, members: readonly GroupMember[], total: number): Promise<Instance[]> {
  const { config, rig } = ctx
  const k = rig.design.perArm
  const ordered = members.map((m, member) => ({ m, member })).sort((a, b) => a.m.step.order - b.m.step.order)
  const shares = splitConnections(config.connections, k)
  const group: Instance[] = []
  for (let replica = 0; replica < k; replica++) {
    for (const { m, member } of replica % 2 === 0 ? ordered : [...ordered].reverse()) {
      const slot = group.length
      const which = k > 1 ? `, process ${replica + 1}/${k}` : ''
      group.push({
        ...m,
        replica,
        member,
        connections: shares[replica] as number,
        slot,
        port: config.port || (await findFreePort()),
        receiver: rig.receivers[slot] as OtlpReceiver,
        logFile: path.join(
          rig.logDir,
          `block${m.step.block + 1}-${safeName(m.arm.id)}${k > 1 ? `-p${replica + 1}` : ''}.log`
        ),
        where: `round ${m.index + 1}/${total} (block ${m.step.block + 1}, arm ${m.arm.id}${which})`,
        phases: []
      })
    }
  }
  return group
}

/** One result per member, in start order: its processes' rounds merged (src/measure/replicas.ts). */
function resultsOf(ctx: RoundContext, group: readonly Instance[], forced: Map<Instance, number>): RoundResult[] {
  const finished = group.map((inst) => ({ inst, round: finish(ctx, inst, forced.get(inst)) }))
  const firsts = finished.filter((f) => f.inst.replica === 0)
  return firsts.map(({ inst, round }) => {
    const mine = finished.filter((f) => f.inst.member === inst.member)
    if (mine.length === 1) return round
    return mergeReplicas(
      mine.map((f) => ({
        round: f.round,
        histogram: (f.inst.load as LoadRun).histogram as LatencyHistogram,
        connections: f.inst.connections
      }))
    )
  })
}

/**
 * Run one group of rounds: every member's service boots (in the members' order, on its own port and
 * receiver slot; `processes-per-arm` processes each), all are loaded at once, stopped, then checked.
 * Throws GateError/ServiceError on any fault; every service of the group is stopped on every path.
 */
export async function runGroup(
  ctx: RoundContext,
  members: readonly GroupMember[],
  total: number,
  openLoop?: OpenLoopInfo
): Promise<RoundResult[]> {
  const { rig } = ctx
  const needed = members.length * rig.design.perArm
  if (needed > rig.receivers.length)
    throw new Error(`a group of ${needed} services needs ${needed} slots, the rig has ${rig.receivers.length}`)
  const group = await instancesOf(ctx, members, total)
  const forced = new Map<Instance, number>()
  try {
    // In start order: a slow boot (a JVM) of one arm then never overlaps the other's readiness poll.
    for (const inst of group) inst.service = await bootService(ctx, inst.arm, inst.port, inst.receiver, inst.logFile)
    await primaryPhase(ctx, group, total)
    await extraPhases(ctx, group, openLoop)
    // A crash during the round shows up as connection errors; name the real cause first.
    for (const inst of group) inst.service?.assertAlive()
  } finally {
    for (const inst of group) {
      try {
        inst.sampler?.stop()
      } catch {
        // The round already failed with a better error.
      }
    }
    await Promise.all(
      group.map(async (inst) => {
        if (inst.service === undefined) return
        const t0 = Date.now()
        const r = await inst.service.stop()
        if (r.killed) forced.set(inst, (Date.now() - t0) / 1000)
      })
    )
  }
  return resultsOf(ctx, group, forced)
}
