/**
 * The pull request the action runs for, read from the Actions environment.
 *
 * Plain functions of `env` (not @actions/github's `context` singleton, which reads the
 * environment at import time) so that tests can hand in any environment they like.
 */
import { readFileSync } from 'node:fs'

/** Events whose payload carries `pull_request` and that we comment on. */
export const PULL_REQUEST_EVENTS: readonly string[] = ['pull_request', 'pull_request_target']

/** Everything the action needs to know about the pull request it runs for. */
export interface PullRequestContext {
  /** `pull_request` or `pull_request_target`. */
  eventName: string
  /** Owner of the repository that holds the PR (the base repository). */
  owner: string
  repo: string
  /** PR number (also its issue number, for issue comments). */
  number: number
  headSha: string
  baseSha: string
  headRef: string
  baseRef: string
  /** True when the head branch lives in another repository (its token is read-only on `pull_request`). */
  isFork: boolean
  title: string
  /** GITHUB_WORKFLOW (workflow name), '' when unset. */
  workflow: string
  /** GITHUB_JOB (job id), '' when unset. */
  job: string
  /** Link to this workflow run, null when GITHUB_RUN_ID or the repository is unknown. */
  runUrl: string | null
  /** REST API base URL without trailing slash (GITHUB_API_URL, default https://api.github.com). */
  apiUrl: string
}

const DEFAULT_API_URL = 'https://api.github.com'
const DEFAULT_SERVER_URL = 'https://github.com'

/**
 * Reads the pull request context from the Actions environment; null when the event is not a PR event.
 * Throws when a PR event's payload is missing or malformed, naming the offending field.
 */
export function readPullRequestContext(env: NodeJS.ProcessEnv = process.env): PullRequestContext | null {
  const eventName = env.GITHUB_EVENT_NAME ?? ''
  if (!PULL_REQUEST_EVENTS.includes(eventName)) return null

  const eventPath = env.GITHUB_EVENT_PATH
  if (eventPath === undefined || eventPath === '') {
    throw new Error(
      `GITHUB_EVENT_PATH is not set, but GITHUB_EVENT_NAME is '${eventName}': cannot read the pull request payload`
    )
  }
  let text: string
  try {
    text = readFileSync(eventPath, 'utf8')
  } catch (err) {
    throw new Error(`cannot read the event payload at GITHUB_EVENT_PATH '${eventPath}': ${errorMessage(err)}`, {
      cause: err
    })
  }
  let payload: unknown
  try {
    payload = JSON.parse(text)
  } catch (err) {
    throw new Error(`the event payload at '${eventPath}' is not valid JSON: ${errorMessage(err)}`, { cause: err })
  }
  return parsePullRequestPayload(eventName, payload, env)
}

/**
 * Validates a `pull_request` / `pull_request_target` payload and combines it with the environment.
 * Exported for tests and for callers that already hold the payload.
 */
export function parsePullRequestPayload(
  eventName: string,
  payload: unknown,
  env: NodeJS.ProcessEnv = process.env
): PullRequestContext {
  const where = `the '${eventName}' event payload`
  const root = asRecord(payload, 'payload', where)
  const pr = asRecord(root.pull_request, 'pull_request', where)
  const number = pr.number
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number <= 0) {
    throw new Error(`${where}: 'pull_request.number' must be a positive integer, got ${quote(number)}`)
  }
  const head = asRecord(pr.head, 'pull_request.head', where)
  const base = asRecord(pr.base, 'pull_request.base', where)
  const headSha = asString(head.sha, 'pull_request.head.sha', where)
  const baseSha = asString(base.sha, 'pull_request.base.sha', where)
  const headRef = asString(head.ref, 'pull_request.head.ref', where)
  const baseRef = asString(base.ref, 'pull_request.base.ref', where)
  const title = pr.title === undefined ? '' : asString(pr.title, 'pull_request.title', where, true)
  const baseRepo = asRecord(base.repo, 'pull_request.base.repo', where)
  const baseFullName = asString(baseRepo.full_name, 'pull_request.base.repo.full_name', where)
  // head.repo is null when the fork was deleted: then it is certainly not the base repository.
  let headFullName: string | null = null
  if (head.repo !== null && head.repo !== undefined) {
    const headRepo = asRecord(head.repo, 'pull_request.head.repo', where)
    headFullName = asString(headRepo.full_name, 'pull_request.head.repo.full_name', where)
  }
  const isFork = headFullName === null || headFullName.toLowerCase() !== baseFullName.toLowerCase()

  // The comment goes on the repository that runs the workflow, which is the PR's base repository.
  const repository = nonEmpty(env.GITHUB_REPOSITORY) ?? baseFullName
  const [owner, repo, ...rest] = repository.split('/')
  if (owner === undefined || owner === '' || repo === undefined || repo === '' || rest.length > 0) {
    throw new Error(`GITHUB_REPOSITORY must look like 'owner/repo', got ${quote(repository)}`)
  }

  const apiUrl = trimSlash(nonEmpty(env.GITHUB_API_URL) ?? DEFAULT_API_URL)
  assertHttpUrl(apiUrl, 'GITHUB_API_URL')
  const serverUrl = trimSlash(nonEmpty(env.GITHUB_SERVER_URL) ?? DEFAULT_SERVER_URL)
  const runId = nonEmpty(env.GITHUB_RUN_ID)
  const runUrl = runId === undefined ? null : `${serverUrl}/${owner}/${repo}/actions/runs/${encodeURIComponent(runId)}`

  return {
    eventName,
    owner,
    repo,
    number,
    headSha,
    baseSha,
    headRef,
    baseRef,
    isFork,
    title,
    workflow: env.GITHUB_WORKFLOW ?? '',
    job: env.GITHUB_JOB ?? '',
    runUrl,
    apiUrl
  }
}

function asRecord(value: unknown, field: string, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${where}: '${field}' must be an object, got ${quote(value)}`)
  }
  return value as Record<string, unknown>
}

function asString(value: unknown, field: string, where: string, allowEmpty = false): string {
  if (typeof value !== 'string' || (!allowEmpty && value === '')) {
    throw new Error(`${where}: '${field}' must be a non-empty string, got ${quote(value)}`)
  }
  return value
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '')
}

function assertHttpUrl(url: string, name: string): void {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new Error(`${name} must be an http(s) URL, got ${quote(url)}`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`${name} must be an http(s) URL, got ${quote(url)}`)
  }
}

function quote(value: unknown): string {
  if (value === undefined) return 'undefined'
  let text: string
  try {
    text = JSON.stringify(value) ?? String(value)
  } catch {
    text = String(value)
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
