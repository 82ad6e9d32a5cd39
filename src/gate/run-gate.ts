/**
 * The gate, shared by the action (main.ts) and the CLI (cli/run.ts): measure → assemble the results →
 * render the report → write report.md, results.json and history.json, and the one message that tells
 * the user the verdict. The callers are glue: they print, publish, and turn the outcome into outputs
 * or an exit code.
 */
import { recordInStore, type RecordOutcome } from './record.js'
import { localHistoryStore, type MainHistoryStore } from '../results/main-history-store.js'
import type { ChangePointOptions } from '../analysis/change-points.js'
import { DEFAULT_CHANGE_POINT_OPTIONS } from '../analysis/change-points.js'
import type { Config } from '../config/config.js'
import type { GateRun } from '../results/gate-run.js'
import { renderReport } from '../report/markdown.js'
import { renderTrend } from '../report/trend-chart.js'
import { assemble, failCheckOf, reportFromResults } from '../report/assemble.js'
import { writeHistoryFile, writeRunFiles } from '../results/files.js'
import { machineInfo } from '../results/fingerprint.js'
import { readResultsFile } from '../results/read.js'
import type { ResultsFile } from '../results/results.js'
import { Inputs } from '../config/inputs.js'
import { errorMessage } from '../errors.js'
import { redact, redactDeep } from '../security/redact.js'
import type { LoggingHooks, MainHistoryRead } from './measure.js'
import { measureCancellable, type CancellableOutcome } from './cancellable.js'
import type { Cancellation } from '../service/cancellation.js'
import type { MachineInfo, Verdict } from '../types.js'
import { asMeasuredResults } from '../results/measured.js'
import * as path from 'node:path'

/** What the user is told at the end: a failure (the check fails), a warning, or information. */
export interface GateMessage {
  level: 'failure' | 'warning' | 'info'
  text: string
}

/** What the verdict message depends on; a results file carries all of it. */
export interface VerdictFacts {
  verdict: Verdict
  failCheck: boolean
  reasons: readonly string[]
  error?: string
  /** 'warn' makes an inconclusive verdict a warning (a results file's value is a plain validated string). */
  onInconclusive: string
  /** The signal that cancelled the run, and how many rounds it completed before. */
  cancelled?: { signal: NodeJS.Signals; roundsDone: number }
}

/** The verdict as one message, the same for the action (failure / warning) and the CLI (stderr). Pure. */
export function verdictMessage(f: VerdictFacts): GateMessage {
  const why = f.reasons.length === 0 ? '' : `\n${f.reasons.join('\n')}`
  if (f.cancelled !== undefined) {
    return {
      level: 'failure',
      text:
        `OTLP perf gate cancelled (${f.cancelled.signal}) after ${f.cancelled.roundsDone} completed rounds: partial ` +
        `results written, no verdict`
    }
  }
  if (f.verdict === 'error' || f.error !== undefined)
    return { level: 'failure', text: `OTLP perf gate could not measure: ${f.error ?? 'unknown error'}` }
  if (f.failCheck) return { level: 'failure', text: `OTLP perf gate: ${f.verdict.toUpperCase()}${why}` }
  if (f.verdict === 'inconclusive' && f.onInconclusive === 'warn')
    return { level: 'warning', text: `OTLP perf gate inconclusive:${why}` }
  return { level: 'info', text: `OTLP perf gate: ${f.verdict.toUpperCase()}${why}` }
}

/**
 * Absolute paths of the files a run wrote; `historyPath` is null when no history was written (cancelled run, report
 * mode).
 */
export interface RunPaths {
  reportPath: string
  resultsPath: string
  historyPath: string | null
}

/** What runGate needs from its caller. */
export interface GateDeps {
  /** Progress and log lines of the measurement. */
  hooks: LoggingHooks
  /** The caller's cancellation watch, kept installed (by the caller) until its own reporting is out. */
  cancel: Cancellation
  /** Provenance of the measured commit, asked after the run with the config run (seed fixed). */
  provenance: (config: Config) => ResultsFile['git'] | Promise<ResultsFile['git']>
  /** Wraps the measurement alone (a log group, a progress line to close). */
  measuring?: (work: () => Promise<CancellableOutcome>) => Promise<CancellableOutcome>
  /** This machine's fingerprint, for a run that failed before recording one. */
  machine?: () => MachineInfo
  /**
   * Main's history when `history-path` is empty: the action's data branch (github/history-branch.ts);
   * absent or null: no history (the CLI without `--history-path`).
   */
  historyStore?: MainHistoryStore | null
}

export type { MainHistoryRead }

/** The store of main's history of this run: `history-path` when given, else the caller's (data branch). */
export function historyStoreOf(config: Config, deps: Pick<GateDeps, 'historyStore'>): MainHistoryStore | null {
  return config.historyPath !== null ? localHistoryStore(config.historyPath) : (deps.historyStore ?? null)
}

/** The change-point detector's settings from the config (`change-point-alpha`, `change-point-min-effect`). */
export function changePointOptions(config: Config): ChangePointOptions {
  return {
    ...DEFAULT_CHANGE_POINT_OPTIONS,
    maxPValue: config.changePointAlpha,
    minMagnitude: config.changePointMinEffect
  }
}

/**
 * `mode: gate`: main's history, read before measuring (its current segment narrows the stored runs, and
 * the report draws its trend). A PR run only reads; a history it cannot read is a warning, not a fault
 * (measure.ts says it when narrowing, here when there is nothing to narrow).
 */
async function readForGate(
  config: Config,
  store: MainHistoryStore | null,
  hooks: LoggingHooks
): Promise<MainHistoryRead | undefined> {
  // The data branch is read only where it can matter (a stored baseline to narrow); a local path always.
  if (config.mode !== 'gate' || store === null || (config.baselinePath === null && config.historyPath === null))
    return undefined
  try {
    return { where: store.where, history: await store.read() }
  } catch (e) {
    if (config.baselinePath === null) hooks.warn(`main's history: ${errorMessage(e)}; no trend in the report`)
    return { where: store.where, error: errorMessage(e) }
  }
}

/** How a gate run ended: plain data for the caller's outputs, printing and exit code. */
export interface GateOutcome {
  /** The config actually run (its seed fixed). */
  config: Config
  verdict: Verdict
  gateRun: GateRun | null
  cancelledBy?: NodeJS.Signals
  /** The results as written (redacted); null when they could not be assembled. */
  results: ResultsFile | null
  /** The rendered, redacted report; null when it could not be built. */
  markdown: string | null
  /** Null when the files could not be written (then `writeError` says why). */
  paths: RunPaths | null
  writeError?: string
  /** The verdict message (verdictMessage). */
  message: GateMessage
  /** `mode: record`: what was appended to main's history and the change points found (absent otherwise). */
  record?: RecordOutcome
  /** `mode: record`: why the run could not be recorded (the message then says so as a failure). */
  recordError?: string
}

/**
 * `mode: gate`: measure (stored baseline, engine, every service stopped), assemble the results with the
 * caller's provenance, render the report and write the run's files, history.json included unless the
 * run was cancelled. Never throws: a fault of the run is verdict `error`, one of the writing `writeError`.
 */
export async function runGate(config: Config, deps: GateDeps): Promise<GateOutcome> {
  const measuring = deps.measuring ?? ((work) => work())
  const store = historyStoreOf(config, deps)
  const mainHistory = await readForGate(config, store, deps.hooks)
  const m = await measuring(() => measureCancellable(config, deps.hooks, deps.cancel, mainHistory))
  const out: GateOutcome = {
    config: m.config,
    verdict: m.verdict,
    gateRun: m.gateRun,
    ...(m.cancelledBy !== undefined ? { cancelledBy: m.cancelledBy } : {}),
    results: null,
    markdown: null,
    paths: null,
    message: verdictMessage({
      verdict: m.verdict,
      failCheck: failCheckOf(m.gateRun, m.verdict),
      reasons: m.gateRun?.gate.reasons ?? [],
      error: m.error,
      onInconclusive: m.config.onInconclusive,
      ...(m.cancelledBy !== undefined ? { cancelled: { signal: m.cancelledBy, roundsDone: m.roundsDone.length } } : {})
    })
  }
  try {
    await writeGateFiles(m, deps, out, mainHistory)
  } catch (e) {
    out.paths = null
    out.writeError = errorMessage(e)
  }
  if (m.config.mode === 'record') await recordInto(out, store, m.cancelledBy)
  if (out.results?.verdict === 'measured') {
    out.verdict = 'measured'
    out.message = {
      level: 'info',
      text:
        `OTLP perf gate measured ${out.results.plan.blocks} blocks (mode: measure, no verdict): upload ` +
        `'${path.resolve(m.config.outputDir)}' as this runner's artifact for 'mode: merge'`
    }
  }
  return out
}

/**
 * `mode: record`: append a measured run to main's history. A run without a verdict (error, cancelled)
 * is not appended (it measured nothing comparable); a history that cannot be read or written fails the
 * run by name, and the file is left as it was.
 */
async function recordInto(
  out: GateOutcome,
  store: MainHistoryStore | null,
  cancelledBy: NodeJS.Signals | undefined
): Promise<void> {
  const why =
    store === null
      ? `no store: give '${Inputs.HistoryPath}' (or, in the action, a 'github-token' for the data branch)`
      : cancelledBy !== undefined
        ? 'the run was cancelled'
        : out.results === null
          ? 'the results could not be assembled'
          : out.verdict === 'error'
            ? 'the run measured nothing usable (verdict error)'
            : null
  if (why !== null) {
    out.recordError = `not recorded in main's history${store === null ? '' : ` ${store.where}`}: ${why}`
    return
  }
  try {
    out.record = await recordInStore(store!, out.results!, changePointOptions(out.config))
  } catch (e) {
    out.recordError = `could not record the run in main's history: ${errorMessage(e)}`
    const text = out.message.level === 'failure' ? `${out.message.text}\n` : ''
    out.message = { level: 'failure', text: `${text}OTLP perf gate ${out.recordError}` }
  }
}

/** The report with main's trend appended (gate mode, a history of ≥ 2 comparable entries read). */
function withTrend(markdown: string, results: ResultsFile, read: MainHistoryRead | undefined, config: Config): string {
  if (read === undefined || 'error' in read) return markdown
  const pr = results.comparisons
    .filter((c) => c.kind === 'overhead' && c.metric === 'qps' && c.phase === undefined)
    .map((c) => ({ armId: c.armId, overhead: c.overhead }))
  const trend = renderTrend(read.history, results.verdict === 'error' ? [] : pr, changePointOptions(config))
  return trend === '' ? markdown : `${markdown.trimEnd()}\n\n${trend}`
}

/** Assemble, render and write the files of a measured run into `out`; throws when any of it fails. */
async function writeGateFiles(
  m: CancellableOutcome,
  deps: GateDeps,
  out: GateOutcome,
  mainHistory: MainHistoryRead | undefined
): Promise<void> {
  const git = await deps.provenance(m.config)
  const machine = (deps.machine ?? machineInfo)()
  const { report, results } = assemble(m.config, m.gateRun, m.verdict, m.error, git, machine, m.baselineBefore, {
    roundsDone: m.roundsDone,
    stops: m.stops,
    caps: m.caps
  })
  // `mode: measure`: a finished run is written without a verdict, with its fingerprint for the merge.
  const measured = m.config.mode === 'measure' && m.cancelledBy === undefined && results.verdict !== 'error'
  out.results = measured ? asMeasuredResults(m.config, results) : results
  out.markdown = redact(
    measured
      ? renderReport(reportFromResults(out.results))
      : withTrend(renderReport(report), results, mainHistory, m.config)
  )
  const files = writeRunFiles(m.config.outputDir, out.markdown, out.results)
  // The next stored baseline: the history read from 'baseline-path' plus this run (if it measured).
  const historyPath =
    m.cancelledBy === undefined && !measured
      ? writeHistoryFile(m.config.outputDir, m.storedHistory ?? [], results, m.config.historySize)
      : null
  out.paths = { ...files, historyPath }
}

/** How `mode: report` ended: the results file was unusable, or it was rendered (and maybe written). */
export type ReportOutcome =
  | { ok: false; message: string }
  | {
      ok: true
      results: ResultsFile
      markdown: string
      paths: RunPaths | null
      writeError?: string
      message: GateMessage
    }

/**
 * `mode: report`: read and validate a results file produced elsewhere (every rendered field: it may
 * come from PR code), render it as the gate would, and write report.md / results.json. Never throws.
 */
export function runReport(config: Config): ReportOutcome {
  const file = config.resultsFile as string
  let results: ResultsFile
  try {
    // Redacted: whatever secret this job knows stays out of what it writes, prints or posts.
    results = redactDeep(readResultsFile(file))
  } catch (e) {
    return { ok: false, message: `'${Inputs.ResultsFile}' '${file}' is not a usable results file: ${errorMessage(e)}` }
  }
  const markdown = redact(renderReport(reportFromResults(results)))
  const message = verdictMessage({ ...results, onInconclusive: results.settings.onInconclusive })
  try {
    return {
      ok: true,
      results,
      markdown,
      paths: { ...writeRunFiles(config.outputDir, markdown, results), historyPath: null },
      message
    }
  } catch (e) {
    return { ok: true, results, markdown, paths: null, writeError: errorMessage(e), message }
  }
}
