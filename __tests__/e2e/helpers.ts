/**
 * End-to-end harness: runs the bundled action (dist/index.js) the way the GitHub Actions runner does —
 * inputs as `INPUT_<NAME>` variables (hyphens kept), GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, an event
 * payload file, GITHUB_API_URL pointing at a local fake — and collects what a workflow would see.
 *
 * Every run gets a fresh working directory and a unique marker variable passed through the `env` input,
 * so that the harness can prove (and enforce) that no service process outlives the action.
 *
 * Runs the bundle, not src/: `npm run build` first, then `npm test -- __tests__/e2e`.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ResultsFile } from '../../src/results/results.js'

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const FIXTURE_DIR = path.join(REPO_ROOT, 'fixtures', 'http-service')
/**
 * The bundle to run: dist/index.js, or another build of the same sources named by OTLP_E2E_ACTION_ENTRY (a
 * branch that changed src/ but may not commit dist/ can bundle into a temporary folder with the build's ncc
 * commands and point the lane at it).
 */
export const ACTION_ENTRY = process.env.OTLP_E2E_ACTION_ENTRY || path.join(REPO_ROOT, 'dist', 'index.js')
export const FIXTURE_COMMAND = 'node --import ./tracing.mjs server.mjs'
/** Name of the variable the harness adds to the `env` input of every run to find its service processes. */
export const MARKER_VAR = 'OTLP_E2E_RUN_MARKER'

/** Action inputs by their action.yml name, e.g. `{ 'start-command': 'node server.js' }`. */
export type Inputs = Record<string, string>

/** Owner/repo of every simulated run. */
export const REPO = { owner: 'octo-org', repo: 'perf-demo', fullName: 'octo-org/perf-demo' } as const

/** The fixture service with short rounds; `overrides` win. */
export function fixtureInputs(overrides: Inputs = {}): Inputs {
  return {
    'start-command': FIXTURE_COMMAND,
    'working-directory': FIXTURE_DIR,
    'target-url': 'http://127.0.0.1:{port}/api/v1/users/42',
    'ready-url': 'http://127.0.0.1:{port}/healthz',
    'service-name': 'fixture-users-api',
    'round-duration': '0.5',
    'warmup-duration': '0.25',
    connections: '10',
    // Reported only (its default), pinned here so the Holm family size of each test stays what it states.
    'max-cpu-overhead': 'none',
    ...overrides
  }
}

/**
 * For tests that exercise publishing, not statistics: one traced arm at 100%, the minimum 3 blocks
 * and nothing gated, so the verdict is `pass` unless the measurement itself fails.
 */
export function publishOnlyInputs(overrides: Inputs = {}): Inputs {
  return fixtureInputs({
    'sampling-rates': '1',
    rounds: '3',
    'warmup-duration': '0',
    'max-qps-overhead': 'none',
    'max-p99-overhead': 'none',
    'max-qps-regression': 'none',
    'max-p99-regression': 'none',
    'max-overhead-increase': 'none',
    ...overrides
  })
}

/** The runner's name for an input's variable: `INPUT_` + name uppercased, spaces → `_`, hyphens kept. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

/** The outer environment minus everything a runner would set itself (or never set for a step). */
export function cleanEnv(outer: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(outer)) {
    if (v === undefined) continue
    // NODE_OPTIONS carries jest's --experimental-vm-modules; OTEL_* would blur the arms.
    if (/^(INPUT_|GITHUB_|RUNNER_|ACTIONS_|OTEL_|FIXTURE_)/.test(k) || k === 'NODE_OPTIONS' || k === MARKER_VAR)
      continue
    env[k] = v
  }
  return env
}

/**
 * Parses a GITHUB_OUTPUT file: `name<<DELIM … DELIM` heredocs (what @actions/core writes) and plain
 * `name=value` lines. A name set twice keeps its last value, as the runner does.
 */
export function parseGithubOutput(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    if (line === '') continue
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc !== null) {
      const [, name, delimiter] = heredoc
      const value: string[] = []
      let closed = false
      for (i++; i < lines.length; i++) {
        if (lines[i] === delimiter) {
          closed = true
          break
        }
        value.push(lines[i])
      }
      if (!closed) throw new Error(`GITHUB_OUTPUT: heredoc of '${name}' is not closed by '${delimiter}'`)
      out[name] = value.join('\n')
      continue
    }
    const eq = line.indexOf('=')
    if (eq <= 0) throw new Error(`GITHUB_OUTPUT: unparseable line '${line}'`)
    out[line.slice(0, eq)] = line.slice(eq + 1)
  }
  return out
}

/** A workflow command from the action's stdout, with its data unescaped (`%0A` → newline…). */
export interface WorkflowCommand {
  command: string
  message: string
}

/** The `::command …::data` lines of stdout, e.g. `::error::`, `::warning::`, `::add-mask::`. */
export function workflowCommands(stdout: string, command?: string): WorkflowCommand[] {
  const found: WorkflowCommand[] = []
  // As the runner: nothing between `::stop-commands::<token>` and `::<token>::` is a command.
  let stopToken: string | null = null
  for (const raw of stdout.split('\n')) {
    const line = raw.replace(/\r$/, '')
    if (stopToken !== null) {
      if (line === `::${stopToken}::`) stopToken = null
      continue
    }
    const stop = /^::stop-commands::(.+)$/.exec(line)
    if (stop !== null) {
      stopToken = stop[1]
      continue
    }
    const m = /^::([a-z-]+)(?: [^:]*)?::(.*)$/.exec(line)
    if (m === null || (command !== undefined && m[1] !== command)) continue
    found.push({ command: m[1], message: m[2].replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%') })
  }
  return found
}

/** An event as the runner hands it over: its name and the payload written to GITHUB_EVENT_PATH. */
export interface GitHubEvent {
  name: string
  payload: Record<string, unknown>
  /** Extra runner variables of this event, e.g. GITHUB_HEAD_REF for pull requests. */
  env?: Record<string, string>
}

function repositoryPayload(): Record<string, unknown> {
  return {
    id: 4242,
    name: REPO.repo,
    full_name: REPO.fullName,
    private: false,
    owner: { login: REPO.owner, type: 'Organization' },
    default_branch: 'main',
    html_url: `https://github.com/${REPO.fullName}`
  }
}

/** A `push` to main (no pull request). */
export function pushEvent(sha = 'a'.repeat(40)): GitHubEvent {
  return {
    name: 'push',
    payload: {
      ref: 'refs/heads/main',
      before: '0'.repeat(40),
      after: sha,
      repository: repositoryPayload(),
      pusher: { name: 'octocat' },
      sender: { login: 'octocat', type: 'User' }
    },
    env: { GITHUB_REF: 'refs/heads/main', GITHUB_SHA: sha, GITHUB_REF_NAME: 'main' }
  }
}

/** Options of {@link pullRequestEvent}. */
export interface PullRequestEventOptions {
  number: number
  title?: string
  headSha?: string
  baseSha?: string
  headRef?: string
  baseRef?: string
  /** Head repository full name; another repository than the base makes a fork PR. */
  headRepo?: string
}

/** A `pull_request` `synchronize` event shaped like GitHub's payload. */
export function pullRequestEvent(o: PullRequestEventOptions): GitHubEvent {
  const headSha = o.headSha ?? 'b'.repeat(40)
  const baseSha = o.baseSha ?? 'c'.repeat(40)
  const headRef = o.headRef ?? 'feature/faster-users'
  const baseRef = o.baseRef ?? 'main'
  const headRepo = o.headRepo ?? REPO.fullName
  const side = (ref: string, sha: string, fullName: string): Record<string, unknown> => ({
    label: `${fullName.split('/')[0]}:${ref}`,
    ref,
    sha,
    user: { login: fullName.split('/')[0] },
    repo: {
      ...repositoryPayload(),
      full_name: fullName,
      name: fullName.split('/')[1],
      fork: fullName !== REPO.fullName
    }
  })
  return {
    name: 'pull_request',
    payload: {
      action: 'synchronize',
      number: o.number,
      pull_request: {
        id: 900000 + o.number,
        number: o.number,
        state: 'open',
        title: o.title ?? 'Speed up the users endpoint',
        user: { login: 'contributor', type: 'User' },
        html_url: `https://github.com/${REPO.fullName}/pull/${o.number}`,
        head: side(headRef, headSha, headRepo),
        base: side(baseRef, baseSha, REPO.fullName)
      },
      repository: repositoryPayload(),
      sender: { login: 'contributor', type: 'User' }
    },
    env: {
      GITHUB_REF: `refs/pull/${o.number}/merge`,
      GITHUB_SHA: 'd'.repeat(40),
      GITHUB_HEAD_REF: headRef,
      GITHUB_BASE_REF: baseRef
    }
  }
}

/** A `workflow_run` `completed` event of the PR workflow (the fork-safe publishing workflow). */
export function workflowRunEvent(prWorkflow: string, headSha = 'b'.repeat(40)): GitHubEvent {
  return {
    name: 'workflow_run',
    payload: {
      action: 'completed',
      workflow_run: {
        id: 7777,
        name: prWorkflow,
        event: 'pull_request',
        status: 'completed',
        conclusion: 'success',
        head_sha: headSha,
        head_branch: 'feature/faster-users',
        // Empty for fork PRs: the PR number must come from the results artifact.
        pull_requests: []
      },
      repository: repositoryPayload(),
      sender: { login: 'contributor', type: 'User' }
    },
    env: { GITHUB_REF: 'refs/heads/main', GITHUB_SHA: 'e'.repeat(40) }
  }
}

/** A process still alive that carries a run's marker. */
export interface MarkedProcess {
  pid: number
  cmdline: string
}

/** Live processes whose environment contains `MARKER_VAR=marker` (read from /proc; zombies have none). */
export function processesWithMarker(marker: string): MarkedProcess[] {
  const entry = `${MARKER_VAR}=${marker}`
  const found: MarkedProcess[] = []
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const environ = fs.readFileSync(`/proc/${name}/environ`, 'latin1').split('\0')
      if (!environ.includes(entry)) continue
      const cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'latin1').split('\0').join(' ').trim()
      found.push({ pid: Number(name), cmdline })
    } catch {
      // Exited meanwhile, or not ours to read.
    }
  }
  return found
}

/** What a workflow would see of one action run. */
export interface ActionRun {
  exitCode: number | null
  signal: NodeJS.Signals | null
  timedOut: boolean
  stdout: string
  stderr: string
  /** Parsed GITHUB_OUTPUT (last value of each name). */
  outputs: Record<string, string>
  /** GITHUB_STEP_SUMMARY as written. */
  summary: string
  /** Working directory of the run (the default output dir `otlp-perf-gate` is inside). */
  cwd: string
  /** This run's marker value (see {@link MARKER_VAR}). */
  marker: string
  /** Service processes that were still alive after the action exited (they have been killed since). */
  leftovers: MarkedProcess[]
  /** Decoded `::error::` / `::warning::` messages. */
  errors: string[]
  warnings: string[]
  /** A compact description for assertion messages. */
  describe(): string
}

/** Options of {@link runAction}. */
export interface RunOptions {
  inputs: Inputs
  /** Default: a push to main. */
  event?: GitHubEvent
  /** GITHUB_API_URL; default a closed loopback port, so nothing can leave the machine. */
  apiUrl?: string
  /** Runner variables to set or override (GITHUB_WORKFLOW, GITHUB_JOB…). */
  env?: Record<string, string>
  /** Hard limit for the action process (default 90 s); it is killed (process group) beyond it. */
  timeoutMs?: number
  /** Files to place in the working directory before the run, relative path → content. */
  files?: Record<string, string>
  /** Cancel like the runner does: send `signal` to the action process once its stdout matches `when`. */
  cancel?: { signal: NodeJS.Signals; when: RegExp }
}

const workspaces: string[] = []

/** A fresh temporary directory, removed by {@link removeWorkspaces}. */
export function makeWorkspace(prefix = 'otlp-e2e-'): string {
  // No underscores: paths end up in markdown, where the report escapes them.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  workspaces.push(dir)
  return dir
}

/** Removes every workspace made so far (keep them with OTLP_E2E_KEEP=1 to debug a failure). */
export function removeWorkspaces(): void {
  if (process.env.OTLP_E2E_KEEP === '1') return
  for (const dir of workspaces.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
}

/** Throws with a clear message when the bundle is missing (run `npm run build`). */
export function assertBundleExists(): void {
  if (!fs.existsSync(ACTION_ENTRY)) throw new Error(`${ACTION_ENTRY} does not exist: run 'npm run build' first`)
}

/**
 * Runs `node dist/index.js` once, as the runner would, and returns what it left behind. Resolves
 * (never rejects) when the process ends or is killed at `timeoutMs`; any service process that
 * survives the action is recorded in `leftovers` and killed.
 */
export async function runAction(opts: RunOptions): Promise<ActionRun> {
  assertBundleExists()
  const cwd = makeWorkspace()
  const runnerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otlp-e2e-runner-'))
  workspaces.push(runnerDir)
  for (const [rel, content] of Object.entries(opts.files ?? {})) {
    fs.mkdirSync(path.dirname(path.join(cwd, rel)), { recursive: true })
    fs.writeFileSync(path.join(cwd, rel), content)
  }
  const event = opts.event ?? pushEvent()
  const eventPath = path.join(runnerDir, 'event.json')
  const outputPath = path.join(runnerDir, 'github_output')
  const summaryPath = path.join(runnerDir, 'step_summary.md')
  fs.writeFileSync(eventPath, JSON.stringify(event.payload, null, 2))
  fs.writeFileSync(outputPath, '')
  fs.writeFileSync(summaryPath, '')

  const marker = randomBytes(8).toString('hex')
  const inputs = { ...opts.inputs }
  // The marker rides on the `env` input, so every service process of every arm carries it.
  inputs.env = [inputs.env ?? '', `${MARKER_VAR}=${marker}`].filter((l) => l.trim() !== '').join('\n')

  const env: Record<string, string> = {
    ...cleanEnv(),
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: event.name,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: REPO.fullName,
    GITHUB_REPOSITORY_OWNER: REPO.owner,
    GITHUB_WORKFLOW: 'perf',
    GITHUB_JOB: 'gate',
    GITHUB_RUN_ID: '123456789',
    GITHUB_RUN_NUMBER: '42',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_ACTOR: 'contributor',
    GITHUB_SHA: 'f'.repeat(40),
    GITHUB_REF: 'refs/heads/main',
    GITHUB_WORKSPACE: cwd,
    GITHUB_API_URL: opts.apiUrl ?? 'http://127.0.0.1:9',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_GRAPHQL_URL: `${opts.apiUrl ?? 'http://127.0.0.1:9'}/graphql`,
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_NAME: 'e2e-runner',
    RUNNER_TEMP: runnerDir,
    ...(event.env ?? {}),
    ...(opts.env ?? {})
  }
  for (const [name, value] of Object.entries(inputs)) env[inputVariable(name)] = value

  const timeoutMs = opts.timeoutMs ?? 90_000
  const child = spawn(process.execPath, [ACTION_ENTRY], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let stdout = ''
  let stderr = ''
  let cancelled = false
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    stdout += s
    if (opts.cancel !== undefined && !cancelled && opts.cancel.when.test(stdout)) {
      cancelled = true
      child.kill(opts.cancel.signal)
    }
  })
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s))
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    try {
      process.kill(-(child.pid as number), 'SIGKILL')
    } catch {
      // Already gone.
    }
  }, timeoutMs)
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', (err) => {
      stderr += `\n[harness] spawn failed: ${err.message}`
      resolve({ code: null, signal: null })
    })
    child.once('close', (c, s) => resolve({ code: c, signal: s }))
  })
  clearTimeout(timer)

  // Killed services are reaped by init within milliseconds; allow that much, not more, so a service
  // the action left to die on its own still shows up.
  let leftovers = processesWithMarker(marker)
  for (let i = 0; i < 5 && leftovers.length > 0; i++) {
    await new Promise((r) => setTimeout(r, 50))
    leftovers = processesWithMarker(marker)
  }
  for (const p of leftovers) {
    try {
      process.kill(p.pid, 'SIGKILL')
    } catch {
      // Exited meanwhile.
    }
  }

  const outputs = parseGithubOutput(fs.readFileSync(outputPath, 'utf8'))
  const summary = fs.readFileSync(summaryPath, 'utf8')
  const errors = workflowCommands(stdout, 'error').map((c) => c.message)
  const warnings = workflowCommands(stdout, 'warning').map((c) => c.message)
  return {
    exitCode: code,
    signal,
    timedOut,
    stdout,
    stderr,
    outputs,
    summary,
    cwd,
    marker,
    leftovers,
    errors,
    warnings,
    describe: () =>
      [
        `exit ${code}${signal ? ` (signal ${signal})` : ''}${timedOut ? ` TIMED OUT after ${timeoutMs} ms` : ''}`,
        `outputs ${JSON.stringify(outputs)}`,
        `errors ${JSON.stringify(errors).slice(0, 2000)}`,
        `warnings ${JSON.stringify(warnings).slice(0, 1000)}`,
        `stderr ${stderr.slice(-1500)}`,
        `stdout tail ${stdout.slice(-2500)}`
      ].join('\n')
  }
}

/** Reads the results JSON a run wrote (its `results-path` output). */
export function readResults(run: ActionRun): ResultsFile {
  const p = run.outputs['results-path']
  if (p === undefined) throw new Error(`the run set no 'results-path' output:\n${run.describe()}`)
  return JSON.parse(fs.readFileSync(p, 'utf8')) as ResultsFile
}

/** Reads the markdown report a run wrote (its `report-path` output). */
export function readReport(run: ActionRun): string {
  const p = run.outputs['report-path']
  if (p === undefined) throw new Error(`the run set no 'report-path' output:\n${run.describe()}`)
  return fs.readFileSync(p, 'utf8')
}

/** The `#### title` section of a report up to the next heading of the same or a higher level. */
export function reportSection(markdown: string, title: string): string | null {
  const start = markdown.indexOf(`#### ${title}`)
  if (start < 0) return null
  const rest = markdown.slice(start + 5 + title.length)
  const end = rest.search(/^#{1,4} /m)
  return `#### ${title}${end < 0 ? rest : rest.slice(0, end)}`
}

/** Asserts the run ended on its own, with `code`, leaving no process; throws with the run's description otherwise. */
export function expectExit(run: ActionRun, code: number): void {
  const problems: string[] = []
  if (run.timedOut) problems.push('the action timed out')
  if (run.exitCode !== code) problems.push(`expected exit code ${code}, got ${run.exitCode}`)
  if (run.leftovers.length > 0) problems.push(`service processes outlived the action: ${JSON.stringify(run.leftovers)}`)
  if (problems.length > 0) throw new Error(`${problems.join('; ')}\n${run.describe()}`)
}
