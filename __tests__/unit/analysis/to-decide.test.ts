/**
 * What an INCONCLUSIVE comparison would need (analysis/sensitivity.ts sidePower, blocksToDecide; plan/time-budget.ts
 * looksForBlocks, budgetForBlocks): the PASS side's power against the shipped rule simulated (bench/sim.ts
 * runShipped, normal noise of SD 1 on the log scale), the search, and the budget it turns into.
 */
import { planLooks } from '../../../src/analysis/sequential.js'
import { blocksToDecide, observedLiftDivisor, sidePower } from '../../../src/analysis/sensitivity.js'
import { tQuantile } from '../../../src/stats/distributions.js'
import { budgetForBlocks, looksForBlocks, type RunPace } from '../../../src/plan/time-budget.js'
import { shippedRate } from '../../../bench/sim.js'
import { analyse } from '../../../src/analysis/analyse.js'
import { toDecideNote } from '../../../src/report/markdown.js'
import type { Comparison } from '../../../src/types.js'
import { MEASURED_GATE_CONFIG as GATE, measuredRun } from '../../helpers/measured.js'

const R = 400
const designFor = (blocks: number, k = 1) =>
  planLooks({
    rounds: 8,
    maxRounds: blocks,
    confidence: 0.95,
    gatedComparisons: k,
    looks: looksForBlocks(8, blocks, 24)
  })

/** The distance (noise SDs) at which sidePower reaches 80 %. */
function distance80(d: ReturnType<typeof designFor>, side: 'fail' | 'pass'): number {
  let lo = 0
  let hi = 6
  for (let i = 0; i < 30; i++) {
    const mid = (lo + hi) / 2
    if (sidePower(d, 0.996, mid, side) < 0.8) lo = mid
    else hi = mid
  }
  return hi
}

// As sim.test.ts does for FAIL: R = 400 resolves a rate near 80 % to ±6 points (3 SE), the brackets are ±15 %.
test('the PASS side: 80 % power where the shipped rule PASSes 80 % of the time (between 0.85× and 1.15×)', () => {
  for (const [blocks, k] of [
    [13, 1],
    [24, 2]
  ] as const) {
    const d = designFor(blocks, k)
    const x80 = distance80(d, 'pass')
    const power = (x: number): number => shippedRate(d, -x, 'pass', R, 11)
    expect(power(0.85 * x80)).toBeLessThan(0.8)
    expect(power(1.15 * x80)).toBeGreaterThan(0.8)
  }
})

test('blocksToDecide: the fewest blocks whose design reaches 80 %, fewer for a larger distance, null at the budget', () => {
  const opts = { designFor: (n: number) => designFor(n), blockScale: 0.05, side: 'pass' as const, from: 9, cap: 240 }
  const near = blocksToDecide({ ...opts, logDistance: 0.03 }) as number
  const far = blocksToDecide({ ...opts, logDistance: 0.06 }) as number
  expect(near).toBeGreaterThan(far)
  expect(sidePower(designFor(near), 0.05, 0.03, 'pass')).toBeGreaterThanOrEqual(0.8)
  expect(sidePower(designFor(near - 1), 0.05, 0.03, 'pass')).toBeLessThan(0.8)
  // Variance ∝ 1/n: twice the distance needs about a quarter of the blocks (looks and df move it a little).
  expect(near / far).toBeGreaterThan(2.5)
  expect(near / far).toBeLessThan(5)
  expect(blocksToDecide({ ...opts, logDistance: 0.0005 })).toBeNull()
  expect(blocksToDecide({ ...opts, logDistance: 0 })).toBeNull()
  expect(blocksToDecide({ ...opts, logDistance: 0.5 })).toBe(9)
  expect(() => blocksToDecide({ ...opts, logDistance: 0.03, from: 2 })).toThrow(/from and cap/)
})

test('observedLiftDivisor: the lift the rule took, read back from the half-width; a larger lift needs more blocks', () => {
  // n = 10: h = 6, df = 0.85 × 5.
  const df = 0.85 * 5
  const half = (d: number): number => tQuantile(1 - 0.0129 / d, df) * 0.01
  expect(observedLiftDivisor(half(2.5), 0.01, 10, 0.0129)).toBeCloseTo(2.5, 6)
  expect(observedLiftDivisor(half(7), 0.01, 10, 0.0129)).toBeCloseTo(7, 6)
  expect(observedLiftDivisor(half(40), 0.01, 10, 0.0129)).toBe(10)
  expect(observedLiftDivisor(half(0.5), 0.01, 10, 0.0129)).toBe(1)
  expect(observedLiftDivisor(0, 0.01, 10, 0.0129)).toBeNaN()
  const opts = { designFor: (n: number) => designFor(n), blockScale: 0.05, logDistance: 0.04, side: 'fail' as const }
  const t = blocksToDecide({ ...opts, from: 9, cap: 240, liftDivisor: 1 }) as number
  const full = blocksToDecide({ ...opts, from: 9, cap: 240, liftDivisor: 10 }) as number
  expect(full).toBeGreaterThan(t)
})

test('looksForBlocks: the looks a budget holding that many blocks gets', () => {
  expect(looksForBlocks(8, 13, 24)).toEqual([8, 13])
  expect(looksForBlocks(8, 24, 24)).toEqual([8, 16, 24])
  expect(looksForBlocks(8, 40, 24)).toEqual([8, 16, 24, 32, 40])
  expect(looksForBlocks(8, 10, 24)).toEqual([6, 10])
})

test('budgetForBlocks: start-up, blocks (and boots) and the end reserve, rounded up to 10 s', () => {
  const fresh: RunPace = { secBeforeBlocks: 5, secPerBlock: 12.75 }
  // 5 + 13 × 12.75 + 2 = 172.75 → 180
  expect(budgetForBlocks(fresh, 8, 13, 24)).toBe(180)
  const kept: RunPace = { secBeforeBlocks: 5, secPerBlock: 20, secPerBoot: 35, secPerWarmBlock: 14, blocksPerBoot: 2 }
  // Looks at 8 and 13: boots of 2 blocks → 4 + 3 boots; 5 + 7 × 35 + 13 × 14 + 2 = 434 → 440
  expect(budgetForBlocks(kept, 8, 13, 24)).toBe(440)
  // A boot until the next look: 2 boots; 5 + 2 × 35 + 182 + 2 = 259 → 260
  expect(budgetForBlocks({ ...kept, blocksPerBoot: 0 }, 8, 13, 24)).toBe(260)
})

test('an INCONCLUSIVE comparison carries what would decide it, and the report turns it into a budget', () => {
  const qps = (cost: number, seed: number): Comparison => {
    const run = measuredRun({ seed, cost, noise: 0.06 })
    return analyse(GATE, run.plan.arms, run.rounds).comparisons.find((c) => c.metric === 'qps' && c.budget !== null)!
  }
  const near = qps(0.07, 3)
  expect(near.decision).toBe('inconclusive')
  const t = near.toDecide!
  expect(t.side).toBe(near.overhead < 0.1 ? 'pass' : 'fail')
  expect(t.blocks).toBeGreaterThan(8)
  expect(t.liftDivisor).toBeGreaterThanOrEqual(1)
  expect(t.liftDivisor).toBeLessThanOrEqual(10)
  expect(qps(0.4, 3).toDecide).toBeUndefined()
  const pace: RunPace = { secBeforeBlocks: 4, secPerBlock: 20, secPerBoot: 30, secPerWarmBlock: 12, blocksPerBoot: 2 }
  const looks = { blocks: [5, 8], stoppedBecause: 'last planned look', pace }
  const [note] = toDecideNote({ comparisons: [near], looks, settings: { rounds: 8, maxRounds: 24 } })
  const sec = budgetForBlocks(pace, 8, t.blocks!, 24)
  expect(note).toContain(`${t.blocks} blocks to ${t.side.toUpperCase()} it, about ${sec} s`)
  expect(note).toContain(`\`time-budget: ${sec}\``)
  expect(note.includes('max-rounds')).toBe(t.blocks! > 24)
  // No pace (an older file), or nothing undecided: no note.
  expect(
    toDecideNote({ comparisons: [near], looks: { blocks: [8], stoppedBecause: '' }, settings: { rounds: 8 } })
  ).toEqual([])
  expect(toDecideNote({ comparisons: [qps(0.4, 3)], looks, settings: { rounds: 8 } })).toEqual([])
})
