/**
 * The time budget through runEngine against the real fixture: a look after which no further look
 * fits ends the run there, says so, and is analysed as the last look (its undecided comparisons end
 * INCONCLUSIVE, never "undecided"). The budget (1 s) is below what the first look alone takes, so
 * the outcome does not depend on the machine's speed.
 */
import { expect } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { runEngine } from '../../../src/gate/engine.js'
import type { GateRun } from '../../../src/results/gate-run.js'
import { parseConfig } from '../../../src/config/config.js'
import { killAllServices } from '../../../src/service/service.js'
import { FIXTURE_SERVICE_INPUTS } from '../../helpers/cli.js'

describe('runEngine with a time budget shorter than the first look', () => {
  let dir: string
  let run: GateRun
  const log: string[] = []

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'time-budget-'))
    const config = parseConfig({
      ...FIXTURE_SERVICE_INPUTS,
      'sampling-rates': '1',
      rounds: '3',
      'max-rounds': '9',
      'time-budget': '1',
      'round-duration': '0.5',
      'warmup-duration': '0.2',
      'max-p99-overhead': 'none',
      'output-dir': dir,
      env: 'NODE_OPTIONS=',
      seed: '5'
    })
    run = await runEngine(config, { info: (m) => log.push(m), warn: (m) => log.push(`warning: ${m}`) })
  })
  afterAll(async () => {
    await killAllServices()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  test('one look of the fewest blocks that can decide, and the run says why and what budget would hold two', () => {
    expect(run.looks.blocks).toEqual([3])
    expect(run.looks.planned).toEqual([3])
    expect(new Set(run.rounds.map((r) => r.block))).toEqual(new Set([0, 1, 2]))
    expect(run.looks.stoppedBecause).toContain("no further look ends within the 1 s 'time-budget'")
    expect(log.some((l) => l.includes("looks planned from the 1 s 'time-budget'"))).toBe(true)
    // Two looks need 5 blocks (3 and 5) at the measured pace: more than 1 s, at least 5 blocks' time.
    expect(run.looks.oneLook?.looks).toEqual([3, 5])
    expect(run.looks.oneLook?.budgetSec).toBeGreaterThanOrEqual(Math.ceil(5 * (run.looks.secPerBlock ?? NaN)))
  })

  test('the look was the last: every gated comparison is decided or INCONCLUSIVE', () => {
    const gated = run.comparisons.filter((c) => c.budget !== null)
    expect(gated.length).toBeGreaterThan(0)
    for (const c of gated) expect(['pass', 'fail', 'inconclusive']).toContain(c.decision)
  })
})
