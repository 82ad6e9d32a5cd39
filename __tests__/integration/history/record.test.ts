/**
 * `mode: record` end to end, with the real CLI and the fixture service for the measured runs, and
 * synthetic runs for the sequence: one real record run gives a results file; 24 copies of it (each a
 * commit of main, off-arm blocks scaled by 1.0 and then by 0.85 from entry 12 on, seeded noise) are fed
 * one by one into the record step (recordRun, the function `mode: record` calls after measuring). The
 * change point must be found at entry 12 and announced once; then a real PR run with `baseline-path`
 * (history.json of those 24 runs) and `history-path` is gated against the segment since entry 12.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { runCli } from '../../../src/cli/run.js'
import { killAllServices } from '../../../src/service/service.js'
import { recordRun } from '../../../src/gate/record.js'
import { historyChangePoints } from '../../../src/analysis/trend.js'
import { readMainHistory } from '../../../src/results/main-history-file.js'
import { appendRun } from '../../../src/results/history.js'
import type { ResultsFile } from '../../../src/results/results.js'
import { captureIo, fixtureArgs } from '../../helpers/cli.js'
import { normals } from '../../helpers/series.js'

let dir: string
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opg-record-'))
})
afterAll(async () => {
  await killAllServices()
  fs.rmSync(dir, { recursive: true, force: true })
})

/** Run `k` of main: the template's rounds with off-arm QPS × `scale` (P99 ÷ scale) and 1 % seeded noise. */
function syntheticRun(template: ResultsFile, k: number, scale: number): ResultsFile {
  const z = normals(27_000 + k)
  const r = JSON.parse(JSON.stringify(template)) as ResultsFile
  r.git = { ...r.git, sha: (k + 1).toString(16).padStart(4, '0').padEnd(40, 'a'), ref: 'refs/heads/main' }
  r.createdAt = new Date(Date.UTC(2026, 11, 1) + k * 86_400_000).toISOString()
  for (const round of r.rounds) {
    const f = (round.armId === 'off' ? scale : 1) * Math.exp(0.01 * z())
    round.load.qps *= f
    round.load.ok = Math.round(round.load.ok * f)
    round.load.latency.p99Us /= f
  }
  return r
}

test('record runs: the slowdown of main is one change point at its entry; the next PR is gated against the new segment', async () => {
  // 1. A real record run (measured) creates the history with one entry.
  const historyPath = path.join(dir, 'main-history.json')
  const first = captureIo(dir)
  const code = await runCli(
    [
      ...fixtureArgs(path.join(dir, 'rec')),
      '--max-qps-overhead',
      '95',
      '--mode',
      'record',
      '--history-path',
      historyPath
    ],
    first.io
  )
  expect({ code, stderr: first.stderr() }).toEqual({ code: 0, stderr: expect.stringContaining("Main's history") })
  expect(first.stderr()).toContain('Recorded this run as entry 1')
  const recorded = readMainHistory(historyPath)
  expect(recorded.entries).toHaveLength(1)
  const template = JSON.parse(fs.readFileSync(path.join(dir, 'rec', 'results.json'), 'utf8')) as ResultsFile
  expect(recorded.entries[0].commit).toBe(template.git.sha)
  expect(recorded.entries[0].arms.off.metrics.qps?.n).toBe(6)

  // 2. 24 synthetic runs of main into a fresh history: 15 % slower from entry 12 on.
  const seqPath = path.join(dir, 'sequence.json')
  const runs = Array.from({ length: 24 }, (_, k) => syntheticRun(template, k, k >= 12 ? 0.85 : 1))
  const announced: { k: number; series: string; entryIndex: number; worse: boolean }[] = []
  for (const [k, run] of runs.entries()) {
    const o = recordRun(seqPath, run)
    for (const p of o.newChangePoints) announced.push({ k, series: p.series, entryIndex: p.entryIndex, worse: p.worse })
  }
  // The slowdown moves QPS, P99 and CPU per request of off (scaled with it; the overhead ratios are the
  // template's). Each series announces it once, as soon as it is significant, never again.
  const series = announced.map((a) => a.series)
  expect(new Set(series).size).toBe(series.length)
  expect(series).toContain('qps:off')
  for (const a of announced) {
    expect(['qps:off', 'p99:off', 'cpu:off']).toContain(a.series)
    expect(a.worse).toBe(true)
    // Never before the slower run exists; possibly with it (one entry 15 % off against 12 tight ones is
    // already significant, as in Otava: a new segment of one entry).
    expect(a.k).toBeGreaterThanOrEqual(12)
  }
  expect(announced.find((a) => a.series === 'qps:off')?.entryIndex).toBe(12)
  for (const a of announced) expect(Math.abs(a.entryIndex - 12)).toBeLessThanOrEqual(1)
  const seq = readMainHistory(seqPath)
  expect(seq.announced).toContainEqual({ series: 'qps:off', commit: runs[12].git.sha, time: runs[12].createdAt })
  // The segment starts at the last of them (12, or 13 should a noisier series place it one later).
  const segStart = Math.max(...historyChangePoints(seq).points.map((p) => p.entryIndex))
  const startSha = runs[segStart].git.sha!

  // The CLI prints the series and the change point.
  const hist = captureIo(dir)
  expect(await runCli(['history', 'sequence.json'], hist.io)).toBe(0)
  expect(hist.stdout()).toContain('24 entries')
  expect(hist.stdout()).toMatch(/▶13 +000daaaaaaaa /)
  expect(hist.stdout()).toContain(`Current segment: ${24 - segStart} entries since ${startSha.slice(0, 12)}`)

  // 3. A PR run with the stored runs (history.json) and main's history: compared with the 12 runs since entry 12.
  const stored = runs.reduce((h, run) => appendRun(h.runs, run, 100), { runs: [] as ResultsFile[] } as ReturnType<
    typeof appendRun
  >)
  const storedPath = path.join(dir, 'history.json')
  fs.writeFileSync(storedPath, JSON.stringify(stored))
  const pr = captureIo(dir)
  const prOut = path.join(dir, 'pr')
  const prCode = await runCli(
    [
      ...fixtureArgs(prOut),
      '--max-qps-overhead',
      '95',
      '--max-qps-regression',
      'none',
      '--max-p99-regression',
      'none',
      '--baseline-path',
      storedPath,
      '--history-path',
      seqPath
    ],
    pr.io
  )
  expect({ prCode, stderr: pr.stderr() }).toEqual({
    prCode: 0,
    stderr: expect.stringContaining('current segment since')
  })
  const prResults = JSON.parse(fs.readFileSync(path.join(prOut, 'results.json'), 'utf8')) as ResultsFile
  expect(prResults.baseline).toMatchObject({
    source: 'stored',
    status: 'ok',
    runs: 24 - segStart,
    segment: { startCommit: startSha, entries: 24 - segStart, storedRuns: 24 - segStart }
  })
  expect(prResults.baseline.segment?.changePoint?.label).toMatch(/^(QPS|P99|CPU per request) of off$/)
  const regression = prResults.comparisons.find((c) => c.kind === 'regression' && c.metric === 'qps')
  expect(regression?.historyRuns).toBe(24 - segStart)
  expect(fs.readFileSync(path.join(prOut, 'report.md'), 'utf8')).toContain(
    `Segment: main since \`${startSha.slice(0, 12)}\``
  )
})
