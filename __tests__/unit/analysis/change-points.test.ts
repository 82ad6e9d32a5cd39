import {
  DEFAULT_CHANGE_POINT_OPTIONS,
  findChangePoints,
  MAX_SERIES_LENGTH
} from '../../../src/analysis/change-points.js'
import { noise, stepSeries } from '../../helpers/series.js'

const OTAVA = { maxPValue: 0.001, minMagnitude: 0, windowLength: 50 }

test('a clean step is found at its first new entry, with the means either side', () => {
  const values = [10, 10, 10, 10, 10, 10, 12, 12, 12, 12, 12, 12]
  const [cp, ...rest] = findChangePoints(values, OTAVA)
  expect(rest).toEqual([])
  expect(cp.index).toBe(6)
  expect(cp.pValue).toBe(0)
  expect(cp.meanBefore).toBe(10)
  expect(cp.meanAfter).toBe(12)
  expect(cp.forwardChange).toBeCloseTo(0.2, 12)
  expect(cp.magnitude).toBeCloseTo(0.2, 12)
})

test('a constant series and a too-short series have no change point', () => {
  expect(findChangePoints(Array(20).fill(5), OTAVA)).toEqual([])
  expect(findChangePoints([], OTAVA)).toEqual([])
  expect(findChangePoints([1], OTAVA)).toEqual([])
  expect(findChangePoints([1, 2], OTAVA)).toEqual([])
})

test.each([3, 4, 5])('a step of %i noise SD is found within ±1 entry (seeded)', (sds) => {
  for (let seed = 1; seed <= 20; seed++) {
    const s = stepSeries(seed, 40, 20, sds)
    const cps = findChangePoints(s.values, { ...OTAVA, minMagnitude: 0.01 })
    expect(cps.map((c) => Math.abs(c.index - 20) <= 1)).toContain(true)
  }
})

test('two steps in a series longer than one window are both found', () => {
  const values = noise(11, 120).map((v, i) => v + (i >= 40 ? 5 : 0) + (i >= 90 ? -8 : 0))
  const idx = findChangePoints(values, OTAVA).map((c) => c.index)
  expect(idx.some((i) => Math.abs(i - 40) <= 1)).toBe(true)
  expect(idx.some((i) => Math.abs(i - 90) <= 1)).toBe(true)
})

test('the minimum effect drops a significant but small change', () => {
  const values = noise(5, 60).map((v, i) => v * 0.01 + 100 + (i >= 30 ? 1.5 : 0)) // 1.5 % step, SD 0.01
  expect(findChangePoints(values, { ...OTAVA, minMagnitude: 0 }).map((c) => c.index)).toContain(30)
  expect(findChangePoints(values, { ...OTAVA, minMagnitude: 0.02 })).toEqual([])
})

test('pure noise: no change point in at least 95 % of 200 seeded series (project defaults)', () => {
  let clean = 0
  for (let seed = 1000; seed < 1200; seed++) {
    const length = 20 + (seed % 5) * 20 // 20 … 100 entries
    if (findChangePoints(noise(seed, length), DEFAULT_CHANGE_POINT_OPTIONS).length === 0) clean++
  }
  expect(clean).toBeGreaterThanOrEqual(190)
})

test('pure noise at Otava’s own settings (no minimum effect): no change point in at least 95 % of 200 series', () => {
  let clean = 0
  for (let seed = 1000; seed < 1200; seed++) if (findChangePoints(noise(seed, 50), OTAVA).length === 0) clean++
  expect(clean).toBeGreaterThanOrEqual(190)
})

test.each([
  [{ maxPValue: 0 }, /maxPValue must be in \(0, 1\), got 0/],
  [{ minMagnitude: -1 }, /minMagnitude must be a finite number ≥ 0, got -1/],
  [{ windowLength: 1 }, /windowLength must be an integer ≥ 2, got 1/]
])('bad option %p is a named error', (bad, message) => {
  expect(() => findChangePoints([1, 2, 3], { ...OTAVA, ...bad })).toThrow(message)
})

test('non-finite values and over-long series are named errors', () => {
  expect(() => findChangePoints([1, NaN, 3], OTAVA)).toThrow(/series entry 1 must be a finite number, got NaN/)
  expect(() => findChangePoints(Array(MAX_SERIES_LENGTH + 1).fill(1), OTAVA)).toThrow(/more than the 10000 analysed/)
})
