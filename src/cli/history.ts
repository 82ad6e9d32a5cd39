/**
 * `otlp-perf-gate history <path>`: print main's history (the entries, a column per series) and its
 * change points, as `mode: record` finds them. Reads only; the file is validated as the action does.
 */
import * as path from 'node:path'
import { historyChangePoints, currentSegment } from '../analysis/trend.js'
import { readMainHistory, MainHistoryError } from '../results/main-history-file.js'
import { UnreadableFileError } from '../results/read.js'
import { changePointLine } from '../gate/record.js'

export const HISTORY_USAGE = 'usage: otlp-perf-gate history <path of the history JSON written by mode: record>'

/** Runs the subcommand; returns the exit code (0 printed, 2 usage or unreadable file). */
export function runHistoryCommand(
  argv: readonly string[],
  io: { stdout: { write(t: string): unknown }; stderr: { write(t: string): unknown }; cwd: string }
): number {
  if (argv.length !== 1 || argv[0].startsWith('-')) {
    io.stderr.write(
      `otlp-perf-gate history: expected one path, got ` +
        `${argv.length === 0 ? 'none' : `'${argv.join(' ')}'`}\n${HISTORY_USAGE}\n`
    )
    return 2
  }
  const file = path.resolve(io.cwd, argv[0])
  let history
  try {
    // A missing file is not an empty history here: the user asked to see one.
    history = readMainHistory(file)
    if (history.entries.length === 0 && history.compaction.dropped === 0) {
      io.stderr.write(`otlp-perf-gate history: no history at '${file}' (mode: record creates it)\n`)
      return 2
    }
  } catch (e) {
    if (e instanceof MainHistoryError || e instanceof UnreadableFileError) {
      io.stderr.write(`otlp-perf-gate history: ${e.message}\n`)
      return 2
    }
    throw e
  }
  const { series, points, indices } = historyChangePoints(history)
  const starts = new Set(points.map((p) => p.entryIndex))
  const out: string[] = [
    `${file}: ${history.entries.length} entries (at most ${history.limits.maxEntries}; ${history.compaction.dropped} ` +
      `older dropped)`,
    ''
  ]
  const header = ['#', 'commit', 'time', ...series.map((s) => s.id)]
  const rows = indices.map((i, k) => {
    const e = history.entries[i]
    return [
      `${starts.has(i) ? '▶' : ' '}${i + 1}`,
      e.commit.slice(0, 12),
      e.time.replace(/\.\d+Z$/, 'Z'),
      ...series.map((s) => (s.values[k] === null ? '—' : (s.values[k] as number).toPrecision(5)))
    ]
  })
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)))
  for (const r of [header, ...rows])
    out.push(
      r
        .map((x, c) => x.padEnd(widths[c]))
        .join('  ')
        .trimEnd()
    )
  const skipped = history.entries.length - indices.length
  if (skipped > 0) out.push('', `${skipped} entries measured with other settings than the newest are not shown.`)
  out.push('')
  if (points.length === 0) out.push('No change point.')
  else {
    out.push(`Change points (▶ marks the first entry of a new segment):`)
    for (const p of points) out.push(`  ${changePointLine(p).replace(/`/g, '')}`)
  }
  const seg = currentSegment(history)
  if (seg !== null)
    out.push(
      '',
      `Current segment: ${seg.commits.length} entries since ${seg.startCommit.slice(0, 12)} (${seg.startTime})${
        seg.changePoint === null ? ', the whole history (no change point of the off arm)' : ''
      }`
    )
  io.stdout.write(`${out.join('\n')}\n`)
  return 0
}
