/**
 * The measurement with cancellation: on SIGTERM/SIGINT the run stops waiting for the engine (a round
 * in progress would run its full duration), stops every service, and returns an `error` outcome
 * with the rounds completed so far, so the caller still writes outputs, summary and partial results.
 */
import type { Config } from '../config/config.js'
import { measure, type LoggingHooks, type MainHistoryRead, type MeasureOutcome } from './measure.js'
import { randomSeed } from '../plan/random.js'
import { configureServiceCaps, type CapsInfo } from '../service/caps.js'
import { killAllServices, resetServiceStopStats, serviceStopStats, type StopStats } from '../service/service.js'
import { watchCancellation, type Cancellation } from '../service/cancellation.js'
import { resumeAcceptingGroups, stopAcceptingGroups } from '../service/process-group.js'
import { errorMessage } from '../errors.js'
import type { RoundResult } from '../types.js'

/** A measurement outcome plus what a partial report needs. */
export interface CancellableOutcome extends MeasureOutcome {
  /** The signal that cancelled the run, if one did. */
  cancelledBy?: NodeJS.Signals
  /** Rounds completed (every round on success; those done before the signal when cancelled). */
  roundsDone: RoundResult[]
  /** Service stops of this run: SIGKILLs after the grace period, escaped processes killed. */
  stops: StopStats
  /** The resource caps every service of the run ran under, and how they were enforced. */
  caps: CapsInfo
}

/**
 * Run `measure` until it ends or the process is signalled; never throws. A `cancel` given by the
 * caller stays installed (so a late signal cannot kill the reporting that follows: dispose it after);
 * one created here is disposed on return.
 */
export async function measureCancellable(
  config: Config,
  hooks: LoggingHooks,
  given?: Cancellation,
  /** Main's history read for this gate run (measure.ts narrows the stored baseline to its current segment). */
  mainHistory?: MainHistoryRead
): Promise<CancellableOutcome> {
  const cancel = given ?? watchCancellation()
  // Fixed here (the one place), so that a cancelled run reports the seed it was running with.
  const fixed: Config = Object.freeze({ ...config, seed: config.seed ?? randomSeed() })
  const roundsDone: RoundResult[] = []
  // The running boot's finished blocks, taken at the cancel without waiting for the engine (measure/run.ts).
  let bootFinished: (() => RoundResult[]) | undefined
  let cancelled = false
  resetServiceStopStats()
  resumeAcceptingGroups()
  // Once per run, before any service starts: every arm gets the same caps (service/caps.ts).
  const caps = configureServiceCaps({ memoryBytes: config.memoryLimitBytes, maxProcesses: config.maxProcesses })
  hooks.info?.(`resource caps per service instance: ${caps.note}`)
  const wrapped: LoggingHooks = {
    ...hooks,
    onRoundEnd: (p) => {
      // After a cancel the abandoned engine may still record the boot's blocks: they were taken already.
      if (!cancelled) roundsDone.push(p.round)
      hooks.onRoundEnd?.(p)
    },
    onBootRunning: (finished) => {
      bootFinished = finished
      hooks.onBootRunning?.(finished)
    }
  }
  try {
    const running = measure(fixed, wrapped, cancel.signal, mainHistory)
    const raced = await Promise.race([running, cancel.cancelled])
    if (typeof raced === 'object' && !cancel.signal.aborted)
      return { ...raced, roundsDone, stops: serviceStopStats(), caps }
    const sig = typeof raced === 'string' ? raced : await cancel.cancelled
    // The blocks a boot kept across blocks has finished are taken now (unchecked: its processes still run), so a
    // cancelled run keeps them without waiting for the engine, and ends well inside the runner's grace.
    cancelled = true
    roundsDone.push(...(bootFinished?.() ?? []))
    running.catch(() => undefined)
    // The abandoned engine may be about to boot another service: refuse it.
    stopAcceptingGroups()
    let error = `cancelled (${sig}) after ${roundsDone.length} completed rounds; the services were stopped`
    try {
      await killAllServices()
    } catch (e) {
      error += `\ncould not stop the service: ${errorMessage(e)}`
    }
    return {
      config: fixed,
      gateRun: null,
      verdict: 'error',
      error,
      cancelledBy: sig,
      roundsDone: [...roundsDone],
      stops: serviceStopStats(),
      caps
    }
  } finally {
    if (given === undefined) cancel.dispose()
  }
}
