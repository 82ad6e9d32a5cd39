/** Integration: the real CLI (runCli) against the real fixture service: a clear overhead → exit 1; a fault → exit 2. */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { runCli } from '../../../src/cli/run.js'
import { killAllServices } from '../../../src/service/service.js'
import { registeredGroupCount } from '../../../src/service/process-group.js'
import { captureIo, FIXTURE_DIR, fixtureArgs } from '../../helpers/cli.js'

let dir: string
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opg-cli-fail-'))
})
afterAll(async () => {
  await killAllServices()
  fs.rmSync(dir, { recursive: true, force: true })
})

test('a YAML config file plus a tight flag budget and an injected 3 ms per traced request fails (exit 1)', async () => {
  // The fixture settings come from the config file this time; flags override its budget.
  fs.writeFileSync(
    path.join(dir, 'perf-gate.yaml'),
    [
      'start-command: node --import ./tracing.mjs server.mjs',
      `working-directory: ${JSON.stringify(FIXTURE_DIR)}`,
      "target-url: 'http://127.0.0.1:{port}/api/v1/users/42'",
      "ready-url: 'http://127.0.0.1:{port}/healthz'",
      'sampling-rates: [1]',
      'rounds: 6',
      'round-duration: 1',
      'warmup-duration: 0.5',
      'max-qps-overhead: 95',
      'max-p99-overhead: none',
      'connections: 10',
      'cpu-pinning: off',
      'output-dir: out',
      'env:',
      "  NODE_OPTIONS: ''",
      '  FIXTURE_TRACING_EXTRA_CPU_US: 3000',
      ''
    ].join('\n')
  )
  const c = captureIo(dir)
  const code = await runCli(['--config', 'perf-gate.yaml', '--max-qps-overhead', '1', '--quiet'], c.io)
  expect({ code, stderr: c.stderr() }).toEqual({ code: 1, stderr: expect.stringContaining('OTLP perf gate: FAIL') })
  expect(c.stdout()).toContain('FAIL')
  expect(c.stdout()).not.toContain('"verdict"') // markdown, not JSON
  expect(c.stderr()).not.toMatch(/^round /m) // --quiet
  // output-dir from the file is relative to the file's folder.
  const results = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'results.json'), 'utf8')) as {
    verdict: string
    settings: Record<string, unknown>
  }
  expect(results.verdict).toBe('fail')
  expect(results.settings.maxQpsOverhead).toBe(0.01)
  expect(registeredGroupCount()).toBe(0)
})

test('a service that never becomes ready is an error (exit 2) with the message on stderr', async () => {
  const out = path.join(dir, 'never-ready')
  const c = captureIo(dir)
  const code = await runCli(
    [
      ...fixtureArgs(out),
      '--max-qps-overhead',
      '95',
      '--ready-timeout',
      '2',
      '--env',
      'FIXTURE_FAULT=never-ready',
      '--json'
    ],
    c.io
  )
  expect(code).toBe(2)
  expect(c.stderr()).toContain('OTLP perf gate could not measure:')
  expect(c.stderr()).toMatch(/ready/i)
  const results = JSON.parse(c.stdout()) as { verdict: string; error?: string }
  expect(results.verdict).toBe('error')
  expect(results.error).toMatch(/ready/i)
  expect(fs.existsSync(path.join(out, 'report.md'))).toBe(true)
  expect(registeredGroupCount()).toBe(0)
})
