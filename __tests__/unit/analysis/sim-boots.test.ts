/**
 * A seeded subset of `npm run sim -- --only honesty --boot-sec 25 --block-sec 10 --tau-true 0.025` (bench/sim-boots.ts,
 * docs/method-verdicts.md "Processes kept across blocks"): a boot per look segment (looks at 7 and 12 blocks in
 * 180 s), every process with a lifelong offset of SD 2.5 % that its boot's blocks share. Without the pooling of
 * analysis/boots.ts the rule takes the blocks of a boot as independent and PASSes four comparisons exactly at their
 * budget far more often than the 2.5 % target (22 % in 4 000 runs, seed 1); pooled with the 1.4 % prior, 2.1 %.
 * R runs per case: a rate p has SE √(p(1 − p)/R), so the bound target + 3 SE fails a correct rule with probability
 * < 0.2 %.
 */
import { bootLabels, bootOffsets, type BootModel } from '../../../bench/sim-boots.js'
import { boundaryRates, honestyLooks, type HonestyOptions } from '../../../bench/sim-honesty.js'
import { normals } from '../../../bench/sim-model.js'

const R = 600
const bound = (target: number): number => target + 3 * Math.sqrt((target * (1 - target)) / R)
/** A boot of `bootSec` s, warm blocks of `blockSec` s, the default 180 s budget and plan. */
const run = (bootSec: number, blockSec: number, boots: Omit<BootModel, 'bootSec'>): HonestyOptions => ({
  reps: R,
  seed: 2,
  blockSec,
  timeBudgetSec: 180,
  rounds: 8,
  maxRounds: 24,
  spending: 'pocock',
  boots: { bootSec, ...boots }
})

test('a boot runs from one look to the next (or blocks-per-boot blocks), and the looks fit two boots into 180 s', () => {
  expect(bootLabels([5, 7], 0)).toEqual([0, 0, 0, 0, 0, 1, 1])
  expect(bootLabels([5, 7], 2)).toEqual([0, 0, 1, 1, 2, 3, 3])
  const model = { blocksPerBoot: 0, tauTrue: 0, tauPrior: 0.014, variant: 'shipped' as const }
  // Node fixture, 3 arms, defaults (2026-12-07): 35.0 s per boot, 13.9 s per warm block.
  expect(honestyLooks(run(35, 13.9, model))).toEqual([5, 7])
  expect(honestyLooks(run(25, 10, model))).toEqual([7, 12])
})

test("a boot's blocks share its offsets, and the comparisons share the off process (correlation 1/2)", () => {
  const u = bootOffsets([0, 0, 1], 2, 0.02, normals(9).normal)
  expect(u[0][0]).toBe(u[0][1]) // one boot, one offset
  expect(u[0][2]).not.toBe(u[0][0])
  expect(bootOffsets([0, 0, 1], 2, 0.02, normals(9).normal)).toEqual(u) // seeded
  // 4000 boots of one block: u_on1 − u_off and u_on2 − u_off have variance 2τ² and covariance τ².
  const labels = Array.from({ length: 4000 }, (_, b) => b)
  const [a, b] = bootOffsets(labels, 2, 0.02, normals(10).normal)
  const dot = (x: number[], y: number[]): number => x.reduce((s, v, i) => s + v * y[i], 0)
  const r = dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b))
  expect(r).toBeGreaterThan(0.4) // SE of r ≈ 0.012 at 4000
  expect(r).toBeLessThan(0.6)
  expect(dot(a, a) / 4000).toBeGreaterThan(0.9 * 2 * 0.02 ** 2)
  expect(dot(a, a) / 4000).toBeLessThan(1.1 * 2 * 0.02 ** 2)
})

test('kept processes with offsets: the boundary false PASS stays under its target only with the pooling', () => {
  const model = { blocksPerBoot: 0, tauTrue: 0.025, tauPrior: 0.014 }
  const lost = boundaryRates(run(25, 10, { ...model, variant: 'none' }))
  const pooled = boundaryRates(run(25, 10, { ...model, variant: 'shipped' }))
  expect(lost.falsePass).toBeGreaterThan(2 * bound(0.025))
  expect(pooled.falsePass).toBeLessThanOrEqual(bound(0.025))
  expect(pooled.falseFail).toBeLessThanOrEqual(bound(0.025))
})
