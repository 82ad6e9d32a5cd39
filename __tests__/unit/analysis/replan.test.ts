/**
 * Looks re-planned from the time budget keep the error rates: the looks already taken keep their
 * levels, the later ones spend what is left, and the design's total one-sided level stays α/2.
 */
import { alphaOf, planLooks, reaches, sequentialStep } from '../../../src/analysis/sequential.js'
import { crossingProbability } from '../../../src/analysis/spending.js'
import { normQuantile } from '../../../src/analysis/normal.js'

const z = (levels: readonly number[]): number[] => levels.map((p) => normQuantile(1 - p))

describe('a design re-planned during the run', () => {
  test('explicit looks: the last spends all the α left (total level α/2)', () => {
    const d = planLooks({ rounds: 8, maxRounds: 24, looks: [8, 13], confidence: 0.95, gatedComparisons: 1 })
    expect(d.looks).toEqual([8, 13])
    const total = crossingProbability([8 / 13, 1], z(d.passLevels), 0)
    expect(total).toBeCloseTo(0.025, 5)
  })

  test("a longer plan after the first look keeps the first look's levels and the total level", () => {
    const before = planLooks({ rounds: 8, maxRounds: 24, looks: [8, 13], confidence: 0.95, gatedComparisons: 4 })
    const after = planLooks({
      rounds: 8,
      maxRounds: 24,
      looks: [8, 16, 20],
      previous: before,
      kept: 1,
      confidence: 0.95,
      gatedComparisons: 4
    })
    expect(after.passLevels[0]).toBe(before.passLevels[0])
    after.failLevels.forEach((l, r) => expect(l[0]).toBe(before.failLevels[r][0]))
    const fr = [8 / 20, 16 / 20, 1]
    expect(crossingProbability(fr, z(after.passLevels), 0)).toBeCloseTo(0.025, 5)
    expect(crossingProbability(fr, z(after.failLevels[0]), 0)).toBeCloseTo(0.025 / 4, 5)
  })

  test('a look made final by a slower pace spends all that is left', () => {
    const before = planLooks({ rounds: 8, maxRounds: 24, looks: [8, 16, 24], confidence: 0.95, gatedComparisons: 1 })
    const cut = planLooks({
      rounds: 8,
      maxRounds: 24,
      looks: [8, 11],
      previous: before,
      kept: 1,
      confidence: 0.95,
      gatedComparisons: 1
    })
    expect(cut.passLevels[0]).toBe(before.passLevels[0])
    expect(crossingProbability([8 / 11, 1], z(cut.passLevels), 0)).toBeCloseTo(0.025, 5)
  })

  test('a kept look that moved, or a changed family, is a programming error', () => {
    const before = planLooks({ rounds: 8, maxRounds: 24, looks: [8, 13], confidence: 0.95, gatedComparisons: 1 })
    expect(() =>
      planLooks({
        rounds: 8,
        maxRounds: 24,
        looks: [7, 13],
        previous: before,
        kept: 1,
        confidence: 0.95,
        gatedComparisons: 1
      })
    ).toThrow('a kept look must stay where it was: look 1 at 8 blocks, re-planned at 7')
    expect(() =>
      planLooks({
        rounds: 8,
        maxRounds: 24,
        looks: [8, 13],
        previous: before,
        kept: 1,
        confidence: 0.95,
        gatedComparisons: 2
      })
    ).toThrow('the gated family changed: 1 → 2')
    expect(() => planLooks({ rounds: 8, maxRounds: 24, looks: [8, 8], confidence: 0.95, gatedComparisons: 1 })).toThrow(
      'looks must be increasing integers ≥ 2, got 8, 8'
    )
  })
})

describe('p against α with a stated tolerance', () => {
  test('α is 1 − confidence without the subtraction residue', () => {
    expect(1 - 0.95).not.toBe(0.05)
    expect(alphaOf(0.95)).toBe(0.05)
    expect(alphaOf(0.9)).toBe(0.1)
  })

  test('an exact p = 0.025 reaches the level 0.025 of a one-look design at 95 %', () => {
    const d = planLooks({ rounds: 8, maxRounds: 8, confidence: 0.95, gatedComparisons: 1 })
    expect(d.passLevels[0]).toBeCloseTo(0.025, 12)
    expect(reaches(0.025, 0.024999999999999967)).toBe(true)
    expect(reaches(0.0250001, 0.025)).toBe(false)
    expect(reaches(NaN, 0.025)).toBe(false)
    const step = sequentialStep([{ pFail: 0.025, pPass: 0.9 }], 0, d)
    expect(step.states[0].decision).toBe('fail')
    const pass = sequentialStep([{ pFail: 0.9, pPass: 0.025 }], 0, d)
    expect(pass.states[0].decision).toBe('pass')
  })

  test('cannotPass keeps a comparison from PASSing however small its p', () => {
    const d = planLooks({ rounds: 8, maxRounds: 8, confidence: 0.95, gatedComparisons: 1 })
    const s = sequentialStep([{ pFail: 0.9, pPass: 1e-9, cannotPass: 'short history' }], 0, d)
    expect(s.states[0].decision).toBe('inconclusive')
  })
})
