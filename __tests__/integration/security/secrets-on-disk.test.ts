/**
 * Nothing secret on disk (issue 31): a value given through `env` and one passed with `pass-env`, printed
 * by the service whole, byte by byte (so that it crosses pipe reads) and at the very end, is in no file
 * under output-dir, not on stdout, not in the job summary and not in the comment — for a service that
 * crashes, one that never becomes ready (timeout) and a run cancelled mid-round. The action runs in
 * process (src/main.ts); the logs are redacted as they are written (security/redact.ts: streamRedactor).
 * @actions/core keeps the job summary's path of the first run in a process, so only the first test's
 * summary is its own; the summary is the report's markdown, which every test checks in report.md.
 */
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { FIXTURE_COMMAND, MARKER_VAR, processesWithMarker, publishOnlyInputs } from '../../e2e/helpers.js'
import { startFakeGitHub, type FakeGitHub } from '../../helpers/fake-github.js'
import { runActionInProcess, type InProcessRun } from './action-helpers.js'

const TOKEN = 'ghs_disk_token_0123456789abcdef'
const ENV_SECRET = 'env-input-secret-value-9876'
const PASSED_SECRET = 'pass-env-secret-value-5432'
const SECRETS = [TOKEN, ENV_SECRET, PASSED_SECRET]

/** Prints both secrets whole, then one byte at a time with pauses (each byte its own pipe read), then without a newline. */
const LEAK = [
  'echo "whole: $DB_PASSWORD $MY_API_KEY"',
  `for c in $(printf '%s' "$MY_API_KEY" | sed 's/./& /g'); do printf '%s' "$c"; sleep 0.02; done; echo`,
  `for c in $(printf '%s' "$DB_PASSWORD" | sed 's/./& /g'); do printf '%s' "$c" >&2; sleep 0.02; done; echo >&2`,
  'printf "last: %s" "$MY_API_KEY"'
].join('; ')

/** Every file under `dir`, recursively, as text. */
function filesUnder(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue
    const p = path.join(e.parentPath, e.name)
    out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8')
  }
  return out
}

function expectNoSecret(run: InProcessRun, gh: FakeGitHub | null): void {
  const out = path.join(run.dir, 'out')
  const files = filesUnder(out)
  // Not vacuous: the logs exist and show the service printed (redacted) secrets.
  const logs = Object.entries(files).filter(([f]) => f.startsWith('logs/'))
  expect(logs.length).toBeGreaterThan(0)
  expect(logs.map(([, t]) => t).join('\n')).toContain('whole: *** ***')
  const texts: Record<string, string> = {
    ...files,
    stdout: run.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n'),
    summary: run.summary,
    outputs: JSON.stringify(run.outputs),
    comment: gh === null ? '' : gh.state.comments.map((c) => c.body).join('\n')
  }
  for (const secret of SECRETS)
    for (const [where, text] of Object.entries(texts))
      expect({ where, secret, leaked: text.includes(secret) }).toEqual({ where, secret, leaked: false })
}

const inputs = (overrides: Record<string, string>): Record<string, string> => ({
  'github-token': TOKEN,
  'pass-env': 'MY_API_KEY',
  env: `DB_PASSWORD=${ENV_SECRET}`,
  ...overrides
})

let gh: FakeGitHub
beforeAll(async () => (gh = await startFakeGitHub({ token: TOKEN, issueNumber: 5, seedUnrelated: 0 })))
afterAll(async () => gh.close())

test('crash: the service prints the secrets and exits', async () => {
  const run = await runActionInProcess(
    inputs({
      'start-command': `${LEAK}; exit 3`,
      'target-url': 'http://127.0.0.1:{port}/',
      'ready-timeout': '10',
      comment: 'always'
    }),
    { MY_API_KEY: PASSED_SECRET },
    { apiUrl: gh.url, prNumber: 5 }
  )
  try {
    expect(run.outputs.verdict).toBe('error')
    expect(gh.state.comments.length).toBeGreaterThan(0)
    expectNoSecret(run, gh)
  } finally {
    fs.rmSync(run.dir, { recursive: true, force: true })
  }
}, 60_000)

test('timeout: the service prints the secrets and never becomes ready', async () => {
  const run = await runActionInProcess(
    inputs({
      'start-command': `${LEAK}; exec sleep 60`,
      'target-url': 'http://127.0.0.1:{port}/',
      'ready-timeout': '2',
      comment: 'never'
    }),
    { MY_API_KEY: PASSED_SECRET }
  )
  try {
    expect(run.outputs.verdict).toBe('error')
    expect(fs.readFileSync(run.outputs['report-path'], 'utf8')).toMatch(/did not become ready within 2000 ms/)
    expectNoSecret(run, null)
  } finally {
    fs.rmSync(run.dir, { recursive: true, force: true })
  }
}, 60_000)

test('cancel: SIGTERM mid-run while the service prints the secrets; no service left', async () => {
  const marker = randomBytes(8).toString('hex')
  let sent = false
  const run = await runActionInProcess(
    publishOnlyInputs(
      inputs({
        'start-command': `${LEAK}; ${FIXTURE_COMMAND}`,
        rounds: '4',
        'round-duration': '0.5',
        comment: 'never',
        env: `DB_PASSWORD=${ENV_SECRET}\n${MARKER_VAR}=${marker}\nNODE_OPTIONS=`
      })
    ),
    { MY_API_KEY: PASSED_SECRET },
    {
      during: (chunk) => {
        if (!sent && /round 1\/\d+ /.test(chunk)) {
          sent = true
          process.emit('SIGTERM')
        }
      }
    }
  )
  try {
    expect(sent).toBe(true)
    expect(fs.readFileSync(run.outputs['report-path'], 'utf8')).toMatch(/cancelled \(SIGTERM\)/)
    expectNoSecret(run, null)
  } finally {
    await new Promise((r) => setTimeout(r, 1500))
    expect(processesWithMarker(marker)).toEqual([])
    fs.rmSync(run.dir, { recursive: true, force: true })
  }
}, 120_000)
