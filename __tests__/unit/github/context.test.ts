import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readPullRequestContext } from '../../../src/github/context.js'

/** A trimmed but real-shaped `pull_request` webhook payload. */
function prPayload(overrides: { headRepo?: unknown; number?: unknown } = {}): Record<string, unknown> {
  return {
    action: 'synchronize',
    number: 42,
    pull_request: {
      url: 'https://api.github.com/repos/acme/shop/pulls/42',
      id: 1234567890,
      number: 'number' in overrides ? overrides.number : 42,
      state: 'open',
      title: 'Add tracing to checkout | <b>fast</b>',
      user: { login: 'alice', type: 'User' },
      head: {
        label: 'acme:feature/otel',
        ref: 'feature/otel',
        sha: '1111111111111111111111111111111111111111',
        repo: 'headRepo' in overrides ? overrides.headRepo : { id: 1, full_name: 'acme/shop', fork: false }
      },
      base: {
        label: 'acme:main',
        ref: 'main',
        sha: '2222222222222222222222222222222222222222',
        repo: { id: 1, full_name: 'acme/shop', fork: false }
      }
    },
    repository: { full_name: 'acme/shop' },
    sender: { login: 'alice' }
  }
}

describe('readPullRequestContext', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'opg-ctx-'))
  })
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  function env(payload: unknown, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const file = join(dir, `event-${Math.random().toString(36).slice(2)}.json`)
    writeFileSync(file, JSON.stringify(payload))
    return {
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: file,
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_WORKFLOW: 'perf',
      GITHUB_JOB: 'gate',
      GITHUB_SHA: 'ffffffffffffffffffffffffffffffffffffffff',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_RUN_ID: '987654',
      ...extra
    }
  }

  it('reads a same-repository pull_request event', () => {
    const ctx = readPullRequestContext(env(prPayload()))
    expect(ctx).toEqual({
      eventName: 'pull_request',
      owner: 'acme',
      repo: 'shop',
      number: 42,
      headSha: '1111111111111111111111111111111111111111',
      baseSha: '2222222222222222222222222222222222222222',
      headRef: 'feature/otel',
      baseRef: 'main',
      isFork: false,
      title: 'Add tracing to checkout | <b>fast</b>',
      workflow: 'perf',
      job: 'gate',
      runUrl: 'https://github.com/acme/shop/actions/runs/987654',
      apiUrl: 'https://api.github.com'
    })
  })

  it('detects a fork, and a deleted fork (head.repo null)', () => {
    const fork = readPullRequestContext(env(prPayload({ headRepo: { full_name: 'mallory/shop', fork: true } })))
    expect(fork?.isFork).toBe(true)
    const gone = readPullRequestContext(env(prPayload({ headRepo: null })))
    expect(gone?.isFork).toBe(true)
  })

  it('accepts pull_request_target and honours GITHUB_API_URL (trailing slash removed)', () => {
    const ctx = readPullRequestContext(
      env(prPayload(), { GITHUB_EVENT_NAME: 'pull_request_target', GITHUB_API_URL: 'http://127.0.0.1:9/api/v3/' })
    )
    expect(ctx?.eventName).toBe('pull_request_target')
    expect(ctx?.apiUrl).toBe('http://127.0.0.1:9/api/v3')
  })

  it.each(['push', 'workflow_dispatch', 'workflow_run', 'schedule', ''])('returns null for event %j', (eventName) => {
    expect(readPullRequestContext(env({ ref: 'refs/heads/main' }, { GITHUB_EVENT_NAME: eventName }))).toBeNull()
  })

  it('names the field when the payload lacks the PR number', () => {
    expect(() => readPullRequestContext(env(prPayload({ number: undefined })))).toThrow(
      /'pull_request\.number'.*undefined/
    )
    expect(() => readPullRequestContext(env(prPayload({ number: '42' })))).toThrow(/'pull_request\.number'.*"42"/)
  })

  it('names the field when head.sha is missing', () => {
    const p = prPayload() as { pull_request: { head: Record<string, unknown> } }
    delete p.pull_request.head.sha
    expect(() => readPullRequestContext(env(p))).toThrow(/'pull_request\.head\.sha'/)
  })

  it('rejects a PR event without pull_request in the payload', () => {
    expect(() => readPullRequestContext(env({ action: 'opened' }))).toThrow(/'pull_request' must be an object/)
  })

  it('reports an unreadable or invalid event file with its path', () => {
    expect(() => readPullRequestContext({ GITHUB_EVENT_NAME: 'pull_request' })).toThrow(/GITHUB_EVENT_PATH is not set/)
    const missing = join(dir, 'nope.json')
    expect(() => readPullRequestContext({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: missing })).toThrow(
      missing
    )
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, '{not json')
    expect(() => readPullRequestContext({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: bad })).toThrow(
      /not valid JSON/
    )
  })

  it('rejects a malformed GITHUB_REPOSITORY and falls back to base.repo when it is unset', () => {
    expect(() => readPullRequestContext(env(prPayload(), { GITHUB_REPOSITORY: 'acme' }))).toThrow(
      /GITHUB_REPOSITORY.*"acme"/
    )
    const e = env(prPayload())
    delete e.GITHUB_REPOSITORY
    delete e.GITHUB_RUN_ID
    const ctx = readPullRequestContext(e)
    expect([ctx?.owner, ctx?.repo, ctx?.runUrl]).toEqual(['acme', 'shop', null])
  })
})
