import { appendEntry, emptyMainHistory, type MainHistoryFile } from '../../../src/results/main-history.js'
import { announce, currentSegment, historyChangePoints, unannounced } from '../../../src/analysis/trend.js'
import { makeEntry } from '../../helpers/main-history.js'

/** 30 runs of main, QPS 1000 then 900 (a 10 % slowdown) from entry 15 on. */
function slowdown(n = 30, at = 15): MainHistoryFile {
  let h = emptyMainHistory()
  for (let k = 0; k < n; k++) h = appendEntry(h, makeEntry(k, k >= at ? 900 : 1000))
  return h
}

test('a slowdown of main is a change point at its first entry, worse, with the commit that started it', () => {
  const h = slowdown()
  const { points } = historyChangePoints(h)
  expect(points.map((p) => [p.series, p.entryIndex])).toEqual([['qps:off', 15]])
  expect(points[0].commit).toBe(h.entries[15].commit)
  expect(points[0].worse).toBe(true)
  expect(points[0].change).toBeCloseTo(-0.1, 2)
})

test('the current segment starts at the last change point of the off arm', () => {
  const h = slowdown()
  const seg = currentSegment(h)!
  expect(seg.startIndex).toBe(15)
  expect(seg.startCommit).toBe(h.entries[15].commit)
  expect(seg.commits).toEqual(h.entries.slice(15).map((e) => e.commit))
  expect(seg.changePoint?.series).toBe('qps:off')
})

test('without a change point the segment is the whole history; an empty history has none', () => {
  let h = emptyMainHistory()
  for (let k = 0; k < 10; k++) h = appendEntry(h, makeEntry(k, 1000))
  expect(currentSegment(h)).toMatchObject({ startIndex: 0, changePoint: null })
  expect(currentSegment(h)!.commits).toHaveLength(10)
  expect(currentSegment(emptyMainHistory())).toBeNull()
})

test('a change point is announced once, even when it moves by one entry as runs arrive', () => {
  let h = slowdown(20)
  const first = unannounced(h, historyChangePoints(h).points)
  expect(first.map((p) => p.entryIndex)).toEqual([15])
  h = announce(h, first)
  expect(unannounced(h, historyChangePoints(h).points)).toEqual([])
  // The same change point, now found one entry later, is not new.
  const moved = { ...historyChangePoints(h).points[0], entryIndex: 16 }
  expect(unannounced(h, [moved])).toEqual([])
  // A second slowdown later is.
  for (let k = 20; k < 40; k++) h = appendEntry(h, makeEntry(k, k >= 30 ? 800 : 900))
  expect(unannounced(h, historyChangePoints(h).points).map((p) => p.entryIndex)).toEqual([30])
})

test('entries measured with other settings are left out of the trend', () => {
  let h = slowdown()
  const other = makeEntry(30, 500)
  h = appendEntry(h, { ...other, settings: { ...other.settings, connections: 10 } })
  // The newest entry's settings define the comparable set: only it remains, so nothing to compare.
  expect(historyChangePoints(h).points).toEqual([])
  expect(currentSegment(h)).toMatchObject({ startIndex: 30, commits: [other.commit] })
})
