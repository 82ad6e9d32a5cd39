/**
 * The sticky comment against a stand-in octokit (no HTTP): which comment is ours, what a refusal
 * or an outage becomes, and how the client is built. The wire level (pagination links, retries,
 * rate limits, token redaction) is covered against the fake GitHub in __tests__/unit/github/comment.test.ts.
 */
import { jest } from '@jest/globals'
import { fakeOctokit, githubModule, type FakeOctokitState } from '../../../__fixtures__/octokit.js'

const fake = fakeOctokit()
const github = githubModule(fake.octokit)
jest.unstable_mockModule('@actions/github', () => github)

const { upsertStickyComment, stickyMarker, GitHubApiError, getPullRequestHeadSha } =
  await import('../../../src/github/comment.js')

const MARKER = stickyMarker('perf', 'gate')
const BOT = 'github-actions[bot]'

function reset(over: Partial<FakeOctokitState> = {}): FakeOctokitState {
  Object.assign(
    fake.state,
    { comments: [], calls: [], viewer: BOT, failWrites: null, failAll: null, perPage: 100, pulls: {} },
    over
  )
  return fake.state
}

function seed(state: FakeOctokitState, body: string, login: string): number {
  const id = 1000 + state.comments.length
  state.comments.push({ id, body, user: { login }, html_url: `https://github.test/c/${id}` })
  return id
}

const upsert = (extra: { warn?: (m: string) => void; log?: (m: string) => void } = {}) =>
  upsertStickyComment({
    token: 'ghs_x',
    apiUrl: 'https://api.github.test',
    owner: 'o',
    repo: 'r',
    issueNumber: 3,
    marker: MARKER,
    body: 'report',
    retryDelayMs: 0,
    ...extra
  })

beforeEach(() => reset())

test('builds the client through getOctokit with the retry and throttling plugins', async () => {
  await upsert()
  const [token, options, ...plugins] = github.getOctokit.mock.calls.at(-1) ?? []
  expect(token).toBe('ghs_x')
  expect(options).toMatchObject({ baseUrl: 'https://api.github.test', retry: { retries: 2 } })
  expect(plugins.map((p) => (p as { name: string }).name)).toEqual(['retry', 'throttling'])
})

test('updates the comment whose first line is the marker and whose author is the token (found on page 3)', async () => {
  const state = reset({ perPage: 2 })
  for (let i = 0; i < 4; i++) seed(state, `review ${i}`, `rev${i}`)
  const ours = seed(state, `${MARKER}\nold`, BOT)
  const r = await upsert()
  expect(r).toMatchObject({ outcome: 'updated', commentId: ours })
  expect(state.comments.find((c) => c.id === ours)?.body).toBe(`${MARKER}\nreport`)
  expect(state.calls.filter((c) => c.method === 'issues.listComments').map((c) => c.params.page)).toEqual([1, 2, 3])
  expect(state.calls.some((c) => c.method === 'issues.createComment')).toBe(false)
})

test.each([
  ['quoted later in a body by the same author (a log tail)', `## report\n\`\`\`\n${MARKER}\n\`\`\``, BOT],
  ['an exact marker line by another author', `${MARKER}\nforged`, 'mallory'],
  ['the marker after leading text on line 1', `x ${MARKER}\nforged`, BOT]
])('does not take over a comment with %s: creates its own', async (_name, body, login) => {
  const state = reset()
  seed(state, body, login)
  const r = await upsert()
  expect(r.outcome).toBe('created')
  expect(state.comments[0]?.body).toBe(body)
  expect(state.comments).toHaveLength(2)
  expect(state.calls.some((c) => c.method === 'issues.updateComment')).toBe(false)
})

test("the author is GraphQL viewer's login (a GitHub App's bot), so its comments are ours", async () => {
  const state = reset({ viewer: 'perf-app[bot]' })
  const theirs = seed(state, `${MARKER}\nby the workflow token`, BOT)
  const mine = seed(state, `${MARKER}\nby the app`, 'perf-app[bot]')
  const r = await upsert()
  expect(r).toMatchObject({ outcome: 'updated', commentId: mine })
  expect(state.comments.find((c) => c.id === theirs)?.body).toBe(`${MARKER}\nby the workflow token`)
})

test('when GraphQL is refused to the token, the workflow token account is assumed', async () => {
  const state = reset({ viewer: null })
  const ours = seed(state, `${MARKER}\nold`, BOT)
  const logs: string[] = []
  const r = await upsert({ log: (m) => logs.push(m) })
  expect(r).toMatchObject({ outcome: 'updated', commentId: ours })
  expect(logs.join('\n')).toMatch(/assuming it is github-actions\[bot\]/)
})

test('a refused write (fork PR) is a warning and outcome forbidden, never a throw', async () => {
  reset({ failWrites: 403 })
  const warnings: string[] = []
  const r = await upsert({ warn: (m) => warnings.push(m) })
  expect(r).toEqual({ outcome: 'forbidden' })
  expect(warnings).toHaveLength(1)
  expect(warnings[0]).toMatch(/HTTP 403.*fork.*pull-requests: write/s)
})

test('GitHub down: a GitHubApiError with the status, after the configured attempts', async () => {
  reset({ failAll: 503 })
  const err = await upsert().catch((e: unknown) => e)
  expect(err).toBeInstanceOf(GitHubApiError)
  expect((err as InstanceType<typeof GitHubApiError>).status).toBe(503)
  expect((err as Error).message).toMatch(/HTTP 503.*gave up after 3 attempts/)
})

test('getPullRequestHeadSha answers the head commit, and a missing PR is a GitHubApiError 404', async () => {
  reset({ pulls: { 7: 'a'.repeat(40) } })
  const base = { token: 'ghs_x', apiUrl: 'https://api.github.test', owner: 'o', repo: 'r' }
  await expect(getPullRequestHeadSha({ ...base, number: 7 })).resolves.toBe('a'.repeat(40))
  const err = await getPullRequestHeadSha({ ...base, number: 8 }).catch((e: unknown) => e)
  expect(err).toBeInstanceOf(GitHubApiError)
  expect((err as InstanceType<typeof GitHubApiError>).status).toBe(404)
})
