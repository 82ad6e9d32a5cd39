/**
 * Stored baseline end to end: a push run on main writes results.json; a PR run with `baseline-path`
 * compares with it (unpaired "vs main" rows). A malformed, future-version or missing baseline is a
 * warning and "No baseline" in the report — never a crash, never an error verdict.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {
  expectExit,
  makeWorkspace,
  publishOnlyInputs,
  pullRequestEvent,
  pushEvent,
  readReport,
  readResults,
  removeWorkspaces,
  reportSection,
  runAction,
  type ActionRun
} from './helpers.js'

afterAll(() => removeWorkspaces())

const prEvent = pullRequestEvent({ number: 12 })
// Settings must match the stored run's (connections, durations, target) for it to be comparable.
const inputs = (baselinePath: string): Record<string, string> =>
  publishOnlyInputs({ 'baseline-path': baselinePath, comment: 'never' })

let storedResults: string | null = null
/** results.json of a push run on main, produced once. */
async function mainResults(): Promise<string> {
  if (storedResults !== null) return storedResults
  const run = await runAction({ inputs: publishOnlyInputs(), event: pushEvent('5'.repeat(40)) })
  expectExit(run, 0)
  const results = readResults(run)
  expect(results.git.prNumber).toBeUndefined()
  expect(results.rounds.filter((r) => r.armId === 'off').length).toBe(3)
  storedResults = fs.readFileSync(run.outputs['results-path'], 'utf8')
  return storedResults
}

/** A directory outside the run's working directory, as actions/cache would restore into. */
function baselineFile(name: string, content: string | null): string {
  const file = path.join(makeWorkspace('otlp-e2e-baseline-'), name)
  if (content !== null) fs.writeFileSync(file, content)
  return file
}

test('a PR run with baseline-path compares with the stored main results', async () => {
  const file = baselineFile('results.json', await mainResults())
  const run = await runAction({ inputs: inputs(file), event: prEvent })
  expectExit(run, 0)
  expect(run.outputs.verdict).toBe('pass')
  expect(run.warnings.filter((w) => /baseline/i.test(w))).toEqual([])

  const report = readReport(run)
  const vsMain = reportSection(report, 'vs main')
  expect(vsMain).not.toBeNull()
  expect(vsMain).toMatch(/stored results/)
  expect(vsMain).not.toMatch(/No baseline/)
  expect(vsMain).toMatch(/^\| *QPS *\|/m)
  expect(vsMain).toMatch(/^\| *P99 *\|/m)
  // The stored run's commit is quoted as the baseline.
  expect(vsMain).toContain('555555555555')
  expect(report).toMatch(/baseline: stored results/)

  const results = readResults(run)
  expect(results.baseline).toMatchObject({ source: 'stored', status: 'ok', sameMachine: true })
  const regression = results.comparisons.filter(
    (c) => c.kind === 'regression' && (c.metric === 'qps' || c.metric === 'p99')
  )
  expect(regression.map((c) => c.metric).sort()).toEqual(['p99', 'qps'])
  for (const c of regression) {
    // A single stored results file is a history of one run.
    expect(c).toMatchObject({ paired: false, armId: 'off', n: 3, nRef: 1, historyRuns: 1, decision: null })
  }
  // history.json: the stored run, then this one — what main would store as the next baseline.
  const history = JSON.parse(fs.readFileSync(run.outputs['next-baseline-path'], 'utf8')) as {
    schema: string
    runs: { git: { sha?: string } }[]
  }
  expect(history.schema).toBe('otlp-perf-gate/history')
  expect(history.runs).toHaveLength(2)
  expect(history.runs[0].git.sha).toBe('5'.repeat(40))
}, 90_000)

/** A bad baseline: the overhead verdict stands (pass: nothing gated), a warning, "No baseline" with the reason. */
async function expectNoBaseline(file: string, status: string, reason: RegExp): Promise<ActionRun> {
  const run = await runAction({ inputs: inputs(file), event: prEvent })
  expectExit(run, 0)
  expect(run.outputs.verdict).toBe('pass')
  expect(run.errors).toEqual([])
  const warning = run.warnings.find((w) => /baseline/i.test(w))
  expect(warning).toBeDefined()
  expect(warning).toMatch(reason)
  const vsMain = reportSection(readReport(run), 'vs main')
  expect(vsMain).toMatch(/No baseline/)
  expect(vsMain).toMatch(reason)
  expect(run.summary).toMatch(/No baseline/)
  const results = readResults(run)
  expect(results.baseline).toMatchObject({ source: 'none', status })
  expect(results.comparisons.filter((c) => c.kind === 'regression')).toEqual([])
  // The run itself was measured as usual.
  expect(results.rounds).toHaveLength(6)
  return run
}

test('a malformed baseline file is "No baseline", not a crash', async () => {
  await expectNoBaseline(baselineFile('results.json', '{"schema":"x"}'), 'malformed', /schema/)
}, 90_000)

test('a baseline from a future results version is "No baseline", not a crash', async () => {
  const future = { ...JSON.parse(await mainResults()), version: 99 }
  await expectNoBaseline(baselineFile('results.json', JSON.stringify(future)), 'future-version', /99/)
}, 90_000)

test('a missing baseline path is "No baseline" (first run, expired cache)', async () => {
  await expectNoBaseline(baselineFile('never-restored.json', null), 'missing', /never-restored\.json/)
}, 90_000)
