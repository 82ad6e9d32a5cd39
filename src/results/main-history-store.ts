/**
 * Where main's history lives: a local file (CLI, tests, a workflow that caches it) or a file on a data
 * branch of the repository written through the GitHub API (github/history-branch.ts, the action's
 * default). Both offer the same two operations so that `mode: record` and the PR gate do not care.
 */
import { readMainHistory, writeMainHistory } from './main-history-file.js'
import type { MainHistoryFile } from './main-history.js'

/** A store of main's history. */
export interface MainHistoryStore {
  /** For messages: `'perf/main-history.json'`, `main-history.json on branch 'otlp-perf-gate-data'`. */
  readonly where: string
  /** Short name in reports: the path, or `branch:path`. */
  readonly label: string
  /** The history; an empty one when there is none yet. Throws MainHistoryError for an unusable one. */
  read(): Promise<MainHistoryFile>
  /**
   * Read, apply `change` (pure; it may be called again after a concurrent write, on the newer
   * history) and write the result. Returns what the last call of `change` returned.
   */
  update<T>(change: (history: MainHistoryFile) => { file: MainHistoryFile; value: T }): Promise<T>
}

/** The store at a local path (no concurrency: one job owns the file). */
export function localHistoryStore(file: string): MainHistoryStore {
  return {
    where: `'${file}'`,
    label: file,
    read: () => Promise.resolve(readMainHistory(file)),
    update: <T>(change: (h: MainHistoryFile) => { file: MainHistoryFile; value: T }): Promise<T> => {
      const { file: next, value } = change(readMainHistory(file))
      writeMainHistory(file, next)
      return Promise.resolve(value)
    }
  }
}
