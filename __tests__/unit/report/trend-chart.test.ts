/**
 * Main's trend in the PR comment (report/trend-chart.ts): exact mermaid text for a history with a
 * step in the tracing overhead (a change point, marked by a bar and a note) and the PR as last point.
 */
import { renderTrend } from '../../../src/report/trend-chart.js'
import { appendEntry, emptyMainHistory, type MainHistoryFile } from '../../../src/results/main-history.js'
import { makeEntry } from '../../helpers/main-history.js'

/** 20 entries of main: the traced/off QPS ratio 0.90 (overhead 10 %), 0.80 from entry 10 on, ±0.002 alternating. */
function steppedHistory(n = 20): MainHistoryFile {
  let h = emptyMainHistory()
  for (let k = 0; k < n; k++) {
    const e = makeEntry(k, 1000)
    const ratio = (k < 10 ? 0.9 : 0.8) + (k % 2 === 1 ? 0.002 : 0)
    e.intervals = e.intervals.map((c) => ({ ...c, ratio, overhead: 1 - ratio }))
    h = appendEntry(h, e)
  }
  return h
}

const commits = (ks: number[]): string => ks.map((k) => `"${k.toString(16).padStart(4, '0')}ccc"`).join(', ')

test('a chart of the overhead per rate, the change point as a bar and a note, the PR last', () => {
  const ks = Array.from({ length: 20 }, (_, k) => k)
  const overhead = ks.map((k) => (k < 10 ? (k % 2 ? '9.8' : '10.0') : k % 2 ? '19.8' : '20.0'))
  expect(renderTrend(steppedHistory(), [{ armId: 'on@1', overhead: 0.215 }])).toBe(
    [
      "### Main's trend",
      '',
      '```mermaid',
      'xychart-beta',
      `    title "QPS overhead at 100 %: main's last 20 runs, then this PR"`,
      `    x-axis [${commits(ks)}, "PR"]`,
      '    y-axis "QPS overhead (%)"',
      `    line [${overhead.join(', ')}, 21.5]`,
      `    bar [${ks.map((k) => (k === 10 ? '20.0' : '0')).join(', ')}, 0]`,
      '```',
      '',
      '- Change point at 100 %: from `000acccccccc` (2026-11-01) the QPS overhead went from 9.9 % to 19.9 % ' +
        '(worse, p = 1.9e-32).',
      ''
    ].join('\n')
  )
})

test('the newest entries only, no bar without a change point in view, no PR point without a PR result', () => {
  const text = renderTrend(steppedHistory(8), [], undefined, 5)
  expect(text).toBe(
    [
      "### Main's trend",
      '',
      '```mermaid',
      'xychart-beta',
      `    title "QPS overhead at 100 %: main's last 5 runs"`,
      `    x-axis [${commits([3, 4, 5, 6, 7])}]`,
      '    y-axis "QPS overhead (%)"',
      '    line [9.8, 10.0, 9.8, 10.0, 9.8]',
      '```',
      '',
      'No change point in these series of main (bars would mark one).',
      ''
    ].join('\n')
  )
})

test('nothing below 2 comparable entries', () => {
  expect(renderTrend(emptyMainHistory(), [{ armId: 'on@1', overhead: 0.1 }])).toBe('')
  expect(renderTrend(steppedHistory(1), [{ armId: 'on@1', overhead: 0.1 }])).toBe('')
})
