/**
 * What the receiver's worker thread (worker-main.ts) and the gate's side (worker-host.ts) say to each
 * other. Two channels: the worker's parentPort carries the asynchronous events (ready, log lines,
 * closed, a fatal error); a MessagePort of its own carries the synchronous calls, whose answers the
 * gate takes with receiveMessageOnPort after Atomics.wait on the shared control word.
 */
import type { MessagePort } from 'node:worker_threads'
import type { OtlpReceiverOptions } from './types.js'
import type { ThreadCpuSource } from './thread-cpu.js'

/** The receiver options that cross into the worker (the log callback cannot: log lines come back as events). */
export type WorkerReceiverOptions = Omit<OtlpReceiverOptions, 'log' | 'timeDecode'>

/** The worker's workerData. */
export interface WorkerInit {
  options: WorkerReceiverOptions
  /** Int32Array over it: [CONTROL_WORD] = id of the last answered call, or WORKER_DEAD. */
  control: SharedArrayBuffer
  /** The synchronous calls' port (transferred). */
  calls: MessagePort
}

/** Index of the control word in the Int32Array over `control`. */
export const CONTROL_WORD = 0
/** Control word value once the worker hit a fatal error (an answer on `calls` then says which). */
export const WORKER_DEAD = -1

/** The synchronous operations of OtlpReceiver. */
export type SyncOp = 'snapshot' | 'windowCounts' | 'reset'

/** A synchronous call: `id` > 0, increasing. */
export interface SyncCall {
  id: number
  op: SyncOp
  args: number[]
}

/** The answer to call `id`: its value, or the error it threw; `id` 0 = the worker's fatal error. */
export type SyncReply =
  { id: number; ok: true; value: unknown } | { id: number; ok: false; name: string; message: string }

/** Events on the worker's parentPort. */
export type WorkerEvent =
  | { kind: 'ready'; port: number; endpoint: string; cpuSource: ThreadCpuSource }
  | { kind: 'log'; message: string }
  | { kind: 'closed' }
  | { kind: 'fatal'; message: string }

/** The gate's request on the worker's parentPort. */
export interface WorkerCommand {
  kind: 'close'
}
