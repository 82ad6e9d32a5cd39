/**
 * The OTLP receiver in a worker thread of its own (issue 11 item 4). One worker per receiver, i.e.
 * per slot: the worker's thread CPU clock (thread-cpu.ts) then measures ONE slot's receiver whole —
 * HTTP/gRPC transport, body reads, decoding, accounting, GC on that thread — and none of that work
 * runs on the event loop of the load generator. (One worker hosting every slot would save a thread
 * but could only split its CPU between the slots by timing each export, which misses the transport.)
 * What is not counted: V8's background helper threads (concurrent marking, compilation), shared by
 * the whole process.
 *
 * The OtlpReceiver interface stays synchronous (round.ts and many tests call snapshot(),
 * windowCounts() and reset() synchronously): a call is posted on a MessagePort of its own, the gate
 * blocks in Atomics.wait on a shared control word until the worker has queued the answer and stored
 * the call's id, then takes the answer with receiveMessageOnPort — the pattern of the `synckit`
 * package. Every wait is bounded; a worker that died or does not answer fails the call with a
 * GateError naming the receiver.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads'
import { GateError } from '../errors.js'
import type { OtlpReceiver, OtlpReceiverOptions } from './types.js'
import type { ThreadCpuSource } from './thread-cpu.js'
import {
  CONTROL_WORD,
  WORKER_DEAD,
  type SyncCall,
  type SyncOp,
  type SyncReply,
  type WorkerCommand,
  type WorkerEvent,
  type WorkerInit
} from './worker-protocol.js'

/** Bounds of the waits on a worker. */
export interface WorkerLimits {
  /** Longest wait for the worker to listen (loading the worker's code included). */
  startMs: number
  /** Longest a synchronous call (snapshot, windowCounts, reset) blocks the gate. */
  callMs: number
  /** Longest wait for a graceful close before the worker is terminated. */
  closeMs: number
}

const DEFAULT_LIMITS: WorkerLimits = { startMs: 20_000, callMs: 10_000, closeMs: 5_000 }

/**
 * Where the worker's entry file sits relative to the module that starts it: beside it as tsc
 * output (lib/src/otlp/worker-main.js), or as the action's second ncc bundle beside dist/index.js
 * (dist/otlp-worker/index.js). The names are looked up at run time so that ncc does not take
 * `new URL('./…', import.meta.url)` for an asset and copy a .ts file into dist.
 */
const WORKER_ENTRIES = ['worker-main.js', 'otlp-worker/index.js']

/**
 * The worker's entry file for the module at `moduleUrl` (default: this one), or null when there is
 * none — running from the TypeScript sources (jest), or a bundle built without it.
 */
export function findReceiverWorkerFile(moduleUrl: string = import.meta.url): string | null {
  if (!moduleUrl.startsWith('file:')) return null
  for (const name of WORKER_ENTRIES) {
    const file = fileURLToPath(new URL(name, moduleUrl))
    if (existsSync(file)) return file
  }
  return null
}

/** What the gate side keeps of one worker. */
interface WorkerLink {
  name: string
  worker: Worker
  calls: MessagePort
  control: Int32Array
  limits: WorkerLimits
  lastId: number
  /** Why the worker can no longer answer (died, closed, timed out); null while it can. */
  dead: string | null
}

function lost(link: WorkerLink, op: SyncOp, why: string): GateError {
  return new GateError('otlp', `${link.name} cannot answer ${op}(): ${why}`)
}

/** The worker's fatal error, from the answers queued on the calls port. */
function fatalMessage(link: WorkerLink): string {
  for (let m = receiveMessageOnPort(link.calls); m !== undefined; m = receiveMessageOnPort(link.calls)) {
    const reply = m.message as SyncReply
    if (reply.id === 0 && !reply.ok) return `the worker failed: ${reply.message}`
  }
  return 'the worker failed'
}

/** One synchronous call into the worker (blocks the gate's thread for at most `limits.callMs`). */
function callSync(link: WorkerLink, op: SyncOp, args: number[]): unknown {
  if (link.dead !== null) throw lost(link, op, link.dead)
  const id = (link.lastId = link.lastId >= 0x7fff_fff0 ? 1 : link.lastId + 1)
  link.calls.postMessage({ id, op, args } satisfies SyncCall)
  const deadline = performance.now() + link.limits.callMs
  for (;;) {
    const seen = Atomics.load(link.control, CONTROL_WORD)
    if (seen === id) break
    if (seen === WORKER_DEAD) throw lost(link, op, (link.dead = fatalMessage(link)))
    const left = deadline - performance.now()
    if (left <= 0)
      throw lost(
        link,
        op,
        (link.dead = `no answer to ${op}() within ${link.limits.callMs / 1000} s (the worker is stuck or was killed)`)
      )
    Atomics.wait(link.control, CONTROL_WORD, seen, left)
  }
  const got = receiveMessageOnPort(link.calls)
  const reply = got?.message as SyncReply | undefined
  if (reply === undefined || reply.id !== id)
    throw lost(
      link,
      op,
      (link.dead = `answered call ${id} (${op}) without its message (got ${JSON.stringify(reply?.id)})`)
    )
  if (reply.ok) return reply.value
  // An error of the call itself (e.g. windowCounts' RangeError for a bad window): the worker lives on.
  const E = reply.name === 'RangeError' ? RangeError : reply.name === 'TypeError' ? TypeError : Error
  throw new E(reply.message)
}

/** Resolves with the worker's ready event; rejects on a fatal event, an error, an exit or after `ms`. */
function whenReady(worker: Worker, name: string, ms: number): Promise<Extract<WorkerEvent, { kind: 'ready' }>> {
  return new Promise((resolve, reject) => {
    const done = (f: () => void): void => {
      clearTimeout(timer)
      worker.off('message', onMessage).off('error', onError).off('exit', onExit)
      f()
    }
    const onMessage = (e: WorkerEvent): void => {
      if (e.kind === 'ready') done(() => resolve(e))
      else if (e.kind === 'fatal') done(() => reject(new GateError('otlp', `${name} did not start: ${e.message}`)))
    }
    const onError = (e: Error): void => done(() => reject(new GateError('otlp', `${name} did not start: ${e.message}`)))
    const onExit = (code: number): void =>
      done(() => reject(new GateError('otlp', `${name} exited with code ${code} before it listened`)))
    const timer = setTimeout(
      () => done(() => reject(new GateError('otlp', `${name} did not listen within ${ms / 1000} s`))),
      ms
    )
    worker.on('message', onMessage).on('error', onError).on('exit', onExit)
  })
}

/** Resolves once the worker reports its server closed, or it exited, or after `ms` (then it is terminated anyway). */
function whenClosed(worker: Worker, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      worker.off('message', onMessage).off('exit', done)
      resolve()
    }
    const onMessage = (e: WorkerEvent): void => {
      if (e.kind === 'closed') done()
    }
    const timer = setTimeout(done, ms)
    worker.on('message', onMessage).on('exit', done)
  })
}

/** The receiver's CPU source as the worker reported it (for logs). */
export interface WorkerReceiver extends OtlpReceiver {
  cpuSource: ThreadCpuSource
}

/**
 * Starts the receiver (`opts` as for startOtlpReceiver) in a worker thread running `workerFile`
 * (see {@link findReceiverWorkerFile}); resolves once it listens. `snapshot().cpuSeconds` is then
 * the worker thread's whole CPU since the last reset (`cpuScope: 'thread'`). Throws GateError when
 * the worker cannot start.
 */
export async function startWorkerReceiver(
  opts: OtlpReceiverOptions,
  workerFile: string,
  limits: Partial<WorkerLimits> = {}
): Promise<WorkerReceiver> {
  const log = opts.log ?? (() => {})
  const { port1, port2 } = new MessageChannel()
  const control = new SharedArrayBuffer(4)
  // Functions cannot cross into the worker: log lines come back as events.
  const options = {
    host: opts.host,
    port: opts.port,
    maxBodyBytes: opts.maxBodyBytes,
    validateSpans: opts.validateSpans,
    protocol: opts.protocol
  }
  const init: WorkerInit = { options, control, calls: port2 }
  const worker = new Worker(workerFile, { workerData: init, transferList: [port2] })
  const link: WorkerLink = {
    name: `the OTLP receiver's worker thread (${workerFile})`,
    worker,
    calls: port1,
    control: new Int32Array(control),
    limits: { ...DEFAULT_LIMITS, ...limits },
    lastId: 0,
    dead: null
  }
  worker.on('message', (e: WorkerEvent) => {
    if (e.kind === 'log') log(e.message)
    else if (e.kind === 'fatal') link.dead ??= `the worker failed: ${e.message}`
  })
  worker.on('error', (e) => {
    link.dead ??= `the worker threw: ${e.message}`
  })
  worker.on('exit', (code) => {
    link.dead ??= `the worker exited with code ${code}`
  })
  let ready: Extract<WorkerEvent, { kind: 'ready' }>
  try {
    ready = await whenReady(worker, link.name, link.limits.startMs)
  } catch (e) {
    await worker.terminate()
    port1.close()
    throw e
  }
  link.name = `the OTLP receiver at ${ready.endpoint} (worker thread)`
  let closed: Promise<void> | null = null
  const close = async (): Promise<void> => {
    try {
      if (link.dead === null) {
        worker.postMessage({ kind: 'close' } satisfies WorkerCommand)
        await whenClosed(worker, link.limits.closeMs)
      }
    } finally {
      link.dead ??= 'the receiver was closed'
      await worker.terminate()
      port1.close()
    }
  }
  return {
    endpoint: ready.endpoint,
    port: ready.port,
    cpuSource: ready.cpuSource,
    snapshot: () => callSync(link, 'snapshot', []) as ReturnType<OtlpReceiver['snapshot']>,
    windowCounts: (t0Ms, t1Ms) =>
      callSync(link, 'windowCounts', [t0Ms, t1Ms]) as ReturnType<OtlpReceiver['windowCounts']>,
    reset: () => void callSync(link, 'reset', []),
    close: () => (closed ??= close())
  }
}
