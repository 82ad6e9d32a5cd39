import { startFakeGitHub, type FakeGitHub, type FakeGitHubOptions } from '../../helpers/fake-github.js'
import { hasMarkerLine } from '../../../src/github/comment-body.js'
import {
  GitHubApiError,
  MAX_COMMENT_LENGTH,
  stickyMarker,
  truncateCommentBody,
  upsertStickyComment,
  type UpsertStickyCommentOptions
} from '../../../src/github/comment.js'

const TOKEN = 'ghs_s3cretT0kenValue1234567890'
const MARKER = stickyMarker('perf', 'gate')

describe('stickyMarker', () => {
  it('builds a hidden comment from workflow and job', () => {
    expect(stickyMarker('perf', 'gate')).toBe('<!-- otlp-perf-gate:perf/gate -->')
    expect(stickyMarker('perf', 'gate', 'api')).toBe('<!-- otlp-perf-gate:perf/gate/api -->')
  })

  it.each([
    ['evil --> <b>x</b>', 'job'],
    ['w', 'a--!>b'],
    ['a---b', '-->'],
    ['x', '-']
  ])('cannot be closed early by %j / %j', (workflow, job) => {
    const m = stickyMarker(workflow, job)
    const inner = m.slice('<!--'.length, -'-->'.length)
    expect(inner).not.toContain('--')
    expect(inner).not.toContain('>')
    expect(m.endsWith(' -->')).toBe(true)
  })

  it('keeps different (workflow, job) pairs apart even with slashes', () => {
    expect(stickyMarker('a/b', 'c')).not.toBe(stickyMarker('a', 'b/c'))
    expect(stickyMarker('perf', 'gate')).not.toBe(stickyMarker('perf', 'gate2'))
    // A marker must not be a prefix-match of another one.
    expect(stickyMarker('perf', 'gate2').includes(stickyMarker('perf', 'gate'))).toBe(false)
  })
})

describe('hasMarkerLine', () => {
  it('is true only for the exact first line', () => {
    expect(hasMarkerLine(`${MARKER}\nreport`, MARKER)).toBe(true)
    expect(hasMarkerLine(`${MARKER}\r\nreport edited in the web UI`, MARKER)).toBe(true)
    expect(hasMarkerLine(MARKER, MARKER)).toBe(true)
    expect(hasMarkerLine(`report\n${MARKER}`, MARKER)).toBe(false)
    expect(hasMarkerLine(` ${MARKER}\nreport`, MARKER)).toBe(false)
    expect(hasMarkerLine(`${MARKER} trailing\nreport`, MARKER)).toBe(false)
    expect(hasMarkerLine(`${stickyMarker('perf', 'gate2')}\nreport`, MARKER)).toBe(false)
  })
})

describe('truncateCommentBody', () => {
  it('leaves a short body alone', () => {
    expect(truncateCommentBody('a\nb', 100, 'NOTE')).toBe('a\nb')
  })

  it('cuts at a line boundary, within the limit, and appends the note', () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `| row ${i} | ${'x'.repeat(40)} |`)
    const text = lines.join('\n')
    const out = truncateCommentBody(text, 10_000, 'NOTE: see the job summary')
    expect(out.length).toBeLessThanOrEqual(10_000)
    expect(out.endsWith('NOTE: see the job summary')).toBe(true)
    const kept = out.slice(0, out.indexOf('\n\nNOTE')).split('\n')
    // Every kept line is a whole original line.
    kept.forEach((l, i) => expect(l).toBe(lines[i]))
    expect(kept.length).toBeGreaterThan(100)
  })

  it('closes a code fence and <details> left open by the cut', () => {
    const text = `<details><summary>logs</summary>\n\n\`\`\`text\n${'log line\n'.repeat(5000)}\`\`\`\n</details>\n`
    const out = truncateCommentBody(text, 5000, 'NOTE')
    expect(out.length).toBeLessThanOrEqual(5000)
    expect(out).toMatch(/log line\n```\n<\/details>\n\nNOTE$/)
  })

  it('does not split a surrogate pair in a body without newlines', () => {
    const out = truncateCommentBody('😀'.repeat(3000), 1001, 'N')
    expect(out.length).toBeLessThanOrEqual(1001)
    expect(out).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/)
  })
})

describe('upsertStickyComment against a fake GitHub', () => {
  let gh: FakeGitHub | undefined
  afterEach(async () => {
    await gh?.close()
    gh = undefined
  })

  async function start(opts: FakeGitHubOptions = {}): Promise<FakeGitHub> {
    gh = await startFakeGitHub(opts)
    return gh
  }

  function upsert(fake: FakeGitHub, extra: Partial<UpsertStickyCommentOptions> = {}) {
    const logs: string[] = []
    const warnings: string[] = []
    const promise = upsertStickyComment({
      token: TOKEN,
      apiUrl: fake.url,
      owner: 'acme',
      repo: 'shop',
      issueNumber: 1,
      marker: MARKER,
      body: '## Perf gate\n\nPASS',
      retryDelayMs: 1,
      log: (m) => logs.push(m),
      warn: (m) => warnings.push(m),
      ...extra
    })
    return { promise, logs, warnings }
  }

  const markerComments = (fake: FakeGitHub) => fake.state.comments.filter((c) => c.body.includes(MARKER))

  it('creates the comment, then updates the same one (found on page 2) instead of duplicating', async () => {
    const fake = await start({ seedUnrelated: 150 })
    const first = await upsert(fake).promise
    expect(first.outcome).toBe('created')
    expect(markerComments(fake)).toHaveLength(1)
    const created = markerComments(fake)[0]!
    expect(first.commentId).toBe(created.id)
    expect(first.url).toBe(created.html_url)
    expect(created.body).toBe(`${MARKER}\n## Perf gate\n\nPASS`)
    expect(created.user.login).toBe('github-actions[bot]')
    // The new comment is number 151: on page 2 with per_page=100.
    expect(fake.state.comments.indexOf(created)).toBe(150)

    fake.state.requests.length = 0
    const second = await upsert(fake, { body: '## Perf gate\n\nFAIL' }).promise
    expect(second).toEqual({ outcome: 'updated', commentId: created.id, url: created.html_url })
    expect(markerComments(fake)).toHaveLength(1)
    expect(created.body).toBe(`${MARKER}\n## Perf gate\n\nFAIL`)
    expect(fake.state.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /graphql',
      'GET /repos/acme/shop/issues/1/comments?per_page=100',
      'GET /repos/acme/shop/issues/1/comments?per_page=100&page=2',
      `PATCH /repos/acme/shop/issues/comments/${created.id}`
    ])
    expect(fake.state.requests.every((r) => r.authorization === `token ${TOKEN}`)).toBe(true)
  })

  it("uses the token's own login (GraphQL viewer), e.g. a PAT's user", async () => {
    const fake = await start({
      userLogin: 'perf-bot-user',
      seed: [{ body: `${MARKER}\nold`, login: 'github-actions[bot]', type: 'Bot' }]
    })
    const r1 = await upsert(fake).promise
    // The github-actions[bot] comment is not ours under this identity: a new one is created.
    expect(r1.outcome).toBe('created')
    expect(fake.state.comments.at(-1)?.user.login).toBe('perf-bot-user')
    const r2 = await upsert(fake).promise
    expect(r2).toMatchObject({ outcome: 'updated', commentId: r1.commentId })
  })

  it('does not edit a comment carrying the marker that another user wrote', async () => {
    const fake = await start({ seed: [{ body: `${MARKER}\nhijack`, login: 'mallory' }] })
    const { promise, logs } = upsert(fake)
    const r = await promise
    expect(r.outcome).toBe('created')
    const mallory = fake.state.comments.find((c) => c.user.login === 'mallory')!
    expect(mallory.body).toBe(`${MARKER}\nhijack`)
    expect(fake.state.requests.some((r) => r.method === 'PATCH')).toBe(false)
    expect(logs.join('\n')).toMatch(/Ignored 1 comment/)
  })

  it('matches only a comment whose first line is the marker: one quoting it later is not ours', async () => {
    // A service log tail in our own earlier report quoted the marker (issue 9: forged sticky marker).
    const quoted = `## Perf gate\n\n\`\`\`text\n${MARKER}\n\`\`\``
    const fake = await start({ seedUnrelated: 2, seed: [{ body: quoted, login: 'github-actions[bot]', type: 'Bot' }] })
    const r = await upsert(fake).promise
    expect(r.outcome).toBe('created')
    expect(fake.state.comments.find((c) => c.body === quoted)).toBeDefined()
    expect(fake.state.requests.some((q) => q.method === 'PATCH')).toBe(false)
  })

  it('a create that failed with 502 after GitHub stored it is found again and updated, not duplicated', async () => {
    const fake = await start({ seedUnrelated: 0 })
    let failedOnce = false
    const fetchImpl: typeof fetch = async (input, init) => {
      const res = await fetch(input, init)
      if (init?.method === 'POST' && String(input).endsWith('/comments') && !failedOnce) {
        failedOnce = true
        return new Response(JSON.stringify({ message: 'Bad Gateway' }), {
          status: 502,
          headers: { 'content-type': 'application/json' }
        })
      }
      return res
    }
    const r = await upsert(fake, { fetchImpl }).promise
    expect(failedOnce).toBe(true)
    expect(r.outcome).toBe('updated')
    expect(markerComments(fake)).toHaveLength(1)
    expect(fake.state.requests.filter((q) => q.method === 'POST' && q.path.endsWith('/comments'))).toHaveLength(1)
  })

  it('does not confuse the marker of another job', async () => {
    const other = stickyMarker('perf', 'gate2')
    const fake = await start({
      seedUnrelated: 3,
      seed: [{ body: `${other}\nother job`, login: 'github-actions[bot]', type: 'Bot' }]
    })
    const r = await upsert(fake).promise
    expect(r.outcome).toBe('created')
    expect(fake.state.comments.find((c) => c.body.includes(other))?.body).toBe(`${other}\nother job`)
  })

  it('returns forbidden with a fork/permissions warning on a read-only token, without throwing', async () => {
    const fake = await start({ mode: 'forbidden' })
    const { promise, warnings } = upsert(fake)
    const r = await promise
    expect(r).toEqual({ outcome: 'forbidden' })
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/HTTP 403/)
    expect(warnings[0]).toMatch(/fork/)
    expect(warnings[0]).toMatch(/pull-requests: write/)
    expect(warnings[0]).toMatch(/workflow_run/)
    expect(markerComments(fake)).toHaveLength(0)
  })

  it('returns forbidden when updating an existing comment is refused', async () => {
    const fake = await start({ seedUnrelated: 5 })
    await upsert(fake).promise
    fake.state.mode = 'forbidden'
    const { promise, warnings } = upsert(fake, { body: 'new' })
    expect((await promise).outcome).toBe('forbidden')
    expect(warnings[0]).toMatch(/PATCH \/repos\/acme\/shop\/issues\/comments\/\d+ failed with HTTP 403/)
  })

  it('retries 502s and then succeeds', async () => {
    const fake = await start({ mode: 'flaky', flakyFailures: 2, seedUnrelated: 10 })
    const { promise, logs } = upsert(fake, { retries: 3 })
    const r = await promise
    expect(r.outcome).toBe('created')
    expect(fake.state.requests.filter((q) => q.status === 502)).toHaveLength(2)
    expect(logs.filter((l) => /HTTP 502/.test(l))).toHaveLength(2)
    expect(markerComments(fake)).toHaveLength(1)
  })

  it('throws GitHubApiError after a bounded number of attempts when GitHub is down', async () => {
    const fake = await start({ mode: 'down' })
    const err = await upsert(fake, { retries: 3 }).promise.catch((e: unknown) => e)
    expect(err).toBeInstanceOf(GitHubApiError)
    const e = err as GitHubApiError
    expect(e.status).toBe(503)
    expect(e.method).toBe('POST')
    expect(e.endpoint).toBe('/graphql')
    expect(e.message).toMatch(/HTTP 503.*after 3 attempts/)
    expect(fake.state.requests).toHaveLength(3)
  })

  it('throws on network errors after retries (nothing listening)', async () => {
    const fake = await start()
    const url = fake.url
    await fake.close()
    gh = undefined
    const err = await upsertStickyComment({
      token: TOKEN,
      apiUrl: url,
      owner: 'acme',
      repo: 'shop',
      issueNumber: 1,
      marker: MARKER,
      body: 'x',
      retries: 2,
      retryDelayMs: 1
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(GitHubApiError)
    expect((err as GitHubApiError).status).toBeNull()
    expect((err as GitHubApiError).message).toMatch(/POST \/graphql failed.*after 2 attempts/)
  })

  it('throws a clear error on 401, without retrying', async () => {
    const fake = await start({ token: 'the-right-one' })
    const err = await upsert(fake).promise.catch((e: unknown) => e)
    expect(err).toBeInstanceOf(GitHubApiError)
    expect((err as GitHubApiError).status).toBe(401)
    expect((err as Error).message).toMatch(/token is invalid or expired/)
    expect(fake.state.requests).toHaveLength(1)
  })

  it('never puts the token in errors, warnings or logs, even when the server echoes it', async () => {
    const collected: string[] = []
    for (const mode of ['down', 'forbidden'] as const) {
      const fake = await startFakeGitHub({ mode, echoAuthorizationInErrors: true, seedUnrelated: 2 })
      try {
        const { promise, logs, warnings } = upsert(fake)
        const outcome = await promise.then(
          (r) => JSON.stringify(r),
          (e: unknown) => `${String(e)} ${(e as Error).stack ?? ''}`
        )
        collected.push(outcome, ...logs, ...warnings)
        // The fake did echo it: otherwise this test could not fail.
        expect(fake.state.requests.some((r) => r.status >= 400)).toBe(true)
      } finally {
        await fake.close()
      }
    }
    const fake401 = await startFakeGitHub({ token: 'other', echoAuthorizationInErrors: true })
    try {
      const err = await upsert(fake401).promise.catch((e: unknown) => e)
      collected.push(String(err))
    } finally {
      await fake401.close()
    }
    const all = collected.join('\n')
    expect(all).toMatch(/you sent: token \*\*\*/)
    expect(all).not.toContain(TOKEN)
  })

  it('truncates a body over 65536 characters and points to the job summary', async () => {
    const fake = await start({ seedUnrelated: 0 })
    const body = Array.from({ length: 4000 }, (_, i) => `| ${i} | ${'y'.repeat(30)} |`).join('\n')
    expect(body.length).toBeGreaterThan(MAX_COMMENT_LENGTH)
    const { promise, logs } = upsert(fake, { body })
    expect((await promise).outcome).toBe('created')
    const stored = markerComments(fake)[0]!.body
    expect(stored.length).toBeLessThanOrEqual(MAX_COMMENT_LENGTH)
    expect(stored.startsWith(`${MARKER}\n| 0 |`)).toBe(true)
    expect(stored).toMatch(/job summary/)
    expect(logs.join('\n')).toMatch(/truncated/)
  })

  it('posts a new comment when the found one vanished before the update (404)', async () => {
    const fake = await start({ seedUnrelated: 0 })
    const first = await upsert(fake).promise
    // Delete the comment between the list and the PATCH by intercepting fetch.
    const fetchImpl: typeof fetch = async (input, init) => {
      if (init?.method === 'PATCH') fake.state.comments.splice(0, fake.state.comments.length)
      return fetch(input, init)
    }
    const r = await upsert(fake, { fetchImpl }).promise
    expect(r.outcome).toBe('created')
    expect(r.commentId).not.toBe(first.commentId)
  })
})

describe('upsertStickyComment with a stubbed fetch', () => {
  const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } })
  const base = {
    token: TOKEN,
    apiUrl: 'http://127.0.0.1:1',
    owner: 'o',
    repo: 'r',
    issueNumber: 7,
    marker: MARKER,
    body: 'b',
    retryDelayMs: 1
  }

  it('retries a secondary rate limit (403 + Retry-After) instead of calling it forbidden', async () => {
    const calls: string[] = []
    let limited = true
    const fetchImpl: typeof fetch = async (input, init) => {
      const url = String(input)
      calls.push(`${init?.method} ${url}`)
      if (url.endsWith('/graphql')) return json(200, { data: { viewer: { login: 'github-actions[bot]' } } })
      if (limited) {
        limited = false
        return json(403, { message: 'You have exceeded a secondary rate limit' }, { 'retry-after': '0' })
      }
      if (init?.method === 'GET') return json(200, [])
      return json(201, { id: 5, body: 'x', user: { login: 'github-actions[bot]' }, html_url: 'u' })
    }
    const warnings: string[] = []
    const r = await upsertStickyComment({ ...base, fetchImpl, warn: (m) => warnings.push(m) })
    expect(r).toEqual({ outcome: 'created', commentId: 5, url: 'u' })
    expect(warnings).toEqual([])
  })

  it('an exhausted quota that resets in an hour is an error (rate limited), not forbidden, and not waited for', async () => {
    const reset = String(Math.floor(Date.now() / 1000) + 3600)
    const fetchImpl: typeof fetch = async (input) =>
      String(input).endsWith('/graphql')
        ? json(200, { data: { viewer: { login: 'me' } } })
        : json(
            403,
            { message: 'API rate limit exceeded' },
            { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }
          )
    const warnings: string[] = []
    const err = await upsertStickyComment({ ...base, fetchImpl, warn: (m) => warnings.push(m) }).catch(
      (e: unknown) => e
    )
    expect(err).toBeInstanceOf(GitHubApiError)
    expect((err as GitHubApiError).rateLimited).toBe(true)
    expect((err as Error).message).toMatch(/HTTP 403.*rate limited/)
    expect(warnings).toEqual([])
  })

  it('refuses to follow a next-page link to another host', async () => {
    const seen: string[] = []
    const fetchImpl: typeof fetch = async (input) => {
      const url = String(input)
      seen.push(url)
      if (url.endsWith('/graphql')) return json(200, { data: { viewer: { login: 'me' } } })
      return json(200, [], { link: '<https://evil.example/steal?page=2>; rel="next"' })
    }
    await expect(upsertStickyComment({ ...base, fetchImpl })).rejects.toThrow(/another host/)
    expect(seen.some((u) => u.includes('evil.example'))).toBe(false)
  })

  it('rejects a list answer that is not an array', async () => {
    const fetchImpl: typeof fetch = async (input) =>
      String(input).endsWith('/graphql') ? json(200, { data: { viewer: { login: 'me' } } }) : json(200, { oops: true })
    await expect(upsertStickyComment({ ...base, fetchImpl })).rejects.toThrow(/instead of a list of comments/)
  })

  it('validates its options', async () => {
    await expect(upsertStickyComment({ ...base, token: ' ' })).rejects.toThrow(/token is empty/)
    await expect(upsertStickyComment({ ...base, issueNumber: 0 })).rejects.toThrow(/issueNumber.*0/)
    await expect(upsertStickyComment({ ...base, marker: 'plain' })).rejects.toThrow(
      /marker must be a one-line HTML comment/
    )
    await expect(upsertStickyComment({ ...base, retries: 0 })).rejects.toThrow(/retries/)
  })
})
