/**
 * The stored baseline as a short history of main runs: one versioned file the action appends to, so a
 * stored comparison sees the run-to-run spread, not only the noise within one run. A plain results
 * file (what earlier versions stored) reads as a history of one.
 */
import type { ResultsFile } from './results.js'

export const HISTORY_SCHEMA = 'otlp-perf-gate/history'
export const HISTORY_VERSION = 1

/** The history file: the last runs of main, oldest first. */
export interface HistoryFile {
  schema: typeof HISTORY_SCHEMA
  version: typeof HISTORY_VERSION
  runs: ResultsFile[]
}

/** Whether parsed JSON claims to be a history file (then every run in it is validated as results). */
export function isHistoryJson(json: unknown): json is { schema: string; version: unknown; runs: unknown } {
  return typeof json === 'object' && json !== null && (json as { schema?: unknown }).schema === HISTORY_SCHEMA
}

/** Whether a run can serve as a baseline: it measured, and it has rounds of the off arm. */
export function usableAsBaseline(run: ResultsFile): boolean {
  return run.verdict !== 'error' && run.rounds.some((r) => r.armId === 'off')
}

/**
 * The history after this run: the previous runs plus this one when it can serve as a baseline, the
 * newest `keep` (pure). Runs of a PR should not be appended: callers decide when (e.g. pushes to main).
 */
export function appendRun(previous: readonly ResultsFile[], run: ResultsFile, keep: number): HistoryFile {
  if (!(Number.isInteger(keep) && keep >= 1))
    throw new RangeError(`history size must be a positive integer, got ${String(keep)}`)
  const runs = usableAsBaseline(run) ? [...previous, run] : [...previous]
  return { schema: HISTORY_SCHEMA, version: HISTORY_VERSION, runs: runs.slice(-keep) }
}
