/**
 * Cancellation of a run: the runner cancels a job with SIGINT, then SIGTERM, then SIGKILL a few
 * seconds later. The gate turns the first signal into an AbortSignal, so that it can stop the
 * services and still write outputs, the summary and the partial results before it is killed.
 */

/** Why a run was aborted: a signal from outside. */
export class CancelledError extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`cancelled (${signal})`)
    this.name = 'CancelledError'
  }
}

/** A cancellation watch on the process' signals. */
export interface Cancellation {
  /** Aborted (reason: CancelledError) at the first signal. */
  readonly signal: AbortSignal
  /** Resolves with the first signal received; never rejects. */
  readonly cancelled: Promise<NodeJS.Signals>
  /** Remove the signal listeners (the default action of a later signal applies again). */
  dispose(): void
}

/** Something with process.on/removeListener (injectable for tests). */
export type SignalSource = Pick<NodeJS.Process, 'on' | 'removeListener'>

/**
 * Listen for `signals` until disposed. While listening, the signals no longer terminate the process
 * by default: the caller finishes its reporting and exits. Later signals are ignored (the runner
 * follows up with SIGKILL anyway).
 */
export function watchCancellation(
  source: SignalSource = process,
  signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT']
): Cancellation {
  const controller = new AbortController()
  let resolve: (s: NodeJS.Signals) => void = () => {}
  const cancelled = new Promise<NodeJS.Signals>((r) => (resolve = r))
  const listeners = signals.map((sig) => {
    const fn = (): void => {
      if (controller.signal.aborted) return
      controller.abort(new CancelledError(sig))
      resolve(sig)
    }
    source.on(sig, fn)
    return [sig, fn] as const
  })
  return {
    signal: controller.signal,
    cancelled,
    dispose() {
      for (const [sig, fn] of listeners) source.removeListener(sig, fn)
    }
  }
}
