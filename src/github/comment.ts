/**
 * The one sticky PR comment: found by its marker line, written by the token's own account, through
 * the paginated comment list; updated in place on re-runs, created otherwise.
 */
import {
  createGitHubClient,
  GitHubApiError,
  isTransient,
  redact,
  toApiError,
  type GitHubClient,
  type GitHubClientOptions
} from './client.js'
import { commentBody, hasMarkerLine } from './comment-body.js'

export { GitHubApiError } from './client.js'
export { MAX_COMMENT_LENGTH, TRUNCATION_NOTE, stickyMarker, truncateCommentBody } from './comment-body.js'

/** Login of the account behind the workflow's GITHUB_TOKEN, assumed when the token cannot tell. */
export const GITHUB_ACTIONS_BOT_LOGIN = 'github-actions[bot]'

/** Bound on comment pages walked (100 per page): 10 000 comments. */
const MAX_PAGES = 100

/** Options of {@link upsertStickyComment}. */
export interface UpsertStickyCommentOptions {
  token: string
  /** REST API base URL, e.g. https://api.github.com or https://ghe.example.com/api/v3. */
  apiUrl: string
  owner: string
  repo: string
  issueNumber: number
  /** First line of the sticky comment, from {@link stickyMarker}. */
  marker: string
  /** Markdown body (without marker). */
  body: string
  log?: (m: string) => void
  warn?: (m: string) => void
  /** Attempts per call on 5xx/network errors and short rate limits (default 3, at most 10). */
  retries?: number
  /** Wait unit of the retries (default 1000 ms; attempt n waits n² units). */
  retryDelayMs?: number
  /** Per-request timeout (default 30 000 ms). */
  timeoutMs?: number
  /** Only comments by this login are edited; default: the token's own login (GraphQL `viewer`). */
  authorLogin?: string
  fetchImpl?: typeof fetch
}

/** What {@link upsertStickyComment} did. `forbidden`: the token may not comment (fork PR or missing permission). */
export interface UpsertStickyCommentResult {
  outcome: 'created' | 'updated' | 'forbidden'
  commentId?: number
  url?: string
}

interface Target {
  owner: string
  repo: string
  issue_number: number
}

interface FoundComment {
  id: number
  htmlUrl: string
}

/**
 * Head commit of pull request `number`. `mode: report` uses it to check that the PR number an
 * artifact names really is the PR whose run produced it.
 */
export async function getPullRequestHeadSha(opts: {
  token: string
  apiUrl: string
  owner: string
  repo: string
  number: number
  fetchImpl?: typeof fetch
}): Promise<string> {
  const octokit = createGitHubClient({ token: opts.token, apiUrl: opts.apiUrl, fetchImpl: opts.fetchImpl })
  try {
    const { data } = await octokit.rest.pulls.get({ owner: opts.owner, repo: opts.repo, pull_number: opts.number })
    const sha: unknown = data.head?.sha
    if (typeof sha !== 'string')
      throw new Error(`GitHub API GET /repos/${opts.owner}/${opts.repo}/pulls/${opts.number} answered without head.sha`)
    return sha
  } catch (err) {
    throw toApiError(err, opts.token, opts.apiUrl)
  }
}

/**
 * Creates or updates the sticky comment whose first line is `marker` on issue/PR `issueNumber`.
 * 403/404 (fork PR, missing `pull-requests: write`) → `forbidden` plus a warning, never a throw.
 * 5xx/network errors are retried (bounded), then a {@link GitHubApiError} is thrown; 401 throws at once.
 */
export async function upsertStickyComment(opts: UpsertStickyCommentOptions): Promise<UpsertStickyCommentResult> {
  const log = opts.log ?? ((): void => {})
  const warn = opts.warn ?? log
  if (!Number.isSafeInteger(opts.issueNumber) || opts.issueNumber <= 0) {
    throw new Error(`issueNumber must be a positive integer, got ${String(opts.issueNumber)}`)
  }
  if (!opts.marker.startsWith('<!--') || !opts.marker.endsWith('-->') || opts.marker.includes('\n')) {
    throw new Error(`marker must be a one-line HTML comment '<!-- ... -->', got '${opts.marker}'`)
  }
  const attempts = opts.retries ?? 3
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 10) {
    throw new Error(`retries must be an integer in [1, 10] (attempts per call), got ${String(opts.retries)}`)
  }
  const say = (m: string): void => log(redact(m, opts.token))
  const clientOptions: GitHubClientOptions = {
    token: opts.token,
    apiUrl: opts.apiUrl,
    attempts,
    retryDelayMs: opts.retryDelayMs,
    timeoutMs: opts.timeoutMs,
    fetchImpl: opts.fetchImpl,
    log: say
  }
  const octokit = createGitHubClient(clientOptions)
  const { body, truncated } = commentBody(opts.marker, opts.body)
  if (truncated) say(`Report is ${opts.body.length} characters, over GitHub's comment limit: truncated`)
  const target: Target = { owner: opts.owner, repo: opts.repo, issue_number: opts.issueNumber }
  try {
    const author = opts.authorLogin ?? (await viewerLogin(octokit, say))
    return await writeComment(octokit, target, opts.marker, author, body, { attempts, log: say })
  } catch (raw) {
    const err = toApiError(raw, opts.token, opts.apiUrl)
    if (!(err instanceof GitHubApiError)) throw err
    if (err.permissionDenied) {
      warn(forbiddenWarning(err, opts.owner, opts.repo, opts.issueNumber))
      return { outcome: 'forbidden' }
    }
    if (!isTransient(err)) throw err
    throw new GitHubApiError(`${err.message} (gave up after ${attempts} attempt${attempts === 1 ? '' : 's'})`, err)
  }
}

/**
 * Finds our comment and updates it, or creates one. A create that failed transiently may still have
 * been stored, so it is never retried blindly: the next attempt looks for the comment again first.
 */
async function writeComment(
  octokit: GitHubClient,
  target: Target,
  marker: string,
  author: string,
  body: string,
  opts: { attempts: number; log: (m: string) => void }
): Promise<UpsertStickyCommentResult> {
  for (let attempt = 1; ; attempt++) {
    const existing = await findStickyComment(octokit, target, marker, author, opts.log)
    if (existing !== null) {
      try {
        const { data } = await octokit.rest.issues.updateComment({
          owner: target.owner,
          repo: target.repo,
          comment_id: existing.id,
          body
        })
        opts.log(`Updated sticky comment ${data.id} (${data.html_url})`)
        return { outcome: 'updated', commentId: data.id, url: data.html_url }
      } catch (err) {
        // Deleted between listing and editing: post a fresh one.
        if ((err as { status?: unknown }).status !== 404) throw err
        opts.log(`Sticky comment ${existing.id} vanished before it could be updated; creating a new one`)
      }
    }
    try {
      const { data } = await octokit.rest.issues.createComment({ ...target, body, request: { retries: 0 } })
      opts.log(`Created sticky comment ${data.id} (${data.html_url})`)
      return { outcome: 'created', commentId: data.id, url: data.html_url }
    } catch (err) {
      const status =
        (err as { status?: unknown; response?: unknown }).response === undefined
          ? null
          : (err as { status: number }).status
      if (attempt >= opts.attempts || (status !== null && status < 500)) throw err
      opts.log(
        `Creating the comment failed (attempt ${attempt} of ${opts.attempts}); looking for it again before retrying`
      )
    }
  }
}

/** Walks the comment pages until a comment by `author` whose first line is `marker` shows up. */
async function findStickyComment(
  octokit: GitHubClient,
  target: Target,
  marker: string,
  author: string,
  log: (m: string) => void
): Promise<FoundComment | null> {
  let page = 0
  let othersWithMarker = 0
  for await (const response of octokit.paginate.iterator(octokit.rest.issues.listComments, {
    ...target,
    per_page: 100
  })) {
    page++
    if (!Array.isArray(response.data)) {
      throw new Error(
        `GitHub API GET /repos/${target.owner}/${target.repo}/issues/${target.issue_number}/comments returned ` +
          `${typeof response.data} instead of a list of comments`
      )
    }
    for (const c of response.data) {
      if (typeof c.body !== 'string' || !hasMarkerLine(c.body, marker)) continue
      if (c.user?.login !== undefined && c.user.login.toLowerCase() === author.toLowerCase()) {
        log(`Found sticky comment ${c.id} on page ${page}`)
        return { id: c.id, htmlUrl: c.html_url }
      }
      othersWithMarker++
    }
    if (page >= MAX_PAGES) {
      log(`Stopped looking for the sticky comment after ${MAX_PAGES} pages of comments; a new one will be posted`)
      break
    }
  }
  if (othersWithMarker > 0)
    log(
      `Ignored ${othersWithMarker} comment(s) carrying the marker that were written by someone other than '${author}'`
    )
  return null
}

/**
 * The login whose marker comments we may edit: GraphQL `viewer` answers for personal tokens and
 * GitHub App installation tokens alike (REST `GET /user` refuses the latter). Where GraphQL is not
 * available to the token, the workflow's own GITHUB_TOKEN account is assumed.
 */
async function viewerLogin(octokit: GitHubClient, log: (m: string) => void): Promise<string> {
  try {
    const answer = await octokit.graphql<{ viewer?: { login?: unknown } }>('query { viewer { login } }')
    const login = answer.viewer?.login
    if (typeof login === 'string' && login !== '') {
      log(`Token belongs to '${login}'`)
      return login
    }
    log(`GraphQL viewer answered without a login; assuming the token is ${GITHUB_ACTIONS_BOT_LOGIN}`)
  } catch (err) {
    const status =
      (err as { status?: unknown; response?: unknown }).response === undefined
        ? null
        : (err as { status: unknown }).status
    // 5xx, network and 401 are failures of the whole call; a refusal (403/404) or a GraphQL error is not.
    if (status === null || status === 401 || (typeof status === 'number' && status >= 500)) throw err
    log(
      `GraphQL viewer is not available to this token (${String(status ?? 'error')}); assuming it is ` +
        `${GITHUB_ACTIONS_BOT_LOGIN}`
    )
  }
  return GITHUB_ACTIONS_BOT_LOGIN
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
