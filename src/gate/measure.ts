import type { Config } from '../config/config.js'
import { runEngine, type EngineHooks, type EngineOptions } from './engine.js'
import type { GateRun } from '../results/gate-run.js'
import { loadBaseline, type BaselineLoad } from '../results/read.js'
import { currentSegment } from '../analysis/trend.js'
import { DEFAULT_CHANGE_POINT_OPTIONS } from '../analysis/change-points.js'
import type { MainHistoryFile } from '../results/main-history.js'
import type { BaselineInfo } from '../results/baseline.js'
import { killAllServices } from '../service/service.js'
import { errorMessage } from '../errors.js'
import type { Verdict } from '../types.js'
import type { BaselineSegment, ResultsFile } from '../results/results.js'

/** Engine hooks plus the log lines of the measurement (stored baseline, warnings). */
export type LoggingHooks = EngineHooks & { info: (m: string) => void; warn: (m: string) => void }

/** Main's history as read by a gate run (run-gate.ts): the file, or why it could not be read. */
export type MainHistoryRead = { where: string; history: MainHistoryFile } | { where: string; error: string }

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
  /** The segment of main's history (`history-path`) the stored runs were narrowed to. */
  segment?: BaselineSegment
}

/**
 * `history-path` in gate mode: keep only the stored runs of the current segment of main's history (the
 * runs since its last change point; a run before it measured another main). A history that cannot be
 * read is a warning and leaves the stored runs as they are; no stored run in the segment makes the
 * stored baseline unusable, with the reason.
 */
function narrowToSegment(
  read: MainHistoryRead,
  storedPath: string,
  stored: ResultsFile[],
  hooks: LoggingHooks,
  config: Config
): { loaded: BaselineLoad; segment?: BaselineSegment } {
  const unchanged = { loaded: { status: 'ok', path: storedPath, history: stored } as BaselineLoad }
  if ('error' in read) {
    hooks.warn(`main's history: ${read.error}; the stored baseline is not narrowed to a segment`)
    return unchanged
  }
  const seg = currentSegment(read.history, {
    ...DEFAULT_CHANGE_POINT_OPTIONS,
    maxPValue: config.changePointAlpha,
    minMagnitude: config.changePointMinEffect
  })
  if (seg === null) {
    // Info, not a warning: the action reads the data branch by default, and most repositories have none.
    hooks.info(`main's history ${read.where} has no entry yet; the stored baseline is not narrowed to a segment`)
    return unchanged
  }
  const commits = new Set(seg.commits)
  const kept = stored.filter((r) => r.git.sha !== undefined && commits.has(r.git.sha))
  const segment: BaselineSegment = {
    startCommit: seg.startCommit,
    startTime: seg.startTime,
    entries: seg.commits.length,
    storedRuns: kept.length,
    ...(seg.changePoint !== null
      ? { changePoint: { label: seg.changePoint.label, change: seg.changePoint.change } }
      : {})
  }
  const since = `since ${seg.startCommit.slice(0, 12)} (${seg.startTime})`
  if (kept.length === 0)
    return {
      loaded: {
        status: 'unusable',
        path: storedPath,
        message:
          `none of the ${stored.length} stored runs is in the current segment of main's history ` +
          `(${seg.commits.length} entries ` +
          `${since}${seg.changePoint !== null ? `, after a change point of ${seg.changePoint.label}` : ''})`
      },
      segment
    }
  hooks.info(`main's history: current segment ${since}, ${kept.length} of ${stored.length} stored runs in it`)
  return { loaded: { status: 'ok', path: storedPath, history: kept }, segment }
}

/**
 * The gate's measurement, shared by the action and the CLI: load the stored baseline (a bad one is
 * a warning, never a crash), run the engine, and stop every service on every path. Never throws.
 */
export async function measure(
  config: Config,
  hooks: LoggingHooks,
  /** Cancellation (service/cancellation.ts): no service is started once it is aborted. */
  signal?: AbortSignal,
  /** `mode: gate`: main's history, whose current segment narrows the stored baseline. */
  mainHistory?: MainHistoryRead
): Promise<MeasureOutcome> {
  const out: MeasureOutcome = { config, gateRun: null, verdict: 'error' }
  const options: EngineOptions = signal !== undefined ? { signal } : {}
  try {
    if (config.baselinePath !== null) {
      let loaded = loadBaseline(config.baselinePath)
      if (loaded.status === 'ok' && config.mode === 'gate' && mainHistory !== undefined) {
        const narrowed = narrowToSegment(mainHistory, loaded.path, loaded.history, hooks, config)
        loaded = narrowed.loaded
        out.segment = narrowed.segment
      }
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
    if (out.segment !== undefined && out.gateRun.baseline.source === 'stored')
      out.gateRun = { ...out.gateRun, baseline: { ...out.gateRun.baseline, segment: out.segment } }
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
