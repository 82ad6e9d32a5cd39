import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { parseConfig } from '../../../src/config/config.js'
import { analyse } from '../../../src/analysis/analyse.js'
import { expandResults, mergeRuns, readMergeInputs, runMerge } from '../../../src/gate/merge.js'
import { MergeInputError, type MergeInput } from '../../../src/results/merge-inputs.js'
import { readResultsFile } from '../../../src/results/read.js'
import type { ResultsFile } from '../../../src/results/results.js'
import { renderReport } from '../../../src/report/markdown.js'
import { reportFromResults } from '../../../src/report/assemble.js'
import { MEASURE_CONFIG, MEASURED_GATE_CONFIG, measuredRun } from '../../helpers/measured.js'

const MERGE = parseConfig({
  mode: 'merge',
  results: 'runs/*/results.json',
  'max-qps-overhead': '10',
  'max-p99-overhead': 'none'
})
const GATE = MEASURED_GATE_CONFIG

const input = (file: string, results: ResultsFile): MergeInput => ({ file, results })
const qpsOf = (r: ResultsFile) =>
  r.comparisons.find((c) => c.metric === 'qps' && c.armId === 'on@1' && c.phase === undefined)!

/** The error mergeRuns throws for these inputs. */
function mergeError(inputs: MergeInput[]): MergeInputError {
  try {
    mergeRuns(MERGE, inputs)
  } catch (e) {
    expect(e).toBeInstanceOf(MergeInputError)
    return e as MergeInputError
  }
  throw new Error('mergeRuns accepted the inputs')
}

let dir: string
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opg-merge-'))
})
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

function writeRun(name: string, results: unknown): string {
  const file = path.join(dir, 'runs', name, 'results.json')
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, typeof results === 'string' ? results : JSON.stringify(results, null, 2))
  return file
}

describe('mode: measure results', () => {
  test('no verdict, no failing check, no decision, a fingerprint; the file passes the schema', () => {
    const r = measuredRun({ seed: 11 })
    expect(r.verdict).toBe('measured')
    expect(r.failCheck).toBe(false)
    expect(r.measured?.runId).toBe('run-11')
    expect(r.measured?.runner).toEqual({ name: 'runner-11', job: 'measure', cpuModel: 'Test CPU', cores: 2 })
    expect(JSON.parse(r.measured!.fingerprint['head-commit'])).toBe('a'.repeat(40))
    expect(JSON.parse(r.measured!.fingerprint['sampling-rates'])).toEqual([1])
    expect(readResultsFile(writeRun('a', r)).measured).toEqual(r.measured)
    expect(renderReport(reportFromResults(r))).toContain('measured only')
  })
})

describe('mode: merge', () => {
  test('a merge of one run gives the single-run verdict and interval over the same blocks', () => {
    const run = measuredRun({ seed: 21, cost: 0.06 })
    const merged = mergeRuns(MERGE, [input('one.json', run)])
    const single = analyse(GATE, run.plan.arms, run.rounds)
    const m = qpsOf(merged)
    const s = single.comparisons.find((c) => c.metric === 'qps' && c.armId === 'on@1' && c.phase === undefined)!
    expect(merged.verdict).toBe(single.gate.verdict)
    expect(m.decision).toBe(s.decision)
    expect([m.overhead, m.ciLow, m.ciHigh, m.pFail]).toEqual([s.overhead, s.ciLow, s.ciHigh, s.pFail])
    expect(m.runners?.widening).toBe(1)
    expect(merged.merged?.runs).toEqual([
      { file: 'one.json', runId: 'run-21', runner: 'runner-21 (measure)', seed: 21, blocks: 8, firstBlock: 0 }
    ])
  })

  test("a runner's offset on both arms is not an effect; three runners narrow the interval", () => {
    const runs = [-0.05, 0, 0.05].map((offset, i) => measuredRun({ seed: 31 + i, offset, cost: 0.05 }))
    const merged = mergeRuns(
      MERGE,
      runs.map((r, i) => input(`r${i}.json`, r))
    )
    const one = mergeRuns(MERGE, [input('r0.json', runs[0])])
    const q = qpsOf(merged)
    expect(q.n).toBe(24)
    expect(q.overhead).toBeGreaterThan(0.03)
    expect(q.overhead).toBeLessThan(0.07)
    expect(q.runners?.blocks).toEqual([8, 8, 8])
    expect(q.ciHigh - q.ciLow).toBeLessThan(qpsOf(one).ciHigh - qpsOf(one).ciLow)
    expect(merged.plan.blocks).toBe(24)
    expect(merged.merged?.runs.map((r) => r.firstBlock)).toEqual([0, 8, 16])
    const md = renderReport(reportFromResults(merged))
    expect(md).toContain('#### Runners (merged: 3 runs, 24 blocks)')
    expect(md).toContain('Between-runner spread')
  })

  test('a runner × arm interaction is reported as the between-runner spread and widens the interval', () => {
    const runs = [-0.06, 0, 0.06].map((interaction, i) => measuredRun({ seed: 41 + i, interaction, noise: 0.01 }))
    const q = qpsOf(
      mergeRuns(
        MERGE,
        runs.map((r, i) => input(`r${i}.json`, r))
      )
    )
    expect(q.runners!.tau).toBeGreaterThan(0.03)
    expect(q.runners!.widening).toBeGreaterThan(1.5)
    expect(q.logRatios).toHaveLength(24)
  })

  test.each([
    ['head commit', { sha: 'c'.repeat(40) }, 'head-commit'],
    [
      'round duration',
      {
        config: parseConfig({
          'start-command': 'node s.mjs',
          'sampling-rates': '1',
          'round-duration': '7',
          mode: 'measure'
        })
      },
      'round-duration'
    ],
    [
      'sampling rates',
      { config: parseConfig({ 'start-command': 'node s.mjs', 'sampling-rates': '0.5', mode: 'measure' }) },
      'sampling-rates'
    ]
  ])('runs that measured something else (%s): an error naming both runs and the field', (_, o, field) => {
    const e = mergeError([input('a.json', measuredRun({ seed: 1 })), input('b.json', measuredRun({ seed: 2, ...o }))])
    expect(e.code).toBe('mismatch')
    expect(e.message).toContain("'b.json' measured something else than 'a.json'")
    expect(e.message).toContain(field)
  })

  test('the same run given twice, and two runs with the same seed, are errors', () => {
    const a = measuredRun({ seed: 5 })
    expect(mergeError([input('a.json', a), input('copy.json', a)]).message).toBe(
      "'copy.json' is the same run as 'a.json' (run id run-5)"
    )
    const b = { ...measuredRun({ seed: 5 }), measured: { ...a.measured!, runId: 'other' } }
    const e = mergeError([input('a.json', a), input('b.json', b)])
    expect(e.code).toBe('duplicate')
    expect(e.message).toContain('the same seed 5')
  })

  test('a failed measure run, a gate run and a truncated block are named errors; every problem is listed', () => {
    const failed = { ...measuredRun({ seed: 6 }), verdict: 'error' as const, error: 'service exited (code 1)' }
    const gate = { ...measuredRun({ seed: 7 }), verdict: 'pass' as const, measured: undefined }
    const cut = measuredRun({ seed: 8 })
    const truncated = { ...cut, rounds: cut.rounds.slice(0, -1) }
    const e = mergeError([
      input('ok.json', measuredRun({ seed: 9 })),
      input('failed.json', failed),
      input('gate.json', gate),
      input('cut.json', truncated)
    ])
    expect(e.message).toContain('3 problems with the results to merge')
    expect(e.message).toContain(
      "'failed.json': the measure run failed, its runner measured nothing usable (service exited (code 1))"
    )
    expect(e.message).toContain("'gate.json' is not the results of a 'mode: measure' run (verdict 'pass'")
    expect(e.message).toContain("'cut.json': block 8 has no round of 'on@1'")
  })

  test('unreadable files: corrupted, truncated, foreign, missing: each named', () => {
    const good = JSON.stringify(measuredRun({ seed: 12 }))
    const files = [
      writeRun('corrupt', '{"schema": nope}'),
      writeRun('truncated', good.slice(0, good.length / 2)),
      writeRun('foreign', { schema: 'someone-else/results', version: 1 }),
      path.join(dir, 'runs', 'missing', 'results.json')
    ]
    expect(() => readMergeInputs(files, dir)).toThrow(MergeInputError)
    let message = ''
    try {
      readMergeInputs(files, dir)
    } catch (e) {
      message = (e as Error).message
    }
    expect(message).toContain('4 results files cannot be used')
    expect(message).toContain("'runs/corrupt/results.json' is not a usable results file")
    expect(message).toContain("'runs/truncated/results.json' is not a usable results file")
    expect(message).toMatch(/'runs\/foreign\/results.json' is not a usable results file: .*schema/)
    expect(message).toContain("no file at '")
  })

  test('globs are expanded by the program (sorted); a glob without a match names its line', async () => {
    writeRun('b', measuredRun({ seed: 2 }))
    writeRun('a', measuredRun({ seed: 1 }))
    const files = await expandResults(['runs/*/results.json'], dir)
    expect(files.map((f) => path.relative(dir, f))).toEqual(['runs/a/results.json', 'runs/b/results.json'])
    await expect(expandResults(['runs/a/results.json', 'nothing/*.json'], dir)).rejects.toThrow(
      `'results' line 2 'nothing/*.json' matches no file (in '${dir}')`
    )
  })

  test('runMerge writes one report and results file; bad inputs are an error outcome, never a throw', async () => {
    writeRun('a', measuredRun({ seed: 1 }))
    writeRun('b', measuredRun({ seed: 2 }))
    const config = { ...MERGE, outputDir: path.join(dir, 'out') }
    const out = await runMerge(config, dir)
    if (!out.ok) throw new Error(out.message)
    expect(out.results.merged?.runs.map((r) => r.file)).toEqual(['runs/a/results.json', 'runs/b/results.json'])
    expect(readResultsFile(path.join(dir, 'out', 'results.json')).merged?.runs).toHaveLength(2)
    expect(['pass', 'fail', 'inconclusive']).toContain(out.verdict)
    writeRun('c', measuredRun({ seed: 2 }))
    const bad = await runMerge(config, dir)
    expect(bad.ok).toBe(false)
    if (!bad.ok) expect(bad.message).toContain("'runs/c/results.json' is the same run as 'runs/b/results.json'")
  })

  test('merge needs results; measure and merge are modes', () => {
    expect(() => parseConfig({ mode: 'merge' })).toThrow("'results' is required with 'mode: merge'")
    expect(MEASURE_CONFIG.mode).toBe('measure')
    expect(MERGE.mergeResults).toEqual(['runs/*/results.json'])
  })
})
