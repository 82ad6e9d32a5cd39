/**
 * Entry of the receiver's worker thread (started by worker-host.ts): runs the ordinary OTLP/HTTP or
 * OTLP/gRPC receiver inside this thread and answers the gate's synchronous calls, reporting CPU as
 * this thread's own CPU clock since the last reset (thread-cpu.ts) — the receiver's whole cost.
 *
 * Shipped as its own ncc bundle (dist/otlp-worker/index.js, see package.json "build") and as
 * lib/src/otlp/worker-main.js by tsc; never imported by the gate's main thread.
 */
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads'
import { startOtlpReceiver } from './receiver.js'
import { threadCpuClock, type ThreadCpuClock } from './thread-cpu.js'
import type { OtlpReceiver } from './types.js'
import {
  CONTROL_WORD,
  WORKER_DEAD,
  type SyncCall,
  type SyncReply,
  type WorkerCommand,
  type WorkerEvent,
  type WorkerInit
} from './worker-protocol.js'

function describe(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e)
}

/** The receiver's synchronous operations as the gate sees them: CPU is this thread's since the last reset. */
function operations(
  receiver: OtlpReceiver,
  clock: ThreadCpuClock
): Record<SyncCall['op'], (args: number[]) => unknown> {
  let base = clock.read()
  return {
    snapshot: () => ({ ...receiver.snapshot(), cpuSeconds: clock.read() - base, cpuScope: 'thread' }),
    windowCounts: ([t0, t1]) => receiver.windowCounts(t0 as number, t1 as number),
    reset: () => {
      receiver.reset()
      base = clock.read()
      return null
    }
  }
}

/** Answer every call on `calls`; the control word says which call is answered (the gate waits on it). */
function serveCalls(calls: MessagePort, control: Int32Array, ops: ReturnType<typeof operations>): void {
  calls.on('message', (call: SyncCall) => {
    let reply: SyncReply
    try {
      reply = { id: call.id, ok: true, value: ops[call.op](call.args) }
    } catch (e) {
      reply = {
        id: call.id,
        ok: false,
        name: e instanceof Error ? e.name : 'Error',
        message: e instanceof Error ? e.message : String(e)
      }
    }
    // The answer is queued on the port before the id is published: the gate reads it right after waking.
    calls.postMessage(reply)
    Atomics.store(control, CONTROL_WORD, call.id)
    Atomics.notify(control, CONTROL_WORD)
  })
}

async function main(init: WorkerInit, parent: MessagePort): Promise<void> {
  const control = new Int32Array(init.control)
  const emit = (event: WorkerEvent): void => parent.postMessage(event)
  // Any fault ends the thread, and the gate hears it on both channels: a blocked call wakes at once.
  const fatal = (e: unknown): void => {
    const message = describe(e)
    try {
      emit({ kind: 'fatal', message })
      init.calls.postMessage({ id: 0, ok: false, name: 'Error', message } satisfies SyncReply)
    } finally {
      Atomics.store(control, CONTROL_WORD, WORKER_DEAD)
      Atomics.notify(control, CONTROL_WORD)
      process.exit(1)
    }
  }
  process.on('uncaughtException', fatal)
  process.on('unhandledRejection', fatal)
  try {
    const clock = threadCpuClock()
    if (clock === null)
      throw new Error(
        '/proc/thread-self/schedstat and /proc/thread-self/stat cannot be read: the worker cannot measure its own CPU'
      )
    const receiver = await startOtlpReceiver({
      ...init.options,
      timeDecode: false,
      log: (message) => emit({ kind: 'log', message })
    })
    serveCalls(init.calls, control, operations(receiver, clock))
    parent.on('message', (command: WorkerCommand) => {
      if (command.kind === 'close') receiver.close().then(() => emit({ kind: 'closed' }), fatal)
    })
    emit({ kind: 'ready', port: receiver.port, endpoint: receiver.endpoint, cpuSource: clock.source })
  } catch (e) {
    fatal(e)
  }
}

if (isMainThread || parentPort === null) {
  throw new Error(
    "src/otlp/worker-main.ts is the OTLP receiver worker's entry: start it with startWorkerReceiver " +
      '(worker-host.ts), not directly'
  )
}
void main(workerData as WorkerInit, parentPort)
