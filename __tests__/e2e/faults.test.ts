/**
 * Faults of the service under test end the run with verdict `error` (never a verdict on overhead):
 * exit 1, an ::error:: naming the problem, the service log tail in the job summary, and no process left.
 */
import {
  expectExit,
  publishOnlyInputs,
  readReport,
  readResults,
  removeWorkspaces,
  runAction,
  type ActionRun
} from './helpers.js'

afterAll(() => removeWorkspaces())

/** Checks shared by every fault; returns the ::error:: text. */
function expectErrorRun(run: ActionRun, logLine: string): string {
  expectExit(run, 1)
  expect(run.outputs.verdict).toBe('error')
  expect(run.errors.length).toBeGreaterThan(0)
  // The summary is written even though nothing was measured to the end; it shows the log tail.
  expect(run.summary).toContain('OTLP perf gate')
  expect(run.summary).toContain('ERROR')
  expect(run.summary).toContain('What went wrong')
  expect(run.summary).toContain(logLine)
  expect(readReport(run)).toContain(logLine)
  const results = readResults(run)
  expect(results.verdict).toBe('error')
  expect(typeof results.error).toBe('string')
  // No overhead may be reported for a failed measurement.
  expect(run.outputs['qps-overhead'] ?? '').toBe('')
  return run.errors.join('\n')
}

test('never-ready: readiness times out, the error names the ready URL', async () => {
  const run = await runAction({
    inputs: publishOnlyInputs({ 'ready-timeout': '2', env: 'FIXTURE_FAULT=never-ready' })
  })
  const error = expectErrorRun(run, 'FIXTURE_FAULT=never-ready')
  expect(error).toMatch(/did not become ready/)
  expect(error).toContain('/healthz')
  expect(error).toMatch(/HTTP 503/)
}, 60_000)

test('exit-early: the service exits before it is ready, the error says so with its exit code', async () => {
  const run = await runAction({ inputs: publishOnlyInputs({ env: 'FIXTURE_FAULT=exit-early' }) })
  const error = expectErrorRun(run, 'exiting before listening')
  expect(error).toMatch(/exited before it was ready/)
  expect(error).toMatch(/exit code 3\b/)
}, 60_000)

test('http-500: a failing service is an error (error rate), not a faster service', async () => {
  const run = await runAction({ inputs: publishOnlyInputs({ env: 'FIXTURE_FAULT=http-500' }) })
  const error = expectErrorRun(run, 'FIXTURE_FAULT=http-500')
  expect(error).toMatch(/non-2xx/)
  expect(error).toContain('max-error-rate')
}, 60_000)

test('no-export: tracing on but no span reaches the receiver, the error explains OTEL_EXPORTER_OTLP_ENDPOINT', async () => {
  const run = await runAction({ inputs: publishOnlyInputs({ env: 'FIXTURE_FAULT=no-export' }) })
  const error = expectErrorRun(run, 'FIXTURE_FAULT=no-export')
  expect(error).toMatch(/exported no span/)
  expect(error).toContain('OTEL_EXPORTER_OTLP_ENDPOINT')
  const report = readReport(run)
  expect(report).toContain('OTEL_EXPORTER_OTLP_ENDPOINT')
}, 60_000)

test.each(['SIGINT', 'SIGTERM'] as const)(
  'cancelled by the runner (%s mid-round): no service process is left',
  async (signal) => {
    const run = await runAction({
      inputs: publishOnlyInputs({ 'round-duration': '30' }),
      // Once a service is up and being loaded: the detached service group never sees the runner's signal itself.
      cancel: { signal, when: /service ready/ }
    })
    expect(run.stdout).toMatch(/service ready/)
    expect(run.timedOut).toBe(false)
    // Dies of the signal (or exits non-zero): a cancelled run never looks like a passing check.
    expect(run.exitCode === 0).toBe(false)
    expect(run.leftovers).toEqual([])
  },
  60_000
)
