/** The steady-state rule and the slice order: pure, table-driven. */
import { steadyState, DEFAULT_STEADY_RULE } from '../../../src/measure/steady.js'
import { cycleSlices, measuredCycles } from '../../../src/measure/slices.js'

describe('steadyState', () => {
  const rule = { half: 4, tolerance: 0.015 }
  test.each([
    ['too few slices', [100, 100, 100, 100, 100, 100, 100], false, null],
    ['flat', [100, 100, 100, 100, 100, 100, 100, 100], true, 0],
    ['still climbing 2 % between halves', [100, 100, 100, 100, 102, 102, 102, 102], false, 0.02],
    ['climbing 1 % between halves', [100, 100, 100, 100, 101, 101, 101, 101], true, 0.01],
    ['falling 3 %', [100, 100, 100, 100, 97, 97, 97, 97], false, -0.03],
    ['only the last 8 count', [10, 20, 50, 100, 100, 100, 100, 100, 100, 100, 100], true, 0]
  ])('%s', (_name, rates, steady, change) => {
    const v = steadyState(rates, rule)
    expect(v.steady).toBe(steady)
    if (change === null) expect(v.change).toBeNull()
    else expect(v.change).toBeCloseTo(change, 10)
  })

  test('a warm-up curve turns steady only once it flattens', () => {
    // Exponential approach to 1000 req/s with a 5-slice time constant.
    const rates = Array.from({ length: 40 }, (_, i) => 1000 * (1 - 0.5 * Math.exp(-i / 5)))
    const first = rates.findIndex((_, i) => steadyState(rates.slice(0, i + 1), DEFAULT_STEADY_RULE).steady)
    expect(first).toBeGreaterThan(8)
    // At that point the remaining gain to the asymptote is small.
    expect(1000 / (rates[first] as number) - 1).toBeLessThan(0.05)
  })

  test('a zero or negative mean is never steady; bad rules are refused', () => {
    expect(steadyState([0, 0, 0, 0, 0, 0, 0, 0], rule).steady).toBe(false)
    expect(() => steadyState([1], { half: 0, tolerance: 0.1 })).toThrow(/half/)
    expect(() => steadyState([1], { half: 2, tolerance: 0 })).toThrow(/tolerance/)
  })
})

describe('slices', () => {
  test('alternate: forward, then reversed, so every pair of cycles balances', () => {
    expect(cycleSlices('alternate', 3, 0)).toEqual([[0], [1], [2]])
    expect(cycleSlices('alternate', 3, 1)).toEqual([[2], [1], [0]])
    expect(cycleSlices('alternate', 3, 2)).toEqual([[0], [1], [2]])
    // Mean position of each target over two cycles is the same.
    const positions = [0, 1, 2].map((t) =>
      [0, 1].reduce((a, c) => a + cycleSlices('alternate', 3, c).findIndex((s) => s[0] === t) + 3 * c, 0)
    )
    expect(new Set(positions).size).toBe(1)
  })
  test('together: one slice with every target', () => {
    expect(cycleSlices('together', 3, 5)).toEqual([[0, 1, 2]])
    expect(cycleSlices('together', 1, 0)).toEqual([[0]])
  })
  test('measured cycles are even and at least 2', () => {
    expect(measuredCycles(10, 1)).toBe(10)
    expect(measuredCycles(5, 1)).toBe(6)
    expect(measuredCycles(3, 1)).toBe(4)
    expect(measuredCycles(0.5, 1)).toBe(2)
    expect(() => measuredCycles(0, 1)).toThrow(/positive/)
    expect(() => cycleSlices('alternate', 0, 0)).toThrow(/target/)
  })
})
