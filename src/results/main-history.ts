/**
 * Main's history: one compact entry per recorded run of the default branch (`mode: record`), kept in a
 * versioned file so change points can be found over months of runs. Unlike `history.json` (the last
 * few full results files, a stored baseline), an entry holds only what a trend needs: the commit, the
 * time, the runner's fingerprint, per arm and metric a summary of the blocks, and the comparisons'
 * intervals. Pure: reading and writing are in main-history-file.ts.
 *
 * Bounded size: at most `maxEntries` entries (oldest dropped first, counted in `compaction.dropped`),
 * and only the newest `detailedEntries` keep their per-block values; older entries keep the summaries
 * (n, geometric mean, log SD), which is all the trend and the change points read.
 */
import type { Comparison, MachineInfo, MetricName } from '../types.js'
import type { ResultsFile } from './results.js'

export const MAIN_HISTORY_SCHEMA = 'otlp-perf-gate/main-history'
/** Bump when a reader of an older file would misread the new one; readers refuse versions they don't know. */
export const MAIN_HISTORY_VERSION = 1
/** Entries kept by default: a year of daily runs with room to spare, about 1 MB of JSON when compacted. */
export const DEFAULT_MAX_ENTRIES = 500
/** Newest entries that keep their per-block values (a stored comparison needs the blocks of a segment). */
export const DEFAULT_DETAILED_ENTRIES = 50

/** One arm's blocks for one metric. */
export interface BlockSummary {
  /** Blocks (rounds) of the arm. */
  n: number
  /** exp(mean ln value): the typical block. */
  geoMean: number
  /** SD of ln value over the blocks (n − 1); null below 2 blocks. */
  logSd: number | null
  /** The per-block values in block order; absent once the entry is compacted. */
  blocks?: number[]
}

/**
 * A comparison's result as recorded: point estimate and interval (fractions), its ratio and n. A view of
 * Comparison (types.ts): its interval ends are null where the comparison's are NaN (JSON has no NaN), and
 * its kind any string, so that a newer gate's kinds still read.
 */
export interface RecordedInterval extends Pick<
  Comparison,
  'armId' | 'referenceArmId' | 'metric' | 'n' | 'overhead' | 'confidence'
> {
  kind: string
  /** exp(mean log-ratio): arm / reference for the typical block (the series the trend reads). */
  ratio: number
  ciLow: number | null
  ciHigh: number | null
}

export interface MainHistoryEntry {
  commit: string
  /** ISO time the run was recorded (the results' creation time). */
  time: string
  ref?: string
  runUrl?: string
  runner: MachineInfo
  /** Settings that must match for two entries to measure the same thing (as a stored baseline's). */
  settings: { target: string; connections: number; roundDurationSec: number; warmupSec: number | 'auto' }
  arms: Record<string, { samplingRate: number | null; metrics: Partial<Record<MetricName, BlockSummary>> }>
  intervals: RecordedInterval[]
}

/** A change point announced by an earlier record run (so it is announced once). */
export interface AnnouncedChangePoint {
  series: string
  commit: string
  time: string
}

export interface MainHistoryFile {
  schema: typeof MAIN_HISTORY_SCHEMA
  version: typeof MAIN_HISTORY_VERSION
  limits: { maxEntries: number; detailedEntries: number }
  /** What compaction did so far: entries dropped (oldest first) and entries whose blocks were removed. */
  compaction: { dropped: number; summarised: number }
  entries: MainHistoryEntry[]
  announced: AnnouncedChangePoint[]
}

/** An empty history with the given limits. */
export function emptyMainHistory(
  maxEntries: number = DEFAULT_MAX_ENTRIES,
  detailedEntries: number = DEFAULT_DETAILED_ENTRIES
): MainHistoryFile {
  if (!(Number.isInteger(maxEntries) && maxEntries >= 1))
    throw new RangeError(`maxEntries must be a positive integer, got ${String(maxEntries)}`)
  if (!(Number.isInteger(detailedEntries) && detailedEntries >= 0))
    throw new RangeError(`detailedEntries must be an integer ≥ 0, got ${String(detailedEntries)}`)
  return {
    schema: MAIN_HISTORY_SCHEMA,
    version: MAIN_HISTORY_VERSION,
    limits: { maxEntries, detailedEntries },
    compaction: { dropped: 0, summarised: 0 },
    entries: [],
    announced: []
  }
}

function summary(values: readonly number[]): BlockSummary | null {
  const logs = values.filter((v) => Number.isFinite(v) && v > 0).map(Math.log)
  // A metric with a 0 or non-finite block (no 2xx answer, no /proc) is not summarised: a trend of it would lie.
  if (logs.length === 0 || logs.length !== values.length) return null
  const m = logs.reduce((s, x) => s + x, 0) / logs.length
  const sd = logs.length >= 2 ? Math.sqrt(logs.reduce((s, x) => s + (x - m) ** 2, 0) / (logs.length - 1)) : null
  return { n: logs.length, geoMean: Math.exp(m), logSd: sd, blocks: [...values] }
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null)

/**
 * The entry of a measured run: per arm and metric its blocks (primary phase), and every comparison's
 * interval. `valueOf` is the metric registry's (metrics.ts), passed in so this module stays below it.
 * Throws when the run has no commit (an entry must say which commit it measured) or no rounds.
 */
export function entryFromResults(
  results: ResultsFile,
  valueOf: (round: ResultsFile['rounds'][number], metric: MetricName) => number
): MainHistoryEntry {
  const commit = results.git.sha
  if (commit === undefined || commit === '')
    throw new Error(
      'the run has no commit SHA (GITHUB_SHA or --sha): a history entry must say which commit it measured'
    )
  if (results.rounds.length === 0) throw new Error('the run measured no rounds: nothing to record')
  const arms: MainHistoryEntry['arms'] = {}
  for (const arm of results.plan.arms) {
    const rounds = results.rounds.filter((r) => r.armId === arm.id).sort((a, b) => a.block - b.block)
    if (rounds.length === 0) continue
    const metrics: Partial<Record<MetricName, BlockSummary>> = {}
    for (const metric of ['qps', 'p99', 'cpu'] as const) {
      let values: number[]
      try {
        values = rounds.map((r) => valueOf(r, metric))
      } catch {
        continue // e.g. CPU without /proc samples: the metric was not measured
      }
      const s = summary(values)
      if (s !== null) metrics[metric] = s
    }
    arms[arm.id] = { samplingRate: arm.samplingRate ?? null, metrics }
  }
  return {
    commit,
    time: results.createdAt,
    ...(results.git.ref !== undefined ? { ref: results.git.ref } : {}),
    ...(results.git.runUrl !== undefined ? { runUrl: results.git.runUrl } : {}),
    runner: { ...results.machine },
    settings: {
      target: results.settings.target,
      connections: results.settings.connections,
      roundDurationSec: results.settings.roundDurationSec,
      warmupSec: results.settings.warmupSec
    },
    arms,
    intervals: results.comparisons
      .filter((c) => Number.isFinite(c.meanLogRatio))
      .map((c) => ({
        kind: c.kind,
        armId: c.armId,
        referenceArmId: c.referenceArmId,
        metric: c.metric,
        n: c.n,
        ratio: Math.exp(c.meanLogRatio),
        overhead: c.overhead,
        ciLow: finiteOrNull(c.ciLow),
        ciHigh: finiteOrNull(c.ciHigh),
        confidence: c.confidence
      }))
  }
}

/**
 * The history with `entry` appended (pure; inserted after the entries not newer than it), then compacted: entries
 * beyond `limits.maxEntries` are dropped oldest first, and entries older than the newest `limits.detailedEntries`
 * lose their per-block values. Announcements of change points at dropped commits are dropped with them.
 */
export function appendEntry(file: MainHistoryFile, entry: MainHistoryEntry): MainHistoryFile {
  const { maxEntries, detailedEntries } = file.limits
  // In time order, not arrival order: of two record runs racing for a shared store (a data branch), the
  // one measured first may write last, and the history must stay oldest first (validated on read).
  let at = file.entries.length
  while (at > 0 && Date.parse(file.entries[at - 1].time) > Date.parse(entry.time)) at--
  const all = [...file.entries.slice(0, at), entry, ...file.entries.slice(at)]
  const dropped = Math.max(0, all.length - maxEntries)
  const kept = all.slice(dropped)
  let summarised = 0
  const entries = kept.map((e, i) => {
    if (i >= kept.length - detailedEntries) return e
    const hasBlocks = Object.values(e.arms).some((a) => Object.values(a.metrics).some((m) => m?.blocks !== undefined))
    if (!hasBlocks) return e
    summarised++
    const arms: MainHistoryEntry['arms'] = {}
    for (const [id, a] of Object.entries(e.arms)) {
      const metrics: Partial<Record<MetricName, BlockSummary>> = {}
      for (const [k, m] of Object.entries(a.metrics) as [MetricName, BlockSummary][]) {
        const { blocks: _blocks, ...rest } = m
        metrics[k] = rest
      }
      arms[id] = { samplingRate: a.samplingRate, metrics }
    }
    return { ...e, arms }
  })
  const commits = new Set(entries.map((e) => e.commit))
  return {
    ...file,
    compaction: { dropped: file.compaction.dropped + dropped, summarised: file.compaction.summarised + summarised },
    entries,
    announced: file.announced.filter((a) => commits.has(a.commit))
  }
}

/** Whether two entries measured the same thing (same settings; the runner may differ and is reported). */
export function sameSettings(a: MainHistoryEntry, b: MainHistoryEntry): boolean {
  return (
    a.settings.target === b.settings.target &&
    a.settings.connections === b.settings.connections &&
    a.settings.roundDurationSec === b.settings.roundDurationSec &&
    a.settings.warmupSec === b.settings.warmupSec
  )
}

/** One series of the trend: a value per entry (null where the entry lacks it). */
export interface TrendSeries {
  /** Stable id, e.g. `qps:off`, `overhead:qps:on-1%`. */
  id: string
  /** For people: `QPS of off`, `QPS ratio on-1% / off`. */
  label: string
  /** Whether a higher value is worse (P99, CPU, an overhead ratio of P99) or better (QPS, a QPS ratio). */
  higherIsWorse: boolean
  values: (number | null)[]
}

const LABELS: Record<MetricName, string> = { qps: 'QPS', p99: 'P99', cpu: 'CPU per request' }

/**
 * The series the trend and the change points read, over `entries`: QPS, P99 and CPU of the off arm
 * (typical block) and, per traced arm of the tracing-overhead comparisons, the ratio traced / off
 * (the overhead as a positive number whose relative change is meaningful).
 */
export function trendSeries(entries: readonly MainHistoryEntry[]): TrendSeries[] {
  const out: TrendSeries[] = []
  for (const metric of ['qps', 'p99', 'cpu'] as const) {
    const values = entries.map((e) => e.arms.off?.metrics[metric]?.geoMean ?? null)
    if (values.some((v) => v !== null))
      out.push({ id: `${metric}:off`, label: `${LABELS[metric]} of off`, higherIsWorse: metric !== 'qps', values })
  }
  const overheadArms = new Map<string, Set<MetricName>>()
  for (const e of entries)
    for (const c of e.intervals)
      if (c.kind === 'overhead') overheadArms.set(c.armId, (overheadArms.get(c.armId) ?? new Set()).add(c.metric))
  for (const [armId, metrics] of overheadArms)
    for (const metric of ['qps', 'p99', 'cpu'] as const) {
      if (!metrics.has(metric)) continue
      const values = entries.map(
        (e) => e.intervals.find((c) => c.kind === 'overhead' && c.armId === armId && c.metric === metric)?.ratio ?? null
      )
      out.push({
        id: `overhead:${metric}:${armId}`,
        label: `${LABELS[metric]} ratio ${armId} / off`,
        higherIsWorse: metric !== 'qps',
        values
      })
    }
  return out
}
