/**
 * The rig of a run: what stays up while the rounds come and go — one OTLP receiver per slot (the arms
 * of a side-by-side block export at the same time and must not mix their spans), the CPU pinning of
 * the services and of the gate itself, the gRPC target, the log folder. Opened once, closed once.
 */
import * as path from 'node:path'
import type { Config, GrpcConfig } from '../config/config.js'
import { ConfigError } from '../config/config.js'
import { Inputs } from '../config/inputs.js'
import { startOtlpReceiver, type OtlpReceiver, type OtlpReceiverOptions } from '../otlp/receiver.js'
import { findReceiverWorkerFile, startWorkerReceiver } from '../otlp/worker-host.js'
import { threadCpuClock } from '../otlp/thread-cpu.js'
import { parseCpuList, planPinning, type Pinning } from '../service/pinning.js'
import { GrpcTargetError, loadGrpcTarget, type GrpcTarget } from '../load/grpc.js'
import { resourceSamplingSupported } from '../service/procstat.js'
import { collectorPlacement, loadCollectorTemplate } from './collector.js'

/**
 * Slice length of the alternating design. 1 s, from the standalone probe behind the design (2026-12-06:
 * 1 s ABBA slices read the alone overhead, 43.8 % vs 43.4 %): long enough that switching (a few ms until
 * the next arm's closed loop is full) is a small part of a slice, short enough that a block of several
 * arms alternates many times.
 */
export const ALTERNATING_SLICE_SEC = 1

/** How the arms of a block share the machine, as run (the config's wish after what the machine allows). */
export interface RoundDesign {
  kind: 'alternating' | 'side-by-side' | 'sequential'
  /** How many services are alive at once: the arms of a block (× `perArm` side by side), or 1 (sequential). */
  slots: number
  /** Processes of each arm per block (`processes-per-arm`; 1 in the sequential design). */
  perArm: number
  /** One line for the report: design, pinning, why. */
  description: string
  /** Side by side and pinned: how many CPUs the block's services share (recorded on every round). */
  sharedCpus?: number
}

export interface Rig {
  design: RoundDesign
  pinning: Pinning
  /** One receiver per slot; slot i's service exports to receivers[i]. */
  receivers: OtlpReceiver[]
  grpcTarget: GrpcTarget | null
  /** `collector-config`'s text, checked before any load; null/absent without `collector-command`. */
  collectorTemplate?: string | null
  cwd: string
  logDir: string
  /** CPU and RSS of the services can be sampled (Linux /proc). */
  sampleResources: boolean
  close(): Promise<void>
}

const GRPC_INPUTS = {
  proto: Inputs.GrpcProto,
  method: Inputs.GrpcMethod,
  request: Inputs.GrpcRequest,
  metadata: Inputs.GrpcMetadata
} as const

/** Load the configured proto (relative to the working directory) and check method, request and metadata. */
function loadConfiguredGrpcTarget(g: GrpcConfig, cwd: string): GrpcTarget {
  try {
    return loadGrpcTarget({
      protoPath: path.resolve(cwd, g.protoPath),
      method: g.method,
      request: g.request,
      metadata: g.metadata,
      names: GRPC_INPUTS
    })
  } catch (e) {
    if (e instanceof GrpcTargetError) throw new ConfigError(GRPC_INPUTS[e.field], e.message)
    throw e
  }
}

/**
 * Whether the services get pinned: `auto` pins only the side-by-side design (measured: sequential rounds were noisier
 * pinned).
 */
function pinningMode(config: Pick<Config, 'cpuPinning' | 'roundDesign'>): 'auto' | 'off' {
  if (config.cpuPinning === 'off') return 'off'
  if (config.cpuPinning === 'on') return 'auto'
  return config.roundDesign === 'sequential' ? 'off' : 'auto'
}

/** Whether the run keeps processes across blocks: the alternating design unless `blocks-per-boot` is 1. */
export function keepsBoots(config: Pick<Config, 'blocksPerBoot'>, kind: RoundDesign['kind']): boolean {
  return kind === 'alternating' && config.blocksPerBoot !== 1
}

/** Describe the design actually run, for the report and the log. */
export function describeDesign(
  kind: RoundDesign['kind'],
  slots: number,
  pinning: Pinning,
  perArm = 1,
  kept = false
): string {
  if (kind === 'sequential') return `sequential rounds (one service at a time); CPU pinning: ${pinning.reason}`
  if (kind === 'alternating') {
    const core = pinning.enabled
      ? `the ${slots} services share CPU ${pinning.serviceCpus}, the load generator and the receivers run on CPU ` +
        `${pinning.loadCpus}`
      : `unpinned (${pinning.reason}): the services and the load generator share every CPU`
    return (
      `alternating: the ${slots} arms of a block run as ` +
      (kept
        ? 'processes kept across blocks (started and warmed up once per boot, a new boot after every look)'
        : 'fresh processes for the whole block') +
      ` and the load goes ` +
      `to one arm at a time in ${ALTERNATING_SLICE_SEC} s slices (A B C, C B A, …), so each arm is measured alone on ` +
      `the core; ${core}`
    )
  }
  const where = pinning.enabled
    ? `the ${slots} services share CPU ${pinning.serviceCpus}, the load generator and the receivers run on CPU ` +
      `${pinning.loadCpus}`
    : `unpinned (${pinning.reason}): the ${slots} services and the load generator share every CPU, so the arms are ` +
      `less well matched`
  const arms = slots / perArm
  const who =
    perArm === 1
      ? `the ${arms} arms of a block run at once with equal closed-loop loads, fresh processes every block`
      : `the ${arms} arms of a block run at once, ${perArm} fresh processes each (the arm's connections split among ` +
        `them), equal closed-loop loads`
  return `side-by-side rounds: ${who}; ${where}`
}

/**
 * How the receivers run: each in a worker thread of its own (whole CPU measured), or in the gate's thread (decode CPU
 * only).
 */
export type ReceiverMode = { kind: 'worker'; workerFile: string } | { kind: 'in-process'; reason: string }

/**
 * Worker threads where the worker's entry file exists and this thread's CPU can be read; else in-process, saying why.
 */
export function chooseReceiverMode(
  workerFile: string | null = findReceiverWorkerFile(),
  threadCpu: boolean = threadCpuClock() !== null
): ReceiverMode {
  if (workerFile === null)
    return {
      kind: 'in-process',
      reason:
        'no receiver worker file beside the gate (running from the TypeScript sources, or a bundle built without ' +
        'dist/otlp-worker)'
    }
  if (!threadCpu) return { kind: 'in-process', reason: 'no per-thread CPU clock (/proc/thread-self is Linux-only)' }
  return { kind: 'worker', workerFile }
}

/** Start one slot's receiver as `mode` says. */
function startReceiver(mode: ReceiverMode, opts: OtlpReceiverOptions): Promise<OtlpReceiver> {
  return mode.kind === 'worker' ? startWorkerReceiver(opts, mode.workerFile) : startOtlpReceiver(opts)
}

/**
 * Open the rig for `arms` arms, its receivers as `receiverMode` says (default: worker threads where
 * possible). Throws ConfigError on a bad gRPC target before anything starts.
 */
export async function openRig(
  config: Config,
  arms: number,
  log: (m: string) => void,
  warn: (m: string) => void,
  receiverMode: ReceiverMode = chooseReceiverMode()
): Promise<Rig> {
  const cwd = path.resolve(config.workingDirectory)
  const logDir = path.resolve(config.outputDir, 'logs')
  // Before anything starts: a bad proto, method or request is an input error, not a round failure.
  const grpcTarget = config.grpc === null ? null : loadConfiguredGrpcTarget(config.grpc, cwd)
  const collectorTemplate = config.collector ? loadCollectorTemplate(config.collector, cwd) : null
  const kind = config.roundDesign
  const perArm = kind === 'side-by-side' ? config.processesPerArm : 1
  const slots = kind === 'sequential' ? 1 : arms * perArm
  const pinning = await planPinning(pinningMode(config))
  const design: RoundDesign = {
    kind,
    slots,
    perArm,
    description:
      describeDesign(kind, slots, pinning, perArm, keepsBoots(config, kind)) +
      (config.collector
        ? `; traced arms export through their own collector per process and block, ${collectorPlacement(pinning)}`
        : ''),
    ...(kind !== 'sequential' && pinning.enabled ? { sharedCpus: parseCpuList(pinning.serviceCpus).length } : {})
  }
  const receivers: OtlpReceiver[] = []
  const mode = receiverMode
  log(
    mode.kind === 'worker'
      ? `OTLP receivers: one worker thread per slot (${mode.workerFile}); the receiver CPU share is each receiver ` +
          `thread's whole CPU`
      : `OTLP receivers: in the gate's own thread (${mode.reason}); the receiver CPU share covers decoding and ` +
          `counting only, not the transport`
  )
  let unpin: () => Promise<void> = async () => {}
  try {
    for (let i = 0; i < slots; i++) {
      receivers.push(
        await startReceiver(mode, {
          host: '127.0.0.1',
          port: 0,
          log,
          protocol: config.otlpProtocol === 'grpc' ? 'grpc' : 'http'
        })
      )
    }
    unpin = await pinning.pinSelf().catch((e: unknown) => {
      warn(`could not pin the load generator: ${String(e)}`)
      return async () => {}
    })
  } catch (e) {
    await Promise.allSettled(receivers.map((r) => r.close()))
    throw e
  }
  return {
    design,
    pinning,
    receivers,
    grpcTarget,
    collectorTemplate,
    cwd,
    logDir,
    sampleResources: resourceSamplingSupported(),
    async close() {
      // Every receiver (and its worker thread) is closed, whatever unpinning does.
      await unpin().finally(() => Promise.allSettled(receivers.map((r) => r.close())))
    }
  }
}
