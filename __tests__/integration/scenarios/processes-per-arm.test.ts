/**
 * `processes-per-arm: 2` through runEngine against the real fixture: every block boots two fresh
 * processes per arm, each on its own port, slot and receiver with half the connections, loaded in one
 * shared window; each arm's round is their merge, and the results file and report carry it.
 */
import { expect } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { runEngine } from '../../../src/gate/engine.js'
import type { GateRun } from '../../../src/results/gate-run.js'
import { parseConfig, type Config } from '../../../src/config/config.js'
import { killAllServices } from '../../../src/service/service.js'
import { validateResults } from '../../../src/results/read.js'
import { assemble } from '../../../src/report/assemble.js'
import { renderReport } from '../../../src/report/markdown.js'
import { machineInfo } from '../../../src/results/fingerprint.js'
import { safeName } from '../../../src/measure/round.js'
import { FIXTURE_SERVICE_INPUTS } from '../../helpers/cli.js'

describe('runEngine with processes-per-arm 2 (off and 100 % sampling, 3 blocks)', () => {
  let dir: string
  let config: Config
  let run: GateRun

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'per-arm-'))
    config = parseConfig({
      ...FIXTURE_SERVICE_INPUTS,
      'sampling-rates': '1',
      'round-design': 'side-by-side',
      'processes-per-arm': '2',
      rounds: '3',
      'max-rounds': '3',
      'round-duration': '1',
      'warmup-duration': '0.5',
      connections: '6',
      'max-qps-overhead': 'none',
      'max-p99-overhead': 'none',
      'output-dir': dir,
      // jest's --experimental-vm-modules must not reach the service.
      env: 'NODE_OPTIONS=',
      seed: '5'
    })
    run = await runEngine(config, {})
  })
  afterAll(async () => {
    await killAllServices()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  test('one round per arm and block, each the merge of two processes on their own ports and slots', () => {
    expect(run.rounds).toHaveLength(6)
    expect(run.design).toContain('2 fresh processes each')
    for (const b of [0, 1, 2]) {
      const block = run.rounds.filter((r) => r.block === b)
      const slots = block.flatMap((r) => r.replicas!.map((x) => x.slot)).sort()
      expect(slots).toEqual([0, 1, 2, 3])
      const ports = new Set(block.flatMap((r) => r.replicas!.map((x) => x.port)))
      expect(ports.size).toBe(4)
    }
    for (const r of run.rounds) {
      expect(r.replicas).toHaveLength(2)
      expect(r.replicas!.map((x) => x.connections)).toEqual([3, 3])
      for (const x of r.replicas!) expect(x.ok).toBeGreaterThan(0)
      expect(r.load.ok).toBe(r.replicas!.reduce((a, x) => a + x.ok, 0))
      expect(r.load.qps).toBeCloseTo(
        r.replicas!.reduce((a, x) => a + x.qps, 0),
        6
      )
      expect(r.load.latency.count).toBe(r.load.ok)
      expect(r.load.okPerSecond?.reduce((a, b) => a + b, 0)).toBe(r.load.ok)
      if (r.resources !== undefined)
        expect(r.resources.cpuSeconds).toBeCloseTo(
          r.replicas!.reduce((a, x) => a + (x.cpuSeconds ?? NaN), 0),
          6
        )
    }
  })

  test('spans of both processes of the traced arm are counted, and none from the off arm', () => {
    for (const r of run.rounds.filter((x) => x.armId === 'off')) expect(r.otlp.spans).toBe(0)
    for (const r of run.rounds.filter((x) => x.armId !== 'off')) {
      // Every traced request yields two spans (server + internal). Spans count by start and responses by
      // completion, so the window's edges blur the ratio a little; one process's spans alone would be half.
      expect(r.window!.spans / r.load.ok).toBeGreaterThan(1.8)
      expect(r.window!.spans / r.load.ok).toBeLessThan(2.2)
      expect(r.window!.traceSpans / r.window!.traces).toBeCloseTo(2, 1)
    }
  })

  test('each process has its own log file', () => {
    const logs = fs.readdirSync(path.join(dir, 'logs')).sort()
    const arms = [...new Set(run.rounds.map((r) => safeName(r.armId)))]
    expect(arms).toHaveLength(2)
    expect(logs.filter((l) => l.startsWith('block1-'))).toEqual(
      arms.flatMap((a) => [`block1-${a}-p1.log`, `block1-${a}-p2.log`]).sort()
    )
  })

  test('the results file keeps the processes and validates; the report names the design', () => {
    const { results, report } = assemble(config, run, run.gate.verdict, undefined, {}, machineInfo())
    const json = JSON.parse(JSON.stringify(results))
    expect(() => validateResults(json)).not.toThrow()
    expect(json.rounds[0].replicas).toHaveLength(2)
    expect(renderReport(report)).toContain('2 fresh processes each')
  })
})
