import { poolRunners, runnerSpread } from '../../../src/analysis/runners.js'
import { trimmedLocation } from '../../../src/analysis/robust.js'
import { mulberry32 } from '../../../src/stats/prng.js'

/** Log-ratios of `runners` × `blocks`: uniform ±noise around 0 plus each runner's interaction. */
function ratios(seed: number, interactions: number[], blocks = 8, noise = 0.03): { d: number[]; runner: number[] } {
  const rand = mulberry32(seed)
  const d: number[] = []
  const runner: number[] = []
  interactions.forEach((x, r) => {
    for (let b = 0; b < blocks; b++) {
      d.push(x + (rand() - 0.5) * 2 * noise)
      runner.push(r)
    }
  })
  return { d, runner }
}

describe('runner pooling (analysis/runners.ts)', () => {
  test('one runner: the log-ratios are returned as given, no spread, no widening', () => {
    const { d, runner } = ratios(1, [0])
    const out = poolRunners(d, runner, 1)
    expect(out.logRatios).toEqual(d)
    expect(out.spread.widening).toBe(1)
    expect(out.spread.tau).toBe(0)
    expect(out.spread.blocks).toEqual([8])
  })

  test('a runner × arm interaction far beyond the blocks noise is estimated and widens the interval', () => {
    const { d, runner } = ratios(2, [-0.05, 0, 0.05])
    const out = poolRunners(d, runner, 3)
    expect(out.spread.tau).toBeGreaterThan(0.03)
    expect(out.spread.pHeterogeneity).toBeLessThan(0.001)
    expect(out.spread.widening).toBeGreaterThan(1.5)
    // The estimate stays; the standard error is multiplied by the widening.
    const before = trimmedLocation(d)
    const after = trimmedLocation(out.logRatios)
    expect(after.estimate).toBeCloseTo(before.estimate, 12)
    expect(after.se / before.se).toBeCloseTo(out.spread.widening, 10)
  })

  test('runners without an interaction: no widening when the means scatter as their noise predicts', () => {
    // Identical blocks on every runner: the runner means are equal, Q = 0.
    const one = ratios(3, [0]).d
    const d = [...one, ...one, ...one]
    const runner = d.map((_, i) => Math.floor(i / 8))
    const out = poolRunners(d, runner, 3)
    expect(out.spread.q).toBeCloseTo(0, 12)
    expect(out.spread.tau).toBe(0)
    expect(out.spread.widening).toBe(1)
    expect(out.logRatios).toEqual(d)
  })

  test('a runner whose blocks are all equal has no standard error: the spread is not estimated, no widening', () => {
    const d = [...Array(8).fill(0.01), ...ratios(4, [0]).d]
    const runner = d.map((_, i) => (i < 8 ? 0 : 1))
    const s = runnerSpread(d, runner, 2)
    expect(Number.isNaN(s.tau)).toBe(true)
    expect(poolRunners(d, runner, 2).spread.widening).toBe(1)
  })

  test('labels must match the log-ratios', () => {
    expect(() => runnerSpread([0.1, 0.2], [0], 1)).toThrow('2 log-ratios but 1 runner labels')
  })
})
