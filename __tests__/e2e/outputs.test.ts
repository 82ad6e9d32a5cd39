/**
 * dist/index.js end to end on the traced fixture: outputs, job summary, report and results files of a
 * PASS and of a FAIL run. Verdicts are chosen far from their budgets (see each test) so they cannot flake.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { expectExit, fixtureInputs, readReport, readResults, removeWorkspaces, runAction } from './helpers.js'

afterAll(() => removeWorkspaces())

test('a PASS run sets every output, writes the summary, the report and a versioned results.json', async () => {
  // 100% sampling costs roughly 30–60% of QPS on this fixture: nowhere near a 95% budget.
  const run = await runAction({
    inputs: fixtureInputs({ 'sampling-rates': '1', rounds: '6', 'max-qps-overhead': '95', 'max-p99-overhead': 'none' })
  })
  expectExit(run, 0)
  expect(run.outputs.verdict).toBe('pass')
  expect(run.errors).toEqual([])

  const qps = Number(run.outputs['qps-overhead'])
  expect(run.outputs['qps-overhead']).toMatch(/^-?\d+(\.\d+)?$/)
  // A pass means the whole interval is within 95%, so the point estimate is too.
  expect(qps).toBeLessThan(95)
  expect(run.outputs['p99-overhead']).toMatch(/^-?\d+(\.\d+)?$/)

  // Default output-dir 'otlp-perf-gate', resolved against the step's working directory.
  const outDir = path.join(run.cwd, 'otlp-perf-gate')
  expect(run.outputs['report-path']).toBe(path.join(outDir, 'report.md'))
  expect(run.outputs['results-path']).toBe(path.join(outDir, 'results.json'))
  expect(fs.existsSync(run.outputs['report-path'])).toBe(true)
  expect(fs.existsSync(run.outputs['results-path'])).toBe(true)
  expect(fs.readdirSync(path.join(outDir, 'logs')).length).toBeGreaterThan(0)

  const report = readReport(run)
  expect(report).toContain('OTLP perf gate')
  expect(report).toContain('PASS')
  // The job summary carries the very same report.
  expect(run.summary).toContain(report.trim())

  const results = readResults(run)
  expect(results.schema).toBe('otlp-perf-gate/results')
  expect(results.version).toBe(1)
  expect(results.verdict).toBe('pass')
  expect(results.plan.arms.map((a) => a.id).sort()).toEqual(['off', 'on@1'])
  expect(results.rounds).toHaveLength(12)
  for (const arm of ['off', 'on@1']) {
    const blocks = results.rounds.filter((r) => r.armId === arm).map((r) => r.block)
    expect(blocks.sort()).toEqual([0, 1, 2, 3, 4, 5])
  }
  for (const r of results.rounds) {
    expect(r.load.qps).toBeGreaterThan(0)
    expect(r.load.ok).toBeGreaterThan(0)
    expect(r.load.latency.p99Us).toBeGreaterThan(0)
    if (r.armId === 'off') expect(r.otlp.spans).toBe(0)
    else expect(r.otlp.spans).toBeGreaterThan(0)
  }
  const gated = results.comparisons.filter((c) => c.decision !== null)
  expect(gated).toHaveLength(1)
  expect(gated[0]).toMatchObject({ kind: 'overhead', armId: 'on@1', metric: 'qps', decision: 'pass', n: 6 })
  expect(results.git).toMatchObject({
    repository: 'octo-org/perf-demo',
    eventName: 'push',
    workflow: 'perf',
    job: 'gate'
  })
}, 120_000)

test('a FAIL run (tracing made 3 ms per request dearer via the env input) exits 1 with ::error::', async () => {
  // 3 ms of extra CPU per traced request on a ~0.1–0.3 ms request: a QPS overhead around 90%, budget 5%.
  const run = await runAction({
    inputs: fixtureInputs({
      'sampling-rates': '1',
      rounds: '6',
      'max-qps-overhead': '5',
      'max-p99-overhead': 'none',
      env: 'FIXTURE_TRACING_EXTRA_CPU_US=3000\nSOME_OTHER_SETTING=1'
    })
  })
  expectExit(run, 1)
  expect(run.outputs.verdict).toBe('fail')
  expect(Number(run.outputs['qps-overhead'])).toBeGreaterThan(5)
  expect(run.errors.length).toBeGreaterThan(0)
  expect(run.errors.join('\n')).toMatch(/FAIL/)
  expect(run.stdout).toMatch(/^::error::/m)
  expect(run.summary).toContain('FAIL')

  const results = readResults(run)
  expect(results.verdict).toBe('fail')
  expect(results.failCheck).toBe(true)
  // The knob reached the traced arm only through the env input: the fixture logs the knobs it saw.
  const logs = path.join(run.cwd, 'otlp-perf-gate', 'logs')
  const logText = fs
    .readdirSync(logs)
    .map((f) => fs.readFileSync(path.join(logs, f), 'utf8'))
    .join('\n')
  expect(logText).toContain('FIXTURE_TRACING_EXTRA_CPU_US=3000')
}, 120_000)
