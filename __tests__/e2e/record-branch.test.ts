/**
 * `mode: record` end to end with main's history on the data branch, against the fake GitHub API: the
 * first run creates the branch (orphan, the file alone), the next one appends to it while another job
 * writes between its read and its write (GitHub's 409: the run re-reads and keeps both entries) and
 * the file's own limits compact it; a record run without a token fails before measuring; a foreign
 * file on the branch fails the run by name and is left as it was.
 */
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.js'
import {
  expectExit,
  publishOnlyInputs,
  pullRequestEvent,
  pushEvent,
  readReport,
  removeWorkspaces,
  runAction
} from './helpers.js'
import { mainHistoryText } from '../../src/results/main-history-file.js'
import type { MainHistoryFile } from '../../src/results/main-history.js'

const BRANCH = 'otlp-perf-gate-data'
const FILE = 'main-history.json'
const TOKEN = 'ghs_e2e_record_token'
let gh: FakeGitHub
beforeAll(async () => {
  gh = await startFakeGitHub({ seedUnrelated: 0, token: TOKEN })
})
afterAll(async () => {
  removeWorkspaces()
  await gh.close()
})

const record = (sha: string, inputs: Record<string, string> = {}) =>
  runAction({
    inputs: publishOnlyInputs({ mode: 'record', 'github-token': TOKEN, ...inputs }),
    event: pushEvent(sha),
    apiUrl: gh.url
  })
/** history.json written by the second record run: the stored baseline of the PR run. */
let nextBaseline = ''
const onBranch = (): MainHistoryFile =>
  JSON.parse(gh.state.branches.get(BRANCH)?.get(FILE) ?? 'null') as MainHistoryFile

test('record runs: branch created, then an append that survives a concurrent write, compacted', async () => {
  const first = await record('1'.repeat(40))
  expectExit(first, 0)
  expect(onBranch().entries.map((e) => e.commit)).toEqual(['1'.repeat(40)])
  expect([...(gh.state.branches.get(BRANCH)?.keys() ?? [])]).toEqual([FILE])
  expect(first.summary).toContain('Recorded this run as entry 1 of')
  expect(first.outputs['change-point']).toBe('')

  // The stored history keeps at most 2 entries (its own limits win over the defaults).
  const h = onBranch()
  gh.state.branches.get(BRANCH)!.set(FILE, mainHistoryText({ ...h, limits: { maxEntries: 2, detailedEntries: 1 } }))
  // Another job records commit 3…3 between this run's read and its write.
  gh.state.beforeNextPut = (branches) => {
    const files = branches.get(BRANCH)!
    const now = JSON.parse(files.get(FILE)!) as MainHistoryFile
    const other = {
      ...now.entries[0],
      commit: '3'.repeat(40),
      time: new Date(Date.parse(now.entries[0].time) + 1).toISOString()
    }
    files.set(FILE, mainHistoryText({ ...now, entries: [...now.entries, other] }))
  }
  const second = await record('2'.repeat(40))
  expectExit(second, 0)
  const after = onBranch()
  expect(after.entries.map((e) => e.commit)).toEqual(['3'.repeat(40), '2'.repeat(40)])
  expect(after.compaction.dropped).toBe(1)
  expect(gh.state.requests.filter((r) => r.method === 'PUT').map((r) => r.status)).toEqual([409, 200])
  expect(second.stdout).toContain('another job wrote first')
  expect(gh.state.requests.every((r) => r.authorization === `token ${TOKEN}`)).toBe(true)
  nextBaseline = second.outputs['next-baseline-path']
}, 240_000)

test('a PR run reads the branch (GET only): stored runs narrowed to the current segment, trend in the report', async () => {
  expect(nextBaseline).not.toBe('')
  const before = gh.state.requests.length
  const run = await runAction({
    inputs: publishOnlyInputs({ 'github-token': TOKEN, 'baseline-path': nextBaseline, comment: 'never' }),
    event: pullRequestEvent({ number: 12 }),
    apiUrl: gh.url
  })
  expectExit(run, 0)
  const mine = gh.state.requests.slice(before)
  expect(mine.map((r) => `${r.method} ${r.status}`)).toEqual(['GET 200'])
  const report = readReport(run)
  expect(report).toContain(`Segment: main's whole history since \`${'3'.repeat(12)}\``)
  expect(report).toContain("### Main's trend")
  expect(report).toContain(`x-axis ["3333333", "2222222", "PR"]`)
  expect(onBranch().entries).toHaveLength(2)
}, 120_000)

test('a foreign file on the data branch fails the record run by name and is not overwritten', async () => {
  const foreign = JSON.stringify({ entries: [{ commit: 'x', benchmarks: [] }] })
  gh.state.branches.set('perf-data', new Map([['bench.json', foreign]]))
  const run = await record('4'.repeat(40), { 'history-branch': 'perf-data', 'history-branch-path': 'bench.json' })
  expectExit(run, 1)
  expect(run.errors.join('\n')).toContain("'perf-data:bench.json' is not a main history of otlp-perf-gate")
  expect(gh.state.branches.get('perf-data')?.get('bench.json')).toBe(foreign)
}, 120_000)

test('mode: record without a token or history-path fails before measuring', async () => {
  const run = await record('5'.repeat(40), { 'github-token': '' })
  expectExit(run, 1)
  expect(run.errors.join('\n')).toContain("'mode: record' needs a store for main's history")
  expect(run.stdout).not.toMatch(/round 1\//)
}, 60_000)
