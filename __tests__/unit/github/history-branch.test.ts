/**
 * Main's history on a data branch, over HTTP against the fake GitHub API (loopback): the branch is
 * created on the first record, later records append with the file's sha, a concurrent write is a
 * conflict that is re-read and re-applied (both entries kept), compaction bounds the file, and a file
 * that is not a history is an error naming the branch and path, never overwritten.
 */
import { branchHistoryStore } from '../../../src/github/history-branch.js'
import { MainHistoryError, mainHistoryText } from '../../../src/results/main-history-file.js'
import { appendEntry, emptyMainHistory, type MainHistoryFile } from '../../../src/results/main-history.js'
import { startFakeGitHub, type FakeGitHub } from '../../helpers/fake-github.js'
import { makeEntry } from '../../helpers/main-history.js'

const BRANCH = 'otlp-perf-gate-data'
const FILE = 'perf/main-history.json'
let gh: FakeGitHub
afterEach(async () => gh?.close())

const store = (over: Partial<Parameters<typeof branchHistoryStore>[0]> = {}) =>
  branchHistoryStore({
    token: 'ghs_test',
    apiUrl: gh.url,
    owner: 'o',
    repo: 'r',
    branch: BRANCH,
    path: FILE,
    retryDelayMs: 0,
    ...over
  })

/** Append entry `k` (the record step's change, minus the measuring). */
const append = (k: number) => (h: MainHistoryFile) => ({ file: appendEntry(h, makeEntry(k, 1000)), value: k })
const onBranch = (): MainHistoryFile =>
  JSON.parse(gh.state.branches.get(BRANCH)?.get(FILE) ?? 'null') as MainHistoryFile
const calls = () => gh.state.requests.map((r) => `${r.method} ${r.path.replace(/\?.*$/, '')} ${r.status}`)

test('the first record creates the branch (orphan, the file alone); the next ones append with the sha', async () => {
  gh = await startFakeGitHub({ seedUnrelated: 0 })
  const s = store()
  expect((await s.read()).entries).toEqual([])
  expect(gh.state.branches.has(BRANCH)).toBe(false)
  expect(await s.update(append(0))).toBe(0)
  expect([...(gh.state.branches.get(BRANCH)?.keys() ?? [])]).toEqual([FILE])
  expect(calls()).toEqual([
    'GET /repos/o/r/contents/perf%2Fmain-history.json 404',
    'GET /repos/o/r/contents/perf%2Fmain-history.json 404',
    `GET /repos/o/r/git/ref/heads%2F${BRANCH} 404`,
    'POST /repos/o/r/git/trees 201',
    'POST /repos/o/r/git/commits 201',
    'POST /repos/o/r/git/refs 201'
  ])
  await s.update(append(1))
  expect(onBranch().entries.map((e) => e.commit)).toEqual([makeEntry(0, 1).commit, makeEntry(1, 1).commit])
  const put = gh.state.requests.find((r) => r.method === 'PUT')
  expect(put?.body).toMatchObject({ branch: BRANCH, sha: expect.stringMatching(/^[0-9a-f]{40}$/) })
  expect((await s.read()).entries).toHaveLength(2)
})

test('another job writing between read and write: 409, re-read, and both entries are kept', async () => {
  gh = await startFakeGitHub({ seedUnrelated: 0 })
  const logs: string[] = []
  const s = store({ log: (m) => logs.push(m) })
  await s.update(append(0))
  gh.state.beforeNextPut = (branches) => {
    const files = branches.get(BRANCH)!
    const h = JSON.parse(files.get(FILE)!) as MainHistoryFile
    files.set(FILE, mainHistoryText(appendEntry(h, makeEntry(1, 1000))))
  }
  await s.update(append(2))
  expect(onBranch().entries.map((e) => e.commit)).toEqual([0, 1, 2].map((k) => makeEntry(k, 1).commit))
  expect(gh.state.requests.filter((r) => r.method === 'PUT').map((r) => r.status)).toEqual([409, 200])
  expect(logs.join('\n')).toContain('another job wrote first')
})

test('a branch that keeps changing under the writer: bounded attempts, then an error (nothing lost)', async () => {
  gh = await startFakeGitHub({ seedUnrelated: 0 })
  const s = store({ attempts: 2 })
  await s.update(append(0))
  let other = 10
  const rival = (branches: Map<string, Map<string, string>>): void => {
    const files = branches.get(BRANCH)!
    files.set(
      FILE,
      mainHistoryText(appendEntry(JSON.parse(files.get(FILE)!) as MainHistoryFile, makeEntry(other++, 1000)))
    )
    gh.state.beforeNextPut = rival
  }
  gh.state.beforeNextPut = rival
  await expect(s.update(append(1))).rejects.toThrow(
    `main history '${FILE}' on branch '${BRANCH}' of o/r: other jobs wrote it 2 times while this run was recording`
  )
  expect(gh.state.requests.filter((r) => r.method === 'PUT').map((r) => r.status)).toEqual([409, 409])
  expect(onBranch().entries).toHaveLength(3)
})

test('compaction bounds the file on the branch; a file over the contents limit is read through its blob', async () => {
  gh = await startFakeGitHub({ seedUnrelated: 0, contentLimitBytes: 2000 })
  const s = store({ limits: { maxEntries: 4, detailedEntries: 2 } })
  for (let k = 0; k < 7; k++) await s.update(append(k))
  const h = onBranch()
  expect(h.entries.map((e) => e.commit)).toEqual([3, 4, 5, 6].map((k) => makeEntry(k, 1).commit))
  expect(h.compaction.dropped).toBe(3)
  expect(h.entries.map((e) => e.arms.off.metrics.qps?.blocks === undefined)).toEqual([true, true, false, false])
  expect(gh.state.requests.some((r) => r.method === 'GET' && r.path.includes('/git/blobs/') && r.status === 200)).toBe(
    true
  )
})

test.each([
  ['not JSON', '{"schema": "otlp-perf-gate/main-hist', 'is not JSON'],
  ['another tool’s file', JSON.stringify({ benchmarks: [] }), 'is not a main history of otlp-perf-gate'],
  [
    'a damaged field',
    mainHistoryText(emptyMainHistory()).replace('"entries": []', '"entries": [{"commit": 3}]'),
    'is a damaged main history'
  ]
])('%s on the branch: an error naming branch and path, and the file is left as it was', async (_what, text, why) => {
  gh = await startFakeGitHub({ seedUnrelated: 0, branches: { [BRANCH]: { [FILE]: text } } })
  const err = await store()
    .update(append(0))
    .catch((e: unknown) => e)
  expect(err).toBeInstanceOf(MainHistoryError)
  expect((err as Error).message).toContain(why)
  expect((err as Error).message).toContain(`${BRANCH}:${FILE}`)
  expect(gh.state.branches.get(BRANCH)?.get(FILE)).toBe(text)
  expect(gh.state.requests.filter((r) => r.method !== 'GET')).toEqual([])
})

test('a read-only token can read (PR runs); an API failure is an error, not an empty history', async () => {
  gh = await startFakeGitHub({ seedUnrelated: 0, mode: 'down' })
  await expect(store().read()).rejects.toThrow(/GitHub API GET .*contents.* failed with HTTP 503/)
})
