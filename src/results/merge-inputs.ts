/**
 * `mode: merge`, the checks on its inputs (pure): every file is a finished `mode: measure` run, no run
 * is given twice, and every run measured the same arms, builds and settings (fingerprints). Then the
 * pooling of their rounds: each run's blocks renumbered after the previous run's, so a block stays one
 * runner's block and the analysis can take the runner as a blocking factor.
 */
import type { PlanStep, RoundResult } from '../types.js'
import { fingerprintDifferences, type MeasuredRun, type MergedRun } from './measured.js'
import type { ResultsFile } from './results.js'

/** A merge input that cannot be used, naming its file(s); `code` for tests and callers. */
export class MergeInputError extends Error {
  constructor(
    readonly code: 'no-files' | 'unreadable' | 'failed-run' | 'not-measure' | 'duplicate' | 'mismatch' | 'incomplete',
    message: string
  ) {
    super(message)
    this.name = 'MergeInputError'
  }
}

/** One results file read and validated, with the path it came from. */
export interface MergeInput {
  file: string
  results: ResultsFile
}

/** A merge input that passed the checks. */
export type MeasuredInput = MergeInput & { results: ResultsFile & { measured: MeasuredRun } }

/** Each file must be a finished measure run: not a failed or cancelled one, not a gate run, every block complete. */
function checkOne(input: MergeInput): MeasuredInput {
  const { file, results } = input
  if (results.verdict === 'error')
    throw new MergeInputError(
      'failed-run',
      `'${file}': the measure run failed, its runner measured nothing usable (${results.error ?? 'verdict error'})`
    )
  if (results.measured === undefined || results.verdict !== 'measured')
    throw new MergeInputError(
      'not-measure',
      `'${file}' is not the results of a 'mode: measure' run (verdict '${results.verdict}', no fingerprint); run ` +
        `the matrix jobs with 'mode: measure'`
    )
  const arms = results.plan.arms.map((a) => a.id)
  const blocks = [...new Set(results.rounds.map((r) => r.block))]
  for (const b of blocks) {
    const has = new Set(results.rounds.filter((r) => r.block === b).map((r) => r.armId))
    const missing = arms.filter((a) => !has.has(a))
    if (missing.length > 0)
      throw new MergeInputError(
        'incomplete',
        `'${file}': block ${b + 1} has no round of ${missing.map((a) => `'${a}'`).join(', ')}; ` +
          `the file is truncated or edited`
      )
  }
  if (blocks.length === 0) throw new MergeInputError('incomplete', `'${file}': no measured block`)
  return input as MeasuredInput
}

/**
 * Check the inputs of a merge; throws MergeInputError listing every problem (each naming its file):
 * failed or non-measure runs, the same run twice (identical run id or seed), fingerprints that differ
 * from the first run's (naming both runs and every differing field).
 */
export function checkMergeInputs(inputs: readonly MergeInput[]): MeasuredInput[] {
  if (inputs.length === 0) throw new MergeInputError('no-files', 'no results file to merge')
  const problems: MergeInputError[] = []
  const ok: MeasuredInput[] = []
  for (const input of inputs) {
    try {
      ok.push(checkOne(input))
    } catch (e) {
      if (!(e instanceof MergeInputError)) throw e
      problems.push(e)
    }
  }
  for (const [i, b] of ok.entries()) {
    for (const a of ok.slice(0, i)) {
      const [ma, mb] = [a.results.measured, b.results.measured]
      if (ma.runId === mb.runId)
        problems.push(
          new MergeInputError('duplicate', `'${b.file}' is the same run as '${a.file}' (run id ${ma.runId})`)
        )
      else if (ma.seed !== null && ma.seed === mb.seed)
        problems.push(
          new MergeInputError(
            'duplicate',
            `'${b.file}' and '${a.file}' have the same seed ${ma.seed}: the same run copied, or a fixed 'seed' in ` +
              `every matrix job (leave 'seed' empty so that each runner draws its own block order)`
          )
        )
    }
  }
  const first = ok[0]
  for (const other of ok.slice(1)) {
    const fa = first.results.measured.fingerprint
    const fb = other.results.measured.fingerprint
    const diff = fingerprintDifferences(fa, fb)
    if (diff.length > 0)
      problems.push(
        new MergeInputError(
          'mismatch',
          `'${other.file}' measured something else than '${first.file}': ` +
            diff.map((k) => `${k} ${fb[k] ?? '(absent)'} vs ${fa[k] ?? '(absent)'}`).join('; ')
        )
      )
  }
  if (problems.length === 1) throw problems[0]
  if (problems.length > 1)
    throw new MergeInputError(
      problems[0].code,
      `${problems.length} problems with the results to merge:\n- ${problems.map((p) => p.message).join('\n- ')}`
    )
  return ok
}

/** The pooled rounds and steps: run k's blocks come after run k − 1's, in their own order. */
export interface PooledRuns {
  rounds: RoundResult[]
  steps: PlanStep[]
  runs: MergedRun[]
  /** The run (0-based) each merged block came from. */
  runOfBlock: number[]
}

/**
 * Pool the rounds of checked measure runs, renumbering blocks 0…N−1 run after run, and boots (processes kept
 * across blocks) likewise, so that two runs' boots never count as one process.
 */
export function poolRuns(inputs: readonly MeasuredInput[]): PooledRuns {
  const out: PooledRuns = { rounds: [], steps: [], runs: [], runOfBlock: [] }
  let bootsSoFar = 0
  for (const [k, { file, results }] of inputs.entries()) {
    const blocks = [...new Set(results.rounds.map((r) => r.block))].sort((a, b) => a - b)
    const first = out.runOfBlock.length
    const map = new Map(blocks.map((b, i) => [b, first + i]))
    const boots = results.rounds.map((r) => r.boot).filter((b): b is number => b !== undefined)
    for (const r of results.rounds)
      out.rounds.push({
        ...r,
        block: map.get(r.block)!,
        ...(r.boot !== undefined ? { boot: r.boot + bootsSoFar } : {})
      })
    if (boots.length > 0) bootsSoFar += Math.max(...boots) + 1
    for (const s of results.plan.steps) if (map.has(s.block)) out.steps.push({ ...s, block: map.get(s.block)! })
    for (let i = 0; i < blocks.length; i++) out.runOfBlock.push(k)
    const m = results.measured
    out.runs.push({
      file,
      runId: m.runId,
      runner: m.runner.job !== undefined ? `${m.runner.name} (${m.runner.job})` : m.runner.name,
      seed: m.seed,
      blocks: blocks.length,
      firstBlock: first
    })
  }
  return out
}
