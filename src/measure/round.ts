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
  /** Processes kept across blocks: the run's boot number (absent: a fresh process for one block). */
  boot?: number
  /** The blocks this process measured so far (a boot kept across blocks measures several), oldest first. */
  records: BlockRecord[]
}

/** What one process measured in one block: the block's share of an Instance, kept until the boot ends. */
type BlockRecord = Pick<
  Instance,
  | 'step'
  | 'index'
  | 'member'
  | 'where'
  | 'load'
  | 'phases'
  | 'parts'
  | 'measureStartMs'
  | 'measureEndMs'
  | 'warmupOutcome'
  | 'servedOk'
  | 'resources'
> & {
  /** The process was warmed up before an earlier block of its boot: this block had no warm-up of its own. */
  sinceBlock?: number
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
async function primaryPhase(
  ctx: RoundContext,
  group: Instance[],
  total: number,
  /** A later block of a boot: the block its processes warmed up before (no warm-up now). */
  warmedBefore?: number
): Promise<void> {
  const { config, rig } = ctx
  const wallOffset = Date.now() - performance.now()
  // This block's slice order: its planned order (a boot's processes keep their first block's start order).
  const order = group
    .map((_, i) => i)
    .sort((a, b) => (group[a] as Instance).step.order - (group[b] as Instance).step.order)
  const outcomes = await runSlicedPhase({
    starts: group.map((inst) => (sink: Sink) => gatedLoad(ctx, inst, sink)),
    connections: group.map((inst) => inst.connections),
    mode: rig.design.kind === 'alternating' ? 'alternate' : 'together',
    order,
    sliceSec: ALTERNATING_SLICE_SEC,
    measuredSec: config.roundDurationSec,
    warmup:
      warmedBefore !== undefined
        ? { kind: 'fixed', sec: 0 }
        : config.warmupSec === 'auto'
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
    // A later block of a boot: the process had its boot's warm-up (its seconds of load), none of its own.
    const warmed = warmedBefore !== undefined ? (inst.records[0]?.load?.warmup.durationSec ?? 0) : out.warmup.loadSec
    inst.load = {
      ...out.load,
      warmup: { ok: out.warmup.ok, durationSec: warmed },
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

/**
 * Check one process after its service stopped, over every block of its boot: error rates and answers per
 * block, then the spans of the whole boot (spans reach the receiver in batches, after their block).
 */
function checkBoot(ctx: RoundContext, inst: Instance): void {
  const { config } = ctx
  const service = inst.service as ServiceHandle
  const otlp = inst.receiver.snapshot()
  const tail = service.logTail(30)
  for (const rec of inst.records) {
    const load = rec.load as LoadRun
    assertErrorRate(config, rec.where, load, grpcStatusDetail(load), inst.logFile, tail)
    for (const ph of rec.phases)
      assertErrorRate(config, `${rec.where}, phase ${ph.id}`, ph.load, '', inst.logFile, tail)
    assertServed(rec.where, load, tail)
  }
  const where = inst.records.length === 1 ? inst.where : bootWhere(inst)
  const collected = inst.collectorUsage
  if (collected !== undefined)
    assertCollectorCounts(
      where,
      collected,
      inst.collector?.logFile ?? '',
      inst.collector ? readTail(inst.collector) : ''
    )
  assertSpans(config, where, inst.arm, otlp, inst.receiver.endpoint, inst.logFile, tail)
  // Behind a collector the receiver counts what it kept (tail sampling drops most roots): the sampled
  // fraction is not the head sampler's, and the collector's own counts were checked above.
  if (collected !== undefined) return
  const window = sumWindows(inst.records.map((rec) => windowOf(inst, rec)))
  // Each measured part has two edges where up to `connections` requests are in flight (an alternating
  // arm has one part per slice): the check's allowance for requests without a span, or spans without an
  // answer, grows with the parts.
  const edges = Math.max(
    1,
    inst.records.reduce((n, rec) => n + (rec.parts?.length ?? 1), 0)
  )
  const first = inst.records[0].load as LoadRun
  const responses = inst.records.reduce((n, rec) => n + (rec.load as LoadRun).responses, 0)
  assertSampledFraction(where, inst.arm, { ...first, responses }, window, inst.connections * edges, tail)
}

/** A boot's processes in messages: the arm and the blocks it measured. */
function bootWhere(inst: Instance): string {
  const blocks = inst.records.map((r) => r.step.block + 1)
  return `arm ${inst.arm.id}, the process of blocks ${blocks[0]}-${blocks[blocks.length - 1]}`
}

type WindowCounts = NonNullable<RoundResult['window']>

/** Spans that started inside a block's measured parts: the same instants as the answers they are divided by. */
function windowOf(inst: Instance, rec: BlockRecord): WindowCounts {
  return sumWindows((rec.parts ?? []).map((part) => inst.receiver.windowCounts(part.startMs, part.endMs)))
}

function sumWindows(ws: readonly WindowCounts[]): WindowCounts {
  const out = { spans: 0, roots: 0, traces: 0, traceSpans: 0 }
  for (const w of ws) {
    out.spans += w.spans
    out.roots += w.roots
    out.traces += w.traces
    out.traceSpans += w.traceSpans
  }
  return out
}

/**
 * One block of a checked process as a RoundResult. What the receiver counted over the boot (spans, export
 * requests, bytes, its thread's CPU) is shared among the boot's blocks by their windows' spans (by their
 * answers when no span fell in any window), so sums over rounds and every per-span ratio stay the boot's.
 */
function roundOf(
  ctx: RoundContext,
  inst: Instance,
  rec: BlockRecord,
  share: number,
  last: boolean,
  forcedStopSec: number | undefined
): RoundResult {
  const load = rec.load as LoadRun
  const otlp = inst.receiver.snapshot()
  const part = (x: number): number => (share === 1 ? x : Math.round(x * share))
  if (last && otlp.rejected > 0)
    ctx.warn(`${inst.where}: the OTLP receiver rejected ${otlp.rejected} undecodable export requests`)
  const collected = inst.collectorUsage
  const cpu = share === 1 ? otlp.cpuSeconds : otlp.cpuSeconds * share
  return {
    block: rec.step.block,
    order: rec.step.order,
    armId: inst.arm.id,
    startedAt: new Date(rec.measureStartMs ?? Date.now()).toISOString(),
    port: inst.port,
    slot: inst.slot,
    ...(ctx.rig.design.sharedCpus !== undefined ? { sharedCpus: ctx.rig.design.sharedCpus } : {}),
    runner: RUNNER,
    ...(inst.boot !== undefined ? { boot: inst.boot } : {}),
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
    warmup:
      rec.sinceBlock === undefined
        ? { ...load.warmup, ...warmupDetail(rec.warmupOutcome) }
        : { ...load.warmup, ok: 0, sinceBlock: rec.sinceBlock },
    ...(ctx.rig.design.kind === 'alternating' ? { slices: rec.parts?.length ?? 0 } : {}),
    otlp: {
      spans: part(otlp.spans),
      requests: part(otlp.requests),
      bytes: part(otlp.bytes),
      rejected: last ? otlp.rejected : 0
    },
    window: windowOf(inst, rec),
    // The receiver thread's whole CPU (worker) and the in-process decode-only CPU are different measures: two fields.
    ...(otlp.cpuScope === 'thread' ? { receiverThreadCpuSec: cpu } : { receiverCpuSec: cpu }),
    ...(rec.resources !== undefined ? { resources: rec.resources } : {}),
    ...(rec.phases.length > 0 ? { phases: rec.phases } : {}),
    ...(last && forcedStopSec !== undefined ? { forcedStopSec } : {}),
    // The collector lived as long as the process: its usage is counted once, with the boot's last block.
    ...(last && collected !== undefined ? { collector: { ...collected, requests: requestsServed(inst) } } : {})
  }
}

/** Each block's share of what the receiver counted over the boot: by window spans, else by answers. */
function sharesOf(inst: Instance): number[] {
  if (inst.records.length === 1) return [1]
  const spans = inst.records.map((rec) => windowOf(inst, rec).spans)
  const total = spans.reduce((a, b) => a + b, 0)
  if (total > 0) return spans.map((x) => x / total)
  const ok = inst.records.map((rec) => (rec.load as LoadRun).ok)
  const all = ok.reduce((a, b) => a + b, 0)
  return ok.map((x) => (all > 0 ? x / all : 1 / ok.length))
}

/** Every 2xx answer of an instance over its collector's life: warm-up, the primary phase, the extra phases. */
function requestsServed(inst: Instance): number {
  return inst.records.reduce(
    (n, rec) =>
      n +
      (rec.sinceBlock === undefined ? (rec.warmupOutcome?.ok ?? 0) : 0) +
      (rec.servedOk ?? rec.load?.ok ?? 0) +
      rec.phases.reduce((k, ph) => k + ph.load.ok, 0),
    0
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
        phases: [],
        records: []
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

/**
 * One result per member and block, blocks in order and members in start order: each process's blocks as
 * rounds, an arm's processes merged (src/measure/replicas.ts; side by side, one block per boot).
 */
function resultsOf(ctx: RoundContext, group: readonly Instance[], forced: Map<Instance, number>): RoundResult[] {
  for (const inst of group) checkBoot(ctx, inst)
  const blocks = group[0]?.records.length ?? 0
  const out: RoundResult[] = []
  for (let k = 0; k < blocks; k++) {
    const finished = group.map((inst) => {
      const rec = inst.records[k] as BlockRecord
      const round = roundOf(ctx, inst, rec, sharesOf(inst)[k] as number, k === blocks - 1, forced.get(inst))
      return { inst, rec, round }
    })
    const firsts = finished.filter((f) => f.inst.replica === 0).sort((x, y) => x.rec.step.order - y.rec.step.order)
    for (const { rec, round } of firsts) {
      const mine = finished.filter((f) => f.rec.member === rec.member)
      if (mine.length === 1) {
        out.push(round)
        continue
      }
      out.push(
        mergeReplicas(
          mine.map((f) => ({
            round: f.round,
            histogram: (f.rec.load as LoadRun).histogram as LatencyHistogram,
            connections: f.inst.connections
          }))
        )
      )
    }
  }
  return out
}

/**
 * Start a boot: every member's service (in the members' order, on its own port and receiver slot;
 * `processes-per-arm` processes each), each traced one behind its own collector when configured. On a
 * failure every process already started is stopped before the error goes on.
 */
export async function startBoot(
  ctx: RoundContext,
  members: readonly GroupMember[],
  total: number,
  boot?: number
): Promise<Instance[]> {
  const { rig } = ctx
  const needed = members.length * rig.design.perArm
  if (needed > rig.receivers.length)
    throw new Error(`a group of ${needed} services needs ${needed} slots, the rig has ${rig.receivers.length}`)
  const group = await instancesOf(ctx, members, total)
  try {
    // In start order: a slow boot (a JVM) of one arm then never overlaps the other's readiness poll.
    for (const inst of group) {
      if (boot !== undefined) inst.boot = boot
      inst.collector = await startCollectorFor(ctx, inst)
      inst.service = await bootService(ctx, inst.arm, inst.port, inst.receiver, inst.logFile, inst.collector?.endpoint)
    }
  } catch (e) {
    await stopBoot(group, false)
    throw e
  }
  return group
}

/**
 * Measure one block on a boot's processes: the primary phase (with the warm-up when the boot has measured no
 * block yet), the extra phases; then the block is kept as each process's record. `members`: this block's
 * planned rounds, one per arm of the boot (their order is this block's slice order).
 */
export async function measureBlock(
  ctx: RoundContext,
  group: Instance[],
  members: readonly GroupMember[],
  total: number,
  openLoop?: OpenLoopInfo
): Promise<void> {
  const first = group[0]?.records.length === 0
  if (!first) assignBlock(group, members, total)
  await primaryPhase(ctx, group, total, first ? undefined : group[0]?.records[0]?.step.block)
  await extraPhases(ctx, group, openLoop)
  // A crash during the round shows up as connection errors; name the real cause first.
  for (const inst of group) {
    inst.service?.assertAlive()
    inst.collector?.assertAlive()
  }
  for (const inst of group) {
    inst.records.push({
      step: inst.step,
      index: inst.index,
      member: inst.member,
      where: inst.where,
      load: inst.load,
      phases: inst.phases,
      parts: inst.parts,
      measureStartMs: inst.measureStartMs,
      measureEndMs: inst.measureEndMs,
      warmupOutcome: inst.warmupOutcome,
      servedOk: inst.servedOk,
      resources: inst.resources,
      ...(first ? {} : { sinceBlock: (inst.records[0] as BlockRecord).step.block })
    })
    inst.phases = []
    inst.resources = undefined
  }
}

/** A later block of a boot: each process takes its arm's planned round of this block (one process per arm). */
function assignBlock(group: Instance[], members: readonly GroupMember[], total: number): void {
  if (members.length !== group.length)
    throw new Error(`a block of ${members.length} rounds on a boot of ${group.length} processes`)
  for (const inst of group) {
    const member = members.findIndex((m) => m.arm.id === inst.arm.id)
    const m = members[member]
    if (m === undefined) throw new Error(`block without a round of arm ${inst.arm.id}`)
    inst.step = m.step
    inst.index = m.index
    inst.member = member
    inst.where = `round ${m.index + 1}/${total} (block ${m.step.block + 1}, arm ${m.arm.id})`
  }
}

/**
 * Stop a boot's processes (their samplers, services, then collectors: the service's last spans flush through
 * its collector; a failed boot stops the collectors at once). Returns the services that had to be killed.
 */
async function stopBoot(group: Instance[], measured: boolean): Promise<Map<Instance, number>> {
  const forced = new Map<Instance, number>()
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
  if (!measured) await Promise.allSettled(group.map((inst) => inst.collector?.stop()))
  return forced
}

/**
 * End a boot that measured its blocks: stop, drain the collectors, check every process and return the rounds
 * of every block (blocks in order). Throws GateError/ServiceError on any fault.
 */
export async function endBoot(ctx: RoundContext, group: Instance[]): Promise<RoundResult[]> {
  const forced = await stopBoot(group, true)
  await drainCollectors(group)
  return resultsOf(ctx, group, forced)
}

/** Stop a boot after a failure; the failure's own error is the one that matters. */
export async function abortBoot(group: Instance[]): Promise<void> {
  await stopBoot(group, false)
}

/**
 * A progress line for a block measured on a kept boot, whose rounds are checked and recorded only when the boot
 * ends: `block 2 measured (boot 1): off 12034 QPS, on@1 9120 QPS`.
 */
export function blockLine(group: readonly Instance[], boot: number): string {
  const last = group.filter((inst) => inst.replica === 0).map((inst) => inst.records[inst.records.length - 1])
  const parts = last
    .filter((rec): rec is BlockRecord => rec !== undefined)
    .sort((a, b) => a.step.order - b.step.order)
    .map((rec) => `${rec.step.armId} ${(rec.load?.qps ?? NaN).toFixed(0)} QPS`)
  const block = (last[0]?.step.block ?? 0) + 1
  return `block ${block} measured (boot ${boot + 1}): ${parts.join(', ')}; its rounds are checked when the boot ends`
}

/**
 * After a cancel stopped a boot (abortBoot): the rounds of the blocks it had finished, checked as at a boot's
 * end, so partial results keep them; [] when none finished or their checks fail (the cancel is the error).
 */
export function finishedRounds(ctx: RoundContext, group: readonly Instance[]): RoundResult[] {
  if ((group[0]?.records.length ?? 0) === 0) return []
  try {
    return resultsOf(ctx, group, new Map())
  } catch (e) {
    ctx.warn(`the blocks measured before the cancel are left out of the partial results: ${(e as Error).message}`)
    return []
  }
}

/**
 * Run one group of rounds as a boot of one block: every member's service boots (in the members' order, on
 * its own port and receiver slot; `processes-per-arm` processes each), the block is measured, the services
 * stopped, then checked. Throws GateError/ServiceError on any fault; every service is stopped on every path.
 */
export async function runGroup(
  ctx: RoundContext,
  members: readonly GroupMember[],
  total: number,
  openLoop?: OpenLoopInfo
): Promise<RoundResult[]> {
  const group = await startBoot(ctx, members, total)
  try {
    await measureBlock(ctx, group, members, total, openLoop)
  } catch (e) {
    await abortBoot(group)
    throw e
  }
  return endBoot(ctx, group)
}
