import { runHistoryCommand } from './history.js'
import { recordMarkdown } from '../gate/record.js'
import * as path from 'node:path'
import { ConfigError, parseConfig, type Config, type RawInputs } from '../config/config.js'
import { Inputs, PATH_INPUTS, type InputName } from '../config/inputs.js'
import { provenance } from '../report/assemble.js'
import type { ResultsFile } from '../results/results.js'
import { runMerge } from '../gate/merge.js'
import { runGate, runReport, type GateMessage, type RunPaths } from '../gate/run-gate.js'
import { redact } from '../security/redact.js'
import { registerRunSecrets } from '../security/secrets.js'
import { checkOutputDir } from '../security/paths.js'
import { inertBlock } from '../security/workflow-log.js'
import { watchCancellation } from '../service/cancellation.js'
import { VERSION } from '../version.js'
import type { Verdict } from '../types.js'
import { ACTION_ONLY_INPUTS, parseCliArgs, type CliArgs } from './args.js'
import { UsageError } from '../errors.js'
import { loadConfigFile } from '../config/config-file.js'
import { renderHelp } from './help.js'
import { createProgress } from './progress.js'
import { localGit } from './git.js'

/** What runCli touches, injectable for tests. */
export interface CliIo {
  /** The report or results JSON, nothing else (so `--json > out.json` works). */
  stdout: { write(text: string): unknown }
  /** Progress, logs, warnings, errors. */
  stderr: { write(text: string): unknown }
  /** Whether stderr is an interactive terminal (live progress line). */
  isTTY: boolean
  /** Environment for provenance (GITHUB_* when run in CI). The service inherits the process environment. */
  env: NodeJS.ProcessEnv
  /** Directory relative flags and --config are resolved against. */
  cwd: string
  /** Terminal width for --help and the live line. */
  columns?: number
}

/** Exit codes (documented in --help). */
export const ExitCode = { Pass: 0, Fail: 1, Error: 2, Inconclusive: 3 } as const

type PathInput = (typeof PATH_INPUTS)[number]

/** Flags over config file over defaults, plus the base directory of each path input. */
export function mergeInputs(
  flags: RawInputs,
  file: RawInputs | undefined,
  dirs: { cwd: string; fileDir?: string }
): { raw: RawInputs; pathBase: Record<PathInput, string> } {
  const raw: RawInputs = { ...(file ?? {}), ...flags }
  const pathBase = {} as Record<PathInput, string>
  for (const name of PATH_INPUTS) {
    const fromFile = flags[name] === undefined && file?.[name] !== undefined && file[name]?.trim() !== ''
    pathBase[name] = fromFile && dirs.fileDir !== undefined ? dirs.fileDir : dirs.cwd
  }
  return { raw, pathBase }
}

/**
 * Raw inputs (flags merged over the config file) and the Config with absolute paths; throws UsageError or ConfigError.
 */
export function configFromArgs(args: CliArgs, cwd: string): Config {
  return resolveConfig(args, cwd).config
}

function resolveConfig(args: CliArgs, cwd: string): { config: Config; raw: RawInputs } {
  let fileInputs: RawInputs | undefined
  let fileDir: string | undefined
  if (args.configFile !== undefined) {
    const file = path.resolve(cwd, args.configFile)
    fileInputs = loadConfigFile(file)
    fileDir = path.dirname(file)
  }
  const { raw, pathBase } = mergeInputs(args.inputs, fileInputs, { cwd, fileDir })
  const config = parseConfig(raw)
  const abs = (name: PathInput, value: string): string => path.resolve(pathBase[name], value)
  const given = (name: InputName): boolean => (raw[name] ?? '').trim() !== ''
  const resolved: Config = {
    ...config,
    workingDirectory: abs(Inputs.WorkingDirectory, config.workingDirectory),
    outputDir: abs(Inputs.OutputDir, config.outputDir),
    // base-working-directory defaults to working-directory's value, so it resolves like the input it came from.
    base:
      config.base === null
        ? null
        : Object.freeze({
            ...config.base,
            workingDirectory: abs(
              given(Inputs.BaseWorkingDirectory) ? Inputs.BaseWorkingDirectory : Inputs.WorkingDirectory,
              config.base.workingDirectory
            )
          }),
    baselinePath: config.baselinePath === null ? null : abs(Inputs.BaselinePath, config.baselinePath),
    resultsFile: config.resultsFile === null ? null : abs(Inputs.ResultsFile, config.resultsFile)
  }
  checkOutputDir(resolved.outputDir)
  return { config: Object.freeze(resolved), raw }
}

function exitCodeOf(verdict: Verdict, failCheck: boolean): number {
  // A measure run decides nothing: it succeeded when it measured.
  if (verdict === 'pass' || verdict === 'measured') return ExitCode.Pass
  if (verdict === 'fail') return ExitCode.Fail
  if (verdict === 'inconclusive') return failCheck ? ExitCode.Inconclusive : ExitCode.Pass
  return ExitCode.Error
}

interface Printed {
  io: CliIo
  args: CliArgs
  err: (text: string) => void
}

/** The verdict message on stderr; a warning is marked as one (a terminal has no annotations). */
function printVerdict(p: Printed, message: GateMessage): void {
  p.err(message.level === 'warning' ? `warning: ${message.text}` : message.text)
}

/**
 * Print what a run wrote: the report (or the results JSON) on stdout, the paths on stderr. Returns
 * false when the files could not be written (the error is printed instead).
 */
function printWritten(
  p: Printed,
  written: { markdown: string | null; results: ResultsFile | null; paths: RunPaths | null; writeError?: string }
): boolean {
  const { markdown, results, paths } = written
  if (markdown === null || results === null || paths === null) {
    p.err(`otlp-perf-gate: could not write its report: ${written.writeError ?? 'no report was built'}`)
    return false
  }
  const text = markdown.replace(/\n*$/, '')
  // In a GitHub Actions step the runner parses stdout too: the report quotes service output.
  p.io.stdout.write(
    p.args.json
      ? `${JSON.stringify(results, null, 2)}\n`
      : `${p.io.env.GITHUB_ACTIONS === 'true' ? inertBlock(text) : text}\n`
  )
  if (!p.args.quiet)
    p.err(
      `report: ${paths.reportPath}\nresults: ` +
        `${paths.resultsPath}${paths.historyPath === null ? '' : `\nhistory: ${paths.historyPath}`}`
    )
  return true
}

/**
 * `mode: report`: render a results JSON (e.g. a CI artifact) as the action would comment it. No PR
 * comment is posted; the exit code is the file's verdict, so a downloaded red run stays red.
 */
function runReportMode(p: Printed, config: Config): number {
  return finishFromResults(p, runReport(config))
}

/** `mode: merge`: decide once over measure runs' results (globs expanded here, relative to the cwd); no PR comment. */
async function runMergeMode(p: Printed, config: Config): Promise<number> {
  return finishFromResults(p, await runMerge(config, p.io.cwd))
}

/** Report and merge alike: print the files written and the verdict; the exit code is the results' verdict. */
function finishFromResults(
  p: Printed,
  outcome: ReturnType<typeof runReport> | Awaited<ReturnType<typeof runMerge>>
): number {
  if (!outcome.ok) {
    p.err(`otlp-perf-gate: ${outcome.message}`)
    return ExitCode.Error
  }
  if (!printWritten(p, outcome)) return ExitCode.Error
  printVerdict(p, outcome.message)
  return exitCodeOf(outcome.results.verdict, outcome.results.failCheck)
}

/** `mode: gate`, as the action's gate mode minus GitHub: stored baseline, engine, report, exit code. */
async function runGateMode(p: Printed, config: Config): Promise<number> {
  const progress = createProgress({
    write: (t) => void p.io.stderr.write(redact(t)),
    tty: p.io.isTTY,
    columns: p.io.columns,
    quiet: p.args.quiet,
    verbose: p.args.verbose,
    roundDurationSec: config.roundDurationSec
  })
  // Listening until the report is out: SIGTERM/SIGINT stops the services and writes partial results.
  const cancel = watchCancellation()
  try {
    const outcome = await runGate(config, {
      hooks: progress.hooks,
      cancel,
      provenance: async (run) => {
        const git = provenance(p.io.env)
        // Outside CI, record which commit was measured so a results.json can be traced back to it.
        return git.sha === undefined ? { ...git, ...(await localGit(run.workingDirectory)) } : git
      },
      measuring: async (work) => {
        try {
          return await work()
        } finally {
          progress.finish()
        }
      }
    })
    const written = printWritten(p, outcome)
    if (outcome.record !== undefined) p.err(recordMarkdown(outcome.record).trimEnd())
    if (outcome.recordError !== undefined && outcome.message.level !== 'failure') p.err(outcome.recordError)
    printVerdict(p, outcome.message)
    // mode: record: a run that could not be recorded failed its purpose, whatever the verdict.
    return written && outcome.recordError === undefined
      ? exitCodeOf(outcome.verdict, outcome.gateRun?.gate.failCheck ?? true)
      : ExitCode.Error
  } finally {
    cancel.dispose()
  }
}

/**
 * The CLI: parse options, run the same engine as the action, print the report (or results JSON) to
 * stdout and write report.md / results.json. Returns the exit code: 0 pass, 1 fail, 2 error,
 * 3 inconclusive with on-inconclusive=fail. Never throws.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  // Errors quote service logs: redacted, and inert where the GitHub runner parses the output.
  const err = (text: string): void => {
    const clean = redact(text)
    void io.stderr.write(`${io.env.GITHUB_ACTIONS === 'true' && clean.includes('::') ? inertBlock(clean) : clean}\n`)
  }
  let args: CliArgs
  let config: Config
  let raw: RawInputs
  if (argv[0] === 'history') return runHistoryCommand(argv.slice(1), io)
  try {
    args = parseCliArgs(argv)
    if (args.help) {
      io.stdout.write(renderHelp(io.columns))
      return ExitCode.Pass
    }
    if (args.version) {
      io.stdout.write(`${VERSION}\n`)
      return ExitCode.Pass
    }
    ;({ config, raw } = resolveConfig(args, io.cwd))
    registerRunSecrets(config, io.env)
  } catch (e) {
    if (e instanceof UsageError || e instanceof ConfigError) {
      err(`otlp-perf-gate: ${e.message}\nRun 'otlp-perf-gate --help' for every option.`)
      return ExitCode.Error
    }
    err(`otlp-perf-gate: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
    return ExitCode.Error
  }
  const ignored = ACTION_ONLY_INPUTS.filter((name) => (raw[name] ?? '').trim() !== '')
  if (ignored.length > 0)
    err(
      `warning: ${ignored.map((n) => `'${n}'`).join(', ')} only apply to the action (the PR comment, the data ` +
        `branch); ` +
        `the CLI ignores them`
    )

  const printed: Printed = { io, args, err }
  try {
    if (config.mode === 'record' && config.historyPath === null) {
      // Before measuring: the CLI has no data branch (that is the action's store, through the GitHub API).
      printed.err(
        `'mode: record' needs '--history-path' (the JSON file of main's history to append this run to), got ''`
      )
      return ExitCode.Error
    }
    if (config.mode === 'report') return runReportMode(printed, config)
    if (config.mode === 'merge') return await runMergeMode(printed, config)
    return await runGateMode(printed, config)
  } catch (e) {
    // Only a bug gets here (faults of the run are verdict 'error' above); still no stack trace for users to decode.
    err(`otlp-perf-gate: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
    return ExitCode.Error
  }
}

/** The real process as CliIo (progress goes to stderr, so its TTY-ness decides the live line). */
export function processIo(proc: NodeJS.Process = process): CliIo {
  return {
    stdout: proc.stdout,
    stderr: proc.stderr,
    isTTY: proc.stderr.isTTY === true,
    env: proc.env,
    cwd: proc.cwd(),
    columns: proc.stderr.columns || undefined
  }
}
