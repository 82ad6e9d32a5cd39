import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { loadBaseline, validateResults } from '../../../src/results/read.js'
import { machineDifferences } from '../../../src/results/baseline.js'
import { appendRun } from '../../../src/results/history.js'
import { analyse } from '../../../src/analysis/analyse.js'
import {
  buildResults,
  RESULTS_SCHEMA,
  RESULTS_VERSION,
  settingsOf,
  type ResultsFile
} from '../../../src/results/results.js'
import { parseConfig } from '../../../src/config/config.js'
import { buildArms } from '../../../src/plan/plan.js'
import type { Comparison, MachineInfo, RoundResult } from '../../../src/types.js'
import { makeRound } from '../../helpers/rounds.js'

const machine: MachineInfo = { cpuModel: 'Test CPU', cores: 2, os: 'Linux', node: 'v20', runner: 'r1' }
const config = parseConfig({ 'start-command': 'node s.mjs', 'baseline-path': 'base.json', rounds: '8' })

function round(block: number, armId: string, qps: number, p99Us: number): RoundResult {
  return makeRound({ block, armId, qps, p99Us })
}

function results(offQps: number[], m: MachineInfo = machine): ResultsFile {
  return buildResults({
    tool: { name: 'otlp-perf-gate', version: '0.1.0' },
    createdAt: '2026-11-24T10:00:00.000Z',
    verdict: 'pass',
    failCheck: false,
    reasons: [],
    machine: m,
    pinning: 'off',
    git: { sha: 'abc123', ref: 'refs/heads/main' },
    settings: settingsOf(config),
    plan: { seed: 1, blocks: 8, referenceArmId: 'off', arms: buildArms([0.01, 1]), steps: [] },
    rounds: offQps.map((q, i) => round(i, 'off', q, 10_000)),
    comparisons: [],
    baseline: { source: 'none', status: 'not-configured' },
    timing: {}
  })
}

function tmpFile(content: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opg-baseline-'))
  const file = path.join(dir, 'results.json')
  fs.writeFileSync(file, content)
  return file
}

describe('loadBaseline never throws and says why a baseline is unusable', () => {
  test('ok', () => {
    const r = loadBaseline(tmpFile(JSON.stringify(results([9000, 9100, 9050]))))
    expect(r.status).toBe('ok')
  })
  test.each<[string, string, string, RegExp]>([
    ['not JSON', '{nope', 'malformed', /not valid JSON/],
    [
      'wrong schema',
      JSON.stringify({ schema: 'x' }),
      'malformed',
      /'schema' must be 'otlp-perf-gate\/results', got "x"/
    ],
    [
      'future version',
      JSON.stringify({ ...results([9000]), version: 99 }),
      'future-version',
      /version 99 is newer than this gate understands \(1\)/
    ],
    [
      'bad round',
      JSON.stringify({ ...results([9000]), rounds: [{ armId: 'off', block: 0, load: { qps: 'fast' } }] }),
      'malformed',
      /'rounds\[0\]\.load\.qps' must be a positive number, got "fast"/
    ],
    ['no off rounds', JSON.stringify({ ...results([]), rounds: [] }), 'unusable', /no measured 'off' rounds/]
  ])('%s', (_name, content, status, message) => {
    const r = loadBaseline(tmpFile(content))
    expect(r.status).toBe(status)
    expect(r.status !== 'ok' && r.message).toMatch(message)
  })
  test('missing file', () => {
    const r = loadBaseline('/nonexistent/otlp-perf-gate/results.json')
    expect(r).toMatchObject({ status: 'missing' })
    expect(r.status !== 'ok' && r.message).toContain('no baseline at')
  })
  test('validateResults accepts what buildResults writes, through JSON', () => {
    const r = results([9000, 9100])
    expect(validateResults(JSON.parse(JSON.stringify(r))).schema).toBe(RESULTS_SCHEMA)
    expect(r.version).toBe(RESULTS_VERSION)
  })
})

describe('stored history: this run vs the run-to-run spread of main', () => {
  const mine = [8000, 8100, 7950, 8050, 8020, 7990, 8010, 8030].map((q, i) => round(i, 'off', q, 12_000 + i * 10))
  // Five main runs around 9,000 QPS with run-to-run offsets of about 1 %.
  const history = [9000, 9080, 8930, 9050, 8990].map((level, k) => ({
    ...results([0, 1, 2, 3, 4, 5].map((i) => level + (i % 3) * 20 - 20)),
    createdAt: `2026-11-2${k}T10:00:00.000Z`
  }))
  const offOnly = buildArms([]).filter((a) => a.id === 'off')
  const stored = (h: ResultsFile[], m: MachineInfo = machine) => ({ history: h, machine: m })
  const regression = (cs: { kind: string; metric: string }[]) =>
    cs.find((c) => c.kind === 'regression' && c.metric === 'qps')

  test('five runs: an 11 % regression FAILs; the history size and spread are reported', () => {
    const a = analyse(config, offOnly, mine, stored(history))
    expect(a.stored).toMatchObject({ source: 'stored', status: 'ok', sameMachine: true, sha: 'abc123', runs: 5 })
    const qps = regression(a.comparisons) as Comparison
    expect(qps).toMatchObject({
      kind: 'regression',
      paired: false,
      armId: 'off',
      referenceArmId: 'stored/off',
      n: 8,
      historyRuns: 5,
      decision: 'fail'
    })
    expect(qps.overhead).toBeGreaterThan(0.1)
    expect(qps.overhead).toBeLessThan(0.13)
    expect(qps.cannotFail).toBeUndefined()
  })

  test('a single stored run (a legacy results file) can neither FAIL nor PASS: the run-to-run noise is unknown', () => {
    const qps = regression(analyse(config, offOnly, mine, stored(history.slice(-1))).comparisons) as Comparison
    expect(qps.decision).toBe('inconclusive')
    expect(qps.cannotFail).toMatch(/the stored history has 1 run; at least 3 are needed/)
    expect(qps.cannotPass).toMatch(/the stored history has 1 run; at least 3 are needed .* can pass or fail/)
  })

  test('another machine: marked cannot-fail with the differences', () => {
    const a = analyse(config, offOnly, mine, stored(history, { ...machine, cpuModel: 'Other CPU', cores: 4 }))
    expect(a.stored?.sameMachine).toBe(false)
    const qps = regression(a.comparisons) as Comparison
    expect(qps.decision).not.toBe('fail')
    expect(qps.cannotFail).toContain("CPU 'Test CPU' vs 'Other CPU'")
  })

  test('runs with other settings do not count; none left: unusable, no stored comparison', () => {
    const other = history.map((r) => ({ ...r, settings: { ...r.settings, connections: 100 } }))
    const a = analyse(config, offOnly, mine, stored(other))
    expect(a.comparisons.filter((c) => c.referenceArmId === 'stored/off')).toEqual([])
    expect(a.stored?.status).toBe('unusable')
    expect(a.stored?.message).toContain('connections 100 vs 50')
    expect(analyse(config, offOnly, mine, stored([...other, history[0], history[1], history[2]])).stored?.runs).toBe(3)
  })

  test('a 0-QPS round is a named fault, not a RangeError', () => {
    const broken = [...mine.slice(0, 7), round(7, 'off', 0, 12_000)]
    expect(() => analyse(config, offOnly, broken, stored(history))).toThrow(
      /this run, arm off, block 8: qps must be a positive number, got 0/
    )
  })

  test('history.json: loadBaseline reads every run; appendRun keeps the newest K and skips runs without off rounds', () => {
    const file = tmpFile(JSON.stringify(appendRun(history.slice(0, 4), history[4], 5)))
    const r = loadBaseline(file)
    expect(r.status === 'ok' && r.history.map((h) => h.createdAt)).toEqual(history.map((h) => h.createdAt))
    expect(appendRun(history, results([9000]), 3).runs).toHaveLength(3)
    expect(appendRun(history.slice(0, 2), { ...results([]), rounds: [] }, 5).runs).toHaveLength(2)
    const bad = tmpFile(
      JSON.stringify({ ...appendRun(history.slice(0, 1), history[1], 5), runs: [history[0], { schema: 'x' }] })
    )
    expect(loadBaseline(bad)).toMatchObject({
      status: 'malformed',
      message: expect.stringMatching(/run 2 of the history/)
    })
  })

  test('machineDifferences ignores runner names and Node versions', () => {
    expect(machineDifferences(machine, { ...machine, runner: 'r2', node: 'v24' })).toEqual([])
  })
})
