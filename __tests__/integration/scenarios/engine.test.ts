/**
 * Load scenarios through runEngine against the real fixture: two connection levels per round, an
 * open-loop phase at a calibrated rate, and a spike after the blocks; then the results JSON and report.
 */
import { expect } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { runEngine } from '../../../src/gate/engine.js'
import type { GateRun } from '../../../src/results/gate-run.js'
import { parseConfig, type Config } from '../../../src/config/config.js'
import { killAllServices } from '../../../src/service/service.js'
import { assemble } from '../../../src/report/assemble.js'
import { renderReport } from '../../../src/report/markdown.js'
import { validateResults } from '../../../src/results/read.js'
import { reportFromResults } from '../../../src/report/assemble.js'
import { machineInfo } from '../../../src/results/fingerprint.js'
import { openLoopConnections } from '../../../src/load/scenarios.js'
import { FIXTURE_SERVICE_INPUTS } from '../../helpers/cli.js'

describe('runEngine with connections 5,20, open-loop-rate auto and spike 20/4', () => {
  let dir: string
  let config: Config
  let run: GateRun
  const log: string[] = []

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scenarios-'))
    config = parseConfig({
      ...FIXTURE_SERVICE_INPUTS,
      'sampling-rates': '1',
      rounds: '3',
      'round-duration': '1',
      'warmup-duration': '0.5',
      connections: '5,20',
      'open-loop-rate': 'auto',
      spike: '20/4',
      'max-qps-overhead': 'none',
      'max-p99-overhead': 'none',
      'max-p99-open-overhead': 'none',
      'output-dir': dir,
      // jest's --experimental-vm-modules must not reach the service.
      env: 'NODE_OPTIONS=',
      seed: '11'
    })
    run = await runEngine(config, { info: (m) => log.push(m), warn: (m) => log.push(`warning: ${m}`) })
  })
  afterAll(async () => {
    await killAllServices()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  test('the rate was calibrated once from the off arm, before the blocks', () => {
    expect(run.openLoop?.source).toBe('auto')
    const cal = run.openLoop?.calibration
    expect(cal).toMatchObject({ armId: 'off', connections: 5, fraction: 0.6 })
    expect(cal!.qps).toBeGreaterThan(0)
    expect(run.openLoop!.rate).toBe(Math.round(cal!.qps * 0.6))
    expect(log.some((l) => l.startsWith('open-loop calibration'))).toBe(true)
    // The calibration round is not a result.
    expect(run.rounds).toHaveLength(6)
  })

  test('every round has the extra level and the open-loop phase, in that order, at the same offered rate', () => {
    for (const r of run.rounds) {
      expect(r.load.ok).toBeGreaterThan(0)
      // The primary window's successes, second by second, reach the round's results.
      expect(r.load.okPerSecond?.reduce((a, b) => a + b, 0)).toBe(r.load.ok)
      expect(r.phases?.map((p) => `${p.kind}:${p.id}`)).toEqual(['closed:c=20', 'open:open'])
      const level = r.phases![0]
      expect(level.connections).toBe(20)
      expect(level.load.ok).toBeGreaterThan(0)
      const open = r.phases![1]
      expect(open.rate).toBe(run.openLoop!.rate)
      // The cap: at least the primary level, more when Little's law needs it at the calibrated latency.
      expect(open.connections).toBe(openLoopConnections(run.openLoop!.rate, 5, run.openLoop!.calibration!.meanUs))
      // Every request scheduled in the 1 s window is accounted for.
      expect(open.load.responses + open.load.errors + open.load.timeouts).toBe(
        Math.max(1, Math.round(run.openLoop!.rate))
      )
      expect(open.sendLag?.p99Us).toBeGreaterThan(0)
    }
  })

  // Behaviour only: how close the achieved rate comes to the offered one depends on the machine (bench).
  test('the off arm is offered the calibrated rate in the open loop and answers within it', () => {
    for (const r of run.rounds.filter((x) => x.armId === 'off')) {
      const open = r.phases!.find((p) => p.id === 'open')!
      expect(open.rate).toBe(run.openLoop!.rate)
      expect(open.load.ok).toBeGreaterThan(0)
      // No more answers than requests scheduled in the window.
      expect(open.load.ok).toBeLessThanOrEqual(Math.max(1, Math.round(run.openLoop!.rate * open.load.durationSec)))
      expect(open.load.qps).toBeGreaterThan(0)
      expect(open.load.latency.count).toBe(open.load.ok)
    }
  })

  test('phase comparisons: the level on QPS and P99, the open loop on P99; reported, not gated', () => {
    const cs = run.comparisons.filter((c) => c.phase !== undefined)
    expect(cs.map((c) => `${c.armId}:${c.metric}:${c.phase}:${c.budget}:${c.n}`)).toEqual([
      'on@1:qps:c=20:null:3',
      'on@1:p99:c=20:null:3',
      'on@1:p99:open:null:3'
    ])
  })

  test('the spike ran every stage for off and the traced arm, after the blocks', () => {
    expect(run.spike?.map((s) => s.armId)).toEqual(['off', 'on@1'])
    for (const s of run.spike!) {
      expect(s.died).toBeUndefined()
      expect(s.stages.map((st) => st.connections)).toEqual([4, 8, 12, 16, 20, 20, 16, 12, 8, 4])
      for (const st of s.stages) {
        expect(st.qps).toBeGreaterThan(0)
        expect(st.durationSec).toBeGreaterThan(0)
      }
    }
  })

  test('results JSON carries the scenarios and re-renders the report with the new sections', () => {
    const { results, report } = assemble(config, run, run.gate.verdict, undefined, {}, machineInfo())
    expect(results.settings).toMatchObject({
      connections: 5,
      connectionLevels: [5, 20],
      openLoopRate: 'auto',
      spike: { peak: 20, durationSec: 4 }
    })
    const back = validateResults(JSON.parse(JSON.stringify(results)))
    expect(back.openLoop?.rate).toBe(run.openLoop!.rate)
    expect(back.spike).toHaveLength(2)
    expect(back.rounds[0].phases).toHaveLength(2)
    for (const md of [renderReport(report), renderReport(reportFromResults(back))]) {
      expect(md).toContain('#### Load levels (closed loop, same boot per round)')
      expect(md).toContain('#### Open-loop latency (constant request rate)')
      expect(md).toContain(`${run.openLoop!.rate.toLocaleString('en-US')} requests/s offered to every arm`)
      expect(md).toContain('#### Spike (single run, not gated)')
      expect(md).toContain('5, 20 connections (primary 5)')
    }
  })

  test('side by side and pinned (on a machine that allows it): each round records the CPUs its block shared, and the report how busy they were', () => {
    const pinned = run.design.includes('share CPU')
    for (const r of run.rounds) expect(r.sharedCpus).toBe(pinned ? 1 : undefined)
    const md = renderReport(assemble(config, run, run.gate.verdict, undefined, {}, machineInfo()).report)
    if (pinned) expect(md).toMatch(/services' shared CPU busy \d+% of the measured windows \(median over \d+ blocks\)/)
    else expect(md).not.toContain("services' shared CPU busy")
  })
})
