/** `mode: report` in the CLI: an artifact is validated field by field and never echoed from a system file. */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { runCli } from '../../../src/cli/run.js'
import { assemble } from '../../../src/report/assemble.js'
import { parseConfig } from '../../../src/config/config.js'
import { captureIo } from '../../helpers/cli.js'

let dir: string
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sec-report-mode-'))))
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

function results(): Record<string, unknown> {
  const config = parseConfig({ 'start-command': 'node s.js' })
  const { results: r } = assemble(
    config,
    null,
    'error',
    'boom',
    { sha: 'a'.repeat(40) },
    { cpuModel: 'c', cores: 2, os: 'Linux', node: 'v20', runner: 'r' }
  )
  return JSON.parse(JSON.stringify(r)) as Record<string, unknown>
}

async function report(file: string): Promise<{ code: number; stderr: string; stdout: string }> {
  const cap = captureIo(dir)
  const code = await runCli(['--mode', 'report', '--results-file', file, '--output-dir', path.join(dir, 'out')], cap.io)
  return { code, stderr: cap.stderr(), stdout: cap.stdout() }
}

test('a valid artifact is rendered', async () => {
  const file = path.join(dir, 'r.json')
  fs.writeFileSync(file, JSON.stringify(results()))
  const r = await report(file)
  expect(r.code).toBe(2)
  expect(r.stdout).toContain('OTLP perf gate')
})

test('a rendered field of the wrong type is refused, naming it', async () => {
  const bad = results()
  ;(bad.plan as { arms: { label: unknown }[] }).arms[0].label = { html: '<img src=x>' }
  const file = path.join(dir, 'r.json')
  fs.writeFileSync(file, JSON.stringify(bad))
  const r = await report(file)
  expect(r.code).toBe(2)
  expect(r.stderr).toContain("'plan.arms[0].label' must be a string")
  expect(r.stdout).toBe('')
})

test('a symlink to a system file is refused and its content never printed', async () => {
  const link = path.join(dir, 'results.json')
  fs.symlinkSync('/etc/passwd', link)
  const r = await report(link)
  expect(r.code).toBe(2)
  expect(r.stderr).toContain('is a symbolic link')
  expect(r.stderr + r.stdout).not.toContain('root:')
})

test("an 'output-dir' under /proc is an input error", async () => {
  const cap = captureIo(dir)
  const code = await runCli(['--start-command', 'x', '--output-dir', '/proc/self/out'], cap.io)
  expect(code).toBe(2)
  expect(cap.stderr()).toContain("'output-dir' must be a directory for the report and logs, not under /proc")
})
