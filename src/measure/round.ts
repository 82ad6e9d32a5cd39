/**
 * One round group: the services of one or more arms booted fresh, loaded at the same time with equal
 * closed-loop loads (side-by-side) or alone (sequential), their phases run in lock-step, stopped, then
 * checked. Measuring only: the analysis never runs here.
 */
import * as os from 'node:os'
import * as path from 'node:path'
import type { Config } from '../config/config.js'
import { findFreePort, startService, type ServiceHandle } from '../service/service.js'
import { readLogTail } from '../service/log-tail.js'
import { inheritedEnv } from '../config/env.js'
import { startResourceSampler, type ResourceSampler } from '../service/procstat.js'
import { runLoad, startGatedHttpLoad, type GatedLoad, type LoadOptions, type LoadRun } from '../load/load.js'
import { grpcReadyCheck, runGrpcLoad, startGatedGrpcLoad, type GatedGrpcLoad, type GrpcLoadRun } from '../load/grpc.js'
import { runOpenLoop } from '../load/open-loop.js'
import { windowAfter, type MeasureWindow } from '../load/window.js'
import { closedPhaseId, OPEN_LOOP_WARMUP_SEC, OPEN_PHASE_ID, openLoopConnections, pickLoad } from '../load/scenarios.js'
import type { OtlpReceiver } from '../otlp/receiver.js'
import type { ArmSpec, OpenLoopInfo, PhaseResult, PlanStep, ResourceUsage, RoundResult } from '../types.js'
import { assertErrorRate, assertSampledFraction, assertServed, assertSpans } from './checks.js'
import { ALTERNATING_SLICE_SEC, type Rig } from './rig.js'
import { runSlicedPhase, type Sink, type WarmupOutcome } from './sliced.js'
import { GateError } from '../errors.js'
import { Inputs } from '../config/inputs.js'
import { checkConnectedUrls, fillPort } from '../security/target.js'
import type { LatencyHistogram } from '../load/histogram.js'
import { mergeReplicas, splitConnections } from './replicas.js'
import { assertCollectorCounts, startCollector, type Collector } from './collector.js'
import type { CollectorUsage } from '../types.js'

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
  /** The measured parts of its slices on the wall clock (spans are counted inside them). */
  parts?: Array<{ startMs: number; endMs: number }>
  warmupOutcome?: WarmupOutcome
  /** Its gated gRPC load (status counts for error messages). */
  grpc?: GatedGrpcLoad
  /** `collector-command`: the collector its spans go through (traced arms), and what it counted. */
  collector?: Collector
  collectorUsage?: CollectorUsage
  /** 2xx answers from the first measured slice to the end of the primary phase. */
  servedOk?: number
}

/** Seconds beyond the request timeout that a pausing load may take to have every request answered. */
const DRAIN_SLACK_SEC = 5

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
function commandOf(
  config: Pick<Config, 'base' | 'uninstrumentedCommand' | 'startCommand' | 'workingDirectory'>,
  arm: ArmSpec
): { command: string; cwd: string } {
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
  logFile: string,
  /** Where the service exports instead of the receiver (its collector). */
  otlpEndpoint?: string
): Promise<ServiceHandle> {
  const { config, rig } = ctx
  const { command, cwd } = commandOf(config, arm)
  ctx.signal?.throwIfAborted()
  receiver.reset()
  return startService({
    command: rig.pinning.wrap(command),
    displayCommand: command,
    cwd,
    env: ctx.envOf(arm, port, otlpEndpoint ?? receiver.endpoint),
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

/** The gated closed-loop load of one instance (HTTP or gRPC), started behind a closed gate. */
function gatedLoad(ctx: RoundContext, inst: Instance, sink: Sink): GatedLoad {
  const { config, rig } = ctx
  const o = { connections: inst.connections, timeoutSec: config.requestTimeoutSec }
  if (rig.grpcTarget === null) return startGatedHttpLoad({ ...o, url: fillPort(config.targetUrl, inst.port) }, sink)
  const g = startGatedGrpcLoad({ ...o, address: `127.0.0.1:${inst.port}`, target: rig.grpcTarget }, sink)
  inst.grpc = g
  return g
}

/**
 * The primary closed-loop phase as slices (src/measure/sliced.ts): alternating — one instance loaded at
 * a time; side by side — every instance at once over one shared window; sequential — the one instance.
 * Warm-up until steady (or fixed) first; each instance's CPU sampler runs over the whole measured phase.
 */
async function primaryPhase(ctx: RoundContext, group: Instance[], total: number): Promise<void> {
  const { config, rig } = ctx
  const wallOffset = Date.now() - performance.now()
  const outcomes = await runSlicedPhase({
    starts: group.map((inst) => (sink: Sink) => gatedLoad(ctx, inst, sink)),
    connections: group.map((inst) => inst.connections),
    mode: rig.design.kind === 'alternating' ? 'alternate' : 'together',
    sliceSec: ALTERNATING_SLICE_SEC,
    measuredSec: config.roundDurationSec,
    warmup:
      config.warmupSec === 'auto'
        ? { kind: 'auto', capSec: config.warmupCapSec, minSec: config.warmupMinSec }
        : { kind: 'fixed', sec: config.warmupSec },
    drainTimeoutMs: (config.requestTimeoutSec + DRAIN_SLACK_SEC) * 1000,
    check: () => {
      ctx.signal?.throwIfAborted()
      for (const inst of group) {
        inst.service?.assertAlive()
        inst.collector?.assertAlive()
      }
    },
    onMeasureStart: () => {
      if (!rig.sampleResources) return
      for (const inst of group)
        inst.sampler = startResourceSampler((inst.service as ServiceHandle).pid, { log: ctx.info })
    },
    onMeasureEnd: () => {
      for (const inst of group) {
        inst.resources = stopSampler(inst.sampler, config, ctx.warn, inst.where)
        inst.sampler = undefined
      }
    },
    // One progress line per arm: its first process speaks for it.
    onProgress: (i, p) => {
      const inst = group[i] as Instance
      if (inst.replica === 0) ctx.onProgress?.({ index: inst.index, total, armId: inst.arm.id, ...p })
    }
  })
  for (const [i, out] of outcomes.entries()) {
    const inst = group[i] as Instance
    const parts = out.parts.map((p) => ({ startMs: p.startMs + wallOffset, endMs: p.endMs + wallOffset }))
    inst.parts = parts
    inst.measureStartMs = parts[0]?.startMs
    inst.measureEndMs = parts[parts.length - 1]?.endMs
    inst.warmupOutcome = out.warmup
    inst.servedOk = out.servedOk
    inst.load = {
      ...out.load,
      warmup: { ok: out.warmup.ok, durationSec: out.warmup.loadSec },
      ...(inst.grpc !== undefined ? { statuses: { ...inst.grpc.statuses }, firstError: inst.grpc.firstError() } : {})
    }
    if (inst.resources !== undefined) inst.resources = { ...inst.resources, okServed: out.servedOk }
  }
}

/**
 * Run `fn` on every instance of the group: at once (side by side, over a shared window), or in the
 * alternating design one instance at a time while the others idle, so each is measured alone on the core.
 */
async function onEach(
  ctx: RoundContext,
  group: Instance[],
  fn: (inst: Instance, window: MeasureWindow | undefined) => Promise<void>,
  lead: number,
  sec: number
): Promise<void> {
  if (ctx.rig.design.kind === 'alternating') {
    for (const inst of group) await fn(inst, undefined)
    return
  }
  const window = windowAfter(lead, sec)
  await Promise.all(group.map((inst) => fn(inst, window)))
}

/** The extra phases, on each instance (see onEach): further closed-loop levels, then the open loop. */
async function extraPhases(ctx: RoundContext, group: Instance[], openLoop: OpenLoopInfo | undefined): Promise<void> {
  const { config } = ctx
  for (const connections of config.connectionLevels.slice(1)) {
    // The services are warm; the lead only lets every arm's connections open before the (shared) window.
    const closed = async (inst: Instance, window: MeasureWindow | undefined): Promise<void> => {
      inst.service?.assertAlive()
      const l = await closedLoad(ctx, inst, {
        connections,
        warmupSec: EXTRA_PHASE_LEAD_SEC,
        durationSec: config.roundDurationSec,
        ...(window !== undefined ? { window } : {}),
        timeoutSec: config.requestTimeoutSec
      })
      inst.phases.push({ id: closedPhaseId(connections), kind: 'closed', connections, load: pickLoad(l) })
    }
    await onEach(ctx, group, closed, EXTRA_PHASE_LEAD_SEC, config.roundDurationSec)
  }
  if (openLoop === undefined) return
  const open = async (inst: Instance): Promise<void> => {
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
  }
  await onEach(ctx, group, open, 0, config.roundDurationSec)
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

/**
 * How an instance's warm-up ended, for its round. The rates are kept for a fixed warm-up too: they show
 * whether it was long enough (and they are what steady-state rules are tried on: docs/round-designs.md).
 */
function warmupDetail(w: WarmupOutcome | undefined): Partial<RoundResult['warmup']> {
  if (w === undefined) return {}
  return { ended: w.ended, rates: w.rates, ...(w.ended !== 'fixed' ? { change: w.change } : {}) }
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
  const collected = inst.collectorUsage
  if (collected !== undefined)
    assertCollectorCounts(
      inst.where,
      collected,
      inst.collector?.logFile ?? '',
      inst.collector ? readTail(inst.collector) : ''
    )
  assertSpans(config, inst.where, inst.arm, otlp, inst.receiver.endpoint, inst.logFile, tail)
  // Spans that started inside the measured parts: the same instants as the answers they are divided by.
  const window = { spans: 0, roots: 0, traces: 0, traceSpans: 0 }
  for (const part of inst.parts ?? []) {
    const w = inst.receiver.windowCounts(part.startMs, part.endMs)
    window.spans += w.spans
    window.roots += w.roots
    window.traces += w.traces
    window.traceSpans += w.traceSpans
  }
  // Each measured part has two edges where up to `connections` requests are in flight (an alternating
  // arm has one part per slice): the check's allowance for requests without a span, or spans without an
  // answer, grows with the parts.
  const edges = Math.max(1, inst.parts?.length ?? 1)
  // Behind a collector the receiver counts what it kept (tail sampling drops most roots): the sampled
  // fraction is not the head sampler's, and the collector's own counts were checked above.
  if (collected === undefined) assertSampledFraction(inst.where, inst.arm, load, window, inst.connections * edges, tail)
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
    warmup: { ...load.warmup, ...warmupDetail(inst.warmupOutcome) },
    ...(ctx.rig.design.kind === 'alternating' ? { slices: inst.parts?.length ?? 0 } : {}),
    otlp: { spans: otlp.spans, requests: otlp.requests, bytes: otlp.bytes, rejected: otlp.rejected },
    window,
    // The receiver thread's whole CPU (worker) and the in-process decode-only CPU are different measures: two fields.
    ...(otlp.cpuScope === 'thread' ? { receiverThreadCpuSec: otlp.cpuSeconds } : { receiverCpuSec: otlp.cpuSeconds }),
    ...(inst.resources !== undefined ? { resources: inst.resources } : {}),
    ...(inst.phases.length > 0 ? { phases: inst.phases } : {}),
    ...(forcedStopSec !== undefined ? { forcedStopSec } : {}),
    ...(collected !== undefined ? { collector: { ...collected, requests: requestsServed(inst) } } : {})
  }
}

/** Every 2xx answer of an instance over its collector's life: warm-up, the primary phase, the extra phases. */
function requestsServed(inst: Instance): number {
  return (
    (inst.warmupOutcome?.ok ?? 0) +
    (inst.servedOk ?? inst.load?.ok ?? 0) +
    inst.phases.reduce((n, ph) => n + ph.load.ok, 0)
  )
}

/** The collector's log tail for a message (its log is a service log: redacted as written). */
function readTail(c: Collector): string {
  return readLogTail(c.logFile, 0, 30)
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

/** A traced instance's collector (`collector-command`), exporting to its slot's receiver; undefined otherwise. */
async function startCollectorFor(ctx: RoundContext, inst: Instance): Promise<Collector | undefined> {
  const { config, rig } = ctx
  const c = config.collector
  // `recording` arms export nothing (OTEL_TRACES_EXPORTER=none): no pipeline to measure.
  if (c == null || !inst.arm.tracing || inst.arm.kind === 'recording' || rig.collectorTemplate == null) return undefined
  ctx.signal?.throwIfAborted()
  inst.receiver.reset()
  return startCollector({
    collector: c,
    template: rig.collectorTemplate,
    cwd: rig.cwd,
    receiver: inst.receiver,
    pinning: rig.pinning,
    logFile: inst.logFile.replace(/\.log$/, '.collector.log'),
    env: collectorEnv(config),
    readyTimeoutMs: config.readyTimeoutSec * 1000,
    stopGraceMs: config.stopTimeoutSec * 1000,
    sampleResources: rig.sampleResources,
    log: ctx.info
  })
}

/**
 * The collector's environment: the services' minimal inherited one (never the job's tokens), without the runner's
 * OTEL_*.
 */
function collectorEnv(config: Pick<Config, 'passEnv'>): Record<string, string> {
  const env = inheritedEnv(process.env, config.passEnv ?? [])
  for (const k of Object.keys(env)) if (k.startsWith('OTEL_')) delete env[k]
  return env
}

/** Drain and stop every collector of a measured group (each waits for its receiver to fall quiet). */
async function drainCollectors(group: Instance[]): Promise<void> {
  const results = await Promise.allSettled(
    group.map(async (inst) => {
      if (inst.collector !== undefined) inst.collectorUsage = await inst.collector.drainAndStop()
    })
  )
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed !== undefined) {
    await Promise.allSettled(group.map((inst) => inst.collector?.stop()))
    throw failed.reason
  }
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
  let measured = false
  try {
    // In start order: a slow boot (a JVM) of one arm then never overlaps the other's readiness poll.
    for (const inst of group) {
      inst.collector = await startCollectorFor(ctx, inst)
      inst.service = await bootService(ctx, inst.arm, inst.port, inst.receiver, inst.logFile, inst.collector?.endpoint)
    }
    await primaryPhase(ctx, group, total)
    await extraPhases(ctx, group, openLoop)
    // A crash during the round shows up as connection errors; name the real cause first.
    for (const inst of group) {
      inst.service?.assertAlive()
      inst.collector?.assertAlive()
    }
    measured = true
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
    // After its service: the service's last spans flush through it. A failed round stops it at once.
    if (!measured) await Promise.allSettled(group.map((inst) => inst.collector?.stop()))
  }
  await drainCollectors(group)
  return resultsOf(ctx, group, forced)
}
