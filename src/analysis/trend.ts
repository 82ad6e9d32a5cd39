/**
 * Change points over main's history (results/main-history.ts), what is new since the last record run,
 * and the current segment a PR is gated against. Pure.
 */
import {
  sameSettings,
  trendSeries,
  type MainHistoryEntry,
  type MainHistoryFile,
  type TrendSeries
} from '../results/main-history.js'
import { DEFAULT_CHANGE_POINT_OPTIONS, findChangePoints, type ChangePointOptions } from './change-points.js'

/** A change point of one series, located in the history. */
export interface HistoryChangePoint {
  series: string
  label: string
  /** Index into the history's entries of the first entry of the new segment. */
  entryIndex: number
  commit: string
  time: string
  before: number
  after: number
  /** after / before − 1. */
  change: number
  /** Whether the change makes the series worse (QPS down, P99 or an overhead ratio up). */
  worse: boolean
  pValue: number
}

/**
 * The entries the trend reads: the newest entry and every entry measured with its settings (entries
 * with other settings measure something else and would read as change points).
 */
export function comparableEntries(file: MainHistoryFile): { entries: MainHistoryEntry[]; indices: number[] } {
  const newest = file.entries[file.entries.length - 1]
  if (newest === undefined) return { entries: [], indices: [] }
  const indices = file.entries.flatMap((e, i) => (sameSettings(e, newest) ? [i] : []))
  return { entries: indices.map((i) => file.entries[i]), indices }
}

function pointsOf(
  s: TrendSeries,
  entries: readonly MainHistoryEntry[],
  indices: readonly number[],
  options: ChangePointOptions
): HistoryChangePoint[] {
  // Entries without this series (an arm added later) are left out, not filled in: a filled value is not a measurement.
  const present = s.values.flatMap((v, k) => (v === null ? [] : [{ v, k }]))
  return findChangePoints(
    present.map((p) => p.v),
    options
  ).map((cp) => {
    const k = present[cp.index].k
    return {
      series: s.id,
      label: s.label,
      entryIndex: indices[k],
      commit: entries[k].commit,
      time: entries[k].time,
      before: cp.meanBefore,
      after: cp.meanAfter,
      change: cp.forwardChange,
      worse: s.higherIsWorse ? cp.forwardChange > 0 : cp.forwardChange < 0,
      pValue: cp.pValue
    }
  })
}

/** Every series' change points over the comparable entries, oldest first. */
export function historyChangePoints(
  file: MainHistoryFile,
  options: ChangePointOptions = DEFAULT_CHANGE_POINT_OPTIONS
): { series: TrendSeries[]; points: HistoryChangePoint[]; indices: number[] } {
  const { entries, indices } = comparableEntries(file)
  const series = trendSeries(entries)
  const points = series
    .flatMap((s) => pointsOf(s, entries, indices, options))
    .sort((a, b) => a.entryIndex - b.entryIndex || a.series.localeCompare(b.series))
  return { series, points, indices }
}

/**
 * The change points not announced before: a point counts as announced when an announcement of the
 * same series sits within one entry of it (a change point may move by one entry as runs arrive;
 * it is still the same regression and must not alert twice).
 */
export function unannounced(file: MainHistoryFile, points: readonly HistoryChangePoint[]): HistoryChangePoint[] {
  const indexOf = new Map(file.entries.map((e, i) => [e.commit, i]))
  return points.filter(
    (p) =>
      !file.announced.some((a) => {
        const i = indexOf.get(a.commit)
        return a.series === p.series && i !== undefined && Math.abs(i - p.entryIndex) <= 1
      })
  )
}

/** The history with `points` recorded as announced (pure). */
export function announce(file: MainHistoryFile, points: readonly HistoryChangePoint[]): MainHistoryFile {
  return {
    ...file,
    announced: [...file.announced, ...points.map((p) => ({ series: p.series, commit: p.commit, time: p.time }))]
  }
}

/**
 * Series whose change points start a new segment of the stored baseline: what a stored comparison reads (the off arm).
 */
export const SEGMENT_SERIES = ['qps:off', 'p99:off', 'cpu:off'] as const

/** The runs since the last change point of the off arm: what a PR is compared with. */
export interface CurrentSegment {
  /** Index of the segment's first entry, and the commit and time that started it. */
  startIndex: number
  startCommit: string
  startTime: string
  /** The change point that opened the segment, or null when the history has none (the segment is all of it). */
  changePoint: HistoryChangePoint | null
  /** Commits of the entries in the segment (comparable entries only), oldest first. */
  commits: string[]
}

/** The current segment of the history; null for an empty history. */
export function currentSegment(
  file: MainHistoryFile,
  options: ChangePointOptions = DEFAULT_CHANGE_POINT_OPTIONS
): CurrentSegment | null {
  const { points, indices } = historyChangePoints(file, options)
  if (indices.length === 0) return null
  const last = points.filter((p) => (SEGMENT_SERIES as readonly string[]).includes(p.series)).pop() ?? null
  const startIndex = last === null ? indices[0] : last.entryIndex
  const start = file.entries[startIndex]
  return {
    startIndex,
    startCommit: start.commit,
    startTime: start.time,
    changePoint: last,
    commits: indices.filter((i) => i >= startIndex).map((i) => file.entries[i].commit)
  }
}
