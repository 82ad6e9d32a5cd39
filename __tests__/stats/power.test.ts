import { minimumDetectableLogEffect } from '../../src/stats/power.js'

// Reference: (scipy.stats.t.ppf(0.975, 7) + scipy.stats.t.ppf(0.8, 7)) * 0.05 / sqrt(8) = 0.057640762022446404
test('minimum detectable effect matches SciPy', () => {
  expect(minimumDetectableLogEffect(0.05, 8, 0.05)).toBeCloseTo(0.057640762022446404, 10)
})

test('more blocks detect smaller effects; degenerate input gives NaN', () => {
  expect(minimumDetectableLogEffect(0.05, 16, 0.05)).toBeLessThan(minimumDetectableLogEffect(0.05, 8, 0.05))
  expect(minimumDetectableLogEffect(0.05, 1, 0.05)).toBeNaN()
  expect(minimumDetectableLogEffect(NaN, 8, 0.05)).toBeNaN()
})
