/**
 * Main's history on a data branch of the repository (like github-action-benchmark's `gh-pages` data),
 * read and written through the GitHub API with the job's token, so that `mode: record` needs no cache
 * or artifact plumbing and PR runs can read it (read-only token is enough).
 *
 * Contents API: GET the file and its blob sha, apply the change, PUT it with that sha. GitHub refuses
 * the PUT (409, or 422 when the file appeared meanwhile) when another job wrote first: re-read and
 * apply the change again to the newer history, a bounded number of times, so concurrent pushes to
 * main each keep their entry. A missing branch is created as an orphan branch holding only the file
 * (git data API: tree → commit without parents → ref); a concurrent creation (422 "Reference already
 * exists") is a conflict like the others. Files over 1 MB come without content in the contents
 * answer: their blob is read through the git data API (up to 100 MB).
 */
import { createGitHubClient, GitHubApiError, toApiError, type GitHubClient } from './client.js'
import { MainHistoryError, mainHistoryText, validateMainHistory } from '../results/main-history-file.js'
import { emptyMainHistory, type MainHistoryFile } from '../results/main-history.js'
import type { MainHistoryStore } from '../results/main-history-store.js'

/** Default data branch and file of main's history. */
export const DEFAULT_HISTORY_BRANCH = 'otlp-perf-gate-data'
export const DEFAULT_HISTORY_BRANCH_FILE = 'main-history.json'

/** Read-modify-write rounds before giving up on a branch that other jobs keep writing. */
export const DEFAULT_WRITE_ATTEMPTS = 5

/** Options of {@link branchHistoryStore}. */
export interface BranchStoreOptions {
  token: string
  apiUrl: string
  owner: string
  repo: string
  branch: string
  /** Path of the file on the branch. */
  path: string
  /** Limits of a new history (an existing one keeps its own). */
  limits?: { maxEntries: number; detailedEntries: number }
  /** Read-modify-write rounds on conflict (default 5). */
  attempts?: number
  /** Commit message of a write. */
  message?: string
  log?: (m: string) => void
  /** Client options for tests: wait unit of retries, fetch. */
  retryDelayMs?: number
  fetchImpl?: typeof fetch
}

/** The file as read: its history and the blob sha a write must name (null: no file, maybe no branch, yet). */
interface Snapshot {
  history: MainHistoryFile
  sha: string | null
}

const isStatus = (e: unknown, ...codes: number[]): boolean =>
  e instanceof GitHubApiError && e.status !== null && codes.includes(e.status)

/** What the branch store's steps share: where the file is, and the API calls with their errors redacted. */
interface BranchContext {
  opts: BranchStoreOptions
  where: string
  label: string
  repo: { owner: string; repo: string }
  log: (m: string) => void
  octokit: () => GitHubClient
  call: <T>(work: () => Promise<T>) => Promise<T>
}

/** The store of main's history on `branch`:`path` of `owner/repo`. */
export function branchHistoryStore(opts: BranchStoreOptions): MainHistoryStore {
  const where = `'${opts.path}' on branch '${opts.branch}' of ${opts.owner}/${opts.repo}`
  const label = `${opts.branch}:${opts.path}`
  const attempts = opts.attempts ?? DEFAULT_WRITE_ATTEMPTS
  const log = opts.log ?? ((): void => {})
  let client: GitHubClient | null = null
  const octokit = (): GitHubClient =>
    (client ??= createGitHubClient({
      token: opts.token,
      apiUrl: opts.apiUrl,
      log,
      ...(opts.retryDelayMs !== undefined ? { retryDelayMs: opts.retryDelayMs } : {}),
      ...(opts.fetchImpl !== undefined ? { fetchImpl: opts.fetchImpl } : {})
    }))
  const call = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work()
    } catch (e) {
      throw toApiError(e, opts.token, opts.apiUrl)
    }
  }
  const ctx: BranchContext = { opts, where, label, repo: { owner: opts.owner, repo: opts.repo }, log, octokit, call }
  return {
    where,
    label,
    read: async () => (await snapshot(ctx)).history,
    update: async (change) => {
      for (let attempt = 1; attempt <= attempts; attempt++) {
        const s = await snapshot(ctx)
        const { file, value } = change(s.history)
        if (await write(ctx, s, mainHistoryText(file))) return value
      }
      throw new MainHistoryError(
        label,
        `main history ${where}: other jobs wrote it ${attempts} times while this run was recording; not recorded`
      )
    }
  }
}

async function branchExists(ctx: BranchContext): Promise<boolean> {
  const { opts, repo, octokit, call } = ctx
  try {
    await call(() => octokit().rest.git.getRef({ ...repo, ref: `heads/${opts.branch}` }))
    return true
  } catch (e) {
    if (isStatus(e, 404)) return false
    throw e
  }
}

async function snapshot(ctx: BranchContext): Promise<Snapshot> {
  const { opts, repo, octokit, call, label, where } = ctx
  let data: unknown
  try {
    data = (await call(() => octokit().rest.repos.getContent({ ...repo, path: opts.path, ref: opts.branch }))).data
  } catch (e) {
    // 404: no such file, or no such branch; only a write needs to know which.
    if (!isStatus(e, 404)) throw e
    return { history: emptyMainHistory(opts.limits?.maxEntries, opts.limits?.detailedEntries), sha: null }
  }
  const file = data as { type?: unknown; sha?: unknown; content?: unknown; encoding?: unknown }
  if (Array.isArray(data) || file.type !== 'file' || typeof file.sha !== 'string')
    throw new MainHistoryError(
      label,
      `main history '${label}' (${where}) is not a file (a folder or a link); give another 'history-branch-path'`
    )
  let base64 = typeof file.content === 'string' && file.encoding === 'base64' ? file.content : null
  if (base64 === null) {
    // Over 1 MB the contents API sends no content: the blob API does (up to 100 MB).
    const blob = (await call(() => octokit().rest.git.getBlob({ ...repo, file_sha: file.sha as string }))).data
    base64 = blob.content
  }
  let json: unknown
  try {
    json = JSON.parse(Buffer.from(base64, 'base64').toString('utf8'))
  } catch (e) {
    throw new MainHistoryError(
      label,
      `main history '${label}' (${where}) is not JSON (${(e as Error).message}); fix or remove the file (it is ` +
        `never reset silently)`
    )
  }
  const h = validateMainHistory(json, label, `'history-branch-path' another file`)
  return {
    history: opts.limits === undefined ? h : { ...h, limits: { ...opts.limits } },
    sha: file.sha
  }
}

/** Write `text` over the snapshot; false when another job wrote first (re-read and try again). */
async function write(ctx: BranchContext, s: Snapshot, text: string): Promise<boolean> {
  const { opts, repo, octokit, call, log, where } = ctx
  const content = Buffer.from(text, 'utf8').toString('base64')
  const message = opts.message ?? `otlp-perf-gate: record a run in main's history`
  try {
    if (s.sha === null && !(await branchExists(ctx))) {
      // An orphan branch with the file alone: the data never mixes with the code.
      const tree = await call(() =>
        octokit().rest.git.createTree({
          ...repo,
          tree: [{ path: opts.path, mode: '100644', type: 'blob', content: text }]
        })
      )
      const commit = await call(() =>
        octokit().rest.git.createCommit({ ...repo, message, tree: tree.data.sha, parents: [] })
      )
      await call(() =>
        octokit().rest.git.createRef({ ...repo, ref: `refs/heads/${opts.branch}`, sha: commit.data.sha })
      )
      log(`created branch '${opts.branch}' with main's history '${opts.path}'`)
      return true
    }
    await call(() =>
      octokit().rest.repos.createOrUpdateFileContents({
        ...repo,
        path: opts.path,
        branch: opts.branch,
        message,
        content,
        ...(s.sha !== null ? { sha: s.sha } : {}),
        // A conflict is answered by re-reading, never by re-sending the same stale write.
        request: { retries: 0 }
      })
    )
    return true
  } catch (e) {
    // 409: the sha is stale; 422: the file or the branch appeared since it was read.
    if (isStatus(e, 409, 422)) {
      log(`main history ${where}: another job wrote first (${(e as Error).message}); reading it again`)
      return false
    }
    throw e
  }
}
