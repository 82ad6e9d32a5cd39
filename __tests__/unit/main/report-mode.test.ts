/**
 * The action's entry (src/main.ts run()) in-process, with stand-ins for @actions/core and the
 * octokit: `mode: report` publishes a PR run's results file. Nothing is measured, spawned or sent.
 */
import { jest } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as core from '../../../__fixtures__/core.js'
import { fakeOctokit, githubModule } from '../../../__fixtures__/octokit.js'

const fake = fakeOctokit()
jest.unstable_mockModule('@actions/core', () => core)
jest.unstable_mockModule('@actions/github', () => githubModule(fake.octokit))

const { run } = await import('../../../src/main.js')
const { sampleResults } = await import('../../helpers/results.js')

const HEAD = 'c'.repeat(40)
const PR = 12
const TOKEN = 'ghs_reportModeToken123'

let dir: string
const savedEnv = { ...process.env }

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opg-main-'))
  core.resetCore()
  Object.assign(fake.state, {
    comments: [],
    calls: [],
    viewer: 'github-actions[bot]',
    failWrites: null,
    failAll: null,
    pulls: { [PR]: HEAD }
  })
  const event = path.join(dir, 'event.json')
  fs.writeFileSync(event, JSON.stringify({ workflow_run: { head_sha: HEAD } }))
  fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify(sampleResults({ sha: HEAD, prNumber: PR })))
  Object.assign(process.env, {
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_EVENT_NAME: 'workflow_run',
    GITHUB_EVENT_PATH: event,
    GITHUB_API_URL: 'https://api.github.test',
    GITHUB_STEP_SUMMARY: path.join(dir, 'summary.md'),
    GITHUB_WORKFLOW: 'publish perf',
    GITHUB_JOB: 'comment'
  })
  core.useInputs({
    mode: 'report',
    'results-file': path.join(dir, 'results.json'),
    'github-token': TOKEN,
    comment: 'always',
    'output-dir': path.join(dir, 'out')
  })
})

afterEach(() => {
  process.env = { ...savedEnv }
  fs.rmSync(dir, { recursive: true, force: true })
})

test('publishes the results as the sticky comment of the PR they name, marked by this workflow', async () => {
  await run()
  expect(core.setFailed).not.toHaveBeenCalled()
  expect(core.outputs().verdict).toBe('pass')
  expect(core.setSecret).toHaveBeenCalledWith(TOKEN)
  expect(fake.state.calls.find((c) => c.method === 'issues.createComment')?.params).toMatchObject({
    owner: 'acme',
    repo: 'shop',
    issue_number: PR
  })
  const body = fake.state.comments[0]?.body ?? ''
  expect(body.split('\n')[0]).toBe('<!-- otlp-perf-gate:publish%20perf/comment -->')
  expect(body).toContain('OTLP perf gate')
  expect(core.summaryWrites.join('')).toContain('OTLP perf gate')
  expect(fs.existsSync(core.outputs()['report-path'] ?? '')).toBe(true)
})

test('a second run updates the same comment', async () => {
  await run()
  await run()
  expect(fake.state.comments).toHaveLength(1)
  expect(fake.state.calls.filter((c) => c.method === 'issues.updateComment')).toHaveLength(1)
})

test('a read-only token: a warning, the summary, and the verdict of the results (no failure)', async () => {
  fake.state.failWrites = 403
  await run()
  expect(core.setFailed).not.toHaveBeenCalled()
  expect(core.outputs().verdict).toBe('pass')
  expect(core.warning.mock.calls.map(([m]) => String(m)).join('\n')).toMatch(/fork/)
  expect(core.summaryWrites.join('')).toContain('OTLP perf gate')
})

test('GitHub down: verdict error and a failure naming the comment', async () => {
  fake.state.failAll = 503
  await run()
  expect(core.outputs().verdict).toBe('error')
  expect(String(core.setFailed.mock.calls[0]?.[0])).toMatch(/could not post the PR comment.*503/s)
})

test('a PR whose head is not the measured commit gets no comment', async () => {
  fake.state.pulls = { [PR]: 'd'.repeat(40) }
  await run()
  expect(core.outputs().verdict).toBe('error')
  expect(String(core.setFailed.mock.calls[0]?.[0])).toMatch(/pull request #12 has head d{40}/)
  expect(
    fake.state.calls.some((c) => c.method.startsWith('issues.create') || c.method.startsWith('issues.update'))
  ).toBe(false)
})
