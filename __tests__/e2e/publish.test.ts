/**
 * Publishing end to end: dist/index.js on a `pull_request` event against the fake GitHub REST API —
 * the sticky comment is created once and then updated in place (found through pagination), a
 * read-only (fork) token degrades to a warning, an API outage is retried then reported as `error`,
 * `mode: report` posts a PR run's results from a `workflow_run` event, and the token never leaks.
 */
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import { startFakeGitHub, type FakeGitHub, type FakeComment } from '../helpers/fake-github.js'
import {
  expectExit,
  publishOnlyInputs,
  pullRequestEvent,
  readReport,
  readResults,
  removeWorkspaces,
  runAction,
  workflowRunEvent,
  type ActionRun
} from './helpers.js'

const TOKEN = `ghs_e2e${randomBytes(12).toString('hex')}`
const PR = 77
const MARKER_PREFIX = '<!-- otlp-perf-gate:'
const PR_HEAD = '1234567890abcdef'.repeat(2) + '12345678'
const prEvent = pullRequestEvent({ number: PR, headSha: PR_HEAD })

const fakes: FakeGitHub[] = []
async function fake(opts: Parameters<typeof startFakeGitHub>[0]): Promise<FakeGitHub> {
  const f = await startFakeGitHub({ token: TOKEN, issueNumber: PR, ...opts })
  fakes.push(f)
  return f
}

afterAll(async () => {
  for (const f of fakes.splice(0)) await f.close()
  removeWorkspaces()
})

function markerComments(f: FakeGitHub): FakeComment[] {
  return f.state.comments.filter((c) => c.issueNumber === PR && c.body.includes(MARKER_PREFIX))
}

/** The token is masked for the runner (::add-mask::) and appears nowhere else. */
function expectNoTokenLeak(run: ActionRun): void {
  const masks = run.stdout.split('\n').filter((l) => l.startsWith('::add-mask::'))
  expect(masks).toContain(`::add-mask::${TOKEN}`)
  const rest = run.stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n')
  expect(rest).not.toContain(TOKEN)
  expect(run.stderr).not.toContain(TOKEN)
  expect(run.summary).not.toContain(TOKEN)
  expect(JSON.stringify(run.outputs)).not.toContain(TOKEN)
  if (run.outputs['report-path']) expect(readReport(run)).not.toContain(TOKEN)
  if (run.outputs['results-path']) expect(fs.readFileSync(run.outputs['results-path'], 'utf8')).not.toContain(TOKEN)
}

function gateRun(f: FakeGitHub, seed: string): Promise<ActionRun> {
  return runAction({
    inputs: publishOnlyInputs({ 'github-token': TOKEN, seed }),
    event: prEvent,
    apiUrl: f.url
  })
}

/** State shared by the sticky-comment tests (they run in order) and the report-mode test. */
let normal: FakeGitHub | null = null
let firstComment: { id: number; markerLine: string } | null = null
let prResultsJson: string | null = null

describe('sticky comment on a pull_request run', () => {
  test('the first run creates exactly one comment carrying the marker and the report', async () => {
    normal = await fake({ seedUnrelated: 150 })
    const run = await gateRun(normal, '101')
    expectExit(run, 0)
    expect(run.outputs.verdict).toBe('pass')

    const marked = markerComments(normal)
    expect(marked).toHaveLength(1)
    const c = marked[0]
    expect(c.body.startsWith(MARKER_PREFIX)).toBe(true)
    const report = readReport(run)
    expect(c.body).toContain(report.trim())
    expect(c.body).toContain('OTLP perf gate')
    expect(c.user.login).toBe('github-actions[bot]')
    // Provenance of the PR payload made it into the report.
    expect(report).toContain('1234567890ab')

    const requests = normal.state.requests
    // 150 unrelated comments at 100 per page: the search had to walk to page 2 before creating.
    expect(requests.some((r) => r.method === 'GET' && /[?&]page=2\b/.test(r.path))).toBe(true)
    // The other POST is GraphQL's `viewer` (the comment author): only one comment is created.
    expect(requests.filter((r) => r.method === 'POST' && r.path.endsWith('/comments'))).toHaveLength(1)
    expect(requests.filter((r) => r.method === 'PATCH')).toHaveLength(0)
    expect(requests.every((r) => r.authorization === `token ${TOKEN}`)).toBe(true)
    expectNoTokenLeak(run)

    const results = readResults(run)
    expect(results.git.prNumber).toBe(PR)
    firstComment = { id: c.id, markerLine: c.body.split('\n')[0] }
    prResultsJson = fs.readFileSync(run.outputs['results-path'], 'utf8')
  }, 90_000)

  test('a second run updates the same comment in place (still exactly one marker comment)', async () => {
    if (normal === null || firstComment === null) throw new Error('needs the first sticky-comment test')
    const before = normal.state.requests.length
    const run = await gateRun(normal, '202')
    expectExit(run, 0)

    const marked = markerComments(normal)
    expect(marked).toHaveLength(1)
    expect(marked[0].id).toBe(firstComment.id)
    expect(marked[0].body.split('\n')[0]).toBe(firstComment.markerLine)
    expect(marked[0].body).toContain(readReport(run).trim())
    expect(marked[0].body).toContain('`202`')
    expect(normal.state.comments).toHaveLength(151)

    const mine = normal.state.requests.slice(before)
    expect(mine.filter((r) => r.method === 'PATCH')).toHaveLength(1)
    expect(mine.filter((r) => r.method === 'POST' && r.path.endsWith('/comments'))).toHaveLength(0)
    expectNoTokenLeak(run)
  }, 90_000)

  test('a read-only (fork) token: a warning about permissions, the summary, and the exit code of the verdict', async () => {
    const f = await fake({ mode: 'forbidden', seedUnrelated: 5, echoAuthorizationInErrors: true })
    const run = await gateRun(f, '303')
    expectExit(run, 0)
    expect(run.outputs.verdict).toBe('pass')
    expect(run.errors).toEqual([])
    const warning = run.warnings.join('\n')
    expect(warning).toMatch(/fork/i)
    expect(warning).toMatch(/permission/i)
    expect(run.summary).toContain(readReport(run).trim())
    expect(markerComments(f)).toHaveLength(0)
    // The fake echoed the Authorization header into its 403 body: still no leak.
    expectNoTokenLeak(run)
  }, 90_000)

  test('GitHub down (5xx): retried, then verdict error and exit 1 — distinguishable from a FAIL', async () => {
    const f = await fake({ mode: 'down', seedUnrelated: 5, echoAuthorizationInErrors: true })
    const run = await gateRun(f, '404')
    expectExit(run, 1)
    expect(run.outputs.verdict).toBe('error')
    expect(f.state.requests.length).toBeGreaterThanOrEqual(2)
    expect(f.state.requests.every((r) => r.status === 503)).toBe(true)
    const error = run.errors.join('\n')
    expect(error).toMatch(/comment/i)
    expect(error).toContain('503')
    // The measurement itself succeeded and was reported before publishing failed.
    expect(run.summary).toContain('OTLP perf gate')
    expect(readResults(run).verdict).toBe('pass')
    expectNoTokenLeak(run)
  }, 90_000)
})

test('mode: report posts the PR run results from a workflow_run event on that PR', async () => {
  if (prResultsJson === null || firstComment === null) {
    // Run on its own (-t): produce the PR run's artifact first.
    const setup = await fake({ seedUnrelated: 0 })
    const run = await gateRun(setup, '505')
    expectExit(run, 0)
    prResultsJson = fs.readFileSync(run.outputs['results-path'], 'utf8')
    firstComment = { id: markerComments(setup)[0].id, markerLine: markerComments(setup)[0].body.split('\n')[0] }
  }
  const f = await fake({ seedUnrelated: 3, pulls: { [PR]: { headSha: PR_HEAD } } })
  const run = await runAction({
    inputs: { mode: 'report', 'results-file': 'artifact/results.json', 'github-token': TOKEN },
    event: workflowRunEvent('perf', PR_HEAD),
    // The publishing workflow keys its own sticky comment: nothing from the artifact picks the marker.
    env: { GITHUB_WORKFLOW: 'publish perf report', GITHUB_JOB: 'comment' },
    apiUrl: f.url,
    files: { 'artifact/results.json': prResultsJson }
  })
  expectExit(run, 0)
  const results = JSON.parse(prResultsJson) as { verdict: string }
  expect(run.outputs.verdict).toBe(results.verdict)
  const marked = markerComments(f)
  expect(marked).toHaveLength(1)
  expect(marked[0].body.split('\n')[0]).toContain('publish%20perf%20report')
  expect(marked[0].body.split('\n')[0]).not.toBe(firstComment.markerLine)
  const report = readReport(run)
  expect(report).toContain('OTLP perf gate')
  expect(marked[0].body).toContain(report.trim())
  expect(run.summary).toContain(report.trim())
  expect(f.state.requests.filter((r) => r.method === 'POST' && r.path.includes(`/issues/${PR}/comments`))).toHaveLength(
    1
  )
  expectNoTokenLeak(run)
}, 90_000)

describe('mode: report trusts nothing in the artifact with the write token', () => {
  test.each<[string, (r: Record<string, any>) => void, string, Record<number, { headSha: string }>]>([
    [
      'a PR number whose head is another commit',
      (r) => (r.git.prNumber = 12),
      'pull request #12 has head',
      { 12: { headSha: 'f'.repeat(40) } }
    ],
    ['results of another commit than the workflow run', (r) => (r.git.sha = 'e'.repeat(40)), 'refusing to comment', {}]
  ])(
    '%s → error, no comment',
    async (_name, forge, message, pulls) => {
      expect(prResultsJson).not.toBeNull()
      const forged = JSON.parse(prResultsJson as string)
      forge(forged)
      const f = await fake({ seedUnrelated: 0, pulls: { [PR]: { headSha: PR_HEAD }, ...pulls } })
      const run = await runAction({
        inputs: { mode: 'report', 'results-file': 'artifact/results.json', 'github-token': TOKEN },
        event: workflowRunEvent('perf', PR_HEAD),
        apiUrl: f.url,
        files: { 'artifact/results.json': JSON.stringify(forged) }
      })
      expectExit(run, 1)
      expect(run.outputs.verdict).toBe('error')
      expect(run.stdout).toContain(message)
      expect(f.state.requests.filter((r) => r.method === 'POST' || r.method === 'PATCH')).toHaveLength(0)
    },
    60_000
  )
})
