/**
 * `mode: merge`: read the results files of several `mode: measure` runs (a matrix of runners), check
 * they measured the same thing, pool their blocks with the runner as a blocking factor, and decide
 * once, as a single run would over the same blocks (the comparison plan, the rule, Holm): one report,
 * one verdict. Shared by the action and the CLI. Never throws.
 */
import * as path from 'node:path'
import { glob, isDynamicPattern } from 'tinyglobby'
import type { Config } from '../config/config.js'
import { Inputs } from '../config/inputs.js'
import { analyse } from '../analysis/analyse.js'
import { readResultsFile } from '../results/read.js'
import { buildResults, type ResultsFile } from '../results/results.js'
import { checkMergeInputs, MergeInputError, poolRuns, type MergeInput } from '../results/merge-inputs.js'
import { writeRunFiles } from '../results/files.js'
import { redact, redactDeep } from '../security/redact.js'
import { renderReport } from '../report/markdown.js'
import { reportFromResults } from '../report/assemble.js'
import { errorMessage } from '../errors.js'
import { VERSION } from '../version.js'
import { verdictMessage, type GateMessage, type RunPaths } from './run-gate.js'
import type { Verdict } from '../types.js'

/** How a merge ended: unusable inputs (the message names them), or a verdict with its files. */
export type MergeOutcome =
  | { ok: false; verdict: 'error'; message: string }
  | {
      ok: true
      verdict: Verdict
      results: ResultsFile
      markdown: string
      paths: RunPaths | null
      writeError?: string
      message: GateMessage
    }

/**
 * The files named by `results`: each line a path or a glob (expanded here, not only by a shell),
 * relative to `cwd`. A glob that matches nothing is an error naming it; a plain path is kept as
 * given (reading it says whether it exists).
 */
export async function expandResults(patterns: readonly string[], cwd: string): Promise<string[]> {
  const files: string[] = []
  for (const [i, p] of patterns.entries()) {
    if (!isDynamicPattern(p)) {
      files.push(path.resolve(cwd, p))
      continue
    }
    const found = (await glob(p, { cwd, absolute: true, onlyFiles: true, followSymbolicLinks: false })).sort()
    if (found.length === 0)
      throw new MergeInputError('no-files', `'${Inputs.Results}' line ${i + 1} '${p}' matches no file (in '${cwd}')`)
    files.push(...found)
  }
  if (files.length === 0) throw new MergeInputError('no-files', `'${Inputs.Results}' names no results file`)
  return files
}

/** Read every file (each error names its file), then check them as a set; throws MergeInputError. */
export function readMergeInputs(files: readonly string[], cwd: string): MergeInput[] {
  const problems: string[] = []
  const inputs: MergeInput[] = []
  for (const file of files) {
    const shown = path.relative(cwd, file) || file
    try {
      inputs.push({ file: shown, results: redactDeep(readResultsFile(file)) })
    } catch (e) {
      problems.push(`'${shown}' is not a usable results file: ${errorMessage(e)}`)
    }
  }
  if (problems.length === 1) throw new MergeInputError('unreadable', problems[0])
  if (problems.length > 1)
    throw new MergeInputError(
      'unreadable',
      `${problems.length} results files cannot be used:\n- ${problems.join('\n- ')}`
    )
  return inputs
}

/**
 * The merged results (pure): the runs' blocks pooled, analysed with the runner as a blocking factor
 * under the merge job's decision inputs (budgets, confidence, on-inconclusive). What was measured
 * (arms, settings that change numbers) is the runs' own, equal in all of them.
 */
export function mergeRuns(config: Config, inputs: readonly MergeInput[]): ResultsFile {
  const runs = checkMergeInputs(inputs)
  const pooled = poolRuns(runs)
  const first = runs[0].results
  const s = first.settings
  // The comparison plan reads the measured load levels and open-loop phase: the runs', not the merge job's inputs.
  const analysed: Config = {
    ...config,
    connections: s.connections,
    connectionLevels: s.connectionLevels ?? [s.connections],
    openLoopRate: s.openLoopRate ?? null,
    // The process offset the measure runs resolved for their service (the merge job has no start command).
    processOffset: s.processOffset ?? config.processOffset
  }
  const a = analyse(analysed, first.plan.arms, pooled.rounds, undefined, undefined, {
    runnerOfBlock: (b) => pooled.runOfBlock[b],
    runners: runs.length
  })
  const sum = (f: (r: ResultsFile) => number | undefined): number | undefined =>
    runs.every((r) => f(r.results) !== undefined) ? runs.reduce((t, r) => t + (f(r.results) as number), 0) : undefined
  return buildResults({
    tool: { name: 'otlp-perf-gate', version: VERSION },
    createdAt: new Date().toISOString(),
    verdict: a.gate.verdict,
    failCheck: a.gate.failCheck,
    reasons: a.gate.reasons,
    machine: first.machine,
    pinning: first.pinning,
    git: first.git,
    baseline: first.baseline.source === 'same-job' ? first.baseline : { source: 'none', status: 'not-configured' },
    settings: {
      ...s,
      rounds: pooled.runOfBlock.length,
      confidence: config.confidence,
      maxQpsOverhead: config.maxQpsOverhead,
      maxP99Overhead: config.maxP99Overhead,
      maxCpuOverhead: config.maxCpuOverhead,
      maxP99OpenOverhead: config.maxP99OpenOverhead,
      maxErrorRate: config.maxErrorRate,
      onInconclusive: config.onInconclusive
    },
    plan: {
      seed: null,
      blocks: pooled.runOfBlock.length,
      referenceArmId: first.plan.referenceArmId,
      arms: first.plan.arms,
      steps: pooled.steps
    },
    rounds: pooled.rounds,
    comparisons: a.comparisons,
    timing: { wallSec: sum((r) => r.timing.wallSec), measuredSec: sum((r) => r.timing.measuredSec) },
    ...(first.design !== undefined ? { design: first.design } : {}),
    merged: { runs: pooled.runs }
  })
}

/** `mode: merge`: expand, read, check, merge, render and write; never throws. */
export async function runMerge(config: Config, cwd: string): Promise<MergeOutcome> {
  let results: ResultsFile
  try {
    const files = await expandResults(config.mergeResults ?? [], cwd)
    results = mergeRuns(config, readMergeInputs(files, cwd))
  } catch (e) {
    return { ok: false, verdict: 'error', message: `OTLP perf gate cannot merge: ${errorMessage(e)}` }
  }
  const markdown = redact(renderReport(reportFromResults(results)))
  const message = verdictMessage({ ...results, onInconclusive: config.onInconclusive })
  const out = { ok: true as const, verdict: results.verdict, results, markdown, message }
  try {
    return { ...out, paths: { ...writeRunFiles(config.outputDir, markdown, results), historyPath: null } }
  } catch (e) {
    return { ...out, paths: null, writeError: errorMessage(e) }
  }
}
