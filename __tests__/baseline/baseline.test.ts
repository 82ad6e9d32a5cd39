import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { loadBaseline, validateResults } from '../../src/baseline/read.js'
import { compareWithStored, machineDifferences } from '../../src/baseline/compare.js'
import { buildResults, RESULTS_SCHEMA, RESULTS_VERSION, settingsOf, type ResultsFile } from '../../src/baseline/results.js'
import { parseConfig } from '../../src/config/config.js'
import { buildArms } from '../../src/plan/plan.js'
import type { MachineInfo, RoundResult } from '../../src/types.js'
import { makeRound } from '../helpers/rounds.js'

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
    ['wrong schema', JSON.stringify({ schema: 'x' }), 'malformed', /'schema' must be 'otlp-perf-gate\/results', got "x"/],
    ['future version', JSON.stringify({ ...results([9000]), version: 99 }), 'future-version', /version 99 is newer than this gate understands \(1\)/],
    ['bad round', JSON.stringify({ ...results([9000]), rounds: [{ armId: 'off', block: 0, load: { qps: 'fast' } }] }), 'malformed', /'rounds\[0\]\.load\.qps' must be a positive number, got "fast"/],
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

describe('compareWithStored', () => {
  const mine = [8000, 8100, 7950, 8050, 8020, 7990].map((q, i) => round(i, 'off', q, 12_000 + i * 10))
  const stored = results([9000, 9100, 8950, 9050, 9020, 8990])

  test('same machine: a clear QPS regression can fail', () => {
    const { comparisons, info } = compareWithStored(config, mine, stored, machine)
    expect(info).toMatchObject({ source: 'stored', status: 'ok', sameMachine: true, sha: 'abc123' })
    const qps = comparisons.find((c) => c.metric === 'qps')!
    expect(qps).toMatchObject({ kind: 'regression', paired: false, armId: 'off', referenceArmId: 'stored/off', n: 6, nRef: 6 })
    expect(qps.overhead).toBeGreaterThan(0.1)
    expect(qps.overhead).toBeLessThan(0.12)
    expect(qps.budget).toBeCloseTo(0.05, 12)
    expect(qps.cannotFail).toBeUndefined()
  })

  test('another machine: marked cannot-fail with the differences', () => {
    const { comparisons, info } = compareWithStored(config, mine, stored, { ...machine, cpuModel: 'Other CPU', cores: 4 })
    expect(info.sameMachine).toBe(false)
    expect(comparisons.every((c) => c.cannotFail?.includes("CPU 'Test CPU' vs 'Other CPU'"))).toBe(true)
  })

  test('different settings: unusable, no comparisons', () => {
    const other = { ...stored, settings: { ...stored.settings, connections: 100 } }
    const { comparisons, info } = compareWithStored(config, mine, other, machine)
    expect(comparisons).toEqual([])
    expect(info.status).toBe('unusable')
    expect(info.message).toContain('connections 100 vs 50')
  })

  test('machineDifferences ignores runner names and Node versions', () => {
    expect(machineDifferences(machine, { ...machine, runner: 'r2', node: 'v24' })).toEqual([])
  })
})
