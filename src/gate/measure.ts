import type { Config } from '../config/config.js'
import { runEngine, type EngineHooks, type EngineOptions } from './engine.js'
import type { GateRun } from '../results/gate-run.js'
import { loadBaseline } from '../results/read.js'
import type { BaselineInfo } from '../results/baseline.js'
import { killAllServices } from '../service/service.js'
import { errorMessage } from '../errors.js'
import type { Verdict } from '../types.js'
import type { ResultsFile } from '../results/results.js'

/** Engine hooks plus the log lines of the measurement (stored baseline, warnings). */
export type LoggingHooks = EngineHooks & { info: (m: string) => void; warn: (m: string) => void }

/** What a measurement ended with: a run and its verdict, or `error` and why. */
export interface MeasureOutcome {
  /** The config actually run (its seed fixed by the caller, gate/cancellable.ts). */
  config: Config
  gateRun: GateRun | null
  verdict: Verdict
  error?: string
  /** Baseline status known before the run (a stored baseline that could not be used). */
  baselineBefore?: BaselineInfo
  /** The stored main history that was loaded (this run is appended to it in history.json). */
  storedHistory?: ResultsFile[]
}

/**
 * The gate's measurement, shared by the action and the CLI: load the stored baseline (a bad one is
 * a warning, never a crash), run the engine, and stop every service on every path. Never throws.
 */
export async function measure(
  config: Config,
  hooks: LoggingHooks,
  /** Cancellation (service/cancellation.ts): no service is started once it is aborted. */
  signal?: AbortSignal
): Promise<MeasureOutcome> {
  const out: MeasureOutcome = { config, gateRun: null, verdict: 'error' }
  const options: EngineOptions = signal !== undefined ? { signal } : {}
  try {
    if (config.baselinePath !== null) {
      const loaded = loadBaseline(config.baselinePath)
      if (loaded.status === 'ok') {
        options.stored = { history: loaded.history }
        out.storedHistory = loaded.history
        hooks.info(
          `stored baseline: ${loaded.path}, ${loaded.history.length} run${loaded.history.length === 1 ? '' : 's'} of ` +
            `main, the newest from ${loaded.history[loaded.history.length - 1].createdAt}`
        )
      } else {
        hooks.warn(
          `stored baseline: ${loaded.message}. Regressions vs main are not checked; tracing overhead still is.`
        )
        options.stored = { status: loaded.status, message: loaded.message, path: loaded.path }
        out.baselineBefore = { source: 'none', status: loaded.status, message: loaded.message, path: loaded.path }
      }
    }
    out.gateRun = await runEngine(config, hooks, options)
    out.verdict = out.gateRun.gate.verdict
  } catch (e) {
    out.verdict = 'error'
    out.error = errorMessage(e)
  } finally {
    try {
      await killAllServices()
    } catch (e) {
      // A service that would not stop is a fault of the run, not something to hide behind a verdict.
      out.error = `${out.error === undefined ? '' : `${out.error}\n`}could not stop the service: ${errorMessage(e)}`
      out.verdict = 'error'
    }
  }
  return out
}
