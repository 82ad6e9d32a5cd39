/**
 * Security end to end on the bundled action (dist/index.js; `npm run build` first): secrets, workflow
 * commands and forged markers in service output, escaping processes, cancellation. The same paths run
 * on the sources in __tests__/integration/security/ (no rebuild needed there).
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.js'
import {
  FIXTURE_COMMAND,
  publishOnlyInputs,
  pullRequestEvent,
  readReport,
  readResults,
  removeWorkspaces,
  runAction
} from './helpers.js'
import { linesOutsideStopCommands } from '../integration/security/action-helpers.js'

const TOKEN = 'ghs_e2e_security_token_0123456789'
const JOB_SECRETS = {
  GITHUB_TOKEN: 'ghs_job_env_token_e2e_abcdef',
  ACTIONS_RUNTIME_TOKEN: 'actions-runtime-token-e2e-xyz',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc-request-token-e2e-xyz',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/e2eEXAMPLEKEY'
}
const PASSED_SECRET = 'passed-api-key-e2e-777'
const FORGED = '<!-- otlp-perf-gate:perf/gate -->'

const fakes: FakeGitHub[] = []
const tmp: string[] = []
afterAll(async () => {
  for (const f of fakes.splice(0)) await f.close()
  for (const d of tmp.splice(0)) fs.rmSync(d, { recursive: true, force: true })
  removeWorkspaces()
})

test('a service that dumps its environment, prints workflow commands and a forged marker: no secret anywhere, all inert', async () => {
  const gh = await startFakeGitHub({ token: TOKEN, issueNumber: 9, seedUnrelated: 0 })
  fakes.push(gh)
  const run = await runAction({
    inputs: publishOnlyInputs({
      'start-command': `env; echo "::warning::pwned-by-service"; echo "::set-output name=verdict::pass"; echo '${FORGED}'; exit 3`,
      'github-token': TOKEN,
      'pass-env': 'MY_API_KEY'
    }),
    event: pullRequestEvent({ number: 9 }),
    apiUrl: gh.url,
    env: { ...JOB_SECRETS, MY_API_KEY: PASSED_SECRET }
  })
  expect(run.outputs.verdict).toBe('error')
  const report = readReport(run)
  expect(report).toContain('MY_API_KEY=***')
  const comment = gh.state.comments.map((c) => c.body).join('\n')
  expect(gh.state.comments).toHaveLength(1)
  const texts = {
    stdout: run.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n'),
    stderr: run.stderr,
    summary: run.summary,
    report,
    results: JSON.stringify(readResults(run)),
    comment
  }
  for (const value of [...Object.values(JOB_SECRETS), PASSED_SECRET, TOKEN]) {
    for (const [where, text] of Object.entries(texts))
      expect({ where, leaked: text.includes(value) }).toEqual({ where, leaked: false })
  }
  expect(linesOutsideStopCommands(run.stdout).filter((l) => /^::(warning::pwned|set-output)/.test(l))).toEqual([])
  // The harness parses commands as the runner does (stop-commands honoured): the service issued none.
  expect(run.warnings.filter((w) => w.includes('pwned-by-service'))).toEqual([])
  for (const where of ['report', 'summary'] as const) expect(texts[where]).not.toContain('<!--')
  expect(comment.split('<!--').length - 1).toBe(1)
}, 90_000)

test('setsid and double-fork children: none left after the run, and none could write GITHUB_OUTPUT', async () => {
  const probeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-escape-'))
  tmp.push(probeDir)
  const probe = path.join(probeDir, 'probe')
  const later = `echo "GITHUB_OUTPUT=\${GITHUB_OUTPUT:-unset}" >> ${probe}; sleep 60; echo survived >> ${probe}`
  const run = await runAction({
    inputs: publishOnlyInputs({
      'start-command': `setsid -f sh -c '${later}'; ( sh -c '${later}' & ); ${FIXTURE_COMMAND}`
    })
  })
  expect(run.outputs.verdict).toBe('pass')
  // Checked at the action's exit: no escapee is alive, so none can write anything later.
  expect(run.leftovers).toEqual([])
  await new Promise((r) => setTimeout(r, 1000))
  const lines = fs.readFileSync(probe, 'utf8').trim().split('\n')
  // Two escapees per round ran, none of them with the runner's output file.
  expect(lines.length).toBeGreaterThanOrEqual(2)
  expect(new Set(lines)).toEqual(new Set(['GITHUB_OUTPUT=unset']))
}, 120_000)

test('SIGTERM mid-run: outputs, summary and partial results are written, no service left', async () => {
  const run = await runAction({
    inputs: publishOnlyInputs({ rounds: '4', 'round-duration': '1' }),
    cancel: { signal: 'SIGTERM', when: /round 1\/\d+ |block 1 measured/ }
  })
  expect(run.timedOut).toBe(false)
  expect(run.exitCode).not.toBe(0)
  expect(run.outputs.verdict).toBe('error')
  expect(run.summary).toContain('cancelled (SIGTERM)')
  const results = readResults(run)
  expect(results.error).toMatch(/^cancelled \(SIGTERM\)/)
  expect(results.rounds.length).toBeGreaterThanOrEqual(1)
  expect(run.leftovers).toEqual([])
}, 90_000)
