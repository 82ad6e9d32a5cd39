import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { changePointOutput, recordMarkdown, recordPure, recordRun } from '../../../src/gate/record.js'
import { appendEntry, emptyMainHistory } from '../../../src/results/main-history.js'
import { writeMainHistory } from '../../../src/results/main-history-file.js'
import { runCli } from '../../../src/cli/run.js'
import { parseConfig } from '../../../src/config/config.js'
import { sampleResults } from '../../helpers/results.js'
import { normals } from '../../helpers/series.js'
import type { ResultsFile } from '../../../src/results/results.js'
import { makeEntry } from '../../helpers/main-history.js'
import { captureIo } from '../../helpers/cli.js'
import { readResultsFile } from '../../../src/results/read.js'

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'record-'))
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

/** 20 entries of main, 10 % slower from entry 10 on. */
function slowHistory() {
  let h = emptyMainHistory()
  for (let k = 0; k < 20; k++) h = appendEntry(h, makeEntry(k, k >= 10 ? 900 : 1000))
  return h
}

/** Run `k` of main: the sample run with its off arm's QPS × `scale` and 1 % seeded noise per block. */
function mainRun(k: number, scale: number): ResultsFile {
  const r = sampleResults({ sha: (k + 1).toString(16).padStart(40, '0') })
  r.createdAt = new Date(Date.UTC(2026, 11, 1) + k * 86_400_000).toISOString()
  const z = normals(100 + k)
  for (const round of r.rounds) {
    const f = (round.armId === 'off' ? scale : 1) * Math.exp(0.01 * z())
    round.load.qps *= f
    round.load.ok *= f
  }
  return r
}

test('recordPure appends each run and announces the slowdown once, at its first entry', () => {
  let h = emptyMainHistory()
  const announced: [number, string, number][] = []
  for (let k = 0; k < 24; k++) {
    const { file, outcome } = recordPure(h, mainRun(k, k >= 12 ? 0.9 : 1))
    h = file
    expect(outcome.entries).toBe(k + 1)
    for (const p of outcome.newChangePoints) announced.push([k, p.series, p.entryIndex])
  }
  expect(announced).toHaveLength(1)
  expect(announced[0].slice(1)).toEqual(['qps:off', 12])
  expect(h.announced).toEqual([{ series: 'qps:off', commit: h.entries[12].commit, time: h.entries[12].time }])
})

/** A change point of off's QPS, 10 % worse; `commit` and `entryIndex` as given. */
function changePoint(commit: string, entryIndex: number) {
  return {
    series: 'qps:off',
    label: 'QPS of off',
    entryIndex,
    commit,
    time: '2026-12-01T00:00:00.000Z',
    before: 1000,
    after: 900,
    change: -0.1,
    worse: true,
    pValue: 1e-9
  }
}

test('recordMarkdown and changePointOutput say what is new', () => {
  const p = changePoint('a'.repeat(40), 10)
  const o = { path: 'perf/h.json', entries: 20, changePoints: [p], newChangePoints: [p] }
  const md = recordMarkdown(o)
  expect(md).toContain('Recorded this run as entry 20 of `perf/h.json`.')
  expect(md).toContain('**New change point:**')
  expect(md).toContain(
    'QPS of off: worse from `aaaaaaaaaaaa` (2026-12-01T00:00:00.000Z), 1000 → 900.0 (-10.0 %, p = 1.0e-9)'
  )
  expect(JSON.parse(changePointOutput(o))).toEqual([
    {
      series: 'qps:off',
      commit: p.commit,
      time: p.time,
      before: 1000,
      after: 900,
      change: -0.1,
      worse: true,
      pValue: 1e-9
    }
  ])
  expect(changePointOutput({ ...o, newChangePoints: [] })).toBe('')
  expect(recordMarkdown({ ...o, newChangePoints: [] })).toContain('No new change point.')
})

test('a hostile commit or path in the history cannot leave its code span or forge a comment marker', () => {
  const p = changePoint('a`<!--x-->b\n## y', 3)
  const md = recordMarkdown({
    path: 'h`<!-- otlp-perf-gate -->.json',
    entries: 4,
    changePoints: [p],
    newChangePoints: [p]
  })
  expect(md).not.toContain('<!--')
  // The commit is cut to 12 characters and its newline flattened: nothing reaches a line of its own.
  expect(md).toContain('from ``a`<! --x-- >b `` (')
  expect(md).toContain('``h`<! -- otlp-perf-gate -- >.json``')
})

test('recordRun refuses a foreign file and leaves it as it was', () => {
  const file = path.join(tmp, 'foreign.json')
  fs.writeFileSync(file, '{"hello": 1}')
  expect(() => recordRun(file, sampleResults())).toThrow(/is not a main history of otlp-perf-gate/)
  expect(fs.readFileSync(file, 'utf8')).toBe('{"hello": 1}')
})

test("mode: record takes 'history-path' or the data branch; the detector's inputs are validated", () => {
  // No history-path: the action's store is the data branch (main.ts refuses to record without a token).
  expect(parseConfig({ 'start-command': 'x', mode: 'record' })).toMatchObject({
    mode: 'record',
    historyPath: null,
    historyBranch: 'otlp-perf-gate-data',
    historyBranchPath: 'main-history.json',
    changePointAlpha: 0.001,
    changePointMinEffect: 0.02
  })
  expect(
    parseConfig({
      'start-command': 'x',
      mode: 'record',
      'history-path': 'h.json',
      'change-point-alpha': '0.01',
      'change-point-min-effect': '5'
    })
  ).toMatchObject({ mode: 'record', historyPath: 'h.json', changePointAlpha: 0.01, changePointMinEffect: 0.05 })
  expect(() => parseConfig({ 'start-command': 'x', mode: 'verify' })).toThrow(/'mode'/)
  const cases: [string, string, string][] = [
    ['change-point-alpha', '0', "'change-point-alpha' must be a p-value above 0 and at most 0.2, got '0'"],
    ['change-point-alpha', '0.5', "'change-point-alpha' must be a p-value above 0 and at most 0.2, got '0.5'"],
    ['change-point-min-effect', '-1', "'change-point-min-effect' must be a percentage from 0 to 99, got '-1'"],
    ['history-branch', 'a..b', "'history-branch' must be a git branch name such as otlp-perf-gate-data, got 'a..b'"],
    ['history-branch', 'x y', "'history-branch' must be a git branch name such as otlp-perf-gate-data, got 'x y'"],
    [
      'history-branch-path',
      '../h.json',
      "'history-branch-path' must be a relative file path on the branch such as 'main-history.json', got '../h.json'"
    ],
    [
      'history-branch-path',
      '/h.json',
      "'history-branch-path' must be a relative file path on the branch such as 'main-history.json', got '/h.json'"
    ]
  ]
  for (const [input, value, message] of cases)
    expect(() => parseConfig({ 'start-command': 'x', mode: 'record', [input]: value })).toThrow(message)
  expect(parseConfig({ 'start-command': 'x', 'history-branch': 'perf/data-v1' }).historyBranch).toBe('perf/data-v1')
})

test("the CLI refuses 'mode: record' without --history-path before measuring", async () => {
  const c = captureIo(tmp)
  const code = await runCli(['--start-command', 'node -e 0', '--mode', 'record'], c.io)
  expect(code).not.toBe(0)
  expect(c.stderr()).toContain("'mode: record' needs '--history-path'")
})

test('otlp-perf-gate history prints the series, the change point and the current segment', async () => {
  const file = path.join(tmp, 'cli.json')
  writeMainHistory(file, slowHistory())
  const c = captureIo(tmp)
  expect(await runCli(['history', 'cli.json'], c.io)).toBe(0)
  const out = c.stdout()
  expect(out).toContain('20 entries (at most 500; 0 older dropped)')
  expect(out).toMatch(/^#  +commit +time +qps:off +overhead:qps:on@1$/m)
  expect(out).toMatch(/^▶11 +000acccccccc /m)
  expect(out).toContain('QPS of off: worse from 000acccccccc')
  expect(out).toContain('Current segment: 10 entries since 000acccccccc')
})

test('otlp-perf-gate history: a missing, foreign or absent path is exit 2 with the reason', async () => {
  for (const [argv, message] of [
    [['history'], /expected one path, got none/],
    [['history', 'nope.json'], /no history at '.*nope\.json'/],
    [['history', 'foreign.json'], /is not a main history/]
  ] as const) {
    const c = captureIo(tmp)
    expect(await runCli([...argv], c.io)).toBe(2)
    expect(c.stderr()).toMatch(message)
  }
})

test('a results file (mode: report, untrusted) with a malformed baseline segment is refused by name', () => {
  const r = sampleResults()
  const file = path.join(tmp, 'segment.json')
  const segment = { startCommit: 'a'.repeat(40), startTime: '2026-12-01T00:00:00Z', entries: 3, storedRuns: 3 }
  fs.writeFileSync(file, JSON.stringify({ ...r, baseline: { source: 'stored', status: 'ok', segment } }))
  expect(readResultsFile(file).baseline.segment).toEqual(segment)
  fs.writeFileSync(
    file,
    JSON.stringify({ ...r, baseline: { source: 'stored', status: 'ok', segment: { ...segment, startCommit: 5 } } })
  )
  expect(() => readResultsFile(file)).toThrow(/'baseline\.segment\.startCommit' must be a string/)
})
