/**
 * SIGTERM in the middle of a run (a cancelled job): the services are stopped, and outputs, the job
 * summary and partial results with the rounds done are still written. The action (src/main.ts) and
 * the CLI (src/cli/run.ts) in process; signals are delivered with process.emit, as the runtime would.
 */
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { publishOnlyInputs, processesWithMarker, MARKER_VAR } from '../../e2e/helpers.js'
import { runActionInProcess } from './action-helpers.js'
import { runCli } from '../../../src/cli/run.js'
import { captureIo, fixtureArgs } from '../../helpers/cli.js'
import type { ResultsFile } from '../../../src/results/results.js'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

test('action: SIGTERM after the first round → verdict error, summary, partial results, no service left', async () => {
  const marker = randomBytes(8).toString('hex')
  let sent = false
  const run = await runActionInProcess(
    publishOnlyInputs({
      rounds: '4',
      'round-duration': '0.5',
      comment: 'never',
      env: `${MARKER_VAR}=${marker}\nNODE_OPTIONS=`
    }),
    {},
    {
      during: (chunk) => {
        if (!sent && /round 1\/\d+ |block 1 measured/.test(chunk)) {
          sent = true
          process.emit('SIGTERM')
        }
      }
    }
  )
  try {
    expect(sent).toBe(true)
    expect(run.outputs.verdict).toBe('error')
    expect(run.exitCode).toBe(1)
    expect(run.summary).toMatch(/cancelled \(SIGTERM\)/)
    const results = JSON.parse(fs.readFileSync(run.outputs['results-path'], 'utf8')) as ResultsFile
    expect(results.verdict).toBe('error')
    expect(results.error).toMatch(/^cancelled \(SIGTERM\) after \d+ completed rounds/)
    expect(results.rounds.length).toBeGreaterThanOrEqual(1)
    expect(results.rounds.length).toBeLessThan(4 * 2)
    expect(fs.readFileSync(run.outputs['report-path'], 'utf8')).toContain('cancelled (SIGTERM)')
    expect(processesWithMarker(marker)).toEqual([])
  } finally {
    // The abandoned engine notices the abort before its next boot.
    await sleep(1500)
    expect(processesWithMarker(marker)).toEqual([])
    fs.rmSync(run.dir, { recursive: true, force: true })
  }
}, 120_000)

test('CLI: SIGINT mid-run → exit code 2, report and partial results written', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sec-cli-cancel-'))
  const marker = randomBytes(8).toString('hex')
  let sent = false
  const cap = captureIo(out, {
    stderr: {
      write: (s: string) => {
        if (!sent && /round 1\/\d+ +block|block 1 measured/.test(s)) {
          sent = true
          setTimeout(() => process.emit('SIGINT'), 0)
        }
        return true
      }
    },
    isTTY: false
  })
  const args = [...fixtureArgs(out), '--verbose', '--env', `NODE_OPTIONS=\n${MARKER_VAR}=${marker}`]
  try {
    const code = await runCli(args, cap.io)
    expect(sent).toBe(true)
    expect(code).toBe(2)
    const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as ResultsFile
    expect(results.error).toMatch(/^cancelled \(SIGINT\)/)
    expect(fs.readFileSync(path.join(out, 'report.md'), 'utf8')).toContain('cancelled (SIGINT)')
    expect(processesWithMarker(marker)).toEqual([])
  } finally {
    await sleep(1500)
    expect(processesWithMarker(marker)).toEqual([])
    fs.rmSync(out, { recursive: true, force: true })
  }
}, 120_000)
