/**
 * The GitHub REST/GraphQL client: `@actions/github`'s octokit (proxy support, user agent) with the
 * retry and throttling plugins, and failures turned into one error type that never carries the token.
 */
import { getOctokit } from '@actions/github'
import { defaults as toolkitDefaults } from '@actions/github/lib/utils'
import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'
import Bottleneck from 'bottleneck'

/** The octokit this module hands out. */
export type GitHubClient = ReturnType<typeof getOctokit>

/** Options of {@link createGitHubClient}. */
export interface GitHubClientOptions {
  token: string
  /** REST API base URL, e.g. https://api.github.com or https://ghe.example.com/api/v3. */
  apiUrl: string
  /** Attempts per request on 5xx/network errors and short rate limits (default 3, at most 10). */
  attempts?: number
  /** Unit of the plugins' waits: retries wait (n+1)² units, rate limits their Retry-After in s (default 1000 ms). */
  retryDelayMs?: number
  /** Per-request timeout (default 30 000 ms). */
  timeoutMs?: number
  log?: (m: string) => void
  /** Replaces fetch (tests); default: the toolkit's proxy-aware fetch. */
  fetchImpl?: typeof fetch
}

/** Never wait longer than this for a rate limit, whatever the server asks for: fail instead. */
export const MAX_RATE_LIMIT_WAIT_S = 60

/** A GitHub API call that failed for good. Never carries the token. */
export class GitHubApiError extends Error {
  /** HTTP status, or null for network errors and timeouts. */
  readonly status: number | null
  readonly method: string
  /** Path and query of the call, relative to the API host. */
  readonly endpoint: string
  /** The call was refused by a rate limit (a 403/429 that does not mean "no permission"). */
  readonly rateLimited: boolean

  constructor(
    message: string,
    init: { status: number | null; method: string; endpoint: string; rateLimited?: boolean }
  ) {
    super(message)
    this.name = 'GitHubApiError'
    this.status = init.status
    this.method = init.method
    this.endpoint = init.endpoint
    this.rateLimited = init.rateLimited ?? false
  }

  /** 403/404 that mean "this token may not do that" (fork PR, missing permission), not a rate limit. */
  get permissionDenied(): boolean {
    return (this.status === 403 || this.status === 404) && !this.rateLimited
  }
}

/**
 * Octokit for `token` against `apiUrl`, retrying 5xx/network errors and rate limits up to `attempts`
 * times in all, refusing to send the token to any other host (a `Link` header could name one).
 */
export function createGitHubClient(opts: GitHubClientOptions): GitHubClient {
  if (opts.token.trim() === '')
    throw new Error('the GitHub token is empty: pass the github-token input (default ${{ github.token }})')
  const attempts = intIn(opts.attempts ?? 3, 1, 10, 'attempts')
  const unitMs = intIn(opts.retryDelayMs ?? 1000, 0, 60_000, 'retryDelayMs')
  const apiUrl = opts.apiUrl.replace(/\/+$/, '')
  let origin: string
  try {
    origin = new URL(apiUrl).origin
  } catch {
    throw new Error(`apiUrl must be an absolute URL, got '${apiUrl}'`)
  }
  const log = opts.log ?? ((): void => {})
  const onLimit =
    (kind: string) =>
    (retryAfterS: number, options: { method: string; url: string }, _o: unknown, retryCount: number): boolean => {
      const again = retryCount + 1 < attempts && retryAfterS <= MAX_RATE_LIMIT_WAIT_S
      log(
        `GitHub API ${options.method} ${options.url}: ${kind}, retry after ${retryAfterS} ` +
          `s${again ? '' : ': giving up'}`
      )
      return again
    }
  const timeoutMs = opts.timeoutMs ?? 30_000
  // Our `request` replaces the toolkit's whole `request` default, so its proxy-aware fetch is wrapped, not lost.
  const base: typeof fetch = opts.fetchImpl ?? (toolkitDefaults.request?.fetch as typeof fetch | undefined) ?? fetch
  // Every attempt passes here (the retry plugin re-sends through it), so each failed one is logged.
  const timedFetch = async (url: string, init: RequestInit): Promise<Response> => {
    const timeout = AbortSignal.timeout(timeoutMs)
    const call = `GitHub API ${init.method ?? 'GET'} ${endpointOf(url, origin)}`
    try {
      const res = await base(url, { ...init, signal: init.signal ? AbortSignal.any([init.signal, timeout]) : timeout })
      if (res.status >= 500 || res.status === 429) log(`${call}: HTTP ${res.status}`)
      return res
    } catch (err) {
      log(redact(`${call}: ${errorText(err)}`, opts.token))
      throw err
    }
  }
  const octokit = getOctokit(
    opts.token,
    {
      baseUrl: apiUrl,
      userAgent: 'otlp-perf-gate',
      request: { fetch: timedFetch },
      retry: { retries: attempts - 1, retryAfterBaseValue: unitMs },
      throttle: {
        retryAfterBaseValue: unitMs,
        // GitHub's spacing of writes (1 s) and notifying writes (3 s), in this client's own wait unit.
        write: new Bottleneck.Group({ maxConcurrent: 1, minTime: unitMs }),
        notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: 3 * unitMs }),
        onRateLimit: onLimit('rate limited'),
        onSecondaryRateLimit: onLimit('secondary rate limit')
      }
    },
    retry,
    throttling
  )
  octokit.hook.before('request', (options) => {
    const url = new URL(String(options.url), `${apiUrl}/`)
    if (url.origin !== origin) {
      // Not a GitHubApiError: nothing was sent, and no retry may send it.
      throw new Error(
        `refusing GitHub API ${options.method} ${url.origin}${url.pathname}: another host than the API's ${origin} ` +
          `would get the token`
      )
    }
  })
  return octokit
}

/**
 * The failure `err` of a call as a {@link GitHubApiError} naming the call and the status, with the
 * token removed from anything the server echoed. Non-API errors (bugs) are returned unchanged.
 */
export function toApiError(err: unknown, token: string, apiUrl: string): unknown {
  if (err instanceof GitHubApiError) return err
  const e = err as {
    status?: unknown
    request?: { method?: string; url?: string }
    response?: { status: number; headers: Record<string, string | undefined>; data?: unknown }
  }
  if (e === null || typeof e !== 'object' || typeof e.status !== 'number' || e.request === undefined) return err
  const origin = new URL(apiUrl).origin
  const method = e.request.method ?? 'GET'
  const endpoint = endpointOf(e.request.url ?? '', origin)
  const response = e.response
  if (response === undefined) {
    // No answer: octokit reports network errors and timeouts as status 500 without a response.
    const cause = (err as { cause?: unknown }).cause
    return new GitHubApiError(redact(`GitHub API ${method} ${endpoint} failed: ${errorText(cause ?? err)}`, token), {
      status: null,
      method,
      endpoint
    })
  }
  const detail = githubMessage(response.data)
  const what =
    `GitHub API ${method} ${endpoint} failed with HTTP ` + `${response.status}${detail === '' ? '' : ` (${detail})`}`
  const rateLimited =
    response.status === 429 ||
    (response.status === 403 && (response.headers['x-ratelimit-remaining'] === '0' || /rate limit/i.test(detail)))
  const hint =
    response.status === 401
      ? ': the token is invalid or expired; check the github-token input'
      : rateLimited
        ? ': rate limited'
        : ''
  return new GitHubApiError(redact(`${what}${hint}`, token), { status: response.status, method, endpoint, rateLimited })
}

/** Whether another attempt at a call that failed with `err` could have succeeded (5xx, network). */
export function isTransient(err: GitHubApiError): boolean {
  return err.status === null || err.status >= 500
}

/** Removes every occurrence of the token from a message (defence in depth: servers may echo headers). */
export function redact(message: string, token: string): string {
  return token.length === 0 ? message : message.split(token).join('***')
}

/** A thrown fetch error with its cause (undici puts the socket error there). */
function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const cause = (err as { cause?: unknown }).cause
  return `${err.name}: ${err.message}${cause instanceof Error ? ` (${cause.message})` : ''}`
}

function githubMessage(data: unknown): string {
  let msg = ''
  if (typeof data === 'string') msg = data
  else if (data !== null && typeof data === 'object') {
    const m = (data as { message?: unknown }).message
    if (typeof m === 'string') msg = m
  }
  msg = msg.replace(/\s+/g, ' ').trim()
  return msg.length > 300 ? `${msg.slice(0, 297)}...` : msg
}

function endpointOf(url: string, origin: string): string {
  try {
    const u = new URL(url, `${origin}/`)
    return u.origin === origin ? `${u.pathname}${u.search}` : `${u.origin}${u.pathname}${u.search}`
  } catch {
    return url
  }
}

function intIn(value: number, min: number, max: number, name: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer in [${min}, ${max}], got ${String(value)}`)
  }
  return value
}
