/**
 * The action (src/main.ts, in process) with a service that dumps its environment, prints workflow
 * commands and a forged sticky marker, then dies: no secret value reaches any artifact, the commands
 * are inert and the marker is neutralised. dist/ runs the same in __tests__/e2e/security.test.ts.
 */
import * as fs from 'node:fs'
import { startFakeGitHub, type FakeGitHub } from '../../helpers/fake-github.js'
import { linesOutsideStopCommands, runActionInProcess, type InProcessRun } from './action-helpers.js'

const TOKEN = 'ghs_inprocess_token_0123456789'
const SECRETS = {
  GITHUB_TOKEN: 'ghs_job_env_token_abcdef012345',
  ACTIONS_RUNTIME_TOKEN: 'actions-runtime-token-value-xyz',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc-request-token-value-xyz',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
}
/** Passed on purpose (pass-env / env input): reaches the service, must be redacted everywhere. */
const PASSED = { MY_API_KEY: 'passed-api-key-value-777', DB_PASSWORD: 'env-input-password-888' }
const FORGED = '<!-- otlp-perf-gate:perf/gate -->'

const DUMP_AND_DIE = [
  'env',
  'echo "::warning::pwned-by-service"',
  'echo "::set-output name=verdict::pass"',
  'echo "::add-mask::nothing"',
  `echo '${FORGED}'`,
  'exit 3'
].join('; ')

let gh: FakeGitHub
let run: InProcessRun

beforeAll(async () => {
  gh = await startFakeGitHub({ token: TOKEN, issueNumber: 5, seedUnrelated: 0 })
  run = await runActionInProcess(
    {
      'start-command': DUMP_AND_DIE,
      'target-url': 'http://127.0.0.1:{port}/',
      'ready-timeout': '10',
      'github-token': TOKEN,
      'pass-env': 'MY_API_KEY',
      env: `DB_PASSWORD=${PASSED.DB_PASSWORD}`,
      comment: 'always'
    },
    { ...SECRETS, MY_API_KEY: PASSED.MY_API_KEY },
    { apiUrl: gh.url, prNumber: 5 }
  )
}, 60_000)

afterAll(async () => {
  await gh.close()
  fs.rmSync(run.dir, { recursive: true, force: true })
})

function artifacts(): Record<string, string> {
  const comment = gh.state.comments.map((c) => c.body).join('\n')
  return {
    stdout: run.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n'),
    report: fs.readFileSync(run.outputs['report-path'], 'utf8'),
    results: fs.readFileSync(run.outputs['results-path'], 'utf8'),
    summary: run.summary,
    outputs: JSON.stringify(run.outputs),
    comment
  }
}

test('the run failed as a measurement error and still wrote report, results, summary and comment', () => {
  expect(run.outputs.verdict).toBe('error')
  expect(run.exitCode).toBe(1)
  expect(run.summary).toContain('OTLP perf gate')
  expect(gh.state.comments.length).toBe(1)
  // The service did run and its dump was quoted (so the checks below are not vacuous).
  expect(artifacts().report).toContain('MY_API_KEY=***')
  expect(artifacts().report).toContain('DB_PASSWORD=***')
})

test.each(Object.entries({ ...SECRETS, ...PASSED, TOKEN }))('no artifact contains %s', (_name, value) => {
  for (const [where, text] of Object.entries(artifacts())) {
    expect({ where, leaked: text.includes(value) }).toEqual({ where, leaked: false })
  }
})

test('the job-only secrets never reached the service at all', () => {
  const log = fs
    .readdirSync(`${run.dir}/out/logs`)
    .map((f) => fs.readFileSync(`${run.dir}/out/logs/${f}`, 'utf8'))
    .join('\n')
  expect(log).toContain('MY_API_KEY=')
  for (const name of [
    'GITHUB_TOKEN',
    'ACTIONS_RUNTIME_TOKEN',
    'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
    'AWS_SECRET_ACCESS_KEY',
    'GITHUB_OUTPUT',
    'GITHUB_STEP_SUMMARY',
    'INPUT_GITHUB-TOKEN'
  ]) {
    expect({ name, inLog: log.includes(`${name}=`) }).toEqual({ name, inLog: false })
  }
})

test('workflow commands from the service log are inert: only inside stop-commands blocks', () => {
  expect(run.stdout).toContain('::warning::pwned-by-service')
  const outside = linesOutsideStopCommands(run.stdout)
  // The runner parses a command only at the start of a line (the gate's own ::error:: escapes its newlines).
  expect(outside.filter((l) => /^::(warning|set-output)|^::add-mask::nothing/.test(l))).toEqual([])
  // Nothing set the verdict to pass.
  expect(run.outputs.verdict).toBe('error')
})

test('the forged marker is neutralised in every rendered text; the comment has one marker, on its first line', () => {
  const a = artifacts()
  // results.json keeps the log line as data: whatever renders it (mode: report) neutralises it.
  expect(a.results).toContain('otlp-perf-gate:perf/gate')
  for (const where of ['report', 'summary'] as const)
    expect({ where, forged: a[where].includes('<!--') }).toEqual({ where, forged: false })
  const body = gh.state.comments[0].body
  expect(body.split('<!--').length - 1).toBe(1)
  expect(body.split('\n')[0]).toContain('<!--')
})
