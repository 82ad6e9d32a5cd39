/**
 * A fake GitHub REST API on 127.0.0.1 playing the few endpoints the sticky comment uses (and GraphQL
 * `viewer { login }`), and those the data-branch store of main's history uses: the contents API (GET,
 * PUT with the blob sha: 409 when stale) and the git data API (ref, blob, tree, commit, new ref).
 * Self-contained (node:http only, no jest imports) so that unit tests and the end-to-end test
 * that runs dist/index.js with GITHUB_API_URL pointing here can share it.
 */
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** How the fake answers. `forbidden`: 403 on writes (a fork PR's read-only token); `flaky`: the first N requests get 502; `down`: always 503. */
export type FakeGitHubMode = 'normal' | 'forbidden' | 'flaky' | 'down'

/** A stored issue comment, shaped like GitHub's. */
export interface FakeComment {
  id: number
  issueNumber: number
  body: string
  user: { login: string; type: 'User' | 'Bot' }
  html_url: string
  created_at: string
  updated_at: string
}

/** One request as received. */
export interface FakeRequest {
  method: string
  /** Path with query string. */
  path: string
  /** Raw Authorization header, or null. */
  authorization: string | null
  /** Parsed JSON body for POST/PATCH, else null. */
  body: unknown
  /** Status the fake answered with. */
  status: number
}

/** Options of {@link startFakeGitHub}. */
export interface FakeGitHubOptions {
  mode?: FakeGitHubMode
  /** In `flaky` mode, how many requests fail with 502 before the fake behaves (default 2). */
  flakyFailures?: number
  /** GET /user: a login to answer 200 with, or null to answer 403 like an installation token (default null). */
  userLogin?: string | null
  /** Author of comments created through the API (default: userLogin, else github-actions[bot]). */
  authorLogin?: string
  /** When set, only this token is accepted (401 otherwise); any non-empty token is accepted when unset. */
  token?: string
  /** Issue that gets `seedUnrelated` filler comments (default 1). */
  issueNumber?: number
  /** Unrelated comments by other people seeded first, so that pagination matters (default 150). */
  seedUnrelated?: number
  /** Extra comments appended after the filler, e.g. a marker comment by another user. */
  seed?: Array<{ body: string; login: string; type?: 'User' | 'Bot'; issueNumber?: number }>
  /** Echo the Authorization header in error bodies, to prove clients never repeat what servers send back. */
  echoAuthorizationInErrors?: boolean
  /** Default page size when per_page is absent (GitHub: 30). */
  defaultPerPage?: number
  /** Pull requests answered by GET /repos/:o/:r/pulls/:n, by number: their head commit. */
  pulls?: Record<number, { headSha: string }>
  /** Files of branches at start: branch → path → text. */
  branches?: Record<string, Record<string, string>>
  /** Files larger than this come without content from GET contents, as GitHub's over 1 MB (default 1 MiB). */
  contentLimitBytes?: number
}

/** Mutable state: tests may inspect it and change `mode` between calls. */
export interface FakeGitHubState {
  mode: FakeGitHubMode
  flakyRemaining: number
  comments: FakeComment[]
  requests: FakeRequest[]
  /** Branches and their files (path → text). */
  branches: Map<string, Map<string, string>>
  /**
   * Called once before the next PUT of a file is handled, then cleared: a test writes the branch here
   * as another job would between this client's read and its write (the PUT then gets GitHub's 409).
   */
  beforeNextPut: ((branches: Map<string, Map<string, string>>) => void) | null
}

/** A running fake; `url` has no trailing slash and is usable as GITHUB_API_URL. */
export interface FakeGitHub {
  url: string
  state: FakeGitHubState
  close(): Promise<void>
}

const BOT = 'github-actions[bot]'
// A history file of ~1 MB is 1.4 MB in base64.
const MAX_BODY_BYTES = 8 * 1024 * 1024

/** Starts the fake on 127.0.0.1 with an ephemeral port. */
export async function startFakeGitHub(opts: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const userLogin = opts.userLogin ?? null
  const authorLogin = opts.authorLogin ?? userLogin ?? BOT
  const defaultIssue = opts.issueNumber ?? 1
  const defaultPerPage = opts.defaultPerPage ?? 30
  const state: FakeGitHubState = {
    mode: opts.mode ?? 'normal',
    flakyRemaining: opts.flakyFailures ?? 2,
    comments: [],
    requests: [],
    branches: new Map(Object.entries(opts.branches ?? {}).map(([b, files]) => [b, new Map(Object.entries(files))])),
    beforeNextPut: null
  }
  const contentLimit = opts.contentLimitBytes ?? 1024 * 1024
  const trees = new Map<string, Map<string, string>>()
  const commits = new Map<string, string>()
  let nextId = 1000
  let baseUrl = ''
  const clock = Date.UTC(2025, 0, 1)
  const addComment = (issueNumber: number, body: string, login: string, type: 'User' | 'Bot'): FakeComment => {
    const id = nextId++
    const at = new Date(clock + id * 1000).toISOString()
    const c: FakeComment = {
      id,
      issueNumber,
      body,
      user: { login, type },
      html_url: `https://github.example/fake/pull/${issueNumber}#issuecomment-${id}`,
      created_at: at,
      updated_at: at
    }
    state.comments.push(c)
    return c
  }
  for (let i = 0; i < (opts.seedUnrelated ?? 150); i++) {
    addComment(defaultIssue, `Unrelated comment ${i + 1}: looks good to me`, `reviewer${i % 7}`, 'User')
  }
  for (const s of opts.seed ?? []) addComment(s.issueNumber ?? defaultIssue, s.body, s.login, s.type ?? 'User')

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET'
    const path = req.url ?? '/'
    const url = new URL(path, 'http://127.0.0.1')
    const authorization = req.headers.authorization ?? null
    const record: FakeRequest = { method, path, authorization, body: null, status: 0 }
    state.requests.push(record)
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      record.status = status
      const text = JSON.stringify(payload)
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
        ...headers
      })
      res.end(text)
    }
    const fail = (status: number, message: string): void => {
      const echoed = opts.echoAuthorizationInErrors === true ? ` [you sent: ${authorization ?? 'nothing'}]` : ''
      send(status, {
        message: message + echoed,
        documentation_url: 'https://docs.github.com/rest',
        status: String(status)
      })
    }

    let rawBody = ''
    if (method === 'POST' || method === 'PATCH' || method === 'PUT') {
      try {
        rawBody = await readBody(req)
      } catch {
        fail(413, 'Request body too large')
        return
      }
    }

    if (state.mode === 'down') return fail(503, 'Service Unavailable')
    if (state.mode === 'flaky' && state.flakyRemaining > 0) {
      state.flakyRemaining--
      return fail(502, 'Bad Gateway')
    }
    const token = /^(?:token|Bearer) (\S+)$/.exec(authorization ?? '')?.[1]
    if (token === undefined || (opts.token !== undefined && token !== opts.token)) return fail(401, 'Bad credentials')

    if (rawBody !== '') {
      try {
        record.body = JSON.parse(rawBody)
      } catch {
        return fail(400, 'Problems parsing JSON')
      }
    }

    if (method === 'GET' && url.pathname === '/user') {
      if (userLogin === null) return fail(403, 'Resource not accessible by integration')
      return send(200, { login: userLogin, id: 1, type: 'User' })
    }

    // GraphQL answers only `viewer { login }`: the account the token acts as (installation tokens included).
    if (method === 'POST' && url.pathname === '/graphql') {
      const query = (record.body as { query?: unknown } | null)?.query
      if (typeof query !== 'string' || !/\bviewer\s*\{\s*login\s*\}/.test(query))
        return fail(400, 'Only viewer { login } is faked')
      return send(200, { data: { viewer: { login: authorLogin } } })
    }

    const pull = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/.exec(url.pathname)
    if (pull !== null && method === 'GET') {
      const pr = opts.pulls?.[Number(pull[3])]
      if (pr === undefined) return fail(404, 'Not Found')
      return send(200, { number: Number(pull[3]), state: 'open', head: { sha: pr.headSha, ref: 'feature' } })
    }

    if (/^\/repos\/[^/]+\/[^/]+\/(contents|git)\//.test(url.pathname)) {
      const answer = dataBranchApi(state, method, url, record.body, { trees, commits, contentLimit })
      return answer.status >= 400 ? fail(answer.status, String(answer.body)) : send(answer.status, answer.body)
    }

    const list = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(url.pathname)
    if (list !== null) {
      const issueNumber = Number(list[3])
      if (method === 'GET') {
        const perPage = clampInt(url.searchParams.get('per_page'), defaultPerPage, 1, 100)
        const page = clampInt(url.searchParams.get('page'), 1, 1, 1_000_000)
        const all = state.comments.filter((c) => c.issueNumber === issueNumber)
        const lastPage = Math.max(1, Math.ceil(all.length / perPage))
        const items = all.slice((page - 1) * perPage, page * perPage)
        const pageUrl = (p: number): string => {
          const u = new URL(`${baseUrl}${url.pathname}`)
          u.searchParams.set('per_page', String(perPage))
          u.searchParams.set('page', String(p))
          return u.toString()
        }
        const links: string[] = []
        if (page > 1) links.push(`<${pageUrl(page - 1)}>; rel="prev"`, `<${pageUrl(1)}>; rel="first"`)
        if (page < lastPage) links.push(`<${pageUrl(page + 1)}>; rel="next"`, `<${pageUrl(lastPage)}>; rel="last"`)
        return send(200, items.map(toApi), links.length > 0 ? { link: links.join(', ') } : {})
      }
      if (method === 'POST') {
        if (state.mode === 'forbidden') return fail(403, 'Resource not accessible by integration')
        const body = bodyOf(record.body)
        if (body === null) return fail(422, 'Validation Failed: body is missing')
        if (body.length > 65536) return fail(422, 'Validation Failed: body is too long (maximum is 65536 characters)')
        const c = addComment(issueNumber, body, authorLogin, authorLogin.endsWith('[bot]') ? 'Bot' : 'User')
        return send(201, toApi(c))
      }
      return fail(405, 'Method Not Allowed')
    }

    const one = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(url.pathname)
    if (one !== null && method === 'PATCH') {
      if (state.mode === 'forbidden') return fail(403, 'Resource not accessible by integration')
      const c = state.comments.find((x) => x.id === Number(one[3]))
      if (c === undefined) return fail(404, 'Not Found')
      // GitHub lets an account edit only its own comments (with a write token).
      if (c.user.login !== authorLogin) return fail(403, 'You cannot edit this comment')
      const body = bodyOf(record.body)
      if (body === null) return fail(422, 'Validation Failed: body is missing')
      if (body.length > 65536) return fail(422, 'Validation Failed: body is too long (maximum is 65536 characters)')
      c.body = body
      c.updated_at = new Date(Date.parse(c.updated_at) + 1000).toISOString()
      return send(200, toApi(c))
    }

    return fail(404, 'Not Found')
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ message: `fake-github internal error: ${String(err)}` }))
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  baseUrl = `http://127.0.0.1:${port}`

  return {
    url: baseUrl,
    state,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Keep-alive sockets from fetch would otherwise hold close() open.
        server.closeAllConnections()
        server.close((err) => (err === undefined ? resolve() : reject(err)))
      })
  }
}

/** Git's blob id of `text` (sha1 of "blob <size>\\0<bytes>"), as GitHub answers it. */
export function gitBlobSha(text: string): string {
  const bytes = Buffer.from(text, 'utf8')
  return createHash('sha1')
    .update(Buffer.concat([Buffer.from(`blob ${bytes.length}\0`), bytes]))
    .digest('hex')
}

const fakeSha = (seed: string): string => createHash('sha1').update(seed).digest('hex')

/**
 * The contents and git data endpoints over `state.branches`: status and body (an error message for
 * statuses ≥ 400). Only what the data-branch store calls, with GitHub's statuses for its failures.
 */
function dataBranchApi(
  state: FakeGitHubState,
  method: string,
  url: URL,
  body: unknown,
  store: { trees: Map<string, Map<string, string>>; commits: Map<string, string>; contentLimit: number }
): { status: number; body: unknown } {
  const m = /^\/repos\/[^/]+\/[^/]+\/(contents|git)\/(.+)$/.exec(url.pathname) as RegExpExecArray
  const rest = decodeURIComponent(m[2])
  const b = (body ?? {}) as Record<string, unknown>
  if (m[1] === 'contents') {
    if (method === 'GET') {
      const files = state.branches.get(url.searchParams.get('ref') ?? 'main')
      const text = files?.get(rest)
      if (text === undefined)
        return { status: 404, body: files === undefined ? 'No commit found for the ref' : 'Not Found' }
      const size = Buffer.byteLength(text)
      const large = size > store.contentLimit
      return {
        status: 200,
        body: {
          type: 'file',
          path: rest,
          sha: gitBlobSha(text),
          size,
          encoding: large ? 'none' : 'base64',
          content: large ? '' : Buffer.from(text).toString('base64')
        }
      }
    }
    if (method !== 'PUT') return { status: 405, body: 'Method Not Allowed' }
    const hook = state.beforeNextPut
    state.beforeNextPut = null
    hook?.(state.branches)
    const files = state.branches.get(String(b.branch))
    if (files === undefined) return { status: 404, body: `Branch ${String(b.branch)} not found` }
    const current = files.get(rest)
    if (current !== undefined && b.sha === undefined)
      return { status: 422, body: 'Invalid request. "sha" wasn\'t supplied.' }
    if (current !== undefined && b.sha !== gitBlobSha(current))
      return { status: 409, body: `${rest} does not match ${String(b.sha)}` }
    if (current === undefined && b.sha !== undefined)
      return { status: 409, body: `${rest} does not match ${String(b.sha)}` }
    const text = Buffer.from(String(b.content), 'base64').toString('utf8')
    files.set(rest, text)
    return {
      status: current === undefined ? 201 : 200,
      body: { content: { path: rest, sha: gitBlobSha(text) }, commit: { sha: fakeSha(`${rest}${text}`) } }
    }
  }
  const ref = /^ref\/heads\/(.+)$/.exec(rest)
  if (ref !== null && method === 'GET') {
    if (!state.branches.has(ref[1])) return { status: 404, body: 'Not Found' }
    return { status: 200, body: { ref: `refs/heads/${ref[1]}`, object: { type: 'commit', sha: fakeSha(ref[1]) } } }
  }
  const blob = /^blobs\/([0-9a-f]{40})$/.exec(rest)
  if (blob !== null && method === 'GET') {
    for (const files of state.branches.values())
      for (const text of files.values())
        if (gitBlobSha(text) === blob[1])
          return {
            status: 200,
            body: { sha: blob[1], encoding: 'base64', content: Buffer.from(text).toString('base64') }
          }
    return { status: 404, body: 'Not Found' }
  }
  if (rest === 'trees' && method === 'POST') {
    const entries = (b.tree ?? []) as { path: string; content: string }[]
    const sha = fakeSha(`tree${store.trees.size}`)
    store.trees.set(sha, new Map(entries.map((e) => [e.path, e.content])))
    return { status: 201, body: { sha } }
  }
  if (rest === 'commits' && method === 'POST') {
    if (!store.trees.has(String(b.tree))) return { status: 422, body: 'Tree not found' }
    const sha = fakeSha(`commit${store.commits.size}`)
    store.commits.set(sha, String(b.tree))
    return { status: 201, body: { sha } }
  }
  if (rest === 'refs' && method === 'POST') {
    const name = /^refs\/heads\/(.+)$/.exec(String(b.ref))?.[1]
    const tree = store.trees.get(store.commits.get(String(b.sha)) ?? '')
    if (name === undefined || tree === undefined) return { status: 422, body: 'Invalid request' }
    if (state.branches.has(name)) return { status: 422, body: 'Reference already exists' }
    state.branches.set(name, new Map(tree))
    return { status: 201, body: { ref: `refs/heads/${name}`, object: { sha: String(b.sha) } } }
  }
  return { status: 404, body: 'Not Found' }
}

function toApi(c: FakeComment): Record<string, unknown> {
  return {
    id: c.id,
    body: c.body,
    user: { login: c.user.login, type: c.user.type },
    html_url: c.html_url,
    created_at: c.created_at,
    updated_at: c.updated_at
  }
}

function bodyOf(json: unknown): string | null {
  if (json === null || typeof json !== 'object') return null
  const body = (json as { body?: unknown }).body
  return typeof body === 'string' && body !== '' ? body : null
}

function clampInt(raw: string | null, fallback: number, min: number, max: number): number {
  const n = raw === null ? fallback : Number.parseInt(raw, 10)
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : fallback
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'))
        req.resume()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}
