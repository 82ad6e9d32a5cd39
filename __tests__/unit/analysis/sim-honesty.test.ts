/**
 * A fast, seeded subset of `npm run sim -- --only honesty` (bench/sim-honesty.ts): the issue #24 cases as a
 * user runs the gate at the default time budget. With R runs a rate p has SE √(p(1 − p)/R); the bounds are
 * target + 3 SE (R = 400: +2.3 points at 2.5 %, +3.3 at 5 %, −6 at 80 %), so a correct rule fails with
 * probability < 0.2 %, while a single look at 8 blocks (`--looks 8`: 23.7 % INCONCLUSIVE with four
 * comparisons, 4 000 runs) is far outside (with one comparison, 7.0 %, it is not: that case alone would not catch it). `npm run sim -- --only honesty` runs 4 000.
 */
import { honestyLooks, honestyRows } from '../../../bench/sim-honesty.js'

const R = 400
const bound = (target: number, sign = 1): number => target + sign * 3 * Math.sqrt((target * (1 - target)) / R)
const opts = {
  reps: R,
  seed: 3,
  blockSec: 12.75,
  timeBudgetSec: 180,
  rounds: 8,
  maxRounds: 24,
  spending: 'pocock' as const
}

test('the default budget at the measured block time plans two looks', () => {
  expect(honestyLooks(opts)).toEqual([8, 13])
})

test('every honesty case meets its target (seeded, 400 runs each)', () => {
  const rows = Object.fromEntries(honestyRows(opts).map((r) => [r.case, r]))
  expect(Object.keys(rows)).toEqual([
    'clean-budget-1arm',
    'clean-budget-4comparisons',
    'history-k1-boundary-pass',
    'history-k2-boundary-pass',
    'boundary-false-fail',
    'boundary-false-pass',
    'bursts-false-fail',
    'power-budget-plus-2sd'
  ])
  for (const r of Object.values(rows)) expect(r.runs).toBe(R)
  expect(rows['clean-budget-1arm'].rate).toBeLessThanOrEqual(bound(0.05))
  expect(rows['clean-budget-4comparisons'].rate).toBeLessThanOrEqual(bound(0.05))
  expect(rows['history-k1-boundary-pass'].rate).toBe(0) // refused below 3 runs, by rule
  expect(rows['history-k2-boundary-pass'].rate).toBe(0)
  expect(rows['boundary-false-fail'].rate).toBeLessThanOrEqual(bound(0.025))
  expect(rows['boundary-false-pass'].rate).toBeLessThanOrEqual(bound(0.025))
  expect(rows['bursts-false-fail'].rate).toBeLessThanOrEqual(bound(0.05))
  expect(rows['power-budget-plus-2sd'].rate).toBeGreaterThanOrEqual(bound(0.8, -1))
})
