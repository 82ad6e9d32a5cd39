import { poolBoots, sharesBoots } from '../../../src/analysis/boots.js'
import { trimmedLocation } from '../../../src/analysis/robust.js'
import { ruleDf } from '../../../src/analysis/rule.js'
import { tQuantile } from '../../../src/stats/distributions.js'
import { normals } from '../../../bench/sim-model.js'

describe('processes kept across blocks: the boot offset (analysis/boots.ts)', () => {
  test('only a boot holding two or more blocks shares an offset', () => {
    expect(sharesBoots([undefined, undefined, undefined])).toBe(false)
    expect(sharesBoots([0, 1, 2])).toBe(false)
    expect(sharesBoots([0, 0, 1])).toBe(true)
  })

  test('one boot: the prior alone widens (se² + τ²), the estimate stays', () => {
    const d = [0.01, -0.02, 0.03, 0.0, -0.01, 0.02, 0.015, -0.005]
    const out = poolBoots(
      d,
      d.map(() => 0),
      0.014
    )
    const before = trimmedLocation(d)
    const after = trimmedLocation(out.logRatios)
    expect(out.spread.blocks).toEqual([8])
    expect(out.spread.tauEstimate).toBeNaN()
    expect(out.spread.tau).toBe(0.014)
    expect(out.spread.widening).toBeCloseTo(Math.sqrt(1 + 0.014 ** 2 / before.se ** 2), 12)
    expect(after.estimate).toBeCloseTo(before.estimate, 12)
    expect(after.se).toBeCloseTo(Math.sqrt(before.se ** 2 + 0.014 ** 2), 12)
  })

  test('boots that scatter more than the prior says: their own spread is added instead', () => {
    const { normal } = normals(7)
    const offsets = [-0.06, 0, 0.06]
    const d: number[] = []
    const boot: number[] = []
    offsets.forEach((u, b) => {
      for (let i = 0; i < 6; i++) {
        d.push(u + 0.01 * normal())
        boot.push(b)
      }
    })
    const out = poolBoots(d, boot, 0.01)
    expect(out.spread.tauEstimate).toBeGreaterThan(0.03)
    expect(out.spread.tau).toBe(out.spread.tauEstimate)
    expect(out.spread.blocks).toEqual([6, 6, 6])
    // With no prior and no spread beyond the blocks' own, the estimate stays near 0 (chance alone).
    const flat = poolBoots(
      d.map((x, i) => x - offsets[boot[i]]),
      boot,
      0
    )
    expect(flat.spread.tauEstimate).toBeLessThan(0.01)
    expect(flat.spread.widening).toBeLessThan(out.spread.widening)
  })

  test('a prior that is not a finite SD ≥ 0, or labels that do not match, are refused', () => {
    expect(() => poolBoots([0, 0.01, 0.02], [0, 0, 0], -0.01)).toThrow(/prior process offset/)
    expect(() => poolBoots([0, 0.01, 0.02], [0, 0, 0], NaN)).toThrow(/prior process offset/)
    expect(() => poolBoots([0, 0.01, 0.02], [0, 0], 0.01)).toThrow(/3 log-ratios but 2 boots/)
  })

  test('coverage by simulation (seeded): one boot of 16 blocks with a real offset covers only with the prior added', () => {
    // Known truth: per-block noise 3 %, each process offset 1 % (a pair's log-ratio: 1.41 %), true ratio 0.
    const { normal } = normals(20261207)
    const tauPair = 0.01 * Math.SQRT2
    let coveredPlain = 0
    let coveredPooled = 0
    const reps = 2000
    for (let r = 0; r < reps; r++) {
      const u = tauPair * normal()
      const d = Array.from({ length: 16 }, () => u + 0.03 * normal())
      const covers = (x: number[]): boolean => {
        const loc = trimmedLocation(x)
        return Math.abs(loc.estimate) <= tQuantile(0.975, ruleDf(loc)) * loc.se
      }
      if (covers(d)) coveredPlain++
      if (
        covers(
          poolBoots(
            d,
            d.map(() => 0),
            tauPair
          ).logRatios
        )
      )
        coveredPooled++
    }
    expect(coveredPlain / reps).toBeLessThan(0.86)
    expect(coveredPooled / reps).toBeGreaterThan(0.94)
  })
})
