import * as core from '@actions/core'
import * as fs from 'node:fs'
import { parseConfig, type Config } from './config/config.js'
import { readInputs } from './config/read.js'
import { withConfigFile } from './action-inputs.js'
import { Outputs } from './config/inputs.js'
import { headlineOverhead, provenance } from './report/assemble.js'
import type { ResultsFile } from './results/results.js'
import { runGate, runReport, type GateOutcome } from './gate/run-gate.js'
import { runMerge } from './gate/merge.js'
import * as path from 'node:path'
import { changePointLine, changePointOutput, recordMarkdown } from './gate/record.js'
import { killAllServices } from './service/service.js'
import { readPullRequestContext, type PullRequestContext } from './github/context.js'
import { getPullRequestHeadSha, stickyMarker, upsertStickyComment } from './github/comment.js'
import { errorMessage } from './errors.js'
import { branchHistoryStore } from './github/history-branch.js'
import type { MainHistoryStore } from './results/main-history-store.js'
import { redact } from './security/redact.js'
import { registerRunSecrets } from './security/secrets.js'
import { checkOutputDir } from './security/paths.js'
import { printUntrusted } from './security/workflow-log.js'
import { watchCancellation, type Cancellation } from './service/cancellation.js'
import type { RoundResult, Verdict } from './types.js'

/** Whether the sticky comment is posted for this verdict under the `comment` input. */
export function shouldComment(mode: Config['comment'], verdict: Verdict): boolean {
  return mode === 'always' || (mode === 'on-failure' && verdict !== 'pass')
}

/** Whether to comment now: the `comment` input allows it and there is a token (else say why not). */
function wantsComment(config: Pick<Config, 'comment' | 'githubToken' | 'mode'>, verdict: Verdict): boolean {
  // A measure run decides nothing: the merge job comments once for every runner.
  if (config.mode === 'measure' || !shouldComment(config.comment, verdict)) return false
  if (config.githubToken === '') {
    core.warning("no 'github-token': the report is in the job summary only")
    return false
  }
  return true
}

/** Where to comment: the PR of this event, or (report mode) the PR recorded in the results file. */
interface CommentTarget {
  owner: string
  repo: string
  number: number
  apiUrl: string
  workflow: string
  job: string
}

function targetFromPr(pr: PullRequestContext): CommentTarget {
  return { owner: pr.owner, repo: pr.repo, number: pr.number, apiUrl: pr.apiUrl, workflow: pr.workflow, job: pr.job }
}

/**
 * Report mode: the artifact names the PR, but the artifact was produced by PR code (maybe a fork),
 * so nothing in it is trusted with the write token: the results must be of the commit this
 * `workflow_run` event ran for, and the PR it names must have that commit as its head (checked
 * through the API). The comment marker is this workflow's own, never the artifact's.
 */
async function verifiedTargetFromResults(
  config: Config,
  results: ResultsFile,
  env: NodeJS.ProcessEnv
): Promise<CommentTarget> {
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/')
  if (!owner || !repo) throw new Error('GITHUB_REPOSITORY is not set: cannot tell which repository to comment on')
  const number = results.git.prNumber
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number <= 0) {
    throw new Error(`the results file names no pull request (git.prNumber is ${JSON.stringify(number)})`)
  }
  let headSha: unknown
  if (env.GITHUB_EVENT_NAME === 'workflow_run' && env.GITHUB_EVENT_PATH) {
    const event = JSON.parse(fs.readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as {
      workflow_run?: { head_sha?: unknown }
    }
    headSha = event.workflow_run?.head_sha
  }
  if (typeof headSha !== 'string' || !/^[0-9a-f]{40}$/i.test(headSha)) {
    throw new Error(
      "'mode: report' runs from a workflow_run event (its head_sha identifies the PR run); GITHUB_EVENT_PATH has none"
    )
  }
  if (results.git.sha !== headSha) {
    throw new Error(
      `the results file is for commit ${String(results.git.sha)}, but the workflow run was for ${headSha}: refusing ` +
        `to comment`
    )
  }
  const apiUrl = (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, '')
  const prHead = await getPullRequestHeadSha({ token: config.githubToken, apiUrl, owner, repo, number })
  if (prHead !== headSha) {
    throw new Error(
      `pull request #${number} has head ${prHead}, not the measured commit ${headSha}: refusing to comment`
    )
  }
  return { owner, repo, number, apiUrl, workflow: env.GITHUB_WORKFLOW ?? '', job: env.GITHUB_JOB ?? '' }
}

/**
 * Post or update the sticky comment. A 403/404 (fork token, missing permission) is a warning and the
 * job summary still carries the report; any other API failure is an infrastructure error (throws).
 */
async function publish(config: Config, target: CommentTarget, markdown: string): Promise<void> {
  const result = await upsertStickyComment({
    token: config.githubToken,
    apiUrl: target.apiUrl,
    owner: target.owner,
    repo: target.repo,
    issueNumber: target.number,
    marker: stickyMarker(target.workflow, target.job, config.commentId || undefined),
    body: markdown,
    log: (m) => core.info(m),
    warn: (m) => core.warning(m)
  })
  if (result.outcome !== 'forbidden') core.info(`PR comment ${result.outcome}: ${result.url ?? ''}`)
}

function setOutputs(
  verdict: Verdict,
  results: ResultsFile | null,
  paths: { reportPath: string; resultsPath: string } | null
): void {
  core.setOutput(Outputs.Verdict, verdict)
  if (paths) {
    core.setOutput(Outputs.ReportPath, paths.reportPath)
    core.setOutput(Outputs.ResultsPath, paths.resultsPath)
  }
  if (results) {
    core.setOutput(Outputs.QpsOverhead, headlineOverhead(results.comparisons, 'qps', results.settings.samplingRates))
    core.setOutput(Outputs.P99Overhead, headlineOverhead(results.comparisons, 'p99', results.settings.samplingRates))
  }
}

/** `mode: report`: publish a results JSON produced by the PR workflow (fork-safe two-workflow pattern). */
async function runReportMode(config: Config): Promise<string | null> {
  const outcome = runReport(config)
  if (!outcome.ok || outcome.paths === null) {
    setOutputs('error', null, null)
    return outcome.ok ? `OTLP perf gate could not write its report: ${outcome.writeError ?? ''}` : outcome.message
  }
  const { results, markdown, paths } = outcome
  setOutputs(results.verdict, results, paths)
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(markdown, true).write()
  if (!wantsComment(config, results.verdict)) return null
  try {
    const target = await verifiedTargetFromResults(config, results, process.env)
    await publish(config, target, markdown)
  } catch (e) {
    core.setOutput(Outputs.Verdict, 'error')
    return `could not post the PR comment: ${errorMessage(e)}`
  }
  // The PR workflow already set the check; this workflow only reports.
  return null
}

/**
 * `mode: merge`: decide once over the blocks of the matrix's measure runs, then the job summary and the
 * one sticky comment on this event's pull request (a `workflow_run` merge: the PR the runs name, verified).
 */
async function runMergeMode(config: Config): Promise<string | null> {
  const outcome = await runMerge(config, process.env.GITHUB_WORKSPACE || process.cwd())
  if (!outcome.ok || outcome.paths === null) {
    setOutputs('error', null, null)
    return outcome.ok ? `OTLP perf gate could not write its report: ${outcome.writeError ?? ''}` : outcome.message
  }
  const { results, markdown, paths, message } = outcome
  setOutputs(results.verdict, results, paths)
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(markdown, true).write()
  printUntrusted(markdown, (t) => core.info(t))
  if (message.level === 'warning') core.warning(message.text)
  let failure = message.level === 'failure' ? message.text : null
  if (!wantsComment(config, results.verdict)) return failure
  try {
    let pr: PullRequestContext | null = null
    try {
      pr = readPullRequestContext()
    } catch {
      pr = null
    }
    const target = pr !== null ? targetFromPr(pr) : await verifiedTargetFromResults(config, results, process.env)
    await publish(config, target, markdown)
  } catch (e) {
    core.setOutput(Outputs.Verdict, 'error')
    failure = `${failure ?? ''}\nOTLP perf gate could not post the PR comment: ${errorMessage(e)}`.trim()
  }
  return failure
}

/** The action: parse inputs, measure, decide, report, publish. The only core.setFailed of the action is here. */
export async function run(): Promise<void> {
  let failure: string | null
  try {
    const workspace = process.env.GITHUB_WORKSPACE || process.cwd()
    const config = parseConfig(withConfigFile(readInputs(), workspace, (m) => core.info(m)))
    registerRunSecrets(config, process.env, (v) => core.setSecret(v))
    checkOutputDir(config.outputDir)
    failure =
      config.mode === 'report'
        ? await runReportMode(config)
        : config.mode === 'merge'
          ? await runMergeMode(config)
          : await runGateMode(config)
  } catch (e) {
    // Reached only for bad inputs or an unexpected bug: no report can be written without a config.
    core.setOutput(Outputs.Verdict, 'error')
    failure = `OTLP perf gate: ${errorMessage(e)}`
  } finally {
    await killAllServices()
  }
  // The failure may quote a service log: redacted, and set as one escaped ::error:: command.
  if (failure !== null) core.setFailed(redact(failure))
}

/**
 * `mode: gate`: returns the failure message, or null when the check passes. Listens for SIGTERM/SIGINT
 * until the report is out: a cancelled job still gets outputs, the summary and partial results.
 */
async function runGateMode(config: Config): Promise<string | null> {
  const cancel = watchCancellation()
  try {
    return await gateAndReport(config, cancel)
  } finally {
    cancel.dispose()
  }
}

/** Round progress in the action log: one line per round. */
function roundLog({ index, total, round }: { index: number; total: number; round: RoundResult }): void {
  core.info(
    `round ${index + 1}/${total} block ${round.block + 1} ${round.armId}: ` +
      `${round.load.qps.toFixed(0)} QPS, P99 ${(round.load.latency.p99Us / 1000).toFixed(2)} ms, ${round.otlp.spans} ` +
      `spans, ${round.load.non2xx + round.load.errors + round.load.timeouts} failed`
  )
}

/** Provenance of the run: the runner's environment, the PR's head and base when there is one. */
function actionProvenance(pr: PullRequestContext | null): ResultsFile['git'] {
  return {
    ...provenance(),
    ...(pr ? { sha: pr.headSha, ref: pr.headRef, baseSha: pr.baseSha, baseRef: pr.baseRef, prNumber: pr.number } : {}),
    workflow: process.env.GITHUB_WORKFLOW,
    job: process.env.GITHUB_JOB
  }
}

/**
 * Main's history on the data branch (`history-branch`) when `history-path` is empty: needs the token and
 * the repository; null without them (a record run then fails before measuring, a PR run reads none).
 */
function dataBranchStore(config: Config, env: NodeJS.ProcessEnv): MainHistoryStore | null {
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/')
  if (config.historyPath !== null || config.githubToken === '' || !owner || !repo) return null
  return branchHistoryStore({
    token: config.githubToken,
    apiUrl: (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, ''),
    owner,
    repo,
    branch: config.historyBranch,
    path: config.historyBranchPath,
    message: `otlp-perf-gate: record ${(env.GITHUB_SHA ?? 'a run').slice(0, 12)} in main's history`,
    log: (m) => core.info(redact(m))
  })
}

/** runGate with the action's log, provenance and outputs, then the PR comment; returns the failure message or null. */
async function gateAndReport(config: Config, cancel: Cancellation): Promise<string | null> {
  const historyStore = dataBranchStore(config, process.env)
  if (config.mode === 'record' && config.historyPath === null && historyStore === null) {
    core.setOutput(Outputs.Verdict, 'error')
    return (
      `OTLP perf gate: 'mode: record' needs a store for main's history: 'history-path', or 'github-token' ` +
      `and GITHUB_REPOSITORY for the data branch '${config.historyBranch}' (got no token)`
    )
  }
  let pr: PullRequestContext | null = null
  try {
    pr = readPullRequestContext()
  } catch (e) {
    core.warning(`cannot read the pull request event: ${errorMessage(e)}; no PR comment`)
  }
  const outcome = await runGate(config, {
    hooks: { info: (m) => core.info(redact(m)), warn: (m) => core.warning(redact(m)), onRoundEnd: roundLog },
    cancel,
    provenance: () => actionProvenance(pr),
    measuring: (work) => core.group('Measure', work),
    historyStore
  })
  const { message } = outcome
  if (message.level === 'warning') core.warning(message.text)
  let failure = message.level === 'failure' ? message.text : null
  const markdown = await reportInLog(outcome)
  if (typeof markdown !== 'string') {
    setOutputs('error', null, null)
    return `${failure ?? ''}\nOTLP perf gate could not write its report: ${markdown.writeError}`.trim()
  }

  // A cancelled job has seconds left before SIGKILL: no API calls.
  if (pr !== null && outcome.cancelledBy === undefined && wantsComment(outcome.config, outcome.verdict)) {
    try {
      await publish(outcome.config, targetFromPr(pr), markdown)
    } catch (e) {
      // The GitHub API being down is an infrastructure error, distinguishable from a FAIL.
      core.setOutput(Outputs.Verdict, 'error')
      failure = `${failure ?? ''}\nOTLP perf gate could not post the PR comment: ${errorMessage(e)}`.trim()
    }
  }
  return failure
}

/** Outputs, job summary and log of a written run; returns its markdown, or why the report is not out. */
async function reportInLog(outcome: GateOutcome): Promise<string | { writeError: string }> {
  const { markdown, paths, results } = outcome
  if (markdown === null || paths === null || results === null)
    return { writeError: outcome.writeError ?? 'no report was built' }
  try {
    setOutputs(outcome.verdict, results, paths)
    if (paths.historyPath !== null) core.setOutput(Outputs.NextBaselinePath, paths.historyPath)
    if (results.verdict === 'measured') core.setOutput(Outputs.ArtifactDir, path.dirname(paths.resultsPath))
    // mode: record: main's history and its new change points go to the summary (no PR to comment on).
    const record = outcome.record !== undefined ? redact(recordMarkdown(outcome.record)) : ''
    if (outcome.record !== undefined) {
      core.setOutput(Outputs.ChangePoint, changePointOutput(outcome.record))
      for (const p of outcome.record.newChangePoints)
        core.warning(redact(`new change point of main: ${changePointLine(p)}`))
    }
    if (outcome.recordError !== undefined) core.warning(redact(outcome.recordError))
    if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(`${record}${markdown}`, true).write()
    // The report quotes service output (log tails): printed inert, so it can issue no workflow command.
    printUntrusted(markdown, (t) => core.info(t))
    return markdown
  } catch (e) {
    return { writeError: errorMessage(e) }
  }
}
