import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  appendEntry,
  emptyMainHistory,
  entryFromResults,
  trendSeries,
  type MainHistoryFile
} from '../../../src/results/main-history.js'
import {
  MainHistoryError,
  readMainHistory,
  validateMainHistory,
  writeMainHistory
} from '../../../src/results/main-history-file.js'
import { metricValue } from '../../../src/metrics.js'
import { sampleResults } from '../../helpers/results.js'
import { makeEntry } from '../../helpers/main-history.js'

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'main-history-'))
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

function historyOf(n: number, limits?: [number, number]): MainHistoryFile {
  let h = emptyMainHistory(...(limits ?? []))
  for (let k = 0; k < n; k++) h = appendEntry(h, makeEntry(k, 1000))
  return h
}

test('an entry from a results file: commit, time, runner, per-arm block summaries and the intervals', () => {
  const r = sampleResults({ sha: 'c'.repeat(40), ref: 'refs/heads/main' })
  const e = entryFromResults(r, metricValue)
  expect(e.commit).toBe('c'.repeat(40))
  expect(e.time).toBe(r.createdAt)
  expect(e.ref).toBe('refs/heads/main')
  expect(e.runner).toEqual(r.machine)
  expect(e.arms.off.metrics.qps?.n).toBe(8)
  expect(e.arms.off.metrics.qps?.blocks).toEqual([1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007])
  const geo = Math.exp([0, 1, 2, 3, 4, 5, 6, 7].reduce((s, b) => s + Math.log(1000 + b), 0) / 8)
  expect(e.arms.off.metrics.qps?.geoMean).toBeCloseTo(geo, 9)
  expect(e.arms['on@1'].samplingRate).toBe(1)
  expect(e.intervals).toHaveLength(1)
  expect(e.intervals[0]).toMatchObject({ kind: 'overhead', armId: 'on@1', metric: 'qps', n: 8 })
  expect(e.intervals[0].ratio).toBeCloseTo(Math.exp(r.comparisons[0].meanLogRatio), 12)
  expect(e.intervals[0].ciLow).toBeCloseTo(r.comparisons[0].ciLow, 12)
})

test('a run without a commit cannot be recorded', () => {
  expect(() => entryFromResults(sampleResults({}), metricValue)).toThrow(/no commit SHA/)
})

test('compaction: oldest entries dropped beyond maxEntries, blocks removed beyond detailedEntries, counted', () => {
  const h = historyOf(12, [10, 3])
  expect(h.entries).toHaveLength(10)
  expect(h.entries[0].commit).toBe(makeEntry(2, 1000).commit)
  expect(h.compaction.dropped).toBe(2)
  const withBlocks = h.entries.map((e) => e.arms.off.metrics.qps?.blocks !== undefined)
  expect(withBlocks).toEqual([false, false, false, false, false, false, false, true, true, true])
  // Summaries stay: the trend reads them.
  expect(h.entries.every((e) => e.arms.off.metrics.qps!.geoMean > 0)).toBe(true)
  expect(h.compaction.summarised).toBe(9) // each entry is summarised once, when it leaves the newest 3
})

test('announcements of dropped commits are dropped with them', () => {
  let h = historyOf(3, [3, 3])
  h = { ...h, announced: [{ series: 'qps:off', commit: h.entries[0].commit, time: h.entries[0].time }] }
  h = appendEntry(h, makeEntry(3, 1000))
  expect(h.announced).toEqual([])
})

test('trend series: off arm per metric and the overhead ratio per traced arm, null where missing', () => {
  const entries = [makeEntry(0, 1000), { ...makeEntry(1, 1000), intervals: [] }]
  const s = trendSeries(entries)
  expect(s.map((x) => x.id)).toEqual(['qps:off', 'overhead:qps:on@1'])
  expect(s[1].values[1]).toBeNull()
  expect(s[0].higherIsWorse).toBe(false)
})

test('write then read gives the same history; a missing file is an empty one', () => {
  const file = path.join(tmp, 'round-trip', 'history.json')
  expect(readMainHistory(file, { maxEntries: 7, detailedEntries: 2 })).toEqual(emptyMainHistory(7, 2))
  const h = historyOf(4)
  writeMainHistory(file, h)
  expect(readMainHistory(file)).toEqual(h)
  expect(fs.readdirSync(path.dirname(file))).toEqual(['history.json']) // no temporary file left
})

describe('a corrupt or foreign file is an error naming the path, never a reset', () => {
  const write = (name: string, text: string): string => {
    const f = path.join(tmp, name)
    fs.writeFileSync(f, text)
    return f
  }
  const valid = (): Record<string, unknown> => JSON.parse(JSON.stringify(historyOf(2))) as Record<string, unknown>
  test.each([
    ['not JSON', '{"schema": "otlp-perf-gate/main-history", ', /main history: '.*not-json\.json' is not valid JSON/i],
    ['foreign', JSON.stringify({ entries: [] }), /is not a main history of otlp-perf-gate .*got no schema field/],
    [
      'results file',
      JSON.stringify({ schema: 'otlp-perf-gate/results', version: 1 }),
      /expected "schema": "otlp-perf-gate\/main-history", got "otlp-perf-gate\/results"/
    ],
    [
      'newer',
      JSON.stringify({ ...valid(), version: 2 }),
      /version 2 is not the version this gate reads \(1\); update the action/
    ],
    ['array', '[]', /is not a main history/]
  ])('%s', (name, text, message) => {
    const f = write(`${name.replace(/ /g, '-')}.json`, text)
    expect(() => readMainHistory(f)).toThrow(MainHistoryError)
    expect(() => readMainHistory(f)).toThrow(message)
    expect(() => readMainHistory(f)).toThrow(f)
  })

  test('a bad field is named', () => {
    const h = valid() as { entries: { commit: unknown; arms: { off: { metrics: { qps: { geoMean: unknown } } } } }[] }
    h.entries[1].arms.off.metrics.qps.geoMean = -3
    const f = write('bad-field.json', JSON.stringify(h))
    expect(() => readMainHistory(f)).toThrow(
      /damaged main history: 'entries\[1\]\.arms\.off\.metrics\.qps\.geoMean' must be > 0/
    )
    delete (h.entries[0] as { commit?: unknown }).commit
    fs.writeFileSync(f, JSON.stringify(h))
    expect(() => readMainHistory(f)).toThrow(/'entries\[0\]\.commit' is missing/)
  })

  test('entries out of time order are refused', () => {
    const h = valid() as { entries: { time: string }[] }
    h.entries.reverse()
    const f = write('order.json', JSON.stringify(h))
    expect(() => readMainHistory(f)).toThrow(/'entries\[1\]\.time' .* is before the entry above it/)
  })
})

test('an entry measured before the newest one (a record run that lost a race) goes in time order', () => {
  let h = emptyMainHistory(3, 1)
  for (const k of [0, 2, 3]) h = appendEntry(h, makeEntry(k, 1000))
  h = appendEntry(h, makeEntry(1, 1000))
  // Time order kept; the oldest dropped by the limit of 3.
  expect(h.entries.map((e) => e.commit)).toEqual([1, 2, 3].map((k) => makeEntry(k, 1).commit))
  expect(h.compaction.dropped).toBe(1)
  expect(() => validateMainHistory(JSON.parse(JSON.stringify(h)), 'h.json')).not.toThrow()
})
