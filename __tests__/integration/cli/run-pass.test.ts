/** Integration: the real CLI (runCli) against the real fixture service, a generous budget → exit 0. */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { runCli } from '../../../src/cli/run.js'
import { killAllServices } from '../../../src/service/service.js'
import { registeredGroupCount } from '../../../src/service/process-group.js'
import { captureIo, fixtureArgs } from '../../helpers/cli.js'

const ROUND_LINE = /^round (\d+)\/12 {2}block [1-6] {2}(off|on@1) {2}QPS \d+ {2}P99 \d+\.\d\d ms {2}spans \d+$/

let dir: string
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opg-cli-pass-'))
})
afterAll(async () => {
  await killAllServices()
  fs.rmSync(dir, { recursive: true, force: true })
})

test('max-qps-overhead 95 passes (exit 0); --json prints the results JSON, the same as results.json', async () => {
  const out = path.join(dir, 'out')
  const c = captureIo(dir)
  const code = await runCli([...fixtureArgs(out), '--max-qps-overhead', '95', '--json'], c.io)
  expect({ code, stderr: c.stderr() }).toEqual({ code: 0, stderr: expect.stringContaining('OTLP perf gate: PASS') })

  const results = JSON.parse(c.stdout()) as { verdict: string; rounds: unknown[]; git: { sha?: string } }
  expect(results.verdict).toBe('pass')
  expect(results.git.sha).toMatch(/^[0-9a-f]{40}$/) // the fixture's checkout (this repository), outside CI
  expect(results.rounds).toHaveLength(12)
  expect(JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'))).toEqual(results)
  expect(fs.readFileSync(path.join(out, 'report.md'), 'utf8')).toContain('PASS')

  // Not a TTY: exactly one plain progress line per round, in order, on stderr only.
  const rounds = c
    .stderr()
    .split('\n')
    .filter((l) => l.startsWith('round '))
  expect(rounds).toHaveLength(12)
  expect(rounds.map((l) => Number(ROUND_LINE.exec(l)?.[1]))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
  expect(c.stderr()).not.toContain('\r')
  expect(c.stderr()).not.toContain('service started') // per-round logs only with --verbose
  expect(registeredGroupCount()).toBe(0)

  // --mode report re-renders that results file into the very same markdown, and exits with its verdict.
  const again = captureIo(dir)
  const reportCode = await runCli(
    ['--mode', 'report', '--results-file', 'out/results.json', '--output-dir', 'again'],
    again.io
  )
  expect({ reportCode, stderr: again.stderr() }).toEqual({
    reportCode: 0,
    stderr: expect.stringContaining('OTLP perf gate: PASS')
  })
  expect(again.stdout()).toBe(fs.readFileSync(path.join(out, 'report.md'), 'utf8').replace(/\n*$/, '\n'))
  expect(fs.existsSync(path.join(dir, 'again', 'results.json'))).toBe(true)
})
