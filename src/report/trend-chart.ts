/**
 * Main's trend in the PR comment: a mermaid `xychart-beta` (GitHub renders it) of the QPS overhead of
 * each traced rate over the last runs of main, with this PR's own result as the last point. Pure.
 *
 * What GitHub's mermaid can draw decides the marking of change points: an xychart has lines and bars
 * but no annotations, vertical rules or legend. So each change point is a bar at its entry (the
 * bars are zero elsewhere), and a note under the chart names its commit, time and change — the note
 * is what a screen reader and a reviewer without mermaid get. One chart per rate (one y-axis each,
 * and without a legend two lines could not be told apart).
 */
import { historyChangePoints, type HistoryChangePoint } from '../analysis/trend.js'
import { DEFAULT_CHANGE_POINT_OPTIONS, type ChangePointOptions } from '../analysis/change-points.js'
import type { MainHistoryFile } from '../results/main-history.js'
import { codeSpan, escapeMarkdown } from '../format.js'
import { chartText } from './chart.js'

/** Runs of main drawn by default: about a month of daily runs, still readable as x labels. */
export const DEFAULT_TREND_ENTRIES = 20

/** This PR's QPS overhead per traced arm (a fraction), from its results' overhead comparisons. */
export interface PrOverhead {
  armId: string
  overhead: number
}

const pct = (x: number): string => (x * 100).toFixed(1)
const label = (armId: string): string => {
  const rate = /^on@([0-9.]+)$/.exec(armId)
  return rate === null ? chartText(armId, 24) : `${Number((Number(rate[1]) * 100).toPrecision(6))} %`
}

/** The chart of one series (`overhead:qps:<arm>`) and its change-point notes, or null with < 2 points. */
function seriesChart(
  armId: string,
  values: readonly (number | null)[],
  commits: readonly string[],
  points: readonly HistoryChangePoint[],
  pr: PrOverhead | undefined,
  last: number
): string | null {
  // Overhead = 1 − ratio (traced / off); entries without the arm are left out, not drawn as 0.
  const drawn = values.flatMap((v, k) => (v === null ? [] : [{ k, overhead: 1 - v }])).slice(-last)
  if (drawn.length < 2) return null
  const at = new Set(points.map((p) => commits.indexOf(p.commit)))
  const xs = drawn.map((d) => `"${commits[d.k].slice(0, 7)}"`)
  const ys = drawn.map((d) => pct(d.overhead))
  const marks = drawn.map((d) => (at.has(d.k) ? pct(d.overhead) : '0'))
  if (pr !== undefined && Number.isFinite(pr.overhead)) {
    xs.push('"PR"')
    ys.push(pct(pr.overhead))
    marks.push('0')
  }
  const lines = [
    '```mermaid',
    'xychart-beta',
    `    title "QPS overhead at ${label(armId)}: main's last ${drawn.length} runs` +
      `${pr !== undefined ? ', then this PR' : ''}"`,
    `    x-axis [${xs.join(', ')}]`,
    '    y-axis "QPS overhead (%)"',
    `    line [${ys.join(', ')}]`
  ]
  if (marks.some((m) => m !== '0')) lines.push(`    bar [${marks.join(', ')}]`)
  lines.push('```')
  return lines.join('\n')
}

/**
 * The trend section: one chart per traced arm with an overhead series in `history` (its comparable
 * entries, the newest `last`), bars at change points, the PR's overhead last; then a note per change
 * point of those series. Empty when the history has fewer than 2 comparable entries.
 */
export function renderTrend(
  history: MainHistoryFile,
  pr: readonly PrOverhead[],
  options: ChangePointOptions = DEFAULT_CHANGE_POINT_OPTIONS,
  last: number = DEFAULT_TREND_ENTRIES
): string {
  const { series, points, indices } = historyChangePoints(history, options)
  if (indices.length < 2) return ''
  const commits = indices.map((i) => history.entries[i].commit)
  const out: string[] = []
  const notes: string[] = []
  for (const s of series) {
    const armId = /^overhead:qps:(.+)$/.exec(s.id)?.[1]
    if (armId === undefined) continue
    const own = points.filter((p) => p.series === s.id)
    const chart = seriesChart(
      armId,
      s.values,
      commits,
      own,
      pr.find((p) => p.armId === armId),
      last
    )
    if (chart === null) continue
    out.push(chart)
    for (const p of own)
      notes.push(
        `- Change point at ${label(armId)}: from ${codeSpan(p.commit.slice(0, 12))} ` +
          `(${escapeMarkdown(p.time.slice(0, 10))}) the QPS overhead went from ${pct(1 - p.before)} % to ` +
          `${pct(1 - p.after)} % (${p.worse ? 'worse' : 'better'}, p = ${p.pValue.toPrecision(2)}).`
      )
  }
  if (out.length === 0) return ''
  return [
    "### Main's trend",
    '',
    out.join('\n\n'),
    '',
    notes.length > 0 ? notes.join('\n') : 'No change point in these series of main (bars would mark one).',
    ''
  ].join('\n')
}
