/**
 * Stand-in for the octokit that `@actions/github`'s getOctokit returns: the calls the sticky comment
 * makes (issues list/create/update, pulls.get, GraphQL viewer, paginate.iterator, hook.before), over
 * in-memory comments. Failures are thrown shaped like octokit's RequestError (status, request, response).
 * Register with `jest.unstable_mockModule('@actions/github', () => githubModule(fake))`.
 */
import type { getOctokit } from '@actions/github'
import { jest } from '@jest/globals'

/** A stored comment, shaped like the fields the code reads. */
export interface StandInComment {
  id: number
  body: string
  user: { login: string }
  html_url: string
}

/** One call as received: the octokit method and its parameters. */
export interface StandInCall {
  method: string
  params: Record<string, unknown>
}

/** State and knobs of {@link fakeOctokit}; tests may change them between calls. */
export interface FakeOctokitState {
  comments: StandInComment[]
  calls: StandInCall[]
  /** Login GraphQL `viewer` answers with; null: GraphQL refused (403). */
  viewer: string | null
  /** Status every write (create/update) fails with, e.g. 403 for a fork's read-only token. */
  failWrites: number | null
  /** Status every call fails with, e.g. 503 when GitHub is down. */
  failAll: number | null
  /** Page size of the comment list. */
  perPage: number
  /** Head commits answered by pulls.get, by PR number. */
  pulls: Record<number, string>
}

/** Error shaped like @octokit/request-error's RequestError. */
export function requestError(status: number, method: string, url: string, message = `HTTP ${status}`): Error {
  return Object.assign(new Error(message), {
    name: 'HttpError',
    status,
    request: { method, url, headers: {} },
    response: { status, url, headers: {}, data: { message } }
  })
}

/** A fake octokit over in-memory comments, and its state. */
export function fakeOctokit(init: Partial<FakeOctokitState> = {}): {
  octokit: ReturnType<typeof getOctokit>
  state: FakeOctokitState
} {
  const state: FakeOctokitState = {
    comments: [],
    calls: [],
    viewer: 'github-actions[bot]',
    failWrites: null,
    failAll: null,
    perPage: 100,
    pulls: {},
    ...init
  }
  let nextId = 1
  const record = (method: string, params: Record<string, unknown>, write: boolean): void => {
    state.calls.push({ method, params })
    if (state.failAll !== null) throw requestError(state.failAll, 'GET', `https://api.github.test/${method}`)
    if (write && state.failWrites !== null)
      throw requestError(
        state.failWrites,
        'POST',
        `https://api.github.test/${method}`,
        'Resource not accessible by integration'
      )
  }
  const page = (params: { page?: number }): StandInComment[] => {
    const p = params.page ?? 1
    return state.comments.slice((p - 1) * state.perPage, p * state.perPage)
  }
  const listComments = Object.assign(
    jest.fn(async (params: Record<string, unknown>) => {
      record('issues.listComments', params, false)
      return { data: page(params as { page?: number }) }
    }),
    { endpoint: { merge: () => ({}) } }
  )
  const rest = {
    issues: {
      listComments,
      createComment: jest.fn(async (params: { body: string }) => {
        record('issues.createComment', params, true)
        const id = nextId++
        const c = {
          id,
          body: params.body,
          user: { login: state.viewer ?? 'github-actions[bot]' },
          html_url: `https://github.test/c/${id}`
        }
        state.comments.push(c)
        return { data: c }
      }),
      updateComment: jest.fn(async (params: { comment_id: number; body: string }) => {
        record('issues.updateComment', params, true)
        const c = state.comments.find((x) => x.id === params.comment_id)
        if (c === undefined)
          throw requestError(404, 'PATCH', `https://api.github.test/comments/${params.comment_id}`, 'Not Found')
        c.body = params.body
        return { data: c }
      })
    },
    pulls: {
      get: jest.fn(async (params: { pull_number: number }) => {
        record('pulls.get', params, false)
        const sha = state.pulls[params.pull_number]
        if (sha === undefined)
          throw requestError(404, 'GET', `https://api.github.test/pulls/${params.pull_number}`, 'Not Found')
        return { data: { number: params.pull_number, head: { sha } } }
      })
    }
  }
  const graphql = jest.fn(async (query: string) => {
    record('graphql', { query }, false)
    if (state.viewer === null)
      throw requestError(403, 'POST', 'https://api.github.test/graphql', 'Resource not accessible by integration')
    return { viewer: { login: state.viewer } }
  })
  // Walks the pages as octokit's paginate.iterator does, one listComments call per page.
  async function* iterator(method: typeof listComments, params: Record<string, unknown>) {
    for (let p = 1; ; p++) {
      const res = await method({ ...params, page: p })
      yield res
      if (p * state.perPage >= state.comments.length) return
    }
  }
  const octokit = {
    rest,
    graphql,
    paginate: { iterator },
    hook: { before: jest.fn(), after: jest.fn(), error: jest.fn(), wrap: jest.fn() }
  }
  return { octokit: octokit as unknown as ReturnType<typeof getOctokit>, state }
}

/** The `@actions/github` module with getOctokit answering `octokit` (and recording its options). */
export function githubModule(octokit: ReturnType<typeof getOctokit>) {
  return { getOctokit: jest.fn<typeof getOctokit>(() => octokit), context: {} }
}
