/**
 * The one sticky PR comment: found by a hidden HTML marker through the paginated comment list,
 * updated in place on re-runs, created otherwise.
 *
 * Plain `fetch` rather than Octokit: four REST calls do not need a client, an injected
 * `fetchImpl` tests without module mocks, and retries/redaction stay in one visible place.
 */

/** GitHub rejects issue comments longer than this (in characters). */
export const MAX_COMMENT_LENGTH = 65536

/** Login of the account behind the workflow's GITHUB_TOKEN (an installation token that cannot call GET /user). */
export const GITHUB_ACTIONS_BOT_LOGIN = 'github-actions[bot]'

/** Appended when the report had to be cut to fit in a comment. */
export const TRUNCATION_NOTE =
  '> [!NOTE]\n> This report was truncated to fit GitHub\'s comment size limit. The full report is in the job summary and the results artifact.'

const MARKER_PREFIX = 'otlp-perf-gate:'
const USER_AGENT = 'otlp-perf-gate'
const API_VERSION = '2022-11-28'
/** Bound on comment pages walked (100 per page): 10 000 comments. */
const MAX_PAGES = 100
/** Never sleep longer than this between attempts, whatever a Retry-After asks for. */
const MAX_RETRY_WAIT_MS = 60_000

/** Options of {@link upsertStickyComment}. */
export interface UpsertStickyCommentOptions {
  token: string
  /** REST API base URL, e.g. https://api.github.com or https://ghe.example.com/api/v3. */
  apiUrl: string
  owner: string
  repo: string
  issueNumber: number
  /** Hidden HTML comment identifying the sticky comment, from {@link stickyMarker}. */
  marker: string
  /** Markdown body (without marker). */
  body: string
  log?: (m: string) => void
  warn?: (m: string) => void
  /** Attempts of the whole find-then-write operation on 5xx/network errors (default 3, at most 10). */
  retries?: number
  /** First backoff delay, doubled per attempt (default 1000 ms). */
  retryDelayMs?: number
  /** Per-request timeout (default 30 000 ms). */
  timeoutMs?: number
  /** Only comments by this login are edited; default: GET /user, or github-actions[bot] when the token cannot call it. */
  authorLogin?: string
  fetchImpl?: typeof fetch
}

/** What {@link upsertStickyComment} did. `forbidden`: the token may not comment (fork PR or missing permission). */
export interface UpsertStickyCommentResult {
  outcome: 'created' | 'updated' | 'forbidden'
  commentId?: number
  url?: string
}

/** A GitHub REST call that failed for good. Never carries the token. */
export class GitHubApiError extends Error {
  /** HTTP status, or null for network errors and timeouts. */
  readonly status: number | null
  readonly method: string
  /** Path and query of the call, relative to the API host. */
  readonly endpoint: string
  /** Whether another attempt might succeed (5xx, network, short rate limit). */
  readonly retryable: boolean
  /** Server-requested wait before the next attempt (rate limits), if any. */
  readonly retryAfterMs: number | null
  /** The call was refused by a rate limit (a 403 that does not mean "no permission"). */
  readonly rateLimited: boolean

  constructor(
    message: string,
    init: {
      status: number | null
      method: string
      endpoint: string
      retryable?: boolean
      retryAfterMs?: number | null
      rateLimited?: boolean
    }
  ) {
    super(message)
    this.name = 'GitHubApiError'
    this.status = init.status
    this.method = init.method
    this.endpoint = init.endpoint
    this.retryable = init.retryable ?? false
    this.retryAfterMs = init.retryAfterMs ?? null
    this.rateLimited = init.rateLimited ?? false
  }
}

/**
 * Hidden marker `<!-- otlp-perf-gate:workflow/job[/id] -->` of the sticky comment.
 * Parts are percent-encoded (so `/`, `>` and spaces cannot blur the boundaries) and `--` is broken up
 * so that no part can close the HTML comment.
 */
export function stickyMarker(workflow: string, job: string, commentId?: string): string {
  const parts = [workflow, job]
  if (commentId !== undefined && commentId !== '') parts.push(commentId)
  return `<!-- ${MARKER_PREFIX}${parts.map(escapeMarkerPart).join('/')} -->`
}

function escapeMarkerPart(part: string): string {
  // encodeURIComponent leaves '-' alone; '--' could still end the comment, so encode every second dash.
  return encodeURIComponent(part).replace(/--/g, '-%2D')
}

/**
 * Cuts `text` to at most `maxLength` characters at a line boundary, closes an open code fence or
 * `<details>` block, and appends `note`. Returns `text` unchanged when it fits.
 */
export function truncateCommentBody(text: string, maxLength: number, note: string = TRUNCATION_NOTE): string {
  if (text.length <= maxLength) return text
  const suffixOf = (head: string): string => `${closers(head)}\n\n${note}`
  // Reserve generously for the closers, then shrink further if they turn out longer.
  let budget = maxLength - note.length - 64
  if (budget <= 0) throw new Error(`maxLength ${maxLength} is too small to hold the truncation note`)
  for (let guard = 0; guard < 100; guard++) {
    let cut = text.lastIndexOf('\n', budget)
    if (cut <= 0) cut = budget
    // Never split a UTF-16 surrogate pair.
    const code = text.charCodeAt(cut - 1)
    if (code >= 0xd800 && code <= 0xdbff) cut -= 1
    const head = text.slice(0, cut).replace(/\s+$/, '')
    const result = head + suffixOf(head)
    if (result.length <= maxLength) return result
    budget = cut - (result.length - maxLength) - 1
    if (budget <= 0) break
  }
  throw new Error(`could not truncate the comment body to ${maxLength} characters`)
}

/** Markdown needed to close a code fence and `<details>` blocks left open at the end of `head`. */
function closers(head: string): string {
  let openFence: string | null = null
  let openDetails = 0
  for (const line of head.split('\n')) {
    const m = /^ {0,3}(`{3,}|~{3,})/.exec(line)
    if (m !== null) {
      const fence = m[1] as string
      if (openFence === null) openFence = fence
      else if (fence[0] === openFence[0] && fence.length >= openFence.length && line.trim() === fence) openFence = null
      continue
    }
    // Tags inside a code block are text, not HTML.
    if (openFence !== null) continue
    openDetails += (line.match(/<details[\s>]/gi) ?? []).length
    openDetails -= (line.match(/<\/details\s*>/gi) ?? []).length
  }
  let out = openFence === null ? '' : `\n${openFence}`
  for (let i = 0; i < openDetails; i++) out += '\n</details>'
  return out
}

interface IssueComment {
  id: number
  body: string
  login: string | null
  htmlUrl: string | undefined
}

interface Ctx {
  token: string
  apiUrl: string
  origin: string
  fetchImpl: typeof fetch
  timeoutMs: number
  log: (m: string) => void
}

/**
 * Head commit of pull request `number` (GET /repos/{o}/{r}/pulls/{n}). `mode: report` uses it to
 * check that the PR number an artifact names really is the PR whose run produced it.
 */
export async function getPullRequestHeadSha(opts: {
  token: string
  apiUrl: string
  owner: string
  repo: string
  number: number
  fetchImpl?: typeof fetch
}): Promise<string> {
  const apiUrl = opts.apiUrl.replace(/\/+$/, '')
  const ctx: Ctx = {
    token: opts.token,
    apiUrl,
    origin: new URL(apiUrl).origin,
    fetchImpl: opts.fetchImpl ?? fetch,
    timeoutMs: 30_000,
    log: () => {}
  }
  const endpoint = `/repos/${encodeURIComponent(opts.owner)}/${encodeURIComponent(opts.repo)}/pulls/${opts.number}`
  const res = await call(ctx, 'GET', `${apiUrl}${endpoint}`)
  const j = res.json as { head?: { sha?: unknown } } | null
  const sha = j?.head?.sha
  if (typeof sha !== 'string') throw new GitHubApiError(`GitHub API GET ${endpoint} answered without head.sha`, { status: res.status, method: 'GET', endpoint })
  return sha
}

/**
 * Creates or updates the sticky comment carrying `marker` on issue/PR `issueNumber`.
 * 403/404 (fork PR, missing `pull-requests: write`) → `forbidden` plus a warning, never a throw.
 * 5xx/network errors are retried (bounded), then a {@link GitHubApiError} is thrown; 401 throws at once.
 */
export async function upsertStickyComment(opts: UpsertStickyCommentOptions): Promise<UpsertStickyCommentResult> {
  const log = opts.log ?? ((): void => {})
  const warn = opts.warn ?? log
  const token = opts.token
  if (token.trim() === '') throw new Error('the GitHub token is empty: pass the github-token input (default ${{ github.token }})')
  if (!Number.isSafeInteger(opts.issueNumber) || opts.issueNumber <= 0) {
    throw new Error(`issueNumber must be a positive integer, got ${String(opts.issueNumber)}`)
  }
  if (!opts.marker.startsWith('<!--') || !opts.marker.endsWith('-->')) {
    throw new Error(`marker must be an HTML comment '<!-- ... -->', got '${opts.marker}'`)
  }
  const retries = clampInt(opts.retries ?? 3, 1, 10, 'retries')
  const retryDelayMs = clampInt(opts.retryDelayMs ?? 1000, 0, MAX_RETRY_WAIT_MS, 'retryDelayMs')
  const apiUrl = opts.apiUrl.replace(/\/+$/, '')
  let origin: string
  try {
    origin = new URL(apiUrl).origin
  } catch {
    throw new Error(`apiUrl must be an absolute URL, got '${apiUrl}'`)
  }
  const ctx: Ctx = {
    token,
    apiUrl,
    origin,
    fetchImpl: opts.fetchImpl ?? fetch,
    timeoutMs: opts.timeoutMs ?? 30_000,
    log: (m) => log(redact(m, token))
  }
  const fullBody = `${opts.marker}\n${truncateCommentBody(opts.body, MAX_COMMENT_LENGTH - opts.marker.length - 1)}`
  if (fullBody.length - opts.marker.length - 1 < opts.body.length) {
    ctx.log(`Report is ${opts.body.length} characters, over GitHub's ${MAX_COMMENT_LENGTH}-character comment limit: truncated`)
  }
  const repoPath = `/repos/${encodeURIComponent(opts.owner)}/${encodeURIComponent(opts.repo)}`
  const listUrl = `${apiUrl}${repoPath}/issues/${opts.issueNumber}/comments?per_page=100`

  let author = opts.authorLogin
  // Retry the whole find-then-write, not single requests: if a POST answered 502 but was stored,
  // the next attempt finds the comment and updates it instead of posting a duplicate.
  for (let attempt = 1; ; attempt++) {
    try {
      author ??= await resolveAuthorLogin(ctx)
      const existing = await findComment(ctx, listUrl, opts.marker, author)
      if (existing !== null) {
        try {
          const updated = await call(ctx, 'PATCH', `${apiUrl}${repoPath}/issues/comments/${existing.id}`, { body: fullBody })
          const c = parseComment(updated, 'PATCH', `${repoPath}/issues/comments/${existing.id}`)
          ctx.log(`Updated sticky comment ${c.id}${c.htmlUrl === undefined ? '' : ` (${c.htmlUrl})`}`)
          return withUrl({ outcome: 'updated', commentId: c.id }, c.htmlUrl)
        } catch (err) {
          // Deleted between listing and editing: post a fresh one.
          if (!(err instanceof GitHubApiError && err.status === 404)) throw err
          ctx.log(`Sticky comment ${existing.id} vanished before it could be updated; creating a new one`)
        }
      }
      const created = await call(ctx, 'POST', listUrl.replace(/\?.*$/, ''), { body: fullBody })
      const c = parseComment(created, 'POST', `${repoPath}/issues/${opts.issueNumber}/comments`)
      ctx.log(`Created sticky comment ${c.id}${c.htmlUrl === undefined ? '' : ` (${c.htmlUrl})`}`)
      return withUrl({ outcome: 'created', commentId: c.id }, c.htmlUrl)
    } catch (err) {
      if (!(err instanceof GitHubApiError)) throw err
      if (isPermissionDenied(err)) {
        warn(redact(forbiddenWarning(err, opts.owner, opts.repo, opts.issueNumber), token))
        return { outcome: 'forbidden' }
      }
      if (!err.retryable) throw err
      if (attempt >= retries) {
        throw new GitHubApiError(`${err.message} (gave up after ${attempt} attempt${attempt === 1 ? '' : 's'})`, {
          status: err.status,
          method: err.method,
          endpoint: err.endpoint,
          rateLimited: err.rateLimited
        })
      }
      const backoff = Math.min(retryDelayMs * 2 ** (attempt - 1), MAX_RETRY_WAIT_MS)
      const waitMs = Math.min(Math.max(backoff, err.retryAfterMs ?? 0), MAX_RETRY_WAIT_MS)
      ctx.log(`${err.message}; attempt ${attempt} of ${retries}, retrying in ${waitMs} ms`)
      await sleep(waitMs)
    }
  }
}

/** 403/404 that mean "this token may not do that" (not a rate limit). */
function isPermissionDenied(err: GitHubApiError): boolean {
  return (err.status === 403 || err.status === 404) && !err.rateLimited
}

function withUrl(result: UpsertStickyCommentResult, url: string | undefined): UpsertStickyCommentResult {
  return url === undefined ? result : { ...result, url }
}

function forbiddenWarning(err: GitHubApiError, owner: string, repo: string, issueNumber: number): string {
  return (
    `Could not write the performance report comment on ${owner}/${repo}#${issueNumber}: ${err.message}. ` +
    'This is expected on pull requests from forks, whose GITHUB_TOKEN is read-only, and when the job lacks ' +
    "'permissions: pull-requests: write'. The report is still in the job summary. To comment on fork pull requests, " +
    "use the two-workflow pattern: run the gate on 'pull_request' and upload the report as an artifact, then post it " +
    "from a separate workflow triggered by 'workflow_run' that has 'pull-requests: write'."
  )
}

/** The login whose marker comments we may edit. */
async function resolveAuthorLogin(ctx: Ctx): Promise<string> {
  try {
    const user = await call(ctx, 'GET', `${ctx.apiUrl}/user`)
    const login = (user.json as { login?: unknown } | null)?.login
    if (typeof login === 'string' && login !== '') {
      ctx.log(`Token belongs to '${login}'`)
      return login
    }
    throw new GitHubApiError(`GitHub API GET /user answered without a 'login'`, { status: user.status, method: 'GET', endpoint: '/user' })
  } catch (err) {
    // Installation tokens (GITHUB_TOKEN) are refused by GET /user with 403 "Resource not accessible by integration".
    if (err instanceof GitHubApiError && isPermissionDenied(err)) {
      ctx.log(`GET /user is not available to this token (HTTP ${err.status}); assuming it is ${GITHUB_ACTIONS_BOT_LOGIN}`)
      return GITHUB_ACTIONS_BOT_LOGIN
    }
    throw err
  }
}

/** Walks the comment pages (Link rel="next") until a comment by `author` containing `marker` shows up. */
async function findComment(ctx: Ctx, firstUrl: string, marker: string, author: string): Promise<IssueComment | null> {
  let url: string | null = firstUrl
  let othersWithMarker = 0
  for (let page = 1; url !== null; page++) {
    if (page > MAX_PAGES) {
      ctx.log(`Stopped looking for the sticky comment after ${MAX_PAGES} pages of comments; a new one will be posted`)
      return null
    }
    const res = await call(ctx, 'GET', url)
    const endpoint = endpointOf(url, ctx.origin)
    if (!Array.isArray(res.json)) {
      throw new GitHubApiError(`GitHub API GET ${endpoint} returned ${describe(res.json)} instead of a list of comments`, {
        status: res.status,
        method: 'GET',
        endpoint
      })
    }
    for (const raw of res.json) {
      const c = parseComment({ status: res.status, json: raw, next: null }, 'GET', endpoint)
      if (!c.body.includes(marker)) continue
      if (c.login !== null && c.login.toLowerCase() === author.toLowerCase()) {
        ctx.log(`Found sticky comment ${c.id} on page ${page}`)
        return c
      }
      othersWithMarker++
    }
    url = res.next
    if (url !== null && new URL(url).origin !== ctx.origin) {
      // Never send the token to another host because a Link header said so.
      throw new GitHubApiError(`GitHub API GET ${endpoint} returned a next-page link to another host (${new URL(url).origin})`, {
        status: res.status,
        method: 'GET',
        endpoint
      })
    }
  }
  if (othersWithMarker > 0) {
    ctx.log(`Ignored ${othersWithMarker} comment(s) carrying the marker that were written by someone other than '${author}'`)
  }
  return null
}

function parseComment(res: ApiResponse, method: string, endpoint: string): IssueComment {
  const j = res.json as { id?: unknown; body?: unknown; user?: unknown; html_url?: unknown } | null
  if (j === null || typeof j !== 'object' || typeof j.id !== 'number' || !Number.isSafeInteger(j.id)) {
    throw new GitHubApiError(`GitHub API ${method} ${endpoint} returned a comment without a numeric 'id': ${describe(res.json)}`, {
      status: res.status,
      method,
      endpoint
    })
  }
  const user = j.user as { login?: unknown } | null | undefined
  return {
    id: j.id,
    body: typeof j.body === 'string' ? j.body : '',
    login: user !== null && typeof user === 'object' && typeof user.login === 'string' ? user.login : null,
    htmlUrl: typeof j.html_url === 'string' ? j.html_url : undefined
  }
}

interface ApiResponse {
  status: number
  json: unknown
  /** Absolute URL of the next page (Link rel="next"), null when none. */
  next: string | null
}

/** One HTTP call; non-2xx and network failures become GitHubApiError with `retryable` set. */
async function call(ctx: Ctx, method: string, url: string, body?: unknown): Promise<ApiResponse> {
  const endpoint = endpointOf(url, ctx.origin)
  const headers: Record<string, string> = {
    Accept: 'application/vnd.github+json',
    Authorization: `Bearer ${ctx.token}`,
    'User-Agent': USER_AGENT,
    'X-GitHub-Api-Version': API_VERSION
  }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  let res: Response
  let text: string
  try {
    res = await ctx.fetchImpl(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(ctx.timeoutMs)
    })
    text = await res.text()
  } catch (err) {
    const reason = err instanceof Error ? `${err.name}: ${err.message}${causeOf(err)}` : String(err)
    throw new GitHubApiError(redact(`GitHub API ${method} ${endpoint} failed: ${reason}`, ctx.token), {
      status: null,
      method,
      endpoint,
      retryable: true
    })
  }
  let json: unknown = null
  if (text !== '') {
    try {
      json = JSON.parse(text)
    } catch {
      json = text
    }
  }
  if (res.ok) return { status: res.status, json, next: nextLink(res.headers.get('link'), url) }

  const detail = githubMessage(json)
  const what = redact(`GitHub API ${method} ${endpoint} failed with HTTP ${res.status}${detail === '' ? '' : ` (${detail})`}`, ctx.token)
  if (res.status === 401) {
    throw new GitHubApiError(`${what}: the token is invalid or expired; check the github-token input`, {
      status: 401,
      method,
      endpoint
    })
  }
  const rateWait = rateLimitWaitMs(res)
  if (rateWait !== null) {
    const retryable = rateWait <= MAX_RETRY_WAIT_MS
    throw new GitHubApiError(`${what}: rate limited${retryable ? '' : `, for another ${Math.ceil(rateWait / 1000)} s`}`, {
      status: res.status,
      method,
      endpoint,
      retryable,
      retryAfterMs: retryable ? rateWait : null,
      rateLimited: true
    })
  }
  throw new GitHubApiError(what, { status: res.status, method, endpoint, retryable: res.status >= 500 })
}

/** Wait asked for by a rate-limit answer (429, or 403 with Retry-After / exhausted quota); null if not one. */
function rateLimitWaitMs(res: Response): number | null {
  if (res.status !== 403 && res.status !== 429) return null
  const retryAfter = res.headers.get('retry-after')
  if (retryAfter !== null && /^\d+$/.test(retryAfter.trim())) return Number(retryAfter.trim()) * 1000
  if (res.headers.get('x-ratelimit-remaining') === '0') {
    const reset = Number(res.headers.get('x-ratelimit-reset'))
    return Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - Date.now()) : MAX_RETRY_WAIT_MS + 1
  }
  return res.status === 429 ? 0 : null
}

/** RFC 5988 Link header → absolute URL of rel="next". */
function nextLink(header: string | null, base: string): string | null {
  if (header === null) return null
  for (const part of header.split(',')) {
    const m = /<([^>]*)>\s*((?:;\s*[^;]+)*)/.exec(part.trim())
    if (m === null) continue
    const rels = /;\s*rel\s*=\s*"?([^";]+)"?/i.exec(m[2] ?? '')
    if (rels !== null && (rels[1] ?? '').split(/\s+/).includes('next')) return new URL(m[1] ?? '', base).toString()
  }
  return null
}

function githubMessage(json: unknown): string {
  let msg = ''
  if (typeof json === 'string') msg = json
  else if (json !== null && typeof json === 'object') {
    const m = (json as { message?: unknown }).message
    if (typeof m === 'string') msg = m
  }
  msg = msg.replace(/\s+/g, ' ').trim()
  return msg.length > 300 ? `${msg.slice(0, 297)}...` : msg
}

function endpointOf(url: string, origin: string): string {
  try {
    const u = new URL(url)
    return u.origin === origin ? `${u.pathname}${u.search}` : `${u.origin}${u.pathname}${u.search}`
  } catch {
    return url
  }
}

function causeOf(err: Error): string {
  const cause = (err as { cause?: unknown }).cause
  return cause instanceof Error ? ` (${cause.message})` : ''
}

function describe(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value))
  return text.length > 120 ? `${text.slice(0, 117)}...` : text
}

/** Removes every occurrence of the token from a message (defence in depth: servers may echo headers). */
function redact(message: string, token: string): string {
  return token.length === 0 ? message : message.split(token).join('***')
}

function clampInt(value: number, min: number, max: number, name: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer in [${min}, ${max}], got ${String(value)}`)
  }
  return value
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
