/**
 * `mode: record`: after a measured run on main, append its entry to main's history (`history-path`),
 * find the change points, and say which are new (announced for the first time, then remembered in
 * the file so a later run does not alert twice). Shared by the action and the CLI; the markdown goes
 * to the job summary, the new points to the output `change-point`.
 */
import { historyChangePoints, unannounced, announce, type HistoryChangePoint } from '../analysis/trend.js'
import { DEFAULT_CHANGE_POINT_OPTIONS, type ChangePointOptions } from '../analysis/change-points.js'
import { appendEntry, entryFromResults, type MainHistoryFile } from '../results/main-history.js'
import { readMainHistory, writeMainHistory } from '../results/main-history-file.js'
import type { ResultsFile } from '../results/results.js'
import type { MainHistoryStore } from '../results/main-history-store.js'
import { metricValue } from '../metrics.js'
import { codeSpan, escapeMarkdown } from '../format.js'

/** What a record run did. */
export interface RecordOutcome {
  path: string
  entries: number
  /** Every change point of the history after this run, and those announced for the first time by it. */
  changePoints: HistoryChangePoint[]
  newChangePoints: HistoryChangePoint[]
}

/**
 * Append `results` to the history at `file` and announce its new change points (reads and writes the
 * file). Throws MainHistoryError for a file that is not a usable history (never overwritten), and
 * an Error for a run that cannot be recorded (no commit, nothing measured).
 */
export function recordRun(
  file: string,
  results: ResultsFile,
  options: ChangePointOptions = DEFAULT_CHANGE_POINT_OPTIONS
): RecordOutcome {
  const before = readMainHistory(file)
  const { file: after, outcome } = recordPure(before, results, options)
  writeMainHistory(file, after)
  return { path: file, ...outcome }
}

/**
 * Append `results` to the history in `store` and announce its new change points. On a store shared
 * with other jobs (a data branch) the change is re-applied to the newer history after a conflict, so
 * the outcome is that of the history actually written.
 */
export async function recordInStore(
  store: MainHistoryStore,
  results: ResultsFile,
  options: ChangePointOptions = DEFAULT_CHANGE_POINT_OPTIONS
): Promise<RecordOutcome> {
  const outcome = await store.update((h) => {
    const r = recordPure(h, results, options)
    return { file: r.file, value: r.outcome }
  })
  return { path: store.label, ...outcome }
}

/** The pure part of recordRun: the history after this run and what it found. */
export function recordPure(
  history: MainHistoryFile,
  results: ResultsFile,
  options: ChangePointOptions = DEFAULT_CHANGE_POINT_OPTIONS
): { file: MainHistoryFile; outcome: Omit<RecordOutcome, 'path'> } {
  const appended = appendEntry(history, entryFromResults(results, metricValue))
  const { points } = historyChangePoints(appended, options)
  const fresh = unannounced(appended, points)
  return {
    file: announce(appended, fresh),
    outcome: { entries: appended.entries.length, changePoints: points, newChangePoints: fresh }
  }
}

const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`
const short = (sha: string): string => codeSpan(sha.slice(0, 12))

/** One line per change point: series, commit, time, before → after, change, p. */
export function changePointLine(p: HistoryChangePoint): string {
  return (
    `${escapeMarkdown(p.label)}: ${p.worse ? 'worse' : 'better'} from ${short(p.commit)} ` +
    `(${escapeMarkdown(p.time)}), ${p.before.toPrecision(4)} → ${p.after.toPrecision(4)} (${pct(p.change)}, p = ` +
    `${p.pValue.toPrecision(2)})`
  )
}

/** The job-summary section of a record run. */
export function recordMarkdown(o: RecordOutcome): string {
  const lines = [`### Main's history`, '', `Recorded this run as entry ${o.entries} of ${codeSpan(o.path)}.`, '']
  if (o.newChangePoints.length > 0) {
    lines.push(`**New change point${o.newChangePoints.length === 1 ? '' : 's'}:**`, '')
    for (const p of o.newChangePoints) lines.push(`- ${changePointLine(p)}`)
    lines.push('')
  } else lines.push('No new change point.', '')
  const old = o.changePoints.filter((p) => !o.newChangePoints.includes(p))
  if (old.length > 0) {
    lines.push('Change points announced earlier:', '')
    for (const p of old) lines.push(`- ${changePointLine(p)}`)
    lines.push('')
  }
  return lines.join('\n')
}

/** The output `change-point`: the new points as JSON, or '' when there is none. */
export function changePointOutput(o: RecordOutcome): string {
  if (o.newChangePoints.length === 0) return ''
  return JSON.stringify(
    o.newChangePoints.map((p) => ({
      series: p.series,
      commit: p.commit,
      time: p.time,
      before: p.before,
      after: p.after,
      change: p.change,
      worse: p.worse,
      pValue: p.pValue
    }))
  )
}
